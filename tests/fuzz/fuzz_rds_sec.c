// SPDX-License-Identifier: MIT
/*
 * fuzz_rds_sec.c - libFuzzer target for sealed rds (backends/rds_sec.c and
 * what it opens for: the rds frames, the connection state behind them). The
 * whole rds back-end runs with keys on, over an RDS of the harness's own (the
 * lu2k_rds_sockops table, as in tests/unit/test_rds_backend.c: no AF_RDS
 * needed), bound to 10.0.0.2; the harness is the peer at 10.0.0.1 with a
 * listed key: it reads what the back-end sends and puts frames in its
 * socket's queue, from its lu2k port or any other. One back-end and
 * listener per process (made per input, their 1 MiB frame buffers cost
 * more than the input: 600 executions a second); each input ends with every
 * connection closed, the queues emptied and the connections freed, so that
 * a leak of a connection still shows as one. What an input leaves behind is
 * only what a daemon keeps across connections: counters, conn ids, the
 * initiators' replay timestamps.
 *
 * Input: byte 0 is flags:
 *   bit 0  the harness connects to the back-end (an honest HS_INIT; the
 *          back-end's HS_RESP opens the harness's session)
 *   bit 1  the back-end connects to the harness, which answers as the
 *          responder (HS_RESP, then a sealed HELLO_ACK): a second session
 *   bits 2-3  both set: bits 0 and 1 run the real handshakes (X25519 at
 *          both ends); else each session's keys are put where a finished
 *          handshake leaves them (fixed keys, both ends' indices), as
 *          init_in and resp_in do, and the connection goes on from there.
 *          Ten X25519 a handshake held the target near 1,000 executions a
 *          second; the handshake's messages are fuzzed in fuzz_auth
 * Then ops, each an op byte, a length byte and that many bytes (p):
 *   op & 7 = 0  p put in the queue as it is
 *            1  p sealed under a session (op bit 3: the second), its conn id
 *               written into p first when op bit 4 and p is a frame
 *            2  a frame of the history (sent by either side) again, as it was
 *            3  the same, one byte changed and cut short: p[0] which,
 *               p[1..2] where, p[3] xor, p[4] bytes off the end
 *            4  a new session replaces the first: an honest HS_INIT when op
 *               is 0x8c, else its keys put in place as with flags bit 2
 *            5  a sealed DATA piece of the first session's next message:
 *               p[0] bit 0 the last piece, the rest its bytes
 *            6  loop rounds, the clock p[0] * 10 ms further
 *   op bit 5: from another port of 10.0.0.1; bit 6: from 10.0.0.9
 * The harness asks for piece progress (caps, or as init_in leaves it), so the
 * back-end's ACKs carry it; its own sealed ACKs (ops 1-3) may carry any.
 * Checked: nothing accepted, connected or received on a connection without
 * its session's keys, every receive buffer begun is ended, closed() at most
 * once per connection; with the back-end destroyed, no leak.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rds.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "auth/dgram.h"
#include "auth/peers.h"
#include "backends/backend.h"
#include "backends/rds.h"
#include "backends/rds_sec.h"
#include "common/le.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/nid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const struct lu2k_backend_ops lu2k_backend_rds;

#define PORT	 7988
#define MAX_MSG	 (64u << 10)
#define HIST	 32
#define HIST_LEN 2048
#define NSOCK	 4
#define HADDR	 0x0a000001u /* the harness */
#define BADDR	 0x0a000002u /* the back-end */

static struct lu2k_loop L;
static struct lu2k_auth auth;	  /* the back-end's keys: it lists the harness's */
static struct lu2k_hs_local peer; /* the harness's key */
static struct lu2k_hs_replay rrep;
static struct lu2k_nid hnid, bnid;
static uint64_t last_ts;

/* ---- an RDS of our own: the back-end's sockets, and the harness behind them ---- */

struct fmsg {
	struct fmsg *next;
	struct sockaddr_in from;
	size_t len;
	uint8_t data[];
};

static struct fsock {
	bool used, bound;
	int fd;
	struct sockaddr_in addr;
	struct fmsg *head, *tail;
} fs[NSOCK];

/* what the back-end sent to the harness, not yet read */
static struct fmsg *out_head, *out_tail;

static struct {
	uint8_t h[HIST][HIST_LEN];
	size_t hlen[HIST];
	unsigned int nh;
	struct lu2k_dg_sa sa[2];
	bool up[2];
	uint64_t id[2]; /* the sessions' conn ids */
	uint64_t next_id, seq, off;
	int accepted, connected, closed, begun, ended;
	struct lu2k_be_conn *conns[16];
	int nconns, closes[16];
	struct lu2k_be_listener *l;
} st;

