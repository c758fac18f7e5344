/* MinIO audit log records (audit webhook / console target) -> events.
 *
 * The format drifted across versions; all of these are read:
 *   2018: api {name, args {bucket, object}}, no status
 *   2019-2022: api {name, bucket, object, status, statusCode, timeTo...},
 *              requestClaims {accessKey}
 *   2023+: api {..., rx, tx, timeToResponseInNS}, accessKey at the top
 * The access key comes from accessKey, requestClaims.accessKey, or the
 * Credential= of the SigV4 Authorization header, in that order.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit_internal.h"
#include "lib/isotime.h"
#include "audit/formats/jscan.h"
#include "audit/formats/jsonrec.h"

static int action(const char *name)
{
	static const char *const reads[] = { "GetObject", "SelectObjectContent", "GetObjectTorrent" };
	static const char *const writes[] = { "PutObject", "CompleteMultipartUpload",
					      "NewMultipartUpload", "PutObjectPart", "PostPolicyBucket",
					      "PutObjectExtract", "RestoreObject" };
	static const char *const lists[] = { "HeadObject", "HeadBucket", "GetBucketLocation" };

	if (strstr(name, "Policy") || strstr(name, "ACL") || strstr(name, "Acl"))
		return GW_ACT_PERMISSION;
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
		if (strcmp(name, reads[i]) == 0)
			return GW_ACT_OBJECT_READ;
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		if (strcmp(name, writes[i]) == 0)
			return GW_ACT_OBJECT_WRITE;
	if (strcmp(name, "CopyObject") == 0 || strcmp(name, "CopyObjectPart") == 0)
		return GW_ACT_OBJECT_COPY;
	if (strcmp(name, "DeleteObject") == 0 || strcmp(name, "DeleteMultipleObjects") == 0)
		return GW_ACT_OBJECT_DELETE;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strcmp(name, lists[i]) == 0)
			return GW_ACT_LIST;
	if (strncmp(name, "List", 4) == 0)
		return GW_ACT_LIST;
	if (strstr(name, "Bucket") || strncmp(name, "Admin", 5) == 0)
		return GW_ACT_MANAGEMENT;
	return GW_ACT_OTHER;
}

/* The members read. */
enum {
	F_TIME, F_ACCESS_KEY, F_REMOTE, F_UA, F_REQID, F_DEPLOYMENT, F_NODE, F_REQ_NODE, F_REQ_HOST,
	F_NAME, F_BUCKET, F_OBJECT, F_STATUS_CODE, F_STATUS, F_RX, F_TX, F_ARG_BUCKET,
	F_ARG_OBJECT, F_CLAIM_KEY, F_AUTH, F_N
};

static const struct jmember args_m[] = { JM("bucket", F_ARG_BUCKET), JM("object", F_ARG_OBJECT) };
static struct jschema args_s = JSCHEMA(args_m);
static const struct jmember api_m[] = {
	JM("name", F_NAME), JM("bucket", F_BUCKET), JM("object", F_OBJECT),
	JM("statusCode", F_STATUS_CODE), JM("status", F_STATUS), JM("rx", F_RX), JM("tx", F_TX),
	JM_OBJ("args", -1, &args_s, 0, 0),
};
static struct jschema api_s = JSCHEMA(api_m);
static const struct jmember claims_m[] = { JM("accessKey", F_CLAIM_KEY) };
static struct jschema claims_s = JSCHEMA(claims_m);
static const struct jmember header_m[] = { JM("Authorization", F_AUTH) };
static struct jschema header_s = JSCHEMA(header_m);
static const struct jmember rec_m[] = {
	JM("time", F_TIME), JM("accessKey", F_ACCESS_KEY), JM("remotehost", F_REMOTE),
	JM("userAgent", F_UA), JM("requestID", F_REQID), JM("deploymentid", F_DEPLOYMENT),
	JM("node", F_NODE), JM("requestNode", F_REQ_NODE), JM("requestHost", F_REQ_HOST),
	JM_OBJ("api", -1, &api_s, 0, 0), JM_OBJ("requestClaims", -1, &claims_s, 0, 0),
	JM_OBJ("requestHeader", -1, &header_s, 0, 0), JM_F("records", -1, JM_MARK),
};
static struct jschema rec_s = JSCHEMA(rec_m);

#define STR(f) jv__str(&v[f])

/* The slots of c->last the fields that repeat from record to record go
 * through (jv__intern). */
enum { L_SERVICE, L_KEY, L_ANON, L_STATUS, L_IP, L_UA, L_ACCOUNT, L_BUCKET };

