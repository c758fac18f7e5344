/* Every [detect] threshold at its boundary: each test sets the key to a
 * value other than its default, builds the same quiet history (an IAM user,
 * 20 weekdays of office-hours work, 4 calls an hour), then probes just
 * below, at and just above the value. Findings before the probe day only
 * build baselines (report_from_ms), so a count is the probe's alone.
 * Also: the after-hours habit share (an hour of the week the identity works
 * most weeks is its own normal; one earlier week is not), and both edges of
 * business hours. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assert.h"
#include "config/config.h"
#include "detect/detect.h"

#define DAY0 1792454400000LL   /* 2026-10-20T00:00:00Z, a Tuesday */
#define HOUR 3600000LL
#define DAY (24 * HOUR)
#define PROBE_DAY (DAY0 + 28 * DAY)   /* a Tuesday after 20 weekdays */
#define SATURDAY (DAY0 + 32 * DAY)
#define USER "arn:aws:iam::111122223333:user/floors"

static struct audit_event ev(int64_t t, const char *api, int action)
{
	struct audit_event e = {
		.time_ms = t, .cloud = GW_CLOUD_AWS, .action = (uint8_t)action,
		.outcome = GW_OUT_OK, .principal_type = GW_PT_USER, .key_long_term = 1,
		.principal = USER, .account = "111122223333", .access_key = "AKIAEXAMPLEFLOORS001",
		.source_ip = "203.0.113.10", .user_agent = "aws-cli/2.17.60 md/awscrt#0.21.2",
		.region = "us-east-1", .service = "s3.amazonaws.com", .api = api,
		.bucket = "team-data", .object_key = "reports/a.csv", .error_code = "",
		.request_id = "", .bytes_out = 5000,
	};

	return e;
}

/* 28 calendar days: weekdays 09:00-16:59, 2 reads and 2 lists an hour and
 * one same-bucket copy a day;
 * with sat_weeks, also 30 reads at 22:00 on that many of the Saturdays. */
static void history(struct detector *d, int sat_weeks)
{
	struct audit_event e;

	for (int day = 0; day < 28; day++) {
		int dow = (day + 1) % 7;   /* Monday = 0 */

		if (dow == 5 && sat_weeks > 0 && (day - 4) / 7 < sat_weeks) {
			for (int i = 0; i < 30; i++) {
				e = ev(DAY0 + day * DAY + 22 * HOUR + i * 60000, "GetObject",
				       GW_ACT_OBJECT_READ);
				detector__feed(d, &e);
			}
		}
		if (dow >= 5)
			continue;
		for (int h = 9; h < 17; h++) {
			for (int i = 0; i < 4; i++) {
				int64_t t = DAY0 + day * DAY + h * HOUR + i * 600000;

				e = i % 2 ? ev(t, "GetObject", GW_ACT_OBJECT_READ) :
					    ev(t, "ListObjects", GW_ACT_LIST);
				detector__feed(d, &e);
			}
		}
		/* A daily copy within the team's own bucket (a rename), spelled as
		 * Cloud Storage logs it: a copy, never to a foreign bucket. */
		e = ev(DAY0 + day * DAY + 12 * HOUR + 1000, "storage.objects.rewrite", GW_ACT_OBJECT_COPY);
		detector__feed(d, &e);
	}
}

static struct detector *detector_with(const struct detector_config *cfg, int sat_weeks)
{
	struct detector_config c = *cfg;
	struct detector *d;

	c.report_from_ms = PROBE_DAY;
	d = detector__new(&c);
	if (d)
		history(d, sat_weeks);
	return d;
}

static size_t count(struct detector *d, const char *rule)
{
	const struct finding *const *fs;
	size_t n, k = 0;

	detector__flush(d);
	n = detector__findings(d, &fs);
	for (size_t i = 0; i < n; i++)
		k += strcmp(fs[i]->rule_id, rule) == 0;
	return k;
}

