// SPDX-License-Identifier: MIT
/*
 * test_udt_cc_lossy.c - the "lossy" congestion control's reactions to fake
 * inputs: startup growth and its cap, random loss ignored, heavy loss and a
 * standing queue acted on, RTT samples (Karn's rule), the window, what the
 * path is remembered to carry.
 *
 * A tiny fluid model stands in for the path: the sender paces at the CC's
 * rate, a bottleneck of link_pps packets/s queues the excess, and every
 * 10 ms an ACK reports what arrived one RTT (plus the queue) ago with the
 * receiving rate min(send rate, link).
 */
#include <math.h>

#include "proto/udt/cc.h"
#include "proto/udt/cc_lossy_int.h"
#include "proto/udt/seq.h"
#include "tests/t.h"

struct path {
	struct udt_cc cc;
	uint64_t now;	   /* ns */
	uint32_t next_seq; /* next new packet */
	double link_pps;
	uint64_t base_rtt; /* ns */
	double queue_pkts; /* packets waiting at the bottleneck */
	double loss_every; /* report every n-th packet lost (0: none) */
	double heavy;	   /* fraction lost when > 0 */
	uint64_t sent;
	/* send time of each sequence number, to ACK them one RTT later */
	uint64_t t_sent[1 << 16];
	uint32_t acked; /* next sequence number to ACK */
	double credit;
	double avg_pps;	  /* recent sending rate */
	int wild_acks;	  /* this many ACKs report 10 x the link (a burst) */
	int made_up_acks; /* this many ACKs report UDT's initial 1000 packets/s capacity */
};

static double rate_of(const struct udt_cc *cc)
{
	return lu2k_time_per_s(cc->pkt_snd_period_ns) * 16.0 / 15.0;
}

static void path_start(struct path *p, double link_pps, uint64_t rtt_ns)
{
	memset(p, 0, sizeof(*p));
	p->now = lu2k_time_s_to_ns(1);
	p->next_seq = 1000;
	p->acked = 1000;
	p->link_pps = link_pps;
	p->base_rtt = rtt_ns;
	T_EQ(udt_cc_init(&p->cc, udt_cc_find("lossy"), 1500, 16000, 999, lu2k_time_ms_to_ns(100),
			 16, 1, p->now),
	     0);
}

/* Runs the fluid model for dur_ns in 1 ms steps. */
static void path_run(struct path *p, uint64_t dur_ns)
{
	uint64_t end = p->now + dur_ns, next_ack = p->now + lu2k_time_ms_to_ns(10);

	while (p->now < end) {
		double rate = rate_of(&p->cc);
		uint64_t s0 = p->sent;
		double sent_pps, qdelay_us;

		p->credit += rate / 1000.0;
		while (p->credit >= 1 && p->next_seq - p->acked < (uint32_t)p->cc.cwnd &&
		       p->next_seq - p->acked < (1 << 15)) {
			p->t_sent[p->next_seq & 0xffff] = p->now;
			p->cc.snd_curr_seq = p->next_seq;
			p->cc.ops->on_pkt_sent(&p->cc, p->next_seq, p->now);
			p->next_seq++;
			p->credit -= 1;
			p->sent++;
		}
		if (p->credit > 1)
			p->credit = 1;
		sent_pps = (double)(p->sent - s0) * 1000.0;
		p->avg_pps += (sent_pps - p->avg_pps) / 16;
		/* the bottleneck: the excess over the link rate queues */
		p->queue_pkts += (sent_pps - p->link_pps) / 1000.0;
		if (p->queue_pkts < 0)
			p->queue_pkts = 0;
		qdelay_us = p->queue_pkts / p->link_pps * 1e6;
		p->now += lu2k_time_ms_to_ns(1);
		if (p->now >= next_ack) {
			uint32_t a = p->acked;

			next_ack += lu2k_time_ms_to_ns(10);
			while (a < p->next_seq &&
			       p->t_sent[a & 0xffff] + p->base_rtt +
					       lu2k_time_us_to_ns((uint64_t)qdelay_us) <=
				       p->now)
				a++;
			if (a == p->acked)
				continue;
			if (p->loss_every > 0 || p->heavy > 0) {
				double f = p->heavy > 0 ? p->heavy : 1.0 / p->loss_every;
				uint32_t n = (uint32_t)((a - p->acked) * f), i;

				for (i = 0; i < n; i++) {
					struct udt_range r = { p->acked + i * (uint32_t)(1 / f),
							       p->acked + i * (uint32_t)(1 / f) };

					p->cc.ops->on_loss(&p->cc, &r, 1, p->now);
				}
			}
			p->acked = a;
			p->cc.ack_rcv_rate =
				(int32_t)(p->avg_pps < p->link_pps ? p->avg_pps : p->link_pps);
			p->cc.rcv_rate = p->cc.ack_rcv_rate;
			p->cc.ack_bandwidth = (int32_t)p->link_pps;
			if (p->made_up_acks > 0) {
				p->made_up_acks--;
				p->cc.ack_bandwidth = 1000;
			}
			if (p->wild_acks > 0) {
				p->wild_acks--;
				p->cc.ack_rcv_rate = (int32_t)(10 * p->link_pps);
				p->cc.ack_bandwidth = (int32_t)(10 * p->link_pps);
			}
			p->cc.ops->on_ack(&p->cc, a, p->now);
		}
	}
}

