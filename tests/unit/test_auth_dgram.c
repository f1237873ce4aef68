/* SPDX-License-Identifier: MIT */
/*
 * The handshake and records over datagrams (auth/dgram.c), in simulated time:
 * what each datagram is taken for; a whole exchange (INIT, COOKIE, INIT +
 * cookie, RESP) with its resends and backoff; cookies bound to the address,
 * the initiation and the minute; cookie replies sealed for the connector (a
 * forged, altered or misdirected one is dropped and counted); forged answers
 * change nothing; the version byte; the timeout;
 * records reordered, duplicated, truncated, altered, too old; a key update
 * with packets of the old key arriving after the new one, within the grace
 * and after it.
 */
#include <errno.h>
#include <stdlib.h>

#include "auth/dgram.h"
#include "common/nid.h"
#include "lu2k/desc.h"
#include "../t.h"

#define MS 1000000ull
#define S  1000000000ull

static struct lu2k_hs_local ini, rsp;
static struct lu2k_nid nid_i, nid_r;
static struct lu2k_hs_replay replay_i;
static const uint8_t secret[32] = { 7, 7, 7 };
static const char addr_a[] = "10.0.0.1:4000", addr_b[] = "10.0.0.1:4001";

static int allow(void *ud, const struct lu2k_hs_claim *c, struct lu2k_hs_replay **rp)
{
	if (memcmp(c->peer_pub.b, ini.pub.b, 32))
		return LU2K_HS_EUNKNOWN;
	if (!lu2k_nid_equal(&c->src, &nid_i))
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

static void setup(void)
{
	memset(&ini, 0, sizeof(ini));
	memset(&rsp, 0, sizeof(rsp));
	key_from(&ini.priv, 1);
	lu2k_key_public(&ini.pub, &ini.priv);
	key_from(&rsp.priv, 2);
	lu2k_key_public(&rsp.pub, &rsp.priv);
	lu2k_nid_parse("192.0.2.1@lu2k", &nid_i);
	lu2k_nid_parse("192.0.2.2@lu2k", &nid_r);
	memset(&replay_i, 0, sizeof(replay_i));
}

static uint8_t start_caps; /* the connector's */

/* The listener's check, with a fresh nonce each time (the caller's random bytes). */
static int check_init(const uint8_t sec[32], const struct lu2k_hs_local *me, const uint8_t *p,
		      size_t len, const void *addr, size_t alen, uint64_t now,
		      uint8_t reply[LU2K_DG_COOKIE_LEN])
{
	static uint8_t nonce[LU2K_DG_NONCE_LEN];

	nonce[0]++;
	return lu2k_dg_check_init(sec, me, p, len, addr, alen, now, nonce, reply);
}

static int start(struct lu2k_dg_out *o, uint64_t now)
{
	struct lu2k_key e;

	key_from(&e, 3);
	return lu2k_dg_out_start(o, &ini, &rsp.pub, &e, 1000 + now, 77, &nid_i, &nid_r, now, 10 * S,
				 start_caps);
}

/* The listener's side of an INIT + cookie that passed: respond. */
static int respond(const uint8_t *m, uint8_t resp[LU2K_DG_RESP_LEN], struct lu2k_hs_keys *k)
{
	struct lu2k_hs_claim c;
	struct lu2k_key e;

	key_from(&e, 4);
	return lu2k_hs_respond(&rsp, m, LU2K_HS_INIT_LEN, allow, NULL, &e, 99, &c, resp, k);
}

/*
 * A whole exchange at 1 ms RTT: both ends' SAs, every step checked; the
 * listener's caps are lcaps (the connector's start_caps).
 */
static void handshake_caps(struct lu2k_dg_sa *a, struct lu2k_dg_sa *b,
			   const struct lu2k_aead_limits *lim, uint64_t t, uint8_t lcaps)
{
	struct lu2k_dg_out o;
	struct lu2k_hs_keys ka, kb;
	uint8_t reply[LU2K_DG_COOKIE_LEN], resp[LU2K_DG_RESP_LEN], m[LU2K_DG_INITC_LEN];
	const uint8_t *p;
	ssize_t n;

	rsp.caps = lcaps;
	T_EQ(start(&o, t), 0);
	n = lu2k_dg_out_poll(&o, t, &p);
	T_EQ(n, LU2K_DG_INIT_LEN);
	T_EQ(p[1], LU2K_HS_VERSION);
	T_EQ(p[2], start_caps);
	T_EQ(check_init(secret, &rsp, p, (size_t)n, addr_a, sizeof(addr_a), t, reply), 1);
	T_EQ(lu2k_dg_out_recv(&o, &ini, reply, sizeof(reply), t + MS, &ka), 1);
	n = lu2k_dg_out_poll(&o, t + MS, &p);
	T_EQ(n, LU2K_DG_INITC_LEN);
	memcpy(m, p, (size_t)n);
	T_EQ(check_init(secret, &rsp, m, (size_t)n, addr_a, sizeof(addr_a), t + MS, reply), 0);
	T_EQ(respond(m, resp, &kb), 0);
	T_EQ(resp[2], lcaps);
	T_EQ(kb.suite, lu2k_dg_suite(lcaps, start_caps));
	T_EQ(lu2k_dg_out_recv(&o, &ini, resp, sizeof(resp), t + 2 * MS, &ka), 2);
	T_EQ(o.suite, lu2k_dg_suite(lcaps, start_caps));
	T_EQ(lu2k_dg_out_deadline(&o), UINT64_MAX);
	T_EQ(lu2k_dg_out_poll(&o, t + 10 * S, &p), 0); /* done: no more sends, no timeout */
	lu2k_dg_sa_init(a, &ka, lim, t, o.suite);
	lu2k_dg_sa_init(b, &kb, lim, t, kb.suite);
	lu2k_dg_out_wipe(&o);
}

static void handshake(struct lu2k_dg_sa *a, struct lu2k_dg_sa *b,
		      const struct lu2k_aead_limits *lim, uint64_t t)
{
	start_caps = 0;
	handshake_caps(a, b, lim, t, 0);
}

static void test_classify(void)
{
	uint8_t p[LU2K_DG_INITC_LEN + 100];

	memset(p, 0, sizeof(p));
	T_EQ(lu2k_dg_classify(p, 3), LU2K_DG_OTHER);
	p[0] = LU2K_HS_TYPE_INIT;
	/* the first version: no version byte, a caps byte after INIT and RESP */
	T_EQ(lu2k_dg_classify(p, 181), LU2K_DG_OLD);
	T_EQ(lu2k_dg_classify(p, 197), LU2K_DG_OLD);
	T_EQ(lu2k_dg_classify(p, LU2K_DG_INIT_LEN), LU2K_DG_OTHER);
	p[0] = LU2K_HS_TYPE_RESP;
	T_EQ(lu2k_dg_classify(p, 77), LU2K_DG_OLD);
	p[0] = LU2K_DG_TYPE_COOKIE;
	T_EQ(lu2k_dg_classify(p, 24), LU2K_DG_OLD);
	p[0] = LU2K_HS_TYPE_INIT;
	p[1] = LU2K_HS_VERSION;
	T_EQ(lu2k_dg_classify(p, LU2K_DG_INIT_LEN), LU2K_DG_INIT);
	p[2] = LU2K_HS_CAP_AESGCM; /* the caps */
	T_EQ(lu2k_dg_classify(p, LU2K_DG_INIT_LEN), LU2K_DG_INIT);
	p[2] = 0;
	T_EQ(lu2k_dg_classify(p, LU2K_DG_INITC_LEN), LU2K_DG_INIT_COOKIE);
	T_EQ(lu2k_dg_classify(p, LU2K_DG_INIT_LEN + 1), LU2K_DG_OTHER); /* truncated or padded */
	T_EQ(lu2k_dg_classify(p, LU2K_DG_INIT_LEN - 1), LU2K_DG_OTHER);
	p[0] = LU2K_HS_TYPE_RESP;
	T_EQ(lu2k_dg_classify(p, LU2K_DG_RESP_LEN), LU2K_DG_RESP);
	p[0] = LU2K_DG_TYPE_COOKIE;
	T_EQ(lu2k_dg_classify(p, LU2K_DG_COOKIE_LEN), LU2K_DG_COOKIE);
	p[2] = 1; /* reserved bytes must be 0 */
	T_EQ(lu2k_dg_classify(p, LU2K_DG_COOKIE_LEN), LU2K_DG_OTHER);
	p[2] = 0;
	p[1] = 3; /* a later version */
	T_EQ(lu2k_dg_classify(p, LU2K_DG_COOKIE_LEN), LU2K_DG_OTHER);
	p[1] = 0;
	p[0] = LU2K_AEAD_TYPE;
	T_EQ(lu2k_dg_classify(p, LU2K_AEAD_OVERHEAD), LU2K_DG_RECORD);
	T_EQ(lu2k_dg_classify(p, LU2K_AEAD_OVERHEAD - 1), LU2K_DG_OTHER);
	/* a UDT4 handshake request: control bit, type 0 */
	p[0] = 0x80;
	T_EQ(lu2k_dg_classify(p, 64), LU2K_DG_PLAIN_UDT);
	T_EQ(lu2k_dg_classify(p, 15), LU2K_DG_OTHER);
	p[0] = 0x12; /* a UDT4 data packet: nothing of ours */
	T_EQ(lu2k_dg_classify(p, 1000), LU2K_DG_OTHER);
}

static void test_exchange_and_records(void)
{
	struct lu2k_dg_sa a, b;
	uint8_t buf[LU2K_AEAD_OVERHEAD + 100];
	ssize_t n;

	setup();
	handshake(&a, &b, NULL, 5 * S);
	/* both ways, in place */
	memcpy(buf + LU2K_AEAD_HDR, "hello over udt", 14);
	n = lu2k_dg_seal(&a, 5 * S, buf, 14, sizeof(buf));
	T_EQ(n, 14 + LU2K_AEAD_OVERHEAD);
	T_EQ(lu2k_dg_open(&b, 5 * S, buf, (size_t)n), 14);
	T_MEMEQ(buf + LU2K_AEAD_HDR, "hello over udt", 14);
	memcpy(buf + LU2K_AEAD_HDR, "and back", 8);
	n = lu2k_dg_seal(&b, 5 * S, buf, 8, sizeof(buf));
	T_EQ(lu2k_dg_open(&a, 5 * S, buf, (size_t)n), 8);
	/* the same record again: a replay */
	memcpy(buf + LU2K_AEAD_HDR, "x", 1);
	n = lu2k_dg_seal(&a, 5 * S, buf, 1, sizeof(buf));
	{
		uint8_t copy[sizeof(buf)];

		memcpy(copy, buf, sizeof(buf));
		T_EQ(lu2k_dg_open(&b, 5 * S, buf, (size_t)n), 1);
		T_EQ(lu2k_dg_open(&b, 5 * S, copy, (size_t)n), LU2K_AEAD_EREPLAY);
	}
	T_EQU(b.refused, 1);
	lu2k_dg_sa_wipe(&a);
	lu2k_dg_sa_wipe(&b);
}

static void test_resend_backoff_timeout(void)
{
	struct lu2k_dg_out o;
	const uint8_t *p;
	uint64_t t = 0, sends[8];
	int k = 0;

	setup();
	T_EQ(start(&o, 0), 0);
	/* nobody answers: 0, 250, 750, 1750, 3750, 5750, 7750, 9750 ms, then the timeout */
	while (k < 8) {
		ssize_t n = lu2k_dg_out_poll(&o, t, &p);

		T_ASSERT(n >= 0);
		if (n > 0)
			sends[k++] = t / MS;
		t = lu2k_dg_out_deadline(&o);
	}
	T_EQU(sends[1], 250);
	T_EQU(sends[2], 750);
	T_EQU(sends[3], 1750);
	T_EQU(sends[4], 3750); /* capped at 2 s */
	T_EQU(sends[7], 9750);
	T_EQ(lu2k_dg_out_poll(&o, 10 * S, &p), -ETIMEDOUT);
	lu2k_dg_out_wipe(&o);
}

static void test_cookie_bound(void)
{
	struct lu2k_dg_out o;
	struct lu2k_hs_keys k;
	uint8_t reply[LU2K_DG_COOKIE_LEN], r2[LU2K_DG_COOKIE_LEN], m[LU2K_DG_INITC_LEN];
	const uint8_t *p;
	uint64_t t = 120 * S + 5 * S; /* minute 2 */
	ssize_t n;

	setup();
	T_EQ(start(&o, t), 0);
	n = lu2k_dg_out_poll(&o, t, &p);
	T_EQ(check_init(secret, &rsp, p, (size_t)n, addr_a, sizeof(addr_a), t, reply), 1);
	/* a cookie for another initiator index is not taken */
	memcpy(r2, reply, sizeof(r2));
	r2[4] ^= 1;
	T_EQ(lu2k_dg_out_recv(&o, &ini, r2, sizeof(r2), t, &k), LU2K_HS_EMALFORMED);
	T_EQ(lu2k_dg_out_recv(&o, &ini, reply, sizeof(reply), t, &k), 1);
	n = lu2k_dg_out_poll(&o, t, &p);
	memcpy(m, p, (size_t)n);
	/* from another port: a new cookie, not state */
	T_EQ(check_init(secret, &rsp, m, (size_t)n, addr_b, sizeof(addr_b), t, r2), 1);
	/* this minute and the next are good, not the one after */
	T_EQ(check_init(secret, &rsp, m, (size_t)n, addr_a, sizeof(addr_a), t, r2), 0);
	T_EQ(check_init(secret, &rsp, m, (size_t)n, addr_a, sizeof(addr_a), t + 60 * S, r2), 0);
	T_EQ(check_init(secret, &rsp, m, (size_t)n, addr_a, sizeof(addr_a), t + 120 * S, r2), 1);
	/* a cookie under another secret (a restarted listener) is no good */
	{
		static const uint8_t other[32] = { 8 };

		T_EQ(check_init(other, &rsp, m, (size_t)n, addr_a, sizeof(addr_a), t, r2), 1);
	}
	/* the cookie of another initiation (its mac1) does not fit this one */
	m[100] ^= 1;
	T_EQ(check_init(secret, &rsp, m, (size_t)n, addr_a, sizeof(addr_a), t, r2), LU2K_HS_EMAC);
	/* not for this key: dropped before anything */
	T_EQ(check_init(secret, &ini, p, LU2K_DG_INIT_LEN, addr_a, sizeof(addr_a), t, r2),
	     LU2K_HS_EMAC);
	lu2k_dg_out_wipe(&o);
}

static void test_forged_answers(void)
{
	struct lu2k_dg_out o;
	struct lu2k_hs_keys ka, kb;
	uint8_t reply[LU2K_DG_COOKIE_LEN], resp[LU2K_DG_RESP_LEN], bad[LU2K_DG_RESP_LEN];
	uint8_t m[LU2K_DG_INITC_LEN];
	const uint8_t *p;
	ssize_t n;

	setup();
	T_EQ(start(&o, 0), 0);
	n = lu2k_dg_out_poll(&o, 0, &p);
	check_init(secret, &rsp, p, (size_t)n, addr_a, sizeof(addr_a), 0, reply);
	T_EQ(lu2k_dg_out_recv(&o, &ini, reply, sizeof(reply), 0, &ka), 1);
	n = lu2k_dg_out_poll(&o, 0, &p);
	memcpy(m, p, (size_t)n);
	T_EQ(respond(m, resp, &kb), 0);
	memcpy(bad, resp, sizeof(bad));
	bad[20] ^= 1;
	T_ASSERT(lu2k_dg_out_recv(&o, &ini, bad, sizeof(bad), 0, &ka) < 0);
	T_ASSERT(lu2k_dg_out_recv(&o, &ini, bad, 10, 0, &ka) < 0);
	/* still waiting, still resending the same bytes */
	T_EQ(lu2k_dg_out_poll(&o, 300 * MS, &p), LU2K_DG_INITC_LEN);
	T_MEMEQ(p, m, sizeof(m));
	/* the repeated initiation is a replay to the responder: it must resend its answer */
	T_EQ(respond(m, bad, &ka), LU2K_HS_EREPLAY);
	T_EQ(lu2k_dg_out_recv(&o, &ini, resp, sizeof(resp), 0, &ka), 2);
	T_MEMEQ(ka.send, kb.recv, 32);
	T_MEMEQ(ka.recv, kb.send, 32);
	T_EQ(lu2k_dg_out_recv(&o, &ini, resp, sizeof(resp), 0, &ka), LU2K_HS_ESTATE);
	lu2k_hs_keys_wipe(&ka);
	lu2k_hs_keys_wipe(&kb);
}

static void test_reorder_and_damage(void)
{
	struct lu2k_dg_sa a, b;
	uint8_t rec[64][LU2K_AEAD_OVERHEAD + 8], x[LU2K_AEAD_OVERHEAD + 8];
	size_t len = LU2K_AEAD_OVERHEAD + 8;

	setup();
	handshake(&a, &b, NULL, 0);
	for (int i = 0; i < 64; i++) {
		memset(rec[i] + LU2K_AEAD_HDR, i, 8);
		T_EQ(lu2k_dg_seal(&a, 1, rec[i], 8, len), len);
	}
	/* truncated, altered, wrong index: none opens, and none spoils the real one */
	memcpy(x, rec[5], len);
	T_ASSERT(lu2k_dg_open(&b, 1, x, len - 1) < 0);
	memcpy(x, rec[5], len);
	x[LU2K_AEAD_HDR + 3] ^= 0x40;
	T_EQ(lu2k_dg_open(&b, 1, x, len), LU2K_AEAD_EAUTH);
	memcpy(x, rec[5], len);
	x[4] ^= 1;
	T_EQ(lu2k_dg_open(&b, 1, x, len), LU2K_AEAD_EINDEX);
	memcpy(x, rec[5], len);
	x[8] ^= 1; /* the counter: it is the nonce */
	T_EQ(lu2k_dg_open(&b, 1, x, len), LU2K_AEAD_EAUTH);
	/* newest first, then the rest backwards: all open, each once */
	for (int i = 63; i >= 0; i--) {
		memcpy(x, rec[i], len);
		T_EQ(lu2k_dg_open(&b, 1, x, len), 8);
		T_EQ(x[LU2K_AEAD_HDR], i);
	}
	for (int i = 0; i < 64; i += 7) {
		memcpy(x, rec[i], len);
		T_EQ(lu2k_dg_open(&b, 1, x, len), LU2K_AEAD_EREPLAY);
	}
	/* one record older than the window, once 4096 newer ones came */
	for (int i = 0; i < LU2K_AEAD_WINDOW + 1; i++) {
		T_EQ(lu2k_dg_seal(&a, 1, x, 8, len), len);
		T_EQ(lu2k_dg_open(&b, 1, x, len), 8);
	}
	memcpy(x, rec[63], len);
	T_EQ(lu2k_dg_open(&b, 1, x, len), LU2K_AEAD_EREPLAY);
	lu2k_dg_sa_wipe(&a);
	lu2k_dg_sa_wipe(&b);
}

static void test_key_update_late_packets(void)
{
	struct lu2k_aead_limits lim;
	struct lu2k_dg_sa a, b;
	uint8_t old[4][LU2K_AEAD_OVERHEAD + 8], x[LU2K_AEAD_OVERHEAD + 8];
	size_t len = LU2K_AEAD_OVERHEAD + 8;

	setup();
	lu2k_aead_limits_default(&lim);
	lim.rekey_after_ns = 1 * S;
	lim.reject_after_ns = 5 * S;
	handshake(&a, &b, &lim, 0);
	for (int i = 0; i < 4; i++)
		T_EQ(lu2k_dg_seal(&a, 900 * MS, old[i], 8, len), len);
	/* past 1 s the sender updates its key: the new phase arrives before the old packets */
	T_EQ(lu2k_dg_seal(&a, 1100 * MS, x, 8, len), len);
	T_EQ(x[1], 1);
	T_EQ(lu2k_dg_open(&b, 1100 * MS, x, len), 8);
	T_EQU(b.rx.updates, 1);
	memcpy(x, old[0], len);
	T_EQ(lu2k_dg_open(&b, 1200 * MS, x, len), 8); /* the previous key, within its grace */
	memcpy(x, old[0], len);
	T_EQ(lu2k_dg_open(&b, 1200 * MS, x, len), LU2K_AEAD_EREPLAY); /* still each once */
	memcpy(x, old[1], len);
	T_EQ(lu2k_dg_open(&b, 1100 * MS + LU2K_DG_PREV_NS - 1, x, len), 8);
	T_EQU(b.prev_opened, 2);
	/* past the grace the old key is gone (wiped) */
	memcpy(x, old[2], len);
	T_ASSERT(lu2k_dg_open(&b, 1100 * MS + LU2K_DG_PREV_NS, x, len) < 0);
	T_EQU(b.prev_until, 0);
	/* the new phase goes on; a second update later is followed too */
	T_EQ(lu2k_dg_seal(&a, 4200 * MS, x, 8, len), len);
	T_EQ(x[1], 0);
	T_EQ(lu2k_dg_open(&b, 4200 * MS, x, len), 8);
	T_EQU(b.rx.updates, 2);
	lu2k_dg_sa_wipe(&a);
	lu2k_dg_sa_wipe(&b);
	/* wiped: nothing of the keys left */
	for (size_t i = 0; i < sizeof(b); i++)
		T_EQ(((uint8_t *)&b)[i], 0);
}

/* Both ends with AES: AES-256-GCM both ways; one without: ChaCha20-Poly1305; records open across. */
static void test_suites(void)
{
	static const uint8_t caps[4][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 }, { 1, 1 } };
	uint8_t buf[LU2K_AEAD_OVERHEAD + 64];
	struct lu2k_dg_sa a, b;
	ssize_t n;

	T_EQ(lu2k_dg_suite(1, 1), LU2K_AEAD_AES256GCM);
	T_EQ(lu2k_dg_suite(1, 0), LU2K_AEAD_CHACHA20POLY1305);
	T_EQ(lu2k_dg_suite(0, 1), LU2K_AEAD_CHACHA20POLY1305);
	T_EQ(lu2k_dg_caps() != 0, lu2k_aead_aes_available());
	for (int i = 0; i < 4; i++) {
		bool aes = caps[i][0] && caps[i][1];

		if (aes && !lu2k_aead_aes_available())
			continue; /* this CPU cannot run it */
		setup();
		start_caps = caps[i][0];
		handshake_caps(&a, &b, NULL, 0, caps[i][1]);
		T_EQ(a.tx.suite, aes ? LU2K_AEAD_AES256GCM : LU2K_AEAD_CHACHA20POLY1305);
		T_EQ(b.rx.suite, a.tx.suite);
		memset(buf + LU2K_AEAD_HDR, 'x', 64);
		n = lu2k_dg_seal(&a, 1, buf, 64, sizeof(buf));
		T_EQ(lu2k_dg_open(&b, 1, buf, (size_t)n), 64);
		n = lu2k_dg_seal(&b, 1, buf, 64, sizeof(buf));
		T_EQ(lu2k_dg_open(&a, 1, buf, (size_t)n), 64);
		if (aes) {
			/* the same keys under the other cipher open nothing */
			b.rx.suite = LU2K_AEAD_CHACHA20POLY1305;
			n = lu2k_dg_seal(&a, 1, buf, 64, sizeof(buf));
			T_EQ(lu2k_dg_open(&b, 1, buf, (size_t)n), LU2K_AEAD_EAUTH);
		}
		lu2k_dg_sa_wipe(&a);
		lu2k_dg_sa_wipe(&b);
	}
	start_caps = 0;
}

