/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the core's receive upcalls (daemon/msg.c rx_begin/rx_end,
 * daemon/chan.c RX waiters), with a 4-entry RX ring in a private region and
 * a fake back-end: every message begun holds a ring slot, so rx_end always
 * posts at once (a back-end acknowledges only what the kernel half has);
 * with no slot or no pool space the conn waits, first come first served;
 * a conn resumed that finds nothing to take leaves the head of the queue;
 * a buffer begun early (LU2K_BE_RX_EARLY) comes from spare room only (half
 * the pool, a quarter of the ring, nobody waiting) and a refusal is
 * -ENOBUFS, with no place in the queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/nid.h"
#include "daemon/core.h"
#include "common/log.h"
#include "../t.h"

#define ENTRIES 4

static struct lu2kd d;
static struct lu2kd_chan ch;
static struct lu2kd_peer peer;
static struct lu2kd_conn c1, c2;
static struct lu2k_ring kring; /* the kernel half's view of the RX ring */
static struct lu2k_be_env env;
static void *region;

/* The fake back-end's rx_resume: c2 asks for want2 bytes, c1 has nothing left to take. */
static int resumed1, resumed2, rc2;
static uint32_t want2;
static struct lu2k_be_rxbuf rb2;

static void fake_rx_resume(struct lu2k_be_conn *bc)
{
	struct lu2kd_conn *c = (struct lu2kd_conn *)bc;

	if (c == &c1) {
		resumed1++;
		return;
	}
	resumed2++;
	memset(&rb2, 0, sizeof(rb2));
	rb2.hdr_len = 72;
	rb2.payload_len = want2;
	rc2 = env.rx_begin(c, &peer.nid, &rb2);
}

static const struct lu2k_backend_ops fake_ops = { .name = "fake", .rx_resume = fake_rx_resume };

static void setup(void)
{
	struct lu2k_ring_off o = { .prod = 0,
				   .cons = 4,
				   .flags = 8,
				   .desc = 64,
				   .entries = ENTRIES,
				   .entry_size = sizeof(struct lu2k_rx_desc) };

	region = calloc(1, 1 << 20);
	T_ASSERT(region);
	T_EQ(lu2k_ring_bind(&ch.rx, region, 1 << 20, &o, sizeof(struct lu2k_rx_desc)), 0);
	T_EQ(lu2k_ring_bind(&kring, region, 1 << 20, &o, sizeof(struct lu2k_rx_desc)), 0);
	T_EQ(lu2kd_rxalloc_init(&ch.rxa, 4096, 64 * 1024), 0);
	ch.d = &d;
	ch.region = region;
	ch.region_size = 1 << 20;
	ch.setup.max_msg_size = 64 * 1024;
	lu2k_list_init(&ch.rx_waiters);
	d.be_ops = &fake_ops;
	lu2kd_core_env(&d, &env);
	peer.ch = &ch;
	lu2k_nid_parse("10.0.0.1@lu2k", &peer.nid);
	c1.peer = c2.peer = &peer;
	c1.bc = (struct lu2k_be_conn *)&c1;
	c2.bc = (struct lu2k_be_conn *)&c2;
	lu2k_list_init(&c1.wait_link);
	lu2k_list_init(&c2.wait_link);
}

static int begin(struct lu2kd_conn *c, struct lu2k_be_rxbuf *b, uint32_t payload)
{
	memset(b, 0, sizeof(*b));
	b->hdr_len = 72;
	b->payload_len = payload;
	return env.rx_begin(c, &peer.nid, b);
}

