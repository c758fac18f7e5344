/* gatewatch analyze: offline analysis of audit logs.
 *
 * Every source is read in full first: a directory of delivery files is not
 * in time order, and files of several sources interleave. The events are
 * then sorted by time (stably, so equal times keep file order), filtered by
 * bucket and time range, and fed to the detector. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze.h"
#include "audit/audit.h"
#include "lib/args.h"
#include "lib/clock.h"
#include "lib/isotime.h"
#include "cmd/cmd.h"
#include "config/config.h"
#include "detect/detect.h"
#include "lib/log.h"
#include "lib/redact.h"
#include "ship/ship.h"
#include "lib/strpool.h"

#define ANALYZE_MAX_SOURCES 256
#define ANALYZE_MAX_INTEL 32
#define ANALYZE_MAX_EVENTS ((size_t)1 << 28)
#define SHIP_ATTEMPTS 3

struct analyze_opts {
	const char *sources[ANALYZE_MAX_SOURCES];
	size_t nsources;
	const char *bucket;
	const char *output;
	const char *collector;
	int quiet;                 /* --quiet: no summary */
	uint64_t hours_back;       /* 0: no lower bound */
	int64_t now_ms;
	int have_now;
	const char *intel[ANALYZE_MAX_INTEL];
	size_t nintel;
	const char *config;        /* --config: its [detect] section */
	struct gw_config gcfg;     /* the [detect] keys: file, then flags */
	struct detector_config dcfg;
};

/* getopt values of the [detect] keys: OPT_BASE + the key's table index. */
#define OPT_BASE 1000
#define ANALYZE_MAX_OPTS 64

struct event_vec {
	struct audit_event *v;
	size_t n, cap;
	const char *bucket;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: gatewatch analyze --audit SOURCE [--audit SOURCE...] [OPTIONS]\n"
		"\n"
		"Analyze cloud audit logs offline and write a prioritized JSON report.\n"
		"\n"
		"  --audit SOURCE        audit log source, repeatable (required): FORMAT:WHERE or\n"
		"                        WHERE (format detected); FORMAT cloudtrail, s3access,\n"
		"                        gcs, azure, azure-activity or minio; WHERE a file or a\n"
		"                        directory (recursive, plain or gzip) or a bucket URL\n"
		"  --bucket NAME         only events on this bucket (default: all)\n"
		"  --hours-back N        report findings within N hours before --now, which is\n"
		"                        the newest event's time unless --now is given; older\n"
		"                        events only build the baselines (default: all)\n"
		"  --now TIME            ISO-8601 end of the analyzed range (default: the newest\n"
		"                        event's time, not the clock)\n"
		"  --output FILE         write the report to FILE, atomically (default: stdout)\n"
		"  --intel [KIND:]FILE   threat intel, repeatable: tor:, deny:, hosting:, allow:\n"
		"                        (silences), cloud: (AWS/GCP/Azure range files); a JSON\n"
		"                        FILE is cloud, a text FILE deny (default: none)\n"
		"  --business-hours H-H  business hours, Monday-Friday (default: 8-18; 18-8 is a night shift)\n"
		"  --config FILE         read the [detect] section of this gatewatch.conf;\n"
		"                        flags go over it (default: none)\n"
		"  --collector URL       also send the findings to a gatewatch collector\n"
		"                        (default: none)\n"
		"  --quiet               no summary (by default a summary is printed: on\n"
		"                        standard output with --output, else on stderr)\n"
		"  --help                this help\n"
		"\n"
		"The detector's settings, also [detect] keys of gatewatch.conf:\n");
	gw_config__usage_section(out, "detect");
}

/* Digits only, in [min, max] (lib/args.h). */
static int parse_u64(const char *flag, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return gw_arg__u64(flag, s, min, max, out);
}

/* "8-18": whole hours; "18-8" is a night shift across midnight; an end of
 * 0 is midnight (24). */
static int parse_hours(const char *s, struct gw_config *cfg)
{
	const char *dash = strchr(s, '-');
	char a[8] = "";
	uint64_t x, y;

	if (!dash || dash == s || (size_t)(dash - s) >= sizeof(a))
		goto bad;
	memcpy(a, s, (size_t)(dash - s));
	if (parse_u64("--business-hours", a, 0, 23, &x) < 0 ||
	    parse_u64("--business-hours", dash + 1, 0, 24, &y) < 0)
		return -EINVAL;
	if (y == 0)
		y = 24;
	if (x == y)
		goto bad;
	cfg->business_start_hour = (unsigned)x;
	cfg->business_end_hour = (unsigned)y;
	return 0;
bad:
	log_err("--business-hours: invalid value '%s' (expected START-END, e.g. 8-18, or 18-8 for a night shift)", s);
	return -EINVAL;
}

