/* SPDX-License-Identifier: MIT */
/*
 * rds_wire.h - the wire format of lu2k's rds back-end (drawn in
 * doc/rds-backend.md). Every frame is one RDS message: a header whose size
 * depends on its type, then (DATA only) a piece of an lu2k message. Integers
 * are little-endian except the NIDs' network number and address, which keep
 * LNet's network byte order (as in tcp_wire.h).
 *
 *   0      4    5    6       8                16
 *   +------+----+----+-------+----------------+------------------------+
 *   | magic| ver|type| hlen  | conn id (le64) | type-specific fields   |
 *   +------+----+----+-------+----------------+------------------------+
 *
 * The conn id is chosen (at random) by the connecting side; the listening
 * side knows a connection by (source address, conn id).
 *
 * Decoders check every field and length; they return the header length, or
 * -EPROTO (malformed) / -EMSGSIZE (a message larger than max_msg).
 */
#ifndef LU2K_BACKENDS_RDS_WIRE_H
#define LU2K_BACKENDS_RDS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "uapi/lu2k.h"

#define LU2K_RDSW_MAGIC	    0x524b324cU /* bytes "L2KR" on the wire */
#define LU2K_RDSW_VERSION   1
#define LU2K_RDSW_BASE_LEN  16
#define LU2K_RDSW_HELLO_LEN 64
#define LU2K_RDSW_DATA_LEN  64
/* DATA of a multipath message: header length 88, its id after the 64 bytes (revision 2) */
#define LU2K_RDSW_DATA_ID_LEN 88
#define LU2K_RDSW_ACK_LEN     32
#define LU2K_RDSW_PING_LEN    16
#define LU2K_RDSW_CLOSE_LEN   24
#define LU2K_RDSW_MAX_HLEN    LU2K_RDSW_DATA_ID_LEN

/*
 * Piece progress (doc/rds-backend.md, "Piece progress"). A connector that
 * reads it says so: without keys, a second HELLO with flags bit 0 right after
 * its plain one (an older listener drops it as malformed, and answers the
 * plain one); with keys, caps bit 7 of its handshake initiation (older lu2kd
 * ignore caps bits they do not know). The listener's ACKs to it then carry
 * the count of pieces it took and whether it reads at all.
 */
#define LU2K_RDSW_HELLO_PROGRESS 1u    /* HELLO flags: send me ACKs with progress */
#define LU2K_RDSW_ACK_PROGRESS	 1u    /* ACK flags: pieces is set */
#define LU2K_RDSW_ACK_PAUSED	 2u    /* ACK flags: the listener reads nothing now (RX full) */
#define LU2K_RDSW_CAP_PROGRESS	 0x80u /* handshake caps: the rds back-end's own bit */

/*
 * RDS refuses a message bigger than RDS_MAX_MSG_SIZE (1 MiB, net/rds/rds.h
 * of Linux 6.1, checked in rds_sendmsg) or than half the socket's send buffer.
 */
#define LU2K_RDSW_RDS_MAX (1u << 20)

enum lu2k_rdsw_type {
	LU2K_RDSW_HELLO = 1,	 /* connector -> listener: src, dst NIDs */
	LU2K_RDSW_HELLO_ACK = 2, /* listener -> connector: status, NIDs */
	LU2K_RDSW_DATA = 3,	 /* connector -> listener: a piece of a message */
	LU2K_RDSW_ACK = 4,	 /* listener -> connector: messages up to seq delivered */
	LU2K_RDSW_PING = 5,	 /* connector -> listener: answer with an ACK */
	LU2K_RDSW_CLOSE = 6,	 /* connector -> listener: the connection is gone */
	LU2K_RDSW_RESET = 7,	 /* listener -> connector: unknown or failed connection */
	/* With keys ([auth], rds_sec.h): the node handshake, then every frame sealed. */
	LU2K_RDSW_HS_INIT = 8, /* connector -> listener: the handshake's initiation */
	LU2K_RDSW_HS_RESP = 9, /* listener -> connector: its response */
	LU2K_RDSW_SEALED = 10, /* either way: one record holding one frame of types 2..7 */
};

/*
 * The handshake's frames carry its messages (auth/hs.h) after the 16-byte
 * base header, whose conn id names the connection they make; a SEALED frame
 * carries one record (auth/aead.h), whose plaintext is a whole frame of the
 * table above. f->data_len is the length of what follows the base header.
 */
