// SPDX-License-Identifier: GPL-2.0
/*
 * lu2k_ni.c - interfaces: creation by their user, attachment of a daemon,
 * the service pass over the daemon's rings (CPL, RX, EVT), the periodic tick
 * (timeouts, lost kicks) and the detachment that fails what was in flight.
 */
#define pr_fmt(fmt) "lu2k: " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include "lu2k_internal.h"

/* Guards lu2k_nis and the attachment of a channel to an interface. */
DEFINE_MUTEX(lu2k_nis_lock);
static LIST_HEAD(lu2k_nis);

/* Descriptors taken from each daemon ring per service pass. */
#define LU2K_BUDGET	256

static void lu2k_ni_work(struct work_struct *work);

void lu2k_batch_init(struct lu2k_batch *b)
{
	INIT_LIST_HEAD(&b->tx);
	INIT_LIST_HEAD(&b->rx);
	INIT_LIST_HEAD(&b->evt);
	b->more = false;
}

void lu2k_batch_event(struct lu2k_batch *b, enum lu2k_ni_event ev,
		      const struct lu2k_nid *nid, int status)
{
	struct lu2k_evt *e = kzalloc(sizeof(*e), GFP_KERNEL);

	if (!e)
		return;		/* events are advisory */
	e->ev = ev;
	e->status = status;
	if (nid) {
		e->nid = *nid;
		e->has_nid = true;
	}
	list_add_tail(&e->link, &b->evt);
}

static void lu2k_batch_run(struct lu2k_ni *ni, struct lu2k_batch *b)
{
	struct lu2k_evt *e, *tmp;

	/* Callbacks may send: ni->lock must be free, cb_lock keeps destroy out. */
	lockdep_assert_held(&ni->cb_lock);
	lockdep_assert_not_held(&ni->lock);
	lu2k_tx_run_batch(ni, b);
	lu2k_rx_run_batch(ni, b);
	list_for_each_entry_safe(e, tmp, &b->evt, link) {
		list_del(&e->link);
		if (ni->ops->event)
			ni->ops->event(ni, e->ev, e->has_nid ? &e->nid : NULL, e->status);
		kfree(e);
	}
}

struct lu2k_ni *lu2k_ni_create(const struct lu2k_nid *nid, const struct lu2k_ni_ops *ops,
			       void *priv)
{
	struct lu2k_ni *ni, *other;
	int rc = 0;

	if (!ops || !ops->tx_done || !ops->rx || lu2k_nid_check(nid, LU2K_FEAT_ALL))
		return ERR_PTR(-EINVAL);
	ni = kzalloc(sizeof(*ni), GFP_KERNEL);
	if (!ni)
		return ERR_PTR(-ENOMEM);
	kref_init(&ni->ref);
	ni->nid = *nid;
	ni->ops = ops;
	ni->priv = priv;
	mutex_init(&ni->cb_lock);
	mutex_init(&ni->lock);
	INIT_LIST_HEAD(&ni->tx_queue);
	INIT_LIST_HEAD(&ni->tx_list);
	hash_init(ni->peer_hash);
	INIT_LIST_HEAD(&ni->rx_held);
	INIT_LIST_HEAD(&ni->free_pending);
	INIT_DELAYED_WORK(&ni->work, lu2k_ni_work);

	mutex_lock(&lu2k_nis_lock);
	list_for_each_entry(other, &lu2k_nis, link)
		if (lu2k_nid_equal(&other->nid, nid))
			rc = -EEXIST;
	if (!rc)
		list_add_tail(&ni->link, &lu2k_nis);
	mutex_unlock(&lu2k_nis_lock);
	if (rc) {
		kfree(ni);
		return ERR_PTR(rc);
	}
	return ni;
}
EXPORT_SYMBOL_GPL(lu2k_ni_create);

static void lu2k_ni_free(struct kref *ref)
{
	struct lu2k_ni *ni = container_of(ref, struct lu2k_ni, ref);
	struct hlist_node *tmp;
	struct lu2k_peer *p;
	int bkt;

	WARN_ON(!list_empty(&ni->tx_list) || !list_empty(&ni->tx_queue) ||
		!list_empty(&ni->rx_held));
	hash_for_each_safe(ni->peer_hash, bkt, tmp, p, hnode)
		kfree(p);
	kfree(ni);
}

void lu2k_ni_put(struct lu2k_ni *ni)
{
	kref_put(&ni->ref, lu2k_ni_free);
}

/*
 * Cut the channel off: fail every message once, forget the daemon's pools.
 * status is why (the DETACHED event's); the messages get -ECONNRESET unless
 * the interface itself is going (-ESHUTDOWN), as liblu2k's do (doc/abi.md):
 * a daemon that broke a ring is our trouble, not the peers'.
 */
