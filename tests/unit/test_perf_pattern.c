/* SPDX-License-Identifier: MIT */
/* lu2k-perf payload pattern: checkable without state, sensitive to every kind of mix-up. */
#include <stdlib.h>

#include "tools/perf/pattern.h"
#include "../t.h"

static void test_roundtrip_lengths(void)
{
	static uint8_t buf[70000];

	for (size_t len = 0; len < 70000; len = len * 3 + 1) {
		perf_pattern_fill(buf, len, 42, len);
		T_EQ(perf_pattern_check(buf, len, 42, len), -1);
	}
	perf_pattern_fill(buf, 0, 1, 1);
	T_EQ(perf_pattern_check(buf, 0, 1, 1), -1);
}

static void test_detects(void)
{
	static uint8_t buf[4096], other[4096];

	perf_pattern_fill(buf, sizeof(buf), 7, 100);
	T_EQ(perf_pattern_check(buf, sizeof(buf), 7, 101), 0); /* another message */
	T_EQ(perf_pattern_check(buf, sizeof(buf), 8, 100), 0); /* another seed */
	for (size_t i = 0; i < sizeof(buf); i += 97) {
		buf[i] ^= 0x10; /* one flipped bit */
		T_EQ(perf_pattern_check(buf, sizeof(buf), 7, 100), (long)i);
		buf[i] ^= 0x10;
	}
	/* shifted by one word: a payload copied from the wrong offset */
	perf_pattern_fill(other, sizeof(other), 7, 100);
	T_EQ(perf_pattern_check(other + 8, 64, 7, 100), 0);
	/* a tail byte of an odd length */
	perf_pattern_fill(buf, 13, 7, 100);
	buf[12] ^= 1;
	T_EQ(perf_pattern_check(buf, 13, 7, 100), 12);
	/* a prefix of a longer payload is the pattern of the shorter one */
	perf_pattern_fill(buf, 4096, 7, 5);
	T_EQ(perf_pattern_check(buf, 1000, 7, 5), -1);
}

/* The documented definition (pattern.h), word by word, against the blocked fill and check. */
static uint64_t ref_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void test_definition(void)
{
	static uint8_t buf[3 + 5000];
	const uint64_t golden = 0x9e3779b97f4a7c15ULL;

	/* unaligned, and lengths around the 256-byte blocks */
	for (size_t len = 250; len < 5000; len += 251) {
		uint64_t key = ref_mix(9 ^ ref_mix(len + golden));

		perf_pattern_fill(buf + 3, len, 9, len);
		for (size_t i = 0; i < len; i++) {
			uint64_t w = ref_mix(key + (i / 8) * golden);

			T_EQ(buf[3 + i], (uint8_t)(w >> (8 * (i % 8))));
		}
		T_EQ(perf_pattern_check(buf + 3, len, 9, len), -1);
		buf[3 + len - 1] ^= 0x80; /* the last byte, after the last whole block */
		T_EQ(perf_pattern_check(buf + 3, len, 9, len), (long)len - 1);
	}
}

static void test_not_constant(void)
{
	static uint8_t buf[1 << 16];
	unsigned int hist[256] = { 0 };

	perf_pattern_fill(buf, sizeof(buf), 1, 2);
	for (size_t i = 0; i < sizeof(buf); i++)
		hist[buf[i]]++;
	for (int i = 0; i < 256; i++) /* about 256 each; no byte value missing or dominant */
		T_ASSERT(hist[i] > 128 && hist[i] < 512);
}

int main(void)
{
	T_RUN(test_roundtrip_lengths);
	T_RUN(test_detects);
	T_RUN(test_definition);
	T_RUN(test_not_constant);
	return t_done();
}
