/* SPDX-License-Identifier: MIT */
/* udt_sec.c - the udt back-end's node handshake and sealed packets (see udt_sec.h). */
#include "udt_sec.h"
#include "be_auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/peers.h"
#include "common/nid.h"
#include "common/json.h"
#include "common/log.h"
#include "halfopen.h"
#include "udt_be.h"

#define SLOT_BITS 20 /* the low bits of an index: its slot */
#define SLOT_MAX  (1u << SLOT_BITS)

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return lu2k_time_timespec_to_ns(&ts);
}

static const char *sa_str(const struct sockaddr *sa, socklen_t salen, char *buf, size_t len)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, salen < sizeof(ss) ? salen : sizeof(ss));
	return udtb_addr_str(&ss, buf, len);
}

static void sec_timer(struct lu2k_timer *t);

int udtb_sec_create(struct lu2k_be *be)
{
	struct udtb_sec *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->nslots = 64;
	s->slots = calloc(s->nslots, sizeof(*s->slots));
	if (!s->slots) {
		free(s);
		return -ENOMEM;
	}
	randombytes_buf(s->secret, sizeof(s->secret));
	randombytes_buf(&s->gen, sizeof(s->gen));
	lu2k_list_init(&s->pending);
	lu2k_heap_timer_init(&s->timer, sec_timer);
	s->be = be;
	be->sec = s;
	LOG_INFO("udt: keys on: every packet sealed; AES-256-GCM %s here (used with peers that "
		 "have it too, else ChaCha20-Poly1305)",
		 lu2k_aead_aes_available() ? "available" : "not available");
	return 0;
}

static struct udtb_sa *sa_new(struct udtb_sec *s)
{
	struct udtb_sa *sa;
	uint32_t i;

	if (s->used == s->nslots) {
		uint32_t n = s->nslots * 2;
		struct udtb_sa **t;

		if (n > SLOT_MAX)
			return NULL;
		t = realloc(s->slots, n * sizeof(*t));
		if (!t)
			return NULL;
		memset(t + s->nslots, 0, (n - s->nslots) * sizeof(*t));
		s->hint = s->nslots;
		s->slots = t;
		s->nslots = n;
	}
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return NULL;
	for (i = s->hint; s->slots[i % s->nslots]; i++)
		;
	i %= s->nslots;
	s->slots[i] = sa;
	s->used++;
	s->hint = i + 1 < s->nslots ? i + 1 : 0;
	/* the high bits change with every SA: a late record for a freed slot opens nothing */
	sa->index = (++s->gen << SLOT_BITS) | i;
	lu2k_list_init(&sa->link);
	return sa;
}

static struct udtb_sa *sa_find(const struct udtb_sec *s, uint32_t index)
{
	uint32_t i = index & (SLOT_MAX - 1);
	struct udtb_sa *sa = i < s->nslots ? s->slots[i] : NULL;

	return sa && sa->index == index ? sa : NULL;
}

static void sa_free(struct udtb_sec *s, struct udtb_sa *sa)
{
	uint32_t i = sa->index & (SLOT_MAX - 1);

	if (lu2k_list_linked(&sa->link)) {
		lu2k_list_del(&sa->link);
		s->npending--;
	}
	s->slots[i] = NULL;
	s->used--;
	if (sa->out) {
		lu2k_dg_out_wipe(sa->out);
		free(sa->out);
	}
	lu2k_dg_sa_wipe(&sa->k);
	sodium_memzero(sa, sizeof(*sa));
	free(sa);
}

void udtb_sec_destroy(struct lu2k_be *be)
{
	struct udtb_sec *s = be->sec;

	if (!s)
		return;
	lu2k_loop_timer_cancel(be->env.loop, &s->timer);
	for (uint32_t i = 0; i < s->nslots; i++)
		if (s->slots[i])
			sa_free(s, s->slots[i]);
	free(s->slots);
	sodium_memzero(s, sizeof(*s));
	free(s);
	be->sec = NULL;
}

