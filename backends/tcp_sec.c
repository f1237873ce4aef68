/* SPDX-License-Identifier: MIT */
/* tcp_sec.c - the tcp back-end's handshake and sealed records (see tcp_sec.h). */
#include "tcp_sec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/peers.h"
#include "common/le.h"
#include "common/json.h"
#include "common/nid.h"
#include "common/sockaddr.h"
#include "common/log.h"
#include "halfopen.h"
#include "tcp.h"
#include "common/time.h"

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return lu2k_time_s_to_ns(ts.tv_sec) + (uint64_t)ts.tv_nsec;
}

static const char *addr_of(const struct lu2k_be_conn *c, char *buf, size_t len)
{
	return lu2k_sockaddr_addr(&c->addr, buf, len);
}

static struct tcp_sec *sec_new(struct lu2k_be_conn *c)
{
	struct tcp_sec *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	lu2k_aead_limits_default(&s->lim);
	c->sec = s;
	return s;
}

/* The initiation and the response are small and go first on a new socket: one write. */
static int write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	do
		w = write(fd, p, n);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	return (size_t)w == n ? 0 : -EIO;
}

int tcp_sec_start_out(struct lu2k_be_conn *c)
{
	struct lu2k_auth *a = c->be->env.auth;
	const struct lu2k_key *peer = lu2k_auth_key_for(a, &c->remote);
	struct tcp_sec *s;
	struct lu2k_key e;
	uint8_t m[LU2K_HS_INIT_LEN];
	int rc;

	if (!peer)
		return -EACCES; /* tcp_connect() said why */
	s = sec_new(c);
	if (!s)
		return -ENOMEM;
	lu2k_key_generate(&e);
	rc = lu2k_hs_initiate(&s->hs, &a->local, peer, &e, lu2k_hs_next_ts(&a->last_ts, wall_ns()),
			      a->next_index++, &c->local, &c->remote, m);
	lu2k_key_wipe(&e);
	if (rc)
		return -EINVAL;
	return write_all(c->io.fd, m, sizeof(m));
}

int tcp_sec_start_in(struct lu2k_be_conn *c)
{
	return sec_new(c) ? 0 : -ENOMEM;
}

static void refuse_log(struct lu2k_be_conn *c, const char *what, const char *detail)
{
	char a[INET6_ADDRSTRLEN + 8], n[LU2K_NID_STRLEN];

	c->be->st.auth_refused++;
	if (c->out)
		LOG_RL(LU2K_LOG_WARN, "tcp: handshake with %s at %s failed: %s%s",
		       lu2k_nid_format(&c->remote, n, sizeof(n)), addr_of(c, a, sizeof(a)), what,
		       detail);
	else
		LOG_RL(LU2K_LOG_WARN, "tcp: connection from %s refused: %s%s",
		       addr_of(c, a, sizeof(a)), what, detail);
}

/*
 * An initiation that passed the cheap checks takes a token (auth/hsrate.h)
 * before the X25519 work: 0, or -EBUSY (logged; the connection closes,
 * and the connector tries again later).
 */
static int rate_ok(struct lu2k_be_conn *c, const struct tcp_sec *s)
{
	struct lu2k_auth *a = c->be->env.auth;
	const struct sockaddr_storage *ss = &c->addr;
	struct lu2k_halfopen_key pk;
	enum lu2k_hsrate_verdict v;

	if (lu2k_hs_precheck(&a->local, s->hsbuf, LU2K_HS_INIT_LEN))
		return 0; /* lu2k_hs_respond says why, at no cost */
	lu2k_halfopen_key_ss(&pk, ss);
	v = lu2k_auth_hs_rate(a, pk.b, sizeof(pk.b), c->be->env.loop->now);
	if (v == LU2K_HSRATE_OK)
		return 0;
	refuse_log(c, lu2k_hsrate_verdict_str(v), " (handshake rate limit, under load)");
	return -EBUSY;
}

