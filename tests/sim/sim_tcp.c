// SPDX-License-Identifier: MIT
/*
 * sim_tcp.c - a CUBIC, Reno or BBR bulk sender with SACK recovery and its
 * receiver, in simulated time (what it models and leaves out: sim_tcp.h;
 * BBR's: sim_bbr.c).
 */
#include "sim_tcp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/time.h"
#include "sim_bbr.h"

#define INIT_CWND     10 /* RFC 6928 */
#define DUPTHRESH     3	 /* SACKed segments beyond a hole before RACK may call it lost */
#define RTO_MIN_NS    (200 * LU2K_NS_PER_MS) /* Linux's TCP_RTO_MIN */
#define RTO_MAX_NS    (60 * LU2K_NS_PER_S)
#define RTO_INIT_NS   LU2K_NS_PER_S /* RFC 6298 */
#define CUBIC_C	      0.4
#define CUBIC_BETA    0.7
#define RENO_BETA     0.5
#define HYSTART_LOW   16 /* cwnd below which HyStart does not look (Linux's hystart_low_window) */
#define HYSTART_NSAMP 8
#define HYSTART_MIN   (4 * LU2K_NS_PER_MS)
#define HYSTART_MAX   (16 * LU2K_NS_PER_MS)
#define MAX_SACK      3

/* a segment on the sender's scoreboard */
enum { SEG_NONE, SEG_OUT, SEG_LOST, SEG_RTX, SEG_DONE };

struct range {
	uint32_t a, b; /* [a, b) */
};

struct sim_tcp {
	unsigned int idx;
	enum sim_tcp_cc cc;
	sim_tcp_push_fn push;
	void *arg;
	uint64_t start_ns;
	size_t bytes;
	uint32_t nseg;
	int started;

	/* sender: per segment, its state and its last transmission's time and order */
	uint8_t *st;
	uint64_t *xmit_ns, *xmit_no;
	uint64_t next_no; /* transmissions so far: RACK's "sent before" */
	uint32_t una, nxt, pipe, sacked_above, nlost, lost_first;
	uint32_t out_scan;  /* no original transmission below it is still SEG_OUT unjudged */
	uint32_t *rtx_fifo; /* retransmitted segments in the order they were resent */
	uint32_t rtx_head, rtx_tail, rtx_cap;
	uint64_t rack_no; /* the latest transmission known delivered */
	double cwnd, ssthresh;
	int recovery; /* 0 open, 1 fast recovery, 2 after an RTO (cwnd may grow) */
	uint32_t recover;
	/* RTT (RFC 6298) and the RTO timer */
	double srtt, rttvar;
	int have_rtt;
	uint64_t min_rtt, rto, rto_at; /* rto_at 0: not armed */
	/* CUBIC */
	double w_max, k, origin, w_est;
	uint64_t epoch;
	/* HyStart (delay) */
	uint32_t hs_round_end;
	uint64_t hs_round_min;
	int hs_samples, hs_done;
	/* delivery-rate samples (Linux's tcp_rate.c), per segment as it left */
	uint64_t *tx_dlv, *tx_dlv_ns, *tx_first_ns;
	uint64_t delivered, delivered_ns, first_tx_ns, lost_total;
	/* BBR: its state and when pacing lets the next segment go */
	struct sim_bbr bbr;
	uint64_t next_send_ns;
	/* RTT above the minimum from 5 s after the start */
	double qd_sum;
	uint64_t qd_n;
	struct sim_tcp_stats stats;

