// SPDX-License-Identifier: MIT
/*
 * test_udt_sndbuf_small.c - small messages first in the send buffer: a
 * small message that needs no order goes ahead of larger messages not yet
 * started (never into the middle of one), small ones keep their order among
 * themselves, in-order ones keep their turn, completions follow the order
 * of the packets, and the credit keeps a stream of small messages from
 * starving the larger ones.
 */
#include <errno.h>
#include <stdlib.h>

#include "proto/udt/codec.h"
#include "proto/udt/seq.h"
#include "proto/udt/sndbuf.h"
#include "tests/t.h"

#define PAY 1000

static uint32_t done_no[512], ndone;
static uint8_t data[20 * PAY];

static void done(void *ctx, struct udt_smsg *m, int status)
{
	(void)ctx;
	(void)status;
	if (ndone < 512)
		done_no[ndone++] = m->msgno;
}

/* Cuts n packets; their message numbers into no[] (0 when nothing is left). */
static void cut(struct udt_sndbuf *sb, uint32_t *no, unsigned int n)
{
	struct udt_spkt *p;
	uint32_t seq;
	unsigned int i;

	for (i = 0; i < n; i++) {
		p = udt_sndbuf_next_new(sb, &seq);
		no[i] = p ? UDT_MSG_NO(p->msgword) : 0;
	}
}

/* Queues len bytes; its message number, or 0 if it was refused (a failure). */
static uint32_t add(struct udt_sndbuf *sb, size_t len, int in_order)
{
	uint32_t no = 0;

	if (udt_sndbuf_add(sb, data, len, 0, -1, in_order, NULL, 0, &no))
		return 0;
	return no;
}

static void test_small_go_ahead(void)
{
	struct udt_sndbuf sb;
	uint32_t l1, l2, s1, s2, s3, s4, no[40];
	unsigned int i, k = 0;

	ndone = 0;
	T_EQ(udt_sndbuf_init(&sb, 64, PAY, 1 << 20, 100), 0);
	l1 = add(&sb, 10 * PAY, 0);
	l2 = add(&sb, 10 * PAY, 0);
	cut(&sb, no, 3);
	s1 = add(&sb, 1, 0);	       /* one packet */
	s2 = add(&sb, 4 * PAY, 0);     /* four: still small */
	s3 = add(&sb, 200, 1);	       /* needs order: keeps its turn */
	s4 = add(&sb, 4 * PAY + 1, 0); /* five packets: not small */
	T_ASSERT(l1 && l2 && s1 && s2 && s3 && s4);
	cut(&sb, no, 40);
	/* the rest of l1, then s1, s2, then l2, s3, s4 */
	for (i = 0; i < 7; i++)
		T_EQU(no[k++], l1);
	T_EQU(no[k++], s1);
	for (i = 0; i < 4; i++)
		T_EQU(no[k++], s2);
	for (i = 0; i < 10; i++)
		T_EQU(no[k++], l2);
	T_EQU(no[k++], s3);
	for (i = 0; i < 5; i++)
		T_EQU(no[k++], s4);
	T_EQU(no[k], 0);
	T_EQU(sb.small_ahead, 2);
	/* completions in the order the packets left */
	udt_sndbuf_ack(&sb, udt_seq_add(100, 33), done, NULL);
	T_EQU(ndone, 6);
	T_EQU(done_no[0], l1);
	T_EQU(done_no[1], s1);
	T_EQU(done_no[2], s2);
	T_EQU(done_no[3], l2);
	T_EQU(done_no[4], s3);
	T_EQU(done_no[5], s4);
	T_ASSERT(udt_sndbuf_empty(&sb));
	udt_sndbuf_fini(&sb, done, NULL, -ECONNABORTED);
}

/*
 * A stream of small messages behind a large one: 64 packets' worth go
 * ahead, the others wait their turn behind it; packets of messages that
 * waited their turn earn credit back.
 */
static void test_no_starvation(void)
{
	struct udt_sndbuf sb;
	uint32_t big, no[200], first_late;
	unsigned int i, n_big = 0, n_small = 0;

	ndone = 0;
	T_EQ(udt_sndbuf_init(&sb, 1024, PAY, 1 << 20, 7), 0);
	big = add(&sb, 20 * PAY, 0);
	first_late = 0;
	for (i = 0; i < 100; i++) {
		uint32_t s = add(&sb, 100, 0);

		T_ASSERT(s != 0);
		if (i == UDT_SNDBUF_SMALL_CREDIT)
			first_late = s;
	}
	cut(&sb, no, 200);
	for (i = 0; i < UDT_SNDBUF_SMALL_CREDIT; i++)
		T_ASSERT(no[i] != big);
	for (i = 0; i < 20; i++)
		T_EQU(no[UDT_SNDBUF_SMALL_CREDIT + i], big);
	T_EQU(no[UDT_SNDBUF_SMALL_CREDIT + 20], first_late);
	T_EQU(sb.small_ahead, UDT_SNDBUF_SMALL_CREDIT);

	/*
	 * Small messages keep coming, one per packet sent: the large message
	 * starts once the credit (at most UDT_SNDBUF_SMALL_CREDIT) is spent and
	 * is then cut whole, with no small message inside it.
	 */
	udt_sndbuf_ack(&sb, udt_seq_add(7, 120), done, NULL);
	big = add(&sb, 20 * PAY, 0);
	T_ASSERT(big != 0);
	for (i = 0; i < 200 && n_big < 20; i++) {
		struct udt_spkt *p;
		uint32_t seq;

		T_ASSERT(add(&sb, 100, 0) != 0);
		p = udt_sndbuf_next_new(&sb, &seq);
		T_ASSERT(p != NULL);
		if (UDT_MSG_NO(p->msgword) == big)
			n_big++;
		else if (n_big)
			T_FAIL_("a small message inside the large one");
		else
			n_small++;
	}
	T_EQU(n_big, 20);
	T_ASSERT(n_small <= UDT_SNDBUF_SMALL_CREDIT);
	udt_sndbuf_fini(&sb, done, NULL, -ECONNABORTED);
}

