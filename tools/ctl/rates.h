/* SPDX-License-Identifier: MIT */
/*
 * rates.h - lu2kctl --watch's rates: between two answers to the same command,
 * each counter (prom.c's table says which fields are) of each entry that is
 * in both (a peer by its NIDs, a connection by its peer, local NID and
 * direction, a channel by its NID) gains a sibling KEY_per_s.
 */
#ifndef LU2K_CTL_RATES_H
#define LU2K_CTL_RATES_H

#include "jsonv.h"

/*
 * Adds KEY_per_s members to now, from prev (an answer to cmd secs earlier).
 * Returns how many it added, or -1 when out of memory (now stays valid).
 */
int rates_add(struct jv *now, const struct jv *prev, const char *cmd, double secs);

#endif
