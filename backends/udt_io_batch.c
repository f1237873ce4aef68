/* SPDX-License-Identifier: MIT */
/* udt_io_batch.c - sendmmsg with UDP GSO, and GRO's buffers (udt_io_batch.h). */
#include "udt_io_batch.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

static int real_sendmmsg(int fd, struct mmsghdr *mm, unsigned int n, int flags)
{
	return sendmmsg(fd, mm, n, flags);
}

static int real_recvmmsg(int fd, struct mmsghdr *mm, unsigned int n, int flags, struct timespec *t)
{
	return recvmmsg(fd, mm, n, flags, t);
}

const struct udtb_sys udtb_sys_real = { .sendmmsg = real_sendmmsg, .recvmmsg = real_recvmmsg };

union gso_ctl {
	char buf[CMSG_SPACE(sizeof(uint16_t))];
	struct cmsghdr align;
};

static bool same_addr(const struct udtb_txb *b, unsigned int i, unsigned int j)
{
	return !b->addr ||
	       (b->alen[i] == b->alen[j] && !memcmp(&b->addr[i], &b->addr[j], b->alen[i]));
}

/* How many datagrams from i on make one GSO message: one size, the last may be shorter. */
static unsigned int run_len(const struct udtb_txb *b, unsigned int i)
{
	uint32_t seg = b->len[i];
	size_t total = seg;
	unsigned int k = 1;

	if (!seg)
		return 1;
	while (i + k < b->n && k < UDTB_GSO_MAX_SEGS &&
	       total + b->len[i + k] <= UDTB_GSO_MAX_BYTES && b->len[i + k] &&
	       b->len[i + k] <= seg && same_addr(b, i, i + k)) {
		total += b->len[i + k];
		if (b->len[i + k++] < seg)
			break;
	}
	return k;
}

static bool gso_refusal(int err)
{
	return err == EIO || err == EINVAL || err == ENOPROTOOPT || err == EOPNOTSUPP;
}

int udtb_txb_send(const struct udtb_sys *sys, int fd, struct udtb_txb *b, bool *gso,
		  struct udtb_txres *res)
{
	while (b->off < b->n) {
		struct mmsghdr mm[UDTB_BATCH];
		struct iovec iov[UDTB_BATCH * (1 + UDTB_PIECES)];
		union gso_ctl ctl[UDTB_BATCH];
		unsigned int cnt[UDTB_BATCH];
		unsigned int nm = 0, i = b->off, nv = 0;
		int r;

		while (i < b->n) {
			unsigned int k = *gso ? run_len(b, i) : 1;
			struct msghdr *h = &mm[nm].msg_hdr;

			memset(h, 0, sizeof(*h));
			h->msg_iov = &iov[nv];
			for (unsigned int j = i; j < i + k; j++) {
				iov[nv].iov_base = b->buf + (size_t)j * b->slot;
				iov[nv++].iov_len = b->npieces[j] ? b->hlen[j] : b->len[j];
				for (unsigned int p = 0; p < b->npieces[j]; p++)
					iov[nv++] = b->piece[j][p];
			}
			h->msg_iovlen = (size_t)(&iov[nv] - h->msg_iov);
			if (b->addr) {
				h->msg_name = &b->addr[i];
				h->msg_namelen = b->alen[i];
			}
			if (k > 1) {
				struct cmsghdr *cm;
				uint16_t seg = (uint16_t)b->len[i];

				memset(&ctl[nm], 0, sizeof(ctl[nm]));
				h->msg_control = ctl[nm].buf;
				h->msg_controllen = sizeof(ctl[nm].buf);
				cm = CMSG_FIRSTHDR(h);
				cm->cmsg_level = SOL_UDP;
				cm->cmsg_type = UDP_SEGMENT;
				cm->cmsg_len = CMSG_LEN(sizeof(seg));
				memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
			}
			cnt[nm++] = k;
			i += k;
		}
		r = sys->sendmmsg(fd, mm, nm, 0);
		res->calls++;
		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS)
				return -EAGAIN;
			if (cnt[0] > 1 && gso_refusal(e)) {
				/* this kernel or route cannot segment: one by one from now on */
				*gso = false;
				res->gso_refused = true;
				continue;
			}
			/* the first message cannot go (no route, ICMP refused...): lose it */
			res->dropped += cnt[0];
			res->err = -e;
			b->off += cnt[0];
			continue;
		}
		for (int m = 0; m < r; m++) {
			b->off += cnt[m];
			res->dgrams += cnt[m];
			if (cnt[m] > 1)
				res->gso_msgs++;
		}
	}
	return 0;
}

