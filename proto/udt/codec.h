/* SPDX-License-Identifier: MIT */
/*
 * codec.h - UDT4 packet encoder and decoders (layouts in doc/udt-wire.txt).
 *
 * Everything on the wire is a sequence of 32-bit big-endian words: the
 * 16-byte header, and for control packets every word of the control
 * information too. Data payload bytes are carried as they are.
 *
 * Decoders take untrusted bytes and check every length and field; they
 * return 0 or -EBADMSG and never read outside [buf, buf + len). Encoders
 * return the number of bytes written, or 0 when cap is too small.
 */
#ifndef LU2K_UDT_CODEC_H
#define LU2K_UDT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define UDT_HDR_LEN	    16
#define UDT_HS_LEN	    48
#define UDT_VERSION	    4
#define UDT_MIN_MSS	    76	  /* 28 bytes of IP/UDP + a whole handshake */
#define UDT_MAX_MSS	    65536 /* no IP datagram is longer */
#define UDT_UDP_IP_OVERHEAD 28

enum udt_ctrl_type {
	UDT_CT_HANDSHAKE = 0,
	UDT_CT_KEEPALIVE = 1,
	UDT_CT_ACK = 2,
	UDT_CT_NAK = 3,
	UDT_CT_CGWARN = 4,
	UDT_CT_SHUTDOWN = 5,
	UDT_CT_ACK2 = 6,
	UDT_CT_DROPREQ = 7,
	UDT_CT_PEERERR = 8,
	/* lu2k's parity for small messages and its report (fec.h): not UDT4, negotiated */
	UDT_CT_FEC = 0x4c46,
	/*
	 * lu2kd's, not the engine's: "I know no connection of id info" (dst 0,
	 * no body), a listener's answer to a packet for an unknown socket id
	 * (backends/udt_unknown.c). A UDT4 peer drops it (id 0, no listener).
	 */
	UDT_CT_UNKNOWN = 0x4c55,
	/*
	 * lu2k's capacity probe (udt_probe_encode): a connector's train of
	 * MSS-sized packets to destination 0 before its final request, whose
	 * spacing at the listener tells the path's capacity before any data
	 * (handshake.h, PROBE). A UDT4 listener drops it (not a handshake).
	 */
	UDT_CT_PROBE = 0x4c50,
	UDT_CT_USER = 0x7fff,
};

/*
 * A keep-alive's additional info: 0 (UDT4), or this, lu2k's "answer me":
 * the sender has data the receiver has not acknowledged, or holds, and has
 * nothing left to resend into a silence; the receiver answers with a
 * keep-alive of its own (info 0), so that the sender hears the link is
 * back (proto/udt/conn_timer.c). UDT4 ignores the info of a keep-alive.
 */
#define UDT_KA_ASK 0x4c41u

/* Message word of a data packet: boundary (2 bits), in-order (1), msgno (29). */
#define UDT_PB_MIDDLE	    0u
#define UDT_PB_LAST	    1u
#define UDT_PB_FIRST	    2u
#define UDT_PB_SOLO	    3u
#define UDT_MSG_BOUNDARY(w) ((uint32_t)(w) >> 30)
#define UDT_MSG_INORDER(w)  (((uint32_t)(w) >> 29) & 1u)
#define UDT_MSG_NO(w)	    ((uint32_t)(w)&0x1fffffffu)
#define UDT_MSG_WORD(pb, inorder, no) \
	(((uint32_t)(pb) << 30) | ((uint32_t) !!(inorder) << 29) | ((uint32_t)(no)&0x1fffffffu))

/* Socket types of the handshake. */
#define UDT_SOCK_STREAM 1
#define UDT_SOCK_DGRAM	2

/* Handshake request types. */
#define UDT_HS_REQ_REGULAR    1 /* first request (client) / cookie reply (server) */
#define UDT_HS_REQ_RENDEZVOUS 0
#define UDT_HS_RSP_REGULAR    (-1) /* request with cookie, and the final response */
#define UDT_HS_RSP_RENDEZVOUS (-2)
#define UDT_HS_REJECT	      1002

/* A decoded header; body points into the packet. */
struct udt_hdr {
	uint8_t ctrl;  /* 0 data, 1 control */
	uint16_t type; /* control: type (15 bits) */
	uint16_t ext;  /* control: extended type */
	uint32_t seq;  /* data: sequence number */
	uint32_t info; /* data: message word; control: additional info */
	uint32_t ts;   /* microseconds since the sender's connection start */
	uint32_t dst;  /* destination socket id */
	const uint8_t *body;
	size_t body_len;
};

/*
 * An ACK: light (only ack_seq), short (4 fields) or full (6 fields); or,
 * where both ends offered UDT_HS_OFFER_ACK_TIME, timed (8 fields): the
 * full ACK's and the highest packet the receiver has and how long it held
 * it before this ACK left, for the sender's RTT samples while holes keep
 * the cumulative ACK still (doc/udt-wire.txt). In a timed ACK both rates 0
 * mean none reported (a short ACK's case).
 */
struct udt_ack {
	uint32_t ackno;	  /* ACK sub-sequence number; 0 for a light ACK */
	uint32_t ack_seq; /* next sequence number the receiver expects */
	int32_t rtt_us;
	int32_t rttvar_us;
	int32_t avail;	      /* free receive buffer, packets */
	int32_t rcv_rate;     /* packets per second */
	int32_t bandwidth;    /* link capacity estimate, packets per second */
	uint32_t hi_seq;      /* timed: the highest sequence number received */
	uint32_t hi_delay_us; /* timed: from its arrival to this ACK, microseconds */
	/*
	 * timed: the receiver holds messages it acknowledged and has not given
	 * to its application (a first flight whose sender's address is not
	 * proved yet, conn_early.c): the sender completes none of what this ACK
	 * covers until an ACK without it. The top bit of the hi_seq word.
	 */
	int held;
	int nfields; /* 1, 4, 6 or 8 */
};

