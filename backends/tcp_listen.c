// SPDX-License-Identifier: MIT
/*
 * tcp_listen.c - the tcp back-end's listening sockets: shared per address and
 * port, accept() with a pause at the fd limit (and before the fds kept for
 * outgoing connections), the caps on incoming connections (in all, per
 * address, and before their hello per prefix and in all).
 */
#include "tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "halfopen.h"

#include "common/log.h"
#include "common/nid.h"
#include "common/sockaddr.h"
#include "common/time.h"

#define TCP_PAUSE_MIN_MS 50
#define TCP_PAUSE_MAX_MS 1000

static void listener_resume(struct lu2k_timer *t)
{
	struct tcp_lsock *s = lu2k_container_of(t, struct tcp_lsock, pause);

	if (lu2k_loop_io_set(s->be->env.loop, &s->io, EPOLLIN))
		/* cannot listen again now: try once more later */
		if (lu2k_loop_timer_arm(s->be->env.loop, &s->pause,
					lu2k_time_ms_to_ns(s->pause_ms)))
			LOG_RL(LU2K_LOG_ERROR, "tcp: out of memory: a listening socket stays "
					       "paused until a restart");
}

/*
 * accept() found no fd (or no memory) for a connection that waits in the
 * backlog: the listening socket stays readable, so listening on would spin
 * at full CPU and starve everything else (lu2kctl included). Stop listening
 * for a while instead, longer while it keeps failing; what frees fds (hello
 * and body deadlines, peers going) runs meanwhile.
 */
static void listener_pause(struct tcp_lsock *s, const char *why)
{
	struct lu2k_be *be = s->be;

	be->st.accept_pauses++;
	if (!s->pause_ms)
		s->pause_ms = TCP_PAUSE_MIN_MS;
	LOG_RL(LU2K_LOG_WARN,
	       "tcp: accept: %s: not accepting connections for %u ms (raise the fd limit: "
	       "LimitNOFILE= in the unit, ulimit -n)",
	       why, s->pause_ms);
	lu2k_loop_io_set(be->env.loop, &s->io, 0);
	if (lu2k_loop_timer_arm(be->env.loop, &s->pause, lu2k_time_ms_to_ns(s->pause_ms)))
		lu2k_loop_io_set(be->env.loop, &s->io,
				 EPOLLIN); /* no timer: listen on rather than never */
	s->pause_ms = s->pause_ms * 2 > TCP_PAUSE_MAX_MS ? TCP_PAUSE_MAX_MS : s->pause_ms * 2;
}

/*
 * The fd table is what incoming and outgoing connections share: incoming
 * ones may not take the last eighth of it (8 .. 1024 fds), so that silent
 * connections never stop lu2kd reaching its own peers or its local clients
 * attaching. fds are handed out lowest first, so an accepted fd's number is
 * how many are in use below it.
 */
void tcp_fd_reserve_init(struct lu2k_be *be)
{
	struct rlimit rl;
	rlim_t cur, reserve;

	be->fd_in_max = INT_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return;
	cur = rl.rlim_cur > INT_MAX ? INT_MAX : rl.rlim_cur;
	reserve = cur / 8 < 8 ? 8 : cur / 8 > 1024 ? 1024 : cur / 8;
	be->fd_in_max = cur > reserve ? (int)(cur - reserve) : 0;
	if ((uint64_t)be->max_conns + be->max_conns_out + reserve > cur)
		LOG_WARN(
			"tcp: the fd limit (%llu) is below max_conns + max_conns_out (%u + %u): "
			"incoming connections may take fds up to %d, the rest is kept for outgoing "
			"ones (raise it: LimitNOFILE= in the unit, ulimit -n)",
			(unsigned long long)cur, be->max_conns, be->max_conns_out, be->fd_in_max);
}

static void prefix_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "/%d of %s",
		 ss->ss_family == AF_INET6 ? lu2k_ip_net_bits(AF_INET6, s6->sin6_addr.s6_addr) : 24,
		 lu2k_sockaddr_addr(ss, a, sizeof(a)));
}

/* A connection that has not said hello yet, and its prefix. */
static bool halfopen_of(struct lu2k_list *node, struct lu2k_halfopen_key *k)
{
	struct lu2k_be_conn *c = lu2k_container_of(node, struct lu2k_be_conn, link);

	if (c->out || c->state != TCP_HELLO)
		return false;
	lu2k_halfopen_key_ss(k, &c->addr);
	return true;
}

/*
 * n connections before their hello are at max_halfopen (why), or the fds for
 * incoming ones ran out: the oldest of the prefix that holds the most makes
 * room (halfopen.h). So attackers on many prefixes, each under
 * max_halfopen_per_prefix, cannot lock out an honest connector from a prefix
 * of its own, nor one attacker the honest peers of its prefix. Returns the
 * fd number it freed, or -1 (none could make room: the new one goes).
 */
