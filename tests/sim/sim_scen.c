// SPDX-License-Identifier: MIT
/*
 * sim_scen.c - the scenarios of the simulated transfers (sim_xfer.h): the
 * standard matrix, the link's capacity and the time bounds the tests
 * assert, which tests run (SIM_ONLY), and the line each prints.
 */
#include "sim_xfer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t sim_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint64_t sim_stall_end(const struct sim_scenario *s, int side, uint64_t t)
{
	const uint64_t t0 = LU2K_NS_PER_S; /* the clock's start (sim_run_shared) */
	uint64_t per = lu2k_time_ms_to_ns(s->stall_every_ms), k, h, len, span, start;

	if (!(side ? s->stall_rcv : s->stall_snd) || !per || !s->stall_max_ms || t < t0)
		return 0;
	k = (t - t0) / per;
	h = sim_mix(s->seed * 0x100000001b3ull ^ (uint64_t)side << 62 ^ k);
	span = s->stall_max_ms > s->stall_min_ms ? s->stall_max_ms - s->stall_min_ms + 1 : 1;
	len = lu2k_time_ms_to_ns(s->stall_min_ms + h % span);
	if (len >= per)
		len = per - 1;
	start = t0 + k * per + (h >> 32) % (per - len);
	return t >= start && t < start + len ? start + len : 0;
}

int sim_selected(unsigned int i)
{
	const char *e = getenv("SIM_ONLY");

	return !e || !*e || strtoul(e, NULL, 10) == i;
}

void sim_bulk(struct sim_scenario *s, const char *name, uint64_t rtt_ms, double loss, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->cc = getenv("SIM_CC") ? getenv("SIM_CC") : "lossy";
	s->rtt_ms = rtt_ms;
	s->rate_bps = 50000000;
	s->loss = loss;
	s->bytes = 100u << 20;
	s->msg_size = 1 << 20;
	s->limit_s = 600;
	s->seed = seed;
}

double sim_capacity_mbps(const struct sim_scenario *s)
{
	double payload = 1500 - SIM_OVERHEAD - 16 - 0.0; /* mss - IP/UDP - UDT header */

	return (double)s->rate_bps / 1e6 * (1.0 - s->loss) * payload / 1500.0;
}

void sim_print(const struct sim_scenario *s, const struct sim_result *r)
{
	printf("%-6s %-26s %5.1f MB %7.2f s  %6.2f Mbit/s = %5.1f %% of %5.2f (2nd half %5.1f %%)"
	       "  lost %llu qdrop %llu rexmit %llu naks %llu exp %llu%s\n",
	       s->cc, s->name, (double)s->bytes / 1e6, r->sim_s, r->goodput_mbps, r->pct,
	       r->capacity_mbps, r->steady_pct, (unsigned long long)r->data_lost,
	       (unsigned long long)r->data_qdrops, (unsigned long long)r->retrans,
	       (unsigned long long)r->snd.naks_recv, (unsigned long long)r->snd.timeouts,
	       r->complete ? "" : "  INCOMPLETE");
	if (r->t90_s > 0)
		printf("       start: 90 %% of the link (over 300 ms) %.1f s = %.1f RTT after the "
		       "first data packet, "
		       "first message acknowledged after %.2f s\n",
		       r->t90_s, r->t90_s * 1000 / (double)s->rtt_ms, r->t_first_msg_s);
	fflush(stdout);
}

void sim_tcp_print(const struct sim_scenario *s, unsigned int i, const struct sim_tcp_result *r)
{
	printf("%-6s %-26s %5.1f MB %7.2f s  %6.2f Mbit/s  (TCP flow %u)  rexmit %llu "
	       "recoveries %llu rto %llu, cwnd %.0f, srtt %.0f ms (min %.0f)%s%s\n",
	       s->tcp_cc ? s->tcp_cc : "cubic", s->name,
	       (double)(s->tcp_bytes ? s->tcp_bytes : s->bytes) / 1e6, r->sim_s, r->goodput_mbps, i,
	       (unsigned long long)r->retrans, (unsigned long long)r->recoveries,
	       (unsigned long long)r->rtos, r->cwnd, r->srtt_ms, r->min_rtt_ms,
	       r->hystart_exit ? ", left slow start on HyStart" : "",
	       r->complete ? "" : "  INCOMPLETE");
	fflush(stdout);
}

void sim_matrix(struct sim_scenario out[SIM_MATRIX_N], const char *cc, size_t bytes)
{
	static const uint64_t rtts[3] = { 1, 200, 600 };
	static const char *const names[SIM_MATRIX_N] = {
		"rtt 1 ms, no loss",	"rtt 1 ms, loss 1 %",	  "rtt 1 ms, loss 3 %",
		"rtt 1 ms, bursty 1 %", "rtt 200 ms, no loss",	  "rtt 200 ms, loss 1 %",
		"rtt 200 ms, loss 3 %", "rtt 200 ms, bursty 1 %", "rtt 600 ms, no loss",
		"rtt 600 ms, loss 1 %", "rtt 600 ms, loss 3 %",	  "rtt 600 ms, bursty 1 %",
	};
	static const double loss[4] = { 0, 0.01, 0.03, 0.01 };
	int i;

	/* SIM_SEED=n: another draw of every link's random loss (seed + 100 n) */
	const char *e = getenv("SIM_SEED");
	uint64_t seed_base = e ? 100 * strtoull(e, NULL, 10) : 0;

	for (i = 0; i < SIM_MATRIX_N; i++) {
		struct sim_scenario *s = &out[i];

		memset(s, 0, sizeof(*s));
		s->name = names[i];
		s->cc = cc;
		s->rtt_ms = rtts[i / 4];
		s->rate_bps = 50000000;
		s->loss = loss[i % 4];
		s->bursty = i % 4 == 3;
		s->bytes = bytes;
		s->msg_size = 1 << 20;
		s->limit_s = 3600;
		s->seed = 1 + (uint64_t)i + seed_base;
	}
}

double sim_bound_s(const struct sim_scenario *s, double min_pct, double rtts, double slack_s)
{
	double cap = sim_capacity_mbps(s) * 1e6 / 8; /* bytes/s */

	return (double)s->bytes / (cap * min_pct / 100.0) + rtts * (double)s->rtt_ms / 1000.0 +
	       slack_s;
}
