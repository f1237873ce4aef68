/* SPDX-License-Identifier: MIT */
/*
 * handshake.h - the listener side of UDT4's connection setup.
 *
 * A client's first request (type 1) gets its handshake back with a cookie;
 * the second request (type -1) must carry that cookie, which proves the
 * client receives at its address. The listener keeps no state between the
 * two: the cookie is a keyed hash of the client's address (and port), the
 * socket id it asked for and the current minute, and the previous minute's
 * cookie is accepted too. Bound to the socket id, one round trip buys one
 * connection, not one per socket id the client cares to name.
 *
 * Address tokens (udt_listener_tokens): the response that accepts a
 * connection carries in its cookie field, which UDT4 connectors ignore
 * there, a token: a keyed hash of the client's host address (not its port:
 * each lu2k connection has a socket of its own) and the current 10-minute
 * period. A connector that knows one may send its second request at once,
 * with the token as its cookie (udt_conn_use_token): the address proved it
 * receives there within the last 10-20 minutes, and a round trip is saved
 * (2 round trips to connect become 1). A request whose cookie is wrong (a
 * token gone stale, a listener restarted with another key, a cookie two
 * minutes old) gets a fresh cookie, as a first request does, so it costs
 * the connector one round trip more, not the second it waited for an answer
 * before falling back to UDT4's first request (udt_conn_use_token; a UDT4
 * listener still says nothing). Connectors keep a token 10 minutes
 * (backends/udt_tokens.h), so mostly a listener's restart costs that.
 *
 * Requests without a cookie (udt_listener_unproved): a lu2k connector sends
 * with each UDT4 first request a final one whose cookie is
 * UDT_HS_NO_COOKIE (udt_conn_no_cookie). The listener may take it while
 * few connections it so made have not proved their address yet: at most
 * `max`, each held in a slot (a hash of the client's address, its socket id)
 * until the caller says its client's first packet on it came
 * (udt_listener_proved: it names our random socket id, which only the
 * response told) or it ended, or `life_ns` passed. A repeat of a held
 * request is taken again without a new slot; the first request sent with it
 * gets no cookie (-EALREADY): the connection's response (and its first
 * window ACK) answer both, one packet for each an address not proved sent.
 * With no slot free the request gets no answer, as UDT4 gives a wrong
 * cookie; the first request beside it gets its cookie as always, so the
 * connector goes on the cookie way at once. UDT4 listeners never take such a request. So a sender who gives
 * another's address makes at most `max` connections at a time, each sending
 * the response and a few keep-alives to that address until its life ends.
 *
 * The capacity probe (hs_probe.c; not UDT4): a lu2k connector sends a train
 * of MSS-sized probes (UDT_CT_PROBE) back to back right before a final
 * request that offers UDT_HS_OFFER_PROBE. The path's narrowest link spaces
 * them by its capacity. The listener notes when each came (a slot per
 * client address and socket id, UDT_PROBE_SLOTS of them, the oldest
 * reused) and, when it takes the request, puts the rate the train came at
 * into the response (udt_hs.probe_pps), which the connector's CC may start
 * from instead of a blind first round trip (doc/udt-cc.md, "A capacity
 * probe in the handshake"). It answers a probe with nothing, so it
 * amplifies nothing; a spoofed train can only change one connection's
 * first round trip, which its first ACKs correct as they would a wrong
 * remembered rate.
 */
#ifndef LU2K_UDT_HANDSHAKE_H
#define LU2K_UDT_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"

/* The cookie of a lu2k connector's final request sent without one (below): "L2N0" */
#define UDT_HS_NO_COOKIE    0x4c324e30u
#define UDT_UNPROVED_SLOTS  16
#define UDT_PROBE_TRAIN	    16 /* probes in a connector's train (udt_config.probe_train) */
#define UDT_PROBE_TRAIN_MAX 64
#define UDT_PROBE_SLOTS	    16

