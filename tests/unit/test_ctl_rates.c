/* SPDX-License-Identifier: MIT */
/* lu2kctl --watch's rates (tools/ctl/rates.c): counters only, matched entries only. */
#include "tools/ctl/jsonv.h"
#include "tools/ctl/rates.h"
#include "../t.h"

static const char *num(const struct jv *o, const char *k)
{
	const struct jv *v = jv_get(o, k);

	return v && v->type == JV_NUM ? v->text : NULL;
}

static void test_peers(void)
{
	struct jv *prev =
		jv_parse("{\"peers\":[{\"nid\":\"a@lu2k\",\"local_nid\":\"l@lu2k\","
			 "\"msgs_tx\":10,\"bytes_tx\":1000,\"conns_out\":1},"
			 "{\"nid\":\"gone@lu2k\",\"local_nid\":\"l@lu2k\",\"msgs_tx\":5}]}",
			 NULL);
	struct jv *now = jv_parse("{\"peers\":[{\"nid\":\"a@lu2k\",\"local_nid\":\"l@lu2k\","
				  "\"msgs_tx\":30,\"bytes_tx\":500,\"conns_out\":2},"
				  "{\"nid\":\"new@lu2k\",\"local_nid\":\"l@lu2k\",\"msgs_tx\":7}]}",
				  NULL);
	const struct jv *a, *n;

	T_ASSERT(prev && now);
	T_EQ(rates_add(now, prev, "peers", 2.0), 1);
	a = jv_get(now, "peers")->kids;
	T_STREQ(num(a, "msgs_tx_per_s"), "10.0");
	/* right after its counter */
	T_STREQ(jv_get(now, "peers")->kids->kids->next->next->next->key, "msgs_tx_per_s");
	/* a counter that went back (a restarted daemon): no rate; a gauge: none */
	T_ASSERT(!num(a, "bytes_tx_per_s"));
	T_ASSERT(!num(a, "conns_out_per_s"));
	/* an entry the previous round did not have: none */
	n = a->next;
	T_ASSERT(!num(n, "msgs_tx_per_s"));
	jv_free(prev);
	jv_free(now);
}

static void test_stats_and_conns(void)
{
	struct jv *prev = jv_parse("{\"daemon\":{\"msgs_ok\":100},\"channels\":[{\"nid\":\"x\","
				   "\"tx_bytes\":0}],\"backend\":{\"name\":\"udt\",\"conns\":3,"
				   "\"conns_out\":4,\"dgrams_tx\":1000}}",
				   NULL);
	struct jv *now = jv_parse("{\"daemon\":{\"msgs_ok\":150},\"channels\":[{\"nid\":\"x\","
				  "\"tx_bytes\":4000}],\"backend\":{\"name\":\"udt\",\"conns\":5,"
				  "\"conns_out\":6,\"dgrams_tx\":3000}}",
				  NULL);
	struct jv *c0 =
		jv_parse("{\"conns\":[{\"peer\":\"p\",\"local_nid\":\"l\",\"direction\":"
			 "\"out\",\"pkts_sent\":10,\"rtt_us\":500},{\"peer\":\"p\",\"local_nid\":"
			 "\"l\",\"direction\":\"in\",\"pkts_recv\":0}]}",
			 NULL);
	struct jv *c1 = jv_parse("{\"conns\":[{\"peer\":\"p\",\"local_nid\":\"l\",\"direction\":"
				 "\"in\",\"pkts_recv\":40},{\"peer\":\"p\",\"local_nid\":\"l\","
				 "\"direction\":\"out\",\"pkts_sent\":30,\"rtt_us\":900}]}",
				 NULL);

	T_ASSERT(prev && now && c0 && c1);
	T_EQ(rates_add(now, prev, "stats", 0.5), 4);
	T_STREQ(num(jv_get(now, "daemon"), "msgs_ok_per_s"), "100.0");
	T_STREQ(num(jv_get(now, "channels")->kids, "tx_bytes_per_s"), "8000.0");
	/* the back-end's conns is a gauge, its conns_out a counter */
	T_ASSERT(!num(jv_get(now, "backend"), "conns_per_s"));
	T_STREQ(num(jv_get(now, "backend"), "conns_out_per_s"), "4.0");
	T_STREQ(num(jv_get(now, "backend"), "dgrams_tx_per_s"), "4000.0");
	/* connections matched by peer, local NID and direction, in any order */
	T_EQ(rates_add(c1, c0, "conns", 1.0), 2);
	T_STREQ(num(jv_get(c1, "conns")->kids, "pkts_recv_per_s"), "40.0");
	T_STREQ(num(jv_get(c1, "conns")->kids->next, "pkts_sent_per_s"), "20.0");
	T_ASSERT(!num(jv_get(c1, "conns")->kids->next, "rtt_us_per_s"));
	/* nothing for commands without counters, or no time */
	T_EQ(rates_add(c1, c0, "status", 1.0), 0);
	T_EQ(rates_add(c1, c0, "conns", 0), 0);
	jv_free(prev);
	jv_free(now);
	jv_free(c0);
	jv_free(c1);
}

int main(void)
{
	T_RUN(test_peers);
	T_RUN(test_stats_and_conns);
	return t_done();
}
