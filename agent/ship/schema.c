/* agent/ship: the finding and incident schema tables (see schema.h). */
#include "ship/schema.h"

#include <string.h>

#include "detect/detect.h"
#include "lib/names.h"
#include "ship/wire.h"

#define PB_AT(M, m) offsetof(M, m), sizeof(((M *)0)->m)
#define PB_LIST(M, m) PB_AT(M, m), offsetof(M, m##_count), sizeof(((M *)0)->m[0])

/* A row: type, field of the source struct, field of the nanopb message (its
 * name in proto/gatewatch.proto), JSON key, report key, OTLP attribute. */
#define ROW(S, M, type, src, pbf, json, report, otlp)                                   \
	{ SHIP_##type, json, report, otlp, M##_##pbf##_tag, offsetof(S, src), 0,         \
	  PB_AT(M, pbf), 0, 0 }
/* A list row: the same with the source's count field after its field. */
#define LIST(S, M, type, src, nsrc, pbf, json, report, otlp)                            \
	{ SHIP_##type, json, report, otlp, M##_##pbf##_tag, offsetof(S, src),            \
	  offsetof(S, nsrc), PB_LIST(M, pbf) }
/* A list row with no plain source: filled by hand. */
#define HAND_LIST(M, type, pbf, json, report, otlp)                                     \
	{ SHIP_##type, json, report, otlp, M##_##pbf##_tag, SHIP_SRC_HAND, 0,            \
	  PB_LIST(M, pbf) }
#define HAND(M, type, pbf, json, report, otlp)                                          \
	{ SHIP_##type, json, report, otlp, M##_##pbf##_tag, SHIP_SRC_HAND, 0,            \
	  PB_AT(M, pbf), 0, 0 }

#define F(...) ROW(struct finding, gatewatch_v1_Finding, __VA_ARGS__)
#define FL(...) LIST(struct finding, gatewatch_v1_Finding, __VA_ARGS__)

/* A finding, in the order every output writes it. One line per field:
 *   F(type, struct finding field, proto field, JSON key, report key, OTLP attribute)
 *   FL(type, field, count field, proto field, JSON key, report key, OTLP attribute)
 * A NULL key leaves the field out of that output. */
const struct ship_field ship_finding_fields[] = {
	F(STR,      id,         id,         "id",         "id",         "gatewatch.finding.id"),
	F(STR,      rule_id,    rule_id,    "rule_id",    "rule_id",    "gatewatch.rule_id"),
	F(STR,      title,      title,      "title",      "title",      "gatewatch.title"),
	F(SEVERITY, severity,   severity,   "severity",   "severity",   "gatewatch.severity"),
	F(SCORE,    score,      score,      "score",      "score",      "gatewatch.score"),
	F(TIME,     start_ms,   start_ms,   "start_ms",   "start",      "gatewatch.start_ms"),
	F(TIME,     end_ms,     end_ms,     "end_ms",     "end",        "gatewatch.end_ms"),
	F(CLOUD,    cloud,      cloud,      "cloud",      "cloud",      "gatewatch.cloud"),
	F(STR,      principal,  principal,  "principal",  "principal",  "gatewatch.principal"),
	F(STR,      access_key, access_key, "access_key", "access_key", "gatewatch.access_key"),
	F(STR,      source_ip,  source_ip,  "source_ip",  "source_ip",  "gatewatch.source_ip"),
	F(STR,      user_agent, user_agent, "user_agent", "user_agent", "gatewatch.user_agent"),
	F(STR,      region,     region,     "region",     "region",     "gatewatch.region"),
	F(STR,      bucket,     bucket,     "bucket",     "bucket",     "gatewatch.bucket"),
	F(U64,      count,      count,      "count",      "count",      "gatewatch.count"),
	F(U64,      bytes,      bytes,      "bytes",      "bytes",      "gatewatch.bytes"),
	FL(STRS,    samples, nsamples, sample_objects, "sample_objects", "samples",
	   "gatewatch.sample_objects"),
	FL(STRS,    mitre, nmitre, mitre, "mitre", "mitre", "gatewatch.mitre"),
	FL(EVIDENCE, evidence, nevidence, evidence, "evidence", "evidence", "gatewatch.evidence."),
	F(STR,      why,        why,        "why",        "why",        "gatewatch.why"),
	F(STR,      next_step,  next_step,  "next_step",  "next_step",  "gatewatch.next_step"),
	{ SHIP_HOST, "host", NULL, "gatewatch.host.", gatewatch_v1_Finding_host_tag, SHIP_SRC_HAND,
	  0, PB_AT(gatewatch_v1_Finding, host), offsetof(gatewatch_v1_Finding, has_host), 0 },
};
const size_t ship_finding_nfields = sizeof(ship_finding_fields) / sizeof(ship_finding_fields[0]);

