/* SPDX-License-Identifier: MIT */
/*
 * usock.h - the daemon's unix listening sockets (the channel socket for
 * liblu2k, the control socket for lu2kctl), made one way:
 *
 *  - one stale-socket check: a path whose socket answers a connect() (or is
 *    busy, or is of another type) belongs to a live program and is never
 *    taken over; a socket file nobody listens on is replaced; anything that
 *    is not a socket is left alone and refused;
 *  - root-only by default: the socket file is 0600 from the moment it exists
 *    (bind under umask 0177), or 0660 and group-owned when the config names
 *    a group (socket_group). Whoever can connect can attach an interface or
 *    read every peer, so access is the admin's decision, not the umask's.
 */
#ifndef LU2K_DAEMON_USOCK_H
#define LU2K_DAEMON_USOCK_H

#include <stdbool.h>
#include <sys/types.h>

struct lu2kd_usock_perm {
	bool group_set; /* false: 0600, owner only */
	gid_t gid;	/* group of the socket file when group_set (mode 0660) */
};

/*
 * Listen on a unix socket of type (SOCK_STREAM, SOCK_SEQPACKET) at path,
 * non-blocking and close-on-exec, with the permissions of perm. Errors are
 * logged with what to do. Returns the fd, or -errno (-EADDRINUSE: a live
 * socket answers there; -EEXIST: path is not a socket).
 */
int lu2kd_usock_listen(const char *path, int type, int backlog,
		       const struct lu2kd_usock_perm *perm);

/*
 * Give an existing socket file perm's mode and group (SIGHUP after a change
 * of socket_group). Connections already made are not affected. 0 or -errno.
 */
int lu2kd_usock_set_perm(const char *path, const struct lu2kd_usock_perm *perm);

/* Create the directory a socket lives in (e.g. /run/lu2k), one level, if missing. */
void lu2kd_socket_dir(const char *path);

#endif
