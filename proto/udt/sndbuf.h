/* SPDX-License-Identifier: MIT */
/*
 * sndbuf.h - the sender's messages and its window of unacknowledged packets.
 *
 * Messages wait in a FIFO until every one of their packets is acknowledged
 * (or the message is dropped). They are cut into packets only when the
 * connection sends them, so a sequence number is given to a packet when it
 * first leaves. The window is a ring, indexed by the distance of a sequence
 * number from the oldest unacknowledged one, that says for each packet in
 * flight which message and which bytes it carries.
 *
 * A message's bytes are either copied in (UDT_SNDBUF_COPY) or referenced: then
 * the caller keeps them unchanged until the message's completion; a
 * referenced message may be in two pieces (UDT_SNDBUF_PARTS: a head, then a
 * body elsewhere), which udt_smsg_pieces() gives back per packet.
 *
 * Small messages first: a message of at most UDT_SNDBUF_SMALL_PKTS packets
 * that needs no order (an RPC request, an ACK, a reply header) goes ahead
 * of the larger messages not yet started, behind the small ones that went
 * ahead before it, so that it does not wait for megabytes of bulk payload.
 * A message is never split by another (UDT4 receivers want a message's
 * packets contiguous), so it still waits for the message being cut. Neither
 * starves: going ahead costs a small message its packets in credit, which
 * only packets of the other messages earn back (one each), up to
 * UDT_SNDBUF_SMALL_CREDIT; without credit a small message queues in turn.
 *
 * Nested (sb->nest, udt_config's nest_small: only towards a receiver that
 * takes them, rcvbuf.h NESTED MESSAGES): a small message going ahead may
 * also go into the large message being cut, between two of its packets,
 * when that one needs no order and has no TTL (its drop would cover the
 * nested packets), up to UDT_SNDBUF_NEST_PKTS packets in one message; so
 * it waits for neither.
 */
#ifndef LU2K_UDT_SNDBUF_H
#define LU2K_UDT_SNDBUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct udt_smsg {
	struct udt_smsg *next;
	const uint8_t *data;
	uint8_t *owned;
	const uint8_t *body; /* UDT_SNDBUF_PARTS: bytes from head_len on; NULL: all in data */
	size_t head_len;
	size_t len;
	size_t sent_off; /* bytes already cut into packets */
	void *cookie;
	uint64_t origin_ns;
	int64_t ttl_ns; /* < 0: never expires */
	uint32_t msgno;
	uint32_t first_seq, last_seq; /* valid once packets have been sent */
	uint32_t npkts_sent;
	uint8_t in_order;
	uint8_t dropped;  /* its completion has been reported as dropped */
	uint8_t done_cut; /* every byte has a sequence number */
	uint8_t ahead;	  /* went ahead of larger messages (small messages first) */
	uint8_t nested;	  /* packets of small messages that went into this one */
};

struct udt_spkt {
	struct udt_smsg *m;
	uint32_t off;
	uint32_t len;
	uint32_t msgword;
};

/* status is 0 (acknowledged) or a negative error (dropped, connection gone) */
typedef void (*udt_smsg_done_fn)(void *ctx, struct udt_smsg *m, int status);

struct udt_sndbuf {
	struct udt_spkt *ring;
	uint32_t cap, mask;			   /* slots allocated (grows up to max_cap) */
	uint32_t max_cap;			   /* the window: most packets in flight */
	uint64_t qpkts;				   /* packets of the queued messages */
	uint32_t head;				   /* ring slot of base_seq */
	uint32_t base_seq;			   /* oldest unacknowledged sequence number */
	uint32_t inflight;			   /* packets in the ring */
	struct udt_smsg *q_head, *q_tail, *q_next; /* q_next: next to cut */
	struct udt_smsg *q_prev;		   /* the message before q_next, NULL: none */
	uint32_t small_credit;			   /* packets small messages may go ahead */
	int nest;				   /* small messages may go into large ones */
	uint64_t small_ahead;			   /* small messages that went ahead (stats) */
	uint64_t small_nested;			   /* of them, into a message being cut */
	uint64_t bytes_acked;			   /* payload bytes acknowledged, ever */
	size_t payload;
	size_t bytes, max_bytes;
	uint32_t nmsgs;
	uint32_t nlarge; /* of them, messages of more than UDT_SNDBUF_SMALL_PKTS packets */
	uint32_t next_msgno;
	struct udt_smsg *spare; /* freed messages kept for the next ones, linked by next */
	uint32_t nspare;
};

