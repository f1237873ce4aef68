/* SPDX-License-Identifier: MIT */
#include "num.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int lu2k_num_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	uint64_t mul = 1;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	/*
	 * Base 10, not 0: in base 0 "port = 010" was 8 and "0x1F" a number, which
	 * nobody editing a config expects. A leading zero is padding.
	 */
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		mul = 1ull << 10;
		end++;
		break;
	case 'm':
	case 'M':
		mul = 1ull << 20;
		end++;
		break;
	case 'g':
	case 'G':
		mul = 1ull << 30;
		end++;
		break;
	}
	if (*end || (v && mul > UINT64_MAX / v) || v * mul > max)
		return -EINVAL;
	*out = v * mul;
	return 0;
}
