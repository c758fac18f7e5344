/* agent/daemon: the audit sources, pulled each interval, and their events
 * fed in time order (see daemon_priv.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_priv.h"
#include "silent.h"
#include "detect/correlate/correlate.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/strpool.h"

int daemon__keep_event(const struct audit_event *ev, void *ctx)
{
	struct daemon *d = ctx;

	if (d->nevs == d->capevs) {
		size_t cap = d->capevs ? d->capevs * 2 : 4096;
		struct audit_event *n = realloc(d->evs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		d->evs = n;
		d->capevs = cap;
	}
	d->evs[d->nevs++] = *ev;
	if (ev->time_ms > d->newest_ms)
		d->newest_ms = ev->time_ms;
	return 0;
}

static int ev_cmp(const void *a, const void *b)
{
	const struct audit_event *x = a, *y = b;

	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* A source's metrics label: its position and kind, never its text (a URL
 * may carry a signature). */
static void source_label(const char *spec, size_t i, char *buf, size_t size)
{
	const char *colon = strchr(spec, ':');
	char name[48];
	int n = colon && spec[0] != '/' ? (int)(colon - spec) : 4;

	snprintf(name, sizeof(name), "%zu:%.*s", i + 1, n > 16 ? 16 : n, colon && spec[0] != '/' ? spec : "path");
	if (metrics__labels(buf, size, "source", name, NULL))
		buf[0] = '\0';
}

static void source_metrics(size_t i, const char *spec, const struct audit_stats *st, int ok)
{
	char labels[96];

	source_label(spec, i, labels, sizeof(labels));
	metrics__add(M_EVENTS, labels, (double)st->events);
	metrics__add(M_SKIPPED, labels, (double)st->skipped);
	metrics__add("gatewatch_audit_duplicates_total", labels, (double)st->duplicates);
	if (ok)
		metrics__set(M_PULL_LAST, labels, (double)gw_wall_ms() / 1000.0);
}

/* A source's deliveries, and a finding when it went silent. */
static void watch_silence(struct daemon *d, size_t i, const struct audit_stats *st)
{
	int64_t now = gw_wall_ms();
	struct finding *f;
	size_t cycle = 0;

	if (st->files || st->events)
		silent__delivered(d->silent, i, now);
	f = silent__check(d->silent, i, d->cfg->audit_sources[i], now);
	if (!f)
		return;
	daemon__log_finding(d, f, &cycle);
	daemon__hand_over(d, (const struct finding *const *)&f, 1);
	finding__free(f);
}

/* Pull every source, then feed what came in time order. */
void daemon__pull(struct daemon *d)
{
	for (size_t i = 0; i < d->cfg->naudit; i++) {
		struct audit_stats st = { 0 };
		int err;

		d->newest_ms = 0;
		err = local_sources__pull(d->srcs, d->cfg->audit_sources[i], d->pool, daemon__keep_event, d, &st);
		if (d->newest_ms) {
			char labels[96];

			source_label(d->cfg->audit_sources[i], i, labels, sizeof(labels));
			metrics__set(M_PULL_LAG, labels, (double)(gw_wall_ms() - d->newest_ms) / 1000.0);
		}

		if (err < 0)
			log_warn("audit source %zu: pull failed: %s; retried next interval", i + 1,
				 strerror(-err));
		source_metrics(i, d->cfg->audit_sources[i], &st, err >= 0);
		watch_silence(d, i, &st);
		d->ast.events += st.events;
		d->ast.skipped += st.skipped;
		d->ast.records += st.records;
		d->ast.files += st.files;
		d->ast.files_failed += st.files_failed;
	}
	daemon__feed(d);
}

/* The detector's losses to its bounds, as counters: what grew since the
 * last export (a new detector starts again from zero). */
static void bound_metrics(struct daemon *d)
{
	static const char *const names[] = { "entities", "volume", "seen", "memory" };
	struct detector_stats ds;
	uint64_t now[4];
	char labels[48];

	detector__stats(d->det, &ds);
	now[0] = ds.entities_dropped;
	now[1] = ds.volume_dropped;
	now[2] = ds.seen_dropped;
	now[3] = ds.dropped;
	for (size_t i = 0; i < 4; i++) {
		uint64_t delta = now[i] >= d->bound_drops[i] ? now[i] - d->bound_drops[i] : now[i];

		d->bound_drops[i] = now[i];
		if (metrics__labels(labels, sizeof(labels), "bound", names[i], NULL) == 0)
			metrics__add(M_BOUND_DROPS, labels, (double)delta);
	}
}

/* What came in, in time order, to the detector and the correlator. An
 * event further behind what was fed before than the reorder window is
 * late: counted, and fed all the same. */
void daemon__feed(struct daemon *d)
{
	int64_t window = (int64_t)d->cfg->reorder_window_sec * 1000, newest = d->fed_newest_ms;
	uint64_t late = 0;
	struct strpool *fresh;

	qsort(d->evs, d->nevs, sizeof(*d->evs), ev_cmp);
	for (size_t i = 0; i < d->nevs; i++) {
		if (d->fed_newest_ms != INT64_MIN && d->evs[i].time_ms < d->fed_newest_ms - window)
			late++;
		if (d->evs[i].time_ms > newest)
			newest = d->evs[i].time_ms;
		detector__feed(d->det, &d->evs[i]);
		correlator__audit_event(d->corr, &d->evs[i]);
	}
	d->fed_newest_ms = newest;
	metrics__add(M_LATE, NULL, (double)late);
	bound_metrics(d);
	d->nevs = 0;
	daemon__save_slots(d, 0);
	/* The detector and the correlator copy what they keep: the events'
	 * strings go with this pull, so a long-running agent does not grow
	 * with every request id it ever read. */
	fresh = strpool__new();
	if (fresh) {
		strpool__free(d->pool);
		d->pool = fresh;
	}
}