	/* receiver */
	uint8_t *got;
	uint32_t rcv_nxt;
	struct range *rg; /* what arrived above rcv_nxt, sorted, disjoint */
	uint32_t nrg, rg_cap;
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

int sim_tcp_cc_by_name(const char *name)
{
	if (!name || !strcmp(name, "cubic"))
		return SIM_TCP_CUBIC;
	if (!strcmp(name, "reno"))
		return SIM_TCP_RENO;
	if (!strcmp(name, "bbr"))
		return SIM_TCP_BBR;
	return -1;
}

int sim_tcp_dst(const uint8_t *pkt, uint32_t len)
{
	uint32_t id;

	if (len < 16)
		return -1;
	id = get32(pkt + 12);
	return (id & 0xffffff00u) == SIM_TCP_ID ? (int)(id & 0xff) : -1;
}

struct sim_tcp *sim_tcp_new(unsigned int idx, enum sim_tcp_cc cc, size_t bytes, uint64_t start_ns,
			    sim_tcp_push_fn push, void *arg)
{
	struct sim_tcp *t = calloc(1, sizeof(*t));

	if (!t || idx > 0xff || !bytes)
		goto fail;
	t->idx = idx;
	t->cc = cc;
	t->push = push;
	t->arg = arg;
	t->start_ns = start_ns;
	t->bytes = bytes;
	t->nseg = (uint32_t)((bytes + SIM_TCP_MSS - 1) / SIM_TCP_MSS);
	t->st = calloc(t->nseg, 1);
	t->xmit_ns = calloc(t->nseg, sizeof(*t->xmit_ns));
	t->xmit_no = calloc(t->nseg, sizeof(*t->xmit_no));
	t->got = calloc(t->nseg, 1);
	t->tx_dlv = calloc(t->nseg, sizeof(*t->tx_dlv));
	t->tx_dlv_ns = calloc(t->nseg, sizeof(*t->tx_dlv_ns));
	t->tx_first_ns = calloc(t->nseg, sizeof(*t->tx_first_ns));
	t->rtx_cap = 1024;
	t->rtx_fifo = malloc(t->rtx_cap * sizeof(*t->rtx_fifo));
	t->rg_cap = 64;
	t->rg = malloc(t->rg_cap * sizeof(*t->rg));
	if (!t->st || !t->xmit_ns || !t->xmit_no || !t->got || !t->rtx_fifo || !t->rg ||
	    !t->tx_dlv || !t->tx_dlv_ns || !t->tx_first_ns)
		goto fail;
	t->cwnd = INIT_CWND;
	t->ssthresh = 1e9;
	t->rto = RTO_INIT_NS;
	t->stats.segs = t->nseg;
	if (cc == SIM_TCP_BBR)
		sim_bbr_init(&t->bbr, idx, INIT_CWND);
	return t;
fail:
	sim_tcp_free(t);
	return NULL;
}

void sim_tcp_free(struct sim_tcp *t)
{
	if (!t)
		return;
	free(t->st);
	free(t->xmit_ns);
	free(t->xmit_no);
	free(t->got);
	free(t->rtx_fifo);
	free(t->rg);
	free(t->tx_dlv);
	free(t->tx_dlv_ns);
	free(t->tx_first_ns);
	free(t);
}

/* ---- the receiver ---- */

/* Records segment s (above rcv_nxt) in the sorted ranges; the index of its range. */
static uint32_t rg_add(struct sim_tcp *t, uint32_t s)
{
	uint32_t i = 0;

	while (i < t->nrg && t->rg[i].b < s)
		i++;
	if (i < t->nrg && t->rg[i].b == s) {
		t->rg[i].b++;
		if (i + 1 < t->nrg && t->rg[i + 1].a == t->rg[i].b) {
			t->rg[i].b = t->rg[i + 1].b;
			memmove(&t->rg[i + 1], &t->rg[i + 2], (t->nrg - i - 2) * sizeof(*t->rg));
			t->nrg--;
		}
		return i;
	}
	if (i < t->nrg && t->rg[i].a == s + 1) {
		t->rg[i].a = s;
		return i;
	}
	if (t->nrg == t->rg_cap) {
		struct range *n = realloc(t->rg, 2 * t->rg_cap * sizeof(*n));

		if (!n)
			abort();
		t->rg = n;
		t->rg_cap *= 2;
	}
	memmove(&t->rg[i + 1], &t->rg[i], (t->nrg - i) * sizeof(*t->rg));
	t->rg[i].a = s;
	t->rg[i].b = s + 1;
	t->nrg++;
	return i;
}

static void recv_data(struct sim_tcp *t, const uint8_t *pkt, uint64_t now)
{
	uint8_t ack[SIM_TCP_ACK_LEN];
	uint32_t s = get32(pkt + 4), mine = UINT32_MAX, i, n = 0, drop = 0;
	int k;

	if (s >= t->nseg)
		return;
	if (s >= t->rcv_nxt && !t->got[s]) {
		t->got[s] = 1;
		if (s == t->rcv_nxt) {
			while (t->rcv_nxt < t->nseg && t->got[t->rcv_nxt])
				t->rcv_nxt++;
			while (drop < t->nrg && t->rg[drop].a < t->rcv_nxt)
				drop++;
			memmove(t->rg, &t->rg[drop], (t->nrg - drop) * sizeof(*t->rg));
			t->nrg -= drop;
		} else {
			mine = rg_add(t, s);
		}
	} else if (s >= t->rcv_nxt) {
		for (i = 0; i < t->nrg; i++)
			if (s >= t->rg[i].a && s < t->rg[i].b)
				mine = i;
	}
	memset(ack, 0, sizeof(ack));
	ack[0] = 0x81;
	put32(ack + 4, t->rcv_nxt);
	put32(ack + 8, s);
	put32(ack + 12, SIM_TCP_ID | t->idx);
	memcpy(ack + 16, pkt + 16, 16); /* the segment's send time and order, echoed */
	/* SACK blocks: the segment's own first, then the highest others */
	if (mine != UINT32_MAX) {
		put32(ack + 32, t->rg[mine].a);
		put32(ack + 36, t->rg[mine].b);
		n++;
	}
	for (k = (int)t->nrg - 1; k >= 0 && n < MAX_SACK; k--) {
		if ((uint32_t)k == mine)
			continue;
		put32(ack + 32 + 8 * n, t->rg[k].a);
		put32(ack + 36 + 8 * n, t->rg[k].b);
		n++;
	}
	ack[1] = (uint8_t)n;
	t->stats.bytes_delivered = (uint64_t)t->rcv_nxt * SIM_TCP_MSS;
	if (t->stats.bytes_delivered > t->bytes)
		t->stats.bytes_delivered = t->bytes;
	t->push(t->arg, 1, ack, sizeof(ack));
	(void)now;
}

/* ---- congestion control ---- */

static double beta(const struct sim_tcp *t)
{
	return t->cc == SIM_TCP_CUBIC ? CUBIC_BETA : RENO_BETA;
}

/* Loss or timeout: ssthresh and the cubic's new plateau (RFC 9438, 4.6-4.7). */
static void congestion_event(struct sim_tcp *t)
{
	if (t->cc == SIM_TCP_CUBIC) {
		/* fast convergence: a flow that lost below its last plateau yields more */
		t->w_max = t->cwnd < t->w_max ? t->cwnd * (1 + CUBIC_BETA) / 2 : t->cwnd;
		t->epoch = 0;
	}
	t->ssthresh = t->cwnd * beta(t);
	if (t->ssthresh < 2)
		t->ssthresh = 2;
}

static void cubic_avoid(struct sim_tcp *t, uint32_t acked, uint64_t now)
{
	double tt, target, w_cubic, alpha;

	if (!t->epoch) {
		t->epoch = now;
		if (t->cwnd < t->w_max) {
			t->k = cbrt((t->w_max - t->cwnd) / CUBIC_C);
			t->origin = t->w_max;
		} else {
			t->k = 0;
			t->origin = t->cwnd;
		}
		t->w_est = t->cwnd;
	}
	/* the window one RTT from now (RFC 9438 4.2), at most 1.5 x cwnd */
	tt = (double)(now - t->epoch + t->min_rtt) / 1e9 - t->k;
	target = t->origin + CUBIC_C * tt * tt * tt;
	if (target > 1.5 * t->cwnd)
		target = 1.5 * t->cwnd;
	/* Reno-friendly estimate (4.3): AIMD with beta 0.7 grows by alpha a round */
	alpha = t->w_est < t->w_max ? 3 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA) : 1;
	t->w_est += alpha * acked / t->cwnd;
	tt = (double)(now - t->epoch) / 1e9 - t->k;
	w_cubic = t->origin + CUBIC_C * tt * tt * tt;
	if (w_cubic < t->w_est) {
		if (t->w_est > t->cwnd)
			t->cwnd = t->w_est;
	} else if (target > t->cwnd) {
		t->cwnd += (target - t->cwnd) / t->cwnd * acked;
	}
}

