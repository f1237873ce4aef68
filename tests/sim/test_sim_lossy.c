// SPDX-License-Identifier: MIT
/*
 * test_sim_lossy.c - the "lossy" congestion control through the matrix of
 * simulated links (sim_xfer.h): 100 MB in 1 MiB messages over 50 Mbit/s at
 * RTT 1, 200 and 600 ms with no loss, 1 % and 3 % random loss and 1 % in
 * bursts. Every byte checked, one completion per message, and tight bounds:
 *
 *   - the second half of the bytes arrives at >= 90 % of what the link can
 *     carry (>= 80 % at 3 % loss): the steady state, after startup;
 *   - the whole transfer completes within the bytes at that share, plus
 *     5 round trips (handshake, startup, last repairs) plus 1 s (UDT's
 *     300 ms NAK and EXP floors on the last holes).
 *
 * The figures (goodput as % of capacity) go to the log.
 */
#include "tests/sim/sim_xfer.h"
#include "tests/t.h"

static struct sim_scenario sc[SIM_MATRIX_N];
static unsigned int cur;

static void test_scenario(void)
{
	const struct sim_scenario *s = &sc[cur];
	double min_pct = s->loss > 0.02 ? 80 : 90;
	double bound = sim_bound_s(s, min_pct, 5, 1.0);
	struct sim_result r;

	T_EQ(sim_run(s, &r), 0);
	sim_print(s, &r);
	printf("       bound %.2f s, second half >= %.0f %%\n", bound, min_pct);
	T_ASSERT(r.complete);
	T_EQ(r.bad, 0);
	T_EQ(r.dropped, 0);
	T_EQ(r.acked, r.msgs);
	T_EQ(r.delivered, r.msgs);
	T_ASSERT(r.sim_s <= bound);
	T_ASSERT(r.steady_pct >= min_pct);
	/* a link whose rate does not step: the CC never reads a step (test_sim_step) */
	T_EQU(r.snd.link_steps_down, 0);
	T_EQU(r.snd.link_steps_up, 0);
}

/*
 * A satellite fade: 10 s with the link down both ways in the middle of the
 * transfer. Everything still arrives once, and the rate comes back: the
 * bytes at 80 % of capacity plus the fade plus 10 RTTs.
 */
static void test_outage(void)
{
	struct sim_scenario s = sc[9]; /* rtt 600 ms, loss 1 % */
	double bound;
	struct sim_result r;

	s.name = "rtt 600 ms, 1 %, 10 s fade";
	s.bytes = 50u << 20;
	s.outage_at_ms = 4000;
	s.outage_ms = 10000;
	bound = sim_bound_s(&s, 80, 10, 10.0);
	T_EQ(sim_run(&s, &r), 0);
	sim_print(&s, &r);
	printf("       bound %.2f s\n", bound);
	T_ASSERT(r.complete);
	T_EQ(r.bad, 0);
	T_EQ(r.dropped, 0);
	T_EQ(r.delivered, r.msgs);
	T_ASSERT(r.sim_s <= bound);
}

/*
 * A shallow router: a 20 ms queue on a 600 ms path, 300 MiB (about a
 * minute, as the benchmark runs). Issue 12's goal: >= 90 % of the link.
 * A whole-round probe (1.25 x) overflows such a queue; lossy tells its own
 * queue's drops from random loss by the probe's packets losing more than
 * the others, and shortens its probes (cc_lossy_probe.c): 1,619 queue drops
 * here, 5,436 with whole-round probes (93.6 and 93.3 % of the link). Such a
 * probe's losses no longer count as heavy loss where no queue stands
 * (cc_lossy_loss.c): 95.5 % (1,516 drops); the first whole probe had cut
 * the model by 15 % for 10 s.
 */
static void test_shallow_queue(void)
{
	struct sim_scenario s = sc[9]; /* rtt 600 ms, loss 1 % */
	double bound;
	struct sim_result r;

	s.name = "rtt 600 ms, 1 %, 20 ms queue";
	s.queue_ms = 20;
	s.bytes = 300u << 20;
	bound = sim_bound_s(&s, 80, 5, 1.0);
	T_EQ(sim_run(&s, &r), 0);
	sim_print(&s, &r);
	printf("       bounds %.2f s, overall >= 90 %%, second half >= 85 %%, queue drops <= "
	       "3000\n",
	       bound);
	T_ASSERT(r.complete);
	T_EQ(r.bad, 0);
	T_EQ(r.dropped, 0);
	T_EQ(r.delivered, r.msgs);
	T_ASSERT(r.sim_s <= bound);
	T_ASSERT(r.pct >= 90);
	T_ASSERT(r.steady_pct >= 85);
	T_ASSERT(r.data_qdrops <= 3000);
}

/*
 * Two lossy flows of 50 MiB start together on the same 200 ms, 1 % link.
 * Fairness is not asserted (see doc/udt-cc.md: a late-comer is held back),
 * only that both complete, exactly, and that together they keep the link
 * busy: all the bytes at 70 % of capacity plus 5 RTTs plus 1 s.
 */
static void test_two_flows(void)
{
	struct sim_scenario s = sc[5]; /* rtt 200 ms, loss 1 % */
	struct sim_result r[2];
	double bound;
	int i;

	s.name = "rtt 200 ms, 1 %, 2 flows";
	s.bytes = 50u << 20;
	/* both flows' bytes at 70 %: the bound of twice the bytes */
	s.bytes *= 2;
	bound = sim_bound_s(&s, 70, 5, 1.0);
	s.bytes /= 2;
	T_EQ(sim_run_shared(&s, 2, 0, r), 0);
	for (i = 0; i < 2; i++) {
		sim_print(&s, &r[i]);
		T_ASSERT(r[i].complete);
		T_EQ(r[i].bad, 0);
		T_EQ(r[i].dropped, 0);
		T_EQ(r[i].delivered, r[i].msgs);
		T_ASSERT(r[i].sim_s <= bound);
	}
	printf("       bound %.2f s for both\n", bound);
}

int main(void)
{
	sim_matrix(sc, "lossy", 100u << 20);
	for (cur = 0; cur < SIM_MATRIX_N; cur++)
		if (sim_selected(cur))
			T_RUN(test_scenario);
	if (sim_selected(SIM_MATRIX_N))
		T_RUN(test_outage);
	if (sim_selected(SIM_MATRIX_N + 1))
		T_RUN(test_shallow_queue);
	if (sim_selected(SIM_MATRIX_N + 2))
		T_RUN(test_two_flows);
	return t_done();
}
