/* SPDX-License-Identifier: MIT */
/* rate.c - bit rates as lu2k's tools write them (see rate.h). */
#include "rate.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

int lu2k_parse_rate(const char *s, uint64_t *bps)
{
	static const struct {
		const char *name;
		double mult;
	} units[] = {
		{ "bit", 1 },	{ "kbit", 1e3 },   { "mbit", 1e6 },   { "gbit", 1e9 },
		{ "bit/s", 1 }, { "kbit/s", 1e3 }, { "mbit/s", 1e6 }, { "gbit/s", 1e9 },
	};
	const char *p = s;
	double v;

	/* digits with an optional fraction: no sign, exponent, hex, inf or nan */
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return -EINVAL;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	v = strtod(s, NULL);
	for (unsigned int i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(p, units[i].name))
			continue;
		v *= units[i].mult;
		if (v < 1 || v > 1e12)
			return -ERANGE;
		*bps = (uint64_t)(v + 0.5);
		return 0;
	}
	return -EINVAL;
}
