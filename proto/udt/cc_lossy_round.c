// SPDX-License-Identifier: MIT
/*
 * cc_lossy_round.c - the rounds and modes of the "lossy" congestion control.
 *
 * A round lasts max(min_rtt, 2 SYN, the time ROUND_MIN_PKTS take) and goes
 * by time, on ACKs and on sends. At its end the mode decides the next
 * round's pacing gain:
 *   STARTUP  pacing gain 2/ln 2 on the best rate seen, so the rate roughly
 *            triples every round (but at most 1.1 x the packet-pair
 *            capacity), until the receiving rate stops growing (less than
 *            25 % in 3 rounds), a queue shows, or loss is heavy;
 *   DRAIN    the inverse gain for as long as the queue that STARTUP built
 *            needs to empty (estimated from the last RTT sample);
 *   CRUISE   a cycle of 8 rounds with gains 5/4 (probe for more), 3/4
 *            (drain what the probe queued), then 1 for 6 rounds; a probe
 *            that overflowed a shallow queue is shortened (cc_lossy_probe.c).
 *
 * A standing queue (the least RTT sample of the last rounds above min_rtt
 * + max(min_rtt / 4, 2 SYN)) ends STARTUP; in CRUISE, for two rounds, it
 * lowers the model by 10 % (5-15 % by the flow's share of the capacity
 * where others share the bottleneck; see "Two flows" below).
 */
#include "cc_lossy_int.h"
#include "seq.h"

#define FULL_BW_GROWTH 1.25
#define FULL_BW_ROUNDS 3
#define QUEUE_BACKOFF  0.9
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
 *    ended in the last QUEUE_WIN_NS (or one round, if longer): a stall
 *    inflates the samples taken around it, never all of them for that long.
 *  - A round with no RTT sample at all (a hole held the cumulative ACK)
 *    is no evidence either way: it neither counts towards a back-off nor
 *    resets the count (a full queue that drops packets makes many).
 * (What pacing may catch up after a stall: cc_lossy_out.c.)
 */
#define QUEUE_WIN_NS (200 * LU2K_NS_PER_MS)
/*
 * A queue below the back-off's margin still delays every packet (at 600 ms
 * STARTUP left ~50 ms of it, and the probe's 1.25 and 0.75 rounds move a
 * queue, they do not empty one): a cruise round at gain 1 that follows
 * rounds whose least sample shows more than max(min_rtt / 32, DRAIN_MIN_NS)
 * is paced lower by what that queue is, over one round (at least 0.75), less
 * what the round before already drained (its samples do not show yet). The
 * rate model stays: the queue keeps the link busy meanwhile.
 */
#define DRAIN_MIN_NS   (20 * LU2K_NS_PER_MS)
#define DRAIN_GAIN_MIN 0.75
/* packets a round carries at least, so that a probe shows in the receiver's rate */
#define ROUND_MIN_PKTS	  48
#define ROUND_PKTS_MAX_NS (2 * LU2K_NS_PER_S) /* below 24 packets/s a probe goes unseen */

static const double cycle_gain[CYCLE_LEN] = { 1.25, 0.75, 1, 1, 1, 1, 1, 1 };

/*
 * Two flows on one bottleneck (issue 12: 40-60 % each).
 *
 * Their cycles have the same length, so they stay in one phase and meet the
 * same way every cycle: in test_sim_fair's late joiner at 200 ms the first
 * flow's probe always fell on the other's 0.75 rounds (into an empty queue:
 * +20 %) and the other's on the first's gain-1 rounds (into a full link:
 * +5 %), 63 / 37 % for good. So a cycle whose model did not grow by
 * PROBE_FOUND waits 0 to PROBE_WAIT_MAX more gain-1 rounds before its next
 * probe, drawn per cycle (a per-connection xorshift: the CC has no clock
 * and no I/O, and a run is the same run twice); a flow that is still
 * finding more probes every CYCLE_LEN rounds, as before (a climb after a
 * wrong path memory lost a tenth of its rate to the waits).
 *
 * The queue back-off multiplies every flow's model by the same 0.9, which
 * keeps whatever ratio the start left. It now cuts in proportion to the
 * flow's share of the packet-pair capacity (link_bw, the same for every
 * flow on the bottleneck): 2 x 10 % x share, the share taken between 1/4
 * and 3/4 (5-15 %), so the larger flow gives back more. A flow with
 * SHARE_ALONE of the capacity or more is alone there and cuts the 10 % it
 * always did (15 % cost a single flow at 600 ms / 3 % 1.6 Mbit/s in
 * test_sim_goals).
 */
