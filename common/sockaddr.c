/* SPDX-License-Identifier: MIT */
/* sockaddr.c - peers' and listeners' socket addresses (see sockaddr.h). */
#include "sockaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

bool lu2k_sockaddr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
	}
	return false;
}

bool lu2k_sockaddr_same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)(const void *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr,
			       &((const struct sockaddr_in6 *)(const void *)b)->sin6_addr,
			       sizeof(struct in6_addr));
	return false;
}

static const unsigned char v4mapped[12] = { [10] = 0xff, [11] = 0xff };

int lu2k_ip_net_bits(int family, const unsigned char *ip)
{
	return family == AF_INET6 && memcmp(ip, v4mapped, 12) ? 64 : 24;
}

static bool ip_same_net(int family, const unsigned char *a, const unsigned char *b)
{
	if (family == AF_INET)
		return !memcmp(a, b, 3);
	if (!memcmp(a, v4mapped, 12) && !memcmp(b, v4mapped, 12))
		return !memcmp(a + 12, b + 12, 3);
	return !memcmp(a, b, 8);
}

bool lu2k_sockaddr_same_net(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ip_same_net(AF_INET,
				   (const void *)&((const struct sockaddr_in *)a)->sin_addr,
				   (const void *)&((const struct sockaddr_in *)b)->sin_addr);
	if (a->ss_family == AF_INET6)
		return ip_same_net(AF_INET6,
				   (const void *)&((const struct sockaddr_in6 *)a)->sin6_addr,
				   (const void *)&((const struct sockaddr_in6 *)b)->sin6_addr);
	return false;
}

const char *lu2k_sockaddr_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	snprintf(buf, len, "?");
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ss)->sin_addr, buf,
			  (socklen_t)len);
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr,
			  buf, (socklen_t)len);
	return buf;
}

unsigned int lu2k_sockaddr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)ss)->sin6_port);
	return 0;
}