/* n object reads of bucket within 50 minutes from t0. */
static void reads(struct detector *d, int64_t t0, int n, const char *bucket)
{
	struct audit_event e;

	for (int i = 0; i < n; i++) {
		e = ev(t0 + (int64_t)i * (3000000 / n), "GetObject", GW_ACT_OBJECT_READ);
		e.bucket = bucket;
		detector__feed(d, &e);
	}
}

/* Expect 0, 1, 1 findings of rule for probe sizes value-1, value, value+1. */
#define BOUNDARY(cfg, value, rule, probe) do { \
	for (int k_ = -1; k_ <= 1; k_++) { \
		struct detector *d_ = detector_with(&(cfg), 0); \
		int n_ = (int)(value) + k_; \
		size_t got_; \
		ASSERT(d_); \
		probe; \
		got_ = count(d_, rule); \
		detector__free(d_); \
		if ((got_ > 0) != (k_ >= 0)) \
			FAIL_AT("%s at %d (key %d): %zu findings", rule, n_, (int)(value), got_); \
	} \
} while (0)

TEST(detect_floor_bulk_threshold)
{
	struct detector_config c;

	detector_config__defaults(&c);
	c.bulk_threshold = 40;   /* fires above it: 41 reads within the window */
	BOUNDARY(c, 41, "bulk-download", reads(d_, PROBE_DAY + 17 * HOUR, n_, "team-data"));
}

TEST(detect_floor_read_hour)
{
	struct detector_config c;

	detector_config__defaults(&c);
	c.read_hour_floor = 45;
	c.read_day_floor = 100000;
	BOUNDARY(c, 45, "read-volume", reads(d_, PROBE_DAY + 17 * HOUR, n_, "team-data"));
}

TEST(detect_floor_read_day)
{
	struct detector_config c;

	detector_config__defaults(&c);
	c.read_day_floor = 120;
	c.read_hour_floor = 100000;
	c.bulk_threshold = 100000;
	BOUNDARY(c, 120, "read-volume", reads(d_, PROBE_DAY + 17 * HOUR, n_, "team-data"));
}

TEST(detect_floor_bucket_read)
{
	struct detector_config c;

	detector_config__defaults(&c);
	c.bucket_read_floor = 70;
	c.bulk_threshold = 100000;
	BOUNDARY(c, 70, "bucket-read-spike", reads(d_, PROBE_DAY + 17 * HOUR, n_, "team-data"));
}

TEST(detect_floor_after_hours)
{
	struct detector_config c;

	detector_config__defaults(&c);
	c.after_hours_floor = 25;
	BOUNDARY(c, 25, "after-hours-access", reads(d_, SATURDAY + 22 * HOUR, n_, "team-data"));
}

/* n denials in one hour, spread round-robin over napis distinct APIs. */
static void denials(struct detector *d, int64_t t0, int n, int napis)
{
	static const char *const apis[] = { "ListUsers", "ListKeys", "ListSecrets", "ListRoles",
					    "GetAccountSummary", "ListPolicies" };
	struct audit_event e;

	for (int i = 0; i < n; i++) {
		e = ev(t0 + i * 30000, apis[i % napis], GW_ACT_MANAGEMENT);
		e.service = "iam.amazonaws.com";
		e.bucket = "";
		e.outcome = GW_OUT_DENIED;
		e.error_code = "AccessDenied";
		detector__feed(d, &e);
	}
}

TEST(detect_floor_denied)
{
	struct detector_config c;

	detector_config__defaults(&c);
	c.denied_min = 7;
	BOUNDARY(c, 7, "access-denied-cluster", denials(d_, PROBE_DAY + 17 * HOUR, n_, 2));
}

TEST(detect_floor_denied_apis)
{
	struct detector_config c;

	detector_config__defaults(&c);
	c.denied_min_apis = 3;
	BOUNDARY(c, 3, "access-denied-cluster", denials(d_, PROBE_DAY + 17 * HOUR, 12, n_));
}

