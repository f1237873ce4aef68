/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the rds back-end with keys (backends/rds_sec.c), through
 * the back-end API over our small RDS (rds_fake.h), with two fake cores
 * (rds_sides.h), each instance with an [auth]:
 *  - nothing but the handshake's two frames and sealed frames on the wire,
 *    0 B .. 4 MiB bit-exact through them, in one round trip to connected();
 *  - forged, replayed, truncated, wrong-key, wrong-address and plaintext
 *    frames injected beside an honest transfer: none delivered, each
 *    counted, the connection goes on and every honest message arrives;
 *  - refusals with a clear reason: a key B does not list, a NID the key
 *    does not own, a peer without keys either way, no key for the NID;
 *  - a restarted B (the session lost) fails A's conn after a sealed ping
 *    goes unanswered, at once if B made a new handshake to A first; a
 *    forged RESET on a live conn changes nothing;
 *  - a flood of valid-looking initiations from 40 prefixes: A still gets
 *    in, the flood held near the handshake rate, counted;
 *  - B's answer to A's handshake cancelled with B's queue to A (its own
 *    hello to A timed out): B answers again, A connects once the path is back;
 *  - a key update whose ping overtakes pieces sealed before it (held 3.5 s
 *    in the data path): they still open;
 *  - the network mode (one PSK): its holders connect, another PSK does not.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth/aead.h"
#include "auth/peers.h"
#include "backends/rds.h"
#include "backends/rds_sec.h"
#include "backends/rds_wire.h"
#include "rds_fake.h"
#include "rds_sides.h"
#include "../t.h"

static struct lu2k_key kA, kB, kC; /* private keys: A, B, and one nobody lists */
static struct lu2k_auth authA, authB;

/* a's own key priv; its one peer holds peer_priv and may claim range. */
static void auth_make(struct lu2k_auth *a, const struct lu2k_key *priv,
		      const struct lu2k_key *peer_priv, const char *range)
{
	memset(a, 0, sizeof(*a));
	a->enabled = true;
	a->local.priv = *priv;
	a->local.caps = lu2k_hs_caps_here(); /* AES-256-GCM where this CPU has it, as lu2kd */
	lu2k_key_public(&a->local.pub, priv);
	a->peers = calloc(1, sizeof(*a->peers));
	a->npeers = 1;
	lu2k_key_public(&a->peers[0].pub, peer_priv);
	T_EQ(lu2k_nid_range_parse(range, &a->peers[0].r[0]), 0);
	a->peers[0].nr = 1;
}

/* A and B, each with keys (or NULL: plaintext), with 4 option pairs kv */
static void make_pair_kv(struct lu2k_auth *a, struct lu2k_auth *b, const char *const *kv)
{
	next_auth = a;
	T_EQ(make_side(&A, "10.0.0.1@lu2k", kv, 4), 0);
	next_auth = b;
	T_EQ(make_side(&B, "10.0.0.2@lu2k", kv, 4), 0);
	next_auth = NULL;
}

static void make_pair(struct lu2k_auth *a, struct lu2k_auth *b)
{
	make_pair_kv(a, b, calm);
}

static void drop_pair(void)
{
	drop_side(&A);
	drop_side(&B);
	lu2k_auth_free(&authA);
	lu2k_auth_free(&authB);
}

/* B's daemon replaced by one with the same keys and no session: make_side's return. */
static int restart_b(void)
{
	int rc;

	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used && fs[i].addr.sin_addr.s_addr == htonl(0x0a000002))
			fs[i].dead = true;
	drop_side(&B);
	next_auth = &authB;
	rc = make_side(&B, "10.0.0.2@lu2k", calm, 4);
	next_auth = NULL;
	return rc;
}

/* The first message on A's conn c: sent, completed at A, received whole at B. */
static void first_msg_through(struct lu2k_be_conn *c)
{
	msg_init(&msgs[0], 0, 5000);
	T_EQ(ops->send(c, &msgs[0]), 0);
	SPIN_UNTIL(A.sent_ok == 1, 2000);
	T_EQ(B.rx_ok, 1);
}

