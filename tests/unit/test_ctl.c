/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lu2kd's control-socket answers (daemon/ctl.c
 * lu2kd_ctl_render), read back with lu2kctl's own JSON reader: a daemon with
 * one interface, two peers (one with an outgoing connection) and a fake
 * back-end. Every answer parses; each request says what it should and
 * nothing of another's; bad requests get an "error" that says what is
 * wrong, never a half answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/backend.h"
#include "common/nid.h"
#include "daemon/core.h"
#include "common/json.h"
#include "common/log.h"
#include "tools/ctl/jsonv.h"
#include "../t.h"

static struct lu2kd d;
static struct lu2kd_chan ch;
static struct lu2kd_conn out_conn;

static void fake_conn_info(struct lu2k_be_conn *c, struct lu2k_json *j)
{
	lu2k_json_str(j, "fake_state", "up");
	lu2k_json_u64(j, "bytes_acked", 4242);
}

static void fake_stats(struct lu2k_be *be, struct lu2k_json *j)
{
	lu2k_json_u64(j, "fake_counter", 7);
}

static const struct lu2k_backend_ops fake_ops = {
	.name = "fake",
	.conn_info = fake_conn_info,
	.stats = fake_stats,
};
static const struct lu2kd_chan_ops chan_ops = { .name = "socket" };

static void setup(void)
{
	struct lu2k_nid n;
	struct lu2kd_peer *p;

	T_EQ(lu2k_loop_init(&d.loop), 0);
	lu2kd_config_defaults(&d.cfg);
	lu2k_list_init(&d.chans);
	T_EQ(lu2kd_peers_init(&d), 0);
	d.be_ops = &fake_ops;
	ch.d = &d;
	ch.id = 1;
	ch.ops = &chan_ops;
	snprintf(ch.origin, sizeof(ch.origin), "socket pid 123");
	T_EQ(lu2k_nid_parse("192.0.2.1@lu2k", &ch.nid), 0);
	lu2k_list_add_tail(&d.chans, &ch.link);
	d.nchans = 1;

	T_EQ(lu2k_nid_parse("192.0.2.2@lu2k", &n), 0);
	p = lu2kd_peer_get(&d, &ch, &n);
	T_ASSERT(p != NULL);
	p->state = PEER_UP;
	p->msgs_tx = 5;
	p->bytes_tx = 5000;
	out_conn.d = &d;
	out_conn.peer = p;
	out_conn.out = true;
	out_conn.start_ns = d.loop.now;
	p->out = &out_conn;
	T_EQ(lu2k_nid_parse("[2001:db8::3]@lu2k", &n), 0);
	T_ASSERT(lu2kd_peer_get(&d, &ch, &n) != NULL);
}

/* The answer to cmd, parsed (the test fails if it does not parse). */
static struct jv *ask(const char *cmd)
{
	struct lu2k_json j;
	struct jv *v;
	size_t off = 0;

	lu2k_json_init(&j);
	lu2kd_ctl_render(&d, cmd, &j);
	v = !j.err && j.buf ? jv_parse(j.buf, &off) : NULL;
	if (!v || v->type != JV_OBJ) {
		/* every later check would read garbage: stop here */
		fprintf(stderr, "not ok: the answer to '%s' is no JSON object (at %zu): %s\n", cmd,
			off, j.buf ? j.buf : "(nothing)");
		exit(1);
	}
	lu2k_json_free(&j);
	return v;
}

static const char *str(const struct jv *o, const char *key)
{
	const struct jv *v = jv_get(o, key);

	return v && (v->type == JV_STR || v->type == JV_NUM || v->type == JV_BOOL) ? v->text : NULL;
}

static int count(const struct jv *arr)
{
	int n = 0;

	for (const struct jv *k = arr ? arr->kids : NULL; k; k = k->next)
		n++;
	return n;
}

