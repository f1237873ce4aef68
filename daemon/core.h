/* SPDX-License-Identifier: MIT */
/*
 * core.h - lu2kd's core objects and how they refer to each other.
 *
 *   struct lu2kd         the daemon: loop, config, back-end, channels, peers
 *    +- lu2kd_chan        one attached kernel half = one interface (local NID)
 *    |   +- rings, RX pool allocator, cookies of messages in flight
 *    +- lu2kd_peer        (channel, remote NID): queue, outgoing conn, backoff
 *    |   +- lu2kd_conn    core side of a back-end connection (out or in)
 *    +- lu2kd_msg         one TX descriptor from accept to its single CPL
 *
 * A message lives from the TX descriptor to its completion: QUEUED on its
 * peer (waiting for a connection), SENDING (held by the back-end), then
 * completed exactly once (msg_complete: CPL posted, or dropped when the
 * channel is gone), whichever of ack, error, timeout or detach comes first.
 */
#ifndef LU2K_DAEMON_CORE_H
#define LU2K_DAEMON_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/peers.h"
#include "backends/backend.h"
#include "config.h"
#include "common/list.h"
#include "common/loop.h"
#include "lu2k/desc.h"
#include "lu2k/version.h"
#include "rxalloc.h"

struct lu2kd;
struct lu2kd_chan;
struct lu2kd_dedup;
struct lu2k_json;
struct lu2kd_mpath;

/* How a channel was attached: a liblu2k socket or /dev/lu2k. */
struct lu2kd_chan_ops {
	const char *name;
	void (*kick)(struct lu2kd_chan *ch);
	void (*release)(struct lu2kd_chan *ch); /* unmap done by the core; close fds */
};

struct lu2kd_chan_stats {
	uint64_t tx_descs, tx_bad, tx_dup_cookie, free_descs, free_bad;
	uint64_t cpl_ok, cpl_err, rx_msgs, rx_bytes, tx_bytes, evts, evts_dropped;
	uint64_t kicks_in, kicks_out, cpl_backlogged, rx_ring_full, rx_waits, tx_nomem;
};

#define CHAN_COOKIE_BUCKETS 1024

struct lu2kd_chan {
	struct lu2kd *d;
	struct lu2k_list link;
	unsigned int id;
	const struct lu2kd_chan_ops *ops;
	char origin[64]; /* "socket" peer pid / device path */
	struct lu2k_io io;
	void *region;
	uint64_t region_size;
	struct lu2k_setup setup; /* as agreed (features in force) */
	struct lu2k_ring tx, cpl, rx, free, evt;
	struct lu2kd_rxalloc rxa;
	struct lu2k_nid nid;
	struct lu2k_be_listener *listener;
	struct lu2k_idle idle;
	struct lu2k_defer defer;
	struct lu2k_timer poll_timer; /* without NEED_WAKEUP: poll the rings */
	bool dead;
	bool kick_pending;
	bool tx_retry; /* a TX descriptor waits for memory (drain_tx) */
	uint64_t attached_ns;

	struct lu2kd_msg *cookies[CHAN_COOKIE_BUCKETS];
	struct lu2k_list msgs; /* every message not yet completed */
	uint32_t nmsgs;
	struct lu2k_list cpl_backlog; /* completed, CPL ring was full */
	struct lu2k_list evt_backlog; /* struct evt_pending */
	uint32_t nevt_backlog;
	/*
	 * RX ring slots promised to messages being received (rx_begin without
	 * its rx_end yet), so that rx_end always posts at once: a message the
	 * back-end acknowledges is one the kernel half has, never one waiting
	 * in the daemon.
	 */
	uint32_t rx_reserved;
	/* of them, begun early (LU2K_BE_RX_EARLY), and their bytes */
	uint32_t rx_early;
	uint64_t rx_early_bytes;
	struct lu2k_list rx_waiters;	/* conns paused for RX space, in order */
	struct lu2kd_conn *rx_resuming; /* the head of rx_waiters, inside its rx_resume() */
	/* multipath: our other addresses that peers' paths reach (mpath.c) */
	struct lu2k_nid alt_nids[LU2KD_MAX_PATHS];
	struct lu2k_be_listener *alt_listeners[LU2KD_MAX_PATHS];
	unsigned int nalt;
	struct lu2kd_chan_stats st;
};

