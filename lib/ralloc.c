/* SPDX-License-Identifier: MIT */
#include "ralloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FREE_BIT 0x80000000U
#define LEN_MASK 0x7fffffffU
#define NIL	 UINT32_MAX
#define SL_LOG	 4 /* log2(LU2K_RALLOC_SL) */

static unsigned int ilog2(uint32_t v)
{
	return 31 - (unsigned int)__builtin_clz(v);
}

/* The list a free range of n units belongs to. */
static void mapping_insert(uint32_t n, unsigned int *fl, unsigned int *sl)
{
	unsigned int l;

	if (n < LU2K_RALLOC_SL) {
		*fl = 0;
		*sl = n;
		return;
	}
	l = ilog2(n);
	*fl = l - SL_LOG + 1;
	*sl = (n >> (l - SL_LOG)) ^ LU2K_RALLOC_SL;
}

/* The first list whose every range holds at least n units. */
static void mapping_search(uint32_t n, unsigned int *fl, unsigned int *sl)
{
	if (n >= LU2K_RALLOC_SL)
		n += (1U << (ilog2(n) - SL_LOG)) - 1;
	mapping_insert(n, fl, sl);
}

static bool is_start(const struct lu2k_ralloc *a, uint32_t u)
{
	return a->start[u / 64] >> (u % 64) & 1;
}

static void set_start(struct lu2k_ralloc *a, uint32_t u, bool on)
{
	if (on)
		a->start[u / 64] |= 1ULL << (u % 64);
	else
		a->start[u / 64] &= ~(1ULL << (u % 64));
}

static void set_range(struct lu2k_ralloc *a, uint32_t u, uint32_t n, bool free)
{
	uint32_t t = n | (free ? FREE_BIT : 0);

	a->tag[u] = t;
	a->tag[u + n - 1] = t;
	set_start(a, u, true);
}

static void list_insert(struct lu2k_ralloc *a, uint32_t u, uint32_t n)
{
	unsigned int fl, sl;
	uint32_t h;

	mapping_insert(n, &fl, &sl);
	h = a->head[fl][sl];
	a->next[u] = h;
	a->prev[u] = NIL;
	if (h != NIL)
		a->prev[h] = u;
	a->head[fl][sl] = u;
	a->fl_bitmap |= 1U << fl;
	a->sl_bitmap[fl] |= 1U << sl;
}

static void list_remove(struct lu2k_ralloc *a, uint32_t u, uint32_t n)
{
	unsigned int fl, sl;
	uint32_t nx = a->next[u], pv = a->prev[u];

	mapping_insert(n, &fl, &sl);
	if (nx != NIL)
		a->prev[nx] = pv;
	if (pv != NIL) {
		a->next[pv] = nx;
	} else {
		a->head[fl][sl] = nx;
		if (nx == NIL) {
			a->sl_bitmap[fl] &= ~(1U << sl);
			if (!a->sl_bitmap[fl])
				a->fl_bitmap &= ~(1U << fl);
		}
	}
}

void lu2k_ralloc_reset(struct lu2k_ralloc *a)
{
	a->fl_bitmap = 0;
	memset(a->sl_bitmap, 0, sizeof(a->sl_bitmap));
	for (int i = 0; i < LU2K_RALLOC_FL; i++)
		for (int j = 0; j < LU2K_RALLOC_SL; j++)
			a->head[i][j] = NIL;
	memset(a->start, 0, ((a->units + 63) / 64) * sizeof(uint64_t));
	a->used = 0;
	a->nr_out = 0;
	set_range(a, 0, a->units, true);
	list_insert(a, 0, a->units);
}

int lu2k_ralloc_init(struct lu2k_ralloc *a, uint64_t size, unsigned int unit_shift)
{
	uint64_t units = size >> unit_shift;

	memset(a, 0, sizeof(*a));
	if (unit_shift > 20 || !units || units << unit_shift != size || units > LEN_MASK)
		return -EINVAL;
	a->units = (uint32_t)units;
	a->unit_shift = unit_shift;
	a->tag = calloc(units, sizeof(uint32_t));
	a->next = calloc(units, sizeof(uint32_t));
	a->prev = calloc(units, sizeof(uint32_t));
	a->start = calloc((units + 63) / 64, sizeof(uint64_t));
	if (!a->tag || !a->next || !a->prev || !a->start) {
		lu2k_ralloc_fini(a);
		return -ENOMEM;
	}
	lu2k_ralloc_reset(a);
	return 0;
}

void lu2k_ralloc_fini(struct lu2k_ralloc *a)
{
	free(a->tag);
	free(a->next);
	free(a->prev);
	free(a->start);
	memset(a, 0, sizeof(*a));
}

int64_t lu2k_ralloc_alloc(struct lu2k_ralloc *a, uint64_t len)
{
	uint64_t n64 = len ? (len + (1ULL << a->unit_shift) - 1) >> a->unit_shift : 1;
	unsigned int fl, sl;
	uint32_t n, u, have, map;

	if (n64 > a->units)
		return -ENOSPC;
	n = (uint32_t)n64;
	mapping_search(n, &fl, &sl);
	if (fl >= LU2K_RALLOC_FL)
		return -ENOSPC;
	map = sl < 32 ? a->sl_bitmap[fl] & (~0U << sl) : 0;
	if (!map) {
		map = fl + 1 < 32 ? a->fl_bitmap & (~0U << (fl + 1)) : 0;
		if (!map)
			return -ENOSPC;
		fl = (unsigned int)__builtin_ctz(map);
		map = a->sl_bitmap[fl];
	}
	sl = (unsigned int)__builtin_ctz(map);
	u = a->head[fl][sl];
	have = a->tag[u] & LEN_MASK;
	list_remove(a, u, have);
	if (have > n) {
		set_range(a, u + n, have - n, true);
		list_insert(a, u + n, have - n);
	}
	set_range(a, u, n, false);
	a->used += (uint64_t)n << a->unit_shift;
	a->nr_out++;
	return (int64_t)((uint64_t)u << a->unit_shift);
}

uint64_t lu2k_ralloc_size(const struct lu2k_ralloc *a, uint64_t off)
{
	uint64_t u = off >> a->unit_shift;

	if (u >= a->units || (u << a->unit_shift) != off || !is_start(a, (uint32_t)u) ||
	    (a->tag[u] & FREE_BIT))
		return 0;
	return (uint64_t)(a->tag[u] & LEN_MASK) << a->unit_shift;
}

int lu2k_ralloc_free(struct lu2k_ralloc *a, uint64_t off)
{
	uint32_t u, n;

	if (!lu2k_ralloc_size(a, off))
		return -EINVAL;
	u = (uint32_t)(off >> a->unit_shift);
	n = a->tag[u] & LEN_MASK;
	a->used -= (uint64_t)n << a->unit_shift;
	a->nr_out--;
	if (u + n < a->units && (a->tag[u + n] & FREE_BIT)) {
		uint32_t rn = a->tag[u + n] & LEN_MASK;

		list_remove(a, u + n, rn);
		set_start(a, u + n, false);
		n += rn;
	}
	if (u > 0 && (a->tag[u - 1] & FREE_BIT)) {
		uint32_t ln = a->tag[u - 1] & LEN_MASK;

		list_remove(a, u - ln, ln);
		set_start(a, u, false);
		u -= ln;
		n += ln;
	}
	set_range(a, u, n, true);
	list_insert(a, u, n);
	return 0;
}
