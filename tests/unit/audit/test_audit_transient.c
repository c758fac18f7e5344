/* AUDIT_READ_TRANSIENT: the pool is emptied after every file, so a reader
 * whose callback copies what it keeps holds one file's strings at a time;
 * the events it sees are the same as without the flag. */
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assert.h"
#include "audit_test_util.h"

#define NFILES 3
#define NRECS 500

/* {"Records":[...]} of NRECS records whose strings are all the file's own. */
static char *delivery(int file, size_t *len)
{
	size_t size = NRECS * 400 + 64, n = 0;
	char *s = malloc(size);

	if (!s)
		return NULL;
	n += (size_t)snprintf(s + n, size - n, "{\"Records\":[");
	for (int i = 0; i < NRECS; i++)
		n += (size_t)snprintf(s + n, size - n,
			"%s{\"eventTime\":\"2024-05-01T10:%02d:%02dZ\",\"eventName\":\"GetObject\","
			"\"eventSource\":\"s3.amazonaws.com\",\"eventID\":\"e-%d-%d\",\"requestID\":\"r-%d-%d\","
			"\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::1:user/u%d\"},"
			"\"requestParameters\":{\"bucketName\":\"b%d\",\"key\":\"k/%d/%d\"}}",
			i ? "," : "", file, i % 60, file, i, file, i, file, file, file, i);
	n += (size_t)snprintf(s + n, size - n, "]}");
	*len = n;
	return s;
}

/* NFILES files in a new directory, the last one gzipped. */
static int write_files(char *dir)
{
	struct libdeflate_compressor *z = libdeflate_alloc_compressor(1);
	char path[128], *text, *gz;
	size_t len = 0, glen;
	FILE *f;
	int ok = 1;

	if (!z || !mkdtemp(dir))
		return -1;
	for (int i = 0; i < NFILES && ok; i++) {
		text = delivery(i, &len);
		gz = malloc(len + 1024);
		glen = text && gz ? libdeflate_gzip_compress(z, text, len, gz, len + 1024) : 0;
		snprintf(path, sizeof(path), "%s/%d.json%s", dir, i, i == NFILES - 1 ? ".gz" : "");
		f = fopen(path, "w");
		ok = f && glen && (i == NFILES - 1 ? fwrite(gz, 1, glen, f) == glen :
				   fwrite(text, 1, len, f) == len);
		if (f && fclose(f))
			ok = 0;
		free(text);
		free(gz);
	}
	libdeflate_free_compressor(z);
	return ok ? 0 : -1;
}

struct seen {
	struct strpool *pool;
	size_t n, bad, most;      /* events, wrong strings, most strings pooled */
};

/* Each event's strings are right while the callback runs. */
static int check_event(const struct audit_event *ev, void *ctx)
{
	struct seen *s = ctx;
	char want[64];
	int file = (int)(s->n / NRECS), i = (int)(s->n % NRECS);

	snprintf(want, sizeof(want), "r-%d-%d", file, i);
	s->bad += strcmp(ev->request_id, want) != 0;
	snprintf(want, sizeof(want), "k/%d/%d", file, i);
	s->bad += strcmp(ev->object_key, want) != 0;
	snprintf(want, sizeof(want), "arn:aws:iam::1:user/u%d", file);
	s->bad += strcmp(ev->principal, want) != 0;
	snprintf(want, sizeof(want), "b%d", file);
	s->bad += strcmp(ev->bucket, want) != 0;
	if (strpool__count(s->pool) > s->most)
		s->most = strpool__count(s->pool);
	s->n++;
	return 0;
}

static void read_dir(const char *dir, unsigned flags, struct seen *s, struct audit_stats *st)
{
	memset(st, 0, sizeof(*st));
	s->pool = strpool__new();
	s->n = s->bad = s->most = 0;
	audit_dedup__reset();
	ASSERT(s->pool);
	ASSERT_EQ_INT(0, audit_source__read_flags(dir, s->pool, flags, check_event, s, st));
}

TEST(audit_transient_pool_holds_one_file)
{
	char dir[] = "/tmp/gw-transient-XXXXXX", cmd[64];
	struct audit_stats st;
	struct seen s;
	size_t kept;

	ASSERT_EQ_INT(0, write_files(dir));
	/* without the flag, the pool keeps every file's strings */
	read_dir(dir, 0, &s, &st);
	kept = strpool__count(s.pool);
	strpool__free(s.pool);
	ASSERT_EQ_U64(NFILES * NRECS, s.n);
	ASSERT_EQ_U64(0, s.bad);
	ASSERT(kept > NFILES * NRECS * 2);
	/* with it, the same events; at most one file's strings, none after */
	read_dir(dir, AUDIT_READ_TRANSIENT, &s, &st);
	ASSERT_EQ_U64(NFILES, st.files);
	ASSERT_EQ_U64(NFILES * NRECS, st.events);
	ASSERT_EQ_U64(NFILES * NRECS, s.n);
	ASSERT_EQ_U64(0, s.bad);
	ASSERT(s.most <= kept / NFILES + 8);
	ASSERT_EQ_U64(0, strpool__count(s.pool));
	strpool__free(s.pool);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ_INT(0, system(cmd));
}
