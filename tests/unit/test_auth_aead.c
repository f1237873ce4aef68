/* SPDX-License-Identifier: MIT */
/*
 * Sealed records (auth/aead.c): round trips, in place; tampering; the stream
 * order and the datagram window against a model of it; key ageing; wiping.
 */
#include <stdlib.h>

#include "auth/aead.h"
#include "../t.h"

static struct lu2k_aead_limits lim;

static void pair(struct lu2k_aead_tx *tx, struct lu2k_aead_rx *rx, enum lu2k_aead_order o)
{
	struct lu2k_hs_keys k;

	memset(&k, 0, sizeof(k));
	for (int i = 0; i < 32; i++)
		k.send[i] = (uint8_t)(i + 1);
	k.peer_index = 0x1234;
	/* the receiving end: its recv key is the sender's send key */
	struct lu2k_aead_tx unused_tx;
	struct lu2k_aead_rx unused_rx;
	struct lu2k_hs_keys kr = k;

	lu2k_aead_limits_default(&lim);
	lu2k_aead_from_hs(tx, &unused_rx, &k, o, 0);
	memcpy(kr.recv, kr.send, 32);
	kr.local_index = 0x1234;
	lu2k_aead_from_hs(&unused_tx, rx, &kr, o, 0);
	lu2k_aead_tx_wipe(&unused_tx);
	lu2k_aead_rx_wipe(&unused_rx);
}

static void test_roundtrip(void)
{
	struct lu2k_aead_tx tx;
	struct lu2k_aead_rx rx;
	uint8_t rec[256], out[256], msg[200];
	ssize_t n;

	pair(&tx, &rx, LU2K_AEAD_STREAM);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	n = lu2k_aead_seal(&tx, &lim, 1, "ad", 2, msg, sizeof(msg), rec, sizeof(rec));
	T_EQ(n, sizeof(msg) + LU2K_AEAD_OVERHEAD);
	T_EQ(rec[0], LU2K_AEAD_TYPE);
	T_EQ(lu2k_aead_record_index(rec, (size_t)n), 0x1234);
	T_ASSERT(memcmp(rec + LU2K_AEAD_HDR, msg, sizeof(msg)) != 0);
	T_EQ(lu2k_aead_open(&rx, &lim, 1, "ad", 2, rec, (size_t)n, out, sizeof(out)), sizeof(msg));
	T_MEMEQ(out, msg, sizeof(msg));
	/* in place both ways: plaintext at rec + HDR, opened at rec + HDR */
	memcpy(rec + LU2K_AEAD_HDR, msg, sizeof(msg));
	n = lu2k_aead_seal(&tx, &lim, 1, NULL, 0, rec + LU2K_AEAD_HDR, sizeof(msg), rec,
			   sizeof(rec));
	T_EQ(n, sizeof(msg) + LU2K_AEAD_OVERHEAD);
	T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, rec, (size_t)n, rec + LU2K_AEAD_HDR,
			    sizeof(rec) - LU2K_AEAD_HDR),
	     sizeof(msg));
	T_MEMEQ(rec + LU2K_AEAD_HDR, msg, sizeof(msg));
	/* an empty record is valid (a keepalive) */
	n = lu2k_aead_seal(&tx, &lim, 1, NULL, 0, NULL, 0, rec, sizeof(rec));
	T_EQ(n, LU2K_AEAD_OVERHEAD);
	T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, rec, (size_t)n, out, 0), 0);
	/* no room */
	T_EQ(lu2k_aead_seal(&tx, &lim, 1, NULL, 0, msg, sizeof(msg), rec, sizeof(msg) + 31),
	     LU2K_AEAD_ESPACE);
	n = lu2k_aead_seal(&tx, &lim, 1, NULL, 0, msg, 10, rec, sizeof(rec));
	T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, rec, (size_t)n, out, 9), LU2K_AEAD_ESPACE);
	T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, rec, (size_t)n, out, 10), 10);
}

