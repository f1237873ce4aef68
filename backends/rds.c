/* SPDX-License-Identifier: MIT */
/*
 * rds.c - the rds back-end: AF_RDS sockets (rds_tcp, or RDS over InfiniBand),
 * one per local address, carrying lu2k's unidirectional connections as
 * (conn id, peer address) pairs. This file: the instance, its options, the
 * sockets, connection setup and the ops table. Connections' teardown and
 * deadlines are in rds_conn.c, frames in and out in rds_io.c, their format
 * in rds_wire.c.
 */
#include "rds.h"
#include "rds_sec.h"
#include "be_auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rds.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/nid.h"
#include "common/sockaddr.h"
#include "auth/peers.h"
#include "common/json.h"
#include "common/log.h"
#include "common/num.h"
#include "common/time.h"

/* ---- the real system calls ---- */

static int sys_socket(void)
{
	int fd = socket(AF_RDS, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

static int sys_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	return bind(fd, sa, len) ? -errno : 0;
}

static int sys_setsockopt(int fd, int level, int name, const void *v, socklen_t len)
{
	return setsockopt(fd, level, name, v, len) ? -errno : 0;
}

static int sys_getsockopt(int fd, int level, int name, void *v, socklen_t *len)
{
	return getsockopt(fd, level, name, v, len) ? -errno : 0;
}

static ssize_t sys_sendmsg(int fd, const struct msghdr *m)
{
	/* rds_sendmsg() refuses any flag but DONTWAIT, CMSG_COMPAT and ZEROCOPY. */
	ssize_t n = sendmsg(fd, m, MSG_DONTWAIT);

	return n < 0 ? -errno : n;
}

static ssize_t sys_recvmsg(int fd, struct msghdr *m)
{
	ssize_t n = recvmsg(fd, m, MSG_DONTWAIT);

	return n < 0 ? -errno : n;
}

static void sys_close(int fd)
{
	close(fd);
}

static const struct lu2k_rds_sockops sys_ops = {
	.socket = sys_socket,
	.bind = sys_bind,
	.setsockopt = sys_setsockopt,
	.getsockopt = sys_getsockopt,
	.sendmsg = sys_sendmsg,
	.recvmsg = sys_recvmsg,
	.close = sys_close,
};

const struct lu2k_rds_sockops *lu2k_rds_sockops = &sys_ops;

/* ---- options ---- */

#define B		  struct lu2k_be
#define RDS_MS(f, lo, hi) .type = LU2K_OPT_MS, LU2K_OPT_AT(B, f), .min = (lo), .max = (hi)

static const struct lu2k_opt rds_keys[] = {
	{ .key = "sndbuf",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(B, sndbuf),
	  .max = 1u << 30,
	  .flags = LU2K_OPT_F_SIZE,
	  .help = "socket send buffer" },
	{ .key = "rcvbuf",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(B, rcvbuf),
	  .max = 1u << 30,
	  .flags = LU2K_OPT_F_SIZE,
	  .help = "socket receive buffer" },
	{ .key = "frag_size",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(B, frag),
	  .min = 1024,
	  /* pieces are cut to fit with the longest header (a multipath id's) anyway */
	  .max = LU2K_RDSW_RDS_MAX - LU2K_RDSW_DATA_LEN,
	  .flags = LU2K_OPT_F_SIZE,
	  .help = "bytes of a message per RDS message" },
	{ .key = "hello_timeout_ms",
	  RDS_MS(hello_timeout_ms, 200, 3600000),
	  .help = "a hello without an answer fails the connection" },
	{ .key = "ack_timeout_ms",
	  RDS_MS(ack_timeout_ms, 200, 3600000),
	  .help = "a peer silent this long is gone" },
	{ .key = "cong_retry_ms",
	  RDS_MS(cong_retry_ms, 1, 60000),
	  .help = "retry after ENOBUFS if no congestion update came" },
	LU2K_OPT_END,
};

static int set_opt(struct lu2k_be *be, const struct lu2k_be_option *o, char *err, size_t errlen)
{
	return lu2k_opt_set_key(rds_keys, "rds back-end", be, o->key, o->value, o->where, err,
				errlen)
		       ? -EINVAL
		       : 0;
}

static int rds_check_option(const struct lu2k_be_env *env, const struct lu2k_be_option *o,
			    char *err, size_t errlen)
{
	struct lu2k_be be = { .env = *env };

	return set_opt(&be, o, err, errlen);
}

static bool rds_idle(struct lu2k_idle *h)
{
	struct lu2k_be *be = lu2k_container_of(h, struct lu2k_be, idle);
	struct lu2k_list more;
	bool busy = false;

	lu2k_list_init(&more);
	while (!lu2k_list_empty(&be->dirty)) {
		struct lu2k_be_conn *c =
			lu2k_list_first(&be->dirty, struct lu2k_be_conn, dirty_link);

		lu2k_list_del(&c->dirty_link);
		if (c->state == RDSB_BROKEN) {
			rdsb_conn_fail(c, c->broken_err, true);
			continue;
		}
		if (rdsb_conn_flush(c) && c->state != RDSB_DEAD &&
		    !lu2k_list_linked(&c->dirty_link))
			lu2k_list_add_tail(&more, &c->dirty_link);
	}
	/* Connections with more to send go on in the next round. */
	while (!lu2k_list_empty(&more)) {
		struct lu2k_list *n = more.next;

		lu2k_list_del(n);
		lu2k_list_add_tail(&be->dirty, n);
		busy = true;
	}
	return busy;
}

/* ---- the instance ---- */

static void rds_defaults(struct lu2k_be *be, const struct lu2k_be_env *env)
{
	be->env = *env;
	be->sndbuf = 16 << 20;
	be->rcvbuf = 16 << 20;
	be->frag = 256 << 10;
	be->hello_timeout_ms = 10000;
	be->ack_timeout_ms = 30000;
	be->cong_retry_ms = 200;
}

static int rds_create(const struct lu2k_be_env *env, const struct lu2k_be_option *opts,
		      unsigned int nopts, char *err, size_t errlen, struct lu2k_be **out)
{
	struct lu2k_be *be = calloc(1, sizeof(*be));
	int fd;

	if (!be)
		return -ENOMEM;
	be->env = *env;
	lu2k_list_init(&be->socks);
	lu2k_list_init(&be->conns);
	lu2k_list_init(&be->dirty);
	rds_defaults(be, env);
	for (unsigned int i = 0; i < nopts; i++) {
		if (set_opt(be, &opts[i], err, errlen)) {
			free(be);
			return -EINVAL;
		}
	}
	be->keepalive_ms = be->ack_timeout_ms / 4;
	/* Is there RDS at all? (The module loads on demand where it exists.) */
	fd = lu2k_rds_sockops->socket();
	if (fd == -EAFNOSUPPORT) {
		/* a seccomp filter (systemd's RestrictAddressFamilies) answers the same */
		snprintf(err, errlen,
			 "this kernel has no RDS sockets (socket(AF_RDS): %s); load RDS over TCP "
			 "with 'modprobe rds_tcp' (or rds_rdma for InfiniBand), or choose another "
			 "back-end (under systemd: is AF_RDS in the unit's "
			 "RestrictAddressFamilies?)",
			 strerror(-fd));
		free(be);
		return fd;
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot open an RDS socket (socket(AF_RDS): %s)",
			 strerror(-fd));
		free(be);
		return fd;
	}
	lu2k_rds_sockops->close(fd);
	if (env->auth) {
		be->sbuf = malloc(LU2K_RDSW_RDS_MAX);
		if (!be->sbuf) {
			free(be);
			return -ENOMEM;
		}
	}
	if (getrandom(&be->next_id, sizeof(be->next_id), 0) != sizeof(be->next_id))
		be->next_id = lu2k_loop_now_ns() ^ ((uint64_t)getpid() << 32);
	be->next_id &= ~0xffffull; /* leave room to count up from it */
	be->next_id |= 1;
	lu2k_heap_timer_init(&be->tick, rdsb_tick);
	lu2k_loop_idle_add(env->loop, &be->idle, rds_idle);
	*out = be;
	return 0;
}

