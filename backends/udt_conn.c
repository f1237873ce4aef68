/* SPDX-License-Identifier: MIT */
/*
 * udt_conn.c - lu2k messages over a UDT connection.
 *
 * Sending: each message becomes one UDT message (out of order, no TTL): our
 * 32-byte frame header followed by its bytes where the core has them (the
 * TX region), given to the engine as two referenced pieces (UDT_MSG_PARTS):
 * no copy of the payload, and no allocation of its size. The engine reads
 * them until the message completes; sent() is called only then, or once the
 * engine dropped it (cancel) or the connection died (its engine sends no
 * more data), so the TX range is never read after sent(). A cancelled
 * message is dropped from the engine (what of it left is dropped at the
 * receiver too). The peer engine's ACK of every packet of it is the completion:
 * msg_acked -> sent(0); msg_dropped or a broken connection -> sent(error).
 * The first message of a connection is the hello (udt_wire.h).
 *
 * Receiving: the engine offers each whole message as an iovec of packet
 * payloads; it is copied straight into the RX pool range the core gives
 * (rx_begin/rx_end), and taken only once the kernel half has it. Placement
 * (rx_place = 1): when the first packet of a message of several arrives,
 * its frame header names the lengths, so its RX range is begun at once
 * (LU2K_BE_RX_EARLY: spare room only) and the engine copies the packets
 * that follow in order straight there from the socket's buffer: one copy
 * in the daemon instead of two (rcvbuf.h, PLACEMENT); only the first
 * packet and those that came out of order are copied at the offer. When the
 * core has no room (-EAGAIN), or before the hello, the message is refused:
 * the engine keeps it in its receive buffer, unacknowledged (the sender does
 * not complete it), and the window fills up behind it, which slows the
 * sender. rx_resume asks the engine to offer the refused messages again.
 * Nothing is kept here, so a daemon that dies loses nothing it acknowledged.
 */
#include "udt_be.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/le.h"
#include "common/nid.h"
#include "common/log.h"

/* Copy len bytes from offset off of an iovec. */
static void iov_copy(void *dst, const struct iovec *iov, int iovcnt, size_t off, size_t len)
{
	uint8_t *d = dst;

	for (int i = 0; i < iovcnt && len; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len)
			l = len;
		memcpy(d, (const uint8_t *)iov[i].iov_base + off, l);
		d += l;
		len -= l;
		off = 0;
	}
}

static void protocol_error(struct lu2k_be_conn *c, const char *what, int rc)
{
	char nid[LU2K_NID_STRLEN];

	c->be->st.malformed++;
	LOG_RL(LU2K_LOG_WARN, "udt: %s from %s (%s): closing that connection", what,
	       c->hello_seen || c->out ? lu2k_nid_format(&c->remote, nid, sizeof(nid)) : "?",
	       strerror(-rc));
	if (!c->fail_err)
		c->fail_err = -EPROTO;
}

static void count_rx(struct lu2k_be_conn *c, uint32_t len)
{
	c->busy_ns = c->be->env.loop->now;
	c->trimmed = false;
	c->msgs_rx++;
	c->bytes_rx += len;
	c->be->st.msgs_rx++;
	c->be->st.bytes_rx += len;
}

/*
 * Copy len bytes from offset off of an iovec to dst, but for the entries
 * already at their place there (the engine placed them).
 */
static void iov_place(uint8_t *dst, const struct iovec *iov, int iovcnt, size_t off, size_t len)
{
	size_t pos = 0; /* the message offset of iov[i] */

	for (int i = 0; i < iovcnt && pos < off + len; pos += iov[i].iov_len, i++) {
		size_t a = pos > off ? pos : off, b = pos + iov[i].iov_len;

		if (b > off + len)
			b = off + len;
		if (a >= b || (pos >= off && iov[i].iov_base == dst + (pos - off)))
			continue;
		memcpy(dst + (a - off), (const uint8_t *)iov[i].iov_base + (a - pos), b - a);
	}
}

/*
 * The engine: the first packet of a message of several came. Begin its RX
 * range now if the core has spare room, so that the packets after it are
 * copied there as they arrive. Anything amiss declines: the offer meets it.
 */
