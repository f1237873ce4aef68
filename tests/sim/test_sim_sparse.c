// SPDX-License-Identifier: MIT
/*
 * test_sim_sparse.c - bulk bytes after a sparse prologue, the way LNet uses
 * a connection: for 20 s only pings and RPC requests, then 16 MiB in 1 MiB
 * messages, over 50 Mbit/s at RTT 50 ms and 5 ms. Two prologues:
 *
 *   - one packet (200 bytes) every 500 ms;
 *   - 8 KiB (6 packets) every 100 ms: enough packet pairs for the
 *     receiver's capacity estimate to become real, which lets STARTUP end
 *     on the application's rate (the collapse seen with LNet: 16 MiB
 *     paced at a few dozen packets/s);
 *   - 8 one-packet messages at once every 200 ms (lst's 8 concurrent GETs):
 *     a burst that is not application-limited until its last packet, whose
 *     receiving-rate sample still spans the quiet gaps (seen in VMs: the
 *     REPLY side paced at 4 packets/s).
 *
 * The prologue's rate is the application's, not the path's, and its pairs of
 * small packets measure the link in full packets: the capacity the receiver
 * reports when the bulk starts is at most 1.25 x the link's full packets/s
 * (taken as full packets, 8 x 200 B made it 6 x the link, and the bulk's
 * start overflowed the bottleneck's queue). The bulk bytes
 * must complete within their time at 80 % of capacity plus 10 round trips
 * plus 0.5 s (startup from the initial rate takes a few rounds, the last
 * holes UDT's 300 ms NAK floor).
 */
#include <stdlib.h>

#include "tests/sim/sim_xfer.h"
#include "tests/t.h"

static const struct {
	uint64_t rtt_ms, every_ms;
	size_t size;
	uint32_t burst;
} cases[] = {
	{ 50, 500, 200, 1 }, { 5, 500, 200, 1 },  { 50, 100, 8192, 1 },
	{ 5, 100, 8192, 1 }, { 50, 200, 200, 8 }, { 5, 200, 200, 8 },
};
static unsigned int cur;

static void test_sparse_then_bulk(void)
{
	struct sim_scenario s;
	struct sim_result r;
	char name[64];
	double bound;

	memset(&s, 0, sizeof(s));
	snprintf(name, sizeof(name), "rtt %llu ms, %u x %zu B / %llu ms, bulk",
		 (unsigned long long)cases[cur].rtt_ms, cases[cur].burst, cases[cur].size,
		 (unsigned long long)cases[cur].every_ms);
	s.name = name;
	s.cc = "lossy";
	s.rtt_ms = cases[cur].rtt_ms;
	s.rate_bps = 50000000;
	s.sparse_s = 20;
	s.sparse_every_ms = cases[cur].every_ms;
	s.sparse_size = cases[cur].size;
	s.sparse_burst = cases[cur].burst;
	s.bytes = 16u << 20;
	s.msg_size = 1 << 20;
	s.limit_s = 60;
	s.seed = 7 + cur;
	bound = sim_bound_s(&s, 80, 10, 0.5);
	T_EQ(sim_run(&s, &r), 0);
	sim_print(&s, &r);
	printf("       at the bulk's start: period %.0f us, rcv_rate %d pps, bandwidth %d pps, "
	       "cwnd %.0f, exp %llu\n",
	       r.at_bulk.pkt_snd_period_us, r.at_bulk.rcv_rate_pps, r.at_bulk.bandwidth_pps,
	       r.at_bulk.cwnd, (unsigned long long)r.at_bulk.timeouts);
	printf("       bulk %.1f MB in %.2f s = %.2f Mbit/s = %.1f %% of %.2f; bound %.2f s\n",
	       (double)s.bytes / 1e6, r.bulk_s, r.bulk_mbps, r.bulk_pct, r.capacity_mbps, bound);
	T_ASSERT(r.complete);
	T_EQ(r.bad, 0);
	T_EQ(r.dropped, 0);
	T_EQ(r.acked, r.msgs);
	T_EQ(r.delivered, r.msgs);
	T_ASSERT(r.bulk_s > 0 && r.bulk_s <= bound);
	T_ASSERT(r.at_bulk.bandwidth_pps <= 1.25 * (double)s.rate_bps / 8 / 1500);
}

/*
 * Isolated messages of 64 KiB (45 packets: too many for the CC's copy of
 * small messages) every 2 s over 600 ms / 3 %, nothing between them: a lost
 * last packet has no later one to show its loss, and waited for the
 * silence's probe (RTT + 4 RTTVar + SYN from the last ACK, itself a round
 * trip after the tail left). The tail-loss probe (conn.c) resends it a
 * round trip and a margin after it left: a message whose last packet was
 * lost completes about two round trips after it was queued, not three.
 * Queued to delivered: p99 within 3 round trips (plus serialization) on
 * at least 3 of 5 draws of the loss; the tail probes are counted. One
 * draw's p99 (the 3rd slowest of 300) is a resend lost again or not, and
 * any packet more or less moves every later draw: over 30 draws
 * (SIM_SEED=0..29) it was over the bound on 7 before the repair probe
 * (conn.c), on 4 after (doc/udt-cc.md, "A lost repair at the end").
 */
static void test_isolated_tail(void)
{
	struct sim_scenario s;
	struct sim_result r;
	double bound_ms;
	unsigned int k, within = 0;

	for (k = 0; k < 5; k++) {
		memset(&s, 0, sizeof(s));
		s.name = "rtt 600 ms, 3 %, 64 KiB every 2 s alone";
		s.cc = "lossy";
		s.rtt_ms = 600;
		s.rate_bps = 50000000;
		s.loss = 0.03;
		s.sparse_s = 600;
		s.sparse_every_ms = 2000;
		s.sparse_size = 64 << 10;
		s.msg_size = 1 << 20;
		s.limit_s = 700;
		s.seed = 77 + k + (getenv("SIM_SEED") ? strtoull(getenv("SIM_SEED"), NULL, 10) : 0);
		bound_ms = 3 * (double)s.rtt_ms +
			   (double)s.sparse_size * 8 * 1000 / (double)s.rate_bps;
		T_EQ(sim_run(&s, &r), 0);
		sim_print(&s, &r);
		printf("       queued to delivered: p50 %.0f ms, p99 %.0f ms (bound %.0f), max "
		       "%.0f "
		       "ms; tail probes %llu, silence probes %llu\n",
		       r.sparse_p50_ms, r.sparse_p99_ms, bound_ms, r.sparse_max_ms,
		       (unsigned long long)r.snd.tail_probes, (unsigned long long)r.snd.probes);
		T_ASSERT(r.complete);
		T_EQ(r.bad, 0);
		T_EQ(r.delivered, r.msgs);
		T_ASSERT(r.snd.tail_probes > 0);
		within += r.sparse_p99_ms <= bound_ms;
	}
	printf("       p99 within the bound on %u of 5 draws (at least 3)\n", within);
	T_ASSERT(within >= 3);
}

int main(void)
{
	for (cur = 0; cur < sizeof(cases) / sizeof(cases[0]); cur++)
		if (sim_selected(cur))
			T_RUN(test_sparse_then_bulk);
	if (sim_selected(cur))
		T_RUN(test_isolated_tail);
	return t_done();
}
