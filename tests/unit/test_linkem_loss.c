// SPDX-License-Identifier: MIT
/*
 * Unit tests of the emulator's PRNG and loss models: Bernoulli loss within
 * statistical bounds, Gilbert-Elliott mean loss and burst length against
 * theory, through the core (linkem_dir) as a real caller sees them.
 */
#include <math.h>

#include "../t.h"
#include "tools/linkem/linkem.h"

static void test_rng_known_values(void)
{
	struct linkem_rng a, b;
	uint64_t x = 0;

	/* splitmix64 from 0: the published first output */
	T_EQU(linkem_splitmix64(&x), 0xe220a8397b1dcdafull);
	linkem_rng_seed(&a, 1);
	linkem_rng_seed(&b, 1);
	for (int i = 0; i < 1000; i++)
		T_EQU(linkem_rng_next(&a), linkem_rng_next(&b));
	linkem_rng_seed(&b, 2);
	T_ASSERT(linkem_rng_next(&a) != linkem_rng_next(&b));
}

static void test_rng_ranges(void)
{
	struct linkem_rng r;
	double sum = 0;
	int hist[5] = { 0 };

	linkem_rng_seed(&r, 99);
	for (int i = 0; i < 100000; i++) {
		double u = linkem_rng_unit(&r);

		T_ASSERT(u >= 0.0 && u < 1.0);
		sum += u;
		hist[linkem_rng_upto(&r, 4)]++;
	}
	T_ASSERT(fabs(sum / 100000 - 0.5) < 0.005);
	for (int i = 0; i < 5; i++)
		T_ASSERT(hist[i] > 19000 && hist[i] < 21000);
	T_ASSERT(!linkem_rng_chance(&r, 0.0));
	T_ASSERT(linkem_rng_chance(&r, 1.0));
	T_EQU(linkem_rng_upto(&r, 0), 0);
}

/* Loss count of n packets through a direction with params p. */
static uint64_t count_lost(const struct linkem_params *p, uint64_t seed, int n, double *burst)
{
	struct linkem_dir d;
	uint8_t pkt[64] = { 0 };
	uint64_t lost = 0, bursts = 0;
	bool prev = false;

	linkem_dir_init(&d, p, seed);
	for (int i = 0; i < n; i++) {
		bool l = linkem_dir_push(&d, (uint64_t)i, pkt, sizeof(pkt)) == LINKEM_LOST;

		lost += l;
		bursts += l && !prev;
		prev = l;
		linkem_pkt_free(linkem_dir_pop(&d, (uint64_t)i));
	}
	if (burst)
		*burst = bursts ? (double)lost / (double)bursts : 0;
	linkem_dir_destroy(&d);
	return lost;
}

/* For several seeds, the count is within 5 standard deviations of n*p. */
static void check_bernoulli(double prob, int n)
{
	struct linkem_params p = { .loss = prob };
	double mean = n * prob, sd = sqrt(n * prob * (1 - prob));

	for (uint64_t seed = 1; seed <= 5; seed++) {
		uint64_t lost = count_lost(&p, seed, n, NULL);

		if (fabs((double)lost - mean) > 5 * sd)
			T_FAIL_("p=%g seed=%" PRIu64 ": lost %" PRIu64 ", expected %.0f +- %.0f",
				prob, seed, lost, mean, 5 * sd);
	}
}

static void test_bernoulli(void)
{
	struct linkem_params none = { 0 }, all = { .loss = 1.0 };

	check_bernoulli(0.001, 200000);
	check_bernoulli(0.01, 200000);
	check_bernoulli(0.03, 200000);
	check_bernoulli(0.5, 20000);
	T_EQU(count_lost(&none, 1, 10000, NULL), 0);
	T_EQU(count_lost(&all, 1, 10000, NULL), 10000);
}

/* Simple Gilbert: loss 1 in bad, 0 in good; mean p/(p+r), bursts 1/r. */
static void test_gilbert_simple(void)
{
	struct linkem_params p = { 0 };
	int n = 2000000;
	double burst, mean, theory;
	uint64_t lost;

	p.ge = (struct linkem_ge){ .on = true, .p = 0.01, .r = 0.25, .loss_bad = 1.0 };
	theory = linkem_ge_mean_loss(&p.ge);
	T_ASSERT(fabs(theory - 0.01 / 0.26) < 1e-12);
	lost = count_lost(&p, 5, n, &burst);
	mean = (double)lost / n;
	if (fabs(mean - theory) > 0.03 * theory)
		T_FAIL_("mean loss %.5f, theory %.5f", mean, theory);
	if (fabs(burst - 4.0) > 0.1)
		T_FAIL_("mean burst %.3f, theory 4", burst);
}

/* Full Gilbert-Elliott: losses in both states. */
static void test_gilbert_elliott(void)
{
	struct linkem_params p = { 0 };
	int n = 2000000;
	double mean, theory;

	p.ge = (struct linkem_ge){
		.on = true, .p = 0.02, .r = 0.1, .loss_bad = 0.5, .loss_good = 0.002
	};
	theory = (0.1 * 0.002 + 0.02 * 0.5) / 0.12;
	T_ASSERT(fabs(linkem_ge_mean_loss(&p.ge) - theory) < 1e-12);
	mean = (double)count_lost(&p, 9, n, NULL) / n;
	if (fabs(mean - theory) > 0.03 * theory)
		T_FAIL_("mean loss %.5f, theory %.5f", mean, theory);
	/* r = 0 with the chain in good: only good-state loss */
	p.ge = (struct linkem_ge){ .on = true, .p = 0, .r = 0, .loss_bad = 1, .loss_good = 0.1 };
	mean = (double)count_lost(&p, 9, 200000, NULL) / 200000;
	T_ASSERT(fabs(mean - 0.1) < 0.005);
}

/* Bursty loss is burstier than Bernoulli loss of the same mean. */
static void test_gilbert_vs_bernoulli_bursts(void)
{
	struct linkem_params ge = { 0 }, bern = { .loss = 0.01 / 0.26 };
	double b_ge, b_bern;

	ge.ge = (struct linkem_ge){ .on = true, .p = 0.01, .r = 0.25, .loss_bad = 1.0 };
	count_lost(&ge, 3, 500000, &b_ge);
	count_lost(&bern, 3, 500000, &b_bern);
	T_ASSERT(b_bern < 1.1);
	T_ASSERT(b_ge > 3.5);
}

int main(void)
{
	T_RUN(test_rng_known_values);
	T_RUN(test_rng_ranges);
	T_RUN(test_bernoulli);
	T_RUN(test_gilbert_simple);
	T_RUN(test_gilbert_elliott);
	T_RUN(test_gilbert_vs_bernoulli_bursts);
	return t_done();
}
