/* SPDX-License-Identifier: MIT */
/*
 * losslist.h - a set of sequence numbers kept as sorted, disjoint ranges.
 *
 * Serves as both UDT loss lists: the sender's (sequence numbers to
 * retransmit, taken smallest first) and the receiver's (holes to report in
 * NAKs, removed as retransmissions arrive). With random loss most ranges are
 * one packet long; the ranges live in one array searched by bisection, so
 * every operation costs O(log n) plus, for inserts and splits, one memmove of
 * the shorter side of the array: taking the first number never moves memory,
 * and work near either end stays cheap (10k holes: ~120 ns per operation).
 *
 * All numbers in one list must lie within 2^30 of each other (the engine's
 * windows are far smaller), so that the wrap-around comparison is exact.
 */
#ifndef LU2K_UDT_LOSSLIST_H
#define LU2K_UDT_LOSSLIST_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"

/*
 * A range and, for the receiver's list, its report history: the NAK timer
 * repeats a range only k round trips after its last report, k growing with
 * each report (draft-gg-udt's rule), not every range on every expiry; and a
 * data packet the sender sent after redo_ts (its clock, the packets'
 * timestamp) shows that the repair the last report asked for was lost
 * (conn_out.c, udt_send_nak_redo).
 */
struct udt_lrange {
	uint32_t first, last; /* inclusive */
	uint32_t reports;     /* NAKs that carried this range so far */
	uint32_t redo_ts;     /* with reports: see above */
	uint32_t echoed;      /* the first report was repeated at a stream's end */
	uint64_t report_ns;   /* when the last of them was sent */
};

struct udt_losslist {
	struct udt_lrange *r; /* ranges r[head .. head + n) */
	size_t head, n, cap;
	size_t cap0;	/* the size it starts with, and shrinks back to */
	uint64_t count; /* sequence numbers in the set */
};

int udt_loss_init(struct udt_losslist *l, size_t cap_hint);
void udt_loss_free(struct udt_losslist *l);
void udt_loss_clear(struct udt_losslist *l);
/*
 * Gives back the array a burst of losses grew, keeping the ranges: down to
 * the starting size, or the least power-of-two multiple of it that is at
 * most half full. Returns the bytes freed (0: nothing to give back, or no
 * memory for the smaller array, and the list is as it was).
 */
size_t udt_loss_trim(struct udt_losslist *l);

/*
 * Adds [first, last]; returns how many numbers were new, or -ENOMEM. A range
 * made of new numbers only starts with no reports; a merge keeps the history
 * of the range it grows.
 */
int64_t udt_loss_insert(struct udt_losslist *l, uint32_t first, uint32_t last);
/* Removes [first, last]; returns how many numbers were removed, or -ENOMEM. */
int64_t udt_loss_remove_range(struct udt_losslist *l, uint32_t first, uint32_t last);
/* Removes one number; returns 1 if it was present, 0 if not, or -ENOMEM. */
int udt_loss_remove(struct udt_losslist *l, uint32_t seq);
/* Removes every number up to and including seq. */
int64_t udt_loss_remove_upto(struct udt_losslist *l, uint32_t seq);
int udt_loss_contains(const struct udt_losslist *l, uint32_t seq);
/* The range holding seq, NULL if none; valid until the list changes. */
struct udt_lrange *udt_loss_find(const struct udt_losslist *l, uint32_t seq);

/* The smallest number; 0 if the set is empty. */
int udt_loss_first(const struct udt_losslist *l, uint32_t *seq);
/* Takes the smallest number out of the set; 0 if the set is empty. */
int udt_loss_pop(struct udt_losslist *l, uint32_t *seq);

static inline uint64_t udt_loss_count(const struct udt_losslist *l)
{
	return l->count;
}

static inline size_t udt_loss_nranges(const struct udt_losslist *l)
{
	return l->n;
}

static inline struct udt_lrange *udt_loss_ranges(const struct udt_losslist *l)
{
	return l->r + l->head;
}

#endif