#define I(...) ROW(struct incident, gatewatch_v1_Incident, __VA_ARGS__)
#define IL(...) LIST(struct incident, gatewatch_v1_Incident, __VA_ARGS__)
#define IH(...) HAND(gatewatch_v1_Incident, __VA_ARGS__)
#define IHL(...) HAND_LIST(gatewatch_v1_Incident, __VA_ARGS__)

/* An incident on the wire (the analyze report writes its own, richer view
 * of an incident: timeline entries with their evidence, related
 * principals). IH/IHL rows are filled in ship__incident_to_pb(). */
const struct ship_field ship_incident_fields[] = {
	I(STR,     id,             id,             "id",             NULL, "gatewatch.incident.id"),
	I(STR,     classification, classification, "classification", NULL,
	  "gatewatch.classification"),
	I(SCORE,   score,          score,          "score",          NULL, "gatewatch.score"),
	I(SEVERITY, severity,      severity,       "severity",       NULL, "gatewatch.severity"),
	IH(U64,    revision,       "revision",       NULL, "gatewatch.incident.revision"),
	IH(U64,    finding_count,  "finding_count",  NULL, "gatewatch.incident.finding_count"),
	I(STR,     principal,      principal,      "principal",      NULL, "gatewatch.principal"),
	IHL(STRS,  mitre,          "mitre",          NULL, "gatewatch.mitre"),
	IHL(STRS,  finding_ids,    "finding_ids",    NULL, "gatewatch.finding_ids"),
	IL(STRS,   timeline, ntimeline, timeline, "timeline", NULL, "gatewatch.timeline"),
	IL(STRS,   remediation, nremediation, remediation, "remediation", NULL,
	   "gatewatch.remediation"),
};
const size_t ship_incident_nfields =
	sizeof(ship_incident_fields) / sizeof(ship_incident_fields[0]);

_Static_assert(sizeof(gatewatch_v1_Severity) == sizeof(int), "enum fields are ints");
_Static_assert(sizeof(gatewatch_v1_Cloud) == sizeof(int), "enum fields are ints");

int ship__copy_str(char *dst, size_t cap, const char *src)
{
	size_t n;

	if (!cap)
		return 1;
	if (!src)
		src = "";
	n = strnlen(src, cap);
	if (n < cap) {
		memcpy(dst, src, n + 1);
		return 0;
	}
	/* Cut before the character that does not fit: back off over UTF-8
	 * continuation bytes so the result stays valid UTF-8. */
	n = cap - 1;
	while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
		n--;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 1;
}

double ship__score(double score)
{
	if (!(score > 0))
		return 0;
	return score >= 100 ? 100 : (double)(int64_t)(score + 0.5);
}

static int severity_to_pb(int sev)
{
	if (sev < GW_SEV_INFO || sev > GW_SEV_CRITICAL)
		return gatewatch_v1_Severity_SEVERITY_UNSPECIFIED;
	return sev - GW_SEV_INFO + gatewatch_v1_Severity_SEVERITY_INFO;
}

static int cloud_to_pb(int cloud)
{
	/* enum gw_cloud and Cloud share their values. */
	if (cloud < GW_CLOUD_UNKNOWN || cloud > GW_CLOUD_MINIO)
		return gatewatch_v1_Cloud_CLOUD_UNSPECIFIED;
	return cloud;
}

/* Fields are read with memcpy: a row knows only their offsets. */
#define READ_AT(name, type, offset)                                                 \
	type name(const struct ship_field *sf, const void *p)                       \
	{                                                                           \
		type v;                                                             \
                                                                                    \
		memcpy(&v, (const char *)p + sf->offset, sizeof(v));                \
		return v;                                                           \
	}

/* -- the source struct */
READ_AT(ship_src__str, const char *, src)
READ_AT(ship_src__int, int, src)
READ_AT(ship_src__double, double, src)
READ_AT(ship_src__i64, int64_t, src)
READ_AT(ship_src__u64, uint64_t, src)
READ_AT(ship_src__count, size_t, nsrc)

