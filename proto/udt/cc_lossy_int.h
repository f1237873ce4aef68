/* SPDX-License-Identifier: MIT */
/*
 * cc_lossy_int.h - the state of the "lossy" congestion control, shared by
 * its files (the overview is at the top of cc_lossy.c):
 *
 *   cc_lossy.c         the callbacks: what each event changes, in order
 *   cc_lossy_sample.c  what ACKs tell: RTT samples from our own send times,
 *                      min_rtt, the packet-pair capacity, rate samples and
 *                      the bottleneck-rate max filter
 *   cc_lossy_round.c   rounds and modes: STARTUP, DRAIN, CRUISE's cycle,
 *                      standing queues, a silence ending
 *   cc_lossy_loss.c    loss accounting and the heavy-loss back-off
 *   cc_lossy_out.c     what the sender reads: pacing interval, window, bursts
 *   cc_lossy_probe.c   how long a probe lasts: a shallow queue
 */
#ifndef LU2K_UDT_CC_LOSSY_INT_H
#define LU2K_UDT_CC_LOSSY_INT_H

#include <stdint.h>

#include "cc.h"

/* send-time ring slots a connection starts with; it doubles as packets are sent */
#define LOSSY_RING_INIT 64
#define BW_ROUNDS	10    /* rounds of the bottleneck-rate max filter */
#define RTT_BUCKETS	4     /* min_rtt is forgotten after 4 x 2.5 s */
#define STARTUP_GAIN	2.885 /* 2 / ln 2 */
#define INIT_WINDOW	32    /* packets before any rate is known */
#define CYCLE_LEN	8
#define MAX_RATE	0x3fffffff
#define LINK_BW_N	15
#define QWIN_ROUNDS	16

enum lossy_mode { LOSSY_STARTUP, LOSSY_DRAIN, LOSSY_CRUISE };

struct lossy {
	enum lossy_mode mode;
	double pacing_gain;

	/* send time and transmission count of each packet, by seq & mask */
	uint64_t *sent_ns;
	uint8_t *tx;
	uint32_t mask;
	uint32_t ring_max;  /* the ring's full size (2 windows); it grows up to it */
	uint32_t ring_from; /* the first sequence number sent (the ring grows from it) */
	uint32_t hi_sent;
	int any_sent;
	uint32_t last_ack;

	/* timeout: resends of packets up to timeout_hi are ambiguous */
	int after_timeout;
	int silence; /* an EXP timeout, and no ACK since */
	uint32_t timeout_hi;

	/* RTT */
	int64_t min_rtt_ns; /* -1: no sample yet */
	/* min_rtt is the least of RTT_BUCKETS minima, each over RTT_BUCKET_NS */
	int64_t rtt_bucket[RTT_BUCKETS]; /* -1: empty */
	unsigned int rtt_b;
	uint64_t rtt_b_start;
	int64_t round_min_rtt; /* smallest sample this round, -1: none */
	int64_t round_nak_rtt; /* smallest NAK sample this round (udt_lossy_nak_sample), -1: none */
	int64_t last_round_min_rtt;
	/* the least sample of each of the last rounds and when it ended (-1: none) */
	int64_t qwin_rtt[QWIN_ROUNDS];
	uint64_t qwin_end[QWIN_ROUNDS];
	unsigned int qwin_pos;
	int64_t last_rtt;
	/* the packet the last timed ACK named (udt_lossy_timed_sample), samples taken from them */
	uint32_t timed_seq;
	int timed_got;
	uint64_t timed_samples;

	/* bottleneck rate: per-round maxima */
	double bw_slot[BW_ROUNDS];
	unsigned int slot;
	double btl_bw;
	double init_rate;
	double link_bw; /* the receiver's packet-pair capacity, 0: unknown */
	int32_t lbw[LINK_BW_N];
	unsigned int lbw_pos;
	int lbw_timed;	     /* the current ACK's capacity report was taken from its timed part */
	double ceiling;	     /* no rate sample above this since a back-off, 0: none */
	double sent_rate[2]; /* packets/s we sent in the last two rounds */
	uint64_t round_sent;
	/* application-limited: this round so far, the last round; a real sample seen */
	int app_now, app_last, have_bw;
	/* the current run of sends that each left more to send, from busy_start */
	int busy;
	uint32_t busy_start;

