/* SPDX-License-Identifier: MIT */
/* Single-threaded tests of include/lu2k/ring.h: order, wrap, full, hostile indices, wake-ups. */
#include <stdlib.h>

#include "lu2k/layout.h"
#include "../t.h"

struct fixture {
	void *region;
	struct lu2k_setup s;
	struct lu2k_ring prod, cons;
};

static int fixture_init(struct fixture *f, __u32 entries)
{
	struct lu2k_layout_params p = { entries, LU2K_PAGE, LU2K_PAGE };

	memset(&f->s, 0, sizeof(f->s));
	if (lu2k_layout_compute(&f->s, &p))
		return -1;
	f->region = calloc(1, f->s.region_size);
	if (!f->region)
		return -1;
	if (lu2k_ring_bind(&f->prod, f->region, f->s.region_size, &f->s.cpl,
			   sizeof(struct lu2k_cpl_desc)))
		return -1;
	return lu2k_ring_bind(&f->cons, f->region, f->s.region_size, &f->s.cpl,
			      sizeof(struct lu2k_cpl_desc));
}

static void test_fifo_order_and_wrap(void)
{
	struct fixture f;
	struct lu2k_cpl_desc d = { 0 }, out;
	__u64 next_in = 0, next_out = 0;
	int round;

	T_ASSERT(fixture_init(&f, 8) == 0);
	/* Start near the 2^32 wrap of the free-running indices. */
	*f.prod.prod = *f.prod.cons = 0xfffffff0u;
	f.prod.head = f.cons.head = 0xfffffff0u;
	for (round = 0; round < 100; round++) {
		int n = round % 9, i;

		for (i = 0; i < n; i++) {
			d.cookie = next_in++;
			T_EQ(lu2k_ring_push(&f.prod, &d), 0);
		}
		for (i = 0; i < n; i++) {
			T_EQ(lu2k_ring_pop(&f.cons, &out), 1);
			T_EQU(out.cookie, next_out);
			next_out++;
		}
		T_EQ(lu2k_ring_pop(&f.cons, &out), 0);
	}
	T_ASSERT(f.prod.head < 0xfffffff0u); /* it did wrap */
	T_ASSERT(!f.prod.broken && !f.cons.broken);
	free(f.region);
}

static void test_full_ring_refuses(void)
{
	struct fixture f;
	struct lu2k_cpl_desc d = { 0 }, out;
	int i;

	T_ASSERT(fixture_init(&f, 4) == 0);
	for (i = 0; i < 4; i++) {
		d.cookie = i;
		T_EQ(lu2k_ring_push(&f.prod, &d), 0);
	}
	T_EQ(lu2k_ring_prod_space(&f.prod), 0);
	T_EQ(lu2k_ring_push(&f.prod, &d), -28);
	T_EQ(lu2k_ring_pop(&f.cons, &out), 1);
	T_EQU(out.cookie, 0);
	T_EQ(lu2k_ring_prod_space(&f.prod), 1);
	d.cookie = 4;
	T_EQ(lu2k_ring_push(&f.prod, &d), 0);
	for (i = 1; i <= 4; i++) {
		T_EQ(lu2k_ring_pop(&f.cons, &out), 1);
		T_EQU(out.cookie, i);
	}
	free(f.region);
}

static void test_hostile_indices_are_detected(void)
{
	struct fixture f;
	struct lu2k_cpl_desc out;

	T_ASSERT(fixture_init(&f, 8) == 0);
	/* A producer claims more entries than the ring holds. */
	*f.cons.prod = 9;
	T_EQ(lu2k_ring_pop(&f.cons, &out), 0);
	T_ASSERT(f.cons.broken);
	/* A consumer claims to have consumed entries never produced. */
	*f.prod.cons = 100;
	T_EQ(lu2k_ring_prod_space(&f.prod), 0);
	T_ASSERT(f.prod.broken);
	free(f.region);
	/* Scribbling over our published index does not move our own head. */
	T_ASSERT(fixture_init(&f, 8) == 0);
	*f.prod.prod = 5;
	T_EQ(lu2k_ring_prod_space(&f.prod), 8);
	T_EQU(f.prod.head, 0);
	free(f.region);
}

static void test_need_wakeup_protocol(void)
{
	struct fixture f;
	struct lu2k_cpl_desc d = { .cookie = 1 }, out;

	T_ASSERT(fixture_init(&f, 8) == 0);
	/* Nobody sleeping: no kick. */
	T_EQ(lu2k_ring_push(&f.prod, &d), 0);
	T_ASSERT(!lu2k_ring_prod_needs_kick(&f.prod));
	/* Consumer wants to sleep but an entry is there: refused, flag cleared. */
	T_ASSERT(!lu2k_ring_cons_prepare_sleep(&f.cons));
	T_EQU(*f.cons.flags, 0);
	T_EQ(lu2k_ring_pop(&f.cons, &out), 1);
	/* Empty: may sleep, and the next push must kick. */
	T_ASSERT(lu2k_ring_cons_prepare_sleep(&f.cons));
	T_EQ(lu2k_ring_push(&f.prod, &d), 0);
	T_ASSERT(lu2k_ring_prod_needs_kick(&f.prod));
	lu2k_ring_cons_awake(&f.cons);
	T_ASSERT(!lu2k_ring_prod_needs_kick(&f.prod));
	free(f.region);
}

