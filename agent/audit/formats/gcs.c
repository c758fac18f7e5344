/* GCP Cloud Audit Logs (LogEntry with an AuditLog protoPayload) -> events.
 *
 * Shapes: JSON lines as log sinks write them
 * (cloudaudit.googleapis.com/data_access/YYYY/MM/DD/HH:00:00_HH:59:59_S0.json),
 * a JSON array as `gcloud logging read --format=json` prints, and the
 * BigQuery export spelling "protopayload_auditlog". Cloud Storage entries
 * are storage events; other services' entries (IAM, logging, the project's
 * policy) become events of action management (admin activity) or other,
 * so that they feed the identities' baselines and the content rules.
 * Status code 7 (PERMISSION_DENIED) and 16 (UNAUTHENTICATED) are denials.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit_internal.h"
#include "lib/isotime.h"
#include "audit/formats/jsonrec.h"

static int action(const char *m)
{
	static const char *const writes[] = { "objects.create", "objects.update", "objects.patch",
					      "objects.compose", "objects.restore" };
	static const char *const lists[] = { "objects.list", "buckets.list", "buckets.get",
					     "buckets.getMetadata", "managedFolders.list" };
	const char *p = strstr(m, "storage.");

	p = p ? p + 8 : m;
	if (strstr(p, "Iam") || strstr(p, "Acl") || strstr(p, "acl") || strstr(p, "hmacKeys"))
		return GW_ACT_PERMISSION;
	if (strcmp(p, "objects.get") == 0)
		return GW_ACT_OBJECT_READ;
	if (strcmp(p, "objects.delete") == 0)
		return GW_ACT_OBJECT_DELETE;
	/* rewrite and copy name the destination object; the source is in the request. */
	if (strcmp(p, "objects.rewrite") == 0 || strcmp(p, "objects.copy") == 0)
		return GW_ACT_OBJECT_COPY;
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		if (strcmp(p, writes[i]) == 0)
			return GW_ACT_OBJECT_WRITE;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strcmp(p, lists[i]) == 0)
			return GW_ACT_LIST;
	if (strncmp(p, "buckets.", 8) == 0)
		return GW_ACT_MANAGEMENT;
	return GW_ACT_OTHER;
}

/* "projects/_/buckets/B/objects/O" -> B and O. */
static void resource(struct rec_strs *r, const cJSON *pp, struct audit_event *ev)
{
	const char *name = jsonrec__str(pp, "resourceName"), *b, *o;
	const cJSON *names;

	if (!strstr(name, "buckets/")) {
		names = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(pp, "metadata"), "resourceNames");
		if (cJSON_IsArray(names) && cJSON_IsString(cJSON_GetArrayItem(names, 0)))
			name = cJSON_GetArrayItem(names, 0)->valuestring;
	}
	b = strstr(name, "buckets/");
	if (!b)
		return;
	b += 8;
	o = strstr(b, "/objects/");
	ev->bucket = rec__intern(r, b, o ? (size_t)(o - b) : strlen(b));
	if (o)
		ev->object_key = rec__intern_str(r, o + 9);
}

/* {"resourceName":..,"request":..,"serviceData":..,"metadata":..,"response":..}
 * of the members the entry has, each left out when it would not fit. */
static const char *request_text(struct rec_strs *r, const cJSON *pp)
{
	static const char *const names[] = { "resourceName", "request", "serviceData", "metadata",
					     "response" };
	char buf[AUDIT_MAX_FIELD];
	size_t off = 0, n;
	char *printed;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(pp, names[i]);

		if (!it || !(printed = cJSON_PrintUnformatted(it)))
			continue;
		n = strlen(printed);
		if (off + strlen(names[i]) + n + 6 <= sizeof(buf)) {
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%c\"%s\":",
						off ? ',' : '{', names[i]);
			memcpy(buf + off, printed, n);
			off += n;
		}
		cJSON_free(printed);
	}
	if (!off)
		return "";
	buf[off++] = '}';
	return rec__intern(r, buf, off);
}

static void principal(struct rec_strs *r, const cJSON *pp, struct audit_event *ev)
{
	const cJSON *auth = cJSON_GetObjectItemCaseSensitive(pp, "authenticationInfo");
	const char *email = jsonrec__str(auth, "principalEmail");
	const char *key = jsonrec__str(auth, "serviceAccountKeyName");

	if (!*email)
		email = jsonrec__str(auth, "principalSubject");
	ev->principal = rec__intern_str(r, email);
	if (!*email)
		ev->principal_type = GW_PT_UNKNOWN;
	else if (strstr(email, ".gserviceaccount.com"))
		ev->principal_type = strstr(email, "@gcp-sa-") || strstr(email, "@cloudservices.")
					     ? GW_PT_SERVICE : GW_PT_ROLE;
	else
		ev->principal_type = GW_PT_USER;
	ev->access_key = rec__intern_str(r, key);
	ev->key_long_term = *key != '\0';
	if (!*email) {
		/* allUsers / allAuthenticatedUsers access logs no principal at all */
		ev->principal_type = GW_PT_ANONYMOUS;
		ev->principal = rec__intern_str(r, "anonymous");
	}
}

