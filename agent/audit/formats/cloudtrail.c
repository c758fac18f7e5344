/* AWS CloudTrail records -> audit events.
 *
 * Accepted shapes: the delivery format {"Records":[...]}, a JSON array of
 * records, JSON lines (one record per line, as exporters write them), and a
 * single bare record. Digest files (CloudTrail-Digest/...) describe other
 * files rather than API calls: they are counted and produce no event.
 *
 * Field names are looked up case-insensitively (cJSON_GetObjectItem): real
 * logs spell requestParameters' "key"/"Key" and "host"/"Host" both ways.
 * The fields read are gathered first (struct ct_fields): by the scanner
 * (cloudtrail_scan.c) straight from the bytes of the delivery format's
 * records and of JSON lines, or from a cJSON tree for whatever the scanner
 * declines. Both find the same fields, and one normalizer makes the event
 * of them. The file comes as a stream (jsonrec.c): the Records array is
 * read record by record, never as a whole.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "audit/audit_internal.h"
#include "audit/formats/cloudtrail_fields.h"
#include "audit/formats/jsonrec.h"
#include "audit/jsonarena.h"
#include "lib/isotime.h"

#define DETECT_WINDOW 65536

/* The top-level members of a record that are read, in a cJSON tree. */
enum ct_key {
	K_TIME, K_NAME, K_UID, K_RECIPIENT, K_SOURCE, K_IP, K_UA, K_REGION, K_REQ,
	K_EXTRA, K_ERROR, K_REQID, K_EVID, K_MGMT, K_CATEGORY, K_TS, K_RESP, K_RES, K_N
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
	[K_TS] = KEY("@timestamp"), [K_RESP] = KEY("responseElements"),
	[K_RES] = KEY("resources"),
};

/* Where each scalar of ct_fields comes from in the tree: a top-level
 * member (K_*), or a member of userIdentity, requestParameters or
 * additionalEventData. */
static const struct {
	int field, parent;        /* parent: K_UID, K_REQ, K_EXTRA or -1 */
	const char *name;
} ct_tree[] = {
	{ F_TIME, -1, NULL }, { F_NAME, -1, NULL }, { F_RECIPIENT, -1, NULL },
	{ F_SOURCE, -1, NULL }, { F_IP, -1, NULL }, { F_UA, -1, NULL },
	{ F_REGION, -1, NULL }, { F_ERROR, -1, NULL }, { F_REQID, -1, NULL },
	{ F_EVID, -1, NULL }, { F_MGMT, -1, NULL }, { F_CATEGORY, -1, NULL }, { F_TS, -1, NULL },
	{ F_UID_TYPE, K_UID, "type" }, { F_UID_KEY, K_UID, "accessKeyId" },
	{ F_UID_ACCOUNT, K_UID, "accountId" }, { F_UID_INVOKED, K_UID, "invokedBy" },
	{ F_UID_ARN, K_UID, "arn" }, { F_UID_PRINCIPAL, K_UID, "principalId" },
	{ F_BUCKET, K_REQ, "bucketName" }, { F_KEY, K_REQ, "key" },
	{ F_BYTES_OUT, K_EXTRA, "bytesTransferredOut" }, { F_BYTES_IN, K_EXTRA, "bytesTransferredIn" },
	{ F_LOGIN, K_RESP, "ConsoleLogin" },
};

static const int top_key[F_TS + 1] = {
	[F_TIME] = K_TIME, [F_NAME] = K_NAME, [F_RECIPIENT] = K_RECIPIENT,
	[F_SOURCE] = K_SOURCE, [F_IP] = K_IP, [F_UA] = K_UA, [F_REGION] = K_REGION,
	[F_ERROR] = K_ERROR, [F_REQID] = K_REQID, [F_EVID] = K_EVID, [F_MGMT] = K_MGMT,
	[F_CATEGORY] = K_CATEGORY, [F_TS] = K_TS,
};

