// SPDX-License-Identifier: MIT
/*
 * cc_lossy.c - "lossy": a model-based congestion control for long links
 * with random loss.
 *
 * UDT's native algorithm slows down by 1/8 for every new loss event, so on a
 * link that loses packets at random (satellite, radio) it settles far below
 * what the link carries. This algorithm instead keeps a model of the path,
 * in the spirit of BBR's published description:
 *
 *   btl_bw   the bottleneck rate: the largest receiving rate the peer
 *            reported (UDT's ACK field, packets/s) in the last BW_ROUNDS
 *            rounds that had a report, no report believed above the
 *            packet-pair capacity (the median of the last LINK_BW_N
 *            reports) nor above the ceiling set by the last back-off,
 *            which each probe raises by 25 %;
 *   min_rtt  the smallest round-trip sample of the last 10 s,
 *
 * and sends at pacing_gain * btl_bw; a round lasts max(min_rtt, 2 SYN) and
 * goes by time, on ACKs and on sends. A loss by itself changes nothing: the
 * engine retransmits, the model stays. The rate comes down only on signs of
 * congestion: a standing queue (the round's smallest RTT sample above
 * min_rtt + max(min_rtt / 4, 2 SYN) for two rounds: -10 %) or heavy loss
 * (more than HEAVY_LOSS of the packets sent over a window of at least one
 * round and LOSS_WIN_PKTS packets: -15 %).
 *
 * A sender that has nothing to send measures the application, not the path:
 * LNet exchanges a few small messages for a while before bulk I/O, and a
 * model that learnt their rate as btl_bw paced the bulk at a few packets/s.
 * So, as in BBR, a round is application-limited when the engine's send queue
 * ran dry in it (cc->app_limited on a send) or it sent nothing, and a rate
 * sample taken in or right after such a round may raise btl_bw but never
 * lowers it: the round neither moves the max filter to a new slot (which
 * would age out higher rates) nor counts in STARTUP's full-bandwidth test.
 * Until a sample from a round that was not application-limited exists,
 * pacing and back-offs start from at least the initial rate. A burst after
 * a quiet spell is not enough to make its samples real: the receiver's rate
 * is a median of its last 16 arrival intervals, which span the quiet spell
 * until 17 packets of one backlogged run have arrived (RCV_WINDOW_PKTS).
 *
 * Modes:
 *   STARTUP  pacing gain 2/ln 2 on the best rate seen, so the rate roughly
 *            triples every round (but at most 1.1 x the packet-pair
 *            capacity), until the receiving rate stops growing (less than
 *            25 % in 3 rounds), a queue shows, or loss is heavy;
 *   DRAIN    the inverse gain for as long as the queue that STARTUP built
 *            needs to empty (estimated from the last RTT sample);
 *   CRUISE   a cycle of 8 rounds with gains 5/4 (probe for more), 3/4
 *            (drain what the probe queued), then 1 for 6 rounds.
 *
 * RTT samples are our own: UDT's RTT field is a smoothed value of the
 * receiver's (an average of averages, and it starts from a 100 ms guess), so
 * we keep the send time of every packet in a ring and, on each ACK, take
 * now minus the latest send time among the packets it newly acknowledges.
 * A packet retransmitted after a hole was reported gives an exact sample of
 * the retransmission; a packet sent a third time, or resent after a timeout
 * (when the original may still arrive), makes the ACK's sample ambiguous and
 * it is skipped (Karn's rule).
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
 */
#include <stdlib.h>

#include "cc.h"
#include "seq.h"

#define BW_ROUNDS      10 /* rounds of the bottleneck-rate max filter */
#define RTT_BUCKETS    4  /* min_rtt is forgotten after 4 x 2.5 s */
#define RTT_BUCKET_US  2500000
#define STARTUP_GAIN   2.885 /* 2 / ln 2 */
#define FULL_BW_GROWTH 1.25
#define FULL_BW_ROUNDS 3
#define HEAVY_LOSS     0.15 /* of the packets sent in the window */
#define LOSS_WIN_PKTS  500
#define LOSS_BACKOFF   0.85
#define QUEUE_BACKOFF  0.9
#define INIT_WINDOW    32  /* packets before any rate is known */
#define INIT_RATE_MIN  500 /* packets/s */
#define CYCLE_LEN      8
#define TX_AMBIGUOUS   255
#define STARTUP_CAP    1.1 /* STARTUP paces at most this much over link_bw */
/*
 * STARTUP is over once the receiving rate reaches this share of the
 * packet-pair capacity: nothing more is there to find, and waiting for the
 * rate to stop growing for FULL_BW_ROUNDS rounds (rounds paced at the cap do
 * not count) queued 10 % of the link for three round trips at 600 ms.
 */
