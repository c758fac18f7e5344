/* The bulk-download rule: the threshold is a floor (100 reads: nothing; 101:
 * one finding), the window slides, and a finding covers the whole burst. */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/detect.h"

#define T0 1795478400000LL   /* 2026-11-24T00:00:00Z */
#define MIN_MS 60000LL

static char keybuf[64];

static struct audit_event read_ev(const char *principal, int64_t t, int i)
{
	struct audit_event ev = {
		.time_ms = t, .cloud = GW_CLOUD_AWS, .action = GW_ACT_OBJECT_READ,
		.outcome = GW_OUT_OK, .principal_type = GW_PT_USER, .key_long_term = 1,
		.principal = principal, .account = "123456789012",
		.access_key = "AKIAEXAMPLESVCREP001", .source_ip = "203.0.113.45",
		.user_agent = "aws-cli/2.17.60", .region = "us-east-1",
		.service = "s3.amazonaws.com", .api = "GetObject", .bucket = "finance-reports",
		.object_key = keybuf, .error_code = "", .request_id = "", .bytes_out = 1000,
	};

	snprintf(keybuf, sizeof(keybuf), "reports/invoice-%05d.pdf", i);
	return ev;
}

/* Feed n reads of one principal, evenly spaced by step_ms from start. */
static void feed_reads(struct detector *d, const char *who, int64_t start, int64_t step_ms,
		       int n, int first)
{
	struct audit_event ev;

	for (int i = 0; i < n; i++) {
		ev = read_ev(who, start + step_ms * i, first + i);
		detector__feed(d, &ev);
	}
}

static struct detector *new_detector(void)
{
	struct detector_config cfg;

	detector_config__defaults(&cfg);
	return detector__new(&cfg);
}

TEST(bulk_100_reads_is_not_a_finding)
{
	struct detector *d = new_detector();
	const struct finding *const *fs;

	ASSERT(d);
	feed_reads(d, "arn:aws:iam::123456789012:user/svc", T0, 30000, 100, 0);
	detector__flush(d);
	ASSERT_EQ_U64(0, detector__findings(d, &fs));
	detector__free(d);
}

TEST(bulk_101_reads_is_one_finding)
{
	struct detector *d = new_detector();
	const struct finding *const *fs;
	const struct finding *f;
	struct detector_stats st;

	ASSERT(d);
	/* Other principals' reads and this one's writes do not count. */
	feed_reads(d, "arn:aws:iam::123456789012:user/other", T0, 1000, 60, 0);
	feed_reads(d, "arn:aws:iam::123456789012:user/svc", T0, 30000, 101, 0);
	detector__flush(d);
	ASSERT_EQ_U64(1, detector__findings(d, &fs));
	f = fs[0];
	ASSERT_EQ_STR("bulk-download", f->rule_id);
	ASSERT_EQ_STR("Bulk object download", f->title);
	ASSERT_EQ_INT(GW_SEV_HIGH, f->severity);
	ASSERT_EQ_STR("arn:aws:iam::123456789012:user/svc", f->principal);
	ASSERT_EQ_U64(101, f->count);
	ASSERT_EQ_U64(101000, f->bytes);
	ASSERT_EQ_INT(T0, f->start_ms);
	ASSERT_EQ_INT(T0 + 100 * 30000, f->end_ms);
	ASSERT_EQ_STR("203.0.113.45", f->source_ip);
	ASSERT_EQ_STR("finance-reports", f->bucket);
	ASSERT_EQ_STR("AKIAEXAMPLESVCREP001", f->access_key);
	ASSERT_EQ_U64(5, f->nsamples);
	ASSERT_EQ_STR("reports/invoice-00000.pdf", f->samples[0]);
	ASSERT_EQ_STR("T1530", f->mitre[0]);
	/* 50 at the threshold, in whole numbers: 101 reads are 50.4, reported as 50 */
	ASSERT(f->score == 50.0);
	ASSERT_EQ_STR("count", f->evidence[0].key);
	ASSERT_EQ_STR("101", f->evidence[0].value);
	ASSERT_EQ_STR("distinct_objects", f->evidence[2].key);
	ASSERT_EQ_STR("101", f->evidence[2].value);
	ASSERT_EQ_U64(16, strlen(f->id));
	detector__stats(d, &st);
	ASSERT_EQ_U64(161, st.events);
	ASSERT_EQ_U64(0, st.dropped);
	detector__free(d);
}

