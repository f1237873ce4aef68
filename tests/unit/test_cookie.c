/* SPDX-License-Identifier: MIT */
/*
 * include/lu2k/cookie.h, the cookie table of both kernel halves: issued once,
 * completed once, unknown, forged and duplicate cookies refused.
 */
#include <errno.h>
#include <stdlib.h>

#include "lu2k/cookie.h"
#include "../t.h"

static struct lu2k_cookie_tab *tab_new(__u32 cap)
{
	struct lu2k_cookie_tab *t = calloc(1, lu2k_cookie_tab_bytes(cap));

	if (t && lu2k_cookie_tab_init(t, cap)) {
		free(t);
		t = NULL;
	}
	return t;
}

static void test_encoding(void)
{
	__u64 c = lu2k_cookie_make(7, 3);

	T_EQU(c, (3ULL << 32) | 7);
	T_EQU(lu2k_cookie_slot_of(c), 7);
	T_EQU(lu2k_cookie_gen_of(c), 3);
	T_EQU(lu2k_cookie_slot_of(~0ULL), 0xffffffffU);
}

static void test_sizes(void)
{
	struct lu2k_cookie_tab t;

	T_EQU(lu2k_cookie_tab_bytes(0), 0);
	T_EQU(lu2k_cookie_tab_bytes(LU2K_COOKIE_MAX_CAP), 0);
	T_EQU(lu2k_cookie_tab_bytes(4), sizeof(t) + 4 * sizeof(struct lu2k_cookie_slot));
	T_EQ(lu2k_cookie_tab_init(&t, 0), -EINVAL);
	T_EQ(lu2k_cookie_tab_init(&t, LU2K_COOKIE_MAX_CAP), -EINVAL);
}

static void test_issue_complete(void)
{
	struct lu2k_cookie_tab *t = tab_new(4);
	__u64 c[4], again;
	int s[4];

	T_ASSERT(t);
	for (int i = 0; i < 4; i++) {
		s[i] = lu2k_cookie_get(t, &c[i]);
		T_EQ(s[i], i); /* lowest slots first */
		T_EQ(lu2k_cookie_lookup(t, c[i]), s[i]);
		T_ASSERT(lu2k_cookie_busy(t, (__u32)s[i]));
	}
	T_EQ(lu2k_cookie_get(t, &again), -ENOSPC);
	T_EQ(t->used, 4);
	lu2k_cookie_put(t, (__u32)s[1]);
	T_EQ(lu2k_cookie_lookup(t, c[1]), -EALREADY); /* duplicate completion */
	lu2k_cookie_put(t, (__u32)s[1]);	      /* harmless */
	lu2k_cookie_put(t, 99);			      /* no such slot: harmless */
	T_EQ(t->used, 3);
	/* the slot comes back with a new cookie; the old one stays dead */
	T_EQ(lu2k_cookie_get(t, &again), s[1]);
	T_ASSERT(again != c[1]);
	T_EQU(lu2k_cookie_gen_of(again), lu2k_cookie_gen_of(c[1]) + 1);
	T_EQ(lu2k_cookie_lookup(t, c[1]), -ENOENT);
	T_EQ(lu2k_cookie_lookup(t, again), s[1]);
	for (__u32 i = 0; i < 4; i++)
		lu2k_cookie_put(t, i);
	T_EQ(t->used, 0);
	/* last freed, first issued */
	T_EQ(lu2k_cookie_get(t, &again), 3);
	free(t);
}

static void test_forged(void)
{
	struct lu2k_cookie_tab *t = tab_new(8);
	__u64 c;
	int s;

	T_ASSERT(t);
	s = lu2k_cookie_get(t, &c);
	T_EQ(lu2k_cookie_lookup(t, c + (1ULL << 32)), -ENOENT);		/* wrong generation */
	T_EQ(lu2k_cookie_lookup(t, (c & ~0xffffffffULL) | 8), -ENOENT); /* slot past cap */
	T_EQ(lu2k_cookie_lookup(t, (__u64)(s + 1)), -ENOENT);		/* generation 0 */
	T_EQ(lu2k_cookie_lookup(t, lu2k_cookie_make(1, 1)), -ENOENT);	/* slot never used */
	T_EQ(lu2k_cookie_lookup(t, ~0ULL), -ENOENT);
	T_EQ(lu2k_cookie_lookup(t, 0), -ENOENT);
	T_ASSERT(lu2k_cookie_busy(t, (__u32)s));
	T_ASSERT(!lu2k_cookie_busy(t, 7));
	T_ASSERT(!lu2k_cookie_busy(t, 8));
	free(t);
}

static void test_many_cycles_unique(void)
{
	struct lu2k_cookie_tab *t = tab_new(1);
	__u64 prev = 0, c;

	T_ASSERT(t);
	for (int i = 0; i < 100000; i++) {
		T_EQ(lu2k_cookie_get(t, &c), 0);
		T_ASSERT(c != prev);
		T_EQ(lu2k_cookie_lookup(t, prev), -ENOENT);
		lu2k_cookie_put(t, 0);
		prev = c;
	}
	free(t);
}

/* After 2^32 - 1 uses of a slot the generation skips 0 (0 is never a cookie's). */
static void test_generation_wraps(void)
{
	struct lu2k_cookie_tab *t = tab_new(2);
	__u64 c;

	T_ASSERT(t);
	t->slot[0].gen = 0xfffffffeU;
	T_EQ(lu2k_cookie_get(t, &c), 0);
	T_EQU(lu2k_cookie_gen_of(c), 0xffffffffU);
	lu2k_cookie_put(t, 0);
	T_EQ(lu2k_cookie_get(t, &c), 0);
	T_EQU(lu2k_cookie_gen_of(c), 1);
	T_EQ(lu2k_cookie_lookup(t, c), 0);
	T_EQ(lu2k_cookie_lookup(t, lu2k_cookie_make(0, 0)), -ENOENT);
	free(t);
}

int main(void)
{
	T_RUN(test_encoding);
	T_RUN(test_sizes);
	T_RUN(test_issue_complete);
	T_RUN(test_forged);
	T_RUN(test_many_cycles_unique);
	T_RUN(test_generation_wraps);
	return t_done();
}
