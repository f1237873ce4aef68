/* SPDX-License-Identifier: MIT */
/* config_be.c - back-end sections checked against the registry (see config_be.h). */
#include "config_be.h"

#include <string.h>

/* "tcp udt": the names built in, for messages. */
static void backend_names(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (unsigned int i = 0; lu2k_backend_at(i) && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : "",
					lu2k_backend_at(i)->name);
}

unsigned int lu2kd_config_check_backends(const struct lu2kd_config *c,
					 const struct lu2k_be_env *env, FILE *f)
{
	const struct lu2k_backend_ops *chosen = lu2k_backend_find(c->backend);
	unsigned int errors = 0;
	char names[128], err[512];

	backend_names(names, sizeof(names));
	if (!chosen) {
		fprintf(f, "lu2kd: key 'backend': unknown back-end '%s' (built in: %s)\n",
			c->backend, names);
		errors++;
	}
	for (unsigned int i = 0; i < c->nbe_opts; i++) {
		const struct lu2kd_be_opt *o = &c->be_opts[i];
		const struct lu2k_be_option opt = { o->key, o->value, o->where };
		const struct lu2k_backend_ops *ops;

		if (!strcmp(o->section, "backend")) {
			ops = chosen;
			if (!ops) /* already said: the back-end is unknown */
				continue;
		} else {
			ops = lu2k_backend_find(o->section);
			if (!ops) {
				fprintf(f,
					"lu2kd: %s: key '%s': section [%s] names no back-end "
					"(built in: %s; [backend] is for the chosen one)\n",
					o->where, o->key, o->section, names);
				errors++;
				continue;
			}
		}
		if (!ops->check_option)
			continue; /* checked by create() when it runs */
		err[0] = 0;
		if (ops->check_option(env, &opt, err, sizeof(err))) {
			fprintf(f, "lu2kd: %s\n", err[0] ? err : o->where);
			errors++;
		}
	}
	return errors;
}
