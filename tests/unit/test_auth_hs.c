/* SPDX-License-Identifier: MIT */
/*
 * The node handshake (auth/hs.c): keys agree, each refusal (unknown key, a
 * NID the key does not own, replay, tampering, wrong PSK, low-order points)
 * and the initiation-replay set. Keys are fixed so that runs are identical.
 */
#include <stdlib.h>

#include "auth/hs.h"
#include "common/nid.h"
#include "lu2k/desc.h"
#include "../t.h"

static struct lu2k_hs_local ini, rsp;
static struct lu2k_key e1, e2;
static struct lu2k_nid nid_i, nid_r, nid_other;

/* The responder's allow-list in these tests: ini's key owns nid_i only. */
static struct lu2k_hs_replay replay_i;
static int allow_calls;

static int allow(void *ud, const struct lu2k_hs_claim *c, struct lu2k_hs_replay **rp)
{
	allow_calls++;
	if (memcmp(c->peer_pub.b, ini.pub.b, 32))
		return LU2K_HS_EUNKNOWN;
	if (!lu2k_nid_equal(&c->src, &nid_i) || !lu2k_nid_equal(&c->dst, &nid_r))
		return LU2K_HS_ENID;
	*rp = &replay_i;
	return 0;
}

static void key_from(struct lu2k_key *k, uint8_t seed)
{
	for (int i = 0; i < 32; i++)
		k->b[i] = (uint8_t)(seed * 31 + i * 7);
	k->b[0] &= 248;
	k->b[31] = (k->b[31] & 127) | 64;
}

static void local_from(struct lu2k_hs_local *l, uint8_t seed)
{
	memset(l, 0, sizeof(*l));
	key_from(&l->priv, seed);
	lu2k_key_public(&l->pub, &l->priv);
}

static void setup(void)
{
	local_from(&ini, 1);
	local_from(&rsp, 2);
	key_from(&e1, 3);
	key_from(&e2, 4);
	lu2k_nid_parse("192.0.2.1@lu2k", &nid_i);
	lu2k_nid_parse("192.0.2.2@lu2k", &nid_r);
	lu2k_nid_parse("6.6.6.6@lu2k", &nid_other);
	memset(&replay_i, 0, sizeof(replay_i));
	allow_calls = 0;
}

/* A whole handshake with timestamp ts; returns respond's or finish's error. */
static int run(uint64_t ts, const struct lu2k_nid *src, struct lu2k_hs_keys *ki,
	       struct lu2k_hs_keys *kr)
{
	uint8_t m1[LU2K_HS_INIT_LEN], m2[LU2K_HS_RESP_LEN];
	struct lu2k_hs_claim c;
	struct lu2k_hs hs;
	int r;

	r = lu2k_hs_initiate(&hs, &ini, &rsp.pub, &e1, ts, 11, src, &nid_r, m1);
	if (r)
		return r;
	r = lu2k_hs_respond(&rsp, m1, sizeof(m1), allow, NULL, &e2, 22, &c, m2, kr);
	if (r)
		return r;
	return lu2k_hs_finish(&hs, &ini, m2, sizeof(m2), ki);
}

