/* The order in which analyze's merge reads files (agent/cmd/analyze_order.c):
 * a file whose path names no time is keyed by the earliest of its first
 * records, and finding them reads the first records only: a large gzip
 * file is streamed a little at a time, not inflated whole, and a plain one
 * is not copied whole into memory. The key is the same either way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "assert.h"
#include "audit/audit.h"
#include "audit/audit_internal.h"
#include "cmd/analyze_merge.h"
#include "cmd/analyze_order.h"

/* 2019-02-06T00:00:00Z: the third line's time, a minute before the first
 * line's; each line after it a second later. */
#define EARLIEST_MS 1549411200000LL

/* About n bytes of S3 server access log (unique request ids) into path,
 * gzipped (gz) or not, hour hours after EARLIEST_MS. 0 or -1. */
static int write_log_at(const char *path, size_t n, int gz, unsigned hour)
{
	gzFile z = gz ? gzopen(path, "wb1") : NULL;
	FILE *f = gz ? NULL : fopen(path, "w");
	char line[320];
	size_t done = 0;
	unsigned s;
	int len, bad = 0;

	if (!z && !f)
		return -1;
	for (unsigned i = 0; done < n && !bad; i++) {
		s = (i == 2 ? 0 : 60 + i % 3000) + hour * 3600;
		len = snprintf(line, sizeof(line),
			       "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bkt "
			       "[06/Feb/2019:%02u:%02u:%02u +0000] 192.0.2.3 - R%08u REST.GET.OBJECT k "
			       "\"GET /bkt/k HTTP/1.1\" 200 - 5 5 7 - \"-\" \"x\" - hid\n",
			       s / 3600 % 24, s / 60 % 60, s % 60, i);
		bad = gz ? gzwrite(z, line, (unsigned)len) != len
			 : fwrite(line, 1, (size_t)len, f) != (size_t)len;
		done += (size_t)len;
	}
	if (gz)
		return gzclose(z) == Z_OK && !bad ? 0 : -1;
	return fclose(f) == 0 && !bad ? 0 : -1;
}

static int write_log(const char *path, size_t n, int gz)
{
	return write_log_at(path, n, gz, 0);
}

/* The key of path, and the bytes of log brought into memory to find it. */
static int64_t key_of(char *path, uint64_t *loaded)
{
	struct audit_unit u = { .path = path, .format = 0, .in_dir = 1 };
	uint64_t before = audit_reader__test_loaded();
	int64_t key = 0;

	merge_order__keys(&u, 1, 1, &key);
	*loaded = audit_reader__test_loaded() - before;
	return key;
}

TEST(analyze_order_peek_reads_only_the_first_records)
{
	char gz[32], plain[32];
	uint64_t lg, lp;
	int fd;

	snprintf(gz, sizeof(gz), "/tmp/gw-order-XXXXXX");
	snprintf(plain, sizeof(plain), "/tmp/gw-order-XXXXXX");
	ASSERT((fd = mkstemp(gz)) >= 0);
	close(fd);
	ASSERT((fd = mkstemp(plain)) >= 0);
	close(fd);
	ASSERT_EQ_INT(0, write_log(gz, (size_t)12 << 20, 1));
	ASSERT_EQ_INT(0, write_log(plain, (size_t)12 << 20, 0));

	/* the earliest of the first records, the third */
	ASSERT(key_of(gz, &lg) == EARLIEST_MS);
	ASSERT(key_of(plain, &lp) == EARLIEST_MS);
	/* a few thousand records of ~200 bytes: about a MiB inflated, not
	 * the 12 MiB of the file, nor a 4 MiB stream window */
	ASSERT(lg > 0);
	ASSERT(lg <= ((uint64_t)3 << 19));
	/* the plain file is mapped, not read */
	ASSERT_EQ_U64(0, lp);
	unlink(gz);
	unlink(plain);
}

struct ref {
	uint64_t t;
	uint32_t i;
};

