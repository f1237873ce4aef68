// SPDX-License-Identifier: MIT
/*
 * lu2k-hostile - a hostile peer for lu2kd's denial-of-service tests.
 *
 * It speaks just enough of lu2kd's wire protocols to get past their first
 * checks, then misbehaves. Aim it only at a daemon of your own (loopback or a
 * namespace you made); it is a test tool and never installed.
 *
 *   lu2k-hostile MODE --target ADDR:PORT [options]
 *
 * udt modes (a UDT4 handshake with the cookie round trip, then the lu2k hello
 * when --src/--dst are given, then):
 *   udt-endless  one message that never ends (a first packet, then middle
 *                packets of the same message, in order, forever); a
 *                connection the daemon shuts down is made again
 *   udt-holes    the first data packet is never sent; every later one is the
 *                middle of its own message: nothing ever completes, and
 *                everything sits behind the hole
 *
 *   udt-sockids  one cookie round trip, then --conns requests with that cookie
 *                and a new socket id each (one connection each where the
 *                cookie is not bound to the socket id); counts the answers
 *
 * tcp modes:
 *   tcp-hellos     --conns connections one after another, each says hello
 *                  from another NID (--src's address plus 0, 1, 2...; for
 *                  IPv4 in its last two bytes), reads the answer and closes;
 *                  counts hellos accepted and refused
 *   tcp-auth       with keys: --key FILE (a key the target lists for --src),
 *                  --peer-key KEY (the target's public key), --src/--dst: real
 *                  handshakes, then forged, replayed, reordered, truncated and
 *                  other bad records, one connection each (hostile_auth.c)
 *   udt-auth       the same against udt with keys: a real node handshake, the
 *                  sealed UDT handshake and hello, then forged, truncated,
 *                  replayed, reordered, duplicated packets, another key, another
 *                  index, another connection's keys, plaintext; a NID the key does
 *                  not own, an unlisted key, a plaintext UDT4 request, an
 *                  abandoned handshake (hostile_udt_auth.c)
 *   tcp-slowloris  the lu2k hello (--src/--dst needed), then the header of a
 *                message of --msg-size bytes (4 MiB) and one byte of it, then
 *                silence for --time seconds: each takes that much of the
 *                receiving interface's RX pool
 *
 * Options: --bind ADDR (the source address of udt modes and tcp-hellos), --conns N (20), --time SECONDS (5), --pkts N per connection and
 * round (16384), --pps N (data packets a second, all connections together;
 * 0: as fast as it can), --src NID --dst NID (the hello; none without them).
 * It prints one summary line: connections made, packets sent, shutdowns seen.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "backends/tcp_wire.h"
#include "backends/udt_wire.h"
#include "common/nid.h"
#include "hostile.h"
#include "proto/udt/codec.h"

#define MSS	1500
#define PAYLOAD (MSS - UDT_UDP_IP_OVERHEAD - UDT_HDR_LEN)

enum mode {
	UDT_ENDLESS,
	UDT_HOLES,
	UDT_SOCKIDS,
	TCP_SLOWLORIS,
	TCP_HELLOS,
	TCP_AUTH,
	UDT_AUTH,
	TCP_HSFLOOD,
	UDT_HSFLOOD,
};

enum hstate { HS_IDLE, HS_COOKIE, HS_RESPONSE, HS_UP };

struct hconn {
	int fd;
	enum hstate st;
	uint32_t sock_id, isn, peer_id, cookie;
	uint32_t next_seq; /* next data packet */
	uint64_t sent;	   /* data packets sent in this round */
	uint64_t hs_at;	   /* when the last handshake packet left */
};

static struct {
	enum mode mode;
	struct sockaddr_storage target;
	socklen_t target_len;
	struct sockaddr_storage bind_to; /* --bind: the source address */
	bool bind;
	unsigned int conns;
	double time_s;
	double hold_s; /* tcp-hellos: keep accepted connections open this long */
	uint64_t pkts;
	uint64_t pps;
	uint32_t msg_size;
	bool hello;
	struct lu2k_nid src, dst;
	uint64_t made, data_pkts, shutdowns, hs_timeouts;
} g = { .conns = 20, .time_s = 5, .pkts = 16384, .msg_size = 4u << 20 };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t rnd31(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)now_ns();
	v &= 0x7fffffffu;
	return v ? v : 1;
}

