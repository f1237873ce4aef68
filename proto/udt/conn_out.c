// SPDX-License-Identifier: MIT
/*
 * conn_out.c - what a connection sends: the control queue, ACKs and NAKs,
 * and paced data packets (retransmissions first, then new data within the
 * flow and congestion windows, every 16th new packet with its successor
 * back to back as a probing pair).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn_int.h"
#include "seq.h"

/* Doubles the control queue (its entries move to the start, in order). */
static int ctl_grow(struct udt_conn *c)
{
	unsigned int ncap = c->ctl_cap ? 2 * c->ctl_cap : 4, i;
	struct udt_ctl *ne = calloc(ncap, sizeof(*ne));

	if (!ne)
		return -ENOMEM;
	for (i = 0; i < c->ctl_cap; i++)
		ne[i] = c->ctl[(c->ctl_head + i) % c->ctl_cap];
	free(c->ctl);
	c->ctl = ne;
	c->ctl_cap = ncap;
	c->ctl_head = 0;
	return 0;
}

uint8_t *udt_ctl_reserve(struct udt_conn *c)
{
	struct udt_ctl *e;

	if (c->ctl_n >= UDT_CTLQ) {
		c->st.ctl_overflow++;
		return NULL;
	}
	/* full below UDT_CTLQ: grow (without memory this packet is not sent, as on overflow) */
	if (c->ctl_n == c->ctl_cap && ctl_grow(c)) {
		c->st.ctl_overflow++;
		return NULL;
	}
	e = &c->ctl[(c->ctl_head + c->ctl_n) % c->ctl_cap];
	if (!e->buf) {
		e->buf = malloc((size_t)c->mss);
		if (!e->buf)
			return NULL;
	}
	return e->buf;
}

void udt_ctl_commit(struct udt_conn *c, size_t len)
{
	if (!len)
		return;
	c->ctl[(c->ctl_head + c->ctl_n) % c->ctl_cap].len = (uint32_t)len;
	c->ctl_n++;
}

static size_t ctl_cap(const struct udt_conn *c)
{
	return (size_t)c->mss - UDT_UDP_IP_OVERHEAD;
}

void udt_send_ctrl_simple(struct udt_conn *c, uint16_t type, uint32_t info, uint64_t now_ns)
{
	uint8_t *b = udt_ctl_reserve(c);
	uint32_t pad = 0;

	/* UDT4 gives body-less control packets 4 bytes of padding */
	if (b)
		udt_ctl_commit(c, udt_ctrl_encode(b, ctl_cap(c), type, 0, info,
						  udt_conn_ts(c, now_ns), c->peer_id, &pad, 1));
}

void udt_send_hs(struct udt_conn *c, uint32_t dst, uint64_t now_ns)
{
	uint8_t *b = udt_ctl_reserve(c);

	if (b)
		udt_ctl_commit(c,
			       udt_hs_encode(b, ctl_cap(c), udt_conn_ts(c, now_ns), dst, &c->hs));
}

static uint32_t ack_point(const struct udt_conn *c)
{
	uint32_t ack, limit;

	if (!udt_loss_first(&c->rcv_loss, &ack))
		ack = udt_seq_inc(c->rcv_curr_seq);
	/* never past the end of a message the application refused: its sender would complete it */
	if (udt_rcvbuf_ack_limit(&c->rb, &limit) && udt_seq_cmp(limit, ack) < 0)
		ack = limit;
	return ack;
}

