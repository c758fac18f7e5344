/* See audit.h: local audit sources read incrementally. The state file
 * holds one line per file read: its size, its mtime and its path. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit_internal.h"
#include "audit/audit.h"
#include "lib/log.h"
#include "state/atomic.h"

/* Files remembered at most: older ones are forgotten first (and are then
 * out of the window anyway). */
#define LS_MAX_FILES 200000

struct ls_file {
	char *path;
	uint64_t size;
	int64_t mtime;
};

struct local_sources {
	char *state_path;
	struct ls_file *files;
	size_t n, cap;
	int dirty;
};

static int ls_add(struct local_sources *ls, const char *path, uint64_t size, int64_t mtime)
{
	if (ls->n == LS_MAX_FILES) {
		free(ls->files[0].path);
		memmove(ls->files, ls->files + 1, (ls->n - 1) * sizeof(*ls->files));
		ls->n--;
	}
	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 256;
		struct ls_file *f = realloc(ls->files, cap * sizeof(*f));

		if (!f)
			return -ENOMEM;
		ls->files = f;
		ls->cap = cap;
	}
	ls->files[ls->n].path = strdup(path);
	if (!ls->files[ls->n].path)
		return -ENOMEM;
	ls->files[ls->n].size = size;
	ls->files[ls->n].mtime = mtime;
	ls->n++;
	ls->dirty = 1;
	return 0;
}

static int ls_done(const struct local_sources *ls, const char *path, uint64_t size, int64_t mtime)
{
	for (size_t i = ls->n; i-- > 0;)
		if (strcmp(ls->files[i].path, path) == 0)
			return ls->files[i].size == size && ls->files[i].mtime == mtime;
	return 0;
}

static void ls_load(struct local_sources *ls)
{
	FILE *f = fopen(ls->state_path, "re");
	char line[4200];
	unsigned lineno = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		unsigned long long size;
		long long mtime;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		errno = 0;
		size = strtoull(p, &end, 10);
		if (errno || *end != ' ')
			goto bad;
		mtime = strtoll(end + 1, &end, 10);
		if (errno || *end != ' ' || !end[1])
			goto bad;
		if (ls_add(ls, end + 1, size, mtime) < 0)
			break;
		continue;
bad:
		log_warn("%s:%u: not a source state line; skipped", ls->state_path, lineno);
	}
	fclose(f);
	ls->dirty = 0;
}

struct local_sources *local_sources__new(const char *state_path)
{
	struct local_sources *ls = calloc(1, sizeof(*ls));

	if (!ls || !(ls->state_path = strdup(state_path))) {
		free(ls);
		errno = ENOMEM;
		return NULL;
	}
	ls_load(ls);
	return ls;
}

void local_sources__free(struct local_sources *ls)
{
	if (!ls)
		return;
	for (size_t i = 0; i < ls->n; i++)
		free(ls->files[i].path);
	free(ls->files);
	free(ls->state_path);
	free(ls);
}

static int write_files(FILE *f, const void *ctx)
{
	const struct local_sources *ls = ctx;

	for (size_t i = 0; i < ls->n; i++)
		fprintf(f, "%" PRIu64 " %" PRId64 " %s\n", ls->files[i].size, ls->files[i].mtime,
			ls->files[i].path);
	return ferror(f) ? -EIO : 0;
}

int local_sources__save(struct local_sources *ls)
{
	int err;

	if (!ls->dirty)
		return 0;
	err = atomic_write(ls->state_path, 0600, write_files, ls);
	if (!err)
		ls->dirty = 0;
	return err;
}

static int read_file(struct local_sources *ls, const char *prefix, const char *path,
		     struct strpool *pool, audit_event_fn cb, void *ctx, struct audit_stats *st)
{
	char spec[4200];
	struct stat sb;
	int err;

	if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode))
		return 0;
	/* a file still being written is read once it settles */
	if (time(NULL) - sb.st_mtime < 1 || ls_done(ls, path, (uint64_t)sb.st_size, sb.st_mtime))
		return 0;
	if ((size_t)snprintf(spec, sizeof(spec), "%s%s", prefix, path) >= sizeof(spec))
		return 0;
	err = audit_source__read(spec, pool, cb, ctx, st);
	if (err < 0 && err != -ENOENT)
		return err;
	return ls_add(ls, path, (uint64_t)sb.st_size, sb.st_mtime);
}

int local_sources__pull(struct local_sources *ls, const char *spec, struct strpool *pool,
			audit_event_fn cb, void *ctx, struct audit_stats *st)
{
	char prefix[32], **paths = NULL;
	struct audit_spec s;
	size_t n = 0, failed = 0;
	struct stat sb;
	int err = 0;

	/* a bucket URL keeps its own cursor; a bad spec is reported there */
	if (audit_spec__parse(spec, &s) < 0 || s.url)
		return audit_source__read(spec, pool, cb, ctx, st);
	/* "cloudtrail:/var/log/ct" -> prefix "cloudtrail:" before each file */
	if ((size_t)(s.path - spec) >= sizeof(prefix))
		return -EINVAL;
	memcpy(prefix, spec, (size_t)(s.path - spec));
	prefix[s.path - spec] = '\0';
	if (stat(s.path, &sb) < 0)
		return 0; /* not there yet: a sync tool may create it later */
	if (!S_ISDIR(sb.st_mode))
		return read_file(ls, prefix, s.path, pool, cb, ctx, st);
	err = audit_walk(s.path, &paths, &n, &failed);
	if (err < 0)
		return err;
	for (size_t i = 0; i < n && err >= 0; i++)
		err = read_file(ls, prefix, paths[i], pool, cb, ctx, st);
	audit_paths__free(paths, n);
	return err < 0 ? err : 0;
}
