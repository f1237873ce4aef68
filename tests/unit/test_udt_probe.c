// SPDX-License-Identifier: MIT
/*
 * test_udt_probe.c - the capacity probe in the handshake (proto/udt/handshake.h,
 * hs_probe.c, conn_probe.c): the probe and the longer response on the wire,
 * the listener's timing of a train, what it refuses to time, and a
 * connector that reads a bottleneck's rate before its first data packet
 * and starts its lossy CC from 3/4 of it.
 */
#include <errno.h>
#include <string.h>

#include "proto/udt/udt.h"
#include "tests/t.h"

static const uint8_t key[16] = "0123456789abcdef";
static const uint8_t addr[6] = { 192, 0, 2, 1, 0x23, 0x28 };
#define US  1000ull
#define MS  1000000ull
#define SEC 1000000000ull

static size_t probe(uint8_t *buf, uint32_t sock_id, uint16_t i)
{
	return udt_probe_encode(buf, 1472, 0, sock_id, i);
}

/* A connector's handshake of req_type for sock_id (messages, MSS 1500). */
static struct udt_hs hs_of(int32_t req_type, uint32_t sock_id)
{
	struct udt_hs hs = {
		.version = UDT_VERSION,
		.sock_type = UDT_SOCK_DGRAM,
		.isn = 7,
		.mss = 1500,
		.flight = 8192,
		.req_type = req_type,
		.sock_id = sock_id,
	};

	return hs;
}

/* A final request with the cookie the listener gives addr now, offering the probe or not. */
static size_t final_req(const struct udt_listener *l, uint8_t *buf, uint32_t sock_id, int offer,
			uint64_t now)
{
	struct udt_hs hs = hs_of(UDT_HS_RSP_REGULAR, sock_id);

	hs.ext = udt_hs_ext_make(offer ? UDT_HS_OFFER_PROBE : 0);
	hs.cookie = udt_cookie(l->key, addr, sizeof(addr), sock_id, now / (60 * SEC));
	return udt_hs_encode(buf, 2000, 0, 0, &hs);
}

/* n probes gap_ns apart from t, then the request offering the probe: *pps, what the listener told. */
static void train(struct udt_listener *l, uint32_t sock_id, int n, uint64_t gap_ns, uint64_t t,
		  uint64_t req_after_ns, int offer, uint32_t *pps)
{
	uint8_t buf[2000], out[128];
	struct udt_hs hs;
	size_t len, olen;
	int i;

	for (i = 0; i < n; i++) {
		len = probe(buf, sock_id, (uint16_t)i);
		T_EQ(udt_listener_recv(l, buf, len, addr, sizeof(addr), t + (uint64_t)i * gap_ns,
				       out, sizeof(out), &olen, &hs),
		     UDT_LISTEN_PROBE);
		T_EQ(olen, 0);
	}
	t += (uint64_t)(n > 0 ? n - 1 : 0) * gap_ns + req_after_ns;
	len = final_req(l, buf, sock_id, offer, t);
	T_EQ(udt_listener_recv(l, buf, len, addr, sizeof(addr), t, out, sizeof(out), &olen, &hs),
	     UDT_LISTEN_ACCEPT);
	*pps = hs.probe_pps;
}

