/* SPDX-License-Identifier: MIT */
/*
 * linkem.h - the link emulator core: one direction of an impaired link.
 *
 * The core does no I/O and reads no clock. The caller hands it packets with
 * the time they arrive at the link (uint64_t nanoseconds on any clock that
 * starts near zero and never goes back) and later asks for the packets whose
 * delivery time has come. The same core runs behind lu2k-linkem (TUN devices,
 * CLOCK_MONOTONIC) and in simulated-time tests (the test owns the clock).
 *
 * The model of one direction, in the order a packet meets it:
 *
 *   push(now, pkt)
 *     |  len > mtu                               -> LINKEM_DROP_MTU
 *     v
 *   [ drop-tail queue ]  waits for the wire      -> LINKEM_DROP_QUEUE when the
 *     |                  (limit: bytes waiting,     wait or the waiting bytes
 *     |                   or time waiting)          would pass the limit
 *     v
 *   [ serializer ]  rate_bps: (len + overhead) * 8 / rate on the wire
 *     |  wire start inside an outage             -> LINKEM_DROP_OUTAGE
 *     |  Bernoulli or Gilbert-Elliott loss        -> LINKEM_LOST
 *     v                  (a packet lost on the wire still used its wire time)
 *   [ delay line ]  delay + jitter after serialization ends
 *     v
 *   pop(now) -> packets whose delivery time <= now, in delivery order
 *
 * Every decision is made in push(), so a simulated caller learns at once
 * whether a packet will arrive. Randomness comes from our own PRNG seeded by
 * the caller: the same parameters, seed and pushes give the same deliveries,
 * on any machine. Loss and jitter draw from separate streams, so turning on
 * jitter does not change which packets are lost.
 *
 * Without `reorder`, jitter never reorders: a packet is delivered no earlier
 * than the one pushed before it (this raises the mean delay a little when
 * jitter is large against the packet spacing).
 */
#ifndef LU2K_LINKEM_H
#define LU2K_LINKEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkem_heap.h"
#include "linkem_loss.h"
#include "linkem_rng.h"

#define LINKEM_NS_PER_SEC  1000000000ull
#define LINKEM_MAX_OUTAGES 16
/* Default bound on bytes held by one direction, so a fast sender cannot
 * grow the delay line without limit when no rate is set. */
#define LINKEM_DEFAULT_MAX_BYTES (256ull << 20)

/* A scheduled outage: the link is down in [start, start + len), and again
 * every period after that (period 0: once), count times (0: forever). */
struct linkem_outage {
	uint64_t start_ns;
	uint64_t len_ns;
	uint64_t period_ns;
	uint32_t count;
};

/*
 * The rate is rate_bps instead of the link's from start_ns for len_ns (a
 * satellite modem's adaptive coding in a rain fade); packets take the rate
 * in force when their serialization starts.
 */
struct linkem_step {
	uint64_t start_ns;
	uint64_t len_ns;
	uint64_t rate_bps;
};

#define LINKEM_MAX_STEPS 16

/* Parameters of one direction. Zero means "off" everywhere, so a zeroed
 * struct is a perfect wire of infinite rate. */
struct linkem_params {
	uint64_t delay_ns;    /* one-way propagation delay */
	uint64_t jitter_ns;   /* delay drawn uniformly in delay +- jitter (>= 0) */
	bool reorder;	      /* let jitter reorder packets */
	double loss;	      /* Bernoulli loss probability, 0..1 */
	struct linkem_ge ge;  /* Gilbert-Elliott loss, used when ge.on */
	uint64_t rate_bps;    /* serialization rate in bit/s (0: unlimited) */
	uint32_t overhead;    /* bytes added to each packet on the wire (framing) */
	uint64_t queue_bytes; /* drop-tail limit on bytes waiting (0: none) */
	uint64_t queue_ns;    /* drop-tail limit on time waiting (0: none) */
	uint32_t mtu;	      /* larger packets are dropped (0: no limit) */
	uint64_t max_bytes;   /* bound on bytes held (0: LINKEM_DEFAULT_MAX_BYTES) */
	unsigned int n_outages;
	struct linkem_outage outages[LINKEM_MAX_OUTAGES];
	unsigned int n_steps; /* with rate_bps: rate steps, the first that holds wins */
	struct linkem_step steps[LINKEM_MAX_STEPS];
};

