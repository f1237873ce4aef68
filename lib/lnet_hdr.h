/* SPDX-License-Identifier: MIT */
/*
 * lnet_hdr.h - LNet wire message headers: our own encoder, decoder and checks.
 *
 * LNet puts a message header on the wire in one of two layouts (facts from
 * lustre-release lnet-idl.h / lib-lnet.h / wirecheck.c; the code is ours):
 *
 *   lnet_hdr_nid4 (72 bytes), both NIDs fit a 64-bit lnet_nid_t:
 *
 *    0               8               16      20      24      28      32
 *   +---------------+---------------+-------+-------+-------+-------+
 *   | dest_nid  le64| src_nid   le64|dst_pid|src_pid| type  |pay_len|
 *   +---------------+---------------+-------+-------+-------+-------+
 *   32: the message union, 40 bytes (below)                        72
 *
 *   lnet_hdr_nid16 (96 bytes), any NID (e.g. IPv6): LNet's in-memory
 *   struct lnet_hdr, packed, with struct lnet_nid NIDs (size, type,
 *   be16 num, be32 addr[4]; == struct lu2k_nid):
 *
 *    0                  20                 40      44      48      52      56
 *   +------------------+------------------+-------+-------+-------+-------+
 *   | dest_nid (20)    | src_nid (20)     |dst_pid|src_pid| type  |pay_len|
 *   +------------------+------------------+-------+-------+-------+-------+
 *   56: the message union, 40 bytes                                       96
 *
 *   The union (offsets from its start; little-endian; a wire handle is two
 *   64-bit cookies, 16 bytes, that only their creator interprets):
 *     ACK   dst_wmd 0, match_bits 16, mlength 24
 *     PUT   ack_wmd 0, match_bits 16, hdr_data 24, ptl_index 32, offset 36
 *     GET   return_wmd 0, match_bits 16, ptl_index 24, src_offset 28, sink_length 32
 *     REPLY dst_wmd 0
 *     HELLO incarnation 0, type 8
 *
 * lnet_nid_t = (net << 32) | addr, net = (lnd_type << 16) | num, addr the
 * IPv4 address as a number (192.0.2.7 = 0xc0000207). All integers are
 * little-endian, as LNet writes them (cpu_to_le in lnet_hdr_to_nid4 and for
 * the union fields in LNetPut/LNetGet); hdr_data and the wire handles are
 * opaque to the receiver and are written little-endian here too.
 *
 * The encoder picks nid4 when both NIDs are IPv4-sized, else nid16, as
 * socklnd does; the decoder tells them apart by length (72 or 96).
 */
#ifndef LU2K_LIB_LNET_HDR_H
#define LU2K_LIB_LNET_HDR_H

#include <stddef.h>
#include <stdint.h>

#include "uapi/lu2k.h"

#define LU2K_LNET_HDR_NID4_SIZE	 72
#define LU2K_LNET_HDR_NID16_SIZE 96

enum lu2k_lnet_msg_type {
	LU2K_LNET_MSG_ACK = 0,
	LU2K_LNET_MSG_PUT = 1,
	LU2K_LNET_MSG_GET = 2,
	LU2K_LNET_MSG_REPLY = 3,
	LU2K_LNET_MSG_HELLO = 4,
};

/* LNET_WIRE_HANDLE_COOKIE_NONE: "no ACK wanted" in a PUT's ack_wmd. */
#define LU2K_LNET_COOKIE_NONE (~0ULL)

struct lu2k_lnet_wh {
	uint64_t interface_cookie;
	uint64_t object_cookie;
};

/* A decoded header, host order. */
struct lu2k_lnet_hdr {
	struct lu2k_nid dest_nid;
	struct lu2k_nid src_nid;
	uint32_t dest_pid;
	uint32_t src_pid;
	uint32_t type; /* enum lu2k_lnet_msg_type */
	uint32_t payload_length;
	union {
		struct {
			struct lu2k_lnet_wh dst_wmd;
			uint64_t match_bits;
			uint32_t mlength;
		} ack;
		struct {
			struct lu2k_lnet_wh ack_wmd;
			uint64_t match_bits;
			uint64_t hdr_data;
			uint32_t ptl_index;
			uint32_t offset;
		} put;
		struct {
			struct lu2k_lnet_wh return_wmd;
			uint64_t match_bits;
			uint32_t ptl_index;
			uint32_t src_offset;
			uint32_t sink_length;
		} get;
		struct {
			struct lu2k_lnet_wh dst_wmd;
		} reply;
		struct {
			uint64_t incarnation;
			uint32_t type;
		} hello;
	} msg;
};

/* 64-bit lnet_nid_t of an IPv4-sized NID (any LND type); 0 if it has none. */
uint64_t lu2k_lnet_nid4(const struct lu2k_nid *nid);
/* The NID of a 64-bit lnet_nid_t. Returns 0, or -EINVAL for LNET_NID_ANY. */
int lu2k_lnet_nid_from4(uint64_t nid4, struct lu2k_nid *nid);

/* Bytes the encoding of h takes (72 or 96). */
size_t lu2k_lnet_hdr_size(const struct lu2k_lnet_hdr *h);

/*
 * Write h into buf (cap bytes). Returns the bytes written (72 or 96),
 * -ENOSPC if cap is too small, -EINVAL for a NID no layout can carry.
 */
int lu2k_lnet_hdr_encode(const struct lu2k_lnet_hdr *h, void *buf, size_t cap);

/*
 * Read a header of exactly len bytes (72 = nid4, 96 = nid16) into *h.
 * Returns 0, or -EINVAL for any other length, an unknown type, or a NID that
 * is malformed (LNET_NID_ANY, nid16 size > 12 or bytes set past its address).
 */
int lu2k_lnet_hdr_decode(const void *buf, size_t len, struct lu2k_lnet_hdr *h);

/*
 * What LNet's lnet_parse checks before it looks at a message: a data type
 * (not HELLO), payload_length matches the bytes that follow (0 for ACK and
 * GET), and nothing past LU2K's largest payload. Returns 0 or -EPROTO.
 */
int lu2k_lnet_hdr_check(const struct lu2k_lnet_hdr *h, size_t payload_bytes, size_t max_payload);

const char *lu2k_lnet_msg_type_str(uint32_t type);

#endif
