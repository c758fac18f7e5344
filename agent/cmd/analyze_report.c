/* The analyze report: findings, highest severity first, with the evidence
 * behind each, and what was read to find them. */
#include "analyze.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ship/schema.h"
#include "state/atomic.h"
#include "lib/isotime.h"
#include "lib/jsonw.h"
#include "lib/redact.h"

static void put_time(struct jsonw *w, const char *key, int64_t ms)
{
	char buf[40];

	if (iso8601__format(ms, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	jsonw__str(w, key, buf);
}

/* A list row: an array of strings, or evidence as an object. */
static void put_list(struct jsonw *w, const struct ship_field *sf, const struct finding *f)
{
	size_t n = ship_src__count(sf, f);
	const char *key, *value;

	if (sf->type == SHIP_STRS) {
		jsonw__array(w, sf->report);
		for (size_t i = 0; i < n; i++)
			jsonw__str(w, NULL, ship_src__item(sf, f, i));
		jsonw__array_end(w);
		return;
	}
	jsonw__object(w, sf->report);
	for (size_t i = 0; i < n; i++) {
		ship_src__kv(sf, f, i, &key, &value);
		jsonw__str(w, key, value);
	}
	jsonw__object_end(w);
}

static void put_field(struct jsonw *w, const struct ship_field *sf, const struct finding *f)
{
	switch (sf->type) {
	case SHIP_STR:
		jsonw__str(w, sf->report, ship_src__str(sf, f));
		break;
	case SHIP_SEVERITY:
		jsonw__str(w, sf->report, gw_severity_name(ship_src__int(sf, f)));
		break;
	case SHIP_CLOUD:
		jsonw__str(w, sf->report, gw_cloud_name(ship_src__int(sf, f)));
		break;
	case SHIP_SCORE:
		jsonw__num(w, sf->report, ship_src__double(sf, f));
		break;
	case SHIP_TIME:
		put_time(w, sf->report, ship_src__i64(sf, f));
		break;
	case SHIP_U64:
		jsonw__num(w, sf->report, (double)ship_src__u64(sf, f));
		break;
	case SHIP_STRS:
	case SHIP_EVIDENCE:
		put_list(w, sf, f);
		break;
	case SHIP_HOST:
		break;
	}
}

/* Every schema row with a report key, in order. */
static void put_finding(struct jsonw *w, const struct finding *f)
{
	jsonw__object(w, NULL);
	for (size_t i = 0; i < ship_finding_nfields; i++)
		if (ship_finding_fields[i].report)
			put_field(w, &ship_finding_fields[i], f);
	jsonw__object_end(w);
}

/* "files_skipped" and "files_failed": each file passed over as not a
 * log and each that failed, with why (the first AUDIT_MAX_NOTES). */
static void put_file_notes(struct jsonw *w, const struct audit_stats *st)
{
	for (int failed = 0; failed < 2; failed++) {
		jsonw__array(w, failed ? "files_failed" : "files_skipped");
		for (size_t i = 0; i < st->nnotes; i++) {
			if (!st->notes[i].failed != !failed)
				continue;
			jsonw__object(w, NULL);
			jsonw__str(w, "path", st->notes[i].path);
			jsonw__str(w, "why", st->notes[i].why);
			jsonw__object_end(w);
		}
		jsonw__array_end(w);
	}
}

/* The time-ordered merge: its window, what came later than it (analyzed
 * as it came, out of order), what it held at most, and what its bounds
 * cost: events handed over before their turn, files that waited. */
static void put_merge(struct jsonw *w, const struct analyze_report *r)
{
	const struct merge_stats *m = r->merge;

	jsonw__object(w, "reorder");
	jsonw__num(w, "window_sec", (double)r->reorder_sec);
	jsonw__num(w, "late", (double)m->late);
	jsonw__num(w, "max_late_sec", (double)m->max_late_ms / 1000.0);
	jsonw__num(w, "peak_events", (double)m->peak_events);
	jsonw__num(w, "peak_files", (double)m->peak_files);
	jsonw__num(w, "peak_mib", (double)m->peak_bytes / (1 << 20));
	jsonw__num(w, "overflow", (double)m->overflow);
	jsonw__num(w, "files_waited", (double)m->files_waited);
	jsonw__num(w, "threads", (double)m->threads);
	jsonw__object_end(w);
}

/* "stats", then the file notes beside it at the top. */
static void put_stats(struct jsonw *w, const struct analyze_report *r)
{
	jsonw__object(w, "stats");
	jsonw__num(w, "files", (double)r->st->files);
	jsonw__num(w, "files_failed", (double)r->st->files_failed);
	jsonw__num(w, "records", (double)r->st->records);
	jsonw__num(w, "events", (double)r->st->events);
	jsonw__num(w, "skipped", (double)r->st->skipped);
	jsonw__num(w, "digests", (double)r->st->digests);
	jsonw__num(w, "duplicates", (double)r->st->duplicates);
	jsonw__num(w, "non_storage", (double)r->st->non_storage);
	jsonw__num(w, "not_logs", (double)r->st->not_logs);
	jsonw__num(w, "bytes", (double)r->st->bytes);
	jsonw__num(w, "events_analyzed", (double)r->events_analyzed);
	jsonw__num(w, "events_baseline", (double)r->events_baseline);
	if (r->merge)
		put_merge(w, r);
	jsonw__object_end(w);
	put_file_notes(w, r->st);
}

static void put_time_or_null(struct jsonw *w, const char *key, int64_t ms)
{
	if (ms == INT64_MIN)
		jsonw__null(w, key);
	else
		put_time(w, key, ms);
}

static void put_count_or_null(struct jsonw *w, const char *key, uint64_t n)
{
	if (n)
		jsonw__num(w, key, (double)n);
	else
		jsonw__null(w, key);
}

/* What was asked for: the window (its end, how far back findings are
 * reported, how much history was learnt from), the bucket filter with the
 * buckets there were when it matched nothing. */
static void put_window(struct jsonw *w, const struct analyze_window *win)
{
	jsonw__object(w, "window");
	put_time(w, "now", win->now_ms);
	jsonw__str(w, "now_from", win->now_given ? "--now" : "newest event");
	put_count_or_null(w, "hours_back", win->hours_back);
	put_time_or_null(w, "from", win->from_ms);
	put_time(w, "to", win->now_ms);
	put_count_or_null(w, "baseline_days", win->baseline_days);
	put_time_or_null(w, "learn_from", win->learn_ms);
	jsonw__num(w, "events_before_history", (double)win->events_ignored);
	jsonw__object_end(w);
	if (!win->bucket) {
		jsonw__null(w, "bucket");
		return;
	}
	jsonw__str(w, "bucket", win->bucket);
	jsonw__array(w, "buckets_seen");
	for (size_t i = 0; i < win->nseen; i++)
		jsonw__str(w, NULL, win->seen[i]);
	jsonw__array_end(w);
}

/* What the detector kept and let go, and what it cost. */
static void put_detector(struct jsonw *w, const struct analyze_report *r)
{
	const struct detector_stats *d = &r->dstats;

	jsonw__object(w, "detector");
	jsonw__num(w, "events", (double)d->events);
	jsonw__num(w, "dropped", (double)d->dropped);
	jsonw__num(w, "identities", (double)d->identities);
	jsonw__num(w, "entities_dropped", (double)d->entities_dropped);
	jsonw__num(w, "seen_dropped", (double)d->seen_dropped);
	jsonw__num(w, "findings", (double)d->findings);
	jsonw__num(w, "findings_dropped", (double)d->findings_dropped);
	jsonw__num(w, "findings_before_window", (double)d->findings_before);
	jsonw__num(w, "findings_allowed", (double)d->findings_allowed);
	jsonw__num(w, "findings_normal", (double)d->findings_normal);
	jsonw__num(w, "findings_failed", (double)d->findings_failed);
	jsonw__num(w, "volume_dropped", (double)d->volume_dropped);
	jsonw__num(w, "intel_prefixes", (double)d->intel_prefixes);
	jsonw__num(w, "incidents", (double)r->nincidents);
	jsonw__num(w, "state_bytes", (double)d->state_bytes);
	jsonw__num(w, "seconds", r->detect_sec);
	jsonw__num(w, "cpu_seconds", r->merge_cpu_sec);
	jsonw__object_end(w);
}

static void put_kvs(struct jsonw *w, const char *name, const struct gw_kv *kv, size_t n)
{
	jsonw__object(w, name);
	for (size_t i = 0; i < n; i++)
		jsonw__str(w, kv[i].key, kv[i].value);
	jsonw__object_end(w);
}

static void put_strs(struct jsonw *w, const char *name, char *const *v, size_t n)
{
	jsonw__array(w, name);
	for (size_t i = 0; i < n; i++)
		jsonw__str(w, NULL, v[i]);
	jsonw__array_end(w);
}

/* One line of the timeline per finding, in time order. */
static void put_timeline(struct jsonw *w, const struct incident *in)
{
	jsonw__array(w, "timeline");
	for (size_t i = 0; i < in->nfindings; i++) {
		const struct finding *f = in->findings[i];

		jsonw__object(w, NULL);
		put_time(w, "time", f->start_ms);
		put_time(w, "end", f->end_ms);
		/* the line the wire carries: "TIME host|cloud RULE: who: what" */
		if (i < in->ntimeline && (i + 1 < in->ntimeline || in->ntimeline == in->nfindings))
			jsonw__str(w, "summary", in->timeline[i]);
		jsonw__str(w, "finding_id", f->id);
		jsonw__str(w, "rule_id", f->rule_id);
		jsonw__str(w, "title", f->title);
		jsonw__str(w, "severity", gw_severity_name(f->severity));
		jsonw__num(w, "score", f->score);
		jsonw__str(w, "source_ip", f->source_ip);
		jsonw__str(w, "region", f->region);
		jsonw__num(w, "count", (double)f->count);
		put_kvs(w, "evidence", f->evidence, f->nevidence);
		jsonw__object_end(w);
	}
	jsonw__array_end(w);
}

static void put_incident(struct jsonw *w, const struct incident *in)
{
	jsonw__object(w, NULL);
	jsonw__str(w, "id", in->id);
	jsonw__num(w, "score", in->score);
	jsonw__str(w, "severity", gw_severity_name(in->severity));
	jsonw__str(w, "classification", in->classification);
	jsonw__str(w, "principal", in->principal);
	jsonw__str(w, "access_key", in->access_key);
	jsonw__bool(w, "access_key_long_term", in->key_long_term);
	put_time(w, "start", in->start_ms);
	put_time(w, "end", in->end_ms);
	jsonw__num(w, "findings", (double)in->nfindings);
	put_kvs(w, "evidence", in->evidence, in->nevidence);
	put_strs(w, "remediation", in->remediation, in->nremediation);
	put_strs(w, "related_principals", in->related, in->nrelated);
	put_timeline(w, in);
	jsonw__object_end(w);
}

int analyze_report__print(FILE *out, const struct analyze_report *r)
{
	struct jsonw *w = malloc(sizeof(*w));
	char shown[REDACT_MAX];
	int err;

	if (!w)
		return -ENOMEM;
	jsonw__init(w, out);
	jsonw__object(w, NULL);
	put_time(w, "generated_at", r->generated_ms);
	jsonw__array(w, "sources");
	for (size_t i = 0; i < r->nsources; i++)
		jsonw__str(w, NULL, redact__url(r->sources[i], shown, sizeof(shown)));
	jsonw__array_end(w);
	if (r->win)
		put_window(w, r->win);
	put_stats(w, r);
	jsonw__array(w, "findings");
	for (size_t i = 0; i < r->nfindings; i++)
		put_finding(w, r->findings[i]);
	jsonw__array_end(w);
	jsonw__array(w, "incidents");
	for (size_t i = 0; i < r->nincidents; i++)
		put_incident(w, r->incidents[i]);
	jsonw__array_end(w);
	put_detector(w, r);
	jsonw__object_end(w);
	err = jsonw__flush(w);
	free(w);
	if (!err && fputc('\n', out) == EOF)
		err = -EIO;
	return err;
}

static int fill_report(FILE *f, const void *ctx)
{
	return analyze_report__print(f, ctx);
}

int analyze_report__write(const char *path, const struct analyze_report *r)
{
	int err;

	if (path)
		return atomic_write(path, 0644, fill_report, r);
	err = analyze_report__print(stdout, r);
	return err ? err : fflush(stdout) ? -EIO : 0;
}
