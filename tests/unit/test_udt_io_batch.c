/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the udt back-end's batched socket I/O (backends/udt_io_batch.c):
 * GSO runs and their boundaries, GRO buffers split back into datagrams (on real
 * loopback sockets where the kernel has them, read by the daemon's own
 * udtb_rxb_read/udtb_rxb_each), and, through a fake sendmmsg, short writes,
 * EAGAIN, errors and a kernel that refuses GSO; through a fake recvmmsg, the
 * reading side: GRO buffers cut back into their datagrams in place, short
 * reads, EAGAIN and EINTR, a truncated buffer, ICMP errors, and a socket
 * without GRO (one datagram a buffer, read into at most its slot).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/udt_io_batch.h"
#include "tests/t.h"

#define SLOT 1500

static uint8_t bufmem[UDTB_BATCH * SLOT];

/* A batch of n datagrams: datagram i has len[i] bytes, each byte (i * 7 + k) & 0xff. */
static void fill(struct udtb_txb *b, unsigned int n, const uint32_t *len)
{
	memset(b, 0, sizeof(*b));
	b->buf = bufmem;
	b->slot = SLOT;
	b->n = n;
	for (unsigned int i = 0; i < n; i++) {
		b->len[i] = len[i];
		for (uint32_t k = 0; k < len[i]; k++)
			b->buf[(size_t)i * SLOT + k] = (uint8_t)(i * 7 + k);
	}
}

static bool dgram_ok(const uint8_t *p, size_t n, unsigned int i, uint32_t want)
{
	if (n != want)
		return false;
	for (size_t k = 0; k < n; k++)
		if (p[k] != (uint8_t)(i * 7 + k))
			return false;
	return true;
}

/* ---- a fake kernel: records what each sendmmsg call carried ---- */

static struct {
	int calls;
	int accept_msgs; /* take at most this many messages per call (-1: all) */
	int fail_errno;	 /* fail the next call with this (0: none) */
	int fail_times;
	bool no_gso; /* refuse any message with UDP_SEGMENT (EIO) */
	unsigned int nmsgs[64];
	unsigned int segs[64][UDTB_BATCH];  /* datagrams per message of call c */
	unsigned int segsz[64][UDTB_BATCH]; /* its UDP_SEGMENT (0: none) */
	unsigned int total_dgrams;
	const uint32_t *want_len; /* non-NULL: check each datagram's bytes (fill's pattern) */
	unsigned int next_dgram;  /* datagrams the fake took so far */
	unsigned int bad;	  /* datagrams whose bytes were wrong */
} fk;

/* A message's bytes, gathered from its iovecs as the kernel does. */
static size_t gather(const struct msghdr *h, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < h->msg_iovlen; i++) {
		if (n + h->msg_iov[i].iov_len > cap)
			return SIZE_MAX;
		memcpy(out + n, h->msg_iov[i].iov_base, h->msg_iov[i].iov_len);
		n += h->msg_iov[i].iov_len;
	}
	return n;
}

static unsigned int msg_gso(const struct msghdr *h)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR((struct msghdr *)h, cm)) {
		if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_SEGMENT) {
			uint16_t v;

			memcpy(&v, CMSG_DATA(cm), sizeof(v));
			return v;
		}
	}
	return 0;
}

static int fake_sendmmsg(int fd, struct mmsghdr *mm, unsigned int n, int flags)
{
	int c = fk.calls++;
	unsigned int take = fk.accept_msgs < 0 ? n : (unsigned int)fk.accept_msgs;

	if (fk.fail_times > 0) {
		fk.fail_times--;
		errno = fk.fail_errno;
		return -1;
	}
	if (take > n)
		take = n;
	for (unsigned int m = 0; m < take; m++) {
		unsigned int g = msg_gso(&mm[m].msg_hdr);

		if (g && fk.no_gso) {
			if (m == 0) {
				errno = EIO;
				return -1;
			}
			take = m;
			break;
		}
		{
			static uint8_t all[UDTB_BATCH * SLOT];
			size_t bytes = gather(&mm[m].msg_hdr, all, sizeof(all));
			/* the kernel cuts a GSO message at g bytes, whatever its iovecs */
			unsigned int nd = g ? (unsigned int)((bytes + g - 1) / g) : 1;

			if (bytes == SIZE_MAX)
				fk.bad++;
			for (unsigned int d = 0; fk.want_len && bytes != SIZE_MAX && d < nd; d++) {
				size_t off = (size_t)d * g, l = g ? bytes - off : bytes;

				if (g && l > g)
					l = g;
				if (!dgram_ok(all + off, l, fk.next_dgram + d,
					      fk.want_len[fk.next_dgram + d]))
					fk.bad++;
			}
			fk.next_dgram += nd;
			if (c < 64) {
				fk.segs[c][m] = nd;
				fk.segsz[c][m] = g;
			}
			fk.total_dgrams += nd;
		}
	}
	if (c < 64)
		fk.nmsgs[c] = take;
	return (int)take;
}

