/* SPDX-License-Identifier: MIT */
/*
 * The flow share (rcvbuf.h, FLOW SHARE): windows whose packets come through
 * one socket grant their senders together no more than the packets the
 * socket's state allows, split among the windows that receive lately, never
 * less than UDT_RXMEM_FLOW_MIN each; what they may have in flight together
 * follows how full the socket is, with the drops' memory. (Through two
 * engines: test_udt_rcvmem.c, test_transfer_flow_share.)
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proto/udt/rcvbuf.h"
#include "proto/udt/seq.h"
#include "tests/t.h"

#define PL  1456
#define MS  1000000ull
#define SEC 1000000000ull

static int deliver(void *ctx, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	return 0;
}

/* n windows (their epoch marks in seen[]) each receive UDT_RXMEM_FLOW_BUSY packets at t. */
static void seen_all(struct udt_rxmem *m, uint32_t *seen, unsigned int n, uint64_t t)
{
	for (unsigned int i = 0; i < n; i++)
		for (int k = 0; k < UDT_RXMEM_FLOW_BUSY; k++)
			udt_rxmem_flow_seen(m, &seen[i], t);
}

/* 1,000 packets for 10 windows: 100 each, whatever the window could take. */
static void test_split(void)
{
	struct udt_rxmem m = { .max = 1u << 30 };
	struct udt_rcvbuf rb;
	uint32_t seen[10] = { 0 }, seq = 0xfffffff0u;

	udt_rxmem_flow_init(&m, 1000);
	T_EQ(udt_rcvbuf_init(&rb, 4096, PL, 0, seq, deliver, NULL), 0);
	udt_rcvbuf_set_limits(&rb, &m, 0, 0);
	/* one window alone: all that the socket holds */
	seen_all(&m, seen, 1, SEC);
	T_EQU(m.flows, 1);
	T_EQU(udt_rcvbuf_avail(&rb, seq), 1000);
	/* a packet again in the same epoch counts once */
	seen_all(&m, seen, 1, SEC + MS);
	T_EQU(m.flows, 1);
	seen_all(&m, seen, 10, SEC + 2 * MS);
	T_EQU(m.flows, 10);
	T_EQU(udt_rxmem_flow_share(&m), 100);
	T_EQU(udt_rcvbuf_avail(&rb, seq), 100);
	T_EQU(m.flow_cuts, 2);
	/* less than the share is left of the window: that is what it grants */
	T_EQU(udt_rcvbuf_avail(&rb, udt_seq_add(seq, 4096 - 51)), 50);
	T_EQU(m.flow_cuts, 2);
	udt_rcvbuf_fini(&rb);
}

/* So many windows that the share is less than the floor: the floor. */
static void test_floor(void)
{
	static uint32_t seen[5000];
	struct udt_rxmem m = { .max = 1u << 30 };

	udt_rxmem_flow_init(&m, 10000);
	seen_all(&m, seen, 5000, SEC);
	T_EQU(m.flows, 5000);
	T_EQU(udt_rxmem_flow_share(&m), UDT_RXMEM_FLOW_MIN);
}

/* No socket said what it holds (flow_sock 0): no share, nothing counted. */
static void test_off(void)
{
	struct udt_rxmem m = { .max = 1u << 30 };
	struct udt_rcvbuf rb;
	uint32_t seen = 0;

	T_EQ(udt_rcvbuf_init(&rb, 256, PL, 0, 7, deliver, NULL), 0);
	udt_rcvbuf_set_limits(&rb, &m, 0, 0);
	udt_rxmem_flow_seen(&m, &seen, SEC);
	T_EQU(m.flows, 0);
	T_EQU(udt_rxmem_flow_share(&m), 0);
	T_EQU(udt_rcvbuf_avail(&rb, 7), 255);
	T_EQ(udt_rxmem_flow_due(&m, SEC), 0);
	udt_rcvbuf_fini(&rb);
}

/*
 * A window counts once it received a 256th of what the busiest received in
 * the epoch before (at most UDT_RXMEM_FLOW_BUSY packets): a ping beside a
 * long flow of 4,000 packets an epoch (bench-link's, on its own connection:
 * a packet or two a round trip) takes no half of the long flow's share; 100 senders slowed to 3
 * packets an epoch each all count.
 */
