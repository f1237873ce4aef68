// SPDX-License-Identifier: MIT
/*
 * udt_opts.c - the udt back-end's options: their defaults, how the config's
 * keys set them: one table (common/opt.h), which lu2kd --help lists too.
 */
#include "udt_be.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/udt/cc.h"
#include "common/time.h"

/* 600 ms x 200 Mbit/s = 15 MB in flight: the UDP buffers must hold a burst of it. */
#define UDTB_SOCKBUF_DEFAULT (16 << 20)
/*
 * Packet buffers of all connections together (rcvbuf.h, MEMORY): a full
 * default window (16,384 packets, 24 MB) on ten connections at once, and a
 * fair share of 12 MiB each for twenty that hold packets past half of it.
 */
#define UDTB_RX_MEMORY_DEFAULT (512u << 20)

void udtb_defaults(struct lu2k_be *be, const struct lu2k_be_env *env)
{
	be->env = *env;
	udt_config_default(&be->ucfg);
	/* a message of max_msg_size must fit, with 15 MB in flight behind it */
	be->ucfg.snd_buf_bytes = 64u << 20;
	if (be->ucfg.snd_buf_bytes < (size_t)be->env.max_msg_size + LU2K_UDTW_MSG_HLEN)
		be->ucfg.snd_buf_bytes = (size_t)be->env.max_msg_size + LU2K_UDTW_MSG_HLEN;
	/* the loop's timers wake within a millisecond: let pacing catch up 2 ms */
	be->ucfg.pacing_burst_ns = 2000000;
	be->ucfg.connect_timeout_ns = 10000000000ull;
	/* on a 600 ms path UDT's 100 ms first guess makes the first EXP resend everything */
	be->ucfg.rtt_from_handshake = 1;
	/* small messages into bulk being cut, where the peer offers it too (doc/udt-cc.md) */
	be->ucfg.nest_small = 1;
	/* parity for small messages under loss, where the peer offers it too (doc/udt-fec.md) */
	be->ucfg.fec = 1;
	/* the native CC settles at a few % of a long link with random loss */
	snprintf(be->cc, sizeof(be->cc), "lossy");
	be->sock_rcvbuf = be->sock_sndbuf = UDTB_SOCKBUF_DEFAULT;
	be->hello_timeout_ms = 10000;
	/*
	 * LNet's own LND timeout (lnet_transaction_timeout 150 s over
	 * lnet_retry_count 2 + 1): a link silent for a rain fade keeps its
	 * messages as long as LNet would. A restarted peer says so at once
	 * (udt_unknown.c), so it needs no short timeout.
	 */
	be->peer_timeout_ms = 50000;
	be->rx_stall_timeout_ms = 30000;
	be->max_conns = 4096;
	be->max_conns_out = 4096;
	be->max_conns_per_source = 256;
	be->max_halfopen_per_prefix = 256;
	be->max_unproved = UDT_UNPROVED_SLOTS;
	/*
	 * Data before the handshake's response (conn_early.c), paced at the
	 * CC's starting rate until the response comes: what its first round
	 * trip would send anyway, a round trip earlier. The lossy CC's cold
	 * start sends ~1,350 packets/s: 810 in a 600 ms round trip, and the
	 * bound, 1,024 (1.5 MB), covers round trips up to ~750 ms (test_udt_first).
	 */
	be->ucfg.first_flight = UDTB_FIRST_FLIGHT;
	/*
	 * A train of 16 probes (24 KB) before the final request: a lu2k
	 * listener answers the capacity it came at, and the first round trip
	 * goes at 3/4 of it instead of blind (doc/udt-cc.md).
	 */
	be->ucfg.probe_train = UDT_PROBE_TRAIN;
	be->rxmem.max = UDTB_RX_MEMORY_DEFAULT;
	be->gso = be->gro = true;
	be->place = true;
	be->flow_share = true;
	/* a path's rate for the next connection there, for 10 minutes (udt_paths.h) */
	udtb_paths_init(&be->paths, 600 * LU2K_NS_PER_S);
}

#define B struct lu2k_be

static int parse_cc(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	B *be = obj;
	size_t off = 0;

	(void)o;
	if (udt_cc_find(v) && strlen(v) < sizeof(be->cc)) {
		snprintf(be->cc, sizeof(be->cc), "%s", v);
		return 0;
	}
	off = (size_t)snprintf(why, n, "unknown congestion control (built in:");
	for (size_t i = 0; udt_cc_get(i) && off < n; i++)
		off += (size_t)snprintf(why + off, n - off, " %s", udt_cc_get(i)->name);
	if (off < n)
		snprintf(why + off, n - off, ")");
	return -EINVAL;
}

