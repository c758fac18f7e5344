/* The fields of a JSON-lines record straight from its bytes (see jscan.h).
 * A GCS, StorageBlobLogs or MinIO record is 1-2 KB of which the normalizer
 * reads a few hundred bytes; building the whole cJSON tree for it (a node
 * per value, a copy per string) was most of the audit stage's time. The
 * scanner checks the syntax of every value but keeps only the wanted
 * ones, and takes only what it can read exactly as cJSON would: a strict
 * subset of the JSON cJSON accepts. For anything else it declines, and
 * the caller parses the record with cJSON.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/formats/jscan.h"
#include "audit/formats/jsonlex.h"
#include "audit/jsonarena.h"
#include "lib/memeq.h"

/* Room for the strings of one record that the normalizer reads. */
#define SCRATCH ((size_t)16 << 10)

/* Every function below takes the position it starts at and returns the
 * one past what it read, or NULL when the scanner declines. */
struct scan {
	struct jlex lex;         /* the end of the input, the depth */
	struct jv *v;
	char *scratch;
	size_t used, size;
	int marked;
};


static const char *skip_value(struct scan *s, const char *p);
static const char *scan_object(struct scan *s, const char *p, const struct jschema *sc,
			       int base);

/* The array at p, checked and passed over; its first element's value into
 * *first when first is set. */
static const char *scan_array(struct scan *s, const char *p, struct jv *first);

static const char *skip_value(struct scan *s, const char *p)
{
	if (p == s->lex.end)
		return NULL;
	if (*p == '{')
		return scan_object(s, p, NULL, 0);
	if (*p == '[')
		return scan_array(s, p, NULL);
	return skip_scalar(p, s->lex.end, 0);
}

/* A wanted string into the scratch buffer (NUL-terminated); NULL when it
 * holds escapes (cJSON decodes those) or does not fit. */
static const char *keep_string(struct scan *s, const char *p, struct jv *v)
{
	const char *str;
	size_t n;
	int esc;
	char *to;

	p = scan_string(p, s->lex.end, &str, &n, &esc, 0);
	if (!p || esc || s->size - s->used < n + 1)
		return NULL;
	to = s->scratch + s->used;
#if defined(__SSE2__)
	/* most strings read are short: 16 or 32 bytes moved at once, when
	 * both the input and the scratch have them (what lies past the
	 * string is overwritten by the next one) */
	if (n <= 32 && s->lex.end - str >= 32 && s->size - s->used >= 32) {
		_mm_storeu_si128((__m128i *)(void *)to,
				 _mm_loadu_si128((const __m128i *)(const void *)str));
		if (n > 16)
			_mm_storeu_si128((__m128i *)(void *)(to + 16),
					 _mm_loadu_si128((const __m128i *)(const void *)(str + 16)));
	} else {
		memcpy(to, str, n);
	}
#else
	memcpy(to, str, n);
#endif
	to[n] = '\0';
	s->used += n + 1;
	v->type = JV_STR;
	v->s = to;
	v->n = n;
	return p;
}

/* A scalar or container value into *v (its type; a string's bytes; a
 * number's value), nested members through sc. */
static const char *scan_into(struct scan *s, const char *p, struct jv *v,
			     const struct jschema *sc, int base)
{
	if (p == s->lex.end)
		return NULL;
	switch (*p) {
	case '"':
		return keep_string(s, p, v);
	case '{':
		v->type = JV_OBJ;
		return scan_object(s, p, sc, base);
	case '[':
		v->type = JV_ARR;
		return scan_array(s, p, NULL);
	case 't':
		v->type = JV_TRUE;
		return literal(p, s->lex.end, "true", 4);
	case 'f':
		v->type = JV_FALSE;
		return literal(p, s->lex.end, "false", 5);
	case 'n':
		v->type = JV_NULL;
		return literal(p, s->lex.end, "null", 4);
	default:
		v->type = JV_NUM;
		return scan_number(p, s->lex.end, &v->num);
	}
}

static const char *scan_array(struct scan *s, const char *p, struct jv *first)
{
	int closed;

	p = container_open(&s->lex, p, ']', &closed);
	if (p && !closed && first)
		p = container_next(&s->lex, scan_into(s, p, first, NULL, 0), ']', &closed);
	while (p && !closed)
		p = container_next(&s->lex, skip_value(s, p), ']', &closed);
	return p;
}

/* The value of a member the normalizer reads. */
static const char *scan_member(struct scan *s, const char *p, const struct jmember *m, int base)
{
	/* what goes nowhere is written and never read */
	struct jv none, *v = m->field >= 0 ? &s->v[base + m->field] : &none;
	const char *q;

	if (m->flags & JM_MARK)
		s->marked = 1;
	if (p == s->lex.end)
		return NULL;
	if ((m->flags & JM_FIRST) && *p == '[') {
		v->type = JV_ARR;
		q = scan_array(s, p, &s->v[base + m->field + 1]);
	} else {
		q = scan_into(s, p, v, m->nested, base + m->base);
	}
	if (q && (m->flags & JM_RAW)) {
		v->raw = p;
		v->rawn = (size_t)(q - p);
	}
	return q;
}

