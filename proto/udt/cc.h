/* SPDX-License-Identifier: MIT */
/*
 * cc.h - congestion control as a table of per-event callbacks.
 *
 * The connection fills in the inputs (mss, max_cwnd, rtt, rates, current
 * sequence number) and calls the hooks on events; a hook writes the outputs,
 * pkt_snd_period_ns (the pacing interval) and cwnd (packets), which the
 * connection reads after every call. Times are nanoseconds (common/time.h),
 * rates packets per second. Hooks that an algorithm does not need
 * may be NULL. The built-in algorithms sit in a const table (cc_table.c) and
 * a connection picks one by name: "udt" (UDT4's native algorithm) and "lossy".
 */
#ifndef LU2K_UDT_CC_H
#define LU2K_UDT_CC_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "common/time.h"

#define UDT_SYN_NS (10 * LU2K_NS_PER_MS) /* UDT's fixed rate-control and ACK interval */

struct udt_cc;

struct udt_cc_ops {
	const char *name;
	size_t priv_size; /* bytes of per-connection state at cc->priv */
	void (*init)(struct udt_cc *cc, uint64_t now_ns);
	void (*on_ack)(struct udt_cc *cc, uint32_t ack_seq, uint64_t now_ns);
	/*
	 * Optional: a timed full ACK (negotiated, codec.h struct udt_ack): the
	 * receiver's highest packet seq came delay_ns before the ACK left.
	 * Called for each, before on_ack if that one moved the cumulative ACK;
	 * cc->arr_ns is set as for on_ack.
	 */
	void (*on_ack_time)(struct udt_cc *cc, uint32_t seq, int64_t delay_ns, uint64_t now_ns);
	/* losses reported by one NAK, as ranges */
	void (*on_loss)(struct udt_cc *cc, const struct udt_range *r, size_t n, uint64_t now_ns);
	void (*on_timeout)(struct udt_cc *cc, uint64_t now_ns);
	void (*on_pkt_sent)(struct udt_cc *cc, uint32_t seq, uint64_t now_ns);
	void (*on_pkt_recv)(struct udt_cc *cc, uint32_t seq, uint64_t now_ns);
	/*
	 * Optional: the connection went idle with nothing in flight
	 * (udt_conn_trim): give back what grew while busy (per-packet rings),
	 * to grow again with the next packets sent. Returns the bytes freed.
	 */
	size_t (*trim)(struct udt_cc *cc);
	/*
	 * Optional: cc->capacity_hint was just set (udt_cc_capacity_hint), after
	 * init, maybe after the first packets of a first flight left.
	 */
	void (*on_capacity_hint)(struct udt_cc *cc, uint64_t now_ns);
	void (*close)(struct udt_cc *cc);
};

struct udt_cc {
	const struct udt_cc_ops *ops;
	void *priv;

	/* outputs */
	double pkt_snd_period_ns;
	double cwnd;
	int64_t ack_period_ns; /* 0: the connection's default (SYN) */
	int32_t ack_interval;  /* packets between ACKs; 0: none */
	/*
	 * How far pacing may catch up, in ns, after the sender ran late while it
	 * had packets waiting (a busy host that did not schedule it, a coarse
	 * timer): those packets then leave back to back. 0: the connection's
	 * pacing_burst_ns; the larger of the two applies. An idle sender never
	 * gets more than pacing_burst_ns.
	 */
	int64_t pacing_burst_ns;
	/*
	 * 1: send the packets of a small message (at most 4 packets) a second
	 * time at once when nothing follows them: a loss there is not seen until
	 * an EXP timeout, seconds on a long link. For links that lose packets.
	 */
	int dup_tail;
	/*
	 * 1: the pacing holds for resends too. Else a NAK lets its first resend
	 * leave at once (UDT4), one packet for one that left the path; while a
	 * queue we made drains, a burst of NAKs (its drops) resent at their
	 * rate and kept the queue full.
	 */
	int drain_strict;
	/*
	 * 1: resends of a run leave as probing pairs too (every 16th with the
	 * next right behind it), so that the receiver's capacity estimate
	 * sees a link that slowed while only resends are sent.
	 */
	int pair_resends;
	/*
	 * What the algorithm read as the link's own rate stepping down and up
	 * under the connection (a modem's adaptive coding; lossy's LINK_SLOWED
	 * and LINK_GREW): counts, for the statistics.
	 */
	uint64_t link_steps_down, link_steps_up;
	/*
	 * What the algorithm knows of the path, for the caller to remember for
	 * the next connection to the same peer (0: nothing worth keeping): the
	 * bottleneck rate in packets/s and the least RTT.
	 */
	int32_t path_rate;
	int64_t path_rtt_ns;

