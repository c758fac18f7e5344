/* The detector's copies of an event's strings: looked up once per event,
 * cached by the address the reader gave them, and right when a reader
 * hands that address out again for another string (its pool was reset,
 * its buffer reused). */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/detect_internal.h"

#define T0 1792454400000LL   /* 2026-10-20T00:00:00Z */

static struct audit_event get_of(int64_t t, const char *who, const char *ip)
{
	struct audit_event e = {
		.time_ms = t, .cloud = GW_CLOUD_AWS, .action = GW_ACT_OBJECT_READ,
		.outcome = GW_OUT_OK, .principal_type = GW_PT_USER, .key_long_term = 1,
		.principal = who, .account = "111122223333", .access_key = "AKIAEXAMPLESTRINGS01",
		.source_ip = ip, .user_agent = "aws-cli/2.17.60", .region = "us-east-1",
		.service = "s3.amazonaws.com", .api = "GetObject", .bucket = "reports",
		.object_key = "q3.csv", .error_code = "", .request_id = "", .bytes_out = 1000,
	};

	return e;
}

TEST(detect_event_strings_follow_a_reused_address)
{
	struct detector *d = detector__new(NULL);
	struct detector_stats st;
	char who[80], ip[32];
	struct audit_event e = get_of(T0, who, ip);
	const char *a, *b;

	ASSERT(d != NULL);
	snprintf(who, sizeof(who), "arn:aws:iam::111122223333:user/alice");
	snprintf(ip, sizeof(ip), "203.0.113.10");
	a = detector__ev_str(d, &e, EVF_PRINCIPAL);
	ASSERT_EQ_STR("arn:aws:iam::111122223333:user/alice", a);
	ASSERT(detector__intern_ev(d, who) == a);
	ASSERT(detector__intern(d, who) == a);
	/* the same address, now another string of the same length */
	snprintf(who, sizeof(who), "arn:aws:iam::111122223333:user/carol");
	b = detector__ev_str(d, &e, EVF_PRINCIPAL);
	ASSERT_EQ_STR("arn:aws:iam::111122223333:user/carol", b);
	ASSERT(a != b);
	ASSERT(detector__intern_ev(d, who) == b);
	/* a shorter one, and the empty string */
	snprintf(who, sizeof(who), "bob");
	ASSERT_EQ_STR("bob", detector__intern_ev(d, who));
	who[0] = '\0';
	ASSERT(detector__ev_str(d, &e, EVF_PRINCIPAL) == detector__intern(d, ""));
	/* fed: one event struct and one buffer for every event, a new
	 * principal and address each time: each its own identity */
	for (int i = 0; i < 4; i++) {
		snprintf(who, sizeof(who), "arn:aws:iam::111122223333:user/job-%d", i);
		snprintf(ip, sizeof(ip), "198.51.100.%d", 10 + i);
		e.time_ms = T0 + i * 1000;
		ASSERT_EQ_INT(0, detector__feed(d, &e));
		ASSERT(detector__ident(d, who) != NULL);
	}
	detector__stats(d, &st);
	ASSERT_EQ_U64(4, st.identities);
	for (int i = 0; i < 4; i++) {
		snprintf(who, sizeof(who), "arn:aws:iam::111122223333:user/job-%d", i);
		ASSERT(detector__ident(d, who) != NULL);
	}
	/* between events the last one's copies are not handed out for another */
	snprintf(who, sizeof(who), "arn:aws:iam::111122223333:user/job-9");
	ASSERT_EQ_STR(who, detector__ev_str(d, &e, EVF_PRINCIPAL));
	ASSERT(detector__ident(d, who) == NULL);
	detector__flush(d);
	detector__free(d);
}
