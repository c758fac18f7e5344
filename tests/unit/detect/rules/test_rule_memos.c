/* What the rules decide once (per account spelling, per principal) and
 * keep: the answers must stay those of asking every event, whatever the
 * order of the events and across the string pool's daily sweep. */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/detect_internal.h"

#define T0 1795478400000LL   /* 2026-11-24T00:00:00Z */
#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)

static struct audit_event list_ev(const char *principal, const char *account, int64_t t)
{
	struct audit_event ev = {
		.time_ms = t, .cloud = GW_CLOUD_AWS, .action = GW_ACT_LIST,
		.outcome = GW_OUT_OK, .principal_type = GW_PT_USER, .key_long_term = 1,
		.principal = principal, .account = account,
		.access_key = "AKIAEXAMPLEMEMO00001", .source_ip = "203.0.113.45",
		.user_agent = "aws-cli/2.17.60", .region = "us-east-1",
		.service = "s3.amazonaws.com", .api = "ListObjectsV2", .bucket = "finance-reports",
		.object_key = "", .error_code = "", .request_id = "",
	};

	return ev;
}

static size_t findings_of(struct detector *d, const char *rule, const char *principal)
{
	const struct finding *const *fs;
	size_t all = detector__findings(d, &fs), n = 0;

	for (size_t i = 0; i < all; i++)
		if (strcmp(fs[i]->rule_id, rule) == 0 &&
		    (!principal || strcmp(fs[i]->principal, principal) == 0))
			n++;
	return n;
}

/* Without own_accounts, every account the records were delivered to is
 * ours, however it is spelled and however often the spelling changes. */
TEST(accounts_learned_whatever_the_order_of_their_events)
{
	static const char *const seq[] = {
		"111122223333", "111122223333", "444455556666", "111122223333",
		"444455556666", "444455556666", "AbCdEf-sub", "abcdef-SUB", "111122223333",
	};
	struct detector_config cfg;
	struct detector *d;
	struct audit_event ev;
	int64_t t = T0;

	detector_config__defaults(&cfg);
	d = detector__new(&cfg);
	ASSERT(d != NULL);
	for (int day = 0; day < 3; day++)
		for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
			ev = list_ev("arn:aws:iam::111122223333:user/alice", seq[i], t);
			ASSERT(detector__feed(d, &ev) == 0);
			t += HOUR_MS;
			/* a new account the day after the sweep */
			if (day == 2 && i == 4) {
				ev = list_ev("arn:aws:iam::111122223333:user/alice", "777788889999", t);
				ASSERT(detector__feed(d, &ev) == 0);
			}
		}
	ASSERT(detector__account_is_own(d, "111122223333"));
	ASSERT(detector__account_is_own(d, "444455556666"));
	ASSERT(detector__account_is_own(d, "ABCDEF-SUB"));
	ASSERT(detector__account_is_own(d, "777788889999"));
	ASSERT(!detector__account_is_own(d, "999988887777"));
	detector__free(d);
}

/* root-activity asks [detect] privileged_principals once per principal:
 * principals met in turn, hour after hour and across days, each keep
 * their own answer. */
TEST(root_privileged_verdict_kept_per_principal)
{
	static const char *const globs[] = { "*role/break-glass*" };
	static const char *const who[] = {
		"arn:aws:iam::111122223333:user/alice",
		"arn:aws:sts::111122223333:assumed-role/break-glass/ops-1",
		"arn:aws:iam::111122223333:user/bob",
		"arn:aws:iam::111122223333:role/break-glass-admin",
	};
	struct detector_config cfg;
	struct detector *d;
	struct audit_event ev;

	detector_config__defaults(&cfg);
	cfg.privileged_principals = globs;
	cfg.nprivileged_principals = 1;
	d = detector__new(&cfg);
	ASSERT(d != NULL);
	for (int h = 0; h < 30; h++)
		for (size_t p = 0; p < sizeof(who) / sizeof(who[0]); p++) {
			ev = list_ev(who[p], "111122223333", T0 + h * HOUR_MS + (int64_t)p * 1000);
			ASSERT(detector__feed(d, &ev) == 0);
		}
	detector__flush(d);
	ASSERT_EQ_U64(0, findings_of(d, "root-activity", who[0]));
	ASSERT(findings_of(d, "root-activity", who[1]) > 0);
	ASSERT_EQ_U64(0, findings_of(d, "root-activity", who[2]));
	ASSERT(findings_of(d, "root-activity", who[3]) > 0);
	ASSERT_EQ_U64(findings_of(d, "root-activity", who[1]),
		      findings_of(d, "root-activity", who[3]));
	detector__free(d);
}

