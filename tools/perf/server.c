/* SPDX-License-Identifier: MIT */
/*
 * server.c - lu2k-perf server: checks every PUT's payload and ACKs it,
 * answers every GET with a REPLY carrying the pattern the client expects. It
 * keeps no state per client; answers that find no credit wait in a queue.
 */
#include "perf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/nid.h"
#include "lu2k/desc.h"
#include "pattern.h"

struct answer {
	struct lu2k_nid target, nexthop;
	uint8_t hdr[LU2K_LNET_HDR_NID16_SIZE];
	uint32_t hdr_len;
	uint32_t payload_len; /* REPLY: pattern bytes */
	uint32_t type;	      /* ACK or REPLY */
	uint64_t seed, id;
};

struct srv {
	const struct perf_opts *o;
	struct lu2k_ni *ni;
	struct answer *q; /* FIFO ring of answers waiting for credits */
	size_t qhead, qlen, qcap;
	uint64_t puts, gets, rx_bytes, corrupt, bad;
	uint64_t acks, replies, tx_bytes, send_fail, cpl_err;
	uint64_t last_puts, last_gets, last_rx_bytes, last_tx_bytes;
};

struct fill_arg {
	uint64_t seed, id;
};

static void fill_pattern(void *dst, size_t len, void *arg)
{
	const struct fill_arg *f = arg;

	perf_pattern_fill(dst, len, f->seed, f->id);
}

static int queue_push(struct srv *s, const struct answer *a)
{
	if (s->qlen == s->qcap) {
		size_t cap = s->qcap ? s->qcap * 2 : 256;
		struct answer *n = malloc(cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < s->qlen; i++)
			n[i] = s->q[(s->qhead + i) % s->qcap];
		free(s->q);
		s->q = n;
		s->qcap = cap;
		s->qhead = 0;
	}
	s->q[(s->qhead + s->qlen) % s->qcap] = *a;
	s->qlen++;
	return 0;
}

/* Send what waits, oldest first, until the library says -EAGAIN. */
static void flush(struct srv *s)
{
	while (s->qlen) {
		struct answer *a = &s->q[s->qhead];
		struct fill_arg f = { a->seed, a->id };
		int rc = lu2k_send_fill(s->ni, &a->target, &a->nexthop, a->hdr, a->hdr_len,
					a->payload_len, fill_pattern, &f, 0, NULL);

		if (rc == -EAGAIN)
			return;
		if (rc) {
			s->send_fail++;
		} else if (a->type == LU2K_LNET_MSG_REPLY) {
			s->replies++;
			s->tx_bytes += a->payload_len;
		} else {
			s->acks++;
		}
		s->qhead = (s->qhead + 1) % s->qcap;
		s->qlen--;
	}
}

static void answer(struct srv *s, const struct lu2k_rx_msg *m, const struct lu2k_lnet_hdr *h,
		   uint64_t seed, uint64_t id, uint32_t payload_len)
{
	struct answer a;
	int hl;

	memset(&a, 0, sizeof(a));
	a.target = m->lnet->src_nid; /* the originator; m->src is the hop it came from */
	a.nexthop = m->src;
	hl = perf_build_hdr(a.hdr, &a.target, lu2k_ni_nid(s->ni), h);
	if (hl < 0 || lu2k_nid_check(&a.target, LU2K_FEAT_ALL)) {
		s->bad++;
		return;
	}
	a.hdr_len = (uint32_t)hl;
	a.payload_len = payload_len;
	a.type = h->type;
	a.seed = seed;
	a.id = id;
	if (queue_push(s, &a))
		s->send_fail++;
}

static int on_rx(struct lu2k_ni *ni, const struct lu2k_rx_msg *m, void *arg)
{
	struct srv *s = arg;
	const struct lu2k_lnet_hdr *in = m->lnet;
	struct lu2k_lnet_hdr out;

	memset(&out, 0, sizeof(out));
	if (in->type == LU2K_LNET_MSG_PUT && in->msg.put.ptl_index == PERF_PORTAL) {
		uint64_t seed = in->msg.put.ack_wmd.interface_cookie;
		uint64_t id = in->msg.put.ack_wmd.object_cookie;
		bool ok = m->payload_len == in->msg.put.hdr_data && id == in->msg.put.match_bits &&
			  perf_pattern_check(m->payload, m->payload_len, seed, id) < 0;

		s->puts++;
		s->rx_bytes += m->payload_len;
		if (!ok)
			s->corrupt++;
		if (seed == LU2K_LNET_COOKIE_NONE && id == LU2K_LNET_COOKIE_NONE)
			return 0; /* no ACK wanted */
		out.type = LU2K_LNET_MSG_ACK;
		out.msg.ack.dst_wmd = in->msg.put.ack_wmd;
		out.msg.ack.match_bits = in->msg.put.match_bits;
		out.msg.ack.mlength = ok ? m->payload_len : PERF_BAD_MLEN;
		answer(s, m, &out, seed, id, 0);
	} else if (in->type == LU2K_LNET_MSG_GET && in->msg.get.ptl_index == PERF_PORTAL) {
		uint32_t len = in->msg.get.sink_length;

		s->gets++;
		if (len > lu2k_ni_max_payload(ni)) {
			s->bad++;
			len = 0; /* the client sees a short REPLY and counts it */
		}
		out.type = LU2K_LNET_MSG_REPLY;
		out.payload_length = len;
		out.msg.reply.dst_wmd = in->msg.get.return_wmd;
		answer(s, m, &out, in->msg.get.return_wmd.interface_cookie,
		       in->msg.get.return_wmd.object_cookie, len);
	} else {
		s->bad++;
	}
	return 0;
}

