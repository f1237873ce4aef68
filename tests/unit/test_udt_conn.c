// SPDX-License-Identifier: MIT
/*
 * test_udt_conn.c - one engine driven with hand-made packets and fake time:
 * ACK/ACK2 bookkeeping, light ACKs, immediate NAKs, retransmission on NAK,
 * the probes of a silence and the tail-loss probe, and rejection of ACKs and NAKs for packets never sent.
 */
#include <errno.h>
#include <stdlib.h>

#include "proto/udt/udt.h"
#include "tests/t.h"
#include "tests/unit/udt_pair.h"

#define ME   7
#define PEER 9
#define ISN  1000u
#define T0   1000000000ull

static int acked, recvd;

static void on_acked(void *ud, uint32_t msgno, void *cookie)
{
	acked++;
}

static void on_recv(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	recvd++;
}

static const struct udt_callbacks cbs = { .msg_acked = on_acked, .msg_recv = on_recv };

static struct udt_conn *server_cb(int exp_resend_all, const struct udt_callbacks *cb)
{
	struct udt_config cfg;
	struct udt_conn *c;

	udt_config_default(&cfg);
	cfg.exp_resend_all = exp_resend_all;
	c = udt_test_accepted(&cfg, cb, ME, PEER, ISN, T0);
	acked = recvd = 0;
	return c;
}

static struct udt_conn *server_opts(int exp_resend_all)
{
	return server_cb(exp_resend_all, &cbs);
}

static struct udt_conn *server(void)
{
	return server_opts(0);
}

static int feed_data(struct udt_conn *c, uint32_t seq, size_t len, uint64_t t)
{
	uint8_t p[1500] = { 0 };

	udt_data_encode_hdr(p, sizeof(p), seq, UDT_MSG_WORD(UDT_PB_SOLO, 1, seq - ISN + 1), 0, ME);
	return udt_conn_recv_pkt(c, p, 16 + len, t);
}

static int feed_msg(struct udt_conn *c, uint32_t seq, uint32_t pb, int inorder, uint32_t no,
		    uint64_t t)
{
	uint8_t p[1500] = { 0 };

	udt_data_encode_hdr(p, sizeof(p), seq, UDT_MSG_WORD(pb, inorder, no), 0, ME);
	return udt_conn_recv_pkt(c, p, 16 + 1456, t);
}

/* The next control packet of the given type the engine sends, decoded. */
static int next_ctrl(struct udt_conn *c, uint64_t t, unsigned int type, struct udt_hdr *h,
		     uint8_t *buf)
{
	size_t n;

	while ((n = udt_conn_write_pkt(c, buf, 2000, t))) {
		if (udt_hdr_decode(buf, n, h))
			return -1;
		if (h->ctrl && h->type == type)
			return 0;
	}
	return -1;
}