static int parse_opt(struct analyze_opts *o, int c, const char *arg)
{
	const struct gw_config_key *k = gw_config__option_key(c, OPT_BASE);

	if (k)
		return gw_config__set(&o->gcfg, k->flag, arg) < 0 ? -EINVAL : 0;
	switch (c) {
	case 'a':
		if (o->nsources == ANALYZE_MAX_SOURCES) {
			log_err("--audit: at most %d sources", ANALYZE_MAX_SOURCES);
			return -EINVAL;
		}
		o->sources[o->nsources++] = arg;
		return 0;
	case 'b':
		o->bucket = arg;
		return 0;
	case 'H':
		return parse_u64("--hours-back", arg, 1, 24 * 366 * 10, &o->hours_back);
	case 'n':
		if (iso8601__parse(arg, strlen(arg), &o->now_ms) < 0) {
			log_err("--now: invalid time '%s' (expected ISO-8601, e.g. 2026-11-24T03:00:00Z)",
				arg);
			return -EINVAL;
		}
		o->have_now = 1;
		return 0;
	case 'o':
		o->output = arg;
		return 0;
	case 'q':
		o->quiet = 1;
		return 0;
	case 'c':
		o->collector = arg;
		return 0;
	case 'C':
		return 0;   /* read before the other flags */
	case 'I':
		if (o->nintel == ANALYZE_MAX_INTEL) {
			log_err("--intel: at most %d files", ANALYZE_MAX_INTEL);
			return -EINVAL;
		}
		o->intel[o->nintel++] = arg;
		return 0;
	case 'W':
		return parse_hours(arg, &o->gcfg);
	default:
		return -EINVAL;
	}
}

/* The command's own options, then one per [detect] key of the config table. */
static void build_options(struct option *opts, size_t cap)
{
	static const struct option own[] = {
		{ "audit", required_argument, NULL, 'a' },
		{ "bucket", required_argument, NULL, 'b' },
		{ "hours-back", required_argument, NULL, 'H' },
		{ "now", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "collector", required_argument, NULL, 'c' },
		{ "config", required_argument, NULL, 'C' },
		{ "intel", required_argument, NULL, 'I' },
		{ "business-hours", required_argument, NULL, 'W' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
	};
	size_t n = sizeof(own) / sizeof(own[0]);
	int m;

	memcpy(opts, own, sizeof(own));
	m = gw_config__section_options(opts + n, cap - n - 1, OPT_BASE, "detect");
	n += m > 0 ? (size_t)m : 0;
	memset(&opts[n], 0, sizeof(opts[n]));
}

/* First pass: --config and --help only, so that flags go over the file
 * wherever they stand. 1 for --help, else 0 or -EINVAL (already reported). */
static int load_config(int argc, char **argv, const struct option *opts, struct analyze_opts *o)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if (c == 'C')
			o->config = optarg;
	}
	if (o->config && gw_config__load(&o->gcfg, o->config) < 0)
		return -EINVAL;
	return 0;
}

/* Returns 0, 1 for --help, or -EINVAL (already reported). */
static int parse_args(int argc, char **argv, struct analyze_opts *o)
{
	struct option opts[ANALYZE_MAX_OPTS];
	int c, err;

	build_options(opts, ANALYZE_MAX_OPTS);
	gw_config__defaults(&o->gcfg);
	if (o->gcfg.oom) {
		log_err("failed to start the analysis: out of memory");
		return -EINVAL;
	}
	err = load_config(argc, argv, opts, o);
	if (err)
		return err;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == '?' || c == ':') {
			log_err("%s '%s' (see 'gatewatch analyze --help')",
				c == ':' ? "missing value for" : "unknown option", argv[optind - 1]);
			return -EINVAL;
		}
		if (parse_opt(o, c, optarg) < 0)
			return -EINVAL;
	}
	if (optind < argc) {
		log_err("unexpected argument '%s' (see 'gatewatch analyze --help')", argv[optind]);
		return -EINVAL;
	}
	if (!o->nsources) {
		log_err("--audit: at least one source is required (see 'gatewatch analyze --help')");
		return -EINVAL;
	}
	detector_config__defaults(&o->dcfg);
	return gw_config__detector(&o->gcfg, &o->dcfg) < 0 ? -EINVAL : 0;
}

