/* SPDX-License-Identifier: MIT */
/*
 * cookie.h - the table of messages handed to the daemon and not yet completed.
 *
 * A cookie names one TX descriptor: (generation << 32) | slot. The slot says
 * where its state is, the generation (never 0, bumped at every use of the
 * slot) makes a cookie unique for 2^32 uses of one slot. A completion is only
 * accepted for a cookie that was issued and is still out: anything else is
 * unknown (never issued, or forged) or a duplicate (completed already), and
 * the caller counts it and drops it.
 */
#ifndef LU2K_LIB_COOKIE_H
#define LU2K_LIB_COOKIE_H

#include <stdint.h>

struct lu2k_cookies {
	uint32_t cap;
	uint32_t used;
	uint32_t free_head; /* stack of free slots, UINT32_MAX = empty */
	uint32_t *gen;	    /* generation of the last cookie issued per slot */
	uint32_t *next;	    /* free-stack link, or LU2K_COOKIE_BUSY */
};

#define LU2K_COOKIE_BUSY (UINT32_MAX - 1)

int lu2k_cookies_init(struct lu2k_cookies *t, uint32_t cap);
void lu2k_cookies_fini(struct lu2k_cookies *t);

/* Issue a cookie: its slot (>= 0) and *cookie, or -ENOSPC when cap are out. */
int lu2k_cookies_get(struct lu2k_cookies *t, uint64_t *cookie);

/* Slot of a cookie that is out, -ENOENT (never issued) or -EALREADY (completed). */
int lu2k_cookies_lookup(const struct lu2k_cookies *t, uint64_t cookie);

/* The slot's message is complete: its cookie is no longer valid. */
void lu2k_cookies_put(struct lu2k_cookies *t, uint32_t slot);

/* Is this slot out? (to walk every message in flight) */
int lu2k_cookies_busy(const struct lu2k_cookies *t, uint32_t slot);

#endif
