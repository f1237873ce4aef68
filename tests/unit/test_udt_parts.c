// SPDX-License-Identifier: MIT
/*
 * test_udt_parts.c - messages in two referenced pieces (UDT_MSG_PARTS) and
 * packets handed out without a copy (udt_conn_write_pkt_ref), with fake time:
 *  - udt_smsg_pieces splits any byte range at the head/body boundary;
 *  - every data packet of a parts message, first sent or resent after a
 *    NAK, is the same datagram as the copying udt_conn_write_pkt makes of
 *    the same message in one piece: its header in the buffer, its payload
 *    in pieces that point into the caller's memory (never a copy);
 *  - control packets come whole in the buffer, with no pieces;
 *  - UDT_MSG_COPY with UDT_MSG_PARTS is refused.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/udt/sndbuf.h"
#include "proto/udt/udt.h"
#include "tests/t.h"
#include "tests/unit/udt_pair.h"

#define ME   7
#define PEER 9
#define ISN  1000u
#define T0   1000000000ull

#define HEAD 32
#define BODY 5000

static uint8_t head[HEAD], body[BODY], whole[HEAD + BODY];

static const struct udt_callbacks cbs = { 0 };

static struct udt_conn *server(void)
{
	struct udt_config cfg;

	udt_config_default(&cfg);
	return udt_test_accepted(&cfg, &cbs, ME, PEER, ISN, T0);
}

static bool inside(const void *p, size_t len, const uint8_t *mem, size_t memlen)
{
	const uint8_t *q = p;

	return q >= mem && q + len <= mem + memlen;
}

static void test_pieces(void)
{
	struct udt_smsg m = { .data = head, .body = body, .head_len = HEAD, .len = HEAD + BODY };
	struct udt_smsg one = { .data = whole, .len = HEAD + BODY };
	struct iovec pc[2];

	/* inside the head, across the boundary, inside the body, ending on it */
	T_EQ(udt_smsg_pieces(&m, 0, 10, pc), 1);
	T_ASSERT(pc[0].iov_base == head && pc[0].iov_len == 10);
	T_EQ(udt_smsg_pieces(&m, 20, 100, pc), 2);
	T_ASSERT(pc[0].iov_base == head + 20 && pc[0].iov_len == 12);
	T_ASSERT(pc[1].iov_base == body && pc[1].iov_len == 88);
	T_EQ(udt_smsg_pieces(&m, HEAD + 7, 1000, pc), 1);
	T_ASSERT(pc[0].iov_base == body + 7 && pc[0].iov_len == 1000);
	T_EQ(udt_smsg_pieces(&m, 0, HEAD, pc), 1);
	T_ASSERT(pc[0].iov_base == head && pc[0].iov_len == HEAD);
	T_EQ(udt_smsg_pieces(&one, 5, 1400, pc), 1);
	T_ASSERT(pc[0].iov_base == whole + 5 && pc[0].iov_len == 1400);
}

/*
 * Flattens a referenced packet into out; SIZE_MAX if a piece is not in the
 * message's own memory (a copy) or the pieces are longer than the packet.
 */
static size_t flatten(const uint8_t *buf, size_t n, const struct iovec *pc, int np, uint8_t *out)
{
	size_t pl = 0, h;

	for (int i = 0; i < np; i++) {
		if (!inside(pc[i].iov_base, pc[i].iov_len, head, HEAD) &&
		    !inside(pc[i].iov_base, pc[i].iov_len, body, BODY))
			return SIZE_MAX;
		pl += pc[i].iov_len;
	}
	if (pl > n)
		return SIZE_MAX;
	h = n - pl;
	memcpy(out, buf, h);
	for (int i = 0; i < np; i++) {
		memcpy(out + h, pc[i].iov_base, pc[i].iov_len);
		h += pc[i].iov_len;
	}
	return h;
}

