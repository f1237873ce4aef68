/* SPDX-License-Identifier: MIT */
/*
 * path_sched.c - the path scheduler (see path_sched.h): which path carries a
 * message, each path's delivery rate, and when a path is dead or back.
 */
#include "path_sched.h"
#include "common/time.h"

#include <errno.h>
#include <string.h>

#define NS 1000000000ull

const char *lu2kd_ps_state_str(enum lu2kd_ps_state s)
{
	static const char *const n[] = { "up", "down", "probing" };

	return (unsigned int)s < 3 ? n[s] : "?";
}

void lu2kd_ps_init(struct lu2kd_ps *ps, const struct lu2kd_ps_cfg *cfg)
{
	memset(ps, 0, sizeof(*ps));
	if (cfg) {
		ps->cfg = *cfg;
		return;
	}
	ps->cfg.small_max = 64 * 1024;
	ps->cfg.dead_rtts = 2;
	ps->cfg.dead_min_ns = 100 * LU2K_NS_PER_MS;
	ps->cfg.dead_unknown_ns = 2 * NS;
	ps->cfg.probe_ns = NS;
	ps->cfg.rate_init = 10000000 / 8;
	ps->cfg.rtt_init_ns = 100 * LU2K_NS_PER_MS;
	ps->cfg.win_min_ns = 1000 * LU2K_NS_PER_MS;
	ps->cfg.horizon_min_ns = 200 * LU2K_NS_PER_MS;
	ps->cfg.unsent_horizon_ns = 50 * LU2K_NS_PER_MS;
}

static void path_fresh(struct lu2kd_ps *ps, struct lu2kd_ps_path *p, uint64_t now)
{
	if (p->down_since_ns && now > p->down_since_ns)
		p->down_ns += now - p->down_since_ns;
	p->down_since_ns = 0;
	p->state = LU2K_PS_UP;
	p->rate_known = false;
	/* what it did before it died is a better start than nothing, but unsure */
	p->rate = p->rate / 2 > ps->cfg.rate_init ? p->rate / 2 : ps->cfg.rate_init;
	p->last_progress_ns = now;
	p->win_start_ns = now;
	p->win_bytes = 0;
	p->win_limited = p->nout == 0;
	p->unsent = 0;
}

int lu2kd_ps_add(struct lu2kd_ps *ps, uint64_t now)
{
	struct lu2kd_ps_path *p;

	if (ps->n >= LU2K_PS_MAX)
		return -ENOSPC;
	p = &ps->p[ps->n];
	memset(p, 0, sizeof(*p));
	p->srtt_ns = ps->cfg.rtt_init_ns;
	path_fresh(ps, p, now);
	return (int)ps->n++;
}

static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c)
{
	return c ? (uint64_t)((unsigned __int128)a * b / c) : UINT64_MAX;
}

/* The rate pick() believes: 5/4 of it for a path that ran dry, to let it grow. */
static uint64_t judged_rate(const struct lu2kd_ps_path *p)
{
	uint64_t r = p->rate ? p->rate : 1;

	return p->win_limited || !p->rate_known ? r + r / 4 : r;
}

/* As lu2kd_ps_estimate, with extra bytes queued on it before this message. */
static uint64_t estimate_x(const struct lu2kd_ps *ps, unsigned int i, uint64_t len, uint64_t extra)
{
	const struct lu2kd_ps_path *p = &ps->p[i];
	uint64_t rate = judged_rate(p);
	uint64_t in_flight = mul_div(p->rate, p->srtt_ns, NS);
	uint64_t out = p->outstanding + extra;
	uint64_t ahead = out > in_flight ? out - in_flight : 0;

	return mul_div(ahead + len, NS, rate) + p->srtt_ns / 2;
}

uint64_t lu2kd_ps_estimate(const struct lu2kd_ps *ps, unsigned int i, uint64_t len)
{
	return estimate_x(ps, i, len, 0);
}

bool lu2kd_ps_has_room(const struct lu2kd_ps *ps, unsigned int i, uint64_t len)
{
	const struct lu2kd_ps_path *p = &ps->p[i];
	uint64_t horizon = p->srtt_ns / 2;

	if (len <= ps->cfg.small_max || !p->nout)
		return true;
	if (p->unsent_known)
		return p->unsent < mul_div(judged_rate(p), ps->cfg.unsent_horizon_ns, NS);
	if (horizon < ps->cfg.horizon_min_ns)
		horizon = ps->cfg.horizon_min_ns;
	/*
	 * Twice the pipe the rate says, and the horizon: a path whose rate is
	 * underestimated (even by half) still keeps its pipe full, so its next
	 * window measures more; a late-bound path never starves itself.
	 */
	return p->outstanding < mul_div(judged_rate(p), 2 * p->srtt_ns + horizon, NS) + p->max_len;
}

int lu2kd_ps_pick(const struct lu2kd_ps *ps, uint64_t len, uint64_t now)
{
	return lu2kd_ps_pick_from(ps, len, now, UINT32_MAX);
}

