/* SPDX-License-Identifier: MIT */
/*
 * mpath.c - a multipath peer's connections, one per path (see mpath.h).
 *
 * Message flow: lu2kd_mpath_submit() queues on the peer; flush() gives each
 * queued message to the path path_sched.c picks among those connected and
 * not full, at once (LNet's credits bound how much is out). Completions feed
 * the scheduler's rate; a message that was alone on its path gives an RTT
 * sample (its completion time less its transmission time). The scheduler's
 * deadline (a silent path, a probe due) runs in one timer per peer.
 *
 * Taking back. With a back-end that carries message ids (ops->msg_ids), each
 * message gets an id when first given to a path (dedup.h: epoch, id, the
 * lowest id not settled). When a path dies, or its connection fails, what
 * it held comes back to the peer's queue and goes on another path with the
 * same id; the receiving daemon delivers whichever copy comes first and
 * drops (and acknowledges) the other. A message whose own timer ran out is
 * never sent again, and when no other path is up a failure fails the
 * message as on a single connection (LNet decides).
 */
#include "mpath.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/nid.h"
#include "core.h"
#include "dedup.h"
#include "common/json.h"
#include "common/log.h"
#include "mpath_disc.h"
#include "path_sched.h"
#include "common/time.h"

/* While a path holds work, its back-end's view is read this often. */
#define MP_POLL_NS (20 * LU2K_NS_PER_MS)
/* A message is taken back from failing paths at most this often, then fails. */
#define MP_MAX_RESENDS 8

struct mp_path {
	struct lu2k_nid local, remote;
	struct lu2kd_conn *conn; /* NULL: none; else connecting or up */
	bool up, blocked;
	bool have_last;
	struct lu2k_be_path_stats last, loss_base;
	int last_err;
	uint64_t connects;
	uint64_t taken_back; /* messages taken back from it, sent again elsewhere */
	bool be_rtt;	     /* the back-end measures its RTT (path_stats) */
	bool told;	     /* its connection's hello told our addresses (discovery) */
	bool delivered;	     /* ... and the peer took a message on it since */
};

struct lu2kd_mpath {
	struct lu2kd_peer *peer;
	struct lu2kd_ps ps;
	struct mp_path path[LU2K_PS_MAX];
	unsigned int n;
	struct lu2k_timer timer;
	bool was_up;
	bool closing; /* lu2kd_mpath_free: what fails now stays failed */
	/* message ids (dedup.h), when the back-end carries them */
	uint32_t epoch;
	uint64_t next_id;
	struct lu2k_list ids; /* unsettled messages with an id, in id order */
	/* the last take-back: when, and how long its first message took elsewhere */
	uint64_t takeback_ns, takeover_ns;
	bool await_takeover;
	struct lu2k_idle idle; /* flush_later() */
	bool idle_on;
	bool lines;   /* path lines name its paths; else discovery does (mpath_disc.c) */
	bool no_tell; /* its lu2kd closed a hello with our addresses: an older one */
	bool retell;  /* ... just now: connect path 0 again at once, plain */
};

static struct lu2kd *mp_daemon(const struct lu2kd_mpath *mp)
{
	return mp->peer->ch->d;
}

static uint64_t msg_len(const struct lu2kd_msg *m)
{
	return (uint64_t)m->bm.hdr_len + m->bm.payload_len;
}

static void mp_timer(struct lu2k_timer *t);

static void mp_arm(struct lu2kd_mpath *mp)
{
	struct lu2kd *d = mp_daemon(mp);
	uint64_t at = lu2kd_ps_next_deadline(&mp->ps);

	if (d->be_ops->path_stats) {
		for (unsigned int i = 0; i < mp->n; i++)
			if (mp->path[i].up && mp->ps.p[i].nout && d->loop.now + MP_POLL_NS < at)
				at = d->loop.now + MP_POLL_NS;
	}

	if (at == UINT64_MAX) {
		lu2k_loop_timer_cancel(&d->loop, &mp->timer);
		return;
	}
	if (at <= d->loop.now)
		at = d->loop.now + 1000000;
	lu2k_loop_timer_arm_at(&d->loop, &mp->timer, at);
}

