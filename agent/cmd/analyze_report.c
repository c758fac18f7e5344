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

#include <cjson/cJSON.h>

#include "ship/schema.h"
#include "state/atomic.h"
#include "lib/isotime.h"
#include "lib/redact.h"

static int add_time(cJSON *obj, const char *key, int64_t ms)
{
	char buf[40];

	if (iso8601__format(ms, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	return cJSON_AddStringToObject(obj, key, buf) ? 0 : -ENOMEM;
}

static int add_str(cJSON *obj, const char *key, const char *s)
{
	return cJSON_AddStringToObject(obj, key, s ? s : "") ? 0 : -ENOMEM;
}

static int add_num(cJSON *obj, const char *key, double v)
{
	return cJSON_AddNumberToObject(obj, key, v) ? 0 : -ENOMEM;
}

/* A list row: an array of strings, or evidence as an object. */
static int add_list(cJSON *o, const struct ship_field *sf, const struct finding *f)
{
	size_t n = ship_src__count(sf, f);
	cJSON *a = sf->type == SHIP_STRS ? cJSON_AddArrayToObject(o, sf->report)
					 : cJSON_AddObjectToObject(o, sf->report);
	const char *key, *value;

	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (sf->type == SHIP_STRS) {
			if (!cJSON_AddItemToArray(a, cJSON_CreateString(ship_src__item(sf, f, i))))
				return -ENOMEM;
			continue;
		}
		ship_src__kv(sf, f, i, &key, &value);
		if (add_str(a, key, value) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int add_field(cJSON *o, const struct ship_field *sf, const struct finding *f)
{
	switch (sf->type) {
	case SHIP_STR:
		return add_str(o, sf->report, ship_src__str(sf, f));
	case SHIP_SEVERITY:
		return add_str(o, sf->report, gw_severity_name(ship_src__int(sf, f)));
	case SHIP_CLOUD:
		return add_str(o, sf->report, gw_cloud_name(ship_src__int(sf, f)));
	case SHIP_SCORE:
		return add_num(o, sf->report, ship_src__double(sf, f));
	case SHIP_TIME:
		return add_time(o, sf->report, ship_src__i64(sf, f));
	case SHIP_U64:
		return add_num(o, sf->report, (double)ship_src__u64(sf, f));
	case SHIP_STRS:
	case SHIP_EVIDENCE:
		return add_list(o, sf, f);
	case SHIP_HOST:
		break;
	}
	return 0;
}

/* Every schema row with a report key, in order. */
static cJSON *finding_json(const struct finding *f)
{
	cJSON *o = cJSON_CreateObject();
	int err = 0;

	if (!o)
		return NULL;
	for (size_t i = 0; i < ship_finding_nfields && !err; i++)
		if (ship_finding_fields[i].report)
			err = add_field(o, &ship_finding_fields[i], f);
	if (err) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* "files_skipped" and "files_failed_list": each file passed over as not a
 * log and each that failed, with why (the first AUDIT_MAX_NOTES). */
static int add_file_notes(cJSON *root, const struct audit_stats *st)
{
	cJSON *skipped = cJSON_AddArrayToObject(root, "files_skipped");
	cJSON *failed = cJSON_AddArrayToObject(root, "files_failed");
	cJSON *o;

	if (!skipped || !failed)
		return -ENOMEM;
	for (size_t i = 0; i < st->nnotes; i++) {
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddStringToObject(o, "path", st->notes[i].path) ||
		    !cJSON_AddStringToObject(o, "why", st->notes[i].why)) {
			cJSON_Delete(o);
			return -ENOMEM;
		}
		cJSON_AddItemToArray(st->notes[i].failed ? failed : skipped, o);
	}
	return 0;
}

/* The time-ordered merge: its window, what came later than it (analyzed
 * as it came, out of order), what it held at most, and what its bounds
 * cost: events handed over before their turn, files that waited. */
static int add_merge(cJSON *stats, const struct analyze_report *r)
{
	cJSON *s = cJSON_AddObjectToObject(stats, "reorder");
	const struct merge_stats *m = r->merge;
	int err = 0;

	if (!s)
		return -ENOMEM;
	err |= add_num(s, "window_sec", (double)r->reorder_sec);
	err |= add_num(s, "late", (double)m->late);
	err |= add_num(s, "max_late_sec", (double)m->max_late_ms / 1000.0);
	err |= add_num(s, "peak_events", (double)m->peak_events);
	err |= add_num(s, "peak_files", (double)m->peak_files);
	err |= add_num(s, "peak_mib", (double)m->peak_bytes / (1 << 20));
	err |= add_num(s, "overflow", (double)m->overflow);
	err |= add_num(s, "files_waited", (double)m->files_waited);
	err |= add_num(s, "threads", (double)m->threads);
	return err;
}

static int add_stats(cJSON *root, const struct analyze_report *r)
{
	cJSON *s = cJSON_AddObjectToObject(root, "stats");
	int err = 0;

	if (!s)
		return -ENOMEM;
	err |= add_num(s, "files", (double)r->st->files);
	err |= add_num(s, "files_failed", (double)r->st->files_failed);
	err |= add_num(s, "records", (double)r->st->records);
	err |= add_num(s, "events", (double)r->st->events);
	err |= add_num(s, "skipped", (double)r->st->skipped);
	err |= add_num(s, "digests", (double)r->st->digests);
	err |= add_num(s, "duplicates", (double)r->st->duplicates);
	err |= add_num(s, "non_storage", (double)r->st->non_storage);
	err |= add_num(s, "not_logs", (double)r->st->not_logs);
	err |= add_file_notes(root, r->st);
	err |= add_num(s, "bytes", (double)r->st->bytes);
	err |= add_num(s, "events_analyzed", (double)r->events_analyzed);
	err |= add_num(s, "events_baseline", (double)r->events_baseline);
	if (!err && r->merge)
		err |= add_merge(s, r);
	return err ? -ENOMEM : 0;
}

static int add_time_or_null(cJSON *o, const char *key, int64_t ms)
{
	if (ms == INT64_MIN)
		return cJSON_AddNullToObject(o, key) ? 0 : -ENOMEM;
	return add_time(o, key, ms);
}

/* What was asked for: the window (its end, how far back findings are
 * reported, how much history was learnt from), the bucket filter with the
 * buckets there were when it matched nothing. */
static int add_window(cJSON *root, const struct analyze_window *w)
{
	cJSON *o = cJSON_AddObjectToObject(root, "window"), *seen;
	int err = 0;

	if (!o)
		return -ENOMEM;
	err |= add_time(o, "now", w->now_ms);
	err |= add_str(o, "now_from", w->now_given ? "--now" : "newest event");
	err |= w->hours_back ? add_num(o, "hours_back", (double)w->hours_back)
			     : (cJSON_AddNullToObject(o, "hours_back") ? 0 : -ENOMEM);
	err |= add_time_or_null(o, "from", w->from_ms);
	err |= add_time(o, "to", w->now_ms);
	err |= w->baseline_days ? add_num(o, "baseline_days", (double)w->baseline_days)
				: (cJSON_AddNullToObject(o, "baseline_days") ? 0 : -ENOMEM);
	err |= add_time_or_null(o, "learn_from", w->learn_ms);
	err |= add_num(o, "events_before_history", (double)w->events_ignored);
	if (!w->bucket)
		return err | (cJSON_AddNullToObject(root, "bucket") ? 0 : -ENOMEM);
	err |= add_str(root, "bucket", w->bucket);
	seen = cJSON_AddArrayToObject(root, "buckets_seen");
	if (!seen)
		return -ENOMEM;
	for (size_t i = 0; i < w->nseen; i++)
		if (!cJSON_AddItemToArray(seen, cJSON_CreateString(w->seen[i])))
			return -ENOMEM;
	return err;
}

/* What the detector kept and let go, and what it cost. */
static int add_detector(cJSON *root, const struct analyze_report *r)
{
	cJSON *s = cJSON_AddObjectToObject(root, "detector");
	const struct detector_stats *d = &r->dstats;
	int err = 0;

	if (!s)
		return -ENOMEM;
	err |= add_num(s, "events", (double)d->events);
	err |= add_num(s, "dropped", (double)d->dropped);
	err |= add_num(s, "identities", (double)d->identities);
	err |= add_num(s, "entities_dropped", (double)d->entities_dropped);
	err |= add_num(s, "seen_dropped", (double)d->seen_dropped);
	err |= add_num(s, "findings", (double)d->findings);
	err |= add_num(s, "findings_dropped", (double)d->findings_dropped);
	err |= add_num(s, "findings_before_window", (double)d->findings_before);
	err |= add_num(s, "findings_allowed", (double)d->findings_allowed);
	err |= add_num(s, "findings_normal", (double)d->findings_normal);
	err |= add_num(s, "volume_dropped", (double)d->volume_dropped);
	err |= add_num(s, "intel_prefixes", (double)d->intel_prefixes);
	err |= add_num(s, "incidents", (double)r->nincidents);
	err |= add_num(s, "state_bytes", (double)d->state_bytes);
	err |= add_num(s, "seconds", r->detect_sec);
	err |= add_num(s, "cpu_seconds", r->merge_cpu_sec);
	return err ? -ENOMEM : 0;
}

static int add_kvs(cJSON *o, const char *name, const struct gw_kv *kv, size_t n)
{
	cJSON *ev = cJSON_AddObjectToObject(o, name);

	if (!ev)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (add_str(ev, kv[i].key, kv[i].value) < 0)
			return -ENOMEM;
	return 0;
}

static int add_strs(cJSON *o, const char *name, char *const *v, size_t n)
{
	cJSON *a = cJSON_AddArrayToObject(o, name);

	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!cJSON_AddItemToArray(a, cJSON_CreateString(v[i])))
			return -ENOMEM;
	return 0;
}

/* One line of the timeline per finding, in time order. */
static int add_timeline(cJSON *o, const struct incident *in)
{
	cJSON *tl = cJSON_AddArrayToObject(o, "timeline");
	int err = 0;

	if (!tl)
		return -ENOMEM;
	for (size_t i = 0; i < in->nfindings && !err; i++) {
		const struct finding *f = in->findings[i];
		cJSON *e = cJSON_CreateObject();

		if (!e || !cJSON_AddItemToArray(tl, e))
			return -ENOMEM;
		err |= add_time(e, "time", f->start_ms);
		err |= add_time(e, "end", f->end_ms);
		/* the line the wire carries: "TIME host|cloud RULE: who: what" */
		if (i < in->ntimeline && (i + 1 < in->ntimeline || in->ntimeline == in->nfindings))
			err |= add_str(e, "summary", in->timeline[i]);
		err |= add_str(e, "finding_id", f->id);
		err |= add_str(e, "rule_id", f->rule_id);
		err |= add_str(e, "title", f->title);
		err |= add_str(e, "severity", gw_severity_name(f->severity));
		err |= add_num(e, "score", f->score);
		err |= add_str(e, "source_ip", f->source_ip);
		err |= add_str(e, "region", f->region);
		err |= add_num(e, "count", (double)f->count);
		err |= add_kvs(e, "evidence", f->evidence, f->nevidence);
	}
	return err ? -ENOMEM : 0;
}

static cJSON *incident_json(const struct incident *in)
{
	cJSON *o = cJSON_CreateObject();
	int err = 0;

	if (!o)
		return NULL;
	err |= add_str(o, "id", in->id);
	err |= add_num(o, "score", in->score);
	err |= add_str(o, "severity", gw_severity_name(in->severity));
	err |= add_str(o, "classification", in->classification);
	err |= add_str(o, "principal", in->principal);
	err |= add_str(o, "access_key", in->access_key);
	err |= cJSON_AddBoolToObject(o, "access_key_long_term", in->key_long_term) ? 0 : -ENOMEM;
	err |= add_time(o, "start", in->start_ms);
	err |= add_time(o, "end", in->end_ms);
	err |= add_num(o, "findings", (double)in->nfindings);
	err |= add_kvs(o, "evidence", in->evidence, in->nevidence);
	err |= add_strs(o, "remediation", in->remediation, in->nremediation);
	err |= add_strs(o, "related_principals", in->related, in->nrelated);
	err |= add_timeline(o, in);
	if (err) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

char *analyze_report__json(const struct analyze_report *r)
{
	cJSON *root = cJSON_CreateObject(), *src, *fs;
	char *text = NULL;
	int err = -ENOMEM;

	if (!root || add_time(root, "generated_at", r->generated_ms) < 0)
		goto out;
	src = cJSON_AddArrayToObject(root, "sources");
	if (!src)
		goto out;
	for (size_t i = 0; i < r->nsources; i++) {
		char shown[REDACT_MAX];

		redact__url(r->sources[i], shown, sizeof(shown));
		if (!cJSON_AddItemToArray(src, cJSON_CreateString(shown)))
			goto out;
	}
	if ((r->win && add_window(root, r->win) < 0) || add_stats(root, r) < 0)
		goto out;
	fs = cJSON_AddArrayToObject(root, "findings");
	if (!fs)
		goto out;
	for (size_t i = 0; i < r->nfindings; i++)
		if (!cJSON_AddItemToArray(fs, finding_json(r->findings[i])))
			goto out;
	fs = cJSON_AddArrayToObject(root, "incidents");
	if (!fs || add_detector(root, r) < 0)
		goto out;
	for (size_t i = 0; i < r->nincidents; i++)
		if (!cJSON_AddItemToArray(fs, incident_json(r->incidents[i])))
			goto out;
	text = cJSON_Print(root);
	err = text ? 0 : -ENOMEM;
out:
	cJSON_Delete(root);
	if (err)
		errno = -err;
	return text;
}

static int fill_text(FILE *f, const void *ctx)
{
	return fputs(ctx, f) < 0 || fputc('\n', f) < 0 ? -EIO : 0;
}

int analyze_report__write(const char *path, const char *text)
{
	if (!path)
		return fputs(text, stdout) < 0 || fputc('\n', stdout) < 0 || fflush(stdout) ? -EIO : 0;
	return atomic_write(path, 0644, fill_text, text);
}
