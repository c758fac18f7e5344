/* How single-event rules match without parsing every request: operation
 * names compared in any case, as strcasestr() does (an operation that
 * merely contains another's name still counts, as it always has); a
 * request read only when it may hold what a rule looks for, however the
 * member's name is spelt (any case, or with JSON escapes); an Azure
 * operation (correlation id) judged once while it is among the last ones a
 * rule fired on. */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/detect_internal.h"

#define T0 1767225600000LL   /* 2026-01-01T00:00:00Z */
#define RID_SA "/SUBSCRIPTIONS/8F3C2A10/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/ACCT"

static struct audit_event az_ev(int64_t t, const char *api, const char *corr, const char *request)
{
	struct audit_event e = {
		.time_ms = t, .cloud = GW_CLOUD_AZURE, .action = GW_ACT_MANAGEMENT,
		.outcome = GW_OUT_OK, .principal_type = GW_PT_USER,
		.principal = "admin@example.com", .account = "8f3c2a10",
		.access_key = "", .source_ip = "203.0.113.10", .user_agent = "",
		.region = "global", .service = "Microsoft.Storage", .api = api,
		.bucket = "acct", .object_key = "", .error_code = "", .request_id = corr,
		.request = request,
	};

	return e;
}

/* Findings of rule: how many, and the severity of the last one. */
static size_t count_rule(struct detector *d, const char *rule, int *sev)
{
	const struct finding *const *fs;
	size_t n = detector__findings(d, &fs), k = 0;

	for (size_t i = 0; i < n; i++)
		if (strcmp(fs[i]->rule_id, rule) == 0) {
			k++;
			*sev = fs[i]->severity;
		}
	return k;
}

/* Feed one event to a new detector: the findings of rule. */
static size_t one(const struct audit_event *e, const char *rule, int *sev)
{
	struct detector_config cfg;
	struct detector *d;
	size_t n;

	detector_config__defaults(&cfg);
	d = detector__new(&cfg);
	if (!d || detector__feed(d, e) != 0)
		return 99;
	detector__flush(d);
	n = count_rule(d, rule, sev);
	detector__free(d);
	return n;
}

TEST(single_icontains_is_strcasestr)
{
	static const char *const hay[] = {
		"", "/", "Microsoft.Storage/storageAccounts/listKeys/action",
		"MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION", "microsoft.storage/listkeys/actio",
		"x//listKeys/action", "/listKeys/listKeys/actionx", "/li/lis/listkeys/ACTION/",
		"Microsoft.Insights/DiagnosticSettings/Delete", "caf\xc3\xa9/listKeys/action",
		"CLOUDAUDIT.googleapis.com", "logName:\"storage\"", "aaab", "AaAaAB",
	};
	static const char *const needle[] = {
		"", "/", "/listKeys/action", "/LISTKEYS/ACTION", "/listKeys/actionx", "istkeys",
		"/diagnosticSettings/delete", "cloudaudit", "storage", "aab", "AAAB", "\xc3\xa9/",
		"\xc3\x89/", "x", "/li/lis/listkeys/action//",
	};

	for (size_t i = 0; i < sizeof(hay) / sizeof(hay[0]); i++)
		for (size_t j = 0; j < sizeof(needle) / sizeof(needle[0]); j++)
			if ((str__icontains(hay[i], needle[j]) != 0) !=
			    (strcasestr(hay[i], needle[j]) != NULL))
				FAIL_AT("str__icontains(\"%s\", \"%s\") differs from strcasestr",
					hay[i], needle[j]);
}

TEST(single_azure_operation_names_any_case)
{
	static const char *const rid_sa = "{\"resourceId\":\"" RID_SA "/providers/"
		"microsoft.insights/diagnosticSettings/s\",\"properties\":{}}";
	static const char *const rid_kv = "{\"resourceId\":\"/subscriptions/8f3c2a10/"
		"resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv\",\"properties\":{}}";
	struct audit_event e;
	int sev = -1;

	e = az_ev(T0, "MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION", "c1", "");
	ASSERT_EQ_U64(1, one(&e, "storage-credential-created", &sev));
	ASSERT_EQ_INT(GW_SEV_MEDIUM, sev);
	e = az_ev(T0, "microsoft.storage/storageaccounts/regeneratekey/action", "c2", "");
	ASSERT_EQ_U64(1, one(&e, "storage-credential-created", &sev));
	ASSERT_EQ_INT(GW_SEV_HIGH, sev);
	/* contains the operation's name: matched as it always was */
	e = az_ev(T0, "Microsoft.Storage/storageAccounts/listKeys/actions", "c3", "");
	ASSERT_EQ_U64(1, one(&e, "storage-credential-created", &sev));
	/* a neighbour that does not contain it */
	e = az_ev(T0, "Microsoft.Storage/storageAccounts/listKeys", "c4", "");
	ASSERT_EQ_U64(0, one(&e, "storage-credential-created", &sev));
	e = az_ev(T0, "Microsoft.Storage/storageAccounts/write", "c5", "");
	ASSERT_EQ_U64(0, one(&e, "storage-credential-created", &sev));

	/* critical when the setting belonged to a storage account, any case */
	e = az_ev(T0, "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", "c6", rid_sa);
	ASSERT_EQ_U64(1, one(&e, "audit-logging-disabled", &sev));
	ASSERT_EQ_INT(GW_SEV_CRITICAL, sev);
	e = az_ev(T0, "microsoft.insights/diagnosticsettings/delete", "c7", rid_kv);
	ASSERT_EQ_U64(1, one(&e, "audit-logging-disabled", &sev));
	ASSERT_EQ_INT(GW_SEV_HIGH, sev);
	e = az_ev(T0, "Microsoft.Insights/diagnosticSettings/read", "c8", rid_sa);
	ASSERT_EQ_U64(0, one(&e, "audit-logging-disabled", &sev));
}

