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

void perf_pattern_fill(void *dst, size_t len, uint64_t seed, uint64_t id)
{
	uint64_t key = key_of(seed, id), v;
	uint8_t *p = dst;
	size_t w, nw = len / 8;

	for (w = 0; w < nw; w++) {
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
	size_t w, nw = len / 8;

	for (w = 0; w < nw; w++) {
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