static int cb_msg_place(void *ud, uint32_t msgno, const uint8_t *head, size_t len, uint8_t **at,
			size_t *from, size_t *to)
{
	struct lu2k_be_conn *c = ud;
	struct lu2k_be *be = c->be;
	struct lu2k_udtw_msg m;
	uint64_t total;
	size_t hlen;
	int rc;

	if (!be->place || c->out || c->state != UDTB_UP || c->rx_paused || c->fail_err ||
	    c->rxp_on || len < LU2K_UDTW_PEEK || lu2k_udtw_type(head, len) != LU2K_UDTW_MSG)
		return -EAGAIN;
	hlen = head[0] == LU2K_UDTW_MSG_ID ? LU2K_UDTW_MSGID_HLEN : LU2K_UDTW_MSG_HLEN;
	total = hlen + (uint64_t)lu2k_get_le32(head + 4) + lu2k_get_le32(head + 8);
	if (total > SIZE_MAX || lu2k_udtw_msg_decode(head, (size_t)total, be->env.max_msg_size, &m))
		return -EPROTO;
	memset(&c->rxp, 0, sizeof(c->rxp));
	c->rxp.hdr_len = m.hdr_len;
	c->rxp.payload_len = m.payload_len;
	c->rxp.flags = LU2K_BE_RX_EARLY;
	rc = be->env.rx_begin(c->ctx, &m.target, &c->rxp);
	if (rc) {
		be->st.rx_place_declined++;
		return rc;
	}
	c->rxp_on = true;
	c->rxp_msgno = msgno;
	be->st.rx_placed++;
	*at = c->rxp.data;
	*from = hlen;
	*to = (size_t)total;
	return 0;
}

/* The engine gave up on the placed message (a drop request): its range goes back. */
static void cb_msg_unplace(void *ud, uint32_t msgno)
{
	struct lu2k_be_conn *c = ud;

	if (c->rxp_on && c->rxp_msgno == msgno) {
		c->rxp_on = false;
		c->be->env.rx_end(c->ctx, &c->rxp, -ECANCELED);
	}
}

void udtb_rx_unplace(struct lu2k_be_conn *c, int err)
{
	if (!c->rxp_on)
		return;
	c->rxp_on = false;
	/* nothing more is written to the range, which goes back now */
	udt_conn_rx_unplace(c->u);
	c->be->env.rx_end(c->ctx, &c->rxp, err < 0 ? err : -ECONNRESET);
}

/*
 * A whole MSG frame on an incoming connection. Returns 0 once the core has
 * it (posted to the kernel half): only then may the engine acknowledge it.
 * Anything else refuses it, and the engine keeps it unacknowledged: before
 * the hello (the walker offers it again after the hello), while the core has
 * no room (rx_paused: the core calls rx_resume, we ask the engine to offer it
 * again), or when the connection is failing (never acknowledged).
 */
static int rx_msg(struct lu2k_be_conn *c, uint32_t msgno, const struct lu2k_udtw_msg *m,
		  const struct iovec *iov, int iovcnt)
{
	struct lu2k_be *be = c->be;
	struct lu2k_be_rxbuf rx = { .hdr_len = m->hdr_len,
				    .payload_len = m->payload_len,
				    .mid = { m->epoch, m->id, m->low } };
	uint32_t len = m->hdr_len + m->payload_len;
	int rc;

	if (c->rxp_on && c->rxp_msgno == msgno) {
		/* placed: its range was begun with its first packet, and is its own */
		rx = c->rxp;
		rx.mid = (struct lu2k_be_msgid){ m->epoch, m->id, m->low };
		c->rxp_on = false;
		if (rx.hdr_len != m->hdr_len || rx.payload_len != m->payload_len) {
			be->env.rx_end(c->ctx, &rx, -EPROTO);
			return -EPROTO;
		}
		goto copy;
	}
	if (!c->hello_seen || c->rx_paused)
		return -EAGAIN;
	rc = be->env.rx_begin(c->ctx, &m->target, &rx);
	if (rc == -EAGAIN) {
		/* the core queued us for RX space: it calls rx_resume when there is some */
		be->st.rx_pauses++;
		c->rx_paused = true;
		return -EAGAIN;
	}
	if (rc < 0) {
		char nid[LU2K_NID_STRLEN];

		LOG_RL(LU2K_LOG_WARN, "udt: message of %u bytes from %s refused: %s", len,
		       lu2k_nid_format(&c->remote, nid, sizeof(nid)), strerror(-rc));
		c->fail_err = rc;
		return rc;
	}
copy:
	iov_place(rx.data, iov, iovcnt, lu2k_udtw_msg_hlen(m), len);
	rc = be->env.rx_end(c->ctx, &rx, 0);
	if (rc < 0) {
		if (!c->fail_err)
			c->fail_err = rc;
		return rc;
	}
	count_rx(c, len);
	return 0;
}

