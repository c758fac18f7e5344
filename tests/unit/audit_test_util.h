/* Shared by the audit format tests: read a SOURCE spec into an array. */
#ifndef GW_TEST_AUDIT_UTIL_H
#define GW_TEST_AUDIT_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "tmpfile.h"
#include "lib/isotime.h"
#include "lib/strpool.h"

#define REAL "../shared/testdata/real-logs/"
#define MAX_GOT 64

struct got {
	struct audit_event ev[MAX_GOT];
	size_t n;
	struct audit_stats st;
	struct strpool *pool;
	int rc;
};

static inline int got_keep(const struct audit_event *ev, void *ctx)
{
	struct got *g = ctx;

	if (g->n < MAX_GOT)
		g->ev[g->n] = *ev;
	g->n++;
	return 0;
}

/* Read spec into a fresh g (free with got_free), as a new analysis: ids
 * delivered by earlier reads are forgotten. */
static inline struct got *got_read(const char *spec)
{
	struct got *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->pool = strpool__new();
	audit_dedup__reset();
	g->rc = g->pool ? audit_source__read(spec, g->pool, got_keep, g, &g->st) : -1;
	return g;
}

static inline void got_free(struct got *g)
{
	if (g)
		strpool__free(g->pool);
	free(g);
}

static inline int64_t got_ms(const char *iso)
{
	int64_t ms = -1;

	iso8601__parse(iso, strlen(iso), &ms);
	return ms;
}

#endif
