// SPDX-License-Identifier: MIT
/*
 * tcp_sockinfo.c - TCP_INFO read with the kernel's own struct tcp_info:
 * glibc's copy in <netinet/tcp.h> stops before tcpi_bytes_acked, and the
 * two headers cannot be included in one file, so this file has only the
 * kernel's.
 */
#include "tcp_sockinfo.h"

#include <errno.h>
#include <stddef.h>
#include <linux/tcp.h>
#include <string.h>
#include <sys/socket.h>

#ifndef SOL_TCP
#define SOL_TCP 6
#endif

int lu2k_tcp_sockinfo(int fd, struct lu2k_tcp_sockinfo *si)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len))
		return -errno;
	si->rtt_us = ti.tcpi_rtt;
	/* a kernel older than 4.1 fills less: no byte count (0) rather than garbage */
	si->bytes_acked =
		len >= offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof(ti.tcpi_bytes_acked)
			? ti.tcpi_bytes_acked
			: 0;
	si->total_retrans = ti.tcpi_total_retrans;
	si->segs_out = len >= offsetof(struct tcp_info, tcpi_segs_out) + sizeof(ti.tcpi_segs_out)
			       ? ti.tcpi_segs_out
			       : 0;
	si->notsent_known = len >= offsetof(struct tcp_info, tcpi_notsent_bytes) +
					   sizeof(ti.tcpi_notsent_bytes);
	si->notsent_bytes = si->notsent_known ? ti.tcpi_notsent_bytes : 0;
	return 0;
}
