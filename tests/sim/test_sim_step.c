// SPDX-License-Identifier: MIT
/*
 * test_sim_step.c - a step in the link's rate in the middle of a bulk
 * transfer, as a satellite modem's adaptive coding and modulation makes
 * when rain fades the signal: 50 Mbit/s, 20 Mbit/s for 20 s, 50 again, at
 * 600 ms (0 and 1 % loss), 200 MB, in simulated time with "lossy":
 *
 *   - the queue the step fills costs at most three round trips of the
 *     excess (30 Mbit/s) in queue drops (a round trip before the sender can
 *     know, two for its cut to show and reach the bottleneck), and from 3 s
 *     into the step on our
 *     packets wait at most 200 ms there at the 95th percentile (of a 600 ms
 *     buffer);
 *   - the receiver gets 90 % of the 20 Mbit/s from 3 s into the step on;
 *   - once the link is back at 50 Mbit/s, 90 % of it within 6 round trips.
 *
 * Before cc_lossy_round.c's LINK_SLOWED and LINK_GREW: 8,528 and 6,364
 * queue drops, a full queue (p95 600 ms), 85.8 % of the step's rate at 0 %,
 * and 21.9 and 17.1 s back to 90 % (the probes' 25 % a cycle).
 *
 * A deeper step, to 5 Mbit/s (test_deep_step): at most four round trips
 * of the excess (45 Mbit/s) in queue drops, the same 200 ms and 90 % in
 * the step, and 90 % of the link within 10 round trips of its return.
 * Before LINK_SLOWED's second test (the receiving rate, cc_lossy_round.c):
 * 41,878 and 22,895 drops, the queue full all the step (p95 601 and 594
 * ms), 0.4 and 5.2 s back.
 *
 * The deep step under two flows that share the link (test_shared_deep_step)
 * is held to its own bounds, below.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tests/sim/sim_xfer.h"
#include "tests/t.h"

static struct sim_scenario sc[SIM_MATRIX_N];
static const unsigned int rows[2] = { 8, 9 }; /* 600 ms: no loss, 1 % */
static unsigned int cur;

/*
 * Where in its probe cycle (8 rounds, 4.8 s at 600 ms) the step finds the
 * sender changes what it costs, by up to half, and which phase is good
 * changes with anything before it (the start, a loss draw). So each step
 * comes at PHASES times spread over a cycle from 15 s into the transfer,
 * and the bounds hold for the median over them; every phase is printed.
 * The suite's run: 4 phases 1.2 s apart; the full one, 8 phases 0.6 s
 * apart (SIM_STEP_PHASES=8 SIM_STEP_PHASE_MS=600, doc/udt-cc.md). (Until
 * session 19 each came at 15 s only: on main then, 15 of 16 phases 200 ms
 * apart failed one bound or more.)
 */
#define PHASES_MAX 32
#define PHASE_0_MS 15000
static int PHASES = 4;	    /* SIM_STEP_PHASES: more or fewer */
static int PHASE_MS = 1200; /* SIM_STEP_PHASE_MS: closer or further apart */

/*
 * 200 MB at 600 ms through a step from 50 Mbit/s to step_bps for 20 s; the
 * queue drops bounded by `rtts` round trips of the excess, the return to
 * 90 % of the link by `back_rtts`.
 */
