/* SPDX-License-Identifier: MIT */
/*
 * registry.c - the back-ends lu2kd knows, by name. The one place that lists
 * them; the daemon's core looks them up here and nowhere else.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"

extern const struct lu2k_backend_ops lu2k_backend_tcp;
extern const struct lu2k_backend_ops lu2k_backend_udt;
extern const struct lu2k_backend_ops lu2k_backend_rds;

static const struct lu2k_backend_ops *const backends[] = {
	&lu2k_backend_tcp,
	&lu2k_backend_udt,
	&lu2k_backend_rds,
};

const struct lu2k_backend_ops *lu2k_backend_find(const char *name)
{
	for (unsigned int i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

const struct lu2k_backend_ops *lu2k_backend_at(unsigned int i)
{
	return i < sizeof(backends) / sizeof(backends[0]) ? backends[i] : NULL;
}

struct lu2k_be *lu2k_backend_defaults(const struct lu2k_backend_ops *b,
				      const struct lu2k_be_env *env)
{
	struct lu2k_be *be = calloc(1, b->size);

	if (be)
		b->defaults(be, env);
	return be;
}
