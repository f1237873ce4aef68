/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the udt back-end through the back-end API, on the fixture
 * of udt_sides.h (A and B over loopback UDP): connections made and lost.
 *  - the first flight: a connection is up before the response, and its
 *    hello reaches B through socket id 0;
 *  - a listener of a smaller MSS, a connection to nowhere (closed() at the
 *    connect timeout), a refused hello (a NID the core does not serve), a
 *    source address given to connect();
 *  - the reply's connection started early, used, unused, and held while a
 *    spoofed address proves nothing;
 *  - a peer that restarted (no goodbye) answers the old connection's packets
 *    with UNKNOWN notices: the sender fails it (-ECONNRESET) in seconds,
 *    though its peer_timeout_ms is a minute; a forged notice while the peer
 *    lives changes nothing.
 * Messages over one connection: test_udt_backend.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/backend.h"
#include "backends/udt_be.h"
#include "common/nid.h"
#include "common/loop.h"
#include "proto/udt/codec.h"
#include "udt_sides.h"
#include "../t.h"

/*
 * The first flight (udt_listen.c, proto/udt/conn_early.c): a new connection
 * is up before the response, its hello goes to socket id 0 and B's listener
 * gives it to the connection A's request made; a data packet to id 0 from
 * an address that made none is dropped and counted.
 */
static void test_first_flight(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	uint8_t pkt[64] = { 0 };
	uint64_t unknown = be_b->st.first_unknown, pkts = be_b->st.first_pkts;
	uint64_t up = be_a->st.first_up;
	int fd;

	connect_a_to_b();
	T_EQU(be_a->st.first_up, up + 1);
	T_EQ(ops->send(out.conn, msg(0, 1000)), 0);
	SPIN_UNTIL(out.sent_ok == 1, 3000);
	T_EQ(in.rx_sizes_ok, 1);
	T_ASSERT(be_b->st.first_pkts > pkts);
	/* data (top bit clear) to socket id 0, from a socket that made no connection */
	inet_pton(AF_INET, "127.0.0.2", &to.sin_addr);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	T_ASSERT(fd >= 0);
	pkt[3] = 7; /* a sequence number; the destination (bytes 12..15) is 0 */
	T_EQ(sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)),
	     (ssize_t)sizeof(pkt));
	SPIN_UNTIL(be_b->st.first_unknown > unknown, 3000);
	T_EQU(be_b->st.first_unknown, unknown + 1);
	close(fd);
	ops->close(out.conn);
	out.conn = NULL;
	SPIN_UNTIL(in.closed, 5000);
}

/*
 * A listener of a smaller MSS than ours (its mss option): our first flight,
 * cut at ours, breaks the first connection there (-EMSGSIZE, its message
 * fails); the back-end learns the listener's MSS, and the next connection
 * asks for it, goes in its first flight too, and delivers.
 */
static void test_smaller_mss(void)
{
	uint64_t learnt = be_a->paths.mss_learnt, used = be_a->paths.mss_used;
	uint64_t up = be_a->st.first_up;
	struct lu2k_be_listener *lis_s = NULL;
	struct lu2k_be *be_s;

	T_EQ(make_mss(&be_s, "1400"), 0);
	T_EQ(ops->listen(be_s, &nid_s, port, &lis_s), 0);
	for (int round = 0; round < 2; round++) {
		reset();
		T_EQ(ops->connect(be_a, &nid_a, NULL, &nid_s, port, &out, &out.conn), 0);
		SPIN_UNTIL(out.connected, 3000);
		T_EQ(out.connected, 1);
		msg(round, 20000)->target = nid_s;
		T_EQ(ops->send(out.conn, &msgs[round]), 0);
		SPIN_UNTIL(out.sent_ok + out.sent_err == 1, 3000);
		if (!round) {
			SPIN_UNTIL(out.closed, 3000);
			T_EQ(out.sent_err, 1);
			T_EQ(out.closed_err, -EMSGSIZE);
			T_EQU(be_a->paths.mss_learnt, learnt + 1);
			continue;
		}
		T_EQ(out.sent_ok, 1);
		T_EQ(in.rx_sizes_ok, 1);
		T_EQU(be_a->paths.mss_used, used + 1);
		T_EQU(be_a->st.first_up, up + 2); /* both went before their response */
		ops->close(out.conn);
		out.conn = NULL;
		SPIN_UNTIL(in.closed, 5000);
	}
	ops->unlisten(lis_s);
	ops->destroy(be_s);
}

