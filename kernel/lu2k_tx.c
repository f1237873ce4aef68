// SPDX-License-Identifier: GPL-2.0
/*
 * lu2k_tx.c - outgoing messages: peers and credits, the TX pool, cookies,
 * completions from the daemon and the kernel's own timeouts.
 *
 * A message holds a credit of its interface and of its next hop
 * (include/lu2k/credit.h), and a range of the TX pool and a cookie of the
 * channel's table (include/lu2k/cookie.h), from lu2k_send() until the daemon
 * completes its cookie (or the channel goes away). liblu2k follows the same
 * rules with the same headers. If the daemon is late past timeout + grace, the
 * caller gets -ETIMEDOUT but the range and credits stay held (an orphan)
 * because the daemon may still be reading it. A message sent with
 * LU2K_SEND_MAY_QUEUE that finds no ring slot or pool room waits on
 * ni->tx_queue (credits held, no range yet) and is posted in order as
 * completions make room.
 *
 *   lu2k_send --(room)--> COPYING --(copied, unlocked)--> POSTED   (or an error from lu2k_send)
 *   lu2k_send --> QUEUED --(room)--> POSTED --(CPL)--> done (tx_done once)
 *                   |                  |--(timeout + grace)--> ORPHAN --(CPL)--> freed
 *                   +--(timeout)--> done        (tx_done -ETIMEDOUT once, at the orphaning)
 *   detach or destroy: every QUEUED and POSTED message done with an error, orphans freed.
 */
#define pr_fmt(fmt) "lu2k: " fmt

#include <linux/bitmap.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include "lu2k_internal.h"

struct lu2k_peer *lu2k_peer_find(struct lu2k_ni *ni, const struct lu2k_nid *nid, bool create)
{
	u32 key = jhash(nid, sizeof(*nid), 0);
	struct lu2k_peer *p;

	lockdep_assert_held(&ni->lock);
	hash_for_each_possible(ni->peer_hash, p, hnode, key)
		if (lu2k_nid_equal(&p->nid, nid))
			return p;
	if (!create)
		return NULL;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	p->nid = *nid;
	hash_add(ni->peer_hash, &p->hnode, key);
	ni->npeers++;
	return p;
}

/*
 * The posted message a completion names, or NULL: never issued, completed
 * already, or still being copied (its cookie is out, the daemon cannot know
 * it yet).
 */
static struct lu2k_tx *lu2k_tx_lookup(struct lu2k_ni *ni, u64 cookie)
{
	struct lu2k_chan *chan = ni->chan;
	int slot;

	lockdep_assert_held(&ni->lock);
	slot = lu2k_cookie_lookup(chan->cookies, cookie);
	return slot < 0 ? NULL : chan->tx_by_slot[slot];
}

/* Give back the pool range and the cookie lu2k_tx_reserve_locked() set aside. */
static void lu2k_tx_unreserve_locked(struct lu2k_ni *ni, struct lu2k_chan *chan,
				     struct lu2k_tx *tx)
{
	u32 slot = lu2k_cookie_slot_of(tx->cookie);

	lockdep_assert_held(&ni->lock);
	bitmap_clear(chan->tx_map, tx->unit, tx->nunits);
	chan->tx_by_slot[slot] = NULL;
	lu2k_cookie_put(chan->cookies, slot);
}

/* Give back what a message holds; it is then only on the caller's list. */
static void lu2k_tx_unlink_locked(struct lu2k_ni *ni, struct lu2k_tx *tx)
{
	struct lu2k_chan *chan = ni->chan;

	lockdep_assert_held(&ni->lock);
	list_del(&tx->link);
	if (tx->state == LU2K_TX_QUEUED)
		ni->stats.tx_queued--;
	else if (chan)
		lu2k_tx_unreserve_locked(ni, chan, tx);
	lu2k_credit_give(&ni->cr, &tx->peer->inflight);
}

static void lu2k_tx_finish_locked(struct lu2k_ni *ni, struct lu2k_batch *b,
				  struct lu2k_tx *tx, int status)
{
	bool orphan = tx->state == LU2K_TX_ORPHAN;

	lockdep_assert_held(&ni->lock);
	lu2k_tx_unlink_locked(ni, tx);
	if (orphan) {
		/* The caller already had its -ETIMEDOUT. */
		kmem_cache_free(lu2k_tx_cache, tx);
		return;
	}
	tx->status = status;
	if (status)
		ni->stats.tx_err++;
	else
		ni->stats.tx_ok++;
	list_add_tail(&tx->link, &b->tx);
}

