/* SPDX-License-Identifier: MIT */
/*
 * backend.h - the interface between lu2kd's core and its transports.
 *
 * A back-end moves whole messages (an LNet header plus a payload, 0 B to
 * 4 MiB) from one daemon to another over unidirectional connections, and
 * tells the core when the peer daemon holds each one. The core never names a
 * back-end: it looks one up by name (registry.c) and talks to it only through
 * struct lu2k_backend_ops below; the back-end talks back only through the
 * upcalls in struct lu2k_be_env.
 *
 * SHAPE. Socket-like, driven by one event loop:
 *
 *   core                                     back-end
 *   ----                                     --------
 *   create(env, options)           ------->  owns its sockets / engine state
 *   listen(local NID, port)        ------->  (a listener per interface)
 *                                  <-------  accepted(conn, src, dst): hello read
 *   connect(local, src, remote, port) ---->  nonblocking
 *                                  <-------  connected(ctx) / closed(ctx, err)
 *   send(conn, msg)                ------->  keeps msg, reads its bytes in place
 *                                  <-------  sent(ctx, msg, status)  (exactly once)
 *                                  <-------  rx_begin(ctx, lengths): core gives an
 *                                            RX-pool buffer, or -EAGAIN (pause)
 *   rx_resume(conn)                ------->  RX space came back: try again
 *                                  <-------  rx_end(ctx, buf, status)
 *   cancel(conn, msg, status)      ------->  sent(ctx, msg, status) before returning
 *   close(conn)                    ------->  sent(-ECANCELED) for all it holds, then
 *                                            silence: no further upcall for conn
 *
 * I/O. A back-end owns its file descriptors and timers and registers them
 * with the daemon's loop itself (env->loop, common/loop.h: lu2k_loop_io_set for fd
 * interest, lu2k_loop_timer_arm for deadlines, lu2k_loop_idle_add for work to batch at
 * the end of a round, lu2k_loop_defer to free memory after a batch). So a
 * kernel-socket transport (tcp, rds) registers one fd per connection, and a
 * user-space protocol (udt) registers one UDP socket plus one timer for its
 * engine's next deadline and demultiplexes connections itself. Nothing
 * blocks; nothing runs in another thread.
 *
 * MESSAGES. struct lu2k_be_msg is embedded in the core's message and stays
 * valid, unmoved, from send() until the back-end's sent() for it. Its bytes
 * (msg->buf, hdr_len + payload_len) point into the shared TX pool: send them
 * from there (writev/sendmsg), never change them, and never touch them after
 * sent(). be_link/be_seq/be_off/be_priv are the back-end's to use while it
 * holds the message (e.g. queue links and an encoded frame header).
 *
 * COMPLETION RULE. For every message that send() accepted (returned 0), the
 * back-end calls sent() exactly once: status 0 only when the peer daemon has
 * acknowledged the whole message (its transport ack or an lu2k ack), or a
 * negative errno when the connection failed first, was closed, or the message
 * was cancelled. It must never send a message twice on different connections
 * (at-most-once delivery): a message whose fate is unknown fails.
 *
 * RECEIVING. When a message header arrives, the back-end calls rx_begin()
 * with the lengths and the target NID carried on the wire; the core
 * allocates hdr_len + payload_len bytes in the interface's RX pool (and an RX
 * ring slot) and returns the address in buf->data. The back-end reads the
 * bytes straight into it and calls rx_end(0) when the message is whole; only
 * if that returns 0 (the message is on the kernel half's RX ring now) does it
 * acknowledge the message to the sender, so a sender's success never names a
 * message that only a daemon's memory held. rx_begin() may return -EAGAIN: no
 * room now; the back-end stops reading that connection, or refuses the
 * message and leaves it unacknowledged with its transport (the flow control
 * pushes back on the sender; nothing accepted is ever dropped), until the
 * core calls rx_resume().
 * Any other error (-EMSGSIZE...) means the connection cannot continue: close
 * it. A buffer that was begun is always ended, with status < 0 if the
 * connection dies before the message is whole (the core frees it).
 *
 * CALLING CONTEXT. Upcalls come from the back-end's own event callbacks
 * (fd events, timers, idle hooks), except sent(), which also comes from
 * inside cancel() and close() (never from inside send(): send() reports a
 * refusal by its return value). The core may call any op from inside any upcall,
 * including close() of the very conn the upcall is about; so after every
 * upcall a back-end re-checks the conn's state before touching it again, and
 * frees conn memory only after the loop's batch (lu2k_loop_defer). A back-end
 * that finds a conn dead (peer reset, malformed bytes, timeout) calls sent()
 * with an error for each message it holds, rx_end(<0) for a begun buffer,
 * then closed() once; a conn closed by the core gets no closed().
 *
 * WHY THIS SHAPE. tcp maps it 1:1 (a socket per conn, lu2k acks). udt keeps
 * one UDP socket and an I/O-free engine: its "conns" are UDT sockets inside
 * the engine, sent() comes when UDT has acknowledged a message's last packet,
 * rx_begin() when the first packet of a message arrives (the back-end puts
 * a small lu2k header with the lengths and target in the message's first
 * bytes, so the engine can reassemble straight into the RX pool), and
 * cancel() drops the message from the engine's send buffer (UDT's TTL). rds has
 * no connect()/accept(): its conns are (local, remote) pairs over one AF_RDS
 * socket, with lu2k acks carried as small RDS messages back the other way.
 */
