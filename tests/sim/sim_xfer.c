// SPDX-License-Identifier: MIT
/*
 * sim_xfer.c - two UDT engines joined by two directions of the link
 * emulator's core, in simulated time (see sim_xfer.h).
 */
#include "sim_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The pattern: 64-bit word j of message i is pat_word(i, j), little-endian:
 * a different word for every message and place (a byte changed, a packet in
 * the wrong message or at the wrong offset shows), one multiply a word (it
 * was sim_mix's two: a fifth of test_sim_step's time went into the pattern).
 */
static inline uint64_t pat_word(uint32_t i, uint64_t j)
{
	return ((uint64_t)i + 1) * 0x9e3779b97f4a7c15ull ^ (j + 1) * 0xbf58476d1ce4e5b9ull;
}

static uint8_t pat_byte(uint32_t i, size_t k)
{
	return (uint8_t)(pat_word(i, k >> 3) >> ((k & 7) * 8));
}

static void pat_fill(uint32_t i, uint8_t *buf, size_t len)
{
	size_t k;

	for (k = 0; k + 8 <= len; k += 8) {
		uint64_t w = pat_word(i, k >> 3);

		memcpy(buf + k, &w, 8); /* x86: little-endian, as pat_byte reads it */
	}
	for (; k < len; k++)
		buf[k] = pat_byte(i, k);
}

static int pat_check(struct flow *w, uint32_t i, size_t off, const uint8_t *p, size_t len)
{
	size_t k;

	if ((off & 7) == 0 && len <= SIM_PKT) {
		size_t n = (len + 7) / 8, j;

		for (j = 0; j < n; j++)
			w->words[j] = pat_word(i, (off >> 3) + j);
		return memcmp(w->words, p, len) == 0;
	}
	for (k = 0; k < len; k++)
		if (p[k] != pat_byte(i, off + k))
			return 0;
	return 1;
}

#define PROBE  0x80000000u
#define ANSWER 0x40000000u /* the pattern of probe i's answer: ANSWER | i, after i itself */

/* probe_echo: the receiver answers probe i with its number and the pattern ANSWER | i */
static void answer(struct flow *w, uint32_t i)
{
	uint8_t buf[SIM_PKT];
	size_t len = w->s->probe_size;
	uint32_t no;

	if (len < 8 || len > sizeof(buf)) {
		w->bad++;
		return;
	}
	pat_fill(ANSWER | i, buf, len);
	memcpy(buf, &i, sizeof(i));
	if (udt_conn_send_msg(w->sv, buf, len, -1, 0, UDT_MSG_COPY, NULL, &no, w->net->now))
		w->bad++;
}

/* The sender gets an answer (probe_echo). */
static void on_answer(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	struct flow *w = ud;
	const uint8_t *p = iov[0].iov_base;
	uint32_t i;

	(void)msgno;
	if (n != 1 || len != w->s->probe_size || len < 8) {
		w->bad++;
		return;
	}
	memcpy(&i, p, sizeof(i));
	if (i >= w->nprobes || w->answer_got[i]++ || !pat_check(w, ANSWER | i, 4, p + 4, len - 4)) {
		w->bad++;
		return;
	}
	w->answer_ms[i] = (double)(w->net->now - w->probe_t[i]) / 1e6;
	w->answers++;
}

/* 1 and the message's index, 2 and the probe's, or 0 for a stranger. */
static int msg_index(struct flow *w, uint32_t msgno, uint32_t *idx)
{
	uint32_t i = msgno - w->first_msgno, v;

	if (!w->have_first || i >= w->nmsgs + SIM_MAX_PROBES || !(v = w->map[i]))
		return 0;
	*idx = (v & ~PROBE) - 1;
	return v & PROBE ? 2 : 1;
}

/* Message i: the prologue's first, then the bulk bytes in msg_size pieces. */
static size_t msg_len(const struct flow *w, uint32_t i)
{
	size_t off;

	if (i < w->nsparse)
		return w->s->sparse_size;
	off = (size_t)(i - w->nsparse) * w->s->msg_size;
	return w->s->bytes - off < w->s->msg_size ? w->s->bytes - off : w->s->msg_size;
}

