/* Baselines per bucket and per source IP: the bucket-read-spike rule on
 * several principals who together read one bucket far above its own
 * baseline, its benign twin (the same reads spread over a working day),
 * and the volume baselines across a restart. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assert.h"
#include "detect/detect.h"

#define DAY0 1792454400000LL   /* 2026-10-20T00:00:00Z, a Tuesday */
#define HOUR 3600000LL
#define DAY (24 * HOUR)
#define OWNER "arn:aws:iam::111122223333:role/app"

static const char *const readers[] = {
	"arn:aws:iam::111122223333:user/dev-a", "arn:aws:iam::111122223333:user/dev-b",
	"arn:aws:iam::111122223333:user/dev-c",
};

static struct audit_event read_ev(int64_t t, const char *who, const char *ip, const char *obj)
{
	struct audit_event e = {
		.time_ms = t, .cloud = GW_CLOUD_AWS, .action = GW_ACT_OBJECT_READ,
		.outcome = GW_OUT_OK, .principal_type = GW_PT_USER, .principal = who,
		.account = "111122223333", .access_key = "ASIAEXAMPLEVOLUME001",
		.source_ip = ip, .user_agent = "aws-sdk-go/1.55.5", .region = "us-east-1",
		.service = "s3.amazonaws.com", .api = "GetObject", .bucket = "customer-db",
		.object_key = obj, .error_code = "", .request_id = "", .bytes_out = 100000,
	};

	return e;
}

/* 28 days: the application reads its bucket 6 times an hour, day and night. */
static void history(struct detector *d, int from, int to)
{
	struct audit_event e;

	for (int day = from; day < to; day++)
		for (int h = 0; h < 24; h++)
			for (int i = 0; i < 6; i++) {
				e = read_ev(DAY0 + day * DAY + h * HOUR + i * 600000, OWNER,
					    "203.0.113.40", "rows/part.json");
				detector__feed(d, &e);
			}
}

/* Three developers read 30 objects each: 90 reads, spread over `hours`. */
static void readers_read(struct detector *d, int64_t t0, int hours)
{
	char obj[32];
	struct audit_event e;

	for (int i = 0; i < 90; i++) {
		snprintf(obj, sizeof(obj), "customers/%04d.json", i);
		e = read_ev(t0 + (int64_t)i * hours * HOUR / 90, readers[i % 3],
			    i % 3 == 0 ? "198.51.100.9" : "203.0.113.11", obj);
		detector__feed(d, &e);
	}
}

static const struct finding *find_rule(struct detector *d, const char *rule, size_t *count)
{
	const struct finding *const *fs, *first = NULL;
	size_t n = detector__findings(d, &fs);

	*count = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(fs[i]->rule_id, rule) == 0) {
			first = first ? first : fs[i];
			(*count)++;
		}
	return first;
}

static const char *evidence(const struct finding *f, const char *key)
{
	for (size_t i = 0; i < f->nevidence; i++)
		if (strcmp(f->evidence[i].key, key) == 0)
			return f->evidence[i].value;
	return "";
}

TEST(detect_bucket_read_spike_whoever_reads)
{
	struct detector *d = detector__new(NULL);
	const struct finding *f;
	size_t n;

	ASSERT(d);
	history(d, 0, 28);
	readers_read(d, DAY0 + 28 * DAY + 15 * HOUR, 1);
	detector__flush(d);
	f = find_rule(d, "bucket-read-spike", &n);
	ASSERT_EQ_U64(1, n);
	ASSERT_EQ_STR("customer-db", f->bucket);
	ASSERT_EQ_STR(readers[0], f->principal);        /* ties go to the smaller name */
	ASSERT_EQ_STR("198.51.100.9", f->source_ip);
	ASSERT_EQ_STR("T1530", f->mitre[0]);
	ASSERT_EQ_U64(90, f->count);
	ASSERT(f->nsamples > 0);
	ASSERT_EQ_STR("90", evidence(f, "bucket_reads_in_hour"));
	ASSERT_EQ_STR("6.0", evidence(f, "bucket_baseline_reads_per_hour"));
	ASSERT_EQ_STR("30", evidence(f, "top_reader_reads"));
	ASSERT(strstr(evidence(f, "readers"), readers[1]) && strstr(evidence(f, "readers"), readers[2]));
	/* Each developer stayed under the per-principal volume rules. */
	find_rule(d, "bulk-download", &n);
	ASSERT_EQ_U64(0, n);
	detector__free(d);
}

/* The benign twin: the same 90 reads spread over nine hours, or the spike
 * before the bucket has a baseline. */
TEST(detect_bucket_read_spike_benign_twin)
{
	struct detector *d = detector__new(NULL);
	size_t n;

	ASSERT(d);
	history(d, 0, 28);
	readers_read(d, DAY0 + 28 * DAY + 9 * HOUR, 9);
	detector__flush(d);
	find_rule(d, "bucket-read-spike", &n);
	ASSERT_EQ_U64(0, n);
	detector__free(d);
	d = detector__new(NULL);
	ASSERT(d);
	history(d, 0, 5);
	readers_read(d, DAY0 + 5 * DAY + 15 * HOUR, 1);
	detector__flush(d);
	find_rule(d, "bucket-read-spike", &n);
	ASSERT_EQ_U64(0, n);
	detector__free(d);
}

/* Saved and loaded, the bucket's baseline still knows the spike; a file of
 * the first version (identities only) is refused, not misread. */
TEST(detect_volume_baselines_survive_restart)
{
	static const unsigned char v1[] = { 'G', 'W', 'B', 'L', 1, 0, 0, 0, 0, 0, 0, 0,
					    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct detector *a = detector__new(NULL), *b = detector__new(NULL);
	char *buf = NULL;
	size_t len = 0, n;
	FILE *mem = open_memstream(&buf, &len);
	struct detector_stats st;

	ASSERT(a && b && mem);
	history(a, 0, 28);
	detector__flush(a);
	ASSERT_EQ_INT(0, detector__save_baselines(a, mem));
	fclose(mem);
	ASSERT_EQ_INT(0, detector__load_baselines(b, buf, len));
	readers_read(b, DAY0 + 28 * DAY + 15 * HOUR, 1);
	detector__flush(b);
	find_rule(b, "bucket-read-spike", &n);
	ASSERT_EQ_U64(1, n);
	detector__stats(b, &st);
	ASSERT_EQ_U64(0, st.volume_dropped);
	detector__free(b);
	b = detector__new(NULL);
	ASSERT(b);
	ASSERT_EQ_INT(-EINVAL, detector__load_baselines(b, v1, sizeof(v1)));
	detector__free(b);
	detector__free(a);
	free(buf);
}

/* Past the table's bound, new buckets are counted, not tracked. */
TEST(detect_volume_bounded)
{
	struct detector *d = detector__new(NULL);
	struct detector_stats st;
	struct audit_event e;
	char bucket[32];

	ASSERT(d);
	for (int i = 0; i < 70000; i++) {
		snprintf(bucket, sizeof(bucket), "b-%06d", i);
		e = read_ev(DAY0 + i, OWNER, "203.0.113.40", "x");
		e.bucket = bucket;
		detector__feed(d, &e);
	}
	detector__flush(d);
	detector__stats(d, &st);
	/* One IP and 65,535 buckets fit: 70,000 - 65,535 bucket events dropped. */
	ASSERT_EQ_U64(70000 - 65535, st.volume_dropped);
	detector__free(d);
}