/* Post PEER_UP when the first path comes up, PEER_DOWN when the last goes. */
static void mp_peer_event(struct lu2kd_mpath *mp, int err)
{
	bool up = false;

	for (unsigned int i = 0; i < mp->n; i++)
		up |= mp->path[i].up;
	if (up == mp->was_up)
		return;
	mp->was_up = up;
	mp->peer->state = up ? PEER_UP : PEER_IDLE;
	lu2kd_chan_post_evt(mp->peer->ch, up ? LU2K_EVT_PEER_UP : LU2K_EVT_PEER_DOWN, err,
			    &mp->peer->nid);
}

static void path_connect(struct lu2kd_mpath *mp, unsigned int i)
{
	struct lu2kd *d = mp_daemon(mp);
	struct lu2kd_peer *p = mp->peer;
	struct mp_path *pa = &mp->path[i];
	struct lu2kd_conn *c = calloc(1, sizeof(*c));
	int rc;

	lu2kd_ps_set_probing(&mp->ps, i, d->loop.now);
	if (!c) {
		lu2kd_ps_on_probe(&mp->ps, i, false, 0, d->loop.now);
		return;
	}
	c->d = d;
	c->peer = p;
	c->out = true;
	c->mp = mp;
	c->path = i;
	c->start_ns = d->loop.now;
	lu2k_list_init(&c->link);
	lu2k_list_init(&c->wait_link);
	pa->conn = c;
	pa->connects++;
	p->connects++;
	/*
	 * Path 0 goes as every connection does (the routing table picks its
	 * source); another sends from its own LOCAL address, which is what the
	 * peer's accept = strict expects of it and what puts it on its link.
	 */
	rc = d->be_ops->connect(d->be, &p->ch->nid, i ? &pa->local : NULL, &pa->remote,
				(uint16_t)d->cfg.port, c, &c->bc);
	pa->told = false;
	pa->delivered = false;
	if (rc == 0 && i == 0 && !mp->lines && !mp->no_tell && d->be_ops->hello_addrs) {
		struct lu2k_be_addrs ours;

		/* discovery: path 0's hello tells the peer our other addresses */
		if (lu2kd_disc_ours(d, p->ch, &ours))
			pa->told = !d->be_ops->hello_addrs(c->bc, &ours);
	}
	if (rc < 0) {
		pa->conn = NULL;
		pa->last_err = rc;
		free(c);
		p->connect_fails++;
		lu2kd_ps_on_probe(&mp->ps, i, false, 0, d->loop.now);
	}
}

/* The paths that can take a message now. */
static uint32_t usable(const struct lu2kd_mpath *mp)
{
	uint32_t m = 0;

	for (unsigned int i = 0; i < mp->n; i++)
		if (mp->path[i].up && !mp->path[i].blocked)
			m |= 1u << i;
	return m;
}

/* The lowest id not settled (the next one when none is out). */
static uint64_t low_id(const struct lu2kd_mpath *mp)
{
	const struct lu2kd_msg *m = lu2k_list_first(&mp->ids, struct lu2kd_msg, id_link);

	return m ? m->bm.mid.id : mp->next_id;
}

/*
 * Give m its id, unless it has one (taken back). false: the receiver's
 * window is full (the oldest unsettled message is a window behind): wait.
 */
static bool give_id(struct lu2kd_mpath *mp, struct lu2kd_msg *m)
{
	/* one path (discovery, none told yet): as a plain peer, nothing to take back */
	if (!mp_daemon(mp)->be_ops->msg_ids || mp->n < 2)
		return true;
	if (!m->bm.mid.epoch) {
		if (mp->next_id - low_id(mp) >= LU2K_DEDUP_WINDOW - 1)
			return false;
		m->bm.mid.epoch = mp->epoch;
		m->bm.mid.id = mp->next_id++;
		lu2k_list_add_tail(&mp->ids, &m->id_link);
	}
	m->bm.mid.low = low_id(mp);
	return true;
}

/* What each busy path's transport has not sent yet, now (late binding). */
static void refresh_unsent(struct lu2kd_mpath *mp)
{
	struct lu2kd *d = mp_daemon(mp);

	if (!d->be_ops->path_stats || lu2k_list_empty(&mp->peer->queue))
		return;
	for (unsigned int i = 0; i < mp->n; i++) {
		struct lu2k_be_path_stats st;

		st.unsent = UINT64_MAX;
		if (mp->path[i].up && mp->ps.p[i].nout &&
		    !d->be_ops->path_stats(mp->path[i].conn->bc, &st) && st.unsent != UINT64_MAX)
			lu2kd_ps_on_unsent(&mp->ps, i, st.unsent);
	}
}

