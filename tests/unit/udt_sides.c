/* SPDX-License-Identifier: MIT */
/*
 * udt_sides.c - the fixture of the udt back-end's API tests (udt_sides.h).
 */
#include "udt_sides.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/udt_be.h"
#include "../t.h"

struct lu2k_loop L;
const struct lu2k_backend_ops *ops;
struct lu2k_be *be_a, *be_b;
struct lu2k_be_listener *lis_a, *lis_b;
struct lu2k_nid nid_a, nid_b, nid_x, nid_s;
uint16_t port;
struct side out, in;
struct side back, back_in;
struct lu2k_be_msg msgs[NMSG];
static uint8_t *txmem[NMSG];
static uint8_t *rxmem, *rxmem_early;

static void *up_accepted(void *core, struct lu2k_be_conn *c, const struct lu2k_nid *src,
			 const struct lu2k_nid *dst, int *status)
{
	if (lu2k_nid_eq(dst, &nid_a) && lu2k_nid_eq(src, &nid_b)) {
		back_in.conn = c;
		return &back_in;
	}
	if (!(lu2k_nid_eq(dst, &nid_b) || lu2k_nid_eq(dst, &nid_s)) || !lu2k_nid_eq(src, &nid_a)) {
		in.rx_refused++;
		*status = -ENXIO;
		return NULL;
	}
	in.conn = c;
	return &in;
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
}

/* A message's id is its header length minus 16 (the tests choose it). */
static int id_of(const struct lu2k_be_msg *m)
{
	return (int)m->hdr_len - 16;
}

static void up_sent(void *ctx, struct lu2k_be_msg *m, int status)
{
	struct side *s = ctx;

	s->sent_count[id_of(m)]++;
	if (status == 0) {
		s->sent_ok++;
	} else {
		s->sent_err++;
		s->sent_last_err = status;
	}
}

static void up_writable(void *ctx)
{
}

static int up_rx_begin(void *ctx, const struct lu2k_nid *target, struct lu2k_be_rxbuf *b)
{
	struct side *s = ctx;

	if (!lu2k_nid_eq(target, &nid_b) && !lu2k_nid_eq(target, &nid_s))
		return -ENXIO;
	if (b->flags & LU2K_BE_RX_EARLY) {
		/* as the core: spare room only, never a wait; one at a time per conn */
		if (s->early_refuse || s->rx_eagain_left > 0)
			return -ENOBUFS;
		if (b->hdr_len + b->payload_len > MAXMSG)
			return -EMSGSIZE;
		if (s->early_out)
			s->early_twice++;
		s->early_out = 1;
		s->early_begun++;
		b->data = rxmem_early;
		s->rx_begun++;
		return 0;
	}
	if (s->rx_eagain_left > 0) {
		s->rx_eagain_left--;
		return -EAGAIN;
	}
	if (b->hdr_len + b->payload_len > MAXMSG)
		return -EMSGSIZE;
	b->data = rxmem; /* one message at a time is begun and ended (no order option) */
	s->rx_begun++;
	return 0;
}

/* The bytes of message id: a header of its own, a payload pattern of its own. */
static uint8_t byte_of(int id, size_t i)
{
	return (uint8_t)(id * 31 + i * 7 + (i >> 9));
}

static int up_rx_end(void *ctx, struct lu2k_be_rxbuf *b, int status)
{
	struct side *s = ctx;
	int id = (int)b->hdr_len - 16;
	size_t len = (size_t)b->hdr_len + b->payload_len;
	bool ok = id >= 0 && id < NMSG;

	if (b->flags & LU2K_BE_RX_EARLY)
		s->early_out = 0;
	if (status) {
		s->rx_failed++;
		return status;
	}
	for (size_t i = 0; ok && i < len; i++)
		ok = ((uint8_t *)b->data)[i] == byte_of(id, i);
	if (ok) {
		s->rx_sizes_ok++;
		if (s->nrx < NMSG)
			s->rx_order[s->nrx++] = id;
	} else {
		s->rx_bad++;
	}
	s->rx_ended++;
	return 0;
}

