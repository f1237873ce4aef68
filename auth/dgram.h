/* SPDX-License-Identifier: MIT */
/*
 * dgram.h - the node handshake (hs.h) and sealed records (aead.h) over
 * datagrams, as the udt back-end uses them: a cookie round trip first, so
 * that a listener does no X25519 work and keeps no state for a sender that
 * cannot receive at its address; then the Noise initiation and response; then
 * every packet sealed as one record, in a window for reordered and lost
 * datagrams, across key updates.
 *
 *   connector                                    listener
 *   INIT (180)                      ---------->  mac1 ok: COOKIE, no state
 *                                   <----------  COOKIE (64)
 *   INIT + cookie (196)             ---------->  cookie ok: respond, keep keys
 *                                   <----------  RESP (76)
 *   records (UDT packets inside)    <--------->  records
 *
 *   INIT and RESP are hs.h's messages as they are: their version byte and
 *   each end's caps (the cipher offer) are in the handshake's transcript, so
 *   a changed caps byte fails the handshake (EDECRYPT) instead of leaving two
 *   ends that disagree on the cipher.
 *
 *   COOKIE: 0 type 3, 1 version (LU2K_HS_VERSION), 2 bytes 0
 *           4 the initiation's sender index (u32)
 *           8 nonce (24, random)
 *          32 cookie (16), sealed (XChaCha20-Poly1305, tag 16)
 *   cookie = keyed BLAKE2b(listener secret; minute, the sender's address
 *            and port, the initiation's mac1): good for that initiation from
 *            that address for one to two minutes.
 *   The seal's key is a hash of the listener's public key and the network's
 *   PSK (32 zero bytes without one); its associated data the reply's first 8
 *   bytes and the initiation's mac1. So the connector takes a cookie only
 *   from whoever knows the key it addressed (never sent on the wire in clear:
 *   the listener and the nodes that list it) and, with a PSK, holds the PSK;
 *   and only for the initiation it sent. Any other reply is dropped
 *   (LU2K_HS_ECOOKIE) and the connector goes on resending.
 *
 * A connector resends its current message (INIT, or INIT + cookie) until the
 * answer comes, 250 ms then doubling up to 2 s: the same bytes each time, so
 * a listener that already answered an INIT + cookie sends its stored RESP
 * again (the timestamp inside would refuse a new answer as a replay).
 *
 * Datagrams arrive out of order: after a key update the previous receiving
 * key stays for LU2K_DG_PREV_NS, so that packets sent just before it still
 * open (aead.c alone would drop them, and UDT would resend them).
 *
 * I/O-free and clock-free: times (ns) and ephemeral keys are the caller's.
 */
#ifndef LU2K_AUTH_DGRAM_H
#define LU2K_AUTH_DGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "auth/aead.h"
#include "auth/hs.h"

#define LU2K_DG_TYPE_COOKIE  3
#define LU2K_DG_COOKIE_LEN   64
#define LU2K_DG_NONCE_LEN    24
#define LU2K_DG_INIT_LEN     LU2K_HS_INIT_LEN
#define LU2K_DG_INITC_LEN    (LU2K_DG_INIT_LEN + 16)
#define LU2K_DG_RESP_LEN     LU2K_HS_RESP_LEN
#define LU2K_DG_CAP_AESGCM   LU2K_HS_CAP_AESGCM
#define LU2K_DG_RETRY_NS     250000000ull
#define LU2K_DG_RETRY_MAX_NS 2000000000ull
#define LU2K_DG_PREV_NS	     3000000000ull

enum lu2k_dg_kind {
	LU2K_DG_OTHER,	     /* none of ours, nor a UDT4 handshake */
	LU2K_DG_INIT,	     /* an initiation without a cookie */
	LU2K_DG_INIT_COOKIE, /* an initiation with the cookie behind it */
	LU2K_DG_COOKIE,
	LU2K_DG_RESP,
	LU2K_DG_RECORD,
	LU2K_DG_PLAIN_UDT, /* a plaintext UDT4 control packet: a peer without keys */
	LU2K_DG_OLD,	   /* a handshake message of lu2k's first version (no version byte) */
};

/* What a datagram is, from its length and first bytes only. */
enum lu2k_dg_kind lu2k_dg_classify(const uint8_t *p, size_t len);

/* This end's caps (LU2K_DG_CAP_AESGCM where the CPU has it): lu2k_hs_caps_here. */
uint8_t lu2k_dg_caps(void);
/* The cipher two ends' caps agree on (enum lu2k_aead_suite): lu2k_hs_suite. */
uint8_t lu2k_dg_suite(uint8_t mine, uint8_t theirs);

