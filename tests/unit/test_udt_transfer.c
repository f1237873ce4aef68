// SPDX-License-Identifier: MIT
/*
 * test_udt_transfer.c - two UDT engines over a simulated link: whole
 * transfers with delay, rate limit and loss, checked byte for byte, with
 * one completion per message; out-of-order messages not held back by a
 * loss in another message; and no message lost when the tables are trimmed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/t.h"
#include "proto/udt/conn_int.h"
#include "proto/udt/udt.h"
#include "tests/sim/sim_link.h"

#define MAXMSG 4096

struct side {
	struct udt_conn *c;
	uint64_t acked, dropped, recvd, recv_bytes, bad;
	uint8_t got[MAXMSG], done[MAXMSG];
	size_t len[MAXMSG];
	uint32_t order[MAXMSG]; /* msgnos in delivery order */
	uint32_t norder;
	int state;
};

struct world {
	struct sim_dir ab, ba; /* client -> server, server -> client */
	struct side cl, sv;
	struct udt_listener lis;
	struct udt_config cfg;
	uint64_t now;
	uint8_t addr[6];
	uint32_t next_msgno;
};

static uint8_t pattern(uint32_t msgno, size_t i)
{
	return (uint8_t)(msgno * 131u + i * 7u + (i >> 8));
}

static void on_recv(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	struct side *s = ud;
	size_t off = 0;
	int i;

	if (msgno >= MAXMSG || s->got[msgno]) {
		s->bad++;
		return;
	}
	s->got[msgno] = 1;
	s->order[s->norder++] = msgno;
	s->recvd++;
	s->recv_bytes += len;
	for (i = 0; i < n; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t k;

		for (k = 0; k < iov[i].iov_len; k++, off++)
			if (p[k] != pattern(msgno, off)) {
				s->bad++;
				return;
			}
	}
	if (off != len || len != s->len[msgno])
		s->bad++;
}

static void on_acked(void *ud, uint32_t msgno, void *cookie)
{
	struct side *s = ud;

	if (msgno >= MAXMSG || s->done[msgno]++)
		s->bad++;
	s->acked++;
	free(cookie);
}

static void on_dropped(void *ud, uint32_t msgno, void *cookie, int err)
{
	struct side *s = ud;

	if (msgno >= MAXMSG || s->done[msgno]++)
		s->bad++;
	s->dropped++;
	free(cookie);
}

static void on_state(void *ud, enum udt_state st, int err)
{
	((struct side *)ud)->state = (int)st;
}

static const struct udt_callbacks cbs = {
	.msg_recv = on_recv,
	.msg_acked = on_acked,
	.msg_dropped = on_dropped,
	.state_change = on_state,
};

static void world_init(struct world *w, uint64_t delay_ns, uint64_t rate_bps)
{
	static const uint8_t key[16] = "lu2k-test-key-01";

	memset(w, 0, sizeof(*w));
	sim_dir_init(&w->ab, delay_ns, rate_bps, 4000);
	sim_dir_init(&w->ba, delay_ns, rate_bps, 4000);
	udt_config_default(&w->cfg);
	udt_listener_init(&w->lis, key, w->cfg.sock_type, w->cfg.mss, (int32_t)w->cfg.flight_max);
	memcpy(w->addr, "\x0a\x00\x00\x01\x12\x34", 6);
	w->now = 1000000000ull;
	w->next_msgno = 1;
	w->cl.c = udt_conn_connect(&w->cfg, &cbs, &w->cl, 0x1234567, 0x7ffffff0u - 5000, NULL,
				   w->now);
}

static void world_free(struct world *w)
{
	udt_conn_free(w->cl.c);
	udt_conn_free(w->sv.c);
	sim_dir_free(&w->ab);
	sim_dir_free(&w->ba);
}

