/* Single-event rules and the accounts they call ours: configured accounts
 * are exactly those, learned ones come from the logs; a copy whose record
 * names its destination's owner is judged by that owner, not by bucket
 * history. */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/detect_internal.h"

#define T0 1767225600000LL   /* 2026-01-01T00:00:00Z */

static struct audit_event copy_ev(int64_t t, const char *bucket, const char *request)
{
	struct audit_event e = {
		.time_ms = t, .cloud = GW_CLOUD_AWS, .action = GW_ACT_OBJECT_COPY,
		.outcome = GW_OUT_OK, .principal_type = GW_PT_USER,
		.principal = "arn:aws:iam::111122223333:user/etl", .account = "111122223333",
		.access_key = "AKIAEXAMPLE", .source_ip = "203.0.113.10", .user_agent = "aws-cli/2",
		.region = "us-east-1", .service = "s3.amazonaws.com", .api = "CopyObject",
		.bucket = bucket, .object_key = "k", .error_code = "", .request_id = "",
		.request = request,
	};

	return e;
}

static size_t count_rule(struct detector *d, const char *rule)
{
	const struct finding *const *fs;
	size_t n = detector__findings(d, &fs), k = 0;

	for (size_t i = 0; i < n; i++)
		k += strcmp(fs[i]->rule_id, rule) == 0;
	return k;
}

TEST(single_accounts_configured_and_learned)
{
	static const char *const own[] = { "111122223333", "corp-data-prod" };
	struct detector_config cfg;
	struct audit_event e = copy_ev(T0, "b", "");
	struct detector *d;

	detector_config__defaults(&cfg);
	d = detector__new(&cfg);
	ASSERT(d);
	ASSERT_EQ_INT(0, detector__account_is_own(d, "111122223333"));
	ASSERT_EQ_INT(0, detector__feed(d, &e));
	ASSERT_EQ_INT(1, detector__account_is_own(d, "111122223333"));
	ASSERT_EQ_INT(0, detector__account_is_own(d, "999988887777"));
	ASSERT_EQ_INT(0, detector__account_is_own(d, ""));
	detector__free(d);

	cfg.own_accounts = own;
	cfg.nown_accounts = 2;
	d = detector__new(&cfg);
	ASSERT(d);
	e.account = "444455556666";
	ASSERT_EQ_INT(0, detector__feed(d, &e));
	ASSERT_EQ_INT(0, detector__account_is_own(d, "444455556666"));   /* not learned */
	ASSERT_EQ_INT(1, detector__account_is_own(d, "CORP-DATA-PROD"));  /* any case */
	detector__free(d);
}

TEST(single_foreign_copy_judged_by_owner)
{
	static const char *const own_dest = "{\"resources\":[{\"accountId\":\"111122223333\","
		"\"type\":\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::drop\"}]}";
	static const char *const foreign_dest = "{\"resources\":[{\"accountId\":\"999988887777\","
		"\"type\":\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::drop\"}]}";
	struct detector_config cfg;
	struct audit_event e;
	struct detector *d;

	detector_config__defaults(&cfg);
	d = detector__new(&cfg);
	ASSERT(d);
	e = copy_ev(T0, "drop", own_dest);
	ASSERT_EQ_INT(0, detector__feed(d, &e));
	e = copy_ev(T0 + 1000, "drop", "");          /* owner unknown */
	ASSERT_EQ_INT(0, detector__feed(d, &e));
	detector__flush(d);
	ASSERT_EQ_U64(0, count_rule(d, "foreign-account-copy"));
	detector__free(d);

	d = detector__new(&cfg);
	ASSERT(d);
	e = copy_ev(T0, "drop", foreign_dest);
	ASSERT_EQ_INT(0, detector__feed(d, &e));
	e.outcome = GW_OUT_DENIED;
	e.time_ms += 1000;
	ASSERT_EQ_INT(0, detector__feed(d, &e));
	detector__flush(d);
	ASSERT_EQ_U64(1, count_rule(d, "foreign-account-copy"));
	detector__free(d);
}
