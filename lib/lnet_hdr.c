/* SPDX-License-Identifier: MIT */
#include "lnet_hdr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/*
 * The wire layouts as packed structs, only to check our offsets at compile
 * time against the numbers LNet's wirecheck prints; encoding and decoding
 * use explicit little-endian loads and stores at these offsets.
 */
struct wire_wh {
	uint64_t ic, oc;
} __attribute__((packed));

union wire_msg {
	struct {
		struct wire_wh dst_wmd;
		uint64_t match_bits;
		uint32_t mlength;
	} __attribute__((packed)) ack;
	struct {
		struct wire_wh ack_wmd;
		uint64_t match_bits, hdr_data;
		uint32_t ptl_index, offset;
	} __attribute__((packed)) put;
	struct {
		struct wire_wh return_wmd;
		uint64_t match_bits;
		uint32_t ptl_index, src_offset, sink_length;
	} __attribute__((packed)) get;
	struct {
		struct wire_wh dst_wmd;
	} __attribute__((packed)) reply;
	struct {
		uint64_t incarnation;
		uint32_t type;
	} __attribute__((packed)) hello;
} __attribute__((packed));

struct wire_hdr_nid4 {
	uint64_t dest_nid, src_nid;
	uint32_t dest_pid, src_pid, type, payload_length;
	union wire_msg msg;
} __attribute__((packed));

struct wire_hdr_nid16 {
	struct lu2k_nid dest_nid, src_nid;
	uint32_t dest_pid, src_pid, type, payload_length;
	union wire_msg msg;
} __attribute__((packed));

#define OFF4(m) offsetof(struct wire_hdr_nid4, m)
_Static_assert(sizeof(struct wire_hdr_nid4) == LU2K_LNET_HDR_NID4_SIZE, "nid4 size");
_Static_assert(OFF4(src_nid) == 8 && OFF4(dest_pid) == 16 && OFF4(src_pid) == 20, "nid4");
_Static_assert(OFF4(type) == 24 && OFF4(payload_length) == 28 && OFF4(msg) == 32, "nid4");
_Static_assert(OFF4(msg.ack.match_bits) == 48 && OFF4(msg.ack.mlength) == 56, "ack");
_Static_assert(OFF4(msg.put.match_bits) == 48 && OFF4(msg.put.hdr_data) == 56, "put");
_Static_assert(OFF4(msg.put.ptl_index) == 64 && OFF4(msg.put.offset) == 68, "put");
_Static_assert(OFF4(msg.get.match_bits) == 48 && OFF4(msg.get.ptl_index) == 56, "get");
_Static_assert(OFF4(msg.get.src_offset) == 60 && OFF4(msg.get.sink_length) == 64, "get");
_Static_assert(OFF4(msg.reply.dst_wmd) == 32, "reply");
_Static_assert(OFF4(msg.hello.incarnation) == 32 && OFF4(msg.hello.type) == 40, "hello");
_Static_assert(sizeof(union wire_msg) == 40, "union");
_Static_assert(sizeof(struct wire_hdr_nid16) == LU2K_LNET_HDR_NID16_SIZE, "nid16 size");
_Static_assert(offsetof(struct wire_hdr_nid16, src_nid) == 20, "nid16");
_Static_assert(offsetof(struct wire_hdr_nid16, dest_pid) == 40, "nid16");
_Static_assert(offsetof(struct wire_hdr_nid16, payload_length) == 52, "nid16");
_Static_assert(offsetof(struct wire_hdr_nid16, msg) == 56, "nid16");

/* Offsets inside the union. */
#define U_WH	      0
#define U_MATCH	      16
#define U_ACK_MLEN    24
#define U_PUT_HDRDATA 24
#define U_PUT_PTL     32
#define U_PUT_OFF     36
#define U_GET_PTL     24
#define U_GET_SRCOFF  28
#define U_GET_SINK    32
#define U_HELLO_TYPE  8
#define U_SIZE	      40

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void put_wh(uint8_t *p, const struct lu2k_lnet_wh *wh)
{
	put_le64(p, wh->interface_cookie);
	put_le64(p + 8, wh->object_cookie);
}

static void get_wh(const uint8_t *p, struct lu2k_lnet_wh *wh)
{
	wh->interface_cookie = get_le64(p);
	wh->object_cookie = get_le64(p + 8);
}

