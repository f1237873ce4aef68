// SPDX-License-Identifier: MIT
/*
 * rcvbuf.c - receive window, out-of-order and in-order message delivery.
 */
#include "rcvbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "seq.h"

int udt_rcvbuf_init(struct udt_rcvbuf *rb, uint32_t cap_pkts, size_t payload, int stream,
		    uint32_t first_seq, udt_deliver_fn deliver, void *ctx)
{
	uint32_t cap = 16;

	memset(rb, 0, sizeof(*rb));
	while (cap < cap_pkts && cap < (1u << 24))
		cap <<= 1;
	rb->slot = calloc(cap, sizeof(*rb->slot));
	rb->msg = calloc(cap, sizeof(*rb->msg));
	rb->iov_cap = 64;
	rb->iov = malloc(rb->iov_cap * sizeof(*rb->iov));
	rb->pool_cap = 256;
	rb->pool = malloc(rb->pool_cap * sizeof(*rb->pool));
	if (!rb->slot || !rb->msg || !rb->iov || !rb->pool) {
		udt_rcvbuf_fini(rb);
		return -ENOMEM;
	}
	rb->cap = cap;
	rb->mask = cap - 1;
	rb->base_seq = rb->scan_seq = first_seq;
	rb->payload = payload;
	rb->stream = stream;
	rb->deliver = deliver;
	rb->ctx = ctx;
	return 0;
}

void udt_rcvbuf_fini(struct udt_rcvbuf *rb)
{
	uint32_t i;

	if (rb->slot)
		for (i = 0; i < rb->cap; i++)
			free(rb->slot[i].data);
	while (rb->npool)
		free(rb->pool[--rb->npool]);
	free(rb->slot);
	free(rb->msg);
	free(rb->iov);
	free(rb->pool);
	memset(rb, 0, sizeof(*rb));
}

static inline struct udt_rslot *slot_at(struct udt_rcvbuf *rb, uint32_t seq)
{
	return &rb->slot[(rb->base_idx + (uint32_t)udt_seq_off(rb->base_seq, seq)) & rb->mask];
}

static void put_buf(struct udt_rcvbuf *rb, struct udt_rslot *s)
{
	if (s->refused) {
		s->refused = 0;
		rb->nrefused--;
	}
	if (s->data && rb->npool < rb->pool_cap)
		rb->pool[rb->npool++] = s->data;
	else
		free(s->data);
	s->data = NULL;
	s->state = UDT_RS_DONE;
}

int udt_rcvbuf_fits(const struct udt_rcvbuf *rb, uint32_t seq)
{
	int32_t off = udt_seq_off(rb->base_seq, seq);

	return off >= 0 && (uint32_t)off < rb->cap;
}

/*
 * Hands [first, last] to the callback, then frees their payloads. -EAGAIN:
 * the callback refused the message; its packets stay.
 */
static int deliver_range(struct udt_rcvbuf *rb, uint32_t first, uint32_t last, uint32_t msgno)
{
	uint32_t n = udt_seq_len(first, last), i, seq;
	size_t total = 0;

	if (n > rb->iov_cap) {
		size_t ncap = rb->iov_cap;
		struct iovec *niov;

		while (ncap < n)
			ncap *= 2;
		niov = realloc(rb->iov, ncap * sizeof(*niov));
		if (!niov)
			return -ENOMEM;
		rb->iov = niov;
		rb->iov_cap = ncap;
	}
	for (i = 0, seq = first; i < n; i++, seq = udt_seq_inc(seq)) {
		struct udt_rslot *s = slot_at(rb, seq);

		rb->iov[i].iov_base = s->data;
		rb->iov[i].iov_len = s->len;
		total += s->len;
	}
	if (rb->deliver && rb->deliver(rb->ctx, msgno, rb->iov, (int)n, total) < 0) {
		struct udt_rslot *s = slot_at(rb, first);

		if (!s->refused) {
			s->refused = 1;
			rb->nrefused++;
		}
		return -EAGAIN;
	}
	rb->delivered_msgs++;
	rb->delivered_bytes += total;
	for (i = 0, seq = first; i < n; i++, seq = udt_seq_inc(seq))
		put_buf(rb, slot_at(rb, seq));
	return 0;
}

/* Are [first, last] all present and of message msgno? */
static int range_complete(struct udt_rcvbuf *rb, uint32_t first, uint32_t last, uint32_t msgno)
{
	uint32_t seq;

	for (seq = first;; seq = udt_seq_inc(seq)) {
		struct udt_rslot *s = slot_at(rb, seq);

		if (s->state != UDT_RS_DATA || UDT_MSG_NO(s->msgword) != msgno)
			return 0;
		if (seq == last)
			return 1;
	}
}