	/* inputs, kept current by the connection */
	int32_t mss;
	double max_cwnd;
	uint32_t snd_curr_seq;
	int32_t rcv_rate; /* packets/s, from the peer's ACKs */
	int64_t rtt_ns;
	int32_t bandwidth; /* packets/s, link capacity estimate */
	/* the last full ACK's receiving rate and link capacity, unsmoothed (0: none) */
	int32_t ack_rcv_rate, ack_bandwidth;
	/* in on_ack_time: the timed ACK carried those two (a short one does not) */
	int ack_rates_new;
	/*
	 * Set before on_ack and on_loss: when the ACK or NAK being handled
	 * reached this host (at udt_tick's us; udt_conn_recv_pkt_at), at or
	 * before their now_ns; 0 outside them. RTT samples measure to it, so
	 * that a caller that read the packet late (a busy host) does not take
	 * its own delay for a queue on the path. udt_cc_arrival() reads it.
	 */
	uint64_t arr_ns;
	/*
	 * Set before on_pkt_sent: 1 if that packet left nothing else to send (no
	 * new data queued, no retransmission due), i.e. the application, not the
	 * pacing or the window, limits the rate; or if it filled the peer's flow
	 * window while that is below cwnd: the receiver limits the rate (its
	 * share of a busy socket, rcvbuf.h FLOW SHARE), not the path.
	 */
	int app_limited;
	/*
	 * Set before init: packets/s an earlier connection to the same peer
	 * address measured (udt_cc_init_hint; 0: none). An algorithm may start
	 * from it instead of from scratch.
	 */
	int32_t path_rate_hint;
	/*
	 * Packets/s the handshake's probe train came at (udt_config.probe_train,
	 * udt_cc_capacity_hint; 0: none): the capacity of the path's slowest
	 * link, not what is free of it.
	 */
	int32_t capacity_hint;
};

/* When the packet being handled came: cc->arr_ns if set, else now_ns. */
static inline uint64_t udt_cc_arrival(const struct udt_cc *cc, uint64_t now_ns)
{
	return cc->arr_ns && cc->arr_ns <= now_ns ? cc->arr_ns : now_ns;
}

/* Looks up a built-in algorithm by name; NULL if there is none. */
const struct udt_cc_ops *udt_cc_find(const char *name);
/* The i-th built-in algorithm, NULL past the end. */
const struct udt_cc_ops *udt_cc_get(size_t i);

int udt_cc_init(struct udt_cc *cc, const struct udt_cc_ops *ops, int32_t mss, double max_cwnd,
		uint32_t snd_curr_seq, int64_t rtt_ns, int32_t rcv_rate, int32_t bandwidth,
		uint64_t now_ns);
/* The same, with a remembered path rate (packets/s, 0: none) for the algorithm to start from. */
int udt_cc_init_hint(struct udt_cc *cc, const struct udt_cc_ops *ops, int32_t mss, double max_cwnd,
		     uint32_t snd_curr_seq, int64_t rtt_ns, int32_t rcv_rate, int32_t bandwidth,
		     int32_t path_rate_hint, uint64_t now_ns);
/* The capacity the handshake's probe train read (cc->capacity_hint), for the algorithm. */
void udt_cc_capacity_hint(struct udt_cc *cc, int32_t pps, uint64_t now_ns);
void udt_cc_fini(struct udt_cc *cc);

extern const struct udt_cc_ops udt_cc_native;
extern const struct udt_cc_ops udt_cc_lossy; /* cc_lossy.c: model-based, loss-tolerant */

#endif
