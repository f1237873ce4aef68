/* SPDX-License-Identifier: MIT */
/* Unit tests of the event loop (common/loop.c): timers, fds, idle hooks, deferred frees. */
#include <stdlib.h>
#include <unistd.h>

#include "common/loop.h"
#include "../t.h"

static int order[8], norder;
static struct lu2k_loop L;

struct tagged {
	struct lu2k_timer t;
	int tag;
};

static void tagged_fire(struct lu2k_timer *t)
{
	order[norder++] = lu2k_container_of(t, struct tagged, t)->tag;
}

static void test_timers_fire_in_order(void)
{
	struct tagged a = { .tag = 1 }, b = { .tag = 2 }, c = { .tag = 3 };
	uint64_t t0;

	T_EQ(lu2k_loop_init(&L), 0);
	norder = 0;
	lu2k_heap_timer_init(&a.t, tagged_fire);
	lu2k_heap_timer_init(&b.t, tagged_fire);
	lu2k_heap_timer_init(&c.t, tagged_fire);
	/* timers count from the loop's time: a deschedule after it must not shorten the wait seen */
	t0 = L.now;
	lu2k_loop_timer_arm(&L, &c.t, 30000000);
	lu2k_loop_timer_arm(&L, &a.t, 10000000);
	lu2k_loop_timer_arm(&L, &b.t, 20000000);
	lu2k_loop_timer_cancel(&L, &c.t);
	while (norder < 2)
		lu2k_loop_once(&L, -1);
	T_ASSERT(lu2k_loop_now_ns() - t0 >= 20000000); /* slept, did not spin past it */
	T_EQ(order[0], 1);
	T_EQ(order[1], 2);
	T_ASSERT(!lu2k_heap_timer_armed(&c.t));
	lu2k_loop_fini(&L);
}

struct pipe_io {
	struct lu2k_io io;
	int reads;
};

static void pipe_event(struct lu2k_io *io, uint32_t revents)
{
	struct pipe_io *p = lu2k_container_of(io, struct pipe_io, io);
	char b[16];

	if (read(io->fd, b, sizeof(b)) > 0)
		p->reads++;
}

static void test_io(void)
{
	struct pipe_io p = { 0 };
	int fds[2];

	T_EQ(lu2k_loop_init(&L), 0);
	T_EQ(pipe(fds), 0);
	lu2k_loop_io_init(&p.io, fds[0], pipe_event);
	T_EQ(lu2k_loop_io_set(&L, &p.io, EPOLLIN), 0);
	T_EQ(write(fds[1], "x", 1), 1);
	lu2k_loop_once(&L, 1000000000);
	T_EQ(p.reads, 1);
	T_EQ(lu2k_loop_io_set(&L, &p.io, 0), 0);
	T_EQ(write(fds[1], "x", 1), 1);
	lu2k_loop_once(&L, 10000000);
	T_EQ(p.reads, 1); /* not watched any more */
	close(fds[0]);
	close(fds[1]);
	lu2k_loop_fini(&L);
}

static int idle_calls;

static bool idle_busy_twice(struct lu2k_idle *h)
{
	return ++idle_calls <= 2;
}

static int deferred;

static void defer_fn(struct lu2k_defer *d)
{
	deferred++;
}

static void test_idle_and_defer(void)
{
	struct lu2k_idle h;
	struct lu2k_defer d;
	uint64_t t0;

	T_EQ(lu2k_loop_init(&L), 0);
	lu2k_loop_idle_add(&L, &h, idle_busy_twice);
	t0 = lu2k_loop_now_ns();
	/* A busy hook makes the round not sleep. */
	lu2k_loop_once(&L, 500000000);
	lu2k_loop_once(&L, 500000000);
	T_ASSERT(lu2k_loop_now_ns() - t0 < 400000000);
	T_EQ(idle_calls, 2);
	lu2k_loop_idle_del(&h);
	lu2k_loop_defer(&L, &d, defer_fn);
	T_EQ(deferred, 0);
	lu2k_loop_once(&L, 0);
	T_EQ(deferred, 1);
	lu2k_loop_fini(&L);
}

int main(void)
{
	T_RUN(test_timers_fire_in_order);
	T_RUN(test_io);
	T_RUN(test_idle_and_defer);
	return t_done();
}
