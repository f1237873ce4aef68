/* SPDX-License-Identifier: MIT */
/*
 * be_src.h - an outgoing connection's own source address (backend.h,
 * connect()'s src; a multipath path's LOCAL address, doc/multipath.md).
 */
#ifndef LU2K_BACKENDS_BE_SRC_H
#define LU2K_BACKENDS_BE_SRC_H

#include "uapi/lu2k.h"

/*
 * Bind fd (of family, AF_INET or AF_INET6) to src's address, any port,
 * before its connect(). 0, or -errno: -EAFNOSUPPORT (src of the other
 * family), -EADDRNOTAVAIL (not an address of this host)...; logged.
 */
int lu2k_be_bind_src(int fd, const struct lu2k_nid *src, int family);

#endif
