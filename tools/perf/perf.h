/* SPDX-License-Identifier: MIT */
/*
 * perf.h - lu2k-perf, the LNet-selftest of lu2k: a client and a server over
 * liblu2k. The wire use of LNet headers (portal PERF_PORTAL):
 *
 *   bulk   client PUT  match_bits = id, hdr_data = size,
 *                      ack_wmd = { seed, id }, payload = pattern(seed, id)
 *          server ACK  dst_wmd = ack_wmd, match_bits = id,
 *                      mlength = size if the payload checked out, else ~0
 *   get    client GET  match_bits = id, sink_length = size, return_wmd = { seed, id }
 *          server REPLY dst_wmd = return_wmd, payload = pattern(seed, id) of sink_length
 *   ping   as get, small (default 64 B), concurrency 1: latency
 *   stream as bulk, paced: one frame (rate / fps bytes, in messages of at most
 *          --msg-size) every 1/fps s; a frame is late if its last ACK comes more
 *          than --deadline after the frame was due, lost if any of it failed
 *
 * The server keeps no state per client: the wire handle carries the client's
 * seed and the message id, so it can check and produce any payload alone.
 */
#ifndef LU2K_PERF_PERF_H
#define LU2K_PERF_PERF_H

#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>

#include "lib/lu2k.h"
#include "stats.h"

#define PERF_PORTAL   42
#define PERF_BAD_MLEN 0xffffffffU

enum perf_mode { PERF_BULK, PERF_GET, PERF_PING, PERF_STREAM };

struct perf_opts {
	bool server;
	enum perf_mode mode;
	struct lu2k_nid nid, peer;
	bool have_nid, have_peer;
	const char *socket;
	const char *ctl_socket; /* NULL: derived from socket (acked.h) */
	uint64_t size;		/* bytes per message (bulk/get/ping) */
	unsigned int concurrency;
	uint64_t count;	   /* messages (frames for stream); 0 = by time */
	uint64_t time_ns;  /* run time; 0 = by count */
	uint64_t rate_bps; /* stream */
	unsigned int fps;
	uint64_t deadline_ns;
	uint64_t msg_size;   /* stream: largest message of a frame */
	uint64_t timeout_ns; /* no answer after this = lost */
	/* bulk: a 64 B GET every this beside the PUTs, from the same NID (same connection) */
	uint64_t ping_every_ns;
	uint64_t attach_wait_ns;
	uint64_t seed;
	uint64_t interval_ns;	  /* progress and samples */
	uint64_t warmup_ns;	  /* stream: frames due before this are not judged late */
	unsigned int late_ok_pct; /* stream: late frames allowed, % of those judged */
	const char *plot;	  /* --plot FILE.png */
	bool json, progress, quiet;
	uint32_t tx_pool_mb, rx_pool_mb, peer_credits, credits;
};

/* opts.c */
int perf_parse_size(const char *s, uint64_t *out); /* 4096, 4K, 1M, 1G (binary) */
int perf_parse_time(const char *s, uint64_t *ns);  /* 10s, 200ms, 50us, 2m, 1.5s */
int perf_parse_rate(const char *s, uint64_t *bps); /* 20mbit, 1gbit, 500kbit, 1000 */
/* argv -> opts. 0, 1 (help printed) or -EINVAL (message printed). */
int perf_parse_args(int argc, char **argv, struct perf_opts *o);
void perf_usage(FILE *f);

/* ni.c */
uint64_t perf_now_ns(void);
int perf_ni_open(const struct perf_opts *o, struct lu2k_ni_params *p, struct lu2k_ni **ni);
int perf_build_hdr(uint8_t *buf, const struct lu2k_nid *dst, const struct lu2k_nid *src,
		   const struct lu2k_lnet_hdr *h);
extern volatile sig_atomic_t perf_stop;
void perf_signals(void);

/* client.c / server.c */
int perf_client(const struct perf_opts *o);
int perf_server(const struct perf_opts *o);

#endif
