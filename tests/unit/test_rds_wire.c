/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the rds back-end's frame codec (backends/rds_wire.c): every
 * type round-trips, every malformed form is refused, the pieces of a message
 * cover it exactly, and random bytes never crash the decoder.
 */
#include <errno.h>
#include <stdlib.h>

#include "backends/rds_wire.h"
#include "common/nid.h"
#include "../t.h"

#define MAXMSG ((4u << 20) + 256)

static struct lu2k_nid nid(const char *s)
{
	struct lu2k_nid n;

	lu2k_nid_parse(s, &n);
	return n;
}

static void test_hello_roundtrip(void)
{
	uint8_t b[LU2K_RDSW_MAX_HLEN];
	struct lu2k_rdsw_frame f;
	struct lu2k_nid s = nid("192.0.2.1@lu2k"), d = nid("[2001:db8::2]@lu2k7");

	T_EQ(lu2k_rdsw_hello_encode(b, LU2K_RDSW_HELLO, 0x1122334455667788ull, 0, &s, &d),
	     LU2K_RDSW_HELLO_LEN);
	T_MEMEQ(b, "L2KR", 4);
	T_EQ(lu2k_rdsw_decode(b, LU2K_RDSW_HELLO_LEN, MAXMSG, &f), LU2K_RDSW_HELLO_LEN);
	T_EQ(f.type, LU2K_RDSW_HELLO);
	T_EQU(f.conn_id, 0x1122334455667788ull);
	T_ASSERT(lu2k_nid_eq(&f.src, &s));
	T_ASSERT(lu2k_nid_eq(&f.dst, &d));
	/* An answer carries a refusal; a hello never does. */
	lu2k_rdsw_hello_encode(b, LU2K_RDSW_HELLO_ACK, 9, -ENXIO, &d, &s);
	T_EQ(lu2k_rdsw_decode(b, LU2K_RDSW_HELLO_LEN, MAXMSG, &f), LU2K_RDSW_HELLO_LEN);
	T_EQ(f.status, -ENXIO);
	lu2k_rdsw_hello_encode(b, LU2K_RDSW_HELLO, 9, -ENXIO, &d, &s);
	T_EQ(lu2k_rdsw_decode(b, LU2K_RDSW_HELLO_LEN, MAXMSG, &f), -EPROTO);
	/* Short or long: a frame is exactly one RDS message. */
	lu2k_rdsw_hello_encode(b, LU2K_RDSW_HELLO, 9, 0, &d, &s);
	for (size_t n = 0; n < LU2K_RDSW_HELLO_LEN; n++)
		T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), -EPROTO);
}

static void test_small_frames(void)
{
	uint8_t b[LU2K_RDSW_MAX_HLEN + 8];
	struct lu2k_rdsw_frame f;
	size_t n;

	n = lu2k_rdsw_ack_encode(b, 5, 77);
	T_EQ(n, LU2K_RDSW_ACK_LEN);
	T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), (int)n);
	T_EQ(f.type, LU2K_RDSW_ACK);
	T_EQU(f.seq, 77);
	T_EQ(lu2k_rdsw_decode(b, n + 1, MAXMSG, &f), -EPROTO);
	n = lu2k_rdsw_ping_encode(b, 5);
	T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), LU2K_RDSW_PING_LEN);
	T_EQ(f.type, LU2K_RDSW_PING);
	n = lu2k_rdsw_close_encode(b, LU2K_RDSW_RESET, 5, -ENOTCONN);
	T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), LU2K_RDSW_CLOSE_LEN);
	T_EQ(f.type, LU2K_RDSW_RESET);
	T_EQ(f.status, -ENOTCONN);
	/* A positive status is nonsense. */
	n = lu2k_rdsw_close_encode(b, LU2K_RDSW_CLOSE, 5, 3);
	T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), -EPROTO);
	/* Conn id 0 is never used. */
	n = lu2k_rdsw_ping_encode(b, 0);
	T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), -EPROTO);
}