static int pick_x(const struct lu2kd_ps *ps, uint64_t len, uint32_t allowed, const uint64_t *extra)
{
	int best = -ENETUNREACH;
	uint64_t best_v = UINT64_MAX;

	if (len <= ps->cfg.small_max) {
		for (unsigned int i = 0; i < ps->n; i++) {
			const struct lu2kd_ps_path *p = &ps->p[i];

			if (p->state == LU2K_PS_UP && (allowed >> i & 1) && p->srtt_ns < best_v) {
				best = (int)i;
				best_v = p->srtt_ns;
			}
		}
		return best;
	}
	/* a path never measured and idle takes this one, so that it gets measured */
	for (unsigned int i = 0; i < ps->n; i++) {
		const struct lu2kd_ps_path *p = &ps->p[i];

		if (p->state == LU2K_PS_UP && (allowed >> i & 1) && !p->rate_known && !p->nout &&
		    !(extra && extra[i]))
			return (int)i;
	}
	for (unsigned int i = 0; i < ps->n; i++) {
		uint64_t v;

		if (ps->p[i].state != LU2K_PS_UP || !(allowed >> i & 1))
			continue;
		v = estimate_x(ps, i, len, extra ? extra[i] : 0);
		if (v < best_v) {
			best = (int)i;
			best_v = v;
		}
	}
	return best;
}

int lu2kd_ps_pick_from(const struct lu2kd_ps *ps, uint64_t len, uint64_t now, uint32_t allowed)
{
	(void)now;
	return pick_x(ps, len, allowed, NULL);
}

int lu2kd_ps_plan_next(const struct lu2kd_ps *ps, struct lu2kd_ps_plan *pl, uint64_t len,
		       uint64_t now, uint32_t allowed)
{
	int i = pick_x(ps, len, allowed, pl->extra);

	(void)now;
	if (i < 0 || len <= ps->cfg.small_max)
		return i;
	if (!pl->extra[i] && lu2kd_ps_has_room(ps, (unsigned int)i, len))
		return i;
	/* it would wait behind what that path holds: it waits here instead */
	pl->extra[i] += len;
	return -EAGAIN;
}

/* Close the rate window once it spans a few RTTs: a rate sample. */
static void rate_window(struct lu2kd_ps *ps, struct lu2kd_ps_path *p, uint64_t now)
{
	uint64_t span = now - p->win_start_ns, min = 2 * p->srtt_ns, sample;

	if (min < ps->cfg.win_min_ns)
		min = ps->cfg.win_min_ns;
	if (span < min)
		return;
	sample = mul_div(p->win_bytes, NS, span);
	if (!p->rate_known && p->win_bytes) {
		/* the first measure replaces the guess, unless it ran dry and says less */
		if (!p->win_limited || sample > p->rate)
			p->rate = sample;
		p->rate_known = true;
	} else if (!p->win_limited) {
		p->rate = p->rate - p->rate / 4 + sample / 4;
	} else if (sample > p->rate) {
		p->rate = sample; /* only an app-limited window that still beat it */
	}
	if (!p->rate)
		p->rate = 1;
	p->win_start_ns = now;
	p->win_bytes = 0;
	p->win_limited = p->nout == 0;
}

void lu2kd_ps_on_send(struct lu2kd_ps *ps, unsigned int i, uint64_t len, uint64_t now)
{
	struct lu2kd_ps_path *p = &ps->p[i];

	if (!p->nout)
		p->last_progress_ns = now; /* silence counts from the start of work */
	p->outstanding += len;
	p->nout++;
	p->unsent += len; /* until the transport's next report */
	if (len > p->max_len)
		p->max_len = len;
	p->bytes_total += len;
	p->msgs_total++;
}

void lu2kd_ps_on_unsent(struct lu2kd_ps *ps, unsigned int i, uint64_t unsent)
{
	ps->p[i].unsent_known = true;
	ps->p[i].unsent = unsent;
}

void lu2kd_ps_on_done(struct lu2kd_ps *ps, unsigned int i, uint64_t len, int status, uint64_t now)
{
	struct lu2kd_ps_path *p = &ps->p[i];

	p->outstanding = p->outstanding > len ? p->outstanding - len : 0;
	if (p->nout)
		p->nout--;
	if (status < 0) {
		p->failed++;
		return;
	}
	if (p->state != LU2K_PS_UP) {
		/* it delivered after all: back (a caller may keep a dead path's work) */
		p->revivals++;
		path_fresh(ps, p, now);
	}
	p->last_progress_ns = now;
	p->win_bytes += len;
	p->bytes_done += len;
	if (!p->nout)
		p->win_limited = true;
	rate_window(ps, p, now);
}

void lu2kd_ps_on_progress(struct lu2kd_ps *ps, unsigned int i, uint64_t bytes, uint64_t now)
{
	struct lu2kd_ps_path *p = &ps->p[i];

	p->fine = true;
	if (!bytes)
		return;
	if (p->state != LU2K_PS_UP) {
		p->revivals++;
		path_fresh(ps, p, now);
	}
	p->last_progress_ns = now;
}

