/* SPDX-License-Identifier: MIT */
/* report.c - lu2k-perf client output: the progress line, the summary, JSON. */
#include "client.h"

#include <stdlib.h>
#include <string.h>

#include "units.h"

#include "common/nid.h"

static const char *const mode_names[] = { "bulk", "get", "ping", "stream" };

void cli_interval(struct cli *c, uint64_t now, bool progress)
{
	uint64_t errors = c->failed + c->corrupt + c->lost;
	double secs = (double)(now - c->t0) / 1e9, len;
	struct cli_sample *s;
	char rate[32], p50[32];
	FILE *f;

	if (c->nsamples == c->cap_samples) {
		size_t cap = c->cap_samples ? 2 * c->cap_samples : 64;
		struct cli_sample *ns = realloc(c->samples, cap * sizeof(*ns));

		if (!ns)
			return; /* the run goes on; only its samples stop */
		c->samples = ns;
		c->cap_samples = cap;
	}
	s = &c->samples[c->nsamples++];
	s->t = secs;
	s->ok = c->ok - c->last_ok;
	s->bytes = c->bytes_ok - c->last_bytes;
	s->errors = errors - c->last_errors;
	s->inflight = c->inflight;
	s->lat_n = c->ilat.count;
	s->lat_p50 = c->ilat.count ? perf_hist_pct(&c->ilat, 50) : 0;
	s->lat_p99 = c->ilat.count ? perf_hist_pct(&c->ilat, 99) : 0;
	s->acked = perf_acked_poll(&c->acked, progress ? stderr : NULL);
	c->last_ok = c->ok;
	c->last_bytes = c->bytes_ok;
	c->last_errors = errors;
	perf_hist_init(&c->ilat);
	if (!progress)
		return;
	len = c->nsamples > 1 ? secs - c->samples[c->nsamples - 2].t : secs;
	if (len <= 0)
		len = 1e-9;
	f = c->o->json ? stderr : stdout;
	fprintf(f, "%6.1fs  %llu ok  %s  %.0f msg/s", secs, (unsigned long long)c->ok,
		perf_fmt_rate((double)s->bytes * 8 / len, rate, sizeof(rate)), (double)s->ok / len);
	if (s->acked >= 0)
		fprintf(f, "  acked %s",
			perf_fmt_rate((double)s->acked * 8 / len, rate, sizeof(rate)));
	if (s->lat_n)
		fprintf(f, "  %s p50 %s", c->o->mode == PERF_STREAM ? "frame delay" : "rtt",
			perf_fmt_time((double)s->lat_p50, p50, sizeof(p50)));
	fprintf(f, "  errors %llu  in flight %llu", (unsigned long long)errors,
		(unsigned long long)c->inflight);
	if (c->o->mode == PERF_STREAM)
		fprintf(f, "  frames %llu on time, %llu late, %llu lost",
			(unsigned long long)c->frames_ontime, (unsigned long long)c->frames_late,
			(unsigned long long)c->frames_lost);
	fputc('\n', f);
	fflush(f);
}

void cli_interval_last(struct cli *c, uint64_t now, uint64_t last_tick)
{
	uint64_t errors = c->failed + c->corrupt + c->lost;
	struct cli_sample *s;

	if (!c->nsamples || now - last_tick >= c->o->interval_ns / 10) {
		cli_interval(c, now, false);
		return;
	}
	s = &c->samples[c->nsamples - 1];
	s->t = (double)(now - c->t0) / 1e9;
	s->ok += c->ok - c->last_ok;
	s->bytes += c->bytes_ok - c->last_bytes;
	{
		int64_t a = perf_acked_poll(&c->acked, NULL);

		s->acked = a < 0 || s->acked < 0 ? -1 : s->acked + a;
	}
	s->errors += errors - c->last_errors;
	s->inflight = c->inflight;
	c->last_ok = c->ok;
	c->last_bytes = c->bytes_ok;
	c->last_errors = errors;
}

