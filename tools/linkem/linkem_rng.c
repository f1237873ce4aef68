// SPDX-License-Identifier: MIT
/*
 * linkem_rng.c - xoshiro256** (Blackman and Vigna), seeded by splitmix64.
 */
#include "linkem_rng.h"

uint64_t linkem_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void linkem_rng_seed(struct linkem_rng *r, uint64_t seed)
{
	uint64_t x = seed;

	/* splitmix64 never yields four zero words, the one state xoshiro must avoid */
	for (int i = 0; i < 4; i++)
		r->s[i] = linkem_splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t linkem_rng_next(struct linkem_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double linkem_rng_unit(struct linkem_rng *r)
{
	return (double)(linkem_rng_next(r) >> 11) * 0x1.0p-53;
}

int linkem_rng_chance(struct linkem_rng *r, double p)
{
	if (p <= 0.0)
		return 0;
	if (p >= 1.0)
		return 1;
	return linkem_rng_unit(r) < p;
}

uint64_t linkem_rng_upto(struct linkem_rng *r, uint64_t n)
{
	uint64_t range = n + 1, limit, x;

	if (range == 0)
		return linkem_rng_next(r);
	/* reject the top partial block so every value is equally likely */
	limit = UINT64_MAX - (UINT64_MAX % range + 1) % range;
	do
		x = linkem_rng_next(r);
	while (x > limit);
	return x % range;
}
