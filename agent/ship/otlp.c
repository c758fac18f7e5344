/* agent/ship: a FindingBatch as an OTLP ExportLogsServiceRequest.
 *
 * The field numbers are those of opentelemetry-proto (logs/v1, common/v1,
 * resource/v1); proto/otlp_logs.proto holds the subset written here. The
 * messages are small and nested six deep, so they are written by hand: a
 * submessage is written in place and its length prefix put in front of it
 * when it ends.
 *
 * One resource (the agent: service.name, host.name, host.id), one scope
 * ("gatewatch"), one LogRecord per finding and per incident, every field an
 * attribute named gatewatch.*; severity mapped to OTLP severity numbers
 * (info 9 INFO, low 13 WARN, medium 14 WARN2, high 17 ERROR, critical 21 FATAL).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"
#include "lib/names.h"
#include "ship/wire.h"

#define PBW_DEPTH 8
#define OTLP_MAX (32u << 20)

struct pbw {
	uint8_t *b;
	size_t len, cap;
	size_t stack[PBW_DEPTH];
	int depth;
	int err;
};

static bool room(struct pbw *w, size_t n)
{
	uint8_t *nb;
	size_t cap;

	if (w->err)
		return false;
	if (n <= w->cap - w->len)
		return true;
	cap = w->cap ? w->cap : 4096;
	while (cap - w->len < n && cap <= OTLP_MAX)
		cap *= 2;
	if (cap - w->len < n) {
		w->err = -E2BIG;
		return false;
	}
	nb = realloc(w->b, cap);
	if (!nb) {
		w->err = -ENOMEM;
		return false;
	}
	w->b = nb;
	w->cap = cap;
	return true;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static void put_varint_at(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p = (uint8_t)v;
}

static void put_varint(struct pbw *w, uint64_t v)
{
	if (!room(w, 10))
		return;
	put_varint_at(w->b + w->len, v);
	w->len += varint_len(v);
}

static void put_tag(struct pbw *w, uint32_t field, uint32_t wt)
{
	put_varint(w, (uint64_t)field << 3 | wt);
}

static void put_fixed64(struct pbw *w, uint32_t field, uint64_t v)
{
	put_tag(w, field, 1);
	if (!room(w, 8))
		return;
	for (int i = 0; i < 8; i++)
		w->b[w->len++] = (uint8_t)(v >> (8 * i));
}

static void put_bytes(struct pbw *w, uint32_t field, const void *p, size_t n)
{
	put_tag(w, field, 2);
	put_varint(w, n);
	if (!room(w, n))
		return;
	memcpy(w->b + w->len, p, n);
	w->len += n;
}

static void begin(struct pbw *w, uint32_t field)
{
	put_tag(w, field, 2);
	if (w->err)
		return;
	if (w->depth == PBW_DEPTH) {
		w->err = -E2BIG;
		return;
	}
	w->stack[w->depth++] = w->len;
}

/* Put the length in front of the submessage begun last. */
static void end(struct pbw *w)
{
	size_t start, n, vl;

	if (w->err)
		return;
	start = w->stack[--w->depth];
	n = w->len - start;
	vl = varint_len(n);
	if (!room(w, vl))
		return;
	memmove(w->b + start + vl, w->b + start, n);
	put_varint_at(w->b + start, n);
	w->len += vl;
}

/* KeyValue{key, AnyValue{...}} helpers; empty strings are left out. */
static void attr_str(struct pbw *w, const char *key, const char *v)
{
	if (!v || !v[0])
		return;
	begin(w, 6);                       /* attributes (in LogRecord and Resource: 1) */
	put_bytes(w, 1, key, strlen(key));
	begin(w, 2);
	put_bytes(w, 1, v, strlen(v));     /* string_value */
	end(w);
	end(w);
}

static void attr_int(struct pbw *w, const char *key, int64_t v)
{
	begin(w, 6);
	put_bytes(w, 1, key, strlen(key));
	begin(w, 2);
	put_tag(w, 3, 0);                  /* int_value */
	put_varint(w, (uint64_t)v);
	end(w);
	end(w);
}

static void attr_double(struct pbw *w, const char *key, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	begin(w, 6);
	put_bytes(w, 1, key, strlen(key));
	begin(w, 2);
	put_fixed64(w, 4, bits);           /* double_value */
	end(w);
	end(w);
}

/* An array of strings: ArrayValue{values: AnyValue{string_value}}. */
static void attr_strs(struct pbw *w, const char *key, const char *first, size_t stride,
		      size_t n)
{
	if (!n)
		return;
	begin(w, 6);
	put_bytes(w, 1, key, strlen(key));
	begin(w, 2);
	begin(w, 5);                       /* array_value */
	for (size_t i = 0; i < n; i++) {
		const char *s = first + i * stride;

		begin(w, 1);
		put_bytes(w, 1, s, strlen(s));
		end(w);
	}
	end(w);
	end(w);
	end(w);
}

/* The wire's severity is the detector's plus one (0: unspecified). */
static const char *severity_text(gatewatch_v1_Severity sev)
{
	const char *n = gw_severity_name_or_null((int)sev - 1);

	return n ? n : "unspecified";
}

static uint32_t severity_number(gatewatch_v1_Severity sev)
{
	static const uint32_t nums[] = { 0, 9, 13, 14, 17, 21 };

	return (size_t)sev < sizeof(nums) / sizeof(nums[0]) ? nums[sev] : 0;
}

static const char *cloud_text(gatewatch_v1_Cloud cloud)
{
	return cloud <= 0 || cloud > _gatewatch_v1_Cloud_MAX ? "" : gw_cloud_name(cloud);
}

