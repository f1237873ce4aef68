// SPDX-License-Identifier: MIT
/*
 * fuzz_tcp_conn.c - libFuzzer target for the tcp back-end's connection state
 * machine (backends/tcp.c, tcp_io.c): a real listener on 127.0.0.1 and a
 * raw client socket per input, the daemon's event loop run between writes.
 *
 * Input: byte 0 is flags (bit 0: no hello of ours, the input's bytes are all
 * there is; bit 1: the core refuses RX space for the first messages, then
 * resumes; bit 2: the core refuses the hello; bit 3: a well-formed message
 * header follows our hello, for a message of the next 2 bytes' length, so
 * that the body paths are reached). Then chunks: a length byte
 * and that many bytes, written one chunk at a time with a loop round after
 * each. Afterwards the client closes, and the connection must end: every
 * buffer begun is ended once, the core hears closed() at most once, and
 * nothing is left open.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/backend.h"
#include "backends/tcp_wire.h"
#include "common/nid.h"
#include "common/log.h"
#include "common/loop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const struct lu2k_backend_ops lu2k_backend_tcp;

static struct lu2k_loop L;
static struct lu2k_be *be;
static struct lu2k_nid me;
static uint16_t port;
static struct lu2k_be_listener *listener;
static uint8_t rxmem[(4u << 20) + 4096];

static struct {
	int accepted, closed, begun, ended, eagain_left, refuse;
	struct lu2k_be_conn *conn;
	bool paused;
} st;

static void *up_accepted(void *core, struct lu2k_be_conn *c, const struct lu2k_nid *src,
			 const struct lu2k_nid *dst, int *status)
{
	if (st.refuse || !lu2k_nid_eq(dst, &me)) {
		*status = -ENXIO;
		return NULL;
	}
	st.accepted++;
	st.conn = c;
	return &st;
}

static void up_connected(void *ctx)
{
	abort(); /* nothing connects out here */
}

static void up_closed(void *ctx, int err)
{
	if (st.closed++ || err >= 0)
		abort();
	st.conn = NULL;
}

static void up_sent(void *ctx, struct lu2k_be_msg *m, int status)
{
	abort(); /* nothing is sent here */
}

static void up_writable(void *ctx)
{
}

static int up_rx_begin(void *ctx, const struct lu2k_nid *target, struct lu2k_be_rxbuf *b)
{
	uint64_t len = (uint64_t)b->hdr_len + b->payload_len;

	if (len > sizeof(rxmem))
		abort(); /* the back-end must bound it by max_msg_size */
	if (st.eagain_left > 0) {
		st.eagain_left--;
		st.paused = true;
		return -EAGAIN;
	}
	b->data = rxmem;
	b->off = 0;
	st.begun++;
	return 0;
}

static int up_rx_end(void *ctx, struct lu2k_be_rxbuf *b, int status)
{
	st.ended++;
	if (st.ended > st.begun)
		abort();
	return status;
}

static int setup(void)
{
	struct lu2k_be_env env = {
		.loop = &L,
		.max_msg_size = 4u << 20,
		.accepted = up_accepted,
		.connected = up_connected,
		.closed = up_closed,
		.sent = up_sent,
		.writable = up_writable,
		.rx_begin = up_rx_begin,
		.rx_end = up_rx_end,
	};
	struct lu2k_be_option opt = { "hello_timeout_ms", "1000", "fuzz" };
	char err[256];

	signal(SIGPIPE, SIG_IGN);	 /* a closed connection must not end the fuzzer */
	lu2k_log_level = LU2K_LOG_ERROR; /* a line per connection slows it down tenfold */
	if (lu2k_loop_init(&L) || lu2k_backend_tcp.create(&env, &opt, 1, err, sizeof(err), &be))
		return -1;
	lu2k_nid_parse("127.0.0.1@lu2k", &me);
	srand((unsigned int)getpid());
	for (int i = 0; i < 50; i++) {
		port = (uint16_t)(30000 + rand() % 30000);
		if (lu2k_backend_tcp.listen(be, &me, port, &listener) == 0)
			return 0;
	}
	return -1;
}

static void rounds(int n)
{
	for (int i = 0; i < n; i++)
		lu2k_loop_once(&L, 0);
}

