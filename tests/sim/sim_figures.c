// SPDX-License-Identifier: MIT
/*
 * sim_figures.c - what a finished simulated run measured: goodput against
 * capacity, the bottleneck queue's delay, the probes' times and the start
 * (sim_xfer.h's sim_result).
 */
#include "sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sim_fig_result(struct flow *w, struct sim_result *r)
{
	const struct sim_scenario *s = w->s;
	struct net *n = w->net;
	double dt;

	memset(r, 0, sizeof(*r));
	r->complete = sim_flow_finished(w) && w->acked == w->nmsgs;
	r->bad = w->bad;
	r->msgs = w->nmsgs;
	r->acked = w->acked;
	r->dropped = w->dropped;
	r->delivered = w->delivered;
	r->capacity_mbps = sim_capacity_mbps(s);
	if (w->t_connected) {
		uint64_t t_end = w->t_last_ack > w->t_last_deliv ? w->t_last_ack : w->t_last_deliv;

		r->sim_s = (double)((r->complete ? t_end : n->now) - w->t_connected) / 1e9;
		dt = (double)(w->t_last_deliv - w->t_connected) / 1e9;
		r->deliv_s = w->t_last_deliv > w->t_connected ? dt : 0;
		if (dt > 0)
			r->goodput_mbps = (double)w->delivered_bytes * 8 / dt / 1e6;
		r->pct = 100.0 * r->goodput_mbps / r->capacity_mbps;
		dt = (double)(w->t_last_deliv - w->t_half) / 1e9;
		if (w->t_half && dt > 0)
			r->steady_pct = 100.0 * ((double)(s->bytes - s->bytes / 2) * 8 / dt / 1e6) /
					r->capacity_mbps;
	}
	if (w->nsparse && w->t_bulk && r->complete) {
		uint64_t t_end = w->t_last_ack > w->t_last_deliv ? w->t_last_ack : w->t_last_deliv;

		r->bulk_s = (double)(t_end - w->t_bulk) / 1e9;
		if (r->bulk_s > 0)
			r->bulk_mbps = (double)s->bytes * 8 / r->bulk_s / 1e6;
		r->bulk_pct = 100.0 * r->bulk_mbps / r->capacity_mbps;
	}
	r->at_bulk = w->at_bulk;
	if (w->t_resume && r->complete) {
		uint64_t t_end = w->t_last_ack > w->t_last_deliv ? w->t_last_ack : w->t_last_deliv;

		r->resume_s = (double)(t_end - w->t_resume) / 1e9;
		r->at_resume = w->at_resume;
	}
	r->data_lost = linkem_dir_counters(&n->ab)->lost_pkts;
	r->data_qdrops = linkem_dir_counters(&n->ab)->drop_queue;
	if (w->cl)
		udt_conn_get_stats(w->cl, &r->snd);
	if (w->sv)
		udt_conn_get_stats(w->sv, &r->rcv);
	r->retrans = r->snd.pkts_retrans;
}

