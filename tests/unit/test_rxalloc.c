/* SPDX-License-Identifier: MIT */
/* Unit tests of the RX pool allocator (daemon/rxalloc.c). */
#include <errno.h>
#include <stdlib.h>

#include "daemon/rxalloc.h"
#include "../t.h"

#define BASE (1ull << 20)
#define SIZE (64ull << 20)

/* Free extents sorted, disjoint, not touching (coalesced), and the books balance. */
static int consistent(const struct lu2kd_rxalloc *a)
{
	uint64_t sum = 0, used = 0;

	for (uint32_t i = 0; i < a->nfree; i++) {
		if (!a->free[i].len || a->free[i].off < a->base ||
		    a->free[i].off + a->free[i].len > a->base + a->size)
			return 0;
		if (i && a->free[i - 1].off + a->free[i - 1].len >= a->free[i].off)
			return 0;
		sum += a->free[i].len;
	}
	for (uint32_t i = 0, n = 0; i <= a->used_mask; i++) {
		if (!a->used[i].len)
			continue;
		used += a->used[i].len;
		if (++n > a->nused)
			return 0;
	}
	return sum == a->free_bytes && sum + used == a->size;
}

static void test_sizes(void)
{
	struct lu2kd_rxalloc a;
	uint64_t off;
	uint32_t len;

	T_EQ(lu2kd_rxalloc_init(&a, BASE, SIZE), 0);
	T_EQ(lu2kd_rxalloc_alloc(&a, 0, &off, &len), 0);
	T_EQU(off, BASE);
	T_EQ(len, 64);
	T_EQ(lu2kd_rxalloc_alloc(&a, 1, &off, &len), 0);
	T_EQ(len, 64);
	T_EQU(off, BASE + 64);
	T_EQ(lu2kd_rxalloc_alloc(&a, 72, &off, &len), 0);
	T_EQ(len, 128);
	T_EQ(lu2kd_rxalloc_alloc(&a, (4u << 20) + 256, &off, &len), 0);
	T_EQ(len, (4u << 20) + 256);
	T_EQ(lu2kd_rxalloc_alloc(&a, SIZE + 1, &off, &len), -EMSGSIZE);
	T_ASSERT(consistent(&a));
	lu2kd_rxalloc_fini(&a);
	T_EQ(lu2kd_rxalloc_init(&a, 3, SIZE), -EINVAL);
	T_EQ(lu2kd_rxalloc_init(&a, BASE, 0), -EINVAL);
}

static void test_full_then_free(void)
{
	struct lu2kd_rxalloc a;
	uint64_t offs[16], off;
	uint32_t len;

	lu2kd_rxalloc_init(&a, BASE, SIZE);
	for (int i = 0; i < 16; i++)
		T_EQ(lu2kd_rxalloc_alloc(&a, 4u << 20, &offs[i], &len), 0);
	/* Full: backpressure, not failure. */
	T_EQ(lu2kd_rxalloc_alloc(&a, 0, &off, &len), -ENOSPC);
	T_EQ(a.free_bytes, 0);
	/* Free two neighbours: they coalesce into room for 8 MiB. */
	T_EQ(lu2kd_rxalloc_free(&a, offs[5], 4u << 20), 0);
	T_EQ(lu2kd_rxalloc_free(&a, offs[6], 4u << 20), 0);
	T_EQ(a.nfree, 1);
	T_EQ(lu2kd_rxalloc_alloc(&a, 8u << 20, &off, &len), 0);
	T_EQU(off, offs[5]);
	T_ASSERT(consistent(&a));
	lu2kd_rxalloc_fini(&a);
}

static void test_bad_frees(void)
{
	struct lu2kd_rxalloc a;
	uint64_t off;
	uint32_t len;

	lu2kd_rxalloc_init(&a, BASE, SIZE);
	T_EQ(lu2kd_rxalloc_alloc(&a, 1000, &off, &len), 0);
	T_EQ(lu2kd_rxalloc_free(&a, off + 64, len - 64), -EINVAL); /* inside a block */
	T_EQ(lu2kd_rxalloc_free(&a, off, len + 64), -EINVAL);	   /* wrong length */
	T_EQ(lu2kd_rxalloc_free(&a, BASE + SIZE, 64), -EINVAL);	   /* never handed out */
	T_EQ(lu2kd_rxalloc_free(&a, off, len), 0);
	T_EQ(lu2kd_rxalloc_free(&a, off, len), -EINVAL); /* twice */
	T_EQ(a.bad_frees, 4);
	T_EQ(a.nfree, 1);
	T_EQU(a.free_bytes, SIZE);
	T_ASSERT(consistent(&a));
	lu2kd_rxalloc_fini(&a);
}

