/* SPDX-License-Identifier: MIT */
/*
 * udt_demux.c - three chained hash tables over the same nodes (by our
 * socket id; by listening socket, client address and client socket id; by
 * listening socket and client address), doubled when they hold more than
 * two nodes per bucket.
 */
#include "udt_demux.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define DMX_MIN_BUCKETS 64

static uint32_t hash_id(uint32_t id)
{
	id ^= id >> 16;
	id *= 0x7feb352dU;
	id ^= id >> 15;
	id *= 0x846ca68bU;
	return id ^ (id >> 16);
}

static uint32_t hash_peer(const void *sock, const struct udt_dmx_addr *a, uint32_t peer_id)
{
	uint32_t h = 2166136261u ^ (uint32_t)(uintptr_t)sock;
	const uint8_t *p = (const uint8_t *)a;

	for (size_t i = 0; i < sizeof(*a); i++)
		h = (h ^ p[i]) * 16777619u;
	return hash_id(h ^ peer_id);
}

int udt_dmx_init(struct udt_dmx *d, uint32_t seed)
{
	memset(d, 0, sizeof(*d));
	d->nbuckets = DMX_MIN_BUCKETS;
	d->by_id = calloc(d->nbuckets, sizeof(*d->by_id));
	d->by_peer = calloc(d->nbuckets, sizeof(*d->by_peer));
	d->by_addr = calloc(d->nbuckets, sizeof(*d->by_addr));
	d->rng = seed ? seed : 0x9e3779b9u;
	if (!d->by_id || !d->by_peer || !d->by_addr) {
		udt_dmx_fini(d);
		return -ENOMEM;
	}
	return 0;
}

void udt_dmx_fini(struct udt_dmx *d)
{
	free(d->by_id);
	free(d->by_peer);
	free(d->by_addr);
	memset(d, 0, sizeof(*d));
}

static uint32_t next_rand(struct udt_dmx *d)
{
	/* xorshift32: ids need to be unpredictable only as much as UDT's are */
	d->rng ^= d->rng << 13;
	d->rng ^= d->rng >> 17;
	d->rng ^= d->rng << 5;
	return d->rng;
}

uint32_t udt_dmx_new_id(struct udt_dmx *d)
{
	for (;;) {
		uint32_t id = next_rand(d) & 0x7fffffffu;

		if (id && !udt_dmx_find(d, id))
			return id;
	}
}

static void grow(struct udt_dmx *d)
{
	uint32_t nb = d->nbuckets * 2;
	struct udt_dmx_node **ni = calloc(nb, sizeof(*ni)), **np = calloc(nb, sizeof(*np));
	struct udt_dmx_node **na = calloc(nb, sizeof(*na));

	if (!ni || !np || !na) {
		/* keep the old tables: longer chains, still correct */
		free(ni);
		free(np);
		free(na);
		return;
	}
	for (uint32_t i = 0; i < d->nbuckets; i++) {
		struct udt_dmx_node *n, *next;

		for (n = d->by_id[i]; n; n = next) {
			uint32_t b = hash_id(n->local_id) & (nb - 1);

			next = n->id_next;
			n->id_next = ni[b];
			ni[b] = n;
		}
		for (n = d->by_peer[i]; n; n = next) {
			uint32_t b = hash_peer(n->sock, &n->addr, n->peer_id) & (nb - 1);

			next = n->peer_next;
			n->peer_next = np[b];
			np[b] = n;
		}
		/* reversed within a bucket: only one node per address is live in practice */
		for (n = d->by_addr[i]; n; n = next) {
			uint32_t b = hash_peer(n->sock, &n->addr, 0) & (nb - 1);

			next = n->addr_next;
			n->addr_next = na[b];
			na[b] = n;
		}
	}
	free(d->by_id);
	free(d->by_peer);
	free(d->by_addr);
	d->by_id = ni;
	d->by_peer = np;
	d->by_addr = na;
	d->nbuckets = nb;
}

int udt_dmx_add(struct udt_dmx *d, struct udt_dmx_node *node)
{
	uint32_t b;

	if (node->local_id == 0 || (node->local_id & 0x80000000u) || node->in_id)
		return -EINVAL;
	if (udt_dmx_find(d, node->local_id))
		return -EEXIST;
	if (d->n >= 2 * d->nbuckets)
		grow(d);
	b = hash_id(node->local_id) & (d->nbuckets - 1);
	node->id_next = d->by_id[b];
	d->by_id[b] = node;
	node->in_id = true;
	d->n++;
	return 0;
}

