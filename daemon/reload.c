/* SPDX-License-Identifier: MIT */
/*
 * reload.c - SIGHUP: apply the settings just read (main.c reads them as at
 * start-up: defaults, config file, command line) to the running daemon.
 *
 * A reload never stops what runs. Keys that are read afresh on each use
 * (config_show.c marks them live) take their new value; any other change is
 * logged as needing a restart and the running value is kept, so the daemon
 * never runs with a mix it did not start with. The keys still waiting for a
 * restart are shown by `lu2kctl config` until one happens.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "common/log.h"
#include "usock.h"

/* Every daemon key, and each back-end key dropped or added. */
static unsigned int reload_max_changes(void)
{
	unsigned int n = 2 * LU2KD_MAX_BE_OPTS;

	for (const struct lu2k_opt *o = lu2kd_config_opts; !lu2k_opt_is_end(o); o++)
		n++;
	return n;
}

static void apply_sockets(struct lu2kd *d)
{
	struct lu2kd_usock_perm perm = { d->cfg.socket_group_set, d->cfg.socket_gid };
	const char *paths[] = { d->cfg.ctl_socket, d->cfg.channel_socket };

	for (unsigned int i = 0; i < 2; i++) {
		int rc = lu2kd_usock_set_perm(paths[i], &perm);

		if (rc && rc != -ENOENT)
			LOG_ERR("reload: %s: cannot set mode %s and group %s: %s", paths[i],
				perm.group_set ? "0660" : "0600",
				perm.group_set ? d->cfg.socket_group : "(the daemon's)",
				strerror(-rc));
	}
}

static void apply_live(struct lu2kd *d, const struct lu2kd_config *nc)
{
	bool group = nc->socket_group_set != d->cfg.socket_group_set ||
		     nc->socket_gid != d->cfg.socket_gid;

	d->cfg.log_level = nc->log_level;
	lu2k_log_level = (enum lu2k_log_level)nc->log_level;
	d->cfg.reconnect_min_ms = nc->reconnect_min_ms;
	d->cfg.reconnect_max_ms = nc->reconnect_max_ms;
	d->cfg.connect_timeout_ms = nc->connect_timeout_ms;
	d->cfg.max_channels = nc->max_channels;
	d->cfg.batch = nc->batch;
	d->cfg.max_peers = nc->max_peers;
	d->cfg.peer_idle_timeout_ms = nc->peer_idle_timeout_ms;
	d->cfg.accept = nc->accept;
	lu2kd_peers_sweep_arm(d); /* idle peers were kept forever (0) until now */
	memcpy(d->cfg.socket_group, nc->socket_group, sizeof(d->cfg.socket_group));
	d->cfg.socket_group_set = nc->socket_group_set;
	d->cfg.socket_gid = nc->socket_gid;
	if (group)
		apply_sockets(d);
}

int lu2kd_reload(struct lu2kd *d, const struct lu2kd_config *nc, const char *source)
{
	unsigned int max = reload_max_changes();
	struct lu2kd_config_change *ch = calloc(max, sizeof(*ch));
	unsigned int n, shown, applied = 0;
	size_t off = 0;

	if (!ch) {
		LOG_ERR("reload: out of memory; nothing changed");
		d->reload_failures++;
		return -ENOMEM;
	}
	n = lu2kd_config_diff(&d->cfg, nc, ch, max);
	shown = n < max ? n : max;
	d->restart_pending[0] = 0;
	for (unsigned int i = 0; i < shown; i++) {
		const struct lu2kd_config_change *c = &ch[i];

		if (c->live) {
			LOG_INFO("reload: %s: '%s' -> '%s'", c->key, c->old, c->new);
			applied++;
			continue;
		}
		LOG_WARN("reload: %s: '%s' -> '%s' needs a restart of lu2kd; it keeps '%s' "
			 "until then",
			 c->key, c->old, c->new, c->old);
		if (off < sizeof(d->restart_pending))
			off += (size_t)snprintf(d->restart_pending + off,
						sizeof(d->restart_pending) - off, "%s%s",
						off ? ", " : "", c->key);
	}
	apply_live(d, nc);
	d->reloads++;
	if (!n)
		LOG_INFO("reload: %s: no change", source);
	else
		LOG_INFO("reload: %s: %u change%s applied, %u need%s a restart", source, applied,
			 applied == 1 ? "" : "s", n - applied, n - applied == 1 ? "s" : "");
	free(ch);
	return 0;
}
