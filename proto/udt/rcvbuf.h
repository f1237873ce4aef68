/* SPDX-License-Identifier: MIT */
/*
 * rcvbuf.h - the receiver's window of packets and message reassembly.
 *
 * A ring of slots indexed by a packet's distance from base_seq, the oldest
 * packet still kept. Whole messages are handed to a callback as an iovec of
 * their packets' payloads, valid only during the call:
 *  - a message without the in-order bit as soon as all of its packets are in
 *    (counted per message number), whatever is missing before it;
 *  - an in-order message when everything before it has arrived or was
 *    dropped (a walker follows the contiguous head of the window).
 * In stream mode every packet's payload is handed over in order.
 *
 * The callback may refuse a message (return < 0: no room now). Its packets
 * stay in the window, and the walker stops at it (blocked): nothing after it
 * is delivered in order, the ACK point must not cover its last packet
 * (udt_rcvbuf_ack_limit), and the window fills up behind it, which is the
 * sender's flow control. Out-of-order messages completing meanwhile are still
 * offered once each. udt_rcvbuf_resume() walks again from the refused message:
 * it is offered again, exactly once per walk, then what follows it.
 *
 * MEMORY (udt_rcvbuf_set_limits). Whatever a peer sends, a window holds at
 * most held_max bytes of packet buffers (0: only its cap of packets), and all
 * windows that share a struct udt_rxmem hold at most its max together. Past
 * half of that budget a window gets a new buffer only while it holds less
 * than its fair share, max / (2 * the windows holding packets), so greedy
 * peers cannot take the other half whatever their number, or for the packet
 * its head waits for (it moves the window on: a window that got more than
 * its share before others came still completes what it holds), or for a
 * packet that an ACK of the last two round trips granted (udt_rcvbuf_granted:
 * its sender sent it trusting the grant while the budget filled behind it;
 * a grant is no more than the window might hold then, and a smaller one
 * replaces it once what it let through has arrived); a window grants its
 * sender no more than it may hold (udt_rcvbuf_avail). A packet that gets no
 * buffer is not stored (-ENOBUFS): to the sender it is lost and is sent
 * again. A message that spans more than max_msg_pkts packets is a protocol
 * error (-EMSGSIZE): it is dropped and the window's err says so for good.
 *
 * FLOW SHARE (udt_rxmem_flow_*; the caller measures, the window obeys).
 * Windows whose packets come through one socket share its buffer: what all
 * their senders have in flight may be in it at once (on a fast path the
 * network holds none of it), and a datagram the kernel has no room for is
 * lost to every sender alike, which slows all of them and starves some.
 * So a window grants its sender no more than max(UDT_RXMEM_FLOW_MIN,
 * flow_pkts / flows) packets beyond the highest packet received (what it
 * received past a hole is out of the socket, in the window: a hole that
 * stalls the ACK point for round trips does not stall a long flow at the
 * share; udt_rcvbuf_avail, which knows no highest, counts from the ACK
 * point), where flows counts the
 * windows that received packets in the last one or two epochs of
 * UDT_RXMEM_FLOW_EPOCH_NS (udt_rxmem_flow_seen), at least a 256th of what
 * the busiest window received in the epoch before, up to
 * UDT_RXMEM_FLOW_BUSY (a window that gets a ping now and then does not halve
 * the share of a long flow beside it; what it may send is the share too),
 * and flow_pkts, the
 * packets all of them may have in flight together, follows how full the
 * socket is (udt_rxmem_flow_fill), from what it holds (flow_sock): down by a
 * quarter, to no less than flow_sock, while it is over half full or dropped
 * datagrams, and after a drop not above that level for
 * UDT_RXMEM_FLOW_DROP_NS; up by a quarter at most every
 * UDT_RXMEM_FLOW_UP_NS if it stayed under a quarter full all that time (a
 * busy receiver's stall fills it at once), a sender used all that its share
 * granted since the last step (flow_held, below), and no window came for
 * the first time in the last epoch (flow_new_ns: 1,000 connections arriving
 * over a second would let it climb before they all sent); for what is in
 * flight is elsewhere too: in the network of a long path, in the queues of
 * busy senders. Not limited at all (UDT_RXMEM_FLOW_OFF) past
 * UDT_RXMEM_FLOW_CEIL times flow_sock, so a long path keeps its window
 * while the socket keeps up. flow_sock 0: no sharing. A sender that such a
 * window holds back is not congested: its engine tells its CC so, as when
 * the application holds it back (cc.h, app_limited).
 * A sender used its share (flow_held) when the highest packet received
 * reached the edge (ACK point + grant) of any grant the share cut in the
 * round trip (up to a third more) before the last one (udt_rcvbuf_grant):
 * the edge an ACK gives can only be reached a round trip later, after many
 * newer ACKs moved it (60 on a 600 ms path); and a hole that stalls the ACK
 * point stops the ACKs, so the round trip is the one before the last grant,
 * not before now (the sender waits at the edge that grant gave). A sender
 * that has less than about 3/4 of its share in flight reaches none of them.
 *
 * NESTED MESSAGES (udt_rcvbuf_set_nest; not UDT4, both ends must agree): a
 * sender may put whole small messages between the packets of an
 * out-of-order message it is cutting (at most UDT_RCVBUF_NEST_PKTS packets
 * in one), one level deep. The large message is then whole when every
 * packet from its first to its last is in, its own and the nested ones',
 * and is handed over without the nested ones; the walker steps into a
 * nested message and back out. Its span may exceed max_msg_pkts by the
 * nested packets.
 *
 * PLACEMENT (udt_rcvbuf_set_place; no wire change). When the first packet
 * of a message of several packets arrives, the place callback may give the
 * memory the message's bytes end up in (an application's receive buffer):
 * message bytes [from, to) go to at + (offset - from). From then on each
 * packet of that message whose offset is known (every packet before it, from
 * the first, is in: the packets that arrive in order) and falls inside
 * [from, to) is copied there at once instead of into a packet buffer of the
 * window; the others (ahead of a hole, or outside the range) still get
 * buffers. The message is offered as always, its iovec pointing at each
 * packet's bytes wherever they are: an entry whose base is its place in the
 * range needs no copy. One message at a time is placed. Its end is the
 * callback's business: taken (offered and accepted), or, if the window
 * gives up on it (a drop request, a message cut short), unplace says so,
 * once, and nothing is written there any more; udt_rcvbuf_unplace() and fini
 * forget it without a call (the application ends it itself).
 */
