/* libFuzzer target for one audit log parser, chosen at build time with
 * -DFUZZ_FORMAT=AUDIT_FMT_... (and -DFUZZ_AZURE_JSON for the Azure JSON
 * parser, which shares the azure format with the classic one). The input
 * is one log file's bytes; every event is checked for the invariants the
 * detector relies on (no NULL strings, enums in range). For CloudTrail the
 * record scanner is also checked against cJSON at each object of the
 * input: what it takes, cJSON takes the same. For the JSON-lines formats
 * (GCS, StorageBlobLogs, Azure activity, MinIO) the input is read twice,
 * with the field scanner and with cJSON alone: the same events, field by
 * field, and the same counts. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit/audit_internal.h"
#include "audit/formats/cloudtrail_fields.h"
#include "lib/log.h"
#include "lib/strpool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef FUZZ_AZURE_JSON
#define AZURE_JSON 1
#else
#define AZURE_JSON 0
#endif

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

/* The events of one read, for comparing two reads of the same input. */
#define MAX_KEPT 64
struct kept {
	struct audit_event ev[MAX_KEPT];
	size_t n;
};

static int keep(const struct audit_event *ev, void *ctx)
{
	struct kept *k = ctx;

	if (check(ev, NULL))
		abort();
	if (k->n < MAX_KEPT)
		k->ev[k->n] = *ev;
	k->n++;
	return 0;
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_event(const struct audit_event *a, const struct audit_event *b)
{
	const char *x[] = { a->principal, a->account, a->access_key, a->source_ip, a->user_agent,
			    a->region, a->service, a->api, a->bucket, a->object_key,
			    a->error_code, a->request_id, a->principal_account, a->created,
			    a->request };
	const char *y[] = { b->principal, b->account, b->access_key, b->source_ip, b->user_agent,
			    b->region, b->service, b->api, b->bucket, b->object_key,
			    b->error_code, b->request_id, b->principal_account, b->created,
			    b->request };

	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		if (!same_str(x[i], y[i]))
			return 0;
	return a->time_ms == b->time_ms && a->cloud == b->cloud && a->action == b->action &&
	       a->outcome == b->outcome && a->principal_type == b->principal_type &&
	       a->key_long_term == b->key_long_term && a->principal_kind == b->principal_kind &&
	       a->bytes_out == b->bytes_out && a->bytes_in == b->bytes_in;
}

/* One read of data[0..size) as the target's format, with flags. */
static void read_as(const uint8_t *data, size_t size, unsigned flags, struct strpool *pool,
		    struct kept *k, struct audit_stats *st)
{
	struct audit_ctx c = { .path = "fuzz", .cb = keep, .cb_ctx = k, .st = st, .pool = pool,
			       .flags = flags };
	char *buf = malloc(size + 1);

	if (!buf)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	audit_dedup__reset();
#ifdef FUZZ_AZURE_JSON
	azure_json__parse(&c, buf, size);
#else
	audit_buf__parse(&c, FUZZ_FORMAT, buf, size);
#endif
	free(buf);
}

/* The JSON-lines formats read with their field scanner and with cJSON
 * alone: the same events, the same counts. */
static void scanner_vs_cjson(const uint8_t *data, size_t size)
{
	struct audit_stats sa = { 0 }, sb = { 0 };
	struct strpool *pa = strpool__new(), *pb = strpool__new();
	struct kept *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));

	if (!pa || !pb || !a || !b)
		abort();
	read_as(data, size, 0, pa, a, &sa);
	read_as(data, size, AUDIT_READ_NO_SCAN, pb, b, &sb);
	if (sa.records != sb.records || sa.events != sb.events || sa.skipped != sb.skipped ||
	    sa.duplicates != sb.duplicates || sa.non_storage != sb.non_storage || a->n != b->n)
		abort();
	for (size_t i = 0; i < a->n && i < MAX_KEPT; i++)
		if (!same_event(&a->ev[i], &b->ev[i]))
			abort();
	strpool__free(pa);
	strpool__free(pb);
	free(a);
	free(b);
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
	if (AZURE_JSON || FUZZ_FORMAT == AUDIT_FMT_GCS || FUZZ_FORMAT == AUDIT_FMT_MINIO ||
	    FUZZ_FORMAT == AUDIT_FMT_AZURE_ACTIVITY)
		scanner_vs_cjson(data, size);
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
	strpool__free(pool);
	free(buf);
	return 0;
}
