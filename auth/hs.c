/* SPDX-License-Identifier: MIT */
/*
 * hs.c - the IKpsk2 handshake (see hs.h for the pattern and the messages).
 * The symmetric state follows the Noise specification's names: ck the
 * chaining key, h the transcript hash, MixHash, MixKey (HKDF over
 * HMAC-SHA256); each handshake key seals exactly one payload, so its nonce is
 * always 0.
 */
#include "hs.h"

#include <sodium.h>
#include <string.h>

#include "common/le.h"
#include "common/nid.h"

static const char hs_name[] = "Noise_IKpsk2_25519_ChaChaPoly_SHA256";
/* Both ends mix this in first: a handshake of another protocol never matches. */
static const char hs_prologue[] = "lu2k v1 node handshake";
static const char hs_mac1_label[] = "lu2k mac1";

const char *lu2k_hs_err_str(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case LU2K_HS_EMALFORMED:
		return "malformed handshake message";
	case LU2K_HS_EMAC:
		return "handshake not addressed to this node's key (mac1)";
	case LU2K_HS_EDECRYPT:
		return "handshake does not authenticate (wrong key or PSK, or forged)";
	case LU2K_HS_EUNKNOWN:
		return "peer key not in the allowed peers";
	case LU2K_HS_ENID:
		return "NID not owned by the peer's key, or not ours";
	case LU2K_HS_EREPLAY:
		return "replayed or stale initiation";
	case LU2K_HS_ESTATE:
		return "handshake step out of order";
	case LU2K_HS_EDH:
		return "peer key is a low-order point";
	case LU2K_HS_EVERSION:
		return "another lu2k handshake version (keyed peers need the same lu2k version)";
	case LU2K_HS_ECOOKIE:
		return "cookie reply does not authenticate (forged, or not from the expected node)";
	}
	return "unknown handshake error";
}

static void hash2(uint8_t out[32], const void *a, size_t alen, const void *b, size_t blen)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, a, alen);
	crypto_hash_sha256_update(&st, b, blen);
	crypto_hash_sha256_final(&st, out);
}

static void mix_hash(uint8_t h[32], const void *data, size_t len)
{
	hash2(h, h, 32, data, len);
}

static void hmac(uint8_t out[32], const uint8_t key[32], const void *a, size_t alen, const void *b,
		 size_t blen)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, a, alen);
	crypto_auth_hmacsha256_update(&st, b, blen);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

/* HKDF(ck, input) with 1 to 3 outputs: ck first, then o2, o3 (NULL if not wanted). */
static void kdf(uint8_t ck[32], uint8_t *o2, uint8_t *o3, const void *in, size_t len)
{
	uint8_t t0[32], t[32];
	uint8_t c = 1;

	hmac(t0, ck, in, len, NULL, 0);
	hmac(t, t0, &c, 1, NULL, 0);
	memcpy(ck, t, 32);
	if (o2) {
		c = 2;
		hmac(t, t0, t, 32, &c, 1);
		memcpy(o2, t, 32);
	}
	if (o3) {
		c = 3;
		hmac(t, t0, t, 32, &c, 1);
		memcpy(o3, t, 32);
	}
	sodium_memzero(t0, sizeof(t0));
	sodium_memzero(t, sizeof(t));
}

/* MixKey(DH(priv, pub)) giving the next handshake key in k (or NULL). */
static int mix_dh(uint8_t ck[32], uint8_t *k, const struct lu2k_key *priv,
		  const struct lu2k_key *pub)
{
	uint8_t s[32];

	/* libsodium refuses a result of all zeros: a low-order point contributes nothing */
	if (crypto_scalarmult_curve25519(s, priv->b, pub->b))
		return LU2K_HS_EDH;
	kdf(ck, k, NULL, s, sizeof(s));
	sodium_memzero(s, sizeof(s));
	return 0;
}

static const uint8_t zero_nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];

/* EncryptAndHash: out = plain sealed (len + 16) with h as associated data. */
static void seal_hash(uint8_t h[32], const uint8_t k[32], uint8_t *out, const uint8_t *plain,
		      size_t len)
{
	crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, plain, len, h, 32, NULL, zero_nonce,
						  k);
	mix_hash(h, out, len + 16);
}