static const struct udtb_sys fake = { .sendmmsg = fake_sendmmsg };

static void fake_reset(void)
{
	memset(&fk, 0, sizeof(fk));
	fk.accept_msgs = -1;
}

/*
 * As fill(), but each datagram longer than HDR keeps only its first HDR bytes
 * in its slot (a packet header), the rest in ext[] (a message's memory) as
 * one piece, or two cut at split[i] bytes into it.
 */
#define HDR 16
static uint8_t ext[UDTB_BATCH * SLOT];

static void fill_pieces(struct udtb_txb *b, unsigned int n, const uint32_t *len,
			const uint32_t *split)
{
	fill(b, n, len);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *e = ext + (size_t)i * SLOT;
		uint32_t rest = len[i] > HDR ? len[i] - HDR : 0;

		if (!rest)
			continue;
		memcpy(e, b->buf + (size_t)i * SLOT + HDR, rest);
		memset(b->buf + (size_t)i * SLOT + HDR, 0xee, rest); /* never sent from here */
		b->hlen[i] = HDR;
		b->piece[i][0].iov_base = e;
		if (split[i] && split[i] < rest) {
			b->piece[i][0].iov_len = split[i];
			b->piece[i][1].iov_base = e + split[i];
			b->piece[i][1].iov_len = rest - split[i];
			b->npieces[i] = 2;
		} else {
			b->piece[i][0].iov_len = rest;
			b->npieces[i] = 1;
		}
	}
}

/*
 * Datagrams in pieces (a header in the slot, the payload elsewhere): runs
 * of one size go as one GSO message whatever the pieces' boundaries, and
 * every datagram the kernel cuts from it has exactly its own bytes; then
 * short writes, EAGAIN, and a kernel without GSO over the same batch.
 */
/* The 44 datagrams of test_pieces afresh, and a fresh fake that checks them. */
static void again(struct udtb_txb *b, const uint32_t *len, const uint32_t *split,
		  struct udtb_txres *res)
{
	fill_pieces(b, 44, len, split);
	fake_reset();
	fk.want_len = len;
	memset(res, 0, sizeof(*res));
}

static void test_pieces(void)
{
	uint32_t len[UDTB_BATCH], split[UDTB_BATCH];
	struct udtb_txb b;
	struct udtb_txres res = { 0 };
	bool gso = true;

	/* 30 x 1472 (pieces cut anywhere, even inside the first bytes), 1 x 700, 10 B, 12 x 1000 */
	for (int i = 0; i < 44; i++) {
		len[i] = i < 30 ? 1472 : i == 30 ? 700 : i == 31 ? 10 : 1000;
		split[i] = (uint32_t)(i * 97) % 1400;
	}
	again(&b, len, split, &res);
	T_EQ(b.npieces[31], 0); /* 10 bytes: all in its slot */
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), 0);
	T_EQ(fk.calls, 1);
	T_EQ(fk.nmsgs[0], 3u);
	T_EQ(fk.segs[0][0], 31u); /* the 700-byte one ends the run */
	T_EQ(fk.segsz[0][0], 1472u);
	T_EQ(fk.segs[0][1], 1u);
	T_EQ(fk.segs[0][2], 12u);
	T_EQ(fk.segsz[0][2], 1000u);
	T_EQ(fk.bad, 0u);
	T_EQ(fk.next_dgram, 44u);
	T_EQ(res.dgrams, 44u);

	/* short writes (one message a call), and EAGAIN before any: all go, in order */
	again(&b, len, split, &res);
	fk.accept_msgs = 1;
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), 0);
	T_EQ(fk.calls, 3);
	T_EQ(fk.bad, 0u);
	T_EQ(fk.next_dgram, 44u);
	again(&b, len, split, &res);
	fk.accept_msgs = 1;
	fk.fail_errno = EAGAIN;
	fk.fail_times = 1;
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), -EAGAIN);
	T_EQ(b.off, 0u);
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), 0);
	T_EQ(b.off, 44u);
	T_EQ(fk.bad, 0u);
	T_EQ(fk.next_dgram, 44u);

	/* a kernel without GSO: it refuses the first run, then all go one by one */
	again(&b, len, split, &res);
	fk.no_gso = true;
	gso = true;
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), 0);
	T_ASSERT(!gso);
	T_ASSERT(res.gso_refused);
	T_EQ(res.gso_msgs, 0u);
	T_EQ(fk.bad, 0u);
	T_EQ(fk.next_dgram, 44u);
	T_EQ(res.dgrams, 44u);
}

