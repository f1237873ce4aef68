// SPDX-License-Identifier: MIT
/*
 * test_udt_grow.c - the engine's per-connection tables start small and grow
 * on demand: the send ring, the receive slots and message counters, the
 * lossy CC's send-time ring, the ACK history. What they hold survives growth
 * in order, they never grow past the window, and a failed growth refuses
 * (no crash, nothing lost). A connection that queues one control packet at
 * a time keeps one buffer for it, not one per queue entry. Once idle, the
 * send ring, the receive tables and the ACK history go back to their first
 * size (trim), and grow again, nothing lost. calloc is
 * wrapped (-Wl,--wrap=calloc) so that it can fail on demand. A connected
 * pair busy then idle holds, once trimmed, the heap it held connected.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/time.h"
#include "proto/udt/cc.h"
#include "proto/udt/cc_lossy_int.h"
#include "proto/udt/codec.h"
#include "proto/udt/conn_int.h"
#include "proto/udt/rcvbuf.h"
#include "proto/udt/seq.h"
#include "proto/udt/sndbuf.h"
#include "proto/udt/window.h"
#include "tests/t.h"
#include "tests/unit/udt_pair.h"

#ifdef __SANITIZE_ADDRESS__
/* ASan's allocator (sanitizer/allocator_interface.h, not installed everywhere) */
size_t __sanitizer_get_current_allocated_bytes(void);
#else
#include <malloc.h>
#endif

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

static bool fail_calloc;
static unsigned int calloc_failed;

void *__wrap_calloc(size_t n, size_t size)
{
	if (fail_calloc) {
		calloc_failed++;
		return NULL;
	}
	return __real_calloc(n, size);
}

/* Byte k of message no: what each packet must still carry after growth. */
static uint8_t pat(uint32_t no, size_t k)
{
	return (uint8_t)(no * 131u + k * 7u + 1u);
}

static void test_sndbuf_grow(void)
{
	static uint8_t data[4][30000];
	struct udt_sndbuf sb;
	struct udt_spkt *p;
	uint32_t seq, want = 0x7fffffc0, no, i, m;
	size_t off;

	for (m = 0; m < 4; m++)
		for (off = 0; off < sizeof(data[m]); off++)
			data[m][off] = pat(m, off);
	/* a window of 1000 packets of 100 bytes: the ring starts at 64 */
	T_EQ(udt_sndbuf_init(&sb, 1000, 100, 1u << 20, want), 0);
	T_EQU(sb.cap, UDT_SNDBUF_INIT_PKTS);
	T_EQU(sb.max_cap, 1024);
	/* 30 packets, 20 sent, 10 acknowledged: the head is inside the ring */
	T_EQ(udt_sndbuf_add(&sb, data[0], 3000, 0, -1, 1, NULL, 0, &no), 0);
	for (i = 0; i < 20; i++) {
		T_ASSERT(udt_sndbuf_next_new(&sb, &seq) != NULL);
		T_EQU(seq, want);
		want = udt_seq_inc(want);
	}
	udt_sndbuf_ack(&sb, udt_seq_add(0x7fffffc0, 10), NULL, NULL);
	T_EQU(sb.cap, UDT_SNDBUF_INIT_PKTS);
	/* 200 more packets: the ring doubles to 256, in flight kept in order */
	T_EQ(udt_sndbuf_add(&sb, data[1], 20000, 0, -1, 1, NULL, 0, &no), 0);
	T_EQU(sb.cap, 256);
	for (i = 0; i < 10; i++) {
		p = udt_sndbuf_get(&sb, udt_seq_add(0x7fffffc0, (int32_t)(10 + i)));
		T_ASSERT(p && p->m->data == data[0] && p->off == (10 + i) * 100 && p->len == 100);
	}
	/* everything still to cut comes out in order, with its bytes */
	for (i = 20; i < 230; i++) {
		p = udt_sndbuf_next_new(&sb, &seq);
		T_ASSERT(p != NULL);
		if (!p)
			break;
		T_EQU(seq, want);
		want = udt_seq_inc(want);
		m = i < 30 ? 0 : 1;
		off = i < 30 ? i * 100 : (i - 30) * 100;
		T_ASSERT(p->m->data == data[m] && p->off == off && p->len == 100);
		T_EQU(p->m->data[p->off + 99], pat(m, off + 99));
	}
	T_ASSERT(!udt_sndbuf_has_new(&sb));
	T_EQU(sb.inflight, 220);

	/* no memory to grow: that message is refused, nothing else changes */
	fail_calloc = true;
	calloc_failed = 0;
	T_EQ(udt_sndbuf_add(&sb, data[2], 30000, 0, -1, 1, NULL, 0, &no), -ENOMEM);
	fail_calloc = false;
	T_ASSERT(calloc_failed > 0);
	T_EQU(sb.cap, 256);
	T_EQU(sb.nmsgs, 2);
	T_EQU(sb.bytes, 23000);
	/* with memory it goes; and growth stops at the window (1024) */
	T_EQ(udt_sndbuf_add(&sb, data[2], 30000, 0, -1, 1, NULL, 0, &no), 0);
	T_EQU(sb.cap, 1024);
	T_EQ(udt_sndbuf_add(&sb, data[3], 30000, 0, -1, 1, NULL, 0, &no), 0);
	T_EQU(sb.cap, 1024);
	T_EQ(udt_sndbuf_add(&sb, data[0], 30000, 0, -1, 1, NULL, 0, &no), 0);
	T_EQU(sb.cap, 1024);
	/* the window, not the ring, holds packets back: 1024 in flight at most */
	for (i = 0; udt_sndbuf_next_new(&sb, &seq); i++)
		;
	T_EQU(i, 1024 - 220);
	T_EQU(sb.inflight, 1024);
	/* everything acknowledged: the rest of the 1130 packets queued goes */
	udt_sndbuf_ack(&sb, udt_seq_inc(seq), NULL, NULL);
	T_EQU(sb.inflight, 0);
	for (i = 0; udt_sndbuf_next_new(&sb, &seq); i++)
		;
	T_EQU(i, 1130 - 230 - (1024 - 220));
	udt_sndbuf_fini(&sb, NULL, NULL, 0);
}

