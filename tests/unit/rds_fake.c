/* SPDX-License-Identifier: MIT */
/*
 * rds_fake.c - a small RDS of our own under the rds back-end's tests
 * (rds_fake.h says which of RDS's rules it keeps).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rds.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backends/rds_wire.h"
#include "rds_fake.h"

struct fsock fs[NSOCK];

bool f_no_rds, f_no_transport;
int f_eagain_every, f_nsend;
size_t f_rcv_limit = 64u << 20;
struct sockaddr_in f_blackhole;
struct fmsg *f_limbo;
int f_cancels, f_limbo_dropped, f_emsgsize, f_enobufs;
int f_data_on_ctrl, f_ctrl_on_data, f_ctrl_frames; /* which socket sent what */
size_t f_largest;
int f_types[16];      /* frames sent, by the type byte */
uint8_t *f_cap[NCAP]; /* sealed frames sent to f_cap_to, in order */
size_t f_cap_len[NCAP];
int f_ncap;
struct sockaddr_in f_cap_to;
bool f_hold; /* what A's lu2k port sends waits in f_held (a slow data path) */
struct fmsg *f_held;
static struct fmsg **f_held_tail = &f_held;
int f_drop_nth, f_dropped, f_acks_plain, f_acks_progress, f_asks;
static int f_from_a; /* frames A's lu2k port sent since f_drop_nth was last seen */
bool f_old_hello;

static struct fsock *fsock_of(int fd)
{
	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used && fs[i].fd == fd)
			return &fs[i];
	abort();
}