static void test_agree(void)
{
	uint8_t m1[LU2K_HS_INIT_LEN], m2[LU2K_HS_RESP_LEN];
	struct lu2k_hs_keys ki, kr;
	struct lu2k_hs_claim c;
	struct lu2k_hs hs;

	setup();
	T_EQ(lu2k_hs_initiate(&hs, &ini, &rsp.pub, &e1, 1000, 11, &nid_i, &nid_r, m1), 0);
	T_EQ(lu2k_hs_type(m1, sizeof(m1)), LU2K_HS_TYPE_INIT);
	T_EQ(lu2k_hs_respond(&rsp, m1, sizeof(m1), allow, NULL, &e2, 22, &c, m2, &kr), 0);
	T_MEMEQ(c.peer_pub.b, ini.pub.b, 32);
	T_ASSERT(lu2k_nid_equal(&c.src, &nid_i));
	T_ASSERT(lu2k_nid_equal(&c.dst, &nid_r));
	T_EQU(c.ts, 1000);
	T_EQU(c.peer_index, 11);
	T_EQ(lu2k_hs_finish(&hs, &ini, m2, sizeof(m2), &ki), 0);
	T_MEMEQ(ki.send, kr.recv, 32);
	T_MEMEQ(ki.recv, kr.send, 32);
	T_ASSERT(memcmp(ki.send, ki.recv, 32) != 0);
	T_EQU(ki.local_index, 11);
	T_EQU(ki.peer_index, 22);
	T_EQU(kr.local_index, 22);
	T_EQU(kr.peer_index, 11);
	/* once done, the handshake holds no secret and takes no second response */
	T_EQ(lu2k_hs_finish(&hs, &ini, m2, sizeof(m2), &ki), LU2K_HS_ESTATE);
	for (size_t i = 0; i < sizeof(hs.e_priv.b); i++)
		T_EQ(hs.e_priv.b[i], 0);
}

static void test_fresh_keys_each_time(void)
{
	struct lu2k_hs_keys a1, a2, b1, b2;

	setup();
	T_EQ(run(1, &nid_i, &a1, &a2), 0);
	key_from(&e1, 9);
	T_EQ(run(2, &nid_i, &b1, &b2), 0);
	T_ASSERT(memcmp(a1.send, b1.send, 32) != 0);
}

static void test_psk(void)
{
	struct lu2k_hs_keys ki, kr;

	setup();
	ini.has_psk = rsp.has_psk = true;
	memset(ini.psk.b, 0x5a, 32);
	memset(rsp.psk.b, 0x5a, 32);
	T_EQ(run(1, &nid_i, &ki, &kr), 0);
	T_MEMEQ(ki.send, kr.recv, 32);
	/* another PSK: the responder cannot tell (psk is in its answer), the initiator refuses it */
	rsp.psk.b[7] ^= 1;
	T_EQ(run(2, &nid_i, &ki, &kr), LU2K_HS_EDECRYPT);
	/* one side with, one without */
	rsp.has_psk = false;
	T_EQ(run(3, &nid_i, &ki, &kr), LU2K_HS_EDECRYPT);
}

static void test_unknown_key(void)
{
	uint8_t m1[LU2K_HS_INIT_LEN], m2[LU2K_HS_RESP_LEN];
	struct lu2k_hs_local evil;
	struct lu2k_hs_keys kr;
	struct lu2k_hs_claim c;
	struct lu2k_hs hs;

	setup();
	/* a node with its own key pair, addressing rsp correctly, but not listed */
	local_from(&evil, 7);
	T_EQ(lu2k_hs_initiate(&hs, &evil, &rsp.pub, &e1, 5, 1, &nid_i, &nid_r, m1), 0);
	T_EQ(lu2k_hs_respond(&rsp, m1, sizeof(m1), allow, NULL, &e2, 2, &c, m2, &kr),
	     LU2K_HS_EUNKNOWN);
	T_EQ(allow_calls, 1);
	T_EQ(replay_i.n, 0);
}

static void test_nid_not_owned(void)
{
	struct lu2k_hs_keys ki, kr;

	setup();
	T_EQ(run(1, &nid_other, &ki, &kr), LU2K_HS_ENID);
	T_EQ(allow_calls, 1);
	/* nothing recorded: the same timestamp for a NID it owns still goes */
	T_EQ(replay_i.n, 0);
	T_EQ(run(1, &nid_i, &ki, &kr), 0);
}