static void test_ack_ack2_rtt(void)
{
	struct udt_conn *c = server();
	struct udt_stats st;
	struct udt_hdr h;
	struct udt_ack a;
	uint8_t buf[2000], p[64];
	uint32_t pad = 0;
	int i;

	for (i = 0; i < 10; i++)
		T_EQ(feed_data(c, ISN + (uint32_t)i, 1456, T0 + 1000), 0);
	T_EQ(recvd, 10);
	udt_conn_handle_timers(c, T0 + 10000000);
	T_EQ(next_ctrl(c, T0 + 10000000, UDT_CT_ACK, &h, buf), 0);
	T_EQ(udt_ack_decode(&h, &a), 0);
	T_EQ(a.nfields, 6);
	T_EQU(a.ackno, 1);
	T_EQU(a.ack_seq, ISN + 10);
	T_EQ(a.rtt_us, 100000); /* the initial RTT */
	T_EQ(a.rttvar_us, 50000);
	T_ASSERT(a.avail > 10000);
	/* ACK2 50 ms later: one RTT sample of 50 ms */
	udt_ctrl_encode(p, sizeof(p), UDT_CT_ACK2, 0, 1, 0, ME, &pad, 1);
	T_EQ(udt_conn_recv_pkt(c, p, 20, T0 + 60000000), 0);
	udt_conn_get_stats(c, &st);
	T_EQ(st.rtt_us, (100000 * 7 + 50000) / 8);
	T_EQ(st.rttvar_us, (50000 * 3 + 50000) / 4);
	/* every message was taken: the whole window is offered */
	T_EQ(feed_data(c, ISN + 10, 1456, T0 + 61000000), 0);
	udt_conn_handle_timers(c, T0 + 75000000);
	T_EQ(next_ctrl(c, T0 + 75000000, UDT_CT_ACK, &h, buf), 0);
	T_EQ(udt_ack_decode(&h, &a), 0);
	T_EQU(a.ack_seq, ISN + 11);
	T_EQ(a.avail, 16384 - 1);
	/* ACK2 for the last ACK: the sender has it, no more ACKs until new data */
	udt_ctrl_encode(p, sizeof(p), UDT_CT_ACK2, 0, a.ackno, 0, ME, &pad, 1);
	T_EQ(udt_conn_recv_pkt(c, p, 20, T0 + 95000000), 0);
	/* the sender has our ACK: no more ACKs until new data */
	udt_conn_handle_timers(c, T0 + 110000000);
	T_EQ(next_ctrl(c, T0 + 110000000, UDT_CT_ACK, &h, buf), -1);
	/* an unknown ACK2 changes nothing */
	udt_conn_get_stats(c, &st);
	udt_ctrl_encode(p, sizeof(p), UDT_CT_ACK2, 0, 77, 0, ME, &pad, 1);
	T_EQ(udt_conn_recv_pkt(c, p, 20, T0 + 120000000), 0);
	{
		struct udt_stats st2;

		udt_conn_get_stats(c, &st2);
		T_EQ(st2.rtt_us, st.rtt_us);
	}
	udt_conn_free(c);
}

static void test_light_ack_and_nak(void)
{
	struct udt_conn *c = server();
	struct udt_range r[4];
	struct udt_hdr h;
	struct udt_ack a;
	uint8_t buf[2000];
	size_t n;
	int i;

	/* 64 full packets within one ACK period: a light ACK */
	for (i = 0; i < 64; i++)
		feed_data(c, ISN + (uint32_t)i, 1456, T0 + 1000);
	T_EQ(next_ctrl(c, T0 + 1000, UDT_CT_ACK, &h, buf), 0);
	T_EQU(h.body_len, 4);
	T_EQ(udt_ack_decode(&h, &a), 0);
	T_EQ(a.nfields, 1);
	T_EQU(a.ack_seq, ISN + 64);
	/* a gap: a NAK for exactly the missing range, at once */
	feed_data(c, ISN + 67, 1456, T0 + 2000);
	T_EQ(next_ctrl(c, T0 + 2000, UDT_CT_NAK, &h, buf), 0);
	T_EQ(udt_nak_decode(&h, r, 4, &n), 0);
	T_EQU(n, 1);
	T_EQU(r[0].first, ISN + 64);
	T_EQU(r[0].last, ISN + 66);
	/* the ACK stops at the first hole */
	udt_conn_handle_timers(c, T0 + 20000000);
	T_EQ(next_ctrl(c, T0 + 20000000, UDT_CT_ACK, &h, buf), 0);
	T_EQ(udt_ack_decode(&h, &a), 0);
	T_EQU(a.ack_seq, ISN + 64);
	/* the NAK timer repeats the list while holes remain */
	udt_conn_handle_timers(c, T0 + 400000000);
	T_EQ(next_ctrl(c, T0 + 400000000, UDT_CT_NAK, &h, buf), 0);
	/* holes filled: the ACK moves past them */
	for (i = 64; i < 67; i++)
		feed_data(c, ISN + (uint32_t)i, 1456, T0 + 401000000);
	T_EQ(recvd, 68);
	udt_conn_handle_timers(c, T0 + 420000000);
	T_EQ(next_ctrl(c, T0 + 420000000, UDT_CT_ACK, &h, buf), 0);
	T_EQ(udt_ack_decode(&h, &a), 0);
	T_EQU(a.ack_seq, ISN + 68);
	udt_conn_free(c);
}

