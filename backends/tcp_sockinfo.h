/* SPDX-License-Identifier: MIT */
/*
 * tcp_sockinfo.h - what the kernel's TCP knows of a connected socket, for
 * lu2kctl conns and lu2k-perf's progress.
 */
#ifndef LU2K_TCP_SOCKINFO_H
#define LU2K_TCP_SOCKINFO_H

#include <stdint.h>

struct lu2k_tcp_sockinfo {
	uint32_t rtt_us;
	uint64_t bytes_acked; /* bytes the peer's TCP acknowledged, framing included */
};

/* 0, or -errno (not a TCP socket, closed). */
int lu2k_tcp_sockinfo(int fd, struct lu2k_tcp_sockinfo *si);

#endif
