// SPDX-License-Identifier: MIT
/*
 * Unit tests of the link emulator core in simulated time: delay, jitter,
 * serialization, rate steps, drop-tail queues, outages, MTU, memory bound, counters and
 * determinism. Loss statistics are in test_linkem_loss.c.
 */
#include <errno.h>
#include <stdlib.h>

#include "../t.h"
#include "tools/linkem/linkem.h"

#define MS  1000000ull
#define US  1000ull
#define SEC 1000000000ull

static uint8_t buf[65536];

/* Pushes len bytes whose first 8 hold tag; returns the verdict. */
static int push_tag(struct linkem_dir *d, uint64_t now, size_t len, uint64_t tag)
{
	memset(buf, 0xa5, len);
	memcpy(buf, &tag, sizeof(tag) < len ? sizeof(tag) : len);
	return linkem_dir_push(d, now, buf, len);
}

static uint64_t tag_of(const struct linkem_pkt *pkt)
{
	uint64_t tag = 0;

	memcpy(&tag, pkt->data, sizeof(tag) < pkt->len ? sizeof(tag) : pkt->len);
	return tag;
}

/* The delay line pops in (deliver_ns, seq) order whatever the push order. */
static void test_heap_order(void)
{
	enum { N = 5000 };
	static struct linkem_pkt pk[N];
	struct linkem_heap h;
	struct linkem_rng r;
	struct linkem_pkt *prev = NULL, *p;
	int n = 0;

	linkem_heap_init(&h);
	linkem_rng_seed(&r, 17);
	T_EQ(linkem_heap_pop(&h), NULL);
	for (int i = 0; i < N; i++) {
		pk[i].deliver_ns = linkem_rng_upto(&r, 300); /* many ties */
		pk[i].seq = (uint64_t)i;
		T_EQ(linkem_heap_push(&h, &pk[i]), 0);
		if (i % 3 == 2) { /* interleave pops with pushes */
			p = linkem_heap_pop(&h);
			T_ASSERT(p && p->deliver_ns <= linkem_heap_top(&h)->deliver_ns);
			n++;
		}
	}
	while ((p = linkem_heap_pop(&h))) {
		if (prev)
			T_ASSERT(prev->deliver_ns < p->deliver_ns ||
				 (prev->deliver_ns == p->deliver_ns && prev->seq < p->seq));
		prev = p;
		n++;
	}
	T_EQ(n, N);
	linkem_heap_destroy(&h);
}

static void test_perfect_wire(void)
{
	struct linkem_params p = { 0 };
	struct linkem_dir d;
	struct linkem_pkt *pkt;

	T_EQ(linkem_dir_init(&d, &p, 1), 0);
	T_EQ(linkem_dir_next_deadline(&d), UINT64_MAX);
	T_EQ(linkem_dir_pop(&d, 0), NULL);
	T_EQ(push_tag(&d, 5, 100, 42), LINKEM_QUEUED);
	T_EQU(linkem_dir_next_deadline(&d), 5);
	pkt = linkem_dir_pop(&d, 5);
	T_ASSERT(pkt);
	T_EQ(pkt->len, 100);
	T_EQ(tag_of(pkt), 42);
	T_EQ(pkt->data[99], 0xa5);
	T_EQU(pkt->sent_ns, 5);
	linkem_pkt_free(pkt);
	T_EQ(linkem_dir_push(&d, 6, buf, 0), -EINVAL);
	linkem_dir_destroy(&d);
}

static void test_delay_exact(void)
{
	struct linkem_params p = { .delay_ns = 300 * MS };
	struct linkem_dir d;

	T_EQ(linkem_dir_init(&d, &p, 1), 0);
	for (uint64_t i = 0; i < 1000; i++)
		T_EQ(push_tag(&d, i * MS + 7, 1500, i), LINKEM_QUEUED);
	T_EQ(linkem_dir_held(&d), 1000);
	for (uint64_t i = 0; i < 1000; i++) {
		uint64_t due = i * MS + 7 + 300 * MS;
		struct linkem_pkt *pkt;

		T_EQU(linkem_dir_next_deadline(&d), due);
		T_EQ(linkem_dir_pop(&d, due - 1), NULL);
		pkt = linkem_dir_pop(&d, due);
		T_ASSERT(pkt);
		T_EQ(tag_of(pkt), i);
		T_EQU(pkt->deliver_ns, due);
		linkem_pkt_free(pkt);
	}
	T_EQ(linkem_dir_counters(&d)->out_pkts, 1000);
	T_EQ(linkem_dir_counters(&d)->out_bytes, 1500000);
	linkem_dir_destroy(&d);
}

