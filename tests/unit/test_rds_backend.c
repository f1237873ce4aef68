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
 * With keys (backends/rds_sec.c), the same instances with an [auth] each:
 *  - nothing but the handshake's two frames and sealed frames on the wire,
 *    0 B .. 4 MiB bit-exact through them, in one round trip to connected();
 *  - forged, replayed, truncated, wrong-key, wrong-address and plaintext
 *    frames injected beside an honest transfer: none delivered, each
 *    counted, the connection goes on and every honest message arrives;
 *  - refusals with a clear reason: a key B does not list, a NID the key
 *    does not own, a peer without keys either way, no key for the NID;
 *  - a restarted B (the session lost) fails A's conn after a sealed ping
 *    goes unanswered; a forged RESET on a live conn changes nothing;
 *  - a key update whose ping overtakes pieces sealed before it (held 3.5 s
 *    in the data path): they still open;
 *  - the network mode (one PSK): its holders connect, another PSK does not.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rds.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "auth/aead.h"
#include "auth/peers.h"
#include "backends/backend.h"
#include "backends/rds.h"
#include "backends/rds_sec.h"
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
static int f_types[16]; /* frames sent, by the type byte */
#define NCAP 16
static uint8_t *f_cap[NCAP]; /* sealed frames sent to f_cap_to, in order */
static size_t f_cap_len[NCAP];
static int f_ncap;
static struct sockaddr_in f_cap_to;
static bool f_hold; /* what A's lu2k port sends waits in f_held (a slow data path) */
static struct fmsg *f_held, **f_held_tail = &f_held;

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
		bool data = m->data[5] == LU2K_RDSW_DATA,
		     from_main = s->addr.sin_port == htons(PORT);

		f_data_on_ctrl += data && !from_main;
		f_ctrl_on_data += !data && from_main;
		f_ctrl_frames += !data && !from_main;
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
static void f_inject(uint32_t from_ip, uint16_t from_port, uint32_t to_ip, const uint8_t *p,
		     size_t len)
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

/* The held messages go on, in order, to where they were sent. */
static void f_release(void)
{
	f_hold = false;
	while (f_held) {
		struct fmsg *m = f_held;
		struct fsock *d = NULL;

		f_held = m->next;
		m->next = NULL;
		for (int i = 0; i < NSOCK; i++)
			if (fs[i].used && fs[i].bound && same_in(&fs[i].addr, &m->to))
				d = &fs[i];
		if (!d) {
			free(m);
			continue;
		}
		if (d->tail)
			d->tail->next = m;
		else
			d->head = m;
		d->tail = m;
		d->qbytes += m->len;
		f_signal(d);
	}
	f_held_tail = &f_held;
}

