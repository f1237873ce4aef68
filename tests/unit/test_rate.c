/* SPDX-License-Identifier: MIT */
/* The one bit-rate syntax of lu2k's tools (common/rate.c). */
#include <errno.h>

#include "common/rate.h"
#include "../t.h"

static void test_rates(void)
{
	uint64_t v;

	T_EQ(lu2k_parse_rate("50mbit", &v), 0);
	T_EQU(v, 50000000);
	T_EQ(lu2k_parse_rate("800kbit", &v), 0);
	T_EQU(v, 800000);
	T_EQ(lu2k_parse_rate("1.5Gbit/s", &v), 0);
	T_EQU(v, 1500000000);
	T_EQ(lu2k_parse_rate(".5mbit", &v), 0);
	T_EQU(v, 500000);
	T_EQ(lu2k_parse_rate("9600bit", &v), 0);
	T_EQU(v, 9600);
	/* refused: no unit, bytes (tc's mbps), single letters, signs, exponents */
	T_EQ(lu2k_parse_rate("50", &v), -EINVAL);
	T_EQ(lu2k_parse_rate("50mbps", &v), -EINVAL);
	T_EQ(lu2k_parse_rate("30M", &v), -EINVAL);
	T_EQ(lu2k_parse_rate("-5mbit", &v), -EINVAL);
	T_EQ(lu2k_parse_rate("1e6bit", &v), -EINVAL);
	T_EQ(lu2k_parse_rate("0x10mbit", &v), -EINVAL);
	T_EQ(lu2k_parse_rate("", &v), -EINVAL);
	T_EQ(lu2k_parse_rate("mbit", &v), -EINVAL);
	T_EQ(lu2k_parse_rate("5 mbit", &v), -EINVAL);
	/* out of range */
	T_EQ(lu2k_parse_rate("0mbit", &v), -ERANGE);
	T_EQ(lu2k_parse_rate("0.5bit", &v), -ERANGE);
	T_EQ(lu2k_parse_rate("1001gbit", &v), -ERANGE);
}

int main(void)
{
	T_RUN(test_rates);
	return t_done();
}
