/* SPDX-License-Identifier: MIT */
/*
 * lu2k-bench-peers - what lu2kd needs per peer, idle and busy.
 *
 * One daemon is under test (A, one interface). The peers are interfaces on
 * other daemons (B: one or several, each serving at most max_channels
 * interfaces, NIDs BASE+0 .. BASE+N-1), attached by worker processes
 * (bench_peers_work.c).
 *  - idle peers: A sends one small PUT to every peer, so that it ends up with
 *    N peers and N connections; the resident size of A before, with the
 *    peers, and after they have been idle for a while (lu2kd gives back what
 *    a connection grew after 2 s idle);
 *  - --busy SECONDS: every peer sends messages of --size bytes to A, keeping
 *    --credits in flight; A checks every byte of every message; the figures
 *    are A's resident size (peak, then after idle), the rate, and how evenly
 *    the peers were served over the second half of the run (the slowest
 *    peer's share against the fair one).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_peers.h"
#include "lib/lnet_hdr.h"
#include "lib/lu2k.h"

/* what A saw */
struct a_state {
	const struct bp_opts *o;
	uint64_t done_ok, done_err;
	uint64_t rcvd, bytes, bad;
	uint64_t *n, *seq_sum, *seq_max; /* per peer (busy) */
};

static void on_cpl(struct lu2k_ni *ni, void *ctx, int status, void *arg)
{
	struct a_state *s = arg;

	if (status == 0)
		s->done_ok++;
	else
		s->done_err++;
}

/* Busy: every message from peer i carries its number in hdr_data, its sequence in match_bits. */
static int on_rx(struct lu2k_ni *ni, const struct lu2k_rx_msg *msg, void *arg)
{
	struct a_state *s = arg;
	const struct bp_opts *o = s->o;
	uint64_t idx = msg->lnet->msg.put.hdr_data, seq = msg->lnet->msg.put.match_bits;
	struct lu2k_nid want;

	s->rcvd++;
	s->bytes += msg->payload_len;
	if (!s->n || msg->lnet->type != LU2K_LNET_MSG_PUT || idx >= o->peers) {
		s->bad++;
		return 0;
	}
	bp_nid(&want, &o->base, (unsigned int)idx);
	if (memcmp(&want, &msg->src, sizeof(want)) || msg->payload_len != o->size ||
	    bp_check(msg->payload, msg->payload_len, (uint32_t)idx, seq)) {
		s->bad++;
		return 0;
	}
	s->n[idx]++;
	s->seq_sum[idx] += seq;
	if (seq + 1 > s->seq_max[idx])
		s->seq_max[idx] = seq + 1;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lu2k-bench-peers --socket-a PATH --nid-a NID --pid-a PID\n"
		"                        --socket-b PATH [--socket-b PATH]... --pid-b PID [--pid-b "
		"PID]...\n"
		"                        --base NID --peers N [--busy SECONDS [--size BYTES] "
		"[--credits N]]\n"
		"                        [--idle SECONDS] [--json]\n"
		"The peers are N interfaces (NIDs from --base upwards, IPv4) spread over the B\n"
		"daemons' sockets (at most 1,000 a daemon). Idle: the daemon under test (A) sends\n"
		"one small message to each; busy: each sends --size byte messages (64K) to A for\n"
		"SECONDS, --credits (2) in flight, every byte checked. Prints A's resident size\n"
		"with the peers, and after --idle (3) seconds of quiet.\n");
}

