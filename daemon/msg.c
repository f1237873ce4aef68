/* SPDX-License-Identifier: MIT */
/*
 * msg.c - the life of a message (timeout, exactly one completion) and the
 * core's side of the back-end interface (struct lu2k_be_env upcalls).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/nid.h"
#include "common/sockaddr.h"
#include "core.h"
#include "dedup.h"
#include "common/log.h"
#include "mpath.h"
#include "common/time.h"

#define MSG_CACHE_MAX 4096

static void msg_timer(struct lu2k_timer *t);

struct lu2kd_msg *lu2kd_msg_alloc(struct lu2kd *d)
{
	struct lu2kd_msg *m = lu2k_list_first(&d->msg_cache, struct lu2kd_msg, link);

	if (m) {
		lu2k_list_del(&m->link);
		d->nmsg_cache--;
	} else {
		m = malloc(sizeof(*m));
		if (!m)
			return NULL;
	}
	memset(m, 0, sizeof(*m));
	lu2k_list_init(&m->link);
	lu2k_list_init(&m->chan_link);
	lu2k_list_init(&m->bm.be_link);
	lu2k_list_init(&m->id_link);
	lu2k_heap_timer_init(&m->timer, msg_timer);
	return m;
}

void lu2kd_msg_free(struct lu2kd *d, struct lu2kd_msg *m)
{
	if (d->nmsg_cache < MSG_CACHE_MAX) {
		lu2k_list_add_head(&d->msg_cache, &m->link);
		d->nmsg_cache++;
	} else {
		free(m);
	}
}

static void cookie_del(struct lu2kd_chan *ch, struct lu2kd_msg *m)
{
	struct lu2kd_msg **pp = &ch->cookies[m->cookie % CHAN_COOKIE_BUCKETS];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == m) {
			*pp = m->hnext;
			return;
		}
	}
}

/*
 * The one place a message ends. Whatever called it (ack, connection error,
 * timeout, detach), the message leaves every queue here, so no second path
 * can complete it again.
 */
void lu2kd_msg_complete(struct lu2kd_msg *m, int status)
{
	struct lu2kd_chan *ch = m->ch;
	struct lu2kd *d = ch->d;
	struct lu2kd_peer *p = m->peer;

	if (m->state == MSG_DONE)
		return;
	if (p) {
		if (m->state == MSG_QUEUED) {
			lu2k_list_del(&m->link);
			p->nqueued--;
		} else {
			p->ninflight--;
		}
		if (status == 0) {
			p->msgs_tx++;
			p->bytes_tx += m->bm.hdr_len + m->bm.payload_len;
		} else {
			p->errors++;
		}
		lu2kd_peer_health(p, status == 0);
		lu2kd_peer_touch(d, p);
	}
	m->state = MSG_DONE;
	m->status = status;
	lu2k_list_del(&m->id_link); /* settled: the peer's low id may move on */
	lu2k_loop_timer_cancel(&d->loop, &m->timer);
	lu2k_list_del(&m->chan_link);
	ch->nmsgs--;
	cookie_del(ch, m);
	if (status == 0) {
		d->st.msgs_ok++;
		ch->st.tx_bytes += m->bm.hdr_len + m->bm.payload_len;
	} else {
		d->st.msgs_err++;
		if (status == -ETIMEDOUT)
			d->st.msgs_timeout++;
	}
	if (!ch->dead && lu2kd_chan_post_cpl(ch, m))
		return; /* kept until the CPL ring has room */
	lu2kd_msg_free(d, m);
}

int lu2kd_msg_start_timer(struct lu2kd_msg *m, uint32_t timeout_ms)
{
	return lu2k_loop_timer_arm(&m->ch->d->loop, &m->timer, lu2k_time_ms_to_ns(timeout_ms));
}

static void msg_timer(struct lu2k_timer *t)
{
	struct lu2kd_msg *m = lu2k_container_of(t, struct lu2kd_msg, timer);
	struct lu2kd *d = m->ch->d;

	m->expired = true; /* multipath: fail it, never send it again */
	if (m->state == MSG_SENDING)
		d->be_ops->cancel(m->conn->bc, &m->bm, -ETIMEDOUT); /* sent() completes it */
	else
		lu2kd_msg_complete(m, -ETIMEDOUT);
}

/* ---- the back-end's upcalls ---- */

/* The hello's NID against the connection's source address (accept.c). */
static bool accept_from(struct lu2kd *d, struct lu2kd_chan *ch, struct lu2k_be_conn *bc,
			const struct lu2k_nid *src)
{
	struct sockaddr_storage from;
	bool known = d->be_ops->peer_addr && !d->be_ops->peer_addr(bc, &from);
	char a[LU2K_NID_STRLEN], b[64];

	if (!lu2kd_accept_check(d->cfg.accept, src, known ? &from : NULL))
		return true;
	if (known && lu2kd_mpath_is_peer_addr(d, ch, src, &from))
		return true; /* one of the NID's other paths, as our path lines say */
	LOG_RL(LU2K_LOG_WARN,
	       "refusing a hello from %s claiming %s: not that NID's address (accept = %s)",
	       known ? lu2k_sockaddr_addr(&from, b, sizeof(b)) : "an unknown address",
	       lu2k_nid_format(src, a, sizeof(a)), lu2kd_accept_str(d->cfg.accept));
	return false;
}

