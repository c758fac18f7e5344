/* The detector's memory follows its identities, not the events: a day of
 * reads of ever new objects (a backup job's, a crawler's) does not fill
 * the string pool with the object keys its open hours sample. */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/detect.h"

#define DAY0 1792454400000LL   /* 2026-10-20T00:00:00Z, a Tuesday */
#define HOUR 3600000LL
#define PRINCIPALS 100
#define READS 20              /* per principal and hour: under every floor */

static struct audit_event read_of(int64_t t, const char *who, const char *key)
{
	struct audit_event e = {
		.time_ms = t, .cloud = GW_CLOUD_AWS, .action = GW_ACT_OBJECT_READ,
		.outcome = GW_OUT_OK, .principal_type = GW_PT_USER, .key_long_term = 1,
		.principal = who, .account = "111122223333", .access_key = "AKIAEXAMPLEMEMORY001",
		.source_ip = "203.0.113.10", .user_agent = "aws-cli/2.17.60", .region = "us-east-1",
		.service = "s3.amazonaws.com", .api = "GetObject", .bucket = "backups",
		.object_key = key, .error_code = "", .request_id = "", .bytes_out = 1000,
	};

	return e;
}

TEST(detect_strings_do_not_grow_with_sampled_objects)
{
	struct detector *d = detector__new(NULL);
	struct detector_stats st;
	struct audit_event e;
	char who[PRINCIPALS][64], key[160];
	uint64_t n = 0;

	ASSERT(d != NULL);
	for (int p = 0; p < PRINCIPALS; p++)
		snprintf(who[p], sizeof(who[p]), "arn:aws:iam::111122223333:user/job-%03d", p);
	/* one stream day (the pool's daily sweep never runs): 100 principals,
	 * each 20 reads an hour of objects never read before */
	for (int h = 0; h < 24; h++)
		for (int r = 0; r < READS; r++)
			for (int p = 0; p < PRINCIPALS; p++) {
				snprintf(key, sizeof(key), "nightly/2026/10/20/host-%03d/"
					 "segment-%08llu-with-a-long-descriptive-name.tar.zst", p,
					 (unsigned long long)n++);
				e = read_of(DAY0 + h * HOUR + (r * 60 + p % 60) * 1000, who[p], key);
				ASSERT(detector__feed(d, &e) == 0);
			}
	detector__stats(d, &st);
	/* 48,000 distinct keys of ~90 bytes; sampling five per identity-hour
	 * and interning them would hold 12,000 of them (over 1 MB) */
	ASSERT(st.strings_bytes < 512 * 1024);
	detector__flush(d);
	detector__free(d);
}

/* principal i of a crowd, into buf */
static const char *crowd(char *buf, size_t len, int i)
{
	snprintf(buf, len, "arn:aws:iam::111122223333:user/crowd-%05d", i);
	return buf;
}

/* A crowd that read once and went quiet: its bulk-download rings (a
 * window of reads each) are given back once the window has passed, not
 * kept until each principal reads again. */
TEST(detect_bulk_rings_freed_when_idle)
{
	struct detector *d = detector__new(NULL);
	struct detector_stats s0, s1, s2;
	struct audit_event e;
	char who[64];

	ASSERT(d != NULL);
	detector__stats(d, &s0);
	for (int p = 0; p < 2000; p++) {
		e = read_of(DAY0 + 10 * HOUR + p, crowd(who, sizeof(who), p), "a/b.csv");
		ASSERT(detector__feed(d, &e) == 0);
	}
	detector__stats(d, &s1);
	/* two hours later, one read of another principal: the stream hour's
	 * pass finds the crowd's reads a window old */
	e = read_of(DAY0 + 12 * HOUR + 1000, "arn:aws:iam::111122223333:user/other", "a/c.csv");
	ASSERT(detector__feed(d, &e) == 0);
	detector__stats(d, &s2);
	printf("state bytes: empty %llu, crowd %llu, crowd idle %llu\n",
	       (unsigned long long)s0.state_bytes, (unsigned long long)s1.state_bytes,
	       (unsigned long long)s2.state_bytes);
	/* a ring of one read is over 120 bytes a principal */
	ASSERT(s2.state_bytes + 2000 * 120 <= s1.state_bytes);
	detector__flush(d);
	detector__free(d);
}

/* Every identity of a log is new in the log's first hour: the first-sighting
 * rule's room for them is made smaller once they are judged, not kept for
 * the rest of the stream. */
TEST(detect_first_sighting_room_shrinks_after_crowd)
{
	struct detector *d = detector__new(NULL);
	struct detector_stats s1, s2;
	struct audit_event e;
	char who[64];

	ASSERT(d != NULL);
	for (int p = 0; p < 20000; p++) {
		e = read_of(DAY0 + 10 * HOUR + p, crowd(who, sizeof(who), p), "a/b.csv");
		ASSERT(detector__feed(d, &e) == 0);
	}
	detector__stats(d, &s1);
	e = read_of(DAY0 + 12 * HOUR, "arn:aws:iam::111122223333:user/other", "a/c.csv");
	ASSERT(detector__feed(d, &e) == 0);
	detector__stats(d, &s2);
	printf("state bytes: crowd new %llu, judged %llu\n", (unsigned long long)s1.state_bytes,
	       (unsigned long long)s2.state_bytes);
	/* 32,768 entries of room (over 150 bytes each) down to 4,096 */
	ASSERT(s2.state_bytes + 20000ull * 200 <= s1.state_bytes);
	detector__flush(d);
	detector__free(d);
}
