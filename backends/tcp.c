/* SPDX-License-Identifier: MIT */
/*
 * tcp.c - the tcp back-end: kernel TCP, one connection per direction per
 * pair of NIDs (A's messages to B on A's connection, B's acks back on it).
 * This file: the instance, its options, listeners, connection setup and
 * teardown, and the ops table. The byte streams are in tcp_io.c; the frames
 * in tcp_wire.c (drawn in doc/protocol.txt).
 */
#include "tcp.h"
#include "be_src.h"
#include "be_auth.h"
#include "tcp_sockinfo.h"

#include "auth/peers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/nid.h"
#include "common/sockaddr.h"
#include "common/json.h"
#include "common/log.h"
#include "common/time.h"

#define B struct lu2k_be

static const struct lu2k_opt tcp_keys[] = {
	{ .key = "sndbuf",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(B, sndbuf),
	  .max = 1u << 30,
	  .flags = LU2K_OPT_F_SIZE,
	  .help = "socket send buffer (0: Linux's autotuning)" },
	{ .key = "rcvbuf",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(B, rcvbuf),
	  .max = 1u << 30,
	  .flags = LU2K_OPT_F_SIZE,
	  .help = "socket receive buffer (0: Linux's autotuning)" },
	{ .key = "hello_timeout_ms",
	  .type = LU2K_OPT_MS,
	  LU2K_OPT_AT(B, hello_timeout_ms),
	  .min = 1,
	  .max = 3600000,
	  .help = "an accepted connection must say hello by then" },
	{ .key = "body_timeout_ms",
	  .type = LU2K_OPT_MS,
	  LU2K_OPT_AT(B, body_timeout_ms),
	  .min = 100,
	  .max = 3600000,
	  .help = "a message body that gets no byte this long closes its connection" },
	{ .key = "backlog",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(B, backlog),
	  .min = 1,
	  .max = 65535,
	  .help = "listen() backlog" },
	{ .key = "max_halfopen_per_prefix",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(B, max_halfopen_per_prefix),
	  .min = 1,
	  .max = 1000000,
	  .help = "accepted connections without their hello yet from one /24 (IPv4) or /64 "
		  "(IPv6)" },
	{ .key = "max_halfopen",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(B, max_halfopen),
	  .max = 1000000,
	  .help = "accepted connections without their hello yet, in all; below max_conns (0: a "
		  "quarter of it)" },
	{ .key = "max_conns",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(B, max_conns),
	  .min = 1,
	  .max = 1000000,
	  .help = "incoming connections" },
	{ .key = "max_conns_out",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(B, max_conns_out),
	  .min = 1,
	  .max = 1000000,
	  .help = "outgoing connections" },
	{ .key = "max_conns_per_source",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(B, max_conns_per_source),
	  .min = 1,
	  .max = 1000000,
	  .help = "incoming connections from one address" },
	LU2K_OPT_END,
};

static int set_opt(struct lu2k_be *be, const struct lu2k_be_option *o, char *err, size_t errlen)
{
	return lu2k_opt_set_key(tcp_keys, "tcp back-end", be, o->key, o->value, o->where, err,
				errlen)
		       ? -EINVAL
		       : 0;
}

static bool tcp_idle(struct lu2k_idle *h)
{
	struct lu2k_be *be = lu2k_container_of(h, struct lu2k_be, idle);

	/* One writev per dirty connection per round: sends of a round are batched. */
	while (!lu2k_list_empty(&be->dirty)) {
		struct lu2k_be_conn *c =
			lu2k_list_first(&be->dirty, struct lu2k_be_conn, dirty_link);

		lu2k_list_del(&c->dirty_link);
		if (c->state == TCP_BROKEN)
			tcp_conn_fail(c, c->broken_err, true);
		else
			tcp_conn_flush(c);
	}
	return false;
}

static int tcp_check_option(const struct lu2k_be_env *env, const struct lu2k_be_option *o,
			    char *err, size_t errlen)
{
	/* a scratch instance: set_opt() only writes fields, never starts anything */
	struct lu2k_be *be = calloc(1, sizeof(*be));
	int rc;

	if (!be)
		return -ENOMEM;
	be->env = *env;
	rc = set_opt(be, o, err, errlen);
	free(be);
	return rc;
}

