/* SPDX-License-Identifier: MIT */
/*
 * rate.h - the one way lu2k's tools read a bit rate (lu2k-linkem --rate,
 * lu2k-perf --rate, the demo): a decimal number and a unit of bits, "50mbit",
 * "800kbit", "1.5gbit", "2Gbit/s". A unit is required and bytes are not
 * offered: tc reads "mbps" as megabytes and many people read it as megabits,
 * so both "50mbps" and a bare "50" are refused rather than guessed.
 */
#ifndef LU2K_COMMON_RATE_H
#define LU2K_COMMON_RATE_H

#include <stdint.h>

#define LU2K_RATE_SYNTAX "a number and bit, kbit, mbit or gbit (/s optional): 50mbit, 1.5gbit"

/* 0; -EINVAL if s is not of that form; -ERANGE below 1 bit/s or above 1 Tbit/s. */
int lu2k_parse_rate(const char *s, uint64_t *bps);

#endif
