/* The baseline rules and incidents on a small synthetic history: one IAM
 * user with 20 weekdays of office-hours S3 work, then something else. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/detect.h"

#define DAY0 1792454400000LL   /* 2026-10-20T00:00:00Z, a Tuesday */
#define HOUR 3600000LL
#define DAY (24 * HOUR)
#define USER "arn:aws:iam::111122223333:user/ops"
#define KEY "AKIAEXAMPLEOPS000001"

static struct audit_event ev(int64_t t, const char *svc, const char *api, int action)
{
	struct audit_event e = {
		.time_ms = t, .cloud = GW_CLOUD_AWS, .action = (uint8_t)action,
		.outcome = GW_OUT_OK, .principal_type = GW_PT_USER, .key_long_term = 1,
		.principal = USER, .account = "111122223333", .access_key = KEY,
		.source_ip = "203.0.113.10", .user_agent = "aws-cli/2.17.60 md/awscrt#0.21.2",
		.region = "us-east-1", .service = svc, .api = api, .bucket = "team-data",
		.object_key = "reports/a.csv", .error_code = "", .request_id = "", .bytes_out = 5000,
	};

	return e;
}

/* 28 calendar days (20 weekdays) of 10 calls an hour, 09:00-17:00. */
static void history(struct detector *d, int days)
{
	struct audit_event e;

	for (int day = 0; day < days; day++) {
		int dow = (day + 1) % 7;   /* DAY0 is a Tuesday: Monday = 0 */

		if (dow >= 5)
			continue;
		for (int h = 9; h < 17; h++) {
			for (int i = 0; i < 10; i++) {
				int64_t t = DAY0 + day * DAY + h * HOUR + i * 300000;

				e = i % 3 ? ev(t, "s3.amazonaws.com", "GetObject", GW_ACT_OBJECT_READ) :
					    ev(t, "s3.amazonaws.com", "ListObjects", GW_ACT_LIST);
				detector__feed(d, &e);
			}
		}
	}
}

static struct detector *new_detector(uint32_t baseline_days, int64_t report_from)
{
	struct detector_config cfg;

	detector_config__defaults(&cfg);
	cfg.baseline_days = baseline_days;
	cfg.report_from_ms = report_from;
	return detector__new(&cfg);
}

/* The attack: Boto3 from a new IP, four regions, new services, denials. */
static void attack(struct detector *d, int64_t t0)
{
	static const char *const regions[] = { "us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1" };
	struct audit_event e;

	for (int i = 0; i < 40; i++) {
		e = ev(t0 + i * 60000, i % 2 ? "sns.amazonaws.com" : "ses.amazonaws.com",
		       i % 4 == 1 ? "GetSMSAttributes" : i % 4 == 3 ? "GetSMSSandboxAccountStatus" :
		       "GetSendQuota", GW_ACT_MANAGEMENT);
		e.source_ip = "198.51.100.77";
		e.user_agent = "Boto3/1.34.84 md/Botocore#1.34.84";
		e.region = regions[(i / 4) % 4];
		e.bucket = "";
		if (i % 2) {
			e.outcome = GW_OUT_DENIED;
			e.error_code = "AccessDenied";
		}
		detector__feed(d, &e);
	}
}

static const struct finding *find(struct detector *d, const char *rule)
{
	const struct finding *const *fs;
	size_t n = detector__findings(d, &fs);

	for (size_t i = 0; i < n; i++)
		if (strcmp(fs[i]->rule_id, rule) == 0)
			return fs[i];
	return NULL;
}

static const char *evidence(const struct finding *f, const char *key)
{
	for (size_t i = 0; f && i < f->nevidence; i++)
		if (strcmp(f->evidence[i].key, key) == 0)
			return f->evidence[i].value;
	return "(none)";
}

TEST(detect_rules_quiet_history)
{
	struct detector *d = new_detector(14, 0);
	const struct finding *const *fs;
	const struct incident *const *in;

	ASSERT(d);
	history(d, 28);
	detector__flush(d);
	ASSERT_EQ_U64(0, detector__findings(d, &fs));
	ASSERT_EQ_U64(0, detector__incidents(d, &in));
	detector__free(d);
}

TEST(detect_rules_worked_example_incident)
{
	struct detector *d = new_detector(14, 0);
	const struct incident *const *in;
	const struct finding *f;
	struct detector_stats st;

	ASSERT(d);
	history(d, 28);
	attack(d, DAY0 + 28 * DAY + 14 * HOUR);
	detector__flush(d);
	f = find(d, "new-source-ip");
	ASSERT(f);
	ASSERT_EQ_STR("198.51.100.77", f->source_ip);
	ASSERT_EQ_STR("true", evidence(f, "new_to_organisation"));
	ASSERT_EQ_STR("ses.amazonaws.com, sns.amazonaws.com", evidence(find(d, "first-time-api"),
								       "new_services"));
	ASSERT_EQ_STR("GetSMSAttributes, GetSMSSandboxAccountStatus",
		      evidence(find(d, "access-denied-cluster"), "denied_apis"));
	ASSERT_EQ_STR("4", evidence(find(d, "multi-region-burst"), "region_count"));
	ASSERT_EQ_STR("boto3", evidence(find(d, "new-user-agent"), "family"));
	ASSERT_EQ_U64(1, detector__incidents(d, &in));
	ASSERT_EQ_STR("compromised credential: reconnaissance", in[0]->classification);
	ASSERT_EQ_STR(KEY, in[0]->access_key);
	ASSERT(in[0]->nremediation >= 3);
	if (strncmp(in[0]->remediation[0], "Revoke access key " KEY, 18 + strlen(KEY)) != 0)
		FAIL_AT("remediation[0]: expected to revoke %s first, got \"%s\"", KEY,
			in[0]->remediation[0]);
	ASSERT_EQ_U64(5, in[0]->nfindings);
	detector__stats(d, &st);
	ASSERT_EQ_U64(1, st.identities);
	ASSERT(st.state_bytes > 0);
	detector__free(d);
}

