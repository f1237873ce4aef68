/* SPDX-License-Identifier: MIT */
/*
 * linkem_netns.h - the setup half of lu2k-linkem: network namespaces, a TUN
 * device in each, addresses. Namespaces are made and removed with ip(8) so
 * that `ip netns exec NAME ...` works on them as on any other.
 */
#ifndef LU2K_LINKEM_NETNS_H
#define LU2K_LINKEM_NETNS_H

#include <netinet/in.h>
#include <stdbool.h>

#include "linkem_opts.h"

/* One end of the link: a namespace, and the TUN device in it. */
struct linkem_side {
	char ns[LINKEM_NS_NAME_MAX];
	char dev[LINKEM_DEV_NAME_MAX];
	char addr4[INET6_ADDRSTRLEN + 8],
		addr6[INET6_ADDRSTRLEN + 8]; /* "10.77.0.1/24", "fd00:77::1/64" ("" if none) */
	bool made_ns;			     /* we created it: delete it at exit */
	int tun_fd;			     /* -1 when closed */
};

/*
 * Runs ip(8) with the given arguments (NULL-terminated, without "ip") and
 * waits. Returns 0 if it exited 0, else -1 (ip prints its own error).
 */
int linkem_ip(const char *const args[]);

bool linkem_ns_exists(const char *name);

/*
 * Sets up both sides from cfg: creates or checks the namespaces, opens a TUN
 * device in each, sets MTU, queue length and addresses, brings them up.
 * On error prints why, undoes what it did and returns -1.
 */
int linkem_sides_setup(const struct linkem_config *cfg, struct linkem_side side[2]);

/* Closes the TUN devices and deletes the namespaces that setup created. */
void linkem_sides_teardown(struct linkem_side side[2]);

#endif