static void test_data(void)
{
	static uint8_t b[LU2K_RDSW_DATA_LEN + 100];
	struct lu2k_nid t = nid("10.0.0.9@lu2k3");
	struct lu2k_rdsw_frame f;
	size_t n;

	n = lu2k_rdsw_data_encode(b, 3, 12, 100, 96, 1000, &t);
	T_EQ(n, LU2K_RDSW_DATA_LEN);
	T_EQ(lu2k_rdsw_decode(b, n + 100, MAXMSG, &f), LU2K_RDSW_DATA_LEN);
	T_EQU(f.seq, 12);
	T_EQ(f.offset, 100);
	T_EQ(f.hdr_len, 96);
	T_EQ(f.payload_len, 1000);
	T_EQ(f.data_len, 100);
	T_ASSERT(lu2k_nid_eq(&f.target, &t));
	/* A piece past the end of its message. */
	lu2k_rdsw_data_encode(b, 3, 12, 1000, 96, 1000, &t);
	T_EQ(lu2k_rdsw_decode(b, n + 100, MAXMSG, &f), -EPROTO);
	/* An empty piece of a non-empty message. */
	lu2k_rdsw_data_encode(b, 3, 12, 0, 96, 1000, &t);
	T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), -EPROTO);
	/* The one piece of an empty message. */
	lu2k_rdsw_data_encode(b, 3, 12, 0, 0, 0, &t);
	T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), LU2K_RDSW_DATA_LEN);
	T_EQ(f.data_len, 0);
	/* Too large for the core, and seq 0. */
	lu2k_rdsw_data_encode(b, 3, 12, 0, 0, MAXMSG + 1, &t);
	T_EQ(lu2k_rdsw_decode(b, n + 100, MAXMSG, &f), -EMSGSIZE);
	lu2k_rdsw_data_encode(b, 3, 0, 0, 0, 10, &t);
	T_EQ(lu2k_rdsw_decode(b, n + 10, MAXMSG, &f), -EPROTO);
	/* A header longer than LNet's. */
	lu2k_rdsw_data_encode(b, 3, 1, 0, 100000, 10, &t);
	T_EQ(lu2k_rdsw_decode(b, n + 10, MAXMSG, &f), -EPROTO);
}

/* DATA of a multipath message: header length 88, its id after the 64 bytes. */
static void test_data_id(void)
{
	static uint8_t b[LU2K_RDSW_DATA_ID_LEN + 100];
	struct lu2k_nid t = nid("10.0.0.9@lu2k3");
	struct lu2k_rdsw_frame f;
	size_t n;

	n = lu2k_rdsw_data_id_encode(b, 3, 12, 0, 96, 4, &t, 7, 41, 40);
	T_EQU(n, LU2K_RDSW_DATA_ID_LEN);
	T_EQ(lu2k_rdsw_decode(b, n + 100, MAXMSG, &f), LU2K_RDSW_DATA_ID_LEN);
	T_EQU(f.epoch, 7);
	T_EQU(f.id, 41);
	T_EQU(f.low, 40);
	T_EQ(f.data_len, 100);
	/* a plain DATA says epoch 0 */
	n = lu2k_rdsw_data_encode(b, 3, 12, 0, 96, 4, &t);
	T_EQ(lu2k_rdsw_decode(b, n + 100, MAXMSG, &f), LU2K_RDSW_DATA_LEN);
	T_EQU(f.epoch, 0);
	/* epoch 0, low above id, reserved bytes, another header length: refused */
	n = lu2k_rdsw_data_id_encode(b, 3, 12, 0, 96, 4, &t, 0, 41, 40);
	T_EQ(lu2k_rdsw_decode(b, n + 100, MAXMSG, &f), -EPROTO);
	n = lu2k_rdsw_data_id_encode(b, 3, 12, 0, 96, 4, &t, 7, 41, 42);
	T_EQ(lu2k_rdsw_decode(b, n + 100, MAXMSG, &f), -EPROTO);
	n = lu2k_rdsw_data_id_encode(b, 3, 12, 0, 96, 4, &t, 7, 41, 40);
	b[69] = 1;
	T_EQ(lu2k_rdsw_decode(b, n + 100, MAXMSG, &f), -EPROTO);
	b[69] = 0;
	b[6] = 80;
	T_EQ(lu2k_rdsw_decode(b, n + 100, MAXMSG, &f), -EPROTO);
}

/*
 * Piece progress: a HELLO with flags (the connector asks), never an answer
 * with them; an ACK with progress (pieces, flags), and without the flag the
 * 8 bytes stay 0 as an older lu2kd sends and checks them.
 */