static void test_tamper(void)
{
	struct lu2k_aead_tx tx;
	struct lu2k_aead_rx rx;
	uint8_t rec[96], t[96], out[96], msg[40] = "forty bytes of an lnet message body....";
	ssize_t n;

	pair(&tx, &rx, LU2K_AEAD_DGRAM);
	n = lu2k_aead_seal(&tx, &lim, 1, "A", 1, msg, sizeof(msg), rec, sizeof(rec));
	T_EQ(n, 72);
	for (size_t i = 0; i < (size_t)n * 8; i++) {
		memcpy(t, rec, (size_t)n);
		t[i / 8] ^= (uint8_t)(1 << (i % 8));
		T_ASSERT(lu2k_aead_open(&rx, &lim, 1, "A", 1, t, (size_t)n, out, sizeof(out)) < 0);
	}
	/* other associated data, a truncated record, an extended one */
	T_EQ(lu2k_aead_open(&rx, &lim, 1, "B", 1, rec, (size_t)n, out, sizeof(out)),
	     LU2K_AEAD_EAUTH);
	T_ASSERT(lu2k_aead_open(&rx, &lim, 1, "A", 1, rec, (size_t)n - 1, out, sizeof(out)) < 0);
	T_EQ(lu2k_aead_open(&rx, &lim, 1, "A", 1, rec, 31, out, sizeof(out)), LU2K_AEAD_EMALFORMED);
	T_EQ(lu2k_aead_record_index(rec, 31), -1);
	/* nothing of the above moved the window: the real one opens, once */
	T_EQ(lu2k_aead_open(&rx, &lim, 1, "A", 1, rec, (size_t)n, out, sizeof(out)), 40);
	T_MEMEQ(out, msg, sizeof(msg));
	T_EQ(lu2k_aead_open(&rx, &lim, 1, "A", 1, rec, (size_t)n, out, sizeof(out)),
	     LU2K_AEAD_EREPLAY);
}

static void test_stream_order(void)
{
	struct lu2k_aead_tx tx;
	struct lu2k_aead_rx rx;
	uint8_t r[3][64], out[64];
	ssize_t n[3];

	pair(&tx, &rx, LU2K_AEAD_STREAM);
	for (int i = 0; i < 3; i++)
		n[i] = lu2k_aead_seal(&tx, &lim, 1, NULL, 0, "abc", 3, r[i], sizeof(r[i]));
	/* a record missing (deleted on the way) */
	T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, r[1], (size_t)n[1], out, 64), LU2K_AEAD_EORDER);
	T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, r[0], (size_t)n[0], out, 64), 3);
	T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, r[0], (size_t)n[0], out, 64), LU2K_AEAD_EREPLAY);
	T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, r[1], (size_t)n[1], out, 64), 3);
	T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, r[2], (size_t)n[2], out, 64), 3);
}

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * The datagram window against its definition: a counter is accepted iff it
 * was never accepted and is within LU2K_AEAD_WINDOW of the highest accepted.
 */
static void test_window_model(void)
{
	enum { N = 20000 };
	static uint8_t recs[N][LU2K_AEAD_OVERHEAD + 4];
	static uint8_t seen[N];
	struct lu2k_aead_tx tx;
	struct lu2k_aead_rx rx;
	uint8_t out[8];
	int64_t top = -1;
	long accepted = 0, refused = 0;

	pair(&tx, &rx, LU2K_AEAD_DGRAM);
	for (int i = 0; i < N; i++)
		T_EQ(lu2k_aead_seal(&tx, &lim, 1, NULL, 0, "data", 4, recs[i], sizeof(recs[i])),
		     sizeof(recs[i]));
	memset(seen, 0, sizeof(seen));
	for (int k = 0; k < 4 * N; k++) {
		/* mostly forward with reordering and far jumps back: what udt and an attacker do */
		int64_t base = top < 0 ? 0 : top;
		int64_t c = base + (int64_t)(rng() % 64) - 24;

		if (rng() % 16 == 0)
			c = base - LU2K_AEAD_WINDOW - 2 + (int64_t)(rng() % 5);
		if (c < 0 || c >= N)
			continue;
		int want = !seen[c] && (top < 0 || c > top || top - c < LU2K_AEAD_WINDOW);
		ssize_t r = lu2k_aead_open(&rx, &lim, 1, NULL, 0, recs[c], sizeof(recs[c]), out,
					   sizeof(out));

		if (want) {
			T_EQ(r, 4);
			seen[c] = 1;
			if (c > top)
				top = c;
			accepted++;
		} else {
			T_EQ(r, LU2K_AEAD_EREPLAY);
			refused++;
		}
	}
	printf("  window: %ld accepted, %ld refused\n", accepted, refused);
	/* the walk went through, both ways often */
	T_ASSERT(top > N - 100);
	T_ASSERT(accepted > 1000 && refused > 1000);
	T_EQ(rx.top, (uint64_t)top + 1);
}

