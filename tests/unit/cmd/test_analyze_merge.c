/* analyze's time-ordered merge (agent/cmd/analyze_merge.c) in bounded
 * memory: a file is pulled piece by piece rather than held whole; a file
 * whose records jump around in time cannot grow what the merge holds past
 * its bound (what falls out is counted, and every event is still handed
 * over); files beyond the open-file bound wait their turn. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assert.h"
#include "audit/audit.h"
#include "cmd/analyze_merge.h"
#include "lib/isotime.h"

#define T0 1795914000000LL   /* 2026-11-29T01:00:00Z */

struct seen {
	size_t n, unsorted;
	int64_t last;
};

static int see(const struct audit_event *ev, void *ctx)
{
	struct seen *s = ctx;

	if (s->n++ && ev->time_ms < s->last)
		s->unsorted++;
	if (ev->time_ms > s->last)
		s->last = ev->time_ms;
	return 0;
}

/* n CloudTrail records (JSON lines, about 700 bytes each) with the times
 * at(i) seconds after T0, into dir/name. 0 or -1. */
static int write_trail(const char *dir, const char *name, size_t n, long (*at)(size_t),
		       unsigned file)
{
	char path[512], when[40];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	for (size_t i = 0; i < n; i++) {
		iso8601__format(T0 + (int64_t)at(i) * 1000, when, sizeof(when));
		fprintf(f, "{\"eventTime\":\"%s\",\"eventSource\":\"s3.amazonaws.com\","
			"\"eventName\":\"GetObject\",\"awsRegion\":\"us-east-1\","
			"\"sourceIPAddress\":\"198.51.100.%zu\",\"userAgent\":\"[aws-cli/2.15.30 "
			"Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/s3.cp]\","
			"\"eventID\":\"%08x-0000-4000-8000-%012zx\",\"userIdentity\":{\"type\":"
			"\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/u%zu\",\"accountId\":"
			"\"111122223333\",\"accessKeyId\":\"AKIA%016zu\"},\"requestParameters\":"
			"{\"bucketName\":\"data\",\"key\":\"exports/2026/11/part-%08zu.parquet\"},"
			"\"additionalEventData\":{\"bytesTransferredOut\":%zu,\"x-amz-id-2\":"
			"\"ZxZxZxZxZxZxZxZxZxZxZxZxZxZxZxZxZxZxZxZxZxZxZxZxZxZxZxZxZxZx\"},"
			"\"recipientAccountId\":\"111122223333\"}\n",
			when, i % 250, file, i, i % 97, i % 97, i, 1000 + i);
	}
	return fclose(f) ? -1 : 0;
}

static long in_order(size_t i)
{
	return (long)i / 4;
}

/* Half the records a day apart from the other half, alternating. */
static long jumping(size_t i)
{
	return (long)(i / 2) + (i % 2 ? 86400 : 0);
}

struct run {
	char dir[64];
	struct audit_unit *u;
	size_t nu;
	struct audit_stats st;
	struct merge_stats ms;
	struct seen seen;
};

static int run_merge(struct run *r, unsigned max_open, uint64_t max_held)
{
	struct merge_opts o = { .units = r->u, .nunits = r->nu, .reorder_ms = 900 * 1000,
				.threads = 2, .max_open = max_open, .max_held_bytes = max_held };

	memset(&r->st, 0, sizeof(r->st));
	memset(&r->seen, 0, sizeof(r->seen));
	audit_dedup__reset();
	return merge__run(&o, see, &r->seen, &r->st, &r->ms);
}

static int run_units(struct run *r)
{
	char spec[96];
	struct audit_stats st = { 0 };

	snprintf(spec, sizeof(spec), "cloudtrail:%s", r->dir);
	return audit_source__units(spec, &r->u, &r->nu, &st);
}

static void run_clean(struct run *r)
{
	char path[512];

	for (size_t i = 0; i < r->nu; i++)
		unlink(r->u[i].path);
	audit_units__free(r->u, r->nu);
	snprintf(path, sizeof(path), "%s", r->dir);
	rmdir(path);
}

