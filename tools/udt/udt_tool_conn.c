/* SPDX-License-Identifier: MIT */
/*
 * udt_tool_conn.c - the loop of lu2k-udt: one UDP socket, one engine, the
 * engine's next deadline as the poll timeout (nanosecond precision, so the
 * engine's pacing is kept without bursts).
 */
#include "udt_tool.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t ut_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return lu2k_time_timespec_to_ns(&ts);
}

static uint64_t tnow(struct ut_conn *t)
{
	uint64_t n = ut_now();

	if (n < t->last_now)
		n = t->last_now;
	t->last_now = n;
	return n;
}

static int open_sock(struct ut_conn *t, int family)
{
	int sz = 32 << 20;

	t->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0)
		return -errno;
	/* 600 ms x 200 Mbit/s: the kernel must hold bursts; as root past the sysctl cap */
	if (setsockopt(t->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(t->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(t->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		setsockopt(t->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	t->cap = (size_t)t->cfg.mss;
	t->buf = malloc(t->cap > 65536 ? t->cap : 65536);
	return t->buf ? 0 : -ENOMEM;
}

static int resolve(const char *host, const char *port, struct sockaddr_storage *ss, socklen_t *len,
		   bool passive)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res;
	int rc;

	hints.ai_flags = passive ? AI_PASSIVE : 0;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		fprintf(stderr, "lu2k-udt: %s: %s\n", host ? host : "*", gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void peer_ip(const struct sockaddr_storage *ss, uint32_t ip[4])
{
	memset(ip, 0, 16);
	if (ss->ss_family == AF_INET)
		udt_hs_ip_from_v4(ip, (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr);
	else
		memcpy(ip, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
}

int ut_listen(struct ut_conn *t, const char *addr, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	uint8_t key[16];
	int rc;

	rc = resolve(addr, port, &ss, &len, true);
	if (rc)
		return rc;
	rc = open_sock(t, ss.ss_family);
	if (rc)
		return rc;
	if (bind(t->fd, (struct sockaddr *)&ss, len))
		return -errno;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(ut_now() >> (i * 3));
	udt_listener_init(&t->lis, key, t->cfg.sock_type, t->cfg.mss, (int32_t)t->cfg.flight_max);
	t->listening = true;
	return 0;
}

int ut_connect(struct ut_conn *t, const char *host, const char *port)
{
	uint32_t ip[4];
	int rc;

	rc = resolve(host, port, &t->peer, &t->peerlen, false);
	if (rc)
		return rc;
	rc = open_sock(t, t->peer.ss_family);
	if (rc)
		return rc;
	peer_ip(&t->peer, ip);
	t->u = udt_conn_connect(&t->cfg, &t->cb, t->ud,
				(((uint32_t)getpid() ^ (uint32_t)ut_now()) & 0x7fffffffu) | 1,
				(uint32_t)(ut_now() >> 7) & 0x7fffffffu, ip, tnow(t));
	return t->u ? 0 : -EINVAL;
}

static void flush(struct ut_conn *t)
{
	uint64_t now = tnow(t);
	size_t n;

	if (!t->u)
		return;
	if (udt_conn_next_deadline(t->u) <= now)
		udt_conn_handle_timers(t->u, now);
	while ((n = udt_conn_write_pkt(t->u, t->buf, t->cap, now))) {
		if (sendto(t->fd, t->buf, n, 0, (struct sockaddr *)&t->peer, t->peerlen) < 0 &&
		    errno == EAGAIN) {
			/* the kernel's buffer is full: the engine will resend what is lost */
			struct pollfd p = { .fd = t->fd, .events = POLLOUT };

			poll(&p, 1, 10);
		}
	}
}

/* A datagram for the listener: the stateless handshake, or the accepted connection. */
static void listener_in(struct ut_conn *t, const uint8_t *pkt, size_t len,
			const struct sockaddr_storage *from, socklen_t fromlen)
{
	uint8_t out[UDT_HDR_LEN + UDT_HS_LEN];
	struct udt_hs hs;
	size_t olen = 0;
	uint32_t dst, ip[4];
	int rc;

	if (udt_peek_dst(pkt, len, &dst))
		return;
	if (t->u) {
		/* one client only; a stranger's packets are ignored */
		if (fromlen != t->peerlen || memcmp(from, &t->peer, fromlen))
			return;
		udt_conn_recv_pkt(t->u, pkt, len, tnow(t));
		return;
	}
	if (dst != 0)
		return;
	rc = udt_listener_recv(&t->lis, pkt, len, from, fromlen, tnow(t), out, sizeof(out), &olen,
			       &hs);
	if (rc == UDT_LISTEN_REPLY) {
		sendto(t->fd, out, olen, 0, (const struct sockaddr *)from, fromlen);
	} else if (rc == UDT_LISTEN_ACCEPT) {
		memcpy(&t->peer, from, fromlen);
		t->peerlen = fromlen;
		peer_ip(from, ip);
		t->u = udt_conn_accept(&t->cfg, &t->cb, t->ud,
				       ((uint32_t)ut_now() & 0x7fffffffu) | 1, &hs, ip, tnow(t));
		if (!t->u)
			fprintf(stderr, "lu2k-udt: refused a client (socket type or version)\n");
	}
}

void ut_step(struct ut_conn *t, uint64_t max_ns)
{
	uint64_t now = ut_now(), end = now + max_ns;
	uint64_t dl = t->u ? udt_conn_next_deadline(t->u) : UINT64_MAX;
	struct pollfd p = { .fd = t->fd, .events = POLLIN };
	struct timespec ts;
	uint64_t wait;

	if (dl > end)
		dl = end;
	wait = dl > now ? dl - now : 0;
	ts.tv_sec = (time_t)(wait / LU2K_NS_PER_S);
	ts.tv_nsec = (long)(wait % LU2K_NS_PER_S);
	if (ppoll(&p, 1, &ts, NULL) > 0) {
		for (int i = 0; i < 256; i++) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t r =
				recvfrom(t->fd, t->buf, 65536, 0, (struct sockaddr *)&from, &fl);

			if (r < 0)
				break;
			if (t->listening)
				listener_in(t, t->buf, (size_t)r, &from, fl);
			else if (t->u)
				udt_conn_recv_pkt(t->u, t->buf, (size_t)r, tnow(t));
		}
	}
	flush(t);
}

void ut_close(struct ut_conn *t)
{
	if (t->u) {
		flush(t);
		udt_conn_free(t->u);
	}
	t->u = NULL;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	free(t->buf);
	t->buf = NULL;
}
