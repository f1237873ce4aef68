// SPDX-License-Identifier: MIT
/*
 * test_sim_native.c - UDT4's native congestion control through the matrix of
 * simulated links (sim_xfer.h), for comparison with "lossy": every byte
 * checked and one completion per message, but loose bounds, because the
 * native algorithm slows down by 1/8 on every new loss event and random loss
 * keeps it far below the link (a few % at 1-3 % loss). The bounds are about
 * half of what it gets, so that the test documents its behaviour and catches
 * a regression of the engine, not of the algorithm's known weakness.
 *
 * 100 MiB per scenario, like lossy: the slow runs last up to 16 minutes of
 * simulated time, but a simulated second costs next to nothing (the whole
 * matrix runs in about 5 s of real time under ASan).
 */
#include "tests/sim/sim_xfer.h"
#include "tests/t.h"

static struct sim_scenario sc[SIM_MATRIX_N];
static unsigned int cur;

/* % of capacity it must reach, in sim_matrix's order (measured / ~2) */
static const double min_pct[SIM_MATRIX_N] = {
	35, 3.5, 1.8, 10, /* 1 ms */
	35, 2.5, 1.4, 7,  /* 200 ms */
	35, 1.8, 0.9, 6,  /* 600 ms */
};

static void test_scenario(void)
{
	const struct sim_scenario *s = &sc[cur];
	double bound = sim_bound_s(s, min_pct[cur], 5, 1.0);
	struct sim_result r;

	T_EQ(sim_run(s, &r), 0);
	sim_print(s, &r);
	printf("       bound %.2f s (>= %.1f %% of capacity)\n", bound, min_pct[cur]);
	T_ASSERT(r.complete);
	T_EQ(r.bad, 0);
	T_EQ(r.dropped, 0);
	T_EQ(r.acked, r.msgs);
	T_EQ(r.delivered, r.msgs);
	T_ASSERT(r.sim_s <= bound);
}

int main(void)
{
	sim_matrix(sc, "udt", 100u << 20);
	for (cur = 0; cur < SIM_MATRIX_N; cur++)
		if (sim_selected(cur))
			T_RUN(test_scenario);
	return t_done();
}
