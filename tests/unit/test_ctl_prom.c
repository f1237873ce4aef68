/* SPDX-License-Identifier: MIT */
/* Unit tests of lu2kctl's Prometheus text output (tools/ctl/prom.c). */
#include <stdlib.h>

#include "tools/ctl/jsonv.h"
#include "tools/ctl/prom.h"
#include "../t.h"

/* Feeds answers (cmd, JSON) pairs, returns the text (malloc'd). */
static char *render(const char *const *pairs, unsigned int n)
{
	struct prom *p = prom_new();
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	for (unsigned int i = 0; i < n; i++) {
		struct jv *v = jv_parse(pairs[2 * i + 1], NULL);

		if (!v || prom_add(p, pairs[2 * i], v)) {
			jv_free(v);
			fclose(f);
			free(text);
			prom_free(p);
			return NULL;
		}
		jv_free(v);
	}
	prom_print(p, f);
	fclose(f);
	prom_free(p);
	return text;
}

/* The line that starts with prefix, or NULL. */
static const char *line_of(const char *text, const char *prefix)
{
	size_t pl = strlen(prefix);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, prefix, pl))
			return l;
	return NULL;
}

static void test_kinds_units_labels(void)
{
	static const char *const answers[] = {
		"stats",
		"{\"daemon\":{\"msgs_ok\":12},\"channels\":[],\"backend\":{\"name\":\"udt\","
		"\"cc\":\"lossy\",\"conns\":2,\"conns_out\":7,\"bytes_tx\":18446744073709551615}}",
		"peers",
		"{\"peers\":[{\"nid\":\"10.0.0.2@lu2k\",\"local_nid\":\"10.0.0.1@lu2k\","
		"\"state\":\"up\",\"conns_out\":1,\"msgs_tx\":5,\"backoff_ms\":250}]}",
		"conns",
		"{\"conns\":[{\"peer\":\"10.0.0.2@lu2k\",\"local_nid\":\"10.0.0.1@lu2k\","
		"\"direction\":\"out\",\"udt_state\":\"up\",\"address\":\"10.0.0.2\","
		"\"port\":7988,\"cc\":\"lossy\",\"rtt_us\":600000,\"send_rate_kbps\":50000,"
		"\"pkts_retrans\":3,\"link_steps_down\":1,\"link_steps_up\":0}]}",
	};
	char *t = render(answers, 3);

	T_ASSERT(t);
	/* the same key is a counter in one place and a gauge in another */
	T_ASSERT(line_of(t, "# TYPE lu2k_backend_conns_out_total counter\n"));
	T_ASSERT(line_of(t, "lu2k_backend_conns_out_total{backend=\"udt\"} 7\n"));
	T_ASSERT(line_of(t, "# TYPE lu2k_peer_conns_out gauge\n"));
	T_ASSERT(line_of(
		t, "lu2k_peer_conns_out{nid=\"10.0.0.2@lu2k\",local_nid=\"10.0.0.1@lu2k\"} 1\n"));
	T_ASSERT(line_of(t, "lu2k_backend_conns{backend=\"udt\"} 2\n"));
	/* integers keep every digit */
	T_ASSERT(line_of(t, "lu2k_backend_bytes_tx_total{backend=\"udt\"} 18446744073709551615\n"));
	T_ASSERT(line_of(t, "lu2k_daemon_msgs_ok_total 12\n"));
	/* base units */
	T_ASSERT(line_of(t, "lu2k_peer_backoff_seconds{nid=\"10.0.0.2@lu2k\",local_nid=\"10.0.0.1@"
			    "lu2k\"} 0.25\n"));
	T_ASSERT(line_of(t, "lu2k_conn_rtt_seconds{peer=\"10.0.0.2@lu2k\",local_nid=\"10.0.0.1@"
			    "lu2k\",direction=\"out\"} 0.6\n"));
	T_ASSERT(line_of(t, "lu2k_conn_send_rate_bits_per_second{peer=\"10.0.0.2@lu2k\",local_nid="
			    "\"10.0.0.1@lu2k\",direction=\"out\"} 50000000\n"));
	T_ASSERT(line_of(t, "lu2k_conn_pkts_retrans_total{"));
	/* the CC's reading of a rate step (doc/deploy.md names these) */
	T_ASSERT(line_of(t, "# TYPE lu2k_conn_link_steps_down_total counter\n"));
	T_ASSERT(line_of(t, "lu2k_conn_link_steps_down_total{peer=\"10.0.0.2@lu2k\",local_nid="
			    "\"10.0.0.1@lu2k\",direction=\"out\"} 1\n"));
	T_ASSERT(line_of(t, "lu2k_conn_link_steps_up_total{"));
	/* strings become labels of a 1; numbers that identify are not metrics */
	T_ASSERT(line_of(t, "lu2k_peer_state{nid=\"10.0.0.2@lu2k\",local_nid=\"10.0.0.1@lu2k\","
			    "state=\"up\"} 1\n"));
	T_ASSERT(line_of(t,
			 "lu2k_conn_info{peer=\"10.0.0.2@lu2k\",local_nid=\"10.0.0.1@lu2k\","
			 "direction=\"out\",address=\"10.0.0.2\",cc=\"lossy\",state=\"up\"} 1\n"));
	T_ASSERT(!strstr(t, "_port"));
	T_ASSERT(line_of(t, "# HELP lu2k_conn_rtt_seconds "));
	free(t);
}

