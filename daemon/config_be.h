/* SPDX-License-Identifier: MIT */
/*
 * config_be.h - checking the back-end sections of lu2kd's settings.
 *
 * config.c stores back-end keys without knowing the back-ends (it is shared
 * with tests that link none). This file holds them against the registry:
 * [backend] keys against the chosen back-end, [NAME] keys against back-end
 * NAME whether or not it is the one that runs (so a typo in an unused
 * section is found before the day it is switched on), and a section that
 * names no back-end is an error.
 */
#ifndef LU2K_DAEMON_CONFIG_BE_H
#define LU2K_DAEMON_CONFIG_BE_H

#include <stdio.h>

#include "backends/backend.h"
#include "config.h"

/* Print each problem as "lu2kd: WHERE: ..." on f; returns how many there were. */
unsigned int lu2kd_config_check_backends(const struct lu2kd_config *c,
					 const struct lu2k_be_env *env, FILE *f);

#endif