#ifndef LU2K_UDT_RCVBUF_H
#define LU2K_UDT_RCVBUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

enum { UDT_RS_EMPTY = 0, UDT_RS_DATA = 1, UDT_RS_DONE = 2 };

/* packets of small messages that may be nested in one message (the sender's UDT_SNDBUF_NEST_PKTS) */
#define UDT_RCVBUF_NEST_PKTS 16

/* slots and message counters a window starts with; they double up to the window on demand */
#define UDT_RCVBUF_INIT_PKTS 64
/* the delivery's iovec array to start with, and after a trim */
#define UDT_RCVBUF_IOV_INIT 64
/* a grant outlives two round trips by this (ACKs go every 10 ms) */
#define UDT_RCVBUF_GRANT_SLACK_NS 20000000ull

/* udt_rslot.flags */
#define UDT_RS_REFUSED 1 /* first packet of a message the callback refused */
#define UDT_RS_PLACED  2 /* data is in the placed message's memory, not a packet buffer */

struct udt_rslot {
	uint8_t *data;
	uint32_t msgword;
	uint16_t len;
	uint8_t state;
	uint8_t flags; /* UDT_RS_* */
};

struct udt_rmsg {
	uint32_t msgno;
	uint32_t have;
	uint32_t first_seq, last_seq;
	uint32_t lo, hi; /* lowest and highest packet seen of it */
	uint8_t valid, has_first, has_last;
};