static bool nid_fits4(const struct lu2k_nid *n)
{
	for (int i = 4; i < 16; i++)
		if (n->addr[i])
			return false;
	return n->size == 0;
}

uint64_t lu2k_lnet_nid4(const struct lu2k_nid *nid)
{
	uint32_t addr, net;

	if (!nid_fits4(nid))
		return 0;
	addr = ((uint32_t)nid->addr[0] << 24) | ((uint32_t)nid->addr[1] << 16) |
	       ((uint32_t)nid->addr[2] << 8) | nid->addr[3];
	net = ((uint32_t)nid->type << 16) | ntohs(nid->num);
	return ((uint64_t)net << 32) | addr;
}

int lu2k_lnet_nid_from4(uint64_t nid4, struct lu2k_nid *nid)
{
	uint32_t addr = (uint32_t)nid4, net = (uint32_t)(nid4 >> 32);

	/* LNET_NID_ANY, or a net whose top byte is set: not a real NID. */
	if (nid4 == ~0ULL || (net >> 24) != 0)
		return -EINVAL;
	memset(nid, 0, sizeof(*nid));
	nid->type = (uint8_t)(net >> 16);
	nid->num = htons((uint16_t)net);
	nid->addr[0] = (uint8_t)(addr >> 24);
	nid->addr[1] = (uint8_t)(addr >> 16);
	nid->addr[2] = (uint8_t)(addr >> 8);
	nid->addr[3] = (uint8_t)addr;
	return 0;
}

/* A NID as nid16 carries it: size <= 12 (4..16 address bytes), zeros past it. */
static int nid16_check(const struct lu2k_nid *n)
{
	if (n->type == 0xff || n->size > 12)
		return -EINVAL;
	for (int i = 4 + n->size; i < 16; i++)
		if (n->addr[i])
			return -EINVAL;
	return 0;
}

size_t lu2k_lnet_hdr_size(const struct lu2k_lnet_hdr *h)
{
	return nid_fits4(&h->dest_nid) && nid_fits4(&h->src_nid) ? LU2K_LNET_HDR_NID4_SIZE
								 : LU2K_LNET_HDR_NID16_SIZE;
}

static void encode_msg(const struct lu2k_lnet_hdr *h, uint8_t *u)
{
	memset(u, 0, U_SIZE);
	switch (h->type) {
	case LU2K_LNET_MSG_ACK:
		put_wh(u + U_WH, &h->msg.ack.dst_wmd);
		put_le64(u + U_MATCH, h->msg.ack.match_bits);
		put_le32(u + U_ACK_MLEN, h->msg.ack.mlength);
		break;
	case LU2K_LNET_MSG_PUT:
		put_wh(u + U_WH, &h->msg.put.ack_wmd);
		put_le64(u + U_MATCH, h->msg.put.match_bits);
		put_le64(u + U_PUT_HDRDATA, h->msg.put.hdr_data);
		put_le32(u + U_PUT_PTL, h->msg.put.ptl_index);
		put_le32(u + U_PUT_OFF, h->msg.put.offset);
		break;
	case LU2K_LNET_MSG_GET:
		put_wh(u + U_WH, &h->msg.get.return_wmd);
		put_le64(u + U_MATCH, h->msg.get.match_bits);
		put_le32(u + U_GET_PTL, h->msg.get.ptl_index);
		put_le32(u + U_GET_SRCOFF, h->msg.get.src_offset);
		put_le32(u + U_GET_SINK, h->msg.get.sink_length);
		break;
	case LU2K_LNET_MSG_REPLY:
		put_wh(u + U_WH, &h->msg.reply.dst_wmd);
		break;
	case LU2K_LNET_MSG_HELLO:
		put_le64(u, h->msg.hello.incarnation);
		put_le32(u + U_HELLO_TYPE, h->msg.hello.type);
		break;
	}
}

