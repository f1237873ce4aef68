/* SPDX-License-Identifier: MIT */
/*
 * peer.c - the peer table (keyed by interface and NID) and the outgoing
 * connection of each peer: connect on demand, queue while connecting,
 * reconnect with exponential backoff and jitter.
 *
 * Policy: a message is given to the back-end only on an established
 * connection. If a connection attempt fails, the messages queued for it fail
 * with the error (LNet then decides: resend elsewhere, or report); the peer
 * waits reconnect_min_ms doubling up to reconnect_max_ms (+-25 % jitter)
 * before the next attempt, queueing what arrives meanwhile. If an
 * established connection dies, the back-end fails the messages it held
 * (their fate is unknown, so they are never resent: at most once), the
 * backoff starts again from the minimum and the next message reconnects at
 * once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/nid.h"
#include "core.h"
#include "common/log.h"
#include "mpath.h"
#include "common/time.h"

#define PEER_HEALTH_MAX	 1000
#define PEER_HEALTH_FAIL 100
#define PEER_HEALTH_OK	 10

const char *lu2kd_peer_state_str(enum lu2kd_peer_state s)
{
	static const char *const n[] = { "idle", "connecting", "up", "backoff" };

	return (unsigned int)s < 4 ? n[s] : "?";
}

/*
 * Every message looks its peer up: the NID's 20 bytes are taken as three
 * words and mixed once (murmur3's finaliser), where a byte at a time
 * (FNV-1a) was a chain of 20 multiplies, 2-2.5 % of lu2kd's samples with
 * 64-byte messages.
 */
static uint32_t hash_key(const struct lu2kd_chan *ch, const struct lu2k_nid *nid)
{
	_Static_assert(sizeof(*nid) == 20, "a NID is 20 bytes");
	uint64_t w0, w1, h;
	uint32_t w2;

	memcpy(&w0, nid, 8);
	memcpy(&w1, (const uint8_t *)nid + 8, 8);
	memcpy(&w2, (const uint8_t *)nid + 16, 4);
	h = w0 * 0x9e3779b97f4a7c15ull ^ (w1 + ch->id) * 0xc2b2ae3d27d4eb4full ^
	    ((uint64_t)w2 << 32 | w2) * 0x165667b19e3779f9ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

int lu2kd_peers_init(struct lu2kd *d)
{
	d->peer_buckets = 256;
	d->peer_hash = calloc(d->peer_buckets, sizeof(*d->peer_hash));
	lu2k_list_init(&d->peers);
	return d->peer_hash ? 0 : -ENOMEM;
}

void lu2kd_peers_fini(struct lu2kd *d)
{
	lu2k_loop_timer_cancel(&d->loop, &d->peer_sweep);
	free(d->peer_hash);
	d->peer_hash = NULL;
}

struct lu2kd_peer *lu2kd_peer_find(struct lu2kd *d, struct lu2kd_chan *ch,
				   const struct lu2k_nid *nid)
{
	struct lu2kd_peer *p = d->peer_hash[hash_key(ch, nid) & (d->peer_buckets - 1)];

	for (; p; p = p->hnext)
		if (p->ch == ch && lu2k_nid_equal(&p->nid, nid))
			return p;
	return NULL;
}

static void rehash(struct lu2kd *d)
{
	uint32_t nb = d->peer_buckets * 2;
	struct lu2kd_peer **nh = calloc(nb, sizeof(*nh));

	if (!nh)
		return; /* keep the old table: longer chains, still correct */
	for (uint32_t i = 0; i < d->peer_buckets; i++) {
		struct lu2kd_peer *p = d->peer_hash[i], *next;

		for (; p; p = next) {
			uint32_t b = hash_key(p->ch, &p->nid) & (nb - 1);

			next = p->hnext;
			p->hnext = nh[b];
			nh[b] = p;
		}
	}
	free(d->peer_hash);
	d->peer_hash = nh;
	d->peer_buckets = nb;
}

static void peer_timer(struct lu2k_timer *t);

struct lu2kd_peer *lu2kd_peer_get(struct lu2kd *d, struct lu2kd_chan *ch,
				  const struct lu2k_nid *nid)
{
	struct lu2kd_peer *p = lu2kd_peer_find(d, ch, nid);
	uint32_t b;

	if (p) {
		lu2kd_peer_touch(d, p);
		return p;
	}
	lu2kd_peers_make_room(d); /* the caller decides what a full table means */
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ch = ch;
	p->last_ns = d->loop.now;
	p->nid = *nid;
	p->state = PEER_IDLE;
	p->health = PEER_HEALTH_MAX;
	lu2k_list_init(&p->inconns);
	lu2k_list_init(&p->queue);
	lu2k_heap_timer_init(&p->timer, peer_timer);
	p->backoff_ms = 0;
	if (d->npeers >= d->peer_buckets)
		rehash(d);
	b = hash_key(ch, nid) & (d->peer_buckets - 1);
	p->hnext = d->peer_hash[b];
	d->peer_hash[b] = p;
	lu2k_list_add_tail(&d->peers, &p->link);
	d->npeers++;
	lu2kd_peers_sweep_arm(d);
	return p;
}

static void peer_unhash(struct lu2kd *d, struct lu2kd_peer *p)
{
	struct lu2kd_peer **pp = &d->peer_hash[hash_key(p->ch, &p->nid) & (d->peer_buckets - 1)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == p) {
			*pp = p->hnext;
			break;
		}
	}
	lu2k_list_del(&p->link);
	d->npeers--;
}