static void cap_free(void)
{
	for (int i = 0; i < f_ncap; i++)
		free(f_cap[i]);
	f_ncap = 0;
	memset(&f_cap_to, 0, sizeof(f_cap_to));
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

static struct lu2k_auth *next_auth; /* make_side: the keys of the next side made */

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
		.auth = next_auth,
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
/*
 * For tests that need no deadline to fire soon: on a loaded machine (and
 * under the sanitizers) the process may not run for some 400 ms at a time.
 */
static const char *const calm[] = { "ack_timeout_ms", "3000",  "hello_timeout_ms", "3000",
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

	T_EQ(make_side(&A, "10.0.0.1@lu2k", calm, 4), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", calm, 4), 0);
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

	T_EQ(make_side(&A, "10.0.0.1@lu2k", calm, 4), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", calm, 4), 0);
	c = connect_ab();
	T_ASSERT(c);
	/* B's daemon is replaced (no goodbye) by one that never heard of A's conn. */
	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used && fs[i].addr.sin_addr.s_addr == htonl(0x0a000002))
			fs[i].dead = true;
	drop_side(&B);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", calm, 4), 0);
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

	T_EQ(make_side(&A, "10.0.0.1@lu2k", calm, 4), 0);
	T_EQ(make_side(&B, "10.0.0.2@lu2k", calm, 4), 0);
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

/* ---- with keys ---- */

static struct lu2k_key kA, kB, kC; /* private keys: A, B, and one nobody lists */
static struct lu2k_auth authA, authB;

/* a's own key priv; its one peer holds peer_priv and may claim range. */
static void auth_make(struct lu2k_auth *a, const struct lu2k_key *priv,
		      const struct lu2k_key *peer_priv, const char *range)
{
	memset(a, 0, sizeof(*a));
	a->enabled = true;
	a->local.priv = *priv;
	a->local.caps = lu2k_hs_caps_here(); /* AES-256-GCM where this CPU has it, as lu2kd */
	lu2k_key_public(&a->local.pub, priv);
	a->peers = calloc(1, sizeof(*a->peers));
	a->npeers = 1;
	lu2k_key_public(&a->peers[0].pub, peer_priv);
	T_EQ(lu2k_nid_range_parse(range, &a->peers[0].r[0]), 0);
	a->peers[0].nr = 1;
}

/* A and B, each with keys (or NULL: plaintext) */
static void make_pair(struct lu2k_auth *a, struct lu2k_auth *b)
{
	next_auth = a;
	T_EQ(make_side(&A, "10.0.0.1@lu2k", calm, 4), 0);
	next_auth = b;
	T_EQ(make_side(&B, "10.0.0.2@lu2k", calm, 4), 0);
	next_auth = NULL;
}

static void drop_pair(void)
{
	drop_side(&A);
	drop_side(&B);
	lu2k_auth_free(&authA);
	lu2k_auth_free(&authB);
}

static void test_sealed_transfer(void)
{
	static const uint32_t sizes[] = {
		0, 1, 65536 - 8, 65536, 777777, (4u << 20) - 8, 4u << 20
	};
	const int n = (int)(sizeof(sizes) / sizeof(sizes[0]));
	struct lu2k_be_conn *c;
	uint64_t t0;

	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kA, "10.0.0.0/24@lu2k");
	make_pair(&authA, &authB);
	memset(f_types, 0, sizeof(f_types));
	f_largest = 0;
	t0 = L.now;
	c = connect_ab();
	T_ASSERT(c);
	T_EQ(B.accepted, 1);
	/* one round trip: the initiation, then its response and the sealed answer */
	T_EQ(f_types[LU2K_RDSW_HS_INIT], 1);
	T_EQ(f_types[LU2K_RDSW_HS_RESP], 1);
	T_ASSERT(L.now - t0 < 1000000000ull);
	for (int i = 0; i < n; i++) {
		msg_init(&msgs[i], (uint64_t)i, sizes[i]);
		T_EQ(ops->send(c, &msgs[i]), 0);
	}
	SPIN_UNTIL(A.sent_ok == n, 20000);
	T_EQ(A.sent_ok, n);
	T_ASSERT(sent_once(&A, n));
	T_EQ(B.rx_ok, n);
	T_EQ(B.rx_bad + B.order_bad, 0);
	/* nothing in plaintext on the wire: only the handshake and sealed frames */
	for (int t = 1; t <= LU2K_RDSW_RESET; t++)
		T_EQ(f_types[t], 0);
	T_ASSERT(f_types[LU2K_RDSW_SEALED] > n);
	T_ASSERT(f_largest <= 65536 + LU2K_RDSW_DATA_LEN + LU2K_RDSW_SEAL_OVERHEAD);
	T_EQ(f_emsgsize, 0);
	T_EQU(B.be->st.auth_records_rx, A.be->st.auth_records_tx);
	T_EQU(A.be->st.auth_records_rx, B.be->st.auth_records_tx);
	T_EQU(B.be->st.auth_bad_records + B.be->st.auth_plaintext, 0);
	T_EQU(authA.st.hs_ok, 1);
	T_EQU(authB.st.hs_ok, 1);
	/* the cipher the handshake agreed on, the same both ways */
	T_EQ(c->sec->sa.tx.suite, B.in->sec->sa.rx.suite);
	T_EQ(c->sec->sa.tx.suite, lu2k_hs_suite(lu2k_hs_caps_here(), lu2k_hs_caps_here()));
	/* pieces at the largest size RDS takes still fit once sealed */
	msgs_free(n);
	drop_pair();
}

static void test_sealed_big_pieces(void)
{
	static const char *const big[] = { "frag_size", "1048512" };
	struct lu2k_be_conn *c;

	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kA, "10.0.0.1@lu2k");
	next_auth = &authA;
	T_EQ(make_side(&A, "10.0.0.1@lu2k", big, 1), 0);
	next_auth = &authB;
	T_EQ(make_side(&B, "10.0.0.2@lu2k", big, 1), 0);
	next_auth = NULL;
	for (int i = 0; i < NSOCK; i++)
		fs[i].sndbuf = 4 << 20;
	c = connect_ab();
	T_ASSERT(c);
	f_largest = 0;
	f_emsgsize = 0;
	msg_init(&msgs[0], 0, 3u << 20);
	T_EQ(ops->send(c, &msgs[0]), 0);
	SPIN_UNTIL(A.sent_ok == 1, 10000);
	T_EQ(B.rx_ok, 1);
	T_EQ(f_emsgsize, 0);
	T_ASSERT(f_largest <= RDS_MAX);
	msgs_free(1);
	drop_pair();
}

/* A's frame i as captured, changed by the caller, sent to B from addr:port. */
static void inject_from(uint32_t ip, const uint8_t *p, size_t len)
{
	f_inject(ip, 40001, 0x0a000002, p, len);
}

static void test_sealed_hostile(void)
{
	const int n = 8;
	struct lu2k_be_conn *c;
	struct rdsb_stats *st;
	struct lu2k_aead_tx wrong;
	struct lu2k_aead_limits lim;
	uint8_t frame[256], plain[LU2K_RDSW_DATA_LEN + 16];
	uint64_t bad, rx_before;
	ssize_t r;

	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kA, "10.0.0.1@lu2k");
	make_pair(&authA, &authB);
	st = &B.be->st;
	c = connect_ab();
	T_ASSERT(c);
	f_cap_to.sin_addr.s_addr = htonl(0x0a000002);
	f_cap_to.sin_port = htons(PORT);
	for (int i = 0; i < 4; i++) {
		msg_init(&msgs[i], (uint64_t)i, 100);
		T_EQ(ops->send(c, &msgs[i]), 0);
	}
	SPIN_UNTIL(A.sent_ok == 4, 5000);
	T_EQ(B.rx_ok, 4);
	T_ASSERT(f_ncap >= 4); /* the four pieces, sealed */
	T_ASSERT(f_cap_len[0] > 48 && f_cap_len[0] < sizeof(frame));
	rx_before = (uint64_t)B.rx_ok;

	/* replayed: every captured frame again, from A's own address */
	bad = st->auth_bad_records;
	for (int i = 0; i < f_ncap; i++)
		inject_from(0x0a000001, f_cap[i], f_cap_len[i]);
	spin(50);
	T_EQU(st->auth_bad_records - bad, (uint64_t)f_ncap);
	/*
	 * forged: a fresh counter (so that the window lets it by and the tag
	 * must refuse it), alone or with one bit of the record's header, the
	 * ciphertext or the tag flipped
	 */
	bad = st->auth_bad_records;
	{
		const size_t at[] = { 0, 17, 33, 40, f_cap_len[0] / 2, f_cap_len[0] - 1 };

		for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
			memcpy(frame, f_cap[0], f_cap_len[0]);
			frame[LU2K_RDSW_BASE_LEN + 8] ^= 0x40;
			if (at[i])
				frame[at[i]] ^= 4;
			inject_from(0x0a000001, frame, f_cap_len[0]);
		}
	}
	spin(50);
	T_EQU(st->auth_bad_records - bad, 6);
	T_EQU(st->auth_unknown_index + st->auth_wrong_conn, 0);
	/* truncated: the tag cut short, and cut to the record's header */
	bad = st->auth_bad_records;
	inject_from(0x0a000001, f_cap[1], f_cap_len[1] - 5);
	inject_from(0x0a000001, f_cap[1], LU2K_RDSW_SEAL_MIN + 16);
	spin(50);
	T_EQU(st->auth_bad_records - bad, 2);
	/* wrong key: a well-made record for B's index under a key nobody agreed */
	memset(&wrong, 0, sizeof(wrong));
	for (int i = 0; i < 32; i++)
		wrong.key[i] = (uint8_t)(i * 37 + 11);
	memcpy(&wrong.peer_index, f_cap[0] + LU2K_RDSW_BASE_LEN + 4, 4); /* LE, as on the wire */
	wrong.next = 1000;
	lu2k_aead_limits_default(&lim);
	lu2k_rdsw_data_encode(plain, c->id, 99, 0, 8, 8, &msgs[0].target);
	memset(plain + LU2K_RDSW_DATA_LEN, 0x5a, 16);
	memcpy(frame, f_cap[0], LU2K_RDSW_BASE_LEN);
	r = lu2k_aead_seal(&wrong, &lim, 0, NULL, 0, plain, sizeof(plain), frame + 16,
			   sizeof(frame) - 16);
	T_ASSERT(r > 0);
	bad = st->auth_bad_records;
	inject_from(0x0a000001, frame, 16 + (size_t)r);
	spin(50);
	T_EQU(st->auth_bad_records - bad, 1);
	/* an honest record, but from another address: not opened at all */
	inject_from(0x0a000009, f_cap[2], f_cap_len[2]);
	spin(50);
	T_EQU(st->auth_wrong_conn, 1);
	/* plaintext DATA for the live conn, a plaintext CLOSE: dropped and counted */
	lu2k_rdsw_data_encode(plain, c->id, 50, 0, 8, 8, &msgs[0].target);
	memcpy(plain + LU2K_RDSW_DATA_LEN, "12345678abcdefgh", 16);
	inject_from(0x0a000001, plain, sizeof(plain));
	lu2k_rdsw_close_encode(frame, LU2K_RDSW_CLOSE, c->id, -ECONNRESET);
	inject_from(0x0a000001, frame, LU2K_RDSW_CLOSE_LEN);
	spin(50);
	T_EQU(st->auth_plaintext, 2);
	/* an unknown index (a session B does not have): counted, never opened */
	memcpy(frame, f_cap[3], f_cap_len[3]);
	frame[LU2K_RDSW_BASE_LEN + 4] ^= 0x55;
	inject_from(0x0a000001, frame, f_cap_len[3]);
	spin(50);
	T_EQU(st->auth_unknown_index, 1);
	/* none of it was delivered, and the conn went on: honest messages after it arrive */
	T_EQU((uint64_t)B.rx_ok, rx_before);
	T_EQ(B.rx_bad + B.rx_failed, 0);
	T_EQ(A.closed + B.closed, 0);
	for (int i = 4; i < n; i++) {
		msg_init(&msgs[i], (uint64_t)i, 200000);
		T_EQ(ops->send(c, &msgs[i]), 0);
	}
	SPIN_UNTIL(A.sent_ok == n, 10000);
	T_EQ(A.sent_ok, n);
	T_EQ(B.rx_ok, n);
	T_EQ(B.rx_bad + B.order_bad, 0);
	T_EQ(A.closed + B.closed, 0);
	cap_free();
	msgs_free(n);
	drop_pair();
}

