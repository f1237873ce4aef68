// SPDX-License-Identifier: MIT
/*
 * fuzz_auth.c - libFuzzer target for the node handshake (auth/hs.c) and
 * sealed records (auth/aead.c).
 *
 * Byte 0 picks the target:
 *   0  the rest is an initiation for the responder (its mac1 recomputed when
 *      byte 1 is odd, to get past the cheap check into the DHs and AEADs);
 *   1  the rest is a response to a real initiation (mac1 likewise);
 *   2  the rest is a list of records (2-byte length each) for a receiver;
 *   3  the rest drives a real sender and receiver: each byte picks which of
 *      the records sealed so far is delivered next; the window must accept
 *      each counter at most once and never one older than the window allows;
 *   4  the udt back-end's datagrams (auth/dgram.c): the rest is what a
 *      listener and a connector that is waiting for its answer receive (a
 *      mac1 recomputed when byte 1 is odd): nothing may give the connector
 *      keys, and a record under a real SA must not open;
 *   5  a real datagram SA with a key update every few steps: each pair of
 *      bytes seals ahead (time moving on) and delivers one sealed record,
 *      late ones across the update too: each opens at most once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/aead.h"
#include "auth/dgram.h"
#include "auth/hs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct lu2k_hs_local ini, rsp;
static struct lu2k_key e1, e2;
static struct lu2k_hs_replay rep;

static int allow(void *ud, const struct lu2k_hs_claim *c, struct lu2k_hs_replay **r)
{
	if (memcmp(c->peer_pub.b, ini.pub.b, 32))
		return LU2K_HS_EUNKNOWN;
	*r = &rep;
	return 0;
}

static void setup(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	if (lu2k_auth_init())
		abort();
	memset(&ini, 0, sizeof(ini));
	memset(&rsp, 0, sizeof(rsp));
	memset(ini.priv.b, 1, 32);
	memset(rsp.priv.b, 2, 32);
	memset(e1.b, 3, 32);
	memset(e2.b, 4, 32);
	lu2k_key_public(&ini.pub, &ini.priv);
	lu2k_key_public(&rsp.pub, &rsp.priv);
}

static void respond(const uint8_t *p, size_t n, int fix)
{
	uint8_t m[LU2K_HS_INIT_LEN], out[LU2K_HS_RESP_LEN];
	struct lu2k_hs_claim c;
	struct lu2k_hs_keys k;

	if (fix && n == LU2K_HS_INIT_LEN) {
		memcpy(m, p, n);
		m[1] = LU2K_HS_VERSION;
		lu2k_hs_mac1(m + 164, &rsp.pub, m, 164);
		p = m;
	}
	memset(&rep, 0, sizeof(rep));
	if (lu2k_hs_respond(&rsp, p, n, allow, NULL, &e2, 2, &c, out, &k) == 0)
		lu2k_hs_keys_wipe(&k);
}

static void finish(const uint8_t *p, size_t n, int fix)
{
	uint8_t m1[LU2K_HS_INIT_LEN], m[LU2K_HS_RESP_LEN];
	struct lu2k_nid a = { 0 }, b = { 0 };
	struct lu2k_hs_keys k;
	struct lu2k_hs hs;

	if (lu2k_hs_initiate(&hs, &ini, &rsp.pub, &e1, 1, 7, &a, &b, m1))
		abort();
	if (fix && n == LU2K_HS_RESP_LEN) {
		memcpy(m, p, n);
		m[1] = LU2K_HS_VERSION;
		lu2k_hs_mac1(m + 60, &ini.pub, m, 60);
		p = m;
	}
	/* nobody without rsp's key can answer: a success here is a break */
	if (lu2k_hs_finish(&hs, &ini, p, n, &k) == 0)
		abort();
	lu2k_hs_wipe(&hs);
}

static void pair(struct lu2k_aead_tx *tx, struct lu2k_aead_rx *rx, enum lu2k_aead_order o)
{
	struct lu2k_aead_tx t2;
	struct lu2k_aead_rx r2;
	struct lu2k_hs_keys k = { .peer_index = 5, .local_index = 5 };

	memset(k.send, 9, 32);
	memset(k.recv, 9, 32);
	lu2k_aead_from_hs(tx, &r2, &k, o, 0);
	memset(k.send, 9, 32);
	memset(k.recv, 9, 32);
	k.peer_index = k.local_index = 5;
	lu2k_aead_from_hs(&t2, rx, &k, o, 0);
}

