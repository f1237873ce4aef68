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
 *   - everything arrives once, every message completes once;
 *   - small messages every second, or a lone one, queued in a fade: all
 *     delivered within 1.5 s (3 s for the lone one) of the link's return.
 */
#include "tests/sim/sim_xfer.h"
#include "tests/t.h"

static struct sim_scenario sc[SIM_MATRIX_N];

/*
 * LNet's small RPCs through a fade: a 64 B message every second, the link
 * down for 30 s. Those queued in it go once the link is back: how long
 * after its return the last of them is delivered.
 */
static void sparse_outage(double loss, uint64_t every_ms, struct sim_result *r)
{
	struct sim_scenario s = sc[9]; /* rtt 600 ms */
	char name[64];

	snprintf(name, sizeof(name), "rtt 600 ms, %.0f %%, 64 B every %llu s, 30 s outage",
		 loss * 100, (unsigned long long)(every_ms / 1000));
	s.name = name;
	s.loss = loss;
	s.bytes = 0;
	s.sparse_s = every_ms < 10000 ? 60 : 120;
	s.sparse_every_ms = every_ms;
	s.sparse_size = 64;
	s.outage_at_ms = every_ms < 10000 ? 20000 : 35000;
	s.outage_ms = 30000;
	T_EQ(sim_run(&s, r), 0);
	sim_print(&s, r);
	printf("       queued in the outage, all delivered %.0f ms after the link's return\n",
	       r->outage_back_ms);
}

static void test_sparse_outage(void)
{
	struct sim_result r;

	/* each new message shows the receiver the holes before it: a NAK round */
	for (int i = 0; i < 2; i++) {
		sparse_outage(i ? 0.01 : 0, 1000, &r);
		T_ASSERT(r.complete);
		T_EQ(r.bad, 0);
		T_ASSERT(r.outage_back_ms >= 0 && r.outage_back_ms <= 1500);
	}
	/*
	 * a lone message: nothing new behind it, its tail probe spent in the
	 * fade; asking keep-alives bring the peer's first word, then the probe
	 * (5.2 s before them; bound: the asking interval and 2 RTTs)
	 */
	for (int i = 0; i < 2; i++) {
		sparse_outage(i ? 0.01 : 0, 40000, &r);
		T_ASSERT(r.complete);
		T_EQ(r.bad, 0);
		T_ASSERT(r.outage_back_ms >= 0 && r.outage_back_ms <= 3000);
	}
}

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
	T_RUN(test_sparse_outage);
	return t_done();
}
