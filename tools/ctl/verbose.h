/* SPDX-License-Identifier: MIT */
/* verbose.h - lu2kctl -v: which fields of peers and conns are printed (verbose.c). */
#ifndef LU2K_CTL_VERBOSE_H
#define LU2K_CTL_VERBOSE_H

#include <stdbool.h>

#include "jsonv.h"

#define VERBOSE_DEFAULT 1
#define VERBOSE_ALL	2

/* Drop, in place, the members of each entry of peers/conns not shown at level. */
void verbose_filter(struct jv *answer, const char *cmd, int level);

#endif
