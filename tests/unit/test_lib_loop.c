/* SPDX-License-Identifier: MIT */
/*
 * liblu2k against a fake daemon (test_lib_fake.c): attach, messages looped
 * back bit-exact with exactly one completion each, credits/pool back-pressure,
 * the daemon dying mid-flight (-ECONNRESET once each, re-attach to a new one),
 * a daemon refusing the attach, and a hostile daemon's descriptors.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/nid.h"
#include "lib/lu2k.h"
#include "test_lib_fake.h"
#include "../t.h"

#define MAXMSG 4096

struct tctx {
	unsigned char done[MAXMSG]; /* completions per message id */
	int status[MAXMSG];
	unsigned char rxd[MAXMSG]; /* receptions per message id */
	unsigned long rx_bad;
	int keep; /* on_rx keeps buffers */
	struct lu2k_rx_msg kept[16];
	int nkept;
	int ups, downs, last_down;
	unsigned long evts;
};

static char sock_path[108];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint8_t pat(unsigned int id, size_t i)
{
	return (uint8_t)(id * 31 + i * 7 + (i >> 8));
}

static void on_cpl(struct lu2k_ni *ni, void *ctx, int status, void *arg)
{
	struct tctx *t = arg;
	unsigned int id = (unsigned int)(uintptr_t)ctx;

	t->done[id]++;
	t->status[id] = status;
}

static int on_rx(struct lu2k_ni *ni, const struct lu2k_rx_msg *m, void *arg)
{
	struct tctx *t = arg;
	const uint8_t *p = m->payload;
	unsigned int id = (unsigned int)m->lnet->msg.put.match_bits;

	if (m->lnet->type != LU2K_LNET_MSG_PUT || id >= MAXMSG ||
	    m->payload_len != m->lnet->msg.put.hdr_data) {
		t->rx_bad++;
		return 0;
	}
	for (size_t i = 0; i < m->payload_len; i++)
		if (p[i] != pat(id, i)) {
			t->rx_bad++;
			return 0;
		}
	t->rxd[id]++;
	if (t->keep && t->nkept < 16) {
		t->kept[t->nkept++] = *m;
		return LU2K_RX_KEEP;
	}
	return 0;
}

static void on_state(struct lu2k_ni *ni, bool up, int status, void *arg)
{
	struct tctx *t = arg;

	if (up) {
		t->ups++;
	} else {
		t->downs++;
		t->last_down = status;
	}
}

static void on_evt(struct lu2k_ni *ni, const struct lu2k_evt_desc *e, void *arg)
{
	((struct tctx *)arg)->evts++;
}

static void params(struct lu2k_ni_params *p, struct tctx *t)
{
	lu2k_ni_params_init(p);
	lu2k_nid_parse("127.0.0.1@lu2k", &p->nid);
	p->socket_path = sock_path;
	p->ring_entries = 64;
	p->tx_pool_size = 4 << 20;
	p->rx_pool_size = 4 << 20;
	p->max_payload = 256 << 10;
	p->peer_credits = 8;
	p->credits = 16;
	p->on_cpl = on_cpl;
	p->on_rx = on_rx;
	p->on_state = on_state;
	p->on_evt = on_evt;
	p->arg = t;
}

static int send_put(struct lu2k_ni *ni, const struct lu2k_nid *to, unsigned int id, size_t size)
{
	static uint8_t payload[(256 << 10) + 64];
	struct lu2k_lnet_hdr h;
	struct iovec iov[2];
	uint8_t hb[LU2K_HDR_MAX];
	int hl;

	memset(&h, 0, sizeof(h));
	h.dest_nid = *to;
	h.src_nid = *lu2k_ni_nid(ni);
	h.type = LU2K_LNET_MSG_PUT;
	h.payload_length = (uint32_t)size;
	h.msg.put.match_bits = id;
	h.msg.put.hdr_data = size;
	h.msg.put.ack_wmd.interface_cookie = LU2K_LNET_COOKIE_NONE;
	h.msg.put.ack_wmd.object_cookie = LU2K_LNET_COOKIE_NONE;
	hl = lu2k_lnet_hdr_encode(&h, hb, sizeof(hb));
	for (size_t i = 0; i < size; i++)
		payload[i] = pat(id, i);
	/* two pieces, to exercise the gather */
	iov[0].iov_base = payload;
	iov[0].iov_len = size / 3;
	iov[1].iov_base = payload + size / 3;
	iov[1].iov_len = size - size / 3;
	return lu2k_send(ni, to, NULL, hb, (size_t)hl, iov, 2, 0, (void *)(uintptr_t)id);
}

