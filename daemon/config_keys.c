/* SPDX-License-Identifier: MIT */
/*
 * config_keys.c - lu2kd's own keys ([lu2kd], or before any section) as one
 * table: the setter, `lu2kctl config`, SIGHUP's comparison, --help and the
 * check of doc/lu2kd.md and lu2kd.conf(5) all read it, in this order (the
 * order `lu2kctl config` prints).
 *
 * LU2KD_OPT_LIVE marks the keys a running daemon takes without a restart:
 * the ones read afresh on each use (log level, reconnect and connect timings,
 * channel and peer caps, idle peers, accept, batch, socket group). Sockets,
 * port, back-end, devices, syslog, paths and every back-end key are used once
 * at start-up.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/nid.h"
#include "common/sockaddr.h"
#include "config.h"

#define C struct lu2kd_config

static int parse_device(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	C *c = obj;

	(void)o;
	if (c->ndevices == LU2KD_MAX_DEVICES) {
		snprintf(why, n, "too many devices (at most %d)", LU2KD_MAX_DEVICES);
		return -EINVAL;
	}
	if (strlen(v) >= sizeof(c->devices[0])) {
		snprintf(why, n, "too long");
		return -EINVAL;
	}
	strcpy(c->devices[c->ndevices++], v);
	return 0;
}

static void show_devices(const struct lu2k_opt *o, const void *obj, char *v, size_t n)
{
	const C *c = obj;
	size_t off = 0;

	(void)o;
	v[0] = 0;
	for (unsigned int i = 0; i < c->ndevices && off < n; i++)
		off += (size_t)snprintf(v + off, n - off, "%s%s", i ? " " : "", c->devices[i]);
}

static int parse_log_level(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	int l = lu2k_log_level_parse(v);

	(void)o;
	(void)why;
	(void)n;
	if (l < 0)
		return -EINVAL;
	((C *)obj)->log_level = l;
	return 0;
}

static void show_log_level(const struct lu2k_opt *o, const void *obj, char *v, size_t n)
{
	(void)o;
	snprintf(v, n, "%s", lu2k_log_level_str((enum lu2k_log_level)((const C *)obj)->log_level));
}

/* "log = syslog" is "syslog = yes": the syslog key shows it */
static int parse_log(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	(void)o;
	(void)why;
	(void)n;
	if (strcmp(v, "stderr") && strcmp(v, "syslog"))
		return -EINVAL;
	((C *)obj)->syslog = !strcmp(v, "syslog");
	return 0;
}

/* The group must exist now: a typo is a config error, not a start-up surprise. */
static int parse_group(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	C *c = obj;
	struct group gr, *res = NULL;
	char buf[4096];

	(void)o;
	if (strlen(v) >= sizeof(c->socket_group)) {
		snprintf(why, n, "too long");
		return -EINVAL;
	}
	if (getgrnam_r(v, &gr, buf, sizeof(buf), &res) || !res) {
		snprintf(why, n, "no such group");
		return -EINVAL;
	}
	strcpy(c->socket_group, v);
	c->socket_gid = (uint32_t)gr.gr_gid;
	c->socket_group_set = true;
	return 0;
}

static void show_group(const struct lu2k_opt *o, const void *obj, char *v, size_t n)
{
	const C *c = obj;

	(void)o;
	snprintf(v, n, "%s", c->socket_group_set ? c->socket_group : "");
}

static int parse_path(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	C *c = obj;

	(void)o;
	if (c->npaths == LU2KD_MAX_PATHS) {
		snprintf(why, n, "too many paths (at most %d)", LU2KD_MAX_PATHS);
		return -EINVAL;
	}
	if (lu2kd_path_parse(v, c->paths, c->npaths, &c->paths[c->npaths], why, n))
		return -EINVAL;
	c->npaths++;
	return 0;
}

