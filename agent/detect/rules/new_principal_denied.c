/* Rule "new-principal-denied": one denial is enough when a principal
 * without history tries something sensitive: creating or loosening
 * credentials, opening a bucket (policy, ACL, public access block, IAM
 * binding), turning logging off, deleting a bucket, reading a secret. An
 * established identity that hits a denied call is usually a misconfigured
 * job (access-denied-cluster counts those); a new principal whose first
 * calls reach for these is probing what a stolen credential can do. Every
 * cloud's denials count (AccessDenied*, VpceAccessDenied, GCS status 7
 * including VPC Service Controls, Azure AuthorizationFailure and 403).
 * High; one finding per principal and hour.
 * MITRE T1078.004 (valid cloud accounts), T1069.003 (cloud groups
 * discovery by trial), T1098 (account manipulation). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/evagg.h"

static const char *const sensitive_apis[] = {
	/* credentials and identities */
	"CreateAccessKey", "CreateUser", "CreateLoginProfile", "UpdateLoginProfile",
	"AttachUserPolicy", "PutUserPolicy", "AttachRolePolicy", "PutRolePolicy",
	"UpdateAssumeRolePolicy", "CreateRole", "AddUserToGroup", "AssumeRole",
	"GetSecretValue", "GetParameter", "GetParameters", "Decrypt",
	"google.iam.admin.v1.CreateServiceAccountKey", "SetIamPolicy",
	/* opening or destroying storage */
	"PutBucketPolicy", "PutBucketAcl", "PutObjectAcl", "DeleteBucketPolicy",
	"PutBucketPublicAccessBlock", "DeletePublicAccessBlock", "DeleteBucketPublicAccessBlock",
	"PutAccountPublicAccessBlock", "DeleteBucket", "PutBucketVersioning",
	"PutBucketReplication", "storage.setIamPermissions", "storage.buckets.setIamPolicy",
	"storage.buckets.delete", "SetContainerACL", "DeleteContainer",
	/* logging */
	"StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors", "PutBucketLogging",
};

static int sensitive_api(const char *api)
{
	for (size_t i = 0; i < sizeof(sensitive_apis) / sizeof(sensitive_apis[0]); i++)
		if (strcmp(api, sensitive_apis[i]) == 0)
			return 1;
	return 0;
}

static int npd_emit(struct evagg *a, const struct evagg_ent *e)
{
	struct finding *f = evagg__finding(a, e, "A new principal denied a sensitive operation");
	int err = 0;

	if (!f)
		return -ENOMEM;
	f->mitre[f->nmitre++] = "T1078.004";
	f->mitre[f->nmitre++] = "T1098";
	err |= evagg__evidence(f, e);
	err |= finding__add_evidence(f, "denied_apis", "%s", e->apis[0] ? e->apis[0] : "");
	err |= finding__add_evidence(f, "remediation", "%s",
		"Find who issued this credential and why its first calls reach for credentials, "
		"policies or logging; revoke it unless its owner explains them, and check that no "
		"other credential grants what was denied");
	return finding__finish(a->d, f, err);
}

static void *npd_new(struct detector *d, const struct detector_config *cfg)
{
	struct evagg *a;

	(void)cfg;
	a = evagg__new(d, &rule_new_principal_denied, npd_emit, NULL);
	if (a)
		a->by_principal = 1;
	return a;
}

static int npd_feed(void *state, const struct audit_event *ev)
{
	struct evagg *a = state;
	int err;

	if (ev->outcome != GW_OUT_DENIED || !ev->api || !sensitive_api(ev->api) ||
	    ev->principal_kind == GW_PK_ANONYMOUS || !detector__principal_new(a->d, ev))
		return 0;
	evagg__add(a, ev, 0, GW_SEV_HIGH, 80.0, &err);
	return err;
}

static void npd_flush(void *state)
{
	evagg__flush(state);
}

static void npd_free(void *state)
{
	evagg__free(state);
}

const struct rule rule_new_principal_denied = {
	.id = "new-principal-denied",
	.account_wide = 1,
	.new = npd_new,
	.strings = evagg__rule_strings,
	.feed = npd_feed,
	.flush = npd_flush,
	.free = npd_free,
};