static void test_codec(void)
{
	uint8_t buf[2000];
	struct udt_hdr h;
	struct udt_hs hs, back;
	uint32_t id = 0;
	size_t n;

	n = udt_probe_encode(buf, 1472, 5, 4242, 3);
	T_EQ(n, 1472);
	T_EQ(udt_hdr_decode(buf, n, &h), 0);
	T_EQ(h.ctrl, 1);
	T_EQ(h.type, UDT_CT_PROBE);
	T_EQ(h.ext, 3);
	T_EQ(h.dst, 0);
	T_EQ(udt_probe_decode(&h, &id), 0);
	T_EQ(id, 4242);
	/* the padding is zeros (no memory of ours leaves in it) */
	T_EQ(buf[n - 1], 0);
	T_EQ(buf[UDT_HDR_LEN + 100], 0);
	/* too short to carry a word; a socket id UDT4 would not give; not to the listener */
	T_EQ(udt_probe_encode(buf, UDT_HDR_LEN + 3, 0, 1, 0), 0);
	n = udt_probe_encode(buf, 64, 0, 0x80000001u, 0);
	T_EQ(udt_hdr_decode(buf, n, &h), 0);
	T_EQ(udt_probe_decode(&h, &id), -EBADMSG);
	n = udt_probe_encode(buf, 64, 0, 9, 0);
	buf[15] = 1; /* destination socket id 1 */
	T_EQ(udt_hdr_decode(buf, n, &h), 0);
	T_EQ(udt_probe_decode(&h, &id), -EBADMSG);

	/* a response with a capacity is 52 bytes of body; without one UDT4's 48 */
	hs = hs_of(UDT_HS_RSP_REGULAR, 77);
	n = udt_hs_encode(buf, sizeof(buf), 0, 9, &hs);
	T_EQ(n, UDT_HDR_LEN + UDT_HS_LEN);
	hs.probe_pps = 4166;
	n = udt_hs_encode(buf, sizeof(buf), 0, 9, &hs);
	T_EQ(n, UDT_HDR_LEN + UDT_HS_LEN + 4);
	T_EQ(udt_hdr_decode(buf, n, &h), 0);
	T_EQ(udt_hs_decode(&h, &back), 0);
	T_EQ(back.probe_pps, 4166);
	/* any other length is not a handshake */
	memset(buf + n, 0, 4);
	T_EQ(udt_hdr_decode(buf, n + 4, &h), 0);
	T_EQ(udt_hs_decode(&h, &back), -EBADMSG);
}

static void test_listener_times_train(void)
{
	struct udt_listener l;
	uint32_t pps;

	udt_listener_init(&l, key, UDT_SOCK_DGRAM, 1500, 8192);
	/* 50 Mbit/s: a 1500-byte packet every 240 us */
	train(&l, 11, 16, 240 * US, SEC, 100 * US, 1, &pps);
	T_ASSERT(pps >= 4100 && pps <= 4230);
	T_EQ(l.probes, 16);
	T_EQ(l.probe_trains_told, 1);
	/* 2 Mbit/s: every 6 ms, 90 ms in all */
	train(&l, 12, 16, 6 * MS, 2 * SEC, MS, 1, &pps);
	T_ASSERT(pps >= 164 && pps <= 170);
	/* half the probes lost on the way: the rest still tell the rate */
	train(&l, 13, 8, 480 * US, 3 * SEC, 100 * US, 1, &pps);
	T_ASSERT(pps >= 2050 && pps <= 2120);
	/* told once: a repeated request gets nothing more (its connection answers it) */
	train(&l, 13, 0, 0, 3 * SEC + 10 * MS, 0, 1, &pps);
	T_EQ(pps, 0);
}