enum lu2kd_peer_state {
	PEER_IDLE,	 /* no outgoing connection, none wanted yet */
	PEER_CONNECTING, /* back-end connect() in progress */
	PEER_UP,	 /* outgoing connection ready */
	PEER_BACKOFF,	 /* last attempt failed; waiting to retry */
};

const char *lu2kd_peer_state_str(enum lu2kd_peer_state s);

struct lu2kd_conn {
	struct lu2kd *d;
	struct lu2kd_peer *peer;
	struct lu2k_be_conn *bc;
	bool out;
	bool rx_waiting;
	bool confirmed;		    /* out: the far end answered (backend.h confirmed()) */
	struct lu2k_list link;	    /* peer's incoming conns */
	struct lu2k_list wait_link; /* channel's rx_waiters */
	uint64_t start_ns;
	uint64_t msgs, bytes;
	struct lu2kd_mpath *mp; /* one path of a multipath peer (mpath.c), else NULL */
	unsigned int path;
};

struct lu2kd_peer {
	struct lu2kd_peer *hnext;
	struct lu2k_list link; /* the channel's... all peers list (daemon) */
	struct lu2kd_chan *ch;
	struct lu2k_nid nid;
	enum lu2kd_peer_state state;
	struct lu2kd_conn *out;
	struct lu2k_list inconns;
	uint32_t nin;
	struct lu2kd_mpath *mp;	    /* several paths (mpath.c); NULL: p->out alone */
	struct lu2kd_dedup *dedup;  /* ids of its multipath messages we delivered (dedup.h) */
	struct lu2k_be_addrs *told; /* the other addresses its hello told (mpath.c), or NULL */
	bool alias_warned;	    /* LNet sends to a NID our path lines give another peer */
	struct lu2k_list queue;	    /* QUEUED messages */
	uint32_t nqueued, ninflight;
	bool blocked;		 /* back-end said -ENOBUFS */
	struct lu2k_timer timer; /* connect timeout or backoff */
	uint32_t backoff_ms;
	int last_err;
	uint64_t msgs_tx, msgs_rx, bytes_tx, bytes_rx, errors, connects, connect_fails;
	uint64_t closed_by_peer; /* established connections the peer ended on purpose */
	uint32_t health;	 /* 0..1000, as LNet's health value: lu2kd_peer_health() */
	uint64_t last_ns;	 /* last connection closed, message done or lookup (peer_reap.c) */
};

enum lu2kd_msg_state {
	MSG_QUEUED,
	MSG_SENDING,
	MSG_DONE,
};

struct lu2kd_msg {
	struct lu2k_be_msg bm;
	struct lu2k_list link;	    /* peer queue or channel cpl_backlog */
	struct lu2k_list chan_link; /* channel's msgs */
	struct lu2kd_msg *hnext;    /* cookie hash chain */
	struct lu2k_timer timer;
	struct lu2kd_chan *ch;
	struct lu2kd_peer *peer;
	struct lu2kd_conn *conn;
	uint64_t cookie;
	uint64_t start_ns;
	uint64_t path_sent_ns;	  /* multipath: given to its path then */
	bool path_alone;	  /* ... with nothing ahead of it there (an RTT sample) */
	struct lu2k_list id_link; /* multipath: the peer's messages with an id, in id order */
	uint32_t resends;	  /* multipath: taken back from a path and sent again */
	bool expired;		  /* its own timer ran out: never sent again */
	enum lu2kd_msg_state state;
	int status;
};

