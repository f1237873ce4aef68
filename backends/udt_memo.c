// SPDX-License-Identifier: MIT
/*
 * udt_memo.c - the udt back-end's per-address tables (udt_memo.h).
 */
#include "udt_memo.h"

#include <string.h>

#include "common/sockaddr.h"

static struct udtb_memo_key *at(void *tab, size_t size, unsigned int i)
{
	return (struct udtb_memo_key *)((char *)tab + (size_t)i * size);
}

static int key_is(const struct udtb_memo_key *k, const struct sockaddr_storage *addr,
		  const struct sockaddr_storage *local)
{
	static const struct sockaddr_storage none;

	return k->addr.ss_family && lu2k_sockaddr_equal(&k->addr, addr) &&
	       (local ? lu2k_sockaddr_equal(&k->local, local)
		      : !memcmp(&k->local, &none, sizeof(none)));
}

static struct udtb_memo_key *lookup(void *tab, unsigned int n, size_t size,
				    const struct sockaddr_storage *addr,
				    const struct sockaddr_storage *local)
{
	for (unsigned int i = 0; i < n; i++)
		if (key_is(at(tab, size, i), addr, local))
			return at(tab, size, i);
	return NULL;
}

void *udtb_memo_find(void *tab, unsigned int n, size_t size, const struct sockaddr_storage *addr,
		     const struct sockaddr_storage *local, uint64_t now_ns, uint64_t ttl_ns,
		     uint64_t *expired)
{
	struct udtb_memo_key *k = lookup(tab, n, size, addr, local);

	if (!k)
		return NULL;
	if (!ttl_ns || now_ns - k->t_ns >= ttl_ns) {
		memset(k, 0, size);
		if (expired)
			(*expired)++;
		return NULL;
	}
	return k;
}

void *udtb_memo_take(void *tab, unsigned int n, size_t size, const struct sockaddr_storage *addr,
		     const struct sockaddr_storage *local, uint64_t now_ns)
{
	struct udtb_memo_key *k = lookup(tab, n, size, addr, local);

	if (!k) {
		/* a free slot, else the oldest */
		k = at(tab, size, 0);
		for (unsigned int i = 0; i < n && k->addr.ss_family; i++)
			if (!at(tab, size, i)->addr.ss_family || at(tab, size, i)->t_ns < k->t_ns)
				k = at(tab, size, i);
		memset(k, 0, size);
		k->addr = *addr;
		if (local)
			k->local = *local;
	}
	k->t_ns = now_ns;
	return k;
}

void udtb_memo_forget(void *tab, unsigned int n, size_t size, const struct sockaddr_storage *addr,
		      const struct sockaddr_storage *local)
{
	struct udtb_memo_key *k = lookup(tab, n, size, addr, local);

	if (k)
		memset(k, 0, size);
}
