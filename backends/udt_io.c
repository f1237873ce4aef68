/* SPDX-License-Identifier: MIT */
/*
 * udt_io.c - the udt back-end's UDP sockets.
 *
 * Reading: recvmmsg into one batch of buffers shared by the instance (each
 * datagram is consumed before the next read: its payload copied into its
 * connection's receive window, or, for a message being placed, straight
 * into its RX pool range; with UDP GRO a buffer holds several, cut apart
 * here); every
 * datagram goes to the connection its destination socket id names, or to
 * the listener's handshake for id 0.
 *
 * Writing: a connection that has something to send is marked dirty; once per
 * loop round (the idle hook) each dirty connection's engine is asked for
 * every datagram due now, which are gathered in one batch shared by the
 * instance (one socket at a time) and written with sendmmsg, runs of equal
 * datagrams as one UDP GSO message (udt_io_batch.h). A data packet's
 * payload is not copied: the batch holds its header and points at the
 * message's memory (the TX region, through the engine's pieces), so such a
 * batch is written before the connection's flush returns, while the engine
 * still holds the message. If the kernel's socket buffer is full, what is
 * left is copied to the socket ("parked") until EPOLLOUT and the connection
 * waits on the socket (nothing is dropped). So a socket holds no buffer of
 * its own while it can write.
 *
 * Timers: each connection has one loop timer armed at its engine's next
 * deadline (pacing, ACK, NAK, EXP, handshake retry) or its hello deadline.
 */
#include "udt_be.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "udt_rxts.h"

_Static_assert(UDTB_PIECES == UDT_PKT_PIECES, "a packet's pieces fit the batch");

/* Ask for n bytes of socket buffer; as root past the sysctl cap; warn once if short. */
static void set_buf(struct lu2k_be *be, int fd, bool rcv, int n)
{
	int got = 0;
	socklen_t l = sizeof(got);
	bool *warned = rcv ? &be->warned_rcvbuf : &be->warned_sndbuf;

	if (n <= 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, rcv ? SO_RCVBUFFORCE : SO_SNDBUFFORCE, &n, sizeof(n)))
		setsockopt(fd, SOL_SOCKET, rcv ? SO_RCVBUF : SO_SNDBUF, &n, sizeof(n));
	/* the kernel reports twice what it grants (bookkeeping overhead) */
	if (getsockopt(fd, SOL_SOCKET, rcv ? SO_RCVBUF : SO_SNDBUF, &got, &l) == 0 && got / 2 < n &&
	    !*warned) {
		*warned = true;
		LOG_WARN("udt: UDP %s buffer capped at %d bytes (asked %d): raise "
			 "net.core.%s_max or run as root, or long fast links will lose "
			 "packets in the socket",
			 rcv ? "receive" : "send", got / 2, n, rcv ? "rmem" : "wmem");
	}
}

int udtb_sock_open(struct lu2k_be *be, struct udtb_sock *s, int family, lu2k_io_fn fn)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	s->be = be;
	lu2k_list_init(&s->waiters);
	set_buf(be, fd, true, be->sock_rcvbuf);
	set_buf(be, fd, false, be->sock_sndbuf);
	if (family == AF_INET6) {
		int one = 1;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	/* arrival times for RTT, receiving-rate and packet-pair samples (udt_rxts.h) */
	udtb_rxts_enable(fd);
	/* the kernel's count of datagrams it dropped for a full receive buffer */
	udtb_sock_set_rxq_ovfl(fd);
	s->gso = be->gso;
	/* GRO buffers need the large receive slots: only if the instance has them */
	s->gro = be->gro && udtb_sock_set_gro(fd) == 0;
	lu2k_loop_io_init(&s->io, fd, fn);
	return 0;
}

void udtb_sock_close(struct udtb_sock *s)
{
	if (s->io.fd < 0)
		return;
	lu2k_loop_io_set(s->be->env.loop, &s->io, 0);
	close(s->io.fd);
	s->io.fd = -1;
	/* what was gathered for it cannot go any more */
	if (s->be->tx_sock == s) {
		s->be->tx.n = s->be->tx.off = 0;
		s->be->tx_sock = NULL;
	}
	free(s->park);
	s->park = NULL;
	while (!lu2k_list_empty(&s->waiters))
		lu2k_list_del(s->waiters.next);
}

