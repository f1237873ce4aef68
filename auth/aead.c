/* SPDX-License-Identifier: MIT */
/* aead.c - sealed records, counters and the replay window (see aead.h). */
#include "aead.h"

#include <sodium.h>
#include <string.h>

#include "common/le.h"

const char *lu2k_aead_err_str(int err)
{
	switch (err) {
	case LU2K_AEAD_EMALFORMED:
		return "malformed record";
	case LU2K_AEAD_EAUTH:
		return "record does not authenticate";
	case LU2K_AEAD_EREPLAY:
		return "replayed or too old record";
	case LU2K_AEAD_EEXPIRED:
		return "session key expired";
	case LU2K_AEAD_ESPACE:
		return "no room for the record";
	case LU2K_AEAD_EINDEX:
		return "record for another key";
	case LU2K_AEAD_EORDER:
		return "record out of order on a stream";
	}
	return err ? "unknown record error" : "ok";
}

bool lu2k_aead_aes_available(void)
{
	return crypto_aead_aes256gcm_is_available() == 1;
}

void lu2k_aead_limits_default(struct lu2k_aead_limits *l)
{
	l->rekey_after_ns = 120ULL * 1000000000ULL;
	l->reject_after_ns = 180ULL * 1000000000ULL;
	l->rekey_after_bytes = 1ULL << 36;
	l->reject_after_bytes = 1ULL << 38;
}

void lu2k_aead_from_hs(struct lu2k_aead_tx *tx, struct lu2k_aead_rx *rx, struct lu2k_hs_keys *keys,
		       enum lu2k_aead_order order, uint64_t now_ns)
{
	memset(tx, 0, sizeof(*tx));
	memset(rx, 0, sizeof(*rx));
	tx->suite = rx->suite = keys->suite;
	memcpy(tx->key, keys->send, 32);
	tx->peer_index = keys->peer_index;
	tx->born_ns = now_ns;
	memcpy(rx->key, keys->recv, 32);
	rx->local_index = keys->local_index;
	rx->order = order;
	rx->born_ns = now_ns;
	lu2k_hs_keys_wipe(keys);
}

static bool expired(uint64_t born, uint64_t bytes, const struct lu2k_aead_limits *lim, uint64_t now)
{
	return now - born >= lim->reject_after_ns || bytes >= lim->reject_after_bytes;
}

enum lu2k_aead_age lu2k_aead_tx_age(const struct lu2k_aead_tx *tx,
				    const struct lu2k_aead_limits *lim, uint64_t now_ns)
{
	if (expired(tx->born_ns, tx->bytes, lim, now_ns) || tx->next == UINT64_MAX)
		return LU2K_AEAD_EXPIRED;
	if (now_ns - tx->born_ns >= lim->rekey_after_ns || tx->bytes >= lim->rekey_after_bytes)
		return LU2K_AEAD_REKEY;
	return LU2K_AEAD_FRESH;
}

/* The next key of a direction; the old one is overwritten. */
static void key_update(uint8_t key[32])
{
	static const char label[] = "lu2k key update";
	uint8_t next[32];

	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)label, sizeof(label) - 1);
	crypto_auth_hmacsha256_final(&st, next);
	memcpy(key, next, 32);
	sodium_memzero(next, sizeof(next));
	sodium_memzero(&st, sizeof(st));
}

static void nonce_of(uint8_t n[12], uint64_t ctr)
{
	memset(n, 0, 4);
	lu2k_put_le64(n + 4, ctr);
}

ssize_t lu2k_aead_seal(struct lu2k_aead_tx *tx, const struct lu2k_aead_limits *lim, uint64_t now_ns,
		       const void *ad, size_t adlen, const void *in, size_t len, uint8_t *out,
		       size_t cap)
{
	/* the associated data: the record's header, then the caller's */
	uint8_t nonce[12], adb[LU2K_AEAD_HDR + 64];

	if (cap < LU2K_AEAD_OVERHEAD || len > cap - LU2K_AEAD_OVERHEAD || adlen > 64)
		return LU2K_AEAD_ESPACE;
	if (lu2k_aead_tx_age(tx, lim, now_ns) != LU2K_AEAD_FRESH) {
		key_update(tx->key);
		tx->phase ^= 1;
		tx->next = 0;
		tx->bytes = 0;
		tx->born_ns = now_ns;
		tx->updates++;
	}
	/* in may sit at out + HDR: the header is written to out only after the ciphertext */
	memset(adb, 0, LU2K_AEAD_HDR);
	adb[0] = LU2K_AEAD_TYPE;
	adb[1] = tx->phase;
	lu2k_put_le32(adb + 4, tx->peer_index);
	lu2k_put_le64(adb + 8, tx->next);
	if (adlen)
		memcpy(adb + LU2K_AEAD_HDR, ad, adlen);
	nonce_of(nonce, tx->next);
	if (tx->suite == LU2K_AEAD_AES256GCM)
		crypto_aead_aes256gcm_encrypt_detached(
			out + LU2K_AEAD_HDR, out + LU2K_AEAD_HDR + len, NULL, in, len, adb,
			LU2K_AEAD_HDR + adlen, NULL, nonce, tx->key);
	else
		crypto_aead_chacha20poly1305_ietf_encrypt_detached(
			out + LU2K_AEAD_HDR, out + LU2K_AEAD_HDR + len, NULL, in, len, adb,
			LU2K_AEAD_HDR + adlen, NULL, nonce, tx->key);
	memcpy(out, adb, LU2K_AEAD_HDR);
	tx->next++;
	tx->bytes += len;
	return (ssize_t)(len + LU2K_AEAD_OVERHEAD);
}

