// SPDX-License-Identifier: MIT
/*
 * test_udt_nocookie.c - a final request without a cookie (proto/udt/handshake.h,
 * udt_listener_unproved, udt_conn_no_cookie): taken in one round trip, at
 * most `max` at a time before their clients prove their address, repeats
 * taken again without a slot, and the cookie way with no delay when the
 * listener does not take it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/udt/udt.h"
#include "tests/t.h"

static const uint8_t key[16] = "0123456789abcdef";
static const uint8_t addr[6] = { 192, 0, 2, 1, 0x23, 0x28 };
#define MS  1000000ull
#define SEC 1000000000ull

static size_t pop(struct udt_conn *c, uint8_t *buf, uint64_t now)
{
	return udt_conn_write_pkt(c, buf, 2000, now);
}

/* A final request without a cookie, for sock_id, as a connector (or a spoofer) sends it. */
static size_t no_cookie_req(uint8_t *buf, uint32_t sock_id, int32_t sock_type)
{
	struct udt_hs hs = {
		.version = UDT_VERSION,
		.sock_type = sock_type,
		.isn = 7,
		.mss = 1500,
		.flight = 8192,
		.req_type = UDT_HS_RSP_REGULAR,
		.sock_id = sock_id,
		.cookie = UDT_HS_NO_COOKIE,
	};

	return udt_hs_encode(buf, 2000, 0, 0, &hs);
}

/* UDT4's first request for sock_id. */
static size_t first_req(uint8_t *buf, uint32_t sock_id)
{
	struct udt_hdr h;
	struct udt_hs hs;
	size_t n = no_cookie_req(buf, sock_id, UDT_SOCK_DGRAM);

	if (udt_hdr_decode(buf, n, &h) || udt_hs_decode(&h, &hs))
		return 0;
	hs.req_type = UDT_HS_REQ_REGULAR;
	hs.cookie = 0;
	return udt_hs_encode(buf, 2000, 0, 0, &hs);
}

struct pkt {
	uint64_t at;
	size_t len;
	uint8_t b[128];
};

struct wire {
	struct pkt q[64];
	int n;
};

static void wire_put(struct wire *w, uint64_t at, const uint8_t *b, size_t len)
{
	T_ASSERT(w->n < 64 && len <= sizeof(w->q[0].b));
	w->q[w->n].at = at;
	w->q[w->n].len = len;
	memcpy(w->q[w->n].b, b, len);
	w->n++;
}

/* The earliest packet on w (the first sent of those due together), or -1. */
static int wire_next(const struct wire *w)
{
	int i, k = -1;

	for (i = 0; i < w->n; i++)
		if (k < 0 || w->q[i].at < w->q[k].at)
			k = i;
	return k;
}

static void wire_take(struct wire *w, int k, struct pkt *p)
{
	*p = w->q[k];
	memmove(&w->q[k], &w->q[k + 1], (size_t)(w->n - k - 1) * sizeof(w->q[0]));
	w->n--;
}

/*
 * Connects cl (at addr) to l over a path of rtt, from t: each side's
 * packets arrive half a round trip after they leave; a server's leave 1 ms
 * after the listener's replies (the back-end flushes connections after the
 * loop round). Returns the time it took (0: not within 5 s); *svp: the
 * server side, *accepts: the requests the listener took.
 */
static uint64_t connect_over(struct udt_listener *l, struct udt_conn *cl, uint64_t t, uint64_t rtt,
			     struct udt_conn **svp, int *accepts)
{
	struct wire to_l = { .n = 0 }, to_c = { .n = 0 };
	struct udt_config cfg;
	uint8_t buf[2000];
	uint64_t t0 = t;
	size_t n;

	udt_config_default(&cfg);
	*svp = NULL;
	*accepts = 0;
	while (udt_conn_state(cl) == UDT_ST_CONNECTING && t - t0 < 5 * SEC) {
		int kl = wire_next(&to_l), kc = wire_next(&to_c);
		uint64_t tc = udt_conn_next_deadline(cl);
		struct udt_hs hs;
		struct pkt p;
		size_t olen;

		if (kl >= 0 && to_l.q[kl].at <= tc && (kc < 0 || to_l.q[kl].at <= to_c.q[kc].at)) {
			int r;

			wire_take(&to_l, kl, &p);
			t = p.at;
			r = udt_listener_recv(l, p.b, p.len, addr, 6, t, buf, sizeof(buf), &olen,
					      &hs);
			if (r == UDT_LISTEN_REPLY)
				wire_put(&to_c, t + rtt / 2, buf, olen);
			if (r != UDT_LISTEN_ACCEPT)
				continue;
			(*accepts)++;
			if (!*svp)
				*svp = udt_conn_accept(&cfg, NULL, NULL, 2222, &hs, NULL, t);
			else
				udt_conn_recv_pkt(*svp, p.b, p.len, t);
			while ((n = pop(*svp, buf, t)))
				wire_put(&to_c, t + rtt / 2 + MS, buf, n);
			continue;
		}
		if (kc >= 0 && to_c.q[kc].at <= tc) {
			wire_take(&to_c, kc, &p);
			t = p.at;
			udt_conn_recv_pkt(cl, p.b, p.len, t);
		} else {
			t = tc > t ? tc : t;
		}
		if (udt_conn_next_deadline(cl) <= t)
			udt_conn_handle_timers(cl, t);
		while ((n = pop(cl, buf, t)))
			wire_put(&to_l, t + rtt / 2, buf, n);
	}
	return udt_conn_state(cl) == UDT_ST_CONNECTED ? t - t0 : 0;
}

