/* SPDX-License-Identifier: MIT */
/*
 * udt_demux.h - finding the connection a datagram belongs to.
 *
 * Every UDT packet names its destination socket id, which we choose (random,
 * unique in the instance): that is the main key. A listening socket also
 * needs the second key (its socket, the client's address, the client's
 * socket id), because a client repeats its connection request (socket id 0)
 * until the response arrives: a repeated request must find the connection
 * the first one created instead of making another. The addresses of packets
 * are checked against the connection's, so a stranger who guesses an id
 * cannot inject into it.
 */
#ifndef LU2K_BACKENDS_UDT_DEMUX_H
#define LU2K_BACKENDS_UDT_DEMUX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct udt_dmx_addr {
	uint16_t family; /* AF_INET or AF_INET6 */
	uint16_t port;	 /* network order, as in the sockaddr */
	uint8_t ip[16];	 /* IPv4: the first 4 bytes */
};

struct udt_dmx_node {
	struct udt_dmx_node *id_next, *peer_next, *addr_next;
	uint32_t local_id;
	uint32_t peer_id;
	const void *sock; /* what the peer key is scoped to (a listening socket) */
	struct udt_dmx_addr addr;
	bool in_id, in_peer, in_addr;
};

struct udt_dmx {
	struct udt_dmx_node **by_id, **by_peer, **by_addr;
	uint32_t nbuckets; /* a power of two */
	uint32_t n;
	uint32_t rng;
};

int udt_dmx_init(struct udt_dmx *d, uint32_t seed);
void udt_dmx_fini(struct udt_dmx *d);

/* A new local socket id: random, 1..2^31-1, not in the table. */
uint32_t udt_dmx_new_id(struct udt_dmx *d);
/* Adds node under node->local_id: 0, -EEXIST, -EINVAL (id 0 or >= 2^31). */
int udt_dmx_add(struct udt_dmx *d, struct udt_dmx_node *node);
/* Also findable by (sock, addr, peer_id): set those fields first. */
void udt_dmx_add_peer(struct udt_dmx *d, struct udt_dmx_node *node);
/*
 * Also findable by (sock, addr) alone: the connection a request without a
 * cookie (or with a token) made, whose client may send data to socket id 0
 * before our response, naming no socket id (udt_config.first_flight): each
 * lu2k connector has a socket of its own, so its address and port name it.
 * The newest added is found first.
 */
void udt_dmx_add_addr(struct udt_dmx *d, struct udt_dmx_node *node);
void udt_dmx_del_addr(struct udt_dmx *d, struct udt_dmx_node *node);
struct udt_dmx_node *udt_dmx_find_addr(const struct udt_dmx *d, const void *sock,
				       const struct udt_dmx_addr *a);
/* Removes node from every key (harmless if it is in none). */
void udt_dmx_del(struct udt_dmx *d, struct udt_dmx_node *node);

struct udt_dmx_node *udt_dmx_find(const struct udt_dmx *d, uint32_t local_id);
struct udt_dmx_node *udt_dmx_find_peer(const struct udt_dmx *d, const void *sock,
				       const struct udt_dmx_addr *a, uint32_t peer_id);

/* From a sockaddr: 0, or -EAFNOSUPPORT. */
int udt_dmx_addr_from(const struct sockaddr *sa, struct udt_dmx_addr *a);
bool udt_dmx_addr_eq(const struct udt_dmx_addr *a, const struct udt_dmx_addr *b);
/* In the same /24 or /64 as b, whatever the port (common/sockaddr.h, lu2k_ip_net_bits). */
bool udt_dmx_addr_same_net(const struct udt_dmx_addr *a, const struct udt_dmx_addr *b);

#endif
