/* A streaming JSON writer in cJSON_Print's layout (see jsonw.h). */
#include "jsonw.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* 1: the byte is escaped in a string (and NUL ends it). */
static const unsigned char escaped[256] = {
	[0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

void jsonw__init(struct jsonw *w, FILE *out)
{
	w->out = out;
	w->len = 0;
	w->depth = 0;
	w->more = 0;
	w->array = 0;
	w->err = 0;
}

static void drain(struct jsonw *w)
{
	if (w->len && !w->err && fwrite(w->buf, 1, w->len, w->out) != w->len)
		w->err = errno ? -errno : -EIO;
	w->len = 0;
}

int jsonw__flush(struct jsonw *w)
{
	drain(w);
	return w->err;
}

static void put(struct jsonw *w, const void *p, size_t n)
{
	if (n > sizeof(w->buf) - w->len) {
		drain(w);
		if (n > sizeof(w->buf)) {
			if (!w->err && fwrite(p, 1, n, w->out) != n)
				w->err = errno ? -errno : -EIO;
			return;
		}
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put_c(struct jsonw *w, char c)
{
	if (w->len == sizeof(w->buf))
		drain(w);
	w->buf[w->len++] = c;
}

static void put_tabs(struct jsonw *w, unsigned n)
{
	static const char tabs[JSONW_DEPTH] = { [0 ... JSONW_DEPTH - 1] = '\t' };

	put(w, tabs, n);
}

/* The byte as cJSON escapes it, written at o: the short forms, else
 * \u00XX in lower case hex. Returns the end (6 bytes at most). */
static char *escape_to(char *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e = 0;

	switch (c) {
	case '"': e = '"'; break;
	case '\\': e = '\\'; break;
	case '\b': e = 'b'; break;
	case '\f': e = 'f'; break;
	case '\n': e = 'n'; break;
	case '\r': e = 'r'; break;
	case '\t': e = 't'; break;
	default: break;
	}
	*o++ = '\\';
	if (e) {
		*o++ = e;
		return o;
	}
	*o++ = 'u';
	*o++ = '0';
	*o++ = '0';
	*o++ = hex[c >> 4];
	*o++ = hex[c & 15];
	return o;
}

static void put_escape(struct jsonw *w, unsigned char c)
{
	char u[6];

	put(w, u, (size_t)(escape_to(u, c) - u));
}

/* Nonzero when one of the 8 bytes in x is below 0x20, '"' or '\\' (the
 * zero-byte test of each; a borrow can flag bytes above a flagged one,
 * never a block without one). */
static uint64_t special8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull;

	return ((x - ones * 0x20) | ((x ^ (ones * '"')) - ones) | ((x ^ (ones * '\\')) - ones)) &
	       ~x & (ones * 0x80);
}

/* A string long enough to need the buffer more than once, a run at a
 * time. */
static void put_long_str(struct jsonw *w, const unsigned char *p, size_t n)
{
	size_t i = 0, start = 0, end;
	uint64_t x;

	for (;;) {
		/* Eight bytes at a time past those that need nothing. */
		for (; i + 8 <= n; i += 8) {
			memcpy(&x, p + i, 8);
			if (special8(x))
				break;
		}
		end = i + 8 < n ? i + 8 : n;
		while (i < end && !escaped[p[i]])
			i++;
		if (i == n)
			break;
		if (i == end)
			continue;
		put(w, p + start, i - start);
		put_escape(w, p[i++]);
		start = i;
	}
	put(w, p + start, n - start);
}

static void put_str(struct jsonw *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), i = 0;
	uint64_t x;
	char *o;

	/* Escaped, every byte takes 6 at most: most strings go straight
	 * into the buffer. */
	if (n > (sizeof(w->buf) - 2) / 6)
		goto long_str;
	if (6 * n + 2 > sizeof(w->buf) - w->len)
		drain(w);
	o = w->buf + w->len;
	*o++ = '"';
	while (i < n) {
		if (i + 8 <= n) {
			memcpy(&x, p + i, 8);
			if (!special8(x)) {
				memcpy(o, &x, 8);
				o += 8;
				i += 8;
				continue;
			}
		}
		if (escaped[p[i]])
			o = escape_to(o, p[i++]);
		else
			*o++ = (char)p[i++];
	}
	*o++ = '"';
	w->len = (size_t)(o - w->buf);
	return;
long_str:
	put_c(w, '"');
	put_long_str(w, p, n);
	put_c(w, '"');
}

/* Before a value: the separator from the one before it, and in an object
 * the member's indentation and name. */
static int begin(struct jsonw *w, const char *key)
{
	uint32_t bit;

	if (w->err)
		return -1;
	if (!w->depth)
		return 0;
	bit = 1u << (w->depth - 1);
	if (w->array & bit) {
		if (w->more & bit)
			put(w, ", ", 2);
		w->more |= bit;
		return 0;
	}
	if (w->more & bit)
		put(w, ",\n", 2);
	w->more |= bit;
	put_tabs(w, w->depth);
	put_str(w, key);
	put(w, ":\t", 2);
	return 0;
}

static void open_level(struct jsonw *w, const char *key, int array)
{
	uint32_t bit;

	if (begin(w, key) < 0)
		return;
	if (w->depth == JSONW_DEPTH) {
		w->err = -E2BIG;
		return;
	}
	put(w, array ? "[" : "{\n", array ? 1 : 2);
	bit = 1u << w->depth++;
	w->more &= ~bit;
	if (array)
		w->array |= bit;
	else
		w->array &= ~bit;
}

/* Close the innermost level, which must be of the kind asked. */
static int close_level(struct jsonw *w, int array)
{
	uint32_t bit;

	if (w->err)
		return -1;
	bit = w->depth ? 1u << (w->depth - 1) : 0;
	if (!bit || !(w->array & bit) != !array) {
		w->err = -EINVAL;
		return -1;
	}
	w->depth--;
	return (w->more & bit) != 0;
}

void jsonw__object(struct jsonw *w, const char *key)
{
	open_level(w, key, 0);
}

void jsonw__object_end(struct jsonw *w)
{
	int more = close_level(w, 0);

	if (more < 0)
		return;
	if (more)
		put_c(w, '\n');
	put_tabs(w, w->depth);
	put_c(w, '}');
}

void jsonw__array(struct jsonw *w, const char *key)
{
	open_level(w, key, 1);
}

void jsonw__array_end(struct jsonw *w)
{
	if (close_level(w, 1) >= 0)
		put_c(w, ']');
}

void jsonw__str(struct jsonw *w, const char *key, const char *s)
{
	if (begin(w, key) == 0)
		put_str(w, s);
}

void jsonw__bool(struct jsonw *w, const char *key, int v)
{
	if (begin(w, key) == 0)
		put(w, v ? "true" : "false", v ? 4 : 5);
}

void jsonw__null(struct jsonw *w, const char *key)
{
	if (begin(w, key) == 0)
		put(w, "null", 4);
}

/* Decimal digits of an integer below 1e15 in magnitude. */
static size_t int_text(int64_t v, char *buf)
{
	char tmp[24];
	uint64_t u = v < 0 ? (uint64_t)-v : (uint64_t)v;
	size_t n = 0, len = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		buf[len++] = '-';
	while (n)
		buf[len++] = tmp[--n];
	buf[len] = '\0';
	return len;
}

/* cJSON's test that the shorter text reads back as the number. */
static int same_double(double a, double b)
{
	double max = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

	return fabs(a - b) <= max * DBL_EPSILON;
}

size_t jsonw__num_text(double v, char *buf, size_t size)
{
	int n;

	/* An integer of 15 digits at most prints as its digits in "%1.15g";
	 * -0 is left to it ("-0", as cJSON 1.7.15 prints it). */
	if (v > -1e15 && v < 1e15 && v == (double)(int64_t)v && (v != 0 || !signbit(v)) &&
	    size >= 24)
		return int_text((int64_t)v, buf);
	if (isnan(v) || isinf(v))
		n = snprintf(buf, size, "null");
	else {
		n = snprintf(buf, size, "%1.15g", v);
		if (n > 0 && (size_t)n < size && !same_double(strtod(buf, NULL), v))
			n = snprintf(buf, size, "%1.17g", v);
	}
	if (n < 0 || (size_t)n >= size) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	return (size_t)n;
}

void jsonw__num(struct jsonw *w, const char *key, double v)
{
	char text[JSONW_NUM_MAX];
	size_t n;

	if (begin(w, key) < 0)
		return;
	n = jsonw__num_text(v, text, sizeof(text));
	put(w, text, n);
}