/* the options' defaults (sndbuf, rcvbuf 0: the kernel's autotuning) */
static void tcp_defaults(struct lu2k_be *be, const struct lu2k_be_env *env)
{
	be->env = *env;
	be->hello_timeout_ms = 10000;
	be->body_timeout_ms = 30000;
	be->backlog = 1024;
	be->max_halfopen_per_prefix = 256;
	be->max_conns = 4096;
	be->max_conns_out = 4096;
	be->max_conns_per_source = 256;
}

static int tcp_create(const struct lu2k_be_env *env, const struct lu2k_be_option *opts,
		      unsigned int nopts, char *err, size_t errlen, struct lu2k_be **out)
{
	struct lu2k_be *be = calloc(1, sizeof(*be));

	if (!be)
		return -ENOMEM;
	be->env = *env;
	lu2k_list_init(&be->listeners);
	lu2k_list_init(&be->conns);
	lu2k_list_init(&be->dirty);
	tcp_defaults(be, env);
	for (unsigned int i = 0; i < nopts; i++) {
		if (set_opt(be, &opts[i], err, errlen)) {
			free(be);
			return -EINVAL;
		}
	}
	/* unproven connections must leave room for those that said hello */
	if (be->max_halfopen >= be->max_conns) {
		snprintf(err, errlen,
			 "tcp back-end: max_halfopen (%u) must be below max_conns (%u), so that "
			 "connections that said hello keep room",
			 be->max_halfopen, be->max_conns);
		free(be);
		return -EINVAL;
	}
	tcp_fd_reserve_init(be);
	lu2k_loop_idle_add(env->loop, &be->idle, tcp_idle);
	*out = be;
	return 0;
}

static void conn_free(struct lu2k_defer *d)
{
	struct lu2k_be_conn *c = lu2k_container_of(d, struct lu2k_be_conn, defer);

	if (c->rbuf != c->rsmall)
		free(c->rbuf);
	tcp_sec_free(c);
	free(c->hello_addrs);
	free(c);
}

static void conn_timer(struct lu2k_timer *t);

struct lu2k_be_conn *tcp_conn_new(struct lu2k_be *be, int fd, bool out)
{
	struct lu2k_be_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (out) {
		c->rbuf = c->rsmall;
		c->rcap = TCP_RBUF_OUT;
	} else {
		c->rbuf = malloc(TCP_RBUF_IN);
		c->rcap = TCP_RBUF_IN;
		if (!c->rbuf) {
			free(c);
			return NULL;
		}
	}
	c->be = be;
	c->out = out;
	if (out)
		be->nconns_out++;
	else
		be->nconns_in++;
	lu2k_loop_io_init(&c->io, fd, tcp_conn_event);
	lu2k_heap_timer_init(&c->timer, conn_timer);
	lu2k_list_init(&c->sendq);
	lu2k_list_init(&c->ackq);
	lu2k_list_init(&c->dirty_link);
	lu2k_list_add_tail(&be->conns, &c->link);
	c->next_seq = 1;
	c->expect_seq = 1;
	return c;
}

static void fail_list(struct lu2k_be_conn *c, struct lu2k_list *q, int err)
{
	while (!lu2k_list_empty(q)) {
		struct lu2k_be_msg *m = lu2k_list_first(q, struct lu2k_be_msg, be_link);

		lu2k_list_del(&m->be_link);
		c->be->env.sent(c->ctx, m, err);
	}
}

/*
 * Tear c down: no more I/O, every held message fails with err, a begun RX
 * buffer is ended, and (if upcall) the core hears closed(). Idempotent.
 */
void tcp_conn_fail(struct lu2k_be_conn *c, int err, bool upcall)
{
	struct lu2k_be *be = c->be;

	if (c->state == TCP_DEAD)
		return;
	if (upcall && c->state == TCP_UP && err != -ESHUTDOWN)
		be->st.conns_failed++;
	else if (upcall && err == -ESHUTDOWN)
		be->st.conns_closed_by_peer++;
	c->state = TCP_DEAD;
	if (c->out)
		be->nconns_out--;
	else
		be->nconns_in--;
	lu2k_loop_io_set(be->env.loop, &c->io, 0);
	close(c->io.fd);
	tcp_sec_wipe(c); /* the session keys are gone with the connection */
	lu2k_loop_timer_cancel(be->env.loop, &c->timer);
	lu2k_list_del(&c->dirty_link);
	lu2k_list_del(&c->link);
	if (c->ctx) {
		fail_list(c, &c->sendq, err);
		fail_list(c, &c->ackq, err);
		if (c->rx_active) {
			c->rx_active = false;
			be->env.rx_end(c->ctx, &c->rx, err);
		}
		if (upcall)
			be->env.closed(c->ctx, err);
	}
	c->ctx = NULL;
	lu2k_loop_defer(be->env.loop, &c->defer, conn_free);
}