static void records(const uint8_t *p, size_t n)
{
	struct lu2k_aead_limits lim;
	struct lu2k_aead_tx tx;
	struct lu2k_aead_rx rx;
	static uint8_t out[65536];

	lu2k_aead_limits_default(&lim);
	pair(&tx, &rx, n && (p[0] & 1) ? LU2K_AEAD_STREAM : LU2K_AEAD_DGRAM);
	while (n >= 2) {
		size_t len = (size_t)p[0] << 8 | p[1];

		p += 2;
		n -= 2;
		if (len > n)
			len = n;
		/* forged: nothing may open */
		if (lu2k_aead_open(&rx, &lim, 1, NULL, 0, p, len, out, sizeof(out)) >= 0)
			abort();
		p += len;
		n -= len;
	}
}

static void window(const uint8_t *p, size_t n)
{
	enum { MAXR = 9000 };
	static uint8_t recs[MAXR][LU2K_AEAD_OVERHEAD + 8];
	static uint8_t seen[MAXR];
	struct lu2k_aead_limits lim;
	struct lu2k_aead_tx tx;
	struct lu2k_aead_rx rx;
	uint8_t out[8];
	int64_t top = -1;
	size_t sealed = 0;

	lu2k_aead_limits_default(&lim);
	pair(&tx, &rx, LU2K_AEAD_DGRAM);
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i + 1 < n; i += 2) {
		/* seal ahead as far as asked, then deliver one at an offset back from the newest */
		size_t ahead = p[i] & 0x3f;
		size_t back = (size_t)(p[i + 1] | (p[i] & 0xc0) << 2) * 8;
		size_t c;

		while (ahead-- && sealed < MAXR) {
			if (lu2k_aead_seal(&tx, &lim, 1, NULL, 0, "12345678", 8, recs[sealed],
					   sizeof(recs[sealed])) != (ssize_t)sizeof(recs[0]))
				abort();
			sealed++;
		}
		if (!sealed)
			continue;
		c = back >= sealed ? 0 : sealed - 1 - back;
		int want = !seen[c] &&
			   (top < 0 || (int64_t)c > top || top - (int64_t)c < LU2K_AEAD_WINDOW);
		ssize_t r = lu2k_aead_open(&rx, &lim, 1, NULL, 0, recs[c], sizeof(recs[c]), out,
					   sizeof(out));

		if ((r == 8) != want)
			abort();
		if (want) {
			seen[c] = 1;
			if ((int64_t)c > top)
				top = (int64_t)c;
		}
	}
}

