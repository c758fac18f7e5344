/* JSON record iteration for the JSON log formats (GCS, Azure resource logs,
 * MinIO, CloudTrail): JSON lines, a JSON array of records,
 * {"records":[...]} (Azure's Event Hub and archive shape, CloudTrail's
 * delivery files), or one bare record; concatenated values are read one
 * after the other. The input comes chunk by chunk: arrays are read
 * element by element, and a value is read once it is whole in the chunk.
 * A value that does not parse is skipped up to the next line, so one bad
 * line of a JSON-lines file costs one record.
 */
#include <errno.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cjson/cJSON.h>

#include "audit/audit_internal.h"
#include "audit/jsonarena.h"
#include "audit/formats/jsonrec.h"
#include "lib/log.h"

enum { JS_TOP = 0, JS_ARRAY, JS_RECORDS, JS_RECORDS_END };

static int is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static size_t skip_ws(const char *buf, size_t len, size_t pos)
{
	while (pos < len && is_ws(buf[pos]))
		pos++;
	return pos;
}

/* The closing quote of the string whose body starts at p, or NULL when
 * it is not in [p, end). */
static const char *string_end(const char *p, const char *end)
{
	for (;;) {
#if defined(__SSE2__)
		const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');

		while (end - p >= 16) {
			__m128i w = _mm_loadu_si128((const __m128i *)(const void *)p);
			int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(w, quote),
							       _mm_cmpeq_epi8(w, bslash)));

			if (m) {
				p += __builtin_ctz((unsigned)m);
				break;
			}
			p += 16;
		}
#endif
		while (p < end && *p != '"' && *p != '\\')
			p++;
		if (p >= end)
			return NULL;
		if (*p == '"')
			return p;
		p += 2;   /* an escape: the next byte is never the end */
		if (p > end)
			return NULL;
	}
}

/* Where the JSON value at p ends, by its brackets and strings alone (cJSON
 * judges the rest): 1 with *out past it, 0 when it is not whole before
 * end (with final, a scalar may end there), -1 when no value starts at p. */
static int frame(const char *p, const char *end, int final, const char **out)
{
	const char *q = p;
	long depth = 0;

	if (*q == '"') {
		q = string_end(q + 1, end);
		*out = q ? q + 1 : NULL;
		return q ? 1 : 0;
	}
	if (*q == '}' || *q == ']' || *q == ',' || *q == ':')
		return -1;
	if (*q != '{' && *q != '[') {
		while (q < end && !is_ws(*q) && *q != ',' && *q != ']' && *q != '}' && *q != '"')
			q++;
		*out = q;
		return q < end || final ? 1 : 0;
	}
	for (; q < end; q++) {
		if (*q == '"') {
			q = string_end(q + 1, end);
			if (!q)
				return 0;
		} else if (*q == '{' || *q == '[') {
			depth++;
		} else if ((*q == '}' || *q == ']') && --depth == 0) {
			*out = q + 1;
			return 1;
		}
	}
	return 0;
}

/* `{"KEY":[` at buf: its length, 0 when the value is something else, -1
 * when the chunk ends before it can tell. */
static long records_start(const char *buf, size_t len, const char *key)
{
	size_t pos = skip_ws(buf, len, 1), kn = strlen(key);

	if (pos >= len)
		return -1;
	if (buf[pos] != '"')
		return 0;
	if (len - pos - 1 < kn + 1)
		return memcmp(buf + pos + 1, key, len - pos - 1 < kn ? len - pos - 1 : kn) == 0 ? -1 : 0;
	if (memcmp(buf + pos + 1, key, kn) != 0 || buf[pos + 1 + kn] != '"')
		return 0;
	pos = skip_ws(buf, len, pos + 2 + kn);
	if (pos >= len)
		return -1;
	if (buf[pos] != ':')
		return 0;
	pos = skip_ws(buf, len, pos + 1);
	if (pos >= len)
		return -1;
	return buf[pos] == '[' ? (long)pos + 1 : 0;
}

/* jsonrec's value reader: an array element is one record; a top-level
 * object is one record, or holds them in ops->key. */
static int default_value(struct audit_ctx *c, const struct json_ops *ops, const cJSON *v,
			 size_t off, long idx)
{
	const cJSON *recs = NULL, *it;
	int err;

	if (idx < 0 && cJSON_IsObject(v))
		recs = cJSON_GetObjectItemCaseSensitive(v, ops->key);
	if (!cJSON_IsArray(recs)) {
		c->st->records++;
		if (!cJSON_IsObject(v)) {
			audit_ctx__skip_at(c, off, "not a JSON object");
			return 0;
		}
		return ops->schema ? jscan__tree(c, ops->schema, ops->norm, ops->nfields, v, off)
				   : ops->rec(c, v, off);
	}
	cJSON_ArrayForEach(it, recs) {
		err = default_value(c, ops, it, off, 0);
		if (err)
			return err;
	}
	return 0;
}

