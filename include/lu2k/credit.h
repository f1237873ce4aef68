/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * credit.h - send credits, one rule for both kernel halves (the module and
 * liblu2k), so that what a peer may have in flight does not depend on which
 * one sends.
 *
 * As LNet counts them: a message holds one credit of its interface and one of
 * its next hop (the target, unless routed) from the moment a send accepts it
 * until it is done: the daemon's completion, the failure of everything still
 * out when the daemon detaches, or an error before it reached the TX ring. A
 * message the kernel half timed out itself (an orphan, policy.h) keeps both
 * until the daemon's completion. A send past either bound gets -EAGAIN and
 * takes nothing; the caller retries after completions.
 *
 * The bounds are the setup's: credits at most the ring's entries (the cookie
 * table and the daemon's completions are sized by it), peer_credits at most
 * credits, both at least 1 (lu2k_credit_limits()).
 *
 * The caller keeps the counters (the interface's here, each peer's one __u32)
 * and serialises the calls: the module under ni->lock, liblu2k by its rule
 * of one thread at a time per interface.
 */
#ifndef _LU2K_CREDIT_H
#define _LU2K_CREDIT_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/types.h>
#else
#include <errno.h>
#include <linux/types.h>
#endif

struct lu2k_credit {
	__u32 credits;		/* messages in flight on the interface, at most */
	__u32 peer_credits;	/* ... to one next hop, at most */
	__u32 inflight;		/* holding a credit now */
	__u32 inflight_max;	/* the most at once (the caller may reset it) */
};

/* The bounds a kernel half offers in its setup, from what it was asked for. */
static inline void lu2k_credit_limits(__u32 *credits, __u32 *peer_credits, __u32 ring_entries)
{
	__u32 c = *credits, p = *peer_credits;

	if (c > ring_entries)
		c = ring_entries;
	if (c < 1)
		c = 1;
	if (p > c)
		p = c;
	if (p < 1)
		p = 1;
	*credits = c;
	*peer_credits = p;
}

/* One credit of the interface and one of the peer: 0, or -EAGAIN (nothing taken). */
static inline int lu2k_credit_take(struct lu2k_credit *c, __u32 *peer_inflight)
{
	if (c->inflight >= c->credits || *peer_inflight >= c->peer_credits)
		return -EAGAIN;
	c->inflight++;
	(*peer_inflight)++;
	if (c->inflight > c->inflight_max)
		c->inflight_max = c->inflight;
	return 0;
}

/* A message is done: its two credits come back (never below zero). */
static inline void lu2k_credit_give(struct lu2k_credit *c, __u32 *peer_inflight)
{
	if (!c->inflight || !*peer_inflight)
		return;
	c->inflight--;
	(*peer_inflight)--;
}

#endif /* _LU2K_CREDIT_H */
