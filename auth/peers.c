/* SPDX-License-Identifier: MIT */
/* peers.c - the allow-list and replay memory of handshakes (see peers.h). */
#include "peers.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/nid.h"

static unsigned int addr_bits(const struct lu2k_nid *n)
{
	return n->size == 12 ? 128 : 32;
}

int lu2k_nid_range_parse(const char *s, struct lu2k_nid_range *r)
{
	char buf[LU2K_NID_RANGE_STRLEN];
	const char *at = strrchr(s, '@'), *slash = strchr(s, '/');
	unsigned long bits;
	char *end;

	memset(r, 0, sizeof(*r));
	if (!at || strlen(s) >= sizeof(buf))
		return -EINVAL;
	if (s[0] == '*' && at == s + 1) {
		/* any address: parse the network with a placeholder address */
		snprintf(buf, sizeof(buf), "0.0.0.0%s", at);
		if (lu2k_nid_parse(buf, &r->base))
			return -EINVAL;
		r->any = true;
		return 0;
	}
	if (!slash || slash > at) {
		if (lu2k_nid_parse(s, &r->base))
			return -EINVAL;
		r->prefix = (uint8_t)addr_bits(&r->base);
		return 0;
	}
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	bits = strtoul(slash + 1, &end, 10);
	if (end != at)
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%.*s%s", (int)(slash - s), s, at);
	if (lu2k_nid_parse(buf, &r->base) || bits > addr_bits(&r->base))
		return -EINVAL;
	r->prefix = (uint8_t)bits;
	/* bits past the prefix must be zero: "192.0.2.7/24" is a typo, not a range */
	for (unsigned int i = r->prefix; i < addr_bits(&r->base); i++)
		if (r->base.addr[i / 8] & (0x80 >> (i % 8)))
			return -EINVAL;
	return 0;
}

bool lu2k_nid_range_match(const struct lu2k_nid_range *r, const struct lu2k_nid *n)
{
	unsigned int full = r->prefix / 8, rest = r->prefix % 8;

	if (n->type != r->base.type || n->num != r->base.num)
		return false;
	if (r->any)
		return n->size == 0 || n->size == 12;
	if (n->size != r->base.size)
		return false;
	if (memcmp(n->addr, r->base.addr, full))
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff00 >> rest);

		if ((n->addr[full] & mask) != (r->base.addr[full] & mask))
			return false;
	}
	return true;
}

char *lu2k_nid_range_format(const struct lu2k_nid_range *r, char *buf, size_t len)
{
	char nid[LU2K_NID_STRLEN];
	char *at;

	lu2k_nid_format(&r->base, nid, sizeof(nid));
	at = strrchr(nid, '@');
	if (r->any)
		snprintf(buf, len, "*%s", at);
	else if (r->prefix == addr_bits(&r->base))
		snprintf(buf, len, "%s", nid);
	else
		snprintf(buf, len, "%.*s/%u%s", (int)(at - nid), nid, r->prefix, at);
	return buf;
}

void lu2k_auth_network_identity(struct lu2k_hs_local *l, const struct lu2k_key *psk)
{
	static const char label[] = "lu2k network identity v1";

	crypto_generichash(l->priv.b, 32, psk->b, 32, (const uint8_t *)label, sizeof(label) - 1);
	l->priv.b[0] &= 248;
	l->priv.b[31] = (l->priv.b[31] & 127) | 64;
	lu2k_key_public(&l->pub, &l->priv);
	l->psk = *psk;
	l->has_psk = true;
}

static const struct lu2k_auth_peer *peer_by_key(const struct lu2k_auth *a, const struct lu2k_key *k)
{
	for (unsigned int i = 0; i < a->npeers; i++)
		if (!sodium_memcmp(a->peers[i].pub.b, k->b, 32))
			return &a->peers[i];
	return NULL;
}

static bool peer_owns(const struct lu2k_auth_peer *p, const struct lu2k_nid *n)
{
	for (unsigned int i = 0; i < p->nr; i++)
		if (lu2k_nid_range_match(&p->r[i], n))
			return true;
	return false;
}

/* The replay memory of (key, NID); a new one, the least recently used evicted if full. */
static struct lu2k_auth_replay_ent *replay_of(struct lu2k_auth *a, const struct lu2k_key *k,
					      const struct lu2k_nid *n)
{
	struct lu2k_auth_replay_ent *e = NULL;

	for (unsigned int i = 0; i < a->nreplay; i++) {
		struct lu2k_auth_replay_ent *x = &a->replay[i];

		if (!memcmp(x->pub.b, k->b, 32) && !memcmp(&x->nid, n, sizeof(*n))) {
			e = x;
			break;
		}
	}
	if (!e && a->nreplay < LU2K_AUTH_REPLAY_MAX) {
		struct lu2k_auth_replay_ent *nr;

		nr = realloc(a->replay, (a->nreplay + 1) * sizeof(*nr));
		if (nr) {
			a->replay = nr;
			e = &a->replay[a->nreplay++];
			memset(e, 0, sizeof(*e));
		}
	}
	if (!e) {
		/* full (or no memory): forget the identity unused the longest */
		if (!a->nreplay)
			return NULL;
		e = &a->replay[0];
		for (unsigned int i = 1; i < a->nreplay; i++)
			if (a->replay[i].used < e->used)
				e = &a->replay[i];
		memset(e, 0, sizeof(*e));
	}
	e->pub = *k;
	e->nid = *n;
	e->used = ++a->replay_seq;
	return e;
}

