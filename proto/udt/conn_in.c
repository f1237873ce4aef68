// SPDX-License-Identifier: MIT
/*
 * conn_in.c - what a connection does with each packet it receives.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn_int.h"
#include "seq.h"

static int bad(struct udt_conn *c)
{
	c->st.pkts_bad++;
	return -EBADMSG;
}

/*
 * The window's head moved (a message was delivered), or its ACK point (a long
 * message still arriving in order), or the peer did send what the head waits
 * for and we had no memory for it, or nothing waits: not stalled.
 */
static void rcv_progress(struct udt_conn *c, uint64_t now_ns)
{
	if (c->rb.base_seq != c->rcv_head || c->rcv_last_ack != c->rcv_head_ack ||
	    c->rb.head_nomem != c->rcv_head_nomem || !c->rb.nheld || c->rb.blocked ||
	    c->rb.nrefused || !c->rcv_head_ns) {
		c->rcv_head = c->rb.base_seq;
		c->rcv_head_ack = c->rcv_last_ack;
		c->rcv_head_nomem = c->rb.head_nomem;
		c->rcv_head_ns = now_ns;
	}
}

int udt_conn_rcv_stalled(const struct udt_conn *c, uint64_t now_ns, uint64_t limit_ns)
{
	if (c->state != UDT_ST_CONNECTED && c->state != UDT_ST_CLOSING)
		return 0;
	/* packets held, none refused by the application, neither head nor ACK point moved */
	return c->rb.nheld && !c->rb.blocked && !c->rb.nrefused && c->rb.base_seq == c->rcv_head &&
	       c->rcv_last_ack == c->rcv_head_ack && now_ns > c->rcv_head_ns + limit_ns;
}

int udt_conn_store(struct udt_conn *c, uint32_t seq, uint32_t msgword, const uint8_t *body,
		   size_t len, int recovered, uint64_t now_ns)
{
	uint32_t next = udt_seq_inc(c->rcv_curr_seq);
	int r;

	if (udt_seq_cmp(seq, c->rcv_last_ack) < 0) {
		c->st.pkts_dup++;
		return 0;
	}
	/* a packet from far beyond what we have sent ACKs for is not believable */
	if (udt_seq_off(c->rcv_last_ack, seq) > (int32_t)(2 * c->rb.win) + 1) {
		c->st.pkts_out_of_window++;
		return -ERANGE;
	}
	if (!udt_rcvbuf_fits(&c->rb, seq)) {
		c->st.pkts_out_of_window++;
		return 0;
	}
	/* holes before this packet: remember and report them at once (or when no parity fills them) */
	if (udt_seq_cmp(seq, next) > 0) {
		struct udt_range lost = { next, udt_seq_dec(seq) };
		uint64_t ahead = udt_loss_count(&c->rcv_loss);
		int64_t n = udt_loss_insert(&c->rcv_loss, lost.first, lost.last);
		int held = udt_fec_hold_nak(c, &lost, now_ns);

		if (n > 0) {
			struct udt_lrange *t =
				&udt_loss_ranges(&c->rcv_loss)[udt_loss_nranges(&c->rcv_loss) - 1];
			uint64_t due = now_ns + udt_conn_nak_wait_ns(c, 1, ahead,
								     udt_timewin_rcv_rate(&c->tw));

			c->st.rcv_loss += (uint64_t)n;
			/* reported now: the NAK timer repeats it only after its wait */
			t->reports = 1;
			t->report_ns = now_ns;
			c->nak_echo_armed = 1;
			/* a held NAK leaves at the latest when its hold ends */
			udt_nak_redo_set(c, t,
					 held ? c->fec_hold[c->fec_nholds - 1].due_ns : now_ns);
			if (!ahead || due < c->next_nak_ns)
				c->next_nak_ns = due;
		}
		if (!held)
			udt_send_nak_ranges(c, &lost, 1, now_ns);
	}
	if (udt_seq_cmp(seq, c->rcv_curr_seq) > 0) {
		c->rcv_curr_seq = seq;
	} else {
		const struct udt_lrange *hole = udt_loss_find(&c->rcv_loss, seq);

		if (hole) {
			uint64_t asked_ns = hole->report_ns;

			udt_loss_remove(&c->rcv_loss, seq);
			/* a rebuilt packet is no resend: it says nothing of the holes before it */
			if (c->cfg.nak_timer && !recovered)
				udt_send_nak_overtaken(c, seq, asked_ns, now_ns);
		}
	}
	r = udt_rcvbuf_add(&c->rb, seq, msgword, body, len);
	if (r == 1)
		c->st.pkts_dup++;
	if (r == -ENOBUFS) {
		/* no memory for it: it is lost, and the NAK timer asks for it again */
		uint64_t ahead = udt_loss_count(&c->rcv_loss);

		if (udt_loss_insert(&c->rcv_loss, seq, seq) >= 0) {
			struct udt_lrange *t = udt_loss_find(&c->rcv_loss, seq);
			uint64_t due = now_ns + udt_conn_nak_wait_ns(c, 1, 0, 0);

			/*
			 * Our refusal, not the network's loss: the hole's wait
			 * starts over (a merged range's history of reports would
			 * put its next NAK seconds away once memory is back).
			 */
			if (t) {
				t->reports = 1;
				t->report_ns = now_ns;
				t->redo_ts = udt_redo_never(c);
			}
			if (!ahead || due < c->next_nak_ns)
				c->next_nak_ns = due;
		}
	} else if (r == -EMSGSIZE) {
		/* a message longer than any the application takes: the peer is broken */
		c->st.pkts_bad++;
		udt_conn_set_state(c, UDT_ST_BROKEN, -EMSGSIZE);
		return -EMSGSIZE;
	}
	rcv_progress(c, now_ns);
	/*
	 * A short packet usually ends a message: acknowledge it now, that is,
	 * make the ACK timer due. The timers run (udt_conn_handle_timers) once
	 * the datagrams read with this one are in, so one ACK covers them all:
	 * an ACK each made a stream of 64-byte messages cost a control packet
	 * per message both ways (sent, read, the sender's ACK and CC work).
	 * Due at 0, not at now_ns: an arrival time may be ahead of the clock
	 * the timers are run with (lu2kd spreads a GRO buffer's datagrams 1 us
	 * apart), and the ACK would then wait for the loop's next timer tick.
	 */
	if (len != (size_t)c->payload) {
		c->next_ack_ns = 0;
		return 1;
	}
	return 0;
}