static uint32_t got_no[400], ngot;
static uint8_t got_bad;

static int deliver(void *ctx, uint32_t msgno, const struct iovec *iov, int iovcnt, size_t len)
{
	size_t k = 0;

	(void)ctx;
	(void)len;
	for (int i = 0; i < iovcnt; i++)
		for (size_t j = 0; j < iov[i].iov_len; j++, k++)
			if (((const uint8_t *)iov[i].iov_base)[j] != pat(msgno, k))
				got_bad = 1;
	if (ngot < sizeof(got_no) / sizeof(got_no[0]))
		got_no[ngot] = msgno;
	ngot++;
	return 0;
}

/* Packet k (of npk) of message no, in order or not, at seq. */
static int put(struct udt_rcvbuf *rb, uint32_t seq, uint32_t no, uint32_t k, uint32_t npk,
	       int in_order)
{
	uint8_t d[100];
	uint32_t pb = (k == 0 ? UDT_PB_FIRST : 0) | (k == npk - 1 ? UDT_PB_LAST : 0);

	for (size_t j = 0; j < sizeof(d); j++)
		d[j] = pat(no, k * 100 + j);
	return udt_rcvbuf_add(rb, seq, UDT_MSG_WORD(pb, in_order, no), d, sizeof(d));
}

static void test_rcvbuf_grow_in_order(void)
{
	struct udt_rcvbuf rb;
	uint32_t b = 0x7fffff00, i;

	ngot = 0;
	got_bad = 0;
	T_EQ(udt_rcvbuf_init(&rb, 1000, 100, 0, b, deliver, NULL), 0);
	T_EQU(rb.cap, UDT_RCVBUF_INIT_PKTS);
	T_EQU(rb.win, 1024);
	/* the window is the limit, as before: not the slots allocated */
	T_ASSERT(udt_rcvbuf_fits(&rb, udt_seq_add(b, 1023)));
	T_ASSERT(!udt_rcvbuf_fits(&rb, udt_seq_add(b, 1024)));
	/* move the base inside the first slots: 5 messages of one packet */
	for (i = 0; i < 5; i++)
		T_EQ(put(&rb, udt_seq_add(b, (int32_t)i), 1 + i, 0, 1, 1), 0);
	T_EQU(ngot, 5);
	b = udt_seq_add(b, 5);
	/* 30 messages of 10 packets without their head: the first 50 packets held in the 64 slots... */
	for (i = 1; i <= 50; i++)
		T_EQ(put(&rb, udt_seq_add(b, (int32_t)i), 6 + i / 10, i % 10, 10, 1), 0);
	T_EQU(rb.cap, UDT_RCVBUF_INIT_PKTS);
	/* ...move when the rest comes, last packet first; nothing goes until the head */
	for (i = 300; i-- > 51;)
		T_EQ(put(&rb, udt_seq_add(b, (int32_t)i), 6 + i / 10, i % 10, 10, 1), 0);
	T_EQU(ngot, 5);
	T_EQU(rb.cap, 512);
	T_EQ(put(&rb, b, 6, 0, 10, 1), 0);
	T_EQU(ngot, 35);
	for (i = 0; i < 35; i++)
		T_EQU(got_no[i], 1 + i);
	T_EQU(got_bad, 0);
	/* past the window: refused as always, and no growth past it */
	b = udt_seq_add(b, 300);
	T_EQ(put(&rb, udt_seq_add(b, 1024), 40, 0, 1, 1), -ERANGE);
	T_EQ(put(&rb, udt_seq_add(b, 1023), 40, 0, 1, 1), 0);
	T_EQU(rb.cap, 1024);
	udt_rcvbuf_fini(&rb);
}

