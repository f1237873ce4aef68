// SPDX-License-Identifier: MIT
/* test_udt_buffers.c - send buffer (cutting, completion) and receive buffer (reassembly). */
#include <errno.h>
#include <stdlib.h>

#include "proto/udt/codec.h"
#include "proto/udt/rcvbuf.h"
#include "proto/udt/seq.h"
#include "proto/udt/sndbuf.h"
#include "tests/t.h"

static uint32_t done_no[16], done_st[16], ndone;

static void done(void *ctx, struct udt_smsg *m, int status)
{
	done_no[ndone] = m->msgno;
	done_st[ndone++] = (uint32_t)-status;
}

static void test_sndbuf_cut_ack(void)
{
	static uint8_t data[5000];
	struct udt_sndbuf sb;
	struct udt_spkt *p;
	uint32_t seq, no;

	ndone = 0;
	T_EQ(udt_sndbuf_init(&sb, 8, 1000, 6000, 0x7ffffffe), 0);
	T_EQ(udt_sndbuf_add(&sb, data, 2500, 0, -1, 1, NULL, 0, &no), 0);
	T_EQU(no, 1);
	T_EQ(udt_sndbuf_add(&sb, data, 500, 1, -1, 0, NULL, 0, &no), 0);
	T_EQU(no, 2);
	T_EQ(udt_sndbuf_add(&sb, data, 3001, 0, -1, 1, NULL, 0, &no), -EAGAIN);
	T_EQ(udt_sndbuf_add(&sb, data, 7000, 0, -1, 1, NULL, 0, &no), -EMSGSIZE);
	T_EQ(udt_sndbuf_add(&sb, data, 0, 0, -1, 1, NULL, 0, &no), -EINVAL);
	p = udt_sndbuf_next_new(&sb, &seq);
	T_EQU(seq, 0x7ffffffe);
	T_EQU(UDT_MSG_BOUNDARY(p->msgword), UDT_PB_FIRST);
	T_EQU(UDT_MSG_INORDER(p->msgword), 1);
	T_EQU(p->len, 1000);
	p = udt_sndbuf_next_new(&sb, &seq);
	T_EQU(UDT_MSG_BOUNDARY(p->msgword), UDT_PB_MIDDLE);
	p = udt_sndbuf_next_new(&sb, &seq);
	T_EQU(seq, 0);
	T_EQU(UDT_MSG_BOUNDARY(p->msgword), UDT_PB_LAST);
	T_EQU(p->len, 500);
	T_EQU(p->off, 2000);
	p = udt_sndbuf_next_new(&sb, &seq);
	T_EQU(UDT_MSG_BOUNDARY(p->msgword), UDT_PB_SOLO);
	T_EQU(UDT_MSG_INORDER(p->msgword), 0);
	T_EQU(UDT_MSG_NO(p->msgword), 2);
	T_ASSERT(!udt_sndbuf_has_new(&sb));
	T_ASSERT(udt_sndbuf_get(&sb, 0x7fffffff) != NULL);
	T_ASSERT(udt_sndbuf_get(&sb, 2) == NULL);
	/* ACK up to seq 0 (exclusive): message 1 not yet complete */
	udt_sndbuf_ack(&sb, 0, done, NULL);
	T_EQU(ndone, 0);
	/* progress inside the message that has not completed yet */
	T_EQU(sb.bytes_acked, 2000);
	udt_sndbuf_ack(&sb, 0, done, NULL); /* a repeated ACK adds nothing */
	T_EQU(sb.bytes_acked, 2000);
	udt_sndbuf_ack(&sb, 1, done, NULL);
	T_EQU(ndone, 1);
	T_EQU(sb.bytes_acked, 2500);
	T_EQU(done_no[0], 1);
	T_EQU(done_st[0], 0);
	udt_sndbuf_ack(&sb, 2, done, NULL);
	T_EQU(ndone, 2);
	T_EQU(sb.bytes_acked, 2500 + 500);
	T_ASSERT(udt_sndbuf_empty(&sb));
	T_EQU(udt_sndbuf_space(&sb), 6000);
	udt_sndbuf_fini(&sb, done, NULL, -ECONNRESET);
	T_EQU(ndone, 2);
}

