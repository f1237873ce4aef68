/* SPDX-License-Identifier: MIT */
/* Unit tests of the choice of an unproven connection to close (backends/halfopen.c). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "backends/halfopen.h"
#include "common/list.h"
#include "tests/t.h"

static struct lu2k_halfopen_key key(const char *ip)
{
	struct lu2k_halfopen_key k;
	uint8_t a[16];

	if (strchr(ip, ':')) {
		inet_pton(AF_INET6, ip, a);
		lu2k_halfopen_key(&k, AF_INET6, a);
	} else {
		inet_pton(AF_INET, ip, a);
		lu2k_halfopen_key(&k, AF_INET, a);
	}
	return k;
}

static int same(const char *a, const char *b)
{
	struct lu2k_halfopen_key x = key(a), y = key(b);

	return !memcmp(&x, &y, sizeof(x));
}

static void test_keys(void)
{
	T_ASSERT(same("10.1.2.3", "10.1.2.250"));
	T_ASSERT(!same("10.1.2.3", "10.1.3.3"));
	T_ASSERT(same("2001:db8:1:2::1", "2001:db8:1:2:ffff::9"));
	T_ASSERT(!same("2001:db8:1:2::1", "2001:db8:1:3::1"));
	T_ASSERT(same("::ffff:10.1.2.3", "::ffff:10.1.2.99"));
	T_ASSERT(!same("::ffff:10.1.2.3", "::ffff:10.1.9.3"));
	T_ASSERT(!same("::ffff:10.1.2.3", "10.1.2.3")); /* families apart, as same_net */
	T_ASSERT(!same("10.0.0.1", "::a00:1"));
}

/* The oldest of the prefix that holds the most, the newcomer counted in its own. */
static void test_victim(void)
{
	struct lu2k_halfopen_key k[8], nk;

	k[0] = key("10.0.1.1");
	k[1] = key("10.0.2.1");
	k[2] = key("10.0.2.2");
	k[3] = key("10.0.1.2");
	k[4] = key("10.0.2.3");
	nk = key("192.0.2.1"); /* holds none: 10.0.2's oldest goes */
	T_EQ(lu2k_halfopen_victim(k, 5, &nk), 1);
	nk = key("10.0.1.9"); /* 3 against 10.0.2's 3: the older prefix, 10.0.1, renews */
	T_EQ(lu2k_halfopen_victim(k, 5, &nk), 0);
	nk = key("10.0.2.9"); /* the newcomer's prefix holds the most: its own oldest goes */
	T_EQ(lu2k_halfopen_victim(k, 5, &nk), 1);
	nk = key("192.0.2.1"); /* 2 and 2: the prefix whose oldest is older */
	T_EQ(lu2k_halfopen_victim(k, 4, &nk), 0);
	nk = key("10.0.2.7"); /* 3 against 2 */
	T_EQ(lu2k_halfopen_victim(k, 4, &nk), 1);
	T_EQ(lu2k_halfopen_victim(k, 0, &nk), -1);
	k[0] = key("2001:db8::1");
	nk = key("2001:db8::2");
	T_EQ(lu2k_halfopen_victim(k, 1, &nk), 0);
	nk = key("2001:db8:0:1::2"); /* every prefix holds one: the oldest goes */
	T_EQ(lu2k_halfopen_victim(k, 1, &nk), 0);
}

/*
 * One attacker's prefix holds them all, and an honest peer of the same
 * prefix connects: it stays until its prefix opens as many more.
 */
static void test_same_prefix(void)
{
	struct lu2k_halfopen_key k[16], nk = key("10.9.9.1");
	uint32_t honest = 15;

	for (int i = 0; i < 16; i++)
		k[i] = nk; /* the honest one is k[15], the newest */
	for (int round = 0; round < 15; round++) {
		int32_t v = lu2k_halfopen_victim(k, 16, &nk);

		T_EQ(v, 0);
		memmove(&k[0], &k[1], 15 * sizeof(k[0]));
		honest--;
	}
	T_EQ(honest, 0); /* the 16th newer one would close it */
}

/* 20 prefixes hold 8 each: a prefix that holds one never loses it, whatever comes after. */
static void test_many_prefixes(void)
{
	struct lu2k_halfopen_key k[161], nk, honest = key("192.0.2.7");
	uint32_t n = 0;
	char ip[32];

	for (int i = 0; i < 160; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.1", i % 20, i % 20);
		k[n++] = key(ip);
	}
	k[n++] = honest; /* the honest one, newest */
	for (int round = 0; round < 1000; round++) {
		int32_t v;

		snprintf(ip, sizeof(ip), "10.%d.%d.1", round % 20, round % 20);
		nk = key(ip);
		v = lu2k_halfopen_victim(k, n, &nk);
		if (v < 0)
			continue;
		T_ASSERT(memcmp(&k[v], &honest, sizeof(honest)));
		memmove(&k[v], &k[v + 1], (n - (uint32_t)v - 1) * sizeof(k[0]));
		k[n - 1] = nk;
	}
	for (uint32_t i = 0; i < n; i++)
		if (!memcmp(&k[i], &honest, sizeof(honest)))
			return;
	T_FAIL_("the honest prefix's connection was closed");
}

struct tconn {
	struct lu2k_list link;
	bool proven; /* said hello: never a candidate */
	const char *ip;
};

static bool tconn_key(struct lu2k_list *node, struct lu2k_halfopen_key *k)
{
	struct tconn *c = lu2k_container_of(node, struct tconn, link);

	if (c->proven)
		return false;
	*k = key(c->ip);
	return true;
}

/* Over a list: proven connections are skipped, at most n looked at, oldest first. */
static void test_pick(void)
{
	struct tconn cs[] = {
		{ .ip = "10.0.1.1", .proven = true },
		{ .ip = "10.0.2.1" },
		{ .ip = "10.0.1.2" },
		{ .ip = "10.0.1.3" },
		{ .ip = "10.0.2.2" },
		{ .ip = "10.0.1.4" },
	};
	struct lu2k_halfopen_key nk = key("10.0.3.1");
	struct lu2k_list head;

	lu2k_list_init(&head);
	T_ASSERT(lu2k_halfopen_pick(&head, 4, tconn_key, &nk) == NULL);
	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
		lu2k_list_add_tail(&head, &cs[i].link);
	/* 10.0.1/24 holds 3 unproven (the proven one does not count): its oldest goes */
	T_ASSERT(lu2k_halfopen_pick(&head, 5, tconn_key, &nk) == &cs[2].link);
	/* looking at the first 2 only: 10.0.2.1 and 10.0.1.2, one each: the oldest prefix's */
	T_ASSERT(lu2k_halfopen_pick(&head, 2, tconn_key, &nk) == &cs[1].link);
	T_ASSERT(lu2k_halfopen_pick(&head, 0, tconn_key, &nk) == NULL);
}

int main(void)
{
	T_RUN(test_keys);
	T_RUN(test_victim);
	T_RUN(test_same_prefix);
	T_RUN(test_many_prefixes);
	T_RUN(test_pick);
	return t_done();
}
