/* SPDX-License-Identifier: MIT */
/*
 * udt_be.h - private to the udt back-end (udt.c: instance, options,
 * listeners, connection setup, ops table; udt_conn.c: the engine's
 * callbacks, messages in and out; udt_io.c: UDP sockets, batched reads and
 * writes, timers; udt_io_batch.c: sendmmsg with UDP GSO, GRO's buffers).
 *
 * Sockets: one UDP socket per listening interface, bound to the NID's
 * address and the port, shared by every incoming connection on it; one
 * connect()ed UDP socket per outgoing connection (bound to connect()'s src
 * when it has one, a multipath path's; else the routing table picks the
 * source address, as for tcp). Datagrams are demultiplexed by the
 * destination socket id of the UDT header (udt_demux.h); requests for id 0
 * go to the listener's stateless cookie handshake.
 */
#ifndef LU2K_BACKENDS_UDT_BE_H
#define LU2K_BACKENDS_UDT_BE_H

#include <stdbool.h>
#include <sys/socket.h>

#include "backend.h"
#include "common/loop.h"
#include "proto/udt/rcvbuf.h"
#include "proto/udt/udt.h"
#include "udt_demux.h"
#include "udt_io_batch.h"
#include "udt_paths.h"
#include "udt_tokens.h"
#include "udt_sec.h"
#include "udt_wire.h"
#include "common/time.h"

#define UDTB_READS_PER_EV 8 /* recvmmsg calls per readable event */
/* a connection without messages for this long gives back its engine's grown tables */
#define UDTB_TRIM_IDLE_NS (2 * LU2K_NS_PER_S)
/* a socket unread this long is read before its connection's timers run (one SYN) */
#define UDTB_READ_STALE_NS (10 * LU2K_NS_PER_MS)
/*
 * first_flight: the default, and the most: what one spoofed request may make
 * a listener hold for an address not proved (4,096 packets, 6 MB)
 */
#define UDTB_FIRST_FLIGHT     1024
#define UDTB_FIRST_FLIGHT_MAX 4096

struct udtb_stats {
	uint64_t listeners, conns_out, conns_in, handshakes, hs_rejects, refused, connect_errors;
	uint64_t hs_probes; /* capacity probes of connectors' trains (handshake.h) */
	uint64_t conns_failed, conns_closed_by_peer, no_progress, hello_timeouts, peer_timeouts,
		malformed, too_many_conns;
	uint64_t msgs_tx, msgs_rx, bytes_tx, bytes_rx, rx_pauses, rx_resumes, cancels, enobufs;
	uint64_t dgrams_rx, dgrams_tx, recvmmsg_calls, sendmmsg_calls, send_blocked, send_errors;
	uint64_t unknown_dst, wrong_addr, bad_pkts, truncated;
	uint64_t msgs_too_long;	       /* connections closed for a message over the maximum */
	uint64_t rx_stalls;	       /* ... for a hole left unrepaired (rx_stall_timeout_ms) */
	uint64_t too_many_from_source; /* handshakes refused: max_conns_per_source */
	uint64_t too_many_from_prefix; /* ... max_halfopen_per_prefix */
	uint64_t too_many_halfopen;    /* ... max_halfopen, its prefix holds the most */
	uint64_t halfopen_evicted;     /* closed before their hello to make room (max_halfopen) */
	uint64_t hs_unproved;	       /* accepted without a cookie (handshake.h) */
	uint64_t early_started, early_used; /* reply connections started early (udt_early.c) */
	/*
	 * First flight (udt_config.first_flight, udt_listen.c): outgoing
	 * connections up before the response; data packets to socket id 0
	 * given to the connection their source made, and dropped for want of one
	 */
	uint64_t first_up, first_pkts, first_unknown;
	uint64_t gso_msgs;	/* messages of several datagrams (UDP GSO) */
	uint64_t gso_refused;	/* sockets whose route refused GSO */
	uint64_t gro_bufs;	/* received buffers of several datagrams (UDP GRO) */
	uint64_t parked;	/* datagrams kept for EPOLLOUT (socket buffer full) */
	uint64_t sock_rx_drops; /* datagrams the kernel dropped: a socket's buffer was full */
	uint64_t rx_late_1ms;	/* datagrams read >= 1 ms after the kernel's stamp (udt_rxts.h) */
	uint64_t rx_late_16ms;	/* ... >= 16 ms after it */
	uint64_t rx_placed;	/* messages whose packets went straight into the RX pool */
	uint64_t rx_place_declined; /* ... that the core had no spare room for */
	/* a connection its far end no longer knows (udt_unknown.c) */
	uint64_t unknown_told;	       /* UNKNOWN notices sent, for packets to no connection */
	uint64_t unknown_told_limited; /* ... not sent: over the notices' rate */
	uint64_t unknown_heard;	       /* notices naming one of ours, with messages waiting */
	uint64_t unknown_denied;       /* ... whose peer spoke after it: the connection stays */
	uint64_t peer_gone;	       /* ... whose peer stayed silent: closed (-ECONNRESET) */
};

