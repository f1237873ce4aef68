// SPDX-License-Identifier: MIT
/*
 * conn_early.c - data in a connection's first flight (udt_config.first_flight).
 *
 * The connector: once its final request went without a cookie or with an
 * address token (a lu2k listener may take it at once: handshake.h), its
 * data is set up as if the listener had answered with our own MSS and
 * window, and the listener's sequence numbers (UDT4's listener takes the
 * connector's ISN for both directions), so messages may be queued and sent
 * before the response, to socket id 0, paced at the CC's starting rate,
 * at most first_flight packets. The response then only tells the real
 * window and socket id, which everything after it uses; what the listener
 * did not take (it went the cookie way, or dropped what came before the
 * request) shows up as holes behind later packets and is repaired as any
 * loss, or, when a cookie came (the listener did not take the request the
 * data followed), is resent at once.
 *
 * The listener: its connection takes up to first_flight data packets sent
 * to socket id 0 (udt_conn_recv_first; the caller matched their source to
 * the request), and while the client's address is not proved it holds the
 * whole messages they make (udt_conn_hold_rx), acknowledged but given to
 * nobody, until the caller releases them (udt_conn_release_rx).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn_int.h"
#include "seq.h"

struct udt_held {
	struct udt_held *next;
	uint32_t msgno;
	size_t len;
	uint8_t data[];
};

int udt_conn_first_open(const struct udt_conn *c)
{
	return c->state == UDT_ST_CONNECTING && c->first_on;
}

void udt_conn_first_begin(struct udt_conn *c, uint64_t now_ns)
{
	if (!c->cfg.first_flight || c->first_on || c->is_server || c->state != UDT_ST_CONNECTING)
		return;
	/* the CC's window bound is our own window: a lu2k listener grants the same */
	if (udt_conn_setup_data(c, c->mss, c->hs.flight, c->isn, c->isn, now_ns)) {
		udt_conn_set_state(c, UDT_ST_BROKEN, -ENOMEM);
		return;
	}
	if (c->flow_window > (int32_t)c->cfg.first_flight)
		c->flow_window = (int32_t)c->cfg.first_flight;
	c->first_cookie = c->hs.cookie;
	c->first_start_ns = now_ns;
	c->first_on = 1;
}

int udt_conn_first_established(struct udt_conn *c, const struct udt_hs *peer, uint64_t now_ns)
{
	uint32_t sent_last = c->snd_curr_seq;
	int any = c->st.first_sent > 0;

	c->first_on = 0;
	/* packets cut for our MSS cannot be cut again: a listener of a smaller one lost them */
	if (peer->mss < c->mss) {
		udt_conn_set_state(c, UDT_ST_BROKEN, -EMSGSIZE);
		return -EMSGSIZE;
	}
	c->flow_window = peer->flight;
	c->cc.max_cwnd = peer->flight;
	c->max_msg = (size_t)(peer->flight - 1) * (size_t)c->payload;
	if (c->max_msg > c->cfg.snd_buf_bytes)
		c->max_msg = c->cfg.snd_buf_bytes;
	c->cc.rtt_ns = c->rtt_ns;
	c->last_ack2_ns = now_ns;
	c->next_ack_ns = now_ns + UDT_SYN_NS;
	c->next_nak_ns = now_ns + UDT_MIN_NAK_NS;
	if (!any)
		return 0;
	/*
	 * A cookie came: the listener did not take the request the data
	 * followed, nor the data. Else its ACK of the data is on its way: it
	 * left a SYN after the data came, which followed the request as it
	 * followed ours; by then and a margin, no ACK means nothing came (the
	 * request was lost and taken again, the data came before it), and the
	 * peer's keep-alives would hold off the EXP that finds out. Without
	 * timed ACKs a listener acknowledges no data it holds (no held bit to
	 * say so) until our address is proved, by the keep-alive below: its
	 * first ACK is a round trip later.
	 */
	if (c->hs.cookie != c->first_cookie) {
		udt_loss_insert(&c->snd_loss, c->isn, sent_last);
	} else {
		c->first_last = sent_last;
		c->first_check_ns = now_ns + (c->tail_sent_ns - c->first_start_ns) +
				    4 * UDT_SYN_NS + (uint64_t)c->rtt_ns / 8;
		if (!c->ack_time_on)
			c->first_check_ns += (uint64_t)c->rtt_ns;
	}
	/* the probes count from now */
	c->tail_sent_ns = now_ns;
	/* a packet that names the listener's socket id proves our address there at once */
	udt_send_ctrl_simple(c, UDT_CT_KEEPALIVE, 0, now_ns);
	return 0;
}

