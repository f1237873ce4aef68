/* SPDX-License-Identifier: MIT */
/*
 * t.h - the unit-test harness: one header, no dependencies.
 *
 * A test file defines functions `static void test_x(void)` and lists them in
 * main() with T_RUN(test_x); main returns t_done(). A failed check prints
 * file:line and the values, marks the current test failed and returns from it.
 */
#ifndef LU2K_TESTS_T_H
#define LU2K_TESTS_T_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int t_failed_tests, t_passed_tests, t_cur_failed;

#define T_FAIL_(...)                                              \
	do {                                                      \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                     \
		fputc('\n', stderr);                              \
		t_cur_failed = 1;                                 \
		return;                                           \
	} while (0)

#define T_ASSERT(c)                                          \
	do {                                                 \
		if (!(c))                                    \
			T_FAIL_("assertion failed: %s", #c); \
	} while (0)

#define T_EQ(a, b)                                                             \
	do {                                                                   \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);        \
		if (t_a_ != t_b_)                                              \
			T_FAIL_("%s == %s: %lld != %lld", #a, #b, t_a_, t_b_); \
	} while (0)

#define T_EQU(a, b)                                                            \
	do {                                                                   \
		unsigned long long t_a_ = (unsigned long long)(a);             \
		unsigned long long t_b_ = (unsigned long long)(b);             \
		if (t_a_ != t_b_)                                              \
			T_FAIL_("%s == %s: %llu != %llu", #a, #b, t_a_, t_b_); \
	} while (0)

#define T_STREQ(a, b)                                                              \
	do {                                                                       \
		const char *t_a_ = (a), *t_b_ = (b);                               \
		if (strcmp(t_a_, t_b_) != 0)                                       \
			T_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b, t_a_, t_b_); \
	} while (0)

#define T_MEMEQ(a, b, n)                                                             \
	do {                                                                         \
		if (memcmp((a), (b), (n)) != 0)                                      \
			T_FAIL_("memory %s != %s (%zu bytes)", #a, #b, (size_t)(n)); \
	} while (0)

#define T_RUN(fn)                                     \
	do {                                          \
		t_cur_failed = 0;                     \
		fn();                                 \
		if (t_cur_failed) {                   \
			t_failed_tests++;             \
			printf("not ok - %s\n", #fn); \
		} else {                              \
			t_passed_tests++;             \
			printf("ok - %s\n", #fn);     \
		}                                     \
		fflush(stdout);                       \
	} while (0)

static inline int t_done(void)
{
	/* a check that failed outside T_RUN (main's own) fails the program too */
	if (t_cur_failed && !t_failed_tests)
		t_failed_tests++;
	printf("%d passed, %d failed\n", t_passed_tests, t_failed_tests);
	return t_failed_tests ? 1 : 0;
}

#endif
