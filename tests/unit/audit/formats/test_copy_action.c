/* Server-side copies reach the one normalized action, object_copy, from
 * every cloud's own method names (CloudTrail CopyObject/UploadPartCopy, S3
 * access log REST.COPY.*, Cloud Audit Logs storage.objects.rewrite/copy,
 * StorageBlobLogs CopyBlob/PutBlockFromURL, MinIO CopyObject); the source
 * side of a copy in an S3 access log is a read; a 401 is a denial. Record
 * shapes follow each cloud's documented log fields. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "assert.h"
#include "audit_test_util.h"

static struct got *read_as(const char *format, const char *data)
{
	char path[64], spec[96];
	struct got *g;

	if (got_tmp_text(path, sizeof(path), data) < 0)
		return NULL;
	snprintf(spec, sizeof(spec), "%s:%s", format, path);
	g = got_read(spec);
	unlink(path);
	return g;
}

#define CT_REC(name, id) \
	"{\"eventVersion\":\"1.09\",\"eventTime\":\"2026-10-01T10:00:0" id "Z\"," \
	"\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"" name "\",\"awsRegion\":\"us-east-1\"," \
	"\"sourceIPAddress\":\"192.0.2.10\",\"userAgent\":\"aws-cli/2.17.60\"," \
	"\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/a\"," \
	"\"accountId\":\"111122223333\",\"accessKeyId\":\"AKIAEXAMPLE000000001\"}," \
	"\"requestParameters\":{\"bucketName\":\"dest\",\"key\":\"k\"},\"eventCategory\":\"Data\"," \
	"\"requestID\":\"R" id "\",\"eventID\":\"e" id "\",\"recipientAccountId\":\"111122223333\"}"

TEST(copy_action_cloudtrail)
{
	struct got *g = read_as("cloudtrail", "{\"Records\":[" CT_REC("CopyObject", "1") ","
				CT_REC("UploadPartCopy", "2") "," CT_REC("PutObject", "3") "]}\n");

	ASSERT(g);
	ASSERT_EQ_U64(3, g->st.events);
	ASSERT_EQ_INT(GW_ACT_OBJECT_COPY, g->ev[0].action);
	ASSERT_EQ_INT(GW_ACT_OBJECT_COPY, g->ev[1].action);
	ASSERT_EQ_INT(GW_ACT_OBJECT_WRITE, g->ev[2].action);
	got_free(g);
}

#define S3L(op, status, id) \
	"79a5 dest [01/Oct/2026:10:00:00 +0000] 192.0.2.3 arn:aws:iam::111122223333:user/a " id " " \
	op " k \"PUT /dest/k HTTP/1.1\" " status " - 0 5 7 - \"-\" \"aws-cli/2.17.60\" - hid\n"

TEST(copy_action_s3_access_log)
{
	struct got *g = read_as("s3access", S3L("REST.COPY.OBJECT", "200", "A1")
				S3L("REST.COPY.OBJECT_GET", "200", "A2") S3L("REST.COPY.PART", "200", "A3")
				S3L("REST.COPY.PART_GET", "200", "A4") S3L("REST.GET.OBJECT", "401", "A5")
				S3L("REST.GET.OBJECT", "404", "A6"));

	ASSERT(g);
	ASSERT_EQ_U64(6, g->st.events);
	ASSERT_EQ_INT(GW_ACT_OBJECT_COPY, g->ev[0].action);
	ASSERT_EQ_INT(GW_ACT_OBJECT_READ, g->ev[1].action);
	ASSERT_EQ_INT(GW_ACT_OBJECT_COPY, g->ev[2].action);
	ASSERT_EQ_INT(GW_ACT_OBJECT_READ, g->ev[3].action);
	/* 401 (no or bad credentials) is a denial like 403; 404 is an error. */
	ASSERT_EQ_INT(GW_OUT_DENIED, g->ev[4].outcome);
	ASSERT_EQ_INT(GW_OUT_ERROR, g->ev[5].outcome);
	got_free(g);
}

#define GCS_REC(method, id) \
	"{\"insertId\":\"g" id "\",\"logName\":\"projects/p/logs/cloudaudit.googleapis.com%2Fdata_access\"," \
	"\"protoPayload\":{\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\",\"status\":{}," \
	"\"authenticationInfo\":{\"principalEmail\":\"a@example.com\"},\"requestMetadata\":{" \
	"\"callerIp\":\"192.0.2.10\",\"callerSuppliedUserAgent\":\"gsutil/5.30\"}," \
	"\"serviceName\":\"storage.googleapis.com\",\"methodName\":\"" method "\"," \
	"\"resourceName\":\"projects/_/buckets/dest/objects/k\"},\"resource\":{\"type\":\"gcs_bucket\"," \
	"\"labels\":{\"project_id\":\"p\",\"bucket_name\":\"dest\",\"location\":\"us-east1\"}}," \
	"\"timestamp\":\"2026-10-01T10:00:0" id "Z\",\"severity\":\"INFO\"}\n"