static void lu2k_ni_detach_locked(struct lu2k_ni *ni, struct lu2k_batch *b, int status)
{
	struct lu2k_chan *chan = ni->chan;

	lockdep_assert_held(&ni->lock);
	if (!chan)
		return;
	lu2k_tx_fail_all_locked(ni, b, status == -ESHUTDOWN ? status : -ECONNRESET);
	lu2k_rx_drop_pending_locked(ni);
	ni->chan = NULL;
	ni->stats.detaches++;
	WRITE_ONCE(chan->dead, true);
	wake_up_interruptible(&chan->wq);
	lu2k_batch_event(b, LU2K_NI_DETACHED, NULL, status);
}

void lu2k_ni_destroy(struct lu2k_ni *ni)
{
	struct lu2k_batch b;

	mutex_lock(&lu2k_nis_lock);
	list_del(&ni->link);
	mutex_unlock(&lu2k_nis_lock);

	mutex_lock(&ni->lock);
	ni->dead = true;
	mutex_unlock(&ni->lock);
	cancel_delayed_work_sync(&ni->work);

	lu2k_batch_init(&b);
	mutex_lock(&ni->cb_lock);
	mutex_lock(&ni->lock);
	lu2k_ni_detach_locked(ni, &b, -ESHUTDOWN);
	mutex_unlock(&ni->lock);
	/* The user is still there: it gets its last completions now. */
	lu2k_batch_run(ni, &b);
	mutex_unlock(&ni->cb_lock);
	lu2k_ni_put(ni);
}
EXPORT_SYMBOL_GPL(lu2k_ni_destroy);

void *lu2k_ni_priv(struct lu2k_ni *ni)
{
	return ni->priv;
}
EXPORT_SYMBOL_GPL(lu2k_ni_priv);

const struct lu2k_nid *lu2k_ni_nid(struct lu2k_ni *ni)
{
	return &ni->nid;
}
EXPORT_SYMBOL_GPL(lu2k_ni_nid);

