/* SPDX-License-Identifier: MIT */
/* lu2k-perf latency percentiles from the log-linear histogram. */
#include <stdlib.h>

#include "tools/perf/stats.h"
#include "../t.h"

static struct perf_hist h;

static void near(uint64_t got, uint64_t want, int *bad)
{
	double err = (double)got / (double)want - 1;

	if (err > 0.016 || err < -0.016) {
		fprintf(stderr, "  got %llu want %llu\n", (unsigned long long)got,
			(unsigned long long)want);
		*bad = 1;
	}
}

static void test_buckets(void)
{
	uint64_t prev = 0;

	for (uint64_t v = 0; v < 128; v++)
		T_EQ(perf_hist_bucket(v), v);
	T_EQ(perf_hist_bucket(128), 128);
	T_EQ(perf_hist_bucket(129), 128); /* width 2 from here */
	T_EQ(perf_hist_bucket(130), 129);
	T_EQ(perf_hist_bucket(256), 192);
	T_ASSERT(perf_hist_bucket(UINT64_MAX) < PERF_HIST_BUCKETS);
	/* monotonic, and each value inside 1.6 % of its bucket's middle */
	for (uint64_t v = 1; v < (1ULL << 40); v = v * 17 / 16 + 1) {
		unsigned int b = perf_hist_bucket(v);
		double mid = (double)perf_hist_bucket_mid(b);

		T_ASSERT(b >= prev);
		prev = b;
		T_ASSERT(mid / (double)v < 1.016 && mid / (double)v > 0.984);
	}
}

static void test_uniform(void)
{
	int bad = 0;

	perf_hist_init(&h);
	T_EQ(perf_hist_pct(&h, 50), 0);	       /* empty */
	for (uint64_t v = 1; v <= 100000; v++) /* 1 .. 100000 ns */
		perf_hist_add(&h, v * 1000);
	near(perf_hist_pct(&h, 50), 50000000, &bad);
	near(perf_hist_pct(&h, 90), 90000000, &bad);
	near(perf_hist_pct(&h, 99), 99000000, &bad);
	T_EQ(bad, 0);
	T_EQU(perf_hist_pct(&h, 100), 100000000); /* the max is exact */
	T_EQU(h.min, 1000);
	T_EQU(h.max, 100000000);
	T_ASSERT(perf_hist_mean(&h) > 50000499 && perf_hist_mean(&h) < 50000501);
}

static void test_skewed(void)
{
	/* 98 fast samples and 2 slow: p50 and p90 fast, p99 slow */
	perf_hist_init(&h);
	for (int i = 0; i < 98; i++)
		perf_hist_add(&h, 1000);
	perf_hist_add(&h, 5000000);
	perf_hist_add(&h, 9000000);
	T_ASSERT(perf_hist_pct(&h, 50) >= 990 && perf_hist_pct(&h, 50) <= 1010);
	T_ASSERT(perf_hist_pct(&h, 98) <= 1010);
	T_ASSERT(perf_hist_pct(&h, 99) >= 4900000 && perf_hist_pct(&h, 99) <= 5100000);
	T_EQU(perf_hist_pct(&h, 100), 9000000);
	/* one sample: every percentile is it */
	perf_hist_init(&h);
	perf_hist_add(&h, 123456);
	T_EQU(perf_hist_pct(&h, 1), 123456);
	T_EQU(perf_hist_pct(&h, 99.9), 123456);
}

int main(void)
{
	T_RUN(test_buckets);
	T_RUN(test_uniform);
	T_RUN(test_skewed);
	return t_done();
}