void udt_send_ack(struct udt_conn *c, int light, uint64_t now_ns)
{
	uint32_t ack = ack_point(c);
	uint64_t again_ns = (uint64_t)(c->rtt_ns + 4 * c->rttvar_ns);
	/* a refused message holds the ACK point: keep a full ACK going anyway */
	int held = c->rb.blocked;
	/*
	 * Timed ACKs (udt.h ack_time): a full one whenever a higher packet came
	 * since the last, even if holes hold the ACK point: the sender's RTT
	 * samples, which it otherwise takes from what an ACK newly covers
	 */
	int timed = c->ack_time_on && c->rcv_hi_got;
	/*
	 * Messages we acknowledged and hold (a first flight not proved): every
	 * timed ACK says so, and the first one after says they are given,
	 * whether or not anything else moved, so that their sender completes them.
	 */
	int holding = c->first_hold || c->held_head != NULL;
	int hi_new = timed && !light &&
		     (c->rcv_hi_seq != c->rcv_hi_acked || (c->ack_told_held && !holding));
	/*
	 * Sent for the timing only: neither in the ACK window (its ACK2 gives
	 * no RTT sample) nor the last full ACK's time, so that our RTT and
	 * RTTVar, which our NAK and repair timers use, come from the ACKs
	 * UDT4 would send, as before.
	 */
	int only_timed = 0;
	struct udt_ack a;
	uint8_t *b;

	if (ack == c->rcv_last_ack_ack && (light || !held)) {
		if (!hi_new)
			return;
		only_timed = 1;
	}
	memset(&a, 0, sizeof(a));
	a.ack_seq = ack;
	if (light) {
		a.nfields = 1;
		b = udt_ctl_reserve(c);
		if (b) {
			udt_ctl_commit(c, udt_ack_encode(b, ctl_cap(c), udt_conn_ts(c, now_ns),
							 c->peer_id, &a));
			c->st.light_acks_sent++;
		}
		return;
	}
	if (udt_seq_cmp(ack, c->rcv_last_ack) > 0) {
		c->rcv_last_ack = ack;
	} else if (ack == c->rcv_last_ack) {
		/*
		 * The same ACK again only after an RTT (from the last full ACK);
		 * while it is held, every half of that (at least 5 SYN), even if
		 * ACK2 came back: the sender, whose window is full, hears from us
		 * before its EXP timer (RTT + 4 RTTVar + SYN) would resend.
		 */
		if (held) {
			again_ns /= 2;
			if (again_ns < 5ull * UDT_SYN_NS)
				again_ns = 5ull * UDT_SYN_NS;
		}
		if (now_ns - c->last_ack_ns < again_ns) {
			if (!hi_new)
				return;
			only_timed = 1;
		}
	} else {
		return;
	}
	if (udt_seq_cmp(c->rcv_last_ack, c->rcv_last_ack_ack) <= 0 && !held) {
		if (!hi_new)
			return;
		only_timed = 1;
	}
	c->ackno = udt_ackno_inc(c->ackno);
	a.ackno = c->ackno;
	a.ack_seq = c->rcv_last_ack;
	/* the wire's us */
	a.rtt_us = (int32_t)(c->rtt_ns / LU2K_NS_PER_US);
	a.rttvar_us = (int32_t)(c->rttvar_ns / LU2K_NS_PER_US);
	a.avail = (int32_t)udt_rcvbuf_grant(&c->rb, c->rcv_last_ack, udt_seq_inc(c->rcv_curr_seq),
					    (uint64_t)c->rtt_ns, now_ns);
	/* at least 2, so that a full buffer cannot deadlock the sender */
	if (a.avail < 2)
		a.avail = 2;
	udt_rcvbuf_granted(&c->rb, a.ack_seq, (uint32_t)a.avail, (uint64_t)c->rtt_ns, now_ns);
	a.nfields = 4;
	if (!only_timed && now_ns - c->last_ack_ns > (uint64_t)UDT_SYN_NS) {
		a.rcv_rate = udt_timewin_rcv_rate(&c->tw);
		a.bandwidth = udt_timewin_bandwidth(&c->tw);
		a.nfields = 6;
		c->last_ack_ns = now_ns;
	}
	if (timed) {
		/*
		 * With the rates each time: the sender takes them from every
		 * timed ACK, and most move no cumulative ACK while holes wait
		 * (the rates of one that did were those of a round trip before)
		 */
		a.rcv_rate = udt_timewin_rcv_rate(&c->tw);
		a.bandwidth = udt_timewin_bandwidth(&c->tw);
		/* the wire's us; a packet stamped ahead of the clock (lu2kd's GRO spread) was held 0 */
		uint64_t held_ns = now_ns > c->rcv_hi_ns ? now_ns - c->rcv_hi_ns : 0;

		a.hi_seq = c->rcv_hi_seq;
		a.held = holding;
		a.hi_delay_us = (uint32_t)(held_ns / LU2K_NS_PER_US > 0x7fffffffu
						   ? 0x7fffffffu
						   : held_ns / LU2K_NS_PER_US);
		a.nfields = 8;
	}
	b = udt_ctl_reserve(c);
	if (!b)
		return;
	udt_ctl_commit(c, udt_ack_encode(b, ctl_cap(c), udt_conn_ts(c, now_ns), c->peer_id, &a));
	if (!only_timed)
		udt_ackwin_store(&c->ackwin, a.ackno, a.ack_seq, udt_tick(now_ns));
	c->st.acks_sent++;
	if (timed) {
		c->rcv_hi_acked = a.hi_seq;
		c->ack_told_held = holding;
	}
}

