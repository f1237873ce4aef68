/* SPDX-License-Identifier: MIT */
/*
 * loop.h - lu2kd's event loop: one epoll set, one timer heap, no threads.
 *
 * An fd is watched through a struct lu2k_io embedded in its owner; the loop
 * calls io->fn(io, revents) (EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP). Timers
 * (heap.h) call t->fn(t) once when their deadline passes. "Idle" hooks run
 * after every round of events, before the loop sleeps: a hook that returns
 * true has more work and the loop then polls without sleeping (this is how
 * ring draining is batched: one pass per round, no starvation of sockets).
 * The back-ends use the same API, so all fds of the daemon are in one set.
 */
#ifndef LU2K_COMMON_LOOP_H
#define LU2K_COMMON_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "heap.h"
#include "list.h"

struct lu2k_io;
typedef void (*lu2k_io_fn)(struct lu2k_io *io, uint32_t revents);

struct lu2k_io {
	int fd;
	uint32_t events; /* what is registered now; 0 = not in the set */
	lu2k_io_fn fn;
};

struct lu2k_idle;
typedef bool (*lu2k_idle_fn)(struct lu2k_idle *h);

struct lu2k_idle {
	struct lu2k_list link;
	lu2k_idle_fn fn;
};

/*
 * Deferred frees: an object closed from inside an event callback may still
 * have events pending in the same epoll batch, so its memory is released only
 * after the batch (lu2k_loop_defer).
 */
struct lu2k_defer;
typedef void (*lu2k_defer_fn)(struct lu2k_defer *d);

struct lu2k_defer {
	struct lu2k_list link;
	lu2k_defer_fn fn;
};

struct lu2k_loop {
	int epfd;
	struct lu2k_heap timers;
	struct lu2k_list idle;
	struct lu2k_list deferred;
	uint64_t now; /* cached at each wake-up */
	bool stop;
	uint64_t wakeups, events;
};

uint64_t lu2k_loop_now_ns(void);

int lu2k_loop_init(struct lu2k_loop *l);
void lu2k_loop_fini(struct lu2k_loop *l);

void lu2k_loop_io_init(struct lu2k_io *io, int fd, lu2k_io_fn fn);
/* Watch io->fd for events (0 = stop watching). Returns 0 or -errno. */
int lu2k_loop_io_set(struct lu2k_loop *l, struct lu2k_io *io, uint32_t events);

/* Arm t to fire in delay_ns (from the cached now). */
int lu2k_loop_timer_arm(struct lu2k_loop *l, struct lu2k_timer *t, uint64_t delay_ns);
int lu2k_loop_timer_arm_at(struct lu2k_loop *l, struct lu2k_timer *t, uint64_t deadline);
void lu2k_loop_timer_cancel(struct lu2k_loop *l, struct lu2k_timer *t);

void lu2k_loop_idle_add(struct lu2k_loop *l, struct lu2k_idle *h, lu2k_idle_fn fn);
/* As lu2k_loop_idle_add, but run before the hooks already there. */
void lu2k_loop_idle_add_head(struct lu2k_loop *l, struct lu2k_idle *h, lu2k_idle_fn fn);
void lu2k_loop_idle_del(struct lu2k_idle *h);

/* Call fn(d) after the current batch of events. */
void lu2k_loop_defer(struct lu2k_loop *l, struct lu2k_defer *d, lu2k_defer_fn fn);

/* Run one round: wait at most max_wait_ns (-1: until the next timer). */
int lu2k_loop_once(struct lu2k_loop *l, int64_t max_wait_ns);
/* Run until lu2k_loop_stop(). */
int lu2k_loop_run(struct lu2k_loop *l);
void lu2k_loop_stop(struct lu2k_loop *l);

#endif