static void test_rcvbuf_grow_out_of_order(void)
{
	struct udt_rcvbuf rb;
	uint32_t b = 1000, i, seq;

	ngot = 0;
	got_bad = 0;
	T_EQ(udt_rcvbuf_init(&rb, 1000, 100, 0, b, deliver, NULL), 0);
	/* a hole at the head; then the first halves of 150 messages of 2 packets */
	for (i = 0; i < 150; i++)
		T_EQ(put(&rb, udt_seq_add(b, (int32_t)(1 + 2 * i)), 2 + i, 0, 2, 0), 0);
	/* 150 messages in progress: the counters grew, one place each */
	T_ASSERT(rb.mcap >= 256 && rb.mcap <= rb.win);
	T_EQU(ngot, 0);
	/* no memory for more slots: refused (the sender repeats it), nothing lost */
	seq = udt_seq_add(b, 1 + 2 * 300);
	fail_calloc = true;
	calloc_failed = 0;
	T_EQ(put(&rb, seq, 500, 0, 1, 0), -ENOBUFS);
	fail_calloc = false;
	T_ASSERT(calloc_failed > 0);
	T_EQU(rb.mem_drops, 1);
	T_EQ(put(&rb, seq, 500, 0, 1, 0), 0);
	T_EQU(ngot, 1);
	/* the second halves, last message first: each is delivered when whole */
	for (i = 150; i-- > 0;)
		T_EQ(put(&rb, udt_seq_add(b, (int32_t)(2 + 2 * i)), 2 + i, 1, 2, 0), 0);
	T_EQU(ngot, 151);
	for (i = 0; i < 150; i++)
		T_EQU(got_no[1 + i], 2 + 149 - i);
	T_EQU(got_bad, 0);
	udt_rcvbuf_fini(&rb);
}

static void test_lossy_ring_grow(void)
{
	struct udt_cc cc;
	struct lossy *l;
	uint64_t t0 = lu2k_time_s_to_ns(1);
	uint32_t i;

	/* a window of 16,000 packets: the full ring would be 32,768 */
	T_EQ(udt_cc_init(&cc, udt_cc_find("lossy"), 1500, 16000, 999, lu2k_time_ms_to_ns(100), 16,
			 1, t0),
	     0);
	l = cc.priv;
	T_EQU(l->mask + 1, LOSSY_RING_INIT);
	T_EQU(l->ring_max, 32768);
	for (i = 0; i < 3000; i++)
		cc.ops->on_pkt_sent(&cc, 1000 + i, t0 + i * 1000);
	T_EQU(l->mask + 1, 4096);
	/* every send time kept in its place */
	for (i = 0; i < 3000; i++)
		T_EQU(l->sent_ns[(1000 + i) & l->mask], t0 + i * 1000);
	/* an ACK's sample is from the latest packet it covers, as with the full ring */
	T_EQ(udt_lossy_ack_sample(l, 1000, 1000 + 2000, t0 + 5000000),
	     (int64_t)(5000000 - 1999 * 1000));
	/* no memory to grow: the CC goes on without its own samples */
	fail_calloc = true;
	cc.ops->on_pkt_sent(&cc, 1000 + 5000, t0 + 5000 * 1000);
	fail_calloc = false;
	T_ASSERT(l->sent_ns == NULL);
	T_EQ(udt_lossy_ack_sample(l, 1000, 1000 + 2000, t0 + 5000000), -1);
	udt_cc_fini(&cc);
}

