/* SPDX-License-Identifier: MIT */
/* Unit tests of the peer table and the reconnect backoff (daemon/peer.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/nid.h"
#include "daemon/core.h"
#include "../t.h"

static struct lu2k_nid nid_n(unsigned int i, bool v6)
{
	struct lu2k_nid n;
	char s[64];

	if (v6)
		snprintf(s, sizeof(s), "[2001:db8::%x]@lu2k", i);
	else
		snprintf(s, sizeof(s), "10.%u.%u.%u@lu2k", (i >> 16) & 255, (i >> 8) & 255,
			 i & 255);
	lu2k_nid_parse(s, &n);
	return n;
}

static void test_table(void)
{
	static struct lu2kd d;
	static struct lu2kd_chan ch1, ch2;
	enum { N = 5000 };

	ch1.id = 1;
	ch2.id = 2;
	T_EQ(lu2kd_peers_init(&d), 0);
	for (unsigned int i = 0; i < N; i++) {
		struct lu2k_nid n = nid_n(i, i % 3 == 0);
		struct lu2kd_peer *p = lu2kd_peer_get(&d, &ch1, &n);

		T_ASSERT(p != NULL);
		T_ASSERT(lu2kd_peer_get(&d, &ch1, &n) == p); /* no duplicate */
		T_EQ(p->state, PEER_IDLE);
	}
	T_EQ(d.npeers, N);
	T_ASSERT(d.peer_buckets >= N); /* grew as it filled */
	/* NIDs a counter apart spread over the buckets: no long chain */
	{
		uint32_t longest = 0, used = 0;

		for (uint32_t b = 0; b < d.peer_buckets; b++) {
			uint32_t k = 0;

			for (struct lu2kd_peer *p = d.peer_hash[b]; p; p = p->hnext)
				k++;
			longest = k > longest ? k : longest;
			used += k > 0;
		}
		T_ASSERT(longest <= 10);
		T_ASSERT(used >= N / 2);
	}
	/* Same NID on another interface is another peer. */
	{
		struct lu2k_nid n = nid_n(7, false);
		struct lu2kd_peer *a = lu2kd_peer_find(&d, &ch1, &n);
		struct lu2kd_peer *b = lu2kd_peer_get(&d, &ch2, &n);

		T_ASSERT(a && b && a != b);
		T_ASSERT(lu2kd_peer_find(&d, &ch2, &n) == b);
	}
	for (unsigned int i = 0; i < N; i++) {
		struct lu2k_nid n = nid_n(i, i % 3 == 0);
		struct lu2kd_peer *p = lu2kd_peer_find(&d, &ch1, &n);

		T_ASSERT(p && lu2k_nid_eq(&p->nid, &n) && p->ch == &ch1);
	}
	{
		struct lu2k_nid n = nid_n(N + 1, false);

		T_ASSERT(lu2kd_peer_find(&d, &ch1, &n) == NULL);
	}
	while (!lu2k_list_empty(&d.peers)) {
		struct lu2kd_peer *p = lu2k_list_first(&d.peers, struct lu2kd_peer, link);

		lu2k_list_del(&p->link);
		free(p);
	}
	lu2kd_peers_fini(&d);
}

/* LNet-like health: full when new, -100 per failure down to 0, +10 per success up to 1000. */
static void test_health(void)
{
	static struct lu2kd d;
	static struct lu2kd_chan ch;
	struct lu2k_nid n = nid_n(1, false);
	struct lu2kd_peer *p;

	T_EQ(lu2kd_peers_init(&d), 0);
	p = lu2kd_peer_get(&d, &ch, &n);
	T_ASSERT(p != NULL);
	T_EQ(p->health, 1000);
	lu2kd_peer_health(p, true);
	T_EQ(p->health, 1000);
	lu2kd_peer_health(p, false);
	lu2kd_peer_health(p, false);
	T_EQ(p->health, 800);
	lu2kd_peer_health(p, true);
	T_EQ(p->health, 810);
	for (int i = 0; i < 20; i++)
		lu2kd_peer_health(p, false);
	T_EQ(p->health, 0);
	for (int i = 0; i < 150; i++)
		lu2kd_peer_health(p, true);
	T_EQ(p->health, 1000);
	lu2kd_peers_fini(&d);
}

static void test_backoff(void)
{
	uint32_t rng = 12345, cur = 0, prev_nominal = 0;

	/* 100 ms doubling to 10 s, each within +-25 % of its nominal value. */
	for (int i = 0; i < 20; i++) {
		uint32_t nominal = prev_nominal ? prev_nominal * 2 : 100;

		if (nominal > 10000)
			nominal = 10000;
		cur = lu2kd_backoff_next(nominal == 100 ? 0 : nominal / 2, 100, 10000, &rng);
		T_ASSERT(cur >= nominal - nominal / 4 && cur <= nominal + nominal / 4);
		prev_nominal = nominal;
	}
	T_EQ(prev_nominal, 10000);
	/* Jitter really varies. */
	{
		uint32_t a = lu2kd_backoff_next(800, 100, 10000, &rng);
		int differ = 0;

		for (int i = 0; i < 20; i++)
			differ += lu2kd_backoff_next(800, 100, 10000, &rng) != a;
		T_ASSERT(differ > 10);
	}
	/* Chained on its own output it still stays within the bounds. */
	cur = 0;
	for (int i = 0; i < 100; i++) {
		cur = lu2kd_backoff_next(cur, 100, 10000, &rng);
		T_ASSERT(cur >= 75 && cur <= 12500);
	}
}