static void test_status(void)
{
	struct jv *v = ask("status");
	const struct jv *chans = jv_get(v, "channels");

	T_ASSERT(!jv_get(v, "error"));
	T_EQ(count(chans), 1);
	T_STREQ(str(chans->kids, "nid"), "192.0.2.1@lu2k");
	T_STREQ(str(chans->kids, "attach"), "socket");
	T_ASSERT(!jv_get(v, "peers") ||
		 jv_get(v, "peers")->type != JV_ARR); /* a count, not the list */
	jv_free(v);
}

static void test_peers_and_conns(void)
{
	struct jv *v = ask("peers");
	const struct jv *peers = jv_get(v, "peers"), *p;
	int up = 0;

	T_EQ(count(peers), 2);
	for (p = peers->kids; p; p = p->next) {
		T_STREQ(str(p, "local_nid"), "192.0.2.1@lu2k");
		if (!strcmp(str(p, "nid"), "192.0.2.2@lu2k")) {
			up++;
			T_STREQ(str(p, "state"), "up");
			T_STREQ(str(p, "conns_out"), "1");
			T_STREQ(str(p, "bytes_tx"), "5000");
			T_STREQ(str(p, "health"), "1000");
		} else {
			T_STREQ(str(p, "nid"), "[2001:db8::3]@lu2k");
			T_STREQ(str(p, "conns_out"), "0");
		}
	}
	T_EQ(up, 1);
	jv_free(v);

	v = ask("conns");
	T_EQ(count(jv_get(v, "conns")), 1);
	p = jv_get(v, "conns")->kids;
	T_STREQ(str(p, "peer"), "192.0.2.2@lu2k");
	T_STREQ(str(p, "direction"), "out");
	T_STREQ(str(p, "fake_state"), "up"); /* the back-end's own members */
	T_STREQ(str(p, "bytes_acked"), "4242");
	jv_free(v);
}

static void test_stats_and_config(void)
{
	struct jv *v = ask("stats");
	const struct jv *dm = jv_get(v, "daemon"), *be = jv_get(v, "backend");

	T_ASSERT(dm && be);
	T_ASSERT(str(dm, "internal_errors") != NULL);
	T_ASSERT(str(dm, "log_suppressed") != NULL);
	T_STREQ(str(be, "name"), "fake");
	T_STREQ(str(be, "fake_counter"), "7");
	T_EQ(count(jv_get(v, "channels")), 1);
	jv_free(v);

	v = ask("config");
	{
		const struct jv *c = jv_get(v, "config"), *s = c ? jv_get(c, "settings") : NULL;

		T_ASSERT(s != NULL);
		T_STREQ(str(c, "file"), "(none: defaults)");
		T_STREQ(str(s, "port"), "7988");
		T_EQ(count(jv_get(c, "backend_options")), 0);
	}
	jv_free(v);
}

static void test_errors(void)
{
	static const char *const bad[] = {
		"",
		"bogus",
		"peers extra",
		"ping",
		"ping ",
		"ping 10.0.0.1@tcp",
		"ping not-a-nid",
		"ping 192.0.2.1@lu2k",
		"ping 192.0.2.9@lu2k5",
	};
	static const char *const why[] = {
		"unknown request", "unknown request", "unknown request",
		"unknown request", "not a NID",	      "not a NID",
		"not a NID",	   "own NID",	      "no interface",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct jv *v = ask(bad[i]);
		const char *e = str(v, "error");

		if (!e || !strstr(e, why[i]))
			fprintf(stderr, "'%s' -> %s\n", bad[i], e ? e : "(no error)");
		T_ASSERT(e && strstr(e, why[i]));
		T_EQ(count(v), 1); /* the error alone, no half answer */
		jv_free(v);
	}
	T_EQ(d.npeers, 2); /* a refused ping makes no peer */
}

int main(void)
{
	setup();
	T_RUN(test_status);
	T_RUN(test_peers_and_conns);
	T_RUN(test_stats_and_config);
	T_RUN(test_errors);
	return t_done();
}