static int parse(int argc, char **argv, struct bp_opts *o)
{
	static const struct option lo[] = {
		{ "socket-a", required_argument, NULL, 'a' },
		{ "socket-b", required_argument, NULL, 'b' },
		{ "nid-a", required_argument, NULL, 'n' },
		{ "base", required_argument, NULL, 'B' },
		{ "peers", required_argument, NULL, 'N' },
		{ "pid-a", required_argument, NULL, 'p' },
		{ "pid-b", required_argument, NULL, 'q' },
		{ "busy", required_argument, NULL, 'y' },
		{ "size", required_argument, NULL, 's' },
		{ "credits", required_argument, NULL, 'c' },
		{ "idle", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, have = 0;
	char *end;

	memset(o, 0, sizeof(*o));
	o->size = 64 << 10;
	o->credits = 2;
	o->idle_s = 3;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->sock_a = optarg;
			have |= 1;
			break;
		case 'b':
			if (o->nb == BP_MAX_B)
				goto many;
			o->sock_b[o->nb++] = optarg;
			have |= 2;
			break;
		case 'n':
			if (lu2k_nid_parse(optarg, &o->nid_a))
				goto bad;
			have |= 4;
			break;
		case 'B':
			if (lu2k_nid_parse(optarg, &o->base) || lu2k_nid_family(&o->base) != 4)
				goto bad;
			have |= 8;
			break;
		case 'N':
			o->peers = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			o->pid_a = atoi(optarg);
			break;
		case 'q':
			if (o->npid_b == BP_MAX_B)
				goto many;
			o->pid_b[o->npid_b++] = atoi(optarg);
			break;
		case 'y':
			o->busy_s = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 's':
			o->size = (uint32_t)strtoul(optarg, &end, 10);
			if (*end == 'K' || *end == 'k')
				o->size <<= 10;
			break;
		case 'c':
			o->credits = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'i':
			o->idle_s = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'j':
			o->json = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (have != 15 || !o->peers || o->peers > 60000 || o->pid_a <= 0 || !o->npid_b ||
	    !o->size || o->size > (4u << 20) || !o->credits || o->credits > 256 ||
	    o->idle_s > 600) {
		fprintf(stderr, "lu2k-bench-peers: --socket-a, --socket-b, --nid-a, --base, "
				"--peers (1..60000), --pid-a and --pid-b are required; --size "
				"1..4M, --credits 1..256, --idle up to 600\n");
		return -1;
	}
	if ((o->peers + o->nb - 1) / o->nb > 1000) {
		fprintf(stderr,
			"lu2k-bench-peers: %u peers over %u B daemon(s): at most 1,000 a daemon "
			"(give more --socket-b)\n",
			o->peers, o->nb);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "lu2k-bench-peers: '%s' is not a NID (IPv4 for --base)\n", optarg);
	return -1;
many:
	fprintf(stderr, "lu2k-bench-peers: at most %d B daemons\n", BP_MAX_B);
	return -1;
}

static long rss_b(const struct bp_opts *o)
{
	long sum = 0;

	for (unsigned int i = 0; i < o->npid_b; i++)
		sum += bp_rss_kib(o->pid_b[i]);
	return sum;
}

/* the B daemons' own memory, without the channels' shared regions */
static long anon_b(const struct bp_opts *o)
{
	long sum = 0;

	for (unsigned int i = 0; i < o->npid_b; i++)
		sum += bp_rss_kib(o->pid_b[i]) - bp_rss_shmem_kib(o->pid_b[i]);
	return sum;
}

static int open_a(const struct bp_opts *o, struct a_state *s, struct lu2k_ni **a)
{
	struct lu2k_ni_params p;
	int rc;

	lu2k_ni_params_init(&p);
	p.nid = o->nid_a;
	p.socket_path = o->sock_a;
	p.ring_entries = 1024;
	p.credits = 1024;
	p.peer_credits = 8;
	p.tx_pool_size = 8 << 20;
	p.rx_pool_size = o->busy_s ? 64 << 20 : 1 << 20;
	p.max_payload = o->busy_s ? o->size : 4096;
	p.on_cpl = on_cpl;
	p.on_rx = on_rx;
	p.arg = s;
	rc = lu2k_ni_open(a, &p);
	if (rc)
		fprintf(stderr, "lu2k-bench-peers: attach to daemon A: %s\n", strerror(-rc));
	return rc;
}

/* Runs A's interface for secs, keeping the largest resident sizes seen (A; B's own). */
static void run_a(const struct bp_opts *o, struct lu2k_ni *a, double secs, long *peak, long *peak_b)
{
	double end = bp_now() + secs, next = 0;

	while (bp_now() < end) {
		lu2k_ni_wait(a, 10);
		if (peak && bp_now() >= next) {
			long r = bp_rss_kib(o->pid_a), rb = anon_b(o);

			if (r > *peak)
				*peak = r;
			if (rb > *peak_b)
				*peak_b = rb;
			next = bp_now() + 0.2;
		}
	}
}

/* Runs A until every worker has reported (or 60 s). */
static int collect(const struct bp_opts *o, struct bp_worker *w, struct lu2k_ni *a,
		   struct bp_peer_res *res)
{
	double end = bp_now() + 60;
	int r;

	bp_workers_stop(o, w);
	while ((r = bp_workers_collect(o, w, res)) == 0 && bp_now() < end)
		lu2k_ni_wait(a, 10);
	if (r != 1)
		fprintf(stderr, "lu2k-bench-peers: %s\n",
			r ? "a worker failed" : "the workers did not report within 60 s");
	return r == 1 ? 0 : -1;
}

static int run_idle(const struct bp_opts *o, struct a_state *s, struct lu2k_ni *a,
		    struct bp_worker *w, struct bp_peer_res *res, long a0, long b0, long b1)
{
	uint64_t rcvd = 0;
	unsigned int sent = 0, i;
	double t0 = bp_now(), deadline = t0 + 300, t;
	long a1, a2;
	int rc;

	while ((sent < o->peers || s->done_ok + s->done_err < sent) && bp_now() < deadline) {
		while (sent < o->peers) {
			struct lu2k_lnet_hdr h;
			uint8_t hdr[128], payload[64];
			struct iovec iov = { payload, sizeof(payload) };
			struct lu2k_nid n;
			int len;

			bp_nid(&n, &o->base, sent);
			memset(&h, 0, sizeof(h));
			h.dest_nid = n;
			h.src_nid = o->nid_a;
			h.type = LU2K_LNET_MSG_PUT;
			h.payload_length = sizeof(payload);
			memset(payload, 0x5a, sizeof(payload));
			len = lu2k_lnet_hdr_encode(&h, hdr, sizeof(hdr));
			if (len < 0)
				return -1;
			rc = lu2k_send(a, &n, NULL, hdr, (size_t)len, &iov, 1, 60000, NULL);
			if (rc == -EAGAIN)
				break;
			if (rc) {
				fprintf(stderr, "lu2k-bench-peers: send: %s\n", strerror(-rc));
				return -1;
			}
			sent++;
		}
		lu2k_ni_wait(a, 10);
	}
	t = bp_now() - t0;
	a1 = bp_rss_kib(o->pid_a);
	run_a(o, a, o->idle_s, NULL, NULL);
	a2 = bp_rss_kib(o->pid_a);
	if (collect(o, w, a, res))
		return -1;
	for (i = 0; i < o->peers; i++)
		rcvd += res[i].rcvd;
	if (o->json)
		printf("{\"peers\":%u,\"ok\":%llu,\"errors\":%llu,\"received\":%llu,\"seconds\":%."
		       "2f,\"a_rss_kib_start\":%ld,\"a_rss_kib_peers\":%ld,\"a_rss_kib_idle\":%ld,"
		       "\"b_rss_kib_start\":%ld,\"b_rss_kib_ifaces\":%ld}\n",
		       o->peers, (unsigned long long)s->done_ok, (unsigned long long)s->done_err,
		       (unsigned long long)rcvd, t, a0, a1, a2, b0, b1);
	else
		printf("peers %u: %llu delivered, %llu errors, %llu received in %.2f s\n"
		       "daemon A (one interface, %u peers): RSS %ld KiB at start, %ld KiB with the "
		       "peers: %.1f KiB per peer; after %u s idle %ld KiB (%.1f MiB): %.1f KiB per "
		       "peer\n"
		       "daemons B (%u, %u interfaces): RSS %ld KiB at start, %ld KiB attached:\n"
		       "  %.1f KiB per interface\n",
		       o->peers, (unsigned long long)s->done_ok, (unsigned long long)s->done_err,
		       (unsigned long long)rcvd, t, o->peers, a0, a1, (double)(a1 - a0) / o->peers,
		       o->idle_s, a2, a2 / 1024.0, (double)(a2 - a0) / o->peers, o->npid_b,
		       o->peers, b0, b1, (double)(b1 - b0) / o->peers);
	return s->done_ok == o->peers && rcvd == o->peers ? 0 : -1;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

static int run_busy(const struct bp_opts *o, struct a_state *s, struct lu2k_ni *a,
		    struct bp_worker *w, struct bp_peer_res *res, long a0)
{
	uint64_t *w0 = calloc(o->peers, sizeof(*w0)), wsum = 0, sent = 0, ok = 0, err = 0;
	uint64_t missing = 0, b0, b1;
	unsigned int i;
	double t0, th, t1, fair;
	long peak = a0, a2, bs = anon_b(o), peak_b = bs, b2;
	int good = 1;

	if (!w0)
		return -1;
	t0 = bp_now();
	run_a(o, a, o->busy_s / 2.0, &peak, &peak_b);
	/* the second half: every peer connected long ago, each one's share counts */
	th = bp_now();
	memcpy(w0, s->n, o->peers * sizeof(*w0));
	b0 = s->bytes;
	run_a(o, a, o->busy_s / 2.0, &peak, &peak_b);
	t1 = bp_now();
	b1 = s->bytes;
	for (i = 0; i < o->peers; i++) {
		w0[i] = s->n[i] - w0[i];
		wsum += w0[i];
	}
	if (collect(o, w, a, res)) {
		free(w0);
		return -1;
	}
	/* the last messages the workers saw acknowledged: A may still be handing them over */
	for (double end = bp_now() + 10; bp_now() < end;) {
		for (i = 0, missing = 0; i < o->peers; i++)
			missing += res[i].ok > s->n[i] ? res[i].ok - s->n[i] : 0;
		if (!missing)
			break;
		lu2k_ni_wait(a, 10);
	}
	for (i = 0; i < o->peers; i++) {
		sent += res[i].sent;
		ok += res[i].ok;
		err += res[i].err;
		/* each of 0 .. ok-1 once: the count, the sum and the largest agree */
		if (s->n[i] != res[i].ok || s->seq_sum[i] != res[i].ok * (res[i].ok - 1) / 2 ||
		    s->seq_max[i] != res[i].ok)
			good = 0;
	}
	run_a(o, a, o->idle_s, NULL, NULL);
	a2 = bp_rss_kib(o->pid_a);
	b2 = anon_b(o);
	qsort(w0, o->peers, sizeof(*w0), cmp_u64);
	fair = (double)wsum / o->peers;
	printf("busy peers %u, %u-byte messages, %u in flight each, %u s: %llu sent, %llu "
	       "acknowledged, %llu errors; A received %llu, %llu bad, every peer's messages "
	       "%s\n",
	       o->peers, o->size, o->credits, o->busy_s, (unsigned long long)sent,
	       (unsigned long long)ok, (unsigned long long)err, (unsigned long long)s->rcvd,
	       (unsigned long long)s->bad,
	       good ? "each once, whole" : "NOT all there once (see counts)");
	printf("second half (%.1f s): %.2f Gbit/s, %.0f msgs/s; per peer: slowest %.2f, median "
	       "%.2f, fastest %.2f of the fair share (%.1f msgs)\n",
	       t1 - th, (double)(b1 - b0) * 8 / (t1 - th) / 1e9, (double)wsum / (t1 - th),
	       fair ? (double)w0[0] / fair : 0, fair ? (double)w0[o->peers / 2] / fair : 0,
	       fair ? (double)w0[o->peers - 1] / fair : 0, fair);
	printf("daemon A: RSS %ld KiB at start, peak %ld KiB (%.1f MiB) while busy, %ld KiB "
	       "(%.1f MiB) after %u s idle, of which %ld KiB the interface's shared region "
	       "(run %.1f s)\n",
	       a0, peak, peak / 1024.0, a2, a2 / 1024.0, o->idle_s, bp_rss_shmem_kib(o->pid_a),
	       t1 - t0);
	printf("daemons B (the senders, %u): own RSS (without the channels' regions) %ld KiB "
	       "attached, peak %ld KiB while busy, %ld KiB after %u s idle: %.1f KiB per peer "
	       "kept\n",
	       o->npid_b, bs, peak_b, b2, o->idle_s, (double)(b2 - bs) / o->peers);
	if (o->json)
		printf("{\"peers\":%u,\"size\":%u,\"sent\":%llu,\"ok\":%llu,\"errors\":%llu,"
		       "\"received\":%llu,\"bad\":%llu,\"verified\":%s,\"gbit_per_s\":%.3f,"
		       "\"slowest_share\":%.3f,\"a_rss_kib_start\":%ld,\"a_rss_kib_peak\":%ld,"
		       "\"a_rss_kib_idle\":%ld}\n",
		       o->peers, o->size, (unsigned long long)sent, (unsigned long long)ok,
		       (unsigned long long)err, (unsigned long long)s->rcvd,
		       (unsigned long long)s->bad, good ? "true" : "false",
		       (double)(b1 - b0) * 8 / (t1 - th) / 1e9, fair ? (double)w0[0] / fair : 0, a0,
		       peak, a2);
	free(w0);
	return good && !s->bad && !err && ok ? 0 : -1;
}

static void tick_a(void *a)
{
	lu2k_ni_wait(a, 10);
}

int main(int argc, char **argv)
{
	struct bp_worker w[BP_MAX_B];
	struct bp_peer_res *res;
	struct a_state s = { 0 };
	struct lu2k_ni *a;
	struct bp_opts o;
	long a0, b0, b1;
	int rc;

	if (parse(argc, argv, &o))
		return 2;
	s.o = &o;
	res = calloc(o.peers, sizeof(*res));
	if (o.busy_s) {
		s.n = calloc(o.peers, sizeof(*s.n));
		s.seq_sum = calloc(o.peers, sizeof(*s.seq_sum));
		s.seq_max = calloc(o.peers, sizeof(*s.seq_max));
		if (!s.n || !s.seq_sum || !s.seq_max)
			return 1;
	}
	if (!res)
		return 1;
	a0 = bp_rss_kib(o.pid_a);
	b0 = rss_b(&o);
	/* A first: busy peers send to it as soon as they are attached */
	if (open_a(&o, &s, &a))
		return 1;
	if (bp_workers_start(&o, w, tick_a, a)) {
		bp_workers_reap(&o, w);
		return 1;
	}
	b1 = rss_b(&o);
	rc = o.busy_s ? run_busy(&o, &s, a, w, res, a0) : run_idle(&o, &s, a, w, res, a0, b0, b1);
	bp_workers_reap(&o, w);
	lu2k_ni_close(a);
	free(res);
	free(s.n);
	free(s.seq_sum);
	free(s.seq_max);
	return rc ? 1 : 0;
}
