/* Detector benchmark driver: the detector alone, fed events parsed before
 * the clock starts.
 *
 *   detect_feed [--limit N] [--single | --compare] SOURCE...
 *
 * Reads every SOURCE through agent/audit into memory (the strings stay in
 * one pool), sorts the events by time as analyze's merge delivers them,
 * then feeds them to a detector with the default configuration, in
 * batches of FEED_BATCH as analyze does (detector__feed_batch), or one by
 * one with --single (detector__feed), and flushes it. Prints one line:
 *
 *   events identities cpu_sec events_per_cpu_sec heap_kib rss_kib
 *   state_bytes strings_bytes findings entities_dropped
 *
 * cpu_sec is the thread's CPU time (user + sys) over feed and flush;
 * heap_kib what the allocator holds for the detector at its peak (after
 * the last event, before the flush lets hours go); rss_kib the resident
 * memory the detector added.
 *
 * --compare feeds two detectors the same events, one one by one and the
 * other in batches, a slice of COMPARE_SLICE events at a time each in
 * turn (which goes first alternates), so that both meet the same machine
 * however loaded it is, and prints:
 *
 *   events identities single_cpu_sec batch_cpu_sec single_events_per_cpu_sec
 *   batch_events_per_cpu_sec speedup same
 *
 * same is 1 when both made the same findings and statistics. Under valgrind --tool=callgrind
 * --collect-atstart=no, only feed and flush are counted (the
 * CALLGRIND_TOGGLE_COLLECT markers), so the instruction count divided by
 * events is the detector's instructions per event. Built and run by
 * tests/bench/bench.sh against the agent's objects. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#endif

#include "audit/audit.h"
#include "detect/detect.h"
#include "lib/strpool.h"

#define FEED_BATCH 256
#define COMPARE_SLICE 8192

struct events {
	struct audit_event *v;
	size_t n, cap, limit;
};

static int keep(const struct audit_event *ev, void *ctx)
{
	struct events *e = ctx;
	struct audit_event *nv;

	if (e->limit && e->n == e->limit)
		return 0;
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 1 << 16;
		nv = realloc(e->v, e->cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		e->v = nv;
	}
	e->v[e->n++] = *ev;
	return 0;
}

/* By time, then by reading order (the index, kept in dedup_key). */
static int cmp_time(const void *a, const void *b)
{
	const struct audit_event *x = a, *y = b;

	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	return x->dedup_key < y->dedup_key ? -1 : x->dedup_key > y->dedup_key;
}

static double cpu_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(void)
{
	char line[256];
	long kib = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	return kib;
}

static void feed_batches(struct detector *d, const struct audit_event **evp, size_t n)
{
	for (size_t i = 0; i < n; i += FEED_BATCH)
		detector__feed_batch(d, evp + i, n - i < FEED_BATCH ? n - i : FEED_BATCH);
}

/* 1 when a and b hold the same findings (by id and count) and statistics. */
static int same(struct detector *a, struct detector *b)
{
	const struct finding *const *fa, *const *fb;
	struct detector_stats sa, sb;
	size_t na = detector__findings(a, &fa), nb = detector__findings(b, &fb);

	detector__stats(a, &sa);
	detector__stats(b, &sb);
	if (na != nb || memcmp(&sa, &sb, sizeof(sa)) != 0)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(fa[i]->id, fb[i]->id) != 0 || fa[i]->count != fb[i]->count)
			return 0;
	return 1;
}