static void test_window_jump(void)
{
	struct lu2k_aead_tx tx;
	struct lu2k_aead_rx rx;
	uint8_t r0[40], r1[40], out[8];

	pair(&tx, &rx, LU2K_AEAD_DGRAM);
	lu2k_aead_seal(&tx, &lim, 1, NULL, 0, "a", 1, r0, sizeof(r0));
	tx.next = 3 * LU2K_AEAD_WINDOW; /* far ahead: the window is cleared, r0 is too old */
	lu2k_aead_seal(&tx, &lim, 1, NULL, 0, "b", 1, r1, sizeof(r1));
	T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, r1, 33, out, 8), 1);
	T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, r0, 33, out, 8), LU2K_AEAD_EREPLAY);
	/* a forged record far ahead moves nothing */
	pair(&tx, &rx, LU2K_AEAD_DGRAM);
	lu2k_aead_seal(&tx, &lim, 1, NULL, 0, "a", 1, r0, sizeof(r0));
	memcpy(r1, r0, sizeof(r1));
	r1[15] = 0x7f;
	T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, r1, 33, out, 8), LU2K_AEAD_EAUTH);
	T_EQU(rx.top, 0);
	T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, r0, 33, out, 8), 1);
}

static void test_index(void)
{
	struct lu2k_aead_tx tx;
	struct lu2k_aead_rx rx;
	uint8_t r[40], out[8];

	pair(&tx, &rx, LU2K_AEAD_DGRAM);
	rx.local_index = 99;
	lu2k_aead_seal(&tx, &lim, 1, NULL, 0, "a", 1, r, sizeof(r));
	T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, r, 33, out, 8), LU2K_AEAD_EINDEX);
}

