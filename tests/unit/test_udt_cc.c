// SPDX-License-Identifier: MIT
/* test_udt_cc.c - UDT native CC reactions, and the table of algorithms. */
#include <math.h>

#include "proto/udt/cc.h"
#include "proto/udt/seq.h"
#include "tests/t.h"

static void start(struct udt_cc *cc, uint64_t now)
{
	T_EQ(udt_cc_init(cc, udt_cc_find("udt"), 1500, 1000, 99, lu2k_time_ms_to_ns(100), 16, 1,
			 now),
	     0);
}

/* the pacing period in us, the unit of UDT4's figures that these tests check */
static double period_us(const struct udt_cc *cc)
{
	return cc->pkt_snd_period_ns / LU2K_NS_PER_US;
}

static void test_table(void)
{
	size_t i;

	T_ASSERT(udt_cc_find("udt") == &udt_cc_native);
	T_ASSERT(udt_cc_find("lossy") == &udt_cc_lossy);
	T_ASSERT(udt_cc_get(0) == &udt_cc_native);
	T_ASSERT(udt_cc_find("nope") == NULL);
	T_ASSERT(udt_cc_find(NULL) == NULL);
	/* every entry is found by its own name: no two share one */
	for (i = 0; udt_cc_get(i); i++)
		T_ASSERT(udt_cc_find(udt_cc_get(i)->name) == udt_cc_get(i));
	T_EQ(i, 2);
}

static void test_slow_start(void)
{
	struct udt_cc cc;
	uint64_t t = lu2k_time_s_to_ns(1);

	start(&cc, t);
	T_ASSERT(cc.cwnd == 16 && period_us(&cc) == 1);
	/* within one SYN nothing happens */
	cc.ops->on_ack(&cc, 150, t + lu2k_time_us_to_ns(5000));
	T_ASSERT(cc.cwnd == 16);
	/* ACK of 100..149 after a SYN: window grows by seqlen(99, 150) = 52 */
	cc.ops->on_ack(&cc, 150, t + lu2k_time_us_to_ns(10000));
	T_ASSERT(cc.cwnd == 68);
	T_ASSERT(period_us(&cc) == 1);
	/* past the maximum window: leave slow start at the receiving rate */
	cc.rcv_rate = 5000;
	cc.ops->on_ack(&cc, 1200, t + lu2k_time_us_to_ns(20000));
	T_ASSERT(cc.cwnd > 1000);
	/* 200 us, then (as UDT4 does in the same call) the minimum increase */
	T_ASSERT(fabs(period_us(&cc) - 200.0 * 10000 / (200.0 * 0.01 + 10000)) < 1e-9);
	udt_cc_fini(&cc);
}

static void test_increase(void)
{
	struct udt_cc cc;
	uint64_t t = lu2k_time_s_to_ns(1);
	double p0, inc;

	start(&cc, t);
	cc.rcv_rate = 1000;
	cc.ops->on_loss(&cc, &(struct udt_range){ 50, 50 }, 1, t); /* ends slow start */
	T_ASSERT(fabs(period_us(&cc) - 1000.0) < 1e-9);
	/* a decrease epoch, then the first ACK after it only clears the loss flag */
	cc.snd_curr_seq = 200;
	cc.ops->on_loss(&cc, &(struct udt_range){ 150, 150 }, 1, t);
	T_ASSERT(fabs(period_us(&cc) - 1125.0) < 1e-9);
	cc.ops->on_ack(&cc, 60, t + lu2k_time_us_to_ns(10000));
	T_ASSERT(fabs(period_us(&cc) - 1125.0) < 1e-9);
	/*
	 * B = 10000 - 889 pkt/s, capped at bandwidth / 9 = 1111 since the period is
	 * above the one before the last decrease: inc = 10^ceil(log10(1111 * 1500 *
	 * 8)) * 1.5e-6 / 1500 = 0.1
	 */
	cc.bandwidth = 10000;
	cc.rtt_ns = lu2k_time_ms_to_ns(100);
	p0 = period_us(&cc);
	cc.ops->on_ack(&cc, 70, t + lu2k_time_us_to_ns(20000));
	inc = pow(10.0, ceil(log10(1111.0 * 1500 * 8))) * 0.0000015 / 1500;
	T_ASSERT(fabs(inc - 0.1) < 1e-12);
	T_ASSERT(fabs(period_us(&cc) - p0 * 10000 / (p0 * inc + 10000)) < 1e-9);
	/* the window follows the receiving rate: 1000 * 0.11 + 16 */
	T_ASSERT(fabs(cc.cwnd - 126.0) < 1e-9);
	/* no bandwidth headroom: the minimum increase of 0.01 */
	cc.bandwidth = 1;
	p0 = period_us(&cc);
	cc.ops->on_ack(&cc, 80, t + lu2k_time_us_to_ns(30000));
	T_ASSERT(fabs(period_us(&cc) - p0 * 10000 / (p0 * 0.01 + 10000)) < 1e-9);
	udt_cc_fini(&cc);
}

