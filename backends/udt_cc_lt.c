/* SPDX-License-Identifier: MIT */
/*
 * udt_cc_lt.c - "lt", a loss-tolerant congestion control for the UDT engine
 * (registered by the udt back-end and lu2k-udt; chosen with cc=lt).
 *
 * UDT4's native algorithm slows down by 1/8 for every loss event, so on a
 * long link with random loss (satellite, radio) it spends its time far
 * below the link's rate. lt does not read loss as congestion. Like BBR it
 * paces at the delivery rate it measures and probes above it:
 *
 *  - the estimate (btl) is the largest delivery rate over the last 10
 *    rounds (a round: one RTT, at least 200 ms), a delivery rate being the
 *    packets newly acknowledged over the last max(4 RTT, 1 s): long
 *    enough that an ACK point stalled by a hole and then jumping averages
 *    out (the receiver's own rate and packet-pair estimates are median
 *    filters of single intervals, which bursty paths fool);
 *  - startup doubles the rate every round, from 16 packets per RTT, but not
 *    past the link capacity the receiver measures with packet pairs, until
 *    it has sat at that capacity for 2 rounds or a round loses more than
 *    5 % of what it sent (the bottleneck's queue overflows; random loss of a
 *    few percent does not stop it), then drains a round at half that rate;
 *  - then it cycles gains 1.25, 0.75, 1 x 6 round by round: a queue built by
 *    the probe is drained by the next round; the pacing never exceeds 1.25 x
 *    the packet-pair capacity (delivery samples on a bursty path overshoot);
 *  - the window caps what is in flight at 4 x btl x (RTT + SYN) + 64;
 *  - a round with too little to send (application-limited) cannot lower
 *    the estimate, so a burst after a pause starts at the known rate;
 *  - a timeout (no feedback at all) halves the estimate.
 * Losses are repaired by UDT's NAKs as usual; only their rate is ignored.
 */
#include <stdint.h>
#include <string.h>

#include "proto/udt/cc.h"
#include "proto/udt/seq.h"

#define LT_ROUNDS 10
#define LT_HIST	  512 /* ACK history: 5 s of full ACKs at one per SYN */

enum { LT_STARTUP, LT_DRAIN, LT_PROBE };

struct lt {
	int phase;
	double ring[LT_ROUNDS]; /* max receiving rate of each recent round, packets/s */
	int ring_i;
	double round_max, btl;
	uint64_t round_start_us;
	int cycle;
	/* (time, packets acknowledged so far) at each ACK, a ring */
	uint64_t h_us[LT_HIST];
	uint64_t h_acked[LT_HIST];
	unsigned int h_n, h_i;
	uint64_t acked;
	uint32_t last_ack;
	int have_ack;
	uint64_t sent_in_round, lost_in_round;
	uint32_t lost_high; /* highest sequence number reported lost so far */
	int have_lost;
	double startup_rate; /* packets/s */
	int at_cap;
};

static const double probe_gain[8] = { 1.25, 0.75, 1, 1, 1, 1, 1, 1 };

static double round_us(const struct udt_cc *cc)
{
	return cc->rtt_us > 200000 ? cc->rtt_us : 200000;
}

/* The slowest we ever go: 16 packets per round trip. */
static double floor_rate(const struct udt_cc *cc)
{
	double rtt = cc->rtt_us > 1000 ? cc->rtt_us : 1000;

	return 16 * 1e6 / rtt;
}

/* The packet-pair capacity, once it means something; else 0. */
static double cap_rate(const struct udt_cc *cc)
{
	return cc->bandwidth > floor_rate(cc) ? cc->bandwidth : 0;
}

static void apply(struct udt_cc *cc)
{
	struct lt *s = cc->priv;
	double gain = s->phase == LT_STARTUP ? 2.0
		      : s->phase == LT_DRAIN ? 0.5
					     : probe_gain[s->cycle];
	double base = s->btl > floor_rate(cc) ? s->btl : floor_rate(cc);
	double win;

	if (s->phase == LT_STARTUP) {
		if (s->startup_rate < floor_rate(cc))
			s->startup_rate = floor_rate(cc);
		base = s->startup_rate;
		gain = 1;
	}
	/*
	 * With random loss there is nearly always a hole waiting a round trip
	 * for its retransmission, and everything after it counts as in flight:
	 * twice the BDP is in flight at the full rate, so allow four.
	 */
	win = base * 4 * (cc->rtt_us + UDT_SYN_US) / 1e6 + 64;
	if (cap_rate(cc) > 0 && gain * base > 1.25 * cap_rate(cc))
		base = 1.25 * cap_rate(cc) / gain;
	cc->pkt_snd_period_us = 1e6 / (gain * base);
	cc->cwnd = win < cc->max_cwnd ? win : cc->max_cwnd;
}

static void lt_init(struct udt_cc *cc, uint64_t now_us)
{
	struct lt *s = cc->priv;

	memset(s, 0, sizeof(*s));
	s->phase = LT_STARTUP;
	s->round_start_us = now_us;
	cc->ack_period_us = UDT_SYN_US;
	apply(cc);
}