static size_t next_line(const char *buf, size_t len, size_t pos)
{
	const char *nl = memchr(buf + pos, '\n', len - pos);

	return nl ? (size_t)(nl - buf) + 1 : len;
}

/* A value that cJSON does not take: skipped to the next line, and an array
 * being read is left (what follows is read as top-level values). 0 with
 * *pos moved on, -EBADMSG for a first value on the stream's last line, or
 * 1 when the next line is not in the chunk yet. */
static int broken(struct audit_ctx *c, const char *buf, size_t len, size_t *pos, int final)
{
	size_t next = next_line(buf, len, *pos);

	if (next >= len && !final)
		return 1;
	/* a lone broken value is not JSON at all; a broken first line of
	 * JSON lines is one bad record like any other */
	if (c->js.nvalues == 0 && next >= len)
		return -EBADMSG;
	c->st->records++;
	c->js.nvalues++;
	audit_ctx__skip_at(c, *pos, "invalid JSON");
	c->js.mode = JS_TOP;
	*pos = next;
	return 0;
}

/* One value at buf[*pos]: 0 read (or skipped), 1 not whole in the chunk
 * yet, or a negative errno. */

/* The fast path of ops, if it has one (see struct json_ops.scan). */
static int scan_value(struct audit_ctx *c, const struct json_ops *ops, const char *p,
		      const char *end, const char **next, size_t off, long idx, int *err)
{
	if (ops->schema)
		return jscan__take(c, ops->schema, ops->norm, ops->nfields, p, end, next, off,
				   idx < 0, err);
	return ops->scan && ops->scan(c, p, end, next, off, idx, idx < 0, err);
}
static int one_value(struct audit_ctx *c, const struct json_ops *ops, const char *buf,
		     size_t len, size_t *pos, int final)
{
	long idx = c->js.mode == JS_TOP ? -1 : c->js.idx;
	const char *p = buf + *pos, *vend = NULL, *end;
	cJSON *v;
	int err = 0, r;

	if (!(c->flags & AUDIT_READ_NO_SCAN) && scan_value(c, ops, p, buf + len, &end, *pos, idx, &err)) {
		c->scanned++;
		*pos = (size_t)(end - buf);
		c->js.nvalues++;
		c->js.idx++;
		return err;
	}
	r = frame(p, buf + len, final, &vend);
	if (r == 0 && !final)
		return 1;
	v = r > 0 ? cJSON_ParseWithLengthOpts(p, (size_t)(vend - p), &end, 0) : NULL;
	if (!v || end != vend) {
		if (v)
			json_arena__drop(v);
		else
			json_arena__reset();
		return broken(c, buf, len, pos, final);
	}
	c->js.nvalues++;
	c->js.idx++;
	err = (ops->value ? ops->value : default_value)(c, ops, v, *pos, idx);
	json_arena__drop(v);
	*pos = (size_t)(vend - buf);
	return err;
}

/* Members after the records array, up to the object's '}': passed over.
 * 0 done, 1 not whole in the chunk yet, -1 not JSON. */
static int records_end(const char *buf, size_t len, size_t *pos, int final)
{
	size_t p = *pos;
	const char *vend;
	int r;

	while ((p = skip_ws(buf, len, p)) < len && buf[p] == ',') {
		p = skip_ws(buf, len, p + 1);
		if (p < len && buf[p] != '"')
			return -1;
		if (p >= len || (r = frame(buf + p, buf + len, final, &vend)) == 0)
			return 1;
		p = skip_ws(buf, len, (size_t)(vend - buf));
		if (p < len && buf[p] != ':')
			return -1;
		p = skip_ws(buf, len, p + 1);
		if (p >= len || (r = frame(buf + p, buf + len, final, &vend)) == 0)
			return 1;
		if (r < 0)
			return -1;
		p = (size_t)(vend - buf);
	}
	if (p >= len)
		return 1;
	if (buf[p] != '}')
		return -1;
	*pos = p + 1;
	return 0;
}

/* Inside an array: a ',' or the closing ']' before the next element. 0 go
 * on, 1 not in the chunk yet, 2 the array ended, -1 not JSON. */
