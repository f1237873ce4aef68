// SPDX-License-Identifier: MIT
/*
 * test_udt_paths.c - the udt back-end's memory of paths: lookup by address
 * and port, refresh, expiry, forgetting, and a full table forgetting its
 * oldest entry; the tables under it (udt_memo.h) keyed by our address too
 * (the tokens' way), and a listener's smaller MSS.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "backends/udt_paths.h"
#include "tests/t.h"

#define S 1000000000ull

static struct sockaddr_storage v4(const char *ip, unsigned int port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &a->sin_addr) != 1)
		abort();
	return ss;
}

static struct udtb_paths p;

static void test_lookup_expiry(void)
{
	struct sockaddr_storage a = v4("192.0.2.1", 7988), b = v4("192.0.2.1", 7989);
	uint32_t rate = 0, rtt = 0;

	udtb_paths_init(&p, 600 * S);
	T_EQ(udtb_paths_get(&p, &a, 10 * S, &rate, &rtt), 0);
	udtb_paths_put(&p, &a, 4167, 600000, 10 * S);
	T_EQ(udtb_paths_get(&p, &a, 20 * S, &rate, &rtt), 1);
	T_EQ(rate, 4167);
	T_EQ(rtt, 600000);
	/* another port is another path */
	T_EQ(udtb_paths_get(&p, &b, 20 * S, &rate, &rtt), 0);
	/* refreshed: the new figures, the new time */
	udtb_paths_put(&p, &a, 2000, 610000, 500 * S);
	T_EQ(udtb_paths_get(&p, &a, 1000 * S, &rate, &rtt), 1);
	T_EQ(rate, 2000);
	/* expired: gone for good */
	T_EQ(udtb_paths_get(&p, &a, 1100 * S, &rate, &rtt), 0);
	T_EQ(udtb_paths_get(&p, &a, 1100 * S, &rate, &rtt), 0);
	T_EQ(p.expired, 1);
	/* a rate of 0 (the connection learnt nothing) forgets */
	udtb_paths_put(&p, &a, 4167, 600000, 2000 * S);
	udtb_paths_put(&p, &a, 0, 0, 2001 * S);
	T_EQ(udtb_paths_get(&p, &a, 2002 * S, &rate, &rtt), 0);
}

static void test_disabled(void)
{
	struct sockaddr_storage a = v4("192.0.2.1", 7988);
	uint32_t rate = 0, rtt = 0;

	udtb_paths_init(&p, 0);
	udtb_paths_put(&p, &a, 4167, 600000, 10 * S);
	T_EQ(udtb_paths_get(&p, &a, 10 * S, &rate, &rtt), 0);
}

static void test_full_forgets_oldest(void)
{
	char ip[32];
	uint32_t rate = 0, rtt = 0;
	struct sockaddr_storage a;
	unsigned int i;

	udtb_paths_init(&p, 600 * S);
	for (i = 0; i < UDTB_PATHS_N + 1; i++) {
		snprintf(ip, sizeof(ip), "10.0.%u.%u", i / 200, i % 200 + 1);
		a = v4(ip, 7988);
		udtb_paths_put(&p, &a, 1000 + i, 1000, (1 + i) * S);
	}
	/* the first (oldest) is gone, the second and the last are there */
	a = v4("10.0.0.1", 7988);
	T_EQ(udtb_paths_get(&p, &a, 200 * S, &rate, &rtt), 0);
	a = v4("10.0.0.2", 7988);
	T_EQ(udtb_paths_get(&p, &a, 200 * S, &rate, &rtt), 1);
	T_EQ(rate, 1001);
	snprintf(ip, sizeof(ip), "10.0.%u.%u", UDTB_PATHS_N / 200, UDTB_PATHS_N % 200 + 1);
	a = v4(ip, 7988);
	T_EQ(udtb_paths_get(&p, &a, 200 * S, &rate, &rtt), 1);
	T_EQ(rate, 1000 + UDTB_PATHS_N);
}

/*
 * Keyed by the peer's address and ours (the tokens' tables): one entry per
 * pair, none found without a local address for one kept with it, and the
 * other way round; forgetting one leaves the other.
 */
struct memo_int {
	struct udtb_memo_key k;
	int v;
};

static void test_memo_local(void)
{
	static struct memo_int tab[4];
	struct sockaddr_storage peer = v4("192.0.2.9", 7988), l1 = v4("10.0.0.1", 0),
				l2 = v4("10.0.0.2", 0);
	struct memo_int *e;

	((struct memo_int *)udtb_memo_take(tab, 4, sizeof(tab[0]), &peer, &l1, 1 * S))->v = 1;
	((struct memo_int *)udtb_memo_take(tab, 4, sizeof(tab[0]), &peer, &l2, 2 * S))->v = 2;
	T_ASSERT(!udtb_memo_find(tab, 4, sizeof(tab[0]), &peer, NULL, 3 * S, 10 * S, NULL));
	e = udtb_memo_find(tab, 4, sizeof(tab[0]), &peer, &l2, 3 * S, 10 * S, NULL);
	T_ASSERT(e && e->v == 2);
	((struct memo_int *)udtb_memo_take(tab, 4, sizeof(tab[0]), &peer, NULL, 3 * S))->v = 3;
	udtb_memo_forget(tab, 4, sizeof(tab[0]), &peer, &l1);
	T_ASSERT(!udtb_memo_find(tab, 4, sizeof(tab[0]), &peer, &l1, 4 * S, 10 * S, NULL));
	e = udtb_memo_find(tab, 4, sizeof(tab[0]), &peer, NULL, 4 * S, 10 * S, NULL);
	T_ASSERT(e && e->v == 3);
	e = udtb_memo_find(tab, 4, sizeof(tab[0]), &peer, &l2, 4 * S, 10 * S, NULL);
	T_ASSERT(e && e->v == 2);
}

/* A listener's smaller MSS: asked for until it expires (an hour); never more than ours. */
static void test_mss(void)
{
	struct sockaddr_storage a = v4("192.0.2.7", 7988);

	udtb_paths_init(&p, 600 * S);
	T_EQ(udtb_paths_mss_get(&p, &a, 1500, 1 * S), 1500);
	udtb_paths_mss_put(&p, &a, 1400, 1 * S);
	T_EQ(udtb_paths_mss_get(&p, &a, 1500, 2 * S), 1400);
	T_EQ(udtb_paths_mss_get(&p, &a, 1300, 2 * S), 1300);
	T_EQU(p.mss_used, 1);
	T_EQ(udtb_paths_mss_get(&p, &a, 1500, 1 * S + UDTB_MSS_TTL_NS), 1500);
	T_EQ(udtb_paths_mss_get(&p, &a, 1500, 2 * S), 1500); /* forgotten */
}

int main(void)
{
	T_RUN(test_lookup_expiry);
	T_RUN(test_disabled);
	T_RUN(test_full_forgets_oldest);
	T_RUN(test_memo_local);
	T_RUN(test_mss);
	return t_done();
}