static void test_sealed_refusals(void)
{
	struct lu2k_be_conn *c = NULL;
	struct lu2k_nid other;

	/* B does not list A's key */
	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kC, "10.0.0.1@lu2k");
	make_pair(&authA, &authB);
	T_EQ(ops->connect(A.be, &A.nid, &B.nid, PORT, &A, &c), 0);
	SPIN_UNTIL(A.closed, 2000);
	T_EQ(A.closed_err, -ECONNREFUSED);
	T_EQ(A.connected + B.accepted, 0);
	T_EQU(authB.st.hs_unknown_key, 1);
	T_EQU(B.be->st.auth_refused, 1);
	drop_pair();

	/* B lists A's key, for another NID than the one A claims */
	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kA, "10.0.0.7@lu2k");
	make_pair(&authA, &authB);
	T_EQ(ops->connect(A.be, &A.nid, &B.nid, PORT, &A, &c), 0);
	SPIN_UNTIL(A.closed, 2000);
	T_EQ(A.closed_err, -ECONNREFUSED);
	T_EQ(B.accepted, 0);
	T_EQU(authB.st.hs_nid_refused, 1);
	/* A lists no key for that NID: no conn at all, nothing sent */
	lu2k_nid_parse("10.0.0.3@lu2k", &other);
	T_EQ(ops->connect(A.be, &A.nid, &other, PORT, &A, &c), -EACCES);
	T_EQU(authA.st.no_peer_key, 1);
	drop_pair();

	/* A with keys, B without: B says no, A hears it at once */
	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	make_pair(&authA, NULL);
	T_EQ(ops->connect(A.be, &A.nid, &B.nid, PORT, &A, &c), 0);
	SPIN_UNTIL(A.closed, 2000);
	T_EQ(A.closed_err, -ECONNREFUSED);
	T_EQ(B.accepted, 0);
	T_EQU(B.be->st.refused, 1);
	drop_pair();

	/* A without keys, B with: the plaintext hello is refused, nothing made */
	auth_make(&authB, &kB, &kA, "10.0.0.1@lu2k");
	make_pair(NULL, &authB);
	T_EQ(ops->connect(A.be, &A.nid, &B.nid, PORT, &A, &c), 0);
	SPIN_UNTIL(A.closed, 2000);
	T_EQ(A.closed_err, -ECONNREFUSED);
	T_EQ(B.accepted, 0);
	T_EQU(B.be->st.auth_plaintext, 1);
	drop_pair();
}

