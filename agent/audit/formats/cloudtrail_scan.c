/* A CloudTrail record straight from its bytes (see ctfields.h). A record is
 * about 1.4 KB of which the normalizer reads some 300 bytes: building the
 * whole cJSON tree (a node per value, a copy per string) was two thirds
 * of the ingestion time. This scanner checks the syntax of every value but
 * only keeps where the wanted strings are, and takes only what it can read
 * exactly as cJSON would: a strict subset of the JSON cJSON accepts. For
 * anything else it declines, and the caller parses the record with cJSON.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/formats/cloudtrail_fields.h"
#include "audit/formats/jsonlex.h"

#define NAME_MAX_LEN 24

enum { M_NESTED = -1, M_MARK = -2 };

struct schema;

struct member {
	const char *name;         /* ASCII letters and digits */
	int field;                /* enum ct_field, M_NESTED or M_MARK */
	struct schema *nested;
	int raw;                  /* > 0: where the value's raw text goes */
	size_t len;
	char lname[NAME_MAX_LEN]; /* name in lower case, set once */
	char fold[NAME_MAX_LEN];  /* 0x20 where a byte is a letter */
};

struct schema {
	struct member *m;
	unsigned n;               /* at most 32 */
	uint32_t bylen[NAME_MAX_LEN];  /* members by name length, a bit each */
};

#define NMEMB(a) (sizeof(a) / sizeof(a[0]))
#define MEMBER(name, field, nested) { name, field, nested, 0, 0, "", "" }
#define MEMBER_RAW(name, nested, raw) { name, M_NESTED, nested, raw, 0, "", "" }

static struct member issuer_m[] = { MEMBER("arn", F_ISSUER_ARN, NULL) };
static struct schema issuer_s = { issuer_m, NMEMB(issuer_m), { 0 } };
static struct member session_m[] = { MEMBER("sessionIssuer", M_NESTED, &issuer_s) };
static struct schema session_s = { session_m, NMEMB(session_m), { 0 } };
static struct member uid_m[] = {
	MEMBER("type", F_UID_TYPE, NULL), MEMBER("accessKeyId", F_UID_KEY, NULL),
	MEMBER("accountId", F_UID_ACCOUNT, NULL), MEMBER("invokedBy", F_UID_INVOKED, NULL),
	MEMBER("arn", F_UID_ARN, NULL), MEMBER("principalId", F_UID_PRINCIPAL, NULL),
	MEMBER("sessionContext", M_NESTED, &session_s),
};
static struct schema uid_s = { uid_m, NMEMB(uid_m), { 0 } };
static struct member req_m[] = {
	MEMBER("bucketName", F_BUCKET, NULL), MEMBER("key", F_KEY, NULL),
};
static struct schema req_s = { req_m, NMEMB(req_m), { 0 } };
static struct member extra_m[] = {
	MEMBER("bytesTransferredOut", F_BYTES_OUT, NULL),
	MEMBER("bytesTransferredIn", F_BYTES_IN, NULL),
};
static struct schema extra_s = { extra_m, NMEMB(extra_m), { 0 } };
static struct member user_m[] = { MEMBER("arn", F_NEW_ARN, NULL) };
static struct schema user_s = { user_m, NMEMB(user_m), { 0 } };
static struct member akey_m[] = { MEMBER("accessKeyId", F_NEW_KEY, NULL) };
static struct schema akey_s = { akey_m, NMEMB(akey_m), { 0 } };
static struct member resp_m[] = {
	MEMBER("ConsoleLogin", F_LOGIN, NULL), MEMBER("user", M_NESTED, &user_s),
	MEMBER("accessKey", M_NESTED, &akey_s),
};
static struct schema resp_s = { resp_m, NMEMB(resp_m), { 0 } };
static struct member rec_m[] = {
	MEMBER("eventTime", F_TIME, NULL), MEMBER("eventName", F_NAME, NULL),
	MEMBER("recipientAccountId", F_RECIPIENT, NULL),
	MEMBER("eventSource", F_SOURCE, NULL), MEMBER("sourceIPAddress", F_IP, NULL),
	MEMBER("userAgent", F_UA, NULL), MEMBER("awsRegion", F_REGION, NULL),
	MEMBER("errorCode", F_ERROR, NULL), MEMBER("requestID", F_REQID, NULL),
	MEMBER("eventID", F_EVID, NULL), MEMBER("managementEvent", F_MGMT, NULL),
	MEMBER("eventCategory", F_CATEGORY, NULL),
	MEMBER("userIdentity", M_NESTED, &uid_s),
	MEMBER_RAW("requestParameters", &req_s, F_REQ_RAW),
	MEMBER_RAW("additionalEventData", &extra_s, F_EXTRA_RAW),
	MEMBER_RAW("responseElements", &resp_s, F_RESP_RAW),
	MEMBER_RAW("resources", NULL, F_RES_RAW),
	MEMBER("@timestamp", F_TS, NULL),
	/* what makes a top-level value something else than a bare record */
	MEMBER("Records", M_MARK, NULL), MEMBER("digestStartTime", M_MARK, NULL),
	MEMBER("digestS3Object", M_MARK, NULL), MEMBER("digestEndTime", M_MARK, NULL),
};
static struct schema rec_s = { rec_m, NMEMB(rec_m), { 0 } };

static pthread_once_t schema_once = PTHREAD_ONCE_INIT;