static void sock_events(struct udtb_sock *s)
{
	uint32_t ev = EPOLLIN | (s->blocked ? EPOLLOUT : 0);

	if (s->io.fd >= 0)
		lu2k_loop_io_set(s->be->env.loop, &s->io, ev);
}

/* Write a batch to s: 0 when all is out, -EAGAIN when the socket is full. */
static int sock_write(struct udtb_sock *s, struct udtb_txb *b)
{
	struct lu2k_be *be = s->be;
	struct udtb_txres res = { 0 };
	int rc = udtb_txb_send(&udtb_sys_real, s->io.fd, b, &s->gso, &res);

	be->st.sendmmsg_calls += res.calls;
	be->st.dgrams_tx += res.dgrams;
	be->st.gso_msgs += res.gso_msgs;
	be->st.send_errors += res.dropped;
	if (res.gso_refused) {
		be->st.gso_refused++;
		LOG_RL(LU2K_LOG_INFO, "udt: the kernel refused UDP GSO on a socket: datagrams go "
				      "one by one there");
	}
	/* a connected socket's ICMP error fails its connection (udtb_conn_flush) */
	if (s->connected &&
	    (res.err == -ECONNREFUSED || res.err == -EHOSTUNREACH || res.err == -ENETUNREACH))
		s->err = res.err;
	return rc;
}

/*
 * Keep what the kernel had no room for until EPOLLOUT: a copy of the rest of
 * the instance's batch (which goes on serving other sockets).
 */
static int park(struct udtb_sock *s, const struct udtb_txb *b)
{
	unsigned int n = b->n - b->off;
	size_t hdr = sizeof(struct udtb_txb) + (b->addr ? n * sizeof(struct sockaddr_storage) : 0);
	uint8_t *mem = malloc(hdr + (size_t)n * b->slot);
	struct udtb_txb *p = (struct udtb_txb *)mem;

	if (!mem)
		return -ENOMEM; /* lost: to the engines, as if the network lost them */
	memset(p, 0, sizeof(*p));
	p->addr = b->addr ? (struct sockaddr_storage *)(mem + sizeof(*p)) : NULL;
	p->buf = mem + hdr;
	p->slot = b->slot;
	p->n = n;
	for (unsigned int i = 0; i < n; i++) {
		unsigned int k = b->off + i;
		uint8_t *d = p->buf + (size_t)i * p->slot;

		/* the pieces too: the message's memory may go once we return */
		if (b->npieces[k]) {
			memcpy(d, b->buf + (size_t)k * b->slot, b->hlen[k]);
			d += b->hlen[k];
			for (unsigned int j = 0; j < b->npieces[k]; j++) {
				memcpy(d, b->piece[k][j].iov_base, b->piece[k][j].iov_len);
				d += b->piece[k][j].iov_len;
			}
		} else {
			memcpy(d, b->buf + (size_t)k * b->slot, b->len[k]);
		}
		p->len[i] = b->len[k];
		if (b->addr) {
			memcpy(&p->addr[i], &b->addr[k], b->alen[k]);
			p->alen[i] = b->alen[k];
		}
	}
	s->park = p;
	s->be->st.parked += n;
	return 0;
}

/* Write what the instance gathered (all for tx_sock). */
static void tx_flush(struct lu2k_be *be)
{
	struct udtb_sock *s = be->tx_sock;

	if (s && be->tx.n > be->tx.off && sock_write(s, &be->tx) < 0) {
		if (!s->blocked)
			be->st.send_blocked++;
		s->blocked = true;
		if (park(s, &be->tx))
			be->st.send_errors += be->tx.n - be->tx.off;
		sock_events(s);
	}
	be->tx.n = be->tx.off = 0;
	be->tx_sock = NULL;
}

void udtb_sock_sendto(struct udtb_sock *s, const void *buf, size_t len, const struct sockaddr *sa,
		      socklen_t salen)
{
	ssize_t r = s->connected ? send(s->io.fd, buf, len, 0)
				 : sendto(s->io.fd, buf, len, 0, sa, salen);

	if (r < 0)
		s->be->st.send_errors++;
	else
		s->be->st.dgrams_tx++;
}