static void test_progress(void)
{
	uint8_t b[LU2K_RDSW_MAX_HLEN];
	struct lu2k_rdsw_frame f;
	struct lu2k_nid s = nid("192.0.2.1@lu2k"), d = nid("192.0.2.2@lu2k");
	size_t n;

	n = lu2k_rdsw_hello_flags_encode(b, 9, &s, &d, LU2K_RDSW_HELLO_PROGRESS);
	T_EQ(n, LU2K_RDSW_HELLO_LEN);
	T_EQ(b[20], 1);
	T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), LU2K_RDSW_HELLO_LEN);
	T_EQ(f.type, LU2K_RDSW_HELLO);
	T_EQU(f.flags, LU2K_RDSW_HELLO_PROGRESS);
	T_ASSERT(lu2k_nid_eq(&f.src, &s) && lu2k_nid_eq(&f.dst, &d));
	/* bits this version does not know are left for later ones */
	n = lu2k_rdsw_hello_flags_encode(b, 9, &s, &d, 0x80000000u);
	T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), LU2K_RDSW_HELLO_LEN);
	T_EQU(f.flags, 0x80000000u);
	/* the plain hello says no flags */
	n = lu2k_rdsw_hello_encode(b, LU2K_RDSW_HELLO, 9, 0, &s, &d);
	T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), LU2K_RDSW_HELLO_LEN);
	T_EQU(f.flags, 0);
	/* an answer never has flags */
	n = lu2k_rdsw_hello_encode(b, LU2K_RDSW_HELLO_ACK, 9, 0, &s, &d);
	b[20] = 1;
	T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), -EPROTO);

	n = lu2k_rdsw_ack_progress_encode(b, 5, 77, 0xfffffffeu,
					  LU2K_RDSW_ACK_PROGRESS | LU2K_RDSW_ACK_PAUSED);
	T_EQ(n, LU2K_RDSW_ACK_LEN);
	T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), LU2K_RDSW_ACK_LEN);
	T_EQU(f.seq, 77);
	T_EQU(f.pieces, 0xfffffffeu);
	T_EQU(f.flags, LU2K_RDSW_ACK_PROGRESS | LU2K_RDSW_ACK_PAUSED);
	/* zero pieces is a count like any other */
	n = lu2k_rdsw_ack_progress_encode(b, 5, 0, 0, LU2K_RDSW_ACK_PROGRESS);
	T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), LU2K_RDSW_ACK_LEN);
	T_EQU(f.pieces, 0);
	T_EQU(f.flags, LU2K_RDSW_ACK_PROGRESS);
	/* a plain ACK: flags 0, and a count without the flag is refused */
	n = lu2k_rdsw_ack_encode(b, 5, 77);
	T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), LU2K_RDSW_ACK_LEN);
	T_EQU(f.flags, 0);
	T_EQU(f.pieces, 0);
	n = lu2k_rdsw_ack_progress_encode(b, 5, 77, 3, LU2K_RDSW_ACK_PAUSED);
	T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), -EPROTO);
	n = lu2k_rdsw_ack_progress_encode(b, 5, 77, 3, 0);
	T_EQ(lu2k_rdsw_decode(b, n, MAXMSG, &f), -EPROTO);
}

static void test_every_byte_checked(void)
{
	uint8_t b[LU2K_RDSW_MAX_HLEN];
	struct lu2k_nid t = nid("10.0.0.9@lu2k");
	struct lu2k_rdsw_frame f;
	int refused = 0, total = 0;

	/* Reserved bytes, magic, version, type, hlen: a flipped bit is refused. */
	static const size_t must[] = { 0, 1, 2, 3, 4, 5, 6, 7, 36, 37, 38, 39, 60, 61, 62, 63 };

	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		lu2k_rdsw_data_encode(b, 3, 1, 0, 0, 0, &t);
		b[must[i]] ^= 0x40;
		total++;
		if (lu2k_rdsw_decode(b, LU2K_RDSW_DATA_LEN, MAXMSG, &f) < 0)
			refused++;
		else
			T_FAIL_("byte %zu changed, still accepted", must[i]);
	}
	T_EQ(refused, total);
}