static void on_recv(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	struct flow *w = ud;
	size_t off = 0, expect;
	uint32_t i;
	int k;

	switch (msg_index(w, msgno, &i)) {
	case 2:
		/* a probe: pattern number PROBE | i */
		if (w->probe_got[i]++ || len != w->s->probe_size || n != 1 ||
		    !pat_check(w, PROBE | i, 0, iov[0].iov_base, len))
			w->bad++;
		else
			w->probe_deliv_ms[i] = (double)(w->net->now - w->probe_t[i]) / 1e6;
		if (w->s->probe_echo)
			answer(w, i);
		return;
	case 1:
		if (!w->got[i]++)
			break;
		/* fall through */
	default:
		w->bad++;
		return;
	}
	expect = msg_len(w, i);
	for (k = 0; k < n; k++) {
		if (!pat_check(w, i, off, iov[k].iov_base, iov[k].iov_len)) {
			w->bad++;
			return;
		}
		off += iov[k].iov_len;
	}
	if (off != len || len != expect) {
		w->bad++;
		return;
	}
	if (i < w->nsparse)
		w->sp_ms[i] = (double)(w->net->now - w->t_q[i]) / 1e6;
	if (w->s->outage_ms) {
		uint64_t back = sim_outage_end_ns(w->s);

		if (w->t_q[i] < back && w->net->now >= back) {
			w->outage_waited = 1;
			if (w->net->now - back > w->outage_back_ns)
				w->outage_back_ns = w->net->now - back;
		}
	}
	w->delivered++;
	w->delivered_bytes += len;
	w->t_last_deliv = w->net->now;
	if (!w->t_half && w->delivered_bytes * 2 >= w->s->bytes + w->nsparse * w->s->sparse_size)
		w->t_half = w->net->now;
}

static void complete(struct flow *w, uint32_t msgno, void *cookie, int ok)
{
	uint32_t i = UINT32_MAX;

	free(cookie);
	switch (msg_index(w, msgno, &i)) {
	case 2:
		if (w->probe_done[i]++ || !ok) {
			w->bad++;
		} else {
			w->probe_ms[i] = (double)(w->net->now - w->probe_t[i]) / 1e6;
			w->probes_acked++;
		}
		return;
	case 1:
		if (!w->done[i]++)
			break;
		/* fall through */
	default:
		w->bad++;
	}
	if (ok)
		w->acked++;
	else
		w->dropped++;
	if (ok && i == w->nsparse && !w->t_first_done)
		w->t_first_done = w->net->now;
	w->t_last_ack = w->net->now;
}

static void on_acked(void *ud, uint32_t msgno, void *cookie)
{
	complete(ud, msgno, cookie, 1);
}

static void on_dropped(void *ud, uint32_t msgno, void *cookie, int err)
{
	(void)err;
	complete(ud, msgno, cookie, 0);
}

static void on_state_cl(void *ud, enum udt_state st, int err)
{
	struct flow *w = ud;

	(void)err;
	w->cl_state = (int)st;
	if (st == UDT_ST_CONNECTED)
		w->t_connected = w->net->now;
}

static const struct udt_callbacks cl_cbs = {
	.msg_recv = on_answer,
	.msg_acked = on_acked,
	.msg_dropped = on_dropped,
	.state_change = on_state_cl,
};

static const struct udt_callbacks sv_cbs = {
	.msg_recv = on_recv,
};

static void link_params(const struct sim_scenario *s, struct linkem_params *p)
{
	uint64_t q = s->queue_ms ? s->queue_ms : s->rtt_ms > 20 ? s->rtt_ms : 20;

	memset(p, 0, sizeof(*p));
	p->delay_ns = lu2k_time_ms_to_ns(s->rtt_ms) / 2;
	p->rate_bps = s->rate_bps;
	p->overhead = SIM_OVERHEAD;
	p->queue_ns = lu2k_time_ms_to_ns(q);
	if (s->outage_ms) {
		/* the clock starts at 1 s (sim_run), connecting takes about one RTT */
		p->n_outages = 1;
		p->outages[0].start_ns = sim_outage_start_ns(s);
		p->outages[0].len_ns = lu2k_time_ms_to_ns(s->outage_ms);
	}
	if (s->bursty && s->loss > 0) {
		/* simple Gilbert: bursts of 1 / r = 8 packets (or burst_pkts), mean loss s->loss */
		p->ge.on = true;
		p->ge.r = 1.0 / (s->burst_pkts ? s->burst_pkts : 8);
		p->ge.p = s->loss * p->ge.r / (1.0 - s->loss);
		p->ge.loss_bad = 1.0;
		p->ge.loss_good = 0.0;
	} else {
		p->loss = s->loss;
	}
}

