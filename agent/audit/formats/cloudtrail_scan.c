/* A CloudTrail record straight from its bytes (see ctfields.h). A record is
 * about 1.4 KB of which the normalizer reads some 300 bytes: building the
 * whole cJSON tree (a node per value, a copy per string) was two thirds
 * of the ingestion time. This scanner checks the syntax of every value but
 * only keeps where the wanted strings are, and takes only what it can read
 * exactly as cJSON would: a strict subset of the JSON cJSON accepts. For
 * anything else it declines, and the caller parses the record with cJSON.
 */
#include <locale.h>
#include <pthread.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/formats/cloudtrail_fields.h"

#define SCAN_MAX_DEPTH 64
/* cJSON reads a number from at most 63 characters. */
#define NUM_MAX 63
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
	const char *end;
	struct ct_fields *f;
	int depth;
};

static const char *skip_ws(const char *p, const char *end)
{
	/* compact JSON first: most calls find no space at all */
	while (p < end && (unsigned char)*p <= ' ' &&
	       (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* The first '"', '\\' or NUL in [p, end), or end. A NUL ends a string
 * for cJSON's strlen, not for this scanner: such strings are declined
 * (the readers blank lines with a NUL before parsing anyway). */
static const char *quote_or_escape(const char *p, const char *end)
{
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i nul = _mm_setzero_si128();
	__m128i w;
	int m;

	for (; end - p >= 16; p += 16) {
		w = _mm_loadu_si128((const __m128i *)(const void *)p);
		m = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, quote),
								_mm_cmpeq_epi8(w, bslash)),
						   _mm_cmpeq_epi8(w, nul)));
		if (m)
			return p + __builtin_ctz((unsigned)m);
	}
