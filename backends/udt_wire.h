/* SPDX-License-Identifier: MIT */
/*
 * udt_wire.h - lu2k's frames inside UDT messages (the udt back-end; drawn in
 * doc/udt-backend.md). Every UDT message on a connection carries one frame:
 *
 *   the first one, from the connector: HELLO (56 bytes, nothing after it)
 *   every later one:                   MSG header (32 bytes) + LNet header + payload
 *
 * Integers are little-endian; a NID keeps LNet's network byte order for its
 * number and address (as in the tcp back-end). Decoders check every field
 * and the message's total length, and return 0 or -EPROTO (-EMSGSIZE when
 * the lengths are too large for the receiver).
 */
#ifndef LU2K_BACKENDS_UDT_WIRE_H
#define LU2K_BACKENDS_UDT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "uapi/lu2k.h"

#define LU2K_UDTW_MAGIC	      0x5532554cU /* bytes "LU2U" on the wire */
#define LU2K_UDTW_VERSION     1
#define LU2K_UDTW_HELLO_LEN   56
#define LU2K_UDTW_MSG_HLEN    32
#define LU2K_UDTW_MSGID_HLEN  56 /* MSG_ID: MSG plus the message's id */
#define LU2K_UDTW_BACKEND_LEN 8
#define LU2K_UDTW_PEEK	      56 /* bytes a receiver needs to tell and decode a frame */
/* a hello with flag ADDRS (byte 7): the count (u8, 1..8), 3 zero bytes, that many NIDs */
#define LU2K_UDTW_HELLO_ADDRS 0x1
#define LU2K_UDTW_MAX_ADDRS   8
#define LU2K_UDTW_HELLO_MAX   (LU2K_UDTW_HELLO_LEN + 4 + LU2K_UDTW_MAX_ADDRS * 20)

enum lu2k_udtw_type {
	LU2K_UDTW_HELLO = 1,
	LU2K_UDTW_MSG = 2,
	LU2K_UDTW_MSG_ID = 3, /* a MSG with a multipath id (revision 2 of version 1) */
};

struct lu2k_udtw_hello {
	uint16_t version;
	char backend[LU2K_UDTW_BACKEND_LEN + 1];
	struct lu2k_nid src; /* the connector */
	struct lu2k_nid dst; /* the NID it wants to reach */
	/* the connector's other addresses, as NIDs (multipath discovery); 0: none */
	unsigned int naddrs;
	struct lu2k_nid addrs[LU2K_UDTW_MAX_ADDRS];
};

struct lu2k_udtw_msg {
	uint32_t hdr_len;
	uint32_t payload_len;
	struct lu2k_nid target; /* final destination */
	/* epoch != 0: a MSG_ID frame (struct lu2k_be_msgid) */
	uint32_t epoch;
	uint64_t id, low;
};

/* The header's length: LU2K_UDTW_MSG_HLEN, or LU2K_UDTW_MSGID_HLEN with an id. */
static inline size_t lu2k_udtw_msg_hlen(const struct lu2k_udtw_msg *m)
{
	return m->epoch ? LU2K_UDTW_MSGID_HLEN : LU2K_UDTW_MSG_HLEN;
}

/* Its length: LU2K_UDTW_HELLO_LEN, more with addresses (at most _MAX). */
size_t lu2k_udtw_hello_len(const struct lu2k_udtw_hello *h);
/* Writes lu2k_udtw_hello_len(h) bytes. */
void lu2k_udtw_hello_encode(uint8_t *out, const struct lu2k_udtw_hello *h);
/* Writes lu2k_udtw_msg_hlen(m) bytes and returns that. */
size_t lu2k_udtw_msg_encode(uint8_t *out, const struct lu2k_udtw_msg *m);

/*
 * The type of the frame a UDT message of total bytes starts with: p holds
 * its first min(total, LU2K_UDTW_PEEK) bytes. Returns LU2K_UDTW_HELLO,
 * LU2K_UDTW_MSG or -EPROTO.
 */
int lu2k_udtw_type(const uint8_t *p, size_t total);
/* p holds all total bytes (at most LU2K_UDTW_HELLO_MAX are a hello). */
int lu2k_udtw_hello_decode(const uint8_t *p, size_t total, struct lu2k_udtw_hello *h);
/* max_msg bounds hdr_len + payload_len. */
int lu2k_udtw_msg_decode(const uint8_t *p, size_t total, uint32_t max_msg, struct lu2k_udtw_msg *m);

#endif