static struct fsock *fsock_of(int fd)
{
	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used && fs[i].fd == fd)
			return &fs[i];
	abort();
}

static int f_socket(void)
{
	for (int i = 0; i < NSOCK; i++) {
		if (!fs[i].used) {
			memset(&fs[i], 0, sizeof(fs[i]));
			fs[i].used = true;
			fs[i].fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			return fs[i].fd;
		}
	}
	return -EMFILE;
}

static int f_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct fsock *s = fsock_of(fd);

	if (sa->sa_family != AF_INET || len != sizeof(struct sockaddr_in))
		return -EINVAL;
	s->addr = *(const struct sockaddr_in *)sa;
	if (!s->addr.sin_port)
		s->addr.sin_port = htons((uint16_t)(40000 + (s - fs)));
	s->bound = true;
	return 0;
}

static int f_setsockopt(int fd, int level, int name, const void *v, socklen_t len)
{
	return 0;
}

static int f_getsockopt(int fd, int level, int name, void *v, socklen_t *len)
{
	int k = 4 << 20;

	memcpy(v, &k, sizeof(k));
	return 0;
}

static void hist_add(const uint8_t *p, size_t len)
{
	unsigned int i = st.nh++ % HIST;

	if (len > HIST_LEN)
		len = HIST_LEN;
	memcpy(st.h[i], p, len);
	st.hlen[i] = len;
}

static ssize_t f_sendmsg(int fd, const struct msghdr *mh)
{
	const struct sockaddr_in *to = mh->msg_name;
	size_t total = 0, off = 0;
	struct fmsg *m;

	fsock_of(fd);
	for (size_t i = 0; i < mh->msg_iovlen; i++)
		total += mh->msg_iov[i].iov_len;
	if (total > LU2K_RDSW_RDS_MAX)
		abort(); /* the back-end must never make a message RDS refuses */
	if (to->sin_addr.s_addr != htonl(HADDR))
		return (ssize_t)total; /* nobody there */
	m = malloc(sizeof(*m) + total);
	if (!m)
		abort();
	m->next = NULL;
	m->len = total;
	for (size_t i = 0; i < mh->msg_iovlen; i++) {
		memcpy(m->data + off, mh->msg_iov[i].iov_base, mh->msg_iov[i].iov_len);
		off += mh->msg_iov[i].iov_len;
	}
	hist_add(m->data, m->len);
	if (out_tail)
		out_tail->next = m;
	else
		out_head = m;
	out_tail = m;
	return (ssize_t)total;
}

