/* SPDX-License-Identifier: MIT */
/*
 * max_unproved, the udt back-end's cap on connections a listener takes
 * without a cookie: the listener gets the value the config set (the engine
 * acts on it: test_udt_nocookie, test_only_the_mark for 0), and a value
 * beyond the engine's slots is refused with the range, not cut quietly.
 * first_flight, the data a connector sends before the handshake's
 * response (proto/udt/conn_early.c): the engine gets the value, 0 turns it
 * off, and a value beyond its bound is refused the same way.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "backends/backend.h"
#include "backends/udt_be.h"
#include "common/loop.h"
#include "common/nid.h"
#include "../t.h"

static struct lu2k_loop L;
static const struct lu2k_be_env env = { .loop = &L, .max_msg_size = 1u << 20 };

/* A back-end with max_unproved = v (NULL: the default), listening: its listener's cap. */
static void listener_cap(const char *v, uint32_t *cap)
{
	const struct lu2k_backend_ops *ops = lu2k_backend_find("udt");
	struct lu2k_be_option o = { "max_unproved", v, "test" };
	struct lu2k_be_listener *l = NULL;
	struct lu2k_nid nid;
	struct lu2k_be *be;
	char err[256] = "";

	*cap = UINT32_MAX;
	T_ASSERT(ops != NULL);
	if (ops->create(&env, &o, v ? 1 : 0, err, sizeof(err), &be))
		T_FAIL_("create with max_unproved %s: %s", v ? v : "(default)", err);
	T_EQ(lu2k_nid_parse("127.0.0.1@lu2k", &nid), 0);
	T_EQ(ops->listen(be, &nid, 0, &l), 0); /* port 0: any free one */
	*cap = l->hs.unproved_max;
	ops->unlisten(l);
	ops->destroy(be);
}

static void test_taken(void)
{
	uint32_t cap;

	T_EQ(lu2k_loop_init(&L), 0);
	listener_cap(NULL, &cap);
	T_EQU(cap, 16);
	listener_cap("0", &cap); /* never without a cookie: UDT4's two round trips */
	T_EQU(cap, 0);
	listener_cap("5", &cap);
	T_EQU(cap, 5);
	listener_cap("16", &cap);
	T_EQU(cap, UDT_UNPROVED_SLOTS);
	lu2k_loop_fini(&L);
}

static void test_bounds(void)
{
	const struct lu2k_backend_ops *ops = lu2k_backend_find("udt");
	static const char *const bad[] = { "17", "1000", "-1", "x" };
	char err[256];

	T_ASSERT(ops != NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lu2k_be_option o = { "max_unproved", bad[i], "t.conf:1" };

		err[0] = 0;
		T_EQ(ops->check_option(&env, &o, err, sizeof(err)), -EINVAL);
		/* the key, the value and what is taken instead */
		if (!strstr(err, "t.conf:1: key 'max_unproved'") || !strstr(err, bad[i]) ||
		    !strstr(err, "0..16"))
			T_FAIL_("max_unproved = %s: %s", bad[i], err);
	}
}

/* A back-end with first_flight = v (NULL: the default): what its engines get. */
static void first_flight(const char *v, uint32_t *pkts)
{
	const struct lu2k_backend_ops *ops = lu2k_backend_find("udt");
	struct lu2k_be_option o = { "first_flight", v, "test" };
	struct lu2k_be *be;
	char err[256] = "";

	if (ops->create(&env, &o, v ? 1 : 0, err, sizeof(err), &be))
		T_FAIL_("create with first_flight %s: %s", v ? v : "(default)", err);
	*pkts = be->ucfg.first_flight;
	ops->destroy(be);
}

static void test_first_flight(void)
{
	const struct lu2k_backend_ops *ops = lu2k_backend_find("udt");
	static const char *const bad[] = { "4097", "100000", "-1", "x" };
	char err[256];
	uint32_t pkts;

	T_EQ(lu2k_loop_init(&L), 0);
	first_flight(NULL, &pkts);
	T_EQU(pkts, UDTB_FIRST_FLIGHT);
	first_flight("0", &pkts); /* off: data after the response, as UDT4 */
	T_EQU(pkts, 0);
	first_flight("4096", &pkts);
	T_EQU(pkts, UDTB_FIRST_FLIGHT_MAX);
	lu2k_loop_fini(&L);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lu2k_be_option o = { "first_flight", bad[i], "t.conf:2" };

		err[0] = 0;
		T_EQ(ops->check_option(&env, &o, err, sizeof(err)), -EINVAL);
		if (!strstr(err, "t.conf:2: key 'first_flight'") || !strstr(err, bad[i]) ||
		    !strstr(err, "0..4096"))
			T_FAIL_("first_flight = %s: %s", bad[i], err);
	}
}

/*
 * ack_time, timed ACKs offered in the handshake (doc/udt-cc.md): on by
 * default, 0 reaches the engine (which then does not offer them:
 * test_udt_acktime), anything else but 0 and 1 refused.
 */
static void test_ack_time(void)
{
	const struct lu2k_backend_ops *ops = lu2k_backend_find("udt");
	struct lu2k_be_option o = { "ack_time", "0", "t.conf:3" };
	char err[256] = "";
	struct lu2k_be *be;

	T_EQ(lu2k_loop_init(&L), 0);
	T_EQ(ops->create(&env, NULL, 0, err, sizeof(err), &be), 0);
	T_EQ(be->ucfg.ack_time, 1);
	ops->destroy(be);
	T_EQ(ops->create(&env, &o, 1, err, sizeof(err), &be), 0);
	T_EQ(be->ucfg.ack_time, 0);
	ops->destroy(be);
	lu2k_loop_fini(&L);
	o.value = "2";
	T_EQ(ops->check_option(&env, &o, err, sizeof(err)), -EINVAL);
	if (!strstr(err, "t.conf:3: key 'ack_time'"))
		T_FAIL_("ack_time = 2: %s", err);
}

int main(void)
{
	T_RUN(test_taken);
	T_RUN(test_bounds);
	T_RUN(test_first_flight);
	T_RUN(test_ack_time);
	return t_done();
}
