/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lu2k_api.h - the internal API of lu2klnd.ko, called by the LNet glue and by
 * the test client (lu2k_selftest.ko).
 *
 * An interface (struct lu2k_ni) is one local NID. Its user creates it with
 * lu2k_ni_create(); a daemon attaches to it by opening /dev/lu2k and asking for
 * that NID (or for any free interface). While no daemon is attached,
 * lu2k_send() fails with -ENOTCONN.
 *
 * Exactly once: every lu2k_send() that returns 0 is followed by exactly one
 * call of ops->tx_done() for it, with 0 (the peer daemon has the message) or a
 * negative errno. A lu2k_send() that returns an error has no tx_done().
 * Callbacks run in process context, never from inside lu2k_send(),
 * lu2k_rx_done() or with a lock of this module held that those take: they may
 * send and free. After lu2k_ni_destroy() returns, no callback runs any more.
 */
#ifndef _LU2K_API_H
#define _LU2K_API_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <lu2k/desc.h>

struct lu2k_ni;
struct lu2k_rx;

enum lu2k_ni_event {
	LU2K_NI_DETACHED,	/* the daemon went away (status says how) */
	LU2K_NI_PEER_UP,	/* the daemon reports a peer reachable */
	LU2K_NI_PEER_DOWN,	/* the daemon reports a peer unreachable */
};

struct lu2k_ni_ops {
	/* A message sent with lu2k_send() is finished. */
	void (*tx_done)(struct lu2k_ni *ni, void *tx_priv, int status);
	/* A message arrived; the callee owns rx until lu2k_rx_done(rx). */
	void (*rx)(struct lu2k_ni *ni, struct lu2k_rx *rx);
	/* Optional. peer is NULL for DETACHED. */
	void (*event)(struct lu2k_ni *ni, enum lu2k_ni_event ev, const struct lu2k_nid *peer,
		      int status);
};

/* Counters of one interface; bad_* are descriptors from the daemon that were dropped. */
struct lu2k_ni_stats {
	u64	tx_posted;
	u64	tx_ok;
	u64	tx_err;
	u64	tx_timeout;	/* completed by the kernel's own timer */
	u64	tx_waited;	/* had to wait in the queue */
	u64	tx_copied_unlocked; /* copied into the pool without the interface's lock */
	u64	tx_copy_detached; /* the daemon went away during such a copy */
	u64	rx_msgs;
	u64	rx_bytes;
	u64	bad_cpl;
	u64	bad_rx;
	u64	bad_evt;
	u64	bad_ring;	/* impossible ring indices: the channel was dropped */
	u64	attaches;
	u64	detaches;
	u32	tx_inflight;	/* holding a credit (includes orphans, below) */
	u32	tx_inflight_max; /* the most at once, since the daemon attached */
	u32	tx_copying_max;	/* the most copies without the lock at once, likewise */
	u32	tx_orphans;	/* timed out, pool range still with the daemon */
	u32	tx_queued;	/* waiting for ring or pool room */
	u32	rx_held;	/* received, not yet given back to the daemon */
	u32	peers;
};

struct lu2k_send_args {
	const struct lu2k_nid	*target;	/* final destination */
	const struct lu2k_nid	*nexthop;	/* NULL: the target itself */
	const void		*hdr;		/* LNet header, copied */
	u32			hdr_len;	/* <= LU2K_HDR_MAX */
	struct iov_iter		*payload;	/* payload_len bytes are copied out; NULL if 0 */
	u32			payload_len;
	u32			timeout_ms;	/* 0: the interface's default */
	u32			flags;		/* LU2K_SEND_* */
	void			*priv;		/* handed back to tx_done() */
};

/*
 * The payload iterator's memory (the kvec/bvec array and the pages) stays valid
 * until tx_done(): when the TX ring or pool is full, the message waits in the
 * kernel instead of failing with -EAGAIN. (LNet's kiov is valid until
 * lnet_finalize(), so the LNet glue always sets it.)
 */
#define LU2K_SEND_MAY_QUEUE	BIT(0)

struct lu2k_ni *lu2k_ni_create(const struct lu2k_nid *nid, const struct lu2k_ni_ops *ops,
			       void *priv);
void lu2k_ni_destroy(struct lu2k_ni *ni);
void *lu2k_ni_priv(struct lu2k_ni *ni);
const struct lu2k_nid *lu2k_ni_nid(struct lu2k_ni *ni);
bool lu2k_ni_attached(struct lu2k_ni *ni);
void lu2k_ni_get_stats(struct lu2k_ni *ni, struct lu2k_ni_stats *st);

/*
 * 0 (tx_done follows), -ENOTCONN, -EAGAIN (out of credits; or of ring or pool room
 * without LU2K_SEND_MAY_QUEUE), -EMSGSIZE, -EOPNOTSUPP, -EINVAL.
 */
int lu2k_send(struct lu2k_ni *ni, const struct lu2k_send_args *a);

/* A received message: the sender's NID and a private copy of its header. */
const struct lu2k_nid *lu2k_rx_src(const struct lu2k_rx *rx);
const void *lu2k_rx_hdr(const struct lu2k_rx *rx, u32 *hdr_len);
u32 lu2k_rx_payload_len(const struct lu2k_rx *rx);
/* Copy len payload bytes from offset into to. Returns 0 or -EINVAL / -EFAULT. */
int lu2k_rx_copy(struct lu2k_rx *rx, u32 offset, struct iov_iter *to, u32 len);
/* Give the buffer back to the daemon (if it is still there). */
void lu2k_rx_done(struct lu2k_rx *rx);

#endif /* _LU2K_API_H */
