/* SPDX-License-Identifier: MIT */
#include "heap.h"

#include <errno.h>
#include <stdlib.h>

void lu2k_heap_timer_init(struct lu2k_timer *t, lu2k_timer_fn fn)
{
	t->deadline = 0;
	t->slot = 0;
	t->fn = fn;
}

static void place(struct lu2k_heap *h, uint32_t i, struct lu2k_timer *t)
{
	h->a[i] = t;
	t->slot = i + 1;
}

static void sift_up(struct lu2k_heap *h, uint32_t i)
{
	struct lu2k_timer *t = h->a[i];

	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (h->a[p]->deadline <= t->deadline)
			break;
		place(h, i, h->a[p]);
		i = p;
	}
	place(h, i, t);
}

static void sift_down(struct lu2k_heap *h, uint32_t i)
{
	struct lu2k_timer *t = h->a[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->a[c + 1]->deadline < h->a[c]->deadline)
			c++;
		if (t->deadline <= h->a[c]->deadline)
			break;
		place(h, i, h->a[c]);
		i = c;
	}
	place(h, i, t);
}

void lu2k_heap_del(struct lu2k_heap *h, struct lu2k_timer *t)
{
	uint32_t i;
	struct lu2k_timer *last;

	if (!t->slot)
		return;
	i = t->slot - 1;
	t->slot = 0;
	last = h->a[--h->n];
	if (i == h->n)
		return;
	place(h, i, last);
	/* The moved timer may belong above or below its new slot. */
	if (i > 0 && h->a[(i - 1) / 2]->deadline > last->deadline)
		sift_up(h, i);
	else
		sift_down(h, i);
}

int lu2k_heap_add(struct lu2k_heap *h, struct lu2k_timer *t, uint64_t deadline)
{
	if (t->slot)
		lu2k_heap_del(h, t);
	if (h->n == h->cap) {
		uint32_t cap = h->cap ? h->cap * 2 : 64;
		struct lu2k_timer **a = realloc(h->a, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		h->a = a;
		h->cap = cap;
	}
	t->deadline = deadline;
	h->a[h->n] = t;
	h->n++;
	sift_up(h, h->n - 1);
	return 0;
}

struct lu2k_timer *lu2k_heap_top(const struct lu2k_heap *h)
{
	return h->n ? h->a[0] : NULL;
}

struct lu2k_timer *lu2k_heap_pop_expired(struct lu2k_heap *h, uint64_t now)
{
	struct lu2k_timer *t = lu2k_heap_top(h);

	if (!t || t->deadline > now)
		return NULL;
	lu2k_heap_del(h, t);
	return t;
}

void lu2k_heap_free(struct lu2k_heap *h)
{
	for (uint32_t i = 0; i < h->n; i++)
		h->a[i]->slot = 0;
	free(h->a);
	h->a = NULL;
	h->n = h->cap = 0;
}