static void test_in_table(void)
{
	T_ASSERT(udt_cc_find("lossy") == &udt_cc_lossy);
	T_ASSERT(udt_cc_find("udt") == &udt_cc_native);
}

static void test_initial(void)
{
	struct udt_cc cc;

	T_EQ(udt_cc_init(&cc, &udt_cc_lossy, 1500, 16000, 999, lu2k_time_ms_to_ns(100), 16, 1, 0),
	     0);
	/* 32 packets per (guessed) RTT of 100 ms, at least 500/s, times the startup gain */
	T_ASSERT(fabs(rate_of(&cc) - 2.885 * 500) < 1);
	T_ASSERT(cc.cwnd > 32 && cc.cwnd <= 16000);
	udt_cc_fini(&cc);
}

/*
 * Loopback-like path (200 us, 85,000 packets/s = 1 Gbit/s) whose receiver
 * reports UDT's made-up capacity of 1000 packets/s for its first 30 ACKs:
 * STARTUP must not take that for the link (it once ended there, for good).
 */
static void test_startup_short_rtt(void)
{
	static struct path p;

	path_start(&p, 85000, lu2k_time_us_to_ns(200));
	p.made_up_acks = 30;
	path_run(&p, lu2k_time_s_to_ns(1));
	T_ASSERT(rate_of(&p.cc) > 0.5 * 85000);
	udt_cc_fini(&p.cc);
}

/* 600 ms RTT, 4167 packets/s (50 Mbit/s): full rate within a few RTTs. */
static void test_startup_reaches_link(void)
{
	static struct path p;

	path_start(&p, 4167, lu2k_time_ms_to_ns(600));
	path_run(&p, lu2k_time_ms_to_ns(600 * 4));
	T_ASSERT(rate_of(&p.cc) > 0.9 * 4167);
	/* STARTUP never paces far over the packet-pair capacity */
	T_ASSERT(rate_of(&p.cc) < 1.11 * 4167);
	path_run(&p, lu2k_time_ms_to_ns(600 * 20));
	/* cruising: within the gain cycle around the link rate, queue small */
	T_ASSERT(rate_of(&p.cc) > 0.7 * 4167 && rate_of(&p.cc) < 1.3 * 4167);
	T_ASSERT(p.queue_pkts < 0.5 * 4167 * 0.6);
	/* the window covers several BDPs: a stalled hole does not stop sending */
	T_ASSERT(p.cc.cwnd > 3 * 4167 * 0.6);
	udt_cc_fini(&p.cc);
}

/* Random loss (1 %, 3 %) leaves the rate where it was. */
static void test_random_loss_ignored(void)
{
	static struct path p;
	double before;
	uint64_t s0;

	path_start(&p, 4167, lu2k_time_ms_to_ns(200));
	path_run(&p, lu2k_time_s_to_ns(10));
	before = rate_of(&p.cc);
	T_ASSERT(before > 0.7 * 4167);
	p.loss_every = 33;
	s0 = p.sent;
	path_run(&p, lu2k_time_s_to_ns(10));
	/* over 10 s it kept sending at about the link rate */
	T_ASSERT((double)(p.sent - s0) > 0.9 * 4167 * 10);
	T_ASSERT(rate_of(&p.cc) > 0.7 * 4167);
	udt_cc_fini(&p.cc);
}