#define STARTUP_FULL 0.9
#define MAX_RATE     0x3fffffff
#define LINK_BW_N    15
/*
 * A busy host is not a congested path. Its scheduling delays (the sender or
 * the receiver not run for tens of ms) make ACKs late and bunched, and the
 * sender late: none of it is a queue at the bottleneck.
 *  - A standing queue must show in the least RTT sample of the rounds that
 *    ended in the last QUEUE_WIN_US (or one round, if longer): a stall
 *    inflates the samples taken around it, never all of them for that long.
 *  - A round with no RTT sample at all (a hole held the cumulative ACK)
 *    is no evidence either way: it neither counts towards a back-off nor
 *    resets the count (a full queue that drops packets makes many).
 *  - Pacing may catch up what a stall held back while we had data waiting,
 *    up to a quarter of min_rtt, between BURST_MIN_US and BURST_MAX_US. Not
 *    more: a stalled receiver reads its packets at once and reports them as
 *    a receiving rate as high as what we sent, so a sender that always
 *    catches up hears that it gets all it sends even while a real queue
 *    builds (in tests/sim/test_sim_busy, 50 ms kept a 600 ms queue full).
 */
#define QUEUE_WIN_US 200000
/*
 * A queue below the back-off's margin still delays every packet (at 600 ms
 * STARTUP left ~50 ms of it, and the probe's 1.25 and 0.75 rounds move a
 * queue, they do not empty one): a cruise round at gain 1 that follows
 * rounds whose least sample shows more than max(min_rtt / 32, DRAIN_MIN_US)
 * is paced lower by what that queue is, over one round (at least 0.75), less
 * what the round before already drained (its samples do not show yet). The
 * rate model stays: the queue keeps the link busy meanwhile.
 */
#define DRAIN_MIN_US   20000
#define DRAIN_GAIN_MIN 0.75
#define QWIN_ROUNDS    16
#define BURST_MIN_US   10000
#define BURST_MAX_US   20000
/*
 * UDT's receiver starts its 64 packet-pair slots at a made-up 1 ms gap, and
 * libudt's capacity estimate (their median) means something once more than
 * half of them are real pairs; ours uses only the real ones from its 8th
 * (window.h). So the estimate is believed once LINK_BW_PAIRS pairs sent back
 * to back have reached the receiver (an ACK covers the last of them): from
 * ours that is the bottleneck's rate a round trip after they left; from
 * libudt, a value between its made-up 1000 packets/s and the real one, as
 * it was before (then believed once 33 pairs were sent). A margin over 8
 * for pairs lost on the way.
 */
#define LINK_BW_PAIRS 12
/*
 * STARTUP ends at the capacity (STARTUP_FULL) only once libudt's estimate is
 * real too (33 of its 64 slots), with a margin for pairs lost on the way:
 * at a sub-millisecond RTT an early end at its made-up 1000 packets/s held
 * the rate there, to be found again one probe (25 %) at a time.
 */
#define LINK_BW_FULL_PAIRS 40
/*
 * A path remembered from an earlier connection to the same peer address
 * (cc->path_rate_hint, kept by the caller: lu2kd's udt back-end, for 10
 * minutes): the first round paces at PATH_MARGIN of that rate instead of
 * UDT's 32 packets per RTT, at gain 1 until the receiver's capacity estimate
 * is believed or a rate sample came (a round trip), then STARTUP as usual,
 * at most the remembered rate until the capacity is known, never below
 * that start until libudt's estimate is real too (LINK_BW_FULL_PAIRS).
 * The margin, as in QUIC's careful resume (which jumps to half the saved
 * window): the path may be shared now, or slower. A wrong memory costs one
 * round trip: the first ACKs carry the receiving rate and the capacity,
 * and a queue or heavy loss ends STARTUP as always.
 */
#define PATH_MARGIN 0.75
/* packets of one backlogged run before the receiver's rate reflects only it */
#define RCV_WINDOW_PKTS 17
/* packets a round carries at least, so that a probe shows in the receiver's rate */
#define ROUND_MIN_PKTS	  48
#define ROUND_PKTS_MAX_US 2000000 /* below 24 packets/s a probe goes unseen */

enum lossy_mode { LOSSY_STARTUP, LOSSY_DRAIN, LOSSY_CRUISE };

static const double cycle_gain[CYCLE_LEN] = { 1.25, 0.75, 1, 1, 1, 1, 1, 1 };

struct lossy {
	enum lossy_mode mode;
	double pacing_gain;

	/* send time and transmission count of each packet, by seq & mask */
	uint64_t *sent_us;
	uint8_t *tx;
	uint32_t mask;
	uint32_t hi_sent;
	int any_sent;
	uint32_t last_ack;

	/* timeout: resends of packets up to timeout_hi are ambiguous */
	int after_timeout;
	int silence; /* an EXP timeout, and no ACK since */
	uint32_t timeout_hi;

	/* RTT */
	int64_t min_rtt_us; /* -1: no sample yet */
	/* min_rtt is the least of RTT_BUCKETS minima, each over RTT_BUCKET_US */
	int64_t rtt_bucket[RTT_BUCKETS]; /* -1: empty */
	unsigned int rtt_b;
	uint64_t rtt_b_start;
	int64_t round_min_rtt; /* smallest sample this round, -1: none */
	int64_t last_round_min_rtt;
	/* the least sample of each of the last rounds and when it ended (-1: none) */
	int64_t qwin_rtt[QWIN_ROUNDS];
	uint64_t qwin_end[QWIN_ROUNDS];
	unsigned int qwin_pos;
	int64_t last_rtt;

