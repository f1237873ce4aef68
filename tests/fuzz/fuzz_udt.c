// SPDX-License-Identifier: MIT
/*
 * fuzz_udt.c - libFuzzer target for the UDT packet decoders, the listener's
 * handshake path and a connected engine fed hostile packets.
 *
 * Input: byte 0 picks the target (bits 0-1), the congestion control of
 * the connections (bit 2: lossy, the default, or udt) and, for targets 2
 * and 3, nested small messages on (bit 3: udt_conn_set_nest) and timed ACKs
 * offered by the peer (bit 4: the connection then reads their timing). Targets 0-2 take a
 * list of packets, each a 2-byte big-endian length and that many bytes (time
 * advances 1 ms each). Target 1 is one listener fed every packet: a request
 * with the cookie whose own cookie field is even gets the right cookie put
 * in (the fuzzer knows the key), so that the accept path and the connection
 * it makes are reached, and the packets after that go to that connection.
 * Target 3 builds well-formed packets of every type from 12-byte records, with
 * sequence numbers near the connection's, to reach deep into the engine;
 * with bit 5 its receive window shares a budget of 40 packets with a second
 * window that holds 12 behind a hole (rcvbuf.h, MEMORY: fair shares, the
 * head's packet, what the ACKs granted), which must never be overdrawn and
 * must be whole again once both are gone.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/udt/rcvbuf.h"
#include "proto/udt/udt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decoders(const uint8_t *p, size_t n)
{
	struct udt_range r[64];
	struct udt_dropreq d;
	struct udt_ack a;
	struct udt_hdr h;
	struct udt_hs hs;
	size_t k;

	if (udt_hdr_decode(p, n, &h))
		return;
	udt_ack_decode(&h, &a);
	udt_nak_decode(&h, r, 64, &k);
	udt_hs_decode(&h, &hs);
	udt_dropreq_decode(&h, &d);
}

static const char *fuzz_cc = "lossy";
static int fuzz_nest, fuzz_timed, fuzz_mem;

static void on_recv(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len);

/*
 * One listener for the whole input. A request carrying a cookie gets the
 * right one when its own is even (the key is fixed here), so that the accept
 * path runs; once a connection is made, the packets go to it.
 */
static void listener(uint8_t *p, size_t n, uint64_t now, struct udt_listener *l,
		     struct udt_conn **cp)
{
	static const uint8_t key[16] = "fuzz-fuzz-fuzz!";
	static const struct udt_callbacks cbs = { .msg_recv = on_recv };
	uint8_t out[2048];
	struct udt_hdr h;
	struct udt_hs hs;
	size_t olen;
	int r;

	if (*cp) {
		uint32_t dst = 1;

		/* data to socket id 0: the first flight (conn_early.c), held until one names us */
		if (!udt_peek_dst(p, n, &dst) && dst == 0 && !(p[0] & 0x80)) {
			udt_conn_recv_first(*cp, p, n, now, now);
		} else {
			if (dst == 7)
				udt_conn_release_rx(*cp, now);
			udt_conn_recv_pkt(*cp, p, n, now);
		}
		udt_conn_handle_timers(*cp, now);
		while (udt_conn_write_pkt(*cp, out, sizeof(out), now))
			;
		return;
	}
	if (!udt_hdr_decode(p, n, &h) && h.ctrl && h.type == UDT_CT_HANDSHAKE &&
	    !udt_hs_decode(&h, &hs) && hs.req_type == UDT_HS_RSP_REGULAR && !(hs.cookie & 1)) {
		hs.cookie = udt_cookie(key, "addr", 4, hs.sock_id, now / 60000000000ull);
		n = udt_hs_encode(p, 2048, 0, 0, &hs);
	}
	if (!l->mss)
		udt_listener_init(l, key, UDT_SOCK_DGRAM, 1500, 64);
	r = udt_listener_recv(l, p, n, "addr", 4, now, out, sizeof(out), &olen, &hs);
	if (r == UDT_LISTEN_ACCEPT) {
		struct udt_config cfg;

		udt_config_default(&cfg);
		cfg.cc = fuzz_cc;
		cfg.rcv_buf_pkts = cfg.snd_buf_pkts = 64;
		cfg.first_flight = 32;
		*cp = udt_conn_accept(&cfg, &cbs, NULL, 7, &hs, NULL, now);
		if (*cp && (hs.sock_id & 1))
			udt_conn_hold_rx(*cp);
		while (*cp && udt_conn_write_pkt(*cp, out, sizeof(out), now))
			;
	}
}