static void test_busy(void)
{
	static const uint64_t E = UDT_RXMEM_FLOW_EPOCH_NS;
	static uint32_t seen[100];
	struct udt_rxmem m = { .max = 1u << 30 };
	uint32_t ping = 0, bulk = 0;
	int e, k;

	udt_rxmem_flow_init(&m, 11184);
	for (e = 0; e < 4; e++) {
		for (k = 0; k < 4000; k++)
			udt_rxmem_flow_seen(&m, &bulk, 10 * SEC + e * E + MS);
		for (k = 0; k < UDT_RXMEM_FLOW_BUSY - 1; k++)
			udt_rxmem_flow_seen(&m, &ping, 10 * SEC + e * E + 2 * MS);
		/* the first epoch has no busiest before it (every window counts), the next remembers it */
		T_EQU(m.flows, (e < 2 ? 2u : 1u));
	}
	T_EQU(udt_rxmem_flow_share(&m), 11184);
	udt_rxmem_flow_seen(&m, &ping, 10 * SEC + 3 * E + 3 * MS);
	T_EQU(m.flows, 2);
	/* later: only slow senders, each of them counts */
	for (e = 0; e < 4; e++)
		for (unsigned int i = 0; i < 100; i++)
			for (k = 0; k < 3; k++)
				udt_rxmem_flow_seen(&m, &seen[i], 20 * SEC + e * E + MS);
	T_EQU(m.flows, 100);
}

/*
 * A new window's first grant (what its listener sends behind the handshake):
 * 0 without a share, its share counting itself from its handshake, the
 * floor among many; 0 where the window itself is less than the share (the
 * handshake said that much already).
 */
static void test_first_window(void)
{
	static uint32_t seen[2000];
	struct udt_rxmem m = { .max = 1u << 30 };
	struct udt_rcvbuf rb, small;

	T_EQ(udt_rcvbuf_init(&rb, 4096, PL, 0, 5, deliver, NULL), 0);
	T_EQ(udt_rcvbuf_init(&small, 32, PL, 0, 9, deliver, NULL), 0);
	udt_rcvbuf_set_limits(&rb, &m, 0, 0);
	udt_rcvbuf_set_limits(&small, &m, 0, 0);
	T_EQU(udt_rcvbuf_first_window(&rb), 0);
	udt_rxmem_flow_init(&m, 1000);
	seen_all(&m, seen, 3, SEC);
	/* the new one counts from its handshake: 1,000 over 4 */
	udt_rxmem_flow_new(&m, &seen[3], SEC + MS);
	T_EQU(m.flows, 4);
	T_EQU(udt_rcvbuf_first_window(&rb), 250);
	T_EQU(udt_rcvbuf_first_window(&small), 0);
	seen_all(&m, seen, 2000, SEC + 2 * MS);
	T_EQU(udt_rcvbuf_first_window(&rb), UDT_RXMEM_FLOW_MIN);
	/* a socket that keeps up, and the share lifted: nothing to send */
	m.flow_pkts = UDT_RXMEM_FLOW_OFF;
	T_EQU(udt_rcvbuf_first_window(&rb), 0);
	udt_rcvbuf_fini(&rb);
	udt_rcvbuf_fini(&small);
}

/*
 * Windows count while they received in this epoch or the one before: ten
 * busy, then three; the seven that stopped are forgotten after a whole
 * epoch without them, and all of them after a silence.
 */
static void test_epochs(void)
{
	static const uint64_t E = UDT_RXMEM_FLOW_EPOCH_NS;
	struct udt_rxmem m = { .max = 1u << 30 };
	uint32_t seen[10] = { 0 };

	udt_rxmem_flow_init(&m, 1000);
	seen_all(&m, seen, 10, SEC);
	seen_all(&m, seen, 3, SEC + E + MS);
	T_EQU(m.flows, 10);
	seen_all(&m, seen, 3, SEC + 2 * E + 2 * MS);
	T_EQU(m.flows, 3);
	T_EQU(udt_rxmem_flow_share(&m), 333);
	/* a window alone after a silence of several epochs */
	seen_all(&m, seen, 1, SEC + 10 * E);
	T_EQU(m.flows, 1);
}