#ifndef LU2K_BACKENDS_BACKEND_H
#define LU2K_BACKENDS_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/opt.h"
#include "common/list.h"
#include "uapi/lu2k.h"

struct lu2k_loop;
struct lu2k_json;
struct lu2k_auth;
struct lu2k_be;		 /* one back-end instance, opaque to the core */
struct lu2k_be_conn;	 /* one connection, opaque to the core */
struct lu2k_be_listener; /* one listening endpoint, opaque to the core */

/*
 * A message id (multipath, daemon/mpath.c): lets the receiving daemon drop
 * a second copy of a message that the sender took back from a dead path and
 * sent again on another. epoch 0: no id (every message that is not on a
 * multipath peer). A back-end with ops->msg_ids carries it on the wire
 * unchanged and hands it to the core with the received message; one
 * without never gets an id to carry. See daemon/dedup.h for the meaning.
 */
struct lu2k_be_msgid {
	uint32_t epoch; /* the sender's id space (random, never 0) */
	uint64_t id;	/* 1, 2, 3... in that space */
	uint64_t low;	/* every id below this one is settled at the sender */
};

/*
 * A daemon's other addresses (multipath discovery, doc/multipath.md), as
 * NIDs on the network of the hello that carries them: a connector may name
 * them in its hello (ops->hello_addrs), the listener's core gets them
 * (env->peer_addrs).
 */
#define LU2K_BE_MAX_ADDRS 8
struct lu2k_be_addrs {
	unsigned int n;
	struct lu2k_nid nid[LU2K_BE_MAX_ADDRS];
};

struct lu2k_be_msg {
	const void *buf; /* header then payload, in the TX pool */
	uint32_t hdr_len;
	uint32_t payload_len;
	struct lu2k_nid target; /* final destination (carried on the wire) */
	struct lu2k_be_msgid mid;
	/* Owned by the back-end between send() and sent(): */
	struct lu2k_list be_link;
	uint64_t be_seq;
	uint64_t be_off;
	uint8_t be_priv[64];
};

/*
 * lu2k_be_rxbuf.flags, set by the back-end. EARLY: the message's bytes are
 * to come in over a while (a datagram back-end placing packets as they
 * arrive, before it knows the message will be whole): the core gives a
 * buffer only from spare room (at most half the RX pool and a quarter of
 * the RX ring for such buffers, and none while connections wait for room),
 * and says -ENOBUFS instead of -EAGAIN, without queueing the connection (no
 * rx_resume follows): the back-end receives the message the usual way.
 */
#define LU2K_BE_RX_EARLY 1u

struct lu2k_be_rxbuf {
	void *data; /* set by the core in rx_begin() */
	uint32_t hdr_len;
	uint32_t payload_len;
	struct lu2k_be_msgid mid; /* set by the back-end, as the sender gave it */
	uint32_t flags;		  /* LU2K_BE_RX_*, set by the back-end */
	/* The core's bookkeeping: */
	uint64_t off;
	uint32_t alloc_len;
	void *owner;
};