static ssize_t f_recvmsg(int fd, struct msghdr *mh)
{
	struct fsock *s = fsock_of(fd);
	struct fmsg *m = s->head;
	uint64_t v;
	size_t n;

	if (!m) {
		if (read(s->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			abort();
		return -EAGAIN;
	}
	s->head = m->next;
	if (!s->head)
		s->tail = NULL;
	n = m->len < mh->msg_iov[0].iov_len ? m->len : mh->msg_iov[0].iov_len;
	memcpy(mh->msg_iov[0].iov_base, m->data, n);
	memcpy(mh->msg_name, &m->from, sizeof(m->from));
	mh->msg_namelen = sizeof(m->from);
	mh->msg_controllen = 0;
	mh->msg_flags = n < m->len ? MSG_TRUNC : 0;
	free(m);
	return (ssize_t)n;
}

static void fmsgs_free(struct fmsg **head, struct fmsg **tail)
{
	while (*head) {
		struct fmsg *m = *head;

		*head = m->next;
		free(m);
	}
	*tail = NULL;
}

static void f_close(int fd)
{
	struct fsock *s = fsock_of(fd);

	fmsgs_free(&s->head, &s->tail);
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

/* A frame to the back-end's lu2k port, from where (0: the harness's lu2k port). */
static void inject(const uint8_t *p, size_t len, uint8_t where)
{
	struct fsock *d = NULL;
	struct fmsg *m;
	uint64_t one = 1;

	for (int i = 0; i < NSOCK; i++)
		if (fs[i].used && fs[i].bound && fs[i].addr.sin_port == htons(PORT))
			d = &fs[i];
	if (!d || len > LU2K_RDSW_RDS_MAX)
		return;
	m = malloc(sizeof(*m) + len);
	if (!m)
		abort();
	memset(m, 0, sizeof(*m));
	m->from.sin_family = AF_INET;
	m->from.sin_addr.s_addr = htonl(where & 0x40 ? 0x0a000009u : HADDR);
	m->from.sin_port = htons(where & 0x20 ? 40123 : PORT);
	m->len = len;
	memcpy(m->data, p, len);
	hist_add(p, len);
	if (d->tail)
		d->tail->next = m;
	else
		d->head = m;
	d->tail = m;
	if (write(d->fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

/* ---- the core's side: checks ---- */

static bool sealed(const struct lu2k_be_conn *c)
{
	return c->sec && c->sec->up;
}

static void track(struct lu2k_be_conn *c)
{
	if (st.nconns < 16)
		st.conns[st.nconns++] = c;
}

static int conn_ix(const void *ctx)
{
	for (int i = 0; i < st.nconns; i++)
		if (st.conns[i] == ctx)
			return i;
	abort(); /* an upcall for a connection the core never had */
}

static void *up_accepted(void *core, struct lu2k_be_conn *c, const struct lu2k_nid *src,
			 const struct lu2k_nid *dst, int *status)
{
	if (!sealed(c) || !lu2k_nid_eq(src, &hnid))
		abort(); /* accepted without a handshake, or a NID the key does not own */
	if (st.nconns >= 16) {
		*status = -EUSERS;
		return NULL;
	}
	st.accepted++;
	track(c);
	return c;
}

static void up_connected(void *ctx)
{
	if (!sealed(st.conns[conn_ix(ctx)]))
		abort();
	st.connected++;
}

static void up_closed(void *ctx, int err)
{
	if (++st.closes[conn_ix(ctx)] > 1)
		abort();
	st.closed++;
}

static void up_sent(void *ctx, struct lu2k_be_msg *m, int status)
{
	conn_ix(ctx);
}

static void up_writable(void *ctx)
{
}

static int up_rx_begin(void *ctx, const struct lu2k_nid *target, struct lu2k_be_rxbuf *b)
{
	uint32_t len = b->hdr_len + b->payload_len;

	if (!sealed(st.conns[conn_ix(ctx)]) || len > MAX_MSG)
		abort();
	b->data = malloc(len ? len : 1);
	if (!b->data)
		abort();
	st.begun++;
	return 0;
}

static int up_rx_end(void *ctx, struct lu2k_be_rxbuf *b, int status)
{
	conn_ix(ctx);
	free(b->data);
	st.ended++;
	return status;
}

/* ---- the harness as a peer ---- */

static void rounds(int n)
{
	for (int i = 0; i < n; i++)
		lu2k_loop_once(&L, 0);
}

/* The next frame the back-end sent us, or 0. */
static size_t take(uint8_t *buf, size_t cap)
{
	struct fmsg *m = out_head;
	size_t n;

	if (!m)
		return 0;
	out_head = m->next;
	if (!out_head)
		out_tail = NULL;
	n = m->len < cap ? m->len : cap;
	memcpy(buf, m->data, n);
	free(m);
	return n;
}

static void seal_send(int which, const uint8_t *p, size_t len, uint8_t where)
{
	static uint8_t buf[LU2K_RDSW_SEAL_OVERHEAD + 4096];
	ssize_t r;

	if (!st.up[which] || len > 4096)
		return;
	lu2k_rdsw_env_encode(buf, LU2K_RDSW_SEALED, st.id[which]);
	memcpy(buf + LU2K_RDSW_BASE_LEN + LU2K_AEAD_HDR, p, len);
	r = lu2k_dg_seal(&st.sa[which], L.now, buf + LU2K_RDSW_BASE_LEN, len,
			 sizeof(buf) - LU2K_RDSW_BASE_LEN);
	if (r > 0)
		inject(buf, LU2K_RDSW_BASE_LEN + (size_t)r, where);
}

/* An honest HS_INIT to the back-end; its HS_RESP opens session 0. */
static void hs_in(void)
{
	uint8_t f[LU2K_RDSW_BASE_LEN + LU2K_HS_INIT_LEN], in[4096];
	struct lu2k_hs_keys k;
	struct lu2k_hs hs;
	struct lu2k_key e;
	size_t n;

	lu2k_key_generate(&e);
	st.id[0] = ++st.next_id;
	lu2k_rdsw_env_encode(f, LU2K_RDSW_HS_INIT, st.id[0]);
	/* asking for piece progress, as a connector of this version does */
	if (lu2k_hs_initiate_caps(&hs, &peer, peer.caps | LU2K_RDSW_CAP_PROGRESS, &auth.local.pub,
				  &e, lu2k_hs_next_ts(&last_ts, 1), 77, &hnid, &bnid,
				  f + LU2K_RDSW_BASE_LEN))
		abort();
	lu2k_key_wipe(&e);
	inject(f, sizeof(f), 0);
	rounds(2);
	while ((n = take(in, sizeof(in)))) {
		if (n == LU2K_RDSW_BASE_LEN + LU2K_HS_RESP_LEN && in[5] == LU2K_RDSW_HS_RESP &&
		    lu2k_get_le64(in + 8) == st.id[0]) {
			if (lu2k_hs_finish(&hs, &peer, in + LU2K_RDSW_BASE_LEN, LU2K_HS_RESP_LEN,
					   &k))
				abort(); /* an honest peer must get its keys */
			lu2k_dg_sa_wipe(&st.sa[0]);
			lu2k_dg_sa_init(&st.sa[0], &k, NULL, L.now, k.suite);
			st.up[0] = true;
			st.seq = 1;
			st.off = 0;
		}
	}
	lu2k_hs_wipe(&hs);
	if (!st.up[0])
		abort();
}

static int allow_any(void *ud, const struct lu2k_hs_claim *c, struct lu2k_hs_replay **r)
{
	*r = &rrep;
	return 0;
}

/* The back-end connects to us: answer as the responder, then a sealed HELLO_ACK. */
static void hs_out(struct lu2k_be *be)
{
	uint8_t in[4096], f[LU2K_RDSW_BASE_LEN + LU2K_HS_RESP_LEN], ack[LU2K_RDSW_HELLO_LEN];
	struct lu2k_be_conn *c = NULL;
	struct lu2k_hs_claim claim;
	struct lu2k_hs_keys k;
	struct lu2k_key e;
	size_t n;

	if (lu2k_backend_rds.connect(be, &bnid, NULL, &hnid, PORT, NULL, &c))
		abort();
	c->ctx = c; /* the core's context: the conn itself, for the checks */
	track(c);
	rounds(2);
	while ((n = take(in, sizeof(in)))) {
		if (n != LU2K_RDSW_BASE_LEN + LU2K_HS_INIT_LEN || in[5] != LU2K_RDSW_HS_INIT)
			continue;
		memset(&rrep, 0, sizeof(rrep));
		lu2k_key_generate(&e);
		st.id[1] = lu2k_get_le64(in + 8);
		lu2k_rdsw_env_encode(f, LU2K_RDSW_HS_RESP, st.id[1]);
		if (lu2k_hs_respond(&peer, in + LU2K_RDSW_BASE_LEN, LU2K_HS_INIT_LEN, allow_any,
				    NULL, &e, 99, &claim, f + LU2K_RDSW_BASE_LEN, &k))
			abort();
		lu2k_key_wipe(&e);
		lu2k_dg_sa_init(&st.sa[1], &k, NULL, L.now, k.suite);
		st.up[1] = true;
		inject(f, sizeof(f), 0);
		lu2k_rdsw_hello_encode(ack, LU2K_RDSW_HELLO_ACK, st.id[1], 0, &hnid, &bnid);
		seal_send(1, ack, sizeof(ack), 0);
	}
	rounds(2);
	if (!st.up[1] || st.connected != 1)
		abort();
}

/* What a finished handshake leaves at both ends, from fixed keys: mine's index is mi. */
static void keys_pair(struct lu2k_dg_sa *mine, struct lu2k_dg_sa *theirs, uint32_t mi, uint32_t ti)
{
	uint8_t suite = lu2k_hs_suite(auth.local.caps, peer.caps);
	struct lu2k_hs_keys k = { .local_index = mi, .peer_index = ti };

	memset(k.send, 0x11, sizeof(k.send));
	memset(k.recv, 0x22, sizeof(k.recv));
	lu2k_dg_sa_init(mine, &k, NULL, L.now, suite);
	k = (struct lu2k_hs_keys){ .local_index = ti, .peer_index = mi };
	memset(k.send, 0x22, sizeof(k.send));
	memset(k.recv, 0x11, sizeof(k.recv));
	lu2k_dg_sa_init(theirs, &k, NULL, L.now, suite);
}

/* bit 0 with bit 2: the harness's connection, as init_in leaves it after the handshake. */
static void fast_in(struct lu2k_be_listener *l)
{
	struct rdsb_sec *sec = calloc(1, sizeof(*sec));
	struct sockaddr_storage ss;
	struct sockaddr_in *from = (struct sockaddr_in *)&ss;
	uint8_t in[4096];

	if (!sec)
		abort();
	memset(&ss, 0, sizeof(ss));
	from->sin_family = AF_INET;
	from->sin_port = htons(PORT);
	from->sin_addr.s_addr = htonl(HADDR);
	st.id[0] = ++st.next_id;
	lu2k_dg_sa_wipe(&st.sa[0]);
	keys_pair(&sec->sa, &st.sa[0], auth.next_index++, 77);
	sec->up = true;
	sec->resp_pending = true;
	rdsb_hello_in(l->s, &ss, sizeof(*from), st.id[0], &hnid, &bnid, sec);
	{
		/* as init_in leaves it for a connector that asked for piece progress */
		struct lu2k_be_conn *c = rdsb_find_conn(l->s, &ss, st.id[0], false);

		if (c)
			c->progress = true;
	}
	st.up[0] = true;
	st.seq = 1;
	st.off = 0;
	rounds(2);
	while (take(in, sizeof(in)))
		;
}

/* bit 1 with bit 2: the back-end's connection, as resp_in leaves it; then the HELLO_ACK. */
static void fast_out(struct lu2k_be *be)
{
	uint8_t in[4096], ack[LU2K_RDSW_HELLO_LEN];
	struct lu2k_be_conn *c = NULL;

	if (lu2k_backend_rds.connect(be, &bnid, NULL, &hnid, PORT, NULL, &c))
		abort();
	c->ctx = c;
	track(c);
	rounds(2);
	while (take(in, sizeof(in)))
		;
	st.id[1] = c->id;
	keys_pair(&c->sec->sa, &st.sa[1], c->sec->hs.local_index, 99);
	lu2k_hs_wipe(&c->sec->hs);
	c->sec->up = true;
	st.up[1] = true;
	lu2k_rdsw_hello_encode(ack, LU2K_RDSW_HELLO_ACK, st.id[1], 0, &hnid, &bnid);
	seal_send(1, ack, sizeof(ack), 0);
	rounds(2);
	while (take(in, sizeof(in)))
		;
	if (st.connected != 1)
		abort();
}

static void data_piece(const uint8_t *p, size_t n)
{
	uint8_t f[LU2K_RDSW_DATA_LEN + 256];
	bool last = n && (p[0] & 1);
	size_t len = n > 1 ? n - 1 : 0;
	uint32_t total;

	if (len > 256)
		len = 256;
	/* a message of what this piece carries, or of more if it is not the last */
	total = (uint32_t)(st.off + len + (last ? 0 : 100));
	if (total < 8)
		total = 8, len = last ? 8 - st.off : len;
	if (total > MAX_MSG || st.off + len > total)
		return;
	lu2k_rdsw_data_encode(f, st.id[0], st.seq, (uint32_t)st.off, 8, total - 8, &bnid);
	memset(f + LU2K_RDSW_DATA_LEN, 0xab, len);
	if (len)
		memcpy(f + LU2K_RDSW_DATA_LEN, p + 1, len < n - 1 ? len : n - 1);
	seal_send(0, f, LU2K_RDSW_DATA_LEN + len, 0);
	st.off += len;
	if (st.off >= total) {
		st.seq++;
		st.off = 0;
	}
}

static void run_op(struct lu2k_be *be, uint8_t op, const uint8_t *p, size_t n)
{
	uint8_t buf[HIST_LEN + 64];
	unsigned int i;
	size_t len, at;

	switch (op & 7) {
	case 0:
		inject(p, n, op);
		break;
	case 1:
		memcpy(buf, p, n);
		if ((op & 0x10) && n >= LU2K_RDSW_BASE_LEN)
			lu2k_put_le64(buf + 8, st.id[(op >> 3) & 1]);
		seal_send((op >> 3) & 1, buf, n, op);
		break;
	case 2:
	case 3:
		if (!st.nh)
			break;
		i = (n ? p[0] : 0) % (st.nh < HIST ? st.nh : HIST);
		len = st.hlen[i];
		memcpy(buf, st.h[i], len);
		if ((op & 7) == 3 && n >= 5 && len) {
			at = ((size_t)p[1] | (size_t)p[2] << 8) % len;
			buf[at] ^= p[3] ? p[3] : 1;
			len -= p[4] < len ? p[4] : 0;
		}
		inject(buf, len, op);
		break;
	case 4:
		if (op == 0x8c)
			hs_in();
		else
			fast_in(st.l);
		break;
	case 5:
		data_piece(p, n);
		break;
	case 6:
		L.now += (uint64_t)(n ? p[0] : 1) * 10000000ull;
		break;
	default:
		break;
	}
	rounds(2);
	while (take(buf, sizeof(buf)))
		;
}

static int nsocks(void)
{
	int n = 0;

	for (int i = 0; i < NSOCK; i++)
		n += fs[i].used;
	return n;
}

/* The end of an input: every connection closed and freed, every queue empty. */
static void reset(struct lu2k_be *be)
{
	uint64_t v;

	while (!lu2k_list_empty(&be->conns))
		lu2k_backend_rds.close(lu2k_list_first(&be->conns, struct lu2k_be_conn, link));
	rounds(1); /* deferred frees */
	fmsgs_free(&out_head, &out_tail);
	for (int i = 0; i < NSOCK; i++) {
		if (!fs[i].used)
			continue;
		fmsgs_free(&fs[i].head, &fs[i].tail);
		if (read(fs[i].fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static struct lu2k_be_listener *l;
	static struct lu2k_be *be;
	static int socks;
	struct lu2k_be_env env = {
		.loop = &L,
		.max_msg_size = MAX_MSG,
		.auth = &auth,
		.accepted = up_accepted,
		.connected = up_connected,
		.closed = up_closed,
		.sent = up_sent,
		.writable = up_writable,
		.rx_begin = up_rx_begin,
		.rx_end = up_rx_end,
	};
	char err[256];
	uint8_t flags;

	if (!ready) {
		struct lu2k_nid_range any;

		lu2k_log_level = getenv("FUZZ_RDS_SEC_DEBUG") ? LU2K_LOG_DEBUG : LU2K_LOG_ERROR;
		if (lu2k_auth_init() || lu2k_loop_init(&L))
			abort();
		lu2k_rds_sockops = &fake;
		lu2k_nid_parse("10.0.0.1@lu2k", &hnid);
		lu2k_nid_parse("10.0.0.2@lu2k", &bnid);
		/* fixed keys: a crash replays with the same ones */
		memset(auth.local.priv.b, 7, 32);
		memset(peer.priv.b, 8, 32);
		lu2k_key_public(&auth.local.pub, &auth.local.priv);
		lu2k_key_public(&peer.pub, &peer.priv);
		if (lu2k_nid_range_parse("10.0.0.1@lu2k", &any))
			abort();
		auth.enabled = true;
		auth.peers = calloc(1, sizeof(*auth.peers));
		if (!auth.peers)
			abort();
		auth.peers[0].pub = peer.pub;
		auth.peers[0].r[0] = any;
		auth.peers[0].nr = 1;
		auth.npeers = 1;
		/* no handshake rate limit: every input makes handshakes, as fast as it runs */
		if (lu2k_auth_hs_rate_set(&auth, &(struct lu2k_hsrate_cfg){ 0 }))
			abort();
		if (lu2k_backend_rds.create(&env, NULL, 0, err, sizeof(err), &be) ||
		    lu2k_backend_rds.listen(be, &bnid, PORT, &l))
			abort();
		socks = nsocks();
		ready = true;
	}
	if (size < 1)
		return 0;
	flags = data[0];
	data++, size--;
	memset(&st, 0, sizeof(st));
	/* conn ids stay new across inputs: the back-end keeps its RESET memory */
	{
		static uint64_t next_id = 1000;

		st.next_id = next_id;
		next_id += 1000;
	}
	st.l = l;
	if (flags & 1) {
		if ((flags & 12) == 12)
			hs_in();
		else
			fast_in(l);
	}
	if (flags & 2) {
		if ((flags & 12) == 12)
			hs_out(be);
		else
			fast_out(be);
	}
	while (size >= 2) {
		uint8_t op = data[0];
		size_t n = data[1];

		data += 2, size -= 2;
		if (n > size)
			n = size;
		run_op(be, op, data, n);
		data += n, size -= n;
	}
	reset(be);
	if (st.begun != st.ended)
		abort();
	lu2k_dg_sa_wipe(&st.sa[0]);
	lu2k_dg_sa_wipe(&st.sa[1]);
	if (nsocks() != socks)
		abort(); /* a socket left open, or the listener's closed */
	return 0;
}
