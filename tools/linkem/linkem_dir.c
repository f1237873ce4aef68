// SPDX-License-Identifier: MIT
/*
 * linkem_dir.c - one direction of the emulated link (model in linkem.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "linkem.h"

/* Largest packet push() takes; keeps the serialization arithmetic in 64 bits. */
#define LINKEM_MAX_PKT (1u << 20)

/* A packet waiting for the wire: when it starts serializing, and its size. */
struct linkem_wait {
	uint64_t start_ns;
	uint32_t len;
};

static bool prob_ok(double x)
{
	return x >= 0.0 && x <= 1.0; /* false for NaN too */
}

int linkem_params_check(const struct linkem_params *p, const char **why)
{
	const char *msg = NULL;

	if (!prob_ok(p->loss))
		msg = "loss must be a probability between 0 and 1";
	else if (p->ge.on && (!prob_ok(p->ge.p) || !prob_ok(p->ge.r) || !prob_ok(p->ge.loss_bad) ||
			      !prob_ok(p->ge.loss_good)))
		msg = "Gilbert-Elliott p, r and the two loss rates must be between 0 and 1";
	else if (p->n_outages > LINKEM_MAX_OUTAGES)
		msg = "too many outages";
	else if (p->delay_ns > 3600 * LINKEM_NS_PER_SEC || p->jitter_ns > 3600 * LINKEM_NS_PER_SEC)
		msg = "delay and jitter must be under an hour";
	else if (p->overhead > 65536)
		msg = "per-packet overhead must be at most 65536 bytes";
	else if (p->n_steps > LINKEM_MAX_STEPS)
		msg = "too many rate steps";
	else if (p->n_steps && !p->rate_bps)
		msg = "a rate step needs a rate to step from";
	for (unsigned int i = 0; !msg && i < p->n_outages; i++) {
		const struct linkem_outage *o = &p->outages[i];

		if (!o->len_ns)
			msg = "an outage must last longer than 0";
		else if (o->period_ns && o->period_ns <= o->len_ns)
			msg = "an outage's period must be longer than the outage";
	}
	for (unsigned int i = 0; !msg && i < p->n_steps; i++)
		if (!p->steps[i].len_ns || !p->steps[i].rate_bps)
			msg = "a rate step must last longer than 0 and have a rate";
	if (why)
		*why = msg;
	return msg ? -EINVAL : 0;
}

int linkem_dir_init(struct linkem_dir *d, const struct linkem_params *p, uint64_t seed)
{
	uint64_t x = seed;
	int rc = linkem_params_check(p, NULL);

	if (rc)
		return rc;
	memset(d, 0, sizeof(*d));
	d->p = *p;
	if (!d->p.max_bytes)
		d->p.max_bytes = LINKEM_DEFAULT_MAX_BYTES;
	/* separate streams: jitter settings do not move which packets are lost */
	linkem_rng_seed(&d->rng_loss, linkem_splitmix64(&x));
	linkem_rng_seed(&d->rng_jitter, linkem_splitmix64(&x));
	linkem_heap_init(&d->line);
	return 0;
}

void linkem_dir_destroy(struct linkem_dir *d)
{
	struct linkem_pkt *pkt;

	while ((pkt = linkem_heap_pop(&d->line)))
		free(pkt);
	linkem_heap_destroy(&d->line);
	free(d->wait);
	d->wait = NULL;
	d->wait_n = d->wait_cap = 0;
}

uint64_t linkem_ser_ns(const struct linkem_params *p, size_t len)
{
	if (!p->rate_bps)
		return 0;
	return (uint64_t)(len + p->overhead) * 8 * LINKEM_NS_PER_SEC / p->rate_bps;
}

uint64_t linkem_rate_at(const struct linkem_params *p, uint64_t t_ns)
{
	if (!p->rate_bps)
		return 0;
	for (unsigned int i = 0; i < p->n_steps; i++) {
		const struct linkem_step *st = &p->steps[i];

		if (t_ns >= st->start_ns && t_ns - st->start_ns < st->len_ns)
			return st->rate_bps;
	}
	return p->rate_bps;
}

bool linkem_outage_active(const struct linkem_params *p, uint64_t t_ns)
{
	for (unsigned int i = 0; i < p->n_outages; i++) {
		const struct linkem_outage *o = &p->outages[i];
		uint64_t off;

		if (t_ns < o->start_ns)
			continue;
		off = t_ns - o->start_ns;
		if (!o->period_ns) {
			if (off < o->len_ns)
				return true;
			continue;
		}
		if (o->count && off / o->period_ns >= o->count)
			continue;
		if (off % o->period_ns < o->len_ns)
			return true;
	}
	return false;
}

/* Forgets waiting packets that have reached the wire by now. */
static void wait_expire(struct linkem_dir *d, uint64_t now_ns)
{
	while (d->wait_n) {
		struct linkem_wait *w = &d->wait[d->wait_head];

		if (w->start_ns > now_ns)
			break;
		d->wait_bytes -= w->len;
		d->wait_head = (d->wait_head + 1) % d->wait_cap;
		d->wait_n--;
	}
}

