/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lu2k_internal.h - what the files of lu2klnd.ko share: interfaces, channels,
 * messages, peers and the tunables.
 *
 * Locking, outermost first:
 *   lu2k_nis_lock     the list of interfaces, and attaching a channel to one
 *   ni->cb_lock       held while callbacks run, so that lu2k_ni_destroy() can
 *                     wait for them; never taken by lu2k_send()/lu2k_rx_done()
 *   ni->lock          everything else of the interface and of its channel
 *                     (rings, pools, messages, peers, counters); lu2k_send()
 *                     copies a message into the TX pool without it, into a
 *                     range and ring slot it set aside under it (COPYING)
 * Callbacks are collected under ni->lock in a struct lu2k_batch and run after
 * it is dropped, under ni->cb_lock.
 */
#ifndef _LU2K_INTERNAL_H
#define _LU2K_INTERNAL_H

#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <lu2k/cookie.h>
#include <lu2k/credit.h>
#include <lu2k/policy.h>
#include "lu2k_api.h"

#define LU2K_TX_UNIT		2048	/* TX pool allocation unit, bytes */
#define LU2K_TICK_MS		500	/* period of the ring scan and timeout check */
#define LU2K_RX_OUT_PER_ENTRY	4	/* received messages held at most, per RX ring entry */

struct lu2k_tunables {
	unsigned int	credits;
	unsigned int	peer_credits;
	unsigned int	timeout_ms;
	unsigned int	timeout_grace_ms;
	unsigned int	ring_entries;
	unsigned int	tx_pool_mb;
	unsigned int	rx_pool_mb;
	unsigned int	max_msg_size;
};

extern struct lu2k_tunables lu2k_tun;

/*
 * Messages come from their own caches: a message left over at unload makes
 * kmem_cache_destroy() complain (the VM test fails on it).
 */
extern struct kmem_cache *lu2k_tx_cache;
extern struct kmem_cache *lu2k_rx_cache;

/* The shared memory of one attachment; outlives the file while RX are held. */
struct lu2k_region {
	struct kref	ref;
	void		*mem;
	u64		size;
};

/* One open /dev/lu2k. */
struct lu2k_chan {
	struct mutex		setup_lock;	/* SETUP against mmap/kick */
	struct lu2k_ni		*ni;		/* set once by SETUP; holds a reference */
	struct lu2k_region	*region;
	struct lu2k_setup	setup;		/* private copy of what is in force */
	/* Below: under ni->lock while attached. */
	struct lu2k_ring	tx, cpl, rx, free, evt;
	unsigned long		*tx_map;	/* one bit per LU2K_TX_UNIT of the TX pool */
	u32			tx_units;
	struct lu2k_cookie_tab	*cookies;	/* setup.credits slots (include/lu2k/cookie.h) */
	struct lu2k_tx		**tx_by_slot;	/* POSTED and ORPHAN messages by cookie slot */
	bool			dead;		/* dropped: poll reports POLLHUP */
	atomic_t		kick;		/* the kernel kicked; poll reports POLLIN once */
	wait_queue_head_t	wq;
};

enum lu2k_tx_state {
	LU2K_TX_COPYING,	/* ring slot and pool range held, lu2k_send() copying unlocked */
	LU2K_TX_QUEUED,		/* waiting for TX ring or pool room (LU2K_SEND_MAY_QUEUE) */
	LU2K_TX_POSTED,		/* on the TX ring, the caller waits */
	LU2K_TX_ORPHAN,		/* the caller got -ETIMEDOUT; the daemon still reads the range */
};

struct lu2k_peer {
	struct hlist_node	hnode;		/* ni->peer_hash */
	struct lu2k_nid		nid;
	u32			inflight;
	bool			down;
};

struct lu2k_tx {
	struct list_head	link;		/* ni->tx_queue or ni->tx_list, then a batch */
	struct lu2k_peer	*peer;
	u64			cookie;		/* the channel's, once room is set aside */
	u32			unit;
	u32			nunits;
	unsigned long		expires;	/* jiffies: the message's own timeout */
	unsigned long		deadline;	/* jiffies: the kernel steps in */
	enum lu2k_tx_state	state;
	int			status;
	void			*priv;
	/* What is needed to post it (later, if queued). */
	struct lu2k_nid		target;
	struct lu2k_nid		hop;
	struct iov_iter		iter;		/* the caller's, if it may be queued */
	u32			hdr_len;
	u32			payload_len;
	u8			hdr[LU2K_HDR_MAX];
};