void lu2kd_ps_on_rtt(struct lu2kd_ps *ps, unsigned int i, uint64_t rtt_ns, uint64_t now)
{
	struct lu2kd_ps_path *p = &ps->p[i];

	(void)now;
	if (!rtt_ns)
		return;
	if (!p->rtt_known) {
		p->srtt_ns = rtt_ns;
		p->min_rtt_ns = rtt_ns;
		p->rtt_known = true;
		return;
	}
	p->srtt_ns = p->srtt_ns - p->srtt_ns / 8 + rtt_ns / 8;
	if (rtt_ns < p->min_rtt_ns)
		p->min_rtt_ns = rtt_ns;
}

void lu2kd_ps_on_loss(struct lu2kd_ps *ps, unsigned int i, uint32_t loss_ppm)
{
	ps->p[i].loss_ppm = loss_ppm;
}

static void path_die(struct lu2kd_ps *ps, struct lu2kd_ps_path *p, uint64_t now)
{
	p->state = LU2K_PS_DOWN;
	p->deaths++;
	p->down_since_ns = now;
	p->next_probe_ns = now + ps->cfg.probe_ns;
}

void lu2kd_ps_set_down(struct lu2kd_ps *ps, unsigned int i, uint64_t now)
{
	if (ps->p[i].state == LU2K_PS_UP)
		path_die(ps, &ps->p[i], now);
}

void lu2kd_ps_on_probe(struct lu2kd_ps *ps, unsigned int i, bool ok, uint64_t rtt_ns, uint64_t now)
{
	struct lu2kd_ps_path *p = &ps->p[i];

	if (p->state == LU2K_PS_UP)
		return;
	if (!ok) {
		p->state = LU2K_PS_DOWN;
		p->next_probe_ns = now + ps->cfg.probe_ns;
		return;
	}
	p->revivals++;
	path_fresh(ps, p, now);
	if (rtt_ns) {
		p->rtt_known = false;
		lu2kd_ps_on_rtt(ps, i, rtt_ns, now);
	}
}

void lu2kd_ps_set_probing(struct lu2kd_ps *ps, unsigned int i, uint64_t now)
{
	ps->p[i].state = LU2K_PS_PROBING;
	ps->p[i].next_probe_ns = now + ps->cfg.probe_ns;
}

/* How long path p may stay silent while it holds work. */
static uint64_t dead_after(const struct lu2kd_ps *ps, const struct lu2kd_ps_path *p)
{
	uint64_t t = (uint64_t)ps->cfg.dead_rtts * p->srtt_ns;

	if (t < ps->cfg.dead_min_ns)
		t = ps->cfg.dead_min_ns;
	if (!p->rtt_known && t < ps->cfg.dead_unknown_ns)
		t = ps->cfg.dead_unknown_ns;
	/* completions alone come one message apart: wait one more message's time */
	if (!p->fine)
		t += mul_div(p->max_len, NS, p->rate ? p->rate : 1);
	return t;
}

struct lu2kd_ps_events lu2kd_ps_tick(struct lu2kd_ps *ps, uint64_t now)
{
	struct lu2kd_ps_events ev = { 0, 0 };

	for (unsigned int i = 0; i < ps->n; i++) {
		struct lu2kd_ps_path *p = &ps->p[i];

		switch (p->state) {
		case LU2K_PS_UP:
			if (p->nout && now - p->last_progress_ns >= dead_after(ps, p)) {
				path_die(ps, p, now);
				ev.died |= 1u << i;
			}
			break;
		case LU2K_PS_DOWN:
			if (now >= p->next_probe_ns) {
				p->state = LU2K_PS_PROBING;
				/* no answer by then: down, and probed again later */
				p->next_probe_ns = now + ps->cfg.probe_ns;
				ev.probe |= 1u << i;
			}
			break;
		case LU2K_PS_PROBING:
			if (now >= p->next_probe_ns) {
				p->state = LU2K_PS_DOWN;
				p->next_probe_ns = now; /* the next tick probes again */
			}
			break;
		}
	}
	return ev;
}

uint64_t lu2kd_ps_next_deadline(const struct lu2kd_ps *ps)
{
	uint64_t next = UINT64_MAX;

	for (unsigned int i = 0; i < ps->n; i++) {
		const struct lu2kd_ps_path *p = &ps->p[i];
		uint64_t t = UINT64_MAX;

		if (p->state == LU2K_PS_UP && p->nout)
			t = p->last_progress_ns + dead_after(ps, p);
		else if (p->state != LU2K_PS_UP)
			t = p->next_probe_ns;
		if (t < next)
			next = t;
	}
	return next;
}

uint32_t lu2kd_ps_share_permille(const struct lu2kd_ps *ps, unsigned int i)
{
	uint64_t all = 0;

	for (unsigned int k = 0; k < ps->n; k++)
		all += ps->p[k].bytes_total;
	return all ? (uint32_t)mul_div(ps->p[i].bytes_total, 1000, all) : 0;
}
