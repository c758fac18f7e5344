/* The CloudTrail record scanner (agent/audit/formats/cloudtrail_scan.c) against cJSON: what
 * it takes, cJSON takes, ending at the same byte, with the same fields;
 * the rest it declines, and the record goes the cJSON way with the same
 * event as ever. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "assert.h"
#include "audit/formats/cloudtrail_fields.h"
#include "audit_test_util.h"

static const char *const type_name[] = { "none", "str", "num", "true", "other" };

/* The field where a and b differ, or -1. */
static int fields_differ(const struct ct_fields *a, const struct ct_fields *b)
{
	for (int i = 0; i < F_N; i++) {
		const struct ct_val *x = &a->v[i], *y = &b->v[i];

		/* raw text in the scanner, a tree in cJSON: present in both or neither */
		if (i >= F_REQ_RAW && i <= F_RES_RAW) {
			if ((x->type == CT_OTHER) != (b->raw_tree[i - F_REQ_RAW] != NULL))
				return i;
			continue;
		}
		if (x->type != y->type)
			return i;
		if (x->type == CT_STR && (x->n != y->n || memcmp(x->s, y->s, x->n) != 0))
			return i;
		if (x->type == CT_NUM && x->num != y->num && !(isnan(x->num) && isnan(y->num)))
			return i;
	}
	return -1;
}

/* Scan json; 1 when taken, and then cJSON must agree. */
static int scan_vs_cjson(const char *json, struct ct_fields *f)
{
	size_t n = strlen(json);
	const char *next = NULL, *end = NULL;
	struct ct_fields t;
	cJSON *tree;
	int i;

	memset(f, 0, sizeof(*f));
	if (!ct_scan__record(json, json + n, f, &next))
		return 0;
	tree = cJSON_ParseWithLengthOpts(json, n, &end, 0);
	if (!tree) {
		fprintf(stderr, "  scanner took what cJSON refuses: %s\n", json);
		return -1;
	}
	memset(&t, 0, sizeof(t));
	ct_fields__of_tree(&t, tree);
	i = fields_differ(f, &t);
	if (end != next || i >= 0) {
		fprintf(stderr, "  scanner and cJSON differ (end %td vs %td, field %d: %s vs %s): %s\n",
			next - json, end - json, i, i >= 0 ? type_name[f->v[i].type] : "-",
			i >= 0 ? type_name[t.v[i].type] : "-", json);
		i = -2;
	}
	cJSON_Delete(tree);
	return i == -2 ? -1 : 1;
}

static int str_is(const struct ct_val *v, const char *s)
{
	return v->type == CT_STR && v->n == strlen(s) && memcmp(v->s, s, v->n) == 0;
}