static void test_listener_refuses(void)
{
	struct udt_listener l;
	uint32_t pps;
	uint8_t buf[2000], out[128];
	struct udt_hs hs;
	size_t len, olen;
	int i;

	udt_listener_init(&l, key, UDT_SOCK_DGRAM, 1500, 8192);
	/* a request that does not offer it gets none, even after a train */
	train(&l, 21, 16, 240 * US, SEC, 100 * US, 0, &pps);
	T_EQ(pps, 0);
	/* fewer than 8 probes say too little */
	train(&l, 22, 7, 240 * US, 2 * SEC, 100 * US, 1, &pps);
	T_EQ(pps, 0);
	T_EQ(l.probe_trains_short, 1);
	/* a request long after its train */
	train(&l, 23, 16, 240 * US, 3 * SEC, 1100 * MS, 1, &pps);
	T_EQ(pps, 0);
	/* all at once: no spacing to read */
	train(&l, 24, 16, 0, 6 * SEC, 0, 1, &pps);
	T_EQ(pps, 0);
	/* another socket id's train tells this one nothing */
	for (i = 0; i < 16; i++) {
		len = probe(buf, 25, (uint16_t)i);
		udt_listener_recv(&l, buf, len, addr, sizeof(addr),
				  7 * SEC + (uint64_t)i * 240 * US, out, sizeof(out), &olen, &hs);
	}
	train(&l, 26, 0, 0, 7 * SEC + 5 * MS, 0, 1, &pps);
	T_EQ(pps, 0);
	/* a probe with a socket id no connector has: malformed, counted */
	len = udt_probe_encode(buf, 64, 0, 0, 0);
	T_EQ(udt_listener_recv(&l, buf, len, addr, sizeof(addr), 8 * SEC, out, sizeof(out), &olen,
			       &hs),
	     -EBADMSG);
	T_EQ(l.bad_pkts, 1);
	/*
	 * All slots taken, the first one by a train still coming: a new train
	 * takes the slot idle longest, not that one
	 */
	udt_listener_init(&l, key, UDT_SOCK_DGRAM, 1500, 8192);
	for (i = 0; i < UDT_PROBE_SLOTS; i++) {
		len = probe(buf, (uint32_t)(i ? 2000 + i : 29), 0);
		udt_listener_recv(&l, buf, len, addr, sizeof(addr), 8 * SEC + (uint64_t)i * US, out,
				  sizeof(out), &olen, &hs);
	}
	for (i = 1; i < 16; i++) {
		len = probe(buf, 29, (uint16_t)i);
		udt_listener_recv(&l, buf, len, addr, sizeof(addr),
				  8 * SEC + 100 * US + (uint64_t)i * 240 * US, out, sizeof(out),
				  &olen, &hs);
	}
	len = probe(buf, 3000, 0);
	udt_listener_recv(&l, buf, len, addr, sizeof(addr), 8 * SEC + 5 * MS, out, sizeof(out),
			  &olen, &hs);
	train(&l, 29, 0, 0, 8 * SEC + 5 * MS, 0, 1, &pps);
	T_ASSERT(pps > 4000);
	/* a flood of trains from other sockets reuses the slots; a train interleaved still tells */
	for (i = 0; i < 3 * UDT_PROBE_SLOTS; i++) {
		len = probe(buf, 1000 + (uint32_t)i, 0);
		udt_listener_recv(&l, buf, len, addr, sizeof(addr), 9 * SEC + (uint64_t)i * US, out,
				  sizeof(out), &olen, &hs);
	}
	train(&l, 27, 16, 240 * US, 10 * SEC, 100 * US, 1, &pps);
	T_ASSERT(pps > 4000);
	/* a first request with a 13th word of its own: the cookie reply is UDT4's 48 bytes */
	hs = hs_of(UDT_HS_REQ_REGULAR, 28);
	hs.probe_pps = 999999;
	len = udt_hs_encode(buf, sizeof(buf), 0, 0, &hs);
	T_EQ(len, UDT_HDR_LEN + UDT_HS_LEN + 4);
	T_EQ(udt_listener_recv(&l, buf, len, addr, sizeof(addr), 11 * SEC, out,
			       UDT_HDR_LEN + UDT_HS_LEN, &olen, &hs),
	     UDT_LISTEN_REPLY);
	T_EQ(olen, UDT_HDR_LEN + UDT_HS_LEN);
}

/* A one-way bottleneck of rate_bps with a FIFO, then delay_ns: when a packet of len comes out. */
struct pipe {
	uint64_t free_at;
	uint64_t rate_bps, delay_ns;
};

static uint64_t pipe_out(struct pipe *p, uint64_t now, size_t len)
{
	uint64_t start = p->free_at > now ? p->free_at : now;

	p->free_at = start + (uint64_t)(len + UDT_UDP_IP_OVERHEAD) * 8 * SEC / p->rate_bps;
	return p->free_at + p->delay_ns;
}

struct inflight {
	uint64_t at;
	size_t len;
	uint8_t b[1500];
};

/*
 * A lu2k connector (lossy, no cookie, probe_train = train_len) to a
 * listener that takes requests without a cookie, through rate_bps and
 * delay_ns each way; the connector's stats once connected, and how many
 * probes it sent before its first request.
 */
static void connect_through(uint64_t rate_bps, uint64_t delay_ns, uint32_t train_len,
			    struct udt_stats *st, int *probes_first, uint64_t *probes_all)
{
	struct pipe up = { .rate_bps = rate_bps, .delay_ns = delay_ns };
	static struct inflight q[64];
	struct udt_listener l;
	struct udt_config cfg;
	struct udt_conn *cl, *sv = NULL;
	uint8_t buf[2000], out[256];
	uint64_t t = SEC;
	int nq = 0, seen_req = 0, i;

