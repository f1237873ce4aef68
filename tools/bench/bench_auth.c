/* SPDX-License-Identifier: MIT */
/*
 * lu2k-bench-auth - what keys cost a CPU: handshakes a second (both ends'
 * work: initiate, respond, finish) and sealing and opening of the tcp
 * back-end's 16 KiB records and of udt's one record a packet, on one core,
 * with the code lu2kd runs (auth/hs.c, auth/aead.c, auth/dgram.c). Prints
 * one line each.
 *
 *   lu2k-bench-auth [SECONDS]      (default 2 per figure)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/aead.h"
#include "auth/dgram.h"
#include "auth/hs.h"

static struct lu2k_hs_replay replay;

static int allow(void *ud, const struct lu2k_hs_claim *c, struct lu2k_hs_replay **r)
{
	memset(&replay, 0, sizeof(replay)); /* every timestamp new: measure the crypto only */
	*r = &replay;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seal and open len-byte records, in place as lu2kd does; print the rate by CPU time. */
static int records(double secs, size_t len, uint8_t suite, const char *what)
{
	static uint8_t buf[16384 + LU2K_AEAD_OVERHEAD];
	struct lu2k_hs_keys k = { .local_index = 1, .peer_index = 1 };
	struct lu2k_dg_sa tx, rx;
	double t0, c0, c;
	uint64_t n = 0;

	memset(k.send, 7, 32);
	memset(k.recv, 7, 32);
	lu2k_dg_sa_init(&tx, &k, NULL, 0, suite); /* wipes k */
	memset(k.send, 7, 32);
	memset(k.recv, 7, 32);
	k.local_index = k.peer_index = 1;
	lu2k_dg_sa_init(&rx, &k, NULL, 0, suite);
	memset(buf, 0xa5, sizeof(buf));
	t0 = now();
	c0 = cpu();
	do {
		ssize_t r = lu2k_dg_seal(&tx, 1, buf, len, sizeof(buf));

		if (r < 0 || lu2k_dg_open(&rx, 1, buf, (size_t)r) != (ssize_t)len)
			return 1;
		n++;
	} while (now() - t0 < secs);
	c = cpu() - c0;
	/* by CPU time: the machine may be shared, and what counts is a core's share */
	printf("%s: sealed and opened at %.2f Gbit/s of CPU time; at 1 Gbit/s each side "
	       "(sealing or opening) spends about %.1f %% of a core\n",
	       what, (double)n * (double)len * 8 / c / 1e9,
	       100.0 / ((double)n * (double)len * 8 / c / 1e9) / 2);
	lu2k_dg_sa_wipe(&tx);
	lu2k_dg_sa_wipe(&rx);
	return 0;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2, t0, c0, t, c;

	struct lu2k_hs_local a = { 0 }, b = { 0 };
	struct lu2k_nid na = { .type = 20 }, nb = { .type = 20 };
	uint64_t n = 0, last = 0;

	if (lu2k_auth_init() || secs <= 0)
		return 2;
	lu2k_key_generate(&a.priv);
	lu2k_key_generate(&b.priv);
	lu2k_key_public(&a.pub, &a.priv);
	lu2k_key_public(&b.pub, &b.priv);
	na.addr[0] = 10;
	nb.addr[0] = 11;
	t0 = now();
	c0 = cpu();
	do {
		uint8_t m1[LU2K_HS_INIT_LEN], m2[LU2K_HS_RESP_LEN];
		struct lu2k_hs_keys ki, kr;
		struct lu2k_hs_claim cl;
		struct lu2k_key e1, e2;
		struct lu2k_hs hs;

		lu2k_key_generate(&e1);
		lu2k_key_generate(&e2);
		if (lu2k_hs_initiate(&hs, &a, &b.pub, &e1, lu2k_hs_next_ts(&last, 1), 1, &na, &nb,
				     m1) ||
		    lu2k_hs_respond(&b, m1, sizeof(m1), allow, NULL, &e2, 2, &cl, m2, &kr) ||
		    lu2k_hs_finish(&hs, &a, m2, sizeof(m2), &ki))
			return 1;
		n++;
	} while (now() - t0 < secs);
	t = now() - t0;
	c = cpu() - c0;
	printf("handshakes: %llu in %.1f s (%.1f s of CPU): %.0f us of CPU each, initiator and "
	       "responder together; %.0f a second a core\n",
	       (unsigned long long)n, t, c, c / (double)n * 1e6, (double)n / c);

	if (records(secs, 16384, LU2K_AEAD_CHACHA20POLY1305,
		    "records of 16 KiB (tcp), ChaCha20-Poly1305"))
		return 1;
	if (lu2k_aead_aes_available() &&
	    records(secs, 16384, LU2K_AEAD_AES256GCM,
		    "records of 16 KiB (tcp), AES-256-GCM (both ends with AES-NI)"))
		return 1;
	/* udt: one record a packet, in place, in the datagram window (auth/dgram.h) */
	if (records(secs, 1440, LU2K_AEAD_CHACHA20POLY1305,
		    "records of 1440 B (a udt packet), ChaCha20-Poly1305"))
		return 1;
	if (lu2k_aead_aes_available() &&
	    records(secs, 1440, LU2K_AEAD_AES256GCM,
		    "records of 1440 B (a udt packet), AES-256-GCM (both ends with AES-NI)"))
		return 1;
	return 0;
}