static int lu2k_send_check(struct lu2k_ni *ni, const struct lu2k_send_args *a)
{
	if (!a->target || lu2k_nid_check(a->target, LU2K_FEAT_ALL))
		return -EINVAL;
	if (a->nexthop && lu2k_nid_check(a->nexthop, LU2K_FEAT_ALL))
		return -EINVAL;
	if (a->hdr_len > LU2K_HDR_MAX || (a->hdr_len && !a->hdr))
		return -EINVAL;
	if (a->payload_len && (!a->payload || iov_iter_count(a->payload) < a->payload_len))
		return -EINVAL;
	if (a->flags & ~LU2K_SEND_MAY_QUEUE)
		return -EINVAL;
	return 0;
}

/*
 * Room for a message, set aside for it: a TX ring slot (beyond those held by
 * copies in progress), a range of the TX pool and a cookie. -EAGAIN: no room
 * now (nothing changed); -ENOTCONN: the daemon broke the TX ring.
 */
static int lu2k_tx_reserve_locked(struct lu2k_ni *ni, struct lu2k_tx *tx)
{
	struct lu2k_chan *chan = ni->chan;
	u64 len = (u64)tx->hdr_len + tx->payload_len;
	unsigned long unit;
	u32 nunits;

	lockdep_assert_held(&ni->lock);
	if (lu2k_ring_prod_space(&chan->tx) <= ni->tx_ring_held) {
		if (!chan->tx.broken)
			return -EAGAIN;
		/* The daemon scribbled on the consumer index: the tick drops it. */
		mod_delayed_work(system_wq, &ni->work, 0);
		return -ENOTCONN;
	}
	nunits = max_t(u32, 1, DIV_ROUND_UP(len, LU2K_TX_UNIT));
	unit = bitmap_find_next_zero_area(chan->tx_map, chan->tx_units, 0, nunits, 0);
	if (unit >= chan->tx_units)
		return -EAGAIN;
	/* Never short: the table has a slot per credit, and this message holds one. */
	if (WARN_ON_ONCE(lu2k_cookie_get(chan->cookies, &tx->cookie) < 0))
		return -EAGAIN;
	bitmap_set(chan->tx_map, unit, nunits);
	tx->unit = unit;
	tx->nunits = nunits;
	return 0;
}

static u64 lu2k_tx_buf_off(const struct lu2k_chan *chan, const struct lu2k_tx *tx)
{
	return chan->setup.tx_pool_off + (u64)tx->unit * LU2K_TX_UNIT;
}

/* Header and payload into the message's range. false: the payload fell short. */
static bool lu2k_tx_copy(u8 *buf, const struct lu2k_tx *tx, struct iov_iter *payload)
{
	memcpy(buf, tx->hdr, tx->hdr_len);
	return !tx->payload_len ||
	       copy_from_iter(buf + tx->hdr_len, tx->payload_len, payload) == tx->payload_len;
}

/* A message copied into its range goes on the TX ring: the descriptor, a kick. */
static void lu2k_tx_submit_locked(struct lu2k_ni *ni, struct lu2k_tx *tx)
{
	struct lu2k_chan *chan = ni->chan;
	struct lu2k_tx_desc d;
	u32 tmo;

	lockdep_assert_held(&ni->lock);
	tx->state = LU2K_TX_POSTED;
	chan->tx_by_slot[lu2k_cookie_slot_of(tx->cookie)] = tx;
	list_add_tail(&tx->link, &ni->tx_list);
	ni->stats.tx_posted++;

	/* What is left of the message's own timeout (it may have waited). */
	tmo = time_after(tx->expires, jiffies) ? jiffies_to_msecs(tx->expires - jiffies) : 0;
	memset(&d, 0, sizeof(d));
	d.buf_off = lu2k_tx_buf_off(chan, tx);
	d.cookie = tx->cookie;
	d.target = tx->target;
	d.nexthop = tx->hop;
	d.hdr_len = tx->hdr_len;
	d.payload_len = tx->payload_len;
	d.timeout_ms = max(tmo, 1U);
	d.flags = lu2k_nid_equal(&tx->target, &tx->hop) ? 0 : LU2K_TX_ROUTED;
	memcpy(lu2k_ring_prod_slot(&chan->tx, 0), &d, sizeof(d));
	lu2k_ring_prod_submit(&chan->tx, 1);
	lu2k_chan_kick_daemon(chan, &chan->tx);
}

/*
 * Post a queued message, copy included, under the lock (the queue is drained
 * by the tick and by completions, not by the senders). -EAGAIN: no room now
 * (nothing changed); -EFAULT: the payload could not be copied; -ENOTCONN: the
 * daemon broke the TX ring.
 */
