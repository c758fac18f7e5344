/* The findings encoder: struct finding -> FindingBatch -> back, field by field. */
#include <errno.h>
#include <stdlib.h>

#include "assert.h"
#include "ship/ship.h"
#include "ship/wire.h"

static char id1[] = "bulk-download:arn:aws:iam::111122223333:user/alice:1700000000000";
static char principal1[] = "arn:aws:iam::111122223333:user/alice";
static char key1[] = "AKIAIOSFODNN7EXAMPLE";
static char ip1[] = "203.0.113.7";
static char ua1[] = "aws-cli/2.15.0 Python/3.11.6";
static char region1[] = "eu-west-1";
static char bucket1[] = "finance-reports";
static char s1[] = "2024/q1.csv", s2[] = "2024/q2.csv";
static char ek1[] = "get_object", ev1[] = "4200", ek2[] = "threshold", ev2[] = "100";

static void fill(struct finding *f, struct finding *g)
{
	memset(f, 0, sizeof(*f));
	f->id = id1;
	f->rule_id = "bulk-download";
	f->title = "Bulk download of objects";
	f->severity = GW_SEV_HIGH;
	f->score = 87.5;
	f->start_ms = 1700000000000;
	f->end_ms = 1700003600000;
	f->cloud = GW_CLOUD_AWS;
	f->principal = principal1;
	f->access_key = key1;
	f->source_ip = ip1;
	f->user_agent = ua1;
	f->region = region1;
	f->bucket = bucket1;
	f->samples[0] = s1;
	f->samples[1] = s2;
	f->nsamples = 2;
	f->count = 4200;
	f->bytes = 9876543210ull;
	f->mitre[0] = "T1530";
	f->nmitre = 1;
	f->evidence[0] = (struct gw_kv){ ek1, ev1 };
	f->evidence[1] = (struct gw_kv){ ek2, ev2 };
	f->nevidence = 2;
	/* A second finding with most fields empty (NULL pointers). */
	memset(g, 0, sizeof(*g));
	g->rule_id = "new-source-ip";
	g->title = "First access from a new IP";
	g->severity = GW_SEV_INFO;
	g->cloud = GW_CLOUD_MINIO;
	g->start_ms = -5;
}

static int encode_decode(const struct finding *const *fs, size_t n, uint64_t seq,
			 struct ship_batch **out)
{
	struct batch_meta meta = { "agent-1", "gw01", "b00t", "0.1.0", seq };
	uint8_t *buf = NULL;
	size_t len = 0;
	const char *why;
	int err = ship__encode_batch(&meta, fs, n, &buf, &len);

	if (err == 0)
		err = ship_batch__decode(buf, len, out, &why);
	free(buf);
	return err;
}

TEST(proto_round_trip)
{
	struct finding f, g;
	const struct finding *fs[2] = { &f, &g };
	struct ship_batch *b = NULL;
	const gatewatch_v1_Finding *m;

	fill(&f, &g);
	ASSERT_EQ_INT(0, encode_decode(fs, 2, 42, &b));
	ASSERT_EQ_STR("agent-1", b->hdr.agent_id);
	ASSERT_EQ_STR("gw01", b->hdr.hostname);
	ASSERT_EQ_STR("b00t", b->hdr.boot_id);
	ASSERT_EQ_STR("0.1.0", b->hdr.agent_version);
	ASSERT_EQ_U64(42, b->hdr.sequence);
	ASSERT_EQ_INT(2, b->nfindings);
	ASSERT_EQ_INT(0, b->nincidents);
	m = &b->findings[0];
	ASSERT_EQ_STR(id1, m->id);
	ASSERT_EQ_STR("bulk-download", m->rule_id);
	ASSERT_EQ_STR("Bulk download of objects", m->title);
	ASSERT_EQ_INT(gatewatch_v1_Severity_SEVERITY_HIGH, m->severity);
	ASSERT(m->score == 88);
	ASSERT_EQ_INT(1700000000000, m->start_ms);
	ASSERT_EQ_INT(1700003600000, m->end_ms);
	ASSERT_EQ_INT(gatewatch_v1_Cloud_CLOUD_AWS, m->cloud);
	ASSERT_EQ_STR(principal1, m->principal);
	ASSERT_EQ_STR(key1, m->access_key);
	ASSERT_EQ_STR(ip1, m->source_ip);
	ASSERT_EQ_STR(ua1, m->user_agent);
	ASSERT_EQ_STR(region1, m->region);
	ASSERT_EQ_STR(bucket1, m->bucket);
	ASSERT_EQ_INT(2, m->sample_objects_count);
	ASSERT_EQ_STR(s1, m->sample_objects[0]);
	ASSERT_EQ_STR(s2, m->sample_objects[1]);
	ASSERT_EQ_INT(1, m->mitre_count);
	ASSERT_EQ_STR("T1530", m->mitre[0]);
	ASSERT_EQ_U64(4200, m->count);
	ASSERT_EQ_U64(9876543210ull, m->bytes);
	ASSERT_EQ_INT(2, m->evidence_count);
	ASSERT_EQ_STR(ek1, m->evidence[0].key);
	ASSERT_EQ_STR(ev1, m->evidence[0].value);
	ASSERT_EQ_STR(ek2, m->evidence[1].key);
	ASSERT_EQ_STR(ev2, m->evidence[1].value);
	ASSERT(!m->has_host);
	m = &b->findings[1];
	ASSERT_EQ_STR("", m->id);
	ASSERT_EQ_STR("new-source-ip", m->rule_id);
	ASSERT_EQ_INT(gatewatch_v1_Severity_SEVERITY_INFO, m->severity);
	ASSERT_EQ_INT(gatewatch_v1_Cloud_CLOUD_MINIO, m->cloud);
	ASSERT_EQ_INT(-5, m->start_ms);
	ASSERT_EQ_STR("", m->principal);
	ASSERT_EQ_INT(0, m->sample_objects_count);
	ship_batch__free(b);
}