static void test_sealed_restart(void)
{
	struct lu2k_be_conn *c;
	uint8_t f[LU2K_RDSW_CLOSE_LEN];

	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kA, "10.0.0.1@lu2k");
	make_pair(&authA, &authB);
	c = connect_ab();
	T_ASSERT(c);
	/* a forged RESET for a live conn: A pings, B answers sealed, nothing closes */
	lu2k_rdsw_close_encode(f, LU2K_RDSW_RESET, c->id, -ENOTCONN);
	f_inject(0x0a000002, PORT, 0x0a000001, f, sizeof(f));
	SPIN_UNTIL(A.be->st.auth_resets_doubted == 1, 1000);
	/* past the doubt's deadline (two keep-alives, 1.5 s): B's sealed answer cleared it */
	spin(2000);
	T_EQU(A.be->st.auth_resets_doubted, 1);
	T_ASSERT(!c->sec->doubted);
	T_EQ(A.closed + B.closed, 0);
	msg_init(&msgs[0], 0, 5000);
	T_EQ(ops->send(c, &msgs[0]), 0);
	SPIN_UNTIL(A.sent_ok == 1, 2000);
	T_EQ(B.rx_ok, 1);
	/* B's daemon replaced by one that has no session for A's conn */
	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used && fs[i].addr.sin_addr.s_addr == htonl(0x0a000002))
			fs[i].dead = true;
	drop_side(&B);
	next_auth = &authB;
	T_EQ(make_side(&B, "10.0.0.2@lu2k", calm, 4), 0);
	next_auth = NULL;
	msg_init(&msgs[1], 1, 5000);
	T_EQ(ops->send(c, &msgs[1]), 0);
	SPIN_UNTIL(A.closed, 6000);
	T_EQ(A.closed, 1);
	T_EQ(A.closed_err, -ECONNRESET);
	T_EQ(A.sent_err, 1);
	T_EQ(B.rx_ok, 0);
	T_ASSERT(B.be->st.auth_unknown_index >= 1);
	/* a new conn works: a new handshake */
	c = connect_ab();
	T_ASSERT(c);
	msg_init(&msgs[2], 2, 5000);
	T_EQ(ops->send(c, &msgs[2]), 0);
	SPIN_UNTIL(A.sent_ok == 2, 2000);
	T_EQ(B.rx_ok, 1);
	msgs_free(3);
	drop_pair();
}

