/* SPDX-License-Identifier: MIT */
/*
 * conn_int.h - the connection's state, shared by conn.c (life cycle and
 * timers), conn_in.c (received packets) and conn_out.c (packets to send).
 */
#ifndef LU2K_UDT_CONN_INT_H
#define LU2K_UDT_CONN_INT_H

#include <stdint.h>

#include "cc.h"
#include "fec.h"
#include "losslist.h"
#include "rcvbuf.h"
#include "sndbuf.h"
#include "udt.h"
#include "window.h"

/* control packets waiting to leave: a batch of datagrams can each raise a NAK */
#define UDT_CTLQ	       256
#define UDT_HS_RETRY_NS	       (250 * LU2K_NS_PER_MS) /* UDT4 repeats a request every 250 ms */
#define UDT_TOKEN_WAIT_NS      (LU2K_NS_PER_S)	      /* a token unanswered this long: UDT4's way */
#define UDT_ASK_MIN_NS	       (LU2K_NS_PER_S)	      /* asking keep-alives at most once a second */
#define UDT_ASK_SETTLE_NS      (3 * UDT_SYN_NS)	      /* answered: an owed ACK comes within this */
#define UDT_ASK_ASKING	       1
#define UDT_ASK_ANSWERED       2
#define UDT_MIN_EXP_NS	       (300 * LU2K_NS_PER_MS) /* shortest EXP interval (UDT4: 300 ms) */
#define UDT_MIN_NAK_NS	       (300 * LU2K_NS_PER_MS)
#define UDT_EXP_MAX_COUNT      16		    /* broken after more expiries than this */
#define UDT_EXP_MIN_SILENCE_NS (5 * LU2K_NS_PER_S)  /* ... and at least 5 s of silence */
#define UDT_LIGHT_ACK_PKTS     64		    /* a light ACK every 64 packets */
#define UDT_MAX_RTT_NS	       (30 * LU2K_NS_PER_S) /* RTT samples are clamped to 30 s */
#define UDT_MAX_RATE	       0x3fffffff	    /* rates and RTTs kept far from overflow */
/*
 * A small message's second copy (dup_tail) leaves this long after the first,
 * not right behind it, where a burst of losses (a radio fade, a queue that
 * overflows: Gilbert bursts of 8 packets are 2 ms at 50 Mbit/s) would take both.
 */
#define UDT_DUP_DELAY_NS (10 * LU2K_NS_PER_MS)
#define UDT_DUPS	 8 /* copies waiting for their time; more go at once */
/* a hole's redo_ts this far ahead (18 min): no packet proves its repair lost */
#define UDT_REDO_NEVER_US (1u << 30)
/* the least one-way offset and round trip are kept over windows of 10 s (two) */
#define UDT_PATH_WIN_NS (10 * LU2K_NS_PER_S)

struct udt_dup {
	uint32_t first, last;
	uint64_t due_ns;
};

struct udt_ctl {
	uint32_t len;
	uint8_t *buf;
};

struct udt_conn {
	struct udt_config cfg;
	struct udt_callbacks cb;
	void *ud;
	enum udt_state state;
	int err;
	int is_server;
	uint32_t sock_id, peer_id;
	uint64_t start_ns;
	int32_t mss, payload;
	uint32_t peer_ip[4];
	struct udt_hs hs; /* client: our request; server: our response */
	uint64_t hs_next_ns, connect_deadline_ns;
	uint64_t hs_sent_ns; /* when the request with the cookie first left */
	/* address tokens (udt_conn_use_token): the one sent, since when; the listener's */
	int token_sent, token_got;
	uint64_t token_since_ns;
	uint32_t token_val, token_rsp;
	int32_t peer_mss; /* the MSS the listener's response named; 0: none yet */
	/* udt_conn_no_cookie: a final request without a cookie goes with each first one */
	int no_cookie;
	uint64_t no_cookie_sent_ns; /* when the first such left */
	/* the capacity probe (conn_probe.c): trains sent, the rate the response told */
	int cap_trains;
	uint32_t cap_pps;
	/*
	 * First flight (conn_early.c): the client set its data up before the
	 * response (first_on), with the cookie it sent then (first_cookie); the
	 * server's data packets taken to socket id 0 so far; messages held
	 * (first_hold) until the caller says the client's address is proved.
	 */
	int first_on, first_hold;
	uint32_t first_cookie, first_rx;
	uint64_t first_start_ns; /* client: when its data was set up */
	uint64_t first_check_ns; /* client: by then an ACK shows the listener took it (0: none) */
	uint32_t first_last;	 /* client: the first flight's last packet */
	struct udt_held *held_head, **held_tail;
	size_t held_bytes;