/* Listener SAs whose connection never came are forgotten (their keys wiped). */
static void sec_expire(struct udtb_sec *s, uint64_t now)
{
	while (!lu2k_list_empty(&s->pending)) {
		struct udtb_sa *sa = lu2k_list_first(&s->pending, struct udtb_sa, link);

		/* no memory for the timer: the oldest goes now rather than never */
		if (sa->expires_ns > now &&
		    !lu2k_loop_timer_arm_at(s->be->env.loop, &s->timer, sa->expires_ns))
			return;
		s->st.sa_expired++;
		sa_free(s, sa);
	}
}

static void sec_timer(struct lu2k_timer *t)
{
	struct udtb_sec *s = lu2k_container_of(t, struct udtb_sec, timer);

	sec_expire(s, s->be->env.loop->now);
}

/* ---- connector ---- */

int udtb_sec_connect(struct lu2k_be_conn *c)
{
	struct lu2k_be *be = c->be;
	struct lu2k_auth *a = be->env.auth;
	const struct lu2k_key *peer = lu2k_auth_key_for(a, &c->remote);
	struct udtb_sa *sa;
	struct lu2k_key e;
	uint64_t now = lu2k_loop_now_ns();
	int rc;

	if (!peer)
		return -EACCES;
	sa = sa_new(be->sec);
	if (!sa)
		return -ENOMEM;
	sa->out = malloc(sizeof(*sa->out));
	if (!sa->out) {
		sa_free(be->sec, sa);
		return -ENOMEM;
	}
	lu2k_key_generate(&e);
	rc = lu2k_dg_out_start(sa->out, &a->local, peer, &e,
			       lu2k_hs_next_ts(&a->last_ts, wall_ns()), sa->index, &c->local,
			       &c->remote, now, be->ucfg.connect_timeout_ns, lu2k_dg_caps());
	lu2k_key_wipe(&e);
	if (rc) {
		sa_free(be->sec, sa);
		return -EINVAL;
	}
	sa->conn = c;
	sa->src = c->local;
	sa->dst = c->remote;
	udt_dmx_addr_from((struct sockaddr *)&c->addr, &sa->peer);
	c->sa = sa;
	return 0;
}

bool udtb_sec_ready(const struct lu2k_be_conn *c)
{
	return !c->sa || c->sa->up;
}

uint64_t udtb_sec_deadline(const struct lu2k_be_conn *c)
{
	return c->sa && c->sa->out ? lu2k_dg_out_deadline(c->sa->out) : UINT64_MAX;
}

static void out_failed(struct lu2k_be_conn *c, const char *why, const char *hint)
{
	char n[LU2K_NID_STRLEN], a[INET6_ADDRSTRLEN + 8];

	c->be->sec->st.hs_failed_out++;
	LOG_RL(LU2K_LOG_WARN, "udt: handshake with %s at %s failed: %s%s",
	       lu2k_nid_format(&c->remote, n, sizeof(n)), udtb_addr_str(&c->addr, a, sizeof(a)),
	       why, hint);
}

void udtb_sec_poll(struct lu2k_be_conn *c, uint64_t now)
{
	const uint8_t *m;
	ssize_t n;

	if (!c->sa || !c->sa->out)
		return;
	n = lu2k_dg_out_poll(c->sa->out, now, &m);
	if (n == -ETIMEDOUT) {
		out_failed(
			c, "no answer",
			" (is lu2kd running there, with keys on, and our key in its peer lines?)");
		udtb_conn_fail(c, -ETIMEDOUT, true);
		return;
	}
	if (n > 0)
		udtb_sock_sendto(c->sock, m, (size_t)n, NULL, 0);
}