static int open_hash(uint8_t h[32], const uint8_t k[32], uint8_t *plain, const uint8_t *in,
		     size_t len)
{
	if (crypto_aead_chacha20poly1305_ietf_decrypt(plain, NULL, NULL, in, len + 16, h, 32,
						      zero_nonce, k))
		return LU2K_HS_EDECRYPT;
	mix_hash(h, in, len + 16);
	return 0;
}

void lu2k_hs_mac1(uint8_t out[16], const struct lu2k_key *to, const uint8_t *msg, size_t len)
{
	uint8_t key[32];

	hash2(key, hs_mac1_label, sizeof(hs_mac1_label) - 1, to->b, 32);
	crypto_generichash(out, 16, msg, len, key, sizeof(key));
}

static int mac1_ok(const struct lu2k_key *me, const uint8_t *msg, size_t len)
{
	uint8_t m[16];

	lu2k_hs_mac1(m, me, msg, len - 16);
	return sodium_memcmp(m, msg + len - 16, 16) == 0;
}

/* ck and h before the first message: the name, the prologue, the responder's key. */
static void hs_start(uint8_t ck[32], uint8_t h[32], const struct lu2k_key *resp_pub)
{
	crypto_hash_sha256(ck, (const uint8_t *)hs_name, sizeof(hs_name) - 1);
	memcpy(h, ck, 32);
	mix_hash(h, hs_prologue, sizeof(hs_prologue) - 1);
	mix_hash(h, resp_pub->b, 32);
}

enum { NID_WIRE = LU2K_NID_WIRE_LEN, PAYLOAD_LEN = 8 + 2 * NID_WIRE };

uint8_t lu2k_hs_caps_here(void)
{
	return crypto_aead_aes256gcm_is_available() == 1 ? LU2K_HS_CAP_AESGCM : 0;
}

uint8_t lu2k_hs_suite(uint8_t a, uint8_t b)
{
	return a & b & LU2K_HS_CAP_AESGCM ? 1 : 0;
}

int lu2k_hs_initiate(struct lu2k_hs *hs, const struct lu2k_hs_local *me,
		     const struct lu2k_key *peer_pub, const struct lu2k_key *e_priv, uint64_t ts,
		     uint32_t local_index, const struct lu2k_nid *src, const struct lu2k_nid *dst,
		     uint8_t out[LU2K_HS_INIT_LEN])
{
	return lu2k_hs_initiate_caps(hs, me, me->caps, peer_pub, e_priv, ts, local_index, src, dst,
				     out);
}

int lu2k_hs_initiate_caps(struct lu2k_hs *hs, const struct lu2k_hs_local *me, uint8_t caps,
			  const struct lu2k_key *peer_pub, const struct lu2k_key *e_priv,
			  uint64_t ts, uint32_t local_index, const struct lu2k_nid *src,
			  const struct lu2k_nid *dst, uint8_t out[LU2K_HS_INIT_LEN])
{
	uint8_t k[32], pl[PAYLOAD_LEN];
	int r;

	memset(hs, 0, sizeof(*hs));
	memset(out, 0, LU2K_HS_INIT_LEN);
	out[0] = LU2K_HS_TYPE_INIT;
	out[1] = LU2K_HS_VERSION;
	out[2] = caps;
	lu2k_put_le32(out + 4, local_index);
	hs_start(hs->ck, hs->h, peer_pub);
	/* the version, the caps and the index are in the transcript: not altered on the way unseen */
	mix_hash(hs->h, out, 8);
	hs->e_priv = *e_priv;
	if (lu2k_key_public(&hs->e_pub, e_priv))
		return LU2K_HS_EDH;
	memcpy(out + 8, hs->e_pub.b, 32);
	mix_hash(hs->h, hs->e_pub.b, 32);
	kdf(hs->ck, NULL, NULL, hs->e_pub.b, 32);
	r = mix_dh(hs->ck, k, &hs->e_priv, peer_pub); /* es */
	if (r)
		goto fail;
	seal_hash(hs->h, k, out + 40, me->pub.b, 32);
	r = mix_dh(hs->ck, k, &me->priv, peer_pub); /* ss */
	if (r)
		goto fail;
	lu2k_put_le64(pl, ts);
	lu2k_nid_wire_put(pl + 8, src);
	lu2k_nid_wire_put(pl + 8 + NID_WIRE, dst);
	seal_hash(hs->h, k, out + 88, pl, sizeof(pl));
	lu2k_hs_mac1(out + 164, peer_pub, out, 164);
	hs->peer_pub = *peer_pub;
	hs->local_index = local_index;
	hs->caps = caps;
	hs->state = LU2K_HS_SENT_INIT;
	sodium_memzero(k, sizeof(k));
	return 0;
fail:
	sodium_memzero(k, sizeof(k));
	lu2k_hs_wipe(hs);
	return r;
}

