// SPDX-License-Identifier: MIT
/*
 * test_udt_losslist.c - range sets: merge, split, pop, wrap, a model check,
 * and the trim that gives back what a burst of losses grew.
 */
#include <stdlib.h>

#include "proto/udt/losslist.h"
#include "proto/udt/seq.h"
#include "tests/t.h"

static void test_insert_merge(void)
{
	struct udt_losslist l;

	T_EQ(udt_loss_init(&l, 2), 0);
	T_EQ(udt_loss_insert(&l, 10, 12), 3);
	T_EQ(udt_loss_insert(&l, 20, 20), 1);
	T_EQ(udt_loss_insert(&l, 13, 14), 2); /* touches 10-12: merges */
	T_EQU(udt_loss_nranges(&l), 2);
	T_EQ(udt_loss_insert(&l, 11, 21), 6); /* 15..19 and 21 are new */
	T_EQU(udt_loss_nranges(&l), 1);
	T_EQU(udt_loss_ranges(&l)[0].first, 10);
	T_EQU(udt_loss_ranges(&l)[0].last, 21);
	T_EQU(udt_loss_count(&l), 12);
	T_EQ(udt_loss_insert(&l, 5, 6), 2); /* before everything */
	T_EQ(udt_loss_insert(&l, 30, 31), 2);
	T_EQ(udt_loss_insert(&l, 25, 26), 2); /* in the middle */
	T_EQU(udt_loss_nranges(&l), 4);
	T_EQ(udt_loss_insert(&l, 10, 21), 0);
	udt_loss_free(&l);
}

static void test_remove_split(void)
{
	struct udt_losslist l;
	uint32_t s;

	udt_loss_init(&l, 4);
	udt_loss_insert(&l, 100, 199);
	T_EQ(udt_loss_remove(&l, 150), 1);
	T_EQ(udt_loss_remove(&l, 150), 0);
	T_EQU(udt_loss_nranges(&l), 2);
	T_EQ(udt_loss_remove_range(&l, 140, 160), 20);
	T_ASSERT(udt_loss_contains(&l, 139));
	T_ASSERT(!udt_loss_contains(&l, 140));
	T_ASSERT(udt_loss_contains(&l, 161));
	T_EQ(udt_loss_remove_upto(&l, 120), 21);
	T_ASSERT(udt_loss_first(&l, &s));
	T_EQU(s, 121);
	T_EQ(udt_loss_pop(&l, &s), 1);
	T_EQU(s, 121);
	T_EQ(udt_loss_pop(&l, &s), 1);
	T_EQU(s, 122);
	T_EQU(udt_loss_count(&l), 100 - 1 - 20 - 21 - 2);
	T_EQ(udt_loss_remove_range(&l, 0, 1000), (int64_t)(100 - 1 - 20 - 21 - 2));
	T_EQU(udt_loss_count(&l), 0);
	T_ASSERT(!udt_loss_pop(&l, &s));
	udt_loss_free(&l);
}

static void test_wrap(void)
{
	struct udt_losslist l;
	uint32_t s;

	udt_loss_init(&l, 4);
	T_EQ(udt_loss_insert(&l, 0x7ffffffe, 1), 4);
	T_EQ(udt_loss_insert(&l, 3, 3), 1);
	T_EQ(udt_loss_insert(&l, 0x7ffffff0, 0x7ffffff0), 1);
	T_EQU(udt_loss_ranges(&l)[0].first, 0x7ffffff0);
	T_EQ(udt_loss_remove(&l, 0), 1);
	T_EQU(udt_loss_nranges(&l), 4);
	T_EQ(udt_loss_insert(&l, 2, 2), 1); /* 1,2,3 merge */
	T_EQU(udt_loss_nranges(&l), 3);
	T_ASSERT(udt_loss_pop(&l, &s));
	T_EQU(s, 0x7ffffff0);
	T_ASSERT(udt_loss_pop(&l, &s));
	T_EQU(s, 0x7ffffffe);
	udt_loss_free(&l);
}

