/* SPDX-License-Identifier: MIT */
/*
 * tcp.h - private to the tcp back-end (tcp.c: instance, listeners,
 * connection setup; tcp_io.c: the byte streams).
 */
#ifndef LU2K_BACKENDS_TCP_H
#define LU2K_BACKENDS_TCP_H

#include <stdbool.h>
#include <sys/socket.h>

#include "backend.h"
#include "common/loop.h"
#include "tcp_sec.h"
#include "tcp_wire.h"

#define TCP_RBUF_IN	    (16 * 1024) /* staging for frame headers on incoming conns */
#define TCP_RBUF_OUT	    256		/* hello answer and acks on outgoing conns */
#define TCP_CTRL_LEN	    256		/* a hello with its addresses (228) and an ack */
#define TCP_IOV_MAX	    128
#define TCP_READS_PER_EVENT 16

struct tcp_stats {
	uint64_t listeners, conns_out, conns_in, accepts, refused, connect_errors;
	uint64_t accept_pauses;	       /* accept() found no fd (or memory): listening paused */
	uint64_t too_many_from_prefix; /* closed at accept: max_halfopen_per_prefix */
	uint64_t too_many_conns;       /* refused: max_conns (in), max_conns_out (out) */
	uint64_t too_many_from_source; /* closed at accept: max_conns_per_source */
	uint64_t too_many_halfopen; /* closed at accept: max_halfopen, its prefix holds the most */
	uint64_t halfopen_evicted;  /* closed to make room under max_halfopen */
	uint64_t fd_reserve_pauses; /* listening paused: the fds left are kept for outgoing */
	uint64_t malformed, hello_timeouts, conns_failed, body_timeouts;
	uint64_t conns_closed_by_peer, byes_tx;
	uint64_t msgs_tx, msgs_rx, bytes_tx, bytes_rx, acks_tx, acks_rx;
	uint64_t writev_calls, read_calls, rx_pauses, cancels;
	/* with keys (tcp_sec.c) */
	uint64_t auth_refused, auth_bad_records, auth_records_tx, auth_records_rx;
};

struct lu2k_be {
	struct lu2k_be_env env;
	struct lu2k_list listeners;
	struct lu2k_list conns;
	struct lu2k_list dirty;
	struct lu2k_idle idle;
	int sndbuf, rcvbuf;
	uint32_t hello_timeout_ms;
	uint32_t body_timeout_ms; /* a begun message body silent this long: closed */
	int backlog;
	uint32_t max_halfopen_per_prefix; /* in, before the hello, per /24 or /64 */
	uint32_t max_halfopen;		  /* in, before the hello, in all; 0: max_conns / 4 */
	uint32_t max_conns;		  /* in, hello or not */
	uint32_t max_conns_out;		  /* out, counted apart */
	uint32_t max_conns_per_source;	  /* in, from one address */
	uint32_t nconns_in, nconns_out;
	int fd_in_max; /* an accepted fd at or past it: the fds left are for outgoing */
	struct tcp_stats st;
};

/*
 * A listening socket, shared by every interface whose NID has its address
 * (LNet may put one address in several networks: 192.0.2.1@lu2k and
 * 192.0.2.1@lu2k1); the hello's destination NID says which one is meant.
 */
struct tcp_lsock {
	struct lu2k_io io;
	struct lu2k_be *be;
	struct lu2k_list link;
	struct sockaddr_storage ss;
	uint16_t port;
	int refs;
	/* Out of fds (or memory) for accept(): not listened to until it fires. */
	struct lu2k_timer pause;
	uint32_t pause_ms; /* the next pause: doubles while accept() keeps failing */
};

/* One interface's claim on a listening socket (what listen() returns). */
struct lu2k_be_listener {
	struct tcp_lsock *s;
	struct lu2k_nid nid;
};

