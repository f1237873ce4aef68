/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lu2k_st.h - lu2k_selftest.ko, the in-kernel test client of lu2klnd: it
 * creates interfaces, sends messages with known payloads through lu2k_send()
 * and checks every message it receives. Driven through debugfs
 * (/sys/kernel/debug/lu2k_selftest/{ctl,stats}; doc/kernel.md).
 */
#ifndef _LU2K_ST_H
#define _LU2K_ST_H

#include <linux/atomic.h>
#include "lu2k_api.h"

#define ST_MAGIC	0x6c7532e5U
#define ST_HDR_LEN	72		/* as an LNet PUT header */
#define ST_MAX_PAYLOAD	(4U << 20)
#define ST_SHIFT_SPAN	4096U		/* payloads start at a varying place in the pattern */

/* The fake LNet header of a test message (little-endian). */
struct st_hdr {
	__le32	magic;
	__le32	len;		/* payload bytes */
	__le32	shift;		/* where the payload starts in st_pattern */
	__le32	run;
	__le64	seq;
	u8	pad[ST_HDR_LEN - 24];
};

struct st_counters {
	atomic64_t	tx_sent;	/* lu2k_send() accepted */
	atomic64_t	tx_ok;
	atomic64_t	tx_err;
	atomic64_t	tx_reset;	/* of tx_err: -ECONNRESET, the daemon went */
	atomic64_t	tx_dup;		/* a second completion of one message: a bug */
	atomic64_t	send_err;	/* lu2k_send() refused (not -EAGAIN) */
	atomic64_t	rx_ok;
	atomic64_t	rx_bad;		/* wrong header, length or payload byte */
	atomic64_t	rx_bytes;
	atomic64_t	small_send_max_us; /* longest lu2k_send() of a message <= 4 KiB */
};

extern struct st_counters st_cnt;
extern const u8 *st_pattern;

/* lu2k_st_run.c */
int st_pattern_init(void);
void st_pattern_fini(void);
void st_rx(struct lu2k_ni *ni, struct lu2k_rx *rx);
void st_tx_done(struct lu2k_ni *ni, void *priv, int status);
/* One "send" command. */
struct st_send_opts {
	struct lu2k_nid	to;
	struct lu2k_nid	via;		/* next hop, if routed */
	bool		routed;
	bool		queue;		/* LU2K_SEND_MAY_QUEUE */
	u32		count;
	u32		min;
	u32		max;
	u32		window;
};

int st_run_send(struct lu2k_ni *ni, const struct st_send_opts *o);
void st_runs_free(void);
int st_hold(u32 max);
int st_release(void);
u32 st_held_count(void);

#endif /* _LU2K_ST_H */
