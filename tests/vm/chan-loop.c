// SPDX-License-Identifier: MIT
/*
 * chan-loop - a stand-in daemon for the VM tests: attaches to /dev/lu2k and
 * hands every message the kernel sends straight back to it as a received
 * message (src = the interface's own NID), then completes it with status 0.
 *
 *   chan-loop [--dev PATH] [--nid NID] [--stall]
 *
 * --stall takes messages and never completes them (they stay in flight until
 * the process dies: the kill -9 test). Exits 0 when the kernel drops the
 * channel (POLLHUP), 1 on errors. Prints "chan-loop: attached NID" once ready.
 */
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/nid.h"
#include "tests/vm/chan.h"

#define UNIT 4096u

static unsigned char *rx_used;	/* one byte per UNIT of the RX pool: 1 = handed to the kernel */
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
static int take_tx(struct chan *c, bool stall)
{
	struct lu2k_tx_desc d;
	int n = 0;

	while (lu2k_ring_cons_avail(&c->tx)) {
		uint32_t len, units;
		long u = 0;

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
				break;	/* wait for FREE */
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
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/lu2k";
	struct lu2k_nid nid, *want = NULL;
	char buf[LU2K_NID_STRLEN];
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
		} else if (!strcmp(argv[i], "--stall")) {
			stall = true;
		} else {
			fprintf(stderr, "usage: chan-loop [--dev PATH] [--nid NID] [--stall]\n");
			return 2;
		}
	}
	rc = chan_attach(&c, dev, want);
	if (rc) {
		fprintf(stderr, "chan-loop: attach: %s\n", strerror(-rc));
		return 1;
	}
	rx_units = c.s.rx_pool_size / UNIT;
	rx_used = calloc(rx_units, 1);
	if (!rx_used)
		return 1;
	printf("chan-loop: attached %s\n", lu2k_nid_format(&c.s.nid, buf, sizeof(buf)));
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		struct pollfd p = { .fd = c.fd, .events = POLLIN };
		int work;

		work = take_free(&c);
		work += take_tx(&c, stall);
		if (c.tx.broken || c.free.broken) {
			fprintf(stderr, "chan-loop: broken ring index from the kernel\n");
			return 1;
		}
		if (work) {
			/* Kick when the kernel sleeps on CPL or RX ([F] in ring.h). */
			if ((lu2k_ring_prod_needs_kick(&c.cpl) || lu2k_ring_prod_needs_kick(&c.rx)) &&
			    chan_kick(&c)) {
				printf("chan-loop: kick failed: channel dropped\n");
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
}
