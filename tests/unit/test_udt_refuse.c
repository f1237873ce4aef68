/* SPDX-License-Identifier: MIT */
/*
 * Backpressure by refusal, through two engines over the simulated link of
 * tests/sim/sim_link.h (simulated time only): the receiving application
 * refuses the first message (no room) and takes the others. The refused
 * message stays in the engine, unacknowledged, so the sender never sees it
 * complete, nor any message after it (the ACK is cumulative), however long
 * the refusal lasts; the sender is held to the receive window and does not
 * time out. After udt_conn_rx_resume everything completes, each message taken
 * exactly once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/udt/udt.h"
#include "tests/t.h"
#include "tests/sim/sim_link.h"

#define NMSG  100
#define MSGSZ 100000
#define WIN   2000 /* packets: room for about 28 messages */

struct side {
	struct udt_conn *c;
	uint64_t bytes_rx;
	int acked, offers, refuse_first;
	uint8_t taken[NMSG + 1];
};

static int on_offer(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	struct side *s = ud;

	s->offers++;
	if (msgno == 1 && s->refuse_first)
		return -EAGAIN;
	if (msgno <= NMSG)
		s->taken[msgno]++;
	s->bytes_rx += len;
	return 0;
}

static void on_acked(void *ud, uint32_t msgno, void *cookie)
{
	((struct side *)ud)->acked++;
}

static const struct udt_callbacks cbs = { .msg_offer = on_offer, .msg_acked = on_acked };

struct world {
	struct sim_dir ab, ba; /* client -> server, server -> client */
	struct side cl, sv;
	struct udt_listener lis;
	struct udt_config cfg;
	uint64_t now;
};

/* Move the simulation on by dt: deliver due packets, run timers, send. */
static void run_for(struct world *w, uint64_t dt)
{
	uint64_t end = w->now + dt;
	uint8_t buf[SIM_MAXPKT];

	while (w->now < end) {
		struct linkem_pkt *p;
		size_t n;

		while ((p = sim_pop(&w->ab, w->now))) {
			uint32_t dst = 1;

			udt_peek_dst(p->data, p->len, &dst);
			if (dst == 0 && !w->sv.c) {
				struct udt_hs hs;
				uint8_t out[64];
				size_t olen = 0;
				int rc = udt_listener_recv(&w->lis, p->data, p->len, "cl", 2,
							   w->now, out, sizeof(out), &olen, &hs);

				if (rc == UDT_LISTEN_REPLY)
					sim_send(&w->ba, out, (uint32_t)olen, w->now);
				else if (rc == UDT_LISTEN_ACCEPT)
					w->sv.c = udt_conn_accept(&w->cfg, &cbs, &w->sv, 77, &hs,
								  NULL, w->now);
			} else if (w->sv.c) {
				udt_conn_recv_pkt(w->sv.c, p->data, p->len, w->now);
			}
		}
		while ((p = sim_pop(&w->ba, w->now)))
			udt_conn_recv_pkt(w->cl.c, p->data, p->len, w->now);
		for (int k = 0; k < 2; k++) {
			struct udt_conn *c = k ? w->sv.c : w->cl.c;
			struct sim_dir *d = k ? &w->ba : &w->ab;

			if (!c)
				continue;
			if (udt_conn_next_deadline(c) <= w->now)
				udt_conn_handle_timers(c, w->now);
			while ((n = udt_conn_write_pkt(c, buf, sizeof(buf), w->now)))
				sim_send(d, buf, (uint32_t)n, w->now);
		}
		w->now += 100000; /* 100 us steps */
	}
}

static void test_refusal_holds_the_ack(void)
{
	static uint8_t data[MSGSZ];
	struct world *w = calloc(1, sizeof(*w));
	static const uint8_t key[16] = "hold-test-key...";
	struct udt_stats st;
	uint64_t held_rx;
	int queued = 0;

	T_ASSERT(w);
	w->now = 1000000000ull;
	udt_config_default(&w->cfg);
	w->cfg.rcv_buf_pkts = WIN;
	sim_dir_init(&w->ab, 5000000, 100000000, 100000);
	sim_dir_init(&w->ba, 5000000, 100000000, 100000);
	udt_listener_init(&w->lis, key, w->cfg.sock_type, w->cfg.mss, (int32_t)w->cfg.flight_max);
	w->cl.c = udt_conn_connect(&w->cfg, &cbs, &w->cl, 55, 12345, NULL, w->now);
	run_for(w, 200000000);
	T_ASSERT(w->sv.c && udt_conn_state(w->cl.c) == UDT_ST_CONNECTED);

	w->sv.refuse_first = 1;
	for (int i = 0; i < NMSG; i++) {
		uint32_t msgno;

		if (udt_conn_send_msg(w->cl.c, data, sizeof(data), -1, 0, 0, NULL, &msgno,
				      w->now) == 0)
			queued++;
	}
	T_EQ(queued, NMSG);
	/* 20 s of refusal: 2 s at 100 Mbit/s would carry all 10 MB */
	run_for(w, 20000000000ull);
	held_rx = w->sv.bytes_rx;
	T_EQ(w->sv.taken[1], 0);
	T_ASSERT(w->sv.taken[2] == 1);
	/* messages after the refused one were taken, none acknowledged */
	T_EQ(w->cl.acked, 0);
	T_ASSERT(held_rx > 0);
	/* the window behind the refused message is all the sender gets */
	T_ASSERT(held_rx <= (uint64_t)WIN * 1456);
	T_EQ(udt_conn_state(w->cl.c), UDT_ST_CONNECTED);
	T_EQ(udt_conn_state(w->sv.c), UDT_ST_CONNECTED);
	udt_conn_get_stats(w->cl.c, &st);
	printf("  refused: %llu bytes taken, %d offers, sender EXP timeouts %llu, probes %llu, "
	       "resent %llu in 20 s\n",
	       (unsigned long long)held_rx, w->sv.offers, (unsigned long long)st.timeouts,
	       (unsigned long long)st.probes, (unsigned long long)st.pkts_retrans);
	/* the receiver's ACKs keep a waiting sender from timing out or resending */
	T_EQ(st.timeouts, 0);
	T_EQ(st.probes, 0);
	T_EQ(st.pkts_retrans, 0);

	/* room again: everything completes, every message taken once */
	w->sv.refuse_first = 0;
	udt_conn_rx_resume(w->sv.c, w->now);
	T_EQ(w->sv.taken[1], 1);
	T_EQ(w->cl.acked, 0); /* not before the ACK has travelled */
	run_for(w, 10000000000ull);
	T_EQ(w->cl.acked, NMSG);
	T_EQ(w->sv.bytes_rx, (uint64_t)NMSG * MSGSZ);
	for (int i = 1; i <= NMSG; i++)
		T_EQ(w->sv.taken[i], 1);

	udt_conn_free(w->cl.c);
	udt_conn_free(w->sv.c);
	sim_dir_free(&w->ab);
	sim_dir_free(&w->ba);
	free(w);
}

int main(void)
{
	T_RUN(test_refusal_holds_the_ack);
	return t_done();
}
