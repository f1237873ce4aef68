// SPDX-License-Identifier: MIT
/*
 * chan-evil - a hostile daemon for the VM tests. It checks that /dev/lu2k
 * refuses bad setups and mappings, then attaches, takes the kernel's messages
 * and answers them with bad completions, bad received messages and bad events
 * mixed with a few good ones, and finally publishes an impossible ring index.
 * The kernel must count and drop every bad descriptor, fail the messages still
 * in flight once, drop the channel (POLLHUP) and stay up.
 *
 *   chan-evil --nid NID [--dev PATH] [--msgs N]     the scripted run (N >= 4 messages,
 *                                                   sent by the test meanwhile)
 *   chan-evil --nid NID --fuzz ROUNDS [--seed S]    random descriptors and indices
 *   chan-evil --nid NID --flood M --expect-free K   M tiny RX at once; then wait until
 *                                                   K come back on the FREE ring (the
 *                                                   kernel holds at most a bounded number)
 *
 * The scripted run's expected counters are printed as "expect KEY VALUE" lines.
 * Exit 0 when the kernel reacted as expected, 1 otherwise.
 */
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "common/nid.h"
#include "tests/vm/chan.h"

static const char *dev = "/dev/lu2k";
static int failures;

#define CHECK(cond, ...)                                                                \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "chan-evil: FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                                   \
			fputc('\n', stderr);                                            \
			failures++;                                                     \
		}                                                                       \
	} while (0)

static int setup_errno(const struct lu2k_setup *in)
{
	struct lu2k_setup s = *in;
	int fd = open(dev, O_RDWR), rc;

	if (fd < 0)
		return -1000;
	rc = ioctl(fd, LU2K_IOC_SETUP, &s) < 0 ? errno : 0;
	close(fd);
	return rc;
}

static void bad_setups(const struct lu2k_nid *nid)
{
	struct lu2k_setup in;
	void *m;
	int fd = open(dev, O_RDWR);

	CHECK(fd >= 0, "open %s: %s", dev, strerror(errno));
	CHECK(ioctl(fd, LU2K_IOC_KICK) < 0 && errno == ENOTCONN, "KICK before SETUP");
	m = mmap(NULL, 1 << 20, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m == MAP_FAILED, "mmap before SETUP");
	CHECK(ioctl(fd, _IO(LU2K_IOC_MAGIC, 77)) < 0 && errno == ENOTTY, "unknown ioctl");
	close(fd);

	memset(&in, 0, sizeof(in));
	in.features = LU2K_FEAT_ALL;
	in.nid = *nid;
	CHECK(setup_errno(&in) == EPROTO, "version 0");
	in.version = LU2K_ABI_VERSION;
	in.flags = 1;
	CHECK(setup_errno(&in) == EINVAL, "flags");
	in.flags = 0;
	in.reserved[3] = 1;
	CHECK(setup_errno(&in) == EINVAL, "reserved");
	in.reserved[3] = 0;
	in.nid.type = 99;
	CHECK(setup_errno(&in) == EINVAL, "NID type");
	in.nid = *nid;
	in.nid.addr[3] ^= 0x5a;
	CHECK(setup_errno(&in) == ENODEV, "unknown NID");
}

static void bad_maps(struct chan *c, const struct lu2k_nid *nid)
{
	struct lu2k_setup in;
	void *m;

	memset(&in, 0, sizeof(in));
	in.version = LU2K_ABI_VERSION;
	in.nid = *nid;
	CHECK(ioctl(c->fd, LU2K_IOC_SETUP, &in) < 0 && errno == EBUSY, "second SETUP on one fd");
	CHECK(setup_errno(&in) == EBUSY, "SETUP of an attached interface");
	m = mmap(NULL, c->s.region_size + 4096, PROT_READ, MAP_SHARED, c->fd, 0);
	CHECK(m == MAP_FAILED, "mmap too long");
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, c->fd, 4096);
	CHECK(m == MAP_FAILED, "mmap at an offset");
}

static void push_n(struct lu2k_ring *r, const void *descs, uint32_t n, size_t size)
{
	uint32_t i;

	/* All at once, so that one service pass sees them together. */
	CHECK(lu2k_ring_prod_space(r) >= n, "ring space");
	for (i = 0; i < n; i++)
		memcpy(lu2k_ring_prod_slot(r, i), (const char *)descs + i * size, size);
	lu2k_ring_prod_submit(r, n);
}