/* A connection's control queue reuses the buffers of its deepest queue so far. */
static void test_ctl_buffers_reused(void)
{
	struct udt_hs hs = { .version = 4,
			     .sock_type = UDT_SOCK_DGRAM,
			     .isn = 1000,
			     .mss = 1500,
			     .flight = 1000,
			     .req_type = -1,
			     .sock_id = 9 };
	struct udt_config cfg;
	struct udt_conn *c;
	struct udt_stats st;
	uint64_t t = lu2k_time_s_to_ns(1);
	uint8_t buf[2000];
	int i, nbuf = 0;

	udt_config_default(&cfg);
	c = udt_conn_accept(&cfg, NULL, NULL, 7, &hs, NULL, t);
	T_ASSERT(c != NULL);
	if (!c)
		return;
	/* a packet now and then, each ACKed on its own: 300 control packets, one at a time */
	for (i = 0; i < 300; i++) {
		uint8_t p[116] = { 0 };

		udt_data_encode_hdr(p, sizeof(p), 1000 + (uint32_t)i,
				    UDT_MSG_WORD(UDT_PB_SOLO, 1, (uint32_t)i + 1), 0, 7);
		T_EQ(udt_conn_recv_pkt(c, p, sizeof(p), t), 0);
		t += lu2k_time_ms_to_ns(20);
		udt_conn_handle_timers(c, t);
		while (udt_conn_write_pkt(c, buf, sizeof(buf), t))
			;
	}
	udt_conn_get_stats(c, &st);
	T_ASSERT(st.acks_sent >= 300);
	for (i = 0; i < (int)c->ctl_cap; i++)
		nbuf += c->ctl[i].buf != NULL;
	T_ASSERT(nbuf <= 2);
	T_ASSERT(c->ctl_cap <= 8); /* the queue itself grows only as deep as it got */
	udt_conn_free(c);
}

/* The ACK history grows, keeps its order, and forgets only what a full one would. */
static void test_ackwin_grow(void)
{
	struct udt_ackwin w;
	uint32_t ack = 0, i;

	udt_ackwin_init(&w);
	/* no memory at the first ACK: no sample from it, nothing else */
	fail_calloc = true;
	udt_ackwin_store(&w, 1, 100, 1000);
	fail_calloc = false;
	T_EQU(w.cap, 0);
	T_EQ(udt_ackwin_ack2(&w, 1, 5000, &ack), -1);
	for (i = 1; i <= 600; i++)
		udt_ackwin_store(&w, i, 100 + i, 1000ull * i);
	T_EQU(w.cap, 1024);
	/* the oldest is still there, after growing from 16 */
	T_EQ(udt_ackwin_ack2(&w, 1, 1000000, &ack), 1000000 - 1000);
	T_EQU(ack, 101);
	T_EQ(udt_ackwin_ack2(&w, 300, 1000000, &ack), 1000000 - 300000);
	T_EQU(ack, 400);
	/* 2000 more: the ring keeps the last 1023, as UDT_ACKWIN_SIZE always did */
	for (i = 601; i <= 2600; i++)
		udt_ackwin_store(&w, i, 100 + i, 1000ull * i);
	T_EQU(w.cap, 1024);
	T_EQ(udt_ackwin_ack2(&w, 2600 - 1023, 3000000, &ack), -1);
	T_EQ(udt_ackwin_ack2(&w, 2600 - 1022, 3000000, &ack), 3000000 - 1000 * (2600 - 1022));
	T_EQ(udt_ackwin_ack2(&w, 2600, 3000000, &ack), 3000000 - 2600000);
	T_EQU(ack, 2700);
	udt_ackwin_fini(&w);
}

