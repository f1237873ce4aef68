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
	rb->iov_cap = UDT_RCVBUF_IOV_INIT;
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
	 * What an ACK granted: the sender sent it, trusting the grant, a
	 * round trip before the budget filled. Refused, it would be resent
	 * and taken by the sender's CC for loss on the path.
	 */
	if (rb->granted && udt_seq_cmp(seq, rb->grant_edge) < 0)
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
	/*
	 * The delivery's iovec array grew to the largest message's packets
	 * (rcvbuf.c, deliver_range): 16 KiB kept after one 1 MiB message.
	 */
	if (rb->iov_cap > UDT_RCVBUF_IOV_INIT && all_empty(rb)) {
		struct iovec *niov = malloc(UDT_RCVBUF_IOV_INIT * sizeof(*niov));

		if (niov) {
			freed += (rb->iov_cap - UDT_RCVBUF_IOV_INIT) * sizeof(*niov);
			free(rb->iov);
			rb->iov = niov;
			rb->iov_cap = UDT_RCVBUF_IOV_INIT;
		}
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

/*
 * udt_rcvbuf_avail, where ahead packets past ack_seq are in already; *cut:
 * the flow share made it less than the window would grant
 */
static uint32_t window_grant(struct udt_rcvbuf *rb, uint32_t ack_seq, uint32_t ahead, int *cut)
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
	*cut = 0;
	if ((uint32_t)used + spare + 1 >= cap)
		return 0;
	avail = cap - (uint32_t)used - spare - 1;
	/*
	 * what the sender may still send may be in the shared socket at once;
	 * what came past a hole is in the window already (its memory counts
	 * above), and a hole that stalls the ACK point for round trips must
	 * not stall a long flow at the share
	 */
	if (share && avail > ahead && avail - ahead > share) {
		avail = share + ahead;
		rb->mem->flow_cuts++;
		*cut = 1;
	}
	return avail;
}

uint32_t udt_rcvbuf_avail(struct udt_rcvbuf *rb, uint32_t ack_seq)
{
	int cut;

	return window_grant(rb, ack_seq, 0, &cut);
}

void udt_rcvbuf_granted(struct udt_rcvbuf *rb, uint32_t ack_seq, uint32_t avail, uint64_t rtt_ns,
			uint64_t now_ns)
{
	uint32_t edge = udt_seq_add(ack_seq, avail);

	/*
	 * A smaller grant replaces a larger one only once what the larger let
	 * the sender send has arrived: two round trips (and an ACK interval)
	 * on. A grant is not kept for later, or a sender could claim the
	 * budget long after others took it.
	 */
	if (!rb->granted || udt_seq_cmp(edge, rb->grant_edge) >= 0 ||
	    now_ns >= rb->grant_ns + 2 * rtt_ns + UDT_RCVBUF_GRANT_SLACK_NS) {
		rb->grant_edge = edge;
		rb->grant_ns = now_ns;
	}
	rb->granted = 1;
}

uint32_t udt_rcvbuf_first_window(struct udt_rcvbuf *rb)
{
	int cut;
	uint32_t avail;

	if (!rb->mem || !udt_rxmem_flow_share(rb->mem))
		return 0;
	avail = window_grant(rb, rb->base_seq, 0, &cut);
	return cut ? avail : 0;
}