/*
 * Idle peers are forgotten after peer_idle_timeout_ms and the table holds at
 * most max_peers (issue 14: every hello made a peer that was never freed).
 */
static struct lu2kd_conn *fake_incoming(struct lu2kd *d, struct lu2kd_chan *ch,
					const struct lu2k_nid *n, int *status)
{
	struct lu2k_be_env env;

	lu2kd_core_env(d, &env);
	return env.accepted(d, NULL, n, &ch->nid, status);
}

static void fake_close(struct lu2k_be_conn *bc)
{
}

static const struct lu2k_backend_ops fake_ops = { .name = "fake", .close = fake_close };

static void test_reap(void)
{
	static struct lu2kd d;
	static struct lu2kd_chan ch;
	struct lu2kd_conn *busy[3];
	struct lu2k_be_env env;
	int status = 0;

	lu2kd_config_defaults(&d.cfg);
	d.be_ops = &fake_ops;
	d.cfg.accept = LU2KD_ACCEPT_ANY; /* fake NIDs without addresses */
	d.cfg.max_peers = 4;
	d.cfg.peer_idle_timeout_ms = 10000;
	T_EQ(lu2k_loop_init(&d.loop), 0);
	d.loop.now = 1000000000ull;
	lu2k_list_init(&d.chans);
	T_EQ(lu2kd_peers_init(&d), 0);
	ch.d = &d;
	ch.id = 1;
	lu2k_nid_parse("10.9.9.9@lu2k", &ch.nid);
	lu2k_list_init(&ch.rx_waiters);
	lu2k_list_add_tail(&d.chans, &ch.link);

	/* Three hellos from three NIDs: three peers, each with its incoming conn. */
	for (unsigned int i = 0; i < 3; i++) {
		struct lu2k_nid n = nid_n(i, false);

		busy[i] = fake_incoming(&d, &ch, &n, &status);
		T_ASSERT(busy[i] != NULL);
	}
	T_EQ(d.npeers, 3);
	T_ASSERT(lu2k_heap_timer_armed(&d.peer_sweep));
	/* A peer of the local side with nothing to do: idle at once. */
	{
		struct lu2k_nid n = nid_n(100, false);
		struct lu2kd_peer *p = lu2kd_peer_get(&d, &ch, &n);

		T_ASSERT(p && lu2kd_peer_is_idle(p));
	}
	T_EQ(d.npeers, 4);
	/* Full: a fifth NID's hello takes the idle peer's place. */
	{
		struct lu2k_nid n = nid_n(4, false), old = nid_n(100, false);

		busy[0]->peer->msgs_rx = 7;
		T_ASSERT(fake_incoming(&d, &ch, &n, &status) != NULL);
		T_EQ(d.npeers, 4);
		T_EQ(d.st.peers_evicted, 1);
		T_ASSERT(lu2kd_peer_find(&d, &ch, &old) == NULL);
	}
	/* Full of busy peers: a new NID's hello is refused, an old NID's is not. */
	{
		struct lu2k_nid n = nid_n(5, false), known = nid_n(1, false);

		status = 0;
		T_ASSERT(fake_incoming(&d, &ch, &n, &status) == NULL);
		T_EQ(status, -EUSERS);
		T_EQ(d.st.peers_refused, 1);
		T_EQ(d.npeers, 4);
		T_ASSERT(lu2kd_peer_find(&d, &ch, &n) == NULL);
		T_ASSERT(fake_incoming(&d, &ch, &known, &status) != NULL);
	}
	/* The local side always gets its peer, over the cap if it must. */
	{
		struct lu2k_nid n = nid_n(200, false);

		T_ASSERT(lu2kd_peer_get(&d, &ch, &n) != NULL);
		T_EQ(d.npeers, 5);
	}
	/* Busy peers stay however long; idle ones go after the timeout. */
	lu2kd_core_env(&d, &env);
	d.loop.now += 5000000000ull;
	env.closed(busy[0], -ECONNRESET); /* peer 0 idle from now */
	d.loop.now += 6000000000ull;	  /* 11 s after the start, 6 s after the close */
	lu2kd_peers_sweep(&d);
	T_EQ(d.st.peers_reaped, 1); /* the local one made at the start */
	T_EQ(d.npeers, 4);
	{
		struct lu2k_nid n0 = nid_n(0, false);

		T_ASSERT(lu2kd_peer_find(&d, &ch, &n0) != NULL);
		d.loop.now += 4000000000ull;
		lu2kd_peers_sweep(&d);
		T_ASSERT(lu2kd_peer_find(&d, &ch, &n0) == NULL);
		T_EQ(d.st.peers_reaped, 2);
	}
	T_EQ(d.npeers, 3); /* peers 1, 2 (two conns) and 4 keep their connections */
	T_ASSERT(lu2k_heap_timer_armed(&d.peer_sweep));
	lu2kd_peer_drop_chan(&d, &ch);
	T_EQ(d.npeers, 0);
	lu2kd_peers_fini(&d);
	T_ASSERT(!lu2k_heap_timer_armed(&d.peer_sweep));
	lu2k_loop_fini(&d.loop);
}

int main(void)
{
	T_RUN(test_table);
	T_RUN(test_reap);
	T_RUN(test_backoff);
	T_RUN(test_health);
	return t_done();
}
