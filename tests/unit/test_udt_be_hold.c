/* SPDX-License-Identifier: MIT */
/*
 * The udt back-end's backpressure through the engine: while the receiver
 * holds delivered messages it could not hand to the core
 * (udt_conn_set_rcv_hold), the window offered to the sender shrinks to
 * UDT's floor and the transfer slows to a trickle; once released, it
 * finishes. Two engines over the simulated link of tests/unit/udt_sim.h,
 * simulated time only.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/udt/udt.h"
#include "tests/t.h"
#include "tests/unit/udt_sim.h"

#define NMSG  100
#define MSGSZ 100000

struct side {
	struct udt_conn *c;
	uint64_t bytes_rx;
	int acked;
};

static void on_recv(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	((struct side *)ud)->bytes_rx += len;
}

static void on_acked(void *ud, uint32_t msgno, void *cookie)
{
	((struct side *)ud)->acked++;
}

static const struct udt_callbacks cbs = { .msg_recv = on_recv, .msg_acked = on_acked };

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
		struct sim_pkt *p;
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

static void test_hold_pushes_back(void)
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
	sim_dir_init(&w->ab, 5000000, 100000000, 100000);
	sim_dir_init(&w->ba, 5000000, 100000000, 100000);
	udt_listener_init(&w->lis, key, w->cfg.sock_type, w->cfg.mss, (int32_t)w->cfg.flight_max);
	w->cl.c = udt_conn_connect(&w->cfg, &cbs, &w->cl, 55, 12345, NULL, w->now);
	run_for(w, 200000000);
	T_ASSERT(w->sv.c && udt_conn_state(w->cl.c) == UDT_ST_CONNECTED);

	/* the receiver's application holds far more than the window */
	udt_conn_set_rcv_hold(w->sv.c, 1u << 24);
	for (int i = 0; i < NMSG; i++) {
		uint32_t msgno;

		if (udt_conn_send_msg(w->cl.c, data, sizeof(data), -1, 0, 0, NULL, &msgno,
				      w->now) == 0)
			queued++;
	}
	T_EQ(queued, NMSG);
	run_for(w, 2000000000ull);
	held_rx = w->sv.bytes_rx;
	udt_conn_get_stats(w->cl.c, &st);
	/* the sender sees UDT's floor of 2 packets, not the 16384 of the buffer */
	T_ASSERT(st.flow_window <= 2);
	/* 2 s at 100 Mbit/s would carry the 10 MB; held back, far less arrives */
	T_ASSERT(held_rx < (uint64_t)NMSG * MSGSZ / 10);
	T_ASSERT(w->cl.acked < NMSG);

	/* released: everything arrives */
	udt_conn_set_rcv_hold(w->sv.c, 0);
	run_for(w, 10000000000ull);
	T_EQ(w->cl.acked, NMSG);
	T_EQ(w->sv.bytes_rx, (uint64_t)NMSG * MSGSZ);
	udt_conn_get_stats(w->cl.c, &st);
	T_ASSERT(st.flow_window > 1000);
	printf("  held: %llu bytes in 2 s; released: all %d messages\n",
	       (unsigned long long)held_rx, NMSG);

	udt_conn_free(w->cl.c);
	udt_conn_free(w->sv.c);
	sim_dir_free(&w->ab);
	sim_dir_free(&w->ba);
	free(w);
}

int main(void)
{
	T_RUN(test_hold_pushes_back);
	return t_done();
}
