/* SPDX-License-Identifier: MIT */
/*
 * lu2k-bench-peers - how much memory lu2kd needs per peer.
 *
 * One process plays many LNet nodes: it attaches N interfaces (NIDs
 * BASE+0 .. BASE+N-1, small pools) to daemon B, and one interface to daemon A,
 * which then sends one small PUT to every one of the N NIDs, so that A ends
 * up with N peers and N connections. It reads the resident size of both
 * daemons (from /proc) before and after, and prints the figures.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/nid.h"
#include "lib/lu2k.h"

struct opts {
	const char *sock_a, *sock_b;
	struct lu2k_nid nid_a, base;
	unsigned int peers;
	int pid_a, pid_b;
	int json;
};

static unsigned long long done_ok, done_err, received;

static long rss_kib(int pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void on_cpl(struct lu2k_ni *ni, void *ctx, int status, void *arg)
{
	if (status == 0)
		done_ok++;
	else
		done_err++;
}

static int on_rx(struct lu2k_ni *ni, const struct lu2k_rx_msg *msg, void *arg)
{
	received++;
	return 0;
}

static void nid_add(struct lu2k_nid *n, const struct lu2k_nid *base, unsigned int i)
{
	uint32_t a;

	*n = *base;
	memcpy(&a, base->addr, 4);
	a = htonl(ntohl(a) + i);
	memcpy(n->addr, &a, 4);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lu2k-bench-peers --socket-a PATH --nid-a NID --socket-b PATH --base NID\n"
		"                        --peers N --pid-a PID --pid-b PID [--json]\n"
		"Attaches N interfaces (NIDs from --base upwards, IPv4) to daemon B, sends one\n"
		"small message from --nid-a (on daemon A) to each, and prints the resident\n"
		"size of both daemons before and after.\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "socket-a", required_argument, NULL, 'a' },
		{ "socket-b", required_argument, NULL, 'b' },
		{ "nid-a", required_argument, NULL, 'n' },
		{ "base", required_argument, NULL, 'B' },
		{ "peers", required_argument, NULL, 'N' },
		{ "pid-a", required_argument, NULL, 'p' },
		{ "pid-b", required_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, have = 0;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->sock_a = optarg;
			have |= 1;
			break;
		case 'b':
			o->sock_b = optarg;
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
			o->pid_b = atoi(optarg);
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
	if (have != 15 || !o->peers || o->peers > 60000 || o->pid_a <= 0 || o->pid_b <= 0) {
		fprintf(stderr, "lu2k-bench-peers: --socket-a, --socket-b, --nid-a, --base, "
				"--peers (1..60000), --pid-a and --pid-b are required\n");
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "lu2k-bench-peers: '%s' is not a NID (IPv4 for --base)\n", optarg);
	return -1;
}

static void small_params(struct lu2k_ni_params *p, const struct lu2k_nid *nid, const char *sock)
{
	lu2k_ni_params_init(p);
	p->nid = *nid;
	p->socket_path = sock;
	p->ring_entries = 16;
	p->tx_pool_size = 64 << 10;
	p->rx_pool_size = 64 << 10;
	p->max_payload = 4096;
	p->peer_credits = 8;
	p->credits = 16;
	p->on_cpl = on_cpl;
	p->on_rx = on_rx;
}

static void process_all(struct lu2k_ni **nis, unsigned int n, struct lu2k_ni *a)
{
	for (unsigned int i = 0; i < n; i++)
		lu2k_ni_process(nis[i]);
	lu2k_ni_wait(a, 10);
}

int main(int argc, char **argv)
{
	struct lu2k_ni **nis, *a;
	struct lu2k_ni_params p;
	long a0, b0, b1, a1;
	unsigned int i, sent = 0;
	double t0, deadline;
	struct opts o;
	int rc;

	if (parse(argc, argv, &o))
		return 2;
	nis = calloc(o.peers, sizeof(*nis));
	if (!nis)
		return 1;
	a0 = rss_kib(o.pid_a);
	b0 = rss_kib(o.pid_b);
	for (i = 0; i < o.peers; i++) {
		struct lu2k_nid n;

		nid_add(&n, &o.base, i);
		small_params(&p, &n, o.sock_b);
		rc = lu2k_ni_open(&nis[i], &p);
		if (rc) {
			fprintf(stderr, "lu2k-bench-peers: attach %u to daemon B: %s\n", i,
				strerror(-rc));
			return 1;
		}
	}
	b1 = rss_kib(o.pid_b);
	lu2k_ni_params_init(&p);
	small_params(&p, &o.nid_a, o.sock_a);
	p.peer_credits = 8;
	p.credits = 1024;
	p.ring_entries = 1024;
	p.tx_pool_size = 8 << 20;
	rc = lu2k_ni_open(&a, &p);
	if (rc) {
		fprintf(stderr, "lu2k-bench-peers: attach to daemon A: %s\n", strerror(-rc));
		return 1;
	}
	t0 = now_s();
	deadline = t0 + 120;
	while ((sent < o.peers || done_ok + done_err < sent) && now_s() < deadline) {
		while (sent < o.peers) {
			struct lu2k_lnet_hdr h;
			uint8_t hdr[128], payload[64];
			struct iovec iov = { payload, sizeof(payload) };
			struct lu2k_nid n;
			int len;

			nid_add(&n, &o.base, sent);
			memset(&h, 0, sizeof(h));
			h.dest_nid = n;
			h.src_nid = o.nid_a;
			h.type = LU2K_LNET_MSG_PUT;
			h.payload_length = sizeof(payload);
			memset(payload, 0x5a, sizeof(payload));
			len = lu2k_lnet_hdr_encode(&h, hdr, sizeof(hdr));
			if (len < 0)
				return 1;
			rc = lu2k_send(a, &n, NULL, hdr, (size_t)len, &iov, 1, 60000, NULL);
			if (rc == -EAGAIN)
				break;
			if (rc) {
				fprintf(stderr, "lu2k-bench-peers: send: %s\n", strerror(-rc));
				return 1;
			}
			sent++;
		}
		process_all(nis, o.peers, a);
	}
	/* Let the receivers drain, then measure. */
	for (int k = 0; k < 50 && received < done_ok; k++)
		process_all(nis, o.peers, a);
	a1 = rss_kib(o.pid_a);
	if (o.json)
		printf("{\"peers\":%u,\"ok\":%llu,\"errors\":%llu,\"received\":%llu,\"seconds\":%."
		       "2f,"
		       "\"a_rss_kib_start\":%ld,\"a_rss_kib_peers\":%ld,\"b_rss_kib_start\":%ld,"
		       "\"b_rss_kib_ifaces\":%ld}\n",
		       o.peers, done_ok, done_err, received, now_s() - t0, a0, a1, b0, b1);
	else
		printf("peers %u: %llu delivered, %llu errors, %llu received in %.2f s\n"
		       "daemon A (one interface, %u peers): RSS %ld KiB at start, %ld KiB with the "
		       "peers: %.1f KiB per peer\n"
		       "daemon B (%u interfaces): RSS %ld KiB at start, %ld KiB attached: %.1f KiB "
		       "per interface\n",
		       o.peers, done_ok, done_err, received, now_s() - t0, o.peers, a0, a1,
		       (double)(a1 - a0) / o.peers, o.peers, b0, b1, (double)(b1 - b0) / o.peers);
	lu2k_ni_close(a);
	for (i = 0; i < o.peers; i++)
		lu2k_ni_close(nis[i]);
	free(nis);
	return done_ok == o.peers && received == o.peers ? 0 : 1;
}