/* With keys: the handshake's frames and sealed frames carry a body of their own size. */
static void test_keyed_frames(void)
{
	uint8_t b[LU2K_RDSW_BASE_LEN + 300] = { 0 };
	struct lu2k_rdsw_frame f;

	T_EQ(lu2k_rdsw_env_encode(b, LU2K_RDSW_HS_INIT, 42), LU2K_RDSW_BASE_LEN);
	T_MEMEQ(b, "L2KR", 4);
	T_EQ(lu2k_rdsw_decode(b, 16 + 180, MAXMSG, &f), LU2K_RDSW_BASE_LEN);
	T_EQ(f.type, LU2K_RDSW_HS_INIT);
	T_EQU(f.conn_id, 42);
	T_EQU(f.data_len, 180);
	T_EQ(lu2k_rdsw_decode(b, 16 + 179, MAXMSG, &f), -EPROTO);
	T_EQ(lu2k_rdsw_decode(b, 16 + 181, MAXMSG, &f), -EPROTO);
	lu2k_rdsw_env_encode(b, LU2K_RDSW_HS_RESP, 42);
	T_EQ(lu2k_rdsw_decode(b, 16 + 76, MAXMSG, &f), LU2K_RDSW_BASE_LEN);
	T_EQ(lu2k_rdsw_decode(b, 16 + 75, MAXMSG, &f), -EPROTO);
	T_EQ(lu2k_rdsw_decode(b, 16 + 180, MAXMSG, &f), -EPROTO);
	lu2k_rdsw_env_encode(b, LU2K_RDSW_SEALED, 42);
	T_EQ(lu2k_rdsw_decode(b, 16 + LU2K_RDSW_SEAL_MIN, MAXMSG, &f), LU2K_RDSW_BASE_LEN);
	T_EQU(f.data_len, LU2K_RDSW_SEAL_MIN);
	T_EQ(lu2k_rdsw_decode(b, 16 + 300, MAXMSG, &f), LU2K_RDSW_BASE_LEN);
	T_EQ(lu2k_rdsw_decode(b, 16 + LU2K_RDSW_SEAL_MIN - 1, MAXMSG, &f), -EPROTO);
	/* the conn id is never 0, and the header length is the base's */
	lu2k_rdsw_env_encode(b, LU2K_RDSW_SEALED, 0);
	T_EQ(lu2k_rdsw_decode(b, 16 + 100, MAXMSG, &f), -EPROTO);
	lu2k_rdsw_env_encode(b, LU2K_RDSW_SEALED, 1);
	b[6] = 20;
	T_EQ(lu2k_rdsw_decode(b, 16 + 100, MAXMSG, &f), -EPROTO);
	b[6] = 16;
	b[5] = 11; /* no such type */
	T_EQ(lu2k_rdsw_decode(b, 16 + 100, MAXMSG, &f), -EPROTO);
	T_STREQ(lu2k_rdsw_type_str(LU2K_RDSW_SEALED), "sealed");
	T_STREQ(lu2k_rdsw_type_str(11), "?");
}

static void test_pieces_cover(void)
{
	static const uint64_t totals[] = { 0, 1, 4095, 65536, 65537, (4u << 20), (4u << 20) + 96 };
	static const uint32_t frags[] = { 1024, 65472, 262144, (1u << 20) - LU2K_RDSW_MAX_HLEN };

	for (size_t i = 0; i < sizeof(totals) / sizeof(totals[0]); i++) {
		for (size_t j = 0; j < sizeof(frags) / sizeof(frags[0]); j++) {
			uint64_t off = 0, pieces = 0;

			do {
				uint32_t n = lu2k_rdsw_piece(totals[i], off, frags[j]);

				T_ASSERT(n <= frags[j]);
				T_ASSERT(n > 0 || totals[i] == 0);
				off += n;
				pieces++;
			} while (off < totals[i]);
			T_EQU(off, totals[i]);
			T_EQU(pieces, totals[i] ? (totals[i] + frags[j] - 1) / frags[j] : 1);
			/* With RDS's own limit, every piece fits in one RDS message. */
			T_ASSERT(frags[j] + LU2K_RDSW_MAX_HLEN <= LU2K_RDSW_RDS_MAX);
		}
	}
}

static void test_fuzz_no_crash(void)
{
	static uint8_t b[256];
	struct lu2k_rdsw_frame f;

	srand(7);
	for (int i = 0; i < 200000; i++) {
		size_t n = (size_t)(rand() % (int)sizeof(b));

		for (size_t k = 0; k < n; k++)
			b[k] = (uint8_t)rand();
		if (n >= 8 && rand() % 2) {
			/* valid prefix, random rest */
			b[0] = 'L', b[1] = '2', b[2] = 'K', b[3] = 'R', b[4] = 1;
			b[5] = (uint8_t)(rand() % 9);
		}
		(void)lu2k_rdsw_decode(b, n, MAXMSG, &f);
	}
	T_ASSERT(1);
}

int main(void)
{
	T_RUN(test_hello_roundtrip);
	T_RUN(test_small_frames);
	T_RUN(test_data);
	T_RUN(test_data_id);
	T_RUN(test_progress);
	T_RUN(test_every_byte_checked);
	T_RUN(test_keyed_frames);
	T_RUN(test_pieces_cover);
	T_RUN(test_fuzz_no_crash);
	return t_done();
}