static void test_sealed_transfer(void)
{
	static const uint32_t sizes[] = {
		0, 1, 65536 - 8, 65536, 777777, (4u << 20) - 8, 4u << 20
	};
	const int n = (int)(sizeof(sizes) / sizeof(sizes[0]));
	struct lu2k_be_conn *c;
	uint64_t t0;

	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kA, "10.0.0.0/24@lu2k");
	make_pair(&authA, &authB);
	memset(f_types, 0, sizeof(f_types));
	f_largest = 0;
	t0 = L.now;
	c = connect_ab();
	T_ASSERT(c);
	T_EQ(B.accepted, 1);
	/* one round trip: the initiation, then its response and the sealed answer */
	T_EQ(f_types[LU2K_RDSW_HS_INIT], 1);
	T_EQ(f_types[LU2K_RDSW_HS_RESP], 1);
	T_ASSERT(L.now - t0 < 1000000000ull);
	for (int i = 0; i < n; i++) {
		msg_init(&msgs[i], (uint64_t)i, sizes[i]);
		T_EQ(ops->send(c, &msgs[i]), 0);
	}
	SPIN_UNTIL(A.sent_ok == n, 20000);
	T_EQ(A.sent_ok, n);
	T_ASSERT(sent_once(&A, n));
	T_EQ(B.rx_ok, n);
	T_EQ(B.rx_bad + B.order_bad, 0);
	/* nothing in plaintext on the wire: only the handshake and sealed frames */
	for (int t = 1; t <= LU2K_RDSW_RESET; t++)
		T_EQ(f_types[t], 0);
	T_ASSERT(f_types[LU2K_RDSW_SEALED] > n);
	T_ASSERT(f_largest <= 65536 + LU2K_RDSW_DATA_LEN + LU2K_RDSW_SEAL_OVERHEAD);
	T_EQ(f_emsgsize, 0);
	T_EQU(B.be->st.auth_records_rx, A.be->st.auth_records_tx);
	T_EQU(A.be->st.auth_records_rx, B.be->st.auth_records_tx);
	T_EQU(B.be->st.auth_bad_records + B.be->st.auth_plaintext, 0);
	T_EQU(authA.st.hs_ok, 1);
	T_EQU(authB.st.hs_ok, 1);
	/* the cipher the handshake agreed on, the same both ways */
	T_EQ(c->sec->sa.tx.suite, B.in->sec->sa.rx.suite);
	T_EQ(c->sec->sa.tx.suite, lu2k_hs_suite(lu2k_hs_caps_here(), lu2k_hs_caps_here()));
	/* pieces at the largest size RDS takes still fit once sealed */
	msgs_free(n);
	drop_pair();
}

static void test_sealed_big_pieces(void)
{
	static const char *const big[] = { "frag_size", "1048512" };
	struct lu2k_be_conn *c;

	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kA, "10.0.0.1@lu2k");
	next_auth = &authA;
	T_EQ(make_side(&A, "10.0.0.1@lu2k", big, 1), 0);
	next_auth = &authB;
	T_EQ(make_side(&B, "10.0.0.2@lu2k", big, 1), 0);
	next_auth = NULL;
	for (int i = 0; i < NSOCK; i++)
		fs[i].sndbuf = 4 << 20;
	c = connect_ab();
	T_ASSERT(c);
	f_largest = 0;
	f_emsgsize = 0;
	msg_init(&msgs[0], 0, 3u << 20);
	T_EQ(ops->send(c, &msgs[0]), 0);
	SPIN_UNTIL(A.sent_ok == 1, 10000);
	T_EQ(B.rx_ok, 1);
	T_EQ(f_emsgsize, 0);
	T_ASSERT(f_largest <= RDS_MAX);
	msgs_free(1);
	drop_pair();
}

/* A's frame i as captured, changed by the caller, sent to B from addr:port. */
static void inject_from(uint32_t ip, const uint8_t *p, size_t len)
{
	f_inject(ip, 40001, 0x0a000002, p, len);
}

