/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * ring.h - the single-producer single-consumer ring of the lu2k channel,
 * one source for the kernel module and for user space.
 *
 * Shared state (in the region, see include/uapi/lu2k.h): a producer index, a
 * consumer index, a flags word and an array of 2^n fixed-size entries. The
 * indices run freely (they are never masked in memory, they wrap at 2^32);
 * entry i lives at desc[i & mask]. Empty: prod == cons. Full: prod - cons ==
 * entries.
 *
 * Each side keeps its own index privately (struct lu2k_ring) and only
 * publishes it; it never reads its own index back from shared memory, so the
 * other side cannot make it skip or repeat entries by scribbling on it. An
 * index read from the other side is checked: prod - cons must never exceed
 * entries; if it does, the peer is broken or hostile, lu2k_ring_*() return 0
 * (nothing to do) and set ->broken, and the caller drops the channel.
 *
 * Memory ordering. Two pairs:
 *  (1) the producer writes entries, then store-release(prod) [A];
 *      the consumer load-acquire(prod) [B], then reads entries.
 *      A/B: the consumer sees the entries the index covers.
 *  (2) the consumer reads entries, then store-release(cons) [C];
 *      the producer load-acquire(cons) [D], then overwrites those slots.
 *      C/D: a slot is not overwritten while it is being read.
 * Wake-ups (LU2K_RING_NEED_WAKEUP):
 *  (3) the consumer stores the flag, full barrier [E], re-reads prod;
 *      the producer stores prod, full barrier [F], reads the flag.
 *      E/F: either the consumer sees the new entries and does not sleep, or
 *      the producer sees the flag and kicks: a wake-up is never lost.
 */
#ifndef _LU2K_RING_H
#define _LU2K_RING_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/types.h>
#include <linux/string.h>
#include <asm/barrier.h>
/* acquire: pairs [B] with [A] and [D] with [C] (see above) */
#define lu2k_load_acquire(p)		smp_load_acquire(p)
/* release: pairs [A] with [B] and [C] with [D] (see above) */
#define lu2k_store_release(p, v)	smp_store_release(p, v)
#define lu2k_load_relaxed(p)		READ_ONCE(*(p))
#define lu2k_store_relaxed(p, v)	WRITE_ONCE(*(p), v)
/* full barrier: pairs [E] with [F] for the wake-up flag (see above) */
#define lu2k_full_barrier()		smp_mb()
#else
#include <errno.h>
#include <linux/types.h>
#include <stdbool.h>
#include <string.h>
#define lu2k_load_acquire(p)		__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define lu2k_store_release(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)
#define lu2k_load_relaxed(p)		__atomic_load_n(p, __ATOMIC_RELAXED)
#define lu2k_store_relaxed(p, v)	__atomic_store_n(p, v, __ATOMIC_RELAXED)
#define lu2k_full_barrier()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

#include "../uapi/lu2k.h"

/* the largest errno a status may carry (the kernel's MAX_ERRNO) */
#define LU2K_MAX_ERRNO 4095

/* One side's view of one ring. Not shared. */
struct lu2k_ring {
	__u32	*prod;
	__u32	*cons;
	__u32	*flags;
	__u8	*desc;
	__u32	mask;
	__u32	entry_size;
	__u32	head;		/* our own index: next to produce / consume */
	__u32	other;		/* last value read of the other side's index */
	bool	broken;		/* the other side published an impossible index */
};

/*
 * Bind a ring to its place in a region of region_size bytes. Checks that the
 * layout fits the region, is aligned and that entries is a power of two.
 * Returns 0 or -EINVAL. head/other start at 0 (a fresh region).
 */
static inline int lu2k_ring_bind(struct lu2k_ring *r, void *region, __u64 region_size,
				 const struct lu2k_ring_off *o, __u32 entry_size)
{
	__u64 end = (__u64)o->desc + (__u64)o->entries * entry_size;

	if (o->entries == 0 || (o->entries & (o->entries - 1)) != 0 ||
	    o->entry_size != entry_size || o->reserved[0] || o->reserved[1] ||
	    (o->prod | o->cons | o->flags | o->desc) & 3 ||
	    (__u64)o->prod + 4 > region_size || (__u64)o->cons + 4 > region_size ||
	    (__u64)o->flags + 4 > region_size || end > region_size)
		return -22; /* EINVAL, spelled out so this builds in both worlds */
	r->prod = (__u32 *)((__u8 *)region + o->prod);
	r->cons = (__u32 *)((__u8 *)region + o->cons);
	r->flags = (__u32 *)((__u8 *)region + o->flags);
	r->desc = (__u8 *)region + o->desc;
	r->mask = o->entries - 1;
	r->entry_size = entry_size;
	r->head = 0;
	r->other = 0;
	r->broken = false;
	return 0;
}

