// SPDX-License-Identifier: MIT
/*
 * handshake.c - stateless cookie check for incoming connection requests.
 */
#include "handshake.h"

#include <errno.h>
#include <string.h>

#define NS_PER_MINUTE 60000000000ull
#define NS_PER_TOKEN  (10 * NS_PER_MINUTE)

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

#define SIPROUND                                                          \
	do {                                                              \
		v0 += v1, v1 = rotl(v1, 13), v1 ^= v0, v0 = rotl(v0, 32); \
		v2 += v3, v3 = rotl(v3, 16), v3 ^= v2;                    \
		v0 += v3, v3 = rotl(v3, 21), v3 ^= v0;                    \
		v2 += v1, v1 = rotl(v1, 17), v1 ^= v2, v2 = rotl(v2, 32); \
	} while (0)

/* SipHash-2-4 (Aumasson and Bernstein). */
uint64_t udt_siphash(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = le64(key), k1 = le64(key + 8), m, b = (uint64_t)len << 56;
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
	size_t i, left = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(p + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (m = 0; left; left--)
		m |= (uint64_t)p[i + left - 1] << (8 * (left - 1));
	b |= m;
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint32_t udt_cookie(const uint8_t key[16], const void *addr, size_t addrlen, uint32_t sock_id,
		    uint64_t minute)
{
	uint8_t buf[128 + 12];
	size_t n = addrlen > 128 ? 128 : addrlen;
	int i;

	memcpy(buf, addr, n);
	for (i = 0; i < 8; i++)
		buf[n + i] = (uint8_t)(minute >> (8 * i));
	for (i = 0; i < 4; i++)
		buf[n + 8 + i] = (uint8_t)(sock_id >> (8 * i));
	return (uint32_t)udt_siphash(key, buf, n + 12);
}

uint32_t udt_token(const struct udt_listener *l, const void *addr, size_t addrlen, uint64_t period)
{
	uint8_t host[128];
	size_t n = addrlen > sizeof(host) ? sizeof(host) : addrlen;

	memcpy(host, addr, n);
	if ((size_t)l->port_off + l->port_len <= n)
		memset(host + l->port_off, 0, l->port_len);
	/* socket id 0 is no client's (udt_hs_decode): a token is never a request's cookie */
	return udt_cookie(l->key, host, n, 0, period);
}

void udt_listener_tokens(struct udt_listener *l, size_t port_off, size_t port_len)
{
	l->tokens = 1;
	l->port_off = (uint8_t)port_off;
	l->port_len = (uint8_t)port_len;
}

void udt_listener_init(struct udt_listener *l, const uint8_t key[16], int32_t sock_type,
		       int32_t mss, int32_t flight)
{
	memset(l, 0, sizeof(*l));
	memcpy(l->key, key, 16);
	l->sock_type = sock_type;
	l->mss = mss;
	l->flight = flight;
}

void udt_listener_unproved(struct udt_listener *l, uint32_t max, uint64_t life_ns)
{
	l->unproved_max = max > UDT_UNPROVED_SLOTS ? UDT_UNPROVED_SLOTS : max;
	l->unproved_life_ns = life_ns;
	memset(l->unproved, 0, sizeof(l->unproved));
}

static uint64_t unproved_hash(const struct udt_listener *l, const void *addr, size_t addrlen)
{
	uint64_t h = udt_siphash(l->key, addr, addrlen);

	return h ? h : 1; /* 0 marks a free slot */
}

static struct udt_unproved *unproved_find(struct udt_listener *l, uint64_t h, uint32_t sock_id)
{
	uint32_t i;

	for (i = 0; i < l->unproved_max; i++)
		if (l->unproved[i].addr_hash == h && l->unproved[i].sock_id == sock_id)
			return &l->unproved[i];
	return NULL;
}

void udt_listener_proved(struct udt_listener *l, const void *addr, size_t addrlen, uint32_t sock_id)
{
	struct udt_unproved *u;

	if (!l->unproved_max)
		return;
	u = unproved_find(l, unproved_hash(l, addr, addrlen), sock_id);
	if (u)
		memset(u, 0, sizeof(*u));
}

/*
 * A first request whose final one without a cookie was taken: its
 * connection's response answers both (a cookie too would be one packet more
 * to an address not proved, and one more request back).
 */
static int unproved_held(struct udt_listener *l, const struct udt_hs *hs, const void *addr,
			 size_t addrlen, uint64_t now_ns)
{
	struct udt_unproved *u;

	if (!l->unproved_max)
		return 0;
	u = unproved_find(l, unproved_hash(l, addr, addrlen), hs->sock_id);
	return u && now_ns - u->since_ns < l->unproved_life_ns;
}

/*
 * A final request without a cookie: 0 if it may be taken (a repeat of one
 * held, or a slot was free), else -EACCES.
 */
static int take_unproved(struct udt_listener *l, const void *addr, size_t addrlen, uint32_t sock_id,
			 uint64_t now_ns)
{
	uint64_t h = unproved_hash(l, addr, addrlen);
	struct udt_unproved *u = unproved_find(l, h, sock_id);
	uint32_t i;

	if (u && now_ns - u->since_ns < l->unproved_life_ns)
		return 0;
	for (i = 0; !u && i < l->unproved_max; i++)
		if (!l->unproved[i].addr_hash ||
		    now_ns - l->unproved[i].since_ns >= l->unproved_life_ns)
			u = &l->unproved[i];
	if (!u) {
		l->unproved_full++;
		return -EACCES;
	}
	u->addr_hash = h;
	u->sock_id = sock_id;
	u->since_ns = now_ns;
	l->unproved_taken++;
	return 0;
}

/* The final request's cookie: this minute's or the last, or (tokens on) the host's token. */
static int cookie_ok(struct udt_listener *l, const struct udt_hs *hs, const void *addr,
		     size_t addrlen, uint64_t now_ns)
{
	uint64_t minute = now_ns / NS_PER_MINUTE, period = now_ns / NS_PER_TOKEN;

	/* a cookie is good for the address, port and socket id it was given to */
	if (hs->cookie == udt_cookie(l->key, addr, addrlen, hs->sock_id, minute) ||
	    (minute && hs->cookie == udt_cookie(l->key, addr, addrlen, hs->sock_id, minute - 1)))
		return 1;
	/* a token is good for the host for its 10 minutes and the next 10 */
	if (l->tokens && (hs->cookie == udt_token(l, addr, addrlen, period) ||
			  (period && hs->cookie == udt_token(l, addr, addrlen, period - 1)))) {
		l->tokens_used++;
		l->took_token = 1;
		return 1;
	}
	return 0;
}

int udt_listener_recv(struct udt_listener *l, const uint8_t *pkt, size_t len, const void *addr,
		      size_t addrlen, uint64_t now_ns, uint8_t *out, size_t cap, size_t *out_len,
		      struct udt_hs *hs)
{
	struct udt_hdr h;
	int err, unproved = 0;

	*out_len = 0;
	l->took_unproved = 0;
	l->took_token = 0;
	l->answered_stale = 0;
	err = udt_hdr_decode(pkt, len, &h);
	if (!err && h.ctrl && h.type == UDT_CT_PROBE)
		return udt_listener_probe(l, &h, len, addr, addrlen, now_ns);
	if (!err && (!h.ctrl || h.type != UDT_CT_HANDSHAKE || h.dst != 0))
		err = -EBADMSG;
	if (!err)
		err = udt_hs_decode(&h, hs);
	/* a request never tells a capacity: no reply of ours echoes a 13th word */
	hs->probe_pps = 0;
	if (!err && hs->req_type != UDT_HS_REQ_REGULAR && hs->req_type != UDT_HS_RSP_REGULAR)
		err = -EBADMSG; /* rendezvous and responses have no business here */
	if (err) {
		l->bad_pkts++;
		return err;
	}
	if (hs->req_type == UDT_HS_RSP_REGULAR && !cookie_ok(l, hs, addr, addrlen, now_ns)) {
		if (hs->cookie == UDT_HS_NO_COOKIE && l->unproved_max) {
			unproved = 1;
		} else {
			l->bad_cookies++;
			/*
			 * A request without a cookie goes beside a first request,
			 * which gets the cookie. A cookie or token that no longer
			 * holds (this listener restarted since it gave it, or it
			 * is two minutes old) gets a fresh cookie, as a first
			 * request would: the client asks again at once, where in
			 * silence it would wait a second for its token (or, UDT4,
			 * its handshake retry). Stateless, and no longer than the
			 * request: no more than a first request gets.
			 */
			if (hs->cookie == UDT_HS_NO_COOKIE)
				return -EACCES;
			hs->req_type = UDT_HS_REQ_REGULAR;
			l->answered_stale = 1;
		}
	}
	if (hs->req_type == UDT_HS_REQ_REGULAR && unproved_held(l, hs, addr, addrlen, now_ns)) {
		l->unproved_quiet++;
		return -EALREADY;
	}
	if (hs->req_type == UDT_HS_REQ_REGULAR) {
		struct udt_hs rsp = *hs;

		rsp.cookie = udt_cookie(l->key, addr, addrlen, hs->sock_id, now_ns / NS_PER_MINUTE);
		*out_len = udt_hs_encode(out, cap, 0, hs->sock_id, &rsp);
		return *out_len ? UDT_LISTEN_REPLY : -ENOSPC;
	}
	if (hs->sock_type != l->sock_type) {
		struct udt_hs rsp = *hs;

		/* UDT4 answers a mismatch with request type 1002 */
		l->rejects++;
		rsp.req_type = UDT_HS_REJECT;
		*out_len = udt_hs_encode(out, cap, 0, hs->sock_id, &rsp);
		return *out_len ? UDT_LISTEN_REPLY : -ENOSPC;
	}
	/* a slot only for a request that makes a connection */
	if (unproved && take_unproved(l, addr, addrlen, hs->sock_id, now_ns))
		return -EACCES;
	l->took_unproved = unproved;
	/* the response (the connection's, udt_conn_accept) carries the client's token */
	if (l->tokens)
		hs->cookie = udt_token(l, addr, addrlen, now_ns / NS_PER_TOKEN);
	hs->probe_pps = udt_listener_probe_rate(l, hs, addr, addrlen, now_ns);
	return UDT_LISTEN_ACCEPT;
}

void udt_hs_ip_from_v4(uint32_t ip[4], const uint8_t addr[4])
{
	/* the little-endian value of the address bytes, as x86 UDT4 sends it */
	ip[0] = (uint32_t)addr[0] | (uint32_t)addr[1] << 8 | (uint32_t)addr[2] << 16 |
		(uint32_t)addr[3] << 24;
	ip[1] = ip[2] = ip[3] = 0;
}

void udt_hs_ip_from_v6(uint32_t ip[4], const uint8_t addr[16])
{
	int i;

	for (i = 0; i < 4; i++)
		ip[i] = (uint32_t)addr[4 * i] | (uint32_t)addr[4 * i + 1] << 8 |
			(uint32_t)addr[4 * i + 2] << 16 | (uint32_t)addr[4 * i + 3] << 24;
}