/* Heavy loss (30 % of what is sent): the rate comes down. */
static void test_heavy_loss_backs_off(void)
{
	static struct path p;
	uint64_t s0;

	path_start(&p, 4167, lu2k_time_ms_to_ns(200));
	path_run(&p, lu2k_time_s_to_ns(10));
	p.heavy = 0.3;
	s0 = p.sent;
	path_run(&p, lu2k_time_s_to_ns(3));
	T_ASSERT((double)(p.sent - s0) < 0.8 * 4167 * 3);
	T_ASSERT(rate_of(&p.cc) < 0.8 * 4167);
	udt_cc_fini(&p.cc);
}

/* The bottleneck halves: the queue that builds brings the model down. */
static void test_queue_brings_rate_down(void)
{
	static struct path p;

	path_start(&p, 4167, lu2k_time_ms_to_ns(200));
	path_run(&p, lu2k_time_s_to_ns(10));
	p.link_pps = 2000;
	path_run(&p, lu2k_time_s_to_ns(10));
	T_ASSERT(rate_of(&p.cc) < 1.3 * 2000);
	T_ASSERT(p.queue_pkts < 2000 * 0.2);
	udt_cc_fini(&p.cc);
}

/*
 * Packets held up on the way arrive in a burst: for 12 ACKs (120 ms) the
 * receiver reports 10 x the link's rate and capacity. Not believed above
 * what we sent (the median of 15 capacity reports is wild too): a burst in
 * a probe round, when we send 1.25 x the model, can raise the model by up
 * to that much, and the next probe paces 1.25 x above it, never more; the
 * queue this builds brings it back within a few seconds. At 16 points of
 * the 8-round gain cycle.
 */
static void test_burst_not_believed(void)
{
	static struct path p;
	double r;
	int i, k;

	for (k = 0; k < 16; k++) {
		path_start(&p, 4167, lu2k_time_ms_to_ns(200));
		path_run(&p, lu2k_time_s_to_ns(10) + lu2k_time_ms_to_ns(100 * (uint64_t)k));
		p.wild_acks = 12;
		for (i = 0; i < 40; i++) {
			path_run(&p, lu2k_time_ms_to_ns(50));
			r = rate_of(&p.cc);
			T_ASSERT(r < 1.25 * 1.25 * 1.01 * 4167);
		}
		path_run(&p, lu2k_time_s_to_ns(4));
		T_ASSERT(rate_of(&p.cc) < 1.3 * 4167);
		T_ASSERT(p.queue_pkts < 4167 * 0.1);
		udt_cc_fini(&p.cc);
	}
}

/*
 * RTT samples: ACK of packets sent at t gives now - t; a packet sent a third
 * time, resent after a timeout, or resent with no NAK behind it (the
 * engine's tail and silence probes: the original may arrive), gives none. Seen through the window, which
 * grows with min_rtt (4 min_rtt + 600 ms + 20 ms of the bottleneck rate).
 */
