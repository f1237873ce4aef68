/* SPDX-License-Identifier: MIT */
/*
 * udt_info.c - what the udt back-end reports: a connection (lu2kctl conns),
 * the instance (lu2kctl stats) and a path's figures for multipath, from the
 * engine's statistics and the back-end's counters. Split from udt.c, which
 * keeps the connections' lives.
 */
#include "udt_be.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/nid.h"
#include "common/sockaddr.h"
#include "common/json.h"
#include "common/log.h"
#include "proto/udt/cc.h"

static const char *state_str(enum udtb_state s)
{
	static const char *const n[] = { "connecting", "hello", "up", "dead" };

	return (unsigned int)s < 4 ? n[s] : "?";
}

/* "address:port" of a peer, for log lines. */
const char *udtb_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	lu2k_sockaddr_addr(ss, a, sizeof(a));
	snprintf(buf, len, ss->ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
		 lu2k_sockaddr_port(ss));
	return buf;
}

void udtb_conn_info(struct lu2k_be_conn *c, struct lu2k_json *j)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;
	struct udt_stats st;

	if (c->addr.ss_family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&c->addr;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		port = ntohs(s->sin_port);
	} else if (c->addr.ss_family == AF_INET6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&c->addr;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		port = ntohs(s->sin6_port);
	}
	udt_conn_get_stats(c->u, &st);
	lu2k_json_str(j, "udt_state", state_str(c->state));
	if (c->out && c->watch_since_ns && c->ntxq)
		lu2k_json_u64(j, "no_ack_ms",
			      lu2k_time_ns_to_ms(c->be->env.loop->now - c->watch_since_ns));
	lu2k_json_str(j, "engine_state", udt_state_to_str(udt_conn_state(c->u)));
	/* up before the response with its first flight (conn_early.c): not answered yet */
	if (c->out)
		lu2k_json_bool(j, "peer_answered", udt_conn_state(c->u) != UDT_ST_CONNECTING);
	if (st.first_sent || st.first_recv) {
		lu2k_json_u64(j, "first_sent", st.first_sent);
		lu2k_json_u64(j, "first_recv", st.first_recv);
		lu2k_json_u64(j, "first_over", st.first_over);
		lu2k_json_u64(j, "msgs_held", st.msgs_held);
	}
	lu2k_json_str(j, "address", a);
	lu2k_json_u64(j, "port", port);
	lu2k_json_u64(j, "sock_id", udt_conn_sock_id(c->u));
	lu2k_json_u64(j, "peer_sock_id", udt_conn_peer_id(c->u));
	lu2k_json_str(j, "cc", c->be->cc);
	lu2k_json_u64(j, "msgs_tx", c->msgs_tx);
	lu2k_json_u64(j, "msgs_rx", c->msgs_rx);
	lu2k_json_u64(j, "bytes_tx", c->bytes_tx);
	lu2k_json_u64(j, "bytes_rx", c->bytes_rx);
	lu2k_json_u64(j, "bytes_acked", st.bytes_acked);
	lu2k_json_i64(j, "rtt_us", st.rtt_us);
	lu2k_json_i64(j, "rttvar_us", st.rttvar_us);
	lu2k_json_i64(j, "bandwidth_pps", st.bandwidth_pps);
	lu2k_json_u64(j, "pairs_apart", st.pairs_apart);
	lu2k_json_i64(j, "rcv_rate_pps", st.rcv_rate_pps);
	lu2k_json_u64(j, "start_rate_pps", c->start_rate_pps);
	lu2k_json_i64(j, "path_rate_pps", st.path_rate_pps);
	lu2k_json_i64(j, "hs_capacity_pps", st.hs_capacity_pps);
	/* the pacing rate the CC allows, in kbit/s of full packets */
	lu2k_json_u64(j, "send_rate_kbps",
		      st.pkt_snd_period_us > 0 ? (uint64_t)((double)c->be->ucfg.mss * 8 * 1000 /
							    st.pkt_snd_period_us)
					       : 0);
	lu2k_json_u64(j, "pkt_snd_period_ns", (uint64_t)(st.pkt_snd_period_us * LU2K_NS_PER_US));
	lu2k_json_u64(j, "cwnd", (uint64_t)st.cwnd);
	lu2k_json_i64(j, "flow_window", st.flow_window);
	lu2k_json_u64(j, "inflight", st.inflight);
	lu2k_json_u64(j, "pkts_sent", st.pkts_sent);
	lu2k_json_u64(j, "pkts_retrans", st.pkts_retrans);
	lu2k_json_u64(j, "pkts_recv", st.pkts_recv);
	lu2k_json_u64(j, "pkts_dup", st.pkts_dup);
	lu2k_json_u64(j, "snd_loss", st.snd_loss);
	lu2k_json_u64(j, "rcv_loss", st.rcv_loss);
	lu2k_json_u64(j, "naks_sent", st.naks_sent);
	lu2k_json_u64(j, "naks_recv", st.naks_recv);
	lu2k_json_u64(j, "naks_overtaken", st.naks_overtaken);
	lu2k_json_u64(j, "naks_redo", st.naks_redo);
	lu2k_json_u64(j, "acks_sent", st.acks_sent);
	lu2k_json_u64(j, "acks_recv", st.acks_recv);
	lu2k_json_u64(j, "timeouts", st.timeouts);
	/* the CC read the link's rate stepping down / up (a modem's adaptive coding) */
	lu2k_json_u64(j, "link_steps_down", st.link_steps_down);
	lu2k_json_u64(j, "link_steps_up", st.link_steps_up);
	lu2k_json_u64(j, "probes", st.probes);
	/* small messages first (doc/udt-cc.md): sent twice, ahead of bulk, into a bulk message */
	lu2k_json_u64(j, "dup_tails", st.dup_tails);
	lu2k_json_u64(j, "tail_probes", st.tail_probes);
	lu2k_json_u64(j, "small_ahead", st.small_ahead);
	lu2k_json_u64(j, "small_nested", st.small_nested);
	lu2k_json_bool(j, "nest", st.nest != 0);
	/* parity for small messages (doc/udt-fec.md): negotiated, then on while loss is seen */
	lu2k_json_bool(j, "fec", st.fec != 0);
	lu2k_json_bool(j, "fec_active", st.fec_active != 0);
	lu2k_json_u64(j, "fec_loss_ppm", st.fec_loss_ppm);
	lu2k_json_u64(j, "fec_parity_sent", st.fec_parity_sent);
	lu2k_json_u64(j, "fec_dups", st.fec_dups);
	lu2k_json_u64(j, "fec_parity_recv", st.fec_parity_recv);
	lu2k_json_u64(j, "fec_recovered", st.fec_recovered);
	lu2k_json_u64(j, "fec_lost2", st.fec_lost2);
	lu2k_json_u64(j, "fec_unneeded", st.fec_unneeded);
	lu2k_json_u64(j, "fec_bad", st.fec_bad);
	lu2k_json_u64(j, "fec_naks_saved", st.fec_naks_saved);
	lu2k_json_u64(j, "pkts_bad", st.pkts_bad);
	lu2k_json_u64(j, "rx_memory", st.rcv_mem);
	lu2k_json_u64(j, "pkts_no_mem", st.pkts_no_mem);
	lu2k_json_u64(j, "msgs_placed", st.msgs_placed);
	lu2k_json_u64(j, "pkts_placed", st.pkts_placed);
	if (c->out) {
		lu2k_json_u64(j, "queued", c->ntxq);
		lu2k_json_u64(j, "cancels", c->cancels);
	} else {
		/* refusals: offers the core had no room for (the engine keeps them) */
		lu2k_json_u64(j, "refusals", st.msgs_refused);
		lu2k_json_bool(j, "rx_paused", c->rx_paused);
	}
	udtb_sec_conn_info(c, j);
}

