/* AWS CloudTrail records -> audit events.
 *
 * Accepted shapes: the delivery format {"Records":[...]}, a JSON array of
 * records, JSON lines (one record per line, as exporters write them), and a
 * single bare record. Digest files (CloudTrail-Digest/...) describe other
 * files rather than API calls: they are counted and produce no event.
 *
 * Field names are looked up case-insensitively (cJSON_GetObjectItem): real
 * logs spell requestParameters' "key"/"Key" and "host"/"Host" both ways.
 * A record's own fields are found in one pass over its members (ct_index)
 * rather than one list walk per field, which was a quarter of the time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "audit/audit_internal.h"
#include "audit/jsonarena.h"
#include "audit/isotime.h"

#define DETECT_WINDOW 65536

/* The top-level fields of a record that are read. */
enum ct_key {
	K_TIME, K_NAME, K_UID, K_RECIPIENT, K_SOURCE, K_IP, K_UA, K_REGION, K_REQ,
	K_EXTRA, K_ERROR, K_REQID, K_EVID, K_MGMT, K_CATEGORY, K_N
};

#define KEY(s) { s, sizeof(s) - 1 }
static const struct {
	const char *name;
	size_t len;
} ct_keys[K_N] = {
	[K_TIME] = KEY("eventTime"), [K_NAME] = KEY("eventName"),
	[K_UID] = KEY("userIdentity"), [K_RECIPIENT] = KEY("recipientAccountId"),
	[K_SOURCE] = KEY("eventSource"), [K_IP] = KEY("sourceIPAddress"),
	[K_UA] = KEY("userAgent"), [K_REGION] = KEY("awsRegion"),
	[K_REQ] = KEY("requestParameters"), [K_EXTRA] = KEY("additionalEventData"),
	[K_ERROR] = KEY("errorCode"), [K_REQID] = KEY("requestID"), [K_EVID] = KEY("eventID"),
	[K_MGMT] = KEY("managementEvent"), [K_CATEGORY] = KEY("eventCategory"),
};

struct ct_rec {
	struct audit_ctx *c;
	int oom;                  /* an intern failed: the record is dropped;
				   * 2 when for bad bytes (invalid UTF-8, too long) */
	const cJSON *f[K_N];      /* the record's fields, NULL when absent */
};

/* Fill r->f from rec's members in one pass; the first member whose name
 * matches case-insensitively wins, as with cJSON_GetObjectItem. */
static void ct_index(struct ct_rec *r, const cJSON *rec)
{
	size_t n;

	for (const cJSON *it = rec->child; it; it = it->next) {
		if (!it->string)
			continue;
		n = strlen(it->string);
		for (int k = 0; k < K_N; k++) {
			if (ct_keys[k].len == n && !r->f[k] && strcasecmp(it->string, ct_keys[k].name) == 0) {
				r->f[k] = it;
				break;
			}
		}
	}
}

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

static const char *sval(const cJSON *it)
{
	return cJSON_IsString(it) && it->valuestring ? it->valuestring : "";
}

static const char *jstr(const cJSON *obj, const char *key)
{
	return sval(cJSON_GetObjectItem(obj, key));
}

/* A top-level string field of the record. */
static const char *fstr(const struct ct_rec *r, enum ct_key k)
{
	return sval(r->f[k]);
}

