/* agent/audit internals shared by the source reader and the parsers. */
#ifndef GW_AUDIT_INTERNAL_H
#define GW_AUDIT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"

/* One log file may be at most this big, on disk and after gunzip: a gzip
 * bomb or a runaway file stops at the cap instead of taking the host down. */
#define AUDIT_MAX_FILE_BYTES ((size_t)1 << 30)

/* Read a whole file, gunzipping it (every member) when it starts with the
 * gzip magic. On success *buf is malloc'd, NUL-terminated, owned by the
 * caller, and *len excludes the NUL. Returns 0, -errno from the system,
 * -EFBIG past cap, or -EBADMSG for corrupt or truncated gzip data. */
int audit_file__load(const char *path, size_t cap, char **buf, size_t *len);

/* The regular, non-hidden files under dir (recursive, symlinked directories
 * not followed), sorted by path. *paths and each string are malloc'd and
 * owned by the caller: free with audit_paths__free(). A subdirectory that
 * cannot be listed is logged, counted in *failed and passed over. */
int audit_walk(const char *dir, char ***paths, size_t *n, size_t *failed);
void audit_paths__free(char **paths, size_t n);

/* What a parser needs besides the bytes: where events go and what to count.
 * Record-level warnings are rate-limited per source through `warnings`. */
struct audit_ctx {
	const char *path;
	struct strpool *pool;
	audit_event_fn cb;
	void *cb_ctx;
	struct audit_stats *st;
	unsigned warnings;
};

#define AUDIT_MAX_RECORD_WARNINGS 10

/* Log a skipped record (rate-limited) and count it. */
void audit_ctx__skip(struct audit_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* CloudTrail (cloudtrail.c). detect: 1 when buf looks like CloudTrail JSON.
 * parse: 0 when the file was parsed (records may have been skipped),
 * -EBADMSG when it is not JSON at all, or the callback's negative return. */
int cloudtrail__detect(const char *buf, size_t len);
int cloudtrail__parse(struct audit_ctx *c, const char *buf, size_t len);

#endif
