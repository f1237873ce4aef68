/* SPDX-License-Identifier: MIT */
/* Unit tests of lu2k-perf's scaled units (tools/perf/units.c). */
#include "tools/perf/units.h"
#include "../t.h"

static void test_rate(void)
{
	char b[32];

	T_STREQ(perf_fmt_rate(0, b, sizeof(b)), "0 bit/s");
	T_STREQ(perf_fmt_rate(950, b, sizeof(b)), "950 bit/s");
	T_STREQ(perf_fmt_rate(12500, b, sizeof(b)), "12.5 kbit/s");
	T_STREQ(perf_fmt_rate(999700, b, sizeof(b)), "1.00 Mbit/s");
	T_STREQ(perf_fmt_rate(3.456e6, b, sizeof(b)), "3.46 Mbit/s");
	T_STREQ(perf_fmt_rate(48.72e6, b, sizeof(b)), "48.7 Mbit/s");
	T_STREQ(perf_fmt_rate(123.4e6, b, sizeof(b)), "123 Mbit/s");
	T_STREQ(perf_fmt_rate(14.23e9, b, sizeof(b)), "14.2 Gbit/s");
	T_STREQ(perf_fmt_rate(1234e9, b, sizeof(b)), "1234 Gbit/s");
}

static void test_time(void)
{
	char b[32];

	T_STREQ(perf_fmt_time(850, b, sizeof(b)), "850 ns");
	T_STREQ(perf_fmt_time(75300, b, sizeof(b)), "75.3 us");
	T_STREQ(perf_fmt_time(999999, b, sizeof(b)), "1.00 ms");
	T_STREQ(perf_fmt_time(12.44e6, b, sizeof(b)), "12.4 ms");
	T_STREQ(perf_fmt_time(652e6, b, sizeof(b)), "652 ms");
	T_STREQ(perf_fmt_time(1.523e9, b, sizeof(b)), "1.52 s");
	T_STREQ(perf_fmt_time(125e9, b, sizeof(b)), "125 s");
}

int main(void)
{
	T_RUN(test_rate);
	T_RUN(test_time);
	return t_done();
}
