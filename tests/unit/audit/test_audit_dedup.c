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

struct keyed {
	size_t n, bad;
};

/* The key a text format makes from a record's bytes before the event is
 * filled must be the key of the event it delivers. */
static int check_key(const struct audit_event *ev, void *ctx)
{
	struct keyed *k = ctx;

	k->n++;
	if (ev->dedup_key != audit_dedup__key(ev, ev->request_id, strlen(ev->request_id)))
		k->bad++;
	return 0;
}

static void read_keyed(const char *prefix, const char *text, struct keyed *k)
{
	struct strpool *pool = strpool__new();
	struct audit_stats st = { 0 };
	char path[64], spec[96];

	memset(k, 0, sizeof(*k));
	ASSERT(pool);
	ASSERT_EQ_INT(0, got_tmp_text(path, sizeof(path), text));
	snprintf(spec, sizeof(spec), "%s:%s", prefix, path);
	ASSERT_EQ_INT(0, audit_source__read_flags(spec, pool, AUDIT_READ_DEFER_DEDUP, check_key, k,
						  &st));
	unlink(path);
	strpool__free(pool);
}

#define S3L(key, reqid) "o bkt [01/Aug/2019:00:24:41 +0000] 192.0.2.3 arn:aws:iam::1:user/u " \
	reqid " REST.GET.OBJECT " key " \"GET /bkt HTTP/1.1\" 200 - 5 5 1 - \"-\" \"ua\" - " \
	"id SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader bkt.s3.amazonaws.com TLSv1.2\n"
#define AZL(key, reqid) "1.0;2024-03-01T00:00:00.9582285Z;GetBlob;Success;200;5;18;" \
	"authenticated;acct;acct;blob;\"https://acct.blob.core.windows.net/c/b\";\"" key "\";" \
	reqid ";0;192.0.2.9:6418;2019-12-12;772;0;205;22;0;;;\"\"0x8D9\"\";Thu;;\"ua\";;\"x\"\n"

TEST(dedup_key_made_early_is_the_events)
{
	struct keyed k;

	read_keyed("s3access", S3L("a/b%20c.txt", "R1") S3L("plain/key", "R2") S3L("-", "R3")
		   S3L("k", "-") S3L("%2Fx%zz", "R4"), &k);
	ASSERT_EQ_U64(5, k.n);
	ASSERT_EQ_U64(0, k.bad);
	read_keyed("azure", AZL("/acct/c/b/x.bin", "e49a29e6") AZL("/acct/c/a&amp;b", "f1")
		   AZL("/acct/c", "f2") AZL("/acct/c/", "f3") AZL("/acct/c/x", "")
		   AZL("https://acct.blob.core.windows.net/c/u?sv=1", "f4"), &k);
	ASSERT_EQ_U64(6, k.n);
	ASSERT_EQ_U64(0, k.bad);
	audit_dedup__reset();
}

/* The merge checks its events a batch at a time: the answers are those of
 * one check after the other, a repeat inside the batch included, and the
 * ids stay remembered for later batches and single checks. */
TEST(dedup_check_batch_is_one_check_after_another)
{
	enum { N = 600 };
	static struct audit_event ev[N];
	static const struct audit_event *p[N];
	static uint8_t one[N], batch[N];
	size_t done, round, n, dups = 0;

	for (size_t i = 0; i < N; i++) {
		/* every fifth repeats an id of 37 events before; every seventh
		 * has none (never a duplicate) */
		ev[i].time_ms = 1714557600000LL + (int64_t)i * 1000;
		ev[i].dedup_key = i % 7 == 0 ? 0 :
				  i % 5 == 0 && i >= 40 ? 0x9e3779b97f4a7c15ULL * (i - 37) + 1 :
				  0x9e3779b97f4a7c15ULL * i + 1;
		p[i] = &ev[i];
	}
	audit_dedup__reset();
	for (size_t i = 0; i < N; i++)
		dups += one[i] = (uint8_t)audit_dedup__check(&ev[i]);
	ASSERT(dups > 50);
	audit_dedup__reset();
	/* batches of uneven sizes, some of them empty */
	for (done = 0, round = 0; done < N; round++) {
		n = round % 3 == 0 ? 256 : round % 3 == 1 ? 0 : 17;
		if (n > N - done)
			n = N - done;
		audit_dedup__check_batch(p + done, n, batch + done);
		done += n;
	}
	ASSERT(memcmp(one, batch, N) == 0);
	/* remembered after the batches */
	ASSERT_EQ_INT(1, audit_dedup__check(&ev[1]));
	ASSERT_EQ_INT(0, audit_dedup__check(&ev[7]));
	audit_dedup__reset();
}
