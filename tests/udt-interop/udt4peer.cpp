// SPDX-License-Identifier: MIT
/*
 * udt4peer.cpp - a libudt (UDT4) test peer for interop tests (test code).
 *
 *   udt4peer recv PORT NMSGS         accept one connection, check NMSGS messages
 *   udt4peer send HOST PORT NMSGS    connect, send NMSGS messages, close
 *
 * Message k (0-based) has interop_size(k) bytes of interop_byte(k, i). With
 * UDT_INTEROP_STREAM=1 the socket is a STREAM one and the messages are just
 * the byte stream, concatenated. UDT_INTEROP_BIND=ADDR: listen on ADDR, not
 * 127.0.0.1. UDT_INTEROP_TIME=S (send): send the NMSGS messages over and over
 * for S seconds or until the receiver closes, then close without lingering
 * (scripts/bench-udt measures the goodput at the receiver).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <udt/udt.h>

#include "interop.h"

static int stream_mode;

/* Reads the stream and checks it is the concatenation of the n messages. */
static int check_stream(UDTSOCKET s, int n)
{
	static char buf[65536];
	long long total = 0;
	size_t off = 0;
	int k = 0;

	while (k < n) {
		int r = UDT::recv(s, buf, sizeof(buf), 0);

		if (r <= 0) {
			fprintf(stderr, "udt4peer: recv: %s\n", UDT::getlasterror().getErrorMessage());
			return 1;
		}
		for (int i = 0; i < r; i++) {
			if (k >= n || (uint8_t)buf[i] != interop_byte(k, off)) {
				fprintf(stderr, "udt4peer: stream differs in message %d at %zu\n", k, off);
				return 1;
			}
			if (++off == interop_size(k))
				k++, off = 0;
		}
		total += r;
	}
	printf("received a stream of %d messages, %lld bytes\n", n, total);
	return 0;
}

static int do_recv(int port, int n)
{
	UDTSOCKET l = UDT::socket(AF_INET, stream_mode ? SOCK_STREAM : SOCK_DGRAM, 0), s;
	sockaddr_in a;
	int len = sizeof(a), k;
	static char buf[INTEROP_MAXMSG];
	long long total = 0;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (getenv("UDT_INTEROP_BIND"))
		inet_pton(AF_INET, getenv("UDT_INTEROP_BIND"), &a.sin_addr);
	if (UDT::bind(l, (sockaddr *)&a, sizeof(a)) || UDT::listen(l, 4)) {
		fprintf(stderr, "udt4peer: bind/listen: %s\n", UDT::getlasterror().getErrorMessage());
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	s = UDT::accept(l, (sockaddr *)&a, &len);
	if (s == UDT::INVALID_SOCK) {
		fprintf(stderr, "udt4peer: accept: %s\n", UDT::getlasterror().getErrorMessage());
		return 1;
	}
	if (stream_mode) {
		int r = check_stream(s, n);

		sleep(1);
		UDT::close(s);
		UDT::close(l);
		return r;
	}
	for (k = 0; k < n; k++) {
		int r = UDT::recvmsg(s, buf, sizeof(buf));
		size_t want = interop_size(k);

		if (r < 0) {
			fprintf(stderr, "udt4peer: recvmsg %d: %s\n", k,
				UDT::getlasterror().getErrorMessage());
			return 1;
		}
		if ((size_t)r != want) {
			fprintf(stderr, "udt4peer: message %d: %d bytes, want %zu\n", k, r, want);
			return 1;
		}
		for (int i = 0; i < r; i++)
			if ((uint8_t)buf[i] != interop_byte(k, (size_t)i)) {
				fprintf(stderr, "udt4peer: message %d differs at %d\n", k, i);
				return 1;
			}
		total += r;
	}
	printf("received %d messages, %lld bytes\n", n, total);
	sleep(1); /* let the last ACKs out */
	UDT::close(s);
	UDT::close(l);
	return 0;
}

/* UDT_INTEROP_TRACE=1: the sender's CC state every second on stderr (bench-udt-cc.sh) */
static void *trace_loop(void *arg)
{
	UDTSOCKET s = *(UDTSOCKET *)arg;
	UDT::TRACEINFO ti;

	for (int t = 1; !UDT::perfmon(s, &ti, true); t++) {
		fprintf(stderr, "trace %d s: %.2f Mbit/s period %.1f us cwnd %d flow %d "
			"bw %.1f Mbit/s rtt %.1f ms naks %d retrans %d\n", t - 1, ti.mbpsSendRate,
			ti.usPktSndPeriod, ti.pktCongestionWindow, ti.pktFlowWindow,
			ti.mbpsBandwidth, ti.msRTT, ti.pktRecvNAK, ti.pktRetrans);
		sleep(1);
	}
	return NULL;
}

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * The sender's own figures, for comparing CC behaviour (bench-udt-cc.sh,
 * bench-udt); from `last` when the socket is broken (perfmon fails then).
 */
static void print_perf(UDTSOCKET s, const UDT::TRACEINFO *last)
{
	UDT::TRACEINFO now, *ti = &now;

	if (UDT::perfmon(s, &now, false))
		ti = (UDT::TRACEINFO *)last;
	if (ti)
		printf("libudt: packets sent %lld, retransmitted %d; loss reported %d; NAKs %d; "
		       "RTT %.1f ms; bandwidth %.1f Mbit/s; period %.1f us; cwnd %d\n",
		       (long long)ti->pktSentTotal, ti->pktRetransTotal, ti->pktSndLossTotal,
		       ti->pktRecvNAKTotal, ti->msRTT, ti->mbpsBandwidth, ti->usPktSndPeriod,
		       ti->pktCongestionWindow);
}

