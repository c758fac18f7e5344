/* Ingestion benchmark driver: read FORMAT:PATH specs (a file, or a
 * directory's files in path order) through agent/audit's local-file
 * reader (read, gunzip, parse, normalize, intern), as audit_source__read
 * reads a local source, with a callback that only counts, and print
 * "events bytes seconds peak_rss_kib" on one line. The callback keeps no
 * string, so the pool holds one piece at a time (AUDIT_READ_TRANSIENT),
 * as a consumer that copies what it keeps reads.
 *
 * It calls the reader itself, not audit_source__read, so that it links
 * only the audit stage's objects and libraries (tests/bench/bench.sh links
 * it from a static archive of the agent's objects with --as-needed): the
 * bucket pullers, and with them libcurl, GnuTLS and their thirty shared
 * libraries, would add ~25 ms of dynamic linking to every run that reads
 * no bucket. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "audit/audit.h"
#include "audit/audit_internal.h"
#include "lib/strpool.h"

static int count(const struct audit_event *ev, void *ctx)
{
	unsigned long long *n = ctx;

	*n += ev->bytes_out > 0 || ev->api[0];
	return 0;
}

static int read_one(const char *path, const char *format, unsigned flags, struct strpool *pool,
		    unsigned long long *n, struct audit_stats *st)
{
	struct audit_reader *r;
	int err;

	r = audit_reader__open(path, format, pool, flags | AUDIT_READ_TRANSIENT | AUDIT_READ_WHOLE_GZ,
			       st);
	if (!r) {
		fprintf(stderr, "failed to read %s\n", path);
		return -1;
	}
	while ((err = audit_reader__next_chunk(r, count, n)) > 0)
		;
	audit_reader__close(r);
	return err;
}

static int read_spec(const char *spec, struct strpool *pool, unsigned long long *n,
		     struct audit_stats *st)
{
	const char *colon = strchr(spec, ':'), *path = colon ? colon + 1 : spec;
	char format[32] = "", **paths = NULL;
	size_t np = 0, failed = 0;
	struct stat sb;
	int err = 0;

	if (colon && (size_t)(colon - spec) < sizeof(format))
		memcpy(format, spec, (size_t)(colon - spec));
	if (stat(path, &sb) < 0) {
		fprintf(stderr, "failed to open %s\n", path);
		return -1;
	}
	if (!S_ISDIR(sb.st_mode))
		return read_one(path, format, 0, pool, n, st);
	if (audit_walk(path, &paths, &np, &failed) < 0)
		return -1;
	for (size_t i = 0; i < np && !err; i++)
		err = read_one(paths[i], format, AUDIT_READ_IN_DIR, pool, n, st);
	audit_paths__free(paths, np);
	return err;
}

int main(int argc, char **argv)
{
	struct audit_stats st = { 0 };
	struct timespec a, b;
	struct rusage ru;
	unsigned long long n = 0;
	struct strpool *pool = strpool__new();

	if (!pool)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 1; i < argc; i++)
		if (read_spec(argv[i], pool, &n, &st) < 0)
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	getrusage(RUSAGE_SELF, &ru);
	printf("%llu %llu %.6f %ld\n", (unsigned long long)st.events, (unsigned long long)st.bytes,
	       (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9, ru.ru_maxrss);
	strpool__free(pool);
	return n == st.events ? 0 : 1;
}
