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
 * min_rtt + max(min_rtt / 4, 2 SYN) for two rounds: -10 %, or 5-15 % by
 * the flow's share of the capacity beside other flows) or heavy loss
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
 * The parts (cc_lossy_int.h has the state they share):
 *   cc_lossy_sample.c  RTT samples, min_rtt, the capacity, rate samples
 *   cc_lossy_round.c   rounds and modes (STARTUP, DRAIN, CRUISE), queues
 *   cc_lossy_loss.c    loss accounting, the heavy-loss back-off
 *   cc_lossy_out.c     pacing interval, window, bursts
 * and here the callbacks, which call them in an order that matters.
 */
#include <stdlib.h>

#include "cc_lossy_int.h"
#include "seq.h"

#define INIT_RATE_MIN 500 /* packets/s */
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

static uint32_t ring_size(double max_cwnd)
{
	uint32_t n = 1024;

	while (n < 2 * max_cwnd && n < (1u << 22))
		n <<= 1;
	return n;
}

static void lossy_init(struct udt_cc *cc, uint64_t now_ns)
{
	struct lossy *l = cc->priv;
	uint32_t n = ring_size(cc->max_cwnd);
	int i;

	/* it grows with the packets sent (udt_lossy_ring_sent()): an idle connection holds a small one */
	l->ring_max = n;
	l->ring_from = udt_seq_inc(cc->snd_curr_seq);
	if (n > LOSSY_RING_INIT)
		n = LOSSY_RING_INIT;
	l->sent_ns = calloc(n, sizeof(*l->sent_ns));
	l->tx = calloc(n, sizeof(*l->tx));
	if (!l->sent_ns || !l->tx) {
		/* no own samples: fall back to the engine's smoothed RTT */
		free(l->sent_ns);
		free(l->tx);
		l->sent_ns = NULL;
		l->tx = NULL;
	}
	l->mask = n - 1;
	l->mode = LOSSY_STARTUP;
	l->pacing_gain = STARTUP_GAIN;
	l->min_rtt_ns = -1;
	for (i = 0; i < RTT_BUCKETS; i++)
		l->rtt_bucket[i] = -1;
	for (i = 0; i < QWIN_ROUNDS; i++)
		l->qwin_rtt[i] = -1;
	l->rtt_b_start = now_ns;
	l->round_min_rtt = -1;
	l->round_nak_rtt = -1;
	l->last_round_min_rtt = -1;
	l->last_rtt = -1;
	l->round_start_ns = now_ns;
	l->win_start_ns = now_ns;
	l->last_ack = udt_seq_inc(cc->snd_curr_seq);
	l->rcv_front = l->last_ack;
	/*
	 * Until the first rate report: INIT_WINDOW per RTT, but at least
	 * INIT_RATE_MIN (one window per 600 ms is a crawl on a satellite hop)
	 * and at most one window per 20 ms (a LAN's RTT says nothing of its rate).
	 */
	l->init_rate = INIT_WINDOW * (double)LU2K_NS_PER_S /
		       (double)(cc->rtt_ns > 0 ? cc->rtt_ns : 100 * LU2K_NS_PER_MS);
	if (l->init_rate < INIT_RATE_MIN)
		l->init_rate = INIT_RATE_MIN;
	if (l->init_rate > INIT_WINDOW * (double)LU2K_NS_PER_S / (2 * UDT_SYN_NS))
		l->init_rate = INIT_WINDOW * (double)LU2K_NS_PER_S / (2 * UDT_SYN_NS);
	l->cold_rate = l->init_rate;
	if (cc->path_rate_hint > 0 && PATH_MARGIN * cc->path_rate_hint > l->init_rate) {
		l->init_rate = PATH_MARGIN * cc->path_rate_hint;
		l->hint_rate = cc->path_rate_hint;
		l->hinted = 1;
	}
	/* a deterministic, per-connection start in the cycle desynchronises flows */
	l->cycle = 2 + (cc->snd_curr_seq * 2654435761u >> 16) % (CYCLE_LEN - 2);
	l->rng = cc->snd_curr_seq * 2654435761u | 1;
	l->probe_frac = 1;
	cc->ack_period_ns = UDT_SYN_NS;
	udt_lossy_set_outputs(cc);
}

