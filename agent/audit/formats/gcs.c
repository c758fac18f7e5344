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
#include "audit/formats/jscan.h"
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

/* The members read. protoPayload and protopayload_auditlog (BigQuery)
 * hold the same members: the second's fields follow the first's. */
enum {
	/* the payload */
	P_SERVICE, P_METHOD, P_RESOURCE, P_REQUEST, P_SERVICE_DATA, P_METADATA, P_RESPONSE,
	P_NAMES, P_NAME0, P_EMAIL, P_KEY, P_SUBJECT, P_CALLER_IP, P_UA, P_STATUS_CODE,
	P_STATUS_MESSAGE, P_N,
	/* the entry's own members, after the two payloads */
	F_TIMESTAMP = 2 * P_N, F_LOG, F_INSERT, F_PROJECT, F_LOCATION, F_BUCKET, F_PP, F_PP_BQ, F_N
};

static const struct jmember meta_m[] = { JM_F("resourceNames", P_NAMES, JM_FIRST) };
static struct jschema meta_s = JSCHEMA(meta_m);
static const struct jmember auth_m[] = {
	JM("principalEmail", P_EMAIL), JM("serviceAccountKeyName", P_KEY),
	JM("principalSubject", P_SUBJECT),
};
static struct jschema auth_s = JSCHEMA(auth_m);
static const struct jmember reqmeta_m[] = {
	JM("callerIp", P_CALLER_IP), JM("callerSuppliedUserAgent", P_UA),
};
static struct jschema reqmeta_s = JSCHEMA(reqmeta_m);
static const struct jmember status_m[] = {
	JM("code", P_STATUS_CODE), JM("message", P_STATUS_MESSAGE),
};
static struct jschema status_s = JSCHEMA(status_m);
static const struct jmember pp_m[] = {
	JM("serviceName", P_SERVICE), JM("methodName", P_METHOD),
	JM_F("resourceName", P_RESOURCE, JM_RAW), JM_F("request", P_REQUEST, JM_RAW),
	JM_F("serviceData", P_SERVICE_DATA, JM_RAW),
	JM_OBJ("metadata", P_METADATA, &meta_s, 0, JM_RAW), JM_F("response", P_RESPONSE, JM_RAW),
	JM_OBJ("authenticationInfo", -1, &auth_s, 0, 0),
	JM_OBJ("requestMetadata", -1, &reqmeta_s, 0, 0), JM_OBJ("status", -1, &status_s, 0, 0),
};
static struct jschema pp_s = JSCHEMA(pp_m);
static const struct jmember labels_m[] = {
	JM("project_id", F_PROJECT), JM("location", F_LOCATION), JM("bucket_name", F_BUCKET),
};
static struct jschema labels_s = JSCHEMA(labels_m);
static const struct jmember resource_m[] = { JM_OBJ("labels", -1, &labels_s, 0, 0) };
static struct jschema resource_s = JSCHEMA(resource_m);
static const struct jmember rec_m[] = {
	JM_OBJ("protoPayload", F_PP, &pp_s, 0, 0),
	JM_OBJ("protopayload_auditlog", F_PP_BQ, &pp_s, P_N, 0),
	JM("timestamp", F_TIMESTAMP), JM("logName", F_LOG), JM("insertId", F_INSERT),
	JM_OBJ("resource", -1, &resource_s, 0, 0), JM_F("records", -1, JM_MARK),
};
static struct jschema rec_s = JSCHEMA(rec_m);

/* "projects/_/buckets/B/objects/O" -> B and O. */
static void resource(struct rec_strs *r, const struct jv *pp, struct audit_event *ev)
{
	const char *name = jv__str(&pp[P_RESOURCE]), *b, *o;

	if (!strstr(name, "buckets/") && pp[P_NAMES].type == JV_ARR &&
	    pp[P_NAME0].type == JV_STR)
		name = pp[P_NAME0].s;
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
static const char *request_text(struct rec_strs *r, const struct jv *pp)
{
	static const struct {
		const char *name;
		int field;
	} members[] = { { "resourceName", P_RESOURCE }, { "request", P_REQUEST },
			{ "serviceData", P_SERVICE_DATA }, { "metadata", P_METADATA },
			{ "response", P_RESPONSE } };
	char buf[AUDIT_MAX_FIELD];
	size_t off = 0, at, kn;

	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		const struct jv *v = &pp[members[i].field];

		kn = strlen(members[i].name);
		if (!v->type || off + kn + 6 > sizeof(buf))
			continue;
		/* the value after its name, kept when both fit */
		at = off + kn + 4;
		if (!jv__print(v, buf, sizeof(buf) - 2, &at))
			continue;
		buf[off] = off ? ',' : '{';
		buf[off + 1] = '"';
		memcpy(buf + off + 2, members[i].name, kn);
		buf[off + kn + 2] = '"';
		buf[off + kn + 3] = ':';
		off = at;
	}
	if (!off)
		return "";
	buf[off++] = '}';
	return rec__intern(r, buf, off);
}

