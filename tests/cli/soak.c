/* The agent's detector and correlator over months, on an accelerated clock.
 *
 * Drives the real detector (live, as `gatewatch run` makes it) and the real
 * correlator with synthetic audit events and host windows, hour by hour, the
 * way the daemon does: host windows as they close, each hour's audit events
 * an hour late in time order, then the clock; after each hour the findings
 * are taken, the incidents built and the closed ones let go of.
 *
 * The workload churns what a real site churns: 40 users reading new objects
 * every working day from their own addresses, with a client upgrade every 20
 * days; 30 short-lived batch role sessions a night, each from an address of
 * the day; the gateway's own key reading its bucket every hour, with the
 * gateway process's reads to match. A steady trickle of attacks: every day a
 * user's key bulk-downloads 150 objects from a new address, and a process
 * that is not the gateway (/usr/bin/cp) reads the gateway's bucket.
 *
 * Prints one line per day (resident memory after malloc_trim, the
 * detector's state, kept findings) and a summary; exits 1 when an attack
 * went unreported, a finding was dropped, or the resident memory at the
 * last day exceeds the tenth day's by more than 10%.
 *
 * usage: soak DAYS [--quiet | --every N] [--ttl DAYS]
 *   --quiet     the summary only; --every N: a line every N days (default 1)
 *   --ttl DAYS  [detect] seen_ttl_days (default 7, so that the state reaches
 *               its steady size within the first ten days)
 */
#include <inttypes.h>
#include <stdarg.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "detect/correlate/correlate.h"
#include "detect/detect.h"
#include "lib/names.h"
#include "lib/strpool.h"

#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)
#define SLOT_MS (5 * 60000LL)
#define T0 1767571200000LL            /* 2026-01-05 00:00 UTC, a Monday */
#define USERS 40
#define SESSIONS 100
#define MAX_DAYS 400
#define MAX_EVS 8192
#define ATTACK_HOUR 14
#define HOST_ATTACK_HOUR 15
#define BULK 150

struct soak {
	struct detector *det;
	struct correlator *corr;
	struct strpool *pool;              /* one hour's event strings, as a pull's */
	struct audit_event evs[MAX_EVS];
	size_t nevs;
	uint8_t bulk_found[MAX_DAYS], reader_found[MAX_DAYS];
	uint64_t findings, host_findings, incidents;
};

