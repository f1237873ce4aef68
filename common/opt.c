/* SPDX-License-Identifier: MIT */
/* opt.c - settings from tables (see opt.h). */
#include "opt.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "num.h"

const char *const lu2k_opt_yes_no[] = { "no", "yes", NULL };
const char *const lu2k_opt_off_on[] = { "off", "on", NULL };
const char *const lu2k_opt_zero_one[] = { "0", "1", NULL };

const struct lu2k_opt *lu2k_opt_find(const struct lu2k_opt *t, const char *key)
{
	for (; !lu2k_opt_is_end(t); t++)
		if (t->key && !strcmp(t->key, key))
			return t;
	return NULL;
}

int lu2k_opt_parse_u64(const char *s, uint64_t lo, uint64_t hi, bool size, uint64_t *out,
		       const char **why)
{
	size_t n = strlen(s), digits = strspn(s, "0123456789");
	uint64_t v;

	if (!digits || (digits < n && (!size || digits + 1 < n || !strchr("kKmMgG", s[digits])))) {
		*why = size ? "not a size" : "not a number";
		return -EINVAL;
	}
	if (lu2k_num_parse_u64(s, UINT64_MAX, &v)) {
		*why = "too large";
		return -EINVAL;
	}
	if (v < lo || v > hi) {
		*why = "out of range";
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* "250", "250ms", "10s", "5m", "1h": milliseconds */
static int parse_ms(const char *s, uint64_t lo, uint64_t hi, uint64_t *out, const char **why)
{
	static const struct {
		const char *sfx;
		uint64_t ms;
	} units[] = { { "", 1 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 } };
	size_t digits = strspn(s, "0123456789");
	char num[24];
	uint64_t v;

	if (!digits || digits >= sizeof(num)) {
		*why = digits ? "too large" : "not a duration";
		return -EINVAL;
	}
	memcpy(num, s, digits);
	num[digits] = 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + digits, units[i].sfx))
			continue;
		if (lu2k_num_parse_u64(num, UINT64_MAX / units[i].ms, &v)) {
			*why = "too large";
			return -EINVAL;
		}
		v *= units[i].ms;
		if (v < lo || v > hi) {
			*why = "out of range";
			return -EINVAL;
		}
		*out = v;
		return 0;
	}
	*why = "not a duration";
	return -EINVAL;
}

static void store_uint(void *field, size_t size, uint64_t v)
{
	switch (size) {
	case 1: {
		uint8_t x = (uint8_t)v;

		memcpy(field, &x, 1);
		break;
	}
	case 2: {
		uint16_t x = (uint16_t)v;

		memcpy(field, &x, 2);
		break;
	}
	case 4: {
		uint32_t x = (uint32_t)v;

		memcpy(field, &x, 4);
		break;
	}
	default:
		memcpy(field, &v, 8);
		break;
	}
}

static uint64_t load_uint(const void *field, size_t size)
{
	uint8_t a;
	uint16_t b;
	uint32_t c;
	uint64_t d;

	switch (size) {
	case 1:
		memcpy(&a, field, 1);
		return a;
	case 2:
		memcpy(&b, field, 2);
		return b;
	case 4:
		memcpy(&c, field, 4);
		return c;
	default:
		memcpy(&d, field, 8);
		return d;
	}
}

static void get_range(const struct lu2k_opt *o, const void *obj, uint64_t *lo, uint64_t *hi)
{
	*lo = o->min;
	*hi = o->max;
	if (o->range && obj)
		o->range(obj, lo, hi);
}

/* 1073741824 as "1G" where a size divides evenly, else the digits. */
static void fmt_num(char *buf, size_t len, uint64_t v, bool size)
{
	static const char sfx[] = "GMK";

	for (int i = 0; size && v && i < 3; i++) {
		uint64_t unit = 1ull << (10 * (3 - i));

		if (v % unit == 0) {
			snprintf(buf, len, "%" PRIu64 "%c", v / unit, sfx[i]);
			return;
		}
	}
	snprintf(buf, len, "%" PRIu64, v);
}

