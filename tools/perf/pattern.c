/* SPDX-License-Identifier: MIT */
#include "pattern.h"

#include <string.h>

#define GOLDEN 0x9e3779b97f4a7c15ULL

static inline uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t key_of(uint64_t seed, uint64_t id)
{
	return mix(seed ^ mix(id + GOLDEN));
}

static inline uint64_t word(uint64_t key, uint64_t w)
{
	return mix(key + w * GOLDEN);
}

static inline uint64_t to_le(uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/*
 * Blocks of a fixed number of words: a loop whose trip count is a constant
 * multiple of the vector width is vectorized at -O2, and on x86-64 the
 * AVX-512 and AVX2 clones multiply 64-bit lanes (in the loopback bench, fill
 * and check were 86 % of lu2k-perf's CPU: as much as both lu2kd together).
 */
#define BLOCK_WORDS 32

#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define VEC_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
#endif
#ifndef VEC_CLONES
#define VEC_CLONES
#endif

VEC_CLONES
static void fill_blocks(uint8_t *p, size_t nblocks, uint64_t key)
{
	for (size_t b = 0; b < nblocks; b++) {
		uint64_t base = b * BLOCK_WORDS;

		for (size_t w = 0; w < BLOCK_WORDS; w++) {
			uint64_t v = to_le(word(key, base + w));

			memcpy(p + (base + w) * 8, &v, 8);
		}
	}
}

/* The first block that differs, or nblocks. */
VEC_CLONES
static size_t check_blocks(const uint8_t *p, size_t nblocks, uint64_t key)
{
	for (size_t b = 0; b < nblocks; b++) {
		uint64_t base = b * BLOCK_WORDS, diff = 0;

		for (size_t w = 0; w < BLOCK_WORDS; w++) {
			uint64_t got;

			memcpy(&got, p + (base + w) * 8, 8);
			diff |= got ^ to_le(word(key, base + w));
		}
		if (diff)
			return b;
	}
	return nblocks;
}

void perf_pattern_fill(void *dst, size_t len, uint64_t seed, uint64_t id)
{
	uint64_t key = key_of(seed, id), v;
	uint8_t *p = dst;
	size_t nw = len / 8, w = nw / BLOCK_WORDS * BLOCK_WORDS;

	fill_blocks(p, nw / BLOCK_WORDS, key);
	for (; w < nw; w++) {
		v = to_le(word(key, w));
		memcpy(p + w * 8, &v, 8);
	}
	if (len % 8) {
		v = to_le(word(key, nw));
		memcpy(p + nw * 8, &v, len % 8);
	}
}

long perf_pattern_check(const void *buf, size_t len, uint64_t seed, uint64_t id)
{
	uint64_t key = key_of(seed, id), v, got;
	const uint8_t *p = buf;
	size_t nw = len / 8, nb = nw / BLOCK_WORDS;
	size_t w = check_blocks(p, nb, key) * BLOCK_WORDS;

	/* from the block that differs (if one does) word by word, to find the byte */
	for (; w < nw; w++) {
		memcpy(&got, p + w * 8, 8);
		if (got != to_le(word(key, w)))
			goto find;
	}
	if (len % 8) {
		v = to_le(word(key, nw));
		if (memcmp(p + nw * 8, &v, len % 8))
			goto find;
	}
	return -1;
find : {
	uint8_t want[8];

	v = to_le(word(key, w));
	memcpy(want, &v, 8);
	for (size_t i = 0; i < 8 && w * 8 + i < len; i++)
		if (p[w * 8 + i] != want[i])
			return (long)(w * 8 + i);
}
	return (long)(w * 8);
}
