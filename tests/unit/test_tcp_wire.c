/* SPDX-License-Identifier: MIT */
/* Unit tests of the tcp back-end's frame codec (backends/tcp_wire.c), every malformed form. */
#include <errno.h>
#include <stdlib.h>

#include "backends/tcp_wire.h"
#include "common/nid.h"
#include "../t.h"

#define MAXMSG ((4u << 20) + 256)

static struct lu2k_nid nid(const char *s)
{
	struct lu2k_nid n;

	lu2k_nid_parse(s, &n);
	return n;
}

static void good_hello(uint8_t b[LU2K_TCPW_HELLO_LEN])
{
	struct lu2k_tcpw_hello h = { .version = LU2K_TCPW_VERSION, .backend = "tcp" };

	h.src = nid("192.0.2.1@lu2k");
	h.dst = nid("[2001:db8::2]@lu2k7");
	lu2k_tcpw_hello_encode(b, &h);
}

static void test_hello_roundtrip(void)
{
	uint8_t b[LU2K_TCPW_HELLO_LEN];
	struct lu2k_tcpw_hello h;
	struct lu2k_nid s = nid("192.0.2.1@lu2k"), d = nid("[2001:db8::2]@lu2k7");

	good_hello(b);
	/* Little-endian magic: the bytes "LU2K". */
	T_MEMEQ(b, "LU2K", 4);
	T_EQ(lu2k_tcpw_hello_decode(b, sizeof(b), &h), LU2K_TCPW_HELLO_LEN);
	T_EQ(h.version, 1);
	T_EQ(h.status, 0);
	T_STREQ(h.backend, "tcp");
	T_ASSERT(lu2k_nid_eq(&h.src, &s));
	T_ASSERT(lu2k_nid_eq(&h.dst, &d));
	/* Short input: need more, never an error. */
	for (size_t n = 4; n < sizeof(b); n++)
		T_EQ(lu2k_tcpw_hello_decode(b, n, &h), 0);
}

/*
 * A hello with the sender's other addresses (multipath discovery): flag 1,
 * length 68 + 20 per address; any other flag, count or length is refused,
 * and a hello without the flag is exactly what it always was.
 */
static void test_hello_addrs(void)
{
	uint8_t b[LU2K_TCPW_HELLO_MAX + 8];
	struct lu2k_tcpw_hello h = { .version = LU2K_TCPW_VERSION, .backend = "tcp" }, g;
	size_t len;

	h.src = nid("192.0.2.1@lu2k");
	h.dst = nid("192.0.2.2@lu2k");
	h.naddrs = 2;
	h.addrs[0] = nid("198.51.100.1@lu2k");
	h.addrs[1] = nid("203.0.113.1@lu2k");
	len = lu2k_tcpw_hello_len(&h);
	T_EQU(len, 64 + 4 + 40);
	lu2k_tcpw_hello_encode(b, &h);
	T_EQ(b[6], 108);
	T_EQ(b[12], 1);
	T_EQ(lu2k_tcpw_hello_decode(b, len, &g), (int)len);
	T_EQU(g.naddrs, 2);
	T_ASSERT(lu2k_nid_eq(&g.addrs[1], &h.addrs[1]));
	for (size_t n = 4; n < len; n++) /* short: need more */
		T_EQ(lu2k_tcpw_hello_decode(b, n, &g), 0);
	b[64] = 3; /* count against length */
	T_EQ(lu2k_tcpw_hello_decode(b, len, &g), -EPROTO);
	b[64] = 2;
	b[66] = 1; /* reserved */
	T_EQ(lu2k_tcpw_hello_decode(b, len, &g), -EPROTO);
	b[66] = 0;
	b[12] = 3; /* an unknown flag */
	T_EQ(lu2k_tcpw_hello_decode(b, len, &g), -EPROTO);
	b[12] = 0; /* no flag, yet a length of 108 */
	T_EQ(lu2k_tcpw_hello_decode(b, len, &g), -EPROTO);
	b[12] = 1;
	b[6] = 64 + 4 + 10; /* not a whole NID */
	T_EQ(lu2k_tcpw_hello_decode(b, len, &g), -EPROTO);
	b[6] = 64 + 4 + 9 * 20; /* nine: too many */
	T_EQ(lu2k_tcpw_hello_decode(b, sizeof(b), &g), -EPROTO);
	b[6] = 108;
	b[69] = 99; /* a bad NID in the list (its type) */
	T_EQ(lu2k_tcpw_hello_decode(b, len, &g), -EPROTO);
	h.naddrs = 0;
	T_EQU(lu2k_tcpw_hello_len(&h), LU2K_TCPW_HELLO_LEN);
}

