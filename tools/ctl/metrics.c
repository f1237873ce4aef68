/* SPDX-License-Identifier: MIT */
/*
 * metrics.c - collects lu2kd's answers to status, stats, peers and conns into
 * Prometheus text (prom.c) and hands it out: to a stream, to a file that a
 * textfile collector reads (renamed into place, so a scrape never sees half a
 * file), or over a deliberately small HTTP endpoint.
 *
 * The endpoint serves one client at a time and bounds every read and write by
 * a short timeout: a scraper that stalls delays the next one by at most that,
 * and nothing a client sends is kept beyond its request line. It binds to
 * loopback unless told otherwise, since the metrics name peers and addresses.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonv.h"
#include "metrics.h"
#include "prom.h"
#include "req.h"

#define METRICS_IO_MS 2000

static char *metrics_text(const char *path, size_t *len)
{
	static const char *const cmds[] = { "status", "stats", "peers", "conns" };
	struct prom *p = prom_new();
	char *text = NULL;
	FILE *mem;

	*len = 0;
	if (!p) {
		fprintf(stderr, "lu2kctl: out of memory\n");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char *ans = ctl_request(path, cmds[i]);
		const struct jv *err;
		size_t off = 0;
		struct jv *v;
		int rc;

		if (!ans)
			goto out;
		v = jv_parse(ans, &off);
		free(ans);
		if (!v || v->type != JV_OBJ) {
			fprintf(stderr,
				"lu2kctl: malformed answer from lu2kd to %s (at byte %zu)\n",
				cmds[i], off);
			jv_free(v);
			goto out;
		}
		err = jv_get(v, "error");
		if (err && err->type == JV_STR) {
			fprintf(stderr, "lu2kctl: lu2kd: %s\n", err->text);
			jv_free(v);
			goto out;
		}
		rc = prom_add(p, cmds[i], v);
		jv_free(v);
		if (rc) {
			fprintf(stderr, "lu2kctl: out of memory\n");
			goto out;
		}
	}
	mem = open_memstream(&text, len);
	if (!mem) {
		fprintf(stderr, "lu2kctl: out of memory\n");
		goto out;
	}
	prom_print(p, mem);
	if (fclose(mem)) {
		free(text);
		text = NULL;
	}
out:
	prom_free(p);
	return text;
}

int metrics_print(const char *path, FILE *f)
{
	size_t len;
	char *text = metrics_text(path, &len);

	if (!text)
		return 1;
	fwrite(text, 1, len, f);
	free(text);
	return fflush(f) ? 1 : 0;
}

int metrics_write_file(const char *path, const char *file)
{
	size_t len, tl = strlen(file) + 16;
	char *text = metrics_text(path, &len), *tmp;
	FILE *f;
	int fd;

	if (!text)
		return 1;
	tmp = malloc(tl);
	if (!tmp) {
		free(text);
		return 1;
	}
	snprintf(tmp, tl, "%s.XXXXXX", file);
	fd = mkstemp(tmp);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fprintf(stderr, "lu2kctl: %s: %s\n", tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		free(text);
		return 1;
	}
	/* readable by the exporter's user, like the file it replaces */
	fchmod(fd, 0644);
	if (fwrite(text, 1, len, f) != len || fclose(f) || rename(tmp, file)) {
		fprintf(stderr, "lu2kctl: writing %s: %s\n", file, strerror(errno));
		unlink(tmp);
		free(tmp);
		free(text);
		return 1;
	}
	free(tmp);
	free(text);
	return 0;
}

