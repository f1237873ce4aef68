/* SPDX-License-Identifier: MIT */
/*
 * udt_listen.c - a udt listener's life: its socket, shared by every
 * connection that came in on it, so it lives until the last of them is
 * freed (a reference each); and the accept of a new incoming connection,
 * where the caps on what a stranger may make us hold (per source, per
 * prefix, unproven without a cookie) are applied before anything is
 * allocated for it. Connections themselves are in udt.c; doc/udt-backend.md.
 */
#include "udt_be.h"

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/nid.h"

/*
 * What a listener's socket holds, in packets, shared by the windows of the
 * connections on it (rcvbuf.h, FLOW SHARE): what the kernel granted (it
 * reports twice that, its own overhead counted), over a packet. With
 * several listeners, the smallest.
 */
static void flow_share_init(struct lu2k_be *be, int fd)
{
	int got = 0;
	socklen_t l = sizeof(got);
	uint32_t pkts;

	if (!be->flow_share || getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &l) || got <= 0)
		return;
	pkts = (uint32_t)((uint64_t)got / 2 / (uint64_t)be->ucfg.mss);
	if (pkts < UDT_RXMEM_FLOW_MIN)
		pkts = UDT_RXMEM_FLOW_MIN;
	if (!be->rxmem.flow_sock || pkts < be->rxmem.flow_sock)
		udt_rxmem_flow_init(&be->rxmem, pkts);
}

static void listener_free(struct lu2k_defer *d)
{
	free(lu2k_container_of(d, struct lu2k_be_listener, defer));
}

/*
 * Its memory goes after the loop's batch: an event of this batch for its
 * socket, read after it closed, finds it closed (io.events 0), not freed (a
 * detach in the batch, while the peer's connection to it talked).
 */
void udtb_listener_put(struct lu2k_be_listener *l)
{
	if (--l->refs)
		return;
	udtb_sock_close(&l->s);
	lu2k_loop_defer(l->s.be->env.loop, &l->defer, listener_free);
}

static struct lu2k_be_conn *accept_conn(struct lu2k_be_listener *l, const struct sockaddr *sa,
					socklen_t salen, const struct udt_hs *hs, uint64_t now)
{
	struct lu2k_be *be = l->s.be;
	struct lu2k_be_conn *c;
	uint32_t ip[4];

	if (udtb_from_source(be, sa) >= be->max_conns_per_source) {
		char a[INET6_ADDRSTRLEN + 8];
		struct sockaddr_storage ss;

		be->st.too_many_from_source++;
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, sa, salen);
		LOG_RL(LU2K_LOG_WARN,
		       "udt: %s has %u incoming connections (max_conns_per_source): refusing one",
		       udtb_addr_str(&ss, a, sizeof(a)), be->max_conns_per_source);
		return NULL;
	}
	/* keys on: its node handshake was counted (udt_sec.c), and it takes that place */
	if (!be->sec && udtb_prefix_full(be, sa))
		return NULL;
	c = udtb_conn_new(be, false);
	if (!c)
		return NULL;
	udtb_hs_ip(sa, ip);
	c->t_last = now;
	/* a flow from its handshake on: its first window is its share (rcvbuf.h, FLOW SHARE) */
	udt_rxmem_flow_new(&be->rxmem, &c->flow_seen, now);
	{
		struct udt_config acfg = be->ucfg;

		acfg.mss = udtb_mss_for(be, sa->sa_family);
		c->u = udt_conn_accept(&acfg, &udtb_callbacks, c, c->dmx.local_id, hs, ip, now);
	}
	if (!c->u) {
		be->st.hs_rejects++;
		udt_dmx_del(&be->dmx, &c->dmx);
		lu2k_list_del(&c->link);
		udtb_conn_count(c, -1);
		free(c);
		return NULL;
	}
	c->sock = &l->s;
	l->refs++;
	memcpy(&c->addr, sa, salen);
	c->addrlen = salen;
	c->dmx.sock = &l->s;
	c->dmx.peer_id = hs->sock_id;
	udt_dmx_addr_from(sa, &c->dmx.addr);
	udt_dmx_add_peer(&be->dmx, &c->dmx);
	c->local = l->nid;
	c->state = UDTB_HELLO;
	c->hello_deadline = now + lu2k_time_ms_to_ns(be->hello_timeout_ms);
	be->st.handshakes++;
	return c;
}

