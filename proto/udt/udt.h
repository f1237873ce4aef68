/* SPDX-License-Identifier: MIT */
/*
 * udt.h - lu2k's UDT engine: UDT4 on the wire, no I/O and no clock inside.
 *
 * The caller owns the socket and the clock. Time is a 64-bit count of
 * nanoseconds on any monotonic clock (common/time.h names the conversions). The loop around a connection:
 *
 *	on a datagram:  udt_conn_recv_pkt(c, buf, len, now)
 *	on a deadline:  udt_conn_handle_timers(c, now)
 *	after either:   while ((n = udt_conn_write_pkt(c, out, sizeof(out), now)))
 *				sendto(peer, out, n);
 *			arm a timer for udt_conn_next_deadline(c)
 *
 * Messages (UDT_SOCK_DGRAM) go in with udt_conn_send_msg; each one gets
 * exactly one completion: msg_acked when the peer has acknowledged all of it,
 * or msg_dropped (its TTL ran out, or the connection closed or broke first).
 * Received messages come out whole through msg_recv. Callbacks run inside
 * recv_pkt, handle_timers, write_pkt and the close calls; they may queue new
 * messages but must not free the connection.
 *
 * Packets for socket id 0 (connection requests) go to a listener
 * (handshake.h), which answers the first request statelessly and hands a
 * request with a good cookie to udt_conn_accept.
 */
#ifndef LU2K_UDT_H
#define LU2K_UDT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "codec.h"
#include "common/time.h"
#include "handshake.h"

struct udt_conn;

enum udt_state {
	UDT_ST_CONNECTING,
	UDT_ST_CONNECTED,
	UDT_ST_CLOSING, /* shutdown asked for; sending what is queued */
	UDT_ST_CLOSED,	/* shut down by either side */
	UDT_ST_BROKEN,	/* peer silent, connect failed or refused */
};

struct udt_config {
	int32_t sock_type;     /* UDT_SOCK_DGRAM (messages) or UDT_SOCK_STREAM */
	int32_t mss;	       /* bytes of an IP packet: 1500 */
	uint32_t flight_max;   /* largest flow window we allow the peer, packets */
	uint32_t rcv_buf_pkts; /* receive window, packets */
	uint32_t snd_buf_pkts; /* most packets in flight */
	size_t snd_buf_bytes;  /* most bytes queued by send_msg */
	const char *cc;	       /* congestion control by name: "udt" */
	int nak_timer;	       /* repeat NAKs of old holes (UDT4 4.11 does not) */
	/*
	 * On an EXP timeout UDT4 resends everything unacknowledged: with a
	 * long fat path that is megabytes, mostly already received. By default
	 * we resend only the first unacknowledged packet (the hole that holds
	 * the cumulative ACK, typically a lost retransmission) and the last one
	 * sent (its arrival makes the receiver NAK any loss at the tail);
	 * exp_resend_all = 1 restores UDT4's behaviour.
	 */
	int exp_resend_all;
	uint64_t connect_timeout_ns; /* give up connecting after this: 3 s */
	uint64_t pacing_burst_ns;    /* how far pacing may catch up after a late call */
	/*
	 * Starting RTT estimate. UDT4 starts at 100 ms unless its cache knows
	 * the peer; a caller may pass what it learnt before (0: 100 ms). With
	 * rtt_from_handshake the client starts from the time its cookie request
	 * took to be answered instead, so that on long paths the first EXP does
	 * not resend what is merely still in flight (not UDT4 behaviour: off).
	 */
	uint64_t init_rtt_ns;
	int rtt_from_handshake;
	/*
	 * Packets/s an earlier connection to this peer's address carried
	 * (udt_stats' path_rate_pps, remembered by the caller; 0: none): the
	 * congestion control may start near it (lossy does, doc/udt-cc.md).
	 */
	uint32_t init_rate_pps;
	uint64_t max_bw; /* bytes/s the sender may use, as UDT_MAXBW; 0: no limit */
	/*
	 * Receive memory (rcvbuf.h, MEMORY): at most rcv_mem_max bytes of packet
	 * buffers per connection (0: the window only), a budget shared with
	 * other connections (NULL: none), and the longest message a peer may
	 * send (0: any); a longer one breaks the connection with -EMSGSIZE.
	 */
	size_t rcv_mem_max;
	struct udt_rxmem *rx_mem;
	size_t max_msg_bytes;
	/*
	 * Small messages into large ones (not UDT4): the sender may put a
	 * small message (sndbuf.h) between the packets of a large one being
	 * cut instead of after its end, and the receiver takes such a message
	 * and the large one around it whole. A UDT4 receiver would lose the
	 * large one, so 1 only offers it in the handshake (UDT_HS_INFO_NEST in
	 * a word UDT4 leaves 0 and never reads); it is used where both ends
	 * offered it (udt_stats' nest). 0: not offered.
	 */
	int nest_small;
	/*
	 * Parity for small messages (fec.h, doc/udt-fec.md; not UDT4): 1 offers
	 * it in the handshake (UDT_HS_EXT_FEC in the header's extended type,
	 * which UDT4 and older lu2k engines leave 0 and never read: with them
	 * it stays off). Where both ends offered it (udt_stats' fec), a sender
	 * that measures loss follows each small message with a parity packet,
	 * and a receiver rebuilds a packet lost from one. 0: not offered.
	 */
	int fec;
	/*
	 * Timed full ACKs (not UDT4; offered in the handshake's extended type,
	 * on where both ends offered it): the receiver's full ACK also names
	 * the highest packet it has and how long it held it, and comes every
	 * ACK period while that moves, even when holes keep the cumulative ACK
	 * still; the sender's CC takes an RTT sample from each (doc/udt-cc.md,
	 * "Timed ACKs"). 1 by default (udt_config_default); 0: not offered.
	 */
	int ack_time;
	/*
	 * Data in the first flight (not UDT4; conn_early.c, doc/udt-backend.md):
	 * a connector whose final request goes without a cookie or with an
	 * address token (udt_conn_no_cookie, udt_conn_use_token) sends up to
	 * first_flight data packets to socket id 0 before the response comes,
	 * paced at its CC's starting rate; a listener's connection takes that
	 * many (udt_conn_recv_first). Only between lu2k ends of the same MSS
	 * (a UDT4 listener drops them; they are repaired as any loss). 0: off.
	 */
	uint32_t first_flight;
	/*
	 * The capacity probe (not UDT4; handshake.h, hs_probe.c): a connector
	 * sends probe_train MSS-sized probes back to back before its final
	 * request (at most two trains a connection, none on a retry) and
	 * offers UDT_HS_OFFER_PROBE; a lu2k listener answers with the rate
	 * they came at (udt_stats' hs_capacity_pps), which its CC may start
	 * from (lossy does, doc/udt-cc.md). A UDT4 listener drops them. 0: off.
	 */
	uint32_t probe_train;
};