struct udtb_sock {
	struct lu2k_io io;
	struct lu2k_be *be;
	struct lu2k_be_listener *l; /* a listener's socket, else NULL */
	struct lu2k_be_conn *owner; /* an outgoing connection's socket, else NULL */
	bool connected;		    /* connect()ed: no address per datagram */
	bool gso, gro;		    /* UDP GSO (until refused) and GRO on this socket */
	uint64_t last_arr_ns;	    /* the arrival time given to its latest datagram */
	uint64_t read_ns;	    /* when it was last read */
	uint32_t rx_ovfl;	    /* the kernel's drop count (SO_RXQ_OVFL) last seen */
	uint32_t fill_ovfl;	    /* ... at the last measure for the flow share */
	/*
	 * Datagrams the kernel had no room for (EAGAIN), copied out of the
	 * instance's batch; NULL but then. A socket costs no buffer of its own.
	 */
	struct udtb_txb *park;
	bool blocked;		  /* the kernel said EAGAIN; waiting for EPOLLOUT */
	struct lu2k_list waiters; /* conns with packets to write once unblocked */
	int err;		  /* a connected socket's ICMP error (refused...) */
};

struct lu2k_be {
	struct lu2k_be_env env;
	struct udt_config ucfg;
	char cc[32];
	struct udt_callbacks cb;
	struct lu2k_list listeners;
	struct lu2k_list conns;
	struct lu2k_list dirty;
	struct lu2k_idle idle;
	struct lu2k_defer defer;
	struct udt_dmx dmx;
	int sock_rcvbuf, sock_sndbuf;
	uint32_t hello_timeout_ms;
	uint32_t peer_timeout_ms;
	uint32_t rx_stall_timeout_ms;
	uint32_t max_conns;	       /* incoming */
	uint32_t max_conns_out;	       /* outgoing, counted apart */
	uint32_t max_conns_per_source; /* incoming from one address */
	/* incoming before their hello (and node handshakes before their UDT one), per /24 or /64 */
	uint32_t max_halfopen_per_prefix;
	uint32_t max_halfopen; /* the same in all, below max_conns; 0: max_conns / 4 */
	/* a listener's connections taken without a cookie, address not proved (max_unproved) */
	uint32_t max_unproved;
	uint32_t nconns_in, nconns_out;
	struct udt_rxmem rxmem; /* receive memory of all connections (max_rx_memory) */
	uint64_t rxmem_drops_logged;
	uint64_t rxmem_warn_ns;
	size_t freed_since_trim;      /* receive memory freed since the last malloc_trim */
	bool idle_since_trim;	      /* a busy connection went idle (or away) since then */
	struct lu2k_timer trim_timer; /* the malloc_trim a second after the last one */
	uint64_t trim_ns;
	bool in_order;
	bool place;	 /* place incoming messages in the RX pool as they arrive (udt_conn.c) */
	bool flow_share; /* incoming windows share the listener's buffer (rcvbuf.h, FLOW SHARE) */
	bool warned_rcvbuf, warned_sndbuf;
	uint32_t nconns;
	size_t slot;	  /* bytes per datagram buffer */
	bool gso, gro;	  /* the kernel has them and the options allow them */
	size_t rxslot;	  /* bytes per receive buffer: slot, or UDTB_GRO_BUF with GRO */
	unsigned int rxn; /* receive buffers */
	uint8_t *rxbuf;	  /* rxn receive buffers, shared by all sockets */
	/* datagrams gathered for tx_sock, shared by all sockets (udt_io.c) */
	struct udtb_txb tx;
	struct udtb_sock *tx_sock;
	struct sockaddr_storage txaddr[UDTB_BATCH];
	uint8_t key[16];
	struct udtb_stats st;
	struct udtb_paths paths;   /* rates and RTTs of ended outgoing connections */
	struct udtb_tokens tokens; /* listeners' address tokens (udt_tokens.h) */
	struct udtb_sec *sec;	   /* keys on ([auth]): udt_sec.h */
	struct udtb_tx *tx_cache;  /* freed frame headers of LU2K_UDTW_MSGID_HLEN bytes */
	uint32_t ntx_cache;
	uint64_t unknown_next_ns; /* the UNKNOWN notices' schedule (udt_unknown.c) */
};