/*
 * A lu2k listener takes the final request without a cookie: connected in
 * one round trip (the first request beside it unanswered), the token
 * learnt, and the RTT measured from that request.
 */
static void test_one_round_trip(void)
{
	const uint64_t rtt = 600 * MS;
	struct udt_listener l;
	struct udt_config cfg;
	struct udt_conn *cl, *sv;
	struct udt_stats st;
	uint64_t t = 3 * 60 * SEC;
	uint32_t token;
	int accepts;

	udt_config_default(&cfg);
	cfg.rtt_from_handshake = 1;
	udt_listener_init(&l, key, UDT_SOCK_DGRAM, 1500, 25600);
	udt_listener_tokens(&l, 4, 2);
	udt_listener_unproved(&l, 4, 10 * SEC);
	cl = udt_conn_connect(&cfg, NULL, NULL, 1111, 100, NULL, t);
	udt_conn_no_cookie(cl);
	T_EQU(connect_over(&l, cl, t, rtt, &sv, &accepts), rtt + MS);
	T_ASSERT(sv);
	/* the request sent again 250 ms on, before the answer came: taken again, no new slot */
	T_EQ(accepts, 2);
	T_EQU(l.unproved_taken, 1);
	/* the first requests beside them got no cookie: the response answered them */
	T_EQU(l.unproved_quiet, 2);
	T_ASSERT(udt_conn_token(cl, &token));
	udt_conn_get_stats(cl, &st);
	T_EQ(st.rtt_us, (int64_t)((rtt + MS) / 1000));
	udt_conn_free(cl);
	udt_conn_free(sv);
}

/*
 * The listener does not take it (a UDT4 listener, or one with no slot
 * free): no answer, and the cookie way goes on as UDT4's, two round trips,
 * its RTT from the cookie's final request.
 */
static void test_fallback(void)
{
	const uint64_t rtt = 300 * MS;
	struct udt_listener l;
	struct udt_config cfg;
	struct udt_conn *cl, *sv;
	struct udt_stats st;
	uint8_t buf[2000], out[2000];
	struct udt_hs hs;
	uint64_t t = 60 * SEC;
	size_t olen;
	int accepts, i;

	udt_config_default(&cfg);
	cfg.rtt_from_handshake = 1;
	/* UDT4's way: the request without a cookie is a wrong cookie */
	udt_listener_init(&l, key, UDT_SOCK_DGRAM, 1500, 25600);
	cl = udt_conn_connect(&cfg, NULL, NULL, 1111, 100, NULL, t);
	udt_conn_no_cookie(cl);
	T_EQU(connect_over(&l, cl, t, rtt, &sv, &accepts), 2 * rtt + MS);
	T_EQ(accepts, 1);
	T_ASSERT(l.bad_cookies >= 1);
	T_EQU(l.unproved_taken, 0);
	udt_conn_get_stats(cl, &st);
	T_EQ(st.rtt_us, (int64_t)((rtt + MS) / 1000));
	udt_conn_free(cl);
	udt_conn_free(sv);

	/* every slot held by others: the same */
	udt_listener_unproved(&l, 2, 10 * SEC);
	for (i = 0; i < 2; i++)
		T_EQ(udt_listener_recv(&l, buf,
				       no_cookie_req(buf, 500 + (uint32_t)i, UDT_SOCK_DGRAM),
				       "spoof!", 6, t, out, sizeof(out), &olen, &hs),
		     UDT_LISTEN_ACCEPT);
	cl = udt_conn_connect(&cfg, NULL, NULL, 1112, 100, NULL, t);
	udt_conn_no_cookie(cl);
	T_EQU(connect_over(&l, cl, t, rtt, &sv, &accepts), 2 * rtt + MS);
	T_ASSERT(l.unproved_full >= 1);
	T_EQU(l.unproved_taken, 2);
	udt_conn_free(cl);
	udt_conn_free(sv);
}

