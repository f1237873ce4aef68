// SPDX-License-Identifier: MIT
/* test_udt_seq.c - 31-bit sequence arithmetic, across the wrap. */
#include "proto/udt/seq.h"
#include "tests/t.h"

static void test_off_cmp(void)
{
	T_EQ(udt_seq_off(5, 9), 4);
	T_EQ(udt_seq_off(9, 5), -4);
	T_EQ(udt_seq_off(0x7ffffffe, 1), 3);
	T_EQ(udt_seq_off(1, 0x7ffffffe), -3);
	T_EQ(udt_seq_off(0x7fffffff, 0), 1);
	T_EQ(udt_seq_off(0, 0x7fffffff), -1);
	T_ASSERT(udt_seq_cmp(0, 0x7fffffff) > 0);
	T_ASSERT(udt_seq_cmp(0x7fffffff, 0) < 0);
	T_EQ(udt_seq_cmp(1234, 1234), 0);
	/* just under and at the 2^30 threshold */
	T_EQ(udt_seq_off(0, 0x3fffffff), 0x3fffffff);
	T_EQ(udt_seq_off(0, 0x40000000), -0x40000000);
}

static void test_len_inc(void)
{
	T_EQU(udt_seq_len(10, 10), 1);
	T_EQU(udt_seq_len(10, 19), 10);
	T_EQU(udt_seq_len(0x7ffffffe, 1), 4);
	T_EQU(udt_seq_inc(0x7fffffff), 0);
	T_EQU(udt_seq_dec(0), 0x7fffffff);
	T_EQU(udt_seq_add(0x7ffffff0, 0x20), 0x10);
	T_EQU(udt_seq_add(0x10, -0x20), 0x7ffffff0);
	T_EQU(udt_seq_max(0x7ffffff0, 5), 5);
	T_EQU(udt_ackno_inc(0x7fffffff), 0);
	T_EQU(udt_msgno_inc(0x1fffffff), 1);
	T_EQU(udt_msgno_inc(7), 8);
}

static void test_walk_wrap(void)
{
	uint32_t s = 0x7fffff00, i;

	/* consecutive numbers stay 1 apart and ordered all the way around */
	for (i = 0; i < 1000; i++) {
		uint32_t n = udt_seq_inc(s);

		T_EQ(udt_seq_off(s, n), 1);
		T_ASSERT(udt_seq_cmp(n, s) > 0);
		T_EQU(udt_seq_len(s, n), 2);
		s = n;
	}
	T_EQU(s, 0x7fffff00u + 1000 - 0x80000000u);
}

int main(void)
{
	T_RUN(test_off_cmp);
	T_RUN(test_len_inc);
	T_RUN(test_walk_wrap);
	return t_done();
}
