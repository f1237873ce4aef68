// SPDX-License-Identifier: MIT
/*
 * udt_opts.c - the udt back-end's options: their defaults, how the config's
 * keys set them, and the key table lu2kd --help lists (a test checks that
 * every key listed is one udtb_set_opt() takes).
 */
#include "udt_be.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/udt/cc.h"
#include "common/num.h"

/* 600 ms x 200 Mbit/s = 15 MB in flight: the UDP buffers must hold a burst of it. */
#define UDTB_SOCKBUF_DEFAULT (16 << 20)
/*
 * Packet buffers of all connections together (rcvbuf.h, MEMORY): a full
 * default window (16,384 packets, 24 MB) on ten connections at once, and a
 * fair share of 12 MiB each for twenty that hold packets past half of it.
 */
#define UDTB_RX_MEMORY_DEFAULT (512u << 20)

void udtb_defaults(struct lu2k_be *be)
{
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
	/* the native CC settles at a few % of a long link with random loss */
	snprintf(be->cc, sizeof(be->cc), "lossy");
	be->sock_rcvbuf = be->sock_sndbuf = UDTB_SOCKBUF_DEFAULT;
	be->hello_timeout_ms = 10000;
	be->peer_timeout_ms = 5000;
	be->rx_stall_timeout_ms = 30000;
	be->max_conns = 4096;
	be->max_conns_out = 4096;
	be->max_conns_per_source = 256;
	be->rxmem.max = UDTB_RX_MEMORY_DEFAULT;
	be->gso = be->gro = true;
	/* a path's rate for the next connection there, for 10 minutes (udt_paths.h) */
	udtb_paths_init(&be->paths, 600ull * 1000000000ull);
}