/*
 * A sender who gives other addresses (or the same one, other socket ids)
 * makes at most `max` connections without a cookie: the rest get no answer
 * at all. A slot comes back when its connection proves its address (or
 * ends), or its life is over. A repeat of a held request is taken again,
 * with no slot of its own.
 */
static void test_spoofed_flood(void)
{
	struct udt_listener l;
	uint8_t buf[2000], out[2000], from[6] = { 198, 51, 100, 0, 0x10, 0x00 };
	struct udt_hs hs;
	uint64_t t = 60 * SEC;
	size_t n, olen;
	int i, taken = 0;

	udt_listener_init(&l, key, UDT_SOCK_DGRAM, 1500, 25600);
	udt_listener_tokens(&l, 4, 2);
	udt_listener_unproved(&l, 1000, 10 * SEC); /* at most UDT_UNPROVED_SLOTS */
	T_EQU(l.unproved_max, UDT_UNPROVED_SLOTS);
	for (i = 0; i < 1000; i++) {
		from[3] = (uint8_t)i;
		from[4] = (uint8_t)(i >> 8);
		n = no_cookie_req(buf, 1000 + (uint32_t)i % 7, UDT_SOCK_DGRAM);
		olen = 99;
		if (udt_listener_recv(&l, buf, n, from, 6, t + (uint64_t)i * MS, out, sizeof(out),
				      &olen, &hs) == UDT_LISTEN_ACCEPT) {
			T_ASSERT(l.took_unproved);
			taken++;
		} else {
			T_EQU(olen, 0); /* silent: nothing sent to an address that did not ask */
		}
	}
	T_EQ(taken, UDT_UNPROVED_SLOTS);
	T_EQU(l.unproved_full, 1000 - UDT_UNPROVED_SLOTS);
	/* a repeat of a held one (i = 3) is taken again; no new slot */
	from[3] = 3;
	from[4] = 0;
	n = no_cookie_req(buf, 1000 + 3, UDT_SOCK_DGRAM);
	T_EQ(udt_listener_recv(&l, buf, n, from, 6, t + 2 * SEC, out, sizeof(out), &olen, &hs),
	     UDT_LISTEN_ACCEPT);
	T_ASSERT(l.took_unproved);
	T_EQU(l.unproved_taken, UDT_UNPROVED_SLOTS);
	/* its first request gets no answer (its connection's response answers it) */
	T_EQ(udt_listener_recv(&l, buf, first_req(buf, 1000 + 3), from, 6, t + 2 * SEC, out,
			       sizeof(out), &olen, &hs),
	     -EALREADY);
	T_EQU(olen, 0);
	/* one refused gets its cookie: the cookie way goes on */
	from[3] = (uint8_t)500;
	from[4] = (uint8_t)(500 >> 8);
	T_EQ(udt_listener_recv(&l, buf, first_req(buf, 1000 + 500 % 7), from, 6, t + 2 * SEC, out,
			       sizeof(out), &olen, &hs),
	     UDT_LISTEN_REPLY);
	from[3] = 3;
	from[4] = 0;
	/* it proves its address: one slot free, for one other sender */
	udt_listener_proved(&l, from, 6, 1000 + 3);
	from[3] = 200;
	n = no_cookie_req(buf, 1000 + 200 % 7, UDT_SOCK_DGRAM);
	T_EQ(udt_listener_recv(&l, buf, n, from, 6, t + 2 * SEC, out, sizeof(out), &olen, &hs),
	     UDT_LISTEN_ACCEPT);
	from[3] = 201;
	T_EQ(udt_listener_recv(&l, buf, n, from, 6, t + 2 * SEC, out, sizeof(out), &olen, &hs),
	     -EACCES);
	/* a proof for a request never taken frees nothing */
	udt_listener_proved(&l, from, 6, 1000 + 200 % 7);
	T_EQ(udt_listener_recv(&l, buf, n, from, 6, t + 2 * SEC, out, sizeof(out), &olen, &hs),
	     -EACCES);
	/* after their life, the slots are free again, each once */
	for (i = 0, taken = 0; i < 100; i++) {
		from[3] = (uint8_t)i;
		from[4] = 9;
		if (udt_listener_recv(&l, buf, n, from, 6, t + 13 * SEC, out, sizeof(out), &olen,
				      &hs) == UDT_LISTEN_ACCEPT)
			taken++;
	}
	T_EQ(taken, UDT_UNPROVED_SLOTS);
}