struct udt_listener {
	uint8_t key[16];
	int32_t sock_type;
	int32_t mss;
	int32_t flight;
	/* tokens: where the client's port is in the address bytes (left out) */
	int tokens;
	uint8_t port_off, port_len;
	uint64_t bad_pkts, bad_cookies, rejects, tokens_used;
	/*
	 * Requests without a cookie (above): taken, refused for want of a
	 * slot; first requests left unanswered for one taken
	 */
	uint64_t unproved_taken, unproved_full, unproved_quiet;
	uint32_t unproved_max;
	uint64_t unproved_life_ns;
	/*
	 * set with each UDT_LISTEN_ACCEPT: the request had no cookie (hold the
	 * slot); its cookie was an address token. Either may have data behind it
	 * (udt_config.first_flight), sent before our response.
	 */
	int took_unproved, took_token;
	/* the last call's reply is a fresh cookie for a final request whose cookie did not hold */
	int answered_stale;
	struct udt_unproved {
		uint64_t addr_hash; /* 0: free */
		uint32_t sock_id;
		uint64_t since_ns;
	} unproved[UDT_UNPROVED_SLOTS];
	/* probe trains being timed (hs_probe.c), and how many were told, or too short to tell */
	struct udt_probe_slot {
		uint64_t key; /* 0: free */
		uint64_t first_ns, last_ns;
		uint32_t n, bytes; /* probes, and their IP bytes after the first */
	} probe[UDT_PROBE_SLOTS];
	uint64_t probes, probe_trains_told, probe_trains_short;
};

enum udt_listen_result {
	UDT_LISTEN_REPLY = 1,  /* send the bytes in out back to the client */
	UDT_LISTEN_ACCEPT = 2, /* the request in *hs carries a good cookie */
	UDT_LISTEN_PROBE = 3,  /* a probe of a train, timed: nothing to send */
};

void udt_listener_init(struct udt_listener *l, const uint8_t key[16], int32_t sock_type,
		       int32_t mss, int32_t flight);
/*
 * Issue and accept address tokens (above); the address bytes given to
 * udt_listener_recv hold the client's port at [port_off, port_off + port_len).
 */
void udt_listener_tokens(struct udt_listener *l, size_t port_off, size_t port_len);
/*
 * Take final requests without a cookie (above): at most max (up to
 * UDT_UNPROVED_SLOTS) connections at a time before their client proves its
 * address, each for life_ns at most.
 */
void udt_listener_unproved(struct udt_listener *l, uint32_t max, uint64_t life_ns);
/* The connection made for (addr, sock_id) without a cookie proved its address, or ended. */
void udt_listener_proved(struct udt_listener *l, const void *addr, size_t addrlen,
			 uint32_t sock_id);
/*
 * Handles a packet sent to socket id 0. addr/addrlen identify the client
 * (any stable encoding of its address and port). Returns UDT_LISTEN_REPLY,
 * UDT_LISTEN_ACCEPT (then find the connection for (address, hs->sock_id) and
 * give it the packet, or create one with udt_conn_accept: with tokens on,
 * hs->cookie is then the client's token, which the response carries;
 * l->took_unproved says whether it came without a cookie), -EBADMSG for a
 * malformed packet, -EACCES for a wrong cookie (or none, and no slot),
 * -EALREADY for a first request whose final one without a cookie was taken
 * (no answer, not a rejection), or UDT_LISTEN_PROBE for a probe (hs_probe.c:
 * for its timing, now_ns is best its arrival time). On an accept that
 * offered UDT_HS_OFFER_PROBE, hs->probe_pps is what its train told (0:
 * nothing), for the response to carry.
 */
int udt_listener_recv(struct udt_listener *l, const uint8_t *pkt, size_t len, const void *addr,
		      size_t addrlen, uint64_t now_ns, uint8_t *out, size_t cap, size_t *out_len,
		      struct udt_hs *hs);

/* hs_probe.c, for udt_listener_recv: a probe came; what the train of an accepted request told. */
int udt_listener_probe(struct udt_listener *l, const struct udt_hdr *h, size_t len,
		       const void *addr, size_t addrlen, uint64_t now_ns);
uint32_t udt_listener_probe_rate(struct udt_listener *l, const struct udt_hs *hs, const void *addr,
				 size_t addrlen, uint64_t now_ns);

uint32_t udt_cookie(const uint8_t key[16], const void *addr, size_t addrlen, uint32_t sock_id,
		    uint64_t minute);
uint64_t udt_siphash(const uint8_t key[16], const void *data, size_t len);
/* The address token of addr (its port left out) for the 10-minute period `period`. */
uint32_t udt_token(const struct udt_listener *l, const void *addr, size_t addrlen, uint64_t period);

/*
 * The peer address field as UDT4 fills it: an IPv4 address in word 0 as the
 * host-order value of the in_addr bytes (little-endian on x86), an IPv6
 * address as four words, each the little-endian value of 4 address bytes.
 */
void udt_hs_ip_from_v4(uint32_t ip[4], const uint8_t addr[4]);
void udt_hs_ip_from_v6(uint32_t ip[4], const uint8_t addr[16]);

#endif