#define UDT_SNDBUF_SMALL_PKTS	4
#define UDT_SNDBUF_SMALL_CREDIT 64
#define UDT_SNDBUF_NEST_PKTS	16
/*
 * freed message structs kept for reuse, at most: with small messages a calloc
 * and a free each were 2-3 % of lu2kd (hundreds in flight, more than glibc's
 * per-thread cache keeps); udt_sndbuf_trim gives them back
 */
#define UDT_SNDBUF_SPARE_MAX 256
/* ring slots a connection starts with; it doubles up to the window as messages queue */
#define UDT_SNDBUF_INIT_PKTS 64

int udt_sndbuf_init(struct udt_sndbuf *sb, uint32_t cap_pkts, size_t payload, size_t max_bytes,
		    uint32_t base_seq);
/* Fails every message still queued with status err, then frees everything. */
void udt_sndbuf_fini(struct udt_sndbuf *sb, udt_smsg_done_fn done, void *ctx, int err);

#define UDT_SNDBUF_COPY	 1 /* flags of udt_sndbuf_add: copy data in */
#define UDT_SNDBUF_PARTS 2 /* data is a struct udt_msg_parts (udt.h), referenced */

int udt_sndbuf_add(struct udt_sndbuf *sb, const void *data, size_t len, int flags, int64_t ttl_ns,
		   int in_order, void *cookie, uint64_t now_ns, uint32_t *msgno);

/* Where bytes [off, off + len) of m are: 1 or 2 pieces, written to piece[]. */
int udt_smsg_pieces(const struct udt_smsg *m, size_t off, size_t len, struct iovec piece[2]);

/*
 * Nothing queued and nothing in flight: the ring goes back to its first
 * size (a busy connection gone idle keeps no ring of its window). Returns
 * the bytes freed.
 */
size_t udt_sndbuf_trim(struct udt_sndbuf *sb);

/* Bytes queued and not yet cut into packets (never sent). */
size_t udt_sndbuf_unsent(const struct udt_sndbuf *sb);
/* Is there a packet that has never been sent, and room in the ring for it? */
int udt_sndbuf_has_new(const struct udt_sndbuf *sb);
/* Cuts the next new packet and gives it sequence number base_seq + inflight. */
struct udt_spkt *udt_sndbuf_next_new(struct udt_sndbuf *sb, uint32_t *seq);
/* The packet in flight with this sequence number, or NULL. */
struct udt_spkt *udt_sndbuf_get(struct udt_sndbuf *sb, uint32_t seq);
/* Everything before ack_seq is acknowledged; reports completed messages. */
void udt_sndbuf_ack(struct udt_sndbuf *sb, uint32_t ack_seq, udt_smsg_done_fn done, void *ctx);
/* Reports m as dropped now; its packets are never sent again, its rest never cut. */
/* The queued message with this number, or NULL (acknowledged and freed, or never queued). */
struct udt_smsg *udt_sndbuf_find(const struct udt_sndbuf *sb, uint32_t msgno);
void udt_sndbuf_drop(struct udt_sndbuf *sb, struct udt_smsg *m, udt_smsg_done_fn done, void *ctx,
		     int err);

static inline int udt_sndbuf_empty(const struct udt_sndbuf *sb)
{
	return sb->q_head == NULL;
}

static inline size_t udt_sndbuf_space(const struct udt_sndbuf *sb)
{
	return sb->bytes < sb->max_bytes ? sb->max_bytes - sb->bytes : 0;
}

#endif