static void test_sealed_hostile(void)
{
	const int n = 8;
	struct lu2k_be_conn *c;
	struct rdsb_stats *st;
	struct lu2k_aead_tx wrong;
	struct lu2k_aead_limits lim;
	uint8_t frame[256], plain[LU2K_RDSW_DATA_LEN + 16];
	uint64_t bad, rx_before;
	ssize_t r;

	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kA, "10.0.0.1@lu2k");
	make_pair(&authA, &authB);
	st = &B.be->st;
	c = connect_ab();
	T_ASSERT(c);
	f_cap_to.sin_addr.s_addr = htonl(0x0a000002);
	f_cap_to.sin_port = htons(PORT);
	for (int i = 0; i < 4; i++) {
		msg_init(&msgs[i], (uint64_t)i, 100);
		T_EQ(ops->send(c, &msgs[i]), 0);
	}
	SPIN_UNTIL(A.sent_ok == 4, 5000);
	T_EQ(B.rx_ok, 4);
	T_ASSERT(f_ncap >= 4); /* the four pieces, sealed */
	T_ASSERT(f_cap_len[0] > 48 && f_cap_len[0] < sizeof(frame));
	rx_before = (uint64_t)B.rx_ok;

	/* replayed: every captured frame again, from A's own address */
	bad = st->auth_bad_records;
	for (int i = 0; i < f_ncap; i++)
		inject_from(0x0a000001, f_cap[i], f_cap_len[i]);
	spin(50);
	T_EQU(st->auth_bad_records - bad, (uint64_t)f_ncap);
	/*
	 * forged: a fresh counter (so that the window lets it by and the tag
	 * must refuse it), alone or with one bit of the record's header, the
	 * ciphertext or the tag flipped
	 */
	bad = st->auth_bad_records;
	{
		const size_t at[] = { 0, 17, 33, 40, f_cap_len[0] / 2, f_cap_len[0] - 1 };

		for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
			memcpy(frame, f_cap[0], f_cap_len[0]);
			frame[LU2K_RDSW_BASE_LEN + 8] ^= 0x40;
			if (at[i])
				frame[at[i]] ^= 4;
			inject_from(0x0a000001, frame, f_cap_len[0]);
		}
	}
	spin(50);
	T_EQU(st->auth_bad_records - bad, 6);
	T_EQU(st->auth_unknown_index + st->auth_wrong_conn, 0);
	/* truncated: the tag cut short, and cut to the record's header */
	bad = st->auth_bad_records;
	inject_from(0x0a000001, f_cap[1], f_cap_len[1] - 5);
	inject_from(0x0a000001, f_cap[1], LU2K_RDSW_SEAL_MIN + 16);
	spin(50);
	T_EQU(st->auth_bad_records - bad, 2);
	/* wrong key: a well-made record for B's index under a key nobody agreed */
	memset(&wrong, 0, sizeof(wrong));
	for (int i = 0; i < 32; i++)
		wrong.key[i] = (uint8_t)(i * 37 + 11);
	memcpy(&wrong.peer_index, f_cap[0] + LU2K_RDSW_BASE_LEN + 4, 4); /* LE, as on the wire */
	wrong.next = 1000;
	lu2k_aead_limits_default(&lim);
	lu2k_rdsw_data_encode(plain, c->id, 99, 0, 8, 8, &msgs[0].target);
	memset(plain + LU2K_RDSW_DATA_LEN, 0x5a, 16);
	memcpy(frame, f_cap[0], LU2K_RDSW_BASE_LEN);
	r = lu2k_aead_seal(&wrong, &lim, 0, NULL, 0, plain, sizeof(plain), frame + 16,
			   sizeof(frame) - 16);
	T_ASSERT(r > 0);
	bad = st->auth_bad_records;
	inject_from(0x0a000001, frame, 16 + (size_t)r);
	spin(50);
	T_EQU(st->auth_bad_records - bad, 1);
	/* an honest record, but from another address: not opened at all */
	inject_from(0x0a000009, f_cap[2], f_cap_len[2]);
	spin(50);
	T_EQU(st->auth_wrong_conn, 1);
	/* plaintext DATA for the live conn, a plaintext CLOSE: dropped and counted */
	lu2k_rdsw_data_encode(plain, c->id, 50, 0, 8, 8, &msgs[0].target);
	memcpy(plain + LU2K_RDSW_DATA_LEN, "12345678abcdefgh", 16);
	inject_from(0x0a000001, plain, sizeof(plain));
	lu2k_rdsw_close_encode(frame, LU2K_RDSW_CLOSE, c->id, -ECONNRESET);
	inject_from(0x0a000001, frame, LU2K_RDSW_CLOSE_LEN);
	spin(50);
	T_EQU(st->auth_plaintext, 2);
	/* an unknown index (a session B does not have): counted, never opened */
	memcpy(frame, f_cap[3], f_cap_len[3]);
	frame[LU2K_RDSW_BASE_LEN + 4] ^= 0x55;
	inject_from(0x0a000001, frame, f_cap_len[3]);
	spin(50);
	T_EQU(st->auth_unknown_index, 1);
	/* none of it was delivered, and the conn went on: honest messages after it arrive */
	T_EQU((uint64_t)B.rx_ok, rx_before);
	T_EQ(B.rx_bad + B.rx_failed, 0);
	T_EQ(A.closed + B.closed, 0);
	for (int i = 4; i < n; i++) {
		msg_init(&msgs[i], (uint64_t)i, 200000);
		T_EQ(ops->send(c, &msgs[i]), 0);
	}
	SPIN_UNTIL(A.sent_ok == n, 10000);
	T_EQ(A.sent_ok, n);
	T_EQ(B.rx_ok, n);
	T_EQ(B.rx_bad + B.order_bad, 0);
	T_EQ(A.closed + B.closed, 0);
	cap_free();
	msgs_free(n);
	drop_pair();
}