void udt_send_first_window(struct udt_conn *c, uint64_t now_ns)
{
	uint32_t w = udt_rcvbuf_first_window(&c->rb);
	struct udt_ack a;
	uint8_t *b;

	/* only before the first data packet, and only a grant below the handshake's */
	if (!c->is_server || !w || (int64_t)w >= (int64_t)c->hs.flight ||
	    c->rcv_curr_seq != udt_seq_dec(c->peer_isn))
		return;
	b = udt_ctl_reserve(c);
	if (!b)
		return;
	memset(&a, 0, sizeof(a));
	c->ackno = udt_ackno_inc(c->ackno);
	a.ackno = c->ackno;
	a.ack_seq = c->rcv_last_ack;
	a.rtt_us = (int32_t)(c->rtt_ns / LU2K_NS_PER_US);
	a.rttvar_us = (int32_t)(c->rttvar_ns / LU2K_NS_PER_US);
	a.avail = (int32_t)(w < 2 ? 2 : w);
	a.nfields = 4;
	udt_rcvbuf_granted(&c->rb, a.ack_seq, (uint32_t)a.avail, (uint64_t)c->rtt_ns, now_ns);
	udt_ctl_commit(c, udt_ack_encode(b, ctl_cap(c), udt_conn_ts(c, now_ns), c->peer_id, &a));
	udt_ackwin_store(&c->ackwin, a.ackno, a.ack_seq, udt_tick(now_ns));
	c->st.acks_sent++;
}

void udt_send_nak_ranges(struct udt_conn *c, const struct udt_range *r, size_t n, uint64_t now_ns)
{
	size_t used = 0;

	while (n) {
		uint8_t *b = udt_ctl_reserve(c);
		size_t len;

		if (!b)
			return;
		len = udt_nak_encode(b, ctl_cap(c), udt_conn_ts(c, now_ns), c->peer_id, r, n,
				     (ctl_cap(c) - UDT_HDR_LEN) / 4, &used);
		if (!len || !used)
			return;
		udt_ctl_commit(c, len);
		c->st.naks_sent++;
		r += used;
		n -= used;
	}
}

/* Holes asked for again: as many as one NAK packet holds. */
struct nak_batch {
	struct udt_range r[128];
	size_t k, words, max_words;
};

static void batch_init(struct nak_batch *b, const struct udt_conn *c)
{
	b->k = b->words = 0;
	b->max_words = (ctl_cap(c) - UDT_HDR_LEN) / 4;
}

/* Adds the hole and counts it as reported now; 0 if the packet is full. */
static int batch_add(struct nak_batch *b, struct udt_conn *c, struct udt_lrange *h, uint64_t now_ns)
{
	size_t w = h->first == h->last ? 1 : 2;

	if (b->k == sizeof(b->r) / sizeof(b->r[0]) || b->words + w > b->max_words)
		return 0;
	b->r[b->k++] = (struct udt_range){ h->first, h->last };
	b->words += w;
	h->reports++;
	h->report_ns = now_ns;
	udt_nak_redo_set(c, h, now_ns);
	return 1;
}

/*
 * The NAK timer: report again each hole whose wait since its last report is
 * over, as many as one packet holds (the rest stay due, so the next call
 * comes at once). Returns when the next hole falls due.
 */
uint64_t udt_send_nak_due(struct udt_conn *c, uint64_t now_ns)
{
	struct udt_lrange *lr = udt_loss_ranges(&c->rcv_loss);
	size_t n = udt_loss_nranges(&c->rcv_loss), i;
	int32_t speed = udt_timewin_rcv_rate(&c->tw);
	uint64_t ahead = 0, next = UINT64_MAX;
	struct nak_batch b;

	batch_init(&b, c);
	for (i = 0; i < n; i++) {
		uint64_t at =
			lr[i].report_ns + udt_conn_nak_wait_ns(c, lr[i].reports, ahead, speed);

		if (at <= now_ns && batch_add(&b, c, &lr[i], now_ns))
			at = now_ns + udt_conn_nak_wait_ns(c, lr[i].reports, ahead, speed);
		if (at < next)
			next = at;
		ahead += udt_seq_len(lr[i].first, lr[i].last);
	}
	if (b.k)
		udt_send_nak_ranges(c, b.r, b.k, now_ns);
	return next;
}

