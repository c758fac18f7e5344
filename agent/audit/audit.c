/* See audit.h. A SOURCE spec names a format (or leaves it to detection) and
 * a local file or directory; each file is loaded whole (gunzipped when it is
 * gzip), handed to its format's parser, and freed before the next one. */
#include "audit/audit.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/audit_internal.h"
#include "log.h"

enum audit_format {
	FMT_DETECT = 0,
	FMT_CLOUDTRAIL,
};

struct spec {
	int format;
	const char *path;
};

static const char *const future_prefixes[] = { "gcs", "azure", "minio" };

/* Split "format:path". A spec whose text before ':' is not a plain word (or
 * that exists as a path) is a bare path. */
static int spec__parse(const char *spec, struct spec *out)
{
	const char *colon = strchr(spec, ':');
	struct stat sb;
	size_t n;

	out->format = FMT_DETECT;
	out->path = spec;
	if (!colon || stat(spec, &sb) == 0)
		return 0;
	n = (size_t)(colon - spec);
	for (size_t i = 0; i < n; i++)
		if (!((spec[i] >= 'a' && spec[i] <= 'z') || (spec[i] >= '0' && spec[i] <= '9')))
			return 0;
	if (n == 10 && strncmp(spec, "cloudtrail", n) == 0) {
		out->format = FMT_CLOUDTRAIL;
		out->path = colon + 1;
		return 0;
	}
	for (size_t i = 0; i < sizeof(future_prefixes) / sizeof(future_prefixes[0]); i++) {
		if (strlen(future_prefixes[i]) == n && strncmp(spec, future_prefixes[i], n) == 0) {
			log_err("audit source '%s': format '%.*s' is not supported yet", spec,
				(int)n, spec);
			return -EINVAL;
		}
	}
	if (strncmp(colon, "://", 3) == 0)
		log_err("audit source '%s': bucket URLs are not supported yet", spec);
	else
		log_err("audit source '%s': unknown format prefix '%.*s' (known: cloudtrail)",
			spec, (int)n, spec);
	return -EINVAL;
}

static int spec__resolve(const char *spec, struct spec *out, struct stat *sb)
{
	int err = spec__parse(spec, out);

	if (err)
		return err;
	if (!*out->path) {
		log_err("audit source '%s': no path", spec);
		return -EINVAL;
	}
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

int audit_source__check(const char *spec)
{
	struct spec s;
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

static const char *load_error(int err)
{
	switch (err) {
	case -EFBIG:
		return "larger than 1 GiB (after decompression)";
	case -EBADMSG:
		return "corrupt or truncated gzip data";
	default:
		return strerror(-err);
	}
}

/* Read and parse one file. Returns 0 (failures are counted) or the
 * callback's negative return. */
static int read_file(struct audit_ctx *c, int format)
{
	char *buf = NULL;
	size_t len = 0;
	int err;

	err = audit_file__load(c->path, AUDIT_MAX_FILE_BYTES, &buf, &len);
	if (err) {
		log_err("failed to read %s: %s", c->path, load_error(err));
		c->st->files_failed++;
		return 0;
	}
	c->st->files++;
	c->st->bytes += len;
	if (format == FMT_DETECT && !cloudtrail__detect(buf, len)) {
		log_err("failed to parse %s: unknown log format", c->path);
		c->st->files_failed++;
		err = 0;
		goto out;
	}
	err = cloudtrail__parse(c, buf, len);
	if (err == -EBADMSG) {
		log_err("failed to parse %s: not CloudTrail JSON", c->path);
		c->st->files_failed++;
		err = 0;
	}
out:
	free(buf);
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
	for (size_t i = 0; i < n && !err; i++) {
		c->path = paths[i];
		err = read_file(c, format);
	}
	c->path = dir;
	audit_paths__free(paths, n);
	return err;
}

int audit_source__read(const char *spec, struct strpool *pool, audit_event_fn cb,
		       void *ctx, struct audit_stats *st)
{
	struct audit_ctx c = { .pool = pool, .cb = cb, .cb_ctx = ctx, .st = st };
	uint64_t skipped0 = st->skipped;
	struct spec s;
	struct stat sb;
	int err;

	err = spec__resolve(spec, &s, &sb);
	if (err)
		return err;
	c.path = s.path;
	err = S_ISDIR(sb.st_mode) ? read_dir(&c, s.path, s.format) : read_file(&c, s.format);
	if (c.warnings > AUDIT_MAX_RECORD_WARNINGS)
		log_warn("%s: %llu records skipped in all", spec,
			 (unsigned long long)(st->skipped - skipped0));
	return err;
}

const char *gw_cloud_name(int cloud)
{
	static const char *const names[] = { "unknown", "aws", "gcp", "azure", "minio" };

	return cloud >= 0 && cloud < (int)(sizeof(names) / sizeof(names[0])) ? names[cloud] : "unknown";
}

const char *gw_action_name(int action)
{
	static const char *const names[] = { "other", "object_read", "object_write",
					     "object_delete", "list", "permission", "management" };

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
