/* SPDX-License-Identifier: MIT */
/*
 * lu2k-udt - files and streams over lu2k's UDT engine, without LNet: the
 * engine can be used, measured and tested on its own, and it talks to any
 * program built on libudt (UDT4) with a STREAM socket (appserver/appclient
 * style: connect, send bytes, close).
 *
 *   lu2k-udt send FILE HOST PORT     send FILE's bytes, then close
 *   lu2k-udt recv PORT OUTFILE       accept one sender, write its bytes ("-": stdout)
 *   lu2k-udt perf HOST PORT          send --mb MB of a pattern, report Mbit/s
 *   lu2k-udt recv PORT - --check     receive and verify the pattern
 *
 * With --time S, perf sends for S seconds (or until the receiver closes) and
 * recv counts what arrives in the S seconds after it accepted the sender,
 * reports that and closes: goodput at the receiver over a fixed window, for
 * flows too slow for a fixed size (scripts/bench-udt).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lu2k/version.h"
#include "proto/udt/cc.h"
#include "udt_tool.h"

#define CHUNK (1u << 20)

struct app {
	struct ut_conn t;
	bool quiet, check, closed, failed;
	int out_fd;
	uint64_t bytes_rx, bytes_acked, bytes_queued, total, check_off;
	uint64_t start_ns, last_report_ns, last_report_bytes;
	uint64_t run_ns; /* --time: the window, 0 for none */
	int err;
};

static volatile sig_atomic_t interrupted;

static void on_sig(int s)
{
	interrupted = 1;
}

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 131u + (i >> 8) + (i >> 20));
}

static void on_recv(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	struct app *a = ud;

	for (int i = 0; i < n; i++) {
		const uint8_t *p = iov[i].iov_base;

		if (a->check)
			for (size_t j = 0; j < iov[i].iov_len && !a->failed; j++)
				if (p[j] != pattern(a->check_off + j)) {
					fprintf(stderr,
						"lu2k-udt: byte %llu differs from the pattern\n",
						(unsigned long long)(a->check_off + j));
					a->failed = true;
				}
		a->check_off += iov[i].iov_len;
	}
	if (a->out_fd >= 0) {
		size_t done = 0;

		/* writev may write less: finish the rest */
		while (done < len) {
			struct iovec v[64];
			size_t skip = done;
			int k = 0;

			for (int i = 0; i < n && k < 64; i++) {
				if (skip >= iov[i].iov_len) {
					skip -= iov[i].iov_len;
					continue;
				}
				v[k].iov_base = (uint8_t *)iov[i].iov_base + skip;
				v[k++].iov_len = iov[i].iov_len - skip;
				skip = 0;
			}
			ssize_t w = writev(a->out_fd, v, k);

			if (w <= 0) {
				perror("lu2k-udt: write");
				a->failed = true;
				break;
			}
			done += (size_t)w;
		}
	}
	a->bytes_rx += len;
}

static void on_acked(void *ud, uint32_t msgno, void *cookie)
{
	struct app *a = ud;

	a->bytes_acked += (uint64_t)(uintptr_t)cookie;
}

static void on_dropped(void *ud, uint32_t msgno, void *cookie, int err)
{
	struct app *a = ud;

	/* a timed run ends by closing with data queued: not a failure (a break is) */
	if (a->run_ns)
		return;
	a->failed = true;
	if (!a->err)
		a->err = err;
}

static void on_state(void *ud, enum udt_state st, int err)
{
	struct app *a = ud;

	if (st == UDT_ST_CLOSED || st == UDT_ST_BROKEN) {
		a->closed = true;
		if (err && !a->err && st == UDT_ST_BROKEN)
			a->err = err;
		if (st == UDT_ST_BROKEN && a->run_ns)
			a->failed = true;
	}
}

