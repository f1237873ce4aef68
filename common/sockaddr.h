/* SPDX-License-Identifier: MIT */
/*
 * sockaddr.h - the IPv4/IPv6 socket addresses the back-ends keep for their
 * peers and listeners: equality (address and port) and their text for logs.
 */
#ifndef LU2K_COMMON_SOCKADDR_H
#define LU2K_COMMON_SOCKADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Same family, address and port (other families are never equal). */
bool lu2k_sockaddr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
/* The same address, whatever the port. */
bool lu2k_sockaddr_same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
/* The address alone ("192.0.2.1", "2001:db8::1"), or "?" for another family. */
const char *lu2k_sockaddr_addr(const struct sockaddr_storage *ss, char *buf, size_t len);
/* The port, host order (0 for another family). */
unsigned int lu2k_sockaddr_port(const struct sockaddr_storage *ss);

/*
 * One network for caps on connections: a /24 for IPv4 (and IPv4-mapped IPv6,
 * what a dual-stack socket sees of IPv4 peers), a /64 for IPv6, what one site
 * or one customer of a provider usually holds. ip: 4 bytes (AF_INET) or 16.
 */
int lu2k_ip_net_bits(int family, const unsigned char *ip);
/* In one such network, whatever the ports (other families: false). */
bool lu2k_sockaddr_same_net(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

#endif