static void hello_bad_at(size_t off, uint8_t val)
{
	uint8_t b[LU2K_TCPW_HELLO_LEN];
	struct lu2k_tcpw_hello h;

	good_hello(b);
	b[off] = val;
	if (lu2k_tcpw_hello_decode(b, sizeof(b), &h) != -EPROTO)
		T_FAIL_("hello with byte %zu = 0x%02x accepted", off, val);
}

static void test_hello_malformed(void)
{
	uint8_t b[LU2K_TCPW_HELLO_LEN];
	struct lu2k_tcpw_hello h;

	hello_bad_at(0, 'X'); /* magic */
	hello_bad_at(3, 'k');
	hello_bad_at(4, 2);	     /* version */
	hello_bad_at(6, 63);	     /* length */
	hello_bad_at(8, 1);	     /* status > 0 */
	hello_bad_at(12, 1);	     /* flags */
	hello_bad_at(16, 0);	     /* empty back-end name */
	hello_bad_at(20, 'x');	     /* junk after the name's NUL */
	hello_bad_at(25, 99);	     /* src NID type */
	hello_bad_at(24, 5);	     /* src NID size */
	hello_bad_at(24 + 4 + 5, 1); /* IPv4 NID with bytes past its address */
	hello_bad_at(45, 3);	     /* dst NID type */
	/* A status that is not an errno. */
	good_hello(b);
	b[8] = 0x00;
	b[9] = 0x00;
	b[10] = 0x00;
	b[11] = 0x80;
	T_EQ(lu2k_tcpw_hello_decode(b, sizeof(b), &h), -EPROTO);
	/* Garbage is refused from its first byte, before a whole hello arrived. */
	T_EQ(lu2k_tcpw_hello_decode((const uint8_t *)"GET / HTTP/1.0\r\n", 1, &h), -EPROTO);
	T_EQ(lu2k_tcpw_hello_decode((const uint8_t *)"LU2", 3, &h), 0);
	T_EQ(lu2k_tcpw_hello_decode((const uint8_t *)"LUX", 3, &h), -EPROTO);
}

static void test_msg_roundtrip(void)
{
	uint8_t b[LU2K_TCPW_MSG_HLEN];
	struct lu2k_nid t = nid("10.0.0.9@lu2k3");
	struct lu2k_tcpw_frame f;

	T_EQ(lu2k_tcpw_msg_encode(b, 0x0102030405060708ull, 72, 1u << 20, &t), 48);
	T_EQ(b[0], LU2K_TCPW_MSG);
	T_EQ(b[8], 0x08); /* seq little-endian */
	T_EQ(b[15], 0x01);
	T_EQ(lu2k_tcpw_frame_decode(b, sizeof(b), MAXMSG, &f), 48);
	T_EQ(f.type, LU2K_TCPW_MSG);
	T_EQU(f.seq, 0x0102030405060708ull);
	T_EQ(f.hdr_len, 72);
	T_EQ(f.payload_len, 1u << 20);
	T_EQ(f.length, 48 + 72 + (1u << 20));
	T_ASSERT(lu2k_nid_eq(&f.target, &t));
	for (size_t n = 0; n < sizeof(b); n++)
		T_EQ(lu2k_tcpw_frame_decode(b, n, MAXMSG, &f), 0);
	/* Zero-length message (no LNet header at all) is well formed. */
	lu2k_tcpw_msg_encode(b, 1, 0, 0, &t);
	T_EQ(lu2k_tcpw_frame_decode(b, sizeof(b), MAXMSG, &f), 48);
	T_EQ(f.length, 48);
}