static int separator(struct audit_ctx *c, const char *buf, size_t len, size_t *pos)
{
	if (*pos >= len)
		return 1;
	if (buf[*pos] == ']') {
		(*pos)++;
		return 2;
	}
	if (c->js.idx == 0)
		return 0;
	if (buf[*pos] != ',')
		return -1;
	*pos = skip_ws(buf, len, *pos + 1);
	return *pos >= len ? 1 : buf[*pos] == ']' ? -1 : 0;
}

/* A top-level value starts at buf[*pos]: an array or a records object is
 * entered; 0 entered, 1 not in the chunk yet, 2 a value to read whole. */
static int top_start(struct audit_ctx *c, const struct json_ops *ops, const char *buf, size_t len,
		     size_t *pos)
{
	long n;

	if (buf[*pos] == '[') {
		c->js.mode = JS_ARRAY;
	} else if (buf[*pos] == '{' && ops->key) {
		n = records_start(buf + *pos, len - *pos, ops->key);
		if (n < 0)
			return 1;
		if (n == 0)
			return 2;
		c->js.mode = JS_RECORDS;
		*pos += (size_t)n - 1;
	} else {
		return 2;
	}
	(*pos)++;
	c->js.idx = 0;
	return 0;
}

/* One step at buf[*pos] (not white space): 0 go on, 1 wait for more, or a
 * negative errno. */
static int step(struct audit_ctx *c, const struct json_ops *ops, const char *buf, size_t len,
		size_t *pos, int final)
{
	int r;

	switch (c->js.mode) {
	case JS_TOP:
		r = top_start(c, ops, buf, len, pos);
		if (r == 1 && final)
			r = 2;
		return r == 2 ? one_value(c, ops, buf, len, pos, final) : r;
	case JS_RECORDS_END:
		r = records_end(buf, len, pos, final);
		if (r == 0)
			c->js.mode = JS_TOP;
		return r < 0 || (r == 1 && final) ? broken(c, buf, len, pos, final) : r;
	default:
		r = separator(c, buf, len, pos);
		if (r == 2)
			c->js.mode = c->js.mode == JS_RECORDS ? JS_RECORDS_END : JS_TOP;
		if (r == 2 || (r == 1 && !final))
			return r == 2 ? 0 : 1;
		if (r != 0)
			return broken(c, buf, len, pos, final);
		*pos = skip_ws(buf, len, *pos);
		return one_value(c, ops, buf, len, pos, final);
	}
}

size_t json_stream__chunk(struct audit_ctx *c, const struct json_ops *ops, const char *buf,
			  size_t len, int final, int *err)
{
	size_t pos = 0;
	int r = 0;

	if (c->base == 0 && len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	*err = 0;
	while ((pos = skip_ws(buf, len, pos)) < len) {
		size_t at = pos;

		r = step(c, ops, buf, len, &pos, final);
		if (r < 0) {
			*err = r;
			break;
		}
		if (r == 1) {
			pos = at;
			break;
		}
	}
	if (final && c->js.mode != JS_TOP && !*err && !(c->flags & AUDIT_READ_PEEK) &&
	    c->warnings++ < AUDIT_MAX_RECORD_WARNINGS)
		log_warn("%s: the JSON array is not closed at the end", c->path);
	return final ? len : pos;
}

int json_stream__all(struct audit_ctx *c, const struct json_ops *ops, const char *buf, size_t len)
{
	int err = 0;

	json_stream__chunk(c, ops, buf, len, 1, &err);
	return err;
}

int jsonrec__each(struct audit_ctx *c, const char *buf, size_t len, jsonrec_fn fn)
{
	const struct json_ops ops = { .rec = fn, .key = "records" };

	return json_stream__all(c, &ops, buf, len);
}

const char *jsonrec__str(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(it) && it->valuestring ? it->valuestring : "";
}

uint64_t jsonrec__u64(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	const char *s;
	uint64_t v = 0;

	if (cJSON_IsNumber(it))
		return it->valuedouble >= 0 && it->valuedouble < 1.8e19 ? (uint64_t)it->valuedouble : 0;
	if (!cJSON_IsString(it) || !it->valuestring)
		return 0;
	for (s = it->valuestring; *s >= '0' && *s <= '9' && s - it->valuestring < 19; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	return *s && !(*s == 'n' && s[1] == 's') ? 0 : v;
}

/* Find needle in the first 64 KiB of buf. */
int jsonrec__has(const char *buf, size_t len, const char *needle)
{
	size_t n = len < 65536 ? len : 65536;

	return memmem(buf, n, needle, strlen(needle)) != NULL;
}

int jsonrec__starts_json(const char *buf, size_t len)
{
	size_t pos = skip_ws(buf, len, len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0);

	return pos < len && (buf[pos] == '{' || buf[pos] == '[');
}