static void test_sealed_refusals(void)
{
	struct lu2k_be_conn *c = NULL;
	struct lu2k_nid other;

	/* B does not list A's key */
	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kC, "10.0.0.1@lu2k");
	make_pair(&authA, &authB);
	T_EQ(ops->connect(A.be, &A.nid, NULL, &B.nid, PORT, &A, &c), 0);
	SPIN_UNTIL(A.closed, 2000);
	T_EQ(A.closed_err, -ECONNREFUSED);
	T_EQ(A.connected + B.accepted, 0);
	T_EQU(authB.st.hs_unknown_key, 1);
	T_EQU(B.be->st.auth_refused, 1);
	drop_pair();

	/* B lists A's key, for another NID than the one A claims */
	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kA, "10.0.0.7@lu2k");
	make_pair(&authA, &authB);
	T_EQ(ops->connect(A.be, &A.nid, NULL, &B.nid, PORT, &A, &c), 0);
	SPIN_UNTIL(A.closed, 2000);
	T_EQ(A.closed_err, -ECONNREFUSED);
	T_EQ(B.accepted, 0);
	T_EQU(authB.st.hs_nid_refused, 1);
	/* A lists no key for that NID: no conn at all, nothing sent */
	lu2k_nid_parse("10.0.0.3@lu2k", &other);
	T_EQ(ops->connect(A.be, &A.nid, NULL, &other, PORT, &A, &c), -EACCES);
	T_EQU(authA.st.no_peer_key, 1);
	drop_pair();

	/* A with keys, B without: B says no, A hears it at once */
	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	make_pair(&authA, NULL);
	T_EQ(ops->connect(A.be, &A.nid, NULL, &B.nid, PORT, &A, &c), 0);
	SPIN_UNTIL(A.closed, 2000);
	T_EQ(A.closed_err, -ECONNREFUSED);
	T_EQ(B.accepted, 0);
	T_EQU(B.be->st.refused, 1);
	drop_pair();

	/* A without keys, B with: the plaintext hello is refused, nothing made */
	auth_make(&authB, &kB, &kA, "10.0.0.1@lu2k");
	make_pair(NULL, &authB);
	T_EQ(ops->connect(A.be, &A.nid, NULL, &B.nid, PORT, &A, &c), 0);
	SPIN_UNTIL(A.closed, 2000);
	T_EQ(A.closed_err, -ECONNREFUSED);
	T_EQ(B.accepted, 0);
	T_EQU(B.be->st.auth_plaintext, 1);
	drop_pair();
}

