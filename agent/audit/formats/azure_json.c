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
#include "audit/formats/jscan.h"
#include "audit/formats/jsonrec.h"

/* The members read, in camelCase (resource log) or PascalCase (Log
 * Analytics). identity/Identity and properties/Properties hold the same
 * members: the PascalCase object's fields follow the camelCase one's. */
enum {
	/* identity */
	F_ID_TYPE, F_ID_AUTH_TYPE, F_ID_UPN, F_ID_OID, F_ID_DELEGATED, F_ID_TOKEN, F_ID_HASH,
	F_ID_N,
	/* properties, after the two identities */
	F_P_ACCOUNT = 2 * F_ID_N, F_P_ACCOUNT_P, F_P_UA, F_P_UA_P, F_P_SERVICE, F_P_SERVICE_P,
	F_P_OUT, F_P_IN, F_P_KEY, F_P_KEY_P, F_P_END,
	F_P_N = F_P_END - F_P_ACCOUNT,
	/* the record's own members, after the two properties */
	F_TIME = F_P_ACCOUNT + 2 * F_P_N, F_TIME_P, F_OP, F_OP_P, F_STATUS, F_STATUS_P, F_TEXT,
	F_TEXT_P, F_AUTH_TYPE, F_IP, F_IP_P, F_LOCATION, F_LOCATION_P, F_CORR, F_CORR_P, F_OUT_P,
	F_IN_P, F_KEY_P, F_IDENTITY, F_IDENTITY_P, F_PROPS, F_PROPS_P, F_N
};

static const struct jmember req_m[] = { JM("upn", F_ID_UPN), JM("objectId", F_ID_OID) };
static struct jschema req_s = JSCHEMA(req_m);
static const struct jmember id_m[] = {
	JM("type", F_ID_TYPE), JM("AuthenticationType", F_ID_AUTH_TYPE),
	JM_OBJ("requester", -1, &req_s, 0, 0), JM("delegatedResource", F_ID_DELEGATED),
	JM("tokenHash", F_ID_TOKEN), JM("AuthenticationHash", F_ID_HASH),
};
static struct jschema id_s = JSCHEMA(id_m);
static const struct jmember props_m[] = {
	JM("accountName", F_P_ACCOUNT), JM("AccountName", F_P_ACCOUNT_P),
	JM("userAgentHeader", F_P_UA), JM("UserAgentHeader", F_P_UA_P),
	JM("serviceType", F_P_SERVICE), JM("ServiceType", F_P_SERVICE_P),
	JM("responseBodySize", F_P_OUT), JM("requestBodySize", F_P_IN),
	JM("objectKey", F_P_KEY), JM("ObjectKey", F_P_KEY_P),
};
static struct jschema props_s = JSCHEMA(props_m);
static const struct jmember rec_m[] = {
	JM("time", F_TIME), JM("TimeGenerated", F_TIME_P), JM("operationName", F_OP),
	JM("OperationName", F_OP_P), JM("statusCode", F_STATUS), JM("StatusCode", F_STATUS_P),
	JM("statusText", F_TEXT), JM("StatusText", F_TEXT_P),
	JM("AuthenticationType", F_AUTH_TYPE), JM("callerIpAddress", F_IP),
	JM("CallerIpAddress", F_IP_P), JM("location", F_LOCATION), JM("Location", F_LOCATION_P),
	JM("correlationId", F_CORR), JM("CorrelationId", F_CORR_P),
	JM("ResponseBodySize", F_OUT_P), JM("RequestBodySize", F_IN_P), JM("ObjectKey", F_KEY_P),
	JM_OBJ("identity", F_IDENTITY, &id_s, 0, 0),
	JM_OBJ("Identity", F_IDENTITY_P, &id_s, F_ID_N, 0),
	JM_OBJ("properties", F_PROPS, &props_s, 0, 0),
	JM_OBJ("Properties", F_PROPS_P, &props_s, F_P_N, 0),
	JM_F("records", -1, JM_MARK),
};
static struct jschema rec_s = JSCHEMA(rec_m);