static int respond(struct lu2k_be_conn *c, struct tcp_sec *s)
{
	struct lu2k_auth *a = c->be->env.auth;
	struct lu2k_hs_claim claim;
	struct lu2k_hs_keys k;
	struct lu2k_key e;
	uint8_t m[LU2K_HS_RESP_LEN];
	char detail[200] = "", nid[LU2K_NID_STRLEN], key[LU2K_KEY_B64_LEN + 1];
	int rc;

	rc = rate_ok(c, s);
	if (rc)
		return rc;
	lu2k_key_generate(&e);
	rc = lu2k_hs_respond(&a->local, s->hsbuf, LU2K_HS_INIT_LEN, lu2k_auth_allow, a, &e,
			     a->next_index++, &claim, m, &k);
	lu2k_key_wipe(&e);
	if (rc) {
		if (rc == LU2K_HS_EUNKNOWN || rc == LU2K_HS_ENID || rc == LU2K_HS_EREPLAY) {
			lu2k_key_to_base64(&claim.peer_pub, key);
			snprintf(detail, sizeof(detail), " (key %s claiming %s)", key,
				 lu2k_nid_format(&claim.src, nid, sizeof(nid)));
		}
		a->st.hs_unknown_key += rc == LU2K_HS_EUNKNOWN;
		a->st.hs_nid_refused += rc == LU2K_HS_ENID;
		a->st.hs_replay += rc == LU2K_HS_EREPLAY;
		a->st.hs_bad +=
			rc != LU2K_HS_EUNKNOWN && rc != LU2K_HS_ENID && rc != LU2K_HS_EREPLAY;
		refuse_log(c, lu2k_hs_err_str(rc), detail);
		return -EACCES;
	}
	rc = write_all(c->io.fd, m, sizeof(m));
	if (rc) {
		lu2k_hs_keys_wipe(&k);
		return rc;
	}
	s->src = claim.src;
	s->dst = claim.dst;
	lu2k_aead_from_hs(&s->tx, &s->rx, &k, LU2K_AEAD_STREAM, c->be->env.loop->now);
	s->state = TCP_SEC_UP;
	a->st.hs_ok++;
	return 1;
}

int tcp_sec_handshake_read(struct lu2k_be_conn *c)
{
	struct tcp_sec *s = c->sec;
	uint32_t need = c->out ? LU2K_HS_RESP_LEN : LU2K_HS_INIT_LEN;
	uint8_t want = c->out ? LU2K_HS_TYPE_RESP : LU2K_HS_TYPE_INIT;
	struct lu2k_hs_keys k;
	ssize_t r;
	int rc;

	do
		r = read(c->io.fd, s->hsbuf + s->hslen, need - s->hslen);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (r == 0) {
		refuse_log(c, "closed before the handshake was done",
			   c->out ? " (does it run without keys, or not list our key?)" : "");
		return -ECONNRESET;
	}
	s->hslen += (uint32_t)r;
	if (s->hsbuf[0] != want) {
		/* a plaintext hello starts with "LU2K": never taken with keys on */
		refuse_log(c,
			   s->hsbuf[0] == 'L' ? "it speaks plaintext, and keys are on here"
					      : "not a handshake",
			   c->out ? "" : " (lu2kd.conf [auth]: this node takes keyed peers only)");
		return -EACCES;
	}
	if (s->hslen < need)
		return 0;
	if (!c->out)
		return respond(c, s);
	rc = lu2k_hs_finish(&s->hs, &c->be->env.auth->local, s->hsbuf, need, &k);
	if (rc) {
		refuse_log(c, lu2k_hs_err_str(rc), "");
		return -EACCES;
	}
	lu2k_aead_from_hs(&s->tx, &s->rx, &k, LU2K_AEAD_STREAM, c->be->env.loop->now);
	s->state = TCP_SEC_UP;
	c->be->env.auth->st.hs_ok++;
	return 1;
}

