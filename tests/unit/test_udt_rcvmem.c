/* SPDX-License-Identifier: MIT */
/*
 * The receiver's memory limits (rcvbuf.h, MEMORY): a message never grows
 * past the longest allowed, a window never holds more than its own limit,
 * windows that share a budget never hold more than it together and a greedy
 * one leaves a fair share to the others, and what an ACK granted is stored;
 * through two engines (sim_link.h, simulated time) an honest transfer still
 * completes under tight limits, two into one budget lose no packet to it,
 * and a message longer than allowed breaks the connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/udt/rcvbuf.h"
#include "proto/udt/seq.h"
#include "proto/udt/udt.h"
#include "tests/t.h"
#include "tests/sim/sim_link.h"

#define PL 100 /* payload bytes per packet in the rcvbuf tests */

static uint32_t ngot;
static size_t gotlen;

static int deliver(void *ctx, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	ngot++;
	gotlen = len;
	return 0;
}

static int add(struct udt_rcvbuf *rb, uint32_t seq, uint32_t pb, int inorder, uint32_t no)
{
	static const uint8_t d[PL];

	return udt_rcvbuf_add(rb, seq, UDT_MSG_WORD(pb, inorder, no), d, PL);
}

/* One message that never ends, in order and out of order: cut at max_msg_pkts. */
static void test_endless_message(void)
{
	for (int inorder = 0; inorder < 2; inorder++) {
		struct udt_rxmem mem = { .max = 1 << 20 };
		struct udt_rcvbuf rb;
		uint32_t seq = 1000;
		int r = 0, i;

		T_EQ(udt_rcvbuf_init(&rb, 256, PL, 0, seq, deliver, NULL), 0);
		udt_rcvbuf_set_limits(&rb, &mem, 0, 10);
		T_EQ(add(&rb, seq, UDT_PB_FIRST, inorder, 7), 0);
		for (i = 1; i < 100 && r == 0; i++)
			r = add(&rb, udt_seq_add(seq, i), UDT_PB_MIDDLE, inorder, 7);
		T_EQ(r, -EMSGSIZE);
		T_EQ(i, 11); /* the 11th packet is one too many */
		T_EQ(rb.err, -EMSGSIZE);
		T_EQU(mem.too_long, 1);
		/* nothing of it is kept, and the window takes nothing more */
		T_EQ(add(&rb, udt_seq_add(seq, 20), UDT_PB_SOLO, inorder, 8), -EMSGSIZE);
		T_EQU(rb.held, rb.npool * PL);
		udt_rcvbuf_fini(&rb);
		T_EQU(mem.used, 0);
		T_EQU(mem.users, 0);
	}
}

/* Behind a hole that is never filled: the span of one message number still counts. */
static void test_endless_message_behind_hole(void)
{
	struct udt_rcvbuf rb;
	uint32_t seq = 5;
	int r = 0, i;

	T_EQ(udt_rcvbuf_init(&rb, 256, PL, 0, seq, deliver, NULL), 0);
	udt_rcvbuf_set_limits(&rb, NULL, 0, 10);
	for (i = 1; i < 100 && r == 0; i++)
		r = add(&rb, udt_seq_add(seq, i), UDT_PB_MIDDLE, 0, 3);
	T_EQ(r, -EMSGSIZE);
	T_EQ(i, 12); /* packets 1..10 span 10, the 11th (i = 11) is too many */
	udt_rcvbuf_fini(&rb);

	/* a message of exactly max_msg_pkts is fine */
	ngot = 0;
	T_EQ(udt_rcvbuf_init(&rb, 256, PL, 0, seq, deliver, NULL), 0);
	udt_rcvbuf_set_limits(&rb, NULL, 0, 10);
	for (i = 0; i < 10; i++)
		T_EQ(add(&rb, udt_seq_add(seq, i),
			 i == 0	  ? UDT_PB_FIRST
			 : i == 9 ? UDT_PB_LAST
				  : UDT_PB_MIDDLE,
			 0, 3),
		     0);
	T_EQU(ngot, 1);
	T_EQU(gotlen, 10 * PL);
	udt_rcvbuf_fini(&rb);
}