/* The ACK history goes back to its first size, keeping its newest ACKs, and grows again. */
static void test_ackwin_trim(void)
{
	struct udt_ackwin w;
	uint32_t ack = 0, i;

	udt_ackwin_init(&w);
	T_EQU(udt_ackwin_trim(&w), 0); /* nothing allocated yet */
	for (i = 1; i <= 16; i++)
		udt_ackwin_store(&w, i, 100 + i, 1000ull * i);
	T_EQU(w.cap, 32);
	/* no memory for the small ring: the large one stays, whole */
	fail_calloc = true;
	T_EQU(udt_ackwin_trim(&w), 0);
	fail_calloc = false;
	T_EQU(w.cap, 32);
	for (i = 17; i <= 700; i++)
		udt_ackwin_store(&w, i, 100 + i, 1000ull * i);
	T_EQU(w.cap, 1024);
	T_EQU(udt_ackwin_trim(&w), (1024 - UDT_ACKWIN_INIT) * sizeof(struct udt_ackent));
	T_EQU(w.cap, UDT_ACKWIN_INIT);
	T_EQU(udt_ackwin_trim(&w), 0);
	/* the newest UDT_ACKWIN_INIT - 1 are kept: an ACK2 for them still measures */
	T_EQ(udt_ackwin_ack2(&w, 700 - UDT_ACKWIN_INIT + 1, 2000000, &ack), -1);
	T_EQ(udt_ackwin_ack2(&w, 700 - UDT_ACKWIN_INIT + 2, 2000000, &ack),
	     2000000 - 1000 * (700 - UDT_ACKWIN_INIT + 2));
	T_EQU(ack, 100 + 700 - UDT_ACKWIN_INIT + 2);
	T_EQ(udt_ackwin_ack2(&w, 700, 2000000, &ack), 2000000 - 700000);
	T_EQU(ack, 800);
	/* empty now; a long silence of ACK2s grows it again, oldest first */
	for (i = 701; i <= 1300; i++)
		udt_ackwin_store(&w, i, 100 + i, 1000ull * i);
	T_EQU(w.cap, 1024);
	T_EQ(udt_ackwin_ack2(&w, 701, 3000000, &ack), 3000000 - 701000);
	T_EQU(ack, 801);
	T_EQ(udt_ackwin_ack2(&w, 1300, 3000000, &ack), 3000000 - 1300000);
	T_EQU(udt_ackwin_trim(&w), (1024 - UDT_ACKWIN_INIT) * sizeof(struct udt_ackent));
	T_EQU(w.head, w.tail); /* it held nothing */
	udt_ackwin_store(&w, 1301, 1401, 1301000);
	T_EQ(udt_ackwin_ack2(&w, 1301, 1400000, &ack), 1400000 - 1301000);
	udt_ackwin_fini(&w);
}

/* The send ring shrinks only when nothing is queued or in flight, and grows again. */
static void test_sndbuf_trim(void)
{
	static uint8_t data[30000];
	struct udt_sndbuf sb;
	struct udt_spkt *p;
	uint32_t seq = 0, first = 5000, no, i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = pat(1, i);
	T_EQ(udt_sndbuf_init(&sb, 1000, 100, 1u << 20, first), 0);
	T_EQ(udt_sndbuf_add(&sb, data, 30000, 0, -1, 1, NULL, 0, &no), 0);
	T_EQU(sb.cap, 512);
	T_EQU(udt_sndbuf_trim(&sb), 0); /* queued: kept */
	for (i = 0; i < 300; i++)
		T_ASSERT(udt_sndbuf_next_new(&sb, &seq) != NULL);
	udt_sndbuf_ack(&sb, udt_seq_add(first, 299), NULL, NULL);
	T_EQU(udt_sndbuf_trim(&sb), 0); /* one packet in flight: kept */
	T_EQU(sb.cap, 512);
	udt_sndbuf_ack(&sb, udt_seq_add(first, 300), NULL, NULL);
	T_EQU(sb.inflight, 0);
	T_EQU(sb.nmsgs, 0);
	/* the ring, and the acknowledged message's struct that was kept for reuse */
	T_EQU(sb.nspare, 1);
	T_EQU(udt_sndbuf_trim(&sb),
	      (512 - UDT_SNDBUF_INIT_PKTS) * sizeof(struct udt_spkt) + sizeof(struct udt_smsg));
	T_EQU(sb.nspare, 0);
	T_EQU(sb.cap, UDT_SNDBUF_INIT_PKTS);
	T_EQU(udt_sndbuf_trim(&sb), 0);
	/* and the next burst grows it again, numbering on */
	T_EQ(udt_sndbuf_add(&sb, data, 20000, 0, -1, 1, NULL, 0, &no), 0);
	T_EQU(sb.cap, 256);
	for (i = 0; i < 200; i++) {
		p = udt_sndbuf_next_new(&sb, &seq);
		T_ASSERT(p && p->off == i * 100 && p->m->data[p->off + 5] == pat(1, i * 100 + 5));
		if (!p)
			break;
		T_EQU(seq, udt_seq_add(first, (int32_t)(300 + i)));
	}
	udt_sndbuf_fini(&sb, NULL, NULL, 0);
}

