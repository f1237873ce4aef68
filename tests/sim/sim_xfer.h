/* SPDX-License-Identifier: MIT */
/*
 * sim_xfer.h - whole UDT transfers in simulated time.
 *
 *   client (sender)  --- linkem_dir ab (delay, rate, queue, loss) -->  server (receiver)
 *                    <-- linkem_dir ba (the same, other direction) ---
 *
 * Two engines, two directions of the link emulator's core (the one
 * simulated link: the engine's unit tests use it too, through sim_link.h),
 * one clock that jumps from event to event: no sockets, no sleeps, the same result on any
 * machine. The client sends `bytes` as messages of `msg_size` (message mode,
 * out of order allowed, each filled with a pattern of its number); the
 * receiver checks every byte of every message; every message must get
 * exactly one completion (acked) and be delivered exactly once.
 *
 * Goodput is reported against what the link can carry: rate x (1 - mean
 * loss) x payload / wire bytes, where a wire packet is the UDT packet plus
 * 28 bytes of IP and UDP header (the link's per-packet overhead).
 */
#ifndef LU2K_TESTS_SIM_XFER_H
#define LU2K_TESTS_SIM_XFER_H

#include <stddef.h>
#include <stdint.h>

#include "proto/udt/udt.h"
#include "tools/linkem/linkem.h"

struct sim_scenario {
	const char *name;
	const char *cc;	     /* congestion control by name */
	uint64_t rtt_ms;     /* both directions together */
	uint64_t rate_bps;   /* each direction */
	double loss;	     /* Bernoulli loss, each direction */
	int bursty;	     /* Gilbert-Elliott instead, mean loss `loss`, bursts of ~8 */
	uint32_t burst_pkts; /* with bursty: the mean burst instead of 8 packets */
	uint64_t queue_ms;   /* drop-tail queue limit in time (0: max(RTT, 20 ms)) */
	size_t bytes;	     /* total to transfer */
	size_t msg_size;     /* bytes per message */
	uint64_t limit_s;    /* give up after this many simulated seconds */
	uint64_t seed;
	uint64_t outage_at_ms, outage_ms; /* the link down both ways (0: never) */
	/*
	 * A sparse prologue, as LNet's pings and RPC requests before bulk I/O:
	 * one message of sparse_size every sparse_every_ms for sparse_s seconds
	 * after connecting (sparse_burst of them at once, 0 = 1: LNet's
	 * concurrent GETs), then `bytes` (0: none).
	 */
	uint64_t sparse_s, sparse_every_ms;
	size_t sparse_size;
	uint32_t sparse_burst;
	/*
	 * A busy host (sim_stall_end()): the sender's side (stall_snd: its
	 * engine and its application) and/or the receiver's (stall_rcv) is not
	 * scheduled for stall_min_ms..stall_max_ms once in every stall_every_ms,
	 * at a drawn point of each period. Packets that reach a stalled side
	 * wait and are read together, at the same time, when it runs again; its
	 * timers fire late; it sends nothing meanwhile. The link is not touched.
	 */
	int stall_snd, stall_rcv;
	uint64_t stall_every_ms, stall_min_ms, stall_max_ms;
	uint64_t ack_jitter_ms;	  /* delay jitter of the return direction (no reordering) */
	uint64_t pacing_burst_ns; /* the engine's pacing catch-up (0: lu2kd's 2 ms) */
	/*
	 * Cross traffic that does not respond to congestion: cross_mbps of
	 * 1500-byte packets at a constant rate into the data direction from
	 * cross_at_ms after the start (the link's rate left to us shrinks, so a
	 * sender that keeps its rate builds a real standing queue).
	 */
	uint64_t cross_mbps, cross_at_ms;
	/* queueing delay of our data packets delivered after this (ms from the start) */
	uint64_t qdelay_from_ms;
	/*
	 * Small messages on the same connection beside the bulk bytes: one of
	 * probe_size bytes every probe_every_ms once the bulk bytes are queued,
	 * until they are all sent (at most SIM_MAX_PROBES); each is checked like
	 * the others and its time from queued to acknowledged is kept.
	 */
	uint64_t probe_every_ms;
	size_t probe_size;
	/*
	 * probe_echo: the receiver answers each probe at once with a message of
	 * probe_size bytes on the same connection (a ping's round trip, LNet's
	 * request and reply), and its time from the probe queued to the answer
	 * delivered to the sender is kept. nest_small: udt_config's nest_small
	 * on both sides (small messages may go into a message being cut).
	 */
	int probe_echo, nest_small;
	int fec; /* udt_config's fec on both sides (parity for small messages, fec.h) */
	/*
	 * A step in the data direction's rate, as a satellite modem's adaptive
	 * coding and modulation makes in a rain fade: step_bps from step_at_ms
	 * after the start for step_ms, then rate_bps again (0: none).
	 */
	uint64_t step_at_ms, step_ms, step_bps;
	/* a path remembered from an earlier connection: udt_config's init_rate_pps (0: none) */
	uint32_t path_rate_pps;
	/*
	 * A pause in the bulk bytes, as between a client's write bursts: once
	 * pause_at bulk messages are queued and all completed, nothing for
	 * pause_ms, then the rest (sim_result's resume_s; pause_at 0: none).
	 */
	uint32_t pause_at;
	uint64_t pause_ms;
	/*
	 * With several flows (sim_run_shared): each one's rate (payload bytes
	 * acknowledged) from share_from_ms after the last one started until the
	 * first one has all its messages (sim_result's share_mbps; 0: not
	 * measured).
	 */
	uint64_t share_from_ms;
	/*
	 * TCP bulk flows beside the UDT ones, on the same link (sim_tcp.h):
	 * how many, "cubic" or "reno" (NULL: cubic), when the first starts
	 * (ms after the first UDT flow; each next one gap_ms later), and the
	 * bytes each sends (0: `bytes`). sim_run_mixed() has their figures.
	 */
	unsigned int tcp_flows;
	const char *tcp_cc;
	uint64_t tcp_at_ms;
	size_t tcp_bytes;
};