/* The principal's kind, once ev->account (the project) is known: a
 * service account of another project is foreign; the Compute Engine
 * default service account's tokens come from VM metadata (a workload). */
static void kind(struct rec_strs *r, struct audit_event *ev)
{
	const char *p = ev->principal, *at = strchr(p, '@'), *dot;

	ev->principal_account = "";
	if (ev->principal_type == GW_PT_ANONYMOUS) {
		ev->principal_kind = GW_PK_ANONYMOUS;
		return;
	}
	if (ev->principal_type == GW_PT_SERVICE) {
		ev->principal_kind = GW_PK_SERVICE;
		return;
	}
	ev->principal_kind = GW_PK_OWN;
	if (!at)
		return;
	if (strstr(at, "@developer.gserviceaccount.com") && strstr(p, "-compute@")) {
		ev->principal_kind = GW_PK_WORKLOAD;
		return;
	}
	dot = strstr(at, ".iam.gserviceaccount.com");
	if (!dot)
		return;
	ev->principal_account = rec__intern(r, at + 1, (size_t)(dot - at - 1));
	if (*ev->account && strcmp(ev->principal_account, ev->account) != 0)
		ev->principal_kind = GW_PK_FOREIGN;
}

static int entry(struct audit_ctx *c, const cJSON *rec, size_t off)
{
	const cJSON *pp = cJSON_GetObjectItemCaseSensitive(rec, "protoPayload");
	const cJSON *meta, *labels, *status;
	struct audit_event ev = { 0 };
	struct rec_strs r = { .c = c };
	const char *t, *svc, *m;
	int code;

	if (!pp)
		pp = cJSON_GetObjectItemCaseSensitive(rec, "protopayload_auditlog");
	t = jsonrec__str(rec, "timestamp");
	svc = jsonrec__str(pp, "serviceName");
	m = jsonrec__str(pp, "methodName");
	if (!cJSON_IsObject(pp) || !*m || iso8601__parse(t, strlen(t), &ev.time_ms) < 0) {
		audit_ctx__skip_at(c, off, "%s",
				!cJSON_IsObject(pp) ? "no protoPayload" : !*m ? "no methodName" :
				"no valid timestamp");
		return 0;
	}
	ev.cloud = GW_CLOUD_GCP;
	ev.service = rec__intern_str(&r, svc);
	ev.api = rec__intern_str(&r, m);
	if (strcmp(svc, "storage.googleapis.com") == 0)
		ev.action = (uint8_t)audit_ctx__memo(c, ev.api, action);
	else
		ev.action = strstr(jsonrec__str(rec, "logName"), "activity") ? GW_ACT_MANAGEMENT :
			    GW_ACT_OTHER;
	ev.request = ev.action == GW_ACT_OBJECT_READ || ev.action == GW_ACT_LIST ? "" :
		     request_text(&r, pp);
	principal(&r, pp, &ev);
	meta = cJSON_GetObjectItemCaseSensitive(pp, "requestMetadata");
	ev.source_ip = rec__intern_str(&r, jsonrec__str(meta, "callerIp"));
	ev.user_agent = rec__intern_str(&r, jsonrec__str(meta, "callerSuppliedUserAgent"));
	ev.bucket = ev.object_key = "";
	resource(&r, pp, &ev);
	labels = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rec, "resource"),
						  "labels");
	ev.account = rec__intern_str(&r, jsonrec__str(labels, "project_id"));
	ev.region = rec__intern_str(&r, jsonrec__str(labels, "location"));
	kind(&r, &ev);
	if (!*ev.bucket)
		ev.bucket = rec__intern_str(&r, jsonrec__str(labels, "bucket_name"));
	status = cJSON_GetObjectItemCaseSensitive(pp, "status");
	code = (int)jsonrec__u64(status, "code");
	ev.outcome = code == 0 ? GW_OUT_OK : (code == 7 || code == 16) ? GW_OUT_DENIED : GW_OUT_ERROR;
	ev.error_code = code ? rec__intern_str(&r, jsonrec__str(status, "message")) : "";
	t = jsonrec__str(rec, "insertId");
	ev.request_id = rec__unique(&r, t, strlen(t));
	if (!r.bad && strcmp(svc, "storage.googleapis.com") != 0)
		c->st->non_storage++;
	return rec__finish(&r, &ev, off);
}

int gcs__detect(const char *buf, size_t len)
{
	return jsonrec__starts_json(buf, len) &&
	       (jsonrec__has(buf, len, "\"protoPayload\"") ||
		jsonrec__has(buf, len, "\"protopayload_auditlog\""));
}

static const struct json_ops ops = { .rec = entry, .key = "records" };

int gcs__parse(struct audit_ctx *c, const char *buf, size_t len)
{
	return json_stream__all(c, &ops, buf, len);
}

size_t gcs__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err)
{
	return json_stream__chunk(c, &ops, buf, len, final, err);
}