static void test_sealed_key_update(void)
{
	const int n = 4;
	struct lu2k_be_conn *c;
	uint64_t keep;

	auth_make(&authA, &kA, &kB, "10.0.0.2@lu2k");
	auth_make(&authB, &kB, &kA, "10.0.0.1@lu2k");
	make_pair(&authA, &authB);
	c = connect_ab();
	T_ASSERT(c && B.in);
	/* pieces sealed under the first key wait in the data path... */
	f_hold = true;
	for (int i = 0; i < n; i++) {
		msg_init(&msgs[i], (uint64_t)i, 100000);
		T_EQ(ops->send(c, &msgs[i]), 0);
	}
	spin(50);
	T_ASSERT(f_held != NULL);
	T_EQU(c->sec->sa.tx.updates, 0);
	/* ...while A's key update is due: its next frame, a ping, overtakes them */
	keep = c->sec->sa.lim.rekey_after_ns;
	c->sec->sa.lim.rekey_after_ns = 1;
	SPIN_UNTIL(c->sec->sa.tx.updates == 1, 3000);
	c->sec->sa.lim.rekey_after_ns = keep;
	SPIN_UNTIL(B.in->sec->sa.rx.updates == 1, 2000);
	T_EQU(B.in->sec->sa.rx.updates, 1);
	/* longer than auth/dgram.c's 3 s for late datagrams */
	spin(3500);
	T_EQ(B.rx_ok, 0);
	f_release();
	SPIN_UNTIL(A.sent_ok == n, 5000);
	T_EQ(A.sent_ok, n);
	T_EQ(B.rx_ok, n);
	T_EQ(B.rx_bad + B.order_bad, 0);
	T_EQU(B.be->st.auth_bad_records, 0);
	T_ASSERT(B.in->sec->sa.prev_opened >= 2 * (uint64_t)n);
	T_EQ(A.closed + B.closed, 0);
	msgs_free(n);
	drop_pair();
}