void udtb_conn_arm(struct lu2k_be_conn *c)
{
	struct lu2k_loop *loop = c->be->env.loop;
	uint64_t t;

	if (c->state == UDTB_DEAD)
		return;
	t = udtb_sec_ready(c) ? udt_conn_next_deadline(c->u) : udtb_sec_deadline(c);
	if (c->state == UDTB_HELLO && c->hello_deadline < t)
		t = c->hello_deadline;
	if (c->out && c->ntxq && c->last_rx_ns + udtb_peer_timeout_ns(c->be) < t)
		t = c->last_rx_ns + udtb_peer_timeout_ns(c->be);
	if (c->unknown_deadline && c->unknown_deadline < t)
		t = c->unknown_deadline;
	if (t == UINT64_MAX)
		lu2k_loop_timer_cancel(loop, &c->timer);
	else if (lu2k_loop_timer_arm_at(loop, &c->timer, t))
		udtb_conn_fail(c, -ENOMEM, true); /* its engine would never be woken again */
}

static void sock_read(struct udtb_sock *s);

/* Pull every datagram due now out of c's engine and write them. */
void udtb_conn_flush(struct lu2k_be_conn *c)
{
	struct lu2k_be *be = c->be;
	struct udtb_sock *s = c->sock;
	uint64_t now = lu2k_loop_now_ns();
	size_t cap = be->slot;
	bool refs = false;

	if (c->state == UDTB_DEAD)
		return;
	if (s->blocked) {
		if (!lu2k_list_linked(&c->dirty_link))
			lu2k_list_add_tail(&s->waiters, &c->dirty_link);
		return;
	}
	now = udtb_conn_now(c, now);
	if (!udtb_sec_ready(c)) {
		/* keys on: the node handshake first (udt_sec.h) */
		udtb_sec_poll(c, now);
		udtb_conn_arm(c);
		return;
	}
	/*
	 * A loop that did not run us for a while (a loaded host) finds timers
	 * due: read what the peer sent meanwhile first, so that the EXP timer
	 * does not take our own absence for the peer's silence (a spurious
	 * timeout resends what the peer already has).
	 */
	if (s->owner == c && now >= s->read_ns + UDTB_READ_STALE_NS &&
	    udt_conn_next_deadline(c->u) <= now) {
		sock_read(s);
		if (c->state == UDTB_DEAD)
			return;
		now = udtb_conn_now(c, lu2k_loop_now_ns());
	}
	if (udt_conn_next_deadline(c->u) <= now) {
		udt_conn_handle_timers(c->u, now);
		udtb_conn_post(c);
		if (c->state == UDTB_DEAD)
			return;
	}
	for (;;) {
		/* keys on: each packet is written behind a record's header, then sealed */
		size_t hr = c->sa ? LU2K_AEAD_HDR : 0, tr = c->sa ? LU2K_AEAD_OVERHEAD : 0;
		uint8_t *slot;
		struct udtb_txb *b = &be->tx;
		size_t n;

		/* the instance's batch serves one socket at a time */
		if (be->tx_sock != s || b->n == UDTB_BATCH) {
			tx_flush(be);
			if (s->blocked) {
				if (!lu2k_list_linked(&c->dirty_link))
					lu2k_list_add_tail(&s->waiters, &c->dirty_link);
				return;
			}
			be->tx_sock = s;
			b->addr = s->connected ? NULL : be->txaddr;
		}
		slot = b->buf + (size_t)b->n * cap;
		b->npieces[b->n] = 0;
		if (c->sa) {
			/* sealed: the payload is encrypted into the slot */
			n = udt_conn_write_pkt(c->u, slot + hr, cap - tr, now);
			if (n)
				n = udtb_sec_seal(c, slot, n, cap, now);
		} else {
			int np = 0;

			n = udt_conn_write_pkt_ref(c->u, slot, cap, now, b->piece[b->n], &np);
			if (n && np) {
				size_t pl = 0;

				for (int j = 0; j < np; j++)
					pl += b->piece[b->n][j].iov_len;
				b->npieces[b->n] = (uint8_t)np;
				b->hlen[b->n] = (uint32_t)(n - pl);
				refs = true;
			}
		}
		if (!n)
			break;
		b->len[b->n] = (uint32_t)n;
		if (!s->connected) {
			memcpy(&b->addr[b->n], &c->addr, c->addrlen);
			b->alen[b->n] = c->addrlen;
		}
		b->n++;
	}
	/*
	 * A connection on a shared socket may leave its control packets for the
	 * next one's batch; payload pieces go now, while their message exists.
	 */
	if (s->owner || refs || be->tx.n >= UDTB_BATCH / 2)
		tx_flush(be);
	udtb_conn_post(c);
	if (s->err && s->owner == c) {
		int err = s->err;

		s->err = 0;
		udtb_conn_fail(c, err, true);
		return;
	}
	udtb_conn_arm(c);
}