/* ---- listener ---- */

/*
 * An INIT or INIT_COOKIE from addr (alen bytes, any stable encoding of the
 * address and port) to the listener me: 1 and the COOKIE to send back in
 * reply (no cookie, or a stale or wrong one; nonce: LU2K_DG_NONCE_LEN fresh
 * random bytes), 0 if the cookie is good (go on with lu2k_hs_respond on the
 * first LU2K_HS_INIT_LEN bytes), or LU2K_HS_EMAC / LU2K_HS_EMALFORMED /
 * LU2K_HS_EVERSION (drop it: not for this node's key, or another version).
 */
int lu2k_dg_check_init(const uint8_t secret[32], const struct lu2k_hs_local *me, const uint8_t *p,
		       size_t len, const void *addr, size_t alen, uint64_t now_ns,
		       const uint8_t nonce[LU2K_DG_NONCE_LEN], uint8_t reply[LU2K_DG_COOKIE_LEN]);

/* ---- connector ---- */

struct lu2k_dg_out {
	struct lu2k_hs hs;
	uint8_t msg[LU2K_DG_INITC_LEN]; /* what is resent: INIT [+ cookie] */
	size_t len;
	uint8_t caps;	      /* ours */
	uint8_t suite;	      /* once done: the cipher both ends' caps agree on */
	uint64_t cookies_bad; /* cookie replies that did not authenticate */
	uint64_t next_ns, retry_ns, deadline_ns;
	unsigned int sent;
	bool done;
};

/* Starts the handshake (hs.h's lu2k_hs_initiate); the first send is due at once. */
int lu2k_dg_out_start(struct lu2k_dg_out *o, const struct lu2k_hs_local *me,
		      const struct lu2k_key *peer_pub, const struct lu2k_key *e_priv, uint64_t ts,
		      uint32_t local_index, const struct lu2k_nid *src, const struct lu2k_nid *dst,
		      uint64_t now_ns, uint64_t timeout_ns, uint8_t caps);

/*
 * Due now: the bytes to send (*out points into o), or 0 if nothing is due,
 * or -ETIMEDOUT once the deadline passed without an answer.
 */
ssize_t lu2k_dg_out_poll(struct lu2k_dg_out *o, uint64_t now_ns, const uint8_t **out);

/* When lu2k_dg_out_poll wants to be called next (UINT64_MAX when done). */
uint64_t lu2k_dg_out_deadline(const struct lu2k_dg_out *o);

/*
 * A COOKIE or RESP for this connector: 1 (a cookie taken: poll now), 2 (the
 * response opened: *keys and o->suite set, done), or a named error of hs.h (the datagram
 * is dropped and the handshake goes on: a forged answer changes nothing;
 * LU2K_HS_ECOOKIE for a cookie reply that does not authenticate, counted in
 * o->cookies_bad).
 */
int lu2k_dg_out_recv(struct lu2k_dg_out *o, const struct lu2k_hs_local *me, const uint8_t *p,
		     size_t len, uint64_t now_ns, struct lu2k_hs_keys *keys);

void lu2k_dg_out_wipe(struct lu2k_dg_out *o);

/* ---- a security association: the sealed records of one connection ---- */

struct lu2k_dg_sa {
	struct lu2k_aead_limits lim;
	struct lu2k_aead_tx tx;
	struct lu2k_aead_rx rx;
	struct lu2k_aead_rx prev; /* the receiving key before the last update */
	uint64_t prev_until;	  /* 0: no previous key */
	uint64_t opened, refused, prev_opened;
};

/* From a finished handshake (keys wiped); lim NULL: aead.h's defaults; suite: lu2k_dg_suite. */
void lu2k_dg_sa_init(struct lu2k_dg_sa *sa, struct lu2k_hs_keys *keys,
		     const struct lu2k_aead_limits *lim, uint64_t now_ns, uint8_t suite);

/*
 * Seals the len bytes at buf + LU2K_AEAD_HDR in place into a record at buf
 * (cap bytes). Returns the record's length or a named error of aead.h.
 */
ssize_t lu2k_dg_seal(struct lu2k_dg_sa *sa, uint64_t now_ns, uint8_t *buf, size_t len, size_t cap);

/*
 * Opens a record in place: the plaintext is then at buf + LU2K_AEAD_HDR.
 * Returns its length or a named error of aead.h (nothing changed).
 */
ssize_t lu2k_dg_open(struct lu2k_dg_sa *sa, uint64_t now_ns, uint8_t *buf, size_t len);

void lu2k_dg_sa_wipe(struct lu2k_dg_sa *sa);

#endif
