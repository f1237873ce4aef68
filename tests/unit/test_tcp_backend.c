/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the tcp back-end through the back-end API (backends/tcp*.c),
 * with a fake core (the upcalls below) and a raw TCP socket on the other end
 * playing the peer daemon, byte by byte where it matters:
 *  - incoming: hello + frames split into 1-byte writes, zero-length and
 *    staged small messages, acks cumulative, RX backpressure and resume with
 *    frames left in the staging buffer, garbage closes that conn only;
 *  - outgoing: hello, frames from the message's memory, acks complete
 *    messages exactly once; the peer's death fails the rest exactly once;
 *    cancel of an unsent message; a refused hello; a socket that takes a
 *    little of a frame at a time (writes resumed in headers and payloads).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/backend.h"
#include "backends/tcp_wire.h"
#include "common/json.h"
#include "common/nid.h"
#include "common/loop.h"
#include "loop_spin.h"
#include "../t.h"

#define MAXMSG ((4u << 20) + 256)

static struct lu2k_loop L;
static const struct lu2k_backend_ops *ops;
static struct lu2k_be *be;
static struct lu2k_nid me, other;
static uint16_t port;
static struct lu2k_be_listener *listener;

/* The fake core's view. */
static int accepted, connected, closed, closed_err, rx_begun, rx_ended, rx_failed;
static int sent_ok, sent_err, sent_last_err, eagain_left;
static struct lu2k_be_conn *in_conn;
static uint8_t rxmem[1 << 20];
static size_t rxused;
static struct {
	uint32_t len;
	uint8_t first;
} rxlog[256];
static int nrxlog;
static int sent_count[64];

static int refused_by_core;

static void *up_accepted(void *core, struct lu2k_be_conn *c, const struct lu2k_nid *src,
			 const struct lu2k_nid *dst, int *status)
{
	/* As the real core: only NIDs of attached interfaces (here: me). */
	if (!lu2k_nid_eq(dst, &me)) {
		refused_by_core++;
		*status = -ENXIO;
		return NULL;
	}
	accepted++;
	in_conn = c;
	return &accepted;
}

static void up_connected(void *ctx)
{
	connected++;
}

static void up_closed(void *ctx, int err)
{
	closed++;
	closed_err = err;
}

static void up_sent(void *ctx, struct lu2k_be_msg *m, int status)
{
	sent_count[m->hdr_len]++; /* tests use hdr_len as the message's id */
	if (status == 0) {
		sent_ok++;
	} else {
		sent_err++;
		sent_last_err = status;
	}
}

static void up_writable(void *ctx)
{
}

static int up_rx_begin(void *ctx, const struct lu2k_nid *target, struct lu2k_be_rxbuf *b)
{
	uint32_t len = b->hdr_len + b->payload_len;

	if (eagain_left > 0) {
		eagain_left--;
		return -EAGAIN;
	}
	if (rxused + len > sizeof(rxmem))
		rxused = 0;
	b->data = rxmem + rxused;
	b->off = rxused;
	rxused += len;
	rx_begun++;
	return 0;
}

static int up_rx_end(void *ctx, struct lu2k_be_rxbuf *b, int status)
{
	if (status) {
		rx_failed++;
		return status;
	}
	rx_ended++;
	if (nrxlog < 256) {
		rxlog[nrxlog].len = b->hdr_len + b->payload_len;
		rxlog[nrxlog].first = b->hdr_len + b->payload_len ? ((uint8_t *)b->data)[0] : 0;
		nrxlog++;
	}
	return 0;
}

static void reset_counts(void)
{
	accepted = connected = closed = closed_err = rx_begun = rx_ended = rx_failed = 0;
	sent_ok = sent_err = sent_last_err = eagain_left = nrxlog = 0;
	memset(sent_count, 0, sizeof(sent_count));
	in_conn = NULL;
}

/* Run the loop until cond holds (or 2 s). */
#define SPIN_UNTIL(cond) T_SPIN_UNTIL(&L, cond, 2000)
#define spin(ms)	 t_spin(&L, ms)

static struct lu2k_be_env env;

