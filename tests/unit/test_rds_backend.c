/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the rds back-end through the back-end API (backends/rds*.c)
 * on a host without RDS: a small RDS of our own sits under it (the
 * lu2k_rds_sockops table), with RDS's rules that matter here: a message is
 * delivered whole and once, to the socket bound to its address and port
 * (none: it vanishes, as RDS drops it), at most 1 MiB and at most half the
 * send buffer (-EMSGSIZE), -ENOBUFS while the receiver's queue is over its
 * limit with a congestion update (RDS_CMSG_CONG_UPDATE) once it drains,
 * -EAGAIN when asked, an unreachable peer whose messages wait until
 * RDS_CANCEL_SENT_TO drops them. Two instances (A sends, B receives) with a
 * fake core each check:
 *  - no RDS: create() fails with a message that names 'modprobe rds_tcp';
 *    no transport: listen() fails;
 *  - 0 B .. 4 MiB messages split into pieces and reassembled bit-exact, in
 *    order, each completed once, only after B's rx_end() returned 0;
 *  - B's RX pool full (rx_begin -EAGAIN): B stops reading, A gets ENOBUFS,
 *    nothing is lost once B resumes; injected EAGAIN on sends too;
 *  - B killed (silent): A fails every held message once (-ETIMEDOUT) and
 *    drops what RDS still holds for B; B restarted: A's old conn is reset;
 *  - cancel before / in the middle of a message; a refused hello; a hello
 *    nobody answers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rds.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backends/backend.h"
#include "backends/rds.h"
#include "common/nid.h"
#include "common/loop.h"
#include "loop_spin.h"
#include "../t.h"

#define MAXMSG	((4u << 20) + 256)
#define NMSG	64
#define PORT	7988
#define NSOCK	8
#define RDS_MAX (1u << 20)

/* ---- a small RDS ---- */

struct fmsg {
	struct fmsg *next;
	struct sockaddr_in from, to;
	int from_fd;
	size_t len;
	uint8_t data[];
};

static struct fsock {
	bool used, bound, dead;
	int fd;
	struct sockaddr_in addr;
	int sndbuf;
	struct fmsg *head, *tail;
	size_t qbytes;
	bool congested;
	uint64_t cong_wait, cong_notify;
} fs[NSOCK];