static void test_ring_slots(void)
{
	struct lu2k_be_rxbuf b[ENTRIES + 1];
	struct lu2k_rx_desc rd;

	setup();
	/* four messages begun hold the four slots: a fifth waits, nothing is posted yet */
	for (int i = 0; i < ENTRIES; i++)
		T_EQ(begin(&c1, &b[i], 100), 0);
	T_EQU(ch.rx_reserved, ENTRIES);
	T_EQ(begin(&c2, &b[ENTRIES], 100), -EAGAIN);
	T_ASSERT(c2.rx_waiting);
	T_EQU(ch.st.rx_ring_full, 1);
	T_EQU(lu2k_ring_cons_avail(&kring), 0);
	/* each one whole: on the ring at once (the back-end may acknowledge it) */
	for (int i = 0; i < ENTRIES; i++)
		T_EQ(env.rx_end(&c1, &b[i], 0), 0);
	T_EQU(ch.rx_reserved, 0);
	T_EQU(lu2k_ring_cons_avail(&kring), ENTRIES);
	T_EQU(ch.st.rx_msgs, ENTRIES);
	/* the ring is full: c1 waits too, behind c2 */
	T_EQ(begin(&c1, &b[0], 100), -EAGAIN);
	T_ASSERT(c1.rx_waiting);
	/* the kernel half takes one entry: c2 first, then c1 still waits (first come, first served) */
	T_EQ(lu2k_ring_pop(&kring, &rd), 1);
	T_EQ(begin(&c1, &b[0], 100), -EAGAIN);
	resumed1 = resumed2 = 0;
	want2 = 100;
	lu2kd_chan_rx_resume_waiters(&ch);
	T_EQ(resumed2, 1);
	T_EQ(rc2, 0);
	T_ASSERT(!c2.rx_waiting);
	T_EQU(ch.rx_reserved, 1);
	/* c1 was resumed too (the slot went to c2, but it found nothing to take: it leaves the queue) */
	T_EQ(resumed1, 1);
	T_ASSERT(!c1.rx_waiting);
	T_ASSERT(lu2k_list_empty(&ch.rx_waiters));
	/* a message that failed half way is freed, not posted, and says so */
	T_EQ(env.rx_end(&c2, &rb2, -ECONNRESET), -ECONNRESET);
	T_EQU(ch.rx_reserved, 0);
	T_EQU(lu2k_ring_cons_avail(&kring), ENTRIES - 1);
	/* an interface gone: nothing is posted, rx_end says so */
	T_EQ(begin(&c1, &b[0], 100), 0);
	ch.dead = true;
	T_EQ(env.rx_end(&c1, &b[0], 0), -ECONNRESET);
	ch.dead = false;
	T_EQU(lu2k_ring_cons_avail(&kring), ENTRIES - 1);
	lu2kd_rxalloc_fini(&ch.rxa);
	free(region);
}

/* A conn resumed that still finds no room goes back to the head, not the tail. */
static void test_resume_keeps_place(void)
{
	struct lu2k_be_rxbuf b[ENTRIES], big;

	memset(&ch, 0, sizeof(ch));
	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	setup();
	/* the pool (64 KiB) nearly full: c2 wants 60 KiB and waits, then c1 waits behind it */
	T_EQ(begin(&c1, &b[0], 30000), 0);
	T_EQ(env.rx_end(&c1, &b[0], 0), 0);
	T_EQ(begin(&c2, &big, 60000), -EAGAIN);
	T_EQ(begin(&c1, &b[1], 100), -EAGAIN);
	T_ASSERT(c2.rx_waiting && c1.rx_waiting);
	/* a resume with no room yet: c2 asks again, gets -EAGAIN, keeps the head */
	resumed1 = resumed2 = 0;
	want2 = 60000;
	lu2kd_chan_rx_resume_waiters(&ch);
	T_EQ(resumed2, 1);
	T_EQ(rc2, -EAGAIN);
	T_EQ(resumed1, 0);
	T_ASSERT(c2.rx_waiting);
	T_ASSERT(lu2k_list_first(&ch.rx_waiters, struct lu2kd_conn, wait_link) == &c2);
	T_EQU(ch.st.rx_waits, 2); /* going back to the head is not a new wait */
	lu2kd_rxalloc_fini(&ch.rxa);
	free(region);
}