static void test_same_datagrams(void)
{
	struct udt_conn *a = server(), *b = server();
	struct udt_msg_parts parts = { .head = head, .head_len = HEAD, .body = body };
	uint8_t ba[2000], bb[2000], fa[2000];
	uint32_t no;
	int data_pkts = 0, two_pieces = 0, ctl_pkts = 0;

	T_ASSERT(a && b);
	for (size_t i = 0; i < HEAD; i++)
		whole[i] = head[i] = (uint8_t)(i * 13 + 1);
	for (size_t i = 0; i < BODY; i++)
		whole[HEAD + i] = body[i] = (uint8_t)(i * 7 + (i >> 8));
	T_EQ(udt_conn_send_msg(a, &parts, HEAD + BODY, -1, 0, UDT_MSG_PARTS | UDT_MSG_COPY, NULL,
			       &no, T0),
	     -EINVAL);
	T_EQ(udt_conn_send_msg(a, &parts, HEAD + BODY, -1, 0, UDT_MSG_PARTS, NULL, &no, T0), 0);
	T_EQ(udt_conn_send_msg(b, whole, HEAD + BODY, -1, 0, 0, NULL, &no, T0), 0);
	for (int round = 0; round < 2; round++) {
		uint64_t t = T0 + (uint64_t)round * 300000000ull;

		if (round) {
			/* the peer asks for packets 1 and 3 again (a NAK) */
			uint32_t loss[2] = { ISN + 1, ISN + 3 };
			uint8_t nak[64];
			size_t n =
				udt_ctrl_encode(nak, sizeof(nak), UDT_CT_NAK, 0, 0, 0, ME, loss, 2);

			T_EQ(udt_conn_recv_pkt(a, nak, n, t), 0);
			T_EQ(udt_conn_recv_pkt(b, nak, n, t), 0);
		}
		for (uint64_t dt = 0; dt < 200000000ull; dt += 100000) {
			for (;;) {
				struct iovec pc[UDT_PKT_PIECES];
				int np = -1;
				size_t na =
					udt_conn_write_pkt_ref(a, ba, sizeof(ba), t + dt, pc, &np);
				size_t nb = udt_conn_write_pkt(b, bb, sizeof(bb), t + dt);
				struct udt_hdr h;

				T_EQ(na, nb);
				if (!na)
					break;
				T_ASSERT(np >= 0 && np <= UDT_PKT_PIECES);
				T_EQ(flatten(ba, na, pc, np, fa), nb);
				T_ASSERT(memcmp(fa, bb, nb) == 0);
				T_EQ(udt_hdr_decode(bb, nb, &h), 0);
				if (h.ctrl) {
					T_EQ(np, 0);
					ctl_pkts++;
				} else {
					T_ASSERT(np >= 1);
					T_EQ(na - (size_t)(pc[0].iov_len +
							   (np > 1 ? pc[1].iov_len : 0)),
					     (size_t)UDT_HDR_LEN);
					data_pkts++;
					two_pieces += np == 2;
				}
			}
		}
	}
	/* 4 packets (the last short), then 1 and 3 again; the head and the body meet in the first */
	T_EQ(data_pkts, 6);
	T_EQ(two_pieces, 1);
	/* a control packet (the SHUTDOWN of an abort) comes whole, without pieces */
	udt_conn_abort(a, T0 + 600000000ull);
	{
		struct iovec pc[UDT_PKT_PIECES];
		int np = -1;
		size_t n = udt_conn_write_pkt_ref(a, ba, sizeof(ba), T0 + 600000000ull, pc, &np);
		struct udt_hdr h;

		T_ASSERT(n >= UDT_HDR_LEN);
		T_EQ(np, 0);
		T_EQ(udt_hdr_decode(ba, n, &h), 0);
		T_ASSERT(h.ctrl);
		ctl_pkts++;
	}
	T_ASSERT(ctl_pkts >= 1);
	udt_conn_free(a);
	udt_conn_free(b);
}

int main(void)
{
	T_RUN(test_pieces);
	T_RUN(test_same_datagrams);
	return t_done();
}
