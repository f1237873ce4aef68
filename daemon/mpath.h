/* SPDX-License-Identifier: MIT */
/*
 * mpath.h - several paths to one peer (doc/multipath.md), above the back-ends.
 *
 * With multipath = on, a peer named by path lines in lu2kd.conf gets one
 * outgoing connection per path: the first to its NID's address, one more to
 * each REMOTE address. Each connection names the peer's NID on that address
 * ("[REMOTE]@net") in its hello; the peer, configured the other way round,
 * listens on that address too and takes it for its own NID. path_sched.c
 * chooses the path of each message; this file does the connections, feeds the
 * scheduler, and closes a path it calls dead (what the path held fails, as
 * when any connection dies: a message is never sent twice) and reconnects it
 * when a probe is due.
 */
#ifndef LU2K_DAEMON_MPATH_H
#define LU2K_DAEMON_MPATH_H

#include <stdbool.h>

struct lu2kd;
struct lu2kd_chan;
struct lu2kd_conn;
struct lu2k_json;
struct lu2kd_msg;
struct lu2k_nid;
struct lu2kd_peer;
struct sockaddr_storage;

/* Queue m on p's paths: true if p is a multipath peer (m is then taken care of). */
bool lu2kd_mpath_submit(struct lu2kd_peer *p, struct lu2kd_msg *m);
/* lu2kctl ping: connect p's paths that have no connection now; false if p has none. */
bool lu2kd_mpath_ping(struct lu2kd_peer *p);
/* The back-end's upcalls about a path's connection (c->mp set). */
void lu2kd_mpath_connected(struct lu2kd_conn *c);
void lu2kd_mpath_writable(struct lu2kd_conn *c);
void lu2kd_mpath_closed(struct lu2kd_conn *c, int err);
/*
 * A message's outcome on its path, before it is completed. true: it was
 * taken back (a failed path, the back-end carries ids) and waits for
 * another path; do not complete it.
 */
bool lu2kd_mpath_sent(struct lu2kd_conn *c, struct lu2kd_msg *m, int status);
/* Close p's paths (what they hold fails) and forget them. */
void lu2kd_mpath_free(struct lu2kd_peer *p);

/* Listen on ch's other addresses named by path lines; unlisten at detach. */
void lu2kd_mpath_listen(struct lu2kd *d, struct lu2kd_chan *ch);
void lu2kd_mpath_unlisten(struct lu2kd *d, struct lu2kd_chan *ch);
/* The channel whose other address dst names, or NULL. */
struct lu2kd_chan *lu2kd_mpath_chan_by_alias(struct lu2kd *d, const struct lu2k_nid *dst);

/*
 * Do our path lines name from's address as one of nid's, or did nid's hello
 * on ch tell it (accept = strict)?
 */
bool lu2kd_mpath_is_peer_addr(struct lu2kd *d, struct lu2kd_chan *ch, const struct lu2k_nid *nid,
			      const struct sockaddr_storage *from);
/*
 * The back-end's peer_addrs upcall: the hello of the incoming connection ctx
 * told its sender's other addresses (discovery, doc/multipath.md).
 */
struct lu2k_be_addrs;
void lu2kd_mpath_peer_addrs(void *ctx, const struct lu2k_be_addrs *a);

/* "paths": [...] of p, for lu2kctl peers. */
void lu2kd_mpath_json(const struct lu2kd_peer *p, struct lu2k_json *j);

#endif
