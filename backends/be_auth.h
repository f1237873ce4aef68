/* SPDX-License-Identifier: MIT */
/*
 * be_auth.h - what every back-end with keys reports of the key policy in its
 * stats: the handshakes' outcomes as auth/peers.c counted them (kept across
 * reloads), under the same names for tcp, udt and rds so that lu2kctl's
 * metrics and a dashboard need one set.
 */
#ifndef LU2K_BACKENDS_BE_AUTH_H
#define LU2K_BACKENDS_BE_AUTH_H

struct lu2k_auth_stats;
struct lu2k_json;

void lu2k_be_auth_stats_json(const struct lu2k_auth_stats *a, struct lu2k_json *j);

#endif
