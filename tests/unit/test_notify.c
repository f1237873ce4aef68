/* SPDX-License-Identifier: MIT */
/* Unit tests of the service-manager notification (daemon/notify.c). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/notify.h"
#include "../t.h"

/* A datagram socket bound to name ("@x": abstract, else a path); -1 on error. */
static int listener(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memcpy(sa.sun_path, name, len);
	if (name[0] == '@')
		sa.sun_path[0] = 0;
	else
		len++;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa,
			   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	T_ASSERT(n >= 0);
	buf[n] = 0;
	T_STREQ(buf, want);
}

static void test_no_socket(void)
{
	unsetenv("NOTIFY_SOCKET");
	T_EQ(lu2kd_notify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	T_EQ(lu2kd_notify("READY=1"), 0);
}

static void test_abstract(void)
{
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "@lu2k-test-notify-%d", (int)getpid());
	fd = listener(name);
	T_ASSERT(fd >= 0);
	setenv("NOTIFY_SOCKET", name, 1);
	T_EQ(lu2kd_notify("READY=1\nSTATUS=serving"), 1);
	expect_datagram(fd, "READY=1\nSTATUS=serving");
	close(fd);
}

static void test_path(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/lu2k-test-notify-%d.sock", (int)getpid());
	unlink(path);
	fd = listener(path);
	T_ASSERT(fd >= 0);
	setenv("NOTIFY_SOCKET", path, 1);
	T_EQ(lu2kd_notify("STOPPING=1"), 1);
	unlink(path);
	expect_datagram(fd, "STOPPING=1");
	close(fd);
}

static void test_bad_address(void)
{
	char longname[200];

	setenv("NOTIFY_SOCKET", "relative/path", 1);
	T_EQ(lu2kd_notify("READY=1"), -EINVAL);
	setenv("NOTIFY_SOCKET", "@", 1);
	T_EQ(lu2kd_notify("READY=1"), -EINVAL);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = 0;
	setenv("NOTIFY_SOCKET", longname, 1);
	T_EQ(lu2kd_notify("READY=1"), -EINVAL);
	/* a well-formed address nobody listens on: sendto's error, not a crash */
	setenv("NOTIFY_SOCKET", "/nonexistent/lu2k-notify.sock", 1);
	T_EQ(lu2kd_notify("READY=1"), -ENOENT);
}

int main(void)
{
	T_RUN(test_no_socket);
	T_RUN(test_abstract);
	T_RUN(test_path);
	T_RUN(test_bad_address);
	return t_done();
}
