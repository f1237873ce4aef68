// SPDX-License-Identifier: MIT
/*
 * test_udt_fec.c - parity for small messages (fec.h): the packet's codec;
 * the rebuild of every single missing position of groups of 2..8 packets,
 * none when two are missing, a parity that does not fit; the handshake's
 * offer (and nesting beside it) between ends with and without FEC; and through two connections: a lost
 * packet of a small message rebuilt with no NAK and reported to the
 * sender, two lost in one message resent after a NAK, a parity or a packet
 * that comes twice, the real packet coming late after its rebuild or
 * before the parity, and no parity at all on a clean link.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "proto/udt/codec.h"
#include "proto/udt/fec.h"
#include "proto/udt/seq.h"
#include "proto/udt/udt.h"
#include "tests/t.h"
#include "tests/unit/udt_pair.h"

#define PAY 1456 /* a 1500-byte MSS's payload */

static void test_codec(void)
{
	uint8_t b[64];
	struct udt_hdr h;
	struct udt_fec_parity p;
	uint32_t seq;
	size_t n;

	n = udt_fec_parity_encode_hdr(b, sizeof(b), 77, 0x7ffffffe, 3, 5);
	T_EQU(n, UDT_HDR_LEN);
	memcpy(b + n, "abcdefg", 7); /* any number of bytes: not whole words */
	T_EQ(udt_hdr_decode(b, n + 7, &h), 0);
	T_EQ(udt_fec_parity_decode(&h, &p), 0);
	T_EQU(p.first, 0x7ffffffe);
	T_EQU(p.k, 3);
	T_EQU(p.last_len, 5);
	T_EQU(p.len, 7);
	T_EQU(h.dst, 77);
	T_STREQ(udt_ctrl_type_to_str(h.type), "fec");
	T_ASSERT(udt_fec_report_decode(&h, &seq) < 0);
	/* a last packet longer than the others, k out of 2..8, no body: refused */
	udt_fec_parity_encode_hdr(b, sizeof(b), 77, 1, 3, 8);
	T_EQ(udt_hdr_decode(b, n + 7, &h), 0);
	T_ASSERT(udt_fec_parity_decode(&h, &p) < 0);
	udt_fec_parity_encode_hdr(b, sizeof(b), 77, 1, 1, 7);
	T_EQ(udt_hdr_decode(b, n + 7, &h), 0);
	T_ASSERT(udt_fec_parity_decode(&h, &p) < 0);
	udt_fec_parity_encode_hdr(b, sizeof(b), 77, 1, UDT_FEC_MAX_PKTS + 1, 7);
	T_EQ(udt_hdr_decode(b, n + 7, &h), 0);
	T_ASSERT(udt_fec_parity_decode(&h, &p) < 0);
	udt_fec_parity_encode_hdr(b, sizeof(b), 77, 1, 2, 0);
	T_EQ(udt_hdr_decode(b, n + 7, &h), 0);
	T_ASSERT(udt_fec_parity_decode(&h, &p) < 0);
	udt_fec_parity_encode_hdr(b, sizeof(b), 77, 1, 2, 1);
	T_EQ(udt_hdr_decode(b, n, &h), 0);
	T_ASSERT(udt_fec_parity_decode(&h, &p) < 0);
	T_EQU(udt_fec_parity_encode_hdr(b, UDT_HDR_LEN - 1, 77, 1, 2, 1), 0);

	n = udt_fec_report_encode(b, sizeof(b), 123, 77, 4242);
	T_EQU(n, UDT_HDR_LEN + 4);
	T_EQ(udt_hdr_decode(b, n, &h), 0);
	T_EQ(udt_fec_report_decode(&h, &seq), 0);
	T_EQU(seq, 4242);
	T_ASSERT(udt_fec_parity_decode(&h, &p) < 0);
	T_EQU(udt_fec_report_encode(b, UDT_HDR_LEN + 3, 123, 77, 1), 0);
	/* other control types keep their whole words */
	b[0] = 0x80, b[1] = 0x02;
	T_ASSERT(udt_hdr_decode(b, n + 1, &h) < 0);
}

