/* SPDX-License-Identifier: MIT */
/*
 * halfopen.h - which unproven connection (accepted, no hello yet) makes room
 * for a new one when all of them together are at their cap (max_halfopen),
 * or the fds run short: the oldest of the /24 (IPv4) or /64 (IPv6) that
 * holds the most, so that many prefixes of attackers never lock out a prefix
 * that holds few, nor one attacker its own prefix's honest peers. Shared
 * by the tcp and udt back-ends; no I/O, no clock.
 */
#ifndef LU2K_BACKENDS_HALFOPEN_H
#define LU2K_BACKENDS_HALFOPEN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/list.h"

/* A prefix: the family, then the /24's 3 bytes or the /64's 8 (IPv4-mapped IPv6: its /24). */
struct lu2k_halfopen_key {
	uint8_t b[9];
};

/* ip: 4 bytes (AF_INET) or 16 (AF_INET6). */
void lu2k_halfopen_key(struct lu2k_halfopen_key *k, int family, const uint8_t *ip);
/* The same from a socket address (AF_INET or AF_INET6). */
struct sockaddr_storage;
void lu2k_halfopen_key_ss(struct lu2k_halfopen_key *k, const struct sockaddr_storage *ss);

/*
 * keys[0..n): the unproven connections, oldest first; nk: a new one's
 * prefix. Returns the index of the one to close so that the new one may
 * come in: the oldest of the prefix that holds the most once the new one is
 * counted in its own (the oldest such prefix on a tie). A prefix that holds
 * the most thus renews itself (an honest connector there still gets in, and
 * has until its prefix opens as many more to say hello), and one that holds
 * few takes from it. -1: none (n is 0), or no memory to tell: refuse the
 * new one instead.
 */
int32_t lu2k_halfopen_victim(const struct lu2k_halfopen_key *keys, uint32_t n,
			     const struct lu2k_halfopen_key *nk);

/*
 * The same over a back-end's list of connections: key_of() says whether the
 * connection at a list node is unproven (and gives its prefix); at most n
 * of them are looked at, in list order (oldest first). Returns the node of
 * the one to close, or NULL (none, or no memory: refuse the new one).
 */
struct lu2k_list *lu2k_halfopen_pick(struct lu2k_list *conns, uint32_t n,
				     bool (*key_of)(struct lu2k_list *node,
						    struct lu2k_halfopen_key *k),
				     const struct lu2k_halfopen_key *nk);

/* The cap in force: max_halfopen, or a quarter of max_conns where it is 0. */
static inline uint32_t lu2k_halfopen_cap(uint32_t max_halfopen, uint32_t max_conns)
{
	if (max_halfopen)
		return max_halfopen;
	return max_conns / 4 ? max_conns / 4 : 1;
}

#endif
