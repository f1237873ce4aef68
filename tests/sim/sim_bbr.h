/* SPDX-License-Identifier: MIT */
/*
 * sim_bbr.h - BBR v1's congestion control for sim_tcp's sender (sim_bbr.c
 * says what it models). sim_tcp keeps the scoreboard, the delivery-rate
 * samples and recovery; this part turns them into cwnd and a pacing rate.
 */
#ifndef LU2K_TESTS_SIM_BBR_H
#define LU2K_TESTS_SIM_BBR_H

#include <stdint.h>

enum sim_bbr_mode { SIM_BBR_STARTUP, SIM_BBR_DRAIN, SIM_BBR_PROBE_BW, SIM_BBR_PROBE_RTT };

struct sim_bbr {
	enum sim_bbr_mode mode;
	double cwnd, prior_cwnd;
	double pacing_rate; /* segments per second */
	double pacing_gain, cwnd_gain;
	/* max filter of the delivery rate: the highest sample of each of the last rounds */
	double bw_round[10];
	uint64_t round_count, next_rtt_delivered;
	int round_start;
	/* min filter of the RTT */
	uint64_t min_rtt, min_rtt_stamp;
	/* STARTUP's exit: the bandwidth stopped growing by 25 % for 3 rounds */
	double full_bw;
	int full_bw_cnt, full_bw_reached;
	/* PROBE_BW's gain cycle */
	unsigned int cycle_idx;
	uint64_t cycle_stamp, rand;
	/* PROBE_RTT */
	uint64_t probe_rtt_done;
	int probe_rtt_round_done;
	/* recovery */
	int prev_recovery, conservation;
	int have_rtt;
};

/* One ACK's worth of what the sender learnt. */
struct sim_bbr_ack {
	uint64_t now;
	uint32_t acked;	    /* segments newly delivered */
	uint32_t losses;    /* segments newly marked lost */
	uint32_t inflight;  /* in the pipe after this ACK */
	uint64_t delivered; /* segments delivered so far */
	/* the rate sample (rs_interval 0: none) and the delivered count when its segment left */
	uint64_t rs_delivered, rs_interval, rs_prior_delivered;
	uint64_t rtt; /* 0: no sample */
	double srtt;
	int recovery; /* sim_tcp's state: 0 open, 1 fast recovery, 2 after an RTO */
};

void sim_bbr_init(struct sim_bbr *b, unsigned int seed, double init_cwnd);
void sim_bbr_on_ack(struct sim_bbr *b, const struct sim_bbr_ack *a);
/* A retransmission timeout: cwnd falls to one segment, the old one is remembered. */
void sim_bbr_on_rto(struct sim_bbr *b);

#endif
