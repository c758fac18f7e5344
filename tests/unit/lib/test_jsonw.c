#include <cjson/cJSON.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assert.h"
#include "lib/jsonw.h"

/* The writer must print what cJSON_Print prints of the same tree, byte
 * for byte: random trees of hostile strings and awkward numbers are
 * printed both ways and compared whole. */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(next() % n);
}

/* A string no printer should find easy: control bytes, quotes,
 * backslashes, DEL, bytes of invalid UTF-8, valid multibyte sequences,
 * now and then longer than the writer's buffer. */
static char *hostile(void)
{
	static const char *const utf8[] = { "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
					    "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80" };
	size_t len = pick(8) == 0 ? pick(3 * JSONW_BUF) : pick(40), n = 0;
	char *s = malloc(len + 5);
	const char *u;

	while (s && n < len) {
		switch (pick(8)) {
		case 0: s[n++] = (char)(1 + pick(31)); break;
		case 1: s[n++] = pick(2) ? '"' : '\\'; break;
		case 2: s[n++] = (char)(0x7f + pick(0x81)); break;
		case 3:
			for (u = utf8[pick(6)]; *u; u++)
				s[n++] = *u;
			break;
		default: s[n++] = (char)(' ' + pick(95)); break;
		}
	}
	if (s)
		s[n] = '\0';
	return s;
}

static double awkward(void)
{
	static const double fixed[] = { 0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 1.0 / 3, 2.5e-7,
		INT_MAX, INT_MIN, (double)INT_MAX + 1, (double)INT_MIN - 1, INT_MAX - 0.5,
		1e15 - 1, 1e15, -1e15 + 1, -1e15, 1e15 + 2, 9007199254740993.0, 1e300, -1e-300,
		DBL_MAX, DBL_MIN, 5e-324, NAN, INFINITY, -INFINITY, 0.7, 12.34, 1e21 };
	uint64_t bits = next();
	double v;

	switch (pick(6)) {
	case 0: return fixed[pick(sizeof(fixed) / sizeof(fixed[0]))];
	case 1: memcpy(&v, &bits, sizeof(v)); return v;
	case 2: return (double)(int64_t)(next() >> pick(64)) * (pick(2) ? 1 : -1);
	case 3: return (double)pick(100000) / 100.0;
	case 4: return (double)pick(1000000) / (double)(1 + pick(1000));
	default: return ldexp((double)(next() >> 11), (int)pick(200) - 100);
	}
}

static cJSON *value(int depth);

static cJSON *container(int depth, int array)
{
	cJSON *c = array ? cJSON_CreateArray() : cJSON_CreateObject();
	unsigned n = pick(6) == 0 ? 0 : pick(7);

	for (unsigned i = 0; c && i < n; i++) {
		cJSON *v = value(depth + 1);
		char *key = array ? NULL : hostile();

		if (array)
			cJSON_AddItemToArray(c, v);
		else if (key)
			cJSON_AddItemToObject(c, key, v);
		free(key);
	}
	return c;
}

static cJSON *value(int depth)
{
	char *s;
	cJSON *v;

	switch (depth > 5 ? 2 + pick(4) : pick(6)) {
	case 0: return container(depth, 0);
	case 1: return container(depth, 1);
	case 2:
		s = hostile();
		v = cJSON_CreateString(s ? s : "");
		free(s);
		return v;
	case 3: return cJSON_CreateNumber(awkward());
	case 4: return cJSON_CreateBool(pick(2));
	default: return cJSON_CreateNull();
	}
}

static void emit(struct jsonw *w, const cJSON *it, const char *key)
{
	const cJSON *c;

	if (cJSON_IsObject(it) || cJSON_IsArray(it)) {
		if (cJSON_IsObject(it))
			jsonw__object(w, key);
		else
			jsonw__array(w, key);
		for (c = it->child; c; c = c->next)
			emit(w, c, cJSON_IsObject(it) ? c->string : NULL);
		if (cJSON_IsObject(it))
			jsonw__object_end(w);
		else
			jsonw__array_end(w);
	} else if (cJSON_IsString(it)) {
		jsonw__str(w, key, it->valuestring);
	} else if (cJSON_IsNumber(it)) {
		jsonw__num(w, key, it->valuedouble);
	} else if (cJSON_IsBool(it)) {
		jsonw__bool(w, key, cJSON_IsTrue(it));
	} else {
		jsonw__null(w, key);
	}
}