void udt_conn_first_timer(struct udt_conn *c, uint64_t now_ns)
{
	(void)now_ns;
	c->first_check_ns = 0;
	/* nothing acknowledged, no hole reported: nothing came */
	if (udt_seq_cmp(c->snd_last_ack, c->isn) <= 0 && !c->st.naks_recv &&
	    !udt_sndbuf_empty(&c->sb))
		udt_loss_insert(&c->snd_loss, c->isn, c->first_last);
}

int udt_conn_recv_first(struct udt_conn *c, const uint8_t *buf, size_t len, uint64_t now_ns,
			uint64_t arr_ns)
{
	uint32_t dst, seq;
	int32_t off;
	uint8_t *p;
	int rc;

	if (!c->is_server || !c->cfg.first_flight || udt_peek_dst(buf, len, &dst) || dst ||
	    (buf[0] & 0x80) || len > UDT_HDR_LEN + (size_t)c->payload) {
		c->st.pkts_bad++;
		return -EBADMSG;
	}
	/*
	 * Only the first flight's own sequence numbers: one who knows the
	 * client's address and port but not its random ISN must hit it within
	 * first_flight packets (the socket id it would need otherwise is 31 bits).
	 */
	seq = ((uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3]) &
	      UDT_SEQ_MASK;
	off = udt_seq_off(c->peer_isn, seq);
	if (off < 0 || (uint32_t)off >= c->cfg.first_flight || c->first_rx >= c->cfg.first_flight) {
		c->st.first_over++;
		return -ENOBUFS;
	}
	p = malloc(len);
	if (!p)
		return -ENOMEM;
	c->first_rx++;
	c->st.first_recv++;
	/* as if sent to us: the engine checks every packet's destination */
	memcpy(p, buf, len);
	p[12] = (uint8_t)(c->sock_id >> 24);
	p[13] = (uint8_t)(c->sock_id >> 16);
	p[14] = (uint8_t)(c->sock_id >> 8);
	p[15] = (uint8_t)c->sock_id;
	rc = udt_conn_recv_pkt_at(c, p, len, now_ns, arr_ns);
	free(p);
	return rc;
}

void udt_conn_hold_rx(struct udt_conn *c)
{
	c->first_hold = 1;
	if (!c->held_head)
		c->held_tail = &c->held_head;
}

int udt_conn_hold_msg(struct udt_conn *c, uint32_t msgno, const struct iovec *iov, int iovcnt,
		      size_t len)
{
	size_t cap = (size_t)(c->cfg.first_flight ? c->cfg.first_flight : 1) * (size_t)c->payload;
	struct udt_held *h;
	size_t off = 0;

	/*
	 * No more than a first flight's bytes for an address not proved: the
	 * rest waits unacknowledged. And none without timed ACKs, whose held
	 * bit alone keeps the sender from completing what we hold (udt_ack.held)
	 */
	if (c->held_bytes + len > cap || !c->ack_time_on)
		return -EAGAIN;
	h = malloc(sizeof(*h) + len);
	if (!h)
		return -EAGAIN;
	for (int i = 0; i < iovcnt; i++) {
		memcpy(h->data + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	h->next = NULL;
	h->msgno = msgno;
	h->len = len;
	*c->held_tail = h;
	c->held_tail = &h->next;
	c->held_bytes += len;
	c->st.msgs_held++;
	return 0;
}

int udt_conn_held_offer(struct udt_conn *c)
{
	struct udt_held *h;

	while ((h = c->held_head)) {
		struct iovec v = { .iov_base = h->data, .iov_len = h->len };
		int rc = udt_conn_offer(c, h->msgno, &v, 1, h->len);

		if (rc)
			return rc;
		c->held_head = h->next;
		c->held_bytes -= h->len;
		free(h);
	}
	c->held_tail = &c->held_head;
	return 0;
}

int udt_conn_release_rx(struct udt_conn *c, uint64_t now_ns)
{
	int rc;

	c->first_hold = 0;
	rc = udt_conn_held_offer(c);
	/* what was refused in the window (a refusal of a held one may be the same) */
	udt_conn_rx_resume(c, now_ns);
	return rc;
}

void udt_conn_held_free(struct udt_conn *c)
{
	struct udt_held *h;

	while ((h = c->held_head)) {
		c->held_head = h->next;
		free(h);
	}
	c->held_bytes = 0;
}
