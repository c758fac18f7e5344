/* A consumer that records every delivered event durably: reads SOURCE
 * through agent/audit and writes each event's request id as one line to
 * stdout, flushed at once, so that what a killed pull had delivered is
 * known. Built by tests/e2e/test_pull_kill.sh against the agent's objects.
 * Usage: pulltrace SOURCE [USEC] >ids, USEC a pause after each event (a
 * slow consumer, so that a test can kill it while it parses). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "audit/audit.h"
#include "lib/strpool.h"

static int trace(const struct audit_event *ev, void *ctx)
{
	const unsigned long *usec = ctx;

	if (printf("%s\n", ev->request_id) < 0 || fflush(stdout) != 0)
		return -5;
	if (*usec)
		usleep((useconds_t)*usec);
	return 0;
}

int main(int argc, char **argv)
{
	struct audit_stats st = { 0 };
	struct strpool *pool;
	unsigned long usec = 0;
	char *end;
	int err;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: pulltrace SOURCE [USEC]\n");
		return 2;
	}
	if (argc == 3) {
		usec = strtoul(argv[2], &end, 10);
		if (*end || usec > 1000000) {
			fprintf(stderr, "pulltrace: bad USEC '%s'\n", argv[2]);
			return 2;
		}
	}
	pool = strpool__new();
	if (!pool)
		return 1;
	/* nothing is kept past the callback: one object's strings at a time */
	err = audit_source__read_flags(argv[1], pool, AUDIT_READ_TRANSIENT, trace, &usec, &st);
	strpool__free(pool);
	return err < 0 ? 1 : 0;
}