/* An answer to our handshake, on an outgoing connection's socket. */
static void out_recv(struct lu2k_be_conn *c, const uint8_t *p, size_t len, uint64_t now)
{
	struct udtb_sa *sa = c->sa;
	struct lu2k_hs_keys keys;
	int r;

	if (!sa->out)
		return;
	r = lu2k_dg_out_recv(sa->out, &c->be->env.auth->local, p, len, now, &keys);
	if (r < 0) {
		/* a forged or stale answer changes nothing: the real one may still come */
		c->be->sec->st.cookies_bad += r == LU2K_HS_ECOOKIE;
		c->be->sec->st.old_version += r == LU2K_HS_EVERSION;
		out_failed(c, lu2k_hs_err_str(r), ", still waiting");
		return;
	}
	if (r == 2) {
		lu2k_dg_sa_init(&sa->k, &keys, NULL, now, sa->out->suite);
		lu2k_dg_out_wipe(sa->out);
		free(sa->out);
		sa->out = NULL;
		sa->up = true;
		c->be->sec->st.hs_out++;
		c->be->env.auth->st.hs_ok++;
		/* the UDT handshake inside, sealed, at once and without UDT's cookie */
		udt_conn_skip_cookie(c->u, udtb_conn_now(c, now));
	}
	udtb_conn_mark_dirty(c);
}

/* ---- listener ---- */

static uint32_t pending_from(const struct udtb_sec *s, const struct udt_dmx_addr *a)
{
	const struct lu2k_list *pos;
	uint32_t n = 0;

	lu2k_list_for_each(pos, &s->pending)
	{
		const struct udtb_sa *sa = lu2k_container_of(pos, struct udtb_sa, link);

		n += sa->peer.family == a->family && !memcmp(sa->peer.ip, a->ip, sizeof(a->ip));
	}
	return n;
}

uint32_t udtb_sec_pending_in_net(const struct lu2k_be *be, const struct udt_dmx_addr *a)
{
	const struct lu2k_list *pos;
	uint32_t n = 0;

	if (!be->sec)
		return 0;
	lu2k_list_for_each(pos, &be->sec->pending)
	{
		const struct udtb_sa *sa = lu2k_container_of(pos, struct udtb_sa, link);

		n += udt_dmx_addr_same_net(&sa->peer, a);
	}
	return n;
}

static struct udtb_sa *pending_repeat(const struct udtb_sec *s, const struct lu2k_be_listener *l,
				      const struct udt_dmx_addr *a, const uint8_t mac1[16])
{
	const struct lu2k_list *pos;

	lu2k_list_for_each(pos, &s->pending)
	{
		struct udtb_sa *sa = lu2k_container_of(pos, struct udtb_sa, link);

		if (sa->l == l && udt_dmx_addr_eq(&sa->peer, a) && !memcmp(sa->mac1, mac1, 16))
			return sa;
	}
	return NULL;
}

static void in_refused(struct udtb_sec *s, const char *addr, const char *what, const char *detail)
{
	s->st.hs_refused++;
	LOG_RL(LU2K_LOG_WARN, "udt: handshake from %s refused: %s%s", addr, what, detail);
}

/*
 * An initiation with a good cookie (its sender receives at its address)
 * takes a token (auth/hsrate.h) before the X25519 work; without one it is
 * dropped, and the connector resends it (every 0.25-2 s).
 */
static bool rate_ok(struct udtb_sec *s, struct lu2k_auth *a, const struct udt_dmx_addr *ad,
		    const char *as, uint64_t now)
{
	struct lu2k_halfopen_key pk;
	enum lu2k_hsrate_verdict v;

	lu2k_halfopen_key(&pk, ad->family, ad->ip);
	v = lu2k_auth_hs_rate(a, pk.b, sizeof(pk.b), now);
	if (v == LU2K_HSRATE_OK)
		return true;
	s->st.hs_rate_limited++;
	in_refused(s, as, lu2k_hsrate_verdict_str(v), " (handshake rate limit, under load)");
	return false;
}