/* n list calls in one hour over nb buckets. */
static void lists(struct detector *d, int64_t t0, int n, int nb)
{
	static char names[64][16];
	struct audit_event e;

	for (int i = 0; i < n; i++) {
		snprintf(names[i % nb % 64], sizeof(names[0]), "bkt-%02d", i % nb % 64);
		e = ev(t0 + (int64_t)i * (3000000 / n), "ListObjects", GW_ACT_LIST);
		e.bucket = names[i % nb % 64];
		detector__feed(d, &e);
	}
}

TEST(detect_floor_list_calls)
{
	struct detector_config c;

	detector_config__defaults(&c);
	c.list_floor = 40;
	BOUNDARY(c, 40, "enumeration-spike", lists(d_, PROBE_DAY + 17 * HOUR, n_, 1));
}

TEST(detect_floor_list_buckets)
{
	struct detector_config c;

	detector_config__defaults(&c);
	c.list_buckets_floor = 12;
	BOUNDARY(c, 12, "enumeration-spike", lists(d_, PROBE_DAY + 17 * HOUR, n_, n_));
}

/* Calls in the home region and n - 1 others within the hour. */
static void regions(struct detector *d, int64_t t0, int n)
{
	static const char *const names[] = { "us-east-1", "us-west-2", "eu-west-1", "eu-central-1",
					     "ap-southeast-1", "sa-east-1", "ap-northeast-1" };
	struct audit_event e;

	for (int i = 0; i < 2 * n; i++) {
		e = ev(t0 + i * 60000, "DescribeInstances", GW_ACT_OTHER);
		e.service = "ec2.amazonaws.com";
		e.bucket = "";
		e.region = names[i % n];
		detector__feed(d, &e);
	}
}

TEST(detect_floor_regions)
{
	struct detector_config c;

	detector_config__defaults(&c);
	c.regions_min = 4;
	BOUNDARY(c, 4, "multi-region-burst", regions(d_, PROBE_DAY + 17 * HOUR, n_));
}

/* An hour of the week the identity works most weeks is its own normal (a
 * share of weeks above 0.25); one earlier week in four is not. */
TEST(detect_after_hours_habit_share)
{
	struct detector_config c;
	struct detector *d;

	detector_config__defaults(&c);
	d = detector_with(&c, 4);   /* every Saturday at 22:00: share 4 in 4.6 weeks */
	ASSERT(d);
	reads(d, SATURDAY + 22 * HOUR, 30, "team-data");
	ASSERT_EQ_U64(0, count(d, "after-hours-access"));
	detector__free(d);
	d = detector_with(&c, 1);   /* one Saturday in 4.6 weeks: 0.22 */
	ASSERT(d);
	reads(d, SATURDAY + 22 * HOUR, 30, "team-data");
	ASSERT_EQ_U64(1, count(d, "after-hours-access"));
	detector__free(d);
}

/* Business hours are [start, end): 07:xx and 18:xx are after hours, 08:xx
 * and 17:xx are not (start and end set away from their defaults). */
TEST(detect_after_hours_edges)
{
	static const struct {
		int hour, after;
	} cases[] = { { 6, 1 }, { 7, 0 }, { 16, 0 }, { 17, 1 } };
	struct detector_config c;

	detector_config__defaults(&c);
	c.work_start_hour = 7;
	c.work_end_hour = 17;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct detector *d = detector_with(&c, 0);
		size_t n;

		ASSERT(d);
		reads(d, PROBE_DAY + cases[i].hour * HOUR, 30, "team-data");
		n = count(d, "after-hours-access");
		detector__free(d);
		if (n != (size_t)cases[i].after)
			FAIL_AT("reads at %02d:00 with business hours 07-17: %zu findings, expected %d",
				cases[i].hour, n, cases[i].after);
	}
}

static size_t incidents(struct detector *d)
{
	const struct incident *const *in;

	detector__flush(d);
	return detector__incidents(d, &in);
}

