// SPDX-License-Identifier: MIT
/*
 * codec.c - UDT4 packet encoding and checked decoding.
 */
#include "codec.h"

#include <errno.h>
#include <string.h>

#include "seq.h"

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int ctrl_type_known(unsigned int t)
{
	return t <= UDT_CT_PEERERR || t == UDT_CT_FEC || t == UDT_CT_UNKNOWN || t == UDT_CT_PROBE ||
	       t == UDT_CT_USER;
}

int udt_hdr_decode(const uint8_t *buf, size_t len, struct udt_hdr *h)
{
	uint32_t w0;

	if (len < UDT_HDR_LEN || len > UDT_MAX_MSS)
		return -EBADMSG;
	w0 = get32(buf);
	memset(h, 0, sizeof(*h));
	h->ctrl = (uint8_t)(w0 >> 31);
	h->info = get32(buf + 4);
	h->ts = get32(buf + 8);
	h->dst = get32(buf + 12);
	h->body = buf + UDT_HDR_LEN;
	h->body_len = len - UDT_HDR_LEN;
	if (!h->ctrl) {
		h->seq = w0 & UDT_SEQ_MASK;
		/* a data packet always carries at least one byte */
		if (h->body_len == 0)
			return -EBADMSG;
		return 0;
	}
	h->type = (uint16_t)((w0 >> 16) & 0x7fff);
	h->ext = (uint16_t)(w0 & 0xffff);
	if (!ctrl_type_known(h->type))
		return -EBADMSG;
	/* control information is a whole number of 32-bit words (a parity: any bytes, fec.h) */
	if (h->body_len % 4 && h->type != UDT_CT_FEC)
		return -EBADMSG;
	return 0;
}

int udt_peek_dst(const uint8_t *buf, size_t len, uint32_t *dst)
{
	if (len < UDT_HDR_LEN)
		return -EBADMSG;
	*dst = get32(buf + 12);
	return 0;
}

size_t udt_data_encode_hdr(uint8_t *buf, size_t cap, uint32_t seq, uint32_t msgword, uint32_t ts,
			   uint32_t dst)
{
	if (cap < UDT_HDR_LEN)
		return 0;
	put32(buf, seq & UDT_SEQ_MASK);
	put32(buf + 4, msgword);
	put32(buf + 8, ts);
	put32(buf + 12, dst);
	return UDT_HDR_LEN;
}

size_t udt_ctrl_encode(uint8_t *buf, size_t cap, uint16_t type, uint16_t ext, uint32_t info,
		       uint32_t ts, uint32_t dst, const uint32_t *words, size_t nwords)
{
	size_t len = UDT_HDR_LEN + 4 * nwords, i;

	if (cap < len)
		return 0;
	put32(buf, 0x80000000u | (uint32_t)(type & 0x7fff) << 16 | ext);
	put32(buf + 4, info);
	put32(buf + 8, ts);
	put32(buf + 12, dst);
	for (i = 0; i < nwords; i++)
		put32(buf + UDT_HDR_LEN + 4 * i, words[i]);
	return len;
}

int udt_ack_decode(const struct udt_hdr *h, struct udt_ack *a)
{
	const uint8_t *b = h->body;
	int32_t v[8];
	int i, n;

	if (!h->ctrl || h->type != UDT_CT_ACK)
		return -EBADMSG;
	memset(a, 0, sizeof(*a));
	if (h->body_len == 4) {
		/* light ACK: only the acknowledged sequence number */
		a->nfields = 1;
		a->ack_seq = get32(b);
		return (a->ack_seq & ~UDT_SEQ_MASK) ? -EBADMSG : 0;
	}
	/*
	 * 16 bytes: no rate fields; 24 to 31: the rates (extra words ignored,
	 * as before the timed ACK); 32 and longer: timed (the rest ignored)
	 */
	if (h->body_len == 16)
		n = 4;
	else if (h->body_len >= 32)
		n = 8;
	else if (h->body_len >= 24)
		n = 6;
	else
		return -EBADMSG;
	if (h->info & ~UDT_ACKNO_MAX)
		return -EBADMSG;
	for (i = 0; i < n; i++)
		v[i] = (int32_t)get32(b + 4 * i);
	if ((uint32_t)v[0] & ~UDT_SEQ_MASK)
		return -EBADMSG;
	/*
	 * every other field is a count, a time or a sequence number: none has
	 * the top bit, but for the timed ACK's held flag beside hi_seq
	 */
	for (i = 1; i < n; i++)
		if (v[i] < 0 && i != 6)
			return -EBADMSG;
	a->nfields = n;
	a->ackno = h->info;
	a->ack_seq = (uint32_t)v[0];
	a->rtt_us = v[1];
	a->rttvar_us = v[2];
	a->avail = v[3];
	if (n >= 6) {
		a->rcv_rate = v[4];
		a->bandwidth = v[5];
	}
	if (n == 8) {
		a->hi_seq = (uint32_t)v[6] & UDT_SEQ_MASK;
		a->held = (uint32_t)v[6] >> 31;
		a->hi_delay_us = (uint32_t)v[7];
	}
	return 0;
}

