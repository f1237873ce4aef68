/* SPDX-License-Identifier: MIT */
#include "cookie.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define EMPTY UINT32_MAX

int lu2k_cookies_init(struct lu2k_cookies *t, uint32_t cap)
{
	memset(t, 0, sizeof(*t));
	if (!cap || cap >= LU2K_COOKIE_BUSY)
		return -EINVAL;
	t->gen = calloc(cap, sizeof(uint32_t));
	t->next = calloc(cap, sizeof(uint32_t));
	if (!t->gen || !t->next) {
		lu2k_cookies_fini(t);
		return -ENOMEM;
	}
	t->cap = cap;
	/* Lowest slots first: keeps the hot part of the table small. */
	for (uint32_t i = 0; i < cap; i++)
		t->next[i] = i + 1 < cap ? i + 1 : EMPTY;
	t->free_head = 0;
	return 0;
}

void lu2k_cookies_fini(struct lu2k_cookies *t)
{
	free(t->gen);
	free(t->next);
	memset(t, 0, sizeof(*t));
}

int lu2k_cookies_get(struct lu2k_cookies *t, uint64_t *cookie)
{
	uint32_t s = t->free_head;

	if (s == EMPTY)
		return -ENOSPC;
	t->free_head = t->next[s];
	t->next[s] = LU2K_COOKIE_BUSY;
	if (++t->gen[s] == 0)
		t->gen[s] = 1;
	t->used++;
	*cookie = ((uint64_t)t->gen[s] << 32) | s;
	return (int)s;
}

int lu2k_cookies_lookup(const struct lu2k_cookies *t, uint64_t cookie)
{
	uint32_t s = (uint32_t)cookie, g = (uint32_t)(cookie >> 32);

	if (s >= t->cap || g == 0 || g != t->gen[s])
		return -ENOENT;
	if (t->next[s] != LU2K_COOKIE_BUSY)
		return -EALREADY;
	return (int)s;
}

void lu2k_cookies_put(struct lu2k_cookies *t, uint32_t slot)
{
	if (slot >= t->cap || t->next[slot] != LU2K_COOKIE_BUSY)
		return;
	t->next[slot] = t->free_head;
	t->free_head = slot;
	t->used--;
}

int lu2k_cookies_busy(const struct lu2k_cookies *t, uint32_t slot)
{
	return slot < t->cap && t->next[slot] == LU2K_COOKIE_BUSY;
}
