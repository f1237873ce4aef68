/* SPDX-License-Identifier: MIT */
/*
 * lu2kd_e2e.c - a test client of lu2kd's end-to-end path (not a benchmark
 * tool: lu2k-perf is that). One process opens two liblu2k interfaces, A on
 * daemon 1 and B on daemon 2, sends messages A -> B (sizes from a list,
 * payloads derived from the message number) and checks lu2k's promises:
 *
 *   - every send gets exactly one completion;
 *   - B receives each message at most once, bit-exact, from A's NID;
 *   - with --faults: errors are allowed, but a message completed OK must have
 *     arrived (the acknowledgement means B's daemon had it and delivers it);
 *   - without: every completion is OK and every message arrives.
 *
 * Usage: lu2kd_e2e --sock-a P --sock-b P --nid-a NID --nid-b NID [--count N]
 *        [--sizes 0,72,4096,...] [--window W] [--timeout S] [--faults]
 *        [--timeout-ms MS] [--hold H] [--stop PID] [--rx-pool KIB]
 *        [--target NID]   (LNet routing: B is only the next hop)
 *        [--nexthop NID]  (send through another next hop, e.g. an unreachable one)
 *        [--pause-b MS]   (B processes nothing for MS ms: the daemon's RX ring fills)
 *        [--kill PID]     (at the end of --pause-b, SIGKILL PID, B's daemon: what it
 *                          acknowledged must have been handed to B before it died)
 * Prints one summary line; exit 0 when every check held.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/nid.h"
#include "lib/lu2k.h"

struct e2e {
	struct lu2k_ni *a, *b;
	struct lu2k_nid nid_a, nid_b;
	struct lu2k_nid target; /* --target: final destination; B is then the next hop */
	bool routed;
	struct lu2k_nid via; /* --nexthop: send through this NID instead of B */
	bool has_via;
	uint32_t *sizes;
	unsigned int nsizes;
	uint64_t count, sent, completed, cpl_ok, cpl_err, received, bytes;
	uint8_t *cpl_seen, *rx_seen, *cpl_status_ok;
	uint64_t dup_cpl, dup_rx, bad_payload, bad_src, bad_len, unknown;
	unsigned int window, inflight;
	/* --hold: B keeps buffers to fill its RX pool (the daemon must push back, not drop). */
	unsigned int hold, nheld;
	struct lu2k_rx_msg *held;
	uint64_t last_rx_ns, max_held;
	uint32_t timeout_ms;
	int first_err;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t word(uint64_t seq, uint64_t k)
{
	uint64_t x = (seq + 1) * 0x9e3779b97f4a7c15ull ^ (k * 0xbf58476d1ce4e5b9ull);

	return x ^ (x >> 29);
}

static void fill(void *dst, size_t len, void *arg)
{
	uint64_t seq = *(uint64_t *)arg, k, w;
	uint8_t *p = dst;

	for (k = 0; k * 8 + 8 <= len; k++) {
		w = word(seq, k);
		memcpy(p + k * 8, &w, 8);
	}
	w = word(seq, k);
	memcpy(p + k * 8, &w, len - k * 8);
}

static bool check(const uint8_t *p, size_t len, uint64_t seq)
{
	uint64_t k, w;

	for (k = 0; k * 8 + 8 <= len; k++) {
		w = word(seq, k);
		if (memcmp(p + k * 8, &w, 8))
			return false;
	}
	w = word(seq, k);
	return memcmp(p + k * 8, &w, len - k * 8) == 0;
}

static void on_cpl(struct lu2k_ni *ni, void *ctx, int status, void *arg)
{
	struct e2e *e = arg;
	uint64_t seq = (uint64_t)(uintptr_t)ctx;

	if (seq >= e->count) {
		e->unknown++;
		return;
	}
	if (e->cpl_seen[seq]++) {
		e->dup_cpl++;
		return;
	}
	e->completed++;
	e->inflight--;
	if (status == 0) {
		e->cpl_ok++;
		e->cpl_status_ok[seq] = 1;
	} else {
		e->cpl_err++;
		if (!e->first_err)
			e->first_err = status;
	}
}

