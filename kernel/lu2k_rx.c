// SPDX-License-Identifier: GPL-2.0
/*
 * lu2k_rx.c - incoming messages: RX descriptors from the daemon are checked
 * (range inside the RX pool, lengths, no overlap with a range the kernel still
 * holds), their header copied out, and the message handed to the user, who
 * copies the payload with lu2k_rx_copy() and gives the range back with
 * lu2k_rx_done() (a FREE descriptor). A held message keeps the region alive
 * even if the daemon dies meanwhile.
 */
#define pr_fmt(fmt) "lu2k: " fmt

#include <linux/slab.h>
#include "lu2k_internal.h"

/* Under ni->lock: list is ni->rx_held or ni->free_pending. */
static bool lu2k_rx_overlaps(struct list_head *list, const struct lu2k_region *region,
			     const struct lu2k_rx_desc *d)
{
	struct lu2k_rx *h;

	list_for_each_entry(h, list, link)
		if (h->region == region && d->buf_off < h->d.buf_off + h->d.alloc_len &&
		    h->d.buf_off < d->buf_off + d->alloc_len)
			return true;
	return false;
}

static void lu2k_rx_free_locked(struct lu2k_rx *rx)
{
	lockdep_assert_held(&rx->ni->lock);
	rx->ni->rx_out--;
	lu2k_region_put(rx->region);
	/* Never the last reference: the caller's interface is attached or being destroyed. */
	refcount_dec(&rx->ni->ref.refcount);
	kmem_cache_free(lu2k_rx_cache, rx);
}

void lu2k_rx_take_locked(struct lu2k_ni *ni, struct lu2k_batch *b, const struct lu2k_rx_desc *d)
{
	struct lu2k_chan *chan = ni->chan;
	struct lu2k_rx *rx;

	lockdep_assert_held(&ni->lock);
	/*
	 * A daemon could post many tiny ranges, each costing the kernel a
	 * struct lu2k_rx until its user is done: bound how many are out.
	 */
	if (ni->rx_out >= chan->setup.rx.entries * LU2K_RX_OUT_PER_ENTRY ||
	    lu2k_rx_desc_check(&chan->setup, d) ||
	    lu2k_rx_overlaps(&ni->rx_held, chan->region, d) ||
	    lu2k_rx_overlaps(&ni->free_pending, chan->region, d)) {
		ni->stats.bad_rx++;
		return;
	}
	rx = kmem_cache_zalloc(lu2k_rx_cache, GFP_KERNEL);
	if (!rx) {
		struct lu2k_free_desc f = { .buf_off = d->buf_off, .alloc_len = d->alloc_len };

		/* Cannot deliver: give the range straight back. */
		if (!lu2k_ring_push(&chan->free, &f))
			lu2k_chan_kick_daemon(chan, &chan->free);
		return;
	}
	rx->d = *d;
	memcpy(rx->hdr, (u8 *)chan->region->mem + d->buf_off, d->hdr_len);
	kref_get(&chan->region->ref);
	rx->region = chan->region;
	kref_get(&ni->ref);
	rx->ni = ni;
	list_add_tail(&rx->link, &ni->rx_held);
	ni->rx_out++;
	list_add_tail(&rx->blink, &b->rx);
	ni->stats.rx_msgs++;
	ni->stats.rx_bytes += d->payload_len;
}

void lu2k_rx_flush_free_locked(struct lu2k_ni *ni)
{
	struct lu2k_chan *chan = ni->chan;
	struct lu2k_rx *rx, *tmp;
	bool pushed = false;

	lockdep_assert_held(&ni->lock);
	if (!chan)
		return;
	list_for_each_entry_safe(rx, tmp, &ni->free_pending, link) {
		struct lu2k_free_desc f = {
			.buf_off = rx->d.buf_off,
			.alloc_len = rx->d.alloc_len,
		};

		if (lu2k_ring_push(&chan->free, &f))
			break;	/* full (or broken: the next service pass drops it) */
		list_del(&rx->link);
		lu2k_rx_free_locked(rx);
		pushed = true;
	}
	if (pushed)
		lu2k_chan_kick_daemon(chan, &chan->free);
}

void lu2k_rx_drop_pending_locked(struct lu2k_ni *ni)
{
	struct lu2k_rx *rx, *tmp;

	lockdep_assert_held(&ni->lock);
	list_for_each_entry_safe(rx, tmp, &ni->free_pending, link) {
		list_del(&rx->link);
		lu2k_rx_free_locked(rx);
	}
}

void lu2k_rx_run_batch(struct lu2k_ni *ni, struct lu2k_batch *b)
{
	struct lu2k_rx *rx, *tmp;

	lockdep_assert_held(&ni->cb_lock);
	list_for_each_entry_safe(rx, tmp, &b->rx, blink) {
		list_del_init(&rx->blink);
		ni->ops->rx(ni, rx);
	}
}

const struct lu2k_nid *lu2k_rx_src(const struct lu2k_rx *rx)
{
	return &rx->d.src;
}
EXPORT_SYMBOL_GPL(lu2k_rx_src);

const void *lu2k_rx_hdr(const struct lu2k_rx *rx, u32 *hdr_len)
{
	*hdr_len = rx->d.hdr_len;
	return rx->hdr;
}
EXPORT_SYMBOL_GPL(lu2k_rx_hdr);

u32 lu2k_rx_payload_len(const struct lu2k_rx *rx)
{
	return rx->d.payload_len;
}
EXPORT_SYMBOL_GPL(lu2k_rx_payload_len);

int lu2k_rx_copy(struct lu2k_rx *rx, u32 offset, struct iov_iter *to, u32 len)
{
	const u8 *src;

	if (offset > rx->d.payload_len || len > rx->d.payload_len - offset)
		return -EINVAL;
	/* Checked against the pool when taken; the daemon can change bytes, not bounds. */
	src = (const u8 *)rx->region->mem + rx->d.buf_off + rx->d.hdr_len + offset;
	if (copy_to_iter(src, len, to) != len)
		return -EFAULT;
	return 0;
}
EXPORT_SYMBOL_GPL(lu2k_rx_copy);

void lu2k_rx_done(struct lu2k_rx *rx)
{
	struct lu2k_ni *ni = rx->ni;

	mutex_lock(&ni->lock);
	list_del(&rx->link);
	if (ni->chan && ni->chan->region == rx->region && !ni->dead) {
		/* Back to the same daemon's pool. */
		list_add_tail(&rx->link, &ni->free_pending);
		lu2k_rx_flush_free_locked(ni);
		mutex_unlock(&ni->lock);
		return;
	}
	ni->rx_out--;
	mutex_unlock(&ni->lock);
	lu2k_region_put(rx->region);
	kmem_cache_free(lu2k_rx_cache, rx);
	lu2k_ni_put(ni);
}
EXPORT_SYMBOL_GPL(lu2k_rx_done);