static void join_names(const char *const *names, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (unsigned int i = 0; names[i] && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", names[i]);
}

void lu2k_opt_expect(const struct lu2k_opt *o, const void *obj, char *buf, size_t len)
{
	char a[24], b[24], z[80] = "";
	uint64_t lo, hi;
	bool size = o->flags & LU2K_OPT_F_SIZE;

	switch (o->type) {
	case LU2K_OPT_FLAG:
		snprintf(buf, len, "no value");
		break;
	case LU2K_OPT_BOOL:
		snprintf(buf, len, "%s or %s", o->names[1], o->names[0]);
		break;
	case LU2K_OPT_UINT:
	case LU2K_OPT_MS:
		get_range(o, obj, &lo, &hi);
		fmt_num(a, sizeof(a), lo, size);
		fmt_num(b, sizeof(b), hi, size);
		if (o->zero && lo)
			snprintf(z, sizeof(z), " or 0 (%s)", o->zero);
		else if (o->zero)
			snprintf(z, sizeof(z), " (0: %s)", o->zero);
		snprintf(buf, len, "%s %s..%s%s%s",
			 o->what		  ? o->what
			 : o->type == LU2K_OPT_MS ? "milliseconds"
			 : size			  ? "a size"
						  : "a number",
			 a, b, z,
			 o->type == LU2K_OPT_MS ? " (or with ms, s, m, h)"
			 : size			? " (K, M, G: KiB, MiB, GiB)"
						: "");
		break;
	case LU2K_OPT_STR:
		if (o->what)
			snprintf(buf, len, "%s", o->what);
		else
			snprintf(buf, len, "a string shorter than %zu bytes", o->size);
		break;
	case LU2K_OPT_ENUM: {
		char names[256];

		join_names(o->names, names, sizeof(names));
		snprintf(buf, len, "one of %s", names);
		break;
	}
	case LU2K_OPT_PTR:
		snprintf(buf, len, "%s",
			 o->what  ? o->what
			 : o->min ? "a non-empty string"
				  : "a string");
		break;
	case LU2K_OPT_FUNC:
		snprintf(buf, len, "%s", o->what ? o->what : "a valid value");
		break;
	}
}

/* 0, or -EINVAL with why: the value is in the field. */
static int set_value(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t whylen)
{
	char *field = (char *)obj + o->off;
	const char *w = "";
	uint64_t x, lo, hi;

	switch (o->type) {
	case LU2K_OPT_FLAG:
		if (o->size)
			store_uint(field, o->size, !(o->flags & LU2K_OPT_F_CLEAR));
		return 0;
	case LU2K_OPT_BOOL:
		if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on"))
			x = 1;
		else if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false") ||
			 !strcmp(v, "off"))
			x = 0;
		else
			break;
		store_uint(field, o->size, x);
		return 0;
	case LU2K_OPT_UINT:
	case LU2K_OPT_MS:
		get_range(o, obj, &lo, &hi);
		if (o->zero && !strcmp(v, "0"))
			lo = 0;
		if (o->type == LU2K_OPT_MS
			    ? parse_ms(v, lo, hi, &x, &w)
			    : lu2k_opt_parse_u64(v, lo, hi, o->flags & LU2K_OPT_F_SIZE, &x, &w))
			break;
		store_uint(field, o->size, x * (o->scale ? o->scale : 1));
		return 0;
	case LU2K_OPT_STR:
		if (!*v)
			w = "empty";
		else if (strlen(v) >= o->size)
			w = "too long";
		else {
			memcpy(field, v, strlen(v) + 1);
			return 0;
		}
		break;
	case LU2K_OPT_ENUM:
		for (unsigned int i = 0; o->names[i]; i++) {
			if (!strcmp(v, o->names[i])) {
				store_uint(field, o->size, i);
				return 0;
			}
		}
		break;
	case LU2K_OPT_PTR:
		if (o->min && !*v) {
			w = "empty";
			break;
		}
		memcpy(field, &v, sizeof(v));
		return 0;
	case LU2K_OPT_FUNC:
		why[0] = 0;
		return o->parse(o, obj, v, why, whylen) ? -EINVAL : 0;
	}
	snprintf(why, whylen, "%s", w);
	return -EINVAL;
}

