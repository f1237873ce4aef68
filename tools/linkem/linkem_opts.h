/* SPDX-License-Identifier: MIT */
/*
 * linkem_opts.h - lu2k-linkem's command line, parsed without side effects
 * (so it is unit-tested), into a struct linkem_config.
 */
#ifndef LU2K_LINKEM_OPTS_H
#define LU2K_LINKEM_OPTS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "linkem.h"

#define LINKEM_A2B	    0
#define LINKEM_B2A	    1
#define LINKEM_NS_NAME_MAX  40
#define LINKEM_DEV_NAME_MAX 16 /* IFNAMSIZ */

struct linkem_config {
	struct linkem_params dir[2];	/* [LINKEM_A2B], [LINKEM_B2A] */
	char ns[2][LINKEM_NS_NAME_MAX]; /* "" = generate */
	char dev[2][LINKEM_DEV_NAME_MAX];
	bool attach;	     /* use existing namespaces, do not create */
	struct in_addr net4; /* side A gets .1, side B .2 */
	unsigned int plen4;
	bool ipv6;
	bool ipv4;	      /* false: an IPv6-only link (--no-ipv4) */
	struct in6_addr net6; /* side A gets ::1, side B ::2 */
	unsigned int plen6;
	uint32_t dev_mtu; /* MTU set on the TUN devices (0: from --mtu) */
	uint32_t txqueuelen;
	bool seed_set;
	uint64_t seed;
	const char *pid_file, *ready_file, *stats_file;
	uint64_t stats_interval_ns; /* 0: print counters only on exit/SIGUSR1 */
	bool die_with_parent;	    /* SIGTERM ourselves when the parent dies */
	unsigned int rt_prio;	    /* SCHED_FIFO priority (0: normal scheduling) */
	bool quiet;
	bool help;
	bool version;
	bool queue_set[2]; /* --queue given (else a default with --rate) */
};

/* Queue limit given to a rate-limited direction when --queue is not. */
#define LINKEM_DEFAULT_QUEUE_NS (100ull * 1000000)

void linkem_config_defaults(struct linkem_config *cfg);

/*
 * Parses argv[1..argc-1] into cfg (which must hold the defaults). Returns 0,
 * or -EINVAL with a one-line message in err.
 */
int linkem_opts_parse(struct linkem_config *cfg, int argc, char **argv, char *err, size_t errlen);

void linkem_opts_usage(FILE *f);

#endif
