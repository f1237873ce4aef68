// SPDX-License-Identifier: MIT
/*
 * test_sim_rerepair.c - lost repairs asked for again (conn_out.c, LOST
 * REPAIRS) in whole transfers: 50 MB in 1 MiB messages over 50 Mbit/s at
 * 600 ms with 1, 3 and 5 % random loss and 1 % in bursts, a 64-byte message
 * every 25 ms beside the bulk (sim_xfer.h probes). At p % loss about p % of
 * the resends are lost again; each such hole is asked for again once packets
 * sent after its repair arrive. The figures per run: packets lost, resent,
 * duplicates the receiver got (resends it did not need: from these
 * re-reports, tail-loss probes, small messages sent twice), holes asked for
 * again this way, and the small messages' delivery. Bounds: everything
 * arrives once; the receiver's duplicates stay under a tenth of the losses
 * (each hole is asked for again at most once per report, so a wrong guess
 * costs one packet, never a burst).
 */
#include <stdlib.h>
#include <string.h>

#include "tests/sim/sim_xfer.h"
#include "tests/t.h"

static const struct {
	double loss;
	int bursty;
} cases[] = { { 0.01, 0 }, { 0.03, 0 }, { 0.05, 0 }, { 0.01, 1 } };
static unsigned int cur;

static uint64_t seed_or(uint64_t seed)
{
	return getenv("SIM_SEED") ? strtoull(getenv("SIM_SEED"), NULL, 10) : seed;
}

static void test_rerepair(void)
{
	struct sim_scenario s;
	struct sim_result r;
	char name[96];

	snprintf(name, sizeof(name), "rtt 600 ms, %s%.0f %%, 64 B every 25 ms",
		 cases[cur].bursty ? "bursty " : "", cases[cur].loss * 100);
	sim_bulk(&s, name, 600, cases[cur].loss, seed_or(301 + cur));
	s.bytes = 50u << 20;
	s.bursty = cases[cur].bursty;
	s.probe_every_ms = getenv("SIM_PROBES") ? strtoull(getenv("SIM_PROBES"), NULL, 10) : 25;
	s.probe_size = 64;
	T_EQ(sim_run(&s, &r), 0);
	sim_print(&s, &r);
	printf("       resent %llu for %llu lost; receiver: duplicates %llu, asked again after a "
	       "lost repair %llu, overtaken %llu, NAKs %llu; small messages delivered p50 %.0f "
	       "ms, p99 %.0f ms (%u)\n",
	       (unsigned long long)r.snd.pkts_retrans, (unsigned long long)r.data_lost,
	       (unsigned long long)r.rcv.pkts_dup, (unsigned long long)r.rcv.naks_redo,
	       (unsigned long long)r.rcv.naks_overtaken, (unsigned long long)r.rcv.naks_sent,
	       r.deliv_p50_ms, r.deliv_p99_ms, r.probes_delivered);
	printf("       sender: tail probes %llu, probes %llu, timeouts %llu, sent twice %llu\n",
	       (unsigned long long)r.snd.tail_probes, (unsigned long long)r.snd.probes,
	       (unsigned long long)r.snd.timeouts, (unsigned long long)r.snd.dup_tails);
	T_ASSERT(r.complete);
	T_EQ(r.bad, 0);
	T_EQ(r.delivered, r.msgs);
	T_ASSERT(r.rcv.naks_redo * 10 <= r.data_lost);
}

/*
 * A stream alone on its connection, the demo's: a message of 5 packets
 * (more than a small message: no copies) every 10 ms for 60 s at 600 ms
 * and 3 or 5 % loss, about 150 packets lost twice. Each is delivered 2.5
 * round trips after it was sent plus the margin; the figures: the
 * messages' delivery (p99, max), holes asked for again, duplicates.
 */
static void test_stream(void)
{
	static const double loss[] = { 0.03, 0.05 };
	struct sim_scenario s;
	struct sim_result r;
	char name[96];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "rtt 600 ms, %.0f %%, 7 KB every 10 ms alone",
			 loss[i] * 100);
		memset(&s, 0, sizeof(s));
		s.name = name;
		s.cc = getenv("SIM_CC") ? getenv("SIM_CC") : "lossy";
		s.rtt_ms = 600;
		s.rate_bps = 50000000;
		s.loss = loss[i];
		s.msg_size = 1 << 20;
		s.sparse_s = 60;
		s.sparse_every_ms = 10;
		s.sparse_size = 5 * 1456;
		s.limit_s = 120;
		s.seed = seed_or(311 + i);
		T_EQ(sim_run(&s, &r), 0);
		sim_print(&s, &r);
		printf("       delivered: p50 %.0f ms, p99 %.0f ms, max %.0f ms (the first %u); "
		       "resent %llu for %llu lost, duplicates %llu, asked again after a lost "
		       "repair %llu, overtaken %llu\n",
		       r.sparse_p50_ms, r.sparse_p99_ms, r.sparse_max_ms, SIM_MAX_PROBES,
		       (unsigned long long)r.snd.pkts_retrans, (unsigned long long)r.data_lost,
		       (unsigned long long)r.rcv.pkts_dup, (unsigned long long)r.rcv.naks_redo,
		       (unsigned long long)r.rcv.naks_overtaken);
		T_ASSERT(r.complete);
		T_EQ(r.bad, 0);
		T_EQ(r.delivered, r.msgs);
	}
}

int main(void)
{
	for (cur = 0; cur < sizeof(cases) / sizeof(cases[0]); cur++)
		if (sim_selected(cur))
			T_RUN(test_rerepair);
	if (sim_selected(10))
		T_RUN(test_stream);
	return t_done();
}
