/* SPDX-License-Identifier: MIT */
/*
 * pattern.h - lu2k-perf payloads: a deterministic byte stream keyed by
 * (seed, message id), so that a receiver can check any payload with no state
 * of its own: byte i is byte (i % 8) of the little-endian 64-bit word
 * mix(key + (i / 8) * golden), key = mix(seed ^ mix(id)) (splitmix64's
 * finaliser). A wrong offset, a message mixed up with another or a flipped
 * bit all show.
 */
#ifndef LU2K_PERF_PATTERN_H
#define LU2K_PERF_PATTERN_H

#include <stddef.h>
#include <stdint.h>

void perf_pattern_fill(void *dst, size_t len, uint64_t seed, uint64_t id);
/* -1 if buf holds the pattern of (seed, id), else the first byte that differs. */
long perf_pattern_check(const void *buf, size_t len, uint64_t seed, uint64_t id);

#endif