void udtb_stats(struct lu2k_be *be, struct lu2k_json *j)
{
	const struct udtb_stats *s = &be->st;
	uint64_t unproved_full = 0;
	struct lu2k_list *pos;

	lu2k_list_for_each(pos, &be->listeners)
	{
		unproved_full +=
			lu2k_container_of(pos, struct lu2k_be_listener, link)->hs.unproved_full;
	}
	lu2k_json_str(j, "cc", be->cc);
	lu2k_json_i64(j, "mss", be->ucfg.mss);
	lu2k_json_u64(j, "window", be->ucfg.flight_max);
	lu2k_json_u64(j, "send_buffer", be->ucfg.snd_buf_bytes);
	lu2k_json_i64(j, "rcvbuf", be->sock_rcvbuf);
	lu2k_json_i64(j, "sndbuf", be->sock_sndbuf);
	lu2k_json_u64(j, "conns", be->nconns);
	lu2k_json_u64(j, "conns_now_in", be->nconns_in);
	lu2k_json_u64(j, "conns_now_out", be->nconns_out);
	lu2k_json_u64(j, "listeners", s->listeners);
	lu2k_json_u64(j, "conns_out", s->conns_out);
	lu2k_json_u64(j, "conns_in", s->conns_in);
	lu2k_json_u64(j, "handshakes", s->handshakes);
	lu2k_json_u64(j, "hs_rejects", s->hs_rejects);
	lu2k_json_u64(j, "hs_probes", s->hs_probes);
	lu2k_json_u64(j, "refused", s->refused);
	lu2k_json_u64(j, "connect_errors", s->connect_errors);
	lu2k_json_u64(j, "conns_failed", s->conns_failed);
	lu2k_json_u64(j, "conns_closed_by_peer", s->conns_closed_by_peer);
	lu2k_json_u64(j, "no_progress", s->no_progress);
	lu2k_json_u64(j, "hello_timeouts", s->hello_timeouts);
	lu2k_json_u64(j, "peer_timeouts", s->peer_timeouts);
	lu2k_json_u64(j, "malformed", s->malformed);
	lu2k_json_u64(j, "too_many_conns", s->too_many_conns);
	lu2k_json_u64(j, "too_many_from_source", s->too_many_from_source);
	lu2k_json_u64(j, "too_many_from_prefix", s->too_many_from_prefix);
	lu2k_json_u64(j, "too_many_halfopen", s->too_many_halfopen);
	lu2k_json_u64(j, "halfopen_evicted", s->halfopen_evicted);
	lu2k_json_u64(j, "rx_memory", be->rxmem.used);
	lu2k_json_u64(j, "rx_memory_peak", be->rxmem.peak);
	lu2k_json_u64(j, "max_rx_memory", be->rxmem.max);
	lu2k_json_u64(j, "rx_memory_drops", be->rxmem.drops);
	lu2k_json_u64(j, "flow_sock_pkts", be->rxmem.flow_sock);
	lu2k_json_u64(j, "flow_pkts",
		      be->rxmem.flow_pkts == UDT_RXMEM_FLOW_OFF ? 0 : be->rxmem.flow_pkts);
	lu2k_json_u64(j, "flows", be->rxmem.flows);
	lu2k_json_u64(j, "flow_share", udt_rxmem_flow_share(&be->rxmem));
	lu2k_json_u64(j, "flow_cuts", be->rxmem.flow_cuts);
	lu2k_json_u64(j, "flow_held", be->rxmem.flow_held);
	lu2k_json_u64(j, "flow_ups", be->rxmem.flow_ups);
	lu2k_json_u64(j, "flow_downs", be->rxmem.flow_downs);
	lu2k_json_u64(j, "msgs_too_long", s->msgs_too_long);
	lu2k_json_u64(j, "rx_stalls", s->rx_stalls);
	lu2k_json_u64(j, "paths_learnt", be->paths.learnt);
	lu2k_json_u64(j, "paths_used", be->paths.used);
	lu2k_json_u64(j, "paths_expired", be->paths.expired);
	lu2k_json_u64(j, "mss_learnt", be->paths.mss_learnt);
	lu2k_json_u64(j, "mss_used", be->paths.mss_used);
	lu2k_json_u64(j, "tokens_learnt", be->tokens.learnt);
	lu2k_json_u64(j, "tokens_used", be->tokens.used);
	lu2k_json_u64(j, "hs_unproved", s->hs_unproved);
	lu2k_json_u64(j, "hs_unproved_full", unproved_full);
	lu2k_json_u64(j, "early_started", s->early_started);
	lu2k_json_u64(j, "early_used", s->early_used);
	lu2k_json_u64(j, "first_flight", be->ucfg.first_flight);
	lu2k_json_u64(j, "first_up", s->first_up);
	lu2k_json_u64(j, "first_pkts", s->first_pkts);
	lu2k_json_u64(j, "first_unknown", s->first_unknown);
	lu2k_json_u64(j, "msgs_tx", s->msgs_tx);
	lu2k_json_u64(j, "msgs_rx", s->msgs_rx);
	lu2k_json_u64(j, "bytes_tx", s->bytes_tx);
	lu2k_json_u64(j, "bytes_rx", s->bytes_rx);
	lu2k_json_u64(j, "rx_pauses", s->rx_pauses);
	lu2k_json_u64(j, "rx_resumes", s->rx_resumes);
	lu2k_json_u64(j, "cancels", s->cancels);
	lu2k_json_u64(j, "enobufs", s->enobufs);
	lu2k_json_u64(j, "dgrams_rx", s->dgrams_rx);
	lu2k_json_u64(j, "dgrams_tx", s->dgrams_tx);
	lu2k_json_u64(j, "recvmmsg_calls", s->recvmmsg_calls);
	lu2k_json_u64(j, "sendmmsg_calls", s->sendmmsg_calls);
	lu2k_json_u64(j, "send_blocked", s->send_blocked);
	lu2k_json_u64(j, "gso_msgs", s->gso_msgs);
	lu2k_json_u64(j, "gso_refused", s->gso_refused);
	lu2k_json_u64(j, "gro_bufs", s->gro_bufs);
	lu2k_json_u64(j, "sock_rx_drops", s->sock_rx_drops);
	lu2k_json_u64(j, "rx_late_1ms", s->rx_late_1ms);
	lu2k_json_u64(j, "rx_late_16ms", s->rx_late_16ms);
	lu2k_json_u64(j, "rx_placed", s->rx_placed);
	lu2k_json_u64(j, "rx_place_declined", s->rx_place_declined);
	lu2k_json_u64(j, "parked", s->parked);
	lu2k_json_u64(j, "send_errors", s->send_errors);
	lu2k_json_u64(j, "unknown_dst", s->unknown_dst);
	lu2k_json_u64(j, "unknown_told", s->unknown_told);
	lu2k_json_u64(j, "unknown_told_limited", s->unknown_told_limited);
	lu2k_json_u64(j, "unknown_heard", s->unknown_heard);
	lu2k_json_u64(j, "unknown_denied", s->unknown_denied);
	lu2k_json_u64(j, "peer_gone", s->peer_gone);
	lu2k_json_u64(j, "wrong_addr", s->wrong_addr);
	lu2k_json_u64(j, "bad_pkts", s->bad_pkts);
	lu2k_json_u64(j, "truncated", s->truncated);
	udtb_sec_stats(be, j);
}

int udtb_path_stats(struct lu2k_be_conn *c, struct lu2k_be_path_stats *ps)
{
	struct udt_stats st;

	udt_conn_get_stats(c->u, &st);
	/*
	 * Up before the response (first flight): the engine's RTT is still its
	 * starting guess (100 ms, or a remembered one), no measure. Multipath
	 * would judge the path's silence by it and leave a satellite hop
	 * before its first answer could come back.
	 */
	if (udt_conn_state(c->u) == UDT_ST_CONNECTING)
		ps->rtt_ns = 0;
	else
		ps->rtt_ns = st.rtt_us > 0 ? lu2k_time_us_to_ns((uint64_t)st.rtt_us) : 0;
	ps->acks = st.acks_recv + st.naks_recv; /* either says the far end hears us */
	ps->pkts_sent = st.pkts_sent;
	ps->pkts_retrans = st.pkts_retrans;
	ps->unsent = st.snd_unsent;
	return 0;
}
