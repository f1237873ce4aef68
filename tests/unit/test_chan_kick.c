/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the channel's kicks (daemon/chan.c): at most one per loop
 * round however many completions the round posted, and before the
 * back-end's hook writes the round's packets (a lone RPC's completion does
 * not wait for the flush's sendmmsg); none when the kernel half did not ask
 * for one (LU2K_RING_NEED_WAKEUP clear) or nothing was posted; one in every
 * round with news without NEED_WAKEUP in force (an old kernel half).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/nid.h"
#include "chan_fake.h"

#define ENTRIES 64

static struct lu2kd d;
static struct lu2kd_chan ch;
static struct lu2k_ring kcpl; /* the kernel half's view of CPL */
static void *region;
static unsigned int kicks, kicks_at_be_hook, be_hook_runs;
static struct lu2k_idle be_idle;

static void fake_kick(struct lu2kd_chan *c)
{
	kicks++;
}

static const struct lu2kd_chan_ops fake_chan_ops = { .name = "test",
						     .kick = fake_kick,
						     .release = fake_release };

/* The back-end's idle hook (its flush): what has the kernel half been told by now? */
static bool be_hook(struct lu2k_idle *h)
{
	be_hook_runs++;
	kicks_at_be_hook = kicks;
	return false;
}

static void bind_ring(struct lu2k_ring *r, uint64_t base, uint32_t esize)
{
	fake_bind_ring(region, r, base, esize, ENTRIES);
}

static void setup(uint32_t features)
{
	memset(&d, 0, sizeof(d));
	memset(&ch, 0, sizeof(ch));
	region = calloc(1, 1 << 20);
	T_ASSERT(region);
	bind_ring(&ch.tx, 0, sizeof(struct lu2k_tx_desc));
	bind_ring(&ch.cpl, 8192, sizeof(struct lu2k_cpl_desc));
	bind_ring(&kcpl, 8192, sizeof(struct lu2k_cpl_desc));
	bind_ring(&ch.rx, 16384, sizeof(struct lu2k_rx_desc));
	bind_ring(&ch.free, 24576, sizeof(struct lu2k_free_desc));
	bind_ring(&ch.evt, 32768, sizeof(struct lu2k_evt_desc));
	fake_daemon_init(&d);
	/* as in lu2kd: the back-end's hook is there before any channel attaches */
	lu2k_loop_idle_add(&d.loop, &be_idle, be_hook);
	fake_chan_start(&d, &ch, region, &fake_chan_ops, features);
	kicks = kicks_at_be_hook = be_hook_runs = 0;
}

/* Back to nothing, without lu2kd_chan_detach (chan_free would free our static channel). */
static void teardown(void)
{
	lu2k_loop_idle_del(&ch.idle);
	lu2k_loop_idle_del(&be_idle);
	while (!lu2k_list_empty(&d.msg_cache)) {
		struct lu2kd_msg *m = lu2k_list_first(&d.msg_cache, struct lu2kd_msg, link);

		lu2k_list_del(&m->link);
		free(m);
	}
	lu2kd_peers_fini(&d);
	lu2kd_rxalloc_fini(&ch.rxa);
	lu2k_loop_fini(&d.loop);
	free(region);
}

static struct lu2kd_msg *msg(uint64_t cookie)
{
	return fake_msg(&d, &ch, cookie);
}

/* Completes n messages (as the back-end's receive path does), then runs one loop round. */
static void round_with_cpls(unsigned int n, uint64_t *cookie)
{
	for (unsigned int i = 0; i < n; i++)
		lu2kd_msg_complete(msg((*cookie)++), 0);
	T_EQ(lu2k_loop_once(&d.loop, 0), 0);
}

static unsigned int kernel_take_cpls(void)
{
	struct lu2k_cpl_desc c;
	unsigned int n = 0;

	while (lu2k_ring_pop(&kcpl, &c))
		n++;
	return n;
}

static void test_one_kick_per_round(void)
{
	uint64_t cookie = 1;

	setup(LU2K_FEAT_NEED_WAKEUP);
	/* the kernel half sleeps: it asked for a kick */
	T_ASSERT(lu2k_ring_cons_prepare_sleep(&kcpl));
	round_with_cpls(10, &cookie);
	T_EQ(be_hook_runs, 1);
	T_EQ(kicks_at_be_hook, 1); /* before the back-end's flush */
	T_EQ(kicks, 1);		   /* one for ten completions */
	T_EQ(ch.st.kicks_out, 1);
	T_EQ(kernel_take_cpls(), 10);
	/* awake (flag clear): completions, no kick */
	lu2k_ring_cons_awake(&kcpl);
	round_with_cpls(5, &cookie);
	T_EQ(kicks, 1);
	T_EQ(kernel_take_cpls(), 5);
	/* a round with nothing posted kicks nobody, asleep or not */
	T_ASSERT(lu2k_ring_cons_prepare_sleep(&kcpl));
	T_EQ(lu2k_loop_once(&d.loop, 0), 0);
	T_EQ(kicks, 1);
	/* asleep again: the next completion kicks, once */
	round_with_cpls(1, &cookie);
	T_EQ(kicks, 2);
	T_EQ(kicks_at_be_hook, 2);
	T_EQ(lu2k_loop_once(&d.loop, 0), 0);
	T_EQ(kicks, 2);
	T_EQ(kernel_take_cpls(), 1);
	teardown();
}

/* An old kernel half without NEED_WAKEUP: it may sleep any time, so each round with news kicks. */
static void test_kick_without_need_wakeup(void)
{
	uint64_t cookie = 1;

	setup(0);
	round_with_cpls(3, &cookie);
	T_EQ(kicks, 1);
	T_EQ(kicks_at_be_hook, 1);
	round_with_cpls(1, &cookie);
	T_EQ(kicks, 2);
	T_EQ(lu2k_loop_once(&d.loop, 0), 0);
	T_EQ(kicks, 2);
	T_EQ(kernel_take_cpls(), 4);
	teardown();
}

int main(void)
{
	T_RUN(test_one_kick_per_round);
	T_RUN(test_kick_without_need_wakeup);
	return t_done();
}