TEST(ctscan_takes_what_cjson_reads_the_same)
{
	static const char *const taken[] = {
		/* compact, every field */
		"{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"AssumedRole\",\"principalId\":\"P\","
		"\"arn\":\"arn:a\",\"accountId\":\"1\",\"accessKeyId\":\"ASIA1\",\"invokedBy\":\"svc\","
		"\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"arn\":\"arn:r\"},\"attributes\":"
		"{\"mfaAuthenticated\":\"false\"}}},\"eventTime\":\"2024-05-01T00:00:01Z\",\"eventSource\":"
		"\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"awsRegion\":\"us-east-1\","
		"\"sourceIPAddress\":\"198.51.1.1\",\"userAgent\":\"[aws-cli/2]\",\"requestID\":\"R1\","
		"\"eventID\":\"E1\",\"readOnly\":true,\"managementEvent\":false,\"recipientAccountId\":\"1\","
		"\"eventCategory\":\"Data\",\"errorCode\":\"AccessDenied\",\"requestParameters\":"
		"{\"bucketName\":\"b\",\"Host\":\"h\",\"key\":\"k/1\"},\"responseElements\":null,"
		"\"additionalEventData\":{\"bytesTransferredIn\":0,\"bytesTransferredOut\":4496304},"
		"\"resources\":[{\"type\":\"AWS::S3::Object\",\"ARN\":\"arn:aws:s3:::b/k\"},{}],\"x\":[]}",
		/* whitespace, other cases, strings for numbers */
		"{ \"EVENTNAME\" : \"PutObject\" ,\n\t\"eventtime\":\"2024-01-01T00:00:00Z\",\r\n"
		"\"RequestParameters\": {\"BucketName\": \"bk\", \"Key\": \"a b\"}, \"additionalEventData\":"
		" {\"bytesTransferredIn\": \"52428800\", \"BYTESTRANSFERREDOUT\": \"0\"} }",
		/* the first of a name wins, whatever its type */
		"{\"eventName\":\"A\",\"eventName\":\"B\",\"userIdentity\":null,\"userIdentity\":"
		"{\"type\":\"IAMUser\"},\"requestParameters\":{\"key\":1,\"key\":\"k\"}}",
		"{\"userIdentity\":[{\"type\":\"IAMUser\",\"arn\":\"x\"}],\"requestParameters\":\"k\"}",
		"{\"userIdentity\":{\"sessionContext\":{\"sessionIssuer\":{\"ARN\":\"r\"},"
		"\"sessionIssuer\":{\"arn\":\"s\"}},\"sessionContext\":{}}}",
		/* numbers cJSON reads as it reads them */
		"{\"additionalEventData\":{\"bytesTransferredOut\":12.7,\"bytesTransferredIn\":1e3}}",
		"{\"additionalEventData\":{\"bytesTransferredOut\":-5,\"bytesTransferredIn\":"
		"123456789012345678}}",
		"{\"additionalEventData\":{\"bytesTransferredOut\":-0.5E-2,\"bytesTransferredIn\":0}}",
		"{\"managementEvent\":true,\"eventCategory\":\"Management\",\"errorCode\":false}",
		/* escapes where nothing is read, and in names of objects not read */
		"{\"errorMessage\":\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\",\"eventName\":\"X\","
		"\"tlsDetails\":{\"a\\u0041\":\"\\u0000\"}}",
		/* raw control bytes and UTF-8 in strings, as cJSON copies them */
		"{\"userAgent\":\"a\tb\x01\",\"requestParameters\":{\"key\":\"caf\xc3\xa9\"}}",
		"{}",
		/* markers: a value that may not be a bare record */
		"{\"Records\":[]}",
		"{\"digestStartTime\":\"x\",\"digestS3Object\":\"y\"}",
		/* what a call created, and a console sign-in's result */
		"{\"responseElements\":{\"ConsoleLogin\":\"Failure\",\"user\":{\"arn\":\"arn:u\"},"
		"\"accessKey\":{\"accessKeyId\":\"AKIA1\",\"status\":\"Active\"}}}",
	};
	struct ct_fields f;

	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
		int r = scan_vs_cjson(taken[i], &f);

		if (r != 1)
			FAIL_AT("case %zu: expected taken and the same as cJSON, got %d", i, r);
	}
	ASSERT(scan_vs_cjson(taken[0], &f) == 1);
	ASSERT(str_is(&f.v[F_ISSUER_ARN], "arn:r"));
	ASSERT(str_is(&f.v[F_UID_INVOKED], "svc"));
	ASSERT_EQ_INT(4496304, (long long)f.v[F_BYTES_OUT].num);
	ASSERT_EQ_INT(0, f.marked);
	ASSERT_EQ_INT(CT_OTHER, f.v[F_REQ_RAW].type);
	ASSERT(f.v[F_REQ_RAW].n == strlen("{\"bucketName\":\"b\",\"Host\":\"h\",\"key\":\"k/1\"}") &&
	       memcmp(f.v[F_REQ_RAW].s, "{\"bucketName\"", 13) == 0);
	ASSERT_EQ_INT(CT_NONE, f.v[F_RESP_RAW].type);   /* null */
	ASSERT(scan_vs_cjson(taken[1], &f) == 1);
	ASSERT(str_is(&f.v[F_NAME], "PutObject"));
	ASSERT(str_is(&f.v[F_KEY], "a b"));
	ASSERT(str_is(&f.v[F_BYTES_IN], "52428800"));
	ASSERT(scan_vs_cjson(taken[2], &f) == 1);
	ASSERT(str_is(&f.v[F_NAME], "A"));
	ASSERT_EQ_INT(CT_NONE, f.v[F_UID_TYPE].type);
	ASSERT_EQ_INT(CT_NUM, f.v[F_KEY].type);
	ASSERT(scan_vs_cjson(taken[4], &f) == 1);
	ASSERT(str_is(&f.v[F_ISSUER_ARN], "r"));
	ASSERT(scan_vs_cjson(taken[12], &f) == 1);
	ASSERT_EQ_INT(1, f.marked);
	ASSERT(scan_vs_cjson(taken[14], &f) == 1);
	ASSERT(str_is(&f.v[F_LOGIN], "Failure"));
	ASSERT(str_is(&f.v[F_NEW_ARN], "arn:u"));
	ASSERT(str_is(&f.v[F_NEW_KEY], "AKIA1"));
}

/* {"a":[[...]]} with `levels` arrays, NUL-terminated; its length. */
static size_t nested(char *buf, size_t levels)
{
	size_t n = 0;

	memcpy(buf, "{\"a\":", 5);
	n = 5;
	memset(buf + n, '[', levels);
	memset(buf + n + levels, ']', levels);
	n += 2 * levels;
	buf[n++] = '}';
	buf[n] = '\0';
	return n;
}

