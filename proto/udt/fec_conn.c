// SPDX-License-Identifier: MIT
/*
 * fec_conn.c - FEC in a connection (fec.h): the parity the sender puts
 * behind a small message, the packet the receiver rebuilds from one, the
 * NAKs it holds meanwhile, and the reports that keep the sender's loss
 * measure honest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn_int.h"
#include "seq.h"

static size_t ctl_cap(const struct udt_conn *c)
{
	return (size_t)c->mss - UDT_UDP_IP_OVERHEAD;
}

/* XORs the payload of p into acc (its pieces, wherever they are). */
static void xor_pkt(uint8_t *acc, const struct udt_spkt *p)
{
	struct iovec pc[2];
	size_t at = 0;
	int n = udt_smsg_pieces(p->m, p->off, p->len, pc);

	for (int j = 0; j < n; j++) {
		udt_fec_xor(acc + at, pc[j].iov_base, pc[j].iov_len);
		at += pc[j].iov_len;
	}
}

/*
 * Little waits to be cut behind the packet just sent: at most
 * UDT_FEC_QUEUE_PKTS packets' worth in at most as many messages (a burst of
 * RPCs, not a queue that keeps the link full, where parity would take
 * what the payload needs).
 */
static int queue_short(const struct udt_conn *c)
{
	size_t bytes = 0, max = UDT_FEC_QUEUE_PKTS * (size_t)c->payload;
	unsigned int n = 0;

	for (const struct udt_smsg *m = c->sb.q_next; m; m = m->next) {
		if (m->dropped)
			continue;
		bytes += m->len - m->sent_off;
		if (bytes > max || ++n > UDT_FEC_QUEUE_PKTS)
			return 0;
	}
	return 1;
}

/*
 * A new data packet p (seq) left. While the loss measure says so, the
 * packets of a message of 2..UDT_FEC_MAX_PKTS are summed into its parity as
 * they leave (a short round trip may have them acknowledged and gone from
 * the send buffer before the last one), and behind its last one the parity
 * goes into the control queue: it leaves before the next data packet, so
 * the receiver knows by then whether it had one. A message of one packet is
 * instead sent again at the next pacing slot. Only where want (the message
 * leaves the send queue empty or went ahead of larger ones, as dup_tail's)
 * or little waits behind it (queue_short). 1 if so: dup_tail need not copy
 * it.
 */
int udt_fec_sent(struct udt_conn *c, const struct udt_spkt *p, uint32_t seq, int want,
		 uint64_t now_ns)
{
	const struct udt_smsg *m = p->m;
	size_t payload = (size_t)c->payload;
	uint32_t k;
	uint8_t *b;
	size_t h;

	(void)now_ns;
	if (!c->fec_on)
		return 0;
	udt_fec_tx_sent(&c->fec_tx, 1);
	if (p->off == 0) {
		c->fec_acc_on = 0;
		if (m->len > payload && m->len <= UDT_FEC_MAX_PKTS * payload &&
		    udt_fec_tx_active(&c->fec_tx)) {
			if (!c->fec_acc && !(c->fec_acc = malloc(payload)))
				return 0;
			memset(c->fec_acc, 0, payload);
			c->fec_acc_on = 1;
			c->fec_acc_no = m->msgno;
			c->fec_acc_first = c->fec_acc_next = seq;
		}
	}
	if (c->fec_acc_on && m->msgno == c->fec_acc_no) {
		/* a group is one message's packets, in a row, all full but the last */
		if (seq != c->fec_acc_next || (p->off + p->len < m->len && p->len != payload)) {
			c->fec_acc_on = 0;
		} else {
			xor_pkt(c->fec_acc, p);
			c->fec_acc_next = udt_seq_inc(seq);
		}
	}
	/* (the queue's walk last: only for a small message, while parity goes) */
	if (p->off + p->len < m->len || m->len > UDT_FEC_MAX_PKTS * payload ||
	    !(p->off == 0 ? udt_fec_tx_active(&c->fec_tx) : c->fec_acc_on) ||
	    !(want || queue_short(c)))
		return 0;
	if (p->off == 0) {
		/* one packet: sent twice */
		if (udt_loss_insert(&c->snd_loss, seq, seq) < 0)
			return 0;
		c->st.fec_dups++;
		return 1;
	}
	if (!c->fec_acc_on || m->msgno != c->fec_acc_no)
		return 0;
	c->fec_acc_on = 0;
	k = udt_seq_len(c->fec_acc_first, seq);
	b = udt_ctl_reserve(c);
	if (!b)
		return 0;
	h = udt_fec_parity_encode_hdr(b, ctl_cap(c), c->peer_id, c->fec_acc_first, k, p->len);
	if (!h || h + payload > ctl_cap(c))
		return 0;
	memcpy(b + h, c->fec_acc, payload);
	udt_ctl_commit(c, h + payload);
	c->st.fec_parity_sent++;
	return 1;
}

