/* SPDX-License-Identifier: MIT */
/*
 * stats.h - latency percentiles for lu2k-perf without keeping every sample:
 * a log-linear histogram (values below 128 exact, above in 64 sub-buckets per
 * power of two: under 1.6 % relative error), plus exact min, max and mean.
 */
#ifndef LU2K_PERF_STATS_H
#define LU2K_PERF_STATS_H

#include <stdint.h>

#define PERF_HIST_BUCKETS (128 + 58 * 64)

struct perf_hist {
	uint64_t count;
	uint64_t min, max;
	double sum;
	uint64_t b[PERF_HIST_BUCKETS];
};

void perf_hist_init(struct perf_hist *h);
void perf_hist_add(struct perf_hist *h, uint64_t v);
/* The value at percentile p (0 < p <= 100): the smallest v with >= p% of samples <= v. */
uint64_t perf_hist_pct(const struct perf_hist *h, double p);
double perf_hist_mean(const struct perf_hist *h);

/* Exposed for tests: the bucket of v and the middle of a bucket. */
unsigned int perf_hist_bucket(uint64_t v);
uint64_t perf_hist_bucket_mid(unsigned int b);

#endif