/* A group in memory: the packets the fake window has (udt_fec_get_fn). */
struct group {
	uint32_t first, k;
	uint8_t data[UDT_FEC_MAX_PKTS][PAY];
	size_t len[UDT_FEC_MAX_PKTS];
	uint32_t word[UDT_FEC_MAX_PKTS];
	int have[UDT_FEC_MAX_PKTS]; /* 1 came, 0 missing, -1 gone */
};

static int get(void *ctx, uint32_t seq, const uint8_t **data, size_t *len, uint32_t *w)
{
	struct group *g = ctx;
	uint32_t i = (uint32_t)udt_seq_off(g->first, seq);

	if (i >= g->k)
		abort(); /* the rebuild asked for a packet outside its group */
	*data = g->data[i];
	*len = g->len[i];
	*w = g->word[i];
	return g->have[i];
}

static void make_group(struct group *g, uint32_t first, uint32_t k, size_t last_len,
		       struct udt_fec_parity *p, uint8_t * xor)
{
	uint32_t i;

	memset(g, 0, sizeof(*g));
	g->first = first;
	g->k = k;
	memset(xor, 0, PAY);
	for (i = 0; i < k; i++) {
		g->len[i] = i == k - 1 ? last_len : PAY;
		for (size_t j = 0; j < g->len[i]; j++)
			g->data[i][j] = (uint8_t)(j * 7 + i * 31 + k);
		g->word[i] = UDT_MSG_WORD(i == 0       ? UDT_PB_FIRST
					  : i == k - 1 ? UDT_PB_LAST
						       : UDT_PB_MIDDLE,
					  1, 0x1234567);
		g->have[i] = 1;
		udt_fec_xor(xor, g->data[i], g->len[i]);
	}
	p->first = first;
	p->k = k;
	p->last_len = (uint32_t)last_len;
	p->xor = xor;
	p->len = PAY;
}

static void test_recover(void)
{
	static const size_t lasts[] = { 1, 3, 700, PAY - 1, PAY };
	static struct group g;
	static uint8_t xor [PAY], out[PAY];
	struct udt_fec_parity p;
	uint32_t k, m, seq, w;
	size_t li, len;

	for (k = 2; k <= UDT_FEC_MAX_PKTS; k++)
		for (li = 0; li < sizeof(lasts) / sizeof(lasts[0]); li++)
			for (m = 0; m < k; m++) {
				/* across the wrap of the sequence numbers */
				make_group(&g, udt_seq_add(UDT_SEQ_MASK, -(int32_t)m), k, lasts[li],
					   &p, xor);
				g.have[m] = 0;
				T_EQ(udt_fec_recover(&p, get, &g, out, &seq, &w, &len),
				     UDT_FEC_RECOVERED);
				T_EQU(seq, udt_seq_add(g.first, (int32_t)m));
				T_EQU(len, g.len[m]);
				T_EQU(w, g.word[m]);
				T_MEMEQ(out, g.data[m], len);
			}
	make_group(&g, 100, 4, 50, &p, xor);
	T_EQ(udt_fec_recover(&p, get, &g, out, &seq, &w, &len), UDT_FEC_UNNEEDED);
	g.have[1] = g.have[3] = 0;
	T_EQ(udt_fec_recover(&p, get, &g, out, &seq, &w, &len), UDT_FEC_LOST2);
	g.have[3] = -1; /* part of it delivered: the message is whole */
	T_EQ(udt_fec_recover(&p, get, &g, out, &seq, &w, &len), UDT_FEC_UNNEEDED);
	/* packets that are not the message the parity describes */
	make_group(&g, 100, 4, 50, &p, xor);
	g.have[0] = 0;
	g.len[3] = 51;
	T_EQ(udt_fec_recover(&p, get, &g, out, &seq, &w, &len), UDT_FEC_BAD);
	make_group(&g, 100, 4, 50, &p, xor);
	g.have[0] = 0;
	g.word[2] = UDT_MSG_WORD(UDT_PB_MIDDLE, 1, 0x1234568);
	T_EQ(udt_fec_recover(&p, get, &g, out, &seq, &w, &len), UDT_FEC_BAD);
	make_group(&g, 100, 4, 50, &p, xor);
	g.have[0] = 0;
	g.word[3] = UDT_MSG_WORD(UDT_PB_MIDDLE, 1, 0x1234567);
	T_EQ(udt_fec_recover(&p, get, &g, out, &seq, &w, &len), UDT_FEC_BAD);
	/* the last one rebuilt with bytes where the sender had padding */
	make_group(&g, 100, 4, 50, &p, xor);
	g.have[3] = 0;
	xor[60] ^= 1;
	T_EQ(udt_fec_recover(&p, get, &g, out, &seq, &w, &len), UDT_FEC_BAD);
}