struct udt_callbacks {
	void (*msg_recv)(void *ud, uint32_t msgno, const struct iovec *iov, int iovcnt, size_t len);
	/*
	 * Instead of msg_recv, for an application that may have no room: return
	 * 0 to take the message, < 0 (-EAGAIN) to refuse it for now. A refused
	 * message stays in the receive buffer and is not acknowledged (so its
	 * sender does not see it complete); the ACK point stops before its last
	 * packet, and the window the peer may fill shrinks as packets arrive
	 * behind it. Messages after it that need no order are still offered as
	 * they complete (acknowledged only once the refused one is taken).
	 * udt_conn_rx_resume() offers the refused message again, then what
	 * follows it in order. Each message is taken at most once.
	 */
	int (*msg_offer)(void *ud, uint32_t msgno, const struct iovec *iov, int iovcnt, size_t len);
	/*
	 * Optional, with msg_offer: the first packet of a message of several
	 * came (head, len bytes). Return 0 with *at, *from, *to to have the
	 * message's bytes [from, to) written to at + (offset - from) as its
	 * packets arrive in order (no packet buffer for them), < 0 for the
	 * usual reassembly (rcvbuf.h, PLACEMENT; one message at a time). The
	 * message is then offered as any other, its iovec pointing into the
	 * placed memory where a packet is already there. msg_unplace: the
	 * receiver gave up on it (a drop request); nothing more is written
	 * there. After udt_conn_rx_unplace(), neither is called for it.
	 */
	int (*msg_place)(void *ud, uint32_t msgno, const uint8_t *head, size_t len, uint8_t **at,
			 size_t *from, size_t *to);
	void (*msg_unplace)(void *ud, uint32_t msgno);
	void (*msg_acked)(void *ud, uint32_t msgno, void *cookie);
	/* err: -ETIMEDOUT (TTL), -ECONNRESET (peer shut down or vanished), -ECONNABORTED */
	void (*msg_dropped)(void *ud, uint32_t msgno, void *cookie, int err);
	void (*state_change)(void *ud, enum udt_state st, int err);
};