/* An initiation, with or without its cookie, on a listener's socket. */
static void in_init(struct udtb_sock *so, const uint8_t *p, size_t len, const struct sockaddr *from,
		    socklen_t fromlen, uint64_t now)
{
	struct lu2k_be *be = so->be;
	struct udtb_sec *s = be->sec;
	struct lu2k_be_listener *l = so->l;
	struct lu2k_auth *a = be->env.auth;
	uint8_t reply[LU2K_DG_COOKIE_LEN], nonce[LU2K_DG_NONCE_LEN];
	char as[INET6_ADDRSTRLEN + 8], detail[200] = "", nid[LU2K_NID_STRLEN];
	char key[LU2K_KEY_B64_LEN + 1];
	struct lu2k_hs_claim claim;
	struct lu2k_hs_keys keys;
	struct udt_dmx_addr ad;
	struct udtb_sa *sa;
	struct lu2k_key e;
	int rc;

	if (udt_dmx_addr_from(from, &ad) || l->gone)
		return;
	randombytes_buf(nonce, sizeof(nonce));
	rc = lu2k_dg_check_init(s->secret, &a->local, p, len, &ad, sizeof(ad), now, nonce, reply);
	if (rc < 0) {
		s->st.hs_bad_mac += rc != LU2K_HS_EVERSION;
		s->st.old_version += rc == LU2K_HS_EVERSION;
		a->st.hs_bad++;
		LOG_RL(LU2K_LOG_WARN, "udt: handshake from %s dropped: %s",
		       sa_str(from, fromlen, as, sizeof(as)), lu2k_hs_err_str(rc));
		return;
	}
	if (rc == 1) {
		/* no state, no X25519 until the sender shows it receives here */
		s->st.cookies++;
		udtb_sock_sendto(so, reply, sizeof(reply), from, fromlen);
		return;
	}
	sa = pending_repeat(s, l, &ad, p + LU2K_HS_INIT_LEN - 16);
	if (sa) {
		/* our response was lost: the same answer again */
		s->st.hs_repeats++;
		udtb_sock_sendto(so, sa->resp, sizeof(sa->resp), from, fromlen);
		return;
	}
	sa_str(from, fromlen, as, sizeof(as));
	if (s->npending + be->nconns_in >= be->max_conns ||
	    pending_from(s, &ad) >= be->max_conns_per_source) {
		s->st.sa_limit++;
		in_refused(s, as,
			   "too many handshakes in progress (max_conns, max_conns_per_source)", "");
		return;
	}
	if (!rate_ok(s, a, &ad, as, now))
		return;
	if (udtb_prefix_full(be, from)) { /* which logs it */
		s->st.sa_limit++;
		s->st.hs_refused++;
		return;
	}
	sa = sa_new(s);
	if (!sa)
		return;
	lu2k_key_generate(&e);
	rc = lu2k_hs_respond(&a->local, p, LU2K_HS_INIT_LEN, lu2k_auth_allow, a, &e, sa->index,
			     &claim, sa->resp, &keys);
	lu2k_key_wipe(&e);
	if (!rc && !lu2k_nid_eq(&claim.dst, &l->nid)) {
		lu2k_hs_keys_wipe(&keys);
		rc = LU2K_HS_ENID;
	}
	if (rc) {
		if (rc == LU2K_HS_EUNKNOWN || rc == LU2K_HS_ENID || rc == LU2K_HS_EREPLAY) {
			char dst[LU2K_NID_STRLEN];

			lu2k_key_to_base64(&claim.peer_pub, key);
			snprintf(detail, sizeof(detail), " (key %s claiming %s, to %s)", key,
				 lu2k_nid_format(&claim.src, nid, sizeof(nid)),
				 lu2k_nid_format(&claim.dst, dst, sizeof(dst)));
		}
		a->st.hs_unknown_key += rc == LU2K_HS_EUNKNOWN;
		a->st.hs_nid_refused += rc == LU2K_HS_ENID;
		a->st.hs_replay += rc == LU2K_HS_EREPLAY;
		a->st.hs_bad +=
			rc != LU2K_HS_EUNKNOWN && rc != LU2K_HS_ENID && rc != LU2K_HS_EREPLAY;
		in_refused(s, as, lu2k_hs_err_str(rc), detail);
		sa_free(s, sa);
		return;
	}
	/* the cipher both offers agree on, each offer authenticated by the handshake */
	lu2k_dg_sa_init(&sa->k, &keys, NULL, now, keys.suite);
	sa->up = true;
	sa->l = l;
	sa->peer = ad;
	sa->src = claim.src;
	sa->dst = claim.dst;
	memcpy(sa->mac1, p + LU2K_HS_INIT_LEN - 16, 16);
	/* the UDT handshake must follow within the hello's time, or the keys go */
	sa->expires_ns = now + lu2k_time_ms_to_ns(be->hello_timeout_ms);
	lu2k_list_add_tail(&s->pending, &sa->link);
	s->npending++;
	s->st.hs_in++;
	a->st.hs_ok++;
	udtb_sock_sendto(so, sa->resp, sizeof(sa->resp), from, fromlen);
	/* last: without memory for the timer it frees sa (and the oldest) at once */
	if (!s->timer.slot)
		sec_expire(s, now);
}

