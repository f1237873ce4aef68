// SPDX-License-Identifier: MIT
/*
 * fec.c - the parity packet's encoding and checked decoding, the rebuild
 * of a group's one missing packet, and the sender's loss measure (fec.h).
 */
#include "fec.h"

#include <errno.h>
#include <string.h>

#include "seq.h"

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static size_t encode_hdr(uint8_t *buf, size_t cap, unsigned int kind, uint32_t k, uint32_t w1,
			 uint32_t w2, uint32_t dst)
{
	if (cap < UDT_HDR_LEN)
		return 0;
	put32(buf, 0x80000000u | (uint32_t)UDT_CT_FEC << 16 | kind << 8 | (k & 0xff));
	put32(buf + 4, w1);
	put32(buf + 8, w2);
	put32(buf + 12, dst);
	return UDT_HDR_LEN;
}

size_t udt_fec_parity_encode_hdr(uint8_t *buf, size_t cap, uint32_t dst, uint32_t first, uint32_t k,
				 uint32_t last_len)
{
	return encode_hdr(buf, cap, UDT_FEC_KIND_PARITY, k, first & UDT_SEQ_MASK, last_len, dst);
}

int udt_fec_parity_decode(const struct udt_hdr *h, struct udt_fec_parity *p)
{
	if (!h->ctrl || h->type != UDT_CT_FEC || (h->ext >> 8) != UDT_FEC_KIND_PARITY)
		return -EBADMSG;
	p->k = h->ext & 0xff;
	p->first = h->info;
	p->last_len = h->ts;
	p->xor = h->body;
	p->len = h->body_len;
	if (p->k < 2 || p->k > UDT_FEC_MAX_PKTS || (p->first & ~UDT_SEQ_MASK))
		return -EBADMSG;
	/* every packet carries a byte; the last is no longer than the others */
	if (p->len == 0 || p->last_len == 0 || p->last_len > p->len)
		return -EBADMSG;
	return 0;
}

size_t udt_fec_report_encode(uint8_t *buf, size_t cap, uint32_t ts, uint32_t dst, uint32_t seq)
{
	if (cap < UDT_HDR_LEN + 4)
		return 0;
	encode_hdr(buf, cap, UDT_FEC_KIND_REPORT, 0, seq & UDT_SEQ_MASK, ts, dst);
	memset(buf + UDT_HDR_LEN, 0, 4);
	return UDT_HDR_LEN + 4;
}

int udt_fec_report_decode(const struct udt_hdr *h, uint32_t *seq)
{
	if (!h->ctrl || h->type != UDT_CT_FEC || h->ext != UDT_FEC_KIND_REPORT << 8 ||
	    h->body_len != 4 || (h->info & ~UDT_SEQ_MASK))
		return -EBADMSG;
	*seq = h->info;
	return 0;
}

void udt_fec_xor(uint8_t *acc, const uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		acc[i] ^= src[i];
}

/* a group's i-th packet's boundary bits: a message of k >= 2 packets */
static uint32_t boundary(uint32_t i, uint32_t k)
{
	return i == 0 ? UDT_PB_FIRST : i == k - 1 ? UDT_PB_LAST : UDT_PB_MIDDLE;
}

#define MSGWORD_REST 0x3fffffffu /* in-order bit and message number */

enum udt_fec_result udt_fec_recover(const struct udt_fec_parity *p, udt_fec_get_fn get, void *ctx,
				    uint8_t *out, uint32_t *seq, uint32_t *msgword, size_t *len)
{
	uint32_t i, missing = 0, miss = 0, rest = 0;
	int gone = 0, have_rest = 0;
	size_t want;

	for (i = 0; i < p->k; i++) {
		const uint8_t *d;
		size_t n;
		uint32_t w;
		int r = get(ctx, udt_seq_add(p->first, (int32_t)i), &d, &n, &w);

		if (r == 0) {
			missing++;
			miss = i;
		} else if (r < 0) {
			gone = 1;
		}
	}
	/* a group is one message: if part of it is gone, all of it came */
	if (missing == 0 || gone)
		return UDT_FEC_UNNEEDED;
	if (missing > 1)
		return UDT_FEC_LOST2;
	memcpy(out, p->xor, p->len);
	for (i = 0; i < p->k; i++) {
		const uint8_t *d;
		size_t n;
		uint32_t w;

		if (i == miss)
			continue;
		get(ctx, udt_seq_add(p->first, (int32_t)i), &d, &n, &w);
		/* the packets that came must be the message the parity says */
		if (n != (i == p->k - 1 ? p->last_len : p->len) ||
		    UDT_MSG_BOUNDARY(w) != boundary(i, p->k) ||
		    (have_rest && (w & MSGWORD_REST) != rest))
			return UDT_FEC_BAD;
		rest = w & MSGWORD_REST;
		have_rest = 1;
		udt_fec_xor(out, d, n);
	}
	want = miss == p->k - 1 ? p->last_len : p->len;
	/* what was padding in the sender's XOR must come out as zeros */
	for (i = (uint32_t)want; i < p->len; i++)
		if (out[i])
			return UDT_FEC_BAD;
	*seq = udt_seq_add(p->first, (int32_t)miss);
	*msgword = boundary(miss, p->k) << 30 | rest;
	*len = want;
	return UDT_FEC_RECOVERED;
}

#define FEC_UNIT 256 /* the measure's counts are in 1/256ths, so that halving keeps a single loss */

static void decay(struct udt_fec_tx *t)
{
	while (t->sent >= 2ull * UDT_FEC_WINDOW_PKTS * FEC_UNIT) {
		t->sent /= 2;
		t->lost /= 2;
	}
}

void udt_fec_tx_sent(struct udt_fec_tx *t, uint32_t n)
{
	t->sent += (uint64_t)n * FEC_UNIT;
	decay(t);
}

void udt_fec_tx_lost(struct udt_fec_tx *t, uint32_t n)
{
	t->lost += (uint64_t)n * FEC_UNIT;
	/* a peer's wild reports cannot make the measure exceed all */
	if (t->lost > t->sent + FEC_UNIT)
		t->lost = t->sent + FEC_UNIT;
}

uint32_t udt_fec_tx_ppm(const struct udt_fec_tx *t)
{
	uint64_t ppm;

	if (!t->lost)
		return 0;
	if (!t->sent)
		return 1000000;
	ppm = t->lost * 1000000ull / t->sent;
	return ppm > 1000000 ? 1000000 : (uint32_t)ppm;
}

int udt_fec_tx_active(const struct udt_fec_tx *t)
{
	return t->lost && udt_fec_tx_ppm(t) >= UDT_FEC_ON_PPM;
}

void udt_fec_tx_seed(struct udt_fec_tx *t, uint32_t ppm)
{
	if (!ppm)
		return;
	if (ppm > 1000000)
		ppm = 1000000;
	t->sent = (uint64_t)UDT_FEC_SEED_PKTS * FEC_UNIT;
	t->lost = t->sent * ppm / 1000000;
	if (!t->lost)
		t->lost = 1;
}