static void rds_close(struct lu2k_be_conn *c);

static void rds_destroy(struct lu2k_be *be)
{
	while (!lu2k_list_empty(&be->conns))
		rds_close(lu2k_list_first(&be->conns, struct lu2k_be_conn, link));
	lu2k_loop_timer_cancel(be->env.loop, &be->tick);
	lu2k_loop_idle_del(&be->idle);
	free(be->sbuf);
	free(be);
}

/* ---- sockets ---- */

static void set_buf(int fd, int force, int plain, int bytes)
{
	/* FORCE (CAP_NET_ADMIN) passes net.core.[rw]mem_max; else the capped one. */
	if (bytes && lu2k_rds_sockops->setsockopt(fd, SOL_SOCKET, force, &bytes, sizeof(bytes)))
		lu2k_rds_sockops->setsockopt(fd, SOL_SOCKET, plain, &bytes, sizeof(bytes));
}

/* The control socket of an address: port 0 lets RDS pick one. -1 if none. */
static int ctrl_open(struct lu2k_be *be, const struct sockaddr_storage *ss, int len)
{
	struct sockaddr_storage c = *ss;
	int fd = lu2k_rds_sockops->socket();

	if (fd < 0)
		return -1;
	((struct sockaddr_in *)&c)->sin_port = 0; /* sin6_port is at the same place */
	set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, 1 << 20);
	if (lu2k_rds_sockops->bind(fd, (const struct sockaddr *)&c, (socklen_t)len)) {
		lu2k_rds_sockops->close(fd);
		LOG_WARN("rds: no control socket: acks share the messages' queue");
		return -1;
	}
	return fd;
}

