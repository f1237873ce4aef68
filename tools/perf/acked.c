// SPDX-License-Identifier: MIT
/* acked.c - progress inside messages from lu2kd's control socket (acked.h). */
#include "acked.h"

#include <stdlib.h>
#include <string.h>

#include "tools/ctl/jsonv.h"
#include "tools/ctl/req.h"

/* A control request inside the client's loop: short, or it delays messages. */
#define ACKED_TIMEOUT_MS 200

const char *perf_acked_path(const char *ctl, const char *chan, char *buf, size_t len)
{
	size_t n;

	if (ctl)
		return *ctl ? ctl : NULL; /* --ctl-socket '': off */
	n = chan ? strlen(chan) : 0;
	if (n < 5 || strcmp(chan + n - 5, ".sock") || n > len)
		return NULL;
	memcpy(buf, chan, n - 5);
	memcpy(buf + n - 5, ".ctl", 5);
	return buf;
}

void perf_acked_init(struct perf_acked *a, const char *path, const struct lu2k_nid *peer)
{
	memset(a, 0, sizeof(*a));
	a->path = path;
	a->peer = *peer;
	a->off = !path;
}

static const struct jv *member(const struct jv *obj, const char *key, enum jv_type type)
{
	const struct jv *v = jv_get(obj, key);

	return v && v->type == type ? v : NULL;
}

int64_t perf_acked_sum(const char *answer, const struct lu2k_nid *peer)
{
	const struct jv *conns, *c;
	uint64_t sum = 0;
	bool found = false;
	size_t off = 0;
	struct jv *v = jv_parse(answer, &off);

	conns = v && v->type == JV_OBJ ? member(v, "conns", JV_ARR) : NULL;
	for (c = conns ? conns->kids : NULL; c; c = c->next) {
		const struct jv *nid = member(c, "peer", JV_STR),
				*dir = member(c, "direction", JV_STR);
		const struct jv *acked = member(c, "bytes_acked", JV_NUM);
		struct lu2k_nid n;
		char *end;
		unsigned long long x;

		if (!nid || !dir || !acked || strcmp(dir->text, "out") ||
		    lu2k_nid_parse(nid->text, &n) || !lu2k_nid_eq(&n, peer))
			continue;
		x = strtoull(acked->text, &end, 10);
		if (*end || acked->text[0] == '-')
			continue;
		sum += x;
		found = true;
	}
	jv_free(v);
	return found && sum <= INT64_MAX ? (int64_t)sum : -1;
}

int64_t perf_acked_poll(struct perf_acked *a, FILE *why)
{
	char err[256];
	char *ans;
	int64_t sum;
	uint64_t d;

	if (a->off)
		return -1;
	ans = ctl_request_quiet(a->path, "conns", ACKED_TIMEOUT_MS, err, sizeof(err));
	if (!ans) {
		if (why)
			fprintf(why,
				"lu2k-perf: no progress from acknowledged bytes (only whole "
				"messages): %s (--ctl-socket)\n",
				err);
		a->off = true;
		return -1;
	}
	sum = perf_acked_sum(ans, &a->peer);
	free(ans);
	if (!a->have) {
		/* the base: what was acknowledged before the run (a connection made later: 0) */
		a->have = true;
		a->last = sum < 0 ? 0 : (uint64_t)sum;
		return 0;
	}
	if (sum < 0)
		return -1; /* between two connections: try again next time */
	/*
	 * A connection that closed took its count with it; what the sum holds
	 * now came on its successor (one connection to a peer, as lu2kd keeps).
	 */
	d = (uint64_t)sum >= a->last ? (uint64_t)sum - a->last : (uint64_t)sum;
	a->last = (uint64_t)sum;
	return (int64_t)d;
}