/* The receive window gives back its spare buffers and, once it holds nothing, its tables. */
static void test_rcvbuf_trim(void)
{
	struct udt_rcvbuf rb;
	uint32_t b = 0x7ffffff0, i;

	ngot = 0;
	got_bad = 0;
	T_EQ(udt_rcvbuf_init(&rb, 1000, 100, 0, b, deliver, NULL), 0);
	/* 100 messages of 3 packets, all but the very first packet: held, both tables grow */
	for (i = 1; i < 300; i++)
		T_EQ(put(&rb, udt_seq_add(b, (int32_t)i), 1 + i / 3, i % 3, 3, 1), 0);
	T_EQU(rb.cap, 512);
	T_ASSERT(rb.mcap > UDT_RCVBUF_INIT_PKTS);
	udt_rcvbuf_trim(&rb); /* holding packets: the tables stay */
	T_EQU(rb.cap, 512);
	T_EQU(rb.nheld, 299);
	T_EQ(put(&rb, b, 1, 0, 3, 1), 0);
	T_EQU(ngot, 100);
	T_EQU(got_bad, 0);
	T_EQU(rb.nheld, 0);
	T_ASSERT(rb.npool > 0); /* spare buffers kept for the next packets */
	T_ASSERT(udt_rcvbuf_trim(&rb) > 0);
	T_EQU(rb.npool, 0);
	T_EQU(rb.held, 0);
	T_EQU(rb.cap, UDT_RCVBUF_INIT_PKTS);
	T_EQU(rb.mcap, UDT_RCVBUF_INIT_PKTS);
	T_EQU(udt_rcvbuf_trim(&rb), 0);
	/* the next burst, last packet first: grows again, every message whole and in order */
	b = udt_seq_add(b, 300);
	for (i = 300; i-- > 1;)
		T_EQ(put(&rb, udt_seq_add(b, (int32_t)i), 101 + i / 3, i % 3, 3, 1), 0);
	T_EQU(rb.cap, 512);
	T_EQ(put(&rb, b, 101, 0, 3, 1), 0);
	T_EQU(ngot, 200);
	for (i = 0; i < 200; i++)
		T_EQU(got_no[i], 1 + i);
	T_EQU(got_bad, 0);
	udt_rcvbuf_fini(&rb);
}

/*
 * Bytes the program's heap holds now: what ASan's allocator counts (the
 * bytes asked for), or glibc's (whole chunks, a header each; and chunks
 * freed into a thread's cache count as in use, so main() turns that cache
 * off).
 */