/* Runs of one size, a shorter last one, the 64-segment and 64 KB limits. */
static void test_gso_runs(void)
{
	uint32_t len[UDTB_BATCH];
	struct udtb_txb b;
	struct udtb_txres res = { 0 };
	bool gso = true;

	/* 10 x 1400, 1 x 300 (ends the run), 5 x 1400, 1 x 60 (ends it), 1 x 80 (alone) */
	for (int i = 0; i < 10; i++)
		len[i] = 1400;
	len[10] = 300;
	for (int i = 11; i < 16; i++)
		len[i] = 1400;
	len[16] = 60;
	len[17] = 80;
	fill(&b, 18, len);
	fake_reset();
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), 0);
	T_EQ(fk.calls, 1);
	T_EQ(fk.nmsgs[0], 3u);
	T_EQ(fk.segs[0][0], 11u); /* the 300-byte one closes the first run */
	T_EQ(fk.segsz[0][0], 1400u);
	T_EQ(fk.segs[0][1], 6u);
	T_EQ(fk.segsz[0][1], 1400u);
	T_EQ(fk.segs[0][2], 1u);
	T_EQ(fk.segsz[0][2], 0u); /* alone: no UDP_SEGMENT */
	T_EQ(res.dgrams, 18u);
	T_EQ(res.gso_msgs, 2u);
	T_EQ(b.off, 18u);

	/* 64 x 1000 bytes: 64 KB caps a run at 65 datagrams of 1000, so 64 in one */
	for (int i = 0; i < UDTB_BATCH; i++)
		len[i] = 1000;
	fill(&b, UDTB_BATCH, len);
	fake_reset();
	memset(&res, 0, sizeof(res));
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), 0);
	T_EQ(fk.nmsgs[0], 1u);
	T_EQ(fk.segs[0][0], 64u);

	/* 64 x 1472: 44 fit in 65000 bytes, then 20 */
	for (int i = 0; i < UDTB_BATCH; i++)
		len[i] = 1472;
	fill(&b, UDTB_BATCH, len);
	fake_reset();
	memset(&res, 0, sizeof(res));
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), 0);
	T_EQ(fk.nmsgs[0], 2u);
	T_EQ(fk.segs[0][0], 44u);
	T_EQ(fk.segs[0][1], 20u);
	T_EQ(res.dgrams, 64u);
}

/* An unconnected socket: a run never spans two addresses. */
static void test_gso_addresses(void)
{
	static struct sockaddr_storage addr[UDTB_BATCH];
	uint32_t len[8] = { 1200, 1200, 1200, 1200, 1200, 1200, 1200, 1200 };
	struct udtb_txb b;
	struct udtb_txres res = { 0 };
	bool gso = true;

	fill(&b, 8, len);
	b.addr = addr;
	for (int i = 0; i < 8; i++) {
		struct sockaddr_in *s = (struct sockaddr_in *)&addr[i];

		memset(&addr[i], 0, sizeof(addr[i]));
		s->sin_family = AF_INET;
		s->sin_port = htons(i < 3 ? 1000 : 2000); /* 3 to one, 5 to another */
		b.alen[i] = sizeof(*s);
	}
	fake_reset();
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), 0);
	T_EQ(fk.nmsgs[0], 2u);
	T_EQ(fk.segs[0][0], 3u);
	T_EQ(fk.segs[0][1], 5u);
}

