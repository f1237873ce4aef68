// SPDX-License-Identifier: MIT
/*
 * test_sim_start.c - the start of a bulk transfer over a 600 ms, 50 Mbit/s
 * link (issue 12's goals), in simulated time with "lossy":
 *
 *   - the receiver gets 90 % of the link's packet rate (over 300 ms) within
 *     3 round trips of the first data packet, at 0, 1 and 3 % loss;
 *   - on a clean link the first 1 MiB message is acknowledged within 2
 *     round trips plus its serialization at the link's payload rate (with
 *     loss, a lost packet of it costs a repair round trip more: printed);
 *   - 100 MB (10^8 bytes) over the clean link, from connected to the last
 *     acknowledgement: the issue asks for 17 s, but here the bytes alone take
 *     16.48 s at what the link carries (1456 payload bytes per 1500 on the
 *     wire), and the last acknowledgement comes a round trip after the last
 *     packet left, 17.08 s with no start at all. The bound is the bytes plus
 *     2 round trips (the last acknowledgement, the start): 17.68 s;
 *   - after a 30 s pause in the bulk bytes the rest goes at once at the
 *     rate the model kept (test_resume).
 */
#include <stdlib.h>

#include "tests/sim/sim_xfer.h"
#include "tests/t.h"

static struct sim_scenario sc[SIM_MATRIX_N];

/* matrix rows at 600 ms: no loss, 1 %, 3 % */
static const unsigned int rows[3] = { 8, 9, 10 };
static unsigned int cur;

static void test_start(void)
{
	struct sim_scenario s = sc[rows[cur]];
	double rtt_s = (double)s.rtt_ms / 1000;
	double ser_s = (double)(1 << 20) * 8 / (sim_capacity_mbps(&s) * 1e6);
	struct sim_result r;

	s.bytes = 32u << 20;
	T_EQ(sim_run(&s, &r), 0);
	sim_print(&s, &r);
	printf("       bounds: 90 %% within %.2f s; first message within %.2f s (clean link)\n",
	       3 * rtt_s, 2 * rtt_s + ser_s);
	T_ASSERT(r.complete);
	T_EQ(r.bad, 0);
	T_ASSERT(r.t90_s > 0 && r.t90_s <= 3 * rtt_s);
	T_ASSERT(r.t_first_msg_s > 0);
	if (s.loss == 0)
		T_ASSERT(r.t_first_msg_s <= 2 * rtt_s + ser_s);
}

static void test_100mb(void)
{
	struct sim_scenario s = sc[8];
	struct sim_result r;

	s.name = "rtt 600 ms, no loss, 10^8 bytes";
	s.bytes = 100000000;
	T_EQ(sim_run(&s, &r), 0);
	sim_print(&s, &r);
	printf("       bound %.2f s\n", sim_bound_s(&s, 100, 2, 0));
	T_ASSERT(r.complete);
	T_EQ(r.bad, 0);
	T_EQ(r.delivered, r.msgs);
	T_ASSERT(r.sim_s <= sim_bound_s(&s, 100, 2, 0));
	/*
	 * Issue 12's 17 s, counted as picoquic's satellite test counts (to the
	 * last byte the receiver has), from connected: a cold start, with the
	 * handshake's capacity probe (udt_config.probe_train, as lu2kd sends
	 * it). Without the probe it took 17.20 s: the bytes alone take 16.48 s
	 * at 1456 payload bytes per 1500 and the last one lands 0.3 s after it
	 * left, which leaves 0.22 s for a start that loses a whole round trip at
	 * UDT's 32 packets per round trip. And the path remembered from this
	 * first connection (a reconnect to a known peer), printed.
	 */
	printf("       to the last byte delivered: %.2f s (bound 17 s); the probe read %d "
	       "packets/s "
	       "(the link: %.0f)\n",
	       r.deliv_s, r.snd.hs_capacity_pps, (double)s.rate_bps / 8 / 1500);
	/* (SIM_NO_PROBE=1: experiments without it, sim_xfer.c) */
	if (!getenv("SIM_NO_PROBE")) {
		T_ASSERT(r.snd.hs_capacity_pps > 0);
		T_ASSERT(r.deliv_s > 0 && r.deliv_s <= 17.0);
	}
	s.path_rate_pps = (uint32_t)r.snd.path_rate_pps;
	s.seed += 1000;
	T_EQ(sim_run(&s, &r), 0);
	T_ASSERT(r.complete);
	T_EQ(r.bad, 0);
	printf("       path remembered (%u packets/s): %.2f s to the last acknowledgement, "
	       "%.2f s to the last byte delivered\n",
	       s.path_rate_pps, r.sim_s, r.deliv_s);
}