#define PROBE_WAIT_MAX 2
#define PROBE_FOUND    1.1
#define SHARE_ALONE    0.9
/*
 * A flow that joins a busy bottleneck sees the queue its STARTUP adds to the
 * incumbent's full link at once, with a small share of the capacity: ending
 * STARTUP there left it at 25-35 % for good (the cuts that follow are
 * proportional, and so are the probes). Under JOIN_SHARE of the capacity a
 * queue does not end STARTUP (still paced at most 1.1 x the capacity); the
 * rate's stall (FULL_BW_ROUNDS) or heavy loss does, as in BBR. At 600 ms /
 * 1 %, the 2nd flow 5 s later (test_sim_fair, 35 draws): the first flow's
 * share 43-60 %, none outside 40-60 % (4 before); the queue's median while
 * both run is longer (45-178 ms against 0-151 ms over the first 15 draws).
 */
#define JOIN_SHARE 0.5
/*
 * A link whose rate drops under a flow (a satellite modem's adaptive coding
 * in a rain fade: 50 to 20 Mbit/s) fills its queue while the model keeps
 * the rates of the last BW_ROUNDS rounds, and the back-off's 10 % every two
 * queue rounds took 17 rounds to come down 2.5 x: at 600 ms, 9,452 queue
 * drops and 5 s without a message delivered (test_sim_step). The
 * packet-pair capacity (link_bw) reads the new rate within a round trip,
 * and no flow's own rate is above it while it shares the link: a model
 * more than LINK_SLOWED x above it with a standing queue is taken down to
 * it on that round.
 */
#define LINK_SLOWED 1.1
/*
 * A deeper step (50 to 5 Mbit/s) drops most of what we send: the resends
 * of the queue's drops fill the window, no new data leaves, no packet pair
 * does, and link_bw never reads it. What the receiver gets a second does
 * (the timed ACKs carry it while holes hold the cumulative ACK): a model
 * ARRIVALS_SLOWED x above it, with a standing queue and over ARRIVALS_LOSS
 * of the last loss window lost, is taken down to it. Not on a queue alone:
 * another flow's start makes one, and reads as our own receiving rate
 * falling (tried without the loss: at 1.25 x lossy beside BBR fell to 8 %
 * and two lossy flows to 30 / 70 %, at 2 x one of three to 13 %). The loss
 * is of new packets (cc_lossy_loss.c): two flows that shared the step read
 * 9-15 % of everything they sent, resends included, while the queue dropped
 * 80 %, and one of them kept its rate 10 s. Then resends go as pairs too
 * (cc.h, pair_resends) until link_bw has read the slower link
 * (slowed_seen()), so that LINK_GREW can see it return.
 *
 * A queue shorter than the margin (a quarter of min_rtt: 150 ms at 600 ms)
 * never shows as one, and the heavy-loss rule waits for an ACK that moves,
 * which the step's holes hold back: through a 100 ms queue the sender kept
 * 50 Mbit/s into the 5 for the whole step (test_sim_step
 * test_shallow_deep_step). So the test also fires where the round's RTT
 * samples show no standing queue, on ARRIVALS_LOSS_NO_QUEUE of the new
 * packets lost: not where there were no samples at all (a hole held the
 * ACKs), as when another flow's start fills a deep queue (test_sim_fair at
 * 600 ms / 1 %, one draw of twelve: 55 / 45 -> 33 / 67 %).
 */