	/* bottleneck rate: per-round maxima */
	double bw_slot[BW_ROUNDS];
	unsigned int slot;
	double btl_bw;
	double init_rate;
	double link_bw; /* the receiver's packet-pair capacity, 0: unknown */
	int32_t lbw[LINK_BW_N];
	unsigned int lbw_pos;
	double ceiling;	     /* no rate sample above this since a back-off, 0: none */
	double sent_rate[2]; /* packets/s we sent in the last two rounds */
	uint64_t round_sent;
	/* application-limited: this round so far, the last round; a real sample seen */
	int app_now, app_last, have_bw;
	/* the current run of sends that each left more to send, from busy_start */
	int busy;
	uint32_t busy_start;

	/* rounds */
	uint64_t round_start_us;
	uint64_t rounds;

	/* STARTUP: the rate before the last growth */
	double full_bw, full_link_bw;
	int full_bw_count;
	int startup_capped; /* STARTUP's rate is held down by the capacity estimate */
	int hinted;	    /* started from a remembered path rate */
	double cold_rate;   /* the first rate without it */
	uint32_t pairs;	    /* packet pairs sent back to back */
	uint32_t pairs_seq; /* the second packet of the LINK_BW_PAIRS-th of them */
	int pairs_acked;    /* and an ACK has covered it */
	uint32_t full_seq;  /* the same for the LINK_BW_FULL_PAIRS-th */
	int full_acked;
	uint64_t drain_until_us;

	/* CRUISE */
	unsigned int cycle;
	int queue_rounds;   /* consecutive rounds with a standing queue */
	int64_t drained_us; /* queue (time) the last round's lower gain took away */

	/* loss accounting */
	uint32_t loss_hi;
	int loss_hi_valid;
	uint64_t win_sent, win_lost;
	uint64_t win_start_us;
	double last_loss_frac;
	int loss_seen; /* a NAK or a timeout has been seen: the path loses packets */
	uint64_t last_backoff_round;
};

static void set_outputs(struct udt_cc *cc);
static int tick(struct udt_cc *cc, uint64_t now_us);

static uint32_t ring_size(double max_cwnd)
{
	uint32_t n = 1024;

	while (n < 2 * max_cwnd && n < (1u << 22))
		n <<= 1;
	return n;
}

static void lossy_init(struct udt_cc *cc, uint64_t now_us)
{
	struct lossy *l = cc->priv;
	uint32_t n = ring_size(cc->max_cwnd);
	int i;

	l->sent_us = calloc(n, sizeof(*l->sent_us));
	l->tx = calloc(n, sizeof(*l->tx));
	if (!l->sent_us || !l->tx) {
		/* no own samples: fall back to the engine's smoothed RTT */
		free(l->sent_us);
		free(l->tx);
		l->sent_us = NULL;
		l->tx = NULL;
	}
	l->mask = n - 1;
	l->mode = LOSSY_STARTUP;
	l->pacing_gain = STARTUP_GAIN;
	l->min_rtt_us = -1;
	for (i = 0; i < RTT_BUCKETS; i++)
		l->rtt_bucket[i] = -1;
	for (i = 0; i < QWIN_ROUNDS; i++)
		l->qwin_rtt[i] = -1;
	l->rtt_b_start = now_us;
	l->round_min_rtt = -1;
	l->last_round_min_rtt = -1;
	l->last_rtt = -1;
	l->round_start_us = now_us;
	l->win_start_us = now_us;
	l->last_ack = udt_seq_inc(cc->snd_curr_seq);
	/*
	 * Until the first rate report: INIT_WINDOW per RTT, but at least
	 * INIT_RATE_MIN (one window per 600 ms is a crawl on a satellite hop)
	 * and at most one window per 20 ms (a LAN's RTT says nothing of its rate).
	 */
	l->init_rate = INIT_WINDOW * 1000000.0 / (cc->rtt_us > 0 ? cc->rtt_us : 100000);
	if (l->init_rate < INIT_RATE_MIN)
		l->init_rate = INIT_RATE_MIN;
	if (l->init_rate > INIT_WINDOW * 1000000.0 / (2 * UDT_SYN_US))
		l->init_rate = INIT_WINDOW * 1000000.0 / (2 * UDT_SYN_US);
	l->cold_rate = l->init_rate;
	if (cc->path_rate_hint > 0 && PATH_MARGIN * cc->path_rate_hint > l->init_rate) {
		l->init_rate = PATH_MARGIN * cc->path_rate_hint;
		l->hinted = 1;
	}
	/* a deterministic, per-connection start in the cycle desynchronises flows */
	l->cycle = 2 + (cc->snd_curr_seq * 2654435761u >> 16) % (CYCLE_LEN - 2);
	cc->ack_period_us = UDT_SYN_US;
	set_outputs(cc);
}

static void lossy_close(struct udt_cc *cc)
{
	struct lossy *l = cc->priv;

	free(l->sent_us);
	free(l->tx);
	l->sent_us = NULL;
	l->tx = NULL;
}

/* The RTT to size rounds and windows with: our min, else the engine's. */
static int64_t base_rtt(const struct udt_cc *cc)
{
	const struct lossy *l = cc->priv;

	return l->min_rtt_us > 0 ? l->min_rtt_us : cc->rtt_us;
}

/* Queue margin over min_rtt: a quarter of it, at least two ACK periods. */
static int64_t queue_margin(const struct udt_cc *cc)
{
	int64_t m = base_rtt(cc) / 4;

	return m < 2 * UDT_SYN_US ? 2 * UDT_SYN_US : m;
}

