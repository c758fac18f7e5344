/* Streaming reads (agent/audit/reader.c): a file read through a window of a
 * byte, growing, one byte per read (so that every record is split at every
 * offset), or a few bytes at a time, gives the same events and counts as
 * the file read in one piece; for every format, plain and gzipped, on the
 * real samples and the test data. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "assert.h"
#include "audit/audit.h"
#include "audit/audit_internal.h"
#include "lib/strpool.h"

#define MAX_SIGS 512

struct sigs {
	uint64_t h[MAX_SIGS];
	size_t n;
};

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (h ^ 0xff) * 0x100000001b3ULL;
}

/* Every field of the event, hashed. */
static int keep_sig(const struct audit_event *ev, void *ctx)
{
	struct sigs *s = ctx;
	char nums[160];
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *strs[] = { ev->principal, ev->account, ev->access_key, ev->source_ip,
			       ev->user_agent, ev->region, ev->service, ev->api, ev->bucket,
			       ev->object_key, ev->error_code, ev->request_id,
			       ev->principal_account, ev->created, ev->request };

	snprintf(nums, sizeof(nums), "%lld %u %u %u %u %u %u %llu %llu", (long long)ev->time_ms,
		 ev->cloud, ev->action, ev->outcome, ev->principal_type, ev->key_long_term,
		 ev->principal_kind, (unsigned long long)ev->bytes_out,
		 (unsigned long long)ev->bytes_in);
	h = fnv(h, nums);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		h = fnv(h, strs[i]);
	if (s->n < MAX_SIGS)
		s->h[s->n] = h;
	s->n++;
	return 0;
}

/* Read path as format through a reader with the given sizes. */
static int read_stream(const char *path, const char *format, size_t window, size_t step,
		       unsigned flags, struct sigs *s, struct audit_stats *st)
{
	struct audit_reader *r;
	int rc;

	memset(s, 0, sizeof(*s));
	memset(st, 0, sizeof(*st));
	audit_dedup__reset();
	r = audit_reader__open(path, format, NULL, flags, st);
	if (!r)
		return -1;
	audit_reader__test_sizes(r, window, step);
	while ((rc = audit_reader__next_chunk(r, keep_sig, s)) > 0)
		;
	audit_reader__close(r);
	return rc;
}

static int same_stats(const struct audit_stats *a, const struct audit_stats *b)
{
	return a->files == b->files && a->files_failed == b->files_failed &&
	       a->records == b->records && a->events == b->events && a->skipped == b->skipped &&
	       a->bytes == b->bytes && a->ignored == b->ignored && a->digests == b->digests &&
	       a->duplicates == b->duplicates && a->skip_bad_bytes == b->skip_bad_bytes &&
	       a->not_logs == b->not_logs;
}

#define R "../shared/testdata/real-logs/"
#define D "tests/data/"

static const struct {
	const char *format, *path;
	size_t min_events;
} samples[] = {
	{ "cloudtrail", D "cloudtrail/records.json", 4 },
	{ "cloudtrail", D "cloudtrail/records.json.gz", 1 },
	{ "cloudtrail", D "cloudtrail/lines.jsonl", 3 },
	{ "cloudtrail", D "cloudtrail/lines-multimember.jsonl.gz", 3 },
	{ "cloudtrail", R "awsdocs_examples/s3_userguide_cloudtrail_records_wrapper.json", 1 },
	{ "cloudtrail", R "awsdocs_examples/s3_userguide_cloudtrail_outposts_putobject.json", 1 },
	{ "cloudtrail", R "elastic_integrations/aws_cloudtrail/test-cloudtrail-digest-json.log", 0 },
	{ "cloudtrail", R "elastic_integrations/aws_cloudtrail/test-copy-object-json.log", 1 },
	{ "s3access", R "awsdocs_examples/s3_userguide_server_access_log_examples.log", 2 },
	{ "s3access", R "elastic_integrations/aws_s3_server_access/test-s3-server-access.log", 2 },
	{ "azure", R "azure_storage_analytics/msdocs_storage_analytics_log_format_v1_samples.log", 2 },
	{ "azure", R "azure_storage_analytics/mslearn_storage_analytics_v2_real_capture.log", 1 },
	{ "azure", R "azure_storage_analytics/webjobs_parser_malformed.log", 0 },
	{ "azure", R "azure_storagebloblogs_secura/storagebloblogs_secura_2022-07.ndjson", 2 },
	{ "azure", R "azure_storagebloblogs_dynatrace/storagebloblogs_benign_function_checkpoint.ndjson", 1 },
	{ "gcs", R "gcp_security_analytics_fixtures/google.storage.objects.get-notInSameVPC.json", 1 },
	{ "gcs", R "gcp_security_analytics_fixtures/google.cloud.audit.AuditLog.setIamPolicy.json", 1 },
	{ "gcs", D "single_event/gcp/audit-logging-disabled/attack-sink-deleted.json", 1 },
	{ "azure-activity", D "single_event/azure/audit-logging-disabled/attack-diagnostic-setting-deleted.json", 1 },
	{ "azure-activity", D "single_event/azure/foreign-account-copy/attack-object-replication-foreign-subscription.json", 1 },
	{ "minio", R "minio/minio_audit_doc_samples.ndjson", 2 },
	{ "minio", R "minio/minio_docs_audit_sample_multipart.json", 1 },
};