TEST(copy_action_gcs)
{
	struct got *g = read_as("gcs", GCS_REC("storage.objects.rewrite", "1")
				GCS_REC("storage.objects.copy", "2") GCS_REC("storage.objects.create", "3")
				GCS_REC("storage.objects.compose", "4"));

	ASSERT(g);
	ASSERT_EQ_U64(4, g->st.events);
	ASSERT_EQ_INT(GW_ACT_OBJECT_COPY, g->ev[0].action);
	ASSERT_EQ_INT(GW_ACT_OBJECT_COPY, g->ev[1].action);
	ASSERT_EQ_INT(GW_ACT_OBJECT_WRITE, g->ev[2].action);
	ASSERT_EQ_INT(GW_ACT_OBJECT_WRITE, g->ev[3].action);
	ASSERT_EQ_STR("dest", g->ev[0].bucket);
	got_free(g);
}

#define AZ_REC(op, id) \
	"{\"time\":\"2026-10-01T10:00:0" id "Z\",\"resourceId\":\"/subscriptions/0/resourceGroups/rg/" \
	"providers/Microsoft.Storage/storageAccounts/acct/blobServices/default\"," \
	"\"category\":\"StorageWrite\",\"operationName\":\"" op "\",\"operationVersion\":\"2021-08-06\"," \
	"\"schemaVersion\":\"1.0\",\"statusCode\":202,\"statusText\":\"Success\",\"durationMs\":9," \
	"\"callerIpAddress\":\"192.0.2.10:40000\",\"correlationId\":\"c" id "\",\"identity\":{" \
	"\"type\":\"OAuth\",\"requester\":{\"upn\":\"a@contoso.example\"}},\"location\":\"eastus\"," \
	"\"properties\":{\"accountName\":\"acct\",\"userAgentHeader\":\"AzCopy/10.26.0\"," \
	"\"serviceType\":\"blob\",\"objectKey\":\"/acct/dest/k\"}}\n"

TEST(copy_action_azure_blob_logs)
{
	struct got *g = read_as("azure", AZ_REC("CopyBlob", "1") AZ_REC("PutBlockFromURL", "2")
				AZ_REC("PutBlobFromURL", "3") AZ_REC("PutBlob", "4")
				AZ_REC("CopyBlobSource", "5"));

	ASSERT(g);
	ASSERT_EQ_U64(5, g->st.events);
	ASSERT_EQ_INT(GW_ACT_OBJECT_COPY, g->ev[0].action);
	ASSERT_EQ_INT(GW_ACT_OBJECT_COPY, g->ev[1].action);
	ASSERT_EQ_INT(GW_ACT_OBJECT_COPY, g->ev[2].action);
	ASSERT_EQ_INT(GW_ACT_OBJECT_WRITE, g->ev[3].action);
	ASSERT_EQ_INT(GW_ACT_OBJECT_READ, g->ev[4].action);
	ASSERT_EQ_STR("dest", g->ev[0].bucket);
	got_free(g);
}

#define MINIO_REC(name, id) \
	"{\"version\":\"1\",\"deploymentid\":\"d1\",\"time\":\"2026-10-01T10:00:0" id "Z\"," \
	"\"api\":{\"name\":\"" name "\",\"bucket\":\"dest\",\"object\":\"k\",\"status\":\"OK\"," \
	"\"statusCode\":200},\"remotehost\":\"192.0.2.10\",\"requestID\":\"m" id "\"," \
	"\"userAgent\":\"minio-go/v7\",\"accessKey\":\"app\"}\n"

TEST(copy_action_minio)
{
	struct got *g = read_as("minio", MINIO_REC("CopyObject", "1") MINIO_REC("CopyObjectPart", "2")
				MINIO_REC("PutObject", "3"));

	ASSERT(g);
	ASSERT_EQ_U64(3, g->st.events);
	ASSERT_EQ_INT(GW_ACT_OBJECT_COPY, g->ev[0].action);
	ASSERT_EQ_INT(GW_ACT_OBJECT_COPY, g->ev[1].action);
	ASSERT_EQ_INT(GW_ACT_OBJECT_WRITE, g->ev[2].action);
	got_free(g);
}
