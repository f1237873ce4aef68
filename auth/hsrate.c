/* SPDX-License-Identifier: MIT */
/* hsrate.c - node handshakes a second, in all and per prefix under load (see hsrate.h). */
#include "auth/hsrate.h"

#include <string.h>

#define NS_PER_S 1000000000ull

void lu2k_hsrate_init(struct lu2k_hsrate *r, const struct lu2k_hsrate_cfg *cfg, uint64_t seed)
{
	static const struct lu2k_hsrate_cfg def = {
		.rate = LU2K_HSRATE_RATE,
		.burst = LU2K_HSRATE_BURST,
		.prefix_rate = LU2K_HSRATE_PREFIX_RATE,
		.prefix_burst = LU2K_HSRATE_PREFIX_BURST,
	};

	memset(r, 0, sizeof(*r));
	r->cfg = cfg ? *cfg : def;
	if (!r->cfg.burst)
		r->cfg.burst = 1;
	if (!r->cfg.prefix_burst)
		r->cfg.prefix_burst = 1;
	r->seed = seed;
}

/* A bucket's tokens are nanoseconds of credit: one handshake costs 1 s / rate. */
static uint64_t cost(uint32_t rate)
{
	return NS_PER_S / rate;
}

static void refill(uint64_t *tokens, uint64_t *last, uint64_t cap, uint64_t now)
{
	uint64_t d = now > *last ? now - *last : 0;

	*tokens = *tokens + d > cap || *tokens + d < *tokens ? cap : *tokens + d;
	*last = now > *last ? now : *last;
}

static uint32_t hash(uint64_t seed, const uint8_t *k, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;

	for (size_t i = 0; i < len; i++)
		h = (h ^ k[i]) * 0x100000001b3ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

/* The prefix's bucket: its own, or the free or longest idle one of those probed, new and full. */
static struct lu2k_hsrate_slot *slot_of(struct lu2k_hsrate *r, const uint8_t *k, size_t len,
					uint64_t now)
{
	uint32_t h = hash(r->seed, k, len);
	struct lu2k_hsrate_slot *v = NULL;

	for (uint32_t i = 0; i < LU2K_HSRATE_PROBE; i++) {
		struct lu2k_hsrate_slot *s = &r->slot[(h + i) % LU2K_HSRATE_SLOTS];

		if (s->len == len && !memcmp(s->key, k, len))
			return s;
		if (!v || (v->len && (!s->len || s->last_ns < v->last_ns)))
			v = s;
	}
	memset(v, 0, sizeof(*v));
	memcpy(v->key, k, len);
	v->len = (uint8_t)len;
	v->tokens = cost(r->cfg.prefix_rate) * r->cfg.prefix_burst;
	v->last_ns = now;
	return v;
}

enum lu2k_hsrate_verdict lu2k_hsrate_take(struct lu2k_hsrate *r, const uint8_t *prefix, size_t len,
					  uint64_t now_ns)
{
	struct lu2k_hsrate_slot *s = NULL;
	uint64_t c, cap, pc = 0;
	bool loaded;

	if (!r->cfg.rate) {
		r->st.allowed++;
		return LU2K_HSRATE_OK;
	}
	c = cost(r->cfg.rate);
	cap = c * r->cfg.burst;
	if (!r->started) {
		r->started = true;
		r->tokens = cap;
		r->last_ns = now_ns;
	}
	refill(&r->tokens, &r->last_ns, cap, now_ns);
	/* load lasts a while: else the flood would have each refill before the limits bite */
	if (r->tokens < cap / 2)
		r->loaded_until = now_ns + LU2K_HSRATE_LOAD_NS;
	loaded = now_ns < r->loaded_until;
	if (loaded && !r->loaded)
		r->st.loads++;
	r->loaded = loaded;
	if (r->cfg.prefix_rate) {
		bool quiet;

		if (len > LU2K_HSRATE_KEY)
			len = LU2K_HSRATE_KEY;
		pc = cost(r->cfg.prefix_rate);
		s = slot_of(r, prefix, len, now_ns);
		refill(&s->tokens, &s->last_ns, pc * r->cfg.prefix_burst, now_ns);
		quiet = now_ns - s->last_try_ns >= LU2K_HSRATE_QUIET_NS || !s->last_try_ns;
		s->last_try_ns = now_ns;
		if (loaded && s->tokens < pc) {
			r->st.limited_prefix++;
			return LU2K_HSRATE_PREFIX;
		}
		/* the last quarter is for prefixes that were quiet: not for those that flood */
		if (r->tokens < cap / 4 && !quiet) {
			r->st.limited_global++;
			return LU2K_HSRATE_GLOBAL;
		}
	}
	if (r->tokens < c) {
		r->st.limited_global++;
		return LU2K_HSRATE_GLOBAL;
	}
	r->tokens -= c;
	if (s)
		s->tokens = s->tokens > pc ? s->tokens - pc : 0;
	r->st.allowed++;
	return LU2K_HSRATE_OK;
}

bool lu2k_hsrate_loaded(const struct lu2k_hsrate *r)
{
	return r->loaded;
}

const char *lu2k_hsrate_verdict_str(enum lu2k_hsrate_verdict v)
{
	switch (v) {
	case LU2K_HSRATE_OK:
		return "ok";
	case LU2K_HSRATE_PREFIX:
		return "its /24 or /64 is over its share under load";
	case LU2K_HSRATE_GLOBAL:
		return "over the handshakes a second this node takes on";
	}
	return "?";
}
