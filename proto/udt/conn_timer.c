// SPDX-License-Identifier: MIT
/*
 * conn_timer.c - a UDT connection's timers (conn.c says which there are):
 * when each is due, what each does when it fires, and the probes that the
 * sender makes on its own when the peer has gone quiet (the silence probe,
 * the tail-loss probe, the probe for a repair lost at the end). Kept apart
 * from the life cycle and the message API so that every rule about time
 * and silence is read in one place.
 */
#include <errno.h>

#include "conn_int.h"
#include "seq.h"

/* ACK timer, or the CC's packet count; else a light ACK every 64 packets. */
void udt_conn_check_ack(struct udt_conn *c, uint64_t now_ns)
{
	if (now_ns >= c->next_ack_ns ||
	    (c->cc.ack_interval > 0 && (uint32_t)c->cc.ack_interval <= c->pkt_count)) {
		int64_t period = c->cc.ack_period_ns > 0 ? c->cc.ack_period_ns : UDT_SYN_NS;

		udt_send_ack(c, 0, now_ns);
		c->next_ack_ns = now_ns + (uint64_t)period;
		c->pkt_count = 0;
		c->light_ack_count = 1;
	} else if (UDT_LIGHT_ACK_PKTS * c->light_ack_count <= c->pkt_count) {
		udt_send_ack(c, 1, now_ns);
		c->light_ack_count++;
	}
}

static uint64_t exp_deadline(const struct udt_conn *c)
{
	uint64_t ns =
		(uint64_t)c->exp_count * (uint64_t)(c->rtt_ns + 4 * c->rttvar_ns) + UDT_SYN_NS;

	if (ns < (uint64_t)c->exp_count * UDT_MIN_EXP_NS)
		ns = (uint64_t)c->exp_count * UDT_MIN_EXP_NS;
	return c->last_rsp_ns + ns;
}

uint64_t udt_conn_nak_wait_ns(const struct udt_conn *c, uint32_t reports, uint64_t ahead_pkts,
			      int32_t speed)
{
	uint64_t k = reports ? reports : 1;
	uint64_t rtt_ns = k * (uint64_t)(c->rtt_ns + 4 * c->rttvar_ns);
	uint64_t ns = rtt_ns + UDT_SYN_NS;

	if (speed > 0) {
		uint64_t backlog = ahead_pkts * LU2K_NS_PER_S / (uint64_t)speed;

		ns += backlog < rtt_ns ? backlog : rtt_ns;
	}
	return ns < (uint64_t)UDT_MIN_NAK_NS ? (uint64_t)UDT_MIN_NAK_NS : ns;
}

void udt_conn_maybe_finish(struct udt_conn *c, uint64_t now_ns)
{
	if (c->state != UDT_ST_CLOSING || !udt_sndbuf_empty(&c->sb))
		return;
	udt_send_ctrl_simple(c, UDT_CT_SHUTDOWN, 0, now_ns);
	udt_conn_set_state(c, UDT_ST_CLOSED, 0);
}

/*
 * Resend the head and the tail of what is unacknowledged (see
 * exp_resend_all): whichever arrives shows the receiver what it misses.
 * While the peer stays silent (an outage: a satellite fade, a route down),
 * each later probe resends one packet, walking back from the tail, and none
 * twice: at 600 ms the probes go every RTT / 8, so that the link's return is
 * noticed within that, and the head and the tail resent every probe went
 * into the dead link 40 times in a 30 s fade. Once the walk reaches the head
 * the silence gets no more data (the EXP timeout still ends a dead peer).
 */
