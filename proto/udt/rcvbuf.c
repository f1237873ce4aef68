// SPDX-License-Identifier: MIT
/*
 * rcvbuf.c - receive window, out-of-order and in-order message delivery
 * (its memory: rcvbuf_mem.c).
 */
#include "rcvbuf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "rcvbuf_int.h"
#include "seq.h"

/*
 * The slot of seq. Past the slots allocated so far (but inside the window)
 * nothing was ever stored: an empty slot stands in, to read, never to keep
 * (what writes to a slot grows the table first).
 */
static inline struct udt_rslot *slot_at(struct udt_rcvbuf *rb, uint32_t seq)
{
	uint32_t off = (uint32_t)udt_seq_off(rb->base_seq, seq);

	if (off >= rb->cap) {
		memset(&rb->beyond, 0, sizeof(rb->beyond));
		return &rb->beyond;
	}
	return &rb->slot[(rb->base_idx + off) & rb->mask];
}

const struct udt_rslot *udt_rcvbuf_peek(const struct udt_rcvbuf *rb, uint32_t seq)
{
	int32_t off = udt_seq_off(rb->base_seq, seq);

	if (off < 0 || (uint32_t)off >= rb->cap)
		return NULL;
	return &rb->slot[(rb->base_idx + (uint32_t)off) & rb->mask];
}

/* Makes the slots cover want packets from the window's base (at most the window). */
static int grow_slots(struct udt_rcvbuf *rb, uint32_t want)
{
	uint32_t ncap = rb->cap, i;
	struct udt_rslot *ns;

	if (want > rb->win)
		want = rb->win;
	if (want <= rb->cap)
		return 0;
	while (ncap < want)
		ncap <<= 1;
	ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	/* the window's base moves to slot 0, the rest follows in order */
	for (i = 0; i < rb->cap; i++)
		ns[i] = rb->slot[(rb->base_idx + i) & rb->mask];
	free(rb->slot);
	rb->slot = ns;
	rb->cap = ncap;
	rb->mask = ncap - 1;
	rb->base_idx = 0;
	return 0;
}

/*
 * Doubles the message table. Two messages that had different places keep
 * different places (numbers apart modulo n are apart modulo 2n), so nothing
 * is lost, and the table holds the messages a table of the whole window
 * would hold: it grows where that one would not collide (track()).
 */
static int grow_msgs(struct udt_rcvbuf *rb)
{
	uint32_t ncap = rb->mcap << 1, i;
	struct udt_rmsg *nm = calloc(ncap, sizeof(*nm));

	if (!nm)
		return -ENOMEM;
	for (i = 0; i < rb->mcap; i++)
		if (rb->msg[i].valid)
			nm[rb->msg[i].msgno & (ncap - 1)] = rb->msg[i];
	free(rb->msg);
	rb->msg = nm;
	rb->mcap = ncap;
	rb->mmask = ncap - 1;
	return 0;
}

/*
 * Message no is done with. Only its own entry, or one a table of the whole
 * window would put at its place, is forgotten, as there.
 */
static void msg_forget(struct udt_rcvbuf *rb, uint32_t no)
{
	struct udt_rmsg *m = &rb->msg[no & rb->mmask];

	if (((m->msgno ^ no) & (rb->win - 1)) == 0)
		m->valid = 0;
}

/* The placed message ends: taken (delivered), or given up on (the application is told). */
static void place_end(struct udt_rcvbuf *rb, int taken)
{
	uint32_t no = rb->pl.msgno;

	rb->pl.on = 0;
	if (!taken && rb->unplace)
		rb->unplace(rb->ctx, no);
}

/*
 * The slot's packet is taken or given up on. Giving up on a packet of the
 * placed message gives up on the message (a taken one ended before).
 */