static void to_server(struct world *w, const uint8_t *pkt, uint32_t len)
{
	struct udt_hs hs;
	uint8_t out[SIM_MAXPKT];
	size_t olen;
	int r;

	if (len >= 16 && !pkt[12] && !pkt[13] && !pkt[14] && !pkt[15]) {
		r = udt_listener_recv(&w->lis, pkt, len, w->addr, sizeof(w->addr), w->now, out,
				      sizeof(out), &olen, &hs);
		if (r == UDT_LISTEN_REPLY)
			sim_send(&w->ba, out, (uint32_t)olen, w->now);
		if (r != UDT_LISTEN_ACCEPT)
			return;
		if (!w->sv.c) {
			w->sv.c = udt_conn_accept(&w->cfg, &cbs, &w->sv, 0x2345678, &hs, NULL,
						  w->now);
			return;
		}
	}
	if (w->sv.c)
		udt_conn_recv_pkt(w->sv.c, pkt, len, w->now);
}

static void flush(struct world *w)
{
	uint8_t buf[SIM_MAXPKT];
	size_t n;

	while (w->cl.c && (n = udt_conn_write_pkt(w->cl.c, buf, sizeof(buf), w->now))) {
		if (getenv("UDT_TRACE"))
			fprintf(stderr, "%llu C> %02x%02x%02x%02x %02x%02x%02x%02x len %zu\n",
				(unsigned long long)w->now, buf[0], buf[1], buf[2], buf[3], buf[4],
				buf[5], buf[6], buf[7], n);
		sim_send(&w->ab, buf, (uint32_t)n, w->now);
	}
	while (w->sv.c && (n = udt_conn_write_pkt(w->sv.c, buf, sizeof(buf), w->now))) {
		if (getenv("UDT_TRACE"))
			fprintf(stderr, "%llu S> %02x%02x%02x%02x %02x%02x%02x%02x len %zu\n",
				(unsigned long long)w->now, buf[0], buf[1], buf[2], buf[3], buf[4],
				buf[5], buf[6], buf[7], n);
		sim_send(&w->ba, buf, (uint32_t)n, w->now);
	}
}

/* One step of the event loop; returns 0 when nothing will ever happen again. */
static int step(struct world *w)
{
	uint64_t t = UINT64_MAX;
	struct linkem_pkt *p;

	flush(w);
	if (w->cl.c)
		t = sim_min(t, udt_conn_next_deadline(w->cl.c));
	if (w->sv.c)
		t = sim_min(t, udt_conn_next_deadline(w->sv.c));
	t = sim_min(t, sim_next(&w->ab));
	t = sim_min(t, sim_next(&w->ba));
	if (t == UINT64_MAX)
		return 0;
	if (t > w->now)
		w->now = t;
	while ((p = sim_pop(&w->ab, w->now)))
		to_server(w, p->data, p->len);
	while ((p = sim_pop(&w->ba, w->now)))
		if (w->cl.c)
			udt_conn_recv_pkt(w->cl.c, p->data, p->len, w->now);
	if (w->cl.c && udt_conn_next_deadline(w->cl.c) <= w->now)
		udt_conn_handle_timers(w->cl.c, w->now);
	if (w->sv.c && udt_conn_next_deadline(w->sv.c) <= w->now)
		udt_conn_handle_timers(w->sv.c, w->now);
	return 1;
}

static int run_until_connected(struct world *w)
{
	uint64_t end = w->now + 5000000000ull;

	while (w->now < end && step(w))
		if (udt_conn_state(w->cl.c) == UDT_ST_CONNECTED && w->sv.c)
			return 1;
	return 0;
}

static int queue_msg(struct world *w, size_t len, int in_order)
{
	uint8_t *buf;
	uint32_t msgno, i;
	int r;

	if (udt_conn_send_space(w->cl.c) < len)
		return -EAGAIN;
	buf = malloc(len);
	/* message numbers are given in order from 1: the pattern can use it */
	for (i = 0; i < len; i++)
		buf[i] = pattern(w->next_msgno, i);
	r = udt_conn_send_msg(w->cl.c, buf, len, -1, in_order, 0, buf, &msgno, w->now);
	if (r) {
		free(buf);
		return r;
	}
	if (msgno != w->next_msgno)
		return -EPROTO;
	w->sv.len[msgno] = len;
	w->next_msgno++;
	return 0;
}

