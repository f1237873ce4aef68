// SPDX-License-Identifier: GPL-2.0
/*
 * lu2k_lnd_cb.c - LNet's data path on the lu2k interface: lnd_send, lnd_recv
 * and the interface's callbacks (completions, arrivals, peer events).
 *
 * Send: the header goes on the channel in LNet's 16-byte-NID form always, the
 * payload is copied from LNet's kiov into the TX pool by lu2k_send(); the
 * completion (exactly one per accepted send) becomes exactly one
 * lnet_finalize() with msg_health_status saying what happened.
 *
 * To itself: LNet sends to its own NID over the NI (its local NI recovery
 * pings, lst's console to its own node). Such a message is handed to
 * lnet_parse() here, as LNet's loopback driver does, while a daemon is
 * attached (so that a dead daemon still shows in the NI's health); its
 * private is tagged (bit 0) to tell it from a struct lu2k_rx.
 *
 * Receive: a message whose header and lengths agree goes to lnet_parse().
 * When that returns 0, LNet calls lnd_recv exactly once (maybe later, maybe
 * with a NULL msg to drop it or because it was a GET); when it fails, the
 * message is given back here. The payload is copied from the shared region
 * straight into LNet's pages.
 */
#define pr_fmt(fmt) "lu2klnd: " fmt

#include <linux/highmem.h>
#include "lu2k_lnd.h"

/* Both NIDs are 20 bytes of size, type, net number and address, in that order. */
static_assert(sizeof(struct lnet_nid) == sizeof(struct lu2k_nid));
static_assert(offsetof(struct lnet_nid, nid_size) == offsetof(struct lu2k_nid, size));
static_assert(offsetof(struct lnet_nid, nid_type) == offsetof(struct lu2k_nid, type));
static_assert(offsetof(struct lnet_nid, nid_num) == offsetof(struct lu2k_nid, num));
static_assert(offsetof(struct lnet_nid, nid_addr) == offsetof(struct lu2k_nid, addr));
static_assert(sizeof(struct lnet_hdr_nid16) <= LU2K_HDR_MAX);

void lu2k_lnd_nid_to_chan(const struct lnet_nid *in, struct lu2k_nid *out)
{
	memcpy(out, in, sizeof(*out));
	out->type = LU2K_LND_TYPE;
}

static void lu2k_lnd_nid_from_chan(const struct lu2k_nid *in, struct lnet_nid *out)
{
	memcpy(out, in, sizeof(*out));
	out->nid_type = lu2k_lnd.lnd_type;
}

unsigned int lu2k_lnd_timeout_s(void)
{
	int t = READ_ONCE(lu2k_lnd_tun.timeout);

	return t > 0 ? t : max(lnet_get_lnd_timeout(), 1U);
}

/*
 * What a failed message tells LNet's health logic: local trouble (our
 * daemon, our memory) lowers the local NI's health, a peer that refused or
 * vanished lowers the peer's, a timeout on the way lowers both.
 */
static enum lnet_msg_hstatus lu2k_lnd_hstatus(int status)
{
	switch (status) {
	case 0:
		return LNET_MSG_STATUS_OK;
	case -ETIMEDOUT:
		return LNET_MSG_STATUS_NETWORK_TIMEOUT;
	case -ESHUTDOWN:
		return LNET_MSG_STATUS_LOCAL_ABORTED;
	case -ENETUNREACH:
		return LNET_MSG_STATUS_LOCAL_NO_ROUTE;
	case -ECONNREFUSED:
	case -EHOSTUNREACH:
	case -EHOSTDOWN:
	case -ECONNABORTED:
	case -EPIPE:
	case -EPROTO:
		return LNET_MSG_STATUS_REMOTE_ERROR;
	default:
		/* -ENOTCONN / -ECONNRESET: no daemon; -ENOMEM, -EMSGSIZE, ... */
		return LNET_MSG_STATUS_LOCAL_ERROR;
	}
}

#define LU2K_LND_LOOP		1UL

static bool lu2k_lnd_is_loop(void *private)
{
	return (unsigned long)private & LU2K_LND_LOOP;
}