static void put_buf(struct udt_rcvbuf *rb, struct udt_rslot *s)
{
	if (s->flags & UDT_RS_REFUSED)
		rb->nrefused--;
	if (rb->pl.on && s->state == UDT_RS_DATA && UDT_MSG_NO(s->msgword) == rb->pl.msgno &&
	    !rb->stream)
		place_end(rb, 0);
	if (s->data)
		udt_rb_count_held(rb, 0);
	/* keep a few spare buffers, unless the shared budget runs short */
	if (s->flags & UDT_RS_PLACED)
		; /* the application's memory */
	else if (s->data && rb->npool < rb->pool_cap &&
		 (!rb->mem || rb->mem->used <= rb->mem->max / 2))
		rb->pool[rb->npool++] = s->data;
	else if (s->data)
		udt_rb_free_buf(rb, s->data);
	s->flags = 0;
	s->data = NULL;
	s->state = UDT_RS_DONE;
}

void udt_rcvbuf_set_nest(struct udt_rcvbuf *rb, int on)
{
	rb->nest = !!on;
}

/* Packets a message may span: nested ones come on top (NESTED MESSAGES). */
static uint32_t max_span(const struct udt_rcvbuf *rb)
{
	return rb->max_msg_pkts + (rb->nest ? UDT_RCVBUF_NEST_PKTS : 0);
}

/* Does the slot belong to another message than msgno (a nested one)? */
static int foreign(const struct udt_rcvbuf *rb, const struct udt_rslot *s, uint32_t msgno)
{
	return rb->nest && !rb->stream && UDT_MSG_NO(s->msgword) != msgno;
}

int udt_rcvbuf_fits(const struct udt_rcvbuf *rb, uint32_t seq)
{
	int32_t off = udt_seq_off(rb->base_seq, seq);

	return off >= 0 && (uint32_t)off < rb->win;
}

void udt_rcvbuf_set_place(struct udt_rcvbuf *rb, udt_place_fn place, udt_unplace_fn unplace)
{
	rb->place = place;
	rb->unplace = unplace;
}

void udt_rcvbuf_unplace(struct udt_rcvbuf *rb)
{
	rb->pl.on = 0;
}

/*
 * Moves the placed message's known run on over the packets already in: its
 * own add their bytes, nested ones are stepped over. Anything else (a hole
 * given up on, another message where none may nest, its last packet) ends
 * the run: nothing more of it is placed (PLACEMENT).
 */
static void place_advance(struct udt_rcvbuf *rb)
{
	struct udt_rplace *pl = &rb->pl;

	while (pl->on && !pl->stuck && udt_rcvbuf_fits(rb, pl->next_seq)) {
		struct udt_rslot *s = slot_at(rb, pl->next_seq);
		uint32_t no = UDT_MSG_NO(s->msgword), pb = UDT_MSG_BOUNDARY(s->msgword);

		if (s->state == UDT_RS_EMPTY)
			return;
		if (s->state == UDT_RS_DATA && no == pl->msgno && !(pb & UDT_PB_FIRST)) {
			pl->next_off += s->len;
			if (pb & UDT_PB_LAST)
				pl->stuck = 1;
		} else if (no == pl->msgno || !no || !foreign(rb, s, pl->msgno)) {
			pl->stuck = 1;
		}
		pl->next_seq = udt_seq_inc(pl->next_seq);
	}
}

/* Where a packet of the placed message goes, if its offset is known and inside the range. */
static uint8_t *place_at(const struct udt_rcvbuf *rb, uint32_t seq, uint32_t msgword, size_t len)
{
	const struct udt_rplace *pl = &rb->pl;

	if (!pl->on || pl->stuck || seq != pl->next_seq || UDT_MSG_NO(msgword) != pl->msgno ||
	    (UDT_MSG_BOUNDARY(msgword) & UDT_PB_FIRST) || pl->next_off < pl->from ||
	    pl->next_off + len > pl->to)
		return NULL;
	return pl->at + (pl->next_off - pl->from);
}

/* The first packet of a message of several, in slot s: may it be placed? */
static void place_begin(struct udt_rcvbuf *rb, uint32_t seq, const struct udt_rslot *s)
{
	struct udt_rplace *pl = &rb->pl;
	uint8_t *at = NULL;
	size_t from = 0, to = 0;

	if (rb->place(rb->ctx, UDT_MSG_NO(s->msgword), s->data, s->len, &at, &from, &to) < 0)
		return;
	pl->on = 1;
	pl->stuck = 0;
	pl->msgno = UDT_MSG_NO(s->msgword);
	pl->next_seq = udt_seq_inc(seq);
	pl->next_off = s->len;
	pl->at = at;
	pl->from = from;
	pl->to = to;
	pl->msgs++;
	/* packets ahead of it that came first: their offsets are known now */
	place_advance(rb);
}

