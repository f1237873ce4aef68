// SPDX-License-Identifier: MIT
/*
 * cc_lossy_sample.c - what the "lossy" congestion control learns from ACKs:
 * RTT samples, min_rtt, the packet-pair capacity (link_bw) and the
 * bottleneck rate (btl_bw, a max filter of per-round rate samples).
 *
 * RTT samples are our own: UDT's RTT field is a smoothed value of the
 * receiver's (an average of averages, and it starts from a 100 ms guess), so
 * we keep the send time of every packet in a ring and, on each ACK, take
 * now minus the latest send time among the packets it newly acknowledges.
 * A packet retransmitted after a NAK reported it lost gives an exact sample
 * of the retransmission; a packet sent a third time, resent after a timeout
 * or resent with no NAK behind it (the engine's tail, repair and silence
 * probes: the original may well arrive) makes the ACK's sample ambiguous
 * and it is skipped (Karn's rule). Taken as exact, an original acknowledged
 * 80 ms after its speculative resend made min_rtt 80 ms on a 600 ms path,
 * and the standing "queue" cut the rate to a quarter in 5 s
 * (test_sim_start test_resume at 3 %, one draw of five).
 */
#include <errno.h>
#include <stdlib.h>

#include "cc_lossy_int.h"
#include "seq.h"

#define RTT_BUCKET_NS (2500 * LU2K_NS_PER_MS)
/*
 * The delivery rate's window: at least a round and DV_MIN_NS. Long enough
 * that a burst of late ACKs (a stalled receiver, a forwarder that releases
 * packets in batches) or a hole's repair moves the cumulative ACK by a
 * fraction of the window only.
 */
#define DV_MIN_NS    LU2K_NS_PER_S
#define TX_AMBIGUOUS 255
#define TX_REPORTED  254 /* sent once, and a NAK reported it lost: its resend is exact */
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
/* packets of one backlogged run before the receiver's rate reflects only it */
#define RCV_WINDOW_PKTS 17

/*
 * Until it is full-sized the ring holds every packet sent since ring_from
 * (where each has its own place, as in the full ring, so the samples are
 * the same); it doubles when a packet would not fit. Without memory the CC
 * goes on without its own samples, as when lossy_init() gets none.
 */
static int ring_grow(struct lossy *l, uint32_t seq)
{
	int32_t off = udt_seq_off(l->ring_from, seq);
	uint32_t cap = l->mask + 1, ncap = cap, s;
	uint64_t *ns;
	uint8_t *tx;

	if (cap >= l->ring_max || off < 0 || (uint32_t)off < cap)
		return 0;
	while (ncap <= (uint32_t)off && ncap < l->ring_max)
		ncap <<= 1;
	ns = calloc(ncap, sizeof(*ns));
	tx = calloc(ncap, sizeof(*tx));
	if (!ns || !tx) {
		free(ns);
		free(tx);
		return -ENOMEM;
	}
	/* after a trim (lossy_trim) none may have been sent since ring_from */
	if (l->any_sent && udt_seq_cmp(l->hi_sent, l->ring_from) >= 0)
		for (s = l->ring_from;; s = udt_seq_inc(s)) {
			ns[s & (ncap - 1)] = l->sent_ns[s & l->mask];
			tx[s & (ncap - 1)] = l->tx[s & l->mask];
			if (s == l->hi_sent)
				break;
		}
	free(l->sent_ns);
	free(l->tx);
	l->sent_ns = ns;
	l->tx = tx;
	l->mask = ncap - 1;
	return 0;
}