static void f_signal(struct fsock *s)
{
	uint64_t one = 1;

	if (write(s->fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

static void f_drain(struct fsock *s)
{
	uint64_t v;

	if (read(s->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		abort();
}

static bool same_in(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

static int f_socket(void)
{
	if (f_no_rds)
		return -EAFNOSUPPORT;
	for (int i = 0; i < NSOCK; i++) {
		if (!fs[i].used) {
			memset(&fs[i], 0, sizeof(fs[i]));
			fs[i].used = true;
			fs[i].fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			fs[i].sndbuf = 212992;
			return fs[i].fd;
		}
	}
	return -EMFILE;
}

static int f_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct fsock *s = fsock_of(fd);

	if (f_no_transport)
		return -EADDRNOTAVAIL;
	if (sa->sa_family != AF_INET || len != sizeof(struct sockaddr_in))
		return -EINVAL;
	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used && fs[i].bound && same_in(&fs[i].addr, (const void *)sa))
			return -EADDRINUSE;
	s->addr = *(const struct sockaddr_in *)sa;
	if (!s->addr.sin_port) /* RDS picks a port */
		s->addr.sin_port = htons((uint16_t)(40000 + (s - fs)));
	s->bound = true;
	return 0;
}

static int f_setsockopt(int fd, int level, int name, const void *v, socklen_t len)
{
	struct fsock *s = fsock_of(fd);

	if (level == SOL_SOCKET && (name == SO_SNDBUF || name == SO_SNDBUFFORCE)) {
		memcpy(&s->sndbuf, v, sizeof(int));
	} else if (level == SOL_RDS && name == RDS_CANCEL_SENT_TO) {
		struct fmsg **pp = &f_limbo;

		f_cancels++;
		while (*pp) {
			struct fmsg *m = *pp;

			if (m->from_fd == fd && same_in(&m->to, v)) {
				*pp = m->next;
				free(m);
				f_limbo_dropped++;
			} else {
				pp = &m->next;
			}
		}
	}
	return 0;
}

static int f_getsockopt(int fd, int level, int name, void *v, socklen_t *len)
{
	struct fsock *s = fsock_of(fd);
	int k = s->sndbuf * 2; /* as Linux reports it */

	if (level != SOL_SOCKET || name != SO_SNDBUF)
		return -ENOPROTOOPT;
	memcpy(v, &k, sizeof(k));
	return 0;
}

static ssize_t f_sendmsg(int fd, const struct msghdr *mh)
{
	struct fsock *s = fsock_of(fd), *d = NULL;
	const struct sockaddr_in *to = mh->msg_name;
	struct fmsg *m;
	size_t total = 0, off = 0;

	if (!s->bound)
		return -ENOTCONN;
	for (size_t i = 0; i < mh->msg_iovlen; i++)
		total += mh->msg_iov[i].iov_len;
	/* RDS's own limits (rds_sendmsg): 1 MiB, and half the send buffer. */
	if (total > RDS_MAX || total > (size_t)s->sndbuf) {
		f_emsgsize++;
		return -EMSGSIZE;
	}
	if (f_eagain_every && ++f_nsend % f_eagain_every == 0)
		return -EAGAIN;
	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used && fs[i].bound && same_in(&fs[i].addr, to))
			d = &fs[i];
	if (d && d->qbytes > f_rcv_limit) {
		d->congested = true;
		s->cong_wait |= RDS_CONG_MONITOR_MASK(ntohs(to->sin_port));
		f_enobufs++;
		return -ENOBUFS;
	}
	m = malloc(sizeof(*m) + total);
	m->next = NULL;
	m->from = s->addr;
	m->to = *to;
	m->from_fd = fd;
	m->len = total;
	for (size_t i = 0; i < mh->msg_iovlen; i++) {
		memcpy(m->data + off, mh->msg_iov[i].iov_base, mh->msg_iov[i].iov_len);
		off += mh->msg_iov[i].iov_len;
	}
	if (total > f_largest)
		f_largest = total;
	if (total >= 6 && m->data[5] < 16)
		f_types[m->data[5]]++;
	if (f_cap_to.sin_port && same_in(&f_cap_to, to) && f_ncap < NCAP && total >= 6 &&
	    m->data[5] == LU2K_RDSW_SEALED) {
		f_cap[f_ncap] = malloc(total);
		memcpy(f_cap[f_ncap], m->data, total);
		f_cap_len[f_ncap++] = total;
	}
	if (total >= 6) {
		/* the ask for piece progress (a HELLO with flags) goes with the pieces */
		bool ask = total == LU2K_RDSW_HELLO_LEN && m->data[5] == LU2K_RDSW_HELLO &&
			   (m->data[20] | m->data[21] | m->data[22] | m->data[23]);
		bool data = m->data[5] == LU2K_RDSW_DATA || ask,
		     from_main = s->addr.sin_port == htons(PORT);

		f_data_on_ctrl += data && !from_main;
		f_ctrl_on_data += !data && from_main;
		f_ctrl_frames += !data && !from_main;
	}
	if (total == LU2K_RDSW_ACK_LEN && m->data[5] == LU2K_RDSW_ACK) {
		bool progress = m->data[28] | m->data[29] | m->data[30] | m->data[31];

		f_acks_plain += !progress;
		f_acks_progress += progress;
	}
	if (total == LU2K_RDSW_HELLO_LEN && m->data[5] == LU2K_RDSW_HELLO &&
	    (m->data[20] | m->data[21] | m->data[22] | m->data[23])) {
		f_asks++;
		if (f_old_hello) {
			free(m);
			return (ssize_t)total;
		}
	}
	if (s->addr.sin_addr.s_addr == htonl(0x0a000001) && s->addr.sin_port == htons(PORT)) {
		if (!f_drop_nth)
			f_from_a = 0;
		else if (++f_from_a == f_drop_nth) {
			/* RDS took it, and it never arrives */
			f_drop_nth = 0;
			f_dropped++;
			free(m);
			return (ssize_t)total;
		}
	}
	if (f_hold && s->addr.sin_addr.s_addr == htonl(0x0a000001) &&
	    s->addr.sin_port == htons(PORT)) {
		*f_held_tail = m;
		f_held_tail = &m->next;
		return (ssize_t)total;
	}
	if (f_blackhole.sin_port && same_in(&f_blackhole, to)) {
		m->next = f_limbo; /* unreachable: RDS keeps it, trying */
		f_limbo = m;
		return (ssize_t)total;
	}
	if (!d || d->dead || s->dead) {
		free(m); /* no socket there: RDS drops it */
		return (ssize_t)total;
	}
	if (d->tail)
		d->tail->next = m;
	else
		d->head = m;
	d->tail = m;
	d->qbytes += total;
	f_signal(d);
	return (ssize_t)total;
}

static ssize_t f_recvmsg(int fd, struct msghdr *mh)
{
	struct fsock *s = fsock_of(fd);
	struct fmsg *m = s->head;
	size_t n;

	if (s->cong_notify) {
		struct cmsghdr *cm = CMSG_FIRSTHDR(mh);

		cm->cmsg_level = SOL_RDS;
		cm->cmsg_type = RDS_CMSG_CONG_UPDATE;
		cm->cmsg_len = CMSG_LEN(sizeof(uint64_t));
		memcpy(CMSG_DATA(cm), &s->cong_notify, sizeof(uint64_t));
		mh->msg_controllen = CMSG_SPACE(sizeof(uint64_t));
		mh->msg_namelen = 0;
		mh->msg_flags = 0;
		s->cong_notify = 0;
		return 0;
	}
	if (!m) {
		f_drain(s);
		return -EAGAIN;
	}
	s->head = m->next;
	if (!s->head)
		s->tail = NULL;
	s->qbytes -= m->len;
	n = m->len < mh->msg_iov[0].iov_len ? m->len : mh->msg_iov[0].iov_len;
	memcpy(mh->msg_iov[0].iov_base, m->data, n);
	memcpy(mh->msg_name, &m->from, sizeof(m->from));
	mh->msg_namelen = sizeof(m->from);
	mh->msg_controllen = 0;
	mh->msg_flags = n < m->len ? MSG_TRUNC : 0;
	if (s->congested && s->qbytes < f_rcv_limit / 2) {
		uint64_t bit = RDS_CONG_MONITOR_MASK(ntohs(s->addr.sin_port));

		s->congested = false;
		for (int i = 0; i < NSOCK; i++) {
			if (fs[i].used && (fs[i].cong_wait & bit)) {
				fs[i].cong_wait &= ~bit;
				fs[i].cong_notify |= bit;
				f_signal(&fs[i]);
			}
		}
	}
	free(m);
	return (ssize_t)n;
}

static void f_close(int fd)
{
	struct fsock *s = fsock_of(fd);

	while (s->head) {
		struct fmsg *m = s->head;

		s->head = m->next;
		free(m);
	}
	close(fd);
	s->used = false;
}

/* A message from anyone (an address and port of the test's choosing) to the socket at to. */
void f_inject(uint32_t from_ip, uint16_t from_port, uint32_t to_ip, const uint8_t *p, size_t len)
{
	struct fsock *d = NULL;
	struct fmsg *m = malloc(sizeof(*m) + len);

	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used && fs[i].bound && fs[i].addr.sin_addr.s_addr == htonl(to_ip) &&
		    fs[i].addr.sin_port == htons(PORT))
			d = &fs[i];
	if (!d)
		abort();
	memset(m, 0, sizeof(*m));
	m->from.sin_family = AF_INET;
	m->from.sin_addr.s_addr = htonl(from_ip);
	m->from.sin_port = htons(from_port);
	m->to = d->addr;
	m->from_fd = -1;
	m->len = len;
	memcpy(m->data, p, len);
	if (d->tail)
		d->tail->next = m;
	else
		d->head = m;
	d->tail = m;
	d->qbytes += len;
	f_signal(d);
}

bool f_release_one(void)
{
	struct fmsg *m = f_held;
	struct fsock *d = NULL;

	if (!m)
		return false;
	f_held = m->next;
	if (!f_held)
		f_held_tail = &f_held;
	m->next = NULL;
	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used && fs[i].bound && same_in(&fs[i].addr, &m->to))
			d = &fs[i];
	if (!d) {
		free(m);
		return true;
	}
	if (d->tail)
		d->tail->next = m;
	else
		d->head = m;
	d->tail = m;
	d->qbytes += m->len;
	f_signal(d);
	return true;
}

/* The held messages go on, in order, to where they were sent. */
void f_release(void)
{
	f_hold = false;
	while (f_release_one())
		;
}

void f_heal(void)
{
	struct fmsg *rev = NULL;

	memset(&f_blackhole, 0, sizeof(f_blackhole));
	/* f_limbo is newest first */
	while (f_limbo) {
		struct fmsg *m = f_limbo;

		f_limbo = m->next;
		m->next = rev;
		rev = m;
	}
	while (rev) {
		struct fmsg *m = rev;

		rev = m->next;
		m->next = NULL;
		*f_held_tail = m;
		f_held_tail = &m->next;
	}
	f_release();
}

void cap_free(void)
{
	for (int i = 0; i < f_ncap; i++)
		free(f_cap[i]);
	f_ncap = 0;
	memset(&f_cap_to, 0, sizeof(f_cap_to));
}

const struct lu2k_rds_sockops f_sockops = {
	.socket = f_socket,
	.bind = f_bind,
	.setsockopt = f_setsockopt,
	.getsockopt = f_getsockopt,
	.sendmsg = f_sendmsg,
	.recvmsg = f_recvmsg,
	.close = f_close,
};

int f_first_open(void)
{
	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used)
			return i;
	return -1;
}