/*
 * The timers, if due at t, then the ACK they send at t: its fields into *a.
 * 0, or -1 when the timers were not due or sent no ACK.
 */
static int timers_ack(struct udt_conn *c, uint64_t t, struct udt_ack *a)
{
	struct udt_hdr h;
	uint8_t buf[2000];

	if (udt_conn_next_deadline(c) > t)
		return -1;
	udt_conn_handle_timers(c, t);
	if (next_ctrl(c, t, UDT_CT_ACK, &h, buf) || udt_ack_decode(&h, a))
		return -1;
	return 0;
}

/*
 * Short packets (small messages) are acknowledged at once, but once per
 * read batch: each makes the ACK timer due now, and the timers, run after
 * the batch, send one ACK that covers every packet of it.
 */
static void test_short_pkts_one_ack(void)
{
	struct udt_conn *c = server();
	struct udt_stats st;
	struct udt_hdr h;
	struct udt_ack a;
	uint8_t buf[2000];
	int i;

	for (i = 0; i < 20; i++)
		T_EQ(feed_data(c, ISN + (uint32_t)i, 64, T0 + 1000), 0);
	T_EQ(recvd, 20);
	udt_conn_get_stats(c, &st);
	T_EQU(st.acks_sent, 0);
	T_EQ(timers_ack(c, T0 + 1000, &a), 0);
	T_EQ(a.nfields, 6);
	T_EQU(a.ack_seq, ISN + 20);
	T_EQ(next_ctrl(c, T0 + 1000, UDT_CT_ACK, &h, buf), -1);
	udt_conn_get_stats(c, &st);
	T_EQU(st.acks_sent, 1);
	/* one more, alone, later: its own ACK, due at its arrival */
	T_EQ(feed_data(c, ISN + 20, 64, T0 + 5000), 0);
	T_EQ(timers_ack(c, T0 + 5000, &a), 0);
	T_EQU(a.ack_seq, ISN + 21);
	/* an arrival stamped ahead of the timers' clock (a GRO buffer spread out) is due too */
	T_EQ(feed_data(c, ISN + 21, 64, T0 + 9000), 0);
	T_EQ(timers_ack(c, T0 + 8000, &a), 0);
	T_EQU(a.ack_seq, ISN + 22);
	udt_conn_free(c);
}

/*
 * The NAK timer repeats each hole on its own clock, with a wait growing per
 * report; a repair that overtakes an older one gets that one asked again.
 */
/* The next NAK sent at t, decoded into r[8]: its number of ranges, -1 if none. */
static int next_nak(struct udt_conn *c, uint64_t t, struct udt_range *r)
{
	uint8_t buf[2000];
	struct udt_hdr h;
	size_t n;

	if (next_ctrl(c, t, UDT_CT_NAK, &h, buf) || udt_nak_decode(&h, r, 8, &n))
		return -1;
	return (int)n;
}

/* The NAK timer's work at t: the ranges of the NAK it sends, -1 if none. */
static int nak_at(struct udt_conn *c, uint64_t t, struct udt_range *r)
{
	udt_conn_handle_timers(c, t);
	return next_nak(c, t, r);
}

