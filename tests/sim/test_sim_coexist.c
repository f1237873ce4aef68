// SPDX-License-Identifier: MIT
/*
 * test_sim_coexist.c - a lu2k flow beside TCP on one bottleneck (issue 12's
 * goal: beside one TCP CUBIC flow on a clean 200 ms link, lu2k takes at most
 * 60 %). One lossy connection and one TCP flow (tests/sim/sim_tcp.h: CUBIC
 * with HyStart and SACK recovery) send 100 MB each over one 50 Mbit/s link
 * with a drop-tail queue of one RTT; from 5 s after both started until the
 * first is done, each one's rate (payload acknowledged) is compared with
 * what the two got together.
 *
 * The TCP model is checked first on its own: one CUBIC flow fills a clean
 * 200 ms link (>= 75 % over 100 MB, its start included), two CUBIC flows
 * started together share it (40-60 % each), and at
 * 1 % random loss one gets a small share of the link, as CUBIC does.
 *
 * Asserted: the clean 200 ms link, started together and TCP joining 5 s
 * after lu2k. Printed only: 600 ms, and 1 % loss (where lu2k is meant to
 * take more than CUBIC, which collapses on random loss). SIM_CC runs
 * another UDT algorithm, SIM_TCP_CC another TCP ("reno", "bbr") in the
 * cases written for CUBIC.
 *
 * The goal's other half, beside BBR (sim_bbr.c, BBR v1): the model alone
 * fills >= 90 % of the clean 200 ms link from 5 s after its start (STARTUP
 * and DRAIN over) with a mean RTT at most 50 ms above the minimum; beside it lu2k takes at
 * most 60 % (asserted: 200 ms, together and BBR 5 s later, and 600 ms).
 * lu2k's share there is small: 19 % and 22 % at 200 ms, 41 % at 600 ms
 * (BBR v1 keeps two BDPs in flight, a standing queue that lossy backs off
 * from as if it were its own). What was tried to make it fair, and why
 * none of it is in the CC (CUBIC over a longer run, three lossy flows:
 * test_sim_three), is in doc/udt-cc.md, "Beside BBR: a queue we cannot
 * drain". Asserted from below only as a guard against starving further:
 * at least 12 % at 200 ms, 25 % at 600 ms.
 */
#include <stdlib.h>

#include "tests/sim/sim_xfer.h"
#include "tests/t.h"

static const struct {
	const char *name;
	uint64_t rtt_ms;
	double loss;
	unsigned int udt_flows, tcp_flows;
	uint64_t tcp_at_ms, gap_ms; /* the first TCP flow's start; the second's after it */
	int goal;	    /* 1: lu2k's share <= 60 %; 2: TCP alone >= 75 %; 3: TCP flows 40-60 %;
		     4: TCP alone >= 90 % from 5 s, its mean queue <= 50 ms */
	const char *tcp_cc; /* NULL: SIM_TCP_CC or cubic */
	double udt_min;	    /* with goal 1: lu2k's share at least this (0: none) */
} cases[] = {
	{ "rtt 200 ms, cubic alone", 200, 0, 0, 1, 0, 0, 2, NULL, 0 },
	{ "rtt 200 ms, 2 cubic", 200, 0, 0, 2, 0, 0, 3, NULL, 0 },
	{ "rtt 200 ms, 2 cubic, 5 s apart", 200, 0, 0, 2, 0, 5000, 0, NULL, 0 },
	{ "rtt 200 ms, 1 %, cubic alone", 200, 0.01, 0, 1, 0, 0, 0, NULL, 0 },
	{ "rtt 200 ms, lossy + cubic", 200, 0, 1, 1, 0, 0, 1, NULL, 0 },
	{ "rtt 200 ms, cubic 5 s later", 200, 0, 1, 1, 5000, 0, 1, NULL, 0 },
	{ "rtt 600 ms, lossy + cubic", 600, 0, 1, 1, 0, 0, 0, NULL, 0 },
	{ "rtt 200 ms, 1 %, lossy + cubic", 200, 0.01, 1, 1, 0, 0, 0, NULL, 0 },
	{ "rtt 600 ms, 1 %, lossy + cubic", 600, 0.01, 1, 1, 0, 0, 0, NULL, 0 },
	{ "rtt 200 ms, bbr alone", 200, 0, 0, 1, 0, 0, 4, "bbr", 0 },
	{ "rtt 200 ms, lossy + bbr", 200, 0, 1, 1, 0, 0, 1, "bbr", 0.12 },
	{ "rtt 200 ms, bbr 5 s later", 200, 0, 1, 1, 5000, 0, 1, "bbr", 0.12 },
	{ "rtt 600 ms, lossy + bbr", 600, 0, 1, 1, 0, 0, 1, "bbr", 0.25 },
};
static unsigned int cur;

