/* Baselines across a restart: saved by one detector, loaded by a fresh one,
 * which then judges new activity as the first would have; a damaged file
 * is refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assert.h"
#include "detect/detect.h"

#define DAY0 1792454400000LL   /* 2026-10-20T00:00:00Z, a Tuesday */
#define HOUR 3600000LL
#define USER "arn:aws:iam::111122223333:user/restart"

static struct audit_event call(int64_t t, const char *ip, const char *api)
{
	struct audit_event e = {
		.time_ms = t, .cloud = GW_CLOUD_AWS, .action = GW_ACT_OBJECT_READ,
		.principal_type = GW_PT_USER, .key_long_term = 1, .principal = USER,
		.account = "111122223333", .access_key = "AKIAEXAMPLERESTART01", .source_ip = ip,
		.user_agent = "aws-cli/2.17.60", .region = "us-east-1",
		.service = "s3.amazonaws.com", .api = api, .bucket = "team-data",
		.object_key = "a.csv", .error_code = "", .request_id = "",
	};

	return e;
}

static void feed_days(struct detector *d, int from, int to)
{
	struct audit_event e;

	for (int day = from; day < to; day++)
		for (int h = 9; h < 17; h++) {
			e = call(DAY0 + day * 24 * HOUR + h * HOUR, "203.0.113.10", "GetObject");
			detector__feed(d, &e);
		}
}

static size_t count_rule(struct detector *d, const char *rule)
{
	const struct finding *const *fs;
	size_t n = detector__findings(d, &fs), k = 0;

	for (size_t i = 0; i < n; i++)
		k += strcmp(fs[i]->rule_id, rule) == 0;
	return k;
}

TEST(detect_state_survives_restart)
{
	char path[] = "/tmp/gw-baseline-test-XXXXXX";
	int fd = mkstemp(path);
	struct detector *a = detector__new(NULL), *b = NULL;
	struct detector_stats sa, sb;
	struct audit_event e;

	ASSERT(fd >= 0 && a);
	close(fd);
	feed_days(a, 0, 20);
	detector__flush(a);
	ASSERT_EQ_INT(0, baseline_file__save(a, path));
	detector__stats(a, &sa);

	b = detector__new(NULL);
	ASSERT(b);
	ASSERT_EQ_INT(0, baseline_file__load(b, path));
	detector__stats(b, &sb);
	ASSERT_EQ_U64(sa.identities, sb.identities);
	/* Day 21: a new IP and a new API; the restored baseline knows both are new. */
	e = call(DAY0 + 21 * 24 * HOUR + 10 * HOUR, "198.51.100.23", "GetObject");
	detector__feed(b, &e);
	e = call(DAY0 + 21 * 24 * HOUR + 10 * HOUR + 1000, "203.0.113.10", "GetBucketPolicy");
	detector__feed(b, &e);
	e = call(DAY0 + 21 * 24 * HOUR + 11 * HOUR, "203.0.113.10", "GetObject");
	detector__feed(b, &e);
	detector__flush(b);
	ASSERT_EQ_U64(1, count_rule(b, "new-source-ip"));
	ASSERT_EQ_U64(1, count_rule(b, "first-time-api"));
	detector__free(b);

	/* Without the file the same day says nothing: no baseline yet. */
	b = detector__new(NULL);
	ASSERT(b);
	e = call(DAY0 + 21 * 24 * HOUR + 10 * HOUR, "198.51.100.23", "GetObject");
	detector__feed(b, &e);
	detector__flush(b);
	ASSERT_EQ_U64(0, count_rule(b, "new-source-ip"));
	detector__free(b);
	detector__free(a);
	unlink(path);
}

TEST(detect_state_refuses_damage)
{
	char path[] = "/tmp/gw-baseline-test-XXXXXX";
	int fd = mkstemp(path);
	struct detector *a = detector__new(NULL), *b = NULL;
	FILE *f;
	long n;

	ASSERT(fd >= 0 && a);
	close(fd);
	feed_days(a, 0, 3);
	detector__flush(a);
	ASSERT_EQ_INT(0, baseline_file__save(a, path));
	/* One flipped byte fails the checksum. */
	f = fopen(path, "r+b");
	ASSERT(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, n / 2, SEEK_SET);
	fputc(fgetc(f) ^ 0x20, f);
	fclose(f);
	b = detector__new(NULL);
	ASSERT(b);
	ASSERT_EQ_INT(-EINVAL, baseline_file__load(b, path));
	detector__free(b);
	/* Cut short: refused too. */
	ASSERT_EQ_INT(0, baseline_file__save(a, path));
	ASSERT_EQ_INT(0, truncate(path, n - 9));
	b = detector__new(NULL);
	ASSERT(b);
	ASSERT_EQ_INT(-EINVAL, baseline_file__load(b, path));
	detector__free(b);
	unlink(path);
	b = detector__new(NULL);
	ASSERT(b);
	ASSERT_EQ_INT(-ENOENT, baseline_file__load(b, path));
	detector__free(b);
	detector__free(a);
}