/* A new window for the least offset and round trip every UDT_PATH_WIN_NS: they follow the path. */
static void path_roll(struct udt_conn *c, uint64_t now_ns)
{
	if (now_ns - c->path_win_ns < UDT_PATH_WIN_NS)
		return;
	c->path_win_ns = now_ns;
	c->off_min[1] = c->off_min[0];
	c->off_seen[1] = c->off_seen[0];
	c->rtt_min_ns[1] = c->rtt_min_ns[0];
	c->off_seen[0] = 0;
	c->rtt_min_ns[0] = 0;
}

/* a before b, both us on a clock that wraps every 71 minutes */
static int us_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static void path_off_sample(struct udt_conn *c, uint32_t ts, uint64_t arr_ns, uint64_t now_ns)
{
	uint32_t off = (uint32_t)lu2k_time_ns_to_us((int64_t)arr_ns) - ts;

	c->rcv_ts_last = ts;
	path_roll(c, now_ns);
	if (!c->off_seen[0] || us_before(off, c->off_min[0]))
		c->off_min[0] = off;
	c->off_seen[0] = 1;
}

static void path_rtt_sample(struct udt_conn *c, int64_t rtt_ns, uint64_t now_ns)
{
	path_roll(c, now_ns);
	if (!c->rtt_min_ns[0] || rtt_ns < c->rtt_min_ns[0])
		c->rtt_min_ns[0] = rtt_ns;
}

int udt_path_min(const struct udt_conn *c, uint32_t *off_us, int64_t *rtt_ns)
{
	int i;

	*rtt_ns = 0;
	for (i = 0; i < 2; i++)
		if (c->rtt_min_ns[i] && (!*rtt_ns || c->rtt_min_ns[i] < *rtt_ns))
			*rtt_ns = c->rtt_min_ns[i];
	if (!c->off_seen[0] && !c->off_seen[1])
		return 0;
	*off_us = c->off_seen[0] ? c->off_min[0] : c->off_min[1];
	if (c->off_seen[0] && c->off_seen[1] && us_before(c->off_min[1], *off_us))
		*off_us = c->off_min[1];
	return *rtt_ns > 0;
}