/* Deterministic sizes: mostly small, some up to 300 KB. */
static size_t msg_size(uint32_t k)
{
	uint32_t x = k * 2654435761u;

	if (x % 7 == 0)
		return 100000 + x % 200000;
	if (x % 3 == 0)
		return 1 + x % 1456;
	return 1456 * (1 + x % 8) + x % 100;
}

struct xfer_result {
	uint64_t sim_ns;
	int ok;
};

/* Sends nmsgs messages (in_order per the mask) and runs until all are acked. */
static void transfer(struct world *w, uint32_t nmsgs, uint64_t limit_ns, int mixed_order,
		     struct xfer_result *res)
{
	uint64_t start = w->now, end = w->now + limit_ns;
	uint32_t k = 0;

	res->ok = 0;
	while (w->now < end) {
		while (k < nmsgs && queue_msg(w, msg_size(k), mixed_order ? (int)(k & 1) : 1) == 0)
			k++;
		if (k == nmsgs && w->cl.acked + w->cl.dropped == nmsgs)
			break;
		if (!step(w))
			break;
	}
	res->sim_ns = w->now - start;
	res->ok = k == nmsgs && w->cl.acked == nmsgs;
}

static void check_all_delivered(struct world *w, uint32_t nmsgs)
{
	uint32_t m;

	for (m = 1; m <= nmsgs; m++)
		T_ASSERT(w->sv.got[m] && w->cl.done[m] == 1);
}

#define OPT_HS_RTT     1 /* start from the path's RTT */
#define OPT_RESEND_ALL 2 /* UDT4's EXP: resend everything unacknowledged */

static void run_transfer_cfg(uint64_t delay_ns, uint64_t rate, uintptr_t loss_every, uint32_t nmsgs,
			     uint64_t limit_ns, int mixed, int opts, uint64_t *retrans)
{
	struct world *w = calloc(1, sizeof(*w));
	struct xfer_result r;
	struct udt_stats st;

	world_init(w, delay_ns, rate);
	if (opts) {
		udt_conn_free(w->cl.c);
		/* both ends start from the path's RTT, as UDT4's cache would have it */
		if (opts & OPT_HS_RTT)
			w->cfg.init_rtt_ns = 2 * delay_ns;
		w->cfg.exp_resend_all = !!(opts & OPT_RESEND_ALL);
		w->cl.c = udt_conn_connect(&w->cfg, &cbs, &w->cl, 0x1234567, 0x7ffffff0u - 5000,
					   NULL, w->now);
	}
	w->ab.drop = sim_drop_every;
	w->ab.drop_arg = (void *)loss_every;
	T_ASSERT(run_until_connected(w));
	transfer(w, nmsgs, limit_ns, mixed, &r);
	udt_conn_get_stats(w->cl.c, &st);
	printf("  delay %llu ms, %llu Mbit/s, loss 1/%lu: %u msgs, %.1f MB in %.2f s sim; "
	       "sent %llu retrans %llu naks %llu rtt %d us, period %.1f us\n",
	       (unsigned long long)(delay_ns / 1000000), (unsigned long long)(rate / 1000000),
	       (unsigned long)loss_every, nmsgs, w->sv.recv_bytes / 1e6, r.sim_ns / 1e9,
	       (unsigned long long)st.pkts_sent, (unsigned long long)st.pkts_retrans,
	       (unsigned long long)st.naks_recv, st.rtt_us, st.pkt_snd_period_us);
	if (getenv("UDT_DEBUG")) {
		struct udt_stats ss;

		udt_conn_get_stats(w->sv.c, &ss);
		printf("  server: recv %llu bad %llu oow %llu dup %llu acks %llu light %llu naks "
		       "%llu\n",
		       (unsigned long long)ss.pkts_recv, (unsigned long long)ss.pkts_bad,
		       (unsigned long long)ss.pkts_out_of_window, (unsigned long long)ss.pkts_dup,
		       (unsigned long long)ss.acks_sent, (unsigned long long)ss.light_acks_sent,
		       (unsigned long long)ss.naks_sent);
		printf("  client: bad %llu acks_recv %llu\n", (unsigned long long)st.pkts_bad,
		       (unsigned long long)st.acks_recv);
	}
	T_EQ(w->cl.bad, 0);
	T_EQ(w->sv.bad, 0);
	T_ASSERT(r.ok);
	T_EQ(w->sv.recvd, nmsgs);
	check_all_delivered(w, nmsgs);
	if (loss_every)
		T_ASSERT(st.pkts_retrans > 0);

	/* graceful shutdown reaches the peer */
	T_EQ(udt_conn_shutdown(w->cl.c, w->now), 0);
	for (int i = 0; i < 100000 && udt_conn_state(w->sv.c) != UDT_ST_CLOSED && step(w); i++)
		;
	T_EQ(udt_conn_state(w->cl.c), UDT_ST_CLOSED);
	T_EQ(udt_conn_state(w->sv.c), UDT_ST_CLOSED);
	world_free(w);
	free(w);
	*retrans = st.pkts_retrans;
}

