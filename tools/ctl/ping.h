/* SPDX-License-Identifier: MIT */
/* ping.h - lu2kctl ping NID: reachability of another lu2kd (ping.c). */
#ifndef LU2K_CTL_PING_H
#define LU2K_CTL_PING_H

#include <stdbool.h>

/* Print the outcome; 0 reachable, 1 not (or lu2kd could not be asked). */
int ctl_ping(const char *path, const char *nid, double timeout_s, bool json);

#endif