static int begin_early(struct lu2kd_conn *c, struct lu2k_be_rxbuf *b, uint32_t payload)
{
	memset(b, 0, sizeof(*b));
	b->hdr_len = 72;
	b->payload_len = payload;
	b->flags = LU2K_BE_RX_EARLY;
	return env.rx_begin(c, &peer.nid, b);
}

static void test_early(void)
{
	struct lu2k_be_rxbuf e, e2, b[2];

	memset(&ch, 0, sizeof(ch));
	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	setup();
	/* a quarter of the 4-entry ring: one early buffer at a time */
	T_EQ(begin_early(&c1, &e, 1000), 0);
	T_EQU(ch.rx_reserved, 1);
	T_EQU(ch.rx_early, 1);
	T_EQ(begin_early(&c2, &e2, 1000), -ENOBUFS);
	T_ASSERT(!c2.rx_waiting); /* no place in the queue, no rx_resume to come */
	T_EQU(ch.st.rx_waits, 0);
	/* it ends as any other: posted at once */
	T_EQ(env.rx_end(&c1, &e, 0), 0);
	T_EQU(lu2k_ring_cons_avail(&kring), 1);
	T_EQU(ch.rx_early, 0);
	T_EQU(ch.rx_early_bytes, 0);
	T_EQU(ch.rx_reserved, 0);
	/* at most half of the 64 KiB pool */
	T_EQ(begin_early(&c1, &e, 40000), -ENOBUFS);
	T_EQ(begin_early(&c1, &e, 30000), 0);
	T_EQ(env.rx_end(&c1, &e, -ECANCELED), -ECANCELED); /* given up on: freed */
	T_EQU(ch.rx_early_bytes, 0);
	T_EQU(ch.rx_reserved, 0);
	/* while a conn waits for room, none: it would take what the waiting one needs */
	T_EQ(begin(&c1, &b[0], 30000), 0);
	T_EQ(begin(&c2, &b[1], 60000), -EAGAIN);
	T_ASSERT(c2.rx_waiting);
	T_EQ(begin_early(&c1, &e, 100), -ENOBUFS);
	T_ASSERT(!c1.rx_waiting);
	T_EQ(env.rx_end(&c1, &b[0], 0), 0);
	lu2kd_rxalloc_fini(&ch.rxa);
	free(region);
}

/*
 * A back-end that ends a receive twice (a bug) is caught: the second end
 * is an internal error, changes nothing and the channel still receives
 * (before, rx_reserved wrapped and the ring looked full for good).
 */
static void test_double_end(void)
{
	struct lu2k_be_rxbuf b, b2;
	uint64_t bugs = lu2k_log_bugs;

	memset(&ch, 0, sizeof(ch));
	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	setup();
	lu2k_log_bug_fatal = false; /* the sanitized build would abort: here it is the point */
	T_EQ(begin(&c1, &b, 100), 0);
	T_EQ(env.rx_end(&c1, &b, 0), 0);
	T_EQ(env.rx_end(&c1, &b, 0), -EINVAL);
	T_EQU(lu2k_log_bugs, bugs + 1);
	T_EQU(ch.rx_reserved, 0);
	T_EQU(lu2k_ring_cons_avail(&kring), 1); /* posted once */
	T_EQ(begin(&c1, &b2, 100), 0);
	T_EQ(env.rx_end(&c1, &b2, 0), 0);
	T_EQU(lu2k_ring_cons_avail(&kring), 2);
	/* a buffer never begun: the same */
	memset(&b, 0, sizeof(b));
	T_EQ(env.rx_end(&c1, &b, 0), -EINVAL);
	T_EQU(lu2k_log_bugs, bugs + 2);
	lu2k_log_bug_fatal = true;
	lu2kd_rxalloc_fini(&ch.rxa);
	free(region);
}

int main(void)
{
	T_RUN(test_ring_slots);
	T_RUN(test_resume_keeps_place);
	T_RUN(test_early);
	T_RUN(test_double_end);
	return t_done();
}
