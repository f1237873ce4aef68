/* SPDX-License-Identifier: MIT */
/*
 * prom.c - lu2kd's JSON answers as Prometheus text-format metric families.
 *
 * The daemon's answers carry numbers without saying whether each is a
 * counter (only grows: rate() makes sense) or a gauge (goes up and down), and
 * the same key can be either in different places (a back-end's conns_out
 * counts connections ever opened, a peer's is how many are open now). So the
 * kinds and help texts live in the table below, per section; a number the
 * table does not know is still exported, as "untyped", so that a field added
 * to the daemon shows up before this table learns it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

enum prom_kind { PK_SKIP, PK_COUNTER, PK_GAUGE, PK_UNTYPED };

struct prom_key {
	const char *section; /* NULL: any section */
	const char *key;
	enum prom_kind kind;
	const char *help;
};

/* Section-specific entries come first: the first match wins. */
static const struct prom_key prom_keys[] = {
	{ "backend", "conns_out", PK_COUNTER, "outgoing connections opened" },
	{ "backend", "conns_in", PK_COUNTER, "incoming connections accepted" },
	{ "backend", "conns", PK_GAUGE, "connections open, both directions" },
	{ "backend", "listeners", PK_GAUGE, "listening endpoints (one per interface address)" },
	{ "backend", "rcvbuf", PK_GAUGE,
	  "socket receive buffer asked for (bytes; 0: the kernel's)" },
	{ "backend", "sndbuf", PK_GAUGE, "socket send buffer asked for (bytes; 0: the kernel's)" },
	{ "peer", "conns_out", PK_GAUGE, "outgoing connections open to the peer" },
	{ "peer", "conns_in", PK_GAUGE, "incoming connections open from the peer" },
	{ "conn", "queued", PK_GAUGE, "messages queued on the connection" },
	{ "daemon", "channels", PK_GAUGE, "interfaces (kernel halves) attached" },
	{ "daemon", "peers", PK_GAUGE, "peers known" },
	{ "daemon", "uptime_s", PK_GAUGE, "time since lu2kd started" },
	{ "channel", "timeout_ms", PK_GAUGE, "default message timeout of the interface" },
	{ "channel", "msgs_in_flight", PK_GAUGE, "messages of the interface held by lu2kd" },
	{ "channel", "region_bytes", PK_GAUGE, "size of the shared region" },
	{ "channel", "max_msg_size", PK_GAUGE, "largest message the interface takes (bytes)" },
	{ "channel", "rx_pool_free", PK_GAUGE, "free bytes in the receive pool" },
	{ "channel", "rx_pool_size", PK_GAUGE, "bytes of the receive pool" },

	{ NULL, "pid", PK_SKIP, NULL },
	{ NULL, "id", PK_SKIP, NULL },
	{ NULL, "version", PK_SKIP, NULL },
	{ NULL, "features", PK_SKIP, NULL },
	{ NULL, "port", PK_SKIP, NULL },
	{ NULL, "sock_id", PK_SKIP, NULL },
	{ NULL, "peer_sock_id", PK_SKIP, NULL },
	{ NULL, "next_seq", PK_SKIP, NULL },
	{ NULL, "acked_seq", PK_SKIP, NULL },
	{ NULL, "expect_seq", PK_SKIP, NULL },

	{ NULL, "mss", PK_GAUGE, "largest packet (bytes of an IP packet)" },
	{ NULL, "window", PK_GAUGE, "flow window (packets)" },
	{ NULL, "send_buffer", PK_GAUGE, "bytes of messages a connection may queue" },
	{ NULL, "msgs_queued", PK_GAUGE, "messages waiting for a connection" },
	{ NULL, "msgs_in_flight", PK_GAUGE, "messages sent and not yet acknowledged" },
	{ NULL, "backoff_ms", PK_GAUGE, "delay before the next connection attempt" },
	{ NULL, "age_s", PK_GAUGE, "time since the connection was made" },
	{ NULL, "rtt_us", PK_GAUGE, "smoothed round-trip time" },
	{ NULL, "rttvar_us", PK_GAUGE, "round-trip time variation" },
	{ NULL, "bandwidth_pps", PK_GAUGE, "estimated link capacity (packets per second)" },
	{ NULL, "rcv_rate_pps", PK_GAUGE, "receive rate the peer reports (packets per second)" },
	{ NULL, "send_rate_kbps", PK_GAUGE, "pacing rate the congestion control allows" },
	{ NULL, "pkt_snd_period_ns", PK_GAUGE, "interval between two packets at the pacing rate" },
	{ NULL, "cwnd", PK_GAUGE, "congestion window (packets)" },
	{ NULL, "flow_window", PK_GAUGE, "the receiver's flow window (packets)" },
	{ NULL, "inflight", PK_GAUGE, "packets sent and not acknowledged" },
	{ NULL, "unacked", PK_GAUGE, "messages sent and not yet acknowledged" },
	{ NULL, "rx_paused", PK_GAUGE, "1 while receiving waits for receive-pool space" },

	{ NULL, "attaches", PK_COUNTER, "kernel halves that attached" },
	{ NULL, "attach_errors", PK_COUNTER, "attach attempts refused" },
	{ NULL, "detaches", PK_COUNTER, "kernel halves that detached" },
	{ NULL, "msgs_ok", PK_COUNTER, "messages completed successfully" },
	{ NULL, "msgs_error", PK_COUNTER, "messages failed" },
	{ NULL, "msgs_timeout", PK_COUNTER, "messages failed by their deadline" },
	{ NULL, "conns_accepted", PK_COUNTER, "incoming connections accepted by the core" },
	{ NULL, "conns_refused", PK_COUNTER, "incoming connections refused by the core" },
	{ NULL, "peers_reaped", PK_COUNTER, "idle peers forgotten after peer_idle_timeout_ms" },
	{ NULL, "peers_evicted", PK_COUNTER, "idle peers forgotten to make room at max_peers" },
	{ NULL, "peers_refused", PK_COUNTER, "hellos refused at max_peers, no peer idle" },
	{ NULL, "nid_refused", PK_COUNTER,
	  "hellos refused: NID not the source's (accept = strict)" },
	{ NULL, "log_suppressed", PK_COUNTER, "log lines suppressed by rate limits" },
	{ NULL, "internal_errors", PK_COUNTER,
	  "broken rules of lu2kd's own bookkeeping (a bug: see the log)" },
	{ NULL, "rx_ring_full", PK_COUNTER, "times the receive ring was full" },
	{ NULL, "rx_waits", PK_COUNTER, "times receiving waited for receive-pool space" },
	{ NULL, "loop_wakeups", PK_COUNTER, "event loop wake-ups" },
	{ NULL, "loop_events", PK_COUNTER, "events handled by the event loop" },
	{ NULL, "tx_descs", PK_COUNTER, "send descriptors taken from the kernel half" },
	{ NULL, "tx_bad", PK_COUNTER, "send descriptors refused as malformed" },
	{ NULL, "tx_dup_cookie", PK_COUNTER, "send descriptors refused for a cookie in use" },
	{ NULL, "free_descs", PK_COUNTER, "receive buffers given back by the kernel half" },
	{ NULL, "free_bad", PK_COUNTER, "malformed free descriptors" },
	{ NULL, "cpl_ok", PK_COUNTER, "successful completions posted" },
	{ NULL, "cpl_error", PK_COUNTER, "failed completions posted" },
	{ NULL, "tx_bytes", PK_COUNTER, "bytes of messages sent" },
	{ NULL, "rx_msgs", PK_COUNTER, "messages received" },
	{ NULL, "rx_bytes", PK_COUNTER, "bytes of messages received" },
	{ NULL, "evts", PK_COUNTER, "events posted to the kernel half" },
	{ NULL, "evts_dropped", PK_COUNTER, "events dropped (ring full)" },
	{ NULL, "kicks_in", PK_COUNTER, "wake-ups from the kernel half" },
	{ NULL, "kicks_out", PK_COUNTER, "wake-ups to the kernel half" },
	{ NULL, "tx_nomem", PK_COUNTER, "send descriptors left for a later round: no memory" },
	{ NULL, "cpl_backlogged", PK_COUNTER, "completions that waited for ring space" },
	{ NULL, "rx_alloc_fails", PK_COUNTER, "receive-pool allocations that failed" },
	{ NULL, "accepts", PK_COUNTER, "connections accepted" },
	{ NULL, "accept_pauses", PK_COUNTER, "times accept() found no fd and listening paused" },
	{ NULL, "handshakes", PK_COUNTER, "handshakes completed" },
	{ NULL, "hs_rejects", PK_COUNTER, "handshakes rejected" },
	{ NULL, "refused", PK_COUNTER, "connections refused" },
	{ NULL, "connect_errors", PK_COUNTER, "connection attempts that failed at once" },
	{ NULL, "conns_failed", PK_COUNTER, "connections that failed" },
	{ NULL, "conns_closed_by_peer", PK_COUNTER, "connections the peer closed on purpose" },
	{ NULL, "no_progress", PK_COUNTER,
	  "connections that stalled: nothing acknowledged though the peer answers" },
	{ NULL, "byes_tx", PK_COUNTER, "goodbyes sent on connections closed on purpose" },
	{ NULL, "hello_timeouts", PK_COUNTER, "connections closed for want of a hello" },
	{ NULL, "peer_timeouts", PK_COUNTER, "connections closed for a silent peer" },
	{ NULL, "malformed", PK_COUNTER, "connections closed for malformed data" },
	{ NULL, "too_many_conns", PK_COUNTER, "connections refused at the connection cap" },
	{ NULL, "msgs_tx", PK_COUNTER, "messages sent and acknowledged" },
	{ NULL, "msgs_rx", PK_COUNTER, "messages received" },
	{ NULL, "bytes_tx", PK_COUNTER, "bytes sent" },
	{ NULL, "bytes_rx", PK_COUNTER, "bytes received" },
	{ NULL, "acks_tx", PK_COUNTER, "acknowledgements sent" },
	{ NULL, "acks_rx", PK_COUNTER, "acknowledgements received" },
	{ NULL, "writev_calls", PK_COUNTER, "writev system calls" },
	{ NULL, "auth_refused", PK_COUNTER, "connections refused at the keys' handshake" },
	{ NULL, "auth_bad_records", PK_COUNTER,
	  "connections closed for a sealed record that did not open" },
	{ NULL, "auth_records_tx", PK_COUNTER, "sealed records sent" },
	{ NULL, "auth_records_rx", PK_COUNTER, "sealed records opened" },
	{ NULL, "auth_handshakes", PK_COUNTER, "key handshakes completed (both directions)" },
	{ NULL, "auth_unknown_key", PK_COUNTER, "handshakes refused: key not among the peers" },
	{ NULL, "auth_nid_refused", PK_COUNTER, "handshakes refused: NID not owned by the key" },
	{ NULL, "auth_replays", PK_COUNTER, "handshakes refused: replayed initiation" },
	{ NULL, "auth_bad_handshakes", PK_COUNTER, "handshakes that did not authenticate" },
	{ NULL, "auth_no_peer_key", PK_COUNTER, "connections not made: no key for the NID" },
	{ NULL, "read_calls", PK_COUNTER, "read system calls" },
	{ NULL, "rx_pauses", PK_COUNTER, "times receiving paused for receive-pool space" },
	{ NULL, "rx_resumes", PK_COUNTER, "times receiving resumed" },
	{ NULL, "cancels", PK_COUNTER, "messages cancelled (timeouts)" },
	{ NULL, "enobufs", PK_COUNTER, "sends refused for a full send buffer" },
	{ NULL, "dgrams_rx", PK_COUNTER, "datagrams received" },
	{ NULL, "dgrams_tx", PK_COUNTER, "datagrams sent" },
	{ NULL, "recvmmsg_calls", PK_COUNTER, "recvmmsg system calls" },
	{ NULL, "sendmmsg_calls", PK_COUNTER, "sendmmsg system calls" },
	{ NULL, "send_blocked", PK_COUNTER, "sends that found the socket full" },
	{ NULL, "send_errors", PK_COUNTER, "sends that failed" },
	{ NULL, "unknown_dst", PK_COUNTER, "packets for no known connection" },
	{ NULL, "unknown_told", PK_COUNTER,
	  "notices sent that a packet's connection is not known here (udt)" },
	{ NULL, "unknown_told_limited", PK_COUNTER, "such notices not sent: over their rate" },
	{ NULL, "unknown_heard", PK_COUNTER,
	  "notices heard that the peer does not know a connection with messages waiting" },
	{ NULL, "unknown_denied", PK_COUNTER, "such notices the peer contradicted by speaking" },
	{ NULL, "peer_gone", PK_COUNTER,
	  "connections closed: the peer did not know them and stayed silent (restarted)" },
	{ NULL, "wrong_addr", PK_COUNTER, "packets from the wrong address for their connection" },
	{ NULL, "bad_pkts", PK_COUNTER, "packets that did not decode" },
	{ NULL, "truncated", PK_COUNTER, "datagrams larger than the buffer" },
	{ NULL, "errors", PK_COUNTER, "messages failed" },
	{ NULL, "connects", PK_COUNTER, "connections made" },
	{ "peer", "health", PK_GAUGE, "health, 0..1000: -100 per failure, +10 per success" },
	{ NULL, "connect_failures", PK_COUNTER, "connection attempts that failed" },
	{ NULL, "closed_by_peer", PK_COUNTER, "connections the peer closed on purpose" },
	{ NULL, "pkts_sent", PK_COUNTER, "data packets sent" },
	{ NULL, "pkts_retrans", PK_COUNTER, "data packets sent again" },
	{ NULL, "pkts_recv", PK_COUNTER, "data packets received" },
	{ NULL, "pkts_dup", PK_COUNTER, "duplicate data packets received" },
	{ NULL, "snd_loss", PK_COUNTER, "packets the peer reported lost" },
	{ NULL, "rcv_loss", PK_COUNTER, "packets found missing on receive" },
	{ NULL, "naks_sent", PK_COUNTER, "loss reports sent" },
	{ NULL, "naks_recv", PK_COUNTER, "loss reports received" },
	{ NULL, "naks_overtaken", PK_COUNTER, "loss reports for packets already acknowledged" },
	{ NULL, "acks_sent", PK_COUNTER, "acknowledgements sent" },
	{ NULL, "acks_recv", PK_COUNTER, "acknowledgements received" },
	{ NULL, "timeouts", PK_COUNTER, "retransmission timeouts" },
	{ NULL, "link_steps_down", PK_COUNTER, "the link's rate seen stepping down (a rain fade)" },
	{ NULL, "link_steps_up", PK_COUNTER, "the link's rate seen stepping back up" },
	{ NULL, "probes", PK_COUNTER, "keep-alive probes sent" },
	{ NULL, "pkts_bad", PK_COUNTER, "packets refused as malformed" },
};

