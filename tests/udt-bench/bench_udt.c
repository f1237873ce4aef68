// SPDX-License-Identifier: MIT
/*
 * bench_udt.c - CPU cost figures of the UDT engine (a benchmark, not a test):
 *   1. loss list operations with 10k single-packet holes;
 *   2. two engines moving messages over an in-memory link (1 ms, 10 Gbit/s,
 *      no loss): bytes per second of CPU time for both ends together.
 *
 *   bench-udt [MESSAGES]     (default 4000 messages of 64 KiB = 262 MB)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "proto/udt/losslist.h"
#include "proto/udt/seq.h"
#include "proto/udt/udt.h"
#include "tests/sim/sim_link.h"

static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void bench_losslist(void)
{
	const uint32_t base = 0x7fff0000, n = 10000, rounds = 200;
	struct udt_losslist l;
	uint64_t ops = 0;
	double t0, t1;
	uint32_t r, i, s;

	udt_loss_init(&l, 64);
	t0 = cpu_now();
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < n; i++, ops++)
			udt_loss_insert(&l, udt_seq_add(base, (int32_t)(2 * i)),
					udt_seq_add(base, (int32_t)(2 * i)));
		/* every other hole filled, oldest first, then the rest taken */
		for (i = 0; i < n; i += 2, ops++)
			udt_loss_remove(&l, udt_seq_add(base, (int32_t)(2 * i)));
		while (udt_loss_pop(&l, &s))
			ops++;
	}
	t1 = cpu_now();
	udt_loss_free(&l);
	printf("loss list, 10k holes: %.0f ns per operation (%llu operations)\n",
	       (t1 - t0) * 1e9 / (double)ops, (unsigned long long)ops);
}

struct end {
	struct udt_conn *c;
	uint64_t acked, bytes;
};

static void on_recv(void *ud, uint32_t msgno, const struct iovec *iov, int n, size_t len)
{
	((struct end *)ud)->bytes += len;
}

static void on_acked(void *ud, uint32_t msgno, void *cookie)
{
	((struct end *)ud)->acked++;
}

static const struct udt_callbacks cbs = { .msg_recv = on_recv, .msg_acked = on_acked };

static void bench_engines(uint32_t nmsgs)
{
	static const uint8_t key[16] = "bench-bench-key";
	static uint8_t msg[65536];
	struct sim_dir ab, ba;
	struct end cl = { 0 }, sv = { 0 };
	struct udt_listener lis;
	struct udt_config cfg;
	uint64_t now = 1000000000ull;
	uint32_t queued = 0;
	uint8_t buf[SIM_MAXPKT], out[SIM_MAXPKT];
	struct linkem_pkt *p;
	double t0, t1;
	size_t n;

	sim_dir_init(&ab, 1000000, 10000000000ull, 100000);
	sim_dir_init(&ba, 1000000, 10000000000ull, 100000);
	udt_config_default(&cfg);
	udt_listener_init(&lis, key, cfg.sock_type, cfg.mss, (int32_t)cfg.flight_max);
	cl.c = udt_conn_connect(&cfg, &cbs, &cl, 1, 12345, NULL, now);
	t0 = cpu_now();
	while (cl.acked < nmsgs && now < 1000000000000ull) {
		uint64_t t = UINT64_MAX;

		while (queued < nmsgs && udt_conn_state(cl.c) == UDT_ST_CONNECTED &&
		       udt_conn_send_msg(cl.c, msg, sizeof(msg), -1, 1, 0, NULL, NULL, now) == 0)
			queued++;
		while ((n = udt_conn_write_pkt(cl.c, buf, sizeof(buf), now)))
			sim_send(&ab, buf, (uint32_t)n, now);
		while (sv.c && (n = udt_conn_write_pkt(sv.c, buf, sizeof(buf), now)))
			sim_send(&ba, buf, (uint32_t)n, now);
		t = sim_min(t, udt_conn_next_deadline(cl.c));
		if (sv.c)
			t = sim_min(t, udt_conn_next_deadline(sv.c));
		t = sim_min(sim_min(t, sim_next(&ab)), sim_next(&ba));
		if (t == UINT64_MAX)
			break;
		if (t > now)
			now = t;
		while ((p = sim_pop(&ab, now))) {
			struct udt_hs hs;
			size_t olen;

			int r;

			if (!sv.c) {
				r = udt_listener_recv(&lis, p->data, p->len, "a", 1, now, out,
						      sizeof(out), &olen, &hs);
				if (r == UDT_LISTEN_REPLY)
					sim_send(&ba, out, (uint32_t)olen, now);
				else if (r == UDT_LISTEN_ACCEPT)
					sv.c = udt_conn_accept(&cfg, &cbs, &sv, 2, &hs, NULL, now);
			} else
				udt_conn_recv_pkt(sv.c, p->data, p->len, now);
		}
		while ((p = sim_pop(&ba, now)))
			udt_conn_recv_pkt(cl.c, p->data, p->len, now);
		if (udt_conn_next_deadline(cl.c) <= now)
			udt_conn_handle_timers(cl.c, now);
		if (sv.c && udt_conn_next_deadline(sv.c) <= now)
			udt_conn_handle_timers(sv.c, now);
	}
	t1 = cpu_now();
	printf("two engines + in-memory link: %.1f MB in %.2f s CPU = %.0f Mbit/s per CPU "
	       "second (both ends), %llu of %u messages acknowledged\n",
	       (double)sv.bytes / 1e6, t1 - t0, (double)sv.bytes * 8 / (t1 - t0) / 1e6,
	       (unsigned long long)cl.acked, nmsgs);
	udt_conn_free(cl.c);
	udt_conn_free(sv.c);
	sim_dir_free(&ab);
	sim_dir_free(&ba);
}

int main(int argc, char **argv)
{
	bench_losslist();
	bench_engines(argc > 1 ? (uint32_t)atoi(argv[1]) : 4000);
	return 0;
}
