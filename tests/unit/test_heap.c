/* SPDX-License-Identifier: MIT */
/* Unit tests of the timer heap (common/heap.c). */
#include <stdlib.h>

#include "common/heap.h"
#include "../t.h"

static int fired;

static void fire(struct lu2k_timer *t)
{
	fired++;
}

/* Every timer's slot points back at it and no child is earlier than its parent. */
static int heap_ok(const struct lu2k_heap *h)
{
	for (uint32_t i = 0; i < h->n; i++) {
		if (h->a[i]->slot != i + 1)
			return 0;
		if (i && h->a[(i - 1) / 2]->deadline > h->a[i]->deadline)
			return 0;
	}
	return 1;
}

static void test_order(void)
{
	struct lu2k_heap h = { 0 };
	struct lu2k_timer t[100];
	uint64_t last = 0;
	struct lu2k_timer *x;
	int n = 0;

	srand(1);
	for (int i = 0; i < 100; i++) {
		lu2k_heap_timer_init(&t[i], fire);
		T_EQ(lu2k_heap_add(&h, &t[i], (uint64_t)(rand() % 1000)), 0);
	}
	T_ASSERT(heap_ok(&h));
	while ((x = lu2k_heap_pop_expired(&h, UINT64_MAX))) {
		T_ASSERT(x->deadline >= last);
		T_ASSERT(!lu2k_heap_timer_armed(x));
		last = x->deadline;
		n++;
	}
	T_EQ(n, 100);
	lu2k_heap_free(&h);
}

static void test_expiry_boundary(void)
{
	struct lu2k_heap h = { 0 };
	struct lu2k_timer a, b;

	lu2k_heap_timer_init(&a, fire);
	lu2k_heap_timer_init(&b, fire);
	lu2k_heap_add(&h, &a, 100);
	lu2k_heap_add(&h, &b, 200);
	T_ASSERT(lu2k_heap_pop_expired(&h, 99) == NULL);
	T_ASSERT(lu2k_heap_pop_expired(&h, 100) == &a);
	T_ASSERT(lu2k_heap_pop_expired(&h, 199) == NULL);
	T_ASSERT(lu2k_heap_top(&h) == &b);
	lu2k_heap_free(&h);
	T_ASSERT(!lu2k_heap_timer_armed(&b));
}

static void test_cancel_and_rearm(void)
{
	struct lu2k_heap h = { 0 };
	enum { N = 2000 };
	struct lu2k_timer *t = calloc(N, sizeof(*t));
	int alive = N;

	srand(7);
	for (int i = 0; i < N; i++) {
		lu2k_heap_timer_init(&t[i], fire);
		lu2k_heap_add(&h, &t[i], (uint64_t)rand());
	}
	/* Random cancels, re-arms (earlier and later) and double cancels. */
	for (int k = 0; k < 20000; k++) {
		struct lu2k_timer *x = &t[rand() % N];

		switch (rand() % 3) {
		case 0:
			if (lu2k_heap_timer_armed(x))
				alive--;
			lu2k_heap_del(&h, x);
			lu2k_heap_del(&h, x);
			break;
		case 1:
			if (!lu2k_heap_timer_armed(x))
				alive++;
			lu2k_heap_add(&h, x, x->deadline / 2);
			break;
		default:
			if (!lu2k_heap_timer_armed(x))
				alive++;
			lu2k_heap_add(&h, x, x->deadline + (uint64_t)rand());
		}
		if (k % 1000 == 0)
			T_ASSERT(heap_ok(&h));
	}
	T_EQ(h.n, alive);
	T_ASSERT(heap_ok(&h));
	{
		uint64_t last = 0;
		struct lu2k_timer *x;

		while ((x = lu2k_heap_pop_expired(&h, UINT64_MAX))) {
			T_ASSERT(x->deadline >= last);
			last = x->deadline;
			alive--;
		}
	}
	T_EQ(alive, 0);
	lu2k_heap_free(&h);
	free(t);
}

static void test_equal_deadlines(void)
{
	struct lu2k_heap h = { 0 };
	struct lu2k_timer t[10];
	int n = 0;

	for (int i = 0; i < 10; i++) {
		lu2k_heap_timer_init(&t[i], fire);
		lu2k_heap_add(&h, &t[i], 5);
	}
	lu2k_heap_del(&h, &t[3]);
	lu2k_heap_del(&h, &t[0]);
	T_ASSERT(heap_ok(&h));
	while (lu2k_heap_pop_expired(&h, 5))
		n++;
	T_EQ(n, 8);
	lu2k_heap_free(&h);
}

int main(void)
{
	T_RUN(test_order);
	T_RUN(test_expiry_boundary);
	T_RUN(test_cancel_and_rearm);
	T_RUN(test_equal_deadlines);
	return t_done();
}