/* Records a packet's send time and how often it was sent (the ring). */
void udt_lossy_ring_sent(struct lossy *l, uint32_t seq, uint64_t now_ns)
{
	uint32_t i;

	if (ring_grow(l, seq)) {
		free(l->sent_ns);
		free(l->tx);
		l->sent_ns = NULL;
		l->tx = NULL;
		return;
	}
	i = seq & l->mask;

	if (!l->any_sent || udt_seq_cmp(seq, l->hi_sent) > 0) {
		if ((seq & 0xf) == 1 && l->any_sent && l->hi_sent == udt_seq_dec(seq) &&
		    l->sent_ns[l->hi_sent & l->mask] == now_ns) {
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
	} else {
		l->tx[i] = l->tx[i] == TX_REPORTED ? 2 : TX_AMBIGUOUS;
	}
	l->sent_ns[i] = now_ns;
}

/* How many of the newest packets were first sent at or after since_ns (the ring's). */
uint32_t udt_lossy_sent_since(const struct lossy *l, uint64_t since_ns)
{
	uint32_t n = 0, s = l->hi_sent;

	if (!l->sent_ns || !l->any_sent)
		return 0;
	while (n <= l->mask && udt_seq_cmp(s, l->ring_from) >= 0 &&
	       l->sent_ns[s & l->mask] >= since_ns) {
		n++;
		s = udt_seq_dec(s);
	}
	return n;
}

/* RTT sample from the packets [from, to) newly acknowledged, or -1. */
int64_t udt_lossy_ack_sample(struct lossy *l, uint32_t from, uint32_t to, uint64_t now_ns)
{
	int32_t n = udt_seq_off(from, to);
	uint64_t latest = 0;
	uint32_t s;
	int32_t k;

	if (!l->sent_ns || n <= 0)
		return -1;
	/* only the last ring's worth can still be in the ring */
	if ((uint32_t)n > l->mask + 1) {
		from = udt_seq_add(to, -(int32_t)(l->mask + 1));
		n = (int32_t)(l->mask + 1);
	}
	for (k = 0, s = from; k < n; k++, s = udt_seq_inc(s)) {
		uint32_t i = s & l->mask;
		int32_t off = udt_seq_off(l->ring_from, s);

		/* a ring not yet full-sized holds every packet sent: beyond it, none was */
		if (l->mask + 1 < l->ring_max && (off < 0 || (uint32_t)off > l->mask))
			return -1;
		if (l->tx[i] == 0 || l->tx[i] > 2)
			return -1;
		if (l->sent_ns[i] > latest)
			latest = l->sent_ns[i];
	}
	if (latest == 0 || latest > now_ns)
		return -1;
	return (int64_t)(now_ns - latest);
}

/* s was sent and is still in the ring (a ring not yet full-sized holds all since ring_from). */
static int in_ring(const struct lossy *l, uint32_t s)
{
	int32_t off;

	if (udt_seq_cmp(s, l->hi_sent) > 0 || udt_seq_off(s, l->hi_sent) > (int32_t)l->mask)
		return 0;
	off = udt_seq_off(l->ring_from, s);
	return !(l->mask + 1 < l->ring_max && (off < 0 || (uint32_t)off > l->mask));
}

/*
 * A NAK reported [first, last] lost for the first time: their resends will
 * be exact. Only what the ring can hold is looked at: a peer's range may
 * reach back 2^30 packets (on_nak checks only its end).
 */
void udt_lossy_ring_reported(struct lossy *l, uint32_t first, uint32_t last)
{
	uint32_t s;

	if (!l->sent_ns || !l->any_sent)
		return;
	if (udt_seq_cmp(last, l->hi_sent) > 0)
		last = l->hi_sent;
	if (udt_seq_off(first, last) > (int32_t)l->mask)
		first = udt_seq_add(last, -(int32_t)l->mask);
	if (udt_seq_cmp(first, last) > 0)
		return;
	for (s = first;; s = udt_seq_inc(s)) {
		if (in_ring(l, s) && l->tx[s & l->mask] == 1)
			l->tx[s & l->mask] = TX_REPORTED;
		if (s == last)
			break;
	}
}

/*
 * RTT sample from a NAK, or -1. The receiver reports a hole [first, last] at
 * once when the packet after it (last + 1) arrives, so the NAK's arrival
 * minus that packet's send time is a round trip, through the bottleneck
 * queue as it stood. Only a hole beyond every one reported before (loss_hi):
 * NAKs repeat old holes (the NAK timer, a resend overtaken), and their send
 * times are long past. A packet sent more than once makes it ambiguous.
 *
 * Why: where a queue overflows, holes hold UDT's cumulative ACK all the time
 * and each ACK, when it moves, covers a packet sent a third time or resent
 * after a timeout: no ACK gives a sample (Karn's rule) for seconds, the
 * rounds have none, and a standing queue that drops packets goes unseen
 * (doc/udt-cc.md, "Two flows"). Used only for a round without an ACK
 * sample (cc_lossy_round.c): an ACK's sample is later by up to an ACK
 * period, and at 1 ms RTT a 20 ms queue showed as one only through that
 * (taken in every round, these kept STARTUP on for a second: 15,000 drops).
 */
int64_t udt_lossy_nak_sample(const struct lossy *l, const struct udt_range *r, size_t n,
			     uint64_t now_ns)
{
	uint32_t s, i;

	if (!l->sent_ns || !l->any_sent || n == 0)
		return -1;
	if (l->loss_hi_valid && udt_seq_cmp(r[n - 1].last, l->loss_hi) <= 0)
		return -1;
	s = udt_seq_inc(r[n - 1].last);
	if (!in_ring(l, s))
		return -1;
	i = s & l->mask;
	if (l->tx[i] != 1 || l->sent_ns[i] == 0 || l->sent_ns[i] > now_ns)
		return -1;
	return (int64_t)(now_ns - l->sent_ns[i]);
}

/*
 * RTT sample from a timed ACK (negotiated, codec.h), or -1: the receiver's
 * highest packet seq came delay_ns before the ACK left, so the ACK's
 * arrival less seq's send time less that delay is a round trip through the
 * queue as seq met it. Only from a packet sent once (Karn's rule), and once
 * per packet: a timed ACK names the same one again when nothing higher came.
 *
 * Why: at 1 % loss holes hold UDT's cumulative ACK nearly all the time, and
 * an ACK's own sample (udt_lossy_ack_sample) comes only when a repair
 * arrives: 15-25 a round at 600 ms, bunched, often none in a round's last
 * 60-200 ms, so a round's least sample could be the queue half-way through
 * a drain (doc/udt-cc.md, "Timed ACKs"). These come every ACK period.
 */
int64_t udt_lossy_timed_sample(struct lossy *l, uint32_t seq, int64_t delay_ns, uint64_t now_ns)
{
	uint32_t i;

	if (!l->sent_ns || !l->any_sent || delay_ns < 0)
		return -1;
	if (l->timed_got && udt_seq_cmp(seq, l->timed_seq) <= 0)
		return -1;
	l->timed_got = 1;
	l->timed_seq = seq;
	if (!in_ring(l, seq))
		return -1;
	i = seq & l->mask;
	if (l->tx[i] != 1 || l->sent_ns[i] == 0 || l->sent_ns[i] + (uint64_t)delay_ns >= now_ns)
		return -1;
	return (int64_t)(now_ns - (uint64_t)delay_ns - l->sent_ns[i]);
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
	if (l->round_link_bw <= 0 || l->link_bw < l->round_link_bw)
		l->round_link_bw = l->link_bw;
}

/*
 * A timed ACK's capacity report, also while holes hold the cumulative ACK:
 * a full queue that drops packets holds it for seconds (test_sim_step at
 * 1 %: 3.5 s), and a link that slowed under us showed in link_bw only once
 * that was over. An ACK that moves then does not take it again.
 */
/*
 * The receiving rate of every timed ACK (every full ACK between lu2k
 * engines): a queue that drops most of what we send holds the cumulative
 * ACK for seconds, and the rate samples (udt_lossy_rate_sample) stop with
 * it. Kept apart from them: only LINK_SLOWED's second test reads it.
 */
void udt_lossy_arrivals(struct udt_cc *cc)
{
	struct lossy *l = cc->priv;
	double r = cc->ack_rcv_rate;

	if (cc->ack_rates_new && r > 0 && r < MAX_RATE && r > l->arr_round)
		l->arr_round = r;
}

void udt_lossy_timed_capacity(struct udt_cc *cc)
{
	struct lossy *l = cc->priv;

	/* (every full ACK between lu2k engines is a timed one: this ACK's, not an earlier one's) */
	l->lbw_timed = cc->ack_rates_new && cc->ack_bandwidth > 0 && cc->ack_bandwidth < MAX_RATE &&
		       l->pairs_acked;
	if (l->lbw_timed)
		link_bw_sample(l, cc->ack_bandwidth);
}

void udt_lossy_rtt_update(struct udt_cc *cc, int64_t rtt, uint64_t now_ns)
{
	struct lossy *l = cc->priv;
	int i;

	if (rtt <= 0)
		return;
	l->last_rtt = rtt;
	if (l->round_min_rtt < 0 || rtt < l->round_min_rtt)
		l->round_min_rtt = rtt;
	if (now_ns - l->rtt_b_start >= (uint64_t)RTT_BUCKET_NS) {
		l->rtt_b = (l->rtt_b + 1) % RTT_BUCKETS;
		l->rtt_bucket[l->rtt_b] = -1;
		l->rtt_b_start = now_ns;
	}
	if (l->rtt_bucket[l->rtt_b] < 0 || rtt < l->rtt_bucket[l->rtt_b])
		l->rtt_bucket[l->rtt_b] = rtt;
	l->min_rtt_ns = -1;
	for (i = 0; i < RTT_BUCKETS; i++)
		if (l->rtt_bucket[i] > 0 && (l->min_rtt_ns < 0 || l->rtt_bucket[i] < l->min_rtt_ns))
			l->min_rtt_ns = l->rtt_bucket[i];
}

/* The ACK's capacity report and receiving rate, into link_bw and btl_bw. */
void udt_lossy_rate_sample(struct udt_cc *cc, uint32_t ack, uint64_t now_ns)
{
	struct lossy *l = cc->priv;
	double sample, sent;
	uint32_t front;

	/*
	 * The receiver's capacity estimate is a median of 64 pairs (one per 16
	 * packets) whose slots start at a made-up 1000 packets/s: ignored until
	 * LINK_BW_PAIRS real ones have reached the receiver. That is known
	 * from the cumulative ACK or from a NAK of a hole after them (the
	 * front, udt_lossy_front_nak()): at 1-3 % loss a hole often holds the
	 * ACK for a round trip, and STARTUP then went on uncapped (at 2/ln 2 of
	 * rate samples that arrived meanwhile: 1.3 x the link at 600 ms, a
	 * 180 ms queue, then seconds at 89 % after the back-off).
	 */
	front = udt_seq_cmp(l->rcv_front, ack) > 0 ? l->rcv_front : ack;
	if (l->pairs >= LINK_BW_PAIRS && udt_seq_cmp(front, l->pairs_seq) > 0)
		l->pairs_acked = 1;
	if (l->pairs >= LINK_BW_FULL_PAIRS && udt_seq_cmp(front, l->full_seq) > 0)
		l->full_acked = 1;
	if (l->lbw_timed)
		l->lbw_timed = 0; /* this ACK's report, taken by udt_lossy_timed_capacity() */
	else if (cc->ack_bandwidth > 0 && cc->ack_bandwidth < MAX_RATE && l->pairs_acked)
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
	    now_ns - l->round_start_ns >= (uint64_t)lossy_base_rtt(cc) &&
	    now_ns > l->round_start_ns) {
		double cur = (double)l->round_sent * LU2K_NS_PER_S /
			     (double)(now_ns - l->round_start_ns);

		if (cur > sent)
			sent = cur;
	}
	/* the two rounds after a probe: up to what the probe was paced at (cc_lossy_probe.c) */
	if (l->mode == LOSSY_CRUISE && (l->cycle == 1 || l->cycle == 2) && l->probe_peak > sent)
		sent = l->probe_peak;
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
}

