/* Hostile input across the formats: a 10 MB line, NUL bytes, invalid
 * UTF-8; each is one counted skip and the good records around it arrive.
 * Also format detection and the per-source stats. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "assert.h"
#include "audit_test_util.h"

#define S3LINE(id) "79a5 bkt [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - " id \
	" REST.GET.OBJECT k \"GET /bkt/k HTTP/1.1\" 200 - 5 5 7 - \"-\" \"x\" - hid\n"
#define MINIO(id) "{\"version\":\"1\",\"time\":\"2024-05-09T07:38:10Z\",\"api\":{\"name\":" \
	"\"GetObject\",\"bucket\":\"b\",\"object\":\"o\",\"statusCode\":200},\"remotehost\":" \
	"\"10.0.0.1\",\"requestID\":\"" id "\",\"accessKey\":\"k\"}\n"
#define CT(id) "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventName\":" \
	"\"GetObject\",\"eventSource\":\"s3.amazonaws.com\",\"requestID\":\"" id "\"}\n"

struct buf {
	char *p;
	size_t n, size;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->n + n > b->size) {
		b->size = (b->n + n) * 2;
		b->p = realloc(b->p, b->size);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

#define PUTS(b, s) put(b, s, sizeof(s) - 1)

/* good, 10 MB junk line, good, NUL line, good, invalid UTF-8 line, good. */
static struct got *hostile(const char *prefix, const char *good[4], const char *bad_utf8)
{
	struct buf b = { 0 };
	char path[] = "/tmp/gw-hostile-XXXXXX", spec[96];
	size_t big = 10u << 20;
	struct got *g;
	char *junk = malloc(big);
	int fd;

	memset(junk, 'A', big);
	put(&b, good[0], strlen(good[0]));
	put(&b, junk, big);
	PUTS(&b, "\n");
	put(&b, good[1], strlen(good[1]));
	put(&b, "xx\0yy\n", 6);
	put(&b, good[2], strlen(good[2]));
	put(&b, bad_utf8, strlen(bad_utf8));
	put(&b, good[3], strlen(good[3]));
	fd = mkstemp(path);
	if (fd < 0 || write(fd, b.p, b.n) != (ssize_t)b.n)
		return NULL;
	close(fd);
	free(b.p);
	free(junk);
	snprintf(spec, sizeof(spec), "%s%s", prefix, path);
	g = got_read(spec);
	unlink(path);
	return g;
}

TEST(hostile_s3access)
{
	const char *good[4] = { S3LINE("R1"), S3LINE("R2"), S3LINE("R3"), S3LINE("R4") };
	struct got *g = hostile("s3access:", good,
				"79a5 bkt [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R5 REST.GET.OBJECT "
				"\xff\xfe \"-\" 200 - 1 1 1 - \"-\" \"x\" - h\n");

	ASSERT(g);
	ASSERT_EQ_U64(4, g->st.events);
	ASSERT_EQ_U64(3, g->st.skipped);
	ASSERT_EQ_U64(3, g->st.skip_bad_bytes);
	ASSERT_EQ_STR("R4", g->ev[3].request_id);
	got_free(g);
}

/* A text log's lines are checked for UTF-8 from their first non-ASCII byte
 * on: valid multi-byte characters anywhere (before, on and after a 16-byte
 * boundary) pass, and an invalid byte after a valid character, or a
 * character cut by the line's end, still skips the line. */
TEST(s3access_utf8_checked_past_first_non_ascii)
{
	static const char text[] =
		"79a5 bkt [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - U1 REST.GET.OBJECT caf\xc3\xa9"
		" \"GET /bkt/k HTTP/1.1\" 200 - 5 5 7 - \"-\" \"x\xe2\x82\xac\" - hid\n"
		"79a5 bkt [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - U2 REST.GET.OBJECT \xc3\xa9k"
		" \"GET /bkt/k HTTP/1.1\" 200 - 5 5 7 - \"-\" \"x\xff\" - hid\n"
		"79a5 bkt [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - U3 REST.GET.OBJECT k"
		" \"GET /bkt/k HTTP/1.1\" 200 - 5 5 7 - \"-\" \"x\" - hid \xc3\n"
		"\xf0\x9f\x98\x80" "9a5 bkt [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - U4 REST.GET.OBJECT k"
		" \"GET /bkt/k HTTP/1.1\" 200 - 5 5 7 - \"-\" \"x\" - hid\r\n"
		"79a5 bkt [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - U5 REST.GET.OBJECT k"
		" \"GET /bkt/k HTTP/1.1\" 200 - 5 5 7 - \"-\" \"x\" - hid\r\n";
	char path[] = "/tmp/gw-utf8-XXXXXX", spec[96];
	struct got *g;
	int fd = mkstemp(path);

	ASSERT(fd >= 0);
	ASSERT(write(fd, text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1));
	close(fd);
	snprintf(spec, sizeof(spec), "s3access:%s", path);
	g = got_read(spec);
	unlink(path);
	ASSERT(g);
	ASSERT_EQ_U64(3, g->st.events);
	ASSERT_EQ_U64(2, g->st.skip_bad_bytes);
	ASSERT_EQ_STR("U1", g->ev[0].request_id);
	ASSERT_EQ_STR("caf\xc3\xa9", g->ev[0].object_key);
	ASSERT_EQ_STR("U5", g->ev[2].request_id);
	got_free(g);
}

