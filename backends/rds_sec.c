/* SPDX-License-Identifier: MIT */
/* rds_sec.c - the rds back-end's handshake and sealed frames (see rds_sec.h). */
#include "rds_sec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/peers.h"
#include "common/log.h"
#include "common/nid.h"
#include "common/sockaddr.h"
#include "common/time.h"
#include "halfopen.h"

_Static_assert(LU2K_RDSW_HS_INIT_BODY == LU2K_HS_INIT_LEN, "rds carries hs.h's initiation");
_Static_assert(LU2K_RDSW_HS_RESP_BODY == LU2K_HS_RESP_LEN, "rds carries hs.h's response");
_Static_assert(LU2K_RDSW_SEAL_OVERHEAD == LU2K_RDSW_BASE_LEN + LU2K_AEAD_OVERHEAD, "overhead");
_Static_assert(LU2K_RDSW_SEAL_MIN == LU2K_AEAD_OVERHEAD + LU2K_RDSW_PING_LEN, "smallest record");

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return lu2k_time_s_to_ns(ts.tv_sec) + (uint64_t)ts.tv_nsec;
}

static const char *addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	return lu2k_sockaddr_addr(ss, buf, len);
}

void rdsb_sec_destroy(struct rdsb_sec *sec)
{
	if (!sec)
		return;
	lu2k_hs_wipe(&sec->hs);
	lu2k_dg_sa_wipe(&sec->sa);
	sodium_memzero(sec, sizeof(*sec));
	free(sec);
}

void rdsb_sec_free(struct lu2k_be_conn *c)
{
	rdsb_sec_destroy(c->sec);
	c->sec = NULL;
}

struct rdsb_sec *rdsb_sec_new_out(struct lu2k_be *be, const struct lu2k_nid *local,
				  const struct lu2k_nid *remote, int *err)
{
	struct lu2k_auth *a = be->env.auth;
	const struct lu2k_key *peer = lu2k_auth_key_for(a, remote);
	char n[LU2K_NID_STRLEN];
	struct rdsb_sec *sec;
	struct lu2k_key e;
	int rc;

	if (!peer) {
		a->st.no_peer_key++;
		LOG_RL(LU2K_LOG_WARN,
		       "rds: no key listed for %s ([auth] peer lines): not connecting (with keys "
		       "on, never in plaintext)",
		       lu2k_nid_format(remote, n, sizeof(n)));
		*err = -EACCES;
		return NULL;
	}
	sec = calloc(1, sizeof(*sec));
	if (!sec) {
		*err = -ENOMEM;
		return NULL;
	}
	lu2k_key_generate(&e);
	/* the rds back-end's own caps bit asks for ACKs with piece progress (rds_wire.h) */
	rc = lu2k_hs_initiate_caps(&sec->hs, &a->local, a->local.caps | LU2K_RDSW_CAP_PROGRESS,
				   peer, &e, lu2k_hs_next_ts(&a->last_ts, wall_ns()),
				   a->next_index++, local, remote, sec->msg);
	lu2k_key_wipe(&e);
	if (rc) {
		rdsb_sec_destroy(sec);
		*err = -EINVAL;
		return NULL;
	}
	return sec;
}

ssize_t rdsb_sec_send_hs(struct lu2k_be_conn *c)
{
	uint8_t h[LU2K_RDSW_BASE_LEN];
	struct iovec iov[2];

	iov[0].iov_base = h;
	iov[0].iov_len =
		lu2k_rdsw_env_encode(h, c->out ? LU2K_RDSW_HS_INIT : LU2K_RDSW_HS_RESP, c->id);
	iov[1].iov_base = c->sec->msg;
	iov[1].iov_len = c->out ? LU2K_HS_INIT_LEN : LU2K_HS_RESP_LEN;
	return rdsb_do_send(c->s, true, &c->peer, c->peerlen, iov, 2);
}

