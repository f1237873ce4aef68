/* SPDX-License-Identifier: MIT */
/*
 * udt_wire.c - encoders and decoders of the udt back-end's frames.
 */
#include "udt_wire.h"

#include <errno.h>
#include <string.h>

#include "common/le.h"
#include "common/nid.h"
#include "lu2k/desc.h"

size_t lu2k_udtw_hello_len(const struct lu2k_udtw_hello *h)
{
	unsigned int n = h->naddrs < LU2K_UDTW_MAX_ADDRS ? h->naddrs : LU2K_UDTW_MAX_ADDRS;

	return n ? LU2K_UDTW_HELLO_LEN + 4 + (size_t)n * 20 : LU2K_UDTW_HELLO_LEN;
}

void lu2k_udtw_hello_encode(uint8_t *out, const struct lu2k_udtw_hello *h)
{
	size_t len = lu2k_udtw_hello_len(h);

	memset(out, 0, len);
	lu2k_put_le32(out, LU2K_UDTW_MAGIC);
	lu2k_put_le16(out + 4, h->version);
	out[6] = LU2K_UDTW_HELLO;
	memcpy(out + 8, h->backend, strnlen(h->backend, LU2K_UDTW_BACKEND_LEN));
	lu2k_nid_wire_put(out + 16, &h->src);
	lu2k_nid_wire_put(out + 36, &h->dst);
	if (len == LU2K_UDTW_HELLO_LEN)
		return;
	out[7] = LU2K_UDTW_HELLO_ADDRS;
	out[56] = (uint8_t)((len - LU2K_UDTW_HELLO_LEN - 4) / 20);
	for (unsigned int i = 0; i < out[56]; i++)
		lu2k_nid_wire_put(out + 60 + i * 20, &h->addrs[i]);
}

size_t lu2k_udtw_msg_encode(uint8_t *out, const struct lu2k_udtw_msg *m)
{
	size_t hlen = lu2k_udtw_msg_hlen(m);

	memset(out, 0, hlen);
	out[0] = m->epoch ? LU2K_UDTW_MSG_ID : LU2K_UDTW_MSG;
	lu2k_put_le32(out + 4, m->hdr_len);
	lu2k_put_le32(out + 8, m->payload_len);
	lu2k_nid_wire_put(out + 12, &m->target);
	if (m->epoch) {
		lu2k_put_le32(out + 32, m->epoch);
		lu2k_put_le64(out + 40, m->id);
		lu2k_put_le64(out + 48, m->low);
	}
	return hlen;
}

int lu2k_udtw_type(const uint8_t *p, size_t total)
{
	if (total >= LU2K_UDTW_HELLO_LEN && lu2k_get_le32(p) == LU2K_UDTW_MAGIC &&
	    p[6] == LU2K_UDTW_HELLO)
		return LU2K_UDTW_HELLO;
	if (total >= LU2K_UDTW_MSG_HLEN && p[0] == LU2K_UDTW_MSG)
		return LU2K_UDTW_MSG;
	if (total >= LU2K_UDTW_MSGID_HLEN && p[0] == LU2K_UDTW_MSG_ID)
		return LU2K_UDTW_MSG;
	return -EPROTO;
}

int lu2k_udtw_hello_decode(const uint8_t *p, size_t total, struct lu2k_udtw_hello *h)
{
	size_t n;

	memset(h, 0, sizeof(*h));
	/* flag ADDRS (an address list after the 56 bytes) or none: an older lu2kd refuses it */
	if (lu2k_get_le32(p) != LU2K_UDTW_MAGIC || p[6] != LU2K_UDTW_HELLO ||
	    (p[7] & ~LU2K_UDTW_HELLO_ADDRS) || (!p[7] && total != LU2K_UDTW_HELLO_LEN) ||
	    (p[7] && (total < LU2K_UDTW_HELLO_LEN + 4 + 20 || total > LU2K_UDTW_HELLO_MAX ||
		      (total - LU2K_UDTW_HELLO_LEN - 4) % 20)))
		return -EPROTO;
	h->version = lu2k_get_le16(p + 4);
	if (h->version != LU2K_UDTW_VERSION)
		return -EPROTO;
	/* the name is NUL-padded; nothing after its end */
	n = strnlen((const char *)p + 8, LU2K_UDTW_BACKEND_LEN);
	for (size_t i = n; i < LU2K_UDTW_BACKEND_LEN; i++)
		if (p[8 + i])
			return -EPROTO;
	memcpy(h->backend, p + 8, n);
	h->backend[n] = 0;
	if (lu2k_nid_wire_get(p + 16, &h->src) || lu2k_nid_wire_get(p + 36, &h->dst))
		return -EPROTO;
	if (!p[7])
		return 0;
	h->naddrs = (unsigned int)((total - LU2K_UDTW_HELLO_LEN - 4) / 20);
	if (p[56] != h->naddrs || p[57] || p[58] || p[59])
		return -EPROTO;
	for (unsigned int i = 0; i < h->naddrs; i++)
		if (lu2k_nid_wire_get(p + 60 + i * 20, &h->addrs[i]))
			return -EPROTO;
	return 0;
}

int lu2k_udtw_msg_decode(const uint8_t *p, size_t total, uint32_t max_msg, struct lu2k_udtw_msg *m)
{
	size_t hlen = p[0] == LU2K_UDTW_MSG_ID ? LU2K_UDTW_MSGID_HLEN : LU2K_UDTW_MSG_HLEN;
	uint64_t len;

	memset(m, 0, sizeof(*m));
	if (total < hlen || (p[0] != LU2K_UDTW_MSG && p[0] != LU2K_UDTW_MSG_ID) || p[1] || p[2] ||
	    p[3])
		return -EPROTO;
	m->hdr_len = lu2k_get_le32(p + 4);
	m->payload_len = lu2k_get_le32(p + 8);
	len = (uint64_t)m->hdr_len + m->payload_len;
	if (len > max_msg)
		return -EMSGSIZE;
	if (hlen + len != total)
		return -EPROTO;
	if (lu2k_nid_wire_get(p + 12, &m->target))
		return -EPROTO;
	if (p[0] == LU2K_UDTW_MSG_ID) {
		m->epoch = lu2k_get_le32(p + 32);
		m->id = lu2k_get_le64(p + 40);
		m->low = lu2k_get_le64(p + 48);
		if (!m->epoch || lu2k_get_le32(p + 36) || m->low > m->id)
			return -EPROTO;
	}
	return 0;
}
