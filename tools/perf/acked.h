/* SPDX-License-Identifier: MIT */
/*
 * acked.h - lu2k-perf's progress inside messages: the bytes that lu2kd's
 * transport has had acknowledged on its connections to the peer, read from
 * lu2kd's control socket once per --interval. liblu2k reports a message
 * only when it is whole, so a 4 MiB message over a slow link shows nothing
 * for seconds; the transport's acknowledgements show it moving.
 */
#ifndef LU2K_PERF_ACKED_H
#define LU2K_PERF_ACKED_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/nid.h"

struct perf_acked {
	const char *path; /* lu2kd's control socket */
	struct lu2k_nid peer;
	bool off;      /* unreachable once: said why, not asked again */
	bool have;     /* last is valid */
	uint64_t last; /* the sum at the previous read */
};

/*
 * The control socket that goes with a channel socket: ctl if given, else
 * the channel socket's path with ".sock" replaced by ".ctl" (lu2kd's
 * defaults, /run/lu2k/lu2kd.sock and /run/lu2k/lu2kd.ctl, and the tests'
 * naming), else NULL (no progress from acknowledgements).
 */
const char *perf_acked_path(const char *ctl, const char *chan, char *buf, size_t len);

void perf_acked_init(struct perf_acked *a, const char *path, const struct lu2k_nid *peer);

/*
 * Bytes acknowledged since the previous call (the first call sets the base
 * and returns 0), or -1 if unknown. The first failure is explained on why
 * (if not NULL) and turns the reading off for the run.
 */
int64_t perf_acked_poll(struct perf_acked *a, FILE *why);

/*
 * The sum of "bytes_acked" over the outgoing connections to peer in an
 * answer to lu2kd's "conns" command, or -1 if it has none or is not one.
 */
int64_t perf_acked_sum(const char *answer, const struct lu2k_nid *peer);

#endif
