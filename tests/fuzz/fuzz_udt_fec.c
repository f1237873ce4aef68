// SPDX-License-Identifier: MIT
/*
 * fuzz_udt_fec.c - libFuzzer target for FEC (proto/udt/fec.h): the parity
 * and report decoders and the rebuild over a window the input describes,
 * and a connection with FEC on fed hostile parities, reports, data and
 * NAKs around its own sequence numbers while it sends small messages (its
 * parities and held NAKs run too).
 *
 * Input: byte 0 bit 0 picks the target. Target 0: a length byte, a packet
 * of that length for the decoders (the rest of the input if shorter), and,
 * for a parity, which of its packets the window has (a bit per packet) and
 * bytes that fill them. Target 1: records
 * of 12 bytes, each a packet built around the connection's numbers (kind,
 * fields, time step).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/udt/fec.h"
#include "proto/udt/seq.h"
#include "proto/udt/udt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The window of target 0: packets filled from the input. */
struct win {
	uint8_t have;
	uint8_t bytes[UDT_FEC_MAX_PKTS][64];
	size_t len[UDT_FEC_MAX_PKTS];
	uint32_t word[UDT_FEC_MAX_PKTS];
	uint32_t first;
};

static int get(void *ctx, uint32_t seq, const uint8_t **d, size_t *len, uint32_t *w)
{
	struct win *v = ctx;
	uint32_t i = (uint32_t)udt_seq_off(v->first, seq);

	if (i >= UDT_FEC_MAX_PKTS)
		abort(); /* never outside the group */
	*d = v->bytes[i];
	*len = v->len[i];
	*w = v->word[i];
	return v->have & (1u << i) ? 1 : i & 1 ? 0 : -1;
}

static void decoders(const uint8_t *p, size_t n)
{
	struct udt_fec_parity fp;
	struct udt_hdr h;
	struct win v;
	uint8_t out[UDT_MAX_MSS];
	uint32_t seq, w;
	size_t len, i, cut;

	/* byte 0: the packet's length (all the rest if it is longer), then the window's bytes */
	cut = n && (size_t)p[0] + 1 <= n ? (size_t)p[0] + 1 : n;
	if (!n || udt_hdr_decode(p + 1, cut - 1, &h))
		return;
	udt_fec_report_decode(&h, &seq);
	if (udt_fec_parity_decode(&h, &fp))
		return;
	memset(&v, 0, sizeof(v));
	v.first = fp.first;
	p += cut, n -= cut;
	if (n)
		v.have = p[0], p++, n--;
	for (i = 0; i < UDT_FEC_MAX_PKTS; i++) {
		v.len[i] = i < n ? p[i] % 65 : 1;
		v.word[i] = i + 4 < n ? (uint32_t)p[i + 4] << 24 | p[i] : 0;
		memset(v.bytes[i], i < n ? p[i] : 0, sizeof(v.bytes[i]));
	}
	/* the rebuild writes fp.len bytes: the decoder bounds it by the packet */
	if (fp.len <= sizeof(out))
		udt_fec_recover(&fp, get, &v, out, &seq, &w, &len);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One packet from 12 bytes r[] around base (the peer's numbers). */
static size_t build(const uint8_t *r, uint8_t *pkt, size_t cap, uint32_t base)
{
	uint32_t a = rd32(r + 1), b = rd32(r + 5), seq = (base + (a & 0xff) - 0x10) & 0x7fffffff;
	size_t h, len;

	switch (r[0] % 6) {
	case 0: /* data: a message of up to 8 packets, full but its last */
		len = r[9] & 1 ? 1456 : 1 + b % 1456;
		h = udt_data_encode_hdr(pkt, cap, seq, UDT_MSG_WORD(b >> 30, 0, 5 + (b >> 8) % 4),
					0, 7);
		memset(pkt + h, r[10], len);
		return h + len;
	case 1: /* a parity over a group near there */
		len = r[9] & 1 ? 1456 : 1 + b % 1456;
		h = udt_fec_parity_encode_hdr(pkt, cap, 7, seq, 2 + r[10] % 8,
					      1 + (uint32_t)(b >> 16) % (uint32_t)len);
		memset(pkt + h, r[11], len);
		return h + len;
	case 2: /* a report of a packet we sent (or not) */
		return udt_fec_report_encode(pkt, cap, 0, 7, (a & 0x3ff) + 0x7fffff00u - 0x100);
	case 3: { /* a NAK of what we sent: the loss measure turns parity on */
		struct udt_range rr = { (0x7fffff00u + (a & 0x3f)) & 0x7fffffff, 0 };
		size_t used;

		rr.last = (rr.first + (b & 3)) & 0x7fffffff;
		return udt_nak_encode(pkt, cap, 0, 7, &rr, 1, 100, &used);
	}
	case 4: { /* an ACK of what we sent */
		struct udt_ack k = { .ackno = 1 + (a >> 20),
				     .ack_seq = (0x7fffff00u + (a & 0x3f)) & 0x7fffffff,
				     .avail = 256,
				     .nfields = 4 };

		return udt_ack_encode(pkt, cap, 0, 7, &k);
	}
	default: /* any FEC control packet */
		len = (b % 64);
		h = udt_ctrl_encode(pkt, cap, UDT_CT_FEC, (uint16_t)a, b, rd32(r + 8), 7, NULL, 0);
		memset(pkt + h, r[11], len);
		return h + len;
	}
}

static void on_recv(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	size_t total = 0;

	(void)ud, (void)msgno, (void)len;
	/* touch every byte: ASan checks the iovec is real */
	for (int i = 0; i < n; i++)
		for (size_t k = 0; k < iov[i].iov_len; k++)
			total += ((const uint8_t *)iov[i].iov_base)[k];
	(void)total;
}

static void connected(const uint8_t *data, size_t size)
{
	static const struct udt_callbacks cbs = { .msg_recv = on_recv };
	static uint8_t msg[12000];
	struct udt_config cfg;
	struct udt_hs hs = { .version = 4,
			     .sock_type = UDT_SOCK_DGRAM,
			     .isn = 0x7fffff00,
			     .mss = 1500,
			     .flight = 256,
			     .req_type = -1,
			     .sock_id = 9,
			     .ext = UDT_HS_EXT_FEC };
	uint8_t pkt[2048], out[2048];
	uint64_t now = 1000000000;
	struct udt_conn *c;
	int i = 0;

	udt_config_default(&cfg);
	cfg.fec = 1;
	cfg.cc = "lossy";
	cfg.rcv_buf_pkts = cfg.snd_buf_pkts = 256;
	c = udt_conn_accept(&cfg, &cbs, NULL, 7, &hs, NULL, now);
	if (!c)
		return;
	while (size >= 12) {
		size_t n = build(data, pkt, sizeof(pkt), 0x7fffff00);

		/* small messages of 1..8 packets, now and then */
		if (data[11] & 0x80)
			udt_conn_send_msg(c, msg, 1 + (size_t)(i++ * 1457) % sizeof(msg), -1, 0, 0,
					  NULL, NULL, now);
		now += (uint64_t)(data[11] & 0x1f) * 1000000;
		if (n)
			udt_conn_recv_pkt(c, pkt, n, now);
		if (udt_conn_next_deadline(c) <= now)
			udt_conn_handle_timers(c, now);
		while (udt_conn_write_pkt(c, out, sizeof(out), now))
			;
		data += 12, size -= 12;
	}
	udt_conn_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		connected(data + 1, size - 1);
	else
		decoders(data + 1, size - 1);
	return 0;
}
