// SPDX-License-Identifier: MIT
/* test_udt_codec.c - round trips and rejection of malformed packets. */
#include <errno.h>

#include "proto/udt/codec.h"
#include "tests/t.h"

static void test_data_hdr(void)
{
	uint8_t b[64] = { 0 };
	struct udt_hdr h;

	T_EQU(udt_data_encode_hdr(b, sizeof(b), 0x7fffffff,
				  UDT_MSG_WORD(UDT_PB_FIRST, 1, 0x1fffffff), 0xdeadbeef, 42),
	      16);
	/* bit-exact layout: seq with flag 0, FF|O|msgno, timestamp, socket id */
	T_EQU(b[0], 0x7f);
	T_EQU(b[4], 0xbf); /* 10 1 11111 */
	T_EQU(b[15], 42);
	b[16] = 'x';
	T_EQ(udt_hdr_decode(b, 17, &h), 0);
	T_EQ(h.ctrl, 0);
	T_EQU(h.seq, 0x7fffffff);
	T_EQU(UDT_MSG_BOUNDARY(h.info), UDT_PB_FIRST);
	T_EQU(UDT_MSG_INORDER(h.info), 1);
	T_EQU(UDT_MSG_NO(h.info), 0x1fffffff);
	T_EQU(h.ts, 0xdeadbeef);
	T_EQU(h.dst, 42);
	T_EQU(h.body_len, 1);
	uint32_t dst = 0;

	T_EQ(udt_peek_dst(b, 16, &dst), 0);
	T_EQU(dst, 42);
	T_EQ(udt_peek_dst(b, 15, &dst), -EBADMSG);
	/* a data packet without payload, and short headers */
	T_EQ(udt_hdr_decode(b, 16, &h), -EBADMSG);
	T_EQ(udt_hdr_decode(b, 15, &h), -EBADMSG);
	T_EQ(udt_hdr_decode(b, 0, &h), -EBADMSG);
	T_EQU(udt_data_encode_hdr(b, 15, 1, 1, 1, 1), 0);
}

static void test_ctrl_hdr(void)
{
	uint8_t b[64];
	struct udt_hdr h;
	uint32_t w = 0;

	T_EQU(udt_ctrl_encode(b, sizeof(b), UDT_CT_KEEPALIVE, 0, 0, 7, 9, &w, 1), 20);
	T_EQU(b[0], 0x80);
	T_EQU(b[1], 0x01);
	T_EQ(udt_hdr_decode(b, 20, &h), 0);
	T_EQ(h.ctrl, 1);
	T_EQ(h.type, UDT_CT_KEEPALIVE);
	T_EQ(udt_hdr_decode(b, 16, &h), 0);	   /* no body at all is fine */
	T_EQ(udt_hdr_decode(b, 19, &h), -EBADMSG); /* not whole words */
	/* unknown control types */
	b[0] = 0x80, b[1] = 0x09;
	T_EQ(udt_hdr_decode(b, 20, &h), -EBADMSG);
	b[0] = 0xff, b[1] = 0xfe;
	T_EQ(udt_hdr_decode(b, 20, &h), -EBADMSG);
	b[0] = 0xff, b[1] = 0xff; /* 0x7fff: user defined */
	T_EQ(udt_hdr_decode(b, 20, &h), 0);
	T_EQ(h.type, UDT_CT_USER);
}