static int lu2k_tx_post_locked(struct lu2k_ni *ni, struct lu2k_tx *tx, struct iov_iter *payload)
{
	struct lu2k_chan *chan = ni->chan;
	int rc;

	lockdep_assert_held(&ni->lock);
	rc = lu2k_tx_reserve_locked(ni, tx);
	if (rc)
		return rc;
	if (!lu2k_tx_copy((u8 *)chan->region->mem + lu2k_tx_buf_off(chan, tx), tx, payload)) {
		lu2k_tx_unreserve_locked(ni, chan, tx);
		return -EFAULT;
	}
	lu2k_tx_submit_locked(ni, tx);
	return 0;
}

int lu2k_send(struct lu2k_ni *ni, const struct lu2k_send_args *a)
{
	const struct lu2k_nid *hop = a->nexthop ? a->nexthop : a->target;
	bool may_queue = a->flags & LU2K_SEND_MAY_QUEUE;
	u64 len = (u64)a->hdr_len + a->payload_len;
	struct lu2k_region *region;
	struct lu2k_chan *chan;
	struct lu2k_peer *peer;
	struct lu2k_tx *tx;
	bool copied;
	u32 tmo, gen;
	u8 *buf;
	int rc;

	might_sleep();
	rc = lu2k_send_check(ni, a);
	if (rc)
		return rc;
	tx = kmem_cache_zalloc(lu2k_tx_cache, GFP_KERNEL);
	if (!tx)
		return -ENOMEM;
	tx->target = *a->target;
	tx->hop = *hop;
	tx->hdr_len = a->hdr_len;
	if (a->hdr_len)
		memcpy(tx->hdr, a->hdr, a->hdr_len);
	tx->payload_len = a->payload_len;
	if (may_queue && a->payload_len)
		tx->iter = *a->payload;
	tx->priv = a->priv;

	mutex_lock(&ni->lock);
	chan = ni->chan;
	rc = -ENOTCONN;
	if (!chan || ni->dead)
		goto fail;
	rc = -EOPNOTSUPP;
	if (((a->target->size || hop->size) && !(chan->setup.features & LU2K_FEAT_IPV6)) ||
	    (!lu2k_nid_equal(a->target, hop) && !(chan->setup.features & LU2K_FEAT_NEXTHOP)))
		goto fail;
	rc = -EMSGSIZE;
	if (len > chan->setup.max_msg_size)
		goto fail;
	rc = -ENOMEM;
	peer = lu2k_peer_find(ni, hop, true);
	if (!peer)
		goto fail;
	rc = lu2k_credit_take(&ni->cr, &peer->inflight);
	if (rc)
		goto fail;

	tmo = a->timeout_ms ? a->timeout_ms : chan->setup.timeout_ms;
	tx->expires = jiffies + msecs_to_jiffies(tmo);
	tx->deadline = jiffies + msecs_to_jiffies(min_t(u64, UINT_MAX,
			lu2k_orphan_after_ms(tmo, READ_ONCE(lu2k_tun.timeout_grace_ms))));
	tx->peer = peer;
	/* Behind queued messages, or first in line. */
	rc = list_empty(&ni->tx_queue) ? lu2k_tx_reserve_locked(ni, tx) : -EAGAIN;
	if (rc == -EAGAIN && may_queue) {
		tx->state = LU2K_TX_QUEUED;
		list_add_tail(&tx->link, &ni->tx_queue);
		ni->stats.tx_queued++;
		ni->stats.tx_waited++;
		mutex_unlock(&ni->lock);
		return 0;
	}
	if (rc)
		goto fail_credit;

	/*
	 * Room is set aside: copy without the lock (up to 4 MiB), so that other
	 * senders, completions, received messages and the tick go on meanwhile.
	 * The region is held; the channel may go, which the generation tells.
	 */
	tx->state = LU2K_TX_COPYING;
	ni->tx_ring_held++;
	/* Senders that copy at the same time: what the unlocked copy is for. */
	if (ni->tx_ring_held > ni->stats.tx_copying_max)
		ni->stats.tx_copying_max = ni->tx_ring_held;
	gen = ni->chan_gen;
	region = chan->region;
	kref_get(&region->ref);
	buf = (u8 *)region->mem + lu2k_tx_buf_off(chan, tx);
	mutex_unlock(&ni->lock);

	copied = lu2k_tx_copy(buf, tx, a->payload);

	mutex_lock(&ni->lock);
	rc = 0;
	if (ni->chan_gen != gen || !ni->chan) {
		/* Detached meanwhile: the slot, range and cookie went with that channel. */
		ni->stats.tx_copy_detached++;
		rc = -ENOTCONN;
	} else {
		ni->tx_ring_held--;
		if (copied) {
			lu2k_tx_submit_locked(ni, tx);
			ni->stats.tx_copied_unlocked++;
		} else {
			lu2k_tx_unreserve_locked(ni, ni->chan, tx);
			rc = -EFAULT;
		}
	}
	if (rc)
		lu2k_credit_give(&ni->cr, &peer->inflight);
	mutex_unlock(&ni->lock);
	lu2k_region_put(region);
	if (rc)
		kmem_cache_free(lu2k_tx_cache, tx);
	return rc;

fail_credit:
	lu2k_credit_give(&ni->cr, &peer->inflight);
fail:
	mutex_unlock(&ni->lock);
	kmem_cache_free(lu2k_tx_cache, tx);
	return rc;
}
EXPORT_SYMBOL_GPL(lu2k_send);

