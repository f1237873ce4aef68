/* SPDX-License-Identifier: MIT */
/* Unit tests of the udt back-end's frames (backends/udt_wire.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backends/udt_wire.h"
#include "common/nid.h"
#include "tests/t.h"

static struct lu2k_nid nid(const char *s)
{
	struct lu2k_nid n;

	if (lu2k_nid_parse(s, &n))
		abort(); /* a typo in the test itself */
	return n;
}

static void test_hello_roundtrip(void)
{
	struct lu2k_udtw_hello h = { .version = LU2K_UDTW_VERSION }, g;
	uint8_t b[LU2K_UDTW_HELLO_LEN];

	strcpy(h.backend, "udt");
	h.src = nid("192.0.2.1@lu2k");
	h.dst = nid("[2001:db8::7]@lu2k3");
	lu2k_udtw_hello_encode(b, &h);
	T_EQ(lu2k_udtw_type(b, sizeof(b)), LU2K_UDTW_HELLO);
	T_EQ(lu2k_udtw_hello_decode(b, sizeof(b), &g), 0);
	T_EQ(g.version, LU2K_UDTW_VERSION);
	T_ASSERT(strcmp(g.backend, "udt") == 0);
	T_ASSERT(lu2k_nid_eq(&g.src, &h.src));
	T_ASSERT(lu2k_nid_eq(&g.dst, &h.dst));
	/* "LU2U" in the first bytes, little-endian */
	T_ASSERT(memcmp(b, "LU2U", 4) == 0);
}

static void test_hello_bad(void)
{
	struct lu2k_udtw_hello h = { .version = LU2K_UDTW_VERSION }, g;
	uint8_t b[LU2K_UDTW_HELLO_LEN], x[LU2K_UDTW_HELLO_LEN];

	strcpy(h.backend, "udt");
	h.src = nid("192.0.2.1@lu2k");
	h.dst = nid("192.0.2.2@lu2k");
	lu2k_udtw_hello_encode(b, &h);
	/* longer or shorter than a hello */
	T_EQ(lu2k_udtw_hello_decode(b, sizeof(b) + 1, &g), -EPROTO);
	T_EQ(lu2k_udtw_hello_decode(b, sizeof(b) - 1, &g), -EPROTO);
	T_EQ(lu2k_udtw_type(b, 10), -EPROTO);
	/* every single-byte corruption of the fixed fields is caught */
	memcpy(x, b, sizeof(b));
	x[0] ^= 1;
	T_EQ(lu2k_udtw_hello_decode(x, sizeof(x), &g), -EPROTO);
	memcpy(x, b, sizeof(b));
	x[4] = 2; /* version */
	T_EQ(lu2k_udtw_hello_decode(x, sizeof(x), &g), -EPROTO);
	memcpy(x, b, sizeof(b));
	x[7] = 1; /* flags must be 0 */
	T_EQ(lu2k_udtw_hello_decode(x, sizeof(x), &g), -EPROTO);
	memcpy(x, b, sizeof(b));
	x[12] = 'x'; /* junk after the name's NUL */
	T_EQ(lu2k_udtw_hello_decode(x, sizeof(x), &g), -EPROTO);
	memcpy(x, b, sizeof(b));
	x[16] = 99; /* NID size */
	T_EQ(lu2k_udtw_hello_decode(x, sizeof(x), &g), -EPROTO);
	/* an 8-character name fills its field without a NUL */
	strcpy(h.backend, "abcdefgh");
	lu2k_udtw_hello_encode(b, &h);
	T_EQ(lu2k_udtw_hello_decode(b, sizeof(b), &g), 0);
	T_ASSERT(strcmp(g.backend, "abcdefgh") == 0);
}

static void test_msg(void)
{
	struct lu2k_udtw_msg m = { .hdr_len = 72, .payload_len = 4 << 20 }, g;
	uint8_t b[LU2K_UDTW_MSG_HLEN], x[LU2K_UDTW_MSG_HLEN];
	size_t total = LU2K_UDTW_MSG_HLEN + 72 + (4 << 20);

	m.target = nid("10.0.0.9@lu2k2");
	lu2k_udtw_msg_encode(b, &m);
	T_EQ(lu2k_udtw_type(b, total), LU2K_UDTW_MSG);
	T_EQ(lu2k_udtw_msg_decode(b, total, 5 << 20, &g), 0);
	T_EQ(g.hdr_len, 72u);
	T_EQ(g.payload_len, 4u << 20);
	T_ASSERT(lu2k_nid_eq(&g.target, &m.target));
	/* the UDT message must be exactly the frame */
	T_EQ(lu2k_udtw_msg_decode(b, total - 1, 5 << 20, &g), -EPROTO);
	T_EQ(lu2k_udtw_msg_decode(b, total + 1, 5 << 20, &g), -EPROTO);
	T_EQ(lu2k_udtw_msg_decode(b, 20, 5 << 20, &g), -EPROTO);
	/* too large for the receiver */
	T_EQ(lu2k_udtw_msg_decode(b, total, 4 << 20, &g), -EMSGSIZE);
	/* lengths that overflow 32 bits are not wrapped */
	m.hdr_len = 0xffffffffu;
	m.payload_len = 33;
	lu2k_udtw_msg_encode(b, &m);
	T_EQ(lu2k_udtw_msg_decode(b, LU2K_UDTW_MSG_HLEN + 32, 0xffffffffu, &g), -EMSGSIZE);
	/* reserved bytes and the NID are checked */
	m.hdr_len = 0;
	m.payload_len = 0;
	lu2k_udtw_msg_encode(b, &m);
	T_EQ(lu2k_udtw_msg_decode(b, LU2K_UDTW_MSG_HLEN, 100, &g), 0);
	memcpy(x, b, sizeof(b));
	x[2] = 1;
	T_EQ(lu2k_udtw_msg_decode(x, LU2K_UDTW_MSG_HLEN, 100, &g), -EPROTO);
	memcpy(x, b, sizeof(b));
	x[12] = 5; /* NID size */
	T_EQ(lu2k_udtw_msg_decode(x, LU2K_UDTW_MSG_HLEN, 100, &g), -EPROTO);
	/* a MSG is never taken for a hello and the other way round */
	T_EQ(lu2k_udtw_type(b, LU2K_UDTW_MSG_HLEN), LU2K_UDTW_MSG);
	x[0] = 0;
	T_EQ(lu2k_udtw_type(x, LU2K_UDTW_MSG_HLEN), -EPROTO);
}

