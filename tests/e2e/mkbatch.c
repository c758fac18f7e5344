/* Test helper: write one FindingBatch protobuf with known fields.
 *   mkbatch OUT AGENT_ID SEQUENCE
 * Built by tests/e2e/test_collect.sh against the generated gatewatch.pb.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pb_encode.h>

#include "gatewatch.pb.h"

static bool put_finding(pb_ostream_t *s, const pb_field_t *field, void *const *arg)
{
	const gatewatch_v1_Finding *f = *arg;

	return pb_encode_tag_for_field(s, field) &&
	       pb_encode_submessage(s, gatewatch_v1_Finding_fields, f);
}

int main(int argc, char **argv)
{
	static gatewatch_v1_FindingBatch b = gatewatch_v1_FindingBatch_init_zero;
	static gatewatch_v1_Finding f = gatewatch_v1_Finding_init_zero;
	static uint8_t buf[65536];
	pb_ostream_t s = pb_ostream_from_buffer(buf, sizeof(buf));
	FILE *out;

	if (argc != 4) {
		fprintf(stderr, "usage: mkbatch OUT AGENT_ID SEQUENCE\n");
		return 2;
	}
	snprintf(b.agent_id, sizeof(b.agent_id), "%s", argv[2]);
	snprintf(b.hostname, sizeof(b.hostname), "gw-e2e-host");
	snprintf(b.boot_id, sizeof(b.boot_id), "0f1e2d3c-boot");
	snprintf(b.agent_version, sizeof(b.agent_version), "0.1.0");
	b.sequence = strtoull(argv[3], NULL, 10);
	snprintf(f.id, sizeof(f.id), "bulk-download:alice:1700000000000");
	snprintf(f.rule_id, sizeof(f.rule_id), "bulk-download");
	snprintf(f.title, sizeof(f.title), "Bulk \"download\" of objects");
	f.severity = gatewatch_v1_Severity_SEVERITY_HIGH;
	f.score = 87.5;
	f.start_ms = 1700000000000;
	f.end_ms = 1700003600000;
	f.cloud = gatewatch_v1_Cloud_CLOUD_AWS;
	snprintf(f.principal, sizeof(f.principal), "arn:aws:iam::111122223333:user/alice");
	snprintf(f.source_ip, sizeof(f.source_ip), "203.0.113.7");
	snprintf(f.bucket, sizeof(f.bucket), "finance-reports");
	snprintf(f.sample_objects[0], sizeof(f.sample_objects[0]), "2024/q1.csv");
	f.sample_objects_count = 1;
	snprintf(f.mitre[0], sizeof(f.mitre[0]), "T1530");
	f.mitre_count = 1;
	f.count = 4200;
	f.bytes = 9876543210ull;
	snprintf(f.evidence[0].key, sizeof(f.evidence[0].key), "threshold");
	snprintf(f.evidence[0].value, sizeof(f.evidence[0].value), "100");
	f.evidence_count = 1;
	b.findings.funcs.encode = put_finding;
	b.findings.arg = &f;
	if (!pb_encode(&s, gatewatch_v1_FindingBatch_fields, &b)) {
		fprintf(stderr, "mkbatch: %s\n", PB_GET_ERROR(&s));
		return 1;
	}
	out = fopen(argv[1], "wb");
	if (!out || fwrite(buf, 1, s.bytes_written, out) != s.bytes_written || fclose(out) != 0) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