static inline void *lu2k_ring_slot(const struct lu2k_ring *r, __u32 idx)
{
	return r->desc + (unsigned long)(idx & r->mask) * r->entry_size;
}

/* ---- producer ---- */

/* How many entries can be written now (refreshes the consumer index [D]). */
static inline __u32 lu2k_ring_prod_space(struct lu2k_ring *r)
{
	__u32 used;

	r->other = lu2k_load_acquire(r->cons);	/* [D] pairs with [C] */
	used = r->head - r->other;
	if (used > r->mask + 1) {
		r->broken = true;
		return 0;
	}
	return r->mask + 1 - used;
}

/* The i-th free slot after the ones already published (i < space). */
static inline void *lu2k_ring_prod_slot(struct lu2k_ring *r, __u32 i)
{
	return lu2k_ring_slot(r, r->head + i);
}

/* Publish n written slots. */
static inline void lu2k_ring_prod_submit(struct lu2k_ring *r, __u32 n)
{
	r->head += n;
	lu2k_store_release(r->prod, r->head);	/* [A] pairs with [B] */
}

/* After submitting: must the consumer be kicked? */
static inline bool lu2k_ring_prod_needs_kick(struct lu2k_ring *r)
{
	lu2k_full_barrier();			/* [F] pairs with [E] */
	return lu2k_load_relaxed(r->flags) & LU2K_RING_NEED_WAKEUP;
}

/* Convenience: copy one entry in and publish it. Returns 0 or -ENOSPC. */
static inline int lu2k_ring_push(struct lu2k_ring *r, const void *entry)
{
	if (lu2k_ring_prod_space(r) == 0)
		return -ENOSPC;
	memcpy(lu2k_ring_prod_slot(r, 0), entry, r->entry_size);
	lu2k_ring_prod_submit(r, 1);
	return 0;
}

/* ---- consumer ---- */

/* How many entries can be read now (refreshes the producer index [B]). */
static inline __u32 lu2k_ring_cons_avail(struct lu2k_ring *r)
{
	__u32 avail;

	r->other = lu2k_load_acquire(r->prod);	/* [B] pairs with [A] */
	avail = r->other - r->head;
	if (avail > r->mask + 1) {
		r->broken = true;
		return 0;
	}
	return avail;
}

static inline void *lu2k_ring_cons_slot(struct lu2k_ring *r, __u32 i)
{
	return lu2k_ring_slot(r, r->head + i);
}

/* Give n read slots back to the producer. */
static inline void lu2k_ring_cons_release(struct lu2k_ring *r, __u32 n)
{
	r->head += n;
	lu2k_store_release(r->cons, r->head);	/* [C] pairs with [D] */
}

/*
 * Copy one entry out and release it: the copy is what the caller validates,
 * so the producer cannot change it after the check. Returns 1 or 0 (empty).
 */
static inline int lu2k_ring_pop(struct lu2k_ring *r, void *entry)
{
	if (lu2k_ring_cons_avail(r) == 0)
		return 0;
	memcpy(entry, lu2k_ring_cons_slot(r, 0), r->entry_size);
	lu2k_ring_cons_release(r, 1);
	return 1;
}

/*
 * Before sleeping: ask for a kick. Returns true if the ring is still empty
 * (go to sleep), false if entries arrived meanwhile (the flag is cleared
 * again; consume them first).
 */
static inline bool lu2k_ring_cons_prepare_sleep(struct lu2k_ring *r)
{
	lu2k_store_relaxed(r->flags, LU2K_RING_NEED_WAKEUP);
	lu2k_full_barrier();			/* [E] pairs with [F] */
	if (lu2k_ring_cons_avail(r) == 0 && !r->broken)
		return true;
	lu2k_store_relaxed(r->flags, 0);
	return false;
}

/* After waking up (or when busy-polling): no kicks wanted. */
static inline void lu2k_ring_cons_awake(struct lu2k_ring *r)
{
	lu2k_store_relaxed(r->flags, 0);
}

#endif /* _LU2K_RING_H */
