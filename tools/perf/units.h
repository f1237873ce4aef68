/* SPDX-License-Identifier: MIT */
/*
 * units.h - lu2k-perf's figures in units that fit them: a satellite hop's
 * 3 Mbit/s and a loopback's 14 Gbit/s, a LAN's 80 us and a hop's 650 ms, each
 * with three or four significant digits.
 */
#ifndef LU2K_PERF_UNITS_H
#define LU2K_PERF_UNITS_H

#include <stddef.h>

/* bits per second as "950 bit/s", "12.5 kbit/s", "48.7 Mbit/s", "14.2 Gbit/s" */
const char *perf_fmt_rate(double bps, char *buf, size_t len);
/* nanoseconds as "850 ns", "75.3 us", "12.4 ms", "1.52 s" */
const char *perf_fmt_time(double ns, char *buf, size_t len);

#endif
