/* SPDX-License-Identifier: MIT */
/*
 * chan.c - one channel: the daemon's side of the rings of an attached kernel
 * half. Drains TX and FREE in batches, posts CPL, RX and EVT, kicks the
 * kernel half at most once per loop round and only when it asked for it
 * (LU2K_RING_NEED_WAKEUP). Every descriptor is copied out and checked
 * (include/lu2k/desc.h + our tables) before use; bad ones are counted and
 * answered or dropped without touching anything else.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/nid.h"
#include "core.h"
#include "common/log.h"
#include "mpath.h"

#define EVT_BACKLOG_MAX 4096

struct evt_pending {
	struct lu2k_list link;
	struct lu2k_evt_desc d;
};

struct lu2kd_chan *lu2kd_chan_by_nid(struct lu2kd *d, const struct lu2k_nid *nid)
{
	struct lu2k_list *pos;

	lu2k_list_for_each(pos, &d->chans)
	{
		struct lu2kd_chan *ch = lu2k_container_of(pos, struct lu2kd_chan, link);

		if (!ch->dead && lu2k_nid_equal(&ch->nid, nid))
			return ch;
	}
	return NULL;
}

/* Map the region of fd as described by s (already checked) and bind the rings. */
int lu2kd_chan_map(struct lu2kd_chan *ch, int fd, const struct lu2k_setup *s)
{
	const struct lu2k_region_hdr *hdr;
	struct stat stt;
	void *r;

	if (fstat(fd, &stt) == 0 && S_ISREG(stt.st_mode) && (uint64_t)stt.st_size < s->region_size)
		return -EINVAL; /* a memfd smaller than it claims: would SIGBUS */
	if (s->region_size > (1ull << 40) || s->rx_pool_off % LU2K_RXALLOC_ALIGN ||
	    s->rx_pool_size % LU2K_RXALLOC_ALIGN)
		return -EINVAL;
	r = mmap(NULL, s->region_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, LU2K_MMAP_REGION);
	if (r == MAP_FAILED)
		return -errno;
	hdr = r;
	if (hdr->magic != LU2K_REGION_MAGIC || hdr->size != s->region_size) {
		munmap(r, s->region_size);
		return -EINVAL;
	}
	ch->region = r;
	ch->region_size = s->region_size;
	ch->setup = *s;
	if (lu2k_ring_bind(&ch->tx, r, s->region_size, &s->tx, sizeof(struct lu2k_tx_desc)) ||
	    lu2k_ring_bind(&ch->cpl, r, s->region_size, &s->cpl, sizeof(struct lu2k_cpl_desc)) ||
	    lu2k_ring_bind(&ch->rx, r, s->region_size, &s->rx, sizeof(struct lu2k_rx_desc)) ||
	    lu2k_ring_bind(&ch->free, r, s->region_size, &s->free, sizeof(struct lu2k_free_desc)) ||
	    lu2k_ring_bind(&ch->evt, r, s->region_size, &s->evt, sizeof(struct lu2k_evt_desc)) ||
	    lu2kd_rxalloc_init(&ch->rxa, s->rx_pool_off, s->rx_pool_size)) {
		munmap(r, s->region_size);
		ch->region = NULL;
		return -EINVAL;
	}
	ch->nid = s->nid;
	return 0;
}

static bool feature(const struct lu2kd_chan *ch, uint32_t f)
{
	return ch->setup.features & f;
}

/* ---- producing ---- */

bool lu2kd_chan_post_cpl(struct lu2kd_chan *ch, struct lu2kd_msg *m)
{
	struct lu2k_cpl_desc c = { .cookie = m->cookie, .status = m->status };

	if (m->status)
		ch->st.cpl_err++;
	else
		ch->st.cpl_ok++;
	if (lu2k_list_empty(&ch->cpl_backlog) && lu2k_ring_push(&ch->cpl, &c) == 0) {
		ch->kick_pending = true;
		return false;
	}
	/*
	 * The CPL ring is full (the kernel half posts no more TX than it has
	 * credits, so this is rare): the message itself waits for room, in
	 * order. Nothing is allocated here, so a completion is never lost: a
	 * lost one held the kernel half's credits (and its cookie) for good.
	 */
	ch->st.cpl_backlogged++;
	lu2k_list_add_tail(&ch->cpl_backlog, &m->link);
	return true;
}

