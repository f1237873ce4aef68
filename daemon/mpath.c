/* SPDX-License-Identifier: MIT */
/*
 * mpath.c - a multipath peer's connections, one per path (see mpath.h).
 *
 * Message flow: lu2k_mpath_submit() queues on the peer; flush() gives each
 * queued message to the path path_sched.c picks among those connected and
 * not full, at once (LNet's credits bound how much is out). Completions feed
 * the scheduler's rate; a message that was alone on its path gives an RTT
 * sample (its completion time less its transmission time). The scheduler's
 * deadline (a silent path, a probe due) runs in one timer per peer.
 */
#include "mpath.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/nid.h"
#include "core.h"
#include "json.h"
#include "log.h"
#include "path_sched.h"

/* While a path holds work, its back-end's view is read this often. */
#define MP_POLL_NS (20 * 1000000ull)

struct mp_path {
	struct lu2k_nid local, remote;
	struct lu2k_conn *conn; /* NULL: none; else connecting or up */
	bool up, blocked;
	bool have_last;
	struct lu2k_be_path_stats last, loss_base;
	int last_err;
	uint64_t connects;
};

struct lu2k_mpath {
	struct lu2k_peer *peer;
	struct lu2k_ps ps;
	struct mp_path path[LU2K_PS_MAX];
	unsigned int n;
	struct lu2k_timer timer;
	bool was_up;
};

static struct lu2kd *mp_daemon(const struct lu2k_mpath *mp)
{
	return mp->peer->ch->d;
}

static uint64_t msg_len(const struct lu2k_msg *m)
{
	return (uint64_t)m->bm.hdr_len + m->bm.payload_len;
}

static void mp_timer(struct lu2k_timer *t);

static void mp_arm(struct lu2k_mpath *mp)
{
	struct lu2kd *d = mp_daemon(mp);
	uint64_t at = lu2k_ps_next_deadline(&mp->ps);

	if (d->be_ops->path_stats) {
		for (unsigned int i = 0; i < mp->n; i++)
			if (mp->path[i].up && mp->ps.p[i].nout && d->loop.now + MP_POLL_NS < at)
				at = d->loop.now + MP_POLL_NS;
	}

	if (at == UINT64_MAX) {
		lu2k_timer_cancel(&d->loop, &mp->timer);
		return;
	}
	if (at <= d->loop.now)
		at = d->loop.now + 1000000;
	lu2k_timer_arm_at(&d->loop, &mp->timer, at);
}

/* Post PEER_UP when the first path comes up, PEER_DOWN when the last goes. */
static void mp_peer_event(struct lu2k_mpath *mp, int err)
{
	bool up = false;

	for (unsigned int i = 0; i < mp->n; i++)
		up |= mp->path[i].up;
	if (up == mp->was_up)
		return;
	mp->was_up = up;
	mp->peer->state = up ? PEER_UP : PEER_IDLE;
	lu2k_chan_post_evt(mp->peer->ch, up ? LU2K_EVT_PEER_UP : LU2K_EVT_PEER_DOWN, err,
			   &mp->peer->nid);
}

