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

void lu2k_udtw_hello_encode(uint8_t out[LU2K_UDTW_HELLO_LEN], const struct lu2k_udtw_hello *h)
{
	memset(out, 0, LU2K_UDTW_HELLO_LEN);
	lu2k_put_le32(out, LU2K_UDTW_MAGIC);
	lu2k_put_le16(out + 4, h->version);
	out[6] = LU2K_UDTW_HELLO;
	memcpy(out + 8, h->backend, strnlen(h->backend, LU2K_UDTW_BACKEND_LEN));
	lu2k_nid_wire_put(out + 16, &h->src);
	lu2k_nid_wire_put(out + 36, &h->dst);
}

void lu2k_udtw_msg_encode(uint8_t out[LU2K_UDTW_MSG_HLEN], const struct lu2k_udtw_msg *m)
{
	memset(out, 0, LU2K_UDTW_MSG_HLEN);
	out[0] = LU2K_UDTW_MSG;
	lu2k_put_le32(out + 4, m->hdr_len);
	lu2k_put_le32(out + 8, m->payload_len);
	lu2k_nid_wire_put(out + 12, &m->target);
}

int lu2k_udtw_type(const uint8_t *p, size_t total)
{
	if (total >= LU2K_UDTW_HELLO_LEN && lu2k_get_le32(p) == LU2K_UDTW_MAGIC &&
	    p[6] == LU2K_UDTW_HELLO)
		return LU2K_UDTW_HELLO;
	if (total >= LU2K_UDTW_MSG_HLEN && p[0] == LU2K_UDTW_MSG)
		return LU2K_UDTW_MSG;
	return -EPROTO;
}

int lu2k_udtw_hello_decode(const uint8_t *p, size_t total, struct lu2k_udtw_hello *h)
{
	size_t n;

	memset(h, 0, sizeof(*h));
	if (total != LU2K_UDTW_HELLO_LEN || lu2k_get_le32(p) != LU2K_UDTW_MAGIC ||
	    p[6] != LU2K_UDTW_HELLO || p[7] != 0)
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
	return 0;
}

int lu2k_udtw_msg_decode(const uint8_t *p, size_t total, uint32_t max_msg, struct lu2k_udtw_msg *m)
{
	uint64_t len;

	memset(m, 0, sizeof(*m));
	if (total < LU2K_UDTW_MSG_HLEN || p[0] != LU2K_UDTW_MSG || p[1] || p[2] || p[3])
		return -EPROTO;
	m->hdr_len = lu2k_get_le32(p + 4);
	m->payload_len = lu2k_get_le32(p + 8);
	len = (uint64_t)m->hdr_len + m->payload_len;
	if (len > max_msg)
		return -EMSGSIZE;
	if (LU2K_UDTW_MSG_HLEN + len != total)
		return -EPROTO;
	if (lu2k_nid_wire_get(p + 12, &m->target))
		return -EPROTO;
	return 0;
}
