/* SPDX-License-Identifier: MIT */
/*
 * accept.c - may a hello claim this NID from that address (config key
 * "accept", as LNet's accept= for socklnd)?
 *
 * A hello names its sender's NID, and lu2kd believes it: LNet hands that
 * NID to its upper layers as the sender and sends its replies (an ACK, a
 * GET's REPLY) there, so lu2kd connects out to the NID's address. Until
 * keys prove who speaks (issue 15), "strict" ties a NID to the address it
 * comes from: the NID's address must be the connection's source, which
 * the transport's handshake (tcp's three-way, udt's cookie) proved can
 * receive. The one exception is a connection from this host to itself
 * (two daemons on one machine): the kernel picks a local source address
 * that need not be the NID's, so a local source may claim a local NID.
 * "any" believes every hello (NAT, or a multi-homed peer whose routing
 * table picks another source address than its NID's).
 *
 * Everything about which NIDs a connection may claim goes through
 * lu2kd_accept_check(), so that authentication (a key's NID ranges) fits
 * in beside it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "common/nid.h"
#include "core.h"

/* The address part only; an IPv4-mapped IPv6 address is its IPv4 address. */
static int addr_of(const struct sockaddr_storage *ss, uint8_t out[16])
{
	if (ss->ss_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)(const void *)ss)->sin_addr, 4);
		return 4;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a =
			&((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(out, &a->s6_addr[12], 4);
			return 4;
		}
		memcpy(out, a, 16);
		return 16;
	}
	return -1;
}

/* Is this one of the host's own addresses? Only those can be bound. */
static bool addr_is_local(const struct sockaddr_storage *ss)
{
	struct sockaddr_storage b = *ss;
	socklen_t len;
	bool local;
	int fd;

	if (b.ss_family == AF_INET) {
		((struct sockaddr_in *)(void *)&b)->sin_port = 0;
		len = sizeof(struct sockaddr_in);
	} else if (b.ss_family == AF_INET6) {
		((struct sockaddr_in6 *)(void *)&b)->sin6_port = 0;
		len = sizeof(struct sockaddr_in6);
	} else {
		return false;
	}
	fd = socket(b.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	local = bind(fd, (struct sockaddr *)&b, len) == 0;
	close(fd);
	return local;
}

const char *lu2kd_accept_str(int mode)
{
	return mode == LU2KD_ACCEPT_ANY ? "any" : "strict";
}

int lu2kd_accept_check(int mode, const struct lu2k_nid *nid, const struct sockaddr_storage *from)
{
	struct sockaddr_storage ns;
	uint8_t a[16], b[16];
	int la, lb;

	if (mode == LU2KD_ACCEPT_ANY)
		return 0;
	if (!from || lu2k_nid_to_sockaddr(nid, 0, &ns) < 0)
		return -EACCES;
	la = addr_of(from, a);
	lb = addr_of(&ns, b);
	if (la > 0 && la == lb && !memcmp(a, b, (size_t)la))
		return 0;
	if (addr_is_local(from) && addr_is_local(&ns))
		return 0;
	return -EACCES;
}