/* held_max: a window holds no more, and grants no more, than its own limit. */
static void test_window_limit(void)
{
	struct udt_rcvbuf rb;
	uint32_t seq = 77;
	int stored = 0;

	T_EQ(udt_rcvbuf_init(&rb, 256, PL, 0, seq, deliver, NULL), 0);
	udt_rcvbuf_set_limits(&rb, NULL, 20 * PL, 0);
	T_EQU(udt_rcvbuf_avail(&rb, seq), 19);
	/* packets behind a hole at seq, never completed */
	for (int i = 1; i < 200; i++)
		if (add(&rb, udt_seq_add(seq, i), UDT_PB_MIDDLE, 0, (uint32_t)i) == 0)
			stored++;
	T_EQ(stored, 20);
	T_EQU(rb.held, 20 * PL);
	T_EQU(rb.mem_drops, 199 - 20);
	T_EQ(add(&rb, udt_seq_add(seq, 250), UDT_PB_SOLO, 0, 250), -ENOBUFS);
	udt_rcvbuf_fini(&rb);
}

/*
 * Two windows share a budget of 40 packets. A greedy one behind a hole takes
 * half the budget and no more (over half, only a window under its fair share
 * gets a buffer: 40 / 2 split among the windows holding packets); the other
 * still gets 40 / 2 / 2 = 10 and completes a message of 10 packets.
 */
static void test_shared_budget(void)
{
	struct udt_rxmem mem = { .max = 40 * PL };
	struct udt_rcvbuf greedy, honest;
	uint32_t seq = 0x7ffffff0; /* across the wrap */
	int stored = 0, i;

	T_EQ(udt_rcvbuf_init(&greedy, 1024, PL, 0, seq, deliver, NULL), 0);
	T_EQ(udt_rcvbuf_init(&honest, 1024, PL, 0, seq, deliver, NULL), 0);
	udt_rcvbuf_set_limits(&greedy, &mem, 0, 10);
	udt_rcvbuf_set_limits(&honest, &mem, 0, 10);
	T_EQU(mem.users, 2);
	for (i = 1; i < 500; i++)
		if (add(&greedy, udt_seq_add(seq, i), UDT_PB_MIDDLE, 0, (uint32_t)i) == 0)
			stored++;
	T_EQ(stored, 20);
	T_EQU(mem.used, 20 * PL);
	T_ASSERT(mem.drops > 0);
	ngot = 0;
	for (i = 0; i < 10; i++)
		T_EQ(add(&honest, udt_seq_add(seq, i),
			 i == 0	  ? UDT_PB_FIRST
			 : i == 9 ? UDT_PB_LAST
				  : UDT_PB_MIDDLE,
			 0, 1),
		     0);
	T_EQU(ngot, 1);
	T_ASSERT(mem.peak <= mem.max);
	udt_rcvbuf_fini(&greedy);
	/* the greedy one's memory is back: past half the budget the pool is not kept */
	T_EQU(mem.used, honest.held);
	udt_rcvbuf_fini(&honest);
	T_EQU(mem.used, 0);
}

/* Two windows of 256 packets from seq that share mem, with no other limit. */
static void two_windows(struct udt_rxmem *mem, struct udt_rcvbuf *a, struct udt_rcvbuf *b,
			uint32_t seq)
{
	T_EQ(udt_rcvbuf_init(a, 256, PL, 0, seq, deliver, NULL), 0);
	T_EQ(udt_rcvbuf_init(b, 256, PL, 0, seq, deliver, NULL), 0);
	udt_rcvbuf_set_limits(a, mem, 0, 0);
	udt_rcvbuf_set_limits(b, mem, 0, 0);
}