static void record_head(struct pbw *w, int64_t time_ms, uint64_t now_ns,
			gatewatch_v1_Severity sev, const char *body)
{
	put_fixed64(w, 1, time_ms > 0 ? (uint64_t)time_ms * 1000000u : now_ns);
	put_fixed64(w, 11, now_ns);        /* observed_time_unix_nano */
	put_tag(w, 2, 0);
	put_varint(w, severity_number(sev));
	put_bytes(w, 3, severity_text(sev), strlen(severity_text(sev)));
	begin(w, 5);                       /* body: AnyValue{string_value} */
	put_bytes(w, 1, body, strlen(body));
	end(w);
}

static void finding_record(struct pbw *w, const gatewatch_v1_Finding *f, uint64_t now_ns)
{
	char key[96];

	begin(w, 2);                       /* ScopeLogs.log_records */
	record_head(w, f->start_ms, now_ns, f->severity, f->title[0] ? f->title : f->rule_id);
	attr_str(w, "gatewatch.kind", "finding");
	attr_str(w, "gatewatch.finding.id", f->id);
	attr_str(w, "gatewatch.rule_id", f->rule_id);
	attr_str(w, "gatewatch.title", f->title);
	attr_str(w, "gatewatch.severity", severity_text(f->severity));
	attr_double(w, "gatewatch.score", f->score);
	attr_int(w, "gatewatch.start_ms", f->start_ms);
	attr_int(w, "gatewatch.end_ms", f->end_ms);
	attr_str(w, "gatewatch.cloud", cloud_text(f->cloud));
	attr_str(w, "gatewatch.principal", f->principal);
	attr_str(w, "gatewatch.access_key", f->access_key);
	attr_str(w, "gatewatch.source_ip", f->source_ip);
	attr_str(w, "gatewatch.user_agent", f->user_agent);
	attr_str(w, "gatewatch.region", f->region);
	attr_str(w, "gatewatch.bucket", f->bucket);
	attr_int(w, "gatewatch.count", (int64_t)f->count);
	attr_int(w, "gatewatch.bytes", (int64_t)f->bytes);
	attr_strs(w, "gatewatch.mitre", f->mitre[0], sizeof(f->mitre[0]), f->mitre_count);
	attr_strs(w, "gatewatch.sample_objects", f->sample_objects[0],
		  sizeof(f->sample_objects[0]), f->sample_objects_count);
	for (pb_size_t i = 0; i < f->evidence_count; i++) {
		snprintf(key, sizeof(key), "gatewatch.evidence.%s", f->evidence[i].key);
		attr_str(w, key, f->evidence[i].value);
	}
	if (f->has_host) {
		attr_int(w, "gatewatch.host.pid", f->host.pid);
		attr_str(w, "gatewatch.host.comm", f->host.comm);
		attr_str(w, "gatewatch.host.exe", f->host.exe);
		attr_int(w, "gatewatch.host.uid", f->host.uid);
		attr_str(w, "gatewatch.host.unit", f->host.unit);
	}
	end(w);
}

static void incident_record(struct pbw *w, const gatewatch_v1_Incident *inc, uint64_t now_ns)
{
	begin(w, 2);
	record_head(w, 0, now_ns, gatewatch_v1_Severity_SEVERITY_HIGH, inc->classification);
	attr_str(w, "gatewatch.kind", "incident");
	attr_str(w, "gatewatch.incident.id", inc->id);
	attr_str(w, "gatewatch.classification", inc->classification);
	attr_double(w, "gatewatch.score", inc->score);
	attr_strs(w, "gatewatch.finding_ids", inc->finding_ids[0], sizeof(inc->finding_ids[0]),
		  inc->finding_ids_count);
	attr_strs(w, "gatewatch.timeline", inc->timeline[0], sizeof(inc->timeline[0]),
		  inc->timeline_count);
	attr_strs(w, "gatewatch.remediation", inc->remediation[0], sizeof(inc->remediation[0]),
		  inc->remediation_count);
	end(w);
}

/* Resource attributes are field 1 of Resource, not 6: written directly. */
static void resource_attr(struct pbw *w, const char *key, const char *v)
{
	if (!v[0])
		return;
	begin(w, 1);
	put_bytes(w, 1, key, strlen(key));
	begin(w, 2);
	put_bytes(w, 1, v, strlen(v));
	end(w);
	end(w);
}

int ship_otlp__encode(const struct ship_batch *b, uint8_t **buf, size_t *len)
{
	struct pbw w = { 0 };
	char seq[24];
	uint64_t now_ns;

	now_ns = gw_wall_ns();
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)b->hdr.sequence);
	begin(&w, 1);                      /* ExportLogsServiceRequest.resource_logs */
	begin(&w, 1);                      /* ResourceLogs.resource */
	resource_attr(&w, "service.name", "gatewatch");
	resource_attr(&w, "service.version", b->hdr.agent_version);
	resource_attr(&w, "host.name", b->hdr.hostname);
	resource_attr(&w, "host.id", b->hdr.agent_id);
	resource_attr(&w, "gatewatch.boot_id", b->hdr.boot_id);
	resource_attr(&w, "gatewatch.batch.sequence", seq);
	end(&w);
	begin(&w, 2);                      /* ResourceLogs.scope_logs */
	begin(&w, 1);                      /* ScopeLogs.scope */
	put_bytes(&w, 1, "gatewatch", 9);
	put_bytes(&w, 2, b->hdr.agent_version, strlen(b->hdr.agent_version));
	end(&w);
	for (size_t i = 0; i < b->nfindings; i++)
		finding_record(&w, &b->findings[i], now_ns);
	for (size_t i = 0; i < b->nincidents; i++)
		incident_record(&w, &b->incidents[i], now_ns);
	end(&w);
	end(&w);
	if (w.err) {
		free(w.b);
		return w.err;
	}
	*buf = w.b;
	*len = w.len;
	return 0;
}