static void end_round(struct udt_cc *cc, uint64_t now_us)
{
	struct lt *s = cc->priv;

	/*
	 * A round in which we had too little to send says nothing about the
	 * path: it may not lower the estimate (LNet traffic comes in bursts).
	 */
	if (s->sent_in_round < 0.5 * s->btl * (double)(now_us - s->round_start_us) / 1e6) {
		double prev = s->ring[(s->ring_i + LT_ROUNDS - 1) % LT_ROUNDS];

		if (s->round_max < prev)
			s->round_max = prev;
	}
	s->ring[s->ring_i] = s->round_max;
	s->ring_i = (s->ring_i + 1) % LT_ROUNDS;
	s->round_max = 0;
	s->round_start_us = now_us;
	s->btl = 0;
	for (int i = 0; i < LT_ROUNDS; i++)
		if (s->ring[i] > s->btl)
			s->btl = s->ring[i];
	switch (s->phase) {
	case LT_STARTUP:
		if (s->sent_in_round >= 100 && s->lost_in_round * 20 > s->sent_in_round) {
			/* the queue overflowed: the last round's rate was the good one */
			double good = s->startup_rate / 2;

			for (int i = 0; i < LT_ROUNDS; i++)
				s->ring[i] = good;
			s->btl = good > s->btl ? good : s->btl;
			s->phase = LT_DRAIN;
		} else if (cap_rate(cc) > 0 && 2 * s->startup_rate >= cap_rate(cc)) {
			s->startup_rate = cap_rate(cc);
			if (++s->at_cap >= 2) {
				for (int i = 0; i < LT_ROUNDS; i++)
					s->ring[i] = s->startup_rate;
				s->btl = s->startup_rate;
				s->phase = LT_PROBE;
				s->cycle = 2;
			}
		} else {
			s->startup_rate *= 2;
		}
		break;
	case LT_DRAIN:
		s->phase = LT_PROBE;
		s->cycle = 0;
		break;
	default:
		s->cycle = (s->cycle + 1) % 8;
		/* a round that lost a tenth of what it sent is congestion, not noise */
		if (s->sent_in_round >= 100 && s->lost_in_round * 10 > s->sent_in_round) {
			for (int i = 0; i < LT_ROUNDS; i++)
				s->ring[i] *= 0.85;
			s->btl *= 0.85;
		}
		break;
	}
	s->sent_in_round = 0;
	s->lost_in_round = 0;
}

/* Packets acknowledged per second over the last max(4 RTT, 1 s), or 0. */
static double delivery_rate(struct udt_cc *cc, uint32_t ack, uint64_t now_us)
{
	struct lt *s = cc->priv;
	uint64_t w = 4 * (uint64_t)(cc->rtt_us > 0 ? cc->rtt_us : 0);
	unsigned int k, j;

	if (s->have_ack && udt_seq_cmp(ack, s->last_ack) > 0)
		s->acked += (uint64_t)udt_seq_off(s->last_ack, ack);
	if (!s->have_ack || udt_seq_cmp(ack, s->last_ack) > 0)
		s->last_ack = ack;
	s->have_ack = 1;
	s->h_us[s->h_i] = now_us;
	s->h_acked[s->h_i] = s->acked;
	s->h_i = (s->h_i + 1) % LT_HIST;
	if (s->h_n < LT_HIST)
		s->h_n++;
	if (w < 1000000)
		w = 1000000;
	/* the oldest entry still inside the window */
	for (k = 1, j = 0; k < s->h_n; k++) {
		unsigned int idx = (s->h_i + LT_HIST - 1 - k) % LT_HIST;

		if (now_us - s->h_us[idx] > w)
			break;
		j = idx;
	}
	if (k == s->h_n || now_us - s->h_us[j] < w / 2)
		return 0; /* not enough history yet */
	return (double)(s->acked - s->h_acked[j]) * 1e6 / (double)(now_us - s->h_us[j]);
}

static void lt_on_ack(struct udt_cc *cc, uint32_t ack, uint64_t now_us)
{
	struct lt *s = cc->priv;
	double r = delivery_rate(cc, ack, now_us);

	if (r > s->round_max)
		s->round_max = r;
	if (now_us - s->round_start_us >= round_us(cc))
		end_round(cc, now_us);
	else if (s->round_max > s->btl)
		s->btl = s->round_max; /* a higher rate counts at once */
	apply(cc);
}

static void lt_on_pkt_sent(struct udt_cc *cc, uint32_t seq, uint64_t now_us)
{
	struct lt *s = cc->priv;

	s->sent_in_round++;
}

static void lt_on_loss(struct udt_cc *cc, const struct udt_range *r, size_t n, uint64_t now_us)
{
	struct lt *s = cc->priv;

	/* NAK timers repeat old holes: count each loss once, when first reported */
	for (size_t i = 0; i < n; i++) {
		uint32_t first = r[i].first;

		if (s->have_lost && udt_seq_cmp(r[i].last, s->lost_high) <= 0)
			continue;
		if (s->have_lost && udt_seq_cmp(first, s->lost_high) <= 0)
			first = udt_seq_inc(s->lost_high);
		s->lost_in_round += udt_seq_len(first, r[i].last);
		s->lost_high = r[i].last;
		s->have_lost = 1;
	}
}

static void lt_on_timeout(struct udt_cc *cc, uint64_t now_us)
{
	struct lt *s = cc->priv;

	for (int i = 0; i < LT_ROUNDS; i++)
		s->ring[i] /= 2;
	s->btl /= 2;
	s->round_max /= 2;
	/* early on, the RTT is still UDT's guess and the EXP timer fires spuriously */
	s->startup_rate /= 2;
	apply(cc);
}

const struct udt_cc_ops udtb_cc_lt = {
	.name = "lt",
	.priv_size = sizeof(struct lt),
	.init = lt_init,
	.on_ack = lt_on_ack,
	.on_timeout = lt_on_timeout,
	.on_loss = lt_on_loss,
	.on_pkt_sent = lt_on_pkt_sent,
};
