/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the core's completions (daemon/msg.c, daemon/chan.c) when
 * the CPL ring is full and memory is short: every message's completion
 * reaches the kernel half, in order, once there is room (issue 14: with a
 * full ring and no memory for a copy, a completion was dropped, and the
 * kernel half's credits and cookie for it were held for good; with that
 * code this test gets 11 of its 12). malloc is
 * wrapped (-Wl,--wrap=malloc) so that it can fail on demand.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/nid.h"
#include "chan_fake.h"

#define ENTRIES 4
#define NMSGS	12

void *__real_malloc(size_t n);
void *__wrap_malloc(size_t n);

static bool fail_malloc;
static unsigned int malloc_failed;

void *__wrap_malloc(size_t n)
{
	if (fail_malloc) {
		malloc_failed++;
		return NULL;
	}
	return __real_malloc(n);
}

static struct lu2kd d;
static struct lu2kd_chan ch;
static struct lu2k_ring kcpl, ktx; /* the kernel half's views */
static void *region;

static void fake_kick(struct lu2kd_chan *c)
{
}

static const struct lu2kd_chan_ops fake_chan_ops = { .name = "test",
						     .kick = fake_kick,
						     .release = fake_release };

static void bind_ring(struct lu2k_ring *r, uint64_t base, uint32_t esize)
{
	fake_bind_ring(region, r, base, esize, ENTRIES);
}

static void setup(void)
{
	region = calloc(1, 1 << 20);
	T_ASSERT(region);
	bind_ring(&ch.tx, 0, sizeof(struct lu2k_tx_desc));
	bind_ring(&ktx, 0, sizeof(struct lu2k_tx_desc));
	bind_ring(&ch.cpl, 4096, sizeof(struct lu2k_cpl_desc));
	bind_ring(&kcpl, 4096, sizeof(struct lu2k_cpl_desc));
	bind_ring(&ch.rx, 8192, sizeof(struct lu2k_rx_desc));
	bind_ring(&ch.free, 12288, sizeof(struct lu2k_free_desc));
	bind_ring(&ch.evt, 16384, sizeof(struct lu2k_evt_desc));
	fake_daemon_init(&d);
	fake_chan_start(&d, &ch, region, &fake_chan_ops, LU2K_FEAT_NEED_WAKEUP);
}

static struct lu2kd_msg *msg(uint64_t cookie)
{
	return fake_msg(&d, &ch, cookie);
}

/* CPLs in order, each with its message's status; bad ones counted in *bad. */
static unsigned int kernel_take_cpls(uint64_t *next, unsigned int *bad)
{
	struct lu2k_cpl_desc c;
	unsigned int n = 0;

	while (lu2k_ring_pop(&kcpl, &c)) {
		if (c.cookie >= 1000)
			continue; /* the ring's earlier occupants */
		if (c.cookie != *next || c.status != (c.cookie % 2 ? -ETIMEDOUT : 0))
			(*bad)++;
		(*next)++;
		n++;
	}
	return n;
}

static void test_full_ring_no_memory(void)
{
	struct lu2kd_msg *m[NMSGS];
	uint64_t next = 1;
	unsigned int got = 0, bad = 0;

	setup();
	for (unsigned int i = 0; i < NMSGS; i++)
		m[i] = msg(i + 1);
	/* the ring full of earlier completions, then 12 more with no memory to be had */
	for (unsigned int i = 0; i < ENTRIES; i++) {
		struct lu2k_cpl_desc c = { .cookie = 1000 + i };

		T_EQ(lu2k_ring_push(&ch.cpl, &c), 0);
	}
	fail_malloc = true;
	for (unsigned int i = 0; i < NMSGS; i++)
		lu2kd_msg_complete(m[i], i % 2 ? 0 : -ETIMEDOUT); /* cookie i+1 */
	fail_malloc = false;
	T_EQ(ch.nmsgs, 0);
	/* the kernel half takes what is there; the daemon refills on its rounds */
	for (int round = 0; round < 10 && got < NMSGS; round++) {
		got += kernel_take_cpls(&next, &bad);
		ch.idle.fn(&ch.idle);
	}
	got += kernel_take_cpls(&next, &bad);
	T_EQ(got, NMSGS);
	T_EQ(bad, 0);
	T_EQ(ch.st.cpl_ok + ch.st.cpl_err, NMSGS);
	T_ASSERT(lu2k_list_empty(&ch.cpl_backlog));
}

