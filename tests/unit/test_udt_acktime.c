// SPDX-License-Identifier: MIT
/*
 * test_udt_acktime.c - timed ACKs (udt.h ack_time; codec.h struct udt_ack):
 * while a hole holds the cumulative ACK, the receiver's full ACKs keep
 * coming with the highest packet it has and how long it held it, and the
 * sender's "lossy" CC takes an RTT sample from each, never from a packet
 * sent more than once (Karn's rule). Two engines over the simulated link of
 * tests/sim/sim_link.h at 200 ms (simulated time only); and the sampling
 * rule alone on a CC fed by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/udt/cc_lossy_int.h"
#include "proto/udt/codec.h"
#include "proto/udt/conn_int.h"
#include "proto/udt/seq.h"
#include "proto/udt/udt.h"
#include "tests/sim/sim_link.h"
#include "tests/t.h"
#include "tests/unit/udt_pair.h"
#include "tests/unit/udt_sim_run.h"

#define MS	(1000ull * 1000)
#define PAYLOAD (1456 * 8)

struct world {
	struct sim_dir ab, ba; /* client -> server, server -> client */
	struct udt_conn *cl, *sv;
	uint64_t now;
	/* the hole: its first drop_times sends are dropped */
	uint32_t hole;
	int hole_set, drop_times;
	/* and the first send of the packet after drop_after_seq, if set */
	uint32_t tail;
	int tail_set, tail_dropped;
	/* timed ACKs the server sent while the hole held its ACK point, the highest they named */
	uint32_t timed_held, hi_named;
	int hi_moved;
	/* the client's samples from timed ACKs while the hole held: count, least and largest */
	uint64_t samples, seen_samples;
	int64_t least, most;
	/* a timed ACK named the packet sent twice: how often it was sent, a sample taken then */
	int resent_named, resent_tx, resent_sampled;
	uint32_t seen_timed_seq;
};

static void on_recv(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	(void)ud, (void)msgno, (void)iov, (void)n, (void)len;
}

static const struct udt_callbacks cbs = { .msg_recv = on_recv };

static uint32_t word_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int drop_data(struct sim_dir *d, const uint8_t *pkt, uint32_t len, void *arg)
{
	struct world *w = arg;
	uint32_t seq = word_at(pkt);

	(void)d, (void)len;
	if (pkt[0] & 0x80)
		return 0;
	if (w->hole_set && seq == w->hole && w->drop_times > 0) {
		w->drop_times--;
		return 1;
	}
	if (w->tail_set && seq == w->tail && !w->tail_dropped) {
		w->tail_dropped = 1;
		return 1;
	}
	return 0;
}

/* Reads the server's ACKs on their way (none is dropped). */
static int watch_acks(struct sim_dir *d, const uint8_t *pkt, uint32_t len, void *arg)
{
	struct world *w = arg;
	struct udt_hdr h;
	struct udt_ack a;

	(void)d;
	if (udt_hdr_decode(pkt, len, &h) || !h.ctrl || h.type != UDT_CT_ACK ||
	    udt_ack_decode(&h, &a) || a.nfields != 8)
		return 0;
	if (w->hole_set && a.ack_seq == w->hole) {
		w->timed_held++;
		if (w->timed_held > 1 && udt_seq_cmp(a.hi_seq, w->hi_named) > 0)
			w->hi_moved = 1;
		w->hi_named = a.hi_seq;
	}
	return 0;
}

/* After each step: what the client's CC took from the timed ACKs it read. */
static void look(void *arg, uint64_t t)
{
	struct world *w = arg;
	struct lossy *l = w->cl->cc.priv;
	uint64_t taken = l->timed_samples - w->seen_samples;

	(void)t;
	w->seen_samples = l->timed_samples;
	if (taken && w->hole_set && w->cl->snd_last_data_ack == w->hole) {
		w->samples += taken;
		if (!w->least || l->last_rtt < w->least)
			w->least = l->last_rtt;
		if (l->last_rtt > w->most)
			w->most = l->last_rtt;
	}
	if (l->timed_got && l->timed_seq != w->seen_timed_seq && w->tail_set &&
	    l->timed_seq == w->tail && !w->resent_named) {
		w->resent_named = 1;
		w->resent_tx = l->tx[w->tail & l->mask];
		w->resent_sampled = taken > 0;
	}
	w->seen_timed_seq = l->timed_seq;
}