/* MSG_ID: a MSG with a multipath message id; every new field checked. */
static void test_msgid(void)
{
	uint8_t b[LU2K_TCPW_MSGID_HLEN], x[LU2K_TCPW_MSGID_HLEN];
	struct lu2k_nid t = nid("10.0.0.9@lu2k");
	struct lu2k_tcpw_frame f;

	T_EQ(lu2k_tcpw_msgid_encode(b, 3, 72, 1000, &t, 0xa1b2c3d4u, 900, 880), 64);
	T_EQ(b[0], LU2K_TCPW_MSG_ID);
	T_EQ(lu2k_tcpw_frame_decode(b, sizeof(b), MAXMSG, &f), 64);
	T_EQ(f.type, LU2K_TCPW_MSG_ID);
	T_EQ(f.length, 64 + 72 + 1000);
	T_EQU(f.epoch, 0xa1b2c3d4u);
	T_EQU(f.id, 900);
	T_EQU(f.low, 880);
	T_ASSERT(lu2k_nid_eq(&f.target, &t));
	for (size_t n = 0; n < sizeof(b); n++)
		T_EQ(lu2k_tcpw_frame_decode(b, n, MAXMSG, &f), 0);
	/* epoch 0 is no id: not a MSG_ID */
	memcpy(x, b, sizeof(b));
	memset(x + 44, 0, 4);
	T_EQ(lu2k_tcpw_frame_decode(x, sizeof(x), MAXMSG, &f), -EPROTO);
	/* low above the id */
	lu2k_tcpw_msgid_encode(x, 3, 72, 1000, &t, 5, 10, 11);
	T_EQ(lu2k_tcpw_frame_decode(x, sizeof(x), MAXMSG, &f), -EPROTO);
	/* a MSG's header length, or a MSG with the reserved field set */
	memcpy(x, b, sizeof(b));
	x[2] = 48;
	T_EQ(lu2k_tcpw_frame_decode(x, sizeof(x), MAXMSG, &f), -EPROTO);
	memcpy(x, b, sizeof(b));
	x[0] = LU2K_TCPW_MSG;
	T_EQ(lu2k_tcpw_frame_decode(x, sizeof(x), MAXMSG, &f), -EPROTO);
	/* too large, known from the prefix */
	T_EQ(lu2k_tcpw_frame_decode(b, 8, 1000, &f), -EMSGSIZE);
}

static void test_ack_roundtrip(void)
{
	uint8_t b[LU2K_TCPW_ACK_HLEN];
	struct lu2k_tcpw_frame f;

	T_EQ(lu2k_tcpw_ack_encode(b, 77), 16);
	T_EQ(lu2k_tcpw_frame_decode(b, sizeof(b), MAXMSG, &f), 16);
	T_EQ(f.type, LU2K_TCPW_ACK);
	T_EQU(f.seq, 77);
	T_EQ(lu2k_tcpw_frame_decode(b, 15, MAXMSG, &f), 0);
}

