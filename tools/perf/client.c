/* SPDX-License-Identifier: MIT */
/*
 * client.c - lu2k-perf client: keeps --concurrency messages in flight (bulk,
 * get, ping) or sends frames on a clock (stream); a message is finished when
 * both its completion and the server's answer (ACK or REPLY) are in, or when
 * either says it failed, or when --timeout passes without an answer.
 */
#include "client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pattern.h"

struct fill_arg {
	uint64_t seed, id;
};

static void fill_pattern(void *dst, size_t len, void *arg)
{
	const struct fill_arg *f = arg;

	perf_pattern_fill(dst, len, f->seed, f->id);
}

static struct cli_msg *slot_of(struct cli *c, uint64_t id)
{
	struct cli_msg *m = &c->slots[id & (CLI_SLOTS - 1)];

	return m->busy && m->id == id ? m : NULL;
}

static void frame_finish_msg(struct cli *c, const struct cli_msg *m, bool ok)
{
	struct cli_frame *f = &c->frames[m->frame & (CLI_FRAMES - 1)];

	if (!ok)
		f->failed = true;
	if (ok && m->t_answer > f->last_answer)
		f->last_answer = m->t_answer;
	if (--f->left || f->unsent)
		return;
	f->busy = false;
	c->frames_done++;
	if (f->failed) {
		c->frames_lost++;
		return;
	}
	{
		uint64_t delay = f->last_answer > f->due ? f->last_answer - f->due : 0;

		perf_hist_add(&c->ilat, delay);
		/* a stream settles first (connections, windows): judged after --warmup */
		if (f->due < c->t0 + c->o->warmup_ns) {
			c->frames_warmup++;
			return;
		}
		perf_hist_add(&c->lat, delay);
		if (delay > c->o->deadline_ns)
			c->frames_late++;
		else
			c->frames_ontime++;
	}
}

/* The message's fate is known: count it and free its slot. */
static void finish(struct cli *c, struct cli_msg *m, int why)
{
	bool ok = false;

	if (why == -ETIMEDOUT && !m->cpl_done) {
		c->lost++;
	} else if (m->cpl_done && m->cpl_status) {
		c->failed++;
	} else if (why == -ETIMEDOUT) {
		c->lost++; /* delivered, but the answer never came */
	} else if (m->corrupt) {
		c->corrupt++;
	} else if (m->ping) {
		c->pings_ok++;
		/* those sent in the --warmup (the connections' set-up) are checked, not timed */
		if (m->t_send >= c->t0 + c->o->warmup_ns)
			perf_hist_add(&c->plat, m->t_answer - m->t_send);
	} else {
		ok = true;
		c->ok++;
		c->bytes_ok += m->size;
		if (c->o->mode != PERF_STREAM) {
			perf_hist_add(&c->lat, m->t_answer - m->t_send);
			perf_hist_add(&c->ilat, m->t_answer - m->t_send);
		}
		/* ping: the round trips after the --warmup, the connections' set-up left out */
		if (c->o->mode == PERF_PING && m->t_send >= c->t0 + c->o->warmup_ns)
			perf_hist_add(&c->plat, m->t_answer - m->t_send);
	}
	if (c->o->mode == PERF_STREAM)
		frame_finish_msg(c, m, ok);
	if (m->ping)
		c->pings_inflight--;
	m->busy = false;
	c->inflight--;
	c->t_last = perf_now_ns();
}

static void on_cpl(struct lu2k_ni *ni, void *ctx, int status, void *arg)
{
	struct cli *c = arg;
	struct cli_msg *m = slot_of(c, (uint64_t)(uintptr_t)ctx);

	if (!m) {
		c->stray++; /* finished already (timed out) */
		return;
	}
	m->cpl_done = true;
	m->cpl_status = status;
	if (status || m->answered)
		finish(c, m, 0);
}

