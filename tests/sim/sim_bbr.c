// SPDX-License-Identifier: MIT
/*
 * sim_bbr.c - BBR v1 (as Linux's tcp_bbr, after Cardwell et al., "BBR:
 * Congestion-Based Congestion Control", ACM Queue 2016) for sim_tcp's sender.
 *
 * Modelled: STARTUP at gain 2/ln2 until the delivery rate grew by less than
 * 25 % for 3 rounds, DRAIN at ln2/2 until the pipe holds one BDP, PROBE_BW
 * cycling pacing gains 1.25, 0.75, 1 x6 each about one min RTT (the 1.25
 * phase lasts until the pipe holds 1.25 BDP or losses, the 0.75 phase ends
 * early once it holds one BDP; the first phase is picked pseudo-randomly
 * from the flow's index, never 1.25), PROBE_RTT when the min RTT is 10 s
 * old (cwnd 4 segments for 200 ms and a round, then back). The bandwidth
 * is the maximum delivery rate (Linux's rate sample: delivered segments
 * over the longer of the send and ACK intervals, discarded below min RTT)
 * over 10 rounds; cwnd is cwnd_gain (2 after STARTUP) x BDP plus a
 * quantization allowance, grown by the segments acknowledged; pacing is
 * gain x bandwidth less 1 %, never lowered during STARTUP. In recovery,
 * packet conservation for the first round and cwnd restored on exit.
 *
 * Simplified or left out: pacing is in segments (Linux's fq paces whole
 * packets at a payload rate, slightly slower on the wire), no TSO (the
 * quantization allowance is 3 x the segments of 1 ms at the pacing rate,
 * 2-127 as Linux's TSO goal), no app-limited marking (the flows are bulk),
 * no long-term bandwidth (policer) sampling, no idle restart, no ACK
 * aggregation (the simulated receiver acknowledges every segment at once).
 */
#include "sim_bbr.h"

#include <math.h>
#include <string.h>

#include "common/time.h"

#define HIGH_GAIN      2.88539 /* 2/ln2: doubles the delivery rate each round */
#define DRAIN_GAIN     (1 / HIGH_GAIN)
#define CWND_GAIN      2.0
#define CYCLE_LEN      8
#define BW_ROUNDS      10
#define FULL_BW_THRESH 1.25
#define FULL_BW_CNT    3
#define MIN_RTT_WIN_NS (10 * LU2K_NS_PER_S)
#define PROBE_RTT_NS   (200 * LU2K_NS_PER_MS)
#define MIN_CWND       4
#define PACING_MARGIN  0.99
#define INIT_CWND      10

static const double cycle_gain[CYCLE_LEN] = { 1.25, 0.75, 1, 1, 1, 1, 1, 1 };

static double max_bw(const struct sim_bbr *b)
{
	double m = 0;
	unsigned int i;

	for (i = 0; i < BW_ROUNDS; i++)
		if (b->bw_round[i] > m)
			m = b->bw_round[i];
	return m;
}

/* The window that holds gain x BDP, plus what pacing bursts need. */
static double inflight(const struct sim_bbr *b, double bw, double gain)
{
	double quanta = b->pacing_rate / 1000;

	if (!b->min_rtt || bw <= 0)
		return INIT_CWND; /* no estimate yet */
	quanta = quanta < 2 ? 2 : quanta > 127 ? 127 : floor(quanta);
	return ceil(gain * bw * (double)b->min_rtt / 1e9) + 3 * quanta;
}

void sim_bbr_init(struct sim_bbr *b, unsigned int seed, double init_cwnd)
{
	memset(b, 0, sizeof(*b));
	b->mode = SIM_BBR_STARTUP;
	b->cwnd = init_cwnd;
	b->pacing_gain = b->cwnd_gain = HIGH_GAIN;
	/* as Linux before an RTT sample: the initial window over 1 ms */
	b->pacing_rate = HIGH_GAIN * init_cwnd * 1000;
	b->rand = 0x9e3779b97f4a7c15ull * (seed + 1);
}