struct udt_range {
	uint32_t first, last; /* inclusive */
};

struct udt_hs {
	int32_t version;
	int32_t sock_type;
	uint32_t isn;
	int32_t mss;
	int32_t flight; /* maximum flow window, packets */
	int32_t req_type;
	uint32_t sock_id;
	uint32_t cookie;
	uint32_t peer_ip[4];
	/*
	 * The header's additional info word, which UDT4 leaves 0 in a
	 * handshake and never reads: lu2k's engine offers what it takes beyond
	 * UDT4 there (UDT_HS_INFO_NEST: nested small messages, sndbuf.h).
	 */
	uint32_t info;
	/*
	 * The header's extended type, which UDT4 leaves 0 in a handshake and
	 * never reads, nor did our engine before FEC: what lu2k offers
	 * (request) or agrees to (response) beyond UDT4, a set of
	 * UDT_HS_OFFER_* (udt_hs_ext_make, udt_hs_ext_offers).
	 */
	uint16_t ext;
	/*
	 * Not UDT4: a response's 13th word (52 bytes instead of 48), sent only
	 * where the request offered UDT_HS_OFFER_PROBE and the listener timed
	 * that connector's probe train: the capacity it read, in packets/s of
	 * the request's MSS. 0: none (the usual 48 bytes).
	 */
	uint32_t probe_pps;
};

#define UDT_HS_INFO_NEST 0x4c324e01u /* "L2N" 1: takes and sends nested small messages */
/*
 * The extended type's two forms: "LF", FEC alone, as every lu2k engine
 * since FEC sends and reads it; and 'L' with the top bit of the low byte
 * set, whose other 7 bits are the set of offers. An engine from before the
 * set reads the second form as no offer: FEC stays off with it.
 */
#define UDT_HS_EXT_FEC	      0x4c46u /* "LF": takes and sends parity (fec.h) */
#define UDT_HS_EXT_SET	      0x4c80u
#define UDT_HS_OFFER_FEC      0x01u /* parity for small messages (fec.h) */
#define UDT_HS_OFFER_ACK_TIME 0x02u /* timed full ACKs (struct udt_ack) */
#define UDT_HS_OFFER_PROBE    0x04u /* a probe train came before: answer its capacity */
#define UDT_HS_OFFER_ALL      0x7fu

/* The extended type that offers (or agrees to) the set offers; 0 for none. */
uint16_t udt_hs_ext_make(unsigned int offers);
/* The set an extended type offers; 0 for anything else (UDT4's 0 too). */
unsigned int udt_hs_ext_offers(uint16_t ext);

struct udt_dropreq {
	uint32_t msgno;
	uint32_t first, last;
};

int udt_hdr_decode(const uint8_t *buf, size_t len, struct udt_hdr *h);
/* The destination socket id of a datagram, to find its connection: 0 or -EBADMSG. */
int udt_peek_dst(const uint8_t *buf, size_t len, uint32_t *dst);

size_t udt_data_encode_hdr(uint8_t *buf, size_t cap, uint32_t seq, uint32_t msgword, uint32_t ts,
			   uint32_t dst);
size_t udt_ctrl_encode(uint8_t *buf, size_t cap, uint16_t type, uint16_t ext, uint32_t info,
		       uint32_t ts, uint32_t dst, const uint32_t *words, size_t nwords);

int udt_ack_decode(const struct udt_hdr *h, struct udt_ack *a);
size_t udt_ack_encode(uint8_t *buf, size_t cap, uint32_t ts, uint32_t dst, const struct udt_ack *a);

/*
 * NAK loss list: a single loss is one word; a range is its first number with
 * the top bit set, then its last number. Decoding stores at most max ranges.
 */
int udt_nak_decode(const struct udt_hdr *h, struct udt_range *out, size_t max, size_t *n);
/* Encodes as many of the n ranges as fit in max_words words; *used = ranges taken. */
size_t udt_nak_encode(uint8_t *buf, size_t cap, uint32_t ts, uint32_t dst,
		      const struct udt_range *r, size_t n, size_t max_words, size_t *used);

int udt_hs_decode(const struct udt_hdr *h, struct udt_hs *hs);
size_t udt_hs_encode(uint8_t *buf, size_t cap, uint32_t ts, uint32_t dst, const struct udt_hs *hs);

/*
 * A probe of a connector's train (UDT_CT_PROBE): len bytes in all (at least
 * UDT_HDR_LEN + 4; the rest zeros), the connector's socket id in the
 * additional info, its place in the train in the extended type.
 */
size_t udt_probe_encode(uint8_t *buf, size_t len, uint32_t ts, uint32_t sock_id, uint16_t index);
int udt_probe_decode(const struct udt_hdr *h, uint32_t *sock_id);

int udt_dropreq_decode(const struct udt_hdr *h, struct udt_dropreq *d);
size_t udt_dropreq_encode(uint8_t *buf, size_t cap, uint32_t ts, uint32_t dst,
			  const struct udt_dropreq *d);

const char *udt_ctrl_type_to_str(unsigned int type);

#endif