int lu2k_auth_allow(void *ud, const struct lu2k_hs_claim *c, struct lu2k_hs_replay **replay)
{
	struct lu2k_auth *a = ud;
	struct lu2k_auth_replay_ent *e;

	if (a->network) {
		/* the network's own key: whoever holds the PSK */
		if (sodium_memcmp(c->peer_pub.b, a->local.pub.b, 32))
			return LU2K_HS_EUNKNOWN;
	} else {
		const struct lu2k_auth_peer *p = peer_by_key(a, &c->peer_pub);

		if (!p)
			return LU2K_HS_EUNKNOWN;
		if (!peer_owns(p, &c->src))
			return LU2K_HS_ENID;
	}
	e = replay_of(a, &c->peer_pub, &c->src);
	if (!e)
		return LU2K_HS_EUNKNOWN;
	*replay = &e->r;
	return 0;
}

const struct lu2k_key *lu2k_auth_key_for(const struct lu2k_auth *a, const struct lu2k_nid *nid)
{
	if (a->network)
		return &a->local.pub;
	for (unsigned int i = 0; i < a->npeers; i++)
		if (peer_owns(&a->peers[i], nid))
			return &a->peers[i].pub;
	return NULL;
}

void lu2k_auth_replace(struct lu2k_auth *cur, struct lu2k_auth *next)
{
	struct lu2k_auth_replay_ent *keep = cur->replay;
	unsigned int n = 0;

	/* replay memory of identities the new policy still allows goes on */
	for (unsigned int i = 0; i < cur->nreplay; i++) {
		struct lu2k_auth_replay_ent *e = &cur->replay[i];
		const struct lu2k_auth_peer *p = peer_by_key(next, &e->pub);
		bool still = next->network ? !sodium_memcmp(e->pub.b, next->local.pub.b, 32)
					   : p && peer_owns(p, &e->nid);

		if (still)
			keep[n++] = *e;
	}
	if (keep)
		sodium_memzero(&keep[n], (cur->nreplay - n) * sizeof(*keep));
	cur->replay = NULL;
	cur->nreplay = 0;
	uint64_t seq = cur->replay_seq, ts = cur->last_ts;
	uint32_t idx = cur->next_index;
	struct lu2k_auth_stats st = cur->st;
	struct lu2k_hsrate *rate = cur->rate; /* the load goes on across a reload */

	cur->rate = NULL;
	lu2k_auth_free(cur);
	*cur = *next;
	free(next->replay);
	/* the new limits, on the old buckets */
	if (rate && next->rate) {
		rate->cfg = next->rate->cfg;
		free(next->rate);
	} else if (next->rate) {
		rate = next->rate;
	}
	cur->rate = rate;
	cur->replay = keep;
	cur->nreplay = n;
	cur->replay_seq = seq;
	cur->last_ts = ts;
	cur->next_index = idx;
	cur->st = st;
	memset(next, 0, sizeof(*next));
}

int lu2k_auth_hs_rate_set(struct lu2k_auth *a, const struct lu2k_hsrate_cfg *cfg)
{
	uint64_t seed;

	if (!a->rate)
		a->rate = malloc(sizeof(*a->rate));
	if (!a->rate)
		return -ENOMEM;
	randombytes_buf(&seed, sizeof(seed));
	lu2k_hsrate_init(a->rate, cfg, seed);
	return 0;
}

enum lu2k_hsrate_verdict lu2k_auth_hs_rate(struct lu2k_auth *a, const uint8_t *prefix, size_t len,
					   uint64_t now_ns)
{
	enum lu2k_hsrate_verdict v;

	/* no memory for the table: the connection caps still bound the work */
	if (!a->rate && lu2k_auth_hs_rate_set(a, NULL))
		return LU2K_HSRATE_OK;
	v = lu2k_hsrate_take(a->rate, prefix, len, now_ns);
	a->st.hs_rate_prefix += v == LU2K_HSRATE_PREFIX;
	a->st.hs_rate_global += v == LU2K_HSRATE_GLOBAL;
	return v;
}

void lu2k_auth_free(struct lu2k_auth *a)
{
	free(a->rate);
	if (a->peers)
		sodium_memzero(a->peers, a->npeers * sizeof(*a->peers));
	free(a->peers);
	if (a->replay)
		sodium_memzero(a->replay, a->nreplay * sizeof(*a->replay));
	free(a->replay);
	sodium_memzero(a, sizeof(*a));
}