/*
 * The handshake's probe train read the path's capacity (cc->capacity_hint).
 * Until the receiver's own estimate comes it caps STARTUP as that would
 * (a LAN's cold start paces 32 packets per 20 ms at STARTUP's gain, on any
 * link). And a start that is still blind and slower than PATH_MARGIN of it
 * (nothing remembered; a long path, where UDT's 32 packets per round trip
 * are a crawl) takes it as it takes a remembered rate: PATH_MARGIN of it
 * for the first round trip. The link may be shared, which the train cannot
 * see; the first ACKs then say so as they would of a wrong memory.
 */
static void lossy_on_capacity_hint(struct udt_cc *cc, uint64_t now_ns)
{
	struct lossy *l = cc->priv;

	(void)now_ns;
	if (l->have_bw || l->link_bw > 0 || l->mode != LOSSY_STARTUP)
		return;
	l->probed = 1;
	if (!l->hinted && PATH_MARGIN * cc->capacity_hint > l->pacing_gain * l->init_rate) {
		l->hint_rate = cc->capacity_hint;
		l->init_rate = PATH_MARGIN * cc->capacity_hint;
		l->hinted = 1;
	}
	udt_lossy_set_outputs(cc);
}

static void lossy_close(struct udt_cc *cc)
{
	struct lossy *l = cc->priv;

	free(l->sent_ns);
	free(l->tx);
	l->sent_ns = NULL;
	l->tx = NULL;
}

static void lossy_on_pkt_sent(struct udt_cc *cc, uint32_t seq, uint64_t now_ns)
{
	struct lossy *l = cc->priv;

	l->win_sent++;
	l->round_sent++;
	if (udt_lossy_tick(cc, now_ns))
		udt_lossy_set_outputs(cc);
	/* after tick: a send that ends a round tells about the next one */
	/* a run starts with new data: a resend (EXP's, a NAK's) says nothing of the backlog */
	if (cc->app_limited) {
		l->app_now = 1;
		l->busy = 0;
	} else if (!l->busy && (!l->sent_ns || !l->any_sent || udt_seq_cmp(seq, l->hi_sent) > 0)) {
		l->busy = 1;
		l->busy_start = seq;
	}
	/* a resend of a packet sent before the delivery window opened (cc_lossy_sample.c) */
	if (l->dv_start_ns && udt_seq_cmp(seq, l->dv_start_seq) < 0)
		l->dv_resent++;
	if (!l->sent_new || udt_seq_cmp(seq, l->hi_seq) > 0) {
		l->hi_seq = seq;
		l->sent_new++;
		l->win_new++;
		l->round_new++;
		udt_lossy_probe_sent(l);
	}
	if (!l->sent_ns)
		return;
	udt_lossy_ring_sent(l, seq, now_ns);
}

static void lossy_on_ack(struct udt_cc *cc, uint32_t ack, uint64_t now_ns)
{
	struct lossy *l = cc->priv;
	int64_t rtt = udt_lossy_ack_sample(l, l->last_ack, ack, udt_cc_arrival(cc, now_ns));

	if (udt_seq_cmp(ack, l->last_ack) > 0)
		l->last_ack = ack;
	udt_lossy_silence_over(l, now_ns);
	if (l->after_timeout && udt_seq_cmp(ack, l->timeout_hi) > 0)
		l->after_timeout = 0;
	if (!l->sent_ns)
		rtt = cc->rtt_ns;
	udt_lossy_rtt_update(cc, rtt, now_ns);

	udt_lossy_rate_sample(cc, ack, now_ns);
	udt_lossy_delivery_sample(cc, now_ns);
	udt_lossy_startup_full(cc, now_ns);
	udt_lossy_heavy_loss(cc, now_ns);
	udt_lossy_tick(cc, now_ns);
	udt_lossy_set_outputs(cc);
}

