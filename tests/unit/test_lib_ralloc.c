/* SPDX-License-Identifier: MIT */
/* The TX pool range allocator against a shadow model: no overlap, all in bounds, full merge. */
#include <errno.h>
#include <stdlib.h>

#include "lib/ralloc.h"
#include "../t.h"

#define UNIT 256
#define POOL (4ULL << 20)

static void test_basic(void)
{
	struct lu2k_ralloc a;
	int64_t o1, o2, o3;

	T_EQ(lu2k_ralloc_init(&a, POOL, 8), 0);
	o1 = lu2k_ralloc_alloc(&a, 0); /* empty message still gets a unit */
	o2 = lu2k_ralloc_alloc(&a, 72 + 64);
	o3 = lu2k_ralloc_alloc(&a, 1 << 20);
	T_ASSERT(o1 >= 0 && o2 >= 0 && o3 >= 0);
	T_EQU(lu2k_ralloc_size(&a, (uint64_t)o1), UNIT);
	T_EQU(lu2k_ralloc_size(&a, (uint64_t)o3), 1 << 20);
	T_EQU(lu2k_ralloc_size(&a, (uint64_t)o3 + UNIT), 0); /* not a start */
	T_EQ(lu2k_ralloc_free(&a, (uint64_t)o3 + UNIT), -EINVAL);
	T_EQ(lu2k_ralloc_free(&a, (uint64_t)o2), 0);
	T_EQ(lu2k_ralloc_free(&a, (uint64_t)o2), -EINVAL); /* double free */
	T_EQ(lu2k_ralloc_free(&a, POOL), -EINVAL);	   /* out of the pool */
	T_EQ(lu2k_ralloc_free(&a, 3), -EINVAL);		   /* unaligned */
	T_EQ(lu2k_ralloc_free(&a, (uint64_t)o1), 0);
	T_EQ(lu2k_ralloc_free(&a, (uint64_t)o3), 0);
	T_EQ(a.nr_out, 0);
	/* everything merged back: the whole pool in one piece */
	o1 = lu2k_ralloc_alloc(&a, POOL);
	T_EQ(o1, 0);
	T_EQ(lu2k_ralloc_alloc(&a, 1), -ENOSPC);
	T_EQ(lu2k_ralloc_alloc(&a, POOL + 1), -ENOSPC);
	lu2k_ralloc_reset(&a);
	T_EQ(a.used, 0);
	T_EQ(lu2k_ralloc_alloc(&a, POOL), 0);
	lu2k_ralloc_fini(&a);
	T_EQ(lu2k_ralloc_init(&a, POOL + 1, 8), -EINVAL);
}

static void test_random_vs_model(void)
{
	enum { MAXOUT = 512 };
	static uint8_t owner[POOL / UNIT]; /* 0 free, else 1 + index of the range */
	struct {
		int64_t off;
		uint64_t len;
	} out[MAXOUT];
	struct lu2k_ralloc a;
	int nout = 0, fails = 0;

	memset(owner, 0, sizeof(owner));
	T_EQ(lu2k_ralloc_init(&a, POOL, 8), 0);
	srand(1);
	for (int i = 0; i < 200000; i++) {
		if (nout < MAXOUT && (rand() % 100 < 55 || nout == 0)) {
			uint64_t len = rand() % 4 ? (uint64_t)(rand() % 9000)
						  : (uint64_t)(rand() % (1 << 20));
			int64_t off = lu2k_ralloc_alloc(&a, len);

			if (off == -ENOSPC) {
				fails++;
				continue;
			}
			T_ASSERT(off >= 0 && (uint64_t)off + len <= POOL && off % UNIT == 0);
			for (uint64_t u = (uint64_t)off / UNIT;
			     u < ((uint64_t)off + len + UNIT - 1) / UNIT; u++) {
				T_EQ(owner[u], 0);
				owner[u] = 1;
			}
			T_ASSERT(lu2k_ralloc_size(&a, (uint64_t)off) >= len);
			out[nout].off = off;
			out[nout].len = len;
			nout++;
		} else {
			int k = rand() % nout;
			uint64_t off = (uint64_t)out[k].off;

			for (uint64_t u = off / UNIT; u < (off + out[k].len + UNIT - 1) / UNIT; u++)
				owner[u] = 0;
			T_EQ(lu2k_ralloc_free(&a, off), 0);
			out[k] = out[--nout];
		}
	}
	while (nout)
		T_EQ(lu2k_ralloc_free(&a, (uint64_t)out[--nout].off), 0);
	T_EQ(a.used, 0);
	T_EQ(lu2k_ralloc_alloc(&a, POOL), 0); /* no fragments left behind */
	T_ASSERT(fails < 200000);
	lu2k_ralloc_fini(&a);
}

static void test_mixed_sizes_fill(void)
{
	/* A 64 MiB pool holds 15 messages of 4 MiB + header (no power-of-two waste). */
	struct lu2k_ralloc a;
	int n = 0;

	T_EQ(lu2k_ralloc_init(&a, 64ULL << 20, 8), 0);
	while (lu2k_ralloc_alloc(&a, (4U << 20) + 256) >= 0)
		n++;
	T_EQ(n, 15);
	lu2k_ralloc_fini(&a);
}

int main(void)
{
	T_RUN(test_basic);
	T_RUN(test_random_vs_model);
	T_RUN(test_mixed_sizes_fill);
	return t_done();
}
