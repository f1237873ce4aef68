// SPDX-License-Identifier: MIT
/*
 * test_udt_rxts.c - kernel receive timestamps (backends/udt_rxts.c) and the
 * engine's arrival time (udt_conn_recv_pkt_at): the stamp read from a
 * message's control data among others, a message without one, stamps the
 * clock cannot have (future, stepped), a GRO buffer's datagrams sharing one
 * stamp, a real loopback socket's stamps; and in the engine, a packet read
 * late measured to when it came: the ACK2's RTT sample, the receiving rate
 * of data read in one bunch, lossy's RTT sample from an ACK.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/udt_rxts.h"
#include "common/time.h"
#include "proto/udt/cc.h"
#include "proto/udt/cc_lossy_int.h"
#include "proto/udt/udt.h"
#include "tests/t.h"
#include "tests/unit/udt_pair.h"

#define MS (1000ull * 1000)
#define S  (1000ull * MS)

/* Control data as the kernel lays it out: SO_RXQ_OVFL, then the stamp (if any), then UDP_GRO. */
union ctl {
	char buf[CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(struct timespec)) +
		 CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

static void make_msg(struct msghdr *h, union ctl *c, const struct timespec *ts)
{
	struct cmsghdr *cm;
	uint32_t ovfl = 3;
	int seg = 1472;

	memset(h, 0, sizeof(*h));
	memset(c, 0, sizeof(*c));
	h->msg_control = c->buf;
	h->msg_controllen = sizeof(c->buf);
	cm = CMSG_FIRSTHDR(h);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SO_RXQ_OVFL;
	cm->cmsg_len = CMSG_LEN(sizeof(ovfl));
	memcpy(CMSG_DATA(cm), &ovfl, sizeof(ovfl));
	cm = CMSG_NXTHDR(h, cm);
	if (ts) {
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_TIMESTAMPNS;
		cm->cmsg_len = CMSG_LEN(sizeof(*ts));
		memcpy(CMSG_DATA(cm), ts, sizeof(*ts));
		cm = CMSG_NXTHDR(h, cm);
	}
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = 104; /* UDP_GRO */
	cm->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	h->msg_controllen = (size_t)((char *)cm + CMSG_SPACE(sizeof(seg)) - c->buf);
}

static void test_stamp_parsed(void)
{
	struct timespec ts = { .tv_sec = 1700000000, .tv_nsec = 123456789 };
	uint64_t real = 1700000000ull * S + 123456789ull, got = 0;
	struct msghdr h;
	union ctl c;

	make_msg(&h, &c, &ts);
	T_ASSERT(udtb_rxts_get(&h, &got));
	T_EQU(got, real);
	/* read 3 ms after it came: it came 3 ms before the monotonic now */
	T_EQU(udtb_rxts_arrival(&h, 50 * S, real + 3 * MS), 50 * S - 3 * MS);
	/* read at once */
	T_EQU(udtb_rxts_arrival(&h, 50 * S, real), 50 * S);
}

static void test_no_stamp(void)
{
	struct msghdr h;
	union ctl c;
	uint64_t got = 7;

	make_msg(&h, &c, NULL);
	T_ASSERT(!udtb_rxts_get(&h, &got));
	T_EQU(got, 7);
	T_EQU(udtb_rxts_arrival(&h, 50 * S, 1700000000ull * S), 50 * S);
	/* no control data at all */
	memset(&h, 0, sizeof(h));
	T_EQU(udtb_rxts_arrival(&h, 50 * S, 1700000000ull * S), 50 * S);
	/* a stamp cut short is no stamp */
	make_msg(&h, &c, &(struct timespec){ .tv_sec = 1 });
	((struct cmsghdr *)CMSG_NXTHDR(&h, CMSG_FIRSTHDR(&h)))->cmsg_len = CMSG_LEN(4);
	T_ASSERT(!udtb_rxts_get(&h, &got));
}

static void test_impossible_stamps(void)
{
	struct timespec ts = { .tv_sec = 1700000000 };
	uint64_t real = 1700000000ull * S;
	struct msghdr h;
	union ctl c;

	make_msg(&h, &c, &ts);
	/* the real-time clock went back since: a stamp in the future */
	T_EQU(udtb_rxts_arrival(&h, 50 * S, real - MS), 50 * S);
	/* it went forward by a minute: not a minute's wait */
	T_EQU(udtb_rxts_arrival(&h, 50 * S, real + 60 * S), 50 * S);
	/* older than the monotonic clock itself */
	T_EQU(udtb_rxts_arrival(&h, 2 * MS, real + 3 * MS), 2 * MS);
	/* nonsense nanoseconds */
	ts.tv_nsec = 1000000000L;
	make_msg(&h, &c, &ts);
	T_EQU(udtb_rxts_arrival(&h, 50 * S, real + 3 * MS), 50 * S);
}

/* A GRO buffer of 4 datagrams with one stamp, then a later buffer, then one stamped earlier. */
static void test_gro_spread(void)
{
	uint64_t last = 0, t0 = 50 * S - 3 * MS, t[4];

	for (int i = 0; i < 4; i++)
		t[i] = udtb_rxts_spread(&last, t0);
	T_EQU(t[0], t0);
	for (int i = 1; i < 4; i++)
		T_EQU(t[i], t[i - 1] + UDTB_RXTS_SPACING_NS);
	T_EQU(udtb_rxts_spread(&last, t0 + MS), t0 + MS);
	/* out of order: never before the last */
	T_EQU(udtb_rxts_spread(&last, t0), t0 + MS + UDTB_RXTS_SPACING_NS);
	T_EQU(last, t0 + MS + UDTB_RXTS_SPACING_NS);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return lu2k_time_timespec_to_ns(&ts);
}

/* Loopback: the kernel stamps each datagram, before it is read, and no earlier than it was sent. */
static void test_loopback_stamps(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
	uint64_t before, prev = 0;

	T_ASSERT(rx >= 0 && tx >= 0);
	T_EQ(udtb_rxts_enable(rx), 0);
	T_EQ(bind(rx, (struct sockaddr *)&a, sizeof(a)), 0);
	T_EQ(getsockname(rx, (struct sockaddr *)&a, &al), 0);
	before = clock_ns(CLOCK_REALTIME);
	for (int i = 0; i < 3; i++)
		T_EQ(sendto(tx, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)), 1);
	for (int i = 0; i < 3; i++) {
		char b[8];
		union ctl c;
		struct iovec iov = { b, sizeof(b) };
		struct msghdr h = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = c.buf,
				    .msg_controllen = sizeof(c.buf) };
		uint64_t got = 0, real, mono, arr;