static void test_nak_timer_per_hole(void)
{
	struct udt_conn *c = server();
	struct udt_range r[8];
	int i;

	/* 10,000 packets/s: the time to resend a few holes is well under 1 ms */
	for (i = 0; i < 100; i++)
		feed_data(c, ISN + (uint32_t)i, 1456, T0 + (uint64_t)i * 100000);
	/*
	 * 102 and 110 start messages: the stream goes on (a message's end with
	 * nothing after it gets its holes asked for again, conn_timer.c)
	 */
	feed_msg(c, ISN + 102, UDT_PB_FIRST, 1, 103, T0 + 10000000);
	T_ASSERT(next_nak(c, T0 + 10000000, r) > 0);
	feed_msg(c, ISN + 110, UDT_PB_FIRST, 1, 111, T0 + 100000000);
	T_EQ(next_nak(c, T0 + 100000000, r), 1);
	T_EQU(r[0].first, ISN + 103);
	/* RTT 100 ms + 4 x 50 ms + SYN: the first hole is due ~310 ms after its NAK */
	T_EQ(nak_at(c, T0 + 300000000, r), -1);
	T_EQ(nak_at(c, T0 + 330000000, r), 1); /* not the second hole: it was reported 230 ms ago */
	T_EQU(r[0].first, ISN + 100);
	T_EQU(r[0].last, ISN + 101);
	T_EQ(nak_at(c, T0 + 405000000, r), -1);
	T_EQ(nak_at(c, T0 + 420000000, r), 1);
	T_EQU(r[0].first, ISN + 103);
	T_EQU(r[0].last, ISN + 109);
	/* the second repeat waits two round trips */
	T_EQ(nak_at(c, T0 + 700000000, r), -1);
	T_EQ(nak_at(c, T0 + 950000000, r), 1);
	T_EQU(r[0].first, ISN + 100);
	/*
	 * 105's repair arrives: senders resend lowest first, so 103 and 104,
	 * asked for in the same NAK, were lost again: asked for at once. The
	 * rest of that hole keeps its clock (second report at 420 ms: due at
	 * 420 + 2 x 300 + 10 ms).
	 */
	feed_data(c, ISN + 105, 1456, T0 + 960000000);
	T_EQ(next_nak(c, T0 + 960000000, r), 1);
	T_EQU(r[0].first, ISN + 103);
	T_EQU(r[0].last, ISN + 104);
	T_EQ(nak_at(c, T0 + 1025000000, r), -1);
	T_EQ(nak_at(c, T0 + 1040000000, r), 1);
	T_EQU(r[0].first, ISN + 106);
	T_EQU(r[0].last, ISN + 109);
	/* a repair of 100 overtakes nothing (no hole below it) */
	feed_data(c, ISN + 100, 1456, T0 + 1050000000);
	T_ASSERT(next_nak(c, T0 + 1050000000, r) < 0);
	udt_conn_free(c);
}

static void test_sender_nak_ack(void)
{
	static uint8_t msg[1456 * 5];
	struct udt_conn *c = server();
	struct udt_range bad = { ISN + 3, ISN + 9 }, lost = { ISN + 1, ISN + 1 };
	struct udt_ack a = { .ackno = 5,
			     .ack_seq = ISN + 6,
			     .rtt_us = 20000,
			     .rttvar_us = 1000,
			     .avail = 500,
			     .nfields = 4 };
	struct udt_stats st;
	uint8_t buf[2000], p[64];
	struct udt_hdr h;
	size_t n, used;
	int i;

	T_EQ(udt_conn_send_msg(c, msg, sizeof(msg), -1, 1, 0, NULL, NULL, T0), 0);
	/* paced at 1 us per packet at first */
	for (i = 0; i < 5; i++) {
		n = udt_conn_write_pkt(c, buf, sizeof(buf), T0 + 10000 * (uint64_t)i);
		T_EQU(n, 1472);
		udt_hdr_decode(buf, n, &h);
		T_EQU(h.seq, ISN + (uint32_t)i);
		T_EQU(h.dst, PEER);
	}
	T_EQU(udt_conn_write_pkt(c, buf, sizeof(buf), T0 + 100000), 0);
	/* a NAK for packets never sent, an ACK beyond them: counted and ignored */
	n = udt_nak_encode(p, sizeof(p), 0, ME, &bad, 1, 10, &used);
	T_EQ(udt_conn_recv_pkt(c, p, n, T0 + 2000), -EBADMSG);
	n = udt_ack_encode(p, sizeof(p), 0, ME, &a);
	T_EQ(udt_conn_recv_pkt(c, p, n, T0 + 2000), -EBADMSG);
	udt_conn_get_stats(c, &st);
	T_EQU(st.pkts_bad, 2);
	T_EQU(st.snd_loss_len, 0);
	/* a real loss: retransmitted next */
	n = udt_nak_encode(p, sizeof(p), 0, ME, &lost, 1, 10, &used);
	T_EQ(udt_conn_recv_pkt(c, p, n, T0 + 3000), 0);
	n = udt_conn_write_pkt(c, buf, sizeof(buf), T0 + 10000000);
	T_EQU(n, 1472);
	udt_hdr_decode(buf, n, &h);
	T_EQU(h.seq, ISN + 1);
	udt_conn_get_stats(c, &st);
	T_EQU(st.pkts_retrans, 1);
	/* the full ACK completes the message and asks for an ACK2 */
	a.ack_seq = ISN + 5;
	n = udt_ack_encode(p, sizeof(p), 0, ME, &a);
	T_EQ(udt_conn_recv_pkt(c, p, n, T0 + 20000000), 0);
	T_EQ(acked, 1);
	T_EQ(next_ctrl(c, T0 + 20000000, UDT_CT_ACK2, &h, buf), 0);
	T_EQU(h.info, 5);
	udt_conn_get_stats(c, &st);
	T_EQ(st.flow_window, 500);
	T_EQ(st.rtt_us, (100000 * 7 + 20000) / 8);
	T_EQU(st.inflight, 0);
	/* light ACKs shrink the flow window by what they acknowledge */
	T_EQ(udt_conn_send_msg(c, msg, 1456 * 3, -1, 1, 0, NULL, NULL, T0), 0);
	for (i = 0; i < 3; i++)
		T_EQU(udt_conn_write_pkt(c, buf, sizeof(buf), T0 + 200000000 + 100000000ull * i),
		      1472);
	a.nfields = 1;
	a.ack_seq = ISN + 7;
	n = udt_ack_encode(p, sizeof(p), 0, ME, &a);
	T_EQ(udt_conn_recv_pkt(c, p, n, T0 + 500000000), 0);
	udt_conn_get_stats(c, &st);
	T_EQ(st.flow_window, 498);
	T_EQ(acked, 1); /* only a full ACK completes messages */
	udt_conn_free(c);
}