static void run_transfer(uint64_t delay_ns, uint64_t rate, uintptr_t loss_every, uint32_t nmsgs,
			 uint64_t limit_ns, int mixed)
{
	uint64_t retrans;

	run_transfer_cfg(delay_ns, rate, loss_every, nmsgs, limit_ns, mixed, 0, &retrans);
}

static void test_connect(void)
{
	struct world *w = calloc(1, sizeof(*w));

	world_init(w, 5000000, 100000000);
	T_ASSERT(run_until_connected(w));
	T_EQ(udt_conn_peer_id(w->cl.c), 0x2345678);
	T_EQ(udt_conn_peer_id(w->sv.c), 0x1234567);
	T_EQ(w->lis.bad_cookies, 0);
	world_free(w);
	free(w);
}

static void test_transfer_clean(void)
{
	run_transfer(10000000, 100000000, 0, 200, 60000000000ull, 0);
}

static void test_transfer_loss50(void)
{
	run_transfer(25000000, 50000000, 50, 300, 120000000000ull, 1);
}

static void test_transfer_long_rtt(void)
{
	run_transfer(300000000, 50000000, 100, 200, 300000000000ull, 1);
}

struct drop_seq {
	uint32_t seq;
	int times; /* drop this many transmissions; < 0: all */
};

static int drop_seq_rule(struct sim_dir *d, const uint8_t *pkt, uint32_t len, void *arg)
{
	struct drop_seq *ds = arg;
	uint32_t seq =
		(uint32_t)pkt[0] << 24 | (uint32_t)pkt[1] << 16 | (uint32_t)pkt[2] << 8 | pkt[3];

	if ((pkt[0] & 0x80) || seq != ds->seq || ds->times == 0)
		return 0;
	if (ds->times > 0)
		ds->times--;
	return 1;
}

static int drop_all(struct sim_dir *d, const uint8_t *pkt, uint32_t len, void *arg)
{
	return 1;
}

#define ISN (0x7ffffff0u - 5000)

/* A loss in message 1 does not hold back message 2 unless it asks for order. */
static void hol(int second_in_order, uint32_t *first_delivered)
{
	struct world *w = calloc(1, sizeof(*w));
	struct drop_seq ds = { ISN + 400 + 10, 1 };
	int i;

	world_init(w, 20000000, 100000000);
	T_ASSERT(run_until_connected(w));
	/* warm up: 50 messages of 8 packets open the congestion window */
	for (i = 0; i < 50; i++)
		T_EQ(queue_msg(w, 1456 * 8, 1), 0);
	for (i = 0; i < 100000 && w->cl.acked < 50 && step(w); i++)
		;
	T_EQ(w->cl.acked, 50);
	w->ab.drop = drop_seq_rule;
	w->ab.drop_arg = &ds;
	T_EQ(queue_msg(w, 1456 * 50, 1), 0);
	T_EQ(queue_msg(w, 100, second_in_order), 0);
	for (i = 0; i < 100000 && w->cl.acked < 52 && step(w); i++)
		;
	T_EQ(w->cl.acked, 52);
	T_EQ(w->sv.recvd, 52);
	T_EQ(w->sv.bad, 0);
	T_EQ(ds.times, 0);
	*first_delivered = w->sv.order[50];
	world_free(w);
	free(w);
}