		T_EQ(recvmsg(rx, &h, 0), 1);
		mono = clock_ns(CLOCK_MONOTONIC);
		real = clock_ns(CLOCK_REALTIME);
		T_ASSERT(udtb_rxts_get(&h, &got));
		T_ASSERT(got >= before && got <= real);
		T_ASSERT(got >= prev);
		prev = got;
		arr = udtb_rxts_arrival(&h, mono, real);
		T_ASSERT(arr <= mono);
	}
	close(rx);
	close(tx);
}

/* ---- the engine: a server connection driven with hand-made packets ---- */

#define ME   7
#define PEER 9
#define ISN  1000u
#define T0   (1000 * MS)

static void nop_recv(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
}

static const struct udt_callbacks cbs = { .msg_recv = nop_recv };

static struct udt_conn *server(void)
{
	struct udt_config cfg;

	udt_config_default(&cfg);
	return udt_test_accepted(&cfg, &cbs, ME, PEER, ISN, T0);
}

static int feed_data(struct udt_conn *c, uint32_t seq, uint64_t now, uint64_t arr)
{
	uint8_t p[1500] = { 0 };

	udt_data_encode_hdr(p, sizeof(p), seq, UDT_MSG_WORD(UDT_PB_SOLO, 1, seq - ISN + 1), 0, ME);
	return udt_conn_recv_pkt_at(c, p, 16 + 1456, now, arr);
}

/* The timers at t, then the next ACK they send, decoded; -1: none. */
static int ack_at(struct udt_conn *c, uint64_t t, struct udt_ack *a)
{
	uint8_t buf[2000];
	struct udt_hdr h;
	size_t n;

	udt_conn_handle_timers(c, t);
	while ((n = udt_conn_write_pkt(c, buf, sizeof(buf), t)))
		if (!udt_hdr_decode(buf, n, &h) && h.ctrl && h.type == UDT_CT_ACK)
			return udt_ack_decode(&h, a);
	return -1;
}

/*
 * An ACK2 read 20 ms after it came (at 60 ms, the ACK left at 10): the RTT
 * sample ends when it came. Then a second ACK2, read at now2 and stamped
 * arr2: the RTT after it.
 */