/* ee, se, psk, the empty payload's key; the same on both sides. */
static int hs_second_half(uint8_t ck[32], uint8_t h[32], uint8_t k[32],
			  const struct lu2k_hs_local *me, const struct lu2k_key *dh_ee_priv,
			  const struct lu2k_key *dh_ee_pub, const struct lu2k_key *dh_se_priv,
			  const struct lu2k_key *dh_se_pub)
{
	static const struct lu2k_key nopsk;
	uint8_t t[32];
	int r;

	r = mix_dh(ck, NULL, dh_ee_priv, dh_ee_pub);
	if (!r)
		r = mix_dh(ck, NULL, dh_se_priv, dh_se_pub);
	if (r)
		return r;
	kdf(ck, t, k, (me->has_psk ? &me->psk : &nopsk)->b, 32);
	mix_hash(h, t, 32);
	sodium_memzero(t, sizeof(t));
	return 0;
}

int lu2k_hs_precheck(const struct lu2k_hs_local *me, const uint8_t *in, size_t len)
{
	if (len != LU2K_HS_INIT_LEN || in[0] != LU2K_HS_TYPE_INIT || in[3])
		return LU2K_HS_EMALFORMED;
	if (in[1] != LU2K_HS_VERSION)
		return LU2K_HS_EVERSION;
	for (int i = 152; i < 164; i++)
		if (in[i])
			return LU2K_HS_EMALFORMED;
	if (!mac1_ok(&me->pub, in, len))
		return LU2K_HS_EMAC;
	return 0;
}

int lu2k_hs_respond(const struct lu2k_hs_local *me, const uint8_t *in, size_t len,
		    lu2k_hs_allow_fn allow, void *ud, const struct lu2k_key *e_priv,
		    uint32_t local_index, struct lu2k_hs_claim *claim,
		    uint8_t out[LU2K_HS_RESP_LEN], struct lu2k_hs_keys *keys)
{
	struct lu2k_key ei, er_pub;
	struct lu2k_hs_replay *replay = NULL;
	uint8_t ck[32], h[32], k[32], pl[PAYLOAD_LEN];
	int r = LU2K_HS_EMALFORMED;

	memset(claim, 0, sizeof(*claim));
	r = lu2k_hs_precheck(me, in, len);
	if (r)
		return r;
	r = LU2K_HS_EMALFORMED;
	claim->peer_index = lu2k_get_le32(in + 4);
	claim->caps = in[2];
	hs_start(ck, h, &me->pub);
	mix_hash(h, in, 8);
	memcpy(ei.b, in + 8, 32);
	mix_hash(h, ei.b, 32);
	kdf(ck, NULL, NULL, ei.b, 32);
	r = mix_dh(ck, k, &me->priv, &ei); /* es */
	if (!r)
		r = open_hash(h, k, claim->peer_pub.b, in + 40, 32);
	if (!r)
		r = mix_dh(ck, k, &me->priv, &claim->peer_pub); /* ss */
	if (!r)
		r = open_hash(h, k, pl, in + 88, sizeof(pl));
	if (r)
		goto out;
	claim->ts = lu2k_get_le64(pl);
	if (lu2k_nid_wire_get(pl + 8, &claim->src) ||
	    lu2k_nid_wire_get(pl + 8 + NID_WIRE, &claim->dst)) {
		r = LU2K_HS_EMALFORMED;
		goto out;
	}
	/* authenticated from here: the initiator holds claim->peer_pub's private key */
	r = allow(ud, claim, &replay);
	if (!r && !replay)
		r = LU2K_HS_ESTATE;
	if (!r)
		r = lu2k_hs_replay_check(replay, claim->ts);
	if (r)
		goto out;

	memset(out, 0, LU2K_HS_RESP_LEN);
	out[0] = LU2K_HS_TYPE_RESP;
	out[1] = LU2K_HS_VERSION;
	out[2] = me->caps;
	lu2k_put_le32(out + 4, local_index);
	lu2k_put_le32(out + 8, claim->peer_index);
	r = lu2k_key_public(&er_pub, e_priv) ? LU2K_HS_EDH : 0;
	if (r)
		goto out;
	memcpy(out + 12, er_pub.b, 32);
	mix_hash(h, out, 12);
	mix_hash(h, er_pub.b, 32);
	kdf(ck, NULL, NULL, er_pub.b, 32);
	r = hs_second_half(ck, h, k, me, e_priv, &ei, e_priv, &claim->peer_pub);
	if (r)
		goto out;
	seal_hash(h, k, out + 44, NULL, 0);
	lu2k_hs_mac1(out + 60, &claim->peer_pub, out, 60);
	/* the initiator sends with the first key, receives with the second */
	kdf(ck, keys->send, keys->recv, NULL, 0);
	memcpy(k, keys->send, 32);
	memcpy(keys->send, keys->recv, 32);
	memcpy(keys->recv, k, 32);
	keys->local_index = local_index;
	keys->peer_index = claim->peer_index;
	keys->suite = lu2k_hs_suite(me->caps, claim->caps);
	lu2k_hs_replay_record(replay, claim->ts);
out:
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(k, sizeof(k));
	sodium_memzero(pl, sizeof(pl));
	return r;
}