/* UDT4 reschedules the sender on a NAK: the resend leaves at once, then pacing resumes. */
static void test_nak_resends_at_once(void)
{
	static uint8_t msg[1456 * 6];
	struct udt_conn *c = server();
	struct udt_range lost = { ISN + 1, ISN + 1 };
	uint8_t buf[2000], p[64];
	struct udt_hdr h;
	size_t n, used;

	T_EQ(udt_conn_send_msg(c, msg, sizeof(msg), -1, 1, 0, NULL, NULL, T0), 0);
	T_EQU(udt_conn_write_pkt(c, buf, sizeof(buf), T0), 1472);
	T_EQU(udt_conn_write_pkt(c, buf, sizeof(buf), T0 + 1000), 1472);
	/* the first NAK ends slow start at the receiving rate (16/s: 62.5 ms a packet) */
	n = udt_nak_encode(p, sizeof(p), 0, ME, &lost, 1, 10, &used);
	T_EQ(udt_conn_recv_pkt(c, p, n, T0 + 2000), 0);
	T_EQU(udt_conn_write_pkt(c, buf, sizeof(buf), T0 + 3000), 1472); /* ISN + 1 again */
	T_EQU(udt_conn_write_pkt(c, buf, sizeof(buf), T0 + 3000), 0);
	T_EQU(udt_conn_write_pkt(c, buf, sizeof(buf), T0 + 3000 + 62500000), 1472);
	/* a NAK while the next send is 62.5 ms away: its resend goes now */
	lost.first = lost.last = ISN + 2;
	n = udt_nak_encode(p, sizeof(p), 0, ME, &lost, 1, 10, &used);
	T_EQ(udt_conn_recv_pkt(c, p, n, T0 + 62504000), 0);
	n = udt_conn_write_pkt(c, buf, sizeof(buf), T0 + 62504000);
	T_EQU(n, 1472);
	udt_hdr_decode(buf, n, &h);
	T_EQU(h.seq, ISN + 2);
	/* and the next packet a whole (decreased: ceil(62500 * 1.125) us) period later */
	T_EQU(udt_conn_write_pkt(c, buf, sizeof(buf), T0 + 62504000 + 70312000), 0);
	n = udt_conn_write_pkt(c, buf, sizeof(buf), T0 + 62504000 + 70313000);
	T_EQU(n, 1472);
	udt_hdr_decode(buf, n, &h);
	T_EQU(h.seq, ISN + 3);
	udt_conn_free(c);
}

