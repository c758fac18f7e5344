/* first-sighting remembers, by principal, that its first hour is behind
 * it, so that later events need not look at its identity. Once the
 * baselines forget an idle identity (live, past the first-seen TTL), the
 * principal is new again: stolen instance credentials of a role session
 * that reappears after a month must be judged as a first sighting, even
 * the same day as the baselines forgot it. */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/detect.h"

#define T0 1795478400000LL   /* 2026-11-24T00:00:00Z */
#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)
#define SESSION "arn:aws:sts::123456789012:assumed-role/app/i-0a1b2c3d4e5f60001"
#define OTHER "arn:aws:sts::123456789012:assumed-role/app/i-0a1b2c3d4e5f60002"

/* Every string but the principal's is shared by the two sessions, so that
 * no string of the first is let go of before the baselines forget it. */
static struct audit_event ev_of(const char *who, int64_t t, const char *api, int action)
{
	struct audit_event e = {
		.time_ms = t, .cloud = GW_CLOUD_AWS, .action = (uint8_t)action,
		.outcome = GW_OUT_OK, .principal_type = GW_PT_ROLE, .principal_kind = GW_PK_WORKLOAD,
		.principal = who, .account = "123456789012", .access_key = "ASIAEXAMPLEWORKLOAD1",
		.source_ip = "203.0.113.40", .user_agent = "aws-cli/2.17.60",
		.region = "us-east-1", .service = "s3.amazonaws.com", .api = api,
		.bucket = action == GW_ACT_OBJECT_READ ? "app-data" : "", .object_key = "",
		.error_code = "", .request_id = "",
	};
	return e;
}

static size_t sightings(struct detector *d)
{
	const struct finding *const *fs;
	size_t n = detector__findings(d, &fs), hits = 0;

	for (size_t i = 0; i < n; i++)
		hits += !strcmp(fs[i]->rule_id, "first-sighting") && !strcmp(fs[i]->principal, SESSION);
	return hits;
}

/* Account-wide enumeration then a read, in the session's first hour. */
static void first_hour(struct detector *d, int64_t t)
{
	struct audit_event e = ev_of(SESSION, t, "ListBuckets", GW_ACT_LIST);

	detector__feed(d, &e);
	e = ev_of(SESSION, t + 60000, "GetObject", GW_ACT_OBJECT_READ);
	detector__feed(d, &e);
}

TEST(first_sighting_again_after_forgotten)
{
	struct detector_config c;
	struct detector *d;
	struct audit_event e;
	size_t before;

	detector_config__defaults(&c);
	c.live = 1;
	d = detector__new(&c);
	ASSERT(d != NULL);
	first_hour(d, T0 + 9 * HOUR_MS);
	/* three hours later, known: not new */
	e = ev_of(SESSION, T0 + 12 * HOUR_MS, "GetObject", GW_ACT_OBJECT_READ);
	detector__feed(d, &e);
	/* a month and more of another session's calls, one a day */
	for (int day = 1; day <= 32; day++) {
		e = ev_of(OTHER, T0 + day * DAY_MS + HOUR_MS, "GetObject", GW_ACT_OBJECT_READ);
		detector__feed(d, &e);
	}
	before = sightings(d);
	/* day 32, an hour after the baselines forgot it: new again */
	first_hour(d, T0 + 32 * DAY_MS + 2 * HOUR_MS);
	e = ev_of(OTHER, T0 + 32 * DAY_MS + 5 * HOUR_MS, "GetObject", GW_ACT_OBJECT_READ);
	detector__feed(d, &e);
	printf("first sightings: %zu on day 0, %zu in all\n", before, sightings(d));
	ASSERT_EQ_U64(1, before);
	ASSERT_EQ_U64(2, sightings(d));
	detector__flush(d);
	detector__free(d);
}
