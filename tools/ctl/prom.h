/* SPDX-License-Identifier: MIT */
/*
 * prom.h - lu2kd's state as Prometheus text-format metrics (lu2kctl metrics).
 *
 * The daemon answers in JSON; this turns the answers to "status", "stats",
 * "peers" and "conns" into metric families: one family per counter or gauge,
 * labelled by interface, peer, connection or back-end, in base units
 * (seconds, bytes, bits per second) as Prometheus' conventions ask.
 */
#ifndef LU2K_CTL_PROM_H
#define LU2K_CTL_PROM_H

#include <stdbool.h>
#include <stdio.h>

#include "jsonv.h"

struct prom;

struct prom *prom_new(void);
void prom_free(struct prom *p);
/*
 * Add the samples of one answer: cmd is the request that produced it
 * ("status", "stats", "peers" or "conns"). 0, or -1 when out of memory.
 */
int prom_add(struct prom *p, const char *cmd, const struct jv *answer);
/*
 * Is lu2kd's field key in section ("daemon", "channel", "backend", "peer",
 * "conn") a counter, one that only grows? (lu2kctl --watch turns those into
 * rates.)
 */
bool prom_is_counter(const char *section, const char *key);
/* Print every family (HELP, TYPE, samples), families in first-seen order. */
void prom_print(const struct prom *p, FILE *f);

#endif
