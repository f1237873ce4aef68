// SPDX-License-Identifier: MIT
/*
 * rcvbuf_mem.c - a receive window's memory (rcvbuf.h, MEMORY): its tables
 * and packet buffers, charged to the budget the connections share, each
 * held to a fair share of it past half; the window it may advertise; what
 * it gives back when idle (trim). The delivery is rcvbuf.c's.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rcvbuf.h"
#include "rcvbuf_int.h"
#include "seq.h"

int udt_rcvbuf_init(struct udt_rcvbuf *rb, uint32_t cap_pkts, size_t payload, int stream,
		    uint32_t first_seq, udt_deliver_fn deliver, void *ctx)
{
	uint32_t cap = 16;

	memset(rb, 0, sizeof(*rb));
	while (cap < cap_pkts && cap < (1u << 24))
		cap <<= 1;
	rb->win = cap;
	/* both tables grow on demand (grow_slots(), grow_msgs()): an idle window holds small ones */
	if (cap > UDT_RCVBUF_INIT_PKTS)
		cap = UDT_RCVBUF_INIT_PKTS;
	rb->slot = calloc(cap, sizeof(*rb->slot));
	rb->msg = calloc(cap, sizeof(*rb->msg));
	rb->iov_cap = 64;
	rb->iov = malloc(rb->iov_cap * sizeof(*rb->iov));
	rb->pool_cap = 64;
	rb->pool = malloc(rb->pool_cap * sizeof(*rb->pool));
	if (!rb->slot || !rb->msg || !rb->iov || !rb->pool) {
		udt_rcvbuf_fini(rb);
		return -ENOMEM;
	}
	rb->cap = rb->mcap = cap;
	rb->mask = rb->mmask = cap - 1;
	rb->base_seq = rb->scan_seq = first_seq;
	rb->payload = payload;
	rb->stream = stream;
	rb->deliver = deliver;
	rb->ctx = ctx;
	return 0;
}

void udt_rcvbuf_set_limits(struct udt_rcvbuf *rb, struct udt_rxmem *mem, size_t held_max,
			   uint32_t max_msg_pkts)
{
	rb->mem = mem;
	if (mem)
		mem->users++;
	rb->held_max = held_max;
	rb->max_msg_pkts = max_msg_pkts;
}

/* Every packet buffer is charged to the window and to the shared budget. */
static void charge(struct udt_rcvbuf *rb, int add)
{
	struct udt_rxmem *m = rb->mem;

	if (add) {
		rb->held += rb->payload;
		if (m && (m->used += rb->payload) > m->peak)
			m->peak = m->used;
	} else {
		rb->held -= rb->payload;
		if (m)
			m->used -= rb->payload;
	}
}

void udt_rb_free_buf(struct udt_rcvbuf *rb, uint8_t *p)
{
	free(p);
	charge(rb, 0);
}

/* A window's fair share of the budget: half of it split among the windows holding packets. */
static size_t fair_share(const struct udt_rcvbuf *rb)
{
	const struct udt_rxmem *m = rb->mem;
	size_t n = (size_t)m->active + (rb->nheld ? 0 : 1);

	return m->max / (2 * n);
}

/* May the window take one more buffer, for seq? See MEMORY in rcvbuf.h. */
static int admit(const struct udt_rcvbuf *rb, uint32_t seq)
{
	const struct udt_rxmem *m = rb->mem;
	size_t p = rb->payload;

	if (rb->held_max && rb->held + p > rb->held_max)
		return 0;
	if (!m)
		return 1;
	if (m->used + p > m->max)
		return 0;
	if (m->used + p <= m->max / 2 || rb->held + p <= fair_share(rb))
		return 1;
	/*
	 * The hole the window's head waits for: it moves the window on, so a
	 * window that got more than its share before others came can still
	 * complete what it holds and give it back.
	 */
	return seq == rb->scan_seq && !rb->blocked;
}

/* Counts the packets a window holds, and the windows that hold any. */
void udt_rb_count_held(struct udt_rcvbuf *rb, int add)
{
	if (add) {
		if (!rb->nheld++ && rb->mem)
			rb->mem->active++;
	} else if (!--rb->nheld && rb->mem) {
		rb->mem->active--;
	}
}