static void test_measure(void)
{
	struct udt_fec_tx t;
	uint32_t i;

	memset(&t, 0, sizeof(t));
	udt_fec_tx_sent(&t, 100000);
	T_ASSERT(!udt_fec_tx_active(&t)); /* a clean link */
	udt_fec_tx_lost(&t, 1);
	T_ASSERT(!udt_fec_tx_active(&t)); /* 1 in 8192 at most after the halving: under 0.1 % */
	memset(&t, 0, sizeof(t));
	for (i = 0; i < 50; i++) {
		udt_fec_tx_sent(&t, 100);
		udt_fec_tx_lost(&t, 1);
		T_ASSERT(udt_fec_tx_active(&t)); /* 1 % */
	}
	T_ASSERT(udt_fec_tx_ppm(&t) >= 9000 && udt_fec_tx_ppm(&t) <= 11000);
	/* clean from now on: off within a few windows */
	for (i = 0; i < 8 * UDT_FEC_WINDOW_PKTS / 100; i++)
		udt_fec_tx_sent(&t, 100);
	T_ASSERT(!udt_fec_tx_active(&t));
	/* reports beyond what was sent cannot push it past all */
	memset(&t, 0, sizeof(t));
	udt_fec_tx_sent(&t, 10);
	udt_fec_tx_lost(&t, 1000);
	T_EQU(udt_fec_tx_ppm(&t), 1000000);
	/* a seed from the path's other connections: on at once, off as this one sends clean */
	memset(&t, 0, sizeof(t));
	udt_fec_tx_seed(&t, 0);
	T_ASSERT(!udt_fec_tx_active(&t));
	udt_fec_tx_seed(&t, 10000);
	T_ASSERT(udt_fec_tx_active(&t));
	T_ASSERT(udt_fec_tx_ppm(&t) >= 9990 && udt_fec_tx_ppm(&t) <= 10000);
	for (i = 0; i < 8 * UDT_FEC_WINDOW_PKTS / 100; i++)
		udt_fec_tx_sent(&t, 100);
	T_ASSERT(!udt_fec_tx_active(&t));
	udt_fec_tx_seed(&t, 5000000); /* more than all: all */
	T_EQU(udt_fec_tx_ppm(&t), 1000000);
}

/* The offer in the handshake's extended type: carried by the codec, beside the info word. */
static void test_offer_codec(void)
{
	struct udt_hs hs = { .version = UDT_VERSION,
			     .sock_type = UDT_SOCK_DGRAM,
			     .isn = 5,
			     .mss = 1500,
			     .flight = 64,
			     .req_type = UDT_HS_RSP_REGULAR,
			     .sock_id = 9,
			     .info = UDT_HS_INFO_NEST,
			     .ext = UDT_HS_EXT_FEC },
		      got;
	struct udt_hdr h;
	uint8_t b[128];
	size_t n;

	n = udt_hs_encode(b, sizeof(b), 0, 0, &hs);
	T_EQ(udt_hdr_decode(b, n, &h), 0);
	T_EQ(udt_hs_decode(&h, &got), 0);
	T_EQU(got.ext, UDT_HS_EXT_FEC);
	T_EQU(got.info, UDT_HS_INFO_NEST);
	/* UDT4's handshake (and ours without FEC): 0 there */
	hs.ext = 0;
	n = udt_hs_encode(b, sizeof(b), 0, 0, &hs);
	T_EQ(b[2] | b[3], 0);
}

