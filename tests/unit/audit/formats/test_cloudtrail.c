/* The CloudTrail reader: shapes (Records, array, JSON lines, bare record),
 * gzip, digests, field mapping, and damaged input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assert.h"
#include "audit/audit.h"
#include "lib/isotime.h"
#include "lib/strpool.h"

#define REAL "../shared/testdata/real-logs/"
#define MAX_EVENTS 64

struct got {
	struct audit_event ev[MAX_EVENTS];
	size_t n;
};

static int keep(const struct audit_event *ev, void *ctx)
{
	struct got *g = ctx;

	if (g->n < MAX_EVENTS)
		g->ev[g->n] = *ev;
	g->n++;
	return 0;
}

/* Read spec into g and st with a fresh pool (returned for freeing), as a
 * new analysis: ids delivered by earlier reads are forgotten. */
static struct strpool *read_spec(const char *spec, struct got *g, struct audit_stats *st, int *rc)
{
	struct strpool *p = strpool__new();

	memset(g, 0, sizeof(*g));
	memset(st, 0, sizeof(*st));
	audit_dedup__reset();
	*rc = p ? audit_source__read(spec, p, keep, g, st) : -1;
	return p;
}

static int64_t ms_of(const char *iso)
{
	int64_t ms = -1;

	iso8601__parse(iso, strlen(iso), &ms);
	return ms;
}

TEST(iso8601_parse_and_format)
{
	char buf[40];
	int64_t ms = 0;

	ASSERT_EQ_INT(0, iso8601__parse("1970-01-01T00:00:00Z", 20, &ms));
	ASSERT_EQ_INT(0, ms);
	ASSERT_EQ_INT(0, iso8601__parse("2026-11-24T02:10:05.250Z", 24, &ms));
	ASSERT_EQ_INT(1795486205250LL, ms);
	ASSERT_EQ_INT(0, iso8601__parse("2026-11-24T03:10:05.2509+01:00", 30, &ms));
	ASSERT_EQ_INT(1795486205250LL, ms);
	ASSERT_EQ_INT(0, iso8601__parse("2024-02-29T23:59:59Z", 20, &ms));
	ASSERT_EQ_INT(1709251199000LL, ms);
	ASSERT_EQ_INT(-22, iso8601__parse("2023-02-29T00:00:00Z", 20, &ms));
	ASSERT_EQ_INT(-22, iso8601__parse("2026-11-24T24:00:00Z", 20, &ms));
	ASSERT_EQ_INT(-22, iso8601__parse("2026-11-24T02:10:05Zjunk", 24, &ms));
	ASSERT_EQ_INT(-22, iso8601__parse("yesterday", 9, &ms));
	ASSERT_EQ_INT(0, iso8601__format(1795486205250LL, buf, sizeof(buf)));
	ASSERT_EQ_STR("2026-11-24T02:10:05.250Z", buf);
	ASSERT_EQ_INT(0, iso8601__format(1795486200000LL, buf, sizeof(buf)));
	ASSERT_EQ_STR("2026-11-24T02:10:00Z", buf);
	ASSERT_EQ_INT(0, iso8601__format(-1000, buf, sizeof(buf)));
	ASSERT_EQ_STR("1969-12-31T23:59:59Z", buf);
}

