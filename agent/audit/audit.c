/* See audit.h. The audit stage's entry: a SOURCE spec names a format (or
 * leaves it to detection) and a local file or directory, or a bucket URL
 * (pull/); each file is read as a stream (reader.c: gunzipped on the way
 * when it is gzip) by its format's chunk reader (formats/formats.c), in a
 * window of a few MiB whatever the file's size. The parse context and the
 * stage's shared helpers are in context.c and parse_util.c. */
#include "audit/audit.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit_internal.h"
#include "lib/isotime.h"
#include "audit/jsonarena.h"
#include "lib/log.h"
#include "lib/redact.h"

static int is_url(const char *p)
{
	if (strncmp(p, "s3://", 5) == 0 || strncmp(p, "gs://", 5) == 0)
		return AUDIT_URL_S3;
	if (strncmp(p, "https://", 8) == 0 || strncmp(p, "http://", 7) == 0)
		return AUDIT_URL_AZURE;
	return AUDIT_URL_NONE;
}

/* Split "format:path". A spec whose text before ':' is not a plain word (or
 * that exists as a path) is a bare path; "s3://..." and "gs://..." are
 * bucket URLs. */
int audit_spec__parse(const char *spec, struct audit_spec *out)
{
	const char *colon = strchr(spec, ':');
	struct stat sb;
	char name[32];
	int format = -EINVAL;
	size_t n;

	out->format = AUDIT_FMT_DETECT;
	out->path = spec;
	out->url = is_url(spec);
	if (!colon || out->url || stat(spec, &sb) == 0)
		return 0;
	n = (size_t)(colon - spec);
	for (size_t i = 0; i < n; i++)
		if (!((spec[i] >= 'a' && spec[i] <= 'z') || (spec[i] >= '0' && spec[i] <= '9') ||
		      spec[i] == '-'))
			return 0;
	if (n < sizeof(name)) {
		memcpy(name, spec, n);
		name[n] = '\0';
		format = audit_format__by_name(name);
	}
	if (format > 0) {
		out->format = format;
		out->path = colon + 1;
		out->url = is_url(out->path);
		return 0;
	}
	return strncmp(colon, "://", 3) == 0 ? -EPROTONOSUPPORT : -EINVAL;
}