static void test_rtt_samples(void)
{
	struct udt_range lost;
	struct udt_cc cc;
	uint64_t t = lu2k_time_s_to_ns(1);
	uint32_t s;
	double w1, w2;

	T_EQ(udt_cc_init(&cc, &udt_cc_lossy, 1500, 16000, 99, lu2k_time_ms_to_ns(100), 16, 1, t),
	     0);
	for (s = 100; s < 200; s++)
		cc.ops->on_pkt_sent(&cc, s, t);
	cc.ack_rcv_rate = 1000;
	cc.ops->on_ack(&cc, 150, t + lu2k_time_ms_to_ns(500));
	/* min_rtt 500 ms: window = 1000 * 2.62 s (x gain in startup) + 32 */
	w1 = cc.cwnd;
	T_ASSERT(fabs(w1 - (2.885 * 1000 * 2.62 + 32)) < 2);
	/* 150 resent twice more: ambiguous, no sample (else min_rtt = 100 ms) */
	cc.ops->on_pkt_sent(&cc, 150, t + lu2k_time_ms_to_ns(500));
	cc.ops->on_pkt_sent(&cc, 150, t + lu2k_time_ms_to_ns(500));
	cc.ops->on_ack(&cc, 160, t + lu2k_time_ms_to_ns(600));
	T_ASSERT(fabs(cc.cwnd - w1) < 2);
	/* a resend no NAK asked for: ambiguous (else min_rtt = 100 ms) */
	cc.ops->on_pkt_sent(&cc, 162, t + lu2k_time_ms_to_ns(650));
	cc.ops->on_ack(&cc, 163, t + lu2k_time_ms_to_ns(750));
	T_ASSERT(fabs(cc.cwnd - w1) < 2);
	/* a plain retransmission after a NAK is a good sample: 100 ms */
	lost.first = lost.last = 165;
	cc.ops->on_loss(&cc, &lost, 1, t + lu2k_time_ms_to_ns(640));
	cc.ops->on_pkt_sent(&cc, 165, t + lu2k_time_ms_to_ns(650));
	cc.ops->on_ack(&cc, 170, t + lu2k_time_ms_to_ns(750));
	w2 = cc.cwnd;
	T_ASSERT(fabs(w2 - (2.885 * 1000 * 1.02 + 32)) < 2);
	/* a timeout: every resend of what was sent before it is ambiguous */
	cc.snd_curr_seq = 199;
	cc.ops->on_timeout(&cc, t + lu2k_time_ms_to_ns(800));
	cc.ops->on_pkt_sent(&cc, 175, t + lu2k_time_ms_to_ns(800));
	cc.ops->on_ack(&cc, 180, t + lu2k_time_ms_to_ns(850)); /* else a 50 ms sample */
	T_ASSERT(fabs(cc.cwnd - w2) < 2);
	udt_cc_fini(&cc);
}

/*
 * What the path carried (dv_max, the path memory's bound): 1000 packets/s
 * sent over a 100 ms path that delivers them all, one ACK per 10 ms. Two
 * things that made the cumulative ACK lag behind the deliveries once read
 * as more than the path carries: a hole whose repairs are lost twice holds
 * the ACK for 1.5 s (then it jumps), and later the ACKs of 400 ms are read
 * at once (a stalled sender). Neither may read above the 1000 sent
 * (counted from one cumulative ACK to another, as before: 1,701/s), nor
 * far below.
 */
/*
 * Idle with nothing in flight: the send-time ring goes back to its first
 * size (lossy_trim), and grows again from the next packet sent, whose RTT
 * samples are taken as before; an ACK or NAK of a packet sent before the
 * trim finds none.
 */
static void test_trim(void)
{
	struct udt_cc cc;
	struct lossy *l;
	uint64_t t = lu2k_time_s_to_ns(1);
	uint32_t s;
	double w;

	T_EQ(udt_cc_init(&cc, &udt_cc_lossy, 1500, 16000, 99, lu2k_time_ms_to_ns(100), 16, 1, t),
	     0);
	l = cc.priv;
	T_EQ(cc.ops->trim(&cc), 0); /* small already */
	for (s = 100; s < 5100; s++) {
		cc.snd_curr_seq = s;
		cc.ops->on_pkt_sent(&cc, s, t);
	}
	T_ASSERT(l->mask + 1 >= 5000);
	cc.ack_rcv_rate = 1000;
	cc.ops->on_ack(&cc, 5100, t + lu2k_time_ms_to_ns(500));
	w = cc.cwnd;
	T_EQ(cc.ops->trim(&cc), (size_t)(8192 - LOSSY_RING_INIT) * 9);
	T_EQ(l->mask + 1, LOSSY_RING_INIT);
	T_EQ(cc.ops->trim(&cc), 0);
	/* a late NAK of a packet sent before the trim: no sample, nothing read out of the ring */
	{
		struct udt_range r = { 5000, 5000 };

		cc.ops->on_loss(&cc, &r, 1, t + lu2k_time_ms_to_ns(600));
	}
	/* sent again from 5100 on: the ring grows past its first size, samples as before */
	for (s = 5100; s < 5400; s++) {
		cc.snd_curr_seq = s;
		cc.ops->on_pkt_sent(&cc, s, t + lu2k_time_ms_to_ns(1000));
	}
	T_ASSERT(l->mask + 1 >= 300 && l->mask + 1 < 1024);
	/* a 100 ms sample: min_rtt falls from 500 ms, and the window with it */
	cc.ops->on_ack(&cc, 5300, t + lu2k_time_ms_to_ns(1100));
	T_ASSERT(cc.cwnd < w / 2);
	udt_cc_fini(&cc);
}