size_t udt_ack_encode(uint8_t *buf, size_t cap, uint32_t ts, uint32_t dst, const struct udt_ack *a)
{
	uint32_t w[8] = { a->ack_seq & UDT_SEQ_MASK,
			  (uint32_t)a->rtt_us,
			  (uint32_t)a->rttvar_us,
			  (uint32_t)a->avail,
			  (uint32_t)a->rcv_rate,
			  (uint32_t)a->bandwidth,
			  (a->hi_seq & UDT_SEQ_MASK) | (a->held ? 0x80000000u : 0),
			  a->hi_delay_us & 0x7fffffffu };
	size_t n = a->nfields == 8 ? 8 : a->nfields == 6 ? 6 : 4;

	if (a->nfields == 1)
		return udt_ctrl_encode(buf, cap, UDT_CT_ACK, 0, 0, ts, dst, w, 1);
	return udt_ctrl_encode(buf, cap, UDT_CT_ACK, 0, a->ackno & UDT_ACKNO_MAX, ts, dst, w, n);
}

uint16_t udt_hs_ext_make(unsigned int offers)
{
	offers &= UDT_HS_OFFER_ALL;
	if (!offers)
		return 0;
	/* FEC alone in the form engines from before the set read */
	if (offers == UDT_HS_OFFER_FEC)
		return UDT_HS_EXT_FEC;
	return (uint16_t)(UDT_HS_EXT_SET | offers);
}

unsigned int udt_hs_ext_offers(uint16_t ext)
{
	if (ext == UDT_HS_EXT_FEC)
		return UDT_HS_OFFER_FEC;
	if ((ext & 0xff80u) == UDT_HS_EXT_SET)
		return ext & UDT_HS_OFFER_ALL;
	return 0;
}

int udt_nak_decode(const struct udt_hdr *h, struct udt_range *out, size_t max, size_t *n)
{
	size_t nw = h->body_len / 4, i, k = 0;
	const uint8_t *b = h->body;

	*n = 0;
	if (!h->ctrl || h->type != UDT_CT_NAK || nw == 0)
		return -EBADMSG;
	for (i = 0; i < nw; i++) {
		uint32_t w = get32(b + 4 * i), first = w & UDT_SEQ_MASK, last = first;

		if (w & 0x80000000u) {
			/* a range start must be followed by a plain last number */
			if (i + 1 >= nw)
				return -EBADMSG;
			last = get32(b + 4 * ++i);
			if (last & 0x80000000u)
				return -EBADMSG;
			if (udt_seq_cmp(first, last) > 0)
				return -EBADMSG;
		}
		if (k >= max)
			return -ENOSPC;
		out[k].first = first;
		out[k].last = last;
		k++;
	}
	*n = k;
	return 0;
}

size_t udt_nak_encode(uint8_t *buf, size_t cap, uint32_t ts, uint32_t dst,
		      const struct udt_range *r, size_t n, size_t max_words, size_t *used)
{
	size_t words = 0, i, len;
	uint8_t *p;

	if (cap < UDT_HDR_LEN)
		return 0;
	if (max_words > (cap - UDT_HDR_LEN) / 4)
		max_words = (cap - UDT_HDR_LEN) / 4;
	p = buf + UDT_HDR_LEN;
	for (i = 0; i < n; i++) {
		size_t need = r[i].first == r[i].last ? 1 : 2;

		if (words + need > max_words)
			break;
		if (need == 1) {
			put32(p + 4 * words++, r[i].first & UDT_SEQ_MASK);
		} else {
			put32(p + 4 * words++, (r[i].first & UDT_SEQ_MASK) | 0x80000000u);
			put32(p + 4 * words++, r[i].last & UDT_SEQ_MASK);
		}
	}
	*used = i;
	if (words == 0)
		return 0;
	len = udt_ctrl_encode(buf, cap, UDT_CT_NAK, 0, 0, ts, dst, NULL, 0);
	return len + 4 * words;
}

