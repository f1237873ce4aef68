/* SPDX-License-Identifier: MIT */
/*
 * The daemon's JSON writer (common/json.c), read back by lu2kctl's reader
 * (tools/ctl/jsonv.c): commas, nesting, escapes, the integer extremes, and
 * errors that stick.
 */
#include "common/json.h"
#include "tools/ctl/jsonv.h"
#include "../t.h"

static void test_shape(void)
{
	struct lu2k_json j;

	lu2k_json_init(&j);
	lu2k_json_obj_begin(&j, NULL);
	lu2k_json_str(&j, "a", "x");
	lu2k_json_arr_begin(&j, "l");
	lu2k_json_u64(&j, NULL, 1);
	lu2k_json_obj_begin(&j, NULL);
	lu2k_json_bool(&j, "t", true);
	lu2k_json_bool(&j, "f", false);
	lu2k_json_obj_end(&j);
	lu2k_json_arr_begin(&j, NULL);
	lu2k_json_arr_end(&j);
	lu2k_json_arr_end(&j);
	lu2k_json_obj_begin(&j, "e");
	lu2k_json_obj_end(&j);
	lu2k_json_obj_end(&j);
	T_ASSERT(!j.err);
	T_STREQ(j.buf, "{\"a\":\"x\",\"l\":[1,{\"t\":true,\"f\":false},[]],\"e\":{}}");
	lu2k_json_free(&j);
}

static void test_values_read_back(void)
{
	static const char tricky[] = "q\"b\\s/n\nr\rt\tc\x01\x1f e\xc3\xa9 [fd00::1]@lu2k";
	struct lu2k_json j;
	const struct jv *v;
	struct jv *root;
	size_t off = 0;

	lu2k_json_init(&j);
	lu2k_json_obj_begin(&j, NULL);
	lu2k_json_str(&j, "s", tricky);
	lu2k_json_u64(&j, "umax", UINT64_MAX);
	lu2k_json_i64(&j, "imin", INT64_MIN);
	lu2k_json_i64(&j, "neg", -42);
	lu2k_json_str(&j, "k\"ey", "v");
	lu2k_json_obj_end(&j);
	T_ASSERT(!j.err);
	root = jv_parse(j.buf, &off);
	T_ASSERT(root && root->type == JV_OBJ);
	v = jv_get(root, "s");
	T_ASSERT(v && v->type == JV_STR);
	T_STREQ(v->text, tricky);
	v = jv_get(root, "umax");
	T_ASSERT(v && v->type == JV_NUM);
	T_STREQ(v->text, "18446744073709551615");
	T_STREQ(jv_get(root, "imin")->text, "-9223372036854775808");
	T_STREQ(jv_get(root, "neg")->text, "-42");
	T_ASSERT(jv_get(root, "k\"ey"));
	/* control characters never appear raw */
	for (const char *c = j.buf; *c; c++)
		T_ASSERT((unsigned char)*c >= 0x20);
	jv_free(root);
	lu2k_json_free(&j);
}

static void test_depth_error_sticks(void)
{
	struct lu2k_json j;
	int i;

	lu2k_json_init(&j);
	for (i = 0; i < LU2K_JSON_DEPTH + 2; i++)
		lu2k_json_arr_begin(&j, NULL);
	T_ASSERT(j.err);
	/* later calls neither clear the error nor crash */
	for (i = 0; i < LU2K_JSON_DEPTH + 2; i++)
		lu2k_json_arr_end(&j);
	lu2k_json_str(&j, "k", "v");
	T_ASSERT(j.err);
	lu2k_json_free(&j);
	/* an end without a begin is an error too, not a negative depth */
	lu2k_json_init(&j);
	lu2k_json_obj_end(&j);
	T_ASSERT(j.err);
	lu2k_json_free(&j);
}

static void test_large(void)
{
	struct lu2k_json j;
	struct jv *root;
	size_t off = 0;
	int n = 0;

	lu2k_json_init(&j);
	lu2k_json_arr_begin(&j, NULL);
	for (int i = 0; i < 20000; i++)
		lu2k_json_u64(&j, NULL, (uint64_t)i * 1000003);
	lu2k_json_arr_end(&j);
	T_ASSERT(!j.err);
	root = jv_parse(j.buf, &off);
	T_ASSERT(root && root->type == JV_ARR);
	for (const struct jv *k = root->kids; k; k = k->next)
		n++;
	T_EQ(n, 20000);
	jv_free(root);
	lu2k_json_free(&j);
}

int main(void)
{
	T_RUN(test_shape);
	T_RUN(test_values_read_back);
	T_RUN(test_depth_error_sticks);
	T_RUN(test_large);
	return t_done();
}