/*
 * Cookie replies: only the listener the connector addressed (who knows its
 * public key) and, with a PSK, a PSK holder makes one the connector takes,
 * and only for the initiation it sent; anything else is dropped, counted,
 * and the connector still resends its plain initiation and takes the real
 * reply after.
 */
static void test_cookie_reply_sealed(void)
{
	struct lu2k_dg_out o, o2;
	struct lu2k_hs_local other;
	struct lu2k_hs_keys k;
	struct lu2k_key e;
	uint8_t reply[LU2K_DG_COOKIE_LEN], bad[LU2K_DG_COOKIE_LEN], init[LU2K_DG_INIT_LEN];
	const uint8_t *p;
	ssize_t n;

	setup();
	T_EQ(start(&o, 0), 0);
	n = lu2k_dg_out_poll(&o, 0, &p);
	memcpy(init, p, sizeof(init));
	T_EQ(check_init(secret, &rsp, init, sizeof(init), addr_a, sizeof(addr_a), 0, reply), 1);
	T_EQ(reply[1], LU2K_HS_VERSION);
	/* the cookie is not in clear: what an on-path reader sees does not fit */
	{
		uint8_t m2[LU2K_DG_INITC_LEN];

		memcpy(m2, init, sizeof(init));
		memcpy(m2 + LU2K_DG_INIT_LEN, reply + 32, 16);
		T_EQ(check_init(secret, &rsp, m2, sizeof(m2), addr_a, sizeof(addr_a), 0, bad), 1);
	}
	/* a byte changed anywhere: the nonce, the sealed cookie, its tag */
	for (size_t i = 8; i < LU2K_DG_COOKIE_LEN; i += 11) {
		memcpy(bad, reply, sizeof(bad));
		bad[i] ^= 0x10;
		T_EQ(lu2k_dg_out_recv(&o, &ini, bad, sizeof(bad), 0, &k), LU2K_HS_ECOOKIE);
	}
	/* a made-up cookie in the right form (what any on-path attacker could send before) */
	memset(bad + 8, 0x5a, LU2K_DG_COOKIE_LEN - 8);
	T_EQ(lu2k_dg_out_recv(&o, &ini, bad, sizeof(bad), 0, &k), LU2K_HS_ECOOKIE);
	/* sealed by a node with another key (it cannot know the one we addressed) */
	memcpy(&other, &rsp, sizeof(other));
	key_from(&other.priv, 9);
	lu2k_key_public(&other.pub, &other.priv);
	{
		uint8_t fake[LU2K_DG_INIT_LEN];

		/* an initiation as the other node would have checked it: same bytes, its mac1 */
		memcpy(fake, init, sizeof(fake));
		lu2k_hs_mac1(fake + LU2K_HS_INIT_LEN - 16, &other.pub, fake, LU2K_HS_INIT_LEN - 16);
		T_EQ(check_init(secret, &other, fake, sizeof(fake), addr_a, sizeof(addr_a), 0, bad),
		     1);
		T_EQ(lu2k_dg_out_recv(&o, &ini, bad, sizeof(bad), 0, &k), LU2K_HS_ECOOKIE);
	}
	/* the listener's genuine reply to another initiation with the same index */
	key_from(&e, 5);
	T_EQ(lu2k_dg_out_start(&o2, &ini, &rsp.pub, &e, 5000, 77, &nid_i, &nid_r, 0, 10 * S, 0), 0);
	n = lu2k_dg_out_poll(&o2, 0, &p);
	T_EQ(check_init(secret, &rsp, p, (size_t)n, addr_a, sizeof(addr_a), 0, bad), 1);
	T_EQ(lu2k_dg_out_recv(&o, &ini, bad, sizeof(bad), 0, &k), LU2K_HS_ECOOKIE);
	lu2k_dg_out_wipe(&o2);
	/* the first version's 24-byte reply: another version, not taken */
	memset(bad, 0, 24);
	bad[0] = LU2K_DG_TYPE_COOKIE;
	memcpy(bad + 4, init + 4, 4);
	T_EQ(lu2k_dg_out_recv(&o, &ini, bad, 24, 0, &k), LU2K_HS_EVERSION);
	T_EQU(o.cookies_bad, 9);
	/* none was taken: the next send is the plain initiation still */
	T_EQ(lu2k_dg_out_poll(&o, 300 * MS, &p), LU2K_DG_INIT_LEN);
	T_MEMEQ(p, init, sizeof(init));
	/* the real one is taken after all that */
	T_EQ(lu2k_dg_out_recv(&o, &ini, reply, sizeof(reply), 300 * MS, &k), 1);
	T_EQ(lu2k_dg_out_poll(&o, 300 * MS, &p), LU2K_DG_INITC_LEN);
	T_EQ(check_init(secret, &rsp, p, LU2K_DG_INITC_LEN, addr_a, sizeof(addr_a), 300 * MS, bad),
	     0);
	lu2k_dg_out_wipe(&o);

	/* with a PSK, knowing the listener's public key is not enough: the PSK is in the key */
	setup();
	key_from(&ini.psk, 11);
	ini.has_psk = true;
	rsp.psk = ini.psk;
	rsp.has_psk = true;
	T_EQ(start(&o, 0), 0);
	n = lu2k_dg_out_poll(&o, 0, &p);
	memcpy(&other, &rsp, sizeof(other));
	other.has_psk = false;
	T_EQ(check_init(secret, &other, p, (size_t)n, addr_a, sizeof(addr_a), 0, bad), 1);
	T_EQ(lu2k_dg_out_recv(&o, &ini, bad, sizeof(bad), 0, &k), LU2K_HS_ECOOKIE);
	key_from(&other.psk, 12);
	other.has_psk = true;
	T_EQ(check_init(secret, &other, p, (size_t)n, addr_a, sizeof(addr_a), 0, bad), 1);
	T_EQ(lu2k_dg_out_recv(&o, &ini, bad, sizeof(bad), 0, &k), LU2K_HS_ECOOKIE);
	T_EQ(check_init(secret, &rsp, p, (size_t)n, addr_a, sizeof(addr_a), 0, reply), 1);
	T_EQ(lu2k_dg_out_recv(&o, &ini, reply, sizeof(reply), 0, &k), 1);
	T_EQU(o.cookies_bad, 2);
	lu2k_dg_out_wipe(&o);
	memset(&other, 0, sizeof(other));
}