void udt_dmx_add_peer(struct udt_dmx *d, struct udt_dmx_node *node)
{
	uint32_t b;

	if (node->in_peer)
		return;
	b = hash_peer(node->sock, &node->addr, node->peer_id) & (d->nbuckets - 1);
	node->peer_next = d->by_peer[b];
	d->by_peer[b] = node;
	node->in_peer = true;
}

void udt_dmx_del(struct udt_dmx *d, struct udt_dmx_node *node)
{
	struct udt_dmx_node **pp;

	if (node->in_id) {
		pp = &d->by_id[hash_id(node->local_id) & (d->nbuckets - 1)];
		for (; *pp; pp = &(*pp)->id_next)
			if (*pp == node) {
				*pp = node->id_next;
				break;
			}
		node->in_id = false;
		d->n--;
	}
	if (node->in_peer) {
		pp = &d->by_peer[hash_peer(node->sock, &node->addr, node->peer_id) &
				 (d->nbuckets - 1)];
		for (; *pp; pp = &(*pp)->peer_next)
			if (*pp == node) {
				*pp = node->peer_next;
				break;
			}
		node->in_peer = false;
	}
	udt_dmx_del_addr(d, node);
}

void udt_dmx_add_addr(struct udt_dmx *d, struct udt_dmx_node *node)
{
	uint32_t b;

	if (node->in_addr)
		return;
	b = hash_peer(node->sock, &node->addr, 0) & (d->nbuckets - 1);
	node->addr_next = d->by_addr[b];
	d->by_addr[b] = node;
	node->in_addr = true;
}

void udt_dmx_del_addr(struct udt_dmx *d, struct udt_dmx_node *node)
{
	struct udt_dmx_node **pp;

	if (!node->in_addr)
		return;
	pp = &d->by_addr[hash_peer(node->sock, &node->addr, 0) & (d->nbuckets - 1)];
	for (; *pp; pp = &(*pp)->addr_next)
		if (*pp == node) {
			*pp = node->addr_next;
			break;
		}
	node->in_addr = false;
}

struct udt_dmx_node *udt_dmx_find_addr(const struct udt_dmx *d, const void *sock,
				       const struct udt_dmx_addr *a)
{
	struct udt_dmx_node *n = d->by_addr[hash_peer(sock, a, 0) & (d->nbuckets - 1)];

	for (; n; n = n->addr_next)
		if (n->sock == sock && udt_dmx_addr_eq(&n->addr, a))
			return n;
	return NULL;
}

struct udt_dmx_node *udt_dmx_find(const struct udt_dmx *d, uint32_t local_id)
{
	struct udt_dmx_node *n = d->by_id[hash_id(local_id) & (d->nbuckets - 1)];

	for (; n; n = n->id_next)
		if (n->local_id == local_id)
			return n;
	return NULL;
}

struct udt_dmx_node *udt_dmx_find_peer(const struct udt_dmx *d, const void *sock,
				       const struct udt_dmx_addr *a, uint32_t peer_id)
{
	struct udt_dmx_node *n = d->by_peer[hash_peer(sock, a, peer_id) & (d->nbuckets - 1)];

	for (; n; n = n->peer_next)
		if (n->sock == sock && n->peer_id == peer_id && udt_dmx_addr_eq(&n->addr, a))
			return n;
	return NULL;
}

int udt_dmx_addr_from(const struct sockaddr *sa, struct udt_dmx_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		a->family = AF_INET;
		a->port = s->sin_port;
		memcpy(a->ip, &s->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		a->family = AF_INET6;
		a->port = s->sin6_port;
		memcpy(a->ip, &s->sin6_addr, 16);
		return 0;
	}
	return -EAFNOSUPPORT;
}

bool udt_dmx_addr_eq(const struct udt_dmx_addr *a, const struct udt_dmx_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* as lu2k_sockaddr_same_net (common/), which this file does without (its fuzz and unit builds) */
bool udt_dmx_addr_same_net(const struct udt_dmx_addr *a, const struct udt_dmx_addr *b)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return !memcmp(a->ip, b->ip, 3);
	if (!memcmp(a->ip, mapped, 12) && !memcmp(b->ip, mapped, 12))
		return !memcmp(a->ip + 12, b->ip + 12, 3);
	return !memcmp(a->ip, b->ip, 8);
}