static void access_key(struct rec_strs *r, const struct jv *v, struct audit_event *ev)
{
	const struct jv *ak = &v[F_ACCESS_KEY];
	const char *cred, *slash;

	if (!*jv__str(ak))
		ak = &v[F_CLAIM_KEY];
	if (*jv__str(ak)) {
		ev->access_key = jv__intern(r, L_KEY, ak);
		return;
	}
	cred = strstr(STR(F_AUTH), "Credential=");
	if (!cred) {
		ev->access_key = "";
		return;
	}
	cred += 11;
	slash = strchr(cred, '/');
	ev->access_key = rec__intern(r, cred, slash ? (size_t)(slash - cred) : strlen(cred));
}

/* A request id is unique on the node that served it only: the event id is
 * requestID, deployment and node ("node", older "requestNode" or
 * "requestHost"), so that a retried delivery is dropped and two nodes'
 * requests are not. */
static int finish(struct rec_strs *r, const struct jv *v, const struct audit_event *ev,
		  size_t off)
{
	const char *node = STR(F_NODE);
	const char *part[3];
	char id[512];
	size_t n = 0, k;

	if (r->bad)
		return rec__finish(r, ev, off);
	if (!*node)
		node = STR(F_REQ_NODE);
	if (!*node)
		node = STR(F_REQ_HOST);
	/* requestID|deploymentid|node, when it fits */
	part[0] = ev->request_id;
	part[1] = ev->account;
	part[2] = node;
	for (int i = 0; i < 3; i++) {
		k = strlen(part[i]);
		if (k + 1 > sizeof(id) - n)
			return rec__finish(r, ev, off);
		memcpy(id + n, part[i], k);
		n += k;
		id[n++] = '|';
	}
	if (!*ev->request_id)
		return rec__finish(r, ev, off);
	return audit_ctx__emit_id(r->c, ev, id, n - 1);
}

static int record(struct audit_ctx *c, const struct jv *v, size_t off)
{
	struct audit_event ev = { 0 };
	struct rec_strs r = { .c = c };
	const char *t = STR(F_TIME), *name = STR(F_NAME), *b, *o;
	uint64_t status;

	if (!*name || iso8601__parse(t, v[F_TIME].n, &ev.time_ms) < 0) {
		audit_ctx__skip_at(c, off, "%s",
				!*name ? "no api.name" : "no valid time");
		return 0;
	}
	ev.cloud = GW_CLOUD_MINIO;
	ev.service = jv__intern(&r, L_SERVICE, JV_LIT("minio"));
	ev.api = rec__intern(&r, name, v[F_NAME].n);
	ev.action = (uint8_t)audit_ctx__memo(c, ev.api, action);
	b = STR(F_BUCKET);
	o = STR(F_OBJECT);
	ev.bucket = jv__intern(&r, L_BUCKET, &v[*b ? F_BUCKET : F_ARG_BUCKET]);
	ev.object_key = rec__intern_str(&r, *o ? o : STR(F_ARG_OBJECT));
	access_key(&r, v, &ev);
	/* MinIO users are named by their access key. */
	ev.principal = ev.access_key;
	ev.principal_type = *ev.access_key ? GW_PT_USER : GW_PT_ANONYMOUS;
	ev.principal_kind = *ev.access_key ? GW_PK_OWN : GW_PK_ANONYMOUS;
	ev.principal_account = "";
	ev.key_long_term = 1;
	if (!*ev.access_key)
		ev.principal = jv__intern(&r, L_ANON, JV_LIT("anonymous"));
	status = jv__u64(&v[F_STATUS_CODE]);
	ev.outcome = status < 400 ? GW_OUT_OK : status == 401 || status == 403 ? GW_OUT_DENIED :
		     GW_OUT_ERROR;
	ev.error_code = ev.outcome == GW_OUT_OK ? "" : jv__intern(&r, L_STATUS, &v[F_STATUS]);
	ev.source_ip = jv__intern(&r, L_IP, &v[F_REMOTE]);
	ev.user_agent = jv__intern(&r, L_UA, &v[F_UA]);
	ev.request_id = rec__unique(&r, STR(F_REQID), strlen(STR(F_REQID)));
	ev.account = jv__intern(&r, L_ACCOUNT, &v[F_DEPLOYMENT]);
	ev.region = "";
	ev.bytes_in = jv__u64(&v[F_RX]);
	ev.bytes_out = jv__u64(&v[F_TX]);
	return finish(&r, v, &ev, off);
}

int minio__detect(const char *buf, size_t len)
{
	return jsonrec__starts_json(buf, len) && jsonrec__has(buf, len, "\"api\"") &&
	       (jsonrec__has(buf, len, "\"deploymentid\"") ||
		jsonrec__has(buf, len, "\"remotehost\""));
}

static const struct json_ops ops = {
	.key = "records", .schema = &rec_s, .norm = record, .nfields = F_N,
};

int minio__parse(struct audit_ctx *c, const char *buf, size_t len)
{
	return json_stream__all(c, &ops, buf, len);
}

size_t minio__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err)
{
	return json_stream__chunk(c, &ops, buf, len, final, err);
}
