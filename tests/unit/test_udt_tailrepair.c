// SPDX-License-Identifier: MIT
/*
 * test_udt_tailrepair.c - the last message of a stream loses a packet twice,
 * its first send and its first resend, and nothing is sent after it (conn.c,
 * REPAIR PROBE), through two engines over the simulated link of
 * tests/sim/sim_link.h at 600 ms (simulated time only). No later packet can
 * show the receiver that the resend was lost (conn_out.c, LOST REPAIRS), so
 * before the sender's repair probe it was asked for again by the receiver's
 * NAK timer, RTT + 4 RTTVar + SYN after its NAK, or, for the message's last
 * packet (resent by the tail-loss probe), by nothing until the silence's
 * probe or the EXP. Now the sender resends it once when its resend has been
 * out a round trip and a margin with no ACK for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/udt/codec.h"
#include "proto/udt/udt.h"
#include "tests/sim/sim_link.h"
#include "tests/t.h"
#include "tests/unit/udt_pair.h"
#include "tests/unit/udt_sim_run.h"

#define MS	 (1000ull * 1000)
#define MAXMSG	 4096
#define MSG_PKTS 5 /* more than a small message (sndbuf.h): no copies */
#define PAYLOAD	 (1456 * MSG_PKTS)

struct world {
	struct sim_dir ab, ba; /* client -> server, server -> client */
	struct udt_conn *cl, *sv;
	uint64_t deliv_ns[MAXMSG]; /* msgno -> when delivered */
	uint64_t delivered, now;
	uint32_t drop_msgno; /* a data packet of this message is dropped ... */
	uint32_t drop_pb;    /* ... the one at this place in it (UDT_PB_*) ... */
	int drop_times;	     /* ... this many times */
	int drop_naks;	     /* and the receiver's next NAKs, this many */
};

static void on_recv(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	struct world *w = ud;

	(void)iov, (void)n, (void)len;
	if (msgno < MAXMSG && !w->deliv_ns[msgno])
		w->deliv_ns[msgno] = w->now;
	w->delivered++;
}

static const struct udt_callbacks cbs = { .msg_recv = on_recv };

static int drop_twice(struct sim_dir *d, const uint8_t *pkt, uint32_t len, void *arg)
{
	struct world *w = arg;
	uint32_t word =
		(uint32_t)pkt[4] << 24 | (uint32_t)pkt[5] << 16 | (uint32_t)pkt[6] << 8 | pkt[7];

	(void)d, (void)len;
	if ((pkt[0] & 0x80) || !w->drop_msgno || UDT_MSG_NO(word) != w->drop_msgno ||
	    UDT_MSG_BOUNDARY(word) != w->drop_pb || w->drop_times == 0)
		return 0;
	w->drop_times--;
	return 1;
}

static int drop_nak(struct sim_dir *d, const uint8_t *pkt, uint32_t len, void *arg)
{
	struct world *w = arg;

	(void)d, (void)len;
	if (!(pkt[0] & 0x80) || (((uint32_t)pkt[0] << 8 | pkt[1]) & 0x7fff) != UDT_CT_NAK ||
	    w->drop_naks == 0)
		return 0;
	w->drop_naks--;
	return 1;
}

static void run_until(struct world *w, uint64_t end)
{
	udt_sim_run(&w->ab, &w->ba, w->cl, w->sv, &w->now, end, NULL, NULL);
}

/*
 * A message every 20 ms for 3 s (the round trip measured), then one more,
 * the last: its packet at `pb` is dropped twice.
 */
struct tail_result {
	double ms;	  /* the message: queued to delivered */
	uint64_t dup;	  /* duplicates the receiver got */
	double margin_ms; /* the probes' margin: max(2 RTTVar, RTT / 16) + 2 SYN */
};

static void last_msg(uint32_t pb, int drops, int nak_drops, uint64_t jitter_ns,
		     struct tail_result *res)
{
	static uint8_t body[PAYLOAD];
	struct world *w = calloc(1, sizeof(*w));
	struct udt_stats cs, ss;
	struct udt_config cfg;
	uint64_t start, queued;
	uint32_t msgno = 0;
	double ms;