/* ---- two connections ---- */

struct pkt {
	uint8_t b[1500];
	size_t n;
};

static uint32_t got, got_bad;
static size_t got_len;

static void on_recv(void *ud, uint32_t msgno, const struct iovec *iov, int iovcnt, size_t len)
{
	size_t off = 0;

	(void)ud;
	got++;
	got_len = len;
	for (int i = 0; i < iovcnt; i++)
		for (size_t j = 0; j < iov[i].iov_len; j++, off++)
			if (((const uint8_t *)iov[i].iov_base)[j] != (uint8_t)(off * 13 + msgno))
				got_bad++;
}

static int pair_nest; /* nest_small on both ends */

static void pair(int cl_fec, int sv_fec, struct udt_conn **clp, struct udt_conn **svp, uint64_t *tp)
{
	static const struct udt_callbacks cb = { .msg_recv = on_recv };
	struct udt_config ccfg, scfg;

	udt_config_default(&ccfg);
	udt_config_default(&scfg);
	ccfg.fec = cl_fec;
	scfg.fec = sv_fec;
	ccfg.nest_small = scfg.nest_small = pair_nest;
	udt_test_pair(&ccfg, &scfg, &cb, NULL, clp, svp, tp);
}

static int is_data(const struct pkt *p)
{
	return !(p->b[0] & 0x80);
}

static unsigned int ctl_type(const struct pkt *p)
{
	return (unsigned int)(p->b[0] & 0x7f) << 8 | p->b[1];
}

/* What c sends from t over span_ns, 1 ms at a time. */
static size_t drain(struct udt_conn *c, uint64_t *t, uint64_t span_ns, struct pkt *out, size_t max)
{
	uint64_t end = *t + span_ns;
	size_t k = 0;
	struct pkt junk;

	for (; *t < end; *t += 1000000) {
		if (udt_conn_next_deadline(c) <= *t)
			udt_conn_handle_timers(c, *t);
		for (;;) {
			struct pkt *p = k < max ? &out[k] : &junk;

			p->n = udt_conn_write_pkt(c, p->b, sizeof(p->b), *t);
			if (!p->n)
				break;
			if (k < max)
				k++;
		}
	}
	return k;
}

/* Everything one side sends goes to the other, for span_ns (no loss). */
static void run(struct udt_conn *a, struct udt_conn *b, uint64_t *t, uint64_t span_ns)
{
	uint64_t end = *t + span_ns;
	struct pkt p;

	for (; *t < end; *t += 1000000) {
		struct udt_conn *side[2] = { a, b };

		for (int s = 0; s < 2; s++) {
			if (udt_conn_next_deadline(side[s]) <= *t)
				udt_conn_handle_timers(side[s], *t);
			while ((p.n = udt_conn_write_pkt(side[s], p.b, sizeof(p.b), *t)))
				udt_conn_recv_pkt(side[1 - s], p.b, p.n, *t);
		}
	}
}

static uint8_t msgbuf[8 * PAY];

static void queue(struct udt_conn *c, size_t len, uint64_t t)
{
	uint32_t no;
	struct udt_stats st;

	udt_conn_get_stats(c, &st);
	no = (uint32_t)st.msgs_sent + 1; /* message numbers start at 1 */
	for (size_t j = 0; j < len; j++)
		msgbuf[j] = (uint8_t)(j * 13 + no);
	T_EQ(udt_conn_send_msg(c, msgbuf, len, -1, 0, UDT_MSG_COPY, NULL, &no, t), 0);
	T_EQU(no, (uint32_t)st.msgs_sent + 1);
}

