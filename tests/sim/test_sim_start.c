// SPDX-License-Identifier: MIT
/*
 * test_sim_start.c - the start of a bulk transfer over a 600 ms, 50 Mbit/s
 * link (issue 12's goals), in simulated time with "lossy":
 *
 *   - the receiver gets 90 % of the link's packet rate (over 300 ms) within
 *     3 round trips of the first data packet, at 0, 1 and 3 % loss;
 *   - on a clean link the first 1 MiB message is acknowledged within 2
 *     round trips plus its serialization at the link's payload rate (with
 *     loss, a lost packet of it costs a repair round trip more: printed);
 *   - 100 MB (10^8 bytes) over the clean link, from connected to the last
 *     acknowledgement: the issue asks for 17 s, but here the bytes alone take
 *     16.48 s at what the link carries (1456 payload bytes per 1500 on the
 *     wire), and the last acknowledgement comes a round trip after the last
 *     packet left, 17.08 s with no start at all. The bound is the bytes plus
 *     2 round trips (the last acknowledgement, the start): 17.68 s.
 */
#include "tests/sim/sim_xfer.h"
#include "tests/t.h"

static struct sim_scenario sc[SIM_MATRIX_N];

/* matrix rows at 600 ms: no loss, 1 %, 3 % */
static const unsigned int rows[3] = { 8, 9, 10 };
static unsigned int cur;

static void test_start(void)
{
	struct sim_scenario s = sc[rows[cur]];
	double rtt_s = (double)s.rtt_ms / 1000;
	double ser_s = (double)(1 << 20) * 8 / (sim_capacity_mbps(&s) * 1e6);
	struct sim_result r;

	s.bytes = 32u << 20;
	T_EQ(sim_run(&s, &r), 0);
	sim_print(&s, &r);
	printf("       bounds: 90 %% within %.2f s; first message within %.2f s (clean link)\n",
	       3 * rtt_s, 2 * rtt_s + ser_s);
	T_ASSERT(r.complete);
	T_EQ(r.bad, 0);
	T_ASSERT(r.t90_s > 0 && r.t90_s <= 3 * rtt_s);
	T_ASSERT(r.t_first_msg_s > 0);
	if (s.loss == 0)
		T_ASSERT(r.t_first_msg_s <= 2 * rtt_s + ser_s);
}

static void test_100mb(void)
{
	struct sim_scenario s = sc[8];
	struct sim_result r;

	s.name = "rtt 600 ms, no loss, 10^8 bytes";
	s.bytes = 100000000;
	T_EQ(sim_run(&s, &r), 0);
	sim_print(&s, &r);
	printf("       bound %.2f s\n", sim_bound_s(&s, 100, 2, 0));
	T_ASSERT(r.complete);
	T_EQ(r.bad, 0);
	T_EQ(r.delivered, r.msgs);
	T_ASSERT(r.sim_s <= sim_bound_s(&s, 100, 2, 0));
}

int main(void)
{
	sim_matrix(sc, "lossy", 0);
	for (cur = 0; cur < 3; cur++)
		if (sim_selected(cur))
			T_RUN(test_start);
	if (sim_selected(3))
		T_RUN(test_100mb);
	return t_done();
}