/* Give the queued message m to path i. false: the path said -ENOBUFS. */
static bool give(struct lu2kd_mpath *mp, struct lu2kd_msg *m, unsigned int i)
{
	struct lu2kd *d = mp_daemon(mp);
	struct lu2kd_peer *p = mp->peer;
	uint64_t len = msg_len(m);
	int rc;

	if (&m->link != p->queue.next) { /* it overtakes messages that wait */
		lu2k_list_del(&m->link);
		lu2k_list_add_head(&p->queue, &m->link);
	}
	m->path_sent_ns = d->loop.now;
	m->path_alone = mp->ps.p[i].nout == 0;
	rc = lu2kd_peer_send_head(p, mp->path[i].conn);
	if (rc == -ENOBUFS) {
		mp->path[i].blocked = true;
		return false;
	}
	if (rc == 0) {
		lu2kd_ps_on_send(&mp->ps, i, len, d->loop.now);
		if (m->resends) {
			char a[LU2K_NID_STRLEN];

			LOG_RL(LU2K_LOG_INFO, "peer %s: message id %llu sent again, on path %u",
			       lu2k_nid_format(&p->nid, a, sizeof(a)),
			       (unsigned long long)m->bm.mid.id, i);
		}
	}
	return true; /* sent, or completed with its error */
}

/*
 * Late binding (path_sched.h): each queued message, in order, goes now to
 * the path planned for it if that path has room, else waits here; a
 * message taken back from a dead path is first in the queue.
 */
static void flush(struct lu2kd_mpath *mp)
{
	struct lu2kd *d = mp_daemon(mp);
	struct lu2kd_peer *p = mp->peer;
	bool again = true;

	refresh_unsent(mp);
	while (again) { /* again once a path said -ENOBUFS, without it */
		struct lu2kd_ps_plan plan;
		struct lu2k_list *pos, *tmp;

		again = false;
		memset(&plan, 0, sizeof(plan));
		lu2k_list_for_each_safe(pos, tmp, &p->queue)
		{
			struct lu2kd_msg *m = lu2k_container_of(pos, struct lu2kd_msg, link);
			int i = lu2kd_ps_plan_next(&mp->ps, &plan, msg_len(m), d->loop.now,
						   usable(mp));

			if (i == -ENETUNREACH)
				break; /* no path: wait (the message's own timer bounds it) */
			if (i < 0)
				continue;
			if (!give_id(mp, m))
				break; /* the receiver's window is full: wait for settlements */
			if (!give(mp, m, (unsigned int)i)) {
				again = true;
				break;
			}
		}
	}
	mp_arm(mp);
}

/* After completions (room on a path): flush once, at the end of the loop's round. */
static bool mp_idle(struct lu2k_idle *h)
{
	struct lu2kd_mpath *mp = lu2k_container_of(h, struct lu2kd_mpath, idle);

	lu2k_loop_idle_del(&mp->idle);
	mp->idle_on = false;
	flush(mp);
	return false;
}

static void flush_later(struct lu2kd_mpath *mp)
{
	if (mp->idle_on || lu2k_list_empty(&mp->peer->queue))
		return;
	mp->idle_on = true;
	lu2k_loop_idle_add(&mp_daemon(mp)->loop, &mp->idle, mp_idle);
}

/* Discovery: a path to each address p's hello told that has none yet. */
static void add_told(struct lu2kd_mpath *mp)
{
	struct lu2kd *d = mp_daemon(mp);
	struct lu2kd_peer *p = mp->peer;
	char a[LU2K_NID_STRLEN], b[LU2K_NID_STRLEN], e[LU2K_NID_STRLEN];

	for (unsigned int t = 0; p->told && t < p->told->n && mp->n < LU2K_PS_MAX; t++) {
		const struct lu2k_nid *r = &p->told->nid[t];
		struct lu2k_nid l;
		bool have = false;

		for (unsigned int i = 0; i < mp->n && !have; i++)
			have = lu2k_nid_eq(&mp->path[i].remote, r);
		if (have)
			continue;
		if (lu2kd_disc_local_for(d, p->ch, r, &l)) {
			LOG_RL(LU2K_LOG_WARN,
			       "peer %s: no address of ours reaches its %s (multipath_addr lines, "
			       "routes): no path there",
			       lu2k_nid_format(&p->nid, a, sizeof(a)),
			       lu2k_nid_format(r, b, sizeof(b)));
			continue;
		}
		mp->path[mp->n].local = l;
		mp->path[mp->n].remote = *r;
		lu2kd_ps_add(&mp->ps, d->loop.now);
		LOG_RL(LU2K_LOG_INFO, "peer %s: path %u from %s to %s (discovered)",
		       lu2k_nid_format(&p->nid, a, sizeof(a)), mp->n,
		       lu2k_nid_format(&l, b, sizeof(b)), lu2k_nid_format(r, e, sizeof(e)));
		mp->n++;
		if (p->mp == mp)
			path_connect(mp, mp->n - 1);
	}
}