/*
 * A window that took more than its share while the budget was free, with a
 * hole at its head, when a second window comes: the packet for the hole is
 * still stored (it moves the window on), and the messages complete.
 */
static void test_head_hole_over_share(void)
{
	struct udt_rxmem mem = { .max = 40 * PL };
	struct udt_rcvbuf a, b;
	uint32_t seq = 300;
	int i;

	two_windows(&mem, &a, &b, seq);
	/* b: 5 packets behind a hole, never filled */
	for (i = 1; i <= 5; i++)
		T_EQ(add(&b, udt_seq_add(seq, i), UDT_PB_MIDDLE, 0, 9), 0);
	/* a: messages of 4 packets at [4k, 4k + 3], each missing its first: 15 held */
	for (i = 0; i < 20; i++)
		if (i % 4)
			T_EQ(add(&a, udt_seq_add(seq, i), i % 4 == 3 ? UDT_PB_LAST : UDT_PB_MIDDLE,
				 0, (uint32_t)(i / 4 + 1)),
			     0);
	T_EQU(mem.used, 20 * PL);
	/* over half, a holds 15 > its share 40 / 2 / 2 = 10: only the head's hole is taken */
	T_EQ(add(&a, udt_seq_add(seq, 20), UDT_PB_FIRST, 0, 6), -ENOBUFS);
	T_EQ(add(&a, udt_seq_add(seq, 8), UDT_PB_FIRST, 0, 3), -ENOBUFS);
	ngot = 0;
	for (i = 0; i < 20; i += 4)
		T_EQ(add(&a, udt_seq_add(seq, i), UDT_PB_FIRST, 0, (uint32_t)(i / 4 + 1)), 0);
	T_EQU(ngot, 5);
	T_EQU(a.nheld, 0);
	udt_rcvbuf_fini(&a);
	udt_rcvbuf_fini(&b);
	T_EQU(mem.used, 0);
}

/*
 * Past half the budget a window over its share still stores what an ACK
 * granted (its sender sent that trusting the grant), and nothing beyond;
 * once the grant is two round trips old (and the slack), a smaller one
 * stands. Budget 40 packets: a holds 12 behind a hole, granted up to 24
 * while the budget was free; b then takes 10, and the budget is past half.
 */
static void test_granted_stored(void)
{
	const uint64_t rtt = 100000000, t = 5000000000ull;
	struct udt_rxmem mem = { .max = 40 * PL };
	struct udt_rcvbuf a, b;
	uint32_t seq = 0x7ffffff8; /* across the wrap */
	int i;

	two_windows(&mem, &a, &b, seq);
	for (i = 1; i <= 12; i++)
		T_EQ(add(&a, udt_seq_add(seq, i), UDT_PB_MIDDLE, 0, 1), 0);
	udt_rcvbuf_granted(&a, seq, 24, rtt, t);
	for (i = 1; i <= 10; i++)
		T_EQ(add(&b, udt_seq_add(seq, i), UDT_PB_MIDDLE, 0, 1), 0);
	T_EQU(mem.used, 22 * PL);
	/* a holds 12 > its share 10: granted ones only */
	T_EQ(add(&a, udt_seq_add(seq, 13), UDT_PB_MIDDLE, 0, 1), 0);
	T_EQ(add(&a, udt_seq_add(seq, 23), UDT_PB_MIDDLE, 0, 1), 0);
	T_EQ(add(&a, udt_seq_add(seq, 24), UDT_PB_MIDDLE, 0, 1), -ENOBUFS);
	/* a smaller grant within two round trips leaves the larger one standing ... */
	udt_rcvbuf_granted(&a, seq, 14, rtt, t + rtt);
	T_EQ(add(&a, udt_seq_add(seq, 22), UDT_PB_MIDDLE, 0, 1), 0);
	/* ... and replaces it after */
	udt_rcvbuf_granted(&a, seq, 14, rtt, t + 2 * rtt + UDT_RCVBUF_GRANT_SLACK_NS + rtt / 2);
	T_EQ(add(&a, udt_seq_add(seq, 21), UDT_PB_MIDDLE, 0, 1), -ENOBUFS);
	T_EQU(a.nheld, 15);
	T_ASSERT(mem.peak <= mem.max);
	udt_rcvbuf_fini(&a);
	udt_rcvbuf_fini(&b);
	T_EQU(mem.used, 0);
}