/* What the window holds of seq (udt_fec_get_fn). */
static int get_pkt(void *ctx, uint32_t seq, const uint8_t **data, size_t *len, uint32_t *msgword)
{
	struct udt_conn *c = ctx;
	const struct udt_rslot *s = udt_rcvbuf_peek(&c->rb, seq);

	if (s && s->state == UDT_RS_DATA) {
		*data = s->data;
		*len = s->len;
		*msgword = s->msgword;
		return 1;
	}
	/* missing: not arrived yet, or a hole we know of (taken, dropped: gone) */
	if (udt_seq_cmp(seq, c->rcv_curr_seq) > 0 || udt_loss_find(&c->rcv_loss, seq))
		return 0;
	return -1;
}

/* Holes whose hold ends now, to ask for in one NAK. */
struct release_acc {
	struct udt_range r[2 * UDT_FEC_HOLDS];
	size_t n;
};

/* A held hole's time is up: ask for what of it is still missing, or count the NAK saved. */
static void release(struct udt_conn *c, uint32_t i, struct release_acc *acc, uint64_t now_ns)
{
	struct udt_fec_hold h = c->fec_hold[i];
	size_t n0 = acc->n;
	uint32_t seq;

	memmove(&c->fec_hold[i], &c->fec_hold[i + 1],
		(c->fec_nholds - i - 1) * sizeof(c->fec_hold[0]));
	c->fec_nholds--;
	for (seq = h.first;; seq = udt_seq_inc(seq)) {
		struct udt_lrange *lr = udt_loss_find(&c->rcv_loss, seq);

		if (lr) {
			/* the NAK timer counts its wait from this, the hole's first report */
			lr->report_ns = now_ns;
			if (acc->n > n0 && acc->r[acc->n - 1].last == udt_seq_dec(seq))
				acc->r[acc->n - 1].last = seq;
			else if (acc->n < sizeof(acc->r) / sizeof(acc->r[0]))
				acc->r[acc->n++] = (struct udt_range){ seq, seq };
		}
		if (seq == h.last)
			break;
	}
	if (acc->n == n0)
		c->st.fec_naks_saved++;
}

enum release_why { REL_RANGE, REL_DATA, REL_TIME };

/*
 * Releases the holds that overlap [a, b] (REL_RANGE), that data packet a
 * settles (REL_DATA: a group's parity leaves right behind its last packet,
 * before any later data, so a hole no group reaching a can hold has had its
 * chance), or whose time is up at now (REL_TIME); one NAK for them all.
 */
static void release_if(struct udt_conn *c, enum release_why why, uint32_t a, uint32_t b,
		       uint64_t now_ns)
{
	struct release_acc acc;
	uint32_t i = 0;

	acc.n = 0;
	while (i < c->fec_nholds) {
		const struct udt_fec_hold *h = &c->fec_hold[i];
		int go = why == REL_TIME ? h->due_ns <= now_ns
			 : why == REL_DATA
				 ? udt_seq_off(h->last, a) >= UDT_FEC_MAX_PKTS
				 : udt_seq_cmp(h->last, a) >= 0 && udt_seq_cmp(h->first, b) <= 0;

		if (go)
			release(c, i, &acc, now_ns);
		else
			i++;
	}
	if (acc.n)
		udt_send_nak_ranges(c, acc.r, acc.n, now_ns);
}

/*
 * A fresh hole's NAK waits while parity comes: for the rest of its group
 * and the parity behind it (data after the group settles it, see
 * udt_fec_data_came), at most 10 ms plus UDT_FEC_MAX_PKTS packets at the
 * rate we receive, and no more than a quarter of a round trip (or 10 ms).
 * Holes of more than two packets are no single loss of one or two groups:
 * asked for now.
 */
int udt_fec_hold_nak(struct udt_conn *c, const struct udt_range *hole, uint64_t now_ns)
{
	int32_t rate = udt_timewin_rcv_rate(&c->tw);
	uint64_t ns = 10 * LU2K_NS_PER_MS, cap = (uint64_t)c->rtt_ns / 4;

	if (!c->fec_on || !c->fec_seen_ns || now_ns - c->fec_seen_ns > UDT_FEC_SEEN_NS)
		return 0;
	if (udt_seq_len(hole->first, hole->last) > 2 || c->fec_nholds == UDT_FEC_HOLDS)
		return 0;
	if (rate > 0)
		ns += UDT_FEC_MAX_PKTS * LU2K_NS_PER_S / (uint64_t)rate;
	if (cap < 10 * LU2K_NS_PER_MS)
		cap = 10 * LU2K_NS_PER_MS;
	if (ns > cap)
		ns = cap;
	c->fec_hold[c->fec_nholds++] = (struct udt_fec_hold){ .first = hole->first,
							      .last = hole->last,
							      .due_ns = now_ns + ns };
	return 1;
}

