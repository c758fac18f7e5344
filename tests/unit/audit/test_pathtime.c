#include <stdint.h>

#include "assert.h"
#include "audit/audit.h"
#include "lib/isotime.h"

static int64_t at(const char *iso)
{
	int64_t ms = INT64_MIN;

	iso8601__parse(iso, strlen(iso), &ms);
	return ms;
}

/* The clouds' own file names, as their documentation shows them. */
TEST(pathtime_cloud_file_names)
{
	ASSERT_EQ_INT(at("2024-05-01T10:05:00Z"), audit_path__time(
		"logs/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/"
		"111122223333_CloudTrail_us-east-1_20240501T1005Z_a1b2c3d4e5f6a7b8.json.gz"));
	ASSERT_EQ_INT(at("2024-05-01T10:05:42Z"), audit_path__time(
		"access/2024-05-01-10-05-42-0123456789ABCDEF"));
	ASSERT_EQ_INT(at("2024-05-01T10:00:00Z"), audit_path__time(
		"sink/cloudaudit.googleapis.com/data_access/2024/05/01/10:00:00_10:59:59_S0.json"));
	ASSERT_EQ_INT(at("2024-05-01T10:00:00Z"), audit_path__time(
		"insights-logs-storageread/resourceId=/SUBSCRIPTIONS/X/y=2024/m=05/d=01/h=10/m=00/PT1H.json"));
	ASSERT_EQ_INT(at("2024-05-01T10:00:00Z"), audit_path__time("$logs/blob/2024/05/01/1000/000000.log"));
	ASSERT_EQ_INT(at("2024-05-01T10:00:00Z"), audit_path__time(
		"usage/bucket_usage_2024_05_01_10_00_00_0123456789abcdef_v0"));
}

TEST(pathtime_date_alone_or_none)
{
	ASSERT_EQ_INT(at("2024-05-01T00:00:00Z"), audit_path__time("minio/2024-05-01.ndjson.gz"));
	ASSERT_EQ_INT(INT64_MIN, audit_path__time("flat/3f9a0c21.gz"));
	ASSERT_EQ_INT(INT64_MIN, audit_path__time("logs/records.json"));
	/* not a date: month 13, a run of digits too long */
	ASSERT_EQ_INT(INT64_MIN, audit_path__time("x/2024-13-01.json"));
	ASSERT_EQ_INT(INT64_MIN, audit_path__time("x/120240501T1005Z.json"));
}
