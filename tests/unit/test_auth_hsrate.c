/* SPDX-License-Identifier: MIT */
/* Handshakes a second (auth/hsrate.c): the global bucket, the per-prefix ones under load. */
#include <stdlib.h>

#include "auth/hsrate.h"
#include "auth/peers.h"
#include "../t.h"

#define MS 1000000ull

static struct lu2k_hsrate r;

static void pfx(uint8_t k[4], uint32_t n)
{
	k[0] = 4;
	k[1] = (uint8_t)(n >> 16);
	k[2] = (uint8_t)(n >> 8);
	k[3] = (uint8_t)n;
}

static enum lu2k_hsrate_verdict take(uint32_t prefix, uint64_t now)
{
	uint8_t k[4];

	pfx(k, prefix);
	return lu2k_hsrate_take(&r, k, sizeof(k), now);
}

/* No load: one prefix may use the whole burst at once (a mount storm behind one router). */
static void test_no_load_no_prefix_limit(void)
{
	struct lu2k_hsrate_cfg cfg = { 100, 100, 5, 5 };

	lu2k_hsrate_init(&r, &cfg, 1);
	for (int i = 0; i < 50; i++)
		T_EQ(take(1, 1000 * MS + (uint64_t)i), LU2K_HSRATE_OK);
	T_ASSERT(!lu2k_hsrate_loaded(&r));
	T_EQU(r.st.limited_prefix, 0);
	/* the 51st leaves the bucket below half: load, and that prefix's share is long spent */
	T_EQ(take(1, 1000 * MS + 50), LU2K_HSRATE_OK);
	T_EQ(take(1, 1000 * MS + 51), LU2K_HSRATE_PREFIX);
	T_ASSERT(lu2k_hsrate_loaded(&r));
	T_EQU(r.st.loads, 1);
	/* another prefix still gets in */
	T_EQ(take(2, 1000 * MS + 52), LU2K_HSRATE_OK);
	/* load lasts a second after the bucket was last below half */
	T_EQ(take(3, 1900 * MS), LU2K_HSRATE_OK);
	T_ASSERT(lu2k_hsrate_loaded(&r));
	T_EQ(take(1, 2100 * MS), LU2K_HSRATE_OK);
	T_ASSERT(!lu2k_hsrate_loaded(&r));
}

/*
 * 20 prefixes flood at 1,000 handshakes a second each for 10 s; an honest
 * peer from its own prefix tries once a second: it gets in every time, the
 * flood is held to its prefixes' rates, and the work stays under the rate.
 */
static void test_flood_few_prefixes(void)
{
	struct lu2k_hsrate_cfg cfg = { 500, 500, 10, 20 };
	uint64_t t0 = 5000 * MS, ok = 0;
	int honest_ok = 0;

	lu2k_hsrate_init(&r, &cfg, 7);
	for (uint64_t t = 0; t < 10000 * MS; t += MS) {
		for (uint32_t p = 0; p < 20; p++)
			ok += take(100 + p, t0 + t) == LU2K_HSRATE_OK;
		if (t % (1000 * MS) == 500 * MS)
			honest_ok += take(7, t0 + t) == LU2K_HSRATE_OK;
	}
	T_EQ(honest_ok, 10);
	T_ASSERT(r.st.limited_prefix > 190000);
	T_ASSERT(r.st.loads >= 1);
	/* the work: at most the burst and the rate */
	T_ASSERT(ok <= 500 + 500 * 10);
	T_EQU(r.st.allowed, ok + 10);
}

/*
 * 200 prefixes (more than rate / prefix_rate) flood: the global bucket
 * empties to its reserve, the work stays at the rate, and honest peers that
 * come while it lasts (each on its first initiation, after the flood's)
 * get in at once; one that keeps trying is not quiet, and waits.
 */