void udt_fec_data_came(struct udt_conn *c, uint32_t seq, uint64_t now_ns)
{
	if (c->fec_nholds)
		release_if(c, REL_DATA, seq, seq, now_ns);
}

void udt_fec_timers(struct udt_conn *c, uint64_t now_ns)
{
	if (c->fec_nholds)
		release_if(c, REL_TIME, 0, 0, now_ns);
}

uint64_t udt_fec_deadline(const struct udt_conn *c)
{
	uint64_t t = UINT64_MAX;
	uint32_t i;

	for (i = 0; i < c->fec_nholds; i++)
		if (c->fec_hold[i].due_ns < t)
			t = c->fec_hold[i].due_ns;
	return t;
}

static int bad(struct udt_conn *c)
{
	c->st.pkts_bad++;
	return -EBADMSG;
}

static int on_report(struct udt_conn *c, const struct udt_hdr *h)
{
	uint32_t seq;

	if (udt_fec_report_decode(h, &seq) || udt_seq_cmp(seq, c->snd_curr_seq) > 0)
		return bad(c);
	/* a loss the parity hid: the measure that keeps parity coming counts it */
	c->st.fec_reports_recv++;
	udt_fec_tx_lost(&c->fec_tx, 1);
	return 0;
}

static void send_report(struct udt_conn *c, uint32_t seq, uint64_t now_ns)
{
	uint8_t *b = udt_ctl_reserve(c);

	if (b)
		udt_ctl_commit(c, udt_fec_report_encode(b, ctl_cap(c), udt_conn_ts(c, now_ns),
							c->peer_id, seq));
}

static int on_parity(struct udt_conn *c, const struct udt_hdr *h, uint64_t now_ns)
{
	struct udt_fec_parity p;
	uint32_t last, seq, w;
	size_t len;
	int r;

	if (udt_fec_parity_decode(h, &p) || p.len > (size_t)c->payload)
		return bad(c);
	last = udt_seq_add(p.first, (int32_t)p.k - 1);
	if (udt_seq_off(c->rcv_last_ack, last) > (int32_t)(2 * c->rb.win) + 1) {
		c->st.pkts_out_of_window++;
		return -ERANGE;
	}
	c->st.fec_parity_recv++;
	c->fec_seen_ns = now_ns ? now_ns : 1;
	if (udt_seq_cmp(last, c->rcv_last_ack) < 0) {
		c->st.fec_unneeded++;
		return 0;
	}
	if (!c->fec_buf) {
		c->fec_buf = malloc((size_t)c->payload);
		if (!c->fec_buf)
			return -ENOMEM;
	}
	switch (udt_fec_recover(&p, get_pkt, c, c->fec_buf, &seq, &w, &len)) {
	case UDT_FEC_RECOVERED:
		c->st.fec_recovered++;
		r = udt_conn_store(c, seq, w, c->fec_buf, len, 1, now_ns);
		if (r < 0)
			return r;
		send_report(c, seq, now_ns);
		/* (1: a short packet made the ACK due; the timers send it after the batch) */
		if (r == 0)
			udt_conn_check_ack(c, now_ns);
		return 0;
	case UDT_FEC_LOST2:
		/* the NAK repairs them: no need to wait any longer */
		c->st.fec_lost2++;
		release_if(c, REL_RANGE, p.first, last, now_ns);
		return 0;
	case UDT_FEC_BAD:
		c->st.fec_bad++;
		release_if(c, REL_RANGE, p.first, last, now_ns);
		return 0;
	case UDT_FEC_UNNEEDED:
	default:
		c->st.fec_unneeded++;
		return 0;
	}
}

int udt_fec_on_pkt(struct udt_conn *c, const struct udt_hdr *h, uint64_t now_ns)
{
	/* only where both ends offered it, for messages */
	if (!c->fec_on)
		return bad(c);
	if ((h->ext >> 8) == UDT_FEC_KIND_REPORT)
		return on_report(c, h);
	return on_parity(c, h, now_ns);
}

void udt_conn_fec_seed(struct udt_conn *c, uint32_t loss_ppm)
{
	udt_fec_tx_seed(&c->fec_tx, loss_ppm);
}