#define ARRIVALS_SLOWED	       2.0
#define ARRIVALS_LOSS	       0.25
#define ARRIVALS_LOSS_NO_QUEUE 0.5
#define LOSS_ROUND_MIN_PKTS    125
/*
 * And when it comes back, the model grew by the probes' 25 % a cycle (8
 * rounds): 16.5 s at 600 ms from 20 to 90 % of 50 Mbit/s. The capacity
 * reads that at once too: a cruise whose link_bw has grown LINK_GREW x
 * since the model last reached the link (ref_link_bw: entering CRUISE, a
 * round at STARTUP_FULL of link_bw, the LINK_SLOWED cut), with the model
 * below STARTUP_FULL of it and no queue, goes back to STARTUP (at most
 * 1.1 x the capacity, over at 90 % of it). Flows that share a link do not
 * while the link keeps its rate: their capacity is the link's, it does not
 * grow. After a step down they do, each up to its share of the slower link
 * times the faster one (grew_cap): to the whole link, two flows overfilled
 * it for three rounds (7,100 queue drops at 600 ms in test_sim_step
 * test_shared_deep_step). Reports held up on the
 * way and delivered in a burst read as a wild capacity for a moment
 * (test_udt_cc_lossy test_burst_not_believed: 12 ACKs at 10 x the link),
 * so the growth must be in every round's least link_bw for GREW_MIN_NS and
 * two rounds at least.
 */
#define LINK_GREW     1.25
#define GREW_MIN_NS   (500 * LU2K_NS_PER_MS)
#define SLOWED_SETTLE 4

static unsigned int next_wait(struct lossy *l)
{
	l->rng ^= l->rng << 13;
	l->rng ^= l->rng >> 17;
	l->rng ^= l->rng << 5;
	return l->rng % (PROBE_WAIT_MAX + 1);
}

/* Queue margin over min_rtt: a quarter of it, at least two ACK periods. */
static int64_t queue_margin(const struct udt_cc *cc)
{
	int64_t m = lu2k_time_ns_floor_us(lossy_base_rtt(cc) / 4);

	return m < 2 * UDT_SYN_NS ? 2 * UDT_SYN_NS : m;
}

/*
 * Records the round's least sample; returns the least one of the rounds that
 * ended in the last QUEUE_WIN_NS (at least this one), -1 if there is none.
 */
static int64_t qwin_add(struct lossy *l, int64_t round_rtt, uint64_t now_ns)
{
	int64_t m = -1;
	unsigned int i;

	l->qwin_pos = (l->qwin_pos + 1) % QWIN_ROUNDS;
	l->qwin_rtt[l->qwin_pos] = round_rtt;
	l->qwin_end[l->qwin_pos] = now_ns;
	for (i = 0; i < QWIN_ROUNDS; i++) {
		unsigned int k = (l->qwin_pos + QWIN_ROUNDS - i) % QWIN_ROUNDS;

		if (i > 0 && now_ns - l->qwin_end[k] >= (uint64_t)QUEUE_WIN_NS)
			break;
		if (l->qwin_rtt[k] > 0 && (m < 0 || l->qwin_rtt[k] < m))
			m = l->qwin_rtt[k];
	}
	return m;
}

static double queue_backoff(const struct lossy *l)
{
	double share;

	if (l->link_bw <= 0)
		return QUEUE_BACKOFF;
	share = l->btl_bw / l->link_bw;
	if (share >= SHARE_ALONE)
		return QUEUE_BACKOFF;
	if (share < 0.25)
		share = 0.25;
	if (share > 0.75)
		share = 0.75;
	return 1.0 - 2 * (1.0 - QUEUE_BACKOFF) * share;
}

static int queue_seen(const struct udt_cc *cc, int64_t rtt)
{
	const struct lossy *l = cc->priv;

	return rtt > 0 && l->min_rtt_ns > 0 && rtt > l->min_rtt_ns + queue_margin(cc);
}

