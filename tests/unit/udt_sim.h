/* SPDX-License-Identifier: MIT */
/*
 * udt_sim.h - a trivial simulated link and event loop for UDT engine tests:
 * two directions, each with a fixed one-way delay, a rate limit with a
 * bounded queue and a loss rule. Time is simulated; nothing sleeps.
 */
#ifndef LU2K_TESTS_UDT_SIM_H
#define LU2K_TESTS_UDT_SIM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/udt/udt.h"

#define SIM_MAXPKT 1600
#define SIM_QLEN   65536

struct sim_pkt {
	uint64_t at;
	uint32_t len;
	uint8_t data[SIM_MAXPKT];
};

struct sim_dir {
	struct sim_pkt *q; /* FIFO: delivery times are monotonic */
	uint32_t head, n;
	uint64_t delay_ns, busy_until, rate_bps;
	uint32_t qmax;	     /* packets queued for transmission at most */
	uint64_t count;	     /* packets offered */
	uint64_t data_count; /* data packets offered */
	uint64_t lost, qdrops;
	/* drop rule: return 1 to drop */
	int (*drop)(struct sim_dir *d, const uint8_t *pkt, uint32_t len, void *arg);
	void *drop_arg;
};

static inline void sim_dir_init(struct sim_dir *d, uint64_t delay_ns, uint64_t rate_bps,
				uint32_t qmax)
{
	memset(d, 0, sizeof(*d));
	d->q = calloc(SIM_QLEN, sizeof(*d->q));
	d->delay_ns = delay_ns;
	d->rate_bps = rate_bps;
	d->qmax = qmax;
}

static inline void sim_dir_free(struct sim_dir *d)
{
	free(d->q);
}

static inline void sim_send(struct sim_dir *d, const uint8_t *pkt, uint32_t len, uint64_t now)
{
	uint64_t start, ser;
	struct sim_pkt *p;

	d->count++;
	if (!(pkt[0] & 0x80))
		d->data_count++;
	if (d->drop && d->drop(d, pkt, len, d->drop_arg)) {
		d->lost++;
		return;
	}
	ser = d->rate_bps ? (uint64_t)len * 8 * 1000000000ull / d->rate_bps : 0;
	start = d->busy_until > now ? d->busy_until : now;
	/* the queue holds what waits for the wire */
	if (d->rate_bps && ser && (start - now) / ser >= d->qmax) {
		d->qdrops++;
		return;
	}
	if (d->n >= SIM_QLEN || len > SIM_MAXPKT) {
		d->qdrops++;
		return;
	}
	d->busy_until = start + ser;
	p = &d->q[(d->head + d->n) % SIM_QLEN];
	p->at = d->busy_until + d->delay_ns;
	p->len = len;
	memcpy(p->data, pkt, len);
	d->n++;
}

static inline uint64_t sim_next(const struct sim_dir *d)
{
	return d->n ? d->q[d->head].at : UINT64_MAX;
}

static inline struct sim_pkt *sim_pop(struct sim_dir *d, uint64_t now)
{
	struct sim_pkt *p;

	if (!d->n || d->q[d->head].at > now)
		return NULL;
	p = &d->q[d->head];
	d->head = (d->head + 1) % SIM_QLEN;
	d->n--;
	return p;
}

/* Drops every n-th data packet (counting data packets offered). */
static inline int sim_drop_every(struct sim_dir *d, const uint8_t *pkt, uint32_t len, void *arg)
{
	uintptr_t n = (uintptr_t)arg;

	return !(pkt[0] & 0x80) && n && d->data_count % n == 0;
}

static inline uint64_t sim_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

#endif
