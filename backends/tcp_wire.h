/* SPDX-License-Identifier: MIT */
/*
 * tcp_wire.h - the wire format of lu2k's tcp back-end (drawn in
 * doc/protocol.txt). Every integer is little-endian on the wire except the
 * NID's network number and address, which keep LNet's network byte order.
 * Encoders write exactly the sizes below; decoders check every field and
 * length and return the bytes consumed, 0 if more bytes are needed, or a
 * negative errno (-EPROTO malformed, -EMSGSIZE too large).
 */
#ifndef LU2K_BACKENDS_TCP_WIRE_H
#define LU2K_BACKENDS_TCP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "uapi/lu2k.h"

#define LU2K_TCPW_MAGIC	    0x4b32554cU /* bytes "LU2K" on the wire */
#define LU2K_TCPW_VERSION   1
#define LU2K_TCPW_HELLO_LEN 64
/* a hello with flag ADDRS: the count (u8, 1..8), 3 zero bytes, that many NIDs */
#define LU2K_TCPW_HELLO_ADDRS 0x1
#define LU2K_TCPW_MAX_ADDRS   8
#define LU2K_TCPW_HELLO_MAX   (LU2K_TCPW_HELLO_LEN + 4 + LU2K_TCPW_MAX_ADDRS * 20)
#define LU2K_TCPW_NID_LEN     20
#define LU2K_TCPW_PREFIX_LEN  8
#define LU2K_TCPW_MSG_HLEN    48
#define LU2K_TCPW_MSGID_HLEN  64 /* MSG_ID: MSG plus the message's id */
#define LU2K_TCPW_ACK_HLEN    16
#define LU2K_TCPW_BACKEND_LEN 8

enum lu2k_tcpw_type {
	LU2K_TCPW_MSG = 1,
	LU2K_TCPW_ACK = 2,
	LU2K_TCPW_BYE = 3,    /* either way: closing on purpose; seq is 0 */
	LU2K_TCPW_MSG_ID = 4, /* a MSG with a multipath id (revision 2 of version 1) */
};

struct lu2k_tcpw_hello {
	uint16_t version;
	int32_t status; /* 0, or the listener's refusal (-errno) */
	char backend[LU2K_TCPW_BACKEND_LEN + 1];
	struct lu2k_nid src; /* the sender of this hello */
	struct lu2k_nid dst; /* the NID it addresses */
	/* the sender's other addresses, as NIDs (multipath discovery); 0: none */
	unsigned int naddrs;
	struct lu2k_nid addrs[LU2K_TCPW_MAX_ADDRS];
};

struct lu2k_tcpw_frame {
	uint8_t type;
	uint32_t length; /* whole frame: header + data */
	uint64_t seq;
	/* MSG and MSG_ID: */
	uint32_t hdr_len;
	uint32_t payload_len;
	struct lu2k_nid target;
	/* MSG_ID only (epoch != 0): struct lu2k_be_msgid */
	uint32_t epoch;
	uint64_t id, low;
};

/* Its length on the wire: LU2K_TCPW_HELLO_LEN, more with addresses (at most _MAX). */
size_t lu2k_tcpw_hello_len(const struct lu2k_tcpw_hello *h);
/* Writes lu2k_tcpw_hello_len(h) bytes (h->naddrs at most LU2K_TCPW_MAX_ADDRS). */
void lu2k_tcpw_hello_encode(uint8_t *out, const struct lu2k_tcpw_hello *h);
int lu2k_tcpw_hello_decode(const uint8_t *p, size_t avail, struct lu2k_tcpw_hello *h);

/* Returns LU2K_TCPW_MSG_HLEN. */
size_t lu2k_tcpw_msg_encode(uint8_t out[LU2K_TCPW_MSG_HLEN], uint64_t seq, uint32_t hdr_len,
			    uint32_t payload_len, const struct lu2k_nid *target);
/* A MSG_ID frame's header (epoch != 0). Returns LU2K_TCPW_MSGID_HLEN. */
size_t lu2k_tcpw_msgid_encode(uint8_t out[LU2K_TCPW_MSGID_HLEN], uint64_t seq, uint32_t hdr_len,
			      uint32_t payload_len, const struct lu2k_nid *target, uint32_t epoch,
			      uint64_t id, uint64_t low);
/* Returns LU2K_TCPW_ACK_HLEN. */
size_t lu2k_tcpw_ack_encode(uint8_t out[LU2K_TCPW_ACK_HLEN], uint64_t seq);
/* A goodbye, as long as an ack. Returns LU2K_TCPW_ACK_HLEN. */
size_t lu2k_tcpw_bye_encode(uint8_t out[LU2K_TCPW_ACK_HLEN]);

/*
 * Decode one frame header. max_msg bounds hdr_len + payload_len. On success
 * returns the header length (the data, f->length minus that, follows).
 */
int lu2k_tcpw_frame_decode(const uint8_t *p, size_t avail, uint32_t max_msg,
			   struct lu2k_tcpw_frame *f);

#endif
