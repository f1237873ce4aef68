/* SPDX-License-Identifier: MIT */
/*
 * The docs list exactly the keys of the tables that parse them: the daemon's
 * (daemon/config_keys.c) and each back-end's, in doc/lu2kd.md,
 * doc/udt-backend.md, lu2kd.conf(5) and dist/lu2kd.conf.example; and where
 * the man page or the example gives a default ("key (default)", "#key =
 * default"), it is the table's. A key added, renamed or
 * dropped in a table without its docs fails here. The tree is $LU2K_TOP
 * (tests/run.sh sets it), else the current directory.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/backend.h"
#include "daemon/config.h"
#include "../t.h"

#define MAXK 64

/* In helpers that return a value, where T_FAIL_ cannot return. */
static void __attribute__((noreturn)) die(const char *what, const char *arg)
{
	fprintf(stderr, "test_doc_keys: %s%s\n", what, arg);
	exit(1);
}

struct keys {
	char k[MAXK][48];
	char dflt[MAXK][64]; /* man page: "" when not given */
	unsigned int n;
};

static void add(struct keys *s, const char *k, size_t len, const char *dflt)
{
	for (unsigned int i = 0; i < s->n; i++)
		if (strlen(s->k[i]) == len && !strncmp(s->k[i], k, len))
			return;
	T_ASSERT(s->n < MAXK && len < sizeof(s->k[0]));
	memcpy(s->k[s->n], k, len);
	s->k[s->n][len] = 0;
	snprintf(s->dflt[s->n++], sizeof(s->dflt[0]), "%s", dflt ? dflt : "");
}

static char *slurp(const char *rel)
{
	const char *top = getenv("LU2K_TOP");
	char path[512];
	FILE *f;
	char *buf = calloc(1, 1 << 20);
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", rel);
	f = fopen(path, "r");
	if (!f || !buf)
		die("cannot read ", path);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* The text from the line holding start to the line holding end (or the end). */
static char *between(char *text, const char *start, const char *end)
{
	char *a = strstr(text, start), *b;

	if (!a)
		die("not in the doc: ", start);
	b = end ? strstr(a, end) : NULL;
	if (b)
		*b = 0;
	return a;
}

/* Markdown: the `key`s in column col of every table row (header rows skipped). */
static void md_keys(char *text, unsigned int col, struct keys *s)
{
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *cell = line;

		if (line[0] != '|' || strstr(line, "|---") || strstr(line, "| key |") ||
		    strstr(line, "| option |"))
			continue;
		for (unsigned int i = 0; i < col && cell; i++)
			cell = strchr(cell + 1, '|');
		if (!cell)
			continue;
		for (char *p = cell + 1; *p && *p != '|'; p++) {
			size_t len;

			if (*p != '`')
				continue;
			len = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz0123456789_");
			if (len && (p[1 + len] == '`' || p[1 + len] == ' '))
				add(s, p + 1, len, NULL);
			p = strchr(p + 1, '`'); /* past this span */
			if (!p)
				break;
		}
	}
}

/* lu2kd.conf(5): the bold words of the line after each .TP, and "(default)" after one. */
static void man_keys(char *text, struct keys *s)
{
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char tok[8][96];
		unsigned int nt = 0;
		bool br, bi;
		char *p;

		if (strcmp(line, ".TP") || !(line = strtok(NULL, "\n")))
			continue;
		br = !strncmp(line, ".BR ", 4);
		bi = !strncmp(line, ".BI ", 4);
		if (!br && !bi && strncmp(line, ".B ", 3))
			continue;
		for (p = strchr(line, ' '); p && *p && nt < 8;) {
			size_t len;

			while (*p == ' ')
				p++;
			if (!*p)
				break;
			if (*p == '"') {
				len = strcspn(p + 1, "\"");
				snprintf(tok[nt++], sizeof(tok[0]), "%.*s", (int)len, p + 1);
				p += len + 2;
			} else {
				len = strcspn(p, " ");
				snprintf(tok[nt++], sizeof(tok[0]), "%.*s", (int)len, p);
				p += len;
			}
		}
		for (unsigned int i = 0; i < nt; i += (br || bi) ? 2 : 1) {
			char d[64] = "";
			const char *q = i + 1 < nt ? tok[i + 1] : "";

			if (strspn(tok[i], "abcdefghijklmnopqrstuvwxyz0123456789_") !=
			    strlen(tok[i]))
				continue;
			if (br && !strncmp(q, " (", 2))
				snprintf(d, sizeof(d), "%.*s", (int)strcspn(q + 2, ")"), q + 2);
			add(s, tok[i], strlen(tok[i]), d);
		}
	}
}

/*
 * dist/lu2kd.conf.example: the "#key = value" lines of section sect ("" for
 * the daemon's, before any section); "# [auth]" starts a section too.
 */
static void example_keys(char *text, const char *sect, struct keys *s)
{
	char cur[32] = "";

	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *p = line + strspn(line, "# "), *eq, *end;
		size_t len;

		if (*p == '[') {
			snprintf(cur, sizeof(cur), "%.*s", (int)strcspn(p + 1, "]"), p + 1);
			continue;
		}
		len = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (!len || strncmp(p + len, " = ", 3) || strcmp(cur, sect))
			continue;
		eq = p + len + 3;
		end = eq + strcspn(eq, "#");
		while (end > eq && end[-1] == ' ')
			end--;
		*end = 0;
		add(s, p, len, eq);
	}
}