/* A fill of used out of 1000 bytes at t, a sender that used its share before it. */
static void fill(struct udt_rxmem *m, uint64_t used, int dropped, uint64_t t)
{
	m->flow_held++;
	T_ASSERT(udt_rxmem_flow_due(m, t));
	udt_rxmem_flow_fill(m, used, 1000, dropped, t);
	T_ASSERT(!udt_rxmem_flow_due(m, t + UDT_RXMEM_FLOW_FILL_NS - 1));
}

/*
 * What all may have in flight: the socket's worth at first; up by a quarter
 * at most every UDT_RXMEM_FLOW_UP_NS if the socket stayed under a quarter
 * full that long and a sender used its share meanwhile; held between a quarter and half; down by a quarter, to the socket's
 * worth, over half or on a drop; after a drop, not above what it went down
 * to for UDT_RXMEM_FLOW_DROP_NS; unlimited past UDT_RXMEM_FLOW_CEIL times
 * the socket, until the socket fills again.
 */
static void test_fill(void)
{
	static const uint64_t F = UDT_RXMEM_FLOW_FILL_NS, U = UDT_RXMEM_FLOW_UP_NS;
	struct udt_rxmem m = { .max = 1u << 30 };
	uint64_t t = SEC, drop_t;
	uint32_t at_drop;
	int i;

	udt_rxmem_flow_init(&m, 1000);
	T_EQU(m.flow_pkts, 1000);
	fill(&m, 600, 0, t);
	T_EQU(m.flow_pkts, 1000); /* never below the socket's worth */
	fill(&m, 200, 0, t += U);
	T_EQU(m.flow_pkts, 1250);
	fill(&m, 200, 0, t += F);
	T_EQU(m.flow_pkts, 1250); /* once per UDT_RXMEM_FLOW_UP_NS */
	fill(&m, 400, 0, t += U);
	T_EQU(m.flow_pkts, 1250); /* between a quarter and half: held */
	fill(&m, 0, 0, t += F);
	T_EQU(m.flow_pkts, 1250); /* the fullest of the last UDT_RXMEM_FLOW_UP_NS decides */
	fill(&m, 0, 0, t += U / 2);
	fill(&m, 300, 0, t += U / 2);
	T_EQU(m.flow_pkts, 1250); /* ... and went over a quarter */
	fill(&m, 0, 0, t += U);
	T_EQU(m.flow_pkts, 1562);
	/* room to spare, but no window held back: no more */
	udt_rxmem_flow_fill(&m, 0, 1000, 0, t += U);
	T_EQU(m.flow_pkts, 1562);
	fill(&m, 0, 1, t += F);
	T_EQU(m.flow_pkts, 1562 - 1562 / 4);
	at_drop = m.flow_pkts;
	drop_t = t;
	/* calm again: it may come back up to the drop's level, not past it */
	for (i = 0; i < 15; i++)
		fill(&m, 0, 0, t += U);
	T_ASSERT(t < drop_t + UDT_RXMEM_FLOW_DROP_NS);
	T_EQU(m.flow_pkts, at_drop);
	/* then on up, and past the ceiling: unlimited */
	t = drop_t + UDT_RXMEM_FLOW_DROP_NS;
	for (i = 0; i < 100 && m.flow_pkts != UDT_RXMEM_FLOW_OFF; i++)
		fill(&m, 0, 0, t += U);
	T_EQU(m.flow_pkts, UDT_RXMEM_FLOW_OFF);
	T_EQU(udt_rxmem_flow_share(&m), 0);
	/* full again: twice the socket's worth to start from, then down */
	fill(&m, 900, 0, t += F);
	T_EQU(m.flow_pkts, 2000);
	fill(&m, 900, 0, t += F);
	T_EQU(m.flow_pkts, 1500);
	printf("  %llu times down\n", (unsigned long long)m.flow_downs);
	T_EQU(m.flow_downs, 4);
}

/*
 * A window that comes for the first time holds the total where it is for
 * an epoch (connections arriving by the hundred send their first flights
 * into what the others hold); one that comes back after a pause (a ping
 * every 600 ms, which misses an epoch now and then) does not.
 */