static void rx_hello(struct lu2k_be_conn *c, const struct lu2k_udtw_hello *h)
{
	struct lu2k_be *be = c->be;
	char a[LU2K_NID_STRLEN], b[LU2K_NID_STRLEN];
	int status = 0;
	void *ctx = NULL;

	c->hello_seen = true;
	udtb_proved(c); /* its client receives at its address */
	c->remote = h->src;
	if (strcmp(h->backend, "udt") != 0)
		status = -EPROTO;
	else if (!lu2k_nid_eq(&h->dst, &c->local))
		status = -ENXIO; /* not the NID this listener serves */
	else if (!udtb_sec_hello_ok(c, &h->src, &h->dst))
		status = -EACCES; /* keys on: not the NIDs the node handshake proved */
	else
		ctx = be->env.accepted(be->env.core, c, &h->src, &h->dst, &status);
	if (!ctx) {
		be->st.refused++;
		LOG_RL(LU2K_LOG_WARN, "udt: refusing %s -> %s: %s",
		       lu2k_nid_format(&h->src, a, sizeof(a)),
		       lu2k_nid_format(&h->dst, b, sizeof(b)),
		       strerror(status ? -status : ECONNREFUSED));
		c->refused = true;
		c->fail_err = status ? status : -ECONNREFUSED;
		return;
	}
	c->ctx = ctx;
	c->state = UDTB_UP;
	c->up_ns = be->env.loop->now;
	be->st.conns_in++;
	udtb_early_hello(c, &h->src); /* the reply's connection, started early, is the peer's */
	LOG_RL(LU2K_LOG_INFO, "udt: incoming connection from %s to %s%s",
	       lu2k_nid_format(&h->src, a, sizeof(a)), lu2k_nid_format(&h->dst, b, sizeof(b)),
	       h->naddrs ? " (with its other addresses)" : "");
	if (h->naddrs && be->env.peer_addrs) {
		struct lu2k_be_addrs l = { .n = h->naddrs };

		memcpy(l.nid, h->addrs, h->naddrs * sizeof(l.nid[0]));
		be->env.peer_addrs(ctx, &l); /* cb_msg_offer re-checks the conn's state */
	}
}

static int cb_msg_offer(void *ud, uint32_t msgno, const struct iovec *iov, int iovcnt, size_t len)
{
	struct lu2k_be_conn *c = ud;
	uint8_t p[LU2K_UDTW_PEEK];
	struct lu2k_udtw_hello h;
	struct lu2k_udtw_msg m;
	int type, rc;

	/* a connection going down acknowledges nothing more */
	if (c->state == UDTB_DEAD || c->fail_err)
		return -ECONNRESET;
	if (c->out) {
		protocol_error(c, "a message on an outgoing connection", -EPROTO);
		return -EPROTO;
	}
	memset(p, 0, sizeof(p));
	iov_copy(p, iov, iovcnt, 0, len < sizeof(p) ? len : sizeof(p));
	type = lu2k_udtw_type(p, len);
	if (type == LU2K_UDTW_HELLO && !c->hello_seen) {
		uint8_t hb[LU2K_UDTW_HELLO_MAX];

		if (len > sizeof(hb)) {
			protocol_error(c, "hello", -EPROTO);
			return -EPROTO;
		}
		iov_copy(hb, iov, iovcnt, 0, len);
		rc = lu2k_udtw_hello_decode(hb, len, &h);
		if (rc) {
			protocol_error(c, "hello", rc);
			return rc;
		}
		rx_hello(c, &h);
		if (c->state == UDTB_DEAD)
			return -ECONNRESET;
		return c->refused ? -ECONNREFUSED : 0;
	}
	if (type != LU2K_UDTW_MSG) {
		protocol_error(c, "frame", -EPROTO);
		return -EPROTO;
	}
	rc = lu2k_udtw_msg_decode(p, len, c->be->env.max_msg_size, &m);
	if (rc) {
		protocol_error(c, "message header", rc);
		return rc;
	}
	return rx_msg(c, msgno, &m, iov, iovcnt);
}