static void test_no_head_of_line_blocking(void)
{
	uint32_t first = 0;

	hol(0, &first);
	T_EQU(first, 52);
	hol(1, &first);
	T_EQU(first, 51);
}

/* A message whose packet never arrives is dropped when its TTL is over. */
static void test_ttl_drop(void)
{
	struct world *w = calloc(1, sizeof(*w));
	struct drop_seq ds = { ISN + 5, -1 };
	uint8_t *buf = malloc(1456 * 20);
	uint32_t msgno;
	int i;

	world_init(w, 20000000, 100000000);
	T_ASSERT(run_until_connected(w));
	w->ab.drop = drop_seq_rule;
	w->ab.drop_arg = &ds;
	memset(buf, 1, 1456 * 20);
	T_EQ(udt_conn_send_msg(w->cl.c, buf, 1456 * 20, 200, 1, UDT_MSG_COPY, NULL, &msgno, w->now),
	     0);
	free(buf);
	w->next_msgno++;
	T_EQ(queue_msg(w, 3000, 1), 0);
	for (i = 0; i < 200000 && w->cl.acked + w->cl.dropped < 2 && step(w); i++)
		;
	T_EQ(w->cl.dropped, 1);
	T_EQ(w->cl.acked, 1);
	T_EQ(w->cl.done[1], 1);
	T_EQ(w->cl.done[2], 1);
	T_ASSERT(!w->sv.got[1]);
	T_ASSERT(w->sv.got[2]);
	T_EQ(w->sv.bad, 0);
	world_free(w);
	free(w);
}

/* A peer that goes silent: the connection breaks, queued messages fail once. */
static void test_peer_vanishes(void)
{
	struct world *w = calloc(1, sizeof(*w));
	uint64_t t0;
	int i;

	world_init(w, 20000000, 100000000);
	T_ASSERT(run_until_connected(w));
	w->ab.drop = drop_all;
	w->ba.drop = drop_all;
	t0 = w->now;
	T_EQ(queue_msg(w, 5000, 1), 0);
	for (i = 0; i < 100000 && udt_conn_state(w->cl.c) != UDT_ST_BROKEN && step(w); i++)
		;
	T_EQ(udt_conn_state(w->cl.c), UDT_ST_BROKEN);
	T_ASSERT(w->now - t0 >= 5000000000ull);
	T_ASSERT(w->now - t0 < 120000000000ull);
	T_EQ(w->cl.dropped, 1);
	T_EQ(w->cl.done[1], 1);
	T_EQU(udt_conn_next_deadline(w->cl.c), UINT64_MAX);
	world_free(w);
	free(w);
}

/*
 * 600 ms RTT, 200 Mbit/s: the windows must let 15 MB be in flight. Starting
 * from UDT4's 100 ms RTT, UDT4's EXP resends everything still in flight while
 * slow start waits for ACKs; starting from the path's RTT, nothing is resent
 * on a clean link; and our EXP, which resends only the head and the tail,
 * wastes little even with the wrong RTT.
 */
static void test_transfer_satellite(void)
{
	uint64_t spurious = 0, retrans = 1, probed = 1;

	run_transfer_cfg(300000000, 200000000, 0, 600, 600000000000ull, 0, OPT_RESEND_ALL,
			 &spurious);
	T_ASSERT(spurious > 0);
	run_transfer_cfg(300000000, 200000000, 0, 600, 600000000000ull, 0,
			 OPT_HS_RTT | OPT_RESEND_ALL, &retrans);
	/* what is left, if anything, are real losses at the link's queue in slow start */
	T_ASSERT(retrans * 10 < spurious);
	run_transfer_cfg(300000000, 200000000, 0, 600, 600000000000ull, 0, 0, &probed);
	T_ASSERT(probed * 10 < spurious);
}