static void enter_cruise(struct lossy *l, uint64_t now_ns)
{
	l->mode = LOSSY_CRUISE;
	l->pacing_gain = cycle_gain[l->cycle];
	l->queue_rounds = 0;
	l->ref_link_bw = l->link_bw;
	l->round_link_bw = 0;
	l->grew_since_ns = 0;
	l->slowed_drain = 0;
	(void)now_ns;
}

/*
 * After a cut to the receiving rate (slowed_unseen), once a round: has
 * link_bw read the slower link? Alone on it, it comes down to our rate. A
 * flow that shares the link gets a part of it, so there the sign is that
 * link_bw fell LINK_GREW x from the cut and stopped falling for
 * SLOWED_SETTLE rounds. Its least value meanwhile is what LINK_GREW counts
 * the link's return from.
 */
static void slowed_seen(struct lossy *l)
{
	if (l->link_bw <= 0)
		return;
	if (l->link_bw < l->ref_link_bw) {
		l->ref_link_bw = l->link_bw;
		l->slowed_settle = 0;
	} else {
		l->slowed_settle++;
	}
	if (l->link_bw <= LINK_SLOWED * l->btl_bw) {
		l->ref_link_bw = l->link_bw;
		l->slowed_unseen = 0;
	} else if (l->slowed_settle >= SLOWED_SETTLE &&
		   LINK_GREW * l->ref_link_bw <= l->slowed_from) {
		l->slowed_unseen = 0;
	}
}

/* The link grew under a cruise (LINK_GREW): STARTUP again, as on a new path. */
static int link_grew(struct lossy *l, int queue, int app, uint64_t now_ns, int64_t round_ns)
{
	double bw = lossy_model_bw(l), least = l->round_link_bw, share;

	l->round_link_bw = 0;
	if (l->link_bw <= 0)
		return 0;
	if (bw >= STARTUP_FULL * l->link_bw || l->ref_link_bw <= 0) {
		l->ref_link_bw = l->link_bw;
		l->grew_since_ns = 0;
		return 0;
	}
	if (least < LINK_GREW * l->ref_link_bw) {
		l->grew_since_ns = 0;
		return 0;
	}
	if (!l->grew_since_ns) {
		/* from the start of this round, whose every report showed it */
		l->grew_since_ns = now_ns - (uint64_t)round_ns;
		return 0;
	}
	if (queue || app || now_ns - l->grew_since_ns < GREW_MIN_NS ||
	    now_ns - l->grew_since_ns < 2 * (uint64_t)round_ns)
		return 0;
	l->grew_since_ns = 0;
	l->slowed_unseen = 0;
	/*
	 * a flow that shared the slower link climbs to its share of the faster
	 * one, at least a quarter of it (as the queue back-off takes a share)
	 */
	share = l->btl_bw / l->ref_link_bw;
	l->grew_cap = share < SHARE_ALONE ? (share > 0.25 ? share : 0.25) * least : 0;
	l->mode = LOSSY_STARTUP;
	l->pacing_gain = STARTUP_GAIN;
	l->full_bw = l->btl_bw;
	l->full_link_bw = l->link_bw;
	l->full_bw_count = 0;
	l->ceiling = 0;
	l->queue_rounds = 0;
	l->drained_ns = 0;
	udt_lossy_probe_forget(l);
	return 1;
}

