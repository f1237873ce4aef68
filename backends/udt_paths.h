/* SPDX-License-Identifier: MIT */
/*
 * udt_paths.h - what the udt back-end remembers of the paths to its peers
 * between connections: the congestion control's rate and least RTT when an
 * outgoing connection ended, by peer address and port, so that the next
 * connection there starts near that rate (udt_config.init_rate_pps) instead
 * of at UDT's 32 packets per round trip. A reconnect after a failure, or
 * after lu2kd's idle close, is common on long links, and a cold start at
 * 600 ms costs a second or two of the link.
 *
 * Entries expire (paths change: another route, a satellite handover, a link
 * shared with more traffic); a full table forgets its oldest entry. The
 * engine starts below the remembered rate and drops it on heavy loss
 * (doc/udt-cc.md), so a stale entry costs a round trip or so.
 */
#ifndef LU2K_BACKENDS_UDT_PATHS_H
#define LU2K_BACKENDS_UDT_PATHS_H

#include <stdint.h>
#include <sys/socket.h>

#include "udt_memo.h"

#define UDTB_PATHS_N 128
#define UDTB_MSS_N   32
/* how long a listener's smaller MSS is remembered: a reconfigured peer is asked again */
#define UDTB_MSS_TTL_NS (3600ull * 1000000000ull)

struct udtb_path {
	struct udtb_memo_key k; /* the peer's address; no local one */
	uint32_t rate_pps, rtt_us;
};

/*
 * Listeners that took a smaller MSS than ours (udt_conn_peer_mss): a first
 * flight is cut at our MSS before the response tells theirs, and one cut
 * larger than theirs breaks its connection (proto/udt/conn_early.c). The
 * next connection there asks for theirs and keeps its first flight. Apart
 * from the rates: remembered whatever paths_ttl says, and not forgotten by a
 * failure (the failure is how it is learnt).
 */
struct udtb_mss {
	struct udtb_memo_key k; /* the listener's address; no local one */
	int32_t mss;
};

struct udtb_paths {
	struct udtb_path e[UDTB_PATHS_N];
	struct udtb_mss mss[UDTB_MSS_N];
	uint64_t ttl_ns; /* 0: remember nothing */
	uint64_t learnt, used, expired;
	uint64_t mss_learnt, mss_used;
};

void udtb_paths_init(struct udtb_paths *p, uint64_t ttl_ns);
/* Remembers (or refreshes) a path; a rate of 0 forgets it. */
void udtb_paths_put(struct udtb_paths *p, const struct sockaddr_storage *addr, uint32_t rate_pps,
		    uint32_t rtt_us, uint64_t now_ns);
/* 1 and the rate and RTT if the path is known and not expired, else 0. */
int udtb_paths_get(struct udtb_paths *p, const struct sockaddr_storage *addr, uint64_t now_ns,
		   uint32_t *rate_pps, uint32_t *rtt_us);

/* Remembers that the listener at addr takes at most mss. */
void udtb_paths_mss_put(struct udtb_paths *p, const struct sockaddr_storage *addr, int32_t mss,
			uint64_t now_ns);
/* The MSS to ask of addr's listener: mss, or less if it took less lately. */
int32_t udtb_paths_mss_get(struct udtb_paths *p, const struct sockaddr_storage *addr, int32_t mss,
			   uint64_t now_ns);

#endif
