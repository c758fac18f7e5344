/* The finding schema table (agent/ship/schema.c): every row reaches the
 * decoded protobuf, the JSON lines, the OTLP attributes and the analyze
 * report, and every field of the proto has a row. The sample finding is
 * made from the table itself, so a new row is checked without touching
 * this file. */
#include <stdlib.h>

#include <cjson/cJSON.h>
#include <pb_common.h>

#include "assert.h"
#include "cmd/analyze.h"
#include "ship/schema.h"
#include "ship/ship.h"
#include "ship/wire.h"

/* A presence check that names the row when it fails. */
#define ASSERT_ROW(cond, row) do { if (!(cond)) FAIL_AT("row %s: expected %s", row, #cond); } while (0)

#define MAXROWS 64
#define MAXATTRS 128

static char vals[MAXROWS][2][32];   /* each row's strings: "<json>-0", "<json>-1" */
static char ek[] = "ek", ev[] = "ev";

static void set_ptr(void *s, size_t off, const char *p)
{
	memcpy((char *)s + off, &p, sizeof(p));
}

/* A finding with every row set: strings "<json>-0", severity high, cloud
 * azure, score 42.4, times and numbers 1000 + row, two list entries, one
 * piece of evidence. */
static void sample(struct finding *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < ship_finding_nfields && i < MAXROWS; i++) {
		const struct ship_field *sf = &ship_finding_fields[i];
		char *p = (char *)f + sf->src;
		int e = sf->type == SHIP_SEVERITY ? GW_SEV_HIGH : GW_CLOUD_AZURE;
		double d = 42.4;
		uint64_t u = 1000 + i;
		size_t two = 2, one = 1;
		struct gw_kv kv = { ek, ev };

		if (sf->src == SHIP_SRC_HAND)
			continue;
		snprintf(vals[i][0], sizeof(vals[i][0]), "%s-0", sf->json);
		snprintf(vals[i][1], sizeof(vals[i][1]), "%s-1", sf->json);
		switch (sf->type) {
		case SHIP_STR:
			set_ptr(f, sf->src, vals[i][0]);
			break;
		case SHIP_SEVERITY:
		case SHIP_CLOUD:
			memcpy(p, &e, sizeof(e));
			break;
		case SHIP_SCORE:
			memcpy(p, &d, sizeof(d));
			break;
		case SHIP_TIME:
		case SHIP_U64:
			memcpy(p, &u, sizeof(u));
			break;
		case SHIP_STRS:
			set_ptr(f, sf->src, vals[i][0]);
			set_ptr(f, sf->src + sizeof(char *), vals[i][1]);
			memcpy((char *)f + sf->nsrc, &two, sizeof(two));
			break;
		case SHIP_EVIDENCE:
			memcpy(p, &kv, sizeof(kv));
			memcpy((char *)f + sf->nsrc, &one, sizeof(one));
			break;
		case SHIP_HOST:
			break;
		}
	}
}

/* The decoded message holds what sample() set, row by row. */
static void check_pb(const gatewatch_v1_Finding *m)
{
	for (size_t i = 0; i < ship_finding_nfields; i++) {
		const struct ship_field *sf = &ship_finding_fields[i];

		if (sf->src == SHIP_SRC_HAND)
			continue;
		switch (sf->type) {
		case SHIP_STR:
			ASSERT_EQ_STR(vals[i][0], ship_field__str(sf, m));
			break;
		case SHIP_SEVERITY:
			ASSERT_EQ_INT(gatewatch_v1_Severity_SEVERITY_HIGH, ship_field__enum(sf, m));
			break;
		case SHIP_CLOUD:
			ASSERT_EQ_INT(gatewatch_v1_Cloud_CLOUD_AZURE, ship_field__enum(sf, m));
			break;
		case SHIP_SCORE:
			ASSERT(ship_field__double(sf, m) == 42);
			break;
		case SHIP_TIME:
		case SHIP_U64:
			ASSERT_EQ_U64(1000 + i, ship_field__u64(sf, m));
			break;
		case SHIP_STRS:
			ASSERT_EQ_INT(2, ship_field__count(sf, m));
			ASSERT_EQ_STR(vals[i][1], ship_field__item(sf, m, 1));
			break;
		case SHIP_EVIDENCE:
			ASSERT_EQ_INT(1, ship_field__count(sf, m));
			ASSERT_EQ_STR("ev", ship_field__evidence(sf, m, 0)->value);
			break;
		case SHIP_HOST:
			break;
		}
	}
}

