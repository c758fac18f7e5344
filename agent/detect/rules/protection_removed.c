/* Rule "protection-removed": one successful call that takes away what
 * would let the owner recover from deletion or encryption:
 *   aws:   versioning Suspended, MFA delete Disabled; a lifecycle rule on
 *          the whole bucket that expires current or noncurrent versions
 *          within a day; default encryption or replication deleted; object
 *          lock default retention removed, governance retention bypassed,
 *          a legal hold lifted;
 *   gcp:   versioning turned off, the retention policy removed, soft
 *          delete set to zero;
 *   azure: blob or container soft delete disabled, versioning disabled,
 *          an immutability policy deleted, file share soft delete disabled.
 * MITRE T1490 (inhibit system recovery), T1485 (data destruction). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "detect/detect_internal.h"

static const char *const FIX_VERSIONING = "Enable versioning again (and MFA delete) on the bucket";

static double num_of(const cJSON *it)
{
	const char *s;
	char *end;
	double v;

	if (cJSON_IsNumber(it))
		return it->valuedouble;
	s = json__str(it);
	if (!*s)
		return -1;
	v = strtod(s, &end);
	return *end ? -1 : v;
}

/* A lifecycle rule that covers the whole bucket: no filter, or an empty
 * prefix without tags or size limits. */
static int whole_bucket(const cJSON *rule)
{
	const cJSON *f = json__path(rule, "Filter");
	const char *prefix = json__str(json__path(rule, "Prefix"));

	if (*prefix)
		return 0;
	if (!f || cJSON_IsNull(f))
		return 1;
	return !*json__str(json__path(f, "Prefix")) && !json__path(f, "Tag") &&
	       !json__path(f, "And") && !json__path(f, "ObjectSizeGreaterThan");
}

static void lifecycle_rule(const cJSON *r, struct single_best *b)
{
	double cur = num_of(json__path(r, "Expiration.Days"));
	double nc = num_of(json__path(r, "NoncurrentVersionExpiration.NoncurrentDays"));
	int fast = cur >= 0 && cur <= 1;

	if (str__ieq(json__str(json__path(r, "Status")), "Disabled") || !whole_bucket(r) ||
	    !(fast || (nc >= 0 && nc <= 1)))
		return;
	single__hit(b, GW_SEV_HIGH, 88.0, "Remove the lifecycle rule and restore deleted versions "
		    "while they still exist", "lifecycle rule %s -> expire %s after %g day(s), whole bucket",
		    json__str(json__path(r, "ID")), fast ? "current versions" : "noncurrent versions",
		    fast ? cur : nc);
}

static void aws_lifecycle(const cJSON *rp, struct single_best *b)
{
	const cJSON *rules = json__path(rp, "LifecycleConfiguration.Rule"), *r;

	if (cJSON_IsObject(rules)) {
		lifecycle_rule(rules, b);
		return;
	}
	cJSON_ArrayForEach(r, rules)
		lifecycle_rule(r, b);
}

enum { PR_OTHER, PR_VERSIONING, PR_LIFECYCLE, PR_ENCRYPTION, PR_REPLICATION, PR_LOCK,
       PR_RETENTION, PR_LEGAL_HOLD };

/* Which protection a CloudTrail operation may remove (PR_*). */
static unsigned aws_api(const char *api)
{
	static const struct { const char *api; unsigned k; } exact[] = {
		{ "PutBucketVersioning", PR_VERSIONING },
		{ "DeleteBucketEncryption", PR_ENCRYPTION },
		{ "DeleteBucketReplication", PR_REPLICATION },
		{ "PutObjectLockConfiguration", PR_LOCK },
		{ "PutObjectRetention", PR_RETENTION },
		{ "PutObjectLegalHold", PR_LEGAL_HOLD },
	};

	if (strncmp(api, "PutBucketLifecycle", 18) == 0)
		return PR_LIFECYCLE;
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(api, exact[i].api) == 0)
			return exact[i].k;
	return PR_OTHER;
}