/* Find rec's members in one pass; the first member whose name matches
 * case-insensitively wins, as with cJSON_GetObjectItem. */
static void ct_index(const cJSON *f[K_N], const cJSON *rec)
{
	size_t n;

	for (const cJSON *it = rec->child; it; it = it->next) {
		if (!it->string)
			continue;
		n = strlen(it->string);
		for (int k = 0; k < K_N; k++) {
			if (ct_keys[k].len == n && !f[k] && strcasecmp(it->string, ct_keys[k].name) == 0) {
				f[k] = it;
				break;
			}
		}
	}
}

static void val_of(struct ct_val *v, const cJSON *it)
{
	if (!it) {
		v->type = CT_NONE;
	} else if (cJSON_IsString(it) && it->valuestring) {
		v->type = CT_STR;
		v->s = it->valuestring;
		v->n = strlen(it->valuestring);
	} else if (cJSON_IsNumber(it)) {
		v->type = CT_NUM;
		v->num = it->valuedouble;
	} else {
		v->type = cJSON_IsTrue(it) ? CT_TRUE : CT_OTHER;
	}
}

void ct_fields__of_tree(struct ct_fields *f, const cJSON *rec)
{
	const cJSON *k[K_N] = { 0 }, *issuer, *resp;

	ct_index(k, rec);
	for (size_t i = 0; i < sizeof(ct_tree) / sizeof(ct_tree[0]); i++) {
		int parent = ct_tree[i].parent;

		val_of(&f->v[ct_tree[i].field], parent < 0 ? k[top_key[ct_tree[i].field]] :
		       cJSON_GetObjectItem(k[parent], ct_tree[i].name));
	}
	issuer = cJSON_GetObjectItem(cJSON_GetObjectItem(k[K_UID], "sessionContext"), "sessionIssuer");
	val_of(&f->v[F_ISSUER_ARN], cJSON_GetObjectItem(issuer, "arn"));
	resp = k[K_RESP];
	val_of(&f->v[F_NEW_ARN], cJSON_GetObjectItem(cJSON_GetObjectItem(resp, "user"), "arn"));
	val_of(&f->v[F_NEW_KEY], cJSON_GetObjectItem(cJSON_GetObjectItem(resp, "accessKey"),
						     "accessKeyId"));
	f->raw_tree[0] = cJSON_IsObject(k[K_REQ]) ? k[K_REQ] : NULL;
	f->raw_tree[1] = cJSON_IsObject(k[K_EXTRA]) ? k[K_EXTRA] : NULL;
	f->raw_tree[2] = cJSON_IsObject(k[K_RESP]) ? k[K_RESP] : NULL;
	f->raw_tree[3] = cJSON_IsArray(k[K_RES]) ? k[K_RES] : NULL;
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
					     "\"digestStartTime\"", "\"userIdentity\"",
					     "\"eventSource\"" };
	size_t pos = skip_ws(buf, len, 0);
	size_t n = len - pos < DETECT_WINDOW ? len - pos : DETECT_WINDOW;

	if (pos == len || (buf[pos] != '{' && buf[pos] != '['))
		return 0;
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (memmem(buf + pos, n, marks[i], strlen(marks[i])))
			return 1;
	return 0;
}

/* Normalizing one record's fields. */
struct ct_rec {
	struct audit_ctx *c;
	const struct ct_fields *f;
	int oom;                  /* an intern failed: the record is dropped;
				   * 2 when for bad bytes (invalid UTF-8, too long) */
};

/* A string field: its bytes, none when it is missing or not a string. */
static const struct ct_val *fv(const struct ct_rec *r, enum ct_field k)
{
	static const struct ct_val none = { "", 0, 0, CT_NONE };
	const struct ct_val *v = &r->f->v[k];

	return v->type == CT_STR ? v : &none;
}

