/* SPDX-License-Identifier: MIT */
/*
 * test_lib_fake.h - a tiny stand-in for lu2kd's channel side, for liblu2k's
 * tests only (not a daemon: no peers, no back-end). A thread accepts one
 * attach on a unix seqpacket socket, checks and maps the region and replies;
 * then, in LOOP mode, hands every TX back to the sender as RX and completes
 * it; in DIE mode, completes the first `complete_n` TXs and closes the socket
 * once it has seen `die_after` of them; in MANUAL mode it leaves the rings to
 * the test, which plays a hostile daemon with the fake_* helpers.
 */
#ifndef LU2K_TEST_LIB_FAKE_H
#define LU2K_TEST_LIB_FAKE_H

#include <pthread.h>
#include <stdbool.h>

#include "lu2k/desc.h"
#include "lib/ralloc.h"

enum fake_mode { FAKE_LOOP, FAKE_DIE, FAKE_MANUAL, FAKE_REJECT };

struct fake {
	char path[108];
	enum fake_mode mode;
	int reject_status;		    /* FAKE_REJECT: status to reply */
	unsigned int die_after, complete_n; /* FAKE_DIE */
	int lfd, cfd;
	pthread_t th;
	volatile int stop;
	volatile int attached;
	struct lu2k_setup s;
	void *region;
	size_t size;
	struct lu2k_ring tx, cpl, rx, free, evt;
	struct lu2k_ralloc rxa;
	/* counters, read after fake_stop() (or in MANUAL mode) */
	unsigned long tx_seen, tx_bad, frees, bad_frees, rx_full;
	int attach_rc;
	bool sealed; /* the memfd refused to shrink and grow */
};

/* Listen on path and start the thread. 0 or -errno. */
int fake_start(struct fake *f, const char *path, enum fake_mode mode);
/* Stop the thread, close everything (the library sees EOF). */
void fake_stop(struct fake *f);
/* Wait until the attach reply went out (MANUAL mode). */
void fake_wait_attached(struct fake *f);

/* MANUAL mode helpers (main thread). */
int fake_pop_tx(struct fake *f, struct lu2k_tx_desc *d);
void fake_post_cpl(struct fake *f, uint64_t cookie, int status);
void fake_post_raw_cpl(struct fake *f, const struct lu2k_cpl_desc *c);
void fake_post_rx(struct fake *f, const struct lu2k_rx_desc *d);
void fake_post_evt(struct fake *f, const struct lu2k_evt_desc *e);
/* Copy a TX's message into a fresh RX range and describe it in *d (src = the NI). */
int fake_make_rx(struct fake *f, const struct lu2k_tx_desc *t, struct lu2k_rx_desc *d);
void fake_kick(struct fake *f);
/* Take FREEs back into the RX allocator. */
void fake_reap_free(struct fake *f);

#endif
