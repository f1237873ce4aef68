/* SPDX-License-Identifier: MIT */
/* dgram.c - the handshake and records over datagrams (see dgram.h). */
#include "dgram.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "common/le.h"

#define NS_PER_MINUTE 60000000000ull

enum lu2k_dg_kind lu2k_dg_classify(const uint8_t *p, size_t len)
{
	if (len < 4)
		return LU2K_DG_OTHER;
	if (lu2k_aead_record_index(p, len) >= 0)
		return LU2K_DG_RECORD;
	if (p[1] == LU2K_HS_VERSION && !p[3]) {
		/* p[2]: the sender's caps in INIT and RESP, 0 in COOKIE */
		if (p[0] == LU2K_HS_TYPE_INIT && len == LU2K_DG_INIT_LEN)
			return LU2K_DG_INIT;
		if (p[0] == LU2K_HS_TYPE_INIT && len == LU2K_DG_INITC_LEN)
			return LU2K_DG_INIT_COOKIE;
		if (p[0] == LU2K_DG_TYPE_COOKIE && !p[2] && len == LU2K_DG_COOKIE_LEN)
			return LU2K_DG_COOKIE;
		if (p[0] == LU2K_HS_TYPE_RESP && len == LU2K_DG_RESP_LEN)
			return LU2K_DG_RESP;
	}
	/* the first version: 3 zero bytes, then a caps byte after INIT and RESP */
	if (!p[1] && !p[2] && !p[3] &&
	    ((p[0] == LU2K_HS_TYPE_INIT && (len == 181 || len == 197)) ||
	     (p[0] == LU2K_DG_TYPE_COOKIE && len == 24) ||
	     (p[0] == LU2K_HS_TYPE_RESP && len == 77)))
		return LU2K_DG_OLD;
	/* UDT4: the first bit marks a control packet, whose header is 16 bytes */
	if ((p[0] & 0x80) && len >= 16)
		return LU2K_DG_PLAIN_UDT;
	return LU2K_DG_OTHER;
}

uint8_t lu2k_dg_caps(void)
{
	return lu2k_hs_caps_here();
}

uint8_t lu2k_dg_suite(uint8_t mine, uint8_t theirs)
{
	return lu2k_hs_suite(mine, theirs);
}

/* The cookie reply's sealing key: from what the connector addressed (the listener's key, the PSK). */
static void reply_key(uint8_t k[32], const struct lu2k_key *listener,
		      const struct lu2k_hs_local *me)
{
	static const char label[] = "lu2k cookie reply";
	static const uint8_t nopsk[32];
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)label, sizeof(label) - 1);
	crypto_hash_sha256_update(&st, listener->b, 32);
	crypto_hash_sha256_update(&st, me->has_psk ? me->psk.b : nopsk, 32);
	crypto_hash_sha256_final(&st, k);
	sodium_memzero(&st, sizeof(st));
}

/* The associated data of a cookie reply: its header, and the initiation's mac1. */
static void reply_ad(uint8_t ad[24], const uint8_t *reply, const uint8_t mac1[16])
{
	memcpy(ad, reply, 8);
	memcpy(ad + 8, mac1, 16);
}

static void cookie_of(uint8_t out[16], const uint8_t secret[32], uint64_t minute, const void *addr,
		      size_t alen, const uint8_t mac1[16])
{
	crypto_generichash_state st;
	uint8_t m[8];

	lu2k_put_le64(m, minute);
	crypto_generichash_init(&st, secret, 32, 16);
	crypto_generichash_update(&st, m, sizeof(m));
	crypto_generichash_update(&st, addr, alen);
	crypto_generichash_update(&st, mac1, 16);
	crypto_generichash_final(&st, out, 16);
	sodium_memzero(&st, sizeof(st));
}