static bool f_no_rds, f_no_transport;
static int f_eagain_every, f_nsend;
static size_t f_rcv_limit = 64u << 20;
static struct sockaddr_in f_blackhole;
static struct fmsg *f_limbo;
static int f_cancels, f_limbo_dropped, f_emsgsize, f_enobufs;
static int f_data_on_ctrl, f_ctrl_on_data, f_ctrl_frames; /* which socket sent what */
static size_t f_largest;

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
	if (total >= 6) {
		bool data = m->data[5] == LU2K_RDSW_DATA,
		     from_main = s->addr.sin_port == htons(PORT);

		f_data_on_ctrl += data && !from_main;
		f_ctrl_on_data += !data && from_main;
		f_ctrl_frames += !data && !from_main;
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

static const struct lu2k_rds_sockops fake = {
	.socket = f_socket,
	.bind = f_bind,
	.setsockopt = f_setsockopt,
	.getsockopt = f_getsockopt,
	.sendmsg = f_sendmsg,
	.recvmsg = f_recvmsg,
	.close = f_close,
};

/* ---- two fake cores ---- */

static struct lu2k_loop L;
static const struct lu2k_backend_ops *ops;

struct side {
	struct lu2k_be *be;
	struct lu2k_be_listener *l;
	struct lu2k_nid nid;
	int accepted, connected, closed, closed_err, refused;
	int rx_ok, rx_bad, rx_failed, rx_begun, eagain_left, order_bad;
	uint64_t last_id;
	int sent_ok, sent_err, last_err;
	int sent_count[NMSG];
	struct lu2k_be_conn *in;
};

static struct side A, B;

static void *up_accepted(void *core, struct lu2k_be_conn *c, const struct lu2k_nid *src,
			 const struct lu2k_nid *dst, int *status)
{
	struct side *s = core;

	if (!lu2k_nid_eq(dst, &s->nid)) {
		s->refused++;
		*status = -ENXIO;
		return NULL;
	}
	s->accepted++;
	s->in = c;
	return s;
}

static void up_connected(void *ctx)
{
	((struct side *)ctx)->connected++;
}

static void up_closed(void *ctx, int err)
{
	struct side *s = ctx;

	s->closed++;
	s->closed_err = err;
	if (s->in)
		s->in = NULL;
}

static void up_sent(void *ctx, struct lu2k_be_msg *m, int status)
{
	struct side *s = ctx;
	uint64_t id;

	memcpy(&id, m->buf, sizeof(id));
	s->sent_count[id % NMSG]++;
	if (status == 0) {
		s->sent_ok++;
	} else {
		s->sent_err++;
		s->last_err = status;
	}
}

static void up_writable(void *ctx)
{
}

static uint8_t pat(uint64_t id, uint64_t i)
{
	return (uint8_t)(id * 131 + i * 7 + (i >> 13));
}

static int up_rx_begin(void *ctx, const struct lu2k_nid *target, struct lu2k_be_rxbuf *b)
{
	struct side *s = ctx;
	uint32_t len = b->hdr_len + b->payload_len;

	if (s->eagain_left > 0) {
		s->eagain_left--;
		return -EAGAIN;
	}
	b->data = malloc(len ? len : 1);
	s->rx_begun++;
	return 0;
}

static int up_rx_end(void *ctx, struct lu2k_be_rxbuf *b, int status)
{
	struct side *s = ctx;
	const uint8_t *p = b->data;
	uint64_t id;
	bool good = b->hdr_len == 8;

	if (status) {
		s->rx_failed++;
		free(b->data);
		return status;
	}
	memcpy(&id, p, sizeof(id));
	for (uint64_t i = 0; good && i < b->payload_len; i++)
		good = p[8 + i] == pat(id, i);
	if (good)
		s->rx_ok++;
	else
		s->rx_bad++;
	if (s->rx_ok > 1 && id <= s->last_id)
		s->order_bad++;
	s->last_id = id;
	free(b->data);
	return 0;
}

#define SPIN_UNTIL(cond, ms) T_SPIN_UNTIL(&L, cond, ms)
#define spin(ms)	     t_spin(&L, ms)

static int make_side(struct side *s, const char *nid, const char *const *kv, int nkv)
{
	struct lu2k_be_env env = {
		.loop = &L,
		.core = s,
		.max_msg_size = MAXMSG,
		.accepted = up_accepted,
		.connected = up_connected,
		.closed = up_closed,
		.sent = up_sent,
		.writable = up_writable,
		.rx_begin = up_rx_begin,
		.rx_end = up_rx_end,
	};
	struct lu2k_be_option o[8];
	char err[256];

	memset(s, 0, sizeof(*s));
	lu2k_nid_parse(nid, &s->nid);
	for (int i = 0; i < nkv; i++)
		o[i] = (struct lu2k_be_option){ kv[2 * i], kv[2 * i + 1], "test" };
	if (ops->create(&env, o, (unsigned int)nkv, err, sizeof(err), &s->be))
		return -1;
	return ops->listen(s->be, &s->nid, PORT, &s->l);
}

static const char *const fast[] = { "ack_timeout_ms", "400",   "hello_timeout_ms", "400",
				    "frag_size",      "65536", "cong_retry_ms",	   "5000" };

static void drop_side(struct side *s)
{
	if (s->l)
		ops->unlisten(s->l);
	if (s->be)
		ops->destroy(s->be);
	s->l = NULL;
	s->be = NULL;
	lu2k_loop_once(&L, 0); /* deferred frees */
}

static struct lu2k_be_msg msgs[NMSG];

static void msg_init(struct lu2k_be_msg *m, uint64_t id, uint32_t payload)
{
	uint8_t *b = malloc(8 + payload);

	memset(m, 0, sizeof(*m));
	memcpy(b, &id, 8);
	for (uint32_t i = 0; i < payload; i++)
		b[8 + i] = pat(id, i);
	m->buf = b;
	m->hdr_len = 8;
	m->payload_len = payload;
	lu2k_nid_parse("10.0.0.2@lu2k", &m->target);
}

static void msgs_free(int n)
{
	for (int i = 0; i < n; i++)
		free((void *)msgs[i].buf);
}

static int sent_once(struct side *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s->sent_count[i] != 1)
			return 0;
	return 1;
}

static struct lu2k_be_conn *connect_ab(void)
{
	struct lu2k_be_conn *c = NULL;