	/* control packets queued, in order */
	struct udt_ctl *ctl; /* a ring of ctl_cap entries, doubling up to UDT_CTLQ */
	unsigned int ctl_cap, ctl_head, ctl_n;

	/* sending side */
	struct udt_sndbuf sb;
	struct udt_losslist snd_loss;
	uint32_t isn;
	uint32_t snd_curr_seq;	    /* last new packet sent */
	uint32_t snd_last_ack;	    /* from any ACK, light ones too */
	uint32_t snd_last_data_ack; /* from full ACKs: the send window's base */
	int32_t flow_window;
	size_t max_msg; /* the peer's window must hold a whole message */
	uint32_t last_ack2_no;
	uint64_t last_ack2_ns;
	int64_t rtt_ns, rttvar_ns;
	int32_t delivery_rate, bandwidth;
	struct udt_cc cc;
	uint64_t interval_ns;
	uint64_t next_send_ns;
	int snd_backlog;	       /* the last data packet sent left more to send */
	struct udt_dup dups[UDT_DUPS]; /* copies to send, oldest first */
	uint32_t ndups;
	int closing;

	/* receiving side */
	struct udt_rcvbuf rb;
	struct udt_losslist rcv_loss;
	uint32_t peer_isn;
	uint32_t rcv_curr_seq; /* highest received */
	uint32_t rcv_last_ack;
	uint32_t rcv_last_ack_ack;
	uint32_t ackno;
	uint64_t last_ack_ns, next_ack_ns, next_nak_ns;
	uint32_t pkt_count, light_ack_count;
	struct udt_ackwin ackwin;
	struct udt_timewin tw;
	/*
	 * The packet being handled came then, in ns: the receiving rate and the
	 * packet pairs take it (above 1 M packets/s a us says nothing); the CC
	 * and the RTT take udt_tick's us (cc.arr_ns). 0: not in a receive.
	 */
	uint64_t arr_fine_ns;
	/*
	 * Lost repairs (conn_out.c, udt_send_nak_redo): the least of a data
	 * packet's arrival (our clock, us) less its timestamp (the sender's),
	 * that is the clocks' offset plus the path's one-way delay without a
	 * queue, and the least round trip (ACK2's), each over the current and
	 * the previous window of UDT_PATH_WIN_NS (0 in rtt_min_ns: none yet;
	 * off_seen: an offset is in that window); the earliest redo_ts of the
	 * holes (redo_armed: one may be due), and when the holes may next be
	 * looked through; the newest data packet's timestamp.
	 */
	uint32_t off_min[2], redo_min_ts, rcv_ts_last;
	int off_seen[2], redo_armed;
	int64_t rtt_min_ns[2];
	uint64_t path_win_ns, redo_scan_ns;
	uint32_t rcv_head;	 /* the window's first packet when last seen moving, */
	uint32_t rcv_head_ack;	 /* the ACK point then, */
	uint64_t rcv_head_nomem; /* the head's packets refused for memory then, */
	uint64_t rcv_head_ns;	 /* and when (udt_conn_rcv_stalled) */

	/* liveness */
	uint32_t exp_count;
	uint64_t last_rsp_ns, last_probe_ns;
	/*
	 * A silence's probes (conn.c, probe()): the first resends the head and
	 * the tail, the next ones one packet each, walking back from the tail,
	 * so that none goes twice into a dead link. heard counts the packets
	 * from the peer (an EXP also moves last_rsp_ns); probe_heard is heard
	 * when this silence's first probe left, probe_walking says one did.
	 */
	uint32_t probe_next;
	/*
	 * Nothing of ours to resend in a silence (its probes spent, or the
	 * receiver holds all we sent): asking (conn_timer.c, ask()), a
	 * keep-alive that asks for one back (UDT_KA_ASK) every UDT_ASK_MIN_NS
	 * at least; ask_heard is heard's low 32 bits when the asking began.
	 * The first word from the peer after it says the link is back
	 * (UDT_ASK_ANSWERED from last_ask_ns): the probe goes a moment later.
	 * Any data packet leaving ends the asking (its ACK or NAK will say).
	 * Placed in the padding of the fields around them.
	 */
	uint32_t ask_heard;
	uint64_t heard, probe_heard;
	int probe_walking;
	int asking; /* 0, UDT_ASK_ASKING or UDT_ASK_ANSWERED */
	uint64_t last_ask_ns;
	/*
	 * The tail-loss probe (conn.c, tail_probe()): when the last new packet
	 * (snd_curr_seq, first sent at tail_sent_ns) left and no ACK covered it
	 * a round trip later, it is resent once; tlp_seq is the packet, and
	 * tlp_heard the peer's count then (a silence's first probe does not
	 * send it again into a link that said nothing since).
	 */
	uint64_t tail_sent_ns, tlp_heard;
	uint32_t tlp_seq;
	int tlp_sent;
	/*
	 * The repair probe (conn.c, repair_probe()): resends since the newest
	 * new packet left (rp_armed), the lowest and highest of them and when
	 * the last left; rpp_seq is the packet it last resent, rpp_heard the
	 * peer's count then (once per packet while the peer says nothing).
	 */
	uint64_t rp_ns, rpp_heard;
	uint32_t rp_low, rp_high, rpp_seq;
	int rp_armed, rpp_sent;
	/* the silence's first probe resent the head, probe_head (conn.c, probe()) */
	uint32_t probe_head;
	int probe_head_sent;

