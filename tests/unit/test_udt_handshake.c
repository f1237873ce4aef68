// SPDX-License-Identifier: MIT
/* test_udt_handshake.c - listener cookies, address tokens, connect, rejection, retries. */
#include <errno.h>
#include <stdlib.h>

#include "proto/udt/udt.h"
#include "tests/t.h"

static const uint8_t key[16] = "0123456789abcdef";
static const uint8_t addr[6] = { 192, 0, 2, 1, 0x23, 0x28 };

static void test_siphash(void)
{
	/* SipHash-2-4 reference vector: key 00..0f, message 00..0e */
	uint8_t k[16], m[15];
	int i;

	for (i = 0; i < 16; i++)
		k[i] = (uint8_t)i;
	for (i = 0; i < 15; i++)
		m[i] = (uint8_t)i;
	T_EQU(udt_siphash(k, m, 15), 0xa129ca6149be45e5ull);
	T_EQU(udt_siphash(k, m, 0), 0x726fdb47dd0e0e31ull);
}

static size_t pop(struct udt_conn *c, uint8_t *buf, uint64_t now)
{
	return udt_conn_write_pkt(c, buf, 2000, now);
}

/*
 * out (olen bytes) is a listener's answer to a final request whose cookie
 * did not hold: a cookie response (request type 1) for sock_id at from,
 * this minute's.
 */
static int stale_answer(const struct udt_listener *l, const uint8_t *out, size_t olen,
			const void *from, uint32_t sock_id, uint64_t t)
{
	struct udt_hdr h;
	struct udt_hs hs;

	return l->answered_stale && udt_hdr_decode(out, olen, &h) == 0 &&
	       udt_hs_decode(&h, &hs) == 0 && hs.req_type == UDT_HS_REQ_REGULAR &&
	       h.dst == sock_id &&
	       hs.cookie == udt_cookie(l->key, from, 6, sock_id, t / 60000000000ull);
}

static void test_connect_flow(void)
{
	struct udt_listener l;
	struct udt_config cfg;
	struct udt_conn *cl, *sv;
	struct udt_hs hs;
	uint8_t buf[2000], out[2000];
	size_t n, olen;
	uint64_t t = 5ull * 60 * 1000000000;

	udt_config_default(&cfg);
	udt_listener_init(&l, key, UDT_SOCK_DGRAM, 1500, 25600);
	cl = udt_conn_connect(&cfg, NULL, NULL, 1111, 0x7ffffffe, NULL, t);
	T_ASSERT(cl);
	T_EQ(udt_conn_state(cl), UDT_ST_CONNECTING);
	T_EQU(udt_conn_next_deadline(cl), t);
	udt_conn_handle_timers(cl, t);
	n = pop(cl, buf, t);
	T_EQU(n, 64);
	T_EQU(pop(cl, buf + 100, t), 0);
	/* first request: answered with a cookie, no state */
	T_EQ(udt_listener_recv(&l, buf, n, addr, 6, t, out, sizeof(out), &olen, &hs),
	     UDT_LISTEN_REPLY);
	T_EQU(olen, 64);
	T_EQ(l.answered_stale, 0);
	/*
	 * a request with a wrong cookie, or from another address, makes no
	 * connection: it is answered with a fresh cookie for where it came from
	 * (as a first request is), so a client whose cookie or token went stale
	 * asks again at once
	 */
	T_EQ(udt_conn_recv_pkt(cl, out, olen, t + 1000), 0);
	udt_conn_handle_timers(cl, t + 1000);
	n = pop(cl, buf, t + 1000);
	T_EQU(n, 64);
	T_EQ(udt_listener_recv(&l, buf, n, "other!", 6, t, out, sizeof(out), &olen, &hs),
	     UDT_LISTEN_REPLY);
	T_EQU(olen, n);
	T_ASSERT(stale_answer(&l, out, olen, "other!", 1111, t));
	/* last minute's cookie still counts */
	T_EQ(udt_listener_recv(&l, buf, n, addr, 6, t + 60000000000ull, out, sizeof(out), &olen,
			       &hs),
	     UDT_LISTEN_ACCEPT);
	T_EQ(udt_listener_recv(&l, buf, n, addr, 6, t + 120000000000ull, out, sizeof(out), &olen,
			       &hs),
	     UDT_LISTEN_REPLY);
	T_ASSERT(stale_answer(&l, out, olen, addr, 1111, t + 120000000000ull));
	/* and a request without a cookie is left to the first request beside it */
	{
		uint8_t nc[64];
		struct udt_hdr h;
		struct udt_hs q;

		T_EQ(udt_hdr_decode(buf, n, &h), 0);
		T_EQ(udt_hs_decode(&h, &q), 0);
		q.cookie = UDT_HS_NO_COOKIE;
		T_EQU(udt_hs_encode(nc, sizeof(nc), 0, 0, &q), n);
		T_EQ(udt_listener_recv(&l, nc, n, addr, 6, t, out, sizeof(out), &olen, &hs),
		     -EACCES);
	}
	T_EQ(udt_listener_recv(&l, buf, n, addr, 6, t, out, sizeof(out), &olen, &hs),
	     UDT_LISTEN_ACCEPT);
	T_EQU(hs.sock_id, 1111);
	T_EQU(hs.isn, 0x7ffffffe);
	/*
	 * the cookie buys socket id 1111 only, not any other id behind it: 1112
	 * gets a cookie of its own, as its first request would
	 */
	{
		struct udt_hs other = hs, hs2;
		uint8_t o2[128];
		size_t n2;

		other.sock_id = 1112;
		n2 = udt_hs_encode(o2, sizeof(o2), 0, 0, &other);
		T_EQ(udt_listener_recv(&l, o2, n2, addr, 6, t, out, sizeof(out), &olen, &hs2),
		     UDT_LISTEN_REPLY);
		T_ASSERT(stale_answer(&l, out, olen, addr, 1112, t));
	}
	sv = udt_conn_accept(&cfg, NULL, NULL, 2222, &hs, NULL, t);
	T_ASSERT(sv);
	n = pop(sv, buf, t);
	T_EQU(n, 64);
	/* the response is lost; the client asks again; the server answers again */
	udt_conn_handle_timers(cl, t + 300000000);
	n = pop(cl, out, t + 300000000);
	T_EQU(n, 64);
	T_EQ(udt_conn_recv_pkt(sv, out, n, t + 300000000), 0);
	n = pop(sv, buf, t + 300000000);
	T_EQU(n, 64);
	T_EQ(udt_conn_recv_pkt(cl, buf, n, t + 300000000), 0);
	T_EQ(udt_conn_state(cl), UDT_ST_CONNECTED);
	T_EQU(udt_conn_peer_id(cl), 2222);
	/* messages must fit the peer's flow window (16384 packets of 1456 bytes) */
	T_EQU(udt_conn_max_msg(cl), 16383ull * 1456);
	T_EQ(udt_conn_send_msg(cl, buf, udt_conn_max_msg(cl) + 1, -1, 1, 0, NULL, NULL, t),
	     -EMSGSIZE);
	udt_conn_free(cl);
	udt_conn_free(sv);
}