static void drain(int fd)
{
	uint8_t junk[4096];

	while (read(fd, junk, sizeof(junk)) > 0)
		;
}

/*
 * Millions of short connections from one address leave the host short of
 * ephemeral ports now and then (TIME_WAIT, and other programs' connections):
 * connect() then fails with EADDRNOTAVAIL. That is the harness's world, not
 * the back-end's: wait a little and try again, and in the end skip the input.
 * A refused connection, though, means the listener is gone: that aborts.
 */
static int client_connect(int fd, const struct sockaddr_in *sa)
{
	static unsigned long skipped;

	for (int i = 0; i < 50; i++) {
		if (!connect(fd, (const struct sockaddr *)sa, sizeof(*sa)))
			return 0;
		if (errno != EADDRNOTAVAIL && errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "fuzz_tcp_conn: connect: %s\n", strerror(errno));
			abort();
		}
		usleep(20000);
	}
	fprintf(stderr, "fuzz_tcp_conn: no local port for 1 s; input skipped (%lu so far)\n",
		++skipped);
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	uint8_t buf[LU2K_TCPW_HELLO_LEN];
	int fd, one = 1;
	uint64_t t0;
	size_t size0;
	uint8_t flags;

	if (!ready) {
		if (setup())
			abort();
		ready = true;
	}
	if (size < 1)
		return 0;
	flags = data[0];
	data++, size--;
	size0 = size;
	t0 = lu2k_loop_now_ns();
	memset(&st, 0, sizeof(st));
	st.eagain_left = flags & 2 ? 1 + (flags >> 4) : 0;
	st.refuse = flags & 4;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		/* the back-end leaked descriptors: a bug of its own */
		fprintf(stderr, "fuzz_tcp_conn: socket: %s\n", strerror(errno));
		abort();
	}
	if (client_connect(fd, &sa)) {
		close(fd);
		return 0; /* the host's ports, not the back-end (said on stderr) */
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	rounds(2);
	if (!(flags & 1)) {
		struct lu2k_tcpw_hello h = { .version = LU2K_TCPW_VERSION, .backend = "tcp" };

		h.src = me;
		h.dst = me;
		lu2k_tcpw_hello_encode(buf, &h);
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			abort();
		rounds(2);
	}
	if ((flags & 9) == 8 && size >= 2) {
		uint32_t len = (uint32_t)data[0] << 8 | data[1];
		uint32_t hl = len < 72 ? len : 72;
		uint8_t fh[LU2K_TCPW_MSG_HLEN];

		lu2k_tcpw_msg_encode(fh, 1, hl, len - hl, &me);
		if (write(fd, fh, sizeof(fh)) < 0 && errno != EAGAIN)
			abort();
		data += 2, size -= 2;
		rounds(1);
	}
	while (size) {
		size_t n = data[0];

		data++, size--;
		if (n > size)
			n = size;
		if (n && write(fd, data, n) < 0 && errno != EAGAIN)
			break;
		data += n, size -= n;
		rounds(1);
		drain(fd);
		if (st.paused && st.conn && !st.eagain_left) {
			st.paused = false;
			lu2k_backend_tcp.rx_resume(st.conn);
		}
	}
	rounds(2);
	close(fd);
	/* the connection ends: the hello deadline (1 s) or the peer's close */
	for (int i = 0; i < 2000 && st.accepted && !st.closed; i++) {
		if (st.paused && st.conn) { /* room again: it must read on, to the close */
			st.paused = false;
			st.eagain_left = 0;
			lu2k_backend_tcp.rx_resume(st.conn);
		}
		lu2k_loop_once(&L, 1000000);
	}
	if (st.accepted && !st.closed)
		abort();
	if (getenv("FUZZ_TCP_DEBUG"))
		fprintf(stderr,
			"flags %x size %zu accepted %d closed %d begun %d ended %d: %llu us\n",
			flags, size0, st.accepted, st.closed, st.begun, st.ended,
			(unsigned long long)(lu2k_loop_now_ns() - t0) / 1000);
	if (st.begun != st.ended)
		abort();
	lu2k_loop_once(&L, 0); /* the deferred frees */
	return 0;
}