double udt_lossy_bw_max(const struct lossy *l)
{
	double m = 0;
	int i;

	for (i = 0; i < BW_ROUNDS; i++)
		if (l->bw_slot[i] > m)
			m = l->bw_slot[i];
	return m;
}

/* Lowers every remembered rate to at most bw: the model was too high. */
void udt_lossy_bw_clamp(struct lossy *l, double bw)
{
	int i;

	for (i = 0; i < BW_ROUNDS; i++)
		if (l->bw_slot[i] > bw)
			l->bw_slot[i] = bw;
	l->btl_bw = udt_lossy_bw_max(l);
}

/*
 * What the path carried: packets acknowledged per second over a window
 * (DV_MIN_NS), the best window so far. Rate samples are the receiver's
 * arrival intervals, and arrivals bunched by a busy host or a forwarder
 * read as a rate the path never had: believed in STARTUP, where each round
 * may triple the rate, they were remembered for the next connection at
 * twice the link (test-udt-path-memory through lu2k-linkem on a loaded
 * machine). The path memory (cc->path_rate) is at most this.
 *
 * Counted from one cumulative ACK to another, as it first was, it read far
 * too high where holes were: the cumulative ACK lags behind what arrived
 * while a hole waits for its repair (a round trip or more), and a window
 * that opens while it lags and closes while it does not counts the lag in
 * its time (in simulated time at 300 ms, 20 Mbit/s and a 160 ms queue, as
 * test-udt-path-memory runs, STARTUP's queue drops made it 1.46 x the link;
 * at 1 % loss, 600 ms, 1.45 x; an ACK read late by a stalled host, the
 * same). So a window counts only the packets sent after it opened at S, up
 * to the highest the receiver is known to have (l->rcv_front: the
 * cumulative ACK, or past the last hole a NAK reported, whose next packet
 * made the receiver send it). Those packets crossed the bottleneck after
 * S + min_rtt / 2 and before the ACK we read at E was sent, E - min_rtt / 2
 * at the latest, whatever the lateness: the rate is taken over E - S -
 * min_rtt and is never above the bottleneck's but for the holes among them
 * (the loss rate). A queue makes it read low by queue / window, which a
 * memory can afford.
 */