#define LU2K_RDSW_HS_INIT_BODY 180			 /* LU2K_HS_INIT_LEN */
#define LU2K_RDSW_HS_RESP_BODY 76			 /* LU2K_HS_RESP_LEN */
#define LU2K_RDSW_SEAL_MIN     (32 + LU2K_RDSW_PING_LEN) /* the record of the smallest frame */
/* What sealing adds to a frame: the base header and the record's header and tag. */
#define LU2K_RDSW_SEAL_OVERHEAD (LU2K_RDSW_BASE_LEN + 32)

struct lu2k_rdsw_frame {
	uint8_t type;
	uint16_t hlen;
	uint64_t conn_id;
	/* HELLO, HELLO_ACK, CLOSE, RESET: */
	int32_t status;
	/* HELLO (LU2K_RDSW_HELLO_*), ACK (LU2K_RDSW_ACK_*); unknown bits are ignored */
	uint32_t flags;
	uint32_t pieces;	  /* ACK with LU2K_RDSW_ACK_PROGRESS: pieces taken (mod 2^32) */
	struct lu2k_nid src, dst; /* HELLO, HELLO_ACK */
	/* DATA, ACK: */
	uint64_t seq;
	/* DATA: */
	uint32_t offset; /* of this piece in the message (header then payload) */
	uint32_t hdr_len, payload_len;
	struct lu2k_nid target;
	uint32_t data_len; /* bytes after the header in this frame */
	/* DATA with header length 88 (epoch != 0): struct lu2k_be_msgid */
	uint32_t epoch;
	uint64_t id, low;
};

/* Each encoder writes the frame's header into out and returns its length. */
size_t lu2k_rdsw_hello_encode(uint8_t *out, uint8_t type, uint64_t conn_id, int32_t status,
			      const struct lu2k_nid *src, const struct lu2k_nid *dst);
size_t lu2k_rdsw_data_encode(uint8_t *out, uint64_t conn_id, uint64_t seq, uint32_t offset,
			     uint32_t hdr_len, uint32_t payload_len, const struct lu2k_nid *target);
/* The same with a multipath id (epoch != 0): LU2K_RDSW_DATA_ID_LEN bytes. */
size_t lu2k_rdsw_data_id_encode(uint8_t *out, uint64_t conn_id, uint64_t seq, uint32_t offset,
				uint32_t hdr_len, uint32_t payload_len,
				const struct lu2k_nid *target, uint32_t epoch, uint64_t id,
				uint64_t low);
size_t lu2k_rdsw_ack_encode(uint8_t *out, uint64_t conn_id, uint64_t seq);
/* An ACK with progress (flags has LU2K_RDSW_ACK_PROGRESS): only to a connector that asked. */
size_t lu2k_rdsw_ack_progress_encode(uint8_t *out, uint64_t conn_id, uint64_t seq, uint32_t pieces,
				     uint32_t flags);
/* The connector's second HELLO, asking for progress (flags != 0). */
size_t lu2k_rdsw_hello_flags_encode(uint8_t *out, uint64_t conn_id, const struct lu2k_nid *src,
				    const struct lu2k_nid *dst, uint32_t flags);
size_t lu2k_rdsw_ping_encode(uint8_t *out, uint64_t conn_id);
/* type: LU2K_RDSW_CLOSE or LU2K_RDSW_RESET */
size_t lu2k_rdsw_close_encode(uint8_t *out, uint8_t type, uint64_t conn_id, int32_t status);
/* The base header of an HS_INIT, HS_RESP or SEALED frame (what follows is the caller's). */
size_t lu2k_rdsw_env_encode(uint8_t *out, uint8_t type, uint64_t conn_id);

/*
 * Decode one whole RDS message of len bytes. For DATA, f->data_len is set
 * and checked against the message's lengths (max_msg bounds them).
 */
int lu2k_rdsw_decode(const uint8_t *p, size_t len, uint32_t max_msg, struct lu2k_rdsw_frame *f);

/* Bytes of a message carried by the piece at offset, pieces of at most frag. */
static inline uint32_t lu2k_rdsw_piece(uint64_t total, uint64_t offset, uint32_t frag)
{
	return total - offset < frag ? (uint32_t)(total - offset) : frag;
}

/* The type's name, for logs. */
const char *lu2k_rdsw_type_str(uint8_t type);

#endif
