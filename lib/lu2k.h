/* SPDX-License-Identifier: MIT */
/*
 * lu2k.h - liblu2k, the user-space kernel half of lu2k.
 *
 * It plays LNet's part for tests and tools on machines without the module:
 * it creates the shared region (a memfd), hands it to a running lu2kd over
 * the daemon's unix seqpacket socket, and offers a small LNet-like API on one
 * network interface (NI, one local NID):
 *
 *   lu2k_ni_open()      attach to lu2kd (or keep retrying, LU2K_NI_RETRY)
 *   lu2k_send()         hand one message (LNet header + payload) to the daemon;
 *                       0 = accepted: on_cpl(ctx, status) follows exactly once
 *   lu2k_ni_process()   consume completions, received messages and events and
 *                       call the callbacks; re-arms the wake-up request
 *   lu2k_ni_wait()      process, or sleep until there is something to process
 *   lu2k_ni_fd()        a pollable fd (stable across re-attaches) for your own loop
 *
 * Threads: an NI is used by one thread at a time. Callbacks run inside
 * lu2k_ni_process()/lu2k_ni_wait()/lu2k_ni_close(); they may call lu2k_send()
 * and lu2k_rx_done(), never lu2k_ni_process()/wait()/close() (-EBUSY).
 *
 * Receiving: on_rx gets the message in place. Its header has been copied out
 * of shared memory, decoded and checked as lnet_parse() would (bad ones are
 * counted and dropped); the payload points into the RX pool, which the daemon
 * could still change under you (verify what you read). Return 0 and the
 * buffer goes back to the daemon when on_rx returns; return LU2K_RX_KEEP to
 * keep it and call lu2k_rx_done() later (and before lu2k_ni_close()), once,
 * with the same struct (copy it; never for a buffer on_rx returned 0 for; its
 * lnet and hdr pointers are valid only during on_rx, payload until done).
 *
 * Daemon death: EOF or a broken ring means the daemon is gone. The library
 * then completes every message the daemon had not completed with
 * -ECONNRESET, exactly once, drops the region (buffers you still hold stay
 * mapped until you lu2k_rx_done() them) and re-attaches with exponential
 * backoff (100 ms .. 5 s, never blocking) from lu2k_ni_process() to a new daemon on the same
 * socket, with a fresh region. While detached, lu2k_send() fails fast with
 * -ENOTCONN: nothing is queued.
 *
 * A daemon that never completes a message: the caller still gets -ETIMEDOUT
 * once, at timeout + grace (include/lu2k/policy.h; the watchdog, doc/liblu2k.md).
 *
 * Every descriptor from the daemon is checked (include/lu2k/desc.h), and
 * against our tables: completions only for cookies issued and not yet
 * completed; received ranges inside the RX pool and not overlapping ranges we
 * still hold. Bad ones are counted (struct lu2k_ni_stats) and dropped.
 */
#ifndef LU2K_LIB_LU2K_H
#define LU2K_LIB_LU2K_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "uapi/lu2k.h"
#include "lnet_hdr.h"

#define LU2K_DEFAULT_SOCKET "/run/lu2k/lu2kd.sock"

/*
 * Defaults (see doc/liblu2k.md for the reasoning): a message holds a credit
 * until its completion, so credits x message size must cover rate x RTT.
 * 1 MiB messages x 256 peer credits = 256 MiB in flight = 3.5 Gbit/s at
 * 600 ms; the 64 MiB TX pool caps that at 0.9 Gbit/s (raise tx_pool_size
 * for faster long links); 4 KiB messages x 1024 credits = 4 MiB, 56 Mbit/s.
 */
#define LU2K_DEF_MAX_PAYLOAD  (4U << 20)
#define LU2K_DEF_TX_POOL      (64ULL << 20)
#define LU2K_DEF_RX_POOL      (64ULL << 20)
#define LU2K_DEF_RING_ENTRIES 1024
#define LU2K_DEF_PEER_CREDITS 256
#define LU2K_DEF_CREDITS      1024
#define LU2K_DEF_TIMEOUT_MS   60000