static void grow(struct sim_tcp *t, uint32_t acked, uint64_t now)
{
	if (t->recovery == 1 || !acked)
		return;
	if (t->cwnd < t->ssthresh) {
		double room = t->ssthresh - t->cwnd;

		if (acked <= room) {
			t->cwnd += acked;
			return;
		}
		t->cwnd = t->ssthresh;
		acked -= (uint32_t)room;
	}
	if (t->cc == SIM_TCP_CUBIC)
		cubic_avoid(t, acked, now);
	else
		t->cwnd += (double)acked / t->cwnd;
}

/* HyStart's delay test (Linux's hystart_detect HYSTART_DELAY) on an RTT sample. */
static void hystart(struct sim_tcp *t, uint64_t rtt)
{
	uint64_t thresh;

	if (t->hs_done || t->cwnd >= t->ssthresh || t->cwnd < HYSTART_LOW)
		return;
	if (t->una >= t->hs_round_end) {
		t->hs_round_end = t->nxt;
		t->hs_round_min = UINT64_MAX;
		t->hs_samples = 0;
	}
	if (t->hs_samples >= HYSTART_NSAMP)
		return;
	if (rtt < t->hs_round_min)
		t->hs_round_min = rtt;
	if (++t->hs_samples < HYSTART_NSAMP)
		return;
	thresh = t->min_rtt / 8;
	thresh = thresh < HYSTART_MIN ? HYSTART_MIN : thresh > HYSTART_MAX ? HYSTART_MAX : thresh;
	if (t->hs_round_min >= t->min_rtt + thresh) {
		t->ssthresh = t->cwnd;
		t->hs_done = 1;
		t->stats.hystart_exit = 1;
	}
}

