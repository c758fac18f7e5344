/* Rule "public-exposure": one successful call that opens storage to
 * everyone, judged on what it asked for:
 *   aws:   an ACL that grants AllUsers or AuthenticatedUsers (canned
 *          public-read, public-read-write, authenticated-read, a grant URI
 *          or an x-amz-grant-* header); a bucket policy with an Allow to
 *          Principal "*" or to a foreign account that no condition narrows
 *          to a network, an organisation or an account; Block Public Access turned off or
 *          deleted (bucket or account level);
 *   gcp:   an IAM binding added for allUsers or allAuthenticatedUsers, a
 *          public predefined ACL, public access prevention unset;
 *   azure: allowBlobPublicAccess true, a container's public access set,
 *          and, weaker, public network access, HTTP allowed, old TLS,
 *          shared-key access allowed.
 * MITRE T1530 (data from cloud storage), T1098 (account manipulation). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "detect/detect_internal.h"

static const char *const FIX_ACL = "Set the ACL back to private and enable S3 Block Public Access";

static void aws_acl(const cJSON *rp, struct single_best *h)
{
	static const char *const canned[] = { "public-read", "public-read-write", "authenticated-read" };
	const char *acl = json__str(json__path(rp, "x-amz-acl"));

	for (size_t i = 0; *acl && i < sizeof(canned) / sizeof(canned[0]); i++)
		if (strcasecmp(acl, canned[i]) == 0)
			single__hit(h, GW_SEV_HIGH, 88.0, FIX_ACL, "ACL -> %s", acl);
	if (json__has_str(rp, "acs.amazonaws.com/groups/global/AllUsers"))
		single__hit(h, GW_SEV_HIGH, 90.0, FIX_ACL, "ACL grant -> AllUsers");
	else if (json__has_str(rp, "acs.amazonaws.com/groups/global/AuthenticatedUsers"))
		single__hit(h, GW_SEV_HIGH, 88.0, FIX_ACL, "ACL grant -> AuthenticatedUsers");
}

/* Condition keys that tie a statement to a network, an organisation or
 * an account: a statement with one of them is not public. */
static int narrowed(const cJSON *cond)
{
	static const char *const keys[] = {
		"aws:SourceVpc", "aws:SourceVpce", "aws:SourceIp", "aws:PrincipalOrgID",
		"aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:SourceAccount", "aws:SourceArn",
		"aws:SourceOrgID", "aws:SourceOrgPaths", "aws:PrincipalArn", "aws:userid",
		"aws:PrincipalServiceName", "aws:ResourceAccount", "s3:DataAccessPointAccount",
		"aws:VpcSourceIp",
	};
	const cJSON *op, *k;

	cJSON_ArrayForEach(op, cond) {
		cJSON_ArrayForEach(k, op) {
			if (!k->string)
				continue;
			for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
				if (strcasecmp(k->string, keys[i]) == 0 &&
				    !json__has_str(k, "0.0.0.0/0") && !json__has_str(k, "::/0"))
					return 1;
		}
	}
	return 0;
}

static int principal_star(const cJSON *p)
{
	const cJSON *aws, *it;

	if (cJSON_IsString(p))
		return strcmp(p->valuestring, "*") == 0;
	aws = json__path(p, "AWS");
	if (cJSON_IsString(aws))
		return strcmp(aws->valuestring, "*") == 0;
	cJSON_ArrayForEach(it, aws)
		if (cJSON_IsString(it) && strcmp(it->valuestring, "*") == 0)
			return 1;
	return 0;
}

/* A foreign account an Allow statement names (a string or array of
 * principals under "AWS"), into buf; NULL when none. */
static const char *foreign_account(struct detector *d, const cJSON *p, char *buf, size_t len)
{
	const cJSON *aws = json__path(p, "AWS"), *it;

	if (cJSON_IsString(aws))
		return *single__aws_account_of(aws->valuestring, buf, len) &&
		       !detector__account_is_own(d, buf) ? buf : NULL;
	if (!cJSON_IsArray(aws))
		return NULL;
	cJSON_ArrayForEach(it, aws)
		if (cJSON_IsString(it) && *single__aws_account_of(it->valuestring, buf, len) &&
		    !detector__account_is_own(d, buf))
			return buf;
	return NULL;
}