int udt_hs_decode(const struct udt_hdr *h, struct udt_hs *hs)
{
	const uint8_t *b = h->body;
	int i;

	if (!h->ctrl || h->type != UDT_CT_HANDSHAKE ||
	    (h->body_len != UDT_HS_LEN && h->body_len != UDT_HS_LEN + 4))
		return -EBADMSG;
	hs->info = h->info;
	hs->ext = h->ext;
	hs->version = (int32_t)get32(b);
	hs->sock_type = (int32_t)get32(b + 4);
	hs->isn = get32(b + 8);
	hs->mss = (int32_t)get32(b + 12);
	hs->flight = (int32_t)get32(b + 16);
	hs->req_type = (int32_t)get32(b + 20);
	hs->sock_id = get32(b + 24);
	hs->cookie = get32(b + 28);
	for (i = 0; i < 4; i++)
		hs->peer_ip[i] = get32(b + 32 + 4 * i);
	hs->probe_pps = h->body_len > UDT_HS_LEN ? get32(b + UDT_HS_LEN) : 0;
	if (hs->version != UDT_VERSION)
		return -EBADMSG;
	if (hs->sock_type != UDT_SOCK_STREAM && hs->sock_type != UDT_SOCK_DGRAM)
		return -EBADMSG;
	if (hs->isn & ~UDT_SEQ_MASK)
		return -EBADMSG;
	if (hs->mss < UDT_MIN_MSS || hs->mss > UDT_MAX_MSS)
		return -EBADMSG;
	if (hs->flight < 2)
		return -EBADMSG;
	switch (hs->req_type) {
	case UDT_HS_REQ_REGULAR:
	case UDT_HS_REQ_RENDEZVOUS:
	case UDT_HS_RSP_REGULAR:
	case UDT_HS_RSP_RENDEZVOUS:
	case UDT_HS_REJECT:
		break;
	default:
		return -EBADMSG;
	}
	/* socket ids are positive 32-bit integers in UDT4 */
	if (hs->sock_id == 0 || (hs->sock_id & 0x80000000u))
		return -EBADMSG;
	return 0;
}

size_t udt_hs_encode(uint8_t *buf, size_t cap, uint32_t ts, uint32_t dst, const struct udt_hs *hs)
{
	uint32_t w[13] = {
		(uint32_t)hs->version, (uint32_t)hs->sock_type, hs->isn,	(uint32_t)hs->mss,
		(uint32_t)hs->flight,  (uint32_t)hs->req_type,	hs->sock_id,	hs->cookie,
		hs->peer_ip[0],	       hs->peer_ip[1],		hs->peer_ip[2], hs->peer_ip[3],
		hs->probe_pps
	};

	/* the 13th word only when there is a capacity to tell (UDT4's handshake is 12) */
	return udt_ctrl_encode(buf, cap, UDT_CT_HANDSHAKE, hs->ext, hs->info, ts, dst, w,
			       hs->probe_pps ? 13 : 12);
}

size_t udt_probe_encode(uint8_t *buf, size_t len, uint32_t ts, uint32_t sock_id, uint16_t index)
{
	if (len < UDT_HDR_LEN + 4)
		return 0;
	len &= ~(size_t)3;
	udt_ctrl_encode(buf, len, UDT_CT_PROBE, index, sock_id, ts, 0, NULL, 0);
	memset(buf + UDT_HDR_LEN, 0, len - UDT_HDR_LEN);
	return len;
}

int udt_probe_decode(const struct udt_hdr *h, uint32_t *sock_id)
{
	if (!h->ctrl || h->type != UDT_CT_PROBE || h->body_len < 4 || h->dst != 0)
		return -EBADMSG;
	/* socket ids are positive 32-bit integers, as in a handshake */
	if (h->info == 0 || (h->info & 0x80000000u))
		return -EBADMSG;
	*sock_id = h->info;
	return 0;
}

int udt_dropreq_decode(const struct udt_hdr *h, struct udt_dropreq *d)
{
	if (!h->ctrl || h->type != UDT_CT_DROPREQ || h->body_len != 8)
		return -EBADMSG;
	d->msgno = h->info;
	d->first = get32(h->body);
	d->last = get32(h->body + 4);
	if (d->msgno & ~UDT_MSGNO_MAX)
		return -EBADMSG;
	if ((d->first | d->last) & ~UDT_SEQ_MASK)
		return -EBADMSG;
	if (udt_seq_cmp(d->first, d->last) > 0)
		return -EBADMSG;
	return 0;
}

size_t udt_dropreq_encode(uint8_t *buf, size_t cap, uint32_t ts, uint32_t dst,
			  const struct udt_dropreq *d)
{
	uint32_t w[2] = { d->first & UDT_SEQ_MASK, d->last & UDT_SEQ_MASK };

	return udt_ctrl_encode(buf, cap, UDT_CT_DROPREQ, 0, d->msgno & UDT_MSGNO_MAX, ts, dst, w,
			       2);
}

const char *udt_ctrl_type_to_str(unsigned int type)
{
	static const char *const names[] = {
		[UDT_CT_HANDSHAKE] = "handshake",
		[UDT_CT_KEEPALIVE] = "keep-alive",
		[UDT_CT_ACK] = "ack",
		[UDT_CT_NAK] = "nak",
		[UDT_CT_CGWARN] = "cg-warning",
		[UDT_CT_SHUTDOWN] = "shutdown",
		[UDT_CT_ACK2] = "ack2",
		[UDT_CT_DROPREQ] = "drop-request",
		[UDT_CT_PEERERR] = "peer-error",
	};

	if (type < sizeof(names) / sizeof(names[0]))
		return names[type];
	return type == UDT_CT_USER    ? "user"
	       : type == UDT_CT_FEC   ? "fec"
	       : type == UDT_CT_PROBE ? "probe"
				      : "unknown";
}
