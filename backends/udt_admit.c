/* SPDX-License-Identifier: MIT */
/*
 * udt_admit.c - whether an incoming udt connection may be made: the caps on
 * connections from one address, and on those that prove nothing beyond
 * their address yet (before their hello; with keys, node handshakes
 * waiting for their UDT connection) per /24 or /64 and in all.
 */
#include "udt_be.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/sockaddr.h"
#include "halfopen.h"
#include "udt_sec.h"

/* Incoming connections from sa's address, whatever their port. */
uint32_t udtb_from_source(struct lu2k_be *be, const struct sockaddr *sa)
{
	struct udt_dmx_addr a;
	struct lu2k_list *pos;
	uint32_t n = 0;

	if (udt_dmx_addr_from(sa, &a))
		return 0;
	lu2k_list_for_each(pos, &be->conns)
	{
		struct lu2k_be_conn *c = lu2k_container_of(pos, struct lu2k_be_conn, link);

		if (!c->out && c->dmx.addr.family == a.family &&
		    !memcmp(c->dmx.addr.ip, a.ip, sizeof(a.ip)))
			n++;
	}
	return n;
}

static void prefix_str(const struct udt_dmx_addr *a, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	char as[INET6_ADDRSTRLEN + 8];

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = a->family;
	if (a->family == AF_INET6)
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, a->ip, 16);
	else
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, a->ip, 4);
	snprintf(buf, len, "/%d of %s", lu2k_ip_net_bits(a->family, a->ip),
		 lu2k_sockaddr_addr(&ss, as, sizeof(as)));
}

/* An incoming connection that has not said hello yet, and its prefix. */
static bool halfopen_of(struct lu2k_list *node, struct lu2k_halfopen_key *k)
{
	struct lu2k_be_conn *c = lu2k_container_of(node, struct lu2k_be_conn, link);

	if (c->out || c->state != UDTB_HELLO)
		return false;
	lu2k_halfopen_key(k, c->dmx.addr.family, c->dmx.addr.ip);
	return true;
}

/*
 * Every unproven connection together is at max_halfopen: the oldest of the
 * prefix that holds the most makes room (halfopen.h). So attackers on many
 * prefixes, each under max_halfopen_per_prefix, cannot lock out an honest
 * connector from a prefix of its own, nor one attacker the honest peers of
 * its prefix. Only connections waiting for their hello are closed for it
 * (none: refused); node handshakes (keys on) count, and expire at
 * hello_timeout_ms.
 */
static bool halfopen_room(struct lu2k_be *be, const struct udt_dmx_addr *a, uint32_t n)
{
	struct lu2k_halfopen_key nk;
	struct lu2k_be_conn *victim = NULL;
	struct lu2k_list *node;
	char p[INET6_ADDRSTRLEN + 16];

	lu2k_halfopen_key(&nk, a->family, a->ip);
	node = lu2k_halfopen_pick(&be->conns, n, halfopen_of, &nk);
	if (node)
		victim = lu2k_container_of(node, struct lu2k_be_conn, link);
	if (!victim) {
		be->st.too_many_halfopen++;
		prefix_str(a, p, sizeof(p));
		LOG_RL(LU2K_LOG_WARN,
		       "udt: %u incoming connections have not said hello yet (max_halfopen), and "
		       "none can make room: refusing a new one from the %s",
		       n, p);
		return false;
	}
	be->st.halfopen_evicted++;
	prefix_str(&victim->dmx.addr, p, sizeof(p));
	LOG_RL(LU2K_LOG_WARN,
	       "udt: %u incoming connections have not said hello yet (max_halfopen): closing "
	       "the oldest from the %s, which holds the most",
	       n, p);
	udtb_conn_fail(victim, -ECONNABORTED, false);
	return true;
}

/*
 * Many addresses of one site or one provider's customer (a /64 holds more
 * than anyone could count) must not fill max_conns with connections that
 * prove nothing beyond their address, and neither must many prefixes: those
 * are capped per /24 or /64 (max_halfopen_per_prefix) and in all
 * (max_halfopen, below max_conns, so that connections that said hello keep
 * room; outgoing ones are counted apart). With keys a node handshake is
 * checked here once, and its UDT connection then takes its place.
 */
bool udtb_prefix_full(struct lu2k_be *be, const struct sockaddr *sa)
{
	char p[INET6_ADDRSTRLEN + 16];
	struct udt_dmx_addr a;
	struct lu2k_list *pos;
	uint32_t n = 0, all = 0;

	if (udt_dmx_addr_from(sa, &a))
		return false;
	lu2k_list_for_each(pos, &be->conns)
	{
		struct lu2k_be_conn *c = lu2k_container_of(pos, struct lu2k_be_conn, link);

		if (c->out || c->state != UDTB_HELLO)
			continue;
		all++;
		n += udt_dmx_addr_same_net(&c->dmx.addr, &a);
	}
	n += udtb_sec_pending_in_net(be, &a);
	all += be->sec ? be->sec->npending : 0;
	if (n >= be->max_halfopen_per_prefix) {
		be->st.too_many_from_prefix++;
		prefix_str(&a, p, sizeof(p));
		LOG_RL(LU2K_LOG_WARN,
		       "udt: the %s has %u incoming connections that have not said hello yet "
		       "(max_halfopen_per_prefix): refusing one",
		       p, n);
		return true;
	}
	if (all >= lu2k_halfopen_cap(be->max_halfopen, be->max_conns))
		return !halfopen_room(be, &a, all);
	return false;
}

/*
 * The listener held a slot for a connection it took without a cookie
 * (proto/udt/handshake.h): its hello proves the client receives at its
 * address (it names our random socket id, which only the response told), and
 * a connection that ends needs no slot.
 */
void udtb_proved(struct lu2k_be_conn *c)
{
	if (!c->unproved)
		return;
	c->unproved = false;
	udt_listener_proved(&c->sock->l->hs, &c->dmx.addr, sizeof(c->dmx.addr), c->dmx.peer_id);
}
