/* The copies of an event's strings found ahead of feeding it
 * (detector__feed_batch): right when the reader hands an address out again
 * for another string, and never kept past a sweep of the pool. */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/evstr.h"
#include "lib/strpool.h"

static struct audit_event event_of(const char *who)
{
	struct audit_event e = {
		.time_ms = 1792454400000LL, .cloud = GW_CLOUD_AWS, .action = GW_ACT_OBJECT_READ,
		.principal = who, .account = "111122223333", .access_key = "AKIAEXAMPLESTRINGS01",
		.source_ip = "203.0.113.10", .user_agent = "aws-cli/2.17.60",
		.region = "us-east-1", .service = "s3.amazonaws.com", .api = "GetObject",
		.bucket = "reports", .object_key = "q3.csv",
	};

	return e;
}

/* The copy of ev's principal once fed, found ahead with a. */
static const char *fed_principal(struct evstr *es, const struct audit_event *ev,
				 const struct evstr_ahead *a)
{
	const char *r;

	evstr__begin_ahead(es, ev, a);
	evstr__resolve(es);
	r = es->cur.out[EVF_PRINCIPAL];
	evstr__end(es);
	return r;
}

TEST(evstr_ahead_follows_a_reused_address)
{
	struct strpool *pool = strpool__new();
	struct evstr es;
	struct evstr_ahead a;
	char who[80];
	struct audit_event ev = event_of(who);
	const char *alice, *carol;

	ASSERT(pool && evstr__init(&es, pool) == 0);
	snprintf(who, sizeof(who), "arn:aws:iam::111122223333:user/alice");
	evstr__peek(&es, &ev, &a);
	ASSERT(evstr__ahead_str(&es, &a, EVF_PRINCIPAL) == NULL);   /* not cached yet */
	ASSERT(evstr__ahead_str(&es, &a, EVF_BUCKET) == NULL);
	alice = fed_principal(&es, &ev, &a);
	ASSERT_EQ_STR(who, alice);
	evstr__peek(&es, &ev, &a);
	ASSERT(evstr__ahead_str(&es, &a, EVF_PRINCIPAL) == alice);
	ASSERT(fed_principal(&es, &ev, &a) == alice);
	/* the same address, another string of the same length */
	snprintf(who, sizeof(who), "arn:aws:iam::111122223333:user/carol");
	evstr__peek(&es, &ev, &a);
	ASSERT(evstr__ahead_str(&es, &a, EVF_PRINCIPAL) == NULL);
	carol = fed_principal(&es, &ev, &a);
	ASSERT_EQ_STR(who, carol);
	ASSERT(carol == strpool__intern_str(pool, who));
	/* found ahead for another event: not taken for this one */
	{
		struct audit_event other = event_of("arn:aws:iam::111122223333:user/dave");

		evstr__peek(&es, &other, &a);
		ASSERT(fed_principal(&es, &ev, &a) == carol);
	}
	/* empty and absent fields are the empty string */
	ev.bucket = "";
	ev.access_key = NULL;
	evstr__peek(&es, &ev, &a);
	ASSERT_EQ_STR("", evstr__ahead_str(&es, &a, EVF_BUCKET));
	ASSERT_EQ_STR("", evstr__ahead_str(&es, &a, EVF_ACCESS_KEY));
	evstr__fini(&es);
	strpool__free(pool);
}

TEST(evstr_ahead_is_dropped_by_a_sweep)
{
	struct strpool *pool = strpool__new();
	struct strpool_marks *m;
	struct evstr es;
	struct evstr_ahead a;
	struct audit_event ev = event_of("arn:aws:iam::111122223333:user/alice");
	const char *alice, *again;
	char filler[64];

	ASSERT(pool && evstr__init(&es, pool) == 0);
	alice = fed_principal(&es, &ev, &a);
	/* more strings than a chunk holds: alice's chunk is not the one being
	 * filled, and goes with a sweep that nothing survives */
	for (int i = 0; i < 4000; i++) {
		snprintf(filler, sizeof(filler), "filler-string-%06d-abcdefghijklmnopqrst", i);
		ASSERT(strpool__intern_str(pool, filler) != NULL);
	}
	evstr__peek(&es, &ev, &a);
	ASSERT(evstr__ahead_str(&es, &a, EVF_PRINCIPAL) == alice);
	m = strpool__marks_new(pool);
	ASSERT(m != NULL);
	ASSERT(strpool__sweep(pool, m) > 0);
	evstr__clear(&es);
	ASSERT(evstr__ahead_str(&es, &a, EVF_PRINCIPAL) == NULL);
	again = fed_principal(&es, &ev, &a);
	ASSERT(again == strpool__intern_str(pool, ev.principal));
	ASSERT(again != alice);
	ASSERT_EQ_STR(ev.principal, again);
	evstr__fini(&es);
	strpool__free(pool);
}
