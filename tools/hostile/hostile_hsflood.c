// SPDX-License-Identifier: MIT
/*
 * hostile_hsflood.c - lu2k-hostile udt-hsflood / tcp-hsflood: a flood of
 * valid-looking node handshakes against a lu2kd with keys, to show its
 * handshake rate limit (auth/hsrate.h). Each initiation passes every cheap
 * check (mac1 for the target's --peer-key; udt: a real cookie for its
 * source, asked for once; tcp: a real connection), so that the target's
 * responder would do its X25519 work for each, and is then refused by the
 * allow-list (--key is one the target does not list).
 *
 * Sources: --conns addresses, each in a /24 of its own (IPv4 loopback:
 * 127.(10 + i / 250).(i % 250).1, all local on lo), sending in turn, at
 * --pps initiations a second in all (default 2000) for --time seconds.
 * Prints what it sent; exit 0 if it sent any.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth/dgram.h"
#include "common/loop.h"
#include "hostile.h"

static uint64_t wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct sockaddr_in source(unsigned int i)
{
	struct sockaddr_in s = { .sin_family = AF_INET };

	s.sin_addr.s_addr = htonl(0x7f000001u | (10u + i / 250u) << 16 | (i % 250u) << 8);
	return s;
}

static int sock_from(const struct hostile_auth *a, int type, unsigned int i)
{
	struct sockaddr_in s = source(i);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&s, sizeof(s)) ||
	    connect(fd, (const struct sockaddr *)a->target, a->target_len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* udt: the initiation with its cookie, for a socket of its own (0), or -1 (no cookie in 1 s). */
static int udt_prepare(const struct hostile_auth *a, int fd, uint8_t *initc)
{
	static uint64_t last;
	struct lu2k_dg_out o;
	struct lu2k_hs_keys k;
	struct lu2k_key e;
	uint8_t buf[2048];
	uint64_t end = lu2k_loop_now_ns() + 1000000000ull;
	int r = -1;

	lu2k_key_generate(&e);
	if (lu2k_dg_out_start(&o, &a->local, &a->peer, &e, lu2k_hs_next_ts(&last, wall()), 7,
			      &a->src, &a->dst, lu2k_loop_now_ns(), 2000000000ull, lu2k_dg_caps()))
		return -1;
	lu2k_key_wipe(&e);
	while (r && lu2k_loop_now_ns() < end) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		const uint8_t *m;
		ssize_t n = lu2k_dg_out_poll(&o, lu2k_loop_now_ns(), &m);

		if (n < 0)
			break;
		if (n == LU2K_DG_INITC_LEN) {
			memcpy(initc, m, (size_t)n);
			r = 0;
			break;
		}
		if (n > 0 && send(fd, m, (size_t)n, 0) < 0)
			break;
		if (poll(&pf, 1, 50) > 0) {
			n = recv(fd, buf, sizeof(buf), 0);
			if (n > 0)
				lu2k_dg_out_recv(&o, &a->local, buf, (size_t)n, lu2k_loop_now_ns(),
						 &k);
		}
	}
	lu2k_dg_out_wipe(&o);
	return r;
}

int hostile_hsflood(const struct hostile_auth *a, bool udt, unsigned int sources, double secs,
		    uint64_t pps)
{
	uint8_t(*initc)[LU2K_DG_INITC_LEN] = calloc(sources, sizeof(*initc));
	uint8_t init[LU2K_HS_INIT_LEN], buf[2048];
	int *fds = calloc(sources, sizeof(*fds));
	unsigned int ready = 0, i = 0;
	uint64_t sent = 0, start, end, ts = 0;
	struct lu2k_hs hs;
	struct lu2k_key e;

	if (!initc || !fds || a->target->ss_family != AF_INET)
		return 2;
	if (!pps)
		pps = 2000;
	if (udt) {
		for (unsigned int s = 0; s < sources; s++) {
			fds[s] = sock_from(a, SOCK_DGRAM, s);
			if (fds[s] >= 0 && udt_prepare(a, fds[s], initc[s])) {
				close(fds[s]);
				fds[s] = -1;
			}
			ready += fds[s] >= 0;
		}
	} else {
		/* one initiation for all: refused by the allow-list each time, after the X25519 */
		lu2k_key_generate(&e);
		if (lu2k_hs_initiate(&hs, &a->local, &a->peer, &e, lu2k_hs_next_ts(&ts, wall()), 7,
				     &a->src, &a->dst, init))
			return 2;
		lu2k_key_wipe(&e);
		lu2k_hs_wipe(&hs);
		ready = sources;
	}
	printf("lu2k-hostile: %s-hsflood: %u of %u sources ready\n", udt ? "udt" : "tcp", ready,
	       sources);
	start = lu2k_loop_now_ns();
	end = start + (uint64_t)(secs * 1e9);
	while (ready && lu2k_loop_now_ns() < end) {
		int fd;

		if (sent >= (lu2k_loop_now_ns() - start) * pps / 1000000000ull) {
			usleep(200);
			continue;
		}
		i = (i + 1) % sources;
		if (udt) {
			if (fds[i] < 0)
				continue;
			if (send(fds[i], initc[i], LU2K_DG_INITC_LEN, 0) > 0)
				sent++;
			while (recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
			continue;
		}
		fd = sock_from(a, SOCK_STREAM, i);
		if (fd < 0)
			continue;
		if (write(fd, init, sizeof(init)) == (ssize_t)sizeof(init))
			sent++;
		close(fd);
	}
	printf("lu2k-hostile: %s-hsflood: %llu initiations from %u sources in %.1f s\n",
	       udt ? "udt" : "tcp", (unsigned long long)sent, ready,
	       (lu2k_loop_now_ns() - start) / 1e9);
	for (unsigned int s = 0; udt && s < sources; s++)
		if (fds[s] >= 0)
			close(fds[s]);
	free(fds);
	free(initc);
	return sent ? 0 : 1;
}
