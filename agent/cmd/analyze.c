/* gatewatch analyze: offline analysis of audit logs.
 *
 * The files of every source are merged in time order (analyze_merge.c):
 * read in the order their names or first records say, a few at a time on
 * reader threads, with a reorder window for records out of order, so that
 * memory does not grow with the input. The events the bucket and time
 * filters keep are fed to the detector as they come. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze.h"
#include "analyze_merge.h"
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
#define ANALYZE_MAX_REORDER_SEC (7 * 86400)

struct analyze_opts {
	const char *sources[ANALYZE_MAX_SOURCES];  /* absolute: owned[] */
	char *owned[ANALYZE_MAX_SOURCES];
	size_t nsources;
	const char *bucket;
	const char *output;
	int quiet;                 /* --quiet: no summary */
	uint64_t hours_back;       /* 0: no lower bound */
	uint64_t baseline_days;    /* --baseline-days: calendar days of history, 0: all */
	int64_t now_ms;
	int have_now;
	const char *intel[ANALYZE_MAX_INTEL];
	size_t nintel;
	const char *config;        /* --config: its [detect] section */
	uint64_t reorder_sec;      /* --reorder-window-sec */
	int have_reorder;
	uint64_t threads;          /* --threads, 0: one per core */
	struct analyze_ship ship;  /* --collector-url and its options, prepared */
	struct gw_config gcfg;     /* the [detect] keys: file, then flags; the
				    * [ship] keys: flags only */
	struct detector_config dcfg;
};

/* getopt values of the [detect] keys: OPT_BASE + the key's table index. */
#define OPT_BASE 1000
/* An old name: its option's letter plus OLD_NAME. */
#define OLD_NAME 0x100
#define ANALYZE_MAX_OPTS 64

/* Events after the filters, counted as analyzed or baseline-only; without
 * --now the boundary (the newest event's time minus --hours-back) is known
 * only at the end, so the times near it wait in `recent` until then. */