/*
 * Hand a received message to the kernel half. Its ring slot was reserved in
 * rx_begin, so this cannot wait; -EIO only if the kernel half broke the ring
 * (the range is freed, the back-end must not acknowledge the message).
 */
int lu2kd_chan_post_rx(struct lu2kd_chan *ch, const struct lu2k_rx_desc *d)
{
	if (lu2k_ring_push(&ch->rx, d)) {
		LOG_RL(LU2K_LOG_ERROR, "channel %u: no RX ring slot for a reserved message",
		       ch->id);
		lu2kd_rxalloc_free(&ch->rxa, d->buf_off, d->alloc_len);
		return -EIO;
	}
	ch->st.rx_msgs++;
	ch->st.rx_bytes += d->hdr_len + d->payload_len;
	ch->kick_pending = true;
	return 0;
}

/* Is there an RX ring slot no message being received has claimed? */
bool lu2kd_chan_rx_ring_room(struct lu2kd_chan *ch)
{
	return lu2k_ring_prod_space(&ch->rx) > ch->rx_reserved;
}

void lu2kd_chan_post_evt(struct lu2kd_chan *ch, uint32_t type, int status,
			 const struct lu2k_nid *nid)
{
	struct lu2k_evt_desc e;
	struct evt_pending *ep;

	if (ch->dead)
		return;
	memset(&e, 0, sizeof(e));
	e.type = type;
	e.status = status;
	if (nid)
		e.nid = *nid;
	ch->st.evts++;
	if (lu2k_list_empty(&ch->evt_backlog) && lu2k_ring_push(&ch->evt, &e) == 0) {
		ch->kick_pending = true;
		return;
	}
	/* Events are advice (LNet learns the same from completions): bound the backlog. */
	if (ch->nevt_backlog >= EVT_BACKLOG_MAX || !(ep = malloc(sizeof(*ep)))) {
		ch->st.evts_dropped++;
		return;
	}
	ep->d = e;
	lu2k_list_add_tail(&ch->evt_backlog, &ep->link);
	ch->nevt_backlog++;
}

static void flush_backlogs(struct lu2kd_chan *ch)
{
	while (!lu2k_list_empty(&ch->cpl_backlog)) {
		struct lu2kd_msg *m = lu2k_list_first(&ch->cpl_backlog, struct lu2kd_msg, link);
		struct lu2k_cpl_desc c = { .cookie = m->cookie, .status = m->status };

		if (lu2k_ring_push(&ch->cpl, &c))
			break;
		ch->kick_pending = true;
		lu2k_list_del(&m->link);
		lu2kd_msg_free(ch->d, m);
	}
	while (!lu2k_list_empty(&ch->evt_backlog)) {
		struct evt_pending *ep =
			lu2k_list_first(&ch->evt_backlog, struct evt_pending, link);

		if (lu2k_ring_push(&ch->evt, &ep->d))
			break;
		ch->kick_pending = true;
		lu2k_list_del(&ep->link);
		ch->nevt_backlog--;
		free(ep);
	}
}

/* ---- RX space ---- */

void lu2kd_chan_rx_wait(struct lu2kd_chan *ch, struct lu2kd_conn *c)
{
	if (c->rx_waiting)
		return;
	c->rx_waiting = true;
	/* the one being resumed keeps its place at the head */
	if (ch->rx_resuming == c) {
		lu2k_list_add_head(&ch->rx_waiters, &c->wait_link);
		return;
	}
	ch->st.rx_waits++;
	ch->d->st.rx_waits++;
	lu2k_list_add_tail(&ch->rx_waiters, &c->wait_link);
}

void lu2kd_chan_rx_unwait(struct lu2kd_conn *c)
{
	if (!c->rx_waiting)
		return;
	c->rx_waiting = false;
	lu2k_list_del(&c->wait_link);
}

