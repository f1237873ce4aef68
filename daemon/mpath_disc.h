/* SPDX-License-Identifier: MIT */
/*
 * mpath_disc.h - multipath discovery: a peer tells its other addresses in
 * its hello (backend.h, struct lu2k_be_addrs), we tell ours (multipath_addr
 * lines), and each address told gets a path from the one of ours that
 * reaches it (doc/multipath.md, "Discovery"). The lu2kd_mpath_peer_addrs()
 * upcall is declared in mpath.h.
 */
#ifndef LU2K_DAEMON_MPATH_DISC_H
#define LU2K_DAEMON_MPATH_DISC_H

#include <stdbool.h>

#include "backends/backend.h"

struct lu2kd;
struct lu2kd_chan;
struct lu2kd_peer;

/* multipath = on and multipath_discover = on. */
bool lu2kd_disc_active(const struct lu2kd *d);
/* Our addresses to tell a peer of ch (multipath_addr lines, ch's family and network). */
unsigned int lu2kd_disc_ours(const struct lu2kd *d, const struct lu2kd_chan *ch,
			     struct lu2k_be_addrs *out);
/*
 * A warning for each multipath_addr that ch's NID cannot tell (another
 * address family: an IPv6 address beside an IPv4 NID, or the reverse).
 */
void lu2kd_disc_warn_family(const struct lu2kd *d, const struct lu2kd_chan *ch);
/*
 * Which of our addresses (ch's NID's or a multipath_addr) reaches remote:
 * the one whose interface's prefix holds it, else the routing table's
 * source towards it if that is one of ours. 0, or -ENETUNREACH.
 */
int lu2kd_disc_local_for(const struct lu2kd *d, const struct lu2kd_chan *ch,
			 const struct lu2k_nid *remote, struct lu2k_nid *local);
/* Did p's hello tell from's address (accept = strict)? */
bool lu2kd_disc_told(const struct lu2kd_peer *p, const struct lu2k_nid *from);

/*
 * nid's lu2kd closed a hello with our addresses (an older one): remember
 * it, so that this daemon says plain hellos to it from now on (the last
 * LU2KD_DISC_OLD_MAX such NIDs); and is nid one of them?
 */
void lu2kd_disc_old_add(struct lu2kd *d, const struct lu2k_nid *nid);
bool lu2kd_disc_old(const struct lu2kd *d, const struct lu2k_nid *nid);

/* mpath.c: p's hello told new addresses: make paths to them if p is multipath. */
void lu2kd_mpath_grow(struct lu2kd_peer *p);

#endif