/* The idle hook: flush dirty connections, then the listeners' gathered datagrams. */
bool udtb_idle(struct lu2k_idle *h);
bool udtb_idle(struct lu2k_idle *h)
{
	struct lu2k_be *be = lu2k_container_of(h, struct lu2k_be, idle);

	while (!lu2k_list_empty(&be->dirty)) {
		struct lu2k_be_conn *c =
			lu2k_list_first(&be->dirty, struct lu2k_be_conn, dirty_link);

		lu2k_list_del(&c->dirty_link);
		udtb_conn_flush(c);
	}
	tx_flush(be);
	return false;
}

static void unblocked(struct udtb_sock *s)
{
	if (s->park) {
		if (sock_write(s, s->park) < 0)
			return;
		free(s->park);
		s->park = NULL;
	}
	s->blocked = false;
	sock_events(s);
	while (!lu2k_list_empty(&s->waiters)) {
		struct lu2k_be_conn *c =
			lu2k_list_first(&s->waiters, struct lu2k_be_conn, dirty_link);

		lu2k_list_del(&c->dirty_link);
		udtb_conn_flush(c);
		if (s->blocked)
			return;
	}
	/* what the waiters gathered last */
	if (s->be->tx_sock == s)
		tx_flush(s->be);
}

/* A listener's datagram for socket id 0: the stateless handshake. */
static void handshake(struct lu2k_be_listener *l, uint8_t *pkt, size_t len,
		      const struct sockaddr *sa, socklen_t salen, uint64_t now, uint64_t arr,
		      struct udtb_sa *sec)
{
	struct lu2k_be *be = l->s.be;
	struct udt_dmx_addr a;
	struct udt_dmx_node *n;
	struct lu2k_be_conn *c;
	struct udt_hs hs;
	uint8_t out[UDT_HDR_LEN + UDT_HS_LEN];
	size_t olen = 0;
	int rc;

	if (udt_dmx_addr_from(sa, &a))
		return;
	if (sec)
		len = udtb_sec_fix_cookie(l, pkt, len, &a, now);
	/* a probe train is timed by when its probes came (hs_probe.c) */
	rc = udt_listener_recv(&l->hs, pkt, len, &a, sizeof(a), arr && arr <= now ? arr : now, out,
			       sizeof(out), &olen, &hs);
	if (rc == UDT_LISTEN_PROBE) {
		be->st.hs_probes++;
		return;
	}
	if (rc == UDT_LISTEN_REPLY) {
		/* a request whose cookie did not hold is refused, and told a fresh one */
		if (l->hs.answered_stale)
			be->st.hs_rejects++;
		else
			be->st.handshakes++;
		udtb_sec_sendto(&l->s, sec, out, olen, sa, salen);
		return;
	}
	if (rc != UDT_LISTEN_ACCEPT) {
		be->st.hs_rejects += rc != -EALREADY; /* the connection's response answers that */
		return;
	}
	n = udt_dmx_find_peer(&be->dmx, &l->s, &a, hs.sock_id);
	if (n) {
		/* a repeated request: the connection answers it again */
		c = lu2k_container_of(n, struct lu2k_be_conn, dmx);
		if (c->sa != sec)
			return;
		udt_conn_recv_pkt(c->u, pkt, len, udtb_conn_now(c, now));
		udtb_conn_mark_dirty(c);
		return;
	}
	if (l->gone)
		return;
	/* keys on: one connection per node handshake */
	if (sec && sec->conn)
		return;
	c = udtb_accept(l, sa, salen, &hs);
	if (c && sec)
		udtb_sec_bind(c, sec);
	if (c)
		udtb_conn_mark_dirty(c);
}

/* A peer sent a message longer than any lu2k message: the engine broke the connection. */
static void too_long(struct lu2k_be_conn *c)
{
	char addr[INET6_ADDRSTRLEN + 8];

	c->be->st.msgs_too_long++;
	LOG_RL(LU2K_LOG_WARN,
	       "udt: a message over %zu bytes from %s (sock id %u): closing that connection",
	       c->be->ucfg.max_msg_bytes, udtb_addr_str(&c->addr, addr, sizeof(addr)),
	       udt_conn_peer_id(c->u));
}

