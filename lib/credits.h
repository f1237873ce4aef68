/* SPDX-License-Identifier: MIT */
/*
 * credits.h - liblu2k's peers and their send credits. The rules (what a
 * message holds, when it comes back, the bounds) are include/lu2k/credit.h,
 * the module's too; this adds the peer table: peers found by NID in an
 * open-addressing hash, a peer's index stable for the life of the table
 * (messages in flight keep it).
 */
#ifndef LU2K_LIB_CREDITS_H
#define LU2K_LIB_CREDITS_H

#include <stdint.h>

#include "lu2k/credit.h"
#include "uapi/lu2k.h"

struct lu2k_credit_peer {
	struct lu2k_nid nid;
	uint32_t inflight;
	uint64_t sent; /* messages accepted for this peer */
};

struct lu2k_credits {
	struct lu2k_credit cr; /* the interface's */
	struct lu2k_credit_peer *peers;
	uint32_t nr_peers, peers_cap;
	uint32_t *hash;	   /* peer index + 1, 0 = empty */
	uint32_t hash_cap; /* power of two */
};

/* Bounds as lu2k_credit_limits() gives them; -EINVAL for 0. */
int lu2k_credits_init(struct lu2k_credits *c, uint32_t peer_credits, uint32_t credits);
void lu2k_credits_fini(struct lu2k_credits *c);

/* Peer index of nid, created if new; -ENOMEM. */
int lu2k_credits_peer(struct lu2k_credits *c, const struct lu2k_nid *nid);
/* Take one credit of peer (an index) and one of the interface: 0 or -EAGAIN. */
int lu2k_credits_take(struct lu2k_credits *c, uint32_t peer);
/* Give them back (a completion). */
void lu2k_credits_give(struct lu2k_credits *c, uint32_t peer);
/* Messages in flight to nid (0 for an unknown peer). */
uint32_t lu2k_credits_inflight(const struct lu2k_credits *c, const struct lu2k_nid *nid);

#endif
