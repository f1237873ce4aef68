/* SPDX-License-Identifier: MIT */
#include "tcp_wire.h"

#include <errno.h>
#include <string.h>

#include "common/le.h"
#include "common/nid.h"
#include "lu2k/desc.h"

size_t lu2k_tcpw_hello_len(const struct lu2k_tcpw_hello *h)
{
	unsigned int n = h->naddrs < LU2K_TCPW_MAX_ADDRS ? h->naddrs : LU2K_TCPW_MAX_ADDRS;

	return n ? LU2K_TCPW_HELLO_LEN + 4 + (size_t)n * LU2K_TCPW_NID_LEN : LU2K_TCPW_HELLO_LEN;
}

void lu2k_tcpw_hello_encode(uint8_t *out, const struct lu2k_tcpw_hello *h)
{
	size_t len = lu2k_tcpw_hello_len(h);

	memset(out, 0, len);
	lu2k_put_le32(out, LU2K_TCPW_MAGIC);
	lu2k_put_le16(out + 4, h->version);
	lu2k_put_le16(out + 6, (uint16_t)len);
	lu2k_put_le32(out + 8, (uint32_t)h->status);
	lu2k_put_le32(out + 12, len > LU2K_TCPW_HELLO_LEN ? LU2K_TCPW_HELLO_ADDRS : 0);
	memcpy(out + 16, h->backend, strnlen(h->backend, LU2K_TCPW_BACKEND_LEN));
	lu2k_nid_wire_put(out + 24, &h->src);
	lu2k_nid_wire_put(out + 44, &h->dst);
	if (len == LU2K_TCPW_HELLO_LEN)
		return;
	out[64] = (uint8_t)((len - LU2K_TCPW_HELLO_LEN - 4) / LU2K_TCPW_NID_LEN);
	for (unsigned int i = 0; i < out[64]; i++)
		lu2k_nid_wire_put(out + 68 + i * LU2K_TCPW_NID_LEN, &h->addrs[i]);
}

int lu2k_tcpw_hello_decode(const uint8_t *p, size_t avail, struct lu2k_tcpw_hello *h)
{
	uint32_t flags, len;
	int32_t status;
	size_t nlen;

	/* Reject a wrong magic as soon as it is visible, before waiting for more. */
	for (size_t i = 0; i < 4 && i < avail; i++)
		if (p[i] != (uint8_t)(LU2K_TCPW_MAGIC >> (8 * i)))
			return -EPROTO;
	if (avail < LU2K_TCPW_HELLO_LEN)
		return 0;
	h->version = lu2k_get_le16(p + 4);
	flags = lu2k_get_le32(p + 12);
	len = lu2k_get_le16(p + 6);
	/*
	 * Flag ADDRS (an address list after the 64 bytes) or none; a lu2kd
	 * older than the list refuses the flag, see doc/protocol.txt.
	 */
	if (h->version != LU2K_TCPW_VERSION || (flags & ~(uint32_t)LU2K_TCPW_HELLO_ADDRS) ||
	    (!flags && len != LU2K_TCPW_HELLO_LEN) ||
	    (flags &&
	     (len < LU2K_TCPW_HELLO_LEN + 4 + LU2K_TCPW_NID_LEN || len > LU2K_TCPW_HELLO_MAX ||
	      (len - LU2K_TCPW_HELLO_LEN - 4) % LU2K_TCPW_NID_LEN)))
		return -EPROTO;
	status = (int32_t)lu2k_get_le32(p + 8);
	if (status > 0 || status < -4095)
		return -EPROTO;
	h->status = status;
	memcpy(h->backend, p + 16, LU2K_TCPW_BACKEND_LEN);
	h->backend[LU2K_TCPW_BACKEND_LEN] = 0;
	nlen = strlen(h->backend);
	if (nlen == 0)
		return -EPROTO;
	for (size_t i = nlen; i < LU2K_TCPW_BACKEND_LEN; i++)
		if (p[16 + i])
			return -EPROTO;
	if (lu2k_nid_wire_get(p + 24, &h->src) || lu2k_nid_wire_get(p + 44, &h->dst))
		return -EPROTO;
	h->naddrs = 0;
	if (!flags)
		return LU2K_TCPW_HELLO_LEN;
	if (avail < len)
		return 0;
	h->naddrs = (len - LU2K_TCPW_HELLO_LEN - 4) / LU2K_TCPW_NID_LEN;
	if (p[64] != h->naddrs || p[65] || p[66] || p[67])
		return -EPROTO;
	for (unsigned int i = 0; i < h->naddrs; i++)
		if (lu2k_nid_wire_get(p + 68 + i * LU2K_TCPW_NID_LEN, &h->addrs[i]))
			return -EPROTO;
	return (int)len;
}

static void put_prefix(uint8_t *p, uint8_t type, uint16_t hlen, uint32_t length)
{
	p[0] = type;
	p[1] = 0;
	lu2k_put_le16(p + 2, hlen);
	lu2k_put_le32(p + 4, length);
}

