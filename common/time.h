/* SPDX-License-Identifier: MIT */
/*
 * time.h - lu2k's one time unit: a time or a duration is a count of
 * nanoseconds (uint64_t for a point on a monotonic clock, int64_t where a
 * difference may be negative). These name the conversions at the edges that
 * speak another unit (UDT4's wire carries microseconds, options are given in
 * ms or us, statistics are printed in us), instead of a bare * 1000.
 *
 * Header only: the protocol engines include it and still link nothing.
 */
#ifndef LU2K_COMMON_TIME_H
#define LU2K_COMMON_TIME_H

#include <stdint.h>
#include <time.h>

/* signed, so that they mix with signed durations without turning them unsigned */
#define LU2K_NS_PER_US 1000LL
#define LU2K_NS_PER_MS 1000000LL
#define LU2K_NS_PER_S  1000000000LL

static inline uint64_t lu2k_time_us_to_ns(uint64_t us)
{
	return us * LU2K_NS_PER_US;
}

/* truncates, as a clock read in microseconds would */
static inline uint64_t lu2k_time_ns_to_us(uint64_t ns)
{
	return ns / LU2K_NS_PER_US;
}

/*
 * ns rounded down to a whole us (toward minus infinity): for code that keeps
 * a microsecond clock's resolution, as UDT4's estimators do (proto/udt).
 */
static inline int64_t lu2k_time_ns_floor_us(int64_t ns)
{
	int64_t r = ns % LU2K_NS_PER_US;

	return r < 0 ? ns - r - LU2K_NS_PER_US : ns - r;
}

static inline uint64_t lu2k_time_ms_to_ns(uint64_t ms)
{
	return ms * LU2K_NS_PER_MS;
}

static inline uint64_t lu2k_time_ns_to_ms(uint64_t ns)
{
	return ns / LU2K_NS_PER_MS;
}

static inline uint64_t lu2k_time_s_to_ns(uint64_t s)
{
	return s * LU2K_NS_PER_S;
}

static inline uint64_t lu2k_time_ns_to_s(uint64_t ns)
{
	return ns / LU2K_NS_PER_S;
}

static inline uint64_t lu2k_time_timespec_to_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * LU2K_NS_PER_S + (uint64_t)ts->tv_nsec;
}

/* a rate in events per second from the time between two events, and back */
static inline double lu2k_time_per_s(double interval_ns)
{
	return (double)LU2K_NS_PER_S / interval_ns;
}

static inline double lu2k_time_interval_ns(double per_s)
{
	return (double)LU2K_NS_PER_S / per_s;
}

#endif