static int fv_is(const struct ct_rec *r, enum ct_field k, const char *s)
{
	const struct ct_val *v = fv(r, k);

	return v->n == strlen(s) && memcmp(v->s, s, v->n) == 0;
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

static const char *intern_v(struct ct_rec *r, const struct ct_val *v)
{
	return intern_n(r, v->s, v->n);
}

static const char *intern(struct ct_rec *r, enum ct_field k)
{
	return intern_v(r, fv(r, k));
}

/* A byte count written as a number or as a string of digits. */
static uint64_t fu64(const struct ct_rec *r, enum ct_field k)
{
	const struct ct_val *v = &r->f->v[k];
	uint64_t n = 0, d;

	if (v->type == CT_NUM)
		return v->num >= 0 && v->num < 1.8e19 ? (uint64_t)v->num : 0;
	if (v->type != CT_STR || v->n == 0)
		return 0;
	/* as strtoull would take it whole, without overflow */
	for (size_t i = 0; i < v->n; i++) {
		if (v->s[i] < '0' || v->s[i] > '9')
			return 0;
		d = (uint64_t)(v->s[i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			return 0;
		n = n * 10 + d;
	}
	return n;
}

static int principal_type(const struct ct_val *type)
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
		if (strlen(map[i].name) == type->n && strncasecmp(type->s, map[i].name, type->n) == 0)
			return map[i].type;
	return GW_PT_UNKNOWN;
}

/* The first of the string fields that is not empty, else the last. */
static const struct ct_val *first_of(const struct ct_rec *r, const enum ct_field *k, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && !fv(r, k[i])->n; i++)
		;
	return fv(r, k[i]);
}

/* The principal's kind: root, anonymous, the cloud's services, another
 * account (its accountId is not the recipient's), an instance session, or
 * one of the account's own identities. */
static void fill_kind(struct ct_rec *r, struct audit_event *ev)
{
	const struct ct_val *arn = fv(r, F_UID_ARN), *acct = fv(r, F_UID_ACCOUNT);
	const struct ct_val *rcpt = fv(r, F_RECIPIENT);

	ev->principal_account = intern_v(r, acct);
	switch (ev->principal_type) {
	case GW_PT_ROOT:
		ev->principal_kind = GW_PK_ROOT;
		return;
	case GW_PT_ANONYMOUS:
		ev->principal_kind = GW_PK_ANONYMOUS;
		return;
	case GW_PT_SERVICE:
		ev->principal_kind = GW_PK_SERVICE;
		return;
	default:
		break;
	}
	if (acct->n && rcpt->n && (acct->n != rcpt->n || memcmp(acct->s, rcpt->s, acct->n)))
		ev->principal_kind = GW_PK_FOREIGN;
	else if (ev->principal_type == GW_PT_ACCOUNT)
		ev->principal_kind = GW_PK_FOREIGN;
	else if (ev->principal_type == GW_PT_ROLE && audit__aws_instance_session(arn->s, arn->n))
		ev->principal_kind = GW_PK_WORKLOAD;
	else
		ev->principal_kind = GW_PK_OWN;
}

/* An account id that an exporter turned into a number. */
static const char *account_text(struct ct_rec *r, const struct ct_val *v)
{
	char buf[32];
	int n;

	if (v->type != CT_NUM || v->num < 0 || v->num >= 1e15)
		return intern_v(r, v);
	n = snprintf(buf, sizeof(buf), "%012.0f", v->num);
	return n > 0 && (size_t)n < sizeof(buf) ? intern_n(r, buf, (size_t)n) : "";
}

static void fill_principal(struct ct_rec *r, struct audit_event *ev)
{
	static const enum ct_field account[] = { F_RECIPIENT, F_UID_ACCOUNT };
	static const enum ct_field service[] = { F_UID_INVOKED, F_SOURCE };
	static const enum ct_field who[] = { F_UID_ARN, F_UID_PRINCIPAL, F_UID_ACCOUNT };
	static const enum ct_field role[] = { F_UID_ARN, F_ISSUER_ARN, F_UID_PRINCIPAL, F_UID_ACCOUNT };

	ev->principal_type = (uint8_t)principal_type(fv(r, F_UID_TYPE));
	ev->access_key = intern(r, F_UID_KEY);
	ev->key_long_term = strncmp(ev->access_key, "AKIA", 4) == 0;
	ev->account = intern_v(r, first_of(r, account, 2));
	if (!*ev->account)
		ev->account = account_text(r, r->f->v[F_RECIPIENT].type == CT_NUM ?
					   &r->f->v[F_RECIPIENT] : &r->f->v[F_UID_ACCOUNT]);
	/* Anonymous S3 requests come as type AWSAccount with accountId
	 * "anonymous" (or ANONYMOUS_PRINCIPAL in some event types). */
	if (fv_is(r, F_UID_ACCOUNT, "anonymous") || fv_is(r, F_UID_ACCOUNT, "ANONYMOUS_PRINCIPAL") ||
	    fv_is(r, F_UID_PRINCIPAL, "ANONYMOUS_PRINCIPAL"))
		ev->principal_type = GW_PT_ANONYMOUS;
	fill_kind(r, ev);
	if (ev->principal_type == GW_PT_SERVICE) {
		ev->principal = intern_v(r, first_of(r, service, 2));
		return;
	}
	if (ev->principal_type == GW_PT_ANONYMOUS) {
		ev->principal_account = "";
		ev->principal = intern_n(r, "anonymous", 9);
		return;
	}
	/* an assumed role without its own arn: the role it was issued by */
	if (ev->principal_type == GW_PT_ROLE)
		ev->principal = intern_v(r, first_of(r, role, 4));
	else
		ev->principal = intern_v(r, first_of(r, who, 3));
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
	static const char *const writes[] = { "PutObject", "CompleteMultipartUpload",
					      "CreateMultipartUpload", "UploadPart", "RestoreObject" };
	static const char *const copies[] = { "CopyObject", "UploadPartCopy" };
	static const char *const deletes[] = { "DeleteObject", "DeleteObjects" };
	/* Calls that reveal what exists without reading data. */
	static const char *const lists[] = { "GetBucketLocation", "HeadBucket", "HeadObject" };

	if (strstr(name, "Policy") || strstr(name, "Acl") || strstr(name, "PublicAccessBlock"))
		return GW_ACT_PERMISSION;
	if (NAME_IN(name, reads))
		return GW_ACT_OBJECT_READ;
	if (NAME_IN(name, writes))
		return GW_ACT_OBJECT_WRITE;
	if (NAME_IN(name, copies))
		return GW_ACT_OBJECT_COPY;
	if (NAME_IN(name, deletes))
		return GW_ACT_OBJECT_DELETE;
	if (strncmp(name, "List", 4) == 0 || NAME_IN(name, lists))
		return GW_ACT_LIST;
	if (is_s3(source))
		return GW_ACT_MANAGEMENT;
	if (r->f->v[F_MGMT].type == CT_TRUE || fv_is(r, F_CATEGORY, "Management"))
		return GW_ACT_MANAGEMENT;
	return GW_ACT_OTHER;
}

static int outcome(const char *code)
{
	if (!*code)
		return GW_OUT_OK;
	/* AccessDenied, AccessDeniedException, VpceAccessDenied, ... */
	if (strstr(code, "AccessDenied") || strstr(code, "Unauthorized") ||
	    strstr(code, "Forbidden") || strcmp(code, "AllAccessDisabled") == 0 ||
	    strcmp(code, "InvalidClientTokenId") == 0 || strcmp(code, "SignatureDoesNotMatch") == 0)
		return GW_OUT_DENIED;
	return GW_OUT_ERROR;
}

static const char *user_agent(struct ct_rec *r)
{
	const struct ct_val *ua = fv(r, F_UA);

	/* S3 data events wrap the agent in brackets: "[aws-cli/2.17 ...]". */
	if (ua->n >= 2 && ua->s[0] == '[' && ua->s[ua->n - 1] == ']')
		return intern_n(r, ua->s + 1, ua->n - 2);
	return intern_v(r, ua);
}

/* Which events carry their request's text (see audit_event.request):
 * not object reads, lists and single deletes, which are most of a trail
 * and which no content rule reads; a plain upload only when it asks for
 * an ACL, a grant or an encryption of its own. */
static int wants_request(const struct ct_rec *r, const struct audit_event *ev)
{
	static const char *const hot[] = { "PutObject", "UploadPart", "CreateMultipartUpload",
					   "CompleteMultipartUpload" };
	static const char *const marks[] = { "x-amz-server-side-encryption", "x-amz-acl",
					     "x-amz-grant", "SSE_C", "SSE_KMS" };
	const struct ct_val *req = &r->f->v[F_REQ_RAW], *extra = &r->f->v[F_EXTRA_RAW];

	if (ev->action == GW_ACT_OBJECT_READ || ev->action == GW_ACT_LIST ||
	    strcmp(ev->api, "DeleteObject") == 0)
		return 0;
	if (!NAME_IN(ev->api, hot) || r->f->raw_tree[0] || r->f->raw_tree[1])
		return 1;
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if ((req->type == CT_OTHER && memmem(req->s, req->n, marks[i], strlen(marks[i]))) ||
		    (extra->type == CT_OTHER && memmem(extra->s, extra->n, marks[i], strlen(marks[i]))))
			return 1;
	return 0;
}

/* {"requestParameters":..,"additionalEventData":..,"responseElements":..,"resources":[..]}
 * of the members the record has, each left out when it would not fit. */
static const char *request_text(struct ct_rec *r)
{
	static const char *const names[4] = { "requestParameters", "additionalEventData",
					      "responseElements", "resources" };
	char buf[AUDIT_MAX_FIELD];
	size_t off = 0, n;
	const char *s;
	char *printed;

	for (int i = 0; i < 4; i++) {
		const struct ct_val *v = &r->f->v[F_REQ_RAW + i];

		printed = NULL;
		if (v->type == CT_OTHER) {
			s = v->s;
			n = v->n;
		} else if (r->f->raw_tree[i] && (printed = cJSON_PrintUnformatted(r->f->raw_tree[i]))) {
			s = printed;
			n = strlen(printed);
		} else {
			continue;
		}
		if (off + strlen(names[i]) + n + 6 <= sizeof(buf)) {
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%c\"%s\":", off ? ',' : '{',
						names[i]);
			memcpy(buf + off, s, n);
			off += n;
		}
		cJSON_free(printed);
	}
	if (!off)
		return "";
	buf[off++] = '}';
	return intern_n(r, buf, off);
}

