/* SPDX-License-Identifier: MIT */
/* client.h - lu2k-perf client state, shared by client.c and report.c. */
#ifndef LU2K_PERF_CLIENT_H
#define LU2K_PERF_CLIENT_H

#include "acked.h"
#include "perf.h"

#define CLI_SLOTS  (1U << 16) /* messages in flight, by id */
#define CLI_FRAMES (1U << 12) /* stream frames in flight, by frame number */

struct cli_msg {
	uint64_t id;
	uint64_t t_send;
	uint64_t t_answer;
	uint32_t size;
	uint32_t frame;
	bool busy, cpl_done, answered;
	int cpl_status;
	bool corrupt;
	bool ping; /* a --ping-every GET beside the bulk */
};

struct cli_frame {
	uint64_t due;
	uint64_t last_answer;
	uint32_t left;	 /* messages not finished */
	uint32_t unsent; /* messages not sent yet */
	bool busy, failed;
};

/* One --interval of a run (progress line, --json's "intervals", --plot). */
struct cli_sample {
	double t;	    /* seconds since the start, at the end of the interval */
	uint64_t ok, bytes; /* completed in the interval */
	uint64_t errors;    /* failed, corrupt or lost in the interval */
	uint64_t inflight;  /* at the end */
	uint64_t lat_n;	    /* latencies in the interval, and their percentiles (ns) */
	uint64_t lat_p50, lat_p99;
	int64_t acked; /* bytes the transport had acknowledged in the interval, -1: unknown */
};

struct cli {
	const struct perf_opts *o;
	struct lu2k_ni *ni;
	uint64_t seed;
	struct cli_msg *slots;
	struct cli_frame *frames;
	uint64_t next_id, oldest_id;
	uint64_t sent, ok, failed, corrupt, lost, stray;
	uint64_t bytes_ok, inflight;
	int fatal; /* lu2k_send's error that stopped us */
	bool stop_sending;
	struct perf_hist lat; /* ns: message round trip, or frame delivery */
	uint64_t t0, t_last;
	/* stream */
	uint64_t frame_bytes;
	uint32_t frame_msgs;
	uint64_t next_frame, frames_sent, frames_done;
	uint64_t frames_ontime, frames_late, frames_lost;
	uint64_t frames_warmup; /* due within --warmup: delivered, not judged late */
	/* intervals */
	struct perf_hist ilat; /* this interval's latencies */
	uint64_t last_ok, last_bytes, last_errors;
	struct cli_sample *samples;
	size_t nsamples, cap_samples;
	/* --ping-every: GETs beside the bulk, counted apart (errors count as the run's);
	 * ping mode: its round trips after --warmup (settled_latency_us) */
	struct perf_hist plat;
	uint64_t next_ping, pings_sent, pings_ok, pings_inflight;
	struct perf_acked acked; /* progress inside messages */
	char acked_path[256];
};

/* Closes the interval that ends now (a sample), and prints it if progress. */
void cli_interval(struct cli *c, uint64_t now, bool progress);
/*
 * The run's end: what came after the last tick (at last_tick) as one more
 * sample, or, if that is under a tenth of an interval, added to the last one
 * (a sample of a few microseconds would claim an absurd rate).
 */
void cli_interval_last(struct cli *c, uint64_t now, uint64_t last_tick);
/* plot.c: the samples drawn into out (PNG, or SVG for *.svg). 0, or 1 after a message. */
int perf_plot(const struct cli *c, const char *out);
/* Prints the summary; returns the exit status (0 pass). */
int cli_report(struct cli *c);

#endif