	*probes_first = 0;
	udt_listener_init(&l, key, UDT_SOCK_DGRAM, 1500, 8192);
	udt_listener_unproved(&l, 4, 5 * SEC);
	udt_config_default(&cfg);
	cfg.cc = "lossy";
	cfg.rtt_from_handshake = 1;
	cfg.probe_train = train_len;
	cl = udt_conn_connect(&cfg, NULL, NULL, 31, 1000, NULL, t);
	T_ASSERT(cl != NULL);
	udt_conn_no_cookie(cl);
	while (udt_conn_state(cl) == UDT_ST_CONNECTING && t < 4 * SEC) {
		size_t n;

		udt_conn_handle_timers(cl, t);
		while ((n = udt_conn_write_pkt(cl, buf, sizeof(buf), t))) {
			struct udt_hdr h;

			T_EQ(udt_hdr_decode(buf, n, &h), 0);
			if (h.ctrl && h.type == UDT_CT_PROBE && !seen_req)
				(*probes_first)++;
			if (h.ctrl && h.type == UDT_CT_HANDSHAKE)
				seen_req = 1;
			T_ASSERT(nq < 64);
			q[nq].at = pipe_out(&up, t, n);
			q[nq].len = n;
			memcpy(q[nq].b, buf, n);
			nq++;
		}
		/* what reached the listener by now; its answers come back 100 ms later */
		for (i = 0; i < nq; i++) {
			struct udt_hs hs;
			size_t olen;

			if (q[i].at > t)
				continue;
			if (udt_listener_recv(&l, q[i].b, q[i].len, addr, sizeof(addr), q[i].at,
					      out, sizeof(out), &olen, &hs) == UDT_LISTEN_ACCEPT &&
			    !sv) {
				sv = udt_conn_accept(&cfg, NULL, NULL, 32, &hs, NULL, q[i].at);
				T_ASSERT(sv != NULL);
				while ((olen = udt_conn_write_pkt(sv, out, sizeof(out), q[i].at)))
					udt_conn_recv_pkt(cl, out, olen, q[i].at + delay_ns);
			}
			memmove(&q[i], &q[i + 1], (size_t)(nq - i - 1) * sizeof(q[0]));
			nq--;
			i--;
		}
		t += 100 * US;
	}
	T_EQ(udt_conn_state(cl), UDT_ST_CONNECTED);
	udt_conn_get_stats(cl, st);
	*probes_all = l.probes;
	if (sv)
		udt_conn_free(sv);
	udt_conn_free(cl);
}

/* The pacing rate the lossy CC starts at (its period is 16/15 of the rate's), packets/s. */
static double start_pps(const struct udt_stats *st)
{
	return 1e6 / st->pkt_snd_period_us * 16 / 15;
}

static void test_connector_reads_capacity(void)
{
	double pps = 50000000.0 / 8 / 1500, cold;
	struct udt_stats st;
	uint64_t all;
	int first;

	/* 50 Mbit/s, 600 ms */
	connect_through(50000000, 300 * MS, UDT_PROBE_TRAIN, &st, &first, &all);
	/* the whole train went first, and only once (the no-cookie request was taken) */
	T_EQ(first, UDT_PROBE_TRAIN);
	T_EQ(all, UDT_PROBE_TRAIN);
	T_ASSERT(st.hs_capacity_pps >= 0.97 * pps && st.hs_capacity_pps <= 1.03 * pps);
	/* lossy paces its first round trip at 3/4 of it */
	T_ASSERT(start_pps(&st) >= 0.72 * pps && start_pps(&st) <= 0.78 * pps);

	/* off: nothing sent, nothing told, a cold start (UDT's 32 packets a round trip, >= 500/s) */
	connect_through(50000000, 300 * MS, 0, &st, &first, &all);
	T_EQ(first, 0);
	T_EQ(all, 0);
	T_EQ(st.hs_capacity_pps, 0);
	T_ASSERT(start_pps(&st) < 0.4 * pps);

	/*
	 * 20 Mbit/s, 200 ms: the cold start (500 packets/s at STARTUP's gain,
	 * 86 % of the link) is faster than 3/4 of it: the capacity does not
	 * slow it down
	 */
	pps = 20000000.0 / 8 / 1500;
	connect_through(20000000, 100 * MS, 0, &st, &first, &all);
	cold = start_pps(&st);
	connect_through(20000000, 100 * MS, UDT_PROBE_TRAIN, &st, &first, &all);
	T_ASSERT(st.hs_capacity_pps >= 0.97 * pps && st.hs_capacity_pps <= 1.03 * pps);
	T_ASSERT(start_pps(&st) >= 0.99 * cold && start_pps(&st) <= 1.01 * cold);
}

int main(void)
{
	T_RUN(test_codec);
	T_RUN(test_listener_times_train);
	T_RUN(test_listener_refuses);
	T_RUN(test_connector_reads_capacity);
	return t_done();
}