int udtb_set_opt(struct lu2k_be *be, const struct lu2k_be_option *o, char *err, size_t errlen)
{
	struct udt_config *u = &be->ucfg;
	uint64_t v;

	if (!strcmp(o->key, "cc")) {
		if (!udt_cc_find(o->value) || strlen(o->value) >= sizeof(be->cc)) {
			snprintf(err, errlen, "%s: key 'cc': unknown congestion control '%s'",
				 o->where, o->value);
			return -EINVAL;
		}
		snprintf(be->cc, sizeof(be->cc), "%s", o->value);
		return 0;
	}
	if (lu2k_num_parse_u64(o->value, 1ull << 40, &v))
		goto bad;
	if (!strcmp(o->key, "mss")) {
		if (v < 576 || v > 9000)
			goto bad;
		u->mss = (int32_t)v;
	} else if (!strcmp(o->key, "window")) {
		if (v < 64 || v > (1u << 22))
			goto bad;
		u->flight_max = u->rcv_buf_pkts = u->snd_buf_pkts = (uint32_t)v;
	} else if (!strcmp(o->key, "send_buffer")) {
		if (v < (uint64_t)be->env.max_msg_size + LU2K_UDTW_MSG_HLEN || v > (4ull << 30))
			goto bad;
		u->snd_buf_bytes = (size_t)v;
	} else if (!strcmp(o->key, "rcvbuf") || !strcmp(o->key, "sndbuf")) {
		if (v > (1u << 30))
			goto bad;
		if (o->key[0] == 'r')
			be->sock_rcvbuf = (int)v;
		else
			be->sock_sndbuf = (int)v;
	} else if (!strcmp(o->key, "hello_timeout_ms")) {
		if (!v || v > 3600000)
			goto bad;
		be->hello_timeout_ms = (uint32_t)v;
	} else if (!strcmp(o->key, "peer_timeout_ms")) {
		if (v < 100 || v > 3600000)
			goto bad;
		be->peer_timeout_ms = (uint32_t)v;
	} else if (!strcmp(o->key, "rx_stall_timeout_ms")) {
		if (v < 100 || v > 3600000)
			goto bad;
		be->rx_stall_timeout_ms = (uint32_t)v;
	} else if (!strcmp(o->key, "connect_timeout_ms")) {
		if (v < 100 || v > 3600000)
			goto bad;
		u->connect_timeout_ns = v * 1000000;
	} else if (!strcmp(o->key, "max_conns_out")) {
		if (!v || v > 1000000)
			goto bad;
		be->max_conns_out = (uint32_t)v;
	} else if (!strcmp(o->key, "max_conns_per_source")) {
		if (!v || v > 1000000)
			goto bad;
		be->max_conns_per_source = (uint32_t)v;
	} else if (!strcmp(o->key, "max_rx_memory")) {
		/* one connection may use half: room for two whole messages there */
		if (v < 4 * ((uint64_t)be->env.max_msg_size + LU2K_UDTW_MSG_HLEN) ||
		    v > (1ull << 40))
			goto bad;
		be->rxmem.max = (size_t)v;
	} else if (!strcmp(o->key, "max_conn_rx_memory")) {
		/* 0: the window; else room for a whole message and then some */
		if (v && (v < 2 * ((uint64_t)be->env.max_msg_size + LU2K_UDTW_MSG_HLEN) ||
			  v > (1ull << 40)))
			goto bad;
		u->rcv_mem_max = (size_t)v;
	} else if (!strcmp(o->key, "max_conns")) {
		if (!v || v > 1000000)
			goto bad;
		be->max_conns = (uint32_t)v;
	} else if (!strcmp(o->key, "nak_timer")) {
		if (v > 1)
			goto bad;
		u->nak_timer = (int)v;
	} else if (!strcmp(o->key, "exp_resend_all")) {
		if (v > 1)
			goto bad;
		u->exp_resend_all = (int)v;
	} else if (!strcmp(o->key, "in_order")) {
		if (v > 1)
			goto bad;
		be->in_order = v;
	} else if (!strcmp(o->key, "rtt_from_handshake")) {
		if (v > 1)
			goto bad;
		u->rtt_from_handshake = (int)v;
	} else if (!strcmp(o->key, "init_rtt_ms")) {
		if (v > 60000)
			goto bad;
		u->init_rtt_us = (uint32_t)v * 1000;
	} else if (!strcmp(o->key, "path_memory_s")) {
		if (v > 86400)
			goto bad;
		be->paths.ttl_ns = v * 1000000000ull;
	} else if (!strcmp(o->key, "gso") || !strcmp(o->key, "gro")) {
		if (v > 1)
			goto bad;
		if (o->key[1] == 's')
			be->gso = v;
		else
			be->gro = v;
	} else if (!strcmp(o->key, "pacing_burst_us")) {
		if (v > 1000000)
			goto bad;
		u->pacing_burst_ns = v * 1000;
	} else {
		snprintf(err, errlen, "%s: unknown udt back-end key '%s'", o->where, o->key);
		return -EINVAL;
	}
	return 0;
bad:
	snprintf(err, errlen, "%s: key '%s': bad value '%s'", o->where, o->key, o->value);
	return -EINVAL;
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

const struct lu2k_be_key udtb_keys[] = {
	{ "cc", "lossy", "congestion control: lossy, udt (UDT4's native)" },
	{ "mss", "1500", "bytes of an IP packet (the path MTU, if less)" },
	{ "window", "25600", "flow window and buffers, packets" },
	{ "send_buffer", "64M", "bytes of messages queued per connection" },
	{ "sndbuf", "16M", "UDP socket send buffer" },
	{ "rcvbuf", "16M", "UDP socket receive buffer" },
	{ "hello_timeout_ms", "10000", "an incoming connection must say hello by then" },
	{ "connect_timeout_ms", "10000", "the UDT handshake gives up after this" },
	{ "peer_timeout_ms", "5000", "a silent peer with messages waiting is gone" },
	{ "rx_stall_timeout_ms", "30000", "an incoming connection that moves nothing is closed" },
	{ "max_conns", "4096", "incoming connections" },
	{ "max_conns_out", "4096", "outgoing connections" },
	{ "max_conns_per_source", "256", "incoming connections from one address" },
	{ "max_rx_memory", "512M", "packet buffers of all connections" },
	{ "max_conn_rx_memory", "0", "packet buffers of one connection (0: the window)" },
	{ "nak_timer", "1", "ask again for holes still missing" },
	{ "exp_resend_all", "0", "1: resend everything on an EXP timeout, as UDT4" },
	{ "in_order", "0", "1: deliver messages in order" },
	{ "rtt_from_handshake", "1", "start the RTT estimate from the handshake" },
	{ "init_rtt_ms", "0", "starting RTT estimate (0: UDT's 100 ms)" },
	{ "path_memory_s", "600", "remember a path's rate and RTT this long" },
	{ "pacing_burst_us", "2000", "how far pacing catches up after a late wake-up" },
	{ "gso", "1", "send runs of datagrams as one UDP GSO write (if the kernel can)" },
	{ "gro", "1", "receive coalesced datagrams with UDP GRO (if the kernel can)" },
	{ NULL, NULL, NULL },
};