static void run(struct world *w, uint64_t end)
{
	udt_sim_run(&w->ab, &w->ba, w->cl, w->sv, &w->now, end, look, w);
}

static void start(struct world *w, int server_offers)
{
	struct udt_config ccfg, scfg;

	udt_config_default(&ccfg);
	ccfg.cc = "lossy";
	ccfg.init_rtt_ns = 200 * MS;
	scfg = ccfg;
	scfg.ack_time = server_offers;
	w->now = 1000 * MS;
	udt_test_pair(&ccfg, &scfg, &cbs, w, &w->cl, &w->sv, &w->now);
	T_EQ(w->cl->ack_time_on, server_offers);
	T_EQ(w->sv->ack_time_on, server_offers);
	sim_dir_init(&w->ab, 100 * MS, 20000000, 1000);
	sim_dir_init(&w->ba, 100 * MS, 20000000, 1000);
	w->ab.drop = drop_data;
	w->ab.drop_arg = w;
	w->ba.drop = watch_acks;
	w->ba.drop_arg = w;
}

static void finish(struct world *w)
{
	udt_conn_free(w->cl);
	udt_conn_free(w->sv);
	sim_dir_free(&w->ab);
	sim_dir_free(&w->ba);
	free(w);
}

/* A message every 5 ms (about 18 Mbit/s) until until_ns. */
static void stream(struct world *w, uint64_t until_ns)
{
	static uint8_t body[PAYLOAD];
	uint32_t msgno;

	while (w->now < until_ns) {
		T_EQ(udt_conn_send_msg(w->cl, body, sizeof(body), -1, 0, UDT_MSG_COPY, NULL, &msgno,
				       w->now),
		     0);
		run(w, w->now + 5 * MS);
	}
}

/*
 * A packet whose first three sends are lost holds the server's ACK point
 * for about three round trips (each resend waits for a NAK): the timed
 * ACKs go on every ACK period, naming ever higher packets, and the client
 * takes a sample from each: the path's 200 ms, the packet's 0.6 ms on the
 * wire, and the few ms of queue the CC's probes make (the stream is 18 of
 * the link's 20 Mbit/s). Without the offer on one side
 * the server sends none and the client takes none.
 */
static void held_ack(int offers)
{
	struct world *w = calloc(1, sizeof(*w));
	uint64_t t0;

	T_ASSERT(w);
	start(w, offers);
	t0 = w->now;

	stream(w, t0 + 1500 * MS);
	w->hole = udt_seq_add(w->cl->snd_curr_seq, 20);
	w->drop_times = 3;
	w->hole_set = 1;
	stream(w, t0 + 3500 * MS);
	run(w, w->now + 1500 * MS);
	printf("  ack_time %s: %u timed ACKs while the hole held the ACK point, %llu samples "
	       "taken then, %.2f-%.2f ms; dropped %d of 3\n",
	       offers ? "on" : "off", w->timed_held, (unsigned long long)w->samples,
	       (double)w->least / 1e6, (double)w->most / 1e6, 3 - w->drop_times);
	T_EQ(w->drop_times, 0);
	/* the hole was repaired: everything acknowledged */
	T_EQ(w->cl->snd_last_data_ack, udt_seq_inc(w->cl->snd_curr_seq));
	if (offers) {
		/* three round trips at an ACK every 10 ms: ~60; a margin for what the timers round */
		T_ASSERT(w->timed_held >= 40);
		T_ASSERT(w->hi_moved);
		T_ASSERT(w->samples >= 30);
		T_ASSERT(w->least >= (int64_t)(200 * MS) && w->most <= (int64_t)(220 * MS));
	} else {
		T_EQ(w->timed_held, 0);
		T_EQ(w->samples, 0);
		T_ASSERT(!((struct lossy *)w->cl->cc.priv)->timed_got);
	}
	finish(w);
}

static void test_held_ack(void)
{
	held_ack(1);
}

static void test_not_offered(void)
{
	held_ack(0);
}

/*
 * Karn's rule: the last packet of a stream is lost and resent (the
 * tail-loss probe) while a hole still holds the ACK point; its resend is
 * then the highest packet the server has, and the timed ACKs name it. Its
 * send time says nothing of which send arrived: no sample is taken.
 */
