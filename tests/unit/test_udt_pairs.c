// SPDX-License-Identifier: MIT
/*
 * test_udt_pairs.c - the link capacity that a connection's ACKs report
 * (packet pairs, window.h) when its sender sends one small message at a
 * time: LNet's ACKs of a bulk the other way. The second packet of such a
 * pair leaves with the next message, a millisecond later; its gap is the
 * application's, and scaled to a full packet (x11 for a 64-byte message)
 * it read as a link of ~90 packets/s. The sender's CC paced there, its
 * messages queued, and the bulk the other way waited for its ACKs
 * (doc/benchmarks.md, issue 13, "packet pairs that left apart"). Such
 * pairs give no sample now; pairs sent together still do.
 */
#include <stdint.h>
#include <string.h>

#include "proto/udt/udt.h"
#include "tests/t.h"
#include "tests/unit/udt_pair.h"

#define MS 1000000ull
#define US 1000ull

/* client -> server data (each gap_ns after the one before), server -> client control, at t */
static void pump_gap(struct udt_conn *cl, struct udt_conn *sv, uint64_t t, uint64_t gap_ns)
{
	uint8_t buf[2000];
	uint64_t arr = t;
	size_t n;

	if (udt_conn_next_deadline(cl) <= t)
		udt_conn_handle_timers(cl, t);
	if (udt_conn_next_deadline(sv) <= t)
		udt_conn_handle_timers(sv, t);
	while ((n = udt_conn_write_pkt(cl, buf, sizeof(buf), t))) {
		T_EQ(udt_conn_recv_pkt_at(sv, buf, n, t + 50 * US, arr), 0);
		arr += gap_ns;
	}
	while ((n = udt_conn_write_pkt(sv, buf, sizeof(buf), t + 50 * US)))
		T_EQ(udt_conn_recv_pkt(cl, buf, n, t + 100 * US), 0);
}

static void pump(struct udt_conn *cl, struct udt_conn *sv, uint64_t t)
{
	pump_gap(cl, sv, t, US);
}

/* one 64-byte message every ms for ms milliseconds */
static void one_at_a_time(struct udt_conn *cl, struct udt_conn *sv, uint64_t *t, int ms)
{
	uint8_t msg[64];
	int i;

	memset(msg, 5, sizeof(msg));
	for (i = 0; i < ms; i++, *t += MS) {
		T_EQ(udt_conn_send_msg(cl, msg, sizeof(msg), -1, 0, UDT_MSG_COPY, NULL, NULL, *t),
		     0);
		pump(cl, sv, *t);
		pump(cl, sv, *t + 200 * US);
	}
}

/* bursts of 64 messages queued at once, every 10 ms */
static void bursts(struct udt_conn *cl, struct udt_conn *sv, uint64_t *t, int n)
{
	uint8_t msg[64];
	int i, k;

	memset(msg, 6, sizeof(msg));
	for (i = 0; i < n; i++) {
		for (k = 0; k < 64; k++)
			T_EQ(udt_conn_send_msg(cl, msg, sizeof(msg), -1, 0, UDT_MSG_COPY, NULL,
					       NULL, *t),
			     0);
		for (k = 0; k < 1000; k++, *t += 10 * US)
			pump(cl, sv, *t);
	}
}

static void test_one_at_a_time(const char *cc)
{
	struct udt_config cfg;
	struct udt_conn *cl = NULL, *sv = NULL;
	struct udt_stats st;
	uint64_t t = 1000 * MS;
	int32_t link;

	udt_config_default(&cfg);
	cfg.cc = cc;
	cfg.nest_small = 0; /* a packet per message */
	cfg.fec = 0;
	udt_test_pair(&cfg, &cfg, NULL, NULL, &cl, &sv, &t);
	/* 2 s of single messages: no pair left together, the estimate stays UDT4's start */
	one_at_a_time(cl, sv, &t, 2000);
	udt_conn_get_stats(sv, &st);
	T_ASSERT(st.pairs_apart >= 120);
	T_EQ(st.msgs_recv, 2000);
	udt_conn_get_stats(cl, &st);
	T_ASSERT(st.bandwidth_pps >= 900);
	/* bursts: their pairs arrive 1 us apart, a 64-byte packet's time on a fast link */
	bursts(cl, sv, &t, 40);
	udt_conn_get_stats(cl, &st);
	link = st.bandwidth_pps;
	T_ASSERT(link >= 50000);
	/* single messages again for 3 s: 180 pairs that left apart, the estimate holds */
	one_at_a_time(cl, sv, &t, 3000);
	udt_conn_get_stats(sv, &st);
	T_EQ(st.msgs_recv, 2000 + 40 * 64 + 3000);
	udt_conn_get_stats(cl, &st);
	T_ASSERT(st.bandwidth_pps >= link / 2);
	udt_conn_free(cl);
	udt_conn_free(sv);
}

/*
 * Full packets that arrive 250 ns apart (a GRO buffer's, udt_rxts.h): the
 * ACKs report over 2 M packets/s (4 M once their average settles). The engine took arrival times at its us
 * ticks, and no estimate could pass 1 M packets/s (loopback's udt bulk
 * stopped at ~11.6 Gbit/s).
 */
static void test_fast_link(void)
{
	struct udt_config cfg;
	struct udt_conn *cl = NULL, *sv = NULL;
	struct udt_stats st;
	uint64_t t = 1000 * MS;
	static uint8_t msg[1456 * 64];
	int i, k;

	udt_config_default(&cfg);
	udt_test_pair(&cfg, &cfg, NULL, NULL, &cl, &sv, &t);
	memset(msg, 7, sizeof(msg));
	for (i = 0; i < 200; i++) {
		T_EQ(udt_conn_send_msg(cl, msg, sizeof(msg), -1, 0, UDT_MSG_COPY, NULL, NULL, t),
		     0);
		for (k = 0; k < 100; k++, t += 10 * US)
			pump_gap(cl, sv, t, 250);
	}
	udt_conn_get_stats(sv, &st);
	T_EQ(st.msgs_recv, 200);
	T_ASSERT(st.pairs_apart <= 10);
	udt_conn_get_stats(cl, &st);
	T_ASSERT(st.bandwidth_pps >= 2000000); /* twice what a us could say */
	T_ASSERT(st.bandwidth_pps <= 4100000);
	udt_conn_free(cl);
	udt_conn_free(sv);
}

static void test_lossy(void)
{
	test_one_at_a_time("lossy");
}

static void test_native(void)
{
	test_one_at_a_time("udt");
}

int main(void)
{
	T_RUN(test_lossy);
	T_RUN(test_native);
	T_RUN(test_fast_link);
	return t_done();
}
