/* SPDX-License-Identifier: MIT */
#include "stats.h"

#include <string.h>

void perf_hist_init(struct perf_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

unsigned int perf_hist_bucket(uint64_t v)
{
	unsigned int e;

	if (v < 128)
		return (unsigned int)v;
	e = 63 - (unsigned int)__builtin_clzll(v) - 6; /* v >> e in [64, 128) */
	return 128 + (e - 1) * 64 + (unsigned int)((v >> e) - 64);
}

uint64_t perf_hist_bucket_mid(unsigned int b)
{
	unsigned int e;
	uint64_t lo;

	if (b < 128)
		return b;
	e = (b - 128) / 64 + 1;
	lo = (uint64_t)(64 + (b - 128) % 64) << e;
	return lo + ((1ULL << e) >> 1);
}

void perf_hist_add(struct perf_hist *h, uint64_t v)
{
	unsigned int b = perf_hist_bucket(v);

	if (b >= PERF_HIST_BUCKETS)
		b = PERF_HIST_BUCKETS - 1;
	h->b[b]++;
	h->count++;
	h->sum += (double)v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

uint64_t perf_hist_pct(const struct perf_hist *h, double p)
{
	uint64_t rank, seen = 0, v;

	if (!h->count)
		return 0;
	rank = (uint64_t)(p / 100.0 * (double)h->count + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank >= h->count)
		return h->max; /* the top sample is known exactly */
	for (unsigned int b = 0; b < PERF_HIST_BUCKETS; b++) {
		seen += h->b[b];
		if (seen >= rank) {
			v = perf_hist_bucket_mid(b);
			/* never report outside what was seen */
			return v < h->min ? h->min : v > h->max ? h->max : v;
		}
	}
	return h->max;
}

double perf_hist_mean(const struct perf_hist *h)
{
	return h->count ? h->sum / (double)h->count : 0;
}