struct lu2k_be_listener {
	struct udtb_sock s;
	struct lu2k_list link;
	struct lu2k_nid nid;
	uint16_t port;
	struct udt_listener hs;
	uint32_t refs;		 /* 1 while listening + 1 per connection on it */
	bool gone;		 /* unlisten() was called */
	struct lu2k_defer defer; /* its free, after the loop's batch */
};

enum udtb_early_state {
	UDTB_EARLY_NONE,  /* not early, or the core took it */
	UDTB_EARLY_HELD,  /* its one request sent; nothing more until the hello */
	UDTB_EARLY_WAIT,  /* connecting, for an incoming connection that has not said hello */
	UDTB_EARLY_READY, /* the hello named its NID: the core's if it asks for it */
	UDTB_EARLY_GONE,  /* not wanted: closed at its next timer */
};

enum udtb_state {
	UDTB_CONNECTING, /* out: UDT handshake */
	UDTB_HELLO,	 /* in: UDT up, waiting for the lu2k hello */
	UDTB_UP,	 /* messages flowing */
	UDTB_DEAD,	 /* closed; memory freed after the loop's batch */
};

/*
 * One message in the engine: our frame header (data); the message's bytes
 * stay in the TX region, the engine's second piece (UDT_MSG_PARTS). The
 * hello is all in data.
 */
struct udtb_tx {
	struct lu2k_list link;
	struct lu2k_be_msg *m; /* NULL for the hello, or once cancelled */
	size_t len;
	uint32_t msgno; /* the engine's, for a cancel */
	bool hello;
	struct udtb_tx *cache_next; /* in lu2k_be's tx_cache */
	uint8_t data[];
};

/* frame headers kept for reuse (udt_conn.c, tx_new): a malloc and free per message less */
#define UDTB_TX_CACHE_MAX 1024

