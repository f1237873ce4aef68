// SPDX-License-Identifier: MIT
/*
 * test_udt_nest.c - small messages nested into a large one being cut
 * (sndbuf.h, rcvbuf.h NESTED MESSAGES): where the sender may, a small
 * message goes between two packets of the large one, at most
 * UDT_SNDBUF_NEST_PKTS packets in one, never into one that needs order or
 * has a TTL; the receiver takes the small one at once and the large one
 * whole, without the nested packets, whatever order the packets arrive in,
 * and a drop of the large one by runs of its own packets keeps the nested;
 * the handshake turns nesting on only where both ends offered it; and a
 * small message's second copy leaves 10 ms after the first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/udt/codec.h"
#include "proto/udt/rcvbuf.h"
#include "proto/udt/seq.h"
#include "proto/udt/sndbuf.h"
#include "proto/udt/udt.h"
#include "tests/t.h"
#include "tests/unit/udt_pair.h"

#define PAY 100

static uint8_t data[40 * PAY];

/* Queues len bytes; its message number, or 0 if it was refused (a failure). */
static uint32_t add(struct udt_sndbuf *sb, size_t len, int64_t ttl, int in_order)
{
	uint32_t no = 0;

	if (udt_sndbuf_add(sb, data, len, 0, ttl, in_order, NULL, 0, &no))
		return 0;
	return no;
}

static uint32_t cut1(struct udt_sndbuf *sb)
{
	uint32_t seq;
	struct udt_spkt *p = udt_sndbuf_next_new(sb, &seq);

	return p ? UDT_MSG_NO(p->msgword) : 0;
}

static void test_sender(void)
{
	struct udt_sndbuf sb;
	uint32_t l1, l2, lt, s[20], i, k;

	T_EQ(udt_sndbuf_init(&sb, 256, PAY, 1 << 20, 7), 0);
	sb.nest = 1;
	l1 = add(&sb, 30 * PAY, -1, 0);
	l2 = add(&sb, 30 * PAY, -1, 0);
	T_EQU(cut1(&sb), l1);
	T_EQU(cut1(&sb), l1);
	/* 17 one-packet messages: 16 go into l1, the 17th waits for its end */
	for (i = 0; i < 17; i++)
		T_ASSERT((s[i] = add(&sb, 10, -1, 0)) != 0);
	for (i = 0; i < 16; i++)
		T_EQU(cut1(&sb), s[i]);
	for (k = 0; k < 28; k++)
		T_EQU(cut1(&sb), l1);
	T_EQU(cut1(&sb), s[16]);
	T_EQU(cut1(&sb), l2);
	udt_sndbuf_fini(&sb, NULL, NULL, -ECONNRESET);

	/* never into a message with a TTL, nor one that needs order */
	T_EQ(udt_sndbuf_init(&sb, 256, PAY, 1 << 20, 7), 0);
	sb.nest = 1;
	lt = add(&sb, 10 * PAY, 5000, 0);
	l2 = add(&sb, 10 * PAY, -1, 1);
	T_EQU(cut1(&sb), lt);
	s[0] = add(&sb, 10, -1, 0);
	for (k = 0; k < 9; k++)
		T_EQU(cut1(&sb), lt);
	T_EQU(cut1(&sb), s[0]); /* ahead of l2, which was not started */
	T_EQU(cut1(&sb), l2);
	s[1] = add(&sb, 10, -1, 0);
	for (k = 0; k < 9; k++)
		T_EQU(cut1(&sb), l2);
	T_EQU(cut1(&sb), s[1]);
	udt_sndbuf_fini(&sb, NULL, NULL, -ECONNRESET);

	/* off: the message being cut finishes first, as before */
	T_EQ(udt_sndbuf_init(&sb, 256, PAY, 1 << 20, 7), 0);
	l1 = add(&sb, 10 * PAY, -1, 0);
	T_EQU(cut1(&sb), l1);
	s[0] = add(&sb, 10, -1, 0);
	for (k = 0; k < 9; k++)
		T_EQU(cut1(&sb), l1);
	T_EQU(cut1(&sb), s[0]);
	udt_sndbuf_fini(&sb, NULL, NULL, -ECONNRESET);
}

/* receiver: what was delivered */
static uint32_t got_no[16], ngot;
static size_t got_len[16];
static uint8_t got_first[16];

static int deliver(void *ctx, uint32_t msgno, const struct iovec *iov, int iovcnt, size_t len)
{
	(void)ctx;
	if (ngot < 16) {
		got_no[ngot] = msgno;
		got_len[ngot] = len;
		got_first[ngot] = iovcnt > 0 ? ((const uint8_t *)iov[0].iov_base)[0] : 0;
		/* every piece is the message's own: its payload starts with its number */
		for (int i = 0; i < iovcnt; i++)
			if (((const uint8_t *)iov[i].iov_base)[0] != (uint8_t)msgno)
				got_first[ngot] = 0xff;
		ngot++;
	}
	return 0;
}

