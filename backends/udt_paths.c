// SPDX-License-Identifier: MIT
/*
 * udt_paths.c - the udt back-end's memory of paths between connections
 * (udt_paths.h), in two of udt_memo.h's tables.
 */
#include "udt_paths.h"

#include <string.h>

#define PATHS(p) (p)->e, UDTB_PATHS_N, sizeof((p)->e[0])
#define MSS(p)	 (p)->mss, UDTB_MSS_N, sizeof((p)->mss[0])

void udtb_paths_init(struct udtb_paths *p, uint64_t ttl_ns)
{
	memset(p, 0, sizeof(*p));
	p->ttl_ns = ttl_ns;
}

void udtb_paths_put(struct udtb_paths *p, const struct sockaddr_storage *addr, uint32_t rate_pps,
		    uint32_t rtt_us, uint64_t now_ns)
{
	struct udtb_path *e;

	if (!rate_pps || !p->ttl_ns) {
		udtb_memo_forget(PATHS(p), addr, NULL);
		return;
	}
	e = udtb_memo_take(PATHS(p), addr, NULL, now_ns);
	e->rate_pps = rate_pps;
	e->rtt_us = rtt_us;
	p->learnt++;
}

int udtb_paths_get(struct udtb_paths *p, const struct sockaddr_storage *addr, uint64_t now_ns,
		   uint32_t *rate_pps, uint32_t *rtt_us)
{
	struct udtb_path *e = udtb_memo_find(PATHS(p), addr, NULL, now_ns, p->ttl_ns, &p->expired);

	if (!e)
		return 0;
	*rate_pps = e->rate_pps;
	*rtt_us = e->rtt_us;
	p->used++;
	return 1;
}

void udtb_paths_mss_put(struct udtb_paths *p, const struct sockaddr_storage *addr, int32_t mss,
			uint64_t now_ns)
{
	struct udtb_mss *e;

	if (mss <= 0)
		return;
	e = udtb_memo_take(MSS(p), addr, NULL, now_ns);
	e->mss = mss;
	p->mss_learnt++;
}

int32_t udtb_paths_mss_get(struct udtb_paths *p, const struct sockaddr_storage *addr, int32_t mss,
			   uint64_t now_ns)
{
	struct udtb_mss *e = udtb_memo_find(MSS(p), addr, NULL, now_ns, UDTB_MSS_TTL_NS, NULL);

	if (!e || e->mss >= mss)
		return mss;
	p->mss_used++;
	return e->mss;
}
