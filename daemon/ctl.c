/* SPDX-License-Identifier: MIT */
/*
 * ctl.c - the control socket (unix stream) that lu2kctl talks to.
 *
 * Protocol: the client sends one request line ("status", "peers", "conns",
 * "msgs", "stats", "config", "ping NID"; at most 255 bytes, ending in '\n'); the daemon answers
 * with one JSON document and closes. Unknown requests get
 * {"error": "..."}. The answer is built at once (a snapshot) and written
 * without blocking the loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/nid.h"
#include "core.h"
#include "dedup.h"
#include "common/json.h"
#include "common/log.h"
#include "mpath.h"
#include "usock.h"
#include "common/time.h"

#define CTL_REQ_MAX    256
#define CTL_TIMEOUT_NS (5 * LU2K_NS_PER_S)

struct ctl_client {
	struct lu2k_io io;
	struct lu2k_timer timer;
	struct lu2k_defer defer;
	struct lu2kd *d;
	char req[CTL_REQ_MAX];
	size_t rlen;
	struct lu2k_json out;
	size_t woff;
};

static void nidstr(struct lu2k_json *j, const char *key, const struct lu2k_nid *n)
{
	char b[LU2K_NID_STRLEN];

	lu2k_json_str(j, key, lu2k_nid_format(n, b, sizeof(b)));
}

static void render_status(struct lu2kd *d, struct lu2k_json *j)
{
	struct lu2k_list *pos;

	lu2k_json_obj_begin(j, "daemon");
	lu2k_json_str(j, "version", LU2K_VERSION_STR);
	lu2k_json_i64(j, "pid", getpid());
	lu2k_json_u64(j, "uptime_s", lu2k_time_ns_to_s(d->loop.now - d->start_ns));
	lu2k_json_str(j, "backend", d->be_ops->name);
	lu2k_json_u64(j, "port", d->cfg.port);
	lu2k_json_str(j, "channel_socket", d->cfg.channel_socket);
	lu2k_json_u64(j, "channels", d->nchans);
	lu2k_json_u64(j, "peers", d->npeers);
	lu2k_json_obj_end(j);
	lu2k_json_arr_begin(j, "channels");
	lu2k_list_for_each(pos, &d->chans)
	{
		struct lu2kd_chan *ch = lu2k_container_of(pos, struct lu2kd_chan, link);

		lu2k_json_obj_begin(j, NULL);
		lu2k_json_u64(j, "id", ch->id);
		nidstr(j, "nid", &ch->nid);
		lu2k_json_str(j, "attach", ch->ops->name);
		lu2k_json_str(j, "origin", ch->origin);
		lu2k_json_u64(j, "version", ch->setup.version);
		lu2k_json_u64(j, "features", ch->setup.features);
		lu2k_json_u64(j, "region_bytes", ch->region_size);
		lu2k_json_u64(j, "max_msg_size", ch->setup.max_msg_size);
		lu2k_json_u64(j, "timeout_ms", ch->setup.timeout_ms);
		lu2k_json_u64(j, "msgs_in_flight", ch->nmsgs);
		lu2k_json_u64(j, "rx_pool_free", ch->rxa.free_bytes);
		lu2k_json_u64(j, "rx_pool_size", ch->rxa.size);
		lu2k_json_obj_end(j);
	}
	lu2k_json_arr_end(j);
}

static void render_peers(struct lu2kd *d, struct lu2k_json *j)
{
	struct lu2k_list *pos;

	lu2k_json_arr_begin(j, "peers");
	lu2k_list_for_each(pos, &d->peers)
	{
		struct lu2kd_peer *p = lu2k_container_of(pos, struct lu2kd_peer, link);

		lu2k_json_obj_begin(j, NULL);
		nidstr(j, "nid", &p->nid);
		nidstr(j, "local_nid", &p->ch->nid);
		lu2k_json_str(j, "state", lu2kd_peer_state_str(p->state));
		lu2k_json_u64(j, "health", p->health);
		lu2k_json_u64(j, "conns_out", p->out ? 1 : 0);
		lu2k_json_u64(j, "conns_in", p->nin);
		lu2k_json_u64(j, "msgs_queued", p->nqueued);
		lu2k_json_u64(j, "msgs_in_flight", p->ninflight);
		lu2k_json_u64(j, "msgs_tx", p->msgs_tx);
		lu2k_json_u64(j, "msgs_rx", p->msgs_rx);
		lu2k_json_u64(j, "bytes_tx", p->bytes_tx);
		lu2k_json_u64(j, "bytes_rx", p->bytes_rx);
		lu2k_json_u64(j, "errors", p->errors);
		lu2k_json_u64(j, "connects", p->connects);
		lu2k_json_u64(j, "connect_failures", p->connect_fails);
		lu2k_json_u64(j, "closed_by_peer", p->closed_by_peer);
		lu2k_json_u64(j, "backoff_ms", p->state == PEER_BACKOFF ? p->backoff_ms : 0);
		if (p->last_err)
			lu2k_json_str(j, "last_error", strerror(-p->last_err));
		if (p->dedup) /* copies of its multipath messages that came twice */
			lu2k_json_u64(j, "msgs_rx_dropped_dup", p->dedup->dups);
		lu2kd_mpath_json(p, j);
		lu2k_json_obj_end(j);
	}
	lu2k_json_arr_end(j);
}