void lu2kd_mpath_grow(struct lu2kd_peer *p)
{
	if (!p->mp || p->mp->lines)
		return;
	add_told(p->mp);
	mp_arm(p->mp);
}

/*
 * Discovery makes a plain peer multipath: only while its connection is
 * idle (what it holds would else go without ids); its queue is the paths'.
 */
static bool plain_idle(struct lu2kd *d, struct lu2kd_peer *p)
{
	if (p->out && (p->state != PEER_UP || p->ninflight || p->nqueued))
		return false;
	if (p->out) {
		d->be_ops->close(p->out->bc);
		free(p->out);
		p->out = NULL;
	}
	lu2k_loop_timer_cancel(&d->loop, &p->timer);
	p->state = PEER_IDLE;
	return true;
}

static struct lu2kd_mpath *mp_create(struct lu2kd_peer *p)
{
	struct lu2kd *d = p->ch->d;
	struct lu2k_be_addrs ours;
	struct lu2kd_mpath *mp;
	unsigned int k;
	bool disc;

	for (k = 0; k < d->cfg.npaths; k++)
		if (lu2k_nid_eq(&d->cfg.paths[k].peer, &p->nid))
			break;
	/* no path lines for it: discovery, if it told addresses or we have some to tell */
	disc = k == d->cfg.npaths && lu2kd_disc_active(d) &&
	       (p->told || lu2kd_disc_ours(d, p->ch, &ours));
	if (k == d->cfg.npaths && (!disc || !plain_idle(d, p)))
		return NULL;
	mp = calloc(1, sizeof(*mp));
	if (!mp)
		return NULL;
	mp->peer = p;
	lu2k_list_init(&mp->ids);
	if (getrandom(&mp->epoch, sizeof(mp->epoch), GRND_NONBLOCK) != sizeof(mp->epoch))
		mp->epoch = (uint32_t)d->loop.now ^ (uint32_t)(uintptr_t)mp;
	if (!mp->epoch)
		mp->epoch = 1;
	mp->next_id = 1;
	lu2kd_ps_init(&mp->ps, NULL);
	lu2k_heap_timer_init(&mp->timer, mp_timer);
	mp->path[0].local = p->ch->nid;
	mp->path[0].remote = p->nid;
	mp->n = 1;
	mp->lines = !disc;
	mp->no_tell = lu2kd_disc_old(d, &p->nid); /* an older lu2kd, seen before */
	for (; k < d->cfg.npaths && mp->n < LU2K_PS_MAX; k++) {
		if (!lu2k_nid_eq(&d->cfg.paths[k].peer, &p->nid))
			continue;
		mp->path[mp->n].local = d->cfg.paths[k].local;
		mp->path[mp->n].remote = d->cfg.paths[k].remote;
		mp->n++;
	}
	for (unsigned int i = 0; i < mp->n; i++)
		lu2kd_ps_add(&mp->ps, d->loop.now);
	if (disc)
		add_told(mp); /* p->mp is not set yet: they connect below */
	p->mp = mp;
	for (unsigned int i = 0; i < mp->n; i++)
		path_connect(mp, i);
	return mp;
}

/*
 * LNet sends to p's NID, which our path lines name as another peer's path
 * (LNet multi-rail has that address as one of the peer's NIDs): then two
 * schedulers share the link and neither sees the other's traffic. Say so
 * once per peer (doc/multipath.md, "Multipath or LNet multi-rail?").
 */
