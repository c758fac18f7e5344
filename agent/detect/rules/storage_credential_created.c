/* Rule "storage-credential-created": one successful call that mints a
 * credential for storage outside the identity system, or opens a new way
 * in to another account:
 *   aws:   an S3 access point or Multi-Region Access Point policy that
 *          allows a foreign account or everyone;
 *   gcp:   an HMAC key created (S3-interoperable, long-lived);
 *   azure: a storage account's keys listed or regenerated; an account or
 *          service SAS minted for longer than SAS_LONG_DAYS.
 * Foreign: not one of [detect] own_accounts (else not one the logs belong
 * to). MITRE T1098.001 (additional cloud credentials), T1552 (unsecured
 * credentials). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "detect/detect_internal.h"
#include "lib/isotime.h"

#define SAS_LONG_DAYS 7

/* The first foreign (or "*") AWS principal an Allow statement names. */
static const char *foreign_principal(struct detector *d, const cJSON *st, char *buf, size_t len)
{
	const cJSON *p = json__path(st, "Principal"), *aws, *it;

	if (!str__ieq(json__str(json__path(st, "Effect")), "Allow"))
		return NULL;
	if (cJSON_IsString(p) && strcmp(p->valuestring, "*") == 0)
		return "*";
	aws = json__path(p, "AWS");
	if (cJSON_IsString(aws)) {
		if (strcmp(aws->valuestring, "*") == 0)
			return "*";
		if (*single__aws_account_of(aws->valuestring, buf, len) && !detector__account_is_own(d, buf))
			return aws->valuestring;
	}
	if (!cJSON_IsArray(aws))
		aws = NULL;
	cJSON_ArrayForEach(it, aws) {
		if (!cJSON_IsString(it))
			continue;
		if (strcmp(it->valuestring, "*") == 0)
			return "*";
		if (*single__aws_account_of(it->valuestring, buf, len) && !detector__account_is_own(d, buf))
			return it->valuestring;
	}
	return NULL;
}

static void aws_policy(struct detector *d, const char *what, const cJSON *pol,
		       struct single_best *b)
{
	cJSON *parsed = NULL;
	const cJSON *stmts, *st;
	const char *who;
	char acct[16];

	if (cJSON_IsString(pol))
		pol = parsed = cJSON_Parse(pol->valuestring);
	stmts = json__path(pol, "Statement");
	if (cJSON_IsObject(stmts) && (who = foreign_principal(d, stmts, acct, sizeof(acct))))
		single__hit(b, GW_SEV_HIGH, 85.0, "Remove the foreign principal from the policy",
			    "%s policy -> Allow to %s", what, who);
	if (!cJSON_IsArray(stmts))
		stmts = NULL;
	cJSON_ArrayForEach(st, stmts)
		if ((who = foreign_principal(d, st, acct, sizeof(acct))))
			single__hit(b, GW_SEV_HIGH, 85.0, "Remove the foreign principal from the policy",
				    "%s policy -> Allow to %s", what, who);
	cJSON_Delete(parsed);
}

enum { SCC_OTHER, SCC_ACCESS_POINT, SCC_MULTI_REGION };

static unsigned aws_api(const char *api)
{
	return strcmp(api, "PutAccessPointPolicy") == 0 ? SCC_ACCESS_POINT :
	       strcmp(api, "PutMultiRegionAccessPointPolicy") == 0 ? SCC_MULTI_REGION : SCC_OTHER;
}

static void aws(struct single *s, const struct audit_event *ev, struct single_best *b)
{
	struct detector *d = s->d;
	unsigned k = single__api(s, ev, aws_api);

	if (k == SCC_ACCESS_POINT)
		aws_policy(d, "access point", json__path(single__params(ev),
			   "PutAccessPointPolicyRequest.Policy"), b);
	else if (k == SCC_MULTI_REGION)
		aws_policy(d, "multi-region access point", json__path(single__params(ev),
			   "PutMultiRegionAccessPointPolicyRequest.Details.Policy"), b);
}

static void gcp(struct single *s GW_UNUSED, const struct audit_event *ev, struct single_best *b)
{
	const char *sa;

	if (!strstr(ev->api, "hmacKeys.create"))
		return;
	sa = json__str(json__path(single__request(ev), "request.serviceAccountEmail"));
	single__hit(b, GW_SEV_HIGH, 80.0, "Delete the HMAC key unless it was planned; prefer "
			    "short-lived OAuth credentials", "HMAC key -> created%s%s",
			    *sa ? " for " : "", sa);
}

/* Days from the event to a SAS expiry, or -1. */
static double sas_days(const struct audit_event *ev, const char *expiry)
{
	int64_t t;

	if (!*expiry || iso8601__parse(expiry, strlen(expiry), &t) < 0)
		return -1;
	return (double)(t - ev->time_ms) / 86400000.0;
}

static void azure(struct single *s GW_UNUSED, const struct audit_event *ev,
		  struct single_best *b)
{
	static const char *const fix_keys = "Rotate both account keys and disallow shared key access";
	cJSON *body;
	double days;

	if (single__op(s, ev, "/listKeys/action")) {
		single__hit(b, GW_SEV_MEDIUM, 55.0, fix_keys, "account keys -> listed");
	} else if (single__op(s, ev, "/regenerateKey/action")) {
		single__hit(b, GW_SEV_HIGH, 70.0, fix_keys, "account key -> regenerated");
	} else if (single__op(s, ev, "/listAccountSas/action") ||
		   single__op(s, ev, "/listServiceSas/action")) {
		body = single__azure_body(ev);
		days = sas_days(ev, json__str(json__path(body, "signedExpiry")));
		if (days > SAS_LONG_DAYS)
			single__hit(b, GW_SEV_HIGH, 80.0, "Rotate the account key the SAS was signed with",
				    "SAS -> minted for %.0f days", days);
		cJSON_Delete(body);
	}
}

static int scc_feed(void *state, const struct audit_event *ev)
{
	static const char *const mitre[] = { "T1098.001", "T1552", NULL };
	static const struct single_judges j = { aws, gcp, azure, "Storage credential created", mitre };

	return single__judge(state, &rule_storage_credential_created, ev, &j);
}

const struct rule rule_storage_credential_created = {
	.id = "storage-credential-created",
	.account_wide = 1,
	.new = single__new,
	.strings = single__strings,
	.feed = scc_feed,
	.flush = single__flush,
	.free = single__free,
};