/* A receive memory budget shared by windows (no lock: one thread). */
struct udt_rxmem {
	size_t max; /* bytes of packet buffers all windows may hold */
	size_t used, peak;
	uint32_t users;	   /* windows sharing it */
	uint32_t active;   /* windows holding packets */
	uint64_t drops;	   /* packets not stored for want of budget */
	uint64_t too_long; /* messages longer than allowed */
	/* FLOW SHARE above */
	uint32_t flow_sock;	 /* packets the shared socket holds (0: no sharing) */
	uint32_t flow_pkts;	 /* packets all senders may have in flight; FLOW_OFF: any */
	uint32_t flows;		 /* windows that received lately */
	uint32_t flows_now;	 /* ... in this epoch */
	uint32_t flows_prev;	 /* ... in the one before */
	uint32_t flow_epoch;	 /* this epoch's number (never 0) */
	uint32_t flow_busy;	 /* packets in it that make a window count */
	uint32_t flow_most;	 /* the most a window received in it */
	uint64_t flow_epoch_end; /* ... and when it ends, ns */
	uint64_t flow_fill_next; /* the next udt_rxmem_flow_fill due, ns */
	uint64_t flow_up_ns;	 /* flow_pkts last went up or was last looked at for it */
	uint64_t flow_fill_peak; /* the socket's fullest since, bytes */
	uint64_t flow_drop_ns;	 /* the socket last dropped datagrams (0: never) ... */
	uint32_t flow_drop_pkts; /* ... and flow_pkts went down to this */
	uint64_t flow_new_ns;	 /* a window was last counted for the first time */
	uint64_t flow_cuts;	 /* windows granted less for the share */
	uint64_t flow_held;	 /* ... whose senders had used a recent cut grant */
	uint64_t flow_held_up;	 /* ... when flow_pkts last went up */
	uint64_t flow_ups;	 /* flow_pkts raised ... */
	uint64_t flow_step_ns;	 /* ... last at */
	uint64_t flow_downs;	 /* flow_pkts lowered for a full socket */
};

#define UDT_RXMEM_FLOW_MIN	 8  /* packets a window grants at least */
#define UDT_RXMEM_FLOW_BUSY	 8  /* packets in an epoch that make a window count, at most */
#define UDT_RXMEM_FLOW_SEEN_BITS 12 /* udt_rxmem_flow_seen's *seen: epoch << 12 | packets */
#define UDT_RXMEM_FLOW_OFF	 UINT32_MAX	/* flow_pkts: not limited */
#define UDT_RXMEM_FLOW_CEIL	 64		/* flow_pkts past this many flow_sock: off */
#define UDT_RXMEM_FLOW_EPOCH_NS	 500000000ull	/* flows counted per 500 ms */
#define UDT_RXMEM_FLOW_FILL_NS	 10000000ull	/* the socket is measured every 10 ms */
#define UDT_RXMEM_FLOW_UP_NS	 500000000ull	/* flow_pkts goes up at most every 500 ms */
#define UDT_RXMEM_FLOW_DROP_NS	 10000000000ull /* ... and not past a drop's for 10 s */
#define UDT_RCVBUF_FLOW_BUCKETS	 4 /* a window's edges: a round trip in thirds, and one */

/* 0: the message was taken; < 0: refused for now (kept; see above). */
typedef int (*udt_deliver_fn)(void *ctx, uint32_t msgno, const struct iovec *iov, int iovcnt,
			      size_t len);

/*
 * A message of several packets starts (its first packet: head, len bytes):
 * 0 and *at, *from, *to to place its bytes [from, to) at at (PLACEMENT
 * above), *tag for the application; < 0: reassemble it in packet buffers.
 */
typedef int (*udt_place_fn)(void *ctx, uint32_t msgno, const uint8_t *head, size_t len,
			    uint8_t **at, size_t *from, size_t *to);
/* The window gave up on the placed message msgno: nothing more is written there. */
typedef void (*udt_unplace_fn)(void *ctx, uint32_t msgno);

/* The message being placed (PLACEMENT above). */
struct udt_rplace {
	int on;
	uint32_t msgno;
	uint32_t next_seq; /* the first packet whose offset is not known yet */
	size_t next_off;   /* ... its offset in the message */
	int stuck;	   /* the run from the first packet broke: nothing more is placed */
	uint8_t *at;
	size_t from, to;
	uint64_t pkts; /* packets copied straight into placed memory */
	uint64_t msgs; /* messages placed */
};