/* FREEs came back: let waiting connections try again, oldest first. */
void lu2kd_chan_rx_resume_waiters(struct lu2kd_chan *ch)
{
	struct lu2kd *d = ch->d;

	while (!lu2k_list_empty(&ch->rx_waiters) && !ch->dead) {
		struct lu2kd_conn *c =
			lu2k_list_first(&ch->rx_waiters, struct lu2kd_conn, wait_link);

		/*
		 * Off the list while it tries: a back-end that finds nothing to
		 * receive any more (the message it waited with is gone) must not
		 * stay at the head and hold everyone back. If rx_begin says
		 * -EAGAIN again, it goes back to the head. c may be freed inside
		 * (the conn failed): compare pointers only.
		 */
		lu2kd_chan_rx_unwait(c);
		ch->rx_resuming = c;
		d->be_ops->rx_resume(c->bc); /* calls rx_begin again */
		ch->rx_resuming = NULL;
		if (!lu2k_list_empty(&ch->rx_waiters) &&
		    c == lu2k_list_first(&ch->rx_waiters, struct lu2kd_conn, wait_link))
			break; /* still no room for it */
	}
}

/* ---- consuming ---- */

static struct lu2kd_msg *cookie_find(struct lu2kd_chan *ch, uint64_t cookie)
{
	struct lu2kd_msg *m = ch->cookies[cookie % CHAN_COOKIE_BUCKETS];

	for (; m; m = m->hnext)
		if (m->cookie == cookie)
			return m;
	return NULL;
}

static void take_tx(struct lu2kd_chan *ch, const struct lu2k_tx_desc *t, struct lu2kd_msg *m)
{
	struct lu2kd *d = ch->d;
	struct lu2kd_peer *p;
	int rc;

	ch->st.tx_descs++;
	if (cookie_find(ch, t->cookie)) {
		/* A second completion for a live cookie would confuse the owner: drop. */
		ch->st.tx_dup_cookie++;
		ch->st.tx_bad++;
		LOG_RL(LU2K_LOG_WARN, "channel %u: TX cookie %llu already in flight, dropped",
		       ch->id, (unsigned long long)t->cookie);
		lu2kd_msg_free(d, m);
		return;
	}
	m->ch = ch;
	m->cookie = t->cookie;
	m->start_ns = d->loop.now;
	m->hnext = ch->cookies[t->cookie % CHAN_COOKIE_BUCKETS];
	ch->cookies[t->cookie % CHAN_COOKIE_BUCKETS] = m;
	lu2k_list_add_tail(&ch->msgs, &m->chan_link);
	ch->nmsgs++;
	rc = lu2k_tx_desc_check(&ch->setup, t);
	if (rc) {
		ch->st.tx_bad++;
		LOG_RL(LU2K_LOG_WARN, "channel %u: bad TX descriptor (cookie %llu): %s", ch->id,
		       (unsigned long long)t->cookie, strerror(-rc));
		lu2kd_msg_complete(m, rc);
		return;
	}
	m->bm.buf = (const char *)ch->region + t->buf_off;
	m->bm.hdr_len = t->hdr_len;
	m->bm.payload_len = t->payload_len;
	m->bm.target = t->target;
	p = lu2kd_peer_get(d, ch, &t->nexthop);
	if (!p) {
		lu2kd_msg_complete(m, -ENOMEM);
		return;
	}
	m->peer = NULL;
	if (lu2kd_msg_start_timer(m, t->timeout_ms ? t->timeout_ms : ch->setup.timeout_ms)) {
		lu2kd_msg_complete(m,
				   -ENOMEM); /* a message without its deadline could wait forever */
		return;
	}
	lu2kd_peer_submit(p, m);
}

/*
 * A consumer ring read a batch at a time: the producer's index is read once
 * for all the entries it shows, and they are given back at once at the end.
 * Read and given back one by one (lu2k_ring_pop), each descriptor cost two
 * more cache lines taken from the client's core: the producer's index and
 * ours, which it reads. Each entry is still copied out before it is checked.
 */
struct ring_batch {
	struct lu2k_ring *r;
	uint32_t avail; /* entries the producer's index showed */
	uint32_t k;	/* of them, taken and not yet given back */
};

/* Gives back what was taken; then whether there is more. */
static bool batch_more(struct ring_batch *b)
{
	if (b->k < b->avail)
		return true;
	if (b->k)
		lu2k_ring_cons_release(b->r, b->k);
	b->k = 0;
	b->avail = lu2k_ring_cons_avail(b->r);
	return b->avail > 0;
}

/* Takes the next entry (batch_more said there is one). */
static void batch_take(struct ring_batch *b, void *entry)
{
	memcpy(entry, lu2k_ring_cons_slot(b->r, b->k), b->r->entry_size);
	b->k++;
}