/* The doc's keys are the table's, and the man page's defaults its defaults. */
static void same(const char *doc, const struct keys *s, const struct lu2k_opt *t,
		 const void *defaults)
{
	unsigned int nt = 0;

	for (; !lu2k_opt_is_end(t); t++) {
		bool found = false;
		char d[128];

		if (!t->key)
			continue;
		nt++;
		lu2k_opt_default(t, defaults, d, sizeof(d));
		for (unsigned int i = 0; i < s->n; i++) {
			if (strcmp(s->k[i], t->key))
				continue;
			found = true;
			if (s->dflt[i][0] && d[0] && strcmp(s->dflt[i], d))
				T_FAIL_("%s: %s's default is '%s' there, '%s' in the table", doc,
					t->key, s->dflt[i], d);
		}
		if (!found)
			T_FAIL_("%s does not list key '%s'", doc, t->key);
	}
	if (s->n != nt) {
		for (unsigned int i = 0; i < s->n; i++)
			fprintf(stderr, "  %s lists '%s'\n", doc, s->k[i]);
		T_FAIL_("%s lists %u keys, the table has %u", doc, s->n, nt);
	}
}

static const struct lu2k_opt *be_keys(const char *name)
{
	const struct lu2k_backend_ops *b = lu2k_backend_find(name);

	if (!b || !b->keys)
		die("no keys for back-end ", name);
	return b->keys;
}

/* doc's keys against back-end name's, with the defaults of an instance */
static void same_be(const char *doc, const struct keys *s, const char *name)
{
	const struct lu2k_be_env env = { .max_msg_size = (4u << 20) + 256 };
	struct lu2k_be *be = lu2k_backend_defaults(lu2k_backend_find(name), &env);

	T_ASSERT(be != NULL);
	same(doc, s, be_keys(name), be);
	free(be);
}

static void test_lu2kd_md(void)
{
	struct lu2kd_config d;
	struct keys s = { .n = 0 };
	char *md = slurp("doc/lu2kd.md"), *tcp = strdup(md), *mid = strdup(md);

	lu2kd_config_defaults(&d);
	/* the command line's table (column "config key"), then the other keys' table */
	md_keys(between(md, "\n## Command line", "\n## Config file"), 1, &s);
	md_keys(between(mid, "Daemon keys (besides", "\n### "), 0, &s);
	same("doc/lu2kd.md (daemon keys)", &s, lu2kd_config_opts, &d);
	s.n = 0;
	md_keys(between(tcp, "tcp back-end keys:", "\n## "), 0, &s);
	same_be("doc/lu2kd.md (tcp back-end keys)", &s, "tcp");
	free(md);
	free(tcp);
	free(mid);
}

static void test_udt_md(void)
{
	struct keys s = { .n = 0 };
	char *md = slurp("doc/udt-backend.md");

	md_keys(between(md, "| key | default | meaning |", "\n\n"), 0, &s);
	same_be("doc/udt-backend.md", &s, "udt");
	free(md);
}

static void test_man(void)
{
	static const struct {
		const char *sect, *be;
	} parts[] = {
		{ ".SH DAEMON KEYS", NULL },
		{ ".SH TCP BACK-END KEYS", "tcp" },
		{ ".SH UDT BACK-END KEYS", "udt" },
		{ ".SH RDS BACK-END KEYS", "rds" },
	};
	struct lu2kd_config d;

	lu2kd_config_defaults(&d);
	for (unsigned int i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		struct keys s = { .n = 0 };
		char *man = slurp("man/lu2kd.conf.5"), name[64];

		man_keys(between(man, parts[i].sect, "\n.SH "), &s);
		snprintf(name, sizeof(name), "lu2kd.conf(5) %s", parts[i].sect + 4);
		if (parts[i].be)
			same_be(name, &s, parts[i].be);
		else
			same(name, &s, lu2kd_config_opts, &d);
		free(man);
	}
}

/* The example file has every key, at its default where it has one. */
static void test_example(void)
{
	static const char *const sects[] = { "", "tcp", "udt", "rds" };
	struct lu2kd_config d;

	lu2kd_config_defaults(&d);
	for (unsigned int i = 0; i < sizeof(sects) / sizeof(sects[0]); i++) {
		struct keys s = { .n = 0 };
		char *ex = slurp("dist/lu2kd.conf.example"), name[64];

		example_keys(ex, sects[i], &s);
		snprintf(name, sizeof(name), "dist/lu2kd.conf.example [%s]", sects[i]);
		if (*sects[i])
			same_be(name, &s, sects[i]);
		else
			same(name, &s, lu2kd_config_opts, &d);
		free(ex);
	}
}

int main(void)
{
	T_RUN(test_lu2kd_md);
	T_RUN(test_udt_md);
	T_RUN(test_man);
	T_RUN(test_example);
	return t_done();
}