static void test_wrong_responder_key(void)
{
	uint8_t m1[LU2K_HS_INIT_LEN], m2[LU2K_HS_RESP_LEN];
	struct lu2k_hs_keys kr;
	struct lu2k_hs_claim c;
	struct lu2k_hs_local other;
	struct lu2k_hs hs;

	setup();
	local_from(&other, 8);
	T_EQ(lu2k_hs_initiate(&hs, &ini, &other.pub, &e1, 1, 1, &nid_i, &nid_r, m1), 0);
	T_EQ(lu2k_hs_respond(&rsp, m1, sizeof(m1), allow, NULL, &e2, 2, &c, m2, &kr), LU2K_HS_EMAC);
	/* with a mac1 for rsp's key, the sealed static key still does not open */
	lu2k_hs_mac1(m1 + 164, &rsp.pub, m1, 164);
	T_EQ(lu2k_hs_respond(&rsp, m1, sizeof(m1), allow, NULL, &e2, 2, &c, m2, &kr),
	     LU2K_HS_EDECRYPT);
	T_EQ(allow_calls, 0);
}

static void test_replay_initiation(void)
{
	uint8_t m1[LU2K_HS_INIT_LEN], m2[LU2K_HS_RESP_LEN];
	struct lu2k_hs_keys kr;
	struct lu2k_hs_claim c;
	struct lu2k_hs hs;

	setup();
	T_EQ(lu2k_hs_initiate(&hs, &ini, &rsp.pub, &e1, 77, 1, &nid_i, &nid_r, m1), 0);
	T_EQ(lu2k_hs_respond(&rsp, m1, sizeof(m1), allow, NULL, &e2, 2, &c, m2, &kr), 0);
	T_EQ(lu2k_hs_respond(&rsp, m1, sizeof(m1), allow, NULL, &e2, 3, &c, m2, &kr),
	     LU2K_HS_EREPLAY);
}

static void test_replay_set(void)
{
	struct lu2k_hs_replay r = { 0 };
	uint64_t last = 0;

	/* out of order but new: accepted while the set has room or they are newer than its oldest */
	for (uint64_t ts = 100; ts < 100 + LU2K_HS_TS_SET; ts++) {
		T_EQ(lu2k_hs_replay_check(&r, ts * 2), 0);
		lu2k_hs_replay_record(&r, ts * 2);
	}
	T_EQ(lu2k_hs_replay_check(&r, 200), LU2K_HS_EREPLAY);
	T_EQ(lu2k_hs_replay_check(&r, 201), 0);		      /* between kept ones, never seen */
	T_EQ(lu2k_hs_replay_check(&r, 199), LU2K_HS_EREPLAY); /* older than all kept */
	lu2k_hs_replay_record(&r, 201);			      /* evicts 200 */
	T_EQ(lu2k_hs_replay_check(&r, 200), LU2K_HS_EREPLAY);
	T_EQ(lu2k_hs_replay_check(&r, 201), LU2K_HS_EREPLAY);
	T_EQ(lu2k_hs_replay_check(&r, 1000), 0);
	/* the initiator's clock: strictly increasing even if now stands still or steps back */
	T_EQU(lu2k_hs_next_ts(&last, 50), 50);
	T_EQU(lu2k_hs_next_ts(&last, 50), 51);
	T_EQU(lu2k_hs_next_ts(&last, 10), 52);
	T_EQU(lu2k_hs_next_ts(&last, 90), 90);
}

