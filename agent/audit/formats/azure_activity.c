/* Azure Activity Log (control plane: the Administrative category and the
 * others) -> events.
 *
 * Shapes: the records diagnostic settings export to a storage account
 * (insights-activity-logs/.../PT1H.json, JSON lines or {"records":[...]}):
 * time, resourceId, operationName, category, resultType, callerIpAddress,
 * correlationId, identity.claims, properties (statusCode, requestbody as
 * text); and the event data that `az monitor activity-log list` and the
 * REST API give (a JSON array): eventTimestamp, caller, claims,
 * operationName.value, status.value, subscriptionId, eventDataId.
 *
 * Every record becomes an event, storage or not: action permission for
 * keys and role assignments, management for the rest. bucket is the
 * container (or the storage account) the resource id names, account the
 * subscription; the request is {"resourceId":..,"properties":..}.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit/audit_internal.h"
#include "lib/isotime.h"
#include "audit/formats/jscan.h"
#include "audit/formats/jsonlex.h"
#include "audit/formats/jsonrec.h"

#define CLAIM "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"

/* The members read. claims at the top (event data) and identity.claims
 * (exports) hold the same members: the second's fields follow the first's. */
enum {
	C_UPN, C_NAME, C_APPID, C_OID, C_IPADDR, C_N,
	F_TIME = 2 * C_N, F_EVENT_TS, F_OP, F_OP_VALUE, F_RESULT, F_STATUS, F_STATUS_VALUE,
	F_SUBSTATUS, F_SUBSTATUS_VALUE, F_SIGNATURE, F_IP, F_HTTP_IP, F_CALLER, F_SUBSCRIPTION,
	F_RESOURCE, F_LOCATION, F_CORR, F_EVENT_ID, F_ID, F_PROPS, F_PROPS_STATUS, F_CLAIMS, F_N
};

static const struct jmember claims_m[] = {
	JM(CLAIM "upn", C_UPN), JM(CLAIM "name", C_NAME), JM("appid", C_APPID),
	JM("http://schemas.microsoft.com/identity/claims/objectidentifier", C_OID),
	JM("ipaddr", C_IPADDR),
};
static struct jschema claims_s = JSCHEMA(claims_m);
static const struct jmember identity_m[] = { JM_OBJ("claims", -1, &claims_s, C_N, 0) };
static struct jschema identity_s = JSCHEMA(identity_m);
static const struct jmember op_m[] = { JM("value", F_OP_VALUE) };
static struct jschema op_s = JSCHEMA(op_m);
static const struct jmember status_m[] = { JM("value", F_STATUS_VALUE) };
static struct jschema status_s = JSCHEMA(status_m);
static const struct jmember substatus_m[] = { JM("value", F_SUBSTATUS_VALUE) };
static struct jschema substatus_s = JSCHEMA(substatus_m);
static const struct jmember http_m[] = { JM("clientIpAddress", F_HTTP_IP) };
static struct jschema http_s = JSCHEMA(http_m);
static const struct jmember props_m[] = { JM("statusCode", F_PROPS_STATUS) };
static struct jschema props_s = JSCHEMA(props_m);
static const struct jmember rec_m[] = {
	JM("time", F_TIME), JM("eventTimestamp", F_EVENT_TS),
	JM_OBJ("operationName", F_OP, &op_s, 0, 0), JM("resultType", F_RESULT),
	JM_OBJ("status", F_STATUS, &status_s, 0, 0),
	JM_OBJ("subStatus", F_SUBSTATUS, &substatus_s, 0, 0), JM("resultSignature", F_SIGNATURE),
	JM("callerIpAddress", F_IP), JM_OBJ("httpRequest", -1, &http_s, 0, 0),
	JM("caller", F_CALLER), JM("subscriptionId", F_SUBSCRIPTION), JM("resourceId", F_RESOURCE),
	JM("location", F_LOCATION), JM("correlationId", F_CORR), JM("eventDataId", F_EVENT_ID),
	JM("id", F_ID), JM_OBJ("properties", F_PROPS, &props_s, 0, JM_RAW),
	JM_OBJ("claims", F_CLAIMS, &claims_s, 0, 0), JM_OBJ("identity", -1, &identity_s, 0, 0),
	JM_F("records", -1, JM_MARK),
};
static struct jschema rec_s = JSCHEMA(rec_m);

/* A member that is a string or an object with a string "value" (its field
 * follows the member's). */
