/* Rule "ransomware-encryption": one successful write that locks the owner
 * out of their own objects, or the note that asks for the ransom:
 *   aws:   CopyObject, PutObject, UploadPart(Copy) or CreateMultipartUpload
 *          with SSE-C (a key only the caller holds: the 2025 SSE-C
 *          campaign) or with SSE-KMS under a key of a foreign account;
 *          PutBucketEncryption to a foreign account's key;
 *   gcp:   objects written or rewritten with a customer-supplied key, or a
 *          KMS key of a foreign project; a bucket's default key set to a
 *          foreign project's key;
 *   azure: a storage account's customer-managed key reached through an
 *          identity of a foreign subscription;
 *   all:   an object whose name matches a ransom-note pattern ([detect]
 *          ransom_notes, else the built-in list).
 * Foreign: not one of [detect] own_accounts (else not one the logs belong
 * to). MITRE T1486 (data encrypted for impact). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "detect/detect_internal.h"

#define NOTES_MAX 64

/* Names ransomware gives its notes (matched on the object's base name). */
static const char *const default_notes[] = {
	"*ransom*", "*decrypt*.txt", "*decrypt*.htm*", "*decrypt*.hta",
	"*how*to*recover*data.*", "*how*to*recover*your*", "*how*to*recover*files*",
	"*how*to*restore*files*", "*restore*my*files*", "*restore*your*files*",
	"*recover*your*files*", "*files*encrypted*", "*files*deleted*", "*files*are*locked*",
	"*recovery*instructions*", "*decryption*instructions*", "!*read*me*", "*read*me*!*",
	"_readme.txt", "*readme*to*decrypt*", "*pay*to*unlock*",
};

struct ransom {
	struct single s;          /* first: the single__* helpers take it */
	const char *notes[NOTES_MAX];
	size_t nnotes;
	struct globs *globs;      /* the notes, compiled */
};

static const char *const FIX_KEY = "Block the principal, restore the objects from earlier versions "
				   "and deny s3:PutObject with SSE-C or foreign keys by policy";