/*
 * The rate to pace and back off from: btl_bw, but never below the first
 * guess in STARTUP (the first reports can be low) nor while all we know is
 * the application's rate.
 */
static double model_bw(const struct lossy *l)
{
	if (l->btl_bw > 0 && (l->mode != LOSSY_STARTUP || l->btl_bw > l->init_rate) &&
	    (l->have_bw || l->btl_bw > l->init_rate))
		return l->btl_bw;
	return l->init_rate;
}

static void set_outputs(struct udt_cc *cc)
{
	struct lossy *l = cc->priv;
	double bw = model_bw(l);
	double rate = l->pacing_gain * bw;
	double span_us, w;

	if (l->mode == LOSSY_STARTUP) {
		/*
		 * A remembered rate: 3/4 of it until a rate sample shows the path
		 * carries something, then no more than it until the capacity is
		 * known (at 3 % loss holes hold the ACKs that would tell, for
		 * a round trip or more).
		 */
		if (l->hinted && !l->pairs_acked && !l->have_bw)
			rate = bw;
		else if (l->hinted && !l->pairs_acked && rate > cc->path_rate_hint)
			rate = cc->path_rate_hint;
		/* no point in sending faster than the link's capacity: it only queues */
		l->startup_capped = l->link_bw > 0 && rate > STARTUP_CAP * l->link_bw;
		if (l->startup_capped)
			rate = STARTUP_CAP * l->link_bw;
		/* (libudt's estimate is its made-up 1000 packets/s for a while) */
		if (l->hinted && !l->full_acked && rate < l->init_rate)
			rate = l->init_rate;
	}
	cc->pkt_snd_period_us = 1000000.0 / rate * 16.0 / 15.0;
	/* a lossy path: a small message's last packet lost costs an EXP timeout */
	cc->dup_tail = l->loss_seen;
	cc->pacing_burst_us = base_rtt(cc) / 4;
	if (cc->pacing_burst_us < BURST_MIN_US)
		cc->pacing_burst_us = BURST_MIN_US;
	if (cc->pacing_burst_us > BURST_MAX_US)
		cc->pacing_burst_us = BURST_MAX_US;

	span_us = 4.0 * base_rtt(cc) + 2 * 300000.0 + 2.0 * UDT_SYN_US;
	w = (l->mode == LOSSY_STARTUP ? rate : bw) * span_us / 1000000.0 + INIT_WINDOW;
	cc->cwnd = w;
	cc->path_rate = l->have_bw && l->btl_bw < MAX_RATE ? (int32_t)l->btl_bw : 0;
	cc->path_rtt_us =
		l->min_rtt_us > 0 && l->min_rtt_us < INT32_MAX ? (int32_t)l->min_rtt_us : 0;
}

static void lossy_on_pkt_sent(struct udt_cc *cc, uint32_t seq, uint64_t now_us)
{
	struct lossy *l = cc->priv;
	uint32_t i = seq & l->mask;

	l->win_sent++;
	l->round_sent++;
	if (tick(cc, now_us))
		set_outputs(cc);
	/* after tick: a send that ends a round tells about the next one */
	/* a run starts with new data: a resend (EXP's, a NAK's) says nothing of the backlog */
	if (cc->app_limited) {
		l->app_now = 1;
		l->busy = 0;
	} else if (!l->busy && (!l->sent_us || !l->any_sent || udt_seq_cmp(seq, l->hi_sent) > 0)) {
		l->busy = 1;
		l->busy_start = seq;
	}
	if (!l->sent_us)
		return;
	if (!l->any_sent || udt_seq_cmp(seq, l->hi_sent) > 0) {
		if ((seq & 0xf) == 1 && l->any_sent && l->hi_sent == udt_seq_dec(seq) &&
		    l->sent_us[l->hi_sent & l->mask] == now_us) {
			if (++l->pairs == LINK_BW_PAIRS)
				l->pairs_seq = seq;
			if (l->pairs == LINK_BW_FULL_PAIRS)
				l->full_seq = seq;
		}
		l->any_sent = 1;
		l->hi_sent = seq;
		l->tx[i] = 1;
	} else if (l->after_timeout && udt_seq_cmp(seq, l->timeout_hi) <= 0) {
		l->tx[i] = TX_AMBIGUOUS;
	} else if (l->tx[i] < TX_AMBIGUOUS) {
		l->tx[i]++;
	}
	l->sent_us[i] = now_us;
}

/* RTT sample from the packets [from, to) newly acknowledged, or -1. */
static int64_t ack_sample(struct lossy *l, uint32_t from, uint32_t to, uint64_t now_us)
{
	int32_t n = udt_seq_off(from, to);
	uint64_t latest = 0;
	uint32_t s;
	int32_t k;

	if (!l->sent_us || n <= 0)
		return -1;
	/* only the last ring's worth can still be in the ring */
	if ((uint32_t)n > l->mask + 1) {
		from = udt_seq_add(to, -(int32_t)(l->mask + 1));
		n = (int32_t)(l->mask + 1);
	}
	for (k = 0, s = from; k < n; k++, s = udt_seq_inc(s)) {
		uint32_t i = s & l->mask;

		if (l->tx[i] == 0 || l->tx[i] > 2)
			return -1;
		if (l->sent_us[i] > latest)
			latest = l->sent_us[i];
	}
	if (latest == 0 || latest > now_us)
		return -1;
	return (int64_t)(now_us - latest);
}