/* Unit suffixes of the daemon's keys, and the base unit Prometheus wants. */
static const struct {
	const char *suffix;
	const char *unit;
	double scale;
} prom_units[] = {
	{ "_ns", "_seconds", 1e-9 },	      { "_us", "_seconds", 1e-6 },
	{ "_ms", "_seconds", 1e-3 },	      { "_s", "_seconds", 1 },
	{ "_kbps", "_bits_per_second", 1e3 }, { "_pps", "_packets_per_second", 1 },
};

struct prom_sample {
	char *labels; /* "{a=\"b\",...}" or "" */
	char *value;
};

struct prom_family {
	char *name;
	const char *help;
	char *help_own; /* for keys the table does not know */
	enum prom_kind kind;
	struct prom_sample *s;
	size_t ns, cap;
};

struct prom {
	struct prom_family *f;
	size_t nf, cap;
};

struct prom *prom_new(void)
{
	return calloc(1, sizeof(struct prom));
}

void prom_free(struct prom *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nf; i++) {
		for (size_t k = 0; k < p->f[i].ns; k++) {
			free(p->f[i].s[k].labels);
			free(p->f[i].s[k].value);
		}
		free(p->f[i].s);
		free(p->f[i].name);
		free(p->f[i].help_own);
	}
	free(p->f);
	free(p);
}

