/* agent/ship: the one description of a finding and of an incident.
 *
 * Each row names one field once for every output: its protobuf field
 * (proto/gatewatch.proto, filled by encode.c), its key in the JSON lines of
 * `gatewatch decode` and the collector (json.c), its OTLP log attribute
 * (otlp.c) and its key in the analyze report (cmd/analyze_report.c). Every
 * output walks the rows in order; the row's type says how each writes it.
 *
 * To add a field to findings:
 *   1. the field in struct finding (detect/detect.h), set by the rules;
 *   2. its line in proto/gatewatch.proto (the next free number) and, for a
 *      string or a list, its bound in proto/gatewatch.options;
 *   3. one row in ship_finding_fields[] (schema.c).
 * An incident field is the same with ship_incident_fields[]; a row whose
 * source is not a plain field of struct incident says SHIP_SRC_HAND and is
 * filled in ship__incident_to_pb(). tests/unit/ship/test_schema.c checks that
 * every row reaches every output it names and that every proto field has
 * a row.
 */
#ifndef GW_SHIP_SCHEMA_H
#define GW_SHIP_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "gatewatch.pb.h"

enum ship_field_type {
	SHIP_STR,       /* char * -> string (cut to its bound) */
	SHIP_SEVERITY,  /* int, enum gw_severity -> Severity (one more) */
	SHIP_CLOUD,     /* int, enum gw_cloud -> Cloud (same values) */
	SHIP_SCORE,     /* double 0..100 -> double, a whole number on the wire */
	SHIP_TIME,      /* int64_t UTC ms -> int64; the report writes ISO 8601 */
	SHIP_U64,       /* uint64_t -> uint64 */
	SHIP_STRS,      /* char *[n] -> repeated string */
	SHIP_EVIDENCE,  /* struct gw_kv[n] -> repeated Evidence; OTLP: one
			 * attribute per key, named otlp + key */
	SHIP_HOST,      /* HostProcess (set by the sensor, none in the detector);
			 * OTLP: otlp + "pid", "comm", ... */
};

#define SHIP_SRC_HAND ((size_t)-1)

struct ship_field {
	enum ship_field_type type;
	const char *json;     /* key in the JSON lines; NULL: left out */
	const char *report;   /* key in the analyze report; NULL: left out */
	const char *otlp;     /* OTLP attribute; NULL: left out */
	uint32_t tag;         /* field number in proto/gatewatch.proto */
	size_t src, nsrc;     /* struct finding/incident: the field and a list's
			       * count; SHIP_SRC_HAND: filled by hand */
	size_t pb, pb_size;   /* the nanopb struct: the field and its size */
	size_t pb_n, pb_elem; /* lists: the count (has_host for SHIP_HOST) and
			       * one element's size */
};

extern const struct ship_field ship_finding_fields[];
extern const size_t ship_finding_nfields;
extern const struct ship_field ship_incident_fields[];
extern const size_t ship_incident_nfields;

/* Fill the nanopb message pb from src (a struct finding or incident) along
 * the rows; strings are cut to their bounds at a UTF-8 boundary and lists
 * to their counts. Rows with SHIP_SRC_HAND are left alone. */
void ship_fields__fill(const struct ship_field *t, size_t n, const void *src, void *pb);

/* Reading a field of a nanopb message m by its row. */
const char *ship_field__str(const struct ship_field *sf, const void *m);
int ship_field__enum(const struct ship_field *sf, const void *m);
double ship_field__double(const struct ship_field *sf, const void *m);
int64_t ship_field__i64(const struct ship_field *sf, const void *m);
uint64_t ship_field__u64(const struct ship_field *sf, const void *m);
/* Lists: the count and the i-th string (SHIP_STRS) or Evidence. */
size_t ship_field__count(const struct ship_field *sf, const void *m);
const char *ship_field__item(const struct ship_field *sf, const void *m, size_t i);
const gatewatch_v1_Evidence *ship_field__evidence(const struct ship_field *sf, const void *m,
						  size_t i);
/* The host process, NULL when the message has none. */
const gatewatch_v1_HostProcess *ship_field__host(const struct ship_field *sf, const void *m);

/* Reading a field of the source struct (finding, incident) by its row;
 * the row must not say SHIP_SRC_HAND. Strings may be NULL. */
const char *ship_src__str(const struct ship_field *sf, const void *s);
int ship_src__int(const struct ship_field *sf, const void *s);
double ship_src__double(const struct ship_field *sf, const void *s);
int64_t ship_src__i64(const struct ship_field *sf, const void *s);
uint64_t ship_src__u64(const struct ship_field *sf, const void *s);
size_t ship_src__count(const struct ship_field *sf, const void *s);
/* The i-th string of a SHIP_STRS list; key and value of SHIP_EVIDENCE. */
const char *ship_src__item(const struct ship_field *sf, const void *s, size_t i);
void ship_src__kv(const struct ship_field *sf, const void *s, size_t i, const char **key,
		  const char **value);

/* Scores travel as whole numbers 0..100, the same under analyze and run. */
double ship__score(double score);

#endif
