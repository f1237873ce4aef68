/* SPDX-License-Identifier: MIT */
/*
 * chan_fake.h - what the channel tests (test_core_cpl, test_chan_kick) need
 * around a struct lu2kd_chan with no kernel half and no back-end: a back-end
 * that listens on nothing, rings bound in a plain buffer, and messages made
 * as take_tx makes them. Each test brings its own chan ops (its own kick).
 */
#ifndef LU2K_TESTS_CHAN_FAKE_H
#define LU2K_TESTS_CHAN_FAKE_H

#include <stdlib.h>

#include "common/nid.h"
#include "daemon/core.h"
#include "../t.h"

static int fake_listen(struct lu2k_be *be, const struct lu2k_nid *local, uint16_t port,
		       struct lu2k_be_listener **out)
{
	*out = NULL;
	return 0;
}

static void fake_unlisten(struct lu2k_be_listener *l)
{
}

static void fake_release(struct lu2kd_chan *c)
{
}

static const struct lu2k_backend_ops fake_ops = { .name = "fake",
						  .listen = fake_listen,
						  .unlisten = fake_unlisten };

/* Binds r to a ring of entries slots at base in a 1 MiB region (indices, then slots at +64). */
static void fake_bind_ring(void *region, struct lu2k_ring *r, uint64_t base, uint32_t esize,
			   uint32_t entries)
{
	struct lu2k_ring_off o = { .prod = base,
				   .cons = base + 4,
				   .flags = base + 8,
				   .desc = base + 64,
				   .entries = entries,
				   .entry_size = esize };

	T_EQ(lu2k_ring_bind(r, region, 1 << 20, &o, esize), 0);
}

/* A daemon with the fake back-end, no channel yet. */
static void fake_daemon_init(struct lu2kd *d)
{
	T_EQ(lu2k_loop_init(&d->loop), 0);
	lu2kd_config_defaults(&d->cfg);
	d->be_ops = &fake_ops;
	lu2k_list_init(&d->chans);
	lu2k_list_init(&d->msg_cache);
	T_EQ(lu2kd_peers_init(d), 0);
}

/* ch (rings already bound in region, 1 MiB) attached to d; its RX pool at 64 KiB, 64 KiB long. */
static void fake_chan_start(struct lu2kd *d, struct lu2kd_chan *ch, void *region,
			    const struct lu2kd_chan_ops *ops, uint32_t features)
{
	T_EQ(lu2kd_rxalloc_init(&ch->rxa, 65536, 65536), 0);
	ch->ops = ops;
	ch->region = region;
	ch->region_size = 1 << 20;
	ch->setup.features = features;
	ch->setup.max_msg_size = 65536;
	lu2k_nid_parse("10.0.0.1@lu2k", &ch->nid);
	T_EQ(lu2kd_chan_start(d, ch), 0);
}

/* A message the kernel half handed over (as take_tx makes one). */
static struct lu2kd_msg *fake_msg(struct lu2kd *d, struct lu2kd_chan *ch, uint64_t cookie)
{
	struct lu2kd_msg *m = lu2kd_msg_alloc(d);

	if (!m)
		abort();
	m->ch = ch;
	m->cookie = cookie;
	m->hnext = ch->cookies[cookie % CHAN_COOKIE_BUCKETS];
	ch->cookies[cookie % CHAN_COOKIE_BUCKETS] = m;
	lu2k_list_add_tail(&ch->msgs, &m->chan_link);
	ch->nmsgs++;
	return m;
}

#endif
