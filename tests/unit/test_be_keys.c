/* SPDX-License-Identifier: MIT */
/*
 * The keys each back-end lists for lu2kd --help: every one is a key its
 * check_option takes, with the default the list shows, so the help cannot
 * name a key that is gone or a default that is not one. The list is
 * complete only as far as review keeps it; a key missing from it is found by
 * reading, not here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backends/backend.h"
#include "../t.h"

static void test_listed_keys_are_taken(void)
{
	struct lu2k_be_env env = { .max_msg_size = (4u << 20) + 256 };
	char err[256];
	unsigned int nbe = 0, nkeys = 0;

	for (unsigned int i = 0; lu2k_backend_at(i); i++) {
		const struct lu2k_backend_ops *b = lu2k_backend_at(i);
		struct lu2k_be_option bogus = { "no_such_key", "1", "help:0" };

		struct lu2k_be *dflt;
		char v[128];

		nbe++;
		T_ASSERT(b->keys != NULL && b->size && b->defaults);
		dflt = lu2k_backend_defaults(b, &env);
		T_ASSERT(dflt != NULL);
		for (const struct lu2k_opt *k = b->keys; k->key; k++) {
			struct lu2k_be_option o = { k->key, v, "help:1" };

			/* the default as --help shows it is a value the key takes */
			lu2k_opt_default(k, dflt, v, sizeof(v));
			T_ASSERT(v[0]);

			err[0] = 0;
			if (b->check_option(&env, &o, err, sizeof(err)))
				T_FAIL_("%s: listed key %s = %s refused: %s", b->name, k->key, v,
					err);
			T_ASSERT(k->help && *k->help);
			/* a bad value is refused in the one style, saying what is expected */
			o.value = "x y";
			T_EQ(b->check_option(&env, &o, err, sizeof(err)), -EINVAL);
			if (!strstr(err, "help:1: key '") || !strstr(err, "': bad value 'x y'") ||
			    !strstr(err, "expected "))
				T_FAIL_("%s: %s: %s", b->name, k->key, err);
			nkeys++;
		}
		free(dflt);
		/* and check_option does refuse what is not a key */
		T_EQ(b->check_option(&env, &bogus, err, sizeof(err)), -EINVAL);
	}
	T_ASSERT(nbe >= 3);
	T_ASSERT(nkeys >= 30);
}

int main(void)
{
	T_RUN(test_listed_keys_are_taken);
	return t_done();
}