static void show_cc(const struct lu2k_opt *o, const void *obj, char *buf, size_t n)
{
	(void)o;
	snprintf(buf, n, "%s", ((const B *)obj)->cc);
}

/* the flow window, and the buffers that hold it */
static int parse_window(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	struct udt_config *u = &((B *)obj)->ucfg;
	const char *w;
	uint64_t x;

	(void)o;
	if (lu2k_opt_parse_u64(v, 64, 1u << 22, true, &x, &w)) {
		snprintf(why, n, "%s", w);
		return -EINVAL;
	}
	u->flight_max = u->rcv_buf_pkts = u->snd_buf_pkts = (uint32_t)x;
	return 0;
}

static void show_window(const struct lu2k_opt *o, const void *obj, char *buf, size_t n)
{
	(void)o;
	snprintf(buf, n, "%u", ((const B *)obj)->ucfg.flight_max);
}

static uint64_t msg_max(const void *obj)
{
	return (uint64_t)((const B *)obj)->env.max_msg_size + LU2K_UDTW_MSG_HLEN;
}

/* a whole message must fit */
static void send_buffer_range(const void *obj, uint64_t *lo, uint64_t *hi)
{
	(void)hi;
	*lo = msg_max(obj);
}

/* one connection may use half: room for two whole messages there */
static void rx_memory_range(const void *obj, uint64_t *lo, uint64_t *hi)
{
	(void)hi;
	*lo = 4 * msg_max(obj);
}

/* room for a whole message and then some */
static void conn_rx_memory_range(const void *obj, uint64_t *lo, uint64_t *hi)
{
	(void)hi;
	*lo = 2 * msg_max(obj);
}

#define SIZE(f, hi)	 .type = LU2K_OPT_UINT, LU2K_OPT_AT(B, f), .max = (hi), .flags = LU2K_OPT_F_SIZE
#define COUNT(f, lo, hi) .type = LU2K_OPT_UINT, LU2K_OPT_AT(B, f), .min = (lo), .max = (hi)
#define MS(f, lo, hi)	 .type = LU2K_OPT_MS, LU2K_OPT_AT(B, f), .min = (lo), .max = (hi)
#define ONOFF(f)	 .type = LU2K_OPT_BOOL, LU2K_OPT_AT(B, f), .names = lu2k_opt_zero_one