static void check_records(const struct got *g, const struct audit_stats *st)
{
	const struct audit_event *e;

	ASSERT_EQ_U64(1, st->files);
	ASSERT_EQ_U64(0, st->files_failed);
	ASSERT_EQ_U64(7, st->records);
	ASSERT_EQ_U64(5, st->events);
	ASSERT_EQ_U64(2, st->skipped);
	ASSERT_EQ_U64(5, g->n);
	e = &g->ev[0];
	ASSERT_EQ_INT(ms_of("2026-11-24T02:10:05.250Z"), e->time_ms);
	ASSERT_EQ_INT(GW_CLOUD_AWS, e->cloud);
	ASSERT_EQ_STR("arn:aws:iam::123456789012:user/alice", e->principal);
	ASSERT_EQ_INT(GW_PT_USER, e->principal_type);
	ASSERT_EQ_STR("123456789012", e->account);
	ASSERT_EQ_STR("AKIAEXAMPLEALICE0001", e->access_key);
	ASSERT_EQ_INT(1, e->key_long_term);
	ASSERT_EQ_STR("203.0.113.45", e->source_ip);
	ASSERT_EQ_STR("aws-cli/2.17.60 md/command#s3.cp", e->user_agent);
	ASSERT_EQ_STR("us-east-1", e->region);
	ASSERT_EQ_STR("s3.amazonaws.com", e->service);
	ASSERT_EQ_STR("GetObject", e->api);
	ASSERT_EQ_INT(GW_ACT_OBJECT_READ, e->action);
	ASSERT_EQ_STR("finance-reports", e->bucket);
	ASSERT_EQ_STR("reports/q3/invoice-00001.pdf", e->object_key);
	ASSERT_EQ_INT(GW_OUT_OK, e->outcome);
	ASSERT_EQ_STR("", e->error_code);
	ASSERT_EQ_STR("REQ0000000000001", e->request_id);
	ASSERT_EQ_U64(123456, e->bytes_out);
	ASSERT_EQ_U64(0, e->bytes_in);
	/* AssumedRole without arn: the issuer's role; keys in other case; byte strings. */
	e = &g->ev[1];
	ASSERT_EQ_STR("arn:aws:iam::123456789012:role/backup-role", e->principal);
	ASSERT_EQ_INT(GW_PT_ROLE, e->principal_type);
	ASSERT_EQ_INT(0, e->key_long_term);
	ASSERT_EQ_STR("backups", e->bucket);
	ASSERT_EQ_STR("nightly/part-0001.tar", e->object_key);
	ASSERT_EQ_INT(GW_ACT_OBJECT_WRITE, e->action);
	ASSERT_EQ_U64(52428800, e->bytes_in);
	ASSERT_EQ_STR("aws-sdk-go-v2/1.30.3", e->user_agent);
	/* Anonymous, denied, time with an offset. */
	e = &g->ev[2];
	ASSERT_EQ_STR("anonymous", e->principal);
	ASSERT_EQ_INT(GW_PT_ANONYMOUS, e->principal_type);
	ASSERT_EQ_INT(GW_OUT_DENIED, e->outcome);
	ASSERT_EQ_STR("AccessDenied", e->error_code);
	ASSERT_EQ_INT(GW_ACT_LIST, e->action);
	ASSERT_EQ_INT(ms_of("2026-11-24T02:00:00Z"), e->time_ms);
	ASSERT_EQ_STR("anonymous", e->account);
	/* The cloud's own service, named by invokedBy. */
	e = &g->ev[3];
	ASSERT_EQ_STR("cloudtrail.amazonaws.com", e->principal);
	ASSERT_EQ_INT(GW_PT_SERVICE, e->principal_type);
	ASSERT_EQ_INT(GW_ACT_PERMISSION, e->action);
	ASSERT_EQ_STR("cloudtrail.amazonaws.com", e->source_ip);
	/* "[]" is an empty agent; an empty IP stays empty; other errors are errors. */
	e = &g->ev[4];
	ASSERT_EQ_STR("", e->user_agent);
	ASSERT_EQ_STR("", e->source_ip);
	ASSERT_EQ_INT(GW_OUT_ERROR, e->outcome);
	ASSERT_EQ_INT(GW_ACT_OBJECT_DELETE, e->action);
}

TEST(cloudtrail_records_plain)
{
	struct audit_stats st;
	struct got g;
	int rc;
	struct strpool *p = read_spec("cloudtrail:" TESTDATA("cloudtrail/records.json"), &g, &st, &rc);

	ASSERT_EQ_INT(0, rc);
	check_records(&g, &st);
	strpool__free(p);
}

TEST(cloudtrail_records_gzip_detected)
{
	struct audit_stats st;
	struct got g;
	int rc;
	struct strpool *p = read_spec(TESTDATA("cloudtrail/records.json.gz"), &g, &st, &rc);

	ASSERT_EQ_INT(0, rc);
	check_records(&g, &st);
	ASSERT_EQ_U64(3453, st.bytes);
	strpool__free(p);
}

static void check_lines(const struct got *g, const struct audit_stats *st)
{
	ASSERT_EQ_U64(0, st->files_failed);
	ASSERT_EQ_U64(4, st->records);
	ASSERT_EQ_U64(3, st->events);
	ASSERT_EQ_U64(1, st->skipped);
	ASSERT_EQ_U64(3, g->n);
	ASSERT_EQ_STR("arn:aws:iam::123456789012:root", g->ev[0].principal);
	ASSERT_EQ_INT(GW_PT_ROOT, g->ev[0].principal_type);
	ASSERT_EQ_INT(GW_ACT_PERMISSION, g->ev[0].action);
	ASSERT_EQ_STR("S3Console/0.4", g->ev[0].user_agent);
	ASSERT_EQ_INT(GW_ACT_MANAGEMENT, g->ev[1].action);
	ASSERT_EQ_STR("iam.amazonaws.com", g->ev[1].service);
	ASSERT_EQ_STR("123456789012:carol", g->ev[2].principal);
	ASSERT_EQ_INT(GW_PT_ROLE, g->ev[2].principal_type);
	ASSERT_EQ_INT(GW_ACT_OBJECT_READ, g->ev[2].action);
	ASSERT_EQ_STR("2001:db8::1", g->ev[2].source_ip);
	ASSERT_EQ_STR("a b/c.txt", g->ev[2].object_key);
	ASSERT_EQ_U64(77, g->ev[2].bytes_out);
}