static void probe(struct udt_conn *c, uint64_t now_ns)
{
	int64_t n = 0;

	if (!c->probe_walking || c->probe_heard != c->heard) {
		/* the tail-loss probe sent the tail into this silence already */
		int tail_sent =
			c->tlp_sent && c->tlp_seq == c->snd_curr_seq && c->tlp_heard == c->heard;

		c->probe_walking = 1;
		c->probe_heard = c->heard;
		c->probe_next = udt_seq_dec(c->snd_curr_seq);
		c->probe_head_sent = !tail_sent || c->snd_last_ack != c->snd_curr_seq;
		c->probe_head = c->snd_last_ack;
		if (c->probe_head_sent)
			n = udt_loss_insert(&c->snd_loss, c->snd_last_ack, c->snd_last_ack);
		if (n >= 0 && !tail_sent) {
			int64_t m = udt_loss_insert(&c->snd_loss, c->snd_curr_seq, c->snd_curr_seq);

			n = m < 0 ? m : n + m;
		}
	} else if (udt_seq_cmp(c->probe_next, c->snd_last_ack) > 0 &&
		   udt_seq_cmp(c->probe_next, c->snd_curr_seq) < 0) {
		n = udt_loss_insert(&c->snd_loss, c->probe_next, c->probe_next);
		c->probe_next = udt_seq_dec(c->probe_next);
	}
	if (n > 0)
		c->st.snd_loss += (uint64_t)n;
	c->last_probe_ns = now_ns;
}

static int unacked(const struct udt_conn *c)
{
	return !udt_sndbuf_empty(&c->sb) && udt_seq_inc(c->snd_curr_seq) != c->snd_last_ack;
}

/*
 * Between EXP timeouts, whose interval grows with each one, a silent peer
 * still gets a probe every RTT + 4 RTTVar + SYN (at least 300 ms): two
 * packets, so that a link back from an outage is noticed within that, not at
 * the next, ever later, EXP. Not with exp_resend_all (UDT4 behaviour).
 */
static uint64_t probe_deadline(const struct udt_conn *c)
{
	uint64_t ns = (uint64_t)(c->rtt_ns + 4 * c->rttvar_ns) + UDT_SYN_NS;
	uint64_t base = c->last_rsp_ns > c->last_probe_ns ? c->last_rsp_ns : c->last_probe_ns;

	/* (a probe waits for what is already queued to resend: it goes as pacing allows) */
	if (c->cfg.exp_resend_all || !unacked(c) || udt_loss_count(&c->snd_loss))
		return UINT64_MAX;
	if (ns < (uint64_t)UDT_MIN_EXP_NS)
		ns = UDT_MIN_EXP_NS;
	/* the silence outlasted an EXP after its first probe: one packet every RTT / 8 */
	if (c->probe_walking && c->probe_heard == c->heard && c->exp_count > 1) {
		uint64_t walk = (uint64_t)lu2k_time_ns_floor_us(c->rtt_ns / 8);

		if (udt_seq_cmp(c->probe_next, c->snd_last_ack) <= 0)
			return UINT64_MAX;
		return c->last_probe_ns + (walk < 2 * UDT_SYN_NS ? 2 * UDT_SYN_NS : walk);
	}
	return base + ns;
}

/*
 * The tail-loss probe. A lost packet with later ones behind it is NAKed by
 * the receiver as soon as a later one arrives; the last packet of a burst
 * (the end of a transfer, an isolated message) has none behind it, and its
 * loss was noticed only by the silence's probe or the EXP, a round trip or
 * more later than a NAK would have (RTT + 4 RTTVar + SYN from the last ACK,
 * which itself comes a round trip after the tail left). So when the newest
 * packet has been out for a round trip plus a margin (the ACK's own wait
 * of up to a SYN, the RTT's jitter: max(2 RTTVar, RTT / 16) + 2 SYN) with
 * no ACK for it, no new packet after it, nothing queued to resend, and at
 * most UDT_TLP_MAX_PKTS unacknowledged, it is resent, once: its arrival
 * makes the receiver ACK it or NAK the holes before it. Once per packet, so
 * a dead link gets it once (and the silence's first probe then skips it).
 * Not with exp_resend_all (UDT4 behaviour).
 */