static void test_unknown_escaped_duplicate(void)
{
	static const char *const answers[] = {
		"peers",
		"{\"peers\":[{\"nid\":\"a\\\"b\\\\c\\nd\",\"new_gauge\":4,\"msgs_rx\":1},"
		"{\"nid\":\"a\\\"b\\\\c\\nd\",\"msgs_rx\":2},{\"nid\":\"x\",\"msgs_rx\":3}]}",
	};
	char *t = render(answers, 1);
	const char *l;

	T_ASSERT(t);
	/* a field the table does not know is exported, untyped, and says so */
	T_ASSERT(line_of(t, "# TYPE lu2k_peer_new_gauge untyped\n"));
	T_ASSERT(line_of(t, "# HELP lu2k_peer_new_gauge lu2kd's peer field new_gauge (not in"));
	/* label values escaped as the text format wants */
	T_ASSERT(line_of(t, "lu2k_peer_msgs_rx_total{nid=\"a\\\"b\\\\c\\nd\"} 1\n"));
	/* one series per label set: the second peer with the same labels is dropped */
	T_ASSERT(!strstr(t, "} 2\n"));
	/* samples of a family stay together, after its one TYPE line */
	l = line_of(t, "# TYPE lu2k_peer_msgs_rx_total counter\n");
	T_ASSERT(l);
	l = strchr(l, '\n') + 1;
	T_ASSERT(!strncmp(l, "lu2k_peer_msgs_rx_total{nid=\"a", 30));
	l = strchr(l, '\n') + 1;
	T_ASSERT(!strncmp(l, "lu2k_peer_msgs_rx_total{nid=\"x\"} 3\n", 35));
	l = strstr(t, "# TYPE lu2k_peer_msgs_rx_total");
	T_ASSERT(l && !strstr(l + 1, "# TYPE lu2k_peer_msgs_rx_total"));
	free(t);
}

static void test_status_info_and_empty(void)
{
	static const char *const answers[] = {
		"status",
		"{\"daemon\":{\"version\":\"0.1.0\",\"pid\":7,\"uptime_s\":9,\"backend\":\"tcp\","
		"\"port\":7988,\"channels\":1,\"peers\":0},\"channels\":[{\"id\":1,\"nid\":\"1.2.3."
		"4@lu2k\","
		"\"attach\":\"socket\",\"timeout_ms\":60000,\"rx_pool_free\":10}]}",
		"conns",
		"{\"conns\":[]}",
	};
	char *t = render(answers, 2);

	T_ASSERT(t);
	T_ASSERT(line_of(t,
			 "lu2k_daemon_info{version=\"0.1.0\",backend=\"tcp\",port=\"7988\"} 1\n"));
	T_ASSERT(line_of(t, "lu2k_daemon_uptime_seconds 9\n"));
	T_ASSERT(line_of(t, "lu2k_channel_timeout_seconds{nid=\"1.2.3.4@lu2k\"} 60\n"));
	T_ASSERT(line_of(t, "lu2k_channel_rx_pool_free{nid=\"1.2.3.4@lu2k\"} 10\n"));
	T_ASSERT(!strstr(t, "_pid") && !strstr(t, "channel_id"));
	/* no connections: no conn family at all, not a TYPE line without samples */
	T_ASSERT(!strstr(t, "lu2k_conn_"));
	free(t);
}

int main(void)
{
	T_RUN(test_kinds_units_labels);
	T_RUN(test_unknown_escaped_duplicate);
	T_RUN(test_status_info_and_empty);
	return t_done();
}