/* 8 Mbit/s is one byte per microsecond: easy arithmetic. */
static void test_serialization(void)
{
	struct linkem_params p = { .rate_bps = 8000000, .delay_ns = 10 * MS };
	struct linkem_dir d;

	T_EQ(linkem_dir_init(&d, &p, 1), 0);
	T_EQU(linkem_ser_ns(&p, 1000), 1000 * US);
	for (uint64_t i = 0; i < 5; i++)
		T_EQ(push_tag(&d, 0, 1000, i), LINKEM_QUEUED);
	for (uint64_t i = 0; i < 5; i++) {
		struct linkem_pkt *pkt = linkem_dir_pop(&d, UINT64_MAX);

		T_ASSERT(pkt);
		T_EQU(pkt->deliver_ns, (i + 1) * 1000 * US + 10 * MS);
		linkem_pkt_free(pkt);
	}
	/* an idle link starts the next packet at once */
	T_EQ(push_tag(&d, 100 * MS, 500, 9), LINKEM_QUEUED);
	T_EQU(linkem_dir_next_deadline(&d), 100 * MS + 500 * US + 10 * MS);
	linkem_dir_destroy(&d);
}

/*
 * A rate step (a modem's adaptive coding): a packet takes the rate in force
 * when its serialization starts, the one queued behind the step's start too;
 * the link's own rate again after it. 8 Mbit/s, 1000-byte packets (1 ms),
 * 2 Mbit/s (4 ms) from 10 ms for 20 ms.
 */
static void test_rate_step(void)
{
	struct linkem_params p = { .rate_bps = 8000000, .n_steps = 1 };
	struct linkem_dir d;
	static const uint64_t want[] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 18, 22, 26, 30, 31, 32
	};

	p.steps[0] =
		(struct linkem_step){ .start_ns = 10 * MS, .len_ns = 20 * MS, .rate_bps = 2000000 };
	T_EQ(linkem_dir_init(&d, &p, 1), 0);
	T_EQU(linkem_rate_at(&p, 9 * MS), 8000000);
	T_EQU(linkem_rate_at(&p, 10 * MS), 2000000);
	T_EQU(linkem_rate_at(&p, 30 * MS), 8000000);
	for (uint64_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		T_EQ(push_tag(&d, 0, 1000, i), LINKEM_QUEUED);
	for (uint64_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct linkem_pkt *pkt = linkem_dir_pop(&d, UINT64_MAX);

		T_ASSERT(pkt);
		T_EQU(pkt->deliver_ns, want[i] * MS);
		linkem_pkt_free(pkt);
	}
	linkem_dir_destroy(&d);
	/* no step without a rate to step from, nor one of no length or rate */
	p.rate_bps = 0;
	T_EQ(linkem_dir_init(&d, &p, 1), -EINVAL);
	p.rate_bps = 8000000;
	p.steps[0].len_ns = 0;
	T_EQ(linkem_dir_init(&d, &p, 1), -EINVAL);
}

/* The long-run rate is exact even when a packet's wire time is not whole ns. */
static void test_rate_exact_long_run(void)
{
	struct linkem_params p = { .rate_bps = 49999999, .overhead = 38 };
	struct linkem_dir d;
	uint64_t last = 0, n = 20000;
	struct linkem_pkt *pkt;

	T_EQ(linkem_dir_init(&d, &p, 1), 0);
	for (uint64_t i = 0; i < n; i++)
		T_EQ(push_tag(&d, 0, 1500, i), LINKEM_QUEUED);
	while ((pkt = linkem_dir_pop(&d, UINT64_MAX))) {
		last = pkt->deliver_ns;
		linkem_pkt_free(pkt);
	}
	/* n * 1538 bytes * 8 bits at 49999999 bit/s, floor in ns */
	T_EQU(last, n * 1538 * 8 * SEC / 49999999);
	linkem_dir_destroy(&d);
}