/* Process until cond or the deadline (seconds). */
#define WAIT_FOR(ni, cond, secs)                  \
	do {                                      \
		double t_end_ = now() + (secs);   \
		while (!(cond) && now() < t_end_) \
			lu2k_ni_wait((ni), 20);   \
	} while (0)

static unsigned int count_done(const struct tctx *t, unsigned int n, int status)
{
	unsigned int c = 0;

	for (unsigned int i = 0; i < n; i++)
		c += t->done[i] == 1 && t->status[i] == status;
	return c;
}

static void test_loop(void)
{
	static struct tctx t;
	struct lu2k_ni_params p;
	struct lu2k_ni_stats st;
	struct lu2k_ni *ni;
	struct fake f = { 0 };
	struct lu2k_nid v6;
	unsigned int n = 3000, i;

	memset(&t, 0, sizeof(t));
	T_EQ(fake_start(&f, sock_path, FAKE_LOOP), 0);
	params(&p, &t);
	T_EQ(lu2k_ni_open(&ni, &p), 0);
	T_ASSERT(lu2k_ni_attached(ni));
	T_EQU(lu2k_ni_features(ni), LU2K_FEAT_ALL);
	T_ASSERT(f.sealed);
	lu2k_nid_parse("[2001:db8::1]@lu2k", &v6);
	srand(3);
	for (i = 0; i < n;) {
		size_t size = i % 10 == 0 ? 0 : (size_t)(rand() % (i % 97 == 1 ? 256 << 10 : 9000));
		/* a few to an IPv6 NID: 96-byte nid16 headers */
		int rc = send_put(ni, i % 50 == 7 ? &v6 : lu2k_ni_nid(ni), i, size);

		if (rc == -EAGAIN) {
			lu2k_ni_wait(ni, 50);
			continue;
		}
		T_EQ(rc, 0);
		i++;
	}
	WAIT_FOR(ni, count_done(&t, n, 0) == n, 20);
	WAIT_FOR(ni, ({
			 unsigned int r = 0;
			 for (unsigned int k = 0; k < n; k++)
				 r += t.rxd[k];
			 r == n;
		 }),
		 20);
	for (i = 0; i < n; i++) {
		T_EQ(t.done[i], 1);
		T_EQ(t.status[i], 0);
		T_EQ(t.rxd[i], 1);
	}
	T_EQ(t.rx_bad, 0);
	lu2k_ni_stats(ni, &st);
	T_EQU(st.cpl_ok, n);
	T_EQU(st.rx_msgs, n);
	T_EQU(st.inflight, 0);
	T_EQU(st.tx_pool_used, 0);
	T_EQU(st.bad_cpl + st.bad_cookie_dup + st.bad_cookie_unknown + st.bad_rx + st.bad_hdr, 0);
	T_ASSERT(st.eagain_credits > 0); /* 16 credits for 3000 messages: back-pressure */
	lu2k_ni_close(ni);
	fake_stop(&f);
	T_EQ(f.tx_bad, 0);
	T_EQ(f.bad_frees, 0);
}

/* LU2K_NI_DEFER_KICK: sends never kick; one flush kicks at most once for all. */
static void test_defer_kick(void)
{
	static struct tctx t;
	struct lu2k_ni_params p;
	struct lu2k_ni_stats st;
	struct lu2k_ni *ni;
	struct fake f = { 0 };

	memset(&t, 0, sizeof(t));
	T_EQ(fake_start(&f, sock_path, FAKE_LOOP), 0);
	params(&p, &t);
	p.flags = LU2K_NI_DEFER_KICK;
	p.peer_credits = p.credits = 64;
	T_EQ(lu2k_ni_open(&ni, &p), 0);
	usleep(20000); /* let the fake go to sleep and ask for kicks */
	for (unsigned int i = 0; i < 50; i++)
		T_EQ(send_put(ni, &p.nid, i, 100), 0);
	lu2k_ni_stats(ni, &st);
	T_EQU(st.kicks_sent, 0);
	lu2k_ni_flush(ni);
	lu2k_ni_stats(ni, &st);
	T_ASSERT(st.kicks_sent <= 1);
	WAIT_FOR(ni, count_done(&t, 50, 0) == 50, 5);
	T_EQ(count_done(&t, 50, 0), 50);
	lu2k_ni_close(ni);
	fake_stop(&f);
}