/*
 * Connects cl to l (the client at address a, 6 bytes) over a path of rtt ns
 * each round trip, from *t; a request the listener does not answer costs
 * the time to the client's next one. Returns the requests the client sent
 * until connected (-1: not within 20). *svp gets the server side.
 */
static int requests(struct udt_listener *l, struct udt_conn *cl, const uint8_t *a, uint32_t sv_id,
		    uint64_t *t, uint64_t rtt, struct udt_conn **svp)
{
	struct udt_config cfg;
	uint8_t buf[2000], out[2000];
	struct udt_hs hs;
	size_t n, olen;
	int k;

	udt_config_default(&cfg);
	*svp = NULL;
	for (k = 1; k <= 20; k++) {
		int r;

		*t = udt_conn_next_deadline(cl) > *t ? udt_conn_next_deadline(cl) : *t;
		udt_conn_handle_timers(cl, *t);
		n = pop(cl, buf, *t);
		if (!n)
			return -1;
		r = udt_listener_recv(l, buf, n, a, 6, *t + rtt / 2, out, sizeof(out), &olen, &hs);
		if (r == UDT_LISTEN_ACCEPT) {
			if (!*svp)
				*svp = udt_conn_accept(&cfg, NULL, NULL, sv_id, &hs, NULL, *t);
			else
				udt_conn_recv_pkt(*svp, buf, n, *t);
			olen = *svp ? pop(*svp, out, *t) : 0;
		}
		if (r != UDT_LISTEN_ACCEPT && r != UDT_LISTEN_REPLY)
			continue; /* no answer: the client asks again at its next deadline */
		*t += rtt;
		udt_conn_recv_pkt(cl, out, olen, *t);
		if (udt_conn_state(cl) == UDT_ST_CONNECTED)
			return k;
	}
	return -1;
}

/*
 * Address tokens: a first connection takes UDT4's two requests (two round
 * trips) and gets the listener's token; the next one from the same host
 * (another port, as each lu2k connection has its own socket) sends its
 * final request at once and connects in one round trip. Another host's
 * token, or a stale one (25 minutes later), gets no answer: after a second
 * the connector falls back to UDT4's two requests.
 */
