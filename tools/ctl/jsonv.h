/* SPDX-License-Identifier: MIT */
/*
 * jsonv.h - a small JSON reader for lu2kctl: parses the daemon's answer into
 * a tree that the YAML and JSON printers walk. Strict: any syntax error fails
 * with the offset; nesting is bounded.
 */
#ifndef LU2K_CTL_JSONV_H
#define LU2K_CTL_JSONV_H

#include <stddef.h>

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jv {
	enum jv_type type;
	char *key;	 /* member name inside an object */
	char *text;	 /* JV_STR: the string; JV_NUM/JV_BOOL: the literal */
	struct jv *kids; /* JV_ARR/JV_OBJ: first child */
	struct jv *next; /* next sibling */
};

/* Parse text; NULL on error with *err_off set to the offending offset. */
struct jv *jv_parse(const char *text, size_t *err_off);
void jv_free(struct jv *v);
/* A deep copy of v (its members, not its siblings), or NULL without memory. */
struct jv *jv_dup(const struct jv *v);
/* The member named key of an object, or NULL. */
const struct jv *jv_get(const struct jv *obj, const char *key);

#endif