/* Short writes (the kernel takes some messages), EAGAIN, then the rest. */
static void test_short_and_eagain(void)
{
	uint32_t len[UDTB_BATCH];
	struct udtb_txb b;
	struct udtb_txres res = { 0 };
	bool gso = false;

	for (int i = 0; i < 20; i++)
		len[i] = 100 + (uint32_t)i;
	fill(&b, 20, len);
	fake_reset();
	fk.accept_msgs = 3;
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), 0);
	T_EQ(fk.calls, 7); /* 3 a call: 7 calls for 20 */
	T_EQ(res.dgrams, 20u);
	T_EQ(fk.total_dgrams, 20u);

	fill(&b, 20, len);
	fake_reset();
	memset(&res, 0, sizeof(res));
	fk.accept_msgs = 5;
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), 0);
	T_EQ(fk.calls, 4);
	/* the socket is full after 5: EAGAIN keeps the rest, off says where */
	fill(&b, 20, len);
	fake_reset();
	memset(&res, 0, sizeof(res));
	fk.accept_msgs = 5;
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), 0);
	b.off = 0;
	fake_reset();
	memset(&res, 0, sizeof(res));
	fk.fail_errno = EAGAIN;
	fk.fail_times = 1;
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), -EAGAIN);
	T_EQ(b.off, 0u);
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), 0);
	T_EQ(b.off, 20u);
	T_EQ(res.dgrams, 20u);
	/* ENOBUFS is a full queue too */
	b.off = 0;
	fk.fail_errno = ENOBUFS;
	fk.fail_times = 1;
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), -EAGAIN);
	/* a datagram that cannot go is lost, counted, and the others still go */
	b.off = 0;
	fake_reset();
	memset(&res, 0, sizeof(res));
	fk.fail_errno = ECONNREFUSED;
	fk.fail_times = 1;
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), 0);
	T_EQ(res.dropped, 1u);
	T_EQ(res.err, -ECONNREFUSED);
	T_EQ(res.dgrams, 19u);
}

/* A kernel (or route) that refuses GSO: off for good, the same datagrams one by one. */
static void test_no_gso(void)
{
	uint32_t len[UDTB_BATCH];
	struct udtb_txb b;
	struct udtb_txres res = { 0 };
	bool gso = true;

	for (int i = 0; i < 30; i++)
		len[i] = 1400;
	fill(&b, 30, len);
	fake_reset();
	fk.no_gso = true;
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), 0);
	T_ASSERT(!gso);
	T_ASSERT(res.gso_refused);
	T_EQ(res.dgrams, 30u);
	T_EQ(res.gso_msgs, 0u);
	T_EQ(res.dropped, 0u);
	T_EQ(fk.total_dgrams, 30u);
	T_EQ(fk.nmsgs[1], 30u); /* the retry: one datagram per message */
	/* EIO of a single datagram (no UDP_SEGMENT) is not GSO's: it is lost, GSO stays */
	gso = true;
	len[0] = 100;
	len[1] = 2000 > SLOT ? 200 : 2000;
	fill(&b, 2, len);
	fake_reset();
	memset(&res, 0, sizeof(res));
	fk.fail_errno = EIO;
	fk.fail_times = 1;
	T_EQ(udtb_txb_send(&fake, 3, &b, &gso, &res), 0);
	T_ASSERT(gso);
	T_EQ(res.dropped, 1u);
}

/* ---- real loopback sockets ---- */

static int udp_pair(int *tx, int *rx, struct sockaddr_in *to)
{
	socklen_t l = sizeof(*to);
	int big = 4 << 20;

	*rx = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	*tx = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (*rx < 0 || *tx < 0)
		return -1;
	memset(to, 0, sizeof(*to));
	to->sin_family = AF_INET;
	to->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(*rx, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(*rx, (struct sockaddr *)to, sizeof(*to)) ||
	    getsockname(*rx, (struct sockaddr *)to, &l) ||
	    connect(*tx, (struct sockaddr *)to, sizeof(*to)))
		return -1;
	return 0;
}