static void test_send_checks(void)
{
	static struct tctx t;
	struct lu2k_ni_params p;
	struct lu2k_ni *ni;
	struct fake f = { 0 };
	struct lu2k_nid bad, other;
	uint8_t hb[LU2K_HDR_MAX];
	struct lu2k_lnet_hdr h;
	int hl;

	memset(&t, 0, sizeof(t));
	T_EQ(fake_start(&f, sock_path, FAKE_LOOP), 0);
	params(&p, &t);
	T_EQ(lu2k_ni_open(&ni, &p), 0);
	T_EQ(send_put(ni, lu2k_ni_nid(ni), 1, (256 << 10) + 1), -EMSGSIZE);
	memset(&bad, 0, sizeof(bad));
	T_EQ(send_put(ni, &bad, 1, 10), -EINVAL); /* not a lu2k NID */
	memset(&h, 0, sizeof(h));
	h.dest_nid = h.src_nid = p.nid;
	h.type = LU2K_LNET_MSG_GET;
	h.payload_length = 0;
	hl = lu2k_lnet_hdr_encode(&h, hb, sizeof(hb));
	T_EQ(lu2k_send(ni, &p.nid, NULL, hb, (size_t)hl, NULL, 0, 0, NULL), 0);
	/* a GET carries no payload; a header that says otherwise is refused */
	{
		struct iovec iov = { hb, 1 };

		T_EQ(lu2k_send(ni, &p.nid, NULL, hb, (size_t)hl, &iov, 1, 0, NULL), -EPROTO);
	}
	T_EQ(lu2k_send(ni, &p.nid, NULL, hb, 71, NULL, 0, 0, NULL), -EPROTO);
	/* routed through a next hop */
	lu2k_nid_parse("127.0.0.2@lu2k", &other);
	T_EQ(lu2k_send(ni, &p.nid, &other, hb, (size_t)hl, NULL, 0, 0, NULL), 0);
	WAIT_FOR(ni, t.done[0] == 2, 5);
	T_EQ(t.done[0], 2);
	lu2k_ni_close(ni);
	fake_stop(&f);
	T_EQ(f.tx_bad, 0);
}

static void test_no_daemon(void)
{
	static struct tctx t;
	struct lu2k_ni_params p;
	struct lu2k_ni *ni;
	struct fake f = { 0 };

	memset(&t, 0, sizeof(t));
	unlink(sock_path);
	params(&p, &t);
	T_EQ(lu2k_ni_open(&ni, &p), -ENOENT);
	p.flags = LU2K_NI_RETRY;
	T_EQ(lu2k_ni_open(&ni, &p), 0);
	T_ASSERT(!lu2k_ni_attached(ni));
	T_EQ(send_put(ni, &p.nid, 0, 10), -ENOTCONN);
	/* a daemon shows up: the backoff timer attaches to it */
	T_EQ(fake_start(&f, sock_path, FAKE_LOOP), 0);
	WAIT_FOR(ni, lu2k_ni_attached(ni), 5);
	T_ASSERT(lu2k_ni_attached(ni));
	T_EQ(t.ups, 1);
	T_EQ(send_put(ni, &p.nid, 0, 10), 0);
	WAIT_FOR(ni, t.done[0] && t.rxd[0], 5);
	T_EQ(t.status[0], 0);
	lu2k_ni_close(ni);
	fake_stop(&f);
}