static void conn_obj(struct lu2kd *d, struct lu2k_json *j, struct lu2kd_peer *p,
		     struct lu2kd_conn *c)
{
	lu2k_json_obj_begin(j, NULL);
	nidstr(j, "peer", &p->nid);
	nidstr(j, "local_nid", &p->ch->nid);
	lu2k_json_str(j, "direction", c->out ? "out" : "in");
	lu2k_json_u64(j, "age_s", lu2k_time_ns_to_s(d->loop.now - c->start_ns));
	d->be_ops->conn_info(c->bc, j);
	lu2k_json_obj_end(j);
}

static void render_conns(struct lu2kd *d, struct lu2k_json *j)
{
	struct lu2k_list *pos, *cp;

	lu2k_json_arr_begin(j, "conns");
	lu2k_list_for_each(pos, &d->peers)
	{
		struct lu2kd_peer *p = lu2k_container_of(pos, struct lu2kd_peer, link);

		if (p->out)
			conn_obj(d, j, p, p->out);
		lu2k_list_for_each(cp, &p->inconns)
			conn_obj(d, j, p, lu2k_container_of(cp, struct lu2kd_conn, link));
	}
	lu2k_json_arr_end(j);
}

static void render_msgs(struct lu2kd *d, struct lu2k_json *j)
{
	static const char *const st[] = { "queued", "sending", "done" };
	struct lu2k_list *pos, *mp;
	unsigned int n = 0;

	lu2k_json_arr_begin(j, "msgs");
	lu2k_list_for_each(pos, &d->chans)
	{
		struct lu2kd_chan *ch = lu2k_container_of(pos, struct lu2kd_chan, link);

		lu2k_list_for_each(mp, &ch->msgs)
		{
			struct lu2kd_msg *m = lu2k_container_of(mp, struct lu2kd_msg, chan_link);

			if (++n > 10000)
				break; /* enough to see what is stuck */
			lu2k_json_obj_begin(j, NULL);
			lu2k_json_u64(j, "cookie", m->cookie);
			nidstr(j, "local_nid", &ch->nid);
			nidstr(j, "target", &m->bm.target);
			if (m->peer)
				nidstr(j, "nexthop", &m->peer->nid);
			lu2k_json_str(j, "state", st[m->state]);
			lu2k_json_u64(j, "bytes", m->bm.hdr_len + m->bm.payload_len);
			lu2k_json_u64(j, "age_ms", lu2k_time_ns_to_ms(d->loop.now - m->start_ns));
			lu2k_json_u64(j, "deadline_ms",
				      m->timer.deadline > d->loop.now
					      ? lu2k_time_ns_to_ms(m->timer.deadline - d->loop.now)
					      : 0);
			lu2k_json_obj_end(j);
		}
	}
	lu2k_json_arr_end(j);
}