static int on_rx(struct lu2k_ni *ni, const struct lu2k_rx_msg *m, void *arg)
{
	struct e2e *e = arg;
	uint64_t seq = m->lnet->msg.put.match_bits;

	if (m->lnet->type != LU2K_LNET_MSG_PUT || seq >= e->count) {
		e->unknown++;
		return 0;
	}
	if (e->rx_seen[seq]++) {
		e->dup_rx++;
		return 0;
	}
	e->received++;
	e->bytes += m->payload_len;
	if (!lu2k_nid_eq(&m->src, &e->nid_a))
		e->bad_src++;
	if (m->payload_len != e->sizes[seq % e->nsizes])
		e->bad_len++;
	else if (!check(m->payload, m->payload_len, seq))
		e->bad_payload++;
	e->last_rx_ns = now_ns();
	if (e->hold && e->nheld < e->hold) {
		e->held[e->nheld++] = *m;
		if (e->nheld > e->max_held)
			e->max_held = e->nheld;
		return LU2K_RX_KEEP;
	}
	return 0;
}

/* Give held buffers back when the pool is full enough or nothing arrives any more. */
static void release_held(struct e2e *e, bool force)
{
	if (!e->nheld || (!force && e->nheld < e->hold && now_ns() - e->last_rx_ns < 100000000))
		return;
	for (unsigned int i = 0; i < e->nheld; i++)
		lu2k_rx_done(e->b, &e->held[i]);
	e->nheld = 0;
}

static int send_one(struct e2e *e)
{
	struct lu2k_lnet_hdr h;
	uint8_t hb[LU2K_LNET_HDR_NID16_SIZE];
	uint64_t seq = e->sent;
	uint32_t size = e->sizes[seq % e->nsizes];
	int rc;

	memset(&h, 0, sizeof(h));
	h.dest_nid = e->routed ? e->target : e->nid_b;
	h.src_nid = e->nid_a;
	h.dest_pid = 12345;
	h.src_pid = 12345;
	h.type = LU2K_LNET_MSG_PUT;
	h.payload_length = size;
	h.msg.put.ack_wmd.interface_cookie = LU2K_LNET_COOKIE_NONE;
	h.msg.put.ack_wmd.object_cookie = LU2K_LNET_COOKIE_NONE;
	h.msg.put.match_bits = seq;
	rc = lu2k_lnet_hdr_encode(&h, hb, sizeof(hb));
	if (rc < 0)
		return rc;
	rc = lu2k_send_fill(e->a, e->routed ? &e->target : &e->nid_b,
			    e->has_via ? &e->via : &e->nid_b, hb, (size_t)rc, size, fill, &seq,
			    e->timeout_ms, (void *)(uintptr_t)seq);
	if (rc == 0) {
		e->sent++;
		e->inflight++;
	}
	return rc;
}