uint8_t *udt_rb_get_buf(struct udt_rcvbuf *rb, uint32_t seq)
{
	uint8_t *p;

	if (rb->npool) {
		p = rb->pool[--rb->npool];
	} else if (!admit(rb, seq)) {
		/* the packet that would move the window on: we hold it up, not the peer */
		if (seq == rb->scan_seq)
			rb->head_nomem++;
		rb->mem_drops++;
		if (rb->mem)
			rb->mem->drops++;
		return NULL;
	} else {
		p = malloc(rb->payload);
		if (!p)
			return NULL;
		charge(rb, 1);
	}
	udt_rb_count_held(rb, 1);
	return p;
}

/* Every slot empty, every message forgotten: the tables can start over. */
static bool all_empty(const struct udt_rcvbuf *rb)
{
	uint32_t i;

	if (rb->nheld || rb->nrefused || rb->in_msg || rb->outer || rb->blocked || rb->pl.on)
		return false;
	for (i = 0; i < rb->cap; i++)
		if (rb->slot[i].state != UDT_RS_EMPTY || rb->slot[i].data || rb->slot[i].flags)
			return false;
	for (i = 0; i < rb->mcap; i++)
		if (rb->msg[i].valid)
			return false;
	return true;
}

size_t udt_rcvbuf_trim(struct udt_rcvbuf *rb)
{
	size_t freed = 0;

	while (rb->npool) {
		udt_rb_free_buf(rb, rb->pool[--rb->npool]);
		freed += rb->payload;
	}
	if ((rb->cap > UDT_RCVBUF_INIT_PKTS || rb->mcap > UDT_RCVBUF_INIT_PKTS) && all_empty(rb)) {
		uint32_t n = UDT_RCVBUF_INIT_PKTS;
		struct udt_rslot *ns = rb->cap > n ? calloc(n, sizeof(*ns)) : NULL;
		struct udt_rmsg *nm = rb->mcap > n ? calloc(n, sizeof(*nm)) : NULL;

		if (ns) {
			freed += (size_t)(rb->cap - n) * sizeof(*ns);
			free(rb->slot);
			rb->slot = ns;
			rb->cap = n;
			rb->mask = n - 1;
			rb->base_idx = 0;
		}
		if (nm) {
			freed += (size_t)(rb->mcap - n) * sizeof(*nm);
			free(rb->msg);
			rb->msg = nm;
			rb->mcap = n;
			rb->mmask = n - 1;
		}
	}
	return freed;
}

void udt_rcvbuf_fini(struct udt_rcvbuf *rb)
{
	uint32_t i;

	/* a placed message's memory is the application's, which ends it (PLACEMENT) */
	if (rb->slot)
		for (i = 0; i < rb->cap; i++)
			if (rb->slot[i].data && !(rb->slot[i].flags & UDT_RS_PLACED)) {
				udt_rb_free_buf(rb, rb->slot[i].data);
				udt_rb_count_held(rb, 0);
			}
	while (rb->npool)
		udt_rb_free_buf(rb, rb->pool[--rb->npool]);
	if (rb->mem)
		rb->mem->users--;
	free(rb->slot);
	free(rb->msg);
	free(rb->iov);
	free(rb->pool);
	memset(rb, 0, sizeof(*rb));
}

/* Bytes of buffers this window may hold now, by held_max and the shared budget (see admit). */
static size_t allowed(const struct udt_rcvbuf *rb)
{
	const struct udt_rxmem *m = rb->mem;
	size_t a = rb->held_max ? rb->held_max : SIZE_MAX, b, share;

	if (!m)
		return a;
	/* everything free, but past half only up to a fair share */
	b = rb->held + (m->used < m->max ? m->max - m->used : 0);
	share = fair_share(rb);
	if (m->used < m->max / 2 && share < rb->held + m->max / 2 - m->used)
		share = rb->held + m->max / 2 - m->used;
	if (b > share)
		b = share;
	return a < b ? a : b;
}

uint32_t udt_rcvbuf_avail(struct udt_rcvbuf *rb, uint32_t ack_seq)
{
	int32_t used = udt_seq_off(rb->base_seq, ack_seq);
	size_t pkts = allowed(rb) / rb->payload;
	uint32_t cap = rb->win, spare = 0, share = rb->mem ? udt_rxmem_flow_share(rb->mem) : 0;
	uint32_t avail;

	/* never grant more than the window may keep: what it holds before ack_seq and spares count */
	if (pkts < cap) {
		cap = (uint32_t)pkts;
		spare = (uint32_t)rb->npool;
	}
	if (used < 0)
		used = 0;
	if ((uint32_t)used + spare + 1 >= cap)
		return 0;
	avail = cap - (uint32_t)used - spare - 1;
	/* what is beyond the ACK point may be in the shared socket at once */
	if (share && avail > share) {
		avail = share;
		rb->mem->flow_cuts++;
	}
	return avail;
}

