/* SPDX-License-Identifier: MIT */
/*
 * ralloc.h - a range allocator for a buffer pool in the shared region.
 *
 * Hands out contiguous ranges (one message: LNet header + payload, 0 .. 4 MiB)
 * of a pool in units of 2^unit_shift bytes, with two-level segregated free
 * lists (TLSF): alloc and free are O(1), a range is never split across a
 * wrap, and freed neighbours merge at once, so a pool does not fragment under
 * mixed sizes. All bookkeeping lives outside the pool (the pool is shared
 * memory the other side could scribble on), and free() checks that it is
 * given the start of a range that is really out.
 */
#ifndef LU2K_LIB_RALLOC_H
#define LU2K_LIB_RALLOC_H

#include <stdint.h>

#define LU2K_RALLOC_FL 32
#define LU2K_RALLOC_SL 16

struct lu2k_ralloc {
	uint32_t units; /* pool size in units */
	unsigned int unit_shift;
	uint32_t *tag;	       /* at a range's first and last unit: length | FREE */
	uint32_t *next, *prev; /* free-list links, at a free range's first unit */
	uint64_t *start;       /* bitmap: unit starts a range */
	uint32_t fl_bitmap;
	uint32_t sl_bitmap[LU2K_RALLOC_FL];
	uint32_t head[LU2K_RALLOC_FL][LU2K_RALLOC_SL];
	uint64_t used;	 /* bytes out (rounded to units) */
	uint32_t nr_out; /* ranges out */
};

/* A pool of size bytes (a multiple of the unit, < 2^31 units). 0 or -EINVAL/-ENOMEM. */
int lu2k_ralloc_init(struct lu2k_ralloc *a, uint64_t size, unsigned int unit_shift);
void lu2k_ralloc_fini(struct lu2k_ralloc *a);
/* Everything free again (after the other side went away). */
void lu2k_ralloc_reset(struct lu2k_ralloc *a);

/* Offset of a free range of at least len bytes, or -ENOSPC. */
int64_t lu2k_ralloc_alloc(struct lu2k_ralloc *a, uint64_t len);
/* Bytes of the range out at off (rounded up to units), or 0 if none starts there. */
uint64_t lu2k_ralloc_size(const struct lu2k_ralloc *a, uint64_t off);
/* Give back the range out at off. 0, or -EINVAL (not the start of a range out). */
int lu2k_ralloc_free(struct lu2k_ralloc *a, uint64_t off);

#endif