/*
 * At most this many packets unacknowledged at the tail: the last ones of a
 * burst lost together. With more, a hole further back (whose NAK was lost)
 * is likely what holds the ACK, and a resend would be spurious, and the
 * CC's round-trip sample (from the latest send of what an ACK covers) too
 * short.
 */
#define UDT_TLP_MAX_PKTS 4

static int tlp_tail_only(const struct udt_conn *c)
{
	int32_t n = udt_seq_off(c->snd_last_ack, c->snd_curr_seq);
	return n >= 0 && n < UDT_TLP_MAX_PKTS;
}

/*
 * When a probe of a packet sent at sent_ns is due: its ACK had a round trip,
 * the RTT's spread (at least 1/16 of it) and 2 ACK periods to come.
 */
static uint64_t probe_due(const struct udt_conn *c, uint64_t sent_ns)
{
	uint64_t margin = (uint64_t)(2 * c->rttvar_ns);

	if (margin < (uint64_t)c->rtt_ns / 16)
		margin = (uint64_t)c->rtt_ns / 16;
	return sent_ns + (uint64_t)c->rtt_ns + margin + 2 * UDT_SYN_NS;
}

static uint64_t tlp_deadline(const struct udt_conn *c)
{
	if (c->cfg.exp_resend_all || udt_sndbuf_empty(&c->sb) || !tlp_tail_only(c) ||
	    udt_loss_count(&c->snd_loss) || (c->tlp_sent && c->tlp_seq == c->snd_curr_seq))
		return UINT64_MAX;
	/* a silence already being probed has had the tail resent */
	if (c->probe_walking && c->probe_heard == c->heard)
		return UINT64_MAX;
	return probe_due(c, c->tail_sent_ns);
}

static void tail_probe(struct udt_conn *c)
{
	c->tlp_sent = 1;
	c->tlp_seq = c->snd_curr_seq;
	c->tlp_heard = c->heard;
	if (udt_loss_insert(&c->snd_loss, c->snd_curr_seq, c->snd_curr_seq) > 0)
		c->st.tail_probes++;
}

/*
 * The repair probe (doc/udt-cc.md, "A lost repair at the end"). A resend
 * lost again is shown to the receiver by a packet sent after it (conn_out.c,
 * LOST REPAIRS); at the end of a transfer none follows the last repairs, and
 * the hole waited for the receiver's NAK timer (RTT + 4 RTTVar + SYN + its
 * backlog after the NAK), or, for a tail-loss probe's resend, for the EXP:
 * nothing NAKs a tail. So when nothing new is left to send, nothing waits to
 * be resent, and the ACK stays at a packet at or between the lowest and the
 * highest resent since the newest new packet left, a round trip plus the
 * tail-loss probe's margin after the last of those resends, that packet is
 * resent: the lowest, the one the ACK waits for. Once per packet while the
 * peer says nothing (at most one more resend into a dead link), and not the
 * head that a silence's probe resent already. Counted in tail_probes.
 * Not with exp_resend_all (UDT4 behaviour).
 */
static uint64_t repair_deadline(const struct udt_conn *c)
{
	if (c->cfg.exp_resend_all || !c->rp_armed || !unacked(c) || udt_loss_count(&c->snd_loss) ||
	    udt_sndbuf_has_new(&c->sb))
		return UINT64_MAX;
	if (udt_seq_cmp(c->snd_last_ack, c->rp_low) < 0 ||
	    udt_seq_cmp(c->snd_last_ack, c->rp_high) > 0)
		return UINT64_MAX;
	if (c->rpp_sent && c->rpp_seq == c->snd_last_ack && c->rpp_heard == c->heard)
		return UINT64_MAX;
	if (c->probe_walking && c->probe_heard == c->heard && c->probe_head_sent &&
	    c->probe_head == c->snd_last_ack)
		return UINT64_MAX;
	return probe_due(c, c->rp_ns);
}

