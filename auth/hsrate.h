/* SPDX-License-Identifier: MIT */
/*
 * hsrate.h - how many node handshakes a listener takes on, under load.
 *
 * The responder's half of a handshake (hs.h) costs 3-5 X25519 before it
 * knows whether the initiator holds a listed key: anyone who knows the
 * listener's public key (mac1) and receives at its address (tcp's own
 * handshake; udt's cookie) can make it do that work as often as it sends.
 * The connection caps bound how many such handshakes are in progress at
 * once, not how many a second. So, as WireGuard does with its per-address
 * limit while under load, each handshake that passed the cheap checks takes
 * a token first, from two token buckets:
 *
 *   global   rate a second, burst at once: what the whole daemon does; a
 *            handshake without a token is dropped (udt, rds) or its
 *            connection closed (tcp), counted and logged (rate-limited);
 *   prefix   per /24 (IPv4) or /64 (IPv6), prefix_rate a second and
 *            prefix_burst at once, enforced only under load: from the
 *            moment the global bucket is below half full (more handshakes
 *            came lately than rate a second) until a second after it was
 *            last. Every handshake taken draws from its prefix's bucket, so
 *            that when load comes the prefixes that caused it are the ones
 *            already empty;
 *   reserve  the global bucket's last quarter goes only to a prefix that
 *            was quiet (no handshake, taken or not, for a second): a
 *            prefix that keeps sending never reaches it.
 *
 * So a flood from a few prefixes is held to prefix_rate each as soon as it
 * makes load, and the global bucket keeps tokens for the others: an honest
 * peer from another prefix gets in at once. A flood from more prefixes than
 * rate / prefix_rate empties the bucket down to the reserve, and an honest
 * peer's first initiation in a second still finds it; only an attacker
 * that sends from more quiet prefixes a second than rate (500 /24s, or 500
 * /64s: cheap in IPv6) also takes the reserve, and then an honest peer gets
 * in on one of its retries (a udt connector resends every 0.25-2 s; tcp and
 * rds connect again) at its share. The CPU spent stays at rate handshakes
 * a second whatever comes.
 *
 * The per-prefix buckets live in a table of LU2K_HSRATE_SLOTS entries,
 * probed from a seeded hash of the prefix; a prefix finds its own entry or
 * takes the one that has been idle longest among those probed (a full
 * bucket is as good as none). No I/O, no clock: time is given.
 */
#ifndef LU2K_AUTH_HSRATE_H
#define LU2K_AUTH_HSRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LU2K_HSRATE_SLOTS 1024
#define LU2K_HSRATE_PROBE 8
#define LU2K_HSRATE_KEY	  16 /* prefix bytes at most */

/* The defaults: X25519 is ~50 us, so 500 responder handshakes a second are ~10 % of a core. */
#define LU2K_HSRATE_RATE	 500
#define LU2K_HSRATE_BURST	 500
#define LU2K_HSRATE_PREFIX_RATE	 10
#define LU2K_HSRATE_PREFIX_BURST 20
#define LU2K_HSRATE_LOAD_NS	 1000000000ull /* load lasts this long after the bucket was below half */
#define LU2K_HSRATE_QUIET_NS	 1000000000ull /* a prefix without a handshake this long is quiet */

enum lu2k_hsrate_verdict {
	LU2K_HSRATE_OK = 0,
	LU2K_HSRATE_PREFIX = 1, /* under load, and this prefix's bucket is empty */
	LU2K_HSRATE_GLOBAL = 2, /* the global bucket is empty */
};

struct lu2k_hsrate_cfg {
	uint32_t rate, burst;		    /* 0 rate: no limit at all */
	uint32_t prefix_rate, prefix_burst; /* 0 prefix_rate: no per-prefix limit */
};

struct lu2k_hsrate_stats {
	uint64_t allowed, limited_prefix, limited_global;
	uint64_t loads; /* times the global bucket fell below half */
};

struct lu2k_hsrate_slot {
	uint8_t key[LU2K_HSRATE_KEY];
	uint8_t len;	 /* 0: free */
	uint64_t tokens; /* in ns of credit */
	uint64_t last_ns;
	uint64_t last_try_ns; /* its last handshake, taken or not (0: none) */
};

struct lu2k_hsrate {
	struct lu2k_hsrate_cfg cfg;
	uint64_t seed;
	uint64_t tokens, last_ns; /* global, in ns of credit */
	uint64_t loaded_until;
	bool loaded, started;
	struct lu2k_hsrate_stats st;
	struct lu2k_hsrate_slot slot[LU2K_HSRATE_SLOTS];
};

/* cfg NULL: the defaults above. seed: for the table's hash (random in lu2kd). */
void lu2k_hsrate_init(struct lu2k_hsrate *r, const struct lu2k_hsrate_cfg *cfg, uint64_t seed);

/*
 * A handshake from prefix (len bytes, at most LU2K_HSRATE_KEY) at now_ns:
 * LU2K_HSRATE_OK (its tokens taken) or why not (nothing taken).
 */
enum lu2k_hsrate_verdict lu2k_hsrate_take(struct lu2k_hsrate *r, const uint8_t *prefix, size_t len,
					  uint64_t now_ns);

/* Under load now (the global bucket below half full at the last take). */
bool lu2k_hsrate_loaded(const struct lu2k_hsrate *r);

const char *lu2k_hsrate_verdict_str(enum lu2k_hsrate_verdict v);

#endif
