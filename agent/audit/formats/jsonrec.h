/* agent/audit internals: iterating JSON records (jsonrec.c) and the helpers
 * the Azure parsers share. */
#ifndef GW_AUDIT_JSONREC_H
#define GW_AUDIT_JSONREC_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "audit/audit_internal.h"
#include "audit/formats/jscan.h"

/* Called once per record object; has counted it in st->records already.
 * off is the byte offset (in the chunk) of the record, or of the
 * top-level value holding it. */
typedef int (*jsonrec_fn)(struct audit_ctx *c, const cJSON *rec, size_t off);

/* How a JSON log format reads its records from a stream of JSON lines, a
 * top-level array of records, {"<key>":[records]} or concatenated values.
 * Arrays are read element by element, so no value but a record is ever
 * held whole. */
struct json_ops {
	/* Optional fast path: read the value at p (a record; with top, a
	 * top-level value) straight from the bytes. 1 when it took it: the
	 * record counted and delivered or skipped, *next past it, *err the
	 * callback's return; 0 when it declines (nothing counted), and the
	 * value is parsed with cJSON. It declines a value that is not whole
	 * before end. */
	int (*scan)(struct audit_ctx *c, const char *p, const char *end, const char **next,
		    size_t off, long idx, int top, int *err);
	/* A record parsed with cJSON: an element of an array (idx >= 0) or a
	 * top-level value (idx -1) that is not an array; it counts it. NULL:
	 * jsonrec's own, which calls rec (a "records" array in a top-level
	 * object of another shape is read too). */
	int (*value)(struct audit_ctx *c, const struct json_ops *ops, const cJSON *v, size_t off,
		     long idx);
	jsonrec_fn rec;
	const char *key;          /* the member holding the records array */
	/* A format read by the field scanner (jscan.h) sets these instead of
	 * scan and rec: the record's schema, the normalizer of its nfields
	 * fields (at most JSCAN_MAX_FIELDS), for both paths. */
	struct jschema *schema;
	jscan_fn norm;
	unsigned nfields;
};

/* The chunk reader of a JSON format (see audit_chunk_fn). */
size_t json_stream__chunk(struct audit_ctx *c, const struct json_ops *ops, const char *buf,
			  size_t len, int final, int *err);

/* Every record of buf (the chunk reader over all of it): 0, -EBADMSG when
 * buf is not JSON at all, or fn's negative return. */
int jsonrec__each(struct audit_ctx *c, const char *buf, size_t len, jsonrec_fn fn);
int json_stream__all(struct audit_ctx *c, const struct json_ops *ops, const char *buf, size_t len);

/* A string member (exact key), "" when missing or not a string. The
 * returned pointer belongs to obj. */
const char *jsonrec__str(const cJSON *obj, const char *key);
/* A count given as a number, a string of digits, or "123ns". */
uint64_t jsonrec__u64(const cJSON *obj, const char *key);
/* Content checks for format detection (first 64 KiB). */
int jsonrec__has(const char *buf, size_t len, const char *needle);
int jsonrec__starts_json(const char *buf, size_t len);

/* Azure (azure_classic.c): the action of an operation name, and
 * "/account/container/blob" (has_account) or "/container/blob" or a URL
 * split into ev->bucket and ev->object_key. */
int azure__action(const char *op);
void azure__split_key(struct rec_strs *r, const char *k, size_t n, int has_account,
		      struct audit_event *ev);
/* Azure (azure_json.c): the head both Azure JSON logs share: the time t and
 * operation name op into ev, with the action op maps to (memoized); -1
 * after counting the record as skipped when either is missing or bad. */
int azure__head(struct rec_strs *r, const char *t, const char *op, size_t off,
		int (*action)(const char *), struct audit_event *ev);

#endif