/*
 * The packets of a large message 5 (seq 100..109, 7 packets of its own)
 * with a small message 9 nested at 103 and a two-packet one 10 at 105..106:
 * 100 101 102 [103: 9] 104 [105 106: 10] 107 108 109 (5's last at 109).
 */
static const struct {
	uint32_t seq, no, pb;
} pk[] = {
	{ 100, 5, UDT_PB_FIRST }, { 101, 5, UDT_PB_MIDDLE }, { 102, 5, UDT_PB_MIDDLE },
	{ 103, 9, UDT_PB_SOLO },  { 104, 5, UDT_PB_MIDDLE }, { 105, 10, UDT_PB_FIRST },
	{ 106, 10, UDT_PB_LAST }, { 107, 5, UDT_PB_MIDDLE }, { 108, 5, UDT_PB_MIDDLE },
	{ 109, 5, UDT_PB_LAST },
};
#define NPK (sizeof(pk) / sizeof(pk[0]))

static int put(struct udt_rcvbuf *rb, unsigned int i)
{
	uint8_t b[PAY];

	memset(b, (int)pk[i].no, sizeof(b));
	return udt_rcvbuf_add(rb, pk[i].seq, UDT_MSG_WORD(pk[i].pb, 0, pk[i].no), b, PAY);
}

/* Delivers the packets in the order given; checks what came out. */
static void run(const unsigned int *order, unsigned int n, int nest)
{
	struct udt_rcvbuf rb;
	unsigned int i, j, n5 = 0, n9 = 0, n10 = 0;

	ngot = 0;
	T_EQ(udt_rcvbuf_init(&rb, 256, PAY, 0, 100, deliver, NULL), 0);
	udt_rcvbuf_set_limits(&rb, NULL, 0, 7);
	udt_rcvbuf_set_nest(&rb, nest);
	for (i = 0; i < n; i++)
		T_ASSERT(put(&rb, order[i]) >= 0);
	for (j = 0; j < ngot; j++) {
		T_EQU(got_first[j], got_no[j]);
		n5 += got_no[j] == 5 && got_len[j] == 7 * PAY;
		n9 += got_no[j] == 9 && got_len[j] == PAY;
		n10 += got_no[j] == 10 && got_len[j] == 2 * PAY;
	}
	T_EQU(ngot, 3);
	T_EQU(n5, 1);
	T_EQU(n9, 1);
	T_EQU(n10, 1);
	/* every packet given back: the window moved past all of them */
	T_EQU(rb.base_seq, 110);
	T_EQU(rb.nheld, 0);
	T_EQ(rb.err, 0);
	udt_rcvbuf_fini(&rb);
}

static void test_receiver(void)
{
	static const unsigned int in_order[NPK] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const unsigned int nested_late[NPK] = { 0, 1, 2, 4, 7, 8, 9, 6, 3, 5 };
	static const unsigned int own_late[NPK] = { 9, 3, 5, 6, 8, 7, 4, 2, 1, 0 };
	static const unsigned int mixed[NPK] = { 3, 0, 6, 9, 1, 5, 2, 8, 4, 7 };

	run(in_order, NPK, 1);
	run(nested_late, NPK, 1);
	run(own_late, NPK, 1);
	run(mixed, NPK, 1);
	/* the span (10 packets) is over max_msg_pkts (7) only by the nested ones: no error */
}

/* Without nesting taken, a receiver keeps UDT4's rule: the large message does not come out. */
static void test_receiver_off(void)
{
	struct udt_rcvbuf rb;
	unsigned int i, n5 = 0;

	ngot = 0;
	T_EQ(udt_rcvbuf_init(&rb, 256, PAY, 0, 100, deliver, NULL), 0);
	for (i = 0; i < NPK; i++)
		(void)put(&rb, i);
	for (i = 0; i < ngot; i++)
		n5 += got_no[i] == 5;
	T_EQU(n5, 0);
	udt_rcvbuf_fini(&rb);
}

/* A drop of the large one, run by run of its own packets, keeps the nested ones. */
static void test_drop(void)
{
	struct udt_rcvbuf rb;
	unsigned int i, n9 = 0, n10 = 0;

	ngot = 0;
	T_EQ(udt_rcvbuf_init(&rb, 256, PAY, 0, 100, deliver, NULL), 0);
	udt_rcvbuf_set_nest(&rb, 1);
	/* 5's 100, 101 arrive; 9 is lost for now; 10 arrives; the rest of 5 never comes */
	T_ASSERT(put(&rb, 0) >= 0);
	T_ASSERT(put(&rb, 1) >= 0);
	T_ASSERT(put(&rb, 5) >= 0);
	T_ASSERT(put(&rb, 6) >= 0);
	/* the sender drops 5: runs 100..102, 104, 107..109 */
	udt_rcvbuf_drop(&rb, 5, 100, 102);
	udt_rcvbuf_drop(&rb, 5, 104, 104);
	udt_rcvbuf_drop(&rb, 5, 107, 109);
	T_ASSERT(put(&rb, 3) >= 0); /* 9's repair */
	for (i = 0; i < ngot; i++) {
		T_ASSERT(got_no[i] != 5);
		n9 += got_no[i] == 9;
		n10 += got_no[i] == 10;
	}
	T_EQU(n9, 1);
	T_EQU(n10, 1);
	T_EQU(rb.base_seq, 110);
	T_EQU(rb.nheld, 0);
	udt_rcvbuf_fini(&rb);
}

