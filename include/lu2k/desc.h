/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * desc.h - validation of channel descriptors, one source for the kernel
 * module, liblu2k and lu2kd. Each function checks a private copy of a
 * descriptor (taken with lu2k_ring_pop) against the setup in force; it returns
 * 0 or a negative errno, and never trusts a field it has not checked.
 * Cookie and buffer-state checks (was this cookie issued? is this RX range
 * really out?) belong to the owner's tables, not here.
 */
#ifndef _LU2K_DESC_H
#define _LU2K_DESC_H

#include "layout.h"

static inline int lu2k_nid_check(const struct lu2k_nid *n, __u32 features)
{
	if (n->type != LU2K_LND_TYPE)
		return -EINVAL;
	if (n->size == 0) {
		int i;

		for (i = 4; i < 16; i++)
			if (n->addr[i])
				return -EINVAL;
		return 0;
	}
	if (n->size == 12 && (features & LU2K_FEAT_IPV6))
		return 0;
	return -EINVAL;
}

static inline bool lu2k_nid_equal(const struct lu2k_nid *a, const struct lu2k_nid *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Daemon side: a TX descriptor from the kernel half. */
static inline int lu2k_tx_desc_check(const struct lu2k_setup *s, const struct lu2k_tx_desc *d)
{
	__u64 len = (__u64)d->hdr_len + d->payload_len;

	if (d->flags & ~LU2K_TX_FLAGS_ALL || d->reserved[0] || d->reserved[1])
		return -EINVAL;
	if (lu2k_nid_check(&d->target, s->features) || lu2k_nid_check(&d->nexthop, s->features))
		return -EINVAL;
	if (!(d->flags & LU2K_TX_ROUTED) && !lu2k_nid_equal(&d->target, &d->nexthop))
		return -EINVAL;
	if (d->hdr_len > LU2K_HDR_MAX)
		return -EINVAL;
	if (len > s->max_msg_size)
		return -EMSGSIZE;
	if (!lu2k_range_in(d->buf_off, len, s->tx_pool_off, s->tx_pool_size))
		return -EINVAL;
	return 0;
}

/* Kernel side: a completion from the daemon (the cookie is checked by the caller). */
static inline int lu2k_cpl_desc_check(const struct lu2k_cpl_desc *d)
{
	if (d->reserved || d->status > 0 || d->status < -LU2K_MAX_ERRNO)
		return -EINVAL;
	return 0;
}

/* Kernel side: a received message from the daemon. */
static inline int lu2k_rx_desc_check(const struct lu2k_setup *s, const struct lu2k_rx_desc *d)
{
	__u64 len = (__u64)d->hdr_len + d->payload_len;

	if (d->reserved0 || d->reserved[0] || d->reserved[1] || d->reserved[2])
		return -EINVAL;
	if (lu2k_nid_check(&d->src, s->features))
		return -EINVAL;
	if (d->hdr_len > LU2K_HDR_MAX || len > s->max_msg_size || len > d->alloc_len)
		return -EINVAL;
	if (!lu2k_range_in(d->buf_off, d->alloc_len, s->rx_pool_off, s->rx_pool_size))
		return -EINVAL;
	return 0;
}

/* Daemon side: a freed RX range from the kernel half. */
static inline int lu2k_free_desc_check(const struct lu2k_setup *s, const struct lu2k_free_desc *d)
{
	if (d->reserved ||
	    !lu2k_range_in(d->buf_off, d->alloc_len, s->rx_pool_off, s->rx_pool_size))
		return -EINVAL;
	return 0;
}

/* Kernel side: an event from the daemon. */
static inline int lu2k_evt_desc_check(const struct lu2k_setup *s, const struct lu2k_evt_desc *d)
{
	if (d->reserved[0] || d->reserved[1] || d->status > 0 || d->status < -LU2K_MAX_ERRNO)
		return -EINVAL;
	switch (d->type) {
	case LU2K_EVT_PEER_UP:
	case LU2K_EVT_PEER_DOWN:
		return lu2k_nid_check(&d->nid, s->features);
	case LU2K_EVT_DETACH:
		return 0;
	default:
		return -EINVAL;
	}
}

#endif /* _LU2K_DESC_H */