static int halfopen_room(struct lu2k_be *be, const struct sockaddr_storage *ss, uint32_t n,
			 const char *why)
{
	struct lu2k_halfopen_key nk;
	struct lu2k_be_conn *victim = NULL;
	struct lu2k_list *node;
	char p[INET6_ADDRSTRLEN + 8];
	int vfd;

	lu2k_halfopen_key_ss(&nk, ss);
	node = lu2k_halfopen_pick(&be->conns, n, halfopen_of, &nk);
	if (node)
		victim = lu2k_container_of(node, struct lu2k_be_conn, link);
	if (!victim) {
		be->st.too_many_halfopen++;
		prefix_str(ss, p, sizeof(p));
		LOG_RL(LU2K_LOG_WARN,
		       "tcp: %u connections have not said hello yet (%s), and none can make room: "
		       "closing a new one from the %s",
		       n, why, p);
		return -1;
	}
	be->st.halfopen_evicted++;
	prefix_str(&victim->addr, p, sizeof(p));
	LOG_RL(LU2K_LOG_WARN,
	       "tcp: %u connections have not said hello yet (%s): closing the oldest from the "
	       "%s, which holds the most",
	       n, why, p);
	vfd = victim->io.fd;
	tcp_conn_fail(victim, -ECONNABORTED, false);
	return vfd;
}

/*
 * Whether a connection just accepted from ss may stay. Caps: incoming
 * connections (max_conns; outgoing ones are counted apart), those from one
 * address (max_conns_per_source), and those that prove nothing beyond their
 * address yet (no hello): per /24 or /64, since many addresses of one site
 * or one provider's customer (a /64 holds more than anyone could count) must
 * not hold lu2kd's fds and buffers, and in all (max_halfopen, below
 * max_conns), since many prefixes must not either. A refused one is closed
 * at once (its peer sees a reset or EOF and may try again later).
 */
enum admit { ADMIT_NO, ADMIT_YES, ADMIT_ROOM /* yes, and an unproven one went for it */ };

static enum admit admit(struct lu2k_be *be, const struct sockaddr_storage *ss)
{
	uint32_t from = 0, in_net = 0, halfopen = 0;
	char a[INET6_ADDRSTRLEN + 8];
	struct lu2k_list *pos;

	lu2k_list_for_each(pos, &be->conns)
	{
		struct lu2k_be_conn *c = lu2k_container_of(pos, struct lu2k_be_conn, link);

		if (c->out)
			continue;
		from += lu2k_sockaddr_same_addr(&c->addr, ss);
		if (c->state != TCP_HELLO)
			continue;
		halfopen++;
		in_net += lu2k_sockaddr_same_net(&c->addr, ss);
	}
	if (be->nconns_in >= be->max_conns) {
		be->st.too_many_conns++;
		LOG_RL(LU2K_LOG_WARN,
		       "tcp: incoming connections at their limit (max_conns %u): closing a new one",
		       be->max_conns);
		return ADMIT_NO;
	}
	if (from >= be->max_conns_per_source) {
		be->st.too_many_from_source++;
		LOG_RL(LU2K_LOG_WARN,
		       "tcp: %s has %u incoming connections (max_conns_per_source): closing a new "
		       "one",
		       lu2k_sockaddr_addr(ss, a, sizeof(a)), from);
		return ADMIT_NO;
	}
	if (in_net >= be->max_halfopen_per_prefix) {
		be->st.too_many_from_prefix++;
		prefix_str(ss, a, sizeof(a));
		LOG_RL(LU2K_LOG_WARN,
		       "tcp: the %s has %u connections that have not said hello yet "
		       "(max_halfopen_per_prefix): closing a new one",
		       a, in_net);
		return ADMIT_NO;
	}
	if (halfopen >= lu2k_halfopen_cap(be->max_halfopen, be->max_conns))
		return halfopen_room(be, ss, halfopen, "max_halfopen") >= 0 ? ADMIT_ROOM : ADMIT_NO;
	return ADMIT_YES;
}

/*
 * *fd is past what incoming connections may take: one of them that has not
 * said hello makes room, as at max_halfopen, and the new one takes its fd
 * number (else the hole it left below would let the next accept() in, and
 * incoming connections would creep into the fds kept for others). With
 * none (every fd for incoming ones holds a connection that said hello), no.
 */
static bool fd_room(struct lu2k_be *be, const struct sockaddr_storage *ss, int *fd)
{
	struct lu2k_list *pos;
	uint32_t n = 0;
	int vfd;

	lu2k_list_for_each(pos, &be->conns)
	{
		struct lu2k_be_conn *c = lu2k_container_of(pos, struct lu2k_be_conn, link);

		n += !c->out && c->state == TCP_HELLO;
	}
	if (!n)
		return false;
	vfd = halfopen_room(be, ss, n, "the fds left are kept for outgoing connections");
	if (vfd < 0)
		return false;
	if (dup3(*fd, vfd, O_CLOEXEC) == vfd) {
		close(*fd);
		*fd = vfd;
	}
	return true;
}