/* A member in camelCase or, when that is empty, in PascalCase (field + 1). */
static const struct jv *getv(const struct jv *v, int camel)
{
	return *jv__str(&v[camel]) ? &v[camel] : &v[camel + 1];
}

static const char *get(const struct jv *v, int camel)
{
	return jv__str(getv(v, camel));
}

/* The slots of c->last the fields that repeat from record to record go
 * through (jv__intern). */
enum { L_API, L_ERR, L_AUTH, L_REGION, L_ACCOUNT, L_UA, L_SERVICE };

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

/* id: the fields of identity, or of Identity when identity is absent. */
static void principal(struct rec_strs *r, const struct jv *v, const struct jv *id,
		      struct audit_event *ev)
{
	const struct jv *tv = &id[F_ID_TYPE];
	const char *type, *upn = jv__str(&id[F_ID_UPN]);
	const char *oid = jv__str(&id[F_ID_OID]);

	if (!*jv__str(tv))
		tv = &id[F_ID_AUTH_TYPE];
	if (!*jv__str(tv))
		tv = &v[F_AUTH_TYPE];
	type = jv__str(tv);
	ev->access_key = jv__intern(r, L_AUTH, tv);
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
		if (id[F_ID_DELEGATED].type == JV_OBJ)
			ev->principal_kind = GW_PK_WORKLOAD;
	} else {
		/* AccountKey or SAS: the key's hash names the credential. */
		const char *th = get(id, F_ID_TOKEN);

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

static int record(struct audit_ctx *c, const struct jv *v, size_t off)
{
	const struct jv *id = v + (v[F_IDENTITY].type ? 0 : F_ID_N);
	const struct jv *props = v + (v[F_PROPS].type ? 0 : F_P_N);
	struct audit_event ev = { 0 };
	struct rec_strs r = { .c = c };
	const char *t = get(v, F_TIME), *op, *key, *st, *corr;
	uint64_t status;

	op = get(v, F_OP);
	if (azure__head(&r, t, op, off, azure__action, &ev) < 0)
		return 0;
	status = jv__u64(&v[F_STATUS]);
	if (!status)
		status = jv__u64(&v[F_STATUS_P]);
	st = get(v, F_TEXT);
	ev.outcome = status && status < 400 ? GW_OUT_OK :
		     (status == 401 || status == 403 || strstr(st, "Authoriz")) ? GW_OUT_DENIED :
		     status ? GW_OUT_ERROR : GW_OUT_OK;
	ev.error_code = ev.outcome == GW_OUT_OK ? "" : jv__intern(&r, L_ERR, getv(v, F_TEXT));
	principal(&r, v, id, &ev);
	caller_ip(&r, get(v, F_IP), &ev);
	ev.region = jv__intern(&r, L_REGION, getv(v, F_LOCATION));
	corr = get(v, F_CORR);
	/* unique to its request: copied, not looked up in the pool */
	ev.request_id = rec__unique(&r, corr, strlen(corr));
	ev.account = jv__intern(&r, L_ACCOUNT, getv(props, F_P_ACCOUNT));
	ev.user_agent = jv__intern(&r, L_UA, getv(props, F_P_UA));
	ev.service = jv__intern(&r, L_SERVICE, getv(props, F_P_SERVICE));
	ev.bytes_out = jv__u64(&props[F_P_OUT]) + jv__u64(&v[F_OUT_P]);
	ev.bytes_in = jv__u64(&props[F_P_IN]) + jv__u64(&v[F_IN_P]);
	ev.bucket = ev.object_key = "";
	key = get(props, F_P_KEY);
	if (!*key)
		key = jv__str(&v[F_KEY_P]);
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

static const struct json_ops ops = {
	.key = "records", .schema = &rec_s, .norm = record, .nfields = F_N,
};

int azure_json__parse(struct audit_ctx *c, const char *buf, size_t len)
{
	return json_stream__all(c, &ops, buf, len);
}

size_t azure_json__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err)
{
	return json_stream__chunk(c, &ops, buf, len, final, err);
}