uint32_t udt_rcvbuf_grant(struct udt_rcvbuf *rb, uint32_t ack_seq, uint32_t top, uint64_t rtt_ns,
			  uint64_t now_ns)
{
	int32_t ahead = udt_seq_off(ack_seq, top);
	int cut;
	uint32_t avail = window_grant(rb, ack_seq, ahead > 0 ? (uint32_t)ahead : 0, &cut);
	uint32_t edge = udt_seq_add(ack_seq, avail);
	uint64_t third;
	uint32_t i;

	if (!cut) {
		/* the window, not the share, limits the sender: what it reaches says nothing */
		rb->flow_edges = 0;
		return avail;
	}
	/* an ACK goes every 10 ms at most: a shorter round trip changes nothing */
	if (rtt_ns < UDT_RXMEM_FLOW_FILL_NS)
		rtt_ns = UDT_RXMEM_FLOW_FILL_NS;
	third = rtt_ns / 3 + 1;
	/*
	 * Edges of the round trip before the last cut grant, not before now,
	 * and granted since the total last went up (a sender that waited at
	 * an edge of the smaller total does not need more of the larger):
	 * a hole that stalled the ACK point for several round trips sent no
	 * grant meanwhile, and the edge its sender waited at is the last one
	 * granted before it.
	 */
	for (i = 0; i < UDT_RCVBUF_FLOW_BUCKETS; i++)
		if ((rb->flow_edges & (1u << i)) &&
		    rb->flow_edge_ns[i] + 4 * third >= rb->flow_grant_ns &&
		    rb->flow_edge_ns[i] >= rb->mem->flow_step_ns &&
		    udt_seq_cmp(top, rb->flow_edge[i]) >= 0) {
			rb->mem->flow_held++;
			break;
		}
	i = rb->flow_bucket;
	if (!(rb->flow_edges & (1u << i)) || now_ns >= rb->flow_edge_ns[i] + third) {
		i = (i + 1) % UDT_RCVBUF_FLOW_BUCKETS;
		rb->flow_bucket = i;
		rb->flow_edges |= 1u << i;
		rb->flow_edge[i] = edge;
		rb->flow_edge_ns[i] = now_ns;
	} else if (udt_seq_cmp(edge, rb->flow_edge[i]) < 0) {
		rb->flow_edge[i] = edge;
	}
	rb->flow_grant_ns = now_ns;
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
	const uint32_t most = (1u << UDT_RXMEM_FLOW_SEEN_BITS) - 1;
	uint32_t epoch, n;

	if (!m->flow_sock)
		return;
	if (now_ns >= m->flow_epoch_end) {
		/* an epoch without a packet between: nobody from it is still sending */
		int next = now_ns < m->flow_epoch_end + UDT_RXMEM_FLOW_EPOCH_NS;

		m->flows_prev = next ? m->flows_now : 0;
		/*
		 * A window counts once it received a 256th of what the busiest
		 * received in the last epoch (up to UDT_RXMEM_FLOW_BUSY): a ping
		 * beside a long flow does not halve the long flow's share, and
		 * 1,000 senders that a loaded receiver slowed to a few packets
		 * each still count, all of them.
		 */
		m->flow_busy = next ? m->flow_most / 256 : 0;
		if (m->flow_busy < 1)
			m->flow_busy = 1;
		if (m->flow_busy > UDT_RXMEM_FLOW_BUSY)
			m->flow_busy = UDT_RXMEM_FLOW_BUSY;
		m->flows_now = 0;
		m->flow_most = 0;
		if (++m->flow_epoch >> (32 - UDT_RXMEM_FLOW_SEEN_BITS))
			m->flow_epoch = 1;
		m->flow_epoch_end = now_ns + UDT_RXMEM_FLOW_EPOCH_NS;
	}
	if (!*seen)
		m->flow_new_ns = now_ns;
	epoch = *seen >> UDT_RXMEM_FLOW_SEEN_BITS;
	n = *seen & most;
	if (epoch != m->flow_epoch) {
		epoch = m->flow_epoch;
		n = 0;
	}
	if (n < most && ++n == (m->flow_busy ? m->flow_busy : 1))
		m->flows_now++;
	if (n > m->flow_most)
		m->flow_most = n;
	*seen = epoch << UDT_RXMEM_FLOW_SEEN_BITS | n;
	m->flows = m->flows_now > m->flows_prev ? m->flows_now : m->flows_prev;
}

void udt_rxmem_flow_new(struct udt_rxmem *m, uint32_t *seen, uint64_t now_ns)
{
	for (int i = 0; i < UDT_RXMEM_FLOW_BUSY; i++)
		udt_rxmem_flow_seen(m, seen, now_ns);
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
		m->flow_up_ns = now_ns;
		m->flow_fill_peak = 0;
	} else {
		if (used > m->flow_fill_peak)
			m->flow_fill_peak = used;
		if (now_ns < m->flow_up_ns + UDT_RXMEM_FLOW_UP_NS)
			goto out;
		/*
		 * Room to spare all along, a sender used all that its share
		 * granted it since the last step up, and no sender came lately:
		 * what is in flight is elsewhere too (on a long path, in the
		 * network; on a busy host, in the senders' queues and their
		 * loops), and a receiver that runs dry waits a round trip for
		 * the next packets. (Windows that want less than their share ask
		 * for nothing more: a total that grew meanwhile would let them
		 * all overflow the socket once more of them send.)
		 */
		if (4 * m->flow_fill_peak < cap && t != UDT_RXMEM_FLOW_OFF && t < hi &&
		    m->flow_held != m->flow_held_up &&
		    now_ns >= m->flow_new_ns + UDT_RXMEM_FLOW_EPOCH_NS) {
			m->flow_held_up = m->flow_held;
			t += t / 4;
			if (t > hi)
				t = hi;
			if (t > (uint64_t)UDT_RXMEM_FLOW_CEIL * lo)
				t = UDT_RXMEM_FLOW_OFF;
			m->flow_ups++;
			m->flow_step_ns = now_ns;
		}
		/* the next step looks at the socket's fullest over the next UDT_RXMEM_FLOW_UP_NS */
		m->flow_up_ns = now_ns;
		m->flow_fill_peak = 0;
	}
out:
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
