// SPDX-License-Identifier: MIT
/*
 * conn.c - a UDT connection's life cycle and message API (its timers: conn_timer.c).
 *
 * Timers (all derived from the state, checked by handle_timers and reported
 * by next_deadline): the handshake retry (250 ms) and connect timeout; the
 * ACK timer (every SYN = 10 ms, or the CC's period); the NAK timer (optional:
 * repeats the receiver's loss list every RTT + 4 RTTVar + time to receive the
 * missing packets, at least 300 ms); the EXP timer, which fires after
 * exp_count * (RTT + 4 RTTVar) + SYN (at least exp_count * 300 ms) of silence
 * from the peer: it resends everything unacknowledged (or a keep-alive when
 * there is nothing to send), and at an expiry with exp_count > 16 that comes
 * more than 5 s after the previous one (about 46 s of silence at the 300 ms
 * minimum) declares the connection broken, as UDT4 does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn_int.h"
#include "seq.h"

void udt_config_default(struct udt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->sock_type = UDT_SOCK_DGRAM;
	cfg->mss = 1500;
	/* 600 ms x 200 Mbit/s = 15 MB = 10300 packets of 1456 bytes, with room */
	cfg->flight_max = 25600;
	cfg->rcv_buf_pkts = 16384;
	cfg->snd_buf_pkts = 16384;
	cfg->snd_buf_bytes = 32u << 20;
	cfg->cc = "udt";
	cfg->nak_timer = 1;
	cfg->ack_time = 1;
	cfg->connect_timeout_ns = 3000000000ull;
	cfg->pacing_burst_ns = 500000;
}

