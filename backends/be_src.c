/* SPDX-License-Identifier: MIT */
/* be_src.c - bind an outgoing socket to its source address (be_src.h). */
#include "be_src.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/nid.h"

int lu2k_be_bind_src(int fd, const struct lu2k_nid *src, int family)
{
	struct sockaddr_storage ss;
	char n[LU2K_NID_STRLEN];
	int len, rc;

	len = lu2k_nid_to_sockaddr(src, 0, &ss);
	if (len < 0)
		return len;
	if (ss.ss_family != family)
		return -EAFNOSUPPORT;
	/*
	 * Port 0, and no IP_BIND_ADDRESS_NO_PORT: a few paths per peer never
	 * run short of ephemeral ports, and the error shows at bind(), here.
	 */
	if (!bind(fd, (struct sockaddr *)&ss, (socklen_t)len))
		return 0;
	rc = -errno;
	LOG_RL(LU2K_LOG_WARN, "cannot send from %s: %s (is it an address of this host?)",
	       lu2k_nid_format(src, n, sizeof(n)), strerror(-rc));
	return rc;
}
