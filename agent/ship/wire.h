/* agent/ship: a FindingBatch in memory, between protobuf bytes and JSON.
 *
 * nanopb holds a batch's header fields in gatewatch_v1_FindingBatch; its
 * findings and incidents are callback fields (see proto/gatewatch.options),
 * kept here in malloc'd arrays of at most SHIP_MAX_FINDINGS and
 * SHIP_MAX_INCIDENTS entries.
 */
#ifndef GW_SHIP_WIRE_H
#define GW_SHIP_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gatewatch.pb.h"

#define SHIP_MAX_FINDINGS 64
#define SHIP_MAX_INCIDENTS 16

struct ship_batch {
	gatewatch_v1_FindingBatch hdr;        /* hdr.findings/incidents unused */
	gatewatch_v1_Finding *findings;
	size_t nfindings;
	gatewatch_v1_Incident *incidents;
	size_t nincidents;
};

/* A zeroed batch with room for SHIP_MAX_FINDINGS findings and
 * SHIP_MAX_INCIDENTS incidents (nfindings = nincidents = 0).
 * NULL with errno set on failure. Free with ship_batch__free(). */
struct ship_batch *ship_batch__new(void);
void ship_batch__free(struct ship_batch *b);

/* Encode b. On success *buf is malloc'd and owned by the caller.
 * Returns 0, -E2BIG (over the bounds) or -ENOMEM. */
int ship_batch__encode(const struct ship_batch *b, uint8_t **buf, size_t *len);

/* Decode one FindingBatch. On success *out is owned by the caller.
 * Returns 0, -EBADMSG with *why set to a static one-line reason, or -ENOMEM. */
int ship_batch__decode(const uint8_t *buf, size_t len, struct ship_batch **out,
		       const char **why);

/* Decode only a batch's identity (agent id, sequence); cheap.
 * Returns 0 or -EBADMSG. */
int ship_batch__identity(const uint8_t *buf, size_t len, gatewatch_v1_BatchIdentity *id);

/* Write b as one JSON line (with '\n'). Returns 0 or -EIO. */
int ship_batch__write_json(FILE *out, const struct ship_batch *b);
/* One finding or incident as a JSON object (no newline); a string as a JSON
 * string (bytes that are not UTF-8 become U+FFFD). Errors show in ferror(). */
void ship__finding_json(FILE *out, const gatewatch_v1_Finding *f);
void ship__incident_json(FILE *out, const gatewatch_v1_Incident *inc);
void ship__json_str(FILE *out, const char *s);

/* Encode b as an OTLP/HTTP ExportLogsServiceRequest: one LogRecord per
 * finding and incident (see otlp.c). *buf is malloc'd and owned by the
 * caller. Returns 0, -E2BIG or -ENOMEM. */
int ship_otlp__encode(const struct ship_batch *b, uint8_t **buf, size_t *len);

struct finding;
/* A finding as its protobuf message, strings cut to the schema's bounds. */
void ship__finding_to_pb(const struct finding *f, gatewatch_v1_Finding *m);

struct incident;
/* An incident as its protobuf message at a revision, strings and lists cut
 * to the schema's bounds (finding_count keeps the whole count). */
void ship__incident_to_pb(const struct incident *in, uint64_t revision, gatewatch_v1_Incident *m);

/* Copy src into dst[cap] (NUL-terminated), cutting an over-long string at a
 * UTF-8 character boundary. NULL copies as "". Returns 1 if truncated. */
int ship__copy_str(char *dst, size_t cap, const char *src);

#endif