static const char *S(struct soak *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *S(struct soak *s, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return strpool__intern_str(s->pool, buf);
}

static struct audit_event *ev_new(struct soak *s, int64_t t, const char *who, const char *key,
				  const char *ip, const char *ua)
{
	struct audit_event *e;

	if (s->nevs == MAX_EVS) {
		fprintf(stderr, "soak: too many events in an hour\n");
		exit(2);
	}
	e = &s->evs[s->nevs++];
	memset(e, 0, sizeof(*e));
	e->time_ms = t;
	e->cloud = GW_CLOUD_AWS;
	e->principal = who;
	e->principal_type = strstr(who, "assumed-role") ? GW_PT_ROLE : GW_PT_USER;
	e->principal_kind = GW_PK_OWN;
	e->account = e->principal_account = "111122223333";
	e->access_key = key;
	e->key_long_term = strncmp(key, "AKIA", 4) == 0;
	e->source_ip = ip;
	e->user_agent = ua;
	e->region = "us-east-1";
	e->service = "s3.amazonaws.com";
	e->api = "GetObject";
	e->action = GW_ACT_OBJECT_READ;
	e->bucket = "";
	e->object_key = "";
	e->error_code = "";
	e->request_id = S(s, "req-%" PRId64 "-%zu", t, s->nevs);
	e->created = "";
	e->request = "";
	return e;
}

static void read_ev(struct soak *s, int64_t t, const char *who, const char *key, const char *ip,
		    const char *ua, const char *bucket, const char *obj, uint64_t bytes)
{
	struct audit_event *e = ev_new(s, t, who, key, ip, ua);

	e->bucket = bucket;
	e->object_key = obj;
	e->bytes_out = bytes;
}

/* One hour of audit events (not yet fed). */
static void gen_hour(struct soak *s, int64_t h)
{
	int64_t t = T0 + h * HOUR_MS, day = h / 24;
	int hod = (int)(h % 24), weekday = (int)(day % 7) < 5;

	/* the gateway's key, from the gateway, in the hour's first slot */
	for (int i = 0; i < 30; i++)
		read_ev(s, t + 60000 + i * 5000, "arn:aws:iam::111122223333:user/gateway",
			"AKIAGATEWAYKEY000001", "203.0.113.10", "aws-sdk-go/1.50",
			"gwdata", S(s, "objects/%d.bin", i % 200), 1 << 20);
	for (int u = 0; weekday && hod >= 8 && hod < 18 && u < USERS; u++) {
		const char *who = S(s, "arn:aws:iam::111122223333:user/u%02d", u);
		const char *key = S(s, "AKIAUSER%012d", u), *ip = S(s, "198.51.100.%d", u + 1);
		const char *ua = S(s, "aws-cli/2.%d.0 Python/3.11", (int)(day / 20));
		const char *bucket = S(s, "data-%d", u % 4);

		for (int i = 0; i < 10; i++)
			read_ev(s, t + 600000 + u * 1000 + i * 120000, who, key, ip, ua, bucket,
				S(s, "reports/%" PRId64 "/%d-%d.csv", day, u, i), 4096);
		struct audit_event *l = ev_new(s, t + 900000 + u * 1000, who, key, ip, ua);

		l->api = "ListObjectsV2";
		l->action = GW_ACT_LIST;
		l->bucket = bucket;
	}
	for (int j = 0; hod == 2 && j < SESSIONS; j++) {
		const char *who = S(s, "arn:aws:sts::111122223333:assumed-role/batch/job-%" PRId64 "-%d",
				    day, j);
		const char *key = S(s, "ASIABATCH%06" PRId64 "%04d", day, j);
		const char *ip = S(s, "10.%d.%d.%d", (int)(day % 200), j, (int)(day % 7) + 1);

		for (int i = 0; i < 5; i++)
			read_ev(s, t + 300000 + j * 20000 + i * 1000, who, key, ip, "aws-sdk-java/2.20",
				"batch-in", S(s, "in/%" PRId64 "/%d/%d", day, j, i), 1 << 16);
	}
	if (hod == ATTACK_HOUR && day < MAX_DAYS) {
		/* even days a user's key, odd days one of the night's sessions */
		int u = (int)(day % USERS);
		const char *who = day % 2 ? S(s, "arn:aws:sts::111122223333:assumed-role/batch/job-%"
					      PRId64 "-0", day) :
				  S(s, "arn:aws:iam::111122223333:user/u%02d", u);
		const char *key = day % 2 ? S(s, "ASIABATCH%06" PRId64 "%04d", day, 0) :
				  S(s, "AKIAUSER%012d", u);
		const char *ip = S(s, "192.0.2.%d", (int)(day % 250) + 1);

		for (int i = 0; i < BULK; i++)
			read_ev(s, t + 1200000 + i * 3000, who, key, ip, "python-requests/2.31",
				"data-secret", S(s, "dump/%" PRId64 "/%d.parquet", day, i), 1 << 20);
	}
}

static int ev_cmp(const void *a, const void *b)
{
	const struct audit_event *x = a, *y = b;

	return x->time_ms < y->time_ms ? -1 : x->time_ms > y->time_ms;
}

/* The sensor's windows of one hour: the gateway's reads in the first slot,
 * and the attack's reader. */
static void host_hour(struct soak *s, int64_t h)
{
	int64_t t = T0 + h * HOUR_MS, day = h / 24;

	for (int k = 0; k < 12; k++) {
		struct host_read r[2];
		struct host_window w;

		memset(&w, 0, sizeof(w));
		memset(r, 0, sizeof(r));
		w.start_ms = t + k * SLOT_MS;
		w.end_ms = w.start_ms + SLOT_MS;
		w.reads = r;
		w.hooks = "soak";
		if (k == 0) {
			r[0].proc = (struct host_proc){ .pid = 700, .uid = 998, .start_ns = 1,
				.comm = "minio", .exe = "/usr/bin/minio", .unit = "minio.service" };
			r[0].root = "/srv/minio";
			r[0].bucket = "gwdata";
			r[0].ops = 30;
			r[0].bytes = 30 << 20;
			w.nreads = 1;
		}
		if (k == 2 && h % 24 == HOST_ATTACK_HOUR) {
			r[w.nreads].proc = (struct host_proc){ .pid = (uint32_t)(5000 + day), .uid = 0,
				.start_ns = (uint64_t)(day + 2), .comm = "cp", .exe = "/usr/bin/cp",
				.unit = "session-3.scope" };
			r[w.nreads].root = "/srv/minio";
			r[w.nreads].bucket = "gwdata";
			r[w.nreads].ops = 50;
			r[w.nreads].bytes = 50 << 20;
			w.nreads++;
		}
		correlator__host_window(s->corr, &w);
	}
}

static const char *attacker(int64_t day, char *buf, size_t len)
{
	if (day % 2)
		snprintf(buf, len, "arn:aws:sts::111122223333:assumed-role/batch/job-%" PRId64 "-0", day);
	else
		snprintf(buf, len, "arn:aws:iam::111122223333:user/u%02d", (int)(day % USERS));
	return buf;
}

static void note_finding(struct soak *s, const struct finding *f, int host)
{
	char buf[128];
	int64_t day = (f->start_ms - T0) / DAY_MS, hod = ((f->start_ms - T0) % DAY_MS) / HOUR_MS;

	if (day < 0 || day >= MAX_DAYS)
		return;
	if (getenv("SOAK_DEBUG"))
		fprintf(stderr, "day %" PRId64 " %02" PRId64 "h %s %s count %" PRIu64 "\n", day, hod,
			f->rule_id, f->principal ? f->principal : "", f->count);
	/* the burst may open with the user's own reads of the hour before */
	if (!host && strcmp(f->rule_id, "bulk-download") == 0 && hod >= ATTACK_HOUR - 1 &&
	    hod <= ATTACK_HOUR && f->principal && strcmp(f->principal, attacker(day, buf, sizeof(buf))) == 0)
		s->bulk_found[day] = 1;
	if (host && strcmp(f->rule_id, "unexpected-reader") == 0 && hod == HOST_ATTACK_HOUR)
		s->reader_found[day] = 1;
}

/* After each hour, as the daemon does after each pull. */
static void collect(struct soak *s)
{
	const struct finding *const *df;
	const struct incident *const *in;
	struct finding **cf;
	size_t n = detector__take(s->det, &df), nc;

	for (size_t i = 0; i < n; i++)
		note_finding(s, df[i], 0);
	s->findings += n;
	nc = correlator__take(s->corr, &cf);
	for (size_t i = 0; i < nc; i++) {
		note_finding(s, cf[i], 1);
		finding__free(cf[i]);
	}
	free(cf);
	s->host_findings += nc;
	if (n)
		s->incidents += detector__incidents(s->det, &in) ? 1 : 0;
	detector__expire(s->det, detector__now(s->det));
}

static long rss_kib(void)
{
	long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	malloc_trim(0);
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &res) != 2)
		res = -1;
	fclose(f);
	return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
	static const char *const gw_exes[] = { "/usr/bin/minio" };
	static const char *const gw_keys[] = { "AKIAGATEWAYKEY000001" };
	static const char *const gw_ips[] = { "203.0.113.10" };
	struct detector_config dc;
	struct correlate_opts co;
	struct detector_stats st;
	struct correlate_stats cs;
	struct soak *s = calloc(1, sizeof(*s));
	long days = argc > 1 ? strtol(argv[1], NULL, 10) : 60, rss10 = 0, rss = 0, every = 1, ttl = 7;
	int missed = 0;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--quiet") == 0)
			every = 0;
		else if (strcmp(argv[i], "--every") == 0 && i + 1 < argc)
			every = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--ttl") == 0 && i + 1 < argc)
			ttl = strtol(argv[++i], NULL, 10);
		else
			days = 0;
	}
	if (!s || days < 11 || days >= MAX_DAYS || every < 0 || ttl < 1 || ttl > 365) {
		fprintf(stderr, "usage: soak DAYS (11..%d) [--quiet | --every N] [--ttl DAYS]\n",
			MAX_DAYS - 1);
		return 2;
	}
	detector_config__defaults(&dc);
	dc.live = 1;
	/* what the detector remembers of an idle entity lives this long: the
	 * state reaches its steady size within the first ten days */
	dc.seen_ttl_days = (uint32_t)ttl;
	correlate_opts__defaults(&co);
	co.gateway_exes = gw_exes;
	co.ngateway_exes = 1;
	co.gateway_keys = gw_keys;
	co.ngateway_keys = 1;
	co.gateway_ips = gw_ips;
	co.ngateway_ips = 1;
	co.learning_ms = HOUR_MS;
	s->det = detector__new(&dc);
	s->corr = correlator__new(&co, T0);
	if (!s->det || !s->corr)
		return 2;
	for (int64_t h = 0; h < days * 24; h++) {
		s->pool = strpool__new();
		if (!s->pool)
			return 2;
		host_hour(s, h);
		s->nevs = 0;
		gen_hour(s, h);
		qsort(s->evs, s->nevs, sizeof(s->evs[0]), ev_cmp);
		for (size_t i = 0; i < s->nevs; i++) {
			detector__feed(s->det, &s->evs[i]);
			correlator__audit_event(s->corr, &s->evs[i]);
		}
		/* the event strings go with the pull, as in the daemon */
		strpool__free(s->pool);
		s->pool = NULL;
		correlator__tick(s->corr, T0 + (h + 1) * HOUR_MS);
		collect(s);
		if ((h + 1) % 24)
			continue;
		rss = rss_kib();
		if ((h + 1) / 24 == 10)
			rss10 = rss;
		detector__stats(s->det, &st);
		if (every && ((h + 1) / 24) % every == 0)
			printf("day %3" PRId64 "  rss %6ld KiB  heap in use %6zu KiB  detector state %5"
			       PRIu64 " KiB  strings %5" PRIu64 " KiB  findings kept %3zu\n", (h + 1) / 24,
			       rss, mallinfo2().uordblks / 1024, st.state_bytes / 1024,
			       st.strings_bytes / 1024,
			       detector__findings(s->det, &(const struct finding *const *){ 0 }));
	}
	correlator__tick(s->corr, INT64_MAX);
	collect(s);
	for (long day = 0; day < days - 1; day++) {
		if (!s->bulk_found[day]) {
			fprintf(stderr, "soak: day %ld: the bulk download was not reported\n", day);
			missed++;
		}
		if (!s->reader_found[day]) {
			fprintf(stderr, "soak: day %ld: /usr/bin/cp reading gwdata was not reported\n", day);
			missed++;
		}
	}
	detector__stats(s->det, &st);
	correlator__stats(s->corr, &cs);
	printf("soak: %ld days (first-seen TTL %ld days), %" PRIu64 " events, %" PRIu64 " findings (%" PRIu64 " host), "
	       "%" PRIu64 " dropped, %" PRIu64 " released; rss day 10 %ld KiB, day %ld %ld KiB (%+.1f%%); "
	       "%d attacks missed; %" PRIu64 " entities aged out\n", days, ttl, st.events, s->findings + s->host_findings, s->host_findings,
	       st.findings_dropped + cs.dropped, st.findings_released, rss10, days, rss,
	       rss10 ? 100.0 * (double)(rss - rss10) / (double)rss10 : 0.0, missed, st.entities_aged);
	detector__free(s->det);
	correlator__free(s->corr);
	free(s);
	if (st.entities_dropped || st.volume_dropped || st.seen_dropped)
		fprintf(stderr, "soak: entities past a table's bound: %" PRIu64 " principals, %" PRIu64
			" IPs/buckets, %" PRIu64 " first-seen entries\n", st.entities_dropped,
			st.volume_dropped, st.seen_dropped);
	if (missed || st.findings_dropped || cs.dropped || st.entities_dropped || st.volume_dropped)
		return 1;
	return rss > rss10 + rss10 / 10 ? 1 : 0;
}