/*
 * A repair of seq arrived, asked for at asked_ns. Senders resend the lowest
 * sequence numbers first, so a hole below seq that was asked for no later is
 * still missing because its resend (or our NAK) was lost: ask again now,
 * rather than a NAK-timer wait later.
 */
void udt_send_nak_overtaken(struct udt_conn *c, uint32_t seq, uint64_t asked_ns, uint64_t now_ns)
{
	struct udt_lrange *lr = udt_loss_ranges(&c->rcv_loss);
	size_t n = udt_loss_nranges(&c->rcv_loss), i;
	struct nak_batch b;

	batch_init(&b, c);
	for (i = 0; i < n && udt_seq_cmp(lr[i].last, seq) < 0; i++) {
		if (!lr[i].reports || lr[i].report_ns > asked_ns)
			continue;
		if (!batch_add(&b, c, &lr[i], now_ns))
			break;
	}
	if (b.k) {
		udt_send_nak_ranges(c, b.r, b.k, now_ns);
		c->st.naks_overtaken++;
	}
}

/*
 * LOST REPAIRS (doc/udt-cc.md, "A resend lost again"). A hole's repair that
 * is lost too was asked for again only by the NAK timer, RTT + 4 RTTVar +
 * SYN + the sender's backlog after the NAK (at least 300 ms), or when a
 * later hole's repair overtook it. The sender resends the lowest numbers
 * first and new data only once nothing waits to be resent (UDT4 as lu2k),
 * and stamps each packet with its send time: so a data packet above the
 * hole sent after our NAK reached the sender left after the hole's repair,
 * and once it is here (on a path that keeps order) the repair is lost,
 * whatever the sender's backlog or its host's delays were. The NAK reaches
 * the sender, on its clock, at our time less the least (arrival -
 * timestamp), the clocks' offset plus the one-way delay without a queue,
 * plus the least round trip (udt_path_min): a queue on the way out delays
 * the repair and the packets after it alike. A margin of 2 RTTVar + SYN / 2
 * covers a queue on the way back and a sender that reads the NAK late. A
 * wrong guess costs one spurious resend of the hole (its repair then fills
 * it) and is not repeated for it: a new report waits for packets sent after
 * its own NAK arrived. Not before an ACK2 measured the round trip, not for
 * a packet refused for our memory, off with the NAK timer.
 */
/* a before b on the sender's clock: us, wrapping every 71 minutes */
static int ts_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static void redo_arm(struct udt_conn *c, uint32_t ts)
{
	if (!c->redo_armed || ts_before(ts, c->redo_min_ts))
		c->redo_min_ts = ts;
	c->redo_armed = 1;
}

uint32_t udt_redo_never(const struct udt_conn *c)
{
	return c->rcv_ts_last + UDT_REDO_NEVER_US;
}

void udt_nak_redo_set(struct udt_conn *c, struct udt_lrange *h, uint64_t send_ns)
{
	uint32_t now_us = (uint32_t)lu2k_time_ns_to_us((int64_t)send_ns), off_us;
	int64_t rtt_min_ns;
	uint64_t wait_ns;

	if (!udt_path_min(c, &off_us, &rtt_min_ns)) {
		h->redo_ts = udt_redo_never(c);
		return;
	}
	wait_ns = (uint64_t)(rtt_min_ns + 2 * c->rttvar_ns) + UDT_SYN_NS / 2;
	if (wait_ns >= (uint64_t)UDT_REDO_NEVER_US * LU2K_NS_PER_US)
		wait_ns = (uint64_t)UDT_REDO_NEVER_US * LU2K_NS_PER_US;
	h->redo_ts = now_us - off_us + (uint32_t)(wait_ns / LU2K_NS_PER_US);
	redo_arm(c, h->redo_ts);
}