static size_t heap_in_use(void)
{
#ifdef __SANITIZE_ADDRESS__
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

/* what an allocation costs beyond the bytes asked for, as heap_in_use() counts it */
#ifdef __SANITIZE_ADDRESS__
#define HEAP_CHUNK_EXTRA 0
#else
#define HEAP_CHUNK_EXTRA (2 * sizeof(size_t))
#endif

static uint64_t idle_nrecv;

static void idle_on_recv(void *ud, uint32_t msgno, const struct iovec *iov, int iovcnt, size_t len)
{
	(void)ud;
	(void)msgno;
	(void)iov;
	(void)iovcnt;
	idle_nrecv += len == 65536 || len == 1u << 20;
}

/* one step: each end's timers, then every packet each would send now, to the other at once */
static void idle_pump(struct udt_conn *cl, struct udt_conn *sv, uint64_t t)
{
	uint8_t buf[2000];
	size_t n;
	int k;

	if (udt_conn_next_deadline(cl) <= t)
		udt_conn_handle_timers(cl, t);
	if (udt_conn_next_deadline(sv) <= t)
		udt_conn_handle_timers(sv, t);
	for (k = 0; k < 4; k++) {
		while ((n = udt_conn_write_pkt(cl, buf, sizeof(buf), t)))
			udt_conn_recv_pkt(sv, buf, n, t);
		while ((n = udt_conn_write_pkt(sv, buf, sizeof(buf), t)))
			udt_conn_recv_pkt(cl, buf, n, t);
	}
}

/*
 * A connected pair that moved 400 messages of 64 KiB and 1 MiB (each end's
 * tables grew to the window in use, the receiver's iovec array to 1 MiB's
 * packets, the control queue to its deepest) and then went idle: once
 * trimmed, the two engines hold no more heap than right after the
 * handshake, with either CC, but the ACK history's first UDT_ACKWIN_INIT
 * entries (allocated at the first ACK). What a trim forgets to give back
 * shows here as bytes over that (printed).
 */
static void busy_then_idle(const char *cc)
{
	static uint8_t data[1u << 20];
	static const struct udt_callbacks scb = { .msg_recv = idle_on_recv };
	struct udt_config cfg;
	struct udt_conn *cl, *sv;
	uint64_t t = lu2k_time_s_to_ns(1), end;
	size_t h_connected, h_busy, h_trimmed, freed;
	uint32_t no, sent = 0;

	udt_config_default(&cfg);
	cfg.cc = cc;
	idle_nrecv = 0;
	udt_test_pair(&cfg, &cfg, &scb, NULL, &cl, &sv, &t);
	/* the handshake's own packets and timers settle first */
	for (end = t + lu2k_time_ms_to_ns(50); t < end; t += 10000)
		idle_pump(cl, sv, t);
	h_connected = heap_in_use();
	for (end = t + lu2k_time_s_to_ns(20); t < end && idle_nrecv < 400; t += 10000) {
		size_t len = sent % 40 == 39 ? sizeof(data) : 65536;

		while (sent < 400 && udt_conn_send_space(cl) >= len &&
		       !udt_conn_send_msg(cl, data, len, -1, 1, 0, NULL, &no, t))
			len = ++sent % 40 == 39 ? sizeof(data) : 65536;
		idle_pump(cl, sv, t);
	}
	T_EQU(idle_nrecv, 400);
	/* the last ACKs, then quiet */
	for (end = t + lu2k_time_ms_to_ns(100); t < end; t += 10000)
		idle_pump(cl, sv, t);
	h_busy = heap_in_use();
	freed = udt_conn_trim(cl) + udt_conn_trim(sv);
	h_trimmed = heap_in_use();
	printf("  cc %s: heap over the connected pair's: busy then idle +%zd bytes, after the trim "
	       "(%zu given back) +%zd\n",
	       cc, (ssize_t)(h_busy - h_connected), freed, (ssize_t)(h_trimmed - h_connected));
	T_ASSERT(freed > 0);
	T_ASSERT(h_trimmed <=
		 h_connected + UDT_ACKWIN_INIT * sizeof(struct udt_ackent) + HEAP_CHUNK_EXTRA);
	/* and a second trim has nothing left to give */
	T_EQU(udt_conn_trim(cl) + udt_conn_trim(sv), 0);
	udt_conn_free(cl);
	udt_conn_free(sv);
}

static void test_busy_then_idle_lossy(void)
{
	busy_then_idle("lossy");
}

static void test_busy_then_idle_native(void)
{
	busy_then_idle("udt");
}

int main(int argc, char **argv)
{
#ifndef __SANITIZE_ADDRESS__
	/*
	 * glibc's per-thread cache keeps freed chunks, which mallinfo2() counts
	 * as in use: the heap after a trim would depend on what was freed last.
	 * It can only be turned off before the program starts.
	 */
	if (argc > 0 && !getenv("GLIBC_TUNABLES")) {
		setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
		execv("/proc/self/exe", argv);
	}
#else
	(void)argc;
	(void)argv;
#endif
	T_RUN(test_sndbuf_grow);
	T_RUN(test_rcvbuf_grow_in_order);
	T_RUN(test_rcvbuf_grow_out_of_order);
	T_RUN(test_lossy_ring_grow);
	T_RUN(test_ctl_buffers_reused);
	T_RUN(test_ackwin_grow);
	T_RUN(test_ackwin_trim);
	T_RUN(test_sndbuf_trim);
	T_RUN(test_rcvbuf_trim);
	T_RUN(test_busy_then_idle_lossy);
	T_RUN(test_busy_then_idle_native);
	return t_done();
}