/* Without privileged_principals no principal is privileged. */
TEST(root_no_privileged_principals_no_finding)
{
	struct detector_config cfg;
	struct detector *d;
	struct audit_event ev;

	detector_config__defaults(&cfg);
	d = detector__new(&cfg);
	ASSERT(d != NULL);
	for (int h = 0; h < 3; h++) {
		ev = list_ev("arn:aws:iam::111122223333:role/break-glass-admin", "111122223333",
			     T0 + h * HOUR_MS);
		ASSERT(detector__feed(d, &ev) == 0);
	}
	detector__flush(d);
	ASSERT_EQ_U64(0, findings_of(d, "root-activity", NULL));
	detector__free(d);
}

static unsigned asked;

static unsigned name_len(const char *api)
{
	asked++;
	return (unsigned)strlen(api);
}

static unsigned starts_with_put(const char *api)
{
	asked++;
	return strncmp(api, "Put", 3) == 0;
}

/* A rule's reading of an operation name is asked once per name and
 * function, and each function keeps its own answer, with names taking
 * turns (more than the memo holds) and after it is emptied. */
TEST(api_memo_asks_once_per_name_and_function)
{
	static const char *const names[] = {
		"GetObject", "PutObject", "ListObjectsV2", "PutBucketPolicy", "DeleteObject",
		"HeadObject", "PutBucketAcl", "CopyObject", "CreateMultipartUpload", "UploadPart",
		"CompleteMultipartUpload", "GetBucketAcl", "PutObjectAcl", "ListBuckets",
		"PutBucketVersioning", "DeleteBucketEncryption", "PutObjectRetention",
		"GetBucketPolicy", "PutBucketLifecycleConfiguration", "DeleteObjects",
	};
	size_t n = sizeof(names) / sizeof(names[0]);
	struct detector_config cfg;
	struct detector *d;
	struct api_memo m;
	struct audit_event ev = list_ev("arn:aws:iam::111122223333:user/alice", "111122223333", T0);
	unsigned first;

	detector_config__defaults(&cfg);
	d = detector__new(&cfg);
	ASSERT(d != NULL);
	api_memo__clear(&m);
	for (int round = 0; round < 50; round++)
		for (size_t i = 0; i < n; i++) {
			ev.api = names[(i * 7 + (size_t)round) % n];
			ASSERT_EQ_U64(strlen(ev.api), api_memo__get(&m, d, &ev, name_len));
			ASSERT_EQ_U64(strncmp(ev.api, "Put", 3) == 0,
				      api_memo__get(&m, d, &ev, starts_with_put));
		}
	/* many names: some fall in one place of the memo for both functions */
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 200; i++) {
			char name[32];

			snprintf(name, sizeof(name), "%sOperation%03d", i % 3 ? "Get" : "Put", i);
			ev.api = name;
			ASSERT_EQ_U64(strlen(name), api_memo__get(&m, d, &ev, name_len));
			ASSERT_EQ_U64(i % 3 == 0, api_memo__get(&m, d, &ev, starts_with_put));
		}
	/* one name, asked again and again: once per function */
	api_memo__clear(&m);
	ev.api = "PutObject";
	asked = 0;
	for (int i = 0; i < 100; i++) {
		ASSERT_EQ_U64(9, api_memo__get(&m, d, &ev, name_len));
		ASSERT_EQ_U64(1, api_memo__get(&m, d, &ev, starts_with_put));
	}
	ASSERT_EQ_U64(2, asked);
	first = asked;
	api_memo__clear(&m);
	ASSERT_EQ_U64(9, api_memo__get(&m, d, &ev, name_len));
	ASSERT_EQ_U64(first + 1, asked);
	detector__free(d);
}

static struct audit_event put_ev(const char *principal, const char *bucket, const char *key,
				 int64_t t)
{
	struct audit_event ev = list_ev(principal, "111122223333", t);

	ev.action = GW_ACT_OBJECT_WRITE;
	ev.api = "PutObject";
	ev.bucket = bucket;
	ev.object_key = key;
	return ev;
}