static void repair_probe(struct udt_conn *c)
{
	c->rpp_sent = 1;
	c->rpp_seq = c->snd_last_ack;
	c->rpp_heard = c->heard;
	if (udt_loss_insert(&c->snd_loss, c->snd_last_ack, c->snd_last_ack) > 0)
		c->st.tail_probes++;
}

/*
 * Nothing to resend in a silence: the receiver holds all of it
 * (acknowledged, no room there yet; a live holder ACKs every half RTT), or
 * the probes have sent each packet once into it (a dead link gets nothing
 * twice). Then a keep-alive that asks for one back, every RTT + 4 RTTVar +
 * SYN, at least UDT_ASK_MIN_NS: the first answer after the link's return
 * sends the probe at once (udt_conn_handle_timers), where otherwise nothing
 * left until the far end spoke first (its own keep-alives come at the EXP's
 * ever longer intervals: a lone message waited 5.2 s after a 30 s fade at
 * 600 ms). And a peer whose lu2kd restarted meanwhile hears it and says it
 * does not know the connection (lu2kd's UNKNOWN notice).
 */
static uint64_t ask_deadline(const struct udt_conn *c)
{
	uint64_t ns = (uint64_t)(c->rtt_ns + 4 * c->rttvar_ns) + UDT_SYN_NS;

	if (!c->asking || udt_sndbuf_empty(&c->sb))
		return UINT64_MAX;
	if (c->asking == UDT_ASK_ANSWERED)
		return c->last_ask_ns + UDT_ASK_SETTLE_NS;
	if ((uint32_t)c->heard != c->ask_heard)
		return 0;
	return c->last_ask_ns + (ns < (uint64_t)UDT_ASK_MIN_NS ? (uint64_t)UDT_ASK_MIN_NS : ns);
}

static void ask(struct udt_conn *c, uint64_t now_ns)
{
	if (c->asking != UDT_ASK_ASKING) {
		c->asking = UDT_ASK_ASKING;
		c->ask_heard = (uint32_t)c->heard;
	}
	c->last_ask_ns = now_ns;
	udt_send_ctrl_simple(c, UDT_CT_KEEPALIVE, UDT_KA_ASK, now_ns);
	c->st.keepalives_sent++;
}

/*
 * The asking's state at now: the peer's first word after it (the link is
 * back) starts a moment's wait, UDT_ASK_SETTLE_NS, for an ACK the receiver
 * may still owe (it ACKs within a SYN; no data left since the ask, so none
 * is on its way). Then what the peer still lacks goes at once, as a
 * silence's first probe.
 */
static void ask_step(struct udt_conn *c, uint64_t now_ns)
{
	if (!c->asking)
		return;
	if (udt_sndbuf_empty(&c->sb)) {
		c->asking = 0;
		return;
	}
	if (c->asking == UDT_ASK_ASKING && (uint32_t)c->heard != c->ask_heard) {
		c->asking = UDT_ASK_ANSWERED;
		c->last_ask_ns = now_ns;
	}
	if (c->asking != UDT_ASK_ANSWERED || now_ns < c->last_ask_ns + UDT_ASK_SETTLE_NS)
		return;
	c->asking = 0;
	if (unacked(c) && udt_loss_count(&c->snd_loss) == 0 && !c->cfg.exp_resend_all) {
		probe(c, now_ns);
		c->st.probes++;
	}
}