struct lu2k_be_conn *udtb_accept(struct lu2k_be_listener *l, const struct sockaddr *sa,
				 socklen_t salen, const struct udt_hs *hs)
{
	struct lu2k_be *be = l->s.be;
	struct lu2k_be_conn *c;
	uint64_t now = lu2k_loop_now_ns();

	c = accept_conn(l, sa, salen, hs, now);
	if (c) {
		c->unproved = l->hs.took_unproved;
		be->st.hs_unproved += c->unproved;
		/*
		 * Its client may have sent data behind the request, to socket id
		 * 0 (no cookie, or a token: it did not wait for us): found by its
		 * address until it names our id. Before the address is proved,
		 * what it makes is held, acknowledged but not given to the core.
		 */
		if (be->ucfg.first_flight && !be->sec &&
		    (l->hs.took_unproved || l->hs.took_token)) {
			udt_dmx_add_addr(&be->dmx, &c->dmx);
			if (c->unproved)
				udt_conn_hold_rx(c->u);
		}
		udtb_early_start(l, c);
	} else if (l->hs.took_unproved) {
		struct udt_dmx_addr a;

		/* the listener's slot for it back */
		if (!udt_dmx_addr_from(sa, &a))
			udt_listener_proved(&l->hs, &a, sizeof(a), hs->sock_id);
	}
	return c;
}

struct lu2k_be_conn *udtb_first_conn(struct lu2k_be_listener *l, const struct sockaddr *sa)
{
	struct lu2k_be *be = l->s.be;
	struct udt_dmx_addr a;
	struct udt_dmx_node *n;

	if (udt_dmx_addr_from(sa, &a))
		return NULL;
	n = udt_dmx_find_addr(&be->dmx, &l->s, &a);
	if (!n) {
		/* before the request, after the proof, or from nobody who asked: repaired if honest */
		be->st.first_unknown++;
		return NULL;
	}
	be->st.first_pkts++;
	return lu2k_container_of(n, struct lu2k_be_conn, dmx);
}

/*
 * The client named our random socket id, which only the response told: it
 * receives at its address. It sends nothing more to id 0 (what it sent
 * before and is still on its way is repaired), and what it sent before
 * goes on to the core (its hello first), from inside this call.
 */
void udtb_named(struct lu2k_be_conn *c, uint64_t now)
{
	bool held = c->unproved;

	udt_dmx_del_addr(&c->be->dmx, &c->dmx);
	udtb_proved(c);
	if (held)
		udt_conn_release_rx(c->u, udtb_conn_now(c, now));
}

int udtb_listen(struct lu2k_be *be, const struct lu2k_nid *local, uint16_t port,
		struct lu2k_be_listener **out)
{
	struct sockaddr_storage ss;
	struct lu2k_be_listener *l;
	char nid[LU2K_NID_STRLEN];
	int len, rc;

	len = lu2k_nid_to_sockaddr(local, port, &ss);
	if (len < 0)
		return len;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	rc = udtb_sock_open(be, &l->s, ss.ss_family, udtb_sock_event);
	if (rc) {
		free(l);
		return rc;
	}
	if (bind(l->s.io.fd, (struct sockaddr *)&ss, (socklen_t)len)) {
		rc = -errno;
		LOG_ERR("udt: cannot listen on %s port %u: %s",
			lu2k_nid_format(local, nid, sizeof(nid)), port, strerror(-rc));
		udtb_sock_close(&l->s);
		free(l);
		return rc;
	}
	l->s.l = l;
	l->nid = *local;
	l->port = port;
	l->refs = 1;
	flow_share_init(be, l->s.io.fd);
	udt_listener_init(&l->hs, be->key, UDT_SOCK_DGRAM, udtb_mss_for(be, ss.ss_family),
			  (int32_t)be->ucfg.flight_max);
	udt_listener_tokens(&l->hs, offsetof(struct udt_dmx_addr, port), sizeof(uint16_t));
	/*
	 * Connections taken without a cookie before their hello (handshake.h,
	 * udt_listener_unproved; max_unproved, 0: none): a spoofer's reach, each
	 * sending its response and a few keep-alives to an address that did not
	 * ask; an honest connector beyond them goes the cookie way, one round
	 * trip more. Keys on: the node handshake proves the address (udt_sec.h),
	 * no cookie to skip.
	 */
	if (!be->sec)
		udt_listener_unproved(&l->hs, be->max_unproved,
				      lu2k_time_ms_to_ns(be->hello_timeout_ms));
	rc = lu2k_loop_io_set(be->env.loop, &l->s.io, EPOLLIN);
	if (rc) {
		udtb_sock_close(&l->s);
		free(l);
		return rc;
	}
	lu2k_list_add_tail(&be->listeners, &l->link);
	be->st.listeners++;
	LOG_INFO("udt: listening on %s port %u", lu2k_nid_format(local, nid, sizeof(nid)), port);
	*out = l;
	return 0;
}

void udtb_unlisten(struct lu2k_be_listener *l)
{
	struct lu2k_be *be = l->s.be;
	struct lu2k_list *pos, *tmp;

	/* connections the core does not know yet go now; the core closes its own */
	lu2k_list_for_each_safe(pos, tmp, &be->conns)
	{
		struct lu2k_be_conn *c = lu2k_container_of(pos, struct lu2k_be_conn, link);

		if (c->sock == &l->s && !c->ctx)
			udtb_conn_fail(c, -ECONNABORTED, false);
	}
	udtb_sec_unlisten(l);
	l->gone = true;
	lu2k_list_del(&l->link);
	be->st.listeners--;
	udtb_listener_put(l);
}
