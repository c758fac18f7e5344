/* The daemon's local audit sources (agent/audit/local.c): each settled file
 * read once, remembered in the state file across restarts, a file still
 * being written left for later, a grown file read again, and the FORMAT:
 * prefix kept for every file of a directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "assert.h"
#include "audit/audit.h"

static int count_event(const struct audit_event *ev, void *ctx)
{
	(void)ev;
	(*(int *)ctx)++;
	return 0;
}

/* Copy the CloudTrail test records to path, modified `age` seconds ago. */
static void put_file(const char *path, int age)
{
	char cmd[512];
	struct timeval tv[2];

	snprintf(cmd, sizeof(cmd), "cp %s %s", TESTDATA("cloudtrail/lines.jsonl"), path);
	if (system(cmd) != 0)
		return;
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= age;
	tv[1] = tv[0];
	utimes(path, tv);
}

static int pull(const char *state, const char *spec)
{
	struct strpool *pool = strpool__new();
	struct local_sources *ls = local_sources__new(state);
	struct audit_stats st = { 0 };
	int n = 0;

	if (!pool || !ls || local_sources__pull(ls, spec, pool, count_event, &n, &st) < 0 ||
	    local_sources__save(ls) < 0)
		n = -1;
	local_sources__free(ls);
	strpool__free(pool);
	audit_dedup__reset();
	return n;
}

/* What gatewatch analyze reads from the test records. */
static int direct(void)
{
	struct strpool *pool = strpool__new();
	struct audit_stats st = { 0 };
	int n = 0;

	if (!pool || audit_source__read("cloudtrail:" TESTDATA("cloudtrail/lines.jsonl"), pool,
					count_event, &n, &st) < 0)
		n = -1;
	strpool__free(pool);
	audit_dedup__reset();
	return n;
}

TEST(local_sources_read_each_settled_file_once)
{
	char dir[] = "/tmp/gw-local-XXXXXX", logs[64], state[64], a[96], b[96], spec[128], cmd[256];

	int want = direct();

	ASSERT(want > 0);
	ASSERT(mkdtemp(dir));
	snprintf(logs, sizeof(logs), "%s/logs", dir);
	snprintf(state, sizeof(state), "%s/sources.state", dir);
	ASSERT_EQ_INT(0, mkdir(logs, 0700));
	snprintf(a, sizeof(a), "%s/a.jsonl", logs);
	snprintf(b, sizeof(b), "%s/b.jsonl", logs);
	snprintf(spec, sizeof(spec), "cloudtrail:%s", logs);
	put_file(a, 60);
	/* still being written: left for a later pull (modified "in the
	 * future", so that a slow machine cannot see it settle mid-test) */
	put_file(b, -30);
	ASSERT_EQ_INT(want, pull(state, spec));
	/* a new process with the same state file reads nothing again ... */
	ASSERT_EQ_INT(0, pull(state, spec));
	/* ... until b has settled */
	put_file(b, 60);
	ASSERT_EQ_INT(want, pull(state, spec));
	ASSERT_EQ_INT(0, pull(state, spec));
	/* a file that changed (size or mtime) is read again */
	snprintf(cmd, sizeof(cmd), "cat %s >> %s", TESTDATA("cloudtrail/lines.jsonl"), a);
	ASSERT_EQ_INT(0, system(cmd));
	put_file(b, 120);
	ASSERT(pull(state, spec) > 0);
	/* a directory that is not there yet is no error: a sync tool may make it */
	snprintf(spec, sizeof(spec), "cloudtrail:%s/later", dir);
	ASSERT_EQ_INT(0, pull(state, spec));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ_INT(0, system(cmd));
}

TEST(local_sources_keep_the_format_prefix)
{
	char dir[] = "/tmp/gw-local-XXXXXX", state[64], f[96], spec[128], cmd[256];

	int want = direct();

	ASSERT(want > 0);
	ASSERT(mkdtemp(dir));
	snprintf(state, sizeof(state), "%s/sources.state", dir);
	snprintf(f, sizeof(f), "%s/records.jsonl", dir);
	put_file(f, 60);
	/* CloudTrail records named as S3 access logs are not CloudTrail events */
	snprintf(spec, sizeof(spec), "s3access:%s", f);
	ASSERT_EQ_INT(0, pull(state, spec));
	snprintf(cmd, sizeof(cmd), "rm -f %s", state);
	ASSERT_EQ_INT(0, system(cmd));
	snprintf(spec, sizeof(spec), "cloudtrail:%s", f);
	ASSERT_EQ_INT(want, pull(state, spec));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ_INT(0, system(cmd));
}

/* A damaged state file: lines that are not "SIZE MTIME PATH" (garbage,
 * numbers out of range, no path, a line longer than any path) are skipped
 * one by one; the good lines among them still hold. */
TEST(local_sources_damaged_state_lines_are_skipped)
{
	char dir[] = "/tmp/gw-local-XXXXXX", logs[64], state[64], a[96], b[96], spec[128], cmd[256];
	struct stat sa;
	FILE *f;
	int want = direct();

	ASSERT(want > 0);
	ASSERT(mkdtemp(dir));
	snprintf(state, sizeof(state), "%s/sources.state", dir);
	snprintf(logs, sizeof(logs), "%s/logs", dir);
	ASSERT_EQ_INT(0, mkdir(logs, 0700));
	snprintf(a, sizeof(a), "%s/a.jsonl", logs);
	snprintf(b, sizeof(b), "%s/b.jsonl", logs);
	put_file(a, 60);
	put_file(b, 60);
	ASSERT_EQ_INT(0, stat(a, &sa));
	f = fopen(state, "w");
	ASSERT(f != NULL);
	fprintf(f, "garbage\n-1 x %s\n99999999999999999999999 1 %s\n12 34\n12 34 \n", b, b);
	for (int i = 0; i < 5000; i++)
		fputc('9', f);
	fprintf(f, " 1 %s\n%lld %lld %s\n", b, (long long)sa.st_size, (long long)sa.st_mtime, a);
	fprintf(f, "%lld %lld %s", (long long)sa.st_size + 1, (long long)sa.st_mtime, b);
	fclose(f);
	/* a was read already; b's line has another size: b is read again */
	snprintf(spec, sizeof(spec), "cloudtrail:%s", logs);
	ASSERT_EQ_INT(want, pull(state, spec));
	ASSERT_EQ_INT(0, pull(state, spec));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ_INT(0, system(cmd));
}