static void test_sndbuf_drop_and_fail(void)
{
	static uint8_t data[5000];
	struct udt_sndbuf sb;
	uint32_t seq, no;

	ndone = 0;
	udt_sndbuf_init(&sb, 64, 1000, 60000, 100);
	udt_sndbuf_add(&sb, data, 3000, 0, 10, 1, NULL, 0, &no);
	udt_sndbuf_add(&sb, data, 1000, 0, -1, 1, NULL, 0, &no);
	udt_sndbuf_add(&sb, data, 1000, 0, -1, 1, NULL, 0, &no);
	udt_sndbuf_next_new(&sb, &seq); /* message 1 partly sent */
	udt_sndbuf_drop(&sb, sb.q_head, done, NULL, -ETIMEDOUT);
	T_EQU(ndone, 1);
	T_EQU(done_st[0], ETIMEDOUT);
	/* the rest of message 1 is never cut: next comes message 2 */
	struct udt_spkt *p = udt_sndbuf_next_new(&sb, &seq);

	T_EQU(seq, 101);
	T_EQU(UDT_MSG_NO(p->msgword), 2);
	udt_sndbuf_ack(&sb, 102, done, NULL);
	T_EQU(ndone, 2);
	T_EQU(done_no[1], 2);
	/* closing fails what is left, once */
	udt_sndbuf_fini(&sb, done, NULL, -ECONNRESET);
	T_EQU(ndone, 3);
	T_EQU(done_no[2], 3);
	T_EQU(done_st[2], ECONNRESET);
}

/* Message numbers wrap from 2^29 - 1 to 1. */
static void test_sndbuf_msgno_wrap(void)
{
	static uint8_t data[10];
	struct udt_sndbuf sb;
	uint32_t no, seq;

	udt_sndbuf_init(&sb, 16, 1000, 1000, 0);
	sb.next_msgno = 0x1fffffff;
	udt_sndbuf_add(&sb, data, 10, 0, -1, 1, NULL, 0, &no);
	T_EQU(no, 0x1fffffff);
	udt_sndbuf_add(&sb, data, 10, 0, -1, 1, NULL, 0, &no);
	T_EQU(no, 1);
	T_EQU(UDT_MSG_NO(udt_sndbuf_next_new(&sb, &seq)->msgword), 0x1fffffff);
	T_EQU(UDT_MSG_NO(udt_sndbuf_next_new(&sb, &seq)->msgword), 1);
	udt_sndbuf_fini(&sb, NULL, NULL, 0);
}

static uint32_t got[32], ngot, offers, refuse;
static size_t gotlen[32];

static int deliver(void *ctx, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	offers++;
	if (refuse)
		return -EAGAIN;
	got[ngot] = msgno;
	gotlen[ngot++] = len;
	return 0;
}

static void add(struct udt_rcvbuf *rb, uint32_t seq, uint32_t pb, int inorder, uint32_t no)
{
	static const uint8_t d[100];

	udt_rcvbuf_add(rb, seq, UDT_MSG_WORD(pb, inorder, no), d, 100);
}

