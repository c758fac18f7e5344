#include <stdio.h>

#include "assert.h"
#include "strpool.h"

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