int lu2k_dg_check_init(const uint8_t secret[32], const struct lu2k_hs_local *me, const uint8_t *p,
		       size_t len, const void *addr, size_t alen, uint64_t now_ns,
		       const uint8_t nonce[LU2K_DG_NONCE_LEN], uint8_t reply[LU2K_DG_COOKIE_LEN])
{
	const uint8_t *mac1 = p + LU2K_HS_INIT_LEN - 16;
	uint64_t minute = now_ns / NS_PER_MINUTE;
	uint8_t m[16], c[16], k[32], ad[24];

	if ((len != LU2K_DG_INIT_LEN && len != LU2K_DG_INITC_LEN) || p[0] != LU2K_HS_TYPE_INIT)
		return LU2K_HS_EMALFORMED;
	if (p[1] != LU2K_HS_VERSION)
		return LU2K_HS_EVERSION;
	/* cheap first: one keyed hash tells whether the sender even knows our key */
	lu2k_hs_mac1(m, &me->pub, p, LU2K_HS_INIT_LEN - 16);
	if (sodium_memcmp(m, mac1, 16))
		return LU2K_HS_EMAC;
	if (len == LU2K_DG_INITC_LEN) {
		const uint8_t *got = p + LU2K_DG_INIT_LEN;

		cookie_of(c, secret, minute, addr, alen, mac1);
		if (!sodium_memcmp(c, got, 16))
			return 0;
		if (minute) {
			cookie_of(c, secret, minute - 1, addr, alen, mac1);
			if (!sodium_memcmp(c, got, 16))
				return 0;
		}
	}
	memset(reply, 0, LU2K_DG_COOKIE_LEN);
	reply[0] = LU2K_DG_TYPE_COOKIE;
	reply[1] = LU2K_HS_VERSION;
	memcpy(reply + 4, p + 4, 4); /* the initiator's index: which of its handshakes */
	memcpy(reply + 8, nonce, LU2K_DG_NONCE_LEN);
	cookie_of(c, secret, minute, addr, alen, mac1);
	/* sealed for the connector: a cookie it takes says it reached the node it addressed */
	reply_key(k, &me->pub, me);
	reply_ad(ad, reply, mac1);
	crypto_aead_xchacha20poly1305_ietf_encrypt(reply + 32, NULL, c, 16, ad, sizeof(ad), NULL,
						   nonce, k);
	sodium_memzero(k, sizeof(k));
	sodium_memzero(c, sizeof(c));
	return 1;
}

int lu2k_dg_out_start(struct lu2k_dg_out *o, const struct lu2k_hs_local *me,
		      const struct lu2k_key *peer_pub, const struct lu2k_key *e_priv, uint64_t ts,
		      uint32_t local_index, const struct lu2k_nid *src, const struct lu2k_nid *dst,
		      uint64_t now_ns, uint64_t timeout_ns, uint8_t caps)
{
	int r;

	memset(o, 0, sizeof(*o));
	r = lu2k_hs_initiate_caps(&o->hs, me, caps, peer_pub, e_priv, ts, local_index, src, dst,
				  o->msg);
	if (r)
		return r;
	o->caps = caps;
	o->len = LU2K_DG_INIT_LEN;
	o->next_ns = now_ns;
	o->retry_ns = LU2K_DG_RETRY_NS;
	o->deadline_ns = now_ns + timeout_ns;
	return 0;
}

ssize_t lu2k_dg_out_poll(struct lu2k_dg_out *o, uint64_t now_ns, const uint8_t **out)
{
	if (o->done)
		return 0;
	if (now_ns >= o->deadline_ns)
		return -ETIMEDOUT;
	if (now_ns < o->next_ns)
		return 0;
	o->next_ns = now_ns + o->retry_ns;
	o->retry_ns =
		o->retry_ns * 2 > LU2K_DG_RETRY_MAX_NS ? LU2K_DG_RETRY_MAX_NS : o->retry_ns * 2;
	o->sent++;
	*out = o->msg;
	return (ssize_t)o->len;
}

uint64_t lu2k_dg_out_deadline(const struct lu2k_dg_out *o)
{
	if (o->done)
		return UINT64_MAX;
	return o->next_ns < o->deadline_ns ? o->next_ns : o->deadline_ns;
}