/* See path_stats() below. Counters only grow. */
struct lu2k_be_path_stats {
	uint64_t rtt_ns; /* the transport's smoothed RTT, 0 if unknown */
	/* acknowledgements (or loss reports) received; UINT64_MAX: only whole messages are */
	uint64_t acks;
	uint64_t pkts_sent;    /* data packets sent, retransmissions included */
	uint64_t pkts_retrans; /* of which retransmissions */
	/* bytes of messages handed to it and not yet sent once; UINT64_MAX: unknown */
	uint64_t unsent;
};

/* A back-end option from the config file ([backend] or [<name>] section). */
struct lu2k_be_option {
	const char *key;
	const char *value;
	const char *where; /* "FILE:LINE" for messages */
};

struct lu2k_be_env {
	struct lu2k_loop *loop;
	void *core;
	uint32_t max_msg_size; /* largest hdr + payload the core will take */
	/*
	 * Keys ([auth], auth/peers.h): every connection authenticated and
	 * sealed, never plaintext; NULL: plaintext. The core may change what
	 * it points to between loop rounds (a reload); a back-end never keeps
	 * pointers into it beyond one call.
	 */
	struct lu2k_auth *auth;
	/*
	 * The core sends one peer's messages over several connections and
	 * drops second copies by id (multipath, doc/multipath.md).
	 */
	bool multipath;

	/*
	 * An incoming connection said hello: src is the connector's NID, dst the
	 * NID it wants (ours). Return the core's context for this conn, or
	 * NULL with *status (-ENXIO: not our NID...) to refuse; the back-end
	 * then tells the peer (if its protocol can) and closes.
	 */
	void *(*accepted)(void *core, struct lu2k_be_conn *c, const struct lu2k_nid *src,
			  const struct lu2k_nid *dst, int *status);
	/* An outgoing connection is ready to take messages. */
	void (*connected)(void *ctx);
	/*
	 * The far end answered it (ops->early_connect: connected() may come
	 * before, the udt back-end's first flight; then once, at once after
	 * connected() where the handshake had ended). Until then a closed()
	 * is a failed attempt, not a lost connection. Optional (NULL).
	 */
	void (*confirmed)(void *ctx);
	/* The connection is gone (err < 0); every message was already sent(). */
	void (*closed)(void *ctx, int err);
	/* A message's outcome, exactly once per accepted send(). */
	void (*sent)(void *ctx, struct lu2k_be_msg *m, int status);
	/* send() said -ENOBUFS before; there is room again. */
	void (*writable)(void *ctx);
	/* Receiving: see RECEIVING above. buf->hdr_len/payload_len are set by the back-end. */
	int (*rx_begin)(void *ctx, const struct lu2k_nid *target, struct lu2k_be_rxbuf *buf);
	/*
	 * 0: the message is the kernel half's now (posted on its RX ring), so
	 * the back-end may acknowledge it. < 0: it is not (status < 0, or the
	 * interface is gone): never acknowledge it; the connection cannot go on.
	 */
	int (*rx_end)(void *ctx, struct lu2k_be_rxbuf *buf, int status);
	/*
	 * Optional (NULL: not wanted): the hello of an incoming connection
	 * named the connector's other addresses; called right after
	 * accepted() took it (ctx is what accepted() returned).
	 */
	void (*peer_addrs)(void *ctx, const struct lu2k_be_addrs *a);
};

struct lu2k_backend_ops {
	const char *name;
	const char *description;
	/*
	 * The keys it takes (common/opt.h), into its struct lu2k_be; with
	 * size and defaults (an instance's size; env and its options' defaults
	 * into a zeroed one), each key's default is shown from such an instance
	 * (lu2k_backend_defaults) for lu2kd --help and checked against the docs.
	 */
	const struct lu2k_opt *keys;
	size_t size;
	void (*defaults)(struct lu2k_be *be, const struct lu2k_be_env *env);
	/* It seals its connections when env->auth is set; lu2kd refuses keys with one that does not. */
	bool auth;
	/*
	 * It carries struct lu2k_be_msgid (a message's id, for multipath):
	 * only then does the core send again elsewhere what a connection held.
	 */
	bool msg_ids;
	/* Its connected() may come before the far end answered: confirmed() follows. */
	bool early_connect;