static const char *str_or_value(const struct jv *v, int f)
{
	return v[f].type == JV_OBJ ? jv__str(&v[f + 1]) : jv__str(&v[f]);
}

/* The segment after "/name/" in a resource id (case-insensitive), as
 * s[0..*n). NULL when absent. */
static const char *segment(const char *id, const char *name, size_t *n)
{
	size_t ln = strlen(name);
	const char *p = id, *e;

	while ((p = strchr(p, '/'))) {
		p++;
		/* the first letter before the call (names are lower case) */
		if ((*p | 0x20) == name[0] && strncasecmp(p, name, ln) == 0 && p[ln] == '/') {
			p += ln + 1;
			e = strchr(p, '/');
			*n = e ? (size_t)(e - p) : strlen(p);
			return p;
		}
	}
	return NULL;
}

/* claims: the record's claims, or identity.claims when it has none. */
static void principal(struct rec_strs *r, const struct jv *v, struct audit_event *ev)
{
	const struct jv *claims = v + (v[F_CLAIMS].type ? 0 : C_N);
	const char *who, *app;

	who = jv__str(&v[F_CALLER]);
	if (!*who)
		who = jv__str(&claims[C_UPN]);
	if (!*who)
		who = jv__str(&claims[C_NAME]);
	app = jv__str(&claims[C_APPID]);
	if (!*who)
		who = *app ? app : jv__str(&claims[C_OID]);
	ev->principal = rec__intern_str(r, who);
	ev->principal_type = !*who ? GW_PT_UNKNOWN : strchr(who, '@') ? GW_PT_USER : GW_PT_ROLE;
	if (!*ev->source_ip)
		ev->source_ip = rec__intern_str(r, jv__str(&claims[C_IPADDR]));
}

/* Write, delete and action operations are logged twice or more under one
 * correlation id: a start (resultType Start or Accept, status Started or
 * Accepted), then the result (Success/Succeeded or Failure/Failed). */
static int outcome(const struct jv *v, const char **code, uint8_t *started)
{
	const char *st = jv__str(&v[F_RESULT]), *sc;

	if (!*st)
		st = str_or_value(v, F_STATUS);
	*code = "";
	*started = strncasecmp(st, "Start", 5) == 0 || strncasecmp(st, "Accept", 6) == 0;
	if (strncasecmp(st, "Fail", 4) != 0)
		return GW_OUT_OK;
	sc = v[F_PROPS].type == JV_OBJ ? jv__str(&v[F_PROPS_STATUS]) : "";
	if (!*sc)
		sc = str_or_value(v, F_SUBSTATUS);
	if (!*sc)
		sc = jv__str(&v[F_SIGNATURE]);
	*code = *sc ? sc : st;
	return strcasestr(sc, "Forbidden") || strcasestr(sc, "Unauthorized") ||
	       strcasestr(sc, "AuthorizationFailed") ? GW_OUT_DENIED : GW_OUT_ERROR;
}

static int action(const char *op)
{
	if (strcasestr(op, "/listkeys/") || strcasestr(op, "/regeneratekey/") ||
	    strcasestr(op, "/listAccountSas/") || strcasestr(op, "/listServiceSas/") ||
	    strcasestr(op, "roleAssignments/"))
		return GW_ACT_PERMISSION;
	return GW_ACT_MANAGEMENT;
}

/* s as cJSON prints a string, appended to buf[*off..size): 1 when it fits. */
static int print_string(const char *s, char *buf, size_t size, size_t *off)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = *off;

	if (o >= size)
		return 0;
	const char *end = s + strlen(s), *run;

	buf[o++] = '"';
	for (; *s; s++) {
		unsigned char ch;

		/* the bytes printed as they are, at once */
		run = plain_run(s, end);
		if ((size_t)(run - s) > size - o)
			return 0;
		memcpy(buf + o, s, (size_t)(run - s));
		o += (size_t)(run - s);
		s = run;
		if (!*s)
			break;
		ch = (unsigned char)*s;
		const char *e = ch == '"' ? "\\\"" : ch == '\\' ? "\\\\" : ch == '\b' ? "\\b" :
				ch == '\f' ? "\\f" : ch == '\n' ? "\\n" : ch == '\r' ? "\\r" :
				ch == '\t' ? "\\t" : NULL;

		if (size - o < 7)
			return 0;
		if (e) {
			memcpy(buf + o, e, 2);
			o += 2;
		} else if (ch < 0x20) {
			memcpy(buf + o, "\\u00", 4);
			buf[o + 4] = hex[ch >> 4];
			buf[o + 5] = hex[ch & 15];
			o += 6;
		} else {
			buf[o++] = (char)ch;
		}
	}
	if (size - o < 1)
		return 0;
	buf[o++] = '"';
	*off = o;
	return 1;
}

