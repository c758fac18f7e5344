/* GCP Cloud Audit Logs: Google's security-analytics fixtures (a denied GCS
 * read without principal, non-storage entries, the array form). */
#include <stdio.h>
#include <unistd.h>

#include "assert.h"
#include "audit_test_util.h"

#define GCP REAL "gcp_security_analytics_fixtures/"

TEST(gcs_denied_read_without_principal)
{
	struct got *g = got_read(GCP "google.storage.objects.get-notInSameVPC.json");
	const struct audit_event *e = &g->ev[0];

	ASSERT(g);
	ASSERT_EQ_INT(0, g->rc);
	ASSERT_EQ_U64(1, g->st.events);
	ASSERT_EQ_INT(GW_CLOUD_GCP, e->cloud);
	ASSERT_EQ_INT(got_ms("2022-02-15T21:51:50.071Z"), e->time_ms);
	ASSERT_EQ_STR("google.storage.objects.get", e->api);
	ASSERT_EQ_INT(GW_ACT_OBJECT_READ, e->action);
	ASSERT_EQ_INT(GW_OUT_DENIED, e->outcome);
	ASSERT_EQ_STR("PERMISSION_DENIED", e->error_code);
	/* no principal at all: the anonymous caller */
	ASSERT_EQ_STR("anonymous", e->principal);
	ASSERT_EQ_INT(GW_PK_ANONYMOUS, e->principal_kind);
	ASSERT_EQ_STR("203.0.113.255", e->source_ip);
	ASSERT_EQ_STR("protected-bucket", e->bucket);
	ASSERT_EQ_STR("private.txt", e->object_key);
	ASSERT_EQ_STR("1234", e->account);
	ASSERT_EQ_STR("1lpqk13d1fdt", e->request_id);
	got_free(g);
}

TEST(gcs_non_storage_entries_delivered)
{
	static const char *const files[] = {
		"google.cloud.audit.AuditLog.GetProject.json",
		"google.cloud.bigquery.v2.JobService.InsertJob-dataRead.json", /* an array */
		"google.iam.admin.v1.SetIamPolicy-keyAdmin.json",
		"google.login.LoginService.loginFailure.json",
	};
	char spec[256];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct got *g;

		snprintf(spec, sizeof(spec), "gcs:%s%s", GCP, files[i]);
		g = got_read(spec);
		ASSERT(g);
		ASSERT_EQ_INT(0, g->rc);
		ASSERT_EQ_U64(0, g->st.files_failed);
		ASSERT_EQ_U64(1, g->st.records);
		ASSERT_EQ_U64(1, g->st.events);
		ASSERT_EQ_U64(0, g->st.skipped);
		ASSERT_EQ_U64(0, g->st.ignored);
		ASSERT_EQ_U64(1, g->st.non_storage);
		ASSERT_EQ_STR("", g->ev[0].bucket);
		got_free(g);
	}
}

TEST(gcs_json_lines_sink_export)
{
	static const char data[] =
		"{\"protoPayload\":{\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\","
		"\"status\":{},\"authenticationInfo\":{\"principalEmail\":\"etl@p.iam.gserviceaccount.com\"},"
		"\"requestMetadata\":{\"callerIp\":\"gce-internal-ip\",\"callerSuppliedUserAgent\":\"gsutil/5\"},"
		"\"serviceName\":\"storage.googleapis.com\",\"methodName\":\"storage.objects.get\","
		"\"resourceName\":\"projects/_/buckets/b1/objects/dir/o.csv\"},\"insertId\":\"i1\","
		"\"resource\":{\"type\":\"gcs_bucket\",\"labels\":{\"bucket_name\":\"b1\",\"project_id\":\"p\","
		"\"location\":\"us\"}},\"timestamp\":\"2024-05-01T10:00:00Z\"}\n"
		"{\"protoPayload\": broken\n"
		"{\"protoPayload\":{\"status\":{\"code\":3,\"message\":\"bad\"},\"serviceName\":\"storage.googleapis.com\","
		"\"methodName\":\"storage.objects.delete\",\"authenticationInfo\":{\"principalEmail\":\"a@b.com\"},"
		"\"resourceName\":\"projects/_/buckets/b1/objects/x\"},\"timestamp\":\"2024-05-01T10:00:01Z\"}\n";
	char path[] = "/tmp/gw-gcs-XXXXXX", spec[64];
	struct got *g;
	int fd = mkstemp(path);

	ASSERT(fd >= 0);
	ASSERT_EQ_INT((long long)sizeof(data) - 1, write(fd, data, sizeof(data) - 1));
	close(fd);
	snprintf(spec, sizeof(spec), "gcs:%s", path);
	g = got_read(spec);
	unlink(path);
	ASSERT(g);
	ASSERT_EQ_U64(3, g->st.records);
	ASSERT_EQ_U64(2, g->st.events);
	ASSERT_EQ_U64(1, g->st.skipped);
	ASSERT_EQ_STR("etl@p.iam.gserviceaccount.com", g->ev[0].principal);
	ASSERT_EQ_INT(GW_PT_ROLE, g->ev[0].principal_type);
	ASSERT_EQ_STR("gce-internal-ip", g->ev[0].source_ip);
	ASSERT_EQ_STR("dir/o.csv", g->ev[0].object_key);
	ASSERT_EQ_STR("us", g->ev[0].region);
	ASSERT_EQ_INT(GW_ACT_OBJECT_DELETE, g->ev[1].action);
	ASSERT_EQ_INT(GW_OUT_ERROR, g->ev[1].outcome);
	ASSERT_EQ_INT(GW_PT_USER, g->ev[1].principal_type);
	got_free(g);
}