	/* rounds */
	uint64_t round_start_ns;
	uint64_t rounds;

	/* STARTUP: the rate before the last growth */
	double full_bw, full_link_bw;
	int full_bw_count;
	int startup_capped; /* STARTUP's rate is held down by the capacity estimate */
	int hinted;	    /* started from a remembered path rate (or the probe's capacity) */
	int probed;	    /* the handshake's probe told the capacity (cc->capacity_hint) */
	double hint_rate;   /* what the hinted start came from: the memory or the capacity */
	double cold_rate;   /* the first rate without it */
	uint32_t pairs;	    /* packet pairs sent back to back */
	uint32_t pairs_seq; /* the second packet of the LINK_BW_PAIRS-th of them */
	int pairs_acked;    /* and an ACK has covered it */
	uint32_t full_seq;  /* the same for the LINK_BW_FULL_PAIRS-th */
	int full_acked;
	uint64_t drain_until_ns;

	/* delivery: packets sent after a window opened and received in it, per second, the best */
	uint64_t dv_start_ns;  /* 0: no window open */
	uint32_t dv_start_seq; /* the first packet sent after it opened */
	uint32_t rcv_front;    /* the receiver has all before it but the holes NAKs reported */
	uint32_t dv_lost_from; /* holes reported from dv_start_seq up to it */
	uint32_t dv_lost;
	uint32_t dv_resent;	     /* resends since it opened of what was sent before */
	uint64_t sent_new, lost_all; /* new packets sent, of them reported lost (each once) */
	uint32_t hi_seq;
	double dv_max;

	/* CRUISE */
	unsigned int cycle;
	unsigned int probe_wait; /* gain-1 rounds still to add before the next probe */
	uint32_t rng;		 /* xorshift32: how many (cc_lossy_round.c) */
	double probe_bw;	 /* btl_bw when the last probe began */
	/* the probe (cc_lossy_probe.c): its share of a round, its packets and their losses */
	double probe_frac, probe_peak;
	int probe_on, probe_valid;
	uint32_t probe_first, probe_last;
	uint64_t probe_pkts, probe_lost, other_pkts, other_lost;
	double ref_link_bw; /* link_bw when the model last reached it (LINK_GREW) */
	double grew_cap;    /* STARTUP after LINK_GREW: our share of the link (0: the link) */
	int slowed_drain;   /* DRAIN after a LINK_SLOWED cut: paced strictly (cc.h) */
	/* cut to the receiving rate; link_bw has not read the slower link yet */
	int slowed_unseen;
	double slowed_from;	    /* link_bw at that cut */
	unsigned int slowed_settle; /* rounds since link_bw last fell under the cut */
	/* the most the receiver got a second, by any ACK, in this round and the last */
	double arr_round, arr_last;
	double round_link_bw;	/* the least link_bw of this round, 0: none yet */
	uint64_t grew_since_ns; /* every round's least link_bw grew LINK_GREW x since, 0: not */
	int queue_rounds;	/* consecutive rounds with a standing queue */
	int queue_last;		/* the last round ended with one (or with no sample) */
	int64_t drained_ns;	/* queue (time) the last round's lower gain took away */

	/* loss accounting */
	uint32_t loss_hi;
	int loss_hi_valid;
	uint64_t win_sent, win_lost;
	uint64_t win_new; /* of win_sent, new packets (not resends) */
	/* new packets sent in this round and the last, losses first reported in this one */
	uint64_t round_new, last_round_new, round_lost;
	/* the losses first reported in the last round over the new packets of the round before */
	double round_loss_frac;
	uint64_t win_start_ns;
	double last_loss_frac;
	double last_new_frac; /* the last window's losses over its new packets */
	int loss_seen;	      /* a NAK or a timeout has been seen: the path loses packets */
	uint64_t last_backoff_round;
};

