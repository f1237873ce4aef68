// SPDX-License-Identifier: MIT
/*
 * cc_lossy_out.c - what the "lossy" congestion control gives the sender to
 * read: the pacing interval, the window and how far pacing may catch up.
 *
 * The rate is pacing_gain * btl_bw (in STARTUP, held to the capacity and to
 * a remembered path's rate; see cc_lossy.c).
 *
 * The window is only a safety valve, not the control: UDT's window counts
 * from the oldest unacknowledged packet, so one hole whose retransmission is
 * lost again holds it for a NAK interval (at least 300 ms) plus a few RTTs.
 * The window therefore covers btl_bw * (4 min_rtt + 600 ms + 2 SYN).
 *
 * The engine sends every 16th packet back to back with the next (a packet
 * pair for the capacity estimate) without spending pacing time on it, so 16
 * packets go out per 15 intervals; the pacing interval is stretched by 16/15
 * to make the rate what we ask for.
 *
 * A busy host's scheduling delays make the sender late. Pacing may catch up
 * what a stall held back while we had data waiting, up to a quarter of
 * min_rtt, between BURST_MIN_NS and BURST_MAX_NS. Not more: a stalled
 * receiver reads its packets at once and reports them as a receiving rate as
 * high as what we sent, so a sender that always catches up hears that it
 * gets all it sends even while a real queue builds (in
 * tests/sim/test_sim_busy, 50 ms kept a 600 ms queue full).
 */
#include "cc_lossy_int.h"

#define STARTUP_CAP  1.1 /* STARTUP paces at most this much over link_bw */
#define BURST_MIN_NS (10 * LU2K_NS_PER_MS)
#define BURST_MAX_NS (20 * LU2K_NS_PER_MS)

void udt_lossy_set_outputs(struct udt_cc *cc)
{
	struct lossy *l = cc->priv;
	double bw = lossy_model_bw(l);
	double rate = l->pacing_gain * bw;
	double span_ns, w, carried, cap;

	if (l->mode == LOSSY_STARTUP) {
		/*
		 * A remembered rate: 3/4 of it until a rate sample shows the path
		 * carries something, then no more than it until the capacity is
		 * known (at 3 % loss holes hold the ACKs that would tell, for
		 * a round trip or more). The probe's capacity: 3/4 of it until
		 * the first ACK's RTT sample, then STARTUP up to it (it is what
		 * the capacity estimate would say): held at 3/4 until a rate
		 * sample, the second round trip at 3 % went at 70 % of the link.
		 */
		if (l->hinted && !l->pairs_acked && !l->have_bw &&
		    (!l->probed || l->min_rtt_ns < 0))
			rate = bw;
		else if (l->hinted && !l->pairs_acked && rate > l->hint_rate)
			rate = l->hint_rate;
		/* no point in sending faster than the link's capacity: it only queues */
		cap = l->grew_cap > 0 ? l->grew_cap : l->link_bw;
		if (cap <= 0 && l->probed)
			cap = cc->capacity_hint;
		l->startup_capped = cap > 0 && rate > STARTUP_CAP * cap;
		if (l->startup_capped)
			rate = STARTUP_CAP * cap;
		/* (libudt's estimate is its made-up 1000 packets/s for a while) */
		if (l->hinted && !l->full_acked && rate < l->init_rate)
			rate = l->init_rate;
	}
	cc->pkt_snd_period_ns = lu2k_time_interval_ns(rate) * 16.0 / 15.0;
	/* the queue of a link that slowed, which the NAKs of its drops refilled (test_sim_step) */
	cc->drain_strict = l->mode == LOSSY_DRAIN && l->slowed_drain;
	cc->pair_resends = l->slowed_unseen;
	/* a lossy path: a small message's last packet lost costs an EXP timeout */
	cc->dup_tail = l->loss_seen;
	cc->pacing_burst_ns = lu2k_time_ns_floor_us(lossy_base_rtt(cc) / 4);
	if (cc->pacing_burst_ns < BURST_MIN_NS)
		cc->pacing_burst_ns = BURST_MIN_NS;
	if (cc->pacing_burst_ns > BURST_MAX_NS)
		cc->pacing_burst_ns = BURST_MAX_NS;

	span_ns = 4.0 * lossy_base_rtt(cc) + 2.0 * 300 * LU2K_NS_PER_MS + 2.0 * UDT_SYN_NS;
	w = (l->mode == LOSSY_STARTUP ? rate : bw) * span_ns / LU2K_NS_PER_S + INIT_WINDOW;
	cc->cwnd = w;
	/*
	 * What to remember of the path: the model, at most what it carried
	 * (dv_max), as a sending rate: what reached the receiver, over the
	 * share of our new packets that did (random loss is no limit of the
	 * path's; the holes of a queue that overflowed are a few % of a
	 * connection's packets).
	 */
	cc->path_rate = l->have_bw && l->btl_bw < MAX_RATE ? (int32_t)l->btl_bw : 0;
	carried = l->dv_max;
	if (l->sent_new > 0 && l->lost_all < l->sent_new / 2)
		carried /= 1.0 - (double)l->lost_all / (double)l->sent_new;
	if (cc->path_rate > carried)
		cc->path_rate = (int32_t)carried;
	cc->path_rtt_ns = l->min_rtt_ns > 0 ? l->min_rtt_ns : 0;
}
