/* SPDX-License-Identifier: MIT */
/*
 * lu2kd_evil.c - a hostile kernel half for lu2kd's channel checks. It is not
 * a client library: it builds a region by hand, attaches over the channel
 * socket, and posts descriptors that break every rule of include/lu2k/desc.h
 * plus the daemon's own tables, then checks what comes back:
 *   - each bad TX gets exactly one error completion (-EINVAL / -EMSGSIZE);
 *   - a TX whose cookie is already in flight is dropped (no second CPL);
 *   - FREE descriptors for ranges never handed out are ignored;
 *   - an impossible ring index makes the daemon drop the channel (EOF on the
 *     socket), and nothing else.
 * With --unsealed it attaches with a memfd that is not sealed against
 * shrinking: the daemon must refuse it (-EPERM). A daemon that maps it anyway
 * gets its region truncated under it and a kick, i.e. SIGBUS (issue 14).
 * Usage: lu2kd_evil [--unsealed] SOCKET   (exit 0 when every check held)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/nid.h"
#include "lu2k/desc.h"

static int fails;

#define CHECK(c, ...)                                               \
	do {                                                        \
		if (!(c)) {                                         \
			fails++;                                    \
			printf("FAIL %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__);                        \
			printf("\n");                               \
		}                                                   \
	} while (0)

static struct lu2k_setup s;
static uint8_t *region;
static struct lu2k_ring tx, cpl, rx, fr, evt;
static int sock, memfd = -1;

/* Attach; returns the daemon's status (0 = accepted), or 1 if no answer. */
static int attach(const char *path, bool sealed)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct lu2k_layout_params lp = { 64, 1 << 20, 1 << 20 };
	struct lu2k_region_hdr *h;
	struct lu2k_attach_reply r;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cb;
	struct iovec iov = { &s, sizeof(s) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cb.buf,
			     .msg_controllen = sizeof(cb.buf) };
	struct cmsghdr *cm;
	int fd, flags = sealed ? MFD_ALLOW_SEALING : 0;

	memset(&s, 0, sizeof(s));
	s.version = LU2K_ABI_VERSION;
	s.features = LU2K_FEAT_ALL;
	lu2k_nid_parse("127.0.0.1@lu2k", &s.nid);
	s.max_msg_size = 4096 + LU2K_HDR_MAX;
	s.peer_credits = 8;
	s.credits = 8;
	s.timeout_ms = 5000;
	if (lu2k_layout_compute(&s, &lp))
		return -1;
	fd = memfd_create("lu2k-evil", MFD_CLOEXEC | flags);
	if (fd < 0 || ftruncate(fd, (off_t)s.region_size))
		return 1;
	if (sealed && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		return 1;
	region = mmap(NULL, s.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (region == MAP_FAILED)
		return 1;
	h = (struct lu2k_region_hdr *)region;
	h->magic = LU2K_REGION_MAGIC;
	h->version = LU2K_ABI_VERSION;
	h->size = s.region_size;
	lu2k_ring_bind(&tx, region, s.region_size, &s.tx, sizeof(struct lu2k_tx_desc));
	lu2k_ring_bind(&cpl, region, s.region_size, &s.cpl, sizeof(struct lu2k_cpl_desc));
	lu2k_ring_bind(&rx, region, s.region_size, &s.rx, sizeof(struct lu2k_rx_desc));
	lu2k_ring_bind(&fr, region, s.region_size, &s.free, sizeof(struct lu2k_free_desc));
	lu2k_ring_bind(&evt, region, s.region_size, &s.evt, sizeof(struct lu2k_evt_desc));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)))
		return 1;
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &mh, 0) != sizeof(s) || recv(sock, &r, sizeof(r), 0) != sizeof(r))
		return 1;
	memfd = fd; /* kept: --unsealed shrinks it */
	return r.magic == LU2K_REGION_MAGIC ? r.status : 1;
}

static void kick(void)
{
	char c = 'k';

	if (send(sock, &c, 1, MSG_NOSIGNAL) != 1)
		perror("kick");
}

static struct lu2k_tx_desc good_tx(uint64_t cookie)
{
	struct lu2k_tx_desc d;

	memset(&d, 0, sizeof(d));
	d.cookie = cookie;
	lu2k_nid_parse("127.0.0.3@lu2k", &d.target); /* nobody listens there */
	d.nexthop = d.target;
	d.buf_off = s.tx_pool_off;
	d.hdr_len = 72;
	d.payload_len = 100;
	return d;
}

/* Wait for n completions; record their statuses by cookie (1..31). */
static int statuses[32], counts[32];

static void collect(int n, int ms)
{
	struct lu2k_cpl_desc c;
	int got = 0;

	for (int t = 0; t < ms / 10 && got < n; t++) {
		while (lu2k_ring_pop(&cpl, &c)) {
			if (c.cookie < 32) {
				statuses[c.cookie] = c.status;
				counts[c.cookie]++;
			}
			got++;
		}
		poll(NULL, 0, 10);
	}
}