struct feed_ctx {
	struct detector *d;
	struct analyze_window *win; /* the bucket filter, the buckets seen, the window */
	int64_t learn;             /* events before it are not read (--baseline-days) */
	int64_t first;             /* the first event fed, INT64_MIN: none yet */
	int64_t learn_days_ms;     /* --baseline-days without --hours-back: the first days */
	int64_t now, lo;           /* lo INT64_MIN: every event is analyzed */
	int lo_later;              /* lo = newest - span, at the end */
	int64_t span, newest;
	uint64_t analyzed, baseline;
	double detect_sec;         /* merging and detecting, apart from waiting for reading */
	double merge_cpu_sec;      /* CPU of the merging thread: the detector and the heap */
	struct { int64_t t; uint64_t n; } *recent;
	size_t head, nrecent, cap;
	int err;
	const struct audit_event *batch[MERGE_BATCH];  /* of a merge batch, those fed */
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
		"  --baseline-days N     calendar days of history to learn from: before the\n"
		"                        --hours-back window, or, without it, the first N days\n"
		"                        of the events, which are then not reported on (default:\n"
		"                        all the history the sources hold; with --hours-back and\n"
		"                        without --now the sources are read twice). An identity\n"
		"                        is established, and judged by its own baseline, after\n"
		"                        --established-days days with activity (default 14,\n"
		"                        at most N); before that by its population's\n"
		"  --now TIME            ISO-8601 end of the analyzed range (default: the newest\n"
		"                        event's time, not the clock)\n"
		"  --output FILE         write the report to FILE, atomically (default: stdout)\n"
		"  --intel [KIND:]FILE   threat intel, repeatable: tor:, deny:, hosting:, allow:\n"
		"                        (silences), cloud: (AWS/GCP/Azure range files); a JSON\n"
		"                        FILE is cloud, a text FILE deny (default: none)\n"
		"  --business-hours H-H  business hours, Monday-Friday (default: 8-18; 18-8 is a night shift)\n"
		"  --config FILE         read the [detect] section of this gatewatch.conf;\n"
		"                        flags go over it (default: none)\n"
		"  --collector-url URL   also send the findings to a gatewatch collector\n"
		"                        (default: none); the same shipping options as\n"
		"                        the agent's [ship] keys:\n"
		"  --token-file FILE     bearer token for the collector (not world-readable)\n"
		"  --ca-file FILE        CA bundle that signs the collector's certificate\n"
		"                        (default: system store)\n"
		"  --cert-file FILE      client certificate for mutual TLS\n"
		"  --key-file FILE       its private key (not world-readable)\n"
		"  --reorder-window-sec SEC  records up to SEC seconds out of time order are\n"
		"                        put back in order; later ones are counted (late) and\n"
		"                        analyzed as they come (default: [audit]\n"
		"                        reorder_window_sec, 900)\n"
		"  --threads N           reader threads (default: one per core)\n"
		"  --quiet               no summary (by default a summary is printed: on\n"
		"                        standard output with --output, else on stderr)\n"
		"  --help                this help\n"
		"\n"
		"Old names, still accepted with a warning: --collector (--collector-url).\n"
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

/* The shipping options, checked by the agent's [ship] keys (a relative
 * path is from the current directory, a secret file must not be
 * world-readable). */
static int ship_opt(struct analyze_opts *o, int c, const char *arg)
{
	const char *key = c == 'c' ? "collector-url" : c == 'T' ? "token-file" :
			  c == 'A' ? "ca-file" : c == 'E' ? "cert-file" : "key-file";

	return gw_config__set(&o->gcfg, key, arg) < 0 ? -EINVAL : 0;
}

/* A relative path is from the current directory, as for `run`; the report
 * names the absolute one. */
static int add_source(struct analyze_opts *o, const char *arg)
{
	char abs[PATH_MAX + 256];
	int err = audit_spec__absolute(arg, abs, sizeof(abs));

	/* a malformed spec is named by audit_source__check() later */
	if (err == -EINVAL || err == -EPROTONOSUPPORT) {
		o->sources[o->nsources++] = arg;
		return 0;
	}
	if (!err)
		o->owned[o->nsources] = strdup(abs);
	if (err || !o->owned[o->nsources]) {
		log_err("--audit %s: %s", arg, strerror(err ? -err : ENOMEM));
		return -EINVAL;
	}
	o->sources[o->nsources] = o->owned[o->nsources];
	o->nsources++;
	return 0;
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
		return add_source(o, arg);
	case 'b':
		o->bucket = arg;
		return 0;
	case 'H':
		return parse_u64("--hours-back", arg, 1, 24 * 366 * 10, &o->hours_back);
	case 'D':
		return parse_u64("--baseline-days", arg, 1, 3650, &o->baseline_days);
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
	case 'c' | OLD_NAME:
		gw_arg__deprecated("collector", "collector-url");
		/* fall through */
	case 'c':
	case 'T':
	case 'A':
	case 'E':
	case 'K':
		return ship_opt(o, c & ~OLD_NAME, arg);
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
	case 'R':
		o->have_reorder = 1;
		return parse_u64("--reorder-window-sec", arg, 0, ANALYZE_MAX_REORDER_SEC, &o->reorder_sec);
	case 'j':
		return parse_u64("--threads", arg, 1, 16, &o->threads);
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
		/* before the [detect] keys: it shadows the old name of established-days */
		{ "baseline-days", required_argument, NULL, 'D' },
		{ "now", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "collector-url", required_argument, NULL, 'c' },
		{ "collector", required_argument, NULL, 'c' | OLD_NAME },
		{ "token-file", required_argument, NULL, 'T' },
		{ "ca-file", required_argument, NULL, 'A' },
		{ "cert-file", required_argument, NULL, 'E' },
		{ "key-file", required_argument, NULL, 'K' },
		{ "config", required_argument, NULL, 'C' },
		{ "intel", required_argument, NULL, 'I' },
		{ "business-hours", required_argument, NULL, 'W' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "reorder-window-sec", required_argument, NULL, 'R' },
		{ "threads", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
	};
	size_t n = sizeof(own) / sizeof(own[0]);
	int m;

	memcpy(opts, own, sizeof(own));
	m = gw_config__section_options(opts + n, cap - n - 1, OPT_BASE, "detect");
	n += m > 0 ? (size_t)m : 0;
	memset(&opts[n], 0, sizeof(opts[n]));
}

static const char *const ship_keys[] = { "ship.collector_url", "ship.token_file", "ship.ca_file",
					 "ship.cert_file", "ship.key_file", "ship.otlp_url" };

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
	/* the file's [detect] section only: shipping is asked for by flags */
	for (size_t i = 0; i < sizeof(ship_keys) / sizeof(ship_keys[0]); i++)
		gw_config__set(&o->gcfg, ship_keys[i], "");
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
	if (!o->have_reorder)
		o->reorder_sec = o->gcfg.reorder_window_sec;
	detector_config__defaults(&o->dcfg);
	if (gw_config__detector(&o->gcfg, &o->dcfg) < 0)
		return -EINVAL;
	/* N calendar days hold at most N active days */
	if (o->baseline_days && o->baseline_days < o->dcfg.baseline_days)
		o->dcfg.baseline_days = (uint32_t)o->baseline_days;
	return 0;
}