struct lu2k_be_conn {
	struct lu2k_be *be;
	struct udt_conn *u;
	struct udtb_sock *sock; /* where its datagrams go */
	struct udtb_sa *sa;	/* keys on: its sealed records (udt_sec.h) */
	struct udt_dmx_node dmx;
	struct sockaddr_storage addr; /* the other end */
	socklen_t addrlen;
	struct lu2k_list link;	     /* be->conns */
	struct lu2k_list dirty_link; /* be->dirty, or sock->waiters */
	struct lu2k_timer timer;
	struct lu2k_defer defer;
	void *ctx;
	bool out;
	enum udtb_state state;
	int fail_err;	  /* set inside engine callbacks, acted on after */
	bool established; /* out: the engine just connected */
	bool confirmed;	  /* out: the core heard confirmed() (the far end answered) */
	bool hello_seen, hello_acked, refused, want_writable;
	bool rx_paused; /* in: the core has no RX space; the engine keeps what we refuse */
	/* in: the message whose packets the engine places in the RX pool (msg_place) */
	bool rxp_on;
	uint32_t rxp_msgno;
	struct lu2k_be_rxbuf rxp;
	uint64_t hello_deadline;
	uint64_t last_rx_ns;	 /* the peer was last heard from */
	uint64_t t_last;	 /* latest time given to the engine */
	uint32_t start_rate_pps; /* out: the remembered path rate it started from (0: none) */
	struct lu2k_nid local, remote;
	struct lu2k_be_addrs *hello_addrs; /* out: named in our hello (then freed) */
	struct lu2k_list txq;		   /* udtb_tx in the engine */
	uint32_t ntxq;
	uint64_t up_ns;
	uint64_t msgs_tx, msgs_rx, bytes_tx, bytes_rx, cancels;
	/* out: ACKs seen when the progress watch last moved (udt.c, watch_progress) */
	uint64_t watch_acks, watch_since_ns;
	bool watch_warned;
	uint64_t busy_ns;   /* its last message, sent or received */
	bool trimmed;	    /* its engine gave back its tables since (udt_conn_trim) */
	uint32_t flow_seen; /* in: the flow-share epoch it was last counted in */
	bool unproved;	    /* in: accepted without a cookie, no hello yet (udtb_proved) */
	/* the reply's connection started early (udt_early.c): in, it; out, its incoming one */
	struct lu2k_be_conn *early;
	enum udtb_early_state early_st; /* out */
	uint64_t early_deadline;	/* out, READY: closed then if the core did not take it */
	/* out: the peer said it does not know this connection at unknown_ns (udt_unknown.c) */
	uint64_t unknown_ns, unknown_deadline;
};

static inline uint64_t udtb_peer_timeout_ns(const struct lu2k_be *be)
{
	return lu2k_time_ms_to_ns(be->peer_timeout_ms);
}

/* Now for c's engine: its clock never goes back, even for a packet read late. */
static inline uint64_t udtb_conn_now(struct lu2k_be_conn *c, uint64_t now)
{
	if (now < c->t_last)
		now = c->t_last;
	c->t_last = now;
	return now;
}

/* udt_info.c: reports for lu2kctl and multipath */
const char *udtb_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len);
void udtb_conn_info(struct lu2k_be_conn *c, struct lu2k_json *j);
void udtb_stats(struct lu2k_be *be, struct lu2k_json *j);
int udtb_path_stats(struct lu2k_be_conn *c, struct lu2k_be_path_stats *ps);

/* udt.c */
void udtb_conn_fail(struct lu2k_be_conn *c, int err, bool upcall);
void udtb_conn_mark_dirty(struct lu2k_be_conn *c);
void udtb_conn_established(struct lu2k_be_conn *c);
/* The far end answered an outgoing connection: the core's confirmed(), once. */
void udtb_conn_confirm(struct lu2k_be_conn *c);
/* A new connection (incoming unless out), counted against its cap; NULL at the cap. */
struct lu2k_be_conn *udtb_conn_new(struct lu2k_be *be, bool out);
/* d (+1 or -1) to the counts of connections c is one of */
void udtb_conn_count(struct lu2k_be_conn *c, int d);
/* the engine's mss for an address family (IPv6's header is 20 bytes more) */
int32_t udtb_mss_for(const struct lu2k_be *be, int family);
void udtb_hs_ip(const struct sockaddr *sa, uint32_t ip[4]);
/* udt_listen.c: listeners and the accept of incoming connections */
struct lu2k_be_conn *udtb_accept(struct lu2k_be_listener *l, const struct sockaddr *sa,
				 socklen_t salen, const struct udt_hs *hs);
int udtb_listen(struct lu2k_be *be, const struct lu2k_nid *local, uint16_t port,
		struct lu2k_be_listener **out);
void udtb_unlisten(struct lu2k_be_listener *l);
/* a connection on l is freed (or l unlistened): l's socket closes with the last */
void udtb_listener_put(struct lu2k_be_listener *l);
/* udt_admit.c */
uint32_t udtb_from_source(struct lu2k_be *be, const struct sockaddr *sa);
/*
 * An unproven connection from sa may not come in: its /24 or /64, or all of
 * them, at their cap (counted and logged). May close an older one to make room.
 */