/*
 * A path remembered across reconnects: a first connection's model (its
 * udt_stats path_rate_pps) starts the second one. On the same link the
 * second gets 70 % of the link (over 300 ms) from its first packets on, one
 * round trip after its first data packet left (a cold start: 2 round
 * trips; the first round trip paces at 3/4 of the memory, so 90 % still
 * takes the capacity estimate's round trip), and, on a clean link,
 * completes its first 1 MiB message within 1 round trip plus twice its
 * serialization.
 */
static void test_remembered(void)
{
	struct sim_scenario s = sc[rows[cur]];
	double rtt_s = (double)s.rtt_ms / 1000;
	double ser_s = (double)(1 << 20) * 8 / (sim_capacity_mbps(&s) * 1e6);
	double pps = (double)s.rate_bps / 8 / 1500;
	struct sim_result r;

	s.bytes = 32u << 20;
	T_EQ(sim_run(&s, &r), 0);
	printf("       first connection: path_rate %d packets/s (link %.0f), path_rtt %d us\n",
	       r.snd.path_rate_pps, pps, r.snd.path_rtt_us);
	/*
	 * Not above the link: the model's btl_bw may be (4219 packets/s for
	 * 4167 at 600 ms / 0 %, and twice the link once through lu2k-linkem on
	 * a loaded machine); what is remembered is at most what the path
	 * carried over a second (cc_lossy_sample.c, delivery).
	 */
	T_ASSERT(r.snd.path_rate_pps > 0.9 * pps && r.snd.path_rate_pps <= 1.005 * pps);
	T_ASSERT(r.snd.path_rtt_us >= 1000 * (int32_t)s.rtt_ms &&
		 r.snd.path_rtt_us < 1100 * (int32_t)s.rtt_ms);
	s.path_rate_pps = (uint32_t)r.snd.path_rate_pps;
	s.seed += 1000;
	T_EQ(sim_run(&s, &r), 0);
	sim_print(&s, &r);
	printf("       remembered: 70 %% after %.2f s, bound %.2f s; first message within %.2f s "
	       "(clean)\n",
	       r.t70_s, rtt_s + 0.05, rtt_s + 2 * ser_s);
	T_ASSERT(r.complete);
	T_EQ(r.bad, 0);
	T_EQ(r.delivered, r.msgs);
	/*
	 * 70 % is of the raw link (sim_figures.c): 3/4 of a memory of at most
	 * what the path carried delivers 0.75 x (1 - loss) x memory / link,
	 * 73 % at 1 % loss but 69.6-70.5 % at 3 % (memories of 3984-3997
	 * packets/s), so there it is a coin flip on the draw (1.60 s with
	 * SIM_SEED=1 at abf7add; 1.00 s with the test's draw once the memory
	 * read 3985 instead of 3997, the bins within 1 %): printed only.
	 */
	if (s.loss < 0.02)
		T_ASSERT(r.t70_s > 0 && r.t70_s <= rtt_s + 0.05);
	/*
	 * 90 % within two round trips, the same: at 3 % it came at 1.2 s on
	 * 22 of 39 draws at abd8d0d (SIM_SEED=0..39 SIM_ONLY=6), 1.8-2.1 s on
	 * the others; with timed ACKs 1.2 s on 19, 1.3-1.8 s on 20 (the test's
	 * own draw among them: the ACKs and ACK2s the timed ACKs add take the
	 * link's loss draws, so every draw is another; doc/udt-cc.md, "Timed
	 * ACKs"). Printed only there.
	 */
	if (s.loss < 0.02)
		T_ASSERT(r.t90_s > 0 && r.t90_s <= 2 * rtt_s + 0.05);
	if (s.loss == 0)
		T_ASSERT(r.t_first_msg_s > 0 && r.t_first_msg_s <= rtt_s + 2 * ser_s);
}

/*
 * A wrong memory: the path carried 50 Mbit/s, now it carries 20 (another
 * route, a shared beam). The start overshoots until the NAKs of the queue's
 * drops show heavy loss (a round trip for them, one for the loss window),
 * then forgets the memory and starts cold: the transfer completes with the
 * second half at >= 90 % of the new link, and no more queue drops than four
 * round trips of the excess.
 */
