/* SPDX-License-Identifier: MIT */
/*
 * hs.h - lu2k's handshake between two lu2kd: Noise IKpsk2 over X25519,
 * ChaCha20-Poly1305 and SHA-256 ("Noise_IKpsk2_25519_ChaChaPoly_SHA256",
 * WireGuard's pattern with libsodium's primitives), one round trip:
 *
 *   <- s                                 (the initiator knows the responder's key)
 *   -> e, es, s, ss, {ts, src NID, dst NID}
 *   <- e, ee, se, psk, {}
 *
 * What it gives: both ends proved they hold their static private keys (the
 * initiator by the ss and es/se DHs, the responder by es and se), the
 * initiator's claim of a source NID and the destination NID it addresses are
 * inside the authenticated payload (the responder asks its allow-list whether
 * that key may claim that NID before it answers), and a key for each
 * direction with forward secrecy (ee). The PSK, when a network has one, is
 * mixed in last: without it neither end derives the session keys.
 *
 * Replay of initiations: the initiator puts a timestamp (ns, strictly
 * increasing per initiator) in its payload; the responder keeps, per
 * initiator identity, the last LU2K_HS_TS_SET accepted timestamps and refuses
 * one it has seen or one older than all of them once the set is full (several
 * connections may be opened at once and arrive out of order, which a single
 * "greater than the last" would refuse).
 *
 * The engine does no I/O and reads no clock or random source: the caller
 * passes the ephemeral private key, the timestamp and the session indices, so
 * that tests are deterministic. Messages (little-endian, sizes fixed):
 *
 *   initiation (LU2K_HS_INIT_LEN = 180)       response (LU2K_HS_RESP_LEN = 76)
 *    0 type 1                                  0 type 2
 *    1 version (LU2K_HS_VERSION)               1 version
 *    2 caps of the initiator                   2 caps of the responder
 *    3 0                                       3 0
 *    4 sender index (u32)                      4 sender index (u32)
 *    8 ephemeral public key (32)               8 receiver index (u32)
 *   40 static public key, sealed (32 + 16)    12 ephemeral public key (32)
 *   88 payload, sealed (48 + 16):             44 empty payload, sealed (16)
 *        ts (u64), src NID (20), dst NID (20)  60 mac1 (16)
 *  152 reserved, 0 (12)
 *  164 mac1 (16)
 *
 * mac1 is a keyed BLAKE2b of the message before it, keyed with a hash of the
 * receiver's public key: a packet from someone who does not even know that
 * key is dropped before any X25519 work.
 *
 * The header (bytes 0-7 of the initiation, 0-11 of the response) is in the
 * transcript hash, so the version and the caps are authenticated: a changed
 * byte makes the next sealed part fail to open (LU2K_HS_EDECRYPT). caps bit 0
 * (LU2K_HS_CAP_AESGCM): this end's CPU runs AES-256-GCM in hardware; both
 * set, the session's records are AES-256-GCM, else ChaCha20-Poly1305
 * (lu2k_hs_keys.suite). Bits 1-6 are free; bit 7 is the rds back-end's
 * own (LU2K_RDSW_CAP_PROGRESS, backends/rds_wire.h: its connector asks for
 * piece progress; lu2k_hs_initiate_caps). A message of another version (version 1, before
 * there was a version byte, had 0 there) is refused as LU2K_HS_EVERSION
 * before any other check: keyed peers need the same handshake version.
 */
#ifndef LU2K_AUTH_HS_H
#define LU2K_AUTH_HS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/key.h"
#include "uapi/lu2k.h"

#define LU2K_HS_INIT_LEN   180
#define LU2K_HS_RESP_LEN   76
#define LU2K_HS_TYPE_INIT  1
#define LU2K_HS_TYPE_RESP  2
#define LU2K_HS_TS_SET	   32
#define LU2K_HS_VERSION	   2
#define LU2K_HS_CAP_AESGCM 1

/* Named errors (negative). */
enum lu2k_hs_err {
	LU2K_HS_EMALFORMED = -1, /* wrong length, type, reserved bytes */
	LU2K_HS_EMAC = -2,	 /* mac1 wrong: not for us */
	LU2K_HS_EDECRYPT = -3,	 /* an AEAD did not open: wrong keys or forged */
	LU2K_HS_EUNKNOWN = -4,	 /* the initiator's key is not an allowed peer */
	LU2K_HS_ENID = -5,	 /* that key may not claim that source NID, or dst is not ours */
	LU2K_HS_EREPLAY = -6,	 /* timestamp seen before, or too old */
	LU2K_HS_ESTATE = -7,	 /* call out of order */
	LU2K_HS_EDH = -8,	 /* a DH gave the all-zero value (low-order point) */
	LU2K_HS_EVERSION = -9,	 /* another handshake version: keyed peers need the same */
	LU2K_HS_ECOOKIE = -10,	 /* a cookie reply that does not authenticate (dgram.h) */
};

const char *lu2k_hs_err_str(int err);

/* This node: its static key pair, the network's PSK (or none), its caps. */
struct lu2k_hs_local {
	struct lu2k_key priv, pub;
	struct lu2k_key psk;
	bool has_psk;
	uint8_t caps; /* LU2K_HS_CAP_*: what this node offers (lu2k_hs_caps_here) */
};

