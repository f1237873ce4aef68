// SPDX-License-Identifier: MIT
/*
 * cc_native.c - UDT4's native congestion control (CUDTCC), event by event.
 *
 * Rate based: the sender paces one packet every pkt_snd_period_us. Slow
 * start grows the window by the newly acknowledged packets until it passes
 * the flow window (or the first loss), then switches to rate control: every
 * SYN (10 ms) the rate grows by an amount set by the gap between the link
 * capacity estimate and the current rate, rounded up to a power of ten
 * (DAIMD); each congestion epoch (a NAK of a packet sent after the last
 * decrease) slows the rate by 1/8, and further NAKs in the same epoch do so
 * again only every DecRandom-th NAK and at most 5 times, which desynchronises
 * flows that share a bottleneck. The window in rate-control mode is the
 * receiving rate times (RTT + SYN) plus 16.
 *
 * UDT4 draws DecRandom with srand(LastDecSeq)/rand(); we use our own hash of
 * LastDecSeq instead (libc's rand() is global state). Two quirks are kept on
 * purpose because they are what UDT4 does: the minimum increase of 0.01
 * packets per SYN (UDT 4.11), and, when the first loss ends slow start with
 * no receiving rate known, a period of cwnd / (RTT + SYN).
 */
#include <math.h>
#include <stdint.h>

#include "cc.h"
#include "seq.h"

struct native {
	uint64_t last_rc_us;
	int slow_start;
	uint32_t last_ack;
	int loss;
	uint32_t last_dec_seq;
	double last_dec_period;
	int nak_count;
	int dec_random;
	int avg_nak_num;
	int dec_count;
};

static void native_init(struct udt_cc *cc, uint64_t now_us)
{
	struct native *n = cc->priv;

	n->last_rc_us = now_us;
	cc->ack_period_us = UDT_SYN_US;
	n->slow_start = 1;
	n->last_ack = cc->snd_curr_seq;
	n->loss = 0;
	n->last_dec_seq = udt_seq_dec(n->last_ack);
	n->last_dec_period = 1;
	n->avg_nak_num = 0;
	n->nak_count = 0;
	n->dec_random = 1;
	n->dec_count = 0;
	cc->cwnd = 16;
	cc->pkt_snd_period_us = 1;
}

static void leave_slow_start(struct udt_cc *cc)
{
	struct native *n = cc->priv;

	n->slow_start = 0;
	if (cc->rcv_rate > 0)
		cc->pkt_snd_period_us = 1000000.0 / cc->rcv_rate;
	else
		cc->pkt_snd_period_us = (cc->rtt_us + UDT_SYN_US) / cc->cwnd;
}

static void native_on_ack(struct udt_cc *cc, uint32_t ack, uint64_t now_us)
{
	struct native *n = cc->priv;
	const double min_inc = 0.01;
	double inc;
	int64_t b;

	if (now_us - n->last_rc_us < UDT_SYN_US)
		return;
	n->last_rc_us = now_us;

	if (n->slow_start) {
		int32_t d = udt_seq_off(n->last_ack, ack);

		/* UDT4 adds seqlen(last_ack, ack), which counts both ends */
		if (d >= 0) {
			cc->cwnd += d + 1;
			n->last_ack = ack;
		}
		if (cc->cwnd > cc->max_cwnd)
			leave_slow_start(cc);
		else
			return; /* no rate increase during slow start */
	} else {
		cc->cwnd = cc->rcv_rate / 1000000.0 * (cc->rtt_us + UDT_SYN_US) + 16;
	}

	if (n->loss) {
		n->loss = 0;
		return;
	}

	b = (int64_t)(cc->bandwidth - 1000000.0 / cc->pkt_snd_period_us);
	if (cc->pkt_snd_period_us > n->last_dec_period && cc->bandwidth / 9 < b)
		b = cc->bandwidth / 9;
	if (b <= 0) {
		inc = min_inc;
	} else {
		/* 10^ceil(log10(B * MSS * 8)) * 1.5e-6 / MSS packets per SYN */
		inc = pow(10.0, ceil(log10((double)b * cc->mss * 8.0))) * 0.0000015 / cc->mss;
		if (inc < min_inc)
			inc = min_inc;
	}
	cc->pkt_snd_period_us =
		(cc->pkt_snd_period_us * UDT_SYN_US) / (cc->pkt_snd_period_us * inc + UDT_SYN_US);
}

/* A deterministic stand-in for UDT4's srand(seed); rand() / RAND_MAX. */
static double seeded_uniform(uint32_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return (double)(x >> 11) / (double)(1ull << 53);
}

static void native_on_loss(struct udt_cc *cc, const struct udt_range *r, size_t nr, uint64_t now_us)
{
	struct native *n = cc->priv;

	if (nr == 0)
		return;
	if (n->slow_start) {
		n->slow_start = 0;
		if (cc->rcv_rate > 0) {
			cc->pkt_snd_period_us = 1000000.0 / cc->rcv_rate;
			return;
		}
		/* UDT4's formula, dimensionally odd but faithful */
		cc->pkt_snd_period_us = cc->cwnd / (cc->rtt_us + UDT_SYN_US);
	}

	n->loss = 1;

	if (udt_seq_cmp(r[0].first, n->last_dec_seq) > 0) {
		n->last_dec_period = cc->pkt_snd_period_us;
		cc->pkt_snd_period_us = ceil(cc->pkt_snd_period_us * 1.125);
		n->avg_nak_num = (int)ceil(n->avg_nak_num * 0.875 + n->nak_count * 0.125);
		n->nak_count = 1;
		n->dec_count = 1;
		n->last_dec_seq = cc->snd_curr_seq;
		n->dec_random = (int)ceil(n->avg_nak_num * seeded_uniform(n->last_dec_seq));
		if (n->dec_random < 1)
			n->dec_random = 1;
	} else if (n->dec_count++ < 5 && ++n->nak_count % n->dec_random == 0) {
		/* 0.875^5 = 0.51: at most halve the rate within one epoch */
		cc->pkt_snd_period_us = ceil(cc->pkt_snd_period_us * 1.125);
		n->last_dec_seq = cc->snd_curr_seq;
	}
}

static void native_on_timeout(struct udt_cc *cc, uint64_t now_us)
{
	struct native *n = cc->priv;

	if (!n->slow_start)
		return;
	n->slow_start = 0;
	if (cc->rcv_rate > 0)
		cc->pkt_snd_period_us = 1000000.0 / cc->rcv_rate;
	else
		cc->pkt_snd_period_us = cc->cwnd / (cc->rtt_us + UDT_SYN_US);
}

const struct udt_cc_ops udt_cc_native = {
	.name = "udt",
	.priv_size = sizeof(struct native),
	.init = native_init,
	.on_ack = native_on_ack,
	.on_loss = native_on_loss,
	.on_timeout = native_on_timeout,
};
