/* SPDX-License-Identifier: MIT */
/* hostile.h - lu2k-hostile's modes kept in files of their own. */
#ifndef LU2K_TOOLS_HOSTILE_H
#define LU2K_TOOLS_HOSTILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "auth/hs.h"

/* tcp-auth (hostile_auth.c): a listed key misbehaving inside the sealed stream. */
struct hostile_auth {
	const struct sockaddr_storage *target;
	socklen_t target_len;
	struct lu2k_hs_local local; /* --key */
	struct lu2k_key peer;	    /* --peer-key: the target's public key */
	struct lu2k_nid src, dst;
};

int hostile_tcp_auth(const struct hostile_auth *a);
/* udt-auth (hostile_udt_auth.c): the same insider against the sealed udt back-end. */
int hostile_udt_auth(const struct hostile_auth *a);
/*
 * udt-hsflood, tcp-hsflood (hostile_hsflood.c): valid-looking initiations
 * from sources addresses, each its own /24, pps a second for secs.
 */
int hostile_hsflood(const struct hostile_auth *a, bool udt, unsigned int sources, double secs,
		    uint64_t pps);

#endif