/*
 * A message's frame header. With many small messages a malloc and a free
 * each were 2-3 % of lu2kd (glibc's per-thread cache holds 7 of a size, and
 * hundreds are in flight), so the back-end keeps up to UDTB_TX_CACHE_MAX.
 */
static struct udtb_tx *tx_new(struct lu2k_be_conn *c, size_t len)
{
	struct lu2k_be *be = c->be;
	struct udtb_tx *w;

	if (len <= LU2K_UDTW_MSGID_HLEN && be->tx_cache) {
		w = be->tx_cache;
		be->tx_cache = w->cache_next;
		be->ntx_cache--;
	} else {
		w = malloc(sizeof(*w) + (len > LU2K_UDTW_MSGID_HLEN ? len : LU2K_UDTW_MSGID_HLEN));
		if (!w)
			return NULL;
	}
	w->m = NULL;
	w->len = len;
	w->hello = false;
	return w;
}

static void tx_free(struct lu2k_be *be, struct udtb_tx *w)
{
	if (w->len > LU2K_UDTW_MSGID_HLEN || be->ntx_cache >= UDTB_TX_CACHE_MAX) {
		free(w);
		return;
	}
	w->cache_next = be->tx_cache;
	be->tx_cache = w;
	be->ntx_cache++;
}

void udtb_tx_cache_fini(struct lu2k_be *be)
{
	while (be->tx_cache) {
		struct udtb_tx *w = be->tx_cache;

		be->tx_cache = w->cache_next;
		free(w);
	}
	be->ntx_cache = 0;
}

static void tx_done(struct lu2k_be_conn *c, struct udtb_tx *w, int status)
{
	struct lu2k_be_msg *m = w->m;

	lu2k_list_del(&w->link);
	c->ntxq--;
	tx_free(c->be, w);
	if (m && c->ctx) {
		if (status == 0) {
			c->msgs_tx++;
			c->bytes_tx += m->hdr_len + m->payload_len;
			c->be->st.msgs_tx++;
			c->be->st.bytes_tx += m->hdr_len + m->payload_len;
		}
		c->be->env.sent(c->ctx, m, status);
	}
}

static void cb_msg_acked(void *ud, uint32_t msgno, void *cookie)
{
	struct lu2k_be_conn *c = ud;
	struct udtb_tx *w = cookie;

	if (w->hello)
		c->hello_acked = true;
	tx_done(c, w, 0);
}

static void cb_msg_dropped(void *ud, uint32_t msgno, void *cookie, int err)
{
	struct lu2k_be_conn *c = ud;
	struct udtb_tx *w = cookie;

	/* a peer that shut down before taking our hello refused us */
	if (err == -ECONNRESET && !c->hello_acked)
		err = -ECONNREFUSED;
	tx_done(c, w, err);
}

/* A listener that took a smaller MSS than ours: the next connection there asks for it. */
static void learn_mss(struct lu2k_be_conn *c)
{
	int32_t mss = udt_conn_peer_mss(c->u);

	if (c->out && mss > 0 && mss < udtb_mss_for(c->be, c->addr.ss_family))
		udtb_paths_mss_put(&c->be->paths, &c->addr, mss, lu2k_loop_now_ns());
}