/* {"resourceId":..,"properties":..}: what the content rules read; "" when
 * the record has no properties or it is longer than AUDIT_MAX_FIELD. */
static const char *request_text(struct rec_strs *r, const char *rid, const struct jv *props)
{
	char buf[AUDIT_MAX_FIELD + 1];
	size_t off = 14;

	if (!props->type)
		return "";
	memcpy(buf, "{\"resourceId\":", off);
	if (!print_string(rid, buf, sizeof(buf), &off) || sizeof(buf) - off < 14)
		return "";
	memcpy(buf + off, ",\"properties\":", 14);
	off += 14;
	if (!jv__print(props, buf, sizeof(buf), &off) || off >= sizeof(buf))
		return "";
	buf[off++] = '}';
	return off <= AUDIT_MAX_FIELD ? rec__intern(r, buf, off) : "";
}

static void resource(struct rec_strs *r, const char *rid, struct audit_event *ev)
{
	const char *p;
	size_t n;

	p = segment(rid, "subscriptions", &n);
	if (p && !*ev->account)
		ev->account = rec__intern(r, p, n);
	p = segment(rid, "containers", &n);
	if (!p)
		p = segment(rid, "storageAccounts", &n);
	if (p && n)
		ev->bucket = rec__intern(r, p, n);
}

static int record(struct audit_ctx *c, const struct jv *v, size_t off)
{
	struct audit_event ev = { 0 };
	struct rec_strs r = { .c = c };
	const char *t = jv__str(&v[F_TIME]), *op, *rid, *id, *code;

	if (!*t)
		t = jv__str(&v[F_EVENT_TS]);
	op = str_or_value(v, F_OP);
	if (azure__head(&r, t, op, off, action, &ev) < 0)
		return 0;
	ev.outcome = (uint8_t)outcome(v, &code, &ev.started);
	ev.error_code = rec__intern_str(&r, code);
	ev.source_ip = rec__intern_str(&r, jv__str(&v[F_IP]));
	if (!*ev.source_ip)
		ev.source_ip = rec__intern_str(&r, jv__str(&v[F_HTTP_IP]));
	principal(&r, v, &ev);
	ev.account = rec__intern_str(&r, jv__str(&v[F_SUBSCRIPTION]));
	ev.bucket = ev.object_key = ev.user_agent = ev.access_key = "";
	rid = jv__str(&v[F_RESOURCE]);
	resource(&r, rid, &ev);
	ev.service = rec__intern(&r, op, strchr(op, '/') ? (size_t)(strchr(op, '/') - op) : strlen(op));
	ev.region = rec__intern_str(&r, jv__str(&v[F_LOCATION]));
	ev.request_id = rec__intern_str(&r, jv__str(&v[F_CORR]));
	ev.request = request_text(&r, rid, &v[F_PROPS]);
	if (r.bad) {
		c->st->skip_bad_bytes += r.bad_bytes ? 1 : 0;
		audit_ctx__skip_at(c, off, "%s", r.bad);
		return 0;
	}
	if (strncasecmp(op, "Microsoft.Storage/", 18) != 0)
		c->st->non_storage++;
	/* Started and Succeeded of one operation share the correlation id */
	id = jv__str(&v[F_EVENT_ID]);
	if (!*id)
		id = jv__str(&v[F_ID]);
	return audit_ctx__emit_id(c, &ev, id, strlen(id));
}

int azure_activity__detect(const char *buf, size_t len)
{
	return jsonrec__starts_json(buf, len) && jsonrec__has(buf, len, "\"operationName\"") &&
	       (jsonrec__has(buf, len, "\"Administrative\"") || jsonrec__has(buf, len, "\"claims\"") ||
		jsonrec__has(buf, len, "\"eventDataId\"") || jsonrec__has(buf, len, "\"resultType\""));
}

static const struct json_ops ops = {
	.key = "records", .schema = &rec_s, .norm = record, .nfields = F_N,
};

int azure_activity__parse(struct audit_ctx *c, const char *buf, size_t len)
{
	return json_stream__all(c, &ops, buf, len);
}

size_t azure_activity__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err)
{
	return json_stream__chunk(c, &ops, buf, len, final, err);
}