/* What read_check's walk saw. */
struct rc_ctx {
	const uint32_t *len;
	unsigned int n, got;
	bool bad;
};

static bool rc_dgram(void *ctx, uint8_t *p, size_t l)
{
	struct rc_ctx *x = ctx;

	if (x->got >= x->n || !dgram_ok(p, l, x->got, x->len[x->got])) {
		fprintf(stderr, "datagram %u: wrong (%zu bytes)\n", x->got, l);
		x->bad = true;
		return false;
	}
	x->got++;
	return true;
}

/*
 * Reads every datagram as the daemon does (udtb_rxb_read, GRO buffers cut
 * by udtb_rxb_each) and checks each against the batch.
 */
static unsigned int read_check(int rx, bool gro, const uint32_t *len, unsigned int n,
			       unsigned int *nbufs)
{
	static uint8_t buf[4 * UDTB_GRO_BUF];
	static struct udtb_rxb b;
	struct rc_ctx x = { len, n, 0, false };
	unsigned int bufs = 0;

	while (x.got < n && !x.bad) {
		struct pollfd p = { rx, POLLIN, 0 };
		int r;

		if (poll(&p, 1, 2000) != 1)
			break;
		b.buf = buf;
		b.slot = UDTB_GRO_BUF;
		b.want = gro ? UDTB_GRO_BUF : SLOT;
		b.n = 4;
		r = udtb_rxb_read(&udtb_sys_real, rx, &b);
		if (r <= 0)
			break;
		for (int i = 0; i < r && !x.bad; i++) {
			bufs++;
			udtb_rxb_each(&b, (unsigned int)i, gro, rc_dgram, &x);
		}
	}
	*nbufs = bufs;
	return x.bad ? 0 : x.got;
}

static void test_loopback(bool gro)
{
	uint32_t len[UDTB_BATCH];
	struct sockaddr_in to;
	struct udtb_txb b;
	struct udtb_txres res = { 0 };
	bool gso = udtb_probe_gso(AF_INET);
	unsigned int nbufs;
	int tx, rx;

	if (!gso || (gro && !udtb_probe_gro(AF_INET))) {
		printf("# loopback %s: the kernel lacks UDP GSO/GRO, skipped\n",
		       gro ? "GRO" : "GSO");
		return;
	}
	T_EQ(udp_pair(&tx, &rx, &to), 0);
	if (gro)
		T_EQ(udtb_sock_set_gro(rx), 0);
	/* two runs of 1472 with a shorter end, a lone 1, a run of 20, a 1000 */
	for (int i = 0; i < UDTB_BATCH; i++)
		len[i] = 1472;
	len[30] = 700;
	len[31] = 1;
	len[52] = 1000;
	fill(&b, 53, len);
	T_EQ(udtb_txb_send(&udtb_sys_real, tx, &b, &gso, &res), 0);
	T_ASSERT(gso);
	T_EQ(res.dgrams, 53u);
	T_ASSERT(res.gso_msgs >= 2);
	T_EQ(read_check(rx, gro, len, 53, &nbufs), 53u);
	if (gro)
		T_ASSERT(nbufs < 53); /* coalesced, and split back */
	else
		T_EQ(nbufs, 53u); /* the kernel cut the runs at the segment size */
	close(tx);
	close(rx);
}

/* Datagrams in pieces through the real kernel, with GSO or one by one: each arrives whole. */
static void test_loopback_pieces(void)
{
	uint32_t len[UDTB_BATCH], split[UDTB_BATCH];
	struct sockaddr_in to;
	struct udtb_txb b;
	unsigned int nbufs;
	int tx, rx;

	for (int i = 0; i < UDTB_BATCH; i++) {
		len[i] = i < 40 ? 1472 : i == 40 ? 333 : 1200;
		split[i] = (uint32_t)(i * 211) % 1456;
	}
	for (int pass = 0; pass < 2; pass++) {
		struct udtb_txres res = { 0 };
		bool gso = pass == 0 && udtb_probe_gso(AF_INET);

		T_EQ(udp_pair(&tx, &rx, &to), 0);
		fill_pieces(&b, UDTB_BATCH, len, split);
		T_EQ(udtb_txb_send(&udtb_sys_real, tx, &b, &gso, &res), 0);
		T_EQ(res.dgrams, (uint64_t)UDTB_BATCH);
		T_EQ(read_check(rx, false, len, UDTB_BATCH, &nbufs), (unsigned int)UDTB_BATCH);
		close(tx);
		close(rx);
	}
}

