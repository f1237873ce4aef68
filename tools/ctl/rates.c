/* SPDX-License-Identifier: MIT */
/* rates.c - counters turned into per-second rates between two answers. */
#include "rates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

/* A list of entries and what identifies one, per command. */
struct rates_list {
	const char *cmd, *list, *section;
	const char *id[3];
};

static const struct rates_list rates_lists[] = {
	{ "peers", "peers", "peer", { "nid", "local_nid", NULL } },
	{ "conns", "conns", "conn", { "peer", "local_nid", "direction" } },
	{ "stats", "channels", "channel", { "nid", NULL, NULL } },
};

static bool same_entry(const struct jv *a, const struct jv *b, const char *const *id)
{
	for (int i = 0; i < 3 && id[i]; i++) {
		const struct jv *x = jv_get(a, id[i]), *y = jv_get(b, id[i]);

		if (!x || !y || x->type != JV_STR || y->type != JV_STR || strcmp(x->text, y->text))
			return false;
	}
	return true;
}

static struct jv *new_num(const char *key, double v)
{
	struct jv *n = calloc(1, sizeof(*n));
	char text[32];
	size_t kl = strlen(key) + sizeof("_per_s");

	if (!n)
		return NULL;
	snprintf(text, sizeof(text), "%.1f", v);
	n->type = JV_NUM;
	n->key = malloc(kl);
	n->text = strdup(text);
	if (!n->key || !n->text) {
		free(n->key);
		free(n->text);
		free(n);
		return NULL;
	}
	snprintf(n->key, kl, "%s_per_s", key);
	return n;
}

/* KEY_per_s after each counter of obj that prev has too and that did not go back. */
static int add_object(struct jv *obj, const struct jv *prev, const char *section, double secs)
{
	int added = 0;

	for (struct jv *m = obj->kids; m; m = m->next) {
		const struct jv *p;
		struct jv *r;
		double d;

		if (m->type != JV_NUM || !m->key || !prom_is_counter(section, m->key))
			continue;
		p = jv_get(prev, m->key);
		if (!p || p->type != JV_NUM)
			continue;
		d = strtod(m->text, NULL) - strtod(p->text, NULL);
		if (d < 0)
			continue; /* a restarted daemon: no rate this round */
		r = new_num(m->key, d / secs);
		if (!r)
			return -1;
		r->next = m->next;
		m->next = r;
		m = r;
		added++;
	}
	return added;
}

static int add_list(struct jv *now, const struct jv *prev, const struct rates_list *l, double secs)
{
	struct jv *arr = (struct jv *)jv_get(now, l->list);
	const struct jv *parr = jv_get(prev, l->list);
	int added = 0;

	if (!arr || !parr || arr->type != JV_ARR || parr->type != JV_ARR)
		return 0;
	for (struct jv *e = arr->kids; e; e = e->next) {
		for (const struct jv *pe = parr->kids; pe; pe = pe->next) {
			int n;

			if (e->type != JV_OBJ || pe->type != JV_OBJ || !same_entry(e, pe, l->id))
				continue;
			n = add_object(e, pe, l->section, secs);
			if (n < 0)
				return -1;
			added += n;
			break;
		}
	}
	return added;
}

int rates_add(struct jv *now, const struct jv *prev, const char *cmd, double secs)
{
	int added = 0, n;

	if (!now || !prev || secs <= 0)
		return 0;
	for (size_t i = 0; i < sizeof(rates_lists) / sizeof(rates_lists[0]); i++) {
		if (strcmp(rates_lists[i].cmd, cmd))
			continue;
		n = add_list(now, prev, &rates_lists[i], secs);
		if (n < 0)
			return -1;
		added += n;
	}
	if (!strcmp(cmd, "stats")) {
		static const char *const objs[][2] = { { "daemon", "daemon" },
						       { "backend", "backend" } };

		for (size_t i = 0; i < 2; i++) {
			struct jv *o = (struct jv *)jv_get(now, objs[i][0]);
			const struct jv *p = jv_get(prev, objs[i][0]);

			if (!o || !p || o->type != JV_OBJ || p->type != JV_OBJ)
				continue;
			n = add_object(o, p, objs[i][1], secs);
			if (n < 0)
				return -1;
			added += n;
		}
	}
	return added;
}
