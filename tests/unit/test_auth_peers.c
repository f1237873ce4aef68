/* SPDX-License-Identifier: MIT */
/* The handshake policy (auth/peers.c): NID ranges, the allow-list, replay memory, reload. */
#include <errno.h>
#include <stdlib.h>

#include "auth/peers.h"
#include "common/nid.h"
#include "../t.h"

static struct lu2k_nid nid(const char *s)
{
	struct lu2k_nid n;

	if (lu2k_nid_parse(s, &n))
		abort();
	return n;
}

static int match(const char *range, const char *n)
{
	struct lu2k_nid_range r;
	struct lu2k_nid x = nid(n);

	if (lu2k_nid_range_parse(range, &r))
		return -1;
	return lu2k_nid_range_match(&r, &x);
}

static void test_ranges(void)
{
	struct lu2k_nid_range r;
	char buf[LU2K_NID_RANGE_STRLEN];

	T_EQ(match("192.0.2.7@lu2k", "192.0.2.7@lu2k"), 1);
	T_EQ(match("192.0.2.7@lu2k", "192.0.2.8@lu2k"), 0);
	T_EQ(match("192.0.2.7@lu2k", "192.0.2.7@lu2k1"), 0);
	T_EQ(match("192.0.2.0/24@lu2k", "192.0.2.200@lu2k"), 1);
	T_EQ(match("192.0.2.0/24@lu2k", "192.0.3.1@lu2k"), 0);
	T_EQ(match("192.0.2.128/25@lu2k", "192.0.2.127@lu2k"), 0);
	T_EQ(match("192.0.2.128/25@lu2k", "192.0.2.129@lu2k"), 1);
	T_EQ(match("0.0.0.0/0@lu2k3", "10.1.2.3@lu2k3"), 1);
	T_EQ(match("0.0.0.0/0@lu2k3", "[2001:db8::1]@lu2k3"), 0);
	T_EQ(match("*@lu2k", "[2001:db8::1]@lu2k"), 1);
	T_EQ(match("*@lu2k", "10.0.0.1@lu2k"), 1);
	T_EQ(match("*@lu2k", "10.0.0.1@lu2k2"), 0);
	T_EQ(match("[2001:db8::]/64@lu2k1", "[2001:db8::42]@lu2k1"), 1);
	T_EQ(match("[2001:db8::]/64@lu2k1", "[2001:db9::42]@lu2k1"), 0);
	/* refused: host bits set, too long a prefix, junk */
	T_EQ(lu2k_nid_range_parse("192.0.2.7/24@lu2k", &r), -EINVAL);
	T_EQ(lu2k_nid_range_parse("192.0.2.0/33@lu2k", &r), -EINVAL);
	T_EQ(lu2k_nid_range_parse("192.0.2.0/@lu2k", &r), -EINVAL);
	T_EQ(lu2k_nid_range_parse("192.0.2.0/24x@lu2k", &r), -EINVAL);
	T_EQ(lu2k_nid_range_parse("192.0.2.0/24", &r), -EINVAL);
	T_EQ(lu2k_nid_range_parse("*@tcp", &r), -EINVAL);
	T_EQ(lu2k_nid_range_parse("**@lu2k", &r), -EINVAL);
	T_EQ(lu2k_nid_range_parse("192.0.2.0/24@lu2k", &r), 0);
	T_STREQ(lu2k_nid_range_format(&r, buf, sizeof(buf)), "192.0.2.0/24@lu2k");
	T_EQ(lu2k_nid_range_parse("*@lu2k4", &r), 0);
	T_STREQ(lu2k_nid_range_format(&r, buf, sizeof(buf)), "*@lu2k4");
	T_EQ(lu2k_nid_range_parse("192.0.2.9@lu2k", &r), 0);
	T_STREQ(lu2k_nid_range_format(&r, buf, sizeof(buf)), "192.0.2.9@lu2k");
}

static void mk(struct lu2k_auth *a, uint8_t self, uint8_t other, const char *range)
{
	memset(a, 0, sizeof(*a));
	a->enabled = true;
	memset(a->local.priv.b, self, 32);
	lu2k_key_public(&a->local.pub, &a->local.priv);
	a->peers = calloc(2, sizeof(*a->peers));
	a->npeers = 1;
	memset(a->peers[0].pub.b, other, 32);
	lu2k_nid_range_parse(range, &a->peers[0].r[0]);
	a->peers[0].nr = 1;
}