static void render_stats(struct lu2kd *d, struct lu2k_json *j)
{
	struct lu2k_list *pos;

	lu2k_json_obj_begin(j, "daemon");
	lu2k_json_u64(j, "attaches", d->st.attaches);
	lu2k_json_u64(j, "attach_errors", d->st.attach_errors);
	lu2k_json_u64(j, "detaches", d->st.detaches);
	lu2k_json_u64(j, "msgs_ok", d->st.msgs_ok);
	lu2k_json_u64(j, "msgs_error", d->st.msgs_err);
	lu2k_json_u64(j, "msgs_timeout", d->st.msgs_timeout);
	lu2k_json_u64(j, "conns_accepted", d->st.conns_accepted);
	lu2k_json_u64(j, "conns_refused", d->st.conns_refused);
	lu2k_json_u64(j, "peers_reaped", d->st.peers_reaped);
	lu2k_json_u64(j, "peers_evicted", d->st.peers_evicted);
	lu2k_json_u64(j, "peers_refused", d->st.peers_refused);
	lu2k_json_u64(j, "nid_refused", d->st.nid_refused);
	lu2k_json_u64(j, "log_suppressed", lu2k_log_suppressed);
	lu2k_json_u64(j, "internal_errors", lu2k_log_bugs);
	lu2k_json_u64(j, "rx_ring_full", d->st.rx_ring_full);
	lu2k_json_u64(j, "rx_waits", d->st.rx_waits);
	lu2k_json_u64(j, "loop_wakeups", d->loop.wakeups);
	lu2k_json_u64(j, "loop_events", d->loop.events);
	lu2k_json_obj_end(j);
	lu2k_json_arr_begin(j, "channels");
	lu2k_list_for_each(pos, &d->chans)
	{
		struct lu2kd_chan *ch = lu2k_container_of(pos, struct lu2kd_chan, link);
		const struct lu2kd_chan_stats *s = &ch->st;

		lu2k_json_obj_begin(j, NULL);
		nidstr(j, "nid", &ch->nid);
		lu2k_json_u64(j, "tx_descs", s->tx_descs);
		lu2k_json_u64(j, "tx_bad", s->tx_bad);
		lu2k_json_u64(j, "tx_dup_cookie", s->tx_dup_cookie);
		lu2k_json_u64(j, "free_descs", s->free_descs);
		lu2k_json_u64(j, "free_bad", s->free_bad);
		lu2k_json_u64(j, "cpl_ok", s->cpl_ok);
		lu2k_json_u64(j, "cpl_error", s->cpl_err);
		lu2k_json_u64(j, "tx_bytes", s->tx_bytes);
		lu2k_json_u64(j, "rx_msgs", s->rx_msgs);
		lu2k_json_u64(j, "rx_bytes", s->rx_bytes);
		lu2k_json_u64(j, "evts", s->evts);
		lu2k_json_u64(j, "evts_dropped", s->evts_dropped);
		lu2k_json_u64(j, "kicks_in", s->kicks_in);
		lu2k_json_u64(j, "kicks_out", s->kicks_out);
		lu2k_json_u64(j, "cpl_backlogged", s->cpl_backlogged);
		lu2k_json_u64(j, "tx_nomem", s->tx_nomem);
		lu2k_json_u64(j, "rx_ring_full", s->rx_ring_full);
		lu2k_json_u64(j, "rx_waits", s->rx_waits);
		lu2k_json_u64(j, "rx_alloc_fails", ch->rxa.fails);
		lu2k_json_obj_end(j);
	}
	lu2k_json_arr_end(j);
	lu2k_json_obj_begin(j, "backend");
	lu2k_json_str(j, "name", d->be_ops->name);
	d->be_ops->stats(d->be, j);
	lu2k_json_obj_end(j);
}

/*
 * The settings the daemon runs with (not the file's, when a SIGHUP left
 * some for a restart: restart_pending names those).
 */