static int wait_add(struct linkem_dir *d, uint64_t start_ns, uint32_t len)
{
	if (d->wait_n == d->wait_cap) {
		size_t cap = d->wait_cap ? d->wait_cap * 2 : 256;
		struct linkem_wait *v = malloc(cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		/* unroll the ring into the new array */
		for (size_t i = 0; i < d->wait_n; i++)
			v[i] = d->wait[(d->wait_head + i) % d->wait_cap];
		free(d->wait);
		d->wait = v;
		d->wait_cap = cap;
		d->wait_head = 0;
	}
	d->wait[(d->wait_head + d->wait_n) % d->wait_cap] =
		(struct linkem_wait){ .start_ns = start_ns, .len = len };
	d->wait_n++;
	d->wait_bytes += len;
	return 0;
}

/* Puts the packet on the wire: returns when serialization ends. */
static uint64_t serialize(struct linkem_dir *d, uint64_t start_ns, size_t len)
{
	uint64_t rate = linkem_rate_at(&d->p, start_ns);
	/* carry the remainder so the long-run rate is exact, not rounded per packet */
	uint64_t total = (uint64_t)(len + d->p.overhead) * 8 * LINKEM_NS_PER_SEC + d->ser_rem;

	/* (a remainder of the rate before a step is less than a ns of it) */
	d->ser_rem = total % rate;
	d->busy_until_ns = start_ns + total / rate;
	return d->busy_until_ns;
}

static uint64_t draw_delay(struct linkem_dir *d)
{
	uint64_t j, delay = d->p.delay_ns;

	if (!d->p.jitter_ns)
		return delay;
	j = linkem_rng_upto(&d->rng_jitter, 2 * d->p.jitter_ns);
	/* delay + (j - jitter), clamped at zero */
	return delay + j > d->p.jitter_ns ? delay + j - d->p.jitter_ns : 0;
}

static bool lost_on_wire(struct linkem_dir *d)
{
	bool lost = false;

	if (d->p.loss > 0.0)
		lost = linkem_rng_chance(&d->rng_loss, d->p.loss);
	if (d->p.ge.on)
		lost |= linkem_ge_step(&d->p.ge, &d->ge, &d->rng_loss);
	return lost;
}

int linkem_dir_push(struct linkem_dir *d, uint64_t now_ns, const void *data, size_t len)
{
	uint64_t start = now_ns, end = now_ns, deliver;
	struct linkem_pkt *pkt;

	if (!len || len > LINKEM_MAX_PKT)
		return -EINVAL;
	d->c.in_pkts++;
	d->c.in_bytes += len;
	if (d->p.mtu && len > d->p.mtu) {
		d->c.drop_mtu++;
		return LINKEM_DROP_MTU;
	}
	if (d->held_bytes + len > d->p.max_bytes) {
		d->c.drop_mem++;
		return LINKEM_DROP_MEM;
	}
	pkt = malloc(sizeof(*pkt) + len);
	if (!pkt) {
		d->c.drop_mem++;
		return -ENOMEM;
	}
	if (d->p.rate_bps) {
		wait_expire(d, now_ns);
		if (d->busy_until_ns > now_ns) {
			uint64_t wait = d->busy_until_ns - now_ns;

			if ((d->p.queue_ns && wait > d->p.queue_ns) ||
			    (d->p.queue_bytes && d->wait_bytes + len > d->p.queue_bytes)) {
				free(pkt);
				d->c.drop_queue++;
				return LINKEM_DROP_QUEUE;
			}
			start = d->busy_until_ns;
			if (wait_add(d, start, len)) {
				free(pkt);
				d->c.drop_mem++;
				return -ENOMEM;
			}
			if (wait > d->c.max_wait_ns)
				d->c.max_wait_ns = wait;
		}
		end = serialize(d, start, len);
	}
	if (linkem_outage_active(&d->p, start)) {
		free(pkt);
		d->c.drop_outage++;
		return LINKEM_DROP_OUTAGE;
	}
	if (lost_on_wire(d)) {
		free(pkt);
		d->c.lost_pkts++;
		return LINKEM_LOST;
	}
	deliver = end + draw_delay(d);
	if (!d->p.reorder && deliver < d->last_deliver_ns)
		deliver = d->last_deliver_ns;
	d->last_deliver_ns = deliver;

	pkt->deliver_ns = deliver;
	pkt->sent_ns = now_ns;
	pkt->seq = d->seq++;
	pkt->len = (uint32_t)len;
	memcpy(pkt->data, data, len);
	if (linkem_heap_push(&d->line, pkt)) {
		/* the wire time is spent; count it as memory exhaustion */
		free(pkt);
		d->c.drop_mem++;
		return -ENOMEM;
	}
	d->held_bytes += len;
	return LINKEM_QUEUED;
}

uint64_t linkem_dir_next_deadline(const struct linkem_dir *d)
{
	const struct linkem_pkt *top = linkem_heap_top(&d->line);

	return top ? top->deliver_ns : UINT64_MAX;
}

struct linkem_pkt *linkem_dir_pop(struct linkem_dir *d, uint64_t now_ns)
{
	struct linkem_pkt *top = linkem_heap_top(&d->line);

	if (!top || top->deliver_ns > now_ns)
		return NULL;
	linkem_heap_pop(&d->line);
	d->held_bytes -= top->len;
	d->c.out_pkts++;
	d->c.out_bytes += top->len;
	return top;
}

void linkem_pkt_free(struct linkem_pkt *pkt)
{
	free(pkt);
}

size_t linkem_dir_held(const struct linkem_dir *d)
{
	return d->line.n;
}

const struct linkem_counters *linkem_dir_counters(const struct linkem_dir *d)
{
	return &d->c;
}

const char *linkem_verdict_str(int verdict)
{
	switch (verdict) {
	case LINKEM_QUEUED:
		return "queued";
	case LINKEM_LOST:
		return "lost";
	case LINKEM_DROP_QUEUE:
		return "drop-queue";
	case LINKEM_DROP_MTU:
		return "drop-mtu";
	case LINKEM_DROP_OUTAGE:
		return "drop-outage";
	case LINKEM_DROP_MEM:
		return "drop-mem";
	default:
		return verdict < 0 ? "error" : "unknown";
	}
}