/* Why a run failed, in words (empty if it passed). */
static void fail_reason(const struct cli *c, bool late_ok, char *buf, size_t len)
{
	const struct perf_opts *o = c->o;
	size_t n = 0;
	char t[32];

#define ADD(...)                                                                      \
	do {                                                                          \
		if (n < len)                                                          \
			n += (size_t)snprintf(buf + n, len - n, "%s", n ? "; " : ""); \
		if (n < len)                                                          \
			n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__);         \
	} while (0)
	buf[0] = 0;
	if (c->fatal)
		ADD("sending stopped: lu2k_send: %s", strerror(-c->fatal));
	if (c->failed)
		ADD("%llu failed (lu2kd reported an error: see its log)",
		    (unsigned long long)c->failed);
	if (c->lost)
		ADD("%llu lost (no answer within --timeout %s)", (unsigned long long)c->lost,
		    perf_fmt_time((double)o->timeout_ns, t, sizeof(t)));
	if (c->corrupt)
		ADD("%llu corrupt (the payload did not check out)", (unsigned long long)c->corrupt);
	if (!c->ok && !c->failed && !c->lost && !c->corrupt && !c->fatal)
		ADD("no message completed");
	if (c->ok + c->failed + c->lost + c->corrupt < c->sent)
		ADD("%llu of %llu sent never finished",
		    (unsigned long long)(c->sent - c->ok - c->failed - c->lost - c->corrupt),
		    (unsigned long long)c->sent);
	if (o->mode == PERF_STREAM && c->frames_lost)
		ADD("%llu frames lost", (unsigned long long)c->frames_lost);
	if (o->mode == PERF_STREAM && !late_ok)
		ADD("%llu of %llu frames late (> --deadline %s; --late-ok %u %%)",
		    (unsigned long long)c->frames_late,
		    (unsigned long long)(c->frames_late + c->frames_ontime),
		    perf_fmt_time((double)o->deadline_ns, t, sizeof(t)), o->late_ok_pct);
#undef ADD
}

static void json_intervals(const struct cli *c)
{
	printf("\"interval_s\":%.3f,\"intervals\":[", (double)c->o->interval_ns / 1e9);
	for (size_t i = 0; i < c->nsamples; i++) {
		const struct cli_sample *s = &c->samples[i];
		double len = s->t - (i ? c->samples[i - 1].t : 0);
		char acked[24] = "null";

		if (len <= 0)
			len = 1e-9;
		if (s->acked >= 0)
			snprintf(acked, sizeof(acked), "%lld", (long long)s->acked);
		/* names of their own, so that a reader looking for the run's "ok" or
		 * "errors" (grep, jq's first match) never finds an interval's */
		printf("%s{\"t\":%.3f,\"msgs_ok\":%llu,\"bytes_ok\":%llu,\"bit_per_s\":%.0f,"
		       "\"msgs_err\":%llu,\"in_flight\":%llu,\"lat_n\":%llu,\"lat_p50_us\":%.1f,"
		       "\"lat_p99_us\":%.1f,\"bytes_acked\":%s}",
		       i ? "," : "", s->t, (unsigned long long)s->ok, (unsigned long long)s->bytes,
		       (double)s->bytes * 8 / len, (unsigned long long)s->errors,
		       (unsigned long long)s->inflight, (unsigned long long)s->lat_n,
		       (double)s->lat_p50 / 1e3, (double)s->lat_p99 / 1e3, acked);
	}
	printf("],");
}

static double us(uint64_t ns)
{
	return (double)ns / 1e3;
}

