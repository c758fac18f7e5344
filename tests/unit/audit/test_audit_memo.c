/* The per-read caches of parse_util.c: audit_ctx__memo works out fn once
 * per API name whatever the names' pointers, and rec__intern_last gives
 * the pool's own string for a field that takes turns among a few values,
 * never one of a pool emptied since. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assert.h"
#include "audit/audit_internal.h"
#include "lib/strpool.h"

static int calls;

static int api_len(const char *api)
{
	calls++;
	return (int)strlen(api);
}

/* Two names taking turns, for a thousand pairs of pointers: with one
 * entry per slot, some pair shared a slot and was worked out again on
 * every call. */
TEST(audit_memo_two_names_taking_turns)
{
	static char names[2048];
	struct audit_ctx *c = calloc(1, sizeof(*c));
	int worst = 0;

	ASSERT(c != NULL);
	memset(names, 'a', sizeof(names) - 1);
	for (size_t i = 1; i < 1024; i++) {
		audit_ctx__forget(c);
		calls = 0;
		for (int k = 0; k < 8; k++) {
			ASSERT_EQ_INT((int)strlen(names), audit_ctx__memo(c, names, api_len));
			ASSERT_EQ_INT((int)strlen(names + i), audit_ctx__memo(c, names + i, api_len));
		}
		if (calls > worst)
			worst = calls;
	}
	ASSERT_EQ_INT(2, worst);
	free(c);
}

TEST(audit_intern_last_values_taking_turns)
{
	static const char *const vals[] = { "REST.GET.OBJECT", "REST.PUT.OBJECT", "-x", "b",
					    "Boto3/1.34.0 md/Botocore#1.34.0 lang/python#3.11.2",
					    "Boto3/1.34.0 md/Botocore#1.34.1 lang/python#3.11.2" };
	const size_t nv = sizeof(vals) / sizeof(vals[0]);
	struct audit_ctx *c = calloc(1, sizeof(*c));
	struct rec_strs r;
	const char *got;
	char copy[64];

	ASSERT(c != NULL);
	c->pool = strpool__new();
	ASSERT(c->pool != NULL);
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < 40; i++) {
			const char *v = vals[(i * 7 + (size_t)round) % nv];

			/* the bytes from a buffer of their own, as a line's are */
			snprintf(copy, sizeof(copy), "%s", v);
			r = (struct rec_strs){ .c = c };
			got = rec__intern_last(&r, (unsigned)(i % 3), copy, strlen(copy), NULL);
			ASSERT_EQ_STR(v, got);
			ASSERT(got == strpool__intern(c->pool, v, strlen(v)));
			ASSERT(got != copy);
		}
		/* a new piece: the pool is emptied and what pointed into it forgotten */
		audit_ctx__forget(c);
		strpool__reset(c->pool);
	}
	strpool__free(c->pool);
	free(c);
}