static int lu2k_lnd_send_self(struct lnet_ni *lni, struct lnet_msg *msg)
{
	struct lnet_hdr hdr = msg->msg_hdr;

	if (!lu2k_ni_attached(lni->ni_data)) {
		msg->msg_health_status = LNET_MSG_STATUS_LOCAL_ERROR;
		return -ENOTCONN;
	}
	/* 0: lnd_recv follows, which finalizes msg; < 0: LNet finalizes it */
	return lnet_parse(lni, &hdr, &lni->ni_nid, (void *)((unsigned long)msg | LU2K_LND_LOOP), 0);
}

/* Copy len bytes at offset of a sender's kiov into an iterator. */
static int lu2k_lnd_copy_kiov(struct iov_iter *to, const struct bio_vec *kiov, unsigned int niov,
			      unsigned int offset, unsigned int len)
{
	unsigned int i, n;
	size_t done;
	void *p;

	for (i = 0; i < niov && len; i++) {
		if (offset >= kiov[i].bv_len) {
			offset -= kiov[i].bv_len;
			continue;
		}
		n = min(kiov[i].bv_len - offset, len);
		p = kmap_local_page(kiov[i].bv_page);
		done = copy_to_iter(p + kiov[i].bv_offset + offset, n, to);
		kunmap_local(p);
		if (done != n)
			return -EFAULT;
		len -= n;
		offset = 0;
	}
	return len ? -EINVAL : 0;
}

static int lu2k_lnd_recv_self(struct lnet_msg *tx, struct lnet_msg *msg, struct iov_iter *to,
			      unsigned int mlen)
{
	int rc = 0;

	if (mlen)
		rc = lu2k_lnd_copy_kiov(to, tx->msg_kiov, tx->msg_niov, tx->msg_offset, mlen);
	tx->msg_health_status = rc ? LNET_MSG_STATUS_LOCAL_ERROR : LNET_MSG_STATUS_OK;
	lnet_finalize(tx, rc);
	if (rc)
		return rc;
	if (msg)
		lnet_finalize(msg, 0);
	return 0;
}

int lu2k_lnd_send(struct lnet_ni *lni, void *private, struct lnet_msg *msg)
{
	struct lu2k_ni *ni = lni->ni_data;
	struct lnet_hdr_nid16 hdr;
	struct lu2k_nid target, hop;
	struct lu2k_send_args a = {
		.target = &target,
		.nexthop = &hop,
		.hdr = &hdr,
		.hdr_len = sizeof(hdr),
		.payload_len = msg->msg_len,
		.timeout_ms = lu2k_lnd_timeout_s() * MSEC_PER_SEC,
		/* LNet's kiov stays valid until lnet_finalize() */
		.flags = LU2K_SEND_MAY_QUEUE,
		.priv = msg,
	};
	struct iov_iter payload;
	int rc;

	if (nid_same(&msg->msg_target.nid, &lni->ni_nid))
		return lu2k_lnd_send_self(lni, msg);
	lnet_hdr_to_nid16(&msg->msg_hdr, &hdr);
	/* msg_target is the next hop on this network (a router if routed) */
	lu2k_lnd_nid_to_chan(&msg->msg_target.nid, &hop);
	/*
	 * The final destination goes with the message when it is on this
	 * network; beyond a router it may not even be an IP NID, and the
	 * header carries it anyway.
	 */
	if (LNET_NID_NET(&msg->msg_hdr.dest_nid) == LNET_NID_NET(&lni->ni_nid))
		lu2k_lnd_nid_to_chan(&msg->msg_hdr.dest_nid, &target);
	else
		target = hop;
	if (msg->msg_len) {
		iov_iter_bvec(&payload, ITER_SOURCE, msg->msg_kiov, msg->msg_niov,
			      msg->msg_offset + msg->msg_len);
		iov_iter_advance(&payload, msg->msg_offset);
		a.payload = &payload;
	}
	rc = lu2k_send(ni, &a);
	if (rc) {
		/* LNet finalizes a message whose lnd_send failed. */
		msg->msg_health_status = lu2k_lnd_hstatus(rc);
		if (rc != -ENOTCONN)
			pr_warn_ratelimited("send to %s failed: %d\n",
					    libcfs_nidstr(&msg->msg_target.nid), rc);
		return rc;
	}
	return 0;
}

