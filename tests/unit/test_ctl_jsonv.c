/* SPDX-License-Identifier: MIT */
/* Unit tests of lu2kctl's JSON reader (tools/ctl/jsonv.c). */
#include "tools/ctl/jsonv.h"
#include "../t.h"

static void test_parse(void)
{
	struct jv *v = jv_parse(" {\"a\": [1, -2.5e3, true, null, \"x\\\"y\\u0041\"], \"b\": {}, "
				"\"c\": []}\n",
				NULL);
	const struct jv *a, *k;

	T_ASSERT(v && v->type == JV_OBJ);
	a = jv_get(v, "a");
	T_ASSERT(a && a->type == JV_ARR);
	k = a->kids;
	T_ASSERT(k->type == JV_NUM);
	T_STREQ(k->text, "1");
	k = k->next;
	T_STREQ(k->text, "-2.5e3");
	k = k->next;
	T_ASSERT(k->type == JV_BOOL);
	k = k->next;
	T_ASSERT(k->type == JV_NULL);
	k = k->next;
	T_ASSERT(k->type == JV_STR);
	T_STREQ(k->text, "x\"yA");
	T_ASSERT(jv_get(v, "b")->type == JV_OBJ && !jv_get(v, "b")->kids);
	T_ASSERT(jv_get(v, "c")->type == JV_ARR);
	T_ASSERT(jv_get(v, "d") == NULL);
	jv_free(v);
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"",
		"{",
		"{\"a\"}",
		"{\"a\":}",
		"{\"a\":1,}",
		"[1 2]",
		"{\"a\":1} x",
		"\"abc",
		"\"a\\q\"",
		"\"\\u12g4\"",
		"{a:1}",
		"tru",
		"-",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]"
		"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
		"\"a\x01\"",
	};

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t off = 0;
		struct jv *v = jv_parse(bad[i], &off);

		if (v) {
			jv_free(v);
			T_FAIL_("accepted malformed JSON #%u: %s", i, bad[i]);
		}
	}
}

int main(void)
{
	T_RUN(test_parse);
	T_RUN(test_malformed);
	return t_done();
}
