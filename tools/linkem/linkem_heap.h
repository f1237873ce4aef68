/* SPDX-License-Identifier: MIT */
/*
 * linkem_heap.h - the delay line: packets ordered by delivery time.
 *
 * A binary min-heap keyed by (deliver_ns, seq); seq breaks ties in push
 * order, so equal delivery times come out first-in first-out and runs are
 * deterministic. Without reordering the keys arrive in order and a push
 * costs one comparison.
 */
#ifndef LU2K_LINKEM_HEAP_H
#define LU2K_LINKEM_HEAP_H

#include <stddef.h>

struct linkem_pkt;

struct linkem_heap {
	struct linkem_pkt **v;
	size_t n, cap;
};

void linkem_heap_init(struct linkem_heap *h);
/* Frees the array (not the packets). */
void linkem_heap_destroy(struct linkem_heap *h);
/* Returns 0 or -ENOMEM. */
int linkem_heap_push(struct linkem_heap *h, struct linkem_pkt *pkt);
/* The earliest packet, or NULL. */
struct linkem_pkt *linkem_heap_top(const struct linkem_heap *h);
/* Removes and returns the earliest packet, or NULL. */
struct linkem_pkt *linkem_heap_pop(struct linkem_heap *h);

#endif