static void test_coexist(void)
{
	struct sim_scenario s;
	struct sim_result r[1];
	struct sim_tcp_result tr[2];
	double total = 0, cap, udt = 0;
	char bound[32];
	unsigned int i, nu = cases[cur].udt_flows, nt = cases[cur].tcp_flows;

	memset(r, 0, sizeof(r));
	sim_bulk(&s, cases[cur].name, cases[cur].rtt_ms, cases[cur].loss, 171 + cur);
	s.tcp_cc = cases[cur].tcp_cc	  ? cases[cur].tcp_cc
		   : getenv("SIM_TCP_CC") ? getenv("SIM_TCP_CC")
					  : "cubic";
	s.share_from_ms = 5000;
	s.tcp_flows = nt;
	s.tcp_at_ms = cases[cur].tcp_at_ms;
	s.qdelay_from_ms = cases[cur].tcp_at_ms + 5000;
	if (cases[cur].loss > 0)
		s.tcp_bytes = 20u << 20; /* alone, or on random loss: a share, not the bytes */
	if (getenv("SIM_COEXIST_MB"))	 /* experiments: longer runs */
		s.bytes = strtoull(getenv("SIM_COEXIST_MB"), NULL, 10) << 20;
	if (getenv("SIM_COEXIST_TCP_AT")) /* experiments: TCP starts this many ms later */
		s.tcp_at_ms = strtoull(getenv("SIM_COEXIST_TCP_AT"), NULL, 10);
	if (getenv("SIM_COEXIST_SEED"))
		s.seed = strtoull(getenv("SIM_COEXIST_SEED"), NULL, 10);
	T_EQ(sim_run_mixed(&s, nu, cases[cur].gap_ms, r, tr), 0);
	cap = sim_capacity_mbps(&s);
	for (i = 0; i < nu; i++) {
		sim_print(&s, &r[i]);
		udt += r[i].share_mbps;
		total += r[i].share_mbps;
	}
	for (i = 0; i < nt; i++) {
		sim_tcp_print(&s, i, &tr[i]);
		total += tr[i].share_mbps;
		if (cases[cur].tcp_cc)
			printf("       %s flow %u: %.1f %% of the link over its transfer, %.1f %% "
			       "from 5 s after the last start; mean RTT %.1f ms above its "
			       "minimum from 5 s after its start\n",
			       s.tcp_cc, i, 100 * tr[i].goodput_mbps / sim_capacity_mbps(&s),
			       100 * tr[i].share_mbps / sim_capacity_mbps(&s),
			       tr[i].qdelay_mean_ms);
	}
	if (nu)
		printf("       bottleneck queue from 5 s after both started: p50 %.0f ms, p95 %.0f "
		       "ms\n",
		       r[0].qdelay_p50_ms, r[0].qdelay_p95_ms);
	snprintf(bound, sizeof(bound), "lu2k %.0f-60 %%", 100 * cases[cur].udt_min);
	if (nu + nt > 1)
		printf("       both running, over %.1f s: %s %.2f + tcp %.2f Mbit/s = %.0f %% + "
		       "%.0f %%, "
		       "together %.0f %% of %.2f; bound: %s\n",
		       tr[0].share_s, nu ? s.cc : "tcp", nu ? udt : tr[0].share_mbps,
		       nu ? tr[0].share_mbps : tr[1].share_mbps,
		       100 * (nu ? udt : tr[0].share_mbps) / total,
		       100 * (nu ? tr[0].share_mbps : tr[1].share_mbps) / total, 100 * total / cap,
		       cap,
		       cases[cur].goal == 1 && cases[cur].udt_min > 0 ? bound
		       : cases[cur].goal == 1			      ? "lu2k <= 60 %"
		       : cases[cur].goal == 3			      ? "40-60 % each"
								      : "none (printed)");
	for (i = 0; i < nu; i++) {
		T_ASSERT(r[i].complete);
		T_EQ(r[i].bad, 0);
	}
	for (i = 0; i < nt; i++)
		T_ASSERT(tr[i].complete);
	switch (cases[cur].goal) {
	case 1:
		T_ASSERT(udt <= 0.6 * total);
		T_ASSERT(udt >= cases[cur].udt_min * total);
		T_ASSERT(total >= 0.85 * cap);
		break;
	case 2:
		T_ASSERT(tr[0].goodput_mbps >= 0.75 * cap);
		break;
	case 4:
		T_ASSERT(tr[0].share_mbps >= 0.9 * cap);
		T_ASSERT(tr[0].qdelay_mean_ms <= 50);
		break;
	case 3:
		for (i = 0; i < 2; i++)
			T_ASSERT(tr[i].share_mbps >= 0.4 * total &&
				 tr[i].share_mbps <= 0.6 * total);
		break;
	}
}

int main(void)
{
	for (cur = 0; cur < sizeof(cases) / sizeof(cases[0]); cur++)
		if (sim_selected(cur))
			T_RUN(test_coexist);
	return t_done();
}