size_t udtb_sec_fix_cookie(struct lu2k_be_listener *l, uint8_t *pkt, size_t len,
			   const struct udt_dmx_addr *a, uint64_t now)
{
	struct udt_hdr h;
	struct udt_hs hs;
	size_t n;

	if (udt_hdr_decode(pkt, len, &h) || !h.ctrl || h.type != UDT_CT_HANDSHAKE ||
	    udt_hs_decode(&h, &hs))
		return len;
	if (hs.req_type != UDT_HS_REQ_REGULAR && hs.req_type != UDT_HS_RSP_REGULAR)
		return len;
	hs.req_type = UDT_HS_RSP_REGULAR;
	hs.cookie = udt_cookie(l->hs.key, a, sizeof(*a), hs.sock_id, now / 60000000000ull);
	n = udt_hs_encode(pkt, len, h.ts, h.dst, &hs);
	return n ? n : len;
}

int udtb_sec_bind(struct lu2k_be_conn *c, struct udtb_sa *sa)
{
	struct udtb_sec *s = c->be->sec;

	if (sa->conn)
		return -EEXIST;
	if (lu2k_list_linked(&sa->link)) {
		lu2k_list_del(&sa->link);
		s->npending--;
	}
	sa->conn = c;
	c->sa = sa;
	return 0;
}

/* A plaintext UDT4 packet on a node with keys: refused, and a request told so. */
static void plain_udt(struct udtb_sock *so, const uint8_t *p, size_t len,
		      const struct sockaddr *from, socklen_t fromlen)
{
	struct udtb_sec *s = so->be->sec;
	char as[INET6_ADDRSTRLEN + 8];
	struct udt_hdr h;
	struct udt_hs hs;

	s->st.plain_udt++;
	if (udt_hdr_decode(p, len, &h) || !h.ctrl || h.type != UDT_CT_HANDSHAKE || h.dst ||
	    udt_hs_decode(&h, &hs))
		return;
	LOG_RL(LU2K_LOG_WARN,
	       "udt: plaintext UDT4 from %s refused: keys are on here ([auth] in lu2kd.conf); "
	       "it needs keys and our key in its peer lines",
	       sa_str(from, fromlen, as, sizeof(as)));
	if (so->l && hs.req_type == UDT_HS_REQ_REGULAR) {
		uint8_t out[UDT_HDR_LEN + UDT_HS_LEN];
		size_t n;

		hs.req_type = UDT_HS_REJECT;
		n = udt_hs_encode(out, sizeof(out), 0, hs.sock_id, &hs);
		if (n)
			udtb_sock_sendto(so, out, n, from, fromlen);
	}
}

/* A handshake message of lu2k's first version: said plainly, since nothing else would say why. */
static void old_version(struct udtb_sec *s, const struct sockaddr *from, socklen_t fromlen)
{
	char as[INET6_ADDRSTRLEN + 8];

	s->st.old_version++;
	LOG_RL(LU2K_LOG_WARN,
	       "udt: handshake from %s dropped: %s (it runs an lu2kd older than the handshake "
	       "version %d)",
	       sa_str(from, fromlen, as, sizeof(as)), lu2k_hs_err_str(LU2K_HS_EVERSION),
	       LU2K_HS_VERSION);
}