/* Packets went unstored for want of receive memory: say so, at most every 10 s. */
static void rxmem_warn(struct lu2k_be *be, uint64_t now)
{
	uint64_t n = be->rxmem.drops - be->rxmem_drops_logged;

	if (be->rxmem_warn_ns && now < be->rxmem_warn_ns + 10 * LU2K_NS_PER_S)
		return;
	be->rxmem_warn_ns = now;
	be->rxmem_drops_logged = be->rxmem.drops;
	LOG_WARN("udt: receive memory limit reached (%zu of max_rx_memory %zu bytes held, "
		 "%u connections): %" PRIu64 " packets not stored since the last warning",
		 be->rxmem.used, be->rxmem.max, be->rxmem.users, n);
}

/* One datagram from a socket, which came at arr and is read at now. */
static void dispatch(struct udtb_sock *s, uint8_t *pkt, size_t len, const struct sockaddr *sa,
		     socklen_t salen, uint64_t now, uint64_t arr)
{
	struct lu2k_be *be = s->be;
	struct udtb_sa *sec = NULL;
	struct lu2k_be_conn *c;
	struct udt_dmx_node *n;
	struct udt_dmx_addr a;
	uint32_t dst;
	bool first = false, named = false;
	int rc;

	/* keys on: nothing but an opened record reaches the UDT header (udt_sec.h) */
	if (be->sec && !(sec = udtb_sec_recv(s, &pkt, &len, sa, salen, now)))
		return;
	if (udt_peek_dst(pkt, len, &dst)) {
		be->st.bad_pkts++;
		return;
	}
	if (s->owner) {
		c = s->owner;
		if (dst != c->dmx.local_id) {
			if (!dst && !be->sec &&
			    udtb_unknown_heard(c, pkt, len, udt_conn_peer_id(c->u), now))
				return;
			be->st.unknown_dst++;
			return;
		}
	} else if (dst == 0 && !(pkt[0] & 0x80)) {
		/* data before our response (first flight): the connection its source made */
		c = udtb_first_conn(s->l, sa);
		if (!c)
			return;
		first = true;
	} else if (dst == 0) {
		handshake(s->l, pkt, len, sa, salen, now, arr, sec);
		return;
	} else {
		n = udt_dmx_find(&be->dmx, dst);
		if (!n) {
			be->st.unknown_dst++;
			if (!be->sec)
				udtb_unknown_tell(s, dst, sa, salen, now);
			return;
		}
		c = lu2k_container_of(n, struct lu2k_be_conn, dmx);
		if (c->sock != s || udt_dmx_addr_from(sa, &a) ||
		    !udt_dmx_addr_eq(&a, &c->dmx.addr)) {
			be->st.wrong_addr++;
			return;
		}
		named = c->unproved || c->dmx.in_addr;
	}
	if (c->sa != sec) {
		/* keys on: opened under another connection's keys */
		be->sec->st.records_wrong_conn++;
		return;
	}
	if (c->state == UDTB_DEAD)
		return;
	now = udtb_conn_now(c, now);
	c->last_rx_ns = now;
	if (s->l)
		udt_rxmem_flow_seen(&be->rxmem, &c->flow_seen, now);
	if (named) {
		udtb_named(c, now);
		/* its held hello may have been refused */
		if (c->state == UDTB_DEAD)
			return;
	}
	rc = first ? udt_conn_recv_first(c->u, pkt, len, now, arr)
		   : udt_conn_recv_pkt_at(c->u, pkt, len, now, arr);
	if (rc == -EBADMSG)
		be->st.bad_pkts++;
	else if (rc == -EMSGSIZE)
		too_long(c);
	if (be->rxmem.drops != be->rxmem_drops_logged)
		rxmem_warn(be, now);
	udtb_conn_post(c);
	udtb_conn_mark_dirty(c);
}

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return lu2k_time_timespec_to_ns(&ts);
}

/* One datagram of a received buffer (udtb_rxb_each), with what it came with. */
struct rx_ctx {
	struct udtb_sock *s;
	const struct sockaddr *sa;
	socklen_t salen;
	uint64_t now, t; /* read at now; the buffer came at t */
	unsigned int k;	 /* datagrams of this buffer so far */
};