/* A copy to a bucket nobody in the organisation uses (a strong finding,
 * but not one that stands alone) at 10:00, and a first-time API call
 * `after` ms later: one incident when the gap is within incident_gap_sec. */
static struct detector *copy_then_api(const struct detector_config *c, int64_t after)
{
	struct detector *d = detector_with(c, 0);
	struct audit_event e;

	if (!d)
		return NULL;
	e = ev(PROBE_DAY + 10 * HOUR, "storage.objects.rewrite", GW_ACT_OBJECT_COPY);
	e.bucket = "xfer-elsewhere";
	detector__feed(d, &e);
	e = ev(PROBE_DAY + 10 * HOUR + after, "ListUsers", GW_ACT_MANAGEMENT);
	e.service = "iam.amazonaws.com";
	e.bucket = "";
	detector__feed(d, &e);
	return d;
}

TEST(detect_incident_gap)
{
	static const struct {
		int64_t after;
		size_t incidents;
	} cases[] = { { 5400000 - 1000, 1 }, { 5400000, 1 }, { 5400000 + 1000, 0 } };
	struct detector_config c;

	detector_config__defaults(&c);
	c.incident_gap_sec = 5400;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct detector *d = copy_then_api(&c, cases[i].after);
		size_t n;

		ASSERT(d);
		ASSERT_EQ_U64(1, count(d, "cross-account-copy"));
		ASSERT_EQ_U64(1, count(d, "first-time-api"));
		n = incidents(d);
		detector__free(d);
		if (n != cases[i].incidents)
			FAIL_AT("findings %lld ms apart, gap 5400 s: %zu incidents", (long long)cases[i].after, n);
	}
}

/* Two rules agree; the group's score is the higher finding's plus 10. An
 * incident needs incident_min_score: set it just below, at and just above. */
TEST(detect_incident_min_score)
{
	struct detector_config c;
	const struct finding *const *fs;
	struct detector *d;
	double top = 0.0;
	size_t n;

	detector_config__defaults(&c);
	c.incident_min_score = 100;
	d = copy_then_api(&c, 60000);
	ASSERT(d);
	detector__flush(d);
	n = detector__findings(d, &fs);
	ASSERT_EQ_U64(2, n);
	for (size_t i = 0; i < n; i++)
		top = fs[i]->score > top ? fs[i]->score : top;
	detector__free(d);
	ASSERT(top + 10.0 < 100.0);
	for (int k = -1; k <= 1; k++) {
		c.incident_min_score = (uint32_t)(top + 10.0) + (uint32_t)(k + 1) - 1;
		d = copy_then_api(&c, 60000);
		ASSERT(d);
		n = incidents(d);
		detector__free(d);
		if (n != (c.incident_min_score <= top + 10.0 ? 1u : 0u))
			FAIL_AT("group score %.1f, incident_min_score %u: %zu incidents", top + 10.0,
				c.incident_min_score, n);
	}
}

/* Identities past max_identities are counted, not tracked. */
TEST(detect_max_identities)
{
	static const char *const who[] = { "arn:aws:iam::111122223333:user/a",
					   "arn:aws:iam::111122223333:user/b",
					   "arn:aws:iam::111122223333:user/c",
					   "arn:aws:iam::111122223333:user/d" };
	struct detector_config c;
	struct detector_stats st;

	detector_config__defaults(&c);
	c.max_identities = 3;
	for (size_t n = 2; n <= 4; n++) {
		struct detector *d = detector__new(&c);
		struct audit_event e;

		ASSERT(d);
		for (size_t i = 0; i < n; i++) {
			e = ev(DAY0 + (int64_t)i * 1000, "GetObject", GW_ACT_OBJECT_READ);
			e.principal = who[i];
			detector__feed(d, &e);
		}
		detector__flush(d);
		detector__stats(d, &st);
		detector__free(d);
		if (st.identities != (n < 3 ? n : 3) || (n > 3) != (st.entities_dropped > 0))
			FAIL_AT("%zu identities, max 3: %llu tracked, %llu events dropped", n,
				(unsigned long long)st.identities, (unsigned long long)st.entities_dropped);
	}
}