static int compare(const struct audit_event **evp, size_t n)
{
	struct detector *d[2] = { detector__new(NULL), detector__new(NULL) };
	struct detector_stats ds;
	double t[2] = { 0, 0 }, c;
	int ok;

	if (!d[0] || !d[1])
		return 1;
	for (size_t i = 0; i < n; i += COMPARE_SLICE) {
		size_t m = n - i < COMPARE_SLICE ? n - i : COMPARE_SLICE;

		for (int k = 0; k < 2; k++) {
			int batch = (k + (int)(i / COMPARE_SLICE)) & 1;

			c = cpu_sec();
			if (batch)
				feed_batches(d[1], evp + i, m);
			else
				for (size_t j = 0; j < m; j++)
					detector__feed(d[0], evp[i + j]);
			t[batch] += cpu_sec() - c;
		}
	}
	for (int k = 0; k < 2; k++) {
		c = cpu_sec();
		detector__flush(d[k]);
		t[k] += cpu_sec() - c;
	}
	ok = same(d[0], d[1]);
	detector__stats(d[0], &ds);
	printf("%zu %llu %.4f %.4f %.0f %.0f %.3f %d\n", n, (unsigned long long)ds.identities,
	       t[0], t[1], n / (t[0] > 0 ? t[0] : 1e-9), n / (t[1] > 0 ? t[1] : 1e-9),
	       t[0] / (t[1] > 0 ? t[1] : 1e-9), ok);
	detector__free(d[0]);
	detector__free(d[1]);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct events e = { 0 };
	struct audit_stats st = { 0 };
	struct detector_stats ds;
	struct strpool *pool = strpool__new();
	struct detector *d;
	const struct audit_event **evp;
	size_t heap0, heap1, i;
	long rss0, rss1;
	double c0, c1;
	int a = 1, single = 0, cmp = 0;

	for (; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "--single"))
			single = 1;
		else if (!strcmp(argv[a], "--compare"))
			cmp = 1;
		else if (!strcmp(argv[a], "--limit") && a + 1 < argc)
			e.limit = strtoull(argv[++a], NULL, 10);
		else
			break;
	}
	if (!pool || a >= argc) {
		fprintf(stderr, "usage: detect_feed [--limit N] [--single | --compare] SOURCE...\n");
		return 2;
	}
	for (; a < argc; a++)
		if (audit_source__read_flags(argv[a], pool, 0, keep, &e, &st) < 0)
			return 1;
	for (i = 0; i < e.n; i++)
		e.v[i].dedup_key = i;
	qsort(e.v, e.n, sizeof(*e.v), cmp_time);
	evp = malloc((e.n ? e.n : 1) * sizeof(*evp));
	if (!evp)
		return 1;
	for (i = 0; i < e.n; i++)
		evp[i] = &e.v[i];
	if (cmp) {
		a = compare(evp, e.n);
		free(evp);
		free(e.v);
		strpool__free(pool);
		return a;
	}
	malloc_trim(0);
	heap0 = mallinfo2().uordblks;
	rss0 = rss_kib();
	d = detector__new(NULL);
	if (!d)
		return 1;
	fprintf(stderr, "detect_feed: %zu events loaded, feeding\n", e.n);
	CALLGRIND_TOGGLE_COLLECT;
	c0 = cpu_sec();
	if (single)
		for (i = 0; i < e.n; i++)
			detector__feed(d, &e.v[i]);
	else
		feed_batches(d, evp, e.n);
	c1 = cpu_sec();
	CALLGRIND_TOGGLE_COLLECT;
	heap1 = mallinfo2().uordblks;
	rss1 = rss_kib();
	CALLGRIND_TOGGLE_COLLECT;
	c1 -= cpu_sec();
	detector__flush(d);
	c1 += cpu_sec();
	CALLGRIND_TOGGLE_COLLECT;
	detector__stats(d, &ds);
	printf("%zu %llu %.4f %.0f %zu %ld %llu %llu %llu %llu\n", e.n,
	       (unsigned long long)ds.identities, c1 - c0, e.n / (c1 - c0 > 0 ? c1 - c0 : 1e-9),
	       (heap1 - heap0) / 1024, rss1 - rss0, (unsigned long long)ds.state_bytes,
	       (unsigned long long)ds.strings_bytes, (unsigned long long)ds.findings,
	       (unsigned long long)ds.entities_dropped);
	detector__free(d);
	free(evp);
	free(e.v);
	strpool__free(pool);
	return 0;
}
