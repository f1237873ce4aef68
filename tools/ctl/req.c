/* SPDX-License-Identifier: MIT */
/*
 * req.c - one request to lu2kd's control socket: connect, write the command
 * line, read the JSON answer until lu2kd closes, each step bounded.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "jsonv.h"
#include "req.h"

struct jv *ctl_ask(const char *path, const char *cmd)
{
	const struct jv *err;
	size_t off = 0;
	struct jv *v;
	char *ans = ctl_request(path, cmd);

	if (!ans)
		return NULL;
	v = jv_parse(ans, &off);
	free(ans);
	if (!v || v->type != JV_OBJ) {
		fprintf(stderr, "lu2kctl: malformed answer from lu2kd (at byte %zu)\n", off);
		jv_free(v);
		return NULL;
	}
	err = jv_get(v, "error");
	if (err && err->type == JV_STR) {
		fprintf(stderr, "lu2kctl: lu2kd: %s\n", err->text);
		jv_free(v);
		return NULL;
	}
	return v;
}

char *ctl_request(const char *path, const char *cmd)
{
	char err[256];
	char *ans = ctl_request_quiet(path, cmd, CTL_TIMEOUT_MS, err, sizeof(err));

	if (!ans)
		fprintf(stderr, "lu2kctl: %s\n", err);
	return ans;
}

__attribute__((format(printf, 5, 6))) static char *fail(char *err, size_t errlen, int fd, char *buf,
							const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

char *ctl_request_quiet(const char *path, const char *cmd, int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = 0, cap = 65536;
	char *buf, line[256];
	int fd, n;

	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(err, errlen, -1, NULL, "socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fail(err, errlen, fd, NULL, "cannot reach lu2kd at %s: %s", path,
			    strerror(errno));
	n = snprintf(line, sizeof(line), "%s\n", cmd);
	if (n < 0 || (size_t)n >= sizeof(line))
		return fail(err, errlen, fd, NULL, "request too long: %s", cmd);
	if (write(fd, line, (size_t)n) != n)
		return fail(err, errlen, fd, NULL, "%s: write: %s", path, strerror(errno));
	buf = malloc(cap);
	for (;;) {
		struct pollfd pf = { fd, POLLIN, 0 };
		ssize_t r;

		if (!buf)
			return fail(err, errlen, fd, NULL, "%s", strerror(ENOMEM));
		if (poll(&pf, 1, timeout_ms) <= 0) {
			return fail(err, errlen, fd, buf, "no answer from lu2kd within %d ms",
				    timeout_ms);
		}
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb)
				return fail(err, errlen, fd, buf, "%s", strerror(ENOMEM));
			buf = nb;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail(err, errlen, fd, buf, "read: %s", strerror(errno));
		if (r == 0) {
			buf[len] = 0;
			break;
		}
		len += (size_t)r;
	}
	close(fd);
	return buf;
}