/* ---- two engines ---- */

struct side {
	struct udt_conn *c;
	uint64_t bytes_rx;
	int acked, msgs;
	int state, err;
};

static int on_offer(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	struct side *s = ud;

	s->msgs++;
	s->bytes_rx += len;
	return 0;
}

static void on_acked(void *ud, uint32_t msgno, void *cookie)
{
	((struct side *)ud)->acked++;
}

static void on_state(void *ud, enum udt_state st, int err)
{
	struct side *s = ud;

	s->state = (int)st;
	s->err = err;
}

static const struct udt_callbacks cbs = { .msg_offer = on_offer,
					  .msg_acked = on_acked,
					  .state_change = on_state };

struct world {
	struct sim_dir ab, ba;
	struct side cl, sv;
	struct udt_listener lis;
	struct udt_config ccfg, scfg;
	uint64_t now;
};

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
					w->sv.c = udt_conn_accept(&w->scfg, &cbs, &w->sv, 77, &hs,
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
		w->now += 100000;
	}
}

static struct world *world_new(void)
{
	static const uint8_t key[16] = "rcvmem-test-key.";
	struct world *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->now = 1000000000ull;
	udt_config_default(&w->ccfg);
	w->scfg = w->ccfg;
	/* 10 ms each way, 100 Mbit/s: 250 packets in flight */
	sim_dir_init(&w->ab, 10000000, 100000000, 100000);
	sim_dir_init(&w->ba, 10000000, 100000000, 100000);
	udt_listener_init(&w->lis, key, w->scfg.sock_type, w->scfg.mss,
			  (int32_t)w->scfg.flight_max);
	return w;
}

/* Another link, before anything was sent over the one world_new() made. */
static void world_link(struct world *w, uint64_t delay_ns, uint64_t rate_bps)
{
	sim_dir_free(&w->ab);
	sim_dir_free(&w->ba);
	sim_dir_init(&w->ab, delay_ns, rate_bps, 100000);
	sim_dir_init(&w->ba, delay_ns, rate_bps, 100000);
}

static void world_free(struct world *w)
{
	udt_conn_free(w->cl.c);
	udt_conn_free(w->sv.c);
	sim_dir_free(&w->ab);
	sim_dir_free(&w->ba);
	free(w);
}

/*
 * The client connects (id, to the server's isn), settles for settle_ns, then
 * queues n messages of len bytes of data. Fails the test (t_cur_failed) if
 * it could not.
 */
static void connect_send(struct world *w, uint32_t id, uint32_t isn, uint64_t settle_ns,
			 const uint8_t *data, size_t len, int n)
{
	w->cl.c = udt_conn_connect(&w->ccfg, &cbs, &w->cl, id, isn, NULL, w->now);
	run_for(w, settle_ns);
	T_ASSERT(w->sv.c && udt_conn_state(w->cl.c) == UDT_ST_CONNECTED);
	for (int i = 0; i < n; i++) {
		uint32_t no;

		T_EQ(udt_conn_send_msg(w->cl.c, data, len, -1, 0, 0, NULL, &no, w->now), 0);
	}
}

/*
 * 50 messages of 200 kB (138 packets) through a budget of 400 packets (one
 * connection may hold half), with losses, so that packets wait behind holes:
 * all of it arrives, within the budget.
 */
