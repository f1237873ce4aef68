/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the receiver's message-id memory (daemon/dedup.c): copies of
 * one id delivered once, the window moved by the sender's low id, a new
 * epoch, ids out of the window; and a random model of a multipath sender
 * whose copies arrive in any order.
 */
#include <stdlib.h>

#include "daemon/dedup.h"
#include "../t.h"

static struct lu2k_be_msgid mid(uint32_t epoch, uint64_t id, uint64_t low)
{
	return (struct lu2k_be_msgid){ .epoch = epoch, .id = id, .low = low };
}

/* check, and mark it delivered if new (as env_rx_end does) */
static enum lu2kd_dedup_verdict rx(struct lu2kd_dedup *dd, uint32_t e, uint64_t id, uint64_t low)
{
	struct lu2k_be_msgid m = mid(e, id, low);
	enum lu2kd_dedup_verdict v = lu2kd_dedup_check(dd, &m);

	if (v == LU2K_DEDUP_NEW)
		lu2kd_dedup_mark(dd, &m);
	return v;
}

static void test_copies(void)
{
	static struct lu2kd_dedup dd;

	lu2kd_dedup_init(&dd);
	T_EQ(rx(&dd, 7, 1, 1), LU2K_DEDUP_NEW);
	T_EQ(rx(&dd, 7, 3, 1), LU2K_DEDUP_NEW); /* out of order */
	T_EQ(rx(&dd, 7, 2, 1), LU2K_DEDUP_NEW);
	T_EQ(rx(&dd, 7, 3, 1), LU2K_DEDUP_DUP); /* the second copy of 3 */
	T_EQ(rx(&dd, 7, 1, 1), LU2K_DEDUP_DUP);
	T_EQ(dd.dups, 2);
	/* a copy checked but never delivered (its connection died) leaves room */
	{
		struct lu2k_be_msgid m = mid(7, 4, 1);

		T_EQ(lu2kd_dedup_check(&dd, &m), LU2K_DEDUP_NEW);
	}
	T_EQ(rx(&dd, 7, 4, 1), LU2K_DEDUP_NEW);
	T_EQ(rx(&dd, 7, 4, 2), LU2K_DEDUP_DUP);
}

static void test_window_moves(void)
{
	static struct lu2kd_dedup dd;
	uint64_t w = LU2K_DEDUP_WINDOW;

	lu2kd_dedup_init(&dd);
	T_EQ(rx(&dd, 1, 5, 5), LU2K_DEDUP_NEW);
	/* the sender settled everything below 100: 5's bit is forgotten, 5 stays a dup */
	T_EQ(rx(&dd, 1, 100, 100), LU2K_DEDUP_NEW);
	T_EQ(dd.base, 100);
	T_EQ(rx(&dd, 1, 5, 5), LU2K_DEDUP_DUP);
	T_EQ(rx(&dd, 1, 99, 99), LU2K_DEDUP_DUP); /* never seen, but settled: at most once */
	/* 100 + w shares 100's bit: once 100 is settled it is a new message */
	T_EQ(rx(&dd, 1, 100 + w, 101), LU2K_DEDUP_NEW);
	T_EQ(rx(&dd, 1, 100, 100), LU2K_DEDUP_DUP);
	T_EQ(rx(&dd, 1, 101 + w, 102), LU2K_DEDUP_NEW);
	/* a jump of more than a window forgets everything */
	T_EQ(rx(&dd, 1, 10 * w, 10 * w), LU2K_DEDUP_NEW);
	T_EQ(rx(&dd, 1, 10 * w + 1, 10 * w), LU2K_DEDUP_NEW);
	T_EQ(rx(&dd, 1, 10 * w + 1, 10 * w), LU2K_DEDUP_DUP);
}