/* IPv4 + UDP header bytes per packet on the wire */
#define SIM_OVERHEAD 28

#define SIM_MAX_PROBES 4096

struct sim_result {
	int complete; /* every message acked and delivered */
	uint64_t bad; /* wrong bytes, duplicates, double completions */
	uint64_t msgs, acked, dropped, delivered;
	double sim_s;	     /* connect to last completion, simulated seconds */
	double deliv_s;	     /* connect to the last byte delivered (the receiver's view) */
	double goodput_mbps; /* payload bytes over sim_s */
	double capacity_mbps;
	double pct;	   /* goodput as % of capacity */
	double steady_pct; /* the same over the second half of the bytes */
	uint64_t data_lost, data_qdrops, retrans;
	struct udt_stats snd;
	struct udt_stats rcv; /* the receiver's (FEC's rebuilds are counted there) */
	/* with pause_at: the bulk bytes after the pause, first queued to last completion */
	double resume_s;
	struct udt_stats at_resume; /* the sender's when they were queued */
	/* with a sparse prologue: the bulk bytes, first queued to last completion */
	double bulk_s, bulk_mbps, bulk_pct;
	struct udt_stats at_bulk; /* the sender's when the bulk bytes were queued */
	/* from qdelay_from_ms: our data packets' wait in the bottleneck queue, ms */
	double qdelay_p50_ms, qdelay_p95_ms;
	uint64_t qdelay_n;
	/*
	 * probes: how many were sent and acknowledged, their times from queued to
	 * acknowledged (a hole in earlier bulk packets holds UDT's cumulative
	 * ACK, so usually a round trip more), and to delivered, ms
	 */
	uint32_t probes, probes_acked, probes_delivered;
	double probe_p50_ms, probe_p99_ms, probe_max_ms;
	double deliv_p50_ms, deliv_p99_ms;
	/* with probe_echo: answers delivered to the sender, round trips in ms */
	uint32_t answers;
	double rt_p50_ms, rt_p90_ms, rt_p99_ms, rt_max_ms;
	/*
	 * The start, from the first data packet sent: when the receiver first
	 * got 90 % of the link's packet rate over 300 ms, and when the first
	 * bulk message was acknowledged (s; -1: never)
	 */
	double t90_s, t_first_msg_s;
	double t70_s; /* the same at 70 % */
	/*
	 * With an outage: s from the link's return to the end of the first
	 * 100 ms in which the receiver got 90 % of the link's packet rate, and
	 * so in the next 200 ms (-1: never); data packets the sender sent into
	 * the dead link, and the most times one packet was among them
	 */
	double t90_return_s;
	/*
	 * With a rate step: what the receiver got from 3 s into the step to its
	 * end, as % of the step's packet rate; and s from the step's end to the
	 * first 100 ms at 90 % of rate_bps that the next 200 ms keep up (-1: never)
	 */
	double step_pct, t90_after_step_s;
	/*
	 * The same of all flows together (their packets received on one clock),
	 * and the bottleneck's queue drops from the step's start to the end
	 */
	double step_all_pct, t90_all_after_step_s;
	uint64_t step_qdrops;
	uint64_t outage_sends;
	uint32_t outage_max_repeat;
	/*
	 * With an outage: ms from the link's return to the latest delivery of a
	 * message queued before it (-1: none waited through it)
	 */
	double outage_back_ms;
	/* the prologue's messages (the first SIM_MAX_PROBES): queued to delivered, ms */
	double sparse_p50_ms, sparse_p99_ms, sparse_max_ms;
	/* with share_from_ms: Mbit/s acknowledged while all flows ran, over share_s seconds */
	double share_mbps, share_s;
};