/* A daemon that never answers must not stall the caller's loop. */
static void test_hung_daemon(void)
{
	static struct tctx t;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct lu2k_ni_params p;
	struct lu2k_ni *ni;
	struct fake f = { 0 };
	double t0, worst = 0;
	int lfd;

	memset(&t, 0, sizeof(t));
	unlink(sock_path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	T_EQ(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	T_EQ(listen(lfd, 16), 0); /* and never accept */
	params(&p, &t);
	p.attach_timeout_ms = 1000;
	p.flags = LU2K_NI_RETRY;
	t0 = now();
	T_EQ(lu2k_ni_open(&ni, &p), 0); /* the first try waits its 1 s */
	T_ASSERT(now() - t0 < 3.0);
	T_ASSERT(!lu2k_ni_attached(ni));
	t0 = now();
	while (now() - t0 < 3.5) { /* several background tries meanwhile */
		double t1 = now();

		lu2k_ni_wait(ni, 10);
		if (now() - t1 > worst)
			worst = now() - t1;
	}
	T_ASSERT(worst < 0.5); /* a blocking try would take its whole second */
	T_ASSERT(!lu2k_ni_attached(ni));
	close(lfd);
	T_EQ(fake_start(&f, sock_path, FAKE_LOOP), 0);
	WAIT_FOR(ni, lu2k_ni_attached(ni), 8);
	T_ASSERT(lu2k_ni_attached(ni));
	T_EQ(send_put(ni, &p.nid, 0, 10), 0);
	WAIT_FOR(ni, t.done[0] && t.rxd[0], 5);
	T_EQ(t.status[0], 0);
	lu2k_ni_close(ni);
	fake_stop(&f);
}

static void test_reject(void)
{
	static struct tctx t;
	struct lu2k_ni_params p;
	struct lu2k_ni *ni;
	struct fake f = { .reject_status = -EOPNOTSUPP };

	memset(&t, 0, sizeof(t));
	T_EQ(fake_start(&f, sock_path, FAKE_REJECT), 0);
	params(&p, &t);
	T_EQ(lu2k_ni_open(&ni, &p), -EOPNOTSUPP);
	fake_stop(&f);
}

static void test_daemon_death(void)
{
	static struct tctx t;
	struct lu2k_ni_params p;
	struct lu2k_ni_stats st;
	struct lu2k_ni *ni;
	struct fake f = { .die_after = 12, .complete_n = 5 };
	unsigned int i;

	memset(&t, 0, sizeof(t));
	T_EQ(fake_start(&f, sock_path, FAKE_DIE), 0);
	params(&p, &t);
	p.peer_credits = 16;
	T_EQ(lu2k_ni_open(&ni, &p), 0);
	for (i = 0; i < 12; i++)
		T_EQ(send_put(ni, &p.nid, i, 1000), 0);
	WAIT_FOR(ni, t.downs, 5);
	T_EQ(t.downs, 1);
	T_EQ(t.last_down, -ECONNRESET);
	T_ASSERT(!lu2k_ni_attached(ni));
	T_EQ(count_done(&t, 12, 0), 5);
	T_EQ(count_done(&t, 12, -ECONNRESET), 7);
	T_EQ(send_put(ni, &p.nid, 20, 10), -ENOTCONN);
	lu2k_ni_stats(ni, &st);
	T_EQU(st.reset_cpls, 7);
	T_EQU(st.inflight, 0);
	T_EQU(st.detaches, 1);
	fake_stop(&f);

	/* a restarted daemon: re-attach (backoff) and carry on */
	T_EQ(fake_start(&f, sock_path, FAKE_LOOP), 0);
	WAIT_FOR(ni, lu2k_ni_attached(ni), 5);
	T_ASSERT(lu2k_ni_attached(ni));
	T_EQ(t.ups, 1);
	for (i = 30; i < 40; i++)
		T_EQ(send_put(ni, &p.nid, i, 5000), 0);
	WAIT_FOR(ni, count_done(&t, 40, 0) == 15, 5);
	T_EQ(count_done(&t, 40, 0), 15);
	for (i = 0; i < 12; i++)
		T_EQ(t.done[i], 1); /* still exactly once each */
	lu2k_ni_close(ni);
	fake_stop(&f);
}

static void test_kept_buffer_outlives_daemon(void)
{
	static struct tctx t;
	struct lu2k_ni_params p;
	struct lu2k_ni *ni;
	struct fake f = { 0 };

	memset(&t, 0, sizeof(t));
	t.keep = 1;
	T_EQ(fake_start(&f, sock_path, FAKE_LOOP), 0);
	params(&p, &t);
	T_EQ(lu2k_ni_open(&ni, &p), 0);
	T_EQ(send_put(ni, &p.nid, 3, 3000), 0);
	WAIT_FOR(ni, t.nkept == 1, 5);
	T_EQ(t.nkept, 1);
	fake_stop(&f);
	WAIT_FOR(ni, t.downs == 1, 5);
	T_EQ(t.downs, 1);
	/* the region of the dead session stays mapped while we hold a buffer */
	for (uint32_t i = 0; i < t.kept[0].payload_len; i++)
		T_EQ(((const uint8_t *)t.kept[0].payload)[i], pat(3, i));
	lu2k_rx_done(ni, &t.kept[0]);
	lu2k_ni_close(ni);
}

static struct lu2k_tx_desc one_tx(struct lu2k_ni *ni, struct fake *f, struct tctx *t,
				  unsigned int id, size_t size)
{
	struct lu2k_tx_desc d;

	memset(&d, 0, sizeof(d));
	send_put(ni, lu2k_ni_nid(ni), id, size);
	while (!fake_pop_tx(f, &d))
		usleep(100);
	return d;
}

/*
 * The module's bounds (include/lu2k/credit.h): asked for more credits than
 * the ring has entries, the setup offers ring_entries, a peer at most that;
 * the send past them is refused for credits, not for ring space.
 */
static void test_credit_bounds(void)
{
	static struct tctx t;
	struct lu2k_ni_params p;
	struct lu2k_ni_stats st;
	struct lu2k_ni *ni;
	struct fake f = { 0 };

	memset(&t, 0, sizeof(t));
	T_EQ(fake_start(&f, sock_path, FAKE_MANUAL), 0);
	params(&p, &t);
	p.credits = 1000;
	p.peer_credits = 2000;
	T_EQ(lu2k_ni_open(&ni, &p), 0);
	fake_wait_attached(&f);
	T_EQU(f.s.credits, 64);
	T_EQU(f.s.peer_credits, 64);
	for (unsigned int i = 0; i < 64; i++)
		T_EQ(send_put(ni, lu2k_ni_nid(ni), i, 10), 0);
	T_EQ(send_put(ni, lu2k_ni_nid(ni), 64, 10), -EAGAIN);
	lu2k_ni_stats(ni, &st);
	T_EQU(st.eagain_credits, 1);
	T_EQU(st.eagain_ring, 0);
	T_EQU(st.inflight, 64);
	lu2k_ni_close(ni);
	for (unsigned int i = 0; i < 64; i++) { /* each failed once at close */
		T_EQ(t.done[i], 1);
		T_EQ(t.status[i], -ECANCELED);
	}
	T_EQ(t.done[64], 0);
	fake_stop(&f);
}

/* Random bytes in every ring the daemon writes: all refused, nothing else disturbed. */
static void test_garbage(void)
{
	static struct tctx t;
	struct lu2k_ni_params p;
	struct lu2k_ni_stats st;
	struct lu2k_ni *ni;
	struct fake f = { 0 };
	struct lu2k_tx_desc d[5];
	unsigned long posted = 0;

	memset(&t, 0, sizeof(t));
	T_EQ(fake_start(&f, sock_path, FAKE_MANUAL), 0);
	params(&p, &t);
	T_EQ(lu2k_ni_open(&ni, &p), 0);
	fake_wait_attached(&f);
	for (unsigned int i = 0; i < 5; i++)
		d[i] = one_tx(ni, &f, &t, i, 1000);
	srand(11);
	for (int round = 0; round < 50; round++) {
		for (int k = 0; k < 60; k++) {
			struct lu2k_cpl_desc c;
			struct lu2k_rx_desc r;
			struct lu2k_evt_desc e;

			for (size_t b = 0; b < sizeof(c); b++)
				((uint8_t *)&c)[b] = (uint8_t)rand();
			for (size_t b = 0; b < sizeof(r); b++)
				((uint8_t *)&r)[b] = (uint8_t)rand();
			for (size_t b = 0; b < sizeof(e); b++)
				((uint8_t *)&e)[b] = (uint8_t)rand();
			if (k % 3 == 0)
				c.reserved = 0; /* some get as far as the cookie lookup */
			lu2k_ring_push(&f.cpl, &c);
			lu2k_ring_push(&f.rx, &r);
			lu2k_ring_push(&f.evt, &e);
			posted++;
		}
		lu2k_ni_process(ni);
	}
	lu2k_ni_stats(ni, &st);
	T_EQU(st.bad_cpl + st.bad_cookie_unknown, posted);
	T_EQU(st.bad_rx + st.bad_hdr, posted);
	T_EQU(st.bad_evt, posted);
	T_EQU(st.rx_msgs, 0);
	for (unsigned int i = 0; i < 5; i++)
		T_EQ(t.done[i], 0);
	T_ASSERT(lu2k_ni_attached(ni));
	for (unsigned int i = 0; i < 5; i++)
		fake_post_cpl(&f, d[i].cookie, 0);
	lu2k_ni_process(ni);
	T_EQ(count_done(&t, 5, 0), 5);
	lu2k_ni_close(ni);
	fake_stop(&f);
}

/* A daemon that never completes: the watchdog completes once, the late CPL is swallowed. */
static void test_watchdog(void)
{
	static struct tctx t;
	struct lu2k_ni_params p;
	struct lu2k_ni_stats st;
	struct lu2k_ni *ni;
	struct fake f = { 0 };
	struct lu2k_tx_desc d0, d1;
	double t0;

	memset(&t, 0, sizeof(t));
	T_EQ(fake_start(&f, sock_path, FAKE_MANUAL), 0);
	params(&p, &t);
	p.timeout_ms = 100;
	p.timeout_grace_ms = 1000; /* the watchdog at 100 ms + 1 s, as the module's rule */
	T_EQ(lu2k_ni_open(&ni, &p), 0);
	fake_wait_attached(&f);
	d0 = one_tx(ni, &f, &t, 0, 10);
	d1 = one_tx(ni, &f, &t, 1, 10);
	t0 = now();
	while (!(t.done[0] && t.done[1]) && now() - t0 < 5)
		lu2k_ni_wait(ni, 5000); /* the timerfd wakes us: no caller timeout needed */
	T_ASSERT(now() - t0 < 3);
	T_ASSERT(now() - t0 >= 1.0); /* not before timeout + grace */
	T_EQ(t.done[0], 1);
	T_EQ(t.status[0], -ETIMEDOUT);
	T_EQ(t.done[1], 1);
	lu2k_ni_stats(ni, &st);
	T_EQU(st.watchdog_cpls, 2);
	T_EQU(st.inflight, 2); /* the daemon may still read them: kept */
	fake_post_cpl(&f, d0.cookie, 0);
	lu2k_ni_process(ni);
	lu2k_ni_stats(ni, &st);
	T_EQU(st.late_cpls, 1);
	T_EQU(st.inflight, 1);
	T_EQ(t.done[0], 1);
	fake_post_cpl(&f, d0.cookie, 0); /* and a third time: a duplicate */
	lu2k_ni_process(ni);
	lu2k_ni_stats(ni, &st);
	T_EQU(st.bad_cookie_dup, 1);
	lu2k_ni_close(ni);
	T_EQ(t.done[1], 1); /* no second completion at close */
	(void)d1;
	fake_stop(&f);
}

static void test_hostile(void)
{
	static struct tctx t;
	struct lu2k_ni_params p;
	struct lu2k_ni_stats st;
	struct lu2k_ni *ni;
	struct fake f = { 0 };
	struct lu2k_tx_desc d1, d2, d3;
	struct lu2k_rx_desc rx, bad;
	struct lu2k_cpl_desc c;
	struct lu2k_evt_desc e;

	memset(&t, 0, sizeof(t));
	t.keep = 1;
	T_EQ(fake_start(&f, sock_path, FAKE_MANUAL), 0);
	params(&p, &t);
	T_EQ(lu2k_ni_open(&ni, &p), 0);
	fake_wait_attached(&f);
	d1 = one_tx(ni, &f, &t, 1, 100);
	d2 = one_tx(ni, &f, &t, 2, 200);
	d3 = one_tx(ni, &f, &t, 3, 300);

	fake_post_cpl(&f, d1.cookie, 0);
	fake_post_cpl(&f, d1.cookie, 0);				/* duplicate */
	fake_post_cpl(&f, d2.cookie ^ (1ULL << 40), 0);			/* forged generation */
	fake_post_cpl(&f, 12345, 0);					/* never issued */
	c = (struct lu2k_cpl_desc){ .cookie = d2.cookie, .status = 5 }; /* positive status */
	fake_post_raw_cpl(&f, &c);
	c = (struct lu2k_cpl_desc){ .cookie = d2.cookie, .reserved = 1 };
	fake_post_raw_cpl(&f, &c);
	lu2k_ni_process(ni);
	lu2k_ni_stats(ni, &st);
	T_EQ(t.done[1], 1);
	T_EQ(t.done[2], 0);
	T_EQU(st.bad_cookie_dup, 1);
	T_EQU(st.bad_cookie_unknown, 2);
	T_EQU(st.bad_cpl, 2);

	/* a good RX that the test keeps, then descriptors that must be refused */
	T_EQ(fake_make_rx(&f, &d2, &rx), 0);
	fake_post_rx(&f, &rx);
	lu2k_ni_process(ni);
	T_EQ(t.rxd[2], 1);
	T_EQ(t.nkept, 1);
	fake_post_rx(&f, &rx); /* overlaps a held buffer */
	bad = rx;
	bad.buf_off = f.s.tx_pool_off; /* in the TX pool */
	fake_post_rx(&f, &bad);
	bad = rx;
	bad.alloc_len = (uint32_t)f.s.rx_pool_size; /* runs past the pool */
	bad.buf_off += 64;
	fake_post_rx(&f, &bad);
	bad = rx;
	bad.src.type = 3; /* not a lu2k NID */
	fake_post_rx(&f, &bad);
	bad = rx;
	bad.reserved[1] = 1;
	fake_post_rx(&f, &bad);
	bad = rx;
	bad.payload_len = bad.alloc_len; /* hdr + payload > alloc */
	fake_post_rx(&f, &bad);
	lu2k_ni_process(ni);
	lu2k_ni_stats(ni, &st);
	T_EQU(st.bad_rx, 6);
	T_EQ(t.rxd[2], 1);

	/* a well-placed RX whose LNet header lies: freed back, not delivered */
	T_EQ(fake_make_rx(&f, &d3, &rx), 0);
	((uint8_t *)f.region)[rx.buf_off + 28] ^= 1; /* payload_length */
	fake_post_rx(&f, &rx);
	lu2k_ni_process(ni);
	lu2k_ni_stats(ni, &st);
	T_EQU(st.bad_hdr, 1);
	T_EQ(t.rxd[3], 0);
	fake_reap_free(&f);
	T_EQ(f.frees, 1);
	T_EQ(f.bad_frees, 0);

	/* events: a good one, a bad one */
	e = (struct lu2k_evt_desc){ .type = LU2K_EVT_PEER_UP, .nid = p.nid };
	fake_post_evt(&f, &e);
	e.type = 99;
	fake_post_evt(&f, &e);
	lu2k_ni_process(ni);
	lu2k_ni_stats(ni, &st);
	T_EQU(st.evts, 1);
	T_EQU(st.bad_evt, 1);
	T_EQ(t.evts, 1);

	/* an impossible ring index: the channel is dropped, the rest fails once */
	*f.cpl.prod = f.cpl.head + 100000;
	lu2k_ni_process(ni);
	T_EQ(t.downs, 1);
	T_EQ(t.last_down, -EPROTO);
	T_EQ(t.done[2], 1);
	T_EQ(t.status[2], -ECONNRESET);
	T_EQ(t.done[3], 1);
	T_EQ(t.status[3], -ECONNRESET);
	T_EQ(t.done[1], 1);
	lu2k_rx_done(ni, &t.kept[0]);
	lu2k_ni_close(ni);
	fake_stop(&f);
}

int main(void)
{
	snprintf(sock_path, sizeof(sock_path), "/tmp/lu2k-test-lib-%d.sock", (int)getpid());
	T_RUN(test_loop);
	T_RUN(test_defer_kick);
	T_RUN(test_send_checks);
	T_RUN(test_no_daemon);
	T_RUN(test_hung_daemon);
	T_RUN(test_reject);
	T_RUN(test_daemon_death);
	T_RUN(test_kept_buffer_outlives_daemon);
	T_RUN(test_hostile);
	T_RUN(test_watchdog);
	T_RUN(test_credit_bounds);
	T_RUN(test_garbage);
	unlink(sock_path);
	return t_done();
}
