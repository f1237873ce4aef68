/* SPDX-License-Identifier: MIT */
/*
 * rds_sec.h - the rds back-end with keys ([auth] in lu2kd.conf): each
 * connection starts with the node handshake (auth/hs.h) in two frames, and
 * then every frame of it travels as one record (auth/aead.h) in a SEALED
 * frame:
 *
 *   connector                                       listener
 *   HS_INIT: conn id, initiation (180)  ---------->  allow-list: key, NID;
 *                                                    the core's accepted()
 *                                       <----------  HS_RESP: response (76)
 *                                       <----------  SEALED{HELLO_ACK}
 *   SEALED{DATA}, SEALED{PING} ...      ---------->
 *                                       <----------  SEALED{ACK} ...
 *
 * The initiation names the source and destination NIDs, so it stands for
 * the HELLO: a connection comes up in one round trip, as without keys. The
 * conn id in the clear header is only where to look: the record's receiver
 * index picks the connection, the address must be the one the handshake
 * came from, and the frame inside must name the same conn id.
 *
 * Why a window and not the stream order of tcp: RDS delivers each sending
 * socket's messages in order, but a connector sends its pieces from the
 * lu2k port's socket and its pings and close from the control socket, two
 * queues that RDS interleaves as it likes. So records of a connection may
 * come in another order than their counters, never twice and never lost:
 * auth/dgram.h's security association (a window of LU2K_AEAD_WINDOW
 * counters, the previous key kept for a while after an update) takes them.
 *
 * Why a bad record does not close the connection (as on udt): anyone on a
 * peer's host can open an RDS socket and send from its address, and RDS
 * reports every frame as from our peers' lu2k port; closing on garbage would
 * hand every such local user a way to cut connections. Such frames are
 * dropped and counted. A plaintext RESET (a restarted peer that lost the
 * session, or a forgery) does not close at once either: the connection
 * pings, and fails only if no sealed frame comes back within two
 * keep-alive periods. Unless the peer has also made a new handshake to us
 * since its last sealed frame on that connection (the initiation proves
 * its key, and a restarted peer that talks to us makes one): then the
 * RESET is believed at once, and the connection fails (a forged RESET
 * while the peer happens to reconnect costs a reconnection, no more). A new
 * handshake from the peer also makes our connections to it ping, so that a
 * restarted peer says RESET soon.
 */
#ifndef LU2K_BACKENDS_RDS_SEC_H
#define LU2K_BACKENDS_RDS_SEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "auth/dgram.h"
#include "auth/hs.h"
#include "rds.h"

/*
 * After the peer's key update the previous receiving key opens late records
 * this long (dgram.h keeps it 3 s): a ping under the new key may overtake,
 * on the control socket's path, pieces sealed before the update that wait
 * behind megabytes in the data socket's queue (8 MiB at 2 Mbit/s: 32 s).
 * Less than the 120 s between updates, so that one previous key is enough.
 */
#define RDSB_SEC_PREV_NS (60 * 1000000000ull)

struct rdsb_sec {
	bool up;	   /* the session's keys are set */
	bool resp_pending; /* listener: the response is still to send */
	bool doubted;	   /* out: a plaintext RESET named it; a sealed frame clears it */
	uint64_t doubted_ns;
	uint64_t sealed_rx_ns; /* the last sealed frame that opened */
	uint64_t peer_new_ns;  /* out: the peer made a new handshake to us then (restarted?) */
	struct lu2k_hs hs;     /* connector, until the response */
	uint8_t msg[LU2K_HS_INIT_LEN]; /* connector: its initiation; listener: its response */
	struct lu2k_dg_sa sa;
};

/*
 * Connector: the initiation for local -> remote, or NULL and *err
 * (-EACCES: no key listed for remote, logged; -ENOMEM).
 */
struct rdsb_sec *rdsb_sec_new_out(struct lu2k_be *be, const struct lu2k_nid *local,
				  const struct lu2k_nid *remote, int *err);

/* The handshake's frame of c (HS_INIT or HS_RESP), through the control socket. */
ssize_t rdsb_sec_send_hs(struct lu2k_be_conn *c);

/* Seals the frame in iov into one SEALED frame and sends it; as rdsb_do_send. */
ssize_t rdsb_sec_send(struct lu2k_be_conn *c, bool ctrl, struct iovec *iov, int n);

/* With keys: every frame read (len bytes in s->rbuf). */
void rdsb_sec_frame_in(struct rdsb_sock *s, size_t len);

/* Without keys: a connector with keys asked; say no (plaintext RESET) and log. */
void rdsb_sec_refuse_keyed(struct rdsb_sock *s, uint64_t conn_id);

/* Tick: a doubted connection whose peer said nothing sealed in time fails (true). */
bool rdsb_sec_tick(struct lu2k_be_conn *c, uint64_t now);

/* Wipe the keys and free (on close). */
void rdsb_sec_free(struct lu2k_be_conn *c);
void rdsb_sec_destroy(struct rdsb_sec *sec);

#endif
