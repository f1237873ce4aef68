// SPDX-License-Identifier: MIT
/*
 * sim_xfer.c - two UDT engines joined by two directions of the link
 * emulator's core, in simulated time (see sim_xfer.h).
 */
#include "sim_xfer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_PKT	     2048
#define SIM_OVERHEAD 28 /* IPv4 + UDP header bytes per packet on the wire */

struct sim {
	const struct sim_scenario *s;
	struct linkem_dir ab, ba; /* client -> server, server -> client */
	struct udt_listener lis;
	struct udt_config cfg;
	struct udt_conn *cl, *sv;
	uint64_t now;
	int cl_state;

	/* sender */
	uint32_t nmsgs, next, first_msgno;
	int have_first;
	uint8_t *done; /* completions per message */
	uint64_t acked, dropped, bad;
	uint64_t t_connected, t_last_ack;

	/* receiver */
	uint8_t *got;
	uint64_t delivered, delivered_bytes, t_last_deliv, t_half;
	uint64_t words[SIM_PKT / 8 + 1];
};

int sim_selected(unsigned int i)
{
	const char *e = getenv("SIM_ONLY");

	return !e || !*e || strtoul(e, NULL, 10) == i;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The pattern: 64-bit word j of message i is mix(i << 32 | j), little-endian. */
static uint8_t pat_byte(uint32_t i, size_t k)
{
	return (uint8_t)(mix((uint64_t)i << 32 | (k >> 3)) >> ((k & 7) * 8));
}

static void pat_fill(uint32_t i, uint8_t *buf, size_t len)
{
	size_t k;

	for (k = 0; k + 8 <= len; k += 8) {
		uint64_t w = mix((uint64_t)i << 32 | (k >> 3));

		memcpy(buf + k, &w, 8); /* x86: little-endian, as pat_byte reads it */
	}
	for (; k < len; k++)
		buf[k] = pat_byte(i, k);
}

static int pat_check(struct sim *w, uint32_t i, size_t off, const uint8_t *p, size_t len)
{
	size_t k;

	if ((off & 7) == 0 && len <= SIM_PKT) {
		size_t n = (len + 7) / 8, j;

		for (j = 0; j < n; j++)
			w->words[j] = mix((uint64_t)i << 32 | ((off >> 3) + j));
		return memcmp(w->words, p, len) == 0;
	}
	for (k = 0; k < len; k++)
		if (p[k] != pat_byte(i, off + k))
			return 0;
	return 1;
}

static int msg_index(struct sim *w, uint32_t msgno, uint32_t *idx)
{
	uint32_t i = msgno - w->first_msgno;

	if (!w->have_first || i >= w->nmsgs)
		return 0;
	*idx = i;
	return 1;
}

static void on_recv(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	struct sim *w = ud;
	size_t off = 0, expect;
	uint32_t i;
	int k;

	if (!msg_index(w, msgno, &i) || w->got[i]++) {
		w->bad++;
		return;
	}
	expect = w->s->msg_size;
	if ((size_t)(i + 1) * w->s->msg_size > w->s->bytes)
		expect = w->s->bytes - (size_t)i * w->s->msg_size;
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
	w->delivered++;
	w->delivered_bytes += len;
	w->t_last_deliv = w->now;
	if (!w->t_half && w->delivered_bytes * 2 >= w->s->bytes)
		w->t_half = w->now;
}

static void complete(struct sim *w, uint32_t msgno, void *cookie, int ok)
{
	uint32_t i;

	free(cookie);
	if (!msg_index(w, msgno, &i) || w->done[i]++)
		w->bad++;
	if (ok)
		w->acked++;
	else
		w->dropped++;
	w->t_last_ack = w->now;
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
	struct sim *w = ud;

	(void)err;
	w->cl_state = (int)st;
	if (st == UDT_ST_CONNECTED)
		w->t_connected = w->now;
}

static const struct udt_callbacks cl_cbs = {
	.msg_acked = on_acked,
	.msg_dropped = on_dropped,
	.state_change = on_state_cl,
};

static const struct udt_callbacks sv_cbs = {
	.msg_recv = on_recv,
};

double sim_capacity_mbps(const struct sim_scenario *s)
{
	double payload = 1500 - SIM_OVERHEAD - 16 - 0.0; /* mss - IP/UDP - UDT header */

	return (double)s->rate_bps / 1e6 * (1.0 - s->loss) * payload / 1500.0;
}

static void link_params(const struct sim_scenario *s, struct linkem_params *p)
{
	uint64_t q = s->queue_ms ? s->queue_ms : s->rtt_ms > 20 ? s->rtt_ms : 20;

	memset(p, 0, sizeof(*p));
	p->delay_ns = s->rtt_ms * 1000000ull / 2;
	p->rate_bps = s->rate_bps;
	p->overhead = SIM_OVERHEAD;
	p->queue_ns = q * 1000000ull;
	if (s->outage_ms) {
		/* the clock starts at 1 s (sim_run), connecting takes about one RTT */
		p->n_outages = 1;
		p->outages[0].start_ns = (1000 + s->outage_at_ms) * 1000000ull;
		p->outages[0].len_ns = s->outage_ms * 1000000ull;
	}
	if (s->bursty && s->loss > 0) {
		/* simple Gilbert: bursts of 1 / r = 8 packets, mean loss s->loss */
		p->ge.on = true;
		p->ge.r = 1.0 / 8;
		p->ge.p = s->loss * p->ge.r / (1.0 - s->loss);
		p->ge.loss_bad = 1.0;
		p->ge.loss_good = 0.0;
	} else {
		p->loss = s->loss;
	}
}

static void to_server(struct sim *w, const uint8_t *pkt, uint32_t len)
{
	static const uint8_t addr[6] = { 10, 0, 0, 1, 0x12, 0x34 };
	uint8_t out[SIM_PKT];
	struct udt_hs hs;
	size_t olen;
	int r;

	/* destination socket id 0: a connection request for the listener */
	if (len >= 16 && !pkt[12] && !pkt[13] && !pkt[14] && !pkt[15]) {
		r = udt_listener_recv(&w->lis, pkt, len, addr, sizeof(addr), w->now, out,
				      sizeof(out), &olen, &hs);
		if (r == UDT_LISTEN_REPLY)
			linkem_dir_push(&w->ba, w->now, out, olen);
		if (r != UDT_LISTEN_ACCEPT)
			return;
		if (!w->sv) {
			w->sv = udt_conn_accept(&w->cfg, &sv_cbs, w, 0x2345678, &hs, NULL, w->now);
			return;
		}
	}
	if (w->sv)
		udt_conn_recv_pkt(w->sv, pkt, len, w->now);
}

static void flush(struct sim *w)
{
	uint8_t buf[SIM_PKT];
	size_t n;

	while ((n = udt_conn_write_pkt(w->cl, buf, sizeof(buf), w->now)))
		linkem_dir_push(&w->ab, w->now, buf, n);
	while (w->sv && (n = udt_conn_write_pkt(w->sv, buf, sizeof(buf), w->now)))
		linkem_dir_push(&w->ba, w->now, buf, n);
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* One event; 0 when nothing will ever happen again. */
static int step(struct sim *w)
{
	struct linkem_pkt *p;
	uint64_t t;

	flush(w);
	t = udt_conn_next_deadline(w->cl);
	if (w->sv)
		t = min64(t, udt_conn_next_deadline(w->sv));
	t = min64(t, linkem_dir_next_deadline(&w->ab));
	t = min64(t, linkem_dir_next_deadline(&w->ba));
	if (t == UINT64_MAX)
		return 0;
	if (t > w->now)
		w->now = t;
	while ((p = linkem_dir_pop(&w->ab, w->now))) {
		to_server(w, p->data, p->len);
		linkem_pkt_free(p);
	}
	while ((p = linkem_dir_pop(&w->ba, w->now))) {
		udt_conn_recv_pkt(w->cl, p->data, p->len, w->now);
		linkem_pkt_free(p);
	}
	if (udt_conn_next_deadline(w->cl) <= w->now)
		udt_conn_handle_timers(w->cl, w->now);
	if (w->sv && udt_conn_next_deadline(w->sv) <= w->now)
		udt_conn_handle_timers(w->sv, w->now);
	return 1;
}

static size_t msg_len(const struct sim *w, uint32_t i)
{
	size_t off = (size_t)i * w->s->msg_size;

	return w->s->bytes - off < w->s->msg_size ? w->s->bytes - off : w->s->msg_size;
}

static void feed(struct sim *w)
{
	while (w->next < w->nmsgs) {
		size_t len = msg_len(w, w->next);
		uint32_t msgno;
		uint8_t *buf;

		if (udt_conn_send_space(w->cl) < len)
			return;
		buf = malloc(len);
		if (!buf)
			return;
		pat_fill(w->next, buf, len);
		if (udt_conn_send_msg(w->cl, buf, len, -1, 0, 0, buf, &msgno, w->now)) {
			free(buf);
			w->bad++;
			return;
		}
		if (!w->have_first) {
			w->first_msgno = msgno;
			w->have_first = 1;
		}
		if (msgno - w->first_msgno != w->next)
			w->bad++;
		w->next++;
	}
}

static int finished(const struct sim *w)
{
	return w->acked + w->dropped == w->nmsgs && w->delivered == w->nmsgs;
}

int sim_run(const struct sim_scenario *s, struct sim_result *r)
{
	static const uint8_t key[16] = "lu2k-sim-key-001";
	struct linkem_params lp;
	uint64_t end, next_trace = 0;
	struct sim *w;
	int trace;
	double dt;

	memset(r, 0, sizeof(*r));
	if (!s->bytes || !s->msg_size)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->s = s;
	w->nmsgs = (uint32_t)((s->bytes + s->msg_size - 1) / s->msg_size);
	w->done = calloc(w->nmsgs, 1);
	w->got = calloc(w->nmsgs, 1);
	link_params(s, &lp);
	if (!w->done || !w->got || linkem_dir_init(&w->ab, &lp, s->seed * 2 + 1) ||
	    linkem_dir_init(&w->ba, &lp, s->seed * 2 + 2)) {
		free(w->done);
		free(w->got);
		free(w);
		return -ENOMEM;
	}
	udt_config_default(&w->cfg);
	w->cfg.cc = s->cc;
	/* as lu2kd's udt back-end: the first RTT guess from the handshake */
	w->cfg.rtt_from_handshake = 1;
	udt_listener_init(&w->lis, key, w->cfg.sock_type, w->cfg.mss, (int32_t)w->cfg.flight_max);
	w->now = 1000000000ull;
	w->cl = udt_conn_connect(&w->cfg, &cl_cbs, w, 0x1234567, 0x7ffffff0u - 5000, NULL, w->now);
	if (!w->cl)
		goto out;
	end = w->now + s->limit_s * 1000000000ull;
	trace = getenv("SIM_TRACE") != NULL;
	while (w->now < end && !finished(w)) {
		if (trace && w->now >= next_trace && w->cl_state == UDT_ST_CONNECTED) {
			struct udt_stats st;

			udt_conn_get_stats(w->cl, &st);
			fprintf(stderr,
				"T %8.3f rtt %7d rate %5d bw %5d period %7.1f cwnd %6.0f "
				"infl %5u held %5zu deliv %6.1f MB loss %llu qd %llu exp %llu fw "
				"%d\n",
				(double)(w->now - w->t_connected) / 1e9, st.rtt_us, st.rcv_rate_pps,
				st.bandwidth_pps, st.pkt_snd_period_us, st.cwnd, st.inflight,
				linkem_dir_held(&w->ab), (double)w->delivered_bytes / 1e6,
				(unsigned long long)linkem_dir_counters(&w->ab)->lost_pkts,
				(unsigned long long)linkem_dir_counters(&w->ab)->drop_queue,
				(unsigned long long)st.timeouts, st.flow_window);
			next_trace = w->now + 100000000ull;
		}
		if (w->cl_state == UDT_ST_CONNECTED)
			feed(w);
		if (!step(w))
			break;
	}
	r->complete = finished(w) && w->acked == w->nmsgs;
	r->bad = w->bad;
	r->msgs = w->nmsgs;
	r->acked = w->acked;
	r->dropped = w->dropped;
	r->delivered = w->delivered;
	r->capacity_mbps = sim_capacity_mbps(s);
	if (w->t_connected) {
		uint64_t t_end = w->t_last_ack > w->t_last_deliv ? w->t_last_ack : w->t_last_deliv;

		r->sim_s = (double)((r->complete ? t_end : w->now) - w->t_connected) / 1e9;
		dt = (double)(w->t_last_deliv - w->t_connected) / 1e9;
		if (dt > 0)
			r->goodput_mbps = (double)w->delivered_bytes * 8 / dt / 1e6;
		r->pct = 100.0 * r->goodput_mbps / r->capacity_mbps;
		dt = (double)(w->t_last_deliv - w->t_half) / 1e9;
		if (w->t_half && dt > 0)
			r->steady_pct = 100.0 * ((double)(s->bytes - s->bytes / 2) * 8 / dt / 1e6) /
					r->capacity_mbps;
	}
	r->data_lost = linkem_dir_counters(&w->ab)->lost_pkts;
	r->data_qdrops = linkem_dir_counters(&w->ab)->drop_queue;
	udt_conn_get_stats(w->cl, &r->snd);
	r->retrans = r->snd.pkts_retrans;
out:
	udt_conn_free(w->cl);
	udt_conn_free(w->sv);
	linkem_dir_destroy(&w->ab);
	linkem_dir_destroy(&w->ba);
	free(w->done);
	free(w->got);
	free(w);
	return 0;
}

void sim_print(const struct sim_scenario *s, const struct sim_result *r)
{
	printf("%-6s %-26s %5.1f MB %7.2f s  %6.2f Mbit/s = %5.1f %% of %5.2f (2nd half %5.1f %%)"
	       "  lost %llu qdrop %llu rexmit %llu naks %llu exp %llu%s\n",
	       s->cc, s->name, (double)s->bytes / 1e6, r->sim_s, r->goodput_mbps, r->pct,
	       r->capacity_mbps, r->steady_pct, (unsigned long long)r->data_lost,
	       (unsigned long long)r->data_qdrops, (unsigned long long)r->retrans,
	       (unsigned long long)r->snd.naks_recv, (unsigned long long)r->snd.timeouts,
	       r->complete ? "" : "  INCOMPLETE");
	fflush(stdout);
}

void sim_matrix(struct sim_scenario out[SIM_MATRIX_N], const char *cc, size_t bytes)
{
	static const uint64_t rtts[3] = { 1, 200, 600 };
	static const char *const names[SIM_MATRIX_N] = {
		"rtt 1 ms, no loss",	"rtt 1 ms, loss 1 %",	  "rtt 1 ms, loss 3 %",
		"rtt 1 ms, bursty 1 %", "rtt 200 ms, no loss",	  "rtt 200 ms, loss 1 %",
		"rtt 200 ms, loss 3 %", "rtt 200 ms, bursty 1 %", "rtt 600 ms, no loss",
		"rtt 600 ms, loss 1 %", "rtt 600 ms, loss 3 %",	  "rtt 600 ms, bursty 1 %",
	};
	static const double loss[4] = { 0, 0.01, 0.03, 0.01 };
	int i;

	for (i = 0; i < SIM_MATRIX_N; i++) {
		struct sim_scenario *s = &out[i];

		memset(s, 0, sizeof(*s));
		s->name = names[i];
		s->cc = cc;
		s->rtt_ms = rtts[i / 4];
		s->rate_bps = 50000000;
		s->loss = loss[i % 4];
		s->bursty = i % 4 == 3;
		s->bytes = bytes;
		s->msg_size = 1 << 20;
		s->limit_s = 3600;
		s->seed = 1 + (uint64_t)i;
	}
}

double sim_bound_s(const struct sim_scenario *s, double min_pct, double rtts, double slack_s)
{
	double cap = sim_capacity_mbps(s) * 1e6 / 8; /* bytes/s */

	return (double)s->bytes / (cap * min_pct / 100.0) + rtts * (double)s->rtt_ms / 1000.0 +
	       slack_s;
}