static unsigned name_hash(const char *k, size_t n)
{
	return ((unsigned)n * 31 + (unsigned char)k[0] * 7 + (unsigned char)k[n - 1] * 3 +
		(unsigned char)k[n / 2]) & (JSCHEMA_SLOTS - 1);
}

void jscan__prepare(struct jschema *sc)
{
	for (unsigned i = 0; i < sc->n; i++) {
		const struct jmember *m = &sc->m[i];
		unsigned h = name_hash(m->name, m->len);

		while (sc->slot[h])
			h = (h + 1) & (JSCHEMA_SLOTS - 1);
		sc->slot[h] = (unsigned char)(i + 1);
		if (m->nested && !m->nested->slot[name_hash(m->nested->m[0].name,
							     m->nested->m[0].len)])
			jscan__prepare(m->nested);
	}
}

/* The member named k[0..n) (n > 0) of sc, or -1. */
static int lookup(const struct jschema *sc, const char *k, size_t n)
{
	unsigned h = name_hash(k, n), i;

	for (; (i = sc->slot[h]) != 0; h = (h + 1) & (JSCHEMA_SLOTS - 1))
		if (sc->m[i - 1].len == n && gw_mem_eq(sc->m[i - 1].name, k, n))
			return (int)i - 1;
	return -1;
}

/* The object at p: checked, and with a schema its wanted members read
 * (each once: a second member of a wanted name declines). */
static const char *scan_object(struct scan *s, const char *p, const struct jschema *sc, int base)
{
	const char *end = s->lex.end, *k;
	uint64_t seen = 0;
	size_t n;
	int esc, i, closed;

	p = container_open(&s->lex, p, '}', &closed);
	while (p && !closed) {
		if (p == end || *p != '"' || !(p = scan_string(p, end, &k, &n, &esc, 0)))
			return NULL;
		/* an escaped name may spell a wanted one */
		if (esc && sc)
			return NULL;
		i = sc && n ? lookup(sc, k, n) : -1;
		/* compact JSON: the colon right after the name */
		if (p == end || *p != ':')
			p = skip_ws(p, end);
		if (p == end || *p != ':')
			return NULL;
		p++;
		if (p < end && (unsigned char)*p <= ' ')
			p = skip_ws(p, end);
		if (i >= 0) {
			if (seen & (uint64_t)1 << i)
				return NULL;
			seen |= (uint64_t)1 << i;
			/* most members read are plain strings */
			if (p < end && *p == '"' && sc->m[i].field >= 0 && !sc->m[i].flags)
				p = keep_string(s, p, &s->v[base + sc->m[i].field]);
			else
				p = scan_member(s, p, &sc->m[i], base);
		} else if (p < end && *p == '"') {
			/* and most passed over */
			p = scan_string(p, end, &k, &n, &esc, 0);
		} else {
			p = skip_value(s, p);
		}
		p = container_next(&s->lex, p, '}', &closed);
	}
	return p;
}

int jscan__record(const struct jschema *sc, const char *p, const char *end, struct jv *v,
		  char *scratch, size_t size, const char **next, int *marked)
{
	struct scan s = { .lex.end = end, .v = v, .scratch = scratch, .size = size };

	if (p >= end || *p != '{' || !(p = scan_object(&s, p, sc, 0)))
		return 0;
	*next = p;
	*marked = s.marked;
	return 1;
}

static void of_item(const cJSON *it, struct jv *v)
{
	v->item = it;
	if (cJSON_IsString(it) && it->valuestring) {
		v->type = JV_STR;
		v->s = it->valuestring;
		v->n = strlen(it->valuestring);
	} else if (cJSON_IsNumber(it)) {
		v->type = JV_NUM;
		v->num = it->valuedouble;
	} else {
		v->type = cJSON_IsObject(it) ? JV_OBJ : cJSON_IsArray(it) ? JV_ARR :
			  cJSON_IsTrue(it) ? JV_TRUE : cJSON_IsFalse(it) ? JV_FALSE :
			  cJSON_IsNull(it) ? JV_NULL : JV_NONE;
	}
}

static void of_tree(const struct jschema *sc, const cJSON *obj, struct jv *v, int base)
{
	for (unsigned i = 0; i < sc->n; i++) {
		const struct jmember *m = &sc->m[i];
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, m->name);

		if (!it)
			continue;
		if (m->field >= 0)
			of_item(it, &v[base + m->field]);
		if (m->field >= 0 && (m->flags & JM_FIRST) && cJSON_IsArray(it) && it->child)
			of_item(it->child, &v[base + m->field + 1]);
		if (m->nested && cJSON_IsObject(it))
			of_tree(m->nested, it, v, base + m->base);
	}
}