	/*
	 * Timed full ACKs (udt.h ack_time), negotiated: the highest data packet
	 * that came (rcv_hi_seq, at rcv_hi_ns, our clock in ns; rcv_hi_got: one
	 * did) and the one the last timed ACK named (rcv_hi_acked).
	 */
	int ack_time_on, rcv_hi_got;
	/* the last timed ACK said held (udt_ack.held): the next says when it is not */
	int ack_told_held;
	uint32_t rcv_hi_seq, rcv_hi_acked;
	uint64_t rcv_hi_ns;
	/*
	 * The NAKs' echo at a stream's end (conn_timer.c): a hole asked for once
	 * since the last echo; the highest packet ends its message; the last
	 * data packet's arrival.
	 */
	int nak_echo_armed, rcv_hi_ends;
	uint64_t rcv_data_ns;

	/* FEC (fec.h, fec_conn.c): negotiated; the sender's loss measure; held NAKs */
	int fec_on;
	struct udt_fec_tx fec_tx;
	uint64_t fec_seen_ns; /* a parity last came (0: never) */
	struct udt_fec_hold fec_hold[UDT_FEC_HOLDS];
	uint32_t fec_nholds;
	uint8_t *fec_buf; /* a rebuilt payload */
	uint8_t *fec_acc; /* the parity of the message being sent, ... */
	int fec_acc_on;	  /* ... if it is one ... */
	uint32_t fec_acc_no, fec_acc_first, fec_acc_next; /* its number, first and next packet */

	struct udt_stats st;
};

/*
 * UDT4 runs its congestion control and its RTT and rate estimators on a
 * clock that ticks in microseconds. They take ns here, but at that
 * resolution, so that they behave as UDT4's (and as this engine's did when
 * it counted in us): udt_tick() is the time they are given, and the few
 * integer divisions of their times round down to a whole us too.
 */
static inline uint64_t udt_tick(uint64_t now_ns)
{
	return (uint64_t)lu2k_time_ns_floor_us((int64_t)now_ns);
}

/*
 * UDT4's wire speaks microseconds: the packet timestamp (below) and the RTT
 * and RTT variance an ACK carries (conn_in.c on_ack, conn_out.c
 * udt_send_ack) are converted here and there only; inside, all is ns.
 */
static inline uint32_t udt_conn_ts(const struct udt_conn *c, uint64_t now_ns)
{
	return (uint32_t)lu2k_time_ns_to_us(now_ns - c->start_ns);
}

/* conn_out.c */
uint8_t *udt_ctl_reserve(struct udt_conn *c);
void udt_ctl_commit(struct udt_conn *c, size_t len);
void udt_send_ctrl_simple(struct udt_conn *c, uint16_t type, uint32_t info, uint64_t now_ns);
void udt_send_ack(struct udt_conn *c, int light, uint64_t now_ns);
/* A listener's first grant under the flow share, behind its handshake answer (rcvbuf.h) */
void udt_send_first_window(struct udt_conn *c, uint64_t now_ns);
void udt_send_nak_ranges(struct udt_conn *c, const struct udt_range *r, size_t n, uint64_t now_ns);
uint64_t udt_send_nak_due(struct udt_conn *c, uint64_t now_ns);
void udt_send_nak_overtaken(struct udt_conn *c, uint32_t seq, uint64_t asked_ns, uint64_t now_ns);
/*
 * A hole reported at send_ns (a NAK queued then) gets the timestamp after
 * which a data packet proves its repair lost; udt_send_nak_redo asks again
 * for the holes below seq that a packet sent at ts (the sender's clock)
 * proves so.
 */
void udt_nak_redo_set(struct udt_conn *c, struct udt_lrange *h, uint64_t send_ns);
/* A redo_ts no packet reaches (for 18 minutes): only the NAK timer asks again. */
uint32_t udt_redo_never(const struct udt_conn *c);
/* conn_in.c: the least offset and round trip now (0: not known yet) */
int udt_path_min(const struct udt_conn *c, uint32_t *off_us, int64_t *rtt_ns);
void udt_send_nak_redo(struct udt_conn *c, uint32_t seq, uint32_t ts, uint64_t now_ns);
void udt_send_hs(struct udt_conn *c, uint32_t dst, uint64_t now_ns);
int udt_conn_data_ready(const struct udt_conn *c);