/* A TX descriptor with no memory for its message waits on the ring for a later round. */
static void test_tx_no_memory(void)
{
	struct lu2k_tx_desc t;

	/* an empty message cache: the next allocation calls malloc */
	while (!lu2k_list_empty(&d.msg_cache)) {
		struct lu2kd_msg *x = lu2k_list_first(&d.msg_cache, struct lu2kd_msg, link);

		lu2k_list_del(&x->link);
		d.nmsg_cache--;
		free(x);
	}
	memset(&t, 0, sizeof(t));
	t.cookie = 100;
	t.buf_off = 1 << 30; /* refused by the descriptor check: completes at once */
	T_EQ(lu2k_ring_push(&ktx, &t), 0);
	fail_malloc = true;
	malloc_failed = 0;
	T_ASSERT(ch.idle.fn(&ch.idle)); /* busy: it will look again */
	T_ASSERT(malloc_failed > 0);
	T_EQ(ch.st.tx_descs, 0);
	T_EQ(ch.st.tx_nomem, 1);
	T_EQ(lu2k_ring_cons_avail(&ch.tx), 1); /* still there */
	fail_malloc = false;
	ch.idle.fn(&ch.idle);
	T_EQ(ch.st.tx_descs, 1);
	{
		struct lu2k_cpl_desc c;

		T_ASSERT(lu2k_ring_pop(&kcpl, &c));
		T_EQ(c.cookie, 100);
		T_ASSERT(c.status < 0);
	}
	/* (no detach: chan_free() would free and munmap what this test made statically) */
}

/*
 * The TX and FREE rings are read a batch at a time (chan.c, ring_batch): a
 * round takes at most cfg.batch entries and gives back exactly those (the
 * producer sees that much room, the rest stays for the next round), in
 * order across the ring's wrap; FREE descriptors, good and bad, each once.
 */
static void test_batches(void)
{
	struct lu2k_ring kfree;
	uint64_t next = 200, off[3];
	uint32_t alen[3];
	unsigned int sent = 0;

	d.cfg.batch = 3;
	while (lu2k_ring_cons_avail(&kcpl)) /* what the tests before left */
		lu2k_ring_cons_release(&kcpl, 1);
	for (int round = 0; round < 6; round++) {
		uint64_t before = ch.st.tx_descs;
		struct lu2k_cpl_desc c;

		/* the producer fills what room it sees: 4 the first time, then what was given back */
		while (lu2k_ring_prod_space(&ktx)) {
			struct lu2k_tx_desc t;

			memset(&t, 0, sizeof(t));
			t.cookie = 200 + sent++;
			t.buf_off = 1 << 30; /* refused by the check: completes at once */
			T_EQ(lu2k_ring_push(&ktx, &t), 0);
		}
		ch.idle.fn(&ch.idle);
		T_EQU(ch.st.tx_descs - before, 3);
		T_EQ(lu2k_ring_prod_space(&ktx), 3); /* the three taken, given back */
		T_EQ(lu2k_ring_cons_avail(&ch.tx), 1);
		while (lu2k_ring_pop(&kcpl, &c)) {
			T_EQU(c.cookie, next);
			next++;
		}
	}
	T_EQU(next, 200 + 18); /* 18 descriptors, 4.5 times round the ring, in order */
	/* FREE: two blocks of the RX pool given back, one bad in between, one left for later */
	bind_ring(&kfree, 12288, sizeof(struct lu2k_free_desc));
	ch.setup.rx_pool_off = 65536; /* where fake_chan_start put the RX pool */
	ch.setup.rx_pool_size = 65536;
	for (int i = 0; i < 3; i++)
		T_EQ(lu2kd_rxalloc_alloc(&ch.rxa, 100, &off[i], &alen[i]), 0);
	{
		struct lu2k_free_desc f[4] = { { .buf_off = off[0], .alloc_len = alen[0] },
					       { .buf_off = off[1] + 64, .alloc_len = 64 },
					       { .buf_off = off[1], .alloc_len = alen[1] },
					       { .buf_off = off[2], .alloc_len = alen[2] } };
		uint64_t frees = ch.st.free_descs, bad = ch.st.free_bad;

		for (int i = 0; i < 4; i++)
			T_EQ(lu2k_ring_push(&kfree, &f[i]), 0);
		ch.idle.fn(&ch.idle);
		T_EQU(ch.st.free_descs - frees, 3);
		T_EQU(ch.st.free_bad - bad, 1);
		T_EQ(lu2k_ring_prod_space(&kfree), 3);
		ch.idle.fn(&ch.idle);
		T_EQU(ch.st.free_descs - frees, 4);
		T_EQU(ch.rxa.nused, 0);
	}
	d.cfg.batch = 256;
}

int main(void)
{
	T_RUN(test_full_ring_no_memory);
	T_RUN(test_tx_no_memory);
	T_RUN(test_batches);
	return t_done();
}