int lu2k_opt_set(const struct lu2k_opt *o, void *obj, const char *value, const char *where,
		 char *err, size_t errlen)
{
	char why[160], expect[200];
	const char *name = o->key ? o->key : o->lopt;

	if (!set_value(o, obj, value, why, sizeof(why)))
		return 0;
	lu2k_opt_expect(o, obj, expect, sizeof(expect));
	if (where && !strncmp(where, "--", 2))
		snprintf(err, errlen, "%s: bad value '%s': %s%sexpected %s", where, value, why,
			 *why ? "; " : "", expect);
	else if (!where && o->lopt)
		snprintf(err, errlen, "--%s: bad value '%s': %s%sexpected %s", o->lopt, value, why,
			 *why ? "; " : "", expect);
	else
		snprintf(err, errlen, "%s: key '%s': bad value '%s': %s%sexpected %s",
			 where ? where : "command line", name, value, why, *why ? "; " : "",
			 expect);
	return -EINVAL;
}

int lu2k_opt_set_key(const struct lu2k_opt *t, const char *kind, void *obj, const char *key,
		     const char *value, const char *where, char *err, size_t errlen)
{
	const struct lu2k_opt *o = lu2k_opt_find(t, key);

	if (!o) {
		snprintf(err, errlen, "%s: unknown %s%skey '%s'", where, kind ? kind : "",
			 kind ? " " : "", key);
		return -ENOENT;
	}
	return lu2k_opt_set(o, obj, value, where, err, errlen);
}

void lu2k_opt_show(const struct lu2k_opt *o, const void *obj, char *buf, size_t len)
{
	const char *field = (const char *)obj + o->off;
	uint64_t x;

	buf[0] = 0;
	switch (o->type) {
	case LU2K_OPT_FLAG:
	case LU2K_OPT_BOOL:
		x = load_uint(field, o->size);
		snprintf(buf, len, "%s",
			 o->names ? o->names[!!x]
			 : x	  ? lu2k_opt_yes_no[1]
				  : lu2k_opt_yes_no[0]);
		break;
	case LU2K_OPT_UINT:
	case LU2K_OPT_MS:
		x = load_uint(field, o->size) / (o->scale ? o->scale : 1);
		fmt_num(buf, len, x, o->flags & LU2K_OPT_F_SIZE);
		break;
	case LU2K_OPT_STR:
		snprintf(buf, len, "%.*s", (int)strnlen(field, o->size), field);
		break;
	case LU2K_OPT_ENUM: {
		unsigned int n = 0;

		x = load_uint(field, o->size);
		while (o->names[n])
			n++;
		snprintf(buf, len, "%s", x < n ? o->names[x] : "?");
		break;
	}
	case LU2K_OPT_PTR: {
		const char *p;

		memcpy(&p, field, sizeof(p));
		snprintf(buf, len, "%s", p ? p : "");
		break;
	}
	case LU2K_OPT_FUNC:
		if (o->show)
			o->show(o, obj, buf, len);
		break;
	}
}

void lu2k_opt_default(const struct lu2k_opt *o, const void *defaults, char *buf, size_t len)
{
	buf[0] = 0;
	if (o->dflt)
		snprintf(buf, len, "%s", o->dflt);
	else if (defaults)
		lu2k_opt_show(o, defaults, buf, len);
}