static struct rdsb_sock *sock_get(struct lu2k_be *be, const struct lu2k_nid *local, uint16_t port,
				  int *err)
{
	struct sockaddr_storage ss;
	char nid[LU2K_NID_STRLEN];
	struct lu2k_list *pos;
	struct rdsb_sock *s;
	int len, fd, one = 1, sndbuf = 0;
	socklen_t sl = sizeof(sndbuf);

	len = lu2k_nid_to_sockaddr(local, port, &ss);
	if (len < 0) {
		*err = len;
		return NULL;
	}
	lu2k_list_for_each(pos, &be->socks)
	{
		s = lu2k_container_of(pos, struct rdsb_sock, link);
		if (lu2k_sockaddr_equal(&s->ss, &ss)) {
			s->refs++;
			return s;
		}
	}
	fd = lu2k_rds_sockops->socket();
	if (fd < 0) {
		*err = fd;
		LOG_ERR("rds: socket(AF_RDS): %s (modprobe rds_tcp?)", strerror(-fd));
		return NULL;
	}
	set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, be->sndbuf);
	set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, be->rcvbuf);
	lu2k_rds_sockops->setsockopt(fd, SOL_RDS, RDS_CONG_MONITOR, &one, sizeof(one));
	*err = lu2k_rds_sockops->bind(fd, (const struct sockaddr *)&ss, (socklen_t)len);
	if (*err) {
		LOG_ERR("rds: cannot bind an RDS socket to the address of %s port %u: %s%s",
			lu2k_nid_format(local, nid, sizeof(nid)), port, strerror(-*err),
			*err == -EADDRNOTAVAIL
				? " (no RDS transport takes that address: modprobe rds_tcp)"
				: "");
		lu2k_rds_sockops->close(fd);
		return NULL;
	}
	if (lu2k_rds_sockops->getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) || sndbuf <= 0)
		sndbuf = 212992;
	s = calloc(1, sizeof(*s));
	if (s)
		s->rbuf = malloc(LU2K_RDSW_RDS_MAX);
	if (!s || !s->rbuf) {
		free(s);
		lu2k_rds_sockops->close(fd);
		*err = -ENOMEM;
		return NULL;
	}
	s->be = be;
	s->ss = ss;
	s->sslen = (socklen_t)len;
	s->port = port;
	s->refs = 1;
	/* RDS takes a message of at most 1 MiB and at most half the send buffer. */
	s->frag =
		(uint32_t)sndbuf / 2 < LU2K_RDSW_RDS_MAX ? (uint32_t)sndbuf / 2 : LU2K_RDSW_RDS_MAX;
	s->frag -= LU2K_RDSW_MAX_HLEN + (be->env.auth ? LU2K_RDSW_SEAL_OVERHEAD : 0);
	if (s->frag > be->frag)
		s->frag = be->frag;
	lu2k_loop_io_init(&s->io, fd, rdsb_sock_event);
	lu2k_loop_io_init(&s->cio, ctrl_open(be, &ss, len), rdsb_ctrl_event);
	*err = lu2k_loop_io_set(be->env.loop, &s->io, EPOLLIN);
	if (*err) {
		lu2k_rds_sockops->close(fd);
		if (s->cio.fd >= 0)
			lu2k_rds_sockops->close(s->cio.fd);
		free(s->rbuf);
		free(s);
		return NULL;
	}
	lu2k_list_add_tail(&be->socks, &s->link);
	be->st.sockets++;
	LOG_INFO("rds: socket on the address of %s port %u (send buffer %d, pieces of %u bytes)",
		 lu2k_nid_format(local, nid, sizeof(nid)), port, sndbuf, s->frag);
	return s;
}