static struct flow *flow_by_id(struct net *n, uint32_t id, int server)
{
	unsigned int i;

	for (i = 0; i < n->n; i++)
		if ((server ? n->f[i].sv_id : n->f[i].cl_id) == id)
			return &n->f[i];
	return NULL;
}

static uint32_t dst_id(const uint8_t *pkt, uint32_t len)
{
	if (len < 16)
		return 0;
	return (uint32_t)pkt[12] << 24 | (uint32_t)pkt[13] << 16 | (uint32_t)pkt[14] << 8 | pkt[15];
}

static void to_server(struct net *n, const uint8_t *pkt, uint32_t len)
{
	static const uint8_t addr[6] = { 10, 0, 0, 1, 0x12, 0x34 };
	uint8_t out[SIM_PKT];
	struct udt_hs hs;
	struct flow *f;
	size_t olen;
	int r;

	/* destination socket id 0: a connection request for the listener */
	if (len >= 16 && dst_id(pkt, len) == 0) {
		r = udt_listener_recv(&n->lis, pkt, len, addr, sizeof(addr), n->now, out,
				      sizeof(out), &olen, &hs);
		if (r == UDT_LISTEN_REPLY)
			linkem_dir_push(&n->ba, n->now, out, olen);
		if (r != UDT_LISTEN_ACCEPT)
			return;
		f = flow_by_id(n, hs.sock_id, 0);
		if (!f)
			return;
		if (!f->sv) {
			f->sv = udt_conn_accept(&n->cfg, &sv_cbs, f, f->sv_id, &hs, NULL, n->now);
			return;
		}
	} else {
		f = flow_by_id(n, dst_id(pkt, len), 1);
		if (f && f->t_first_data && !(pkt[0] & 0x80)) {
			uint64_t b = (n->now - f->t_first_data) / lu2k_time_ms_to_ns(100);

			if (b < SIM_RX_BINS)
				f->rx_bins[b]++;
		}
	}
	if (f && f->sv)
		udt_conn_recv_pkt(f->sv, pkt, len, n->now);
}

/* the link is down (sim_scenario's outage; the clock starts at 1 s) */
static int in_outage(const struct sim_scenario *s, uint64_t now)
{
	return s->outage_ms && now >= sim_outage_start_ns(s) && now < sim_outage_end_ns(s);
}