/*
 * The sender's first loss (a NAK: packet 2 of 3 lost) turns its FEC on;
 * then one message goes whole, with its parity, which the receiver takes as
 * the sign that parity comes (it holds NAKs from then on).
 */
static void warm_up(struct udt_conn *cl, struct udt_conn *sv, uint64_t *t)
{
	struct pkt p[16];
	struct udt_stats st;
	size_t n, i, d = 0;

	queue(cl, 2 * PAY + 100, *t);
	n = drain(cl, t, 5000000, p, 16);
	for (i = 0; i < n; i++)
		if (!is_data(&p[i]) || d++ != 1)
			udt_conn_recv_pkt(sv, p[i].b, p[i].n, *t);
	run(cl, sv, t, 1500000000ull);
	udt_conn_get_stats(cl, &st);
	T_ASSERT(st.fec_active);
	T_EQU(st.fec_parity_sent, 0);
	queue(cl, 2 * PAY + 100, *t);
	run(cl, sv, t, 500000000ull);
	udt_conn_get_stats(cl, &st);
	T_EQU(st.fec_parity_sent, 1);
	udt_conn_get_stats(sv, &st);
	T_EQU(st.fec_parity_recv, 1);
	T_EQU(st.fec_unneeded, 1);
	T_EQU(got, 2);
}

/*
 * One message of len bytes; the packets it left as, data in order (want of
 * them, the copy of a one-packet message among them), and its parity.
 */
static size_t send_group(struct udt_conn *cl, uint64_t *t, size_t len, struct pkt *data,
			 size_t *ndata, struct pkt *parity)
{
	size_t want = (len + PAY - 1) / PAY, np = 0, step;
	struct pkt p;

	queue(cl, len, *t);
	*ndata = 0;
	if (want == 1)
		want = 2;
	for (step = 0; step < 1000 && (*ndata < want || (want > 2 && !np)); step++, *t += 1000000) {
		if (udt_conn_next_deadline(cl) <= *t)
			udt_conn_handle_timers(cl, *t);
		while ((p.n = udt_conn_write_pkt(cl, p.b, sizeof(p.b), *t))) {
			if (is_data(&p) && *ndata < 8)
				data[(*ndata)++] = p;
			else if (!is_data(&p) && ctl_type(&p) == UDT_CT_FEC && np < 2)
				parity[np++] = p;
		}
	}
	if (getenv("FEC_DEBUG"))
		fprintf(stderr, "send_group: %zu data, %zu parity\n", *ndata, np);
	return np;
}

/*
 * A pair whose sender's FEC is on and whose receiver holds NAKs for parity
 * (warm_up), both sides' statistics before the message under test, and the
 * packets that message left as.
 */
struct fix {
	struct udt_conn *cl, *sv;
	struct udt_stats cl0, sv0;
	struct pkt data[8], parity[2];
	size_t nd, np;
	uint64_t t;
};

static void fix_up(struct fix *f, size_t len)
{
	got = got_bad = 0;
	f->t = 1000000000ull;
	pair(1, 1, &f->cl, &f->sv, &f->t);
	warm_up(f->cl, f->sv, &f->t);
	udt_conn_get_stats(f->cl, &f->cl0);
	udt_conn_get_stats(f->sv, &f->sv0);
	f->np = send_group(f->cl, &f->t, len, f->data, &f->nd, f->parity);
}

static void fix_down(struct fix *f)
{
	udt_conn_free(f->cl);
	udt_conn_free(f->sv);
}

static void feed(struct fix *f, const struct pkt *p)
{
	T_EQ(udt_conn_recv_pkt(f->sv, p->b, p->n, f->t), 0);
}

