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
};

struct udt_rmsg {
	uint32_t msgno;
	uint32_t have;
	uint32_t first_seq, last_seq;
	uint8_t valid, has_first, has_last;
};

typedef void (*udt_deliver_fn)(void *ctx, uint32_t msgno, const struct iovec *iov, int iovcnt,
			       size_t len);

struct udt_rcvbuf {
	struct udt_rslot *slot;
	struct udt_rmsg *msg; /* per-message counters, indexed by msgno & mask */
	uint32_t cap, mask;
	uint32_t base_seq, base_idx;
	uint32_t scan_seq;  /* first packet the walker has not passed */
	uint32_t msg_start; /* walker: first packet of the message it is in */
	int in_msg;
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
/* Free packets the window can still take beyond ack_seq. */
uint32_t udt_rcvbuf_avail(const struct udt_rcvbuf *rb, uint32_t ack_seq);

#endif