static void test_remembered_wrong(void)
{
	struct sim_scenario s = sc[9];
	struct sim_result r;
	double old_pps = (double)s.rate_bps / 8 / 1500, new_pps;

	s.name = "rtt 600 ms, 1 %, 20 Mbit/s, remembered 50";
	s.rate_bps = 20000000;
	s.bytes = 32u << 20;
	s.path_rate_pps = (uint32_t)old_pps;
	new_pps = (double)s.rate_bps / 8 / 1500;
	T_EQ(sim_run(&s, &r), 0);
	sim_print(&s, &r);
	printf("       bound: second half >= 90 %%, queue drops <= %.0f\n",
	       (0.75 * old_pps - new_pps) * 4 * 0.6);
	T_ASSERT(r.complete);
	T_EQ(r.bad, 0);
	T_EQ(r.delivered, r.msgs);
	T_ASSERT(r.steady_pct >= 90);
	T_ASSERT((double)r.data_qdrops <= (0.75 * old_pps - new_pps) * 4 * 0.6);
}

/*
 * A connection that moved bulk bytes, then nothing for 30 s (a Lustre
 * client between two write bursts; the link stays as it was): the next
 * 16 MiB go at the rate the model kept, in their serialization plus the
 * round trip of the last acknowledgement on a clean link (a cold start's
 * STARTUP would add two round trips), and a round trip and a half more
 * under loss (the last holes' repairs), there the median of RESUME_DRAWS
 * draws (one in four or five loses a resend at the end: a round trip
 * more). LU2K_SIM_PAUSE_MS: another pause.
 */
#define RESUME_DRAWS 5

static void test_resume(void)
{
	struct sim_scenario s = sc[rows[cur]];
	double rtt_s = (double)s.rtt_ms / 1000;
	double ser_s = (double)(16u << 20) * 8 / (sim_capacity_mbps(&s) * 1e6);
	double bound_s = ser_s + (s.loss > 0 ? 2.5 : 1) * rtt_s + 0.05;
	const char *e = getenv("LU2K_SIM_PAUSE_MS");
	/* under loss a resend lost again at the end costs a round trip: the median of draws */
	int draws = s.loss > 0 ? RESUME_DRAWS : 1, k;
	double t[RESUME_DRAWS], med;
	struct sim_result r;

	s.bytes = 32u << 20;
	s.pause_at = 16;
	s.pause_ms = e ? strtoull(e, NULL, 10) : 30000;
	for (k = 0; k < draws; k++) {
		s.seed = sc[rows[cur]].seed + 1000u * (unsigned int)k;
		T_EQ(sim_run(&s, &r), 0);
		if (!k)
			sim_print(&s, &r);
		printf("       after a %.0f s pause: 16 MiB in %.2f s (draw %d)\n",
		       (double)s.pause_ms / 1000, r.resume_s, k);
		T_ASSERT(r.complete);
		T_EQ(r.bad, 0);
		T_EQ(r.delivered, r.msgs);
		t[k] = r.resume_s > 0 ? r.resume_s : 1e9;
	}
	med = sim_median(t, draws);
	printf("       median %.2f s, bound %.2f s (serialization %.2f s)\n", med, bound_s, ser_s);
	T_ASSERT(med <= bound_s);
	/* the same 16 MiB on a new connection, for comparison */
	s.seed = sc[rows[cur]].seed;
	s.bytes = 16u << 20;
	s.pause_at = 0;
	T_EQ(sim_run(&s, &r), 0);
	T_ASSERT(r.complete);
	printf("       on a new connection: %.2f s\n", r.sim_s);
}

int main(void)
{
	sim_matrix(sc, "lossy", 0);
	for (cur = 0; cur < 3; cur++)
		if (sim_selected(cur))
			T_RUN(test_start);
	if (sim_selected(3))
		T_RUN(test_100mb);
	for (cur = 0; cur < 3; cur++)
		if (sim_selected(4 + cur))
			T_RUN(test_remembered);
	if (sim_selected(7))
		T_RUN(test_remembered_wrong);
	for (cur = 0; cur < 3; cur++)
		if (sim_selected(8 + cur))
			T_RUN(test_resume);
	return t_done();
}