void udt_lossy_exit_startup(struct udt_cc *cc, uint64_t now_ns)
{
	struct lossy *l = cc->priv;
	int64_t q = l->last_rtt - l->min_rtt_ns;
	double drain_ns, link, excess;

	l->grew_cap = 0;
	/*
	 * A remembered rate or the probe's capacity served the first start; a
	 * later one (after LINK_GREW) starts from the model, not from it.
	 */
	l->probed = 0;
	if (l->hinted) {
		l->hinted = 0;
		l->init_rate = l->cold_rate;
	}

	/*
	 * The last sample shows the queue an RTT ago, not what the last RTT
	 * of STARTUP (paced up to 1.1 x the capacity) added to it: at 600 ms
	 * that was up to 180 ms more (the first draws at 1 % and 3 % that
	 * learnt the capacity late), which the cruise's gain-1 rounds kept
	 * and the next probe took to a back-off (-10 % for seconds). Alone on
	 * the link, what we sent in the last min_rtt beyond what the link
	 * carries in that time is queue too. (Not for a joiner: that excess is
	 * its share being taken, and draining it gave the share back.)
	 */
	if (l->btl_bw > 0 && l->btl_bw >= SHARE_ALONE * l->link_bw && l->min_rtt_ns > 0 &&
	    now_ns > (uint64_t)l->min_rtt_ns) {
		link = l->link_bw > l->btl_bw ? l->link_bw : l->btl_bw;
		excess = (double)udt_lossy_sent_since(l, now_ns - (uint64_t)l->min_rtt_ns) -
			 link * (double)l->min_rtt_ns / LU2K_NS_PER_S;
		if (excess > 0)
			q = (q > 0 ? q : 0) + (int64_t)(excess / l->btl_bw * LU2K_NS_PER_S);
	}
	if (l->btl_bw <= 0 || q <= 0 || l->min_rtt_ns <= 0) {
		enter_cruise(l, now_ns);
		return;
	}
	/* the queue, q of time at btl_bw, empties at (1 - 1/gain) of btl_bw */
	drain_ns = (double)q / (1.0 - 1.0 / STARTUP_GAIN);
	if (drain_ns > 2.0 * l->min_rtt_ns)
		drain_ns = 2.0 * l->min_rtt_ns;
	l->mode = LOSSY_DRAIN;
	l->pacing_gain = 1.0 / STARTUP_GAIN;
	l->drain_until_ns = now_ns + (uint64_t)lu2k_time_ns_floor_us((int64_t)drain_ns);
}

/* A gain-1 round: take away the queue the last rounds still show (DRAIN_MIN_NS). */
static void drain_small_queue(struct udt_cc *cc, int64_t persist)
{
	struct lossy *l = cc->priv;
	int64_t round_len = lossy_base_rtt(cc), floor = lu2k_time_ns_floor_us(l->min_rtt_ns / 32),
		q;
	double gain;

	if (floor < DRAIN_MIN_NS)
		floor = DRAIN_MIN_NS;
	if (round_len < 2 * UDT_SYN_NS)
		round_len = 2 * UDT_SYN_NS;
	q = persist > 0 && l->min_rtt_ns > 0 ? persist - l->min_rtt_ns - l->drained_ns : 0;
	l->drained_ns = 0;
	if (q <= floor)
		return;
	gain = 1.0 - (double)q / (double)round_len;
	if (gain < DRAIN_GAIN_MIN)
		gain = DRAIN_GAIN_MIN;
	l->pacing_gain = gain;
	l->drained_ns = lu2k_time_ns_floor_us((int64_t)((1.0 - gain) * (double)round_len));
}