static void policy_stmt(struct detector *d, const cJSON *st, struct single_best *h)
{
	const cJSON *p = json__path(st, "Principal");
	char acct[16];

	if (strcasecmp(json__str(json__path(st, "Effect")), "Allow") != 0 ||
	    narrowed(json__path(st, "Condition")))
		return;
	if (principal_star(p))
		single__hit(h, GW_SEV_CRITICAL, 95.0, "Remove the Allow to Principal * from the bucket policy",
			    "bucket policy -> Allow %s to Principal *", json__str(json__path(st, "Action")));
	else if (foreign_account(d, p, acct, sizeof(acct)))
		single__hit(h, GW_SEV_HIGH, 85.0, "Remove the foreign account from the bucket policy",
			    "bucket policy -> Allow %s to account %s",
			    json__str(json__path(st, "Action")), acct);
}

static void aws_policy(struct detector *d, const cJSON *rp, struct single_best *h)
{
	const cJSON *pol = json__path(rp, "bucketPolicy"), *stmts, *st;
	cJSON *parsed = NULL;

	if (cJSON_IsString(pol))
		pol = parsed = cJSON_Parse(pol->valuestring);
	stmts = json__path(pol, "Statement");
	if (cJSON_IsObject(stmts))
		policy_stmt(d, stmts, h);
	if (!cJSON_IsArray(stmts))
		stmts = NULL;
	cJSON_ArrayForEach(st, stmts)
		policy_stmt(d, st, h);
	cJSON_Delete(parsed);
}

static void aws_block(const char *api, const cJSON *rp, struct single_best *h)
{
	static const char *const flags[] = { "BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
					     "RestrictPublicBuckets" };
	static const char *const fix = "Turn S3 Block Public Access back on (all four settings)";
	const cJSON *cfg = json__path(rp, "PublicAccessBlockConfiguration");
	char off[128] = "";
	size_t n = 0;

	if (strncmp(api, "Delete", 6) == 0) {
		single__hit(h, GW_SEV_HIGH, 85.0, fix, "public access block -> deleted (%s)",
		    strstr(api, "Account") ? "account" : "bucket");
		return;
	}
	if (!cfg)
		cfg = json__path(rp, "PublicAccessBlock");
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (json__bool(json__path(cfg, flags[i])) == 0)
			n += (size_t)snprintf(off + n, sizeof(off) - n, "%s%s=false", n ? " " : "",
					      flags[i]);
	if (n)
		single__hit(h, GW_SEV_HIGH, 85.0, fix, "public access block -> %s (%s)", off,
		    strstr(api, "Account") ? "account" : "bucket");
}

enum { PE_ACL = 1, PE_POLICY = 2, PE_BLOCK = 4 };

/* What a CloudTrail operation may change: an ACL, a policy, a public
 * access block (PE_*). */
static unsigned aws_api(const char *api)
{
	static const char *const acl_apis[] = { "PutBucketAcl", "PutObjectAcl", "CreateBucket",
						"PutObject", "CopyObject", "CreateMultipartUpload" };
	unsigned k = 0;

	for (size_t i = 0; i < sizeof(acl_apis) / sizeof(acl_apis[0]); i++)
		if (strcmp(api, acl_apis[i]) == 0)
			k |= PE_ACL;
	if (strcmp(api, "PutBucketPolicy") == 0)
		k |= PE_POLICY;
	if (strstr(api, "PublicAccessBlock") && strncmp(api, "Get", 3) != 0)
		k |= PE_BLOCK;
	return k;
}

static void aws(struct single *s, const struct audit_event *ev, struct single_best *h)
{
	unsigned k = single__api(s, ev, aws_api);

	if (k & PE_ACL)
		aws_acl(single__params(ev), h);
	if (k & PE_POLICY)
		aws_policy(s->d, single__params(ev), h);
	if (k & PE_BLOCK)
		aws_block(ev->api, single__params(ev), h);
}

