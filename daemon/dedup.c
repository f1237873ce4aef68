/* SPDX-License-Identifier: MIT */
/*
 * dedup.c - which message ids a receiving daemon has delivered (dedup.h).
 */
#include "dedup.h"

#include <string.h>

#define W LU2K_DEDUP_WINDOW

void lu2kd_dedup_init(struct lu2kd_dedup *dd)
{
	memset(dd, 0, sizeof(*dd));
}

static void clear_bit(struct lu2kd_dedup *dd, uint64_t id)
{
	dd->bits[(id % W) / 64] &= ~(1ull << (id % 64));
}

/* Forget the ids below low: their bits serve ids a window further on. */
static void advance(struct lu2kd_dedup *dd, uint64_t low)
{
	if (low <= dd->base)
		return;
	if (low - dd->base >= W)
		memset(dd->bits, 0, sizeof(dd->bits));
	else
		for (uint64_t id = dd->base; id < low; id++)
			clear_bit(dd, id);
	dd->base = low;
}

enum lu2kd_dedup_verdict lu2kd_dedup_check(struct lu2kd_dedup *dd, const struct lu2k_be_msgid *mid)
{
	if (mid->id < mid->low || mid->id - mid->low >= W)
		return LU2K_DEDUP_BAD;
	if (mid->epoch != dd->epoch) {
		/* a new sender (or a restarted one): what we knew is about another */
		memset(dd->bits, 0, sizeof(dd->bits));
		dd->epoch = mid->epoch;
		dd->base = mid->low;
		dd->epochs++;
	}
	advance(dd, mid->low);
	if (mid->id < dd->base || dd->bits[(mid->id % W) / 64] & (1ull << (mid->id % 64))) {
		dd->dups++;
		return LU2K_DEDUP_DUP;
	}
	/* base <= low of some copy <= its id: any id of a rule-abiding sender fits */
	if (mid->id - dd->base >= W)
		return LU2K_DEDUP_BAD;
	return LU2K_DEDUP_NEW;
}

void lu2kd_dedup_mark(struct lu2kd_dedup *dd, const struct lu2k_be_msgid *mid)
{
	if (mid->epoch == dd->epoch && mid->id >= dd->base && mid->id - dd->base < W)
		dd->bits[(mid->id % W) / 64] |= 1ull << (mid->id % 64);
}