/* Gives back what was taken (not after a detach: the ring is unmapped then). */
static void batch_end(struct ring_batch *b, const struct lu2kd_chan *ch)
{
	if (b->k && !ch->dead)
		lu2k_ring_cons_release(b->r, b->k);
	b->k = b->avail = 0;
}

static uint32_t drain_free(struct lu2kd_chan *ch, uint32_t max)
{
	struct ring_batch b = { &ch->free, 0, 0 };
	struct lu2k_free_desc f;
	uint32_t n = 0;

	while (n < max && batch_more(&b)) {
		batch_take(&b, &f);
		n++;
		ch->st.free_descs++;
		if (lu2k_free_desc_check(&ch->setup, &f) ||
		    lu2kd_rxalloc_free(&ch->rxa, f.buf_off, f.alloc_len)) {
			ch->st.free_bad++;
			LOG_RL(LU2K_LOG_WARN,
			       "channel %u: bad FREE descriptor (offset %llu, %u bytes)", ch->id,
			       (unsigned long long)f.buf_off, f.alloc_len);
		}
	}
	batch_end(&b, ch);
	return n;
}

static uint32_t drain_tx(struct lu2kd_chan *ch, uint32_t max)
{
	struct ring_batch b = { &ch->tx, 0, 0 };
	struct lu2k_tx_desc t;
	uint32_t n = 0;

	while (n < max && !ch->dead && batch_more(&b)) {
		/*
		 * The message first, the descriptor after: out of memory, the
		 * descriptor stays on the ring and is taken on a later round
		 * (its completion could otherwise need memory we do not have).
		 */
		struct lu2kd_msg *m = lu2kd_msg_alloc(ch->d);

		if (!m) {
			ch->st.tx_nomem++;
			LOG_RL(LU2K_LOG_ERROR, "channel %u: out of memory for a message: retrying",
			       ch->id);
			ch->tx_retry = true;
			break;
		}
		batch_take(&b, &t);
		n++;
		take_tx(ch, &t, m);
	}
	batch_end(&b, ch);
	return n;
}

static bool chan_idle(struct lu2k_idle *h)
{
	struct lu2kd_chan *ch = lu2k_container_of(h, struct lu2kd_chan, idle);
	uint32_t batch = ch->d->cfg.batch;
	uint32_t nf, nt;
	bool busy;

	if (ch->dead)
		return false;
	nf = drain_free(ch, batch);
	if (nf)
		lu2kd_chan_rx_resume_waiters(ch);
	nt = drain_tx(ch, batch);
	if (ch->dead)
		return false;
	flush_backlogs(ch);
	/* The kernel half took entries off a full RX ring: connections waiting may go on. */
	if (!nf && !lu2k_list_empty(&ch->rx_waiters) && lu2kd_chan_rx_ring_room(ch))
		lu2kd_chan_rx_resume_waiters(ch);
	if (ch->tx.broken || ch->free.broken || ch->cpl.broken || ch->rx.broken || ch->evt.broken) {
		lu2kd_chan_detach(ch, "the kernel half published an impossible ring index");
		return false;
	}
	busy = nf == batch || nt == batch || ch->tx_retry;
	ch->tx_retry = false;
	if (!busy && feature(ch, LU2K_FEAT_NEED_WAKEUP)) {
		/* About to sleep: ask for kicks, then look once more (ring.h, pair E/F). */
		if (!lu2k_ring_cons_prepare_sleep(&ch->tx) ||
		    !lu2k_ring_cons_prepare_sleep(&ch->free))
			busy = true;
	}
	if (busy) {
		lu2k_ring_cons_awake(&ch->tx);
		lu2k_ring_cons_awake(&ch->free);
	}
	if (ch->kick_pending) {
		ch->kick_pending = false;
		if (!feature(ch, LU2K_FEAT_NEED_WAKEUP) || lu2k_ring_prod_needs_kick(&ch->cpl) ||
		    lu2k_ring_prod_needs_kick(&ch->rx) || lu2k_ring_prod_needs_kick(&ch->evt)) {
			ch->st.kicks_out++;
			ch->ops->kick(ch);
		}
	}
	/* Sent messages are flushed by the back-end's hook, which runs after this one. */
	return busy || nt > 0;
}

