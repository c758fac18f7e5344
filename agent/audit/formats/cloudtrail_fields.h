/* agent/audit internals: the fields of a CloudTrail record that the
 * normalizer reads (cloudtrail.c), found either in a cJSON tree or by the
 * scanner (ctscan.c) straight from the bytes.
 *
 * Lookups are cJSON_GetObjectItem's: names match case-insensitively and the
 * first member of that name wins, whatever its type. A nested field is
 * absent when its parent is not an object.
 */
#ifndef GW_AUDIT_CTFIELDS_H
#define GW_AUDIT_CTFIELDS_H

#include <stddef.h>

struct cJSON;

enum ct_type { CT_NONE = 0, CT_STR, CT_NUM, CT_TRUE, CT_OTHER };

/* One value. A string's bytes are s[0..n), not NUL-terminated, and belong
 * to the tree or the buffer they were found in. */
struct ct_val {
	const char *s;
	size_t n;
	double num;               /* CT_NUM */
	int type;                 /* enum ct_type */
};

enum ct_field {
	/* the record's own members */
	F_TIME, F_NAME, F_RECIPIENT, F_SOURCE, F_IP, F_UA, F_REGION, F_ERROR, F_REQID,
	F_EVID, F_MGMT, F_CATEGORY,
	/* userIdentity and its sessionContext.sessionIssuer.arn */
	F_UID_TYPE, F_UID_KEY, F_UID_ACCOUNT, F_UID_INVOKED, F_UID_ARN, F_UID_PRINCIPAL,
	F_ISSUER_ARN,
	/* requestParameters, additionalEventData */
	F_BUCKET, F_KEY, F_BYTES_OUT, F_BYTES_IN,
	/* the time as Logstash and Elastic keep it when eventTime is gone */
	F_TS,
	/* the raw JSON text of requestParameters, additionalEventData,
	 * responseElements (objects) and resources (an array); scanner: s[0..n)
	 * in the buffer, type CT_OTHER */
	F_REQ_RAW, F_EXTRA_RAW, F_RESP_RAW, F_RES_RAW,
	/* responseElements: ConsoleLogin (Success or Failure), user.arn
	 * (CreateUser), accessKey.accessKeyId (CreateAccessKey) */
	F_LOGIN, F_NEW_ARN, F_NEW_KEY,
	F_N
};

struct ct_fields {
	struct ct_val v[F_N];
	/* a member named Records or digest*Time/digestS3Object: a top-level
	 * value that may not be a bare record (scanner only) */
	int marked;
	/* cJSON path: the trees of F_REQ_RAW.. F_RES_RAW, printed on demand */
	const struct cJSON *raw_tree[4];
};

/* Scan the JSON object at p (p < end) as one record into *f (zeroed by
 * the caller). Returns 1 and sets *next past its closing brace, or 0 when
 * this scanner does not take the value: anything but an object, invalid or
 * unusual JSON (whitespace other than space, tab, CR and LF, numbers that
 * are not plain JSON numbers, nesting past 64 levels, a NUL byte in a
 * string), an escape in a member name of the objects read or in a string
 * that is read. The caller then parses the value with cJSON, which
 * decides. What the scanner accepts, cJSON accepts, ending at the same
 * byte, with the same fields (see ct_fields__of_tree). */
int ct_scan__record(const char *p, const char *end, struct ct_fields *f, const char **next);

/* The fields of a record object from its cJSON tree (cloudtrail.c); the
 * strings point into the tree. *f is zeroed by the caller. */
void ct_fields__of_tree(struct ct_fields *f, const struct cJSON *rec);

#endif