TEST(cloudtrail_json_lines)
{
	struct audit_stats st;
	struct got g;
	int rc;
	struct strpool *p = read_spec(TESTDATA("cloudtrail/lines.jsonl"), &g, &st, &rc);

	ASSERT_EQ_INT(0, rc);
	check_lines(&g, &st);
	strpool__free(p);
	p = read_spec(TESTDATA("cloudtrail/lines-multimember.jsonl.gz"), &g, &st, &rc);
	ASSERT_EQ_INT(0, rc);
	check_lines(&g, &st);
	strpool__free(p);
}

TEST(cloudtrail_damaged_files_are_counted)
{
	struct audit_stats st;
	struct got g;
	int rc;
	struct strpool *p = read_spec(TESTDATA("cloudtrail/truncated.json.gz"), &g, &st, &rc);

	ASSERT_EQ_INT(0, rc);
	ASSERT_EQ_U64(1, st.files_failed);
	ASSERT_EQ_U64(0, st.files);
	ASSERT_EQ_U64(0, g.n);
	strpool__free(p);
	p = read_spec(TESTDATA("cloudtrail/notjson.txt"), &g, &st, &rc);
	ASSERT_EQ_INT(0, rc);
	ASSERT_EQ_U64(1, st.files_failed);
	ASSERT_EQ_U64(0, g.n);
	strpool__free(p);
	p = read_spec("cloudtrail:" TESTDATA("cloudtrail/notjson.txt"), &g, &st, &rc);
	ASSERT_EQ_INT(0, rc);
	ASSERT_EQ_U64(1, st.files_failed);
	strpool__free(p);
}

TEST(cloudtrail_directory_goes_on_past_bad_files)
{
	struct audit_stats st;
	struct got g;
	int rc;
	struct strpool *p = read_spec(TESTDATA("cloudtrail"), &g, &st, &rc);

	ASSERT_EQ_INT(0, rc);
	/* lines.jsonl, lines-multimember.jsonl.gz, records.json, records.json.gz
	 * are parsed; notjson.txt (a README) is passed over as not a log,
	 * truncated.json.gz fails to read. records.json.gz is a copy of
	 * records.json' first record: delivered once, the copy counted as a
	 * duplicate. */
	ASSERT_EQ_U64(4, st.files);
	ASSERT_EQ_U64(1, st.files_failed);
	ASSERT_EQ_U64(1, st.not_logs);
	ASSERT_EQ_U64(2, st.nnotes);
	ASSERT_EQ_STR(TESTDATA("cloudtrail/notjson.txt"), st.notes[0].path);
	ASSERT_EQ_INT(0, st.notes[0].failed);
	ASSERT_EQ_STR(TESTDATA("cloudtrail/truncated.json.gz"), st.notes[1].path);
	ASSERT_EQ_INT(1, st.notes[1].failed);
	ASSERT_EQ_U64(15, st.events);
	ASSERT_EQ_U64(1, st.duplicates);
	ASSERT_EQ_U64(15, g.n);
	/* Sorted by name: lines-multimember.jsonl.gz comes first. */
	ASSERT_EQ_STR("PutBucketPolicy", g.ev[0].api);
	strpool__free(p);
}

TEST(cloudtrail_bad_specs)
{
	struct strpool *p = strpool__new();
	struct audit_stats st = { 0 };
	struct got g = { 0 };

	ASSERT(p);
	ASSERT_EQ_INT(-2, audit_source__read(TESTDATA("cloudtrail/nonexistent.json"), p, keep, &g, &st));
	ASSERT_EQ_INT(-22, audit_source__read("nosuchformat:" TESTDATA("cloudtrail"), p, keep, &g, &st));
	ASSERT_EQ_INT(-22, audit_source__read("ftp://host/logs", p, keep, &g, &st));
	ASSERT_EQ_INT(-2, audit_source__check("cloudtrail:" TESTDATA("cloudtrail/nonexistent.json")));
	ASSERT_EQ_INT(0, audit_source__check("cloudtrail:" TESTDATA("cloudtrail")));
	ASSERT_EQ_U64(0, g.n);
	strpool__free(p);
}