/* mass-overwrite fingerprints bucket and key: the same keys written to
 * two buckets in turn are no overwrite, the same keys written again to
 * one bucket by another principal are. */
TEST(overwrite_fingerprint_follows_the_bucket)
{
	struct detector_config cfg;
	struct detector *d;
	struct audit_event ev;
	char key[64];

	detector_config__defaults(&cfg);
	d = detector__new(&cfg);
	ASSERT(d != NULL);
	for (int i = 0; i < 150; i++) {
		snprintf(key, sizeof(key), "exports/part-%04d.parquet", i);
		ev = put_ev("arn:aws:iam::111122223333:user/loader", "lake-raw", key,
			    T0 + i * 1000LL);
		ASSERT(detector__feed(d, &ev) == 0);
		ev = put_ev("arn:aws:iam::111122223333:user/loader", "lake-copy", key,
			    T0 + i * 1000LL + 500);
		ASSERT(detector__feed(d, &ev) == 0);
	}
	for (int i = 0; i < 150; i++) {
		snprintf(key, sizeof(key), "exports/part-%04d.parquet", i);
		ev = put_ev("arn:aws:iam::111122223333:user/intruder", "lake-raw", key,
			    T0 + 2 * HOUR_MS + i * 1000LL);
		ASSERT(detector__feed(d, &ev) == 0);
	}
	detector__flush(d);
	ASSERT_EQ_U64(0, findings_of(d, "mass-overwrite", "arn:aws:iam::111122223333:user/loader"));
	ASSERT_EQ_U64(1, findings_of(d, "mass-overwrite",
				     "arn:aws:iam::111122223333:user/intruder"));
	detector__free(d);
}

/* ransomware-encryption parses an object write's request only when its
 * text names a member it judges (the SSE-C header, additionalEventData's
 * SSEApplied, the SSE-KMS key id): each alone still makes the finding, in
 * any case, and a plain write (its twin) makes none. CloudTrail data event
 * shapes: requestParameters, additionalEventData, responseElements. */
TEST(ransom_write_judged_by_any_member_it_names)
{
	static const char *const requests[] = {
		/* SSE-C, told by additionalEventData alone */
		"{\"eventName\":\"PutObject\",\"requestParameters\":{\"bucketName\":\"finance\","
		"\"key\":\"q3.xlsx\"},\"additionalEventData\":{\"SSEApplied\":\"SSE_C\"}}",
		/* SSE-KMS with a key of another account, in the response only */
		"{\"eventName\":\"PutObject\",\"requestParameters\":{\"bucketName\":\"finance\","
		"\"key\":\"q3.xlsx\"},\"responseElements\":{\"x-amz-server-side-encryption\":"
		"\"aws:kms\",\"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id\":\"arn:aws:kms:"
		"us-east-1:999988887777:key/1234abcd-12ab-34cd-56ef-1234567890ab\"}}",
		/* the SSE-C header, spelled in upper case */
		"{\"eventName\":\"PutObject\",\"requestParameters\":{\"bucketName\":\"finance\","
		"\"key\":\"q3.xlsx\",\"X-AMZ-SERVER-SIDE-ENCRYPTION-CUSTOMER-ALGORITHM\":\"AES256\"}}",
	};
	static const char *const twin =
		"{\"eventName\":\"PutObject\",\"requestParameters\":{\"bucketName\":\"finance\","
		"\"key\":\"q3.xlsx\"},\"additionalEventData\":{\"SSEApplied\":\"Default_SSE_S3\"},"
		"\"responseElements\":{\"x-amz-server-side-encryption\":\"AES256\"}}";
	struct detector_config cfg;
	struct detector *d;
	struct audit_event ev;

	for (size_t i = 0; i <= sizeof(requests) / sizeof(requests[0]); i++) {
		int is_twin = i == sizeof(requests) / sizeof(requests[0]);

		detector_config__defaults(&cfg);
		d = detector__new(&cfg);
		ASSERT(d != NULL);
		ev = put_ev("arn:aws:iam::111122223333:user/etl", "finance", "q3.xlsx", T0);
		ev.request = is_twin ? twin : requests[i];
		ASSERT(detector__feed(d, &ev) == 0);
		detector__flush(d);
		ASSERT_EQ_U64(is_twin ? 0 : 1, findings_of(d, "ransomware-encryption", NULL));
		detector__free(d);
	}
}