TEST(ctscan_declines_what_it_cannot_read_exactly)
{
	static const char *const declined[] = {
		"[{\"eventName\":\"A\"}]",
		"\"eventName\"",
		/* escapes in what is read: cJSON decodes them */
		"{\"userAgent\":\"a\\\"b\"}",
		"{\"event\\u004eame\":\"A\"}",
		"{\"userIdentity\":{\"\\u0061rn\":\"x\"}}",
		/* what cJSON reads its own way, or refuses */
		"{\"a\":01}", "{\"a\":-.5}", "{\"a\":1.}", "{\"a\":1e}", "{\"a\":+1}",
		"{\"a\":1234567890123456789012345678901234567890123456789012345678901234}",
		"{\"a\":\"\\q\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\\ud800\"}", "{\"a\":\"\\u12g4\"}",
		"{\"a\":1,}", "{\"a\" 1}", "{\"a\":tru}", "{\"a\":nulls}", "{\"a\":[1,]}",
		"{\"a\":1\f}", "{\"a\":\"x",
	};
	static const char nul[] = "{\"a\":\"x\0y\"}";
	char deep[256];
	struct ct_fields f;
	const char *next;
	size_t n;

	for (size_t i = 0; i < sizeof(declined) / sizeof(declined[0]); i++) {
		memset(&f, 0, sizeof(f));
		if (ct_scan__record(declined[i], declined[i] + strlen(declined[i]), &f, &next))
			FAIL_AT("case %zu: expected declined: %s", i, declined[i]);
	}
	/* a NUL ends cJSON's copy of a string, not the scanner's */
	memset(&f, 0, sizeof(f));
	ASSERT(!ct_scan__record(nul, nul + sizeof(nul) - 1, &f, &next));
	/* nested past 64 levels, and not */
	n = nested(deep, 70);
	memset(&f, 0, sizeof(f));
	ASSERT(!ct_scan__record(deep, deep + n, &f, &next));
	n = nested(deep, 60);
	ASSERT_EQ_INT(1, scan_vs_cjson(deep, &f));
	/* a record ends at its brace; what follows is the caller's */
	memset(&f, 0, sizeof(f));
	ASSERT(ct_scan__record("{\"a\":1},{", "{\"a\":1},{" + 9, &f, &next));
	ASSERT_EQ_STR(",{", next);
}

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/gw-ctscan-XXXXXX");
	int fd = path ? mkstemp(path) : -1;
	size_t n = strlen(text);

	if (fd < 0 || write(fd, text, n) != (ssize_t)n) {
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

#define REC(extra) "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventSource\":\"s3.amazonaws.com\"," \
	"\"eventName\":\"GetObject\"," extra "}"

/* Records that the scanner takes and records it declines, side by side in
 * one delivery file and as JSON lines: the same events either way. */
static void check_mixed(const struct got *g)
{
	ASSERT_EQ_U64(5, g->st.records);
	ASSERT_EQ_U64(4, g->st.events);
	ASSERT_EQ_U64(1, g->st.skipped);
	ASSERT_EQ_STR("aws-cli/2", g->ev[0].user_agent);
	ASSERT_EQ_STR("r1", g->ev[0].request_id);
	ASSERT_EQ_U64(7, g->ev[0].bytes_out);
	/* an escaped agent: cJSON decodes it */
	ASSERT_EQ_STR("say \"hi\"", g->ev[1].user_agent);
	ASSERT_EQ_STR("r2", g->ev[1].request_id);
	ASSERT_EQ_STR("caf\xc3\xa9", g->ev[2].object_key);
	ASSERT_EQ_STR("arn:aws:iam::1:role/r", g->ev[2].principal);
	ASSERT_EQ_INT(GW_PT_ROLE, g->ev[2].principal_type);
	/* a leading zero: cJSON's number */
	ASSERT_EQ_U64(10, g->ev[3].bytes_out);
}

#define MIXED_1 REC("\"userAgent\":\"[aws-cli/2]\",\"requestID\":\"r1\",\"additionalEventData\":" \
	"{\"bytesTransferredOut\":7}")
#define MIXED_2 REC("\"userAgent\":\"say \\\"hi\\\"\",\"requestID\":\"r2\"")
#define MIXED_3 REC("\"requestParameters\":{\"Key\":\"caf\\u00e9\"},\"userIdentity\":{\"type\":" \
	"\"AssumedRole\",\"sessionContext\":{\"sessionIssuer\":{\"arn\":\"arn:aws:iam::1:role/r\"}}}," \
	"\"requestID\":\"r3\"")
#define MIXED_4 "{\"eventName\":\"GetObject\"}"
#define MIXED_5 REC("\"requestID\":\"r5\",\"additionalEventData\":{\"bytesTransferredOut\":010}")

TEST(ctscan_mixed_records_give_the_same_events)
{
	const char *texts[] = {
		"{\"Records\":[" MIXED_1 "," MIXED_2 "," MIXED_3 "," MIXED_4 "," MIXED_5 "]}",
		MIXED_1 "\n" MIXED_2 "\n" MIXED_3 "\n" MIXED_4 "\n" MIXED_5 "\n",
	};
	char spec[64];

	for (size_t i = 0; i < 2; i++) {
		char *path = write_tmp(texts[i]);
		struct got *g;

		ASSERT(path);
		snprintf(spec, sizeof(spec), "cloudtrail:%s", path);
		g = got_read(spec);
		unlink(path);
		free(path);
		ASSERT(g);
		ASSERT_EQ_INT(0, g->rc);
		check_mixed(g);
		got_free(g);
	}
}
