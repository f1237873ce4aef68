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
	T_RUN(test_not_constant);
	return t_done();
}