static int cmp_ref(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* A piece's events are put in (time, index) order by a radix sort: the
 * order a comparison sort by time, then index, gives, for times close
 * together and far apart, many equal, and the widest span there is. */
TEST(analyze_order_sort_times_is_by_time_then_index)
{
	enum { N = 5000 };
	static struct merge_tkey k[2 * N];
	static struct ref want[N];
	static const uint64_t spans[] = { 0, 1, 7, 2047, 2048, 900000, (uint64_t)1 << 33,
					  ((uint64_t)1 << 44) + 5, UINT64_MAX };
	struct merge_tkey *got;
	uint64_t x = 0x2545f4914f6cdd1dULL, range;

	for (size_t s = 0; s < sizeof(spans) / sizeof(spans[0]); s++) {
		range = 0;
		for (uint32_t i = 0; i < N; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* a third of them on a few times only: ties */
			want[i].t = spans[s] == UINT64_MAX ? x : i % 3 ? x % (spans[s] + 1)
								: (x % 4) * (spans[s] / 4);
			if (i == 0)
				want[i].t = spans[s];   /* the span is reached */
			want[i].i = i;
			k[i].t = want[i].t;
			k[i].i = i;
			range = want[i].t > range ? want[i].t : range;
		}
		ASSERT(range == spans[s]);
		got = merge_order__sort_times(k, k + N, N, range);
		qsort(want, N, sizeof(*want), cmp_ref);
		for (uint32_t i = 0; i < N; i++) {
			ASSERT(got[i].t == want[i].t);
			ASSERT(got[i].i == want[i].i);
		}
	}
}

struct order_seen {
	size_t n, unsorted;
	int64_t first, last;
};

static int order_see(const struct audit_event *ev, void *ctx)
{
	struct order_seen *o = ctx;

	if (!o->n++)
		o->first = ev->time_ms;
	else if (ev->time_ms < o->last)
		o->unsorted++;
	o->last = ev->time_ms;
	return 0;
}

/* Merge nfiles gzip files named with no time, each an hour before the one
 * named before it, on threads threads: every event once, in time order,
 * and the bytes of log inflated to do it in *loaded, with the files' own. */
static void merge_unnamed(size_t nfiles, unsigned threads, uint64_t *loaded, uint64_t *own,
			  struct order_seen *seen)
{
	struct audit_unit u[12];
	struct audit_stats st = { 0 };
	struct merge_stats ms;
	struct merge_opts o = { .units = u, .nunits = nfiles, .reorder_ms = 900 * 1000,
				.threads = threads };
	char dir[32], path[64];
	uint64_t before;

	snprintf(dir, sizeof(dir), "/tmp/gw-order-XXXXXX");
	ASSERT(mkdtemp(dir) != NULL);
	for (size_t i = 0; i < nfiles; i++) {
		snprintf(path, sizeof(path), "%s/part-%zu.log.gz", dir, i);
		ASSERT_EQ_INT(0, write_log_at(path, (size_t)1 << 20, 1, (unsigned)(nfiles - i)));
		u[i] = (struct audit_unit){ .path = strdup(path), .in_dir = 1 };
	}
	memset(seen, 0, sizeof(*seen));
	audit_dedup__reset();
	before = audit_reader__test_loaded();
	ASSERT_EQ_INT(0, merge__run(&o, order_see, seen, &st, &ms));
	*loaded = audit_reader__test_loaded() - before;
	*own = st.bytes;
	ASSERT_EQ_U64(st.events, seen->n);
	for (size_t i = 0; i < nfiles; i++) {
		unlink(u[i].path);
		free(u[i].path);
	}
	rmdir(dir);
}

/* Files whose path names no time are ordered by their first records, and
 * those records are read once: the pieces read to look at a file are the
 * merge's (past a few files, the others are looked at apart and read
 * again, in the same order). */
TEST(analyze_merge_reads_unnamed_files_once)
{
	struct order_seen seen;
	uint64_t loaded, own;

	merge_unnamed(6, 2, &loaded, &own, &seen);
	ASSERT(seen.n > 6 * 4096);
	ASSERT_EQ_U64(0, seen.unsorted);
	/* the last file named holds the earliest records */
	ASSERT(seen.first == EARLIEST_MS + 3600 * 1000);
	ASSERT_EQ_U64(own, loaded);

	/* the pieces of 8 files are kept: 2 more are looked at apart */
	merge_unnamed(10, 1, &loaded, &own, &seen);
	ASSERT(seen.n > 10 * 4096);
	ASSERT_EQ_U64(0, seen.unsorted);
	ASSERT(seen.first == EARLIEST_MS + 3600 * 1000);
	ASSERT(loaded > own);
}