static void listener_event(struct lu2k_io *io, uint32_t revents)
{
	struct tcp_lsock *s = lu2k_container_of(io, struct tcp_lsock, io);
	struct lu2k_be *be = s->be;

	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct lu2k_be_conn *c;
		enum admit ok;
		int fd = accept4(io->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				listener_pause(s, strerror(errno));
			else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				LOG_RL(LU2K_LOG_WARN, "tcp: accept: %s", strerror(errno));
			return;
		}
		ok = admit(be, &ss);
		if (ok == ADMIT_NO) {
			close(fd);
			s->pause_ms = 0;
			continue;
		}
		if (fd >= be->fd_in_max && ok != ADMIT_ROOM && !fd_room(be, &ss, &fd)) {
			/* what is left is for outgoing connections: the rest waits in the backlog */
			close(fd);
			be->st.fd_reserve_pauses++;
			listener_pause(s, "the fds left are kept for outgoing connections");
			return;
		}
		s->pause_ms = 0;
		c = tcp_conn_new(be, fd, false);
		if (!c) {
			LOG_RL(LU2K_LOG_WARN, "tcp: out of memory for a connection");
			close(fd);
			continue;
		}
		be->st.accepts++;
		c->addr = ss;
		c->lsock = s;
		c->state = TCP_HELLO;
		if (be->env.auth && tcp_sec_start_in(c)) {
			tcp_conn_fail(c, -ENOMEM, false);
			continue;
		}
		tcp_sock_tune(be, fd);
		if (lu2k_loop_timer_arm(be->env.loop, &c->timer,
					lu2k_time_ms_to_ns(be->hello_timeout_ms)) ||
		    lu2k_loop_io_set(be->env.loop, &c->io, EPOLLIN | EPOLLRDHUP))
			tcp_conn_fail(c, -ENOMEM, false);
	}
}

static struct tcp_lsock *lsock_open(struct lu2k_be *be, const struct lu2k_nid *local, uint16_t port,
				    const struct sockaddr_storage *ss, int len, int *err)
{
	struct tcp_lsock *s;
	char nid[LU2K_NID_STRLEN];
	struct lu2k_list *pos;
	int one = 1, fd;

	lu2k_list_for_each(pos, &be->listeners)
	{
		s = lu2k_container_of(pos, struct tcp_lsock, link);
		if (lu2k_sockaddr_equal(&s->ss, ss)) {
			s->refs++;
			return s;
		}
	}
	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* Buffers set on the listener are inherited by accepted sockets before the handshake. */
	tcp_sock_tune(be, fd);
	if (bind(fd, (const struct sockaddr *)ss, (socklen_t)len) || listen(fd, be->backlog)) {
		*err = -errno;
		LOG_ERR("tcp: cannot listen on the address of %s: %s",
			lu2k_nid_format(local, nid, sizeof(nid)), strerror(-*err));
		close(fd);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		*err = -ENOMEM;
		return NULL;
	}
	s->be = be;
	s->ss = *ss;
	s->port = port;
	s->refs = 1;
	lu2k_loop_io_init(&s->io, fd, listener_event);
	lu2k_heap_timer_init(&s->pause, listener_resume);
	*err = lu2k_loop_io_set(be->env.loop, &s->io, EPOLLIN);
	if (*err) {
		close(fd);
		free(s);
		return NULL;
	}
	lu2k_list_add_tail(&be->listeners, &s->link);
	be->st.listeners++;
	return s;
}

static void lsock_put(struct tcp_lsock *s)
{
	struct lu2k_list *pos, *tmp;

	if (--s->refs > 0)
		return;
	/* Connections still waiting for their hello on it lose their listener. */
	lu2k_list_for_each_safe(pos, tmp, &s->be->conns)
	{
		struct lu2k_be_conn *c = lu2k_container_of(pos, struct lu2k_be_conn, link);

		if (c->lsock == s)
			tcp_conn_fail(c, -ECONNABORTED, false);
	}
	lu2k_loop_timer_cancel(s->be->env.loop, &s->pause);
	lu2k_loop_io_set(s->be->env.loop, &s->io, 0);
	close(s->io.fd);
	lu2k_list_del(&s->link);
	s->be->st.listeners--;
	free(s);
}

int tcp_listen(struct lu2k_be *be, const struct lu2k_nid *local, uint16_t port,
	       struct lu2k_be_listener **out)
{
	struct sockaddr_storage ss;
	struct lu2k_be_listener *l;
	char nid[LU2K_NID_STRLEN];
	int len, rc = 0;

	len = lu2k_nid_to_sockaddr(local, port, &ss);
	if (len < 0)
		return len;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->s = lsock_open(be, local, port, &ss, len, &rc);
	if (!l->s) {
		free(l);
		return rc;
	}
	l->nid = *local;
	LOG_INFO("tcp: listening on %s port %u%s", lu2k_nid_format(local, nid, sizeof(nid)), port,
		 l->s->refs > 1 ? " (shared socket)" : "");
	*out = l;
	return 0;
}

void tcp_unlisten(struct lu2k_be_listener *l)
{
	lsock_put(l->s);
	free(l);
}