struct udt_rcvbuf {
	struct udt_rslot *slot;
	struct udt_rmsg *msg;	 /* per-message counters, indexed by msgno & mmask */
	uint32_t win;		 /* the window: packets from base_seq it may hold */
	uint32_t cap, mask;	 /* slots allocated, from base_idx (grows up to win) */
	uint32_t mcap, mmask;	 /* message counters allocated (grows up to win) */
	struct udt_rslot beyond; /* stands in for the slots past cap (slot_at()) */
	uint32_t base_seq, base_idx;
	uint32_t scan_seq;  /* first packet the walker has not passed */
	uint32_t msg_start; /* walker: first packet of the message it is in */
	int in_msg;
	int nest;	      /* nested messages are taken (see above) */
	int outer;	      /* walker: in a nested message, inside ... */
	uint32_t outer_start; /* ... the message that starts here ... */
	uint32_t outer_no;    /* ... and has this number */
	int blocked;	      /* the walker stopped at a refused message ... */
	uint32_t block_seq;   /* ... whose last packet is this */
	uint32_t nrefused;    /* messages refused and still kept */
	int stream;
	size_t payload;
	struct iovec *iov;
	size_t iov_cap;
	uint8_t **pool; /* spare payload buffers */
	size_t npool, pool_cap;
	udt_deliver_fn deliver;
	void *ctx;
	uint64_t delivered_msgs, delivered_bytes, dropped_pkts;
	/* memory: see MEMORY above */
	struct udt_rxmem *mem;
	size_t held;	       /* bytes of buffers in slots and pool */
	uint32_t nheld;	       /* packets in slots */
	size_t held_max;       /* 0: no limit but cap */
	uint32_t max_msg_pkts; /* 0: no limit */
	int err;	       /* -EMSGSIZE once a message was too long */
	uint64_t mem_drops;
	uint64_t head_nomem; /* of them, the packet the head waited for */
	udt_place_fn place;
	udt_unplace_fn unplace;
	struct udt_rplace pl;
	/*
	 * FLOW SHARE: the cut grants of the last round trip or so, in
	 * UDT_RCVBUF_FLOW_BUCKETS thirds of one: the lowest edge granted in
	 * each and when it began (flow_edges: bit i, bucket i holds one)
	 */
	uint32_t flow_edge[UDT_RCVBUF_FLOW_BUCKETS];
	uint64_t flow_edge_ns[UDT_RCVBUF_FLOW_BUCKETS];
	uint32_t flow_edges, flow_bucket; /* ... and which is the newest */
	uint64_t flow_grant_ns;		  /* the last grant the share cut */
	/*
	 * the farthest edge (ACK point + window) the ACKs of the last two
	 * round trips granted, since grant_ns (granted: an ACK did)
	 */
	uint32_t grant_edge;
	int granted;
	uint64_t grant_ns;
};

int udt_rcvbuf_init(struct udt_rcvbuf *rb, uint32_t cap_pkts, size_t payload, int stream,
		    uint32_t first_seq, udt_deliver_fn deliver, void *ctx);
void udt_rcvbuf_fini(struct udt_rcvbuf *rb);
/*
 * A busy window gone idle gives back what it grew: the spare payload
 * buffers, and, when no slot holds anything and no message is tracked, the
 * slots and message counters go back to their first size. Returns the
 * bytes freed.
 */
size_t udt_rcvbuf_trim(struct udt_rcvbuf *rb);
/* Memory limits (see MEMORY above); mem may be NULL. Once, after init. */
void udt_rcvbuf_set_limits(struct udt_rcvbuf *rb, struct udt_rxmem *mem, size_t held_max,
			   uint32_t max_msg_pkts);

/* Takes nested messages (see NESTED MESSAGES above) from now on, or not. */
void udt_rcvbuf_set_nest(struct udt_rcvbuf *rb, int on);

/* Places messages from now on (see PLACEMENT above); NULL: never. */
void udt_rcvbuf_set_place(struct udt_rcvbuf *rb, udt_place_fn place, udt_unplace_fn unplace);
/*
 * Forgets the placed message without a call (the application took its
 * memory back): nothing more is written there; its packets placed so far
 * are gone from the window's view (the connection must not go on).
 */
void udt_rcvbuf_unplace(struct udt_rcvbuf *rb);

/* Can seq be stored (inside the window)? */
int udt_rcvbuf_fits(const struct udt_rcvbuf *rb, uint32_t seq);
/*
 * Stores a packet and delivers what it completes. Returns 0, 1 for a
 * duplicate, -ERANGE outside the window, -EINVAL for a bad length, -ENOMEM,
 * -ENOBUFS (over the memory budget: not stored), -EMSGSIZE (a message grew
 * past max_msg_pkts: rb->err is set and the connection cannot go on).
 */
