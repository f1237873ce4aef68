/* SPDX-License-Identifier: MIT */
/*
 * rds_conn.c - the rds back-end's connections once made: their memory,
 * teardown (every held message failed once, the peer told), a peer that is
 * gone (RDS_CANCEL_SENT_TO), and the tick that keeps their deadlines,
 * keep-alives and congestion retries.
 */
#include "rds.h"
#include "rds_sec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rds.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/nid.h"
#include "common/sockaddr.h"
#include "common/log.h"
#include "common/time.h"

/* ---- connections ---- */

static void conn_free(struct lu2k_defer *d)
{
	free(lu2k_container_of(d, struct lu2k_be_conn, defer));
}

static void sock_free(struct lu2k_defer *d)
{
	struct rdsb_sock *s = lu2k_container_of(d, struct rdsb_sock, defer);

	free(s->rbuf);
	free(s);
}

void rdsb_sock_put(struct rdsb_sock *s)
{
	if (--s->refs > 0)
		return;
	lu2k_loop_io_set(s->be->env.loop, &s->io, 0);
	lu2k_rds_sockops->close(s->io.fd);
	if (s->cio.fd >= 0) {
		lu2k_loop_io_set(s->be->env.loop, &s->cio, 0);
		lu2k_rds_sockops->close(s->cio.fd);
	}
	lu2k_list_del(&s->link);
	s->be->st.sockets--;
	lu2k_loop_defer(s->be->env.loop, &s->defer, sock_free);
}

struct lu2k_be_conn *rdsb_conn_new(struct lu2k_be *be, struct rdsb_sock *s, bool out)
{
	struct lu2k_be_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	/* the tick times out and resends: a connection without it is not made */
	if (!lu2k_heap_timer_armed(&be->tick) &&
	    lu2k_loop_timer_arm(be->env.loop, &be->tick, lu2k_time_ms_to_ns(RDSB_TICK_MS))) {
		free(c);
		return NULL;
	}
	c->be = be;
	c->s = s;
	s->refs++;
	c->out = out;
	lu2k_list_init(&c->sendq);
	lu2k_list_init(&c->ackq);
	lu2k_list_init(&c->dirty_link);
	lu2k_list_add_tail(&be->conns, &c->link);
	c->next_seq = 1;
	c->expect_seq = 1;
	c->start_ns = c->last_rx_ns = c->last_tx_ns = c->last_data_ns = be->env.loop->now;
	c->tick_gen = be->tick_gen;
	return c;
}

static void fail_list(struct lu2k_be_conn *c, struct lu2k_list *q, int err)
{
	while (!lu2k_list_empty(q)) {
		struct lu2k_be_msg *m = lu2k_list_first(q, struct lu2k_be_msg, be_link);

		lu2k_list_del(&m->be_link);
		c->be->env.sent(c->ctx, m, err);
	}
	c->nsendq = c->nackq = 0;
}

/* Tell the other end that this connection is gone (best effort). */
static void tell_peer(struct lu2k_be_conn *c, int err)
{
	uint8_t f[LU2K_RDSW_CLOSE_LEN];
	struct iovec iov = { .iov_base = f, .iov_len = sizeof(f) };
	int rc;

	/* a silent peer is not told; one that answers but lost a piece is */
	if (c->peer_closed || (err == -ETIMEDOUT && !c->stalled) ||
	    (c->out && c->state == RDSB_HELLO && c->hello_pending))
		return;
	/* with keys, sealed; before the session's keys there is no one to tell */
	if (c->sec && !c->sec->up)
		return;
	lu2k_rdsw_close_encode(f, c->out ? LU2K_RDSW_CLOSE : LU2K_RDSW_RESET, c->id,
			       err < 0 && err >= -4095 ? err : -ECONNRESET);
	rc = c->sec ? (int)rdsb_sec_send(c, true, &iov, 1)
		    : rdsb_send_ctrl(c->s, &c->peer, c->peerlen, f, sizeof(f));
	if (rc >= 0 && !c->out)
		c->be->st.resets_tx++;
}

/*
 * Tear c down: every held message fails with err, a begun RX buffer is
 * ended, the peer hears of it, and (if upcall) the core hears closed().
 */
