// SPDX-License-Identifier: MIT
/*
 * test_udt_place.c - the receive window writing a message's packets straight
 * into the application's memory (rcvbuf.h, PLACEMENT): the packets that
 * arrive in order go there and get no buffer of the window, those ahead of
 * a hole get one and are offered from it, the offered iovec points at each
 * packet wherever it is; a message longer than its range never writes past
 * it; a drop request tells the application once; a refused placed message
 * stays placed and is offered again; nested messages are stepped over; one
 * message at a time; stream mode and a refusing callback place nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/udt/codec.h"
#include "proto/udt/rcvbuf.h"
#include "proto/udt/seq.h"
#include "tests/t.h"

#define PAY  100
#define HLEN 10 /* the "frame header" the application does not place */
#define NPKT 8

static uint8_t app[NPKT * PAY + 64]; /* the application's memory, with a guard after */
static size_t app_len;		     /* bytes it takes (to) - HLEN */
static int place_rc;		     /* what the place callback answers */
static int places, unplaces, delivers, refuse, bad_calls;
static uint32_t last_unplaced;
static uint8_t got[NPKT * PAY + 256];
static size_t got_len;
static int got_placed_iovs; /* iovec entries that pointed at their place in app */

static int on_place(void *ctx, uint32_t msgno, const uint8_t *head, size_t len, uint8_t **at,
		    size_t *from, size_t *to)
{
	(void)ctx;
	(void)msgno;
	places++;
	if (len < HLEN || head[0] != 0xA0) /* the first packet's first byte */
		bad_calls++;
	if (place_rc < 0)
		return place_rc;
	*at = app;
	*from = HLEN;
	*to = HLEN + app_len;
	return 0;
}

static void on_unplace(void *ctx, uint32_t msgno)
{
	(void)ctx;
	unplaces++;
	last_unplaced = msgno;
}