int lu2k_hs_finish(struct lu2k_hs *hs, const struct lu2k_hs_local *me, const uint8_t *in,
		   size_t len, struct lu2k_hs_keys *keys)
{
	struct lu2k_key er;
	uint8_t ck[32], h[32], k[32];
	int r;

	if (hs->state != LU2K_HS_SENT_INIT)
		return LU2K_HS_ESTATE;
	if (len != LU2K_HS_RESP_LEN || in[0] != LU2K_HS_TYPE_RESP || in[3])
		return LU2K_HS_EMALFORMED;
	if (in[1] != LU2K_HS_VERSION)
		return LU2K_HS_EVERSION;
	if (lu2k_get_le32(in + 8) != hs->local_index)
		return LU2K_HS_EMALFORMED;
	if (!mac1_ok(&me->pub, in, len))
		return LU2K_HS_EMAC;
	/* on a copy: a forged response leaves the handshake waiting for the real one */
	memcpy(ck, hs->ck, 32);
	memcpy(h, hs->h, 32);
	memcpy(er.b, in + 12, 32);
	mix_hash(h, in, 12);
	mix_hash(h, er.b, 32);
	kdf(ck, NULL, NULL, er.b, 32);
	r = hs_second_half(ck, h, k, me, &hs->e_priv, &er, &me->priv, &er);
	if (!r)
		r = open_hash(h, k, NULL, in + 44, 0);
	if (!r) {
		kdf(ck, keys->send, keys->recv, NULL, 0);
		keys->local_index = hs->local_index;
		keys->peer_index = lu2k_get_le32(in + 4);
		/* in[2] is authenticated: it was in the transcript the payload opened under */
		keys->suite = lu2k_hs_suite(hs->caps, in[2]);
		lu2k_hs_wipe(hs);
		hs->state = LU2K_HS_DONE;
	}
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(k, sizeof(k));
	return r;
}

uint64_t lu2k_hs_next_ts(uint64_t *last, uint64_t now_ns)
{
	*last = now_ns > *last ? now_ns : *last + 1;
	return *last;
}

int lu2k_hs_replay_check(const struct lu2k_hs_replay *r, uint64_t ts)
{
	uint64_t min = UINT64_MAX;

	for (unsigned int i = 0; i < r->n; i++) {
		if (r->ts[i] == ts)
			return LU2K_HS_EREPLAY;
		if (r->ts[i] < min)
			min = r->ts[i];
	}
	/* once full, what is older than all kept may have been seen and forgotten */
	if (r->n == LU2K_HS_TS_SET && ts < min)
		return LU2K_HS_EREPLAY;
	return 0;
}

void lu2k_hs_replay_record(struct lu2k_hs_replay *r, uint64_t ts)
{
	unsigned int lo = 0;

	if (r->n < LU2K_HS_TS_SET) {
		r->ts[r->n++] = ts;
		return;
	}
	for (unsigned int i = 1; i < r->n; i++)
		if (r->ts[i] < r->ts[lo])
			lo = i;
	r->ts[lo] = ts;
}

int lu2k_hs_type(const uint8_t *p, size_t len)
{
	return len ? p[0] : 0;
}

void lu2k_hs_wipe(struct lu2k_hs *hs)
{
	sodium_memzero(hs, sizeof(*hs));
}

void lu2k_hs_keys_wipe(struct lu2k_hs_keys *k)
{
	sodium_memzero(k, sizeof(*k));
}