static void cb_state(void *ud, enum udt_state st, int err)
{
	struct lu2k_be_conn *c = ud;

	if (c->state == UDTB_DEAD)
		return;
	learn_mss(c);
	if (st == UDT_ST_CONNECTED) {
		uint32_t token;

		/* up already if its first flight went before the response (udtb_conn_post) */
		if (c->state == UDTB_CONNECTING)
			c->established = true;
		/* the listener's address token: the next connection there takes one round trip */
		if (c->out && c->sock && udt_conn_token(c->u, &token))
			udtb_tokens_put(&c->be->tokens, &c->addr, c->sock->io.fd, token,
					lu2k_loop_now_ns());
	} else if (st == UDT_ST_CLOSED || st == UDT_ST_BROKEN) {
		/* a listener that shuts down before taking our hello refused us */
		if (c->out && st == UDT_ST_CLOSED && !c->hello_acked)
			err = -ECONNREFUSED;
		/*
		 * Otherwise CLOSED means the peer said SHUTDOWN: its lu2kd stopped
		 * or closed the connection on purpose. Not a failure of the path;
		 * held messages still fail (the engine gave them -ECONNRESET).
		 */
		else if (st == UDT_ST_CLOSED)
			err = -ESHUTDOWN;
		if (c->out && err == -EMSGSIZE && udt_conn_state(c->u) == UDT_ST_BROKEN)
			LOG_RL(LU2K_LOG_WARN,
			       "udt: the listener answered with a smaller MSS (%d) than our first "
			       "flight was cut at: this connection fails, the next one there "
			       "asks for %d",
			       (int)udt_conn_peer_mss(c->u), (int)udt_conn_peer_mss(c->u));
		if (!c->fail_err)
			c->fail_err = err ? err : -ECONNRESET;
	}
}

const struct udt_callbacks udtb_callbacks = {
	.msg_offer = cb_msg_offer,
	.msg_place = cb_msg_place,
	.msg_unplace = cb_msg_unplace,
	.msg_acked = cb_msg_acked,
	.msg_dropped = cb_msg_dropped,
	.state_change = cb_state,
};

/*
 * After every call into the engine: act on what its callbacks noted (the
 * connection came up, or broke), and tell the core there is room again.
 */
void udtb_conn_post(struct lu2k_be_conn *c)
{
	if (c->state == UDTB_DEAD)
		return;
	if (c->fail_err) {
		udtb_conn_fail(c, c->fail_err, true);
		return;
	}
	/* its request needs no cookie: the hello and messages go before the response */
	if (c->out && c->state == UDTB_CONNECTING && c->early_st == UDTB_EARLY_NONE &&
	    !c->established && udt_conn_first_open(c->u)) {
		c->established = true;
		c->be->st.first_up++;
	}
	if (c->established) {
		c->established = false;
		udtb_conn_established(c);
		if (c->state == UDTB_DEAD)
			return;
	}
	/* up before the response, which came: the far end is there */
	if (c->out && c->state == UDTB_UP && !c->confirmed &&
	    udt_conn_state(c->u) == UDT_ST_CONNECTED) {
		udtb_conn_confirm(c);
		if (c->state == UDTB_DEAD)
			return;
	}
	if (c->want_writable && c->state == UDTB_UP &&
	    udt_conn_send_space(c->u) >= c->be->ucfg.snd_buf_bytes / 4) {
		c->want_writable = false;
		c->be->env.writable(c->ctx);
	}
}

/* w's bytes, or (body) w's bytes as the head of a message of len bytes. */
static int tx_queue(struct lu2k_be_conn *c, struct udtb_tx *w, const void *body, size_t len)
{
	struct udt_msg_parts parts = { .head = w->data, .head_len = w->len, .body = body };
	/*
	 * The engine takes the time of a message queued behind others only as
	 * its age for a TTL, and we give none: the loop's time will do, and
	 * saves a clock read per message (3-5 % of lu2kd with 64-byte ones).
	 * The first message after idle starts the peer's silence: read it then.
	 */
	uint64_t now = c->ntxq ? c->be->env.loop->now : lu2k_loop_now_ns();
	uint32_t msgno;
	int rc = udt_conn_send_msg(c->u, body ? (const void *)&parts : w->data, body ? len : w->len,
				   -1, c->be->in_order, body ? UDT_MSG_PARTS : 0, w, &msgno,
				   udtb_conn_now(c, now));

	if (rc)
		return rc;
	w->msgno = msgno;
	/* the peer's silence counts from when we first wait for it */
	if (!c->ntxq)
		c->last_rx_ns = now;
	lu2k_list_add_tail(&c->txq, &w->link);
	c->ntxq++;
	udtb_conn_mark_dirty(c);
	return 0;
}

