/* SPDX-License-Identifier: MIT */
/*
 * config_show.c - lu2kd's settings as text: one (key, value) per daemon key
 * and per back-end key, for `lu2kctl config` (the effective configuration)
 * and for SIGHUP, which compares the settings it runs with to the ones it
 * has just read.
 *
 * Which keys a running daemon can take without a restart is decided here,
 * next to the keys, so that the list lu2kctl shows, the reload and the docs
 * cannot disagree: the ones read afresh on each use (log level, reconnect
 * and connect timings, channel and peer caps, idle peers, accept, batch, socket
 * group). Sockets, port,
 * back-end, devices, syslog and every back-end key were used once at
 * start-up.
 */
#include <stdio.h>
#include <string.h>

#include "common/nid.h"
#include "config.h"
#include "common/log.h"

static void show_devices(const struct lu2kd_config *c, char *v, size_t n)
{
	size_t off = 0;

	v[0] = 0;
	for (unsigned int i = 0; i < c->ndevices && off < n; i++)
		off += (size_t)snprintf(v + off, n - off, "%s%s", i ? " " : "", c->devices[i]);
}

static void show_paths(const struct lu2kd_config *c, char *v, size_t n)
{
	char a[LU2K_NID_STRLEN], b[LU2K_NID_STRLEN], p[LU2K_NID_STRLEN];
	size_t off = 0;

	v[0] = 0;
	for (unsigned int i = 0; i < c->npaths && off < n; i++)
		off += (size_t)snprintf(v + off, n - off, "%s%s %s %s", i ? "; " : "",
					lu2k_nid_format(&c->paths[i].peer, p, sizeof(p)),
					lu2k_nid_format(&c->paths[i].local, a, sizeof(a)),
					lu2k_nid_format(&c->paths[i].remote, b, sizeof(b)));
}

int lu2kd_config_key_at(const struct lu2kd_config *c, unsigned int i, const char **key, char *v,
			size_t n, bool *live)
{
	*live = false;
	switch (i) {
	case 0:
		*key = "backend";
		snprintf(v, n, "%s", c->backend);
		break;
	case 1:
		*key = "port";
		snprintf(v, n, "%u", c->port);
		break;
	case 2:
		*key = "channel_socket";
		snprintf(v, n, "%s", c->channel_socket);
		break;
	case 3:
		*key = "ctl_socket";
		snprintf(v, n, "%s", c->ctl_socket);
		break;
	case 4:
		*key = "pid_file";
		snprintf(v, n, "%s", c->pid_file);
		break;
	case 5:
		*key = "device";
		show_devices(c, v, n);
		break;
	case 6:
		*key = "log_level";
		snprintf(v, n, "%s", lu2k_log_level_str((enum lu2k_log_level)c->log_level));
		*live = true;
		break;
	case 7:
		*key = "syslog";
		snprintf(v, n, "%s", c->syslog ? "yes" : "no");
		break;
	case 8:
		*key = "reconnect_min_ms";
		snprintf(v, n, "%u", c->reconnect_min_ms);
		*live = true;
		break;
	case 9:
		*key = "reconnect_max_ms";
		snprintf(v, n, "%u", c->reconnect_max_ms);
		*live = true;
		break;
	case 10:
		*key = "connect_timeout_ms";
		snprintf(v, n, "%u", c->connect_timeout_ms);
		*live = true;
		break;
	case 11:
		*key = "max_channels";
		snprintf(v, n, "%u", c->max_channels);
		*live = true;
		break;
	case 12:
		*key = "batch";
		snprintf(v, n, "%u", c->batch);
		*live = true;
		break;
	case 13:
		*key = "socket_group";
		snprintf(v, n, "%s", c->socket_group_set ? c->socket_group : "");
		*live = true;
		break;
	case 14:
		*key = "max_peers";
		snprintf(v, n, "%u", c->max_peers);
		*live = true;
		break;
	case 15:
		*key = "peer_idle_timeout_ms";
		snprintf(v, n, "%u", c->peer_idle_timeout_ms);
		*live = true;
		break;
	case 16:
		*key = "accept";
		snprintf(v, n, "%s", c->accept == LU2KD_ACCEPT_ANY ? "any" : "strict");
		*live = true; /* read at each hello */
		break;
	case 17:
		*key = "multipath";
		snprintf(v, n, "%s", c->multipath ? "on" : "off");
		break;
	case 18:
		*key = "path"; /* every line, "; " between: paths are set up at attach */
		show_paths(c, v, n);
		break;
	default:
		return -1;
	}
	return 0;
}

static bool be_opt_in(const struct lu2kd_be_opt *o, const struct lu2kd_config *c)
{
	for (unsigned int i = 0; i < c->nbe_opts; i++) {
		const struct lu2kd_be_opt *p = &c->be_opts[i];

		if (!strcmp(o->section, p->section) && !strcmp(o->key, p->key) &&
		    !strcmp(o->value, p->value))
			return true;
	}
	return false;
}

static void add(struct lu2kd_config_change *out, unsigned int max, unsigned int *n, const char *key,
		const char *old, const char *new, bool live)
{
	if (*n < max) {
		struct lu2kd_config_change *ch = &out[*n];

		snprintf(ch->key, sizeof(ch->key), "%s", key);
		snprintf(ch->old, sizeof(ch->old), "%s", old);
		snprintf(ch->new, sizeof(ch->new), "%s", new);
		ch->live = live;
	}
	(*n)++;
}

unsigned int lu2kd_config_diff(const struct lu2kd_config *a, const struct lu2kd_config *b,
			       struct lu2kd_config_change *out, unsigned int max)
{
	char va[LU2KD_SHOW_MAX], vb[LU2KD_SHOW_MAX], key[96];
	const char *k;
	unsigned int n = 0;
	bool live;

	for (unsigned int i = 0; !lu2kd_config_key_at(a, i, &k, va, sizeof(va), &live); i++) {
		lu2kd_config_key_at(b, i, &k, vb, sizeof(vb), &live);
		if (strcmp(va, vb))
			add(out, max, &n, k, va, vb, live);
	}
	/* Back-end keys: a key set, dropped or given another value; none is live. */
	for (unsigned int i = 0; i < a->nbe_opts; i++) {
		const struct lu2kd_be_opt *o = &a->be_opts[i];

		if (be_opt_in(o, b))
			continue;
		snprintf(key, sizeof(key), "[%s] %s", o->section, o->key);
		vb[0] = 0;
		for (unsigned int j = 0; j < b->nbe_opts; j++)
			if (!strcmp(b->be_opts[j].section, o->section) &&
			    !strcmp(b->be_opts[j].key, o->key))
				snprintf(vb, sizeof(vb), "%s", b->be_opts[j].value);
		add(out, max, &n, key, o->value, vb, false);
	}
	for (unsigned int i = 0; i < b->nbe_opts; i++) {
		const struct lu2kd_be_opt *o = &b->be_opts[i];
		bool had = false;

		if (be_opt_in(o, a))
			continue;
		for (unsigned int j = 0; j < a->nbe_opts; j++)
			had |= !strcmp(a->be_opts[j].section, o->section) &&
			       !strcmp(a->be_opts[j].key, o->key);
		if (had)
			continue; /* reported above as a change of value */
		snprintf(key, sizeof(key), "[%s] %s", o->section, o->key);
		add(out, max, &n, key, "", o->value, false);
	}
	return n;
}