/* link_bw: the median of the last LINK_BW_N capacity reports (one may be wild) */
static void link_bw_sample(struct lossy *l, int32_t v)
{
	int32_t tmp[LINK_BW_N];
	unsigned int n, i, j;

	l->lbw[l->lbw_pos++ % LINK_BW_N] = v;
	n = l->lbw_pos < LINK_BW_N ? l->lbw_pos : LINK_BW_N;
	for (i = 0; i < n; i++) {
		int32_t x = l->lbw[i];

		for (j = i; j > 0 && tmp[j - 1] > x; j--)
			tmp[j] = tmp[j - 1];
		tmp[j] = x;
	}
	l->link_bw = tmp[n / 2];
}

static void rtt_update(struct udt_cc *cc, int64_t rtt, uint64_t now_us)
{
	struct lossy *l = cc->priv;
	int i;

	if (rtt <= 0)
		return;
	l->last_rtt = rtt;
	if (l->round_min_rtt < 0 || rtt < l->round_min_rtt)
		l->round_min_rtt = rtt;
	if (now_us - l->rtt_b_start >= RTT_BUCKET_US) {
		l->rtt_b = (l->rtt_b + 1) % RTT_BUCKETS;
		l->rtt_bucket[l->rtt_b] = -1;
		l->rtt_b_start = now_us;
	}
	if (l->rtt_bucket[l->rtt_b] < 0 || rtt < l->rtt_bucket[l->rtt_b])
		l->rtt_bucket[l->rtt_b] = rtt;
	l->min_rtt_us = -1;
	for (i = 0; i < RTT_BUCKETS; i++)
		if (l->rtt_bucket[i] > 0 && (l->min_rtt_us < 0 || l->rtt_bucket[i] < l->min_rtt_us))
			l->min_rtt_us = l->rtt_bucket[i];
}

static double bw_max(const struct lossy *l)
{
	double m = 0;
	int i;

	for (i = 0; i < BW_ROUNDS; i++)
		if (l->bw_slot[i] > m)
			m = l->bw_slot[i];
	return m;
}

/* Lowers every remembered rate to at most bw: the model was too high. */
static void bw_clamp(struct lossy *l, double bw)
{
	int i;

	for (i = 0; i < BW_ROUNDS; i++)
		if (l->bw_slot[i] > bw)
			l->bw_slot[i] = bw;
	l->btl_bw = bw_max(l);
}

/*
 * Records the round's least sample; returns the least one of the rounds that
 * ended in the last QUEUE_WIN_US (at least this one), -1 if there is none.
 */
static int64_t qwin_add(struct lossy *l, int64_t round_rtt, uint64_t now_us)
{
	int64_t m = -1;
	unsigned int i;

	l->qwin_pos = (l->qwin_pos + 1) % QWIN_ROUNDS;
	l->qwin_rtt[l->qwin_pos] = round_rtt;
	l->qwin_end[l->qwin_pos] = now_us;
	for (i = 0; i < QWIN_ROUNDS; i++) {
		unsigned int k = (l->qwin_pos + QWIN_ROUNDS - i) % QWIN_ROUNDS;

		if (i > 0 && now_us - l->qwin_end[k] >= QUEUE_WIN_US)
			break;
		if (l->qwin_rtt[k] > 0 && (m < 0 || l->qwin_rtt[k] < m))
			m = l->qwin_rtt[k];
	}
	return m;
}

static int queue_seen(const struct udt_cc *cc, int64_t rtt)
{
	const struct lossy *l = cc->priv;

	return rtt > 0 && l->min_rtt_us > 0 && rtt > l->min_rtt_us + queue_margin(cc);
}

static void enter_cruise(struct lossy *l, uint64_t now_us)
{
	l->mode = LOSSY_CRUISE;
	l->pacing_gain = cycle_gain[l->cycle];
	l->queue_rounds = 0;
	(void)now_us;
}

static void exit_startup(struct udt_cc *cc, uint64_t now_us)
{
	struct lossy *l = cc->priv;
	int64_t q = l->last_rtt - l->min_rtt_us;
	double drain_us;

	if (l->btl_bw <= 0 || q <= 0 || l->min_rtt_us <= 0) {
		enter_cruise(l, now_us);
		return;
	}
	/* the queue, q of time at btl_bw, empties at (1 - 1/gain) of btl_bw */
	drain_us = (double)q / (1.0 - 1.0 / STARTUP_GAIN);
	if (drain_us > 2.0 * l->min_rtt_us)
		drain_us = 2.0 * l->min_rtt_us;
	l->mode = LOSSY_DRAIN;
	l->pacing_gain = 1.0 / STARTUP_GAIN;
	l->drain_until_us = now_us + (uint64_t)drain_us;
}

/* Heavy loss over the last window: the rate was above what the path takes. */
static int loss_check(struct udt_cc *cc, uint64_t now_us)
{
	struct lossy *l = cc->priv;
	int heavy = 0;

	if (l->win_sent < LOSS_WIN_PKTS || now_us - l->win_start_us < (uint64_t)base_rtt(cc))
		return 0;
	l->last_loss_frac = (double)l->win_lost / (double)l->win_sent;
	heavy = l->last_loss_frac > HEAVY_LOSS;
	l->win_sent = 0;
	l->win_lost = 0;
	l->win_start_us = now_us;
	return heavy;
}

