/* SPDX-License-Identifier: MIT */
/* config_auth.c - the [auth] section into a policy (see config_auth.h). */
#include "config_auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/key.h"

/* "KEY RANGE[,| ]RANGE..." into p. */
static int parse_peer(const char *v, struct lu2k_auth_peer *p, char *why, size_t len)
{
	char buf[sizeof(((struct lu2kd_auth_opt *)0)->value)];
	char *save = NULL, *tok;

	memset(p, 0, sizeof(*p));
	snprintf(buf, sizeof(buf), "%s", v);
	tok = strtok_r(buf, " \t,", &save);
	if (!tok || lu2k_key_from_base64(tok, &p->pub)) {
		snprintf(why, len,
			 "expected a public key (44 characters of base64, lu2k-keygen "
			 "pubkey) then the NIDs it may claim");
		return -EINVAL;
	}
	while ((tok = strtok_r(NULL, " \t,", &save))) {
		if (p->nr == LU2K_AUTH_MAX_RANGES) {
			snprintf(why, len, "at most %d NID ranges a peer", LU2K_AUTH_MAX_RANGES);
			return -EINVAL;
		}
		if (lu2k_nid_range_parse(tok, &p->r[p->nr])) {
			snprintf(why, len,
				 "'%s' is no NID range (192.0.2.7@lu2k, 192.0.2.0/24@lu2k, "
				 "[2001:db8::]/64@lu2k1, *@lu2k)",
				 tok);
			return -EINVAL;
		}
		p->nr++;
	}
	if (!p->nr) {
		snprintf(why, len, "no NIDs after the key: a peer that may claim none is no peer");
		return -EINVAL;
	}
	return 0;
}

static int fail(struct lu2k_auth *out, char *err, size_t errlen, const char *where, const char *key,
		const char *why)
{
	snprintf(err, errlen, "%s: [auth] key '%s': %s", where, key, why);
	lu2k_auth_free(out);
	return -EINVAL;
}

/* hs_rate, hs_rate_prefix: a count a second, 0 (no limit) to 1,000,000. */
static int parse_rate(const char *v, uint32_t *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || *v == '-' || n > 1000000)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

int lu2kd_auth_load(const struct lu2kd_config *c, struct lu2k_auth *out, char *err, size_t errlen)
{
	const struct lu2kd_auth_opt *priv = NULL, *psk = NULL;
	struct lu2k_hsrate_cfg rate = {
		.rate = LU2K_HSRATE_RATE,
		.burst = LU2K_HSRATE_BURST,
		.prefix_rate = LU2K_HSRATE_PREFIX_RATE,
		.prefix_burst = LU2K_HSRATE_PREFIX_BURST,
	};
	char why[384];

	memset(out, 0, sizeof(*out));
	if (!c->nauth_opts)
		return 0;
	out->peers = calloc(LU2KD_AUTH_MAX_PEERS, sizeof(*out->peers));
	if (!out->peers) {
		snprintf(err, errlen, "[auth]: out of memory");
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < c->nauth_opts; i++) {
		const struct lu2kd_auth_opt *o = &c->auth_opts[i];

		if (!strcmp(o->key, "private_key") || !strcmp(o->key, "psk")) {
			const struct lu2kd_auth_opt **slot =
				o->key[0] == 'p' && o->key[1] == 's' ? &psk : &priv;

			if (*slot) {
				snprintf(why, sizeof(why), "given twice (first at %s)",
					 (*slot)->where);
				return fail(out, err, errlen, o->where, o->key, why);
			}
			*slot = o;
		} else if (!strcmp(o->key, "peer")) {
			if (out->npeers == LU2KD_AUTH_MAX_PEERS)
				return fail(out, err, errlen, o->where, o->key,
					    "too many peers (at most 128)");
			if (parse_peer(o->value, &out->peers[out->npeers], why, sizeof(why)))
				return fail(out, err, errlen, o->where, o->key, why);
			for (unsigned int k = 0; k < out->npeers; k++)
				if (!memcmp(out->peers[k].pub.b, out->peers[out->npeers].pub.b, 32))
					return fail(out, err, errlen, o->where, o->key,
						    "that public key is listed twice (one line a "
						    "peer, with all its NIDs)");
			out->npeers++;
		} else if (!strcmp(o->key, "hs_rate")) {
			if (parse_rate(o->value, &rate.rate))
				return fail(out, err, errlen, o->where, o->key,
					    "not a number of handshakes a second (0 to 1000000; "
					    "0: no limit)");
			rate.burst = rate.rate;
		} else if (!strcmp(o->key, "hs_rate_prefix")) {
			if (parse_rate(o->value, &rate.prefix_rate))
				return fail(out, err, errlen, o->where, o->key,
					    "not a number of handshakes a second (0 to 1000000; "
					    "0: no limit per /24 or /64)");
			rate.prefix_burst = 2 * rate.prefix_rate;
		} else {
			snprintf(why, sizeof(why),
				 "unknown key (private_key, psk, peer, hs_rate and "
				 "hs_rate_prefix are known)");
			return fail(out, err, errlen, o->where, o->key, why);
		}
	}
	if (psk) {
		char e[512];

		if (lu2k_key_load(psk->value, &out->local.psk, e, sizeof(e)))
			return fail(out, err, errlen, psk->where, "psk", e);
		out->local.has_psk = true;
	}
	if (priv) {
		char e[512];

		if (lu2k_key_load(priv->value, &out->local.priv, e, sizeof(e)))
			return fail(out, err, errlen, priv->where, "private_key", e);
		if (lu2k_key_public(&out->local.pub, &out->local.priv))
			return fail(out, err, errlen, priv->where, "private_key",
				    "not a usable X25519 private key");
		if (!out->npeers)
			return fail(out, err, errlen, priv->where, "private_key",
				    "no 'peer' lines: nobody could connect (list the peers "
				    "allowed, with the NIDs each may claim)");
		/* our own key as a peer: a node may list itself (one file for all nodes) */
	} else if (psk) {
		if (out->npeers)
			return fail(out, err, errlen, c->auth_opts[0].where, "peer",
				    "peers need this node's private_key (with psk alone, "
				    "every holder of the PSK may claim any NID)");
		lu2k_auth_network_identity(&out->local, &out->local.psk);
		out->network = true;
	} else {
		return fail(out, err, errlen, c->auth_opts[0].where, c->auth_opts[0].key,
			    "peers need this node's private_key (or give psk alone for the "
			    "network mode)");
	}
	if (lu2k_auth_hs_rate_set(out, &rate)) {
		snprintf(err, errlen, "[auth]: out of memory");
		lu2k_auth_free(out);
		return -ENOMEM;
	}
	/* offered in every handshake: AES-256-GCM where both ends run it in hardware */
	out->local.caps = lu2k_hs_caps_here();
	out->enabled = true;
	return 0;
}
