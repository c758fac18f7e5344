/* The JSON-lines field scanner (agent/audit/formats/jscan.c) against
 * cJSON: every sample record of GCS, StorageBlobLogs, Azure activity and
 * MinIO read both ways (the scanner in front, and cJSON alone with
 * AUDIT_READ_NO_SCAN) gives the same events, field by field, and the same
 * counts; hostile records are declined or read the same. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "assert.h"
#include "audit/audit_internal.h"
#include "audit/jsonarena.h"
#include "audit/formats/jscan.h"
#include "audit_test_util.h"
#include "lib/log.h"

#define MAX_EV 256

struct evs {
	struct audit_event ev[MAX_EV];
	size_t n;
};

static int keep(const struct audit_event *ev, void *ctx)
{
	struct evs *e = ctx;

	if (e->n < MAX_EV)
		e->ev[e->n] = *ev;
	e->n++;
	return 0;
}

struct run {
	struct evs e;
	struct audit_stats st;
	struct strpool *pool;
	uint64_t scanned;
};

/* A whole file, NUL-terminated (free it), or NULL. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = '\0';
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	return buf;
}

static const char *const fmt_name[] = { "gcs", "azure_json", "azure_activity", "minio" };

/* buf[0..len) read as format fmt (0..3), with flags. */
static void run(int fmt, const char *buf, size_t len, unsigned flags, struct run *r)
{
	struct audit_ctx c = { .path = "jscan-test", .cb = keep, .flags = flags };
	char *copy = malloc(len + 1);

	memset(r, 0, sizeof(*r));
	r->pool = strpool__new();
	if (!copy || !r->pool) {
		free(copy);
		return;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	c.cb_ctx = &r->e;
	c.st = &r->st;
	c.pool = r->pool;
	audit_dedup__reset();
	json_arena__begin();
	if (fmt == 0)
		gcs__parse(&c, copy, len);
	else if (fmt == 1)
		azure_json__parse(&c, copy, len);
	else if (fmt == 2)
		azure_activity__parse(&c, copy, len);
	else
		minio__parse(&c, copy, len);
	json_arena__end();
	r->scanned = c.scanned;
	free(copy);
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The first field where two events differ, or NULL. */
static const char *event_differs(const struct audit_event *a, const struct audit_event *b)
{
	const char *const names[] = { "principal", "account", "access_key", "source_ip",
				      "user_agent", "region", "service", "api", "bucket",
				      "object_key", "error_code", "request_id",
				      "principal_account", "created", "request" };
	const char *x[] = { a->principal, a->account, a->access_key, a->source_ip, a->user_agent,
			    a->region, a->service, a->api, a->bucket, a->object_key,
			    a->error_code, a->request_id, a->principal_account, a->created,
			    a->request };
	const char *y[] = { b->principal, b->account, b->access_key, b->source_ip, b->user_agent,
			    b->region, b->service, b->api, b->bucket, b->object_key,
			    b->error_code, b->request_id, b->principal_account, b->created,
			    b->request };

	if (a->time_ms != b->time_ms)
		return "time_ms";
	if (a->cloud != b->cloud || a->action != b->action || a->outcome != b->outcome)
		return "cloud/action/outcome";
	if (a->principal_type != b->principal_type || a->key_long_term != b->key_long_term ||
	    a->principal_kind != b->principal_kind)
		return "principal type/kind/key";
	if (a->bytes_out != b->bytes_out || a->bytes_in != b->bytes_in)
		return "bytes";
	if (a->dedup_key != b->dedup_key)
		return "dedup_key";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!same_str(x[i], y[i]))
			return names[i];
	return NULL;
}

/* buf read both ways: the same events and counts. Returns how many values
 * the scanner took, or -1 (after saying why) when the ways differ. */
static long both_ways(int fmt, const char *buf, size_t len, const char *what)
{
	struct run *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	const char *why = NULL;
	long taken = -1;
	int level = gw_log_level();

	if (!a || !b)
		goto out;
	/* the records skipped on purpose are not news */
	gw_log_set_level(LOG_CRIT);
	run(fmt, buf, len, 0, a);
	run(fmt, buf, len, AUDIT_READ_NO_SCAN, b);
	gw_log_set_level(level);
	if (a->st.records != b->st.records || a->st.events != b->st.events ||
	    a->st.skipped != b->st.skipped || a->st.skip_bad_bytes != b->st.skip_bad_bytes ||
	    a->st.duplicates != b->st.duplicates || a->st.non_storage != b->st.non_storage ||
	    a->e.n != b->e.n)
		why = "counts";
	for (size_t i = 0; !why && i < a->e.n && i < MAX_EV; i++)
		why = event_differs(&a->e.ev[i], &b->e.ev[i]);
	if (why)
		fprintf(stderr, "  %s (%s): scanner and cJSON differ in %s (records %llu/%llu, "
			"events %llu/%llu)\n", what, fmt_name[fmt], why,
			(unsigned long long)a->st.records, (unsigned long long)b->st.records,
			(unsigned long long)a->st.events, (unsigned long long)b->st.events);
	else
		taken = (long)a->scanned;
	if (b->scanned)
		taken = -1;
out:
	if (a)
		strpool__free(a->pool);
	if (b)
		strpool__free(b->pool);
	free(a);
	free(b);
	return taken;
}

/* Every record of a JSON text, compact, pretty, as an array and in
 * {"records":[...]}, both ways; the values the scanner took. */
static long shapes(int fmt, const char *json, const char *what)
{
	cJSON *t = cJSON_Parse(json);
	char *compact = t ? cJSON_PrintUnformatted(t) : NULL, *pretty = t ? cJSON_Print(t) : NULL;
	char *wrap = NULL;
	long n = 0, k;
	size_t len;

	if (!compact || !pretty)
		goto fail;
	len = strlen(compact) * 2 + 32;
	wrap = malloc(len);
	if (!wrap)
		goto fail;
	k = both_ways(fmt, compact, strlen(compact), what);
	n += k;
	if (k < 0 || (k = both_ways(fmt, pretty, strlen(pretty), what)) < 0)
		goto fail;
	n += k;
	snprintf(wrap, len, "{\"records\":[%s,%s]}", compact, compact);
	if ((k = both_ways(fmt, wrap, strlen(wrap), what)) < 0)
		goto fail;
	n += k;
	snprintf(wrap, len, "[%s,\n%s]", compact, compact);
	if ((k = both_ways(fmt, wrap, strlen(wrap), what)) < 0)
		goto fail;
	n += k;
	free(wrap);
	free(compact);
	free(pretty);
	cJSON_Delete(t);
	return n;
fail:
	free(wrap);
	free(compact);
	free(pretty);
	cJSON_Delete(t);
	return -1;
}

/* Every file of a real-log directory, whole and record by record (each
 * JSON value of it); the values the scanner took, or -1. */
static long real_dir(int fmt, const char *dir)
{
	char path[512], *buf;
	struct dirent *de;
	long n = 0, k;
	size_t len;
	DIR *d = opendir(dir);

	if (!d)
		return 0;     /* the samples are beside the checkout, when present */
	while ((de = readdir(d))) {
		if (!strstr(de->d_name, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		buf = slurp(path, &len);
		if (!buf)
			continue;
		k = both_ways(fmt, buf, len, path);
		for (const char *p = buf, *end; k >= 0 && (p = strchr(p, '{')); p = end) {
			cJSON *v = cJSON_ParseWithOpts(p, &end, 0);
			char *one = v ? cJSON_PrintUnformatted(v) : NULL;
			long s = one ? shapes(fmt, one, path) : 0;

			free(one);
			cJSON_Delete(v);
			if (!v)
				end = p + 1;
			k = s < 0 ? -1 : k + s;
		}
		free(buf);
		if (k < 0) {
			closedir(d);
			return -1;
		}
		n += k;
	}
	closedir(d);
	return n;
}

#define CLAIMS "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"

/* Records written from the documented shapes, every field read set, and
 * their variants (PascalCase, BigQuery, older MinIO, event data). */
static const char *const samples[4][8] = {
	{ "{\"protoPayload\":{\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\","
	  "\"status\":{},\"authenticationInfo\":{\"principalEmail\":\"alice@example.com\"},"
	  "\"requestMetadata\":{\"callerIp\":\"203.0.113.7\",\"callerSuppliedUserAgent\":\"gcloud/1\"},"
	  "\"serviceName\":\"storage.googleapis.com\",\"methodName\":\"storage.objects.get\","
	  "\"authorizationInfo\":[{\"permission\":\"storage.objects.get\",\"granted\":true}],"
	  "\"resourceName\":\"projects/_/buckets/b1/objects/a/b.txt\",\"resourceLocation\":"
	  "{\"currentLocations\":[\"us\"]}},\"insertId\":\"i1\",\"resource\":{\"type\":\"gcs_bucket\","
	  "\"labels\":{\"project_id\":\"p1\",\"bucket_name\":\"b1\",\"location\":\"us\"}},"
	  "\"timestamp\":\"2024-05-01T10:00:00.123Z\",\"severity\":\"INFO\",\"logName\":"
	  "\"projects/p1/logs/cloudaudit.googleapis.com%2Fdata_access\",\"receiveTimestamp\":"
	  "\"2024-05-01T10:00:01Z\"}",
	  "{\"protoPayload\":{\"status\":{\"code\":7,\"message\":\"PERMISSION_DENIED\"},"
	  "\"authenticationInfo\":{\"principalEmail\":\"sa@p2.iam.gserviceaccount.com\","
	  "\"serviceAccountKeyName\":\"//iam.googleapis.com/k/1\"},\"serviceName\":"
	  "\"storage.googleapis.com\",\"methodName\":\"storage.setIamPermissions\","
	  "\"resourceName\":\"projects/_/buckets/b2\",\"serviceData\":{\"policyDelta\":"
	  "{\"bindingDeltas\":[{\"action\":\"ADD\",\"role\":\"roles/storage.objectViewer\","
	  "\"member\":\"allUsers\"}]}},\"request\":{\"a\":1.5,\"b\":[1,-2,30000000000],\"c\":null,"
	  "\"d\":\"x\\/y\"}},\"insertId\":\"i2\",\"resource\":{\"labels\":{\"project_id\":\"p1\"}},"
	  "\"timestamp\":\"2024-05-01T10:00:02Z\",\"logName\":\"projects/p1/logs/x\"}",
	  "{\"protopayload_auditlog\":{\"serviceName\":\"iam.googleapis.com\",\"methodName\":"
	  "\"SetIamPolicy\",\"authenticationInfo\":{\"principalSubject\":\"user:bob@example.com\"},"
	  "\"metadata\":{\"resourceNames\":[\"projects/_/buckets/b3/objects/o\"]},\"status\":"
	  "{\"code\":\"3\"}},\"timestamp\":\"2024-05-01T10:00:03Z\",\"logName\":\"activity\","
	  "\"insertId\":\"i3\"}",
	  "{\"protoPayload\":{\"serviceName\":\"storage.googleapis.com\",\"methodName\":"
	  "\"storage.objects.delete\",\"resourceName\":\"projects/_/buckets/b4/objects/k\","
	  "\"response\":\"text with \\\"quotes\\\"\",\"metadata\":{\"resourceNames\":[7]}},"
	  "\"timestamp\":\"2024-05-01T10:00:04Z\",\"insertId\":\"i4\"}",
	  NULL },
	{ "{\"time\":\"2024-05-01T10:00:00.0000000Z\",\"resourceId\":\"/subscriptions/s/r\","
	  "\"category\":\"StorageRead\",\"operationName\":\"GetBlob\",\"statusCode\":200,"
	  "\"statusText\":\"Success\",\"callerIpAddress\":\"52.239.246.0:45762\",\"correlationId\":"
	  "\"c1\",\"identity\":{\"type\":\"OAuth\",\"requester\":{\"objectId\":\"o1\",\"upn\":"
	  "\"alice@example.com\"},\"delegatedResource\":{\"resourceId\":\"x\"}},\"location\":"
	  "\"westeurope\",\"properties\":{\"accountName\":\"acct\",\"userAgentHeader\":\"azcopy/10\","
	  "\"serviceType\":\"blob\",\"objectKey\":\"/acct/cont/dir/f.txt\",\"responseBodySize\":"
	  "1024,\"requestBodySize\":\"12\"}}",
	  "{\"TimeGenerated\":\"2024-05-01T10:00:01Z\",\"OperationName\":\"PutBlob\",\"StatusCode\":"
	  "403,\"StatusText\":\"AuthorizationFailure\",\"CallerIpAddress\":\"[2001:db8::1]:443\","
	  "\"AuthenticationType\":\"SAS\",\"AuthenticationHash\":\"h\",\"AccountName\":\"a\","
	  "\"ObjectKey\":\"/a/c/o\",\"ResponseBodySize\":5,\"RequestBodySize\":7,\"Location\":\"x\"}",
	  "{\"time\":\"2024-05-01T10:00:02Z\",\"operationName\":\"DeleteBlob\",\"statusCode\":\"500\","
	  "\"statusText\":\"ServerError\",\"callerIpAddress\":\"10.0.0.1\",\"Identity\":{\"type\":"
	  "\"AccountKey\",\"tokenHash\":\"key1(abc)\"},\"Properties\":{\"AccountName\":\"b\","
	  "\"ObjectKey\":\"https://b.blob.core.windows.net/c/o?x=1\"}}",
	  "{\"time\":\"2024-05-01T10:00:03Z\",\"operationName\":\"GetBlob\",\"statusCode\":304,"
	  "\"identity\":{\"type\":\"Anonymous\"},\"properties\":{\"objectKey\":\"/a/c/o\"}}",
	  NULL },
	{ "{\"time\":\"2024-05-01T10:00:00Z\",\"resourceId\":\"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/R/"
	  "PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/ACCT\",\"operationName\":"
	  "\"MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION\",\"category\":\"Administrative\","
	  "\"resultType\":\"Success\",\"callerIpAddress\":\"198.51.100.4\",\"correlationId\":\"c1\","
	  "\"identity\":{\"authorization\":{\"action\":\"x\"},\"claims\":{\"" CLAIMS "upn\":"
	  "\"alice@example.com\",\"appid\":\"app1\",\"ipaddr\":\"198.51.100.5\"}},\"level\":"
	  "\"Information\",\"location\":\"global\",\"properties\":{\"statusCode\":\"OK\","
	  "\"serviceRequestId\":null,\"eventCategory\":\"Administrative\",\"n\":12}}",
	  "{\"eventTimestamp\":\"2024-05-01T10:00:01.5Z\",\"caller\":\"\",\"claims\":{\"appid\":"
	  "\"app2\"},\"operationName\":{\"value\":\"Microsoft.Authorization/roleAssignments/write\","
	  "\"localizedValue\":\"x\"},\"status\":{\"value\":\"Failed\"},\"subStatus\":{\"value\":"
	  "\"Forbidden\"},\"subscriptionId\":\"s2\",\"resourceId\":\"/subscriptions/s2/x\","
	  "\"eventDataId\":\"e1\",\"httpRequest\":{\"clientIpAddress\":\"192.0.2.9\"},"
	  "\"properties\":{\"requestbody\":\"{\\\"a\\\":1}\"}}",
	  "{\"time\":\"2024-05-01T10:00:02Z\",\"operationName\":\"Microsoft.Storage/storageAccounts/"
	  "write\",\"resultType\":\"Failure\",\"resultSignature\":\"Conflict\",\"identity\":{\"claims\":"
	  "{\"http://schemas.microsoft.com/identity/claims/objectidentifier\":\"oid\"}},"
	  "\"resourceId\":\"/subscriptions/s3/x/containers/c1\",\"id\":\"id3\",\"properties\":\"p\"}",
	  NULL },
	{ "{\"version\":\"1\",\"deploymentid\":\"d1\",\"time\":\"2024-05-01T10:00:00.123456789Z\","
	  "\"event\":\"\",\"trigger\":\"incoming\",\"api\":{\"name\":\"GetObject\",\"bucket\":\"b\","
	  "\"object\":\"k/o\",\"status\":\"OK\",\"statusCode\":200,\"rx\":100,\"tx\":\"2048\","
	  "\"timeToResponse\":\"1234ns\"},\"remotehost\":\"192.0.2.1\",\"requestID\":\"R1\","
	  "\"userAgent\":\"MinIO (linux; amd64) minio-go/v7\",\"requestPath\":\"/b/k/o\","
	  "\"requestHost\":\"h:9000\",\"requestHeader\":{\"Authorization\":\"AWS4-HMAC-SHA256 "
	  "Credential=AKIA1/20240501/us-east-1/s3/aws4_request\"},\"responseHeader\":{\"X-Amz\":\"1\"},"
	  "\"tags\":{\"a\":[1,2,{\"b\":true}]},\"accessKey\":\"\"}",
	  "{\"deploymentid\":\"d1\",\"time\":\"2024-05-01T10:00:01Z\",\"api\":{\"name\":"
	  "\"PutBucketPolicy\",\"args\":{\"bucket\":\"b2\",\"object\":\"\"},\"status\":\"Forbidden\","
	  "\"statusCode\":403},\"remotehost\":\"192.0.2.2\",\"requestID\":\"R2\",\"requestClaims\":"
	  "{\"accessKey\":\"user2\",\"exp\":1714560000},\"node\":\"n2\"}",
	  "{\"time\":\"2024-05-01T10:00:02Z\",\"api\":{\"name\":\"ListObjectsV2\",\"bucket\":\"b\","
	  "\"statusCode\":200,\"rx\":1e3,\"tx\":-5},\"accessKey\":\"AK3\",\"requestNode\":\"n3\","
	  "\"requestID\":\"R3\"}",
	  NULL },
};

TEST(jscan_reads_every_sample_as_cjson_does)
{
	static const char *const dirs[4][2] = {
		{ REAL "gcp_security_analytics_fixtures", NULL },
		{ REAL "azure_storagebloblogs_secura", REAL "azure_storagebloblogs_dynatrace" },
		{ NULL, NULL },
		{ REAL "minio", NULL },
	};

	for (int fmt = 0; fmt < 4; fmt++) {
		long taken = 0, k;

		for (int i = 0; samples[fmt][i]; i++) {
			k = shapes(fmt, samples[fmt][i], fmt_name[fmt]);
			ASSERT(k >= 0);
			taken += k;
		}
		for (int i = 0; i < 2 && dirs[fmt][i]; i++) {
			k = real_dir(fmt, dirs[fmt][i]);
			ASSERT(k >= 0);
			taken += k;
		}
		/* the samples are the scanner's to read, not only cJSON's */
		ASSERT(taken > 0);
	}
}

/* A record with one hostile change: read both ways the same, and with
 * declined set the scanner must not have taken it. */
static void hostile(int fmt, const char *json, int declined)
{
	long k = both_ways(fmt, json, strlen(json), "hostile");

	if (k < 0 || (declined && k > 0))
		fprintf(stderr, "  hostile (%s, taken %ld): %.120s\n", fmt_name[fmt], k, json);
	ASSERT(k >= 0);
	ASSERT(!declined || k == 0);
}

TEST(jscan_declines_or_agrees_on_hostile_records)
{
	const char *base = samples[3][0];
	size_t n = strlen(base);
	char *buf = malloc(64 << 10), *deep = malloc(4096);

	ASSERT(buf && deep);
	/* every truncation, every format */
	for (int fmt = 0; fmt < 4; fmt++)
		for (size_t cut = 0; cut < strlen(samples[fmt][0]); cut += 7) {
			snprintf(buf, 64 << 10, "%.*s", (int)cut, samples[fmt][0]);
			hostile(fmt, buf, 1);
			/* a truncated record, then a whole one on the next line */
			snprintf(buf, 64 << 10, "%.*s\n%s\n", (int)cut, samples[fmt][0], samples[fmt][0]);
			hostile(fmt, buf, 0);
		}
	/* an escaped name that spells a wanted one */
	hostile(3, "{\"ti\\u006de\":\"2024-05-01T10:00:00Z\",\"api\":{\"name\":\"GetObject\"}}", 1);
	hostile(0, "{\"protoPayload\":{\"method\\u004eame\":\"storage.objects.get\"},"
		"\"timestamp\":\"2024-05-01T10:00:00Z\"}", 1);
	/* \u0000 in a string read and in one passed over */
	hostile(3, "{\"time\":\"2024-05-01T10:00:00Z\",\"api\":{\"name\":\"Get\\u0000Object\"}}", 1);
	hostile(3, "{\"time\":\"2024-05-01T10:00:00Z\",\"x\":\"a\\u0000b\",\"api\":{\"name\":\"G\"}}", 1);
	/* escapes in a string read: cJSON decodes them */
	hostile(1, "{\"time\":\"2024-05-01T10:00:00Z\",\"operationName\":\"Get\\u0042lob\"}", 1);
	/* lone surrogates, bad escapes */
	hostile(3, "{\"time\":\"2024-05-01T10:00:00Z\",\"x\":\"\\ud800\",\"api\":{\"name\":\"G\"}}", 1);
	hostile(3, "{\"time\":\"2024-05-01T10:00:00Z\",\"x\":\"\\q\",\"api\":{\"name\":\"G\"}}", 1);
	/* the same name twice: cJSON takes the first */
	hostile(3, "{\"time\":\"2024-05-01T10:00:00Z\",\"time\":\"2025-01-01T00:00:00Z\","
		"\"api\":{\"name\":\"GetObject\"}}", 1);
	hostile(2, "{\"time\":\"2024-05-01T10:00:00Z\",\"operationName\":\"a/b\",\"claims\":"
		"{\"appid\":\"x\",\"appid\":\"y\"}}", 1);
	/* a wanted member of an unexpected shape */
	hostile(3, "{\"time\":\"2024-05-01T10:00:00Z\",\"api\":[\"GetObject\"]}", 0);
	hostile(1, "{\"time\":\"2024-05-01T10:00:00Z\",\"operationName\":\"GetBlob\",\"identity\":\"x\","
		"\"Identity\":{\"type\":\"SAS\"},\"properties\":[1],\"Properties\":{\"AccountName\":\"a\"}}", 0);
	hostile(0, "{\"protoPayload\":{\"serviceName\":\"storage.googleapis.com\",\"methodName\":"
		"\"storage.objects.delete\",\"metadata\":{\"resourceNames\":{\"a\":1}}},\"timestamp\":"
		"\"2024-05-01T10:00:00Z\",\"protopayload_auditlog\":{\"methodName\":\"x\"}}", 0);
	/* numbers out of range, odd numbers */
	hostile(3, "{\"time\":\"2024-05-01T10:00:00Z\",\"api\":{\"name\":\"G\",\"statusCode\":1e400,"
		"\"rx\":1.8e19,\"tx\":-0.0}}", 0);
	hostile(3, "{\"time\":\"2024-05-01T10:00:00Z\",\"api\":{\"name\":\"G\",\"rx\":01}}", 1);
	hostile(3, "{\"time\":\"2024-05-01T10:00:00Z\",\"api\":{\"name\":\"G\",\"rx\":+1}}", 1);
	hostile(1, "{\"time\":\"2024-05-01T10:00:00Z\",\"operationName\":\"GetBlob\",\"statusCode\":"
		"\"99999999999999999999999\",\"properties\":{\"responseBodySize\":\"12ns\"}}", 0);
	/* invalid UTF-8 in a string read and in one passed over */
	hostile(3, "{\"time\":\"2024-05-01T10:00:00Z\",\"api\":{\"name\":\"G\\xff\\xfe\"}}", 0);
	hostile(3, "{\"time\":\"2024-05-01T10:00:00Z\",\"z\":\"\\xc0\\x80\",\"api\":{\"name\":\"G\"}}", 0);
	/* white space cJSON takes and the scanner does not */
	hostile(3, "{\"time\":\"2024-05-01T10:00:00Z\",\v\"api\":{\"name\":\"G\"}}", 1);
	/* a string read that does not fit the scanner's scratch; one passed over */
	memset(buf, 0, 64 << 10);
	snprintf(buf, 64 << 10, "{\"time\":\"2024-05-01T10:00:00Z\",\"api\":{\"name\":\"G\"},"
		 "\"userAgent\":\"");
	memset(buf + strlen(buf), 'a', 20000);
	strcat(buf, "\"}");
	hostile(3, buf, 1);
	buf[strlen(buf) - 20004] = 'x';  /* "xserAgent": a member passed over */
	hostile(3, buf, 0);
	/* nesting past the scanner's depth, and within it */
	for (int depth = 40; depth <= 1200; depth += 580) {
		size_t o = (size_t)snprintf(buf, 64 << 10, "{\"time\":\"2024-05-01T10:00:00Z\","
					    "\"api\":{\"name\":\"G\"},\"x\":");
		for (int i = 0; i < depth; i++)
			buf[o++] = '[';
		for (int i = 0; i < depth; i++)
			buf[o++] = ']';
		snprintf(buf + o, 16, "}");
		hostile(3, buf, depth > 64);
	}
	/* a top-level object holding records is not a record */
	snprintf(buf, 64 << 10, "{\"x\":1,\"records\":[%s]}", base);
	hostile(3, buf, 1);
	(void)n;
	free(deep);
	free(buf);
}

/* The request text of an Azure activity record is what cJSON printed of
 * {"resourceId":..,"properties":..} before the scanner: checked here
 * against cJSON itself, for resource ids and properties that need
 * escaping, white space or numbers printed back differently. */
TEST(jscan_activity_request_text_is_what_cjson_prints)
{
	static const char *const rids[] = { "/subscriptions/s/x", "a\"b\\c/d", "tab\there\nnl",
					    "ctl\x01\x1f", "caf\xc3\xa9", "",
					    /* past 16 bytes: the vector search for what is escaped */
					    "/subscriptions/0123456789abcdef/\"q\"/0123456789abcdef\x02/end",
					    "/subscriptions/0123456789abcdef0123456789abcdef/x",
					    "/subscriptions/0123456789abcdef/\x02/0123456789abcdef0123" };
	static const char *const props[] = {
		"{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
		"{ \"a\" : 1.50, \"b\" : -0, \"c\" : 1e3, \"d\" : 12345678901234567 }",
		"{\"s\":\"x\\/y\\u00e9\\n\",\"t\":\"\\\"q\\\"\"}",
		"\"text\"", "[]", "{}",
		"{\"long\":\"0123456789abcdef0123\\\"x\\\\y0123456789abcdef\\u0001z\"}",
		"{\"long\":\"0123456789\tabcdef0123456789abcdef\"}",
		"{\"long\":\"0123456789abcdef0123456789abcdef\",\"n\":123,\"m\":\"caf\xc3\xa9 0123456789abcdef\"}",
	};
	struct run *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char rec[1024];
	int level = gw_log_level();

	ASSERT(a && b);
	gw_log_set_level(LOG_CRIT);
	for (size_t i = 0; i < sizeof(rids) / sizeof(rids[0]); i++) {
		for (size_t j = 0; j < sizeof(props) / sizeof(props[0]); j++) {
			cJSON *o = cJSON_CreateObject(), *p = cJSON_Parse(props[j]);
			cJSON *r = cJSON_CreateString(rids[i]);
			char *rid = r ? cJSON_PrintUnformatted(r) : NULL, *want;

			cJSON_Delete(r);
			ASSERT(o && p && rid);
			cJSON_AddStringToObject(o, "resourceId", rids[i]);
			cJSON_AddItemReferenceToObject(o, "properties", p);
			want = cJSON_PrintUnformatted(o);
			snprintf(rec, sizeof(rec), "{\"time\":\"2024-05-01T10:00:00Z\",\"operationName\":"
				 "\"Microsoft.Storage/storageAccounts/write\",\"resourceId\":%s,"
				 "\"properties\":%s}", rid, props[j]);
			run(2, rec, strlen(rec), 0, a);
			run(2, rec, strlen(rec), AUDIT_READ_NO_SCAN, b);
			ASSERT_EQ_U64(1, a->e.n);
			ASSERT_EQ_U64(1, b->e.n);
			ASSERT_EQ_STR(want, a->e.ev[0].request);
			ASSERT_EQ_STR(want, b->e.ev[0].request);
			strpool__free(a->pool);
			strpool__free(b->pool);
			cJSON_free(want);
			cJSON_free(rid);
			cJSON_Delete(o);
			cJSON_Delete(p);
		}
	}
	gw_log_set_level(level);
	free(a);
	free(b);
}

/* The fields that repeat from record to record go through the last value
 * of each (jv__intern): a value that changes, grows, shrinks or turns
 * invalid is read as it is, both ways. */
TEST(jscan_repeated_fields_follow_each_record)
{
	static const char *const loc[] = { "westeurope", "westeurope", "westeuropes", "westeurop",
					   "west\xff\xfeurope", "westeurope", "" };
	static const char *const want[] = { "westeurope", "westeurope", "westeuropes", "westeurop",
					    NULL, "westeurope", "" };
	char *buf = malloc(16 << 10);
	size_t o = 0;
	struct run *r = calloc(1, sizeof(*r));

	ASSERT(buf && r);
	for (int i = 0; i < 7; i++)
		o += (size_t)snprintf(buf + o, (16 << 10) - o,
				      "{\"time\":\"2024-05-01T10:00:0%dZ\",\"operationName\":\"GetBlob\","
				      "\"statusCode\":200,\"location\":\"%s\",\"correlationId\":\"c%d\","
				      "\"properties\":{\"accountName\":\"acct%d\",\"objectKey\":"
				      "\"/acct/c/k%d\"}}\n", i, loc[i], i, i % 2, i);
	ASSERT(both_ways(1, buf, o, "repeated fields") == 7);
	run(1, buf, o, 0, r);
	ASSERT_EQ_INT(7, (int)r->st.records);
	ASSERT_EQ_INT(6, (int)r->e.n);
	for (size_t i = 0, k = 0; i < 7; i++) {
		if (!want[i])
			continue;
		ASSERT(strcmp(r->e.ev[k].region, want[i]) == 0);
		ASSERT(strcmp(r->e.ev[k].account, i % 2 ? "acct1" : "acct0") == 0);
		k++;
	}
	strpool__free(r->pool);
	/* MinIO and GCS too: a user agent that grows, shrinks, comes back */
	o = 0;
	for (int i = 0; i < 4; i++)
		o += (size_t)snprintf(buf + o, (16 << 10) - o,
				      "{\"time\":\"2024-05-01T10:00:0%dZ\",\"api\":{\"name\":\"GetObject\","
				      "\"bucket\":\"b\",\"statusCode\":200},\"requestID\":\"r%d\","
				      "\"userAgent\":\"%s\"}\n", i, i, loc[i]);
	ASSERT(both_ways(3, buf, o, "repeated fields") == 4);
	run(3, buf, o, 0, r);
	ASSERT_EQ_INT(4, (int)r->e.n);
	for (int i = 0; i < 4; i++)
		ASSERT(strcmp(r->e.ev[i].user_agent, loc[i]) == 0);
	strpool__free(r->pool);
	o = 0;
	for (int i = 0; i < 4; i++)
		o += (size_t)snprintf(buf + o, (16 << 10) - o,
				      "{\"protoPayload\":{\"serviceName\":\"storage.googleapis.com\","
				      "\"methodName\":\"storage.objects.get\",\"requestMetadata\":"
				      "{\"callerSuppliedUserAgent\":\"%s\"}},\"insertId\":\"i%d\","
				      "\"timestamp\":\"2024-05-01T10:00:0%dZ\"}\n", loc[i], i, i);
	ASSERT(both_ways(0, buf, o, "repeated fields") == 4);
	run(0, buf, o, 0, r);
	ASSERT_EQ_INT(4, (int)r->e.n);
	for (int i = 0; i < 4; i++)
		ASSERT(strcmp(r->e.ev[i].user_agent, loc[i]) == 0);
	strpool__free(r->pool);
	free(r);
	free(buf);
}