static void gcp(struct single *s GW_UNUSED, const struct audit_event *ev, struct single_best *h)
{
	static const char *const fix_iam = "Remove the allUsers/allAuthenticatedUsers binding and "
					   "enforce public access prevention";
	const cJSON *req, *deltas, *d;
	const char *pap, *pacl;

	if (!single__may_have(ev, "bindingDeltas") && !single__may_have(ev, "publicAccessPrevention") &&
	    !single__may_have(ev, "predefinedAcl"))
		return;
	req = single__request(ev);
	deltas = json__path(req, "serviceData.policyDelta.bindingDeltas");
	pap = json__str(json__path(req, "request.metadata.iamConfiguration.publicAccessPrevention"));
	pacl = json__str(json__path(req, "request.predefinedAcl"));

	cJSON_ArrayForEach(d, deltas) {
		const char *member = json__str(json__path(d, "member"));

		if (strcasecmp(json__str(json__path(d, "action")), "ADD") == 0 &&
		    (strcmp(member, "allUsers") == 0 || strcmp(member, "allAuthenticatedUsers") == 0))
			single__hit(h, GW_SEV_CRITICAL, 95.0, fix_iam, "IAM binding added: %s -> %s", member,
			    json__str(json__path(d, "role")));
	}
	if (*pap && (strcasecmp(pap, "inherited") == 0 || strcasecmp(pap, "unspecified") == 0))
		single__hit(h, GW_SEV_HIGH, 80.0, "Set publicAccessPrevention back to enforced",
		    "publicAccessPrevention -> %s", pap);
	if (strncasecmp(pacl, "public", 6) == 0 || strcasecmp(pacl, "authenticatedRead") == 0)
		single__hit(h, GW_SEV_HIGH, 88.0, "Replace the ACL with a private one and use uniform bucket-level access",
		    "predefinedAcl -> %s", pacl);
}

static void azure_account(const cJSON *p, struct single_best *h)
{
	const char *tls = json__str(json__path(p, "minimumTlsVersion"));

	if (json__bool(json__path(p, "allowBlobPublicAccess")) == 1)
		single__hit(h, GW_SEV_HIGH, 88.0, "Set allowBlobPublicAccess to false on the storage account",
		    "allowBlobPublicAccess -> true");
	if (str__ieq(json__str(json__path(p, "publicNetworkAccess")), "Enabled"))
		single__hit(h, GW_SEV_MEDIUM, 55.0, "Disable public network access or restrict it with network rules",
		    "publicNetworkAccess -> Enabled");
	if (json__bool(json__path(p, "supportsHttpsTrafficOnly")) == 0)
		single__hit(h, GW_SEV_MEDIUM, 60.0, "Require secure transfer (supportsHttpsTrafficOnly true)",
		    "supportsHttpsTrafficOnly -> false");
	if (str__ieq(tls, "TLS1_0") || str__ieq(tls, "TLS1_1"))
		single__hit(h, GW_SEV_MEDIUM, 55.0, "Set minimumTlsVersion to TLS1_2",
		    "minimumTlsVersion -> %s", tls);
	if (json__bool(json__path(p, "allowSharedKeyAccess")) == 1)
		single__hit(h, GW_SEV_MEDIUM, 50.0, "Disallow shared key access; use Entra ID authorization",
		    "allowSharedKeyAccess -> true");
}

static void azure(struct single *s GW_UNUSED, const struct audit_event *ev,
		  struct single_best *h)
{
	cJSON *body = NULL;
	const cJSON *p;
	const char *pa;

	if (!str__iends(ev->api, "/storageAccounts/write") && !str__iends(ev->api, "/containers/write"))
		return;
	body = single__azure_body(ev);
	p = json__path(body, "properties");
	if (str__iends(ev->api, "/storageAccounts/write")) {
		azure_account(p, h);
	} else {
		pa = json__str(json__path(p, "publicAccess"));
		if (str__ieq(pa, "Blob") || str__ieq(pa, "Container"))
			single__hit(h, GW_SEV_HIGH, 90.0, "Set the container's public access level to None",
			    "container publicAccess -> %s", pa);
	}
	cJSON_Delete(body);
}

static int pe_feed(void *state, const struct audit_event *ev)
{
	static const char *const mitre[] = { "T1530", "T1098", NULL };
	static const struct single_judges j = { aws, gcp, azure, "Storage opened to the public", mitre };

	return single__judge(state, &rule_public_exposure, ev, &j);
}

const struct rule rule_public_exposure = {
	.id = "public-exposure",
	.new = single__new,
	.strings = single__strings,
	.feed = pe_feed,
	.flush = single__flush,
	.free = single__free,
};
