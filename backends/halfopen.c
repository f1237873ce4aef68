/* SPDX-License-Identifier: MIT */
/* halfopen.c - the unproven connection that makes room for a new one (see halfopen.h). */
#include "halfopen.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

void lu2k_halfopen_key(struct lu2k_halfopen_key *k, int family, const uint8_t *ip)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(k, 0, sizeof(*k));
	if (family == AF_INET6 && memcmp(ip, mapped, sizeof(mapped))) {
		k->b[0] = 6;
		memcpy(k->b + 1, ip, 8);
		return;
	}
	/* as lu2k_sockaddr_same_net: a mapped address is not its IPv4 one */
	k->b[0] = family == AF_INET6 ? 5 : 4;
	memcpy(k->b + 1, family == AF_INET6 ? ip + 12 : ip, 3);
}

void lu2k_halfopen_key_ss(struct lu2k_halfopen_key *k, const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		lu2k_halfopen_key(
			k, AF_INET6,
			((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr.s6_addr);
	else
		lu2k_halfopen_key(
			k, AF_INET,
			(const uint8_t *)&((const struct sockaddr_in *)(const void *)ss)->sin_addr);
}

struct entry {
	struct lu2k_halfopen_key k;
	uint32_t i; /* its age: the index in the caller's list */
};

/* by prefix, then by age: each prefix's oldest first in its run */
static int by_key(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int d = memcmp(x->k.b, y->k.b, sizeof(x->k.b));

	return d ? d : (x->i > y->i) - (x->i < y->i);
}

int32_t lu2k_halfopen_victim(const struct lu2k_halfopen_key *keys, uint32_t n,
			     const struct lu2k_halfopen_key *nk)
{
	uint32_t best = 0, best_n = 0;
	struct entry *e;

	if (!n || n > INT32_MAX - 1)
		return -1;
	e = malloc((n + 1) * sizeof(*e));
	if (!e)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		e[i].k = keys[i];
		e[i].i = i;
	}
	/* the newcomer counts in its prefix, as the youngest: never its own victim */
	e[n].k = *nk;
	e[n].i = n;
	qsort(e, n + 1, sizeof(*e), by_key);
	for (uint32_t r = 0; r <= n;) {
		uint32_t end = r + 1;

		while (end <= n && !memcmp(e[end].k.b, e[r].k.b, sizeof(e->k.b)))
			end++;
		if (end - r > best_n || (end - r == best_n && e[r].i < best)) {
			best_n = end - r;
			best = e[r].i;
		}
		r = end;
	}
	free(e);
	return best < n ? (int32_t)best : -1; /* the newcomer is never the oldest of a run */
}

struct lu2k_list *lu2k_halfopen_pick(struct lu2k_list *conns, uint32_t n,
				     bool (*key_of)(struct lu2k_list *node,
						    struct lu2k_halfopen_key *k),
				     const struct lu2k_halfopen_key *nk)
{
	struct lu2k_halfopen_key *keys = calloc(n ? n : 1, sizeof(*keys));
	struct lu2k_list **nodes = calloc(n ? n : 1, sizeof(*nodes)), *pos, *victim = NULL;
	uint32_t i = 0;
	int32_t v;

	if (keys && nodes) {
		lu2k_list_for_each(pos, conns)
		{
			if (i < n && key_of(pos, &keys[i]))
				nodes[i++] = pos;
		}
		v = lu2k_halfopen_victim(keys, i, nk);
		if (v >= 0)
			victim = nodes[v];
	}
	free(keys);
	free(nodes);
	return victim;
}