static int setup(void)
{
	env = (struct lu2k_be_env){
		.loop = &L,
		.core = NULL,
		.max_msg_size = MAXMSG,
		.accepted = up_accepted,
		.connected = up_connected,
		.closed = up_closed,
		.sent = up_sent,
		.writable = up_writable,
		.rx_begin = up_rx_begin,
		.rx_end = up_rx_end,
	};
	char err[256];

	if (lu2k_loop_init(&L))
		return -1;
	ops = lu2k_backend_find("tcp");
	if (!ops || ops->create(&env, NULL, 0, err, sizeof(err), &be))
		return -1;
	lu2k_nid_parse("127.0.0.1@lu2k", &me);
	lu2k_nid_parse("127.0.0.1@lu2k9", &other);
	srand((unsigned int)getpid());
	for (int i = 0; i < 50; i++) {
		port = (uint16_t)(30000 + rand() % 30000);
		if (ops->listen(be, &me, port, &listener) == 0)
			return 0;
	}
	return -1;
}

static int raw_connect(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* Write bytes one at a time, running the loop in between. */
static void trickle(int fd, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		while (write(fd, p + i, 1) != 1)
			lu2k_loop_once(&L, 1000000);
		lu2k_loop_once(&L, 0);
	}
}

static size_t hello(uint8_t *b, const struct lu2k_nid *src, const struct lu2k_nid *dst)
{
	struct lu2k_tcpw_hello h = { .version = LU2K_TCPW_VERSION, .backend = "tcp" };

	h.src = *src;
	h.dst = *dst;
	lu2k_tcpw_hello_encode(b, &h);
	return LU2K_TCPW_HELLO_LEN;
}

static size_t msg(uint8_t *b, uint64_t seq, uint32_t len, uint8_t fill)
{
	size_t n = lu2k_tcpw_msg_encode(b, seq, 0, len, &me);

	memset(b + n, fill, len);
	return n + len;
}

/* Read acks from fd; returns the highest seq seen (after the hello answer). */
static uint64_t read_acks(int fd, int *got_hello)
{
	static uint8_t buf[4096];
	static size_t have;
	uint64_t best = 0;
	ssize_t r = read(fd, buf + have, sizeof(buf) - have);

	if (r > 0)
		have += (size_t)r;
	for (;;) {
		struct lu2k_tcpw_frame f;
		struct lu2k_tcpw_hello h;
		int rc;

		if (!*got_hello) {
			rc = lu2k_tcpw_hello_decode(buf, have, &h);
			if (rc <= 0)
				break;
			*got_hello = h.status == 0 ? 1 : -1;
		} else {
			rc = lu2k_tcpw_frame_decode(buf, have, MAXMSG, &f);
			if (rc <= 0)
				break;
			if (f.type == LU2K_TCPW_ACK && f.seq > best)
				best = f.seq;
		}
		memmove(buf, buf + rc, have - (size_t)rc);
		have -= (size_t)rc;
	}
	return best;
}

static void test_incoming_trickle(void)
{
	static uint8_t b[200000];
	size_t n = 0;
	uint64_t acked = 0;
	int fd, gh = 0;

	reset_counts();
	fd = raw_connect();
	T_ASSERT(fd >= 0);
	n += hello(b, &other, &me);
	n += msg(b + n, 1, 0, 0); /* zero length */
	n += msg(b + n, 2, 5, 0xa5);
	n += msg(b + n, 7, 100000, 0x5a); /* gaps in seq are allowed */
	trickle(fd, b, n);
	SPIN_UNTIL(rx_ended == 3);
	T_EQ(accepted, 1);
	T_EQ(rx_ended, 3);
	T_EQ(rxlog[0].len, 0);
	T_EQ(rxlog[1].len, 5);
	T_EQ(rxlog[1].first, 0xa5);
	T_EQ(rxlog[2].len, 100000);
	T_EQ(rxlog[2].first, 0x5a);
	for (int i = 0; i < 200 && acked < 7; i++) {
		uint64_t a = read_acks(fd, &gh);

		if (a > acked)
			acked = a;
		spin(1);
	}
	T_EQ(gh, 1);
	T_EQU(acked, 7);
	/* The peer goes away: one closed(), no message half-begun. */
	close(fd);
	SPIN_UNTIL(closed == 1);
	T_EQ(closed, 1);
	T_EQ(rx_failed, 0);
}