static void dv_open(struct udt_cc *cc, uint64_t now_ns)
{
	struct lossy *l = cc->priv;

	l->dv_start_ns = now_ns;
	l->dv_start_seq = udt_seq_inc(cc->snd_curr_seq);
	l->dv_lost_from = l->dv_start_seq;
	l->dv_lost = 0;
	l->dv_resent = 0;
}

void udt_lossy_delivery_sample(struct udt_cc *cc, uint64_t now_ns)
{
	struct lossy *l = cc->priv;
	int64_t base = lossy_base_rtt(cc), win = base;
	double span;
	int32_t n;

	if (win < DV_MIN_NS)
		win = DV_MIN_NS;
	if (udt_seq_cmp(l->last_ack, l->rcv_front) > 0)
		l->rcv_front = l->last_ack;
	if (!l->dv_start_ns) {
		dv_open(cc, now_ns);
		return;
	}
	if (base <= 0 || now_ns - l->dv_start_ns < (uint64_t)(win + base))
		return;
	n = udt_seq_off(l->dv_start_seq, l->rcv_front) - (int32_t)l->dv_lost +
	    (int32_t)l->dv_resent;
	span = (double)(now_ns - l->dv_start_ns - (uint64_t)base);
	if (n > 0 && (double)n * LU2K_NS_PER_S / span > l->dv_max)
		l->dv_max = (double)n * LU2K_NS_PER_S / span;
	dv_open(cc, now_ns);
}

/*
 * A NAK of [first, last] is sent when the packet after last arrives: the
 * receiver has everything before rcv_front but the holes (never past what
 * we sent), and the holes among the packets the window counts are not
 * delivered (dv_lost, each packet once): where a queue drops what STARTUP
 * sends over the link, the front moves at the sending rate.
 */
void udt_lossy_front_nak(struct udt_cc *cc, const struct udt_range *r, size_t n)
{
	struct lossy *l = cc->priv;
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t f = udt_seq_add(r[i].last, 2), first = r[i].first;

		if (udt_seq_cmp(f, udt_seq_inc(cc->snd_curr_seq)) > 0)
			f = udt_seq_inc(cc->snd_curr_seq);
		if (udt_seq_cmp(f, l->rcv_front) > 0)
			l->rcv_front = f;
		if (!l->dv_start_ns)
			continue;
		if (udt_seq_cmp(first, l->dv_lost_from) < 0)
			first = l->dv_lost_from;
		if (udt_seq_cmp(first, r[i].last) <= 0) {
			l->dv_lost += (uint32_t)udt_seq_len(first, r[i].last);
			l->dv_lost_from = udt_seq_inc(r[i].last);
		}
	}
}