/*
 * The cipher offer rides in the handshake's transcript: a caps byte changed
 * on the way fails the handshake at the end that reads it (a named error,
 * which the back-ends log and count), never a pair of ends that disagree.
 */
static void test_caps_bound(void)
{
	struct lu2k_dg_out o;
	struct lu2k_hs_keys ka, kb;
	uint8_t reply[LU2K_DG_COOKIE_LEN], resp[LU2K_DG_RESP_LEN], m[LU2K_DG_INITC_LEN];
	struct lu2k_key e;
	const uint8_t *p;
	ssize_t n;

	setup();
	rsp.caps = LU2K_HS_CAP_AESGCM;
	key_from(&e, 6);
	T_EQ(lu2k_dg_out_start(&o, &ini, &rsp.pub, &e, 1, 77, &nid_i, &nid_r, 0, 10 * S,
			       LU2K_HS_CAP_AESGCM),
	     0);
	n = lu2k_dg_out_poll(&o, 0, &p);
	T_EQ(check_init(secret, &rsp, p, (size_t)n, addr_a, sizeof(addr_a), 0, reply), 1);
	T_EQ(lu2k_dg_out_recv(&o, &ini, reply, sizeof(reply), 0, &ka), 1);
	n = lu2k_dg_out_poll(&o, 0, &p);
	memcpy(m, p, (size_t)n);
	/* the connector's offer flipped on the way (mac1 made again: it is no secret's) */
	m[2] ^= LU2K_HS_CAP_AESGCM;
	lu2k_hs_mac1(m + LU2K_HS_INIT_LEN - 16, &rsp.pub, m, LU2K_HS_INIT_LEN - 16);
	T_EQ(respond(m, resp, &kb), LU2K_HS_EDECRYPT);
	memcpy(m, p, (size_t)n);
	T_EQ(respond(m, resp, &kb), 0);
	T_EQ(kb.suite, LU2K_AEAD_AES256GCM);
	/* the listener's offer flipped on the way back */
	resp[2] ^= LU2K_HS_CAP_AESGCM;
	lu2k_hs_mac1(resp + LU2K_HS_RESP_LEN - 16, &ini.pub, resp, LU2K_HS_RESP_LEN - 16);
	T_EQ(lu2k_dg_out_recv(&o, &ini, resp, sizeof(resp), 0, &ka), LU2K_HS_EDECRYPT);
	resp[2] ^= LU2K_HS_CAP_AESGCM;
	lu2k_hs_mac1(resp + LU2K_HS_RESP_LEN - 16, &ini.pub, resp, LU2K_HS_RESP_LEN - 16);
	T_EQ(lu2k_dg_out_recv(&o, &ini, resp, sizeof(resp), 0, &ka), 2);
	T_EQ(o.suite, LU2K_AEAD_AES256GCM);
	T_EQ(ka.suite, kb.suite);
	lu2k_hs_keys_wipe(&ka);
	lu2k_hs_keys_wipe(&kb);
	lu2k_dg_out_wipe(&o);
}

int main(void)
{
	if (lu2k_auth_init())
		return 1;
	T_RUN(test_classify);
	T_RUN(test_exchange_and_records);
	T_RUN(test_resend_backoff_timeout);
	T_RUN(test_cookie_bound);
	T_RUN(test_forged_answers);
	T_RUN(test_reorder_and_damage);
	T_RUN(test_key_update_late_packets);
	T_RUN(test_suites);
	T_RUN(test_cookie_reply_sealed);
	T_RUN(test_caps_bound);
	return t_done();
}