static int scripted(struct chan *c, uint32_t msgs)
{
	struct lu2k_tx_desc tx[64];
	struct lu2k_cpl_desc cpl[8];
	struct lu2k_rx_desc rx[8];
	struct lu2k_evt_desc evt[4];
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	uint32_t n = 0, i;
	int t;

	if (msgs < 4 || msgs > 64)
		return 2;
	for (t = 0; t < 400 && n < msgs; t++) {
		while (n < msgs && lu2k_ring_pop(&c->tx, &tx[n]))
			n++;
		if (n < msgs)
			poll(&p, 1, 50);
	}
	CHECK(n == msgs, "got %u of %u TX descriptors", n, msgs);
	if (n != msgs)
		return 1;
	for (i = 0; i < n; i++)
		CHECK(!lu2k_tx_desc_check(&c->s, &tx[i]), "kernel's TX descriptor %u is bad", i);

	/* Completions: 5 bad, one good, one error. */
	memset(cpl, 0, sizeof(cpl));
	cpl[0].cookie = 0xdeadbeef; /* never issued */
	cpl[1].cookie = tx[3].cookie;
	cpl[1].reserved = 1;
	cpl[2].cookie = tx[3].cookie;
	cpl[2].status = 5; /* positive status */
	cpl[3].cookie = tx[3].cookie;
	cpl[3].status = -5000;	      /* not an errno */
	cpl[4].cookie = tx[0].cookie; /* good */
	cpl[5].cookie = tx[0].cookie; /* twice */
	cpl[6].cookie = tx[1].cookie;
	cpl[6].status = -ECONNREFUSED;
	push_n(&c->cpl, cpl, 7, sizeof(cpl[0]));

	/* Received messages: a good echo of tx[2], then 6 bad ones. */
	memset(rx, 0, sizeof(rx));
	for (i = 0; i < 7; i++) {
		rx[i].src = c->s.nid;
		rx[i].buf_off = c->s.rx_pool_off;
		rx[i].hdr_len = tx[2].hdr_len;
		rx[i].payload_len = tx[2].payload_len;
		rx[i].alloc_len = 1 << 20;
	}
	memcpy(c->mem + c->s.rx_pool_off, c->mem + tx[2].buf_off,
	       tx[2].hdr_len + tx[2].payload_len);
	rx[1].buf_off = c->s.tx_pool_off; /* not in the RX pool */
	rx[2].alloc_len = 16;		  /* shorter than the message */
	rx[3].buf_off = UINT64_MAX - 10;  /* wraps */
	rx[4].src.type = 0;		  /* not a lu2k NID */
	rx[5].hdr_len = LU2K_HDR_MAX + 1;
	/* rx[6] overlaps rx[0], which the kernel still holds */
	push_n(&c->rx, rx, 7, sizeof(rx[0]));

	memset(evt, 0, sizeof(evt));
	evt[0].type = 99;
	evt[1].type = LU2K_EVT_PEER_DOWN; /* NID type 0 */
	evt[2].type = LU2K_EVT_PEER_UP;
	evt[2].nid = c->s.nid;
	evt[2].reserved[1] = 7;
	evt[3].type = LU2K_EVT_PEER_UP; /* good */
	evt[3].nid = c->s.nid;
	push_n(&c->evt, evt, 4, sizeof(evt[0]));
	CHECK(!chan_kick(c), "KICK: %s", strerror(errno));

	/* An impossible producer index: the kernel must drop the channel. */
	usleep(300 * 1000);
	lu2k_store_release(c->cpl.prod, c->cpl.head + (c->cpl.mask + 1) + 7);
	chan_kick(c);
	p.events = POLLIN;
	for (t = 0; t < 50; t++) {
		p.revents = 0;
		poll(&p, 1, 100);
		if (p.revents & POLLHUP)
			break;
	}
	CHECK(p.revents & POLLHUP, "no POLLHUP after a broken ring");
	CHECK(ioctl(c->fd, LU2K_IOC_KICK) < 0 && errno == EPIPE, "KICK after the drop");

	printf("expect tx_ok 1\nexpect tx_err %u\nexpect bad_cpl 5\nexpect bad_rx 6\n", msgs - 1);
	/* tx[1] failed with the daemon's -ECONNREFUSED; the rest as the channel went. */
	printf("expect tx_reset %u\n", msgs - 2);
	printf("expect bad_evt 3\nexpect bad_ring 1\nexpect rx_ok 1\n");
	return failures ? 1 : 0;
}

static uint64_t rnd_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void fill(void *p, size_t len)
{
	unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (unsigned char)rnd();
}