static void rtt_sample(struct sim_tcp *t, uint64_t rtt)
{
	double r = (double)rtt, rto;

	if (!t->have_rtt) {
		t->srtt = r;
		t->rttvar = r / 2;
		t->have_rtt = 1;
		t->min_rtt = rtt;
	} else {
		t->rttvar = 0.75 * t->rttvar + 0.25 * fabs(t->srtt - r);
		t->srtt = 0.875 * t->srtt + 0.125 * r;
	}
	if (rtt < t->min_rtt)
		t->min_rtt = rtt;
	/* as Linux: the variance term is at least TCP_RTO_MIN */
	rto = t->srtt + (4 * t->rttvar > RTO_MIN_NS ? 4 * t->rttvar : RTO_MIN_NS);
	t->rto = rto > RTO_MAX_NS ? RTO_MAX_NS : (uint64_t)rto;
	if (t->cc != SIM_TCP_BBR)
		hystart(t, rtt);
}

/* ---- the sender's scoreboard ---- */

static uint32_t delivered(struct sim_tcp *t, uint32_t s)
{
	switch (t->st[s]) {
	case SEG_OUT:
	case SEG_RTX:
		t->pipe--;
		break;
	case SEG_LOST:
		t->nlost--;
		break;
	case SEG_DONE:
		return 0;
	default:
		break;
	}
	t->st[s] = SEG_DONE;
	return 1;
}

