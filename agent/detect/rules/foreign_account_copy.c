/* Rule "foreign-account-copy": one successful call that copies or
 * replicates our data into storage owned by an account that is not ours
 * ([detect] own_accounts, else the accounts the logs belong to):
 *   aws:   CopyObject or UploadPartCopy into a bucket whose owner the
 *          record names (resources) and is foreign; replication
 *          (PutBucketReplication) to a foreign destination account;
 *   gcp:   objects.rewrite/copy logged in a project that is not ours (the
 *          destination's: with own_accounts set, an organisation sink
 *          shows other projects' entries);
 *   azure: an object replication policy to a storage account in a foreign
 *          subscription.
 * A same-account copy, a copy into a bucket of ours and a denied copy stay
 * quiet. The behavioural cross-account-copy judges copies without an owner
 * by bucket history. MITRE T1537 (transfer data to cloud account). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "detect/detect_internal.h"

static const char *const FIX = "Revoke the principal's credentials and remove the grant or "
			       "configuration that allowed the copy";

static void replication_rule(struct detector *d, const cJSON *r, struct single_best *b)
{
	const char *acct = json__str(json__path(r, "Destination.Account"));

	if (*acct && !detector__account_is_own(d, acct))
		single__hit(b, GW_SEV_HIGH, 90.0, FIX, "replication -> %s (account %s)",
			    json__str(json__path(r, "Destination.Bucket")), acct);
}

static void aws_replication(struct detector *d, const cJSON *rp, struct single_best *b)
{
	const cJSON *rules = json__path(rp, "ReplicationConfiguration.Rule"), *r;

	if (cJSON_IsObject(rules)) {
		replication_rule(d, rules, b);
		return;
	}
	cJSON_ArrayForEach(r, rules)
		replication_rule(d, r, b);
}

enum { FAC_OTHER, FAC_REPLICATION, FAC_COPY };

static unsigned aws_api(const char *api)
{
	if (strcmp(api, "PutBucketReplication") == 0)
		return FAC_REPLICATION;
	return strcmp(api, "CopyObject") == 0 || strcmp(api, "UploadPartCopy") == 0 ? FAC_COPY :
												  FAC_OTHER;
}

static void aws(struct single *s, const struct audit_event *ev, struct single_best *b)
{
	struct detector *d = s->d;
	unsigned k = single__api(s, ev, aws_api);
	const char *owner, *src;

	if (k == FAC_REPLICATION) {
		aws_replication(d, single__params(ev), b);
		return;
	}
	if (k != FAC_COPY)
		return;
	owner = single__dest_owner(ev);
	if (!*owner || detector__account_is_own(d, owner))
		return;
	src = json__str(json__path(single__params(ev), "x-amz-copy-source"));
	single__hit(b, GW_SEV_HIGH, 90.0, FIX, "copy %s -> s3://%s/%s (account %s)",
		    *src ? src : "?", ev->bucket, ev->object_key ? ev->object_key : "", owner);
}

static void gcp(struct single *s, const struct audit_event *ev, struct single_best *b)
{
	struct detector *d = s->d;
	if ((strstr(ev->api, "objects.rewrite") || strstr(ev->api, "objects.copy")) &&
	    *ev->account && !detector__account_is_own(d, ev->account))
		single__hit(b, GW_SEV_HIGH, 88.0, FIX, "copy -> gs://%s/%s (project %s)", ev->bucket,
			    ev->object_key ? ev->object_key : "", ev->account);
}

static void azure(struct single *s, const struct audit_event *ev, struct single_best *b)
{
	struct detector *d = s->d;
	cJSON *body;
	const char *dest, *sub;
	char acct[128] = "";

	if (!single__op(s, ev, "/objectReplicationPolicies/write"))
		return;
	body = single__azure_body(ev);
	dest = json__str(json__path(body, "properties.destinationAccount"));
	sub = strcasestr(dest, "/subscriptions/");
	if (sub) {
		const char *e;

		sub += 15;
		e = strchr(sub, '/');
		snprintf(acct, sizeof(acct), "%.*s", (int)(e ? e - sub : (long)strlen(sub)), sub);
	}
	if (*acct && !detector__account_is_own(d, acct))
		single__hit(b, GW_SEV_HIGH, 90.0, FIX, "object replication -> %s (subscription %s)",
			    dest, acct);
	cJSON_Delete(body);
}

static int fac_feed(void *state, const struct audit_event *ev)
{
	static const char *const mitre[] = { "T1537", NULL };
	static const struct single_judges j = { aws, gcp, azure, "Data copied to a foreign account", mitre };

	return single__judge(state, &rule_foreign_account_copy, ev, &j);
}

const struct rule rule_foreign_account_copy = {
	.id = "foreign-account-copy",
	.new = single__new,
	.strings = single__strings,
	.feed = fac_feed,
	.flush = single__flush,
	.free = single__free,
};