struct lu2kd_stats {
	uint64_t attaches, attach_errors, detaches;
	uint64_t msgs_ok, msgs_err, msgs_timeout;
	uint64_t conns_accepted, conns_refused;
	uint64_t rx_ring_full, rx_waits; /* all channels, ever (channels' own go with them) */
	uint64_t peers_reaped, peers_evicted, peers_refused, nid_refused;
};

/*
 * A unix socket the daemon listens on: the control socket (ctl.c) and
 * liblu2k's channel socket (attach.c). Part of struct lu2kd, so that two
 * daemons in one process (the tests) do not share one.
 */
struct lu2kd_listener {
	struct lu2k_io io;
	struct lu2kd *d;
	bool open; /* listening: stop() closes and unlinks */
};

/* NIDs whose lu2kd closed a hello with our addresses: an older one (mpath_disc.c) */
#define LU2KD_DISC_OLD_MAX 32
struct lu2kd_disc_old {
	struct lu2k_nid nid[LU2KD_DISC_OLD_MAX];
	unsigned int n, next;
};

struct lu2kd {
	struct lu2k_loop loop;
	struct lu2kd_disc_old disc_old;
	struct lu2kd_config cfg;
	const struct lu2k_backend_ops *be_ops;
	struct lu2k_be *be;
	struct lu2k_be_env env;
	struct lu2k_auth auth; /* [auth]: keys on if auth.enabled (config_auth.c) */
	struct lu2k_list chans;
	unsigned int nchans, next_chan_id;
	/* Peer table: hash on (channel, NID); grows by doubling. */
	struct lu2kd_peer **peer_hash;
	uint32_t peer_buckets, npeers;
	struct lu2k_list peers;
	struct lu2k_timer peer_sweep;
	struct lu2k_list msg_cache;
	uint32_t nmsg_cache;
	uint64_t start_ns;
	uint32_t rng;
	struct lu2kd_stats st;
	struct lu2kd_listener ctl;	   /* lu2kctl's socket (ctl.c) */
	struct lu2kd_listener chan_listen; /* liblu2k's channel socket (attach.c) */
	/* Settings: where they came from, and what SIGHUP did with them (reload.c). */
	char config_file[256]; /* "" when no file was read */
	uint64_t reloads, reload_failures;
	char restart_pending[512]; /* keys changed on disk that need a restart */
};

/* peer.c: the peer table and outgoing connections. */
int lu2kd_peers_init(struct lu2kd *d);
void lu2kd_peers_fini(struct lu2kd *d);
struct lu2kd_peer *lu2kd_peer_find(struct lu2kd *d, struct lu2kd_chan *ch,
				   const struct lu2k_nid *nid);
struct lu2kd_peer *lu2kd_peer_get(struct lu2kd *d, struct lu2kd_chan *ch,
				  const struct lu2k_nid *nid);
void lu2kd_peer_submit(struct lu2kd_peer *p, struct lu2kd_msg *m);
/*
 * A message or connection attempt to p succeeded or failed: its health
 * (0..1000) goes down by 100 on a failure and up by 10 on a success, as
 * LNet's peer NI health does (lnet_health_sensitivity 100, recovery by
 * successes), so a flaky peer shows before it is down.
 */
void lu2kd_peer_health(struct lu2kd_peer *p, bool ok);
/* lu2kctl ping: connect now if there is no connection, whatever the backoff. */
void lu2kd_peer_ping(struct lu2kd_peer *p);
/*
 * Give the first queued message of p to its conn c: 0 (sent() follows),
 * -ENOBUFS (back at the head of the queue), or another error (completed with it).
 */
int lu2kd_peer_send_head(struct lu2kd_peer *p, struct lu2kd_conn *c);
void lu2kd_peer_drop_chan(struct lu2kd *d, struct lu2kd_chan *ch);
/* The back-end's connection upcalls, routed to the peer (from msg.c). */
void lu2kd_peer_connected(struct lu2kd_conn *c);
/* The far end answered an outgoing connection (backend.h confirmed()): up for good. */
void lu2kd_peer_confirmed(struct lu2kd_conn *c);
void lu2kd_peer_conn_closed(struct lu2kd_conn *c, int err);
void lu2kd_peer_writable(struct lu2kd_conn *c);
uint32_t lu2kd_backoff_next(uint32_t cur, uint32_t min_ms, uint32_t max_ms, uint32_t *rng);
/* Unhash and free a peer that holds nothing (lu2kd_peer_is_idle). */
void lu2kd_peer_forget(struct lu2kd *d, struct lu2kd_peer *p);