/* What push() did with a packet (>= 0; errors are -errno). */
enum linkem_verdict {
	LINKEM_QUEUED = 0,  /* will be delivered */
	LINKEM_LOST,	    /* lost on the wire (Bernoulli or Gilbert-Elliott) */
	LINKEM_DROP_QUEUE,  /* drop-tail: the queue was full */
	LINKEM_DROP_MTU,    /* larger than the MTU */
	LINKEM_DROP_OUTAGE, /* sent while the link was down */
	LINKEM_DROP_MEM,    /* the direction holds max_bytes already */
};

/* Counters of one direction; in_pkts = lost + drop_* + out_pkts + held. */
struct linkem_counters {
	uint64_t in_pkts, in_bytes;
	uint64_t lost_pkts;
	uint64_t drop_queue, drop_mtu, drop_outage, drop_mem;
	uint64_t out_pkts, out_bytes; /* delivered by pop() */
	uint64_t max_wait_ns;	      /* longest wait in the queue so far */
};

/* A packet owned by whoever holds the pointer; free with linkem_pkt_free(). */
struct linkem_pkt {
	uint64_t deliver_ns; /* when it leaves the link */
	uint64_t sent_ns;    /* when it was pushed */
	uint64_t seq;	     /* push order within the direction */
	uint32_t len;
	uint8_t data[];
};

/* One direction. Treat the fields as private; use the functions. */
struct linkem_dir {
	struct linkem_params p;
	struct linkem_rng rng_loss, rng_jitter;
	struct linkem_ge_state ge;
	struct linkem_heap line;  /* packets in flight, by delivery time */
	uint64_t busy_until_ns;	  /* when the serializer is free */
	uint64_t ser_rem;	  /* remainder of serialization time, bit*ns/rate */
	uint64_t last_deliver_ns; /* for jitter without reordering */
	uint64_t seq;
	uint64_t held_bytes;
	/* bytes waiting for the wire: FIFO of (wire start, len) */
	struct linkem_wait *wait;
	size_t wait_cap, wait_head, wait_n;
	uint64_t wait_bytes;
	struct linkem_counters c;
};

/*
 * Checks parameters. Returns 0, or -EINVAL with *why set to a static
 * sentence naming the bad field.
 */
int linkem_params_check(const struct linkem_params *p, const char **why);

/* Starts a direction with a copy of *p. Returns 0 or -EINVAL. */
int linkem_dir_init(struct linkem_dir *d, const struct linkem_params *p, uint64_t seed);

/* Frees every packet still held. */
void linkem_dir_destroy(struct linkem_dir *d);

/*
 * Offers a packet that arrives at the link at now_ns; copies the bytes.
 * now_ns must not go back between calls. Returns a linkem_verdict (>= 0),
 * -ENOMEM if the copy could not be made, or -EINVAL if len is 0.
 */
int linkem_dir_push(struct linkem_dir *d, uint64_t now_ns, const void *pkt, size_t len);

/* Delivery time of the next packet, or UINT64_MAX if none is held. */
uint64_t linkem_dir_next_deadline(const struct linkem_dir *d);

/*
 * Takes the next packet whose delivery time is <= now_ns, or NULL if none.
 * The caller owns it and frees it with linkem_pkt_free().
 */
struct linkem_pkt *linkem_dir_pop(struct linkem_dir *d, uint64_t now_ns);

void linkem_pkt_free(struct linkem_pkt *pkt);

/* Packets held (in the queue or on the delay line). */
size_t linkem_dir_held(const struct linkem_dir *d);

const struct linkem_counters *linkem_dir_counters(const struct linkem_dir *d);

/* True if the link is down at time t (one of the outages covers t). */
bool linkem_outage_active(const struct linkem_params *p, uint64_t t_ns);

/* Wire time of len bytes at rate (with overhead), rounded down. */
uint64_t linkem_ser_ns(const struct linkem_params *p, size_t len);
/* The serialization rate at t_ns: a step's, else rate_bps (0: unlimited). */
uint64_t linkem_rate_at(const struct linkem_params *p, uint64_t t_ns);

const char *linkem_verdict_str(int verdict);

#endif