const struct lu2k_opt udtb_keys[] = {
	{ .key = "cc",
	  .type = LU2K_OPT_FUNC,
	  .parse = parse_cc,
	  .show = show_cc,
	  .what = "a congestion control's name",
	  .help = "congestion control: lossy, udt (UDT4's native)" },
	{ .key = "mss",
	  COUNT(ucfg.mss, 576, 9000),
	  .what = "bytes",
	  .help = "bytes of an IP packet (the path MTU, if less)" },
	{ .key = "window",
	  .type = LU2K_OPT_FUNC,
	  .parse = parse_window,
	  .show = show_window,
	  .what = "packets 64..4M",
	  .help = "flow window and buffers, packets" },
	{ .key = "send_buffer",
	  SIZE(ucfg.snd_buf_bytes, 4ull << 30),
	  .range = send_buffer_range,
	  .help = "bytes of messages queued per connection" },
	{ .key = "sndbuf", SIZE(sock_sndbuf, 1u << 30), .help = "UDP socket send buffer" },
	{ .key = "rcvbuf", SIZE(sock_rcvbuf, 1u << 30), .help = "UDP socket receive buffer" },
	{ .key = "hello_timeout_ms",
	  MS(hello_timeout_ms, 1, 3600000),
	  .help = "an incoming connection must say hello by then" },
	{ .key = "connect_timeout_ms",
	  MS(ucfg.connect_timeout_ns, 100, 3600000),
	  .scale = 1000000,
	  .help = "the UDT handshake gives up after this" },
	{ .key = "peer_timeout_ms",
	  MS(peer_timeout_ms, 100, 3600000),
	  .help = "a silent peer with messages waiting is gone" },
	{ .key = "rx_stall_timeout_ms",
	  MS(rx_stall_timeout_ms, 100, 3600000),
	  .help = "an incoming connection that moves nothing is closed" },
	{ .key = "max_conns", COUNT(max_conns, 1, 1000000), .help = "incoming connections" },
	{ .key = "max_conns_out",
	  COUNT(max_conns_out, 1, 1000000),
	  .help = "outgoing connections" },
	{ .key = "max_conns_per_source",
	  COUNT(max_conns_per_source, 1, 1000000),
	  .help = "incoming connections from one address" },
	{ .key = "max_halfopen_per_prefix",
	  COUNT(max_halfopen_per_prefix, 1, 1000000),
	  .help = "incoming connections without their hello yet from one /24 (IPv4) or /64 "
		  "(IPv6)" },
	{ .key = "max_halfopen",
	  COUNT(max_halfopen, 0, 1000000),
	  .help = "incoming connections without their hello yet, in all; below max_conns (0: a "
		  "quarter of it)" },
	{ .key = "max_unproved",
	  COUNT(max_unproved, 0, UDT_UNPROVED_SLOTS),
	  .zero = "a cookie always",
	  .help = "connections a listener takes at a time without a cookie, their address not "
		  "proved yet (0: none, UDT4's two round trips)" },
	{ .key = "first_flight",
	  COUNT(ucfg.first_flight, 0, UDTB_FIRST_FLIGHT_MAX),
	  .what = "packets",
	  .zero = "off",
	  .help = "data packets sent before the handshake's response, with a request that "
		  "needs no cookie (0: none, data after one round trip)" },
	{ .key = "probe_train",
	  COUNT(ucfg.probe_train, 0, UDT_PROBE_TRAIN_MAX),
	  .what = "packets",
	  .zero = "off",
	  .help = "probes sent back to back before the handshake's final request, for the "
		  "listener to time the path's capacity (0: none, a blind first round trip)" },
	{ .key = "max_rx_memory",
	  SIZE(rxmem.max, 1ull << 40),
	  .range = rx_memory_range,
	  .help = "packet buffers of all connections" },
	{ .key = "max_conn_rx_memory",
	  SIZE(ucfg.rcv_mem_max, 1ull << 40),
	  .range = conn_rx_memory_range,
	  .zero = "the window",
	  .help = "packet buffers of one connection (0: the window)" },
	{ .key = "nak_timer", ONOFF(ucfg.nak_timer), .help = "ask again for holes still missing" },
	{ .key = "exp_resend_all",
	  ONOFF(ucfg.exp_resend_all),
	  .help = "1: resend everything on an EXP timeout, as UDT4" },
	{ .key = "in_order", ONOFF(in_order), .help = "1: deliver messages in order" },
	{ .key = "rtt_from_handshake",
	  ONOFF(ucfg.rtt_from_handshake),
	  .help = "start the RTT estimate from the handshake" },
	{ .key = "nest_small",
	  ONOFF(ucfg.nest_small),
	  .help = "offer small messages nested into large ones (used where the peer offers too)" },
	{ .key = "fec",
	  ONOFF(ucfg.fec),
	  .help = "offer parity for small messages under loss (used where the peer offers too)" },
	{ .key = "ack_time",
	  ONOFF(ucfg.ack_time),
	  .help = "offer timed ACKs: an RTT sample on every full ACK (used where the peer offers "
		  "too)" },
	{ .key = "init_rtt_ms",
	  MS(ucfg.init_rtt_ns, 0, 60000),
	  .scale = 1000000,
	  .zero = "UDT's 100 ms",
	  .help = "starting RTT estimate (0: UDT's 100 ms)" },
	{ .key = "path_memory_s",
	  COUNT(paths.ttl_ns, 0, 86400),
	  .scale = 1000000000,
	  .what = "seconds",
	  .zero = "never",
	  .help = "remember a path's rate and RTT this long" },
	{ .key = "pacing_burst_us",
	  COUNT(ucfg.pacing_burst_ns, 0, 1000000),
	  .scale = 1000,
	  .what = "microseconds",
	  .help = "how far pacing catches up after a late wake-up" },
	{ .key = "gso",
	  ONOFF(gso),
	  .help = "send runs of datagrams as one UDP GSO write (if the kernel can)" },
	{ .key = "gro",
	  ONOFF(gro),
	  .help = "receive coalesced datagrams with UDP GRO (if the kernel can)" },
	{ .key = "rx_place",
	  ONOFF(place),
	  .help = "copy a message's packets straight into the RX pool as they arrive" },
	{ .key = "flow_share",
	  ONOFF(flow_share),
	  .help = "incoming connections' windows share what the listening socket's buffer holds "
		  "while it fills" },
	LU2K_OPT_END,
};

int udtb_set_opt(struct lu2k_be *be, const struct lu2k_be_option *o, char *err, size_t errlen)
{
	return lu2k_opt_set_key(udtb_keys, "udt back-end", be, o->key, o->value, o->where, err,
				errlen)
		       ? -EINVAL
		       : 0;
}

int udtb_check_option(const struct lu2k_be_env *env, const struct lu2k_be_option *o, char *err,
		      size_t errlen)
{
	/* a scratch instance: set_opt() only writes fields, never starts anything */
	struct lu2k_be *be = calloc(1, sizeof(*be));
	int rc;

	if (!be)
		return -ENOMEM;
	be->env = *env;
	rc = udtb_set_opt(be, o, err, errlen);
	free(be);
	return rc;
}