/* Connects a client offering nesting or not to a server offering it or not: is it on at each? */
static void handshake(int cl_offer, int sv_offer, int *cl_on, int *sv_on)
{
	struct udt_config ccfg, scfg;
	struct udt_conn *cl, *sv;
	struct udt_stats st;
	uint64_t t = 1000000000ull;

	udt_config_default(&ccfg);
	udt_config_default(&scfg);
	ccfg.nest_small = cl_offer;
	scfg.nest_small = sv_offer;
	udt_test_pair(&ccfg, &scfg, NULL, NULL, &cl, &sv, &t);
	udt_conn_get_stats(cl, &st);
	*cl_on = st.nest;
	udt_conn_get_stats(sv, &st);
	*sv_on = st.nest;
	udt_conn_free(cl);
	udt_conn_free(sv);
}

/* The sequence number of a data packet, or -1 for a control packet. */
static int64_t data_seq(const uint8_t *p, size_t n)
{
	if (n < 16 || (p[0] & 0x80))
		return -1;
	return (int64_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

/*
 * Once lossy has seen a loss, a small message alone is sent twice: the copy
 * leaves 10 ms after the first (UDT_DUP_DELAY_NS), not right behind it,
 * where a burst of losses would take both.
 */
static void test_copy_later(void)
{
	struct udt_config cfg;
	struct udt_conn *cl, *sv;
	struct udt_stats st;
	uint8_t out[3][2000], buf[2000], msg[64];
	size_t len[3], n;
	uint64_t t = 1000000000ull, t0;
	int64_t seq, first = -1;
	int i, k, copies = 0;

	udt_config_default(&cfg);
	cfg.cc = "lossy";
	udt_test_pair(&cfg, &cfg, NULL, NULL, &cl, &sv, &t);
	memset(msg, 7, sizeof(msg));
	/* three one-packet messages; the middle one is lost: the server's NAK shows lossy a loss */
	for (i = 0; i < 3; i++)
		T_EQ(udt_conn_send_msg(cl, msg, sizeof(msg), -1, 0, UDT_MSG_COPY, NULL, NULL, t),
		     0);
	for (i = 0; i < 3; t += 1000000) {
		udt_conn_handle_timers(cl, t);
		while (i < 3 && (len[i] = udt_conn_write_pkt(cl, out[i], sizeof(out[i]), t)))
			if (data_seq(out[i], len[i]) >= 0)
				i++;
	}
	udt_conn_recv_pkt(sv, out[0], len[0], t);
	udt_conn_recv_pkt(sv, out[2], len[2], t);
	while ((n = udt_conn_write_pkt(sv, buf, sizeof(buf), t)))
		udt_conn_recv_pkt(cl, buf, n, t);
	udt_conn_get_stats(cl, &st);
	T_ASSERT(st.naks_recv >= 1);
	/* the repair goes out; then a small message alone, at t0 */
	for (k = 0; k < 50; k++, t += 1000000)
		while ((n = udt_conn_write_pkt(cl, buf, sizeof(buf), t)))
			;
	t0 = t;
	T_EQ(udt_conn_send_msg(cl, msg, sizeof(msg), -1, 0, UDT_MSG_COPY, NULL, NULL, t0), 0);
	for (t = t0; t < t0 + 30000000; t += 500000) {
		if (udt_conn_next_deadline(cl) <= t)
			udt_conn_handle_timers(cl, t);
		while ((n = udt_conn_write_pkt(cl, buf, sizeof(buf), t))) {
			seq = data_seq(buf, n);
			if (seq < 0)
				continue;
			if (first < 0) {
				first = seq;
				T_EQU(t, t0);
				continue;
			}
			/* the copy: the same packet, 10 ms later */
			T_EQ(seq, first);
			T_EQU(t, t0 + 10000000);
			copies++;
		}
	}
	T_EQ(copies, 1);
	udt_conn_get_stats(cl, &st);
	T_EQU(st.dup_tails, 1);
	udt_conn_free(cl);
	udt_conn_free(sv);
}

static void test_handshake(void)
{
	int c, s;

	handshake(1, 1, &c, &s);
	T_EQ(c, 1);
	T_EQ(s, 1);
	handshake(1, 0, &c, &s); /* e.g. a UDT4 listener, or lu2k's before nesting */
	T_EQ(c, 0);
	T_EQ(s, 0);
	handshake(0, 1, &c, &s);
	T_EQ(c, 0);
	T_EQ(s, 0);
	handshake(0, 0, &c, &s);
	T_EQ(c, 0);
	T_EQ(s, 0);
}

int main(void)
{
	T_RUN(test_sender);
	T_RUN(test_receiver);
	T_RUN(test_receiver_off);
	T_RUN(test_drop);
	T_RUN(test_handshake);
	T_RUN(test_copy_later);
	return t_done();
}