void lu2kd_peer_forget(struct lu2kd *d, struct lu2kd_peer *p)
{
	lu2k_loop_timer_cancel(&d->loop, &p->timer);
	peer_unhash(d, p);
	free(p->dedup);
	free(p->told);
	free(p);
}

uint32_t lu2kd_backoff_next(uint32_t cur, uint32_t min_ms, uint32_t max_ms, uint32_t *rng)
{
	uint64_t next = cur ? (uint64_t)cur * 2 : min_ms;
	uint32_t jitter;

	if (next > max_ms)
		next = max_ms;
	/* xorshift32; +-25 % so that peers that failed together do not retry together */
	*rng ^= *rng << 13;
	*rng ^= *rng >> 17;
	*rng ^= *rng << 5;
	jitter = (uint32_t)(next / 2);
	if (jitter)
		next = next - next / 4 + *rng % (jitter + 1);
	return next ? (uint32_t)next : 1;
}

static struct lu2kd *peer_daemon(struct lu2kd_peer *p)
{
	return p->ch->d;
}

static void fail_queue(struct lu2kd_peer *p, int err)
{
	while (!lu2k_list_empty(&p->queue)) {
		struct lu2kd_msg *m = lu2k_list_first(&p->queue, struct lu2kd_msg, link);

		lu2kd_msg_complete(m, err);
	}
}

static void peer_connect(struct lu2kd_peer *p);

/* Hand queued messages to the back-end while it takes them. */
int lu2kd_peer_send_head(struct lu2kd_peer *p, struct lu2kd_conn *c)
{
	struct lu2kd_msg *m = lu2k_list_first(&p->queue, struct lu2kd_msg, link);
	int rc;

	lu2k_list_del(&m->link);
	p->nqueued--;
	m->state = MSG_SENDING;
	m->conn = c;
	p->ninflight++;
	rc = peer_daemon(p)->be_ops->send(c->bc, &m->bm);
	if (rc == -ENOBUFS) {
		p->ninflight--;
		m->state = MSG_QUEUED;
		m->conn = NULL;
		lu2k_list_add_head(&p->queue, &m->link);
		p->nqueued++;
	} else if (rc < 0) {
		lu2kd_msg_complete(m, rc);
	}
	return rc;
}

static void flush_queue(struct lu2kd_peer *p)
{
	while (p->state == PEER_UP && !p->blocked && !lu2k_list_empty(&p->queue))
		if (lu2kd_peer_send_head(p, p->out) == -ENOBUFS)
			p->blocked = true;
}

void lu2kd_peer_submit(struct lu2kd_peer *p, struct lu2kd_msg *m)
{
	if (lu2kd_mpath_submit(p, m))
		return;
	m->peer = p;
	m->state = MSG_QUEUED;
	lu2k_list_add_tail(&p->queue, &m->link);
	p->nqueued++;
	switch (p->state) {
	case PEER_UP:
		flush_queue(p);
		break;
	case PEER_IDLE:
		peer_connect(p);
		break;
	case PEER_CONNECTING:
	case PEER_BACKOFF:
		break;
	}
}