/* The keys reach the detector under their [detect] names. */
TEST(detect_floor_keys_from_config)
{
	static const struct {
		const char *key, *value;
		size_t off;
	} keys[] = {
		{ "denied_min_apis", "3", offsetof(struct detector_config, denied_min_apis) },
		{ "list_buckets_floor", "12", offsetof(struct detector_config, list_buckets_floor) },
		{ "read_hour_floor", "45", offsetof(struct detector_config, read_hour_floor) },
		{ "read_day_floor", "120", offsetof(struct detector_config, read_day_floor) },
		{ "bucket_read_floor", "70", offsetof(struct detector_config, bucket_read_floor) },
		{ "after_hours_floor", "25", offsetof(struct detector_config, after_hours_floor) },
		{ "incident_gap_sec", "5400", offsetof(struct detector_config, incident_gap_sec) },
		{ "incident_min_score", "70", offsetof(struct detector_config, incident_min_score) },
		{ "max_identities", "3", offsetof(struct detector_config, max_identities) },
	};
	struct detector_config dc;
	struct gw_config c;
	uint32_t v;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		gw_config__defaults(&c);
		detector_config__defaults(&dc);
		ASSERT_EQ_INT(0, gw_config__set(&c, keys[i].key, keys[i].value));
		ASSERT_EQ_INT(0, gw_config__detector(&c, &dc));
		memcpy(&v, (const char *)&dc + keys[i].off, sizeof(v));
		if (v != (uint32_t)strtoul(keys[i].value, NULL, 10))
			FAIL_AT("[detect] %s = %s reached the detector as %u", keys[i].key,
				keys[i].value, v);
		gw_config__free(&c);
	}
}

/* A night shift (18-8) across midnight: from 18:00 Monday-Friday to 08:00
 * the next morning; Friday's shift runs into Saturday, Sunday night is off,
 * and both edges of the shift are exact. */
TEST(detect_business_hours_night_shift)
{
	static const struct {
		int dow, hour, off;
	} cases[] = {
		{ 0, 7, 1 },  /* Monday 07:00: Sunday night had no shift */
		{ 0, 17, 1 }, /* Monday 17:00: before the shift */
		{ 0, 18, 0 }, /* Monday 18:00: the shift starts */
		{ 0, 23, 0 },
		{ 1, 0, 0 },  /* Tuesday 00:00: Monday's shift goes on */
		{ 1, 7, 0 },  /* Tuesday 07:00: its last hour */
		{ 1, 8, 1 },  /* Tuesday 08:00: over */
		{ 4, 18, 0 }, /* Friday 18:00 */
		{ 5, 7, 0 },  /* Saturday 07:00: Friday's shift */
		{ 5, 8, 1 },
		{ 5, 18, 1 }, /* Saturday evening: no shift */
		{ 6, 18, 1 }, /* Sunday evening */
	};
	struct detector_config c;

	detector_config__defaults(&c);
	c.work_start_hour = 18;
	c.work_end_hour = 8;
	{
		struct detector *d = detector_with(&c, 0);   /* the detector accepts it */

		ASSERT(d);
		detector__free(d);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = detector_config__off_hours(&c, cases[i].dow * 24 + cases[i].hour);

		if (got != cases[i].off)
			FAIL_AT("day %d %02d:00 with business hours 18-8: off-hours %d, expected %d",
				cases[i].dow, cases[i].hour, got, cases[i].off);
	}
	/* the day shift keeps its meaning */
	c.work_start_hour = 8;
	c.work_end_hour = 18;
	ASSERT(detector_config__off_hours(&c, 8) == 0 && detector_config__off_hours(&c, 18) == 1 &&
	       detector_config__off_hours(&c, 5 * 24 + 10) == 1);
}