static bool rx_dgram(void *ctx, uint8_t *p, size_t len)
{
	struct rx_ctx *x = ctx;
	struct udtb_sock *s = x->s;

	/* a GRO buffer's datagrams share one stamp: 1 us apart (udt_rxts.h) */
	uint64_t t = udtb_rxts_spread(&s->last_arr_ns, x->t);

	/* how busy the host keeps us: what the samples no longer count (udt_rxts.h) */
	if (x->now >= t + LU2K_NS_PER_MS) {
		s->be->st.rx_late_1ms++;
		if (x->now >= t + 16 * LU2K_NS_PER_MS)
			s->be->st.rx_late_16ms++;
	}
	if (x->k++)
		s->be->st.dgrams_rx++;
	dispatch(s, p, len, x->sa, x->salen, x->now, t);
	return s->io.fd >= 0;
}

/*
 * A listener's socket, before it is read: how full it is, for the windows
 * that share it (rcvbuf.h, FLOW SHARE). A kernel without SO_MEMINFO: its
 * drops alone say so.
 */
static void flow_fill(struct udtb_sock *s)
{
	struct lu2k_be *be = s->be;
	uint64_t now = lu2k_loop_now_ns(), used = 0, cap = 1;

	if (!s->l || !udt_rxmem_flow_due(&be->rxmem, now))
		return;
	if (udtb_sock_rmem(s->io.fd, &used, &cap))
		used = 0, cap = 1;
	udt_rxmem_flow_fill(&be->rxmem, used, cap, s->rx_ovfl != s->fill_ovfl, now);
	s->fill_ovfl = s->rx_ovfl;
}

static void sock_read(struct udtb_sock *s)
{
	struct lu2k_be *be = s->be;

	flow_fill(s);

	for (int round = 0; round < UDTB_READS_PER_EV && s->io.fd >= 0; round++) {
		struct udtb_rxb b; /* ~17 KiB: filled by the read, not cleared each round */
		uint64_t now, real;
		int r;

		b.buf = be->rxbuf;
		b.slot = be->rxslot;
		/* a socket without GRO reads datagrams, never more than a slot */
		b.want = s->gro ? be->rxslot : be->slot;
		b.n = be->rxn;
		r = udtb_rxb_read(&udtb_sys_real, s->io.fd, &b);

		be->st.recvmmsg_calls++;
		s->read_ns = lu2k_loop_now_ns();
		if (r < 0) {
			if (r != -EAGAIN && s->owner && s->connected) {
				/* ICMP: nobody listens there (or no route) */
				udtb_conn_fail(s->owner, r, true);
			}
			return;
		}
		now = lu2k_loop_now_ns();
		real = real_ns();
		be->st.dgrams_rx += (uint64_t)r;
		for (int i = 0; i < r; i++) {
			const struct msghdr *h = &b.mm[i].msg_hdr;
			struct rx_ctx x = { .s = s,
					    .sa = (const struct sockaddr *)&b.ss[i],
					    .salen = h->msg_namelen,
					    .now = now,
					    .t = udtb_rxts_arrival(h, now, real) };
			uint32_t ovfl;

			if (udtb_rxq_ovfl(h, &ovfl) && ovfl != s->rx_ovfl) {
				be->st.sock_rx_drops += (uint32_t)(ovfl - s->rx_ovfl);
				s->rx_ovfl = ovfl;
			}
			if (h->msg_flags & MSG_TRUNC) {
				be->st.truncated++;
				continue;
			}
			if (s->gro && b.mm[i].msg_len > udtb_gro_size(h, b.mm[i].msg_len))
				be->st.gro_bufs++;
			udtb_rxb_each(&b, (unsigned int)i, s->gro, rx_dgram, &x);
			if (s->io.fd < 0)
				return;
		}
		if ((unsigned int)r < b.n)
			return;
	}
}

void udtb_sock_event(struct lu2k_io *io, uint32_t revents)
{
	struct udtb_sock *s = lu2k_container_of(io, struct udtb_sock, io);

	if (revents & (EPOLLIN | EPOLLERR))
		sock_read(s);
	if ((revents & EPOLLOUT) && s->io.fd >= 0 && s->blocked)
		unblocked(s);
}