/* Gives up on whatever is still held in [first, last]. */
static void drop_range(struct udt_rcvbuf *rb, uint32_t first, uint32_t last)
{
	uint32_t seq;

	for (seq = first;; seq = udt_seq_inc(seq)) {
		struct udt_rslot *s = slot_at(rb, seq);

		if (s->state == UDT_RS_DATA) {
			rb->dropped_pkts++;
			put_buf(rb, s);
		}
		if (seq == last)
			break;
	}
}

static void release(struct udt_rcvbuf *rb)
{
	while (rb->base_seq != rb->scan_seq) {
		struct udt_rslot *s = &rb->slot[rb->base_idx];

		if (s->state != UDT_RS_DONE)
			break;
		s->state = UDT_RS_EMPTY;
		rb->base_idx = (rb->base_idx + 1) & rb->mask;
		rb->base_seq = udt_seq_inc(rb->base_seq);
	}
}

/*
 * The callback refused the message [first, last]: stop in front of it, so
 * that the next walk (udt_rcvbuf_resume) starts over at its first packet.
 */
static void block(struct udt_rcvbuf *rb, uint32_t first, uint32_t last)
{
	rb->blocked = 1;
	rb->block_seq = last;
	rb->scan_seq = first;
	rb->in_msg = 0;
}

/* Walks the contiguous head of the window, delivering in-order messages. */
static void walk(struct udt_rcvbuf *rb)
{
	while (!rb->blocked && udt_rcvbuf_fits(rb, rb->scan_seq)) {
		uint32_t seq = rb->scan_seq;
		struct udt_rslot *s = slot_at(rb, seq);
		uint32_t pb = UDT_MSG_BOUNDARY(s->msgword);

		if (s->state == UDT_RS_EMPTY)
			break;
		if (s->state == UDT_RS_DONE) {
			/* a message cut short by a drop request */
			if (rb->in_msg)
				drop_range(rb, rb->msg_start, seq);
			rb->in_msg = 0;
		} else if (rb->stream) {
			if (deliver_range(rb, seq, seq, 0) == -EAGAIN) {
				block(rb, seq, seq);
				break;
			}
		} else {
			if (pb & UDT_PB_FIRST) {
				if (rb->in_msg)
					drop_range(rb, rb->msg_start, udt_seq_dec(seq));
				rb->msg_start = seq;
				rb->in_msg = 1;
			}
			if (!rb->in_msg) {
				/* the rest of a message whose start was dropped */
				rb->dropped_pkts++;
				put_buf(rb, s);
			} else if (pb & UDT_PB_LAST) {
				uint32_t no = UDT_MSG_NO(s->msgword);
				int r = -EINVAL;

				if (range_complete(rb, rb->msg_start, seq, no))
					r = deliver_range(rb, rb->msg_start, seq, no);
				if (r == -EAGAIN) {
					block(rb, rb->msg_start, seq);
					break;
				}
				if (r == 0)
					rb->msg[no & rb->mask].valid = 0;
				else
					drop_range(rb, rb->msg_start, seq);
				rb->in_msg = 0;
			}
		}
		rb->scan_seq = udt_seq_inc(seq);
	}
	release(rb);
}

/* Counts a packet of an out-of-order message; delivers the message when whole. */
static void count_ooo(struct udt_rcvbuf *rb, uint32_t seq, uint32_t msgword)
{
	uint32_t no = UDT_MSG_NO(msgword), pb = UDT_MSG_BOUNDARY(msgword);
	struct udt_rmsg *m = &rb->msg[no & rb->mask];

	if (!m->valid || m->msgno != no) {
		memset(m, 0, sizeof(*m));
		m->valid = 1;
		m->msgno = no;
	}
	m->have++;
	if (pb & UDT_PB_FIRST) {
		m->first_seq = seq;
		m->has_first = 1;
	}
	if (pb & UDT_PB_LAST) {
		m->last_seq = seq;
		m->has_last = 1;
	}
	if (!m->has_first || !m->has_last)
		return;
	if (udt_seq_cmp(m->first_seq, m->last_seq) > 0 ||
	    m->have != udt_seq_len(m->first_seq, m->last_seq))
		return;
	/* the walker may already have passed the first packet: it is still kept */
	if (!udt_rcvbuf_fits(rb, m->first_seq))
		return;
	/* refused: it stays, and the walker offers it again when it gets there */
	if (range_complete(rb, m->first_seq, m->last_seq, no))
		deliver_range(rb, m->first_seq, m->last_seq, no);
	m->valid = 0;
}