/* The payload a link can carry, in Mbit/s (see above). */
double sim_capacity_mbps(const struct sim_scenario *s);
/* The median of n > 0 values (it sorts them), for bounds over draws or phases. */
double sim_median(double *v, int n);

/* Runs one transfer; 0, or a negative error if the set-up failed. */
int sim_run(const struct sim_scenario *s, struct sim_result *r);

/*
 * Runs nflows transfers of the same scenario over the same link (flow i
 * connects gap_ms x i after flow 0), results in r[0..nflows-1].
 */
#define SIM_MAX_FLOWS 4
int sim_run_shared(const struct sim_scenario *s, unsigned int nflows, uint64_t gap_ms,
		   struct sim_result *r);

/* What a TCP flow of sim_scenario.tcp_flows did. */
#define SIM_MAX_TCP 4
struct sim_tcp_result {
	int complete;
	double sim_s;	     /* its start to its last segment acknowledged (or the run's end) */
	double goodput_mbps; /* payload acknowledged over sim_s */
	double share_mbps, share_s; /* with share_from_ms: as sim_result's */
	uint64_t retrans, rtos, recoveries;
	double cwnd, srtt_ms, min_rtt_ms;
	int hystart_exit;
	double qdelay_mean_ms; /* RTT above its minimum from 5 s after its start */
};

/*
 * sim_run_shared with s->tcp_flows TCP flows beside the nflows UDT ones,
 * their figures in tr[0..tcp_flows-1]. The share window then ends when the
 * first flow of either kind is done.
 */
int sim_run_mixed(const struct sim_scenario *s, unsigned int nflows, uint64_t gap_ms,
		  struct sim_result *r, struct sim_tcp_result *tr);
/* One line for the test log. */
void sim_tcp_print(const struct sim_scenario *s, unsigned int i, const struct sim_tcp_result *r);

/*
 * If side 0 (the senders) or 1 (the receivers) is stalled at t (see
 * stall_snd), when its stall ends; else 0.
 */
uint64_t sim_stall_end(const struct sim_scenario *s, int side, uint64_t t);
/* A 64-bit mixer (splitmix64's): the payload pattern and the stalls' draws. */
uint64_t sim_mix(uint64_t x);

/*
 * The bulk every scenario test starts from: zeroed, then name, the CC
 * (SIM_CC in the environment, else lossy), 50 Mbit/s each way, rtt_ms and
 * loss, 100 MiB in 1 MiB messages, 600 s at most, seed.
 */
void sim_bulk(struct sim_scenario *s, const char *name, uint64_t rtt_ms, double loss,
	      uint64_t seed);

/* One line for the test log. */
void sim_print(const struct sim_scenario *s, const struct sim_result *r);

/* SIM_ONLY=i in the environment: run only the i-th scenario (debugging). */
int sim_selected(unsigned int i);

/*
 * The matrix at 50 Mbit/s: RTT 1, 200 and 600 ms, each with loss 0, 1 %,
 * 3 % (Bernoulli) and 1 % in bursts (Gilbert-Elliott), in that order.
 */
#define SIM_MATRIX_N 12
void sim_matrix(struct sim_scenario out[SIM_MATRIX_N], const char *cc, size_t bytes);

/*
 * A completion-time bound: the bytes at min_pct % of capacity, plus rtts
 * round trips (handshake, startup, the last repairs) and slack_s seconds
 * (UDT's 300 ms NAK and EXP floors).
 */
double sim_bound_s(const struct sim_scenario *s, double min_pct, double rtts, double slack_s);

#endif