/*
 * conn_in.c: a packet into the receive window (recovered: rebuilt from a
 * parity). 0, 1 when it made the ACK due (a short packet: the timers send
 * it), or -ERANGE, -EMSGSIZE.
 */
int udt_conn_store(struct udt_conn *c, uint32_t seq, uint32_t msgword, const uint8_t *body,
		   size_t len, int recovered, uint64_t now_ns);

/* fec_conn.c */
int udt_fec_on_pkt(struct udt_conn *c, const struct udt_hdr *h, uint64_t now_ns);
int udt_fec_sent(struct udt_conn *c, const struct udt_spkt *p, uint32_t seq, int want,
		 uint64_t now_ns);
int udt_fec_hold_nak(struct udt_conn *c, const struct udt_range *hole, uint64_t now_ns);
void udt_fec_data_came(struct udt_conn *c, uint32_t seq, uint64_t now_ns);
void udt_fec_timers(struct udt_conn *c, uint64_t now_ns);
uint64_t udt_fec_deadline(const struct udt_conn *c);

/* conn_early.c */
/* A final request without a cookie (or with a token) left: data may follow it. */
void udt_conn_first_begin(struct udt_conn *c, uint64_t now_ns);
/* conn_probe.c: the connector's probe train; what the response said of it */
void udt_conn_probe_train(struct udt_conn *c, uint64_t now_ns);
void udt_conn_probe_told(struct udt_conn *c, uint32_t pps, uint64_t now_ns);
/* The response came to a connector that sent data before it. */
int udt_conn_first_established(struct udt_conn *c, const struct udt_hs *peer, uint64_t now_ns);
/* No ACK for the first flight by first_check_ns: the listener did not take it, resend it. */
void udt_conn_first_timer(struct udt_conn *c, uint64_t now_ns);
/* A whole message while held (udt_conn_hold_rx): 0 (taken), or -EAGAIN. */
int udt_conn_hold_msg(struct udt_conn *c, uint32_t msgno, const struct iovec *iov, int iovcnt,
		      size_t len);
void udt_conn_held_free(struct udt_conn *c);
/* The held messages to the application, in order, until it refuses one: 0, or its refusal. */
int udt_conn_held_offer(struct udt_conn *c);
/* Data may be sent: connected, or connecting with a first flight under way. */
static inline int udt_conn_may_send(const struct udt_conn *c)
{
	return c->state == UDT_ST_CONNECTED || c->state == UDT_ST_CLOSING ||
	       (c->state == UDT_ST_CONNECTING && c->first_on);
}

/* conn.c */
/* Both sides, once the MSS, sequence numbers and the peer's window are known. */
int udt_conn_setup_data(struct udt_conn *c, int32_t mss, int32_t peer_flight, uint32_t isn,
			uint32_t peer_isn, uint64_t now_ns);
/* A whole message to the callbacks: 0, or the application's refusal. */
int udt_conn_offer(struct udt_conn *c, uint32_t msgno, const struct iovec *iov, int iovcnt,
		   size_t len);
void udt_conn_set_state(struct udt_conn *c, enum udt_state st, int err);
void udt_conn_cc_update(struct udt_conn *c);
/* Before each first request, the final one without a cookie (conn.c; its timer: conn_timer.c). */
void udt_conn_send_no_cookie(struct udt_conn *c, uint64_t now_ns);
void udt_conn_check_ack(struct udt_conn *c, uint64_t now_ns);
/*
 * How long after its k-th report a hole is reported again: k round trips
 * (RTT + 4 RTTVar) plus a SYN plus the time the sender needs to resend the
 * holes before it at the rate we receive (at most k more round trips: early
 * on that rate is a guess), never under UDT4's 300 ms. The wait grows with
 * every report, as in draft-gg-udt's NAK timer, so a long outage is not met
 * with a NAK storm.
 */
uint64_t udt_conn_nak_wait_ns(const struct udt_conn *c, uint32_t reports, uint64_t ahead_pkts,
			      int32_t speed);
int udt_conn_establish(struct udt_conn *c, const struct udt_hs *peer, uint64_t now_ns);
void udt_conn_msg_done(void *ctx, struct udt_smsg *m, int status);
int udt_conn_deliver(void *ctx, uint32_t msgno, const struct iovec *iov, int iovcnt, size_t len);
void udt_conn_maybe_finish(struct udt_conn *c, uint64_t now_ns);

#endif