struct lu2k_rx {
	struct list_head	link;		/* ni->rx_held, then ni->free_pending */
	struct list_head	blink;		/* a batch, until handed to the user */
	struct lu2k_ni		*ni;		/* holds a reference */
	struct lu2k_region	*region;	/* holds a reference */
	struct lu2k_rx_desc	d;		/* the validated private copy */
	u8			hdr[LU2K_HDR_MAX];
};

struct lu2k_evt {
	struct list_head	link;
	enum lu2k_ni_event	ev;
	struct lu2k_nid		nid;
	bool			has_nid;
	int			status;
};

/* Callbacks collected under ni->lock, run after it. */
struct lu2k_batch {
	struct list_head	tx;
	struct list_head	rx;
	struct list_head	evt;
	bool			more;		/* the budget ran out: scan again soon */
};

struct lu2k_ni {
	struct kref		ref;
	struct list_head	link;		/* lu2k_nis */
	struct lu2k_nid		nid;
	const struct lu2k_ni_ops *ops;
	void			*priv;
	struct mutex		cb_lock;	/* held while callbacks run */
	struct mutex		lock;		/* the rest of the interface and its channel */
	bool			dead;		/* destroyed by its user */
	struct lu2k_chan	*chan;		/* the attached daemon, or NULL */
	u32			chan_gen;	/* +1 at each attach: is it still that channel? */
	u32			tx_ring_held;	/* TX ring slots held by copies in progress */
	struct list_head	tx_queue;	/* QUEUED, in lu2k_send() order */
	struct list_head	tx_list;	/* POSTED and ORPHAN, in posting order */
	struct lu2k_credit	cr;		/* bounds from the channel's setup */
	DECLARE_HASHTABLE(peer_hash, 8);	/* next hops, by NID; freed with the interface */
	u32			npeers;
	struct list_head	rx_held;	/* handed to the user, not yet done */
	struct list_head	free_pending;	/* done, waiting for room on the FREE ring */
	u32			rx_out;		/* on rx_held or free_pending */
	struct delayed_work	work;
	struct lu2k_ni_stats	stats;
};

/* lu2k_ni.c */
extern struct mutex lu2k_nis_lock;
struct lu2k_ni *lu2k_ni_find_free_locked(const struct lu2k_nid *nid, u32 features, int *err);
void lu2k_ni_put(struct lu2k_ni *ni);
void lu2k_ni_attach_locked(struct lu2k_ni *ni, struct lu2k_chan *chan);
void lu2k_ni_release_chan(struct lu2k_ni *ni, struct lu2k_chan *chan);
void lu2k_ni_service(struct lu2k_ni *ni);
void lu2k_batch_init(struct lu2k_batch *b);
void lu2k_batch_event(struct lu2k_batch *b, enum lu2k_ni_event ev,
		      const struct lu2k_nid *nid, int status);
void lu2k_chan_kick_daemon(struct lu2k_chan *chan, struct lu2k_ring *r);

/* lu2k_tx.c */
struct lu2k_peer *lu2k_peer_find(struct lu2k_ni *ni, const struct lu2k_nid *nid, bool create);
void lu2k_tx_complete_locked(struct lu2k_ni *ni, struct lu2k_batch *b,
			     const struct lu2k_cpl_desc *d);
void lu2k_tx_fail_all_locked(struct lu2k_ni *ni, struct lu2k_batch *b, int status);
void lu2k_tx_expire_locked(struct lu2k_ni *ni, struct lu2k_batch *b);
void lu2k_tx_drain_locked(struct lu2k_ni *ni, struct lu2k_batch *b);
void lu2k_tx_run_batch(struct lu2k_ni *ni, struct lu2k_batch *b);

/* lu2k_rx.c */
void lu2k_rx_take_locked(struct lu2k_ni *ni, struct lu2k_batch *b,
			 const struct lu2k_rx_desc *d);
void lu2k_rx_flush_free_locked(struct lu2k_ni *ni);
void lu2k_rx_drop_pending_locked(struct lu2k_ni *ni);
void lu2k_rx_run_batch(struct lu2k_ni *ni, struct lu2k_batch *b);

/* lu2k_lnd.c: the LNet glue, when built against a Lustre tree (make LUSTRE=) */
#ifdef LU2K_LNET
int lu2k_lnd_init(void);
void lu2k_lnd_exit(void);
#else
static inline int lu2k_lnd_init(void) { return 0; }
static inline void lu2k_lnd_exit(void) { }
#endif

/* lu2k_chan.c */
void lu2k_region_put(struct lu2k_region *region);
int lu2k_chan_register(void);
void lu2k_chan_unregister(void);

#endif /* _LU2K_INTERNAL_H */
