/* SPDX-License-Identifier: MIT */
/*
 * udt_early.c - the reply's connection, started when a peer's connection
 * comes in.
 *
 * lu2kd sends only on its own outgoing connections, so the reply to a new
 * peer's first message needs a connection back, which the core asks for
 * when it has the reply, a round trip after the peer's request reached us
 * (the peer's hello and first message follow our response). Started at
 * once instead, toward the peer's address at our own port (where lu2k
 * listens: NIDs name an address, the port is the network's), it is up when
 * the message comes: the reply leaves at once, and a first contact's round
 * trip takes 2 RTTs instead of 3.
 *
 * The hello still binds the peer: the early connection is only used when
 * the hello names a NID whose address and port are the ones it went to, and
 * the core then asks for a connection to that NID (udtb_early_adopt); it
 * says its own hello then. Until that hello came, the peer's address is
 * not proved if its request had no cookie (handshake.h): the early
 * connection then sends one request (its final one without a cookie) and
 * waits, sending nothing more until the hello proves the address. So a
 * sender who gives another's address gets one request sent there for each
 * of the listener's slots (16 at a time), beside the response. One not
 * used within half the hello timeout after the hello (a peer that wanted
 * no reply), or whose incoming connection ended or named another address,
 * is closed. Not with keys on (their node handshake comes first), nor for a
 * connection with a source address (multipath).
 */
#include "udt_be.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "common/nid.h"
#include "common/sockaddr.h"

/* early connections waiting at most, in all (each held by an incoming one) */
#define UDTB_EARLY_MAX 16

static uint32_t early_count(struct lu2k_be *be, const struct sockaddr_storage *to, bool *found)
{
	struct lu2k_list *pos;
	uint32_t n = 0;

	*found = false;
	lu2k_list_for_each(pos, &be->conns)
	{
		struct lu2k_be_conn *c = lu2k_container_of(pos, struct lu2k_be_conn, link);

		if (!c->out)
			continue;
		n += c->early_st != UDTB_EARLY_NONE;
		if (lu2k_sockaddr_equal(&c->addr, to))
			*found = true;
	}
	return n;
}

/* to is where one of our listeners is (a peer on this host sent from our address) */
static bool ours(struct lu2k_be *be, const struct sockaddr_storage *to)
{
	struct lu2k_list *pos;

	lu2k_list_for_each(pos, &be->listeners)
	{
		struct lu2k_be_listener *l = lu2k_container_of(pos, struct lu2k_be_listener, link);
		struct sockaddr_storage ss;

		if (lu2k_nid_to_sockaddr(&l->nid, l->port, &ss) >= 0 &&
		    lu2k_sockaddr_equal(&ss, to))
			return true;
	}
	return false;
}

void udtb_early_start(struct lu2k_be_listener *l, struct lu2k_be_conn *in)
{
	struct lu2k_be *be = l->s.be;
	struct sockaddr_storage to = in->addr;
	struct lu2k_be_conn *c = NULL;
	bool found;

	if (be->sec)
		return;
	/* the peer's listener: its address, our port */
	if (to.ss_family == AF_INET)
		((struct sockaddr_in *)&to)->sin_port = htons(l->port);
	else if (to.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&to)->sin6_port = htons(l->port);
	else
		return;
	/* one connection there already (or on its way) is the one the reply takes */
	if (early_count(be, &to, &found) >= UDTB_EARLY_MAX || found || ours(be, &to))
		return;
	if (udtb_open_out(be, &to, in->addrlen, &in->local, NULL, NULL, NULL, &c) || !c)
		return;
	be->st.early_started++;
	c->early = in;
	in->early = c;
	c->early_st = UDTB_EARLY_WAIT;
	if (in->unproved) {
		/* one request, its final one without a cookie, then nothing until the hello */
		udt_conn_use_token(c->u, UDT_HS_NO_COOKIE, udtb_conn_now(c, lu2k_loop_now_ns()));
		c->early_st = UDTB_EARLY_HELD;
	}
	udtb_conn_mark_dirty(c);
}

/*
 * Closed at its next timer, not here: its incoming connection may be
 * failing inside a walk of the connections (udtb_unlisten), which must not
 * lose its next one.
 */
static void early_drop(struct lu2k_be_conn *c)
{
	c->early_st = UDTB_EARLY_GONE;
	/* without memory for the timer's place: at the engine's next deadline (udtb_conn_arm) */
	if (lu2k_loop_timer_arm(c->be->env.loop, &c->timer, 0))
		udtb_conn_mark_dirty(c);
}

void udtb_early_hello(struct lu2k_be_conn *in, const struct lu2k_nid *src)
{
	struct lu2k_be_conn *c = in->early;
	struct sockaddr_storage ss;
	int len;

	if (!c)
		return;
	in->early = NULL;
	c->early = NULL;
	len = lu2k_nid_to_sockaddr(src, in->sock->l->port, &ss);
	if (len < 0 || !lu2k_sockaddr_equal(&ss, &c->addr)) {
		/* the peer is not where it sent from: the core connects to its NID */
		early_drop(c);
		return;
	}
	c->remote = *src;
	c->early_deadline = lu2k_loop_now_ns() + lu2k_time_ms_to_ns(c->be->hello_timeout_ms / 2);
	/* its address proved: the handshake goes on, if it has not ended */
	if (c->early_st == UDTB_EARLY_HELD)
		udtb_conn_mark_dirty(c);
	c->early_st = UDTB_EARLY_READY;
}

void udtb_early_gone(struct lu2k_be_conn *c)
{
	struct lu2k_be_conn *other = c->early;

	if (!other)
		return;
	c->early = NULL;
	other->early = NULL;
	/* the incoming connection ended before its hello: the early one goes too */
	if (other->out)
		early_drop(other);
}

struct lu2k_be_conn *udtb_early_adopt(struct lu2k_be *be, const struct lu2k_nid *local,
				      const struct lu2k_nid *remote,
				      const struct sockaddr_storage *to, void *ctx)
{
	struct lu2k_list *pos;

	lu2k_list_for_each(pos, &be->conns)
	{
		struct lu2k_be_conn *c = lu2k_container_of(pos, struct lu2k_be_conn, link);

		if (!c->out || c->early_st != UDTB_EARLY_READY ||
		    !lu2k_nid_eq(&c->remote, remote) || !lu2k_nid_eq(&c->local, local) ||
		    !lu2k_sockaddr_equal(&c->addr, to))
			continue;
		c->early_st = UDTB_EARLY_NONE;
		c->ctx = ctx;
		be->st.early_used++;
		/* up already: its hello and the core's connected() at the next round */
		if (udt_conn_state(c->u) == UDT_ST_CONNECTED || udt_conn_first_open(c->u)) {
			c->established = true;
			udtb_conn_mark_dirty(c);
		}
		return c;
	}
	return NULL;
}

bool udtb_early_timer(struct lu2k_be_conn *c)
{
	if (c->early_st == UDTB_EARLY_HELD)
		return true; /* sends nothing more until the hello proves the address */
	if (c->early_st == UDTB_EARLY_GONE ||
	    (c->early_st == UDTB_EARLY_READY && lu2k_loop_now_ns() >= c->early_deadline)) {
		/* the peer wanted no reply */
		udtb_conn_fail(c, -ECANCELED, false);
		return true;
	}
	return false;
}