static void mark_lost(struct sim_tcp *t, uint32_t s)
{
	t->st[s] = SEG_LOST;
	t->pipe--;
	t->nlost++;
	t->lost_total++;
	if (s < t->lost_first)
		t->lost_first = s;
}

/*
 * RACK: a transmission sent before one that was delivered is lost (no
 * reordering on this link), once DUPTHRESH segments beyond the cumulative
 * ACK are SACKed or recovery has begun. Original transmissions go out in
 * sequence order and resends in the FIFO's order, so each is scanned once.
 */
static int detect_losses(struct sim_tcp *t)
{
	int found = 0;

	if (!t->recovery && t->sacked_above < DUPTHRESH)
		return 0;
	if (t->out_scan < t->una)
		t->out_scan = t->una;
	for (; t->out_scan < t->nxt; t->out_scan++) {
		uint32_t s = t->out_scan;

		if (t->st[s] != SEG_OUT)
			continue;
		if (t->xmit_no[s] >= t->rack_no)
			break;
		mark_lost(t, s);
		found = 1;
	}
	while (t->rtx_head != t->rtx_tail) {
		uint32_t s = t->rtx_fifo[t->rtx_head];

		if (t->st[s] == SEG_RTX) {
			/* a later entry for s is its newer resend: this one is stale then */
			if (t->xmit_no[s] >= t->rack_no)
				break;
			mark_lost(t, s);
			found = 1;
		}
		t->rtx_head++;
	}
	return found;
}

/* BBR on an ACK: the rate sample of segment rs_seg (UINT32_MAX: none), as tcp_rate.c. */
static void bbr_ack(struct sim_tcp *t, uint32_t acked, uint32_t rs_seg, uint64_t losses,
		    uint64_t rtt, uint64_t now)
{
	struct sim_bbr_ack a;

	memset(&a, 0, sizeof(a));
	a.now = now;
	a.acked = acked;
	a.losses = (uint32_t)losses;
	a.inflight = t->pipe;
	a.delivered = t->delivered;
	a.rtt = rtt;
	a.srtt = t->srtt;
	a.recovery = t->recovery;
	if (rs_seg != UINT32_MAX) {
		uint64_t snd = t->xmit_ns[rs_seg] - t->tx_first_ns[rs_seg];
		uint64_t ack = now - t->tx_dlv_ns[rs_seg];

		t->first_tx_ns = t->xmit_ns[rs_seg];
		a.rs_prior_delivered = t->tx_dlv[rs_seg];
		a.rs_delivered = t->delivered - t->tx_dlv[rs_seg];
		a.rs_interval = snd > ack ? snd : ack;
		/* shorter than the path's RTT: a burst's ACKs, not the bottleneck's rate */
		if (a.rs_interval < t->min_rtt)
			a.rs_interval = 0;
	}
	sim_bbr_on_ack(&t->bbr, &a);
	t->cwnd = t->bbr.cwnd;
}