static void *env_accepted(void *core, struct lu2k_be_conn *bc, const struct lu2k_nid *src,
			  const struct lu2k_nid *dst, int *status)
{
	struct lu2kd *d = core;
	struct lu2kd_chan *ch = lu2kd_chan_by_nid(d, dst);
	struct lu2kd_peer *p;
	struct lu2kd_conn *c;

	if (!ch)
		ch = lu2kd_mpath_chan_by_alias(d, dst); /* a peer's other path to us */
	if (!ch) {
		d->st.conns_refused++;
		*status = -ENXIO;
		return NULL;
	}
	if (lu2k_nid_check(src, ch->setup.features)) {
		d->st.conns_refused++;
		*status = -EAFNOSUPPORT;
		return NULL;
	}
	if (!accept_from(d, ch, bc, src)) {
		d->st.conns_refused++;
		d->st.nid_refused++;
		*status = -EACCES;
		return NULL;
	}
	if (!lu2kd_peer_find(d, ch, src) && !lu2kd_peers_make_room(d)) {
		char a[LU2K_NID_STRLEN];

		d->st.conns_refused++;
		d->st.peers_refused++;
		LOG_RL(LU2K_LOG_WARN,
		       "peers: %u peers, none idle (max_peers %u): refusing a connection from %s",
		       d->npeers, d->cfg.max_peers, lu2k_nid_format(src, a, sizeof(a)));
		*status = -EUSERS;
		return NULL;
	}
	p = lu2kd_peer_get(d, ch, src);
	c = p ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		*status = -ENOMEM;
		return NULL;
	}
	c->d = d;
	c->peer = p;
	c->bc = bc;
	c->start_ns = d->loop.now;
	lu2k_list_init(&c->wait_link);
	lu2k_list_add_tail(&p->inconns, &c->link);
	p->nin++;
	d->st.conns_accepted++;
	return c;
}

static void env_connected(void *ctx)
{
	lu2kd_peer_connected(ctx);
}

static void env_confirmed(void *ctx)
{
	lu2kd_peer_confirmed(ctx);
}

static void env_closed(void *ctx, int err)
{
	lu2kd_peer_conn_closed(ctx, err);
}

static void env_sent(void *ctx, struct lu2k_be_msg *bm, int status)
{
	struct lu2kd_conn *c = ctx;

	if (c && c->mp && lu2kd_mpath_sent(c, (struct lu2kd_msg *)bm, status))
		return; /* taken back: it goes on another path */
	lu2kd_msg_complete((struct lu2kd_msg *)bm, status);
}

static void env_writable(void *ctx)
{
	lu2kd_peer_writable(ctx);
}

static int env_rx_begin(void *ctx, const struct lu2k_nid *target, struct lu2k_be_rxbuf *buf)
{
	struct lu2kd_conn *c = ctx;
	struct lu2kd_chan *ch = c->peer->ch;
	uint64_t len = (uint64_t)buf->hdr_len + buf->payload_len;
	uint64_t off;
	uint32_t alen;
	int rc;

	if (ch->dead)
		return -ECONNRESET;
	if (buf->hdr_len > LU2K_HDR_MAX)
		return -EPROTO;
	if (len > ch->setup.max_msg_size)
		return -EMSGSIZE;
	if (buf->flags & LU2K_BE_RX_EARLY) {
		/*
		 * Spare room only: what early buffers hold waits on packets
		 * still to come, so it must leave room for the messages that
		 * are whole, and never take a place in the queue.
		 */
		if (!lu2k_list_empty(&ch->rx_waiters) || !lu2kd_chan_rx_ring_room(ch) ||
		    ch->rx_early >= (ch->rx.mask + 1) / 4 ||
		    ch->rx_early_bytes + len > ch->rxa.size / 2)
			return -ENOBUFS;
		rc = lu2kd_rxalloc_alloc(&ch->rxa, len, &off, &alen);
		if (rc < 0)
			return rc == -ENOSPC ? -ENOBUFS : rc;
		ch->rx_early++;
		ch->rx_early_bytes += alen;
		goto got;
	}
	/*
	 * The kernel half is behind on the RX ring: keep the rest in the
	 * network. A message begun has its slot (rx_reserved), so that once
	 * whole it is posted at once and nothing acknowledged waits in here.
	 */
	if (!lu2kd_chan_rx_ring_room(ch)) {
		ch->st.rx_ring_full++;
		ch->d->st.rx_ring_full++;
		goto wait;
	}
	/*
	 * First come, first served: a big message waiting is not overtaken by
	 * small ones (the conn being resumed is the head, just off the list).
	 */
	if (!lu2k_list_empty(&ch->rx_waiters) && !c->rx_waiting && ch->rx_resuming != c)
		goto wait;
	if (c->rx_waiting && lu2k_list_first(&ch->rx_waiters, struct lu2kd_conn, wait_link) != c)
		goto wait;
	rc = lu2kd_rxalloc_alloc(&ch->rxa, len, &off, &alen);
	if (rc == -ENOSPC)
		goto wait;
	if (rc < 0)
		return rc;
	lu2kd_chan_rx_unwait(c);
	if (ch->rx_resuming == c)
		ch->rx_resuming = NULL; /* its turn is used: the next one waits in line */
got:
	ch->rx_reserved++;
	buf->data = (char *)ch->region + off;
	buf->off = off;
	buf->alloc_len = alen;
	buf->owner = ch;
	return 0;
wait:
	lu2kd_chan_rx_wait(ch, c);
	return -EAGAIN;
}