static struct detector *new_detector(const struct analyze_opts *o);

/* Note an event's time for the count of analyzed and baseline events when
 * the boundary comes at the end: a time that is already older than the
 * newest so far minus the span is baseline for sure. */
static void note_time(struct feed_ctx *f, int64_t t)
{
	size_t cap;
	void *nv;

	if (t > f->newest)
		f->newest = t;
	while (f->nrecent && f->recent[f->head].t < f->newest - f->span) {
		f->baseline += f->recent[f->head].n;
		f->head++;
		f->nrecent--;
	}
	if (t < f->newest - f->span) {
		f->baseline++;
		return;
	}
	if (f->nrecent && f->recent[f->head + f->nrecent - 1].t == t) {
		f->recent[f->head + f->nrecent - 1].n++;
		return;
	}
	if (f->head + f->nrecent == f->cap) {
		memmove(f->recent, f->recent + f->head, f->nrecent * sizeof(*f->recent));
		f->head = 0;
	}
	if (f->nrecent == f->cap) {
		cap = f->cap ? f->cap * 2 : 1024;
		nv = realloc(f->recent, cap * sizeof(*f->recent));
		if (!nv) {
			f->err = -ENOMEM;
			return;
		}
		f->recent = nv;
		f->cap = cap;
	}
	f->recent[f->head + f->nrecent].t = t;
	f->recent[f->head + f->nrecent++].n = 1;
}

/* The distinct buckets of the events, for a --bucket that matches none. */
static void note_bucket(struct analyze_window *w, const char *b)
{
	if (!b || !b[0])
		return;
	for (size_t i = 0; i < w->nseen; i++)
		if (!strcmp(w->seen[i], b))
			return;
	/* a copy: the event's strings belong to the parser */
	if (w->nseen < ANALYZE_MAX_BUCKETS_SEEN && (w->seen[w->nseen] = strndup(b, 255)))
		w->nseen++;
	else
		w->seen_more = 1;
}

/* 1 when ev is to be fed: what the bucket filter allows and what is not
 * after --now, counted. Events before the reporting window build the
 * baselines; the detector reports only findings inside it. */
static int admit_event(struct feed_ctx *f, const struct audit_event *ev)
{
	if (f->win->bucket) {
		note_bucket(f->win, ev->bucket);
		if (strcmp(ev->bucket, f->win->bucket) != 0)
			return 0;
	}
	if (ev->time_ms > f->now)
		return 0;
	if (ev->time_ms < f->learn) {
		f->win->events_ignored++;
		return 0;
	}
	if (f->first == INT64_MIN) {
		f->first = ev->time_ms;
		/* --baseline-days alone: the first days teach, the rest is reported */
		if (f->learn_days_ms) {
			f->lo = f->first + f->learn_days_ms;
			detector__report_from(f->d, f->lo);
		}
	}
	if (f->lo_later)
		note_time(f, ev->time_ms);
	else if (ev->time_ms < f->lo)
		f->baseline++;
	else
		f->analyzed++;
	if (ev->time_ms > f->newest)
		f->newest = ev->time_ms;
	return 1;
}

/* The merge's events in time order, a batch at a time: those admitted go
 * to the detector in one call, which fetches the state of the next ones
 * while it works on one. A dropped event is counted by the detector; the
 * run goes on. */
static int feed_events(const struct audit_event *const *evs, size_t n, void *ctx)
{
	struct feed_ctx *f = ctx;
	size_t k = 0;

	for (size_t i = 0; i < n && !f->err; i++)
		if (admit_event(f, evs[i]))
			f->batch[k++] = evs[i];
	detector__feed_batch(f->d, f->batch, k);
	return f->err;
}

