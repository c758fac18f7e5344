/* agent/audit/formats internals: the JSON lexing both field scanners
 * (cloudtrail_scan.c, jscan.c) share. Each takes the position it starts
 * at and returns the one past what it read, or NULL when the scanner
 * declines: only what cJSON reads exactly the same way is taken. */
#ifndef GW_AUDIT_JSONLEX_H
#define GW_AUDIT_JSONLEX_H

#include <locale.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* cJSON reads a number from at most 63 characters. */
#define NUM_MAX 63

static inline __attribute__((always_inline)) const char *skip_ws(const char *p, const char *end)
{
	/* compact JSON first: most calls find no space at all */
	while (p < end && (unsigned char)*p <= ' ' &&
	       (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* The first '"', '\\' or NUL in [p, end), or end. A NUL ends a string
 * for cJSON's strlen, not for the scanners: such strings are declined. */
static inline const char *quote_or_escape(const char *p, const char *end)
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

/* The first '"', '\\' or control byte in [p, end), or end: where a run of
 * bytes that cJSON prints as they are inside a string ends. */
static inline const char *plain_run(const char *p, const char *end)
{
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x1f);
	__m128i w;
	int m;

	for (; end - p >= 16; p += 16) {
		w = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* a byte <= 0x1f is its own max with 0x1f */
		m = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, quote),
								_mm_cmpeq_epi8(w, bslash)),
						   _mm_cmpeq_epi8(_mm_max_epu8(w, ctl), ctl)));
		if (m)
			return p + __builtin_ctz((unsigned)m);
	}
#endif
	while (p < end && (unsigned char)*p >= 0x20 && *p != '"' && *p != '\\')
		p++;
	return p;
}

static inline int hex4(const char *p, unsigned *out)
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
 * that cJSON decodes for sure: a lone or reversed surrogate, bad hex, and,
 * unless nul_ok, \u0000. */
static inline size_t escape_len(const char *e, const char *end, int nul_ok)
{
	unsigned hi, lo;

	if (end - e < 2)
		return 0;
	switch (e[1]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		return 2;
	case 'u':
		if (end - e < 6 || hex4(e + 2, &hi) < 0 || (hi == 0 && !nul_ok) ||
		    (hi >= 0xdc00 && hi <= 0xdfff))
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
 * when it holds escapes (nul_ok: see escape_len). Inlined: a call per
 * string cost more than most strings take to scan. */
static inline __attribute__((always_inline))
const char *scan_string(const char *p, const char *end, const char **str, size_t *n, int *esc,
			int nul_ok)
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
		k = escape_len(q, end, nul_ok);
		if (!k)
			return NULL;
		*esc = 1;
		q += k;
	}
	*str = p + 1;
	*n = (size_t)(q - *str);
	return q + 1;
}

static inline int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static inline int in_number(char ch)
{
	return is_digit(ch) || ch == '+' || ch == '-' || ch == 'e' || ch == 'E' || ch == '.';
}

static inline const char *digits(const char *p, const char *end)
{
	while (p < end && is_digit(*p))
		p++;
	return p;
}

/* cJSON's value of the number b[0..n): strtod in the locale, as cJSON
 * does it, unless it is an integer of at most 15 digits (exact anyway). */
static inline double number_value(const char *b, size_t n)
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
static inline const char *scan_number(const char *b, const char *end, double *value)
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

static inline const char *literal(const char *p, const char *end, const char *word, size_t n)
{
	return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

/* The string, true, false, null or number at p (p < end), passed over. */
static inline const char *skip_scalar(const char *p, const char *end, int nul_ok)
{
	const char *str;
	size_t n;
	int esc;

	switch (*p) {
	case '"':
		return scan_string(p, end, &str, &n, &esc, nul_ok);
	case 't':
		return literal(p, end, "true", 4);
	case 'f':
		return literal(p, end, "false", 5);
	case 'n':
		return literal(p, end, "null", 4);
	default:
		return scan_number(p, end, NULL);
	}
}

#define SCAN_MAX_DEPTH 64

/* Where a scan is: the end of its input and how deep it is. */
struct jlex {
	const char *end;
	int depth;
};

/* Into the array or object at p (its opener), one level deeper: the first
 * item, or with *closed set the end of an empty one. NULL: too deep. */
static inline const char *container_open(struct jlex *l, const char *p, char close, int *closed)
{
	if (++l->depth > SCAN_MAX_DEPTH)
		return NULL;
	p = skip_ws(p + 1, l->end);
	*closed = p < l->end && *p == close;
	if (*closed) {
		l->depth--;
		return p + 1;
	}
	return p;
}

/* After an item (p: its end, NULL when it failed): the next item, or with
 * *closed set the end of the array or object, one level up. NULL: neither
 * a ',' nor the closer follows. */
static inline const char *container_next(struct jlex *l, const char *p, char close, int *closed)
{
	if (!p)
		return NULL;
	if (p < l->end && (unsigned char)*p <= ' ')
		p = skip_ws(p, l->end);
	if (p == l->end)
		return NULL;
	*closed = *p == close;
	if (*closed) {
		l->depth--;
		return p + 1;
	}
	if (*p != ',')
		return NULL;
	/* compact JSON: the next item right after the comma */
	p++;
	return p < l->end && (unsigned char)*p <= ' ' ? skip_ws(p, l->end) : p;
}

#endif