TEST(bulk_burst_across_hour_boundary)
{
	struct detector *d = new_detector();
	const struct finding *const *fs;

	ASSERT(d);
	/* 60 reads 00:31-00:59:30, then 60 reads 01:00-01:29:30: no clock hour
	 * has more than 60, but 120 fall within one hour. */
	feed_reads(d, "svc", T0 + 31 * MIN_MS, 30000, 60, 0);
	feed_reads(d, "svc", T0 + 60 * MIN_MS, 30000, 60, 60);
	detector__flush(d);
	ASSERT_EQ_U64(1, detector__findings(d, &fs));
	ASSERT_EQ_U64(120, fs[0]->count);
	ASSERT_EQ_INT(T0 + 31 * MIN_MS, fs[0]->start_ms);
	detector__free(d);
}

TEST(bulk_slow_reads_over_three_hours)
{
	struct detector *d = new_detector();
	const struct finding *const *fs;

	ASSERT(d);
	/* 200 reads over 3 hours: about 67 per hour, 101 never within 3600 s. */
	feed_reads(d, "svc", T0, 54000, 200, 0);
	detector__flush(d);
	ASSERT_EQ_U64(0, detector__findings(d, &fs));
	detector__free(d);
}

TEST(bulk_two_bursts_two_findings_sorted)
{
	struct detector *d = new_detector();
	const struct finding *const *fs;
	struct detector_config cfg;

	ASSERT(d);
	/* A small burst, then three hours later a big one, by another principal. */
	feed_reads(d, "a", T0, 1000, 150, 0);
	feed_reads(d, "b", T0 + 180 * MIN_MS, 1000, 400, 0);
	/* The same principal again after a quiet day: a new burst, counted afresh. */
	feed_reads(d, "a", T0 + 24 * 60 * MIN_MS, 1000, 120, 0);
	detector__flush(d);
	ASSERT_EQ_U64(3, detector__findings(d, &fs));
	ASSERT_EQ_STR("b", fs[0]->principal);
	ASSERT_EQ_U64(400, fs[0]->count);
	ASSERT_EQ_U64(150, fs[1]->count);
	ASSERT_EQ_U64(120, fs[2]->count);
	ASSERT(fs[0]->score >= fs[1]->score && fs[1]->score >= fs[2]->score);
	ASSERT(strcmp(fs[1]->id, fs[2]->id) != 0);
	detector__free(d);
	/* A lower threshold is honoured. */
	detector_config__defaults(&cfg);
	cfg.bulk_threshold = 10;
	d = detector__new(&cfg);
	ASSERT(d);
	feed_reads(d, "a", T0, 1000, 11, 0);
	detector__flush(d);
	ASSERT_EQ_U64(1, detector__findings(d, &fs));
	ASSERT_EQ_U64(11, fs[0]->count);
	detector__free(d);
}

TEST(bulk_finding_id_is_stable)
{
	struct detector *d1 = new_detector(), *d2 = new_detector();
	const struct finding *const *f1, *const *f2;

	ASSERT(d1 && d2);
	feed_reads(d1, "svc", T0, 1000, 130, 0);
	feed_reads(d2, "svc", T0, 1000, 130, 0);
	detector__flush(d1);
	detector__flush(d2);
	ASSERT_EQ_U64(1, detector__findings(d1, &f1));
	ASSERT_EQ_U64(1, detector__findings(d2, &f2));
	ASSERT_EQ_STR(f1[0]->id, f2[0]->id);
	detector__free(d1);
	detector__free(d2);
}

/* Live (the daemon): the burst is reported when it crosses the threshold,
 * without waiting for it to end, and only once. */
TEST(bulk_live_reports_at_the_crossing)
{
	struct detector_config cfg;
	struct detector *d;
	const struct finding *const *fs;

	detector_config__defaults(&cfg);
	cfg.live = 1;
	d = detector__new(&cfg);
	ASSERT(d);
	feed_reads(d, "arn:aws:iam::123456789012:user/svc", T0, 1000, 100, 0);
	ASSERT_EQ_U64(0, detector__findings(d, &fs));
	feed_reads(d, "arn:aws:iam::123456789012:user/svc", T0 + 100000, 1000, 1, 100);
	ASSERT_EQ_U64(1, detector__findings(d, &fs));
	ASSERT_EQ_U64(101, fs[0]->count);
	/* the burst goes on and ends: still one finding */
	feed_reads(d, "arn:aws:iam::123456789012:user/svc", T0 + 101000, 1000, 50, 101);
	detector__flush(d);
	ASSERT_EQ_U64(1, detector__findings(d, &fs));
	detector__free(d);
}

/* Live (the daemon): the burst is reported when it crosses the threshold
 * and taken once; when it went on, the same finding comes again with the
 * whole burst's count, replacing the first in the kept findings, so an
 * incident counts it once. Findings taken are not taken again, and a
 * finding whose incident closed is let go of. */