static void test_resent_highest(void)
{
	struct world *w = calloc(1, sizeof(*w));
	uint64_t t0;

	T_ASSERT(w);
	start(w, 1);
	t0 = w->now;

	stream(w, t0 + 1500 * MS);
	w->hole = udt_seq_add(w->cl->snd_curr_seq, 20);
	w->drop_times = 4;
	w->hole_set = 1;
	stream(w, t0 + 1700 * MS);
	/* the next message's packets are the last: the first send of its last one is lost */
	w->tail = udt_seq_add(w->cl->snd_curr_seq, PAYLOAD / 1456);
	w->tail_set = 1;
	stream(w, t0 + 1705 * MS);
	run(w, w->now + 3000 * MS);
	printf("  the last packet resent while the hole held: named by a timed ACK %d, its mark "
	       "in the CC's ring %d (sends; 255: resent after a timeout), a sample taken then %d\n",
	       w->resent_named, w->resent_tx, w->resent_sampled);
	T_ASSERT(w->tail_dropped);
	T_ASSERT(w->resent_named);
	T_ASSERT(w->resent_tx > 1);
	T_EQ(w->resent_sampled, 0);
	T_EQ(w->cl->snd_last_data_ack, udt_seq_inc(w->cl->snd_curr_seq));
	finish(w);
}

/* The sampling rule alone: a packet sent once, twice, after a timeout; named twice. */
static void test_sample_rule(void)
{
	struct udt_cc cc;
	struct lossy *l;
	uint64_t t = 5 * 1000 * MS;
	uint32_t s;

	T_EQ(udt_cc_init(&cc, &udt_cc_lossy, 1500, 16000, 99, 100 * MS, 16, 1, t), 0);
	l = cc.priv;
	for (s = 100; s < 110; s++)
		cc.ops->on_pkt_sent(&cc, s, t + s * MS);
	/* 105 left at t + 105 ms, came 2 ms before the ACK, which came at t + 400 ms */
	T_EQ(udt_lossy_timed_sample(l, 105, 2 * MS, t + 400 * MS), (int64_t)(293 * MS));
	/* named again (nothing higher came): once only */
	T_EQ(udt_lossy_timed_sample(l, 105, 3 * MS, t + 410 * MS), -1);
	/* nor an older one */
	T_EQ(udt_lossy_timed_sample(l, 104, 0, t + 420 * MS), -1);
	/* sent twice */
	cc.ops->on_pkt_sent(&cc, 107, t + 300 * MS);
	T_EQ(udt_lossy_timed_sample(l, 107, 0, t + 500 * MS), -1);
	/* a delay longer than the packet's whole trip, or one never sent */
	T_EQ(udt_lossy_timed_sample(l, 108, 400 * MS, t + 500 * MS), -1);
	T_EQ(udt_lossy_timed_sample(l, 112, 0, t + 500 * MS), -1);
	/* resent after a timeout: ambiguous */
	cc.snd_curr_seq = 109;
	cc.ops->on_timeout(&cc, t + 600 * MS);
	cc.ops->on_pkt_sent(&cc, 109, t + 600 * MS);
	T_EQ(l->tx[109 & l->mask], 255);
	/* the hook feeds the RTT samples as an ACK's own would */
	for (s = 110; s < 114; s++)
		cc.ops->on_pkt_sent(&cc, s, t + 1000 * MS);
	cc.ops->on_ack_time(&cc, 109, 0, t + 1300 * MS);
	T_EQ(l->timed_samples, 0);
	T_EQ(l->last_rtt, -1);
	cc.arr_ns = t + 1300 * MS;
	cc.ops->on_ack_time(&cc, 113, 50 * MS, t + 1310 * MS);
	cc.arr_ns = 0;
	T_EQ(l->timed_samples, 1);
	T_EQ(l->last_rtt, (int64_t)(250 * MS));
	T_EQ(l->round_min_rtt, (int64_t)(250 * MS));
	udt_cc_fini(&cc);
}

int main(void)
{
	T_RUN(test_sample_rule);
	T_RUN(test_held_ack);
	T_RUN(test_not_offered);
	T_RUN(test_resent_highest);
	return t_done();
}
