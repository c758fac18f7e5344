/* Behavioural rules for identities without a baseline of their own yet:
 * bulk-download, read-volume and after-hours-access judge them with the
 * population of their kind (here: the role sessions, or the IAM users, of
 * one account). A new nightly job reading what the other jobs read stays
 * quiet; a new identity reading three times what the busiest of them read
 * at their peak, or working at an hour its population never works, is
 * found. Only members with a baseline of their own (14 active days) teach
 * a population. */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/detect.h"

#define DAY0 1792454400000LL   /* 2026-10-20T00:00:00Z, a Tuesday */
#define HOUR 3600000LL
#define DAY (24 * HOUR)
#define ACCT "111122223333"
#define SESSION(role) "arn:aws:sts::" ACCT ":assumed-role/" role "/i-0a1b2c3d4e5f60718"
#define USER(name) "arn:aws:iam::" ACCT ":user/" name

/* n GetObject calls of who over 50 minutes from t. */
static void reads(struct detector *d, const char *who, int type, int64_t t, int n)
{
	for (int i = 0; i < n; i++) {
		struct audit_event e = {
			.time_ms = t + (int64_t)i * (3000000 / n), .cloud = GW_CLOUD_AWS,
			.action = GW_ACT_OBJECT_READ, .outcome = GW_OUT_OK,
			.principal_type = (uint8_t)type, .principal_kind = GW_PK_OWN,
			.principal = who, .account = ACCT, .principal_account = ACCT,
			.access_key = type == GW_PT_USER ? "AKIAEXAMPLE000000001" : "ASIAEXAMPLE000000001",
			.source_ip = "203.0.113.41", .user_agent = "aws-sdk-go-v2/1.30.3",
			.region = "us-east-1", .service = "s3.amazonaws.com", .api = "GetObject",
			.bucket = "exports", .object_key = "exports/part-00001.csv.gz",
			.error_code = "", .request_id = "", .bytes_out = 100000, .created = "",
		};
		detector__feed(d, &e);
	}
}

/* Four nightly export jobs (one role each) read 150 objects at 02:00 for
 * fifteen days: their population's peak hour is about 150 reads. */
static struct detector *jobs_population(void)
{
	static const char *const jobs[] = {
		SESSION("export-a"), SESSION("export-b"), SESSION("export-c"), SESSION("export-d"),
	};
	struct detector *d = detector__new(NULL);

	for (int day = 0; d && day < 15; day++)
		for (size_t j = 0; j < sizeof(jobs) / sizeof(jobs[0]); j++)
			reads(d, jobs[j], GW_PT_ROLE, DAY0 + day * DAY + 2 * HOUR + (int64_t)j * 60000,
			      150);
	return d;
}

static size_t count_rule(struct detector *d, const char *rule, const char *who)
{
	const struct finding *const *fs;
	size_t n = detector__findings(d, &fs), k = 0;

	for (size_t i = 0; i < n; i++)
		k += !strcmp(fs[i]->rule_id, rule) && !strcmp(fs[i]->principal, who);
	return k;
}

static const char *evidence(struct detector *d, const char *rule, const char *who,
			    const char *key)
{
	const struct finding *const *fs;
	size_t n = detector__findings(d, &fs);

	for (size_t i = 0; i < n; i++) {
		if (strcmp(fs[i]->rule_id, rule) || strcmp(fs[i]->principal, who))
			continue;
		for (size_t k = 0; k < fs[i]->nevidence; k++)
			if (!strcmp(fs[i]->evidence[k].key, key))
				return fs[i]->evidence[k].value;
	}
	return NULL;
}

TEST(population_new_job_reading_like_its_kind_is_quiet)
{
	struct detector *d = jobs_population();
	const char *job = SESSION("export-new");

	ASSERT(d);
	/* Day 16, its first run: 160 reads at 02:00, like the others. */
	reads(d, job, GW_PT_ROLE, DAY0 + 16 * DAY + 2 * HOUR, 160);
	detector__flush(d);
	ASSERT_EQ_U64(0, count_rule(d, "bulk-download", job));
	ASSERT_EQ_U64(0, count_rule(d, "read-volume", job));
	ASSERT_EQ_U64(0, count_rule(d, "after-hours-access", job));
	detector__free(d);
}

TEST(population_new_identity_just_below_three_times)
{
	struct detector *d = jobs_population();
	const char *job = SESSION("export-new");

	ASSERT(d);
	/* The population's peak hour is at most 152 reads: 440 is within 3x. */
	reads(d, job, GW_PT_ROLE, DAY0 + 16 * DAY + 2 * HOUR, 440);
	detector__flush(d);
	ASSERT_EQ_U64(0, count_rule(d, "bulk-download", job));
	ASSERT_EQ_U64(0, count_rule(d, "read-volume", job));
	detector__free(d);
}

TEST(population_new_identity_above_three_times)
{
	struct detector *d = jobs_population();
	const char *job = SESSION("export-new");
	const char *basis;

	ASSERT(d);
	reads(d, job, GW_PT_ROLE, DAY0 + 16 * DAY + 2 * HOUR, 500);
	detector__flush(d);
	ASSERT_EQ_U64(1, count_rule(d, "bulk-download", job));
	ASSERT_EQ_U64(1, count_rule(d, "read-volume", job));
	basis = evidence(d, "read-volume", job, "baseline");
	ASSERT(basis && strstr(basis, "|role"));
	basis = evidence(d, "bulk-download", job, "baseline");
	ASSERT(basis && strstr(basis, "|role"));
	detector__free(d);
}