static int on_data(struct udt_conn *c, const struct udt_hdr *h, uint64_t now_ns)
{
	uint32_t seq = h->seq;
	int r;

	if (h->body_len > (size_t)c->payload)
		return bad(c);
	if (c->cc.ops->on_pkt_recv)
		c->cc.ops->on_pkt_recv(&c->cc, seq, c->cc.arr_ns);
	c->pkt_count++;
	/* the receiving rate and packet pairs: the time it came, not when it was read */
	udt_timewin_arrival(&c->tw, seq, c->arr_fine_ns ? c->arr_fine_ns : c->cc.arr_ns,
			    (uint32_t)(h->body_len + (size_t)(c->mss - c->payload)),
			    (uint32_t)c->mss, h->ts);
	c->st.pkts_recv++;
	c->st.bytes_recv += h->body_len + UDT_HDR_LEN;
	/* the sender's clock, for the holes this packet shows (udt_nak_redo_set) */
	path_off_sample(c, h->ts, c->cc.arr_ns ? c->cc.arr_ns : now_ns, now_ns);
	/*
	 * Before the holes this packet shows: their NAK then leaves after the
	 * one for older holes, and a sender that resends between the two
	 * keeps to the order of the numbers (or a new hole's repair, asked
	 * for at the same time, would overtake the older one's: a resend).
	 */
	if (c->cfg.nak_timer)
		udt_send_nak_redo(c, seq, h->ts, now_ns);
	r = udt_conn_store(c, seq, h->info, h->body, h->body_len, 0, now_ns);
	if (r < 0)
		return r;
	c->rcv_data_ns = c->arr_fine_ns ? c->arr_fine_ns : now_ns;
	/* the highest that came, and when, for timed ACKs (conn_out.c); a rebuilt one did not come */
	if (!c->rcv_hi_got || udt_seq_cmp(seq, c->rcv_hi_seq) > 0) {
		c->rcv_hi_got = 1;
		c->rcv_hi_seq = seq;
		c->rcv_hi_ns = c->arr_fine_ns ? c->arr_fine_ns : now_ns;
		c->rcv_hi_ends = UDT_MSG_BOUNDARY(h->info) & UDT_PB_LAST;
	}
	/* a group's parity leaves before the data after it: holes it could fill are settled */
	udt_fec_data_came(c, seq, now_ns);
	if (r == 0)
		udt_conn_check_ack(c, now_ns);
	return 0;
}

/* EWMA in 64 bits; a peer's wild numbers are clamped, never overflow. */
static int32_t ewma(int32_t avg, int64_t sample, int keep, int shift)
{
	int64_t v = ((int64_t)avg * keep + sample) >> shift;

	return v > UDT_MAX_RATE ? UDT_MAX_RATE : (int32_t)v;
}

/* at a whole us (udt_tick); samples are at most 30 s, so this cannot overflow */
static int64_t ewma_ns(int64_t avg, int64_t sample, int keep, int shift)
{
	return lu2k_time_ns_floor_us((avg * keep + sample) >> shift);
}

static void rtt_sample(struct udt_conn *c, int64_t rtt_ns)
{
	int64_t d;

	if (rtt_ns > UDT_MAX_RTT_NS)
		rtt_ns = UDT_MAX_RTT_NS;
	d = rtt_ns - c->rtt_ns;
	c->rttvar_ns = ewma_ns(c->rttvar_ns, d < 0 ? -d : d, 3, 2);
	c->rtt_ns = ewma_ns(c->rtt_ns, rtt_ns, 7, 3);
	c->cc.rtt_ns = c->rtt_ns;
}