static void test_ack(void)
{
	struct udt_ack a = { .ackno = 77,
			     .ack_seq = 0x7ffffff0,
			     .rtt_us = 100000,
			     .rttvar_us = 50000,
			     .avail = 8192,
			     .rcv_rate = 4000,
			     .bandwidth = 9000,
			     .nfields = 6 },
		       d;
	uint8_t b[64];
	struct udt_hdr h;
	size_t n;

	n = udt_ack_encode(b, sizeof(b), 1, 2, &a);
	T_EQU(n, 40);
	T_EQ(udt_hdr_decode(b, n, &h), 0);
	T_EQ(udt_ack_decode(&h, &d), 0);
	T_EQ(d.nfields, 6);
	T_EQU(d.ackno, 77);
	T_EQU(d.ack_seq, 0x7ffffff0);
	T_EQ(d.rtt_us, 100000);
	T_EQ(d.rttvar_us, 50000);
	T_EQ(d.avail, 8192);
	T_EQ(d.rcv_rate, 4000);
	T_EQ(d.bandwidth, 9000);
	a.nfields = 4;
	n = udt_ack_encode(b, sizeof(b), 1, 2, &a);
	T_EQU(n, 32);
	udt_hdr_decode(b, n, &h);
	T_EQ(udt_ack_decode(&h, &d), 0);
	T_EQ(d.nfields, 4);
	a.nfields = 1;
	n = udt_ack_encode(b, sizeof(b), 1, 2, &a);
	T_EQU(n, 20);
	udt_hdr_decode(b, n, &h);
	T_EQ(udt_ack_decode(&h, &d), 0);
	T_EQ(d.nfields, 1);
	T_EQU(d.ack_seq, 0x7ffffff0);
	/* 8 and 12 bytes are no ACK; nor a negative RTT; nor a seq with bit 31 */
	a.nfields = 6;
	n = udt_ack_encode(b, sizeof(b), 1, 2, &a);
	h.body_len = 8;
	T_EQ(udt_ack_decode(&h, &d), -EBADMSG);
	h.body_len = 12;
	T_EQ(udt_ack_decode(&h, &d), -EBADMSG);
	b[20] = 0xff;
	udt_hdr_decode(b, n, &h);
	T_EQ(udt_ack_decode(&h, &d), -EBADMSG);
	b[20] = 0x00;
	b[16] = 0x80;
	udt_hdr_decode(b, n, &h);
	T_EQ(udt_ack_decode(&h, &d), -EBADMSG);
}

/* The timed ACK (32 bytes); what libudt sends (24) still decodes, as does a 28-byte one. */
static void test_ack_timed(void)
{
	struct udt_ack a = { .ackno = 78,
			     .ack_seq = 1000,
			     .rtt_us = 600000,
			     .rttvar_us = 3000,
			     .avail = 8192,
			     .rcv_rate = 4100,
			     .bandwidth = 4167,
			     .hi_seq = 0x7fffffff,
			     .hi_delay_us = 9876,
			     .nfields = 8 },
		       d;
	uint8_t b[64], c[64];
	struct udt_hdr h;
	size_t n;

	n = udt_ack_encode(b, sizeof(b), 1, 2, &a);
	T_EQU(n, 48);
	T_EQ(udt_hdr_decode(b, n, &h), 0);
	T_EQ(udt_ack_decode(&h, &d), 0);
	T_EQ(d.nfields, 8);
	T_EQU(d.ack_seq, 1000);
	T_EQ(d.rcv_rate, 4100);
	T_EQ(d.bandwidth, 4167);
	T_EQU(d.hi_seq, 0x7fffffff);
	T_EQU(d.hi_delay_us, 9876);
	/* too small a buffer: nothing written */
	T_EQU(udt_ack_encode(c, 47, 1, 2, &a), 0);
	/* the first 24 bytes: a libudt full ACK, no timing */
	udt_hdr_decode(b, n - 8, &h);
	T_EQ(udt_ack_decode(&h, &d), 0);
	T_EQ(d.nfields, 6);
	T_EQU(d.hi_seq, 0);
	T_EQU(d.hi_delay_us, 0);
	T_EQ(d.bandwidth, 4167);
	/* 28 bytes: the word past the rates is ignored, as before */
	udt_hdr_decode(b, n - 4, &h);
	T_EQ(udt_ack_decode(&h, &d), 0);
	T_EQ(d.nfields, 6);
	/* longer: the timing, and the rest ignored */
	memcpy(c, b, n);
	memset(c + n, 0xff, 8);
	udt_hdr_decode(c, n + 8, &h);
	T_EQ(udt_ack_decode(&h, &d), 0);
	T_EQ(d.nfields, 8);
	T_EQU(d.hi_delay_us, 9876);
	T_EQ(d.held, 0);
	/* bit 31 of the highest seq's word: held (the rest still the seq); of the delay: rejected */
	memcpy(c, b, n);
	c[16 + 24] |= 0x80;
	udt_hdr_decode(c, n, &h);
	T_EQ(udt_ack_decode(&h, &d), 0);
	T_EQ(d.held, 1);
	T_EQU(d.hi_seq, 0x7fffffff);
	a.held = 1;
	a.hi_seq = 77;
	T_EQU(udt_ack_encode(c, sizeof(c), 1, 2, &a), n);
	udt_hdr_decode(c, n, &h);
	T_EQ(udt_ack_decode(&h, &d), 0);
	T_EQ(d.held, 1);
	T_EQU(d.hi_seq, 77);
	a.held = 0;
	memcpy(c, b, n);
	c[16 + 28] |= 0x80;
	udt_hdr_decode(c, n, &h);
	T_EQ(udt_ack_decode(&h, &d), -EBADMSG);
	/* an encoder handed a delay past 31 bits keeps it in range */
	a.hi_delay_us = 0xffffffffu;
	n = udt_ack_encode(b, sizeof(b), 1, 2, &a);
	udt_hdr_decode(b, n, &h);
	T_EQ(udt_ack_decode(&h, &d), 0);
	T_EQU(d.hi_delay_us, 0x7fffffffu);
}