/* Without --now the newest event sets the boundary, now known. */
static void settle(struct feed_ctx *f)
{
	int64_t lo = f->newest - f->span;

	for (size_t i = f->head; i < f->head + f->nrecent; i++) {
		if (f->recent[i].t < lo)
			f->baseline += f->recent[i].n;
		else
			f->analyzed += f->recent[i].n;
	}
	detector__report_from(f->d, lo);
}

/* CPU seconds of the calling thread: the detector's cost apart from the
 * reader threads', whatever else the machine runs. */
static double thread_cpu_sec(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct newest_ctx {
	const char *bucket;
	int64_t newest;
};

static int note_newest(const struct audit_event *ev, void *ctx)
{
	struct newest_ctx *n = ctx;

	if ((!n->bucket || !strcmp(ev->bucket, n->bucket)) && ev->time_ms > n->newest)
		n->newest = ev->time_ms;
	return 0;
}

/* A first pass over the sources for the newest event's time (0 if none). */
static int newest_event(const struct merge_opts *mo, const char *bucket, int64_t *out)
{
	struct newest_ctx n = { .bucket = bucket, .newest = INT64_MIN };
	struct audit_stats st = { 0 };
	struct merge_stats ms = { 0 };
	int err = merge__run(mo, note_newest, &n, &st, &ms);

	*out = n.newest == INT64_MIN ? 0 : n.newest;
	return err;
}

static int feed_all(struct analyze_opts *o, const struct audit_unit *units, size_t nunits,
		    struct feed_ctx *f, struct audit_stats *st, struct merge_stats *ms)
{
	struct merge_opts mo = { .units = units, .nunits = nunits,
				 .reorder_ms = (int64_t)o->reorder_sec * 1000,
				 .threads = (unsigned)o->threads };
	double t0, c0;
	int err;

	int64_t end = o->now_ms;
	int have_end = o->have_now;

	/* --baseline-days before an --hours-back window whose end is the
	 * newest event: that end must be known before the first event */
	if (o->baseline_days && o->hours_back && !have_end) {
		err = newest_event(&mo, f->win->bucket, &end);
		if (err)
			return err;
		have_end = 1;
	}
	f->now = have_end ? end : INT64_MAX;
	f->lo = f->learn = f->first = INT64_MIN;
	f->newest = INT64_MIN;
	f->span = (int64_t)o->hours_back * 3600 * 1000;
	if (o->hours_back && have_end)
		f->lo = end - f->span;
	if (o->baseline_days && o->hours_back)
		f->learn = f->lo - (int64_t)o->baseline_days * 86400 * 1000;
	else if (o->baseline_days)
		f->learn_days_ms = (int64_t)o->baseline_days * 86400 * 1000;
	f->lo_later = o->hours_back && !have_end;
	o->dcfg.report_from_ms = f->lo;
	f->d = new_detector(o);
	if (!f->d)
		return errno == ENOMEM ? -ENOMEM : -EINVAL;
	c0 = thread_cpu_sec();
	err = merge__run_batch(&mo, feed_events, f, st, ms);
	t0 = gw_mono_sec();
	detector__flush(f->d);
	if (!err && f->lo_later && f->newest != INT64_MIN)
		settle(f);
	/* timed per run, not per event: a clock read costs a tenth of an
	 * event's detection */
	f->detect_sec = ms->busy_sec + gw_mono_sec() - t0;
	f->merge_cpu_sec = thread_cpu_sec() - c0;
	return err;
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

/* The units of every source. Returns 0, 1 when a source could not be
 * listed, or -ENOMEM. */
static int list_units(const struct analyze_opts *o, struct audit_unit **units, size_t *n,
		      struct audit_stats *st)
{
	char shown[REDACT_MAX];
	int err, failed = 0;

	for (size_t i = 0; i < o->nsources; i++) {
		err = audit_source__units(o->sources[i], units, n, st);
		if (err == -ENOMEM)
			return err;
		if (err) {
			log_err("failed to read audit source %s: %s",
				redact__url(o->sources[i], shown, sizeof(shown)), strerror(-err));
			failed = 1;
		}
	}
	return failed;
}

static int report(const struct analyze_opts *o, const struct audit_stats *st,
		  const struct feed_ctx *f, const struct merge_stats *ms)
{
	struct analyze_report r = {
		.win = f->win, .generated_ms = gw_wall_ms(), .sources = o->sources, .nsources = o->nsources,
		.st = st, .events_analyzed = f->analyzed, .events_baseline = f->baseline,
		.detect_sec = f->detect_sec, .merge = ms, .reorder_sec = o->reorder_sec,
		.merge_cpu_sec = f->merge_cpu_sec,
	};
	int err;

	r.nfindings = detector__findings(f->d, &r.findings);
	r.nincidents = detector__incidents(f->d, &r.incidents);
	detector__stats(f->d, &r.dstats);
	err = analyze_report__write(o->output, &r);
	if (err) {
		log_err("failed to write %s: %s", o->output ? o->output : "stdout", strerror(-err));
		return GW_EXIT_FAIL;
	}
	/* The summary goes where the JSON does not: beside a report file on
	 * standard output, beside a report on standard output on stderr. */
	if (!o->quiet)
		analyze_summary__print(o->output ? stdout : stderr, &r, o->output);
	if (o->gcfg.collector_url && r.nfindings &&
	    analyze_ship__send(&o->ship, r.findings, r.nfindings))
		return GW_EXIT_FAIL;
	return GW_EXIT_OK;
}

/* --bucket matched nothing: probably a typo; name the buckets there are. */
static void warn_bucket(const struct analyze_window *w)
{
	char list[1024] = "";
	size_t len = 0;

	for (size_t i = 0; i < w->nseen && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
					w->seen[i]);
	if (len >= sizeof(list))
		len = sizeof(list) - 1;
	if (w->seen_more && len + 12 < sizeof(list))
		snprintf(list + len, sizeof(list) - len, ", and more");
	if (w->nseen)
		log_warn("--bucket %s matched no event; buckets seen: %s", w->bucket, list);
	else
		log_warn("--bucket %s matched no event; no event names a bucket", w->bucket);
}

/* The window as it was in the end, for the report. */
static void fill_window(const struct analyze_opts *o, const struct feed_ctx *f,
			struct analyze_window *w)
{
	w->now_given = o->have_now;
	w->now_ms = o->have_now ? o->now_ms : f->newest != INT64_MIN ? f->newest : 0;
	w->hours_back = o->hours_back;
	w->baseline_days = o->baseline_days;
	w->from_ms = f->lo_later && f->newest != INT64_MIN ? f->newest - f->span : f->lo;
	w->learn_ms = f->learn;
}

static int run(struct analyze_opts *o)
{
	struct audit_stats st = { 0 };
	struct analyze_window win = { .bucket = o->bucket };
	struct feed_ctx f = { .win = &win };
	struct merge_stats ms = { 0 };
	struct audit_unit *units = NULL;
	size_t nunits = 0;
	int rc = GW_EXIT_FAIL, failed, err;

	failed = list_units(o, &units, &nunits, &st);
	err = failed < 0 ? failed : feed_all(o, units, nunits, &f, &st, &ms);
	if (err) {
		if (err == -ENOMEM)
			log_err("failed to analyze the audit logs: out of memory");
		else if (err != -EINVAL)
			log_err("failed to analyze the audit logs: %s", strerror(-err));
		goto out;
	}
	if (o->bucket && !f.analyzed && !f.baseline && st.events)
		warn_bucket(&win);
	fill_window(o, &f, &win);
	rc = report(o, &st, &f, &ms);
	/* Each failed file was named on its own line; the report counts them. */
	if (failed || st.files_failed)
		rc = GW_EXIT_FAIL;
out:
	for (size_t i = 0; i < win.nseen; i++)
		free(win.seen[i]);
	detector__free(f.d);
	free(f.recent);
	audit_units__free(units, nunits);
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
	if (o.gcfg.collector_url && analyze_ship__prepare(&o.ship, &o.gcfg) < 0)
		goto out;
	/* One malloc arena for the reader threads and the detector: with one
	 * each, the pages a reader frees in its arena stay the process's
	 * while the detector's arena grows beside them (at 10 GB of
	 * CloudTrail the peak was 13 MiB higher); each thread's cache keeps
	 * the lock off the hot path. Set before the threads start. */
	mallopt(M_ARENA_MAX, 1);
	rc = run(&o);
out:
	for (size_t i = 0; i < o.nsources; i++)
		free(o.owned[i]);
	gw_config__free(&o.gcfg);
	return rc;
}