/*
 * A NAK's RTT sample (udt_lossy_nak_sample): the packet after the newest
 * hole arrived one round trip after it was sent, if it was sent once and
 * is past every hole reported before; else none.
 */
static void test_nak_sample(void)
{
	struct udt_cc cc;
	struct lossy *l;
	uint64_t t = lu2k_time_s_to_ns(1), at = t + lu2k_time_ms_to_ns(300);
	uint32_t s;

	T_EQ(udt_cc_init(&cc, &udt_cc_lossy, 1500, 16000, 99, lu2k_time_ms_to_ns(100), 16, 1, t),
	     0);
	l = cc.priv;
	{
		struct udt_range r = { 120, 120 };

		T_EQ(udt_lossy_nak_sample(l, &r, 1, at), -1); /* nothing sent yet */
	}
	for (s = 100; s < 200; s++) {
		cc.snd_curr_seq = s;
		cc.ops->on_pkt_sent(&cc, s, t + (s - 100) * 1000);
	}
	cc.ops->on_pkt_sent(&cc, 150, t + lu2k_time_ms_to_ns(100)); /* 150 resent */
	{
		struct udt_range r[2] = { { 110, 110 }, { 120, 121 } };
		struct udt_range past = { 199, 199 }, resent = { 149, 149 };

		/* the last range's next packet (122), sent at t + 22 us */
		T_EQ(udt_lossy_nak_sample(l, r, 2, at), (int64_t)(at - (t + 22 * 1000)));
		T_EQ(udt_lossy_nak_sample(l, &past, 1, at), -1);   /* 200 was never sent */
		T_EQ(udt_lossy_nak_sample(l, &resent, 1, at), -1); /* 150 sent twice */
		cc.ops->on_loss(&cc, r, 2, at);			   /* holes up to 121 reported */
		T_EQ(udt_lossy_nak_sample(l, r, 2, at), -1);	   /* a repeat: long past */
	}
	{
		struct udt_range r = { 130, 131 };

		T_EQ(udt_lossy_nak_sample(l, &r, 1, at), (int64_t)(at - (t + 32 * 1000)));
	}
	udt_cc_fini(&cc);
}

/*
 * The capacity estimate is believed once the pairs are known to have reached
 * the receiver: from the cumulative ACK, or from a NAK of a hole after them
 * while an earlier hole holds that ACK (at 1-3 % loss, for a round trip).
 */
static void test_capacity_past_a_hole(void)
{
	struct udt_cc cc;
	const struct lossy *l;
	uint64_t t = lu2k_time_s_to_ns(1), at = t + lu2k_time_ms_to_ns(700), when = t;
	struct udt_range late = { 350, 350 };
	uint32_t s;

	T_EQ(udt_cc_init(&cc, &udt_cc_lossy, 1500, 16000, 99, lu2k_time_ms_to_ns(100), 16, 1, t),
	     0);
	l = cc.priv;
	/* every 16th packet back to back with the one before it: the 12th pair ends at 289 */
	for (s = 100; s < 400; s++) {
		if ((s & 0xf) != 1)
			when = t + (s - 100) * lu2k_time_us_to_ns(100);
		cc.snd_curr_seq = s;
		cc.ops->on_pkt_sent(&cc, s, when);
	}
	cc.ack_bandwidth = 4000;
	cc.ack_rcv_rate = 1000;
	cc.ops->on_ack(&cc, 105, at); /* a hole at 105 holds the cumulative ACK */
	T_EQ(l->link_bw, 0);
	cc.ops->on_loss(&cc, &late, 1, at); /* 351 arrived, so did the pairs before it */
	cc.ops->on_ack(&cc, 105, at + lu2k_time_ms_to_ns(10));
	T_EQ(l->link_bw, 4000);
	udt_cc_fini(&cc);
}