/* JSON (lines or report): each row's key holds a value of the right kind. */
static void check_json(const cJSON *o, const struct ship_field *t, size_t n, int report)
{
	for (size_t i = 0; i < n; i++) {
		const char *key = report ? t[i].report : t[i].json;
		const cJSON *v = key ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;

		if (!key)
			continue;
		ASSERT_ROW(v != NULL, key);
		if (t[i].type == SHIP_STR)
			ASSERT_EQ_STR(vals[i][0], cJSON_GetStringValue(v));
		if (t[i].type == SHIP_SEVERITY)
			ASSERT_EQ_STR("high", cJSON_GetStringValue(v));
		if (t[i].type == SHIP_CLOUD)
			ASSERT_EQ_STR("azure", cJSON_GetStringValue(v));
		if (t[i].type == SHIP_U64 || (t[i].type == SHIP_TIME && !report))
			ASSERT(cJSON_GetNumberValue(v) == (double)(1000 + i));
		if (t[i].type == SHIP_STRS)
			ASSERT_EQ_INT(2, cJSON_GetArraySize(v));
		if (t[i].type == SHIP_EVIDENCE)
			ASSERT(cJSON_GetArraySize(v) == 1);
	}
}

/* -- a small protobuf reader for the OTLP request */

struct pbr {
	const uint8_t *p, *end;
};

static int varint(struct pbr *r, uint64_t *v)
{
	*v = 0;
	for (int s = 0; s < 64 && r->p < r->end; s += 7) {
		uint8_t b = *r->p++;

		*v |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

/* The next field: its number, and for length-delimited ones the bytes. */
static int next(struct pbr *r, uint32_t *field, struct pbr *sub)
{
	uint64_t key, n;

	if (r->p >= r->end || varint(r, &key) < 0)
		return -1;
	*field = (uint32_t)(key >> 3);
	sub->p = sub->end = r->p;
	switch (key & 7) {
	case 0:
		return varint(r, &n);
	case 1:
		r->p += 8;
		return r->p <= r->end ? 0 : -1;
	case 2:
		if (varint(r, &n) < 0 || n > (uint64_t)(r->end - r->p))
			return -1;
		sub->p = r->p;
		sub->end = r->p + n;
		r->p += n;
		return 0;
	}
	return -1;
}

struct attrs {
	char key[MAXATTRS][96];
	char str[MAXATTRS][96];   /* string_value, "" for other kinds */
	size_t n;
};

/* One KeyValue{key = 1, value = AnyValue{string_value = 1, ...} = 2}. */
static void read_attr(struct pbr kv, struct attrs *a)
{
	struct pbr sub, any;
	uint32_t f, g;

	if (a->n == MAXATTRS)
		return;
	a->key[a->n][0] = a->str[a->n][0] = '\0';
	while (next(&kv, &f, &sub) == 0) {
		if (f == 1)
			snprintf(a->key[a->n], 96, "%.*s", (int)(sub.end - sub.p), sub.p);
		while (f == 2 && next(&sub, &g, &any) == 0)
			if (g == 1)
				snprintf(a->str[a->n], 96, "%.*s", (int)(any.end - any.p), any.p);
	}
	a->n++;
}

/* The attributes of the first LogRecord: request.resource_logs(1)
 * .scope_logs(2).log_records(2).attributes(6). */
static void otlp_attrs(const uint8_t *buf, size_t len, struct attrs *a)
{
	struct pbr r = { buf, buf + len }, rl, sl, rec, x;
	uint32_t f;

	a->n = 0;
	while (next(&r, &f, &rl) == 0 && f != 1)
		;
	while (next(&rl, &f, &sl) == 0 && f != 2)
		;
	while (next(&sl, &f, &rec) == 0 && f != 2)
		;
	while (next(&rec, &f, &x) == 0)
		if (f == 6)
			read_attr(x, a);
}

static const char *attr(const struct attrs *a, const char *key)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->key[i], key) == 0)
			return a->str[i];
	return NULL;
}