bool udtb_prefix_full(struct lu2k_be *be, const struct sockaddr *sa);
/* An incoming connection accepted without a cookie said hello, or ends: its listener's slot back. */
void udtb_proved(struct lu2k_be_conn *c);
/*
 * udt_listen.c, first flight: the connection a data packet to socket id 0
 * from sa is for (NULL: none, counted); a packet named c's socket id from
 * its client's address: that address is proved, its held messages go on.
 */
struct lu2k_be_conn *udtb_first_conn(struct lu2k_be_listener *l, const struct sockaddr *sa);
void udtb_named(struct lu2k_be_conn *c, uint64_t now);
/* udt.c: an outgoing connection to ss (no core context yet if ctx is NULL) */
int udtb_open_out(struct lu2k_be *be, const struct sockaddr_storage *ss, socklen_t len,
		  const struct lu2k_nid *local, const struct lu2k_nid *src,
		  const struct lu2k_nid *remote, void *ctx, struct lu2k_be_conn **out);
/* udt_early.c: the reply's connection started when a peer's comes in */
void udtb_early_start(struct lu2k_be_listener *l, struct lu2k_be_conn *in);
/* in's hello named src: its early connection is src's, if src's address is where it went */
void udtb_early_hello(struct lu2k_be_conn *in, const struct lu2k_nid *src);
/* c ends: so does the early connection of an incoming one that had not said hello */
void udtb_early_gone(struct lu2k_be_conn *c);
/* The early connection to remote (at to) from local, now the core's (ctx); NULL if none. */
struct lu2k_be_conn *udtb_early_adopt(struct lu2k_be *be, const struct lu2k_nid *local,
				      const struct lu2k_nid *remote,
				      const struct sockaddr_storage *to, void *ctx);
/* From c's timer: true if c, early, must not run (held, or closed for want of use). */
bool udtb_early_timer(struct lu2k_be_conn *c);

/* udt_conn.c */
extern const struct udt_callbacks udtb_callbacks;
void udtb_conn_post(struct lu2k_be_conn *c);
int udtb_send(struct lu2k_be_conn *c, struct lu2k_be_msg *m);
void udtb_cancel(struct lu2k_be_conn *c, struct lu2k_be_msg *m, int status);
int udtb_send_hello(struct lu2k_be_conn *c);
void udtb_fail_msgs(struct lu2k_be_conn *c, int err);
void udtb_tx_cache_fini(struct lu2k_be *be);
void udtb_rx_unplace(struct lu2k_be_conn *c, int err);

/*
 * udt_unknown.c: a listener's socket s got a packet for id, a socket id (or
 * keys on, a record index) it does not know, from sa: tell sa so (rate-limited).
 */
void udtb_unknown_tell(struct udtb_sock *s, uint32_t id, const struct sockaddr *sa, socklen_t salen,
		       uint64_t now);
/*
 * A packet to c's own socket that is not for its engine: true if it is an
 * UNKNOWN notice (taken: a check starts if it names id, the peer's id or
 * index for c); false if it is something else.
 */
bool udtb_unknown_heard(struct lu2k_be_conn *c, const uint8_t *pkt, size_t len, uint32_t id,
			uint64_t now);
/* From c's timer: true if the check ran out and c failed (-ECONNRESET). */
bool udtb_unknown_check(struct lu2k_be_conn *c, uint64_t now);

/* udt_io.c */
int udtb_sock_open(struct lu2k_be *be, struct udtb_sock *s, int family, lu2k_io_fn fn);
void udtb_sock_close(struct udtb_sock *s);
void udtb_sock_event(struct lu2k_io *io, uint32_t revents);
void udtb_conn_flush(struct lu2k_be_conn *c);
void udtb_sock_sendto(struct udtb_sock *s, const void *buf, size_t len, const struct sockaddr *sa,
		      socklen_t salen);
void udtb_conn_arm(struct lu2k_be_conn *c);

/* udt_opts.c: the options */
void udtb_defaults(struct lu2k_be *be, const struct lu2k_be_env *env);
int udtb_set_opt(struct lu2k_be *be, const struct lu2k_be_option *o, char *err, size_t errlen);
int udtb_check_option(const struct lu2k_be_env *env, const struct lu2k_be_option *o, char *err,
		      size_t errlen);
extern const struct lu2k_opt udtb_keys[];

#endif