struct udt_stats {
	uint64_t pkts_sent, bytes_sent, pkts_retrans, pkts_recv, bytes_recv, pkts_dup;
	uint64_t snd_loss, rcv_loss; /* packets reported lost to us / by us */
	uint64_t acks_sent, acks_recv, light_acks_sent, acks2_sent, acks2_recv;
	uint64_t naks_sent, naks_recv, keepalives_sent, drops_sent, drops_recv;
	uint64_t naks_overtaken; /* NAKs for holes whose repair was overtaken by a later one */
	uint64_t naks_redo;	 /* packets asked for again: sent after their repair, here first */
	uint64_t probes;	 /* head and tail resent to a silent peer between EXPs */
	uint64_t dup_tails;	 /* small messages sent twice (the CC's dup_tail) */
	uint64_t tail_probes;	 /* the last packet resent when no ACK came for it (conn.c) */
	uint64_t pkts_bad, pkts_out_of_window, ctl_overflow, timeouts;
	uint64_t msgs_sent, msgs_acked, msgs_dropped, msgs_recv, msgs_refused, pkts_rcv_dropped;
	uint64_t pkts_no_mem;		   /* not stored: over the receive memory limits */
	uint64_t pkts_placed, msgs_placed; /* straight into the application's memory (msg_place) */
	uint64_t rcv_mem;		   /* bytes of receive buffers held */
	uint64_t
		bytes_acked; /* payload bytes the peer has acknowledged (progress within a message) */
	/* packets the peer's ACKs cover (held ones too: udt_ack.held); bytes_acked only when given */
	uint64_t pkts_acked;
	int32_t rtt_us, rttvar_us, bandwidth_pps, rcv_rate_pps;
	/* packet pairs received that did not leave together: no capacity sample (window.h) */
	uint64_t pairs_apart;
	/* the CC's model of the path, to remember for a later connection (0: none) */
	int32_t path_rate_pps, path_rtt_us;
	/* the capacity the handshake's probe train read (udt_config.probe_train), packets/s; 0: none */
	int32_t hs_capacity_pps;
	double pkt_snd_period_us, cwnd;
	int32_t flow_window;
	uint32_t inflight, snd_loss_len, rcv_loss_len;
	uint64_t snd_unsent; /* bytes queued, never sent yet (multipath's late binding) */
	/* small messages first (sndbuf.h): sent ahead of larger ones, and of those into one */
	uint64_t small_ahead, small_nested;
	int32_t nest; /* nested small messages on (both ends offered them) */
	/*
	 * FEC (fec.h): fec is on (both ends offered it); fec_active: the
	 * sender sends parity now (the loss it measures, fec_loss_ppm, is high
	 * enough); parities and one-packet messages sent twice for it; on the
	 * receiving side parities that came, packets rebuilt from one, holes
	 * of more than one packet in a group (repaired by NAK), parities that
	 * found nothing missing, parities that did not fit what came, NAKs held
	 * for a parity and never sent; reports of rebuilt packets received.
	 */
	int32_t fec, fec_active;
	uint32_t fec_loss_ppm;
	uint64_t fec_parity_sent, fec_dups, fec_parity_recv, fec_recovered, fec_lost2;
	uint64_t fec_unneeded, fec_bad, fec_naks_saved, fec_reports_recv;
	/*
	 * First flight (udt_config.first_flight): data packets sent before the
	 * response; taken to socket id 0, refused beyond the cap; messages
	 * held until the address was proved (udt_conn_hold_rx); on the sending
	 * side, full ACKs that said the peer held what they covered (completed
	 * at a later one)
	 */
	uint64_t first_sent, first_recv, first_over, msgs_held, acks_held;
	/* the CC's reading of the link's rate stepping down, up (doc/udt-cc.md, lossy only) */
	uint64_t link_steps_down, link_steps_up;
};

#define UDT_MSG_COPY  1u /* copy the bytes now instead of referencing them */
#define UDT_MSG_PARTS 2u /* data is a struct udt_msg_parts: two referenced pieces */

/*
 * A message in two pieces, both referenced (kept unchanged by the caller
 * until the message's completion): a head (a framing header of the caller's)
 * then a body (the payload where it already is), len bytes in all. The
 * struct itself is read only during the call.
 */
struct udt_msg_parts {
	const void *head;
	size_t head_len;
	const void *body;
};

/* Pieces of payload a data packet may be given in (udt_conn_write_pkt_ref). */
#define UDT_PKT_PIECES 2

void udt_config_default(struct udt_config *cfg);

/*
 * Starts connecting. sock_id (1..2^31-1) and isn (0..2^31-1) should be
 * random; peer_ip is the peer's address in handshake form (may be NULL).
 */