/*
 * An unsealed memfd must be refused. If the daemon takes it, do what an
 * attacker would: shrink the region to nothing and kick, so that the daemon
 * touches the rings of a file that no longer has pages.
 */
static int unsealed(const char *path)
{
	int st = attach(path, false);

	if (st == -EPERM) {
		printf("PASS: unsealed memfd refused (%s)\n", strerror(-st));
		return 0;
	}
	if (st) {
		printf("FAIL: unsealed memfd: status %d, want %d (EPERM)\n", st, -EPERM);
		return 1;
	}
	if (ftruncate(memfd, 0))
		perror("ftruncate");
	kick();
	poll(NULL, 0, 500);
	printf("FAIL: the daemon accepted an unsealed memfd (shrunk it and kicked)\n");
	return 1;
}

int main(int argc, char **argv)
{
	struct lu2k_tx_desc d;
	struct lu2k_free_desc f;
	char b;

	if (argc == 3 && !strcmp(argv[1], "--unsealed"))
		return unsealed(argv[2]);
	if (argc != 2 || attach(argv[1], true)) {
		printf("cannot attach to %s\n", argc > 1 ? argv[1] : "?");
		return 2;
	}
	/* 1: valid (fails later: connection refused); 2: same cookie while 1 is in flight. */
	d = good_tx(1);
	lu2k_ring_push(&tx, &d);
	d = good_tx(1);
	lu2k_ring_push(&tx, &d);
	d = good_tx(3);
	d.buf_off = s.rx_pool_off; /* outside the TX pool */
	lu2k_ring_push(&tx, &d);
	d = good_tx(4);
	d.hdr_len = LU2K_HDR_MAX + 1;
	lu2k_ring_push(&tx, &d);
	d = good_tx(5);
	d.payload_len = 1 << 20; /* > max_msg_size */
	lu2k_ring_push(&tx, &d);
	d = good_tx(6);
	d.reserved[1] = 7;
	lu2k_ring_push(&tx, &d);
	d = good_tx(7);
	d.flags = 0x80;
	lu2k_ring_push(&tx, &d);
	d = good_tx(8);
	d.nexthop.addr[3] = 9; /* next hop differs, not ROUTED */
	lu2k_ring_push(&tx, &d);
	d = good_tx(9);
	d.target.type = 3; /* not a lu2k NID */
	lu2k_ring_push(&tx, &d);
	d = good_tx(10);
	d.buf_off = s.tx_pool_off + s.tx_pool_size - 10; /* runs off the end */
	lu2k_ring_push(&tx, &d);
	d = good_tx(11);
	d.buf_off = ~0ULL - 50; /* wraps */
	lu2k_ring_push(&tx, &d);
	/* FREE for ranges the daemon never handed out. */
	memset(&f, 0, sizeof(f));
	f.buf_off = s.rx_pool_off;
	f.alloc_len = 64;
	lu2k_ring_push(&fr, &f);
	f.buf_off = s.tx_pool_off;
	lu2k_ring_push(&fr, &f);
	f.buf_off = s.rx_pool_off;
	f.reserved = 1;
	lu2k_ring_push(&fr, &f);
	kick();
	collect(10, 5000);
	CHECK(counts[1] == 1 && statuses[1] < 0, "cookie 1: %d completions, status %d (want 1, <0)",
	      counts[1], statuses[1]);
	CHECK(statuses[3] == -EINVAL, "outside the pool: %d", statuses[3]);
	CHECK(statuses[4] == -EINVAL, "header too long: %d", statuses[4]);
	CHECK(statuses[5] == -EMSGSIZE, "too large: %d", statuses[5]);
	CHECK(statuses[6] == -EINVAL, "reserved: %d", statuses[6]);
	CHECK(statuses[7] == -EINVAL, "flags: %d", statuses[7]);
	CHECK(statuses[8] == -EINVAL, "next hop without ROUTED: %d", statuses[8]);
	CHECK(statuses[9] == -EINVAL, "bad NID type: %d", statuses[9]);
	CHECK(statuses[10] == -EINVAL, "past the pool end: %d", statuses[10]);
	CHECK(statuses[11] == -EINVAL, "wrapping offset: %d", statuses[11]);
	for (int i = 3; i <= 11; i++)
		CHECK(counts[i] == 1, "cookie %d: %d completions", i, counts[i]);
	/* Let a late duplicate completion show up, if there were one. */
	collect(1, 300);
	CHECK(counts[1] == 1, "cookie 1 completed %d times", counts[1]);
	/* An impossible index: the daemon must drop this channel (and only it). */
	__atomic_store_n(tx.prod, tx.head + 1000, __ATOMIC_RELEASE);
	kick();
	{
		struct pollfd pf = { sock, POLLIN, 0 };
		ssize_t n = 1;

		while (poll(&pf, 1, 3000) > 0 && (n = recv(sock, &b, 1, 0)) > 0)
			;
		CHECK(n == 0, "the daemon kept a channel with a broken ring");
	}
	printf("%s: %d failed checks\n", fails ? "FAIL" : "PASS", fails);
	return fails ? 1 : 0;
}