static void *ransom_new(struct detector *d, const struct detector_config *cfg)
{
	struct ransom *r = calloc(1, sizeof(*r));
	const char *const *src = cfg->nransom_notes ? cfg->ransom_notes : default_notes;
	size_t n = cfg->nransom_notes ? cfg->nransom_notes :
		   sizeof(default_notes) / sizeof(default_notes[0]);

	if (!r)
		return NULL;
	r->s.d = d;
	for (size_t i = 0; i < n && r->nnotes < NOTES_MAX; i++) {
		r->notes[r->nnotes] = detector__intern(d, src[i]);
		if (!r->notes[r->nnotes]) {
			free(r);
			errno = ENOMEM;
			return NULL;
		}
		r->nnotes++;
	}
	r->globs = globs__new(r->notes, r->nnotes);
	if (!r->globs) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

static void ransom_free(void *state)
{
	struct ransom *r = state;

	globs__free(r->globs);
	single__free(r);
}

/* The account of an ARN "arn:PART:SVC:REGION:ACCOUNT:..." into buf, or "". */
static const char *arn_account(const char *arn, char *buf, size_t len)
{
	const char *p = arn, *e;

	buf[0] = '\0';
	if (strncmp(arn, "arn:", 4) != 0)
		return buf;
	for (int i = 0; i < 4 && p; i++)
		p = (p = strchr(p, ':')) ? p + 1 : NULL;
	if (p && (e = strchr(p, ':')) && (size_t)(e - p) < len) {
		memcpy(buf, p, (size_t)(e - p));
		buf[e - p] = '\0';
	}
	return buf;
}

static void aws_key(struct detector *d, const char *what, const char *key, struct single_best *b)
{
	char acct[64];

	if (*arn_account(key, acct, sizeof(acct)) && !detector__account_is_own(d, acct))
		single__hit(b, GW_SEV_CRITICAL, 95.0, FIX_KEY, "%s -> SSE-KMS with key %s of account %s",
			    what, key, acct);
}

static int hex2(const char *p, unsigned *v)
{
	unsigned r = 0;

	for (int i = 0; i < 2; i++) {
		char c = p[i];

		if (c >= '0' && c <= '9')
			r = r * 16 + (unsigned)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			r = r * 16 + (unsigned)((c | 0x20) - 'a' + 10);
		else
			return 0;
	}
	*v = r;
	return 1;
}

/* x-amz-copy-source ("bucket/key", URL-encoded, maybe with a leading '/'
 * and ?versionId=) names the object being written. */
static int copy_in_place(const struct audit_event *ev, const char *src)
{
	size_t nb = strlen(ev->bucket);
	char dec[1024];
	size_t n;

	if (*src == '/')
		src++;
	if (!*src || strlen(src) >= sizeof(dec))
		return 0;
	n = strcspn(src, "?");
	memcpy(dec, src, n);
	dec[n] = '\0';
	for (size_t i = 0, j = 0; i <= n; i++, j++) {
		unsigned v;

		if (dec[i] == '%' && i + 2 < n && hex2(dec + i + 1, &v)) {
			dec[j] = (char)v;
			i += 2;
		} else {
			dec[j] = dec[i];
		}
	}
	return strncmp(dec, ev->bucket, nb) == 0 && dec[nb] == '/' &&
	       strcmp(dec + nb + 1, ev->object_key ? ev->object_key : "") == 0;
}

static void aws(struct detector *d, const struct audit_event *ev, struct single_best *b)
{
	static const char *const kms = "x-amz-server-side-encryption-aws-kms-key-id";
	const cJSON *req, *rp, *rule, *rules;
	int bucket_enc = strcmp(ev->api, "PutBucketEncryption") == 0;

	if (!bucket_enc && ev->action != GW_ACT_OBJECT_WRITE && ev->action != GW_ACT_OBJECT_COPY)
		return;
	/* an object write judged below names one of these members (most name
	 * none: their request is not parsed) */
	if (!bucket_enc && !single__may_have(ev, "x-amz-server-side-encryption-customer-algorithm") &&
	    !single__may_have(ev, "SSEApplied") && !single__may_have(ev, kms))
		return;
	req = single__request(ev);
	if (!req)
		return;   /* no request: nothing below can hit */
	rp = json__path(req, "requestParameters");
	if (bucket_enc) {
		rules = json__path(rp, "ServerSideEncryptionConfiguration.Rule");
		if (cJSON_IsObject(rules))
			aws_key(d, "default encryption", json__str(json__path(rules,
				"ApplyServerSideEncryptionByDefault.KMSMasterKeyID")), b);
		if (!cJSON_IsArray(rules))
			rules = NULL;
		cJSON_ArrayForEach(rule, rules)
			aws_key(d, "default encryption", json__str(json__path(rule,
				"ApplyServerSideEncryptionByDefault.KMSMasterKeyID")), b);
		return;
	}
	if (ev->action != GW_ACT_OBJECT_WRITE && ev->action != GW_ACT_OBJECT_COPY)
		return;
	if (json__path(rp, "x-amz-server-side-encryption-customer-algorithm") ||
	    str__ieq(json__str(json__path(req, "additionalEventData.SSEApplied")), "SSE_C")) {
		/* rewriting an object in place is the campaign's move; a new
		 * upload with SSE-C may be an application's choice */
		if (copy_in_place(ev, json__str(json__path(rp, "x-amz-copy-source"))))
			single__hit(b, GW_SEV_CRITICAL, 97.0, FIX_KEY, "object %s re-encrypted in place -> "
				    "SSE-C (a key the owner does not hold)", ev->object_key);
		else
			single__hit(b, GW_SEV_HIGH, 82.0, FIX_KEY,
				    "object encryption -> SSE-C (a key the owner does not hold)");
	}
	aws_key(d, "object encryption", json__str(json__path(rp, kms)), b);
	aws_key(d, "object encryption", json__str(json__path(json__path(req, "responseElements"), kms)), b);
}

/* "projects/P/locations/L/keyRings/R/cryptoKeys/K" -> P. */
static void gcp_key(struct detector *d, const char *what, const char *key, struct single_best *b)
{
	char proj[128];
	const char *e;

	if (strncmp(key, "projects/", 9) != 0 || !(e = strchr(key + 9, '/')) ||
	    (size_t)(e - key - 9) >= sizeof(proj))
		return;
	memcpy(proj, key + 9, (size_t)(e - key - 9));
	proj[e - key - 9] = '\0';
	if (!detector__account_is_own(d, proj))
		single__hit(b, GW_SEV_CRITICAL, 95.0, FIX_KEY, "%s -> KMS key %s of project %s", what,
			    key, proj);
}

static void gcp(struct detector *d, const struct audit_event *ev, struct single_best *b)
{
	const cJSON *req;

	if (strstr(ev->api, "buckets.update") || strstr(ev->api, "buckets.patch")) {
		gcp_key(d, "default encryption", json__str(json__path(single__request(ev),
			"request.metadata.encryption.defaultKmsKeyName")), b);
		return;
	}
	if ((ev->action != GW_ACT_OBJECT_WRITE && ev->action != GW_ACT_OBJECT_COPY) ||
	    (!single__may_have(ev, "customerEncryption") && !single__may_have(ev, "encryptionAlgorithm") &&
	     !single__may_have(ev, "kmsKeyName")))
		return;
	req = single__request(ev);
	if (json__path(req, "request.customerEncryption") ||
	    json__path(req, "request.metadata.customerEncryption") ||
	    json__path(req, "request.object.customerEncryption") ||
	    json__path(req, "request.commonObjectRequestParams.encryptionAlgorithm") ||
	    json__path(req, "response.customerEncryption") ||
	    json__path(req, "response.resource.customerEncryption"))
		single__hit(b, GW_SEV_CRITICAL, 97.0, FIX_KEY,
			    "object encryption -> customer-supplied key (CSEK)");
	gcp_key(d, "object encryption", json__str(json__path(req, "request.destinationKmsKeyName")), b);
	gcp_key(d, "object encryption", json__str(json__path(req, "request.kmsKeyName")), b);
	gcp_key(d, "object encryption", json__str(json__path(req, "response.kmsKeyName")), b);
}

static void azure(struct detector *d, const struct audit_event *ev, struct single_best *b)
{
	const char *id, *sub;
	char acct[64];
	cJSON *body;

	if (!str__iends(ev->api, "/storageAccounts/write"))
		return;
	body = single__azure_body(ev);
	id = json__str(json__path(body, "properties.encryption.identity.userAssignedIdentity"));
	if (str__ieq(json__str(json__path(body, "properties.encryption.keySource")), "Microsoft.Keyvault") &&
	    (sub = strcasestr(id, "/subscriptions/"))) {
		sub += 15;
		snprintf(acct, sizeof(acct), "%.*s", (int)strcspn(sub, "/"), sub);
		if (!detector__account_is_own(d, acct))
			single__hit(b, GW_SEV_CRITICAL, 92.0, FIX_KEY,
				    "encryption -> customer-managed key through identity %s (subscription %s)",
				    id, acct);
	}
	cJSON_Delete(body);
}

static void note(const struct ransom *r, const struct audit_event *ev, struct single_best *b)
{
	const char *key = ev->object_key, *base, *pat;

	if ((ev->action != GW_ACT_OBJECT_WRITE && ev->action != GW_ACT_OBJECT_COPY) || !key || !*key)
		return;
	base = strrchr(key, '/');
	base = base ? base + 1 : key;
	pat = globs__first(r->globs, NULL, base);
	if (pat)
		single__hit(b, GW_SEV_HIGH, 85.0, "Treat the bucket as compromised: block the "
			    "principal and check every object's versions",
			    "ransom note written: %s (pattern %s)", key, pat);
}

static int ransom_feed(void *state, const struct audit_event *ev)
{
	static const char *const mitre[] = { "T1486", NULL };
	struct ransom *r = state;
	struct single_best b;

	if (single__skip(&r->s, ev) || !single__fresh(&r->s, ev))
		return 0;
	single_best__init(&b);
	note(r, ev, &b);
	/* each judge finds nothing in an event without a request */
	if (ev->cloud == GW_CLOUD_AWS)
		aws(r->s.d, ev, &b);
	else if (ev->cloud == GW_CLOUD_GCP)
		gcp(r->s.d, ev, &b);
	else if (ev->cloud == GW_CLOUD_AZURE)
		azure(r->s.d, ev, &b);
	return single__report(&r->s, &rule_ransomware_encryption, ev, &b,
			      "Objects encrypted or held for ransom", mitre);
}

static void ransom_strings(void *state, struct strmark *m)
{
	struct ransom *s = state;

	single__strings(&s->s, m);
	strmark__v(m, s->notes, s->nnotes);
}

const struct rule rule_ransomware_encryption = {
	.id = "ransomware-encryption",
	.new = ransom_new,
	.feed = ransom_feed,
	.flush = single__flush,
	.free = ransom_free,
	.strings = ransom_strings,
};