TEST(cloudtrail_real_awsdocs_samples)
{
	struct audit_stats st;
	struct got g;
	int rc;
	struct strpool *p = read_spec(REAL "awsdocs_examples/s3_userguide_cloudtrail_records_wrapper.json",
				      &g, &st, &rc);

	ASSERT_EQ_INT(0, rc);
	ASSERT_EQ_U64(3, st.events);
	ASSERT_EQ_U64(3, g.n);
	ASSERT_EQ_STR("ListBuckets", g.ev[0].api);
	ASSERT_EQ_INT(GW_ACT_LIST, g.ev[0].action);
	ASSERT_EQ_STR("444455556666", g.ev[0].account);
	ASSERT_EQ_STR("", g.ev[0].user_agent);
	ASSERT_EQ_STR("arn:aws:iam::111122223333:user/myUserName", g.ev[0].principal);
	ASSERT_EQ_INT(ms_of("2019-02-01T03:18:19Z"), g.ev[0].time_ms);
	ASSERT_EQ_INT(GW_ACT_PERMISSION, g.ev[1].action);
	ASSERT_EQ_STR("", g.ev[1].source_ip);
	ASSERT_EQ_STR("", g.ev[1].bucket);
	ASSERT_EQ_STR("DOC-EXAMPLE-BUCKET1", g.ev[2].bucket);
	ASSERT_EQ_INT(GW_ACT_MANAGEMENT, g.ev[2].action);
	strpool__free(p);
	p = read_spec(REAL "awsdocs_examples/s3_userguide_cloudtrail_outposts_putobject.json", &g, &st, &rc);
	ASSERT_EQ_INT(0, rc);
	ASSERT_EQ_U64(1, g.n);
	ASSERT_EQ_STR("path/upload.sh", g.ev[0].object_key);
	ASSERT_EQ_INT(GW_ACT_OBJECT_WRITE, g.ev[0].action);
	ASSERT_EQ_U64(10, g.ev[0].bytes_in);
	ASSERT_EQ_U64(20, g.ev[0].bytes_out);
	strpool__free(p);
}

TEST(cloudtrail_real_elastic_samples)
{
	struct audit_stats st;
	struct got g;
	int rc;
	struct strpool *p = read_spec(REAL "elastic_integrations/aws_cloudtrail/test-cloudtrail-digest-json.log",
				      &g, &st, &rc);

	ASSERT_EQ_INT(0, rc);
	ASSERT_EQ_U64(1, st.digests);
	ASSERT_EQ_U64(0, st.events);
	ASSERT_EQ_U64(0, g.n);
	strpool__free(p);
	p = read_spec(REAL "elastic_integrations/aws_cloudtrail", &g, &st, &rc);
	ASSERT_EQ_INT(0, rc);
	ASSERT_EQ_U64(10, st.files);
	ASSERT_EQ_U64(0, st.files_failed);
	ASSERT_EQ_U64(1, st.digests);
	/* test-copy-object-json-minimal.log repeats the eventID of
	 * test-copy-object-json.log: one event, one duplicate. */
	ASSERT_EQ_U64(8, st.events);
	ASSERT_EQ_U64(1, st.duplicates);
	ASSERT_EQ_U64(0, st.skipped);
	/* Sorted by name: test-copy-object-json-minimal.log is second. */
	ASSERT_EQ_STR("CopyObject", g.ev[0].api);
	ASSERT_EQ_STR("test-copy-object/README-copy.md", g.ev[0].object_key);
	ASSERT_EQ_U64(224, g.ev[0].bytes_out);
	ASSERT_EQ_STR("216.160.83.56", g.ev[0].source_ip);
	ASSERT(strncmp(g.ev[0].user_agent, "aws-cli/2.17.60 ", 16) == 0);
	/* test-delete-bucket-json.log: AssumedRole with an arn keeps the session arn. */
	ASSERT_EQ_STR("arn:aws:sts::777788889999:assumed-role/AssumeNothing/devdsk", g.ev[1].principal);
	ASSERT_EQ_INT(1, g.ev[1].key_long_term);
	ASSERT_EQ_INT(GW_ACT_MANAGEMENT, g.ev[1].action);
	/* test-get-bucket-policy-json.log: a service name where the IP would be. */
	ASSERT_EQ_STR("config.amazonaws.com", g.ev[2].source_ip);
	ASSERT_EQ_INT(GW_ACT_PERMISSION, g.ev[2].action);
	/* test-us-gov-arn.log: not S3, a management event. */
	ASSERT_EQ_STR("ssm.amazonaws.com", g.ev[7].service);
	ASSERT_EQ_INT(GW_ACT_MANAGEMENT, g.ev[7].action);
	strpool__free(p);
}