TEST(detect_rules_need_an_established_baseline)
{
	struct detector *d = new_detector(30, 0);   /* 20 active days are not enough */
	const struct finding *const *fs;
	size_t n;

	ASSERT(d);
	history(d, 28);
	attack(d, DAY0 + 28 * DAY + 14 * HOUR);
	detector__flush(d);
	n = detector__findings(d, &fs);
	/* Only the denial ratio speaks without a baseline (half the calls denied). */
	for (size_t i = 0; i < n; i++)
		if (strcmp(fs[i]->rule_id, "access-denied-cluster") != 0)
			FAIL_AT("expected no %s finding without a baseline", fs[i]->rule_id);
	detector__free(d);
}

TEST(detect_rules_report_window_and_allow_list)
{
	struct detector *d = new_detector(14, DAY0 + 29 * DAY);
	const struct finding *const *fs;
	struct detector_stats st;

	ASSERT(d);
	history(d, 28);
	attack(d, DAY0 + 28 * DAY + 14 * HOUR);   /* before the window: baseline only */
	detector__flush(d);
	detector__stats(d, &st);
	ASSERT_EQ_U64(0, detector__findings(d, &fs));
	ASSERT(st.findings_before >= 5);
	detector__free(d);

	d = new_detector(14, 0);
	ASSERT(d);
	ASSERT_EQ_INT(0, detector__load_intel(d, "allow:" TESTDATA("intel/allow-automation.txt")));
	history(d, 28);
	attack(d, DAY0 + 28 * DAY + 14 * HOUR);
	detector__flush(d);
	detector__stats(d, &st);
	ASSERT_EQ_U64(0, detector__findings(d, &fs));
	ASSERT(st.findings_allowed >= 5);
	detector__free(d);
}

TEST(detect_rules_exfiltration_shapes)
{
	struct detector *d = new_detector(14, 0);
	const struct incident *const *in;
	struct audit_event e;
	int64_t t0 = DAY0 + 28 * DAY + 10 * HOUR;
	char key[32];

	ASSERT(d);
	history(d, 28);
	/* 400 reads in an hour (baseline: about 7) and copies to an unknown bucket. */
	for (int i = 0; i < 400; i++) {
		e = ev(t0 + i * 8000, "s3.amazonaws.com", "GetObject", GW_ACT_OBJECT_READ);
		snprintf(key, sizeof(key), "finance/%04d.pdf", i);
		e.object_key = key;
		detector__feed(d, &e);
	}
	for (int i = 0; i < 12; i++) {
		e = ev(t0 + 3400000 + i * 1000, "s3.amazonaws.com", "CopyObject", GW_ACT_OBJECT_COPY);
		e.bucket = "drop-zone-4471";
		detector__feed(d, &e);
	}
	detector__flush(d);
	ASSERT(find(d, "bulk-download"));
	ASSERT(find(d, "read-volume"));
	ASSERT_EQ_STR("drop-zone-4471", evidence(find(d, "cross-account-copy"), "destination_buckets"));
	ASSERT_EQ_U64(1, detector__incidents(d, &in));
	ASSERT_EQ_STR("possible data exfiltration", in[0]->classification);
	detector__free(d);
}

TEST(detect_rules_enumeration_and_after_hours)
{
	struct detector *d = new_detector(14, 0);
	struct audit_event e;
	int64_t sat = DAY0 + 32 * DAY;   /* a Saturday */
	static char buckets[60][24];

	ASSERT(d);
	history(d, 28);
	for (int i = 0; i < 30; i++) {
		e = ev(sat + 22 * HOUR + i * 60000, "s3.amazonaws.com", "GetObject", GW_ACT_OBJECT_READ);
		detector__feed(d, &e);
	}
	for (int i = 0; i < 120; i++) {
		e = ev(sat + 23 * HOUR + i * 20000, "s3.amazonaws.com", "ListObjects", GW_ACT_LIST);
		snprintf(buckets[i % 60], sizeof(buckets[0]), "corp-bucket-%02d", i % 60);
		e.bucket = buckets[i % 60];
		detector__feed(d, &e);
	}
	detector__flush(d);
	ASSERT_EQ_STR("120", evidence(find(d, "enumeration-spike"), "list_calls"));
	ASSERT_EQ_STR("30", evidence(find(d, "after-hours-access"), "reads"));
	ASSERT_EQ_STR("Sat 22:00", evidence(find(d, "after-hours-access"), "local_hour_of_week"));
	detector__free(d);
}