/* MSG_ID: a MSG with a multipath message id. */
static void test_msgid(void)
{
	struct lu2k_udtw_msg m = { .hdr_len = 72,
				   .payload_len = 100,
				   .epoch = 77,
				   .id = 9,
				   .low = 4 },
			     g;
	uint8_t b[LU2K_UDTW_MSGID_HLEN], x[LU2K_UDTW_MSGID_HLEN];
	size_t total = LU2K_UDTW_MSGID_HLEN + 172;

	m.target = nid("10.0.0.9@lu2k");
	T_EQ(lu2k_udtw_msg_encode(b, &m), LU2K_UDTW_MSGID_HLEN);
	T_EQ(b[0], LU2K_UDTW_MSG_ID);
	T_EQ(lu2k_udtw_type(b, total), LU2K_UDTW_MSG);
	T_EQ(lu2k_udtw_msg_decode(b, total, 1000, &g), 0);
	T_EQ(g.epoch, 77);
	T_EQ(g.id, 9);
	T_EQ(g.low, 4);
	T_EQ(lu2k_udtw_msg_hlen(&g), LU2K_UDTW_MSGID_HLEN);
	T_EQ(lu2k_udtw_msg_decode(b, total - 1, 1000, &g), -EPROTO);
	T_EQ(lu2k_udtw_msg_decode(b, LU2K_UDTW_MSG_HLEN + 172, 1000, &g), -EPROTO);
	memcpy(x, b, sizeof(b));
	memset(x + 32, 0, 4); /* epoch 0 */
	T_EQ(lu2k_udtw_msg_decode(x, total, 1000, &g), -EPROTO);
	memcpy(x, b, sizeof(b));
	x[36] = 1; /* reserved */
	T_EQ(lu2k_udtw_msg_decode(x, total, 1000, &g), -EPROTO);
	m.low = 10; /* above the id */
	lu2k_udtw_msg_encode(x, &m);
	T_EQ(lu2k_udtw_msg_decode(x, total, 1000, &g), -EPROTO);
	/* too short to be one */
	T_EQ(lu2k_udtw_type(b, LU2K_UDTW_MSG_HLEN), -EPROTO);
}

/* A hello with the connector's other addresses (multipath discovery): flag 1 in byte 7. */
static void test_hello_addrs(void)
{
	struct lu2k_udtw_hello h = { .version = LU2K_UDTW_VERSION }, g;
	uint8_t b[LU2K_UDTW_HELLO_MAX + 20];
	size_t len;

	strcpy(h.backend, "udt");
	h.src = nid("192.0.2.1@lu2k");
	h.dst = nid("192.0.2.2@lu2k");
	h.naddrs = 1;
	h.addrs[0] = nid("198.51.100.1@lu2k");
	len = lu2k_udtw_hello_len(&h);
	T_EQU(len, 56 + 4 + 20);
	lu2k_udtw_hello_encode(b, &h);
	T_EQ(b[7], 1);
	T_EQ(lu2k_udtw_type(b, len), LU2K_UDTW_HELLO);
	T_EQ(lu2k_udtw_hello_decode(b, len, &g), 0);
	T_EQU(g.naddrs, 1);
	T_ASSERT(lu2k_nid_eq(&g.addrs[0], &h.addrs[0]));
	T_EQ(lu2k_udtw_hello_decode(b, len - 1, &g), -EPROTO);	/* not whole NIDs */
	T_EQ(lu2k_udtw_hello_decode(b, len + 20, &g), -EPROTO); /* the count says 1 */
	b[7] = 2;						/* an unknown flag */
	T_EQ(lu2k_udtw_hello_decode(b, len, &g), -EPROTO);
	b[7] = 0; /* no flag and 80 bytes */
	T_EQ(lu2k_udtw_hello_decode(b, len, &g), -EPROTO);
	b[7] = 1;
	b[58] = 1; /* reserved */
	T_EQ(lu2k_udtw_hello_decode(b, len, &g), -EPROTO);
	b[58] = 0;
	b[61] = 99; /* the NID's type */
	T_EQ(lu2k_udtw_hello_decode(b, len, &g), -EPROTO);
	memset(b + 56, 0, 24);
	b[56] = 9; /* nine: too many */
	T_EQ(lu2k_udtw_hello_decode(b, 56 + 4 + 9 * 20, &g), -EPROTO);
}

int main(void)
{
	T_RUN(test_hello_roundtrip);
	T_RUN(test_hello_bad);
	T_RUN(test_hello_addrs);
	T_RUN(test_msg);
	T_RUN(test_msgid);
	return t_done();
}