static void enter_probe_bw(struct sim_bbr *b, uint64_t now)
{
	b->rand = b->rand * 6364136223846793005ull + 1442695040888963407ull;
	b->mode = SIM_BBR_PROBE_BW;
	b->cwnd_gain = CWND_GAIN;
	b->cycle_idx = CYCLE_LEN - 1 - (unsigned int)((b->rand >> 33) % (CYCLE_LEN - 1));
	b->pacing_gain = cycle_gain[b->cycle_idx];
	b->cycle_stamp = now;
}

static void save_cwnd(struct sim_bbr *b)
{
	if (!b->prev_recovery && b->mode != SIM_BBR_PROBE_RTT)
		b->prior_cwnd = b->cwnd;
	else if (b->cwnd > b->prior_cwnd)
		b->prior_cwnd = b->cwnd;
}

static void update_bw(struct sim_bbr *b, const struct sim_bbr_ack *a)
{
	b->round_start = 0;
	if (!a->rs_interval)
		return;
	if (a->rs_prior_delivered >= b->next_rtt_delivered) {
		b->next_rtt_delivered = a->delivered;
		b->round_count++;
		b->round_start = 1;
		b->conservation = 0;
		b->bw_round[b->round_count % BW_ROUNDS] = 0;
	}
	{
		double bw = (double)a->rs_delivered * 1e9 / (double)a->rs_interval;
		double *slot = &b->bw_round[b->round_count % BW_ROUNDS];

		if (bw > *slot)
			*slot = bw;
	}
}

static void update_cycle(struct sim_bbr *b, const struct sim_bbr_ack *a, double bw)
{
	int full = a->now - b->cycle_stamp > b->min_rtt, next;

	if (b->mode != SIM_BBR_PROBE_BW)
		return;
	if (b->pacing_gain > 1)
		next = full && (a->losses || a->inflight >= inflight(b, bw, b->pacing_gain));
	else if (b->pacing_gain < 1)
		next = full || a->inflight <= inflight(b, bw, 1);
	else
		next = full;
	if (!next)
		return;
	b->cycle_idx = (b->cycle_idx + 1) % CYCLE_LEN;
	b->cycle_stamp = a->now;
	b->pacing_gain = cycle_gain[b->cycle_idx];
}

static void check_full_bw(struct sim_bbr *b, double bw)
{
	if (b->full_bw_reached || !b->round_start)
		return;
	if (bw >= b->full_bw * FULL_BW_THRESH) {
		b->full_bw = bw;
		b->full_bw_cnt = 0;
		return;
	}
	if (++b->full_bw_cnt >= FULL_BW_CNT)
		b->full_bw_reached = 1;
}

static void check_drain(struct sim_bbr *b, const struct sim_bbr_ack *a, double bw)
{
	if (b->mode == SIM_BBR_STARTUP && b->full_bw_reached) {
		b->mode = SIM_BBR_DRAIN;
		b->pacing_gain = DRAIN_GAIN;
		b->cwnd_gain = HIGH_GAIN;
	}
	if (b->mode == SIM_BBR_DRAIN && a->inflight <= inflight(b, bw, 1))
		enter_probe_bw(b, a->now);
}