static void test_new_windows(void)
{
	static const uint64_t E = UDT_RXMEM_FLOW_EPOCH_NS, U = UDT_RXMEM_FLOW_UP_NS;
	struct udt_rxmem m = { .max = 1u << 30 };
	uint32_t seen[2] = { 0 };
	uint64_t t = 10 * SEC;

	udt_rxmem_flow_init(&m, 1000);
	seen_all(&m, seen, 2, t);
	fill(&m, 0, 0, t += E / 2);
	T_EQU(m.flow_pkts, 1000);
	fill(&m, 0, 0, t += U);
	T_EQU(m.flow_pkts, 1250);
	/* the second one pauses two epochs and comes back: not new */
	udt_rxmem_flow_seen(&m, &seen[0], t + E);
	udt_rxmem_flow_seen(&m, &seen[0], t + 2 * E);
	udt_rxmem_flow_seen(&m, &seen[1], t + 3 * E);
	fill(&m, 0, 0, t += 3 * E + MS);
	T_EQU(m.flow_pkts, 1562);
}

/*
 * One sender on a simulated path (1 ms steps) to a window of 2^20
 * packets whose share is 1,000 (one socket of 1,000 packets, the only
 * window on it): the receiver grants at an ACK every 10 ms while its ACK
 * point moves (and once a round trip while it stands), the grant reaches
 * the sender half a round trip later, and the sender keeps below the edge
 * (ACK point + grant), rate packets a ms at most. Every loss_every-th
 * packet arrives late by lost_ms (lost, and resent); the packet at stall
 * (if any) by stall_ms (its resending lost too). The socket is never full.
 */
struct path {
	uint64_t rtt_ms, lost_ms, stall_ms;
	uint32_t rate, loss_every, stall;
	/* results */
	uint32_t sent, most_ahead; /* packets sent; most beyond the ACK point */
};

#define PATH_PKTS 110000

static void run_path(struct udt_rxmem *m, struct path *p, uint64_t from_ms, uint64_t to_ms)
{
	static uint64_t arrive[PATH_PKTS];
	static uint8_t got[PATH_PKTS];
	static struct {
		uint64_t at;
		uint32_t edge;
	} acks[4096];
	static struct udt_rcvbuf rb;
	static uint32_t seen, limit, ack, top, next, nacks, ack_head, granted, last_ack_ms;
	const uint32_t isn = 0x7ffff000u;
	uint64_t t;

	if (from_ms == 0) {
		memset(got, 0, sizeof(got));
		T_EQ(udt_rcvbuf_init(&rb, 1u << 20, PL, 0, isn, deliver, NULL), 0);
		udt_rcvbuf_set_limits(&rb, m, 0, 0);
		seen = ack = top = next = nacks = ack_head = granted = last_ack_ms = 0;
		limit = 16; /* the sender's first flight */
	}
	for (t = from_ms; t < to_ms; t++) {
		uint32_t i, n;

		/* what arrives at the receiver now (the late ones wait in arrive[]) */
		for (i = ack; i < next; i++)
			if (!got[i] && arrive[i] <= t) {
				got[i] = 1;
				if (i + 1 > top)
					top = i + 1;
				udt_rxmem_flow_seen(m, &seen, (SEC / 1000) * (t + 1000));
			}
		while (ack < next && got[ack])
			ack++;
		if (top - ack > p->most_ahead)
			p->most_ahead = top - ack;
		if (udt_rxmem_flow_due(m, (SEC / 1000) * (t + 1000)))
			udt_rxmem_flow_fill(m, 0, 1000, 0, (SEC / 1000) * (t + 1000));
		if (t % 10 == 0 && (ack != granted || t >= last_ack_ms + p->rtt_ms)) {
			uint32_t g = udt_rcvbuf_grant(&rb, isn + ack, isn + top, p->rtt_ms * MS,
						      (SEC / 1000) * (t + 1000));

			acks[(ack_head + nacks++) % 4096].at = t + p->rtt_ms / 2;
			acks[(ack_head + nacks - 1) % 4096].edge = ack + g;
			granted = ack;
			last_ack_ms = t;
		}
		/* the sender: the grants that reached it, then what it may send */
		while (nacks && acks[ack_head % 4096].at <= t) {
			limit = acks[ack_head % 4096].edge;
			ack_head++;
			nacks--;
		}
		for (n = 0; n < p->rate && next < limit && next < PATH_PKTS; n++, next++) {
			arrive[next] = t + p->rtt_ms / 2;
			if (p->stall && next == p->stall)
				arrive[next] += p->stall_ms;
			else if (p->loss_every && next % p->loss_every == p->loss_every - 1)
				arrive[next] += p->lost_ms;
		}
	}
	p->sent = next;
	if (to_ms == 0)
		udt_rcvbuf_fini(&rb);
}

