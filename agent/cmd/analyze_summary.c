/* gatewatch analyze: the summary a person reads (see analyze.h). */
#include "cmd/analyze.h"

#include <stdint.h>
#include <stdio.h>

#include "lib/isotime.h"

/* Headlines printed before "... and N more": the report has them all. */
#define SUMMARY_MAX_LINES 20

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void print_window(FILE *out, const struct analyze_report *r)
{
	const struct analyze_window *w = r->win;
	char from[40], to[40];

	if (!r->st->first_ms || iso8601__format(r->st->first_ms, from, sizeof(from)) < 0 ||
	    iso8601__format(r->st->last_ms, to, sizeof(to)) < 0) {
		fprintf(out, "  events from: none\n");
		return;
	}
	fprintf(out, "  events from: %s to %s\n", from, to);
	if (!w || iso8601__format(w->now_ms, to, sizeof(to)) < 0)
		return;
	if (w->from_ms == INT64_MIN || iso8601__format(w->from_ms, from, sizeof(from)) < 0)
		snprintf(from, sizeof(from), "the first event");
	fprintf(out, "  window: findings from %s to %s (the end: %s", from, to,
		w->now_given ? "--now" : "the newest event");
	if (w->hours_back)
		fprintf(out, ", --hours-back %llu", (unsigned long long)w->hours_back);
	if (w->baseline_days)
		fprintf(out, ", learning from %llu calendar day(s) of history before",
			(unsigned long long)w->baseline_days);
	fprintf(out, ")%s%s\n", w->bucket ? "; bucket " : "", w->bucket ? w->bucket : "");
}

static void print_findings(FILE *out, const struct analyze_report *r)
{
	size_t by_sev[GW_SEV_CRITICAL + 1] = { 0 };

	for (size_t i = 0; i < r->nfindings; i++)
		if (r->findings[i]->severity >= 0 && r->findings[i]->severity <= GW_SEV_CRITICAL)
			by_sev[r->findings[i]->severity]++;
	fprintf(out, "  findings: %zu (%zu critical, %zu high, %zu medium, %zu low, %zu info); "
		"incidents: %zu\n", r->nfindings, by_sev[GW_SEV_CRITICAL], by_sev[GW_SEV_HIGH],
		by_sev[GW_SEV_MEDIUM], by_sev[GW_SEV_LOW], by_sev[GW_SEV_INFO], r->nincidents);
	for (size_t i = 0; i < r->nincidents && i < SUMMARY_MAX_LINES; i++) {
		const struct incident *in = r->incidents[i];

		fprintf(out, "  incident %-8s %3.0f  %s: %s, %zu finding(s)\n",
			gw_severity_name(in->severity), in->score, in->classification,
			or_dash(in->principal), in->nfindings);
	}
	for (size_t i = 0; i < r->nfindings && i < SUMMARY_MAX_LINES; i++) {
		const struct finding *f = r->findings[i];

		fprintf(out, "  finding  %-8s %3.0f  %s: %s; %s%s%s\n", gw_severity_name(f->severity),
			f->score, f->rule_id, f->title, or_dash(f->principal),
			f->bucket && *f->bucket ? " bucket " : "", f->bucket ? f->bucket : "");
	}
	if (r->nfindings > SUMMARY_MAX_LINES)
		fprintf(out, "  ... and %zu more finding(s) in the report\n",
			r->nfindings - SUMMARY_MAX_LINES);
}

void analyze_summary__print(FILE *out, const struct analyze_report *r, const char *output)
{
	const struct audit_stats *st = r->st;

	fprintf(out, "gatewatch analyze: %zu source(s), %llu file(s) read, %llu failed, "
		"%llu event(s), %llu record(s) skipped, %llu duplicate(s)\n", r->nsources,
		(unsigned long long)st->files, (unsigned long long)st->files_failed,
		(unsigned long long)st->events, (unsigned long long)st->skipped,
		(unsigned long long)st->duplicates);
	if (st->not_logs)
		fprintf(out, "  passed over: %llu file(s) that are not audit logs\n",
			(unsigned long long)st->not_logs);
	for (size_t i = 0; i < st->nnotes; i++)
		if (st->notes[i].failed)
			fprintf(out, "  failed: %s: %s\n", st->notes[i].path, st->notes[i].why);
	if (r->merge && r->merge->late)
		fprintf(out, "  late: %llu event(s) came more than %llu s out of time order "
			"(at most %.0f s), analyzed as they came\n",
			(unsigned long long)r->merge->late, (unsigned long long)r->reorder_sec,
			(double)r->merge->max_late_ms / 1000.0);
	if (r->merge && (r->merge->overflow || r->merge->files_waited))
		fprintf(out, "  ordering bounds: %llu event(s) handed over before their turn (%llu MiB "
			"held), %llu file(s) waited for one of %u open\n",
			(unsigned long long)r->merge->overflow,
			(unsigned long long)(MERGE_DEF_MAX_HELD >> 20),
			(unsigned long long)r->merge->files_waited, MERGE_DEF_MAX_OPEN);
	print_window(out, r);
	fprintf(out, "  analyzed: %llu event(s), %llu more before the window (baselines only)\n",
		(unsigned long long)r->events_analyzed, (unsigned long long)r->events_baseline);
	print_findings(out, r);
	fprintf(out, "  report: %s\n", output ? output : "standard output");
}