/* The handshake's extended type: FEC alone as before, the set otherwise; UDT4's 0 offers nothing. */
static void test_hs_ext(void)
{
	T_EQU(udt_hs_ext_make(0), 0);
	T_EQU(udt_hs_ext_make(UDT_HS_OFFER_FEC), 0x4c46);
	T_EQU(udt_hs_ext_make(UDT_HS_OFFER_ACK_TIME), 0x4c82);
	T_EQU(udt_hs_ext_make(UDT_HS_OFFER_FEC | UDT_HS_OFFER_ACK_TIME), 0x4c83);
	T_EQU(udt_hs_ext_offers(0), 0);
	T_EQU(udt_hs_ext_offers(0x4c46), UDT_HS_OFFER_FEC);
	T_EQU(udt_hs_ext_offers(0x4c82), UDT_HS_OFFER_ACK_TIME);
	T_EQU(udt_hs_ext_offers(0x4c83), UDT_HS_OFFER_FEC | UDT_HS_OFFER_ACK_TIME);
	/* the set's unknown bits pass through (an engine takes only what it knows) */
	T_EQU(udt_hs_ext_offers(0x4cff), 0x7f);
	/* anything else offers nothing */
	T_EQU(udt_hs_ext_offers(0x4c47), 0);
	T_EQU(udt_hs_ext_offers(0x4d83), 0);
	T_EQU(udt_hs_ext_offers(0x0083), 0);
	T_EQU(udt_hs_ext_offers(0xffff), 0);
}

static void test_nak(void)
{
	struct udt_range r[4] = { { 5, 5 }, { 0x7ffffffe, 3 }, { 10, 20 }, { 30, 30 } }, d[8];
	uint8_t b[64];
	struct udt_hdr h;
	size_t n, used, k;

	n = udt_nak_encode(b, sizeof(b), 0, 1, r, 4, 100, &used);
	T_EQU(used, 4);
	T_EQU(n, 16 + 4 * 6);
	/* first word of a range carries the top bit, singles do not */
	T_EQU(b[16], 0x00);
	T_EQU(b[20], 0xff);
	T_EQ(udt_hdr_decode(b, n, &h), 0);
	T_EQ(udt_nak_decode(&h, d, 8, &k), 0);
	T_EQU(k, 4);
	T_EQU(d[1].first, 0x7ffffffe);
	T_EQU(d[1].last, 3);
	T_EQU(d[2].last, 20);
	T_EQ(udt_nak_decode(&h, d, 2, &k), -ENOSPC);
	/* word limit: stops before a range that does not fit whole */
	n = udt_nak_encode(b, sizeof(b), 0, 1, r, 4, 2, &used);
	T_EQU(used, 1);
	T_EQU(n, 20);
	/* malformed: range start at the end, range end with top bit, reversed */
	n = udt_nak_encode(b, sizeof(b), 0, 1, r + 2, 1, 100, &used);
	udt_hdr_decode(b, n - 4, &h);
	T_EQ(udt_nak_decode(&h, d, 8, &k), -EBADMSG);
	b[20] = 0x80;
	udt_hdr_decode(b, n, &h);
	T_EQ(udt_nak_decode(&h, d, 8, &k), -EBADMSG);
	b[20] = 0x00;
	b[23] = 5; /* 10..5 */
	udt_hdr_decode(b, n, &h);
	T_EQ(udt_nak_decode(&h, d, 8, &k), -EBADMSG);
	udt_hdr_decode(b, 16, &h);
	T_EQ(udt_nak_decode(&h, d, 8, &k), -EBADMSG);
}

