/* SPDX-License-Identifier: MIT */
/*
 * udt_pair.h - two UDT engines connected through a listener, for unit tests
 * that want a connected client and server and do not test the handshake
 * itself (test_udt_handshake steps through it packet by packet), and one
 * accepted server for tests that play its peer. Static inline in
 * the header, as its checks fail the including file's current test (t.h).
 */
#ifndef LU2K_TESTS_UDT_PAIR_H
#define LU2K_TESTS_UDT_PAIR_H

#include <stdint.h>

#include "proto/udt/handshake.h"
#include "proto/udt/udt.h"
#include "tests/t.h"

/*
 * Connects a client made with ccfg to a server accepted with scfg, scb and
 * sctx: request, cookie, request with the cookie, accept, response, one
 * millisecond apart from *tp on. Fails the test unless the client ends
 * connected; *tp is left at the time the handshake ended.
 */
static inline void udt_test_pair(const struct udt_config *ccfg, const struct udt_config *scfg,
				 const struct udt_callbacks *scb, void *sctx, struct udt_conn **clp,
				 struct udt_conn **svp, uint64_t *tp)
{
	static const uint8_t key[16] = "udt-pair-key-001";
	struct udt_listener l;
	struct udt_conn *cl, *sv = NULL;
	struct udt_hs hs;
	uint8_t buf[2000], out[2000];
	size_t n, olen;
	uint64_t t = *tp;
	int i;

	udt_listener_init(&l, key, UDT_SOCK_DGRAM, 1500, 25600);
	cl = udt_conn_connect(ccfg, NULL, NULL, 1111, 12345, NULL, t);
	T_ASSERT(cl);
	for (i = 0; i < 4 && udt_conn_state(cl) == UDT_ST_CONNECTING; i++, t += 1000) {
		udt_conn_handle_timers(cl, t);
		n = udt_conn_write_pkt(cl, buf, sizeof(buf), t);
		if (!n)
			continue;
		if (!sv) {
			int r = udt_listener_recv(&l, buf, n, "addr01", 6, t, out, sizeof(out),
						  &olen, &hs);

			if (r == UDT_LISTEN_REPLY) {
				T_EQ(udt_conn_recv_pkt(cl, out, olen, t), 0);
				continue;
			}
			T_EQ(r, UDT_LISTEN_ACCEPT);
			sv = udt_conn_accept(scfg, scb, sctx, 2222, &hs, NULL, t);
			T_ASSERT(sv);
		}
		n = udt_conn_write_pkt(sv, out, sizeof(out), t);
		T_ASSERT(n > 0);
		T_EQ(udt_conn_recv_pkt(cl, out, n, t), 0);
	}
	T_EQ(udt_conn_state(cl), UDT_ST_CONNECTED);
	*clp = cl;
	*svp = sv;
	*tp = t;
}

/*
 * A server accepted at t0 from a handshake a peer (socket id peer, first
 * sequence number isn, MSS 1500, flight 1000) sent, with its handshake
 * response already written out: a connection to feed packets into, for
 * tests that play the peer themselves.
 */
static inline struct udt_conn *udt_test_accepted(const struct udt_config *cfg,
						 const struct udt_callbacks *cb, int32_t me,
						 int32_t peer, uint32_t isn, uint64_t t0)
{
	struct udt_hs hs = { .version = 4,
			     .sock_type = UDT_SOCK_DGRAM,
			     .isn = isn,
			     .mss = 1500,
			     .flight = 1000,
			     .req_type = -1,
			     .sock_id = peer };
	struct udt_conn *c = udt_conn_accept(cfg, cb, NULL, me, &hs, NULL, t0);
	uint8_t buf[2000];

	while (c && udt_conn_write_pkt(c, buf, sizeof(buf), t0))
		;
	return c;
}

#endif