bool lu2k_ni_attached(struct lu2k_ni *ni)
{
	bool ret;

	mutex_lock(&ni->lock);
	ret = !!ni->chan;
	mutex_unlock(&ni->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(lu2k_ni_attached);

void lu2k_ni_get_stats(struct lu2k_ni *ni, struct lu2k_ni_stats *st)
{
	mutex_lock(&ni->lock);
	*st = ni->stats;
	st->tx_inflight = ni->cr.inflight;
	st->tx_inflight_max = ni->cr.inflight_max;
	st->rx_held = ni->rx_out;
	st->peers = ni->npeers;
	mutex_unlock(&ni->lock);
}
EXPORT_SYMBOL_GPL(lu2k_ni_get_stats);

/*
 * A daemon asks for nid (all zero: any free interface it can serve: an IPv6
 * one only with LU2K_FEAT_IPV6). Returns the interface with a reference for
 * the channel, or NULL and *err.
 */
struct lu2k_ni *lu2k_ni_find_free_locked(const struct lu2k_nid *nid, u32 features, int *err)
{
	static const struct lu2k_nid any;
	bool want_any = lu2k_nid_equal(nid, &any);
	struct lu2k_ni *ni;

	lockdep_assert_held(&lu2k_nis_lock);
	*err = -ENODEV;
	list_for_each_entry(ni, &lu2k_nis, link) {
		if (!want_any && !lu2k_nid_equal(&ni->nid, nid))
			continue;
		if (ni->nid.size && !(features & LU2K_FEAT_IPV6)) {
			*err = -EOPNOTSUPP;
			continue;
		}
		mutex_lock(&ni->lock);
		if (ni->chan || ni->dead) {
			mutex_unlock(&ni->lock);
			*err = -EBUSY;
			continue;
		}
		mutex_unlock(&ni->lock);
		kref_get(&ni->ref);
		return ni;
	}
	return NULL;
}

void lu2k_ni_attach_locked(struct lu2k_ni *ni, struct lu2k_chan *chan)
{
	lockdep_assert_held(&lu2k_nis_lock);
	mutex_lock(&ni->lock);
	ni->chan = chan;
	ni->chan_gen++;
	ni->tx_ring_held = 0;
	ni->stats.attaches++;
	/* Messages still being copied for the last channel hold credits until they fail. */
	ni->cr.credits = chan->setup.credits;
	ni->cr.peer_credits = chan->setup.peer_credits;
	ni->cr.inflight_max = 0;
	ni->stats.tx_copying_max = 0;
	/* The daemon may sleep at once: ask for kicks on the rings we consume. */
	lu2k_ring_cons_prepare_sleep(&chan->cpl);
	lu2k_ring_cons_prepare_sleep(&chan->rx);
	lu2k_ring_cons_prepare_sleep(&chan->evt);
	mod_delayed_work(system_wq, &ni->work, msecs_to_jiffies(LU2K_TICK_MS));
	mutex_unlock(&ni->lock);
}

/* The daemon's file is going away (or its setup failed half-way). */
void lu2k_ni_release_chan(struct lu2k_ni *ni, struct lu2k_chan *chan)
{
	struct lu2k_batch b;

	lu2k_batch_init(&b);
	mutex_lock(&ni->cb_lock);
	mutex_lock(&ni->lock);
	if (ni->chan == chan)
		lu2k_ni_detach_locked(ni, &b, -ECONNRESET);
	mutex_unlock(&ni->lock);
	lu2k_batch_run(ni, &b);
	mutex_unlock(&ni->cb_lock);
}

static void lu2k_ni_evt_locked(struct lu2k_ni *ni, struct lu2k_batch *b,
			       const struct lu2k_evt_desc *d)
{
	struct lu2k_peer *peer;

	lockdep_assert_held(&ni->lock);
	switch (d->type) {
	case LU2K_EVT_PEER_UP:
	case LU2K_EVT_PEER_DOWN:
		peer = lu2k_peer_find(ni, &d->nid, false);
		if (peer)
			peer->down = d->type == LU2K_EVT_PEER_DOWN;
		lu2k_batch_event(b, d->type == LU2K_EVT_PEER_UP ? LU2K_NI_PEER_UP :
				 LU2K_NI_PEER_DOWN, &d->nid, d->status);
		break;
	default:
		/* DETACH: the daemon closes its file next; release does the rest. */
		break;
	}
}

/*
 * Drain the daemon's rings, at most LU2K_BUDGET descriptors from each per
 * round and a few rounds, then ask for a kick before sleeping. Each
 * descriptor is copied out by lu2k_ring_pop() and checked on the copy.
 */
static void lu2k_ni_service_locked(struct lu2k_ni *ni, struct lu2k_batch *b)
{
	struct lu2k_chan *chan = ni->chan;
	struct lu2k_cpl_desc cpl;
	struct lu2k_rx_desc rx;
	struct lu2k_evt_desc evt;
	int round, n;
	bool full;

	lockdep_assert_held(&ni->lock);
	if (!chan || ni->dead)
		return;
	lu2k_rx_flush_free_locked(ni);
	for (round = 0; round < 4; round++) {
		full = false;
		for (n = 0; n < LU2K_BUDGET && lu2k_ring_pop(&chan->cpl, &cpl); n++) {
			if (lu2k_cpl_desc_check(&cpl))
				ni->stats.bad_cpl++;
			else
				lu2k_tx_complete_locked(ni, b, &cpl);
		}
		full |= n == LU2K_BUDGET;
		for (n = 0; n < LU2K_BUDGET && lu2k_ring_pop(&chan->rx, &rx); n++)
			lu2k_rx_take_locked(ni, b, &rx);
		full |= n == LU2K_BUDGET;
		for (n = 0; n < LU2K_BUDGET && lu2k_ring_pop(&chan->evt, &evt); n++) {
			if (lu2k_evt_desc_check(&chan->setup, &evt))
				ni->stats.bad_evt++;
			else
				lu2k_ni_evt_locked(ni, b, &evt);
		}
		full |= n == LU2K_BUDGET;
		if (chan->cpl.broken || chan->rx.broken || chan->evt.broken ||
		    chan->tx.broken || chan->free.broken) {
			ni->stats.bad_ring++;
			pr_warn_ratelimited("daemon of an interface published an impossible ring index: dropping it\n");
			lu2k_ni_detach_locked(ni, b, -EPROTO);
			return;
		}
		if (full)
			continue;
		if (lu2k_ring_cons_prepare_sleep(&chan->cpl) &&
		    lu2k_ring_cons_prepare_sleep(&chan->rx) &&
		    lu2k_ring_cons_prepare_sleep(&chan->evt))
			return;
	}
	/* Still busy: come back from the work queue rather than hog this caller. */
	b->more = true;
}

static void lu2k_ni_pass(struct lu2k_ni *ni, bool tick)
{
	struct lu2k_batch b;

	lu2k_batch_init(&b);
	mutex_lock(&ni->cb_lock);
	mutex_lock(&ni->lock);
	lu2k_ni_service_locked(ni, &b);
	if (ni->chan)
		lu2k_tx_drain_locked(ni, &b);
	if (tick && ni->chan)
		lu2k_tx_expire_locked(ni, &b);
	if (ni->chan && !ni->dead && (tick || b.more))
		mod_delayed_work(system_wq, &ni->work,
				 b.more ? 1 : msecs_to_jiffies(LU2K_TICK_MS));
	mutex_unlock(&ni->lock);
	lu2k_batch_run(ni, &b);
	mutex_unlock(&ni->cb_lock);
}

/* LU2K_IOC_KICK: the daemon posted something. */
void lu2k_ni_service(struct lu2k_ni *ni)
{
	lu2k_ni_pass(ni, false);
}

/* The tick: lost kicks, exhausted budgets, timeouts. */
static void lu2k_ni_work(struct work_struct *work)
{
	lu2k_ni_pass(container_of(to_delayed_work(work), struct lu2k_ni, work), true);
}
