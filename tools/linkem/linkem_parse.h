/* SPDX-License-Identifier: MIT */
/*
 * linkem_parse.h - parsers for the emulator's parameter values.
 *
 * Each takes a whole string (no trailing junk, no sign) and returns 0 or
 * -EINVAL, -ERANGE; on error the output is left unchanged. Units are
 * case-insensitive. Numbers may have decimals ("1.5s", "0.5%").
 *
 *   time     300ms 1.5s 250us 100ns 2min 0          (a unit is required
 *                                                    except for 0)
 *   rate     50mbit 1.5gbit 800kbit 9600bit, "/s" optional (SI: k = 1000)
 *   size     1500 1500B 64KB 64KiB 1MB 1MiB 1GB      (KB = 1000, KiB = 1024)
 *   prob     1% 0.5% 0.01                            (a bare number is a
 *                                                    probability in 0..1)
 *   queue    a time (longest wait) or a size (bytes waiting)
 *   ge       p,r[,loss_bad[,loss_good]]  each a prob; loss_bad defaults to
 *            1, loss_good to 0 (netem's "gemodel p r 1-h 1-k" order)
 *   outage   START+LEN[/PERIOD[:COUNT]]  times; e.g. 60s+30s, 10s+2s/20s:3
 *   step     START+LEN:RATE  times and a rate; e.g. 15s+20s:20mbit
 */
#ifndef LU2K_LINKEM_PARSE_H
#define LU2K_LINKEM_PARSE_H

#include <stdint.h>

#include "linkem.h"

int linkem_parse_time(const char *s, uint64_t *ns);
int linkem_parse_rate(const char *s, uint64_t *bps);
int linkem_parse_size(const char *s, uint64_t *bytes);
int linkem_parse_prob(const char *s, double *p);
/* Sets exactly one of *bytes and *ns, and zeroes the other. */
int linkem_parse_queue(const char *s, uint64_t *bytes, uint64_t *ns);
int linkem_parse_ge(const char *s, struct linkem_ge *ge);
int linkem_parse_outage(const char *s, struct linkem_outage *o);
int linkem_parse_step(const char *s, struct linkem_step *st);
/* A plain decimal integer <= max. */
int linkem_parse_uint(const char *s, uint64_t max, uint64_t *v);

#endif