void rdsb_conn_fail(struct lu2k_be_conn *c, int err, bool upcall)
{
	struct lu2k_be *be = c->be;
	struct rdsb_sock *s = c->s;

	if (c->state == RDSB_DEAD)
		return;
	if (upcall && c->state == RDSB_UP)
		be->st.conns_failed++;
	tell_peer(c, err);
	rdsb_sec_free(c); /* the session's keys go with the connection */
	c->state = RDSB_DEAD;
	lu2k_list_del(&c->dirty_link);
	lu2k_list_del(&c->link);
	if (s->paused && s->paused_conn == c)
		rdsb_sock_unpause(s); /* its waiting frame goes with it */
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
	rdsb_sock_put(s);
	lu2k_loop_defer(be->env.loop, &c->defer, conn_free);
}

/* c cannot continue, but we are inside a core call: torn down in the idle hook. */
void rdsb_conn_break(struct lu2k_be_conn *c, int err)
{
	if (c->state == RDSB_DEAD || c->state == RDSB_BROKEN)
		return;
	c->state = RDSB_BROKEN;
	c->broken_err = err;
	rdsb_conn_mark_dirty(c);
}

/*
 * The peer at that address is silent past its deadline (or never answered a
 * hello): RDS would go on trying to deliver what we queued for it, and that
 * queue holds the socket's send buffer. Drop it all (RDS_CANCEL_SENT_TO), fail
 * every outgoing connection to that peer (their pieces were dropped with it),
 * and send the acks of connections from it again (they were dropped too).
 */
void rdsb_peer_gone(struct rdsb_sock *s, const struct sockaddr_storage *peer, int err)
{
	struct lu2k_be *be = s->be;
	struct lu2k_list *pos;
	socklen_t plen = peer->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						     : sizeof(struct sockaddr_in);
	bool again = true;

	s->refs++; /* s outlives the conns failed below */
	if (lu2k_rds_sockops->setsockopt(s->io.fd, SOL_RDS, RDS_CANCEL_SENT_TO, peer, plen) == 0)
		be->st.cancel_sent_to++;
	if (s->cio.fd >= 0)
		lu2k_rds_sockops->setsockopt(s->cio.fd, SOL_RDS, RDS_CANCEL_SENT_TO, peer, plen);
	lu2k_list_for_each(pos, &be->conns)
	{
		struct lu2k_be_conn *c = lu2k_container_of(pos, struct lu2k_be_conn, link);

		if (c->s != s || !lu2k_sockaddr_equal(&c->peer, peer))
			continue;
		if (c->out) {
			c->doomed = true;
		} else if (c->state == RDSB_UP) {
			c->ack_force = true;
			/*
			 * The answer to its hello (with keys: HS_RESP and the
			 * sealed HELLO_ACK) may have waited in that queue too:
			 * once more, unless the connector has spoken since (it
			 * got it). Else the connector would wait out its hello
			 * timeout for an answer that is gone (issue 15).
			 */
			if (c->last_data_ns == c->start_ns) {
				c->hello_pending = true;
				if (c->sec)
					c->sec->resp_pending = true;
				be->st.hello_answers_again++;
			}
			rdsb_conn_mark_dirty(c);
		}
	}
	/* Upcalls may close or open other conns: start over after each one. */
	while (again) {
		again = false;
		lu2k_list_for_each(pos, &be->conns)
		{
			struct lu2k_be_conn *c = lu2k_container_of(pos, struct lu2k_be_conn, link);

			if (c->doomed) {
				c->doomed = false;
				rdsb_conn_fail(c, err, true);
				again = true;
				break;
			}
		}
	}
	rdsb_sock_put(s);
}

void rdsb_conn_log(struct lu2k_be_conn *c, const char *what)
{
	char a[LU2K_NID_STRLEN], b[LU2K_NID_STRLEN];

	LOG_RL(LU2K_LOG_WARN, "rds: %s -> %s: %s",
	       lu2k_nid_format(c->out ? &c->local : &c->remote, a, sizeof(a)),
	       lu2k_nid_format(c->out ? &c->remote : &c->local, b, sizeof(b)), what);
}