static void test_sealed_restart(void)
{
	struct lu2k_be_conn *c;
	uint8_t f[LU2K_RDSW_CLOSE_LEN];

	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kA, "10.0.0.1@lu2k");
	make_pair(&authA, &authB);
	c = connect_ab();
	T_ASSERT(c);
	/* a forged RESET for a live conn: A pings, B answers sealed, nothing closes */
	lu2k_rdsw_close_encode(f, LU2K_RDSW_RESET, c->id, -ENOTCONN);
	f_inject(0x0a000002, PORT, 0x0a000001, f, sizeof(f));
	SPIN_UNTIL(A.be->st.auth_resets_doubted == 1, 1000);
	/* past the doubt's deadline (two keep-alives, 1.5 s): B's sealed answer cleared it */
	spin(2000);
	T_EQU(A.be->st.auth_resets_doubted, 1);
	T_ASSERT(!c->sec->doubted);
	T_EQ(A.closed + B.closed, 0);
	first_msg_through(c);
	/* B's daemon replaced by one that has no session for A's conn */
	T_EQ(restart_b(), 0);
	msg_init(&msgs[1], 1, 5000);
	T_EQ(ops->send(c, &msgs[1]), 0);
	SPIN_UNTIL(A.closed, 6000);
	T_EQ(A.closed, 1);
	T_EQ(A.closed_err, -ECONNRESET);
	T_EQ(A.sent_err, 1);
	T_EQ(B.rx_ok, 0);
	T_ASSERT(B.be->st.auth_unknown_index >= 1);
	/* a new conn works: a new handshake */
	c = connect_ab();
	T_ASSERT(c);
	msg_init(&msgs[2], 2, 5000);
	T_EQ(ops->send(c, &msgs[2]), 0);
	SPIN_UNTIL(A.sent_ok == 2, 2000);
	T_EQ(B.rx_ok, 1);
	msgs_free(3);
	drop_pair();
}

/*
 * A restarted B that connects to A first (a new handshake: its key proved),
 * then answers A's old conn with a RESET: A believes it at once, without
 * the two keep-alive periods of a RESET alone (issue 15).
 */
static void test_sealed_restart_reconnects(void)
{
	struct lu2k_be_conn *c, *cb = NULL;

	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kA, "10.0.0.1@lu2k");
	make_pair(&authA, &authB);
	c = connect_ab();
	T_ASSERT(c);
	first_msg_through(c);
	/* B's daemon replaced by one that has no session for A's conn */
	T_EQ(restart_b(), 0);
	/* the new B connects to A: A's old conn to B pings at that, and B says RESET */
	T_EQ(ops->connect(B.be, &B.nid, NULL, &A.nid, PORT, &B, &cb), 0);
	SPIN_UNTIL(B.connected || B.closed, 2000);
	T_EQ(B.connected, 1);
	SPIN_UNTIL(A.closed, 1000);
	T_EQ(A.closed, 1);
	T_EQ(A.closed_err, -ECONNRESET);
	T_EQU(A.be->st.auth_peer_restarts, 1);
	T_EQU(A.be->st.auth_resets_doubted, 0);
	/* B's new conn carries a message to A */
	msg_init(&msgs[1], 1, 5000);
	T_EQ(ops->send(cb, &msgs[1]), 0);
	SPIN_UNTIL(B.sent_ok == 1, 2000);
	T_EQ(A.rx_ok, 1);
	msgs_free(2);
	drop_pair();
}

/*
 * A flood of valid-looking initiations (mac1 right, from a key B does not
 * list) from 40 /24s, 4,000 a second, while A connects: A gets in (its
 * prefix was quiet), the flood is held near B's rate (auth/hsrate.h),
 * every one held counted (issue 15).
 */