static void step_in(uint64_t queue_ms, uint64_t step_bps, double rtts, double back_rtts)
{
	struct sim_scenario s = sc[rows[cur]];
	double rtt_s = (double)s.rtt_ms / 1000;
	double excess_pps = (double)(50000000 - step_bps) / 8 / 1500;
	double drops[PHASES_MAX], in_step[PHASES_MAX], back[PHASES_MAX], p95[PHASES_MAX],
		steps[PHASES_MAX];
	struct sim_result r;
	int k;

	s.bytes = 200u << 20;
	s.queue_ms = queue_ms;
	s.step_ms = 20000;
	s.step_bps = step_bps;
	printf("       to %llu Mbit/s%s%.0llu%s: bounds (median) queue drops %.0f, in the step "
	       "90 %%, 90 %% of the link after %.2f s, queue p95 200 ms from 3 s into it\n",
	       (unsigned long long)(step_bps / 1000000), queue_ms ? ", a " : "",
	       (unsigned long long)queue_ms, queue_ms ? " ms queue" : "", rtts * rtt_s * excess_pps,
	       back_rtts * rtt_s);
	for (k = 0; k < PHASES; k++) {
		s.step_at_ms = PHASE_0_MS + (uint64_t)k * PHASE_MS;
		s.qdelay_from_ms = s.step_at_ms + 3000;
		T_EQ(sim_run(&s, &r), 0);
		if (!k)
			sim_print(&s, &r);
		/* what the CC read of the step, as lu2kctl shows it (link_steps_down, _up) */
		printf("       at %5.1f s: queue drops %5llu, in the step %5.1f %%, back after "
		       "%5.2f s, queue p50 %3.0f / p95 %3.0f ms, link steps read %llu down, %llu "
		       "up\n",
		       (double)s.step_at_ms / 1000, (unsigned long long)r.data_qdrops, r.step_pct,
		       r.t90_after_step_s, r.qdelay_p50_ms, r.qdelay_p95_ms,
		       (unsigned long long)r.snd.link_steps_down,
		       (unsigned long long)r.snd.link_steps_up);
		T_ASSERT(r.complete);
		T_EQ(r.bad, 0);
		T_EQ(r.delivered, r.msgs);
		drops[k] = (double)r.data_qdrops;
		in_step[k] = r.step_pct;
		back[k] = r.t90_after_step_s > 0 ? r.t90_after_step_s : 1e9;
		p95[k] = r.qdelay_p95_ms;
		steps[k] = r.snd.link_steps_down >= 1 && r.snd.link_steps_up >= 1;
	}
	printf("       median: queue drops %.0f, in the step %.1f %%, back after %.2f s, queue p95 "
	       "%.0f ms; both steps read in %.0f of %d\n",
	       sim_median(drops, PHASES), sim_median(in_step, PHASES), sim_median(back, PHASES),
	       sim_median(p95, PHASES), sim_median(steps, PHASES) * PHASES, PHASES);
	T_ASSERT(sim_median(drops, PHASES) <= rtts * rtt_s * excess_pps);
	T_ASSERT(sim_median(in_step, PHASES) >= 90);
	T_ASSERT(sim_median(back, PHASES) <= back_rtts * rtt_s);
	T_ASSERT(sim_median(p95, PHASES) <= 200);
	T_ASSERT(sim_median(steps, PHASES) >= 1);
}

static void step_to(uint64_t step_bps, double rtts, double back_rtts)
{
	step_in(0, step_bps, rtts, back_rtts);
}

static void test_step(void)
{
	step_to(20000000, 3, 6);
}

static void test_deep_step(void)
{
	step_to(5000000, 4, 10);
}

/*
 * The deep step through a shallow queue (100 and 20 ms, where the rest of
 * the test has 600): a standing queue never shows past lossy's margin (a
 * quarter of min_rtt, 150 ms), so the arrivals test also fires without one
 * when half of the new packets are lost (ARRIVALS_LOSS_NO_QUEUE). At most
 * six round trips of the excess in drops, 90 % in the step, 90 % of the
 * link within 10 round trips of its return. Before: the model never came
 * down, the sender kept 50 Mbit/s into the 5 for the whole step (73,871
 * and 72,924 drops at 100 ms, 77,807 and 74,207 at 20 ms). (Five round
 * trips held at the one phase tested until session 19; over the cycle the
 * median of 82c53a9 was 13,742 at 100 ms / 0 %.)
 */
static void test_shallow_deep_step(void)
{
	step_in(100, 5000000, 6, 10);
	step_in(20, 5000000, 6, 10);
}

/*
 * And 50 -> 20 behind them: at most six round trips of the excess in drops
 * (the loss share of the last round counts too: over the loss window,
 * which began before the step, it took 5 s to reach half), the rest as in
 * test_step. Before: 11,368 and 14,219 drops at 100 ms, 29,527 and 22,131
 * at 20 ms, where 86.4 % of the step's rate was carried at 1 %.
 */
static void test_shallow_step(void)
{
	step_in(100, 20000000, 6, 6);
	step_in(20, 20000000, 6, 6);
}

/*
 * The deep step under two flows that share the link (started together, 200
 * MB each): from the step's start at most SHARED_RTTS round trips of the
 * excess in queue drops (6 held at the one phase tested until session 19;
 * over the cycle the median of 82c53a9 was 14,376 at 0 % and 17,688 at
 * 1 %: "The queue of a deep step under two flows" in doc/udt-cc.md), 90 % of the step's rate carried by the two, 90 %
 * of the link within 15 round trips of its return, each flow 40-60 % of
 * what the two got while both ran (medians over the phases). Before
 * (c035b48): the link was back at 90 % after 52.6 s (0 %) and 66.5 s (1 %;
 * a flow's model came back by the probes' 25 % a cycle: link_bw was never
 * below LINK_SLOWED of its own share); at 1 % 24,108 drops and shares of
 * 72 / 28 %.
 */