static int on_rx(struct lu2k_ni *ni, const struct lu2k_rx_msg *rx, void *arg)
{
	struct cli *c = arg;
	const struct lu2k_lnet_hdr *h = rx->lnet;
	const struct lu2k_lnet_wh *wh;
	struct cli_msg *m;
	bool want_ack = c->o->mode == PERF_BULK || c->o->mode == PERF_STREAM;
	bool pings = c->o->mode == PERF_BULK && c->o->ping_every_ns;

	if (h->type == LU2K_LNET_MSG_ACK && want_ack)
		wh = &h->msg.ack.dst_wmd;
	else if (h->type == LU2K_LNET_MSG_REPLY && (!want_ack || pings))
		wh = &h->msg.reply.dst_wmd;
	else {
		c->stray++;
		return 0;
	}
	m = wh->interface_cookie == c->seed ? slot_of(c, wh->object_cookie) : NULL;
	/* a bulk PUT is answered by an ACK, a GET (ping) by a REPLY */
	if (m && pings && m->ping != (h->type == LU2K_LNET_MSG_REPLY))
		m = NULL;
	if (!m || m->answered) {
		c->stray++;
		return 0;
	}
	m->answered = true;
	m->t_answer = perf_now_ns();
	if (h->type == LU2K_LNET_MSG_ACK)
		m->corrupt = h->msg.ack.mlength != m->size || h->msg.ack.match_bits != m->id;
	else
		m->corrupt = rx->payload_len != m->size ||
			     perf_pattern_check(rx->payload, rx->payload_len, c->seed, m->id) >= 0;
	if (m->cpl_done)
		finish(c, m, 0);
	return 0;
}

static void on_state(struct lu2k_ni *ni, bool up, int status, void *arg)
{
	struct cli *c = arg;
	struct lu2k_ni_stats st;
	uint64_t orphans = 0;

	/*
	 * Our daemon is gone: every message it had not completed has failed
	 * (ECONNRESET, before this call), and the answers still due for the
	 * others were to come back through it: they are lost with it.
	 */
	if (!up) {
		for (uint64_t id = c->oldest_id; id < c->next_id; id++) {
			struct cli_msg *m = slot_of(c, id);

			if (m && !m->answered) {
				finish(c, m, -ETIMEDOUT);
				orphans++;
			}
		}
	}
	lu2k_ni_stats(ni, &st);
	if (!c->o->quiet)
		fprintf(stderr,
			"lu2k-perf: %s lu2kd%s%s (%llu messages failed with ECONNRESET, %llu "
			"answers lost)\n",
			up ? "re-attached to" : "lost", up ? "" : ": ", up ? "" : strerror(-status),
			(unsigned long long)st.reset_cpls, (unsigned long long)orphans);
}

/*
 * Send message id of size bytes (belonging to frame; a GET if ping). 0,
 * -EAGAIN or a fatal -errno.
 */
static int send_one(struct cli *c, uint32_t size, uint32_t frame, bool ping)
{
	const struct perf_opts *o = c->o;
	uint64_t id = c->next_id;
	struct cli_msg *m = &c->slots[id & (CLI_SLOTS - 1)];
	struct fill_arg f = { c->seed, id };
	struct lu2k_lnet_hdr h;
	uint8_t hb[LU2K_HDR_MAX];
	int hl, rc;

	if (m->busy)
		return -EAGAIN; /* a very old message still holds the slot */
	memset(&h, 0, sizeof(h));
	if ((o->mode == PERF_BULK || o->mode == PERF_STREAM) && !ping) {
		h.type = LU2K_LNET_MSG_PUT;
		h.payload_length = size;
		h.msg.put.ack_wmd.interface_cookie = c->seed;
		h.msg.put.ack_wmd.object_cookie = id;
		h.msg.put.match_bits = id;
		h.msg.put.hdr_data = size;
		h.msg.put.ptl_index = PERF_PORTAL;
	} else {
		h.type = LU2K_LNET_MSG_GET;
		h.msg.get.return_wmd.interface_cookie = c->seed;
		h.msg.get.return_wmd.object_cookie = id;
		h.msg.get.match_bits = id;
		h.msg.get.sink_length = size;
		h.msg.get.ptl_index = PERF_PORTAL;
	}
	hl = perf_build_hdr(hb, &o->peer, &o->nid, &h);
	if (hl < 0)
		return hl;
	m->t_send = perf_now_ns(); /* before the send: a fast answer lands in process() */
	rc = lu2k_send_fill(c->ni, &o->peer, NULL, hb, (size_t)hl,
			    h.type == LU2K_LNET_MSG_PUT ? size : 0, fill_pattern, &f, 0,
			    (void *)(uintptr_t)id);
	if (rc)
		return rc;
	m->id = id;
	m->size = size;
	m->frame = frame;
	m->busy = true;
	m->cpl_done = m->answered = m->corrupt = false;
	m->cpl_status = 0;
	m->ping = ping;
	c->next_id++;
	c->inflight++;
	if (ping) {
		c->pings_sent++;
		c->pings_inflight++;
	} else {
		c->sent++;
	}
	return 0;
}