static void dgram_in(const uint8_t *p, size_t n, int fix)
{
	static const uint8_t secret[32] = { 1 };
	uint8_t m[LU2K_DG_INITC_LEN + 64], reply[LU2K_DG_COOKIE_LEN], nonce[LU2K_DG_NONCE_LEN];
	struct lu2k_nid a = { 0 }, b = { 0 };
	int r;
	struct lu2k_hs_keys k;
	struct lu2k_dg_out o;
	const uint8_t *q;
	struct lu2k_dg_sa sa;

	if (n > sizeof(m))
		n = sizeof(m);
	memcpy(m, p, n);
	if (fix && n >= LU2K_HS_INIT_LEN) {
		m[1] = LU2K_HS_VERSION;
		lu2k_hs_mac1(m + 164, &rsp.pub, m, 164);
	}
	lu2k_dg_classify(m, n);
	memset(nonce, n ? p[0] : 0, sizeof(nonce));
	if (lu2k_dg_check_init(secret, &rsp, m, n, "addr", 4, 1, nonce, reply) == 0)
		respond(m, LU2K_HS_INIT_LEN, 0);
	if (lu2k_dg_out_start(&o, &ini, &rsp.pub, &e1, 1, 7, &a, &b, 0, 1000, n ? p[0] & 1 : 0))
		abort();
	if (lu2k_dg_out_poll(&o, 0, &q) != LU2K_DG_INIT_LEN)
		abort();
	memcpy(m, p, n);
	if (fix && n == LU2K_DG_RESP_LEN) {
		m[1] = LU2K_HS_VERSION;
		lu2k_hs_mac1(m + 60, &ini.pub, m, 60);
	}
	/* only rsp seals a cookie reply for this initiation; only rsp's key opens the answer */
	r = lu2k_dg_out_recv(&o, &ini, m, n, 0, &k);
	if (r == 1 || r == 2)
		abort();
	/* rsp's real cookie reply is taken, and the cookie passes rsp's check */
	if (lu2k_dg_check_init(secret, &rsp, q, LU2K_DG_INIT_LEN, "addr", 4, 1, nonce, reply) !=
		    1 ||
	    lu2k_dg_out_recv(&o, &ini, reply, sizeof(reply), 0, &k) != 1 ||
	    lu2k_dg_out_poll(&o, 0, &q) != LU2K_DG_INITC_LEN ||
	    lu2k_dg_check_init(secret, &rsp, q, LU2K_DG_INITC_LEN, "addr", 4, 1, nonce, reply) != 0)
		abort();
	lu2k_dg_out_wipe(&o);
	memset(&k, 9, sizeof(k));
	k.local_index = k.peer_index = 5;
	lu2k_dg_sa_init(&sa, &k, NULL, 0, lu2k_dg_suite(lu2k_dg_caps(), n ? p[0] : 0));
	memcpy(m, p, n);
	if (lu2k_dg_open(&sa, 1, m, n) >= 0)
		abort();
	lu2k_dg_sa_wipe(&sa);
}

static void dgram_window(const uint8_t *p, size_t n)
{
	enum { MAXR = 2000 };
	static uint8_t recs[MAXR][LU2K_AEAD_OVERHEAD + 8];
	static uint8_t seen[MAXR];
	struct lu2k_aead_limits lim;
	struct lu2k_hs_keys k;
	struct lu2k_dg_sa tx, rx;
	uint8_t x[LU2K_AEAD_OVERHEAD + 8];
	uint64_t now = 0;
	size_t sealed = 0;

	lu2k_aead_limits_default(&lim);
	lim.rekey_after_ns = 1000;
	lim.reject_after_ns = 1000000;
	memset(&k, 9, sizeof(k));
	k.local_index = k.peer_index = 5;
	lu2k_dg_sa_init(&tx, &k, &lim, 0, lu2k_dg_suite(lu2k_dg_caps(), n ? p[0] >> 7 : 0));
	memset(&k, 9, sizeof(k));
	k.local_index = k.peer_index = 5;
	lu2k_dg_sa_init(&rx, &k, &lim, 0, tx.tx.suite);
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i + 1 < n; i += 2) {
		size_t ahead = p[i] & 0x0f, back = p[i + 1], c;

		now += (uint64_t)(p[i] >> 4) * 100;
		while (ahead-- && sealed < MAXR) {
			memset(recs[sealed] + LU2K_AEAD_HDR, 1, 8);
			if (lu2k_dg_seal(&tx, now, recs[sealed], 8, sizeof(recs[0])) !=
			    (ssize_t)sizeof(recs[0]))
				abort();
			sealed++;
		}
		if (!sealed)
			continue;
		c = back >= sealed ? 0 : sealed - 1 - back;
		memcpy(x, recs[c], sizeof(x));
		if (lu2k_dg_open(&rx, now, x, sizeof(x)) == 8) {
			if (seen[c])
				abort();
			seen[c] = 1;
		}
	}
	lu2k_dg_sa_wipe(&tx);
	lu2k_dg_sa_wipe(&rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size < 2)
		return 0;
	switch (data[0] % 6) {
	case 0:
		respond(data + 2, size - 2, data[1] & 1);
		break;
	case 1:
		finish(data + 2, size - 2, data[1] & 1);
		break;
	case 2:
		records(data + 1, size - 1);
		break;
	case 3:
		window(data + 1, size - 1);
		break;
	case 4:
		dgram_in(data + 2, size - 2, data[1] & 1);
		break;
	case 5:
		dgram_window(data + 1, size - 1);
		break;
	}
	return 0;
}