/*
 * Data packets the engine sends from t to t + 100 ms (pacing may space
 * them): their sequence numbers.
 */
static size_t drain_data(struct udt_conn *c, uint64_t t, uint32_t *seqs, size_t max)
{
	uint8_t buf[2000];
	struct udt_hdr h;
	size_t n, k = 0;
	uint64_t dt;

	for (dt = 0; dt <= 100000000; dt += 1000000)
		while ((n = udt_conn_write_pkt(c, buf, sizeof(buf), t + dt)))
			if (!udt_hdr_decode(buf, n, &h) && !h.ctrl && k < max)
				seqs[k++] = h.seq;
	return k;
}

/*
 * A peer gone silent (an outage): the first EXP resends the head and the
 * tail of what is unacknowledged, not all of it; while the silence goes on,
 * one packet every RTT / 8 (at least 20 ms), walking back from the tail, so
 * that the link's return is seen soon and no packet goes twice into a dead
 * link. UDT4's behaviour, everything at each EXP, stays available.
 */
static void test_silent_peer_probes(void)
{
	static uint8_t msg[1456 * 40];
	struct udt_conn *c = server();
	struct udt_stats st;
	uint32_t seqs[64];
	uint64_t t, sent[64];
	size_t k;
	int i;

	T_EQ(udt_conn_send_msg(c, msg, sizeof(msg), -1, 1, 0, NULL, NULL, T0), 0);
	/* slow start's first window: 16 packets */
	T_EQU(drain_data(c, T0, seqs, 64), 16);
	T_EQU(seqs[15], ISN + 15);
	/* silence: the first EXP, at RTT + 4 RTTVar + SYN = 310 ms */
	udt_conn_handle_timers(c, T0 + 300000000);
	T_EQU(drain_data(c, T0 + 300000000, seqs, 64), 0);
	udt_conn_handle_timers(c, T0 + 311000000);
	k = drain_data(c, T0 + 311000000, seqs, 64);
	T_EQU(k, 2);
	T_EQU(seqs[0], ISN);
	T_EQU(seqs[1], ISN + 15);
	/*
	 * The silence goes on: ISN + 14, + 13, ..., each once, at least 20 ms
	 * apart (the next one once the last has left, as pacing allows: after
	 * a timeout the native CC paces slowly), until the next EXP.
	 */
	t = T0 + 311000000;
	k = 0;
	while ((t = udt_conn_next_deadline(c)) < T0 + 900000000) {
		uint8_t buf[2000];
		struct udt_hdr h;
		size_t n;

		udt_conn_handle_timers(c, t);
		while ((n = udt_conn_write_pkt(c, buf, sizeof(buf), t)))
			if (!udt_hdr_decode(buf, n, &h) && !h.ctrl && k < 64) {
				T_ASSERT(k == 0 || t >= sent[k - 1] + 20000000);
				sent[k] = t;
				seqs[k++] = h.seq;
			}
	}
	T_ASSERT(k >= 4 && k <= 14);
	for (i = 0; i < (int)k; i++)
		T_EQU(seqs[i], ISN + 14 - (uint32_t)i);
	udt_conn_get_stats(c, &st);
	T_ASSERT(st.probes == k || st.probes == k + 1); /* the last may still wait for pacing */
	udt_conn_get_stats(c, &st);
	T_EQU(st.timeouts, 1);
	T_EQU(st.pkts_retrans, 2 + k);
	udt_conn_free(c);

	/* UDT4: everything unacknowledged, at each EXP, and no probes */
	c = server_opts(1);
	T_EQ(udt_conn_send_msg(c, msg, sizeof(msg), -1, 1, 0, NULL, NULL, T0), 0);
	T_EQU(drain_data(c, T0, seqs, 64), 16);
	udt_conn_handle_timers(c, T0 + 311000000);
	/* all 16 queued again; slow start's end paces them at the receiving rate */
	k = drain_data(c, T0 + 311000000, seqs, 64);
	T_ASSERT(k >= 1);
	T_EQU(seqs[0], ISN);
	udt_conn_get_stats(c, &st);
	T_EQU(st.snd_loss_len + k, 16);
	T_EQU(st.probes, 0);
	udt_conn_free(c);
}

