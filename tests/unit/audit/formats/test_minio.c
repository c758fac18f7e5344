/* MinIO audit JSON across seven years of format drift: every version
 * yields the same normalized fields. */
#include "assert.h"
#include "audit_test_util.h"

TEST(minio_doc_samples_drift)
{
	struct got *g = got_read(REAL "minio/minio_audit_doc_samples.ndjson");
	const struct audit_event *e;
	size_t puts = 0;

	ASSERT(g);
	ASSERT_EQ_INT(0, g->rc);
	ASSERT_EQ_U64(12, g->st.records);
	/* The samples repeat one request in each format version; every version
	 * normalizes to the same (time, API, key, requestID), so each request is
	 * delivered once and its other versions are counted as duplicates. */
	ASSERT_EQ_U64(6, g->st.events);
	ASSERT_EQ_U64(6, g->st.duplicates);
	for (size_t i = 0; i < 6; i++) {
		e = &g->ev[i];
		ASSERT_EQ_INT(GW_CLOUD_MINIO, e->cloud);
		ASSERT_EQ_STR("127.0.0.1", e->source_ip);
		ASSERT(*e->request_id);
		ASSERT(*e->access_key);
		ASSERT(strcmp(e->api, "PutObject") == 0 || strcmp(e->api, "ListBuckets") == 0);
		if (strcmp(e->api, "PutObject") == 0) {
			puts++;
			ASSERT(*e->bucket && *e->object_key);
			ASSERT_EQ_INT(GW_ACT_OBJECT_WRITE, e->action);
		} else {
			ASSERT_EQ_INT(GW_ACT_LIST, e->action);
		}
		ASSERT_EQ_INT(GW_OUT_OK, e->outcome);
	}
	ASSERT_EQ_U64(4, puts);
	ASSERT_EQ_STR("minio", g->ev[0].access_key);
	ASSERT_EQ_STR("A1YABB5YPX3ZPL4227XJ", g->ev[1].access_key);
	ASSERT_EQ_STR("minioadmin", g->ev[5].access_key);
	ASSERT_EQ_STR("testbucket", g->ev[5].bucket);
	ASSERT_EQ_STR("hosts", g->ev[5].object_key);
	ASSERT_EQ_U64(401, g->ev[5].bytes_in);
	ASSERT_EQ_INT(got_ms("2024-05-09T07:38:10.449Z"), g->ev[5].time_ms);
	got_free(g);
}

TEST(minio_multipart_sample)
{
	struct got *g = got_read("minio:" REAL "minio/minio_docs_audit_sample_multipart.json");

	ASSERT(g);
	ASSERT_EQ_U64(1, g->st.events);
	ASSERT_EQ_STR("CompleteMultipartUpload", g->ev[0].api);
	ASSERT_EQ_STR("data", g->ev[0].bucket);
	ASSERT_EQ_STR("test-data.csv", g->ev[0].object_key);
	ASSERT_EQ_U64(358, g->ev[0].bytes_out);
	got_free(g);
}
