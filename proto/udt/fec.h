/* SPDX-License-Identifier: MIT */
/*
 * fec.h - a parity packet for small messages (not UDT4; doc/udt-fec.md).
 *
 * Without it, a lost packet of a small message costs a round trip (its
 * NAK and the resend) or an EXP timeout: at 600 ms, p99 of a 4 KiB message
 * goes from 300 to 900 ms at 1 % loss. With it, the sender follows each
 * message of 2..UDT_FEC_MAX_PKTS packets with one parity packet, the XOR of
 * the message's payloads, from which the receiver rebuilds any one packet
 * of the message that did not come; a one-packet message is sent twice.
 *
 * The parity is a control packet of its own type (UDT_CT_FEC), not a data
 * packet: it has no sequence number, so it is never in a loss list, never
 * acknowledged, never resent, and its own loss is nobody's business. A
 * rebuilt packet enters the receive window as if it had arrived, filling its
 * hole before the NAK for it leaves: while parity comes, the receiver holds
 * the NAK of a fresh hole of one or two packets until the parity that may
 * cover it had its chance (the data beyond any group holding it arrived, or
 * a short timer). It then tells the sender what it rebuilt (a report), so
 * that the sender's loss measure still sees the losses FEC hides.
 *
 * Both ends must speak it: udt_config's fec offers it in the handshake
 * (UDT_HS_EXT_FEC, codec.h), and it is on where both offered. The sender
 * sends parity only while the loss it measured (NAKed or reported) over
 * the last few thousand packets is at least UDT_FEC_ON_PPM, and only for a
 * message that leaves the send queue empty or went ahead of larger ones (as
 * dup_tail, conn_out.c), or with at most UDT_FEC_QUEUE_PKTS packets queued
 * behind it (a burst of RPCs, not a queue that keeps the link busy): at most
 * one packet per such message, never on a clean link.
 *
 * Wire (UDT4's 16-byte header, then the parity):
 *   word 0: 1 | type UDT_CT_FEC (15) | kind (8) | k (8)
 *   word 1: 0 | the group's first sequence number (31)
 *   word 2: parity: bytes in the group's last packet (UDT4's timestamp word);
 *           report: the timestamp
 *   word 3: destination socket id
 *   parity body: the XOR of the k payloads, each padded with zeros to the
 *   first's length (every packet of a message but its last is full), any
 *   number of bytes; report body: 4 bytes of 0 (word 1 is the sequence
 *   number rebuilt).
 */
#ifndef LU2K_UDT_FEC_H
#define LU2K_UDT_FEC_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"

#define UDT_FEC_MAX_PKTS    8 /* a parity covers a message of at most this many packets */
#define UDT_FEC_KIND_PARITY 1
#define UDT_FEC_KIND_REPORT 2
/* sender: parity while the measured loss is at least this, parts per million */
#define UDT_FEC_ON_PPM 1000
/* the loss measure halves its counts every this many packets sent */
#define UDT_FEC_WINDOW_PKTS 4096
#define UDT_FEC_SEED_PKTS   1024
/* sender: parity too for a message with at most this many packets queued behind it */
#define UDT_FEC_QUEUE_PKTS 64
/* receiver: holes whose NAK waits for a parity, at most */
#define UDT_FEC_HOLDS 16
/* receiver: holds NAKs only while parity came this recently */
#define UDT_FEC_SEEN_NS (30ull * 1000000000ull)

struct udt_fec_parity {
	uint32_t first;	      /* the group's first sequence number */
	uint32_t k;	      /* packets in the group, 2..UDT_FEC_MAX_PKTS */
	uint32_t last_len;    /* payload bytes of its last packet */
	const uint8_t * xor ; /* the payloads' XOR, len bytes */
	size_t len;	      /* payload bytes of every packet but the last */
};

/* The parity's header; its body (len bytes of XOR) is the caller's to write behind it. */
size_t udt_fec_parity_encode_hdr(uint8_t *buf, size_t cap, uint32_t dst, uint32_t first, uint32_t k,
				 uint32_t last_len);
int udt_fec_parity_decode(const struct udt_hdr *h, struct udt_fec_parity *p);
size_t udt_fec_report_encode(uint8_t *buf, size_t cap, uint32_t ts, uint32_t dst, uint32_t seq);
int udt_fec_report_decode(const struct udt_hdr *h, uint32_t *seq);

void udt_fec_xor(uint8_t *acc, const uint8_t *src, size_t n);

/*
 * The receiver's view of one packet of a group: 1 with its payload and
 * message word, 0 if it is missing, -1 if it came and is gone (delivered).
 */
typedef int (*udt_fec_get_fn)(void *ctx, uint32_t seq, const uint8_t **data, size_t *len,
			      uint32_t *msgword);

enum udt_fec_result {
	UDT_FEC_UNNEEDED = 0,  /* nothing missing */
	UDT_FEC_RECOVERED = 1, /* *seq, *msgword, out[0..*len) rebuilt */
	UDT_FEC_LOST2 = 2,     /* more than one missing: their repair is the NAK's */
	UDT_FEC_BAD = 3,       /* the parity does not fit the packets that came */
};

/* Rebuilds the one missing packet of the group; out holds at least p->len bytes. */
enum udt_fec_result udt_fec_recover(const struct udt_fec_parity *p, udt_fec_get_fn get, void *ctx,
				    uint8_t *out, uint32_t *seq, uint32_t *msgword, size_t *len);

/*
 * The sender's loss measure: packets sent and lost (NAKed, or rebuilt by
 * the receiver), in 1/256ths, both halved every UDT_FEC_WINDOW_PKTS sent,
 * so it forgets a loss after some thousands of clean packets.
 */
struct udt_fec_tx {
	uint64_t sent, lost;
};

void udt_fec_tx_sent(struct udt_fec_tx *t, uint32_t n);
void udt_fec_tx_lost(struct udt_fec_tx *t, uint32_t n);
int udt_fec_tx_active(const struct udt_fec_tx *t);
/*
 * Starts the measure at ppm as if UDT_FEC_SEED_PKTS packets had been sent:
 * what other connections on the same path measured, so that a sparse one
 * does not learn the path's loss by losing a message first (0: no change).
 */
void udt_fec_tx_seed(struct udt_fec_tx *t, uint32_t ppm);
/* the measure in parts per million */
uint32_t udt_fec_tx_ppm(const struct udt_fec_tx *t);

/* A hole whose NAK waits for a parity (conn's receiving side). */
struct udt_fec_hold {
	uint32_t first, last;
	uint64_t due_ns;
};

#endif