/* Offered twice the rate for 10 s, it delivers the rate (within 0.1 %). */
static void test_rate_under_overload(void)
{
	struct linkem_params p = { .rate_bps = 50000000, .queue_ns = 50 * MS, .delay_ns = 20 * MS };
	struct linkem_dir d;
	struct linkem_pkt *pkt;
	uint64_t bytes = 0, t, step = 1500 * 8 * SEC / 100000000; /* 100 Mbit/s */

	T_EQ(linkem_dir_init(&d, &p, 1), 0);
	for (t = 0; t < 10 * SEC; t += step) {
		push_tag(&d, t, 1500, t);
		while ((pkt = linkem_dir_pop(&d, t))) {
			if (pkt->deliver_ns >= 1 * SEC)
				bytes += pkt->len;
			linkem_pkt_free(pkt);
		}
	}
	/* delivered between 1 s and 10 s: 9 s at 50 Mbit/s */
	T_ASSERT(bytes * 8 > 9 * 50000000ull * 999 / 1000);
	T_ASSERT(bytes * 8 < 9 * 50000000ull * 1001 / 1000);
	T_ASSERT(linkem_dir_counters(&d)->drop_queue > 0);
	T_ASSERT(linkem_dir_counters(&d)->max_wait_ns <= 50 * MS);
	linkem_dir_destroy(&d);
}

static void test_queue_bytes(void)
{
	struct linkem_params p = { .rate_bps = 8000000, .queue_bytes = 3000 };
	struct linkem_dir d;
	int v[10];

	T_EQ(linkem_dir_init(&d, &p, 1), 0);
	/* the first goes straight to the wire; three wait; the rest are dropped */
	for (int i = 0; i < 10; i++)
		v[i] = push_tag(&d, 0, 1000, (uint64_t)i);
	for (int i = 0; i < 10; i++)
		T_EQ(v[i], i < 4 ? LINKEM_QUEUED : LINKEM_DROP_QUEUE);
	T_EQ(linkem_dir_counters(&d)->drop_queue, 6);
	/* at 1 ms the second is on the wire: 2000 bytes wait, room for 1000 */
	T_EQ(push_tag(&d, 1000 * US, 1000, 10), LINKEM_QUEUED);
	T_EQ(push_tag(&d, 1000 * US, 1, 11), LINKEM_DROP_QUEUE);
	T_EQU(linkem_dir_counters(&d)->max_wait_ns, 3000 * US);
	linkem_dir_destroy(&d);
}

static void test_queue_time(void)
{
	struct linkem_params p = { .rate_bps = 8000000, .queue_ns = 2500 * US };
	struct linkem_dir d;
	int v[10];

	T_EQ(linkem_dir_init(&d, &p, 1), 0);
	/* waits 0, 1, 2 ms pass; 3 ms is over the limit, and so is the rest */
	for (int i = 0; i < 10; i++)
		v[i] = push_tag(&d, 0, 1000, (uint64_t)i);
	for (int i = 0; i < 10; i++)
		T_EQ(v[i], i < 3 ? LINKEM_QUEUED : LINKEM_DROP_QUEUE);
	T_EQU(linkem_dir_counters(&d)->max_wait_ns, 2000 * US);
	/* at 0.6 ms the wait is 2.4 ms: accepted */
	T_EQ(push_tag(&d, 600 * US, 1000, 10), LINKEM_QUEUED);
	T_EQ(push_tag(&d, 600 * US, 1000, 11), LINKEM_DROP_QUEUE);
	linkem_dir_destroy(&d);
}

/* Delays of n packets pushed every gap ns; checks they come out in order. */
static void jitter_run(uint64_t gap, uint64_t *lo, uint64_t *hi, uint64_t *mean)
{
	struct linkem_params p = { .delay_ns = 100 * MS, .jitter_ns = 10 * MS };
	struct linkem_dir d;
	struct linkem_pkt *pkt;
	uint64_t next = 0, sum = 0, n = 10000;

	*lo = UINT64_MAX;
	*hi = 0;
	*mean = 0;
	linkem_dir_init(&d, &p, 7);
	for (uint64_t i = 0; i < n; i++)
		push_tag(&d, i * gap, 200, i);
	while ((pkt = linkem_dir_pop(&d, UINT64_MAX))) {
		uint64_t delay = pkt->deliver_ns - pkt->sent_ns;

		if (tag_of(pkt) != next)
			break;
		next++;
		*lo = delay < *lo ? delay : *lo;
		*hi = delay > *hi ? delay : *hi;
		sum += delay;
		linkem_pkt_free(pkt);
	}
	linkem_pkt_free(pkt);
	linkem_dir_destroy(&d);
	if (next == n)
		*mean = sum / n;
}