static void test_transfer_under_budget(void)
{
	static uint8_t data[200000];
	struct udt_rxmem mem = { .max = 400 * 1456 };
	struct world *w = world_new();
	struct udt_stats st;

	T_ASSERT(w);
	w->scfg.rx_mem = &mem;
	w->scfg.max_msg_bytes = sizeof(data);
	/* 50 ms each way (850 packets in flight) and a loss every 200: holes hold packets */
	world_link(w, 50000000, 100000000);
	w->ab.drop = sim_drop_every;
	w->ab.drop_arg = (void *)(uintptr_t)200;
	connect_send(w, 55, 4242, 1000000000, data, sizeof(data), 50);
	if (t_cur_failed)
		return;
	run_for(w, 60000000000ull);
	udt_conn_get_stats(w->sv.c, &st);
	printf("  budget %zu B: peak %zu B, %llu packets not stored, %d of 50 acked\n", mem.max,
	       mem.peak, (unsigned long long)st.pkts_no_mem, w->cl.acked);
	T_EQ(w->cl.acked, 50);
	T_EQ(w->sv.msgs, 50);
	T_ASSERT(mem.peak <= mem.max);
	/* the window it grants follows the budget: an honest sender keeps to it */
	T_ASSERT(mem.peak <= mem.max / 2 + 64 * 1456);
	T_EQ(udt_conn_state(w->sv.c), UDT_ST_CONNECTED);
	world_free(w);
	T_EQU(mem.used, 0);
}

/*
 * Greedy windows take most of the budget while a transfer runs, then go:
 * the transfer completes (no packet it was denied may be acknowledged).
 */
static void test_transfer_after_squeeze(void)
{
	static uint8_t data[1000000];
	struct udt_rxmem mem = { .max = 2000 * 1456 };
	struct udt_rcvbuf greedy[4];
	struct world *w = world_new();
	struct udt_stats st;
	int i, k;

	T_ASSERT(w);
	w->scfg.rx_mem = &mem;
	w->scfg.max_msg_bytes = sizeof(data);
	world_link(w, 1000000, 2000000000);
	w->ab.drop = sim_drop_every;
	w->ab.drop_arg = (void *)(uintptr_t)500;
	w->cl.c = udt_conn_connect(&w->ccfg, &cbs, &w->cl, 58, 31337, NULL, w->now);
	run_for(w, 100000000);
	T_ASSERT(w->sv.c && udt_conn_state(w->cl.c) == UDT_ST_CONNECTED);
	for (i = 0; i < 8; i++) {
		uint32_t no;

		T_EQ(udt_conn_send_msg(w->cl.c, data, sizeof(data), -1, 0, 0, NULL, &no, w->now),
		     0);
	}
	run_for(w, 3000000);
	/* four greedy windows behind holes take what they can */
	for (k = 0; k < 4; k++) {
		T_EQ(udt_rcvbuf_init(&greedy[k], 4096, 1456, 0, 1, deliver, NULL), 0);
		udt_rcvbuf_set_limits(&greedy[k], &mem, 0, 0);
	}
	for (i = 1; i < 4000; i++)
		for (k = 0; k < 4; k++) {
			static const uint8_t d[1456];

			udt_rcvbuf_add(&greedy[k], (uint32_t)i + 1,
				       UDT_MSG_WORD(UDT_PB_MIDDLE, 0, i), d, sizeof(d));
		}
	run_for(w, 2000000000ull);
	for (k = 0; k < 4; k++)
		udt_rcvbuf_fini(&greedy[k]);
	run_for(w, 20000000000ull);
	udt_conn_get_stats(w->sv.c, &st);
	printf("  squeezed: %d of 8 acked, %llu packets not stored, %llu held\n", w->cl.acked,
	       (unsigned long long)st.pkts_no_mem, (unsigned long long)st.rcv_mem);
	T_EQ(w->cl.acked, 8);
	T_EQ(w->sv.msgs, 8);
	world_free(w);
}