int audit_spec__absolute(const char *spec, char *out, size_t size)
{
	struct audit_spec s;
	char cwd[PATH_MAX];
	const char *p;
	int err = audit_spec__parse(spec, &s), n;

	if (err)
		return err;
	if (s.url || s.path[0] == '/' || !s.path[0]) {
		n = snprintf(out, size, "%s", spec);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		p = s.path;
		while (p[0] == '.' && p[1] == '/')
			p += 2;
		n = snprintf(out, size, "%.*s%s%s%s", (int)(s.path - spec), spec, cwd,
			     strcmp(cwd, "/") ? "/" : "", strcmp(p, ".") ? p : "");
	}
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int spec__parse(const char *spec, struct audit_spec *out)
{
	char shown[REDACT_MAX];
	int err = audit_spec__parse(spec, out);

	if (!err)
		return 0;
	redact__url(spec, shown, sizeof(shown));
	if (err == -EPROTONOSUPPORT)
		log_err("audit source '%s': unsupported URL scheme (known: s3://, gs://, https://)", shown);
	else
		log_err("audit source '%s': unknown format prefix '%.*s' (known: cloudtrail, "
			"s3access, gcs, azure, azure-activity, minio)", shown,
			(int)(strchr(spec, ':') - spec), spec);
	return -EINVAL;
}

static int spec__resolve(const char *spec, struct audit_spec *out, struct stat *sb)
{
	char shown[REDACT_MAX];
	int err = spec__parse(spec, out);

	if (err)
		return err;
	if (!*out->path) {
		log_err("audit source '%s': no path", redact__url(spec, shown, sizeof(shown)));
		return -EINVAL;
	}
	if (out->url == AUDIT_URL_S3)
		return s3pull__check(out->path);
	if (out->url == AUDIT_URL_AZURE)
		return azpull__check(out->path);
	if (stat(out->path, sb) < 0) {
		err = -errno;
		log_err("failed to open %s: %s", out->path, strerror(-err));
		return err == -ENOENT ? -ENOENT : err;
	}
	if (!S_ISREG(sb->st_mode) && !S_ISDIR(sb->st_mode)) {
		log_err("failed to read %s: not a file or directory", out->path);
		return -EINVAL;
	}
	return 0;
}

int audit_source__files(const char *spec, char ***paths, size_t *n, const char **format)
{
	struct audit_spec s;
	struct stat sb;
	size_t failed = 0;
	int err = spec__resolve(spec, &s, &sb);

	*paths = NULL;
	*n = 0;
	if (err)
		return err;
	if (s.url)
		return -EPROTONOSUPPORT;
	*format = s.format ? audit_format__ops(s.format)->prefix : "";
	if (S_ISDIR(sb.st_mode)) {
		err = audit_walk(s.path, paths, n, &failed);
		if (err)
			log_err("failed to list %s: %s", s.path, strerror(-err));
		return err;
	}
	*paths = malloc(sizeof(**paths));
	if (!*paths || !(**paths = strdup(s.path))) {
		free(*paths);
		*paths = NULL;
		return -ENOMEM;
	}
	*n = 1;
	return 0;
}

int audit_source__check(const char *spec)
{
	struct audit_spec s;
	struct stat sb;

	return spec__resolve(spec, &s, &sb);
}

/* A file of c as a stream; NULL when it cannot be opened (named, counted). */
static struct audit_reader *open_file(struct audit_ctx *c, int format, unsigned flags)
{
	struct audit_reader *r;
	int err;

	r = audit_reader__open(c->path, format ? audit_format__ops(format)->prefix : NULL, c->pool,
			       flags | (c->in_dir ? AUDIT_READ_IN_DIR : 0), c->st);
	if (!r) {
		err = -errno;
		log_err("failed to read %s: %s", c->path, audit_load__strerror(err));
		c->st->files_failed++;
		audit_ctx__note_file(c, 1, audit_load__strerror(err));
	}
	return r;
}

/* Read and parse one file as a stream. Returns 0 (failures are counted)
 * or the callback's negative return. */
static int read_file(struct audit_ctx *c, int format)
{
	struct audit_reader *r = open_file(c, format, c->flags | AUDIT_READ_WHOLE_GZ);
	int err;

	if (!r)
		return 0;
	/* record warnings are rate-limited per source, not per file */
	audit_reader__ctx(r)->warnings = c->warnings;
	while ((err = audit_reader__next_chunk(r, c->cb, c->cb_ctx)) > 0)
		;
	c->warnings = audit_reader__ctx(r)->warnings;
	audit_reader__close(r);
	return err;
}

static int read_dir(struct audit_ctx *c, const char *dir, int format)
{
	char **paths = NULL;
	size_t n = 0, failed = 0;
	int err;

	err = audit_walk(dir, &paths, &n, &failed);
	if (err) {
		log_err("failed to list %s: %s", dir, strerror(-err));
		c->st->files_failed++;
		return 0;
	}
	c->st->files_failed += failed;
	c->in_dir = 1;
	for (size_t i = 0; i < n && !err; i++) {
		c->path = paths[i];
		err = read_file(c, format);
	}
	c->in_dir = 0;
	c->path = dir;
	audit_paths__free(paths, n);
	return err;
}

int audit_source__read_flags(const char *spec, struct strpool *pool, unsigned flags,
			     audit_event_fn cb, void *ctx, struct audit_stats *st)
{
	struct audit_ctx c = { .pool = pool, .flags = flags, .cb = cb, .cb_ctx = ctx, .st = st };
	uint64_t skipped0 = st->skipped;
	char shown[REDACT_MAX];
	struct audit_spec s;
	struct stat sb;
	int err;

	err = spec__resolve(spec, &s, &sb);
	if (err)
		return err;
	/* a URL is shown without its secrets in every line about it */
	c.path = s.url ? redact__url(s.path, shown, sizeof(shown)) : s.path;
	if (s.url == AUDIT_URL_S3)
		err = s3pull__read(&c, s.path, s.format);
	else if (s.url == AUDIT_URL_AZURE)
		err = azpull__read(&c, s.path, s.format);
	else
		err = S_ISDIR(sb.st_mode) ? read_dir(&c, s.path, s.format) : read_file(&c, s.format);
	if (c.warnings > AUDIT_MAX_RECORD_WARNINGS)
		log_warn("%s: %llu records skipped in all", redact__url(spec, shown, sizeof(shown)),
			 (unsigned long long)(st->skipped - skipped0));
	return err;
}

int audit_source__units(const char *spec, struct audit_unit **units, size_t *n,
			struct audit_stats *st)
{
	struct audit_unit *nv;
	char **paths = NULL;
	size_t np = 1, failed = 0;
	struct audit_spec s;
	struct stat sb;
	int err, dir;

	err = spec__resolve(spec, &s, &sb);
	if (err)
		return err;
	dir = !s.url && S_ISDIR(sb.st_mode);
	if (dir) {
		err = audit_walk(s.path, &paths, &np, &failed);
		if (err) {
			log_err("failed to list %s: %s", s.path, strerror(-err));
			st->files_failed++;
			return 0;
		}
		st->files_failed += failed;
		if (!np)
			return 0;
	}
	nv = realloc(*units, (*n + np) * sizeof(*nv));
	if (!nv) {
		audit_paths__free(paths, dir ? np : 0);
		return -ENOMEM;
	}
	*units = nv;
	for (size_t i = 0; i < np; i++) {
		nv[*n] = (struct audit_unit){ .format = s.format, .in_dir = (uint8_t)dir,
					      .whole = s.url != AUDIT_URL_NONE };
		nv[*n].path = dir ? paths[i] : strdup(s.url ? spec : s.path);
		if (dir)
			paths[i] = NULL;
		if (!nv[*n].path)
			err = -ENOMEM;
		else
			(*n)++;
	}
	audit_paths__free(paths, dir ? np : 0);
	return err;
}

void audit_units__free(struct audit_unit *units, size_t n)
{
	for (size_t i = 0; units && i < n; i++)
		free(units[i].path);
	free(units);
}

int audit_unit__read(const struct audit_unit *u, struct strpool *pool, unsigned flags,
		     audit_event_fn cb, void *ctx, struct audit_stats *st)
{
	struct audit_ctx c = { .path = u->path, .pool = pool, .flags = flags, .cb = cb,
			       .cb_ctx = ctx, .st = st, .in_dir = u->in_dir };

	if (u->whole)
		return audit_source__read_flags(u->path, pool, flags, cb, ctx, st);
	return read_file(&c, u->format);
}

struct audit_reader *audit_unit__open(const struct audit_unit *u, struct strpool *pool,
				      unsigned flags, struct audit_stats *st)
{
	struct audit_ctx c = { .path = u->path, .pool = pool, .st = st, .in_dir = u->in_dir };

	if (u->whole) {
		errno = EINVAL;
		return NULL;
	}
	return open_file(&c, u->format, flags);
}

int audit_minio__read(const char *name, char *buf, size_t len, struct strpool *pool,
		      audit_event_fn cb, void *ctx, struct audit_stats *st)
{
	struct audit_ctx c = { .path = name, .pool = pool, .cb = cb, .cb_ctx = ctx, .st = st };

	return audit_buf__parse(&c, AUDIT_FMT_MINIO, buf, len);
}

int audit_source__read(const char *spec, struct strpool *pool, audit_event_fn cb,
		       void *ctx, struct audit_stats *st)
{
	return audit_source__read_flags(spec, pool, 0, cb, ctx, st);
}
