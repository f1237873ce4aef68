/* SPDX-License-Identifier: MIT */
/* Unit tests of the peer table and the reconnect backoff (daemon/peer.c). */
#include <stdio.h>
#include <stdlib.h>

#include "common/nid.h"
#include "daemon/core.h"
#include "../t.h"

static struct lu2k_nid nid_n(unsigned int i, bool v6)
{
	struct lu2k_nid n;
	char s[64];

	if (v6)
		snprintf(s, sizeof(s), "[2001:db8::%x]@lu2k", i);
	else
		snprintf(s, sizeof(s), "10.%u.%u.%u@lu2k", (i >> 16) & 255, (i >> 8) & 255,
			 i & 255);
	lu2k_nid_parse(s, &n);
	return n;
}

static void test_table(void)
{
	static struct lu2kd d;
	static struct lu2k_chan ch1, ch2;
	enum { N = 5000 };

	ch1.id = 1;
	ch2.id = 2;
	T_EQ(lu2k_peers_init(&d), 0);
	for (unsigned int i = 0; i < N; i++) {
		struct lu2k_nid n = nid_n(i, i % 3 == 0);
		struct lu2k_peer *p = lu2k_peer_get(&d, &ch1, &n);

		T_ASSERT(p != NULL);
		T_ASSERT(lu2k_peer_get(&d, &ch1, &n) == p); /* no duplicate */
		T_EQ(p->state, PEER_IDLE);
	}
	T_EQ(d.npeers, N);
	T_ASSERT(d.peer_buckets >= N); /* grew as it filled */
	/* Same NID on another interface is another peer. */
	{
		struct lu2k_nid n = nid_n(7, false);
		struct lu2k_peer *a = lu2k_peer_find(&d, &ch1, &n);
		struct lu2k_peer *b = lu2k_peer_get(&d, &ch2, &n);

		T_ASSERT(a && b && a != b);
		T_ASSERT(lu2k_peer_find(&d, &ch2, &n) == b);
	}
	for (unsigned int i = 0; i < N; i++) {
		struct lu2k_nid n = nid_n(i, i % 3 == 0);
		struct lu2k_peer *p = lu2k_peer_find(&d, &ch1, &n);

		T_ASSERT(p && lu2k_nid_eq(&p->nid, &n) && p->ch == &ch1);
	}
	{
		struct lu2k_nid n = nid_n(N + 1, false);

		T_ASSERT(lu2k_peer_find(&d, &ch1, &n) == NULL);
	}
	while (!lu2k_list_empty(&d.peers)) {
		struct lu2k_peer *p = lu2k_list_first(&d.peers, struct lu2k_peer, link);

		lu2k_list_del(&p->link);
		free(p);
	}
	lu2k_peers_fini(&d);
}

static void test_backoff(void)
{
	uint32_t rng = 12345, cur = 0, prev_nominal = 0;

	/* 100 ms doubling to 10 s, each within +-25 % of its nominal value. */
	for (int i = 0; i < 20; i++) {
		uint32_t nominal = prev_nominal ? prev_nominal * 2 : 100;

		if (nominal > 10000)
			nominal = 10000;
		cur = lu2k_backoff_next(nominal == 100 ? 0 : nominal / 2, 100, 10000, &rng);
		T_ASSERT(cur >= nominal - nominal / 4 && cur <= nominal + nominal / 4);
		prev_nominal = nominal;
	}
	T_EQ(prev_nominal, 10000);
	/* Jitter really varies. */
	{
		uint32_t a = lu2k_backoff_next(800, 100, 10000, &rng);
		int differ = 0;

		for (int i = 0; i < 20; i++)
			differ += lu2k_backoff_next(800, 100, 10000, &rng) != a;
		T_ASSERT(differ > 10);
	}
	/* Chained on its own output it still stays within the bounds. */
	cur = 0;
	for (int i = 0; i < 100; i++) {
		cur = lu2k_backoff_next(cur, 100, 10000, &rng);
		T_ASSERT(cur >= 75 && cur <= 12500);
	}
}

int main(void)
{
	T_RUN(test_table);
	T_RUN(test_backoff);
	return t_done();
}
