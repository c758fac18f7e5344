/* Rules for principals without history, on small synthetic streams:
 * first-sighting's score just below and at its threshold, its population
 * lowering it for a CI job's next session, anonymous-access and the
 * public_buckets allow list, sensitive-object-read by principal kind. */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/detect.h"

#define DAY0 1792454400000LL   /* 2026-10-20T00:00:00Z, a Tuesday */
#define HOUR 3600000LL
#define DAY (24 * HOUR)
#define ROLE "arn:aws:sts::111122223333:assumed-role/ci-deploy/"

static struct audit_event call(int64_t t, const char *who, const char *api, int action,
			       const char *bucket, const char *key)
{
	struct audit_event e = {
		.time_ms = t, .cloud = GW_CLOUD_AWS, .action = (uint8_t)action,
		.outcome = GW_OUT_OK, .principal_type = GW_PT_ROLE, .principal_kind = GW_PK_OWN,
		.principal = who, .account = "111122223333", .access_key = "ASIAEXAMPLE0000001",
		.source_ip = "198.51.100.20", .user_agent = "Boto3/1.34.60",
		.region = "us-east-1", .service = "s3.amazonaws.com", .api = api, .bucket = bucket,
		.object_key = key, .error_code = "", .request_id = "", .bytes_out = 5000,
		.principal_account = "111122223333", .created = "",
	};

	return e;
}

/* A session's first hour at t: optionally ListBuckets, then a listing and
 * three reads of bucket. */
static void session(struct detector *d, const char *who, int64_t t, int list_buckets,
		    const char *bucket)
{
	struct audit_event e;

	if (list_buckets) {
		e = call(t, who, "ListBuckets", GW_ACT_LIST, "", "");
		detector__feed(d, &e);
	}
	e = call(t + 1000, who, "ListObjectsV2", GW_ACT_LIST, bucket, "");
	detector__feed(d, &e);
	for (int i = 0; i < 3; i++) {
		e = call(t + 2000 + i, who, "GetObject", GW_ACT_OBJECT_READ, bucket, "build/app.tgz");
		detector__feed(d, &e);
	}
}

static size_t count_rule(struct detector *d, const char *rule, const char *who, int *sev)
{
	const struct finding *const *fs;
	size_t n = detector__findings(d, &fs), k = 0;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(fs[i]->rule_id, rule) || (who && !strstr(fs[i]->principal, who)))
			continue;
		k++;
		if (sev)
			*sev = fs[i]->severity;
	}
	return k;
}

TEST(coldstart_first_sighting_threshold)
{
	struct detector *d = detector__new(NULL);
	int sev = -1;

	ASSERT(d);
	/* in business hours, own account: 50 (below 70) without ListBuckets */
	session(d, ROLE "run-1", DAY0 + 10 * HOUR, 0, "artifacts");
	/* 75 with it: account-wide enumeration then download */
	session(d, ROLE "run-x", DAY0 + 12 * HOUR, 1, "customer-data");
	detector__flush(d);
	ASSERT_EQ_U64(0, count_rule(d, "first-sighting", "run-1", NULL));
	ASSERT_EQ_U64(1, count_rule(d, "first-sighting", "run-x", &sev));
	ASSERT_EQ_INT(GW_SEV_HIGH, sev);
	detector__free(d);
}

TEST(coldstart_first_sighting_population_lowers_the_next_run)
{
	struct detector *d = detector__new(NULL);

	ASSERT(d);
	/* The role's earlier sessions read artifacts from this address... */
	session(d, ROLE "run-1", DAY0 + 10 * HOUR, 0, "artifacts");
	session(d, ROLE "run-2", DAY0 + DAY + 10 * HOUR, 0, "artifacts");
	/* ...so the next one may even list the buckets: 75 - 25 */
	session(d, ROLE "run-3", DAY0 + 2 * DAY + 10 * HOUR, 1, "artifacts");
	/* but listing them and reading another bucket: 75 + 15 */
	session(d, ROLE "run-4", DAY0 + 3 * DAY + 10 * HOUR, 1, "customer-data");
	detector__flush(d);
	ASSERT_EQ_U64(0, count_rule(d, "first-sighting", "run-3", NULL));
	ASSERT_EQ_U64(1, count_rule(d, "first-sighting", "run-4", NULL));
	detector__free(d);
}

TEST(coldstart_anonymous_and_public_buckets)
{
	static const char *const pub[] = { "www-site" };
	struct detector_config cfg;
	struct detector *d;
	struct audit_event e;
	int sev = -1;

	detector_config__defaults(&cfg);
	cfg.public_buckets = pub;
	cfg.npublic_buckets = 1;
	d = detector__new(&cfg);
	ASSERT(d);
	e = call(DAY0 + HOUR, "anonymous", "GetObject", GW_ACT_OBJECT_READ, "www-site", "index.html");
	e.principal_kind = GW_PK_ANONYMOUS;
	detector__feed(d, &e);     /* allowed: public by design */
	e.action = GW_ACT_OBJECT_WRITE;
	e.api = "PutObject";
	detector__feed(d, &e);     /* a write is never allowed */
	e = call(DAY0 + HOUR, "anonymous", "GetObject", GW_ACT_OBJECT_READ, "hr", "payroll.csv");
	e.principal_kind = GW_PK_ANONYMOUS;
	e.outcome = GW_OUT_DENIED; /* the bucket held */
	detector__feed(d, &e);
	detector__flush(d);
	ASSERT_EQ_U64(1, count_rule(d, "anonymous-access", NULL, &sev));
	ASSERT_EQ_INT(GW_SEV_HIGH, sev);
	detector__free(d);
}

TEST(coldstart_sensitive_object_by_kind)
{
	struct detector *d = detector__new(NULL);
	struct audit_event e;

	ASSERT(d);
	/* an own principal in business hours may read .env */
	e = call(DAY0 + 10 * HOUR, ROLE "app", "GetObject", GW_ACT_OBJECT_READ, "cfg", "prod/.env");
	detector__feed(d, &e);
	/* a SAS token may not; nor may anyone read a key at 23:00 */
	e = call(DAY0 + 11 * HOUR, "sas-token-1", "GetBlob", GW_ACT_OBJECT_READ, "share",
		 "it/passwords.txt");
	e.principal_kind = GW_PK_SAS;
	detector__feed(d, &e);
	e = call(DAY0 + 23 * HOUR, ROLE "app", "GetObject", GW_ACT_OBJECT_READ, "cfg", "ssh/id_rsa");
	detector__feed(d, &e);
	detector__flush(d);
	ASSERT_EQ_U64(1, count_rule(d, "sensitive-object-read", "sas-token-1", NULL));
	ASSERT_EQ_U64(1, count_rule(d, "sensitive-object-read", ROLE "app", NULL));
	detector__free(d);
}