/* A gain-1 round: take away the queue the last rounds still show (DRAIN_MIN_US). */
static void drain_small_queue(struct udt_cc *cc, int64_t persist)
{
	struct lossy *l = cc->priv;
	int64_t round_len = base_rtt(cc), floor = l->min_rtt_us / 32, q;
	double gain;

	if (floor < DRAIN_MIN_US)
		floor = DRAIN_MIN_US;
	if (round_len < 2 * UDT_SYN_US)
		round_len = 2 * UDT_SYN_US;
	q = persist > 0 && l->min_rtt_us > 0 ? persist - l->min_rtt_us - l->drained_us : 0;
	l->drained_us = 0;
	if (q <= floor)
		return;
	gain = 1.0 - (double)q / (double)round_len;
	if (gain < DRAIN_GAIN_MIN)
		gain = DRAIN_GAIN_MIN;
	l->pacing_gain = gain;
	l->drained_us = (int64_t)((1.0 - gain) * (double)round_len);
}

static void end_round(struct udt_cc *cc, uint64_t now_us)
{
	struct lossy *l = cc->priv;
	int64_t rr = l->round_min_rtt;
	/* STARTUP ends on this round's queue; a back-off wants it to persist */
	int64_t persist = qwin_add(l, rr, now_us);
	int queue = queue_seen(cc, l->mode == LOSSY_STARTUP ? rr : persist);
	/* this round's samples were judged application-limited, or it sent nothing */
	int app = l->app_now || l->app_last || l->round_sent == 0;

	l->app_last = l->app_now || l->round_sent == 0;
	l->app_now = 0;
	l->rounds++;
	/* what we sent in this round, per second: nobody receives faster */
	if (now_us > l->round_start_us) {
		l->sent_rate[l->rounds & 1] =
			(double)l->round_sent * 1000000.0 / (double)(now_us - l->round_start_us);
		l->round_sent = 0;
	}
	l->last_round_min_rtt = rr;
	l->round_min_rtt = -1;
	l->round_start_us = now_us;

	switch (l->mode) {
	case LOSSY_STARTUP:
		/*
		 * A round without a rate sample (the cumulative ACK held by a
		 * hole) says nothing about growth, nor one paced at the capacity
		 * estimate's cap (early on that estimate is UDT's made-up 1000
		 * packets/s), nor one the application held back: judge only the
		 * others.
		 */
		if (l->bw_slot[l->slot] <= 0 || l->startup_capped || app) {
		} else if (l->btl_bw >= l->full_bw * FULL_BW_GROWTH ||
			   l->link_bw >= l->full_link_bw * FULL_BW_GROWTH) {
			/* STARTUP is capped by the capacity estimate: while that grows, so may we */
			l->full_bw = l->btl_bw;
			l->full_link_bw = l->link_bw;
			l->full_bw_count = 0;
		} else if (++l->full_bw_count >= FULL_BW_ROUNDS) {
			exit_startup(cc, now_us);
			break;
		}
		/*
		 * Not on the queue of a round the application held back: the
		 * RTT of a few small messages is the receiver's (a busy host
		 * acknowledges late), and STARTUP would end at the rate of
		 * the messages that came before the bulk.
		 */
		if (queue && !app)
			exit_startup(cc, now_us);
		break;
	case LOSSY_DRAIN:
		break;
	case LOSSY_CRUISE:
		l->cycle = (l->cycle + 1) % CYCLE_LEN;
		l->pacing_gain = cycle_gain[l->cycle];
		/* from the 4th round: the 3rd's samples are of the probe's drain round */
		if (l->cycle >= 3 && !app)
			drain_small_queue(cc, persist);
		else
			l->drained_us = 0;
		/*
		 * A queue that outlives the probe's drain: the model is too high.
		 * Not when the application held us back: below the model's rate
		 * a longer RTT is the peer's (a busy receiver acknowledges late),
		 * and backing off on it again and again, with no backlogged round
		 * to probe back up, took the rate down to a few packets/s.
		 */
		if (queue && l->cycle >= 2 && !app) {
			l->pacing_gain = 0.75;
			if (++l->queue_rounds >= 2) {
				bw_clamp(l, model_bw(l) * QUEUE_BACKOFF);
				l->ceiling = l->btl_bw;
				l->queue_rounds = 0;
			}
		} else if (persist > 0 || app) {
			/*
			 * Not when the rounds had no RTT sample at all (a hole held
			 * the cumulative ACK throughout): no evidence either way,
			 * and a full queue that drops packets makes many such
			 * rounds, which must not keep resetting the count.
			 */
			l->queue_rounds = 0;
		}
		/* each probe may find up to 25 % more than the last back-off allowed */
		if (l->cycle == 0 && l->ceiling > 0) {
			l->ceiling *= cycle_gain[0];
			if (l->link_bw > 0 && l->ceiling > 2 * l->link_bw)
				l->ceiling = 0;
		}
		break;
	}
	/*
	 * The slot for the new round, unless this one had no rate sample (no
	 * ACK while a hole waited for its repair) or was application-limited:
	 * a silence must not age out what the filter knows.
	 */
	if (l->bw_slot[l->slot] > 0 && !app) {
		l->slot = (l->slot + 1) % BW_ROUNDS;
		l->bw_slot[l->slot] = 0;
		l->btl_bw = bw_max(l);
	}
}