/* Every single-bit change of either message is refused, and changes nothing. */
static void test_tamper(void)
{
	uint8_t m1[LU2K_HS_INIT_LEN], m2[LU2K_HS_RESP_LEN], t[LU2K_HS_INIT_LEN],
		o2[LU2K_HS_RESP_LEN];
	struct lu2k_hs_keys ki, kr;
	struct lu2k_hs_claim c;
	struct lu2k_hs hs;
	uint64_t ts = 1;

	setup();
	for (size_t i = 0; i < LU2K_HS_INIT_LEN * 8; i += 3) {
		T_EQ(lu2k_hs_initiate(&hs, &ini, &rsp.pub, &e1, ts++, 1, &nid_i, &nid_r, m1), 0);
		memcpy(t, m1, sizeof(t));
		t[i / 8] ^= (uint8_t)(1 << (i % 8));
		T_ASSERT(lu2k_hs_respond(&rsp, t, sizeof(t), allow, NULL, &e2, 2, &c, o2, &kr) < 0);
		/* even with a right mac1 (anyone can compute one) */
		if (i / 8 < 164) {
			lu2k_hs_mac1(t + 164, &rsp.pub, t, 164);
			T_ASSERT(lu2k_hs_respond(&rsp, t, sizeof(t), allow, NULL, &e2, 2, &c, o2,
						 &kr) < 0);
		}
	}
	T_EQ(replay_i.n, 0);
	T_EQ(lu2k_hs_initiate(&hs, &ini, &rsp.pub, &e1, ts, 1, &nid_i, &nid_r, m1), 0);
	T_EQ(lu2k_hs_respond(&rsp, m1, sizeof(m1), allow, NULL, &e2, 2, &c, m2, &kr), 0);
	for (size_t i = 0; i < LU2K_HS_RESP_LEN * 8; i++) {
		memcpy(o2, m2, sizeof(o2));
		o2[i / 8] ^= (uint8_t)(1 << (i % 8));
		if (i / 8 < 60)
			lu2k_hs_mac1(o2 + 60, &ini.pub, o2, 60);
		T_ASSERT(lu2k_hs_finish(&hs, &ini, o2, sizeof(o2), &ki) < 0);
	}
	/* the forged answers left the handshake waiting: the real one completes */
	T_EQ(lu2k_hs_finish(&hs, &ini, m2, sizeof(m2), &ki), 0);
	T_MEMEQ(ki.send, kr.recv, 32);
	T_EQ(lu2k_hs_respond(&rsp, m1, sizeof(m1) - 1, allow, NULL, &e2, 2, &c, o2, &kr),
	     LU2K_HS_EMALFORMED);
	T_EQ(lu2k_hs_finish(&hs, &ini, m2, 10, &ki), LU2K_HS_ESTATE);
}

static void test_low_order_ephemeral(void)
{
	uint8_t m1[LU2K_HS_INIT_LEN], m2[LU2K_HS_RESP_LEN];
	struct lu2k_hs_keys kr;
	struct lu2k_hs_claim c;
	struct lu2k_hs hs;

	setup();
	T_EQ(lu2k_hs_initiate(&hs, &ini, &rsp.pub, &e1, 1, 1, &nid_i, &nid_r, m1), 0);
	memset(m1 + 8, 0, 32); /* the point 0: every DH with it is 0 */
	lu2k_hs_mac1(m1 + 164, &rsp.pub, m1, 164);
	T_EQ(lu2k_hs_respond(&rsp, m1, sizeof(m1), allow, NULL, &e2, 2, &c, m2, &kr), LU2K_HS_EDH);
}

/*
 * Each end offers its caps in its message's header, which the transcript
 * covers: the suite follows both offers, and an offer changed on the way is
 * a failed handshake (EDECRYPT), not two ends that pick different ciphers.
 * Another version is named as such.
 */