/*
 * No lost wake-up, in every order of the two sides' steps. The producer:
 * publish (store prod, [A]), then lu2k_ring_prod_needs_kick (barrier [F],
 * load the flag). The consumer, inside lu2k_ring_cons_prepare_sleep: store
 * the flag, barrier [E], look at prod. Each side's steps keep their order;
 * the six interleavings (the consumer's store of the flag landing exactly
 * between the producer's publish and its check among them) must each end
 * with a kick, or with a consumer that saw the entry and stayed awake. The
 * last part runs the real functions in the three orders they can take.
 */
static void test_need_wakeup_interleavings(void)
{
	/* 1 = a producer step, 0 = a consumer step; two of each */
	static const int orders[6][4] = { { 1, 1, 0, 0 }, { 1, 0, 1, 0 }, { 1, 0, 0, 1 },
					  { 0, 1, 1, 0 }, { 0, 1, 0, 1 }, { 0, 0, 1, 1 } };
	struct lu2k_cpl_desc d = { .cookie = 7 }, out;
	struct fixture f;

	for (int o = 0; o < 6; o++) {
		int ps = 0, cs = 0;
		bool kicked = false, slept = false;

		T_ASSERT(fixture_init(&f, 8) == 0);
		for (int i = 0; i < 4; i++) {
			if (orders[o][i] && ps++ == 0) {
				memcpy(lu2k_ring_prod_slot(&f.prod, 0), &d, sizeof(d));
				lu2k_ring_prod_submit(&f.prod, 1);
			} else if (orders[o][i]) {
				kicked = lu2k_ring_prod_needs_kick(&f.prod);
			} else if (cs++ == 0) {
				lu2k_store_relaxed(f.cons.flags, LU2K_RING_NEED_WAKEUP);
			} else {
				lu2k_full_barrier();
				slept = lu2k_ring_cons_avail(&f.cons) == 0;
			}
		}
		if (!kicked && slept)
			T_FAIL_("order %d: the consumer sleeps on an entry and nobody kicks", o);
		/* whoever woke, the entry is there, once */
		T_EQ(lu2k_ring_pop(&f.cons, &out), 1);
		T_EQU(out.cookie, 7);
		T_EQ(lu2k_ring_pop(&f.cons, &out), 0);
		free(f.region);
	}
	for (int o = 0; o < 3; o++) {
		bool kicked = false, slept = false;

		T_ASSERT(fixture_init(&f, 8) == 0);
		if (o == 0)
			slept = lu2k_ring_cons_prepare_sleep(&f.cons);
		T_EQ(lu2k_ring_push(&f.prod, &d), 0);
		if (o == 1)
			slept = lu2k_ring_cons_prepare_sleep(&f.cons);
		kicked = lu2k_ring_prod_needs_kick(&f.prod);
		if (o == 2)
			slept = lu2k_ring_cons_prepare_sleep(&f.cons);
		T_ASSERT(kicked || !slept);
		/* asleep before the push: the kick is owed; after it: no sleep, flag clear */
		T_EQ(kicked, o == 0);
		T_EQ(slept, o == 0);
		T_EQU(*f.cons.flags, o == 0 ? LU2K_RING_NEED_WAKEUP : 0);
		free(f.region);
	}
}

static void test_bind_rejects_bad_layouts(void)
{
	struct fixture f;
	struct lu2k_ring r;
	struct lu2k_ring_off o;

	T_ASSERT(fixture_init(&f, 8) == 0);
	o = f.s.cpl;
	o.entries = 6;
	T_EQ(lu2k_ring_bind(&r, f.region, f.s.region_size, &o, sizeof(struct lu2k_cpl_desc)), -22);
	o = f.s.cpl;
	o.desc = (__u32)f.s.region_size - 8;
	T_EQ(lu2k_ring_bind(&r, f.region, f.s.region_size, &o, sizeof(struct lu2k_cpl_desc)), -22);
	o = f.s.cpl;
	o.prod += 2;
	T_EQ(lu2k_ring_bind(&r, f.region, f.s.region_size, &o, sizeof(struct lu2k_cpl_desc)), -22);
	o = f.s.cpl;
	T_EQ(lu2k_ring_bind(&r, f.region, f.s.region_size, &o, sizeof(struct lu2k_tx_desc)), -22);
	o.reserved[1] = 1;
	T_EQ(lu2k_ring_bind(&r, f.region, f.s.region_size, &o, sizeof(struct lu2k_cpl_desc)), -22);
	free(f.region);
}

int main(void)
{
	T_RUN(test_fifo_order_and_wrap);
	T_RUN(test_full_ring_refuses);
	T_RUN(test_hostile_indices_are_detected);
	T_RUN(test_need_wakeup_protocol);
	T_RUN(test_need_wakeup_interleavings);
	T_RUN(test_bind_rejects_bad_layouts);
	return t_done();
}
