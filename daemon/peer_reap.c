/* SPDX-License-Identifier: MIT */
/*
 * peer_reap.c - how many peers lu2kd keeps: idle ones are forgotten after
 * peer_idle_timeout_ms, and the table holds at most max_peers.
 *
 * Every hello names a NID and makes a peer (issue 14: 50,000 fake NIDs in
 * seconds, none ever freed). A peer that has no connection either way, no
 * message queued or in flight and no timer running holds nothing but its
 * counters, so forgetting it loses nothing LNet relies on: the next message
 * to it, or its next hello, makes it again. Idle peers are swept every few
 * seconds; at max_peers an idle one is forgotten at once to make room. If
 * none is idle, a hello is refused (-EUSERS), but a message from the local
 * kernel half always gets its peer: LNet is trusted, and the remote side
 * must not be able to stop this node from reaching its own peers.
 */
#include <errno.h>

#include "common/nid.h"
#include "core.h"
#include "common/log.h"
#include "common/time.h"

/* The oldest peers looked at to find an idle one when the table is full. */
#define REAP_SCAN_MAX 1024

bool lu2kd_peer_is_idle(const struct lu2kd_peer *p)
{
	return p->state == PEER_IDLE && !p->out && !p->mp && lu2k_list_empty(&p->inconns) &&
	       lu2k_list_empty(&p->queue) && !p->ninflight && !lu2k_heap_timer_armed(&p->timer);
}

void lu2kd_peer_touch(struct lu2kd *d, struct lu2kd_peer *p)
{
	p->last_ns = d->loop.now;
}

static uint64_t sweep_every_ns(const struct lu2kd *d)
{
	uint64_t ms = d->cfg.peer_idle_timeout_ms / 4;

	if (ms < 1000)
		ms = 1000;
	if (ms > 60000)
		ms = 60000;
	return lu2k_time_ms_to_ns(ms);
}

static void sweep_timer(struct lu2k_timer *t)
{
	struct lu2kd *d = lu2k_container_of(t, struct lu2kd, peer_sweep);

	lu2kd_peers_sweep(d);
}

void lu2kd_peers_sweep_arm(struct lu2kd *d)
{
	if (!d->cfg.peer_idle_timeout_ms || lu2k_heap_timer_armed(&d->peer_sweep))
		return;
	d->peer_sweep.fn = sweep_timer;
	/* Without memory for the timer the next new peer tries again. */
	if (lu2k_loop_timer_arm(&d->loop, &d->peer_sweep, sweep_every_ns(d)))
		LOG_RL(LU2K_LOG_WARN, "peers: out of memory arming the idle sweep");
}

void lu2kd_peers_sweep(struct lu2kd *d)
{
	uint64_t idle_ns = lu2k_time_ms_to_ns(d->cfg.peer_idle_timeout_ms);
	struct lu2k_list *pos, *tmp;

	lu2k_list_for_each_safe(pos, tmp, &d->peers)
	{
		struct lu2kd_peer *p = lu2k_container_of(pos, struct lu2kd_peer, link);

		if (lu2kd_peer_is_idle(p) && d->loop.now - p->last_ns >= idle_ns) {
			lu2kd_peer_forget(d, p);
			d->st.peers_reaped++;
		}
	}
	if (d->npeers)
		lu2kd_peers_sweep_arm(d);
}

bool lu2kd_peers_make_room(struct lu2kd *d)
{
	unsigned int scanned = 0;

	if (!d->cfg.max_peers || d->npeers < d->cfg.max_peers)
		return true;
	/*
	 * The list is in order of creation; a busy peer looked at goes to the
	 * back, so a table full of busy peers is not scanned again and again.
	 */
	while (!lu2k_list_empty(&d->peers) && scanned++ < REAP_SCAN_MAX && scanned <= d->npeers) {
		struct lu2kd_peer *p = lu2k_list_first(&d->peers, struct lu2kd_peer, link);

		if (lu2kd_peer_is_idle(p)) {
			char nid[LU2K_NID_STRLEN];

			LOG_RL(LU2K_LOG_WARN,
			       "peers: at max_peers (%u): forgetting idle peer %s to make room",
			       d->cfg.max_peers, lu2k_nid_format(&p->nid, nid, sizeof(nid)));
			lu2kd_peer_forget(d, p);
			d->st.peers_evicted++;
			return true;
		}
		lu2k_list_del(&p->link);
		lu2k_list_add_tail(&d->peers, &p->link);
	}
	return false;
}