/*
 * Small messages only (the 64-byte stream): they keep their order with no
 * larger message to go ahead of, and nlarge, which lets go_ahead() skip its
 * walk, counts the larger ones from their queueing to their freeing
 * (acknowledged or failed), dropped or not.
 */
static void test_small_only_count(void)
{
	struct udt_sndbuf sb;
	uint32_t s[300], big, big2, late, no[400];
	unsigned int i;

	ndone = 0;
	T_EQ(udt_sndbuf_init(&sb, 1024, PAY, 1 << 20, 5), 0);
	for (i = 0; i < 300; i++) {
		s[i] = add(&sb, 64, 0);
		T_ASSERT(s[i] != 0);
	}
	T_EQU(sb.nlarge, 0);
	T_EQU(sb.small_ahead, 0);
	cut(&sb, no, 10);
	for (i = 0; i < 10; i++)
		T_EQU(no[i], s[i]);
	/* a larger message: counted; the small one after it goes ahead, as before */
	big = add(&sb, 5 * PAY, 0);
	T_EQU(sb.nlarge, 1);
	late = add(&sb, 64, 0);
	T_EQU(sb.small_ahead, 1);
	cut(&sb, no, 400);
	for (i = 0; i < 290; i++)
		T_EQU(no[i], s[10 + i]);
	T_EQU(no[290], late);
	for (i = 0; i < 5; i++)
		T_EQU(no[291 + i], big);
	T_EQU(no[296], 0);
	/* acknowledged and freed: no larger message left */
	udt_sndbuf_ack(&sb, udt_seq_add(5, 306), done, NULL);
	T_ASSERT(udt_sndbuf_empty(&sb));
	T_EQU(sb.nlarge, 0);
	/* a dropped one counts until it is freed; fini frees the rest */
	big2 = add(&sb, 6 * PAY, 0);
	T_EQU(sb.nlarge, 1);
	udt_sndbuf_drop(&sb, udt_sndbuf_find(&sb, big2), done, NULL, -ETIMEDOUT);
	T_EQU(sb.nlarge, 0);
	big2 = add(&sb, 6 * PAY, 0);
	T_ASSERT(big2 != 0);
	T_EQU(sb.nlarge, 1);
	udt_sndbuf_fini(&sb, done, NULL, -ECONNABORTED);
	T_EQU(sb.nlarge, 0);
}

/*
 * Freed message structs are kept for the next messages, at most
 * UDT_SNDBUF_SPARE_MAX, reused clean (a reused one that had been dropped,
 * or cut, or had its own copy, starts afresh), and trim gives them back.
 */
static void test_spare(void)
{
	struct udt_sndbuf sb;
	uint32_t s[300], no[300];
	unsigned int i;
	size_t freed;

	ndone = 0;
	T_EQ(udt_sndbuf_init(&sb, 1024, PAY, 1 << 20, 5), 0);
	for (i = 0; i < 300; i++) {
		T_EQ(udt_sndbuf_add(&sb, data, 64, i % 2 ? UDT_SNDBUF_COPY : 0, -1, 0, NULL, 0,
				    &s[i]),
		     0);
	}
	T_EQU(sb.nspare, 0);
	cut(&sb, no, 300);
	/* one dropped while in flight, then all acknowledged */
	udt_sndbuf_drop(&sb, udt_sndbuf_find(&sb, s[7]), done, NULL, -ETIMEDOUT);
	udt_sndbuf_ack(&sb, udt_seq_add(5, 300), done, NULL);
	T_ASSERT(udt_sndbuf_empty(&sb));
	T_EQU(ndone, 300);
	T_EQU(sb.nspare, UDT_SNDBUF_SPARE_MAX);
	/* reused: each as new, in order, cut and completed once */
	ndone = 0;
	for (i = 0; i < 100; i++)
		s[i] = add(&sb, 64, 0);
	T_EQU(sb.nspare, UDT_SNDBUF_SPARE_MAX - 100);
	cut(&sb, no, 120);
	for (i = 0; i < 100; i++)
		T_EQU(no[i], s[i]);
	T_EQU(no[100], 0);
	udt_sndbuf_ack(&sb, udt_seq_add(5, 400), done, NULL);
	T_EQU(ndone, 100);
	for (i = 0; i < 100; i++)
		T_EQU(done_no[i], s[i]);
	T_EQU(sb.nspare, UDT_SNDBUF_SPARE_MAX);
	/* idle: trim gives them back, and counts them */
	freed = udt_sndbuf_trim(&sb);
	T_ASSERT(freed >= UDT_SNDBUF_SPARE_MAX * sizeof(struct udt_smsg));
	T_EQU(sb.nspare, 0);
	T_ASSERT(sb.spare == NULL);
	/* and fini frees what is kept (ASan's leak check) */
	T_ASSERT(add(&sb, 64, 0) != 0);
	cut(&sb, no, 1);
	udt_sndbuf_ack(&sb, udt_seq_add(5, 401), done, NULL);
	T_EQU(sb.nspare, 1);
	udt_sndbuf_fini(&sb, done, NULL, -ECONNABORTED);
}

int main(void)
{
	T_RUN(test_small_go_ahead);
	T_RUN(test_no_starvation);
	T_RUN(test_small_only_count);
	T_RUN(test_spare);
	return t_done();
}