/* Every position of a 3-packet (4 KiB) message lost: rebuilt, no NAK, reported. */
static void test_single_loss(void)
{
	for (size_t lost = 0; lost < 3; lost++) {
		struct fix f;
		struct udt_stats a;
		struct pkt back[16];
		size_t nb, i, reports = 0, naks = 0;

		fix_up(&f, 4096);
		T_EQU(f.np, 1);
		T_EQU(f.nd, 3);
		for (i = 0; i < f.nd; i++)
			if (i != lost)
				feed(&f, &f.data[i]);
		T_EQU(got, 2);
		feed(&f, &f.parity[0]);
		T_EQU(got, 3);
		T_EQU(got_len, 4096);
		T_EQU(got_bad, 0);
		/* what the receiver says: a report, an ACK, never a NAK (then nor later) */
		nb = drain(f.sv, &f.t, 100000000, back, 16);
		for (i = 0; i < nb; i++) {
			if (is_data(&back[i]))
				continue;
			reports += ctl_type(&back[i]) == UDT_CT_FEC;
			naks += ctl_type(&back[i]) == UDT_CT_NAK;
			udt_conn_recv_pkt(f.cl, back[i].b, back[i].n, f.t);
		}
		T_EQU(reports, 1);
		T_EQU(naks, 0);
		udt_conn_get_stats(f.sv, &a);
		T_EQU(a.fec_recovered, 1);
		udt_conn_get_stats(f.cl, &a);
		T_EQU(a.fec_reports_recv, 1);
		T_EQU(a.msgs_acked, 3);
		/* the real packet late: a duplicate, delivered once; the parity again: nothing */
		feed(&f, &f.data[lost]);
		feed(&f, &f.parity[0]);
		run(f.cl, f.sv, &f.t, 1000000000ull);
		T_EQU(got, 3);
		udt_conn_get_stats(f.sv, &a);
		T_EQU(a.naks_sent, f.sv0.naks_sent);
		T_EQU(a.fec_unneeded, f.sv0.fec_unneeded + 1);
		T_ASSERT(a.pkts_dup > f.sv0.pkts_dup);
		udt_conn_get_stats(f.cl, &a);
		T_EQU(a.pkts_retrans, f.cl0.pkts_retrans); /* nothing was resent */
		/* an idle connection gives back the rebuild's buffer (and again nothing after) */
		T_ASSERT(udt_conn_trim(f.sv) >= PAY);
		T_ASSERT(udt_conn_trim(f.sv) < PAY);
		fix_down(&f);
	}
}

/* Two of a message's packets lost: the parity cannot help; the NAK goes at once, the resends repair. */
static void test_two_losses(void)
{
	struct fix f;
	struct udt_stats a;

	fix_up(&f, 5 * PAY);
	T_EQU(f.np, 1);
	T_EQU(f.nd, 5);
	feed(&f, &f.data[0]);
	feed(&f, &f.data[2]);
	feed(&f, &f.data[4]);
	/* holes held for the parity: no NAK yet */
	udt_conn_get_stats(f.sv, &a);
	T_EQU(a.naks_sent, f.sv0.naks_sent);
	feed(&f, &f.parity[0]);
	udt_conn_get_stats(f.sv, &a);
	T_EQU(a.fec_lost2, 1);
	T_EQU(a.naks_sent, f.sv0.naks_sent + 1);
	run(f.cl, f.sv, &f.t, 2000000000ull);
	T_EQU(got, 3);
	T_EQU(got_len, 5 * PAY);
	T_EQU(got_bad, 0);
	udt_conn_get_stats(f.cl, &a);
	T_EQU(a.pkts_retrans - f.cl0.pkts_retrans, 2);
	T_EQU(a.msgs_acked, 3);
	fix_down(&f);
}

/* The real packet late, but before the parity: the parity finds nothing missing, no NAK. */
static void test_reordered(void)
{
	struct fix f;
	struct udt_stats a;

	fix_up(&f, 4096);
	T_EQU(f.np, 1);
	feed(&f, &f.data[1]);
	feed(&f, &f.data[2]);
	feed(&f, &f.data[0]);
	T_EQU(got, 3);
	feed(&f, &f.parity[0]);
	run(f.cl, f.sv, &f.t, 1000000000ull);
	udt_conn_get_stats(f.sv, &a);
	T_EQU(a.naks_sent, f.sv0.naks_sent);
	T_EQU(a.fec_unneeded, f.sv0.fec_unneeded + 1);
	T_EQU(a.fec_recovered, 0);
	T_EQU(a.fec_naks_saved, f.sv0.fec_naks_saved + 1);
	T_EQU(got, 3);
	fix_down(&f);
}