static void bad_record(struct udtb_sec *s, const struct sockaddr *from, socklen_t fromlen,
		       const char *why)
{
	char as[INET6_ADDRSTRLEN + 8];

	s->st.records_bad++;
	LOG_RL(LU2K_LOG_WARN, "udt: sealed packet from %s dropped: %s",
	       sa_str(from, fromlen, as, sizeof(as)), why);
}

struct udtb_sa *udtb_sec_recv(struct udtb_sock *so, uint8_t **pkt, size_t *len,
			      const struct sockaddr *from, socklen_t fromlen, uint64_t now)
{
	struct udtb_sec *s = so->be->sec;
	struct lu2k_be_conn *oc = so->owner;
	uint8_t *p = *pkt;
	struct udt_dmx_addr ad;
	struct udtb_sa *sa;
	uint32_t index;
	ssize_t r;

	switch (lu2k_dg_classify(p, *len)) {
	case LU2K_DG_RECORD:
		index = (uint32_t)lu2k_aead_record_index(p, *len);
		sa = sa_find(s, index);
		if (!sa || !sa->up) {
			s->st.records_unknown++;
			if (!sa)
				udtb_unknown_tell(so, index, from, fromlen, now);
			return NULL;
		}
		/* the keys of this socket's connection, from the address they were agreed with */
		if (oc ? sa != oc->sa
		       : (sa->l != so->l || udt_dmx_addr_from(from, &ad) ||
			  !udt_dmx_addr_eq(&ad, &sa->peer))) {
			s->st.records_wrong_conn++;
			return NULL;
		}
		r = lu2k_dg_open(&sa->k, now, p, *len);
		if (r < 0) {
			bad_record(s, from, fromlen, lu2k_aead_err_str((int)r));
			return NULL;
		}
		s->st.records_rx++;
		*pkt = p + LU2K_AEAD_HDR;
		*len = (size_t)r;
		return sa;
	case LU2K_DG_INIT:
	case LU2K_DG_INIT_COOKIE:
		if (so->l)
			in_init(so, p, *len, from, fromlen, now);
		else
			s->st.other++;
		return NULL;
	case LU2K_DG_COOKIE:
	case LU2K_DG_RESP:
		if (oc && oc->sa)
			out_recv(oc, p, *len, now);
		else
			s->st.other++;
		return NULL;
	case LU2K_DG_PLAIN_UDT:
		/* an UNKNOWN notice is plaintext: the peer that sends it has no keys for us */
		if (!(oc && oc->sa && oc->sa->up &&
		      udtb_unknown_heard(oc, p, *len, oc->sa->k.tx.peer_index, now)))
			plain_udt(so, p, *len, from, fromlen);
		return NULL;
	case LU2K_DG_OLD:
		old_version(s, from, fromlen);
		return NULL;
	default:
		s->st.other++;
		return NULL;
	}
}

size_t udtb_sec_seal(struct lu2k_be_conn *c, uint8_t *slot, size_t n, size_t cap, uint64_t now)
{
	ssize_t r;

	if (!c->sa->up)
		return 0;
	r = lu2k_dg_seal(&c->sa->k, now, slot, n, cap);
	if (r < 0)
		return 0;
	c->be->sec->st.records_tx++;
	return (size_t)r;
}

void udtb_sec_sendto(struct udtb_sock *so, struct udtb_sa *sa, const void *pkt, size_t len,
		     const struct sockaddr *to, socklen_t tolen)
{
	uint8_t buf[LU2K_AEAD_OVERHEAD + 256];
	ssize_t r;

	if (!sa) {
		udtb_sock_sendto(so, pkt, len, to, tolen);
		return;
	}
	/* control packets only (handshake, shutdown): small */
	if (!sa->up || len > sizeof(buf) - LU2K_AEAD_OVERHEAD)
		return;
	memcpy(buf + LU2K_AEAD_HDR, pkt, len);
	r = lu2k_dg_seal(&sa->k, lu2k_loop_now_ns(), buf, len, sizeof(buf));
	if (r > 0) {
		so->be->sec->st.records_tx++;
		udtb_sock_sendto(so, buf, (size_t)r, to, tolen);
	}
	sodium_memzero(buf, sizeof(buf));
}

