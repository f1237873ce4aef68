// SPDX-License-Identifier: MIT
/*
 * test_sim_fair.c - two lu2k flows on one bottleneck (issue 12's goal: each
 * gets 40-60 %). Two connections of the same algorithm send 100 MB each
 * over one 50 Mbit/s link; from 5 s after the second one started until the
 * first one is done, each one's rate (payload acknowledged) is compared with
 * what the two got together, and together they must keep the link busy
 * (>= 85 % of what it can carry; the figure can pass 100 %: the standing
 * queue at the window's start is acknowledged inside it).
 *
 * Without loss the runs do not depend on the seed. Started together, the
 * flows meet the goal (57 / 43 %), and so does a flow that joins 5 s after
 * the other took the whole link (52 / 48 %; 64 / 36 % before the start of
 * eafdb43): both are asserted. With random loss the shares depend on the
 * seed; one draw each at 600 ms / 1 % is asserted (40-60 %, and the
 * bottleneck queue's median from 5 s after the second flow started at most
 * a third of the RTT): before lossy took RTT samples from NAKs, that seed
 * gave 55 / 45 % with a 287 ms queue started together, 63 / 37 % with a
 * 190 ms queue for the late joiner (doc/udt-cc.md, "Two flows", has six
 * seeds of each, and 200 ms). SIM_FAIR_LOSS (%), SIM_FAIR_SEED and
 * SIM_FAIR_RTT run every case on another link or draw (the queue is then
 * not asserted).
 *
 * At 200 ms the late joiner stayed at 63 / 37 % without loss (70 / 30 % at
 * 1 % with seed 151) until the cycle's random wait and the back-off by share
 * (cc_lossy_round.c, "Two flows"); both are asserted now (52 / 48 %, and
 * 53 / 47 % at 1 %).
 */
#include <stdlib.h>

#include "tests/sim/sim_xfer.h"
#include "tests/t.h"

static const struct {
	const char *name;
	uint64_t rtt_ms;
	double loss;
	uint64_t gap_ms;
	int goal; /* 1: each flow's share is held to 40-60 % */
} cases[] = {
	{ "rtt 600 ms, 2 flows together", 600, 0, 0, 1 },
	{ "rtt 600 ms, the 2nd flow 5 s later", 600, 0, 5000, 1 },
	{ "rtt 600 ms, 1 %, 2 flows together", 600, 0.01, 0, 1 },
	{ "rtt 600 ms, 1 %, the 2nd 5 s later", 600, 0.01, 5000, 1 },
	{ "rtt 200 ms, the 2nd flow 5 s later", 200, 0, 5000, 1 },
	{ "rtt 200 ms, 1 %, the 2nd 5 s later", 200, 0.01, 5000, 1 },
};
static unsigned int cur;

static void test_share(void)
{
	struct sim_scenario s;
	struct sim_result r[2];
	double total, cap;
	int i;

	sim_bulk(&s, cases[cur].name, cases[cur].rtt_ms, cases[cur].loss, 151 + cur);
	s.share_from_ms = 5000;
	s.qdelay_from_ms = cases[cur].gap_ms + 5000;
	/* experiments: another link or draw for every case (not in the suite) */
	if (getenv("SIM_FAIR_LOSS"))
		s.loss = strtod(getenv("SIM_FAIR_LOSS"), NULL) / 100;
	if (getenv("SIM_FAIR_SEED"))
		s.seed = strtoull(getenv("SIM_FAIR_SEED"), NULL, 10);
	if (getenv("SIM_FAIR_RTT"))
		s.rtt_ms = strtoull(getenv("SIM_FAIR_RTT"), NULL, 10);
	T_EQ(sim_run_shared(&s, 2, cases[cur].gap_ms, r), 0);
	cap = sim_capacity_mbps(&s);
	total = r[0].share_mbps + r[1].share_mbps;
	for (i = 0; i < 2; i++)
		sim_print(&s, &r[i]);
	printf("       bottleneck queue from 5 s after the 2nd started: p50 %.0f ms, p95 %.0f ms\n",
	       r[0].qdelay_p50_ms, r[0].qdelay_p95_ms);
	printf("       both running, over %.1f s: %.2f + %.2f Mbit/s = %.0f %% + %.0f %%, together "
	       "%.0f %% of %.2f; bounds: %s, together >= 85 %%\n",
	       r[0].share_s, r[0].share_mbps, r[1].share_mbps, 100 * r[0].share_mbps / total,
	       100 * r[1].share_mbps / total, 100 * total / cap, cap,
	       cases[cur].goal ? "40-60 % each" : "none on the shares (open)");
	for (i = 0; i < 2; i++) {
		T_ASSERT(r[i].complete);
		T_EQ(r[i].bad, 0);
		T_EQ(r[i].delivered, r[i].msgs);
		T_ASSERT(r[i].share_s > 5);
		if (cases[cur].goal)
			T_ASSERT(r[i].share_mbps >= 0.4 * total && r[i].share_mbps <= 0.6 * total);
	}
	T_ASSERT(total >= 0.85 * cap);
	/* the queue both keep (a third of the RTT: 287 and 190 ms before the NAKs' RTT samples) */
	if (cases[cur].loss > 0 && !getenv("SIM_FAIR_RTT"))
		T_ASSERT(r[0].qdelay_p50_ms <= (double)s.rtt_ms / 3);
}

int main(void)
{
	for (cur = 0; cur < sizeof(cases) / sizeof(cases[0]); cur++)
		if (sim_selected(cur))
			T_RUN(test_share);
	return t_done();
}