/* The parity itself lost with a data packet: the held NAK leaves when its time is up. */
static void test_parity_lost(void)
{
	struct fix f;
	struct udt_stats a;
	uint64_t t0;

	fix_up(&f, 4096);
	T_EQU(f.np, 1);
	feed(&f, &f.data[0]);
	feed(&f, &f.data[2]);
	t0 = f.t;
	/* the NAK leaves when the hold is up: 10 ms and more, under a quarter of a round trip */
	for (a = f.sv0; a.naks_sent == f.sv0.naks_sent && f.t < t0 + 1000000000ull;
	     f.t += 1000000) {
		if (udt_conn_next_deadline(f.sv) <= f.t)
			udt_conn_handle_timers(f.sv, f.t);
		udt_conn_get_stats(f.sv, &a);
	}
	T_EQU(a.naks_sent, f.sv0.naks_sent + 1);
	T_ASSERT(f.t - t0 <= 200000000ull);
	T_ASSERT(f.t - t0 >= 10000000ull);
	run(f.cl, f.sv, &f.t, 2000000000ull);
	T_EQU(got, 3);
	T_EQU(got_bad, 0);
	fix_down(&f);
}

/* A one-packet message is sent twice, the copy at once; no parity. */
static void test_one_packet(void)
{
	struct fix f;
	struct udt_stats a;

	fix_up(&f, 64);
	T_EQU(f.np, 0);
	T_EQU(f.nd, 2);
	T_MEMEQ(f.data[0].b, f.data[1].b, 4); /* the same sequence number */
	feed(&f, &f.data[1]);
	T_EQU(got, 3);
	udt_conn_get_stats(f.cl, &a);
	T_EQU(a.fec_dups, 1);
	fix_down(&f);
}

/*
 * A burst of small messages (RPCs), queued at once: each gets its parity,
 * though only the last leaves the queue empty; behind a long queue none.
 */
static void test_burst(void)
{
	struct fix f;
	struct udt_stats a;
	struct pkt p;
	size_t data = 0, par = 0, step;
	int i;

	fix_up(&f, 4096);
	run(f.cl, f.sv, &f.t, 1000000000ull);
	udt_conn_get_stats(f.cl, &f.cl0);
	for (i = 0; i < 4; i++)
		queue(f.cl, 4096, f.t);
	for (step = 0; step < 2000 && (data < 12 || par < 4); step++, f.t += 1000000) {
		if (udt_conn_next_deadline(f.cl) <= f.t)
			udt_conn_handle_timers(f.cl, f.t);
		while ((p.n = udt_conn_write_pkt(f.cl, p.b, sizeof(p.b), f.t))) {
			data += is_data(&p);
			par += !is_data(&p) && ctl_type(&p) == UDT_CT_FEC;
			udt_conn_recv_pkt(f.sv, p.b, p.n, f.t);
		}
		while ((p.n = udt_conn_write_pkt(f.sv, p.b, sizeof(p.b), f.t)))
			udt_conn_recv_pkt(f.cl, p.b, p.n, f.t);
	}
	T_EQU(par, 4);
	udt_conn_get_stats(f.cl, &a);
	T_EQU(a.fec_parity_sent - f.cl0.fec_parity_sent, 4);
	/* 60 messages of 4 KiB at once: 180 packets; the first ones wait behind too many */
	for (i = 0; i < 60; i++)
		queue(f.cl, 4096, f.t);
	run(f.cl, f.sv, &f.t, 3000000000ull);
	T_EQU(got, 3 + 4 + 60);
	udt_conn_get_stats(f.cl, &a);
	T_ASSERT(a.fec_parity_sent - f.cl0.fec_parity_sent < 4 + 60);
	T_ASSERT(a.fec_parity_sent - f.cl0.fec_parity_sent > 4 + 10);
	fix_down(&f);
}