static bool time_up(const struct cli *c, uint64_t now)
{
	return c->o->time_ns && now >= c->t0 + c->o->time_ns;
}

static void fill_window(struct cli *c, uint64_t now)
{
	const struct perf_opts *o = c->o;

	/* --ping-every: a GET when due, beside the window of PUTs */
	if (o->mode == PERF_BULK && o->ping_every_ns && !c->stop_sending && now >= c->next_ping) {
		int rc = send_one(c, 64, 0, true);

		if (rc && rc != -EAGAIN) {
			c->fatal = rc;
			c->stop_sending = true;
			return;
		}
		if (!rc)
			c->next_ping = c->next_ping + o->ping_every_ns > now
					       ? c->next_ping + o->ping_every_ns
					       : now + o->ping_every_ns;
	}
	while (!c->stop_sending && c->inflight - c->pings_inflight < o->concurrency) {
		int rc;

		if ((o->count && c->sent >= o->count) || time_up(c, now) || perf_stop) {
			c->stop_sending = true;
			return;
		}
		rc = send_one(c, (uint32_t)o->size, 0, false);
		if (rc == -EAGAIN)
			return;
		if (rc) {
			c->fatal = rc;
			c->stop_sending = true;
			return;
		}
	}
}

/* Stream: start every frame that is due, send what credits allow. */
static void stream_tick(struct cli *c, uint64_t now)
{
	const struct perf_opts *o = c->o;

	for (;;) {
		uint64_t fno = c->frames_sent ? c->next_frame - 1 : 0;
		struct cli_frame *f = c->frames_sent ? &c->frames[fno & (CLI_FRAMES - 1)] : NULL;

		/* finish sending the current frame first */
		while (f && f->unsent) {
			uint64_t sent_bytes = (uint64_t)(c->frame_msgs - f->unsent) * o->msg_size;
			uint64_t left = c->frame_bytes - sent_bytes;
			uint32_t size = (uint32_t)(left < o->msg_size ? left : o->msg_size);
			int rc = send_one(c, size, (uint32_t)fno, false);

			if (rc == -EAGAIN)
				return;
			if (rc) {
				c->fatal = rc;
				c->stop_sending = true;
				f->left -= f->unsent;
				f->unsent = 0;
				f->failed = true;
				if (!f->left) {
					f->busy = false;
					c->frames_done++;
					c->frames_lost++;
				}
				return;
			}
			f->unsent--;
		}
		if (c->stop_sending)
			return;
		if ((o->count && c->frames_sent >= o->count) || time_up(c, now) || perf_stop) {
			c->stop_sending = true;
			return;
		}
		{
			uint64_t due = c->t0 + c->next_frame * 1000000000ULL / o->fps;
			struct cli_frame *nf = &c->frames[c->next_frame & (CLI_FRAMES - 1)];

			if (due > now || nf->busy)
				return;
			memset(nf, 0, sizeof(*nf));
			nf->busy = true;
			nf->due = due;
			nf->left = nf->unsent = c->frame_msgs;
			c->next_frame++;
			c->frames_sent++;
		}
	}
}