static int collect_event(const struct audit_event *ev, void *ctx)
{
	struct event_vec *vec = ctx;
	struct audit_event *nv;
	size_t cap;

	if (vec->bucket && strcmp(ev->bucket, vec->bucket) != 0)
		return 0;
	if (vec->n == vec->cap) {
		if (vec->cap >= ANALYZE_MAX_EVENTS)
			return -E2BIG;
		cap = vec->cap ? vec->cap * 2 : 1024;
		nv = realloc(vec->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		vec->v = nv;
		vec->cap = cap;
	}
	vec->v[vec->n++] = *ev;
	return 0;
}

static struct detector *new_detector(const struct analyze_opts *o);

static int cmp_by_time(const void *a, const void *b, void *arg)
{
	const struct audit_event *v = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (v[i].time_ms != v[j].time_ms)
		return v[i].time_ms < v[j].time_ms ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* Sort by time, keep what the bucket filter allows and what is not after
 * --now, feed. Events before the reporting window build the baselines; the
 * detector reports only findings inside it. */
static int feed_sorted(struct analyze_opts *o, const struct event_vec *vec,
		       struct detector **dp, uint64_t *analyzed, uint64_t *baseline, double *sec)
{
	double t0;

	size_t *idx = NULL;
	int64_t now, lo = INT64_MIN;
	const struct audit_event *ev;

	*analyzed = *baseline = 0;
	if (vec->n) {
		idx = malloc(vec->n * sizeof(*idx));
		if (!idx)
			return -ENOMEM;
	}
	for (size_t i = 0; i < vec->n; i++)
		idx[i] = i;
	if (vec->n > 1)
		qsort_r(idx, vec->n, sizeof(*idx), cmp_by_time, vec->v);
	now = o->have_now ? o->now_ms : vec->n ? vec->v[idx[vec->n - 1]].time_ms : 0;
	if (o->hours_back)
		lo = now - (int64_t)o->hours_back * 3600 * 1000;
	o->dcfg.report_from_ms = lo;
	*dp = new_detector(o);
	if (!*dp) {
		free(idx);
		return errno == ENOMEM ? -ENOMEM : -EINVAL;
	}
	t0 = gw_mono_sec();
	for (size_t i = 0; i < vec->n; i++) {
		ev = &vec->v[idx[i]];
		if (ev->time_ms > now)
			continue;
		/* A dropped event is counted by the detector; the run goes on. */
		detector__feed(*dp, ev);
		if (ev->time_ms < lo)
			(*baseline)++;
		else
			(*analyzed)++;
	}
	detector__flush(*dp);
	*sec = gw_mono_sec() - t0;
	free(idx);
	return 0;
}

/* The detector with its threat intel; NULL with errno set (EINVAL: a bad
 * intel file, already named). */
static struct detector *new_detector(const struct analyze_opts *o)
{
	struct detector *d = detector__new(&o->dcfg);
	int err;

	if (!d)
		return NULL;
	for (size_t i = 0; i < o->nintel; i++) {
		err = detector__load_intel(d, o->intel[i]);
		if (err) {
			detector__free(d);
			errno = err == -ENOMEM ? ENOMEM : EINVAL;
			return NULL;
		}
	}
	return d;
}

/* Returns 0, or 1 when a source stopped on a runtime error. */
static int read_sources(const struct analyze_opts *o, struct strpool *pool,
			struct event_vec *vec, struct audit_stats *st)
{
	char shown[REDACT_MAX];
	int err, failed = 0;

	for (size_t i = 0; i < o->nsources; i++) {
		err = audit_source__read(o->sources[i], pool, collect_event, vec, st);
		if (err) {
			log_err("failed to read audit source %s: %s",
				redact__url(o->sources[i], shown, sizeof(shown)),
				err == -E2BIG ? "too many events" : strerror(-err));
			failed = 1;
		}
	}
	return failed;
}

/* One batch per call of the encoder's bound; sequence numbers count up
 * from the current time in microseconds, unique for a one-shot command. */
static int ship_findings(const char *url, const struct finding *const *fs, size_t n)
{
	char agent_id[160], shown[REDACT_MAX];
	struct batch_meta meta;
	uint8_t *buf = NULL;
	size_t len = 0, chunk = n, pos = 0;
	int err = 0;

	batch_meta__from_host(&meta);
	/* its own agent id: the daemon's spool on this host numbers its
	 * batches independently, and the collector deduplicates per agent */
	if ((size_t)snprintf(agent_id, sizeof(agent_id), "%s/analyze", meta.agent_id) < sizeof(agent_id))
		meta.agent_id = agent_id;
	meta.sequence = gw_wall_us();
	while (pos < n) {
		if (chunk > n - pos)
			chunk = n - pos;
		err = ship__encode_batch(&meta, fs + pos, chunk, &buf, &len);
		if (err == -E2BIG && chunk > 1) {
			chunk /= 2;
			continue;
		}
		if (err)
			break;
		err = ship__post(url, buf, len, meta.sequence, SHIP_ATTEMPTS);
		free(buf);
		buf = NULL;
		if (err)
			break;
		pos += chunk;
		meta.sequence++;
	}
	/* ship__post() has named the cause; this line says what it means here. */
	if (err)
		log_err("findings not delivered to %s (%zu of %zu sent): %s",
			redact__url(url, shown, sizeof(shown)), pos, n,
			err == -ETIMEDOUT ? "no acknowledgement" : strerror(-err));
	return err;
}

static int report(const struct analyze_opts *o, const struct audit_stats *st, uint64_t analyzed,
		  uint64_t baseline, double sec, struct detector *d)
{
	struct analyze_report r = {
		.generated_ms = gw_wall_ms(), .sources = o->sources, .nsources = o->nsources,
		.st = st, .events_analyzed = analyzed, .events_baseline = baseline,
		.detect_sec = sec,
	};
	char *text;
	int err;

	r.nfindings = detector__findings(d, &r.findings);
	r.nincidents = detector__incidents(d, &r.incidents);
	detector__stats(d, &r.dstats);
	text = analyze_report__json(&r);
	if (!text) {
		log_err("failed to build the report: %s", strerror(errno));
		return GW_EXIT_FAIL;
	}
	err = analyze_report__write(o->output, text);
	free(text);
	if (err) {
		log_err("failed to write %s: %s", o->output ? o->output : "stdout", strerror(-err));
		return GW_EXIT_FAIL;
	}
	/* The summary goes where the JSON does not: beside a report file on
	 * standard output, beside a report on standard output on stderr. */
	if (!o->quiet)
		analyze_summary__print(o->output ? stdout : stderr, &r, o->output);
	if (o->collector && r.nfindings && ship_findings(o->collector, r.findings, r.nfindings))
		return GW_EXIT_FAIL;
	return GW_EXIT_OK;
}

static int run(struct analyze_opts *o)
{
	struct audit_stats st = { 0 };
	struct event_vec vec = { .bucket = o->bucket };
	struct strpool *pool = strpool__new();
	struct detector *d = NULL;
	uint64_t analyzed = 0, baseline = 0;
	double sec = 0;
	int rc = GW_EXIT_FAIL, failed, err;

	if (!pool) {
		log_err("failed to start the analysis: %s", strerror(errno));
		goto out;
	}
	failed = read_sources(o, pool, &vec, &st);
	err = feed_sorted(o, &vec, &d, &analyzed, &baseline, &sec);
	if (err) {
		if (err == -ENOMEM)
			log_err("failed to analyze %zu events: out of memory", vec.n);
		goto out;
	}
	rc = report(o, &st, analyzed, baseline, sec, d);
	/* Each failed file was named on its own line; the report counts them. */
	if (failed || st.files_failed)
		rc = GW_EXIT_FAIL;
out:
	detector__free(d);
	free(vec.v);
	strpool__free(pool);
	return rc;
}

/* Load the intel files once up front, so that a bad one is a usage error. */
static int check_intel(const struct analyze_opts *o)
{
	struct detector *d;

	if (!o->nintel)
		return 0;
	d = new_detector(o);
	if (!d && errno == ENOMEM)
		log_err("failed to load the threat intel: out of memory");
	detector__free(d);
	return d ? 0 : -EINVAL;
}

int analyze_main(int argc, char **argv)
{
	struct analyze_opts o = { 0 };
	int err, rc;

	err = parse_args(argc, argv, &o);
	if (err == 1) {
		usage(stdout);
		rc = GW_EXIT_OK;
		goto out;
	}
	rc = GW_EXIT_USAGE;
	if (err)
		goto out;
	/* A typo in a path is a usage error, found before any work is done. */
	for (size_t i = 0; i < o.nsources; i++)
		if (audit_source__check(o.sources[i]) < 0)
			goto out;
	if (check_intel(&o) < 0)
		goto out;
	rc = run(&o);
out:
	gw_config__free(&o.gcfg);
	return rc;
}
