/* agent/audit/formats: the registry of log formats (name, detection, chunk
 * reader, record bound) and the parse of one whole buffer by its format. */
#include <errno.h>
#include <string.h>

#include "audit/audit_internal.h"
#include "audit/jsonarena.h"
#include "lib/log.h"
#include "lib/strpool.h"

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

static int azure_detect(const char *buf, size_t len)
{
	return azure_json__detect(buf, len) || azure_classic__detect(buf, len);
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
		audit_ctx__forget(c);
	}
	if (err == -EBADMSG) {
		log_err("failed to parse %s: not %s", c->path, formats[format].what);
		c->st->files_failed++;
		audit_ctx__note_file(c, 1, "damaged: the format was recognised but not parsed");
		err = 0;
	}
	return err;
}
