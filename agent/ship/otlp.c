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
#include "ship/schema.h"
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
static const char *severity_text(int sev)
{
	const char *n = gw_severity_name_or_null(sev - 1);

	return n ? n : "unspecified";
}

static uint32_t severity_number(int sev)
{
	static const uint32_t nums[] = { 0, 9, 13, 14, 17, 21 };

	return (size_t)sev < sizeof(nums) / sizeof(nums[0]) ? nums[sev] : 0;
}

static const char *cloud_text(int cloud)
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

static void attr_host(struct pbw *w, const char *prefix, const gatewatch_v1_HostProcess *h)
{
	char key[96];

	snprintf(key, sizeof(key), "%spid", prefix);
	attr_int(w, key, h->pid);
	snprintf(key, sizeof(key), "%scomm", prefix);
	attr_str(w, key, h->comm);
	snprintf(key, sizeof(key), "%sexe", prefix);
	attr_str(w, key, h->exe);
	snprintf(key, sizeof(key), "%suid", prefix);
	attr_int(w, key, h->uid);
	snprintf(key, sizeof(key), "%sunit", prefix);
	attr_str(w, key, h->unit);
}

/* One schema row as an attribute (evidence and host: one per entry). */
static void attr_field(struct pbw *w, const struct ship_field *sf, const void *m)
{
	const gatewatch_v1_Evidence *ev;
	const gatewatch_v1_HostProcess *h;
	char key[96];

	switch (sf->type) {
	case SHIP_STR:
		attr_str(w, sf->otlp, ship_field__str(sf, m));
		break;
	case SHIP_SEVERITY:
		attr_str(w, sf->otlp, severity_text(ship_field__enum(sf, m)));
		break;
	case SHIP_CLOUD:
		attr_str(w, sf->otlp, cloud_text(ship_field__enum(sf, m)));
		break;
	case SHIP_SCORE:
		attr_double(w, sf->otlp, ship_field__double(sf, m));
		break;
	case SHIP_TIME:
		attr_int(w, sf->otlp, ship_field__i64(sf, m));
		break;
	case SHIP_U64:
		attr_int(w, sf->otlp, (int64_t)ship_field__u64(sf, m));
		break;
	case SHIP_STRS:
		attr_strs(w, sf->otlp, ship_field__item(sf, m, 0), sf->pb_elem,
			  ship_field__count(sf, m));
		break;
	case SHIP_EVIDENCE:
		for (size_t i = 0; i < ship_field__count(sf, m); i++) {
			ev = ship_field__evidence(sf, m, i);
			snprintf(key, sizeof(key), "%s%s", sf->otlp, ev->key);
			attr_str(w, key, ev->value);
		}
		break;
	case SHIP_HOST:
		h = ship_field__host(sf, m);
		if (h)
			attr_host(w, sf->otlp, h);
		break;
	}
}

/* Every schema row with an OTLP attribute name, in order. */
static void attr_fields(struct pbw *w, const struct ship_field *t, size_t n, const void *m)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].otlp)
			attr_field(w, &t[i], m);
}

static void finding_record(struct pbw *w, const gatewatch_v1_Finding *f, uint64_t now_ns)
{
	begin(w, 2);                       /* ScopeLogs.log_records */
	record_head(w, f->start_ms, now_ns, f->severity, f->title[0] ? f->title : f->rule_id);
	attr_str(w, "gatewatch.kind", "finding");
	attr_fields(w, ship_finding_fields, ship_finding_nfields, f);
	end(w);
}

static void incident_record(struct pbw *w, const gatewatch_v1_Incident *inc, uint64_t now_ns)
{
	begin(w, 2);
	record_head(w, 0, now_ns, inc->severity ? inc->severity : gatewatch_v1_Severity_SEVERITY_HIGH,
		    inc->classification);
	attr_str(w, "gatewatch.kind", "incident");
	attr_fields(w, ship_incident_fields, ship_incident_nfields, inc);
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
