// SPDX-License-Identifier: MIT
/*
 * chan-loop - a stand-in daemon for the VM tests: attaches to /dev/lu2k and
 * hands every message the kernel sends straight back to it as a received
 * message (src = the interface's own NID), then completes it with status 0.
 *
 *   chan-loop [--dev PATH] [--nid NID] [--no-ipv6] [--stall | --delay-ms N]
 *
 * --stall takes messages and never completes them (they stay in flight until
 * the process dies: the kill -9 test). --delay-ms N answers each message N ms
 * after it appeared (the kernel's own timeout test). Exits 0 when the kernel drops the
 * channel (POLLHUP), 1 on errors, 0 on SIGTERM after printing how many messages
 * it looped (routed ones and IPv6 ones apart). Prints "chan-loop: attached NID"
 * once ready.
 */
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "common/nid.h"
#include "tests/vm/chan.h"

#define UNIT 4096u

static uint64_t delay_ns;
static uint64_t n_msgs, n_routed, n_ipv6; /* printed when SIGTERM ends it */
static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}
static uint64_t *seen_at;  /* per TX ring slot: when the entry was first seen */
static uint32_t seen_upto; /* TX index up to which entries are stamped */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static unsigned char *rx_used; /* one byte per UNIT of the RX pool: 1 = handed to the kernel */
static uint32_t rx_units;

/* First fit over the RX pool; returns the unit or -1. */
static long rx_alloc(uint32_t n)
{
	uint32_t i, run = 0;

	for (i = 0; i < rx_units; i++) {
		run = rx_used[i] ? 0 : run + 1;
		if (run == n) {
			memset(rx_used + i + 1 - n, 1, n);
			return (long)(i + 1 - n);
		}
	}
	return -1;
}

static int take_free(struct chan *c)
{
	struct lu2k_free_desc f;
	int n = 0;

	while (lu2k_ring_pop(&c->free, &f)) {
		uint64_t u = (f.buf_off - c->s.rx_pool_off) / UNIT;
		uint32_t k, cnt = (f.alloc_len + UNIT - 1) / UNIT;

		if (lu2k_free_desc_check(&c->s, &f) || (f.buf_off - c->s.rx_pool_off) % UNIT) {
			fprintf(stderr, "chan-loop: bad FREE descriptor\n");
			exit(1);
		}
		for (k = 0; k < cnt; k++) {
			if (!rx_used[u + k]) {
				fprintf(stderr, "chan-loop: FREE of a range not handed out\n");
				exit(1);
			}
			rx_used[u + k] = 0;
		}
		n++;
	}
	return n;
}