static const struct prom_key *prom_lookup(const char *section, const char *key)
{
	for (size_t i = 0; i < sizeof(prom_keys) / sizeof(prom_keys[0]); i++) {
		const struct prom_key *k = &prom_keys[i];

		if ((!k->section || !strcmp(k->section, section)) && !strcmp(k->key, key))
			return k;
	}
	return NULL;
}

bool prom_is_counter(const char *section, const char *key)
{
	const struct prom_key *k = prom_lookup(section, key);

	return k && k->kind == PK_COUNTER;
}

static struct prom_family *prom_family(struct prom *p, const char *name, enum prom_kind kind,
				       const char *help)
{
	struct prom_family *f;

	for (size_t i = 0; i < p->nf; i++)
		if (!strcmp(p->f[i].name, name))
			return &p->f[i];
	if (p->nf == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct prom_family *nf = realloc(p->f, cap * sizeof(*nf));

		if (!nf)
			return NULL;
		p->f = nf;
		p->cap = cap;
	}
	f = &p->f[p->nf];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	if (!f->name)
		return NULL;
	f->kind = kind;
	f->help = help;
	p->nf++;
	return f;
}

/* One sample; a second with the same labels is dropped (one series per scrape). */
static int prom_sample(struct prom *p, const char *name, enum prom_kind kind, const char *help,
		       const char *labels, const char *value)
{
	struct prom_family *f = prom_family(p, name, kind, help);

	if (!f)
		return -1;
	for (size_t k = 0; k < f->ns; k++)
		if (!strcmp(f->s[k].labels, labels))
			return 0;
	if (f->ns == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct prom_sample *ns = realloc(f->s, cap * sizeof(*ns));

		if (!ns)
			return -1;
		f->s = ns;
		f->cap = cap;
	}
	f->s[f->ns].labels = strdup(labels);
	f->s[f->ns].value = strdup(value);
	if (!f->s[f->ns].labels || !f->s[f->ns].value) {
		free(f->s[f->ns].labels);
		free(f->s[f->ns].value);
		return -1;
	}
	f->ns++;
	return 0;
}