static void on_exp(struct udt_conn *c, uint64_t now_ns)
{
	if (c->exp_count > UDT_EXP_MAX_COUNT &&
	    now_ns - c->last_rsp_ns > (uint64_t)UDT_EXP_MIN_SILENCE_NS) {
		udt_conn_set_state(c, UDT_ST_BROKEN, -ECONNRESET);
		return;
	}
	c->st.timeouts++;
	if (!udt_sndbuf_empty(&c->sb)) {
		/* unless losses are pending: resend everything, or probe */
		if (unacked(c) && udt_loss_count(&c->snd_loss) == 0) {
			if (c->cfg.exp_resend_all) {
				int64_t n = udt_loss_insert(&c->snd_loss, c->snd_last_ack,
							    c->snd_curr_seq);

				if (n > 0)
					c->st.snd_loss += (uint64_t)n;
			} else {
				probe(c, now_ns);
			}
		}
		if (udt_loss_count(&c->snd_loss) == 0)
			ask(c, now_ns);
		if (c->cc.ops->on_timeout)
			c->cc.ops->on_timeout(&c->cc, udt_tick(now_ns));
		udt_conn_cc_update(c);
	} else {
		udt_send_ctrl_simple(c, UDT_CT_KEEPALIVE, 0, now_ns);
		c->st.keepalives_sent++;
	}
	c->exp_count++;
	c->last_rsp_ns = now_ns;
}

/*
 * The end of a stream (a transfer's last packets, a burst's): no later
 * packet shows the receiver that a NAK or its repair was lost, so either
 * cost a round trip more (the NAK timer; the lost-repair rule needs a packet
 * sent after the repair). Once no data has come for UDT_NAK_ECHO_NS after a
 * packet that ends its message (a pause inside a message is the sender's
 * window or pacing, not its end), each hole asked for once is asked for
 * again, once, as a report: its repair goes twice into a link that is idle
 * then. Not with more than UDT_NAK_ECHO_MAX such holes: that is a queue's
 * overflow, where doubled repairs add to the queue (beside CUBIC at 600 ms
 * they did, +70 % resends), not random loss at a stream's end (doc/udt-cc.md,
 * "The last repairs").
 */
#define UDT_NAK_ECHO_NS	 (2 * UDT_SYN_NS)
#define UDT_NAK_ECHO_MAX 128

static uint64_t echo_deadline(const struct udt_conn *c)
{
	if (!c->cfg.nak_timer || !c->nak_echo_armed || !c->rcv_hi_ends ||
	    !udt_loss_count(&c->rcv_loss))
		return UINT64_MAX;
	return c->rcv_data_ns + UDT_NAK_ECHO_NS;
}

static void nak_echo(struct udt_conn *c, uint64_t now_ns)
{
	struct udt_lrange *lr = udt_loss_ranges(&c->rcv_loss);
	size_t n = udt_loss_nranges(&c->rcv_loss), i, k = 0;
	struct udt_range r[64];

	c->nak_echo_armed = 0;
	for (i = 0; i < n; i++)
		k += lr[i].reports == 1 && !lr[i].echoed;
	if (k > UDT_NAK_ECHO_MAX)
		return;
	k = 0;
	for (i = 0; i < n; i++) {
		if (lr[i].reports != 1 || lr[i].echoed)
			continue;
		/* as a report: the NAK timer and the lost-repair rule count from the echo */
		lr[i].echoed = 1;
		lr[i].report_ns = now_ns;
		udt_nak_redo_set(c, &lr[i], now_ns);
		r[k++] = (struct udt_range){ lr[i].first, lr[i].last };
		if (k == sizeof(r) / sizeof(r[0])) {
			udt_send_nak_ranges(c, r, k, now_ns);
			k = 0;
		}
	}
	if (k)
		udt_send_nak_ranges(c, r, k, now_ns);
}