int udt_rcvbuf_add(struct udt_rcvbuf *rb, uint32_t seq, uint32_t msgword, const uint8_t *data,
		   size_t len)
{
	struct udt_rslot *s;

	if (!udt_rcvbuf_fits(rb, seq))
		return -ERANGE;
	if (len == 0 || len > rb->payload)
		return -EINVAL;
	s = slot_at(rb, seq);
	if (s->state != UDT_RS_EMPTY || udt_seq_cmp(seq, rb->scan_seq) < 0)
		return 1;
	s->data = rb->npool ? rb->pool[--rb->npool] : malloc(rb->payload);
	if (!s->data)
		return -ENOMEM;
	memcpy(s->data, data, len);
	s->len = (uint16_t)len;
	s->msgword = msgword;
	s->state = UDT_RS_DATA;
	if (!rb->stream && !UDT_MSG_INORDER(msgword))
		count_ooo(rb, seq, msgword);
	walk(rb);
	return 0;
}

uint32_t udt_rcvbuf_drop(struct udt_rcvbuf *rb, uint32_t msgno, uint32_t first, uint32_t last)
{
	uint32_t seq, end;

	/*
	 * Where we hold the message's last packet, or a packet of another
	 * message, the range really ends: libudt names one past the end.
	 */
	for (seq = first; udt_rcvbuf_fits(rb, seq) && udt_seq_cmp(seq, last) < 0;
	     seq = udt_seq_inc(seq)) {
		struct udt_rslot *s = slot_at(rb, seq);

		if (s->state != UDT_RS_DATA)
			continue;
		if (UDT_MSG_NO(s->msgword) != msgno) {
			if (udt_seq_cmp(seq, first) > 0)
				last = udt_seq_dec(seq);
			break;
		}
		if (UDT_MSG_BOUNDARY(s->msgword) & UDT_PB_LAST) {
			last = seq;
			break;
		}
	}
	/* packets of the message anywhere in the window */
	end = udt_seq_add(rb->base_seq, (int32_t)rb->cap);
	for (seq = rb->base_seq; seq != end; seq = udt_seq_inc(seq)) {
		struct udt_rslot *s = slot_at(rb, seq);

		if (s->state == UDT_RS_DATA && UDT_MSG_NO(s->msgword) == msgno) {
			rb->dropped_pkts++;
			put_buf(rb, s);
		}
	}
	/* holes in [first, last] will never be filled */
	for (seq = udt_seq_cmp(first, rb->base_seq) < 0 ? rb->base_seq : first;
	     udt_rcvbuf_fits(rb, seq) && udt_seq_cmp(seq, last) <= 0; seq = udt_seq_inc(seq)) {
		struct udt_rslot *s = slot_at(rb, seq);

		if (s->state == UDT_RS_EMPTY)
			s->state = UDT_RS_DONE;
	}
	rb->msg[msgno & rb->mask].valid = 0;
	/* the refused message the walker waits at may be the one dropped */
	if (rb->blocked && slot_at(rb, rb->scan_seq)->state != UDT_RS_DATA)
		rb->blocked = 0;
	walk(rb);
	return last;
}

int udt_rcvbuf_ack_limit(const struct udt_rcvbuf *rb, uint32_t *seq)
{
	if (!rb->blocked)
		return 0;
	*seq = rb->block_seq;
	return 1;
}

/* Offer the refused messages beyond the walker again, in order. */
static void offer_refused(struct udt_rcvbuf *rb)
{
	uint32_t seq = rb->scan_seq;

	while (rb->nrefused && udt_rcvbuf_fits(rb, seq)) {
		struct udt_rslot *s = slot_at(rb, seq);
		uint32_t no = UDT_MSG_NO(s->msgword), last = seq;

		if (s->state != UDT_RS_DATA || !s->refused) {
			seq = udt_seq_inc(seq);
			continue;
		}
		/* a refused message is whole: its packets follow up to its last */
		while (!(UDT_MSG_BOUNDARY(slot_at(rb, last)->msgword) & UDT_PB_LAST) &&
		       udt_rcvbuf_fits(rb, udt_seq_inc(last)))
			last = udt_seq_inc(last);
		if (!range_complete(rb, seq, last, no) ||
		    deliver_range(rb, seq, last, no) == -EAGAIN)
			break;
		seq = udt_seq_inc(last);
	}
}

int udt_rcvbuf_resume(struct udt_rcvbuf *rb)
{
	rb->blocked = 0;
	walk(rb);
	if (!rb->blocked)
		offer_refused(rb);
	return (int)rb->nrefused;
}

uint32_t udt_rcvbuf_avail(const struct udt_rcvbuf *rb, uint32_t ack_seq)
{
	int32_t used = udt_seq_off(rb->base_seq, ack_seq);

	if (used < 0)
		used = 0;
	if ((uint32_t)used + 1 >= rb->cap)
		return 0;
	return rb->cap - (uint32_t)used - 1;
}