static void check_otlp(const struct attrs *a, const struct ship_field *t, size_t n)
{
	char key[96];

	for (size_t i = 0; i < n; i++) {
		if (!t[i].otlp)
			continue;
		if (t[i].type == SHIP_EVIDENCE)
			snprintf(key, sizeof(key), "%sek", t[i].otlp);
		else if (t[i].type == SHIP_HOST)
			snprintf(key, sizeof(key), "%scomm", t[i].otlp);
		else
			snprintf(key, sizeof(key), "%s", t[i].otlp);
		ASSERT_ROW(attr(a, key) != NULL, key);
		if (t[i].type == SHIP_STR && t[i].src != SHIP_SRC_HAND)
			ASSERT_EQ_STR(vals[i][0], attr(a, key));
		if (t[i].type == SHIP_EVIDENCE)
			ASSERT_EQ_STR("ev", attr(a, key));
	}
}

static cJSON *json_line(const struct ship_batch *b)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	cJSON *o = NULL;

	if (mem && ship_batch__write_json(mem, b) == 0 && fclose(mem) == 0)
		o = cJSON_Parse(text);
	else if (mem)
		fclose(mem);
	free(text);
	return o;
}

TEST(schema_every_finding_row_reaches_every_output)
{
	static struct finding f;
	const struct finding *fs[1] = { &f };
	struct batch_meta meta = { "agent-1", "gw01", "b00t", "0.1.0", 7 };
	struct ship_batch *b = NULL;
	uint8_t *buf = NULL, *otlp = NULL;
	size_t len = 0, olen = 0;
	const char *why;
	cJSON *line;
	static struct attrs a;

	ASSERT(ship_finding_nfields <= MAXROWS);
	sample(&f);
	ASSERT_EQ_INT(0, ship__encode_batch(&meta, fs, 1, &buf, &len));
	ASSERT_EQ_INT(0, ship_batch__decode(buf, len, &b, &why));
	free(buf);
	check_pb(&b->findings[0]);
	/* The host process comes from the sensor, not the detector. */
	b->findings[0].has_host = true;
	b->findings[0].host.pid = 4242;
	snprintf(b->findings[0].host.comm, sizeof(b->findings[0].host.comm), "rclone");
	line = json_line(b);
	ASSERT(line != NULL);
	check_json(cJSON_GetArrayItem(cJSON_GetObjectItem(line, "findings"), 0),
		   ship_finding_fields, ship_finding_nfields, 0);
	cJSON_Delete(line);
	ASSERT_EQ_INT(0, ship_otlp__encode(b, &otlp, &olen));
	otlp_attrs(otlp, olen, &a);
	free(otlp);
	ship_batch__free(b);
	ASSERT_EQ_STR("finding", attr(&a, "gatewatch.kind"));
	check_otlp(&a, ship_finding_fields, ship_finding_nfields);
}

