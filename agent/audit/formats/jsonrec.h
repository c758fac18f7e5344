/* agent/audit internals: iterating JSON records (jsonrec.c) and the helpers
 * the Azure parsers share. */
#ifndef GW_AUDIT_JSONREC_H
#define GW_AUDIT_JSONREC_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "audit/audit_internal.h"

/* Called once per record object; has counted it in st->records already.
 * off is the byte offset of the top-level value holding it. */
typedef int (*jsonrec_fn)(struct audit_ctx *c, const cJSON *rec, size_t off);

/* Every record of buf: 0, -EBADMSG when buf is not JSON at all, or fn's
 * negative return. */
int jsonrec__each(struct audit_ctx *c, const char *buf, size_t len, jsonrec_fn fn);

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

#endif