/* Timeouts, keep-alives and congestion retries of one connection. */
static void tick_conn(struct lu2k_be *be, struct lu2k_be_conn *c, uint64_t now)
{
	uint64_t ka = lu2k_time_ms_to_ns(be->keepalive_ms);

	if (c->state == RDSB_BROKEN) {
		rdsb_conn_fail(c, c->broken_err, true);
		return;
	}
	if (c->congested && now - c->cong_ns >= lu2k_time_ms_to_ns(be->cong_retry_ms)) {
		c->congested = false;
		rdsb_conn_mark_dirty(c);
	}
	if (c->s->paused) {
		/* We read nothing now, so we cannot judge the peer; tell it we live. */
		if (!c->out && c->state == RDSB_UP && now - c->last_tx_ns >= ka) {
			c->ack_force = true;
			rdsb_conn_mark_dirty(c);
		}
		return;
	}
	if (c->out && c->state == RDSB_HELLO) {
		/* The answer may wait behind our messages to that peer: silence counts. */
		if (now - c->last_rx_ns >= lu2k_time_ms_to_ns(be->hello_timeout_ms)) {
			be->st.hello_timeouts++;
			rdsb_conn_log(c, c->sec ? "no answer to the handshake, giving up (does the "
						  "peer run with keys, and list ours?)"
						: "no answer to the hello, giving up");
			rdsb_peer_gone(c->s, &c->peer, -ETIMEDOUT);
		}
		return;
	}
	if (c->state != RDSB_UP || rdsb_sec_tick(c, now))
		return;
	if (now - c->last_rx_ns >= lu2k_time_ms_to_ns(be->ack_timeout_ms)) {
		be->st.peer_timeouts++;
		rdsb_conn_log(c, "the peer is silent past ack_timeout_ms, failing the connection");
		if (c->out)
			rdsb_peer_gone(c->s, &c->peer, -ETIMEDOUT);
		else
			rdsb_conn_fail(c, -ETIMEDOUT, true);
		return;
	}
	if (c->out && c->progress && c->pieces_tx != c->peer_pieces &&
	    now - c->progress_ns >= lu2k_time_ms_to_ns(be->ack_timeout_ms)) {
		/*
		 * The peer answers (its acks and keep-alives come) but has taken
		 * no piece of ours for a whole deadline: RDS handed one over and
		 * lost it, and the listener waits for it for good. Fail the
		 * conn's messages back (LNet sends them again); the CLOSE ends
		 * the listener's half-built message, and the core connects anew.
		 */
		be->st.progress_timeouts++;
		rdsb_conn_log(c, "the peer answers but took no piece of ours for ack_timeout_ms "
				 "(one was lost), failing the connection");
		c->stalled = true;
		rdsb_conn_fail(c, -ETIMEDOUT, true);
		return;
	}
	if (c->out && now - c->last_tx_ns >= ka && now - c->last_rx_ns >= ka) {
		c->ping_pending = true;
		rdsb_conn_mark_dirty(c);
	}
	/*
	 * A sender's PING waits behind its own messages in RDS's queue to us, so
	 * while its pieces come in we say that we live, without being asked.
	 */
	if (!c->out && now - c->last_tx_ns >= ka &&
	    now - c->last_data_ns < lu2k_time_ms_to_ns(be->ack_timeout_ms)) {
		c->ack_force = true;
		rdsb_conn_mark_dirty(c);
	}
}

void rdsb_tick(struct lu2k_timer *t)
{
	struct lu2k_be *be = lu2k_container_of(t, struct lu2k_be, tick);
	uint64_t now = be->env.loop->now;
	bool again = true;

	be->tick_gen++;
	while (again) {
		struct lu2k_list *pos;

		again = false;
		lu2k_list_for_each(pos, &be->conns)
		{
			struct lu2k_be_conn *c = lu2k_container_of(pos, struct lu2k_be_conn, link);

			if (c->tick_gen == be->tick_gen)
				continue;
			c->tick_gen = be->tick_gen;
			tick_conn(be, c, now);
			again = true; /* the list may have changed: start over */
			break;
		}
	}
	if (!lu2k_list_empty(&be->conns) &&
	    lu2k_loop_timer_arm(be->env.loop, &be->tick, lu2k_time_ms_to_ns(RDSB_TICK_MS))) {
		/* nothing would time these out any more: close them rather than hang */
		LOG_RL(LU2K_LOG_ERROR, "rds: out of memory for the tick: closing every connection");
		while (!lu2k_list_empty(&be->conns))
			rdsb_conn_fail(lu2k_list_first(&be->conns, struct lu2k_be_conn, link),
				       -ENOMEM, true);
	}
}