static void test_random(void)
{
	enum { SLOTS = 512 };
	struct lu2kd_rxalloc a;
	uint64_t off[SLOTS];
	uint32_t len[SLOTS];

	srand(3);
	memset(len, 0, sizeof(len));
	lu2kd_rxalloc_init(&a, BASE, SIZE);
	for (int k = 0; k < 200000; k++) {
		int i = rand() % SLOTS;

		if (len[i]) {
			T_EQ(lu2kd_rxalloc_free(&a, off[i], len[i]), 0);
			len[i] = 0;
		} else {
			/* Mostly small, sometimes up to 4 MiB. */
			uint64_t want = rand() % 8 ? (uint64_t)(rand() % 9000)
						   : (uint64_t)(rand() % (4 << 20));
			int rc = lu2kd_rxalloc_alloc(&a, want, &off[i], &len[i]);

			if (rc == -ENOSPC) {
				len[i] = 0;
				continue;
			}
			T_EQ(rc, 0);
			T_ASSERT(len[i] >= want && off[i] % 64 == 0);
		}
		if (k % 5000 == 0)
			T_ASSERT(consistent(&a));
	}
	/* No two live blocks overlap. */
	for (int i = 0; i < SLOTS; i++)
		for (int j = i + 1; j < SLOTS; j++)
			if (len[i] && len[j])
				T_ASSERT(off[i] + len[i] <= off[j] || off[j] + len[j] <= off[i]);
	for (int i = 0; i < SLOTS; i++)
		if (len[i])
			T_EQ(lu2kd_rxalloc_free(&a, off[i], len[i]), 0);
	T_EQ(a.nfree, 1);
	T_EQU(a.free_bytes, SIZE);
	T_EQ(a.nused, 0);
	lu2kd_rxalloc_fini(&a);
}

/*
 * Small messages freed oldest first, the pool's usual order: thousands out
 * at once (the block table grows past its first 64 slots), each freed once;
 * a second free, a wrong length and an offset inside a block refused while
 * the table's probe chains are shortened under them.
 */
static void test_fifo(void)
{
	enum { OUT = 3000, ROUNDS = 5 };
	static uint64_t offs[OUT];
	struct lu2kd_rxalloc a;
	uint32_t len;

	lu2kd_rxalloc_init(&a, BASE, SIZE);
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < OUT; i++) {
			T_EQ(lu2kd_rxalloc_alloc(&a, 64 + (uint64_t)(i % 3) * 64, &offs[i], &len),
			     0);
			T_EQ(len, 64 + (i % 3) * 64);
		}
		T_EQ(a.nused, OUT);
		T_ASSERT(a.used_mask + 1 >= 2 * OUT);
		T_ASSERT(consistent(&a));
		for (int i = 0; i < OUT; i++) {
			uint32_t l = 64 + (uint32_t)(i % 3) * 64;

			/* inside this block, or the next one's start with a wrong length */
			T_EQ(lu2kd_rxalloc_free(&a, offs[i] + 64, 64), -EINVAL);
			T_EQ(lu2kd_rxalloc_free(&a, offs[i], l + 64), -EINVAL);
			T_EQ(lu2kd_rxalloc_free(&a, offs[i], l), 0);
			T_EQ(lu2kd_rxalloc_free(&a, offs[i], l), -EINVAL);
		}
		T_EQ(a.nused, 0);
		T_EQ(a.nfree, 1);
		T_EQU(a.free_bytes, SIZE);
		T_ASSERT(consistent(&a));
	}
	lu2kd_rxalloc_fini(&a);
}

int main(void)
{
	T_RUN(test_sizes);
	T_RUN(test_full_then_free);
	T_RUN(test_bad_frees);
	T_RUN(test_random);
	T_RUN(test_fifo);
	return t_done();
}
