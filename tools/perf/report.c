/* SPDX-License-Identifier: MIT */
/* report.c - lu2k-perf client output: the progress line, the summary, JSON. */
#include "client.h"

#include <string.h>

#include "common/nid.h"

static const char *const mode_names[] = { "bulk", "get", "ping", "stream" };

void cli_progress(struct cli *c, uint64_t now)
{
	FILE *f = c->o->json ? stderr : stdout;
	double secs = (double)(now - c->t0) / 1e9;

	fprintf(f, "%6.1fs  %llu ok  %.3f Gbit/s  %llu msg/s  errors %llu  in flight %llu", secs,
		(unsigned long long)c->ok, (double)(c->bytes_ok - c->last_bytes) * 8 / 1e9,
		(unsigned long long)(c->ok - c->last_ok),
		(unsigned long long)(c->failed + c->corrupt + c->lost),
		(unsigned long long)c->inflight);
	if (c->o->mode == PERF_STREAM)
		fprintf(f, "  frames %llu on time, %llu late, %llu lost",
			(unsigned long long)c->frames_ontime, (unsigned long long)c->frames_late,
			(unsigned long long)c->frames_lost);
	fputc('\n', f);
	fflush(f);
	c->last_ok = c->ok;
	c->last_bytes = c->bytes_ok;
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
	bool pass = !errors && !c->fatal && c->ok == c->sent && c->ok > 0 &&
		    (o->mode != PERF_STREAM || (!c->frames_lost && !c->frames_late));
	char a[LU2K_NID_STRLEN], b[LU2K_NID_STRLEN];
	const struct perf_hist *h = &c->lat;

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
			       "\"frames\":%llu,\"on_time\":%llu,\"late\":%llu,\"lost\":%llu},",
			       (unsigned long long)o->rate_bps, o->fps,
			       (double)o->deadline_ns / 1e6, (unsigned long long)c->frames_done,
			       (unsigned long long)c->frames_ontime,
			       (unsigned long long)c->frames_late,
			       (unsigned long long)c->frames_lost);
		printf("\"lib\":{\"eagain_credits\":%llu,\"eagain_pool\":%llu,\"eagain_ring\":%llu,"
		       "\"bad_cpl\":%llu,\"bad_cookie\":%llu,\"bad_rx\":%llu,\"bad_hdr\":%llu,"
		       "\"detaches\":%llu,\"reset_cpls\":%llu,\"watchdog_cpls\":%llu},"
		       "\"fatal\":%d,\"pass\":%s}\n",
		       (unsigned long long)st.eagain_credits, (unsigned long long)st.eagain_pool,
		       (unsigned long long)st.eagain_ring, (unsigned long long)st.bad_cpl,
		       (unsigned long long)(st.bad_cookie_dup + st.bad_cookie_unknown),
		       (unsigned long long)st.bad_rx, (unsigned long long)st.bad_hdr,
		       (unsigned long long)st.detaches, (unsigned long long)st.reset_cpls,
		       (unsigned long long)st.watchdog_cpls, c->fatal, pass ? "true" : "false");
		return pass ? 0 : 1;
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
	printf("  rate      %llu bytes in %.2f s: %.3f Gbit/s, %.0f msgs/s\n",
	       (unsigned long long)c->bytes_ok, secs, gbps, mps);
	if (h->count)
		printf("  latency   min %.1f us, p50 %.1f us, p90 %.1f us, p99 %.1f us, "
		       "max %.1f us (mean %.1f us%s)\n",
		       us(h->min), us(perf_hist_pct(h, 50)), us(perf_hist_pct(h, 90)),
		       us(perf_hist_pct(h, 99)), us(h->max), perf_hist_mean(h) / 1e3,
		       o->mode == PERF_STREAM ? ", frame delivery" : "");
	if (o->mode == PERF_STREAM)
		printf("  frames    %llu: %llu on time, %llu late (> %.0f ms), %llu lost\n",
		       (unsigned long long)c->frames_done, (unsigned long long)c->frames_ontime,
		       (unsigned long long)c->frames_late, (double)o->deadline_ns / 1e6,
		       (unsigned long long)c->frames_lost);
	if (c->stray || st.bad_cpl || st.bad_rx || st.bad_hdr)
		printf("  anomalies %llu stray answers, %llu bad completions, %llu bad RX, "
		       "%llu bad headers\n",
		       (unsigned long long)c->stray, (unsigned long long)st.bad_cpl,
		       (unsigned long long)st.bad_rx, (unsigned long long)st.bad_hdr);
	if (c->fatal)
		printf("  stopped   lu2k_send: %s\n", strerror(-c->fatal));
	printf("  result    %s\n", pass ? "PASS" : "FAIL");
	return pass ? 0 : 1;
}
