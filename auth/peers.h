/* SPDX-License-Identifier: MIT */
/*
 * peers.h - who may connect, and as which NIDs: the policy a lu2kd applies
 * to handshakes (hs.h), built from its [auth] settings.
 *
 * Two modes:
 *   keys     this node's private key and a list of peers, each a public key
 *            and the NIDs (or NID ranges) it may claim; a peer's key is also
 *            the key we expect from a NID we connect to.
 *   network  only a pre-shared key: every node of the network derives the
 *            same key pair from it, and any holder of the PSK may claim any
 *            NID (the small-site mode: one secret to hand out, no per-node
 *            identity).
 * In keys mode a PSK, if given, is mixed into every handshake as well.
 *
 * NID ranges: "192.0.2.7@lu2k" (one NID), "192.0.2.0/24@lu2k",
 * "[2001:db8::]/64@lu2k1", "*@lu2k" (any address in that network).
 *
 * I/O-free: key files are read by the daemon (daemon/config_auth.c).
 */
#ifndef LU2K_AUTH_PEERS_H
#define LU2K_AUTH_PEERS_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/hs.h"
#include "auth/hsrate.h"

#define LU2K_AUTH_MAX_RANGES  8
#define LU2K_AUTH_REPLAY_MAX  4096 /* initiator identities remembered */
#define LU2K_NID_RANGE_STRLEN 80

struct lu2k_nid_range {
	struct lu2k_nid base; /* address bits past prefix are zero */
	uint8_t prefix;	      /* address bits that must match */
	bool any;	      /* "*@net": any address, IPv4 or IPv6 */
};

struct lu2k_auth_peer {
	struct lu2k_key pub;
	struct lu2k_nid_range r[LU2K_AUTH_MAX_RANGES];
	unsigned int nr;
};

struct lu2k_auth_replay_ent {
	struct lu2k_key pub;
	struct lu2k_nid nid;
	uint64_t used; /* for eviction: the last handshake's sequence */
	struct lu2k_hs_replay r;
};

struct lu2k_auth_stats {
	uint64_t hs_ok, hs_unknown_key, hs_nid_refused, hs_replay, hs_bad, no_peer_key;
	/* handshakes not taken on (hsrate.h): their prefix's share under load, or over the rate */
	uint64_t hs_rate_prefix, hs_rate_global;
};

struct lu2k_auth {
	bool enabled;
	bool network; /* network mode (PSK only) */
	struct lu2k_hs_local local;
	struct lu2k_auth_peer *peers;
	unsigned int npeers;
	/* per (initiator key, claimed NID): its recent initiation timestamps */
	struct lu2k_auth_replay_ent *replay;
	unsigned int nreplay;
	uint64_t replay_seq;
	uint64_t last_ts;    /* our own initiations' timestamps */
	uint32_t next_index; /* session indices handed out */
	struct lu2k_auth_stats st;
	/* responder handshakes a second (hsrate.h), shared by the back-ends; kept across reloads */
	struct lu2k_hsrate *rate;
};

/* 0, or -EINVAL for text that is not a NID range. */
int lu2k_nid_range_parse(const char *s, struct lu2k_nid_range *r);
bool lu2k_nid_range_match(const struct lu2k_nid_range *r, const struct lu2k_nid *n);
char *lu2k_nid_range_format(const struct lu2k_nid_range *r, char *buf, size_t len);

/* The network mode's key pair, derived from the PSK (the same on every node). */
void lu2k_auth_network_identity(struct lu2k_hs_local *l, const struct lu2k_key *psk);

/*
 * hs.h's allow function for lu2k_hs_respond (ud is the struct lu2k_auth):
 * the claim's key must list claim->src (network mode: any NID).
 */
int lu2k_auth_allow(void *ud, const struct lu2k_hs_claim *c, struct lu2k_hs_replay **replay);

/* The key a node we connect to must prove, by its NID; NULL if none is listed. */
const struct lu2k_key *lu2k_auth_key_for(const struct lu2k_auth *a, const struct lu2k_nid *nid);

/*
 * Reload: take next's keys and peers into cur, keep cur's replay memory for
 * the identities still allowed; next is left empty. Handshakes already done
 * are not affected (their sessions run on).
 */
void lu2k_auth_replace(struct lu2k_auth *cur, struct lu2k_auth *next);

/*
 * A handshake that passed the cheap checks (lu2k_hs_precheck; udt: its
 * cookie too), from the /24 or /64 prefix (lu2k_halfopen_key's bytes), may
 * go on to the X25519 work: LU2K_HSRATE_OK, or why not (counted in st; the
 * caller drops it or closes its connection, and logs). The limiter is made
 * with hsrate.h's defaults at the first call.
 */
enum lu2k_hsrate_verdict lu2k_auth_hs_rate(struct lu2k_auth *a, const uint8_t *prefix, size_t len,
					   uint64_t now_ns);
/* Other limits than the defaults (tests; rate 0: none). 0 or -ENOMEM. */
int lu2k_auth_hs_rate_set(struct lu2k_auth *a, const struct lu2k_hsrate_cfg *cfg);

/* Wipe every key and free. */
void lu2k_auth_free(struct lu2k_auth *a);

#endif
