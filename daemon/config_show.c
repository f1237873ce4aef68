/* SPDX-License-Identifier: MIT */
/*
 * config_show.c - lu2kd's settings as text: one (key, value) per daemon key
 * and per back-end key, for `lu2kctl config` (the effective configuration)
 * and for SIGHUP, which compares the settings it runs with to the ones it
 * has just read.
 *
 * The keys, their order and which of them a running daemon takes without a
 * restart (LU2KD_OPT_LIVE) are config_keys.c's table, so that the list
 * lu2kctl shows, the reload and the docs cannot disagree; every back-end key
 * was used once at start-up.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

int lu2kd_config_key_at(const struct lu2kd_config *c, unsigned int i, const char **key, char *v,
			size_t n, bool *live)
{
	for (const struct lu2k_opt *o = lu2kd_config_opts; !lu2k_opt_is_end(o); o++) {
		if (!o->key || (o->flags & LU2K_OPT_F_NOSHOW) || i--)
			continue;
		*key = o->key;
		*live = o->flags & LU2KD_OPT_LIVE;
		lu2k_opt_show(o, c, v, n);
		return 0;
	}
	return -1;
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
