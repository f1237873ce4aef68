/* SPDX-License-Identifier: MIT */
/*
 * key.h - lu2k's node keys as files and text: X25519 key pairs (one per
 * lu2kd) and pre-shared keys (one per small network), 32 bytes each, written
 * as one line of standard base64 (44 characters), as WireGuard writes its
 * own. A key file must be a regular file of its owner's (root's, or the
 * user's that runs lu2kd), not a symlink, and neither readable nor writable
 * by anyone else: a private key that others could have read is no secret.
 */
#ifndef LU2K_AUTH_KEY_H
#define LU2K_AUTH_KEY_H

#include <stddef.h>
#include <stdint.h>

#define LU2K_KEY_LEN	 32
#define LU2K_KEY_B64_LEN 44 /* without the NUL */

struct lu2k_key {
	uint8_t b[LU2K_KEY_LEN];
};

/* libsodium's start; 0, or -1 if it cannot run (no entropy source). */
int lu2k_auth_init(void);

/* A new random private key (clamped for X25519) or pre-shared key. */
void lu2k_key_generate(struct lu2k_key *k);
void lu2k_key_generate_psk(struct lu2k_key *k);
/* The X25519 public key of a private key. 0, or -1 for a key that gives none. */
int lu2k_key_public(struct lu2k_key *pub, const struct lu2k_key *priv);

/* out gets LU2K_KEY_B64_LEN characters and a NUL. */
void lu2k_key_to_base64(const struct lu2k_key *k, char out[LU2K_KEY_B64_LEN + 1]);
/* Exactly one key of 44 characters (surrounding blanks and a newline allowed). 0 or -EINVAL. */
int lu2k_key_from_base64(const char *s, struct lu2k_key *k);

/*
 * Reads a key file as lu2kd does: 0, or a negative errno with a message for
 * the admin in err (what is wrong and how to fix it).
 */
int lu2k_key_load(const char *path, struct lu2k_key *k, char *err, size_t errlen);
/* Writes a key to a new file, mode 0600 whatever the umask; never over an existing one. */
int lu2k_key_save(const char *path, const struct lu2k_key *k, char *err, size_t errlen);

/* Forget a key (not optimised away). */
void lu2k_key_wipe(struct lu2k_key *k);

#endif
