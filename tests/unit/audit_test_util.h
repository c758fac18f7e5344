/* Shared by the audit format tests: read a SOURCE spec into an array. */
#ifndef GW_TEST_AUDIT_UTIL_H
#define GW_TEST_AUDIT_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
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

/* Write data[0..len) to a new file /tmp/gw-test-XXXXXX, its name into
 * path[size]. 0, or -1. The caller unlinks it. */
static inline int got_tmp_file(char *path, size_t size, const void *data, size_t len)
{
	FILE *f;
	int fd;

	snprintf(path, size, "/tmp/gw-test-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -1;
	}
	if (fwrite(data, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/* The same for a NUL-terminated text. */
static inline int got_tmp_text(char *path, size_t size, const char *text)
{
	return got_tmp_file(path, size, text, strlen(text));
}

static inline int64_t got_ms(const char *iso)
{
	int64_t ms = -1;

	iso8601__parse(iso, strlen(iso), &ms);
	return ms;
}

#endif