TEST(hostile_minio_json_lines)
{
	const char *good[4] = { MINIO("R1"), MINIO("R2"), MINIO("R3"), MINIO("R4") };
	struct got *g = hostile("minio:", good,
				"{\"version\":\"1\",\"time\":\"2024-05-09T07:38:10Z\",\"api\":{\"name\":"
				"\"GetObject\",\"object\":\"\xc0\xaf\"},\"requestID\":\"R5\"}\n");

	ASSERT(g);
	ASSERT_EQ_U64(4, g->st.events);
	ASSERT_EQ_U64(3, g->st.skipped);
	ASSERT_EQ_STR("R1", g->ev[0].request_id);
	ASSERT_EQ_STR("R4", g->ev[3].request_id);
	got_free(g);
}

TEST(hostile_cloudtrail_json_lines)
{
	const char *good[4] = { CT("R1"), CT("R2"), CT("R3"), CT("R4") };
	struct got *g = hostile("cloudtrail:", good,
				"{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventName\":\"GetObject\","
				"\"userAgent\":\"\xed\xa0\x80\"}\n");

	ASSERT(g);
	ASSERT_EQ_U64(4, g->st.events);
	ASSERT_EQ_U64(3, g->st.skipped);
	ASSERT_EQ_U64(2, g->st.skip_bad_bytes);
	ASSERT_EQ_STR("R4", g->ev[3].request_id);
	got_free(g);
}

/* A damaged first line is one counted skip, as anywhere else: the good
 * records after it arrive, with the format given and detected. */
TEST(cloudtrail_bad_first_line_is_skipped)
{
	static const char body[] = "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventName\n"
		CT("R1") CT("R2") CT("R3");
	static const char *const prefix[] = { "cloudtrail:", "" };
	char path[] = "/tmp/gw-firstline-XXXXXX", spec[96];
	int fd = mkstemp(path);

	ASSERT(fd >= 0);
	ASSERT_EQ_INT((int)sizeof(body) - 1, (int)write(fd, body, sizeof(body) - 1));
	close(fd);
	for (size_t i = 0; i < 2; i++) {
		struct got *g;

		snprintf(spec, sizeof(spec), "%s%s", prefix[i], path);
		g = got_read(spec);
		ASSERT(g);
		if (g->st.events != 3 || g->st.skipped != 1 || g->st.files_failed)
			FAIL_AT("%s: expected 3 events, 1 skipped, 0 failed; got %llu, %llu, %llu", spec,
				(unsigned long long)g->st.events, (unsigned long long)g->st.skipped,
				(unsigned long long)g->st.files_failed);
		ASSERT_EQ_STR("R3", g->ev[2].request_id);
		got_free(g);
	}
	unlink(path);
}

TEST(detect_every_format_and_stats)
{
	static const struct {
		const char *spec;
		uint64_t events;
	} cases[] = {
		{ REAL "awsdocs_examples/s3_userguide_cloudtrail_records_wrapper.json", 3 },
		{ REAL "awsdocs_examples/s3_userguide_server_access_log_examples.log", 5 },
		{ REAL "gcp_security_analytics_fixtures/google.storage.objects.get-notInSameVPC.json", 1 },
		{ REAL "azure_storage_analytics/msdocs_storage_analytics_log_format_v1_samples.log", 8 },
		{ REAL "azure_storagebloblogs_secura/storagebloblogs_secura_2022-07.ndjson", 8 },
		{ REAL "minio/minio_docs_audit_sample_multipart.json", 1 },
	};
	char json[512];
	FILE *f;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct got *g = got_read(cases[i].spec);

		ASSERT(g);
		if (g->st.events != cases[i].events || g->st.files_failed)
			FAIL_AT("%s: expected %llu events, got %llu (files_failed %llu)", cases[i].spec,
				(unsigned long long)cases[i].events, (unsigned long long)g->st.events,
				(unsigned long long)g->st.files_failed);
		got_free(g);
	}
	{
		struct got *g = got_read(REAL "azure_storagebloblogs_secura/storagebloblogs_secura_2022-07.ndjson");

		ASSERT(g);
		f = fmemopen(json, sizeof(json), "w");
		ASSERT(f);
		ASSERT_EQ_INT(0, audit_stats__write_json(&g->st, f));
		fclose(f);
		ASSERT(strstr(json, "\"events\":8,"));
		ASSERT(strstr(json, "\"first\":\"2022-07-04T09:58:23.093Z\""));
		ASSERT(strstr(json, "\"last\":\"2022-07-06T"));
		got_free(g);
	}
	ASSERT_EQ_INT(-EINVAL, audit_source__check("nosuch:/tmp"));
	ASSERT_EQ_INT(0, audit_source__check("azure:" REAL "minio"));
}
