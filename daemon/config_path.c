/* SPDX-License-Identifier: MIT */
/* config_path.c - "path = PEER_NID LOCAL REMOTE" lines (see config_path.h). */
#include "config_path.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "common/nid.h"

/* An address as a NID on the network of peer (whose text form is peer_text). */
static int addr_on_net(const char *addr, const char *net, struct lu2k_nid *out)
{
	char buf[LU2K_NID_STRLEN + 8];
	int n;

	if (!*addr || strchr(addr, '@') || strchr(addr, '[') || strchr(addr, ']'))
		return -EINVAL;
	n = snprintf(buf, sizeof(buf), strchr(addr, ':') ? "[%s]@%s" : "%s@%s", addr, net);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EINVAL;
	return lu2k_nid_parse(buf, out);
}

int lu2kd_path_parse(const char *value, const struct lu2kd_path_cfg *have, unsigned int n,
		     struct lu2kd_path_cfg *out, char *why, size_t whylen)
{
	char peer[LU2K_NID_STRLEN + 1], local[LU2K_NID_STRLEN + 1], remote[LU2K_NID_STRLEN + 1];
	char extra[2];
	const char *net;

	memset(out, 0, sizeof(*out));
	if (sscanf(value, "%64s %64s %64s %1s", peer, local, remote, extra) != 3) {
		snprintf(why, whylen, "three words: PEER_NID LOCAL_ADDRESS REMOTE_ADDRESS");
		return -EINVAL;
	}
	net = strrchr(peer, '@');
	if (!net || lu2k_nid_parse(peer, &out->peer)) {
		snprintf(why, whylen, "'%s' is not a NID", peer);
		return -EINVAL;
	}
	net++;
	if (addr_on_net(local, net, &out->local)) {
		snprintf(why, whylen, "'%s' is not an IPv4 or IPv6 address", local);
		return -EINVAL;
	}
	if (addr_on_net(remote, net, &out->remote)) {
		snprintf(why, whylen, "'%s' is not an IPv4 or IPv6 address", remote);
		return -EINVAL;
	}
	if (out->local.size != out->remote.size) {
		snprintf(why, whylen, "LOCAL and REMOTE are of different address families");
		return -EINVAL;
	}
	if (lu2k_nid_eq(&out->remote, &out->peer)) {
		snprintf(why, whylen, "REMOTE is the NID's own address, already its first path");
		return -EINVAL;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (lu2k_nid_eq(&have[i].peer, &out->peer) &&
		    lu2k_nid_eq(&have[i].remote, &out->remote)) {
			snprintf(why, whylen, "a second path to %s for this NID", remote);
			return -EINVAL;
		}
	}
	return 0;
}

int lu2kd_mp_addr_parse(const char *value, const struct sockaddr_storage *have, unsigned int n,
			struct sockaddr_storage *out, char *why, size_t whylen)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, value, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
	} else if (inet_pton(AF_INET6, value, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
	} else {
		snprintf(why, whylen, "'%s' is not an IPv4 or IPv6 address", value);
		return -EINVAL;
	}
	if (n >= LU2KD_MAX_MP_ADDRS) {
		snprintf(why, whylen, "too many addresses (at most %d)", LU2KD_MAX_MP_ADDRS);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (!memcmp(&have[i], out, sizeof(*out))) {
			snprintf(why, whylen, "'%s' is named twice", value);
			return -EINVAL;
		}
	}
	return 0;
}