void udt_conn_handle_timers(struct udt_conn *c, uint64_t now_ns)
{
	if (c->state == UDT_ST_CONNECTING) {
		if (now_ns >= c->connect_deadline_ns) {
			udt_conn_set_state(c, UDT_ST_BROKEN, -ETIMEDOUT);
			return;
		}
		if (c->token_sent && c->hs.cookie != c->token_val) {
			/* the listener answered the token with a fresh cookie: time from now */
			c->token_sent = 0;
			c->hs_sent_ns = 0;
		} else if (c->token_sent && now_ns >= c->token_since_ns + UDT_TOKEN_WAIT_NS) {
			/* a token met with silence (a listener that ignores it): UDT4's first request */
			c->token_sent = 0;
			c->hs.req_type = UDT_HS_REQ_REGULAR;
			c->hs.cookie = 0;
			c->hs_sent_ns = 0;
			c->hs_next_ns = now_ns;
		}
		if (now_ns >= c->hs_next_ns) {
			if (c->hs.req_type == UDT_HS_RSP_REGULAR && !c->hs_sent_ns) {
				c->hs_sent_ns = now_ns;
				/* a final request's first send (a token's, a cookie's) */
				udt_conn_probe_train(c, now_ns);
			}
			udt_conn_send_no_cookie(c, now_ns);
			udt_send_hs(c, 0, now_ns);
			if (c->token_sent)
				udt_conn_first_begin(c, now_ns); /* data may follow the token */
			c->hs_next_ns = now_ns + UDT_HS_RETRY_NS;
		}
		return;
	}
	if (c->state != UDT_ST_CONNECTED && c->state != UDT_ST_CLOSING)
		return;
	udt_conn_check_ack(c, now_ns);
	if (c->first_check_ns && now_ns >= c->first_check_ns)
		udt_conn_first_timer(c, now_ns);
	if (c->cfg.nak_timer && udt_loss_count(&c->rcv_loss) && now_ns >= c->next_nak_ns)
		c->next_nak_ns = udt_send_nak_due(c, now_ns);
	if (now_ns >= echo_deadline(c))
		nak_echo(c, now_ns);
	udt_fec_timers(c, now_ns);
	ask_step(c, now_ns);
	if (now_ns > exp_deadline(c)) {
		on_exp(c, now_ns);
	} else if (now_ns >= probe_deadline(c) && udt_loss_count(&c->snd_loss) == 0) {
		probe(c, now_ns);
		c->st.probes++;
	} else if (now_ns >= tlp_deadline(c)) {
		tail_probe(c);
	} else if (now_ns >= repair_deadline(c)) {
		repair_probe(c);
	} else if (now_ns >= ask_deadline(c)) {
		ask(c, now_ns);
	}
	udt_conn_maybe_finish(c, now_ns);
}

uint64_t udt_conn_next_deadline(const struct udt_conn *c)
{
	uint64_t t = UINT64_MAX;

	if (c->ctl_n)
		return 0;
	if (c->state == UDT_ST_CONNECTING) {
		t = c->hs_next_ns < c->connect_deadline_ns ? c->hs_next_ns : c->connect_deadline_ns;
		/* the first flight's data (conn_early.c), paced */
		if (udt_conn_data_ready(c) && c->next_send_ns < t)
			t = c->next_send_ns;
		return t;
	}
	if (c->state != UDT_ST_CONNECTED && c->state != UDT_ST_CLOSING)
		return UINT64_MAX;
	t = c->next_ack_ns;
	if (c->first_check_ns && c->first_check_ns < t)
		t = c->first_check_ns;
	if (c->cfg.nak_timer && udt_loss_count(&c->rcv_loss) && c->next_nak_ns < t)
		t = c->next_nak_ns;
	if (echo_deadline(c) < t)
		t = echo_deadline(c);
	if (exp_deadline(c) + 1 < t)
		t = exp_deadline(c) + 1;
	if (probe_deadline(c) < t)
		t = probe_deadline(c);
	if (tlp_deadline(c) < t)
		t = tlp_deadline(c);
	if (repair_deadline(c) < t)
		t = repair_deadline(c);
	if (ask_deadline(c) < t)
		t = ask_deadline(c);
	if (udt_fec_deadline(c) < t)
		t = udt_fec_deadline(c);
	if (udt_conn_data_ready(c) && c->next_send_ns < t)
		t = c->next_send_ns;
	/* a small message's copy (conn_out.c), at its time but not before the pacing's */
	if (c->ndups) {
		uint64_t d =
			c->dups[0].due_ns > c->next_send_ns ? c->dups[0].due_ns : c->next_send_ns;

		if (d < t)
			t = d;
	}
	return t;
}
