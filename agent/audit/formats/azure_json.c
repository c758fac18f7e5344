/* Azure Monitor resource logs for Blob storage (StorageBlobLogs, categories
 * StorageRead/StorageWrite/StorageDelete) -> events. Shapes: JSON lines
 * (insights-logs-storageread/.../PT1H.json) and {"records":[...]}.
 *
 * The Log Analytics table spells the same fields in PascalCase
 * (TimeGenerated, OperationName, CallerIpAddress, ...); both are read.
 * callerIpAddress carries a port ("52.239.246.0:45762", "<Redacted>:62289"),
 * which is dropped; objectKey is "/account/container/blob" or a URL.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "audit/audit_internal.h"
#include "lib/isotime.h"
#include "audit/formats/jsonrec.h"

/* A member in camelCase (resource log) or PascalCase (Log Analytics). */
static const char *get(const cJSON *o, const char *camel, const char *pascal)
{
	const char *s = jsonrec__str(o, camel);

	return *s ? s : jsonrec__str(o, pascal);
}

static const cJSON *obj(const cJSON *o, const char *camel, const char *pascal)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, camel);

	return it ? it : cJSON_GetObjectItemCaseSensitive(o, pascal);
}

static void caller_ip(struct rec_strs *r, const char *ip, struct audit_event *ev)
{
	const char *colon = strrchr(ip, ':');

	/* v4:port drops the port; a bare v6 address has several colons. */
	if (colon && strchr(ip, ':') == colon)
		ev->source_ip = rec__intern(r, ip, (size_t)(colon - ip));
	else if (ip[0] == '[' && colon && colon > ip && colon[-1] == ']')
		ev->source_ip = rec__intern(r, ip + 1, (size_t)(colon - ip - 2));
	else
		ev->source_ip = rec__intern_str(r, ip);
}

static void principal(struct rec_strs *r, const cJSON *rec, struct audit_event *ev)
{
	const cJSON *id = obj(rec, "identity", "Identity");
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(id, "requester");
	const char *type = get(id, "type", "AuthenticationType");
	const char *upn = jsonrec__str(req, "upn");
	const char *oid = jsonrec__str(req, "objectId");

	if (!*type)
		type = jsonrec__str(rec, "AuthenticationType");
	ev->access_key = rec__intern_str(r, type);
	ev->principal_account = "";
	ev->principal_kind = GW_PK_OWN;
	if (strcasecmp(type, "Anonymous") == 0) {
		ev->principal_type = GW_PT_ANONYMOUS;
		ev->principal_kind = GW_PK_ANONYMOUS;
		ev->principal = rec__intern_str(r, "anonymous");
	} else if (*upn || *oid) {
		ev->principal_type = *upn ? GW_PT_USER : GW_PT_ROLE;
		ev->principal = rec__intern_str(r, *upn ? upn : oid);
		/* A managed identity acts on behalf of the Azure resource it is
		 * assigned to: identity.delegatedResource names that resource. */
		if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(id, "delegatedResource")))
			ev->principal_kind = GW_PK_WORKLOAD;
	} else {
		/* AccountKey or SAS: the key's hash names the credential. */
		const char *th = get(id, "tokenHash", "AuthenticationHash");

		ev->principal_type = GW_PT_UNKNOWN;
		ev->principal = rec__intern_str(r, *th ? th : type);
		ev->key_long_term = strcmp(type, "AccountKey") == 0;
		if (strcasecmp(type, "SAS") == 0)
			ev->principal_kind = GW_PK_SAS;
	}
}

int azure__head(struct rec_strs *r, const char *t, const char *op, size_t off,
		int (*action)(const char *), struct audit_event *ev)
{
	if (!*op || iso8601__parse(t, strlen(t), &ev->time_ms) < 0) {
		audit_ctx__skip_at(r->c, off, "%s", !*op ? "no operationName" : "no valid time");
		return -1;
	}
	ev->cloud = GW_CLOUD_AZURE;
	ev->api = rec__intern_str(r, op);
	ev->action = (uint8_t)audit_ctx__memo(r->c, ev->api, action);
	return 0;
}

static int record(struct audit_ctx *c, const cJSON *rec, size_t off)
{
	const cJSON *props = obj(rec, "properties", "Properties");
	struct audit_event ev = { 0 };
	struct rec_strs r = { .c = c };
	const char *t = get(rec, "time", "TimeGenerated"), *op, *key, *st;
	uint64_t status;

	op = get(rec, "operationName", "OperationName");
	if (azure__head(&r, t, op, off, azure__action, &ev) < 0)
		return 0;
	status = jsonrec__u64(rec, "statusCode");
	if (!status)
		status = jsonrec__u64(rec, "StatusCode");
	st = get(rec, "statusText", "StatusText");
	ev.outcome = status && status < 400 ? GW_OUT_OK :
		     (status == 401 || status == 403 || strstr(st, "Authoriz")) ? GW_OUT_DENIED :
		     status ? GW_OUT_ERROR : GW_OUT_OK;
	ev.error_code = ev.outcome == GW_OUT_OK ? "" : rec__intern_str(&r, st);
	principal(&r, rec, &ev);
	caller_ip(&r, get(rec, "callerIpAddress", "CallerIpAddress"), &ev);
	ev.region = rec__intern_str(&r, get(rec, "location", "Location"));
	ev.request_id = rec__intern_str(&r, get(rec, "correlationId", "CorrelationId"));
	ev.account = rec__intern_str(&r, get(props, "accountName", "AccountName"));
	ev.user_agent = rec__intern_str(&r, get(props, "userAgentHeader", "UserAgentHeader"));
	ev.service = rec__intern_str(&r, get(props, "serviceType", "ServiceType"));
	ev.bytes_out = jsonrec__u64(props, "responseBodySize") + jsonrec__u64(rec, "ResponseBodySize");
	ev.bytes_in = jsonrec__u64(props, "requestBodySize") + jsonrec__u64(rec, "RequestBodySize");
	ev.bucket = ev.object_key = "";
	key = get(props, "objectKey", "ObjectKey");
	if (!*key)
		key = jsonrec__str(rec, "ObjectKey");
	azure__split_key(&r, key, strlen(key), 1, &ev);
	return rec__finish(&r, &ev, off);
}

int azure_json__detect(const char *buf, size_t len)
{
	return jsonrec__starts_json(buf, len) &&
	       (jsonrec__has(buf, len, "\"operationName\"") ||
		jsonrec__has(buf, len, "\"OperationName\"")) &&
	       (jsonrec__has(buf, len, "Microsoft.Storage") ||
		jsonrec__has(buf, len, "\"callerIpAddress\"") ||
		jsonrec__has(buf, len, "\"CallerIpAddress\""));
}

static const struct json_ops ops = { .rec = record, .key = "records" };

int azure_json__parse(struct audit_ctx *c, const char *buf, size_t len)
{
	return json_stream__all(c, &ops, buf, len);
}

size_t azure_json__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err)
{
	return json_stream__chunk(c, &ops, buf, len, final, err);
}