static const char *intern_n(struct ct_rec *r, const char *s, size_t n)
{
	const char *p;
	int bad_bytes = 0;

	if (n == 0)
		return "";
	p = audit_ctx__intern(r->c, s, n, &bad_bytes);
	if (!p) {
		r->oom = bad_bytes ? 2 : 1;
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

static void fill_principal(struct ct_rec *r, struct audit_event *ev)
{
	const cJSON *uid = r->f[K_UID];
	const cJSON *issuer;
	const char *p;

	ev->principal_type = (uint8_t)principal_type(jstr(uid, "type"));
	ev->access_key = intern(r, jstr(uid, "accessKeyId"));
	ev->key_long_term = strncmp(ev->access_key, "AKIA", 4) == 0;
	p = fstr(r, K_RECIPIENT);
	ev->account = intern(r, *p ? p : jstr(uid, "accountId"));
	if (ev->principal_type == GW_PT_SERVICE) {
		p = jstr(uid, "invokedBy");
		ev->principal = intern(r, *p ? p : fstr(r, K_SOURCE));
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

static int action(const char *name, const char *source, const struct ct_rec *r)
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
	mgmt = r->f[K_MGMT];
	if (cJSON_IsTrue(mgmt) || strcmp(fstr(r, K_CATEGORY), "Management") == 0)
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

static void fill_event(struct ct_rec *r, struct audit_event *ev)
{
	const cJSON *req = r->f[K_REQ];
	const cJSON *extra = r->f[K_EXTRA];
	const char *key;

	ev->cloud = GW_CLOUD_AWS;
	fill_principal(r, ev);
	ev->source_ip = intern(r, fstr(r, K_IP));
	ev->user_agent = user_agent(r, fstr(r, K_UA));
	ev->region = intern(r, fstr(r, K_REGION));
	ev->service = intern(r, fstr(r, K_SOURCE));
	ev->api = intern(r, fstr(r, K_NAME));
	ev->action = (uint8_t)action(ev->api, ev->service, r);
	ev->bucket = intern(r, jstr(req, "bucketName"));
	key = jstr(req, "key");
	ev->object_key = intern(r, key);
	ev->error_code = intern(r, fstr(r, K_ERROR));
	ev->outcome = (uint8_t)outcome(ev->error_code);
	ev->request_id = intern(r, fstr(r, K_REQID));
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

/* Count one record and fill *ev from it. 1 when it is an event (*id is
 * its eventID, in rec's memory), 0 when it was skipped (counted, logged). */
static int record_parse(struct audit_ctx *c, const cJSON *rec, size_t off, long idx,
			struct audit_event *ev, const char **id)
{
	struct ct_rec r = { .c = c };
	const char *t, *name;

	c->st->records++;
	memset(ev, 0, sizeof(*ev));
	if (!cJSON_IsObject(rec)) {
		skip(c, off, idx, "not a JSON object");
		return 0;
	}
	ct_index(&r, rec);
	t = fstr(&r, K_TIME);
	name = fstr(&r, K_NAME);
	if (!*t || iso8601__parse(t, strlen(t), &ev->time_ms) < 0 || !*name) {
		skip(c, off, idx, !*name ? "no eventName" : "no valid eventTime");
		return 0;
	}
	fill_event(&r, ev);
	if (r.oom) {
		c->st->skip_bad_bytes += r.oom == 2;
		skip(c, off, idx, r.oom == 2 ? "invalid UTF-8, NUL byte or over-long field" :
			"out of memory");
		return 0;
	}
	/* eventID is unique per event; one request may log several events */
	*id = fstr(&r, K_EVID);
	return 1;
}

static int record(struct audit_ctx *c, const cJSON *rec, size_t off, long idx)
{
	struct audit_event ev;
	const char *id = "";

	if (record_parse(c, rec, off, idx, &ev, &id) <= 0)
		return 0;
	return audit_ctx__emit_id(c, &ev, id, strlen(id));
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

/* The delivery format {"Records":[...]} is parsed one record at a time:
 * each record's tree is small and still in cache when it is read, and the
 * memory no longer grows with the file (a whole-file tree was about seven
 * times the file). The events are held back until the whole value has been
 * parsed, so that anything else (damaged JSON, other members, too many
 * records) goes the whole-value way below with the same result as ever. */
#define CT_STREAM_MAX ((size_t)1 << 18)

struct ct_pending {
	struct audit_event *ev;
	size_t *idoff;            /* where each event's eventID starts in ids */
	char *ids;
	size_t n, cap, idlen, idcap;
};

static int pending_add(struct ct_pending *p, const struct audit_event *ev, const char *id)
{
	size_t n = strlen(id) + 1, cap;
	void *a, *b;

	if (p->n == p->cap) {
		cap = p->cap ? p->cap * 2 : 1024;
		a = realloc(p->ev, cap * sizeof(*p->ev));
		if (a)
			p->ev = a;
		b = realloc(p->idoff, cap * sizeof(*p->idoff));
		if (b)
			p->idoff = b;
		if (!a || !b)
			return -ENOMEM;
		p->cap = cap;
	}
	if (p->idcap - p->idlen < n) {
		cap = p->idcap ? p->idcap * 2 : 64 * 1024;
		while (cap - p->idlen < n)
			cap *= 2;
		a = realloc(p->ids, cap);
		if (!a)
			return -ENOMEM;
		p->ids = a;
		p->idcap = cap;
	}
	memcpy(p->ids + p->idlen, id, n);
	p->idoff[p->n] = p->idlen;
	p->idlen += n;
	p->ev[p->n++] = *ev;
	return 0;
}

/* Where the first record starts after `{"Records":[`, or 0. */
static size_t stream_start(const char *buf, size_t len)
{
	size_t pos = 0;

	if (pos >= len || buf[pos] != '{')
		return 0;
	pos = skip_ws(buf, len, pos + 1);
	if (len - pos < 9 || memcmp(buf + pos, "\"Records\"", 9) != 0)
		return 0;
	pos = skip_ws(buf, len, pos + 9);
	if (pos >= len || buf[pos] != ':')
		return 0;
	pos = skip_ws(buf, len, pos + 1);
	if (pos >= len || buf[pos] != '[')
		return 0;
	return skip_ws(buf, len, pos + 1);
}

/* Parse the records of the value at buf into p. The value's length, or 0
 * when it is not a well-formed delivery object this path takes. */
static size_t stream_parse(struct audit_ctx *c, const char *buf, size_t len, size_t off,
			   struct ct_pending *p)
{
	size_t pos = stream_start(buf, len);
	struct audit_event ev;
	const char *end, *id;
	long i = 0;
	cJSON *it;
	int r;

	if (!pos)
		return 0;
	while (pos < len && buf[pos] != ']') {
		it = cJSON_ParseWithLengthOpts(buf + pos, len - pos, &end, 0);
		if (!it) {
			json_arena__reset();
			return 0;
		}
		id = "";
		r = record_parse(c, it, off, i++, &ev, &id);
		if (r > 0 && pending_add(p, &ev, id) < 0)
			r = -1;
		json_arena__drop(it);
		if (r < 0 || p->n > CT_STREAM_MAX)
			return 0;
		pos = skip_ws(buf, len, (size_t)(end - buf));
		if (pos < len && buf[pos] == ',')
			pos = skip_ws(buf, len, pos + 1);
		else if (pos >= len || buf[pos] != ']')
			return 0;
		else
			break;
		if (pos < len && buf[pos] == ']')
			return 0;     /* a trailing comma */
	}
	if (pos >= len)
		return 0;
	pos = skip_ws(buf, len, pos + 1);
	return pos < len && buf[pos] == '}' ? pos + 1 : 0;
}

/* A delivery object at buf (at offset off of the file): its records are
 * delivered and its length returned, with *err the callback's return; or
 * 0, with nothing delivered or counted, when the whole-value path must take
 * it. */
static size_t ct_stream(struct audit_ctx *c, const char *buf, size_t len, size_t off, int *err)
{
	struct audit_stats snap = *c->st;
	struct ct_pending p = { 0 };
	size_t n = stream_parse(c, buf, len, off, &p);

	if (!n)
		*c->st = snap;
	for (size_t i = 0; n && i < p.n && !*err; i++)
		*err = audit_ctx__emit_id(c, &p.ev[i], p.ids + p.idoff[i], strlen(p.ids + p.idoff[i]));
	free(p.ev);
	free(p.idoff);
	free(p.ids);
	return n;
}

static size_t next_line(const char *buf, size_t len, size_t pos)
{
	const char *nl = memchr(buf + pos, '\n', len - pos);

	return nl ? (size_t)(nl - buf) + 1 : len;
}

int cloudtrail__parse(struct audit_ctx *c, const char *buf, size_t len)
{
	size_t pos = skip_ws(buf, len, 0), nvalues = 0, n;
	const char *end = NULL;
	cJSON *root;
	int err = 0;

	/* Concatenated top-level values: one for a delivery file, one per line
	 * for JSON lines. A line that does not parse is skipped, not fatal. */
	while (!err && pos < len) {
		/* the delivery format, one record at a time */
		n = ct_stream(c, buf + pos, len - pos, pos, &err);
		if (n) {
			nvalues++;
			pos = skip_ws(buf, len, pos + n);
			continue;
		}
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
		json_arena__drop(root);
		pos = skip_ws(buf, len, (size_t)(end - buf));
	}
	return err;
}
