/* libFuzzer target for one audit log parser, chosen at build time with
 * -DFUZZ_FORMAT=AUDIT_FMT_... (and -DFUZZ_AZURE_JSON for the Azure JSON
 * parser, which shares the azure format with the classic one). The input
 * is one log file's bytes; every event is checked for the invariants the
 * detector relies on (no NULL strings, enums in range). For CloudTrail the
 * record scanner is also checked against cJSON at each object of the
 * input: what it takes, cJSON takes the same. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit/audit_internal.h"
#include "audit/formats/cloudtrail_fields.h"
#include "lib/log.h"

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
	if (ev->action > GW_ACT_OBJECT_COPY || ev->outcome > GW_OUT_ERROR ||
	    ev->principal_type > GW_PT_ACCOUNT || ev->cloud > GW_CLOUD_MINIO)
		abort();
	return 0;
}

static int same_val(const struct ct_val *x, const struct ct_val *y)
{
	if (x->type != y->type)
		return 0;
	if (x->type == CT_STR)
		return x->n == y->n && memcmp(x->s, y->s, x->n) == 0;
	return x->type != CT_NUM || x->num == y->num || (isnan(x->num) && isnan(y->num));
}

/* A raw member: the scanner kept its text exactly when cJSON has the
 * subtree, and the text parses to an equal tree. */
static int same_raw(const struct ct_val *x, const cJSON *tree)
{
	char *pa = NULL, *pb = NULL;
	cJSON *parsed;
	int same;

	if (x->type != CT_OTHER || !tree)
		return x->type != CT_OTHER && !tree;
	/* printed, not cJSON_Compare: that looks members up by name, which
	 * duplicate names (valid JSON) defeat */
	parsed = cJSON_ParseWithLength(x->s, x->n);
	if (parsed) {
		pa = cJSON_PrintUnformatted(parsed);
		pb = cJSON_PrintUnformatted(tree);
	}
	same = pa && pb && strcmp(pa, pb) == 0;
	free(pa);
	free(pb);
	cJSON_Delete(parsed);
	return same;
}

/* ctscan.c against cJSON for the object at buf[0..len). */
static void scan_vs_cjson(const char *buf, size_t len)
{
	struct ct_fields a, b;
	const char *next, *end;
	cJSON *tree;

	memset(&a, 0, sizeof(a));
	if (!ct_scan__record(buf, buf + len, &a, &next))
		return;
	tree = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (!tree || end != next)
		abort();
	memset(&b, 0, sizeof(b));
	ct_fields__of_tree(&b, tree);
	for (int i = 0; i < F_N; i++) {
		if (i >= F_REQ_RAW && i <= F_RES_RAW) {
			/* raw members: the scanner's text, cJSON's subtree */
			if (!same_raw(&a.v[i], b.raw_tree[i - F_REQ_RAW]))
				abort();
			continue;
		}
		if (!same_val(&a.v[i], &b.v[i]))
			abort();
	}
	cJSON_Delete(tree);
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
	if (FUZZ_FORMAT == AUDIT_FMT_CLOUDTRAIL) {
		/* the input as it came (buf may have been blanked), at up to 64 objects */
		memcpy(buf, data, size);
		for (size_t i = 0, n = 0; i < size && n < 64; i++) {
			if (buf[i] != '{')
				continue;
			n++;
			scan_vs_cjson(buf + i, size - i);
		}
	}
out:
	audit_ctx__release(&c);
	strpool__free(pool);
	free(buf);
	return 0;
}
