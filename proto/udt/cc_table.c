// SPDX-License-Identifier: MIT
/*
 * cc_table.c - the built-in congestion control algorithms, by name.
 *
 * A const table, not a registry: a connection names its algorithm in its
 * config (udt_conn_cfg.cc) and gets the ops from here, so nothing
 * process-wide changes at run time.
 */
#include "cc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct udt_cc_ops *const udt_cc_table[] = { &udt_cc_native, &udt_cc_lossy };

#define UDT_CC_N (sizeof(udt_cc_table) / sizeof(udt_cc_table[0]))

const struct udt_cc_ops *udt_cc_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < UDT_CC_N; i++)
		if (strcmp(udt_cc_table[i]->name, name) == 0)
			return udt_cc_table[i];
	return NULL;
}

const struct udt_cc_ops *udt_cc_get(size_t i)
{
	return i < UDT_CC_N ? udt_cc_table[i] : NULL;
}

int udt_cc_init(struct udt_cc *cc, const struct udt_cc_ops *ops, int32_t mss, double max_cwnd,
		uint32_t snd_curr_seq, int64_t rtt_ns, int32_t rcv_rate, int32_t bandwidth,
		uint64_t now_ns)
{
	return udt_cc_init_hint(cc, ops, mss, max_cwnd, snd_curr_seq, rtt_ns, rcv_rate, bandwidth,
				0, now_ns);
}

int udt_cc_init_hint(struct udt_cc *cc, const struct udt_cc_ops *ops, int32_t mss, double max_cwnd,
		     uint32_t snd_curr_seq, int64_t rtt_ns, int32_t rcv_rate, int32_t bandwidth,
		     int32_t path_rate_hint, uint64_t now_ns)
{
	memset(cc, 0, sizeof(*cc));
	cc->ops = ops;
	if (ops->priv_size) {
		cc->priv = calloc(1, ops->priv_size);
		if (!cc->priv)
			return -ENOMEM;
	}
	cc->pkt_snd_period_ns = (double)LU2K_NS_PER_US;
	cc->cwnd = 16.0;
	cc->mss = mss;
	cc->max_cwnd = max_cwnd;
	cc->snd_curr_seq = snd_curr_seq;
	cc->rtt_ns = rtt_ns;
	cc->rcv_rate = rcv_rate;
	cc->bandwidth = bandwidth;
	cc->path_rate_hint = path_rate_hint > 0 ? path_rate_hint : 0;
	if (ops->init)
		ops->init(cc, now_ns);
	return 0;
}

void udt_cc_capacity_hint(struct udt_cc *cc, int32_t pps, uint64_t now_ns)
{
	cc->capacity_hint = pps > 0 ? pps : 0;
	if (cc->capacity_hint && cc->ops && cc->ops->on_capacity_hint)
		cc->ops->on_capacity_hint(cc, now_ns);
}

void udt_cc_fini(struct udt_cc *cc)
{
	if (cc->ops && cc->ops->close)
		cc->ops->close(cc);
	free(cc->priv);
	cc->priv = NULL;
	cc->ops = NULL;
}
