/* S3 server access logs: the AWS documentation's and Elastic's real lines,
 * field mapping, detection, and lines that must be rejected. */
#include <stdio.h>
#include <unistd.h>

#include "assert.h"
#include "audit_test_util.h"

TEST(s3access_awsdocs_samples)
{
	struct got *g = got_read("s3access:" REAL "awsdocs_examples/s3_userguide_server_access_log_examples.log");
	const struct audit_event *e;

	ASSERT(g);
	ASSERT_EQ_INT(0, g->rc);
	ASSERT_EQ_U64(5, g->st.records);
	ASSERT_EQ_U64(5, g->st.events);
	ASSERT_EQ_U64(0, g->st.skipped);
	e = &g->ev[0];
	ASSERT_EQ_INT(got_ms("2019-02-06T00:00:38Z"), e->time_ms);
	ASSERT_EQ_STR("DOC-EXAMPLE-BUCKET1", e->bucket);
	ASSERT_EQ_STR("192.0.2.3", e->source_ip);
	ASSERT_EQ_STR("REST.GET.VERSIONING", e->api);
	ASSERT_EQ_STR("S3Console/0.4", e->user_agent);
	ASSERT_EQ_STR("3E57427F3EXAMPLE", e->request_id);
	ASSERT_EQ_INT(GW_ACT_MANAGEMENT, e->action);
	ASSERT_EQ_INT(GW_CLOUD_AWS, e->cloud);
	ASSERT_EQ_U64(113, e->bytes_out);
	/* The 404 NoSuchBucketPolicy line. */
	e = &g->ev[2];
	ASSERT_EQ_STR("NoSuchBucketPolicy", e->error_code);
	ASSERT_EQ_INT(GW_OUT_ERROR, e->outcome);
	ASSERT_EQ_INT(GW_ACT_PERMISSION, e->action);
	/* The PUT of s3-dg.pdf. */
	e = &g->ev[4];
	ASSERT_EQ_STR("REST.PUT.OBJECT", e->api);
	ASSERT_EQ_STR("s3-dg.pdf", e->object_key);
	ASSERT_EQ_INT(GW_ACT_OBJECT_WRITE, e->action);
	ASSERT_EQ_U64(4406583, e->bytes_in);
	got_free(g);
}

TEST(s3access_elastic_samples_detected)
{
	/* No prefix: the format is detected from content. */
	struct got *g = got_read(REAL "elastic_integrations/aws_s3_server_access/test-s3-server-access.log");
	const struct audit_event *e;

	ASSERT(g);
	ASSERT_EQ_INT(0, g->rc);
	ASSERT_EQ_U64(0, g->st.files_failed);
	ASSERT_EQ_U64(10, g->st.records);
	/* Three variants of one PUT share its request id, time and key. */
	ASSERT_EQ_U64(8, g->st.events);
	ASSERT_EQ_U64(2, g->st.duplicates);
	e = &g->ev[0];
	ASSERT_EQ_STR("test-s3-ks", e->bucket);
	ASSERT_EQ_INT(GW_PT_ROLE, e->principal_type);
	ASSERT_EQ_INT(GW_ACT_LIST, e->action);
	e = &g->ev[4];
	ASSERT_EQ_STR("BATCH.DELETE.OBJECT", e->api);
	ASSERT_EQ_INT(GW_ACT_OBJECT_DELETE, e->action);
	ASSERT_EQ_STR("arn:aws:iam::123456:user/test@elastic.co", e->principal);
	ASSERT_EQ_INT(GW_PT_USER, e->principal_type);
	e = &g->ev[6];
	ASSERT_EQ_STR("svc:delivery.logs.amazonaws.com", e->principal);
	ASSERT_EQ_INT(GW_PT_SERVICE, e->principal_type);
	ASSERT_EQ_STR("", e->source_ip);
	e = &g->ev[7];
	ASSERT_EQ_STR("S3.EXPIRE.OBJECT", e->api);
	ASSERT_EQ_INT(GW_ACT_OTHER, e->action);
	ASSERT_EQ_INT(GW_OUT_OK, e->outcome);
	got_free(g);
}

TEST(s3access_bad_lines_rejected)
{
	static const char data[] =
		"79a5 bkt [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - A1 REST.GET.OBJECT a%2Fb%20c "
		"\"GET /bkt/a HTTP/1.1\" 403 AccessDenied 243 - 7 - \"-\" \"curl/8\" - hid\n"
		"79a5 bkt [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - A2 REST.GET.OBJECT k \"GET /bkt/a\n"
		"79a5 bkt [31/Foo/2019:00:00:38 +0000] 192.0.2.3 - A3 REST.GET.OBJECT k \"-\" 200 - 1 - 7 - \"-\" \"x\" -\n"
		"just some text\n"
		"79a5 bkt [06/Feb/2019:00:00:39 +0100] 2001:db8::1 - A4 REST.GET.OBJECT k "
		"\"GET /bkt/k HTTP/1.1\" 200 - 5 5 7 - \"-\" \"x\" - hid\n";
	char path[64], spec[80];
	struct got *g;

	ASSERT_EQ_INT(0, got_tmp_file(path, sizeof(path), data, sizeof(data) - 1));
	snprintf(spec, sizeof(spec), "s3access:%s", path);
	g = got_read(spec);
	unlink(path);
	ASSERT(g);
	ASSERT_EQ_U64(5, g->st.records);
	ASSERT_EQ_U64(2, g->st.events);
	ASSERT_EQ_U64(3, g->st.skipped);
	ASSERT_EQ_STR("a/b c", g->ev[0].object_key);
	ASSERT_EQ_INT(GW_OUT_DENIED, g->ev[0].outcome);
	ASSERT_EQ_INT(GW_PT_ANONYMOUS, g->ev[0].principal_type);
	ASSERT_EQ_INT(GW_ACT_OBJECT_READ, g->ev[0].action);
	ASSERT_EQ_STR("2001:db8::1", g->ev[1].source_ip);
	ASSERT_EQ_INT(got_ms("2019-02-06T00:00:39+01:00"), g->ev[1].time_ms);
	got_free(g);
}