int cli_report(struct cli *c)
{
	const struct perf_opts *o = c->o;
	struct lu2k_ni_stats st;
	uint64_t errors = c->failed + c->corrupt + c->lost;
	uint64_t end = c->t_last > c->t0 ? c->t_last : perf_now_ns();
	double secs = (double)(end - c->t0) / 1e9;
	double gbps = secs > 0 ? (double)c->bytes_ok * 8 / secs / 1e9 : 0;
	double mps = secs > 0 ? (double)c->ok / secs : 0;
	uint64_t judged = c->frames_late + c->frames_ontime;
	bool late_ok = c->frames_late * 100 <= (uint64_t)o->late_ok_pct * judged;
	bool pass = !errors && !c->fatal && c->ok == c->sent && c->ok > 0 &&
		    (o->mode != PERF_STREAM || (!c->frames_lost && late_ok));
	char a[LU2K_NID_STRLEN], b[LU2K_NID_STRLEN], reason[512], r1[32], t[5][32];
	const struct perf_hist *h = &c->lat;
	int plot_rc = 0;

	if (pass)
		reason[0] = 0;
	else
		fail_reason(c, late_ok, reason, sizeof(reason));
	if (o->plot)
		plot_rc = perf_plot(c, o->plot);

	lu2k_ni_stats(c->ni, &st);
	lu2k_nid_format(&o->nid, a, sizeof(a));
	lu2k_nid_format(&o->peer, b, sizeof(b));
	if (o->json) {
		printf("{\"mode\":\"%s\",\"nid\":\"%s\",\"peer\":\"%s\",\"size\":%llu,"
		       "\"concurrency\":%u,\"seconds\":%.3f,\"sent\":%llu,\"ok\":%llu,"
		       "\"errors\":%llu,\"failed\":%llu,\"corrupt\":%llu,\"lost\":%llu,"
		       "\"stray\":%llu,\"bytes\":%llu,\"gbit_per_s\":%.4f,\"msgs_per_s\":%.1f,",
		       mode_names[o->mode], a, b, (unsigned long long)o->size, o->concurrency, secs,
		       (unsigned long long)c->sent, (unsigned long long)c->ok,
		       (unsigned long long)errors, (unsigned long long)c->failed,
		       (unsigned long long)c->corrupt, (unsigned long long)c->lost,
		       (unsigned long long)c->stray, (unsigned long long)c->bytes_ok, gbps, mps);
		printf("\"latency_us\":{\"count\":%llu,\"min\":%.1f,\"p50\":%.1f,\"p90\":%.1f,"
		       "\"p99\":%.1f,\"max\":%.1f,\"mean\":%.1f},",
		       (unsigned long long)h->count, h->count ? us(h->min) : 0.0,
		       us(perf_hist_pct(h, 50)), us(perf_hist_pct(h, 90)), us(perf_hist_pct(h, 99)),
		       us(h->max), perf_hist_mean(h) / 1e3);
		if (o->mode == PERF_STREAM)
			printf("\"stream\":{\"rate_bps\":%llu,\"fps\":%u,\"deadline_ms\":%.1f,"
			       "\"frames\":%llu,\"on_time\":%llu,\"late\":%llu,\"lost\":%llu,"
			       "\"warmup\":%llu,\"warmup_ms\":%.1f,\"late_ok_pct\":%u},",
			       (unsigned long long)o->rate_bps, o->fps,
			       (double)o->deadline_ns / 1e6, (unsigned long long)c->frames_done,
			       (unsigned long long)c->frames_ontime,
			       (unsigned long long)c->frames_late,
			       (unsigned long long)c->frames_lost,
			       (unsigned long long)c->frames_warmup, (double)o->warmup_ns / 1e6,
			       o->late_ok_pct);
		if (o->ping_every_ns && o->mode == PERF_BULK) {
			const struct perf_hist *p = &c->plat;

			printf("\"ping_latency_us\":{\"every_ms\":%.1f,\"sent\":%llu,\"ok\":%llu,"
			       "\"warmup_ms\":%.1f,\"count\":%llu,\"min\":%.1f,\"p50\":%.1f,"
			       "\"p90\":%.1f,\"p99\":%.1f,\"max\":%.1f},",
			       (double)o->ping_every_ns / 1e6, (unsigned long long)c->pings_sent,
			       (unsigned long long)c->pings_ok, (double)o->warmup_ns / 1e6,
			       (unsigned long long)p->count, p->count ? us(p->min) : 0.0,
			       us(perf_hist_pct(p, 50)), us(perf_hist_pct(p, 90)),
			       us(perf_hist_pct(p, 99)), us(p->max));
		}
		if (o->mode == PERF_PING) {
			const struct perf_hist *p = &c->plat;

			printf("\"settled_latency_us\":{\"warmup_ms\":%.1f,\"count\":%llu,"
			       "\"min\":%.1f,\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"max\":%.1f},",
			       (double)o->warmup_ns / 1e6, (unsigned long long)p->count,
			       p->count ? us(p->min) : 0.0, us(perf_hist_pct(p, 50)),
			       us(perf_hist_pct(p, 90)), us(perf_hist_pct(p, 99)), us(p->max));
		}
		json_intervals(c);
		printf("\"lib\":{\"eagain_credits\":%llu,\"eagain_pool\":%llu,\"eagain_ring\":%llu,"
		       "\"bad_cpl\":%llu,\"bad_cookie\":%llu,\"bad_rx\":%llu,\"bad_hdr\":%llu,"
		       "\"detaches\":%llu,\"reset_cpls\":%llu,\"watchdog_cpls\":%llu},"
		       "\"fatal\":%d,\"plot_error\":%d,\"reason\":\"%s\",\"pass\":%s}\n",
		       (unsigned long long)st.eagain_credits, (unsigned long long)st.eagain_pool,
		       (unsigned long long)st.eagain_ring, (unsigned long long)st.bad_cpl,
		       (unsigned long long)(st.bad_cookie_dup + st.bad_cookie_unknown),
		       (unsigned long long)st.bad_rx, (unsigned long long)st.bad_hdr,
		       (unsigned long long)st.detaches, (unsigned long long)st.reset_cpls,
		       (unsigned long long)st.watchdog_cpls, c->fatal, plot_rc, reason,
		       pass ? "true" : "false");
		return pass && !plot_rc ? 0 : 1;
	}
	if (o->mode == PERF_STREAM)
		printf("lu2k-perf stream: %s -> %s, %.1f Mbit/s, %u fps, frames of %llu bytes in "
		       "%u messages\n",
		       a, b, (double)o->rate_bps / 1e6, o->fps, (unsigned long long)c->frame_bytes,
		       c->frame_msgs);
	else
		printf("lu2k-perf %s: %s -> %s, size %llu, concurrency %u\n", mode_names[o->mode],
		       a, b, (unsigned long long)o->size, o->concurrency);
	printf("  messages  %llu sent, %llu ok, %llu errors (%llu failed, %llu corrupt, "
	       "%llu lost)\n",
	       (unsigned long long)c->sent, (unsigned long long)c->ok, (unsigned long long)errors,
	       (unsigned long long)c->failed, (unsigned long long)c->corrupt,
	       (unsigned long long)c->lost);
	printf("  rate      %llu bytes in %.2f s: %s, %.0f msgs/s\n",
	       (unsigned long long)c->bytes_ok, secs, perf_fmt_rate(gbps * 1e9, r1, sizeof(r1)),
	       mps);
	if (h->count)
		printf("  latency   min %s, p50 %s, p90 %s, p99 %s, max %s (mean %s%s)\n",
		       perf_fmt_time((double)h->min, t[0], sizeof(t[0])),
		       perf_fmt_time((double)perf_hist_pct(h, 50), t[1], sizeof(t[1])),
		       perf_fmt_time((double)perf_hist_pct(h, 90), t[2], sizeof(t[2])),
		       perf_fmt_time((double)perf_hist_pct(h, 99), t[3], sizeof(t[3])),
		       perf_fmt_time((double)h->max, t[4], sizeof(t[4])),
		       perf_fmt_time(perf_hist_mean(h), r1, sizeof(r1)),
		       o->mode == PERF_STREAM ? ", frame delivery after the warm-up" : "");
	if (o->ping_every_ns && o->mode == PERF_BULK && c->plat.count)
		printf("  pings     %llu sent, %llu ok, %llu after the warm-up: p50 %s, p90 %s, "
		       "p99 "
		       "%s, max %s (64 B GETs beside the bulk)\n",
		       (unsigned long long)c->pings_sent, (unsigned long long)c->pings_ok,
		       (unsigned long long)c->plat.count,
		       perf_fmt_time((double)perf_hist_pct(&c->plat, 50), t[0], sizeof(t[0])),
		       perf_fmt_time((double)perf_hist_pct(&c->plat, 90), t[1], sizeof(t[1])),
		       perf_fmt_time((double)perf_hist_pct(&c->plat, 99), t[2], sizeof(t[2])),
		       perf_fmt_time((double)c->plat.max, t[3], sizeof(t[3])));
	if (o->mode == PERF_STREAM)
		printf("  frames    %llu: %llu in the warm-up (%s), then %llu on time, "
		       "%llu late (> %s), %llu lost\n",
		       (unsigned long long)c->frames_done, (unsigned long long)c->frames_warmup,
		       perf_fmt_time((double)o->warmup_ns, t[0], sizeof(t[0])),
		       (unsigned long long)c->frames_ontime, (unsigned long long)c->frames_late,
		       perf_fmt_time((double)o->deadline_ns, t[1], sizeof(t[1])),
		       (unsigned long long)c->frames_lost);
	if (c->stray || st.bad_cpl || st.bad_rx || st.bad_hdr)
		printf("  anomalies %llu stray answers, %llu bad completions, %llu bad RX, "
		       "%llu bad headers\n",
		       (unsigned long long)c->stray, (unsigned long long)st.bad_cpl,
		       (unsigned long long)st.bad_rx, (unsigned long long)st.bad_hdr);
	if (c->fatal)
		printf("  stopped   lu2k_send: %s\n", strerror(-c->fatal));
	if (o->plot && !plot_rc)
		printf("  plot      %s\n", o->plot);
	if (pass)
		printf("  result    PASS\n");
	else
		printf("  result    FAIL: %s\n", reason);
	return pass && !plot_rc ? 0 : 1;
}