static void test_sealed_hs_flood(void)
{
	struct lu2k_hsrate_cfg cfg = { 50, 50, 2, 4 };
	uint8_t f[LU2K_RDSW_BASE_LEN + LU2K_HS_INIT_LEN];
	struct lu2k_hs_local x = { .priv = kC };
	struct lu2k_be_conn *c = NULL;
	uint64_t ts = 0, t0, secs;
	struct lu2k_nid src;
	struct lu2k_hs hs;
	struct lu2k_key e;

	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kA, "10.0.0.1@lu2k");
	T_EQ(lu2k_auth_hs_rate_set(&authB, &cfg), 0);
	make_pair(&authA, &authB);
	lu2k_key_public(&x.pub, &kC);
	T_EQ(lu2k_nid_parse("10.1.0.1@lu2k", &src), 0);
	lu2k_key_generate(&e);
	lu2k_rdsw_env_encode(f, LU2K_RDSW_HS_INIT, 4242);
	T_EQ(lu2k_hs_initiate(&hs, &x, &authB.local.pub, &e, lu2k_hs_next_ts(&ts, 1), 9, &src,
			      &B.nid, f + LU2K_RDSW_BASE_LEN),
	     0);
	lu2k_hs_wipe(&hs);
	t0 = lu2k_loop_now_ns();
	for (int round = 0; round < 200; round++) {
		for (uint32_t p = 0; p < 40; p++)
			f_inject(0x0a010001 + (p << 8), PORT, 0x0a000002, f, sizeof(f));
		if (round == 100)
			T_EQ(ops->connect(A.be, &A.nid, NULL, &B.nid, PORT, &A, &c), 0);
		spin(10);
	}
	secs = (lu2k_loop_now_ns() - t0) / 1000000000ull + 1;
	SPIN_UNTIL(A.connected || A.closed, 2000);
	T_EQ(A.connected, 1);
	T_EQ(B.accepted, 1);
	T_ASSERT(authB.st.hs_rate_prefix > 0);
	T_ASSERT(authB.st.hs_rate_prefix + authB.st.hs_rate_global > 4000);
	T_EQU(B.be->st.auth_rate_limited, authB.st.hs_rate_prefix + authB.st.hs_rate_global);
	/* what reached the X25519 work: the burst, the prefixes' bursts, the rate */
	T_ASSERT(authB.st.hs_unknown_key >= 50);
	T_ASSERT(authB.st.hs_unknown_key <= 50 + 40 * 4 + 50 * secs);
	first_msg_through(c);
	msgs_free(1);
	drop_pair();
}

/*
 * B's answer to A's handshake waits in RDS (the path from B to A is down),
 * and B's own connection to A gives up on its hello meanwhile: B cancels
 * what it queued for A (RDS_CANCEL_SENT_TO), that answer too. Once the path
 * is back, A's connection must still come up: B answers again (issue 15: a
 * keyed rds bench run whose first handshake went unanswered).
 */
static void test_sealed_answer_cancelled(void)
{
	/* B gives up on its own hello soon, but waits for A's messages as long as A waits */
	static const char *const quick_hello[] = { "ack_timeout_ms",   "3000",
						   "hello_timeout_ms", "400",
						   "frag_size",	       "65536",
						   "cong_retry_ms",    "5000" };
	struct lu2k_be_conn *c = NULL, *cb = NULL;

	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kA, "10.0.0.1@lu2k");
	next_auth = &authA;
	T_EQ(make_side(&A, "10.0.0.1@lu2k", calm, 4), 0);
	next_auth = &authB;
	T_EQ(make_side(&B, "10.0.0.2@lu2k", quick_hello, 4), 0);
	next_auth = NULL;
	memset(&f_blackhole, 0, sizeof(f_blackhole));
	f_blackhole.sin_family = AF_INET;
	f_blackhole.sin_addr.s_addr = htonl(0x0a000001);
	f_blackhole.sin_port = htons(PORT);
	f_cancels = f_limbo_dropped = 0;
	T_EQ(ops->connect(A.be, &A.nid, NULL, &B.nid, PORT, &A, &c), 0);
	SPIN_UNTIL(B.accepted == 1, 1000);
	T_EQ(B.accepted, 1);
	T_EQ(ops->connect(B.be, &B.nid, NULL, &A.nid, PORT, &B, &cb), 0);
	SPIN_UNTIL(B.closed, 2000);
	T_EQ(B.closed_err, -ETIMEDOUT);
	/* B's initiation, and its answer to A's: HS_RESP and the sealed HELLO_ACK */
	T_ASSERT(f_limbo_dropped >= 3);
	T_EQU(B.be->st.hello_answers_again, 1);
	T_EQ(A.connected, 0);
	f_heal();
	SPIN_UNTIL(A.connected || A.closed, 2000);
	T_EQ(A.connected, 1);
	first_msg_through(c);
	msgs_free(1);
	drop_pair();
}