static void path_connect(struct lu2k_mpath *mp, unsigned int i)
{
	struct lu2kd *d = mp_daemon(mp);
	struct lu2k_peer *p = mp->peer;
	struct mp_path *pa = &mp->path[i];
	struct lu2k_conn *c = calloc(1, sizeof(*c));
	int rc;

	lu2k_ps_set_probing(&mp->ps, i, d->loop.now);
	if (!c) {
		lu2k_ps_on_probe(&mp->ps, i, false, 0, d->loop.now);
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
	rc = d->be_ops->connect(d->be, &p->ch->nid, &pa->remote, (uint16_t)d->cfg.port, c, &c->bc);
	if (rc < 0) {
		pa->conn = NULL;
		pa->last_err = rc;
		free(c);
		p->connect_fails++;
		lu2k_ps_on_probe(&mp->ps, i, false, 0, d->loop.now);
	}
}

/* The paths that can take a message now. */
static uint32_t usable(const struct lu2k_mpath *mp)
{
	uint32_t m = 0;

	for (unsigned int i = 0; i < mp->n; i++)
		if (mp->path[i].up && !mp->path[i].blocked)
			m |= 1u << i;
	return m;
}

static void flush(struct lu2k_mpath *mp)
{
	struct lu2kd *d = mp_daemon(mp);
	struct lu2k_peer *p = mp->peer;

	while (!lu2k_list_empty(&p->queue)) {
		struct lu2k_msg *m = lu2k_list_first(&p->queue, struct lu2k_msg, link);
		uint64_t len = msg_len(m);
		int i = lu2k_ps_pick_from(&mp->ps, len, d->loop.now, usable(mp));
		struct mp_path *pa;
		int rc;

		if (i < 0)
			break; /* wait for a path (the message's own timer bounds it) */
		pa = &mp->path[i];
		m->path_sent_ns = d->loop.now;
		m->path_alone = mp->ps.p[i].nout == 0;
		rc = lu2k_peer_send_head(p, pa->conn);
		if (rc == -ENOBUFS) {
			pa->blocked = true;
			continue; /* another path may take it */
		}
		if (rc < 0)
			continue;
		lu2k_ps_on_send(&mp->ps, (unsigned int)i, len, d->loop.now);
	}
	mp_arm(mp);
}

static struct lu2k_mpath *mp_create(struct lu2k_peer *p)
{
	struct lu2kd *d = p->ch->d;
	struct lu2k_mpath *mp;
	unsigned int k;

	for (k = 0; k < d->cfg.npaths; k++)
		if (lu2k_nid_eq(&d->cfg.paths[k].peer, &p->nid))
			break;
	if (k == d->cfg.npaths)
		return NULL;
	mp = calloc(1, sizeof(*mp));
	if (!mp)
		return NULL;
	mp->peer = p;
	lu2k_ps_init(&mp->ps, NULL);
	lu2k_timer_init(&mp->timer, mp_timer);
	mp->path[0].local = p->ch->nid;
	mp->path[0].remote = p->nid;
	mp->n = 1;
	for (; k < d->cfg.npaths && mp->n < LU2K_PS_MAX; k++) {
		if (!lu2k_nid_eq(&d->cfg.paths[k].peer, &p->nid))
			continue;
		mp->path[mp->n].local = d->cfg.paths[k].local;
		mp->path[mp->n].remote = d->cfg.paths[k].remote;
		mp->n++;
	}
	for (unsigned int i = 0; i < mp->n; i++)
		lu2k_ps_add(&mp->ps, d->loop.now);
	p->mp = mp;
	for (unsigned int i = 0; i < mp->n; i++)
		path_connect(mp, i);
	return mp;
}

bool lu2k_mpath_submit(struct lu2k_peer *p, struct lu2k_msg *m)
{
	struct lu2kd *d = p->ch->d;

	if (!d->cfg.multipath || !d->cfg.npaths)
		return false;
	if (!p->mp && !mp_create(p))
		return false;
	m->peer = p;
	m->state = MSG_QUEUED;
	lu2k_list_add_tail(&p->queue, &m->link);
	p->nqueued++;
	flush(p->mp);
	return true;
}

bool lu2k_mpath_ping(struct lu2k_peer *p)
{
	struct lu2kd *d = p->ch->d;

	if (!d->cfg.multipath || !d->cfg.npaths)
		return false;
	if (!p->mp)
		return mp_create(p) != NULL; /* connects every path */
	for (unsigned int i = 0; i < p->mp->n; i++)
		if (!p->mp->path[i].conn)
			path_connect(p->mp, i);
	mp_arm(p->mp);
	return true;
}

void lu2k_mpath_connected(struct lu2k_conn *c)
{
	struct lu2k_mpath *mp = c->mp;
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
	lu2k_ps_on_probe(&mp->ps, c->path, true, 0, d->loop.now);
	mp_peer_event(mp, 0);
	flush(mp);
}

void lu2k_mpath_writable(struct lu2k_conn *c)
{
	c->mp->path[c->path].blocked = false;
	flush(c->mp);
}

void lu2k_mpath_closed(struct lu2k_conn *c, int err)
{
	struct lu2k_mpath *mp = c->mp;
	struct lu2kd *d = mp_daemon(mp);
	struct mp_path *pa = &mp->path[c->path];
	unsigned int i = c->path;
	char a[LU2K_NID_STRLEN], b[LU2K_NID_STRLEN];

	if (pa->up)
		lu2k_ps_set_down(&mp->ps, i, d->loop.now);
	else
		lu2k_ps_on_probe(&mp->ps, i, false, 0, d->loop.now);
	if (pa->up || err != -ECONNREFUSED)
		LOG_RL(LU2K_LOG_WARN, "peer %s: path %u to %s %s: %s",
		       lu2k_nid_format(&mp->peer->nid, a, sizeof(a)), i,
		       lu2k_nid_format(&pa->remote, b, sizeof(b)), pa->up ? "lost" : "failed",
		       strerror(-err));
	if (!pa->up)
		mp->peer->connect_fails++;
	pa->up = false;
	pa->blocked = false;
	pa->conn = NULL;
	pa->last_err = err;
	mp->peer->last_err = err;
	free(c);
	mp_peer_event(mp, err);
	flush(mp);
}

void lu2k_mpath_sent(struct lu2k_conn *c, struct lu2k_msg *m, int status)
{
	struct lu2k_mpath *mp = c->mp;
	struct lu2kd *d = mp_daemon(mp);
	struct lu2k_ps_path *pp = &mp->ps.p[c->path];
	uint64_t len = msg_len(m), now = d->loop.now;

	bool was_up = pp->state == LU2K_PS_UP;

	lu2k_ps_on_done(&mp->ps, c->path, len, status, now);
	if (!was_up && pp->state == LU2K_PS_UP) {
		char a[LU2K_NID_STRLEN];

		LOG_RL(LU2K_LOG_INFO, "peer %s: path %u delivers again: back",
		       lu2k_nid_format(&mp->peer->nid, a, sizeof(a)), c->path);
	}
	if (status == 0 && m->path_alone && now > m->path_sent_ns && !d->be_ops->path_stats) {
		uint64_t lat = now - m->path_sent_ns;
		uint64_t tx = pp->rate_known ? len * 1000000000ull / pp->rate : 0;

		/* what is left once the message itself went out: about one RTT */
		lu2k_ps_on_rtt(&mp->ps, c->path, lat - (tx < lat / 2 ? tx : lat / 2), now);
	}
	mp_arm(mp);
}

/*
 * A path the scheduler calls dead is left: nothing new goes there. What it
 * holds stays with its connection (sending it again elsewhere could deliver
 * it twice: the receiver cannot tell). It completes if the path comes back
 * before the back-end gives the connection up (then it fails, as on any lost
 * connection), and that completion brings the path back.
 */
static void path_left(struct lu2k_mpath *mp, unsigned int i)
{
	struct lu2kd *d = mp_daemon(mp);
	char a[LU2K_NID_STRLEN], b[LU2K_NID_STRLEN];

	LOG_RL(LU2K_LOG_WARN,
	       "peer %s: path %u to %s silent for %llu ms with %u messages out: left",
	       lu2k_nid_format(&mp->peer->nid, a, sizeof(a)), i,
	       lu2k_nid_format(&mp->path[i].remote, b, sizeof(b)),
	       (unsigned long long)((d->loop.now - mp->ps.p[i].last_progress_ns) / 1000000),
	       mp->ps.p[i].nout);
}

/* The back-end's acknowledgements, RTT and retransmissions of each busy path. */
static void mp_poll(struct lu2k_mpath *mp)
{
	struct lu2kd *d = mp_daemon(mp);

	if (!d->be_ops->path_stats)
		return;
	for (unsigned int i = 0; i < mp->n; i++) {
		struct mp_path *pa = &mp->path[i];
		struct lu2k_be_path_stats st;

		if (!pa->up || d->be_ops->path_stats(pa->conn->bc, &st))
			continue;
		if (st.rtt_ns)
			lu2k_ps_on_rtt(&mp->ps, i, st.rtt_ns, d->loop.now);
		if (pa->have_last) {
			uint64_t sent = st.pkts_sent - pa->loss_base.pkts_sent;

			lu2k_ps_on_progress(&mp->ps, i, st.acks - pa->last.acks, d->loop.now);
			if (sent >= 1000) { /* enough packets to say something */
				lu2k_ps_on_loss(
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
	struct lu2k_mpath *mp = lu2k_container_of(t, struct lu2k_mpath, timer);
	struct lu2kd *d = mp_daemon(mp);
	struct lu2k_ps_events ev;

	mp_poll(mp);
	ev = lu2k_ps_tick(&mp->ps, d->loop.now);

	for (unsigned int i = 0; i < mp->n; i++) {
		if (ev.died & (1u << i))
			path_left(mp, i);
		if (!(ev.probe & (1u << i)))
			continue;
		if (mp->path[i].conn && !mp->path[i].up &&
		    d->loop.now - mp->path[i].conn->start_ns >=
			    (uint64_t)d->cfg.connect_timeout_ms * 1000000) {
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

void lu2k_mpath_free(struct lu2k_peer *p)
{
	struct lu2k_mpath *mp = p->mp;
	struct lu2kd *d;

	if (!mp)
		return;
	d = mp_daemon(mp);
	for (unsigned int i = 0; i < mp->n; i++) {
		struct lu2k_conn *c = mp->path[i].conn;

		mp->path[i].conn = NULL;
		mp->path[i].up = false;
		if (c) {
			d->be_ops->close(c->bc);
			free(c);
		}
	}
	lu2k_timer_cancel(&d->loop, &mp->timer);
	p->mp = NULL;
	free(mp);
}

static bool same_net(const struct lu2k_nid *a, const struct lu2k_nid *b)
{
	return a->type == b->type && a->num == b->num;
}

void lu2k_mpath_listen(struct lu2kd *d, struct lu2k_chan *ch)
{
	char nid[LU2K_NID_STRLEN];

	if (!d->cfg.multipath)
		return;
	for (unsigned int k = 0; k < d->cfg.npaths; k++) {
		const struct lu2k_nid *l = &d->cfg.paths[k].local;
		bool have = lu2k_nid_eq(l, &ch->nid);
		int rc;

		if (!same_net(l, &ch->nid))
			continue;
		for (unsigned int i = 0; i < ch->nalt && !have; i++)
			have = lu2k_nid_eq(&ch->alt_nids[i], l);
		if (have || ch->nalt == LU2KD_MAX_PATHS)
			continue;
		rc = d->be_ops->listen(d->be, l, (uint16_t)d->cfg.port,
				       &ch->alt_listeners[ch->nalt]);
		if (rc) {
			LOG_WARN("channel %u: cannot listen on %s for multipath: %s", ch->id,
				 lu2k_nid_format(l, nid, sizeof(nid)), strerror(-rc));
			continue;
		}
		ch->alt_nids[ch->nalt++] = *l;
	}
}

void lu2k_mpath_unlisten(struct lu2kd *d, struct lu2k_chan *ch)
{
	for (unsigned int i = 0; i < ch->nalt; i++)
		d->be_ops->unlisten(ch->alt_listeners[i]);
	ch->nalt = 0;
}

struct lu2k_chan *lu2k_mpath_chan_by_alias(struct lu2kd *d, const struct lu2k_nid *dst)
{
	struct lu2k_list *pos;

	lu2k_list_for_each(pos, &d->chans)
	{
		struct lu2k_chan *ch = lu2k_container_of(pos, struct lu2k_chan, link);

		for (unsigned int i = 0; i < ch->nalt; i++)
			if (!ch->dead && lu2k_nid_eq(&ch->alt_nids[i], dst))
				return ch;
	}
	return NULL;
}

bool lu2k_mpath_is_peer_addr(const struct lu2kd *d, const struct lu2k_nid *nid,
			     const struct sockaddr_storage *from)
{
	struct lu2k_nid f;

	if (!d->cfg.multipath ||
	    lu2k_nid_from_sockaddr((const struct sockaddr *)from, lu2k_nid_net(nid), &f))
		return false;
	for (unsigned int k = 0; k < d->cfg.npaths; k++) {
		const struct lu2kd_path_cfg *pc = &d->cfg.paths[k];

		if (lu2k_nid_eq(&pc->peer, nid) && pc->remote.size == f.size &&
		    !memcmp(pc->remote.addr, f.addr, sizeof(f.addr)))
			return true;
	}
	return false;
}

void lu2k_mpath_json(const struct lu2k_peer *p, struct lu2k_json *j)
{
	const struct lu2k_mpath *mp = p->mp;
	char nid[LU2K_NID_STRLEN];

	if (!mp)
		return;
	lu2k_json_arr_begin(j, "paths");
	for (unsigned int i = 0; i < mp->n; i++) {
		const struct mp_path *pa = &mp->path[i];
		const struct lu2k_ps_path *pp = &mp->ps.p[i];

		lu2k_json_obj_begin(j, NULL);
		lu2k_json_str(j, "local", lu2k_nid_format(&pa->local, nid, sizeof(nid)));
		lu2k_json_str(j, "remote", lu2k_nid_format(&pa->remote, nid, sizeof(nid)));
		lu2k_json_str(j, "state",
			      pa->conn && !pa->up ? "connecting" : lu2k_ps_state_str(pp->state));
		lu2k_json_u64(j, "rtt_us", pp->rtt_known ? pp->srtt_ns / 1000 : 0);
		lu2k_json_u64(j, "rate_kbit", pp->rate_known ? pp->rate * 8 / 1000 : 0);
		lu2k_json_u64(j, "loss_ppm", pp->loss_ppm); /* retransmitted share, if known */
		lu2k_json_u64(j, "share_permille", lu2k_ps_share_permille(&mp->ps, i));
		lu2k_json_u64(j, "msgs", pp->msgs_total);
		lu2k_json_u64(j, "bytes", pp->bytes_total);
		lu2k_json_u64(j, "bytes_in_flight", pp->outstanding);
		lu2k_json_u64(j, "msgs_failed", pp->failed);
		lu2k_json_u64(j, "deaths", pp->deaths);
		lu2k_json_u64(j, "revivals", pp->revivals);
		lu2k_json_u64(j, "connects", pa->connects);
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