/*
 * Timed sending: messages 0..n-1 again and again until `secs` have passed or
 * the receiver closed (it ends a timed run by closing: not a failure).
 */
static int send_timed(UDTSOCKET s, int n, double secs)
{
	static char buf[INTEROP_MAXMSG];
	int tmo = 200, err = 0;
	double t0 = mono_s(), t = 0, t_perf = 0;
	UDT::TRACEINFO last;
	bool have_last = false;
	long long total = 0;
	linger lg = { 0, 0 };

	/* wake up now and then to look at the clock while the buffer is full */
	UDT::setsockopt(s, 0, UDT_SNDTIMEO, &tmo, sizeof(tmo));
	for (int k = 0; !err && mono_s() - t0 < secs; k = (k + 1) % n) {
		size_t sz = interop_size(k), done = 0;

		for (size_t i = 0; i < sz; i++)
			buf[i] = (char)interop_byte(k, i);
		while (done < sz && mono_s() - t0 < secs) {
			int r = stream_mode ? UDT::send(s, buf + done, (int)(sz - done), 0)
					    : UDT::sendmsg(s, buf, (int)sz, -1, true);

			if (r > 0) {
				done += (size_t)r;
				total += r;
			}
			/* the totals as of a moment ago: the receiver's close breaks the socket */
			if (mono_s() - t_perf > 0.1 && !UDT::perfmon(s, &last, false))
				have_last = true, t_perf = mono_s();
			if (r > 0)
				continue;
			if (r < 0 &&
			    UDT::getlasterror().getErrorCode() != CUDTException::ETIMEOUT) {
				err = UDT::getlasterror().getErrorCode();
				break;
			}
		}
	}
	t = mono_s() - t0;
	printf("sent %lld bytes in %.2f s (%s)\n", total, t,
	       err ? UDT::getlasterror().getErrorMessage() : "time is up");
	print_perf(s, have_last ? &last : NULL);
	UDT::setsockopt(s, 0, UDT_LINGER, &lg, sizeof(lg));
	UDT::close(s);
	/* the receiver closing is how a timed run ends; anything else before is not */
	return total > 0 && (!err || err == CUDTException::ECONNLOST) ? 0 : 1;
}

static int do_send(const char *host, int port, int n)
{
	UDTSOCKET s = UDT::socket(AF_INET, stream_mode ? SOCK_STREAM : SOCK_DGRAM, 0);
	sockaddr_in a;
	static char buf[INTEROP_MAXMSG];
	long long total = 0;
	int k, pending, len = sizeof(pending);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	inet_pton(AF_INET, host, &a.sin_addr);
	if (UDT::connect(s, (sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "udt4peer: connect: %s\n", UDT::getlasterror().getErrorMessage());
		return 1;
	}
	if (getenv("UDT_INTEROP_TRACE") && atoi(getenv("UDT_INTEROP_TRACE"))) {
		static UDTSOCKET ts;
		pthread_t th;

		ts = s;
		pthread_create(&th, NULL, trace_loop, &ts);
		pthread_detach(th);
	}
	if (getenv("UDT_INTEROP_TIME"))
		return send_timed(s, n, atof(getenv("UDT_INTEROP_TIME")));
	for (k = 0; k < n; k++) {
		size_t sz = interop_size(k);

		for (size_t i = 0; i < sz; i++)
			buf[i] = (char)interop_byte(k, i);
		if (stream_mode) {
			size_t done = 0;

			while (done < sz) {
				int r = UDT::send(s, buf + done, (int)(sz - done), 0);

				if (r <= 0)
					break;
				done += (size_t)r;
			}
			if (done == sz) {
				total += (long long)sz;
				continue;
			}
			fprintf(stderr, "udt4peer: send %d: %s\n", k,
				UDT::getlasterror().getErrorMessage());
			return 1;
		}
		if (UDT::sendmsg(s, buf, (int)sz, -1, true) != (int)sz) {
			fprintf(stderr, "udt4peer: sendmsg %d: %s\n", k,
				UDT::getlasterror().getErrorMessage());
			return 1;
		}
		total += (long long)sz;
	}
	/* wait until everything is acknowledged, at most 600 s */
	for (k = 0; k < 60000; k++) {
		if (UDT::getsockopt(s, 0, UDT_SNDDATA, &pending, &len) || pending == 0)
			break;
		usleep(10000);
	}
	printf("sent %d messages, %lld bytes, %d packets unacknowledged\n", n, total, pending);
	print_perf(s, NULL);
	UDT::close(s);
	return pending == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	int r = 2;

	stream_mode = getenv("UDT_INTEROP_STREAM") && atoi(getenv("UDT_INTEROP_STREAM"));
	UDT::startup();
	if (argc == 4 && !strcmp(argv[1], "recv"))
		r = do_recv(atoi(argv[2]), atoi(argv[3]));
	else if (argc == 5 && !strcmp(argv[1], "send"))
		r = do_send(argv[2], atoi(argv[3]), atoi(argv[4]));
	else
		fprintf(stderr, "usage: udt4peer recv PORT N | send HOST PORT N\n");
	UDT::cleanup();
	return r;
}