/*
 * A NAK whose range reaches 2^30 packets back (the engine checks only its
 * end): what the ring holds of it is marked reported, so a resend of the
 * last packet gives its sample (100 ms), and nothing else is walked.
 */
static void test_reported_far_back(void)
{
	uint64_t t = lu2k_time_s_to_ns(1);
	struct udt_range lost;
	struct udt_cc cc;
	uint32_t s;
	double w1;

	T_EQ(udt_cc_init(&cc, &udt_cc_lossy, 1500, 16000, 99, lu2k_time_ms_to_ns(100), 16, 1, t),
	     0);
	for (s = 100; s < 200; s++)
		cc.ops->on_pkt_sent(&cc, s, t);
	cc.ack_rcv_rate = 1000;
	cc.ops->on_ack(&cc, 165, t + lu2k_time_ms_to_ns(500));
	w1 = cc.cwnd;
	lost.first = (165u - (1u << 30) + 1) & UDT_SEQ_MASK;
	lost.last = 165;
	cc.ops->on_loss(&cc, &lost, 1, t + lu2k_time_ms_to_ns(640));
	cc.ops->on_pkt_sent(&cc, 165, t + lu2k_time_ms_to_ns(650));
	cc.ops->on_ack(&cc, 170, t + lu2k_time_ms_to_ns(750));
	/* min_rtt 500 -> 100 ms: the window shrinks with it */
	T_ASSERT(cc.cwnd < w1 - 100);
	udt_cc_fini(&cc);
}

static void test_delivery_not_above_path(void)
{
	struct udt_cc cc;
	const struct lossy *l;
	uint64_t t0 = lu2k_time_s_to_ns(1), now = t0;
	const uint32_t first = 100, hole = first + 1300;
	uint32_t pending[64], npend = 0, i;
	int ms;

	T_EQ(udt_cc_init(&cc, &udt_cc_lossy, 1500, 16000, first - 1, lu2k_time_ms_to_ns(100), 16, 1,
			 t0),
	     0);
	l = cc.priv;
	for (ms = 0; ms < 6000; ms++) {
		uint32_t ack;

		now = t0 + lu2k_time_ms_to_ns((uint64_t)ms);
		cc.snd_curr_seq = first + (uint32_t)ms;
		cc.ops->on_pkt_sent(&cc, cc.snd_curr_seq, now);
		/* the hole's NAKs come a round trip after each send of it, its resends are lost */
		if (ms == 1400 || ms == 2000 || ms == 2600) {
			struct udt_range r = { hole, hole };

			cc.ops->on_loss(&cc, &r, 1, now);
			if (ms < 2600)
				cc.ops->on_pkt_sent(&cc, hole, now);
		}
		if (ms % 10 || ms < 100)
			continue;
		/* everything sent 100 ms ago has arrived, but the hole until its third resend */
		ack = first + (uint32_t)ms - 100 + 1;
		if (ms < 2800 && ack > hole)
			ack = hole;
		if (ms >= 4000 && ms < 4400) {
			pending[npend++] = ack;
			continue;
		}
		for (i = 0; i < npend; i++)
			cc.ops->on_ack(&cc, pending[i], now);
		npend = 0;
		cc.ops->on_ack(&cc, ack, now);
	}
	T_ASSERT(l->dv_max <= 1010);
	T_ASSERT(l->dv_max >= 800);
	udt_cc_fini(&cc);
}

int main(void)
{
	T_RUN(test_in_table);
	T_RUN(test_initial);
	T_RUN(test_startup_reaches_link);
	T_RUN(test_startup_short_rtt);
	T_RUN(test_random_loss_ignored);
	T_RUN(test_heavy_loss_backs_off);
	T_RUN(test_queue_brings_rate_down);
	T_RUN(test_burst_not_believed);
	T_RUN(test_rtt_samples);
	T_RUN(test_reported_far_back);
	T_RUN(test_delivery_not_above_path);
	T_RUN(test_trim);
	T_RUN(test_nak_sample);
	T_RUN(test_capacity_past_a_hole);
	return t_done();
}