void rdsb_sock_update_events(struct rdsb_sock *s)
{
	uint32_t ev = (s->paused ? 0 : EPOLLIN) | (s->blocked ? EPOLLOUT : 0);

	if (s->io.events != ev)
		lu2k_loop_io_set(s->be->env.loop, &s->io, ev);
	ev = s->cblocked ? EPOLLOUT : 0;
	if (s->cio.fd >= 0 && s->cio.events != ev)
		lu2k_loop_io_set(s->be->env.loop, &s->cio, ev);
}

static int rds_listen(struct lu2k_be *be, const struct lu2k_nid *local, uint16_t port,
		      struct lu2k_be_listener **out)
{
	struct lu2k_be_listener *l = calloc(1, sizeof(*l));
	char nid[LU2K_NID_STRLEN];
	int rc = 0;

	if (!l)
		return -ENOMEM;
	l->s = sock_get(be, local, port, &rc);
	if (!l->s) {
		free(l);
		return rc;
	}
	l->s->listeners++;
	l->nid = *local;
	LOG_INFO("rds: listening on %s port %u%s", lu2k_nid_format(local, nid, sizeof(nid)), port,
		 l->s->listeners > 1 ? " (shared socket)" : "");
	*out = l;
	return 0;
}

static void rds_unlisten(struct lu2k_be_listener *l)
{
	/* Its incoming connections are the core's: it closes them itself. */
	l->s->listeners--;
	rdsb_sock_put(l->s);
	free(l);
}

/* Refuse a hello: plaintext HELLO_ACK, or with keys a RESET (the connector has no session). */
static void hello_refuse(struct rdsb_sock *s, const struct sockaddr_storage *from,
			 socklen_t fromlen, uint64_t conn_id, const struct lu2k_nid *src,
			 const struct lu2k_nid *dst, bool keyed, int status)
{
	uint8_t ans[LU2K_RDSW_HELLO_LEN];

	if (keyed)
		lu2k_rdsw_close_encode(ans, LU2K_RDSW_RESET, conn_id, status);
	else
		lu2k_rdsw_hello_encode(ans, LU2K_RDSW_HELLO_ACK, conn_id, status, dst, src);
	rdsb_send_ctrl(s, from, fromlen, ans, keyed ? LU2K_RDSW_CLOSE_LEN : LU2K_RDSW_HELLO_LEN);
}