/* every line, "; " between */
static void show_paths(const struct lu2k_opt *o, const void *obj, char *v, size_t n)
{
	const C *c = obj;
	char a[LU2K_NID_STRLEN], b[LU2K_NID_STRLEN], p[LU2K_NID_STRLEN];
	size_t off = 0;

	(void)o;
	v[0] = 0;
	for (unsigned int i = 0; i < c->npaths && off < n; i++)
		off += (size_t)snprintf(v + off, n - off, "%s%s %s %s", i ? "; " : "",
					lu2k_nid_format(&c->paths[i].peer, p, sizeof(p)),
					lu2k_nid_format(&c->paths[i].local, a, sizeof(a)),
					lu2k_nid_format(&c->paths[i].remote, b, sizeof(b)));
}

static int parse_mp_addr(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	C *c = obj;

	(void)o;
	if (lu2kd_mp_addr_parse(v, c->mp_addrs, c->nmp_addrs, &c->mp_addrs[c->nmp_addrs], why, n))
		return -EINVAL;
	c->nmp_addrs++;
	return 0;
}

/* every address, " " between */
static void show_mp_addrs(const struct lu2k_opt *o, const void *obj, char *v, size_t n)
{
	const C *c = obj;
	char a[64];
	size_t off = 0;

	(void)o;
	v[0] = 0;
	for (unsigned int i = 0; i < c->nmp_addrs && off < n; i++)
		off += (size_t)snprintf(v + off, n - off, "%s%s", i ? " " : "",
					lu2k_sockaddr_addr(&c->mp_addrs[i], a, sizeof(a)));
}

static const char *const accept_names[] = {
	[LU2KD_ACCEPT_STRICT] = "strict", [LU2KD_ACCEPT_ANY] = "any", NULL
};

#define SOCK_WHAT "a path shorter than 108 bytes"
#define MS_1H	  .type = LU2K_OPT_MS, .min = 1, .max = 3600000