/*
 * Only the mark is taken for no cookie: another wrong cookie makes no
 * connection (it gets a fresh cookie, as a first request); a request of the wrong socket type gets UDT4's rejection and holds
 * no slot; a listener that takes none (max 0) refuses it as a wrong cookie.
 */
static void test_only_the_mark(void)
{
	struct udt_listener l;
	uint8_t buf[2000], out[2000];
	struct udt_hs hs;
	size_t n, olen;

	udt_listener_init(&l, key, UDT_SOCK_DGRAM, 1500, 25600);
	udt_listener_unproved(&l, 1, SEC);
	n = no_cookie_req(buf, 77, UDT_SOCK_DGRAM);
	buf[UDT_HDR_LEN + 28] ^= 1; /* the cookie word */
	/* not taken: answered with a cookie, as a first request (handshake.h) */
	T_EQ(udt_listener_recv(&l, buf, n, addr, 6, SEC, out, sizeof(out), &olen, &hs),
	     UDT_LISTEN_REPLY);
	T_EQU(l.bad_cookies, 1);
	T_EQU(l.unproved_taken, 0);
	{
		struct udt_hdr h;
		struct udt_hs rsp;

		T_EQ(udt_hdr_decode(out, olen, &h), 0);
		T_EQ(udt_hs_decode(&h, &rsp), 0);
		T_EQ(rsp.req_type, UDT_HS_REQ_REGULAR);
		T_ASSERT(rsp.cookie != UDT_HS_NO_COOKIE);
	}
	n = no_cookie_req(buf, 77, UDT_SOCK_STREAM);
	T_EQ(udt_listener_recv(&l, buf, n, addr, 6, SEC, out, sizeof(out), &olen, &hs),
	     UDT_LISTEN_REPLY);
	T_EQU(l.rejects, 1);
	T_EQU(l.unproved_taken, 0);
	n = no_cookie_req(buf, 77, UDT_SOCK_DGRAM);
	T_EQ(udt_listener_recv(&l, buf, n, addr, 6, SEC, out, sizeof(out), &olen, &hs),
	     UDT_LISTEN_ACCEPT);
	T_ASSERT(l.took_unproved);
	/* a request with a good cookie after it: no slot, not marked */
	{
		struct udt_conn *cl, *sv;
		struct udt_config cfg;
		int accepts;

		udt_config_default(&cfg);
		cl = udt_conn_connect(&cfg, NULL, NULL, 78, 5, NULL, SEC);
		T_EQU(connect_over(&l, cl, SEC, 100 * MS, &sv, &accepts), 200 * MS + MS);
		T_EQ(accepts, 1);
		T_ASSERT(!l.took_unproved);
		udt_conn_free(cl);
		udt_conn_free(sv);
	}
	udt_listener_unproved(&l, 0, SEC);
	n = no_cookie_req(buf, 79, UDT_SOCK_DGRAM);
	T_EQ(udt_listener_recv(&l, buf, n, addr, 6, SEC, out, sizeof(out), &olen, &hs), -EACCES);
}

/* The connector: each first request goes after one without a cookie, until a cookie comes. */
static void test_connector_requests(void)
{
	struct udt_config cfg;
	struct udt_conn *cl;
	struct udt_hdr h;
	struct udt_hs hs;
	uint8_t buf[2000];
	uint64_t t = SEC;
	int round, sent = 0;

	udt_config_default(&cfg);
	cl = udt_conn_connect(&cfg, NULL, NULL, 1111, 5, NULL, t);
	udt_conn_no_cookie(cl);
	for (round = 0; round < 3; round++) {
		size_t n;

		t = udt_conn_next_deadline(cl);
		udt_conn_handle_timers(cl, t);
		n = pop(cl, buf, t);
		T_ASSERT(!udt_hdr_decode(buf, n, &h) && !udt_hs_decode(&h, &hs));
		T_EQ(hs.req_type, UDT_HS_RSP_REGULAR);
		T_EQU(hs.cookie, UDT_HS_NO_COOKIE);
		T_EQU(hs.sock_id, 1111);
		n = pop(cl, buf, t);
		T_ASSERT(!udt_hdr_decode(buf, n, &h) && !udt_hs_decode(&h, &hs));
		T_EQ(hs.req_type, UDT_HS_REQ_REGULAR);
		T_EQU(pop(cl, buf, t), 0);
		sent += 2;
	}
	T_EQ(sent, 6);
	T_EQU(udt_conn_next_deadline(cl), t + 250 * MS);
	udt_conn_free(cl);
}

int main(void)
{
	T_RUN(test_one_round_trip);
	T_RUN(test_fallback);
	T_RUN(test_spoofed_flood);
	T_RUN(test_only_the_mark);
	T_RUN(test_connector_requests);
	return t_done();
}
