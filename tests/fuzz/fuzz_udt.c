// SPDX-License-Identifier: MIT
/*
 * fuzz_udt.c - libFuzzer target for the UDT packet decoders, the listener's
 * handshake path and a connected engine fed hostile packets.
 *
 * Input: byte 0 picks the target; the rest is a list of packets, each a
 * 2-byte big-endian length and that many bytes (time advances 1 ms each).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

static void listener(const uint8_t *p, size_t n, uint64_t now)
{
	static const uint8_t key[16] = "fuzz-fuzz-fuzz!";
	struct udt_listener l;
	uint8_t out[2048];
	struct udt_hs hs;
	size_t olen;
	int r;

	udt_listener_init(&l, key, UDT_SOCK_DGRAM, 1500, 64);
	r = udt_listener_recv(&l, p, n, "addr", 4, now, out, sizeof(out), &olen, &hs);
	if (r == UDT_LISTEN_ACCEPT) {
		struct udt_config cfg;
		struct udt_conn *c;

		udt_config_default(&cfg);
		cfg.rcv_buf_pkts = cfg.snd_buf_pkts = 64;
		c = udt_conn_accept(&cfg, NULL, NULL, 7, &hs, NULL, now);
		while (c && udt_conn_write_pkt(c, out, sizeof(out), now))
			;
		udt_conn_free(c);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct udt_callbacks cbs = { .msg_recv = on_recv };
	struct udt_conn *c = NULL;
	uint64_t now = 1000000000;
	uint8_t out[2048], pkt[2048];
	int mode;

	if (size < 1)
		return 0;
	mode = data[0] % 3;
	data++, size--;
	if (mode == 2) {
		/* a server connection as after a handshake; packets go to socket 7 */
		struct udt_config cfg;
		struct udt_hs hs = { .version = 4,
				     .sock_type = UDT_SOCK_DGRAM,
				     .isn = 1000,
				     .mss = 1500,
				     .flight = 64,
				     .req_type = -1,
				     .sock_id = 9 };

		udt_config_default(&cfg);
		cfg.rcv_buf_pkts = cfg.snd_buf_pkts = 64;
		cfg.snd_buf_bytes = 1 << 16;
		c = udt_conn_accept(&cfg, &cbs, NULL, 7, &hs, NULL, now);
		if (!c)
			return 0;
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
			listener(pkt, n, now);
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