static void test_incoming_backpressure_staged(void)
{
	static uint8_t b[4096];
	size_t n = 0;
	int fd;

	reset_counts();
	fd = raw_connect();
	T_ASSERT(fd >= 0);
	n += hello(b, &other, &me);
	for (int i = 1; i <= 10; i++)
		n += msg(b + n, (uint64_t)i, 10, (uint8_t)i);
	/* All ten small frames land in one read: the first waits for room. */
	eagain_left = 1;
	T_EQ(write(fd, b, n), (ssize_t)n);
	SPIN_UNTIL(eagain_left == 0);
	spin(20);
	T_EQ(rx_ended, 0); /* paused, nothing dropped, nothing delivered */
	ops->rx_resume(in_conn);
	/* No new byte arrives: the nine staged frames must be parsed anyway. */
	SPIN_UNTIL(rx_ended == 10);
	T_EQ(rx_ended, 10);
	for (int i = 0; i < 10; i++)
		T_EQ(rxlog[i].first, i + 1);
	close(fd);
	SPIN_UNTIL(closed == 1);
}

static void test_incoming_garbage_and_wrong_nid(void)
{
	static uint8_t b[256];
	int fd, fd2, fd3, gh = 0;
	size_t n;

	reset_counts();
	/* A good conn stays up while two bad ones are closed. */
	fd = raw_connect();
	n = hello(b, &other, &me);
	T_EQ(write(fd, b, n), (ssize_t)n);
	SPIN_UNTIL(accepted == 1);
	fd2 = raw_connect();
	T_EQ(write(fd2, "GET / HTTP/1.1\r\n\r\n", 18), 18);
	fd3 = raw_connect();
	n = hello(b, &other, &other); /* not the listener's NID */
	T_EQ(write(fd3, b, n), (ssize_t)n);
	spin(50);
	T_EQ(accepted, 1);
	{
		char c;

		SPIN_UNTIL(read(fd2, &c, 1) == 0);
		T_EQ(read(fd2, &c, 1), 0); /* closed by the daemon */
	}
	for (int i = 0; i < 100 && !gh; i++) {
		read_acks(fd3, &gh);
		spin(1);
	}
	T_EQ(gh, -1); /* refused with a status */
	T_EQ(refused_by_core, 1);
	n = msg(b, 1, 3, 0x77);
	T_EQ(write(fd, b, n), (ssize_t)n);
	SPIN_UNTIL(rx_ended == 1);
	T_EQ(rx_ended, 1);
	/* A frame that lies about its lengths closes that conn, with closed(). */
	n = msg(b, 2, 3, 0x77);
	b[20] = 9; /* payload_len no longer matches the frame length */
	T_EQ(write(fd, b, n), (ssize_t)n);
	SPIN_UNTIL(closed == 1);
	T_EQ(closed, 1);
	T_EQ(closed_err, -EPROTO);
	close(fd);
	close(fd2);
	close(fd3);
}

