/* SPDX-License-Identifier: MIT */
/*
 * loop_spin.h - the back-end API tests drive a real event loop: run it
 * until a condition holds or a time is up (every wait bounded), or for a
 * while (to see that nothing more happens).
 */
#ifndef LU2K_TESTS_LOOP_SPIN_H
#define LU2K_TESTS_LOOP_SPIN_H

#include <stdint.h>

#include "common/loop.h"

#define T_SPIN_UNTIL(loop, cond, ms)                                            \
	do {                                                                    \
		uint64_t end_ = lu2k_loop_now_ns() + (uint64_t)(ms)*1000000ull; \
		while (!(cond) && lu2k_loop_now_ns() < end_)                    \
			lu2k_loop_once((loop), 1000000);                        \
	} while (0)

static inline void t_spin(struct lu2k_loop *loop, int ms)
{
	T_SPIN_UNTIL(loop, 0, ms);
}

#endif
