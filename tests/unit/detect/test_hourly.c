#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/detect.h"
#include "detect/detect_internal.h"

/* The hourly table grows in place through several doublings: every
 * principal keeps its one entry, with its count, however the entries were
 * moved. */
TEST(hourly_table_grows_keeping_every_entry)
{
	struct detector *d = detector__new(NULL);
	struct hourly b;
	struct hourly_ent *e;
	struct audit_event ev;
	char arn[80];
	int n = 20000;

	ASSERT(d);
	ASSERT_EQ_INT(0, hourly__init(&b, 100000));
	memset(&ev, 0, sizeof(ev));
	ev.time_ms = 1772445600000LL;   /* 2026-03-02 10:00 UTC */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < n; i++) {
			snprintf(arn, sizeof(arn), "arn:aws:iam::111122223333:user/u-%d", i);
			ev.principal = arn;
			ASSERT_EQ_INT(0, hourly__get(&b, d, &ev, &e));
			ASSERT(e);
			ASSERT_EQ_U64(round ? (uint64_t)i % 7 : 0, e->n);
			if (!round)
				e->n = (uint32_t)(i % 7);
		}
	}
	ASSERT_EQ_U64((uint64_t)n, b.used);
	ASSERT(b.nslots >= (size_t)n * 4 / 3);
	hourly__fini(&b);
	detector__free(d);
}