/* The file read in pieces against the file read in one. */
static void check_split(const char *path, const char *format, size_t min_events)
{
	static const size_t sizes[][2] = { { 1, 1 }, { 1, 0 }, { 7, 3 }, { 64, 13 }, { 300, 0 } };
	static struct sigs whole, part;
	struct audit_stats ws, ps;

	/* a small gzip file inflated whole (libdeflate), against zlib's stream */
	ASSERT_EQ_INT(0, read_stream(path, format, 0, 0, AUDIT_READ_WHOLE_GZ, &whole, &ws));
	if (whole.n < min_events || ws.files != 1)
		FAIL_AT("%s: %zu events, %llu files", path, whole.n, (unsigned long long)ws.files);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		ASSERT_EQ_INT(0, read_stream(path, format, sizes[k][0], sizes[k][1], 0, &part, &ps));
		if (part.n != whole.n || !same_stats(&ws, &ps))
			FAIL_AT("%s window %zu step %zu: %zu events (%llu records, %llu skipped), "
				"whole: %zu (%llu, %llu)", path, sizes[k][0], sizes[k][1], part.n,
				(unsigned long long)ps.records, (unsigned long long)ps.skipped, whole.n,
				(unsigned long long)ws.records, (unsigned long long)ws.skipped);
		for (size_t i = 0; i < whole.n && i < MAX_SIGS; i++)
			if (part.h[i] != whole.h[i])
				FAIL_AT("%s window %zu step %zu: event %zu differs", path,
					sizes[k][0], sizes[k][1], i);
	}
}

/* gzip a file into a temporary one (several members when members > 1). */
static int gzip_to(const char *src, char *dst, int members)
{
	FILE *f = fopen(src, "rb");
	static char data[1 << 20];
	size_t n = f ? fread(data, 1, sizeof(data), f) : 0;
	gzFile g;
	int fd;

	if (f)
		fclose(f);
	fd = mkstemp(dst);
	if (fd < 0 || !n)
		return -1;
	close(fd);
	for (int m = 0; m < members; m++) {
		size_t from = n * (size_t)m / (size_t)members, to = n * (size_t)(m + 1) / (size_t)members;

		g = gzopen(dst, m ? "ab" : "wb");
		if (!g || gzwrite(g, data + from, (unsigned)(to - from)) != (int)(to - from))
			return -1;
		gzclose(g);
	}
	return 0;
}

TEST(stream_records_split_at_every_offset)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		check_split(samples[i].path, samples[i].format, samples[i].min_events);
		if (gw_test_failed)
			return;
	}
}

TEST(stream_gzip_split_at_every_offset)
{
	char path[32];

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		size_t n = strlen(samples[i].path);

		if (n > 3 && strcmp(samples[i].path + n - 3, ".gz") == 0)
			continue;   /* gzipped already */
		snprintf(path, sizeof(path), "/tmp/gw-stream-XXXXXX");
		ASSERT_EQ_INT(0, gzip_to(samples[i].path, path, 1 + (int)(i % 3)));
		check_split(path, samples[i].format, samples[i].min_events);
		unlink(path);
		if (gw_test_failed)
			return;
	}
}

/* A plain file read whole is read once: not a second time into the buffer
 * kept for gzip files read whole (which then held a copy of every plain
 * file as well); a gzip file still fills that buffer. */
TEST(stream_plain_file_read_whole_once)
{
	const char *plain = R "awsdocs_examples/s3_userguide_server_access_log_examples.log";
	static struct sigs s;
	struct audit_stats st;
	char path[32];

	audit_thread__release();
	ASSERT_EQ_U64(0, audit_reader__test_kept_gz_bytes());
	ASSERT_EQ_INT(0, read_stream(plain, "s3access", 0, 0, AUDIT_READ_WHOLE_GZ, &s, &st));
	ASSERT(s.n >= 2);
	ASSERT_EQ_U64(0, audit_reader__test_kept_gz_bytes());

	snprintf(path, sizeof(path), "/tmp/gw-stream-XXXXXX");
	ASSERT_EQ_INT(0, gzip_to(plain, path, 1));
	ASSERT_EQ_INT(0, read_stream(path, "s3access", 0, 0, AUDIT_READ_WHOLE_GZ, &s, &st));
	unlink(path);
	ASSERT(s.n >= 2);
	ASSERT(audit_reader__test_kept_gz_bytes() > 0);
	audit_thread__release();
}