static int on_ack(struct udt_conn *c, const struct udt_hdr *h, uint64_t now_ns)
{
	struct udt_ack a;
	int32_t off;

	if (udt_ack_decode(h, &a))
		return bad(c);
	/* nobody may acknowledge what we have not sent */
	if (udt_seq_cmp(a.ack_seq, udt_seq_inc(c->snd_curr_seq)) > 0)
		return bad(c);
	if (a.nfields == 1) {
		if (udt_seq_cmp(a.ack_seq, c->snd_last_ack) >= 0) {
			c->flow_window -= udt_seq_off(c->snd_last_ack, a.ack_seq);
			c->snd_last_ack = a.ack_seq;
		}
		return 0;
	}
	c->st.acks_recv++;
	/* ACK2 at most once per SYN, and for a repeated ACK */
	if (now_ns - c->last_ack2_ns > (uint64_t)UDT_SYN_NS || a.ackno == c->last_ack2_no) {
		udt_send_ctrl_simple(c, UDT_CT_ACK2, a.ackno, now_ns);
		c->st.acks2_sent++;
		c->last_ack2_no = a.ackno;
		c->last_ack2_ns = now_ns;
	}
	/*
	 * A timed ACK's sample, also while holes hold the cumulative ACK (as
	 * negotiated: a peer that did not offer it has no business sending it)
	 */
	if (a.nfields == 8 && c->ack_time_on) {
		if (udt_seq_cmp(a.hi_seq, c->snd_curr_seq) > 0)
			return bad(c);
		/* the receiver's latest rates, for the next ACK that moves (most do not) */
		c->cc.ack_rates_new = a.rcv_rate || a.bandwidth;
		if (c->cc.ack_rates_new) {
			c->cc.ack_rcv_rate = a.rcv_rate;
			c->cc.ack_bandwidth = a.bandwidth;
		}
		if (c->cc.ops->on_ack_time)
			c->cc.ops->on_ack_time(&c->cc, a.hi_seq,
					       (int64_t)a.hi_delay_us * LU2K_NS_PER_US,
					       udt_tick(now_ns));
		c->cc.ack_rates_new = 0;
	}
	if (udt_seq_cmp(a.ack_seq, c->snd_last_ack) >= 0) {
		c->flow_window = a.avail;
		c->snd_last_ack = a.ack_seq;
	}
	off = udt_seq_off(c->snd_last_data_ack, a.ack_seq);
	if (off > 0) {
		c->snd_last_data_ack = a.ack_seq;
		udt_loss_remove_upto(&c->snd_loss, udt_seq_dec(a.ack_seq));
	}
	/*
	 * Held there (a first flight whose address is not proved): acknowledged
	 * for the CC and the window, but completed only once an ACK says the
	 * peer's application has it, which may move nothing else
	 */
	if (!(a.nfields == 8 && a.held))
		udt_sndbuf_ack(&c->sb, c->snd_last_data_ack, udt_conn_msg_done, c);
	else
		c->st.acks_held++;
	if (off <= 0) {
		udt_conn_maybe_finish(c, now_ns); /* what completed may have been the last */
		return 0;			  /* nothing new */
	}

	rtt_sample(c, (int64_t)a.rtt_us * LU2K_NS_PER_US); /* the wire's us */
	/* a timed ACK without rates is a short one (conn_out.c) */
	if (a.nfields == 6 || (a.nfields == 8 && (a.rcv_rate || a.bandwidth))) {
		if (a.rcv_rate > 0)
			c->delivery_rate = ewma(c->delivery_rate, a.rcv_rate, 7, 3);
		if (a.bandwidth > 0)
			c->bandwidth = ewma(c->bandwidth, a.bandwidth, 7, 3);
		c->cc.rcv_rate = c->delivery_rate;
		c->cc.bandwidth = c->bandwidth;
		c->cc.ack_rcv_rate = a.rcv_rate;
		c->cc.ack_bandwidth = a.bandwidth;
	}
	if (c->cc.ops->on_ack)
		c->cc.ops->on_ack(&c->cc, a.ack_seq, udt_tick(now_ns));
	udt_conn_cc_update(c);
	udt_conn_maybe_finish(c, now_ns);
	return 0;
}

