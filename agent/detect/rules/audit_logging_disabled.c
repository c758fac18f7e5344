/* Rule "audit-logging-disabled": one successful call that blinds the audit
 * trail gatewatch (and everyone else) reads:
 *   aws:   CloudTrail StopLogging or DeleteTrail; event selectors that no
 *          longer log S3 data reads (PutEventSelectors,
 *          PutAdvancedEventSelectors); UpdateTrail to one region, without
 *          global events or without log file validation; S3 server access
 *          logging turned off (PutBucketLogging without LoggingEnabled);
 *   gcp:   a project or organisation policy whose audit config drops
 *          storage (or allServices) data access logs; a log sink deleted
 *          or disabled; an exclusion that drops audit or storage entries;
 *   azure: diagnostic settings deleted (critical on a storage account) or
 *          written with every log category off; a log profile deleted.
 * MITRE T1562.008 (disable or modify cloud logs). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "detect/detect_internal.h"

static const char *const FIX_TRAIL = "Restart logging on the trail (StartLogging) and restore "
				     "its S3 data event selectors";

/* Basic selectors: an S3 object data resource logged for reads too. */
static int basic_logs_s3(const cJSON *sels)
{
	const cJSON *sel, *dr;

	cJSON_ArrayForEach(sel, sels) {
		if (str__ieq(json__str(json__path(sel, "readWriteType")), "WriteOnly"))
			continue;
		cJSON_ArrayForEach(dr, json__path(sel, "dataResources"))
			if (str__ieq(json__str(json__path(dr, "type")), "AWS::S3::Object"))
				return 1;
	}
	return 0;
}

/* Advanced selectors: one that takes S3 objects and does not keep only
 * writes (readOnly equals false). */
static int advanced_logs_s3(const cJSON *sels)
{
	const cJSON *sel, *fs;

	cJSON_ArrayForEach(sel, sels) {
		int s3 = 0, writes_only = 0;

		cJSON_ArrayForEach(fs, json__path(sel, "fieldSelectors")) {
			const char *field = json__str(json__path(fs, "field"));
			const cJSON *eq = json__path(fs, "equals");

			if (str__ieq(field, "resources.type") && json__has_str(eq, "AWS::S3::Object"))
				s3 = 1;
			if (str__ieq(field, "readOnly") && json__has_str(eq, "false"))
				writes_only = 1;
		}
		if (s3 && !writes_only)
			return 1;
	}
	return 0;
}

static void aws_trail(const struct audit_event *ev, struct single_best *b)
{
	static const char *const judged[] = { "StopLogging", "DeleteTrail", "PutEventSelectors",
					      "PutAdvancedEventSelectors", "UpdateTrail" };
	const cJSON *rp, *sels;
	const char *name;
	size_t i;

	for (i = 0; i < sizeof(judged) / sizeof(judged[0]) && strcmp(ev->api, judged[i]) != 0; i++)
		;
	if (i == sizeof(judged) / sizeof(judged[0]))
		return;
	rp = single__params(ev);
	name = json__str(json__path(rp, "name"));
	if (!*name)
		name = json__str(json__path(rp, "trailName"));
	/* StopLogging and DeleteTrail are judged by name; the rest by content */
	if (!rp && strcmp(ev->api, "StopLogging") != 0 && strcmp(ev->api, "DeleteTrail") != 0)
		return;
	if (strcmp(ev->api, "StopLogging") == 0)
		single__hit(b, GW_SEV_CRITICAL, 98.0, FIX_TRAIL, "trail %s: logging -> stopped", name);
	else if (strcmp(ev->api, "DeleteTrail") == 0)
		single__hit(b, GW_SEV_CRITICAL, 98.0, "Recreate the trail and find out who deleted it",
			    "trail %s -> deleted", name);
	else if (strcmp(ev->api, "PutEventSelectors") == 0) {
		sels = json__path(rp, "advancedEventSelectors");
		if (sels ? !advanced_logs_s3(sels) : !basic_logs_s3(json__path(rp, "eventSelectors")))
			single__hit(b, GW_SEV_HIGH, 85.0, FIX_TRAIL,
				    "trail %s: event selectors -> no S3 data reads", name);
	} else if (strcmp(ev->api, "PutAdvancedEventSelectors") == 0) {
		if (!advanced_logs_s3(json__path(rp, "advancedEventSelectors")))
			single__hit(b, GW_SEV_HIGH, 85.0, FIX_TRAIL,
				    "trail %s: event selectors -> no S3 data reads", name);
	} else {
		static const char *const flags[] = { "isMultiRegionTrail", "includeGlobalServiceEvents",
						     "enableLogFileValidation" };

		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (json__bool(json__path(rp, flags[i])) == 0)
				single__hit(b, GW_SEV_HIGH, 75.0, "Restore the trail's settings",
					    "trail %s: %s -> false", name, flags[i]);
	}
}