int udtb_send_hello(struct lu2k_be_conn *c)
{
	struct lu2k_udtw_hello h = { .version = LU2K_UDTW_VERSION };
	struct udtb_tx *w;
	int rc;

	if (c->hello_addrs) {
		h.naddrs = c->hello_addrs->n;
		memcpy(h.addrs, c->hello_addrs->nid, h.naddrs * sizeof(h.addrs[0]));
		free(c->hello_addrs);
		c->hello_addrs = NULL;
	}
	w = tx_new(c, lu2k_udtw_hello_len(&h));
	if (!w)
		return -ENOMEM;
	w->hello = true;
	snprintf(h.backend, sizeof(h.backend), "udt");
	h.src = c->local;
	h.dst = c->remote;
	lu2k_udtw_hello_encode(w->data, &h);
	rc = tx_queue(c, w, NULL, 0);
	if (rc)
		tx_free(c->be, w);
	return rc;
}

int udtb_send(struct lu2k_be_conn *c, struct lu2k_be_msg *m)
{
	struct lu2k_udtw_msg f = { .hdr_len = m->hdr_len,
				   .payload_len = m->payload_len,
				   .target = m->target,
				   .epoch = m->mid.epoch,
				   .id = m->mid.id,
				   .low = m->mid.low };
	size_t hlen = lu2k_udtw_msg_hlen(&f);
	size_t len = hlen + (size_t)m->hdr_len + m->payload_len;
	struct udtb_tx *w;
	int rc;

	if (!c->out || c->state != UDTB_UP)
		return -ENOTCONN;
	if (len > c->be->ucfg.snd_buf_bytes)
		return -EMSGSIZE;
	if (udt_conn_send_space(c->u) < len) {
		c->want_writable = true;
		c->be->st.enobufs++;
		return -ENOBUFS;
	}
	w = tx_new(c, hlen);
	if (!w)
		return -ENOMEM;
	lu2k_udtw_msg_encode(w->data, &f);
	rc = tx_queue(c, w, m->buf, len);
	if (rc) {
		tx_free(c->be, w);
		if (rc == -EAGAIN) {
			c->want_writable = true;
			return -ENOBUFS;
		}
		return rc;
	}
	w->m = m;
	memcpy(m->be_priv, &w, sizeof(w));
	c->busy_ns = c->be->env.loop->now;
	c->trimmed = false;
	return 0;
}

void udtb_cancel(struct lu2k_be_conn *c, struct lu2k_be_msg *m, int status)
{
	struct udtb_tx *w;

	memcpy(&w, m->be_priv, sizeof(w));
	w->m = NULL;
	c->cancels++;
	c->be->st.cancels++;
	/*
	 * Not sent any more, and dropped at the receiver if some of it left:
	 * a message the core has given up on must not cost the link its bytes,
	 * nor arrive after the core was told it failed. The engine's
	 * msg_dropped frees w from inside (no upcall: w->m is NULL).
	 */
	if (c->u && c->state != UDTB_DEAD &&
	    !udt_conn_drop_msg(c->u, w->msgno, status, udtb_conn_now(c, lu2k_loop_now_ns())))
		udtb_conn_mark_dirty(c); /* the DROP request goes out */
	c->be->env.sent(c->ctx, m, status);
}

/*
 * Every message the core gave us fails with err. The connection is dead: its
 * engine sends no data any more (conn_free aborts it before its last control
 * packets), so the TX ranges are not read after these sent().
 */
void udtb_fail_msgs(struct lu2k_be_conn *c, int err)
{
	struct lu2k_list *pos;

	lu2k_list_for_each(pos, &c->txq)
	{
		struct udtb_tx *w = lu2k_container_of(pos, struct udtb_tx, link);
		struct lu2k_be_msg *m = w->m;

		if (!m)
			continue;
		w->m = NULL;
		if (c->ctx)
			c->be->env.sent(c->ctx, m, err);
	}
}