TEST(schema_every_finding_row_reaches_the_report)
{
	static struct finding f;
	const struct finding *fs[1] = { &f };
	struct audit_stats st = { 0 };
	struct analyze_report r = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	cJSON *root;

	ASSERT(out != NULL);
	sample(&f);
	r.st = &st;
	r.findings = fs;
	r.nfindings = 1;
	ASSERT_EQ_INT(0, analyze_report__print(out, &r));
	ASSERT_EQ_INT(0, fclose(out));
	root = cJSON_Parse(text);
	free(text);
	ASSERT(root != NULL);
	check_json(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "findings"), 0),
		   ship_finding_fields, ship_finding_nfields, 1);
	cJSON_Delete(root);
}

static int has_row(const struct ship_field *t, size_t n, uint32_t tag)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].tag == tag)
			return 1;
	return 0;
}

/* A field added to proto/gatewatch.proto without a row would go nowhere. */
TEST(schema_every_proto_field_has_a_row)
{
	static gatewatch_v1_Finding fm;
	static gatewatch_v1_Incident im;
	pb_field_iter_t it;

	ASSERT(pb_field_iter_begin(&it, gatewatch_v1_Finding_fields, &fm));
	do {
		if (!has_row(ship_finding_fields, ship_finding_nfields, it.tag))
			FAIL_AT("Finding field %u has no row in ship_finding_fields", (unsigned)it.tag);
	} while (pb_field_iter_next(&it));
	ASSERT(pb_field_iter_begin(&it, gatewatch_v1_Incident_fields, &im));
	do {
		if (!has_row(ship_incident_fields, ship_incident_nfields, it.tag))
			FAIL_AT("Incident field %u has no row in ship_incident_fields", (unsigned)it.tag);
	} while (pb_field_iter_next(&it));
}

TEST(schema_every_incident_row_reaches_json_and_otlp)
{
	static struct finding f1;
	const struct finding *fs[1] = { &f1 };
	static char id[] = "inc-1", principal[] = "arn:aws:iam::111122223333:user/alice";
	static char step[] = "revoke the key", timeline[] = "t0";
	struct incident in = { 0 };
	struct ship_batch *b = ship_batch__new();
	uint8_t *otlp = NULL;
	size_t olen = 0;
	static struct attrs a;
	cJSON *line, *o;

	ASSERT(b != NULL);
	sample(&f1);
	in.id = id;
	in.classification = "possible exfiltration";
	in.principal = principal;
	in.score = 80;
	in.findings = fs;
	in.nfindings = 1;
	in.remediation[0] = step;
	in.nremediation = 1;
	in.timeline[0] = timeline;
	in.ntimeline = 1;
	ship__incident_to_pb(&in, 3, &b->incidents[0]);
	b->nincidents = 1;
	line = json_line(b);
	ASSERT(line != NULL);
	o = cJSON_GetArrayItem(cJSON_GetObjectItem(line, "incidents"), 0);
	for (size_t i = 0; i < ship_incident_nfields; i++) {
		ASSERT_ROW(cJSON_GetObjectItemCaseSensitive(o, ship_incident_fields[i].json) != NULL,
			   ship_incident_fields[i].json);
	}
	ASSERT_EQ_INT(3, cJSON_GetNumberValue(cJSON_GetObjectItem(o, "revision")));
	ASSERT_EQ_STR(vals[0][0], cJSON_GetStringValue(cJSON_GetArrayItem(
					  cJSON_GetObjectItem(o, "finding_ids"), 0)));
	cJSON_Delete(line);
	ASSERT_EQ_INT(0, ship_otlp__encode(b, &otlp, &olen));
	ship_batch__free(b);
	otlp_attrs(otlp, olen, &a);
	free(otlp);
	ASSERT_EQ_STR("incident", attr(&a, "gatewatch.kind"));
	for (size_t i = 0; i < ship_incident_nfields; i++) {
		if (!ship_incident_fields[i].otlp)
			continue;
		ASSERT_ROW(attr(&a, ship_incident_fields[i].otlp) != NULL, ship_incident_fields[i].otlp);
	}
	ASSERT_EQ_STR("inc-1", attr(&a, "gatewatch.incident.id"));
}
