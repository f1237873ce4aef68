/* SPDX-License-Identifier: MIT */
/*
 * udt_sim_run.h - two UDT engines over the simulated link of
 * tests/sim/sim_link.h, in simulated time: the loop that delivers what is
 * due each way, runs both engines' timers, sends what they have, and moves
 * the clock to the next deadline.
 */
#ifndef LU2K_TESTS_UDT_SIM_RUN_H
#define LU2K_TESTS_UDT_SIM_RUN_H

#include "proto/udt/udt.h"
#include "tests/sim/sim_link.h"

/*
 * Runs client cl (sending on ab) and server sv (on ba) from *now until end;
 * at(arg, t), if given, is called before each step's packets are handed in
 * (the callbacks' clock).
 */
static inline void udt_sim_run(struct sim_dir *ab, struct sim_dir *ba, struct udt_conn *cl,
			       struct udt_conn *sv, uint64_t *now, uint64_t end,
			       void (*at)(void *arg, uint64_t t), void *arg)
{
	uint8_t buf[SIM_MAXPKT];

	while (*now < end) {
		struct linkem_pkt *p;
		uint64_t t;
		size_t n;

		if (at)
			at(arg, *now);
		while ((p = sim_pop(ab, *now)))
			udt_conn_recv_pkt(sv, p->data, p->len, *now);
		while ((p = sim_pop(ba, *now)))
			udt_conn_recv_pkt(cl, p->data, p->len, *now);
		udt_conn_handle_timers(cl, *now);
		udt_conn_handle_timers(sv, *now);
		while ((n = udt_conn_write_pkt(cl, buf, sizeof(buf), *now)))
			sim_send(ab, buf, (uint32_t)n, *now);
		while ((n = udt_conn_write_pkt(sv, buf, sizeof(buf), *now)))
			sim_send(ba, buf, (uint32_t)n, *now);
		t = sim_min(udt_conn_next_deadline(cl), udt_conn_next_deadline(sv));
		t = sim_min(t, sim_min(sim_next(ab), sim_next(ba)));
		t = sim_min(t, end);
		*now = t > *now ? t : *now + 1000;
	}
}

#endif
