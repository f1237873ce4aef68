// SPDX-License-Identifier: MIT
/* test_udt_window.c - ACK/ACK2 RTT bookkeeping, receive rate, packet pairs (times in ns). */
#include "common/time.h"
#include "proto/udt/window.h"
#include "tests/t.h"

static void test_ack2_rtt(void)
{
	static struct udt_ackwin w;
	uint32_t ack = 0;

	udt_ackwin_init(&w);
	udt_ackwin_store(&w, 1, 100, lu2k_time_us_to_ns(1000));
	udt_ackwin_store(&w, 2, 200, lu2k_time_us_to_ns(2000));
	udt_ackwin_store(&w, 3, 300, lu2k_time_us_to_ns(3000));
	/* ACK2 for #2: RTT from its send time; #1 is forgotten */
	T_EQ(udt_ackwin_ack2(&w, 2, lu2k_time_us_to_ns(52000), &ack), lu2k_time_us_to_ns(50000));
	T_EQU(ack, 200);
	T_EQ(udt_ackwin_ack2(&w, 1, lu2k_time_us_to_ns(53000), &ack), -1);
	T_EQ(udt_ackwin_ack2(&w, 3, lu2k_time_us_to_ns(63000), &ack), lu2k_time_us_to_ns(60000));
	T_EQU(ack, 300);
	T_EQ(udt_ackwin_ack2(&w, 3, lu2k_time_us_to_ns(64000), &ack), -1); /* already used */
	T_EQ(udt_ackwin_ack2(&w, 99, lu2k_time_us_to_ns(64000), &ack), -1);
	udt_ackwin_fini(&w);
}

static void test_ack2_overflow(void)
{
	static struct udt_ackwin w;
	uint32_t i, ack;

	udt_ackwin_init(&w);
	for (i = 1; i <= UDT_ACKWIN_SIZE + 10; i++)
		udt_ackwin_store(&w, i, i * 10, lu2k_time_us_to_ns(i));
	/* the oldest were overwritten */
	T_EQ(udt_ackwin_ack2(&w, 5, lu2k_time_us_to_ns(100000), &ack), -1);
	T_EQ(udt_ackwin_ack2(&w, UDT_ACKWIN_SIZE + 10, lu2k_time_us_to_ns(UDT_ACKWIN_SIZE + 110),
			     &ack),
	     lu2k_time_us_to_ns(100));
	T_EQU(ack, (UDT_ACKWIN_SIZE + 10) * 10);
}

static void test_rcv_rate(void)
{
	struct udt_timewin w;
	uint64_t t = lu2k_time_s_to_ns(1);
	uint32_t s;

	udt_timewin_init(&w, t);
	/* the initial 1 s intervals say 1 packet/s */
	T_EQ(udt_timewin_rcv_rate(&w), 1);
	for (s = 1; s <= 16; s++) {
		t += lu2k_time_us_to_ns(250);		    /* 4000 packets/s */
		udt_timewin_arrival(&w, s * 3, t, 0, 0, 0); /* never a probe pair */
	}
	T_EQ(udt_timewin_rcv_rate(&w), 4000);
	/* a few outliers (a pause) are filtered out by the median */
	t += lu2k_time_s_to_ns(1);
	udt_timewin_arrival(&w, 100, t, 0, 0, 0);
	T_EQ(udt_timewin_rcv_rate(&w), 4000);
}

static void test_packet_pair(void)
{
	struct udt_timewin w;
	uint64_t t = lu2k_time_ms_to_ns(1);
	uint32_t k;

	udt_timewin_init(&w, t);
	/* default probe gaps of 1000 us: 1000 packets/s */
	T_EQ(udt_timewin_bandwidth(&w), 1000);
	for (k = 1; k <= 64; k++) {
		t += lu2k_time_us_to_ns(5000);
		udt_timewin_arrival(&w, k * 16, t, 0, 0, 0);
		t += lu2k_time_us_to_ns(100); /* pair gap: 10000 packets/s */
		udt_timewin_arrival(&w, k * 16 + 1, t, 0, 0, 0);
	}
	T_EQ(udt_timewin_bandwidth(&w), 10000);
	/* a second packet whose first was lost gives no sample */
	t += lu2k_time_us_to_ns(3000);
	udt_timewin_arrival(&w, 65 * 16 + 1, t, 0, 0, 0);
	T_EQ(udt_timewin_bandwidth(&w), 10000);
	/* across the sequence wrap */
	udt_timewin_arrival(&w, 0x7ffffff0, t + lu2k_time_us_to_ns(10), 0, 0, 0);
	udt_timewin_arrival(&w, 0x7ffffff1, t + lu2k_time_us_to_ns(60), 0, 0, 0);
	T_ASSERT(udt_timewin_bandwidth(&w) >= 10000);
}

