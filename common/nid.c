/* SPDX-License-Identifier: MIT */
#include "nid.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lu2k/desc.h"

#define NET_NAME "lu2k"

/* Parses "lu2k" or "lu2kN" (N < 65536) into *num. */
static int parse_net(const char *s, unsigned int *num)
{
	size_t n = strlen(NET_NAME);
	unsigned long v = 0;
	char *end;

	if (strncmp(s, NET_NAME, n) != 0)
		return -EINVAL;
	s += n;
	if (*s) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || *end || v > 0xffff || (s[0] == '0' && s[1]))
			return -EINVAL;
	}
	*num = (unsigned int)v;
	return 0;
}

int lu2k_nid_parse(const char *s, struct lu2k_nid *nid)
{
	char addr[INET6_ADDRSTRLEN + 2];
	const char *at = strrchr(s, '@');
	struct lu2k_nid n;
	unsigned int num;
	size_t alen;

	if (!at || at == s)
		return -EINVAL;
	alen = (size_t)(at - s);
	if (alen >= sizeof(addr) || parse_net(at + 1, &num))
		return -EINVAL;
	memset(&n, 0, sizeof(n));
	n.type = LU2K_LND_TYPE;
	n.num = htons((unsigned short)num);
	if (s[0] == '[') {
		if (alen < 3 || s[alen - 1] != ']')
			return -EINVAL;
		memcpy(addr, s + 1, alen - 2);
		addr[alen - 2] = 0;
		if (inet_pton(AF_INET6, addr, n.addr) != 1)
			return -EINVAL;
		n.size = 12;
	} else {
		memcpy(addr, s, alen);
		addr[alen] = 0;
		if (inet_pton(AF_INET, addr, n.addr) != 1)
			return -EINVAL;
		n.size = 0;
	}
	*nid = n;
	return 0;
}

int lu2k_nid_family(const struct lu2k_nid *nid)
{
	if (nid->type != LU2K_LND_TYPE)
		return 0;
	return nid->size == 0 ? 4 : nid->size == 12 ? 6 : 0;
}

unsigned int lu2k_nid_net(const struct lu2k_nid *nid)
{
	return ntohs(nid->num);
}

char *lu2k_nid_format(const struct lu2k_nid *nid, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	char net[16] = NET_NAME;
	unsigned int num = lu2k_nid_net(nid);

	if (num)
		snprintf(net, sizeof(net), NET_NAME "%u", num);
	switch (lu2k_nid_family(nid)) {
	case 4:
		inet_ntop(AF_INET, nid->addr, addr, sizeof(addr));
		snprintf(buf, len, "%s@%s", addr, net);
		break;
	case 6:
		inet_ntop(AF_INET6, nid->addr, addr, sizeof(addr));
		snprintf(buf, len, "[%s]@%s", addr, net);
		break;
	default:
		snprintf(buf, len, "<bad nid type %u size %u>", nid->type, nid->size);
	}
	return buf;
}

int lu2k_nid_to_sockaddr(const struct lu2k_nid *nid, unsigned short port,
			 struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	switch (lu2k_nid_family(nid)) {
	case 4: {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, nid->addr, 4);
		return sizeof(*sin);
	}
	case 6: {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, nid->addr, 16);
		return sizeof(*sin6);
	}
	}
	return -EINVAL;
}

int lu2k_nid_from_sockaddr(const struct sockaddr *sa, unsigned int net_num, struct lu2k_nid *nid)
{
	memset(nid, 0, sizeof(*nid));
	nid->type = LU2K_LND_TYPE;
	nid->num = htons((unsigned short)net_num);
	if (sa->sa_family == AF_INET) {
		memcpy(nid->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		nid->size = 12;
		memcpy(nid->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return 0;
	}
	return -EAFNOSUPPORT;
}

bool lu2k_nid_eq(const struct lu2k_nid *a, const struct lu2k_nid *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

void lu2k_nid_wire_put(uint8_t *p, const struct lu2k_nid *nid)
{
	p[0] = nid->size;
	p[1] = nid->type;
	memcpy(p + 2, &nid->num, 2); /* already big-endian in memory */
	memcpy(p + 4, nid->addr, 16);
}

int lu2k_nid_wire_get(const uint8_t *p, struct lu2k_nid *nid)
{
	memset(nid, 0, sizeof(*nid));
	nid->size = p[0];
	nid->type = p[1];
	memcpy(&nid->num, p + 2, 2);
	memcpy(nid->addr, p + 4, 16);
	return lu2k_nid_check(nid, LU2K_FEAT_IPV6) ? -EPROTO : 0;
}
