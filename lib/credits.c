/* SPDX-License-Identifier: MIT */
#include "credits.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint32_t nid_hash(const struct lu2k_nid *nid)
{
	const uint8_t *p = (const uint8_t *)nid;
	uint32_t h = 2166136261U;

	for (size_t i = 0; i < sizeof(*nid); i++)
		h = (h ^ p[i]) * 16777619U;
	return h ^ (h >> 15);
}

int lu2k_credits_init(struct lu2k_credits *c, uint32_t peer_credits, uint32_t credits)
{
	memset(c, 0, sizeof(*c));
	if (!peer_credits || !credits)
		return -EINVAL;
	c->cr.peer_credits = peer_credits;
	c->cr.credits = credits;
	c->hash_cap = 64;
	c->hash = calloc(c->hash_cap, sizeof(uint32_t));
	return c->hash ? 0 : -ENOMEM;
}

void lu2k_credits_fini(struct lu2k_credits *c)
{
	free(c->peers);
	free(c->hash);
	memset(c, 0, sizeof(*c));
}

static int find(const struct lu2k_credits *c, const struct lu2k_nid *nid, uint32_t *slot)
{
	uint32_t mask = c->hash_cap - 1, i = nid_hash(nid) & mask;

	while (c->hash[i]) {
		if (!memcmp(&c->peers[c->hash[i] - 1].nid, nid, sizeof(*nid)))
			return (int)(c->hash[i] - 1);
		i = (i + 1) & mask;
	}
	*slot = i;
	return -ENOENT;
}

static int grow_hash(struct lu2k_credits *c)
{
	uint32_t cap = c->hash_cap * 2, *h = calloc(cap, sizeof(uint32_t));

	if (!h)
		return -ENOMEM;
	for (uint32_t p = 0; p < c->nr_peers; p++) {
		uint32_t i = nid_hash(&c->peers[p].nid) & (cap - 1);

		while (h[i])
			i = (i + 1) & (cap - 1);
		h[i] = p + 1;
	}
	free(c->hash);
	c->hash = h;
	c->hash_cap = cap;
	return 0;
}

int lu2k_credits_peer(struct lu2k_credits *c, const struct lu2k_nid *nid)
{
	uint32_t slot;
	int p = find(c, nid, &slot);

	if (p >= 0)
		return p;
	if ((c->nr_peers + 1) * 2 > c->hash_cap) {
		if (grow_hash(c))
			return -ENOMEM;
		find(c, nid, &slot);
	}
	if (c->nr_peers == c->peers_cap) {
		uint32_t cap = c->peers_cap ? c->peers_cap * 2 : 16;
		struct lu2k_credit_peer *np = realloc(c->peers, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		c->peers = np;
		c->peers_cap = cap;
	}
	memset(&c->peers[c->nr_peers], 0, sizeof(c->peers[0]));
	c->peers[c->nr_peers].nid = *nid;
	c->hash[slot] = c->nr_peers + 1;
	return (int)c->nr_peers++;
}

int lu2k_credits_take(struct lu2k_credits *c, uint32_t peer)
{
	struct lu2k_credit_peer *p = &c->peers[peer];
	int rc = lu2k_credit_take(&c->cr, &p->inflight);

	if (!rc)
		p->sent++;
	return rc;
}

void lu2k_credits_give(struct lu2k_credits *c, uint32_t peer)
{
	if (peer < c->nr_peers)
		lu2k_credit_give(&c->cr, &c->peers[peer].inflight);
}

uint32_t lu2k_credits_inflight(const struct lu2k_credits *c, const struct lu2k_nid *nid)
{
	uint32_t slot;
	int p = find(c, nid, &slot);

	return p >= 0 ? c->peers[p].inflight : 0;
}