static void test_rcvbuf_order(void)
{
	struct udt_rcvbuf rb;
	uint32_t b = 0x7ffffffe;

	ngot = 0;
	T_EQ(udt_rcvbuf_init(&rb, 32, 100, 0, b, deliver, NULL), 0);
	/* msg 1: b..b+2 in order; msg 2: b+3 solo, out of order; msg 3: b+4 in order */
	add(&rb, b, UDT_PB_FIRST, 1, 1);
	add(&rb, udt_seq_add(b, 2), UDT_PB_LAST, 1, 1);
	add(&rb, udt_seq_add(b, 4), UDT_PB_SOLO, 1, 3);
	T_EQU(ngot, 0);
	add(&rb, udt_seq_add(b, 3), UDT_PB_SOLO, 0, 2);
	T_EQU(ngot, 1); /* msg 2 passes the hole at b+1 */
	T_EQU(got[0], 2);
	T_EQ(udt_rcvbuf_add(&rb, udt_seq_add(b, 3), UDT_MSG_WORD(3, 0, 2), (uint8_t *)"x", 1), 1);
	add(&rb, udt_seq_add(b, 1), UDT_PB_MIDDLE, 1, 1);
	T_EQU(ngot, 3);
	T_EQU(got[1], 1);
	T_EQU(gotlen[1], 300);
	T_EQU(got[2], 3);
	T_EQU(rb.base_seq, udt_seq_add(b, 5));
	T_EQU(udt_rcvbuf_avail(&rb, udt_seq_add(b, 5)), 31);
	T_ASSERT(!udt_rcvbuf_fits(&rb, udt_seq_add(b, 5 + 32)));
	T_EQ(udt_rcvbuf_add(&rb, udt_seq_add(b, 5 + 32), 0, (uint8_t *)"x", 1), -ERANGE);
	T_EQ(udt_rcvbuf_add(&rb, udt_seq_add(b, 5), 0, (uint8_t *)"x", 101), -EINVAL);
	udt_rcvbuf_fini(&rb);
}

static void test_rcvbuf_drop(void)
{
	struct udt_rcvbuf rb;

	ngot = 0;
	udt_rcvbuf_init(&rb, 32, 100, 0, 10, deliver, NULL);
	/* msg 1 (10..13) loses 11 and is dropped; msg 2 (14) in order follows */
	add(&rb, 10, UDT_PB_FIRST, 1, 1);
	add(&rb, 12, UDT_PB_MIDDLE, 1, 1);
	add(&rb, 13, UDT_PB_LAST, 1, 1);
	add(&rb, 14, UDT_PB_SOLO, 1, 2);
	T_EQU(ngot, 0);
	udt_rcvbuf_drop(&rb, 1, 10, 13);
	T_EQU(ngot, 1);
	T_EQU(got[0], 2);
	T_EQU(rb.base_seq, 15);
	T_EQU(rb.dropped_pkts, 3);
	/* a drop range reaching past the message (libudt names one past its end) */
	add(&rb, 15, UDT_PB_FIRST, 1, 3);
	add(&rb, 17, UDT_PB_LAST, 1, 3);
	T_EQU(udt_rcvbuf_drop(&rb, 3, 16, 18), 17);
	add(&rb, 18, UDT_PB_SOLO, 1, 4);
	T_EQU(ngot, 2);
	T_EQU(got[1], 4);
	udt_rcvbuf_fini(&rb);
}

static void test_rcvbuf_stream(void)
{
	struct udt_rcvbuf rb;

	ngot = 0;
	udt_rcvbuf_init(&rb, 16, 100, 1, 0, deliver, NULL);
	add(&rb, 1, UDT_PB_MIDDLE, 0, 5);
	T_EQU(ngot, 0);
	add(&rb, 0, UDT_PB_FIRST, 0, 5);
	T_EQU(ngot, 2);
	T_EQU(got[0], 0);
	udt_rcvbuf_fini(&rb);
}

/*
 * The application refuses a message (no room): it stays, the walker stops at
 * it and the ACK point may not cover its last packet; a message that needs no
 * order is still offered; resume offers the refused one again, once, then
 * walks on in order.
 */