/* Messages with no answer after --timeout are lost. */
static void check_timeouts(struct cli *c, uint64_t now)
{
	while (c->oldest_id < c->next_id) {
		struct cli_msg *m = slot_of(c, c->oldest_id);

		if (m) {
			if (now - m->t_send < c->o->timeout_ns)
				return;
			finish(c, m, -ETIMEDOUT);
		}
		c->oldest_id++;
	}
}

static int wait_ms(const struct cli *c, uint64_t now, uint64_t next_progress)
{
	uint64_t until = next_progress;

	if (c->o->mode == PERF_STREAM && !c->stop_sending) {
		uint64_t due = c->t0 + c->next_frame * 1000000000ULL / c->o->fps;

		if (due < until)
			until = due;
	}
	if (c->o->mode == PERF_BULK && c->o->ping_every_ns && !c->stop_sending &&
	    c->next_ping < until)
		until = c->next_ping;
	if (until <= now)
		return 0;
	until = (until - now + 999999) / 1000000;
	return until > 100 ? 100 : (int)until;
}

int perf_client(const struct perf_opts *o)
{
	struct lu2k_ni_params p;
	struct cli c;
	uint64_t now, next_progress;
	bool progress = !o->quiet && (o->progress || isatty(1));
	int rc;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.seed = o->seed ? o->seed : (perf_now_ns() ^ ((uint64_t)getpid() << 32)) | 1;
	perf_hist_init(&c.lat);
	perf_hist_init(&c.ilat);
	perf_hist_init(&c.plat);
	c.slots = calloc(CLI_SLOTS, sizeof(*c.slots));
	c.frames = calloc(CLI_FRAMES, sizeof(*c.frames));
	if (!c.slots || !c.frames) {
		fprintf(stderr, "lu2k-perf: out of memory\n");
		return 1;
	}
	if (o->mode == PERF_STREAM) {
		c.frame_bytes = o->rate_bps / 8 / o->fps;
		c.frame_msgs = (uint32_t)((c.frame_bytes + o->msg_size - 1) / o->msg_size);
	}
	lu2k_ni_params_init(&p);
	p.on_cpl = on_cpl;
	p.on_rx = on_rx;
	p.on_state = on_state;
	p.arg = &c;
	rc = perf_ni_open(o, &p, &c.ni);
	if (rc) {
		free(c.slots);
		free(c.frames);
		return 1;
	}
	perf_acked_init(
		&c.acked,
		perf_acked_path(o->ctl_socket, o->socket, c.acked_path, sizeof(c.acked_path)),
		&o->peer);
	perf_acked_poll(&c.acked, progress ? stderr : NULL); /* the base */
	c.t0 = now = perf_now_ns();
	c.next_ping = c.t0 + o->ping_every_ns;
	next_progress = c.t0 + o->interval_ns;
	while (!(c.stop_sending && c.inflight == 0) && perf_stop < 2) {
		if (o->mode == PERF_STREAM)
			stream_tick(&c, now);
		else
			fill_window(&c, now);
		lu2k_ni_wait(c.ni, wait_ms(&c, now, next_progress));
		now = perf_now_ns();
		check_timeouts(&c, now);
		if (perf_stop)
			c.stop_sending = true;
		/* The tick runs without --progress too: it bounds wait_ms(), and a
		 * deadline left in the past would make every wait a busy poll. */
		if (now >= next_progress) {
			cli_interval(&c, now, progress);
			next_progress += o->interval_ns;
		}
	}
	/* interrupted twice: what is still out counts as lost */
	for (uint64_t id = c.oldest_id; id < c.next_id; id++) {
		struct cli_msg *m = slot_of(&c, id);

		if (m)
			finish(&c, m, -ETIMEDOUT);
	}
	/* the last, partial interval, so that the samples add up to the whole run */
	now = perf_now_ns();
	if (c.ok != c.last_ok || c.failed + c.corrupt + c.lost != c.last_errors ||
	    now >= next_progress - o->interval_ns + o->interval_ns / 10)
		cli_interval_last(&c, now, next_progress - o->interval_ns);
	rc = cli_report(&c);
	lu2k_ni_close(c.ni);
	free(c.slots);
	free(c.frames);
	free(c.samples);
	return rc;
}