/* The stream cannot continue but we are inside a core call: tear down from a timer. */
void tcp_conn_break(struct lu2k_be_conn *c, int err)
{
	if (c->state == TCP_DEAD || c->state == TCP_BROKEN)
		return;
	c->state = TCP_BROKEN;
	c->broken_err = err;
	lu2k_loop_io_set(c->be->env.loop, &c->io, 0);
	if (lu2k_loop_timer_arm(c->be->env.loop, &c->timer, 0))
		tcp_conn_mark_dirty(c); /* no timer: the idle hook tears it down */
}

/*
 * A message body began (its RX-pool range is taken): it must keep growing.
 * A peer that sends a header and then nothing would hold that range for as
 * long as it keeps the connection (17 such 4 MiB messages filled a 64 MiB
 * pool and stopped every honest sender to the interface).
 */
void tcp_conn_body_begun(struct lu2k_be_conn *c)
{
	struct lu2k_loop *loop = c->be->env.loop;

	c->rx_last_ns = loop->now;
	if (lu2k_loop_timer_arm(loop, &c->timer, lu2k_time_ms_to_ns(c->be->body_timeout_ms)))
		tcp_conn_break(c, -ENOMEM); /* no deadline, no connection */
}

static void conn_timer(struct lu2k_timer *t)
{
	struct lu2k_be_conn *c = lu2k_container_of(t, struct lu2k_be_conn, timer);
	struct lu2k_be *be = c->be;
	char a[INET6_ADDRSTRLEN + 8];

	if (c->state == TCP_BROKEN) {
		tcp_conn_fail(c, c->broken_err, true);
	} else if (c->state == TCP_HELLO) {
		be->st.hello_timeouts++;
		LOG_RL(LU2K_LOG_WARN, "tcp: no hello from %s in %u ms, closing",
		       lu2k_sockaddr_addr(&c->addr, a, sizeof(a)), be->hello_timeout_ms);
		tcp_conn_fail(c, -ETIMEDOUT, false);
	} else if (c->state == TCP_UP && !c->out && c->rx_active) {
		uint64_t due = c->rx_last_ns + lu2k_time_ms_to_ns(be->body_timeout_ms);

		if (be->env.loop->now < due) {
			if (lu2k_loop_timer_arm_at(be->env.loop, &c->timer, due))
				tcp_conn_fail(c, -ENOMEM, true);
			return;
		}
		be->st.body_timeouts++;
		LOG_RL(LU2K_LOG_WARN,
		       "tcp: a message from %s stopped after %u of %u bytes for %u ms: closing "
		       "that connection (body_timeout_ms)",
		       lu2k_sockaddr_addr(&c->addr, a, sizeof(a)), c->rx_got,
		       c->rx.hdr_len + c->rx.payload_len, be->body_timeout_ms);
		tcp_conn_fail(c, -ETIMEDOUT, true);
	}
}

void tcp_sock_tune(struct lu2k_be *be, int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* 0 = leave the kernel's autotuning alone (it grows to tcp_[rw]mem max). */
	if (be->sndbuf)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &be->sndbuf, sizeof(be->sndbuf));
	if (be->rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &be->rcvbuf, sizeof(be->rcvbuf));
}