static void recv_ack(struct sim_tcp *t, const uint8_t *pkt, uint32_t len, uint64_t now)
{
	uint32_t cum = get32(pkt + 4), nb = pkt[1], s, i, acked = 0, old_una = t->una;
	uint32_t rs_seg = get32(pkt + 8);
	uint64_t echo_ns = get64(pkt + 16), echo_no = get64(pkt + 24), lost0 = t->lost_total;
	int rs_fresh;

	if (len < SIM_TCP_ACK_LEN || nb > MAX_SACK || cum > t->nxt)
		return;
	/* the rate sample's segment: the one that triggered this ACK, if news */
	rs_fresh = rs_seg < t->nxt && t->st[rs_seg] != SEG_DONE && t->xmit_no[rs_seg] == echo_no;
	for (s = t->una; s < cum; s++) {
		if (t->st[s] == SEG_DONE)
			t->sacked_above--;
		else
			acked += delivered(t, s);
	}
	if (cum > t->una)
		t->una = cum;
	for (i = 0; i < nb; i++) {
		uint32_t a = get32(pkt + 32 + 8 * i), b = get32(pkt + 36 + 8 * i);

		if (a < t->una)
			a = t->una;
		if (b > t->nxt)
			b = t->nxt;
		for (s = a; s < b; s++)
			if (delivered(t, s)) {
				acked++;
				t->sacked_above++;
			}
	}
	if (acked) {
		t->delivered += acked;
		t->delivered_ns = now;
	}
	if (echo_ns && echo_ns <= now) {
		rtt_sample(t, now - echo_ns);
		if (now >= t->start_ns + 5 * LU2K_NS_PER_S) {
			t->qd_sum += (double)(now - echo_ns - t->min_rtt);
			t->qd_n++;
		}
	}
	if (echo_no > t->rack_no)
		t->rack_no = echo_no;
	if (t->recovery && t->una >= t->recover)
		t->recovery = 0;
	if (detect_losses(t) && !t->recovery) {
		/* fast recovery (RFC 6675): one reduction per window of data */
		if (t->cc != SIM_TCP_BBR) {
			congestion_event(t);
			t->cwnd = t->ssthresh;
		}
		t->recovery = 1;
		t->recover = t->nxt;
		t->stats.recoveries++;
	}
	if (t->cc == SIM_TCP_BBR)
		bbr_ack(t, acked, rs_fresh ? rs_seg : UINT32_MAX, t->lost_total - lost0,
			echo_ns && echo_ns <= now ? now - echo_ns : 0, now);
	else
		grow(t, acked, now);
	if (t->una > old_una) {
		/* RFC 6298 5.3: restart the timer on new data acknowledged */
		t->rto_at = t->una < t->nxt ? now + t->rto : 0;
		if (t->una == t->nseg && !t->stats.t_done)
			t->stats.t_done = now;
	}
	t->stats.bytes_acked = (uint64_t)t->una * SIM_TCP_MSS;
	if (t->stats.bytes_acked > t->bytes)
		t->stats.bytes_acked = t->bytes;
}

static void on_rto(struct sim_tcp *t, uint64_t now)
{
	uint32_t s;

	t->stats.rtos++;
	if (t->cc == SIM_TCP_BBR)
		sim_bbr_on_rto(&t->bbr);
	else
		congestion_event(t);
	t->cwnd = 1;
	for (s = t->una; s < t->nxt; s++)
		if (t->st[s] == SEG_OUT || t->st[s] == SEG_RTX)
			mark_lost(t, s);
	t->rtx_head = t->rtx_tail = 0;
	t->out_scan = t->nxt;
	t->recovery = 2;
	t->recover = t->nxt;
	t->hs_done = 1;
	t->rto = t->rto * 2 > RTO_MAX_NS ? RTO_MAX_NS : t->rto * 2;
	t->rto_at = now + t->rto;
}

static void send_seg(struct sim_tcp *t, uint32_t s, uint64_t now)
{
	uint8_t pkt[SIM_TCP_SEG_LEN];

	memset(pkt, 0, 32);
	pkt[0] = 0x01;
	put32(pkt + 4, s);
	put32(pkt + 12, SIM_TCP_ID | t->idx);
	t->xmit_ns[s] = now;
	t->xmit_no[s] = ++t->next_no;
	put64(pkt + 16, now);
	put64(pkt + 24, t->xmit_no[s]);
	memset(pkt + 32, 0, sizeof(pkt) - 32);
	if (!t->pipe)
		t->first_tx_ns = t->delivered_ns = now; /* tcp_rate.c: a new flight */
	t->tx_dlv[s] = t->delivered;
	t->tx_dlv_ns[s] = t->delivered_ns;
	t->tx_first_ns[s] = t->first_tx_ns;
	if (t->cc == SIM_TCP_BBR)
		t->next_send_ns = (t->next_send_ns > now ? t->next_send_ns : now) +
				  (uint64_t)(1e9 / t->bbr.pacing_rate);
	t->pipe++;
	t->stats.segs_sent++;
	if (!t->rto_at)
		t->rto_at = now + t->rto;
	t->push(t->arg, 0, pkt, sizeof(pkt));
}