ssize_t rdsb_sec_send(struct lu2k_be_conn *c, bool ctrl, struct iovec *iov, int n)
{
	struct lu2k_be *be = c->be;
	uint8_t *buf = be->sbuf, *plain = buf + LU2K_RDSW_BASE_LEN + LU2K_AEAD_HDR;
	size_t len = 0;
	struct iovec one;
	ssize_t r;

	for (int i = 0; i < n; i++) {
		if (len + iov[i].iov_len > LU2K_RDSW_RDS_MAX - LU2K_RDSW_SEAL_OVERHEAD)
			return -EMSGSIZE;
		memcpy(plain + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	lu2k_rdsw_env_encode(buf, LU2K_RDSW_SEALED, c->id);
	/* sealed in place: the frame already sits where its ciphertext goes */
	r = lu2k_dg_seal(&c->sec->sa, be->env.loop->now, buf + LU2K_RDSW_BASE_LEN, len,
			 LU2K_RDSW_RDS_MAX - LU2K_RDSW_BASE_LEN);
	if (r < 0)
		return -EIO;
	one.iov_base = buf;
	one.iov_len = LU2K_RDSW_BASE_LEN + (size_t)r;
	r = rdsb_do_send(c->s, ctrl, &c->peer, c->peerlen, &one, 1);
	if (r >= 0)
		be->st.auth_records_tx++;
	return r;
}

static void send_reset(struct rdsb_sock *s, uint64_t conn_id, int status)
{
	uint8_t f[LU2K_RDSW_CLOSE_LEN];

	lu2k_rdsw_close_encode(f, LU2K_RDSW_RESET, conn_id, status);
	rdsb_send_ctrl(s, &s->rfrom, s->rfromlen, f, sizeof(f));
}

void rdsb_sec_refuse_keyed(struct rdsb_sock *s, uint64_t conn_id)
{
	char a[INET6_ADDRSTRLEN + 8];

	s->be->st.refused++;
	LOG_RL(LU2K_LOG_WARN,
	       "rds: a node handshake from %s refused: no keys here (it has [auth] keys, this "
	       "node runs in plaintext)",
	       addr_str(&s->rfrom, a, sizeof(a)));
	send_reset(s, conn_id, -EACCES);
}

/*
 * An initiation that passed the cheap checks takes a token (auth/hsrate.h)
 * before the X25519 work: the same limit as udt's and tcp's, per /24 or /64
 * of the sender under load (anyone on a host can open an RDS socket there).
 * Without one it is dropped unanswered: the connector's hello timeout
 * fails it, and the next one tries again.
 */
static bool rate_ok(struct rdsb_sock *s, const uint8_t *body)
{
	struct lu2k_auth *a = s->be->env.auth;
	const struct sockaddr_storage *ss = &s->rfrom;
	char ad[INET6_ADDRSTRLEN + 8];
	struct lu2k_halfopen_key pk;
	enum lu2k_hsrate_verdict v;

	if (lu2k_hs_precheck(&a->local, body, LU2K_HS_INIT_LEN))
		return true; /* lu2k_hs_respond says why, at no cost */
	lu2k_halfopen_key_ss(&pk, ss);
	v = lu2k_auth_hs_rate(a, pk.b, sizeof(pk.b), s->be->env.loop->now);
	if (v == LU2K_HSRATE_OK)
		return true;
	s->be->st.auth_refused++;
	s->be->st.auth_rate_limited++;
	LOG_RL(LU2K_LOG_WARN,
	       "rds: handshake from %s dropped: %s (handshake rate limit, under load)",
	       addr_str(ss, ad, sizeof(ad)), lu2k_hsrate_verdict_str(v));
	return false;
}

/* Fails c, whose peer lost its session (restarted): it said RESET, and made a new handshake. */
static void peer_restarted(struct lu2k_be_conn *c)
{
	c->be->st.auth_peer_restarts++;
	rdsb_conn_log(c, "the peer reset this connection and made a new handshake since its last "
			 "sealed frame: it lost the session (restarted), failing the connection");
	c->peer_closed = true;
	rdsb_conn_fail(c, -ECONNRESET, true);
}

/*
 * The peer at s->rfrom proved its key in a new handshake to us: our
 * connections to it that a RESET put in doubt fail now (rds_sec.h); the
 * others ping, and remember it for a RESET that comes later.
 */
static void peer_new_session(struct rdsb_sock *s, const struct lu2k_hs_claim *claim)
{
	uint64_t now = s->be->env.loop->now;
	struct lu2k_list *pos;
	bool again = true;

	while (again) {
		again = false;
		lu2k_list_for_each(pos, &s->be->conns)
		{
			struct lu2k_be_conn *c = lu2k_container_of(pos, struct lu2k_be_conn, link);

			if (!c->out || !c->sec || c->state != RDSB_UP ||
			    !lu2k_nid_eq(&c->remote, &claim->src) ||
			    !lu2k_nid_eq(&c->local, &claim->dst) ||
			    !lu2k_sockaddr_equal(&c->peer, &s->rfrom) || c->sec->peer_new_ns == now)
				continue;
			if (c->sec->doubted) {
				peer_restarted(c);
				again = true; /* the list changed */
				break;
			}
			c->sec->peer_new_ns = now;
			c->ping_pending = true;
			rdsb_conn_mark_dirty(c);
		}
	}
}

/* Listener: an initiation. */
static void init_in(struct rdsb_sock *s, const struct lu2k_rdsw_frame *f, const uint8_t *body)
{
	struct lu2k_be *be = s->be;
	struct lu2k_auth *a = be->env.auth;
	char detail[200] = "", nid[LU2K_NID_STRLEN], key[LU2K_KEY_B64_LEN + 1];
	char ad[INET6_ADDRSTRLEN + 8];
	struct lu2k_hs_claim claim;
	struct lu2k_hs_keys k;
	struct rdsb_sec *sec;
	struct lu2k_key e;
	int rc;

	if (rdsb_find_conn(s, &s->rfrom, f->conn_id, false))
		return; /* RDS delivers once: only a confused or replaying peer repeats */
	if (!rate_ok(s, body))
		return;
	sec = calloc(1, sizeof(*sec));
	if (!sec)
		return; /* the connector's hello timeout says it */
	memset(&claim, 0, sizeof(claim));
	lu2k_key_generate(&e);
	rc = lu2k_hs_respond(&a->local, body, LU2K_HS_INIT_LEN, lu2k_auth_allow, a, &e,
			     a->next_index++, &claim, sec->msg, &k);
	lu2k_key_wipe(&e);
	if (rc) {
		rdsb_sec_destroy(sec);
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
		be->st.auth_refused++;
		LOG_RL(LU2K_LOG_WARN, "rds: handshake from %s refused: %s%s",
		       addr_str(&s->rfrom, ad, sizeof(ad)), lu2k_hs_err_str(rc), detail);
		/* not even for our key (mac1), or not a handshake: not worth an answer */
		if (rc != LU2K_HS_EMAC && rc != LU2K_HS_EMALFORMED)
			send_reset(s, f->conn_id, -EACCES);
		return;
	}
	a->st.hs_ok++;
	lu2k_dg_sa_init(&sec->sa, &k, NULL, be->env.loop->now, k.suite);
	sec->up = true;
	sec->resp_pending = true;
	rdsb_peer_alive(s, &s->rfrom);
	peer_new_session(s, &claim);
	/* the initiation named both NIDs: it is the hello, and the conn takes sec */
	rdsb_hello_in(s, &s->rfrom, s->rfromlen, f->conn_id, &claim.src, &claim.dst, sec);
	if (claim.caps & LU2K_RDSW_CAP_PROGRESS) {
		struct lu2k_be_conn *c = rdsb_find_conn(s, &s->rfrom, f->conn_id, false);

		if (c)
			c->progress = true;
	}
}

/* Connector: the listener's response. */
static void resp_in(struct rdsb_sock *s, const struct lu2k_rdsw_frame *f, const uint8_t *body)
{
	struct lu2k_be *be = s->be;
	struct lu2k_be_conn *c = rdsb_find_conn(s, &s->rfrom, f->conn_id, true);
	char n[LU2K_NID_STRLEN], ad[INET6_ADDRSTRLEN + 8];
	struct lu2k_hs_keys k;
	int rc;

	if (!c || !c->sec || c->sec->up || c->state != RDSB_HELLO) {
		be->st.auth_wrong_conn++;
		return;
	}
	rc = lu2k_hs_finish(&c->sec->hs, &be->env.auth->local, body, LU2K_HS_RESP_LEN, &k);
	if (rc) {
		/* a forged answer changes nothing: the handshake waits for the real one */
		be->st.auth_refused++;
		be->env.auth->st.hs_bad++;
		LOG_RL(LU2K_LOG_WARN,
		       "rds: handshake with %s at %s: a response that does not open (%s), dropped",
		       lu2k_nid_format(&c->remote, n, sizeof(n)),
		       addr_str(&s->rfrom, ad, sizeof(ad)), lu2k_hs_err_str(rc));
		return;
	}
	lu2k_dg_sa_init(&c->sec->sa, &k, NULL, be->env.loop->now, k.suite);
	lu2k_hs_wipe(&c->sec->hs);
	c->sec->up = true;
	be->env.auth->st.hs_ok++;
	rdsb_peer_alive(s, &s->rfrom);
	/* connected() waits for the sealed HELLO_ACK behind it */
}

static struct lu2k_be_conn *conn_by_index(struct rdsb_sock *s, uint32_t idx)
{
	struct lu2k_list *pos;

	lu2k_list_for_each(pos, &s->be->conns)
	{
		struct lu2k_be_conn *c = lu2k_container_of(pos, struct lu2k_be_conn, link);

		if (c->s == s && c->sec && c->sec->up && c->sec->sa.rx.local_index == idx)
			return c;
	}
	return NULL;
}

static void sealed_in(struct rdsb_sock *s, const struct lu2k_rdsw_frame *f, size_t len)
{
	struct lu2k_be *be = s->be;
	uint8_t *rec = s->rbuf + LU2K_RDSW_BASE_LEN;
	size_t rlen = len - LU2K_RDSW_BASE_LEN;
	char n[LU2K_NID_STRLEN], ad[INET6_ADDRSTRLEN + 8];
	int64_t idx = lu2k_aead_record_index(rec, rlen);
	struct lu2k_be_conn *c;
	uint64_t upd;
	ssize_t r;

	if (idx < 0) {
		be->st.auth_bad_records++;
		return;
	}
	c = conn_by_index(s, (uint32_t)idx);
	if (!c) {
		/* a session this daemon does not have (restarted?): the peer may ask again */
		be->st.auth_unknown_index++;
		rdsb_reset_unknown(s, &s->rfrom, s->rfromlen, f->conn_id);
		return;
	}
	if (!lu2k_sockaddr_equal(&c->peer, &s->rfrom) || c->id != f->conn_id) {
		be->st.auth_wrong_conn++;
		LOG_RL(LU2K_LOG_WARN, "rds: a sealed frame for %s came from %s: dropped",
		       lu2k_nid_format(&c->remote, n, sizeof(n)),
		       addr_str(&s->rfrom, ad, sizeof(ad)));
		return;
	}
	upd = c->sec->sa.rx.updates;
	r = lu2k_dg_open(&c->sec->sa, be->env.loop->now, rec, rlen);
	if (r >= 0 && c->sec->sa.rx.updates != upd)
		c->sec->sa.prev_until = be->env.loop->now + RDSB_SEC_PREV_NS;
	if (r < 0) {
		be->st.auth_bad_records++;
		LOG_RL(LU2K_LOG_WARN, "rds: a sealed frame from %s (%s) does not open: %s; dropped",
		       lu2k_nid_format(&c->remote, n, sizeof(n)),
		       addr_str(&s->rfrom, ad, sizeof(ad)), lu2k_aead_err_str((int)r));
		return;
	}
	be->st.auth_records_rx++;
	c->sec->doubted = false;
	c->sec->sealed_rx_ns = be->env.loop->now;
	rdsb_frame_in(s, rec + LU2K_AEAD_HDR, (size_t)r, c);
}

/* A plaintext RESET for a sealed connection: believed at the handshake, doubted after. */
static void reset_in(struct rdsb_sock *s, const struct lu2k_rdsw_frame *f)
{
	struct lu2k_be *be = s->be;
	struct lu2k_be_conn *c = rdsb_find_conn(s, &s->rfrom, f->conn_id, true);
	char n[LU2K_NID_STRLEN];

	if (!c || !c->sec) {
		be->st.auth_plaintext++;
		return;
	}
	if (c->state == RDSB_HELLO && !c->sec->up) {
		/*
		 * Unauthenticated, but it can only do what dropping our initiation
		 * would: the connection fails now instead of at the hello timeout.
		 */
		LOG_RL(LU2K_LOG_WARN, "rds: %s refused our handshake: %s%s",
		       lu2k_nid_format(&c->remote, n, sizeof(n)), strerror(-f->status),
		       f->status == -EACCES ? " (does it run without keys, or not list our key?)"
					    : "");
		be->st.resets_rx++;
		c->peer_closed = true;
		rdsb_conn_fail(c, -ECONNREFUSED, true);
		return;
	}
	if (c->state != RDSB_UP || c->sec->doubted)
		return;
	if (c->sec->peer_new_ns > c->sec->sealed_rx_ns) {
		peer_restarted(c);
		return;
	}
	be->st.auth_resets_doubted++;
	c->sec->doubted = true;
	c->sec->doubted_ns = be->env.loop->now;
	c->ping_pending = true;
	rdsb_conn_mark_dirty(c);
}

void rdsb_sec_frame_in(struct rdsb_sock *s, size_t len)
{
	struct lu2k_be *be = s->be;
	char a[INET6_ADDRSTRLEN + 8], x[LU2K_NID_STRLEN], y[LU2K_NID_STRLEN];
	struct lu2k_rdsw_frame f;
	uint8_t ans[LU2K_RDSW_HELLO_LEN];

	if (lu2k_rdsw_decode(s->rbuf, len, be->env.max_msg_size, &f) < 0) {
		/* unauthenticated: it says nothing about any connection */
		be->st.malformed++;
		LOG_RL(LU2K_LOG_WARN, "rds: malformed frame of %zu bytes from %s, dropped", len,
		       addr_str(&s->rfrom, a, sizeof(a)));
		return;
	}
	switch (f.type) {
	case LU2K_RDSW_HS_INIT:
		init_in(s, &f, s->rbuf + f.hlen);
		return;
	case LU2K_RDSW_HS_RESP:
		resp_in(s, &f, s->rbuf + f.hlen);
		return;
	case LU2K_RDSW_SEALED:
		sealed_in(s, &f, len);
		return;
	case LU2K_RDSW_RESET:
		reset_in(s, &f);
		return;
	case LU2K_RDSW_HELLO:
		be->st.auth_plaintext++;
		be->st.refused++;
		LOG_RL(LU2K_LOG_WARN,
		       "rds: plaintext hello from %s (%s -> %s) refused: keys are on here "
		       "(lu2kd.conf [auth]: this node takes keyed peers only)",
		       addr_str(&s->rfrom, a, sizeof(a)), lu2k_nid_format(&f.src, x, sizeof(x)),
		       lu2k_nid_format(&f.dst, y, sizeof(y)));
		lu2k_rdsw_hello_encode(ans, LU2K_RDSW_HELLO_ACK, f.conn_id, -EACCES, &f.dst,
				       &f.src);
		rdsb_send_ctrl(s, &s->rfrom, s->rfromlen, ans, sizeof(ans));
		return;
	default:
		be->st.auth_plaintext++;
		LOG_RL(LU2K_LOG_WARN, "rds: plaintext %s frame from %s dropped: keys are on here",
		       lu2k_rdsw_type_str(f.type), addr_str(&s->rfrom, a, sizeof(a)));
		return;
	}
}

bool rdsb_sec_tick(struct lu2k_be_conn *c, uint64_t now)
{
	if (!c->sec || !c->sec->doubted || c->state != RDSB_UP ||
	    now - c->sec->doubted_ns < 2 * lu2k_time_ms_to_ns(c->be->keepalive_ms))
		return false;
	rdsb_conn_log(c, "the peer reset this connection and does not answer sealed: it lost the "
			 "session (restarted?), failing the connection");
	c->peer_closed = true;
	rdsb_conn_fail(c, -ECONNRESET, true);
	return true;
}