/* gso = false (the option off, or the fallback): the same datagrams arrive. */
static void test_loopback_fallback(void)
{
	uint32_t len[UDTB_BATCH];
	struct sockaddr_in to;
	struct udtb_txb b;
	struct udtb_txres res = { 0 };
	bool gso = false;
	unsigned int nbufs;
	int tx, rx;

	T_EQ(udp_pair(&tx, &rx, &to), 0);
	for (int i = 0; i < 40; i++)
		len[i] = 1000 + (uint32_t)i;
	fill(&b, 40, len);
	T_EQ(udtb_txb_send(&udtb_sys_real, tx, &b, &gso, &res), 0);
	T_EQ(res.gso_msgs, 0u);
	T_EQ(res.calls, 1u);
	T_EQ(read_check(rx, false, len, 40, &nbufs), 40u);
	T_EQ(nbufs, 40u);
	close(tx);
	close(rx);
}

/* GRO's size: the control message, never more than the buffer, else the length. */
static void test_gro_size(void)
{
	union {
		char c[CMSG_SPACE(sizeof(int))];
		struct cmsghdr a;
	} ctl;
	struct msghdr h = { .msg_control = ctl.c, .msg_controllen = sizeof(ctl.c) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&h);
	int v = 1400;

	memset(&ctl, 0, sizeof(ctl));
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_GRO;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &v, sizeof(v));
	T_EQ(udtb_gro_size(&h, 5000), 1400u);
	T_EQ(udtb_gro_size(&h, 1400), 1400u);
	T_EQ(udtb_gro_size(&h, 900), 900u);
	v = 0;
	memcpy(CMSG_DATA(cm), &v, sizeof(v));
	T_EQ(udtb_gro_size(&h, 5000), 5000u);
	h.msg_controllen = 0;
	T_EQ(udtb_gro_size(&h, 5000), 5000u);
}

/* ---- a fake kernel for the reading side ---- */

struct fake_buf {
	size_t len;  /* bytes it fills */
	int gro_seg; /* UDP_GRO's control message (0: none) */
	bool trunc;  /* MSG_TRUNC */
};

static struct {
	int calls;
	int fail_errno, fail_times; /* the next calls fail with this */
	unsigned int nbufs;	    /* buffers it fills (fewer than asked: a short read) */
	struct fake_buf bufs[UDTB_BATCH];
	size_t iov_len_seen;
	unsigned int n_seen;
	int flags_seen;
} fr;

static int fake_recvmmsg(int fd, struct mmsghdr *mm, unsigned int n, int flags, struct timespec *t)
{
	(void)fd;
	(void)t;
	fr.calls++;
	fr.flags_seen = flags;
	if (fr.fail_times > 0) {
		fr.fail_times--;
		errno = fr.fail_errno;
		return -1;
	}
	fr.n_seen = n;
	fr.iov_len_seen = mm[0].msg_hdr.msg_iov[0].iov_len;
	if (!fr.nbufs) {
		errno = EAGAIN;
		return -1;
	}
	for (unsigned int i = 0; i < fr.nbufs && i < n; i++) {
		struct msghdr *h = &mm[i].msg_hdr;
		uint8_t *p = h->msg_iov[0].iov_base;

		/* datagram-like bytes: byte k of buffer i is (i * 7 + k) */
		for (size_t k = 0; k < fr.bufs[i].len && k < h->msg_iov[0].iov_len; k++)
			p[k] = (uint8_t)(i * 7 + k);
		mm[i].msg_len = (unsigned int)fr.bufs[i].len;
		h->msg_flags = fr.bufs[i].trunc ? MSG_TRUNC : 0;
		if (fr.bufs[i].gro_seg) {
			struct cmsghdr *cm = CMSG_FIRSTHDR(h);

			cm->cmsg_level = SOL_UDP;
			cm->cmsg_type = UDP_GRO;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &fr.bufs[i].gro_seg, sizeof(int));
			h->msg_controllen = CMSG_SPACE(sizeof(int));
		} else {
			h->msg_controllen = 0;
		}
	}
	return (int)(fr.nbufs < n ? fr.nbufs : n);
}

