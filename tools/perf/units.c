/* SPDX-License-Identifier: MIT */
/* units.c - scaled units for lu2k-perf's progress lines and summary. */
#include "units.h"

#include <stdio.h>

/* value / div with 3 significant digits (4 from 1000 up), then the unit */
static const char *fmt(double v, const char *unit, char *buf, size_t len)
{
	if (v >= 100 || v == 0)
		snprintf(buf, len, "%.0f %s", v, unit);
	else if (v >= 10)
		snprintf(buf, len, "%.1f %s", v, unit);
	else
		snprintf(buf, len, "%.2f %s", v, unit);
	return buf;
}

const char *perf_fmt_rate(double bps, char *buf, size_t len)
{
	/* rounded first, so that 999.7 kbit/s prints as 1.00 Mbit/s, not 1000 kbit/s */
	if (bps >= 999.5e6)
		return fmt(bps / 1e9, "Gbit/s", buf, len);
	if (bps >= 999.5e3)
		return fmt(bps / 1e6, "Mbit/s", buf, len);
	if (bps >= 999.5)
		return fmt(bps / 1e3, "kbit/s", buf, len);
	return fmt(bps, "bit/s", buf, len);
}

const char *perf_fmt_time(double ns, char *buf, size_t len)
{
	if (ns >= 999.5e6)
		return fmt(ns / 1e9, "s", buf, len);
	if (ns >= 999.5e3)
		return fmt(ns / 1e6, "ms", buf, len);
	if (ns >= 999.5)
		return fmt(ns / 1e3, "us", buf, len);
	return fmt(ns, "ns", buf, len);
}