void jscan__of_tree(const struct jschema *sc, const cJSON *rec, struct jv *v)
{
	of_tree(sc, rec, v, 0);
}

static pthread_mutex_t prepare_lock = PTHREAD_MUTEX_INITIALIZER;

/* Fill sc's name tables once, whichever reader thread comes first. */
static void ready(struct jschema *sc)
{
	if (atomic_load_explicit(&sc->ready, memory_order_acquire))
		return;
	pthread_mutex_lock(&prepare_lock);
	if (!atomic_load_explicit(&sc->ready, memory_order_relaxed)) {
		jscan__prepare(sc);
		atomic_store_explicit(&sc->ready, 1, memory_order_release);
	}
	pthread_mutex_unlock(&prepare_lock);
}

int jscan__take(struct audit_ctx *c, struct jschema *sc, jscan_fn fn, unsigned nv,
		const char *p, const char *end, const char **next, size_t off, int top, int *err)
{
	char scratch[SCRATCH];
	struct jv v[JSCAN_MAX_FIELDS];
	int marked = 0;

	if (nv > JSCAN_MAX_FIELDS)
		return 0;
	ready(sc);
	memset(v, 0, nv * sizeof(*v));
	if (!jscan__record(sc, p, end, v, scratch, sizeof(scratch), next, &marked) ||
	    (top && marked))
		return 0;
	c->st->records++;
	*err = fn(c, v, off);
	return 1;
}

int jscan__tree(struct audit_ctx *c, const struct jschema *sc, jscan_fn fn, unsigned nv,
		const cJSON *rec, size_t off)
{
	struct jv v[JSCAN_MAX_FIELDS];

	if (nv > JSCAN_MAX_FIELDS) {
		audit_ctx__skip_at(c, off, "a record of more fields than the reader holds");
		return 0;
	}
	memset(v, 0, nv * sizeof(*v));
	jscan__of_tree(sc, rec, v);
	return fn(c, v, off);
}

const char *jv__intern(struct rec_strs *r, unsigned slot, const struct jv *v)
{
	struct audit_last *e = &r->c->last[slot];
	const char *p;

	if (v->type != JV_STR)
		return "";
	if (e->s && e->len == v->n && !r->bad && gw_mem_eq(e->s, v->s, v->n))
		return e->s;
	p = rec__intern(r, v->s, v->n);
	if (*p) {
		e->s = p;
		e->len = v->n;
	}
	return p;
}

uint64_t jv__u64(const struct jv *v)
{
	const char *s;
	uint64_t n = 0;

	if (v->type == JV_NUM)
		return v->num >= 0 && v->num < 1.8e19 ? (uint64_t)v->num : 0;
	if (v->type != JV_STR)
		return 0;
	for (s = v->s; *s >= '0' && *s <= '9' && s - v->s < 19; s++)
		n = n * 10 + (uint64_t)(*s - '0');
	return *s && !(*s == 'n' && s[1] == 's') ? 0 : n;
}

/* raw[0..n) is what cJSON_PrintUnformatted would print of it: no white
 * space between tokens, no escape or control byte in strings, numbers
 * integers of at most 15 digits (printed back the same), no "-0". */
static int canonical(const char *raw, size_t n)
{
	const char *p = raw, *end = raw + n, *d;

	while (p < end) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '"') {
			p = plain_run(p + 1, end);
			if (p == end || *p != '"')
				return 0;
			p++;
		} else if (ch == '-' || is_digit((char)ch)) {
			d = p + (ch == '-');
			if (*d == '0' && ch == '-')
				return 0;
			p = digits(d, end);
			if (p - d > 15 || (p < end && in_number(*p)))
				return 0;
		} else if (ch <= ' ') {
			return 0;
		} else {
			p++;
		}
	}
	return 1;
}

/* The scanner's raw text printed the long way: parsed and printed with
 * cJSON on the heap (the arena holds the record being read). */
static char *print_raw(const char *raw, size_t n)
{
	void *tok = json_arena__suspend();
	cJSON *t = cJSON_ParseWithLength(raw, n);
	char *printed = t ? cJSON_PrintUnformatted(t) : NULL;

	cJSON_Delete(t);
	json_arena__resume(tok);
	return printed;
}

int jv__print(const struct jv *v, char *buf, size_t size, size_t *off)
{
	const char *s = NULL;
	char *printed = NULL;
	size_t n = 0;
	int heap = 0;

	if (v->item) {
		printed = cJSON_PrintUnformatted(v->item);
	} else if (v->raw && canonical(v->raw, v->rawn)) {
		s = v->raw;
		n = v->rawn;
	} else if (v->raw) {
		printed = print_raw(v->raw, v->rawn);
		heap = 1;
	}
	if (printed) {
		s = printed;
		n = strlen(printed);
	}
	if (!s || n > size - *off) {
		s = NULL;
	} else {
		memcpy(buf + *off, s, n);
		*off += n;
	}
	if (heap)
		free(printed);
	else
		cJSON_free(printed);
	return s != NULL;
}