int udt_rcvbuf_add(struct udt_rcvbuf *rb, uint32_t seq, uint32_t msgword, const uint8_t *data,
		   size_t len);
/*
 * Drops message msgno and gives up on the packets [first, last], where last
 * is cut back to the message's real end when the window shows it. Returns
 * the last sequence number given up on.
 */
uint32_t udt_rcvbuf_drop(struct udt_rcvbuf *rb, uint32_t msgno, uint32_t first, uint32_t last);
/*
 * The walker is blocked at a refused message: 1 and *seq = its last packet,
 * which the ACK point must not pass (the sender completes a message when all
 * of it is acknowledged). 0 when nothing is refused in order.
 */
int udt_rcvbuf_ack_limit(const struct udt_rcvbuf *rb, uint32_t *seq);
/*
 * Offer the refused message the walker waits at again, then walk on; then
 * the refused out-of-order messages beyond, in order, until one is refused
 * again. Returns the number of messages still refused.
 */
int udt_rcvbuf_resume(struct udt_rcvbuf *rb);
/*
 * The slot of seq, to read (a parity's rebuild, fec.h), or NULL beyond the
 * slots or before the window.
 */
const struct udt_rslot *udt_rcvbuf_peek(const struct udt_rcvbuf *rb, uint32_t seq);
/*
 * Free packets the window can still take beyond ack_seq (its cap and
 * held_max), no more than its flow share (FLOW SHARE above).
 */
uint32_t udt_rcvbuf_avail(struct udt_rcvbuf *rb, uint32_t ack_seq);
/*
 * An ACK told the sender it may send avail packets from ack_seq: the window
 * stores them while the budget has room, for two round trips of rtt_ns
 * (MEMORY above).
 */
void udt_rcvbuf_granted(struct udt_rcvbuf *rb, uint32_t ack_seq, uint32_t avail, uint64_t rtt_ns,
			uint64_t now_ns);
/*
 * A new window's first grant while the flow share cuts it (else 0): what
 * udt_rcvbuf_avail grants at its start. The handshake's window is the whole
 * receive window (a sender takes it for its largest message too), so the
 * share goes to the sender in an ACK right behind it (FLOW SHARE).
 */
uint32_t udt_rcvbuf_first_window(struct udt_rcvbuf *rb);
/*
 * The same, for an ACK sent at now_ns, where top is one past the highest
 * packet received and rtt_ns the connection's round trip: what the flow
 * share learns from it (whether the sender used its share, flow_held).
 */
uint32_t udt_rcvbuf_grant(struct udt_rcvbuf *rb, uint32_t ack_seq, uint32_t top, uint64_t rtt_ns,
			  uint64_t now_ns);

/*
 * FLOW SHARE: the socket holds sock_pkts packets (0: no sharing), which is
 * what all windows may have in flight together to start with.
 */
void udt_rxmem_flow_init(struct udt_rxmem *m, uint32_t sock_pkts);
/*
 * A window received a packet at now_ns; *seen is its own, starting at 0:
 * the epoch it last received in and its packets then (it counts in flows
 * once they are flow_busy).
 */
void udt_rxmem_flow_seen(struct udt_rxmem *m, uint32_t *seen, uint64_t now_ns);
/*
 * A new connection's window counts from its handshake, as busy: its first
 * flight comes at once, and its first window is its share.
 */
void udt_rxmem_flow_new(struct udt_rxmem *m, uint32_t *seen, uint64_t now_ns);
/* Is a measure of the socket due (udt_rxmem_flow_fill)? */
int udt_rxmem_flow_due(const struct udt_rxmem *m, uint64_t now_ns);
/*
 * How full the socket is: used of cap bytes (the kernel's count), and
 * whether it dropped datagrams since the last call. Moves flow_pkts.
 */
void udt_rxmem_flow_fill(struct udt_rxmem *m, uint64_t used, uint64_t cap, int dropped,
			 uint64_t now_ns);
/* The packets one window may grant beyond what it received now: 0 if any. */
uint32_t udt_rxmem_flow_share(const struct udt_rxmem *m);

#endif