static void warn_alias(struct lu2kd *d, struct lu2kd_peer *p)
{
	char a[LU2K_NID_STRLEN], b[LU2K_NID_STRLEN];

	if (p->alias_warned)
		return;
	for (unsigned int k = 0; k < d->cfg.npaths; k++) {
		if (!lu2k_nid_eq(&d->cfg.paths[k].remote, &p->nid))
			continue;
		p->alias_warned = true;
		LOG_WARN("peer %s: LNet sends to it directly, and path lines make it a path of "
			 "%s: LNet multi-rail and lu2kd multipath on one link schedule it twice "
			 "(give LNet only %s; doc/multipath.md)",
			 lu2k_nid_format(&p->nid, a, sizeof(a)),
			 lu2k_nid_format(&d->cfg.paths[k].peer, b, sizeof(b)), b);
		return;
	}
}

bool lu2kd_mpath_submit(struct lu2kd_peer *p, struct lu2kd_msg *m)
{
	struct lu2kd *d = p->ch->d;

	if (!d->cfg.multipath || (!d->cfg.npaths && !lu2kd_disc_active(d)))
		return false;
	if (!p->mp && !mp_create(p)) {
		warn_alias(d, p);
		return false;
	}
	m->peer = p;
	m->state = MSG_QUEUED;
	lu2k_list_add_tail(&p->queue, &m->link);
	p->nqueued++;
	flush(p->mp);
	return true;
}

bool lu2kd_mpath_ping(struct lu2kd_peer *p)
{
	struct lu2kd *d = p->ch->d;

	if (!d->cfg.multipath || (!d->cfg.npaths && !lu2kd_disc_active(d)))
		return false;
	if (!p->mp)
		return mp_create(p) != NULL; /* connects every path */
	for (unsigned int i = 0; i < p->mp->n; i++)
		if (!p->mp->path[i].conn)
			path_connect(p->mp, i);
	mp_arm(p->mp);
	return true;
}

void lu2kd_mpath_connected(struct lu2kd_conn *c)
{
	struct lu2kd_mpath *mp = c->mp;
	struct lu2kd *d = mp_daemon(mp);
	struct mp_path *pa = &mp->path[c->path];
	char a[LU2K_NID_STRLEN], b[LU2K_NID_STRLEN];

	pa->up = true;
	pa->blocked = false;
	pa->last_err = 0;
	pa->have_last = false;
	LOG_RL(LU2K_LOG_INFO, "peer %s: path %u to %s up",
	       lu2k_nid_format(&mp->peer->nid, a, sizeof(a)), c->path,
	       lu2k_nid_format(&pa->remote, b, sizeof(b)));
	lu2kd_ps_on_probe(&mp->ps, c->path, true, 0, d->loop.now);
	mp_peer_event(mp, 0);
	flush(mp);
}

void lu2kd_mpath_writable(struct lu2kd_conn *c)
{
	c->mp->path[c->path].blocked = false;
	flush(c->mp);
}

void lu2kd_mpath_closed(struct lu2kd_conn *c, int err)
{
	struct lu2kd_mpath *mp = c->mp;
	struct lu2kd *d = mp_daemon(mp);
	struct mp_path *pa = &mp->path[c->path];
	unsigned int i = c->path;
	char a[LU2K_NID_STRLEN], b[LU2K_NID_STRLEN];

	if (pa->up)
		lu2kd_ps_set_down(&mp->ps, i, d->loop.now);
	else
		lu2kd_ps_on_probe(&mp->ps, i, false, 0, d->loop.now);
	if (pa->up || err != -ECONNREFUSED)
		LOG_RL(LU2K_LOG_WARN, "peer %s: path %u to %s %s: %s",
		       lu2k_nid_format(&mp->peer->nid, a, sizeof(a)), i,
		       lu2k_nid_format(&pa->remote, b, sizeof(b)), pa->up ? "lost" : "failed",
		       strerror(-err));
	if (!pa->up)
		mp->peer->connect_fails++;
	if (pa->told && pa->up && !pa->delivered && err != -ETIMEDOUT) {
		/*
		 * Closed after a hello that told our addresses and before the
		 * peer took anything: a lu2kd older than discovery refuses such
		 * a hello. Say hello without them from now on (doc/multipath.md).
		 */
		mp->no_tell = true;
		mp->retell = true;
		lu2kd_disc_old_add(d, &mp->peer->nid);
		LOG_RL(LU2K_LOG_WARN,
		       "peer %s: closed our hello that told our other addresses: an older lu2kd? "
		       "not telling it any more",
		       lu2k_nid_format(&mp->peer->nid, a, sizeof(a)));
	}
	pa->up = false;
	pa->blocked = false;
	pa->conn = NULL;
	pa->last_err = err;
	mp->peer->last_err = err;
	free(c);
	if (mp->retell && !mp->closing) {
		/* the older lu2kd refused only the list: say hello again now, without it */
		mp->retell = false;
		path_connect(mp, i);
	}
	mp_peer_event(mp, err);
	flush(mp);
}

