/* agent/ship: a decoded FindingBatch as one JSON line. Shared by
 * `gatewatch decode` and the collector's GET /v1/findings. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "lib/names.h"
#include "ship/schema.h"
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

static void put_double(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, "%.17g", v);
	else
		fputs("null", out);
}

/* The wire's severity is the detector's plus one (0: unspecified). */
static const char *severity_name(int sev)
{
	const char *n = gw_severity_name_or_null(sev - 1);

	return n ? n : sev == 0 ? "unspecified" : "unknown";
}

static void put_host(FILE *out, const gatewatch_v1_HostProcess *h)
{
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

/* A list row: an array of strings, or of {"key","value"} objects. */
static void put_list(FILE *out, const struct ship_field *sf, const void *m)
{
	const gatewatch_v1_Evidence *ev;

	fputc('[', out);
	for (size_t i = 0; i < ship_field__count(sf, m); i++) {
		if (i)
			fputc(',', out);
		if (sf->type == SHIP_STRS) {
			ship__json_str(out, ship_field__item(sf, m, i));
			continue;
		}
		ev = ship_field__evidence(sf, m, i);
		fputc('{', out);
		put_key(out, "key", 1);
		ship__json_str(out, ev->key);
		put_kv_str(out, "value", ev->value);
		fputc('}', out);
	}
	fputc(']', out);
}

static void put_value(FILE *out, const struct ship_field *sf, const void *m)
{
	switch (sf->type) {
	case SHIP_STR:
		ship__json_str(out, ship_field__str(sf, m));
		break;
	case SHIP_SEVERITY:
		ship__json_str(out, severity_name(ship_field__enum(sf, m)));
		break;
	case SHIP_CLOUD:
		ship__json_str(out, gw_cloud_name(ship_field__enum(sf, m)));
		break;
	case SHIP_SCORE:
		put_double(out, ship_field__double(sf, m));
		break;
	case SHIP_TIME:
		fprintf(out, "%" PRId64, ship_field__i64(sf, m));
		break;
	case SHIP_U64:
		fprintf(out, "%" PRIu64, ship_field__u64(sf, m));
		break;
	case SHIP_STRS:
	case SHIP_EVIDENCE:
		put_list(out, sf, m);
		break;
	case SHIP_HOST:
		put_host(out, ship_field__host(sf, m));
		break;
	}
}

/* A finding or an incident: every schema row with a JSON key, in order; the
 * host only when the message has one. */
static void put_message(FILE *out, const struct ship_field *t, size_t n, const void *m)
{
	int first = 1;

	fputc('{', out);
	for (size_t i = 0; i < n; i++) {
		if (!t[i].json || (t[i].type == SHIP_HOST && !ship_field__host(&t[i], m)))
			continue;
		put_key(out, t[i].json, first);
		put_value(out, &t[i], m);
		first = 0;
	}
	fputc('}', out);
}

void ship__finding_json(FILE *out, const gatewatch_v1_Finding *f)
{
	put_message(out, ship_finding_fields, ship_finding_nfields, f);
}

void ship__incident_json(FILE *out, const gatewatch_v1_Incident *inc)
{
	put_message(out, ship_incident_fields, ship_incident_nfields, inc);
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
