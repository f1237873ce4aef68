/* SPDX-License-Identifier: MIT */
/*
 * num.h - numbers as admins write them in configs and on command lines.
 */
#ifndef LU2K_COMMON_NUM_H
#define LU2K_COMMON_NUM_H

#include <stdint.h>

/*
 * Parse sizes ("4M", "65536", "1G") and plain unsigned integers, always in
 * base 10 ("010" is ten; "0x10" is an error). 0 or -EINVAL.
 */
int lu2k_num_parse_u64(const char *s, uint64_t max, uint64_t *out);

#endif
