/* SPDX-License-Identifier: MIT */
/*
 * rxalloc.h - the daemon's allocator for the RX pool of one channel.
 *
 * First fit over a list of free extents kept sorted by offset, with
 * coalescing on free; sizes round up to 64 bytes (a cache line, so two
 * messages never share one). Allocated blocks are kept in a hash table by
 * offset, so a FREE descriptor from the kernel half is accepted only if it
 * names exactly a block that is out (offset and length), once. (A sorted
 * array did that before: blocks are freed oldest first, so every FREE
 * shifted the whole array, 4 KiB with 256 small messages out.) The free
 * list holds at most one entry per outstanding message, and a few in
 * practice; no pointer lives in the pool.
 */
#ifndef LU2K_DAEMON_RXALLOC_H
#define LU2K_DAEMON_RXALLOC_H

#include <stdint.h>

#define LU2K_RXALLOC_ALIGN 64

struct lu2kd_extent {
	uint64_t off;
	uint64_t len;
};

struct lu2kd_rxalloc {
	uint64_t base, size; /* the pool: [base, base + size) in region offsets */
	struct lu2kd_extent *free;
	uint32_t nfree, free_cap;
	/* blocks that are out: open addressing by offset, len 0 = empty slot */
	struct lu2kd_extent *used;
	uint32_t nused, used_mask; /* used_mask + 1 slots, a power of two */
	uint64_t free_bytes;
	uint64_t allocs, frees, fails, bad_frees;
};

/* base and size must be multiples of LU2K_RXALLOC_ALIGN. 0 or -EINVAL/-ENOMEM. */
int lu2kd_rxalloc_init(struct lu2kd_rxalloc *a, uint64_t base, uint64_t size);
void lu2kd_rxalloc_fini(struct lu2kd_rxalloc *a);

/*
 * Allocate len bytes (0 is allowed and takes one granule). Returns 0 with
 * *off and *alloc_len set, -ENOSPC when no free extent is large enough now
 * (wait for FREEs), -EMSGSIZE when len can never fit, -ENOMEM.
 */
int lu2kd_rxalloc_alloc(struct lu2kd_rxalloc *a, uint64_t len, uint64_t *off, uint32_t *alloc_len);

/* Return a block. 0, or -EINVAL if (off, alloc_len) is not a block that is out. */
int lu2kd_rxalloc_free(struct lu2kd_rxalloc *a, uint64_t off, uint64_t alloc_len);

/* Largest single allocation possible right now. */
uint64_t lu2kd_rxalloc_largest(const struct lu2kd_rxalloc *a);

#endif