/* Splits "HOST:PORT", "[V6]:PORT" or "PORT" (loopback) for getaddrinfo. */
static int metrics_split(const char *addr, char *host, size_t hl, char *port, size_t pl)
{
	const char *colon = strrchr(addr, ':');

	if (!colon) {
		snprintf(host, hl, "127.0.0.1");
		snprintf(port, pl, "%s", addr);
		return 0;
	}
	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		if (!end || end + 1 != colon || (size_t)(end - addr - 1) >= hl)
			return -1;
		memcpy(host, addr + 1, (size_t)(end - addr - 1));
		host[end - addr - 1] = 0;
	} else {
		if ((size_t)(colon - addr) >= hl)
			return -1;
		memcpy(host, addr, (size_t)(colon - addr));
		host[colon - addr] = 0;
	}
	snprintf(port, pl, "%s", colon + 1);
	return *port ? 0 : -1;
}

static int metrics_listen(const char *addr)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *res, *ai;
	char host[256], port[32];
	int fd = -1, one = 1, rc;

	if (metrics_split(addr, host, sizeof(host), port, sizeof(port))) {
		fprintf(stderr, "lu2kctl: bad --listen '%s' (HOST:PORT, [V6]:PORT or PORT)\n",
			addr);
		return -1;
	}
	rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (rc) {
		fprintf(stderr, "lu2kctl: --listen %s: %s\n", addr, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 16))
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		fprintf(stderr, "lu2kctl: cannot listen on %s: %s\n", addr, strerror(errno));
	freeaddrinfo(res);
	return fd;
}

/* Writes all of buf within the timeout; false if the client is too slow or gone. */
static bool metrics_send(int fd, const char *buf, size_t len)
{
	while (len) {
		struct pollfd pf = { fd, POLLOUT, 0 };
		ssize_t n;

		if (poll(&pf, 1, METRICS_IO_MS) <= 0)
			return false;
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

static void metrics_reply(int fd, const char *status, const char *type, const char *body,
			  size_t len)
{
	char head[256];
	int hl = snprintf(head, sizeof(head),
			  "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			  "Connection: close\r\n\r\n",
			  status, type, len);

	if (metrics_send(fd, head, (size_t)hl))
		metrics_send(fd, body, len);
}

/* One client: its request line (the rest of the request is not needed). */
static void metrics_client(const char *path, int fd)
{
	static const char text_type[] = "text/plain; version=0.0.4; charset=utf-8";
	char req[1024];
	const char *target;
	size_t got = 0;

	while (got < sizeof(req) - 1 && !memchr(req, '\n', got)) {
		struct pollfd pf = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&pf, 1, METRICS_IO_MS) <= 0)
			return;
		n = recv(fd, req + got, sizeof(req) - 1 - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		got += (size_t)n;
	}
	req[got] = 0;
	if (strncmp(req, "GET ", 4) && strncmp(req, "HEAD ", 5)) {
		metrics_reply(fd, "405 Method Not Allowed", "text/plain", "GET only\n", 9);
		return;
	}
	target = strchr(req, ' ') + 1;
	if (strcspn(target, " ?\r\n") != 8 || strncmp(target, "/metrics", 8)) {
		static const char nf[] = "lu2k metrics are at /metrics\n";

		metrics_reply(fd, "404 Not Found", "text/plain", nf, sizeof(nf) - 1);
		return;
	}
	{
		size_t len;
		char *text = metrics_text(path, &len);

		if (!text) {
			static const char down[] = "lu2kd did not answer (see lu2kctl's stderr)\n";

			metrics_reply(fd, "503 Service Unavailable", "text/plain", down,
				      sizeof(down) - 1);
			return;
		}
		metrics_reply(fd, "200 OK", text_type, req[0] == 'H' ? "" : text,
			      req[0] == 'H' ? 0 : len);
		free(text);
	}
}

int metrics_serve(const char *path, const char *addr)
{
	int lfd = metrics_listen(addr);

	if (lfd < 0)
		return 1;
	fprintf(stderr, "lu2kctl: serving metrics of %s at http://%s/metrics\n", path, addr);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* out of fds or memory: wait instead of spinning */
			fprintf(stderr, "lu2kctl: accept: %s\n", strerror(errno));
			poll(NULL, 0, 1000);
			continue;
		}
		metrics_client(path, fd);
		close(fd);
	}
}