/* Outgoing: a raw listener plays the peer daemon. */
static void test_outgoing(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct lu2k_be_conn *c;
	struct lu2k_be_msg m[8];
	static uint8_t data[8][70000];
	static uint8_t rb[8 * 70200];
	size_t have = 0, off;
	struct lu2k_nid peer;
	int lfd, fd = -1, one = 1;
	uint16_t pport;

	reset_counts();
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(0x7f000002);
	T_EQ(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	T_EQ(listen(lfd, 4), 0);
	getsockname(lfd, (struct sockaddr *)&sa, &sl);
	pport = ntohs(sa.sin_port);
	lu2k_nid_parse("127.0.0.2@lu2k", &peer);
	T_EQ(ops->connect(be, &me, NULL, &peer, pport, &connected, &c), 0);
	SPIN_UNTIL(connected == 1);
	T_EQ(connected, 1);
	fd = accept(lfd, NULL, NULL);
	T_ASSERT(fd >= 0);
	for (int i = 0; i < 8; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		memset(data[i], 'a' + i, sizeof(data[i]));
		m[i].buf = data[i];
		m[i].hdr_len = (uint32_t)i; /* the id, see up_sent */
		m[i].payload_len = 70000 - (uint32_t)i;
		m[i].target = peer;
		if (i == 6) /* a multipath message: a MSG_ID frame */
			m[i].mid = (struct lu2k_be_msgid){ .epoch = 5, .id = 9, .low = 2 };
		T_EQ(ops->send(c, &m[i]), 0);
	}
	/* Cancel #7 before any byte of it can be written. */
	ops->cancel(c, &m[7], -ETIMEDOUT);
	T_EQ(sent_count[7], 1);
	T_EQ(sent_last_err, -ETIMEDOUT);
	/* Read hello + 7 frames, check them. */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 4000 && have < 64 + 7 * (48 + 70000) + 16; i++) {
		ssize_t r = read(fd, rb + have, sizeof(rb) - have);

		if (r > 0)
			have += (size_t)r;
		lu2k_loop_once(&L, 1000000);
	}
	T_EQU(have, 64 + 7 * (48 + 70000) + 16);
	off = 64;
	for (int i = 0; i < 7; i++) {
		struct lu2k_tcpw_frame f;
		int hlen = i == 6 ? 64 : 48;

		T_EQ(lu2k_tcpw_frame_decode(rb + off, have - off, MAXMSG, &f), hlen);
		T_EQU(f.seq, (uint64_t)i + 1);
		T_EQ(f.hdr_len, i);
		T_ASSERT(lu2k_nid_eq(&f.target, &peer));
		T_EQ(rb[off + hlen], 'a' + i);
		T_EQ(f.epoch, i == 6 ? 5 : 0);
		T_EQ(f.id, i == 6 ? 9 : 0);
		T_EQ(f.low, i == 6 ? 2 : 0);
		off += f.length;
	}
	/* Our hello answer, then a cumulative ack of 1..3. */
	{
		uint8_t a[64 + 16];
		struct lu2k_tcpw_hello h = { .version = 1, .backend = "tcp" };

		h.src = peer;
		h.dst = me;
		lu2k_tcpw_hello_encode(a, &h);
		lu2k_tcpw_ack_encode(a + 64, 3);
		T_EQ(write(fd, a, sizeof(a)), (ssize_t)sizeof(a));
	}
	SPIN_UNTIL(sent_ok == 3);
	T_EQ(sent_ok, 3);
	/* multipath's view: TCP's RTT, every byte acknowledged by TCP, none unsent */
	{
		struct lu2k_be_path_stats ps = { .unsent = UINT64_MAX };

		T_EQ(ops->path_stats(c, &ps), 0);
		T_ASSERT(ps.rtt_ns > 0);
		T_ASSERT(ps.acks >= 64 + 7 * (48 + 70000) + 16);
		T_ASSERT(ps.pkts_sent > 0);
		T_EQU(ps.unsent, 0);
	}
	/* The peer dies: 4..7 fail, each once; closed() once. */
	close(fd);
	SPIN_UNTIL(closed == 1);
	T_EQ(closed, 1);
	T_EQ(sent_ok, 3);
	T_EQ(sent_err, 1 + 4);
	for (int i = 0; i < 8; i++)
		T_EQ(sent_count[i], 1);
	close(lfd);
}

/* Byte j of short-write message i: differs with both, so a resumed write at the wrong place shows. */
static uint8_t sw_byte(int i, size_t j)
{
	return (uint8_t)(i * 131 + j * 7 + j / 251);
}

/*
 * The socket takes only part of a frame, again and again (an 8 KiB send
 * buffer, a peer that reads 777 bytes at a time): every frame resumes where
 * the last writev stopped, in the header or in the payload, and the stream
 * holds every byte once and in order.
 */