static void test_key_update(void)
{
	const uint64_t s = 1000000000ULL;
	struct lu2k_aead_tx tx;
	struct lu2k_aead_rx rx;
	uint8_t r0[64], r1[64], r2[64], t[64], out[64], k0[32];
	ssize_t n;

	pair(&tx, &rx, LU2K_AEAD_STREAM);
	memcpy(k0, tx.key, 32);
	T_EQ(lu2k_aead_tx_age(&tx, &lim, 119 * s), LU2K_AEAD_FRESH);
	T_EQ(lu2k_aead_tx_age(&tx, &lim, 120 * s), LU2K_AEAD_REKEY);
	T_EQ(lu2k_aead_tx_age(&tx, &lim, 180 * s), LU2K_AEAD_EXPIRED);
	T_EQ(lu2k_aead_seal(&tx, &lim, 10 * s, NULL, 0, "x", 1, r0, sizeof(r0)), 33);
	T_EQ(r0[1], 0);
	/* past rekey_after: the next record goes under the next key, phase 1, counter 0 */
	T_EQ(lu2k_aead_seal(&tx, &lim, 130 * s, NULL, 0, "y", 1, r1, sizeof(r1)), 33);
	T_EQ(r1[1], 1);
	T_EQU(tx.updates, 1);
	T_EQU(tx.next, 1);
	T_ASSERT(memcmp(k0, tx.key, 32) != 0);
	T_EQ(lu2k_aead_tx_age(&tx, &lim, 130 * s), LU2K_AEAD_FRESH);
	n = lu2k_aead_seal(&tx, &lim, 131 * s, NULL, 0, "z", 1, r2, sizeof(r2));
	T_EQ(n, 33);
	T_EQ(lu2k_aead_open(&rx, &lim, 10 * s, NULL, 0, r0, 33, out, sizeof(out)), 1);
	/* a forged phase flip opens nothing and leaves the receiver as it was */
	memcpy(t, r0, 33);
	t[1] = 1;
	T_EQ(lu2k_aead_open(&rx, &lim, 130 * s, NULL, 0, t, 33, out, sizeof(out)), LU2K_AEAD_EAUTH);
	T_EQ(rx.phase, 0);
	T_EQ(lu2k_aead_open(&rx, &lim, 130 * s, NULL, 0, r1, 33, out, sizeof(out)), 1);
	T_EQ(out[0], 'y');
	T_EQ(rx.phase, 1);
	T_EQU(rx.updates, 1);
	T_EQ(lu2k_aead_open(&rx, &lim, 131 * s, NULL, 0, r2, 33, out, sizeof(out)), 1);
	/* the old key is gone: a record of phase 0 opens no more */
	T_EQ(lu2k_aead_open(&rx, &lim, 131 * s, NULL, 0, r0, 33, out, sizeof(out)),
	     LU2K_AEAD_EAUTH);
	/* a record held back until the receiving key is past reject_after */
	pair(&tx, &rx, LU2K_AEAD_DGRAM);
	T_EQ(lu2k_aead_seal(&tx, &lim, 1 * s, NULL, 0, "x", 1, r0, sizeof(r0)), 33);
	T_EQ(lu2k_aead_open(&rx, &lim, 180 * s, NULL, 0, r0, 33, out, sizeof(out)),
	     LU2K_AEAD_EEXPIRED);
	T_EQ(lu2k_aead_open(&rx, &lim, 179 * s, NULL, 0, r0, 33, out, sizeof(out)), 1);
	/* by volume */
	pair(&tx, &rx, LU2K_AEAD_STREAM);
	lim.rekey_after_bytes = 10;
	T_EQ(lu2k_aead_seal(&tx, &lim, 1, NULL, 0, "0123456789", 10, r0, sizeof(r0)), 42);
	T_EQ(lu2k_aead_tx_age(&tx, &lim, 1), LU2K_AEAD_REKEY);
	T_EQ(lu2k_aead_seal(&tx, &lim, 1, NULL, 0, "0123456789", 10, r1, sizeof(r1)), 42);
	T_EQ(r1[1], 1);
	T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, r0, 42, out, sizeof(out)), 10);
	T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, r1, 42, out, sizeof(out)), 10);
	/* and many updates in a row stay in step */
	for (int i = 0; i < 50; i++) {
		n = lu2k_aead_seal(&tx, &lim, 1, NULL, 0, "0123456789", 10, r0, sizeof(r0));
		T_EQ(lu2k_aead_open(&rx, &lim, 1, NULL, 0, r0, (size_t)n, out, sizeof(out)), 10);
	}
	T_EQU(rx.updates, tx.updates);
	T_ASSERT(tx.updates > 20);
}

static void test_wipe(void)
{
	struct lu2k_aead_tx tx;
	struct lu2k_aead_rx rx;
	static const uint8_t zero[32];

	pair(&tx, &rx, LU2K_AEAD_DGRAM);
	T_ASSERT(memcmp(tx.key, zero, 32) != 0);
	lu2k_aead_tx_wipe(&tx);
	lu2k_aead_rx_wipe(&rx);
	T_MEMEQ(tx.key, zero, 32);
	T_MEMEQ(rx.key, zero, 32);
	T_STREQ(lu2k_aead_err_str(LU2K_AEAD_EREPLAY), "replayed or too old record");
}

int main(void)
{
	if (lu2k_auth_init())
		return 1;
	T_RUN(test_roundtrip);
	T_RUN(test_tamper);
	T_RUN(test_stream_order);
	T_RUN(test_window_model);
	T_RUN(test_window_jump);
	T_RUN(test_index);
	T_RUN(test_key_update);
	T_RUN(test_wipe);
	return t_done();
}
