/* SPDX-License-Identifier: MIT */
/*
 * tcp_sockinfo.h - what the kernel's TCP knows of a connected socket, for
 * lu2kctl conns, lu2k-perf's progress and multipath's path_stats.
 */
#ifndef LU2K_TCP_SOCKINFO_H
#define LU2K_TCP_SOCKINFO_H

#include <stdbool.h>
#include <stdint.h>

struct lu2k_tcp_sockinfo {
	uint32_t rtt_us;
	uint64_t bytes_acked; /* bytes the peer's TCP acknowledged, framing included */
	/* 0 where the kernel does not say (older than 4.6) */
	uint64_t segs_out;	/* segments sent, retransmissions included */
	uint64_t total_retrans; /* of which retransmitted */
	uint64_t notsent_bytes; /* in the socket's buffer, never sent yet */
	bool notsent_known;
};

/* 0, or -errno (not a TCP socket, closed). */
int lu2k_tcp_sockinfo(int fd, struct lu2k_tcp_sockinfo *si);

#endif
