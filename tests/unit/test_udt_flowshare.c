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

/* n windows (their epoch marks in seen[]) each receive a packet at t. */
static void seen_all(struct udt_rxmem *m, uint32_t *seen, unsigned int n, uint64_t t)
{
	for (unsigned int i = 0; i < n; i++)
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

/* A fill of used out of 1000 bytes at t, a window cut by the share before it. */
static void fill(struct udt_rxmem *m, uint64_t used, int dropped, uint64_t t)
{
	m->flow_cuts++;
	T_ASSERT(udt_rxmem_flow_due(m, t));
	udt_rxmem_flow_fill(m, used, 1000, dropped, t);
	T_ASSERT(!udt_rxmem_flow_due(m, t + UDT_RXMEM_FLOW_FILL_NS - 1));
}

/*
 * What all may have in flight: the socket's worth at first; up by a quarter
 * at most every UDT_RXMEM_FLOW_UP_NS while the socket is under a quarter
 * full and the share cut a window meanwhile; held between a quarter and half; down by a quarter, to the socket's
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
	T_EQU(m.flow_pkts, 1562);
	/* room to spare, but no window held back: no more */
	udt_rxmem_flow_fill(&m, 0, 1000, 0, t += U);
	T_EQU(m.flow_pkts, 1562);
	fill(&m, 0, 1, t += F);
	T_EQU(m.flow_pkts, 1562 - 1562 / 4);
	at_drop = m.flow_pkts;
	drop_t = t;
	/* calm again: it may come back up to the drop's level, not past it */
	for (i = 0; i < 100; i++)
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

int main(void)
{
	T_RUN(test_split);
	T_RUN(test_floor);
	T_RUN(test_off);
	T_RUN(test_epochs);
	T_RUN(test_fill);
	return t_done();
}