/*
 * Nobody listens there: the handshake gives up, closed() says so once (after
 * connected(): the first flight takes messages before the response).
 */
static void test_connect_nowhere(void)
{
	struct lu2k_nid far;

	reset();
	T_EQ(lu2k_nid_parse("127.0.0.3@lu2k", &far), 0);
	T_EQ(ops->connect(be_a, &nid_a, NULL, &far, port, &out, &out.conn), 0);
	SPIN_UNTIL(out.closed, 6000);
	T_ASSERT(out.connected <= 1);
	T_EQ(out.closed, 1);
	T_ASSERT(out.closed_err < 0);
}

/* A hello for a NID the receiving core does not serve is refused; the sender's message fails. */
static void test_refused_hello(void)
{
	reset();
	T_EQ(ops->connect(be_a, &nid_a, NULL, &nid_x, port, &out, &out.conn), 0);
	SPIN_UNTIL(out.connected || out.closed, 3000);
	if (out.connected) {
		struct lu2k_be_msg *m = msg(5, 10);

		m->target = nid_x;
		T_EQ(ops->send(out.conn, m), 0);
	}
	SPIN_UNTIL(out.closed, 6000);
	T_EQ(out.closed, 1);
	T_ASSERT(in.rx_refused <=
		 1); /* by the core, or already by the back-end: no listener for it */
	T_EQ(in.rx_ended, 0);
	T_EQ(out.sent_ok, 0);
	T_EQ(out.sent_err, out.connected ? 1 : 0);
}

/*
 * A connection with a source address (a multipath path's LOCAL) sends from
 * it, though the routing table would pick 127.0.0.1: the receiving
 * back-end sees its hello come from 127.0.0.77.
 */
static void test_connect_src(void)
{
	struct sockaddr_storage ss;
	struct lu2k_nid src;

	reset();
	T_EQ(lu2k_nid_parse("127.0.0.77@lu2k", &src), 0);
	T_EQ(ops->connect(be_a, &nid_a, &src, &nid_b, port, &out, &out.conn), 0);
	SPIN_UNTIL(out.connected, 3000);
	T_EQ(out.connected, 1);
	T_EQ(ops->send(out.conn, msg(1, 10)), 0);
	SPIN_UNTIL(out.sent_ok == 1, 5000);
	T_EQ(out.sent_ok, 1);
	T_ASSERT(in.conn != NULL);
	T_EQ(ops->peer_addr(in.conn, &ss), 0);
	T_EQ(ss.ss_family, AF_INET);
	T_EQU(ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr), 0x7f00004dU);
	ops->close(out.conn);
	out.conn = NULL;
}

/*
 * A's connection comes in: B starts its own back to A at once (A sends from
 * its NID's address, and listens on the same port), and when the core asks
 * for a connection to A after the hello, it gets that one (no new one), up
 * already or soon: connected() once, and A's core hears B's hello.
 */
static void test_early_reply(void)
{
	uint64_t started, used;
	uint32_t nout;

	/* the early connections of the tests before, unused, gone (half the hello timeout) */
	SPIN_UNTIL(be_b->nconns_out == 0, 3000);
	started = be_b->st.early_started;
	used = be_b->st.early_used;
	connect_a_to_b();
	memset(&back, 0, sizeof(back));
	memset(&back_in, 0, sizeof(back_in));
	T_EQ(ops->send(out.conn, msg(1, 10)), 0);
	SPIN_UNTIL(in.rx_ended == 1, 5000);
	T_EQ(in.rx_ended, 1);
	T_EQU(be_b->st.early_started, started + 1);
	nout = be_b->nconns_out;
	T_EQ(ops->connect(be_b, &nid_b, NULL, &nid_a, port, &back, &back.conn), 0);
	T_EQU(be_b->nconns_out, nout);
	T_EQU(be_b->st.early_used, used + 1);
	SPIN_UNTIL(back.connected && back_in.conn, 3000);
	T_EQ(back.connected, 1);
	T_ASSERT(back_in.conn != NULL);
	T_EQ(back.closed, 0);
	ops->close(back.conn);
	ops->close(out.conn);
	out.conn = NULL;
	spin(100);
}