	A.connected = A.closed = 0;
	if (ops->connect(A.be, &A.nid, &B.nid, PORT, &A, &c))
		return NULL;
	SPIN_UNTIL(A.connected || A.closed, 2000);
	return A.connected ? c : NULL;
}

/* ---- the tests ---- */

static void test_no_rds(void)
{
	struct lu2k_be_env env = { .loop = &L, .max_msg_size = MAXMSG };
	struct lu2k_be_option bad = { "frag_size", "12", "x:1" };
	struct lu2k_be_option good = { "ack_timeout_ms", "5000", "x:2" };
	struct lu2k_be *be = NULL;
	char err[256] = "";

	f_no_rds = true;
	T_EQ(ops->create(&env, NULL, 0, err, sizeof(err), &be), -EAFNOSUPPORT);
	T_ASSERT(strstr(err, "modprobe rds_tcp") != NULL);
	f_no_rds = false;
	/* --check-config works without RDS: options only. */
	T_EQ(ops->check_option(&env, &bad, err, sizeof(err)), -EINVAL);
	T_ASSERT(strstr(err, "x:1") != NULL);
	T_EQ(ops->check_option(&env, &good, err, sizeof(err)), 0);
	/* RDS without a transport for the address: listen() says so. */
	f_no_transport = true;
	T_EQ(make_side(&A, "10.0.0.1@lu2k", NULL, 0), -EADDRNOTAVAIL);
	f_no_transport = false;
	drop_side(&A);
}