static void test_sealed_key_update(void)
{
	const int n = 4;
	struct lu2k_be_conn *c;
	uint64_t keep;

	/*
	 * The data path is held for some 6 s while pings are answered: within
	 * calm's 3 s deadline that is a lost piece (the progress deadline).
	 */
	static const char *const patient[] = { "ack_timeout_ms", "10000",     "hello_timeout_ms",
					       "3000",		 "frag_size", "65536",
					       "cong_retry_ms",	 "5000" };

	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kA, "10.0.0.1@lu2k");
	make_pair_kv(&authA, &authB, patient);
	c = connect_ab();
	T_ASSERT(c && B.in);
	/* pieces sealed under the first key wait in the data path... */
	f_hold = true;
	for (int i = 0; i < n; i++) {
		msg_init(&msgs[i], (uint64_t)i, 100000);
		T_EQ(ops->send(c, &msgs[i]), 0);
	}
	spin(50);
	T_ASSERT(f_held != NULL);
	T_EQU(c->sec->sa.tx.updates, 0);
	/* ...while A's key update is due: its next frame, a ping, overtakes them */
	keep = c->sec->sa.lim.rekey_after_ns;
	c->sec->sa.lim.rekey_after_ns = 1;
	SPIN_UNTIL(c->sec->sa.tx.updates == 1, 3000);
	c->sec->sa.lim.rekey_after_ns = keep;
	/* the ping comes after a keep-alive period (2.5 s) of silence */
	SPIN_UNTIL(B.in->sec->sa.rx.updates == 1, 5000);
	T_EQU(B.in->sec->sa.rx.updates, 1);
	/* longer than auth/dgram.c's 3 s for late datagrams */
	spin(3500);
	T_EQ(B.rx_ok, 0);
	f_release();
	SPIN_UNTIL(A.sent_ok == n, 5000);
	T_EQ(A.sent_ok, n);
	T_EQ(B.rx_ok, n);
	T_EQ(B.rx_bad + B.order_bad, 0);
	T_EQU(B.be->st.auth_bad_records, 0);
	T_ASSERT(B.in->sec->sa.prev_opened >= 2 * (uint64_t)n);
	T_EQ(A.closed + B.closed, 0);
	msgs_free(n);
	drop_pair();
}

/*
 * Sealed, a piece RDS took and lost: the initiation's caps asked for piece
 * progress, B's sealed ACKs carry it, and A fails the stuck message
 * (-ETIMEDOUT, progress_timeouts) one deadline after its last progress.
 */