static void test_jitter_keeps_order(void)
{
	uint64_t lo, hi, mean;

	/* spaced wider than the jitter range: the full uniform spread shows */
	jitter_run(25 * MS, &lo, &hi, &mean);
	T_ASSERT(mean); /* all in order */
	T_ASSERT(lo >= 90 * MS && lo < 90100 * US);
	T_ASSERT(hi <= 110 * MS && hi > 109900 * US);
	T_ASSERT(mean > 99800 * US && mean < 100200 * US);
	/* spaced closer: still in order and within bounds; keeping order only
	 * ever adds delay */
	jitter_run(1 * MS, &lo, &hi, &mean);
	T_ASSERT(mean);
	T_ASSERT(lo >= 90 * MS && hi <= 110 * MS);
	T_ASSERT(mean > 100 * MS);
}

static void test_jitter_reorders_when_asked(void)
{
	struct linkem_params p = { .delay_ns = 100 * MS, .jitter_ns = 10 * MS, .reorder = true };
	struct linkem_dir d;
	struct linkem_pkt *pkt;
	uint64_t prev_deliver = 0, n = 10000, out_of_order = 0, prev_tag = 0, sum = 0;

	T_EQ(linkem_dir_init(&d, &p, 7), 0);
	for (uint64_t i = 0; i < n; i++)
		T_EQ(push_tag(&d, i * MS, 200, i), LINKEM_QUEUED);
	for (uint64_t i = 0; (pkt = linkem_dir_pop(&d, UINT64_MAX)); i++) {
		uint64_t delay = pkt->deliver_ns - pkt->sent_ns;

		T_ASSERT(pkt->deliver_ns >= prev_deliver);
		T_ASSERT(delay >= 90 * MS && delay <= 110 * MS);
		if (i && tag_of(pkt) < prev_tag)
			out_of_order++;
		prev_tag = tag_of(pkt);
		prev_deliver = pkt->deliver_ns;
		sum += delay;
		linkem_pkt_free(pkt);
	}
	T_ASSERT(out_of_order > n / 10);
	/* uniform jitter without the order clamp: mean within 0.2 ms of the delay */
	T_ASSERT(sum / n > 99800 * US && sum / n < 100200 * US);
	linkem_dir_destroy(&d);
}

static void test_jitter_larger_than_delay(void)
{
	struct linkem_params p = { .delay_ns = 1 * MS, .jitter_ns = 5 * MS, .reorder = true };
	struct linkem_dir d;
	struct linkem_pkt *pkt;

	T_EQ(linkem_dir_init(&d, &p, 3), 0);
	for (uint64_t i = 0; i < 1000; i++)
		T_EQ(push_tag(&d, SEC + i, 64, i), LINKEM_QUEUED);
	while ((pkt = linkem_dir_pop(&d, UINT64_MAX))) {
		T_ASSERT(pkt->deliver_ns >= pkt->sent_ns); /* never before it was sent */
		T_ASSERT(pkt->deliver_ns <= pkt->sent_ns + 6 * MS);
		linkem_pkt_free(pkt);
	}
	linkem_dir_destroy(&d);
}

