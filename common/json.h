/* SPDX-License-Identifier: MIT */
/*
 * json.h - a small JSON writer for the control socket: objects, arrays,
 * strings (escaped), integers, booleans. Commas are placed automatically.
 * Errors (out of memory, nesting too deep) are sticky and reported at the end.
 */
#ifndef LU2K_COMMON_JSON_H
#define LU2K_COMMON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LU2K_JSON_DEPTH 16

struct lu2k_json {
	char *buf;
	size_t len, cap;
	int depth;
	bool first[LU2K_JSON_DEPTH]; /* no member written yet at this depth */
	bool err;
};

void lu2k_json_init(struct lu2k_json *j);
void lu2k_json_free(struct lu2k_json *j);

/* key may be NULL inside arrays and at top level. */
void lu2k_json_obj_begin(struct lu2k_json *j, const char *key);
void lu2k_json_obj_end(struct lu2k_json *j);
void lu2k_json_arr_begin(struct lu2k_json *j, const char *key);
void lu2k_json_arr_end(struct lu2k_json *j);
void lu2k_json_str(struct lu2k_json *j, const char *key, const char *v);
void lu2k_json_u64(struct lu2k_json *j, const char *key, uint64_t v);
void lu2k_json_i64(struct lu2k_json *j, const char *key, int64_t v);
void lu2k_json_bool(struct lu2k_json *j, const char *key, bool v);
/* Append text as is (e.g. the final newline). */
void lu2k_json_raw(struct lu2k_json *j, const char *s);

#endif