/*
 * A sender on a 600 ms path whose in flight is 60 % of its share (1,000
 * packets/s) never counts as using it, 60 newer ACKs behind each edge or
 * not, and the total stays; then a hole stalls the ACK point for three
 * round trips (its resending lost too): the sender waits at the edge of
 * the last grant before the stall (no ACK moves the edge meanwhile), and
 * the total grows, a step for each UDT_RXMEM_FLOW_UP_NS it waits.
 */
static void test_long_path_stall(void)
{
	struct udt_rxmem m = { .max = 1u << 30 };
	struct path p = { .rtt_ms = 600, .rate = 1, .stall = 8000, .stall_ms = 1800 };

	udt_rxmem_flow_init(&m, 1000);
	run_path(&m, &p, 0, 8000);
	printf("  before the hole: %u sent, %u beyond the ACK point at most, total %u, %llu held\n",
	       p.sent, p.most_ahead, m.flow_pkts, (unsigned long long)m.flow_held);
	T_ASSERT(m.flow_cuts > 0);
	T_EQU(m.flow_held, 0);
	T_EQU(m.flow_pkts, 1000);
	run_path(&m, &p, 8000, 16000);
	printf("  after it: %u sent, total %u, %llu held, %llu steps up\n", p.sent, m.flow_pkts,
	       (unsigned long long)m.flow_held, (unsigned long long)m.flow_ups);
	T_ASSERT(m.flow_held > 0);
	T_ASSERT(m.flow_pkts > 1000);
	run_path(&m, &p, 16000, 0);
}

/*
 * The regression of 54e3f3e: 600 ms, 4 packets a ms (2,400 in flight), one
 * packet in 100 resent a round trip late, so the ACK point lags a round
 * trip behind what arrived (what came past the holes does not count
 * against the share) and the sender needs 2,400 beyond what arrived, where
 * its share is 1,000. It reaches the edges of the grants of a round trip
 * before while its share holds it (never those of 10 ms before, the last
 * grant's), the total goes up a quarter a step until the share holds it no
 * more (a step at most every UDT_RXMEM_FLOW_UP_NS, each on edges granted
 * after the last), and it sends at its rate.
 */
static void test_long_path_lossy(void)
{
	struct udt_rxmem m = { .max = 1u << 30 };
	struct path p = { .rtt_ms = 600, .rate = 4, .loss_every = 100, .lost_ms = 600 };
	uint32_t at20;

	udt_rxmem_flow_init(&m, 1000);
	run_path(&m, &p, 0, 20000);
	at20 = p.sent;
	printf("  20 s: %u sent, total %u, %llu held, %llu steps up\n", p.sent, m.flow_pkts,
	       (unsigned long long)m.flow_held, (unsigned long long)m.flow_ups);
	/* what it has in flight, not received: 2,400 */
	T_ASSERT(m.flow_pkts >= 2400);
	/* no more than a step past what it needs */
	T_ASSERT(m.flow_pkts <= 8000);
	run_path(&m, &p, 20000, 25000);
	printf("  the next 5 s: %u sent (the rate: %u)\n", p.sent - at20, 5000 * p.rate);
	/* held by its rate, not by the share: 95 % of 4 a ms at least */
	T_ASSERT(p.sent - at20 >= 5000 * p.rate * 95 / 100);
	run_path(&m, &p, 25000, 0);
}

int main(void)
{
	T_RUN(test_split);
	T_RUN(test_floor);
	T_RUN(test_off);
	T_RUN(test_first_window);
	T_RUN(test_epochs);
	T_RUN(test_busy);
	T_RUN(test_fill);
	T_RUN(test_new_windows);
	T_RUN(test_long_path_stall);
	T_RUN(test_long_path_lossy);
	return t_done();
}
