/* SPDX-License-Identifier: MIT */
/*
 * req.c - one request to lu2kd's control socket: connect, write the command
 * line, read the JSON answer until lu2kd closes, each step bounded.
 */
#include <errno.h>
#include <poll.h>
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
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = 0, cap = 65536;
	char *buf, line[256];
	int fd, n;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "lu2kctl: socket path too long: %s\n", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "lu2kctl: cannot reach lu2kd at %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	n = snprintf(line, sizeof(line), "%s\n", cmd);
	if (write(fd, line, (size_t)n) != n) {
		fprintf(stderr, "lu2kctl: %s: write: %s\n", path, strerror(errno));
		close(fd);
		return NULL;
	}
	buf = malloc(cap);
	for (;;) {
		struct pollfd pf = { fd, POLLIN, 0 };
		ssize_t r;

		if (!buf)
			break;
		if (poll(&pf, 1, CTL_TIMEOUT_MS) <= 0) {
			fprintf(stderr, "lu2kctl: no answer from lu2kd within %d ms\n",
				CTL_TIMEOUT_MS);
			free(buf);
			buf = NULL;
			break;
		}
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "lu2kctl: read: %s\n", strerror(errno));
			free(buf);
			buf = NULL;
			break;
		}
		if (r == 0) {
			buf[len] = 0;
			break;
		}
		len += (size_t)r;
	}
	close(fd);
	return buf;
}