struct udt_conn *udt_conn_connect(const struct udt_config *cfg, const struct udt_callbacks *cb,
				  void *ud, uint32_t sock_id, uint32_t isn,
				  const uint32_t peer_ip[4], uint64_t now_ns);
/*
 * A connector whose path was proven otherwise (the udt back-end's keyed
 * handshake: its listener takes a sealed request without a cookie): the
 * next request is the final one, sent at the next timer round, and the RTT
 * is measured from it.
 */
void udt_conn_skip_cookie(struct udt_conn *c, uint64_t now_ns);
/*
 * A connector that holds its listener's address token (handshake.h, from
 * udt_conn_token of an earlier connection to it): the first request is the
 * final one, with the token as its cookie; one round trip to connect, not
 * two. A listener that does not take it stays silent: after a second the
 * connector sends UDT4's first request instead.
 */
void udt_conn_use_token(struct udt_conn *c, uint32_t token, uint64_t now_ns);
/*
 * A connector to a lu2k listener that may take a final request without a
 * cookie (handshake.h, udt_listener_unproved): each UDT4 first request goes
 * with such a final request (cookie UDT_HS_NO_COOKIE), until a cookie comes.
 * One round trip to connect when the listener takes it; when it does not (a
 * UDT4 listener, or one with no slot free) it stays silent, and the cookie
 * the first request brings goes on UDT4's way with no delay.
 */
void udt_conn_no_cookie(struct udt_conn *c);
/*
 * The loss (parts per million) other connections to the same peer measure
 * now (udt_stats' fec_loss_ppm): this one's FEC measure starts there
 * (fec.h udt_fec_tx_seed), so a sparse connection's small messages are
 * covered before it has lost one of its own.
 */
void udt_conn_fec_seed(struct udt_conn *c, uint32_t loss_ppm);
/*
 * Connected: 1 and *token if the listener's response carried an address
 * token (a cookie other than the one this end sent: UDT4 listeners echo it).
 */
int udt_conn_token(const struct udt_conn *c, uint32_t *token);
/*
 * The MSS the listener's response named (0 before one came). A connector
 * whose first flight was cut at a larger MSS than the listener takes breaks
 * with -EMSGSIZE (conn_early.c); its next connection there should ask for
 * this one.
 */
int32_t udt_conn_peer_mss(const struct udt_conn *c);
/*
 * A connector with data in its first flight (udt_config.first_flight): 1
 * once messages may be queued, before the response (state CONNECTING).
 */
int udt_conn_first_open(const struct udt_conn *c);
/*
 * A listener's connection: a data packet its client sent to socket id 0
 * before our response reached it (the caller matched the packet's source to
 * the request that made this connection). Taken as any data packet, up to
 * first_flight of them: 0, or -ENOBUFS (over the cap, counted), -EBADMSG.
 */
int udt_conn_recv_first(struct udt_conn *c, const uint8_t *buf, size_t len, uint64_t now_ns,
			uint64_t arr_ns);
/*
 * Hold what arrives (a listener's connection whose client has not proved
 * its address): whole messages are copied and taken (acknowledged), up to
 * first_flight packets' bytes (more are refused, kept unacknowledged), and
 * none reaches the callbacks until udt_conn_release_rx: those, in order,
 * then what was refused (udt_conn_rx_resume). Release returns 0, or the
 * callback's refusal: the rest stays held, offered again after the next
 * message the callback takes (one that a held one overtook: a hello) or at
 * the next release (as rx_resume).
 */
void udt_conn_hold_rx(struct udt_conn *c);
int udt_conn_release_rx(struct udt_conn *c, uint64_t now_ns);
/* Creates the server side for a request a listener accepted; queues the response. */
struct udt_conn *udt_conn_accept(const struct udt_config *cfg, const struct udt_callbacks *cb,
				 void *ud, uint32_t sock_id, const struct udt_hs *req,
				 const uint32_t peer_ip[4], uint64_t now_ns);
/*
 * A connection the caller found idle gives back the tables it grew while
 * busy (the send ring when nothing is queued or in flight; the receive
 * window's spare buffers, and its tables when it holds nothing; the loss
 * lists and the ACK history down to their starting size). Nothing it holds
 * is lost; they grow again on demand. Returns the bytes freed.
 */
size_t udt_conn_trim(struct udt_conn *c);
/* Frees; messages still queued are reported dropped with -ECONNABORTED. */
void udt_conn_free(struct udt_conn *c);

