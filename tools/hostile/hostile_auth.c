// SPDX-License-Identifier: MIT
/*
 * hostile_auth.c - lu2k-hostile tcp-auth: an insider with a valid key (one
 * the target lists for --src) who makes real handshakes and then misbehaves
 * inside the sealed stream, one attack per connection:
 *
 *   forged     a MSG record with one ciphertext bit flipped
 *   replayed   the hello record, one MSG record, then that MSG record again
 *   reordered  hello, then MSG #2's record before MSG #1's
 *   truncated  hello, then half of a MSG record, then the end of the stream (FIN)
 *   badlen     hello, then a record length past the maximum
 *   otherkey   hello, then a MSG sealed under a key of our own
 *   plainmsg   hello, then a plaintext MSG frame where a record belongs
 *
 * Only "replayed" sends one valid MSG (the first copy): so the target may
 * deliver exactly one message from --src in all, and must close every
 * connection. Prints one line per attack and a summary; exit 0 if every
 * handshake succeeded (the attacks' effect is for the test to check).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth/aead.h"
#include "auth/hs.h"
#include "backends/tcp_wire.h"
#include "common/le.h"
#include "hostile.h"

struct sess {
	int fd;
	struct lu2k_aead_tx tx;
	struct lu2k_aead_limits lim;
};

static uint64_t wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int send_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);

		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_n(int fd, uint8_t *p, size_t n, int ms)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pf, 1, ms) <= 0)
			return -1;
		r = read(fd, p + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int handshake(struct sess *s, const struct hostile_auth *a)
{
	static uint64_t last;
	uint8_t m1[LU2K_HS_INIT_LEN], m2[LU2K_HS_RESP_LEN];
	struct lu2k_aead_rx rx;
	struct lu2k_hs_keys k;
	struct lu2k_key e;
	struct lu2k_hs hs;

	s->fd = socket(a->target->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || connect(s->fd, (const struct sockaddr *)a->target, a->target_len))
		return -1;
	lu2k_key_generate(&e);
	if (lu2k_hs_initiate(&hs, &a->local, &a->peer, &e, lu2k_hs_next_ts(&last, wall()), 1,
			     &a->src, &a->dst, m1) ||
	    send_all(s->fd, m1, sizeof(m1)) || read_n(s->fd, m2, sizeof(m2), 5000) ||
	    lu2k_hs_finish(&hs, &a->local, m2, sizeof(m2), &k))
		return -1;
	lu2k_aead_limits_default(&s->lim);
	lu2k_aead_from_hs(&s->tx, &rx, &k, LU2K_AEAD_STREAM, 0);
	lu2k_aead_rx_wipe(&rx);
	return 0;
}

/* [len][record] of plain into out; returns its length. */
static size_t seal(struct sess *s, const uint8_t *plain, size_t n, uint8_t *out)
{
	ssize_t rl;

	lu2k_put_le32(out, (uint32_t)(n + LU2K_AEAD_OVERHEAD));
	rl = lu2k_aead_seal(&s->tx, &s->lim, 1, out, 4, plain, n, out + 4, 4096);
	if (rl < 0)
		abort();
	return 4 + (size_t)rl;
}

static size_t hello(const struct hostile_auth *a, uint8_t *out)
{
	struct lu2k_tcpw_hello h = { .version = LU2K_TCPW_VERSION };

	snprintf(h.backend, sizeof(h.backend), "tcp");
	h.src = a->src;
	h.dst = a->dst;
	lu2k_tcpw_hello_encode(out, &h);
	return LU2K_TCPW_HELLO_LEN;
}

/* A MSG frame: 48-byte header, 72 bytes of "LNet header", 100 bytes of payload. */
static size_t msg(const struct hostile_auth *a, uint64_t seq, uint8_t *out)
{
	size_t n = lu2k_tcpw_msg_encode(out, seq, 72, 100, &a->dst);

	memset(out + n, (int)('A' + seq), 172);
	return n + 172;
}

/* Did the target close the connection (within 5 s)? */
static bool closed_by_peer(int fd)
{
	uint8_t buf[4096];
	time_t end = time(NULL) + 5;

	while (time(NULL) < end) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pf, 1, 500) < 0)
			return false;
		if (!(pf.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			return true;
	}
	return false;
}

static const char *const attacks[] = { "forged", "replayed", "reordered", "truncated",
				       "badlen", "otherkey", "plainmsg" };

static int attack(const struct hostile_auth *a, const char *name)
{
	uint8_t p[512], r1[1024], r2[1024], r3[1024];
	size_t n1, n2, n3, k;
	struct sess s;
	int rc = 0;

	if (handshake(&s, a)) {
		printf("lu2k-hostile: tcp-auth %s: handshake failed\n", name);
		if (s.fd >= 0)
			close(s.fd);
		return -1;
	}
	k = hello(a, p);
	n1 = seal(&s, p, k, r1);
	send_all(s.fd, r1, n1);
	if (!strcmp(name, "forged")) {
		n2 = seal(&s, p, msg(a, 1, p), r2);
		r2[30] ^= 4;
		rc = send_all(s.fd, r2, n2);
	} else if (!strcmp(name, "replayed")) {
		n2 = seal(&s, p, msg(a, 1, p), r2);
		rc = send_all(s.fd, r2, n2) || send_all(s.fd, r2, n2);
	} else if (!strcmp(name, "reordered")) {
		n2 = seal(&s, p, msg(a, 1, p), r2);
		n3 = seal(&s, p, msg(a, 2, p), r3);
		rc = send_all(s.fd, r3, n3) || send_all(s.fd, r2, n2);
	} else if (!strcmp(name, "truncated")) {
		n2 = seal(&s, p, msg(a, 1, p), r2);
		rc = send_all(s.fd, r2, n2 / 2);
		shutdown(s.fd, SHUT_WR); /* the stream ends inside the record */
	} else if (!strcmp(name, "badlen")) {
		n2 = seal(&s, p, msg(a, 1, p), r2);
		lu2k_put_le32(r2, 1u << 30);
		rc = send_all(s.fd, r2, n2);
	} else if (!strcmp(name, "otherkey")) {
		struct lu2k_aead_tx keep = s.tx;

		for (int i = 0; i < 32; i++)
			s.tx.key[i] ^= (uint8_t)(0x5a + i);
		n2 = seal(&s, p, msg(a, 1, p), r2);
		s.tx = keep;
		rc = send_all(s.fd, r2, n2);
	} else {
		n2 = msg(a, 1, r2);
		rc = send_all(s.fd, r2, n2);
	}
	if (rc) {
		/* the target may have closed already: that is the point */
		printf("lu2k-hostile: tcp-auth %s: closed while sending\n", name);
		close(s.fd);
		lu2k_aead_tx_wipe(&s.tx);
		return 1;
	}
	bool cl = closed_by_peer(s.fd);

	printf("lu2k-hostile: tcp-auth %s: %s\n", name,
	       cl ? "closed by the target" : "NOT closed by the target");
	close(s.fd);
	lu2k_aead_tx_wipe(&s.tx);
	return cl ? 1 : 0;
}

int hostile_tcp_auth(const struct hostile_auth *a)
{
	unsigned int closed = 0, n = sizeof(attacks) / sizeof(attacks[0]);

	if (lu2k_auth_init())
		return 1;
	for (unsigned int i = 0; i < n; i++) {
		int r = attack(a, attacks[i]);

		if (r < 0)
			return 1;
		closed += (unsigned int)r;
	}
	printf("lu2k-hostile: tcp-auth: %u attacks, %u connections closed by the target\n", n,
	       closed);
	return 0;
}