void udt_send_nak_redo(struct udt_conn *c, uint32_t seq, uint32_t ts, uint64_t now_ns)
{
	struct udt_lrange *lr = udt_loss_ranges(&c->rcv_loss);
	size_t n = udt_loss_nranges(&c->rcv_loss), i;
	struct nak_batch b;
	uint64_t redone = 0;

	/* the holes are looked through at most once a millisecond: one may be thousands */
	if (!c->redo_armed || !ts_before(c->redo_min_ts, ts) || now_ns < c->redo_scan_ns)
		return;
	c->redo_scan_ns = now_ns + LU2K_NS_PER_MS;
	c->redo_armed = 0;
	batch_init(&b, c);
	for (i = 0; i < n; i++) {
		if (!lr[i].reports)
			continue;
		if (udt_seq_cmp(lr[i].last, seq) < 0 && ts_before(lr[i].redo_ts, ts) &&
		    batch_add(&b, c, &lr[i], now_ns))
			redone += udt_seq_len(lr[i].first, lr[i].last);
		else
			redo_arm(c, lr[i].redo_ts);
	}
	if (b.k) {
		udt_send_nak_ranges(c, b.r, b.k, now_ns);
		c->st.naks_redo += redone;
	}
}

/*
 * The packet's header into buf, and its payload copied behind it, or (ref)
 * only said where it is: ref->piece[0..ref->n).
 */
struct pkt_ref {
	struct iovec *piece;
	int n;
};

static size_t encode_data(struct udt_conn *c, uint8_t *buf, size_t cap, uint32_t seq,
			  const struct udt_spkt *p, uint64_t now_ns, struct pkt_ref *ref)
{
	struct iovec pc[2];
	size_t h, at;
	int n;

	if (cap < UDT_HDR_LEN + p->len)
		return 0;
	h = udt_data_encode_hdr(buf, cap, seq, p->msgword, udt_conn_ts(c, now_ns), c->peer_id);
	n = udt_smsg_pieces(p->m, p->off, p->len, ref ? ref->piece : pc);
	if (ref) {
		ref->n = n;
		return h + p->len;
	}
	at = h;
	for (int i = 0; i < n; i++) {
		memcpy(buf + at, pc[i].iov_base, pc[i].iov_len);
		at += pc[i].iov_len;
	}
	return at;
}

/*
 * Sender gives up on a message (expired, or dropped by the application):
 * what of it left is dropped at the receiver too (a DROP request), its
 * losses are forgotten, and the rest of it is never cut.
 */
static void drop_range(struct udt_conn *c, struct udt_smsg *m, uint32_t first, uint32_t last,
		       uint64_t now_ns)
{
	struct udt_dropreq d = { .msgno = m->msgno, .first = first, .last = last };
	uint8_t *b = udt_ctl_reserve(c);

	if (b) {
		udt_ctl_commit(c, udt_dropreq_encode(b, ctl_cap(c), udt_conn_ts(c, now_ns),
						     c->peer_id, &d));
		c->st.drops_sent++;
	}
	udt_loss_remove_range(&c->snd_loss, first, last);
}

static void drop_msg(struct udt_conn *c, struct udt_smsg *m, int err, uint64_t now_ns)
{
	if (m->npkts_sent && !m->nested) {
		drop_range(c, m, m->first_seq, m->last_seq, now_ns);
	} else if (m->npkts_sent) {
		/*
		 * Small messages went into it (sndbuf.h): one request per run
		 * of its own packets still unacknowledged, so that neither the
		 * receiver nor our repairs give up on theirs.
		 */
		uint32_t seq = m->first_seq, run = 0;
		int in_run = 0;

		if (udt_seq_cmp(seq, c->sb.base_seq) < 0)
			seq = c->sb.base_seq;
		for (; udt_seq_cmp(seq, m->last_seq) <= 0; seq = udt_seq_inc(seq)) {
			const struct udt_spkt *p = udt_sndbuf_get(&c->sb, seq);
			int mine = p && p->m == m;

			if (mine && !in_run)
				run = seq;
			if (!mine && in_run)
				drop_range(c, m, run, udt_seq_dec(seq), now_ns);
			in_run = mine;
			if (seq == m->last_seq || !p) {
				if (in_run)
					drop_range(c, m, run, seq, now_ns);
				break;
			}
		}
	}
	udt_sndbuf_drop(&c->sb, m, udt_conn_msg_done, c, err);
}

int udt_conn_drop_msg(struct udt_conn *c, uint32_t msgno, int err, uint64_t now_ns)
{
	struct udt_smsg *m = udt_sndbuf_find(&c->sb, msgno);

	if (!m || m->dropped)
		return -ENOENT;
	drop_msg(c, m, err, now_ns);
	return 0;
}

