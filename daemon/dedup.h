/* SPDX-License-Identifier: MIT */
/*
 * dedup.h - the receiving daemon's memory of message ids (multipath).
 *
 * A multipath sender (mpath.c) gives each message to one path; when a path
 * dies it takes back what the path held and sends it again on another. The
 * first copy may have arrived anyway (its acknowledgement was lost with the
 * path), so the receiver must tell a second copy from a new message. Each
 * copy carries the same id (struct lu2k_be_msgid: epoch, id, low):
 *
 *   - ids grow by one per message within an epoch (a random number the
 *     sender draws for each peer it sends to over several paths);
 *   - low is the smallest id the sender has not settled (delivered or
 *     failed for good) when it sent this copy: a copy of an id below it can
 *     only be one the sender no longer waits for, so it is dropped (either
 *     it was delivered, or its failure was already reported to LNet: at
 *     most once either way);
 *   - the sender keeps id - low < LU2K_DEDUP_WINDOW, so the receiver needs
 *     one bit per id in [low, low + window).
 *
 * A copy is delivered only if its bit is clear; the bit is set once the
 * kernel half has the message, so a copy that failed halfway leaves room for
 * the next. A new epoch (the sender restarted, or forgot the peer) starts
 * afresh. No I/O, no clock: tests/unit/test_dedup.c.
 */
#ifndef LU2K_DAEMON_DEDUP_H
#define LU2K_DAEMON_DEDUP_H

#include <stdbool.h>
#include <stdint.h>

#include "backends/backend.h"

#define LU2K_DEDUP_WINDOW 4096u

struct lu2kd_dedup {
	uint32_t epoch;
	uint64_t base; /* ids below: settled; bit (id % window) for the others */
	uint64_t bits[LU2K_DEDUP_WINDOW / 64];
	uint64_t dups, epochs;
};

enum lu2kd_dedup_verdict {
	LU2K_DEDUP_NEW, /* deliver it, then lu2kd_dedup_mark() */
	LU2K_DEDUP_DUP, /* a copy of one delivered or settled: drop it, acknowledge it */
	LU2K_DEDUP_BAD, /* out of the window (a sender breaking the rules) */
};

void lu2kd_dedup_init(struct lu2kd_dedup *dd);
/* What to do with a copy of mid (epoch != 0); moves the window by mid->low. */
enum lu2kd_dedup_verdict lu2kd_dedup_check(struct lu2kd_dedup *dd, const struct lu2k_be_msgid *mid);
/* mid (checked NEW just before) is delivered. */
void lu2kd_dedup_mark(struct lu2kd_dedup *dd, const struct lu2k_be_msgid *mid);

#endif