/* The data packets the engine sends, timers run at each deadline, until `until`. */
static size_t run_until(struct udt_conn *c, uint64_t from, uint64_t until, uint32_t *seqs,
			uint64_t *when, size_t max)
{
	uint64_t t = from;
	size_t k = 0;

	while (t < until) {
		uint8_t buf[2000];
		struct udt_hdr h;
		size_t n;

		udt_conn_handle_timers(c, t);
		while ((n = udt_conn_write_pkt(c, buf, sizeof(buf), t)))
			if (!udt_hdr_decode(buf, n, &h) && !h.ctrl && k < max) {
				when[k] = t;
				seqs[k++] = h.seq;
			}
		t = udt_conn_next_deadline(c);
		if (t <= from)
			t = from + 1;
		from = t;
	}
	return k;
}

/*
 * The tail-loss probe: a message of 3 packets, no word from the peer. The
 * tail (nothing behind it to reveal its loss) is resent once a round trip
 * plus a margin after it left (initial RTT 100 ms, RTTVar 50 ms: 100 + 100
 * + 2 SYN), before the silence's first probe (310 ms); that probe then
 * resends the head only, and the EXP's walks back from the tail's
 * predecessor: the tail went into this silence twice already.
 */
static void test_tail_loss_probe(void)
{
	static uint8_t msg[1456 * 3];
	struct udt_conn *c = server();
	struct udt_stats st;
	uint32_t seqs[16];
	uint64_t when[16];
	size_t k;

	T_EQ(udt_conn_send_msg(c, msg, sizeof(msg), -1, 1, 0, NULL, NULL, T0), 0);
	k = run_until(c, T0, T0 + 5000000, seqs, when, 16);
	T_EQU(k, 3);
	T_EQU(seqs[2], ISN + 2);
	k = run_until(c, T0 + 5000000, T0 + 300000000, seqs, when, 16);
	T_EQU(k, 1);
	T_EQU(seqs[0], ISN + 2);
	T_ASSERT(when[0] >= T0 + 220000000 && when[0] < T0 + 230000000);
	udt_conn_get_stats(c, &st);
	T_EQU(st.tail_probes, 1);
	T_EQU(st.timeouts, 0);
	/* the silence's first probe: the head, not the tail again; the EXP's walks back */
	k = run_until(c, T0 + 300000000, T0 + 320000000, seqs, when, 16);
	T_EQU(k, 2);
	T_EQU(seqs[0], ISN);
	T_EQU(seqs[1], ISN + 1);
	udt_conn_get_stats(c, &st);
	T_EQU(st.tail_probes, 1);
	T_EQU(st.timeouts, 1);
	udt_conn_free(c);
}

static void test_bad_packets(void)
{
	struct udt_conn *c = server();
	struct udt_stats st;
	uint8_t p[1600] = { 0 };

	/* wrong socket id, short, oversized payload, unknown control type */
	udt_data_encode_hdr(p, sizeof(p), ISN, UDT_MSG_WORD(3, 1, 1), 0, ME + 1);
	T_EQ(udt_conn_recv_pkt(c, p, 100, T0), -EBADMSG);
	T_EQ(udt_conn_recv_pkt(c, p, 10, T0), -EBADMSG);
	udt_data_encode_hdr(p, sizeof(p), ISN, UDT_MSG_WORD(3, 1, 1), 0, ME);
	T_EQ(udt_conn_recv_pkt(c, p, 16 + 1457, T0), -EBADMSG);
	p[0] = 0x80, p[1] = 0x20;
	T_EQ(udt_conn_recv_pkt(c, p, 20, T0), -EBADMSG);
	udt_conn_get_stats(c, &st);
	T_EQU(st.pkts_bad, 4);
	T_EQU(st.pkts_recv, 0);
	/* and the connection still works */
	T_EQ(feed_data(c, ISN, 100, T0), 0);
	T_EQ(recvd, 1);
	udt_conn_free(c);
}

static int refuse, offered, taken[8], ntaken;