/* A timed ACK's sample goes where the ACKs' own go (doc/udt-cc.md, "Timed ACKs"). */
static void lossy_on_ack_time(struct udt_cc *cc, uint32_t seq, int64_t delay_ns, uint64_t now_ns)
{
	struct lossy *l = cc->priv;
	int64_t rtt = udt_lossy_timed_sample(l, seq, delay_ns, udt_cc_arrival(cc, now_ns));

	udt_lossy_timed_capacity(cc);
	udt_lossy_arrivals(cc);
	if (rtt <= 0)
		return;
	l->timed_samples++;
	udt_lossy_rtt_update(cc, rtt, now_ns);
}

static void lossy_on_loss(struct udt_cc *cc, const struct udt_range *r, size_t n, uint64_t now_ns)
{
	struct lossy *l = cc->priv;
	int64_t rtt;

	l->loss_seen = 1;
	udt_lossy_silence_over(l, now_ns);
	/* before the count: it needs the highest hole reported before this NAK */
	rtt = udt_lossy_nak_sample(l, r, n, udt_cc_arrival(cc, now_ns));
	if (rtt > 0 && (l->round_nak_rtt < 0 || rtt < l->round_nak_rtt))
		l->round_nak_rtt = rtt;
	udt_lossy_count_losses(l, r, n);
	udt_lossy_front_nak(cc, r, n);
	/*
	 * Under a remembered rate, NAKs come while holes hold the ACKs back:
	 * a wrong memory must not wait for one. (Otherwise the check stays on
	 * ACKs: on NAKs too it cost a busy host at 3 % loss 6 % of its rate.)
	 * Only while the start lasts: after it the memory was right or gone.
	 */
	if (l->hinted && l->mode == LOSSY_STARTUP)
		udt_lossy_heavy_loss(cc, now_ns);
	udt_lossy_set_outputs(cc);
}

static void lossy_on_timeout(struct udt_cc *cc, uint64_t now_ns)
{
	struct lossy *l = cc->priv;

	/* everything unacknowledged is resent: those copies prove nothing */
	l->after_timeout = 1;
	l->silence = 1;
	l->loss_seen = 1;
	udt_lossy_set_outputs(cc);
	l->timeout_hi = cc->snd_curr_seq;
	(void)now_ns;
}

/*
 * Idle with nothing in flight (udt_conn_trim): the send-time ring goes back
 * to LOSSY_RING_INIT slots and holds the packets sent from the next one on,
 * as a new connection's does; it grows again with them. It grew with every
 * packet sent (up to 2 windows: 576 KiB at the default window), not with
 * the window in use, and an idle peer kept it all. Nothing is in flight, so
 * no ACK or NAK will ask for the send time of a packet before ring_from
 * (and one that does finds it outside the ring: no sample).
 */
static size_t lossy_trim(struct udt_cc *cc)
{
	struct lossy *l = cc->priv;
	uint32_t cap = l->mask + 1;
	uint64_t *ns;
	uint8_t *tx;

	if (!l->sent_ns || cap <= LOSSY_RING_INIT)
		return 0;
	ns = calloc(LOSSY_RING_INIT, sizeof(*ns));
	tx = calloc(LOSSY_RING_INIT, sizeof(*tx));
	if (!ns || !tx) {
		free(ns);
		free(tx);
		return 0; /* the large ring stays */
	}
	free(l->sent_ns);
	free(l->tx);
	l->sent_ns = ns;
	l->tx = tx;
	l->mask = LOSSY_RING_INIT - 1;
	if (l->any_sent)
		l->ring_from = udt_seq_inc(l->hi_sent);
	return (size_t)(cap - LOSSY_RING_INIT) * (sizeof(*ns) + sizeof(*tx));
}

const struct udt_cc_ops udt_cc_lossy = {
	.name = "lossy",
	.priv_size = sizeof(struct lossy),
	.init = lossy_init,
	.on_ack = lossy_on_ack,
	.on_ack_time = lossy_on_ack_time,
	.on_loss = lossy_on_loss,
	.on_timeout = lossy_on_timeout,
	.on_pkt_sent = lossy_on_pkt_sent,
	.trim = lossy_trim,
	.on_capacity_hint = lossy_on_capacity_hint,
	.close = lossy_close,
};