static void test_sealed_lost_piece(void)
{
	static const char *const mid[] = { "ack_timeout_ms", "2000",  "hello_timeout_ms", "3000",
					   "frag_size",	     "65536", "cong_retry_ms",	  "5000" };
	struct lu2k_be_conn *c;

	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kA, "10.0.0.1@lu2k");
	make_pair_kv(&authA, &authB, mid);
	f_dropped = 0;
	memset(f_types, 0, sizeof(f_types));
	c = connect_ab();
	T_ASSERT(c && B.in && B.in->progress);
	first_msg_through(c);
	T_ASSERT(c->progress);	       /* B's ACK said so */
	msg_init(&msgs[1], 1, 200000); /* 4 pieces: the last is lost */
	f_drop_nth = 4;
	T_EQ(ops->send(c, &msgs[1]), 0);
	SPIN_UNTIL(A.closed, 10000);
	T_EQ(f_dropped, 1);
	T_EQ(A.closed_err, -ETIMEDOUT);
	T_EQ(A.sent_err, 1);
	T_EQ(A.last_err, -ETIMEDOUT);
	T_EQU(A.be->st.progress_timeouts, 1);
	T_EQU(A.be->st.peer_timeouts, 0);
	SPIN_UNTIL(B.rx_failed == 1, 2000); /* the sealed CLOSE ended it */
	T_EQ(B.rx_failed, 1);
	T_EQ(B.rx_ok, 1);
	T_EQU(B.be->st.auth_bad_records + A.be->st.auth_bad_records, 0);
	T_EQ(f_types[LU2K_RDSW_ACK] + f_types[LU2K_RDSW_HELLO] + f_types[LU2K_RDSW_DATA], 0);
	msgs_free(2);
	drop_pair();
}

/* The network mode (one PSK for all): any holder claims any NID, and only holders get in. */
static void test_sealed_network_mode(void)
{
	struct lu2k_key psk, other;
	struct lu2k_be_conn *c;

	memset(psk.b, 0x42, 32);
	memset(other.b, 0x43, 32);
	memset(&authA, 0, sizeof(authA));
	memset(&authB, 0, sizeof(authB));
	lu2k_auth_network_identity(&authA.local, &psk);
	lu2k_auth_network_identity(&authB.local, &psk);
	authA.enabled = authB.enabled = authA.network = authB.network = true;
	make_pair(&authA, &authB);
	c = connect_ab();
	T_ASSERT(c);
	msg_init(&msgs[0], 0, 300000);
	T_EQ(ops->send(c, &msgs[0]), 0);
	SPIN_UNTIL(A.sent_ok == 1, 5000);
	T_EQ(B.rx_ok, 1);
	T_ASSERT(B.be->st.auth_records_rx > 0);
	msgs_free(1);
	drop_pair();
	/* another network's PSK: refused, nothing delivered */
	memset(&authA, 0, sizeof(authA));
	memset(&authB, 0, sizeof(authB));
	lu2k_auth_network_identity(&authA.local, &other);
	lu2k_auth_network_identity(&authB.local, &psk);
	authA.enabled = authB.enabled = authA.network = authB.network = true;
	make_pair(&authA, &authB);
	c = NULL;
	T_EQ(ops->connect(A.be, &A.nid, NULL, &B.nid, PORT, &A, &c), 0);
	spin(300);
	T_EQ(A.connected + B.accepted, 0);
	T_ASSERT(B.be->st.auth_refused >= 1);
	ops->close(c);
	drop_pair();
}

static void test_no_socket_left(void)
{
	int i = f_first_open();

	if (i >= 0)
		T_FAIL_("socket %d left open", i);
}

int main(void)
{
	if (lu2k_loop_init(&L) || lu2k_auth_init())
		return 1;
	lu2k_rds_sockops = &f_sockops;
	ops = lu2k_backend_find("rds");
	if (!ops)
		return 1;
	lu2k_key_generate(&kA);
	lu2k_key_generate(&kB);
	lu2k_key_generate(&kC);
	T_RUN(test_sealed_transfer);
	T_RUN(test_sealed_big_pieces);
	T_RUN(test_sealed_hostile);
	T_RUN(test_sealed_refusals);
	T_RUN(test_sealed_restart);
	T_RUN(test_sealed_restart_reconnects);
	T_RUN(test_sealed_hs_flood);
	T_RUN(test_sealed_answer_cancelled);
	T_RUN(test_sealed_key_update);
	T_RUN(test_sealed_network_mode);
	T_RUN(test_sealed_lost_piece);
	T_RUN(test_no_socket_left);
	lu2k_loop_fini(&L);
	return t_done();
}