#define SHARED_RTTS 9

static void test_shared_deep_step(void)
{
	struct sim_scenario s = sc[rows[cur]];
	double rtt_s = (double)s.rtt_ms / 1000, total;
	double excess_pps = (double)(50000000 - 5000000) / 8 / 1500;
	double drops[PHASES_MAX], in_step[PHASES_MAX], back[PHASES_MAX], big[PHASES_MAX];
	struct sim_result r[2];
	int i, k;

	s.name = s.loss > 0 ? "rtt 600 ms, 1 %, 2 flows, 50 -> 5 Mbit/s"
			    : "rtt 600 ms, 2 flows, 50 -> 5 Mbit/s";
	s.bytes = 200u << 20;
	s.step_ms = 20000;
	s.step_bps = 5000000;
	s.share_from_ms = 5000;
	printf("       bounds (median): queue drops from the step on %.0f, in the step 90 %%, 90 "
	       "%% of the link after %.2f s, shares 40-60 %%\n",
	       SHARED_RTTS * rtt_s * excess_pps, 15 * rtt_s);
	for (k = 0; k < PHASES; k++) {
		s.step_at_ms = PHASE_0_MS + (uint64_t)k * PHASE_MS;
		s.qdelay_from_ms = s.step_at_ms + 3000;
		T_EQ(sim_run_shared(&s, 2, 0, r), 0);
		if (!k)
			for (i = 0; i < 2; i++)
				sim_print(&s, &r[i]);
		total = r[0].share_mbps + r[1].share_mbps;
		printf("       at %4.1f s together: queue drops from the step on %5llu, in the "
		       "step "
		       "%5.1f %%, back after %5.2f s, queue p50 %3.0f / p95 %3.0f ms; shares %.0f "
		       "/ "
		       "%.0f %%\n",
		       (double)s.step_at_ms / 1000, (unsigned long long)r[0].step_qdrops,
		       r[0].step_all_pct, r[0].t90_all_after_step_s, r[0].qdelay_p50_ms,
		       r[0].qdelay_p95_ms, 100 * r[0].share_mbps / total,
		       100 * r[1].share_mbps / total);
		for (i = 0; i < 2; i++) {
			T_ASSERT(r[i].complete);
			T_EQ(r[i].bad, 0);
			T_EQ(r[i].delivered, r[i].msgs);
		}
		drops[k] = (double)r[0].step_qdrops;
		in_step[k] = r[0].step_all_pct;
		back[k] = r[0].t90_all_after_step_s > 0 ? r[0].t90_all_after_step_s : 1e9;
		big[k] = 100 *
			 (r[0].share_mbps > r[1].share_mbps ? r[0].share_mbps : r[1].share_mbps) /
			 total;
	}
	printf("       median: queue drops %.0f, in the step %.1f %%, back after %.2f s, the "
	       "larger share %.0f %%\n",
	       sim_median(drops, PHASES), sim_median(in_step, PHASES), sim_median(back, PHASES),
	       sim_median(big, PHASES));
	T_ASSERT(sim_median(drops, PHASES) <= SHARED_RTTS * rtt_s * excess_pps);
	T_ASSERT(sim_median(in_step, PHASES) >= 90);
	T_ASSERT(sim_median(back, PHASES) <= 15 * rtt_s);
	T_ASSERT(sim_median(big, PHASES) <= 60);
}

int main(void)
{
	const char *e = getenv("SIM_STEP_PHASES");

	if (e && atoi(e) > 0)
		PHASES = atoi(e) < PHASES_MAX ? atoi(e) : PHASES_MAX;
	e = getenv("SIM_STEP_PHASE_MS");
	if (e && atoi(e) > 0)
		PHASE_MS = atoi(e);
	sim_matrix(sc, "lossy", 0);
	for (cur = 0; cur < 2; cur++)
		if (sim_selected(cur)) {
			T_RUN(test_step);
			T_RUN(test_deep_step);
			T_RUN(test_shallow_deep_step);
			T_RUN(test_shallow_step);
			T_RUN(test_shared_deep_step);
		}
	return t_done();
}
