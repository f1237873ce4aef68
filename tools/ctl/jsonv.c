/* SPDX-License-Identifier: MIT */
#include "jsonv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define JV_DEPTH 32

struct parser {
	const char *s;
	size_t i;
	int depth;
	int err;
};

static void ws(struct parser *p)
{
	while (p->s[p->i] == ' ' || p->s[p->i] == '\n' || p->s[p->i] == '\t' || p->s[p->i] == '\r')
		p->i++;
}

static struct jv *node(enum jv_type t)
{
	struct jv *v = calloc(1, sizeof(*v));

	if (v)
		v->type = t;
	return v;
}

static char *parse_string(struct parser *p)
{
	size_t cap = 16, n = 0;
	char *out = malloc(cap);

	if (!out || p->s[p->i] != '"')
		goto bad;
	p->i++;
	for (;;) {
		char c = p->s[p->i++];

		if (n + 8 > cap) {
			char *nb = realloc(out, cap *= 2);

			if (!nb)
				goto bad;
			out = nb;
		}
		if (c == '"')
			break;
		if ((unsigned char)c < 0x20)
			goto bad;
		if (c == '\\') {
			c = p->s[p->i++];
			switch (c) {
			case '"':
			case '\\':
			case '/':
				out[n++] = c;
				break;
			case 'n':
				out[n++] = '\n';
				break;
			case 't':
				out[n++] = '\t';
				break;
			case 'r':
				out[n++] = '\r';
				break;
			case 'b':
				out[n++] = '\b';
				break;
			case 'f':
				out[n++] = '\f';
				break;
			case 'u': {
				unsigned int u = 0;

				for (int k = 0; k < 4; k++) {
					char h = p->s[p->i++];

					u <<= 4;
					if (h >= '0' && h <= '9')
						u |= (unsigned int)(h - '0');
					else if (h >= 'a' && h <= 'f')
						u |= (unsigned int)(h - 'a' + 10);
					else if (h >= 'A' && h <= 'F')
						u |= (unsigned int)(h - 'A' + 10);
					else
						goto bad;
				}
				/* The daemon only escapes control characters; keep others as '?'. */
				out[n++] = u < 0x80 ? (char)u : '?';
				break;
			}
			default:
				goto bad;
			}
		} else {
			out[n++] = c;
		}
	}
	out[n] = 0;
	return out;
bad:
	free(out);
	p->err = 1;
	return NULL;
}

static struct jv *parse_value(struct parser *p);

static struct jv *parse_container(struct parser *p, bool obj)
{
	struct jv *v = node(obj ? JV_OBJ : JV_ARR), **tail;
	char close = obj ? '}' : ']';

	if (!v || ++p->depth > JV_DEPTH)
		goto bad;
	tail = &v->kids;
	p->i++;
	ws(p);
	if (p->s[p->i] == close) {
		p->i++;
		p->depth--;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct jv *k;

		ws(p);
		if (obj) {
			key = parse_string(p);
			if (!key)
				goto bad;
			ws(p);
			if (p->s[p->i++] != ':') {
				free(key);
				goto bad;
			}
		}
		k = parse_value(p);
		if (!k) {
			free(key);
			goto bad;
		}
		k->key = key;
		*tail = k;
		tail = &k->next;
		ws(p);
		if (p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->s[p->i] == close) {
			p->i++;
			break;
		}
		goto bad;
	}
	p->depth--;
	return v;
bad:
	p->err = 1;
	jv_free(v);
	return NULL;
}

static struct jv *parse_literal(struct parser *p)
{
	size_t start = p->i;
	struct jv *v;
	enum jv_type t;

	if (!strncmp(p->s + p->i, "true", 4) || !strncmp(p->s + p->i, "false", 5)) {
		t = JV_BOOL;
		p->i += p->s[p->i] == 't' ? 4 : 5;
	} else if (!strncmp(p->s + p->i, "null", 4)) {
		t = JV_NULL;
		p->i += 4;
	} else {
		t = JV_NUM;
		if (p->s[p->i] == '-')
			p->i++;
		if (p->s[p->i] < '0' || p->s[p->i] > '9') {
			p->err = 1;
			return NULL;
		}
		while (strchr("0123456789.eE+-", p->s[p->i]) && p->s[p->i])
			p->i++;
	}
	v = node(t);
	if (!v || !(v->text = strndup(p->s + start, p->i - start))) {
		free(v);
		p->err = 1;
		return NULL;
	}
	return v;
}

static struct jv *parse_value(struct parser *p)
{
	struct jv *v;

	ws(p);
	switch (p->s[p->i]) {
	case '{':
		return parse_container(p, true);
	case '[':
		return parse_container(p, false);
	case '"':
		v = node(JV_STR);
		if (!v || !(v->text = parse_string(p))) {
			free(v);
			p->err = 1;
			return NULL;
		}
		return v;
	default:
		return parse_literal(p);
	}
}

struct jv *jv_parse(const char *text, size_t *err_off)
{
	struct parser p = { .s = text };
	struct jv *v = parse_value(&p);

	if (v) {
		ws(&p);
		if (p.s[p.i]) {
			jv_free(v);
			v = NULL;
		}
	}
	if (!v && err_off)
		*err_off = p.i;
	return v;
}

void jv_free(struct jv *v)
{
	while (v) {
		struct jv *next = v->next;

		jv_free(v->kids);
		free(v->key);
		free(v->text);
		free(v);
		v = next;
	}
}

struct jv *jv_dup(const struct jv *v)
{
	struct jv *c = calloc(1, sizeof(*c)), **tail;

	if (!c)
		return NULL;
	c->type = v->type;
	if ((v->key && !(c->key = strdup(v->key))) || (v->text && !(c->text = strdup(v->text))))
		goto fail;
	tail = &c->kids;
	for (const struct jv *k = v->kids; k; k = k->next) {
		*tail = jv_dup(k);
		if (!*tail)
			goto fail;
		tail = &(*tail)->next;
	}
	return c;
fail:
	jv_free(c);
	return NULL;
}

const struct jv *jv_get(const struct jv *obj, const char *key)
{
	for (const struct jv *k = obj ? obj->kids : NULL; k; k = k->next)
		if (k->key && !strcmp(k->key, key))
			return k;
	return NULL;
}
