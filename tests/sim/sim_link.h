/* SPDX-License-Identifier: MIT */
/*
 * sim_link.h - one direction of the simulated link for the engine's unit
 * tests (test_udt_transfer, test_udt_refuse, test_udt_rcvmem, bench-udt).
 *
 * The link itself is the link emulator's core (tools/linkem/linkem.h), the
 * same one sim_xfer.c runs its scenarios over and lu2k-linkem runs in real
 * time: delay, rate, a drop-tail queue. What the unit tests add is a
 * deterministic drop rule (the n-th data packet, a given sequence number, a
 * burst), decided before the packet reaches the link, so that a test knows
 * exactly which packet it took away. Time is simulated; nothing sleeps.
 */
#ifndef LU2K_TESTS_SIM_LINK_H
#define LU2K_TESTS_SIM_LINK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/linkem/linkem.h"

/* the queue limit is given in full packets: a UDT packet at MSS 1500 (no IP/UDP header here) */
#define SIM_LINK_PKT 1472
/* room for any datagram the tests send */
#define SIM_MAXPKT 1600

struct sim_dir {
	struct linkem_dir l;
	struct linkem_pkt *cur; /* the packet sim_pop() returned last */
	uint64_t count;		/* packets offered */
	uint64_t data_count;	/* data packets offered */
	uint64_t lost, qdrops;	/* taken by the drop rule; not taken by the link */
	/* drop rule: return 1 to drop */
	int (*drop)(struct sim_dir *d, const uint8_t *pkt, uint32_t len, void *arg);
	void *drop_arg;
};

/* One direction: delay_ns, rate_bps (0: unlimited), a queue of about qmax full packets. */
static inline void sim_dir_init(struct sim_dir *d, uint64_t delay_ns, uint64_t rate_bps,
				uint32_t qmax)
{
	struct linkem_params p;

	memset(d, 0, sizeof(*d));
	memset(&p, 0, sizeof(p));
	p.delay_ns = delay_ns;
	p.rate_bps = rate_bps;
	p.queue_bytes = rate_bps ? (uint64_t)qmax * SIM_LINK_PKT : 0;
	if (linkem_dir_init(&d->l, &p, 1))
		abort();
}

static inline void sim_dir_free(struct sim_dir *d)
{
	linkem_pkt_free(d->cur);
	d->cur = NULL;
	linkem_dir_destroy(&d->l);
}

static inline void sim_send(struct sim_dir *d, const uint8_t *pkt, uint32_t len, uint64_t now)
{
	int v;

	d->count++;
	if (!(pkt[0] & 0x80))
		d->data_count++;
	if (d->drop && d->drop(d, pkt, len, d->drop_arg)) {
		d->lost++;
		return;
	}
	v = linkem_dir_push(&d->l, now, pkt, len);
	if (v < 0)
		abort();
	if (v != LINKEM_QUEUED)
		d->qdrops++;
}

static inline uint64_t sim_next(const struct sim_dir *d)
{
	return linkem_dir_next_deadline(&d->l);
}

/* The next packet due by now, valid until the next sim_pop() on d; NULL if none. */
static inline struct linkem_pkt *sim_pop(struct sim_dir *d, uint64_t now)
{
	linkem_pkt_free(d->cur);
	d->cur = linkem_dir_pop(&d->l, now);
	return d->cur;
}

/* Drops every n-th data packet (counting data packets offered). */
static inline int sim_drop_every(struct sim_dir *d, const uint8_t *pkt, uint32_t len, void *arg)
{
	uintptr_t n = (uintptr_t)arg;

	(void)len;
	return !(pkt[0] & 0x80) && n && d->data_count % n == 0;
}

static inline uint64_t sim_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

#endif