static size_t first_diff(const char *a, size_t na, const char *b, size_t nb)
{
	size_t i = 0;

	while (i < na && i < nb && a[i] == b[i])
		i++;
	return i;
}

TEST(jsonw_prints_random_trees_as_cjson_does)
{
	static struct jsonw w;

	for (int round = 0; round < 300; round++) {
		cJSON *tree = container(0, (int)pick(2));
		char *want = cJSON_Print(tree), *got = NULL;
		size_t len = 0, at;
		FILE *out = open_memstream(&got, &len);

		ASSERT(tree && want && out);
		jsonw__init(&w, out);
		emit(&w, tree, NULL);
		ASSERT_EQ_INT(0, jsonw__flush(&w));
		ASSERT_EQ_INT(0, w.depth);
		ASSERT_EQ_INT(0, fclose(out));
		at = first_diff(want, strlen(want), got, len);
		if (at != strlen(want) || len != strlen(want))
			FAIL_AT("round %d: %zu bytes from cJSON, %zu written; first difference at %zu: "
				"\"%.40s\" against \"%.40s\"", round, strlen(want), len, at, want + at,
				got + at);
		cJSON_Delete(tree);
		free(want);
		free(got);
	}
}

TEST(jsonw_numbers_read_as_cjson_prints_them)
{
	char text[JSONW_NUM_MAX];

	for (int i = 0; i < 200000; i++) {
		double v = awkward();
		cJSON *n = cJSON_CreateNumber(v);
		char *want = cJSON_PrintUnformatted(n);

		ASSERT(want);
		jsonw__num_text(v, text, sizeof(text));
		if (strcmp(want, text))
			FAIL_AT("%a: cJSON prints \"%s\", the writer \"%s\"", v, want, text);
		cJSON_Delete(n);
		free(want);
	}
}

/* Every escaped byte on its own, and each byte above it as it is. */
TEST(jsonw_escapes_each_byte_as_cjson_does)
{
	static struct jsonw w;
	char s[2] = { 0, 0 }, *got = NULL, *want;
	size_t len = 0;

	for (int c = 1; c < 256; c++) {
		FILE *out = open_memstream(&got, &len);
		cJSON *str;

		s[0] = (char)c;
		str = cJSON_CreateString(s);
		want = cJSON_Print(str);
		ASSERT(out && want);
		jsonw__init(&w, out);
		jsonw__str(&w, NULL, s);
		ASSERT_EQ_INT(0, jsonw__flush(&w));
		ASSERT_EQ_INT(0, fclose(out));
		if (strcmp(want, got))
			FAIL_AT("byte 0x%02x: cJSON prints %s, the writer %s", c, want, got);
		cJSON_Delete(str);
		free(want);
		free(got);
		got = NULL;
	}
}

/* Nesting past its bound, a close of the wrong kind and a failed write
 * are errors that stick, not bad output. */
TEST(jsonw_refuses_bad_nesting_and_reports_write_errors)
{
	static struct jsonw w;
	FILE *full = fopen("/dev/full", "w");
	FILE *null = fopen("/dev/null", "w");

	ASSERT(full && null);
	jsonw__init(&w, null);
	for (int i = 0; i <= JSONW_DEPTH; i++)
		jsonw__array(&w, NULL);
	ASSERT_EQ_INT(-E2BIG, jsonw__flush(&w));
	jsonw__init(&w, null);
	jsonw__object(&w, NULL);
	jsonw__array_end(&w);
	ASSERT_EQ_INT(-EINVAL, jsonw__flush(&w));
	jsonw__init(&w, null);
	jsonw__object_end(&w);
	ASSERT_EQ_INT(-EINVAL, jsonw__flush(&w));
	setvbuf(full, NULL, _IONBF, 0);
	jsonw__init(&w, full);
	jsonw__array(&w, NULL);
	for (int i = 0; i < 10000; i++)
		jsonw__str(&w, NULL, "a string that fills the buffer before long");
	jsonw__array_end(&w);
	ASSERT_EQ_INT(-ENOSPC, jsonw__flush(&w));
	fclose(full);
	fclose(null);
}
