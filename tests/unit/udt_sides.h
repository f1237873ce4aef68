/* SPDX-License-Identifier: MIT */
/*
 * udt_sides.h - the fixture of the udt back-end's API tests
 * (test_udt_backend.c: messages over one connection; test_udt_backend_conn.c:
 * connections made and lost): two instances in one event loop L, A
 * (127.0.0.1@lu2k) connecting to B (127.0.0.2@lu2k) over real UDP sockets on
 * loopback, each with a fake core (udt_sides.c's upcalls) that records what
 * the API promises: accepted() names both NIDs, connected() and closed()
 * are counted, each sent() is counted per message, and each message that
 * arrives is checked byte for byte. A message's id is its header length
 * minus 16; msg() makes one.
 */
#ifndef LU2K_TESTS_UDT_SIDES_H
#define LU2K_TESTS_UDT_SIDES_H

#include <stdint.h>

#include "backends/backend.h"
#include "common/loop.h"
#include "common/nid.h"
#include "loop_spin.h"

#define MAXMSG ((4u << 20) + 256)
#define NMSG   32

/* One side of a connection, as the fake core sees it. */
struct side {
	struct lu2k_be_conn *conn;
	int connected, closed, closed_err;
	int sent_ok, sent_err, sent_last_err;
	int sent_count[NMSG];
	int rx_begun, rx_ended, rx_failed, rx_eagain_left, rx_refused;
	int early_begun, early_out, early_refuse, early_twice;
	int rx_sizes_ok; /* messages whose bytes checked out */
	int rx_bad;	 /* messages whose bytes did not */
	int rx_order[NMSG];
	int nrx;
};

extern struct lu2k_loop L;
extern const struct lu2k_backend_ops *ops;
extern const struct lu2k_be_env env;
extern struct lu2k_be *be_a, *be_b;
extern struct lu2k_be_listener *lis_a, *lis_b;
extern struct lu2k_nid nid_a, nid_b, nid_x, nid_s; /* nid_s: a listener of a smaller MSS */
extern uint16_t port;
/* A's connection to B and B's side of it */
extern struct side out, in;
/* B's connection back to A (udt_early.c), and A's side of it */
extern struct side back, back_in;
extern struct lu2k_be_msg msgs[NMSG];

#define SPIN_UNTIL(cond, ms) T_SPIN_UNTIL(&L, cond, ms)
#define spin(ms)	     t_spin(&L, ms)

/* An instance with the tests' short deadlines (and mss, if not NULL). */
int make_mss(struct lu2k_be **be, const char *mss);
int make(struct lu2k_be **be);
/* The loop, A and B listening on one random port, the buffers. */
void setup(void);
/* Everything setup() made, gone. */
void teardown(void);
/* out and in forgotten (a new connection's counts start at 0). */
void reset(void);
/* Message id of hdr 16 + id bytes and payload bytes, filled with its pattern. */
struct lu2k_be_msg *msg(int id, uint32_t payload);
/* A connects to B (out), and is connected. */
void connect_a_to_b(void);

#endif
