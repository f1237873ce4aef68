// SPDX-License-Identifier: MIT
/*
 * sndbuf.c - sender message queue and in-flight packet ring.
 */
#include "sndbuf.h"
#include "udt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "seq.h"

int udt_sndbuf_init(struct udt_sndbuf *sb, uint32_t cap_pkts, size_t payload, size_t max_bytes,
		    uint32_t base_seq)
{
	uint32_t cap = 16;

	memset(sb, 0, sizeof(*sb));
	while (cap < cap_pkts && cap < (1u << 24))
		cap <<= 1;
	sb->max_cap = cap;
	/* the ring grows with the messages queued (grow()): an idle connection holds a small one */
	if (cap > UDT_SNDBUF_INIT_PKTS)
		cap = UDT_SNDBUF_INIT_PKTS;
	sb->ring = calloc(cap, sizeof(*sb->ring));
	if (!sb->ring)
		return -ENOMEM;
	sb->cap = cap;
	sb->mask = cap - 1;
	sb->payload = payload;
	sb->max_bytes = max_bytes;
	sb->base_seq = base_seq;
	sb->next_msgno = 1;
	sb->small_credit = UDT_SNDBUF_SMALL_CREDIT;
	return 0;
}

static uint32_t npkts(const struct udt_sndbuf *sb, size_t len)
{
	return (uint32_t)((len + sb->payload - 1) / sb->payload);
}

/*
 * Makes the ring hold want packets (at most max_cap). The ring is never
 * smaller than the packets of the queued messages (or max_cap), so a packet
 * the window lets out always has its slot: growing happens when a message
 * is queued, where a failure refuses that message (-ENOMEM), never later.
 */