	/* Make an instance. Unknown or bad options: -EINVAL and a message in err. */
	int (*create)(const struct lu2k_be_env *env, const struct lu2k_be_option *opts,
		      unsigned int nopts, char *err, size_t errlen, struct lu2k_be **out);
	/*
	 * Check one option as create() would, without making an instance, so
	 * that lu2kd can check every back-end's config section whatever
	 * back-end runs (lu2kd --check-config). 0, or -EINVAL with err.
	 */
	int (*check_option)(const struct lu2k_be_env *env, const struct lu2k_be_option *opt,
			    char *err, size_t errlen);
	/* Close every connection (sent(-ECANCELED) for held messages); unlisten() first. */
	void (*destroy)(struct lu2k_be *be);

	/*
	 * Accept connections for one local NID (an interface) on port. Several
	 * NIDs may share an address (networks lu2k and lu2k1 on one IP): the
	 * back-end then shares the endpoint and the hello tells them apart.
	 */
	int (*listen)(struct lu2k_be *be, const struct lu2k_nid *local, uint16_t port,
		      struct lu2k_be_listener **out);
	void (*unlisten)(struct lu2k_be_listener *l);

	/*
	 * Start an outgoing connection from local (named in the hello) to
	 * remote's address. src: the source address to send from (its address
	 * only; a multipath path's own, doc/multipath.md), of remote's family;
	 * NULL: the routing table picks it. ctx comes back in every upcall.
	 * Returns 0 (then connected() or closed() later) or -errno at once
	 * (nothing to close; -EADDRNOTAVAIL: src is not an address of this host).
	 */
	int (*connect)(struct lu2k_be *be, const struct lu2k_nid *local, const struct lu2k_nid *src,
		       const struct lu2k_nid *remote, uint16_t port, void *ctx,
		       struct lu2k_be_conn **out);

	/*
	 * Optional: name this daemon's other addresses in the hello of c, an
	 * outgoing connection just made by connect() (before its hello goes:
	 * call it right after connect() returned). 0, or -errno (not carried).
	 * A listener older than the list refuses such a hello (doc/protocol.txt).
	 */
	int (*hello_addrs)(struct lu2k_be_conn *c, const struct lu2k_be_addrs *a);

	/*
	 * Queue a message on an outgoing connection. 0: sent() will follow.
	 * -ENOBUFS: the back-end's window is full, try again after writable().
	 * Other -errno: refused (no sent()).
	 */
	int (*send)(struct lu2k_be_conn *c, struct lu2k_be_msg *m);
	/* Give up on m (timeout): sent(ctx, m, status) happens before this returns. */
	void (*cancel)(struct lu2k_be_conn *c, struct lu2k_be_msg *m, int status);
	/* Receive space is available again after rx_begin() said -EAGAIN. */
	void (*rx_resume)(struct lu2k_be_conn *c);
	/* Close now; no upcall for c after this returns (see the rules above). */
	void (*close)(struct lu2k_be_conn *c);

	/*
	 * The address an incoming connection comes from (accepted() checks a
	 * hello's NID against it, daemon/accept.c). 0, or -errno if unknown.
	 */
	int (*peer_addr)(struct lu2k_be_conn *c, struct sockaddr_storage *ss);

	/*
	 * Optional: an outgoing connection's transport view, for the core's
	 * path scheduler (daemon/mpath.c): acknowledgements received tell it
	 * the path delivers (long before a whole message completes), rtt_ns
	 * its RTT. 0, or -errno if the back-end has none.
	 */
	int (*path_stats)(struct lu2k_be_conn *c, struct lu2k_be_path_stats *st);

	/*
	 * Describe one connection / the instance as JSON object members. An
	 * outgoing connection whose connected() comes before the far lu2kd has
	 * answered (tcp: TCP's handshake, then the hello) says so with a
	 * boolean "peer_answered" (lu2kctl ping waits for it); "rtt_us" where
	 * the transport measures one.
	 */
	void (*conn_info)(struct lu2k_be_conn *c, struct lu2k_json *j);
	void (*stats)(struct lu2k_be *be, struct lu2k_json *j);
};

/* The registry (registry.c): NULL if no back-end has that name. */
const struct lu2k_backend_ops *lu2k_backend_find(const char *name);
/* i-th registered back-end, NULL past the end (for --help). */
const struct lu2k_backend_ops *lu2k_backend_at(unsigned int i);
/*
 * A scratch instance of b with env and its options' defaults, only for
 * reading them (lu2k_opt_show of b->keys); free() it. NULL: no memory.
 */
struct lu2k_be *lu2k_backend_defaults(const struct lu2k_backend_ops *b,
				      const struct lu2k_be_env *env);

#endif
