// SPDX-License-Identifier: MIT
/*
 * udt_interop_peer.c - drives lu2k's UDT engine over a real UDP socket, for
 * interop tests against libudt (test code; the real tool is lu2k-udt).
 *
 *   udt-interop-peer recv PORT NMSGS        listen on 127.0.0.1:PORT
 *   udt-interop-peer send HOST PORT NMSGS
 *
 * With UDT_INTEROP_DROP=N in the environment, every N-th data packet that
 * this peer sends or receives is thrown away, so that NAKs and
 * retransmissions cross between the two implementations. With
 * UDT_INTEROP_STREAM=1 the connection is a STREAM one: the messages are sent
 * as one byte stream and checked as such. UDT_INTEROP_BIND=ADDR binds to ADDR
 * instead of 127.0.0.1 (inside a test namespace), UDT_INTEROP_TIMEOUT=S gives
 * up after S seconds instead of 120.
 *
 * Exit 0 when all NMSGS messages went through intact, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proto/udt/udt.h"
#include "tests/udt-interop/interop.h"

static int nmsgs, nrecv, nacked, failed, sending;
static unsigned long drop_every, ndata_in, ndata_out, ndropped;
static int stream_mode, stream_k;
static size_t stream_off;
static struct udt_conn *conn;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Stream mode: the bytes must continue the concatenation of the messages. */
static void on_stream(const struct iovec *iov, int n)
{
	for (int i = 0; i < n && !failed; i++) {
		const uint8_t *p = iov[i].iov_base;

		for (size_t j = 0; j < iov[i].iov_len; j++) {
			if (stream_k >= nmsgs || p[j] != interop_byte(stream_k, stream_off)) {
				fprintf(stderr, "stream differs in message %d at %zu\n", stream_k,
					stream_off);
				failed = 1;
				return;
			}
			if (++stream_off == interop_size(stream_k)) {
				stream_k++;
				stream_off = 0;
				nrecv++;
			}
		}
	}
}

static void on_recv(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	int k = (int)msgno - 1, i;
	size_t off = 0;

	if (stream_mode) {
		on_stream(iov, n);
		return;
	}

	if (k != nrecv || len != interop_size(k)) {
		fprintf(stderr, "message %u: %zu bytes, expected #%d of %zu\n", msgno, len, nrecv,
			interop_size(nrecv));
		failed = 1;
	}
	for (i = 0; i < n && !failed; i++) {
		const uint8_t *p = iov[i].iov_base;

		for (size_t j = 0; j < iov[i].iov_len; j++, off++)
			if (p[j] != interop_byte(k, off)) {
				fprintf(stderr, "message %u differs at %zu\n", msgno, off);
				failed = 1;
				break;
			}
	}
	nrecv++;
}

static void on_acked(void *ud, uint32_t msgno, void *cookie)
{
	free(cookie);
	nacked++;
}

static void on_dropped(void *ud, uint32_t msgno, void *cookie, int err)
{
	free(cookie);
	fprintf(stderr, "message %u dropped: %s\n", msgno, strerror(-err));
	failed = 1;
}

static const struct udt_callbacks cbs = {
	.msg_recv = on_recv,
	.msg_acked = on_acked,
	.msg_dropped = on_dropped,
};

static void flush(int fd, const struct sockaddr_in *peer)
{
	uint8_t out[2048];
	size_t n;

	while (conn && (n = udt_conn_write_pkt(conn, out, sizeof(out), now_ns()))) {
		if (!(out[0] & 0x80) && drop_every && ++ndata_out % drop_every == 0) {
			ndropped++;
			continue;
		}
		if (sendto(fd, out, n, 0, (const struct sockaddr *)peer, sizeof(*peer)) < 0 &&
		    errno != EAGAIN && errno != ENOBUFS)
			perror("sendto");
	}
}