static int decode_msg(const uint8_t *u, struct lu2k_lnet_hdr *h)
{
	switch (h->type) {
	case LU2K_LNET_MSG_ACK:
		get_wh(u + U_WH, &h->msg.ack.dst_wmd);
		h->msg.ack.match_bits = get_le64(u + U_MATCH);
		h->msg.ack.mlength = get_le32(u + U_ACK_MLEN);
		return 0;
	case LU2K_LNET_MSG_PUT:
		get_wh(u + U_WH, &h->msg.put.ack_wmd);
		h->msg.put.match_bits = get_le64(u + U_MATCH);
		h->msg.put.hdr_data = get_le64(u + U_PUT_HDRDATA);
		h->msg.put.ptl_index = get_le32(u + U_PUT_PTL);
		h->msg.put.offset = get_le32(u + U_PUT_OFF);
		return 0;
	case LU2K_LNET_MSG_GET:
		get_wh(u + U_WH, &h->msg.get.return_wmd);
		h->msg.get.match_bits = get_le64(u + U_MATCH);
		h->msg.get.ptl_index = get_le32(u + U_GET_PTL);
		h->msg.get.src_offset = get_le32(u + U_GET_SRCOFF);
		h->msg.get.sink_length = get_le32(u + U_GET_SINK);
		return 0;
	case LU2K_LNET_MSG_REPLY:
		get_wh(u + U_WH, &h->msg.reply.dst_wmd);
		return 0;
	case LU2K_LNET_MSG_HELLO:
		h->msg.hello.incarnation = get_le64(u);
		h->msg.hello.type = get_le32(u + U_HELLO_TYPE);
		return 0;
	}
	return -EINVAL;
}

int lu2k_lnet_hdr_encode(const struct lu2k_lnet_hdr *h, void *buf, size_t cap)
{
	size_t need = lu2k_lnet_hdr_size(h);
	uint8_t *p = buf;

	if (h->type > LU2K_LNET_MSG_HELLO)
		return -EINVAL;
	if (cap < need)
		return -ENOSPC;
	if (need == LU2K_LNET_HDR_NID4_SIZE) {
		put_le64(p, lu2k_lnet_nid4(&h->dest_nid));
		put_le64(p + 8, lu2k_lnet_nid4(&h->src_nid));
		p += 16;
	} else {
		if (nid16_check(&h->dest_nid) || nid16_check(&h->src_nid))
			return -EINVAL;
		memcpy(p, &h->dest_nid, 20);
		memcpy(p + 20, &h->src_nid, 20);
		p += 40;
	}
	put_le32(p, h->dest_pid);
	put_le32(p + 4, h->src_pid);
	put_le32(p + 8, h->type);
	put_le32(p + 12, h->payload_length);
	encode_msg(h, p + 16);
	return (int)need;
}

int lu2k_lnet_hdr_decode(const void *buf, size_t len, struct lu2k_lnet_hdr *h)
{
	const uint8_t *p = buf;

	memset(h, 0, sizeof(*h));
	if (len == LU2K_LNET_HDR_NID4_SIZE) {
		if (lu2k_lnet_nid_from4(get_le64(p), &h->dest_nid) ||
		    lu2k_lnet_nid_from4(get_le64(p + 8), &h->src_nid))
			return -EINVAL;
		p += 16;
	} else if (len == LU2K_LNET_HDR_NID16_SIZE) {
		memcpy(&h->dest_nid, p, 20);
		memcpy(&h->src_nid, p + 20, 20);
		if (nid16_check(&h->dest_nid) || nid16_check(&h->src_nid))
			return -EINVAL;
		p += 40;
	} else {
		return -EINVAL;
	}
	h->dest_pid = get_le32(p);
	h->src_pid = get_le32(p + 4);
	h->type = get_le32(p + 8);
	h->payload_length = get_le32(p + 12);
	return decode_msg(p + 16, h);
}

int lu2k_lnet_hdr_check(const struct lu2k_lnet_hdr *h, size_t payload_bytes, size_t max_payload)
{
	switch (h->type) {
	case LU2K_LNET_MSG_ACK:
	case LU2K_LNET_MSG_GET:
		return h->payload_length == 0 && payload_bytes == 0 ? 0 : -EPROTO;
	case LU2K_LNET_MSG_PUT:
	case LU2K_LNET_MSG_REPLY:
		if (h->payload_length != payload_bytes || payload_bytes > max_payload)
			return -EPROTO;
		return 0;
	}
	return -EPROTO;
}

const char *lu2k_lnet_msg_type_str(uint32_t type)
{
	static const char *const names[] = { "ACK", "PUT", "GET", "REPLY", "HELLO" };

	return type < 5 ? names[type] : "?";
}