static void test_caps_and_version(void)
{
	static const uint8_t caps[4][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 }, { 1, 1 } };
	uint8_t m1[LU2K_HS_INIT_LEN], m2[LU2K_HS_RESP_LEN], t[LU2K_HS_RESP_LEN];
	struct lu2k_hs_keys ki, kr;
	struct lu2k_hs_claim c;
	struct lu2k_hs hs;
	uint64_t ts = 1;

	setup();
	for (int i = 0; i < 4; i++) {
		ini.caps = caps[i][0];
		rsp.caps = caps[i][1];
		T_EQ(lu2k_hs_initiate(&hs, &ini, &rsp.pub, &e1, ts++, 1, &nid_i, &nid_r, m1), 0);
		T_EQ(m1[1], LU2K_HS_VERSION);
		T_EQ(m1[2], caps[i][0]);
		T_EQ(lu2k_hs_respond(&rsp, m1, sizeof(m1), allow, NULL, &e2, 2, &c, m2, &kr), 0);
		T_EQ(c.caps, caps[i][0]);
		T_EQ(m2[1], LU2K_HS_VERSION);
		T_EQ(m2[2], caps[i][1]);
		T_EQ(lu2k_hs_finish(&hs, &ini, m2, sizeof(m2), &ki), 0);
		T_EQ(ki.suite, caps[i][0] && caps[i][1] ? 1 : 0);
		T_EQ(kr.suite, ki.suite);
	}
	/* offers changed on the way; mac1 made again, since anyone can */
	ini.caps = rsp.caps = LU2K_HS_CAP_AESGCM;
	T_EQ(lu2k_hs_initiate(&hs, &ini, &rsp.pub, &e1, ts++, 1, &nid_i, &nid_r, m1), 0);
	m1[2] = 0;
	lu2k_hs_mac1(m1 + 164, &rsp.pub, m1, 164);
	T_EQ(lu2k_hs_respond(&rsp, m1, sizeof(m1), allow, NULL, &e2, 2, &c, m2, &kr),
	     LU2K_HS_EDECRYPT);
	T_EQ(lu2k_hs_initiate(&hs, &ini, &rsp.pub, &e1, ts++, 1, &nid_i, &nid_r, m1), 0);
	T_EQ(lu2k_hs_respond(&rsp, m1, sizeof(m1), allow, NULL, &e2, 2, &c, m2, &kr), 0);
	memcpy(t, m2, sizeof(t));
	t[2] = 0;
	lu2k_hs_mac1(t + 60, &ini.pub, t, 60);
	T_EQ(lu2k_hs_finish(&hs, &ini, t, sizeof(t), &ki), LU2K_HS_EDECRYPT);
	T_EQ(lu2k_hs_finish(&hs, &ini, m2, sizeof(m2), &ki), 0);
	T_EQ(ki.suite, 1);
	/* the first version had 0 in byte 1: named, before anything else */
	T_EQ(lu2k_hs_initiate(&hs, &ini, &rsp.pub, &e1, ts++, 1, &nid_i, &nid_r, m1), 0);
	m1[1] = 0;
	lu2k_hs_mac1(m1 + 164, &rsp.pub, m1, 164);
	T_EQ(lu2k_hs_respond(&rsp, m1, sizeof(m1), allow, NULL, &e2, 2, &c, m2, &kr),
	     LU2K_HS_EVERSION);
	m1[1] = LU2K_HS_VERSION;
	lu2k_hs_mac1(m1 + 164, &rsp.pub, m1, 164);
	T_EQ(lu2k_hs_respond(&rsp, m1, sizeof(m1), allow, NULL, &e2, 2, &c, m2, &kr), 0);
	m2[1] = 0;
	T_EQ(lu2k_hs_finish(&hs, &ini, m2, sizeof(m2), &ki), LU2K_HS_EVERSION);
	T_STREQ(lu2k_hs_err_str(LU2K_HS_EVERSION),
		"another lu2k handshake version (keyed peers need the same lu2k version)");
	ini.caps = rsp.caps = 0;
}

static void test_errstr(void)
{
	for (int e = 0; e >= LU2K_HS_ECOOKIE; e--)
		T_ASSERT(strcmp(lu2k_hs_err_str(e), "unknown handshake error") != 0);
	T_STREQ(lu2k_hs_err_str(-100), "unknown handshake error");
}

int main(void)
{
	if (lu2k_auth_init())
		return 1;
	T_RUN(test_agree);
	T_RUN(test_fresh_keys_each_time);
	T_RUN(test_psk);
	T_RUN(test_unknown_key);
	T_RUN(test_nid_not_owned);
	T_RUN(test_wrong_responder_key);
	T_RUN(test_replay_initiation);
	T_RUN(test_replay_set);
	T_RUN(test_tamper);
	T_RUN(test_low_order_ephemeral);
	T_RUN(test_caps_and_version);
	T_RUN(test_errstr);
	return t_done();
}