/* A 28 MB file is merged piece by piece: what is held at once is a few
 * pieces and the window, not the file. */
TEST(analyze_merge_pulls_pieces)
{
	struct run r = { .dir = "/tmp/gw-merge-XXXXXX" };
	size_t n = 40000;
	int rc;

	ASSERT(mkdtemp(r.dir));
	ASSERT_EQ_INT(0, write_trail(r.dir, "trail.json", n, in_order, 1));
	ASSERT_EQ_INT(0, run_units(&r));
	rc = run_merge(&r, 0, 0);
	run_clean(&r);
	ASSERT_EQ_INT(0, rc);
	ASSERT_EQ_U64(n, r.seen.n);
	ASSERT_EQ_U64(0, r.seen.unsorted);
	ASSERT_EQ_U64(0, r.ms.late);
	ASSERT_EQ_U64(0, r.ms.overflow);
	if (r.ms.peak_events >= n / 2)
		FAIL_AT("held %llu of %zu events at once, expected the file in pieces",
			(unsigned long long)r.ms.peak_events, n);
}

/* Records that jump a day back and forth: without a bound the merge would
 * hold the whole file; with one it holds no more than the bound and a
 * piece, hands the earliest over before their turn (overflow), counts what
 * comes behind them as late, and loses nothing. With the default bound the
 * same file is merged in order. */
TEST(analyze_merge_bounds_jumping_records)
{
	struct run r = { .dir = "/tmp/gw-merge-XXXXXX" };
	uint64_t bound = (uint64_t)6 << 20;
	size_t n = 40000;
	int rc;

	ASSERT(mkdtemp(r.dir));
	ASSERT_EQ_INT(0, write_trail(r.dir, "jumping.json", n, jumping, 2));
	ASSERT_EQ_INT(0, run_units(&r));
	rc = run_merge(&r, 0, bound);
	fprintf(stderr, "  bounded: %zu events, overflow %llu, late %llu, peak %llu bytes\n",
		r.seen.n, (unsigned long long)r.ms.overflow, (unsigned long long)r.ms.late,
		(unsigned long long)r.ms.peak_bytes);
	if (rc == 0 && !(r.seen.n == n && r.ms.overflow && r.ms.late &&
			 r.ms.peak_bytes < bound + ((uint64_t)12 << 20)))
		rc = -EINVAL;
	if (rc == 0)
		rc = run_merge(&r, 0, 0);
	run_clean(&r);
	ASSERT_EQ_INT(0, rc);
	ASSERT_EQ_U64(n, r.seen.n);
	ASSERT_EQ_U64(0, r.ms.overflow);
	ASSERT_EQ_U64(0, r.seen.unsorted);
	ASSERT_EQ_U64(0, r.ms.late);
}

/* Six files of two pieces each over the same hour, at most two open: the
 * other four wait (counted), and every event still comes, in order. */
TEST(analyze_merge_bounds_open_files)
{
	struct run r = { .dir = "/tmp/gw-merge-XXXXXX" };
	size_t n = 8000;
	char name[32];
	int rc;

	ASSERT(mkdtemp(r.dir));
	for (unsigned f = 0; f < 6; f++) {
		snprintf(name, sizeof(name), "part%u.json", f);
		ASSERT_EQ_INT(0, write_trail(r.dir, name, n, in_order, 10 + f));
	}
	ASSERT_EQ_INT(0, run_units(&r));
	rc = run_merge(&r, 2, 0);
	fprintf(stderr, "  two open: %zu events, %zu unsorted, %llu files waited\n", r.seen.n,
		r.seen.unsorted, (unsigned long long)r.ms.files_waited);
	if (rc == 0 && !(r.seen.n == 6 * n && !r.seen.unsorted && r.ms.files_waited == 4))
		rc = -EINVAL;
	if (rc == 0)
		rc = run_merge(&r, 0, 0);
	run_clean(&r);
	ASSERT_EQ_INT(0, rc);
	ASSERT_EQ_U64(6 * n, r.seen.n);
	ASSERT_EQ_U64(0, r.ms.files_waited);
	ASSERT_EQ_U64(0, r.seen.unsorted);
}
