/* SPDX-License-Identifier: MIT */
/*
 * nid.h - lu2k NIDs as text and as socket addresses (user space).
 *
 * Text form, as LNet writes NIDs: "192.0.2.7@lu2k" (network 0),
 * "192.0.2.7@lu2k3", "[2001:db8::7]@lu2k1". The destination address of a
 * peer comes from its NID, as socklnd does it.
 */
#ifndef LU2K_COMMON_NID_H
#define LU2K_COMMON_NID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "uapi/lu2k.h"

/* Longest text form, with the terminating NUL. */
#define LU2K_NID_STRLEN 64

/* Parse text into *nid. Returns 0, or -EINVAL (nothing written). */
int lu2k_nid_parse(const char *s, struct lu2k_nid *nid);

/* Format into buf (LU2K_NID_STRLEN bytes); returns buf. Never fails. */
char *lu2k_nid_format(const struct lu2k_nid *nid, char *buf, size_t len);

/* IPv4 (4) or IPv6 (6); 0 for a malformed NID. */
int lu2k_nid_family(const struct lu2k_nid *nid);

/* The peer's address and port, for connect()/bind(). Returns the length or -EINVAL. */
int lu2k_nid_to_sockaddr(const struct lu2k_nid *nid, unsigned short port,
			 struct sockaddr_storage *ss);

/* A NID from an address (the network number and type given). Returns 0 or -EAFNOSUPPORT. */
int lu2k_nid_from_sockaddr(const struct sockaddr *sa, unsigned int net_num, struct lu2k_nid *nid);

/* The network number, host order. */
unsigned int lu2k_nid_net(const struct lu2k_nid *nid);

bool lu2k_nid_eq(const struct lu2k_nid *a, const struct lu2k_nid *b);

/*
 * A NID in lu2k's own wire formats (the back-ends' hellos and frames):
 * size, type, num (big-endian, as LNet has it), 16 address bytes.
 */
#define LU2K_NID_WIRE_LEN 20
void lu2k_nid_wire_put(uint8_t *p, const struct lu2k_nid *nid);
/* Reads and checks one (a lu2k NID, IPv4 or IPv6). Returns 0 or -EPROTO. */
int lu2k_nid_wire_get(const uint8_t *p, struct lu2k_nid *nid);

#endif