/* Random descriptors, some nearly right; random indices at the end. */
static int fuzz(struct chan *c, uint32_t rounds)
{
	struct lu2k_tx_desc tx;
	uint32_t r, i, n;

	for (r = 0; r < rounds; r++) {
		while (lu2k_ring_pop(&c->tx, &tx))
			;
		n = rnd() % 8;
		for (i = 0; i < n && lu2k_ring_prod_space(&c->cpl); i++) {
			struct lu2k_cpl_desc d;

			fill(&d, sizeof(d));
			if (rnd() & 1) {
				d.reserved = 0;
				d.cookie = rnd() % 64;
				d.status = -(int32_t)(rnd() % 200);
			}
			lu2k_ring_push(&c->cpl, &d);
		}
		n = rnd() % 8;
		for (i = 0; i < n && lu2k_ring_prod_space(&c->rx); i++) {
			struct lu2k_rx_desc d;

			fill(&d, sizeof(d));
			if (rnd() & 1) {
				memset(d.reserved, 0, sizeof(d.reserved));
				d.reserved0 = 0;
				d.src = c->s.nid;
				d.buf_off = c->s.rx_pool_off + rnd() % c->s.rx_pool_size;
				d.hdr_len = rnd() % 300;
				d.payload_len = rnd() % 100000;
				d.alloc_len = rnd() % 200000;
			}
			lu2k_ring_push(&c->rx, &d);
		}
		n = rnd() % 4;
		for (i = 0; i < n && lu2k_ring_prod_space(&c->evt); i++) {
			struct lu2k_evt_desc d;

			fill(&d, sizeof(d));
			if (rnd() & 1) {
				memset(d.reserved, 0, sizeof(d.reserved));
				d.type = 1 + rnd() % 4;
				d.nid = c->s.nid;
				d.status = -(int32_t)(rnd() % 5000);
			}
			lu2k_ring_push(&c->evt, &d);
		}
		if (chan_kick(c))
			break;
		if (rnd() % 16 == 0)
			usleep(1000);
	}
	/* Last: garbage in every index word the daemon can write. */
	lu2k_store_release(c->rx.prod, (uint32_t)rnd());
	lu2k_store_release(c->tx.cons, (uint32_t)rnd());
	chan_kick(c);
	usleep(100 * 1000);
	return 0;
}

/* Many tiny received messages at distinct offsets, as fast as the ring takes them. */
static int flood(struct chan *c, uint32_t m, uint32_t expect_free)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	uint32_t posted = 0, freed = 0;
	struct lu2k_free_desc f;
	int t;

	if (m > c->s.rx_pool_size)
		return 2;
	for (t = 0; t < 3000 && posted < m; t++) {
		while (posted < m && lu2k_ring_prod_space(&c->rx)) {
			struct lu2k_rx_desc d = { 0 };

			d.src = c->s.nid;
			d.buf_off = c->s.rx_pool_off + posted;
			d.alloc_len = 1;
			lu2k_ring_push(&c->rx, &d);
			posted++;
		}
		CHECK(!chan_kick(c), "KICK: %s", strerror(errno));
		if (posted < m)
			poll(&p, 1, 10);
	}
	CHECK(posted == m, "posted %u of %u", posted, m);
	printf("chan-evil: flood posted %u\n", posted);
	fflush(stdout);
	for (t = 0; t < 600 && freed < expect_free; t++) {
		while (lu2k_ring_pop(&c->free, &f)) {
			CHECK(!lu2k_free_desc_check(&c->s, &f) && f.alloc_len == 1 &&
				      f.buf_off - c->s.rx_pool_off < m,
			      "bad FREE descriptor");
			freed++;
		}
		if (freed < expect_free)
			poll(&p, 1, 50);
	}
	CHECK(freed == expect_free, "%u FREE descriptors, expected %u", freed, expect_free);
	printf("chan-evil: freed %u\n", freed);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	uint32_t msgs = 4, rounds = 0, flood_n = 0, expect_free = 0;
	struct lu2k_nid nid;
	bool have_nid = false;
	struct chan c;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dev") && i + 1 < argc)
			dev = argv[++i];
		else if (!strcmp(argv[i], "--nid") && i + 1 < argc)
			have_nid = !lu2k_nid_parse(argv[++i], &nid);
		else if (!strcmp(argv[i], "--msgs") && i + 1 < argc)
			msgs = (uint32_t)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--fuzz") && i + 1 < argc)
			rounds = (uint32_t)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--flood") && i + 1 < argc)
			flood_n = (uint32_t)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--expect-free") && i + 1 < argc)
			expect_free = (uint32_t)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			rnd_state = strtoull(argv[++i], NULL, 0) | 1;
		else
			have_nid = false, i = argc;
	}
	if (!have_nid) {
		fprintf(stderr, "usage: chan-evil --nid NID [--dev PATH] [--msgs N | --fuzz ROUNDS "
				"[--seed S] | --flood M --expect-free K]\n");
		return 2;
	}
	if (!rounds && !flood_n)
		bad_setups(&nid);
	rc = chan_attach(&c, dev, &nid, LU2K_FEAT_ALL);
	if (rc) {
		fprintf(stderr, "chan-evil: attach: %s\n", strerror(-rc));
		return 1;
	}
	printf("chan-evil: attached\n");
	fflush(stdout);
	if (rounds)
		return fuzz(&c, rounds);
	if (flood_n)
		return flood(&c, flood_n, expect_free);
	bad_maps(&c, &nid);
	rc = scripted(&c, msgs);
	fflush(stdout);
	return rc ? rc : failures ? 1 : 0;
}