/*
 * Hands [first, last] to the callback, then frees their payloads. -EAGAIN:
 * the callback refused the message; its packets stay.
 */
static int deliver_range(struct udt_rcvbuf *rb, uint32_t first, uint32_t last, uint32_t msgno)
{
	uint32_t n = udt_seq_len(first, last), i, k, seq;
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
	for (i = k = 0, seq = first; i < n; i++, seq = udt_seq_inc(seq)) {
		struct udt_rslot *s = slot_at(rb, seq);

		if (foreign(rb, s, msgno))
			continue; /* a nested message: not ours */
		rb->iov[k].iov_base = s->data;
		rb->iov[k].iov_len = s->len;
		total += s->len;
		k++;
	}
	if (rb->deliver && rb->deliver(rb->ctx, msgno, rb->iov, (int)k, total) < 0) {
		struct udt_rslot *s = slot_at(rb, first);

		if (!(s->flags & UDT_RS_REFUSED)) {
			s->flags |= UDT_RS_REFUSED;
			rb->nrefused++;
		}
		return -EAGAIN;
	}
	if (rb->pl.on && msgno == rb->pl.msgno && !rb->stream)
		place_end(rb, 1);
	rb->delivered_msgs++;
	rb->delivered_bytes += total;
	for (i = 0, seq = first; i < n; i++, seq = udt_seq_inc(seq))
		if (!foreign(rb, slot_at(rb, seq), msgno))
			put_buf(rb, slot_at(rb, seq));
	return 0;
}

/*
 * Are [first, last] all present and of message msgno? With nested messages,
 * a packet of another message may stand among them, held or already taken
 * (a hole given up on by a drop request has no message: msgno 0).
 */
static int range_complete(struct udt_rcvbuf *rb, uint32_t first, uint32_t last, uint32_t msgno)
{
	uint32_t seq;

	for (seq = first;; seq = udt_seq_inc(seq)) {
		struct udt_rslot *s = slot_at(rb, seq);

		if (foreign(rb, s, msgno) && seq != first && seq != last &&
		    (s->state == UDT_RS_DATA ||
		     (s->state == UDT_RS_DONE && UDT_MSG_NO(s->msgword) != 0)))
			continue;
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

static void too_long(struct udt_rcvbuf *rb)
{
	if (!rb->err && rb->mem)
		rb->mem->too_long++;
	rb->err = -EMSGSIZE;
}

/* The number of the message the walker is in (rb->in_msg). */
static uint32_t cur_no(struct udt_rcvbuf *rb)
{
	return UDT_MSG_NO(slot_at(rb, rb->msg_start)->msgword);
}

/* Is the message that starts at seq, number no, still held (not taken, not dropped)? */
static int held(struct udt_rcvbuf *rb, uint32_t seq, uint32_t no)
{
	struct udt_rslot *s = slot_at(rb, seq);

	return udt_rcvbuf_fits(rb, seq) && s->state == UDT_RS_DATA && UDT_MSG_NO(s->msgword) == no;
}

/*
 * The walker leaves the message it is in: back into the one around it if
 * that was a nested one and the outer one is still held (NESTED MESSAGES).
 */
static void leave_msg(struct udt_rcvbuf *rb)
{
	rb->in_msg = 0;
	if (rb->outer && held(rb, rb->outer_start, rb->outer_no)) {
		rb->msg_start = rb->outer_start;
		rb->in_msg = 1;
	}
	rb->outer = 0;
}

/*
 * A packet of another message (no) where the walker is in a message: with
 * nested messages, a nested one's first packet steps into it; a packet of
 * the outer message ends a nested one cut short. 1 if handled so.
 */
static int nest_step(struct udt_rcvbuf *rb, uint32_t seq, uint32_t no, uint32_t pb)
{
	uint32_t cur = cur_no(rb);

	if (!rb->nest || rb->stream || no == cur)
		return 0;
	if (!rb->outer && (pb & UDT_PB_FIRST) && held(rb, rb->msg_start, cur)) {
		rb->outer = 1;
		rb->outer_start = rb->msg_start;
		rb->outer_no = cur;
		rb->msg_start = seq;
		return 1;
	}
	if (rb->outer && no == rb->outer_no) {
		drop_range(rb, rb->msg_start, udt_seq_dec(seq));
		leave_msg(rb);
		return rb->in_msg;
	}
	return 0;
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
			uint32_t no = UDT_MSG_NO(s->msgword);

			if (rb->in_msg && rb->nest && !rb->stream && !rb->outer && no &&
			    no != cur_no(rb) && held(rb, rb->msg_start, cur_no(rb))) {
				/* a nested message already taken: the outer one goes on */
			} else {
				/* a message cut short by a drop request, or taken already */
				if (rb->in_msg)
					drop_range(rb, rb->msg_start, seq);
				leave_msg(rb);
			}
		} else if (rb->stream) {
			if (deliver_range(rb, seq, seq, 0) == -EAGAIN) {
				block(rb, seq, seq);
				break;
			}
		} else {
			if (rb->in_msg && nest_step(rb, seq, UDT_MSG_NO(s->msgword), pb)) {
				/* into a nested message, or back out of one cut short */
			} else if (pb & UDT_PB_FIRST) {
				if (rb->in_msg)
					drop_range(rb, rb->msg_start, udt_seq_dec(seq));
				rb->msg_start = seq;
				rb->in_msg = 1;
			}
			if (rb->in_msg && rb->max_msg_pkts &&
			    udt_seq_len(rb->msg_start, seq) > max_span(rb)) {
				/* longer than any message may be: nothing of it is kept */
				too_long(rb);
				drop_range(rb, rb->msg_start, seq);
				rb->in_msg = 0;
				rb->outer = 0;
			} else if (!rb->in_msg) {
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
					msg_forget(rb, no);
				else
					drop_range(rb, rb->msg_start, seq);
				leave_msg(rb);
			}
		}
		rb->scan_seq = udt_seq_inc(seq);
	}
	release(rb);
}