static void on_recv(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	size_t total = 0;
	int i;

	/* touch every byte: ASan checks the iovec is real */
	for (i = 0; i < n; i++)
		for (size_t k = 0; k < iov[i].iov_len; k++)
			total += ((const uint8_t *)iov[i].iov_base)[k];
	(void)total;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One structured packet from 12 bytes r[]: kind, fields, time step. */
static size_t build(const uint8_t *r, uint8_t *pkt, size_t cap, uint32_t base)
{
	uint32_t a = rd32(r + 1), b = rd32(r + 5), seq = (base + (a & 0xffff) - 0x100) & 0x7fffffff;
	static const int32_t req[] = { 1, -1, 0, -2, 1002 };
	uint32_t pad = 0;

	switch (r[0] % 9) {
	case 0: { /* data */
		size_t len = 1 + b % 1456, h;

		h = udt_data_encode_hdr(pkt, cap, seq, b, 0, 7);
		memset(pkt + h, r[9], len);
		return h + len;
	}
	case 1: { /* full ACK */
		struct udt_ack k = {
			.ackno = a >> 16,
			.ack_seq = seq,
			.rtt_us = (int32_t)(b >> 1),
			.rttvar_us = (int32_t)(b >> 5),
			.avail = (int32_t)(b >> 3),
			.rcv_rate = r[9] << 12,
			.bandwidth = r[10] << 14,
			/* timed: a highest packet near the ACK point, held up to 1 s */
			.hi_seq = (seq + r[10]) & 0x7fffffff,
			.hi_delay_us = b >> 12,
			.nfields = r[11] % 3 == 2 ? 8
				   : r[11] & 1	  ? 6
						  : 4
		};

		return udt_ack_encode(pkt, cap, 0, 7, &k);
	}
	case 2: { /* light ACK */
		struct udt_ack k = { .ack_seq = seq, .nfields = 1 };

		return udt_ack_encode(pkt, cap, 0, 7, &k);
	}
	case 3: { /* NAK of up to 3 ranges */
		struct udt_range rr[3];
		size_t n = 1 + r[9] % 3, used, i;

		for (i = 0; i < n; i++) {
			rr[i].first = (seq + (uint32_t)i * (b & 0xff)) & 0x7fffffff;
			rr[i].last = (rr[i].first + ((b >> (8 + 4 * i)) & 0xf)) & 0x7fffffff;
		}
		return udt_nak_encode(pkt, cap, 0, 7, rr, n, 100, &used);
	}
	case 4: /* ACK2 */
		return udt_ctrl_encode(pkt, cap, UDT_CT_ACK2, 0, a >> 20, 0, 7, &pad, 1);
	case 5: { /* message drop request */
		struct udt_dropreq d = { .msgno = b % 64,
					 .first = seq,
					 .last = (seq + r[9] % 64) & 0x7fffffff };

		return udt_dropreq_encode(pkt, cap, 0, 7, &d);
	}
	case 6: { /* handshake */
		struct udt_hs hs = { .version = 4,
				     .sock_type = UDT_SOCK_DGRAM,
				     .isn = base,
				     .mss = 76 + (int32_t)(b % 3000),
				     .flight = 2 + (int32_t)(a % 100),
				     .req_type = req[r[9] % 5],
				     .sock_id = 9,
				     .cookie = b };

		return udt_hs_encode(pkt, cap, 0, r[10] & 1 ? 0 : 7, &hs);
	}
	case 7: /* keep-alive, congestion warning, peer error */
		return udt_ctrl_encode(pkt, cap, (uint16_t)(r[9] & 1 ? 1 : 4 << (r[9] & 2)), 0, b,
				       0, 7, &pad, 1);
	default: /* shutdown, rarely */
		return r[9] == 0x5d
			       ? udt_ctrl_encode(pkt, cap, UDT_CT_SHUTDOWN, 0, 0, 0, 7, &pad, 1)
			       : 0;
	}
}

static void structured(const uint8_t *data, size_t size)
{
	static const struct udt_callbacks cbs = { .msg_recv = on_recv };
	static uint8_t msg[300000];
	struct udt_config cfg;
	struct udt_hs hs = { .version = 4,
			     .sock_type = UDT_SOCK_DGRAM,
			     .isn = 0x7fffff00,
			     .mss = 1500,
			     .flight = 256,
			     .req_type = -1,
			     .sock_id = 9,
			     .ext = fuzz_timed ? udt_hs_ext_make(UDT_HS_OFFER_ACK_TIME) : 0 };
	uint8_t pkt[2048], out[2048];
	uint64_t now = 1000000000;
	struct udt_rxmem mem = { .max = 40 * 1456 };
	struct udt_rcvbuf other;
	struct udt_conn *c;
	int i;

	udt_config_default(&cfg);
	cfg.cc = fuzz_cc;
	cfg.rcv_buf_pkts = cfg.snd_buf_pkts = 256;
	if (fuzz_mem) {
		static const uint8_t d[1456];

		cfg.rx_mem = &mem;
		if (udt_rcvbuf_init(&other, 256, 1456, 0, 1, NULL, NULL))
			return;
		udt_rcvbuf_set_limits(&other, &mem, 0, 0);
		for (i = 2; i < 14; i++)
			udt_rcvbuf_add(&other, (uint32_t)i, UDT_MSG_WORD(UDT_PB_MIDDLE, 0, 1), d,
				       sizeof(d));
	}
	c = udt_conn_accept(&cfg, &cbs, NULL, 7, &hs, NULL, now);
	if (!c) {
		if (fuzz_mem)
			udt_rcvbuf_fini(&other);
		return;
	}
	udt_conn_set_nest(c, fuzz_nest);
	/* something to send, some of it with a short TTL */
	for (i = 0; i < 8; i++)
		udt_conn_send_msg(c, msg, 1000 + (size_t)i * 9000, i & 1 ? 50 : -1, i & 2, 0, NULL,
				  NULL, now);
	while (size >= 12) {
		size_t n = build(data, pkt, sizeof(pkt), 0x7fffff00);

		now += (uint64_t)data[11] * 1000000;
		if (n)
			udt_conn_recv_pkt(c, pkt, n, now);
		if (udt_conn_next_deadline(c) <= now)
			udt_conn_handle_timers(c, now);
		while (udt_conn_write_pkt(c, out, sizeof(out), now))
			;
		if (mem.used > mem.max)
			abort();
		data += 12, size -= 12;
	}
	udt_conn_free(c);
	if (fuzz_mem) {
		udt_rcvbuf_fini(&other);
		if (mem.used || mem.users)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct udt_callbacks cbs = { .msg_recv = on_recv };
	struct udt_listener l = { 0 };
	struct udt_conn *c = NULL;
	uint64_t now = 1000000000;
	uint8_t out[2048], pkt[2048];
	int mode;

	if (size < 1)
		return 0;
	mode = data[0] % 4;
	fuzz_cc = data[0] & 4 ? "udt" : "lossy";
	fuzz_nest = !!(data[0] & 8);
	fuzz_timed = !!(data[0] & 16);
	fuzz_mem = !!(data[0] & 32);
	data++, size--;
	if (mode == 3) {
		structured(data, size);
		return 0;
	}
	if (mode == 2) {
		/* a server connection as after a handshake; packets go to socket 7 */
		struct udt_config cfg;
		struct udt_hs hs = { .version = 4,
				     .sock_type = UDT_SOCK_DGRAM,
				     .isn = 1000,
				     .mss = 1500,
				     .flight = 64,
				     .req_type = -1,
				     .sock_id = 9,
				     .ext = fuzz_timed ? udt_hs_ext_make(UDT_HS_OFFER_ACK_TIME)
						       : 0 };

		udt_config_default(&cfg);
		cfg.cc = fuzz_cc;
		cfg.rcv_buf_pkts = cfg.snd_buf_pkts = 64;
		cfg.snd_buf_bytes = 1 << 16;
		c = udt_conn_accept(&cfg, &cbs, NULL, 7, &hs, NULL, now);
		if (!c)
			return 0;
		udt_conn_set_nest(c, fuzz_nest);
		static uint8_t msg[5000];

		memset(msg, 0xab, sizeof(msg));
		udt_conn_send_msg(c, msg, sizeof(msg), 5, 0, UDT_MSG_COPY, NULL, NULL, now);
	}
	while (size >= 2) {
		size_t n = (size_t)data[0] << 8 | data[1];

		data += 2, size -= 2;
		if (n > size)
			n = size;
		if (n > sizeof(pkt))
			n = sizeof(pkt);
		memcpy(pkt, data, n);
		data += n, size -= n;
		now += 1000000;
		switch (mode) {
		case 0:
			decoders(pkt, n);
			break;
		case 1:
			listener(pkt, n, now, &l, &c);
			break;
		case 2:
			if (n >= 16)
				pkt[12] = pkt[13] = pkt[14] = 0, pkt[15] = 7;
			udt_conn_recv_pkt(c, pkt, n, now);
			udt_conn_handle_timers(c, now);
			while (udt_conn_write_pkt(c, out, sizeof(out), now))
				;
			break;
		}
	}
	udt_conn_free(c);
	return 0;
}