static void aws(struct single *s GW_UNUSED, const struct audit_event *ev, struct single_best *b)
{
	const cJSON *rp, *st;

	if (strstr(ev->service, "cloudtrail")) {
		aws_trail(ev, b);
		return;
	}
	if (strcmp(ev->api, "PutBucketLogging") != 0 || !(rp = single__params(ev)))
		return;
	st = json__path(rp, "BucketLoggingStatus");
	if (!json__path(st, "LoggingEnabled"))
		single__hit(b, GW_SEV_HIGH, 85.0, "Turn S3 server access logging back on for the bucket",
			    "server access logging -> off%s", "");
}

static int drops_storage(const cJSON *d)
{
	const char *svc = json__str(json__path(d, "service"));
	const char *type = json__str(json__path(d, "logType"));

	return str__ieq(json__str(json__path(d, "action")), "REMOVE") &&
	       (str__ieq(svc, "storage.googleapis.com") || str__ieq(svc, "allServices")) &&
	       (!*type || strncasecmp(type, "DATA_", 5) == 0 || str__ieq(type, "ADMIN_READ"));
}

static void gcp(struct single *s GW_UNUSED, const struct audit_event *ev, struct single_best *b)
{
	static const char *const fix_sink = "Restore the log sink and review who changed it";
	int sink = str__iends(ev->api, ".DeleteSink") || str__iends(ev->api, ".UpdateSink");
	int excl = str__iends(ev->api, ".CreateExclusion") || str__iends(ev->api, ".UpdateExclusion");
	const cJSON *d, *req;
	const char *name, *filter;

	if (!sink && !excl && !single__may_have(ev, "auditConfigDeltas"))
		return;
	req = single__request(ev);
	name = json__str(json__path(req, "resourceName"));
	filter = json__str(json__path(req, "request.exclusion.filter"));
	cJSON_ArrayForEach(d, json__path(req, "serviceData.policyDelta.auditConfigDeltas"))
		if (drops_storage(d))
			single__hit(b, GW_SEV_CRITICAL, 95.0,
				    "Restore the DATA_READ/DATA_WRITE audit config for storage",
				    "audit config %s %s -> removed", json__str(json__path(d, "service")),
				    json__str(json__path(d, "logType")));
	if (str__iends(ev->api, ".DeleteSink"))
		single__hit(b, GW_SEV_HIGH, 88.0, fix_sink, "log sink %s -> deleted", name);
	if (str__iends(ev->api, ".UpdateSink") &&
	    json__bool(json__path(req, "request.sink.disabled")) == 1)
		single__hit(b, GW_SEV_HIGH, 88.0, fix_sink, "log sink %s -> disabled", name);
	if (excl && json__bool(json__path(req, "request.exclusion.disabled")) != 1 &&
	    (str__icontains(filter, "cloudaudit") || str__icontains(filter, "storage")))
		single__hit(b, GW_SEV_HIGH, 85.0, "Delete the log exclusion", "log exclusion -> %s",
			    filter);
}

/* Diagnostic settings written with every log category off. */
static int all_logs_off(const cJSON *body)
{
	const cJSON *logs = json__path(body, "properties.logs"), *l;
	int n = 0;

	cJSON_ArrayForEach(l, logs) {
		if (json__bool(json__path(l, "enabled")) != 0)
			return 0;
		n++;
	}
	return n > 0;
}

/* 1 when the request names a storage account as its resource. */
static int on_storage(const struct audit_event *ev)
{
	const char *rid = json__str(json__path(single__request(ev), "resourceId"));

	return str__icontains(rid, "/Microsoft.Storage/storageAccounts/");
}

static void azure(struct single *s GW_UNUSED, const struct audit_event *ev, struct single_best *b)
{
	cJSON *body;
	int storage;

	if (single__op(s, ev, "/diagnosticSettings/delete")) {
		storage = on_storage(ev);
		single__hit(b, storage ? GW_SEV_CRITICAL : GW_SEV_HIGH, storage ? 95.0 : 80.0,
			    "Recreate the diagnostic setting and send its logs where they were going",
			    "diagnostic setting -> deleted%s", storage ? " (storage account)" : "");
	} else if (single__op(s, ev, "/logProfiles/delete")) {
		single__hit(b, GW_SEV_HIGH, 85.0, "Recreate the Activity Log profile or export",
			    "activity log profile -> deleted%s", "");
	} else if (single__op(s, ev, "/diagnosticSettings/write")) {
		body = single__azure_body(ev);
		if (all_logs_off(body))
			single__hit(b, on_storage(ev) ? GW_SEV_CRITICAL : GW_SEV_HIGH, 90.0,
				    "Turn the diagnostic setting's log categories back on",
				    "diagnostic setting: every log category -> disabled%s", "");
		cJSON_Delete(body);
	}
}

static int ald_feed(void *state, const struct audit_event *ev)
{
	static const char *const mitre[] = { "T1562.008", NULL };
	static const struct single_judges j = { aws, gcp, azure, "Audit logging turned off", mitre };

	return single__judge(state, &rule_audit_logging_disabled, ev, &j);
}

const struct rule rule_audit_logging_disabled = {
	.id = "audit-logging-disabled",
	.account_wide = 1,
	.new = single__new,
	.strings = single__strings,
	.feed = ald_feed,
	.flush = single__flush,
	.free = single__free,
};