#endif
	while (p < end && *p != '"' && *p != '\\' && *p)
		p++;
	return p;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char ch = p[i];

		if (ch >= '0' && ch <= '9')
			v = v << 4 | (unsigned)(ch - '0');
		else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
			v = v << 4 | (unsigned)((ch | 0x20) - 'a' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* The length of the escape at e (e[0] == '\\'), or 0 when it is not one
 * that cJSON decodes for sure: a lone or reversed surrogate, bad hex. */
static size_t escape_len(const char *e, const char *end)
{
	unsigned hi, lo;

	if (end - e < 2)
		return 0;
	switch (e[1]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		return 2;
	case 'u':
		if (end - e < 6 || hex4(e + 2, &hi) < 0 || (hi >= 0xdc00 && hi <= 0xdfff))
			return 0;
		if (hi < 0xd800 || hi > 0xdbff)
			return 6;
		if (end - e < 12 || e[6] != '\\' || e[7] != 'u' || hex4(e + 8, &lo) < 0 ||
		    lo < 0xdc00 || lo > 0xdfff)
			return 0;
		return 12;
	default:
		return 0;
	}
}

/* The string at p (p[0] == '"'): its raw bytes in *str, *n, and *esc set
 * when it holds escapes. */
/* Inlined: a call per string cost more than most strings take to scan. */
static inline __attribute__((always_inline))
const char *scan_string(const char *p, const char *end, const char **str, size_t *n, int *esc)
{
	const char *q = p + 1;
	size_t k;

	*esc = 0;
	for (;;) {
		q = quote_or_escape(q, end);
		if (q == end || !*q)
			return NULL;
		if (*q == '"')
			break;
		k = escape_len(q, end);
		if (!k)
			return NULL;
		*esc = 1;
		q += k;
	}
	*str = p + 1;
	*n = (size_t)(q - *str);
	return q + 1;
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int in_number(char ch)
{
	return is_digit(ch) || ch == '+' || ch == '-' || ch == 'e' || ch == 'E' || ch == '.';
}

static const char *digits(const char *p, const char *end)
{
	while (p < end && is_digit(*p))
		p++;
	return p;
}

/* cJSON's value of the number b[0..n): strtod in the locale, as cJSON
 * does it, unless it is an integer of at most 15 digits (exact anyway). */
static double number_value(const char *b, size_t n)
{
	char tmp[NUM_MAX + 1];
	const char *p = b + (b[0] == '-');
	double v = 0;

	if (n - (size_t)(p - b) <= 15 && digits(p, b + n) == b + n) {
		for (; p < b + n; p++)
			v = v * 10 + (*p - '0');
		return b[0] == '-' ? -v : v;
	}
	for (size_t i = 0; i < n; i++)
		tmp[i] = b[i] == '.' ? localeconv()->decimal_point[0] : b[i];
	tmp[n] = '\0';
	return strtod(tmp, NULL);
}

/* A JSON number that cJSON reads whole: the strict grammar, not followed
 * by anything cJSON would take as more of it, at most 63 characters. */
static const char *scan_number(const char *b, const char *end, double *value)
{
	const char *p = b;

	if (p < end && *p == '-')
		p++;
	if (p == end || !is_digit(*p))
		return NULL;
	p = *p == '0' ? p + 1 : digits(p, end);
	if (p < end && *p == '.') {
		if (++p == end || !is_digit(*p))
			return NULL;
		p = digits(p, end);
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || !is_digit(*p))
			return NULL;
		p = digits(p, end);
	}
	if ((p < end && in_number(*p)) || p - b > NUM_MAX)
		return NULL;
	if (value)
		*value = number_value(b, (size_t)(p - b));
	return p;
}

static const char *literal(const char *p, const char *end, const char *word, size_t n)
{
	return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

static const char *skip_value(struct scan *s, const char *p);
static const char *scan_object(struct scan *s, const char *p, const struct schema *sc);

/* Into the array or object at p (its opener), one level deeper: the first
 * item, or with *closed set the end of an empty one. NULL: too deep. */
static const char *container_open(struct scan *s, const char *p, char close, int *closed)
{
	if (++s->depth > SCAN_MAX_DEPTH)
		return NULL;
	p = skip_ws(p + 1, s->end);
	*closed = p < s->end && *p == close;
	if (*closed) {
		s->depth--;
		return p + 1;
	}
	return p;
}

/* After an item (p: its end, NULL when it failed): the next item, or with
 * *closed set the end of the array or object, one level up. NULL: neither
 * a ',' nor the closer follows. */
static const char *container_next(struct scan *s, const char *p, char close, int *closed)
{
	if (!p)
		return NULL;
	p = skip_ws(p, s->end);
	if (p == s->end)
		return NULL;
	*closed = *p == close;
	if (*closed) {
		s->depth--;
		return p + 1;
	}
	return *p == ',' ? skip_ws(p + 1, s->end) : NULL;
}

/* The array at p, checked and passed over. */
static const char *skip_array(struct scan *s, const char *p)
{
	int closed;

	p = container_open(s, p, ']', &closed);
	while (p && !closed)
		p = container_next(s, skip_value(s, p), ']', &closed);
	return p;
}

static const char *skip_value(struct scan *s, const char *p)
{
	const char *str;
	size_t n;
	int esc;

	if (p == s->end)
		return NULL;
	switch (*p) {
	case '"':
		return scan_string(p, s->end, &str, &n, &esc);
	case '{':
		return scan_object(s, p, NULL);
	case '[':
		return skip_array(s, p);
	case 't':
		return literal(p, s->end, "true", 4);
	case 'f':
		return literal(p, s->end, "false", 5);
	case 'n':
		return literal(p, s->end, "null", 4);
	default:
		return scan_number(p, s->end, NULL);
	}
}

/* The value of a member the normalizer reads. */
static const char *scan_member(struct scan *s, const char *p, const struct member *m)
{
	struct ct_val *v;
	int esc;

	if (m->field == M_MARK)
		s->f->marked = 1;
	if (p == s->end)
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
		p = scan_string(p, s->end, &v->s, &v->n, &esc);
		/* an escaped string is decoded by cJSON */
		return esc ? NULL : p;
	}
	if (*p == '-' || is_digit(*p)) {
		v->type = CT_NUM;
		return scan_number(p, s->end, &v->num);
	}
	v->type = *p == 't' ? CT_TRUE : CT_OTHER;
	return skip_value(s, p);
}

/* The object at p: checked, and with a schema its wanted members read
 * (the first of each name, as cJSON_GetObjectItem finds it). */
static const char *scan_object(struct scan *s, const char *p, const struct schema *sc)
{
	const char *end = s->end, *k;
	uint32_t seen = 0;
	size_t n;
	int esc, i, closed;

	p = container_open(s, p, '}', &closed);
	while (p && !closed) {
		if (p == end || *p != '"' || !(p = scan_string(p, end, &k, &n, &esc)))
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
		p = container_next(s, p, '}', &closed);
	}
	return p;
}

int ct_scan__record(const char *p, const char *end, struct ct_fields *f, const char **next)
{
	struct scan s = { .end = end, .f = f };

	pthread_once(&schema_once, schema_init);
	if (p >= end || *p != '{' || !(p = scan_object(&s, p, &rec_s)))
		return 0;
	*next = p;
	return 1;
}
