/* SPDX-License-Identifier: MIT */
/* include/lu2k/credit.h, the credit rules of both kernel halves: bounds, take, give. */
#include <errno.h>

#include "lu2k/credit.h"
#include "../t.h"

static void test_limits(void)
{
	__u32 c, p;

	c = 1024, p = 256;
	lu2k_credit_limits(&c, &p, 1024);
	T_EQU(c, 1024);
	T_EQU(p, 256);
	c = 4096, p = 4096; /* more than the ring: the ring's entries, peer at most that */
	lu2k_credit_limits(&c, &p, 64);
	T_EQU(c, 64);
	T_EQU(p, 64);
	c = 8, p = 16; /* a peer cannot have more than the interface */
	lu2k_credit_limits(&c, &p, 64);
	T_EQU(c, 8);
	T_EQU(p, 8);
	c = 0, p = 0; /* at least one of each */
	lu2k_credit_limits(&c, &p, 64);
	T_EQU(c, 1);
	T_EQU(p, 1);
}

static void test_take_give(void)
{
	struct lu2k_credit cr = { .credits = 3, .peer_credits = 2 };
	__u32 a = 0, b = 0;

	T_EQ(lu2k_credit_take(&cr, &a), 0);
	T_EQ(lu2k_credit_take(&cr, &a), 0);
	T_EQ(lu2k_credit_take(&cr, &a), -EAGAIN); /* peer_credits */
	T_EQU(a, 2);
	T_EQU(cr.inflight, 2); /* a refused take takes nothing */
	T_EQ(lu2k_credit_take(&cr, &b), 0);
	T_EQ(lu2k_credit_take(&cr, &b), -EAGAIN); /* credits */
	T_EQU(b, 1);
	T_EQU(cr.inflight, 3);
	T_EQU(cr.inflight_max, 3);
	lu2k_credit_give(&cr, &a);
	T_EQU(a, 1);
	T_EQU(cr.inflight, 2);
	T_EQ(lu2k_credit_take(&cr, &b), 0); /* the interface's credit came back */
	lu2k_credit_give(&cr, &b);
	lu2k_credit_give(&cr, &b);
	lu2k_credit_give(&cr, &b); /* one too many: ignored, nothing goes below zero */
	T_EQU(b, 0);
	T_EQU(cr.inflight, 1);
	lu2k_credit_give(&cr, &a);
	lu2k_credit_give(&cr, &a);
	T_EQU(cr.inflight, 0);
	T_EQU(cr.inflight_max, 3);
}

/* Bounds lowered while messages are out (the module: a new daemon's setup). */
static void test_lowered_bounds(void)
{
	struct lu2k_credit cr = { .credits = 4, .peer_credits = 4 };
	__u32 a = 0;

	for (int i = 0; i < 4; i++)
		T_EQ(lu2k_credit_take(&cr, &a), 0);
	cr.credits = 2;
	cr.peer_credits = 1;
	T_EQ(lu2k_credit_take(&cr, &a), -EAGAIN);
	lu2k_credit_give(&cr, &a);
	lu2k_credit_give(&cr, &a);
	T_EQ(lu2k_credit_take(&cr, &a), -EAGAIN); /* 2 out, peer bound 1 */
	lu2k_credit_give(&cr, &a);
	lu2k_credit_give(&cr, &a);
	T_EQ(lu2k_credit_take(&cr, &a), 0);
	T_EQU(cr.inflight, 1);
}

int main(void)
{
	T_RUN(test_limits);
	T_RUN(test_take_give);
	T_RUN(test_lowered_bounds);
	return t_done();
}
