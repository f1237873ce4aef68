/* SPDX-License-Identifier: MIT */
/*
 * sim_int.h - what sim_xfer.c (the run: engines, link, clock) and
 * sim_figures.c (what a finished run measured) share: a flow and the net.
 */
#ifndef LU2K_TESTS_SIM_INT_H
#define LU2K_TESTS_SIM_INT_H
#include "sim_tcp.h"
#include "sim_xfer.h"

#define SIM_PKT	     2048
#define SIM_QD_BINS  4096 /* queueing delay histogram, 1 ms bins */
#define SIM_RX_BINS  600  /* 60 s of 100 ms bins for the start's figures */
#define SIM_SEQ_MASK ((1u << 20) - 1)
#define SIM_CROSS_ID 0x7ffffffe /* destination socket id of cross traffic: nobody's */

struct net;

/* One connection: a sender (client) and its receiver (server). */
struct flow {
	struct net *net;
	const struct sim_scenario *s;
	struct udt_conn *cl, *sv;
	uint32_t cl_id, sv_id;
	uint64_t start_ns;
	int cl_state;

	/* sender */
	uint32_t nmsgs, next, first_msgno;
	uint32_t nsparse;	   /* messages of the sparse prologue, first */
	uint64_t next_feed;	   /* the next prologue message is due then (0: none) */
	uint64_t t_bulk;	   /* the first bulk message was queued then */
	uint64_t t_idle, t_resume; /* pause_at: all before it completed, and the rest queued */
	struct udt_stats at_resume;
	struct udt_stats at_bulk;
	int have_first;
	uint8_t *done; /* completions per message */
	uint64_t acked, dropped, bad;
	uint64_t t_connected, t_last_ack;

	/* probes (sim_scenario.probe_every_ms) and where each message number went */
	uint32_t *map; /* by msgno - first_msgno: message index + 1, or PROBE | probe */
	uint64_t *t_q; /* when each message was queued */
	double *sp_ms; /* each prologue message's time from queued to delivered */
	uint32_t nprobes, probes_acked;
	uint64_t next_probe;
	uint64_t probe_t[SIM_MAX_PROBES];
	double probe_ms[SIM_MAX_PROBES], probe_deliv_ms[SIM_MAX_PROBES];
	uint8_t probe_got[SIM_MAX_PROBES], probe_done[SIM_MAX_PROBES];
	/* probe_echo: each probe's answer, delivered to the sender after this (ms) */
	double answer_ms[SIM_MAX_PROBES];
	uint8_t answer_got[SIM_MAX_PROBES];
	uint32_t answers;

	/* data packets that reached the receiver, per 100 ms since the first data sent */
	uint64_t t_first_data, t_first_done; /* first bulk message acknowledged */
	uint32_t rx_bins[SIM_RX_BINS];
	/* data packets sent while the link is down: how often each (by seq & SIM_SEQ_MASK) */
	uint8_t *outage_count;
	uint64_t outage_sends;
	uint32_t outage_max_repeat;
	/* the latest delivery of a message queued before the link's return, after it (ns) */
	uint64_t outage_back_ns;
	int outage_waited; /* some message was queued before the return and delivered after */

	/* receiver */
	uint8_t *got;
	uint64_t delivered, delivered_bytes, t_last_deliv, t_half;
	uint64_t words[SIM_PKT / 8 + 1];
};

/* The link, the clock and the flows that share them. */
struct net {
	const struct sim_scenario *s;
	struct linkem_dir ab, ba; /* clients -> servers, servers -> clients */
	struct udt_listener lis;
	struct udt_config cfg;
	uint64_t now;
	unsigned int n;
	/* share_from_ms: when all flows ran, and each one's bytes delivered then */
	uint64_t share_t0, share_t1;
	uint64_t share_b0[SIM_MAX_FLOWS], share_b1[SIM_MAX_FLOWS];
	struct flow f[SIM_MAX_FLOWS];
	/* TCP flows beside them (sim_scenario.tcp_flows), their bytes acked at share_t0 and t1 */
	struct sim_tcp *tcp[SIM_MAX_TCP];
	unsigned int ntcp;
	uint64_t tcp_start[SIM_MAX_TCP];
	uint64_t share_tb0[SIM_MAX_TCP], share_tb1[SIM_MAX_TCP];
	uint64_t next_cross;	      /* the next cross-traffic packet (0: none) */
	uint64_t qd[SIM_QD_BINS + 1]; /* our data packets' queueing delay, 1 ms bins */
	uint64_t qdrops_at_step;      /* the bottleneck's queue drops when a step began */
	int step_begun;
};

/* with probe_echo, every probe's answer too: the last ones are not left out of the figures */
/* A scenario's outage: when the link goes down, and when it is back (the clock starts at 1 s). */
static inline uint64_t sim_outage_start_ns(const struct sim_scenario *s)
{
	return lu2k_time_ms_to_ns(1000 + s->outage_at_ms);
}

static inline uint64_t sim_outage_end_ns(const struct sim_scenario *s)
{
	return sim_outage_start_ns(s) + lu2k_time_ms_to_ns(s->outage_ms);
}

static inline uint64_t sim_step_start_ns(const struct sim_scenario *s)
{
	return lu2k_time_ms_to_ns(1000 + s->step_at_ms);
}

static inline int sim_flow_finished(const struct flow *w)
{
	return w->acked + w->dropped == w->nmsgs && w->delivered == w->nmsgs &&
	       (!w->s->probe_echo || w->answers == w->nprobes);
}

/* sim_figures.c: a finished flow's figures into r (sim_fig_result first: it clears r) */
void sim_fig_result(struct flow *w, struct sim_result *r);
void sim_fig_qdelay(const struct net *n, struct sim_result *r);
void sim_fig_probes(struct flow *w, struct sim_result *r);
void sim_fig_start(struct flow *w, struct sim_result *r);
void sim_fig_bins(const struct flow *w);
void sim_fig_step_all(const struct net *n, struct sim_result *r);

#endif
