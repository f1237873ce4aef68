/* SPDX-License-Identifier: MIT */
/* lu2k-perf: traffic like LNet selftest over liblu2k (see perf.h, doc/lu2k-perf.md). */
#include "perf.h"

int main(int argc, char **argv)
{
	struct perf_opts o;
	int rc = perf_parse_args(argc, argv, &o);

	if (rc)
		return rc > 0 ? 0 : 2;
	perf_signals();
	return o.server ? perf_server(&o) : perf_client(&o);
}