/* The connector's hello arrived on an incoming connection. */
void tcp_conn_hello_in(struct lu2k_be_conn *c, const struct lu2k_tcpw_hello *h)
{
	struct lu2k_be *be = c->be;
	struct lu2k_tcpw_hello r = { .version = LU2K_TCPW_VERSION };
	char a[LU2K_NID_STRLEN], b[LU2K_NID_STRLEN];
	struct sockaddr_storage ss;
	int status = 0;
	void *ctx = NULL;

	lu2k_loop_timer_cancel(be->env.loop, &c->timer);
	c->local = h->dst;
	if (h->status || strcmp(h->backend, "tcp") != 0)
		status = -EPROTO;
	else if (c->sec && !tcp_sec_hello_ok(c, &h->src, &h->dst))
		status = -EACCES; /* not the NIDs its key was allowed for */
	else if (!c->lsock || lu2k_nid_to_sockaddr(&h->dst, c->lsock->port, &ss) < 0 ||
		 !lu2k_sockaddr_equal(&ss, &c->lsock->ss))
		status = -ENXIO; /* not a NID of the address it reached */
	else
		ctx = be->env.accepted(be->env.core, c, &h->src, &h->dst, &status);
	c->lsock = NULL;
	if (c->state == TCP_DEAD)
		return;
	c->remote = h->src;
	r.src = c->local;
	r.dst = h->src;
	snprintf(r.backend, sizeof(r.backend), "tcp");
	if (!ctx) {
		be->st.refused++;
		r.status = status ? status : -ECONNREFUSED;
		LOG_RL(LU2K_LOG_WARN, "tcp: refusing %s -> %s: %s",
		       lu2k_nid_format(&h->src, a, sizeof(a)),
		       lu2k_nid_format(&h->dst, b, sizeof(b)), strerror(-r.status));
		c->close_after_flush = true;
	} else {
		c->ctx = ctx;
		c->state = TCP_UP;
		c->up_ns = be->env.loop->now;
		be->st.conns_in++;
		LOG_RL(LU2K_LOG_INFO, "tcp: incoming connection from %s to %s%s",
		       lu2k_nid_format(&h->src, a, sizeof(a)),
		       lu2k_nid_format(&h->dst, b, sizeof(b)),
		       h->naddrs ? " (with its other addresses)" : "");
		if (h->naddrs && be->env.peer_addrs) {
			struct lu2k_be_addrs l = { .n = h->naddrs };

			memcpy(l.nid, h->addrs, h->naddrs * sizeof(l.nid[0]));
			be->env.peer_addrs(ctx, &l);
			if (c->state == TCP_DEAD)
				return;
		}
	}
	lu2k_tcpw_hello_encode(c->ctrl + c->ctrl_len, &r);
	c->ctrl_len += LU2K_TCPW_HELLO_LEN;
	tcp_conn_mark_dirty(c);
}

/* ---- connecting ---- */

static int tcp_hello_addrs(struct lu2k_be_conn *c, const struct lu2k_be_addrs *a)
{
	if (!c->out || c->state != TCP_CONNECTING || !a->n || a->n > LU2K_TCPW_MAX_ADDRS)
		return -EINVAL;
	if (!c->hello_addrs && !(c->hello_addrs = malloc(sizeof(*c->hello_addrs))))
		return -ENOMEM;
	*c->hello_addrs = *a;
	return 0;
}

static int tcp_connect(struct lu2k_be *be, const struct lu2k_nid *local, const struct lu2k_nid *src,
		       const struct lu2k_nid *remote, uint16_t port, void *ctx,
		       struct lu2k_be_conn **out)
{
	struct sockaddr_storage ss;
	struct lu2k_be_conn *c;
	int len, fd, rc;