int64_t lu2k_aead_record_index(const uint8_t *in, size_t len)
{
	if (len < LU2K_AEAD_OVERHEAD || in[0] != LU2K_AEAD_TYPE || in[1] > 1 || in[2] || in[3])
		return -1;
	return lu2k_get_le32(in + 4);
}

static bool win_bit(const struct lu2k_aead_rx *rx, uint64_t c)
{
	c &= LU2K_AEAD_WINDOW - 1;
	return rx->win[c / 64] >> (c % 64) & 1;
}

static int win_check(const struct lu2k_aead_rx *rx, uint64_t c)
{
	if (rx->order == LU2K_AEAD_STREAM)
		return c == rx->top ? 0 : c < rx->top ? LU2K_AEAD_EREPLAY : LU2K_AEAD_EORDER;
	if (c >= rx->top)
		return 0;
	if (rx->top - c > LU2K_AEAD_WINDOW || win_bit(rx, c))
		return LU2K_AEAD_EREPLAY;
	return 0;
}

static void win_mark(struct lu2k_aead_rx *rx, uint64_t c)
{
	uint64_t b;

	if (c >= rx->top) {
		/* the slots the window slides over are counters never seen */
		if (c - rx->top >= LU2K_AEAD_WINDOW) {
			memset(rx->win, 0, sizeof(rx->win));
		} else {
			for (uint64_t i = rx->top; i < c; i++) {
				b = i & (LU2K_AEAD_WINDOW - 1);
				rx->win[b / 64] &= ~(1ULL << (b % 64));
			}
		}
		rx->top = c + 1;
	}
	b = c & (LU2K_AEAD_WINDOW - 1);
	rx->win[b / 64] |= 1ULL << (b % 64);
}

ssize_t lu2k_aead_open(struct lu2k_aead_rx *rx, const struct lu2k_aead_limits *lim, uint64_t now_ns,
		       const void *ad, size_t adlen, const uint8_t *in, size_t len, uint8_t *out,
		       size_t cap)
{
	uint8_t nonce[12], adb[LU2K_AEAD_HDR + 64];
	int64_t idx = lu2k_aead_record_index(in, len);
	struct lu2k_aead_rx next, *rx_use = rx;
	uint64_t ctr;
	size_t plen;
	int r;

	if (idx < 0 || adlen > 64)
		return LU2K_AEAD_EMALFORMED;
	if ((uint32_t)idx != rx->local_index)
		return LU2K_AEAD_EINDEX;
	plen = len - LU2K_AEAD_OVERHEAD;
	if (plen > cap)
		return LU2K_AEAD_ESPACE;
	ctr = lu2k_get_le64(in + 8);
	if (in[1] != rx->phase) {
		/* the sender updated its key: try the next one, on a new window */
		memset(&next, 0, sizeof(next));
		memcpy(next.key, rx->key, 32);
		key_update(next.key);
		next.order = rx->order;
		next.local_index = rx->local_index;
		next.phase = in[1];
		next.suite = rx->suite;
		next.born_ns = now_ns;
		next.updates = rx->updates + 1;
		rx_use = &next;
	} else if (expired(rx->born_ns, rx->bytes, lim, now_ns)) {
		return LU2K_AEAD_EEXPIRED;
	}
	r = win_check(rx_use, ctr);
	if (r)
		goto out;
	memcpy(adb, in, LU2K_AEAD_HDR);
	if (adlen)
		memcpy(adb + LU2K_AEAD_HDR, ad, adlen);
	nonce_of(nonce, ctr);
	r = LU2K_AEAD_EAUTH;
	if (rx_use->suite == LU2K_AEAD_AES256GCM
		    ? crypto_aead_aes256gcm_decrypt_detached(
			      out, NULL, in + LU2K_AEAD_HDR, plen, in + LU2K_AEAD_HDR + plen, adb,
			      LU2K_AEAD_HDR + adlen, nonce, rx_use->key)
		    : crypto_aead_chacha20poly1305_ietf_decrypt_detached(
			      out, NULL, in + LU2K_AEAD_HDR, plen, in + LU2K_AEAD_HDR + plen, adb,
			      LU2K_AEAD_HDR + adlen, nonce, rx_use->key))
		goto out;
	/* only an authentic record moves the window, or changes the key */
	if (rx_use == &next) {
		*rx = next;
		sodium_memzero(&next, sizeof(next));
	}
	win_mark(rx, ctr);
	rx->bytes += plen;
	return (ssize_t)plen;
out:
	if (rx_use == &next)
		sodium_memzero(&next, sizeof(next));
	return r;
}

void lu2k_aead_tx_wipe(struct lu2k_aead_tx *tx)
{
	sodium_memzero(tx, sizeof(*tx));
}

void lu2k_aead_rx_wipe(struct lu2k_aead_rx *rx)
{
	sodium_memzero(rx, sizeof(*rx));
}
