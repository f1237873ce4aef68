// SPDX-License-Identifier: MIT
/*
 * linkem_heap.c - binary min-heap of packets by (deliver_ns, seq).
 */
#include <errno.h>
#include <stdlib.h>

#include "linkem.h"

static inline int before(const struct linkem_pkt *a, const struct linkem_pkt *b)
{
	if (a->deliver_ns != b->deliver_ns)
		return a->deliver_ns < b->deliver_ns;
	return a->seq < b->seq;
}

void linkem_heap_init(struct linkem_heap *h)
{
	h->v = NULL;
	h->n = 0;
	h->cap = 0;
}

void linkem_heap_destroy(struct linkem_heap *h)
{
	free(h->v);
	linkem_heap_init(h);
}

int linkem_heap_push(struct linkem_heap *h, struct linkem_pkt *pkt)
{
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;
		struct linkem_pkt **v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	i = h->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!before(pkt, h->v[parent]))
			break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = pkt;
	return 0;
}

struct linkem_pkt *linkem_heap_top(const struct linkem_heap *h)
{
	return h->n ? h->v[0] : NULL;
}

struct linkem_pkt *linkem_heap_pop(struct linkem_heap *h)
{
	struct linkem_pkt *top, *last;
	size_t i = 0;

	if (!h->n)
		return NULL;
	top = h->v[0];
	last = h->v[--h->n];
	/* sift the last element down from the root */
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(h->v[c + 1], h->v[c]))
			c++;
		if (!before(h->v[c], last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
	return top;
}