	len = lu2k_nid_to_sockaddr(remote, port, &ss);
	if (len < 0)
		return len;
	if (be->env.auth && !lu2k_auth_key_for(be->env.auth, remote)) {
		char n[LU2K_NID_STRLEN];

		be->env.auth->st.no_peer_key++;
		LOG_RL(LU2K_LOG_WARN,
		       "tcp: no key listed for %s ([auth] peer lines): not connecting (with keys "
		       "on, never in plaintext)",
		       lu2k_nid_format(remote, n, sizeof(n)));
		return -EACCES;
	}
	/* apart from incoming ones, so that peers connecting to us never stop us reaching ours */
	if (be->nconns_out >= be->max_conns_out) {
		be->st.too_many_conns++;
		LOG_RL(LU2K_LOG_WARN,
		       "tcp: outgoing connections at their limit (max_conns_out %u): not "
		       "connecting",
		       be->max_conns_out);
		return -EMFILE;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	tcp_sock_tune(be, fd);
	/* Without src the routing table picks the source address and next hop. */
	rc = src ? lu2k_be_bind_src(fd, src, ss.ss_family) : 0;
	if (rc) {
		be->st.connect_errors++;
		close(fd);
		return rc;
	}
	if (connect(fd, (struct sockaddr *)&ss, (socklen_t)len) < 0 && errno != EINPROGRESS) {
		rc = -errno;
		be->st.connect_errors++;
		close(fd);
		return rc;
	}
	c = tcp_conn_new(be, fd, true);
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->ctx = ctx;
	c->addr = ss;
	c->local = *local;
	c->remote = *remote;
	c->state = TCP_CONNECTING;
	rc = lu2k_loop_io_set(be->env.loop, &c->io, EPOLLOUT);
	if (rc) {
		c->ctx = NULL;
		tcp_conn_fail(c, rc, false);
		return rc;
	}
	*out = c;
	return 0;
}

/*
 * connect() finished well: say hello (messages may follow at once: no round
 * trip). With keys, the handshake comes first; this runs again once it is done.
 */
void tcp_conn_connected(struct lu2k_be_conn *c)
{
	struct lu2k_tcpw_hello h = { .version = LU2K_TCPW_VERSION };

	if (c->be->env.auth && !c->sec) {
		int rc = tcp_sec_start_out(c);

		if (rc) {
			tcp_conn_fail(c, rc, true);
			return;
		}
		c->state = TCP_SECURING;
		tcp_conn_update_events(c, false);
		return;
	}

	snprintf(h.backend, sizeof(h.backend), "tcp");
	h.src = c->local;
	h.dst = c->remote;
	if (c->hello_addrs) {
		h.naddrs = c->hello_addrs->n;
		memcpy(h.addrs, c->hello_addrs->nid, h.naddrs * sizeof(h.addrs[0]));
		free(c->hello_addrs);
		c->hello_addrs = NULL;
	}
	lu2k_tcpw_hello_encode(c->ctrl, &h);
	c->ctrl_len = (uint32_t)lu2k_tcpw_hello_len(&h);
	c->state = TCP_UP;
	c->up_ns = c->be->env.loop->now;
	c->be->st.conns_out++;
	tcp_conn_update_events(c, true);
	c->be->env.connected(c->ctx);
	if (c->state == TCP_UP)
		tcp_conn_mark_dirty(c);
}

/* ---- messages ---- */

static int tcp_send(struct lu2k_be_conn *c, struct lu2k_be_msg *m)
{
	if (!c->out || c->state == TCP_DEAD || c->state == TCP_BROKEN)
		return -ENOTCONN;
	m->be_seq = c->next_seq++;
	m->be_off = 0;
	if (m->mid.epoch)
		lu2k_tcpw_msgid_encode(m->be_priv, m->be_seq, m->hdr_len, m->payload_len,
				       &m->target, m->mid.epoch, m->mid.id, m->mid.low);
	else
		lu2k_tcpw_msg_encode(m->be_priv, m->be_seq, m->hdr_len, m->payload_len, &m->target);
	lu2k_list_add_tail(&c->sendq, &m->be_link);
	c->nsendq++;
	if (c->state == TCP_UP)
		tcp_conn_mark_dirty(c);
	return 0;
}

static void tcp_cancel(struct lu2k_be_conn *c, struct lu2k_be_msg *m, int status)
{
	bool partial = m->be_off > 0 && m->be_seq > c->written_seq;

	c->be->st.cancels++;
	if (m->be_seq > c->written_seq)
		c->nsendq--;
	else
		c->nackq--;
	lu2k_list_del(&m->be_link);
	c->be->env.sent(c->ctx, m, status);
	/* Half a frame is on the wire: the stream cannot be framed any more. */
	if (partial)
		tcp_conn_break(c, -ECONNRESET);
}

static void tcp_rx_resume(struct lu2k_be_conn *c)
{
	if (c->state != TCP_UP || !c->rx_paused)
		return;
	tcp_conn_rx_resume(c);
}

/*
 * Closing on purpose: say goodbye, so the other end logs a peer that left
 * rather than a failed connection. Only between frames (bytes of a frame
 * left half-written would turn the goodbye into garbage) and only if the
 * socket takes it at once: a goodbye is worth no wait.
 */
static void say_bye(struct lu2k_be_conn *c)
{
	uint8_t b[TCP_CTRL_LEN + LU2K_TCPW_ACK_HLEN];
	size_t n = 0;
	struct lu2k_be_msg *m = lu2k_list_first(&c->sendq, struct lu2k_be_msg, be_link);

	if (c->state != TCP_UP || c->ctrl_off || (m && m->be_off))
		return;
	if (c->sec && tcp_sec_out_pending(c)) /* half a sealed record is out */
		return;
	memcpy(b, c->ctrl, c->ctrl_len); /* an ack not yet written goes first */
	n = c->ctrl_len;
	n += lu2k_tcpw_bye_encode(b + n);
	if (c->sec) {
		struct iovec iov = { b, n };

		/* one sealed record, like any other frame with keys on */
		if (tcp_sec_writev(c, &iov, 1) == (ssize_t)n && !tcp_sec_out_pending(c))
			c->be->st.byes_tx++;
	} else if (send(c->io.fd, b, n, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)n) {
		c->be->st.byes_tx++;
	}
}

static void tcp_close(struct lu2k_be_conn *c)
{
	say_bye(c);
	tcp_conn_fail(c, -ECANCELED, false);
}

static void tcp_destroy(struct lu2k_be *be)
{
	while (!lu2k_list_empty(&be->conns))
		tcp_close(lu2k_list_first(&be->conns, struct lu2k_be_conn, link));
	/* Listeners belong to the core's interfaces, which unlisten() before this. */
	lu2k_loop_idle_del(&be->idle);
	free(be);
}

static const char *state_str(enum tcp_state s)
{
	static const char *const n[] = {
		"connecting", "securing", "hello", "up", "broken", "dead"
	};

	return (unsigned int)s < 6 ? n[s] : "?";
}

/*
 * Multipath's view of an outgoing connection (backend.h): TCP's smoothed
 * RTT, bytes its peer acknowledged (progress), segments and retransmissions,
 * and what was never sent: the socket's unsent bytes and our frames not yet
 * written to it.
 */
static int tcp_path_stats(struct lu2k_be_conn *c, struct lu2k_be_path_stats *ps)
{
	struct lu2k_tcp_sockinfo si;
	struct lu2k_list *pos;
	uint64_t queued = 0;

	if (!c->out || c->state != TCP_UP || lu2k_tcp_sockinfo(c->io.fd, &si))
		return -ENOTCONN;
	ps->rtt_ns = lu2k_time_us_to_ns(si.rtt_us);
	ps->acks = si.bytes_acked;
	ps->pkts_sent = si.segs_out;
	ps->pkts_retrans = si.total_retrans;
	if (!si.notsent_known || !si.bytes_acked)
		return 0; /* an old kernel: progress by whole messages, unsent unknown */
	lu2k_list_for_each(pos, &c->sendq)
	{
		const struct lu2k_be_msg *m = lu2k_container_of(pos, struct lu2k_be_msg, be_link);
		uint64_t hlen = m->mid.epoch ? LU2K_TCPW_MSGID_HLEN : LU2K_TCPW_MSG_HLEN;

		queued += hlen + m->hdr_len + m->payload_len - m->be_off;
	}
	ps->unsent = si.notsent_bytes + queued;
	return 0;
}

static void tcp_conn_info(struct lu2k_be_conn *c, struct lu2k_json *j)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (c->addr.ss_family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&c->addr;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		port = ntohs(s->sin_port);
	} else if (c->addr.ss_family == AF_INET6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&c->addr;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		port = ntohs(s->sin6_port);
	}
	lu2k_json_str(j, "tcp_state", state_str(c->state));
	if (c->sec)
		tcp_sec_conn_info(c, j);
	/* connected() comes with TCP's handshake; only the hello answer proves a lu2kd */
	if (c->out)
		lu2k_json_bool(j, "peer_answered", c->state == TCP_UP && c->hello_seen);
	{
		struct lu2k_tcp_sockinfo si;

		if (c->state != TCP_DEAD && !lu2k_tcp_sockinfo(c->io.fd, &si)) {
			lu2k_json_u64(j, "rtt_us", si.rtt_us);
			if (c->out)
				lu2k_json_u64(j, "bytes_acked", si.bytes_acked);
		}
	}
	lu2k_json_str(j, "address", a);
	lu2k_json_u64(j, "port", port);
	lu2k_json_u64(j, "msgs_tx", c->msgs_tx);
	lu2k_json_u64(j, "msgs_rx", c->msgs_rx);
	lu2k_json_u64(j, "bytes_tx", c->bytes_tx);
	lu2k_json_u64(j, "bytes_rx", c->bytes_rx);
	if (c->out) {
		lu2k_json_u64(j, "queued", c->nsendq);
		lu2k_json_u64(j, "unacked", c->nackq);
		lu2k_json_u64(j, "next_seq", c->next_seq);
		lu2k_json_u64(j, "acked_seq", c->acked_seq);
	} else {
		lu2k_json_u64(j, "expect_seq", c->expect_seq);
		lu2k_json_bool(j, "rx_paused", c->rx_paused);
	}
}