TEST(proto_truncates_long_strings)
{
	static char longp[2000], ua[300];
	struct finding f, g;
	const struct finding *fs[1] = { &f };
	struct ship_batch *b = NULL;
	size_t n;

	fill(&f, &g);
	memset(longp, 'a', sizeof(longp) - 1);
	f.principal = longp;
	/* "é" (2 bytes) straddles the 255-byte cut of user_agent[256]. */
	memset(ua, 'x', sizeof(ua) - 1);
	ua[254] = (char)0xC3;
	ua[255] = (char)0xA9;
	f.user_agent = ua;
	ASSERT_EQ_INT(0, encode_decode(fs, 1, 1, &b));
	n = strlen(b->findings[0].principal);
	ASSERT_EQ_INT(sizeof(b->findings[0].principal) - 1, n);
	ASSERT_EQ_INT(254, strlen(b->findings[0].user_agent));
	ASSERT_EQ_STR(ip1, b->findings[0].source_ip);
	ship_batch__free(b);
}

TEST(proto_too_many_findings)
{
	static struct finding f[SHIP_MAX_FINDINGS + 1];
	static const struct finding *fs[SHIP_MAX_FINDINGS + 1];
	struct batch_meta meta = { "a", "h", "b", "v", 1 };
	struct ship_batch *b = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	const char *why;

	for (size_t i = 0; i <= SHIP_MAX_FINDINGS; i++) {
		f[i].rule_id = "r";
		fs[i] = &f[i];
	}
	ASSERT_EQ_INT(-E2BIG, ship__encode_batch(&meta, fs, SHIP_MAX_FINDINGS + 1, &buf, &len));
	ASSERT(buf == NULL);
	ASSERT_EQ_INT(0, ship__encode_batch(&meta, fs, SHIP_MAX_FINDINGS, &buf, &len));
	ASSERT_EQ_INT(0, ship_batch__decode(buf, len, &b, &why));
	ASSERT_EQ_INT(SHIP_MAX_FINDINGS, b->nfindings);
	ship_batch__free(b);
	free(buf);
}

TEST(proto_incidents_and_garbage)
{
	struct ship_batch *b = ship_batch__new(), *d = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	const char *why = NULL;

	ASSERT(b != NULL);
	ship__copy_str(b->hdr.agent_id, sizeof(b->hdr.agent_id), "a");
	ship__copy_str(b->incidents[0].classification, 128, "possible exfiltration");
	ship__copy_str(b->incidents[0].finding_ids[0], 128, "f1");
	b->incidents[0].finding_ids_count = 1;
	ship__copy_str(b->incidents[0].remediation[0], 256, "revoke AKIA...");
	b->incidents[0].remediation_count = 1;
	b->incidents[0].score = 90;
	b->nincidents = 1;
	ASSERT_EQ_INT(0, ship_batch__encode(b, &buf, &len));
	ship_batch__free(b);
	ASSERT_EQ_INT(0, ship_batch__decode(buf, len, &d, &why));
	free(buf);
	ASSERT_EQ_INT(1, d->nincidents);
	ASSERT_EQ_STR("possible exfiltration", d->incidents[0].classification);
	ASSERT_EQ_STR("f1", d->incidents[0].finding_ids[0]);
	ASSERT_EQ_STR("revoke AKIA...", d->incidents[0].remediation[0]);
	ship_batch__free(d);
	d = NULL;
	ASSERT_EQ_INT(-EBADMSG, ship_batch__decode((const uint8_t *)"not a protobuf", 14, &d, &why));
	ASSERT(why != NULL && d == NULL);
}

TEST(proto_json_escapes)
{
	struct ship_batch *b = ship_batch__new();
	char *mem = NULL;
	const char *exp;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);

	ASSERT(b != NULL && f != NULL);
	ship__copy_str(b->hdr.agent_id, 128, "q\"b\\n\n\x01\xff\xc3\xa9");
	b->hdr.sequence = 7;
	ship__copy_str(b->findings[0].rule_id, 64, "r");
	b->findings[0].severity = gatewatch_v1_Severity_SEVERITY_CRITICAL;
	b->nfindings = 1;
	ASSERT_EQ_INT(0, ship_batch__write_json(f, b));
	fclose(f);
	ship_batch__free(b);
	exp = "{\"agent_id\":\"q\\\"b\\\\n\\n\\u0001\\ufffd\xc3\xa9\",";
	if (strncmp(mem, exp, strlen(exp)) != 0)
		FAIL_AT("expected a line starting %s, got %s", exp, mem);
	ASSERT(strstr(mem, "\"sequence\":7,") != NULL);
	ASSERT(strstr(mem, "\"severity\":\"critical\"") != NULL);
	ASSERT(len > 0 && mem[len - 1] == '\n');
	free(mem);
}