static int on_ack2(struct udt_conn *c, const struct udt_hdr *h, uint64_t now_ns)
{
	uint32_t ack;
	int64_t rtt;

	if (h->info & ~UDT_ACKNO_MAX)
		return bad(c);
	c->st.acks2_recv++;
	rtt = udt_ackwin_ack2(&c->ackwin, h->info, c->cc.arr_ns, &ack);
	if (rtt <= 0)
		return 0;
	rtt_sample(c, rtt);
	path_rtt_sample(c, rtt, now_ns);
	if (udt_seq_cmp(ack, c->rcv_last_ack_ack) > 0)
		c->rcv_last_ack_ack = ack;
	return 0;
}

static int on_nak(struct udt_conn *c, const struct udt_hdr *h, uint64_t now_ns)
{
	size_t max = h->body_len / 4, n, i;
	struct udt_range *r;

	if (max == 0)
		return bad(c);
	r = malloc(max * sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (udt_nak_decode(h, r, max, &n))
		goto fail;
	/* every reported loss must be something we sent */
	for (i = 0; i < n; i++)
		if (udt_seq_cmp(r[i].last, c->snd_curr_seq) > 0)
			goto fail;
	c->st.naks_recv++;
	if (c->cc.ops->on_loss)
		c->cc.ops->on_loss(&c->cc, r, n, udt_tick(now_ns));
	udt_conn_cc_update(c);
	for (i = 0; i < n; i++) {
		uint32_t first = r[i].first;
		int64_t k;

		if (udt_seq_cmp(r[i].last, c->snd_last_ack) < 0)
			continue;
		if (udt_seq_cmp(first, c->snd_last_ack) < 0)
			first = c->snd_last_ack;
		k = udt_loss_insert(&c->snd_loss, first, r[i].last);
		if (k > 0) {
			c->st.snd_loss += (uint64_t)k;
			if (c->fec_on)
				udt_fec_tx_lost(&c->fec_tx, (uint32_t)k);
		}
	}
	/*
	 * As UDT4 reschedules the socket on a NAK: the first resend leaves now,
	 * not a period later. So each NAK lets one packet past the pacing (one
	 * for one that left the path), unless the CC drains a queue it made
	 * (udt_cc.drain_strict).
	 */
	if (udt_loss_count(&c->snd_loss) && c->next_send_ns > now_ns && !c->cc.drain_strict)
		c->next_send_ns = now_ns;
	free(r);
	return 0;
fail:
	free(r);
	return bad(c);
}

static int on_dropreq(struct udt_conn *c, const struct udt_hdr *h, uint64_t now_ns)
{
	struct udt_dropreq d;

	if (udt_dropreq_decode(h, &d))
		return bad(c);
	/* nothing beyond what the sender has sent can be dropped */
	if (udt_seq_off(c->rcv_last_ack, d.last) > (int32_t)(2 * c->rb.win))
		return bad(c);
	c->st.drops_recv++;
	d.last = udt_rcvbuf_drop(&c->rb, d.msgno, d.first, d.last);
	udt_loss_remove_range(&c->rcv_loss, d.first, d.last);
	if (udt_seq_cmp(d.first, udt_seq_inc(c->rcv_curr_seq)) <= 0 &&
	    udt_seq_cmp(d.last, c->rcv_curr_seq) > 0)
		c->rcv_curr_seq = d.last;
	return 0;
}

static int on_handshake(struct udt_conn *c, const struct udt_hdr *h, uint64_t now_ns)
{
	struct udt_hs hs;

	if (udt_hs_decode(h, &hs))
		return bad(c);
	if (c->state == UDT_ST_CONNECTING) {
		if (hs.req_type == UDT_HS_REQ_REGULAR) {
			/* the listener's cookie: ask again with it, now */
			c->hs.req_type = UDT_HS_RSP_REGULAR;
			c->hs.cookie = hs.cookie;
			c->hs_next_ns = now_ns;
			return 0;
		}
		if (hs.req_type == UDT_HS_REJECT) {
			udt_conn_set_state(c, UDT_ST_BROKEN, -ECONNREFUSED);
			return 0;
		}
		if (hs.req_type != UDT_HS_RSP_REGULAR)
			return bad(c);
		/* the server must echo our initial sequence number */
		if (hs.isn != c->isn || hs.sock_type != c->cfg.sock_type)
			return bad(c);
		return udt_conn_establish(c, &hs, now_ns);
	}
	/* a server whose response was lost: the client keeps asking */
	if (c->is_server && hs.sock_id == c->peer_id &&
	    (hs.req_type == UDT_HS_REQ_REGULAR || hs.req_type == UDT_HS_RSP_REGULAR)) {
		udt_send_hs(c, c->peer_id, now_ns);
		udt_send_first_window(c, now_ns);
	}
	return 0;
}

static int recv_one(struct udt_conn *c, const uint8_t *buf, size_t len, uint64_t now_ns)
{
	struct udt_hdr h;

	if (udt_hdr_decode(buf, len, &h))
		return bad(c);
	if (h.dst != c->sock_id && !(c->is_server && h.ctrl && h.type == UDT_CT_HANDSHAKE))
		return bad(c);
	if (c->state == UDT_ST_CLOSED || c->state == UDT_ST_BROKEN)
		return -ENOTCONN;
	if (c->state == UDT_ST_CONNECTING) {
		if (!h.ctrl || h.type != UDT_CT_HANDSHAKE)
			return -ENOTCONN;
		return on_handshake(c, &h, now_ns);
	}
	/* anything from the peer shows it is alive */
	c->exp_count = 1;
	c->last_rsp_ns = now_ns;
	c->heard++;
	if (!h.ctrl)
		return on_data(c, &h, now_ns);
	switch (h.type) {
	case UDT_CT_ACK:
		return on_ack(c, &h, now_ns);
	case UDT_CT_ACK2:
		return on_ack2(c, &h, now_ns);
	case UDT_CT_NAK:
		return on_nak(c, &h, now_ns);
	case UDT_CT_DROPREQ:
		return on_dropreq(c, &h, now_ns);
	case UDT_CT_HANDSHAKE:
		return on_handshake(c, &h, now_ns);
	case UDT_CT_FEC:
		return udt_fec_on_pkt(c, &h, now_ns);
	case UDT_CT_SHUTDOWN:
		udt_conn_set_state(c, UDT_ST_CLOSED, -ECONNRESET);
		return 0;
	case UDT_CT_KEEPALIVE:
		/* asked (UDT_KA_ASK): one back, not asking; so no two ends ping-pong */
		if (h.info == UDT_KA_ASK) {
			udt_send_ctrl_simple(c, UDT_CT_KEEPALIVE, 0, now_ns);
			c->st.keepalives_sent++;
		}
		return 0;
	case UDT_CT_CGWARN: /* UDT4's reaction is overwritten by its next rate update */
	case UDT_CT_PEERERR:
	case UDT_CT_USER:
	default:
		return 0;
	}
}

int udt_conn_recv_pkt_at(struct udt_conn *c, const uint8_t *buf, size_t len, uint64_t now_ns,
			 uint64_t arr_ns)
{
	int rc;

	c->arr_fine_ns = arr_ns < now_ns ? arr_ns : now_ns;
	c->cc.arr_ns = udt_tick(c->arr_fine_ns);
	rc = recv_one(c, buf, len, now_ns);
	c->cc.arr_ns = 0;
	c->arr_fine_ns = 0;
	return rc;
}

int udt_conn_recv_pkt(struct udt_conn *c, const uint8_t *buf, size_t len, uint64_t now_ns)
{
	return udt_conn_recv_pkt_at(c, buf, len, now_ns, now_ns);
}

void udt_conn_rx_resume(struct udt_conn *c, uint64_t now_ns)
{
	/* the receive buffer exists once connected; after a close nothing is acknowledged */
	if (c->state != UDT_ST_CONNECTED && c->state != UDT_ST_CLOSING)
		return;
	if (!c->rb.blocked && !c->rb.nrefused)
		return;
	udt_rcvbuf_resume(&c->rb);
	/* a wait for the application is no stall: count from now */
	c->rcv_head = c->rb.base_seq;
	c->rcv_head_ack = c->rcv_last_ack;
	c->rcv_head_ns = now_ns;
	/* the ACK point may have moved: the sender waits for it */
	c->next_ack_ns = now_ns;
}