static void test_bye(void)
{
	uint8_t b[LU2K_TCPW_ACK_HLEN];
	struct lu2k_tcpw_frame f;

	T_EQ(lu2k_tcpw_bye_encode(b), 16);
	T_EQ(lu2k_tcpw_frame_decode(b, sizeof(b), MAXMSG, &f), 16);
	T_EQ(f.type, LU2K_TCPW_BYE);
	T_EQ(lu2k_tcpw_frame_decode(b, 15, MAXMSG, &f), 0);
	T_EQ(lu2k_tcpw_frame_decode(b, 1, MAXMSG, &f), 0); /* a known type: wait for more */
	b[8] = 1;					   /* seq must be 0 */
	T_EQ(lu2k_tcpw_frame_decode(b, sizeof(b), MAXMSG, &f), -EPROTO);
	lu2k_tcpw_bye_encode(b);
	b[4] = 24; /* a goodbye is exactly 16 bytes */
	T_EQ(lu2k_tcpw_frame_decode(b, sizeof(b), MAXMSG, &f), -EPROTO);
	b[0] = 5; /* past the last type (MSG_ID, 4): garbage from the first byte */
	T_EQ(lu2k_tcpw_frame_decode(b, 1, MAXMSG, &f), -EPROTO);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void msg_bad(void (*mutate)(uint8_t *b), int want)
{
	uint8_t b[LU2K_TCPW_MSG_HLEN];
	struct lu2k_nid t = nid("10.0.0.9@lu2k");
	struct lu2k_tcpw_frame f;
	int rc;

	lu2k_tcpw_msg_encode(b, 5, 72, 100, &t);
	mutate(b);
	rc = lu2k_tcpw_frame_decode(b, sizeof(b), MAXMSG, &f);
	if (rc != want)
		T_FAIL_("decode gave %d, want %d", rc, want);
}

static void m_type(uint8_t *b)
{
	b[0] = 9;
}
static void m_type0(uint8_t *b)
{
	b[0] = 0;
}
static void m_flags(uint8_t *b)
{
	b[1] = 1;
}
static void m_hlen(uint8_t *b)
{
	b[2] = 40;
}
static void m_len_short(uint8_t *b)
{
	put32(b + 4, 47);
}
static void m_len_mismatch(uint8_t *b)
{
	put32(b + 4, 48 + 72 + 101);
}
static void m_len_huge(uint8_t *b)
{
	put32(b + 4, 0xffffffffu);
}
static void m_hdr_huge(uint8_t *b)
{
	put32(b + 16, 257);
	put32(b + 20, 0);
	put32(b + 4, 48 + 257);
}
static void m_payload_wrap(uint8_t *b)
{
	put32(b + 16, 72);
	put32(b + 20, 0xffffffb8u);
	put32(b + 4, 48);
}
static void m_reserved(uint8_t *b)
{
	b[44] = 1;
}
static void m_nid_type(uint8_t *b)
{
	b[25] = 1;
}
static void m_nid_size(uint8_t *b)
{
	b[24] = 3;
}

static void test_msg_malformed(void)
{
	msg_bad(m_type, -EPROTO);
	msg_bad(m_type0, -EPROTO);
	msg_bad(m_flags, -EPROTO);
	msg_bad(m_hlen, -EPROTO);
	msg_bad(m_len_short, -EPROTO);
	msg_bad(m_len_mismatch, -EPROTO);
	msg_bad(m_len_huge, -EMSGSIZE);
	msg_bad(m_hdr_huge, -EPROTO);
	msg_bad(m_payload_wrap, -EPROTO);
	msg_bad(m_reserved, -EPROTO);
	msg_bad(m_nid_type, -EPROTO);
	msg_bad(m_nid_size, -EPROTO);
}

static void test_too_large_known_early(void)
{
	uint8_t b[LU2K_TCPW_MSG_HLEN];
	struct lu2k_nid t = nid("10.0.0.9@lu2k");
	struct lu2k_tcpw_frame f;

	/* The prefix alone says the frame is too large: refused before the rest arrives. */
	lu2k_tcpw_msg_encode(b, 5, 72, MAXMSG, &t);
	T_EQ(lu2k_tcpw_frame_decode(b, 8, MAXMSG, &f), -EMSGSIZE);
	lu2k_tcpw_msg_encode(b, 5, 72, MAXMSG - 72, &t);
	T_EQ(lu2k_tcpw_frame_decode(b, sizeof(b), MAXMSG, &f), 48);
}

static void test_ack_malformed(void)
{
	uint8_t b[LU2K_TCPW_ACK_HLEN];
	struct lu2k_tcpw_frame f;

	lu2k_tcpw_ack_encode(b, 1);
	b[2] = 48;
	T_EQ(lu2k_tcpw_frame_decode(b, sizeof(b), MAXMSG, &f), -EPROTO);
	lu2k_tcpw_ack_encode(b, 1);
	put32(b + 4, 17);
	T_EQ(lu2k_tcpw_frame_decode(b, sizeof(b), MAXMSG, &f), -EPROTO);
	lu2k_tcpw_ack_encode(b, 1);
	b[1] = 0x80;
	T_EQ(lu2k_tcpw_frame_decode(b, sizeof(b), MAXMSG, &f), -EPROTO);
}

static void test_fuzz_no_crash(void)
{
	uint8_t b[64];
	struct lu2k_tcpw_frame f;
	struct lu2k_tcpw_hello h;
	int accepted = 0;

	/* Random bytes: the decoders may accept a few by chance but never read out of bounds. */
	srand(11);
	for (int k = 0; k < 200000; k++) {
		size_t n = (size_t)(rand() % 65);

		for (size_t i = 0; i < n; i++)
			b[i] = (uint8_t)rand();
		if (rand() % 2)
			b[0] = (uint8_t)(1 + rand() % 2);
		if (lu2k_tcpw_frame_decode(b, n, MAXMSG, &f) > 0)
			accepted++;
		lu2k_tcpw_hello_decode(b, n, &h);
	}
	T_ASSERT(accepted < 1000);
}

int main(void)
{
	T_RUN(test_hello_roundtrip);
	T_RUN(test_hello_malformed);
	T_RUN(test_hello_addrs);
	T_RUN(test_msg_roundtrip);
	T_RUN(test_msgid);
	T_RUN(test_ack_roundtrip);
	T_RUN(test_bye);
	T_RUN(test_msg_malformed);
	T_RUN(test_too_large_known_early);
	T_RUN(test_ack_malformed);
	T_RUN(test_fuzz_no_crash);
	return t_done();
}
