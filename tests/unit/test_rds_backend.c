/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the rds back-end through the back-end API (backends/rds*.c)
 * on a host without RDS: our small RDS sits under it (rds_fake.h), and two
 * instances (A sends, B receives) with a fake core each (rds_sides.h) check:
 *  - no RDS: create() fails with a message that names 'modprobe rds_tcp';
 *    no transport: listen() fails;
 *  - 0 B .. 4 MiB messages split into pieces and reassembled bit-exact, in
 *    order, each completed once, only after B's rx_end() returned 0;
 *  - B's RX pool full (rx_begin -EAGAIN): B stops reading, A gets ENOBUFS,
 *    nothing is lost once B resumes; injected EAGAIN on sends too;
 *  - B killed (silent): A fails every held message once (-ETIMEDOUT) and
 *    drops what RDS still holds for B; B restarted: A's old conn is reset;
 *  - cancel before / in the middle of a message; a refused hello; a hello
 *    nobody answers;
 *  - piece progress: a piece RDS took and lost fails its message promptly
 *    (-ETIMEDOUT) instead of never; an older listener (no flags) keeps the
 *    old behaviour; pieces that trickle in slowly fail nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backends/rds.h"
#include "rds_fake.h"
#include "rds_sides.h"
#include "../t.h"

static void test_no_rds(void)
{
	struct lu2k_be_env env = { .loop = &L, .max_msg_size = MAXMSG };
	struct lu2k_be_option bad = { "frag_size", "12", "x:1" };
	struct lu2k_be_option good = { "ack_timeout_ms", "5000", "x:2" };
	struct lu2k_be *be = NULL;
	char err[256] = "";

	f_no_rds = true;
	T_EQ(ops->create(&env, NULL, 0, err, sizeof(err), &be), -EAFNOSUPPORT);
	T_ASSERT(strstr(err, "modprobe rds_tcp") != NULL);
	f_no_rds = false;
	/* --check-config works without RDS: options only. */
	T_EQ(ops->check_option(&env, &bad, err, sizeof(err)), -EINVAL);
	T_ASSERT(strstr(err, "x:1") != NULL);
	T_EQ(ops->check_option(&env, &good, err, sizeof(err)), 0);
	/* RDS without a transport for the address: listen() says so. */
	f_no_transport = true;
	T_EQ(make_side(&A, "10.0.0.1@lu2k", NULL, 0), -EADDRNOTAVAIL);
	f_no_transport = false;
	drop_side(&A);
}