/* -- the nanopb message */
READ_AT(ship_field__enum, int, pb)
READ_AT(ship_field__double, double, pb)
READ_AT(ship_field__i64, int64_t, pb)
READ_AT(ship_field__u64, uint64_t, pb)

const char *ship_src__item(const struct ship_field *sf, const void *s, size_t i)
{
	const char *v;

	memcpy(&v, (const char *)s + sf->src + i * sizeof(v), sizeof(v));
	return v;
}

void ship_src__kv(const struct ship_field *sf, const void *s, size_t i, const char **key,
		  const char **value)
{
	struct gw_kv kv;

	memcpy(&kv, (const char *)s + sf->src + i * sizeof(kv), sizeof(kv));
	*key = kv.key;
	*value = kv.value;
}

/* -- the nanopb message: strings, lists, the host */

const char *ship_field__str(const struct ship_field *sf, const void *m)
{
	return (const char *)m + sf->pb;
}

size_t ship_field__count(const struct ship_field *sf, const void *m)
{
	pb_size_t v;

	memcpy(&v, (const char *)m + sf->pb_n, sizeof(v));
	return v;
}

const char *ship_field__item(const struct ship_field *sf, const void *m, size_t i)
{
	return (const char *)m + sf->pb + i * sf->pb_elem;
}

const gatewatch_v1_Evidence *ship_field__evidence(const struct ship_field *sf, const void *m,
						  size_t i)
{
	return (const gatewatch_v1_Evidence *)((const char *)m + sf->pb) + i;
}

const gatewatch_v1_HostProcess *ship_field__host(const struct ship_field *sf, const void *m)
{
	bool has;

	memcpy(&has, (const char *)m + sf->pb_n, sizeof(has));
	return has ? (const gatewatch_v1_HostProcess *)((const char *)m + sf->pb) : NULL;
}

/* -- filling the message */

static void set_count(const struct ship_field *sf, char *m, size_t n)
{
	pb_size_t v = (pb_size_t)n;

	memcpy(m + sf->pb_n, &v, sizeof(v));
}

/* At most as many entries as the message holds. */
static size_t list_len(const struct ship_field *sf, const void *s)
{
	size_t n = ship_src__count(sf, s), max = sf->pb_size / sf->pb_elem;

	return n < max ? n : max;
}

static void fill_list(const struct ship_field *sf, const void *s, char *m)
{
	size_t n = list_len(sf, s);
	const char *key, *value;
	gatewatch_v1_Evidence *ev;

	for (size_t i = 0; i < n; i++) {
		if (sf->type == SHIP_STRS) {
			ship__copy_str(m + sf->pb + i * sf->pb_elem, sf->pb_elem,
				       ship_src__item(sf, s, i));
			continue;
		}
		ev = (gatewatch_v1_Evidence *)(m + sf->pb) + i;
		ship_src__kv(sf, s, i, &key, &value);
		ship__copy_str(ev->key, sizeof(ev->key), key);
		ship__copy_str(ev->value, sizeof(ev->value), value);
	}
	set_count(sf, m, n);
}

static void fill_one(const struct ship_field *sf, const void *s, char *m)
{
	char *p = m + sf->pb;
	int e;
	double d;
	int64_t i64;
	uint64_t u64;

	switch (sf->type) {
	case SHIP_STR:
		ship__copy_str(p, sf->pb_size, ship_src__str(sf, s));
		break;
	case SHIP_SEVERITY:
	case SHIP_CLOUD:
		e = sf->type == SHIP_SEVERITY ? severity_to_pb(ship_src__int(sf, s))
					      : cloud_to_pb(ship_src__int(sf, s));
		memcpy(p, &e, sizeof(e));
		break;
	case SHIP_SCORE:
		d = ship__score(ship_src__double(sf, s));
		memcpy(p, &d, sizeof(d));
		break;
	case SHIP_TIME:
		i64 = ship_src__i64(sf, s);
		memcpy(p, &i64, sizeof(i64));
		break;
	case SHIP_U64:
		u64 = ship_src__u64(sf, s);
		memcpy(p, &u64, sizeof(u64));
		break;
	case SHIP_STRS:
	case SHIP_EVIDENCE:
		fill_list(sf, s, m);
		break;
	case SHIP_HOST:
		break;
	}
}

void ship_fields__fill(const struct ship_field *t, size_t n, const void *src, void *pb)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].src != SHIP_SRC_HAND)
			fill_one(&t[i], src, pb);
}