bool udtb_sec_hello_ok(const struct lu2k_be_conn *c, const struct lu2k_nid *src,
		       const struct lu2k_nid *dst)
{
	return !c->sa || (lu2k_nid_eq(src, &c->sa->src) && lu2k_nid_eq(dst, &c->sa->dst));
}

void udtb_sec_conn_free(struct lu2k_be_conn *c)
{
	if (!c->sa)
		return;
	c->be->sec->st.prev_key_opened += c->sa->k.prev_opened;
	sa_free(c->be->sec, c->sa);
	c->sa = NULL;
}

void udtb_sec_unlisten(struct lu2k_be_listener *l)
{
	struct udtb_sec *s = l->s.be->sec;
	struct lu2k_list *pos, *tmp;

	if (!s)
		return;
	lu2k_list_for_each_safe(pos, tmp, &s->pending)
	{
		struct udtb_sa *sa = lu2k_container_of(pos, struct udtb_sa, link);

		if (sa->l == l)
			sa_free(s, sa);
	}
}

void udtb_sec_stats(struct lu2k_be *be, struct lu2k_json *j)
{
	const struct udtb_sec *s = be->sec;

	if (!s)
		return;
	lu2k_json_str(j, "auth", be->env.auth->network ? "network" : "keys");
	lu2k_be_auth_stats_json(&be->env.auth->st, j);
	lu2k_json_u64(j, "auth_handshakes_in", s->st.hs_in);
	lu2k_json_u64(j, "auth_handshakes_out", s->st.hs_out);
	lu2k_json_u64(j, "auth_cookies", s->st.cookies);
	lu2k_json_u64(j, "auth_bad_cookies", s->st.cookies_bad);
	lu2k_json_u64(j, "auth_old_version", s->st.old_version);
	lu2k_json_u64(j, "auth_repeats", s->st.hs_repeats);
	lu2k_json_u64(j, "auth_refused", s->st.hs_refused);
	lu2k_json_u64(j, "auth_bad_mac", s->st.hs_bad_mac);
	lu2k_json_u64(j, "auth_failed_out", s->st.hs_failed_out);
	lu2k_json_u64(j, "auth_records_tx", s->st.records_tx);
	lu2k_json_u64(j, "auth_records_rx", s->st.records_rx);
	lu2k_json_u64(j, "auth_bad_records", s->st.records_bad);
	lu2k_json_u64(j, "auth_unknown_index", s->st.records_unknown);
	lu2k_json_u64(j, "auth_wrong_conn", s->st.records_wrong_conn);
	lu2k_json_u64(j, "auth_plain_udt", s->st.plain_udt);
	lu2k_json_u64(j, "auth_other", s->st.other);
	lu2k_json_u64(j, "auth_sa_pending", s->npending);
	lu2k_json_u64(j, "auth_sa_expired", s->st.sa_expired);
	lu2k_json_u64(j, "auth_sa_limit", s->st.sa_limit);
	lu2k_json_u64(j, "auth_rate_limited", s->st.hs_rate_limited);
	lu2k_json_u64(j, "auth_prev_key_opened", s->st.prev_key_opened);
	lu2k_json_bool(j, "auth_aes_here", lu2k_aead_aes_available());
}

const char *udtb_sec_suite_name(uint8_t suite)
{
	return suite == LU2K_AEAD_AES256GCM ? "aes256gcm" : "chacha20poly1305";
}

void udtb_sec_conn_info(const struct lu2k_be_conn *c, struct lu2k_json *j)
{
	if (!c->sa)
		return;
	lu2k_json_str(j, "auth", c->sa->up ? "sealed" : "handshake");
	if (c->sa->up)
		lu2k_json_str(j, "cipher", udtb_sec_suite_name(c->sa->k.tx.suite));
	lu2k_json_u64(j, "key_updates_tx", c->sa->k.tx.updates);
	lu2k_json_u64(j, "key_updates_rx", c->sa->k.rx.updates);
	lu2k_json_u64(j, "records_refused", c->sa->k.refused);
}