static void end_round(struct udt_cc *cc, uint64_t now_ns)
{
	struct lossy *l = cc->priv;
	/* a round without an ACK sample takes its NAKs' (udt_lossy_nak_sample()) */
	int64_t rr = l->round_min_rtt >= 0 ? l->round_min_rtt : l->round_nak_rtt;
	/* STARTUP ends on this round's queue; a back-off wants it to persist */
	int64_t persist = qwin_add(l, rr, now_ns);
	int queue = queue_seen(cc, l->mode == LOSSY_STARTUP ? rr : persist);
	/* this round's samples were judged application-limited, or it sent nothing */
	int app = l->app_now || l->app_last || l->round_sent == 0;
	uint64_t round_start;
	double got;
	int arrivals;

	/* no sample is no proof of a short queue (cc_lossy_loss.c) */
	l->queue_last = queue || persist <= 0;
	l->app_last = l->app_now || l->round_sent == 0;
	l->app_now = 0;
	l->rounds++;
	/* what we sent in this round, per second: nobody receives faster */
	if (now_ns > l->round_start_ns) {
		l->sent_rate[l->rounds & 1] = (double)l->round_sent * LU2K_NS_PER_S /
					      (double)(now_ns - l->round_start_ns);
		l->round_sent = 0;
	}
	/* a round's NAKs are of what the round before it sent (a round is an RTT) */
	l->round_loss_frac = l->last_round_new >= LOSS_ROUND_MIN_PKTS
				     ? (double)l->round_lost / (double)l->last_round_new
				     : 0;
	l->last_round_new = l->round_new;
	l->round_new = 0;
	l->round_lost = 0;
	l->last_round_min_rtt = rr;
	l->round_min_rtt = -1;
	l->round_nak_rtt = -1;
	round_start = l->round_start_ns;
	l->round_start_ns = now_ns;

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
			udt_lossy_exit_startup(cc, now_ns);
			break;
		}
		/*
		 * Not on the queue of a round the application held back: the
		 * RTT of a few small messages is the receiver's (a busy host
		 * acknowledges late), and STARTUP would end at the rate of
		 * the messages that came before the bulk.
		 */
		if (queue && !app && !(l->link_bw > 0 && l->btl_bw < JOIN_SHARE * l->link_bw))
			udt_lossy_exit_startup(cc, now_ns);
		break;
	case LOSSY_DRAIN:
		break;
	case LOSSY_CRUISE:
		if (l->slowed_unseen)
			slowed_seen(l);
		udt_lossy_probe_round(cc, now_ns);
		if (link_grew(l, queue, app, now_ns, (int64_t)(now_ns - round_start))) {
			cc->link_steps_up++;
			break;
		}
		if (l->cycle == CYCLE_LEN - 1 && l->probe_wait > 0)
			l->probe_wait--; /* one more gain-1 round before the probe */
		else
			l->cycle = (l->cycle + 1) % CYCLE_LEN;
		if (l->cycle == 0) {
			/* a probe that found more: the next one as soon as it can */
			l->probe_wait = l->btl_bw >= PROBE_FOUND * l->probe_bw ? 0 : next_wait(l);
			l->probe_bw = l->btl_bw;
		}
		l->pacing_gain = cycle_gain[l->cycle];
		if (l->cycle == 0)
			udt_lossy_probe_start(cc, now_ns);
		else if (l->cycle == 3)
			udt_lossy_probe_judge(cc);
		/* from the 4th round: the 3rd's samples are of the probe's drain round */
		if (l->cycle >= 3 && !app)
			drain_small_queue(cc, persist);
		else
			l->drained_ns = 0;
		/*
		 * A queue that outlives the probe's drain: the model is too high.
		 * Not when the application held us back: below the model's rate
		 * a longer RTT is the peer's (a busy receiver acknowledges late),
		 * and backing off on it again and again, with no backlogged round
		 * to probe back up, took the rate down to a few packets/s.
		 */
		got = l->arr_round > l->arr_last ? l->arr_round : l->arr_last;
		arrivals =
			got > 0 && lossy_model_bw(l) > ARRIVALS_SLOWED * got &&
			(queue || persist > 0) &&
			udt_lossy_loss_frac(l) >= (queue ? ARRIVALS_LOSS : ARRIVALS_LOSS_NO_QUEUE);
		if ((queue || arrivals) && l->cycle >= 2 && !app) {
			double to = 0;

			l->pacing_gain = 0.75;
			if (queue && l->link_bw > 0 && lossy_model_bw(l) > LINK_SLOWED * l->link_bw)
				to = l->link_bw;
			if (arrivals && (!to || got < to))
				to = got;
			if (to > 0) {
				/* the link itself slowed (LINK_SLOWED): down to it at once */
				udt_lossy_bw_clamp(l, to);
				cc->link_steps_down++;
				l->ceiling = l->btl_bw;
				l->slowed_unseen = to != l->link_bw;
				l->ref_link_bw = l->link_bw;
				l->slowed_from = l->link_bw;
				l->slowed_settle = 0;
				l->queue_rounds = 0;
				/*
				 * the queue's drops before this are on their way as
				 * NAKs: this cut answered them (a heavy-loss cut on top
				 * took 15 % more off the new rate)
				 */
				udt_lossy_losses_answered(l, cc->snd_curr_seq, now_ns);
				/*
				 * and the queue it filled, drained as STARTUP's is,
				 * but with no resend past the pacing: the NAKs of the
				 * queue's drops came at 1,650 a second at 1 % while
				 * the drain paced 578 and kept the queue full
				 */
				udt_lossy_exit_startup(cc, now_ns);
				if (l->mode == LOSSY_DRAIN) {
					l->slowed_drain = 1;
					break;
				}
			} else if (++l->queue_rounds >= 2) {
				udt_lossy_bw_clamp(l, lossy_model_bw(l) * queue_backoff(l));
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
	l->arr_last = l->arr_round;
	l->arr_round = 0;
	/*
	 * The slot for the new round, unless this one had no rate sample (no
	 * ACK while a hole waited for its repair) or was application-limited:
	 * a silence must not age out what the filter knows.
	 */
	if (l->bw_slot[l->slot] > 0 && !app) {
		l->slot = (l->slot + 1) % BW_ROUNDS;
		l->bw_slot[l->slot] = 0;
		l->btl_bw = udt_lossy_bw_max(l);
	}
}

/*
 * Rounds and phases go by time, on ACKs and on sends alike: ACKs stop while
 * a hole waits for its repair, and a probing phase must not outlast its
 * round because of that. Returns 1 if the outputs need recomputing.
 */
int udt_lossy_tick(struct udt_cc *cc, uint64_t now_ns)
{
	struct lossy *l = cc->priv;
	int64_t round_len = lossy_base_rtt(cc);
	double pkts_ns;
	int changed = 0;

	if (l->mode == LOSSY_DRAIN && now_ns >= l->drain_until_ns) {
		enter_cruise(l, now_ns);
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
	pkts_ns = ROUND_MIN_PKTS * (double)LU2K_NS_PER_S / lossy_model_bw(l);
	if (pkts_ns > ROUND_PKTS_MAX_NS)
		pkts_ns = ROUND_PKTS_MAX_NS;
	if (round_len < lu2k_time_ns_floor_us((int64_t)pkts_ns))
		round_len = lu2k_time_ns_floor_us((int64_t)pkts_ns);
	if (round_len < 2 * UDT_SYN_NS)
		round_len = 2 * UDT_SYN_NS;
	if (now_ns - l->round_start_ns >= (uint64_t)round_len) {
		end_round(cc, now_ns);
		changed = 1;
	} else if (udt_lossy_probe_tick(cc, now_ns, round_len)) {
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
void udt_lossy_silence_over(struct lossy *l, uint64_t now_ns)
{
	if (!l->silence)
		return;
	l->silence = 0;
	if (l->mode == LOSSY_CRUISE) {
		l->cycle = 0;
		l->pacing_gain = cycle_gain[0];
		l->round_start_ns = now_ns;
		l->drained_ns = 0;
		/* a whole round of it (the path is empty); not judged (the losses are the outage's) */
		udt_lossy_probe_forget(l);
	}
}

/* STARTUP is over once the receiving rate nears the capacity (STARTUP_FULL). */
void udt_lossy_startup_full(struct udt_cc *cc, uint64_t now_ns)
{
	struct lossy *l = cc->priv;

	if (l->mode == LOSSY_STARTUP && l->have_bw && l->full_acked && l->link_bw > 0 &&
	    l->btl_bw >= STARTUP_FULL * (l->grew_cap > 0 ? l->grew_cap : l->link_bw))
		udt_lossy_exit_startup(cc, now_ns);
}