static int64_t rtt_after_ack2s(uint64_t now2, uint64_t arr2)
{
	struct udt_conn *c = server();
	struct udt_stats st;
	struct udt_ack a;
	uint8_t p[64];
	uint32_t pad = 0;
	int64_t rtt = -1;

	for (uint32_t i = 0; i < 10; i++)
		if (feed_data(c, ISN + i, T0 + MS, T0 + MS))
			goto out;
	if (ack_at(c, T0 + 10 * MS, &a) || a.nfields != 6)
		goto out;
	udt_ctrl_encode(p, sizeof(p), UDT_CT_ACK2, 0, a.ackno, 0, ME, &pad, 1);
	if (udt_conn_recv_pkt_at(c, p, 20, T0 + 80 * MS, T0 + 60 * MS))
		goto out;
	udt_conn_get_stats(c, &st);
	/* 50 ms, not 70 */
	if (st.rtt_us != (100000 * 7 + 50000) / 8)
		goto out;
	if (feed_data(c, ISN + 10, T0 + 81 * MS, T0 + 81 * MS) || ack_at(c, T0 + 100 * MS, &a))
		goto out;
	udt_ctrl_encode(p, sizeof(p), UDT_CT_ACK2, 0, a.ackno, 0, ME, &pad, 1);
	if (udt_conn_recv_pkt_at(c, p, 20, now2, arr2))
		goto out;
	udt_conn_get_stats(c, &st);
	rtt = st.rtt_us;
out:
	udt_conn_free(c);
	return rtt;
}

static void test_ack2_read_late(void)
{
	int64_t read = rtt_after_ack2s(T0 + 115 * MS, T0 + 115 * MS);

	T_ASSERT(read > 0);
	/* an arrival after now is taken as now */
	T_EQ(rtt_after_ack2s(T0 + 115 * MS, T0 + 200 * MS), read);
	/* 10 ms earlier: the sample is 10 ms shorter, the average 10 / 8 ms lower */
	T_EQ(rtt_after_ack2s(T0 + 115 * MS, T0 + 105 * MS), read - 1250);
}

/*
 * 400 packets that came 100 us apart (10,000 packets/s), read 16 at a time
 * at one clock reading: the receiving rate the ACK reports is the arrivals'.
 * Given the read times instead (recv_pkt), the same packets carry no rate.
 */
static int32_t rate_of_bunched(bool stamped)
{
	struct udt_conn *c = server();
	uint64_t t = T0 + MS, now = t;
	struct udt_ack a = { 0 };
	int32_t rate = -1;

	for (uint32_t i = 0; i < 400; i++, t += 100000) {
		if (i % 16 == 0)
			now = t + 15 * 100000 + 3 * MS; /* when the reader gets to them */
		if (feed_data(c, ISN + i, now, stamped ? t : now))
			rate = -2;
	}
	if (rate == -1 && ack_at(c, now + 10 * MS, &a) == 0 && a.nfields == 6)
		rate = a.rcv_rate;
	udt_conn_free(c);
	return rate;
}

static void test_rate_read_bunched(void)
{
	int32_t stamped = rate_of_bunched(true), read = rate_of_bunched(false);

	T_ASSERT(stamped >= 9000 && stamped <= 11000);
	T_ASSERT(read < 9000 || read > 11000);
}

/* lossy's RTT sample from an ACK read late: to when the ACK came. */
static void test_lossy_ack_read_late(void)
{
	struct udt_cc cc;
	struct lossy *l;
	uint64_t t = 1 * S;

	T_EQ(udt_cc_init(&cc, udt_cc_find("lossy"), 1500, 16000, 999, 100 * MS, 16, 1, t), 0);
	l = cc.priv;
	for (uint32_t s = 1000; s < 1010; s++) {
		cc.snd_curr_seq = s;
		cc.ops->on_pkt_sent(&cc, s, t);
	}
	cc.arr_ns = t + 600 * MS;
	cc.ops->on_ack(&cc, 1010, t + 650 * MS);
	T_EQ(l->min_rtt_ns, (int64_t)(600 * MS));
	/* without an arrival (0), or one after now: now */
	cc.snd_curr_seq = 1010;
	cc.ops->on_pkt_sent(&cc, 1010, t + 700 * MS);
	cc.arr_ns = 0;
	cc.ops->on_ack(&cc, 1011, t + 1290 * MS);
	T_EQ(l->min_rtt_ns, (int64_t)(590 * MS));
	udt_cc_fini(&cc);
}

int main(void)
{
	T_RUN(test_stamp_parsed);
	T_RUN(test_no_stamp);
	T_RUN(test_impossible_stamps);
	T_RUN(test_gro_spread);
	T_RUN(test_loopback_stamps);
	T_RUN(test_ack2_read_late);
	T_RUN(test_rate_read_bunched);
	T_RUN(test_lossy_ack_read_late);
	return t_done();
}