static int on_offer(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	offered++;
	if (refuse)
		return -EAGAIN;
	taken[ntaken++ & 7] = (int)msgno;
	return 0;
}

/* The ACK sent at t, if any (its sequence in *seq). */
static int ack_at(struct udt_conn *c, uint64_t t, uint32_t *seq)
{
	struct udt_hdr h;
	struct udt_ack a;
	uint8_t buf[2000];

	udt_conn_handle_timers(c, t);
	if (next_ctrl(c, t, UDT_CT_ACK, &h, buf) || udt_ack_decode(&h, &a) || a.nfields < 4)
		return -1;
	*seq = a.ack_seq;
	return 0;
}

/*
 * The application refuses a message: it is not acknowledged (the ACK stops at
 * its last packet), a message after it that needs no order is taken but not
 * acknowledged past it, a full ACK keeps going out while it waits (the sender
 * must not time out), and after resume it is taken exactly once and the ACK
 * moves on.
 */
static void test_refused_not_acked(void)
{
	static const struct udt_callbacks ocb = { .msg_offer = on_offer };
	struct udt_conn *c = server_cb(0, &ocb);
	struct udt_stats st;
	uint32_t seq, pad = 0;
	uint8_t p[64];

	refuse = 1;
	offered = ntaken = 0;
	/* msg 1: ISN..ISN+2, in order, refused; msg 2: ISN+3, out of order; msg 3: ISN+4, in order */
	feed_msg(c, ISN, UDT_PB_FIRST, 1, 1, T0 + 1000);
	feed_msg(c, ISN + 1, UDT_PB_MIDDLE, 1, 1, T0 + 1000);
	feed_msg(c, ISN + 2, UDT_PB_LAST, 1, 1, T0 + 1000);
	T_EQ(offered, 1);
	refuse = 0;
	feed_msg(c, ISN + 3, UDT_PB_SOLO, 0, 2, T0 + 2000);
	feed_msg(c, ISN + 4, UDT_PB_SOLO, 1, 3, T0 + 2000);
	T_EQ(offered, 2);
	T_EQ(ntaken, 1);
	T_EQ(taken[0], 2);
	T_EQ(ack_at(c, T0 + 20000000, &seq), 0);
	T_EQU(seq, ISN + 2); /* msg 1's last packet is not acknowledged */
	udt_conn_get_stats(c, &st);
	T_EQU(st.msgs_refused, 1);
	T_EQU(st.msgs_recv, 1);
	/* the sender's ACK2 does not silence us while we hold the ACK point */
	udt_ctrl_encode(p, sizeof(p), UDT_CT_ACK2, 0, 1, 0, ME, &pad, 1);
	T_EQ(udt_conn_recv_pkt(c, p, 20, T0 + 30000000), 0);
	T_EQ(ack_at(c, T0 + 100000000, &seq), -1); /* within half of RTT + 4 RTTVar */
	T_EQ(ack_at(c, T0 + 200000000, &seq), 0);
	T_EQU(seq, ISN + 2);
	T_EQ(offered, 2);
	/* room again: msg 1 once, then msg 3; the ACK moves past both */
	udt_conn_rx_resume(c, T0 + 210000000);
	T_EQ(offered, 4);
	T_EQ(ntaken, 3);
	T_EQ(taken[1], 1);
	T_EQ(taken[2], 3);
	T_EQ(ack_at(c, T0 + 210000000, &seq), 0);
	T_EQU(seq, ISN + 5);
	udt_conn_rx_resume(c, T0 + 220000000);
	T_EQ(offered, 4);
	udt_conn_free(c);
}

int main(void)
{
	T_RUN(test_ack_ack2_rtt);
	T_RUN(test_refused_not_acked);
	T_RUN(test_light_ack_and_nak);
	T_RUN(test_short_pkts_one_ack);
	T_RUN(test_nak_timer_per_hole);
	T_RUN(test_sender_nak_ack);
	T_RUN(test_nak_resends_at_once);
	T_RUN(test_silent_peer_probes);
	T_RUN(test_tail_loss_probe);
	T_RUN(test_bad_packets);
	return t_done();
}
