/* An Azure operation logged as started is judged, but its finding waits
 * for the operation's result record (same correlation id): emitted when it
 * succeeded, withdrawn when it failed, emitted as "result not logged" when
 * no result came within an hour or at flush; at most SINGLE_HELD wait per
 * rule, the oldest going out first. */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/detect_internal.h"

#define T0 1767225600000LL   /* 2026-01-01T00:00:00Z */
#define LIST_KEYS "Microsoft.Storage/storageAccounts/listKeys/action"
#define RULE "storage-credential-created"

static struct audit_event az(int64_t t, const char *corr, int started, int outcome)
{
	struct audit_event e = {
		.time_ms = t, .cloud = GW_CLOUD_AZURE, .action = GW_ACT_MANAGEMENT,
		.outcome = (uint8_t)outcome, .principal_type = GW_PT_USER,
		.principal = "admin@example.com", .account = "8f3c2a10",
		.access_key = "", .source_ip = "203.0.113.10", .user_agent = "",
		.region = "global", .service = "Microsoft.Storage", .api = LIST_KEYS,
		.bucket = "acct", .object_key = "", .error_code = "", .request_id = corr,
		.request = "", .started = (uint8_t)started,
	};

	return e;
}

static const struct finding *only(struct detector *d, size_t *n)
{
	const struct finding *const *fs;
	size_t all = detector__findings(d, &fs);
	const struct finding *last = NULL;

	*n = 0;
	for (size_t i = 0; i < all; i++)
		if (strcmp(fs[i]->rule_id, RULE) == 0) {
			last = fs[i];
			(*n)++;
		}
	return last;
}

static struct detector *fresh(void)
{
	struct detector_config cfg;

	detector_config__defaults(&cfg);
	return detector__new(&cfg);
}

static void feed(struct detector *d, int64_t t, const char *corr, int started, int outcome)
{
	struct audit_event e = az(t, corr, started, outcome);

	if (detector__feed(d, &e) != 0)
		fprintf(stderr, "feed failed\n");
}

TEST(single_started_operation_waits_for_its_result)
{
	struct detector_stats st;
	struct detector *d = fresh();
	const struct finding *f;
	size_t n;

	ASSERT(d);
	feed(d, T0, "op-ok", 1, GW_OUT_OK);
	only(d, &n);
	ASSERT_EQ_U64(0, n);                          /* started: held */
	feed(d, T0 + 1500, "op-ok", 0, GW_OUT_OK);
	f = only(d, &n);
	ASSERT_EQ_U64(1, n);                          /* succeeded: out, once */
	ASSERT_EQ_U64((uint64_t)T0, (uint64_t)f->start_ms);
	ASSERT(!finding__evidence(f, "result"));
	/* started, then denied: withdrawn, counted */
	feed(d, T0 + 2000, "op-denied", 1, GW_OUT_OK);
	feed(d, T0 + 2500, "op-denied", 0, GW_OUT_DENIED);
	/* accepted (async), then failed: withdrawn */
	feed(d, T0 + 3000, "op-async", 1, GW_OUT_OK);
	feed(d, T0 + 3100, "op-async", 1, GW_OUT_OK);
	feed(d, T0 + 9000, "op-async", 0, GW_OUT_ERROR);
	detector__flush(d);
	only(d, &n);
	ASSERT_EQ_U64(1, n);
	detector__stats(d, &st);
	ASSERT_EQ_U64(2, st.findings_failed);
	detector__free(d);
}

TEST(single_started_without_result_goes_out_after_an_hour)
{
	struct detector *d = fresh();
	const struct finding *f;
	size_t n;

	ASSERT(d);
	feed(d, T0, "op-lost", 1, GW_OUT_OK);
	feed(d, T0 + SINGLE_HOLD_MS - 1000, "other", 0, GW_OUT_DENIED);
	only(d, &n);
	ASSERT_EQ_U64(0, n);
	feed(d, T0 + SINGLE_HOLD_MS, "other", 0, GW_OUT_DENIED);
	f = only(d, &n);
	ASSERT_EQ_U64(1, n);
	ASSERT(finding__evidence(f, "result"));
	ASSERT_EQ_U64((uint64_t)T0, (uint64_t)f->start_ms);
	/* its result, late: nothing more */
	feed(d, T0 + SINGLE_HOLD_MS + 5, "op-lost", 0, GW_OUT_DENIED);
	detector__flush(d);
	only(d, &n);
	ASSERT_EQ_U64(1, n);
	detector__free(d);
}

TEST(single_started_goes_out_at_flush_and_the_bound_sends_the_oldest)
{
	struct detector *d = fresh();
	const struct finding *const *fs;
	char corr[SINGLE_HELD + 1][16];
	size_t n;

	ASSERT(d);
	for (int i = 0; i <= SINGLE_HELD; i++) {
		snprintf(corr[i], sizeof(corr[i]), "op-%d", i);
		feed(d, T0 + i, corr[i], 1, GW_OUT_OK);
	}
	only(d, &n);
	ASSERT_EQ_U64(1, n);                          /* one over the bound: the oldest */
	n = detector__findings(d, &fs);
	ASSERT_EQ_U64(1, n);
	ASSERT_EQ_U64((uint64_t)T0, (uint64_t)fs[0]->start_ms);
	detector__flush(d);
	only(d, &n);
	ASSERT_EQ_U64(SINGLE_HELD + 1, n);
	/* freeing with findings held loses none of the memory (ASan) */
	feed(d, T0 + 100000, "op-freed", 1, GW_OUT_OK);
	detector__free(d);
}