/* Per initiator, on the responder's side: the timestamps it accepted. */
struct lu2k_hs_replay {
	uint64_t ts[LU2K_HS_TS_SET];
	unsigned int n;
};

/* What the responder learnt from a valid initiation. */
struct lu2k_hs_claim {
	struct lu2k_key peer_pub;
	struct lu2k_nid src, dst;
	uint64_t ts;
	uint32_t peer_index;
	uint8_t caps; /* the initiator's */
};

/*
 * The responder's allow-list, asked once the initiation has opened: 0 and
 * *replay set (the state of this initiator identity), or LU2K_HS_EUNKNOWN /
 * LU2K_HS_ENID.
 */
typedef int (*lu2k_hs_allow_fn)(void *ud, const struct lu2k_hs_claim *c,
				struct lu2k_hs_replay **replay);

/* Session keys: one per direction, and each end's index. */
struct lu2k_hs_keys {
	uint8_t send[32], recv[32];
	uint32_t local_index, peer_index;
	uint8_t suite; /* the cipher both ends' caps agree on (enum lu2k_aead_suite) */
};

enum lu2k_hs_state { LU2K_HS_NONE, LU2K_HS_SENT_INIT, LU2K_HS_DONE };

struct lu2k_hs {
	enum lu2k_hs_state state;
	uint8_t ck[32], h[32];
	struct lu2k_key e_priv, e_pub;
	struct lu2k_key peer_pub;
	uint32_t local_index;
	uint8_t caps; /* what the initiation offered */
};

/*
 * Initiator: writes the initiation to out (LU2K_HS_INIT_LEN bytes). e_priv is
 * a fresh random X25519 private key (lu2k_key_generate), ts the next value of
 * lu2k_hs_next_ts. Returns 0 or a named error.
 */
int lu2k_hs_initiate(struct lu2k_hs *hs, const struct lu2k_hs_local *me,
		     const struct lu2k_key *peer_pub, const struct lu2k_key *e_priv, uint64_t ts,
		     uint32_t local_index, const struct lu2k_nid *src, const struct lu2k_nid *dst,
		     uint8_t out[LU2K_HS_INIT_LEN]);

/*
 * Responder: reads an initiation; on success fills *claim, has asked allow()
 * and checked and recorded the timestamp, wrote the response to out and the
 * keys to *keys. Nothing is recorded unless it returns 0.
 */
int lu2k_hs_respond(const struct lu2k_hs_local *me, const uint8_t *in, size_t len,
		    lu2k_hs_allow_fn allow, void *ud, const struct lu2k_key *e_priv,
		    uint32_t local_index, struct lu2k_hs_claim *claim,
		    uint8_t out[LU2K_HS_RESP_LEN], struct lu2k_hs_keys *keys);

/*
 * The responder's cheap checks of an initiation (length, type, version,
 * reserved bytes, mac1), before any X25519: 0, or the error lu2k_hs_respond
 * would return. A caller that rate-limits handshakes (hsrate.h) counts only
 * those that pass.
 */
int lu2k_hs_precheck(const struct lu2k_hs_local *me, const uint8_t *in, size_t len);

/* lu2k_hs_initiate offering caps instead of me->caps. */
int lu2k_hs_initiate_caps(struct lu2k_hs *hs, const struct lu2k_hs_local *me, uint8_t caps,
			  const struct lu2k_key *peer_pub, const struct lu2k_key *e_priv,
			  uint64_t ts, uint32_t local_index, const struct lu2k_nid *src,
			  const struct lu2k_nid *dst, uint8_t out[LU2K_HS_INIT_LEN]);

/* This CPU's caps (LU2K_HS_CAP_AESGCM where it runs AES-256-GCM in hardware). */
uint8_t lu2k_hs_caps_here(void);
/* The cipher two ends' caps agree on (enum lu2k_aead_suite: 1 AES-256-GCM, 0 ChaCha20-Poly1305). */
uint8_t lu2k_hs_suite(uint8_t a, uint8_t b);

/* Initiator: reads the response; 0 and the keys, or a named error (hs unchanged). */
int lu2k_hs_finish(struct lu2k_hs *hs, const struct lu2k_hs_local *me, const uint8_t *in,
		   size_t len, struct lu2k_hs_keys *keys);

/* The timestamp of the next initiation: now, or one more than the last if now is not past it. */
uint64_t lu2k_hs_next_ts(uint64_t *last, uint64_t now_ns);

/* 0 if ts is fresh for this initiator (nothing recorded), else LU2K_HS_EREPLAY. */
int lu2k_hs_replay_check(const struct lu2k_hs_replay *r, uint64_t ts);
void lu2k_hs_replay_record(struct lu2k_hs_replay *r, uint64_t ts);

/* The message type of a handshake packet (its first byte), 0 if too short. */
int lu2k_hs_type(const uint8_t *p, size_t len);

/* mac1 of msg (len bytes: the message before its mac1) for the key to; tests and tools. */
void lu2k_hs_mac1(uint8_t out[16], const struct lu2k_key *to, const uint8_t *msg, size_t len);

void lu2k_hs_wipe(struct lu2k_hs *hs);
void lu2k_hs_keys_wipe(struct lu2k_hs_keys *k);

#endif
