/* agent/audit: the stage's base: the parse context's bookkeeping (skipped
 * records, file notes, buffers), the cursor directory, the read statistics
 * and the names of the event's enums. The entry (SOURCE specs, reading
 * files and URLs) is audit.c; the formats' registry is formats/formats.c. */
#include "audit/audit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_internal.h"
#include "lib/isotime.h"
#include "lib/log.h"

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

uint64_t audit__count_lines(const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	uint64_t lines = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		lines++;
		p++;
	}
	return lines;
}

/* Count a skipped record; 1 with its message in msg[size] when it is to
 * be logged (not while peeking, nor past the bound on record warnings). */
__attribute__((format(printf, 4, 0)))
static int skip_message(struct audit_ctx *c, char *msg, size_t size, const char *fmt, va_list ap)
{
	c->st->skipped++;
	if ((c->flags & AUDIT_READ_PEEK) || c->warnings++ >= AUDIT_MAX_RECORD_WARNINGS)
		return 0;
	vsnprintf(msg, size, fmt, ap);
	return 1;
}

static const char *skip_suffix(const struct audit_ctx *c)
{
	return c->warnings == AUDIT_MAX_RECORD_WARNINGS ? " (further record warnings suppressed)" : "";
}

void audit_ctx__skip(struct audit_ctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int say;

	va_start(ap, fmt);
	say = skip_message(c, msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (say)
		log_warn("%s: %s%s", c->path, msg, skip_suffix(c));
}

void audit_ctx__skip_at(struct audit_ctx *c, size_t off, const char *fmt, ...)
{
	char msg[256];
	uint64_t line;
	va_list ap;
	int say;

	va_start(ap, fmt);
	say = skip_message(c, msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!say)
		return;
	line = c->line_base + (c->chunk ? audit__count_lines(c->chunk, off) : 0) + 1;
	log_warn("%s: line %llu (offset %llu): %s%s", c->path, (unsigned long long)line,
		 (unsigned long long)(c->base + off), msg, skip_suffix(c));
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

void audit_stats__add(struct audit_stats *dst, const struct audit_stats *src)
{
	if (src->events && (!dst->events || src->first_ms < dst->first_ms))
		dst->first_ms = src->first_ms;
	if (src->events && (!dst->events || src->last_ms > dst->last_ms))
		dst->last_ms = src->last_ms;
	dst->files += src->files;
	dst->files_failed += src->files_failed;
	dst->records += src->records;
	dst->events += src->events;
	dst->skipped += src->skipped;
	dst->digests += src->digests;
	dst->bytes += src->bytes;
	dst->ignored += src->ignored;
	dst->skip_bad_bytes += src->skip_bad_bytes;
	dst->duplicates += src->duplicates;
	dst->non_storage += src->non_storage;
	dst->not_logs += src->not_logs;
	for (size_t i = 0; i < src->nnotes && dst->nnotes < AUDIT_MAX_NOTES; i++)
		dst->notes[dst->nnotes++] = src->notes[i];
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
