/* JSON record iteration for the JSON log formats (GCS, Azure resource logs,
 * MinIO): JSON lines, a JSON array of records, {"records":[...]} (Azure's
 * Event Hub and archive shape), or one bare record; concatenated values
 * are read one after the other. A value that does not parse is skipped up
 * to the next line, so one bad line of a JSON-lines file costs one record.
 */
#include <errno.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit/audit_internal.h"
#include "audit/jsonarena.h"
#include "audit/formats/jsonrec.h"

static size_t skip_ws(const char *buf, size_t len, size_t pos)
{
	if (pos == 0 && len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len && (buf[pos] == ' ' || buf[pos] == '\t' || buf[pos] == '\n' ||
			     buf[pos] == '\r'))
		pos++;
	return pos;
}

static int each_in(struct audit_ctx *c, const cJSON *arr, size_t off, jsonrec_fn fn)
{
	const cJSON *it;
	int err;

	cJSON_ArrayForEach(it, arr) {
		c->st->records++;
		if (!cJSON_IsObject(it)) {
			audit_ctx__skip(c, "record at offset %zu: not a JSON object", off);
			continue;
		}
		err = fn(c, it, off);
		if (err)
			return err;
	}
	return 0;
}

static int top_value(struct audit_ctx *c, const cJSON *root, size_t off, jsonrec_fn fn)
{
	const cJSON *recs;

	if (cJSON_IsArray(root))
		return each_in(c, root, off, fn);
	recs = cJSON_GetObjectItemCaseSensitive(root, "records");
	if (cJSON_IsArray(recs))
		return each_in(c, recs, off, fn);
	c->st->records++;
	if (!cJSON_IsObject(root)) {
		audit_ctx__skip(c, "record at offset %zu: not a JSON object", off);
		return 0;
	}
	return fn(c, root, off);
}

int jsonrec__each(struct audit_ctx *c, const char *buf, size_t len, jsonrec_fn fn)
{
	size_t pos = skip_ws(buf, len, 0), nvalues = 0;
	const char *end = NULL, *nl;
	cJSON *root;
	int err = 0;

	while (!err && pos < len) {
		root = cJSON_ParseWithLengthOpts(buf + pos, len - pos, &end, 0);
		if (!root) {
			json_arena__reset();
			if (nvalues == 0 && !memchr(buf + pos, '\n', len - pos))
				return -EBADMSG;
			c->st->records++;
			audit_ctx__skip(c, "record at offset %zu: invalid JSON", pos);
			nl = memchr(buf + pos, '\n', len - pos);
			pos = skip_ws(buf, len, nl ? (size_t)(nl - buf) + 1 : len);
			continue;
		}
		nvalues++;
		err = top_value(c, root, pos, fn);
		json_arena__drop(root);
		pos = skip_ws(buf, len, (size_t)(end - buf));
	}
	return err;
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
	size_t pos = skip_ws(buf, len, 0);

	return pos < len && (buf[pos] == '{' || buf[pos] == '[');
}
