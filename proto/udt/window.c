// SPDX-License-Identifier: MIT
/*
 * window.c - ACK history and arrival-time windows.
 */
#include "window.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/time.h"
#include "seq.h"

void udt_ackwin_init(struct udt_ackwin *w)
{
	memset(w, 0, sizeof(*w));
}

void udt_ackwin_fini(struct udt_ackwin *w)
{
	free(w->e);
	memset(w, 0, sizeof(*w));
}

/* Doubles the ring (the entries move to its start, in order). */
static int ackwin_grow(struct udt_ackwin *w)
{
	unsigned int ncap = w->cap ? 2 * w->cap : UDT_ACKWIN_INIT, n = 0, i;
	struct udt_ackent *ne = calloc(ncap, sizeof(*ne));

	if (!ne)
		return -1;
	for (i = w->tail; i != w->head; i = (i + 1) % w->cap)
		ne[n++] = w->e[i];
	free(w->e);
	w->e = ne;
	w->cap = ncap;
	w->tail = 0;
	w->head = n;
	return 0;
}

size_t udt_ackwin_trim(struct udt_ackwin *w)
{
	unsigned int n, skip, i, k = 0;
	struct udt_ackent *ne;
	size_t freed;

	if (w->cap <= UDT_ACKWIN_INIT)
		return 0;
	n = (w->head + w->cap - w->tail) % w->cap;
	ne = calloc(UDT_ACKWIN_INIT, sizeof(*ne));
	if (!ne)
		return 0;
	/* the ring holds at most cap - 1: keep the newest UDT_ACKWIN_INIT - 1 */
	skip = n > UDT_ACKWIN_INIT - 1 ? n - (UDT_ACKWIN_INIT - 1) : 0;
	for (i = (w->tail + skip) % w->cap; i != w->head; i = (i + 1) % w->cap)
		ne[k++] = w->e[i];
	freed = (size_t)(w->cap - UDT_ACKWIN_INIT) * sizeof(*ne);
	free(w->e);
	w->e = ne;
	w->cap = UDT_ACKWIN_INIT;
	w->tail = 0;
	w->head = k;
	return freed;
}

void udt_ackwin_store(struct udt_ackwin *w, uint32_t ackno, uint32_t ack_seq, uint64_t now_ns)
{
	/* about to forget one: grow first, up to the full size */
	if ((!w->cap || (w->head + 1) % w->cap == w->tail) && w->cap < UDT_ACKWIN_SIZE &&
	    ackwin_grow(w) && !w->cap)
		return; /* no memory for even one: this ACK gives no RTT sample */
	w->e[w->head] = (struct udt_ackent){ ackno, ack_seq, now_ns };
	w->head = (w->head + 1) % w->cap;
	/* full: the oldest ACK will not be acknowledged any more */
	if (w->head == w->tail)
		w->tail = (w->tail + 1) % w->cap;
}

int64_t udt_ackwin_ack2(struct udt_ackwin *w, uint32_t ackno, uint64_t now_ns, uint32_t *ack_seq)
{
	unsigned int i;

	for (i = w->tail; i != w->head; i = (i + 1) % w->cap) {
		if (w->e[i].ackno != ackno)
			continue;
		*ack_seq = w->e[i].ack_seq;
		w->tail = (i + 1) % w->cap;
		if (now_ns < w->e[i].t_ns)
			return -1;
		return (int64_t)(now_ns - w->e[i].t_ns);
	}
	return -1;
}

void udt_timewin_init(struct udt_timewin *w, uint64_t now_ns)
{
	int i;

	memset(w, 0, sizeof(*w));
	/* start pessimistic: 1 packet/s and 1000 packets/s, as UDT4 does */
	for (i = 0; i < UDT_TW_ARR; i++)
		w->arr[i] = LU2K_NS_PER_S;
	for (i = 0; i < UDT_TW_PROBE; i++)
		w->probe[i] = LU2K_NS_PER_MS;
	w->last_arr_ns = now_ns;
}

/* at most 2^31 us (UDT4's int32 of us), so that sums of 64 cannot overflow */
static int64_t clamp_interval(uint64_t d)
{
	const int64_t max = (int64_t)INT32_MAX * LU2K_NS_PER_US;

	return d > (uint64_t)max ? max : (int64_t)d;
}

/*
 * A pair's gap is the second packet's time through the bottleneck, which is
 * proportional to its size: LNet's small messages (pings, RPC requests and
 * replies, 8 at once with lst or parallel tars) come in pairs of 200-byte
 * packets that go through 50 Mbit/s in 40 us, and taken as full packets
 * they made the capacity 6 times the link's (the bulk that followed was paced
 * into the bottleneck's queue). Scaled to a full packet they measure the
 * same link. Every pair counts, however small: the clock's resolution makes
 * a tiny packet's scaled gap coarse, but without its samples a stream of
 * 64-byte messages left the estimate at UDT4's made-up 1000 packets/s, and
 * the sender was held there (1,000 messages/s on loopback).
 */
