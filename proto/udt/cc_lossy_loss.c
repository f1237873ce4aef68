// SPDX-License-Identifier: MIT
/*
 * cc_lossy_loss.c - loss accounting of the "lossy" congestion control.
 *
 * A loss by itself changes nothing: the engine retransmits, the model stays.
 * Only heavy loss does, a sign that the rate is above what the path takes:
 * more than HEAVY_LOSS of the packets sent over a window of at least one
 * round and LOSS_WIN_PKTS packets lowers the model by 15 %, at most once a
 * round.
 */
#include "cc_lossy_int.h"
#include "seq.h"

#define HEAVY_LOSS    0.15 /* of the packets sent in the window */
#define LOSS_WIN_PKTS 500
#define LOSS_BACKOFF  0.85

/* Counts the packets a NAK reports lost, each once: NAKs repeat old holes. */
void udt_lossy_count_losses(struct lossy *l, const struct udt_range *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t first = r[i].first;

		if (l->loss_hi_valid && udt_seq_cmp(r[i].last, l->loss_hi) <= 0)
			continue;
		if (l->loss_hi_valid && udt_seq_cmp(first, l->loss_hi) <= 0)
			first = udt_seq_inc(l->loss_hi);
		udt_lossy_ring_reported(l, first, r[i].last);
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
		if (udt_seq_cmp(first, r[i].last) <= 0) {
			uint32_t lost = (uint32_t)udt_seq_len(first, r[i].last);
			uint32_t in_probe = udt_lossy_probe_lost(l, first, r[i].last);

			l->lost_all += lost;
			/*
			 * Where no standing queue shows, a probe's losses are its own
			 * overflow of a short router queue: they shorten the next
			 * probe (cc_lossy_probe.c), they cut nothing. At 600 ms / 1 %
			 * with a 20 ms queue the first whole probe lost over 15 % of
			 * its window, a heavy-loss cut of 15 %, and 10 s at 84-91 %
			 * of the link while short probes found the rest. Beside a
			 * queue (another flow's start filling a deep buffer) they count:
			 * without it, the late joiner of test_sim_fair at 600 ms / 1 %
			 * got less than 40 % in 4 draws of 22, 1 before.
			 */
			l->win_lost += l->queue_last ? lost : lost - in_probe;
			l->round_lost += l->queue_last ? lost : lost - in_probe;
		}
		l->loss_hi = r[i].last;
		l->loss_hi_valid = 1;
	}
}

/*
 * The share of the new packets sent that was lost: the last whole window's,
 * or the current one's once it holds LOSS_WIN_PKTS / 4 of them (the window
 * closes only on an ACK that moves, and a queue that drops most of what we
 * send holds those back for seconds), whichever is more. Over new packets
 * only: a loss is counted once, when its first NAK comes, and the resends
 * that a full queue drops again are not; counted among what was sent they
 * made two flows that shared a link ten times slower read 9-15 % where the
 * queue dropped 80 % (test_sim_step test_shared_deep_step at 1 %). Or the
 * last round's (cc_lossy_round.c: its losses over the new packets of the
 * round before it), if more: a window that began before a step dilutes
 * the step's losses, and behind a 20 ms queue the 50 -> 20 step's 60 % read
 * as half only after 5 s (test_sim_step test_shallow_step).
 */
double udt_lossy_loss_frac(const struct lossy *l)
{
	double cur = l->win_new >= LOSS_WIN_PKTS / 4 ? (double)l->win_lost / (double)l->win_new : 0;

	if (cur < l->last_new_frac)
		cur = l->last_new_frac;
	return cur > l->round_loss_frac ? cur : l->round_loss_frac;
}

/* Heavy loss over the last window: the rate was above what the path takes. */
static int loss_check(struct udt_cc *cc, uint64_t now_ns)
{
	struct lossy *l = cc->priv;
	int heavy = 0;

	if (l->win_sent < LOSS_WIN_PKTS || now_ns - l->win_start_ns < (uint64_t)lossy_base_rtt(cc))
		return 0;
	l->last_loss_frac = (double)l->win_lost / (double)l->win_sent;
	l->last_new_frac = (double)l->win_lost / (double)(l->win_new ? l->win_new : 1);
	heavy = l->last_loss_frac > HEAVY_LOSS;
	l->win_sent = 0;
	l->win_new = 0;
	l->win_lost = 0;
	l->win_start_ns = now_ns;
	return heavy;
}

/*
 * The rate was just cut for what was sent so far (a remembered rate the
 * path did not carry, a link that slowed): the NAKs of those packets still
 * on their way are not news, and the loss window starts again.
 */
void udt_lossy_losses_answered(struct lossy *l, uint32_t snd_curr_seq, uint64_t now_ns)
{
	l->loss_hi = snd_curr_seq;
	l->loss_hi_valid = 1;
	l->win_sent = 0;
	l->win_new = 0;
	l->win_lost = 0;
	l->win_start_ns = now_ns;
	l->round_lost = 0;
	l->round_loss_frac = 0;
}

/* Heavy loss over the last window: back off, at most once a round. */
void udt_lossy_heavy_loss(struct udt_cc *cc, uint64_t now_ns)
{
	struct lossy *l = cc->priv;
	double bw;

	if (!loss_check(cc, now_ns) || l->rounds <= l->last_backoff_round)
		return;
	/*
	 * A remembered rate that the path does not carry (another route, a
	 * shared beam): forget it and start as if it had not been there. Its
	 * holes hold the cumulative ACK, so no rate sample would correct it.
	 */
	if (l->hinted && !l->have_bw) {
		l->hinted = 0;
		l->init_rate = l->cold_rate;
		udt_lossy_bw_clamp(l, l->cold_rate);
		l->last_backoff_round = l->rounds;
		/* the NAKs of what the memory sent are still on their way: not news */
		udt_lossy_losses_answered(l, cc->snd_curr_seq, now_ns);
		return;
	}
	/* keep at least what is getting through */
	bw = lossy_model_bw(l) * LOSS_BACKOFF;
	l->last_backoff_round = l->rounds;
	udt_lossy_bw_clamp(l, bw);
	l->ceiling = l->btl_bw;
	if (l->mode == LOSSY_STARTUP)
		udt_lossy_exit_startup(cc, now_ns);
}
