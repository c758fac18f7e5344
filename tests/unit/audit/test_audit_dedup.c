/* De-duplication by the cloud's event id: a record delivered twice reaches
 * the callback once, whatever file or source it came through. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assert.h"
#include "audit/audit_internal.h"
#include "audit_test_util.h"

/* Read spec into g without forgetting the ids of earlier reads. */
static void read_more(const char *spec, struct got *g)
{
	g->rc = audit_source__read(spec, g->pool, got_keep, g, &g->st);
}

#define CT(id, sec) "{\"eventTime\":\"2024-05-01T10:00:" sec "Z\",\"eventName\":\"GetObject\"," \
	"\"eventSource\":\"s3.amazonaws.com\",\"eventID\":\"" id "\",\"requestID\":\"R\"}\n"

TEST(dedup_same_file_read_twice)
{
	char a[64], spec[96];
	struct got *g;

	ASSERT_EQ_INT(0, got_tmp_text(a, sizeof(a), CT("ev-1", "01") CT("ev-2", "02") CT("ev-3", "03")));
	snprintf(spec, sizeof(spec), "cloudtrail:%s", a);
	g = got_read(spec);
	ASSERT(g);
	ASSERT_EQ_INT(0, g->rc);
	ASSERT_EQ_U64(3, g->st.events);
	ASSERT_EQ_U64(0, g->st.duplicates);
	read_more(spec, g);
	ASSERT_EQ_INT(0, g->rc);
	ASSERT_EQ_U64(6, g->st.records);
	ASSERT_EQ_U64(3, g->st.events);
	ASSERT_EQ_U64(3, g->st.duplicates);
	ASSERT_EQ_U64(3, g->n);
	/* a new analysis starts afresh */
	audit_dedup__reset();
	read_more(spec, g);
	unlink(a);
	ASSERT_EQ_U64(6, g->st.events);
	got_free(g);
}

TEST(dedup_overlapping_sources)
{
	/* Two exports overlapping in ev-2 and ev-3; requestID is shared by all
	 * and must not be what CloudTrail records are told apart by. */
	char a[64], b[64], spec[96];
	struct got *g;

	ASSERT_EQ_INT(0, got_tmp_text(a, sizeof(a), CT("ev-1", "01") CT("ev-2", "02") CT("ev-3", "03")));
	ASSERT_EQ_INT(0, got_tmp_text(b, sizeof(b), CT("ev-2", "02") CT("ev-3", "03") CT("ev-4", "04")));
	snprintf(spec, sizeof(spec), "cloudtrail:%s", a);
	g = got_read(spec);
	snprintf(spec, sizeof(spec), "cloudtrail:%s", b);
	read_more(spec, g);
	unlink(a);
	unlink(b);
	ASSERT_EQ_U64(6, g->st.records);
	ASSERT_EQ_U64(4, g->st.events);
	ASSERT_EQ_U64(2, g->st.duplicates);
	ASSERT_EQ_INT(got_ms("2024-05-01T10:00:01Z"), g->ev[0].time_ms);
	ASSERT_EQ_INT(got_ms("2024-05-01T10:00:04Z"), g->ev[3].time_ms);
	got_free(g);
}

TEST(dedup_batch_delete_lines_kept)
{
	/* One S3 multi-object delete: a line per key under one request id. */
	static const char line[] =
		"o bkt [01/Aug/2019:00:24:41 +0000] 192.0.2.3 arn:aws:iam::1:user/u REQ1 "
		"BATCH.DELETE.OBJECT %s \"POST /bkt?delete HTTP/1.1\" 204 - - - 1 - \"-\" \"ua\" - "
		"id SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader bkt.s3.amazonaws.com TLSv1.2\n";
	char data[2048], path[64], spec[96];
	struct got *g;
	int n = 0;

	for (int i = 0; i < 3; i++) {
		char key[16];

		snprintf(key, sizeof(key), "key-%d", i);
		n += snprintf(data + n, sizeof(data) - (size_t)n, line, key);
	}
	ASSERT_EQ_INT(0, got_tmp_text(path, sizeof(path), data));
	snprintf(spec, sizeof(spec), "s3access:%s", path);
	g = got_read(spec);
	unlink(path);
	ASSERT(g);
	ASSERT_EQ_U64(3, g->st.records);
	ASSERT_EQ_U64(3, g->st.events);
	ASSERT_EQ_U64(0, g->st.duplicates);
	got_free(g);
}

TEST(dedup_bounded_and_evicted_by_event_time)
{
	struct audit_event ev = { .cloud = GW_CLOUD_AWS, .api = "GetObject", .object_key = "" };
	char id[32];
	int n;

	audit_dedup__reset();
	ev.time_ms = got_ms("2024-05-01T00:00:00Z");
	ASSERT_EQ_INT(0, audit_dedup__seen(&ev, "first", 5));
	ASSERT_EQ_INT(1, audit_dedup__seen(&ev, "first", 5));
	/* Half a million more ids: the set stays at its fixed size, so the
	 * oldest id is forgotten while the most recent are remembered. */
	for (int i = 0; i < 500000; i++) {
		n = snprintf(id, sizeof(id), "id-%d", i);
		ASSERT_EQ_INT(0, audit_dedup__seen(&ev, id, (size_t)n));
	}
	ASSERT_EQ_INT(0, audit_dedup__seen(&ev, "first", 5));
	ASSERT_EQ_INT(1, audit_dedup__seen(&ev, "id-499999", 9));
	/* Two days of event time later, yesterday's ids are gone. */
	audit_dedup__reset();
	ASSERT_EQ_INT(0, audit_dedup__seen(&ev, "old", 3));
	ev.time_ms += (int64_t)25 * 3600 * 1000;
	ASSERT_EQ_INT(0, audit_dedup__seen(&ev, "new", 3));
	ev.time_ms += (int64_t)25 * 3600 * 1000;
	ASSERT_EQ_INT(0, audit_dedup__seen(&ev, "newer", 5));
	ev.time_ms -= (int64_t)50 * 3600 * 1000;
	ASSERT_EQ_INT(0, audit_dedup__seen(&ev, "old", 3));
	/* no id: never a duplicate */
	ASSERT_EQ_INT(0, audit_dedup__seen(&ev, "", 0));
	ASSERT_EQ_INT(0, audit_dedup__seen(&ev, "", 0));
	audit_dedup__reset();
}

/* An id survives one generation change: after the set moves on (a day of
 * event time later), the previous generation is still asked. */
TEST(dedup_previous_generation_remembered)
{
	struct audit_event ev = { .cloud = GW_CLOUD_AWS, .api = "GetObject", .object_key = "" };
	int64_t t0 = got_ms("2024-05-01T00:00:00Z");

	audit_dedup__reset();
	ev.time_ms = t0;
	ASSERT_EQ_INT(0, audit_dedup__seen(&ev, "early", 5));
	ev.time_ms = t0 + (int64_t)25 * 3600 * 1000;   /* moves to the other generation */
	ASSERT_EQ_INT(0, audit_dedup__seen(&ev, "late", 4));
	ev.time_ms = t0;
	ASSERT_EQ_INT(1, audit_dedup__seen(&ev, "early", 5));
	ev.time_ms = t0 + (int64_t)25 * 3600 * 1000;
	ASSERT_EQ_INT(1, audit_dedup__seen(&ev, "late", 4));
	audit_dedup__reset();
}