/*
 * The counters of message msgword names, seq counted in. -EMSGSIZE when its
 * packets seen so far span more than a message may.
 */
static int track(struct udt_rcvbuf *rb, uint32_t seq, uint32_t msgword, struct udt_rmsg **out)
{
	uint32_t no = UDT_MSG_NO(msgword);
	struct udt_rmsg *m = &rb->msg[no & rb->mmask];

	/*
	 * Another message has the place: a smaller table than the window's
	 * grows, until they part or it is the window's size (there, as
	 * always, the newer one takes the place). Without memory it is taken
	 * over at once: that message is then delivered in order only.
	 */
	while (m->valid && m->msgno != no && rb->mcap < rb->win && !grow_msgs(rb))
		m = &rb->msg[no & rb->mmask];
	if (!m->valid || m->msgno != no) {
		memset(m, 0, sizeof(*m));
		m->valid = 1;
		m->msgno = no;
		m->lo = m->hi = seq;
	}
	if (udt_seq_cmp(seq, m->lo) < 0)
		m->lo = seq;
	if (udt_seq_cmp(seq, m->hi) > 0)
		m->hi = seq;
	*out = m;
	if (rb->max_msg_pkts && udt_seq_len(m->lo, m->hi) > max_span(rb))
		return -EMSGSIZE;
	return 0;
}

