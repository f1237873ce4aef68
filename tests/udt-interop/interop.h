/* SPDX-License-Identifier: MIT */
/* interop.h - the messages both interop peers agree on. */
#ifndef LU2K_TESTS_UDT_INTEROP_H
#define LU2K_TESTS_UDT_INTEROP_H

#include <stddef.h>
#include <stdint.h>

#define INTEROP_MAXMSG (1 << 20)

static inline size_t interop_size(int k)
{
	uint32_t x = (uint32_t)k * 2654435761u;

	if (x % 5 == 0)
		return 100000 + x % 400000;
	if (x % 3 == 0)
		return 1 + x % 1456;
	return 1456 * (1 + x % 16) + x % 1000;
}

static inline uint8_t interop_byte(int k, size_t i)
{
	return (uint8_t)((uint32_t)k * 131u + i * 7u + (i >> 8));
}

#endif