static const struct udtb_sys fake_rx = { .recvmmsg = fake_recvmmsg };

/* What a walk over one buffer saw. */
struct walk {
	unsigned int n, stop_after;
	const uint8_t *p[64];
	size_t len[64];
};

static bool walk_dgram(void *ctx, uint8_t *p, size_t len)
{
	struct walk *w = ctx;

	if (w->n < 64) {
		w->p[w->n] = p;
		w->len[w->n] = len;
	}
	w->n++;
	return !w->stop_after || w->n < w->stop_after;
}

static uint8_t rxmem[UDTB_BATCH / 4 * UDTB_GRO_BUF];
static struct udtb_rxb rxb;

static void rxb_init(size_t want)
{
	rxb.buf = rxmem;
	rxb.slot = UDTB_GRO_BUF;
	rxb.want = want;
	rxb.n = UDTB_BATCH / 4;
	memset(&fr, 0, sizeof(fr));
}

/*
 * A short read of four buffers: a GRO buffer of three 1400-byte datagrams
 * and a 700-byte end, cut back in place; a lone datagram; a truncated one
 * (skipped); a GRO size above the length (one datagram).
 */
static void test_rx_split(void)
{
	struct walk w;

	rxb_init(UDTB_GRO_BUF);
	fr.nbufs = 4;
	fr.bufs[0] = (struct fake_buf){ 4900, 1400, false };
	fr.bufs[1] = (struct fake_buf){ 900, 0, false };
	fr.bufs[2] = (struct fake_buf){ 3000, 1000, true };
	fr.bufs[3] = (struct fake_buf){ 500, 1400, false };
	T_EQ(udtb_rxb_read(&fake_rx, 3, &rxb), 4);
	T_EQU(fr.n_seen, (unsigned int)UDTB_BATCH / 4);
	T_ASSERT(fr.flags_seen & MSG_DONTWAIT); /* never blocks the loop */
	T_EQU(fr.iov_len_seen, (size_t)UDTB_GRO_BUF);
	memset(&w, 0, sizeof(w));
	T_EQ(udtb_rxb_each(&rxb, 0, true, walk_dgram, &w), 4u);
	T_EQ(w.n, 4u);
	for (unsigned int k = 0; k < 4; k++) {
		/* in place: datagram k starts k * 1400 bytes into the buffer */
		T_ASSERT(w.p[k] == rxmem + k * 1400);
		T_EQU(w.len[k], k < 3 ? 1400u : 700u);
		T_EQU(w.p[k][0], (uint8_t)(k * 1400));
	}
	memset(&w, 0, sizeof(w));
	T_EQ(udtb_rxb_each(&rxb, 1, true, walk_dgram, &w), 1u);
	T_ASSERT(w.p[0] == rxmem + UDTB_GRO_BUF);
	T_EQU(w.len[0], 900u);
	T_EQU(w.p[0][5], (uint8_t)(7 + 5));
	memset(&w, 0, sizeof(w));
	T_EQ(udtb_rxb_each(&rxb, 2, true, walk_dgram, &w), 0u);
	T_EQ(w.n, 0u);
	memset(&w, 0, sizeof(w));
	T_EQ(udtb_rxb_each(&rxb, 3, true, walk_dgram, &w), 1u);
	T_EQU(w.len[0], 500u);
	/* the callback stops the walk (its socket closed under it) */
	memset(&w, 0, sizeof(w));
	w.stop_after = 2;
	T_EQ(udtb_rxb_each(&rxb, 0, true, walk_dgram, &w), 2u);
	T_EQ(w.n, 2u);
}