	T_ASSERT(w);
	udt_config_default(&cfg);
	cfg.cc = "lossy";
	cfg.init_rtt_ns = 600 * MS;
	w->now = 1000 * MS;
	udt_test_pair(&cfg, &cfg, &cbs, w, &w->cl, &w->sv, &w->now);
	sim_dir_init(&w->ab, 300 * MS, 50000000, 1000);
	sim_dir_init(&w->ba, 300 * MS, 50000000, 1000);
	w->ba.l.p.jitter_ns = jitter_ns;
	w->ab.drop = drop_twice;
	w->ab.drop_arg = w;
	w->ba.drop = drop_nak;
	w->ba.drop_arg = w;
	start = w->now;
	while (w->now < start + 3000 * MS) {
		T_EQ(udt_conn_send_msg(w->cl, body, sizeof(body), -1, 0, UDT_MSG_COPY, NULL, &msgno,
				       w->now),
		     0);
		run_until(w, w->now + 20 * MS);
	}
	run_until(w, w->now + 2000 * MS);
	T_EQ(udt_conn_send_msg(w->cl, body, sizeof(body), -1, 0, UDT_MSG_COPY, NULL, &msgno,
			       w->now),
	     0);
	T_ASSERT(msgno < MAXMSG);
	w->drop_msgno = msgno;
	w->drop_pb = pb;
	w->drop_times = drops;
	w->drop_naks = nak_drops;
	queued = w->now;
	run_until(w, w->now + 10000 * MS);
	udt_conn_get_stats(w->cl, &cs);
	udt_conn_get_stats(w->sv, &ss);
	T_EQ(w->drop_times, 0);
	T_EQ(w->drop_naks, 0);
	T_ASSERT(w->deliv_ns[msgno]);
	ms = (double)(w->deliv_ns[msgno] - queued) / 1e6;
	printf("  packet %s of the last message dropped %d times, %d NAK(s) dropped, way back "
	       "+-%llu ms: queued to "
	       "delivered %.0f ms; resent %llu, tail probes %llu, probes "
	       "%llu, timeouts %llu, asked again %llu, duplicates %llu, rttvar %lld us\n",
	       pb == UDT_PB_FIRST  ? "first"
	       : pb == UDT_PB_LAST ? "last"
				   : "middle",
	       drops, nak_drops, (unsigned long long)(jitter_ns / MS), ms,
	       (unsigned long long)cs.pkts_retrans, (unsigned long long)cs.tail_probes,
	       (unsigned long long)cs.probes, (unsigned long long)cs.timeouts,
	       (unsigned long long)ss.naks_redo, (unsigned long long)ss.pkts_dup,
	       (long long)ss.rttvar_us);
	/* every message arrived once */
	T_EQ(w->delivered, cs.msgs_sent);
	udt_conn_free(w->cl);
	udt_conn_free(w->sv);
	sim_dir_free(&w->ab);
	sim_dir_free(&w->ba);
	res->ms = ms;
	res->dup = ss.pkts_dup;
	res->margin_ms = 2 * (double)cs.rttvar_us / 1000;
	if (res->margin_ms < 600.0 / 16)
		res->margin_ms = 600.0 / 16;
	res->margin_ms += 2 * 10; /* SYN: 10 ms */
	free(w);
}

/*
 * The first packet: the next ones show the hole, and its NAK's resend is
 * lost. No packet comes after the message, so nothing shows the receiver
 * that the resend was lost; once nothing has come for 2 SYN after the
 * message's last packet, the receiver asks for the hole again (conn_timer.c,
 * NAK ECHO), and that second resend arrives 1.5 round trips and 2 SYN after
 * the message was queued (923 ms; 962 with the way back varying by its
 * jitter). Before, the NAK timer asked again RTT + SYN after the first NAK
 * on a steady path (1511 ms), 4 RTTVar later with the way back varying.
 * One duplicate at most: the echo's resend and the first one's; here the
 * first is lost, so none.
 */
static void test_first(void)
{
	struct tail_result r;

	last_msg(UDT_PB_FIRST, 2, 0, 0, &r);
	T_ASSERT(r.ms <= 900 + 2 * 10 + 10);
	T_EQ(r.dup, 0);
	last_msg(UDT_PB_FIRST, 2, 0, 50 * MS, &r);
	T_ASSERT(r.ms <= 900 + 2 * 10 + 50);
	T_EQ(r.dup, 0);
}

/*
 * The first packet lost once and the receiver's NAK for it lost on the way
 * back: the echo asks again 2 SYN after the message's last packet came, so
 * the resend arrives as in test_first; before, the NAK timer asked again
 * RTT + SYN after the lost NAK (1.5 round trips and more after the hole was
 * seen). The resend from the echo is the only one: no duplicate on a
 * steady path (with the way back varying, the sender's silence probe, which
 * no NAK or moving ACK held off, resends the head and tail: 2 duplicates).
 */
static void test_nak_lost(void)
{
	struct tail_result r;

	last_msg(UDT_PB_FIRST, 1, 1, 0, &r);
	T_ASSERT(r.ms <= 900 + 2 * 10 + 10);
	T_EQ(r.dup, 0);
	last_msg(UDT_PB_FIRST, 1, 1, 50 * MS, &r);
	T_ASSERT(r.ms <= 900 + 2 * 10 + 50);
}

/*
 * The first packet lost once, its repair not: the echo's resend makes it
 * arrive twice, the one cost of the echo (a packet per hole of the stream's
 * last round trip, into a link idle then).
 */
static void test_echo_cost(void)
{
	struct tail_result r;

	last_msg(UDT_PB_FIRST, 1, 0, 0, &r);
	T_ASSERT(r.ms <= 900 + 10);
	T_EQ(r.dup, 1);
}

/*
 * The last packet: nothing shows its loss, the tail-loss probe resends it
 * a round trip and the margin after it left, and that is lost too. The
 * repair probe resends it again a round trip and the margin later, so it
 * arrives 2.5 round trips and two margins after it was queued (1.6 s);
 * before, the silence's probe skipped it (sent into that silence by the
 * tail-loss probe) and it waited for the EXP: 2.7-2.8 s.
 */
static void test_last(void)
{
	struct tail_result r;

	last_msg(UDT_PB_LAST, 2, 0, 0, &r);
	T_ASSERT(r.ms <= 1500 + 2 * r.margin_ms + 10);
	T_EQ(r.dup, 0);
	last_msg(UDT_PB_LAST, 2, 0, 50 * MS, &r);
	T_ASSERT(r.ms <= 1500 + 2 * r.margin_ms + 50);
	T_EQ(r.dup, 0);
}

int main(void)
{
	T_RUN(test_first);
	T_RUN(test_nak_lost);
	T_RUN(test_echo_cost);
	T_RUN(test_last);
	return t_done();
}