static void test_address_token(void)
{
	static const uint8_t a1[6] = { 192, 0, 2, 1, 0x23, 0x28 };
	static const uint8_t a2[6] = { 192, 0, 2, 1, 0x99, 0x01 };
	static const uint8_t b1[6] = { 192, 0, 2, 7, 0x23, 0x28 };
	const uint64_t rtt = 600000000, s = 1000000000;
	struct udt_listener l;
	struct udt_config cfg;
	struct udt_conn *cl, *sv;
	uint64_t t = 7 * 60 * s, t0;
	uint32_t token, tok2;

	udt_config_default(&cfg);
	udt_listener_init(&l, key, UDT_SOCK_DGRAM, 1500, 25600);
	udt_listener_tokens(&l, 4, 2);
	t0 = t;
	cl = udt_conn_connect(&cfg, NULL, NULL, 1111, 100, NULL, t);
	T_EQ(requests(&l, cl, a1, 2001, &t, rtt, &sv), 2);
	T_EQU(t - t0, 2 * rtt);
	T_ASSERT(udt_conn_token(cl, &token));
	T_EQU(token, udt_token(&l, a2, 6, t / (600 * s)));
	T_ASSERT(token != udt_token(&l, b1, 6, t / (600 * s)));
	udt_conn_free(cl);
	udt_conn_free(sv);

	/* the same host, another port: one request, one round trip */
	t += 60 * s;
	t0 = t;
	cl = udt_conn_connect(&cfg, NULL, NULL, 1112, 200, NULL, t);
	udt_conn_use_token(cl, token, t);
	T_EQ(requests(&l, cl, a2, 2002, &t, rtt, &sv), 1);
	T_EQU(t - t0, rtt);
	T_EQU(l.tokens_used, 1);
	/* the same period's token came back: nothing new to keep */
	T_ASSERT(!udt_conn_token(cl, &tok2));
	udt_conn_free(cl);
	udt_conn_free(sv);

	/*
	 * another host with that token: a fresh cookie, two round trips (it was
	 * silence, and a second's wait for the token before UDT4's way)
	 */
	t0 = t;
	cl = udt_conn_connect(&cfg, NULL, NULL, 1113, 300, NULL, t);
	udt_conn_use_token(cl, token, t);
	T_EQ(requests(&l, cl, b1, 2003, &t, rtt, &sv), 2);
	T_EQU(t - t0, 2 * rtt);
	T_EQU(l.tokens_used, 1);
	T_ASSERT(l.bad_cookies >= 1);
	udt_conn_free(cl);
	udt_conn_free(sv);

	/* 25 minutes on: stale, the same; the connection then has a new token */
	t += 25 * 60 * s;
	t0 = t;
	cl = udt_conn_connect(&cfg, NULL, NULL, 1114, 400, NULL, t);
	udt_conn_use_token(cl, token, t);
	T_EQ(requests(&l, cl, a2, 2004, &t, rtt, &sv), 2);
	T_EQU(t - t0, 2 * rtt);
	T_ASSERT(udt_conn_token(cl, &tok2) && tok2 != token);
	udt_conn_free(cl);
	udt_conn_free(sv);

	/* a listener without tokens echoes the cookie: nothing learnt */
	udt_listener_init(&l, key, UDT_SOCK_DGRAM, 1500, 25600);
	cl = udt_conn_connect(&cfg, NULL, NULL, 1116, 600, NULL, t);
	T_EQ(requests(&l, cl, a1, 2005, &t, rtt, &sv), 2);
	T_ASSERT(!udt_conn_token(cl, &tok2));
	udt_conn_free(cl);
	udt_conn_free(sv);
}

