/* Ingestion benchmark driver: read SOURCE specs through agent/audit (load,
 * gunzip, parse, normalize, intern) with a callback that only counts, and
 * print "events bytes seconds peak_rss_kib" on one line. The callback keeps
 * no string, so the pool holds one file at a time (AUDIT_READ_TRANSIENT),
 * as a consumer that copies what it keeps reads. Built and run by
 * tests/bench/bench.sh against the agent's objects. */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "audit/audit.h"
#include "lib/strpool.h"

static int count(const struct audit_event *ev, void *ctx)
{
	unsigned long long *n = ctx;

	*n += ev->bytes_out > 0 || ev->api[0];
	return 0;
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
		if (audit_source__read_flags(argv[i], pool, AUDIT_READ_TRANSIENT, count, &n, &st) < 0)
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	getrusage(RUSAGE_SELF, &ru);
	printf("%llu %llu %.6f %ld\n", (unsigned long long)st.events, (unsigned long long)st.bytes,
	       (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9, ru.ru_maxrss);
	strpool__free(pool);
	return n == st.events ? 0 : 1;
}