static void test_allow(void)
{
	struct lu2k_auth a;
	struct lu2k_hs_claim c = { 0 };
	struct lu2k_hs_replay *r1 = NULL, *r2 = NULL;

	mk(&a, 1, 9, "192.0.2.0/24@lu2k");
	memset(c.peer_pub.b, 9, 32);
	c.src = nid("192.0.2.5@lu2k");
	T_EQ(lu2k_auth_allow(&a, &c, &r1), 0);
	T_ASSERT(r1 != NULL);
	T_EQ(lu2k_auth_allow(&a, &c, &r2), 0);
	T_ASSERT(r1 == r2); /* one replay memory per (key, NID) */
	c.src = nid("192.0.2.6@lu2k");
	T_EQ(lu2k_auth_allow(&a, &c, &r2), 0);
	T_ASSERT(r1 != r2);
	c.src = nid("6.6.6.6@lu2k");
	T_EQ(lu2k_auth_allow(&a, &c, &r2), LU2K_HS_ENID);
	memset(c.peer_pub.b, 8, 32);
	c.src = nid("192.0.2.5@lu2k");
	T_EQ(lu2k_auth_allow(&a, &c, &r2), LU2K_HS_EUNKNOWN);
	/* the key expected of a NID we connect to */
	struct lu2k_nid n = nid("192.0.2.77@lu2k");
	T_ASSERT(lu2k_auth_key_for(&a, &n) == &a.peers[0].pub);
	n = nid("192.0.3.77@lu2k");
	T_ASSERT(lu2k_auth_key_for(&a, &n) == NULL);
	lu2k_auth_free(&a);
	T_ASSERT(a.peers == NULL);
}

static void test_replay_memory_bounded(void)
{
	struct lu2k_auth a;
	struct lu2k_hs_claim c = { 0 };
	struct lu2k_hs_replay *r = NULL;

	mk(&a, 1, 9, "*@lu2k");
	memset(c.peer_pub.b, 9, 32);
	for (unsigned int i = 0; i < LU2K_AUTH_REPLAY_MAX + 100; i++) {
		c.src = nid("10.0.0.1@lu2k");
		c.src.addr[2] = (uint8_t)(i >> 8);
		c.src.addr[3] = (uint8_t)i;
		T_EQ(lu2k_auth_allow(&a, &c, &r), 0);
	}
	T_EQU(a.nreplay, LU2K_AUTH_REPLAY_MAX);
	lu2k_auth_free(&a);
}

static void test_network_mode(void)
{
	struct lu2k_auth a = { 0 }, b = { 0 };
	struct lu2k_key psk;
	struct lu2k_hs_claim c = { 0 };
	struct lu2k_hs_replay *r = NULL;
	struct lu2k_nid n = nid("10.9.9.9@lu2k7");

	memset(psk.b, 0x33, 32);
	lu2k_auth_network_identity(&a.local, &psk);
	lu2k_auth_network_identity(&b.local, &psk);
	a.network = b.network = a.enabled = true;
	/* every node derives the same pair, and the PSK goes into each handshake */
	T_MEMEQ(a.local.pub.b, b.local.pub.b, 32);
	T_ASSERT(a.local.has_psk);
	T_ASSERT(lu2k_auth_key_for(&a, &n) == &a.local.pub);
	c.peer_pub = a.local.pub;
	c.src = n;
	T_EQ(lu2k_auth_allow(&a, &c, &r), 0);
	memset(c.peer_pub.b, 5, 32);
	T_EQ(lu2k_auth_allow(&a, &c, &r), LU2K_HS_EUNKNOWN);
	psk.b[0] ^= 1;
	lu2k_auth_network_identity(&b.local, &psk);
	T_ASSERT(memcmp(a.local.pub.b, b.local.pub.b, 32) != 0);
	lu2k_auth_free(&a);
	lu2k_auth_free(&b);
}

static void test_replace(void)
{
	struct lu2k_auth cur, next;
	struct lu2k_hs_claim c = { 0 };
	struct lu2k_hs_replay *r = NULL;

	mk(&cur, 1, 9, "192.0.2.0/24@lu2k");
	memset(c.peer_pub.b, 9, 32);
	c.src = nid("192.0.2.5@lu2k");
	T_EQ(lu2k_auth_allow(&cur, &c, &r), 0);
	lu2k_hs_replay_record(r, 1234);
	c.src = nid("192.0.2.6@lu2k");
	T_EQ(lu2k_auth_allow(&cur, &c, &r), 0);
	cur.st.hs_ok = 7;
	/* the new policy: peer 9 keeps .5 only, and our key changes */
	mk(&next, 2, 9, "192.0.2.5@lu2k");
	lu2k_auth_replace(&cur, &next);
	T_EQU(cur.nreplay, 1);
	T_EQU(cur.st.hs_ok, 7);
	T_EQ(cur.local.priv.b[0], 2);
	c.src = nid("192.0.2.5@lu2k");
	T_EQ(lu2k_auth_allow(&cur, &c, &r), 0);
	/* what it remembered is still refused: a replay does not pass a reload */
	T_EQ(lu2k_hs_replay_check(r, 1234), LU2K_HS_EREPLAY);
	c.src = nid("192.0.2.6@lu2k");
	T_EQ(lu2k_auth_allow(&cur, &c, &r), LU2K_HS_ENID);
	T_ASSERT(next.peers == NULL);
	lu2k_auth_free(&cur);
}

int main(void)
{
	if (lu2k_auth_init())
		return 1;
	T_RUN(test_ranges);
	T_RUN(test_allow);
	T_RUN(test_replay_memory_bounded);
	T_RUN(test_network_mode);
	T_RUN(test_replace);
	return t_done();
}