static void report(struct app *a, bool final)
{
	uint64_t now = ut_now(), b = a->bytes_rx + a->bytes_acked;
	struct udt_stats st;
	double dt, rate;

	if (!final && (a->quiet || now - a->last_report_ns < (uint64_t)LU2K_NS_PER_S))
		return;
	memset(&st, 0, sizeof(st));
	if (a->t.u)
		udt_conn_get_stats(a->t.u, &st);
	if (final) {
		dt = (now - a->start_ns) / 1e9;
		rate = dt > 0 ? b * 8 / dt / 1e6 : 0;
		printf("lu2k-udt: %llu bytes in %.2f s: %.2f Mbit/s; packets sent %llu, "
		       "retransmitted %llu, received %llu; loss reported %llu/%llu; NAKs "
		       "%llu/%llu; timeouts %llu; "
		       "RTT %.1f ms; bandwidth %d, rate %d pkt/s; %s\n",
		       (unsigned long long)b, dt, rate, (unsigned long long)st.pkts_sent,
		       (unsigned long long)st.pkts_retrans, (unsigned long long)st.pkts_recv,
		       (unsigned long long)st.snd_loss, (unsigned long long)st.rcv_loss,
		       (unsigned long long)st.naks_recv, (unsigned long long)st.naks_sent,
		       (unsigned long long)st.timeouts, st.rtt_us / 1000.0, st.bandwidth_pps,
		       st.rcv_rate_pps, a->failed ? "FAIL" : "ok");
		return;
	}
	dt = (now - a->last_report_ns) / 1e9;
	rate = (b - a->last_report_bytes) * 8 / dt / 1e6;
	fprintf(stderr,
		"  %7.1f s %10.1f MB %8.2f Mbit/s  rtt %6.1f ms  retrans %llu  naks %llu  "
		"period %.1f us  cwnd %.0f  flow %d  bw %d  rate %d\n",
		(now - a->start_ns) / 1e9, b / 1e6, rate, st.rtt_us / 1000.0,
		(unsigned long long)st.pkts_retrans,
		(unsigned long long)(st.naks_recv + st.naks_sent), st.pkt_snd_period_us, st.cwnd,
		st.flow_window, st.bandwidth_pps, st.rcv_rate_pps);
	a->last_report_ns = now;
	a->last_report_bytes = b;
}

/* Queue more of the file (or pattern) while the engine has room. */
static int feed(struct app *a, int fd)
{
	while (a->bytes_queued < a->total && udt_conn_send_space(a->t.u) >= CHUNK) {
		uint64_t left = a->total - a->bytes_queued;
		size_t n = left < CHUNK ? (size_t)left : CHUNK;
		uint8_t *buf = malloc(n);
		uint32_t msgno;
		int rc;

		if (!buf)
			return -ENOMEM;
		if (fd >= 0) {
			ssize_t r = pread(fd, buf, n, (off_t)a->bytes_queued);

			if (r != (ssize_t)n) {
				free(buf);
				fprintf(stderr, "lu2k-udt: short read from the file\n");
				return -EIO;
			}
		} else {
			for (size_t i = 0; i < n; i++)
				buf[i] = pattern(a->bytes_queued + i);
		}
		rc = udt_conn_send_msg(a->t.u, buf, n, -1, 1, UDT_MSG_COPY, (void *)(uintptr_t)n,
				       &msgno, ut_now());
		free(buf);
		if (rc)
			return rc == -EAGAIN ? 0 : rc;
		a->bytes_queued += n;
	}
	return 0;
}

static int do_send(struct app *a, const char *file, const char *host, const char *port,
		   uint64_t timeout_ns)
{
	int fd = -1, rc;
	bool shut = false;
	uint64_t deadline;

	if (file) {
		struct stat sb;

		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &sb)) {
			perror(file);
			return 1;
		}
		a->total = (uint64_t)sb.st_size;
	}
	rc = ut_connect(&a->t, host, port);
	if (rc) {
		fprintf(stderr, "lu2k-udt: cannot start: %s\n", strerror(-rc));
		return 1;
	}
	deadline = ut_now() + timeout_ns;
	while (udt_conn_state(a->t.u) == UDT_ST_CONNECTING && !interrupted && ut_now() < deadline)
		ut_step(&a->t, lu2k_time_ms_to_ns(100));
	if (udt_conn_state(a->t.u) != UDT_ST_CONNECTED) {
		fprintf(stderr, "lu2k-udt: cannot connect to %s port %s: %s\n", host, port,
			strerror(-(udt_conn_error(a->t.u) ? udt_conn_error(a->t.u) : ETIMEDOUT)));
		return 1;
	}
	a->start_ns = a->last_report_ns = ut_now();
	while (!interrupted && !a->closed && !a->failed) {
		rc = feed(a, fd);
		if (rc) {
			fprintf(stderr, "lu2k-udt: %s\n", strerror(-rc));
			a->failed = true;
			break;
		}
		if (a->bytes_acked == a->total && !shut) {
			/* everything is acknowledged: say goodbye */
			udt_conn_shutdown(a->t.u, ut_now());
			shut = true;
			break;
		}
		if (a->run_ns && ut_now() - a->start_ns >= a->run_ns) {
			/* time is up: stop without waiting for what is in flight */
			udt_conn_abort(a->t.u, ut_now());
			break;
		}
		ut_step(&a->t, lu2k_time_ms_to_ns(100));
		report(a, false);
		if (ut_now() > deadline) {
			fprintf(stderr, "lu2k-udt: timed out\n");
			a->failed = true;
		}
	}
	if (a->err)
		fprintf(stderr, "lu2k-udt: connection failed: %s\n", strerror(-a->err));
	if (interrupted)
		a->failed = true;
	/* let the shutdown and the last ACK2s leave */
	for (int i = 0; i < 5; i++)
		ut_step(&a->t, lu2k_time_ms_to_ns(10));
	report(a, true);
	if (fd >= 0)
		close(fd);
	return a->failed ? 1 : 0;
}