static void poll_timer(struct lu2k_timer *t)
{
	struct lu2kd_chan *ch = lu2k_container_of(t, struct lu2kd_chan, poll_timer);

	/* Without NEED_WAKEUP the kernel half may not kick: look every millisecond. */
	if (lu2k_loop_timer_arm(&ch->d->loop, &ch->poll_timer, 1000000))
		lu2kd_chan_detach(ch, "out of memory for its poll timer");
}

int lu2kd_chan_start(struct lu2kd *d, struct lu2kd_chan *ch)
{
	char nid[LU2K_NID_STRLEN];
	int rc;

	ch->d = d;
	ch->id = ++d->next_chan_id;
	ch->attached_ns = d->loop.now;
	lu2k_list_init(&ch->msgs);
	lu2k_list_init(&ch->cpl_backlog);
	lu2k_list_init(&ch->evt_backlog);
	lu2k_list_init(&ch->rx_waiters);
	lu2k_heap_timer_init(&ch->poll_timer, poll_timer);
	rc = d->be_ops->listen(d->be, &ch->nid, (uint16_t)d->cfg.port, &ch->listener);
	if (rc)
		return rc;
	if (!feature(ch, LU2K_FEAT_NEED_WAKEUP) &&
	    lu2k_loop_timer_arm(&d->loop, &ch->poll_timer, 1000000)) {
		d->be_ops->unlisten(ch->listener);
		ch->listener = NULL;
		return -ENOMEM;
	}
	lu2kd_mpath_listen(d, ch);
	lu2k_list_add_tail(&d->chans, &ch->link);
	d->nchans++;
	lu2k_loop_idle_add_head(&d->loop, &ch->idle, chan_idle);
	LOG_INFO("channel %u: %s attached via %s (%s), region %llu MiB, version %u features 0x%x",
		 ch->id, lu2k_nid_format(&ch->nid, nid, sizeof(nid)), ch->ops->name, ch->origin,
		 (unsigned long long)(ch->region_size >> 20), ch->setup.version,
		 ch->setup.features);
	return 0;
}

static void chan_free(struct lu2k_defer *df)
{
	struct lu2kd_chan *ch = lu2k_container_of(df, struct lu2kd_chan, defer);

	free(ch);
}

/*
 * The kernel half is gone (or broke the rules): drop its queued messages,
 * close its connections, unmap. Messages are dropped without completions:
 * there is nobody to complete them to (a module that comes back fails them
 * itself, per the ABI).
 */
void lu2kd_chan_detach(struct lu2kd_chan *ch, const char *why)
{
	struct lu2kd *d = ch->d;
	char nid[LU2K_NID_STRLEN];

	if (ch->dead)
		return;
	LOG_INFO("channel %u: %s detached: %s (%u messages dropped)", ch->id,
		 lu2k_nid_format(&ch->nid, nid, sizeof(nid)), why, ch->nmsgs);
	ch->dead = true;
	d->st.detaches++;
	lu2k_loop_idle_del(&ch->idle);
	lu2k_loop_timer_cancel(&d->loop, &ch->poll_timer);
	if (ch->listener)
		d->be_ops->unlisten(ch->listener);
	ch->listener = NULL;
	lu2kd_mpath_unlisten(d, ch);
	lu2kd_peer_drop_chan(d, ch);
	while (!lu2k_list_empty(&ch->msgs))
		lu2kd_msg_complete(lu2k_list_first(&ch->msgs, struct lu2kd_msg, chan_link),
				   -ECANCELED);
	while (!lu2k_list_empty(&ch->cpl_backlog)) {
		struct lu2kd_msg *m = lu2k_list_first(&ch->cpl_backlog, struct lu2kd_msg, link);

		lu2k_list_del(&m->link);
		free(m);
	}
	while (!lu2k_list_empty(&ch->evt_backlog)) {
		struct evt_pending *ep =
			lu2k_list_first(&ch->evt_backlog, struct evt_pending, link);

		lu2k_list_del(&ep->link);
		free(ep);
	}
	ch->ops->release(ch);
	if (ch->region)
		munmap(ch->region, ch->region_size);
	ch->region = NULL;
	lu2kd_rxalloc_fini(&ch->rxa);
	lu2k_list_del(&ch->link);
	d->nchans--;
	lu2k_loop_defer(&d->loop, &ch->defer, chan_free);
}
