/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * policy.h - the rules both kernel halves follow (the module and liblu2k),
 * so that a message's fate does not depend on which one sent it.
 *
 * The daemon times a message out after its timeout_ms and completes it with
 * an error. A kernel half that has no completion timeout + grace after the
 * message went to the daemon gives its caller -ETIMEDOUT itself, and keeps
 * the message's TX range, credits and cookie (an orphan) until the daemon's
 * own completion comes: the daemon may still be reading the range.
 */
#ifndef _LU2K_POLICY_H
#define _LU2K_POLICY_H

#include <linux/types.h>

/* the grace's default: the module's timeout_grace_ms, liblu2k's params.timeout_grace_ms */
#define LU2K_DEF_TIMEOUT_GRACE_MS 5000

/* ms after sending at which the kernel half fails a message the daemon has not completed */
static inline __u64 lu2k_orphan_after_ms(__u32 timeout_ms, __u32 grace_ms)
{
	return (__u64)timeout_ms + grace_ms;
}

#endif
