/* SPDX-License-Identifier: MIT */
/* rds_wire.c - encoders and checking decoders of the rds back-end's frames (rds_wire.h). */
#include "rds_wire.h"

#include <errno.h>
#include <string.h>

#include "common/le.h"
#include "common/nid.h"
#include "lu2k/desc.h"

_Static_assert(LU2K_RDSW_HELLO_LEN == 24 + 2 * LU2K_NID_WIRE_LEN, "hello layout");
_Static_assert(LU2K_RDSW_DATA_LEN == 40 + LU2K_NID_WIRE_LEN + 4, "data layout");

static void put_base(uint8_t *p, uint8_t type, uint16_t hlen, uint64_t conn_id)
{
	memset(p, 0, hlen);
	lu2k_put_le32(p, LU2K_RDSW_MAGIC);
	p[4] = LU2K_RDSW_VERSION;
	p[5] = type;
	lu2k_put_le16(p + 6, hlen);
	lu2k_put_le64(p + 8, conn_id);
}

size_t lu2k_rdsw_hello_encode(uint8_t *out, uint8_t type, uint64_t conn_id, int32_t status,
			      const struct lu2k_nid *src, const struct lu2k_nid *dst)
{
	put_base(out, type, LU2K_RDSW_HELLO_LEN, conn_id);
	lu2k_put_le32(out + 16, (uint32_t)status);
	lu2k_nid_wire_put(out + 24, src);
	lu2k_nid_wire_put(out + 44, dst);
	return LU2K_RDSW_HELLO_LEN;
}

size_t lu2k_rdsw_data_encode(uint8_t *out, uint64_t conn_id, uint64_t seq, uint32_t offset,
			     uint32_t hdr_len, uint32_t payload_len, const struct lu2k_nid *target)
{
	put_base(out, LU2K_RDSW_DATA, LU2K_RDSW_DATA_LEN, conn_id);
	lu2k_put_le64(out + 16, seq);
	lu2k_put_le32(out + 24, offset);
	lu2k_put_le32(out + 28, hdr_len);
	lu2k_put_le32(out + 32, payload_len);
	lu2k_nid_wire_put(out + 40, target);
	return LU2K_RDSW_DATA_LEN;
}

size_t lu2k_rdsw_data_id_encode(uint8_t *out, uint64_t conn_id, uint64_t seq, uint32_t offset,
				uint32_t hdr_len, uint32_t payload_len,
				const struct lu2k_nid *target, uint32_t epoch, uint64_t id,
				uint64_t low)
{
	put_base(out, LU2K_RDSW_DATA, LU2K_RDSW_DATA_ID_LEN, conn_id);
	lu2k_put_le64(out + 16, seq);
	lu2k_put_le32(out + 24, offset);
	lu2k_put_le32(out + 28, hdr_len);
	lu2k_put_le32(out + 32, payload_len);
	lu2k_nid_wire_put(out + 40, target);
	lu2k_put_le32(out + 64, epoch);
	lu2k_put_le64(out + 72, id);
	lu2k_put_le64(out + 80, low);
	return LU2K_RDSW_DATA_ID_LEN;
}

size_t lu2k_rdsw_ack_encode(uint8_t *out, uint64_t conn_id, uint64_t seq)
{
	put_base(out, LU2K_RDSW_ACK, LU2K_RDSW_ACK_LEN, conn_id);
	lu2k_put_le64(out + 16, seq);
	return LU2K_RDSW_ACK_LEN;
}

size_t lu2k_rdsw_ack_progress_encode(uint8_t *out, uint64_t conn_id, uint64_t seq, uint32_t pieces,
				     uint32_t flags)
{
	lu2k_rdsw_ack_encode(out, conn_id, seq);
	lu2k_put_le32(out + 24, pieces);
	lu2k_put_le32(out + 28, flags);
	return LU2K_RDSW_ACK_LEN;
}

size_t lu2k_rdsw_hello_flags_encode(uint8_t *out, uint64_t conn_id, const struct lu2k_nid *src,
				    const struct lu2k_nid *dst, uint32_t flags)
{
	lu2k_rdsw_hello_encode(out, LU2K_RDSW_HELLO, conn_id, 0, src, dst);
	lu2k_put_le32(out + 20, flags);
	return LU2K_RDSW_HELLO_LEN;
}

size_t lu2k_rdsw_ping_encode(uint8_t *out, uint64_t conn_id)
{
	put_base(out, LU2K_RDSW_PING, LU2K_RDSW_PING_LEN, conn_id);
	return LU2K_RDSW_PING_LEN;
}

size_t lu2k_rdsw_close_encode(uint8_t *out, uint8_t type, uint64_t conn_id, int32_t status)
{
	put_base(out, type, LU2K_RDSW_CLOSE_LEN, conn_id);
	lu2k_put_le32(out + 16, (uint32_t)status);
	return LU2K_RDSW_CLOSE_LEN;
}

size_t lu2k_rdsw_env_encode(uint8_t *out, uint8_t type, uint64_t conn_id)
{
	put_base(out, type, LU2K_RDSW_BASE_LEN, conn_id);
	return LU2K_RDSW_BASE_LEN;
}

