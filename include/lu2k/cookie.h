/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * cookie.h - the cookies of TX descriptors, one table for both kernel halves
 * (the module and liblu2k), so that the daemon's completions are judged by
 * the same rule whichever sent the message.
 *
 * A cookie names one message on the TX ring: (generation << 32) | slot. The
 * slot says where the sender keeps the message's state; the generation (never
 * 0, moved at every use of the slot) makes a cookie unique for 2^32 uses of
 * one slot. A completion is accepted only for a cookie that was issued and is
 * still out; anything else is unknown (never issued, forged, or from an older
 * use of the slot) or a duplicate (completed already), and the sender counts
 * it and drops it. Slots are given out lowest first from a free stack, so the
 * hot part of the table stays small.
 *
 * The sender allocates the table (lu2k_cookie_tab_bytes(cap), zeroed) and
 * serialises every call on it: the module under ni->lock, liblu2k by its
 * rule of one thread at a time per interface. Nothing here sleeps or
 * allocates.
 */
#ifndef _LU2K_COOKIE_H
#define _LU2K_COOKIE_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/types.h>
#else
#include <errno.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#endif

#define LU2K_COOKIE_EMPTY	0xffffffffU	/* end of the free stack */
#define LU2K_COOKIE_BUSY	0xfffffffeU	/* ->next of a slot that is out */
#define LU2K_COOKIE_MAX_CAP	LU2K_COOKIE_BUSY

struct lu2k_cookie_slot {
	__u32 gen;	/* generation of the last cookie issued from this slot */
	__u32 next;	/* free-stack link, or LU2K_COOKIE_BUSY */
};

struct lu2k_cookie_tab {
	__u32 cap;
	__u32 used;
	__u32 free_head;
	__u32 pad;
	struct lu2k_cookie_slot slot[];
};

static inline __u64 lu2k_cookie_make(__u32 slot, __u32 gen)
{
	return ((__u64)gen << 32) | slot;
}

static inline __u32 lu2k_cookie_slot_of(__u64 cookie)
{
	return (__u32)cookie;
}

static inline __u32 lu2k_cookie_gen_of(__u64 cookie)
{
	return (__u32)(cookie >> 32);
}

/* Bytes of a table of cap slots (0 for an impossible cap). */
static inline size_t lu2k_cookie_tab_bytes(__u32 cap)
{
	if (!cap || cap >= LU2K_COOKIE_MAX_CAP)
		return 0;
	return sizeof(struct lu2k_cookie_tab) + (size_t)cap * sizeof(struct lu2k_cookie_slot);
}

/* A zeroed table of lu2k_cookie_tab_bytes(cap) bytes: all slots free. */
static inline int lu2k_cookie_tab_init(struct lu2k_cookie_tab *t, __u32 cap)
{
	__u32 i;

	if (!lu2k_cookie_tab_bytes(cap))
		return -EINVAL;
	t->cap = cap;
	t->used = 0;
	t->free_head = 0;
	for (i = 0; i < cap; i++)
		t->slot[i].next = i + 1 < cap ? i + 1 : LU2K_COOKIE_EMPTY;
	return 0;
}

/* Issue a cookie: its slot (>= 0) and *cookie, or -ENOSPC when all cap are out. */
static inline int lu2k_cookie_get(struct lu2k_cookie_tab *t, __u64 *cookie)
{
	__u32 s = t->free_head;

	if (s == LU2K_COOKIE_EMPTY)
		return -ENOSPC;
	t->free_head = t->slot[s].next;
	t->slot[s].next = LU2K_COOKIE_BUSY;
	if (++t->slot[s].gen == 0)
		t->slot[s].gen = 1;
	t->used++;
	*cookie = lu2k_cookie_make(s, t->slot[s].gen);
	return (int)s;
}

/* Slot of a cookie that is out; -ENOENT (never issued) or -EALREADY (completed). */
static inline int lu2k_cookie_lookup(const struct lu2k_cookie_tab *t, __u64 cookie)
{
	__u32 s = lu2k_cookie_slot_of(cookie), g = lu2k_cookie_gen_of(cookie);

	if (s >= t->cap || g == 0 || g != t->slot[s].gen)
		return -ENOENT;
	if (t->slot[s].next != LU2K_COOKIE_BUSY)
		return -EALREADY;
	return (int)s;
}

static inline bool lu2k_cookie_busy(const struct lu2k_cookie_tab *t, __u32 slot)
{
	return slot < t->cap && t->slot[slot].next == LU2K_COOKIE_BUSY;
}

/* The slot's message is done: its cookie is no longer valid (a second put does nothing). */
static inline void lu2k_cookie_put(struct lu2k_cookie_tab *t, __u32 slot)
{
	if (!lu2k_cookie_busy(t, slot))
		return;
	t->slot[slot].next = t->free_head;
	t->free_head = slot;
	t->used--;
}

#endif /* _LU2K_COOKIE_H */