/* A hello (or, with keys, a handshake's initiation) came in on s from the connector at from. */
void rdsb_hello_in(struct rdsb_sock *s, const struct sockaddr_storage *from, socklen_t fromlen,
		   uint64_t conn_id, const struct lu2k_nid *src, const struct lu2k_nid *dst,
		   struct rdsb_sec *sec)
{
	struct lu2k_be *be = s->be;
	char a[LU2K_NID_STRLEN], b[LU2K_NID_STRLEN];
	struct sockaddr_storage ss;
	struct lu2k_list *pos;
	struct lu2k_be_conn *c;
	bool again = true, keyed = sec != NULL;
	int status = 0;
	void *ctx = NULL;

	lu2k_list_for_each(pos, &be->conns)
	{
		c = lu2k_container_of(pos, struct lu2k_be_conn, link);
		if (!c->out && c->s == s && c->id == conn_id &&
		    lu2k_sockaddr_equal(&c->peer, from)) {
			rdsb_sec_destroy(sec);
			return; /* a repeated hello: RDS delivers once, so only a confused peer */
		}
	}
	/* A new hello from the same NID pair: the connector started over. */
	while (again) {
		again = false;
		lu2k_list_for_each(pos, &be->conns)
		{
			c = lu2k_container_of(pos, struct lu2k_be_conn, link);
			if (!c->out && c->s == s && c->state == RDSB_UP &&
			    lu2k_nid_eq(&c->remote, src) && lu2k_nid_eq(&c->local, dst)) {
				rdsb_conn_log(c, "superseded by a new connection");
				c->peer_closed = true;
				rdsb_conn_fail(c, -ECONNRESET, true);
				again = true;
				break;
			}
		}
	}
	c = NULL;
	if (s->listeners == 0 || lu2k_nid_to_sockaddr(dst, s->port, &ss) < 0 ||
	    !lu2k_sockaddr_equal(&ss, &s->ss)) {
		status = -ENXIO; /* not a NID of this address */
	} else {
		c = rdsb_conn_new(be, s, false);
		if (!c) {
			status = -ENOMEM;
		} else {
			c->id = conn_id;
			c->peer = *from;
			c->peerlen = fromlen;
			c->local = *dst;
			c->remote = *src;
			c->state = RDSB_UP;
			c->sec = sec; /* from here the conn's: wiped when it fails */
			sec = NULL;
			ctx = be->env.accepted(be->env.core, c, src, dst, &status);
			if (c->state == RDSB_DEAD)
				return;
		}
	}
	rdsb_sec_destroy(sec);
	if (!ctx) {
		be->st.refused++;
		if (!status)
			status = -ECONNREFUSED;
		LOG_RL(LU2K_LOG_WARN, "rds: refusing %s -> %s: %s",
		       lu2k_nid_format(src, a, sizeof(a)), lu2k_nid_format(dst, b, sizeof(b)),
		       strerror(-status));
		if (c) {
			c->peer_closed = true; /* the answer below says it */
			rdsb_conn_fail(c, status, false);
		}
		hello_refuse(s, from, fromlen, conn_id, src, dst, keyed, status);
		return;
	}
	c->ctx = ctx;
	c->hello_pending = true; /* the answer (with keys: the response, then it sealed) */
	be->st.conns_in++;
	LOG_RL(LU2K_LOG_INFO, "rds: incoming connection from %s to %s%s",
	       lu2k_nid_format(src, a, sizeof(a)), lu2k_nid_format(dst, b, sizeof(b)),
	       keyed ? " (sealed)" : "");
	rdsb_conn_mark_dirty(c);
}

/* ---- the ops ---- */

static int rds_connect(struct lu2k_be *be, const struct lu2k_nid *local, const struct lu2k_nid *src,
		       const struct lu2k_nid *remote, uint16_t port, void *ctx,
		       struct lu2k_be_conn **out)
{
	struct sockaddr_storage ss;
	struct rdsb_sec *sec = NULL;
	struct lu2k_be_conn *c;
	struct rdsb_sock *s;
	int len, rc = 0;