static void lu2k_lnd_tx_done(struct lu2k_ni *ni, void *tx_priv, int status)
{
	struct lnet_msg *msg = tx_priv;

	msg->msg_health_status = lu2k_lnd_hstatus(status);
	if (status && status != -ESHUTDOWN)
		pr_debug("message to %s failed: %d\n", libcfs_nidstr(&msg->msg_target.nid),
			 status);
	lnet_finalize(msg, status);
}

int lu2k_lnd_recv_to(struct lnet_ni *lni, void *private, struct lnet_msg *msg,
		     struct iov_iter *to, unsigned int mlen)
{
	struct lu2k_rx *rx = private;
	int rc = 0;

	if (lu2k_lnd_is_loop(private))
		return lu2k_lnd_recv_self((void *)((unsigned long)private & ~LU2K_LND_LOOP), msg,
					  to, mlen);
	/* mlen <= rlen == the payload, checked against the header on arrival */
	if (mlen)
		rc = lu2k_rx_copy(rx, 0, to, mlen);
	lu2k_rx_done(rx);
	if (rc)
		return rc;	/* LNet finalizes msg with rc */
	if (msg)
		lnet_finalize(msg, 0);
	return 0;
}

/* Take a message from the channel only if LNet can make sense of it. */
static int lu2k_lnd_rx_check(struct lnet_ni *lni, struct lu2k_rx *rx, struct lnet_hdr *hdr,
			     struct lnet_nid *from)
{
	const void *raw;
	u32 len;

	lu2k_lnd_nid_from_chan(lu2k_rx_src(rx), from);
	if (LNET_NID_NET(from) != LNET_NID_NET(&lni->ni_nid))
		return -EPROTO;
	raw = lu2k_rx_hdr(rx, &len);
	if (len != sizeof(struct lnet_hdr_nid16))
		return -EPROTO;
	lnet_hdr_from_nid16(hdr, raw);
	/* Only PUT and REPLY carry a payload, and exactly what they announce. */
	switch (hdr->type) {
	case LNET_MSG_PUT:
	case LNET_MSG_REPLY:
		if (hdr->payload_length != lu2k_rx_payload_len(rx))
			return -EPROTO;
		break;
	default:
		if (lu2k_rx_payload_len(rx))
			return -EPROTO;
	}
	return 0;
}

static void lu2k_lnd_rx(struct lu2k_ni *ni, struct lu2k_rx *rx)
{
	struct lnet_ni *lni = lu2k_ni_priv(ni);
	struct lnet_hdr hdr;
	struct lnet_nid from;
	int rc;

	rc = lu2k_lnd_rx_check(lni, rx, &hdr, &from);
	if (rc) {
		pr_warn_ratelimited("%s: dropped a malformed message from %s\n",
				    libcfs_nidstr(&lni->ni_nid), libcfs_nidstr(&from));
		lu2k_rx_done(rx);
		return;
	}
	rc = lnet_parse(lni, &hdr, &from, rx, 0);
	if (rc < 0) {
		/* LNet will not call lnd_recv for it */
		pr_debug("lnet_parse from %s: %d\n", libcfs_nidstr(&from), rc);
		lu2k_rx_done(rx);
	}
}

static void lu2k_lnd_event(struct lu2k_ni *ni, enum lu2k_ni_event ev,
			   const struct lu2k_nid *peer, int status)
{
	struct lnet_ni *lni = lu2k_ni_priv(ni);
	struct lnet_nid nid;

	switch (ev) {
	case LU2K_NI_DETACHED:
		if (status != -ESHUTDOWN)
			pr_warn("%s: lu2kd detached (%d); messages fail until a daemon attaches\n",
				libcfs_nidstr(&lni->ni_nid), status);
		break;
	case LU2K_NI_PEER_UP:
	case LU2K_NI_PEER_DOWN:
		lu2k_lnd_nid_from_chan(peer, &nid);
		lnet_notify(lni, &nid, ev == LU2K_NI_PEER_UP, false, ktime_get_seconds());
		break;
	}
}

const struct lu2k_ni_ops lu2k_lnd_ni_ops = {
	.tx_done	= lu2k_lnd_tx_done,
	.rx		= lu2k_lnd_rx,
	.event		= lu2k_lnd_event,
};
