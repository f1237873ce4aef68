/* SPDX-License-Identifier: MIT */
/*
 * auth_apply.c - keys in the running daemon: loaded at start-up (and the
 * back-end checked to seal its connections), swapped on SIGHUP (see
 * config_auth.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config_auth.h"
#include "core.h"
#include "common/log.h"

int lu2kd_auth_start(struct lu2kd *d, char *err, size_t errlen)
{
	int rc;

	/* libsodium picks its fast (SIMD) ciphers here; without it, the portable ones */
	if (lu2k_auth_init()) {
		snprintf(err, errlen, "[auth]: libsodium cannot start (no entropy source?)");
		return -EINVAL;
	}
	rc = lu2kd_auth_load(&d->cfg, &d->auth, err, errlen);

	if (rc)
		return rc;
	if (!d->auth.enabled)
		return 0;
	if (d->be_ops && !d->be_ops->auth) {
		snprintf(err, errlen,
			 "[auth] keys are configured but back-end %s does not seal its "
			 "connections (tcp, udt and rds do): refusing to start rather than run in "
			 "plaintext",
			 d->be_ops->name);
		lu2k_auth_free(&d->auth);
		return -EINVAL;
	}
	return 0;
}

void lu2kd_auth_reload(struct lu2kd *d, const struct lu2kd_config *nc)
{
	struct lu2k_auth next;
	char err[768];

	if (lu2kd_auth_load(nc, &next, err, sizeof(err))) {
		LOG_ERR("reload: %s: the keys and peers in use stay", err);
		d->reload_failures++;
		return;
	}
	if (next.enabled != d->auth.enabled || next.network != d->auth.network) {
		LOG_WARN("reload: [auth]: keys turned %s needs a restart of lu2kd; it keeps "
			 "running %s until then",
			 next.enabled ? (next.network ? "on (network mode)" : "on") : "off",
			 d->auth.enabled ? "with keys" : "in plaintext");
		lu2k_auth_free(&next);
		return;
	}
	if (!next.enabled)
		return;
	lu2k_auth_replace(&d->auth, &next);
	memcpy(d->cfg.auth_opts, nc->auth_opts, sizeof(nc->auth_opts));
	d->cfg.nauth_opts = nc->nauth_opts;
	LOG_INFO("reload: [auth]: keys and %u peer%s in use for new handshakes (connections "
		 "made keep their session keys until they close)",
		 d->auth.npeers, d->auth.npeers == 1 ? "" : "s");
}
