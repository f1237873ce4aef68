/* SPDX-License-Identifier: MIT */
/*
 * config_auth.h - lu2kd's [auth] section: the node's key, the network's
 * pre-shared key and the peers allowed, turned into the policy the
 * back-ends apply (auth/peers.h). Kept apart from the rest of the settings
 * so that a reload (SIGHUP) can build a new policy and swap it in
 * (lu2k_auth_replace) without a restart.
 *
 *   [auth]
 *   private_key = /etc/lu2k/node.key        # lu2k-keygen genkey
 *   psk = /etc/lu2k/network.psk             # lu2k-keygen genpsk (optional)
 *   peer = PUBLIC-KEY NID-RANGE [NID-RANGE ...]   (one line a peer)
 *
 * No [auth] keys: plaintext (the default). private_key needs at least one
 * peer; psk alone is the network mode (peers.h).
 */
#ifndef LU2K_DAEMON_CONFIG_AUTH_H
#define LU2K_DAEMON_CONFIG_AUTH_H

#include <stddef.h>

#include "auth/peers.h"
#include "config.h"

#define LU2KD_AUTH_MAX_PEERS 128

/*
 * Build the policy from c's [auth] lines, reading the key files (checked as
 * auth/key.c does: owner, mode). 0 (out->enabled says whether keys are on),
 * or -EINVAL with "WHERE: ..." in err; out is then empty.
 */
int lu2kd_auth_load(const struct lu2kd_config *c, struct lu2k_auth *out, char *err, size_t errlen);

struct lu2kd;

/*
 * Start-up: load d->auth from d->cfg and check that the back-end seals its
 * connections if keys are on. 0, or -EINVAL (logged): lu2kd must not start.
 */
int lu2kd_auth_start(struct lu2kd *d, char *err, size_t errlen);

/*
 * SIGHUP: the new settings' keys and peers replace the running ones (new
 * handshakes use them; connections made keep their session keys). Keys
 * turned on or off need a restart; a bad [auth] changes nothing. Logged.
 */
void lu2kd_auth_reload(struct lu2kd *d, const struct lu2kd_config *nc);

#endif