static void resend(struct sim_tcp *t, uint32_t s, uint64_t now)
{
	if (t->rtx_tail == t->rtx_cap) {
		/* compact first, then grow */
		memmove(t->rtx_fifo, t->rtx_fifo + t->rtx_head,
			(t->rtx_tail - t->rtx_head) * sizeof(*t->rtx_fifo));
		t->rtx_tail -= t->rtx_head;
		t->rtx_head = 0;
		if (t->rtx_tail == t->rtx_cap) {
			uint32_t *n = realloc(t->rtx_fifo, 2 * t->rtx_cap * sizeof(*n));

			if (!n)
				abort();
			t->rtx_fifo = n;
			t->rtx_cap *= 2;
		}
	}
	t->rtx_fifo[t->rtx_tail++] = s;
	t->st[s] = SEG_RTX;
	t->nlost--;
	t->stats.retrans++;
	/* as Linux: resending the first unacknowledged segment restarts the timer */
	if (s == t->una)
		t->rto_at = now + t->rto;
	send_seg(t, s, now);
}

void sim_tcp_run(struct sim_tcp *t, uint64_t now)
{
	if (now < t->start_ns)
		return;
	t->started = 1;
	if (t->rto_at && now >= t->rto_at && t->una < t->nxt)
		on_rto(t, now);
	while (t->pipe < (uint32_t)t->cwnd) {
		if (t->cc == SIM_TCP_BBR && now < t->next_send_ns)
			break;
		if (t->nlost) {
			while (t->st[t->lost_first] != SEG_LOST)
				t->lost_first++;
			resend(t, t->lost_first, now);
		} else if (t->nxt < t->nseg) {
			t->st[t->nxt] = SEG_OUT;
			send_seg(t, t->nxt++, now);
		} else {
			break;
		}
	}
}

void sim_tcp_recv(struct sim_tcp *t, const uint8_t *pkt, uint32_t len, uint64_t now)
{
	if (len >= 32 && pkt[0] == 0x01)
		recv_data(t, pkt, now);
	else if (len >= SIM_TCP_ACK_LEN && pkt[0] == 0x81)
		recv_ack(t, pkt, len, now);
	sim_tcp_run(t, now);
}

uint64_t sim_tcp_next_deadline(const struct sim_tcp *t)
{
	uint64_t rto;

	if (!t->started)
		return t->start_ns;
	rto = t->rto_at && t->una < t->nxt ? t->rto_at : UINT64_MAX;
	/* BBR held back by pacing alone */
	if (t->cc == SIM_TCP_BBR && t->pipe < (uint32_t)t->cwnd && (t->nlost || t->nxt < t->nseg) &&
	    t->next_send_ns < rto)
		return t->next_send_ns;
	return rto;
}

int sim_tcp_done(const struct sim_tcp *t)
{
	return t->una == t->nseg && t->rcv_nxt == t->nseg;
}

void sim_tcp_get_stats(const struct sim_tcp *t, struct sim_tcp_stats *st)
{
	*st = t->stats;
	st->cwnd = t->cwnd;
	st->ssthresh = t->ssthresh;
	st->srtt_ms = t->srtt / 1e6;
	st->min_rtt_ms = (double)t->min_rtt / 1e6;
	st->qdelay_mean_ms = t->qd_n ? t->qd_sum / (double)t->qd_n / 1e6 : 0;
}
