/* SPDX-License-Identifier: MIT */
/*
 * ni_rx.c - receiving: RX descriptors checked against the setup and against
 * the ranges we still hold, LNet headers copied out and parsed, buffers given
 * back on the FREE ring; and events.
 */
#include "ni_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Index of the first held range that ends after off. */
static uint32_t held_search(const struct lu2k_ni *ni, uint64_t off)
{
	uint32_t lo = 0, hi = ni->nr_held;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (ni->held[mid].off + ni->held[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool held_overlaps(const struct lu2k_ni *ni, uint64_t off, uint32_t len)
{
	uint32_t i = held_search(ni, off);

	return i < ni->nr_held && ni->held[i].off < off + len;
}

static int held_add(struct lu2k_ni *ni, uint64_t off, uint32_t len)
{
	uint32_t i = held_search(ni, off);

	if (ni->nr_held == ni->held_cap) {
		uint32_t cap = ni->held_cap ? ni->held_cap * 2 : 64;
		struct lu2k_held *h = realloc(ni->held, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		ni->held = h;
		ni->held_cap = cap;
	}
	memmove(&ni->held[i + 1], &ni->held[i], (ni->nr_held - i) * sizeof(*ni->held));
	ni->held[i].off = off;
	ni->held[i].len = len;
	ni->nr_held++;
	return 0;
}

static void held_del(struct lu2k_ni *ni, uint64_t off)
{
	uint32_t i = held_search(ni, off);

	if (i < ni->nr_held && ni->held[i].off == off) {
		memmove(&ni->held[i], &ni->held[i + 1], (ni->nr_held - i - 1) * sizeof(*ni->held));
		ni->nr_held--;
	}
}

static void post_free(struct lu2k_ni *ni, uint64_t off, uint32_t len)
{
	struct lu2k_free_desc f = { .buf_off = off, .alloc_len = len };

	if (!ni->nr_pfree && lu2k_ring_push(&ni->free, &f) == 0) {
		lu2k_kick_soon(ni, &ni->free);
		return;
	}
	/* The daemon does not keep up with FREEs: hold them until it does. */
	if (ni->nr_pfree == ni->pfree_cap) {
		uint32_t cap = ni->pfree_cap ? ni->pfree_cap * 2 : 64;
		struct lu2k_free_desc *p = realloc(ni->pfree, cap * sizeof(*p));

		if (!p)
			return; /* leaks one range of the daemon's pool; never ours */
		ni->pfree = p;
		ni->pfree_cap = cap;
	}
	ni->pfree[ni->nr_pfree++] = f;
}

void lu2k_rx_flush_free(struct lu2k_ni *ni)
{
	uint32_t i = 0;

	while (i < ni->nr_pfree && lu2k_ring_push(&ni->free, &ni->pfree[i]) == 0)
		i++;
	if (!i)
		return;
	memmove(ni->pfree, ni->pfree + i, (ni->nr_pfree - i) * sizeof(*ni->pfree));
	ni->nr_pfree -= i;
	lu2k_kick_soon(ni, &ni->free);
}

void lu2k_rx_done(struct lu2k_ni *ni, const struct lu2k_rx_msg *msg)
{
	struct lu2k_ni_region *r = msg->region_;

	if (r == ni->region) {
		held_del(ni, msg->buf_off_);
		post_free(ni, msg->buf_off_, msg->alloc_len_);
	}
	/* else: a buffer of a daemon session that is over: nobody to give it to. */
	lu2k_ni_region_put(r);
}

/* A new session: the old daemon's buffers are not its to take back. */
void lu2k_rx_reset(struct lu2k_ni *ni)
{
	ni->nr_held = 0;
	ni->nr_pfree = 0;
}

static void deliver(struct lu2k_ni *ni, const struct lu2k_rx_desc *d)
{
	const uint8_t *base = ni->region->base;
	struct lu2k_lnet_hdr h;
	struct lu2k_rx_msg m;

	/* Copy the header out first: the daemon could change it after the check. */
	memcpy(ni->hdr_copy, base + d->buf_off, d->hdr_len);
	if (lu2k_lnet_hdr_decode(ni->hdr_copy, d->hdr_len, &h) ||
	    lu2k_lnet_hdr_check(&h, d->payload_len, ni->p.max_payload)) {
		ni->st.bad_hdr++;
		post_free(ni, d->buf_off, d->alloc_len);
		return;
	}
	if (!ni->p.on_rx || held_add(ni, d->buf_off, d->alloc_len)) {
		ni->st.rx_msgs++;
		ni->st.rx_bytes += d->payload_len;
		post_free(ni, d->buf_off, d->alloc_len);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.src = d->src;
	m.lnet = &h;
	m.hdr = ni->hdr_copy;
	m.hdr_len = d->hdr_len;
	m.payload_len = d->payload_len;
	m.payload = base + d->buf_off + d->hdr_len;
	m.region_ = ni->region;
	m.buf_off_ = d->buf_off;
	m.alloc_len_ = d->alloc_len;
	ni->region->refs++;
	ni->st.rx_msgs++;
	ni->st.rx_bytes += d->payload_len;
	if (ni->p.on_rx(ni, &m, ni->p.arg) != LU2K_RX_KEEP)
		lu2k_rx_done(ni, &m);
}

int lu2k_rx_process(struct lu2k_ni *ni)
{
	struct lu2k_rx_desc d;
	int n = 0;

	while (ni->region && lu2k_ring_pop(&ni->rx, &d)) {
		n++;
		if (lu2k_rx_desc_check(&ni->setup, &d) || d.hdr_len == 0 ||
		    held_overlaps(ni, d.buf_off, d.alloc_len)) {
			ni->st.bad_rx++;
			continue;
		}
		deliver(ni, &d);
	}
	return n;
}

int lu2k_evt_process(struct lu2k_ni *ni)
{
	struct lu2k_evt_desc e;
	int n = 0;

	while (ni->region && lu2k_ring_pop(&ni->evt, &e)) {
		n++;
		if (lu2k_evt_desc_check(&ni->setup, &e)) {
			ni->st.bad_evt++;
			continue;
		}
		ni->st.evts++;
		if (e.type == LU2K_EVT_DETACH) {
			/* Leaving on purpose: what it has not completed, it never will. */
			ni->dead = true;
			ni->dead_status = e.status ? e.status : -ECONNRESET;
		}
		if (ni->p.on_evt)
			ni->p.on_evt(ni, &e, ni->p.arg);
	}
	return n;
}
