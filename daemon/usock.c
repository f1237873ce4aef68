/* SPDX-License-Identifier: MIT */
/* usock.c - unix listening sockets: one stale-socket check, strict modes (usock.h). */
#include "usock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "common/log.h"

void lu2kd_socket_dir(const char *path)
{
	char dir[LU2KD_PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = 0;
	if (mkdir(dir, 0755) == 0)
		LOG_INFO("created %s", dir);
}

/*
 * Is anyone listening on the socket at sa? A non-blocking connect() of the
 * same type: ECONNREFUSED is the only answer that means nobody (a socket
 * file left by a dead process). A connection, a full backlog (EAGAIN), or a
 * live socket of another type (EPROTOTYPE) all mean somebody, and an error we
 * cannot interpret (EACCES) is no proof of death either. Returns 0 when the
 * path may be replaced, else -errno with the reason logged.
 */
static int probe_stale(const struct sockaddr_un *sa, int type)
{
	int fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc, err;

	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	err = errno;
	close(fd);
	if (rc < 0 && err == ECONNREFUSED)
		return 0;
	if (rc == 0 || err == EAGAIN || err == EINPROGRESS || err == EPROTOTYPE) {
		LOG_ERR("%s: a live process (another lu2kd?) is listening on this socket: stop it, "
			"or give this daemon another path",
			sa->sun_path);
		return -EADDRINUSE;
	}
	LOG_ERR("%s: cannot tell whether the socket there is in use (connect: %s): remove it "
		"by hand if no daemon serves it",
		sa->sun_path, strerror(err));
	return -err;
}

/* Make path free for bind(): nothing there, or a dead socket that we remove. */
static int claim_path(const struct sockaddr_un *sa, int type)
{
	struct stat st;
	int rc;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		LOG_ERR("%s exists and is not a socket: not removing it; choose another path",
			sa->sun_path);
		return -EEXIST;
	}
	rc = probe_stale(sa, type);
	if (rc)
		return rc;
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return -errno;
	LOG_INFO("%s: replaced a stale socket (nobody was listening)", sa->sun_path);
	return 0;
}

/*
 * bind() under umask 0177: the file is 0600 from the moment it exists, so
 * there is no window in which others may connect; a group only widens it.
 */
static int bind_private(int fd, const struct sockaddr_un *sa, const struct lu2kd_usock_perm *perm)
{
	mode_t old = umask(0177);
	int rc = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));

	umask(old);
	if (rc < 0) {
		rc = -errno;
		LOG_ERR("%s: cannot bind: %s", sa->sun_path, strerror(-rc));
		return rc;
	}
	if (!perm->group_set)
		return 0;
	if (chown(sa->sun_path, (uid_t)-1, perm->gid) < 0 || chmod(sa->sun_path, 0660) < 0) {
		rc = -errno;
		LOG_ERR("%s: cannot give the socket to group %u with mode 0660: %s (lu2kd needs "
			"CAP_CHOWN, or to be a member of that group)",
			sa->sun_path, (unsigned int)perm->gid, strerror(-rc));
		unlink(sa->sun_path);
		return rc;
	}
	return 0;
}

int lu2kd_usock_listen(const char *path, int type, int backlog, const struct lu2kd_usock_perm *perm)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	lu2kd_socket_dir(path);
	rc = claim_path(&sa, type);
	if (rc)
		return rc;
	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = bind_private(fd, &sa, perm);
	if (rc) {
		close(fd);
		return rc;
	}
	if (listen(fd, backlog) < 0) {
		rc = -errno;
		LOG_ERR("%s: cannot listen: %s", path, strerror(-rc));
		unlink(path);
		close(fd);
		return rc;
	}
	return fd;
}

int lu2kd_usock_set_perm(const char *path, const struct lu2kd_usock_perm *perm)
{
	uid_t keep = (uid_t)-1;

	/*
	 * Narrowing first (mode, then group) and widening last (group, then
	 * mode), so a socket never is open to a group it is leaving or to one
	 * it has not joined yet.
	 */
	if (!perm->group_set) {
		if (chmod(path, 0600) < 0 || chown(path, keep, getegid()) < 0)
			return -errno;
		return 0;
	}
	if (chmod(path, 0600) < 0 || chown(path, keep, perm->gid) < 0 || chmod(path, 0660) < 0)
		return -errno;
	return 0;
}