/* Copies of small messages whose time has come join the resends (next_retrans skips the acked). */
static void release_dups(struct udt_conn *c, uint64_t now_ns)
{
	uint32_t i, n = 0;

	for (i = 0; i < c->ndups; i++)
		if (c->dups[i].due_ns <= now_ns)
			udt_loss_insert(&c->snd_loss, c->dups[i].first, c->dups[i].last);
		else
			c->dups[n++] = c->dups[i];
	c->ndups = n;
}

/* The next retransmission due, or NULL; skips what is acknowledged or dropped. */
static struct udt_spkt *next_retrans(struct udt_conn *c, uint32_t *seq, uint64_t now_ns)
{
	struct udt_spkt *p;

	while (udt_loss_pop(&c->snd_loss, seq)) {
		if (udt_seq_cmp(*seq, c->snd_last_data_ack) < 0)
			continue;
		p = udt_sndbuf_get(&c->sb, *seq);
		if (!p || p->m->dropped)
			continue;
		if (p->m->ttl_ns >= 0 && now_ns - p->m->origin_ns > (uint64_t)p->m->ttl_ns) {
			drop_msg(c, p->m, -ETIMEDOUT, now_ns);
			continue;
		}
		return p;
	}
	return NULL;
}

static int window_open(const struct udt_conn *c)
{
	int64_t win = c->flow_window < (int64_t)c->cc.cwnd ? c->flow_window : (int64_t)c->cc.cwnd;
	int64_t used = (int64_t)udt_seq_len(c->snd_last_ack, udt_seq_inc(c->snd_curr_seq));

	/* UDT4: send while cwnd >= seqlen(last_ack, curr + 1) */
	return win >= used && udt_sndbuf_has_new(&c->sb);
}

/* The peer's flow window, not cwnd, keeps the next new packet back. */
static int flow_full(const struct udt_conn *c)
{
	int64_t used = (int64_t)udt_seq_len(c->snd_last_ack, udt_seq_inc(c->snd_curr_seq));

	return c->flow_window < (int64_t)c->cc.cwnd && c->flow_window < used;
}

int udt_conn_data_ready(const struct udt_conn *c)
{
	if (!udt_conn_may_send(c))
		return 0;
	return udt_loss_count(&c->snd_loss) > 0 || window_open(c);
}

static size_t write_data(struct udt_conn *c, uint8_t *buf, size_t cap, uint64_t now_ns,
			 struct pkt_ref *ref)
{
	struct udt_spkt *p;
	uint32_t seq;
	int probe = 0, resend, dry;
	size_t len;