/* Appends name="value" (escaped as the text format wants) to a label set. */
static void prom_label(char *buf, size_t len, const char *name, const char *value)
{
	size_t n = strlen(buf);

	if (n + 1 >= len)
		return;
	n += (size_t)snprintf(buf + n, len - n, "%s%s=\"", n ? "," : "", name);
	for (const char *c = value; *c && n + 3 < len; c++) {
		if (*c == '\\' || *c == '"') {
			buf[n++] = '\\';
			buf[n++] = *c;
		} else if (*c == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else {
			buf[n++] = *c;
		}
	}
	if (n + 1 < len)
		buf[n++] = '"';
	buf[n < len ? n : len - 1] = 0;
}

static void prom_braces(char *out, size_t len, const char *labels)
{
	if (*labels)
		snprintf(out, len, "{%s}", labels);
	else
		out[0] = 0;
}

/* Every number of obj as a sample of lu2k_SECTION_KEY[unit][_total]. */
static int prom_object(struct prom *p, const char *section, const struct jv *obj,
		       const char *labels)
{
	char braces[1024];

	prom_braces(braces, sizeof(braces), labels);
	for (const struct jv *m = obj->kids; m; m = m->next) {
		const struct prom_key *k;
		enum prom_kind kind;
		char name[160], value[64], base[96];
		const char *unit = "", *help;
		double scale = 1;
		size_t kl;

		if (!m->key || (m->type != JV_NUM && m->type != JV_BOOL))
			continue;
		k = prom_lookup(section, m->key);
		kind = k ? k->kind : PK_UNTYPED;
		if (kind == PK_SKIP)
			continue;
		kl = strlen(m->key);
		snprintf(base, sizeof(base), "%s", m->key);
		for (size_t u = 0; u < sizeof(prom_units) / sizeof(prom_units[0]); u++) {
			size_t sl = strlen(prom_units[u].suffix);

			if (kl > sl && !strcmp(m->key + kl - sl, prom_units[u].suffix)) {
				base[kl - sl] = 0;
				unit = prom_units[u].unit;
				scale = prom_units[u].scale;
				break;
			}
		}
		for (char *c = base; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
				*c = '_';
		snprintf(name, sizeof(name), "lu2k_%s_%s%s%s", section, base, unit,
			 kind == PK_COUNTER ? "_total" : "");
		if (m->type == JV_BOOL)
			snprintf(value, sizeof(value), "%d", !strcmp(m->text, "true"));
		else if (scale == 1)
			snprintf(value, sizeof(value), "%s", m->text);
		else
			snprintf(value, sizeof(value), "%.9g", strtod(m->text, NULL) * scale);
		help = k ? k->help : NULL;
		if (prom_sample(p, name, kind, help, braces, value))
			return -1;
		if (!help) {
			struct prom_family *f = prom_family(p, name, kind, NULL);
			char h[160];

			if (f && !f->help_own) {
				snprintf(h, sizeof(h),
					 "lu2kd's %s field %s (not in lu2kctl's table)", section,
					 m->key);
				f->help_own = strdup(h);
			}
		}
	}
	return 0;
}

static const char *prom_str(const struct jv *obj, const char *key)
{
	const struct jv *v = jv_get(obj, key);

	return v && v->type == JV_STR ? v->text : NULL;
}

/* Labels from the string members named (those that are present). */
static void prom_labels_of(char *buf, size_t len, const struct jv *obj, const char *const *keys,
			   const char *const *names)
{
	buf[0] = 0;
	for (size_t i = 0; keys[i]; i++) {
		const char *v = prom_str(obj, keys[i]);

		if (v)
			prom_label(buf, len, names[i], v);
	}
}

static int prom_array(struct prom *p, const char *section, const struct jv *arr,
		      const char *const *keys, const char *const *names)
{
	if (!arr || arr->type != JV_ARR)
		return 0;
	for (const struct jv *o = arr->kids; o; o = o->next) {
		char labels[768];

		if (o->type != JV_OBJ)
			continue;
		prom_labels_of(labels, sizeof(labels), o, keys, names);
		if (prom_object(p, section, o, labels))
			return -1;
	}
	return 0;
}

static int prom_info(struct prom *p, const char *name, const char *help, const char *labels)
{
	char braces[1024];

	prom_braces(braces, sizeof(braces), labels);
	return prom_sample(p, name, PK_GAUGE, help, braces, "1");
}

static int prom_status(struct prom *p, const struct jv *a)
{
	static const char *const nid[] = { "nid", NULL };
	const struct jv *d = jv_get(a, "daemon");
	char labels[512] = "";

	if (d && d->type == JV_OBJ) {
		const struct jv *port = jv_get(d, "port");

		if (prom_str(d, "version"))
			prom_label(labels, sizeof(labels), "version", prom_str(d, "version"));
		if (prom_str(d, "backend"))
			prom_label(labels, sizeof(labels), "backend", prom_str(d, "backend"));
		if (port && port->type == JV_NUM)
			prom_label(labels, sizeof(labels), "port", port->text);
		if (prom_info(p, "lu2k_daemon_info", "lu2kd's version, back-end and port",
			      labels) ||
		    prom_object(p, "daemon", d, ""))
			return -1;
	}
	return prom_array(p, "channel", jv_get(a, "channels"), nid, nid);
}

static int prom_stats(struct prom *p, const struct jv *a)
{
	static const char *const nid[] = { "nid", NULL };
	static const char *const be_keys[] = { "name", NULL };
	static const char *const be_names[] = { "backend", NULL };
	const struct jv *d = jv_get(a, "daemon"), *be = jv_get(a, "backend");

	if (d && d->type == JV_OBJ && prom_object(p, "daemon", d, ""))
		return -1;
	if (prom_array(p, "channel", jv_get(a, "channels"), nid, nid))
		return -1;
	if (be && be->type == JV_OBJ) {
		char labels[256];

		prom_labels_of(labels, sizeof(labels), be, be_keys, be_names);
		if (prom_object(p, "backend", be, labels))
			return -1;
	}
	return 0;
}

static int prom_peers(struct prom *p, const struct jv *a)
{
	static const char *const keys[] = { "nid", "local_nid", NULL };
	const struct jv *arr = jv_get(a, "peers");

	if (prom_array(p, "peer", arr, keys, keys))
		return -1;
	/* The state as a label of a 1 (the usual form of an enumeration). */
	for (const struct jv *o = arr && arr->type == JV_ARR ? arr->kids : NULL; o; o = o->next) {
		char labels[768];

		if (o->type != JV_OBJ || !prom_str(o, "state"))
			continue;
		prom_labels_of(labels, sizeof(labels), o, keys, keys);
		prom_label(labels, sizeof(labels), "state", prom_str(o, "state"));
		if (prom_info(p, "lu2k_peer_state", "the peer's state, as a label", labels))
			return -1;
	}
	return 0;
}

static int prom_conns(struct prom *p, const struct jv *a)
{
	static const char *const keys[] = { "peer", "local_nid", "direction", NULL };
	static const char *const info_keys[] = { "peer",      "local_nid", "direction",
						 "address",   "cc",	   "udt_state",
						 "tcp_state", "state",	   NULL };
	static const char *const info_names[] = { "peer",    "local_nid", "direction",
						  "address", "cc",	  "state",
						  "state",   "state",	  NULL };
	const struct jv *arr = jv_get(a, "conns");

	if (prom_array(p, "conn", arr, keys, keys))
		return -1;
	for (const struct jv *o = arr && arr->type == JV_ARR ? arr->kids : NULL; o; o = o->next) {
		char labels[768];

		if (o->type != JV_OBJ)
			continue;
		prom_labels_of(labels, sizeof(labels), o, info_keys, info_names);
		if (prom_info(p, "lu2k_conn_info",
			      "a connection: its peer address, congestion control and state",
			      labels))
			return -1;
	}
	return 0;
}

int prom_add(struct prom *p, const char *cmd, const struct jv *answer)
{
	if (!strcmp(cmd, "status"))
		return prom_status(p, answer);
	if (!strcmp(cmd, "stats"))
		return prom_stats(p, answer);
	if (!strcmp(cmd, "peers"))
		return prom_peers(p, answer);
	if (!strcmp(cmd, "conns"))
		return prom_conns(p, answer);
	return 0;
}

void prom_print(const struct prom *p, FILE *f)
{
	static const char *const type[] = { "", "counter", "gauge", "untyped" };

	for (size_t i = 0; i < p->nf; i++) {
		const struct prom_family *fam = &p->f[i];
		const char *help = fam->help ? fam->help : fam->help_own;

		if (!fam->ns)
			continue;
		if (help)
			fprintf(f, "# HELP %s %s\n", fam->name, help);
		fprintf(f, "# TYPE %s %s\n", fam->name, type[fam->kind]);
		for (size_t k = 0; k < fam->ns; k++)
			fprintf(f, "%s%s %s\n", fam->name, fam->s[k].labels, fam->s[k].value);
	}
}