static void test_outage_once_and_repeated(void)
{
	struct linkem_params p = { .delay_ns = 5 * MS, .n_outages = 2 };
	struct linkem_dir d;
	uint64_t dropped = 0;

	p.outages[0] = (struct linkem_outage){ .start_ns = 1 * SEC, .len_ns = 500 * MS };
	p.outages[1] = (struct linkem_outage){
		.start_ns = 3 * SEC, .len_ns = 200 * MS, .period_ns = 1 * SEC, .count = 2
	};
	T_ASSERT(!linkem_outage_active(&p, 999 * MS));
	T_ASSERT(linkem_outage_active(&p, 1 * SEC));
	T_ASSERT(linkem_outage_active(&p, 1500 * MS - 1));
	T_ASSERT(!linkem_outage_active(&p, 1500 * MS));
	T_ASSERT(linkem_outage_active(&p, 3100 * MS));
	T_ASSERT(linkem_outage_active(&p, 4100 * MS));
	T_ASSERT(!linkem_outage_active(&p, 5100 * MS)); /* count 2: over */
	T_ASSERT(!linkem_outage_active(&p, 3500 * MS));
	T_EQ(linkem_dir_init(&d, &p, 1), 0);
	for (uint64_t t = 0; t < 6 * SEC; t += 10 * MS) {
		int v = push_tag(&d, t, 100, t);
		bool down = (t >= 1 * SEC && t < 1500 * MS) || (t >= 3 * SEC && t < 3200 * MS) ||
			    (t >= 4 * SEC && t < 4200 * MS);

		T_EQ(v, down ? LINKEM_DROP_OUTAGE : LINKEM_QUEUED);
		dropped += down;
	}
	T_EQ(dropped, 90);
	T_EQ(linkem_dir_counters(&d)->drop_outage, 90);
	linkem_dir_destroy(&d);
}

/* A packet that waits in the queue is lost if its turn on the wire falls in
 * the outage, even if it arrived before. */
static void test_outage_at_wire_time(void)
{
	struct linkem_params p = { .rate_bps = 8000000, .n_outages = 1 };
	struct linkem_dir d;

	p.outages[0] = (struct linkem_outage){ .start_ns = 1500 * US, .len_ns = 1 * SEC };
	T_EQ(linkem_dir_init(&d, &p, 1), 0);
	T_EQ(push_tag(&d, 0, 1000, 0), LINKEM_QUEUED);	    /* wire at 0 */
	T_EQ(push_tag(&d, 0, 1000, 1), LINKEM_QUEUED);	    /* wire at 1 ms */
	T_EQ(push_tag(&d, 0, 1000, 2), LINKEM_DROP_OUTAGE); /* wire at 2 ms */
	linkem_dir_destroy(&d);
}

static void test_mtu(void)
{
	struct linkem_params p = { .mtu = 1500 };
	struct linkem_dir d;

	T_EQ(linkem_dir_init(&d, &p, 1), 0);
	T_EQ(push_tag(&d, 0, 1500, 0), LINKEM_QUEUED);
	T_EQ(push_tag(&d, 0, 1501, 1), LINKEM_DROP_MTU);
	T_EQ(push_tag(&d, 0, 9000, 2), LINKEM_DROP_MTU);
	T_EQ(linkem_dir_counters(&d)->drop_mtu, 2);
	T_EQ(linkem_dir_counters(&d)->in_bytes, 1500 + 1501 + 9000);
	linkem_dir_destroy(&d);
}

static void test_memory_bound(void)
{
	struct linkem_params p = { .delay_ns = SEC, .max_bytes = 10000 };
	struct linkem_dir d;
	int queued = 0;

	T_EQ(linkem_dir_init(&d, &p, 1), 0);
	for (int i = 0; i < 20; i++)
		queued += push_tag(&d, 0, 1000, (uint64_t)i) == LINKEM_QUEUED;
	T_EQ(queued, 10);
	T_EQ(linkem_dir_counters(&d)->drop_mem, 10);
	linkem_pkt_free(linkem_dir_pop(&d, SEC));
	T_EQ(push_tag(&d, SEC, 1000, 99), LINKEM_QUEUED);
	linkem_dir_destroy(&d); /* frees the held packets (ASan checks) */
}

static void test_params_check(void)
{
	struct linkem_params p = { .loss = 1.5 };
	struct linkem_dir d;
	const char *why = NULL;

	T_EQ(linkem_params_check(&p, &why), -EINVAL);
	T_ASSERT(why && strstr(why, "loss"));
	T_EQ(linkem_dir_init(&d, &p, 1), -EINVAL);
	p.loss = 0.0 / 0.0;
	T_EQ(linkem_params_check(&p, NULL), -EINVAL);
	p.loss = 0.1;
	p.ge = (struct linkem_ge){ .on = true, .p = 0.1, .r = -0.5, .loss_bad = 1 };
	T_EQ(linkem_params_check(&p, &why), -EINVAL);
	p.ge.r = 0.5;
	T_EQ(linkem_params_check(&p, &why), 0);
	T_EQ(why, NULL);
	p.n_outages = 1;
	p.outages[0] = (struct linkem_outage){ .start_ns = 0, .len_ns = SEC, .period_ns = SEC };
	T_EQ(linkem_params_check(&p, &why), -EINVAL);
	T_ASSERT(strstr(why, "period"));
	p.outages[0].len_ns = 0;
	T_EQ(linkem_params_check(&p, &why), -EINVAL);
}