static void fill_event(struct ct_rec *r, struct audit_event *ev)
{
	ev->cloud = GW_CLOUD_AWS;
	fill_principal(r, ev);
	ev->source_ip = intern(r, F_IP);
	ev->user_agent = user_agent(r);
	ev->region = intern(r, F_REGION);
	ev->service = intern(r, F_SOURCE);
	ev->api = intern(r, F_NAME);
	ev->action = (uint8_t)action(ev->api, ev->service, r);
	ev->bucket = intern(r, F_BUCKET);
	ev->object_key = intern(r, F_KEY);
	ev->error_code = intern(r, F_ERROR);
	ev->outcome = (uint8_t)outcome(ev->error_code);
	ev->created = fv(r, F_NEW_KEY)->n ? intern(r, F_NEW_KEY) : intern(r, F_NEW_ARN);
	/* A failed console sign-in has no errorCode: responseElements says Failure. */
	if (!*ev->error_code && fv_is(r, F_LOGIN, "Failure")) {
		ev->error_code = intern_n(r, "ConsoleLoginFailure", 19);
		ev->outcome = GW_OUT_DENIED;
	}
	ev->request_id = intern(r, F_REQID);
	ev->bytes_out = fu64(r, F_BYTES_OUT);
	ev->bytes_in = fu64(r, F_BYTES_IN);
	ev->request = wants_request(r, ev) ? request_text(r) : "";
}

