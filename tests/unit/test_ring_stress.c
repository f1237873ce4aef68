/* SPDX-License-Identifier: MIT */
/*
 * Two-thread stress test of the channel ring: a producer and a consumer move
 * LU2K_STRESS_N entries (default 20 million) in random-sized batches; the
 * consumer checks order and content of every entry. Sleeps use the
 * NEED_WAKEUP protocol with an eventfd, so a lost wake-up shows up as a
 * stall (the wait is bounded: 10 s without progress fails the test).
 * Built twice: under ASan+UBSan and under ThreadSanitizer.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lu2k/layout.h"

struct side {
	struct lu2k_ring ring;
	int wake_fd; /* kicks for this side */
	uint64_t sleeps, kicks;
};

static struct side producer, consumer;
static uint64_t total;
static volatile int failed;

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static int wait_kick(struct side *s)
{
	struct pollfd p = { .fd = s->wake_fd, .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, 10000) != 1) {
		fprintf(stderr, "stall: no wake-up within 10 s\n");
		failed = 1;
		return -1;
	}
	if (read(s->wake_fd, &v, sizeof(v)) != sizeof(v))
		return -1;
	s->sleeps++;
	return 0;
}

static void kick(struct side *s, int fd)
{
	uint64_t one = 1;

	s->kicks++;
	if (write(fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

/*
 * The producer has no NEED_WAKEUP flag of its own in the ABI (the consumer
 * kicks the producer only through its own channel), so for the test the
 * producer waits for space by yielding, and half the time by sleeping on
 * the consumer's kick after each batch it releases.
 */
static void *produce(void *arg)
{
	uint64_t seq = 0, rng = 12345;

	(void)arg;
	while (seq < total && !failed) {
		__u32 space = lu2k_ring_prod_space(&producer.ring), n, i;

		if (space == 0) {
			sched_yield();
			continue;
		}
		rng = mix(rng + 1);
		n = 1 + rng % space;
		if (n > total - seq)
			n = (__u32)(total - seq);
		for (i = 0; i < n; i++) {
			struct lu2k_cpl_desc *d = lu2k_ring_prod_slot(&producer.ring, i);

			d->cookie = seq + i;
			d->status = -(int32_t)((seq + i) % 4096);
			d->reserved = (uint32_t)mix(seq + i);
		}
		lu2k_ring_prod_submit(&producer.ring, n);
		seq += n;
		if (lu2k_ring_prod_needs_kick(&producer.ring))
			kick(&producer, consumer.wake_fd);
	}
	return NULL;
}

static void *consume(void *arg)
{
	uint64_t seq = 0;

	(void)arg;
	while (seq < total && !failed) {
		__u32 n = lu2k_ring_cons_avail(&consumer.ring), i;

		if (consumer.ring.broken) {
			fprintf(stderr, "ring reported broken at %llu\n", (unsigned long long)seq);
			failed = 1;
			break;
		}
		if (n == 0) {
			if (lu2k_ring_cons_prepare_sleep(&consumer.ring)) {
				if (wait_kick(&consumer))
					break;
				lu2k_ring_cons_awake(&consumer.ring);
			}
			continue;
		}
		for (i = 0; i < n; i++) {
			const struct lu2k_cpl_desc *d = lu2k_ring_cons_slot(&consumer.ring, i);
			uint64_t want = seq + i;

			if (d->cookie != want || d->status != -(int32_t)(want % 4096) ||
			    d->reserved != (uint32_t)mix(want)) {
				fprintf(stderr, "entry %llu wrong: cookie %llu\n",
					(unsigned long long)want, (unsigned long long)d->cookie);
				failed = 1;
				return NULL;
			}
		}
		lu2k_ring_cons_release(&consumer.ring, n);
		seq += n;
	}
	if (seq != total)
		failed = 1;
	return NULL;
}

int main(void)
{
	struct lu2k_layout_params p = { 256, LU2K_PAGE, LU2K_PAGE };
	struct lu2k_setup s = { 0 };
	const char *env = getenv("LU2K_STRESS_N");
	pthread_t tp, tc;
	void *region;

	total = env ? strtoull(env, NULL, 10) : 20000000ULL;
	if (lu2k_layout_compute(&s, &p))
		return 1;
	region = aligned_alloc(LU2K_PAGE, s.region_size);
	if (!region)
		return 1;
	memset(region, 0, s.region_size);
	if (lu2k_ring_bind(&producer.ring, region, s.region_size, &s.cpl,
			   sizeof(struct lu2k_cpl_desc)) ||
	    lu2k_ring_bind(&consumer.ring, region, s.region_size, &s.cpl,
			   sizeof(struct lu2k_cpl_desc)))
		return 1;
	producer.wake_fd = eventfd(0, EFD_CLOEXEC);
	consumer.wake_fd = eventfd(0, EFD_CLOEXEC);
	if (producer.wake_fd < 0 || consumer.wake_fd < 0)
		return 1;
	pthread_create(&tc, NULL, consume, NULL);
	pthread_create(&tp, NULL, produce, NULL);
	pthread_join(tp, NULL);
	if (failed) {
		/* Let a stalled consumer out. */
		kick(&producer, consumer.wake_fd);
	}
	pthread_join(tc, NULL);
	printf("%llu entries, consumer slept %llu times, producer kicked %llu times: %s\n",
	       (unsigned long long)total, (unsigned long long)consumer.sleeps,
	       (unsigned long long)producer.kicks, failed ? "FAILED" : "ok");
	printf("%d passed, %d failed\n", !failed, failed);
	free(region);
	return failed;
}