/* The per-connection limit is what the receiver grants: the sender keeps to it. */
static void test_transfer_under_conn_limit(void)
{
	static uint8_t data[100000];
	struct udt_rxmem mem = { .max = 1 << 30 };
	struct world *w = world_new();
	struct udt_stats st;

	T_ASSERT(w);
	w->scfg.rx_mem = &mem;
	w->scfg.rcv_mem_max = 120 * 1456;
	connect_send(w, 56, 99, 200000000, data, sizeof(data), 30);
	if (t_cur_failed)
		return;
	run_for(w, 30000000000ull);
	udt_conn_get_stats(w->sv.c, &st);
	T_EQ(w->cl.acked, 30);
	T_ASSERT(mem.peak <= w->scfg.rcv_mem_max);
	printf("  conn limit %zu B: peak %zu B, %llu packets not stored\n", w->scfg.rcv_mem_max,
	       mem.peak, (unsigned long long)st.pkts_no_mem);
	world_free(w);
}

/*
 * The window a receiver grants follows its flow share (rcvbuf.h, FLOW
 * SHARE): 400 packets for eight windows, 50 each. The sender never has more
 * than that beyond the ACK point, and, held by the receiver's window and not
 * by the path, the lossy CC does not take the window for congestion: 30
 * messages of 100 kB over 1 Gbit/s at 20 ms RTT take about what 50 packets
 * a round trip carry (29 Mbit/s: 0.8 s, and the start).
 */
static void test_transfer_flow_share(void)
{
	static uint8_t data[100000];
	struct udt_rxmem mem = { .max = 1 << 30 };
	struct world *w = world_new();
	struct udt_stats st;
	int64_t most = 0;
	uint64_t t0;

	T_ASSERT(w);
	udt_rxmem_flow_init(&mem, 400);
	mem.flows = 8; /* as udt_rxmem_flow_seen() would count them */
	w->scfg.rx_mem = &mem;
	world_link(w, 10000000, 1000000000);
	connect_send(w, 59, 4711, 200000000, data, sizeof(data), 30);
	if (t_cur_failed)
		return;
	t0 = w->now;
	while (w->cl.acked < 30 && w->now < t0 + 60000000000ull) {
		run_for(w, 1000000);
		udt_conn_get_stats(w->cl.c, &st);
		if (st.inflight > most)
			most = st.inflight;
		if (w->cl.acked < 30 && w->now > t0 + 100000000)
			T_ASSERT(st.flow_window <= 50);
	}
	printf("  share 50 packets: %d of 30 acked in %.2f s, at most %lld in flight, %llu "
	       "windows cut\n",
	       w->cl.acked, (double)(w->now - t0) / 1e9, (long long)most,
	       (unsigned long long)mem.flow_cuts);
	T_EQ(w->cl.acked, 30);
	T_EQ(w->sv.msgs, 30);
	T_ASSERT(mem.flow_cuts > 0);
	T_ASSERT(w->now - t0 < 3000000000ull);
	/* the handshake's window until the first ACK: the CC's first window, no more */
	T_ASSERT(most <= 64);
	world_free(w);
}

/*
 * A new connection's first flight under the flow share (rcvbuf.h, FLOW
 * SHARE): the handshake's window is the whole receive window, and the ACK of
 * nothing behind it carries the share (80 packets for eight windows: 10).
 * The sender, with messages queued the moment it is connected, has no more
 * than that in flight before the first ACK of its data can come (a round
 * trip of 20 ms; the CC alone would send 16 or more then). Without the share the
 * handshake's window stands, as before.
 */