static uint16_t type_hlen(uint8_t type)
{
	switch (type) {
	case LU2K_RDSW_HS_INIT:
	case LU2K_RDSW_HS_RESP:
	case LU2K_RDSW_SEALED:
		return LU2K_RDSW_BASE_LEN;
	case LU2K_RDSW_HELLO:
	case LU2K_RDSW_HELLO_ACK:
		return LU2K_RDSW_HELLO_LEN;
	case LU2K_RDSW_DATA:
		return LU2K_RDSW_DATA_LEN;
	case LU2K_RDSW_ACK:
		return LU2K_RDSW_ACK_LEN;
	case LU2K_RDSW_PING:
		return LU2K_RDSW_PING_LEN;
	case LU2K_RDSW_CLOSE:
	case LU2K_RDSW_RESET:
		return LU2K_RDSW_CLOSE_LEN;
	default:
		return 0;
	}
}

static int zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return -EPROTO;
	return 0;
}

static int get_status(const uint8_t *p, int32_t *out)
{
	int32_t st = (int32_t)lu2k_get_le32(p);

	if (st > 0 || st < -4095)
		return -EPROTO;
	*out = st;
	return 0;
}

int lu2k_rdsw_decode(const uint8_t *p, size_t len, uint32_t max_msg, struct lu2k_rdsw_frame *f)
{
	uint64_t total;

	memset(f, 0, sizeof(*f));
	if (len < LU2K_RDSW_BASE_LEN || lu2k_get_le32(p) != LU2K_RDSW_MAGIC ||
	    p[4] != LU2K_RDSW_VERSION)
		return -EPROTO;
	f->type = p[5];
	f->hlen = lu2k_get_le16(p + 6);
	f->conn_id = lu2k_get_le64(p + 8);
	/* DATA's header is 64 bytes, or 88 with a multipath id */
	if (!type_hlen(f->type) ||
	    (f->hlen != type_hlen(f->type) &&
	     (f->type != LU2K_RDSW_DATA || f->hlen != LU2K_RDSW_DATA_ID_LEN)) ||
	    len < f->hlen || !f->conn_id)
		return -EPROTO;
	if (f->type != LU2K_RDSW_DATA && f->type < LU2K_RDSW_HS_INIT && len != f->hlen)
		return -EPROTO;
	switch (f->type) {
	case LU2K_RDSW_HS_INIT:
	case LU2K_RDSW_HS_RESP:
	case LU2K_RDSW_SEALED:
		f->data_len = (uint32_t)(len - f->hlen);
		if (f->type == LU2K_RDSW_HS_INIT && f->data_len != LU2K_RDSW_HS_INIT_BODY)
			return -EPROTO;
		if (f->type == LU2K_RDSW_HS_RESP && f->data_len != LU2K_RDSW_HS_RESP_BODY)
			return -EPROTO;
		if (f->type == LU2K_RDSW_SEALED && f->data_len < LU2K_RDSW_SEAL_MIN)
			return -EPROTO;
		break;
	case LU2K_RDSW_HELLO:
	case LU2K_RDSW_HELLO_ACK:
		if (get_status(p + 16, &f->status))
			return -EPROTO;
		/* a connector's HELLO may carry flags; the answer has none */
		f->flags = lu2k_get_le32(p + 20);
		if (f->type == LU2K_RDSW_HELLO_ACK && f->flags)
			return -EPROTO;
		if (f->type == LU2K_RDSW_HELLO && f->status)
			return -EPROTO;
		if (lu2k_nid_wire_get(p + 24, &f->src) || lu2k_nid_wire_get(p + 44, &f->dst))
			return -EPROTO;
		break;
	case LU2K_RDSW_DATA:
		f->seq = lu2k_get_le64(p + 16);
		f->offset = lu2k_get_le32(p + 24);
		f->hdr_len = lu2k_get_le32(p + 28);
		f->payload_len = lu2k_get_le32(p + 32);
		f->data_len = (uint32_t)(len - f->hlen);
		if (!f->seq || zero(p + 36, 4) || zero(p + 60, 4) || f->hdr_len > LU2K_HDR_MAX)
			return -EPROTO;
		if (lu2k_nid_wire_get(p + 40, &f->target))
			return -EPROTO;
		f->epoch = 0;
		if (f->hlen == LU2K_RDSW_DATA_ID_LEN) {
			f->epoch = lu2k_get_le32(p + 64);
			f->id = lu2k_get_le64(p + 72);
			f->low = lu2k_get_le64(p + 80);
			if (!f->epoch || zero(p + 68, 4) || f->low > f->id)
				return -EPROTO;
		}
		total = (uint64_t)f->hdr_len + f->payload_len;
		if (total > max_msg)
			return -EMSGSIZE;
		/* Every piece carries bytes, except the one piece of an empty message. */
		if ((uint64_t)f->offset + f->data_len > total || (total && !f->data_len))
			return -EPROTO;
		break;
	case LU2K_RDSW_ACK:
		f->seq = lu2k_get_le64(p + 16);
		f->pieces = lu2k_get_le32(p + 24);
		f->flags = lu2k_get_le32(p + 28);
		/* without progress, the 8 bytes are 0 as before */
		if (!(f->flags & LU2K_RDSW_ACK_PROGRESS) && zero(p + 24, 8))
			return -EPROTO;
		break;
	case LU2K_RDSW_PING:
		break;
	case LU2K_RDSW_CLOSE:
	case LU2K_RDSW_RESET:
		if (get_status(p + 16, &f->status) || zero(p + 20, 4))
			return -EPROTO;
		break;
	}
	return f->hlen;
}

const char *lu2k_rdsw_type_str(uint8_t type)
{
	static const char *const n[] = { "?",	  "hello", "hello-ack", "data",	   "ack",   "ping",
					 "close", "reset", "hs-init",	"hs-resp", "sealed" };

	return type < sizeof(n) / sizeof(n[0]) ? n[type] : "?";
}