static int queue_more(int *k)
{
	while (*k < nmsgs) {
		size_t sz = interop_size(*k), i;
		uint8_t *b;
		uint32_t msgno;

		if (udt_conn_send_space(conn) < sz)
			return 0;
		b = malloc(sz);
		for (i = 0; i < sz; i++)
			b[i] = interop_byte(*k, i);
		if (udt_conn_send_msg(conn, b, sz, -1, 1, 0, b, &msgno, now_ns())) {
			free(b);
			return 0;
		}
		(*k)++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t key[16] = "interop-test-key";
	struct sockaddr_in me = { .sin_family = AF_INET }, peer = { .sin_family = AF_INET };
	struct udt_listener lis;
	struct udt_config cfg;
	uint64_t start = now_ns(), done_at = 0, limit = 120;
	uint8_t buf[65536];
	int fd, k = 0;

	if (argc == 4 && !strcmp(argv[1], "recv")) {
		me.sin_port = htons((uint16_t)atoi(argv[2]));
		nmsgs = atoi(argv[3]);
	} else if (argc == 5 && !strcmp(argv[1], "send")) {
		sending = 1;
		inet_pton(AF_INET, argv[2], &peer.sin_addr);
		peer.sin_port = htons((uint16_t)atoi(argv[3]));
		nmsgs = atoi(argv[4]);
	} else {
		fprintf(stderr, "usage: udt-interop-peer recv PORT N | send HOST PORT N\n");
		return 2;
	}
	if (getenv("UDT_INTEROP_DROP"))
		drop_every = strtoul(getenv("UDT_INTEROP_DROP"), NULL, 0);
	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (getenv("UDT_INTEROP_BIND"))
		inet_pton(AF_INET, getenv("UDT_INTEROP_BIND"), &me.sin_addr);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me))) {
		perror("socket/bind");
		return 1;
	}
	int sz = 8 << 20;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	udt_config_default(&cfg);
	stream_mode = getenv("UDT_INTEROP_STREAM") && atoi(getenv("UDT_INTEROP_STREAM"));
	if (stream_mode)
		cfg.sock_type = UDT_SOCK_STREAM;
	udt_listener_init(&lis, key, cfg.sock_type, cfg.mss, (int32_t)cfg.flight_max);
	/* as lu2kd's: the response carries an address token where libudt ignores it */
	udt_listener_tokens(&lis, offsetof(struct sockaddr_in, sin_port), sizeof(in_port_t));
	if (sending) {
		uint32_t ip[4];

		udt_hs_ip_from_v4(ip, (const uint8_t *)&peer.sin_addr);
		conn = udt_conn_connect(&cfg, &cbs, NULL, (uint32_t)(getpid() & 0x3fffffff) + 1,
					(uint32_t)(now_ns() & 0x7fffffff), ip, now_ns());
	} else {
		printf("listening\n");
		fflush(stdout);
	}
	if (getenv("UDT_INTEROP_TIMEOUT"))
		limit = strtoull(getenv("UDT_INTEROP_TIMEOUT"), NULL, 0);
	while (now_ns() - start < limit * 1000000000ull) {
		uint64_t t = now_ns(), dl = conn ? udt_conn_next_deadline(conn) : UINT64_MAX;
		uint64_t wait = dl <= t ? 0 : dl - t;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec ts;
		ssize_t n;

		/* sleep until the engine's next deadline, to the nanosecond (pacing) */
		if (wait > 100000000)
			wait = 100000000;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)wait;
		ppoll(&pfd, 1, &ts, NULL);
		for (int i = 0; i < 256; i++) {
			struct sockaddr_in from;
			socklen_t flen = sizeof(from);

			n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
			if (n < 0)
				break;
			if (!sending && n >= 16 && !buf[12] && !buf[13] && !buf[14] && !buf[15]) {
				uint8_t out[2048];
				struct udt_hs hs;
				size_t olen;
				int r = udt_listener_recv(&lis, buf, (size_t)n, &from, sizeof(from),
							  now_ns(), out, sizeof(out), &olen, &hs);

				if (r == UDT_LISTEN_REPLY)
					sendto(fd, out, olen, 0, (struct sockaddr *)&from, flen);
				if (r != UDT_LISTEN_ACCEPT)
					continue;
				if (!conn) {
					uint32_t ip[4];

					peer = from;
					udt_hs_ip_from_v4(ip, (const uint8_t *)&from.sin_addr);
					conn = udt_conn_accept(&cfg, &cbs, NULL, 0x2a2a2a, &hs, ip,
							       now_ns());
					continue;
				}
			}
			if (n >= 16 && !(buf[0] & 0x80) && drop_every &&
			    ++ndata_in % drop_every == 0) {
				ndropped++;
				continue;
			}
			if (conn)
				udt_conn_recv_pkt(conn, buf, (size_t)n, now_ns());
		}
		if (!conn)
			continue;
		if (udt_conn_next_deadline(conn) <= now_ns())
			udt_conn_handle_timers(conn, now_ns());
		if (sending && udt_conn_state(conn) == UDT_ST_CONNECTED)
			queue_more(&k);
		flush(fd, &peer);
		if (failed)
			break;
		if (udt_conn_state(conn) == UDT_ST_BROKEN) {
			fprintf(stderr, "connection broken: %s\n", strerror(-udt_conn_error(conn)));
			failed = 1;
			break;
		}
		/*
		 * libudt's blocking recvmsg() throws away a message it has just read
		 * when a shutdown arrives meanwhile: give its reader a second.
		 */
		if (sending && nacked == nmsgs && !done_at) {
			done_at = now_ns();
			printf("all acknowledged after %.3f s\n", (done_at - start) / 1e9);
		}
		if (sending && done_at && now_ns() - done_at > 1000000000ull &&
		    udt_conn_state(conn) == UDT_ST_CONNECTED)
			udt_conn_shutdown(conn, now_ns());
		if (sending && udt_conn_state(conn) == UDT_ST_CLOSED)
			break;
		if (!sending && nrecv == nmsgs && !done_at)
			done_at = now_ns();
		/* receiver: keep acknowledging for a moment, or until the peer closes */
		if (done_at &&
		    (now_ns() - done_at > 2000000000ull || udt_conn_state(conn) == UDT_ST_CLOSED))
			break;
	}
	flush(fd, &peer);
	if (conn) {
		struct udt_stats st;

		udt_conn_get_stats(conn, &st);
		printf("%s: %d msgs, sent %llu pkts (%llu retrans), recv %llu pkts, "
		       "naks sent %llu recv %llu, dropped here %lu, rtt %d us, period %.1f us, "
		       "bw %d rate %d pkt/s, %.2f s\n",
		       sending ? "sent" : "received", sending ? nacked : nrecv,
		       (unsigned long long)st.pkts_sent, (unsigned long long)st.pkts_retrans,
		       (unsigned long long)st.pkts_recv, (unsigned long long)st.naks_sent,
		       (unsigned long long)st.naks_recv, ndropped, st.rtt_us, st.pkt_snd_period_us,
		       st.bandwidth_pps, st.rcv_rate_pps, (now_ns() - start) / 1e9);
	}
	udt_conn_free(conn);
	close(fd);
	if (failed)
		return 1;
	return (sending ? nacked : nrecv) == nmsgs ? 0 : 1;
}
