// SPDX-License-Identifier: MIT
/*
 * test_sim_outage.c - a satellite fade: the link down both ways for 30 s in
 * the middle of a bulk transfer over 50 Mbit/s at 600 ms, in simulated time
 * with "lossy" (issue 12's goals):
 *
 *   - after the link returns, the receiver gets 90 % of the link's packet
 *     rate within 2 round trips (a 100 ms interval at 90 % that ends by
 *     then, and the next two at 90 % too);
 *   - no data packet is resent more than once into the dead link (sent
 *     there at most twice: before the sender noticed, and one probe);
 *   - everything arrives once, every message completes once.
 */
#include "tests/sim/sim_xfer.h"
#include "tests/t.h"

static struct sim_scenario sc[SIM_MATRIX_N];

static void test_outage(void)
{
	struct sim_scenario s = sc[9]; /* rtt 600 ms, loss 1 % */
	struct sim_result r;

	s.name = "rtt 600 ms, 1 %, 30 s outage";
	s.bytes = 64u << 20;
	s.outage_at_ms = 5000;
	s.outage_ms = 30000;
	T_EQ(sim_run(&s, &r), 0);
	sim_print(&s, &r);
	printf("       after the outage: 90 %% after %.2f s (bound 1.20 s); %llu data packets sent "
	       "into the dead link, one at most %u times (bound 2)\n",
	       r.t90_return_s, (unsigned long long)r.outage_sends, r.outage_max_repeat);
	T_ASSERT(r.complete);
	T_EQ(r.bad, 0);
	T_EQ(r.dropped, 0);
	T_EQ(r.delivered, r.msgs);
	T_ASSERT(r.t90_return_s > 0 && r.t90_return_s <= 1.2);
	T_ASSERT(r.outage_max_repeat <= 2);
}

int main(void)
{
	sim_matrix(sc, "lossy", 0);
	T_RUN(test_outage);
	return t_done();
}