static void test_transfer(void)
{
	static const uint32_t sizes[] = { 0,	 1,	 65535 - 8, 65536 - 8,	    65537 - 8,
					  65536, 200000, 1u << 20,  (4u << 20) - 8, 4u << 20,
					  3,	 777777 };
	const int n = (int)(sizeof(sizes) / sizeof(sizes[0]));
	struct lu2k_be_path_stats ps;
	struct lu2k_be_conn *c;
	uint64_t want = 0;

	T_EQ(make_side(&A, "10.0.0.1@lu2k", calm, 4), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", calm, 4), 0);
	c = connect_ab();
	T_ASSERT(c);
	T_EQ(B.accepted, 1);
	f_largest = 0;
	for (int i = 0; i < n; i++) {
		msg_init(&msgs[i], (uint64_t)i, sizes[i]);
		if (i & 1) /* a multipath message: its id rides in every piece */
			msgs[i].mid =
				(struct lu2k_be_msgid){ .epoch = 9, .id = 100 + i, .low = 99 };
		T_EQ(ops->send(c, &msgs[i]), 0);
		want += 8 + sizes[i];
	}
	/* path_stats (multipath's late binding): nothing handed to RDS before the loop runs */
	T_EQ(ops->path_stats(c, &ps), 0);
	T_EQU(ps.unsent, want);
	T_EQU(ps.acks, UINT64_MAX); /* RDS acknowledges only whole messages */
	SPIN_UNTIL(A.sent_ok == n, 20000);
	T_EQ(A.sent_ok, n);
	T_EQ(ops->path_stats(c, &ps), 0);
	T_EQU(ps.unsent, 0);
	T_EQ(A.sent_err, 0);
	T_ASSERT(sent_once(&A, n));
	T_EQ(B.rx_ok, n);
	T_EQ(B.rx_bad, 0);
	T_EQ(B.order_bad, 0);
	/* the ids of the six odd ones, as sent: 6 x (9 + 99) + 6 x 100 + (1 + 3 + ... + 11) */
	T_EQ(B.rx_mids, n / 2);
	T_EQU(B.rx_mid_sum, 6 * (9 + 99) + 6 * 100 + 36);
	/*
	 * Pieces (and before them the ask for piece progress) from the lu2k
	 * port's socket; hello, acks... from the control socket's.
	 */
	T_EQ(f_asks, 1);
	T_EQ(f_data_on_ctrl, 0);
	T_EQ(f_ctrl_on_data, 0);
	T_ASSERT(f_ctrl_frames >= 2); /* the hello and at least one ack */
	/* Split: no RDS message above the piece size (plus its header). */
	T_ASSERT(f_largest <= 65536 + LU2K_RDSW_DATA_ID_LEN);
	T_EQ(f_emsgsize, 0);
	/* Nothing twice, and the conns stay up. */
	spin(50);
	T_EQ(B.rx_ok, n);
	T_EQ(A.closed + B.closed, 0);
	msgs_free(n);
	drop_side(&A);
	drop_side(&B);
}

static void test_piece_size_follows_sndbuf(void)
{
	static const char *const small[] = { "sndbuf", "100000", "frag_size", "1048000" };
	struct lu2k_be_conn *c;

	/* Half the send buffer is RDS's limit: pieces shrink to fit it. */
	T_EQ(make_side(&A, "10.0.0.1@lu2k", small, 2), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", NULL, 0), 0);
	c = connect_ab();
	T_ASSERT(c);
	f_largest = 0;
	msg_init(&msgs[0], 0, 3u << 20);
	T_EQ(ops->send(c, &msgs[0]), 0);
	SPIN_UNTIL(A.sent_ok == 1, 10000);
	T_EQ(A.sent_ok, 1);
	T_EQ(B.rx_ok, 1);
	T_EQ(f_emsgsize, 0);
	T_ASSERT(f_largest <= 100000);
	msgs_free(1);
	drop_side(&A);
	drop_side(&B);
}

static void test_backpressure(void)
{
	const int n = 24;
	struct lu2k_be_conn *c;

	T_EQ(make_side(&A, "10.0.0.1@lu2k", fast, 4), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", fast, 4), 0);
	c = connect_ab();
	T_ASSERT(c);
	f_rcv_limit = 1u << 20; /* B's queue congests at 1 MiB */
	f_eagain_every = 7;	/* and every 7th send finds A's buffer full */
	f_enobufs = 0;
	B.eagain_left = 1000000; /* B's RX pool is full */
	for (int i = 0; i < n; i++) {
		msg_init(&msgs[i], (uint64_t)i, 300000);
		T_EQ(ops->send(c, &msgs[i]), 0);
	}
	spin(300);
	T_EQ(B.rx_ok, 0);
	T_ASSERT(f_enobufs > 0); /* A was throttled, not B's memory */
	T_EQ(A.sent_ok + A.sent_err, 0);
	/* Waiting for room is not a dead peer: keep-alives go on while paused. */
	spin(600);
	T_EQ(A.closed + B.closed, 0);
	B.eagain_left = 0;
	ops->rx_resume(B.in);
	SPIN_UNTIL(A.sent_ok == n, 20000);
	T_EQ(A.sent_ok, n);
	T_EQ(B.rx_ok, n);
	T_EQ(B.rx_bad + B.order_bad, 0);
	T_ASSERT(sent_once(&A, n));
	f_rcv_limit = 64u << 20;
	f_eagain_every = 0;
	msgs_free(n);
	drop_side(&A);
	drop_side(&B);
}

static void test_peer_killed(void)
{
	const int n = 12;
	struct lu2k_be_conn *c;
	int b_sock = -1;

	T_EQ(make_side(&A, "10.0.0.1@lu2k", fast, 4), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", fast, 4), 0);
	c = connect_ab();
	T_ASSERT(c);
	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used && fs[i].addr.sin_addr.s_addr == htonl(0x0a000002) &&
		    fs[i].addr.sin_port == htons(PORT))
			b_sock = i;
	T_ASSERT(b_sock >= 0);
	for (int i = 0; i < n; i++) {
		msg_init(&msgs[i], (uint64_t)i, 1u << 20);
		T_EQ(ops->send(c, &msgs[i]), 0);
	}
	SPIN_UNTIL(B.rx_ok >= 2, 5000);
	T_ASSERT(B.rx_ok < n);
	/* kill -9 of B: its socket goes silent; RDS keeps what A sends to it. */
	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used && fs[i].addr.sin_addr.s_addr == htonl(0x0a000002))
			fs[i].dead = true; /* its data and control sockets */
	f_blackhole = fs[b_sock].addr;
	f_cancels = f_limbo_dropped = 0;
	SPIN_UNTIL(A.closed, 3000);
	T_EQ(A.closed, 1);
	T_EQ(A.closed_err, -ETIMEDOUT);
	T_EQ(A.sent_ok + A.sent_err, n);
	T_ASSERT(sent_once(&A, n));
	/* Success only for what B's core took (its last acks may be lost with it). */
	T_ASSERT(A.sent_ok <= B.rx_ok);
	T_ASSERT(A.sent_err > 0);
	T_ASSERT(f_cancels >= 1); /* RDS_CANCEL_SENT_TO for B's address */
	T_ASSERT(f_limbo == NULL || f_limbo_dropped > 0);
	spin(100);
	T_EQ(A.sent_ok + A.sent_err, n);
	memset(&f_blackhole, 0, sizeof(f_blackhole));
	msgs_free(n);
	drop_side(&B);
	drop_side(&A);
	while (f_limbo) {
		struct fmsg *m = f_limbo;

		f_limbo = m->next;
		free(m);
	}
}

static void test_peer_restarted(void)
{
	struct lu2k_be_conn *c;

	T_EQ(make_side(&A, "10.0.0.1@lu2k", calm, 4), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", calm, 4), 0);
	c = connect_ab();
	T_ASSERT(c);
	/* B's daemon is replaced (no goodbye) by one that never heard of A's conn. */
	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used && fs[i].addr.sin_addr.s_addr == htonl(0x0a000002))
			fs[i].dead = true;
	drop_side(&B);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", calm, 4), 0);
	msg_init(&msgs[0], 0, 5000);
	T_EQ(ops->send(c, &msgs[0]), 0);
	SPIN_UNTIL(A.closed, 2000);
	T_EQ(A.closed, 1);
	T_ASSERT(A.closed_err == -ENOTCONN || A.closed_err == -ECONNRESET);
	T_EQ(A.sent_err, 1);
	T_EQ(A.sent_ok, 0);
	T_EQ(B.rx_ok, 0);
	/* A new conn works. */
	c = connect_ab();
	T_ASSERT(c);
	msg_init(&msgs[1], 1, 5000);
	T_EQ(ops->send(c, &msgs[1]), 0);
	SPIN_UNTIL(A.sent_ok == 1, 2000);
	T_EQ(B.rx_ok, 1);
	msgs_free(2);
	drop_side(&A);
	drop_side(&B);
}

static void test_cancel(void)
{
	struct lu2k_be_conn *c;

	T_EQ(make_side(&A, "10.0.0.1@lu2k", calm, 4), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", calm, 4), 0);
	c = connect_ab();
	T_ASSERT(c);
	/* Not a piece sent yet: the conn goes on. */
	msg_init(&msgs[0], 0, 1000);
	msg_init(&msgs[1], 1, 1000);
	T_EQ(ops->send(c, &msgs[0]), 0);
	T_EQ(ops->send(c, &msgs[1]), 0);
	ops->cancel(c, &msgs[0], -ETIMEDOUT);
	T_EQ(A.sent_count[0], 1);
	T_EQ(A.last_err, -ETIMEDOUT);
	SPIN_UNTIL(A.sent_ok == 1, 2000);
	T_EQ(B.rx_ok, 1);
	T_EQ(A.sent_count[1], 1);
	/* Half of a message with the peer: the conn breaks, B's half is ended. */
	f_eagain_every = 3; /* so that sends stop midway */
	msg_init(&msgs[2], 2, 1u << 20);
	T_EQ(ops->send(c, &msgs[2]), 0);
	SPIN_UNTIL(msgs[2].be_off > 0, 2000);
	T_ASSERT(msgs[2].be_off > 0 && msgs[2].be_off < msgs[2].payload_len + 8);
	ops->cancel(c, &msgs[2], -ETIMEDOUT);
	T_EQ(A.sent_count[2], 1);
	f_eagain_every = 0;
	SPIN_UNTIL(A.closed && B.closed, 2000);
	T_EQ(A.closed, 1);
	T_EQ(B.closed, 1);
	T_EQ(B.rx_failed, 1);
	T_EQ(B.rx_ok, 1);
	msgs_free(3);
	drop_side(&A);
	drop_side(&B);
}

static void test_refused_and_unanswered(void)
{
	struct lu2k_nid other;
	struct lu2k_be_conn *c = NULL;

	T_EQ(make_side(&A, "10.0.0.1@lu2k", fast, 4), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", fast, 4), 0);
	/* B's address, another network: B's core refuses it. */
	lu2k_nid_parse("10.0.0.2@lu2k5", &other);
	T_EQ(ops->connect(A.be, &A.nid, NULL, &other, PORT, &A, &c), 0);
	SPIN_UNTIL(A.closed, 2000);
	T_EQ(A.closed_err, -ECONNREFUSED);
	T_EQ(A.connected, 0);
	T_EQ(B.refused, 1);
	/* Nobody at that address: the hello times out. */
	A.closed = 0;
	lu2k_nid_parse("10.0.0.3@lu2k", &other);
	T_EQ(ops->connect(A.be, &A.nid, NULL, &other, PORT, &A, &c), 0);
	SPIN_UNTIL(A.closed, 3000);
	T_EQ(A.closed, 1);
	T_EQ(A.closed_err, -ETIMEDOUT);
	drop_side(&A);
	drop_side(&B);
}

/*
 * Deadlines for the progress tests: 2 s, keep-alives every 500 ms; a loaded
 * machine stops this process for some 400 ms at times, not for a deadline.
 */
static const char *const mid[] = { "ack_timeout_ms", "2000",  "hello_timeout_ms", "3000",
				   "frag_size",	     "65536", "cong_retry_ms",	  "5000" };

/* A's conn to B with piece progress asked for and answered (or not, old). */
static struct lu2k_be_conn *connect_progress(bool old)
{
	struct lu2k_be_conn *c;

	f_acks_plain = f_acks_progress = f_dropped = 0;
	f_old_hello = old;
	if (make_side(&A, "10.0.0.1@lu2k", mid, 4) || make_side(&B, "10.0.0.2@lu2k", mid, 4))
		return NULL;
	c = connect_ab();
	if (!c || !B.in)
		return NULL;
	if (!old)
		SPIN_UNTIL(c->progress, 2000);
	return c;
}

/*
 * RDS takes the last piece of a message and loses it: B waits for it while
 * both ends answer each other. A fails the message back (-ETIMEDOUT, counted)
 * one deadline after its last progress instead of waiting for the client's
 * timeout, B's half-built message ends with the CLOSE, and a new conn works.
 */
static void test_lost_piece(void)
{
	struct lu2k_be_conn *c = connect_progress(false);

	T_ASSERT(c && c->progress && B.in->progress);
	/* 200008 bytes: pieces 1..4 of 64 KiB; the fourth is lost */
	msg_init(&msgs[0], 0, 200000);
	f_drop_nth = 4;
	T_EQ(ops->send(c, &msgs[0]), 0);
	SPIN_UNTIL(f_dropped == 1, 2000);
	T_EQ(f_dropped, 1);
	SPIN_UNTIL(A.closed, 10000);
	T_EQ(A.closed, 1);
	T_EQ(A.closed_err, -ETIMEDOUT);
	T_EQ(A.sent_err, 1);
	T_EQ(A.last_err, -ETIMEDOUT);
	T_EQ(A.sent_ok, 0);
	T_EQU(A.be->st.progress_timeouts, 1);
	T_EQU(A.be->st.peer_timeouts, 0); /* B never went silent */
	/* B's half-built message ends with the CLOSE, nothing delivered */
	SPIN_UNTIL(B.rx_failed == 1, 2000);
	T_EQ(B.rx_failed, 1);
	T_EQ(B.rx_ok, 0);
	T_ASSERT(f_acks_progress > 0);
	T_EQ(f_acks_plain, 0);
	/* the core connects again and the message (LNet's resend) goes through */
	c = connect_ab();
	T_ASSERT(c);
	msg_init(&msgs[1], 1, 200000);
	T_EQ(ops->send(c, &msgs[1]), 0);
	SPIN_UNTIL(A.sent_ok == 1, 5000);
	T_EQ(A.sent_ok, 1);
	T_EQ(B.rx_ok, 1);
	T_EQ(B.rx_bad, 0);
	msgs_free(2);
	drop_side(&A);
	drop_side(&B);
}

/*
 * The same loss while B sends to A: B's acks travel behind its pieces (one
 * rds_tcp path may carry all of an address pair), so A does not judge while
 * they come; once B is quiet, the deadline runs and fires.
 */
static void test_lost_piece_busy_peer(void)
{
	struct lu2k_be_conn *c = connect_progress(false), *cb = NULL;
	const int n = 16;

	T_ASSERT(c && c->progress);
	T_EQ(ops->connect(B.be, &B.nid, NULL, &A.nid, PORT, &B, &cb), 0);
	SPIN_UNTIL(B.connected, 2000);
	T_EQ(B.connected, 1);
	msg_init(&msgs[0], 0, 200000);
	f_drop_nth = 4;
	T_EQ(ops->send(c, &msgs[0]), 0);
	SPIN_UNTIL(f_dropped == 1, 2000);
	/* two deadlines of B's pieces, one every 1/8 deadline */
	for (int i = 1; i <= n && !A.closed; i++) {
		msg_init(&msgs[i], (uint64_t)i, 1000);
		T_EQ(ops->send(cb, &msgs[i]), 0);
		spin(250);
	}
	T_EQ(A.closed, 0);
	T_EQU(A.be->st.progress_timeouts, 0);
	SPIN_UNTIL(A.rx_ok == n, 2000);
	T_EQ(A.rx_ok, n);
	SPIN_UNTIL(A.closed, 10000);
	T_EQ(A.closed_err, -ETIMEDOUT);
	T_EQ(A.sent_err, 1);
	T_EQU(A.be->st.progress_timeouts, 1);
	drop_side(&A);
	drop_side(&B);
	msgs_free(n + 1);
}

/*
 * An older listener drops the HELLO with flags and sends ACKs without
 * progress: A keeps the old behaviour (a lost piece waits; no progress
 * deadline), and nothing else changes.
 */
static void test_lost_piece_old_peer(void)
{
	struct lu2k_be_conn *c = connect_progress(true);

	T_ASSERT(c);
	msg_init(&msgs[0], 0, 1000);
	T_EQ(ops->send(c, &msgs[0]), 0);
	SPIN_UNTIL(A.sent_ok == 1, 2000);
	T_EQ(A.sent_ok, 1);
	T_ASSERT(!c->progress && !B.in->progress);
	msg_init(&msgs[1], 1, 200000);
	f_drop_nth = 4;
	T_EQ(ops->send(c, &msgs[1]), 0);
	/* two and a half deadlines: the peer keeps answering, the conn stays */
	spin(5000);
	T_EQ(f_dropped, 1);
	T_EQ(A.closed + B.closed, 0);
	T_EQ(A.sent_err, 0);
	T_EQU(A.be->st.progress_timeouts, 0);
	T_ASSERT(f_acks_plain > 0);
	T_EQ(f_acks_progress, 0);
	f_old_hello = false;
	/* the stuck message fails as the sides go (drop_side), before its memory does */
	drop_side(&A);
	drop_side(&B);
	T_EQ(A.sent_err, 1);
	msgs_free(2);
}

/*
 * A slow link: the pieces of one message arrive one every 0.3 deadline, the
 * message takes 1.8 deadlines. Progress is counted by the piece: nothing fails.
 */
static void test_slow_pieces(void)
{
	struct lu2k_be_conn *c = connect_progress(false);
	int released = 0;

	T_ASSERT(c && c->progress);
	f_hold = true;
	msg_init(&msgs[0], 0, 6 * 65536 - 8); /* 6 pieces */
	T_EQ(ops->send(c, &msgs[0]), 0);
	spin(50);
	while (released < 6 && !A.closed) {
		spin(600);
		released += f_release_one();
	}
	f_release();
	SPIN_UNTIL(A.sent_ok == 1 || A.closed, 3000);
	T_EQ(released, 6);
	T_EQ(A.sent_ok, 1);
	T_EQ(B.rx_ok, 1);
	T_EQ(A.closed + B.closed, 0);
	T_EQU(A.be->st.progress_timeouts, 0);
	msgs_free(1);
	drop_side(&A);
	drop_side(&B);
}

static void test_no_socket_left(void)
{
	int i = f_first_open();

	if (i >= 0)
		T_FAIL_("socket %d left open", i);
}

int main(void)
{
	if (lu2k_loop_init(&L))
		return 1;
	lu2k_rds_sockops = &f_sockops;
	ops = lu2k_backend_find("rds");
	if (!ops)
		return 1;
	T_RUN(test_no_rds);
	T_RUN(test_transfer);
	T_RUN(test_piece_size_follows_sndbuf);
	T_RUN(test_backpressure);
	T_RUN(test_peer_killed);
	T_RUN(test_peer_restarted);
	T_RUN(test_cancel);
	T_RUN(test_refused_and_unanswered);
	T_RUN(test_lost_piece);
	T_RUN(test_lost_piece_busy_peer);
	T_RUN(test_lost_piece_old_peer);
	T_RUN(test_slow_pieces);
	T_RUN(test_no_socket_left);
	lu2k_loop_fini(&L);
	return t_done();
}