static void flush(struct net *n, int run_a, int run_b)
{
	uint8_t buf[SIM_PKT];
	unsigned int i;
	size_t k;

	for (i = 0; i < n->n; i++) {
		struct flow *f = &n->f[i];

		while (run_a && f->cl &&
		       (k = udt_conn_write_pkt(f->cl, buf, sizeof(buf), n->now))) {
			if (!f->t_first_data && !(buf[0] & 0x80))
				f->t_first_data = n->now;
			if (f->outage_count && !(buf[0] & 0x80) && in_outage(f->s, n->now)) {
				uint32_t seq = ((uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
						(uint32_t)buf[2] << 8 | buf[3]) &
					       SIM_SEQ_MASK;

				f->outage_sends++;
				if (f->outage_count[seq] < 255)
					f->outage_count[seq]++;
				if (f->outage_count[seq] > f->outage_max_repeat)
					f->outage_max_repeat = f->outage_count[seq];
			}
			linkem_dir_push(&n->ab, n->now, buf, k);
		}
		while (run_b && f->sv && (k = udt_conn_write_pkt(f->sv, buf, sizeof(buf), n->now)))
			linkem_dir_push(&n->ba, n->now, buf, k);
	}
	for (i = 0; run_a && i < n->ntcp; i++)
		sim_tcp_run(n->tcp[i], n->now);
}

/* sim_tcp's packets into the link */
static void tcp_push(void *arg, int dir, const uint8_t *pkt, uint32_t len)
{
	struct net *n = arg;

	linkem_dir_push(dir ? &n->ba : &n->ab, n->now, pkt, len);
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* An event of side `side` due at t happens when that side runs again. */
static uint64_t when_runs(const struct net *n, int side, uint64_t t)
{
	uint64_t e;

	if (t == UINT64_MAX)
		return t;
	e = sim_stall_end(n->s, side, t);
	return e ? e : t;
}

/* Is side `side` scheduled now? */
static int runs(const struct net *n, int side)
{
	return !sim_stall_end(n->s, side, n->now);
}

/* One event; 0 when nothing will ever happen again. */
static int step(struct net *n)
{
	struct linkem_pkt *p;
	uint64_t ta, tb, t;
	unsigned int i;
	int run_a, run_b, k;

	flush(n, runs(n, 0), runs(n, 1));
	/* side A: the clients (senders) and what reaches them; side B: the servers */
	ta = linkem_dir_next_deadline(&n->ba);
	tb = linkem_dir_next_deadline(&n->ab);
	for (i = 0; i < n->n; i++) {
		struct flow *f = &n->f[i];

		if (f->next_feed > n->now)
			ta = min64(ta, f->next_feed);
		if (f->next_probe > n->now)
			ta = min64(ta, f->next_probe);
		if (f->cl)
			ta = min64(ta, udt_conn_next_deadline(f->cl));
		else
			ta = min64(ta, f->start_ns);
		if (f->sv)
			tb = min64(tb, udt_conn_next_deadline(f->sv));
	}
	for (i = 0; i < n->ntcp; i++)
		ta = min64(ta, sim_tcp_next_deadline(n->tcp[i]));
	t = min64(when_runs(n, 0, ta), when_runs(n, 1, tb));
	if (n->next_cross)
		t = min64(t, n->next_cross);
	if (t == UINT64_MAX)
		return 0;
	if (t > n->now)
		n->now = t;
	run_a = runs(n, 0);
	run_b = runs(n, 1);
	while (n->next_cross && n->next_cross <= n->now) {
		uint8_t junk[1500 - SIM_OVERHEAD];

		memset(junk, 0, sizeof(junk));
		junk[12] = SIM_CROSS_ID >> 24;
		junk[13] = (SIM_CROSS_ID >> 16) & 0xff;
		junk[14] = (SIM_CROSS_ID >> 8) & 0xff;
		junk[15] = SIM_CROSS_ID & 0xff;
		linkem_dir_push(&n->ab, n->now, junk, sizeof(junk));
		n->next_cross += 1500ull * 8 * 1000 / n->s->cross_mbps;
	}
	while (run_b && (p = linkem_dir_pop(&n->ab, n->now))) {
		if (n->s->qdelay_from_ms && p->len > 0 && !(p->data[0] & 0x80) &&
		    p->deliver_ns >= LU2K_NS_PER_S + lu2k_time_ms_to_ns(n->s->qdelay_from_ms)) {
			/*
			 * time in the link beyond the delay and its own wire time,
			 * at the rate it left at (a step's, test_sim_step)
			 */
			uint64_t left = p->deliver_ns - n->ab.p.delay_ns;
			uint64_t rate = linkem_rate_at(&n->ab.p, left ? left - 1 : 0);
			uint64_t wire = rate ? (uint64_t)(p->len + n->ab.p.overhead) * 8 *
							LU2K_NS_PER_S / rate
					     : 0;
			uint64_t in = p->deliver_ns - p->sent_ns - n->ab.p.delay_ns;
			/* (a packet the step caught on the wire took less) */
			uint64_t q = in > wire ? in - wire : 0;

			n->qd[lu2k_time_ns_to_ms(q) < SIM_QD_BINS ? lu2k_time_ns_to_ms(q)
								  : SIM_QD_BINS]++;
		}
		if ((k = sim_tcp_dst(p->data, p->len)) >= 0) {
			if ((unsigned int)k < n->ntcp)
				sim_tcp_recv(n->tcp[k], p->data, p->len, n->now);
		} else if (dst_id(p->data, p->len) != SIM_CROSS_ID) {
			to_server(n, p->data, p->len);
		}
		linkem_pkt_free(p);
	}
	while (run_a && (p = linkem_dir_pop(&n->ba, n->now))) {
		struct flow *f = flow_by_id(n, dst_id(p->data, p->len), 0);

		if ((k = sim_tcp_dst(p->data, p->len)) >= 0 && (unsigned int)k < n->ntcp)
			sim_tcp_recv(n->tcp[k], p->data, p->len, n->now);
		else if (f && f->cl)
			udt_conn_recv_pkt(f->cl, p->data, p->len, n->now);
		linkem_pkt_free(p);
	}
	for (i = 0; i < n->n; i++) {
		struct flow *f = &n->f[i];

		if (run_a && f->cl && udt_conn_next_deadline(f->cl) <= n->now)
			udt_conn_handle_timers(f->cl, n->now);
		if (run_b && f->sv && udt_conn_next_deadline(f->sv) <= n->now)
			udt_conn_handle_timers(f->sv, n->now);
	}
	return 1;
}

/* Queues message i (a probe if probe), with its pattern; 0 or -1. */
static int queue_one(struct flow *w, uint32_t i, size_t len, int probe)
{
	uint32_t msgno, slot;
	uint8_t *buf;

	/* the bulk bytes leave room for the probes */
	if (udt_conn_send_space(w->cl) < len + (!probe && w->s->probe_every_ms ? 65536 : 0))
		return -1;
	buf = malloc(len);
	if (!buf)
		return -1;
	pat_fill(probe ? PROBE | i : i, buf, len);
	if (udt_conn_send_msg(w->cl, buf, len, -1, 0, 0, buf, &msgno, w->net->now)) {
		free(buf);
		w->bad++;
		return -1;
	}
	if (!w->have_first) {
		w->first_msgno = msgno;
		w->have_first = 1;
	}
	slot = msgno - w->first_msgno;
	if (slot >= w->nmsgs + SIM_MAX_PROBES || w->map[slot])
		w->bad++;
	else
		w->map[slot] = (i + 1) | (probe ? PROBE : 0);
	if (!probe)
		w->t_q[i] = w->net->now;
	return 0;
}

/* A probe every probe_every_ms while bulk bytes are still to be sent. */
static void feed_probe(struct flow *w)
{
	uint64_t now = w->net->now;

	if (!w->s->probe_every_ms || !w->t_bulk || w->nprobes >= SIM_MAX_PROBES ||
	    w->delivered == w->nmsgs)
		return;
	if (!w->next_probe)
		w->next_probe = w->t_bulk + lu2k_time_ms_to_ns(w->s->probe_every_ms);
	if (now < w->next_probe)
		return;
	if (queue_one(w, w->nprobes, w->s->probe_size, 1))
		return;
	w->probe_t[w->nprobes++] = now;
	w->next_probe = now + lu2k_time_ms_to_ns(w->s->probe_every_ms);
}

static void feed(struct flow *w)
{
	uint64_t now = w->net->now;

	while (w->next < w->nmsgs) {
		size_t len = msg_len(w, w->next);

		w->next_feed = 0;
		if (w->nsparse && w->next <= w->nsparse) {
			/* the prologue's pace; the bulk bytes start one interval after the last */
			uint32_t burst = w->s->sparse_burst ? w->s->sparse_burst : 1;
			uint64_t due =
				w->t_connected + (uint64_t)(w->next / burst) *
							 lu2k_time_ms_to_ns(w->s->sparse_every_ms);

			if (now < due) {
				w->next_feed = due;
				return;
			}
		}
		if (w->next == w->nsparse && !w->t_bulk) {
			w->t_bulk = now;
			udt_conn_get_stats(w->cl, &w->at_bulk);
		}
		if (w->s->pause_at && w->next == w->nsparse + w->s->pause_at && !w->t_resume) {
			/* the pause counts from the last completion before it */
			if (w->acked + w->dropped < w->next) {
				w->next_feed = now + LU2K_NS_PER_MS;
				return;
			}
			if (!w->t_idle)
				w->t_idle = now;
			if (now < w->t_idle + lu2k_time_ms_to_ns(w->s->pause_ms)) {
				w->next_feed = w->t_idle + lu2k_time_ms_to_ns(w->s->pause_ms);
				return;
			}
			w->t_resume = now;
			udt_conn_get_stats(w->cl, &w->at_resume);
		}
		if (queue_one(w, w->next, len, 0))
			return;
		w->next++;
	}
}

static void trace_line(struct flow *w)
{
	struct net *n = w->net;
	struct udt_stats st;

	udt_conn_get_stats(w->cl, &st);
	fprintf(stderr,
		"T%u %8.3f rtt %7d rate %5d bw %5d period %7.1f cwnd %6.0f "
		"infl %5u held %5zu deliv %6.1f MB loss %llu qd %llu exp %llu fw %d\n",
		(unsigned int)(w - n->f), (double)(n->now - n->f[0].t_connected) / 1e9, st.rtt_us,
		st.rcv_rate_pps, st.bandwidth_pps, st.pkt_snd_period_us, st.cwnd, st.inflight,
		linkem_dir_held(&n->ab), (double)w->delivered_bytes / 1e6,
		(unsigned long long)linkem_dir_counters(&n->ab)->lost_pkts,
		(unsigned long long)linkem_dir_counters(&n->ab)->drop_queue,
		(unsigned long long)st.timeouts, st.flow_window);
}

static int all_finished(struct net *n)
{
	unsigned int i;

	for (i = 0; i < n->n; i++)
		if (!sim_flow_finished(&n->f[i]))
			return 0;
	for (i = 0; i < n->ntcp; i++)
		if (!sim_tcp_done(n->tcp[i]))
			return 0;
	return 1;
}

/* A flow's payload bytes acknowledged so far (0 before it connects). */
static uint64_t tcp_acked(const struct sim_tcp *t)
{
	struct sim_tcp_stats st;

	sim_tcp_get_stats(t, &st);
	return st.bytes_acked;
}

static uint64_t bytes_acked(const struct flow *w)
{
	struct udt_stats st;

	if (!w->cl)
		return 0;
	udt_conn_get_stats(w->cl, &st);
	return st.bytes_acked;
}

/*
 * share_from_ms: the bytes each flow had acknowledged when all ran, and when
 * the first one had all its messages.
 */
static void share_watch(struct net *n)
{
	uint64_t last = n->n ? n->f[n->n - 1].start_ns : 0;
	unsigned int i, j, done = 0;

	if (!n->s->share_from_ms || n->share_t1)
		return;
	for (i = 0; i < n->ntcp; i++)
		if (n->tcp_start[i] > last)
			last = n->tcp_start[i];
	if (!n->share_t0 && n->now >= last + lu2k_time_ms_to_ns(n->s->share_from_ms)) {
		n->share_t0 = n->now;
		for (i = 0; i < n->n; i++)
			n->share_b0[i] = bytes_acked(&n->f[i]);
		for (i = 0; i < n->ntcp; i++)
			n->share_tb0[i] = tcp_acked(n->tcp[i]);
	}
	if (!n->share_t0)
		return;
	for (i = 0; i < n->n; i++)
		done |= sim_flow_finished(&n->f[i]);
	for (i = 0; i < n->ntcp; i++)
		done |= sim_tcp_done(n->tcp[i]);
	if (!done)
		return;
	n->share_t1 = n->now;
	for (j = 0; j < n->n; j++)
		n->share_b1[j] = bytes_acked(&n->f[j]);
	for (j = 0; j < n->ntcp; j++)
		n->share_tb1[j] = tcp_acked(n->tcp[j]);
}

static void tcp_result(struct net *n, unsigned int i, struct sim_tcp_result *r)
{
	struct sim_tcp_stats st;
	uint64_t end;

	sim_tcp_get_stats(n->tcp[i], &st);
	memset(r, 0, sizeof(*r));
	r->complete = sim_tcp_done(n->tcp[i]);
	end = st.t_done ? st.t_done : n->now;
	r->sim_s = end > n->tcp_start[i] ? (double)(end - n->tcp_start[i]) / 1e9 : 0;
	if (r->sim_s > 0)
		r->goodput_mbps = (double)st.bytes_acked * 8 / r->sim_s / 1e6;
	r->retrans = st.retrans;
	r->rtos = st.rtos;
	r->recoveries = st.recoveries;
	r->cwnd = st.cwnd;
	r->srtt_ms = st.srtt_ms;
	r->min_rtt_ms = st.min_rtt_ms;
	r->hystart_exit = st.hystart_exit;
	r->qdelay_mean_ms = st.qdelay_mean_ms;
	if (n->share_t1 > n->share_t0 && n->share_t0) {
		r->share_s = (double)(n->share_t1 - n->share_t0) / 1e9;
		r->share_mbps = (double)(n->share_tb1[i] - n->share_tb0[i]) * 8 / r->share_s / 1e6;
	}
}

int sim_run_mixed(const struct sim_scenario *s, unsigned int nflows, uint64_t gap_ms,
		  struct sim_result *r, struct sim_tcp_result *tr)
{
	static const uint8_t key[16] = "lu2k-sim-key-001";
	uint64_t end, next_trace = 0;
	struct linkem_params lp;
	unsigned int i;
	struct net *n;
	int trace, err = -ENOMEM;

	if ((!s->bytes && !s->sparse_s) || !s->msg_size || (nflows == 0 && !s->tcp_flows) ||
	    nflows > SIM_MAX_FLOWS || s->tcp_flows > SIM_MAX_TCP || (s->tcp_flows && !tr) ||
	    sim_tcp_cc_by_name(s->tcp_cc) < 0)
		return -EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->s = s;
	n->n = nflows;
	n->now = LU2K_NS_PER_S;
	link_params(s, &lp);
	if (s->step_ms) {
		/* the data direction only (a modem's downlink); the clock starts at 1 s */
		lp.n_steps = 1;
		lp.steps[0] =
			(struct linkem_step){ .start_ns = lu2k_time_ms_to_ns(1000 + s->step_at_ms),
					      .len_ns = lu2k_time_ms_to_ns(s->step_ms),
					      .rate_bps = s->step_bps };
	}
	if (linkem_dir_init(&n->ab, &lp, s->seed * 2 + 1)) {
		free(n);
		return -ENOMEM;
	}
	lp.jitter_ns = lu2k_time_ms_to_ns(s->ack_jitter_ms);
	lp.n_steps = 0;
	if (linkem_dir_init(&n->ba, &lp, s->seed * 2 + 2)) {
		linkem_dir_destroy(&n->ab);
		free(n);
		return -ENOMEM;
	}
	udt_config_default(&n->cfg);
	n->cfg.cc = s->cc;
	n->cfg.init_rate_pps = s->path_rate_pps;
	n->cfg.nest_small = s->nest_small;
	n->cfg.fec = s->fec;
	/* as lu2kd's udt back-end: the first RTT guess from the handshake */
	n->cfg.rtt_from_handshake = 1;
	/* and its capacity probe before the final request (SIM_NO_PROBE=1: none) */
	n->cfg.probe_train = getenv("SIM_NO_PROBE") ? 0 : UDT_PROBE_TRAIN;
	/* and its pacing catch-up after a late timer */
	n->cfg.pacing_burst_ns = s->pacing_burst_ns ? s->pacing_burst_ns : lu2k_time_ms_to_ns(2);
	udt_listener_init(&n->lis, key, n->cfg.sock_type, n->cfg.mss, (int32_t)n->cfg.flight_max);
	for (i = 0; i < nflows; i++) {
		struct flow *f = &n->f[i];

		f->net = n;
		f->s = s;
		f->cl_id = 0x1234567 + i;
		f->sv_id = 0x2345678 + i;
		f->start_ns = n->now + i * lu2k_time_ms_to_ns(gap_ms);
		if (s->sparse_s && s->sparse_every_ms && s->sparse_size)
			f->nsparse = (uint32_t)(s->sparse_s * 1000 / s->sparse_every_ms) *
				     (s->sparse_burst ? s->sparse_burst : 1);
		f->nmsgs = f->nsparse + (uint32_t)((s->bytes + s->msg_size - 1) / s->msg_size);
		f->done = calloc(f->nmsgs, 1);
		f->got = calloc(f->nmsgs, 1);
		f->map = calloc(f->nmsgs + SIM_MAX_PROBES, sizeof(*f->map));
		f->t_q = calloc(f->nmsgs, sizeof(*f->t_q));
		f->sp_ms = calloc(f->nsparse + 1, sizeof(*f->sp_ms));
		if (!f->done || !f->got || !f->map || !f->t_q || !f->sp_ms)
			goto out;
		if (s->outage_ms && !(f->outage_count = calloc(SIM_SEQ_MASK + 1, 1)))
			goto out;
	}
	for (i = 0; i < s->tcp_flows; i++) {
		n->tcp_start[i] = n->now + lu2k_time_ms_to_ns(s->tcp_at_ms + i * gap_ms);
		n->tcp[i] = sim_tcp_new(i, (enum sim_tcp_cc)sim_tcp_cc_by_name(s->tcp_cc),
					s->tcp_bytes ? s->tcp_bytes : s->bytes, n->tcp_start[i],
					tcp_push, n);
		if (!n->tcp[i])
			goto out;
		n->ntcp++;
	}
	if (s->cross_mbps)
		n->next_cross = n->now + lu2k_time_ms_to_ns(s->cross_at_ms);
	end = n->now + lu2k_time_s_to_ns(s->limit_s);
	trace = getenv("SIM_TRACE") != NULL;
	while (n->now < end && !all_finished(n)) {
		for (i = 0; i < nflows; i++) {
			struct flow *f = &n->f[i];

			if (!f->cl && n->now >= f->start_ns) {
				/* wrap-around of the sequence numbers within the transfer */
				f->cl = udt_conn_connect(&n->cfg, &cl_cbs, f, f->cl_id,
							 0x7ffffff0u - 5000 + i * 1000000u, NULL,
							 n->now);
				if (!f->cl)
					goto out;
			}
			if (trace && n->now >= next_trace && f->cl_state == UDT_ST_CONNECTED)
				trace_line(f);
			if (f->cl_state == UDT_ST_CONNECTED && runs(n, 0)) {
				feed_probe(f);
				feed(f);
			}
		}
		if (trace && n->now >= next_trace && n->f[0].cl_state == UDT_ST_CONNECTED)
			next_trace = n->now + lu2k_time_ms_to_ns(100);
		if (!step(n))
			break;
		share_watch(n);
		if (s->step_ms && !n->step_begun && n->now >= sim_step_start_ns(s)) {
			n->qdrops_at_step = linkem_dir_counters(&n->ab)->drop_queue;
			n->step_begun = 1;
		}
	}
	if (getenv("SIM_BINS"))
		for (i = 0; i < nflows; i++)
			sim_fig_bins(&n->f[i]);
	for (i = 0; i < nflows; i++) {
		sim_fig_result(&n->f[i], &r[i]);
		sim_fig_qdelay(n, &r[i]);
		sim_fig_probes(&n->f[i], &r[i]);
		sim_fig_start(&n->f[i], &r[i]);
		sim_fig_step_all(n, &r[i]);
		if (n->share_t1 > n->share_t0 && n->share_t0) {
			r[i].share_s = (double)(n->share_t1 - n->share_t0) / 1e9;
			r[i].share_mbps =
				(double)(n->share_b1[i] - n->share_b0[i]) * 8 / r[i].share_s / 1e6;
		}
	}
	for (i = 0; i < n->ntcp; i++)
		tcp_result(n, i, &tr[i]);
	err = 0;
out:
	for (i = 0; i < nflows; i++) {
		udt_conn_free(n->f[i].cl);
		udt_conn_free(n->f[i].sv);
		free(n->f[i].done);
		free(n->f[i].got);
		free(n->f[i].map);
		free(n->f[i].t_q);
		free(n->f[i].sp_ms);
		free(n->f[i].outage_count);
	}
	for (i = 0; i < n->ntcp; i++)
		sim_tcp_free(n->tcp[i]);
	linkem_dir_destroy(&n->ab);
	linkem_dir_destroy(&n->ba);
	free(n);
	return err;
}

int sim_run_shared(const struct sim_scenario *s, unsigned int nflows, uint64_t gap_ms,
		   struct sim_result *r)
{
	return sim_run_mixed(s, nflows, gap_ms, r, NULL);
}

int sim_run(const struct sim_scenario *s, struct sim_result *r)
{
	return sim_run_shared(s, 1, 0, r);
}