static void test_transfer(void)
{
	static const uint32_t sizes[] = { 0,	 1,	 65535 - 8, 65536 - 8,	    65537 - 8,
					  65536, 200000, 1u << 20,  (4u << 20) - 8, 4u << 20,
					  3,	 777777 };
	const int n = (int)(sizeof(sizes) / sizeof(sizes[0]));
	struct lu2k_be_conn *c;

	T_EQ(make_side(&A, "10.0.0.1@lu2k", fast, 4), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", fast, 4), 0);
	c = connect_ab();
	T_ASSERT(c);
	T_EQ(B.accepted, 1);
	f_largest = 0;
	for (int i = 0; i < n; i++) {
		msg_init(&msgs[i], (uint64_t)i, sizes[i]);
		T_EQ(ops->send(c, &msgs[i]), 0);
	}
	SPIN_UNTIL(A.sent_ok == n, 20000);
	T_EQ(A.sent_ok, n);
	T_EQ(A.sent_err, 0);
	T_ASSERT(sent_once(&A, n));
	T_EQ(B.rx_ok, n);
	T_EQ(B.rx_bad, 0);
	T_EQ(B.order_bad, 0);
	/* Pieces from the lu2k port's socket; hello, acks... from the control socket's. */
	T_EQ(f_data_on_ctrl, 0);
	T_EQ(f_ctrl_on_data, 0);
	T_ASSERT(f_ctrl_frames >= 2); /* the hello and at least one ack */
	/* Split: no RDS message above the piece size (plus its header). */
	T_ASSERT(f_largest <= 65536 + LU2K_RDSW_DATA_LEN);
	T_EQ(f_emsgsize, 0);
	/* Nothing twice, and the conns stay up. */
	spin(50);
	T_EQ(B.rx_ok, n);
	T_EQ(A.closed + B.closed, 0);
	msgs_free(n);
	drop_side(&A);
	drop_side(&B);
}

static void test_piece_size_follows_sndbuf(void)
{
	static const char *const small[] = { "sndbuf", "100000", "frag_size", "1048000" };
	struct lu2k_be_conn *c;

	/* Half the send buffer is RDS's limit: pieces shrink to fit it. */
	T_EQ(make_side(&A, "10.0.0.1@lu2k", small, 2), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", NULL, 0), 0);
	c = connect_ab();
	T_ASSERT(c);
	f_largest = 0;
	msg_init(&msgs[0], 0, 3u << 20);
	T_EQ(ops->send(c, &msgs[0]), 0);
	SPIN_UNTIL(A.sent_ok == 1, 10000);
	T_EQ(A.sent_ok, 1);
	T_EQ(B.rx_ok, 1);
	T_EQ(f_emsgsize, 0);
	T_ASSERT(f_largest <= 100000);
	msgs_free(1);
	drop_side(&A);
	drop_side(&B);
}

static void test_backpressure(void)
{
	const int n = 24;
	struct lu2k_be_conn *c;

	T_EQ(make_side(&A, "10.0.0.1@lu2k", fast, 4), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", fast, 4), 0);
	c = connect_ab();
	T_ASSERT(c);
	f_rcv_limit = 1u << 20; /* B's queue congests at 1 MiB */
	f_eagain_every = 7;	/* and every 7th send finds A's buffer full */
	f_enobufs = 0;
	B.eagain_left = 1000000; /* B's RX pool is full */
	for (int i = 0; i < n; i++) {
		msg_init(&msgs[i], (uint64_t)i, 300000);
		T_EQ(ops->send(c, &msgs[i]), 0);
	}
	spin(300);
	T_EQ(B.rx_ok, 0);
	T_ASSERT(f_enobufs > 0); /* A was throttled, not B's memory */
	T_EQ(A.sent_ok + A.sent_err, 0);
	/* Waiting for room is not a dead peer: keep-alives go on while paused. */
	spin(600);
	T_EQ(A.closed + B.closed, 0);
	B.eagain_left = 0;
	ops->rx_resume(B.in);
	SPIN_UNTIL(A.sent_ok == n, 20000);
	T_EQ(A.sent_ok, n);
	T_EQ(B.rx_ok, n);
	T_EQ(B.rx_bad + B.order_bad, 0);
	T_ASSERT(sent_once(&A, n));
	f_rcv_limit = 64u << 20;
	f_eagain_every = 0;
	msgs_free(n);
	drop_side(&A);
	drop_side(&B);
}

static void test_peer_killed(void)
{
	const int n = 12;
	struct lu2k_be_conn *c;
	int b_sock = -1;

	T_EQ(make_side(&A, "10.0.0.1@lu2k", fast, 4), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", fast, 4), 0);
	c = connect_ab();
	T_ASSERT(c);
	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used && fs[i].addr.sin_addr.s_addr == htonl(0x0a000002) &&
		    fs[i].addr.sin_port == htons(PORT))
			b_sock = i;
	T_ASSERT(b_sock >= 0);
	for (int i = 0; i < n; i++) {
		msg_init(&msgs[i], (uint64_t)i, 1u << 20);
		T_EQ(ops->send(c, &msgs[i]), 0);
	}
	SPIN_UNTIL(B.rx_ok >= 2, 5000);
	T_ASSERT(B.rx_ok < n);
	/* kill -9 of B: its socket goes silent; RDS keeps what A sends to it. */
	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used && fs[i].addr.sin_addr.s_addr == htonl(0x0a000002))
			fs[i].dead = true; /* its data and control sockets */
	f_blackhole = fs[b_sock].addr;
	f_cancels = f_limbo_dropped = 0;
	SPIN_UNTIL(A.closed, 3000);
	T_EQ(A.closed, 1);
	T_EQ(A.closed_err, -ETIMEDOUT);
	T_EQ(A.sent_ok + A.sent_err, n);
	T_ASSERT(sent_once(&A, n));
	/* Success only for what B's core took (its last acks may be lost with it). */
	T_ASSERT(A.sent_ok <= B.rx_ok);
	T_ASSERT(A.sent_err > 0);
	T_ASSERT(f_cancels >= 1); /* RDS_CANCEL_SENT_TO for B's address */
	T_ASSERT(f_limbo == NULL || f_limbo_dropped > 0);
	spin(100);
	T_EQ(A.sent_ok + A.sent_err, n);
	memset(&f_blackhole, 0, sizeof(f_blackhole));
	msgs_free(n);
	drop_side(&B);
	drop_side(&A);
	while (f_limbo) {
		struct fmsg *m = f_limbo;

		f_limbo = m->next;
		free(m);
	}
}

static void test_peer_restarted(void)
{
	struct lu2k_be_conn *c;

	T_EQ(make_side(&A, "10.0.0.1@lu2k", fast, 4), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", fast, 4), 0);
	c = connect_ab();
	T_ASSERT(c);
	/* B's daemon is replaced (no goodbye) by one that never heard of A's conn. */
	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used && fs[i].addr.sin_addr.s_addr == htonl(0x0a000002))
			fs[i].dead = true;
	drop_side(&B);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", fast, 4), 0);
	msg_init(&msgs[0], 0, 5000);
	T_EQ(ops->send(c, &msgs[0]), 0);
	SPIN_UNTIL(A.closed, 2000);
	T_EQ(A.closed, 1);
	T_ASSERT(A.closed_err == -ENOTCONN || A.closed_err == -ECONNRESET);
	T_EQ(A.sent_err, 1);
	T_EQ(A.sent_ok, 0);
	T_EQ(B.rx_ok, 0);
	/* A new conn works. */
	c = connect_ab();
	T_ASSERT(c);
	msg_init(&msgs[1], 1, 5000);
	T_EQ(ops->send(c, &msgs[1]), 0);
	SPIN_UNTIL(A.sent_ok == 1, 2000);
	T_EQ(B.rx_ok, 1);
	msgs_free(2);
	drop_side(&A);
	drop_side(&B);
}

static void test_cancel(void)
{
	struct lu2k_be_conn *c;

	T_EQ(make_side(&A, "10.0.0.1@lu2k", fast, 4), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", fast, 4), 0);
	c = connect_ab();
	T_ASSERT(c);
	/* Not a piece sent yet: the conn goes on. */
	msg_init(&msgs[0], 0, 1000);
	msg_init(&msgs[1], 1, 1000);
	T_EQ(ops->send(c, &msgs[0]), 0);
	T_EQ(ops->send(c, &msgs[1]), 0);
	ops->cancel(c, &msgs[0], -ETIMEDOUT);
	T_EQ(A.sent_count[0], 1);
	T_EQ(A.last_err, -ETIMEDOUT);
	SPIN_UNTIL(A.sent_ok == 1, 2000);
	T_EQ(B.rx_ok, 1);
	T_EQ(A.sent_count[1], 1);
	/* Half of a message with the peer: the conn breaks, B's half is ended. */
	f_eagain_every = 3; /* so that sends stop midway */
	msg_init(&msgs[2], 2, 1u << 20);
	T_EQ(ops->send(c, &msgs[2]), 0);
	SPIN_UNTIL(msgs[2].be_off > 0, 2000);
	T_ASSERT(msgs[2].be_off > 0 && msgs[2].be_off < msgs[2].payload_len + 8);
	ops->cancel(c, &msgs[2], -ETIMEDOUT);
	T_EQ(A.sent_count[2], 1);
	f_eagain_every = 0;
	SPIN_UNTIL(A.closed && B.closed, 2000);
	T_EQ(A.closed, 1);
	T_EQ(B.closed, 1);
	T_EQ(B.rx_failed, 1);
	T_EQ(B.rx_ok, 1);
	msgs_free(3);
	drop_side(&A);
	drop_side(&B);
}

static void test_refused_and_unanswered(void)
{
	struct lu2k_nid other;
	struct lu2k_be_conn *c = NULL;

	T_EQ(make_side(&A, "10.0.0.1@lu2k", fast, 4), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", fast, 4), 0);
	/* B's address, another network: B's core refuses it. */
	lu2k_nid_parse("10.0.0.2@lu2k5", &other);
	T_EQ(ops->connect(A.be, &A.nid, &other, PORT, &A, &c), 0);
	SPIN_UNTIL(A.closed, 2000);
	T_EQ(A.closed_err, -ECONNREFUSED);
	T_EQ(A.connected, 0);
	T_EQ(B.refused, 1);
	/* Nobody at that address: the hello times out. */
	A.closed = 0;
	lu2k_nid_parse("10.0.0.3@lu2k", &other);
	T_EQ(ops->connect(A.be, &A.nid, &other, PORT, &A, &c), 0);
	SPIN_UNTIL(A.closed, 3000);
	T_EQ(A.closed, 1);
	T_EQ(A.closed_err, -ETIMEDOUT);
	drop_side(&A);
	drop_side(&B);
}

static void test_no_socket_left(void)
{
	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used)
			T_FAIL_("socket %d left open", i);
}

int main(void)
{
	if (lu2k_loop_init(&L))
		return 1;
	lu2k_rds_sockops = &fake;
	ops = lu2k_backend_find("rds");
	if (!ops)
		return 1;
	T_RUN(test_no_rds);
	T_RUN(test_transfer);
	T_RUN(test_piece_size_follows_sndbuf);
	T_RUN(test_backpressure);
	T_RUN(test_peer_killed);
	T_RUN(test_peer_restarted);
	T_RUN(test_cancel);
	T_RUN(test_refused_and_unanswered);
	T_RUN(test_no_socket_left);
	lu2k_loop_fini(&L);
	return t_done();
}
