/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

void lu2kd_config_defaults(struct lu2kd_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->channel_socket, sizeof(c->channel_socket), "/run/lu2k/lu2kd.sock");
	snprintf(c->ctl_socket, sizeof(c->ctl_socket), "/run/lu2k/lu2kd.ctl");
	snprintf(c->backend, sizeof(c->backend), "tcp");
	c->port = 7988;
	c->log_level = LU2K_LOG_INFO;
	c->reconnect_min_ms = 100;
	c->reconnect_max_ms = 10000;
	c->connect_timeout_ms = 10000;
	c->max_channels = 16;
	c->max_peers = 65536;
	c->peer_idle_timeout_ms = 600000;
	c->batch = 256;
	c->mp_discover = true;
}

int lu2kd_config_set(struct lu2kd_config *c, const char *section, const char *key,
		     const char *value, const char *where, char *err, size_t errlen)
{
	if (!strcmp(section, "auth")) {
		struct lu2kd_auth_opt *o;

		if (c->nauth_opts == LU2KD_MAX_AUTH_OPTS) {
			snprintf(err, errlen, "%s: too many [auth] keys (at most %d)", where,
				 LU2KD_MAX_AUTH_OPTS);
			return -EINVAL;
		}
		o = &c->auth_opts[c->nauth_opts];
		if (strlen(key) >= sizeof(o->key) || strlen(value) >= sizeof(o->value)) {
			snprintf(err, errlen, "%s: [auth] key '%s': too long", where, key);
			return -EINVAL;
		}
		strcpy(o->key, key);
		strcpy(o->value, value);
		snprintf(o->where, sizeof(o->where), "%s", where);
		c->nauth_opts++;
		return 0;
	}
	if (*section && strcmp(section, "lu2kd") != 0) {
		struct lu2kd_be_opt *o;

		if (c->nbe_opts == LU2KD_MAX_BE_OPTS) {
			snprintf(err, errlen, "%s: too many back-end keys (at most %d)", where,
				 LU2KD_MAX_BE_OPTS);
			return -EINVAL;
		}
		o = &c->be_opts[c->nbe_opts];
		if (strlen(section) >= sizeof(o->section) || strlen(key) >= sizeof(o->key) ||
		    strlen(value) >= sizeof(o->value)) {
			snprintf(err, errlen, "%s: key '%s': too long", where, key);
			return -EINVAL;
		}
		strcpy(o->section, section);
		strcpy(o->key, key);
		strcpy(o->value, value);
		snprintf(o->where, sizeof(o->where), "%s", where);
		c->nbe_opts++;
		return 0;
	}
	return lu2k_opt_set_key(lu2kd_config_opts, NULL, c, key, value, where, err, errlen);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

/* Keys that may be given several times: each line adds one. */
static bool repeatable(const char *section, const char *key)
{
	const struct lu2k_opt *o = *section ? NULL : lu2k_opt_find(lu2kd_config_opts, key);

	return (o && (o->flags & LU2K_OPT_F_REPEAT)) ||
	       (!strcmp(section, "auth") && !strcmp(key, "peer"));
}

#define SEEN_MAX 256

struct seen {
	char section[32];
	char key[48];
	unsigned int line;
};

/* A key set again in the same section of one file: the last counts, but say so. */
static void check_dup(struct lu2kd_config *c, struct seen *seen, unsigned int *nseen,
		      const char *name, const char *section, const char *key, unsigned int line)
{
	if (repeatable(section, key) || strlen(section) >= sizeof(seen->section) ||
	    strlen(key) >= sizeof(seen->key))
		return;
	for (unsigned int i = 0; i < *nseen; i++) {
		if (strcmp(seen[i].section, section) || strcmp(seen[i].key, key))
			continue;
		if (c->nwarnings < LU2KD_MAX_WARNINGS)
			snprintf(c->warnings[c->nwarnings], sizeof(c->warnings[0]),
				 "%s:%u: key '%s'%s%s%s set again (first at line %u): the last one "
				 "counts",
				 name, line, key, *section ? " in [" : "", section,
				 *section ? "]" : "", seen[i].line);
		c->nwarnings++;
		seen[i].line = line;
		return;
	}
	if (*nseen < SEEN_MAX) {
		strcpy(seen[*nseen].section, section);
		strcpy(seen[*nseen].key, key);
		seen[(*nseen)++].line = line;
	}
}

int lu2kd_config_parse(struct lu2kd_config *c, const char *name, const char *text, char *err,
		       size_t errlen)
{
	static struct seen seen[SEEN_MAX];
	unsigned int nseen = 0;
	char section[32] = "";
	char where[160];
	char line[512];
	unsigned int lineno = 0;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *s, *eq, *key, *val, *hash;

		lineno++;
		snprintf(where, sizeof(where), "%s:%u", name, lineno);
		if (len >= sizeof(line)) {
			snprintf(err, errlen, "%s: line too long (max %zu bytes)", where,
				 sizeof(line) - 1);
			return -EINVAL;
		}
		memcpy(line, p, len);
		line[len] = 0;
		p += len + (nl ? 1 : 0);
		for (size_t i = 0; i < len; i++) {
			if (line[i] == 0 || (line[i] != '\t' && iscntrl((unsigned char)line[i]) &&
					     line[i] != '\r')) {
				snprintf(err, errlen, "%s: control character in line", where);
				return -EINVAL;
			}
		}
		/* A '#' starts a comment; values cannot contain one. */
		hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		s = trim(line);
		if (!*s)
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');

			if (!end || end[1]) {
				snprintf(err, errlen, "%s: bad section header '%s'", where, s);
				return -EINVAL;
			}
			*end = 0;
			s = trim(s + 1);
			if (!valid_name(s) || strlen(s) >= sizeof(section)) {
				snprintf(err, errlen, "%s: bad section name '%s'", where, s);
				return -EINVAL;
			}
			strcpy(section, s);
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s: expected 'key = value', got '%s'", where, s);
			return -EINVAL;
		}
		*eq = 0;
		key = trim(s);
		val = trim(eq + 1);
		if (!valid_name(key)) {
			snprintf(err, errlen, "%s: bad key name '%s'", where, key);
			return -EINVAL;
		}
		if (!*val) {
			snprintf(err, errlen, "%s: key '%s': empty value", where, key);
			return -EINVAL;
		}
		if (lu2kd_config_set(c, section, key, val, where, err, errlen))
			return -EINVAL;
		check_dup(c, seen, &nseen, name, strcmp(section, "lu2kd") ? section : "", key,
			  lineno);
	}
	return 0;
}

int lu2kd_config_load(struct lu2kd_config *c, const char *path, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	for (;;) {
		if (len + 1 >= cap) {
			char *nb;

			cap = cap ? cap * 2 : 4096;
			if (cap > (1u << 20)) {
				snprintf(err, errlen, "%s: file too large", path);
				rc = -EINVAL;
				goto out;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				rc = -ENOMEM;
				snprintf(err, errlen, "%s: out of memory", path);
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			snprintf(err, errlen, "%s: read: %s", path, strerror(-rc));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	if (strlen(buf) != len) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		rc = -EINVAL;
		goto out;
	}
	rc = lu2kd_config_parse(c, path, buf, err, errlen);
out:
	free(buf);
	close(fd);
	return rc;
}

int lu2kd_config_check(const struct lu2kd_config *c, char *err, size_t errlen)
{
	if (c->reconnect_min_ms > c->reconnect_max_ms) {
		snprintf(err, errlen, "reconnect_min_ms (%u) > reconnect_max_ms (%u)",
			 c->reconnect_min_ms, c->reconnect_max_ms);
		return -EINVAL;
	}
	return 0;
}
