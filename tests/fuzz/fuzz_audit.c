/* libFuzzer target for one audit log parser, chosen at build time with
 * -DFUZZ_FORMAT=AUDIT_FMT_... (and -DFUZZ_AZURE_JSON for the Azure JSON
 * parser, which shares the azure format with the classic one). The input
 * is one log file's bytes; every event is checked for the invariants the
 * detector relies on (no NULL strings, enums in range). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_internal.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(const struct audit_event *ev, void *ctx)
{
	const char *s[] = { ev->principal, ev->account, ev->access_key, ev->source_ip,
			    ev->user_agent, ev->region, ev->service, ev->api, ev->bucket,
			    ev->object_key, ev->error_code, ev->request_id };

	(void)ctx;
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (!s[i] || strlen(s[i]) > AUDIT_MAX_FIELD)
			abort();
	if (ev->action > GW_ACT_MANAGEMENT || ev->outcome > GW_OUT_ERROR ||
	    ev->principal_type > GW_PT_ACCOUNT || ev->cloud > GW_CLOUD_MINIO)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	struct audit_stats st = { 0 };
	struct strpool *pool;
	struct audit_ctx c = { .path = "fuzz", .cb = check, .st = &st };
	char *buf;

	if (!quiet) {
		gw_log_set_level(LOG_CRIT);
		quiet = 1;
	}
	buf = malloc(size + 1);
	pool = strpool__new();
	if (!buf || !pool)
		goto out;
	memcpy(buf, data, size);
	buf[size] = '\0';
	c.pool = pool;
	audit_dedup__reset();     /* each input on its own, reproducibly */
#ifdef FUZZ_AZURE_JSON
	azure_json__parse(&c, buf, size);
#else
	audit_buf__parse(&c, FUZZ_FORMAT, buf, size);
#endif
	/* Every record is delivered, skipped, ignored or a duplicate: none lost,
	 * none twice. */
	if (st.events + st.skipped + st.ignored + st.duplicates != st.records)
		abort();
out:
	strpool__free(pool);
	free(buf);
	return 0;
}
