/* agent/audit internals: the fields a JSON-lines format's normalizer reads
 * (GCS, StorageBlobLogs, Azure activity, MinIO), found either in a cJSON
 * tree or by a scanner straight from the bytes (jscan.c).
 *
 * A format describes the members it reads as a schema: exact names (as
 * cJSON_GetObjectItemCaseSensitive finds them: the first member of that
 * name wins, whatever its type), each stored in a field of an array of
 * struct jv, some with the schema of the object they hold. Both ways fill
 * the same array, and one normalizer makes the event of it.
 */
#ifndef GW_AUDIT_JSCAN_H
#define GW_AUDIT_JSCAN_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "audit/audit_internal.h"

enum jv_type { JV_NONE = 0, JV_STR, JV_NUM, JV_TRUE, JV_FALSE, JV_NULL, JV_OBJ, JV_ARR };

/* One value. A string is s[0..n), NUL-terminated; it belongs to the tree
 * or to the scanner's scratch buffer, for as long as the record is read. */
struct jv {
	const char *s;
	size_t n;
	double num;               /* JV_NUM */
	/* the value itself: a tree's item, or the scanner's raw text
	 * raw[0..rawn) (members marked JM_RAW only) */
	const cJSON *item;
	const char *raw;
	size_t rawn;
	int type;                 /* enum jv_type */
};

struct jschema;

/* JM_RAW: keep the value's text (the scanner) for jv__print; JM_FIRST: an
 * array whose first element goes to field + 1; JM_MARK: a top-level member
 * that makes the value something else than a bare record. */
enum { JM_RAW = 1, JM_FIRST = 2, JM_MARK = 4 };

struct jmember {
	const char *name;
	size_t len;
	int field;                /* where the value goes, -1 nowhere */
	struct jschema *nested;   /* the members read of an object value */
	int base;                 /* added to the nested schema's fields */
	unsigned flags;
};

#define JSCHEMA_SLOTS 64

struct jschema {
	const struct jmember *m;
	unsigned n;               /* at most 32 */
	/* the members by a hash of their names (jscan__prepare): index + 1,
	 * 0 for an empty slot */
	unsigned char slot[JSCHEMA_SLOTS];
	_Atomic int ready;        /* the tables are filled (jscan__take) */
};

#define JM(name, field) { name, sizeof(name) - 1, field, NULL, 0, 0 }
#define JM_F(name, field, flags) { name, sizeof(name) - 1, field, NULL, 0, flags }
#define JM_OBJ(name, field, nested, base, flags) \
	{ name, sizeof(name) - 1, field, nested, base, flags }
#define JSCHEMA(a) { a, sizeof(a) / sizeof(a[0]), { 0 }, 0 }

/* Fill the name tables of sc and the schemas it nests, once before the
 * first scan (pthread_once). */
void jscan__prepare(struct jschema *sc);

/* The fields of the record object rec from its tree into v[] (zeroed by
 * the caller). */
void jscan__of_tree(const struct jschema *sc, const cJSON *rec, struct jv *v);

/* Scan the JSON object at p (p < end) into v[] (zeroed by the caller),
 * string values copied NUL-terminated into scratch[0..size). 1 with *next
 * past its closing brace (and *marked when a JM_MARK member is there), or
 * 0 when the scanner does not take the value: anything but an object,
 * invalid or unusual JSON (whitespace other than space, tab, CR and LF,
 * numbers that are not plain JSON numbers, nesting past 64 levels, a NUL
 * byte or a lone surrogate escape in a string), an escape in a member
 * name of the objects read or in a string that is read, a member read
 * twice, strings read that do not fit the scratch. What it takes, cJSON
 * takes, ending at the same byte, with the same fields. */
int jscan__record(const struct jschema *sc, const char *p, const char *end, struct jv *v,
		  char *scratch, size_t size, const char **next, int *marked);

/* A format's normalizer: the record's fields to an event (it counts
 * nothing, the record is counted already). */
typedef int (*jscan_fn)(struct audit_ctx *c, const struct jv *v, size_t off);

/* The most fields a format's record fills. */
#define JSCAN_MAX_FIELDS 64

/* A format's fast path (see struct json_ops.scan): scan the record at p
 * with the schema sc (its tables filled on first use), count it, and
 * normalize its nv fields with fn. */
int jscan__take(struct audit_ctx *c, struct jschema *sc, jscan_fn fn, unsigned nv,
		const char *p, const char *end, const char **next, size_t off, int top, int *err);

/* The record rec read with cJSON into nv fields and normalized by fn. */
int jscan__tree(struct audit_ctx *c, const struct jschema *sc, jscan_fn fn, unsigned nv,
		const cJSON *rec, size_t off);

/* A string field, "" when it is not a string. */
static inline const char *jv__str(const struct jv *v)
{
	return v->type == JV_STR ? v->s : "";
}

/* A string field (\"\" when it is not a string) interned as rec__intern
 * does, through r->c->last[slot] (slot < AUDIT_LAST_FIELDS): the same
 * bytes as the field's last value are that value again, without a check
 * or a look-up in the pool. */
const char *jv__intern(struct rec_strs *r, unsigned slot, const struct jv *v);
/* A constant string as a field, for jv__intern. */
#define JV_LIT(str) (&(const struct jv){ .s = str, .n = sizeof(str) - 1, .type = JV_STR })

/* A count given as a number, a string of digits, or "123ns"
 * (jsonrec__u64's rules). */
uint64_t jv__u64(const struct jv *v);

/* The value as cJSON_PrintUnformatted prints it, appended to buf[*off..
 * size) when it fits (then 1, *off moved on), else 0. */
int jv__print(const struct jv *v, char *buf, size_t size, size_t *off);

#endif
