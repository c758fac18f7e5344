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

static void access_key(struct rec_strs *r, const cJSON *rec, struct audit_event *ev)
{
	const char *ak = jsonrec__str(rec, "accessKey"), *cred, *slash;

	if (!*ak)
		ak = jsonrec__str(cJSON_GetObjectItemCaseSensitive(rec, "requestClaims"), "accessKey");
	if (*ak) {
		ev->access_key = rec__intern_str(r, ak);
		return;
	}
	cred = strstr(jsonrec__str(cJSON_GetObjectItemCaseSensitive(rec, "requestHeader"),
				   "Authorization"), "Credential=");
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
static int finish(struct rec_strs *r, const cJSON *rec, const struct audit_event *ev,
		  size_t off)
{
	const char *node = jsonrec__str(rec, "node");
	char id[512];
	int n;

	if (r->bad)
		return rec__finish(r, ev, off);
	if (!*node)
		node = jsonrec__str(rec, "requestNode");
	if (!*node)
		node = jsonrec__str(rec, "requestHost");
	n = snprintf(id, sizeof(id), "%s|%s|%s", ev->request_id, ev->account, node);
	if (!*ev->request_id || n < 0 || (size_t)n >= sizeof(id))
		return rec__finish(r, ev, off);
	return audit_ctx__emit_id(r->c, ev, id, (size_t)n);
}

static int record(struct audit_ctx *c, const cJSON *rec, size_t off)
{
	const cJSON *api = cJSON_GetObjectItemCaseSensitive(rec, "api");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(api, "args");
	struct audit_event ev = { 0 };
	struct rec_strs r = { .c = c };
	const char *t = jsonrec__str(rec, "time"), *name = jsonrec__str(api, "name"), *b, *o;
	uint64_t status;

	if (!*name || iso8601__parse(t, strlen(t), &ev.time_ms) < 0) {
		audit_ctx__skip_at(c, off, "%s",
				!*name ? "no api.name" : "no valid time");
		return 0;
	}
	ev.cloud = GW_CLOUD_MINIO;
	ev.service = rec__intern_str(&r, "minio");
	ev.api = rec__intern_str(&r, name);
	ev.action = (uint8_t)audit_ctx__memo(c, ev.api, action);
	b = jsonrec__str(api, "bucket");
	o = jsonrec__str(api, "object");
	ev.bucket = rec__intern_str(&r, *b ? b : jsonrec__str(args, "bucket"));
	ev.object_key = rec__intern_str(&r, *o ? o : jsonrec__str(args, "object"));
	access_key(&r, rec, &ev);
	/* MinIO users are named by their access key. */
	ev.principal = ev.access_key;
	ev.principal_type = *ev.access_key ? GW_PT_USER : GW_PT_ANONYMOUS;
	ev.principal_kind = *ev.access_key ? GW_PK_OWN : GW_PK_ANONYMOUS;
	ev.principal_account = "";
	ev.key_long_term = 1;
	if (!*ev.access_key)
		ev.principal = rec__intern_str(&r, "anonymous");
	status = jsonrec__u64(api, "statusCode");
	ev.outcome = status < 400 ? GW_OUT_OK : status == 401 || status == 403 ? GW_OUT_DENIED :
		     GW_OUT_ERROR;
	ev.error_code = ev.outcome == GW_OUT_OK ? "" : rec__intern_str(&r, jsonrec__str(api, "status"));
	ev.source_ip = rec__intern_str(&r, jsonrec__str(rec, "remotehost"));
	ev.user_agent = rec__intern_str(&r, jsonrec__str(rec, "userAgent"));
	t = jsonrec__str(rec, "requestID");
	ev.request_id = rec__unique(&r, t, strlen(t));
	ev.account = rec__intern_str(&r, jsonrec__str(rec, "deploymentid"));
	ev.region = "";
	ev.bytes_in = jsonrec__u64(api, "rx");
	ev.bytes_out = jsonrec__u64(api, "tx");
	return finish(&r, rec, &ev, off);
}

int minio__detect(const char *buf, size_t len)
{
	return jsonrec__starts_json(buf, len) && jsonrec__has(buf, len, "\"api\"") &&
	       (jsonrec__has(buf, len, "\"deploymentid\"") ||
		jsonrec__has(buf, len, "\"remotehost\""));
}

static const struct json_ops ops = { .rec = record, .key = "records" };

int minio__parse(struct audit_ctx *c, const char *buf, size_t len)
{
	return json_stream__all(c, &ops, buf, len);
}

size_t minio__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err)
{
	return json_stream__chunk(c, &ops, buf, len, final, err);
}