static int parse_target(const char *s)
{
	char host[128];
	const char *colon = strrchr(s, ':');
	struct sockaddr_in *in = (struct sockaddr_in *)&g.target;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&g.target;
	size_t hl;
	long port;

	if (!colon || (hl = (size_t)(colon - s)) == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = 0;
	port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535)
		return -1;
	if (host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			return -1;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		g.target_len = sizeof(*in6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
		return -1;
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	g.target_len = sizeof(*in);
	return 0;
}

static void send_hs(struct hconn *c, int32_t req_type)
{
	struct udt_hs hs = {
		.version = UDT_VERSION,
		.sock_type = UDT_SOCK_DGRAM,
		.isn = c->isn,
		.mss = MSS,
		.flight = 25600,
		.req_type = req_type,
		.sock_id = c->sock_id,
		.cookie = c->cookie,
	};
	uint8_t buf[UDT_HDR_LEN + UDT_HS_LEN];
	size_t n = udt_hs_encode(buf, sizeof(buf), 0, 0, &hs);

	if (n && send(c->fd, buf, n, 0) < 0 && errno != EAGAIN)
		perror("send");
	c->hs_at = now_ns();
}

static void conn_start(struct hconn *c)
{
	if (c->fd < 0) {
		c->fd = socket(g.target.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (c->fd >= 0 && g.bind &&
		    bind(c->fd, (struct sockaddr *)&g.bind_to, g.target_len)) {
			perror("bind");
			exit(1);
		}
		if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&g.target, g.target_len)) {
			perror("socket/connect");
			exit(1);
		}
	}
	c->sock_id = rnd31();
	c->isn = rnd31();
	c->cookie = 0;
	c->sent = 0;
	c->st = HS_COOKIE;
	send_hs(c, UDT_HS_REQ_REGULAR);
}

static void send_data(struct hconn *c, uint32_t msgword, const void *body, size_t len)
{
	uint8_t buf[MSS];
	size_t n = udt_data_encode_hdr(buf, sizeof(buf), c->next_seq, msgword, 0, c->peer_id);

	memcpy(buf + n, body, len);
	if (send(c->fd, buf, n + len, 0) >= 0)
		g.data_pkts++;
	c->next_seq = (c->next_seq + 1) & 0x7fffffffu;
	c->sent++;
}

static void conn_up(struct hconn *c)
{
	c->st = HS_UP;
	c->next_seq = c->isn;
	g.made++;
	if (g.hello) {
		struct lu2k_udtw_hello h = { .version = LU2K_UDTW_VERSION };
		uint8_t f[LU2K_UDTW_HELLO_LEN];

		snprintf(h.backend, sizeof(h.backend), "udt");
		h.src = g.src;
		h.dst = g.dst;
		lu2k_udtw_hello_encode(f, &h);
		send_data(c, UDT_MSG_WORD(UDT_PB_SOLO, 0, 1), f, sizeof(f));
	} else {
		c->next_seq = (c->next_seq + 1) & 0x7fffffffu;
	}
	if (g.mode == UDT_HOLES)
		c->next_seq = (c->next_seq + 1) & 0x7fffffffu; /* the hole */
}

/* A burst of the attack's packets on an established connection. */
static void conn_burst(struct hconn *c, unsigned int n)
{
	static uint8_t body[PAYLOAD];

	for (unsigned int i = 0; i < n && c->sent < g.pkts; i++) {
		uint32_t w;

		if (g.mode == UDT_ENDLESS)
			w = UDT_MSG_WORD(
				c->sent == (g.hello ? 1 : 0) ? UDT_PB_FIRST : UDT_PB_MIDDLE, 0, 2);
		else
			w = UDT_MSG_WORD(UDT_PB_MIDDLE, 0, 2 + (uint32_t)c->sent);
		/* a full packet: the daemon keeps a buffer of PAYLOAD bytes for it anyway */
		memcpy(body, &c->sent, sizeof(c->sent));
		send_data(c, w, body, sizeof(body));
	}
}

static void conn_read(struct hconn *c)
{
	uint8_t buf[2048];
	ssize_t n;

	while ((n = recv(c->fd, buf, sizeof(buf), 0)) > 0) {
		struct udt_hdr h;
		struct udt_hs hs;

		if (udt_hdr_decode(buf, (size_t)n, &h) || !h.ctrl)
			continue;
		if (h.type == UDT_CT_SHUTDOWN && c->st == HS_UP) {
			/* the daemon gave up on us: start over */
			g.shutdowns++;
			conn_start(c);
			continue;
		}
		if (h.type != UDT_CT_HANDSHAKE || udt_hs_decode(&h, &hs))
			continue;
		if (c->st == HS_COOKIE && hs.req_type == UDT_HS_REQ_REGULAR) {
			c->cookie = hs.cookie;
			c->st = HS_RESPONSE;
			send_hs(c, UDT_HS_RSP_REGULAR);
		} else if (c->st == HS_RESPONSE && hs.req_type == UDT_HS_RSP_REGULAR &&
			   h.dst == c->sock_id) {
			c->peer_id = hs.sock_id;
			conn_up(c);
		}
	}
}

/* Writes all of buf to a blocking socket; false on an error. */
static bool write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/*
 * tcp-slowloris: each connection says hello, starts a message and stops
 * after its first byte, then holds the connection open.
 */
static int tcp_slowloris(void)
{
	int *fds = calloc(g.conns, sizeof(*fds));
	unsigned int held = 0, closed = 0;
	uint64_t end;

	if (!fds)
		return 1;
	for (unsigned int i = 0; i < g.conns; i++) {
		struct lu2k_tcpw_hello h = { .version = LU2K_TCPW_VERSION };
		uint8_t buf[LU2K_TCPW_HELLO_LEN + LU2K_TCPW_MSG_HLEN + 1];
		uint32_t hdr = 72;
		size_t n;

		fds[i] = socket(g.target.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&g.target, g.target_len)) {
			perror("tcp connect");
			if (fds[i] >= 0)
				close(fds[i]);
			fds[i] = -1;
			continue;
		}
		snprintf(h.backend, sizeof(h.backend), "tcp");
		h.src = g.src;
		h.dst = g.dst;
		lu2k_tcpw_hello_encode(buf, &h);
		n = LU2K_TCPW_HELLO_LEN;
		n += lu2k_tcpw_msg_encode(buf + n, 1, hdr, g.msg_size - hdr, &g.dst);
		buf[n++] = 0x5a;
		if (!write_all(fds[i], buf, n)) {
			close(fds[i]);
			fds[i] = -1;
			continue;
		}
		held++;
	}
	g.made = held;
	/* hold them; count those the daemon closes (EOF or reset after its answer) */
	end = now_ns() + (uint64_t)(g.time_s * 1e9);
	while (now_ns() < end) {
		for (unsigned int i = 0; i < g.conns; i++) {
			struct pollfd p = { .fd = fds[i], .events = POLLIN };
			uint8_t junk[4096];

			if (fds[i] < 0 || poll(&p, 1, 0) <= 0)
				continue;
			if (read(fds[i], junk, sizeof(junk)) <= 0) {
				close(fds[i]);
				fds[i] = -1;
				closed++;
			}
		}
		usleep(50000);
	}
	printf("lu2k-hostile: tcp-slowloris: %u connections, %u held a %u-byte message open, "
	       "%u closed by the daemon\n",
	       g.conns, held, g.msg_size, closed);
	for (unsigned int i = 0; i < g.conns; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	return held ? 0 : 1;
}

/* The NID of the i-th fake peer: --src's address plus i. */
static struct lu2k_nid nth_src(unsigned int i)
{
	struct lu2k_nid n = g.src;
	unsigned int last = n.size == 0 ? 3 : 15, carry = i; /* size: bytes past 4 */

	for (int b = (int)last; b >= 0 && carry; b--) {
		carry += n.addr[b];
		n.addr[b] = (uint8_t)carry;
		carry >>= 8;
	}
	return n;
}

/*
 * tcp-hellos: a hello from a new NID on each connection. --hold: keep the
 * accepted ones open that long once all are made (connections past their
 * hello, for the caps on them), else close each at once.
 */
static int tcp_hellos(void)
{
	unsigned int ok = 0, refused = 0, silent = 0;
	int first_refusal = 0;
	int *held = g.hold_s > 0 ? calloc(g.conns, sizeof(*held)) : NULL;

	if (g.hold_s > 0 && !held)
		return 1;

	for (unsigned int i = 0; i < g.conns; i++) {
		struct lu2k_tcpw_hello h = { .version = LU2K_TCPW_VERSION }, r;
		uint8_t buf[LU2K_TCPW_HELLO_LEN];
		struct timeval tv = { .tv_sec = 2 };
		size_t got = 0;
		int fd = socket(g.target.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0 ||
		    (g.bind &&
		     bind(fd, (struct sockaddr *)&g.bind_to,
			  g.bind_to.ss_family == AF_INET ? sizeof(struct sockaddr_in)
							 : sizeof(struct sockaddr_in6))) ||
		    connect(fd, (struct sockaddr *)&g.target, g.target_len)) {
			perror("tcp connect");
			if (fd >= 0)
				close(fd);
			silent++;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		snprintf(h.backend, sizeof(h.backend), "tcp");
		h.src = nth_src(i);
		h.dst = g.dst;
		lu2k_tcpw_hello_encode(buf, &h);
		if (!write_all(fd, buf, sizeof(buf))) {
			close(fd);
			silent++;
			continue;
		}
		while (got < sizeof(buf)) {
			ssize_t n = read(fd, buf + got, sizeof(buf) - got);

			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (got < sizeof(buf) || lu2k_tcpw_hello_decode(buf, got, &r) <= 0) {
			silent++;
		} else if (r.status) {
			refused++;
			if (!first_refusal)
				first_refusal = r.status;
		} else {
			if (held) {
				held[ok++] = fd;
				continue;
			}
			ok++;
		}
		close(fd);
	}
	printf("lu2k-hostile: tcp-hellos: %u hellos, %u accepted, %u refused (%s), %u unanswered\n",
	       g.conns, ok, refused, first_refusal ? strerror(-first_refusal) : "-", silent);
	fflush(stdout);
	if (held) {
		unsigned int still = 0;
		uint64_t end = now_ns() + (uint64_t)(g.hold_s * 1e9);

		while (now_ns() < end)
			usleep(10000);
		/* what lu2kd closed meanwhile reads as EOF */
		for (unsigned int i = 0; i < ok; i++) {
			char b;
			ssize_t n = recv(held[i], &b, 1, MSG_PEEK | MSG_DONTWAIT);

			still += n > 0 || (n < 0 && errno == EAGAIN);
			close(held[i]);
		}
		printf("lu2k-hostile: tcp-hellos: %u of %u still open after %.1f s\n", still, ok,
		       g.hold_s);
		free(held);
	}
	return 0;
}

/* udt-sockids: many socket ids behind one cookie. */
static int udt_sockids(void)
{
	struct hconn c = { .fd = -1 };
	unsigned int answered = 0;
	uint64_t end;
	uint8_t buf[2048];

	conn_start(&c);
	end = now_ns() + 3000000000ull;
	while (c.st == HS_COOKIE && now_ns() < end) {
		struct pollfd p = { .fd = c.fd, .events = POLLIN };

		if (poll(&p, 1, 100) > 0)
			conn_read(&c);
		else if (now_ns() > c.hs_at + 250000000ull)
			send_hs(&c, UDT_HS_REQ_REGULAR);
	}
	if (c.st == HS_COOKIE) {
		fprintf(stderr, "lu2k-hostile: no cookie\n");
		return 1;
	}
	/* the cookie of c.sock_id, offered for other ids */
	for (unsigned int i = 0; i < g.conns; i++) {
		c.sock_id = rnd31();
		send_hs(&c, UDT_HS_RSP_REGULAR);
		if (i % 64 == 63)
			usleep(1000);
	}
	end = now_ns() + (uint64_t)(g.time_s * 1e9);
	while (now_ns() < end) {
		struct pollfd p = { .fd = c.fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		while ((n = recv(c.fd, buf, sizeof(buf), 0)) > 0) {
			struct udt_hdr h;
			struct udt_hs hs;

			if (!udt_hdr_decode(buf, (size_t)n, &h) && h.ctrl &&
			    h.type == UDT_CT_HANDSHAKE && !udt_hs_decode(&h, &hs) &&
			    hs.req_type == UDT_HS_RSP_REGULAR)
				answered++;
		}
	}
	printf("lu2k-hostile: udt-sockids: %u socket ids behind one cookie, %u answered\n", g.conns,
	       answered);
	close(c.fd);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: lu2k-hostile "
		"udt-endless|udt-holes|udt-sockids|udt-auth|udt-hsflood|tcp-slowloris|tcp-hellos|\n"
		"       tcp-auth|tcp-hsflood\n"
		"       --target ADDR:PORT\n"
		"       [--conns N] [--time SECONDS] [--pkts N] [--pps N] [--msg-size N]\n"
		"       [--bind ADDR] [--src NID --dst NID] [--key FILE --peer-key KEY]\n"
		"       [--hold SECONDS] (tcp-hellos: keep the accepted connections open)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", 1, NULL, 't' }, { "conns", 1, NULL, 'n' },	  { "time", 1, NULL, 'T' },
		{ "pkts", 1, NULL, 'p' },   { "src", 1, NULL, 's' },	  { "dst", 1, NULL, 'd' },
		{ "pps", 1, NULL, 'r' },    { "msg-size", 1, NULL, 'm' }, { "bind", 1, NULL, 'b' },
		{ "key", 1, NULL, 'k' },    { "peer-key", 1, NULL, 'K' }, { "hold", 1, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_target = false, have_src = false, have_dst = false, have_key = false;
	struct hostile_auth ha = { 0 };
	char kerr[512];
	struct hconn *cs;
	uint64_t start, end;
	int o;

	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "udt-endless"))
		g.mode = UDT_ENDLESS;
	else if (!strcmp(argv[1], "udt-holes"))
		g.mode = UDT_HOLES;
	else if (!strcmp(argv[1], "udt-sockids"))
		g.mode = UDT_SOCKIDS;
	else if (!strcmp(argv[1], "tcp-slowloris"))
		g.mode = TCP_SLOWLORIS;
	else if (!strcmp(argv[1], "tcp-hellos"))
		g.mode = TCP_HELLOS;
	else if (!strcmp(argv[1], "tcp-auth"))
		g.mode = TCP_AUTH;
	else if (!strcmp(argv[1], "udt-auth"))
		g.mode = UDT_AUTH;
	else if (!strcmp(argv[1], "tcp-hsflood"))
		g.mode = TCP_HSFLOOD;
	else if (!strcmp(argv[1], "udt-hsflood"))
		g.mode = UDT_HSFLOOD;
	else
		usage();
	optind = 2;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 't':
			if (parse_target(optarg))
				usage();
			have_target = true;
			break;
		case 'n':
			g.conns = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'T':
			g.time_s = strtod(optarg, NULL);
			break;
		case 'H':
			g.hold_s = strtod(optarg, NULL);
			break;
		case 'p':
			g.pkts = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			g.pps = strtoull(optarg, NULL, 10);
			break;
		case 'm':
			g.msg_size = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'b': {
			struct sockaddr_in *in = (struct sockaddr_in *)&g.bind_to;
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&g.bind_to;

			if (inet_pton(AF_INET, optarg, &in->sin_addr) == 1)
				in->sin_family = AF_INET;
			else if (inet_pton(AF_INET6, optarg, &in6->sin6_addr) == 1)
				in6->sin6_family = AF_INET6;
			else
				usage();
			g.bind = true;
			break;
		}
		case 'k':
			if (lu2k_key_load(optarg, &ha.local.priv, kerr, sizeof(kerr)) ||
			    lu2k_key_public(&ha.local.pub, &ha.local.priv)) {
				fprintf(stderr, "lu2k-hostile: %s\n", kerr);
				return 2;
			}
			have_key = true;
			break;
		case 'K':
			if (lu2k_key_from_base64(optarg, &ha.peer))
				usage();
			break;
		case 's':
			if (lu2k_nid_parse(optarg, &g.src))
				usage();
			have_src = true;
			break;
		case 'd':
			if (lu2k_nid_parse(optarg, &g.dst))
				usage();
			have_dst = true;
			break;
		default:
			usage();
		}
	}
	if (!have_target || !g.conns || g.conns > 100000 || have_src != have_dst ||
	    (g.bind && g.bind_to.ss_family != g.target.ss_family))
		usage();
	g.hello = have_src;
	if (g.mode == TCP_SLOWLORIS) {
		if (!g.hello || g.msg_size < 1024 || g.msg_size > (16u << 20))
			usage();
		return tcp_slowloris();
	}
	if (g.mode == UDT_SOCKIDS)
		return udt_sockids();
	if (g.mode == TCP_AUTH || g.mode == UDT_AUTH || g.mode == TCP_HSFLOOD ||
	    g.mode == UDT_HSFLOOD) {
		if (!g.hello || !have_key)
			usage();
		ha.target = &g.target;
		ha.target_len = g.target_len;
		ha.src = g.src;
		ha.dst = g.dst;
		if (g.mode == TCP_HSFLOOD || g.mode == UDT_HSFLOOD)
			return hostile_hsflood(&ha, g.mode == UDT_HSFLOOD, g.conns, g.time_s,
					       g.pps);
		return g.mode == TCP_AUTH ? hostile_tcp_auth(&ha) : hostile_udt_auth(&ha);
	}
	if (g.mode == TCP_HELLOS) {
		if (!g.hello)
			usage();
		return tcp_hellos();
	}
	cs = calloc(g.conns, sizeof(*cs));
	if (!cs)
		return 1;
	for (unsigned int i = 0; i < g.conns; i++) {
		cs[i].fd = -1;
		conn_start(&cs[i]);
	}
	start = now_ns();
	end = start + (uint64_t)(g.time_s * 1e9);
	while (now_ns() < end) {
		bool busy = false, paced = false;

		/* --pps: no more than that many data packets a second so far */
		if (g.pps && g.data_pkts >= (now_ns() - start) * g.pps / 1000000000ull)
			paced = true;

		for (unsigned int i = 0; i < g.conns; i++) {
			struct hconn *c = &cs[i];

			conn_read(c);
			if (c->st == HS_UP) {
				if (c->sent < g.pkts && !paced) {
					conn_burst(c, 16);
					busy = true;
				}
			} else if (now_ns() > c->hs_at + 250000000ull) {
				/* no answer: ask again, from the start */
				g.hs_timeouts++;
				conn_start(c);
			}
		}
		if (!busy)
			usleep(paced ? 200 : 1000);
	}
	printf("lu2k-hostile: %s: %u connections, %llu made, %llu data packets, %llu shutdowns, "
	       "%llu handshake retries\n",
	       argv[1], g.conns, (unsigned long long)g.made, (unsigned long long)g.data_pkts,
	       (unsigned long long)g.shutdowns, (unsigned long long)g.hs_timeouts);
	for (unsigned int i = 0; i < g.conns; i++)
		close(cs[i].fd);
	free(cs);
	return g.made ? 0 : 1;
}
