/* SPDX-License-Identifier: MIT */
/*
 * rds_fake.h - a small RDS of our own, so that the rds back-end's tests run
 * on a host without RDS (through the lu2k_rds_sockops table). It keeps the
 * rules of RDS that matter to the back-end: a message is delivered whole
 * and once, to the socket bound to its address and port (none: it
 * vanishes, as RDS drops it), at most RDS_MAX and at most half the send
 * buffer (-EMSGSIZE), -ENOBUFS while the receiver's queue is over its limit
 * with a congestion update (RDS_CMSG_CONG_UPDATE) once it drains, -EAGAIN
 * when asked, an unreachable peer whose messages wait until
 * RDS_CANCEL_SENT_TO drops them.
 *
 * The f_ knobs and counters are the tests' to set and read; f_ and fs[]
 * start zeroed (f_rcv_limit at 64 MiB) and hold across tests.
 */
#ifndef LU2K_TESTS_RDS_FAKE_H
#define LU2K_TESTS_RDS_FAKE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/rds.h"

#define PORT	7988
#define NSOCK	8
#define RDS_MAX (1u << 20)
#define NCAP	16

struct fmsg {
	struct fmsg *next;
	struct sockaddr_in from, to;
	int from_fd;
	size_t len;
	uint8_t data[];
};

struct fsock {
	bool used, bound, dead;
	int fd;
	struct sockaddr_in addr;
	int sndbuf;
	struct fmsg *head, *tail;
	size_t qbytes;
	bool congested;
	uint64_t cong_wait, cong_notify;
};

extern struct fsock fs[NSOCK];
extern const struct lu2k_rds_sockops f_sockops;

/* what to fake */
extern bool f_no_rds, f_no_transport;
extern int f_eagain_every;	       /* every Nth send fails -EAGAIN (0: none) */
extern size_t f_rcv_limit;	       /* a receiver's queue in bytes before -ENOBUFS */
extern struct sockaddr_in f_blackhole; /* sends there wait in f_limbo */
extern bool f_hold; /* what A's lu2k port sends waits in f_held (a slow data path) */
extern struct sockaddr_in f_cap_to; /* sealed frames sent there are copied to f_cap */
/* the f_drop_nth-th frame A's lu2k port sends from now on (1: the next) is taken and lost */
extern int f_drop_nth;
extern bool f_old_hello; /* HELLOs with flags vanish (an older listener drops them) */

/* what happened */
extern int f_nsend;
extern struct fmsg *f_limbo, *f_held;
extern int f_cancels, f_limbo_dropped, f_emsgsize, f_enobufs;
extern int f_data_on_ctrl, f_ctrl_on_data, f_ctrl_frames; /* which socket sent what */
extern size_t f_largest;
extern int f_types[16]; /* frames sent, by the type byte */
extern uint8_t *f_cap[NCAP];
extern size_t f_cap_len[NCAP];
extern int f_ncap;
extern int f_dropped;			  /* frames lost by f_drop_nth */
extern int f_acks_plain, f_acks_progress; /* plaintext ACKs sent, without and with progress */
extern int f_asks;			  /* HELLOs with flags sent (asks for piece progress) */

/* A message from anyone (an address and port of the test's choosing) to the socket at to_ip. */
void f_inject(uint32_t from_ip, uint16_t from_port, uint32_t to_ip, const uint8_t *p, size_t len);
/* The held messages go on, in order, to where they were sent. */
void f_release(void);
/* The oldest held message goes on; false if none was held. */
bool f_release_one(void);
/* The blackhole is gone: what waited in f_limbo goes on, in order (RDS reconnected). */
void f_heal(void);
void cap_free(void);
/* The first socket still open, or -1. */
int f_first_open(void);

#endif
