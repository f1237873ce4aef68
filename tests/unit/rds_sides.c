/* SPDX-License-Identifier: MIT */
/*
 * rds_sides.c - two fake cores (A sends, B receives) over the rds back-end
 * for its tests: they count what the back-end tells them and check every
 * byte received (rds_sides.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rds_fake.h"
#include "rds_sides.h"

struct lu2k_loop L;
const struct lu2k_backend_ops *ops;

struct side A, B;

static void *up_accepted(void *core, struct lu2k_be_conn *c, const struct lu2k_nid *src,
			 const struct lu2k_nid *dst, int *status)
{
	struct side *s = core;

	if (!lu2k_nid_eq(dst, &s->nid)) {
		s->refused++;
		*status = -ENXIO;
		return NULL;
	}
	s->accepted++;
	s->in = c;
	return s;
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
	if (s->in)
		s->in = NULL;
}

static void up_sent(void *ctx, struct lu2k_be_msg *m, int status)
{
	struct side *s = ctx;
	uint64_t id;

	memcpy(&id, m->buf, sizeof(id));
	s->sent_count[id % NMSG]++;
	if (status == 0) {
		s->sent_ok++;
	} else {
		s->sent_err++;
		s->last_err = status;
	}
}

static void up_writable(void *ctx)
{
}

static uint8_t pat(uint64_t id, uint64_t i)
{
	return (uint8_t)(id * 131 + i * 7 + (i >> 13));
}

static int up_rx_begin(void *ctx, const struct lu2k_nid *target, struct lu2k_be_rxbuf *b)
{
	struct side *s = ctx;
	uint32_t len = b->hdr_len + b->payload_len;

	if (s->eagain_left > 0) {
		s->eagain_left--;
		return -EAGAIN;
	}
	b->data = malloc(len ? len : 1);
	s->rx_begun++;
	return 0;
}

static int up_rx_end(void *ctx, struct lu2k_be_rxbuf *b, int status)
{
	struct side *s = ctx;
	const uint8_t *p = b->data;
	uint64_t id;
	bool good = b->hdr_len == 8;

	if (status) {
		s->rx_failed++;
		free(b->data);
		return status;
	}
	memcpy(&id, p, sizeof(id));
	if (b->mid.epoch) {
		s->rx_mids++;
		s->rx_mid_sum += b->mid.epoch + b->mid.id + b->mid.low;
	}
	for (uint64_t i = 0; good && i < b->payload_len; i++)
		good = p[8 + i] == pat(id, i);
	if (good)
		s->rx_ok++;
	else
		s->rx_bad++;
	if (s->rx_ok > 1 && id <= s->last_id)
		s->order_bad++;
	s->last_id = id;
	free(b->data);
	return 0;
}

struct lu2k_auth *next_auth;

int make_side(struct side *s, const char *nid, const char *const *kv, int nkv)
{
	struct lu2k_be_env env = {
		.loop = &L,
		.core = s,
		.max_msg_size = MAXMSG,
		.accepted = up_accepted,
		.connected = up_connected,
		.closed = up_closed,
		.sent = up_sent,
		.writable = up_writable,
		.rx_begin = up_rx_begin,
		.rx_end = up_rx_end,
		.auth = next_auth,
	};
	struct lu2k_be_option o[8];
	char err[256];

	memset(s, 0, sizeof(*s));
	lu2k_nid_parse(nid, &s->nid);
	for (int i = 0; i < nkv; i++)
		o[i] = (struct lu2k_be_option){ kv[2 * i], kv[2 * i + 1], "test" };
	if (ops->create(&env, o, (unsigned int)nkv, err, sizeof(err), &s->be))
		return -1;
	return ops->listen(s->be, &s->nid, PORT, &s->l);
}

const char *const fast[] = { "ack_timeout_ms", "400",	"hello_timeout_ms", "400",
			     "frag_size",      "65536", "cong_retry_ms",    "5000" };
/*
 * For tests that need no deadline to fire soon: on a loaded machine (and
 * under the sanitizers) the process may not run for some 400 ms at a time.
 */
const char *const calm[] = { "ack_timeout_ms", "3000",	"hello_timeout_ms", "3000",
			     "frag_size",      "65536", "cong_retry_ms",    "5000" };

void drop_side(struct side *s)
{
	if (s->l)
		ops->unlisten(s->l);
	if (s->be)
		ops->destroy(s->be);
	s->l = NULL;
	s->be = NULL;
	lu2k_loop_once(&L, 0); /* deferred frees */
}

struct lu2k_be_msg msgs[NMSG];

void msg_init(struct lu2k_be_msg *m, uint64_t id, uint32_t payload)
{
	uint8_t *b = malloc(8 + payload);

	memset(m, 0, sizeof(*m));
	memcpy(b, &id, 8);
	for (uint32_t i = 0; i < payload; i++)
		b[8 + i] = pat(id, i);
	m->buf = b;
	m->hdr_len = 8;
	m->payload_len = payload;
	lu2k_nid_parse("10.0.0.2@lu2k", &m->target);
}

void msgs_free(int n)
{
	for (int i = 0; i < n; i++)
		free((void *)msgs[i].buf);
}

int sent_once(struct side *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s->sent_count[i] != 1)
			return 0;
	return 1;
}

struct lu2k_be_conn *connect_ab(void)
{
	struct lu2k_be_conn *c = NULL;

	A.connected = A.closed = 0;
	if (ops->connect(A.be, &A.nid, NULL, &B.nid, PORT, &A, &c))
		return NULL;
	SPIN_UNTIL(A.connected || A.closed, 2000);
	return A.connected ? c : NULL;
}