static void test_outgoing_short_writes(void)
{
	enum { N = 6, LEN = 200000 };
	static uint8_t data[N][LEN];
	static uint8_t rb[64 + N * (64 + LEN)];
	const struct lu2k_be_option opt = { "sndbuf", "8192", "test" };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct lu2k_be *be2;
	struct lu2k_be_conn *c;
	struct lu2k_be_msg m[N];
	struct lu2k_nid peer;
	size_t have = 0, off, total = 64;
	int lfd, fd, one = 1, small = 4096, queued = 0;
	char err[256];

	reset_counts();
	T_EQ(ops->create(&env, &opt, 1, err, sizeof(err), &be2), 0);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)); /* the accepted one's too */
	sa.sin_addr.s_addr = htonl(0x7f000002);
	T_EQ(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	T_EQ(listen(lfd, 4), 0);
	getsockname(lfd, (struct sockaddr *)&sa, &sl);
	lu2k_nid_parse("127.0.0.2@lu2k", &peer);
	T_EQ(ops->connect(be2, &me, NULL, &peer, ntohs(sa.sin_port), &connected, &c), 0);
	SPIN_UNTIL(connected == 1);
	fd = accept(lfd, NULL, NULL);
	T_ASSERT(fd >= 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < N; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		for (size_t j = 0; j < LEN; j++)
			data[i][j] = sw_byte(i, j);
		m[i].buf = data[i];
		m[i].hdr_len = (uint32_t)i;
		m[i].payload_len = LEN - (uint32_t)i;
		m[i].target = peer;
		if (i % 2) /* MSG_ID frames (64-byte headers) between MSG ones (48) */
			m[i].mid =
				(struct lu2k_be_msgid){ .epoch = 1, .id = (uint64_t)i, .low = 1 };
		total += (i % 2 ? 64 : 48) + LEN;
		T_EQ(ops->send(c, &m[i]), 0);
	}
	/* nobody reads: the back-end must stop on a full socket, most still queued */
	spin(50);
	T_EQ(ioctl(fd, FIONREAD, &queued), 0);
	T_ASSERT((size_t)queued < total / 2);
	for (int i = 0; i < 100000 && have < total; i++) {
		ssize_t r = read(fd, rb + have, sizeof(rb) - have < 777 ? sizeof(rb) - have : 777);

		if (r > 0)
			have += (size_t)r;
		lu2k_loop_once(&L, r > 0 ? 0 : 1000000);
	}
	T_EQU(have, total);
	off = 64; /* after the hello */
	for (int i = 0; i < N; i++) {
		struct lu2k_tcpw_frame f;
		int hlen = i % 2 ? 64 : 48;
		size_t bad = 0;

		T_EQ(lu2k_tcpw_frame_decode(rb + off, have - off, MAXMSG, &f), hlen);
		T_EQU(f.seq, (uint64_t)i + 1);
		T_EQ(f.hdr_len, i);
		T_EQU(f.id, i % 2 ? (uint64_t)i : 0);
		for (size_t j = 0; j < LEN; j++)
			bad += rb[off + hlen + j] != sw_byte(i, j);
		T_EQU(bad, 0);
		off += f.length;
	}
	T_EQU(off, total);
	T_EQ(sent_err, 0);
	ops->close(c);
	T_EQ(sent_err, N); /* never acknowledged: each fails once on close */
	ops->destroy(be2);
	close(fd);
	close(lfd);
}

static void test_connect_refused(void)
{
	struct lu2k_be_conn *c;
	struct lu2k_nid peer;

	reset_counts();
	lu2k_nid_parse("127.0.0.3@lu2k", &peer);
	/* Nothing listens on 127.0.0.3:port. */
	T_EQ(ops->connect(be, &me, NULL, &peer, port, &connected, &c), 0);
	SPIN_UNTIL(closed == 1);
	T_EQ(connected, 0);
	T_EQ(closed, 1);
	T_EQ(closed_err, -ECONNREFUSED);
}

/*
 * Outgoing connections have a cap of their own (max_conns_out), and
 * max_halfopen must leave room under max_conns.
 */