/* Room may have come back: post queued messages, in order, while they fit. */
void lu2k_tx_drain_locked(struct lu2k_ni *ni, struct lu2k_batch *b)
{
	struct lu2k_tx *tx, *tmp;
	int rc;

	lockdep_assert_held(&ni->lock);
	list_for_each_entry_safe(tx, tmp, &ni->tx_queue, link) {
		if (!ni->chan)
			return;
		list_del(&tx->link);
		ni->stats.tx_queued--;
		rc = lu2k_tx_post_locked(ni, tx, &tx->iter);
		if (!rc)
			continue;
		/* Back at the head, as it was, for the error path or a later try. */
		list_add(&tx->link, &ni->tx_queue);
		ni->stats.tx_queued++;
		if (rc == -EAGAIN)
			return;
		lu2k_tx_finish_locked(ni, b, tx, rc);
	}
}

/* A completion that passed lu2k_cpl_desc_check(): is the cookie ours and open? */
void lu2k_tx_complete_locked(struct lu2k_ni *ni, struct lu2k_batch *b,
			     const struct lu2k_cpl_desc *d)
{
	struct lu2k_tx *tx = lu2k_tx_lookup(ni, d->cookie);

	lockdep_assert_held(&ni->lock);
	if (!tx) {
		/* Never issued, or completed already: the second one is dropped. */
		ni->stats.bad_cpl++;
		return;
	}
	if (tx->state == LU2K_TX_ORPHAN)
		ni->stats.tx_orphans--;
	lu2k_tx_finish_locked(ni, b, tx, d->status);
}

/* The channel is going: every message the daemon had fails, once. */
void lu2k_tx_fail_all_locked(struct lu2k_ni *ni, struct lu2k_batch *b, int status)
{
	struct lu2k_tx *tx, *tmp;

	lockdep_assert_held(&ni->lock);
	list_for_each_entry_safe(tx, tmp, &ni->tx_queue, link)
		lu2k_tx_finish_locked(ni, b, tx, status);
	list_for_each_entry_safe(tx, tmp, &ni->tx_list, link)
		lu2k_tx_finish_locked(ni, b, tx, status);
	ni->stats.tx_orphans = 0;
}

/* The tick: a message the daemon did not complete in time fails now. */
void lu2k_tx_expire_locked(struct lu2k_ni *ni, struct lu2k_batch *b)
{
	struct lu2k_tx *tx, *tmp;

	lockdep_assert_held(&ni->lock);
	/* Still queued past its own timeout: the daemon never saw it. */
	list_for_each_entry_safe(tx, tmp, &ni->tx_queue, link) {
		if (!time_after(jiffies, tx->expires))
			continue;
		ni->stats.tx_timeout++;
		lu2k_tx_finish_locked(ni, b, tx, -ETIMEDOUT);
	}

	list_for_each_entry_safe(tx, tmp, &ni->tx_list, link) {
		struct lu2k_tx *done;

		if (tx->state != LU2K_TX_POSTED || !time_after(jiffies, tx->deadline))
			continue;
		/* The caller's copy goes on the batch; the orphan keeps the range. */
		done = kmem_cache_zalloc(lu2k_tx_cache, GFP_KERNEL);
		if (!done)
			continue;	/* try again at the next tick */
		done->priv = tx->priv;
		done->status = -ETIMEDOUT;
		tx->state = LU2K_TX_ORPHAN;
		tx->priv = NULL;
		ni->stats.tx_orphans++;
		ni->stats.tx_timeout++;
		ni->stats.tx_err++;
		list_add_tail(&done->link, &b->tx);
	}
}

void lu2k_tx_run_batch(struct lu2k_ni *ni, struct lu2k_batch *b)
{
	struct lu2k_tx *tx, *tmp;

	lockdep_assert_held(&ni->cb_lock);
	list_for_each_entry_safe(tx, tmp, &b->tx, link) {
		list_del(&tx->link);
		ni->ops->tx_done(ni, tx->priv, tx->status);
		kmem_cache_free(lu2k_tx_cache, tx);
	}
}
