// SPDX-License-Identifier: MIT
/*
 * test_sim_busy.c - a busy host is not a congested path. Whole transfers
 * (sim_xfer.h) where the sender's and the receiver's processes are not
 * scheduled for tens of milliseconds at a time (the link itself is as
 * usual: no queue builds there that the sender did not put there):
 * packets reach a stalled side and wait to be read together, its ACKs
 * leave late and bunched, its timers fire late, it sends nothing meanwhile.
 * The congestion control must not read that as a standing queue or as a
 * lower bottleneck rate.
 */
#include <stdlib.h>

#include "tests/sim/sim_xfer.h"
#include "tests/t.h"

struct busy_case {
	const char *name;
	uint64_t rtt_ms;
	double loss;
	int snd, rcv;
	uint64_t every_ms, min_ms, max_ms, jitter_ms;
	size_t bytes;
	double min_pct; /* goodput bound, % of what the link can carry */
};

/*
 * Bounds in % of what the link can carry, each above what the algorithm
 * got before it knew a busy host (in brackets) and below what it gets now.
 */
static const struct busy_case cases[] = {
	/* [71.9] */
	{ "rtt 600 ms, 3 %, both hosts stall 5-30 ms / 60 ms", 600, 0.03, 1, 1, 60, 5, 30, 0,
	  100u << 20, 78 },
	/* [72.3] */
	{ "rtt 200 ms, 1 %, sender stalls 10-50 ms / 100 ms", 200, 0.01, 1, 0, 100, 10, 50, 0,
	  100u << 20, 79 },
	/* [74.0] */
	{ "rtt 5 ms, both hosts stall 10-40 ms / 100 ms, ACK jitter 5 ms", 5, 0, 1, 1, 100, 10, 40,
	  5, 50u << 20, 80 },
	/* [54.8] */
	{ "rtt 5 ms, both stall 5-30 ms / 40 ms, ACK jitter 10 ms", 5, 0, 1, 1, 40, 5, 30, 10,
	  50u << 20, 72 },
	/* [39.9]: each host stalled 58 % of the time */
	{ "rtt 5 ms, both stall 25-45 ms / 60 ms", 5, 0, 1, 1, 60, 25, 45, 0, 50u << 20, 50 },
	/* [58.8] */
	{ "rtt 20 ms, 1 %, both stall 20-40 ms / 80 ms", 20, 0.01, 1, 1, 80, 20, 40, 0, 50u << 20,
	  68 },
};
static unsigned int cur;

static void test_busy(void)
{
	const struct busy_case *c = &cases[cur];
	struct sim_scenario s;
	struct sim_result r;

	memset(&s, 0, sizeof(s));
	s.name = c->name;
	s.cc = getenv("SIM_CC") ? getenv("SIM_CC") : "lossy";
	s.rtt_ms = c->rtt_ms;
	s.rate_bps = 50000000;
	s.loss = c->loss;
	s.bytes = c->bytes;
	s.msg_size = 1 << 20;
	s.limit_s = 600;
	s.seed = 31 + cur;
	s.stall_snd = c->snd;
	s.stall_rcv = c->rcv;
	s.stall_every_ms = c->every_ms;
	s.stall_min_ms = c->min_ms;
	s.stall_max_ms = c->max_ms;
	s.ack_jitter_ms = c->jitter_ms;
	T_EQ(sim_run(&s, &r), 0);
	sim_print(&s, &r);
	printf("       bound: >= %.0f %% of capacity\n", c->min_pct);
	T_ASSERT(r.complete);
	T_EQ(r.bad, 0);
	T_EQ(r.dropped, 0);
	T_EQ(r.delivered, r.msgs);
	T_ASSERT(r.pct >= c->min_pct);
}

/*
 * A real queue still counts on a busy host: from 8 s on, 20 Mbit/s of cross
 * traffic that does not back off takes part of the link, while both hosts
 * stall as in the first case. A sender that kept its rate would keep the
 * bottleneck's queue (one RTT, 600 ms) full and lose packets from it; ours
 * must come down to what is left. The stalls make each run chaotic: with
 * seeds 57-60 the median wait of our packets from 15 s on was 157, 395,
 * 343 and 442 ms at 7504ed6, and 334, 501, 217 and 269 ms with the start of
 * doc/udt-cc.md; so the bound is on the median of the four runs' medians:
 * under 400 ms, two thirds of the buffer. (With pacing allowed to catch up
 * 50 ms after a stall, the receiver's bunched rate reports held the model
 * up and the median wait was 491 ms; before the busy-host changes it was
 * 0 ms, with a third of the link left unused.)
 */
static void test_real_queue(void)
{
	double p50[4], t;
	int i, j;

	for (i = 0; i < 4; i++) {
		struct sim_scenario s;
		struct sim_result r;

		memset(&s, 0, sizeof(s));
		s.name = "rtt 600 ms, 1 %, stalls, 20 Mbit/s cross traffic from 8 s";
		s.cc = getenv("SIM_CC") ? getenv("SIM_CC") : "lossy";
		s.rtt_ms = 600;
		s.rate_bps = 50000000;
		s.loss = 0.01;
		s.bytes = 100u << 20;
		s.msg_size = 1 << 20;
		s.limit_s = 600;
		s.seed = 57 + (uint64_t)i;
		s.stall_snd = s.stall_rcv = 1;
		s.stall_every_ms = 60;
		s.stall_min_ms = 5;
		s.stall_max_ms = 30;
		s.cross_mbps = 20;
		s.cross_at_ms = 8000;
		s.qdelay_from_ms = 15000;
		T_EQ(sim_run(&s, &r), 0);
		sim_print(&s, &r);
		printf("       seed %llu: queueing delay from 15 s: p50 %.0f ms, p95 %.0f ms (%llu "
		       "packets)\n",
		       (unsigned long long)s.seed, r.qdelay_p50_ms, r.qdelay_p95_ms,
		       (unsigned long long)r.qdelay_n);
		T_ASSERT(r.complete);
		T_EQ(r.bad, 0);
		T_EQ(r.delivered, r.msgs);
		T_ASSERT(r.qdelay_n > 1000);
		p50[i] = r.qdelay_p50_ms;
	}
	for (i = 1; i < 4; i++)
		for (j = i; j > 0 && p50[j - 1] > p50[j]; j--) {
			t = p50[j];
			p50[j] = p50[j - 1];
			p50[j - 1] = t;
		}
	printf("       median of the runs' p50: %.0f ms; bound < 400 ms\n", (p50[1] + p50[2]) / 2);
	T_ASSERT((p50[1] + p50[2]) / 2 < 400);
}

int main(void)
{
	for (cur = 0; cur < sizeof(cases) / sizeof(cases[0]); cur++)
		if (sim_selected(cur))
			T_RUN(test_busy);
	if (sim_selected(100))
		T_RUN(test_real_queue);
	return t_done();
}