static int do_recv(struct app *a, const char *addr, const char *port, const char *out,
		   uint64_t timeout_ns)
{
	uint64_t deadline = ut_now() + timeout_ns;
	bool window_end = false;
	int rc;

	a->out_fd = -1;
	if (strcmp(out, "-") == 0)
		a->out_fd = a->check ? -1 : 1;
	else if (strcmp(out, "/dev/null") != 0) {
		a->out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (a->out_fd < 0) {
			perror(out);
			return 1;
		}
	}
	rc = ut_listen(&a->t, addr, port);
	if (rc) {
		fprintf(stderr, "lu2k-udt: cannot listen on port %s: %s\n", port, strerror(-rc));
		return 1;
	}
	fprintf(stderr, "lu2k-udt: listening on port %s\n", port);
	while (!a->t.u && !interrupted && ut_now() < deadline)
		ut_step(&a->t, lu2k_time_ms_to_ns(100));
	a->start_ns = a->last_report_ns = ut_now();
	while (a->t.u && !a->closed && !interrupted && !a->failed && ut_now() < deadline) {
		uint64_t step = lu2k_time_ms_to_ns(100), now = ut_now();

		if (a->run_ns) {
			if (now - a->start_ns >= a->run_ns) {
				window_end = true;
				break;
			}
			if (a->run_ns - (now - a->start_ns) < step)
				step = a->run_ns - (now - a->start_ns);
		}
		ut_step(&a->t, step);
		report(a, false);
	}
	if (window_end) {
		/* the figures of the window, then tell the sender to stop */
		report(a, true);
		udt_conn_abort(a->t.u, ut_now());
		ut_step(&a->t, 0);
		if (a->out_fd > 2)
			close(a->out_fd);
		return a->failed ? 1 : 0;
	}
	if (!a->t.u || !a->closed) {
		fprintf(stderr, "lu2k-udt: %s\n", interrupted ? "interrupted" : "timed out");
		a->failed = true;
	}
	if (a->err)
		fprintf(stderr, "lu2k-udt: connection failed: %s\n", strerror(-a->err));
	report(a, true);
	if (a->out_fd > 2 && close(a->out_fd)) {
		perror(out);
		a->failed = true;
	}
	return a->failed ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: lu2k-udt [OPTION]... send FILE HOST PORT\n"
		   "       lu2k-udt [OPTION]... recv PORT OUTFILE     (OUTFILE - : stdout)\n"
		   "       lu2k-udt [OPTION]... perf HOST PORT        (--mb MB of a pattern)\n"
		   "Moves bytes over lu2k's UDT engine (UDT4 on the wire, STREAM sockets, so\n"
		   "libudt programs are peers). recv accepts one sender and ends when it closes.\n"
		   "  --cc NAME       congestion control [lossy]\n"
		   "  --udt4          UDT4's timers: first RTT guess 100 ms, an EXP timeout\n"
		   "                  resends everything unacknowledged, no repeated NAKs\n"
		   "                  (default: RTT from the handshake, EXP resends head and\n"
		   "                  tail, NAKs repeated per hole)\n"
		   "  --mss N         bytes of an IP packet [1500]\n"
		   "  --window N      flow window and buffers, packets [25600]\n"
		   "  --mb N          perf: megabytes (10^6) to send [100]\n"
		   "  --time S        perf: send for S seconds instead (the receiver may close\n"
		   "                  first); recv: count S seconds from the connection, report,\n"
		   "                  close\n"
		   "  --check         recv: verify the bytes are perf's pattern\n"
		   "  --bind ADDR     recv: listen on ADDR only\n"
		   "  --timeout S     give up after S seconds [600]\n"
		   "  -q, --quiet     no progress lines (the summary is still printed)\n"
		   "  -h, --help      this text\n"
		   "  -V, --version   print the version\n"
		   "Congestion controls:");
	for (size_t i = 0; udt_cc_get(i); i++)
		fprintf(f, " %s", udt_cc_get(i)->name);
	fprintf(f, "\nExit status: 0 when every byte went through, 1 otherwise, 2 on bad usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = { { "cc", 1, NULL, 'c' },
					    { "mss", 1, NULL, 'm' },
					    { "window", 1, NULL, 'w' },
					    { "mb", 1, NULL, 'M' },
					    { "check", 0, NULL, 'C' },
					    { "bind", 1, NULL, 'b' },
					    { "timeout", 1, NULL, 't' },
					    { "quiet", 0, NULL, 'q' },
					    { "help", 0, NULL, 'h' },
					    { "time", 1, NULL, 'T' },
					    { "udt4", 0, NULL, 'U' },
					    { "version", 0, NULL, 'V' },
					    { 0 } };
	struct app a = { .out_fd = -1 };
	const char *bind_addr = NULL;
	uint64_t mb = 100, timeout_s = 600;
	int o;

	udt_config_default(&a.t.cfg);
	a.t.cfg.sock_type = UDT_SOCK_STREAM;
	/* as lu2kd: the native CC keeps a few % of a lossy long link */
	a.t.cfg.cc = "lossy";
	/* UDT4's 100 ms first guess fires an EXP before a 600 ms path's first ACK */
	a.t.cfg.rtt_from_handshake = 1;
	a.t.fd = -1;
	while ((o = getopt_long(argc, argv, "qhV", lo, NULL)) != -1) {
		char *end;
		unsigned long long v = 0;

		if (optarg && o != 'c' && o != 'b') {
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg) {
				fprintf(stderr, "lu2k-udt: bad number '%s'\n", optarg);
				return 2;
			}
		}
		switch (o) {
		case 'c':
			if (!udt_cc_find(optarg)) {
				fprintf(stderr, "lu2k-udt: unknown congestion control '%s'\n",
					optarg);
				return 2;
			}
			a.t.cfg.cc = optarg;
			break;
		case 'm':
			if (v < 576 || v > 9000) {
				fprintf(stderr, "lu2k-udt: --mss wants 576..9000\n");
				return 2;
			}
			a.t.cfg.mss = (int32_t)v;
			break;
		case 'w':
			if (v < 64 || v > (1u << 22)) {
				fprintf(stderr, "lu2k-udt: --window wants 64..4194304\n");
				return 2;
			}
			a.t.cfg.flight_max = a.t.cfg.rcv_buf_pkts = a.t.cfg.snd_buf_pkts =
				(uint32_t)v;
			break;
		case 'M':
			mb = v;
			break;
		case 'U':
			a.t.cfg.rtt_from_handshake = 0;
			a.t.cfg.exp_resend_all = 1;
			a.t.cfg.nak_timer = 0;
			break;
		case 'C':
			a.check = true;
			break;
		case 'b':
			bind_addr = optarg;
			break;
		case 't':
			timeout_s = v ? v : 1;
			break;
		case 'T':
			if (v < 1 || v > 86400) {
				fprintf(stderr, "lu2k-udt: --time wants 1..86400 seconds\n");
				return 2;
			}
			a.run_ns = lu2k_time_s_to_ns(v);
			break;
		case 'q':
			a.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("lu2k-udt %s\n", LU2K_VERSION_STR);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	a.t.ud = &a;
	a.t.cb = (struct udt_callbacks){ .msg_recv = on_recv,
					 .msg_acked = on_acked,
					 .msg_dropped = on_dropped,
					 .state_change = on_state };
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	signal(SIGPIPE, SIG_IGN);
	if (argc == 4 && !strcmp(argv[0], "send")) {
		if (a.run_ns) {
			fprintf(stderr, "lu2k-udt: --time is for perf and recv\n");
			return 2;
		}
		o = do_send(&a, argv[1], argv[2], argv[3], lu2k_time_s_to_ns(timeout_s));
	} else if (argc == 3 && !strcmp(argv[0], "perf")) {
		a.total = a.run_ns ? UINT64_MAX : mb * 1000000ull;
		o = do_send(&a, NULL, argv[1], argv[2], lu2k_time_s_to_ns(timeout_s));
	} else if (argc == 3 && !strcmp(argv[0], "recv")) {
		o = do_recv(&a, bind_addr, argv[1], argv[2], lu2k_time_s_to_ns(timeout_s));
	} else {
		usage(stderr);
		return 2;
	}
	ut_close(&a.t);
	return o;
}
