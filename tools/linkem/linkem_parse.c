// SPDX-License-Identifier: MIT
/*
 * linkem_parse.c - parsers for times, rates, sizes, probabilities, the
 * Gilbert-Elliott tuple and outage schedules (formats in linkem_parse.h).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/rate.h"
#include "linkem_parse.h"

struct unit {
	const char *name;
	double mult;
};

/*
 * Reads a non-negative decimal number at the start of s: digits with an
 * optional fraction. strtod alone would also take signs, hex, "inf" and
 * "nan", none of which a parameter should be.
 */
static int read_number(const char *s, double *v, const char **end)
{
	const char *p = s;
	char *e;

	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return -EINVAL;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'e' || *p == 'E' || *p == 'x' || *p == 'X')
		return -EINVAL;
	*v = strtod(s, &e);
	if (e != p || !isfinite(*v))
		return -EINVAL;
	*end = p;
	return 0;
}

/* number followed by one of the units (exactly, case-insensitive) */
static int parse_scaled(const char *s, const struct unit *units, double *out)
{
	const char *u;
	double v;

	if (read_number(s, &v, &u))
		return -EINVAL;
	for (; units->name; units++) {
		if (!strcasecmp(u, units->name)) {
			*out = v * units->mult;
			return 0;
		}
	}
	return -EINVAL;
}

static int to_u64(double x, uint64_t *out)
{
	if (!(x >= 0.0) || x >= 18446744073709551616.0)
		return -ERANGE;
	*out = (uint64_t)llround(x);
	return 0;
}

int linkem_parse_time(const char *s, uint64_t *ns)
{
	static const struct unit units[] = {
		{ "ns", 1 },	{ "us", 1e3 },	 { "ms", 1e6 }, { "s", 1e9 },
		{ "sec", 1e9 }, { "min", 60e9 }, { NULL, 0 },
	};
	double v;

	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	if (parse_scaled(s, units, &v))
		return -EINVAL;
	if (v > 86400e9)
		return -ERANGE;
	return to_u64(v, ns);
}

int linkem_parse_rate(const char *s, uint64_t *bps)
{
	return lu2k_parse_rate(s, bps);
}

int linkem_parse_size(const char *s, uint64_t *bytes)
{
	static const struct unit units[] = {
		{ "", 1 },     { "b", 1 },	     { "kb", 1e3 }, { "kib", 1024.0 },
		{ "mb", 1e6 }, { "mib", 1048576.0 }, { "gb", 1e9 }, { "gib", 1073741824.0 },
		{ NULL, 0 },
	};
	double v;

	if (parse_scaled(s, units, &v))
		return -EINVAL;
	if (v > 1e15)
		return -ERANGE;
	return to_u64(v, bytes);
}

int linkem_parse_prob(const char *s, double *p)
{
	const char *u;
	double v;

	if (read_number(s, &v, &u))
		return -EINVAL;
	if (!strcmp(u, "%"))
		v /= 100.0;
	else if (*u)
		return -EINVAL;
	if (v > 1.0)
		return -ERANGE;
	*p = v;
	return 0;
}

int linkem_parse_queue(const char *s, uint64_t *bytes, uint64_t *ns)
{
	uint64_t v;

	if (!linkem_parse_time(s, &v) && strcmp(s, "0")) {
		*ns = v;
		*bytes = 0;
		return 0;
	}
	if (!linkem_parse_size(s, &v)) {
		*bytes = v;
		*ns = 0;
		return 0;
	}
	return -EINVAL;
}

/* Copies the next comma-separated field of *s into buf; advances *s. */
static int next_field(const char **s, char *buf, size_t cap)
{
	const char *c = strchr(*s, ',');
	size_t n = c ? (size_t)(c - *s) : strlen(*s);

	if (!n || n >= cap)
		return -EINVAL;
	memcpy(buf, *s, n);
	buf[n] = '\0';
	*s += n + (c ? 1 : 0);
	return 0;
}

int linkem_parse_ge(const char *s, struct linkem_ge *ge)
{
	double v[4] = { 0, 0, 1.0, 0.0 };
	char buf[64];
	int n = 0;

	while (*s) {
		if (n == 4 || next_field(&s, buf, sizeof(buf)) || linkem_parse_prob(buf, &v[n]))
			return -EINVAL;
		n++;
		if (!*s && s[-1] == ',')
			return -EINVAL; /* trailing comma */
	}
	if (n < 2)
		return -EINVAL;
	*ge = (struct linkem_ge){
		.on = true, .p = v[0], .r = v[1], .loss_bad = v[2], .loss_good = v[3]
	};
	return 0;
}

int linkem_parse_outage(const char *s, struct linkem_outage *o)
{
	struct linkem_outage t = { 0 };
	char buf[64], *plus, *slash, *colon;
	uint64_t count = 0;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	plus = strchr(buf, '+');
	if (!plus)
		return -EINVAL;
	*plus++ = '\0';
	slash = strchr(plus, '/');
	if (slash) {
		*slash++ = '\0';
		colon = strchr(slash, ':');
		if (colon) {
			*colon++ = '\0';
			if (linkem_parse_uint(colon, UINT32_MAX, &count) || !count)
				return -EINVAL;
		}
		if (linkem_parse_time(slash, &t.period_ns) || !t.period_ns)
			return -EINVAL;
	}
	if (linkem_parse_time(buf, &t.start_ns) || linkem_parse_time(plus, &t.len_ns) || !t.len_ns)
		return -EINVAL;
	if (t.period_ns && t.period_ns <= t.len_ns)
		return -ERANGE;
	t.count = (uint32_t)count;
	*o = t;
	return 0;
}

int linkem_parse_step(const char *s, struct linkem_step *st)
{
	struct linkem_step t = { 0 };
	char buf[64], *plus, *colon;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	plus = strchr(buf, '+');
	colon = plus ? strchr(plus, ':') : NULL;
	if (!colon)
		return -EINVAL;
	*plus++ = '\0';
	*colon++ = '\0';
	if (linkem_parse_time(buf, &t.start_ns) || linkem_parse_time(plus, &t.len_ns) ||
	    !t.len_ns || linkem_parse_rate(colon, &t.rate_bps) || !t.rate_bps)
		return -EINVAL;
	*st = t;
	return 0;
}

int linkem_parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		if (x > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	if (x > max)
		return -ERANGE;
	*v = x;
	return 0;
}
