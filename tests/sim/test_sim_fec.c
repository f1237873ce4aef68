// SPDX-License-Identifier: MIT
/*
 * test_sim_fec.c - the tail latency of small messages under loss, with and
 * without FEC (proto/udt/fec.h; doc/udt-fec.md): a 4 KiB message (three
 * packets) every 100 ms, alone on its connection, for 300 s, at 600 ms RTT
 * and 50 Mbit/s. Without loss one is delivered in its one-way time. At 1 %
 * loss, 3 % of them lose a packet: without repair ahead of time that costs
 * a NAK and a resend, a round trip (p99 ~900 ms). Goal (issue 12): p99
 * within 1.2 x the loss-free p99, with FEC on both ends.
 *
 * The cases, each its own line in the log: the loss-free reference (FEC
 * offered, and never sent: the measured loss stays 0); UDT's native CC
 * without FEC (the bound is missed; asserted, so that the gain stays
 * measured) and with it; lossy without FEC (its dup_tail sends each small
 * message twice once it saw a loss) and with it; bursts of 16 messages at
 * once, where dup_tail copies only the last (the bound missed, asserted)
 * and FEC protects each. Each line gives p50, p99
 * and max delivery, and the packets the sender sent per packet of payload
 * (data, resends, copies, parity): the bandwidth FEC costs.
 */
#include <stdlib.h>

#include "tests/sim/sim_xfer.h"
#include "tests/t.h"

#define MSG_BYTES 4096
#define MSG_PKTS  3 /* 4096 bytes in 1456-byte payloads */

static double ref_p99_ms;

/* burst > 1: that many messages at once every second for 250 s (LNet's concurrent RPCs) */
static void run_case_n(const char *name, const char *cc, double loss, int fec, int bursty,
		       uint32_t burst, struct sim_result *r)
{
	struct sim_scenario s;
	double per_pkt, msgs;

	memset(&s, 0, sizeof(s));
	s.name = name;
	s.cc = cc;
	s.rtt_ms = 600;
	s.rate_bps = 50000000;
	s.loss = loss;
	s.bursty = bursty;
	s.msg_size = 1 << 20;
	s.sparse_s = burst > 1 ? 250 : 300;
	s.sparse_every_ms = burst > 1 ? 1000 : 100;
	s.sparse_burst = burst;
	s.sparse_size = MSG_BYTES;
	s.limit_s = 400;
	s.seed = getenv("SIM_SEED") ? (uint64_t)atoi(getenv("SIM_SEED")) : 121;
	s.fec = fec;
	T_EQ(sim_run(&s, r), 0);
	sim_print(&s, r);
	msgs = (double)r->msgs;
	per_pkt = (double)(r->snd.pkts_sent + r->snd.fec_parity_sent) / (msgs * MSG_PKTS);
	printf("       delivered: p50 %.0f ms, p99 %.0f ms, max %.0f ms; sent per payload "
	       "packet %.3f (parity %llu, sent twice %llu + %llu, resent %llu); loss measure "
	       "%u ppm; rebuilt %llu, two lost %llu, NAKs held and saved %llu; fec %d active %d; "
	       "period %.0f us\n",
	       r->sparse_p50_ms, r->sparse_p99_ms, r->sparse_max_ms, per_pkt,
	       (unsigned long long)r->snd.fec_parity_sent, (unsigned long long)r->snd.fec_dups,
	       (unsigned long long)r->snd.dup_tails, (unsigned long long)r->snd.pkts_retrans,
	       r->snd.fec_loss_ppm, (unsigned long long)r->rcv.fec_recovered,
	       (unsigned long long)r->rcv.fec_lost2, (unsigned long long)r->rcv.fec_naks_saved,
	       r->snd.fec, r->snd.fec_active, r->snd.pkt_snd_period_us);
	T_ASSERT(r->complete);
	T_EQ(r->bad, 0);
	T_EQ(r->delivered, r->msgs);
	T_ASSERT(r->msgs >= 2900);
}

static void run_case(const char *name, const char *cc, double loss, int fec, int bursty,
		     struct sim_result *r)
{
	run_case_n(name, cc, loss, fec, bursty, 1, r);
}

/* No loss: the reference time; FEC offered and on, but no parity ever sent. */
static void test_clean(void)
{
	struct sim_result r;

	run_case("rtt 600 ms, 0 %, 4 KiB every 100 ms, FEC offered", "lossy", 0, 1, 0, &r);
	ref_p99_ms = r.sparse_p99_ms;
	printf("       loss-free p99 %.0f ms: bound with loss p99 <= %.0f ms\n", ref_p99_ms,
	       1.2 * ref_p99_ms);
	T_EQ(r.snd.fec, 1);
	T_EQ(r.snd.fec_active, 0);
	T_EQU(r.snd.fec_parity_sent, 0);
	T_EQU(r.snd.fec_dups, 0);
	T_EQU(r.snd.pkts_retrans, 0);
	T_ASSERT(ref_p99_ms >= 300 && ref_p99_ms < 320);
}