void udt_rxmem_flow_init(struct udt_rxmem *m, uint32_t sock_pkts)
{
	m->flow_sock = sock_pkts;
	m->flow_pkts = sock_pkts;
	m->flow_epoch = 1;
}

void udt_rxmem_flow_seen(struct udt_rxmem *m, uint32_t *seen, uint64_t now_ns)
{
	if (!m->flow_sock)
		return;
	if (now_ns >= m->flow_epoch_end) {
		/* an epoch without a packet between: nobody from it is still sending */
		m->flows_prev =
			now_ns < m->flow_epoch_end + UDT_RXMEM_FLOW_EPOCH_NS ? m->flows_now : 0;
		m->flows_now = 0;
		if (++m->flow_epoch == 0)
			m->flow_epoch = 1;
		m->flow_epoch_end = now_ns + UDT_RXMEM_FLOW_EPOCH_NS;
	}
	if (*seen != m->flow_epoch) {
		*seen = m->flow_epoch;
		m->flows_now++;
	}
	m->flows = m->flows_now > m->flows_prev ? m->flows_now : m->flows_prev;
}

int udt_rxmem_flow_due(const struct udt_rxmem *m, uint64_t now_ns)
{
	return m->flow_sock && now_ns >= m->flow_fill_next;
}

void udt_rxmem_flow_fill(struct udt_rxmem *m, uint64_t used, uint64_t cap, int dropped,
			 uint64_t now_ns)
{
	uint64_t t = m->flow_pkts, lo = m->flow_sock;
	/* after a drop, not back to where it was for a while */
	uint64_t hi = m->flow_drop_ns && now_ns < m->flow_drop_ns + UDT_RXMEM_FLOW_DROP_NS
			      ? m->flow_drop_pkts
			      : UINT64_MAX;

	if (!m->flow_sock)
		return;
	m->flow_fill_next = now_ns + UDT_RXMEM_FLOW_FILL_NS;
	if (dropped || 2 * used > cap) {
		/* from unlimited: what the socket holds, twice, as a start */
		t = t == UDT_RXMEM_FLOW_OFF ? 2 * lo : t - t / 4;
		if (t < lo)
			t = lo;
		m->flow_downs++;
		if (dropped) {
			m->flow_drop_ns = now_ns;
			m->flow_drop_pkts = (uint32_t)t;
		}
	} else if (4 * used < cap && t != UDT_RXMEM_FLOW_OFF && t < hi &&
		   m->flow_cuts != m->flow_cuts_up &&
		   now_ns >= m->flow_up_ns + UDT_RXMEM_FLOW_UP_NS) {
		/*
		 * Room to spare, and the share held a window back since the last
		 * step up: what is in flight is elsewhere too (on a long path,
		 * in the network; on a busy host, in the senders' queues and
		 * their loops), and a receiver that runs dry waits a round trip
		 * for the next packets. (Windows that want less than their
		 * share ask for nothing more: a total that grew meanwhile would
		 * let them all overflow the socket once more of them send.)
		 */
		m->flow_cuts_up = m->flow_cuts;
		t += t / 4;
		if (t > hi)
			t = hi;
		if (t > (uint64_t)UDT_RXMEM_FLOW_CEIL * lo)
			t = UDT_RXMEM_FLOW_OFF;
		m->flow_up_ns = now_ns;
	}
	m->flow_pkts = t > UDT_RXMEM_FLOW_OFF ? UDT_RXMEM_FLOW_OFF : (uint32_t)t;
}

uint32_t udt_rxmem_flow_share(const struct udt_rxmem *m)
{
	uint32_t n = m->flows ? m->flows : 1, s;

	if (!m->flow_sock || m->flow_pkts == UDT_RXMEM_FLOW_OFF)
		return 0;
	s = m->flow_pkts / n;
	return s < UDT_RXMEM_FLOW_MIN ? UDT_RXMEM_FLOW_MIN : s;
}
