/* SPDX-License-Identifier: MIT */
/*
 * aead.h - sealed records between two lu2kd once the handshake (hs.h) gave
 * them a key per direction: ChaCha20-Poly1305 (IETF, libsodium), the nonce a
 * 64-bit counter of the records sent under that key, never reused; the
 * receiver refuses a record it has already opened (replay), or one too old
 * for its window.
 *
 *   record (LU2K_AEAD_OVERHEAD = 32 bytes more than the plaintext)
 *    0 type 4, key phase (0 or 1), 2 bytes 0
 *    4 receiver index (u32, LE): which of the receiver's keys
 *    8 counter (u64, LE): the nonce (4 zero bytes then the counter, LE)
 *   16 ciphertext (as long as the plaintext)
 *    . tag (16)
 *
 * The 16-byte header and the caller's own associated data (a stream's length
 * prefix, say) are authenticated with the ciphertext.
 *
 * Two receive orders: STREAM (tcp: every record in order, counter exactly the
 * next; a missing record is an attack, since TCP loses nothing) and DGRAM
 * (udt, which reorders and loses: a sliding window of LU2K_AEAD_WINDOW
 * counters, each accepted once).
 *
 * Keys age: once a sending key is rekey_after old (time or bytes), the next
 * record goes under the next key, HMAC-SHA256(key, "lu2k key update"), with
 * the other key phase and counters from 0 again; the old key is erased (so a
 * key taken from memory later opens nothing sent before the update, as TLS
 * 1.3's KeyUpdate). The receiver follows when a record with the other phase
 * opens under the next key. A receiving key older than reject_after opens
 * nothing more of its own phase: a sender that stopped updating stops.
 * A new Diffie-Hellman needs a new handshake (a new connection).
 * Keys are wiped (sodium_memzero) by the _wipe calls; the caller calls them on close.
 *
 * I/O-free and clock-free: times are the caller's (ns, monotonic).
 */
#ifndef LU2K_AUTH_AEAD_H
#define LU2K_AUTH_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "auth/hs.h"

#define LU2K_AEAD_HDR	   16
#define LU2K_AEAD_TAG	   16
#define LU2K_AEAD_OVERHEAD (LU2K_AEAD_HDR + LU2K_AEAD_TAG)
#define LU2K_AEAD_TYPE	   4
#define LU2K_AEAD_WINDOW   4096 /* counters, a power of two */

enum lu2k_aead_err {
	LU2K_AEAD_EMALFORMED = -1, /* too short, wrong type or reserved bytes */
	LU2K_AEAD_EAUTH = -2,	   /* the tag does not verify: forged, altered, wrong key */
	LU2K_AEAD_EREPLAY = -3,	   /* counter already accepted, or older than the window */
	LU2K_AEAD_EEXPIRED = -4,   /* receiving key past reject_after */
	LU2K_AEAD_ESPACE = -5,	   /* out too small */
	LU2K_AEAD_EINDEX = -6,	   /* receiver index is not this key's */
	LU2K_AEAD_EORDER = -7,	   /* STREAM: not the next counter (a record missing) */
};

const char *lu2k_aead_err_str(int err);

enum lu2k_aead_order { LU2K_AEAD_STREAM, LU2K_AEAD_DGRAM };

/*
 * The cipher: ChaCha20-Poly1305 everywhere (the default), or AES-256-GCM
 * where both ends' CPUs do AES in hardware (the handshake negotiates it and
 * authenticates the offer, hs.h; lu2k_hs_keys.suite): ~1.8 times less CPU a
 * udt packet there. One key is only ever used with one.
 */
enum lu2k_aead_suite { LU2K_AEAD_CHACHA20POLY1305 = 0, LU2K_AEAD_AES256GCM = 1 };

/* AES-256-GCM runs here (AES-NI and PCLMUL; libsodium has no portable one). */
bool lu2k_aead_aes_available(void);

struct lu2k_aead_limits {
	uint64_t rekey_after_ns, reject_after_ns;
	uint64_t rekey_after_bytes, reject_after_bytes;
};

/* Update after 120 s or 2^36 bytes; a receiving key refused after 180 s or 2^38 bytes. */
void lu2k_aead_limits_default(struct lu2k_aead_limits *l);

struct lu2k_aead_tx {
	uint8_t key[32];
	uint32_t peer_index;
	uint64_t next; /* counter of the next record */
	uint64_t bytes, born_ns;
	uint8_t phase;
	uint8_t suite; /* enum lu2k_aead_suite */
	uint64_t updates;
};

struct lu2k_aead_rx {
	uint8_t key[32];
	uint32_t local_index;
	enum lu2k_aead_order order;
	uint64_t top; /* one past the highest counter accepted */
	uint64_t bytes, born_ns;
	uint8_t phase;
	uint8_t suite;
	uint64_t updates;
	uint64_t win[LU2K_AEAD_WINDOW / 64];
};

/* Both directions from a finished handshake, its suite too (its keys are then wiped). */
void lu2k_aead_from_hs(struct lu2k_aead_tx *tx, struct lu2k_aead_rx *rx, struct lu2k_hs_keys *keys,
		       enum lu2k_aead_order order, uint64_t now_ns);

/*
 * Seals len bytes of in into out (len + LU2K_AEAD_OVERHEAD bytes; in may be
 * out + LU2K_AEAD_HDR), first updating the key if it is due. Returns the
 * record's length or a named error.
 */
ssize_t lu2k_aead_seal(struct lu2k_aead_tx *tx, const struct lu2k_aead_limits *lim, uint64_t now_ns,
		       const void *ad, size_t adlen, const void *in, size_t len, uint8_t *out,
		       size_t cap);

/*
 * Opens the record in (len bytes) into out (len - LU2K_AEAD_OVERHEAD bytes;
 * out may be in + LU2K_AEAD_HDR). Returns the plaintext's length or a named
 * error; a record that does not open changes nothing in rx.
 */
ssize_t lu2k_aead_open(struct lu2k_aead_rx *rx, const struct lu2k_aead_limits *lim, uint64_t now_ns,
		       const void *ad, size_t adlen, const uint8_t *in, size_t len, uint8_t *out,
		       size_t cap);

/* The receiver index of a record (to pick the key), or -1 if it is no record. */
int64_t lu2k_aead_record_index(const uint8_t *in, size_t len);

enum lu2k_aead_age { LU2K_AEAD_FRESH, LU2K_AEAD_REKEY, LU2K_AEAD_EXPIRED };
/* How old the sending key is (REKEY: the next seal updates it). */
enum lu2k_aead_age lu2k_aead_tx_age(const struct lu2k_aead_tx *tx,
				    const struct lu2k_aead_limits *lim, uint64_t now_ns);

void lu2k_aead_tx_wipe(struct lu2k_aead_tx *tx);
void lu2k_aead_rx_wipe(struct lu2k_aead_rx *rx);

#endif