static void test_hs(void)
{
	struct udt_hs hs = { .version = 4,
			     .sock_type = UDT_SOCK_DGRAM,
			     .isn = 0x12345678,
			     .mss = 1500,
			     .flight = 25600,
			     .req_type = -1,
			     .sock_id = 99,
			     .cookie = 0xcafef00d,
			     .peer_ip = { 1, 2, 3, 4 } },
		      d;
	uint8_t b[80], c[80];
	struct udt_hdr h;
	size_t n;
	int i;

	n = udt_hs_encode(b, sizeof(b), 0, 0, &hs);
	T_EQU(n, 64);
	T_EQ(udt_hdr_decode(b, n, &h), 0);
	T_EQ(udt_hs_decode(&h, &d), 0);
	T_MEMEQ(&d, &hs, sizeof(hs));
	/* every field out of range in turn */
	struct {
		int off;
		uint8_t val;
	} bad[] = {
		{ 16 + 3, 5 },	   /* version */
		{ 16 + 7, 3 },	   /* socket type */
		{ 16 + 8, 0x80 },  /* ISN bit 31 */
		{ 16 + 12, 0x80 }, /* MSS negative */
		{ 16 + 16, 0x80 }, /* flight negative */
		{ 16 + 23, 7 },	   /* request type 0xffffff07 */
		{ 16 + 24, 0x80 }, /* socket id bit 31 */
	};
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		memcpy(c, b, n);
		c[bad[i].off] = bad[i].val;
		udt_hdr_decode(c, n, &h);
		T_EQ(udt_hs_decode(&h, &d), -EBADMSG);
	}
	memcpy(c, b, n);
	c[16 + 14] = 0, c[16 + 15] = 10; /* MSS 10 */
	udt_hdr_decode(c, n, &h);
	T_EQ(udt_hs_decode(&h, &d), -EBADMSG);
	udt_hdr_decode(b, n - 4, &h);
	T_EQ(udt_hs_decode(&h, &d), -EBADMSG);
}

static void test_dropreq(void)
{
	struct udt_dropreq r = { 0x1fffffff, 0x7ffffffe, 2 }, d;
	uint8_t b[64];
	struct udt_hdr h;
	size_t n = udt_dropreq_encode(b, sizeof(b), 0, 1, &r);

	T_EQU(n, 24);
	T_EQ(udt_hdr_decode(b, n, &h), 0);
	T_EQ(udt_dropreq_decode(&h, &d), 0);
	T_EQU(d.msgno, 0x1fffffff);
	T_EQU(d.first, 0x7ffffffe);
	T_EQU(d.last, 2);
	b[4] = 0x20; /* msgno beyond 29 bits */
	udt_hdr_decode(b, n, &h);
	T_EQ(udt_dropreq_decode(&h, &d), -EBADMSG);
	udt_hdr_decode(b, n - 4, &h);
	T_EQ(udt_dropreq_decode(&h, &d), -EBADMSG);
	T_STREQ(udt_ctrl_type_to_str(UDT_CT_DROPREQ), "drop-request");
	T_STREQ(udt_ctrl_type_to_str(100), "unknown");
}

int main(void)
{
	T_RUN(test_data_hdr);
	T_RUN(test_ctrl_hdr);
	T_RUN(test_ack);
	T_RUN(test_ack_timed);
	T_RUN(test_hs_ext);
	T_RUN(test_nak);
	T_RUN(test_hs);
	T_RUN(test_dropreq);
	return t_done();
}