/* accept.c: may a hello claim nid from this address (from NULL: unknown)? 0 or -EACCES. */
struct sockaddr_storage;
int lu2kd_accept_check(int mode, const struct lu2k_nid *nid, const struct sockaddr_storage *from);
const char *lu2kd_accept_str(int mode);

/* peer_reap.c: idle peers forgotten, at most max_peers. */
bool lu2kd_peer_is_idle(const struct lu2kd_peer *p);
void lu2kd_peer_touch(struct lu2kd *d, struct lu2kd_peer *p);
void lu2kd_peers_sweep_arm(struct lu2kd *d);
void lu2kd_peers_sweep(struct lu2kd *d);
/* At max_peers, forget an idle peer; false if none is idle (the table stays full). */
bool lu2kd_peers_make_room(struct lu2kd *d);

/* msg.c: message lifecycle and the back-end's upcalls. */
struct lu2kd_msg *lu2kd_msg_alloc(struct lu2kd *d);
void lu2kd_msg_free(struct lu2kd *d, struct lu2kd_msg *m); /* one never submitted, or done */
void lu2kd_msg_complete(struct lu2kd_msg *m, int status);
int lu2kd_msg_start_timer(struct lu2kd_msg *m, uint32_t timeout_ms); /* 0 or -ENOMEM */
void lu2kd_core_env(struct lu2kd *d, struct lu2k_be_env *env);

/* chan.c: rings and descriptors. */
int lu2kd_chan_start(struct lu2kd *d, struct lu2kd_chan *ch);
void lu2kd_chan_detach(struct lu2kd_chan *ch, const char *why);
/* Post m's CPL; true if the ring was full and m now waits on the channel (not freed). */
bool lu2kd_chan_post_cpl(struct lu2kd_chan *ch, struct lu2kd_msg *m);
int lu2kd_chan_post_rx(struct lu2kd_chan *ch, const struct lu2k_rx_desc *d);
void lu2kd_chan_post_evt(struct lu2kd_chan *ch, uint32_t type, int status,
			 const struct lu2k_nid *nid);
void lu2kd_chan_rx_wait(struct lu2kd_chan *ch, struct lu2kd_conn *c);
bool lu2kd_chan_rx_ring_room(struct lu2kd_chan *ch);
void lu2kd_chan_rx_unwait(struct lu2kd_conn *c);
/* RX space came back: rx_resume() the waiting conns, oldest first, while they get some. */
void lu2kd_chan_rx_resume_waiters(struct lu2kd_chan *ch);
struct lu2kd_chan *lu2kd_chan_by_nid(struct lu2kd *d, const struct lu2k_nid *nid);
int lu2kd_chan_map(struct lu2kd_chan *ch, int fd, const struct lu2k_setup *s);

/* attach.c: the two ways a kernel half attaches. */
int lu2kd_attach_socket_start(struct lu2kd *d);
void lu2kd_attach_socket_stop(struct lu2kd *d);
int lu2kd_attach_device(struct lu2kd *d, const char *path);

/*
 * reload.c: SIGHUP's settings nc (read as at start-up) applied: live keys
 * take effect, others are logged and listed in restart_pending. 0 or -ENOMEM.
 */
int lu2kd_reload(struct lu2kd *d, const struct lu2kd_config *nc, const char *source);

/* ctl.c */
int lu2kd_ctl_start(struct lu2kd *d);
void lu2kd_ctl_stop(struct lu2kd *d);
void lu2kd_ctl_render(struct lu2kd *d, const char *cmd, struct lu2k_json *j);

#endif