/* Loop TX back; returns how many were handled (stops when RX room runs out). */
static int take_tx(struct chan *c, bool stall, int *wait_ms)
{
	struct lu2k_tx_desc d;
	uint32_t avail;
	int n = 0;

	while ((avail = lu2k_ring_cons_avail(&c->tx))) {
		uint32_t len, units;
		long u = 0;

		if (delay_ns) {
			uint64_t now = now_ns();

			for (; seen_upto != c->tx.head + avail; seen_upto++)
				seen_at[seen_upto & c->tx.mask] = now;
			if (now < seen_at[c->tx.head & c->tx.mask] + delay_ns) {
				*wait_ms =
					(int)((seen_at[c->tx.head & c->tx.mask] + delay_ns - now) /
					      1000000) +
					1;
				break;
			}
		}
		memcpy(&d, lu2k_ring_cons_slot(&c->tx, 0), sizeof(d));
		if (lu2k_tx_desc_check(&c->s, &d)) {
			fprintf(stderr, "chan-loop: bad TX descriptor\n");
			exit(1);
		}
		len = d.hdr_len + d.payload_len;
		units = len ? (len + UNIT - 1) / UNIT : 1;
		if (!stall) {
			if (!lu2k_ring_prod_space(&c->rx) || !lu2k_ring_prod_space(&c->cpl))
				break;
			u = rx_alloc(units);
			if (u < 0)
				break; /* wait for FREE */
		}
		lu2k_ring_cons_release(&c->tx, 1);
		n++;
		if (stall)
			continue;
		{
			struct lu2k_rx_desc r = { 0 };
			struct lu2k_cpl_desc k = { 0 };

			r.src = c->s.nid;
			r.buf_off = c->s.rx_pool_off + (uint64_t)u * UNIT;
			r.hdr_len = d.hdr_len;
			r.payload_len = d.payload_len;
			r.alloc_len = units * UNIT;
			memcpy(c->mem + r.buf_off, c->mem + d.buf_off, len);
			lu2k_ring_push(&c->rx, &r);
			k.cookie = d.cookie;
			lu2k_ring_push(&c->cpl, &k);
			n_msgs++;
			n_routed += !!(d.flags & LU2K_TX_ROUTED);
			n_ipv6 += d.target.size != 0;
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/lu2k";
	struct lu2k_nid nid, *want = NULL;
	char buf[LU2K_NID_STRLEN];
	__u32 features = LU2K_FEAT_ALL;
	bool stall = false;
	struct chan c;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dev") && i + 1 < argc) {
			dev = argv[++i];
		} else if (!strcmp(argv[i], "--nid") && i + 1 < argc) {
			if (lu2k_nid_parse(argv[++i], &nid)) {
				fprintf(stderr, "chan-loop: bad NID %s\n", argv[i]);
				return 2;
			}
			want = &nid;
		} else if (!strcmp(argv[i], "--no-ipv6")) {
			features &= ~LU2K_FEAT_IPV6;
		} else if (!strcmp(argv[i], "--stall")) {
			stall = true;
		} else if (!strcmp(argv[i], "--delay-ms") && i + 1 < argc) {
			delay_ns = strtoull(argv[++i], NULL, 0) * 1000000u;
		} else {
			fprintf(stderr,
				"usage: chan-loop [--dev PATH] [--nid NID] [--no-ipv6] [--stall | "
				"--delay-ms N]\n");
			return 2;
		}
	}
	rc = chan_attach(&c, dev, want, features);
	if (rc) {
		fprintf(stderr, "chan-loop: attach: %s\n", strerror(-rc));
		return 1;
	}
	rx_units = c.s.rx_pool_size / UNIT;
	rx_used = calloc(rx_units, 1);
	seen_at = calloc(c.tx.mask + 1, sizeof(*seen_at));
	if (!rx_used || !seen_at)
		return 1;
	printf("chan-loop: attached %s\n", lu2k_nid_format(&c.s.nid, buf, sizeof(buf)));
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_term);
	while (!stop) {
		struct pollfd p = { .fd = c.fd, .events = POLLIN };
		int work, wait_ms = 200;

		work = take_free(&c);
		work += take_tx(&c, stall, &wait_ms);
		if (c.tx.broken || c.free.broken) {
			fprintf(stderr, "chan-loop: broken ring index from the kernel\n");
			return 1;
		}
		if (work) {
			/* Kick when the kernel sleeps on CPL or RX ([F] in ring.h). */
			if ((lu2k_ring_prod_needs_kick(&c.cpl) ||
			     lu2k_ring_prod_needs_kick(&c.rx)) &&
			    chan_kick(&c)) {
				printf("chan-loop: kick failed: channel dropped\n");
				return 0;
			}
			continue;
		}
		if (wait_ms < 200) {
			/* Delayed entries are waiting: sleep until the first is due. */
			if (poll(&p, 1, wait_ms) < 0 && errno != EINTR)
				return 1;
			if (p.revents & (POLLHUP | POLLERR)) {
				printf("chan-loop: channel dropped by the kernel\n");
				return 0;
			}
			continue;
		}
		if (!lu2k_ring_cons_prepare_sleep(&c.tx) || !lu2k_ring_cons_prepare_sleep(&c.free))
			continue;
		if (poll(&p, 1, 200) < 0 && errno != EINTR)
			return 1;
		lu2k_ring_cons_awake(&c.tx);
		lu2k_ring_cons_awake(&c.free);
		if (p.revents & (POLLHUP | POLLERR)) {
			printf("chan-loop: channel dropped by the kernel\n");
			return 0;
		}
	}
	printf("chan-loop: %llu messages, %llu routed, %llu to IPv6 NIDs\n",
	       (unsigned long long)n_msgs, (unsigned long long)n_routed,
	       (unsigned long long)n_ipv6);
	return 0;
}
