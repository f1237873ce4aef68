/* SPDX-License-Identifier: MIT */
/*
 * config_path.h - the extra paths to a peer (multipath, doc/multipath.md):
 *
 *   multipath = on
 *   path = PEER_NID LOCAL REMOTE     e.g. path = 10.1.0.2@lu2k 10.2.0.1 10.2.0.2
 *
 * A peer always has its NID's own address as its first path; each line adds
 * one more: messages to PEER_NID may also go to its address REMOTE, and this
 * daemon also listens on its own address LOCAL for the peer's paths to it.
 * Both addresses are of one family and differ from every other path's.
 */
#ifndef LU2K_DAEMON_CONFIG_PATH_H
#define LU2K_DAEMON_CONFIG_PATH_H

#include <stddef.h>
#include <sys/socket.h>

#include "uapi/lu2k.h"

#define LU2KD_MAX_PATHS	   32
#define LU2KD_MAX_MP_ADDRS 8 /* multipath_addr lines (backend.h: LU2K_BE_MAX_ADDRS) */

struct lu2kd_path_cfg {
	struct lu2k_nid peer;	/* the peer's NID */
	struct lu2k_nid local;	/* our address, on the peer's network */
	struct lu2k_nid remote; /* the peer's other address, on its network */
};

/*
 * Parse one "PEER_NID LOCAL REMOTE" against the paths already set (have, n).
 * 0, or -EINVAL with why filled.
 */
int lu2kd_path_parse(const char *value, const struct lu2kd_path_cfg *have, unsigned int n,
		     struct lu2kd_path_cfg *out, char *why, size_t whylen);

/*
 * "multipath_addr = ADDRESS": one of this daemon's other addresses, told to
 * multipath peers in the hello (discovery, doc/multipath.md). Parsed into
 * out (port 0) against the n already set; 0, or -EINVAL with why.
 */
int lu2kd_mp_addr_parse(const char *value, const struct sockaddr_storage *have, unsigned int n,
			struct sockaddr_storage *out, char *why, size_t whylen);

#endif