static void first_flight(const char *cc, int share_on, int32_t *window, int64_t *most)
{
	static uint8_t data[100000];
	struct udt_rxmem mem = { .max = 1 << 30 };
	struct world *w = world_new();
	struct udt_stats st;
	uint64_t t0;

	*most = 0;
	T_ASSERT(w);
	if (share_on) {
		udt_rxmem_flow_init(&mem, 80);
		mem.flows = 8;
	}
	w->scfg.rx_mem = &mem;
	w->ccfg.cc = w->scfg.cc = cc;
	world_link(w, 10000000, 1000000000);
	w->cl.c = udt_conn_connect(&w->ccfg, &cbs, &w->cl, 60, 808, NULL, w->now);
	t0 = w->now;
	while (udt_conn_state(w->cl.c) != UDT_ST_CONNECTED && w->now < t0 + 1000000000ull)
		run_for(w, 100000);
	T_ASSERT(w->sv.c && udt_conn_state(w->cl.c) == UDT_ST_CONNECTED);
	if (t_cur_failed)
		return;
	udt_conn_get_stats(w->cl.c, &st);
	*window = st.flow_window;
	for (int i = 0; i < 4; i++) {
		uint32_t no;

		T_EQ(udt_conn_send_msg(w->cl.c, data, sizeof(data), -1, 0, 0, NULL, &no, w->now),
		     0);
	}
	/* one round trip and a SYN: no ACK of data yet */
	for (t0 = w->now; w->now < t0 + 25000000;) {
		run_for(w, 100000);
		udt_conn_get_stats(w->cl.c, &st);
		if (st.inflight > *most)
			*most = st.inflight;
	}
	run_for(w, 20000000000ull);
	T_EQ(w->cl.acked, 4);
	world_free(w);
}

static void test_first_window(void)
{
	static const char *const ccs[] = { "udt", "lossy" };
	struct udt_config cfg;

	udt_config_default(&cfg);
	for (int k = 0; k < 2; k++) {
		int32_t win_on = 0, win_off = 0;
		int64_t most_on, most_off;

		first_flight(ccs[k], 1, &win_on, &most_on);
		first_flight(ccs[k], 0, &win_off, &most_off);
		printf("  %s: first window %d with the share (at most %lld in flight in the first "
		       "RTT), %d without (%lld)\n",
		       ccs[k], win_on, (long long)most_on, win_off, (long long)most_off);
		T_EQ(win_on, 10);
		T_ASSERT(most_on > 0 && most_on <= 10);
		T_ASSERT(win_off >= 32 && (uint32_t)win_off <= cfg.flight_max);
		T_ASSERT(most_off > 10);
	}
}

/*
 * Two connections into one budget of 2 MiB, the second 3 s after the first,
 * each over its own 20 Mbit/s link of 200 ms with a loss every 100 or so
 * (holes hold packets), 120 messages of 256 KiB each: the first takes up
 * to half the budget alone, then its grants shrink to a fair share. What
 * an ACK granted a round trip before the budget filled still arrives, and
 * is stored (udt_rcvbuf_granted): before, each receiver refused 1,350-1,500
 * packets, which reached its sender as loss (done at 28.1 and 30.4 s; now
 * 24.2 and 27.0 s).
 */