/* The slots of c->last the fields that repeat from record to record go
 * through (jv__intern). */
enum { L_SERVICE, L_API, L_PRINCIPAL, L_KEY, L_ANON, L_IP, L_UA, L_ACCOUNT, L_REGION, L_BUCKET,
       L_ERR };

static void principal(struct rec_strs *r, const struct jv *pp, struct audit_event *ev)
{
	const struct jv *em = &pp[P_EMAIL];
	const char *email, *key = jv__str(&pp[P_KEY]);

	if (!*jv__str(em))
		em = &pp[P_SUBJECT];
	email = jv__str(em);
	ev->principal = jv__intern(r, L_PRINCIPAL, em);
	if (!*email)
		ev->principal_type = GW_PT_UNKNOWN;
	else if (strstr(email, ".gserviceaccount.com"))
		ev->principal_type = strstr(email, "@gcp-sa-") || strstr(email, "@cloudservices.")
					     ? GW_PT_SERVICE : GW_PT_ROLE;
	else
		ev->principal_type = GW_PT_USER;
	ev->access_key = jv__intern(r, L_KEY, &pp[P_KEY]);
	ev->key_long_term = *key != '\0';
	if (!*email) {
		/* allUsers / allAuthenticatedUsers access logs no principal at all */
		ev->principal_type = GW_PT_ANONYMOUS;
		ev->principal = jv__intern(r, L_ANON, JV_LIT("anonymous"));
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

static int entry(struct audit_ctx *c, const struct jv *v, size_t off)
{
	int bq = !v[F_PP].type;
	const struct jv *pp = v + (bq ? P_N : 0);
	struct audit_event ev = { 0 };
	struct rec_strs r = { .c = c };
	const char *t, *svc, *m;
	int code, is_obj = v[bq ? F_PP_BQ : F_PP].type == JV_OBJ;

	t = jv__str(&v[F_TIMESTAMP]);
	svc = jv__str(&pp[P_SERVICE]);
	m = jv__str(&pp[P_METHOD]);
	if (!is_obj || !*m || iso8601__parse(t, strlen(t), &ev.time_ms) < 0) {
		audit_ctx__skip_at(c, off, "%s",
				!is_obj ? "no protoPayload" : !*m ? "no methodName" :
				"no valid timestamp");
		return 0;
	}
	ev.cloud = GW_CLOUD_GCP;
	ev.service = jv__intern(&r, L_SERVICE, &pp[P_SERVICE]);
	ev.api = jv__intern(&r, L_API, &pp[P_METHOD]);
	if (strcmp(svc, "storage.googleapis.com") == 0)
		ev.action = (uint8_t)audit_ctx__memo(c, ev.api, action);
	else
		ev.action = strstr(jv__str(&v[F_LOG]), "activity") ? GW_ACT_MANAGEMENT :
			    GW_ACT_OTHER;
	ev.request = ev.action == GW_ACT_OBJECT_READ || ev.action == GW_ACT_LIST ? "" :
		     request_text(&r, pp);
	principal(&r, pp, &ev);
	ev.source_ip = jv__intern(&r, L_IP, &pp[P_CALLER_IP]);
	ev.user_agent = jv__intern(&r, L_UA, &pp[P_UA]);
	ev.bucket = ev.object_key = "";
	resource(&r, pp, &ev);
	ev.account = jv__intern(&r, L_ACCOUNT, &v[F_PROJECT]);
	ev.region = jv__intern(&r, L_REGION, &v[F_LOCATION]);
	kind(&r, &ev);
	if (!*ev.bucket)
		ev.bucket = jv__intern(&r, L_BUCKET, &v[F_BUCKET]);
	code = (int)jv__u64(&pp[P_STATUS_CODE]);
	ev.outcome = code == 0 ? GW_OUT_OK : (code == 7 || code == 16) ? GW_OUT_DENIED : GW_OUT_ERROR;
	ev.error_code = code ? jv__intern(&r, L_ERR, &pp[P_STATUS_MESSAGE]) : "";
	t = jv__str(&v[F_INSERT]);
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

static const struct json_ops ops = {
	.key = "records", .schema = &rec_s, .norm = entry, .nfields = F_N,
};

int gcs__parse(struct audit_ctx *c, const char *buf, size_t len)
{
	return json_stream__all(c, &ops, buf, len);
}

size_t gcs__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err)
{
	return json_stream__chunk(c, &ops, buf, len, final, err);
}