/* Is a path other than i up (connected, and not left)? */
static bool other_up(const struct lu2kd_mpath *mp, unsigned int i)
{
	for (unsigned int k = 0; k < mp->n; k++)
		if (k != i && mp->path[k].up && mp->ps.p[k].state == LU2K_PS_UP)
			return true;
	return false;
}

/*
 * m failed on path i (its connection closed or failed, or we took it
 * back): queue it again, first, for another path, if that is safe.
 */
static bool take_back(struct lu2kd_mpath *mp, unsigned int i, struct lu2kd_msg *m)
{
	struct lu2kd_peer *p = mp->peer;

	if (!m->bm.mid.epoch || m->expired || mp->closing || m->ch->dead ||
	    m->resends >= MP_MAX_RESENDS || !other_up(mp, i))
		return false;
	m->resends++;
	mp->path[i].taken_back++;
	p->ninflight--;
	m->state = MSG_QUEUED;
	m->conn = NULL;
	lu2k_list_add_head(&p->queue, &m->link);
	p->nqueued++;
	if (!mp->await_takeover) {
		mp->await_takeover = true;
		mp->takeback_ns = mp_daemon(mp)->loop.now;
	}
	return true;
}

bool lu2kd_mpath_sent(struct lu2kd_conn *c, struct lu2kd_msg *m, int status)
{
	struct lu2kd_mpath *mp = c->mp;
	struct lu2kd *d = mp_daemon(mp);
	struct lu2kd_ps_path *pp = &mp->ps.p[c->path];
	uint64_t len = msg_len(m), now = d->loop.now;
	char a[LU2K_NID_STRLEN];

	bool was_up = pp->state == LU2K_PS_UP;

	lu2kd_ps_on_done(&mp->ps, c->path, len, status, now);
	if (status == 0)
		mp->path[c->path].delivered = true;
	if (status < 0 && take_back(mp, c->path, m)) {
		mp_arm(mp);
		return true; /* the caller's loop (or closed()) flushes it */
	}
	if (status == 0 && m->resends && mp->await_takeover) {
		/* the first message taken back is delivered elsewhere */
		mp->await_takeover = false;
		mp->takeover_ns = now - mp->takeback_ns;
		LOG_RL(LU2K_LOG_INFO,
		       "peer %s: a message taken back delivered on path %u %llu ms after",
		       lu2k_nid_format(&mp->peer->nid, a, sizeof(a)), c->path,
		       (unsigned long long)lu2k_time_ns_to_ms(mp->takeover_ns));
	}
	if (!was_up && pp->state == LU2K_PS_UP) {
		LOG_RL(LU2K_LOG_INFO, "peer %s: path %u delivers again: back",
		       lu2k_nid_format(&mp->peer->nid, a, sizeof(a)), c->path);
	}
	if (status == 0 && m->path_alone && now > m->path_sent_ns && !mp->path[c->path].be_rtt) {
		uint64_t lat = now - m->path_sent_ns;
		uint64_t tx = pp->rate_known ? len * LU2K_NS_PER_S / pp->rate : 0;

		/* what is left once the message itself went out: about one RTT */
		lu2kd_ps_on_rtt(&mp->ps, c->path, lat - (tx < lat / 2 ? tx : lat / 2), now);
	}
	flush_later(mp);
	mp_arm(mp);
	return false;
}

/* The first message that path i's connection c holds, or NULL. */
static struct lu2kd_msg *held_by(struct lu2kd_mpath *mp, const struct lu2kd_conn *c)
{
	struct lu2k_list *pos;

	lu2k_list_for_each(pos, &mp->ids)
	{
		struct lu2kd_msg *m = lu2k_container_of(pos, struct lu2kd_msg, id_link);

		if (m->state == MSG_SENDING && m->conn == c)
			return m;
	}
	return NULL;
}

