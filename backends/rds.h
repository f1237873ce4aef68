/* SPDX-License-Identifier: MIT */
/*
 * rds.h - private to the rds back-end (rds.c: instance, options, sockets,
 * connection setup and teardown, timers, the ops table; rds_io.c: frames in
 * and out, pieces of messages, acks, congestion).
 *
 * RDS has no connect() and no accept(): one AF_RDS socket per local address
 * (bound to the NID's address and the lu2k port) carries every connection
 * from and to that address. A connection is a conn id (random, chosen by the
 * connector) plus the peer's address and port; its messages go out as DATA
 * pieces of at most frag bytes (RDS takes at most 1 MiB per message), and the
 * listener's ACKs come back to the same socket. See doc/rds-backend.md.
 */
#ifndef LU2K_BACKENDS_RDS_H
#define LU2K_BACKENDS_RDS_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "backend.h"
#include "common/loop.h"
#include "rds_wire.h"

#ifndef AF_RDS
#define AF_RDS 21
#endif
#ifndef SOL_RDS
#define SOL_RDS 276
#endif

#define RDSB_PIECES_PER_ROUND 64 /* DATA pieces per connection per loop round */
#define RDSB_READS_PER_EVENT  64
#define RDSB_TICK_MS	      100 /* timeouts, keep-alives, congestion retries */

/*
 * The system calls the back-end makes on its sockets, as a table so that the
 * unit tests can put an RDS of their own under the back-end on a host that
 * has none (tests/unit/test_rds_backend.c). Each returns >= 0 or -errno.
 */
struct lu2k_rds_sockops {
	int (*socket)(void);
	int (*bind)(int fd, const struct sockaddr *sa, socklen_t len);
	int (*setsockopt)(int fd, int level, int name, const void *v, socklen_t len);
	int (*getsockopt)(int fd, int level, int name, void *v, socklen_t *len);
	ssize_t (*sendmsg)(int fd, const struct msghdr *m);
	ssize_t (*recvmsg)(int fd, struct msghdr *m);
	void (*close)(int fd);
};

extern const struct lu2k_rds_sockops *lu2k_rds_sockops;

struct rdsb_stats {
	uint64_t sockets, conns_out, conns_in, refused, conns_failed, malformed;
	uint64_t hello_timeouts, peer_timeouts, resets_rx, resets_tx, closes_rx, unknown_conn;
	uint64_t msgs_tx, msgs_rx, bytes_tx, bytes_rx, pieces_tx, pieces_rx, acks_tx, acks_rx;
	uint64_t pings_tx, send_eagain, send_enobufs, cong_updates, send_errors, cancels;
	uint64_t rx_pauses, cancel_sent_to, truncated;
	/* with keys (rds_sec.c) */
	uint64_t auth_refused, auth_bad_records, auth_unknown_index, auth_wrong_conn;
	uint64_t auth_plaintext, auth_records_tx, auth_records_rx, auth_resets_doubted;
	uint64_t auth_rate_limited, auth_peer_restarts;
	uint64_t hello_answers_again; /* cancelled with a dead peer's queue: sent again */
	uint64_t progress_timeouts;   /* the peer answered but took no piece of ours */
};

struct rdsb_sec;

struct lu2k_be {
	struct lu2k_be_env env;
	struct lu2k_list socks;
	struct lu2k_list conns;
	struct lu2k_list dirty;
	struct lu2k_idle idle;
	struct lu2k_timer tick;
	int sndbuf, rcvbuf;
	uint32_t frag; /* data bytes per DATA piece (before the socket's limit) */
	uint32_t hello_timeout_ms;
	uint32_t ack_timeout_ms; /* silence of a peer that holds our messages */
	uint32_t keepalive_ms;
	uint32_t cong_retry_ms;
	uint64_t next_id;
	uint32_t tick_gen;
	uint8_t *sbuf; /* with keys: where a frame is sealed before sendmsg (LU2K_RDSW_RDS_MAX) */
	struct rdsb_stats st;
};

/* One AF_RDS socket: a local address and port, shared by listeners and conns. */
struct rdsb_sock {
	struct lu2k_io io;
	struct lu2k_be *be;
	struct lu2k_list link;
	struct lu2k_defer defer;
	struct sockaddr_storage ss;
	socklen_t sslen;
	uint16_t port;
	int refs; /* listeners + conns */
	int listeners;
	uint32_t frag; /* data bytes per piece on this socket */
	bool blocked;  /* sendmsg said EAGAIN: waiting for EPOLLOUT */
	/*
	 * The control socket (same address, a port of RDS's choosing): acks,
	 * hellos and their answers, pings, closes. RDS keeps a socket's messages
	 * to a peer in one queue on one TCP path, chosen by its bound port: from
	 * the socket of the messages, an ack would wait behind megabytes of them.
	 * -1 if it could not be made (then everything goes through io).
	 */
	struct lu2k_io cio;
	bool cblocked;
	bool paused; /* rx_begin said EAGAIN: the frame waits in rbuf */
	struct lu2k_be_conn *paused_conn;
	uint8_t *rbuf;
	size_t rlen; /* length of the frame waiting in rbuf */
	size_t roff; /* where it starts in rbuf (after a record's headers, with keys) */
	struct sockaddr_storage rfrom;
	socklen_t rfromlen;
	uint64_t reset_id, reset_ns; /* the last RESET for an unknown conn (rate limit) */
};

struct lu2k_be_listener {
	struct rdsb_sock *s;
	struct lu2k_nid nid;
};

