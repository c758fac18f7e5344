/* workload-credential-off-workload keeps a table of instance sessions
 * (4,096) with the addresses each used: sessions idle for the first-seen
 * TTL are forgotten once a stream day, so that instances started after the
 * first 4,096 are still watched; a session still in use is kept. */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/detect.h"

#define T0 1795478400000LL   /* 2026-11-24T00:00:00Z */
#define DAY_MS 86400000LL
#define SESSIONS 4096

static struct audit_event session_ev(const char *who, const char *ip, int64_t t)
{
	struct audit_event e = {
		.time_ms = t, .cloud = GW_CLOUD_AWS, .action = GW_ACT_OBJECT_READ,
		.outcome = GW_OUT_OK, .principal_type = GW_PT_ROLE, .principal_kind = GW_PK_WORKLOAD,
		.principal = who, .account = "123456789012", .access_key = "ASIAEXAMPLEWORKLOAD1",
		.source_ip = ip, .user_agent = "aws-sdk-go/1.44.0", .region = "us-east-1",
		.service = "s3.amazonaws.com", .api = "GetObject", .bucket = "app-data",
		.object_key = "config.json", .error_code = "", .request_id = "", .bytes_out = 512,
	};
	return e;
}

static size_t count(struct detector *d, const char *rule, const char *who)
{
	const struct finding *const *fs;
	size_t n = detector__findings(d, &fs), hits = 0;

	for (size_t i = 0; i < n; i++)
		hits += strcmp(fs[i]->rule_id, rule) == 0 && strcmp(fs[i]->principal, who) == 0;
	return hits;
}

/* The instance session `who` calls from its own address, then five minutes
 * later from a distant one: the credentials left the instance. */
static void stolen(struct detector *d, const char *who, int64_t t)
{
	struct audit_event e = session_ev(who, "54.210.10.20", t);

	detector__feed(d, &e);
	e = session_ev(who, "185.220.101.7", t + 300000);
	detector__feed(d, &e);
}

TEST(workload_sessions_age_out)
{
	static char names[SESSIONS][80];
	const char *late = "arn:aws:sts::123456789012:assumed-role/app/i-0late0000000000001";
	const char *busy = "arn:aws:sts::123456789012:assumed-role/app/i-0busy000000000001";
	struct detector_config c;
	struct detector *d;
	struct audit_event e;

	detector_config__defaults(&c);
	d = detector__new(&c);
	ASSERT(d);
	/* a busy session in use every day, and 4,095 instances seen once on day 0 */
	e = session_ev(busy, "54.210.10.30", T0);
	detector__feed(d, &e);
	for (int i = 1; i < SESSIONS; i++) {
		snprintf(names[i], sizeof(names[i]),
			 "arn:aws:sts::123456789012:assumed-role/app/i-0%016d", i);
		e = session_ev(names[i], "54.210.11.1", T0 + 1000 + i);
		detector__feed(d, &e);
	}
	for (int day = 1; day <= 40; day++) {
		e = session_ev(busy, "54.210.10.30", T0 + day * DAY_MS);
		detector__feed(d, &e);
	}
	/* day 40: the 4,097th session, its credentials stolen; and the busy
	 * session's, used from an address it never used: it was not forgotten */
	stolen(d, late, T0 + 40 * DAY_MS + 3600000);
	e = session_ev(busy, "185.220.101.7", T0 + 40 * DAY_MS + 7200000);
	detector__feed(d, &e);
	detector__flush(d);
	ASSERT_EQ_U64(1, count(d, "workload-credential-off-workload", late));
	ASSERT_EQ_U64(1, count(d, "workload-credential-off-workload", busy));
	detector__free(d);
}