/* 0, or a negative error for a packet that was counted and dropped. */
int udt_conn_recv_pkt(struct udt_conn *c, const uint8_t *buf, size_t len, uint64_t now_ns);
/*
 * The same for a packet that reached the host at arr_ns, before now_ns (a
 * kernel receive timestamp; the caller read it late): RTT samples (ACK2,
 * and the congestion control's from ACKs and NAKs) and the receiving-rate
 * and packet-pair estimates take arr_ns, timers take now_ns. now_ns must
 * not go back between calls; arr_ns of one socket's packets should not
 * either. recv_pkt is recv_pkt_at with arr_ns = now_ns.
 */
int udt_conn_recv_pkt_at(struct udt_conn *c, const uint8_t *buf, size_t len, uint64_t now_ns,
			 uint64_t arr_ns);
/* Bytes of the next datagram due now, 0 if nothing is due. cap >= mss - 28. */
size_t udt_conn_write_pkt(struct udt_conn *c, uint8_t *buf, size_t cap, uint64_t now_ns);
/*
 * The same datagram without a copy of its payload: a data packet's header
 * goes into buf and piece[0..*npieces) say where the rest is, in the
 * message's own memory (valid until a call that can complete or drop the
 * message: recv_pkt, handle_timers, drop_msg, abort, free); a control
 * packet goes whole into buf (*npieces = 0). Returns the datagram's length
 * (buf's bytes plus the pieces'), 0 if nothing is due.
 */
size_t udt_conn_write_pkt_ref(struct udt_conn *c, uint8_t *buf, size_t cap, uint64_t now_ns,
			      struct iovec piece[UDT_PKT_PIECES], int *npieces);
/* Earliest time anything is due; UINT64_MAX if nothing ever will be. */
uint64_t udt_conn_next_deadline(const struct udt_conn *c);
void udt_conn_handle_timers(struct udt_conn *c, uint64_t now_ns);

/*
 * Nested small messages on or off from now on, whatever the handshake said
 * (tests; a caller that knows its peer otherwise: both ends must have it).
 */
void udt_conn_set_nest(struct udt_conn *c, int on);
/*
 * Queues a message. ttl_ms < 0: never dropped. Returns 0 and *msgno, or
 * -EAGAIN (buffer full; see udt_conn_send_space), -EMSGSIZE (larger than the
 * send buffer or the peer's flow window: udt_conn_max_msg), -ENOTCONN.
 */
int udt_conn_send_msg(struct udt_conn *c, const void *data, size_t len, int64_t ttl_ms,
		      int in_order, unsigned int flags, void *cookie, uint32_t *msgno,
		      uint64_t now_ns);
/*
 * The application gives up on a queued message (its own deadline): the
 * rest of it is not sent, and what of it left is dropped at the receiver (a
 * DROP request; a message the receiver already took stays taken).
 * msg_dropped(err) comes from inside this call. 0, or -ENOENT (not queued
 * any more: acknowledged or dropped before).
 */
int udt_conn_drop_msg(struct udt_conn *c, uint32_t msgno, int err, uint64_t now_ns);
size_t udt_conn_send_space(const struct udt_conn *c);
size_t udt_conn_max_msg(const struct udt_conn *c);

/*
 * The application has room again after msg_offer refused a message: offer
 * it again (from inside this call), and what follows it, until one is
 * refused again; the ACK point moves on (an ACK is due at once).
 */
void udt_conn_rx_resume(struct udt_conn *c, uint64_t now_ns);

/*
 * The application took back the memory of the message being placed
 * (msg_place): nothing more is written there, and no call comes for it. Only
 * for a connection that does not go on (its placed packets are lost).
 */
void udt_conn_rx_unplace(struct udt_conn *c);

/*
 * Does the receive window hold packets (none refused by the application)
 * that have not moved it on for more than limit_ns: no message delivered and
 * the ACK point unmoved (behind a hole the peer leaves unrepaired, or a
 * message it stopped sending)? An honest sender repairs a hole within a few
 * round trips; a peer that does not keeps memory for nothing.
 */
int udt_conn_rcv_stalled(const struct udt_conn *c, uint64_t now_ns, uint64_t limit_ns);

/* Graceful: sends a shutdown once everything queued is acknowledged. */
int udt_conn_shutdown(struct udt_conn *c, uint64_t now_ns);
/* At once: drops what is queued, sends a shutdown. */
void udt_conn_abort(struct udt_conn *c, uint64_t now_ns);

enum udt_state udt_conn_state(const struct udt_conn *c);
int udt_conn_error(const struct udt_conn *c);
uint32_t udt_conn_sock_id(const struct udt_conn *c);
uint32_t udt_conn_peer_id(const struct udt_conn *c);
void udt_conn_get_stats(const struct udt_conn *c, struct udt_stats *st);
const char *udt_state_to_str(enum udt_state st);

#endif
