/* AWS CloudTrail records -> audit events.
 *
 * Accepted shapes: the delivery format {"Records":[...]}, a JSON array of
 * records, JSON lines (one record per line, as exporters write them), and a
 * single bare record. Digest files (CloudTrail-Digest/...) describe other
 * files rather than API calls: they are counted and produce no event.
 *
 * Field names are looked up case-insensitively (cJSON_GetObjectItem): real
 * logs spell requestParameters' "key"/"Key" and "host"/"Host" both ways.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit/audit_internal.h"
#include "audit/jsonarena.h"
#include "audit/isotime.h"

#define DETECT_WINDOW 65536

struct ct_rec {
	struct audit_ctx *c;
	int oom;                  /* an intern failed: the record is dropped;
				   * 2 when for bad bytes (invalid UTF-8, too long) */
};

static size_t skip_ws(const char *buf, size_t len, size_t pos)
{
	if (pos == 0 && len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len && (buf[pos] == ' ' || buf[pos] == '\t' || buf[pos] == '\n' ||
			     buf[pos] == '\r'))
		pos++;
	return pos;
}

int cloudtrail__detect(const char *buf, size_t len)
{
	static const char *const marks[] = { "\"eventVersion\"", "\"eventTime\"", "\"Records\"",
					     "\"digestStartTime\"", "\"userIdentity\"" };
	size_t pos = skip_ws(buf, len, 0);
	size_t n = len - pos < DETECT_WINDOW ? len - pos : DETECT_WINDOW;

	if (pos == len || (buf[pos] != '{' && buf[pos] != '['))
		return 0;
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (memmem(buf + pos, n, marks[i], strlen(marks[i])))
			return 1;
	return 0;
}

static const char *jstr(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItem(obj, key);

	return cJSON_IsString(it) && it->valuestring ? it->valuestring : "";
}

static const char *intern_n(struct ct_rec *r, const char *s, size_t n)
{
	const char *p;

	if (n > AUDIT_MAX_FIELD || !utf8__valid(s, n)) {
		r->oom = 2;
		return "";
	}
	p = strpool__intern(r->c->pool, s, n);

	if (!p) {
		r->oom = 1;
		return "";
	}
	return p;
}

static const char *intern(struct ct_rec *r, const char *s)
{
	return intern_n(r, s, strlen(s));
}

/* A byte count written as a number or as a string of digits. */
static uint64_t ju64(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItem(obj, key);
	unsigned long long v;
	char *end;

	if (cJSON_IsNumber(it))
		return it->valuedouble >= 0 && it->valuedouble < 1.8e19 ? (uint64_t)it->valuedouble : 0;
	if (!cJSON_IsString(it) || !it->valuestring || it->valuestring[0] < '0' ||
	    it->valuestring[0] > '9')
		return 0;
	errno = 0;
	v = strtoull(it->valuestring, &end, 10);
	return errno || *end ? 0 : (uint64_t)v;
}

static int principal_type(const char *type)
{
	static const struct {
		const char *name;
		int type;
	} map[] = {
		{ "IAMUser", GW_PT_USER },      { "AssumedRole", GW_PT_ROLE },
		{ "FederatedUser", GW_PT_ROLE }, { "Root", GW_PT_ROOT },
		{ "AWSService", GW_PT_SERVICE }, { "AWSAccount", GW_PT_ACCOUNT },
		{ "anonymous", GW_PT_ANONYMOUS }, { "IdentityCenterUser", GW_PT_USER },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(type, map[i].name) == 0)
			return map[i].type;
	return GW_PT_UNKNOWN;
}

