/* See audit.h. A SOURCE spec names a format (or leaves it to detection) and
 * a local file or directory; each file is read as a stream (reader.c:
 * gunzipped on the way when it is gzip) by its format's chunk reader, in a
 * window of a few MiB whatever the file's size. */
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

static int azure_detect(const char *buf, size_t len);

/* An Azure Storage log is classic ($logs) or JSON: told by its first bytes. */
static size_t azure_chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err)
{
	if (c->azure_classic < 0 && len < 5 && !final)
		return 0;
	if (c->azure_classic < 0)
		c->azure_classic = azure_classic__detect(buf, len);
	return c->azure_classic ? azure_classic__chunk(c, buf, len, final, err) :
				  azure_json__chunk(c, buf, len, final, err);
}

/* Detection order matters: the JSON formats are told apart by marker keys
 * that CloudTrail records do not carry, so CloudTrail is tried after them. */
static const struct audit_format_ops formats[] = {
	[AUDIT_FMT_GCS] = { "gcs", "GCP audit log JSON", gcs__detect, gcs__chunk, AUDIT_MAX_RECORD },
	[AUDIT_FMT_AZURE] = { "azure", "an Azure Storage log", azure_detect, azure_chunk,
			      AUDIT_MAX_RECORD },
	[AUDIT_FMT_MINIO] = { "minio", "MinIO audit JSON", minio__detect, minio__chunk,
			      AUDIT_MAX_RECORD },
	[AUDIT_FMT_CLOUDTRAIL] = { "cloudtrail", "CloudTrail JSON", cloudtrail__detect,
				   cloudtrail__chunk, AUDIT_MAX_RECORD },
	[AUDIT_FMT_S3ACCESS] = { "s3access", "an S3 server access log", s3access__detect,
				 s3access__chunk, AUDIT_MAX_LINE + 2 },
	[AUDIT_FMT_AZURE_ACTIVITY] = { "azure-activity", "an Azure Activity Log",
				       azure_activity__detect, azure_activity__chunk, AUDIT_MAX_RECORD },
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

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
	for (size_t i = 1; i < NFORMATS; i++) {
		if (formats[i].prefix && strlen(formats[i].prefix) == n &&
		    strncmp(spec, formats[i].prefix, n) == 0) {
			out->format = (int)i;
			out->path = colon + 1;
			out->url = is_url(out->path);
			return 0;
		}
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

static const char *state_dir;

void audit_set_state_dir(const char *dir)
{
	state_dir = dir;
}

const char *audit_state_dir(void)
{
	const char *env = getenv("GATEWATCH_STATE_DIR");

	return state_dir ? state_dir : env && *env ? env : NULL;
}

static int azure_detect(const char *buf, size_t len)
{
	return azure_json__detect(buf, len) || azure_classic__detect(buf, len);
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
	*format = s.format ? formats[s.format].prefix : "";
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

void audit_ctx__skip(struct audit_ctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	c->st->skipped++;
	if (c->warnings++ >= AUDIT_MAX_RECORD_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warn("%s: %s%s", c->path, msg,
		 c->warnings == AUDIT_MAX_RECORD_WARNINGS ? " (further record warnings suppressed)" : "");
}

void audit_ctx__skip_at(struct audit_ctx *c, size_t off, const char *fmt, ...)
{
	char msg[256];
	uint64_t line;
	va_list ap;

	c->st->skipped++;
	if (c->warnings++ >= AUDIT_MAX_RECORD_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	line = c->line_base + (c->chunk ? audit__count_lines(c->chunk, off) : 0) + 1;
	log_warn("%s: line %llu (offset %llu): %s%s", c->path, (unsigned long long)line,
		 (unsigned long long)(c->base + off), msg,
		 c->warnings == AUDIT_MAX_RECORD_WARNINGS ? " (further record warnings suppressed)" : "");
}

void audit_ctx__begin_stream(struct audit_ctx *c)
{
	c->base = 0;
	c->line_base = 0;
	c->chunk = NULL;
	memset(&c->js, 0, sizeof(c->js));
	c->azure_classic = -1;
}

void audit_ctx__note_file(struct audit_ctx *c, int failed, const char *why)
{
	struct audit_file_note *n;

	if (c->st->nnotes >= AUDIT_MAX_NOTES)
		return;
	n = &c->st->notes[c->st->nnotes++];
	snprintf(n->path, sizeof(n->path), "%s", c->path);
	snprintf(n->why, sizeof(n->why), "%s", why);
	n->failed = (uint8_t)failed;
}

void audit_ctx__release(struct audit_ctx *c)
{
	audit_buf__release(&c->raw);
	audit_buf__release(&c->out);
}

static int format_detect(int format, const char *buf, size_t len)
{
	/* Activity Log records also carry operationName and callerIpAddress */
	if (format == AUDIT_FMT_AZURE)
		return azure_detect(buf, len) && !azure_activity__detect(buf, len);
	return formats[format].detect(buf, len);
}

const struct audit_format_ops *audit_format__ops(int format)
{
	return format > 0 && (size_t)format < NFORMATS ? &formats[format] : NULL;
}

int audit_format__is(int format, const char *buf, size_t len)
{
	return audit_format__ops(format) && format_detect(format, buf, len);
}

int audit_format__detect(const char *buf, size_t len)
{
	int format = AUDIT_FMT_DETECT;

	for (size_t i = 1; i < NFORMATS; i++)
		if (format_detect((int)i, buf, len))
			format = (int)i;
	return format;
}

int audit_format__by_name(const char *name)
{
	for (size_t i = 1; i < NFORMATS; i++)
		if (strcmp(formats[i].prefix, name) == 0)
			return (int)i;
	return -EINVAL;
}

int audit_buf__parse(struct audit_ctx *c, int format, char *buf, size_t len)
{
	int err = 0;

	if (format == AUDIT_FMT_DETECT)
		format = audit_format__detect(buf, len);
	/* In a directory, a file that no format recognises (a README, notes, a
	 * .tsv) or, for a source of one format, one that is not of it, is not a
	 * log: passed over and listed, never a failure. A file named on its own
	 * was asked for, and a recognised file that breaks is a failure. */
	if (c->in_dir && (format == AUDIT_FMT_DETECT || !format_detect(format, buf, len))) {
		log_debug("skipping %s: not %s", c->path,
			 format == AUDIT_FMT_DETECT ? "an audit log of a known format" : formats[format].what);
		c->st->not_logs++;
		audit_ctx__note_file(c, 0, format == AUDIT_FMT_DETECT ? "not an audit log"
								       : "not of the source's format");
		return 0;
	}
	c->st->files++;
	c->st->bytes += len;
	if (format == AUDIT_FMT_DETECT) {
		log_err("failed to parse %s: unknown log format", c->path);
		c->st->files_failed++;
		audit_ctx__note_file(c, 1, "unknown log format");
		return 0;
	}
	audit_ctx__begin_stream(c);
	c->chunk = buf;
	/* The JSON parsers stop at a NUL; the text parsers check each line. */
	if (format != AUDIT_FMT_S3ACCESS && memchr(buf, '\0', len))
		audit_buf__blank_nul_lines(c, buf, len);
	json_arena__begin();
	formats[format].chunk(c, buf, len, 1, &err);
	json_arena__end();
	if (c->flags & AUDIT_READ_TRANSIENT) {
		/* the cache points into the pool */
		strpool__reset(c->pool);
		memset(c->icache, 0, sizeof(c->icache));
	}
	if (err == -EBADMSG) {
		log_err("failed to parse %s: not %s", c->path, formats[format].what);
		c->st->files_failed++;
		audit_ctx__note_file(c, 1, "damaged: the format was recognised but not parsed");
		err = 0;
	}
	return err;
}

/* Read and parse one file as a stream. Returns 0 (failures are counted)
 * or the callback's negative return. */
static int read_file(struct audit_ctx *c, int format)
{
	struct audit_reader *r;
	int err;

	r = audit_reader__open(c->path, format ? formats[format].prefix : NULL, c->pool,
			       c->flags | (c->in_dir ? AUDIT_READ_IN_DIR : 0), c->st);
	if (!r) {
		err = -errno;
		log_err("failed to read %s: %s", c->path, audit_load__strerror(err));
		c->st->files_failed++;
		audit_ctx__note_file(c, 1, audit_load__strerror(err));
		return 0;
	}
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
	audit_ctx__release(&c);
	return err;
}

int audit_minio__read(const char *name, char *buf, size_t len, struct strpool *pool,
		      audit_event_fn cb, void *ctx, struct audit_stats *st)
{
	struct audit_ctx c = { .path = name, .pool = pool, .cb = cb, .cb_ctx = ctx, .st = st };
	int err = audit_buf__parse(&c, AUDIT_FMT_MINIO, buf, len);

	audit_ctx__release(&c);
	return err;
}

int audit_source__read(const char *spec, struct strpool *pool, audit_event_fn cb,
		       void *ctx, struct audit_stats *st)
{
	return audit_source__read_flags(spec, pool, 0, cb, ctx, st);
}

int audit_stats__write_json(const struct audit_stats *st, FILE *f)
{
	char first[40] = "", last[40] = "";

	if (st->events) {
		iso8601__format(st->first_ms, first, sizeof(first));
		iso8601__format(st->last_ms, last, sizeof(last));
	}
	if (fprintf(f, "{\"files\":%llu,\"files_failed\":%llu,\"records\":%llu,\"events\":%llu,"
		    "\"skipped\":%llu,\"skipped_bad_bytes\":%llu,\"ignored\":%llu,\"digests\":%llu,"
		    "\"bytes\":%llu,\"duplicates\":%llu,\"non_storage\":%llu,\"not_logs\":%llu,"
		    "\"first\":\"%s\",\"last\":\"%s\"}",
		    (unsigned long long)st->files, (unsigned long long)st->files_failed,
		    (unsigned long long)st->records, (unsigned long long)st->events,
		    (unsigned long long)st->skipped, (unsigned long long)st->skip_bad_bytes,
		    (unsigned long long)st->ignored, (unsigned long long)st->digests,
		    (unsigned long long)st->bytes, (unsigned long long)st->duplicates,
		    (unsigned long long)st->non_storage, (unsigned long long)st->not_logs,
		    first, last) < 0)
		return -EIO;
	return 0;
}

const char *gw_action_name(int action)
{
	static const char *const names[] = { "other", "object_read", "object_write",
					     "object_delete", "list", "permission", "management",
					     "object_copy" };

	return action >= 0 && action < (int)(sizeof(names) / sizeof(names[0])) ? names[action] : "other";
}

const char *gw_outcome_name(int outcome)
{
	static const char *const names[] = { "ok", "denied", "error" };

	return outcome >= 0 && outcome < (int)(sizeof(names) / sizeof(names[0])) ? names[outcome] : "ok";
}

const char *gw_principal_type_name(int type)
{
	static const char *const names[] = { "unknown", "user", "role", "root",
					     "service", "anonymous", "account" };

	return type >= 0 && type < (int)(sizeof(names) / sizeof(names[0])) ? names[type] : "unknown";
}

const char *gw_principal_kind_name(int kind)
{
	static const char *const names[] = { "unknown", "own", "foreign", "anonymous", "root",
					     "workload", "sas", "service" };

	return kind >= 0 && kind < (int)(sizeof(names) / sizeof(names[0])) ? names[kind] : "unknown";
}
