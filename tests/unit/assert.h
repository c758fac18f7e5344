/* A tiny test harness. A test is `TEST(name) { ... }` in a tests/unit test_*.c file;
 * the Makefile registers it. A failed ASSERT prints what it expected and what
 * it got, and ends that test. */
#ifndef GW_TEST_ASSERT_H
#define GW_TEST_ASSERT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

extern int gw_test_failed;

#define TEST(name) void test_##name(void); void test_##name(void)

#define FAIL_AT(...) do { \
	fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); \
	gw_test_failed = 1; \
	return; \
} while (0)

#define ASSERT(cond) do { if (!(cond)) FAIL_AT("expected %s", #cond); } while (0)

#define ASSERT_EQ_INT(exp, got) do { \
	long long e_ = (long long)(exp), g_ = (long long)(got); \
	if (e_ != g_) FAIL_AT("%s: expected %lld, got %lld", #got, e_, g_); \
} while (0)

#define ASSERT_EQ_U64(exp, got) do { \
	unsigned long long e_ = (unsigned long long)(exp), g_ = (unsigned long long)(got); \
	if (e_ != g_) FAIL_AT("%s: expected %llu, got %llu", #got, e_, g_); \
} while (0)

#define ASSERT_EQ_STR(exp, got) do { \
	const char *e_ = (exp), *g_ = (got); \
	if (!e_ || !g_ || strcmp(e_, g_) != 0) \
		FAIL_AT("%s: expected \"%s\", got \"%s\"", #got, e_ ? e_ : "(null)", g_ ? g_ : "(null)"); \
} while (0)

/* Path of a file under tests/data (tests run from the project root). */
#define TESTDATA(rel) "tests/data/" rel

#endif