/* Idle peers keep each other alive with keep-alives for as long as they like. */
static void test_idle_keepalive(void)
{
	struct world *w = calloc(1, sizeof(*w));
	struct udt_stats a, b;
	uint64_t end;

	world_init(w, 50000000, 10000000);
	T_ASSERT(run_until_connected(w));
	end = w->now + 120000000000ull;
	while (w->now < end && step(w))
		;
	T_EQ(udt_conn_state(w->cl.c), UDT_ST_CONNECTED);
	T_EQ(udt_conn_state(w->sv.c), UDT_ST_CONNECTED);
	udt_conn_get_stats(w->cl.c, &a);
	udt_conn_get_stats(w->sv.c, &b);
	T_ASSERT(a.keepalives_sent + b.keepalives_sent > 100);
	/* and a message still goes through afterwards */
	T_EQ(queue_msg(w, 10000, 1), 0);
	for (int i = 0; i < 100000 && w->cl.acked < 1 && step(w); i++)
		;
	T_EQ(w->cl.acked, 1);
	T_ASSERT(w->sv.got[1]);
	world_free(w);
	free(w);
}

/* Bursts: 30 data packets in a row lost every 700, and every 40th ACK-path packet. */
static int drop_bursts(struct sim_dir *d, const uint8_t *pkt, uint32_t len, void *arg)
{
	if (pkt[0] & 0x80)
		return 0;
	return d->data_count % 700 < 30;
}

static void test_transfer_bursty(void)
{
	struct world *w = calloc(1, sizeof(*w));
	struct xfer_result r;
	struct udt_stats st;

	world_init(w, 30000000, 50000000);
	T_ASSERT(run_until_connected(w));
	w->ab.drop = drop_bursts;
	w->ba.drop = sim_drop_every;
	w->ba.drop_arg = (void *)(uintptr_t)40;
	transfer(w, 300, 300000000000ull, 1, &r);
	udt_conn_get_stats(w->cl.c, &st);
	printf("  bursty: %.1f MB in %.2f s sim, retrans %llu, naks %llu\n", w->sv.recv_bytes / 1e6,
	       r.sim_ns / 1e9, (unsigned long long)st.pkts_retrans,
	       (unsigned long long)st.naks_recv);
	T_ASSERT(r.ok);
	T_EQ(w->sv.recvd, 300);
	T_EQ(w->sv.bad, 0);
	T_EQ(w->cl.bad, 0);
	check_all_delivered(w, 300);
	world_free(w);
	free(w);
}

/* A sender capped at 1 MB/s (UDT_MAXBW) on a 100 Mbit/s link takes its time. */
static void test_max_bw(void)
{
	struct world *w = calloc(1, sizeof(*w));
	uint64_t t0;
	int i;

	world_init(w, 5000000, 100000000);
	udt_conn_free(w->cl.c);
	w->cfg.max_bw = 1000000;
	w->cl.c = udt_conn_connect(&w->cfg, &cbs, &w->cl, 0x1234567, 5, NULL, w->now);
	T_ASSERT(run_until_connected(w));
	t0 = w->now;
	for (i = 0; i < 10; i++)
		T_EQ(queue_msg(w, 200000, 1), 0);
	for (i = 0; i < 1000000 && w->cl.acked < 10 && step(w); i++)
		;
	T_EQ(w->cl.acked, 10);
	/*
	 * 1374 packets, one per 1.5 ms (1500-byte packets at 1 MB/s) = 2.06 s,
	 * less one interval per probing pair (every 16th packet): 1.93 s
	 */
	printf("  capped transfer: %.3f s\n", (w->now - t0) / 1e9);
	T_ASSERT(w->now - t0 > 1900000000ull);
	T_ASSERT(w->now - t0 < 2300000000ull);
	world_free(w);
	free(w);
}

/* Every other data packet of the first 80 in every 400: 40 holes open at once. */
static int drop_alternate(struct sim_dir *d, const uint8_t *pkt, uint32_t len, void *arg)
{
	if (pkt[0] & 0x80)
		return 0;
	return d->data_count % 400 < 80 && (d->data_count & 1);
}

/* A CC trim hook that checks it is called only with nothing in flight. */
static struct udt_cc_ops trim_ops;
static struct udt_conn *trim_conn;
static unsigned int trim_calls, trim_busy;

static size_t count_trim(struct udt_cc *cc)
{
	trim_calls++;
	trim_busy += trim_conn->sb.inflight != 0;
	return 0;
}

