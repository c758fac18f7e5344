#include <stdio.h>
#include <stdlib.h>

#include "assert.h"
#include "lib/strpool.h"

TEST(strpool_interns_once)
{
	struct strpool *p = strpool__new();
	const char *a, *b, *c;
	char buf[32];

	ASSERT(p);
	a = strpool__intern(p, "GetObject-xyz", 9);
	b = strpool__intern_str(p, "GetObject");
	c = strpool__intern_str(p, "PutObject");
	ASSERT_EQ_STR("GetObject", a);
	ASSERT(a == b);
	ASSERT(a != c);
	ASSERT_EQ_STR("", strpool__intern(p, "x", 0));
	/* Past the first table size: everything still found, and found once. */
	for (int i = 0; i < 5000; i++) {
		snprintf(buf, sizeof(buf), "key-%d", i);
		ASSERT(strpool__intern_str(p, buf));
	}
	ASSERT_EQ_U64(5002, strpool__count(p));
	ASSERT(strpool__intern_str(p, "GetObject") == a);
	strpool__free(p);
}

TEST(strpool_reset_forgets_and_keeps_working)
{
	struct strpool *p = strpool__new();
	size_t full, after[3], big = 100 * 1024;
	char buf[32], *huge = malloc(big);
	const char *a;

	ASSERT(p && huge);
	memset(huge, 'x', big);
	for (int i = 0; i < 20000; i++) {
		snprintf(buf, sizeof(buf), "request-%d", i);
		ASSERT(strpool__intern_str(p, buf));
	}
	ASSERT(strpool__intern(p, huge, big));
	ASSERT_EQ_U64(20001, strpool__count(p));
	full = strpool__bytes(p);
	strpool__reset(p);
	ASSERT_EQ_U64(0, strpool__count(p));
	/* the table and one chunk stay; the other chunks, the big string's too, go */
	ASSERT(strpool__bytes(p) < full - big - 3 * 64 * 1024);
	/* what comes after is interned as in a new pool, in the same memory */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 20000; i++) {
			snprintf(buf, sizeof(buf), "object-%d-%d", round, i);
			a = strpool__intern_str(p, buf);
			ASSERT(a);
			ASSERT_EQ_STR(buf, a);
			ASSERT(strpool__intern_str(p, buf) == a);
		}
		ASSERT_EQ_U64(20000, strpool__count(p));
		strpool__reset(p);
		after[round] = strpool__bytes(p);
	}
	ASSERT_EQ_U64(after[0], after[2]);
	ASSERT(strpool__intern_str(p, "GetObject") == strpool__intern_str(p, "GetObject"));
	strpool__free(p);
	free(huge);
}