static int on_deliver(void *ctx, uint32_t msgno, const struct iovec *iov, int iovcnt, size_t len)
{
	size_t off = 0;

	(void)ctx;
	(void)msgno;
	if (refuse)
		return -EAGAIN;
	delivers++;
	got_len = len;
	got_placed_iovs = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (off >= HLEN && iov[i].iov_base == app + (off - HLEN))
			got_placed_iovs++;
		memcpy(got + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	if (off != len)
		bad_calls++;
	return 0;
}

/* Byte k of message no. */
static uint8_t byte_of(uint32_t no, size_t k)
{
	return k == 0 ? 0xA0 : (uint8_t)(no * 31 + k * 7);
}

/* Packet i of n of message no (i from 0), of len bytes (the last may be shorter). */
static int add_pkt(struct udt_rcvbuf *rb, uint32_t seq, uint32_t no, unsigned i, unsigned n,
		   size_t len)
{
	uint8_t p[PAY];
	uint32_t pb = (i == 0 ? UDT_PB_FIRST : 0) | (i == n - 1 ? UDT_PB_LAST : 0);

	for (size_t k = 0; k < len; k++)
		p[k] = byte_of(no, (size_t)i * PAY + k);
	return udt_rcvbuf_add(rb, seq, UDT_MSG_WORD(pb, 0, no), p, len);
}

static void check_msg(uint32_t no, size_t len)
{
	T_EQU(got_len, len);
	for (size_t k = 0; k < len; k++)
		if (got[k] != byte_of(no, k))
			T_FAIL_("byte %zu of message %u", k, no);
}

static void reset(struct udt_rcvbuf *rb, int stream)
{
	memset(app, 0xEE, sizeof(app));
	app_len = NPKT * PAY - HLEN;
	place_rc = 0;
	places = unplaces = delivers = refuse = 0;
	T_EQ(udt_rcvbuf_init(rb, 256, PAY, stream, 1000, on_deliver, NULL), 0);
	udt_rcvbuf_set_place(rb, on_place, on_unplace);
}

/* In order: every packet after the first goes to its place; one buffer is all the window holds. */
static void test_in_order(void)
{
	struct udt_rcvbuf rb;

	reset(&rb, 0);
	for (unsigned i = 0; i < NPKT - 1; i++) {
		T_EQ(add_pkt(&rb, 1000 + i, 5, i, NPKT, PAY), 0);
		T_EQU(rb.held, (size_t)PAY); /* the first packet's buffer only */
	}
	T_EQ(places, 1);
	T_EQ(delivers, 0);
	/* the bytes are already where the application wants them (the first packet's are not) */
	T_EQU(app[PAY - HLEN - 1], 0xEE);
	for (size_t k = PAY; k < (NPKT - 1) * PAY; k++)
		T_EQU(app[k - HLEN], byte_of(5, k));
	T_EQ(add_pkt(&rb, 1000 + NPKT - 1, 5, NPKT - 1, NPKT, PAY), 0);
	T_EQ(delivers, 1);
	check_msg(5, NPKT * PAY);
	T_EQ(got_placed_iovs, NPKT - 1);
	T_EQ(unplaces, 0);
	T_EQU(rb.pl.pkts, (uint64_t)(NPKT - 1));
	T_EQU(rb.pl.msgs, 1u);
	T_EQ(rb.pl.on, 0);
	/* the guard past the range is untouched */
	T_EQU(app[app_len], 0xEE);
	T_EQU(rb.nheld, 0u);
	/* the next message is placed again */
	T_EQ(add_pkt(&rb, 1000 + NPKT, 6, 0, 2, PAY), 0);
	T_EQ(places, 2);
	T_EQ(add_pkt(&rb, 1001 + NPKT, 6, 1, 2, 40), 0);
	T_EQ(delivers, 2);
	check_msg(6, PAY + 40);
	T_EQ(got_placed_iovs, 1);
	udt_rcvbuf_fini(&rb);
}

/* A hole: the packets ahead of it get buffers, the hole's repair and what follows are placed. */
static void test_hole(void)
{
	struct udt_rcvbuf rb;

	reset(&rb, 0);
	T_EQ(add_pkt(&rb, 1000, 7, 0, NPKT, PAY), 0);
	T_EQ(add_pkt(&rb, 1001, 7, 1, NPKT, PAY), 0); /* placed */
	T_EQ(add_pkt(&rb, 1003, 7, 3, NPKT, PAY), 0); /* ahead of the hole: a buffer */
	T_EQ(add_pkt(&rb, 1004, 7, 4, NPKT, PAY), 0);
	T_EQU(rb.held, (size_t)3 * PAY);
	T_EQ(add_pkt(&rb, 1002, 7, 2, NPKT, PAY), 0); /* the repair: placed */
	T_EQ(add_pkt(&rb, 1005, 7, 5, NPKT, PAY), 0); /* in order again: placed */
	/* the last two out of order */
	T_EQ(add_pkt(&rb, 1007, 7, 7, NPKT, 30), 0);
	T_EQ(add_pkt(&rb, 1006, 7, 6, NPKT, PAY), 0);
	T_EQ(delivers, 1);
	check_msg(7, 7 * PAY + 30);
	T_EQ(got_placed_iovs, 4); /* 1, 2, 5, 6 */
	T_EQU(rb.pl.pkts, 4u);
	T_EQU(rb.nheld, 0u);
	udt_rcvbuf_fini(&rb);
}

/* The first packet last: nothing is placed, the message is whole at once. */
static void test_first_last(void)
{
	struct udt_rcvbuf rb;

	reset(&rb, 0);
	for (unsigned i = 1; i < 4; i++)
		T_EQ(add_pkt(&rb, 1000 + i, 3, i, 4, PAY), 0);
	T_EQ(add_pkt(&rb, 1000, 3, 0, 4, PAY), 0);
	T_EQ(places, 1);
	T_EQ(delivers, 1);
	check_msg(3, 4 * PAY);
	T_EQ(got_placed_iovs, 0);
	T_EQ(rb.pl.on, 0); /* taken: its placement ended with it */
	T_EQ(unplaces, 0);
	udt_rcvbuf_fini(&rb);
}

/* A message longer than its range: nothing is written past it; the rest gets buffers. */
static void test_too_long(void)
{
	struct udt_rcvbuf rb;

	reset(&rb, 0);
	app_len = 2 * PAY - HLEN; /* room for packets 1 only (bytes 100..199) */
	T_EQ(add_pkt(&rb, 1000, 4, 0, 4, PAY), 0);
	T_EQ(add_pkt(&rb, 1001, 4, 1, 4, PAY), 0);
	T_EQ(add_pkt(&rb, 1002, 4, 2, 4, PAY), 0);
	T_EQ(add_pkt(&rb, 1003, 4, 3, 4, PAY), 0);
	T_EQU(app[app_len], 0xEE);
	T_EQ(delivers, 1);
	check_msg(4, 4 * PAY);
	T_EQ(got_placed_iovs, 1);
	udt_rcvbuf_fini(&rb);
}

/* The application declines: the usual reassembly. */
static void test_declined(void)
{
	struct udt_rcvbuf rb;

	reset(&rb, 0);
	place_rc = -ENOBUFS;
	for (unsigned i = 0; i < 3; i++)
		T_EQ(add_pkt(&rb, 1000 + i, 9, i, 3, PAY), 0);
	T_EQ(places, 1);
	T_EQ(delivers, 1);
	check_msg(9, 3 * PAY);
	T_EQ(got_placed_iovs, 0);
	T_EQU(rb.pl.pkts, 0u);
	T_EQU(app[0], 0xEE);
	udt_rcvbuf_fini(&rb);
}

/* A drop request for the placed message: the application is told once; the next one is placed. */
static void test_dropped(void)
{
	struct udt_rcvbuf rb;

	reset(&rb, 0);
	T_EQ(add_pkt(&rb, 1000, 11, 0, 5, PAY), 0);
	T_EQ(add_pkt(&rb, 1001, 11, 1, 5, PAY), 0);
	T_EQ(add_pkt(&rb, 1002, 11, 2, 5, PAY), 0);
	udt_rcvbuf_drop(&rb, 11, 1000, 1004);
	T_EQ(unplaces, 1);
	T_EQU(last_unplaced, 11u);
	T_EQ(rb.pl.on, 0);
	T_EQ(delivers, 0);
	T_EQU(rb.nheld, 0u);
	/* a late packet of it is not written to the memory given back */
	memset(app, 0xEE, sizeof(app));
	add_pkt(&rb, 1003, 11, 3, 5, PAY);
	T_EQU(app[2 * PAY], 0xEE);
	T_EQ(add_pkt(&rb, 1005, 12, 0, 2, PAY), 0);
	T_EQ(add_pkt(&rb, 1006, 12, 1, 2, PAY), 0);
	T_EQ(places, 2);
	T_EQ(delivers, 1);
	check_msg(12, 2 * PAY);
	T_EQ(got_placed_iovs, 1);
	T_EQ(unplaces, 1);
	udt_rcvbuf_fini(&rb);
}

/* One at a time: a second message while one is placed goes to buffers. */
static void test_one_at_a_time(void)
{
	struct udt_rcvbuf rb;

	reset(&rb, 0);
	T_EQ(add_pkt(&rb, 1000, 1, 0, 3, PAY), 0);
	T_EQ(add_pkt(&rb, 1001, 1, 1, 3, PAY), 0);
	/* message 1's last packet is lost for now; message 2 comes whole */
	T_EQ(add_pkt(&rb, 1003, 2, 0, 2, PAY), 0);
	T_EQ(add_pkt(&rb, 1004, 2, 1, 2, PAY), 0);
	T_EQ(places, 1);
	T_EQ(delivers, 1);
	check_msg(2, 2 * PAY);
	T_EQ(got_placed_iovs, 0);
	T_EQ(add_pkt(&rb, 1002, 1, 2, 3, PAY), 0);
	T_EQ(delivers, 2);
	check_msg(1, 3 * PAY);
	T_EQ(got_placed_iovs, 2);
	udt_rcvbuf_fini(&rb);
}

/* Refused while placed: it stays placed and is offered again from the same places. */
static void test_refused(void)
{
	struct udt_rcvbuf rb;

	reset(&rb, 0);
	refuse = 1;
	for (unsigned i = 0; i < 4; i++)
		T_EQ(add_pkt(&rb, 1000 + i, 8, i, 4, PAY), 0);
	T_EQ(delivers, 0);
	T_EQ(rb.pl.on, 1);
	T_EQU(rb.nrefused, 1u);
	refuse = 0;
	udt_rcvbuf_resume(&rb);
	T_EQ(delivers, 1);
	check_msg(8, 4 * PAY);
	T_EQ(got_placed_iovs, 3);
	T_EQ(rb.pl.on, 0);
	T_EQ(unplaces, 0);
	udt_rcvbuf_fini(&rb);
}

/* Nested small messages between the placed message's packets are stepped over. */
static void test_nested(void)
{
	struct udt_rcvbuf rb;
	uint8_t small[10];

	reset(&rb, 0);
	udt_rcvbuf_set_nest(&rb, 1);
	memset(small, 0x55, sizeof(small));
	T_EQ(add_pkt(&rb, 1000, 20, 0, 4, PAY), 0);
	T_EQ(add_pkt(&rb, 1001, 20, 1, 4, PAY), 0);
	T_EQ(udt_rcvbuf_add(&rb, 1002, UDT_MSG_WORD(UDT_PB_SOLO, 0, 21), small, sizeof(small)), 0);
	T_EQ(delivers, 1);
	T_EQU(got_len, sizeof(small));
	/* the outer message's next packet comes after a second nested one, which is late */
	T_EQ(add_pkt(&rb, 1004, 20, 2, 4, PAY), 0);
	T_EQ(udt_rcvbuf_add(&rb, 1003, UDT_MSG_WORD(UDT_PB_SOLO, 0, 22), small, sizeof(small)), 0);
	T_EQ(delivers, 2);
	T_EQ(add_pkt(&rb, 1005, 20, 3, 4, PAY), 0);
	T_EQ(delivers, 3);
	check_msg(20, 4 * PAY);
	T_EQ(got_placed_iovs, 2); /* 1 and 3; 2 came ahead of the late nested one */
	udt_rcvbuf_fini(&rb);
}

/* Stream mode places nothing; fini of a window with a placed message frees none of it. */
static void test_stream_and_fini(void)
{
	struct udt_rcvbuf rb;

	reset(&rb, 1);
	T_EQ(add_pkt(&rb, 1000, 0, 0, 2, PAY), 0);
	T_EQ(places, 0);
	udt_rcvbuf_fini(&rb);

	reset(&rb, 0);
	T_EQ(add_pkt(&rb, 1000, 30, 0, 4, PAY), 0);
	T_EQ(add_pkt(&rb, 1001, 30, 1, 4, PAY), 0);
	T_EQ(rb.pl.on, 1);
	/* the application took its memory back: nothing more is written, no call */
	udt_rcvbuf_unplace(&rb);
	memset(app, 0xEE, sizeof(app));
	T_EQ(add_pkt(&rb, 1002, 30, 2, 4, PAY), 0);
	T_EQU(app[PAY], 0xEE);
	udt_rcvbuf_fini(&rb); /* ASan: a placed packet's memory is not freed */
	T_EQ(unplaces, 0);
}

/* Every callback saw what it should (checked there, counted here). */
static void test_no_bad_calls(void)
{
	T_EQ(bad_calls, 0);
}

int main(void)
{
	T_RUN(test_in_order);
	T_RUN(test_hole);
	T_RUN(test_first_last);
	T_RUN(test_too_long);
	T_RUN(test_declined);
	T_RUN(test_dropped);
	T_RUN(test_one_at_a_time);
	T_RUN(test_refused);
	T_RUN(test_nested);
	T_RUN(test_stream_and_fini);
	T_RUN(test_no_bad_calls);
	return t_done();
}