/* A mixed run: every packet is accounted for, and the run repeats exactly. */
static void run_mixed(uint64_t seed, uint64_t jitter, int *verdicts, uint64_t *deliver, int n,
		      struct linkem_counters *c)
{
	struct linkem_params p = { .delay_ns = 50 * MS,
				   .jitter_ns = jitter,
				   .loss = 0.05,
				   .rate_bps = 20000000,
				   .queue_ns = 20 * MS,
				   .mtu = 1400,
				   .n_outages = 1 };
	struct linkem_dir d;
	struct linkem_pkt *pkt;
	int k = 0;

	p.ge = (struct linkem_ge){ .on = true, .p = 0.01, .r = 0.3, .loss_bad = 0.8 };
	p.outages[0] = (struct linkem_outage){ .start_ns = 200 * MS, .len_ns = 50 * MS };
	linkem_dir_init(&d, &p, seed);
	for (int i = 0; i < n; i++) {
		uint64_t now = (uint64_t)i * 400 * US; /* 30 Mbit/s of 1500 B: overload */

		verdicts[i] = push_tag(&d, now, i % 50 ? 1400 : 1450, (uint64_t)i);
		while ((pkt = linkem_dir_pop(&d, now))) {
			deliver[k++] = pkt->deliver_ns;
			linkem_pkt_free(pkt);
		}
	}
	*c = *linkem_dir_counters(&d);
	c->max_wait_ns = linkem_dir_held(&d); /* the counters must add up with this */
	while (k < n)
		deliver[k++] = 0;
	linkem_dir_destroy(&d);
}

static void test_counters_and_determinism(void)
{
	enum { N = 5000 };
	static int v1[N], v2[N], v3[N], v4[N];
	static uint64_t d1[N], d2[N], d3[N], d4[N];
	struct linkem_counters c1, c2, c3, c4;
	int diff = 0;

	run_mixed(11, 2 * MS, v1, d1, N, &c1);
	run_mixed(11, 2 * MS, v2, d2, N, &c2);
	run_mixed(12, 2 * MS, v3, d3, N, &c3);
	run_mixed(11, 0, v4, d4, N, &c4);
	T_MEMEQ(v1, v2, sizeof(v1));
	T_MEMEQ(d1, d2, sizeof(d1));
	T_MEMEQ(&c1, &c2, sizeof(c1));
	for (int i = 0; i < N; i++)
		diff += v1[i] != v3[i];
	T_ASSERT(diff > 0); /* another seed, other fates */
	/* jitter draws from its own stream: the same packets are lost without it */
	T_MEMEQ(v1, v4, sizeof(v1));
	T_EQU(c1.in_pkts, N);
	T_EQU(c1.in_pkts, c1.lost_pkts + c1.drop_queue + c1.drop_mtu + c1.drop_outage +
				  c1.drop_mem + c1.out_pkts + c1.max_wait_ns);
	T_ASSERT(c1.lost_pkts > 0 && c1.drop_queue > 0 && c1.drop_mtu > 0 && c1.drop_outage > 0);
	T_EQ(c1.drop_mtu, N / 50);
}

int main(void)
{
	T_RUN(test_heap_order);
	T_RUN(test_perfect_wire);
	T_RUN(test_delay_exact);
	T_RUN(test_serialization);
	T_RUN(test_rate_step);
	T_RUN(test_rate_exact_long_run);
	T_RUN(test_rate_under_overload);
	T_RUN(test_queue_bytes);
	T_RUN(test_queue_time);
	T_RUN(test_jitter_keeps_order);
	T_RUN(test_jitter_reorders_when_asked);
	T_RUN(test_jitter_larger_than_delay);
	T_RUN(test_outage_once_and_repeated);
	T_RUN(test_outage_at_wire_time);
	T_RUN(test_mtu);
	T_RUN(test_memory_bound);
	T_RUN(test_params_check);
	T_RUN(test_counters_and_determinism);
	return t_done();
}
