/* SPDX-License-Identifier: MIT */
#include "json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lu2k_json_init(struct lu2k_json *j)
{
	memset(j, 0, sizeof(*j));
	j->first[0] = true;
}

void lu2k_json_free(struct lu2k_json *j)
{
	free(j->buf);
	j->buf = NULL;
	j->len = j->cap = 0;
}

static void put(struct lu2k_json *j, const char *s, size_t n)
{
	if (j->err)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 1024;
		char *nb;

		while (j->len + n + 1 > cap)
			cap *= 2;
		nb = realloc(j->buf, cap);
		if (!nb) {
			j->err = true;
			return;
		}
		j->buf = nb;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = 0;
}

static void puts_(struct lu2k_json *j, const char *s)
{
	put(j, s, strlen(s));
}

static void put_string(struct lu2k_json *j, const char *s)
{
	put(j, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(j, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			puts_(j, esc);
		} else {
			put(j, s, 1);
		}
	}
	put(j, "\"", 1);
}

static void member(struct lu2k_json *j, const char *key)
{
	if (!j->first[j->depth])
		put(j, ",", 1);
	j->first[j->depth] = false;
	if (key) {
		put_string(j, key);
		put(j, ":", 1);
	}
}

static void open_(struct lu2k_json *j, const char *key, const char *c)
{
	member(j, key);
	puts_(j, c);
	if (j->depth + 1 >= LU2K_JSON_DEPTH) {
		j->err = true;
		return;
	}
	j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct lu2k_json *j, const char *c)
{
	/* an end without its begin would write a document that does not parse */
	if (j->depth == 0) {
		j->err = true;
		return;
	}
	j->depth--;
	puts_(j, c);
}

void lu2k_json_obj_begin(struct lu2k_json *j, const char *key)
{
	open_(j, key, "{");
}

void lu2k_json_obj_end(struct lu2k_json *j)
{
	close_(j, "}");
}

void lu2k_json_arr_begin(struct lu2k_json *j, const char *key)
{
	open_(j, key, "[");
}

void lu2k_json_arr_end(struct lu2k_json *j)
{
	close_(j, "]");
}

void lu2k_json_str(struct lu2k_json *j, const char *key, const char *v)
{
	member(j, key);
	put_string(j, v);
}

void lu2k_json_u64(struct lu2k_json *j, const char *key, uint64_t v)
{
	char b[24];

	member(j, key);
	snprintf(b, sizeof(b), "%" PRIu64, v);
	puts_(j, b);
}

void lu2k_json_i64(struct lu2k_json *j, const char *key, int64_t v)
{
	char b[24];

	member(j, key);
	snprintf(b, sizeof(b), "%" PRId64, v);
	puts_(j, b);
}

void lu2k_json_bool(struct lu2k_json *j, const char *key, bool v)
{
	member(j, key);
	puts_(j, v ? "true" : "false");
}

void lu2k_json_raw(struct lu2k_json *j, const char *s)
{
	puts_(j, s);
}