	/* never take a packet out of the queues that the buffer cannot carry */
	if (cap < UDT_HDR_LEN + (size_t)c->payload)
		return 0;
	release_dups(c, now_ns);
	p = next_retrans(c, &seq, now_ns);
	resend = p != NULL;
	if (p) {
		uint32_t next;

		c->st.pkts_retrans++;
		/* a run's resends as probing pairs too, where the CC asks (cc.h) */
		probe = c->cc.pair_resends && (seq & 0xf) == 0 &&
			udt_loss_first(&c->snd_loss, &next) && next == udt_seq_inc(seq);
		/* for the repair probe (conn.c): resends with nothing new after them */
		if (!c->rp_armed) {
			c->rp_armed = 1;
			c->rp_low = c->rp_high = seq;
		} else if (udt_seq_cmp(seq, c->rp_low) < 0) {
			c->rp_low = seq;
		} else if (udt_seq_cmp(seq, c->rp_high) > 0) {
			c->rp_high = seq;
		}
		c->rp_ns = now_ns;
	} else {
		if (!window_open(c)) {
			/* held by the window, not late: no pacing debt builds meanwhile */
			c->snd_backlog = 0;
			return 0;
		}
		p = udt_sndbuf_next_new(&c->sb, &seq);
		if (!p)
			return 0;
		c->snd_curr_seq = seq;
		c->cc.snd_curr_seq = seq;
		c->tail_sent_ns = now_ns;
		/* a later packet shows the receiver a lost resend (LOST REPAIRS) */
		c->rp_armed = 0;
		/* every 16th packet leaves with the next one as a probing pair */
		probe = (seq & 0xf) == 0;
	}
	len = encode_data(c, buf, cap, seq, p, now_ns, ref);
	if (!len)
		return 0;
	/* the send queue ran dry: what the peer sees now is the application's rate */
	dry = udt_loss_count(&c->snd_loss) == 0 && !udt_sndbuf_has_new(&c->sb);
	/* or the receiver's: its flow window (rcvbuf.h, FLOW SHARE), below cwnd, is full */
	c->cc.app_limited = dry || flow_full(c);
	if (c->cc.ops->on_pkt_sent) {
		c->cc.ops->on_pkt_sent(&c->cc, seq, udt_tick(now_ns));
		udt_conn_cc_update(c); /* a CC may change its pacing on a send */
	}
	c->st.pkts_sent++;
	c->st.bytes_sent += len;
	/* data leaving draws its own ACK or NAK: no asking keep-alives (conn_timer.c, ask()) */
	c->asking = 0;
	c->st.first_sent += c->state == UDT_ST_CONNECTING;
	if (!probe) {
		uint64_t base = c->next_send_ns, burst = c->cfg.pacing_burst_ns;

		/*
		 * Late with packets waiting since the last send (the host did not
		 * run us): the CC may let them catch up further, so that a busy
		 * host does not lose the rate it was paced at. An idle sender's
		 * schedule is no debt.
		 */
		if (c->snd_backlog && c->cc.pacing_burst_ns > 0 &&
		    (uint64_t)c->cc.pacing_burst_ns > burst)
			burst = (uint64_t)c->cc.pacing_burst_ns;
		if (base + burst < now_ns)
			base = now_ns - burst;
		c->next_send_ns = base + c->interval_ns;
	}
	c->snd_backlog = !c->cc.app_limited;
	/*
	 * The last packet of a small message with nothing behind it: no later
	 * packet will reveal its loss to the receiver, only our EXP timer would.
	 * Where the CC saw losses, send the message again UDT_DUP_DELAY_NS later
	 * (the receiver drops what it already has). So too a small message that
	 * went ahead of bulk payload (an RPC request, a reply): the bulk behind
	 * it shows a loss at once, but its repair costs a round trip, which the
	 * copy saves.
	 */
	/* FEC (fec.h) for the same messages, where both ends speak it: a parity instead */
	if (!resend && udt_fec_sent(c, p, seq, dry || p->m->ahead, now_ns))
		return len;
	if (!resend && c->cc.dup_tail && (dry || p->m->ahead) && p->m->done_cut &&
	    p->m->npkts_sent <= UDT_SNDBUF_SMALL_PKTS && seq == p->m->last_seq) {
		if (c->ndups < UDT_DUPS)
			c->dups[c->ndups++] =
				(struct udt_dup){ .first = p->m->first_seq,
						  .last = p->m->last_seq,
						  .due_ns = now_ns + UDT_DUP_DELAY_NS };
		else
			udt_loss_insert(&c->snd_loss, p->m->first_seq, p->m->last_seq);
		c->st.dup_tails++;
	}
	return len;
}

static size_t write_pkt(struct udt_conn *c, uint8_t *buf, size_t cap, uint64_t now_ns,
			struct pkt_ref *ref)
{
	if (c->ctl_n) {
		struct udt_ctl *e = &c->ctl[c->ctl_head];
		size_t len = e->len;

		if (cap < len)
			return 0;
		memcpy(buf, e->buf, len);
		c->ctl_head = (c->ctl_head + 1) % c->ctl_cap;
		/*
		 * Empty: start over at the first entry, so that a connection
		 * reuses the buffers of its deepest queue so far instead of
		 * giving each of its entries one in turn (an idle one
		 * sending a keep-alive now and then would end with all 256).
		 */
		if (!--c->ctl_n)
			c->ctl_head = 0;
		return len;
	}
	if (!udt_conn_may_send(c))
		return 0;
	if (now_ns < c->next_send_ns)
		return 0;
	return write_data(c, buf, cap, now_ns, ref);
}

size_t udt_conn_write_pkt(struct udt_conn *c, uint8_t *buf, size_t cap, uint64_t now_ns)
{
	return write_pkt(c, buf, cap, now_ns, NULL);
}

size_t udt_conn_write_pkt_ref(struct udt_conn *c, uint8_t *buf, size_t cap, uint64_t now_ns,
			      struct iovec piece[UDT_PKT_PIECES], int *npieces)
{
	struct pkt_ref ref = { .piece = piece, .n = 0 };
	size_t len = write_pkt(c, buf, cap, now_ns, &ref);

	*npieces = len ? ref.n : 0;
	return len;
}
