// SPDX-License-Identifier: MIT
/*
 * cc_native.c - UDT4's native congestion control (CUDTCC), event by event.
 *
 * Rate based: the sender paces one packet every pkt_snd_period_ns. Slow
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
 *
 * The hooks get ns, as every CC's do; but UDT4's algorithm is defined on a
 * period in microseconds (m_dPktSndPeriod), with steps that depend on that
 * unit: the quirk above (packets per us taken for us) and the 1/8 decrease
 * rounded up to a whole us. So it keeps its period in us, as UDT4 does
 * (period_us below, bit for bit what it was), and gives the connection
 * pkt_snd_period_ns = period_us x 1000 after every event.
 */
#include <math.h>
#include <stdint.h>

#include "cc.h"
#include "seq.h"

struct native {
	double period_us; /* UDT4's m_dPktSndPeriod */
	uint64_t last_rc_ns;
	int slow_start;
	uint32_t last_ack;
	int loss;
	uint32_t last_dec_seq;
	double last_dec_period; /* us */
	int nak_count;
	int dec_random;
	int avg_nak_num;
	int dec_count;
};

/* the time in UDT4's unit */
static double us(int64_t ns)
{
	return (double)(ns / LU2K_NS_PER_US);
}

static void publish(struct udt_cc *cc)
{
	const struct native *n = cc->priv;

	cc->pkt_snd_period_ns = n->period_us * LU2K_NS_PER_US;
}

static void native_init(struct udt_cc *cc, uint64_t now_ns)
{
	struct native *n = cc->priv;

	n->last_rc_ns = now_ns;
	cc->ack_period_ns = UDT_SYN_NS;
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
	n->period_us = 1;
	publish(cc);
}

static void leave_slow_start(struct udt_cc *cc)
{
	struct native *n = cc->priv;

	n->slow_start = 0;
	if (cc->rcv_rate > 0)
		n->period_us = 1000000.0 / cc->rcv_rate;
	else
		n->period_us = us(cc->rtt_ns + UDT_SYN_NS) / cc->cwnd;
}

static void native_on_ack(struct udt_cc *cc, uint32_t ack, uint64_t now_ns)
{
	struct native *n = cc->priv;
	const double min_inc = 0.01;
	double inc;
	int64_t b;

	if (now_ns - n->last_rc_ns < (uint64_t)UDT_SYN_NS)
		return;
	n->last_rc_ns = now_ns;

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
		cc->cwnd = cc->rcv_rate / 1000000.0 * us(cc->rtt_ns + UDT_SYN_NS) + 16;
	}

	if (n->loss) {
		n->loss = 0;
		publish(cc);
		return;
	}

	b = (int64_t)(cc->bandwidth - 1000000.0 / n->period_us);
	if (n->period_us > n->last_dec_period && cc->bandwidth / 9 < b)
		b = cc->bandwidth / 9;
	if (b <= 0) {
		inc = min_inc;
	} else {
		/* 10^ceil(log10(B * MSS * 8)) * 1.5e-6 / MSS packets per SYN */
		inc = pow(10.0, ceil(log10((double)b * cc->mss * 8.0))) * 0.0000015 / cc->mss;
		if (inc < min_inc)
			inc = min_inc;
	}
	n->period_us = (n->period_us * us(UDT_SYN_NS)) / (n->period_us * inc + us(UDT_SYN_NS));
	publish(cc);
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

static void native_on_loss(struct udt_cc *cc, const struct udt_range *r, size_t nr, uint64_t now_ns)
{
	struct native *n = cc->priv;

	if (nr == 0)
		return;
	if (n->slow_start) {
		n->slow_start = 0;
		if (cc->rcv_rate > 0) {
			n->period_us = 1000000.0 / cc->rcv_rate;
			publish(cc);
			return;
		}
		/* UDT4's formula, dimensionally odd but faithful */
		n->period_us = cc->cwnd / us(cc->rtt_ns + UDT_SYN_NS);
	}

	n->loss = 1;

	if (udt_seq_cmp(r[0].first, n->last_dec_seq) > 0) {
		n->last_dec_period = n->period_us;
		n->period_us = ceil(n->period_us * 1.125);
		n->avg_nak_num = (int)ceil(n->avg_nak_num * 0.875 + n->nak_count * 0.125);
		n->nak_count = 1;
		n->dec_count = 1;
		n->last_dec_seq = cc->snd_curr_seq;
		n->dec_random = (int)ceil(n->avg_nak_num * seeded_uniform(n->last_dec_seq));
		if (n->dec_random < 1)
			n->dec_random = 1;
	} else if (n->dec_count++ < 5 && ++n->nak_count % n->dec_random == 0) {
		/* 0.875^5 = 0.51: at most halve the rate within one epoch */
		n->period_us = ceil(n->period_us * 1.125);
		n->last_dec_seq = cc->snd_curr_seq;
	}
	publish(cc);
}

static void native_on_timeout(struct udt_cc *cc, uint64_t now_ns)
{
	struct native *n = cc->priv;

	if (!n->slow_start)
		return;
	n->slow_start = 0;
	if (cc->rcv_rate > 0)
		n->period_us = 1000000.0 / cc->rcv_rate;
	else
		n->period_us = cc->cwnd / us(cc->rtt_ns + UDT_SYN_NS);
	publish(cc);
}

const struct udt_cc_ops udt_cc_native = {
	.name = "udt",
	.priv_size = sizeof(struct native),
	.init = native_init,
	.on_ack = native_on_ack,
	.on_loss = native_on_loss,
	.on_timeout = native_on_timeout,
};