static void render_config(struct lu2kd *d, struct lu2k_json *j)
{
	char v[LU2KD_SHOW_MAX];
	const char *key;
	bool live;

	lu2k_json_obj_begin(j, "config");
	lu2k_json_str(j, "file", d->config_file[0] ? d->config_file : "(none: defaults)");
	lu2k_json_u64(j, "reloads", d->reloads);
	lu2k_json_u64(j, "reload_failures", d->reload_failures);
	lu2k_json_str(j, "restart_pending", d->restart_pending);
	lu2k_json_obj_begin(j, "settings");
	for (unsigned int i = 0; !lu2kd_config_key_at(&d->cfg, i, &key, v, sizeof(v), &live); i++)
		lu2k_json_str(j, key, v);
	lu2k_json_obj_end(j);
	lu2k_json_arr_begin(j, "backend_options");
	for (unsigned int i = 0; i < d->cfg.nbe_opts; i++) {
		const struct lu2kd_be_opt *o = &d->cfg.be_opts[i];

		lu2k_json_obj_begin(j, NULL);
		lu2k_json_str(j, "section", o->section);
		lu2k_json_str(j, "key", o->key);
		lu2k_json_str(j, "value", o->value);
		lu2k_json_str(j, "from", o->where);
		lu2k_json_str(j, "used",
			      !strcmp(o->section, "backend") || !strcmp(o->section, d->be_ops->name)
				      ? "yes"
				      : "no (another back-end's section)");
		lu2k_json_obj_end(j);
	}
	lu2k_json_arr_end(j);
	lu2k_json_obj_end(j);
}

/*
 * "ping NID": make sure an outgoing connection to NID exists or is being
 * made (from the interface on NID's network), and answer with the peer as it
 * is now. lu2kctl then watches the peer until it is up or the attempt fails;
 * a request never waits here (the loop never blocks).
 */
static void render_ping(struct lu2kd *d, const char *arg, struct lu2k_json *j)
{
	struct lu2kd_chan *ch = NULL;
	struct lu2kd_peer *p;
	struct lu2k_list *pos;
	struct lu2k_nid nid;
	char b[LU2K_NID_STRLEN];

	if (lu2k_nid_parse(arg, &nid)) {
		lu2k_json_str(j, "error",
			      "ping: not a NID of a lu2k network (e.g. 192.0.2.1@lu2k)");
		return;
	}
	lu2k_list_for_each(pos, &d->chans)
	{
		struct lu2kd_chan *c = lu2k_container_of(pos, struct lu2kd_chan, link);

		/* the same network; of its interfaces, one of the NID's address family */
		if (c->dead || c->nid.type != nid.type || c->nid.num != nid.num)
			continue;
		if (!ch || lu2k_nid_family(&c->nid) == lu2k_nid_family(&nid))
			ch = c;
		if (lu2k_nid_family(&c->nid) == lu2k_nid_family(&nid))
			break;
	}
	if (!ch) {
		lu2k_json_str(j, "error",
			      "ping: no interface attached to this lu2kd is on that "
			      "NID's network (lu2kctl status lists them)");
		return;
	}
	if (lu2k_nid_eq(&ch->nid, &nid)) {
		lu2k_json_str(j, "error", "ping: that is this node's own NID");
		return;
	}
	p = lu2kd_peer_get(d, ch, &nid);
	if (!p) {
		lu2k_json_str(j, "error", "ping: no room for another peer (max_peers)");
		return;
	}
	lu2kd_peer_ping(p);
	lu2k_json_obj_begin(j, "ping");
	lu2k_json_str(j, "nid", lu2k_nid_format(&nid, b, sizeof(b)));
	nidstr(j, "local_nid", &ch->nid);
	lu2k_json_str(j, "state", lu2kd_peer_state_str(p->state));
	lu2k_json_u64(j, "connects", p->connects);
	lu2k_json_u64(j, "connect_failures", p->connect_fails);
	lu2k_json_obj_end(j);
}

