/* SPDX-License-Identifier: MIT */
/*
 * rcvbuf.h - the receiver's window of packets and message reassembly.
 *
 * A ring of slots indexed by a packet's distance from base_seq, the oldest
 * packet still kept. Whole messages are handed to a callback as an iovec of
 * their packets' payloads, valid only during the call:
 *  - a message without the in-order bit as soon as all of its packets are in
 *    (counted per message number), whatever is missing before it;
 *  - an in-order message when everything before it has arrived or was
 *    dropped (a walker follows the contiguous head of the window).
 * In stream mode every packet's payload is handed over in order.
 *
 * The callback may refuse a message (return < 0: no room now). Its packets
 * stay in the window, and the walker stops at it (blocked): nothing after it
 * is delivered in order, the ACK point must not cover its last packet
 * (udt_rcvbuf_ack_limit), and the window fills up behind it, which is the
 * sender's flow control. Out-of-order messages completing meanwhile are still
 * offered once each. udt_rcvbuf_resume() walks again from the refused message:
 * it is offered again, exactly once per walk, then what follows it.
 */
#ifndef LU2K_UDT_RCVBUF_H
#define LU2K_UDT_RCVBUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

enum { UDT_RS_EMPTY = 0, UDT_RS_DATA = 1, UDT_RS_DONE = 2 };

struct udt_rslot {
	uint8_t *data;
	uint32_t msgword;
	uint16_t len;
	uint8_t state;
	uint8_t refused; /* first packet of a message the callback refused */
};

struct udt_rmsg {
	uint32_t msgno;
	uint32_t have;
	uint32_t first_seq, last_seq;
	uint8_t valid, has_first, has_last;
};

/* 0: the message was taken; < 0: refused for now (kept; see above). */
typedef int (*udt_deliver_fn)(void *ctx, uint32_t msgno, const struct iovec *iov, int iovcnt,
			      size_t len);

struct udt_rcvbuf {
	struct udt_rslot *slot;
	struct udt_rmsg *msg; /* per-message counters, indexed by msgno & mask */
	uint32_t cap, mask;
	uint32_t base_seq, base_idx;
	uint32_t scan_seq;  /* first packet the walker has not passed */
	uint32_t msg_start; /* walker: first packet of the message it is in */
	int in_msg;
	int blocked;	    /* the walker stopped at a refused message ... */
	uint32_t block_seq; /* ... whose last packet is this */
	uint32_t nrefused;  /* messages refused and still kept */
	int stream;
	size_t payload;
	struct iovec *iov;
	size_t iov_cap;
	uint8_t **pool; /* spare payload buffers */
	size_t npool, pool_cap;
	udt_deliver_fn deliver;
	void *ctx;
	uint64_t delivered_msgs, delivered_bytes, dropped_pkts;
};

int udt_rcvbuf_init(struct udt_rcvbuf *rb, uint32_t cap_pkts, size_t payload, int stream,
		    uint32_t first_seq, udt_deliver_fn deliver, void *ctx);
void udt_rcvbuf_fini(struct udt_rcvbuf *rb);

/* Can seq be stored (inside the window)? */
int udt_rcvbuf_fits(const struct udt_rcvbuf *rb, uint32_t seq);
/*
 * Stores a packet and delivers what it completes. Returns 0, 1 for a
 * duplicate, -ERANGE outside the window, -EINVAL for a bad length, -ENOMEM.
 */
int udt_rcvbuf_add(struct udt_rcvbuf *rb, uint32_t seq, uint32_t msgword, const uint8_t *data,
		   size_t len);
/*
 * Drops message msgno and gives up on the packets [first, last], where last
 * is cut back to the message's real end when the window shows it. Returns
 * the last sequence number given up on.
 */
uint32_t udt_rcvbuf_drop(struct udt_rcvbuf *rb, uint32_t msgno, uint32_t first, uint32_t last);
/*
 * The walker is blocked at a refused message: 1 and *seq = its last packet,
 * which the ACK point must not pass (the sender completes a message when all
 * of it is acknowledged). 0 when nothing is refused in order.
 */
int udt_rcvbuf_ack_limit(const struct udt_rcvbuf *rb, uint32_t *seq);
/*
 * Offer the refused message the walker waits at again, then walk on; then
 * the refused out-of-order messages beyond, in order, until one is refused
 * again. Returns the number of messages still refused.
 */
int udt_rcvbuf_resume(struct udt_rcvbuf *rb);
/* Free packets the window can still take beyond ack_seq. */
uint32_t udt_rcvbuf_avail(const struct udt_rcvbuf *rb, uint32_t ack_seq);

#endif