	len = lu2k_nid_to_sockaddr(remote, port, &ss);
	if (len < 0)
		return len;
	if (lu2k_nid_family(local) != lu2k_nid_family(remote) ||
	    (src && lu2k_nid_family(src) != lu2k_nid_family(remote)))
		return -EAFNOSUPPORT;
	/* With keys: the initiation is made first (no key listed for remote: no conn at all). */
	if (be->env.auth && !(sec = rdsb_sec_new_out(be, local, remote, &rc)))
		return rc;
	/* RDS sends from a bound socket: the one of src's address, else our NID's. */
	s = sock_get(be, src ? src : local, port, &rc);
	if (!s) {
		rdsb_sec_destroy(sec);
		return rc;
	}
	c = rdsb_conn_new(be, s, true);
	rdsb_sock_put(s); /* the conn holds its own reference */
	if (!c) {
		rdsb_sec_destroy(sec);
		return -ENOMEM;
	}
	c->sec = sec;
	c->ctx = ctx;
	c->id = be->next_id++;
	c->peer = ss;
	c->peerlen = (socklen_t)len;
	c->local = *local;
	c->remote = *remote;
	c->state = RDSB_HELLO;
	c->hello_pending = true;
	c->hello_flags_pending = !sec; /* with keys, the initiation's caps ask for progress */
	rdsb_conn_mark_dirty(c);
	*out = c;
	return 0;
}

static int rds_send(struct lu2k_be_conn *c, struct lu2k_be_msg *m)
{
	if (!c->out || c->state == RDSB_DEAD || c->state == RDSB_BROKEN)
		return -ENOTCONN;
	m->be_seq = c->next_seq++;
	m->be_off = 0;
	lu2k_list_add_tail(&c->sendq, &m->be_link);
	c->nsendq++;
	if (c->state == RDSB_UP)
		rdsb_conn_mark_dirty(c);
	return 0;
}

static void rds_cancel(struct lu2k_be_conn *c, struct lu2k_be_msg *m, int status)
{
	/* be_off: bytes of the message handed to RDS so far */
	bool partial = m->be_seq > c->written_seq && m->be_off > 0;

	c->be->st.cancels++;
	if (m->be_seq > c->written_seq)
		c->nsendq--;
	else
		c->nackq--;
	lu2k_list_del(&m->be_link);
	c->be->env.sent(c->ctx, m, status);
	/* Half a message is with the peer: this connection cannot go on. */
	if (partial)
		rdsb_conn_break(c, -ECONNRESET);
}

static void rds_rx_resume(struct lu2k_be_conn *c)
{
	if (c->state == RDSB_UP && c->rx_paused)
		rdsb_rx_resume(c);
}

static void rds_close(struct lu2k_be_conn *c)
{
	rdsb_conn_fail(c, -ECANCELED, false);
}

static const char *state_str(enum rdsb_state s)
{
	static const char *const n[] = { "hello", "up", "broken", "dead" };

	return (unsigned int)s < 4 ? n[s] : "?";
}

/*
 * For multipath's late binding: what it holds and has not handed to RDS
 * yet. RDS acknowledges only whole messages to us (our ACK frames), and
 * measures no RTT we can read: those stay unknown.
 */
static int rds_path_stats(struct lu2k_be_conn *c, struct lu2k_be_path_stats *st)
{
	struct lu2k_list *pos;

	if (!c->out)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->acks = UINT64_MAX;
	st->pkts_sent = c->be->st.pieces_tx;
	lu2k_list_for_each(pos, &c->sendq)
	{
		const struct lu2k_be_msg *m = lu2k_container_of(pos, struct lu2k_be_msg, be_link);

		st->unsent += (uint64_t)m->hdr_len + m->payload_len - m->be_off;
	}
	return 0;
}