TEST(bulk_live_burst_reports_the_whole_count)
{
	struct detector_config cfg;
	struct detector *d;
	const struct finding *const *fs;
	struct audit_event ev;
	size_t n;

	detector_config__defaults(&cfg);
	cfg.live = 1;
	d = detector__new(&cfg);
	ASSERT(d);
	feed_reads(d, "arn:aws:iam::123456789012:user/svc", T0, 1000, 101, 0);
	n = detector__take(d, &fs);
	ASSERT_EQ_U64(1, n);
	ASSERT_EQ_U64(101, fs[0]->count);
	feed_reads(d, "arn:aws:iam::123456789012:user/svc", T0 + 101000, 1000, 49, 101);
	ASSERT_EQ_U64(0, detector__take(d, &fs));
	/* the reader stopped; an hour and more later the burst is over */
	ev = read_ev("arn:aws:iam::123456789012:user/other", T0 + 3 * 3600000LL, 0);
	detector__feed(d, &ev);
	n = detector__take(d, &fs);
	ASSERT_EQ_U64(1, n);
	ASSERT_EQ_STR("bulk-download", fs[0]->rule_id);
	ASSERT_EQ_U64(150, fs[0]->count);
	ASSERT_EQ_U64(1, detector__findings(d, &fs));
	ASSERT_EQ_U64(150, fs[0]->count);
	/* the incident gap (6 h) after its end: let go of */
	ASSERT_EQ_U64(0, detector__expire(d, T0 + 5 * 3600000LL));
	ASSERT_EQ_U64(1, detector__expire(d, T0 + 7 * 3600000LL));
	ASSERT_EQ_U64(0, detector__findings(d, &fs));
	detector__free(d);
}

/* 100,000 identities, each reading, writing and deleting in the same
 * hours: no rule runs out of room for them (entities_dropped stays 0), and
 * the last of them still gets its bulk-download finding. */
TEST(bulk_100k_identities_lose_no_events)
{
	struct detector *d = new_detector();
	const struct finding *const *fs;
	struct detector_stats st;
	static char names[100000][48];
	struct audit_event ev;
	int n = 100000;

	ASSERT(d);
	for (int i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "arn:aws:iam::123456789012:user/u%06d", i);
		ev = read_ev(names[i], T0 + i * 10LL, i);
		detector__feed(d, &ev);
		ev.action = GW_ACT_OBJECT_WRITE;
		ev.api = "PutObject";
		detector__feed(d, &ev);
		ev.action = GW_ACT_OBJECT_DELETE;
		ev.api = "DeleteObject";
		detector__feed(d, &ev);
	}
	feed_reads(d, names[n - 1], T0 + n * 10LL, 1000, 150, 0);
	detector__flush(d);
	detector__stats(d, &st);
	ASSERT_EQ_U64(0, st.entities_dropped);
	ASSERT(detector__findings(d, &fs) >= 1);
	ASSERT_EQ_STR("bulk-download", fs[0]->rule_id);
	ASSERT_EQ_STR(names[n - 1], fs[0]->principal);
	detector__free(d);
}

/* Rings of one to a few reads come from the rule's slabs and grow out of
 * them: a crowd of principals reading one to six objects each, in turns
 * with a principal that crosses the threshold, leaves every read where it
 * was put (each crowd ring is given back an hour later). */
TEST(bulk_small_rings_of_a_crowd_keep_their_reads)
{
	struct detector *d = new_detector();
	const struct finding *const *fs;
	struct audit_event ev;
	char who[64];

	ASSERT(d);
	for (int i = 0; i < 101; i++) {
		ev = read_ev("arn:aws:iam::123456789012:user/svc", T0 + 30000LL * i, i);
		ASSERT_EQ_INT(0, detector__feed(d, &ev));
		for (int p = 0; p < 300; p++) {
			if (i >= p % 6 + 1)
				continue;
			snprintf(who, sizeof(who), "arn:aws:iam::123456789012:user/crowd-%03d", p);
			ev = read_ev(who, T0 + 30000LL * i + p + 1, 1000 + p * 10 + i);
			ASSERT_EQ_INT(0, detector__feed(d, &ev));
		}
	}
	detector__flush(d);
	ASSERT_EQ_U64(1, detector__findings(d, &fs));
	ASSERT_EQ_STR("arn:aws:iam::123456789012:user/svc", fs[0]->principal);
	ASSERT_EQ_U64(101, fs[0]->count);
	ASSERT_EQ_STR("distinct_objects", fs[0]->evidence[2].key);
	ASSERT_EQ_STR("101", fs[0]->evidence[2].value);
	ASSERT_EQ_U64(5, fs[0]->nsamples);
	ASSERT_EQ_STR("reports/invoice-00000.pdf", fs[0]->samples[0]);
	ASSERT_EQ_STR("reports/invoice-00004.pdf", fs[0]->samples[4]);
	detector__free(d);
}