static void test_caps(void)
{
	static const struct lu2k_be_option bad[] = { { "max_conns", "8", "t:1" },
						     { "max_halfopen", "8", "t:2" } };
	static const struct lu2k_be_option one[] = { { "max_conns_out", "1", "t:1" } };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct lu2k_be_conn *c1, *c2;
	socklen_t sl = sizeof(sa);
	struct lu2k_be *b2 = NULL;
	struct lu2k_json j;
	struct lu2k_nid peer;
	int lfd, one_ = 1;
	char err[256] = "";
	uint16_t pport;

	reset_counts();
	T_EQ(ops->create(&env, bad, 2, err, sizeof(err), &b2), -EINVAL);
	T_ASSERT(strstr(err, "max_halfopen (8) must be below max_conns (8)") != NULL);
	T_EQ(ops->create(&env, one, 1, err, sizeof(err), &b2), 0);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one_, sizeof(one_));
	sa.sin_addr.s_addr = htonl(0x7f000002);
	T_EQ(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	T_EQ(listen(lfd, 4), 0);
	getsockname(lfd, (struct sockaddr *)&sa, &sl);
	pport = ntohs(sa.sin_port);
	lu2k_nid_parse("127.0.0.2@lu2k", &peer);
	T_EQ(ops->connect(b2, &me, NULL, &peer, pport, &connected, &c1), 0);
	T_EQ(ops->connect(b2, &me, NULL, &peer, pport, &connected, &c2), -EMFILE);
	ops->close(c1); /* its place is free again */
	T_EQ(ops->connect(b2, &me, NULL, &peer, pport, &connected, &c2), 0);
	lu2k_json_init(&j);
	lu2k_json_obj_begin(&j, NULL);
	ops->stats(b2, &j);
	lu2k_json_obj_end(&j);
	lu2k_json_raw(&j, "");
	T_ASSERT(!j.err && j.buf);
	T_ASSERT(strstr(j.buf, "\"too_many_conns\":1") || strstr(j.buf, "\"too_many_conns\": 1"));
	T_ASSERT(strstr(j.buf, "\"conns_now_out\":1") || strstr(j.buf, "\"conns_now_out\": 1"));
	lu2k_json_free(&j);
	ops->close(c2);
	ops->destroy(b2);
	close(lfd);
}

/*
 * A connection with a source address (a multipath path's LOCAL) leaves from
 * it, whatever the routing table would pick (127.0.0.1 here); one from an
 * address this host does not have is refused at once.
 */
static void test_connect_src(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET }, from;
	socklen_t sl = sizeof(sa), fl = sizeof(from);
	struct lu2k_nid peer, src, far, src6;
	struct lu2k_be_conn *c;
	int lfd, fd, one = 1;
	uint16_t pport;

	reset_counts();
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(0x7f000002);
	T_EQ(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	T_EQ(listen(lfd, 4), 0);
	getsockname(lfd, (struct sockaddr *)&sa, &sl);
	pport = ntohs(sa.sin_port);
	lu2k_nid_parse("127.0.0.2@lu2k", &peer);
	lu2k_nid_parse("127.0.0.77@lu2k", &src);
	lu2k_nid_parse("192.0.2.77@lu2k", &far);
	lu2k_nid_parse("[::1]@lu2k", &src6);
	T_EQ(ops->connect(be, &me, &far, &peer, pport, &connected, &c), -EADDRNOTAVAIL);
	T_EQ(ops->connect(be, &me, &src6, &peer, pport, &connected, &c), -EAFNOSUPPORT);
	T_EQ(ops->connect(be, &me, &src, &peer, pport, &connected, &c), 0);
	SPIN_UNTIL(connected == 1);
	T_EQ(connected, 1);
	fd = accept(lfd, (struct sockaddr *)&from, &fl);
	T_ASSERT(fd >= 0);
	T_EQU(ntohl(from.sin_addr.s_addr), 0x7f00004dU);
	ops->close(c);
	close(fd);
	close(lfd);
}

int main(void)
{
	if (setup()) {
		printf("cannot set up the tcp back-end\n");
		return 1;
	}
	T_RUN(test_incoming_trickle);
	T_RUN(test_incoming_backpressure_staged);
	T_RUN(test_incoming_garbage_and_wrong_nid);
	T_RUN(test_outgoing);
	T_RUN(test_outgoing_short_writes);
	T_RUN(test_connect_refused);
	T_RUN(test_connect_src);
	T_RUN(test_caps);
	ops->unlisten(listener);
	ops->destroy(be);
	spin(1);
	lu2k_loop_fini(&L);
	return t_done();
}
