/* SPDX-License-Identifier: MIT */
/*
 * heap.h - the timer heap: a binary min-heap of deadlines (CLOCK_MONOTONIC
 * nanoseconds). Each timer remembers its slot, so cancel and re-arm are
 * O(log n) without a search. Timers are embedded in their owners; the heap
 * only holds pointers (it grows its array by doubling).
 */
#ifndef LU2K_COMMON_HEAP_H
#define LU2K_COMMON_HEAP_H

#include <stdbool.h>
#include <stdint.h>

struct lu2k_timer;
typedef void (*lu2k_timer_fn)(struct lu2k_timer *t);

struct lu2k_timer {
	uint64_t deadline; /* ns, CLOCK_MONOTONIC */
	uint32_t slot;	   /* index in the heap + 1; 0 = not armed */
	lu2k_timer_fn fn;
};

struct lu2k_heap {
	struct lu2k_timer **a;
	uint32_t n, cap;
};

void lu2k_heap_timer_init(struct lu2k_timer *t, lu2k_timer_fn fn);

static inline bool lu2k_heap_timer_armed(const struct lu2k_timer *t)
{
	return t->slot != 0;
}

/* Arm t at deadline (re-arming moves it). Returns 0 or -ENOMEM. */
int lu2k_heap_add(struct lu2k_heap *h, struct lu2k_timer *t, uint64_t deadline);
/* Disarm t; harmless if not armed. */
void lu2k_heap_del(struct lu2k_heap *h, struct lu2k_timer *t);
/* The earliest timer, or NULL. */
struct lu2k_timer *lu2k_heap_top(const struct lu2k_heap *h);
/* Remove and return the earliest timer whose deadline is <= now, or NULL. */
struct lu2k_timer *lu2k_heap_pop_expired(struct lu2k_heap *h, uint64_t now);
void lu2k_heap_free(struct lu2k_heap *h);

#endif