static void test_bad_and_epochs(void)
{
	static struct lu2kd_dedup dd;
	uint64_t w = LU2K_DEDUP_WINDOW;

	lu2kd_dedup_init(&dd);
	T_EQ(rx(&dd, 1, 10, 11), LU2K_DEDUP_BAD);     /* low above its id */
	T_EQ(rx(&dd, 1, 10 + w, 10), LU2K_DEDUP_BAD); /* a window ahead of its own low */
	T_EQ(rx(&dd, 1, 10, 10), LU2K_DEDUP_NEW);
	T_EQ(rx(&dd, 1, 500, 400), LU2K_DEDUP_NEW);
	/* an old copy whose low is behind the base: judged against the base */
	T_EQ(rx(&dd, 1, 399 + w, 399), LU2K_DEDUP_BAD);
	/* the sender restarted: the same ids are new messages */
	T_EQ(rx(&dd, 2, 10, 10), LU2K_DEDUP_NEW);
	T_EQ(rx(&dd, 2, 500, 10), LU2K_DEDUP_NEW);
	T_EQ(rx(&dd, 2, 500, 10), LU2K_DEDUP_DUP);
	T_EQ(dd.epochs, 2);
}

/*
 * A sender keeps up to `out` messages unsettled (id - low < window), sends
 * each as one to three copies (a path died, it was sent again), and settles
 * a message when a copy was delivered (the ack) or, now and then, by giving
 * up on it (a failure LNet hears of). Copies arrive in random order and late.
 * Model: a copy must be dropped exactly when its id was delivered already or
 * lies below the highest low seen; so nothing is delivered twice and nothing
 * undelivered and unsettled is dropped.
 */
#define NMSG  60000
#define NPOOL 4096

struct copy {
	uint64_t id, low;
};

static void test_random_model(void)
{
	static struct lu2kd_dedup dd;
	static uint8_t delivered[NMSG + 1], settled[NMSG + 1], copies_left[NMSG + 1];
	static struct copy pool[NPOOL];
	unsigned int npool = 0;
	uint64_t next = 1, low = 1, maxlow = 1, ndeliv = 0, ndup = 0;
	uint32_t seed = 12345;

	lu2kd_dedup_init(&dd);
	memset(delivered, 0, sizeof(delivered));
	memset(settled, 0, sizeof(settled));
	memset(copies_left, 0, sizeof(copies_left));
	while (next <= NMSG || npool) {
		unsigned int r;

		seed = seed * 1103515245u + 12345u;
		r = seed >> 8;
		while (low < next && settled[low])
			low++;
		if (next <= NMSG && npool < NPOOL && next - low < LU2K_DEDUP_WINDOW - 1 &&
		    r % 3 == 0) {
			copies_left[next] = (uint8_t)(1 + r / 3 % 3);
			pool[npool++] = (struct copy){ next, low };
			copies_left[next]--;
			next++;
			continue;
		}
		if (!npool) {
			/* give up on the oldest unsettled one so that the window moves */
			settled[low] = 1;
			continue;
		}
		{
			unsigned int k = r % npool;
			struct copy c = pool[k];
			struct lu2k_be_msgid m = mid(9, c.id, c.low);
			enum lu2kd_dedup_verdict v;
			bool want_dup;

			pool[k] = pool[--npool];
			if (c.low > maxlow)
				maxlow = c.low;
			want_dup = delivered[c.id] || c.id < maxlow;
			v = lu2kd_dedup_check(&dd, &m);
			T_ASSERT(v != LU2K_DEDUP_BAD);
			T_EQ(v == LU2K_DEDUP_DUP, want_dup);
			if (v == LU2K_DEDUP_NEW) {
				lu2kd_dedup_mark(&dd, &m);
				delivered[c.id] = 1;
				ndeliv++;
				settled[c.id] = 1; /* its ack */
			} else {
				ndup++;
			}
			/* another copy of it, sent now (taken back from a dying path) */
			if (copies_left[c.id] && !settled[c.id] && npool < NPOOL) {
				copies_left[c.id]--;
				pool[npool++] = (struct copy){ c.id, low };
			} else if (!settled[c.id] && r % 7 == 0) {
				settled[c.id] = 1; /* failed for good */
			}
			if (!settled[c.id] && !copies_left[c.id])
				settled[c.id] = 1; /* no copy left to come: failed */
		}
	}
	printf("  %d messages, %llu delivered, %llu copies dropped\n", NMSG,
	       (unsigned long long)ndeliv, (unsigned long long)ndup);
	for (uint64_t i = 1; i <= NMSG; i++)
		T_ASSERT(delivered[i] <= 1);
	T_ASSERT(ndeliv > NMSG / 2);
	T_ASSERT(ndup > 0);
}

int main(void)
{
	T_RUN(test_copies);
	T_RUN(test_window_moves);
	T_RUN(test_bad_and_epochs);
	T_RUN(test_random_model);
	return t_done();
}