size_t lu2k_tcpw_msg_encode(uint8_t out[LU2K_TCPW_MSG_HLEN], uint64_t seq, uint32_t hdr_len,
			    uint32_t payload_len, const struct lu2k_nid *target)
{
	put_prefix(out, LU2K_TCPW_MSG, LU2K_TCPW_MSG_HLEN,
		   LU2K_TCPW_MSG_HLEN + hdr_len + payload_len);
	lu2k_put_le64(out + 8, seq);
	lu2k_put_le32(out + 16, hdr_len);
	lu2k_put_le32(out + 20, payload_len);
	lu2k_nid_wire_put(out + 24, target);
	lu2k_put_le32(out + 44, 0);
	return LU2K_TCPW_MSG_HLEN;
}

size_t lu2k_tcpw_msgid_encode(uint8_t out[LU2K_TCPW_MSGID_HLEN], uint64_t seq, uint32_t hdr_len,
			      uint32_t payload_len, const struct lu2k_nid *target, uint32_t epoch,
			      uint64_t id, uint64_t low)
{
	lu2k_tcpw_msg_encode(out, seq, hdr_len, payload_len, target);
	put_prefix(out, LU2K_TCPW_MSG_ID, LU2K_TCPW_MSGID_HLEN,
		   LU2K_TCPW_MSGID_HLEN + hdr_len + payload_len);
	lu2k_put_le32(out + 44, epoch);
	lu2k_put_le64(out + 48, id);
	lu2k_put_le64(out + 56, low);
	return LU2K_TCPW_MSGID_HLEN;
}

size_t lu2k_tcpw_ack_encode(uint8_t out[LU2K_TCPW_ACK_HLEN], uint64_t seq)
{
	put_prefix(out, LU2K_TCPW_ACK, LU2K_TCPW_ACK_HLEN, LU2K_TCPW_ACK_HLEN);
	lu2k_put_le64(out + 8, seq);
	return LU2K_TCPW_ACK_HLEN;
}

size_t lu2k_tcpw_bye_encode(uint8_t out[LU2K_TCPW_ACK_HLEN])
{
	put_prefix(out, LU2K_TCPW_BYE, LU2K_TCPW_ACK_HLEN, LU2K_TCPW_ACK_HLEN);
	lu2k_put_le64(out + 8, 0);
	return LU2K_TCPW_ACK_HLEN;
}

int lu2k_tcpw_frame_decode(const uint8_t *p, size_t avail, uint32_t max_msg,
			   struct lu2k_tcpw_frame *f)
{
	uint16_t hlen;

	/* Check the prefix as soon as it is there, so garbage fails early. */
	if (avail < LU2K_TCPW_PREFIX_LEN)
		return avail && (p[0] < LU2K_TCPW_MSG || p[0] > LU2K_TCPW_MSG_ID) ? -EPROTO : 0;
	memset(f, 0, sizeof(*f));
	f->type = p[0];
	hlen = lu2k_get_le16(p + 2);
	f->length = lu2k_get_le32(p + 4);
	if (p[1] != 0)
		return -EPROTO;
	switch (f->type) {
	case LU2K_TCPW_MSG:
	case LU2K_TCPW_MSG_ID: {
		uint16_t want =
			f->type == LU2K_TCPW_MSG ? LU2K_TCPW_MSG_HLEN : LU2K_TCPW_MSGID_HLEN;

		if (hlen != want || f->length < want)
			return -EPROTO;
		if (f->length - want > max_msg)
			return -EMSGSIZE;
		if (avail < want)
			return 0;
		f->seq = lu2k_get_le64(p + 8);
		f->hdr_len = lu2k_get_le32(p + 16);
		f->payload_len = lu2k_get_le32(p + 20);
		if (f->hdr_len > LU2K_HDR_MAX)
			return -EPROTO;
		if ((uint64_t)f->hdr_len + f->payload_len != f->length - want)
			return -EPROTO;
		if (lu2k_nid_wire_get(p + 24, &f->target))
			return -EPROTO;
		/* MSG: reserved, 0; MSG_ID: the epoch, never 0 */
		f->epoch = lu2k_get_le32(p + 44);
		if ((f->epoch != 0) != (f->type == LU2K_TCPW_MSG_ID))
			return -EPROTO;
		if (f->type == LU2K_TCPW_MSG_ID) {
			f->id = lu2k_get_le64(p + 48);
			f->low = lu2k_get_le64(p + 56);
			if (f->low > f->id)
				return -EPROTO;
		}
		return want;
	}
	case LU2K_TCPW_ACK:
		if (hlen != LU2K_TCPW_ACK_HLEN || f->length != LU2K_TCPW_ACK_HLEN)
			return -EPROTO;
		if (avail < LU2K_TCPW_ACK_HLEN)
			return 0;
		f->seq = lu2k_get_le64(p + 8);
		return LU2K_TCPW_ACK_HLEN;
	case LU2K_TCPW_BYE:
		if (hlen != LU2K_TCPW_ACK_HLEN || f->length != LU2K_TCPW_ACK_HLEN)
			return -EPROTO;
		if (avail < LU2K_TCPW_ACK_HLEN)
			return 0;
		if (lu2k_get_le64(p + 8) != 0)
			return -EPROTO;
		return LU2K_TCPW_ACK_HLEN;
	default:
		return -EPROTO;
	}
}