static void test_two_flows_budget(void)
{
	static uint8_t data[256 << 10];
	const int msgs = 120;
	struct udt_rxmem mem = { .max = 2u << 20 };
	struct world *w[2];
	struct udt_stats st;
	uint64_t t0, refused;
	double done_s[2] = { -1, -1 };
	int k, i, queued[2] = { 0, 0 };

	for (k = 0; k < 2; k++) {
		w[k] = world_new();
		T_ASSERT(w[k]);
		if (!w[k])
			return;
		w[k]->ccfg.cc = w[k]->scfg.cc = "lossy";
		w[k]->scfg.rx_mem = &mem;
		w[k]->scfg.max_msg_bytes = sizeof(data);
		world_link(w[k], 100000000, 20000000);
		w[k]->ab.drop = sim_drop_every;
		w[k]->ab.drop_arg = (void *)(uintptr_t)(97 + 4 * k);
	}
	t0 = w[0]->now;
	w[1]->now = t0;
	while ((done_s[0] < 0 || done_s[1] < 0) && w[0]->now < t0 + 120000000000ull) {
		for (k = 0; k < 2; k++) {
			if (!w[k]->cl.c && w[k]->now >= t0 + (uint64_t)k * 3000000000ull)
				w[k]->cl.c = udt_conn_connect(&w[k]->ccfg, &cbs, &w[k]->cl,
							      61 + (uint32_t)k, 900 + (uint32_t)k,
							      NULL, w[k]->now);
			if (w[k]->cl.c && !queued[k] &&
			    udt_conn_state(w[k]->cl.c) == UDT_ST_CONNECTED) {
				for (i = 0; i < msgs; i++) {
					uint32_t no;

					if (udt_conn_send_msg(w[k]->cl.c, data, sizeof(data), -1, 0,
							      0, NULL, &no, w[k]->now))
						break;
				}
				T_EQ(i, msgs);
				queued[k] = 1;
			}
			if (w[k]->cl.c)
				run_for(w[k], 1000000);
			else
				w[k]->now += 1000000;
			if (done_s[k] < 0 && w[k]->cl.acked == msgs)
				done_s[k] = (double)(w[k]->now - t0) / 1e9;
		}
	}
	for (k = 0; k < 2; k++) {
		T_ASSERT(w[k]->sv.c);
		if (!w[k]->sv.c)
			break;
		udt_conn_get_stats(w[k]->sv.c, &st);
		refused = st.pkts_no_mem;
		udt_conn_get_stats(w[k]->cl.c, &st);
		printf("  flow %d: %d of %d messages acked at %.2f s, %llu packets refused, %llu "
		       "resent\n",
		       k, w[k]->cl.acked, msgs, done_s[k], (unsigned long long)refused,
		       (unsigned long long)st.pkts_retrans);
		T_EQ(w[k]->cl.acked, msgs);
		T_EQ(w[k]->sv.msgs, msgs);
		T_EQU(refused, 0);
	}
	printf("  budget %zu B: peak %zu B\n", mem.max, mem.peak);
	T_ASSERT(mem.peak <= mem.max);
	for (k = 0; k < 2; k++)
		world_free(w[k]);
	T_EQU(mem.used, 0);
}

/* A message longer than the receiver's maximum breaks the connection. */
static void test_too_long_breaks(void)
{
	static uint8_t data[100000];
	struct udt_rxmem mem = { .max = 1 << 30 };
	struct world *w = world_new();
	uint32_t no;

	T_ASSERT(w);
	w->scfg.rx_mem = &mem;
	w->scfg.max_msg_bytes = 20000;
	w->cl.c = udt_conn_connect(&w->ccfg, &cbs, &w->cl, 57, 7, NULL, w->now);
	run_for(w, 200000000);
	T_ASSERT(w->sv.c);
	T_EQ(udt_conn_send_msg(w->cl.c, data, 20000, -1, 0, 0, NULL, &no, w->now), 0);
	T_EQ(udt_conn_send_msg(w->cl.c, data, sizeof(data), -1, 0, 0, NULL, &no, w->now), 0);
	run_for(w, 2000000000ull);
	T_EQ(w->sv.msgs, 1);
	T_EQ(udt_conn_state(w->sv.c), UDT_ST_BROKEN);
	T_EQ(udt_conn_error(w->sv.c), -EMSGSIZE);
	T_EQU(mem.too_long, 1);
	/* what the broken window held is given back when it is freed */
	udt_conn_free(w->sv.c);
	w->sv.c = NULL;
	T_EQU(mem.used, 0);
	world_free(w);
}

int main(void)
{
	T_RUN(test_endless_message);
	T_RUN(test_endless_message_behind_hole);
	T_RUN(test_window_limit);
	T_RUN(test_shared_budget);
	T_RUN(test_head_hole_over_share);
	T_RUN(test_granted_stored);
	T_RUN(test_transfer_under_budget);
	T_RUN(test_transfer_under_conn_limit);
	T_RUN(test_transfer_after_squeeze);
	T_RUN(test_too_long_breaks);
	T_RUN(test_transfer_flow_share);
	T_RUN(test_first_window);
	T_RUN(test_two_flows_budget);
	return t_done();
}