/* Where a record is, for warnings: its index in an array (idx >= 0) and
 * its offset in the chunk. */
static void skip(struct audit_ctx *c, size_t off, long idx, const char *why)
{
	if (idx >= 0)
		audit_ctx__skip_at(c, off, "record %ld: %s", idx, why);
	else
		audit_ctx__skip_at(c, off, "%s", why);
}

/* Count one record and fill *ev from its fields. 1 when it is an event
 * (*id is its eventID, in the fields' memory), 0 when it was skipped
 * (counted, logged). */
static int record_event(struct audit_ctx *c, const struct ct_fields *f, size_t off, long idx,
			struct audit_event *ev, struct ct_val *id)
{
	struct ct_rec r = { .c = c, .f = f };
	const struct ct_val *t = fv(&r, F_TIME), *name = fv(&r, F_NAME);

	/* Logstash and Elastic move eventTime into @timestamp */
	if (!t->n)
		t = fv(&r, F_TS);

	c->st->records++;
	memset(ev, 0, sizeof(*ev));
	if (!t->n || iso8601__parse(t->s, t->n, &ev->time_ms) < 0 || !name->n) {
		skip(c, off, idx, !name->n ? "no eventName" : "no valid eventTime");
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
	*id = *fv(&r, F_EVID);
	return 1;
}

/* record_event for a record in a cJSON tree. */
static int record_parse(struct audit_ctx *c, const cJSON *rec, size_t off, long idx,
			struct audit_event *ev, struct ct_val *id)
{
	struct ct_fields f;