/*
 * The RTT to size rounds and windows with: our min, else the engine's. The
 * times here are ns at the engine's us resolution (conn_int.h, udt_tick), and
 * the divisions of them round down to a whole us, as they did in us.
 */
static inline int64_t lossy_base_rtt(const struct udt_cc *cc)
{
	const struct lossy *l = cc->priv;

	return l->min_rtt_ns > 0 ? l->min_rtt_ns : cc->rtt_ns;
}

/*
 * The rate to pace and back off from: btl_bw, but never below the first
 * guess in STARTUP (the first reports can be low) nor while all we know is
 * the application's rate.
 */
static inline double lossy_model_bw(const struct lossy *l)
{
	if (l->btl_bw > 0 && (l->mode != LOSSY_STARTUP || l->btl_bw > l->init_rate) &&
	    (l->have_bw || l->btl_bw > l->init_rate))
		return l->btl_bw;
	return l->init_rate;
}

/* cc_lossy_out.c */
void udt_lossy_set_outputs(struct udt_cc *cc);

/* cc_lossy_sample.c */
void udt_lossy_ring_sent(struct lossy *l, uint32_t seq, uint64_t now_ns);
void udt_lossy_ring_reported(struct lossy *l, uint32_t first, uint32_t last);
uint32_t udt_lossy_sent_since(const struct lossy *l, uint64_t since_ns);
int64_t udt_lossy_ack_sample(struct lossy *l, uint32_t from, uint32_t to, uint64_t now_ns);
int64_t udt_lossy_nak_sample(const struct lossy *l, const struct udt_range *r, size_t n,
			     uint64_t now_ns);
int64_t udt_lossy_timed_sample(struct lossy *l, uint32_t seq, int64_t delay_ns, uint64_t now_ns);
void udt_lossy_rtt_update(struct udt_cc *cc, int64_t rtt, uint64_t now_ns);
void udt_lossy_rate_sample(struct udt_cc *cc, uint32_t ack, uint64_t now_ns);
void udt_lossy_timed_capacity(struct udt_cc *cc);
void udt_lossy_arrivals(struct udt_cc *cc);
double udt_lossy_loss_frac(const struct lossy *l);
void udt_lossy_delivery_sample(struct udt_cc *cc, uint64_t now_ns);
void udt_lossy_front_nak(struct udt_cc *cc, const struct udt_range *r, size_t n);
double udt_lossy_bw_max(const struct lossy *l);
void udt_lossy_bw_clamp(struct lossy *l, double bw);

/* cc_lossy_round.c */
int udt_lossy_tick(struct udt_cc *cc, uint64_t now_ns);
void udt_lossy_exit_startup(struct udt_cc *cc, uint64_t now_ns);
void udt_lossy_startup_full(struct udt_cc *cc, uint64_t now_ns);
void udt_lossy_silence_over(struct lossy *l, uint64_t now_ns);

/* cc_lossy_probe.c */
void udt_lossy_probe_start(struct udt_cc *cc, uint64_t now_ns);
void udt_lossy_probe_round(struct udt_cc *cc, uint64_t now_ns);
int udt_lossy_probe_tick(struct udt_cc *cc, uint64_t now_ns, int64_t round_len);
void udt_lossy_probe_sent(struct lossy *l);
void udt_lossy_probe_forget(struct lossy *l);
uint32_t udt_lossy_probe_lost(struct lossy *l, uint32_t first, uint32_t last);
void udt_lossy_probe_judge(struct udt_cc *cc);

/* cc_lossy_loss.c */
void udt_lossy_count_losses(struct lossy *l, const struct udt_range *r, size_t n);
void udt_lossy_heavy_loss(struct udt_cc *cc, uint64_t now_ns);
void udt_lossy_losses_answered(struct lossy *l, uint32_t snd_curr_seq, uint64_t now_ns);

#endif
