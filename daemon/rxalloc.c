/* SPDX-License-Identifier: MIT */
#include "rxalloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int grow(struct lu2kd_extent **arr, uint32_t *cap, uint32_t n)
{
	struct lu2kd_extent *na;
	uint32_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	na = realloc(*arr, ncap * sizeof(*na));
	if (!na)
		return -ENOMEM;
	*arr = na;
	*cap = ncap;
	return 0;
}

/* Index of the first extent with off >= key. */
static uint32_t lower_bound(const struct lu2kd_extent *arr, uint32_t n, uint64_t key)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (arr[mid].off < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void arr_insert(struct lu2kd_extent *arr, uint32_t *n, uint32_t i, struct lu2kd_extent e)
{
	memmove(&arr[i + 1], &arr[i], (*n - i) * sizeof(*arr));
	arr[i] = e;
	(*n)++;
}

static void arr_remove(struct lu2kd_extent *arr, uint32_t *n, uint32_t i)
{
	memmove(&arr[i], &arr[i + 1], (*n - i - 1) * sizeof(*arr));
	(*n)--;
}

#define USED_MIN_SLOTS 64

static uint32_t used_slot(const struct lu2kd_rxalloc *a, uint64_t off)
{
	uint64_t k = (off / LU2K_RXALLOC_ALIGN) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(k >> 32) & a->used_mask;
}

/* The slot holding off, or the empty slot where it would go. */
static uint32_t used_find(const struct lu2kd_rxalloc *a, uint64_t off)
{
	uint32_t i = used_slot(a, off);

	while (a->used[i].len && a->used[i].off != off)
		i = (i + 1) & a->used_mask;
	return i;
}

/* At most half full, so that a probe ends soon. */
static int used_room(struct lu2kd_rxalloc *a)
{
	struct lu2kd_extent *old = a->used, *nu;
	uint32_t oslots = a->used_mask + 1, nslots;

	if (old && 2 * (a->nused + 1) <= oslots)
		return 0;
	nslots = old ? oslots * 2 : USED_MIN_SLOTS;
	nu = calloc(nslots, sizeof(*nu));
	if (!nu)
		return -ENOMEM;
	a->used = nu;
	a->used_mask = nslots - 1;
	for (uint32_t i = 0; old && i < oslots; i++)
		if (old[i].len)
			a->used[used_find(a, old[i].off)] = old[i];
	free(old);
	return 0;
}

/* Linear probing's deletion: what probed past slot i moves back into it. */
static void used_remove(struct lu2kd_rxalloc *a, uint32_t i)
{
	uint32_t j = i;

	for (;;) {
		uint32_t home;

		j = (j + 1) & a->used_mask;
		if (!a->used[j].len)
			break;
		home = used_slot(a, a->used[j].off);
		/* j's entry may fill i unless its home lies cyclically in (i, j] */
		if (((j - home) & a->used_mask) >= ((j - i) & a->used_mask)) {
			a->used[i] = a->used[j];
			i = j;
		}
	}
	a->used[i].len = 0;
	a->nused--;
}

int lu2kd_rxalloc_init(struct lu2kd_rxalloc *a, uint64_t base, uint64_t size)
{
	memset(a, 0, sizeof(*a));
	if (!size || base % LU2K_RXALLOC_ALIGN || size % LU2K_RXALLOC_ALIGN)
		return -EINVAL;
	a->base = base;
	a->size = size;
	if (grow(&a->free, &a->free_cap, 0) || used_room(a)) {
		lu2kd_rxalloc_fini(a);
		return -ENOMEM;
	}
	a->free[0] = (struct lu2kd_extent){ base, size };
	a->nfree = 1;
	a->free_bytes = size;
	return 0;
}

void lu2kd_rxalloc_fini(struct lu2kd_rxalloc *a)
{
	free(a->free);
	free(a->used);
	a->free = a->used = NULL;
	a->nfree = a->nused = a->free_cap = a->used_mask = 0;
}

int lu2kd_rxalloc_alloc(struct lu2kd_rxalloc *a, uint64_t len, uint64_t *off, uint32_t *alloc_len)
{
	uint64_t need = len ? (len + LU2K_RXALLOC_ALIGN - 1) & ~(uint64_t)(LU2K_RXALLOC_ALIGN - 1)
			    : LU2K_RXALLOC_ALIGN;
	uint32_t i;

	if (len > a->size || need > a->size || need > UINT32_MAX)
		return -EMSGSIZE;
	if (used_room(a))
		return -ENOMEM;
	for (i = 0; i < a->nfree; i++)
		if (a->free[i].len >= need)
			break;
	if (i == a->nfree) {
		a->fails++;
		return -ENOSPC;
	}
	*off = a->free[i].off;
	*alloc_len = (uint32_t)need;
	a->free[i].off += need;
	a->free[i].len -= need;
	if (!a->free[i].len)
		arr_remove(a->free, &a->nfree, i);
	a->used[used_find(a, *off)] = (struct lu2kd_extent){ *off, need };
	a->nused++;
	a->free_bytes -= need;
	a->allocs++;
	return 0;
}

int lu2kd_rxalloc_free(struct lu2kd_rxalloc *a, uint64_t off, uint64_t alloc_len)
{
	uint32_t u = used_find(a, off), i;
	struct lu2kd_extent e;
	bool merged = false;

	if (!a->used[u].len || a->used[u].len != alloc_len) {
		a->bad_frees++;
		return -EINVAL;
	}
	if (grow(&a->free, &a->free_cap, a->nfree))
		return -ENOMEM; /* the block stays out; the caller may retry */
	e = a->used[u];
	used_remove(a, u);
	i = lower_bound(a->free, a->nfree, off);
	/* Merge with the extent before, then with the one after. */
	if (i > 0 && a->free[i - 1].off + a->free[i - 1].len == e.off) {
		a->free[i - 1].len += e.len;
		merged = true;
		if (i < a->nfree && a->free[i - 1].off + a->free[i - 1].len == a->free[i].off) {
			a->free[i - 1].len += a->free[i].len;
			arr_remove(a->free, &a->nfree, i);
		}
	} else if (i < a->nfree && e.off + e.len == a->free[i].off) {
		a->free[i].off = e.off;
		a->free[i].len += e.len;
		merged = true;
	}
	if (!merged)
		arr_insert(a->free, &a->nfree, i, e);
	a->free_bytes += e.len;
	a->frees++;
	return 0;
}

uint64_t lu2kd_rxalloc_largest(const struct lu2kd_rxalloc *a)
{
	uint64_t m = 0;

	for (uint32_t i = 0; i < a->nfree; i++)
		if (a->free[i].len > m)
			m = a->free[i].len;
	return m;
}