static int grow(struct udt_sndbuf *sb, uint64_t want)
{
	uint32_t ncap = sb->cap, i;
	struct udt_spkt *nr;

	if (want > sb->max_cap)
		want = sb->max_cap;
	if (want <= sb->cap)
		return 0;
	while (ncap < want)
		ncap <<= 1;
	nr = calloc(ncap, sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	/* the packets in flight move to the start, in order */
	for (i = 0; i < sb->inflight; i++)
		nr[i] = sb->ring[(sb->head + i) & sb->mask];
	free(sb->ring);
	sb->ring = nr;
	sb->cap = ncap;
	sb->mask = ncap - 1;
	sb->head = 0;
	return 0;
}

static size_t free_spare(struct udt_sndbuf *sb)
{
	size_t freed = (size_t)sb->nspare * sizeof(struct udt_smsg);

	while (sb->spare) {
		struct udt_smsg *m = sb->spare;

		sb->spare = m->next;
		free(m);
	}
	sb->nspare = 0;
	return freed;
}

size_t udt_sndbuf_trim(struct udt_sndbuf *sb)
{
	size_t freed = (size_t)(sb->cap - UDT_SNDBUF_INIT_PKTS) * sizeof(*sb->ring);
	size_t spare = free_spare(sb);
	struct udt_spkt *nr;

	if (sb->inflight || sb->q_head || sb->cap <= UDT_SNDBUF_INIT_PKTS)
		return spare;
	nr = calloc(UDT_SNDBUF_INIT_PKTS, sizeof(*nr));
	if (!nr)
		return 0; /* keep the large one */
	free(sb->ring);
	sb->ring = nr;
	sb->cap = UDT_SNDBUF_INIT_PKTS;
	sb->mask = UDT_SNDBUF_INIT_PKTS - 1;
	sb->head = 0;
	return freed + spare;
}

static int is_small(const struct udt_sndbuf *sb, size_t len)
{
	return npkts(sb, len) <= UDT_SNDBUF_SMALL_PKTS;
}

static void free_msg(struct udt_sndbuf *sb, struct udt_smsg *m)
{
	if (!is_small(sb, m->len))
		sb->nlarge--;
	sb->qpkts -= npkts(sb, m->len);
	sb->bytes -= m->len;
	sb->nmsgs--;
	free(m->owned);
	if (sb->nspare >= UDT_SNDBUF_SPARE_MAX) {
		free(m);
		return;
	}
	m->next = sb->spare;
	sb->spare = m;
	sb->nspare++;
}

void udt_sndbuf_fini(struct udt_sndbuf *sb, udt_smsg_done_fn done, void *ctx, int err)
{
	struct udt_smsg *m = sb->q_head, *next;

	for (; m; m = next) {
		next = m->next;
		if (!m->dropped && done)
			done(ctx, m, err);
		free_msg(sb, m);
	}
	sb->q_head = sb->q_tail = sb->q_next = sb->q_prev = NULL;
	free_spare(sb);
	free(sb->ring);
	sb->ring = NULL;
	sb->inflight = 0;
}

/*
 * Small messages first (sndbuf.h): puts m, if it is small, needs no order
 * and has the credit, ahead of the first larger message not yet started
 * (behind the small ones queued before that one). 0 if it was not placed.
 */
static int go_ahead(struct udt_sndbuf *sb, struct udt_smsg *m)
{
	struct udt_smsg *prev = sb->q_prev, *pos = sb->q_next;
	uint32_t n = npkts(sb, m->len);

	if (m->in_order || n > UDT_SNDBUF_SMALL_PKTS || n > sb->small_credit)
		return 0;
	/*
	 * Only a larger message stops the walk below: without one it would
	 * visit every unsent small message to end at the tail, which made a
	 * stream of small messages cost O(queue) each (a fifth of lu2kd's time
	 * at 200,000 64-byte messages/s).
	 */
	if (!sb->nlarge)
		return 0;
	/*
	 * Past the small ones that went ahead; into the large one being cut
	 * only where it may be nested (sndbuf.h), else it finishes first.
	 */
	while (pos) {
		int small = is_small(sb, pos->len);

		if (pos->sent_off > 0 && !pos->dropped && !small && sb->nest && !pos->in_order &&
		    pos->ttl_ns < 0 && pos->nested + n <= UDT_SNDBUF_NEST_PKTS) {
			pos->nested += n;
			sb->small_nested++;
			break;
		}
		if (!pos->ahead && !pos->dropped && !small && pos->sent_off == 0)
			break;
		prev = pos;
		pos = pos->next;
	}
	if (!pos)
		return 0; /* nothing larger waits: the tail is as good */
	m->ahead = 1;
	m->next = pos;
	if (prev)
		prev->next = m;
	else
		sb->q_head = m;
	if (pos == sb->q_next) {
		sb->q_next = m;
		sb->q_prev = prev;
	}
	sb->small_credit -= n;
	sb->small_ahead++;
	return 1;
}

/* Moves q_next past m to the next message not dropped while it waited. */
static void advance(struct udt_sndbuf *sb, struct udt_smsg *m)
{
	sb->q_prev = m;
	for (sb->q_next = m->next; sb->q_next && sb->q_next->dropped;) {
		sb->q_prev = sb->q_next;
		sb->q_next = sb->q_next->next;
	}
}

int udt_sndbuf_add(struct udt_sndbuf *sb, const void *data, size_t len, int flags, int64_t ttl_ns,
		   int in_order, void *cookie, uint64_t now_ns, uint32_t *msgno)
{
	struct udt_smsg *m;

	if (len == 0)
		return -EINVAL;
	if (len > sb->max_bytes)
		return -EMSGSIZE;
	if (len > udt_sndbuf_space(sb))
		return -EAGAIN;
	if (grow(sb, (uint64_t)sb->qpkts + npkts(sb, len)))
		return -ENOMEM;
	if (sb->spare) {
		m = sb->spare;
		sb->spare = m->next;
		sb->nspare--;
		memset(m, 0, sizeof(*m));
	} else {
		m = calloc(1, sizeof(*m));
		if (!m)
			return -ENOMEM;
	}
	if (flags & UDT_SNDBUF_PARTS) {
		const struct udt_msg_parts *p = data;

		m->data = p->head;
		m->head_len = p->head_len < len ? p->head_len : len;
		m->body = p->body;
	} else if (flags & UDT_SNDBUF_COPY) {
		m->owned = malloc(len);
		if (!m->owned) {
			m->next = sb->spare;
			sb->spare = m;
			sb->nspare++;
			return -ENOMEM;
		}
		memcpy(m->owned, data, len);
		m->data = m->owned;
	} else {
		m->data = data;
	}
	m->len = len;
	m->cookie = cookie;
	m->origin_ns = now_ns;
	m->ttl_ns = ttl_ns;
	m->in_order = !!in_order;
	m->msgno = sb->next_msgno;
	sb->next_msgno = udt_msgno_inc(sb->next_msgno);
	if (!go_ahead(sb, m)) {
		if (!sb->q_next) {
			sb->q_next = m;
			sb->q_prev = sb->q_tail;
		}
		if (sb->q_tail)
			sb->q_tail->next = m;
		else
			sb->q_head = m;
		sb->q_tail = m;
	}
	sb->bytes += len;
	sb->qpkts += npkts(sb, len);
	sb->nmsgs++;
	if (!is_small(sb, len))
		sb->nlarge++;
	if (msgno)
		*msgno = m->msgno;
	return 0;
}

int udt_smsg_pieces(const struct udt_smsg *m, size_t off, size_t len, struct iovec piece[2])
{
	int n = 0;

	if (!m->body) {
		piece[0].iov_base = (void *)(m->data + off);
		piece[0].iov_len = len;
		return 1;
	}
	if (off < m->head_len) {
		size_t l = m->head_len - off < len ? m->head_len - off : len;

		piece[n].iov_base = (void *)(m->data + off);
		piece[n++].iov_len = l;
		off += l;
		len -= l;
	}
	if (len) {
		piece[n].iov_base = (void *)(m->body + (off - m->head_len));
		piece[n++].iov_len = len;
	}
	return n;
}

size_t udt_sndbuf_unsent(const struct udt_sndbuf *sb)
{
	size_t n = 0;

	for (const struct udt_smsg *m = sb->q_next; m; m = m->next)
		if (!m->dropped)
			n += m->len - m->sent_off;
	return n;
}

int udt_sndbuf_has_new(const struct udt_sndbuf *sb)
{
	return sb->q_next != NULL && sb->inflight < sb->cap;
}

struct udt_spkt *udt_sndbuf_next_new(struct udt_sndbuf *sb, uint32_t *seq)
{
	struct udt_smsg *m = sb->q_next;
	struct udt_spkt *p;
	uint32_t pb = 0;
	size_t n;

	if (!udt_sndbuf_has_new(sb))
		return NULL;
	*seq = udt_seq_add(sb->base_seq, (int32_t)sb->inflight);
	p = &sb->ring[(sb->head + sb->inflight) & sb->mask];
	n = m->len - m->sent_off;
	if (n > sb->payload)
		n = sb->payload;
	if (m->sent_off == 0) {
		pb |= UDT_PB_FIRST;
		m->first_seq = *seq;
	}
	p->m = m;
	p->off = (uint32_t)m->sent_off;
	p->len = (uint32_t)n;
	m->sent_off += n;
	m->last_seq = *seq;
	m->npkts_sent++;
	/* a packet of a message that waited its turn earns small messages credit */
	if (!m->ahead && sb->small_credit < UDT_SNDBUF_SMALL_CREDIT)
		sb->small_credit++;
	if (m->sent_off == m->len) {
		pb |= UDT_PB_LAST;
		m->done_cut = 1;
		advance(sb, m);
	}
	p->msgword = UDT_MSG_WORD(pb, m->in_order, m->msgno);
	sb->inflight++;
	return p;
}

struct udt_spkt *udt_sndbuf_get(struct udt_sndbuf *sb, uint32_t seq)
{
	int32_t off = udt_seq_off(sb->base_seq, seq);

	if (off < 0 || (uint32_t)off >= sb->inflight)
		return NULL;
	return &sb->ring[(sb->head + (uint32_t)off) & sb->mask];
}

/* Frees finished messages at the head of the queue. */
static void reap(struct udt_sndbuf *sb, udt_smsg_done_fn done, void *ctx)
{
	struct udt_smsg *m;

	while ((m = sb->q_head) != NULL) {
		/* finished: all cut, and its last packet is below the window */
		if (!m->done_cut)
			break;
		if (m->npkts_sent && udt_seq_cmp(m->last_seq, sb->base_seq) >= 0)
			break;
		sb->q_head = m->next;
		if (!sb->q_head)
			sb->q_tail = NULL;
		if (sb->q_prev == m)
			sb->q_prev = NULL;
		if (!m->dropped && done)
			done(ctx, m, 0);
		free_msg(sb, m);
	}
}

void udt_sndbuf_ack(struct udt_sndbuf *sb, uint32_t ack_seq, udt_smsg_done_fn done, void *ctx)
{
	int32_t off = udt_seq_off(sb->base_seq, ack_seq);

	if (off <= 0)
		return;
	if ((uint32_t)off > sb->inflight)
		off = (int32_t)sb->inflight;
	for (int32_t i = 0; i < off; i++)
		sb->bytes_acked += sb->ring[(sb->head + (uint32_t)i) & sb->mask].len;
	sb->head = (sb->head + (uint32_t)off) & sb->mask;
	sb->base_seq = udt_seq_add(sb->base_seq, off);
	sb->inflight -= (uint32_t)off;
	reap(sb, done, ctx);
}

struct udt_smsg *udt_sndbuf_find(const struct udt_sndbuf *sb, uint32_t msgno)
{
	for (struct udt_smsg *m = sb->q_head; m; m = m->next)
		if (m->msgno == msgno)
			return m;
	return NULL;
}

void udt_sndbuf_drop(struct udt_sndbuf *sb, struct udt_smsg *m, udt_smsg_done_fn done, void *ctx,
		     int err)
{
	if (m->dropped)
		return;
	m->dropped = 1;
	if (!m->done_cut) {
		/* never cut the rest: the message ends with what was sent */
		m->done_cut = 1;
		if (sb->q_next == m)
			advance(sb, m);
	}
	if (done)
		done(ctx, m, err);
	reap(sb, done, ctx);
}