/*
 * A path the scheduler calls dead is left: nothing new goes there. With
 * message ids (and another path up) what it holds is taken back from its
 * connection (cancel(): it may still arrive, the receiver drops the second
 * copy) and sent on the others; the connection stays, and a probe or a late
 * acknowledgement brings the path back. Without ids what it holds waits
 * there: it completes if the path comes back before the back-end gives the
 * connection up (then it fails, as on any lost connection).
 */
static void path_left(struct lu2kd_mpath *mp, unsigned int i)
{
	struct lu2kd *d = mp_daemon(mp);
	struct mp_path *pa = &mp->path[i];
	struct lu2kd_conn *c = pa->conn;
	char a[LU2K_NID_STRLEN], b[LU2K_NID_STRLEN];
	uint64_t before = pa->taken_back;
	uint32_t nout = mp->ps.p[i].nout;
	struct lu2kd_msg *m;

	if (d->be_ops->msg_ids && c && other_up(mp, i)) {
		/* cancel() may fail the connection (tcp, half a frame out): then stop */
		while (pa->conn == c && (m = held_by(mp, c)) != NULL)
			d->be_ops->cancel(c->bc, &m->bm, -ENETDOWN);
	}
	LOG_RL(LU2K_LOG_WARN,
	       "peer %s: path %u to %s silent for %llu ms with %u messages out: left, "
	       "%llu taken back",
	       lu2k_nid_format(&mp->peer->nid, a, sizeof(a)), i,
	       lu2k_nid_format(&pa->remote, b, sizeof(b)),
	       (unsigned long long)(lu2k_time_ns_to_ms(d->loop.now - mp->ps.p[i].last_progress_ns)),
	       nout, (unsigned long long)(pa->taken_back - before));
}

/* The back-end's acknowledgements, RTT and retransmissions of each busy path. */
static void mp_poll(struct lu2kd_mpath *mp)
{
	struct lu2kd *d = mp_daemon(mp);

	if (!d->be_ops->path_stats)
		return;
	for (unsigned int i = 0; i < mp->n; i++) {
		struct mp_path *pa = &mp->path[i];
		struct lu2k_be_path_stats st;

		st.unsent = UINT64_MAX; /* a back-end that does not know leaves it */
		if (!pa->up || d->be_ops->path_stats(pa->conn->bc, &st))
			continue;
		if (st.unsent != UINT64_MAX)
			lu2kd_ps_on_unsent(&mp->ps, i, st.unsent);
		if (st.rtt_ns)
			lu2kd_ps_on_rtt(&mp->ps, i, st.rtt_ns, d->loop.now);
		pa->be_rtt |= st.rtt_ns != 0;
		/* a transport that acknowledges only whole messages (rds): judged by completions */
		if (pa->have_last && st.acks != UINT64_MAX) {
			uint64_t sent = st.pkts_sent - pa->loss_base.pkts_sent;

			lu2kd_ps_on_progress(&mp->ps, i, st.acks - pa->last.acks, d->loop.now);
			if (sent >= 1000) { /* enough packets to say something */
				lu2kd_ps_on_loss(
					&mp->ps, i,
					(uint32_t)((st.pkts_retrans - pa->loss_base.pkts_retrans) *
						   1000000 / sent));
				pa->loss_base = st;
			}
		} else {
			pa->loss_base = st;
		}
		pa->last = st;
		pa->have_last = true;
	}
}

static void mp_timer(struct lu2k_timer *t)
{
	struct lu2kd_mpath *mp = lu2k_container_of(t, struct lu2kd_mpath, timer);
	struct lu2kd *d = mp_daemon(mp);
	struct lu2kd_ps_events ev;

	mp_poll(mp);
	ev = lu2kd_ps_tick(&mp->ps, d->loop.now);

	for (unsigned int i = 0; i < mp->n; i++) {
		if (ev.died & (1u << i))
			path_left(mp, i);
		if (!(ev.probe & (1u << i)))
			continue;
		if (mp->path[i].conn && !mp->path[i].up &&
		    d->loop.now - mp->path[i].conn->start_ns >=
			    lu2k_time_ms_to_ns(d->cfg.connect_timeout_ms)) {
			/* the back-end never answered: give this attempt up */
			d->be_ops->close(mp->path[i].conn->bc);
			free(mp->path[i].conn);
			mp->path[i].conn = NULL;
			mp->path[i].last_err = -ETIMEDOUT;
		}
		if (mp->path[i].conn && mp->path[i].up && !mp->ps.p[i].nout) {
			/* left, and nothing of ours on it to show it is back: connect anew */
			d->be_ops->close(mp->path[i].conn->bc);
			free(mp->path[i].conn);
			mp->path[i].conn = NULL;
			mp->path[i].up = false;
		}
		if (!mp->path[i].conn)
			path_connect(mp, i);
	}
	flush(mp);
}