int udtb_rxb_read(const struct udtb_sys *sys, int fd, struct udtb_rxb *b)
{
	for (;;) {
		int r;

		for (unsigned int i = 0; i < b->n; i++) {
			struct msghdr *h = &b->mm[i].msg_hdr;

			b->iov[i].iov_base = b->buf + (size_t)i * b->slot;
			b->iov[i].iov_len = b->want;
			memset(h, 0, sizeof(*h));
			h->msg_iov = &b->iov[i];
			h->msg_iovlen = 1;
			h->msg_name = &b->ss[i];
			h->msg_namelen = sizeof(b->ss[i]);
			h->msg_control = b->ctl[i].buf;
			h->msg_controllen = sizeof(b->ctl[i].buf);
		}
		r = sys->recvmmsg(fd, b->mm, b->n, MSG_DONTWAIT, NULL);
		if (r >= 0)
			return r;
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

unsigned int udtb_rxb_each(struct udtb_rxb *b, unsigned int i, bool gro, udtb_dgram_fn fn,
			   void *ctx)
{
	const struct msghdr *h = &b->mm[i].msg_hdr;
	uint8_t *p = b->buf + (size_t)i * b->slot;
	size_t len = b->mm[i].msg_len, seg;
	unsigned int n = 0;

	if ((h->msg_flags & MSG_TRUNC) || len > b->want)
		return 0;
	seg = gro ? udtb_gro_size(h, len) : len;
	for (size_t off = 0; off < len; off += seg) {
		n++;
		if (!fn(ctx, p + off, len - off < seg ? len - off : seg))
			break;
	}
	return n;
}

bool udtb_probe_gso(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0), v = 0;
	socklen_t l = sizeof(v);
	bool ok;

	if (fd < 0)
		return false;
	ok = getsockopt(fd, SOL_UDP, UDP_SEGMENT, &v, &l) == 0;
	close(fd);
	return ok;
}

int udtb_sock_set_gro(int fd)
{
	int one = 1;

	return setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) ? -errno : 0;
}

bool udtb_probe_gro(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = udtb_sock_set_gro(fd) == 0;
	close(fd);
	return ok;
}

size_t udtb_gro_size(const struct msghdr *h, size_t len)
{
	const struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(h); cm;
	     cm = CMSG_NXTHDR((struct msghdr *)h, (struct cmsghdr *)cm)) {
		if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int seg;

			memcpy(&seg, CMSG_DATA(cm), sizeof(seg));
			return seg > 0 && (size_t)seg < len ? (size_t)seg : len;
		}
	}
	return len;
}

int udtb_sock_set_rxq_ovfl(int fd)
{
	int one = 1;

	return setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) ? -errno : 0;
}

int udtb_sock_rmem(int fd, uint64_t *used, uint64_t *cap)
{
	/* SK_MEMINFO_RMEM_ALLOC and SK_MEMINFO_RCVBUF, the first two (linux/sock_diag.h) */
	uint32_t mi[9] = { 0 };
	socklen_t l = sizeof(mi);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &l))
		return -errno;
	if (l < 2 * sizeof(mi[0]))
		return -EINVAL;
	*used = mi[0];
	*cap = mi[1];
	return 0;
}

bool udtb_rxq_ovfl(const struct msghdr *h, uint32_t *count)
{
	const struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(h); cm;
	     cm = CMSG_NXTHDR((struct msghdr *)h, (struct cmsghdr *)cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
			memcpy(count, CMSG_DATA(cm), sizeof(*count));
			return true;
		}
	}
	return false;
}
