/* first-sighting remembers the principals created in the log (CreateUser,
 * CreateAccessKey) for a day, to name the creator of one that then reads
 * data; after that day the entry is let go of, and with it the strings it
 * held, so that an account that creates principals now and then does not
 * keep their names for ever. */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/detect.h"

#define T0 1795478400000LL   /* 2026-11-24T00:00:00Z */
#define HOUR_MS 3600000LL
#define ADMIN "arn:aws:iam::123456789012:user/admin"

static struct audit_event admin_ev(int64_t t, const char *api, int action, const char *created)
{
	struct audit_event e = {
		.time_ms = t, .cloud = GW_CLOUD_AWS, .action = (uint8_t)action,
		.outcome = GW_OUT_OK, .principal_type = GW_PT_USER, .principal_kind = GW_PK_OWN,
		.principal = ADMIN, .account = "123456789012", .access_key = "AKIAEXAMPLEADMIN0001",
		.key_long_term = 1, .source_ip = "198.51.100.10", .user_agent = "aws-cli/2.17.60",
		.region = "us-east-1", .service = "iam.amazonaws.com", .api = api, .bucket = "",
		.object_key = "", .error_code = "", .request_id = "", .created = created,
	};
	return e;
}

/* The interned strings after three days of the admin's hourly calls, the
 * first 200 of which created a principal each, with names of `len` bytes. */
static uint64_t strings_after(size_t len)
{
	static char name[4096];
	struct detector_config c;
	struct detector_stats st;
	struct detector *d;
	struct audit_event e;
	size_t pre;

	detector_config__defaults(&c);
	d = detector__new(&c);
	if (!d)
		return 0;
	for (int i = 0; i < 200; i++) {
		pre = (size_t)snprintf(name, sizeof(name), "arn:aws:iam::123456789012:user/u%03d-", i);
		memset(name + pre, 'x', len);
		name[pre + len] = '\0';
		e = admin_ev(T0 + i * 1000LL, "CreateUser", GW_ACT_MANAGEMENT, name);
		detector__feed(d, &e);
	}
	for (int h = 1; h <= 72; h++) {
		e = admin_ev(T0 + h * HOUR_MS, "ListUsers", GW_ACT_MANAGEMENT, "");
		detector__feed(d, &e);
	}
	detector__stats(d, &st);
	detector__free(d);
	return st.strings_bytes;
}

TEST(first_sighting_created_ages_out)
{
	uint64_t with = strings_after(2000), without = strings_after(1);

	ASSERT(with > 0 && without > 0);
	/* 200 names of 2,000 bytes were freed with their entries: the two
	 * runs hold about as much (a chunk's worth at most) */
	if (with > without + 100000)
		FAIL_AT("strings held after three days: %llu with 200 long created names, %llu "
			"with short ones", (unsigned long long)with, (unsigned long long)without);
}