const struct lu2k_opt lu2kd_config_opts[] = {
	{ .key = "backend",
	  .lopt = "backend",
	  .sopt = 'b',
	  .arg = "NAME",
	  .type = LU2K_OPT_STR,
	  LU2K_OPT_AT(C, backend),
	  .what = "a back-end name",
	  .help = "transport back-end (below)" },
	{ .key = "port",
	  .lopt = "port",
	  .sopt = 'p',
	  .arg = "N",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(C, port),
	  .min = 1,
	  .max = 65535,
	  .what = "a port number",
	  .help = "back-end port, for listening and connecting" },
	{ .key = "channel_socket",
	  .lopt = "channel-socket",
	  .arg = "PATH",
	  .type = LU2K_OPT_STR,
	  LU2K_OPT_AT(C, channel_socket),
	  .what = SOCK_WHAT,
	  .help = "unix socket for liblu2k attaches" },
	{ .key = "ctl_socket",
	  .lopt = "ctl-socket",
	  .arg = "PATH",
	  .type = LU2K_OPT_STR,
	  LU2K_OPT_AT(C, ctl_socket),
	  .what = SOCK_WHAT,
	  .help = "unix socket for lu2kctl" },
	{ .key = "pid_file",
	  .lopt = "pid-file",
	  .arg = "PATH",
	  .type = LU2K_OPT_STR,
	  LU2K_OPT_AT(C, pid_file),
	  .what = "a path",
	  .help = "write the pid there once ready" },
	{ .key = "device",
	  .lopt = "device",
	  .arg = "PATH",
	  .type = LU2K_OPT_FUNC,
	  .parse = parse_device,
	  .show = show_devices,
	  .flags = LU2K_OPT_F_REPEAT,
	  .what = "a device path (at most 8 devices)",
	  .help = "attach to the kernel module's device (repeatable)" },
	{ .key = "log_level",
	  .lopt = "log-level",
	  .sopt = 'l',
	  .arg = "LEVEL",
	  .type = LU2K_OPT_FUNC,
	  .parse = parse_log_level,
	  .show = show_log_level,
	  .what = "one of error, warn, info, debug",
	  .flags = LU2KD_OPT_LIVE,
	  .help = "error, warn, info or debug" },
	{ .key = "syslog",
	  .type = LU2K_OPT_BOOL,
	  LU2K_OPT_AT(C, syslog),
	  .names = lu2k_opt_yes_no,
	  .help = "log to syslog (yes), or to stderr" },
	{ .key = "log",
	  .type = LU2K_OPT_FUNC,
	  .parse = parse_log,
	  .what = "stderr or syslog",
	  .flags = LU2K_OPT_F_NOSHOW,
	  .help = "where log lines go: stderr or syslog (as syslog = no or yes)" },
	{ .key = "reconnect_min_ms",
	  MS_1H,
	  LU2K_OPT_AT(C, reconnect_min_ms),
	  .flags = LU2KD_OPT_LIVE,
	  .help = "first delay after a failed connection attempt" },
	{ .key = "reconnect_max_ms",
	  MS_1H,
	  LU2K_OPT_AT(C, reconnect_max_ms),
	  .flags = LU2KD_OPT_LIVE,
	  .help = "the delay doubles up to this" },
	{ .key = "connect_timeout_ms",
	  MS_1H,
	  LU2K_OPT_AT(C, connect_timeout_ms),
	  .flags = LU2KD_OPT_LIVE,
	  .help = "a connection attempt fails after this" },
	{ .key = "max_channels",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(C, max_channels),
	  .min = 1,
	  .max = 1024,
	  .flags = LU2KD_OPT_LIVE,
	  .help = "interfaces served at once" },
	{ .key = "batch",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(C, batch),
	  .min = 1,
	  .max = 65536,
	  .flags = LU2KD_OPT_LIVE,
	  .help = "descriptors drained per ring per loop round" },
	{ .key = "socket_group",
	  .type = LU2K_OPT_FUNC,
	  .parse = parse_group,
	  .show = show_group,
	  .what = "the name of an existing group",
	  .flags = LU2KD_OPT_LIVE,
	  .help = "both sockets 0660 and owned by this group (unset: 0600)" },
	{ .key = "max_peers",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(C, max_peers),
	  .min = 1,
	  .max = 16777216,
	  .flags = LU2KD_OPT_LIVE,
	  .help = "peers kept; idle ones make room" },
	{ .key = "peer_idle_timeout_ms",
	  .type = LU2K_OPT_MS,
	  LU2K_OPT_AT(C, peer_idle_timeout_ms),
	  .max = 86400000,
	  .zero = "never",
	  .flags = LU2KD_OPT_LIVE,
	  .help = "an idle peer is forgotten after this" },
	{ .key = "accept",
	  .type = LU2K_OPT_ENUM,
	  LU2K_OPT_AT(C, accept),
	  .names = accept_names,
	  .flags = LU2KD_OPT_LIVE, /* read at each hello */
	  .help = "which NIDs a hello may claim: strict or any" },
	{ .key = "multipath",
	  .type = LU2K_OPT_BOOL,
	  LU2K_OPT_AT(C, multipath),
	  .names = lu2k_opt_off_on,
	  .help = "send over the paths of path lines" },
	{ .key = "path",
	  .type = LU2K_OPT_FUNC,
	  .parse = parse_path,
	  .show = show_paths,
	  .what = "PEER_NID LOCAL REMOTE",
	  .flags = LU2K_OPT_F_REPEAT,
	  .help = "another path to a peer (repeatable)" },
	{ .key = "multipath_addr",
	  .type = LU2K_OPT_FUNC,
	  .parse = parse_mp_addr,
	  .show = show_mp_addrs,
	  .what = "ADDRESS",
	  .flags = LU2K_OPT_F_REPEAT,
	  .help = "another address of ours, told to peers in the hello (repeatable)" },
	{ .key = "multipath_discover",
	  .type = LU2K_OPT_BOOL,
	  LU2K_OPT_AT(C, mp_discover),
	  .names = lu2k_opt_off_on,
	  .help = "make paths to the addresses a peer tells in its hello" },
	LU2K_OPT_END,
};
