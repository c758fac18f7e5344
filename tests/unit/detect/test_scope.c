/* [audit] scope = gateway: which events touch the gateway, and which rules
 * are left to the agents with scope all. */
#include <string.h>

#include "assert.h"
#include "detect/detect.h"

static struct audit_event event(const char *key, const char *ip, const char *bucket)
{
	struct audit_event e = { .time_ms = 1764000000000LL, .access_key = key, .source_ip = ip,
				 .bucket = bucket };
	return e;
}

TEST(scope_gateway_events)
{
	static const char *const keys[] = { "AKIAGATEWAY000000001" };
	static const char *const ips[] = { "192.0.2.0/28", "2001:db8::7" };
	static const char *const buckets[] = { "finance" };
	struct detector_config c;
	struct audit_event e;

	detector_config__defaults(&c);
	e = event("AKIAOTHER00000000001", "203.0.113.9", "hr");
	ASSERT_EQ_INT(1, detector_config__in_scope(&c, &e));   /* scope all */
	c.gateway_scope = 1;
	c.scope_keys = keys;
	c.nscope_keys = 1;
	c.scope_ips = ips;
	c.nscope_ips = 2;
	c.scope_buckets = buckets;
	c.nscope_buckets = 1;
	ASSERT_EQ_INT(0, detector_config__in_scope(&c, &e));
	e = event("AKIAGATEWAY000000001", "203.0.113.9", "hr");
	ASSERT_EQ_INT(1, detector_config__in_scope(&c, &e));
	e = event("", "", "finance");
	ASSERT_EQ_INT(1, detector_config__in_scope(&c, &e));
	e = event("", "192.0.2.15", "");
	ASSERT_EQ_INT(1, detector_config__in_scope(&c, &e));
	e = event("", "192.0.2.16", "");   /* just outside the /28 */
	ASSERT_EQ_INT(0, detector_config__in_scope(&c, &e));
	e = event("", "2001:db8::7", "");
	ASSERT_EQ_INT(1, detector_config__in_scope(&c, &e));
	e = event("", "2001:db8::8", "");
	ASSERT_EQ_INT(0, detector_config__in_scope(&c, &e));
	e = event(NULL, NULL, NULL);
	ASSERT_EQ_INT(0, detector_config__in_scope(&c, &e));
}

TEST(scope_account_wide_rules)
{
	static const char *const wide[] = {
		"audit-logging-disabled", "storage-credential-created", "root-activity",
		"first-sighting", "workload-credential-off-workload", "new-principal-denied",
	};
	size_t n = 0;
	const char *id;

	for (size_t i = 0; (id = detector__rule_id(i)); i++) {
		int want = 0;

		for (size_t k = 0; k < sizeof(wide) / sizeof(wide[0]); k++)
			want |= strcmp(id, wide[k]) == 0;
		if (want != detector__rule_account_wide(i))
			FAIL_AT("%s: account-wide expected %d", id, want);
		n += (size_t)want;
	}
	ASSERT_EQ_U64(sizeof(wide) / sizeof(wide[0]), n);
}