/*
 * UDT's native CC: without loss its start is quick enough (p99 301 ms).
 * Its first loss, which comes before FEC is on (the sender turns it on
 * once it measured loss), ends that start at the rate it measured of this
 * application-limited flow, about what the messages need, and the next few
 * seconds of messages wait in the send queue (p99 ~1.4 s with or without
 * FEC: the start, printed). What FEC changes there: the repairs.
 */
static void test_native(void)
{
	struct sim_result r;
	uint64_t resent;

	run_case("rtt 600 ms, 0 %, 4 KiB every 100 ms, udt", "udt", 0, 1, 0, &r);
	run_case("rtt 600 ms, 1 %, 4 KiB every 100 ms, udt, no FEC", "udt", 0.01, 0, 0, &r);
	/* a lost packet costs a round trip or more */
	T_ASSERT(r.sparse_p99_ms > 1.2 * ref_p99_ms);
	resent = r.snd.pkts_retrans;
	run_case("rtt 600 ms, 1 %, 4 KiB every 100 ms, udt, FEC", "udt", 0.01, 1, 0, &r);
	T_ASSERT(r.snd.fec_parity_sent > r.msgs / 2);
	T_ASSERT(r.rcv.fec_recovered > 0);
	T_ASSERT(r.snd.pkts_retrans * 10 < resent);
}

static void test_lossy(void)
{
	struct sim_result r;
	uint64_t with_dups;

	run_case("rtt 600 ms, 1 %, 4 KiB every 100 ms, lossy, no FEC (dup_tail)", "lossy", 0.01, 0,
		 0, &r);
	with_dups = r.snd.pkts_sent;
	run_case("rtt 600 ms, 1 %, 4 KiB every 100 ms, lossy, FEC", "lossy", 0.01, 1, 0, &r);
	T_ASSERT(r.sparse_p99_ms <= 1.2 * ref_p99_ms);
	/* a parity (one packet) instead of a copy (three): a third of the bytes */
	T_ASSERT(r.snd.pkts_sent + r.snd.fec_parity_sent < with_dups * 3 / 4);
	T_EQU(r.snd.dup_tails, 0);
}

/*
 * 16 messages at once every second (RPCs in flight together): all but the
 * last leave others queued behind them, so dup_tail copies only the last of
 * each burst; FEC protects each of them (a short queue behind it, fec.h).
 */
static void test_burst(void)
{
	struct sim_result r;
	double ref;

	run_case_n("rtt 600 ms, 0 %, 16 x 4 KiB every 1 s, lossy, FEC offered", "lossy", 0, 1, 0,
		   16, &r);
	ref = r.sparse_p99_ms;
	T_EQU(r.snd.fec_parity_sent, 0);
	run_case_n("rtt 600 ms, 1 %, 16 x 4 KiB every 1 s, lossy, no FEC (dup_tail)", "lossy", 0.01,
		   0, 0, 16, &r);
	T_ASSERT(r.sparse_p99_ms > 1.2 * ref);
	run_case_n("rtt 600 ms, 1 %, 16 x 4 KiB every 1 s, lossy, FEC", "lossy", 0.01, 1, 0, 16,
		   &r);
	printf("       loss-free p99 %.0f ms: bound p99 <= %.0f ms\n", ref, 1.2 * ref);
	T_ASSERT(r.sparse_p99_ms <= 1.2 * ref);
	T_ASSERT(r.snd.fec_parity_sent > r.msgs * 9 / 10);
}

/* Beyond the goal (not asserted): 3 % random, 1 % in Gilbert bursts of ~8. */
static void test_beyond(void)
{
	struct sim_result r;

	run_case("rtt 600 ms, 3 %, 4 KiB every 100 ms, lossy, FEC", "lossy", 0.03, 1, 0, &r);
	run_case("rtt 600 ms, 1 % bursts, 4 KiB every 100 ms, lossy, FEC", "lossy", 0.01, 1, 1, &r);
	run_case("rtt 600 ms, 1 % bursts, 4 KiB every 100 ms, lossy, no FEC", "lossy", 0.01, 0, 1,
		 &r);
}

int main(void)
{
	T_RUN(test_clean);
	if (sim_selected(1))
		T_RUN(test_native);
	if (sim_selected(2))
		T_RUN(test_lossy);
	if (sim_selected(3))
		T_RUN(test_burst);
	if (sim_selected(4))
		T_RUN(test_beyond);
	return t_done();
}
