/* SPDX-License-Identifier: MIT */
/*
 * bench_peers.h - what the parts of lu2k-bench-peers share.
 *
 *   bench_peers.c       options, the daemon under test (A) and the figures
 *   bench_peers_work.c  the worker processes that play the peers on the B
 *                       daemons: attach their interfaces, receive (idle
 *                       peers) or send to A as fast as credits allow (busy)
 *   bench_peers_data.c  the payload every message carries and its check,
 *                       NIDs, clocks, resident sizes
 */
#ifndef LU2K_BENCH_PEERS_H
#define LU2K_BENCH_PEERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/nid.h"

/*
 * A B daemon serves at most max_channels (1024) interfaces, and an interface
 * costs its client five fds (the limit here is 20,000): one worker process
 * per B daemon, each with its share of the peers.
 */
#define BP_MAX_B 64

struct bp_opts {
	const char *sock_a;
	const char *sock_b[BP_MAX_B];
	unsigned int nb;
	int pid_a, pid_b[BP_MAX_B];
	unsigned int npid_b;
	struct lu2k_nid nid_a, base;
	unsigned int peers;
	unsigned int busy_s; /* 0: idle peers (A sends one message to each) */
	uint32_t size;	     /* busy: each message's payload */
	uint32_t credits;    /* busy: messages each peer keeps in flight */
	unsigned int idle_s; /* then idle this long (lu2kd trims after 2 s) */
	int json;
};

/* What one peer did, as its worker reports it at the end. */
struct bp_peer_res {
	uint64_t sent, ok, err; /* busy: messages to A */
	uint64_t rcvd;		/* idle: messages from A */
};

struct bp_worker {
	pid_t pid;
	int stop_fd; /* closed by the parent: stop sending, drain, report */
	int res_fd;  /* a ready byte, then n struct bp_peer_res */
	unsigned int first, n;
	size_t got; /* result bytes read so far */
};

/*
 * Starts one worker per B socket and waits until each has attached its
 * peers, calling tick(arg) meanwhile (busy peers send at once: A must run).
 */
int bp_workers_start(const struct bp_opts *o, struct bp_worker *w, void (*tick)(void *), void *arg);
/* Tells them to stop (they drain what is in flight first). */
void bp_workers_stop(const struct bp_opts *o, struct bp_worker *w);
/*
 * Reads what has come of their reports into res (peers entries); 1 when all
 * are in, 0 while some are missing, -1 on a worker that failed.
 */
int bp_workers_collect(const struct bp_opts *o, struct bp_worker *w, struct bp_peer_res *res);
void bp_workers_reap(const struct bp_opts *o, struct bp_worker *w);

void bp_nid(struct lu2k_nid *n, const struct lu2k_nid *base, unsigned int i);
/* Peer peer's message seq: every 8-byte word depends on both and its place. */
void bp_fill(void *dst, size_t len, uint32_t peer, uint64_t seq);
int bp_check(const void *p, size_t len, uint32_t peer, uint64_t seq);
long bp_rss_kib(int pid);
/* of which the shared regions of the channels (what the daemon touched of them) */
long bp_rss_shmem_kib(int pid);
double bp_now(void);

#endif