	if (!cJSON_IsObject(rec)) {
		c->st->records++;
		memset(ev, 0, sizeof(*ev));
		skip(c, off, idx, "not a JSON object");
		return 0;
	}
	memset(&f, 0, sizeof(f));
	ct_fields__of_tree(&f, rec);
	return record_event(c, &f, off, idx, ev, id);
}

static int record(struct audit_ctx *c, const cJSON *rec, size_t off, long idx)
{
	struct audit_event ev;
	struct ct_val id;

	if (record_parse(c, rec, off, idx, &ev, &id) <= 0)
		return 0;
	return audit_ctx__emit_id(c, &ev, id.s, id.n);
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

/* The stream's values parsed with cJSON: a record of an array, or a
 * top-level value (a bare record, a digest, a Records object of another
 * shape). */
static int ct_value(struct audit_ctx *c, const struct json_ops *ops, const cJSON *v, size_t off,
		    long idx)
{
	(void)ops;
	return idx >= 0 ? record(c, v, off, idx) : top_value(c, v, off);
}

/* The scanner's way: a record of an array, or a top-level value that is a
 * bare record (one that may be a Records object or a digest goes the
 * cJSON way). */
static int ct_scan(struct audit_ctx *c, const char *p, const char *end, const char **next,
		   size_t off, long idx, int top, int *err)
{
	struct audit_event ev;
	struct ct_fields f;
	struct ct_val id;

	memset(&f, 0, sizeof(f));
	if (!ct_scan__record(p, end, &f, next) || (top && f.marked))
		return 0;
	if (record_event(c, &f, off, idx, &ev, &id) > 0)
		*err = audit_ctx__emit_id(c, &ev, id.s, id.n);
	return 1;
}

static const struct json_ops ct_ops = {
	.scan = ct_scan, .value = ct_value, .key = "Records",
};

size_t cloudtrail__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err)
{
	return json_stream__chunk(c, &ct_ops, buf, len, final, err);
}

int cloudtrail__parse(struct audit_ctx *c, const char *buf, size_t len)
{
	return json_stream__all(c, &ct_ops, buf, len);
}