static void rds_conn_info(struct lu2k_be_conn *c, struct lu2k_json *j)
{
	char a[INET6_ADDRSTRLEN + 8];

	lu2k_json_str(j, "rds_state", state_str(c->state));
	lu2k_json_str(j, "address", lu2k_sockaddr_addr(&c->peer, a, sizeof(a)));
	lu2k_json_u64(j, "port", lu2k_sockaddr_port(&c->peer));
	lu2k_json_u64(j, "conn_id", c->id);
	if (c->sec) {
		lu2k_json_str(j, "auth", c->sec->up ? "sealed" : "handshake");
		if (c->sec->up)
			lu2k_json_str(j, "cipher",
				      c->sec->sa.tx.suite == LU2K_AEAD_AES256GCM
					      ? "aes256gcm"
					      : "chacha20poly1305");
	}
	lu2k_json_u64(j, "msgs_tx", c->msgs_tx);
	lu2k_json_u64(j, "msgs_rx", c->msgs_rx);
	lu2k_json_u64(j, "bytes_tx", c->bytes_tx);
	lu2k_json_u64(j, "bytes_rx", c->bytes_rx);
	lu2k_json_bool(j, "congested", c->congested);
	lu2k_json_bool(j, "progress", c->progress);
	lu2k_json_u64(j, "idle_ms", lu2k_time_ns_to_ms(c->be->env.loop->now - c->last_rx_ns));
	if (c->out) {
		lu2k_json_u64(j, "queued", c->nsendq);
		lu2k_json_u64(j, "unacked", c->nackq);
		lu2k_json_u64(j, "bytes_acked", c->bytes_acked);
		lu2k_json_u64(j, "next_seq", c->next_seq);
		lu2k_json_u64(j, "acked_seq", c->acked_seq);
	} else {
		lu2k_json_u64(j, "expect_seq", c->expect_seq);
		lu2k_json_bool(j, "rx_paused", c->rx_paused);
	}
}

static void rds_stats(struct lu2k_be *be, struct lu2k_json *j)
{
	const struct rdsb_stats *s = &be->st;

#define S(x) lu2k_json_u64(j, #x, s->x)
	S(sockets);
	S(conns_out);
	S(conns_in);
	S(refused);
	S(conns_failed);
	S(malformed);
	S(hello_timeouts);
	S(peer_timeouts);
	S(resets_rx);
	S(resets_tx);
	S(closes_rx);
	S(unknown_conn);
	S(msgs_tx);
	S(msgs_rx);
	S(bytes_tx);
	S(bytes_rx);
	S(pieces_tx);
	S(pieces_rx);
	S(acks_tx);
	S(acks_rx);
	S(pings_tx);
	S(send_eagain);
	S(send_enobufs);
	S(cong_updates);
	S(send_errors);
	S(cancels);
	S(rx_pauses);
	S(cancel_sent_to);
	S(truncated);
	S(auth_refused);
	S(auth_bad_records);
	S(auth_unknown_index);
	S(auth_wrong_conn);
	S(auth_plaintext);
	S(auth_resets_doubted);
	S(auth_records_tx);
	S(auth_records_rx);
	S(auth_rate_limited);
	S(auth_peer_restarts);
	S(hello_answers_again);
	S(progress_timeouts);
#undef S
	if (be->env.auth)
		lu2k_be_auth_stats_json(&be->env.auth->st, j);
	lu2k_json_u64(j, "frag_size", be->frag);
	lu2k_json_i64(j, "sndbuf", be->sndbuf);
	lu2k_json_i64(j, "rcvbuf", be->rcvbuf);
	lu2k_json_u64(j, "ack_timeout_ms", be->ack_timeout_ms);
}

static int rds_peer_addr(struct lu2k_be_conn *c, struct sockaddr_storage *ss)
{
	*ss = c->peer;
	return 0;
}

const struct lu2k_backend_ops lu2k_backend_rds = {
	.keys = rds_keys,
	.size = sizeof(struct lu2k_be),
	.defaults = rds_defaults,
	.name = "rds",
	.description = "AF_RDS sockets (modprobe rds_tcp), one per local address",
	.check_option = rds_check_option,
	.create = rds_create,
	.destroy = rds_destroy,
	.listen = rds_listen,
	.unlisten = rds_unlisten,
	.connect = rds_connect,
	.send = rds_send,
	.cancel = rds_cancel,
	.rx_resume = rds_rx_resume,
	.close = rds_close,
	.peer_addr = rds_peer_addr,
	.path_stats = rds_path_stats,
	.conn_info = rds_conn_info,
	.stats = rds_stats,
	.auth = true,
	.msg_ids = true,
};
