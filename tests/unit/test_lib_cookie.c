/* SPDX-License-Identifier: MIT */
/* The cookie table: issued once, completed once, unknown and duplicate cookies refused. */
#include <errno.h>

#include "lib/cookie.h"
#include "../t.h"

static void test_issue_complete(void)
{
	struct lu2k_cookies t;
	uint64_t c[4], again;
	int s[4];

	T_EQ(lu2k_cookies_init(&t, 4), 0);
	for (int i = 0; i < 4; i++) {
		s[i] = lu2k_cookies_get(&t, &c[i]);
		T_ASSERT(s[i] >= 0);
		T_EQ(lu2k_cookies_lookup(&t, c[i]), s[i]);
	}
	T_EQ(lu2k_cookies_get(&t, &again), -ENOSPC);
	T_EQ(t.used, 4);
	lu2k_cookies_put(&t, (uint32_t)s[1]);
	T_EQ(lu2k_cookies_lookup(&t, c[1]), -EALREADY); /* duplicate completion */
	lu2k_cookies_put(&t, (uint32_t)s[1]);		/* harmless */
	T_EQ(t.used, 3);
	/* the slot comes back with a new cookie; the old one stays dead */
	T_EQ(lu2k_cookies_get(&t, &again), s[1]);
	T_ASSERT(again != c[1]);
	T_EQ(lu2k_cookies_lookup(&t, c[1]), -ENOENT);
	T_EQ(lu2k_cookies_lookup(&t, again), s[1]);
	lu2k_cookies_fini(&t);
}

static void test_forged(void)
{
	struct lu2k_cookies t;
	uint64_t c;
	int s;

	T_EQ(lu2k_cookies_init(&t, 8), 0);
	s = lu2k_cookies_get(&t, &c);
	T_EQ(lu2k_cookies_lookup(&t, c + (1ULL << 32)), -ENOENT);	  /* wrong generation */
	T_EQ(lu2k_cookies_lookup(&t, (c & ~0xffffffffULL) | 8), -ENOENT); /* slot past cap */
	T_EQ(lu2k_cookies_lookup(&t, (uint64_t)(s + 1)), -ENOENT);	  /* generation 0 */
	T_EQ(lu2k_cookies_lookup(&t, ~0ULL), -ENOENT);
	T_EQ(lu2k_cookies_lookup(&t, 0), -ENOENT);
	T_ASSERT(lu2k_cookies_busy(&t, (uint32_t)s));
	T_ASSERT(!lu2k_cookies_busy(&t, 7));
	lu2k_cookies_fini(&t);
}

static void test_many_cycles_unique(void)
{
	struct lu2k_cookies t;
	uint64_t prev = 0, c;

	T_EQ(lu2k_cookies_init(&t, 1), 0);
	for (int i = 0; i < 100000; i++) {
		T_EQ(lu2k_cookies_get(&t, &c), 0);
		T_ASSERT(c != prev);
		T_EQ(lu2k_cookies_lookup(&t, prev), -ENOENT);
		lu2k_cookies_put(&t, 0);
		prev = c;
	}
	lu2k_cookies_fini(&t);
	T_EQ(lu2k_cookies_init(&t, 0), -EINVAL);
}

int main(void)
{
	T_RUN(test_issue_complete);
	T_RUN(test_forged);
	T_RUN(test_many_cycles_unique);
	return t_done();
}
