/* SPDX-License-Identifier: MIT */
/*
 * linkem_rng.h - the emulator's own PRNG: xoshiro256** seeded by splitmix64.
 *
 * Written here rather than taken from libc so that a seed gives the same
 * packet fates on every machine and libc. Not for cryptography.
 */
#ifndef LU2K_LINKEM_RNG_H
#define LU2K_LINKEM_RNG_H

#include <stdint.h>

struct linkem_rng {
	uint64_t s[4];
};

/* One step of splitmix64: advances *x and returns a well-mixed value. */
uint64_t linkem_splitmix64(uint64_t *x);

/* Seeds the generator; different seeds give unrelated streams. */
void linkem_rng_seed(struct linkem_rng *r, uint64_t seed);

uint64_t linkem_rng_next(struct linkem_rng *r);

/* Uniform double in [0, 1), 53 bits of randomness. */
double linkem_rng_unit(struct linkem_rng *r);

/* True with probability p (p <= 0: never, p >= 1: always). */
int linkem_rng_chance(struct linkem_rng *r, double p);

/* Uniform integer in [0, n], n < 2^64 - 1, without modulo bias. */
uint64_t linkem_rng_upto(struct linkem_rng *r, uint64_t n);

#endif