TEST(population_after_hours_by_kind)
{
	struct detector *d = jobs_population();
	const char *job = SESSION("export-new"), *user = USER("new-hire");

	ASSERT(d);
	/* Office users read in business hours for fifteen days... */
	for (int day = 0; day < 15; day++)
		for (int u = 0; u < 3; u++)
			reads(d, (const char *[]){ USER("ana"), USER("bo"), USER("cy") }[u], GW_PT_USER,
			      DAY0 + day * DAY + 10 * HOUR, 8);
	/* ...so a new user reading at 02:00 is unusual for users, while a new
	 * job at the hour its population works is not. */
	reads(d, user, GW_PT_USER, DAY0 + 16 * DAY + 2 * HOUR, 30);
	reads(d, job, GW_PT_ROLE, DAY0 + 16 * DAY + 2 * HOUR, 30);
	detector__flush(d);
	ASSERT_EQ_U64(1, count_rule(d, "after-hours-access", user));
	ASSERT_EQ_U64(0, count_rule(d, "after-hours-access", job));
	detector__free(d);
}

TEST(population_too_small_falls_back_to_floors)
{
	struct detector *d = detector__new(NULL);
	const char *job = SESSION("export-new");

	ASSERT(d);
	/* Four other jobs, but for ten days only: none has a baseline of its
	 * own, so the population teaches nothing and the floor decides. */
	for (int day = 0; day < 10; day++)
		for (int j = 0; j < 4; j++)
			reads(d, (const char *[]){ SESSION("export-a"), SESSION("export-b"),
						   SESSION("export-c"), SESSION("export-d") }[j],
			      GW_PT_ROLE, DAY0 + day * DAY + 2 * HOUR + j * 60000LL, 150);
	reads(d, job, GW_PT_ROLE, DAY0 + 10 * DAY + 2 * HOUR, 160);
	detector__flush(d);
	ASSERT_EQ_U64(1, count_rule(d, "bulk-download", job));
	ASSERT_EQ_U64(0, count_rule(d, "read-volume", job));
	detector__free(d);
}

/* Month or quarter end: several established users of the organisation read
 * far above their own baselines on one day. The first is high; those after
 * it the same day are medium and name how many peers were unusual before. */
TEST(read_volume_peers_busy_the_same_day_are_medium)
{
	static const char *const users[] = { USER("ana"), USER("bo"), USER("cy") };
	struct detector *d = detector__new(NULL);
	const char *e;

	ASSERT(d);
	for (int day = 0; day < 15; day++)
		for (int u = 0; u < 3; u++)
			reads(d, users[u], GW_PT_USER, DAY0 + day * DAY + 10 * HOUR, 10);
	/* Each hour is judged when it closes (here: at each flush). */
	reads(d, users[0], GW_PT_USER, DAY0 + 16 * DAY + 14 * HOUR, 400);
	detector__flush(d);
	reads(d, users[1], GW_PT_USER, DAY0 + 16 * DAY + 15 * HOUR, 400);
	detector__flush(d);
	reads(d, users[2], GW_PT_USER, DAY0 + 17 * DAY + 15 * HOUR, 400);   /* alone */
	detector__flush(d);
	ASSERT_EQ_U64(1, count_rule(d, "read-volume", users[0]));
	ASSERT_EQ_U64(1, count_rule(d, "read-volume", users[1]));
	ASSERT_EQ_U64(1, count_rule(d, "read-volume", users[2]));
	ASSERT(evidence(d, "read-volume", users[0], "peers_unusual_today") == NULL);
	e = evidence(d, "read-volume", users[1], "peers_unusual_today");
	ASSERT(e && strcmp(e, "1") == 0);
	ASSERT(evidence(d, "read-volume", users[2], "peers_unusual_today") == NULL);
	detector__free(d);
}

/* A service that reads a little every hour and a batch of 60 at 02:00 has
 * a low hourly mean: a batch of 80 is within its own busiest hour by half
 * and is not unusual; one of 200 is. */
TEST(read_volume_hour_within_own_peak_is_ordinary)
{
	const char *svc = SESSION("reporter");
	struct detector *d = detector__new(NULL);

	ASSERT(d);
	for (int day = 0; day < 15; day++)
		for (int hour = 0; hour < 24; hour++)
			reads(d, svc, GW_PT_ROLE, DAY0 + day * DAY + hour * HOUR, hour == 2 ? 60 : 5);
	reads(d, svc, GW_PT_ROLE, DAY0 + 15 * DAY + 2 * HOUR, 80);
	detector__flush(d);
	ASSERT_EQ_U64(0, count_rule(d, "read-volume", svc));
	reads(d, svc, GW_PT_ROLE, DAY0 + 16 * DAY + 2 * HOUR, 200);
	detector__flush(d);
	ASSERT_EQ_U64(1, count_rule(d, "read-volume", svc));
	detector__free(d);
}