static void tcp_stats(struct lu2k_be *be, struct lu2k_json *j)
{
	const struct tcp_stats *s = &be->st;

	lu2k_json_u64(j, "listeners", s->listeners);
	lu2k_json_u64(j, "conns_out", s->conns_out);
	lu2k_json_u64(j, "conns_in", s->conns_in);
	lu2k_json_u64(j, "accepts", s->accepts);
	lu2k_json_u64(j, "accept_pauses", s->accept_pauses);
	lu2k_json_u64(j, "too_many_from_prefix", s->too_many_from_prefix);
	lu2k_json_u64(j, "conns_now_in", be->nconns_in);
	lu2k_json_u64(j, "conns_now_out", be->nconns_out);
	lu2k_json_u64(j, "too_many_conns", s->too_many_conns);
	lu2k_json_u64(j, "too_many_from_source", s->too_many_from_source);
	lu2k_json_u64(j, "too_many_halfopen", s->too_many_halfopen);
	lu2k_json_u64(j, "halfopen_evicted", s->halfopen_evicted);
	lu2k_json_u64(j, "fd_reserve_pauses", s->fd_reserve_pauses);
	lu2k_json_u64(j, "refused", s->refused);
	lu2k_json_u64(j, "connect_errors", s->connect_errors);
	lu2k_json_u64(j, "conns_failed", s->conns_failed);
	lu2k_json_u64(j, "conns_closed_by_peer", s->conns_closed_by_peer);
	lu2k_json_u64(j, "byes_tx", s->byes_tx);
	lu2k_json_u64(j, "malformed", s->malformed);
	lu2k_json_u64(j, "hello_timeouts", s->hello_timeouts);
	lu2k_json_u64(j, "body_timeouts", s->body_timeouts);
	lu2k_json_u64(j, "msgs_tx", s->msgs_tx);
	lu2k_json_u64(j, "msgs_rx", s->msgs_rx);
	lu2k_json_u64(j, "bytes_tx", s->bytes_tx);
	lu2k_json_u64(j, "bytes_rx", s->bytes_rx);
	lu2k_json_u64(j, "acks_tx", s->acks_tx);
	lu2k_json_u64(j, "acks_rx", s->acks_rx);
	lu2k_json_u64(j, "writev_calls", s->writev_calls);
	lu2k_json_u64(j, "auth_refused", s->auth_refused);
	lu2k_json_u64(j, "auth_bad_records", s->auth_bad_records);
	lu2k_json_u64(j, "auth_records_tx", s->auth_records_tx);
	lu2k_json_u64(j, "auth_records_rx", s->auth_records_rx);
	if (be->env.auth)
		lu2k_be_auth_stats_json(&be->env.auth->st, j);
	lu2k_json_u64(j, "read_calls", s->read_calls);
	lu2k_json_u64(j, "rx_pauses", s->rx_pauses);
	lu2k_json_u64(j, "cancels", s->cancels);
	lu2k_json_i64(j, "sndbuf", be->sndbuf);
	lu2k_json_i64(j, "rcvbuf", be->rcvbuf);
}

static int tcp_peer_addr(struct lu2k_be_conn *c, struct sockaddr_storage *ss)
{
	*ss = c->addr;
	return 0;
}

const struct lu2k_backend_ops lu2k_backend_tcp = {
	.keys = tcp_keys,
	.size = sizeof(struct lu2k_be),
	.defaults = tcp_defaults,
	.name = "tcp",
	.description = "kernel TCP, one connection per direction per peer pair",
	.auth = true,
	.msg_ids = true,
	.check_option = tcp_check_option,
	.create = tcp_create,
	.destroy = tcp_destroy,
	.listen = tcp_listen,
	.unlisten = tcp_unlisten,
	.connect = tcp_connect,
	.hello_addrs = tcp_hello_addrs,
	.send = tcp_send,
	.cancel = tcp_cancel,
	.rx_resume = tcp_rx_resume,
	.close = tcp_close,
	.peer_addr = tcp_peer_addr,
	.path_stats = tcp_path_stats,
	.conn_info = tcp_conn_info,
	.stats = tcp_stats,
};