static void enter_backoff(struct lu2kd_peer *p, int err)
{
	struct lu2kd *d = peer_daemon(p);
	char nid[LU2K_NID_STRLEN];

	p->state = PEER_BACKOFF;
	p->last_err = err;
	p->connect_fails++;
	lu2kd_peer_health(p, false);
	p->backoff_ms = lu2kd_backoff_next(p->backoff_ms, d->cfg.reconnect_min_ms,
					   d->cfg.reconnect_max_ms, &d->rng);
	LOG_RL(LU2K_LOG_WARN, "peer %s: connect failed: %s; next attempt in %u ms",
	       lu2k_nid_format(&p->nid, nid, sizeof(nid)), strerror(-err), p->backoff_ms);
	lu2kd_chan_post_evt(p->ch, LU2K_EVT_PEER_DOWN, err, &p->nid);
	if (lu2k_loop_timer_arm(&d->loop, &p->timer, lu2k_time_ms_to_ns(p->backoff_ms)))
		p->state = PEER_IDLE; /* no timer to end the wait: the next message tries at once */
	fail_queue(p, err);
}

static void peer_connect(struct lu2kd_peer *p)
{
	struct lu2kd *d = peer_daemon(p);
	struct lu2kd_conn *c = calloc(1, sizeof(*c));
	int rc;

	if (!c) {
		enter_backoff(p, -ENOMEM);
		return;
	}
	c->d = d;
	c->peer = p;
	c->out = true;
	c->start_ns = d->loop.now;
	lu2k_list_init(&c->link);
	lu2k_list_init(&c->wait_link);
	p->out = c;
	p->state = PEER_CONNECTING;
	p->connects++;
	rc = d->be_ops->connect(d->be, &p->ch->nid, NULL, &p->nid, (uint16_t)d->cfg.port, c,
				&c->bc);
	if (rc < 0) {
		p->out = NULL;
		free(c);
		enter_backoff(p, rc);
		return;
	}
	if (lu2k_loop_timer_arm(&d->loop, &p->timer,
				lu2k_time_ms_to_ns(d->cfg.connect_timeout_ms))) {
		/* an attempt without its timeout could hang for good */
		d->be_ops->close(c->bc);
		p->out = NULL;
		free(c);
		enter_backoff(p, -ENOMEM);
	}
}

static void peer_timer(struct lu2k_timer *t)
{
	struct lu2kd_peer *p = lu2k_container_of(t, struct lu2kd_peer, timer);
	struct lu2kd *d = peer_daemon(p);

	if (p->state == PEER_CONNECTING) {
		/* The back-end never answered: give up on this attempt. */
		d->be_ops->close(p->out->bc);
		free(p->out);
		p->out = NULL;
		enter_backoff(p, -ETIMEDOUT);
	} else if (p->state == PEER_BACKOFF) {
		p->state = PEER_IDLE;
		if (!lu2k_list_empty(&p->queue))
			peer_connect(p);
	}
}

void lu2kd_peer_connected(struct lu2kd_conn *c)
{
	struct lu2kd_peer *p = c->peer;
	struct lu2kd *d = peer_daemon(p);
	char nid[LU2K_NID_STRLEN];

	if (c->mp) {
		lu2kd_mpath_connected(c);
		return;
	}
	lu2k_loop_timer_cancel(&d->loop, &p->timer);
	p->state = PEER_UP;
	p->blocked = false;
	/* up before the far end answered (udt's first flight): an attempt until confirmed */
	if (d->be_ops->early_connect)
		LOG_RL(LU2K_LOG_DEBUG, "peer %s: sending ahead of the handshake's answer",
		       lu2k_nid_format(&p->nid, nid, sizeof(nid)));
	else
		lu2kd_peer_confirmed(c);
	flush_queue(p);
}

void lu2kd_peer_confirmed(struct lu2kd_conn *c)
{
	struct lu2kd_peer *p = c->peer;
	char nid[LU2K_NID_STRLEN];

	if (c->mp || c->confirmed || p->out != c)
		return;
	c->confirmed = true;
	p->backoff_ms = 0;
	p->last_err = 0;
	LOG_RL(LU2K_LOG_INFO, "peer %s: connected", lu2k_nid_format(&p->nid, nid, sizeof(nid)));
	lu2kd_chan_post_evt(p->ch, LU2K_EVT_PEER_UP, 0, &p->nid);
}

void lu2kd_peer_health(struct lu2kd_peer *p, bool ok)
{
	if (!ok)
		p->health = p->health > PEER_HEALTH_FAIL ? p->health - PEER_HEALTH_FAIL : 0;
	else if (p->health < PEER_HEALTH_MAX)
		p->health = p->health + PEER_HEALTH_OK < PEER_HEALTH_MAX
				    ? p->health + PEER_HEALTH_OK
				    : PEER_HEALTH_MAX;
}

