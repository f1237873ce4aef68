// SPDX-License-Identifier: MIT
/*
 * test_sim_goals.c - issue 12's throughput goals for the "lossy" congestion
 * control, in simulated time (sim_xfer.h): 300 MiB in 1 MiB messages over
 * 50 Mbit/s each way, a drop-tail queue of max(RTT, 20 ms), loss on both
 * directions; about a minute of transfer, as the benchmark runs
 * (scripts/bench-link, 60 s at 600 ms). Goodput is the payload over the
 * time from connected to the last completion, start and last repairs
 * included, in Mbit/s as the goals are:
 *
 *   heavy loss: >= 44 at 600 ms / 3 % and at 200 ms / 3 %, >= 42 at 600 ms
 *     / 5 %, >= 44 at 600 ms with 1 % in Gilbert-Elliott bursts of 5;
 *   light loss: >= 47.5 at 600 ms / 0 %, >= 46.5 at 600 ms / 1 %.
 *
 * Every byte checked, one completion per message. The 600 ms / 1 % goal
 * held on 6 of 8 draws at da847e4 (SIM_SEED=0..7: 46.36-46.76; 1 of 5 before
 * the capacity was believed from NAKs and STARTUP's last round trip
 * drained), on 5 of 8 at 40e453d (46.17-46.80), the test's among them: the
 * misses are dips in the cruise and the last holes' repairs (doc/udt-cc.md,
 * "Where the minute goes at 600 ms"); 600 ms / 3 % on 7 of 8 (43.89-45.41)
 * at da847e4.
 */
#include <stdlib.h>

#include "tests/sim/sim_xfer.h"
#include "tests/t.h"

static const struct {
	const char *name;
	uint64_t rtt_ms;
	double loss;
	uint32_t burst; /* Gilbert-Elliott, mean burst (0: Bernoulli) */
	double goal;	/* Mbit/s */
	int asserted;
} cases[] = {
	{ "rtt 600 ms, loss 3 %", 600, 0.03, 0, 44, 1 },
	{ "rtt 200 ms, loss 3 %", 200, 0.03, 0, 44, 1 },
	{ "rtt 600 ms, loss 5 %", 600, 0.05, 0, 42, 1 },
	{ "rtt 600 ms, 1 % in bursts of 5", 600, 0.01, 5, 44, 1 },
	{ "rtt 600 ms, no loss", 600, 0, 0, 47.5, 1 },
	{ "rtt 600 ms, loss 1 %", 600, 0.01, 0, 46.5, 1 },
};
static unsigned int cur;

static void test_goal(void)
{
	struct sim_scenario s;
	struct sim_result r;

	memset(&s, 0, sizeof(s));
	s.name = cases[cur].name;
	s.cc = getenv("SIM_CC") ? getenv("SIM_CC") : "lossy";
	s.rtt_ms = cases[cur].rtt_ms;
	s.rate_bps = 50000000;
	s.loss = cases[cur].loss;
	s.bursty = cases[cur].burst > 0;
	s.burst_pkts = cases[cur].burst;
	s.bytes = 300u << 20;
	s.msg_size = 1 << 20;
	s.limit_s = 600;
	/* SIM_SEED=n (experiments): another draw of the loss (seed + 100 n) */
	s.seed = 21 + cur + (getenv("SIM_SEED") ? 100 * strtoull(getenv("SIM_SEED"), NULL, 10) : 0);
	T_EQ(sim_run(&s, &r), 0);
	sim_print(&s, &r);
	printf("       goal >= %.1f Mbit/s: %s\n", cases[cur].goal,
	       !cases[cur].asserted		   ? "printed, not asserted (open)"
	       : r.goodput_mbps >= cases[cur].goal ? "met"
						   : "MISSED");
	T_ASSERT(r.complete);
	T_EQ(r.bad, 0);
	T_EQ(r.dropped, 0);
	T_EQ(r.acked, r.msgs);
	T_EQ(r.delivered, r.msgs);
	if (cases[cur].asserted)
		T_ASSERT(r.goodput_mbps >= cases[cur].goal);
}

int main(void)
{
	for (cur = 0; cur < sizeof(cases) / sizeof(cases[0]); cur++)
		if (sim_selected(cur))
			T_RUN(test_goal);
	return t_done();
}