/* Counts a packet of an out-of-order message; delivers the message when whole. */
static void count_ooo(struct udt_rcvbuf *rb, struct udt_rmsg *m, uint32_t seq, uint32_t msgword)
{
	uint32_t no = UDT_MSG_NO(msgword), pb = UDT_MSG_BOUNDARY(msgword);

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
	if (udt_seq_cmp(m->first_seq, m->last_seq) > 0)
		return;
	if (m->have != udt_seq_len(m->first_seq, m->last_seq)) {
		/*
		 * Fewer than its span: nested messages may fill the rest. Checked
		 * again at each of its own packets (those after its first and
		 * last are repairs); else the walker takes it.
		 */
		if (!rb->nest || m->have > udt_seq_len(m->first_seq, m->last_seq) ||
		    !udt_rcvbuf_fits(rb, m->first_seq) ||
		    !range_complete(rb, m->first_seq, m->last_seq, no))
			return;
		deliver_range(rb, m->first_seq, m->last_seq, no);
		m->valid = 0;
		return;
	}
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
	struct udt_rmsg *m = NULL;
	struct udt_rslot *s;

	if (rb->err)
		return rb->err;
	if (!udt_rcvbuf_fits(rb, seq))
		return -ERANGE;
	if (len == 0 || len > rb->payload)
		return -EINVAL;
	if (udt_seq_cmp(seq, rb->scan_seq) < 0)
		return 1;
	if (grow_slots(rb, (uint32_t)udt_seq_off(rb->base_seq, seq) + 1)) {
		/* no slot for it: refused as for want of memory (the sender repeats it) */
		rb->mem_drops++;
		if (rb->mem)
			rb->mem->drops++;
		return -ENOBUFS;
	}
	s = slot_at(rb, seq);
	if (s->state != UDT_RS_EMPTY)
		return 1;
	if (!rb->stream && track(rb, seq, msgword, &m)) {
		too_long(rb);
		udt_rcvbuf_drop(rb, UDT_MSG_NO(msgword), seq, seq);
		return rb->err;
	}
	s->data = rb->stream ? NULL : place_at(rb, seq, msgword, len);
	if (s->data) {
		/* straight into the placed message's memory: no buffer of ours */
		s->flags = UDT_RS_PLACED;
		udt_rb_count_held(rb, 1);
		rb->pl.pkts++;
	} else {
		s->data = udt_rb_get_buf(rb, seq);
		if (!s->data)
			return rb->held_max || rb->mem ? -ENOBUFS : -ENOMEM;
	}
	memcpy(s->data, data, len);
	s->len = (uint16_t)len;
	s->msgword = msgword;
	s->state = UDT_RS_DATA;
	if (rb->pl.on)
		place_advance(rb);
	else if (rb->place && !rb->stream &&
		 (UDT_MSG_BOUNDARY(msgword) & (UDT_PB_FIRST | UDT_PB_LAST)) == UDT_PB_FIRST)
		place_begin(rb, seq, s);
	if (m && !UDT_MSG_INORDER(msgword))
		count_ooo(rb, m, seq, msgword);
	walk(rb);
	return rb->err;
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
	end = udt_seq_add(rb->base_seq, (int32_t)rb->cap); /* none stored beyond */
	for (seq = rb->base_seq; seq != end; seq = udt_seq_inc(seq)) {
		struct udt_rslot *s = slot_at(rb, seq);

		if (s->state == UDT_RS_DATA && UDT_MSG_NO(s->msgword) == msgno) {
			rb->dropped_pkts++;
			put_buf(rb, s);
		}
	}
	/* holes in [first, last] will never be filled: they need slots (without, they stay holes) */
	if (udt_seq_cmp(first, last) <= 0 && udt_seq_off(rb->base_seq, last) >= 0)
		(void)grow_slots(rb, (uint32_t)udt_seq_off(rb->base_seq, last) + 1);
	for (seq = udt_seq_cmp(first, rb->base_seq) < 0 ? rb->base_seq : first;
	     udt_rcvbuf_fits(rb, seq) && udt_seq_cmp(seq, last) <= 0; seq = udt_seq_inc(seq)) {
		struct udt_rslot *s = slot_at(rb, seq);

		if (s->state == UDT_RS_EMPTY) {
			s->state = UDT_RS_DONE;
			s->msgword = 0; /* no message's: not taken for a nested one */
		}
	}
	msg_forget(rb, msgno);
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

		if (s->state != UDT_RS_DATA || !(s->flags & UDT_RS_REFUSED)) {
			seq = udt_seq_inc(seq);
			continue;
		}
		/* a refused message is whole: its packets follow up to its last (nested ones among) */
		while ((!(UDT_MSG_BOUNDARY(slot_at(rb, last)->msgword) & UDT_PB_LAST) ||
			UDT_MSG_NO(slot_at(rb, last)->msgword) != no) &&
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