/* A gzip file of n bytes of S3 server access log (unique request ids). */
static int gzip_lines(const char *path, size_t n)
{
	gzFile z = gzopen(path, "wb1");
	char line[320];
	size_t done = 0;
	int len;

	if (!z)
		return -1;
	for (unsigned i = 0; done < n; i++) {
		len = snprintf(line, sizeof(line),
			       "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bkt "
			       "[06/Feb/2019:00:00:38 +0000] 192.0.2.3 - R%08u REST.GET.OBJECT k "
			       "\"GET /bkt/k HTTP/1.1\" 200 - 5 5 7 - \"-\" \"x\" - hid\n", i);
		if (gzwrite(z, line, (unsigned)len) != len) {
			gzclose(z);
			return -1;
		}
		done += (size_t)len;
	}
	return gzclose(z) == Z_OK ? 0 : -1;
}

/* Holding several files open (analyze's merge), a gzip file is inflated
 * whole only when it holds a few MiB of log: a larger one is streamed
 * through its window, with the same events, and fills no kept buffer. */
TEST(stream_whole_small_streams_a_large_gzip_file)
{
	static struct sigs whole, small;
	struct audit_stats ws, ss;
	char path[32];

	snprintf(path, sizeof(path), "/tmp/gw-stream-XXXXXX");
	ASSERT(mkstemp(path) >= 0);
	ASSERT_EQ_INT(0, gzip_lines(path, (size_t)6 << 20));
	audit_thread__release();
	ASSERT_EQ_INT(0, read_stream(path, "s3access", 0, 0, AUDIT_READ_WHOLE_SMALL, &small, &ss));
	ASSERT_EQ_U64(0, audit_reader__test_kept_gz_bytes());
	ASSERT_EQ_INT(0, read_stream(path, "s3access", 0, 0, AUDIT_READ_WHOLE_GZ, &whole, &ws));
	ASSERT(audit_reader__test_kept_gz_bytes() > 0);
	audit_thread__release();
	ASSERT(ss.events > 20000);
	ASSERT_EQ_U64(whole.n, small.n);
	ASSERT(same_stats(&ws, &ss));
	ASSERT(memcmp(whole.h, small.h, sizeof(whole.h)) == 0);

	/* a small one is still inflated whole */
	ASSERT_EQ_INT(0, gzip_lines(path, (size_t)1 << 20));
	ASSERT_EQ_INT(0, read_stream(path, "s3access", 0, 0, AUDIT_READ_WHOLE_SMALL, &small, &ss));
	ASSERT(audit_reader__test_kept_gz_bytes() > 0);
	audit_thread__release();
	unlink(path);
}

/* Files read a piece at a time in turns (analyze's merge): between two
 * pieces a file holds only its unread bytes, its window waits in the
 * thread's cache for the next piece, and the events are those of a
 * straight read. */
TEST(stream_window_parked_between_pieces)
{
	static struct sigs one, a, b;
	struct audit_stats st1, sa, sb;
	struct audit_reader *ra, *rb;
	char path[32];
	int ka = 1, kb = 1;

	snprintf(path, sizeof(path), "/tmp/gw-stream-XXXXXX");
	ASSERT(mkstemp(path) >= 0);
	ASSERT_EQ_INT(0, gzip_lines(path, (size_t)9 << 20));
	ASSERT_EQ_INT(0, read_stream(path, "s3access", 0, 0, AUDIT_READ_DEFER_DEDUP, &one, &st1));
	audit_thread__release();
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&sa, 0, sizeof(sa));
	memset(&sb, 0, sizeof(sb));
	ra = audit_reader__open(path, "s3access", NULL, AUDIT_READ_DEFER_DEDUP, &sa);
	rb = audit_reader__open(path, "s3access", NULL, AUDIT_READ_DEFER_DEDUP, &sb);
	ASSERT(ra && rb);
	ASSERT_EQ_INT(1, audit_reader__next_chunk(ra, keep_sig, &a));
	ASSERT(audit_reader__test_kept_window() >= (size_t)1 << 20);
	while (ka > 0 || kb > 0) {
		if (ka > 0)
			ka = audit_reader__next_chunk(ra, keep_sig, &a);
		if (kb > 0)
			kb = audit_reader__next_chunk(rb, keep_sig, &b);
	}
	audit_reader__close(ra);
	audit_reader__close(rb);
	audit_thread__release();
	unlink(path);
	ASSERT_EQ_INT(0, ka);
	ASSERT_EQ_INT(0, kb);
	ASSERT(one.n > 50000);
	ASSERT_EQ_U64(one.n, a.n);
	ASSERT_EQ_U64(one.n, b.n);
	ASSERT(same_stats(&st1, &sa) && same_stats(&st1, &sb));
	ASSERT(memcmp(one.h, a.h, sizeof(one.h)) == 0 && memcmp(one.h, b.h, sizeof(one.h)) == 0);
}