/* The first real pairs: the made-up gaps count until UDT_TW_PROBE_MIN, then only the real ones. */
static void test_packet_pair_early(void)
{
	struct udt_timewin w;
	uint64_t t = lu2k_time_ms_to_ns(1);
	uint32_t k;

	udt_timewin_init(&w, t);
	for (k = 1; k <= UDT_TW_PROBE_MIN; k++) {
		T_ASSERT(udt_timewin_bandwidth(&w) < 1200); /* still UDT4's start */
		t += lu2k_time_us_to_ns(5000);
		udt_timewin_arrival(&w, k * 16, t, 0, 0, 0);
		t += lu2k_time_us_to_ns(250); /* 4000 packets/s */
		udt_timewin_arrival(&w, k * 16 + 1, t, 0, 0, 0);
	}
	T_EQ(udt_timewin_bandwidth(&w), 4000);
	/* one wild gap among the real ones moves the median little */
	t += lu2k_time_us_to_ns(5000);
	udt_timewin_arrival(&w, 100 * 16, t, 0, 0, 0);
	udt_timewin_arrival(&w, 100 * 16 + 1, t + lu2k_time_us_to_ns(2), 0, 0, 0);
	T_ASSERT(udt_timewin_bandwidth(&w) >= 4000 && udt_timewin_bandwidth(&w) < 4500);
}

/*
 * Pairs of small packets (LNet's RPCs) measure the link in full packets: a
 * 250-byte packet through a link of 4000 full (1500-byte) packets/s takes
 * 41.67 us, a 100-byte one 16.67 us: both say 4000 full packets/s.
 */
static void test_packet_pair_small(void)
{
	struct udt_timewin w;
	uint64_t t = lu2k_time_ms_to_ns(1);
	uint32_t k;

	udt_timewin_init(&w, t);
	for (k = 1; k <= 32; k++) {
		t += lu2k_time_us_to_ns(5000);
		udt_timewin_arrival(&w, k * 16, t, 250, 1500, 0);
		udt_timewin_arrival(&w, k * 16 + 1, t + 41667, 250, 1500, 0);
	}
	T_ASSERT(udt_timewin_bandwidth(&w) >= 3990 && udt_timewin_bandwidth(&w) <= 4010);
	/* taken as full packets they would say 24,000 packets/s */
	T_EQ(w.probe_n, 32);
	for (k = 33; k <= 64; k++) {
		t += lu2k_time_us_to_ns(5000);
		udt_timewin_arrival(&w, k * 16, t, 100, 1500, 0);
		udt_timewin_arrival(&w, k * 16 + 1, t + 16667, 100, 1500, 0);
	}
	T_EQ(w.probe_n, 64);
	T_ASSERT(udt_timewin_bandwidth(&w) >= 3990 && udt_timewin_bandwidth(&w) <= 4010);
	/* full-sized and larger-than-full are taken as they are */
	for (k = 97; k <= 160; k++) {
		t += lu2k_time_us_to_ns(5000);
		udt_timewin_arrival(&w, k * 16, t, 1500, 1500, 0);
		udt_timewin_arrival(&w, k * 16 + 1, t + lu2k_time_us_to_ns(200), 1500, 1500, 0);
	}
	T_EQ(udt_timewin_bandwidth(&w), 5000);
}

/*
 * A pair counts only if it left together. LNet's ACKs of a bulk, one 72-byte
 * message each about every ms: the second packet of a pair leaves with the
 * next message, and its gap (1 ms, x12 for its size) would say 80 packets/s
 * on a link of 10,000. Stamps sent_us are the sender's, in us.
 */