static void test_flood_many_prefixes(void)
{
	struct lu2k_hsrate_cfg cfg = { 500, 500, 10, 20 };
	uint64_t t0 = 5000 * MS, ok = 0;
	int honest_ok = 0, busy_ok = 0;

	lu2k_hsrate_init(&r, &cfg, 9);
	for (uint64_t t = 0; t < 10000 * MS; t += MS) {
		for (uint32_t p = 0; p < 200; p++)
			ok += take(1000 + p, t0 + t + p) == LU2K_HSRATE_OK;
		/* from 2 s on, a new honest prefix every 500 ms */
		if (t >= 2000 * MS && t % (500 * MS) == 0)
			honest_ok +=
				take(20000 + (uint32_t)(t / MS), t0 + t + 999) == LU2K_HSRATE_OK;
		/* one that tries every 100 ms from the start */
		if (t % (100 * MS) == 0 && t >= 2000 * MS)
			busy_ok += take(7, t0 + t + 998) == LU2K_HSRATE_OK;
	}
	T_EQ(honest_ok, 16);
	T_ASSERT(r.st.limited_global > 1000000);
	T_ASSERT(ok <= 500 + 10 * 500);
	/* the busy one got its first (it was quiet then), and not every one after */
	T_ASSERT(busy_ok >= 1 && busy_ok < 80);
}

/* rate 0: no limit; more prefixes than slots: their entries are taken over, and still limited. */
static void test_off_and_many_slots(void)
{
	struct lu2k_hsrate_cfg off = { 0, 0, 0, 0 }, cfg = { 100, 100, 1, 1 };

	lu2k_hsrate_init(&r, &off, 1);
	for (int i = 0; i < 10000; i++)
		T_EQ(take(1, (uint64_t)i), LU2K_HSRATE_OK);
	lu2k_hsrate_init(&r, &cfg, 3);
	/* load first, from one prefix */
	for (int i = 0; i < 60; i++)
		take(1, 1000 * MS);
	T_ASSERT(lu2k_hsrate_loaded(&r));
	for (uint32_t p = 0; p < 4 * LU2K_HSRATE_SLOTS; p++)
		take(10 + p, 1000 * MS + p);
	/* the global bucket is spent (its reserve too, by 4,096 quiet prefixes): even a new one waits */
	T_EQ(take(5, 1001 * MS), LU2K_HSRATE_GLOBAL);
	T_ASSERT(r.st.limited_global > 0);
	T_STREQ(lu2k_hsrate_verdict_str(LU2K_HSRATE_PREFIX),
		"its /24 or /64 is over its share under load");
}

/* A reload keeps the buckets (the load goes on) and takes the new limits; counted in st. */
static void test_reload(void)
{
	struct lu2k_hsrate_cfg one = { 10, 10, 1, 1 }, two = { 1000, 1000, 0, 0 };
	struct lu2k_auth cur, next;
	struct lu2k_hsrate *kept;
	uint8_t k[4];
	int limited = 0;

	memset(&cur, 0, sizeof(cur));
	memset(&next, 0, sizeof(next));
	T_EQ(lu2k_auth_hs_rate_set(&cur, &one), 0);
	kept = cur.rate;
	pfx(k, 1);
	for (int i = 0; i < 20; i++)
		limited += lu2k_auth_hs_rate(&cur, k, sizeof(k), 1000 * MS) != LU2K_HSRATE_OK;
	T_ASSERT(limited > 0);
	T_EQU(cur.st.hs_rate_prefix + cur.st.hs_rate_global, (uint64_t)limited);
	T_EQ(lu2k_auth_hs_rate_set(&next, &two), 0);
	lu2k_auth_replace(&cur, &next);
	T_ASSERT(cur.rate == kept);
	T_EQU(cur.rate->cfg.rate, 1000);
	T_EQU(cur.rate->st.allowed, 20 - (uint64_t)limited);
	T_ASSERT(!next.rate);
	T_EQU(cur.st.hs_rate_prefix + cur.st.hs_rate_global, (uint64_t)limited);
	lu2k_auth_free(&cur);
}

int main(void)
{
	if (lu2k_auth_init())
		return 1;
	T_RUN(test_no_load_no_prefix_limit);
	T_RUN(test_flood_few_prefixes);
	T_RUN(test_flood_many_prefixes);
	T_RUN(test_off_and_many_slots);
	T_RUN(test_reload);
	return t_done();
}