static int parse_sizes(struct e2e *e, const char *s)
{
	char *dup = strdup(s), *tok, *save = NULL;

	e->nsizes = 0;
	free(e->sizes);
	e->sizes = calloc(64, sizeof(*e->sizes));
	for (tok = strtok_r(dup, ",", &save); tok && e->nsizes < 64;
	     tok = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long v = strtoul(tok, &end, 0);

		if (*end == 'K' || *end == 'k')
			v <<= 10, end++;
		else if (*end == 'M' || *end == 'm')
			v <<= 20, end++;
		if (*end) {
			free(dup);
			return -1;
		}
		e->sizes[e->nsizes++] = (uint32_t)v;
	}
	free(dup);
	return e->nsizes ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "sock-a", 1, NULL, 'a' },  { "sock-b", 1, NULL, 'b' },
		{ "nid-a", 1, NULL, 'A' },   { "nid-b", 1, NULL, 'B' },
		{ "count", 1, NULL, 'n' },   { "sizes", 1, NULL, 's' },
		{ "window", 1, NULL, 'w' },  { "timeout", 1, NULL, 't' },
		{ "faults", 0, NULL, 'f' },  { "timeout-ms", 1, NULL, 'T' },
		{ "hold", 1, NULL, 'H' },    { "stop", 1, NULL, 'S' },
		{ "rx-pool", 1, NULL, 'R' }, { "target", 1, NULL, 'G' },
		{ "nexthop", 1, NULL, 'V' }, { "pause-b", 1, NULL, 'P' },
		{ "kill", 1, NULL, 'K' },    { NULL, 0, NULL, 0 },
	};
	struct e2e e = { .count = 1000, .window = 256 };
	struct lu2k_ni_params pa, pb;
	const char *sock_a = NULL, *sock_b = NULL, *na = NULL, *nb = NULL;
	double timeout_s = 60;
	bool faults = false, ok;
	pid_t stop_pid = 0;
	uint64_t rx_pool = 0;
	unsigned long pause_b_ms = 0; /* --pause-b: B reads nothing at first (its RX ring fills) */
	pid_t kill_pid = 0;	      /* --kill: B's daemon dies at the end of the pause */
	uint64_t t0, deadline;
	int o, rc;

	parse_sizes(&e, "0,1,72,4096,65536,1048576");
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 'a':
			sock_a = optarg;
			break;
		case 'b':
			sock_b = optarg;
			break;
		case 'A':
			na = optarg;
			break;
		case 'B':
			nb = optarg;
			break;
		case 'n':
			e.count = strtoull(optarg, NULL, 0);
			break;
		case 's':
			if (parse_sizes(&e, optarg)) {
				fprintf(stderr, "bad --sizes\n");
				return 2;
			}
			break;
		case 'w':
			e.window = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 't':
			timeout_s = strtod(optarg, NULL);
			break;
		case 'T':
			e.timeout_ms = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'f':
			faults = true;
			break;
		case 'H':
			e.hold = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'S':
			stop_pid = (pid_t)strtol(optarg, NULL, 0);
			break;
		case 'R':
			rx_pool = strtoull(optarg, NULL, 0) << 10;
			break;
		case 'G':
			if (lu2k_nid_parse(optarg, &e.target)) {
				fprintf(stderr, "bad --target\n");
				return 2;
			}
			e.routed = true;
			break;
		case 'P':
			pause_b_ms = strtoul(optarg, NULL, 0);
			break;
		case 'K':
			kill_pid = (pid_t)strtol(optarg, NULL, 0);
			break;
		case 'V':
			if (lu2k_nid_parse(optarg, &e.via)) {
				fprintf(stderr, "bad --nexthop\n");
				return 2;
			}
			e.has_via = true;
			break;
		default:
			return 2;
		}
	}
	if (!sock_a || !sock_b || !na || !nb || lu2k_nid_parse(na, &e.nid_a) ||
	    lu2k_nid_parse(nb, &e.nid_b)) {
		fprintf(stderr, "need --sock-a --sock-b --nid-a --nid-b\n");
		return 2;
	}
	e.cpl_seen = calloc(e.count, 1);
	e.rx_seen = calloc(e.count, 1);
	e.cpl_status_ok = calloc(e.count, 1);
	e.held = calloc(e.hold + 1, sizeof(*e.held));
	lu2k_ni_params_init(&pa);
	pa.nid = e.nid_a;
	pa.socket_path = sock_a;
	pa.on_cpl = on_cpl;
	pa.arg = &e;
	pb = pa;
	pb.nid = e.nid_b;
	pb.socket_path = sock_b;
	pb.on_rx = on_rx;
	if (rx_pool)
		pb.rx_pool_size = rx_pool;
	if (faults) {
		pa.flags |= LU2K_NI_RETRY;
		pb.flags |= LU2K_NI_RETRY;
	}
	rc = lu2k_ni_open(&e.a, &pa);
	if (!rc)
		rc = lu2k_ni_open(&e.b, &pb);
	if (rc) {
		fprintf(stderr, "lu2k_ni_open: %s\n", strerror(-rc));
		return 1;
	}
	/* --stop: freeze B's daemon (its TCP stays up, its acks stop) to provoke timeouts. */
	if (stop_pid > 0 && kill(stop_pid, SIGSTOP)) {
		perror("kill SIGSTOP");
		return 1;
	}
	t0 = now_ns();
	deadline = t0 + (uint64_t)(timeout_s * 1e9);
	while (e.completed < e.count || (!faults && e.received < e.count) || kill_pid > 0) {
		struct pollfd pf[2] = { { lu2k_ni_fd(e.a), POLLIN, 0 },
					{ lu2k_ni_fd(e.b), POLLIN, 0 } };
		int progressed = 0;

		if (now_ns() > deadline) {
			fprintf(stderr, "timed out\n");
			break;
		}
		while (e.sent < e.count && e.inflight < e.window) {
			rc = send_one(&e);
			if (rc == -EAGAIN)
				break;
			if (rc == -ENOTCONN && faults) {
				/* No daemon right now: that message fails at once, by design. */
				e.cpl_seen[e.sent] = 1;
				e.completed++;
				e.cpl_err++;
				e.sent++;
				continue;
			}
			if (rc) {
				fprintf(stderr, "lu2k_send: %s\n", strerror(-rc));
				return 1;
			}
			progressed++;
		}
		progressed += lu2k_ni_process(e.a);
		if (now_ns() - t0 >= (uint64_t)pause_b_ms * 1000000) {
			if (kill_pid > 0) {
				/* Its RX ring and pool are full, the sender is held back: now. */
				printf("killed B's daemon with %" PRIu64 " completed (ok %" PRIu64
				       ") and %" PRIu64 " received\n",
				       e.completed, e.cpl_ok, e.received);
				fflush(stdout);
				if (kill(kill_pid, SIGKILL)) {
					perror("kill SIGKILL");
					return 1;
				}
				kill_pid = 0;
			}
			progressed += lu2k_ni_process(e.b);
		}
		release_held(&e, false);
		if (!progressed)
			poll(pf, 2, 10);
	}
	{
		double dt = (double)(now_ns() - t0) / 1e9;

		if (stop_pid > 0)
			kill(stop_pid, SIGCONT);
		release_held(&e, true);
		/* Let late duplicates show up, if there were any. */
		for (int i = 0; i < 20; i++) {
			lu2k_ni_process(e.a);
			lu2k_ni_process(e.b);
		}
		ok = e.completed == e.count && !e.dup_cpl && !e.dup_rx && !e.bad_payload &&
		     !e.bad_src && !e.bad_len && !e.unknown;
		if (!faults)
			ok = ok && e.cpl_ok == e.count && e.received == e.count;
		for (uint64_t i = 0; i < e.count && ok; i++)
			if (e.cpl_status_ok[i] && !e.rx_seen[i]) {
				fprintf(stderr,
					"message %" PRIu64 " completed OK but never arrived\n", i);
				ok = false;
			}
		printf("%s: sent %" PRIu64 " completed %" PRIu64 " (ok %" PRIu64 " err %" PRIu64
		       ", first error %s) received %" PRIu64 " dup_cpl %" PRIu64 " dup_rx %" PRIu64
		       " bad_payload %" PRIu64 " bad_src %" PRIu64 " bad_len %" PRIu64
		       " unknown %" PRIu64 " max_held %" PRIu64 "; %.3f s, %.2f Gbit/s payload,"
		       " %.0f msg/s\n",
		       ok ? "PASS" : "FAIL", e.sent, e.completed, e.cpl_ok, e.cpl_err,
		       e.first_err ? strerror(-e.first_err) : "none", e.received, e.dup_cpl,
		       e.dup_rx, e.bad_payload, e.bad_src, e.bad_len, e.unknown, e.max_held, dt,
		       (double)e.bytes * 8 / dt / 1e9, (double)e.received / dt);
	}
	lu2k_ni_close(e.a);
	lu2k_ni_close(e.b);
	free(e.cpl_seen);
	free(e.rx_seen);
	free(e.cpl_status_ok);
	free(e.held);
	free(e.sizes);
	return ok ? 0 : 1;
}
