// SPDX-License-Identifier: MIT
/*
 * udt_paths.c - the udt back-end's memory of paths between connections
 * (udt_paths.h). A small array searched linearly: it is read once per
 * outgoing connection and written once when one ends.
 */
#include "udt_paths.h"

#include <string.h>

#include "common/sockaddr.h"

void udtb_paths_init(struct udtb_paths *p, uint64_t ttl_ns)
{
	memset(p, 0, sizeof(*p));
	p->ttl_ns = ttl_ns;
}

static struct udtb_path *find(struct udtb_paths *p, const struct sockaddr_storage *addr)
{
	unsigned int i;

	for (i = 0; i < UDTB_PATHS_N; i++)
		if (p->e[i].addr.ss_family && lu2k_sockaddr_equal(&p->e[i].addr, addr))
			return &p->e[i];
	return NULL;
}

void udtb_paths_put(struct udtb_paths *p, const struct sockaddr_storage *addr, uint32_t rate_pps,
		    uint32_t rtt_us, uint64_t now_ns)
{
	struct udtb_path *e = find(p, addr);
	unsigned int i;

	if (!rate_pps || !p->ttl_ns) {
		if (e)
			memset(e, 0, sizeof(*e));
		return;
	}
	if (!e) {
		/* a free slot, else the oldest */
		e = &p->e[0];
		for (i = 0; i < UDTB_PATHS_N && e->addr.ss_family; i++)
			if (!p->e[i].addr.ss_family || p->e[i].t_ns < e->t_ns)
				e = &p->e[i];
		e->addr = *addr;
	}
	e->rate_pps = rate_pps;
	e->rtt_us = rtt_us;
	e->t_ns = now_ns;
	p->learnt++;
}

int udtb_paths_get(struct udtb_paths *p, const struct sockaddr_storage *addr, uint64_t now_ns,
		   uint32_t *rate_pps, uint32_t *rtt_us)
{
	struct udtb_path *e = find(p, addr);

	if (!e)
		return 0;
	if (!p->ttl_ns || now_ns - e->t_ns >= p->ttl_ns) {
		memset(e, 0, sizeof(*e));
		p->expired++;
		return 0;
	}
	*rate_pps = e->rate_pps;
	*rtt_us = e->rtt_us;
	p->used++;
	return 1;
}

static struct udtb_mss *mss_find(struct udtb_paths *p, const struct sockaddr_storage *addr)
{
	unsigned int i;

	for (i = 0; i < UDTB_MSS_N; i++)
		if (p->mss[i].addr.ss_family && lu2k_sockaddr_equal(&p->mss[i].addr, addr))
			return &p->mss[i];
	return NULL;
}

void udtb_paths_mss_put(struct udtb_paths *p, const struct sockaddr_storage *addr, int32_t mss,
			uint64_t now_ns)
{
	struct udtb_mss *e = mss_find(p, addr);
	unsigned int i;

	if (mss <= 0)
		return;
	if (!e) {
		/* a free slot, else the oldest */
		e = &p->mss[0];
		for (i = 0; i < UDTB_MSS_N && e->addr.ss_family; i++)
			if (!p->mss[i].addr.ss_family || p->mss[i].t_ns < e->t_ns)
				e = &p->mss[i];
		e->addr = *addr;
	}
	e->mss = mss;
	e->t_ns = now_ns;
	p->mss_learnt++;
}

int32_t udtb_paths_mss_get(struct udtb_paths *p, const struct sockaddr_storage *addr, int32_t mss,
			   uint64_t now_ns)
{
	struct udtb_mss *e = mss_find(p, addr);

	if (!e)
		return mss;
	if (now_ns - e->t_ns >= UDTB_MSS_TTL_NS) {
		memset(e, 0, sizeof(*e));
		return mss;
	}
	if (e->mss >= mss)
		return mss;
	p->mss_used++;
	return e->mss;
}
