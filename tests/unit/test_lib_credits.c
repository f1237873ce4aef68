/* SPDX-License-Identifier: MIT */
/* liblu2k's peer table and its credits (the rules: include/lu2k/credit.h, test_credit.c). */
#include <errno.h>
#include <stdio.h>

#include "common/nid.h"
#include "lib/credits.h"
#include "../t.h"

static void test_peer_and_total(void)
{
	struct lu2k_credits c;
	struct lu2k_nid a, b;
	int pa, pb;

	lu2k_nid_parse("192.0.2.1@lu2k", &a);
	lu2k_nid_parse("192.0.2.2@lu2k", &b);
	T_EQ(lu2k_credits_init(&c, 2, 3), 0);
	pa = lu2k_credits_peer(&c, &a);
	pb = lu2k_credits_peer(&c, &b);
	T_ASSERT(pa >= 0 && pb >= 0 && pa != pb);
	T_EQ(lu2k_credits_peer(&c, &a), pa);
	T_EQ(lu2k_credits_take(&c, (uint32_t)pa), 0);
	T_EQ(lu2k_credits_take(&c, (uint32_t)pa), 0);
	T_EQ(lu2k_credits_take(&c, (uint32_t)pa), -EAGAIN); /* peer_credits */
	T_EQ(lu2k_credits_take(&c, (uint32_t)pb), 0);
	T_EQ(lu2k_credits_take(&c, (uint32_t)pb), -EAGAIN); /* credits */
	T_EQ(lu2k_credits_inflight(&c, &a), 2);
	lu2k_credits_give(&c, (uint32_t)pa);
	T_EQ(lu2k_credits_take(&c, (uint32_t)pb), 0);
	T_EQ(lu2k_credits_inflight(&c, &b), 2);
	lu2k_credits_give(&c, (uint32_t)pb);
	lu2k_credits_give(&c, (uint32_t)pb);
	lu2k_credits_give(&c, (uint32_t)pb); /* one too many: ignored */
	lu2k_credits_give(&c, 99);	     /* no such peer: ignored */
	T_EQ(c.cr.inflight, 1);
	lu2k_credits_fini(&c);
}

static void test_many_peers(void)
{
	struct lu2k_credits c;
	char s[64];

	T_EQ(lu2k_credits_init(&c, 1, 100000), 0);
	for (int i = 0; i < 5000; i++) {
		struct lu2k_nid n;

		snprintf(s, sizeof(s), "10.%d.%d.1@lu2k", i / 256, i % 256);
		T_EQ(lu2k_nid_parse(s, &n), 0);
		T_EQ(lu2k_credits_peer(&c, &n), i);
		T_EQ(lu2k_credits_take(&c, (uint32_t)i), 0);
	}
	for (int i = 0; i < 5000; i++) {
		struct lu2k_nid n;

		snprintf(s, sizeof(s), "10.%d.%d.1@lu2k", i / 256, i % 256);
		lu2k_nid_parse(s, &n);
		T_EQ(lu2k_credits_peer(&c, &n), i); /* stable across growth */
		T_EQ(lu2k_credits_inflight(&c, &n), 1);
	}
	T_EQ(c.nr_peers, 5000);
	lu2k_credits_fini(&c);
}

int main(void)
{
	T_RUN(test_peer_and_total);
	T_RUN(test_many_peers);
	return t_done();
}