static int64_t pair_gap_full(uint64_t gap_ns, uint32_t bytes, uint32_t full_bytes)
{
	if (!bytes || !full_bytes || bytes >= full_bytes)
		return clamp_interval(gap_ns);
	return clamp_interval(gap_ns > UINT64_MAX / full_bytes ? UINT64_MAX / bytes
							       : gap_ns * full_bytes / bytes);
}

/*
 * A pair measures the bottleneck only if it left together: the sender sends
 * the second packet at once only when it has one; when its queue was empty
 * (an application that sends a message now and then: LNet's ACKs of a bulk,
 * one 72-byte message each) the second leaves with the next message, and the
 * gap is the application's, not the link's. Scaled to a full packet (x12
 * for such a message) it made the link a few hundred packets/s on loopback;
 * the sender paced there, its messages queued, and the bulk the other way
 * waited for its ACKs (doc/udt-backend.md, "Packet pairs that left apart").
 * So a pair counts only if the link spread it to more than twice the gap its
 * sender's time stamps show (the stamps are in us: one us of it is rounding).
 */
static int pair_left_together(uint32_t sent_gap_us, uint64_t gap_ns)
{
	if ((int32_t)sent_gap_us < 0)
		return 0;
	if (sent_gap_us <= 1)
		return 1;
	return (uint64_t)(sent_gap_us - 1) * 2 * LU2K_NS_PER_US < gap_ns;
}

void udt_timewin_arrival(struct udt_timewin *w, uint32_t seq, uint64_t now_ns, uint32_t bytes,
			 uint32_t full_bytes, uint32_t sent_us)
{
	w->arr[w->arr_pos] = clamp_interval(now_ns - w->last_arr_ns);
	w->arr_pos = (w->arr_pos + 1) % UDT_TW_ARR;
	w->last_arr_ns = now_ns;

	/*
	 * The sender sends every packet whose number is a multiple of 16 back to
	 * back with the next one; their gap at the receiver measures the
	 * bottleneck. Unlike UDT4 we only pair packets that arrive one after the
	 * other, so that a lost first packet does not produce a bogus gap.
	 */
	if ((seq & 0xf) == 0) {
		w->probe1_ns = now_ns;
		w->probe1_seq = seq;
		w->probe1_sent_us = sent_us;
		w->probe1_valid = 1;
		return;
	}
	if ((seq & 0xf) == 1 && w->probe1_valid && udt_seq_inc(w->probe1_seq) == seq) {
		if (!pair_left_together(sent_us - w->probe1_sent_us, now_ns - w->probe1_ns)) {
			w->pairs_apart++;
		} else {
			w->probe[w->probe_pos++ % UDT_TW_PROBE] =
				pair_gap_full(now_ns - w->probe1_ns, bytes, full_bytes);
			if (w->probe_n < UDT_TW_PROBE)
				w->probe_n++;
		}
	}
	w->probe_pos %= UDT_TW_PROBE;
	w->probe1_valid = 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int64_t median(const int64_t *v, int n)
{
	int64_t tmp[UDT_TW_PROBE];

	memcpy(tmp, v, (size_t)n * sizeof(*v));
	qsort(tmp, (size_t)n, sizeof(*tmp), cmp_i64);
	return tmp[n / 2];
}

int32_t udt_timewin_rcv_rate(const struct udt_timewin *w)
{
	int64_t med = median(w->arr, UDT_TW_ARR);
	int64_t upper = med * 8, lower = med / 8, sum = 0;
	int i, count = 0;

	/* keep the intervals within a factor of 8 of the median */
	for (i = 0; i < UDT_TW_ARR; i++) {
		if (w->arr[i] < upper && w->arr[i] > lower) {
			count++;
			sum += w->arr[i];
		}
	}
	/*
	 * The mean interval in ns, not UDT4's whole us: one us a packet was the
	 * most it could say, 1 M packets/s (11.6 Gbit/s of payload at MSS 1500),
	 * which held lu2kd's bulk on loopback there (doc/benchmarks.md, issue 13).
	 */
	if (count <= UDT_TW_ARR / 2 || sum / count == 0)
		return 0;
	return (int32_t)ceil(lu2k_time_per_s((double)(sum / count)));
}

int32_t udt_timewin_bandwidth(const struct udt_timewin *w)
{
	/* the real pairs fill the slots from 0: once there are enough, only they count */
	int n = w->probe_n >= UDT_TW_PROBE_MIN ? (int)w->probe_n : UDT_TW_PROBE;
	int64_t med = median(w->probe, n);
	int64_t upper = med * 8, lower = med / 8, sum = med;
	int i, count = 1;

	for (i = 0; i < n; i++) {
		if (w->probe[i] < upper && w->probe[i] > lower) {
			count++;
			sum += w->probe[i];
		}
	}
	if (sum <= 0)
		return 0;
	return (int32_t)ceil(lu2k_time_per_s((double)sum / count));
}