/* Write what is sealed. 0 when all is out, else -1 with errno (EAGAIN: the socket is full). */
static int flush_out(struct lu2k_be_conn *c, struct tcp_sec *s)
{
	while (s->o_off < s->o_len) {
		ssize_t w = write(c->io.fd, s->out + s->o_off, s->o_len - s->o_off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s->o_off += (uint32_t)w;
	}
	s->o_off = s->o_len = 0;
	return 0;
}

ssize_t tcp_sec_writev(struct lu2k_be_conn *c, const struct iovec *iov, int n)
{
	struct tcp_sec *s = c->sec;
	size_t took = 0, off = 0;
	int i = 0;

	if (flush_out(c, s))
		return -1;
	/* as many records as out holds, then one write */
	while (s->o_len + TCP_SEC_WIRE_MAX <= sizeof(s->out)) {
		uint8_t *lenp = s->out + s->o_len, *rec = lenp + 4, *plain = rec + LU2K_AEAD_HDR;
		size_t take = 0;
		ssize_t rl;

		while (i < n && take < TCP_SEC_REC_MAX) {
			size_t k = iov[i].iov_len - off;

			if (k > TCP_SEC_REC_MAX - take)
				k = TCP_SEC_REC_MAX - take;
			memcpy(plain + take, (const uint8_t *)iov[i].iov_base + off, k);
			take += k;
			off += k;
			if (off == iov[i].iov_len) {
				i++;
				off = 0;
			}
		}
		if (!take)
			break;
		lu2k_put_le32(lenp, (uint32_t)(take + LU2K_AEAD_OVERHEAD));
		/* sealed in place: the plaintext already sits where the ciphertext goes */
		rl = lu2k_aead_seal(&s->tx, &s->lim, c->be->env.loop->now, lenp, 4, plain, take,
				    rec, sizeof(s->out) - s->o_len - 4);
		if (rl < 0) {
			errno = EIO;
			return -1;
		}
		s->o_len += (uint32_t)(4 + rl);
		took += take;
		c->be->st.auth_records_tx++;
	}
	if (!took)
		return 0;
	/* the plaintext is taken either way; what the socket did not take waits in out */
	if (flush_out(c, s) && errno != EAGAIN)
		return -1;
	return (ssize_t)took;
}

static void bad_record(struct lu2k_be_conn *c, const char *why)
{
	char a[INET6_ADDRSTRLEN + 8], n[LU2K_NID_STRLEN];

	c->be->st.auth_bad_records++;
	LOG_RL(LU2K_LOG_WARN, "tcp: %s from %s (%s): closing that connection", why,
	       c->hello_seen || c->out ? lu2k_nid_format(&c->remote, n, sizeof(n)) : "?",
	       addr_of(c, a, sizeof(a)));
}

/* Open the next whole record staged in in; 1 if one was, 0 if none is whole, -1 (errno). */
static int open_next(struct lu2k_be_conn *c, struct tcp_sec *s)
{
	uint32_t have = s->in_len - s->in_off, len;
	ssize_t r;

	if (have < 4)
		return 0;
	len = lu2k_get_le32(s->in + s->in_off);
	if (len < LU2K_AEAD_OVERHEAD || len > LU2K_AEAD_OVERHEAD + TCP_SEC_REC_MAX) {
		bad_record(c, "record length out of bounds");
		errno = EBADMSG;
		return -1;
	}
	if (have < 4 + len)
		return 0;
	r = lu2k_aead_open(&s->rx, &s->lim, c->be->env.loop->now, s->in + s->in_off, 4,
			   s->in + s->in_off + 4, len, s->plain, sizeof(s->plain));
	if (r < 0) {
		bad_record(c, lu2k_aead_err_str((int)r));
		errno = EBADMSG;
		return -1;
	}
	s->in_off += 4 + len;
	s->p_off = 0;
	s->p_len = (uint32_t)r;
	c->be->st.auth_records_rx++;
	return 1;
}

ssize_t tcp_sec_readv(struct lu2k_be_conn *c, const struct iovec *iov, int n)
{
	struct tcp_sec *s = c->sec;

	for (;;) {
		ssize_t r;
		int o;

		if (s->p_off < s->p_len) {
			size_t got = 0;

			for (int i = 0; i < n && s->p_off < s->p_len; i++) {
				size_t k = iov[i].iov_len;

				if (k > s->p_len - s->p_off)
					k = s->p_len - s->p_off;
				memcpy(iov[i].iov_base, s->plain + s->p_off, k);
				s->p_off += (uint32_t)k;
				got += k;
			}
			return (ssize_t)got;
		}
		o = open_next(c, s);
		if (o < 0)
			return -1;
		if (o > 0)
			continue;
		/* no whole record staged: make room for one behind what is there */
		if (s->in_off && sizeof(s->in) - s->in_len < TCP_SEC_WIRE_MAX) {
			memmove(s->in, s->in + s->in_off, s->in_len - s->in_off);
			s->in_len -= s->in_off;
			s->in_off = 0;
		}
		if (s->in_off == s->in_len)
			s->in_off = s->in_len = 0;
		r = read(c->io.fd, s->in + s->in_len, sizeof(s->in) - s->in_len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return 0;
		s->in_len += (uint32_t)r;
	}
}

bool tcp_sec_out_pending(const struct lu2k_be_conn *c)
{
	return c->sec && c->sec->o_off < c->sec->o_len;
}

bool tcp_sec_in_pending(const struct lu2k_be_conn *c)
{
	const struct tcp_sec *s = c->sec;
	uint32_t have;

	if (!s || s->state != TCP_SEC_UP)
		return false;
	if (s->p_off < s->p_len)
		return true;
	have = s->in_len - s->in_off;
	return have >= 4 && have >= 4 + (uint64_t)lu2k_get_le32(s->in + s->in_off);
}

void tcp_sec_conn_info(const struct lu2k_be_conn *c, struct lu2k_json *j)
{
	lu2k_json_str(j, "auth", "sealed");
	if (c->sec->state == TCP_SEC_UP)
		lu2k_json_str(j, "cipher",
			      c->sec->tx.suite == LU2K_AEAD_AES256GCM ? "aes256gcm"
								      : "chacha20poly1305");
}

bool tcp_sec_hello_ok(const struct lu2k_be_conn *c, const struct lu2k_nid *src,
		      const struct lu2k_nid *dst)
{
	return lu2k_nid_eq(src, &c->sec->src) && lu2k_nid_eq(dst, &c->sec->dst);
}

void tcp_sec_wipe(struct lu2k_be_conn *c)
{
	if (c->sec)
		sodium_memzero(c->sec, sizeof(*c->sec));
}

void tcp_sec_free(struct lu2k_be_conn *c)
{
	tcp_sec_wipe(c);
	free(c->sec);
	c->sec = NULL;
}