/* Open even if no daemon answers yet; attach with backoff later. */
#define LU2K_NI_RETRY (1U << 0)

/*
 * Do not kick the daemon from lu2k_send()/lu2k_rx_done() one message at a
 * time: the kick for a whole batch goes out at the next lu2k_ni_process(),
 * lu2k_ni_wait() or lu2k_ni_flush(), so call one of them before you sleep.
 * (Inside callbacks this is always so.)
 */
#define LU2K_NI_DEFER_KICK (1U << 1)

/* on_rx return value: the caller keeps the buffer and calls lu2k_rx_done(). */
#define LU2K_RX_KEEP 1

struct lu2k_ni;

struct lu2k_rx_msg {
	struct lu2k_nid src;		  /* immediate sender (LNet's "from") */
	const struct lu2k_lnet_hdr *lnet; /* decoded header */
	const void *hdr;		  /* its bytes (a private copy) */
	uint32_t hdr_len;		  /* 72 (nid4) or 96 (nid16) */
	uint32_t payload_len;
	const void *payload; /* in the RX pool (shared memory) */
	/* private: which buffer to give back */
	void *region_;
	uint64_t buf_off_;
	uint32_t alloc_len_;
};

typedef void (*lu2k_cpl_fn)(struct lu2k_ni *ni, void *ctx, int status, void *arg);
typedef int (*lu2k_rx_fn)(struct lu2k_ni *ni, const struct lu2k_rx_msg *msg, void *arg);
typedef void (*lu2k_evt_fn)(struct lu2k_ni *ni, const struct lu2k_evt_desc *evt, void *arg);
/* attached: true when (re-)attached, false when the daemon went away (status why). */
typedef void (*lu2k_state_fn)(struct lu2k_ni *ni, bool attached, int status, void *arg);
/* Writes len payload bytes to dst (shared memory) for lu2k_send_fill(). */
typedef void (*lu2k_fill_fn)(void *dst, size_t len, void *fill_arg);

struct lu2k_ni_params {
	struct lu2k_nid nid;	 /* this interface */
	const char *socket_path; /* NULL: LU2K_DEFAULT_SOCKET */
	uint32_t flags;		 /* LU2K_NI_* */
	uint32_t ring_entries;	 /* 0 = default, for all fields below */
	uint64_t tx_pool_size;
	uint64_t rx_pool_size;
	uint32_t max_payload;
	uint32_t peer_credits;
	uint32_t credits;
	uint32_t timeout_ms;	    /* default message timeout (daemon's) */
	uint32_t attach_timeout_ms; /* wait for the attach reply (default 2000) */
	uint32_t timeout_grace_ms;  /* timeout + this: fail what lu2kd never completed (5000) */
	lu2k_cpl_fn on_cpl;	    /* required */
	lu2k_rx_fn on_rx;	    /* NULL: received messages are freed */
	lu2k_evt_fn on_evt;
	lu2k_state_fn on_state;
	void *arg; /* passed to every callback */
};

struct lu2k_ni_stats {
	uint64_t tx_msgs, tx_bytes; /* accepted by lu2k_send */
	uint64_t cpl_ok, cpl_err;   /* completions delivered */
	uint64_t rx_msgs, rx_bytes; /* delivered to on_rx */
	uint64_t evts;
	uint64_t eagain_credits, eagain_pool, eagain_ring;
	uint64_t bad_cpl;	     /* malformed completion descriptors */
	uint64_t bad_cookie_unknown; /* completion for a cookie never issued */
	uint64_t bad_cookie_dup;     /* completion for a cookie completed already */
	uint64_t bad_rx;	     /* malformed or overlapping RX descriptors */
	uint64_t bad_hdr;	     /* RX with a malformed LNet header */
	uint64_t bad_evt;
	uint64_t attaches, detaches; /* daemon sessions begun / lost */
	uint64_t reset_cpls;	     /* messages failed with -ECONNRESET on detach */
	uint64_t watchdog_cpls;	     /* -ETIMEDOUT: the daemon never completed them */
	uint64_t late_cpls;	     /* the daemon's completions after the watchdog's */
	uint64_t kicks_sent, kicks_rcvd;
	uint32_t inflight;     /* messages out now */
	uint64_t tx_pool_used; /* bytes out now */
};

