/* SPDX-License-Identifier: MIT */
/*
 * seq.h - UDT sequence, ACK and message number arithmetic.
 *
 * Data sequence numbers are 31 bits and wrap from 0x7fffffff to 0. Two
 * numbers are compared by their distance: if they are less than 2^30 apart
 * the smaller one is "before", otherwise the wrap lies between them. Every
 * window in the engine is far below 2^30 packets, so the comparison is exact
 * for all numbers the engine ever compares.
 *
 * Message numbers are 29 bits; the sender skips 0 when it wraps. ACK
 * sub-sequence numbers (the number carried by ACK and ACK2) are 31 bits.
 */
#ifndef LU2K_UDT_SEQ_H
#define LU2K_UDT_SEQ_H

#include <stdint.h>

#define UDT_SEQ_MAX   0x7fffffffu
#define UDT_SEQ_MASK  0x7fffffffu
#define UDT_SEQ_TH    0x3fffffff
#define UDT_MSGNO_MAX 0x1fffffffu
#define UDT_ACKNO_MAX 0x7fffffffu

/* Signed distance from a to b (b - a) on the 31-bit circle, in [-2^30, 2^30). */
static inline int32_t udt_seq_off(uint32_t a, uint32_t b)
{
	uint32_t d = (b - a) & UDT_SEQ_MASK;

	/* 31-bit two's complement: extend bit 30 into bit 31 */
	return d >= 0x40000000u ? (int32_t)(d | 0x80000000u) : (int32_t)d;
}

/* < 0 if a is before b, 0 if equal, > 0 if a is after b. */
static inline int32_t udt_seq_cmp(uint32_t a, uint32_t b)
{
	return -udt_seq_off(a, b);
}

/* Number of sequence numbers in the closed range [a, b]; b must not be before a. */
static inline uint32_t udt_seq_len(uint32_t a, uint32_t b)
{
	return ((b - a) & UDT_SEQ_MASK) + 1;
}

static inline uint32_t udt_seq_add(uint32_t a, int32_t n)
{
	return (a + (uint32_t)n) & UDT_SEQ_MASK;
}

static inline uint32_t udt_seq_inc(uint32_t a)
{
	return (a + 1) & UDT_SEQ_MASK;
}

static inline uint32_t udt_seq_dec(uint32_t a)
{
	return (a - 1) & UDT_SEQ_MASK;
}

/* The later of two sequence numbers. */
static inline uint32_t udt_seq_max(uint32_t a, uint32_t b)
{
	return udt_seq_cmp(a, b) >= 0 ? a : b;
}

static inline uint32_t udt_ackno_inc(uint32_t a)
{
	return a >= UDT_ACKNO_MAX ? 0 : a + 1;
}

/* Message numbers run 1..2^29-1 and wrap to 1 (0 is never used). */
static inline uint32_t udt_msgno_inc(uint32_t m)
{
	return m >= UDT_MSGNO_MAX ? 1 : m + 1;
}

#endif