/*
 * Rounds and phases go by time, on ACKs and on sends alike: ACKs stop while
 * a hole waits for its repair, and a probing phase must not outlast its
 * round because of that. Returns 1 if the outputs need recomputing.
 */
static int tick(struct udt_cc *cc, uint64_t now_us)
{
	struct lossy *l = cc->priv;
	int64_t round_len = base_rtt(cc);
	double pkts_us;
	int changed = 0;

	if (l->mode == LOSSY_DRAIN && now_us >= l->drain_until_us) {
		enter_cruise(l, now_us);
		changed = 1;
	}
	/*
	 * The receiver's rate is a median of 16 arrival intervals: a probe
	 * round that carries fewer packets never shows in it, and a model
	 * that can then only keep or lose rate decays to nothing (seen in
	 * qemu VMs at 5 ms RTT: from 900 to 10 packets/s in a minute, no loss,
	 * no queue). A round carries at least ROUND_MIN_PKTS packets: a probe
	 * then shows once an RTT and 16 of them have passed.
	 */
	pkts_us = ROUND_MIN_PKTS * 1000000.0 / model_bw(l);
	if (pkts_us > ROUND_PKTS_MAX_US)
		pkts_us = ROUND_PKTS_MAX_US;
	if (round_len < (int64_t)pkts_us)
		round_len = (int64_t)pkts_us;
	if (round_len < 2 * UDT_SYN_US)
		round_len = 2 * UDT_SYN_US;
	if (now_us - l->round_start_us >= (uint64_t)round_len) {
		end_round(cc, now_us);
		changed = 1;
	}
	return changed;
}

/*
 * The peer is heard again after a silence (an outage; its first word is
 * usually a NAK of what went into it): the path is empty, and that is to be
 * resent. A cruise restarts at its probe round (1.25, then 0.75 while the
 * queue that built keeps the link busy): landing in a drain round instead
 * left a quarter of the link idle for a round trip after a 30 s fade.
 */
static void silence_over(struct lossy *l, uint64_t now_us)
{
	if (!l->silence)
		return;
	l->silence = 0;
	if (l->mode == LOSSY_CRUISE) {
		l->cycle = 0;
		l->pacing_gain = cycle_gain[0];
		l->round_start_us = now_us;
		l->drained_us = 0;
	}
}

/* Heavy loss over the last window: back off, at most once a round. */
static void heavy_loss(struct udt_cc *cc, uint64_t now_us)
{
	struct lossy *l = cc->priv;
	double bw;

	if (!loss_check(cc, now_us) || l->rounds <= l->last_backoff_round)
		return;
	/*
	 * A remembered rate that the path does not carry (another route, a
	 * shared beam): forget it and start as if it had not been there. Its
	 * holes hold the cumulative ACK, so no rate sample would correct it.
	 */
	if (l->hinted && !l->have_bw) {
		l->hinted = 0;
		l->init_rate = l->cold_rate;
		bw_clamp(l, l->cold_rate);
		l->last_backoff_round = l->rounds;
		/* the NAKs of what the memory sent are still on their way: not news */
		l->loss_hi = cc->snd_curr_seq;
		l->loss_hi_valid = 1;
		return;
	}
	/* keep at least what is getting through */
	bw = model_bw(l) * LOSS_BACKOFF;
	l->last_backoff_round = l->rounds;
	bw_clamp(l, bw);
	l->ceiling = l->btl_bw;
	if (l->mode == LOSSY_STARTUP)
		exit_startup(cc, now_us);
}