enum rdsb_state {
	RDSB_HELLO,  /* out: hello sent or to send, waiting for the answer */
	RDSB_UP,     /* messages flowing */
	RDSB_BROKEN, /* cannot continue; torn down from the tick */
	RDSB_DEAD,   /* closed; freed after the loop's batch */
};

struct lu2k_be_conn {
	struct lu2k_be *be;
	struct rdsb_sock *s;
	struct lu2k_list link;
	struct lu2k_list dirty_link;
	struct lu2k_defer defer;
	void *ctx;
	bool out;
	enum rdsb_state state;
	int broken_err;
	uint64_t id;
	struct lu2k_nid local, remote;
	struct sockaddr_storage peer; /* the other end's socket */
	socklen_t peerlen;
	uint64_t start_ns, last_rx_ns, last_tx_ns;
	uint64_t last_data_ns; /* in: the last DATA or PING */

	/* Control frames to send (retried after EAGAIN / ENOBUFS). */
	bool hello_pending; /* out: HELLO; in: HELLO_ACK */
	bool ack_force;	    /* in: answer a PING (or keep-alive while paused) */
	bool ping_pending;  /* out: keep-alive */
	bool congested;	    /* the peer's port is congested (ENOBUFS) */
	bool doomed;	    /* marked by rdsb_peer_gone() */
	bool peer_closed;   /* the peer said CLOSE / RESET: no need to tell it */
	/*
	 * Piece progress (doc/rds-backend.md): in, the connector asked for it
	 * (our ACKs carry rx_pieces); out, the listener's ACKs carry it, and a
	 * peer that answers but takes no piece of ours for ack_timeout_ms has
	 * lost one (RDS handed it over and dropped it): the conn fails.
	 */
	bool progress;
	bool hello_flags_pending; /* out, without keys: the second HELLO, asking for progress */
	bool stalled;		  /* out: failed for want of progress (the peer is told) */
	uint32_t tick_gen;
	uint64_t cong_ns;

	/* Outgoing. */
	struct lu2k_list sendq; /* not all pieces sent, in seq order */
	struct lu2k_list ackq;	/* all pieces sent, waiting for the ACK */
	uint32_t nsendq, nackq;
	uint64_t next_seq, written_seq, acked_seq;
	uint32_t pieces_tx, peer_pieces; /* handed to RDS; the listener's last count (mod 2^32) */
	uint64_t progress_ns;		 /* pieces outstanding since, or the last progress */

	/* Incoming. */
	bool rx_active, rx_paused;
	struct lu2k_be_rxbuf rx;
	struct lu2k_nid rx_target;
	uint64_t rx_seq;
	uint32_t rx_got;
	uint64_t expect_seq;
	uint64_t ack_pending, ack_sent;
	uint32_t rx_pieces; /* pieces taken (ACK progress) */

	uint64_t msgs_tx, msgs_rx, bytes_tx, bytes_rx;
	uint64_t bytes_acked; /* of whole messages: RDS acknowledges nothing smaller to us */

	struct rdsb_sec *sec; /* with keys: the handshake, then the session (rds_sec.h) */
};

/* rds.c */
void rdsb_sock_update_events(struct rdsb_sock *s);
/* sec: with keys, the session the handshake made (taken by the conn, else freed). */
void rdsb_hello_in(struct rdsb_sock *s, const struct sockaddr_storage *from, socklen_t fromlen,
		   uint64_t conn_id, const struct lu2k_nid *src, const struct lu2k_nid *dst,
		   struct rdsb_sec *sec);
/* rds_conn.c */
struct lu2k_be_conn *rdsb_conn_new(struct lu2k_be *be, struct rdsb_sock *s, bool out);
void rdsb_conn_fail(struct lu2k_be_conn *c, int err, bool upcall);
void rdsb_conn_break(struct lu2k_be_conn *c, int err);
void rdsb_conn_log(struct lu2k_be_conn *c, const char *what);
void rdsb_sock_put(struct rdsb_sock *s);
void rdsb_peer_gone(struct rdsb_sock *s, const struct sockaddr_storage *peer, int err);
void rdsb_tick(struct lu2k_timer *t);
/* rds_io.c */
ssize_t rdsb_do_send(struct rdsb_sock *s, bool ctrl, const struct sockaddr_storage *to,
		     socklen_t tolen, struct iovec *iov, int n);
/* A plaintext frame at p (in s->rbuf); with keys, want is the conn whose record held it. */
void rdsb_frame_in(struct rdsb_sock *s, const uint8_t *p, size_t len, struct lu2k_be_conn *want);
void rdsb_reset_unknown(struct rdsb_sock *s, const struct sockaddr_storage *from, socklen_t fromlen,
			uint64_t id);
struct lu2k_be_conn *rdsb_find_conn(struct rdsb_sock *s, const struct sockaddr_storage *from,
				    uint64_t id, bool out);
void rdsb_peer_alive(struct rdsb_sock *s, const struct sockaddr_storage *from);
void rdsb_sock_event(struct lu2k_io *io, uint32_t revents);
void rdsb_ctrl_event(struct lu2k_io *io, uint32_t revents);
void rdsb_conn_mark_dirty(struct lu2k_be_conn *c);
bool rdsb_conn_flush(struct lu2k_be_conn *c);
int rdsb_send_ctrl(struct rdsb_sock *s, const struct sockaddr_storage *to, socklen_t tolen,
		   const uint8_t *frame, size_t len);
void rdsb_rx_resume(struct lu2k_be_conn *c);
void rdsb_sock_unpause(struct rdsb_sock *s);

#endif