void lu2kd_mpath_free(struct lu2kd_peer *p)
{
	struct lu2kd_mpath *mp = p->mp;
	struct lu2kd *d;

	if (!mp)
		return;
	d = mp_daemon(mp);
	mp->closing = true;
	for (unsigned int i = 0; i < mp->n; i++) {
		struct lu2kd_conn *c = mp->path[i].conn;

		mp->path[i].conn = NULL;
		mp->path[i].up = false;
		if (c) {
			d->be_ops->close(c->bc);
			free(c);
		}
	}
	lu2k_loop_timer_cancel(&d->loop, &mp->timer);
	if (mp->idle_on)
		lu2k_loop_idle_del(&mp->idle);
	while (!lu2k_list_empty(&mp->ids)) /* queued ones: the peer fails them */
		lu2k_list_del(mp->ids.next);
	p->mp = NULL;
	free(mp);
}

void lu2kd_mpath_json(const struct lu2kd_peer *p, struct lu2k_json *j)
{
	const struct lu2kd_mpath *mp = p->mp;
	char nid[LU2K_NID_STRLEN];

	if (!mp)
		return;
	if (mp->takeover_ns) /* the last take-back done: its first message delivered elsewhere after */
		lu2k_json_u64(j, "takeover_ms", lu2k_time_ns_to_ms(mp->takeover_ns));
	lu2k_json_arr_begin(j, "paths");
	for (unsigned int i = 0; i < mp->n; i++) {
		const struct mp_path *pa = &mp->path[i];
		const struct lu2kd_ps_path *pp = &mp->ps.p[i];

		lu2k_json_obj_begin(j, NULL);
		lu2k_json_str(j, "local", lu2k_nid_format(&pa->local, nid, sizeof(nid)));
		lu2k_json_str(j, "remote", lu2k_nid_format(&pa->remote, nid, sizeof(nid)));
		lu2k_json_str(j, "state",
			      pa->conn && !pa->up ? "connecting" : lu2kd_ps_state_str(pp->state));
		lu2k_json_u64(j, "rtt_us", pp->rtt_known ? lu2k_time_ns_to_us(pp->srtt_ns) : 0);
		lu2k_json_u64(j, "rate_kbit", pp->rate_known ? pp->rate * 8 / 1000 : 0);
		lu2k_json_u64(j, "loss_ppm", pp->loss_ppm); /* retransmitted share, if known */
		lu2k_json_u64(j, "share_permille", lu2kd_ps_share_permille(&mp->ps, i));
		lu2k_json_u64(j, "msgs", pp->msgs_total);
		lu2k_json_u64(j, "bytes", pp->bytes_total);
		lu2k_json_u64(j, "bytes_in_flight", pp->outstanding);
		if (pp->unsent_known) /* the transport's, at its last report */
			lu2k_json_u64(j, "bytes_unsent", pp->unsent);
		lu2k_json_u64(j, "msgs_failed", pp->failed);
		lu2k_json_u64(j, "deaths", pp->deaths);
		lu2k_json_u64(j, "revivals", pp->revivals);
		/* how long it was left, its deaths together (the one now included) */
		lu2k_json_u64(j, "down_ms",
			      lu2k_time_ns_to_ms(pp->down_ns + (pp->down_since_ns
									? mp_daemon(mp)->loop.now -
										  pp->down_since_ns
									: 0)));
		lu2k_json_u64(j, "connects", pa->connects);
		lu2k_json_u64(j, "msgs_taken_back", pa->taken_back);
		if (pa->last_err)
			lu2k_json_str(j, "last_error", strerror(-pa->last_err));
		if (pa->up) {
			/* the back-end's own view: its RTT, rate, losses */
			lu2k_json_obj_begin(j, "conn");
			mp_daemon(mp)->be_ops->conn_info(pa->conn->bc, j);
			lu2k_json_obj_end(j);
		}
		lu2k_json_obj_end(j);
	}
	lu2k_json_arr_end(j);
}
