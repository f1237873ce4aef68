// SPDX-License-Identifier: MIT
/*
 * cc_lossy_probe.c - how long the "lossy" congestion control's probe lasts:
 * a shallow queue at the bottleneck.
 *
 * CRUISE's probe paces at 1.25 x the model for a round (a round trip), and
 * the round after it at 0.75. Into a full link that queues a quarter of a
 * round trip's packets: 150 ms at 600 ms. A router with a 20 ms queue drops
 * most of it (in simulated time, 600 ms / 1 %, 50 Mbit/s: ~540 drops a
 * probe, 2.5 % of all packets; 90-92 % of the link over 300 MB where a
 * deep queue gives 97-99 %).
 *
 * Random loss takes the same share of every packet; our own queue's
 * overflow takes the probe's. So the packets the probe sent are counted
 * apart: once their NAKs have had time to come (two rounds after it), if
 * more than PROBE_EXCESS more of them were lost than of the packets sent
 * outside probes since the last judgement (and at least PROBE_EXCESS_MIN),
 * the probe found the queue's end, not more link: the next one is short
 * enough for its excess to fit what the queue took of this one's (at most
 * half as long, at least PROBE_FRAC_MIN of a round). The 0.75 round after
 * it stays whole: it takes more than a short probe added, and that drain is
 * what keeps a queue that others fill from standing (in test_sim_busy's
 * cross traffic, a drain as short as the probe left the median queue at
 * 353 ms, a whole one at 246, 302 before). A probe without that excess
 * doubles its length back, up to a round. A
 * shorter probe still shows a faster link to the receiver (its rate is a
 * median of 16 arrival intervals): rate samples of the two rounds after it
 * may reach the rate the probe was paced at (probe_peak), not only the
 * round's average.
 */
#include "cc_lossy_int.h"
#include "seq.h"

#define PROBE_EXCESS	 0.02
#define PROBE_EXCESS_MIN 8
#define PROBE_FRAC_MIN	 (1.0 / 8)
/* fewer packets in a probe say nothing of a loss rate */
#define PROBE_MIN_PKTS 50
static const double cycle_gain0 = 1.25; /* the probe's gain (cc_lossy_round.c) */

/* CRUISE enters its probe round (cycle 0). */
void udt_lossy_probe_start(struct udt_cc *cc, uint64_t now_ns)
{
	struct lossy *l = cc->priv;

	if (l->probe_frac <= 0)
		l->probe_frac = 1;
	l->probe_on = 1;
	l->probe_first = udt_seq_inc(cc->snd_curr_seq);
	l->probe_last = l->probe_first;
	l->probe_valid = 0;
	l->probe_pkts = 0;
	l->probe_lost = 0;
	l->probe_peak = 0;
	(void)now_ns;
}

/* The probe phase is over (its time has passed, or its round ended). */
static void probe_end(struct udt_cc *cc, uint64_t now_ns)
{
	struct lossy *l = cc->priv;

	l->probe_on = 0;
	l->probe_last = cc->snd_curr_seq;
	l->probe_valid = l->probe_pkts > 0;
	if (now_ns > l->round_start_ns)
		l->probe_peak = (double)l->probe_pkts * LU2K_NS_PER_S /
				(double)(now_ns - l->round_start_ns);
}

/* The round ends: a probe phase still on ends with it. */
void udt_lossy_probe_round(struct udt_cc *cc, uint64_t now_ns)
{
	struct lossy *l = cc->priv;

	if (l->probe_on)
		probe_end(cc, now_ns);
}

/* Within the probe round: 1.25 for probe_frac of it, then 1. Returns 1 if the gain changed. */
int udt_lossy_probe_tick(struct udt_cc *cc, uint64_t now_ns, int64_t round_len)
{
	struct lossy *l = cc->priv;
	uint64_t phase = (uint64_t)(l->probe_frac * (double)round_len);

	if (l->mode != LOSSY_CRUISE || now_ns - l->round_start_ns < phase)
		return 0;
	if (l->probe_on && l->cycle == 0) {
		probe_end(cc, now_ns);
		if (l->probe_frac < 1) {
			l->pacing_gain = 1;
			return 1;
		}
	}
	return 0;
}

/* A probe that is not to be judged: the round it was in no longer says anything of it. */
void udt_lossy_probe_forget(struct lossy *l)
{
	l->probe_on = 0;
	l->probe_valid = 0;
	l->probe_peak = 0;
}

/* A new packet sent: the probe's, or one the base loss rate is taken over. */
void udt_lossy_probe_sent(struct lossy *l)
{
	if (l->probe_on)
		l->probe_pkts++;
	else
		l->other_pkts++;
}

/* Packets [first, last] newly reported lost (each once); returns how many were the probe's. */
uint32_t udt_lossy_probe_lost(struct lossy *l, uint32_t first, uint32_t last)
{
	uint32_t n = (uint32_t)udt_seq_len(first, last), in = 0;
	uint32_t a = first, b = last;

	if (l->probe_valid || l->probe_on) {
		uint32_t hi = l->probe_on ? last : l->probe_last;

		if (udt_seq_cmp(a, l->probe_first) < 0)
			a = l->probe_first;
		if (udt_seq_cmp(b, hi) > 0)
			b = hi;
		if (udt_seq_cmp(a, b) <= 0)
			in = (uint32_t)udt_seq_len(a, b);
	}
	l->probe_lost += in;
	l->other_lost += n - in;
	return in;
}

/*
 * Two rounds after the probe (CRUISE enters cycle 3): its NAKs have come.
 * Did it lose more than random loss takes?
 */
void udt_lossy_probe_judge(struct udt_cc *cc)
{
	struct lossy *l = cc->priv;
	double base, lost, over;

	if (!l->probe_valid || l->probe_pkts < PROBE_MIN_PKTS)
		return;
	base = l->other_pkts > 0 ? (double)l->other_lost / (double)l->other_pkts : 0;
	lost = (double)l->probe_lost / (double)l->probe_pkts;
	over = (double)l->probe_lost - base * (double)l->probe_pkts;
	if (lost > base + PROBE_EXCESS && over >= PROBE_EXCESS_MIN) {
		/*
		 * The probe sent (gain - 1) / gain of its packets over the model:
		 * what of that the queue did not drop is the room it has. The
		 * next probe's excess fits that, at most half of this one's.
		 */
		double excess = (1.0 - 1.0 / cycle_gain0) * (double)l->probe_pkts;
		double f = excess > over ? l->probe_frac * (excess - over) / excess : 0;

		if (f > l->probe_frac / 2)
			f = l->probe_frac / 2;
		l->probe_frac = f < PROBE_FRAC_MIN ? PROBE_FRAC_MIN : f;
	} else if (l->probe_frac < 1) {
		l->probe_frac *= 2;
		if (l->probe_frac > 1)
			l->probe_frac = 1;
	}
	l->probe_valid = 0;
	l->other_pkts = 0;
	l->other_lost = 0;
}