/* Percentiles of the queueing delay histogram (all flows together). */
void sim_fig_qdelay(const struct net *n, struct sim_result *r)
{
	uint64_t tot = 0, acc = 0;
	int i, have50 = 0;

	for (i = 0; i <= SIM_QD_BINS; i++)
		tot += n->qd[i];
	r->qdelay_n = tot;
	for (i = 0; i <= SIM_QD_BINS && tot; i++) {
		acc += n->qd[i];
		if (!have50 && acc * 2 >= tot) {
			r->qdelay_p50_ms = i;
			have50 = 1;
		}
		if (acc * 100 >= tot * 95) {
			r->qdelay_p95_ms = i;
			break;
		}
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double sim_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * From rel s after the first data packet: s to the end of the first 100 ms
 * in which the receiver got need packets, which the next 200 ms keep up (-1:
 * never).
 */
static double first_90(const uint32_t *bins, double rel, double need)
{
	for (unsigned int b = (unsigned int)(rel * 10 + 0.999); b + 2 < SIM_RX_BINS; b++)
		if (bins[b] >= need && bins[b + 1] >= need && bins[b + 2] >= need)
			return (double)(b + 1) / 10 - rel;
	return -1;
}

/*
 * The start: from the first data packet sent, when the receiver first got
 * 90 % of the link's packet rate over 300 ms (three bins), and when the first
 * message (1 MiB) completed at the sender.
 */
void sim_fig_start(struct flow *w, struct sim_result *r)
{
	const struct sim_scenario *s = w->s;
	double pps = (double)s->rate_bps / 8 / 1500, need = 0.9 * pps * 0.3;
	unsigned int b;

	r->t90_s = -1;
	for (b = 2; b < SIM_RX_BINS && w->t_first_data; b++)
		if (w->rx_bins[b] + w->rx_bins[b - 1] + w->rx_bins[b - 2] >= need) {
			r->t90_s = (double)(b + 1) / 10;
			break;
		}
	r->t70_s = -1;
	for (b = 2; b < SIM_RX_BINS && w->t_first_data; b++)
		if (w->rx_bins[b] + w->rx_bins[b - 1] + w->rx_bins[b - 2] >= need * 7 / 9) {
			r->t70_s = (double)(b + 1) / 10;
			break;
		}
	r->t_first_msg_s = w->t_first_done && w->t_first_data
				   ? (double)(w->t_first_done - w->t_first_data) / 1e9
				   : -1;
	r->t90_return_s = -1;
	r->t90_after_step_s = -1;
	if (s->step_ms && w->t_first_data) {
		uint64_t at = lu2k_time_ms_to_ns(1000 + s->step_at_ms);
		uint64_t back = at + lu2k_time_ms_to_ns(s->step_ms);
		double rel_at = at > w->t_first_data ? (double)(at - w->t_first_data) / 1e9 : 0;
		double rel = back > w->t_first_data ? (double)(back - w->t_first_data) / 1e9 : 0;
		unsigned int b0 = (unsigned int)(rel_at * 10 + 30.999),
			     b1 = (unsigned int)(rel * 10);
		double got = 0;

		for (b = b0; b < b1 && b < SIM_RX_BINS; b++)
			got += w->rx_bins[b];
		if (b1 > b0 && b1 <= SIM_RX_BINS)
			r->step_pct =
				100.0 * got / ((double)s->step_bps / 8 / 1500 * (b1 - b0) / 10);
		r->t90_after_step_s = first_90(w->rx_bins, rel, need / 3);
	}
	r->outage_sends = w->outage_sends;
	r->outage_max_repeat = w->outage_max_repeat;
	r->outage_back_ms = w->outage_waited ? (double)w->outage_back_ns / 1e6 : -1;
	if (s->outage_ms && w->t_first_data) {
		uint64_t back = sim_outage_end_ns(s);
		double rel = back > w->t_first_data ? (double)(back - w->t_first_data) / 1e9 : 0;

		r->t90_return_s = first_90(w->rx_bins, rel, need / 3);
	}
}

/*
 * A step under several flows: what they got together, on the clock's own
 * 100 ms bins (each flow's bins count from its first data packet).
 */
void sim_fig_step_all(const struct net *n, struct sim_result *r)
{
	static uint32_t all[SIM_RX_BINS];
	const struct sim_scenario *s = n->s;
	double need = 0.9 * (double)s->rate_bps / 8 / 1500 / 10, got = 0;
	unsigned int i, b, at, back;

	r->step_all_pct = 0;
	r->t90_all_after_step_s = -1;
	r->step_qdrops = 0;
	if (!s->step_ms || !n->step_begun)
		return;
	r->step_qdrops = linkem_dir_counters(&n->ab)->drop_queue - n->qdrops_at_step;
	memset(all, 0, sizeof(all));
	for (i = 0; i < n->n; i++) {
		const struct flow *w = &n->f[i];
		unsigned int off = (unsigned int)(w->t_first_data / (100 * LU2K_NS_PER_MS));

		for (b = 0; w->t_first_data && b + off < SIM_RX_BINS; b++)
			all[b + off] += w->rx_bins[b];
	}
	at = (unsigned int)(sim_step_start_ns(s) / (100 * LU2K_NS_PER_MS)) + 30;
	back = (unsigned int)((sim_step_start_ns(s) + lu2k_time_ms_to_ns(s->step_ms)) /
			      (100 * LU2K_NS_PER_MS));
	for (b = at; b < back && b < SIM_RX_BINS; b++)
		got += all[b];
	if (back > at && back <= SIM_RX_BINS)
		r->step_all_pct = 100.0 * got / ((double)s->step_bps / 8 / 1500 * (back - at) / 10);
	r->t90_all_after_step_s = first_90(all, (double)back / 10, need);
}

/* Completion times of the probes that were acknowledged. */
void sim_fig_probes(struct flow *w, struct sim_result *r)
{
	static double v[SIM_MAX_PROBES];
	uint32_t i, n = 0;

	for (i = 0; i < w->nprobes; i++)
		if (w->probe_got[i])
			v[n++] = w->probe_deliv_ms[i];
	r->probes_delivered = n;
	if (n) {
		qsort(v, n, sizeof(v[0]), cmp_double);
		r->deliv_p50_ms = v[(n - 1) / 2];
		r->deliv_p99_ms = v[(n - 1) * 99 / 100];
	}
	/* the prologue's messages that were delivered */
	n = 0;
	for (i = 0; i < w->nsparse && i < SIM_MAX_PROBES; i++)
		if (w->got[i])
			v[n++] = w->sp_ms[i];
	if (n) {
		qsort(v, n, sizeof(v[0]), cmp_double);
		r->sparse_p50_ms = v[(n - 1) / 2];
		r->sparse_p99_ms = v[(n - 1) * 99 / 100];
		r->sparse_max_ms = v[n - 1];
	}
	n = 0;
	r->probes = w->nprobes;
	for (i = 0; i < w->nprobes; i++)
		if (w->probe_done[i])
			v[n++] = w->probe_ms[i];
	r->probes_acked = n;
	if (!n)
		return;
	qsort(v, n, sizeof(v[0]), cmp_double);
	r->probe_p50_ms = v[(n - 1) / 2];
	r->probe_p99_ms = v[(n - 1) * 99 / 100];
	r->probe_max_ms = v[n - 1];
	n = 0;
	for (i = 0; i < w->nprobes; i++)
		if (w->answer_got[i])
			v[n++] = w->answer_ms[i];
	r->answers = n;
	if (!n)
		return;
	qsort(v, n, sizeof(v[0]), cmp_double);
	r->rt_p50_ms = v[(n - 1) / 2];
	r->rt_p90_ms = v[(n - 1) * 90 / 100];
	r->rt_p99_ms = v[(n - 1) * 99 / 100];
	r->rt_max_ms = v[n - 1];
}

/*
 * SIM_BINS=1 (experiments): the data packets that reached the receiver in
 * each second, as % of what the link carries at most, to stderr; where a
 * run loses time to the link (a start, a probe, a repair at the end).
 */
void sim_fig_bins(const struct flow *w)
{
	double per_s = (double)w->s->rate_bps / 8 / 1500;
	uint64_t end = w->t_last_deliv > w->t_first_data ? w->t_last_deliv - w->t_first_data : 0;
	unsigned int b, nb = (unsigned int)(end / lu2k_time_ms_to_ns(100)) + 1;

	if (!w->t_first_data)
		return;
	if (nb > SIM_RX_BINS)
		nb = SIM_RX_BINS;
	fprintf(stderr,
		"B%u from connected to the first data %.3f s, to the last delivery %.3f s\n",
		(unsigned int)(w - w->net->f), (double)(w->t_first_data - w->t_connected) / 1e9,
		(double)(w->t_last_deliv - w->t_connected) / 1e9);
	for (b = 0; b < nb; b += 10) {
		unsigned int k, sum = 0;

		fprintf(stderr, "B%u %3u s", (unsigned int)(w - w->net->f), b / 10);
		for (k = b; k < b + 10 && k < nb; k++) {
			fprintf(stderr, " %3.0f", 100.0 * w->rx_bins[k] / (per_s / 10));
			sum += w->rx_bins[k];
		}
		fprintf(stderr, " | %5.1f %%\n", 100.0 * sum / (per_s * (k - b) / 10));
	}
}