static void aws(struct single *s, const struct audit_event *ev, struct single_best *b)
{
	unsigned k = single__api(s, ev, aws_api);
	const cJSON *rp, *vc;

	if (k == PR_OTHER)
		return;
	if (k == PR_VERSIONING) {
		vc = json__path(single__params(ev), "VersioningConfiguration");
		if (str__ieq(json__str(json__path(vc, "Status")), "Suspended"))
			single__hit(b, GW_SEV_HIGH, 90.0, FIX_VERSIONING, "versioning -> Suspended");
		if (str__ieq(json__str(json__path(vc, "MfaDelete")), "Disabled"))
			single__hit(b, GW_SEV_HIGH, 80.0, FIX_VERSIONING, "MFA delete -> Disabled");
	} else if (k == PR_LIFECYCLE) {
		aws_lifecycle(single__params(ev), b);
	} else if (k == PR_ENCRYPTION) {
		single__hit(b, GW_SEV_HIGH, 75.0, "Restore the bucket's default encryption",
			    "default encryption -> deleted");
	} else if (k == PR_REPLICATION) {
		single__hit(b, GW_SEV_HIGH, 80.0, "Restore the replication configuration",
			    "replication -> deleted");
	} else if (k == PR_LOCK && (rp = single__params(ev)) &&
		   !json__path(rp, "ObjectLockConfiguration.Rule")) {
		single__hit(b, GW_SEV_HIGH, 80.0, "Restore the bucket's default object lock retention",
			    "object lock default retention -> removed");
	} else if (k == PR_RETENTION &&
		   json__bool(json__path(single__params(ev), "x-amz-bypass-governance-retention")) == 1) {
		single__hit(b, GW_SEV_HIGH, 85.0, "Review who holds s3:BypassGovernanceRetention and "
			    "restore the retention", "object retention -> shortened, governance bypassed");
	} else if (k == PR_LEGAL_HOLD &&
		   str__ieq(json__str(json__path(single__params(ev), "LegalHold.Status")), "OFF")) {
		single__hit(b, GW_SEV_MEDIUM, 65.0, "Put the legal hold back", "legal hold -> OFF");
	}
}

static int cleared(const cJSON *it)
{
	return it && (cJSON_IsNull(it) || (cJSON_IsObject(it) && !it->child));
}

static void gcp(struct single *s GW_UNUSED, const struct audit_event *ev, struct single_best *b)
{
	const cJSON *md, *ver;
	double sd;

	if (!strstr(ev->api, "buckets.update") && !strstr(ev->api, "buckets.patch"))
		return;
	md = json__path(single__request(ev), "request.metadata");
	ver = json__path(md, "versioning");
	sd = num_of(json__path(md, "softDeletePolicy.retentionDurationSeconds"));
	if (ver && json__bool(json__path(ver, "enabled")) != 1)
		single__hit(b, GW_SEV_HIGH, 90.0, "Turn object versioning back on", "versioning -> off");
	if (cleared(json__path(md, "retentionPolicy")))
		single__hit(b, GW_SEV_HIGH, 85.0, "Set the bucket's retention policy again",
			    "retention policy -> removed");
	if (sd == 0)
		single__hit(b, GW_SEV_HIGH, 85.0, "Set a soft delete retention again (7 days or more)",
			    "soft delete -> disabled (0 s)");
}

static void azure(struct single *s GW_UNUSED, const struct audit_event *ev,
		  struct single_best *b)
{
	static const struct {
		const char *path, *what;
	} soft[] = {
		{ "deleteRetentionPolicy.enabled", "blob soft delete" },
		{ "containerDeleteRetentionPolicy.enabled", "container soft delete" },
		{ "shareDeleteRetentionPolicy.enabled", "file share soft delete" },
		{ "restorePolicy.enabled", "point-in-time restore" },
		{ "isVersioningEnabled", "blob versioning" },
	};
	cJSON *body;
	const cJSON *p;

	if (single__op(s, ev, "/immutabilityPolicies/delete")) {
		single__hit(b, GW_SEV_HIGH, 88.0, "Recreate and lock the container's immutability policy",
			    "immutability policy -> deleted");
		return;
	}
	if (!str__iends(ev->api, "Services/write"))
		return;
	body = single__azure_body(ev);
	p = json__path(body, "properties");
	for (size_t i = 0; i < sizeof(soft) / sizeof(soft[0]); i++)
		if (json__bool(json__path(p, soft[i].path)) == 0)
			single__hit(b, GW_SEV_HIGH, 88.0 - (double)i,
				    "Turn soft delete and versioning back on for the storage account",
				    "%s -> disabled", soft[i].what);
	cJSON_Delete(body);
}

static int pr_feed(void *state, const struct audit_event *ev)
{
	static const char *const mitre[] = { "T1490", "T1485", NULL };
	static const struct single_judges j = { aws, gcp, azure, "Protection against deletion removed", mitre };

	return single__judge(state, &rule_protection_removed, ev, &j);
}

const struct rule rule_protection_removed = {
	.id = "protection-removed",
	.new = single__new,
	.strings = single__strings,
	.feed = pr_feed,
	.flush = single__flush,
	.free = single__free,
};
