/* SPDX-License-Identifier: MIT */
/*
 * lu2k-bench-rds-seal - what keys cost the rds back-end a CPU: the work
 * rds_sec.c does for each DATA piece (the 64-byte header and up to 256 KiB
 * of the message copied into the sealing buffer, then sealed in place under
 * auth/dgram.c's SA) and the receiver's open in place, on one core, in CPU
 * time (so a busy host slows it less than wall time would), with
 * ChaCha20-Poly1305 and, where this CPU runs it, AES-256-GCM (the cipher the
 * handshake agrees on when both ends can). Prints % of a core per Gbit/s.
 *
 *   lu2k-bench-rds-seal [SECONDS]      (default 2 per figure)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/dgram.h"

#define PIECE (64 + (256 << 10)) /* a DATA frame at the default frag_size */

static double cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(double secs, uint8_t suite, uint8_t *src, uint8_t *buf)
{
	struct lu2k_dg_sa tx, rx;
	struct lu2k_hs_keys k;
	long n = 0, m = 0, bad = 0;
	double t0, seal, both;

	memset(&k, 7, sizeof(k)); /* both directions' keys alike: one SA seals, the other opens */
	k.local_index = 1;
	k.peer_index = 2;
	lu2k_dg_sa_init(&tx, &k, NULL, 1, suite);
	memset(&k, 7, sizeof(k));
	k.local_index = 2;
	k.peer_index = 1;
	lu2k_dg_sa_init(&rx, &k, NULL, 1, suite);
	for (t0 = cpu(); cpu() - t0 < secs; n++) {
		memcpy(buf + LU2K_AEAD_HDR, src, PIECE);
		if (lu2k_dg_seal(&tx, 2, buf, PIECE, PIECE + LU2K_AEAD_OVERHEAD) < 0)
			return 2;
	}
	seal = (cpu() - t0) / (double)n;
	/* every record opens once: seal one, open it; the open is the difference */
	for (t0 = cpu(); cpu() - t0 < secs; m++) {
		ssize_t r;

		memcpy(buf + LU2K_AEAD_HDR, src, PIECE);
		r = lu2k_dg_seal(&tx, 2, buf, PIECE, PIECE + LU2K_AEAD_OVERHEAD);
		bad += r < 0 || lu2k_dg_open(&rx, 2, buf, (size_t)r) != PIECE;
	}
	both = (cpu() - t0) / (double)m;
	if (bad)
		return 3;
	printf("rds %s, 256 KiB pieces: seal (with the copy) %.1f %%, open (in place) %.1f %% of a "
	       "core per Gbit/s\n",
	       suite == LU2K_AEAD_AES256GCM ? "AES-256-GCM" : "ChaCha20-Poly1305",
	       100.0 * seal * 1e9 / (PIECE * 8.0), 100.0 * (both - seal) * 1e9 / (PIECE * 8.0));
	lu2k_dg_sa_wipe(&tx);
	lu2k_dg_sa_wipe(&rx);
	return 0;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	uint8_t *src = malloc(PIECE), *buf = malloc(PIECE + LU2K_AEAD_OVERHEAD);
	int rc;

	if (!src || !buf || lu2k_auth_init() || secs <= 0)
		return 1;
	memset(src, 0x5a, PIECE);
	rc = run(secs, LU2K_AEAD_CHACHA20POLY1305, src, buf);
	if (!rc && lu2k_aead_aes_available())
		rc = run(secs, LU2K_AEAD_AES256GCM, src, buf);
	free(src);
	free(buf);
	return rc;
}