/*
 * One the core never asks for (a peer that wanted no reply) closes half the
 * hello timeout after the hello, quietly: the other end's connection from it
 * ends with it, not by its own hello timeout.
 */
static void test_early_unused(void)
{
	uint64_t hello_timeouts, used;
	uint32_t nout;

	SPIN_UNTIL(be_b->nconns_out == 0, 3000);
	hello_timeouts = be_a->st.hello_timeouts;
	used = be_b->st.early_used;
	nout = be_b->nconns_out;
	connect_a_to_b();
	T_EQ(ops->send(out.conn, msg(1, 10)), 0);
	SPIN_UNTIL(in.rx_ended == 1, 5000);
	T_EQU(be_b->nconns_out, nout + 1);
	/* hello_timeout_ms is 2000 here */
	SPIN_UNTIL(be_b->nconns_out == nout, 3000);
	T_EQU(be_b->nconns_out, nout);
	spin(2500);
	T_EQU(be_a->st.hello_timeouts, hello_timeouts);
	T_EQU(be_b->st.early_used, used);
	T_EQ(out.closed, 0);
	ops->close(out.conn);
	out.conn = NULL;
}

/* A UDP socket at ip (host order) and port, nonblocking; -1 if it cannot be had. */
static int udp_at(uint32_t ip, uint16_t at_port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(at_port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	sa.sin_addr.s_addr = htonl(ip);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * A request without a cookie from an address that then says nothing (a
 * spoofer's, 127.0.0.5): B takes it and starts its connection back to that
 * address at its port, which sends one request and nothing more (not one
 * every 250 ms) while no hello proves the address; the incoming
 * connection's hello timeout ends both.
 */
/* Handshakes waiting on socket s (anything else but probes counted too), and *probes. */
static int count_requests(int s, int *probes)
{
	uint8_t buf[2000];
	struct udt_hdr h;
	ssize_t n;
	int k = 0;

	while ((n = recv(s, buf, sizeof(buf), 0)) > 0) {
		if (!udt_hdr_decode(buf, (size_t)n, &h) && h.ctrl && h.type == UDT_CT_PROBE)
			(*probes)++;
		else
			k++;
	}
	return k;
}

static void test_early_held(void)
{
	struct udt_hs hs = {
		.version = UDT_VERSION,
		.sock_type = UDT_SOCK_DGRAM,
		.isn = 7,
		.mss = 1500,
		.flight = 8192,
		.req_type = UDT_HS_RSP_REGULAR,
		.sock_id = 4242,
		.cookie = UDT_HS_NO_COOKIE,
	};
	struct sockaddr_in to_b = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fs = udp_at(0x7f000005, 0), ls = udp_at(0x7f000005, port), requests = 0, probes = 0;
	uint64_t started;
	uint8_t buf[2000];
	size_t n;

	T_ASSERT(fs >= 0 && ls >= 0);
	SPIN_UNTIL(be_b->nconns_out == 0, 3000);
	started = be_b->st.early_started;
	to_b.sin_addr.s_addr = htonl(0x7f000002);
	n = udt_hs_encode(buf, sizeof(buf), 0, 0, &hs);
	T_EQ(sendto(fs, buf, n, 0, (struct sockaddr *)&to_b, sizeof(to_b)), (ssize_t)n);
	SPIN_UNTIL(be_b->st.early_started == started + 1, 2000);
	T_EQU(be_b->st.early_started, started + 1);
	spin(1200);
	requests += count_requests(ls, &probes);
	T_EQ(requests, 1);
	/* hello_timeout_ms is 2000 here */
	SPIN_UNTIL(be_b->nconns_out == 0, 3000);
	T_EQU(be_b->nconns_out, 0);
	requests += count_requests(ls, &probes);
	T_EQ(requests, 1);
	/* and one capacity probe train before it (probe_train), not one per retry */
	T_EQ(probes, UDT_PROBE_TRAIN);
	close(fs);
	close(ls);
}

/*
 * B's lu2kd dies without a word (kill -9) and comes back on its port. A
 * connection whose peer_timeout_ms is a minute learns from B's UNKNOWN
 * notice that B no longer knows it, and fails within the notice's grace
 * (2 s on loopback); a new connection works. Before that, a forged notice
 * from B's own address while B lives (and holds a message: its held ACKs
 * keep coming) changes nothing.
 */
static struct side rside;

/* be_r connects to B afresh (rside) and message id of 1000 bytes goes through it. */
static void rside_connect_send(struct lu2k_be *be_r, int id)
{
	memset(&rside, 0, sizeof(rside));
	T_EQ(ops->connect(be_r, &nid_a, NULL, &nid_b, port, &rside, &rside.conn), 0);
	SPIN_UNTIL(rside.connected, 3000);
	T_EQ(ops->send(rside.conn, msg(id, 1000)), 0);
	SPIN_UNTIL(rside.sent_ok == 1, 3000);
	T_EQ(rside.sent_ok, 1);
	T_EQ(rside.sent_err, 0);
}

static void test_peer_restarted(void)
{
	const struct lu2k_be_option opts[] = { { "peer_timeout_ms", "60000", "test" } };
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	uint8_t note[UDT_HDR_LEN];
	struct lu2k_be *be_r;
	char err[256];

	T_EQ(ops->create(&env, opts, 1, err, sizeof(err), &be_r), 0);
	memset(&in, 0, sizeof(in));
	rside_connect_send(be_r, 1);

	in.rx_eagain_left = 1000000;
	T_EQ(ops->send(rside.conn, msg(2, 1000)), 0);
	spin(100);
	T_EQ(getsockname(rside.conn->sock->io.fd, (struct sockaddr *)&ss, &sl), 0);
	T_EQU(udt_ctrl_encode(note, sizeof(note), UDT_CT_UNKNOWN, 0,
			      udt_conn_peer_id(rside.conn->u), 0, 0, NULL, 0),
	      sizeof(note));
	T_EQ(sendto(lis_b->s.io.fd, note, sizeof(note), 0, (struct sockaddr *)&ss, sl),
	     (ssize_t)sizeof(note));
	SPIN_UNTIL(be_r->st.unknown_denied == 1, 5000);
	T_EQU(be_r->st.unknown_heard, 1);
	T_EQU(be_r->st.unknown_denied, 1);
	T_EQU(be_r->st.peer_gone, 0);
	T_EQ(rside.closed, 0);
	in.rx_eagain_left = 0;
	ops->rx_resume(in.conn);
	SPIN_UNTIL(rside.sent_ok == 2, 3000);
	T_EQ(rside.sent_ok, 2);

	/*
	 * B dies as kill -9 does: its goodbye (a shutdown to the address it
	 * holds for A) goes astray. It listens again at once, as a restart
	 * does, so A meets no ICMP error meanwhile.
	 */
	((struct sockaddr_in *)&in.conn->addr)->sin_port = htons(9);
	ops->unlisten(lis_b);
	ops->destroy(be_b);
	spin(20);
	T_EQ(rside.closed, 0);
	lis_b = NULL;
	T_EQ(make(&be_b), 0);
	T_EQ(ops->listen(be_b, &nid_b, port, &lis_b), 0);

	T_EQ(ops->send(rside.conn, msg(3, 1000)), 0);
	SPIN_UNTIL(rside.closed, 8000);
	T_EQ(rside.closed, 1);
	T_EQ(rside.closed_err, -ECONNRESET);
	T_EQ(rside.sent_err, 1);
	T_EQ(rside.sent_last_err, -ECONNRESET);
	T_ASSERT(be_b->st.unknown_told >= 1);
	T_EQU(be_r->st.unknown_heard, 2);
	T_EQU(be_r->st.peer_gone, 1);
	T_EQU(be_r->st.peer_timeouts, 0);

	rside_connect_send(be_r, 4);
	ops->destroy(be_r);
	spin(20);
}

int main(void)
{
	setup();
	T_RUN(test_first_flight);
	T_RUN(test_smaller_mss);
	T_RUN(test_connect_nowhere);
	T_RUN(test_refused_hello);
	T_RUN(test_connect_src);
	T_RUN(test_early_reply);
	T_RUN(test_early_unused);
	T_RUN(test_early_held);
	T_RUN(test_peer_restarted);
	teardown();
	return t_done();
}