void lu2kd_ctl_render(struct lu2kd *d, const char *cmd, struct lu2k_json *j)
{
	lu2k_json_obj_begin(j, NULL);
	if (!strcmp(cmd, "status"))
		render_status(d, j);
	else if (!strcmp(cmd, "peers"))
		render_peers(d, j);
	else if (!strcmp(cmd, "conns"))
		render_conns(d, j);
	else if (!strcmp(cmd, "msgs"))
		render_msgs(d, j);
	else if (!strcmp(cmd, "stats"))
		render_stats(d, j);
	else if (!strcmp(cmd, "config"))
		render_config(d, j);
	else if (!strncmp(cmd, "ping ", 5))
		render_ping(d, cmd + 5, j);
	else
		lu2k_json_str(
			j, "error",
			"unknown request (status, peers, conns, msgs, stats, config, ping NID)");
	lu2k_json_obj_end(j);
}

static void client_free(struct lu2k_defer *df)
{
	struct ctl_client *c = lu2k_container_of(df, struct ctl_client, defer);

	lu2k_json_free(&c->out);
	free(c);
}

static void client_close(struct ctl_client *c)
{
	lu2k_loop_timer_cancel(&c->d->loop, &c->timer);
	lu2k_loop_io_set(&c->d->loop, &c->io, 0);
	close(c->io.fd);
	lu2k_loop_defer(&c->d->loop, &c->defer, client_free);
}

static void client_event(struct lu2k_io *io, uint32_t revents)
{
	struct ctl_client *c = lu2k_container_of(io, struct ctl_client, io);
	ssize_t n;

	if (!c->out.buf) {
		char *nl;

		n = read(io->fd, c->req + c->rlen, sizeof(c->req) - 1 - c->rlen);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			client_close(c);
			return;
		}
		c->rlen += (size_t)n;
		c->req[c->rlen] = 0;
		nl = strchr(c->req, '\n');
		if (!nl) {
			if (c->rlen == sizeof(c->req) - 1)
				client_close(c);
			return;
		}
		*nl = 0;
		if (nl > c->req && nl[-1] == '\r')
			nl[-1] = 0;
		lu2k_json_init(&c->out);
		lu2kd_ctl_render(c->d, c->req, &c->out);
		if (c->out.err || !c->out.buf) {
			client_close(c);
			return;
		}
		lu2k_json_raw(&c->out, "\n");
		if (c->out.err) {
			client_close(c);
			return;
		}
		lu2k_loop_io_set(&c->d->loop, &c->io, EPOLLOUT);
	}
	while (c->woff < c->out.len) {
		n = send(io->fd, c->out.buf + c->woff, c->out.len - c->woff,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		c->woff += (size_t)n;
	}
	client_close(c);
}

static void client_timeout(struct lu2k_timer *t)
{
	client_close(lu2k_container_of(t, struct ctl_client, timer));
}

static void ctl_event(struct lu2k_io *io, uint32_t revents)
{
	struct lu2kd *d = lu2k_container_of(io, struct lu2kd_listener, io)->d;

	for (;;) {
		int fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ctl_client *c;

		if (fd < 0)
			return;
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->d = d;
		lu2k_loop_io_init(&c->io, fd, client_event);
		lu2k_heap_timer_init(&c->timer, client_timeout);
		if (lu2k_loop_timer_arm(&d->loop, &c->timer, CTL_TIMEOUT_NS)) {
			close(fd); /* no deadline, no client */
			free(c);
			continue;
		}
		if (lu2k_loop_io_set(&d->loop, &c->io, EPOLLIN))
			client_close(c);
	}
}

int lu2kd_ctl_start(struct lu2kd *d)
{
	struct lu2kd_usock_perm perm = { d->cfg.socket_group_set, d->cfg.socket_gid };
	int fd = lu2kd_usock_listen(d->cfg.ctl_socket, SOCK_STREAM, 16, &perm);

	if (fd < 0)
		return fd;
	d->ctl.d = d;
	d->ctl.open = true;
	lu2k_loop_io_init(&d->ctl.io, fd, ctl_event);
	return lu2k_loop_io_set(&d->loop, &d->ctl.io, EPOLLIN);
}

void lu2kd_ctl_stop(struct lu2kd *d)
{
	if (!d->ctl.open)
		return;
	lu2k_loop_io_set(&d->loop, &d->ctl.io, 0);
	close(d->ctl.io.fd);
	unlink(d->cfg.ctl_socket);
	d->ctl.open = false;
}
