/* SPDX-License-Identifier: MIT */
/*
 * config.h - lu2kd's settings: defaults, the config file and the command
 * line, all through one setter so that every key means the same everywhere.
 *
 * File syntax: one "key = value" per line; '#' starts a comment (anywhere
 * outside a value's first character); blank lines are ignored; "[name]"
 * starts a section. Keys before any section, or in [lu2kd], are the
 * daemon's (doc/lu2kd.md lists them). Keys in [backend] (or in a section
 * named like the back-end, e.g. [tcp]) go to the back-end, which checks them
 * when it starts. Keys in [auth] (node keys and allowed peers) are kept as
 * they are and checked by daemon/config_auth.c, which reads the key files.
 * Errors name FILE:LINE and the key.
 */
#ifndef LU2K_DAEMON_CONFIG_H
#define LU2K_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/opt.h"
#include "config_path.h"

#define LU2KD_MAX_DEVICES   8
#define LU2KD_MAX_BE_OPTS   64	/* every key of every back-end, with room */
#define LU2KD_PATH_MAX	    108 /* sun_path */
#define LU2KD_MAX_AUTH_OPTS 130 /* [auth]: private_key, psk and up to 128 peers */

/* Read when no -c/--config is given, if it exists (a missing one is no error). */
#define LU2KD_DEFAULT_CONFIG "/etc/lu2k/lu2kd.conf"

struct lu2kd_be_opt {
	char section[32];
	char key[48];
	char value[128];
	char where[160]; /* "FILE:LINE" or "command line" */
};

/* An [auth] line, checked and loaded by daemon/config_auth.c. */
struct lu2kd_auth_opt {
	char key[16];
	char value[320];
	char where[160];
};

/* accept: which NIDs a hello may claim (daemon/accept.c) */
enum { LU2KD_ACCEPT_STRICT, LU2KD_ACCEPT_ANY };

#define LU2KD_MAX_WARNINGS 8

struct lu2kd_config {
	/* Not errors, but worth a line: a key set twice in one section ("the last counts"). */
	char warnings[LU2KD_MAX_WARNINGS][200];
	unsigned int nwarnings; /* may exceed LU2KD_MAX_WARNINGS: the rest were not kept */
	char channel_socket[LU2KD_PATH_MAX];
	char ctl_socket[LU2KD_PATH_MAX];
	char pid_file[256];
	char backend[32];
	char devices[LU2KD_MAX_DEVICES][128];
	unsigned int ndevices;
	unsigned int port;
	int log_level;
	bool syslog;
	uint32_t reconnect_min_ms;
	uint32_t reconnect_max_ms;
	uint32_t connect_timeout_ms;
	uint32_t max_channels;
	int accept;
	uint32_t max_peers;	       /* peers kept (peer_reap.c); idle ones make room */
	uint32_t peer_idle_timeout_ms; /* an idle peer is forgotten after this; 0: never */
	uint32_t batch;		       /* descriptors drained per ring per round */
	/* socket_group: both unix sockets 0660 and owned by this group; unset: 0600 */
	char socket_group[64];
	bool socket_group_set;
	uint32_t socket_gid;
	struct lu2kd_be_opt be_opts[LU2KD_MAX_BE_OPTS];
	unsigned int nbe_opts;
	struct lu2kd_auth_opt auth_opts[LU2KD_MAX_AUTH_OPTS];
	unsigned int nauth_opts;
	/* multipath (mpath.c): off by default; path lines say where */
	bool multipath;
	struct lu2kd_path_cfg paths[LU2KD_MAX_PATHS];
	unsigned int npaths;
	/* discovery: our other addresses, told to peers in the hello (config_path.h) */
	struct sockaddr_storage mp_addrs[LU2KD_MAX_MP_ADDRS];
	unsigned int nmp_addrs;
	bool mp_discover; /* make paths to the addresses peers tell (on) */
};

void lu2kd_config_defaults(struct lu2kd_config *c);

/* config_keys.c: the daemon's keys, in the order lu2kctl config shows them. */
extern const struct lu2k_opt lu2kd_config_opts[];
/* a running daemon takes a new value on SIGHUP */
#define LU2KD_OPT_LIVE LU2K_OPT_F_USER

/*
 * Set one key. section is "" or "lu2kd" for the daemon's keys; anything else
 * is stored for the back-end. where names the origin for messages. Returns 0,
 * or -EINVAL/-ENOENT with a message in err.
 */
int lu2kd_config_set(struct lu2kd_config *c, const char *section, const char *key,
		     const char *value, const char *where, char *err, size_t errlen);

/* Parse text (name for messages). Returns 0 or -EINVAL with err filled. */
int lu2kd_config_parse(struct lu2kd_config *c, const char *name, const char *text, char *err,
		       size_t errlen);

/* Read and parse a file. Returns 0, -errno (cannot read) or -EINVAL. */
int lu2kd_config_load(struct lu2kd_config *c, const char *path, char *err, size_t errlen);

/* Consistency checks after everything is set. 0 or -EINVAL with err. */
int lu2kd_config_check(const struct lu2kd_config *c, char *err, size_t errlen);

/* config_show.c: the settings as text. */
#define LU2KD_SHOW_MAX 1100 /* the longest value: 8 device paths */

/*
 * The i-th daemon key of c: its name, its value as the config file would
 * write it, and whether a running lu2kd takes a new value on SIGHUP (live).
 * 0, or -1 past the last key.
 */
int lu2kd_config_key_at(const struct lu2kd_config *c, unsigned int i, const char **key, char *v,
			size_t n, bool *live);

struct lu2kd_config_change {
	char key[96]; /* "port", or "[udt] mss" for a back-end key */
	char old[LU2KD_SHOW_MAX];
	char new[LU2KD_SHOW_MAX]; /* "" when the key was dropped */
	bool live;
};

/* What differs from a to b, up to max entries; returns the count (may be > max). */
unsigned int lu2kd_config_diff(const struct lu2kd_config *a, const struct lu2kd_config *b,
			       struct lu2kd_config_change *out, unsigned int max);

#endif