/* Random operations against a bitmap model, around the wrap. */
static void test_model(void)
{
	enum { W = 4096 };
	static uint8_t model[W];
	struct udt_losslist l;
	uint32_t base = 0x7ffff800, rnd = 12345;
	int i, k;

	udt_loss_init(&l, 1);
	for (i = 0; i < 100000; i++) {
		uint32_t a, b, s;
		int64_t n = 0, exp = 0;

		rnd = rnd * 1103515245 + 12345;
		a = (rnd >> 8) % W;
		b = a + (rnd >> 20) % 8;
		if (b >= W)
			b = W - 1;
		switch ((rnd >> 4) % 4) {
		case 0:
		case 1:
			for (k = (int)a; k <= (int)b; k++)
				exp += !model[k], model[k] = 1;
			n = udt_loss_insert(&l, udt_seq_add(base, (int32_t)a),
					    udt_seq_add(base, (int32_t)b));
			break;
		case 2:
			for (k = (int)a; k <= (int)b; k++)
				exp += model[k], model[k] = 0;
			n = udt_loss_remove_range(&l, udt_seq_add(base, (int32_t)a),
						  udt_seq_add(base, (int32_t)b));
			break;
		case 3:
			for (k = 0; k < W && !model[k]; k++)
				;
			if (k < W) {
				exp = 1;
				model[k] = 0;
				n = udt_loss_pop(&l, &s);
				T_EQU(s, udt_seq_add(base, k));
			} else {
				n = udt_loss_pop(&l, &s);
			}
			break;
		}
		T_EQ(n, exp);
	}
	for (k = 0; k < W; k++)
		T_EQ(udt_loss_contains(&l, udt_seq_add(base, k)), model[k]);
	udt_loss_free(&l);
}

/* Many holes grow the array; trimmed it shrinks to what it holds, then to its start, and grows again. */
static void test_trim(void)
{
	struct udt_losslist l;
	uint32_t s, i;

	T_EQ(udt_loss_init(&l, 16), 0);
	T_EQU(udt_loss_trim(&l), 0); /* at its starting size already */
	/* 1000 one-number holes, every other number, across the wrap */
	for (i = 0; i < 1000; i++)
		T_EQ(udt_loss_insert(&l, udt_seq_add(0x7fffff00, (int32_t)(2 * i)),
				     udt_seq_add(0x7fffff00, (int32_t)(2 * i))),
		     1);
	T_EQU(l.cap, 1024);
	/* take 900 of them (as retransmissions would): 100 left, trim keeps every one */
	for (i = 0; i < 900; i++)
		T_EQ(udt_loss_pop(&l, &s), 1);
	T_EQU(udt_loss_trim(&l), (1024 - 256) * sizeof(struct udt_lrange));
	T_EQU(l.cap, 256); /* 16 x 2^4: the least at most half full */
	T_EQU(udt_loss_count(&l), 100);
	T_EQU(udt_loss_nranges(&l), 100);
	for (i = 900; i < 1000; i++)
		T_ASSERT(udt_loss_contains(&l, udt_seq_add(0x7fffff00, (int32_t)(2 * i))));
	T_ASSERT(!udt_loss_contains(&l, udt_seq_add(0x7fffff00, 2 * 900 + 1)));
	/* and it works on: a range in the middle merges two, the first comes out first */
	T_EQ(udt_loss_insert(&l, udt_seq_add(0x7fffff00, 2 * 950 + 1),
			     udt_seq_add(0x7fffff00, 2 * 950 + 1)),
	     1);
	T_EQU(udt_loss_nranges(&l), 99);
	T_EQ(udt_loss_pop(&l, &s), 1);
	T_EQU(s, udt_seq_add(0x7fffff00, 2 * 900));
	/* empty: back to the start */
	while (udt_loss_pop(&l, &s))
		;
	T_EQU(udt_loss_trim(&l), (256 - 16) * sizeof(struct udt_lrange));
	T_EQU(l.cap, 16);
	T_EQU(udt_loss_trim(&l), 0);
	/* the next burst grows it again, nothing lost */
	for (i = 0; i < 100; i++)
		T_EQ(udt_loss_insert(&l, 3 * i, 3 * i + 1), 2);
	T_EQU(l.cap, 128);
	T_EQU(udt_loss_count(&l), 200);
	for (i = 0; i < 100; i++) {
		T_EQ(udt_loss_pop(&l, &s), 1);
		T_EQU(s, 3 * i);
		T_EQ(udt_loss_pop(&l, &s), 1);
		T_EQU(s, 3 * i + 1);
	}
	T_EQ(udt_loss_pop(&l, &s), 0);
	udt_loss_free(&l);
}

int main(void)
{
	T_RUN(test_insert_merge);
	T_RUN(test_remove_split);
	T_RUN(test_wrap);
	T_RUN(test_model);
	T_RUN(test_trim);
	return t_done();
}
