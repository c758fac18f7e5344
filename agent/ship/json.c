/* agent/ship: a decoded FindingBatch as one JSON line. Shared by
 * `gatewatch decode` and the collector's GET /v1/findings. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "lib/names.h"
#include "ship/wire.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		cp = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		cp = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return len;
}

/* A JSON string; bytes that are not valid UTF-8 become U+FFFD. */
void ship__json_str(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, len;

	fputc('"', out);
	while (i < n) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			i++;
		} else if (c == '\n') {
			fputs("\\n", out);
			i++;
		} else if (c == '\r') {
			fputs("\\r", out);
			i++;
		} else if (c == '\t') {
			fputs("\\t", out);
			i++;
		} else if (c < 0x20 || c == 0x7F) {
			fprintf(out, "\\u%04x", c);
			i++;
		} else if ((len = utf8_len(s + i, n - i)) == 0) {
			fputs("\\ufffd", out);
			i++;
		} else {
			fwrite(s + i, 1, len, out);
			i += len;
		}
	}
	fputc('"', out);
}

static void put_key(FILE *out, const char *key, int first)
{
	if (!first)
		fputc(',', out);
	ship__json_str(out, key);
	fputc(':', out);
}

static void put_kv_str(FILE *out, const char *key, const char *val)
{
	put_key(out, key, 0);
	ship__json_str(out, val);
}

static void put_kv_u64(FILE *out, const char *key, uint64_t v)
{
	put_key(out, key, 0);
	fprintf(out, "%" PRIu64, v);
}

static void put_kv_i64(FILE *out, const char *key, int64_t v)
{
	put_key(out, key, 0);
	fprintf(out, "%" PRId64, v);
}

static void put_kv_double(FILE *out, const char *key, double v)
{
	put_key(out, key, 0);
	if (isfinite(v))
		fprintf(out, "%.17g", v);
	else
		fputs("null", out);
}

/* A JSON array of n strings of `stride` bytes each starting at base. */
static void put_kv_strs(FILE *out, const char *key, const char *base, size_t stride, size_t n)
{
	put_key(out, key, 0);
	fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', out);
		ship__json_str(out, base + i * stride);
	}
	fputc(']', out);
}

/* The wire's severity is the detector's plus one (0: unspecified). */
static const char *severity_name(gatewatch_v1_Severity sev)
{
	const char *n = gw_severity_name_or_null((int)sev - 1);

	return n ? n : sev == 0 ? "unspecified" : "unknown";
}

static void put_host(FILE *out, const gatewatch_v1_HostProcess *h)
{
	put_key(out, "host", 0);
	fputc('{', out);
	put_key(out, "pid", 1);
	fprintf(out, "%" PRIu32, h->pid);
	put_kv_u64(out, "start_time", h->start_time);
	put_kv_str(out, "comm", h->comm);
	put_kv_str(out, "exe", h->exe);
	put_kv_u64(out, "uid", h->uid);
	put_kv_str(out, "unit", h->unit);
	fputc('}', out);
}

void ship__finding_json(FILE *out, const gatewatch_v1_Finding *f)
{
	fputc('{', out);
	put_key(out, "id", 1);
	ship__json_str(out, f->id);
	put_kv_str(out, "rule_id", f->rule_id);
	put_kv_str(out, "title", f->title);
	put_kv_str(out, "severity", severity_name(f->severity));
	put_kv_double(out, "score", f->score);
	put_kv_i64(out, "start_ms", f->start_ms);
	put_kv_i64(out, "end_ms", f->end_ms);
	put_kv_str(out, "cloud", gw_cloud_name(f->cloud));
	put_kv_str(out, "principal", f->principal);
	put_kv_str(out, "access_key", f->access_key);
	put_kv_str(out, "source_ip", f->source_ip);
	put_kv_str(out, "user_agent", f->user_agent);
	put_kv_str(out, "region", f->region);
	put_kv_str(out, "bucket", f->bucket);
	put_kv_strs(out, "sample_objects", f->sample_objects[0], sizeof(f->sample_objects[0]),
		    f->sample_objects_count);
	put_kv_strs(out, "mitre", f->mitre[0], sizeof(f->mitre[0]), f->mitre_count);
	put_kv_u64(out, "count", f->count);
	put_kv_u64(out, "bytes", f->bytes);
	put_key(out, "evidence", 0);
	fputc('[', out);
	for (size_t i = 0; i < f->evidence_count; i++) {
		fputs(i ? ",{" : "{", out);
		put_key(out, "key", 1);
		ship__json_str(out, f->evidence[i].key);
		put_kv_str(out, "value", f->evidence[i].value);
		fputc('}', out);
	}
	fputc(']', out);
	if (f->has_host)
		put_host(out, &f->host);
	fputc('}', out);
}

void ship__incident_json(FILE *out, const gatewatch_v1_Incident *inc)
{
	fputc('{', out);
	put_key(out, "id", 1);
	ship__json_str(out, inc->id);
	put_kv_str(out, "classification", inc->classification);
	put_kv_double(out, "score", inc->score);
	put_kv_u64(out, "revision", inc->revision);
	put_kv_u64(out, "finding_count", inc->finding_count);
	put_kv_str(out, "principal", inc->principal);
	put_kv_strs(out, "finding_ids", inc->finding_ids[0], sizeof(inc->finding_ids[0]),
		    inc->finding_ids_count);
	put_kv_strs(out, "timeline", inc->timeline[0], sizeof(inc->timeline[0]),
		    inc->timeline_count);
	put_kv_strs(out, "remediation", inc->remediation[0], sizeof(inc->remediation[0]),
		    inc->remediation_count);
	fputc('}', out);
}

int ship_batch__write_json(FILE *out, const struct ship_batch *b)
{
	fputc('{', out);
	put_key(out, "agent_id", 1);
	ship__json_str(out, b->hdr.agent_id);
	put_kv_str(out, "hostname", b->hdr.hostname);
	put_kv_str(out, "boot_id", b->hdr.boot_id);
	put_kv_str(out, "agent_version", b->hdr.agent_version);
	put_kv_u64(out, "sequence", b->hdr.sequence);
	put_key(out, "findings", 0);
	fputc('[', out);
	for (size_t i = 0; i < b->nfindings; i++) {
		if (i)
			fputc(',', out);
		ship__finding_json(out, &b->findings[i]);
	}
	fputs("]", out);
	put_key(out, "incidents", 0);
	fputc('[', out);
	for (size_t i = 0; i < b->nincidents; i++) {
		if (i)
			fputc(',', out);
		ship__incident_json(out, &b->incidents[i]);
	}
	fputs("]}\n", out);
	return ferror(out) ? -EIO : 0;
}
