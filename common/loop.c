/* SPDX-License-Identifier: MIT */
#include "loop.h"
#include "common/time.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

#define LOOP_MAX_EVENTS 256

uint64_t lu2k_loop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return lu2k_time_s_to_ns(ts.tv_sec) + (uint64_t)ts.tv_nsec;
}

static void run_deferred(struct lu2k_loop *l);

int lu2k_loop_init(struct lu2k_loop *l)
{
	*l = (struct lu2k_loop){ 0 };
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	lu2k_list_init(&l->idle);
	lu2k_list_init(&l->deferred);
	l->now = lu2k_loop_now_ns();
	return 0;
}

void lu2k_loop_fini(struct lu2k_loop *l)
{
	run_deferred(l);
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
	lu2k_heap_free(&l->timers);
}

void lu2k_loop_io_init(struct lu2k_io *io, int fd, lu2k_io_fn fn)
{
	io->fd = fd;
	io->events = 0;
	io->fn = fn;
}

int lu2k_loop_io_set(struct lu2k_loop *l, struct lu2k_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };
	int op, rc;

	if (events == io->events)
		return 0;
	if (!events)
		op = EPOLL_CTL_DEL;
	else if (!io->events)
		op = EPOLL_CTL_ADD;
	else
		op = EPOLL_CTL_MOD;
	rc = epoll_ctl(l->epfd, op, io->fd, &ev);
	if (rc < 0 && op != EPOLL_CTL_DEL)
		return -errno;
	io->events = events;
	return 0;
}

int lu2k_loop_timer_arm_at(struct lu2k_loop *l, struct lu2k_timer *t, uint64_t deadline)
{
	return lu2k_heap_add(&l->timers, t, deadline);
}

int lu2k_loop_timer_arm(struct lu2k_loop *l, struct lu2k_timer *t, uint64_t delay_ns)
{
	return lu2k_heap_add(&l->timers, t, l->now + delay_ns);
}

void lu2k_loop_timer_cancel(struct lu2k_loop *l, struct lu2k_timer *t)
{
	lu2k_heap_del(&l->timers, t);
}

void lu2k_loop_idle_add(struct lu2k_loop *l, struct lu2k_idle *h, lu2k_idle_fn fn)
{
	h->fn = fn;
	lu2k_list_add_tail(&l->idle, &h->link);
}

void lu2k_loop_idle_add_head(struct lu2k_loop *l, struct lu2k_idle *h, lu2k_idle_fn fn)
{
	h->fn = fn;
	lu2k_list_add_head(&l->idle, &h->link);
}

void lu2k_loop_idle_del(struct lu2k_idle *h)
{
	lu2k_list_del(&h->link);
}

void lu2k_loop_defer(struct lu2k_loop *l, struct lu2k_defer *d, lu2k_defer_fn fn)
{
	d->fn = fn;
	lu2k_list_add_tail(&l->deferred, &d->link);
}

static void run_deferred(struct lu2k_loop *l)
{
	while (!lu2k_list_empty(&l->deferred)) {
		struct lu2k_defer *d = lu2k_list_first(&l->deferred, struct lu2k_defer, link);

		lu2k_list_del(&d->link);
		d->fn(d);
	}
}

static bool run_idle(struct lu2k_loop *l)
{
	struct lu2k_list *pos, *tmp;
	bool busy = false;

	lu2k_list_for_each_safe(pos, tmp, &l->idle)
	{
		struct lu2k_idle *h = lu2k_container_of(pos, struct lu2k_idle, link);

		if (h->fn(h))
			busy = true;
	}
	return busy;
}

int lu2k_loop_once(struct lu2k_loop *l, int64_t max_wait_ns)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];
	struct lu2k_timer *t;
	int64_t wait = max_wait_ns;
	int n, timeout_ms;

	if (run_idle(l))
		wait = 0;
	t = lu2k_heap_top(&l->timers);
	if (t) {
		uint64_t now = lu2k_loop_now_ns();
		int64_t d = t->deadline > now ? (int64_t)(t->deadline - now) : 0;

		if (wait < 0 || d < wait)
			wait = d;
	}
	/* Round up so a timer is never polled for repeatedly just before it is due. */
	timeout_ms = wait < 0 ? -1 : (int)(lu2k_time_ns_to_ms(wait + 999999));
	n = epoll_wait(l->epfd, evs, LOOP_MAX_EVENTS, timeout_ms);
	if (n < 0 && errno != EINTR)
		return -errno;
	l->now = lu2k_loop_now_ns();
	l->wakeups++;
	for (int i = 0; i < n; i++) {
		struct lu2k_io *io = evs[i].data.ptr;

		l->events++;
		if (io->events) /* not removed by an earlier callback of this batch */
			io->fn(io, evs[i].events);
	}
	run_deferred(l);
	while ((t = lu2k_heap_pop_expired(&l->timers, l->now)))
		t->fn(t);
	run_deferred(l);
	return 0;
}

int lu2k_loop_run(struct lu2k_loop *l)
{
	int rc = 0;

	while (!l->stop && rc == 0)
		rc = lu2k_loop_once(l, -1);
	return rc;
}

void lu2k_loop_stop(struct lu2k_loop *l)
{
	l->stop = true;
}