static void run_idle(struct world *w, uint64_t ns)
{
	uint64_t end = w->now + ns;

	while (w->now < end && step(w))
		;
}

/*
 * Trims lose nothing: a transfer with bursts of 40 holes, trimmed at
 * every step (lu2kd trims only after 2 s idle: this is the worst case), then
 * idle: the loss lists, the ACK history and the buffers are back at their
 * first size, the CC's trim hook was called (never with packets in
 * flight); the next burst grows them again, and every message arrives
 * once, whole.
 */
static void test_trim_under_loss(void)
{
	struct world *w = calloc(1, sizeof(*w));
	size_t snd_loss_max = 0, rcv_loss_max = 0;
	uint32_t k = 0, round, upto;
	uint64_t end;

	world_init(w, 30000000, 50000000);
	T_ASSERT(run_until_connected(w));
	/* the sender's CC, with a trim hook */
	trim_ops = *w->cl.c->cc.ops;
	trim_ops.trim = count_trim;
	w->cl.c->cc.ops = &trim_ops;
	trim_conn = w->cl.c;
	w->ab.drop = drop_alternate;
	for (round = 0; round < 2; round++) {
		upto = 100 * (round + 1);
		end = w->now + 300000000000ull;
		while (w->now < end && w->cl.acked + w->cl.dropped < upto) {
			while (k < upto && queue_msg(w, msg_size(k), (int)(k & 1)) == 0)
				k++;
			if (!step(w))
				break;
			if (w->sv.c->rcv_loss.cap > rcv_loss_max)
				rcv_loss_max = w->sv.c->rcv_loss.cap;
			if (w->cl.c->snd_loss.cap > snd_loss_max)
				snd_loss_max = w->cl.c->snd_loss.cap;
			if (round == 0) {
				udt_conn_trim(w->cl.c);
				udt_conn_trim(w->sv.c);
			}
		}
		T_EQ(w->cl.acked, upto);
		T_EQ(w->sv.recvd, upto);
		T_EQ(w->cl.bad, 0);
		T_EQ(w->sv.bad, 0);
		check_all_delivered(w, upto);
		/*
		 * the receiver's list grew past its 16 ranges (40 holes at once;
		 * the sender's grows less: it resends as fast as NAKs come)
		 */
		T_ASSERT(rcv_loss_max > 16);
		run_idle(w, 3000000000ull);
		if (round == 1)
			T_ASSERT(udt_conn_trim(w->cl.c) + udt_conn_trim(w->sv.c) > 0);
		udt_conn_trim(w->cl.c);
		udt_conn_trim(w->sv.c);
		T_EQU(w->cl.c->snd_loss.cap, 16);
		T_EQU(w->sv.c->rcv_loss.cap, 16);
		T_ASSERT(w->sv.c->ackwin.cap <= UDT_ACKWIN_INIT);
		T_ASSERT(w->cl.c->ackwin.cap <= UDT_ACKWIN_INIT);
		T_EQU(w->cl.c->sb.cap, UDT_SNDBUF_INIT_PKTS);
		T_EQU(w->sv.c->rb.cap, UDT_RCVBUF_INIT_PKTS);
		/* the CC was asked too, never with packets in flight */
		T_ASSERT(trim_calls > 0);
		T_EQU(trim_busy, 0);
		printf("  round %u (%s): %u msgs, loss lists up to %zu / %zu ranges, back to 16\n",
		       round, round ? "trimmed once idle" : "trimmed every step", upto,
		       snd_loss_max, rcv_loss_max);
		snd_loss_max = rcv_loss_max = 0;
	}
	world_free(w);
	free(w);
}

int main(void)
{
	T_RUN(test_no_head_of_line_blocking);
	T_RUN(test_ttl_drop);
	T_RUN(test_peer_vanishes);
	T_RUN(test_idle_keepalive);
	T_RUN(test_max_bw);
	T_RUN(test_transfer_bursty);
	T_RUN(test_trim_under_loss);
	T_RUN(test_connect);
	T_RUN(test_transfer_clean);
	T_RUN(test_transfer_loss50);
	T_RUN(test_transfer_long_rtt);
	T_RUN(test_transfer_satellite);
	return t_done();
}