enum tcp_state {
	TCP_CONNECTING, /* out: connect() in progress */
	TCP_SECURING,	/* out: handshake sent, waiting for the answer (keys on) */
	TCP_HELLO,	/* in: waiting for the connector's hello */
	TCP_UP,		/* streams flowing */
	TCP_BROKEN,	/* cannot continue; torn down from a timer */
	TCP_DEAD,	/* closed; memory freed after the loop's batch */
};

struct lu2k_be_conn {
	struct lu2k_io io;
	struct lu2k_be *be;
	struct lu2k_list link;
	struct lu2k_list dirty_link;
	struct lu2k_defer defer;
	struct lu2k_timer timer; /* hello and body timeouts (in), deferred teardown */
	void *ctx;
	bool out;
	enum tcp_state state;
	int broken_err;
	struct lu2k_nid local, remote;
	struct lu2k_be_addrs *hello_addrs; /* out: named in our hello (then freed) */
	struct sockaddr_storage addr;	   /* the other end */
	struct tcp_lsock *lsock;	   /* in: the socket it came on, until the hello */
	uint64_t up_ns;

	/* Writing: control bytes (hello, acks) go first, then message frames. */
	uint8_t ctrl[TCP_CTRL_LEN];
	uint32_t ctrl_len, ctrl_off;
	struct lu2k_list sendq; /* out: not fully written, in seq order */
	struct lu2k_list ackq;	/* out: written, waiting for the ack */
	uint32_t nsendq, nackq;
	uint64_t next_seq;	/* out: seq of the next message */
	uint64_t written_seq;	/* out: last seq fully written */
	uint64_t acked_seq;	/* out: highest seq acknowledged */
	bool close_after_flush; /* in: refused; close once ctrl is out */
	bool peer_bye;		/* the other end said it is closing on purpose */

	/* Reading. */
	uint8_t *rbuf;
	uint32_t rcap, roff, rlen;
	uint8_t rsmall[TCP_RBUF_OUT];
	bool hello_seen;
	bool rx_active, rx_paused;
	struct lu2k_tcpw_frame rx_frame;
	struct lu2k_be_rxbuf rx;
	uint32_t rx_got;
	uint64_t rx_last_ns;		/* in: when the begun body last grew */
	uint64_t expect_seq;		/* in: seq of the next message */
	uint64_t ack_pending, ack_sent; /* in: delivered / acknowledged */

	uint64_t msgs_tx, msgs_rx, bytes_tx, bytes_rx;
	struct tcp_sec *sec; /* keys on: handshake and records (tcp_sec.c); else NULL */
};

/* tcp_io.c */
void tcp_conn_event(struct lu2k_io *io, uint32_t revents);
void tcp_conn_flush(struct lu2k_be_conn *c);
void tcp_conn_mark_dirty(struct lu2k_be_conn *c);
void tcp_conn_update_events(struct lu2k_be_conn *c, bool want_out);
void tcp_rx_try_begin(struct lu2k_be_conn *c);
void tcp_conn_rx_resume(struct lu2k_be_conn *c);
/* tcp.c */
void tcp_conn_fail(struct lu2k_be_conn *c, int err, bool upcall);
void tcp_conn_break(struct lu2k_be_conn *c, int err);
void tcp_conn_body_begun(struct lu2k_be_conn *c);
void tcp_conn_connected(struct lu2k_be_conn *c);
void tcp_conn_hello_in(struct lu2k_be_conn *c, const struct lu2k_tcpw_hello *h);

/* tcp.c, for tcp_listen.c */
struct lu2k_be_conn *tcp_conn_new(struct lu2k_be *be, int fd, bool out);
void tcp_sock_tune(struct lu2k_be *be, int fd);
/* tcp_listen.c */
void tcp_fd_reserve_init(struct lu2k_be *be);
int tcp_listen(struct lu2k_be *be, const struct lu2k_nid *local, uint16_t port,
	       struct lu2k_be_listener **out);
void tcp_unlisten(struct lu2k_be_listener *l);

#endif