/* text from column col, wrapped at spaces before column 80 */
static void put_wrapped(FILE *f, const char *text, int col)
{
	const int width = 80 - col > 30 ? 80 - col : 30;

	while ((int)strlen(text) > width) {
		int cut = width;

		while (cut > 0 && text[cut] != ' ')
			cut--;
		if (!cut) /* one long word: as it is */
			cut = (int)strcspn(text, " ");
		fprintf(f, "%.*s\n%*s", cut, text, col, "");
		text += cut;
		while (*text == ' ')
			text++;
	}
	fprintf(f, "%s\n", text);
}

/* "help [default]" */
static void help_text(const struct lu2k_opt *t, const void *defaults, char *buf, size_t len)
{
	char d[128] = "";

	if (t->type != LU2K_OPT_FLAG)
		lu2k_opt_default(t, defaults, d, sizeof(d));
	snprintf(buf, len, "%s%s%s%s", t->help, *d ? " [" : "", d, *d ? "]" : "");
}

void lu2k_opt_help(FILE *f, const struct lu2k_opt *t, const void *defaults)
{
	char opt[64], text[512];

	for (; !lu2k_opt_is_end(t); t++) {
		if (!t->lopt)
			continue;
		snprintf(opt, sizeof(opt), "%c%c%c --%s%s%s", t->sopt ? '-' : ' ',
			 t->sopt ? t->sopt : ' ', t->sopt ? ',' : ' ', t->lopt, t->arg ? " " : "",
			 t->arg ? t->arg : "");
		help_text(t, defaults, text, sizeof(text));
		fprintf(f, "  %-26s ", opt);
		put_wrapped(f, text, 29);
	}
}

void lu2k_opt_help_keys(FILE *f, const struct lu2k_opt *t, const void *defaults, const char *indent)
{
	char text[512];

	for (; !lu2k_opt_is_end(t); t++) {
		if (!t->key)
			continue;
		help_text(t, defaults, text, sizeof(text));
		fprintf(f, "%s%-22s ", indent, t->key);
		put_wrapped(f, text, (int)strlen(indent) + 23);
	}
}

void lu2k_opt_markdown(FILE *f, const struct lu2k_opt *t, const void *defaults)
{
	char d[128], e[200];

	fprintf(f, "| key | default | meaning |\n|---|---|---|\n");
	for (; !lu2k_opt_is_end(t); t++) {
		if (!t->key)
			continue;
		lu2k_opt_default(t, defaults, d, sizeof(d));
		lu2k_opt_expect(t, defaults, e, sizeof(e));
		fprintf(f, "| `%s` | %s | %s (%s) |\n", t->key, *d ? d : "-", t->help, e);
	}
}

int lu2k_opt_getopt(const struct lu2k_opt *const *tables, struct option *lo, size_t nlo, char *so,
		    size_t nso)
{
	size_t nl = 0, ns = 0;
	int val = 256;

	for (; *tables; tables++) {
		for (const struct lu2k_opt *t = *tables; !lu2k_opt_is_end(t); t++, val++) {
			bool arg = t->type != LU2K_OPT_FLAG;

			if (!t->lopt)
				continue;
			if (nl + 2 > nlo || ns + 3 > nso)
				return -ENOSPC;
			lo[nl].name = t->lopt;
			lo[nl].has_arg = arg ? required_argument : no_argument;
			lo[nl].flag = NULL;
			lo[nl++].val = t->sopt ? t->sopt : val;
			if (t->sopt) {
				so[ns++] = t->sopt;
				if (arg)
					so[ns++] = ':';
			}
		}
	}
	memset(&lo[nl], 0, sizeof(lo[nl]));
	so[ns] = 0;
	return 0;
}

const struct lu2k_opt *lu2k_opt_by_val(const struct lu2k_opt *const *tables, int val)
{
	int i = 256;

	for (; *tables; tables++) {
		for (const struct lu2k_opt *t = *tables; !lu2k_opt_is_end(t); t++, i++) {
			if (!t->lopt)
				continue;
			if (t->sopt ? t->sopt == val : i == val)
				return t;
		}
	}
	return NULL;
}