/*
 * A multipath sender's message id (dedup.h): 0 deliver it, 1 a copy of one
 * delivered already (drop it), < 0 the connection cannot go on.
 */
static int rx_dedup(struct lu2kd_conn *c, const struct lu2k_be_rxbuf *buf)
{
	struct lu2kd_peer *p = c->peer;
	char a[LU2K_NID_STRLEN];

	if (!buf->mid.epoch)
		return 0;
	if (!p->dedup) {
		p->dedup = malloc(sizeof(*p->dedup));
		if (!p->dedup)
			return -ENOMEM;
		lu2kd_dedup_init(p->dedup);
	}
	switch (lu2kd_dedup_check(p->dedup, &buf->mid)) {
	case LU2K_DEDUP_NEW:
		return 0;
	case LU2K_DEDUP_DUP:
		LOG_RL(LU2K_LOG_INFO,
		       "peer %s: message id %llu again (sent on another path): dropped",
		       lu2k_nid_format(&p->nid, a, sizeof(a)), (unsigned long long)buf->mid.id);
		return 1;
	case LU2K_DEDUP_BAD:
		break;
	}
	LOG_RL(LU2K_LOG_WARN, "peer %s: message id %llu outside its window (low %llu): closing",
	       lu2k_nid_format(&p->nid, a, sizeof(a)), (unsigned long long)buf->mid.id,
	       (unsigned long long)buf->mid.low);
	return -EPROTO;
}

static int env_rx_end(void *ctx, struct lu2k_be_rxbuf *buf, int status)
{
	struct lu2kd_conn *c = ctx;
	struct lu2kd_chan *ch = buf->owner;
	struct lu2k_rx_desc d;
	int rc;

	/* a buffer is ended once: the owner goes with the first end */
	if (LU2K_BUG_IF(!ch, "the back-end ended a receive that was not begun, or ended it twice"))
		return -EINVAL;
	buf->owner = NULL;
	if (!LU2K_BUG_IF(!ch->rx_reserved, "more receives ended than begun on a channel"))
		ch->rx_reserved--;
	if ((buf->flags & LU2K_BE_RX_EARLY) && ch->rx_early) {
		ch->rx_early--;
		ch->rx_early_bytes -= buf->alloc_len;
	}
	if (status < 0 || ch->dead) {
		if (!ch->dead)
			lu2kd_rxalloc_free(&ch->rxa, buf->off, buf->alloc_len);
		return status < 0 ? status : -ECONNRESET;
	}
	rc = rx_dedup(c, buf);
	if (rc) {
		/* a second copy (acknowledged: the sender may stop), or a bad id */
		lu2kd_rxalloc_free(&ch->rxa, buf->off, buf->alloc_len);
		return rc > 0 ? 0 : rc;
	}
	memset(&d, 0, sizeof(d));
	d.src = c->peer->nid;
	d.buf_off = buf->off;
	d.hdr_len = buf->hdr_len;
	d.payload_len = buf->payload_len;
	d.alloc_len = buf->alloc_len;
	if (lu2kd_chan_post_rx(ch, &d))
		return -EIO;
	if (buf->mid.epoch)
		lu2kd_dedup_mark(c->peer->dedup, &buf->mid);
	c->msgs++;
	c->bytes += buf->hdr_len + buf->payload_len;
	c->peer->msgs_rx++;
	c->peer->bytes_rx += buf->hdr_len + buf->payload_len;
	return 0;
}

void lu2kd_core_env(struct lu2kd *d, struct lu2k_be_env *env)
{
	memset(env, 0, sizeof(*env));
	env->loop = &d->loop;
	env->core = d;
	env->max_msg_size = 16 * 1024 * 1024 + LU2K_HDR_MAX; /* channels check their own */
	env->auth = d->auth.enabled ? &d->auth : NULL;
	env->multipath = d->cfg.multipath;
	env->accepted = env_accepted;
	env->connected = env_connected;
	env->confirmed = env_confirmed;
	env->closed = env_closed;
	env->sent = env_sent;
	env->writable = env_writable;
	env->rx_begin = env_rx_begin;
	env->rx_end = env_rx_end;
	env->peer_addrs = lu2kd_mpath_peer_addrs;
}