static void fill_principal(struct ct_rec *r, const cJSON *rec, struct audit_event *ev)
{
	const cJSON *uid = cJSON_GetObjectItem(rec, "userIdentity");
	const cJSON *issuer;
	const char *p;

	ev->principal_type = (uint8_t)principal_type(jstr(uid, "type"));
	ev->access_key = intern(r, jstr(uid, "accessKeyId"));
	ev->key_long_term = strncmp(ev->access_key, "AKIA", 4) == 0;
	p = jstr(rec, "recipientAccountId");
	ev->account = intern(r, *p ? p : jstr(uid, "accountId"));
	if (ev->principal_type == GW_PT_SERVICE) {
		p = jstr(uid, "invokedBy");
		ev->principal = intern(r, *p ? p : jstr(rec, "eventSource"));
		return;
	}
	/* Anonymous S3 requests come as type AWSAccount with accountId "anonymous". */
	if (ev->principal_type == GW_PT_ANONYMOUS || strcmp(jstr(uid, "accountId"), "anonymous") == 0) {
		ev->principal_type = GW_PT_ANONYMOUS;
		ev->principal = intern(r, "anonymous");
		return;
	}
	p = jstr(uid, "arn");
	if (!*p && ev->principal_type == GW_PT_ROLE) {
		issuer = cJSON_GetObjectItem(cJSON_GetObjectItem(uid, "sessionContext"), "sessionIssuer");
		p = jstr(issuer, "arn");
	}
	if (!*p)
		p = jstr(uid, "principalId");
	if (!*p)
		p = jstr(uid, "accountId");
	ev->principal = intern(r, p);
}