static void on_cpl(struct lu2k_ni *ni, void *ctx, int status, void *arg)
{
	struct srv *s = arg;

	if (status)
		s->cpl_err++;
}

static void on_state(struct lu2k_ni *ni, bool up, int status, void *arg)
{
	struct srv *s = arg;

	if (!s->o->quiet)
		fprintf(stderr, "lu2k-perf server: %s lu2kd%s%s\n", up ? "attached to" : "lost",
			up ? "" : ": ", up ? "" : strerror(-status));
}

static void print_summary(const struct srv *s, double secs)
{
	const struct perf_opts *o = s->o;
	bool pass = !s->corrupt && !s->bad;

	if (o->json) {
		printf("{\"role\":\"server\",\"seconds\":%.3f,\"puts\":%llu,\"gets\":%llu,"
		       "\"rx_bytes\":%llu,\"acks\":%llu,\"replies\":%llu,\"tx_bytes\":%llu,"
		       "\"corrupt\":%llu,\"bad\":%llu,\"send_fail\":%llu,\"cpl_err\":%llu,"
		       "\"pass\":%s}\n",
		       secs, (unsigned long long)s->puts, (unsigned long long)s->gets,
		       (unsigned long long)s->rx_bytes, (unsigned long long)s->acks,
		       (unsigned long long)s->replies, (unsigned long long)s->tx_bytes,
		       (unsigned long long)s->corrupt, (unsigned long long)s->bad,
		       (unsigned long long)s->send_fail, (unsigned long long)s->cpl_err,
		       pass ? "true" : "false");
		return;
	}
	printf("lu2k-perf server: %.1f s, %llu PUTs (%llu bytes, %llu corrupt), %llu GETs, "
	       "%llu ACKs, %llu REPLYs (%llu bytes), %llu bad, %llu send failures, "
	       "%llu failed completions: %s\n",
	       secs, (unsigned long long)s->puts, (unsigned long long)s->rx_bytes,
	       (unsigned long long)s->corrupt, (unsigned long long)s->gets,
	       (unsigned long long)s->acks, (unsigned long long)s->replies,
	       (unsigned long long)s->tx_bytes, (unsigned long long)s->bad,
	       (unsigned long long)s->send_fail, (unsigned long long)s->cpl_err,
	       pass ? "PASS" : "FAIL");
}

int perf_server(const struct perf_opts *o)
{
	struct lu2k_ni_params p;
	struct srv s;
	uint64_t t0, next_progress, end;
	bool progress = !o->quiet && (o->progress || isatty(1));
	char nb[LU2K_NID_STRLEN];
	int rc;

	memset(&s, 0, sizeof(s));
	s.o = o;
	lu2k_ni_params_init(&p);
	p.on_cpl = on_cpl;
	p.on_rx = on_rx;
	p.on_state = on_state;
	p.arg = &s;
	rc = perf_ni_open(o, &p, &s.ni);
	if (rc)
		return 1;
	if (!o->quiet)
		fprintf(stderr, "lu2k-perf server: %s ready\n",
			lu2k_nid_format(&o->nid, nb, sizeof(nb)));
	t0 = perf_now_ns();
	next_progress = t0 + 1000000000ULL;
	end = o->time_ns ? t0 + o->time_ns : UINT64_MAX;
	while (!perf_stop && perf_now_ns() < end) {
		uint64_t now;

		flush(&s);
		lu2k_ni_wait(s.ni, s.qlen ? 1 : 100);
		now = perf_now_ns();
		if (progress && now >= next_progress) {
			fprintf(o->json ? stderr : stdout,
				"%6.1fs  PUT %llu/s  GET %llu/s  in %.3f Gbit/s  out %.3f Gbit/s  "
				"corrupt %llu  queued %zu\n",
				(double)(now - t0) / 1e9,
				(unsigned long long)(s.puts - s.last_puts),
				(unsigned long long)(s.gets - s.last_gets),
				(double)(s.rx_bytes - s.last_rx_bytes) * 8 / 1e9,
				(double)(s.tx_bytes - s.last_tx_bytes) * 8 / 1e9,
				(unsigned long long)s.corrupt, s.qlen);
			fflush(o->json ? stderr : stdout);
			s.last_puts = s.puts;
			s.last_gets = s.gets;
			s.last_rx_bytes = s.rx_bytes;
			s.last_tx_bytes = s.tx_bytes;
			next_progress += 1000000000ULL;
		}
	}
	print_summary(&s, (double)(perf_now_ns() - t0) / 1e9);
	lu2k_ni_close(s.ni);
	free(s.q);
	return s.corrupt || s.bad ? 1 : 0;
}