void lu2kd_peer_ping(struct lu2kd_peer *p)
{
	struct lu2kd *d = peer_daemon(p);

	if (lu2kd_mpath_ping(p))
		return;

	if (p->state == PEER_BACKOFF) {
		lu2k_loop_timer_cancel(&d->loop, &p->timer);
		p->state = PEER_IDLE;
	}
	if (p->state == PEER_IDLE)
		peer_connect(p);
}

void lu2kd_peer_writable(struct lu2kd_conn *c)
{
	if (c->mp) {
		lu2kd_mpath_writable(c);
		return;
	}
	c->peer->blocked = false;
	flush_queue(c->peer);
}

void lu2kd_peer_conn_closed(struct lu2kd_conn *c, int err)
{
	struct lu2kd_peer *p = c->peer;
	struct lu2kd *d = c->d;
	char nid[LU2K_NID_STRLEN];
	bool confirmed;

	lu2kd_peer_touch(d, p);
	if (c->mp) {
		lu2kd_mpath_closed(c, err);
		return;
	}
	if (!c->out) {
		lu2kd_chan_rx_unwait(c);
		lu2k_list_del(&c->link);
		p->nin--;
		LOG_RL(LU2K_LOG_INFO, "peer %s: incoming connection closed%s%s",
		       lu2k_nid_format(&p->nid, nid, sizeof(nid)),
		       err == -ESHUTDOWN ? " by the peer" : ": ",
		       err == -ESHUTDOWN ? "" : strerror(-err));
		free(c);
		return;
	}
	confirmed = c->confirmed;
	p->out = NULL;
	free(c);
	/*
	 * A refused hello is a failed attempt too, and so is a connection that
	 * took messages before the far end answered and never heard it: back
	 * off rather than retry at once.
	 */
	if (p->state == PEER_CONNECTING || err == -ECONNREFUSED || !confirmed) {
		lu2k_loop_timer_cancel(&d->loop, &p->timer);
		enter_backoff(p, err);
		return;
	}
	/*
	 * An established connection ended: reconnect at once if there is work.
	 * -ESHUTDOWN is the peer closing on purpose (its lu2kd stopping or
	 * restarting): news, not an error, unless messages were lost with it
	 * (those are counted and reported one by one).
	 */
	if (err == -ESHUTDOWN) {
		LOG_RL(LU2K_LOG_INFO, "peer %s: connection closed by the peer",
		       lu2k_nid_format(&p->nid, nid, sizeof(nid)));
		p->closed_by_peer++;
	} else {
		LOG_RL(LU2K_LOG_WARN, "peer %s: connection lost: %s",
		       lu2k_nid_format(&p->nid, nid, sizeof(nid)), strerror(-err));
		p->errors++;
		p->last_err = err;
		lu2kd_peer_health(p, false);
	}
	p->state = PEER_IDLE;
	p->blocked = false;
	lu2kd_chan_post_evt(p->ch, LU2K_EVT_PEER_DOWN, err, &p->nid);
	if (!lu2k_list_empty(&p->queue))
		peer_connect(p);
}

/* The channel is going away: close everything of its peers and forget them. */
void lu2kd_peer_drop_chan(struct lu2kd *d, struct lu2kd_chan *ch)
{
	struct lu2k_list *pos, *tmp;

	lu2k_list_for_each_safe(pos, tmp, &d->peers)
	{
		struct lu2kd_peer *p = lu2k_container_of(pos, struct lu2kd_peer, link);

		if (p->ch != ch)
			continue;
		lu2k_loop_timer_cancel(&d->loop, &p->timer);
		lu2kd_mpath_free(p);
		if (p->out) {
			/* The back-end fails what it holds (-ECANCELED) inside close(). */
			d->be_ops->close(p->out->bc);
			free(p->out);
			p->out = NULL;
		}
		while (!lu2k_list_empty(&p->inconns)) {
			struct lu2kd_conn *c =
				lu2k_list_first(&p->inconns, struct lu2kd_conn, link);

			lu2kd_chan_rx_unwait(c);
			lu2k_list_del(&c->link);
			d->be_ops->close(c->bc);
			free(c);
		}
		fail_queue(p, -ECANCELED);
		lu2kd_peer_forget(d, p);
	}
}