static void test_packet_pair_apart(void)
{
	struct udt_timewin w;
	uint64_t t = lu2k_time_ms_to_ns(1);
	uint32_t k, sent = 7;

	udt_timewin_init(&w, t);
	/* 16 real pairs: sent in one go, 100 us apart at the receiver */
	for (k = 1; k <= 16; k++) {
		t += lu2k_time_us_to_ns(5000);
		sent += 5000;
		udt_timewin_arrival(&w, k * 16, t, 1500, 1500, sent);
		udt_timewin_arrival(&w, k * 16 + 1, t + lu2k_time_us_to_ns(100), 1500, 1500, sent);
	}
	T_EQ(udt_timewin_bandwidth(&w), 10000);
	T_EQ(w.pairs_apart, 0);
	/* then 64 pairs of small messages sent 1 ms apart, which arrive 1 ms apart */
	for (k = 17; k <= 80; k++) {
		t += lu2k_time_us_to_ns(5000);
		sent += 5000;
		udt_timewin_arrival(&w, k * 16, t, 116, 1500, sent);
		udt_timewin_arrival(&w, k * 16 + 1, t + lu2k_time_us_to_ns(1000), 116, 1500,
				    sent + 1000);
	}
	T_EQ(udt_timewin_bandwidth(&w), 10000);
	T_EQ(w.probe_n, 16);
	T_EQ(w.pairs_apart, 64);
	/* nor when the path squeezed them: sent 300 us apart, 200 us apart at the receiver */
	t += lu2k_time_us_to_ns(5000);
	sent += 5000;
	udt_timewin_arrival(&w, 81 * 16, t, 1500, 1500, sent);
	udt_timewin_arrival(&w, 81 * 16 + 1, t + lu2k_time_us_to_ns(200), 1500, 1500, sent + 300);
	T_EQ(w.pairs_apart, 65);
	/* nor a second packet stamped before the first (a resent one) */
	t += lu2k_time_us_to_ns(5000);
	udt_timewin_arrival(&w, 82 * 16, t, 1500, 1500, sent + 5000);
	udt_timewin_arrival(&w, 82 * 16 + 1, t + lu2k_time_us_to_ns(200), 1500, 1500, sent);
	T_EQ(w.pairs_apart, 66);
	T_EQ(w.probe_n, 16);
	/*
	 * A pair the link spread: sent 3 us apart (the sender was interrupted),
	 * 100 us apart at the receiver; one us of the stamps' rounding on a fast
	 * link: sent 1 us apart, 1 us apart; and the stamps' wrap at 2^32 us.
	 */
	sent = 0xfffffff0u;
	for (k = 83; k <= 90; k++) {
		t += lu2k_time_us_to_ns(5000);
		udt_timewin_arrival(&w, k * 16, t, 1500, 1500, sent);
		udt_timewin_arrival(&w, k * 16 + 1, t + lu2k_time_us_to_ns(100), 1500, 1500,
				    sent + 3);
		sent += 5;
	}
	T_EQ(w.probe_n, 24);
	T_EQ(udt_timewin_bandwidth(&w), 10000);
	t += lu2k_time_us_to_ns(5000);
	udt_timewin_arrival(&w, 91 * 16, t, 1500, 1500, sent);
	udt_timewin_arrival(&w, 91 * 16 + 1, t + lu2k_time_us_to_ns(1), 1500, 1500, sent + 1);
	T_EQ(w.probe_n, 25);
	T_EQ(w.pairs_apart, 66);
}

/*
 * Above 1 M packets/s: datagrams of a GRO buffer, 250 ns apart
 * (UDTB_RXTS_SPACING_NS). A mean interval in whole us said 0 (no rate),
 * and 1 us apart was the most either estimate could say.
 */
static void test_fast(void)
{
	struct udt_timewin w;
	uint64_t t = lu2k_time_ms_to_ns(1);
	uint32_t s;

	udt_timewin_init(&w, t);
	for (s = 1; s <= 16 * 16; s++) {
		t += 250;
		udt_timewin_arrival(&w, s, t, 1500, 1500, 3);
	}
	T_EQ(udt_timewin_rcv_rate(&w), 4000000);
	T_EQ(udt_timewin_bandwidth(&w), 4000000);
	/* 10 Gbit/s of full packets: 1.2 us each */
	for (; s <= 32 * 16; s++) {
		t += 1200;
		udt_timewin_arrival(&w, s, t, 1500, 1500, 3);
	}
	T_EQ(udt_timewin_rcv_rate(&w), 833334);
}

int main(void)
{
	T_RUN(test_fast);
	T_RUN(test_packet_pair_apart);
	T_RUN(test_ack2_rtt);
	T_RUN(test_packet_pair_small);
	T_RUN(test_ack2_overflow);
	T_RUN(test_rcv_rate);
	T_RUN(test_packet_pair);
	T_RUN(test_packet_pair_early);
	return t_done();
}