static void test_decrease(void)
{
	struct udt_cc cc;
	uint64_t t = lu2k_time_s_to_ns(1);
	struct udt_range r;
	int i, decs = 0;
	double p;

	start(&cc, t);
	cc.rcv_rate = 1000;
	cc.snd_curr_seq = 500;
	r.first = r.last = 400;
	cc.ops->on_loss(&cc, &r, 1, t);
	/* slow start ended at the receiving rate: no decrease yet */
	T_ASSERT(fabs(period_us(&cc) - 1000.0) < 1e-9);
	/* a loss after the last decrease point starts an epoch: period * 1.125 */
	cc.snd_curr_seq = 600;
	cc.ops->on_loss(&cc, &r, 1, t); /* 400 > LastDecSeq (98) */
	T_ASSERT(fabs(period_us(&cc) - 1125.0) < 1e-9);
	/* losses before LastDecSeq (600): at most 5 more decreases per epoch */
	for (i = 0; i < 50; i++) {
		p = period_us(&cc);
		r.first = r.last = 550;
		cc.ops->on_loss(&cc, &r, 1, t);
		if (period_us(&cc) > p)
			decs++;
	}
	T_ASSERT(decs <= 4);
	/* a loss beyond the new decrease point starts a new epoch */
	p = period_us(&cc);
	r.first = r.last = 700;
	cc.snd_curr_seq = 800;
	cc.ops->on_loss(&cc, &r, 1, t);
	T_ASSERT(fabs(period_us(&cc) - ceil(p * 1.125)) < 1e-9);
	udt_cc_fini(&cc);
}

/*
 * A slow-start overflow as UDT4 sees it: the first NAK only sets the rate to
 * the receiving rate; the next NAK of the burst opens an epoch and, with no
 * NAK history (AvgNAKNum 0, so DecRandom 1), each further NAK of the burst
 * decreases again until five decreases: 1.125^5 = 1.8 times the period.
 */
static void test_overflow_epoch(void)
{
	static const double want[] = { 200, 225, 254, 286, 322, 363, 363, 363 };
	struct udt_cc cc;
	uint64_t t = lu2k_time_s_to_ns(1);
	struct udt_range r;
	unsigned int i;

	start(&cc, t);
	cc.rcv_rate = 5000;
	cc.snd_curr_seq = 3000;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		r.first = r.last = 1000 + 10 * i; /* gaps of one overflow, in order */
		cc.ops->on_loss(&cc, &r, 1, t + i);
		T_ASSERT(fabs(period_us(&cc) - want[i]) < 1e-9);
	}
	/* a later loss of a packet sent after the last decrease: a new epoch */
	cc.snd_curr_seq = 4000;
	r.first = r.last = 3500;
	cc.ops->on_loss(&cc, &r, 1, t + 100);
	T_ASSERT(fabs(period_us(&cc) - 409) < 1e-9);
	udt_cc_fini(&cc);
}

static void test_timeout(void)
{
	struct udt_cc cc;

	start(&cc, 0);
	cc.rcv_rate = 0;
	cc.ops->on_timeout(&cc, 0);
	/* UDT4: cwnd / (RTT + SYN) when no receiving rate is known */
	T_ASSERT(fabs(period_us(&cc) - 16.0 / 110000) < 1e-12);
	udt_cc_fini(&cc);
}

int main(void)
{
	T_RUN(test_table);
	T_RUN(test_slow_start);
	T_RUN(test_increase);
	T_RUN(test_decrease);
	T_RUN(test_overflow_epoch);
	T_RUN(test_timeout);
	return t_done();
}