static void test_reject_and_timeout(void)
{
	struct udt_listener l;
	struct udt_config cfg;
	struct udt_conn *cl;
	struct udt_hs hs;
	uint8_t buf[2000], out[2000];
	size_t n, olen;
	uint64_t t = 1000;

	udt_config_default(&cfg);
	/* a stream listener rejects a datagram client with 1002 */
	udt_listener_init(&l, key, UDT_SOCK_STREAM, 1500, 25600);
	cl = udt_conn_connect(&cfg, NULL, NULL, 1111, 5, NULL, t);
	udt_conn_handle_timers(cl, t);
	n = pop(cl, buf, t);
	T_EQ(udt_listener_recv(&l, buf, n, addr, 6, t, out, sizeof(out), &olen, &hs),
	     UDT_LISTEN_REPLY);
	udt_conn_recv_pkt(cl, out, olen, t);
	udt_conn_handle_timers(cl, t);
	n = pop(cl, buf, t);
	T_EQ(udt_listener_recv(&l, buf, n, addr, 6, t, out, sizeof(out), &olen, &hs),
	     UDT_LISTEN_REPLY);
	T_EQ(udt_conn_recv_pkt(cl, out, olen, t), 0);
	T_EQ(udt_conn_state(cl), UDT_ST_BROKEN);
	T_EQ(udt_conn_error(cl), -ECONNREFUSED);
	udt_conn_free(cl);

	/* nobody answers: retries every 250 ms, gives up after 3 s */
	cl = udt_conn_connect(&cfg, NULL, NULL, 1111, 5, NULL, t);
	int sent = 0;

	while (udt_conn_state(cl) == UDT_ST_CONNECTING) {
		t = udt_conn_next_deadline(cl);
		udt_conn_handle_timers(cl, t);
		while (pop(cl, buf, t))
			sent++;
	}
	T_EQ(udt_conn_state(cl), UDT_ST_BROKEN);
	T_EQ(udt_conn_error(cl), -ETIMEDOUT);
	T_EQ(sent, 12);
	udt_conn_free(cl);
}

/* With rtt_from_handshake the client starts from the cookie round trip. */
static void test_rtt_from_handshake(void)
{
	struct udt_listener l;
	struct udt_config cfg;
	struct udt_conn *cl, *sv;
	struct udt_stats st;
	struct udt_hs hs;
	uint8_t buf[2000], out[2000];
	size_t n, olen;
	uint64_t t = 1000;

	udt_config_default(&cfg);
	cfg.rtt_from_handshake = 1;
	udt_listener_init(&l, key, UDT_SOCK_DGRAM, 1500, 25600);
	cl = udt_conn_connect(&cfg, NULL, NULL, 1111, 5, NULL, t);
	udt_conn_handle_timers(cl, t);
	n = pop(cl, buf, t);
	udt_listener_recv(&l, buf, n, addr, 6, t, out, sizeof(out), &olen, &hs);
	udt_conn_recv_pkt(cl, out, olen, t + 40000000);
	/* the request with the cookie leaves at 40 ms, its answer is back at 120 ms */
	udt_conn_handle_timers(cl, t + 40000000);
	n = pop(cl, buf, t + 40000000);
	T_EQ(udt_listener_recv(&l, buf, n, addr, 6, t, out, sizeof(out), &olen, &hs),
	     UDT_LISTEN_ACCEPT);
	sv = udt_conn_accept(&cfg, NULL, NULL, 2222, &hs, NULL, t + 80000000);
	n = pop(sv, buf, t + 80000000);
	T_EQ(udt_conn_recv_pkt(cl, buf, n, t + 120000000), 0);
	T_EQ(udt_conn_state(cl), UDT_ST_CONNECTED);
	udt_conn_get_stats(cl, &st);
	T_EQ(st.rtt_us, 80000);
	T_EQ(st.rttvar_us, 40000);
	udt_conn_get_stats(sv, &st);
	T_EQ(st.rtt_us, 100000); /* the server has no sample: UDT4's start */
	udt_conn_free(cl);
	udt_conn_free(sv);
}

static void test_peer_ip(void)
{
	static const uint8_t v4[4] = { 127, 0, 0, 1 };
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	uint32_t ip[4];

	udt_hs_ip_from_v4(ip, v4);
	T_EQU(ip[0], 0x0100007f);
	T_EQU(ip[1] | ip[2] | ip[3], 0);
	v6[15] = 7;
	udt_hs_ip_from_v6(ip, v6);
	T_EQU(ip[0], 0xb80d0120);
	T_EQU(ip[3], 0x07000000);
}

static void test_garbage(void)
{
	struct udt_listener l;
	struct udt_hs hs;
	uint8_t out[2000], pkt[64] = { 0x80, 0, 0, 0 };
	size_t olen;

	udt_listener_init(&l, key, UDT_SOCK_DGRAM, 1500, 25600);
	T_EQ(udt_listener_recv(&l, pkt, 10, addr, 6, 0, out, sizeof(out), &olen, &hs), -EBADMSG);
	T_EQ(udt_listener_recv(&l, pkt, 64, addr, 6, 0, out, sizeof(out), &olen, &hs), -EBADMSG);
	T_EQU(l.bad_pkts, 2);
	T_EQU(olen, 0);
}

int main(void)
{
	T_RUN(test_siphash);
	T_RUN(test_connect_flow);
	T_RUN(test_address_token);
	T_RUN(test_reject_and_timeout);
	T_RUN(test_rtt_from_handshake);
	T_RUN(test_peer_ip);
	T_RUN(test_garbage);
	return t_done();
}