static void update_min_rtt(struct sim_bbr *b, const struct sim_bbr_ack *a)
{
	int expired = b->min_rtt && a->now > b->min_rtt_stamp + MIN_RTT_WIN_NS;

	if (a->rtt && (!b->min_rtt || a->rtt < b->min_rtt || expired)) {
		b->min_rtt = a->rtt;
		b->min_rtt_stamp = a->now;
	}
	if (expired && b->mode != SIM_BBR_PROBE_RTT) {
		b->mode = SIM_BBR_PROBE_RTT;
		b->pacing_gain = b->cwnd_gain = 1;
		save_cwnd(b);
		b->probe_rtt_done = 0;
	}
	if (b->mode != SIM_BBR_PROBE_RTT)
		return;
	if (!b->probe_rtt_done && a->inflight <= MIN_CWND) {
		b->probe_rtt_done = a->now + PROBE_RTT_NS;
		b->probe_rtt_round_done = 0;
		b->next_rtt_delivered = a->delivered;
	} else if (b->probe_rtt_done) {
		if (b->round_start)
			b->probe_rtt_round_done = 1;
		if (b->probe_rtt_round_done && a->now > b->probe_rtt_done) {
			b->min_rtt_stamp = a->now;
			if (b->prior_cwnd > b->cwnd)
				b->cwnd = b->prior_cwnd;
			if (b->full_bw_reached) {
				enter_probe_bw(b, a->now);
			} else {
				b->mode = SIM_BBR_STARTUP;
				b->pacing_gain = b->cwnd_gain = HIGH_GAIN;
			}
		}
	}
}

static void set_pacing(struct sim_bbr *b, const struct sim_bbr_ack *a, double bw)
{
	double rate = b->pacing_gain * bw * PACING_MARGIN;

	if (!b->have_rtt && a->srtt > 0) {
		/* the first RTT sample: the initial window over it */
		b->have_rtt = 1;
		if (bw <= 0)
			b->pacing_rate = HIGH_GAIN * b->cwnd * 1e9 / a->srtt;
	}
	if (bw > 0 && (b->full_bw_reached || rate > b->pacing_rate))
		b->pacing_rate = rate;
}

/* Recovery's cwnd (Linux's bbr_set_cwnd_to_recover_or_restore); 1 if it decided. */
static int recover_or_restore(struct sim_bbr *b, const struct sim_bbr_ack *a)
{
	double conserve = (double)a->inflight + a->acked;

	if (a->losses)
		b->cwnd = b->cwnd - a->losses > 1 ? b->cwnd - a->losses : 1;
	if (a->recovery && !b->prev_recovery) {
		save_cwnd(b);
		b->conservation = 1;
		b->next_rtt_delivered = a->delivered;
		b->cwnd = conserve;
	} else if (!a->recovery && b->prev_recovery) {
		if (b->prior_cwnd > b->cwnd)
			b->cwnd = b->prior_cwnd;
		b->conservation = 0;
	}
	b->prev_recovery = a->recovery;
	if (b->conservation) {
		if (conserve > b->cwnd)
			b->cwnd = conserve;
		return 1;
	}
	return 0;
}

static void set_cwnd(struct sim_bbr *b, const struct sim_bbr_ack *a, double bw)
{
	double target;

	if (!a->acked)
		goto done;
	if (recover_or_restore(b, a))
		goto done;
	target = inflight(b, bw, b->cwnd_gain);
	if (b->mode == SIM_BBR_PROBE_BW && b->cycle_idx == 0)
		target += 2;
	if (b->full_bw_reached) {
		b->cwnd = b->cwnd + a->acked < target ? b->cwnd + a->acked : target;
	} else if (b->cwnd < target || a->delivered < INIT_CWND) {
		b->cwnd += a->acked;
	}
	if (b->cwnd < MIN_CWND)
		b->cwnd = MIN_CWND;
done:
	if (b->mode == SIM_BBR_PROBE_RTT && b->cwnd > MIN_CWND)
		b->cwnd = MIN_CWND;
}

void sim_bbr_on_ack(struct sim_bbr *b, const struct sim_bbr_ack *a)
{
	double bw;

	update_bw(b, a);
	bw = max_bw(b);
	update_cycle(b, a, bw);
	check_full_bw(b, bw);
	check_drain(b, a, bw);
	update_min_rtt(b, a);
	set_pacing(b, a, bw);
	set_cwnd(b, a, bw);
}

void sim_bbr_on_rto(struct sim_bbr *b)
{
	save_cwnd(b);
	b->prev_recovery = 2;
	b->full_bw = 0;
	b->round_start = 1;
	b->cwnd = 1;
}