/* EAGAIN: nothing; EINTR: asked again; an ICMP error: said as it is. */
static void test_rx_errors(void)
{
	rxb_init(UDTB_GRO_BUF);
	T_EQ(udtb_rxb_read(&fake_rx, 3, &rxb), -EAGAIN);
	T_EQ(fr.calls, 1);
	fr.fail_errno = EINTR;
	fr.fail_times = 2;
	fr.nbufs = 1;
	fr.bufs[0] = (struct fake_buf){ 100, 0, false };
	T_EQ(udtb_rxb_read(&fake_rx, 3, &rxb), 1);
	T_EQ(fr.calls, 4);
	fr.fail_errno = ECONNREFUSED;
	fr.fail_times = 1;
	T_EQ(udtb_rxb_read(&fake_rx, 3, &rxb), -ECONNREFUSED);
}

/*
 * A socket without GRO (the kernel lacks it, or gro = 0): each buffer is
 * read into at most a datagram's slot and is one datagram, whatever a
 * control message would say; more than the slot is truncated, not split.
 */
static void test_rx_no_gro(void)
{
	struct walk w;

	rxb_init(SLOT);
	fr.nbufs = 2;
	fr.bufs[0] = (struct fake_buf){ 1400, 700, false };
	fr.bufs[1] = (struct fake_buf){ SLOT + 1, 0, false };
	T_EQ(udtb_rxb_read(&fake_rx, 3, &rxb), 2);
	T_EQU(fr.iov_len_seen, (size_t)SLOT);
	memset(&w, 0, sizeof(w));
	T_EQ(udtb_rxb_each(&rxb, 0, false, walk_dgram, &w), 1u);
	T_EQU(w.len[0], 1400u);
	memset(&w, 0, sizeof(w));
	T_EQ(udtb_rxb_each(&rxb, 1, false, walk_dgram, &w), 0u);
}

static void test_loopback_gso(void)
{
	test_loopback(false);
}

static void test_loopback_gro(void)
{
	test_loopback(true);
}

/*
 * A receive buffer that overflows: the kernel's drop count comes beside the
 * datagrams queued after the drops (SO_RXQ_OVFL; none before them), and it
 * counts exactly what was sent and never read.
 */
static void test_rxq_ovfl(void)
{
	static uint8_t buf[2048];
	struct sockaddr_in to;
	int tx, rx, small = 4096;
	unsigned int sent = 0, got = 0;
	uint32_t drops = 0;
	bool seen = false;

	T_EQ(udp_pair(&tx, &rx, &to), 0);
	setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	T_EQ(udtb_sock_set_rxq_ovfl(rx), 0);
	memset(buf, 0x5a, sizeof(buf));
	for (int i = 0; i < 200; i++)
		if (send(tx, buf, 1000, 0) == 1000)
			sent++;
	for (int round = 0; round < 2; round++) {
		/* the second round: one more datagram, queued after the drops */
		if (round && send(tx, buf, 1000, 0) == 1000)
			sent++;
		for (;;) {
			union {
				char c[CMSG_SPACE(sizeof(uint32_t))];
				struct cmsghdr a;
			} ctl;
			struct iovec iov = { buf, sizeof(buf) };
			struct msghdr h = { .msg_iov = &iov,
					    .msg_iovlen = 1,
					    .msg_control = ctl.c,
					    .msg_controllen = sizeof(ctl.c) };
			uint32_t n;

			if (recvmsg(rx, &h, MSG_DONTWAIT) < 0)
				break;
			got++;
			if (udtb_rxq_ovfl(&h, &n)) {
				T_EQ(round, 1); /* nothing read before the drops carries a count */
				seen = true;
				drops = n;
			}
		}
	}
	T_ASSERT(got > 1 && got < sent);
	T_ASSERT(seen);
	T_EQ(drops, sent - got);
	close(tx);
	close(rx);
}

int main(void)
{
	T_RUN(test_gso_runs);
	T_RUN(test_gso_addresses);
	T_RUN(test_short_and_eagain);
	T_RUN(test_no_gso);
	T_RUN(test_gro_size);
	T_RUN(test_rx_split);
	T_RUN(test_rx_errors);
	T_RUN(test_rx_no_gro);
	T_RUN(test_loopback_gso);
	T_RUN(test_loopback_gro);
	T_RUN(test_loopback_fallback);
	T_RUN(test_rxq_ovfl);
	T_RUN(test_pieces);
	T_RUN(test_loopback_pieces);
	return t_done();
}