int lu2k_dg_out_recv(struct lu2k_dg_out *o, const struct lu2k_hs_local *me, const uint8_t *p,
		     size_t len, uint64_t now_ns, struct lu2k_hs_keys *keys)
{
	uint8_t k[32], ad[24], c[16];
	int r;

	if (o->done)
		return LU2K_HS_ESTATE;
	switch (lu2k_dg_classify(p, len)) {
	case LU2K_DG_COOKIE:
		if (lu2k_get_le32(p + 4) != o->hs.local_index)
			return LU2K_HS_EMALFORMED;
		reply_key(k, &o->hs.peer_pub, me);
		reply_ad(ad, p, o->msg + LU2K_HS_INIT_LEN - 16);
		r = crypto_aead_xchacha20poly1305_ietf_decrypt(c, NULL, NULL, p + 32, 32, ad,
							       sizeof(ad), p + 8, k);
		sodium_memzero(k, sizeof(k));
		if (r) {
			o->cookies_bad++;
			return LU2K_HS_ECOOKIE;
		}
		/* the same initiation, now with the cookie; sent at once */
		memcpy(o->msg + LU2K_DG_INIT_LEN, c, 16);
		sodium_memzero(c, sizeof(c));
		o->len = LU2K_DG_INITC_LEN;
		o->next_ns = now_ns;
		o->retry_ns = LU2K_DG_RETRY_NS;
		return 1;
	case LU2K_DG_OLD:
		return LU2K_HS_EVERSION;
	case LU2K_DG_RESP:
		r = lu2k_hs_finish(&o->hs, me, p, LU2K_HS_RESP_LEN, keys);
		if (r)
			return r;
		o->suite = keys->suite;
		o->done = true;
		sodium_memzero(o->msg, sizeof(o->msg));
		return 2;
	default:
		return LU2K_HS_EMALFORMED;
	}
}

void lu2k_dg_out_wipe(struct lu2k_dg_out *o)
{
	sodium_memzero(o, sizeof(*o));
}

void lu2k_dg_sa_init(struct lu2k_dg_sa *sa, struct lu2k_hs_keys *keys,
		     const struct lu2k_aead_limits *lim, uint64_t now_ns, uint8_t suite)
{
	memset(sa, 0, sizeof(*sa));
	if (lim)
		sa->lim = *lim;
	else
		lu2k_aead_limits_default(&sa->lim);
	lu2k_aead_from_hs(&sa->tx, &sa->rx, keys, LU2K_AEAD_DGRAM, now_ns);
	sa->tx.suite = sa->rx.suite = suite;
}

ssize_t lu2k_dg_seal(struct lu2k_dg_sa *sa, uint64_t now_ns, uint8_t *buf, size_t len, size_t cap)
{
	return lu2k_aead_seal(&sa->tx, &sa->lim, now_ns, NULL, 0, buf + LU2K_AEAD_HDR, len, buf,
			      cap);
}

ssize_t lu2k_dg_open(struct lu2k_dg_sa *sa, uint64_t now_ns, uint8_t *buf, size_t len)
{
	struct lu2k_aead_rx save;
	ssize_t r;

	if (len < LU2K_AEAD_OVERHEAD)
		return LU2K_AEAD_EMALFORMED;
	if (sa->prev_until && now_ns >= sa->prev_until) {
		lu2k_aead_rx_wipe(&sa->prev);
		sa->prev_until = 0;
	}
	if (buf[1] == sa->rx.phase) {
		r = lu2k_aead_open(&sa->rx, &sa->lim, now_ns, NULL, 0, buf, len,
				   buf + LU2K_AEAD_HDR, len - LU2K_AEAD_OVERHEAD);
	} else if (sa->prev_until) {
		/* sent before the peer's last key update, arriving after it */
		r = lu2k_aead_open(&sa->prev, &sa->lim, now_ns, NULL, 0, buf, len,
				   buf + LU2K_AEAD_HDR, len - LU2K_AEAD_OVERHEAD);
		sa->prev_opened += r >= 0;
	} else {
		/* the peer's next key; what we had stays a while for late packets */
		save = sa->rx;
		r = lu2k_aead_open(&sa->rx, &sa->lim, now_ns, NULL, 0, buf, len,
				   buf + LU2K_AEAD_HDR, len - LU2K_AEAD_OVERHEAD);
		if (r >= 0 && sa->rx.updates != save.updates) {
			sa->prev = save;
			sa->prev_until = now_ns + LU2K_DG_PREV_NS;
		}
		lu2k_aead_rx_wipe(&save);
	}
	if (r < 0)
		sa->refused++;
	else
		sa->opened++;
	return r;
}

void lu2k_dg_sa_wipe(struct lu2k_dg_sa *sa)
{
	sodium_memzero(sa, sizeof(*sa));
}