static void test_rcvbuf_refuse(void)
{
	struct udt_rcvbuf rb;
	uint32_t lim;

	ngot = offers = 0;
	refuse = 1;
	udt_rcvbuf_init(&rb, 32, 100, 0, 10, deliver, NULL);
	T_EQ(udt_rcvbuf_ack_limit(&rb, &lim), 0);
	/* msg 1 (10..11, in order) is refused */
	add(&rb, 10, UDT_PB_FIRST, 1, 1);
	add(&rb, 11, UDT_PB_LAST, 1, 1);
	T_EQU(offers, 1);
	T_EQU(ngot, 0);
	T_EQ(udt_rcvbuf_ack_limit(&rb, &lim), 1);
	T_EQU(lim, 11);
	T_EQU(rb.base_seq, 10); /* its packets stay */
	T_EQU(rb.nrefused, 1);
	/* msg 2 (12, out of order) is taken; msg 3 (13, in order) waits behind msg 1 */
	refuse = 0;
	add(&rb, 12, UDT_PB_SOLO, 0, 2);
	add(&rb, 13, UDT_PB_SOLO, 1, 3);
	T_EQU(offers, 2);
	T_EQU(ngot, 1);
	T_EQU(got[0], 2);
	T_EQ(udt_rcvbuf_ack_limit(&rb, &lim), 1);
	T_EQU(lim, 11);
	T_EQ(udt_rcvbuf_add(&rb, 11, UDT_MSG_WORD(UDT_PB_LAST, 1, 1), (uint8_t *)"x", 1), 1);
	/* still no room: offered once more, kept */
	refuse = 1;
	T_EQ(udt_rcvbuf_resume(&rb), 1);
	T_EQU(offers, 3);
	T_EQU(ngot, 1);
	/* room: msg 1 once, then msg 3; nothing is held back any more */
	refuse = 0;
	T_EQ(udt_rcvbuf_resume(&rb), 0);
	T_EQU(offers, 5);
	T_EQU(ngot, 3);
	T_EQU(got[1], 1);
	T_EQU(gotlen[1], 200);
	T_EQU(got[2], 3);
	T_EQ(udt_rcvbuf_ack_limit(&rb, &lim), 0);
	T_EQU(rb.base_seq, 14);
	T_EQU(rb.nrefused, 0);
	T_EQ(udt_rcvbuf_resume(&rb), 0);
	T_EQU(offers, 5);

	/* beyond a hole (14): msg 5 (15, out of order) is refused, the walker is not blocked */
	refuse = 1;
	add(&rb, 15, UDT_PB_SOLO, 0, 5);
	T_EQU(offers, 6);
	T_EQ(udt_rcvbuf_ack_limit(&rb, &lim), 0);
	T_EQU(rb.nrefused, 1);
	refuse = 0;
	T_EQ(udt_rcvbuf_resume(&rb), 0);
	T_EQU(offers, 7);
	T_EQU(ngot, 4);
	T_EQU(got[3], 5);
	add(&rb, 14, UDT_PB_SOLO, 0, 4);
	T_EQU(ngot, 5);
	T_EQU(got[4], 4);
	T_EQU(rb.base_seq, 16);

	/* a drop request for the refused message unblocks the walker */
	refuse = 1;
	add(&rb, 16, UDT_PB_SOLO, 1, 6);
	refuse = 0;
	add(&rb, 17, UDT_PB_SOLO, 1, 7);
	T_EQU(ngot, 5);
	udt_rcvbuf_drop(&rb, 6, 16, 16);
	T_EQ(udt_rcvbuf_ack_limit(&rb, &lim), 0);
	T_EQU(ngot, 6);
	T_EQU(got[5], 7);
	T_EQU(rb.nrefused, 0);
	T_EQU(rb.base_seq, 18);
	udt_rcvbuf_fini(&rb);

	/* stream mode: a refused packet holds the ones behind it */
	ngot = offers = 0;
	refuse = 1;
	udt_rcvbuf_init(&rb, 16, 100, 1, 0, deliver, NULL);
	add(&rb, 0, UDT_PB_FIRST, 0, 5);
	refuse = 0;
	add(&rb, 1, UDT_PB_MIDDLE, 0, 5);
	T_EQU(ngot, 0);
	T_EQ(udt_rcvbuf_ack_limit(&rb, &lim), 1);
	T_EQU(lim, 0);
	T_EQ(udt_rcvbuf_resume(&rb), 0);
	T_EQU(ngot, 2);
	udt_rcvbuf_fini(&rb);
}

int main(void)
{
	T_RUN(test_sndbuf_cut_ack);
	T_RUN(test_sndbuf_drop_and_fail);
	T_RUN(test_sndbuf_msgno_wrap);
	T_RUN(test_rcvbuf_order);
	T_RUN(test_rcvbuf_drop);
	T_RUN(test_rcvbuf_stream);
	T_RUN(test_rcvbuf_refuse);
	return t_done();
}
