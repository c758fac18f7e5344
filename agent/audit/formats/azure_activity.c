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
#include "audit/formats/jsonrec.h"

#define CLAIM "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"

/* A member that is a string or an object with a string "value". */
static const char *str_or_value(const cJSON *o, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsObject(it))
		return jsonrec__str(it, "value");
	return jsonrec__str(o, key);
}

/* The segment after "/name/" in a resource id (case-insensitive), as
 * s[0..*n). NULL when absent. */
static const char *segment(const char *id, const char *name, size_t *n)
{
	size_t ln = strlen(name);
	const char *p = id, *e;

	while ((p = strchr(p, '/'))) {
		p++;
		if (strncasecmp(p, name, ln) == 0 && p[ln] == '/') {
			p += ln + 1;
			e = strchr(p, '/');
			*n = e ? (size_t)(e - p) : strlen(p);
			return p;
		}
	}
	return NULL;
}

static void principal(struct rec_strs *r, const cJSON *rec, struct audit_event *ev)
{
	const cJSON *claims = cJSON_GetObjectItemCaseSensitive(rec, "claims");
	const char *who, *app;

	if (!claims)
		claims = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(rec, "identity"), "claims");
	who = jsonrec__str(rec, "caller");
	if (!*who)
		who = jsonrec__str(claims, CLAIM "upn");
	if (!*who)
		who = jsonrec__str(claims, CLAIM "name");
	app = jsonrec__str(claims, "appid");
	if (!*who)
		who = *app ? app : jsonrec__str(claims, "http://schemas.microsoft.com/identity/claims/objectidentifier");
	ev->principal = rec__intern_str(r, who);
	ev->principal_type = !*who ? GW_PT_UNKNOWN : strchr(who, '@') ? GW_PT_USER : GW_PT_ROLE;
	if (!*ev->source_ip)
		ev->source_ip = rec__intern_str(r, jsonrec__str(claims, "ipaddr"));
}

static int outcome(const cJSON *rec, const cJSON *props, const char **code)
{
	const char *st = jsonrec__str(rec, "resultType"), *sc;

	if (!*st)
		st = str_or_value(rec, "status");
	*code = "";
	if (strncasecmp(st, "Fail", 4) != 0)
		return GW_OUT_OK;
	sc = jsonrec__str(props, "statusCode");
	if (!*sc)
		sc = str_or_value(rec, "subStatus");
	if (!*sc)
		sc = jsonrec__str(rec, "resultSignature");
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

/* {"resourceId":..,"properties":..}: what the content rules read. */
static const char *request_text(struct rec_strs *r, const char *rid, const cJSON *props)
{
	cJSON *o = cJSON_CreateObject();
	const char *s = "";
	char *printed;

	if (!o)
		return "";
	if (cJSON_AddStringToObject(o, "resourceId", rid) && props &&
	    cJSON_AddItemReferenceToObject(o, "properties", (cJSON *)(uintptr_t)props) &&
	    (printed = cJSON_PrintUnformatted(o))) {
		size_t n = strlen(printed);

		s = n <= AUDIT_MAX_FIELD ? rec__intern(r, printed, n) : "";
		cJSON_free(printed);
	}
	cJSON_Delete(o);
	return s;
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

static int record(struct audit_ctx *c, const cJSON *rec, size_t off)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(rec, "properties");
	struct audit_event ev = { 0 };
	struct rec_strs r = { .c = c };
	const char *t = jsonrec__str(rec, "time"), *op, *rid, *id, *code;

	if (!*t)
		t = jsonrec__str(rec, "eventTimestamp");
	op = str_or_value(rec, "operationName");
	if (azure__head(&r, t, op, off, action, &ev) < 0)
		return 0;
	ev.outcome = (uint8_t)outcome(rec, props, &code);
	ev.error_code = rec__intern_str(&r, code);
	ev.source_ip = rec__intern_str(&r, jsonrec__str(rec, "callerIpAddress"));
	if (!*ev.source_ip)
		ev.source_ip = rec__intern_str(&r, jsonrec__str(
			cJSON_GetObjectItemCaseSensitive(rec, "httpRequest"), "clientIpAddress"));
	principal(&r, rec, &ev);
	ev.account = rec__intern_str(&r, jsonrec__str(rec, "subscriptionId"));
	ev.bucket = ev.object_key = ev.user_agent = ev.access_key = "";
	rid = jsonrec__str(rec, "resourceId");
	resource(&r, rid, &ev);
	ev.service = rec__intern(&r, op, strchr(op, '/') ? (size_t)(strchr(op, '/') - op) : strlen(op));
	ev.region = rec__intern_str(&r, jsonrec__str(rec, "location"));
	ev.request_id = rec__intern_str(&r, jsonrec__str(rec, "correlationId"));
	ev.request = request_text(&r, rid, props);
	if (r.bad) {
		c->st->skip_bad_bytes += r.bad_bytes ? 1 : 0;
		audit_ctx__skip_at(c, off, "%s", r.bad);
		return 0;
	}
	if (strncasecmp(op, "Microsoft.Storage/", 18) != 0)
		c->st->non_storage++;
	/* Started and Succeeded of one operation share the correlation id */
	id = jsonrec__str(rec, "eventDataId");
	if (!*id)
		id = jsonrec__str(rec, "id");
	return audit_ctx__emit_id(c, &ev, id, strlen(id));
}

int azure_activity__detect(const char *buf, size_t len)
{
	return jsonrec__starts_json(buf, len) && jsonrec__has(buf, len, "\"operationName\"") &&
	       (jsonrec__has(buf, len, "\"Administrative\"") || jsonrec__has(buf, len, "\"claims\"") ||
		jsonrec__has(buf, len, "\"eventDataId\"") || jsonrec__has(buf, len, "\"resultType\""));
}

static const struct json_ops ops = { .rec = record, .key = "records" };

int azure_activity__parse(struct audit_ctx *c, const char *buf, size_t len)
{
	return json_stream__all(c, &ops, buf, len);
}

size_t azure_activity__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err)
{
	return json_stream__chunk(c, &ops, buf, len, final, err);
}
