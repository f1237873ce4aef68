/* SPDX-License-Identifier: MIT */
/* ni_int.h - liblu2k's private state of one network interface. */
#ifndef LU2K_LIB_NI_INT_H
#define LU2K_LIB_NI_INT_H

#include "lu2k.h"
#include "credits.h"
#include "ralloc.h"
#include "lu2k/cookie.h"
#include "lu2k/desc.h"
#include "lu2k/policy.h"

/*
 * One shared region (one daemon session). Received buffers handed to the
 * caller keep it mapped after the session ends (refs), so a dead daemon
 * never pulls memory from under a reader, and a new daemon gets a fresh one.
 */
struct lu2k_ni_region {
	void *base;
	uint64_t size;
	int memfd;
	unsigned int refs;
};

struct lu2k_txslot {
	void *ctx;
	uint64_t pool_off; /* in the TX pool allocator */
	uint32_t peer;
	uint32_t len;
	uint64_t deadline_ms; /* the watchdog's: the daemon should have answered long before */
	bool expired;	      /* completed by the watchdog; waiting for the daemon's CPL */
};

struct lu2k_held {
	uint64_t off; /* region offset */
	uint32_t len;
};

struct lu2k_ni {
	struct lu2k_ni_params p;
	char *path;
	struct lu2k_setup setup;       /* as sent; version/features in force */
	struct lu2k_ni_region *region; /* NULL while detached */
	int sock;		       /* -1 while detached */
	int epfd, timerfd;
	int pend_fd; /* attach under way: socket, region */
	struct lu2k_ni_region *pend_region;
	bool dead; /* the daemon is gone: detach at next process */
	int dead_status;
	bool in_process;
	bool kick_pending; /* entries published, kick not decided yet */
	unsigned int backoff_ms;
	struct lu2k_ring tx, cpl, rx, free, evt;
	struct lu2k_ralloc txa;
	struct lu2k_cookie_tab *cookies; /* credits slots; kept across daemons */
	struct lu2k_txslot *slots;	 /* by cookie slot */
	struct lu2k_credits cr;
	struct lu2k_held *held; /* RX ranges we hold, sorted by off */
	uint32_t nr_held, held_cap;
	struct lu2k_free_desc *pfree; /* FREEs waiting for ring space */
	uint32_t nr_pfree, pfree_cap;
	uint8_t hdr_copy[LU2K_HDR_MAX];
	struct lu2k_ni_stats st;
	uint64_t next_watchdog_ms;
	bool wd_armed; /* attached: timerfd ticks while messages are out */
};

/* attach.c */
int lu2k_ni_region_create(struct lu2k_ni *ni, struct lu2k_ni_region **rp);
void lu2k_ni_region_put(struct lu2k_ni_region *r);
int lu2k_attach(struct lu2k_ni *ni);
int lu2k_attach_start(struct lu2k_ni *ni);
int lu2k_attach_poll(struct lu2k_ni *ni);
void lu2k_attach_abort(struct lu2k_ni *ni);
void lu2k_kick(struct lu2k_ni *ni);
void lu2k_kick_soon(struct lu2k_ni *ni, struct lu2k_ring *r);
void lu2k_kick_flush(struct lu2k_ni *ni);
int lu2k_drain_kicks(struct lu2k_ni *ni);

/* ni_tx.c */
int lu2k_tx_process_cpl(struct lu2k_ni *ni);
void lu2k_tx_fail_all(struct lu2k_ni *ni, int status);
void lu2k_tx_watchdog(struct lu2k_ni *ni, uint64_t now_ms);
uint64_t lu2k_now_ms(void);

/* ni_rx.c */
int lu2k_rx_process(struct lu2k_ni *ni);
int lu2k_evt_process(struct lu2k_ni *ni);
void lu2k_rx_flush_free(struct lu2k_ni *ni);
void lu2k_rx_reset(struct lu2k_ni *ni);

#endif