const char *udt_state_to_str(enum udt_state st)
{
	static const char *const names[] = {
		[UDT_ST_CONNECTING] = "connecting", [UDT_ST_CONNECTED] = "connected",
		[UDT_ST_CLOSING] = "closing",	    [UDT_ST_CLOSED] = "closed",
		[UDT_ST_BROKEN] = "broken",
	};

	return (unsigned int)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

void udt_conn_msg_done(void *ctx, struct udt_smsg *m, int status)
{
	struct udt_conn *c = ctx;

	if (status == 0) {
		c->st.msgs_acked++;
		if (c->cb.msg_acked)
			c->cb.msg_acked(c->ud, m->msgno, m->cookie);
	} else {
		c->st.msgs_dropped++;
		if (c->cb.msg_dropped)
			c->cb.msg_dropped(c->ud, m->msgno, m->cookie, status);
	}
}

int udt_conn_offer(struct udt_conn *c, uint32_t msgno, const struct iovec *iov, int iovcnt,
		   size_t len)
{
	if (c->cb.msg_offer) {
		if (c->cb.msg_offer(c->ud, msgno, iov, iovcnt, len) < 0) {
			c->st.msgs_refused++;
			return -EAGAIN;
		}
	} else if (c->cb.msg_recv) {
		c->cb.msg_recv(c->ud, msgno, iov, iovcnt, len);
	}
	c->st.msgs_recv++;
	return 0;
}

int udt_conn_deliver(void *ctx, uint32_t msgno, const struct iovec *iov, int iovcnt, size_t len)
{
	struct udt_conn *c = ctx;

	int rc;

	/* held while the address is not proved */
	if (c->first_hold)
		return udt_conn_hold_msg(c, msgno, iov, iovcnt, len);
	rc = udt_conn_offer(c, msgno, iov, iovcnt, len);
	/*
	 * Held ones the application refused at the release (the back-end takes
	 * nothing before the hello, which a held one may have overtaken): again
	 * once it took this one.
	 */
	if (!rc && c->held_head)
		udt_conn_held_offer(c);
	return rc;
}

static int conn_place(void *ctx, uint32_t msgno, const uint8_t *head, size_t len, uint8_t **at,
		      size_t *from, size_t *to)
{
	struct udt_conn *c = ctx;

	/* held messages are copied whole, not placed */
	if (c->first_hold || c->held_head)
		return -EAGAIN;
	return c->cb.msg_place(c->ud, msgno, head, len, at, from, to);
}

static void conn_unplace(void *ctx, uint32_t msgno)
{
	struct udt_conn *c = ctx;

	if (c->cb.msg_unplace)
		c->cb.msg_unplace(c->ud, msgno);
}

void udt_conn_rx_unplace(struct udt_conn *c)
{
	udt_rcvbuf_unplace(&c->rb);
}

/* Fails every queued message once; the buffers stay usable for nothing else. */
static void fail_all(struct udt_conn *c, int err)
{
	struct udt_smsg *m;

	for (m = c->sb.q_head; m; m = m->next)
		if (!m->dropped) {
			m->dropped = 1;
			udt_conn_msg_done(c, m, err);
		}
}

void udt_conn_set_state(struct udt_conn *c, enum udt_state st, int err)
{
	if (c->state == st)
		return;
	c->state = st;
	if (err)
		c->err = err;
	if (st == UDT_ST_CLOSED || st == UDT_ST_BROKEN)
		fail_all(c, err ? err : -ECONNRESET);
	if (c->cb.state_change)
		c->cb.state_change(c->ud, st, err);
}

void udt_conn_cc_update(struct udt_conn *c)
{
	double p = c->cc.pkt_snd_period_ns;

	/* UDT4's CCUpdate: never faster than the configured maximum bandwidth */
	if (c->cfg.max_bw) {
		double min_p = lu2k_time_interval_ns((double)c->cfg.max_bw / c->mss);

		if (p < min_p)
			p = min_p;
	}
	if (p < 1.0)
		p = 1.0;
	c->interval_ns = (uint64_t)p;
}

static struct udt_conn *conn_new(const struct udt_config *cfg, const struct udt_callbacks *cb,
				 void *ud, uint32_t sock_id, const uint32_t peer_ip[4],
				 uint64_t now_ns)
{
	struct udt_conn *c;

	if (!cfg || sock_id == 0 || (sock_id & 0x80000000u) || cfg->mss < UDT_MIN_MSS ||
	    cfg->mss > UDT_MAX_MSS || !udt_cc_find(cfg->cc) || cfg->rcv_buf_pkts < 32 ||
	    cfg->flight_max < 32 || cfg->snd_buf_pkts < 32 ||
	    (cfg->sock_type != UDT_SOCK_DGRAM && cfg->sock_type != UDT_SOCK_STREAM))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cfg = *cfg;
	if (cb)
		c->cb = *cb;
	c->ud = ud;
	c->sock_id = sock_id;
	c->start_ns = now_ns;
	c->mss = cfg->mss;
	if (peer_ip)
		memcpy(c->peer_ip, peer_ip, sizeof(c->peer_ip));
	c->rtt_ns = cfg->init_rtt_ns > (uint64_t)UDT_MAX_RTT_NS ? UDT_MAX_RTT_NS
		    : cfg->init_rtt_ns				? (int64_t)cfg->init_rtt_ns
								: 10 * UDT_SYN_NS;
	c->rttvar_ns = lu2k_time_ns_floor_us(c->rtt_ns >> 1);
	c->bandwidth = 1;
	c->delivery_rate = 16;
	c->exp_count = 1;
	c->last_rsp_ns = now_ns;
	c->light_ack_count = 1;
	udt_ackwin_init(&c->ackwin);
	udt_timewin_init(&c->tw, udt_tick(now_ns));
	return c;
}

/* This end offers FEC (fec.h): only for messages. */
static int fec_offered(const struct udt_config *cfg)
{
	return cfg->fec && cfg->sock_type == UDT_SOCK_DGRAM;
}

/* What we offer beyond UDT4 in the handshake's extended type (UDT_HS_OFFER_*) */
static unsigned int ext_offers(const struct udt_config *cfg)
{
	return (fec_offered(cfg) ? UDT_HS_OFFER_FEC : 0) |
	       (cfg->ack_time ? UDT_HS_OFFER_ACK_TIME : 0) |
	       (cfg->probe_train ? UDT_HS_OFFER_PROBE : 0);
}

/* Where both ends offered them (a UDT4 peer offers nothing); returns the agreed set. */
static unsigned int ext_agree(struct udt_conn *c, uint16_t peer_ext)
{
	unsigned int on = ext_offers(&c->cfg) & udt_hs_ext_offers(peer_ext);

	c->fec_on = !!(on & UDT_HS_OFFER_FEC);
	c->ack_time_on = !!(on & UDT_HS_OFFER_ACK_TIME);
	return on;
}

static uint32_t our_flight(const struct udt_conn *c)
{
	uint32_t f =
		c->cfg.rcv_buf_pkts < c->cfg.flight_max ? c->cfg.rcv_buf_pkts : c->cfg.flight_max;
	size_t payload = (size_t)(c->cfg.mss - UDT_UDP_IP_OVERHEAD - UDT_HDR_LEN);

	/* grant no more than the receive memory may hold */
	if (c->cfg.rcv_mem_max && c->cfg.rcv_mem_max / payload < f)
		f = (uint32_t)(c->cfg.rcv_mem_max / payload);
	return f < 32 ? 32 : f;
}

int udt_conn_setup_data(struct udt_conn *c, int32_t mss, int32_t peer_flight, uint32_t isn,
			uint32_t peer_isn, uint64_t now_ns)
{
	const struct udt_cc_ops *ops = udt_cc_find(c->cfg.cc);
	uint32_t win = (uint32_t)peer_flight;

	c->mss = mss;
	c->payload = mss - UDT_UDP_IP_OVERHEAD - UDT_HDR_LEN;
	c->flow_window = peer_flight;
	/* a message must fit the peer's window, or its receiver could not hold it whole */
	c->max_msg = (size_t)(peer_flight - 1) * (size_t)c->payload;
	if (c->max_msg > c->cfg.snd_buf_bytes)
		c->max_msg = c->cfg.snd_buf_bytes;
	c->isn = isn;
	c->snd_last_ack = c->snd_last_data_ack = isn;
	c->snd_curr_seq = udt_seq_dec(isn);
	c->last_ack2_no = 0;
	c->last_ack2_ns = now_ns;
	c->peer_isn = peer_isn;
	c->rcv_last_ack = c->rcv_last_ack_ack = peer_isn;
	c->rcv_curr_seq = udt_seq_dec(peer_isn);
	c->next_ack_ns = now_ns + UDT_SYN_NS;
	c->next_nak_ns = now_ns + UDT_MIN_NAK_NS;
	if (win > c->cfg.snd_buf_pkts)
		win = c->cfg.snd_buf_pkts;
	/* every table starts small and grows with use (an idle connection stays small) */
	if (udt_sndbuf_init(&c->sb, win, (size_t)c->payload, c->cfg.snd_buf_bytes, isn) ||
	    udt_rcvbuf_init(&c->rb, c->cfg.rcv_buf_pkts, (size_t)c->payload,
			    c->cfg.sock_type == UDT_SOCK_STREAM, peer_isn, udt_conn_deliver, c) ||
	    udt_loss_init(&c->snd_loss, 16) || udt_loss_init(&c->rcv_loss, 16))
		return -ENOMEM;
	if (c->cb.msg_place)
		udt_rcvbuf_set_place(&c->rb, conn_place, conn_unplace);
	udt_rcvbuf_set_limits(&c->rb, c->cfg.rx_mem, c->cfg.rcv_mem_max,
			      c->cfg.max_msg_bytes
				      ? (uint32_t)((c->cfg.max_msg_bytes + (size_t)c->payload - 1) /
						   (size_t)c->payload)
				      : 0);
	if (udt_cc_init_hint(&c->cc, ops, mss, peer_flight, c->snd_curr_seq, c->rtt_ns,
			     c->delivery_rate, c->bandwidth, (int32_t)c->cfg.init_rate_pps,
			     udt_tick(now_ns)))
		return -ENOMEM;
	udt_conn_cc_update(c);
	c->next_send_ns = now_ns;
	return 0;
}

struct udt_conn *udt_conn_connect(const struct udt_config *cfg, const struct udt_callbacks *cb,
				  void *ud, uint32_t sock_id, uint32_t isn,
				  const uint32_t peer_ip[4], uint64_t now_ns)
{
	struct udt_conn *c = conn_new(cfg, cb, ud, sock_id, peer_ip, now_ns);

	if (!c)
		return NULL;
	c->isn = isn & UDT_SEQ_MASK;
	c->state = UDT_ST_CONNECTING;
	c->hs.version = UDT_VERSION;
	c->hs.sock_type = cfg->sock_type;
	c->hs.isn = c->isn;
	c->hs.mss = cfg->mss;
	c->hs.flight = (int32_t)our_flight(c);
	c->hs.req_type = UDT_HS_REQ_REGULAR;
	c->hs.sock_id = sock_id;
	memcpy(c->hs.peer_ip, c->peer_ip, sizeof(c->hs.peer_ip));
	c->hs.info = cfg->nest_small ? UDT_HS_INFO_NEST : 0;
	c->hs.ext = udt_hs_ext_make(ext_offers(cfg));
	c->hs_next_ns = now_ns;
	c->connect_deadline_ns = now_ns + cfg->connect_timeout_ns;
	return c;
}

void udt_conn_skip_cookie(struct udt_conn *c, uint64_t now_ns)
{
	if (c->state != UDT_ST_CONNECTING)
		return;
	c->hs.req_type = UDT_HS_RSP_REGULAR;
	c->hs_sent_ns = 0;
	c->hs_next_ns = now_ns;
}

void udt_conn_use_token(struct udt_conn *c, uint32_t token, uint64_t now_ns)
{
	if (c->state != UDT_ST_CONNECTING || c->hs.req_type != UDT_HS_REQ_REGULAR)
		return;
	c->hs.req_type = UDT_HS_RSP_REGULAR;
	c->hs.cookie = token;
	c->hs_sent_ns = 0;
	c->hs_next_ns = now_ns;
	c->token_sent = 1;
	c->token_val = token;
	c->token_since_ns = now_ns;
}

void udt_conn_no_cookie(struct udt_conn *c)
{
	c->no_cookie = 1;
}

/*
 * Before each first request, the final one without a cookie
 * (udt_conn_no_cookie): a lu2k listener that takes it then leaves the first
 * one unanswered (handshake.h).
 */
void udt_conn_send_no_cookie(struct udt_conn *c, uint64_t now_ns)
{
	struct udt_hs first = c->hs;

	if (!c->no_cookie || c->hs.req_type != UDT_HS_REQ_REGULAR)
		return;
	c->hs.req_type = UDT_HS_RSP_REGULAR;
	c->hs.cookie = UDT_HS_NO_COOKIE;
	if (!c->no_cookie_sent_ns) {
		c->no_cookie_sent_ns = now_ns;
		udt_conn_probe_train(c, now_ns); /* before the first one only */
	}
	udt_send_hs(c, 0, now_ns);
	c->hs = first;
	udt_conn_first_begin(c, now_ns);
}

int udt_conn_token(const struct udt_conn *c, uint32_t *token)
{
	if (!c->token_got)
		return 0;
	*token = c->token_rsp;
	return 1;
}

int32_t udt_conn_peer_mss(const struct udt_conn *c)
{
	return c->peer_mss;
}

int udt_conn_establish(struct udt_conn *c, const struct udt_hs *peer, uint64_t now_ns)
{
	int32_t mss = peer->mss < c->mss ? peer->mss : c->mss;
	uint64_t sent_ns = c->hs_sent_ns;

	c->peer_id = peer->sock_id;
	c->peer_mss = peer->mss;
	/* UDT4 listeners echo our cookie; lu2k's put the address token there */
	if (!c->is_server && peer->cookie != c->hs.cookie) {
		c->token_got = 1;
		c->token_rsp = peer->cookie;
	}
	/*
	 * One round trip measured: from the request that was answered (a retry
	 * may answer) to its response. Which one was, the response does not
	 * say: the final request without a cookie, if the one with the cookie
	 * (sent when the cookie came, a round trip after the first) left less
	 * than half a round trip ago; a listener taking that one answers the
	 * first request too, and the final request often follows the cookie.
	 */
	if (c->no_cookie_sent_ns &&
	    (!c->hs_sent_ns ||
	     (c->hs_sent_ns > c->no_cookie_sent_ns &&
	      now_ns - c->hs_sent_ns < (c->hs_sent_ns - c->no_cookie_sent_ns) / 2)))
		sent_ns = c->no_cookie_sent_ns;
	if (c->cfg.rtt_from_handshake && sent_ns && now_ns > sent_ns) {
		uint64_t rtt = udt_tick(now_ns) - udt_tick(sent_ns);

		c->rtt_ns = rtt > (uint64_t)UDT_MAX_RTT_NS ? UDT_MAX_RTT_NS : (int64_t)rtt;
		c->rttvar_ns = lu2k_time_ns_floor_us(c->rtt_ns / 2);
	}
	/* FEC, timed ACKs, where both ends offered them; the first flight's check needs the latter */
	ext_agree(c, peer->ext);
	if (c->first_on) {
		/* its data was set up before (conn_early.c): the window, the RTT, the id */
		if (udt_conn_first_established(c, peer, now_ns))
			return -EPROTO;
	} else if (udt_conn_setup_data(c, mss, peer->flight, c->isn, peer->isn, now_ns)) {
		udt_conn_set_state(c, UDT_ST_BROKEN, -ENOMEM);
		return -ENOMEM;
	}
	/* nested small messages, where both ends offered them (a UDT4 peer answers 0) */
	udt_conn_set_nest(c, c->cfg.nest_small && peer->info == UDT_HS_INFO_NEST);
	if (!c->is_server && peer->probe_pps)
		udt_conn_probe_told(c, peer->probe_pps, now_ns);
	c->exp_count = 1;
	c->last_rsp_ns = now_ns;
	udt_conn_set_state(c, UDT_ST_CONNECTED, 0);
	return 0;
}

struct udt_conn *udt_conn_accept(const struct udt_config *cfg, const struct udt_callbacks *cb,
				 void *ud, uint32_t sock_id, const struct udt_hs *req,
				 const uint32_t peer_ip[4], uint64_t now_ns)
{
	struct udt_conn *c;
	int32_t mss;

	if (!req || req->sock_type != cfg->sock_type || req->version != UDT_VERSION)
		return NULL;
	c = conn_new(cfg, cb, ud, sock_id, peer_ip, now_ns);
	if (!c)
		return NULL;
	c->is_server = 1;
	c->peer_id = req->sock_id;
	mss = req->mss < cfg->mss ? req->mss : cfg->mss;
	/* UDT4: the server takes the client's ISN for its own direction too */
	if (udt_conn_setup_data(c, mss, req->flight, req->isn, req->isn, now_ns)) {
		udt_conn_free(c);
		return NULL;
	}
	udt_conn_set_nest(c, cfg->nest_small && req->info == UDT_HS_INFO_NEST);
	c->hs = *req;
	c->hs.info = cfg->nest_small ? UDT_HS_INFO_NEST : 0;
	/* the response says what is agreed: a connector that offered FEC takes it on from this */
	c->hs.ext = udt_hs_ext_make(ext_agree(c, req->ext));
	c->hs.mss = mss;
	c->hs.flight = (int32_t)our_flight(c);
	c->hs.req_type = UDT_HS_RSP_REGULAR;
	c->hs.sock_id = sock_id;
	memcpy(c->hs.peer_ip, c->peer_ip, sizeof(c->hs.peer_ip));
	c->state = UDT_ST_CONNECTED;
	udt_send_hs(c, c->peer_id, now_ns);
	udt_send_first_window(c, now_ns);
	return c;
}

void udt_conn_free(struct udt_conn *c)
{
	unsigned int i;

	if (!c)
		return;
	if (c->sb.ring)
		udt_sndbuf_fini(&c->sb, udt_conn_msg_done, c, -ECONNABORTED);
	udt_rcvbuf_fini(&c->rb);
	udt_ackwin_fini(&c->ackwin);
	udt_loss_free(&c->snd_loss);
	udt_loss_free(&c->rcv_loss);
	if (c->cc.ops)
		udt_cc_fini(&c->cc);
	for (i = 0; i < c->ctl_cap; i++)
		free(c->ctl[i].buf);
	free(c->ctl);
	free(c->fec_buf);
	free(c->fec_acc);
	udt_conn_held_free(c);
	free(c);
}

int udt_conn_send_msg(struct udt_conn *c, const void *data, size_t len, int64_t ttl_ms,
		      int in_order, unsigned int flags, void *cookie, uint32_t *msgno,
		      uint64_t now_ns)
{
	int err;

	if (c->state != UDT_ST_CONNECTED && !(c->state == UDT_ST_CONNECTING && c->first_on))
		return c->state == UDT_ST_CONNECTING ? -EAGAIN : -ENOTCONN;
	if ((flags & ~(UDT_MSG_COPY | UDT_MSG_PARTS)) ||
	    (flags & (UDT_MSG_COPY | UDT_MSG_PARTS)) == (UDT_MSG_COPY | UDT_MSG_PARTS))
		return -EINVAL;
	if (len > c->max_msg)
		return -EMSGSIZE;
	/* an idle sender: do not let the EXP timer count the idle time as silence */
	if (udt_sndbuf_empty(&c->sb))
		c->last_rsp_ns = now_ns;
	err = udt_sndbuf_add(&c->sb, data, len,
			     ((flags & UDT_MSG_COPY) ? UDT_SNDBUF_COPY : 0) |
				     ((flags & UDT_MSG_PARTS) ? UDT_SNDBUF_PARTS : 0),
			     ttl_ms < 0 ? -1 : ttl_ms * LU2K_NS_PER_MS, in_order, cookie, now_ns,
			     msgno);
	if (!err)
		c->st.msgs_sent++;
	return err;
}

size_t udt_conn_send_space(const struct udt_conn *c)
{
	if (c->state != UDT_ST_CONNECTED && !(c->state == UDT_ST_CONNECTING && c->first_on))
		return 0;
	return udt_sndbuf_space(&c->sb);
}

size_t udt_conn_max_msg(const struct udt_conn *c)
{
	return c->max_msg;
}

int udt_conn_shutdown(struct udt_conn *c, uint64_t now_ns)
{
	if (c->state == UDT_ST_CONNECTING) {
		udt_conn_set_state(c, UDT_ST_CLOSED, -ECONNABORTED);
		return 0;
	}
	if (c->state != UDT_ST_CONNECTED)
		return c->state == UDT_ST_CLOSING ? 0 : -ENOTCONN;
	udt_conn_set_state(c, UDT_ST_CLOSING, 0);
	udt_conn_maybe_finish(c, now_ns);
	return 0;
}

/*
 * The control queue keeps a buffer (one MSS) for each entry of its deepest
 * queue so far (udt_ctl_reserve): a burst of ACKs and NAKs left an idle
 * connection several. The first free entry keeps its own, for the next
 * keep-alive or ACK; the ring itself stays (ctl_cap entries of 16 bytes).
 */
static size_t ctl_trim(struct udt_conn *c)
{
	unsigned int i, kept = 0;
	size_t freed = 0;

	for (i = c->ctl_n; i < c->ctl_cap; i++) {
		struct udt_ctl *e = &c->ctl[(c->ctl_head + i) % c->ctl_cap];

		if (!e->buf || !kept++)
			continue;
		free(e->buf);
		e->buf = NULL;
		freed += (size_t)c->mss;
	}
	return freed;
}

size_t udt_conn_trim(struct udt_conn *c)
{
	size_t freed;

	if (c->state != UDT_ST_CONNECTED && c->state != UDT_ST_CLOSING)
		return 0;
	/* the loss lists keep what they hold: a hole or a loss still open is not forgotten */
	freed = udt_sndbuf_trim(&c->sb) + udt_rcvbuf_trim(&c->rb) + udt_loss_trim(&c->snd_loss) +
		udt_loss_trim(&c->rcv_loss) + udt_ackwin_trim(&c->ackwin);
	if (c->cc.ops && c->cc.ops->trim && !c->sb.inflight)
		freed += c->cc.ops->trim(&c->cc);
	freed += ctl_trim(c);
	/* FEC's buffers come back with the next parity */
	if (c->fec_buf) {
		free(c->fec_buf);
		c->fec_buf = NULL;
		freed += (size_t)c->payload;
	}
	if (c->fec_acc && !c->fec_acc_on) {
		free(c->fec_acc);
		c->fec_acc = NULL;
		freed += (size_t)c->payload;
	}
	return freed;
}

void udt_conn_abort(struct udt_conn *c, uint64_t now_ns)
{
	if (c->state == UDT_ST_CONNECTED || c->state == UDT_ST_CLOSING)
		udt_send_ctrl_simple(c, UDT_CT_SHUTDOWN, 0, now_ns);
	if (c->state != UDT_ST_BROKEN)
		udt_conn_set_state(c, UDT_ST_CLOSED, -ECONNABORTED);
}

enum udt_state udt_conn_state(const struct udt_conn *c)
{
	return c->state;
}

int udt_conn_error(const struct udt_conn *c)
{
	return c->err;
}

uint32_t udt_conn_sock_id(const struct udt_conn *c)
{
	return c->sock_id;
}

uint32_t udt_conn_peer_id(const struct udt_conn *c)
{
	return c->peer_id;
}

void udt_conn_set_nest(struct udt_conn *c, int on)
{
	c->sb.nest = !!on;
	udt_rcvbuf_set_nest(&c->rb, on);
}

void udt_conn_get_stats(const struct udt_conn *c, struct udt_stats *st)
{
	*st = c->st;
	/* the statistics keep their us (lu2kctl and JSON print them) */
	st->rtt_us = (int32_t)(c->rtt_ns / LU2K_NS_PER_US);
	st->rttvar_us = (int32_t)(c->rttvar_ns / LU2K_NS_PER_US);
	st->bandwidth_pps = c->bandwidth;
	st->pairs_apart = c->tw.pairs_apart;
	st->rcv_rate_pps = c->delivery_rate;
	st->pkt_snd_period_us = c->cc.pkt_snd_period_ns / LU2K_NS_PER_US;
	st->cwnd = c->cc.cwnd;
	st->path_rate_pps = c->cc.path_rate;
	st->hs_capacity_pps = (int32_t)c->cap_pps;
	st->link_steps_down = c->cc.link_steps_down;
	st->link_steps_up = c->cc.link_steps_up;
	st->path_rtt_us = (int32_t)(c->cc.path_rtt_ns / LU2K_NS_PER_US);
	st->flow_window = c->flow_window;
	st->inflight = c->sb.inflight;
	st->snd_unsent = udt_sndbuf_unsent(&c->sb);
	st->snd_loss_len = (uint32_t)udt_loss_count(&c->snd_loss);
	st->rcv_loss_len = (uint32_t)udt_loss_count(&c->rcv_loss);
	st->pkts_rcv_dropped = c->rb.dropped_pkts;
	st->pkts_no_mem = c->rb.mem_drops;
	st->pkts_placed = c->rb.pl.pkts;
	st->msgs_placed = c->rb.pl.msgs;
	st->rcv_mem = c->rb.held;
	st->bytes_acked = c->sb.bytes_acked;
	st->pkts_acked = (uint64_t)(uint32_t)udt_seq_off(c->isn, c->snd_last_data_ack);
	st->small_ahead = c->sb.small_ahead;
	st->small_nested = c->sb.small_nested;
	st->nest = c->sb.nest;
	st->fec = c->fec_on;
	st->fec_active = c->fec_on && udt_fec_tx_active(&c->fec_tx);
	st->fec_loss_ppm = udt_fec_tx_ppm(&c->fec_tx);
}