TEST(single_request_member_any_spelling)
{
	static const char *const spelt[] = {
		"{\"resourceId\":\"" RID_SA "\",\"properties\":{\"requestbody\":"
		"\"{\\\"properties\\\":{\\\"allowBlobPublicAccess\\\":true}}\"}}",
		"{\"resourceId\":\"" RID_SA "\",\"properties\":{\"RequestBody\":"
		"{\"properties\":{\"allowBlobPublicAccess\":true}}}}",
		/* the member's name escaped: only the parser can read it */
		"{\"resourceId\":\"" RID_SA "\",\"properties\":{\"requ\\u0065stBody\":"
		"{\"properties\":{\"allowBlobPublicAccess\":true}}}}",
	};
	static const char *const gcp_spelt[] = {
		"{\"resourceName\":\"projects/_/buckets/b\",\"serviceData\":{\"policyDelta\":"
		"{\"BINDINGDELTAS\":[{\"action\":\"ADD\",\"member\":\"allUsers\","
		"\"role\":\"roles/storage.objectViewer\"}]}}}",
		"{\"resourceName\":\"projects/_/buckets/b\",\"serviceData\":{\"policyDelta\":"
		"{\"\\u0062indingDeltas\":[{\"action\":\"ADD\",\"member\":\"allUsers\","
		"\"role\":\"roles/storage.objectViewer\"}]}}}",
	};
	struct audit_event e;
	int sev = -1;

	for (size_t i = 0; i < sizeof(spelt) / sizeof(spelt[0]); i++) {
		e = az_ev(T0, "Microsoft.Storage/storageAccounts/write", "c1", spelt[i]);
		if (one(&e, "public-exposure", &sev) != 1)
			FAIL_AT("public-exposure missed request %zu", i);
	}
	e = az_ev(T0, "Microsoft.Storage/storageAccounts/write", "c2",
		  "{\"resourceId\":\"" RID_SA "\",\"properties\":{\"allowBlobPublicAccess\":true}}");
	ASSERT_EQ_U64(0, one(&e, "public-exposure", &sev));   /* no request body */

	for (size_t i = 0; i < sizeof(gcp_spelt) / sizeof(gcp_spelt[0]); i++) {
		e = az_ev(T0, "storage.setIamPermissions", "", gcp_spelt[i]);
		e.cloud = GW_CLOUD_GCP;
		e.service = "storage.googleapis.com";
		if (one(&e, "public-exposure", &sev) != 1 || sev != GW_SEV_CRITICAL)
			FAIL_AT("public-exposure missed GCP request %zu", i);
	}
}

TEST(single_azure_operation_judged_once_while_recent)
{
	struct detector_config cfg;
	struct audit_event e;
	struct detector *d;
	char corr[SINGLE_RECENT + 8][16];
	int sev;

	detector_config__defaults(&cfg);
	d = detector__new(&cfg);
	ASSERT(d);
	/* started and succeeded: one operation, one finding */
	e = az_ev(T0, "Microsoft.Storage/storageAccounts/listKeys/action", "op-0", "");
	ASSERT_EQ_INT(0, detector__feed(d, &e));
	e.time_ms += 1000;
	ASSERT_EQ_INT(0, detector__feed(d, &e));
	/* as many other operations as a rule remembers: op-0 falls out */
	for (int i = 1; i <= SINGLE_RECENT; i++) {
		snprintf(corr[i], sizeof(corr[i]), "op-%d", i);
		e = az_ev(T0 + 2000 + i, "Microsoft.Storage/storageAccounts/listKeys/action",
			  corr[i], "");
		ASSERT_EQ_INT(0, detector__feed(d, &e));
	}
	e = az_ev(T0 + 5000, "Microsoft.Storage/storageAccounts/listKeys/action", "op-64", "");
	ASSERT_EQ_INT(0, detector__feed(d, &e));       /* still recent: quiet */
	e = az_ev(T0 + 6000, "Microsoft.Storage/storageAccounts/listKeys/action", "op-0", "");
	ASSERT_EQ_INT(0, detector__feed(d, &e));       /* forgotten: judged again */
	detector__flush(d);
	ASSERT_EQ_U64(SINGLE_RECENT + 2, count_rule(d, "storage-credential-created", &sev));
	detector__free(d);
}