/* Fill *p with the defaults (nid zero, callbacks NULL). */
void lu2k_ni_params_init(struct lu2k_ni_params *p);

/*
 * Create the region and attach to the daemon. 0 and *nip, or -errno:
 * -EINVAL (params), -ENOENT/-ECONNREFUSED (no daemon; unless LU2K_NI_RETRY),
 * -ETIMEDOUT (no reply), or the daemon's status (-EPROTO, -EOPNOTSUPP, ...).
 */
int lu2k_ni_open(struct lu2k_ni **nip, const struct lu2k_ni_params *p);
/* Complete what is in flight with -ECANCELED, detach, free everything. */
void lu2k_ni_close(struct lu2k_ni *ni);

int lu2k_ni_fd(const struct lu2k_ni *ni);
bool lu2k_ni_attached(const struct lu2k_ni *ni);
const struct lu2k_nid *lu2k_ni_nid(const struct lu2k_ni *ni);
uint32_t lu2k_ni_max_payload(const struct lu2k_ni *ni);
/* Features in force with the current daemon (0 while detached). */
uint32_t lu2k_ni_features(const struct lu2k_ni *ni);
void lu2k_ni_stats(const struct lu2k_ni *ni, struct lu2k_ni_stats *st);

/*
 * Handle whatever is pending. Returns the number of events handled (>= 0) or
 * -EBUSY. Sleeping on lu2k_ni_fd() is safe once it has returned 0: the
 * wake-up is armed then (while it returns > 0, call it again).
 */
int lu2k_ni_process(struct lu2k_ni *ni);
/* Process; if there was nothing, sleep up to timeout_ms (-1 = forever) and process again. */
int lu2k_ni_wait(struct lu2k_ni *ni, int timeout_ms);
/* Kick the daemon for what was sent since (LU2K_NI_DEFER_KICK); no-op otherwise. */
void lu2k_ni_flush(struct lu2k_ni *ni);
/* Detached: try to attach now. 0, -EISCONN (attached already) or -errno. */
int lu2k_ni_reattach(struct lu2k_ni *ni);

/*
 * Send one message: hdr (an LNet wire header, 72 or 96 bytes, whose
 * payload_length matches) and the payload gathered from iov, to target via
 * nexthop (NULL = target). timeout_ms 0 = the NI's default. Returns 0 (one
 * on_cpl(ctx) will follow), -EAGAIN (out of credits, pool or ring space: try
 * again after a completion), -ENOTCONN (no daemon), -EMSGSIZE, -EINVAL,
 * -EPROTO (malformed LNet header), -EOPNOTSUPP (routing not in force).
 */
int lu2k_send(struct lu2k_ni *ni, const struct lu2k_nid *target, const struct lu2k_nid *nexthop,
	      const void *hdr, size_t hdr_len, const struct iovec *iov, int iovcnt,
	      uint32_t timeout_ms, void *ctx);
/* The same, with the payload written in place by fill (no intermediate copy). */
int lu2k_send_fill(struct lu2k_ni *ni, const struct lu2k_nid *target,
		   const struct lu2k_nid *nexthop, const void *hdr, size_t hdr_len,
		   size_t payload_len, lu2k_fill_fn fill, void *fill_arg, uint32_t timeout_ms,
		   void *ctx);

/* Give back a buffer kept with LU2K_RX_KEEP. */
void lu2k_rx_done(struct lu2k_ni *ni, const struct lu2k_rx_msg *msg);

#endif