static void lossy_on_ack(struct udt_cc *cc, uint32_t ack, uint64_t now_us)
{
	struct lossy *l = cc->priv;
	int64_t rtt = ack_sample(l, l->last_ack, ack, now_us);
	double sample, sent;

	if (udt_seq_cmp(ack, l->last_ack) > 0)
		l->last_ack = ack;
	silence_over(l, now_us);
	if (l->after_timeout && udt_seq_cmp(ack, l->timeout_hi) > 0)
		l->after_timeout = 0;
	if (!l->sent_us)
		rtt = cc->rtt_us;
	rtt_update(cc, rtt, now_us);

	/*
	 * The receiver's capacity estimate is a median of 64 pairs (one per 16
	 * packets) whose slots start at a made-up 1000 packets/s: ignored until
	 * LINK_BW_PAIRS real ones have reached the receiver.
	 */
	if (l->pairs >= LINK_BW_PAIRS && udt_seq_cmp(ack, l->pairs_seq) > 0)
		l->pairs_acked = 1;
	if (l->pairs >= LINK_BW_FULL_PAIRS && udt_seq_cmp(ack, l->full_seq) > 0)
		l->full_acked = 1;
	if (cc->ack_bandwidth > 0 && cc->ack_bandwidth < MAX_RATE && l->pairs_acked)
		link_bw_sample(l, cc->ack_bandwidth);
	/* the ACK's own receiving rate: the engine's average lags when ACKs are sparse */
	sample = cc->ack_rcv_rate > 0 && cc->ack_rcv_rate < MAX_RATE ? cc->ack_rcv_rate : 0;
	/*
	 * The receiving rate is a median of 16 arrival intervals: packets that
	 * arrive in batches (a forwarder's or a NIC's) make it far too high.
	 * No rate above the packet-pair capacity (a median of 64 pairs) or the
	 * ceiling set by the last back-off is believed.
	 */
	if (l->link_bw > 0 && sample > l->link_bw)
		sample = l->link_bw;
	if (l->ceiling > 0 && sample > l->ceiling)
		sample = l->ceiling;
	/*
	 * Nor above what we sent in the last two rounds: packets held up on the
	 * way (a busy forwarder, a stalled NIC queue) arrive in a burst that
	 * reads as a rate the path never had.
	 */
	sent = l->sent_rate[0] > l->sent_rate[1] ? l->sent_rate[0] : l->sent_rate[1];
	/*
	 * In a probe round, nor above what it sent so far, once it is an RTT
	 * old: the probe's packets are reported while it lasts, and a cap at
	 * the rounds before it left only the few ACKs of the next round's
	 * first RTT to show it (one or two at a few ms of RTT).
	 */
	if (l->mode == LOSSY_CRUISE && l->pacing_gain > 1 &&
	    now_us - l->round_start_us >= (uint64_t)base_rtt(cc) && now_us > l->round_start_us) {
		double cur =
			(double)l->round_sent * 1000000.0 / (double)(now_us - l->round_start_us);

		if (cur > sent)
			sent = cur;
	}
	if (sent > 0 && sample > sent)
		sample = sent;
	/*
	 * An application-limited sample only counts if it raises btl_bw; so
	 * does one whose arrival intervals may reach back before the current
	 * backlogged run (the ACK covers fewer than RCV_WINDOW_PKTS of it).
	 */
	if (!l->busy || udt_seq_off(l->busy_start, ack) < RCV_WINDOW_PKTS)
		l->app_now = 1;
	if (l->app_now || l->app_last) {
		if (sample > l->btl_bw) {
			l->bw_slot[l->slot] = sample;
			l->btl_bw = sample;
		}
	} else if (sample > 0) {
		l->have_bw = 1;
		if (sample > l->bw_slot[l->slot]) {
			l->bw_slot[l->slot] = sample;
			if (sample > l->btl_bw)
				l->btl_bw = sample;
		}
	}

	if (l->mode == LOSSY_STARTUP && l->have_bw && l->full_acked && l->link_bw > 0 &&
	    l->btl_bw >= STARTUP_FULL * l->link_bw)
		exit_startup(cc, now_us);

	heavy_loss(cc, now_us);
	tick(cc, now_us);
	set_outputs(cc);
}

static void lossy_on_loss(struct udt_cc *cc, const struct udt_range *r, size_t n, uint64_t now_us)
{
	struct lossy *l = cc->priv;
	size_t i;

	l->loss_seen = 1;
	silence_over(l, now_us);
	/* count each lost packet once: NAKs repeat old holes */
	for (i = 0; i < n; i++) {
		uint32_t first = r[i].first;

		if (l->loss_hi_valid && udt_seq_cmp(r[i].last, l->loss_hi) <= 0)
			continue;
		if (l->loss_hi_valid && udt_seq_cmp(first, l->loss_hi) <= 0)
			first = udt_seq_inc(l->loss_hi);
		/*
		 * Packets outstanding at an EXP timeout went into a silence (an
		 * outage, a fade): their loss says nothing of a queue. Counted
		 * as heavy loss, the ~8000 that a 600 ms link had sent into a
		 * 30 s fade cut the rate twice by 15 % as it came back.
		 */
		if (l->after_timeout && udt_seq_cmp(first, l->timeout_hi) <= 0)
			first = udt_seq_cmp(r[i].last, l->timeout_hi) <= 0
					? udt_seq_inc(r[i].last)
					: udt_seq_inc(l->timeout_hi);
		if (udt_seq_cmp(first, r[i].last) <= 0)
			l->win_lost += udt_seq_len(first, r[i].last);
		l->loss_hi = r[i].last;
		l->loss_hi_valid = 1;
	}
	/*
	 * Under a remembered rate, NAKs come while holes hold the ACKs back:
	 * a wrong memory must not wait for one. (Otherwise the check stays on
	 * ACKs: on NAKs too it cost a busy host at 3 % loss 6 % of its rate.)
	 */
	if (l->hinted)
		heavy_loss(cc, now_us);
	set_outputs(cc);
}

static void lossy_on_timeout(struct udt_cc *cc, uint64_t now_us)
{
	struct lossy *l = cc->priv;

	/* everything unacknowledged is resent: those copies prove nothing */
	l->after_timeout = 1;
	l->silence = 1;
	l->loss_seen = 1;
	set_outputs(cc);
	l->timeout_hi = cc->snd_curr_seq;
	(void)now_us;
}

const struct udt_cc_ops udt_cc_lossy = {
	.name = "lossy",
	.priv_size = sizeof(struct lossy),
	.init = lossy_init,
	.on_ack = lossy_on_ack,
	.on_loss = lossy_on_loss,
	.on_timeout = lossy_on_timeout,
	.on_pkt_sent = lossy_on_pkt_sent,
	.close = lossy_close,
};