/* The network mode (one PSK for all): any holder claims any NID, and only holders get in. */
static void test_sealed_network_mode(void)
{
	struct lu2k_key psk, other;
	struct lu2k_be_conn *c;

	memset(psk.b, 0x42, 32);
	memset(other.b, 0x43, 32);
	memset(&authA, 0, sizeof(authA));
	memset(&authB, 0, sizeof(authB));
	lu2k_auth_network_identity(&authA.local, &psk);
	lu2k_auth_network_identity(&authB.local, &psk);
	authA.enabled = authB.enabled = authA.network = authB.network = true;
	make_pair(&authA, &authB);
	c = connect_ab();
	T_ASSERT(c);
	msg_init(&msgs[0], 0, 300000);
	T_EQ(ops->send(c, &msgs[0]), 0);
	SPIN_UNTIL(A.sent_ok == 1, 5000);
	T_EQ(B.rx_ok, 1);
	T_ASSERT(B.be->st.auth_records_rx > 0);
	msgs_free(1);
	drop_pair();
	/* another network's PSK: refused, nothing delivered */
	memset(&authA, 0, sizeof(authA));
	memset(&authB, 0, sizeof(authB));
	lu2k_auth_network_identity(&authA.local, &other);
	lu2k_auth_network_identity(&authB.local, &psk);
	authA.enabled = authB.enabled = authA.network = authB.network = true;
	make_pair(&authA, &authB);
	c = NULL;
	T_EQ(ops->connect(A.be, &A.nid, &B.nid, PORT, &A, &c), 0);
	spin(300);
	T_EQ(A.connected + B.accepted, 0);
	T_ASSERT(B.be->st.auth_refused >= 1);
	ops->close(c);
	drop_pair();
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
	if (lu2k_auth_init())
		return 1;
	lu2k_key_generate(&kA);
	lu2k_key_generate(&kB);
	lu2k_key_generate(&kC);
	T_RUN(test_sealed_transfer);
	T_RUN(test_sealed_big_pieces);
	T_RUN(test_sealed_hostile);
	T_RUN(test_sealed_refusals);
	T_RUN(test_sealed_restart);
	T_RUN(test_sealed_key_update);
	T_RUN(test_sealed_network_mode);
	T_RUN(test_no_socket_left);
	lu2k_loop_fini(&L);
	return t_done();
}