static int name_in(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

#define NAME_IN(name, list) name_in(name, list, sizeof(list) / sizeof(list[0]))

static int is_s3(const char *source)
{
	return strcmp(source, "s3.amazonaws.com") == 0 || strcmp(source, "s3-outposts.amazonaws.com") == 0;
}

static int action(const char *name, const char *source, const cJSON *rec)
{
	static const char *const reads[] = { "GetObject", "GetObjectVersion",
					     "SelectObjectContent", "GetObjectTorrent" };
	static const char *const writes[] = { "PutObject", "CopyObject", "CompleteMultipartUpload",
					      "CreateMultipartUpload", "UploadPart", "UploadPartCopy",
					      "RestoreObject" };
	static const char *const deletes[] = { "DeleteObject", "DeleteObjects" };
	/* Calls that reveal what exists without reading data. */
	static const char *const lists[] = { "GetBucketLocation", "HeadBucket", "HeadObject" };
	const cJSON *mgmt;

	if (strstr(name, "Policy") || strstr(name, "Acl") || strstr(name, "PublicAccessBlock"))
		return GW_ACT_PERMISSION;
	if (NAME_IN(name, reads))
		return GW_ACT_OBJECT_READ;
	if (NAME_IN(name, writes))
		return GW_ACT_OBJECT_WRITE;
	if (NAME_IN(name, deletes))
		return GW_ACT_OBJECT_DELETE;
	if (strncmp(name, "List", 4) == 0 || NAME_IN(name, lists))
		return GW_ACT_LIST;
	if (is_s3(source))
		return GW_ACT_MANAGEMENT;
	mgmt = cJSON_GetObjectItem(rec, "managementEvent");
	if (cJSON_IsTrue(mgmt) || strcmp(jstr(rec, "eventCategory"), "Management") == 0)
		return GW_ACT_MANAGEMENT;
	return GW_ACT_OTHER;
}

static int outcome(const char *code)
{
	if (!*code)
		return GW_OUT_OK;
	if (strncmp(code, "AccessDenied", 12) == 0 || strstr(code, "Unauthorized") ||
	    strstr(code, "Forbidden") || strcmp(code, "AllAccessDisabled") == 0)
		return GW_OUT_DENIED;
	return GW_OUT_ERROR;
}

static const char *user_agent(struct ct_rec *r, const char *ua)
{
	size_t n = strlen(ua);

	/* S3 data events wrap the agent in brackets: "[aws-cli/2.17 ...]". */
	if (n >= 2 && ua[0] == '[' && ua[n - 1] == ']')
		return intern_n(r, ua + 1, n - 2);
	return intern_n(r, ua, n);
}

static void fill_event(struct ct_rec *r, const cJSON *rec, struct audit_event *ev)
{
	const cJSON *req = cJSON_GetObjectItem(rec, "requestParameters");
	const cJSON *extra = cJSON_GetObjectItem(rec, "additionalEventData");
	const char *key;

	ev->cloud = GW_CLOUD_AWS;
	fill_principal(r, rec, ev);
	ev->source_ip = intern(r, jstr(rec, "sourceIPAddress"));
	ev->user_agent = user_agent(r, jstr(rec, "userAgent"));
	ev->region = intern(r, jstr(rec, "awsRegion"));
	ev->service = intern(r, jstr(rec, "eventSource"));
	ev->api = intern(r, jstr(rec, "eventName"));
	ev->action = (uint8_t)action(ev->api, ev->service, rec);
	ev->bucket = intern(r, jstr(req, "bucketName"));
	key = jstr(req, "key");
	ev->object_key = intern(r, key);
	ev->error_code = intern(r, jstr(rec, "errorCode"));
	ev->outcome = (uint8_t)outcome(ev->error_code);
	ev->request_id = intern(r, jstr(rec, "requestID"));
	ev->bytes_out = ju64(extra, "bytesTransferredOut");
	ev->bytes_in = ju64(extra, "bytesTransferredIn");
}

/* Where a record is, for warnings: its index in a Records array or a
 * top-level array (idx >= 0), or the byte offset of a top-level value. */
static void skip(struct audit_ctx *c, size_t off, long idx, const char *why)
{
	if (idx >= 0)
		audit_ctx__skip(c, "record %ld: %s", idx, why);
	else
		audit_ctx__skip(c, "record at offset %zu: %s", off, why);
}

static int record(struct audit_ctx *c, const cJSON *rec, size_t off, long idx)
{
	struct audit_event ev = { 0 };
	struct ct_rec r = { .c = c };
	const char *t, *name;

	c->st->records++;
	if (!cJSON_IsObject(rec)) {
		skip(c, off, idx, "not a JSON object");
		return 0;
	}
	t = jstr(rec, "eventTime");
	name = jstr(rec, "eventName");
	if (!*t || iso8601__parse(t, strlen(t), &ev.time_ms) < 0 || !*name) {
		skip(c, off, idx, !*name ? "no eventName" : "no valid eventTime");
		return 0;
	}
	fill_event(&r, rec, &ev);
	if (r.oom) {
		c->st->skip_bad_bytes += r.oom == 2;
		skip(c, off, idx, r.oom == 2 ? "invalid UTF-8, NUL byte or over-long field" :
			"out of memory");
		return 0;
	}
	return audit_ctx__emit(c, &ev);
}

static int is_digest(const cJSON *obj)
{
	return cJSON_GetObjectItem(obj, "digestStartTime") ||
	       cJSON_GetObjectItem(obj, "digestS3Object") ||
	       cJSON_GetObjectItem(obj, "digestEndTime");
}

static int records(struct audit_ctx *c, const cJSON *arr, size_t off)
{
	const cJSON *it;
	long i = 0;
	int err;

	cJSON_ArrayForEach(it, arr) {
		err = record(c, it, off, i++);
		if (err)
			return err;
	}
	return 0;
}

static int top_value(struct audit_ctx *c, const cJSON *root, size_t off)
{
	const cJSON *recs;

	if (cJSON_IsArray(root))
		return records(c, root, off);
	if (!cJSON_IsObject(root))
		return record(c, root, off, -1);
	recs = cJSON_GetObjectItem(root, "Records");
	if (cJSON_IsArray(recs))
		return records(c, recs, off);
	if (is_digest(root)) {
		c->st->digests++;
		return 0;
	}
	return record(c, root, off, -1);
}

static size_t next_line(const char *buf, size_t len, size_t pos)
{
	const char *nl = memchr(buf + pos, '\n', len - pos);

	return nl ? (size_t)(nl - buf) + 1 : len;
}

int cloudtrail__parse(struct audit_ctx *c, const char *buf, size_t len)
{
	size_t pos = skip_ws(buf, len, 0), nvalues = 0;
	const char *end = NULL;
	cJSON *root;
	int err = 0;

	/* Concatenated top-level values: one for a delivery file, one per line
	 * for JSON lines. A line that does not parse is skipped, not fatal. */
	while (!err && pos < len) {
		root = cJSON_ParseWithLengthOpts(buf + pos, len - pos, &end, 0);
		if (!root) {
			json_arena__reset();
			if (nvalues == 0)
				return -EBADMSG;
			c->st->records++;
			audit_ctx__skip(c, "record at offset %zu: invalid JSON", pos);
			pos = skip_ws(buf, len, next_line(buf, len, pos));
			continue;
		}
		nvalues++;
		err = top_value(c, root, pos);
		cJSON_Delete(root);
		json_arena__reset();
		pos = skip_ws(buf, len, (size_t)(end - buf));
	}
	return err;
}