/* No loss: no parity, however many small messages; and FEC only where both offered it. */
static void test_clean_and_offer(void)
{
	struct udt_conn *cl, *sv;
	struct udt_stats a, b;
	uint64_t t = 1000000000ull;
	int i;

	got = got_bad = 0;
	pair(1, 1, &cl, &sv, &t);
	for (i = 0; i < 50; i++) {
		queue(cl, 4096, t);
		run(cl, sv, &t, 20000000ull);
	}
	run(cl, sv, &t, 1000000000ull);
	T_EQU(got, 50);
	udt_conn_get_stats(cl, &a);
	udt_conn_get_stats(sv, &b);
	T_EQ(a.fec, 1);
	T_EQ(b.fec, 1);
	T_EQ(a.fec_active, 0);
	T_EQU(a.fec_parity_sent + a.fec_dups + b.fec_parity_recv, 0);
	udt_conn_free(cl);
	udt_conn_free(sv);

	/*
	 * One end without FEC (an engine before it ignores the extended type
	 * and answers 0 there, as one with fec = 0): FEC off at both ends,
	 * nesting as it was.
	 */
	for (pair_nest = 0; pair_nest < 2; pair_nest++)
		for (i = 0; i < 3; i++) {
			pair(i != 1, i != 0, &cl, &sv, &t);
			udt_conn_get_stats(cl, &a);
			udt_conn_get_stats(sv, &b);
			T_EQ(a.fec, i == 2);
			T_EQ(b.fec, i == 2);
			T_EQ(a.nest, pair_nest);
			T_EQ(b.nest, pair_nest);
			udt_conn_free(cl);
			udt_conn_free(sv);
		}
	pair_nest = 0;
}

/*
 * A new connection seeded with its path's loss (udt_conn_fec_seed): its
 * first one-packet message already goes twice as FEC's copy; unseeded, FEC
 * has measured nothing (a copy may still come from the tail-loss probe).
 */
static void test_seeded(void)
{
	for (int seed = 0; seed < 2; seed++) {
		struct udt_conn *cl, *sv;
		struct udt_stats a;
		struct pkt data[8], parity[2];
		size_t nd;
		uint64_t t = 1000000000ull;

		got = 0;
		pair(1, 1, &cl, &sv, &t);
		if (seed)
			udt_conn_fec_seed(cl, 10000);
		udt_conn_get_stats(cl, &a);
		T_EQ(a.fec_active, seed);
		T_EQU(send_group(cl, &t, 64, data, &nd, parity), 0);
		udt_conn_get_stats(cl, &a);
		T_EQU(a.fec_dups, seed);
		udt_conn_free(cl);
		udt_conn_free(sv);
	}
}

/* A parity from a peer that did not offer FEC is a bad packet. */
static void test_not_offered(void)
{
	struct udt_conn *cl, *sv;
	struct udt_stats a;
	uint8_t b[64];
	size_t n;
	uint64_t t = 1000000000ull;

	pair(0, 0, &cl, &sv, &t);
	n = udt_fec_parity_encode_hdr(b, sizeof(b), udt_conn_sock_id(sv), 12345, 2, 4);
	memset(b + n, 0, 8);
	T_ASSERT(udt_conn_recv_pkt(sv, b, n + 8, t) < 0);
	udt_conn_get_stats(sv, &a);
	T_EQU(a.pkts_bad, 1);
	udt_conn_free(cl);
	udt_conn_free(sv);
}

int main(void)
{
	T_RUN(test_codec);
	T_RUN(test_recover);
	T_RUN(test_measure);
	T_RUN(test_offer_codec);
	T_RUN(test_single_loss);
	T_RUN(test_two_losses);
	T_RUN(test_reordered);
	T_RUN(test_parity_lost);
	T_RUN(test_one_packet);
	T_RUN(test_burst);
	T_RUN(test_clean_and_offer);
	T_RUN(test_not_offered);
	T_RUN(test_seeded);
	return t_done();
}
