/* SPDX-License-Identifier: MIT */
/*
 * sim_tcp.h - a TCP bulk sender and its receiver for the simulated link, to
 * share the bottleneck with lu2k's UDT flows (sim_xfer.h's tcp_flows).
 *
 * Not a TCP stack: what a Linux bulk sender does to the bottleneck, in
 * segments. The sender is ack-clocked (no pacing, as CUBIC and Reno without
 * the fq qdisc), starts at 10 segments (RFC 6928) without a handshake, and
 * grows in slow start by one segment per segment acknowledged until
 * ssthresh or, as Linux's HyStart does by default, until a round's first
 * RTT samples show a queue (its delay test: min_rtt + min_rtt / 8, clamped
 * to 4-16 ms). Congestion avoidance is CUBIC (RFC 9438: C = 0.4, beta 0.7,
 * fast convergence, the Reno-friendly estimate) or Reno (RFC 5681: one
 * segment per round, beta 0.5). The third, BBR v1 (sim_bbr.c), replaces
 * both the window's growth and its reduction on loss, skips HyStart and
 * paces its segments at its own rate.
 *
 * The receiver acknowledges every segment at once, with the cumulative ACK,
 * the send time of the segment that triggered it (as TCP's timestamp echo)
 * and up to 3 SACK blocks (RFC 2018: the block of that segment first, then
 * the highest others). The sender keeps a scoreboard and marks a segment lost
 * the RACK way (RFC 8985): a transmission sent before one that has been
 * delivered, once 3 segments beyond the cumulative ACK are SACKed or
 * recovery has begun (no reordering on the simulated link). Losses start
 * fast recovery (one congestion event per window: the window falls to
 * beta x cwnd, lost segments are resent first, while pipe < cwnd, RFC 6675);
 * a retransmission can be lost and detected again. A retransmission timeout
 * (srtt + 4 rttvar, the latter at least 200 ms as in Linux, doubling; restarted
 * when the first unacknowledged segment is resent) marks everything
 * outstanding lost and restarts slow start from one segment. Not modelled:
 * delayed ACKs, TLP, F-RTO and undo, the receive window, the handshake.
 *
 * Wire: a data segment is SIM_TCP_SEG_LEN bytes through the link (with the
 * link's 28 bytes, a 1500-byte IP packet carrying SIM_TCP_MSS bytes of
 * payload, as TCP with timestamps), an ACK SIM_TCP_ACK_LEN. Bytes 12-15
 * (where UDT has its destination socket id) say which flow a packet is for.
 */
#ifndef LU2K_TESTS_SIM_TCP_H
#define LU2K_TESTS_SIM_TCP_H

#include <stddef.h>
#include <stdint.h>

#define SIM_TCP_MSS	1448 /* payload of a 1500-byte packet: 20 IP + 20 TCP + 12 timestamps */
#define SIM_TCP_SEG_LEN (1500 - 28)
#define SIM_TCP_ACK_LEN 56
#define SIM_TCP_ID	0x7fff0000u /* + the flow's index: the destination of its packets */

enum sim_tcp_cc { SIM_TCP_CUBIC, SIM_TCP_RENO, SIM_TCP_BBR };

struct sim_tcp;

/* Sends a packet into the link: dir 0 sender -> receiver, 1 back. */
typedef void (*sim_tcp_push_fn)(void *arg, int dir, const uint8_t *pkt, uint32_t len);

struct sim_tcp_stats {
	uint64_t segs, segs_sent, retrans, rtos, recoveries;
	uint64_t bytes_acked, bytes_delivered; /* payload, cumulatively acknowledged / in order */
	double cwnd, ssthresh, srtt_ms, min_rtt_ms;
	uint64_t t_done;       /* when the last segment was acknowledged (0: not yet) */
	int hystart_exit;      /* slow start ended on HyStart's delay test */
	double qdelay_mean_ms; /* mean RTT above the minimum from 5 s after the start */
};

/* "cubic", "reno" or "bbr"; -1 for another name. */
int sim_tcp_cc_by_name(const char *name);

/* A flow of `bytes` (whole segments), index idx (0-255), that starts sending at start_ns. */
struct sim_tcp *sim_tcp_new(unsigned int idx, enum sim_tcp_cc cc, size_t bytes, uint64_t start_ns,
			    sim_tcp_push_fn push, void *arg);
void sim_tcp_free(struct sim_tcp *t);

/* Which flow a packet is for (its index), or -1 if it is not a sim_tcp packet. */
int sim_tcp_dst(const uint8_t *pkt, uint32_t len);
/* A packet for this flow arrived at its end: data at the receiver, an ACK at the sender. */
void sim_tcp_recv(struct sim_tcp *t, const uint8_t *pkt, uint32_t len, uint64_t now);
/* The sender's timers and whatever its window lets it send now. */
void sim_tcp_run(struct sim_tcp *t, uint64_t now);
/* When sim_tcp_run has something to do (UINT64_MAX: nothing but a packet arriving). */
uint64_t sim_tcp_next_deadline(const struct sim_tcp *t);
int sim_tcp_done(const struct sim_tcp *t);
void sim_tcp_get_stats(const struct sim_tcp *t, struct sim_tcp_stats *st);

#endif