static void schema_init(void)
{
	struct schema *all[] = { &issuer_s, &session_s, &uid_s, &req_s, &extra_s, &user_s, &akey_s,
				 &resp_s, &rec_s };

	for (size_t i = 0; i < NMEMB(all); i++) {
		for (unsigned k = 0; k < all[i]->n; k++) {
			struct member *m = &all[i]->m[k];

			m->len = strlen(m->name);
			for (size_t j = 0; j < m->len; j++) {
				char ch = m->name[j];
				int letter = (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z';

				m->fold[j] = letter ? 0x20 : 0;
				m->lname[j] = (char)(ch | m->fold[j]);
			}
			all[i]->bylen[m->len] |= 1u << k;
		}
	}
}

/* k[0..n) equals the member's name, ASCII case-insensitively: where the
 * name has a letter, a byte matches when it is that letter with bit 5 set;
 * elsewhere it must be the same byte. */
static int name_eq(const struct member *m, const char *k, size_t n)
{
	uint64_t a, b, fold;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&a, k + i, 8);
		memcpy(&b, m->lname + i, 8);
		memcpy(&fold, m->fold + i, 8);
		if ((a | fold) != b)
			return 0;
	}
	for (; i < n; i++)
		if ((char)(k[i] | m->fold[i]) != m->lname[i])
			return 0;
	return 1;
}

static int lookup(const struct schema *sc, const char *k, size_t n)
{
	uint32_t cand = n < NAME_MAX_LEN ? sc->bylen[n] : 0;
	int i;

	while (cand) {
		i = __builtin_ctz(cand);
		cand &= cand - 1;
		if (name_eq(&sc->m[i], k, n))
			return i;
	}
	return -1;
}

/* Every function below takes the position it starts at and returns the
 * one past what it read, or NULL when the scanner declines. */
struct scan {
	struct jlex lex;         /* the end of the input, the depth */
	struct ct_fields *f;
};

static const char *skip_value(struct scan *s, const char *p);
static const char *scan_object(struct scan *s, const char *p, const struct schema *sc);

/* The array at p, checked and passed over. */
static const char *skip_array(struct scan *s, const char *p)
{
	int closed;

	p = container_open(&s->lex, p, ']', &closed);
	while (p && !closed)
		p = container_next(&s->lex, skip_value(s, p), ']', &closed);
	return p;
}

static const char *skip_value(struct scan *s, const char *p)
{
	if (p == s->lex.end)
		return NULL;
	if (*p == '{')
		return scan_object(s, p, NULL);
	if (*p == '[')
		return skip_array(s, p);
	return skip_scalar(p, s->lex.end, 1);
}

/* The value of a member the normalizer reads. */
static const char *scan_member(struct scan *s, const char *p, const struct member *m)
{
	struct ct_val *v;
	int esc;

	if (m->field == M_MARK)
		s->f->marked = 1;
	if (p == s->lex.end)
		return NULL;
	if (m->field < 0) {
		const char *q = m->nested && *p == '{' ? scan_object(s, p, m->nested) :
				skip_value(s, p);

		/* an object's (resources: array's) raw text, for the content rules */
		if (q && m->raw > 0 && (*p == '{' || (m->raw == F_RES_RAW && *p == '['))) {
			v = &s->f->v[m->raw];
			v->type = CT_OTHER;
			v->s = p;
			v->n = (size_t)(q - p);
		}
		return q;
	}
	v = &s->f->v[m->field];
	if (*p == '"') {
		v->type = CT_STR;
		p = scan_string(p, s->lex.end, &v->s, &v->n, &esc, 1);
		/* an escaped string is decoded by cJSON */
		return esc ? NULL : p;
	}
	if (*p == '-' || is_digit(*p)) {
		v->type = CT_NUM;
		return scan_number(p, s->lex.end, &v->num);
	}
	v->type = *p == 't' ? CT_TRUE : CT_OTHER;
	return skip_value(s, p);
}

/* The object at p: checked, and with a schema its wanted members read
 * (the first of each name, as cJSON_GetObjectItem finds it). */
static const char *scan_object(struct scan *s, const char *p, const struct schema *sc)
{
	const char *end = s->lex.end, *k;
	uint32_t seen = 0;
	size_t n;
	int esc, i, closed;

	p = container_open(&s->lex, p, '}', &closed);
	while (p && !closed) {
		if (p == end || *p != '"' || !(p = scan_string(p, end, &k, &n, &esc, 1)))
			return NULL;
		/* an escaped name may spell a wanted one */
		if (esc && sc)
			return NULL;
		i = sc ? lookup(sc, k, n) : -1;
		p = skip_ws(p, end);
		if (p == end || *p != ':')
			return NULL;
		p = skip_ws(p + 1, end);
		if (i >= 0 && !(seen & 1u << i)) {
			seen |= 1u << i;
			p = scan_member(s, p, &sc->m[i]);
		} else {
			p = skip_value(s, p);
		}
		p = container_next(&s->lex, p, '}', &closed);
	}
	return p;
}

int ct_scan__record(const char *p, const char *end, struct ct_fields *f, const char **next)
{
	struct scan s = { .lex.end = end, .f = f };

	pthread_once(&schema_once, schema_init);
	if (p >= end || *p != '{' || !(p = scan_object(&s, p, &rec_s)))
		return 0;
	*next = p;
	return 1;
}