const struct lu2k_be_env env = {
	.loop = &L,
	.max_msg_size = MAXMSG,
	.accepted = up_accepted,
	.connected = up_connected,
	.closed = up_closed,
	.sent = up_sent,
	.writable = up_writable,
	.rx_begin = up_rx_begin,
	.rx_end = up_rx_end,
};

int make_mss(struct lu2k_be **be, const char *mss)
{
	const struct lu2k_be_option opts[] = {
		{ "connect_timeout_ms", "1500", "test" },
		{ "peer_timeout_ms", "1500", "test" },
		{ "hello_timeout_ms", "2000", "test" },
		{ "mss", mss, "test" },
	};
	char err[256];
	int rc = ops->create(&env, opts, mss ? 4 : 3, err, sizeof(err), be);

	if (rc)
		fprintf(stderr, "create: %s\n", err);
	return rc;
}

int make(struct lu2k_be **be)
{
	return make_mss(be, NULL);
}

void setup(void)
{
	T_EQ(lu2k_loop_init(&L), 0);
	ops = lu2k_backend_find("udt");
	T_ASSERT(ops != NULL);
	T_EQ(make(&be_a), 0);
	T_EQ(make(&be_b), 0);
	T_EQ(lu2k_nid_parse("127.0.0.1@lu2k", &nid_a), 0);
	T_EQ(lu2k_nid_parse("127.0.0.2@lu2k", &nid_b), 0);
	T_EQ(lu2k_nid_parse("127.0.0.2@lu2k7", &nid_x), 0);
	T_EQ(lu2k_nid_parse("127.0.0.4@lu2k", &nid_s), 0);
	srand((unsigned int)getpid());
	for (int i = 0; i < 50 && !lis_b; i++) {
		port = (uint16_t)(30000 + rand() % 30000);
		if (ops->listen(be_b, &nid_b, port, &lis_b) == 0 &&
		    ops->listen(be_a, &nid_a, port, &lis_a) != 0) {
			ops->unlisten(lis_b);
			lis_b = NULL;
		}
	}
	T_ASSERT(lis_b && lis_a);
	rxmem = malloc(MAXMSG);
	rxmem_early = malloc(MAXMSG);
	T_ASSERT(rxmem && rxmem_early);
	for (int i = 0; i < NMSG; i++) {
		txmem[i] = malloc(MAXMSG);
		T_ASSERT(txmem[i]);
	}
}

void reset(void)
{
	memset(&out, 0, sizeof(out));
	memset(&in, 0, sizeof(in));
}

/* Message id of hdr 16 + id bytes and payload bytes, filled with its pattern. */
struct lu2k_be_msg *msg(int id, uint32_t payload)
{
	struct lu2k_be_msg *m = &msgs[id];
	size_t len = 16 + (size_t)id + payload;

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < len; i++)
		txmem[id][i] = byte_of(id, i);
	m->buf = txmem[id];
	m->hdr_len = 16 + (uint32_t)id;
	m->payload_len = payload;
	m->target = nid_b;
	return m;
}

void connect_a_to_b(void)
{
	reset();
	T_EQ(ops->connect(be_a, &nid_a, NULL, &nid_b, port, &out, &out.conn), 0);
	SPIN_UNTIL(out.connected, 3000);
	T_EQ(out.connected, 1);
	T_EQ(out.closed, 0);
}

void teardown(void)
{
	ops->unlisten(lis_a);
	ops->unlisten(lis_b);
	ops->destroy(be_a);
	ops->destroy(be_b);
	lu2k_loop_fini(&L);
	free(rxmem);
	free(rxmem_early);
	for (int i = 0; i < NMSG; i++)
		free(txmem[i]);
}
