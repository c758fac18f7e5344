/* See detect.h. The detector hands each event to every rule, keeps the
 * findings they emit, and sorts them for the report. */
#include "detect/detect.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"
#include "detect/evstr.h"
#include "detect/finding_map.h"
#include "lib/strpool.h"
#include "lib/tz.h"

/* Findings kept for incident grouping in a live detector (see
 * detector__expire): past this the oldest stop joining incidents; they
 * were handed over already, so none is lost. */
#define DETECTOR_MAX_KEPT 65536

/* How far ahead a batch fetches each stage of an event (see
 * detector__feed_batch), and the ring of the events' strings found ahead
 * (a power of two above BATCH_PEEK). */
#define BATCH_EVENT 12
#define BATCH_STRINGS 8
#define BATCH_PEEK 4
#define BATCH_IDENT 2
#define BATCH_RING 8
_Static_assert(BATCH_RING > BATCH_PEEK && (BATCH_RING & (BATCH_RING - 1)) == 0,
	       "a ring slot is reused only once its event was fed");

#define NRULES DETECTOR_NRULES

struct detector {
	struct evstr es;          /* the events' strings interned; first: detector__ev_str() */
	struct detector_config cfg;
	struct strpool *pool;
	void *state[NRULES];
	struct finding **findings;        /* kept: owned, for the report and incidents */
	size_t nfindings, cap;
	const struct finding **fresh;     /* emitted since the last detector__take */
	size_t nfresh, capfresh;
	struct finding_map byid;          /* the kept findings by id */
	int byid_bad;                     /* 1: byid out of step (memory), ids searched */
	int sorted;
	struct detector_stats stats;
	struct baseline *base;
	struct intel *intel;
	struct accounts *acc;
	struct incident **incidents;
	size_t nincidents;
	struct incident_ids *incident_ids;  /* the ids of the last incidents built */
	uint64_t gen, incidents_for;  /* findings' generation, and the incidents' */
	int64_t first_ms;         /* the stream's first event */
	int64_t last_ms;          /* the stream's newest time: events and adopted findings */
	int64_t swept_day;        /* the stream day the string pool was last swept */
	struct gw_tz *tz;         /* cfg.tz_name loaded, or NULL */
	struct globs *sensitive, *privileged;   /* the [detect] globs, compiled */
	/* The rules that take events and hours, in registry order: the
	 * scope's choice made once, not for every event. */
	const struct rule *feeders[NRULES], *hourly[NRULES], *prefetchers[NRULES];
	void *feeder_state[NRULES], *prefetch_state[NRULES];
	size_t nfeeders, nhourly, nprefetch;
};
/* detector__ev_str() reads the event's strings at the start of the detector */
_Static_assert(offsetof(struct detector, es) == 0 && offsetof(struct evstr, cur) == 0,
	       "struct detector must start with its struct ev_strs");

void detector_config__defaults(struct detector_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->bulk_threshold = DETECT_DEF_BULK_THRESHOLD;
	cfg->window_sec = DETECT_DEF_WINDOW_SEC;
	cfg->baseline_days = DETECT_DEF_BASELINE_DAYS;
	cfg->seen_ttl_days = DETECT_DEF_SEEN_TTL_DAYS;
	cfg->max_identities = DETECT_DEF_MAX_IDENTITIES;
	cfg->report_from_ms = INT64_MIN;
	cfg->work_start_hour = DETECT_DEF_WORK_START_HOUR;
	cfg->work_end_hour = DETECT_DEF_WORK_END_HOUR;
	cfg->denied_min = DETECT_DEF_DENIED_MIN;
	cfg->denied_min_apis = DETECT_DEF_DENIED_MIN_APIS;
	cfg->regions_min = DETECT_DEF_REGIONS_MIN;
	cfg->list_floor = DETECT_DEF_LIST_FLOOR;
	cfg->list_buckets_floor = DETECT_DEF_LIST_BUCKETS_FLOOR;
	cfg->after_hours_floor = DETECT_DEF_AFTER_HOURS_FLOOR;
	cfg->read_hour_floor = DETECT_DEF_READ_HOUR_FLOOR;
	cfg->read_day_floor = DETECT_DEF_READ_DAY_FLOOR;
	cfg->incident_gap_sec = DETECT_DEF_INCIDENT_GAP_SEC;
	cfg->incident_min_score = DETECT_DEF_INCIDENT_MIN_SCORE;
	cfg->bucket_read_floor = DETECT_DEF_BUCKET_READ_FLOOR;
}

/* Zero means the default: callers built against the first release set only
 * the first two fields. */
static int config_fill(struct detector_config *c)
{
	struct detector_config def;

	detector_config__defaults(&def);
#define FILL(f) do { if (!c->f) c->f = def.f; } while (0)
	FILL(baseline_days);
	FILL(seen_ttl_days);
	FILL(max_identities);
	FILL(report_from_ms);
	FILL(work_end_hour);
	FILL(denied_min);
	FILL(denied_min_apis);
	FILL(regions_min);
	FILL(list_floor);
	FILL(list_buckets_floor);
	FILL(after_hours_floor);
	FILL(read_hour_floor);
	FILL(read_day_floor);
	FILL(incident_gap_sec);
	FILL(incident_min_score);
	FILL(bucket_read_floor);
#undef FILL
	if (!c->work_start_hour && !c->work_end_hour)
		c->work_start_hour = def.work_start_hour;
	if (c->work_start_hour == c->work_end_hour || c->work_start_hour > 23 || c->work_end_hour > 24 ||
	    c->seen_ttl_days > 3650 || c->tz_offset_min < -14 * 60 || c->tz_offset_min > 14 * 60)
		return -EINVAL;
	return 0;
}

struct detector *detector__new(const struct detector_config *cfg)
{
	struct detector *d = calloc(1, sizeof(*d));
	int err = ENOMEM;

	if (!d)
		goto fail;
	detector_config__defaults(&d->cfg);
	if (cfg) {
		d->cfg = *cfg;
		if (!d->cfg.bulk_threshold || !d->cfg.window_sec || config_fill(&d->cfg) < 0) {
			err = EINVAL;
			goto fail;
		}
	}
	if (d->cfg.tz_name) {
		err = -gw_tz__load(d->cfg.tz_name, &d->tz, NULL);
		if (err)
			goto fail;
		d->cfg.tz_name = gw_tz__name(d->tz);    /* the caller's may go */
		err = ENOMEM;
	}
	d->pool = strpool__new();
	if (!d->pool || principals__globs(&d->cfg, &d->sensitive, &d->privileged) < 0)
		goto fail;
	if (evstr__init(&d->es, d->pool) < 0)
		goto fail;
	d->base = baseline__new(d, &d->cfg);
	if (!d->base)
		goto fail;
	d->acc = accounts__new(d, &d->cfg);
	if (!d->acc)
		goto fail;
	for (size_t i = 0; i < NRULES; i++) {
		if (!detector_rules[i]->new)
			continue;
		d->state[i] = detector_rules[i]->new(d, &d->cfg);
		if (!d->state[i]) {
			err = errno ? errno : ENOMEM;
			goto fail;
		}
	}
	for (size_t i = 0; i < NRULES; i++) {
		if (d->cfg.gateway_scope && detector_rules[i]->account_wide)
			continue;
		if (detector_rules[i]->feed) {
			d->feeder_state[d->nfeeders] = d->state[i];
			d->feeders[d->nfeeders++] = detector_rules[i];
		}
		if (detector_rules[i]->feed && detector_rules[i]->prefetch) {
			d->prefetch_state[d->nprefetch] = d->state[i];
			d->prefetchers[d->nprefetch++] = detector_rules[i];
		}
		if (detector_rules[i]->hour)
			d->hourly[d->nhourly++] = detector_rules[i];
	}
	return d;
fail:
	detector__free(d);
	errno = err;
	return NULL;
}

void detector__free(struct detector *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < NRULES; i++)
		if (d->state[i])
			detector_rules[i]->free(d->state[i]);
	baseline__free(d->base);
	accounts__free(d->acc);
	evstr__fini(&d->es);
	intel__free(d->intel);
	incidents__free(d->incidents, d->nincidents);
	incident_ids__free(d->incident_ids);
	for (size_t i = 0; i < d->nfindings; i++)
		finding__free(d->findings[i]);
	free(d->findings);
	free(d->fresh);
	finding_map__free(&d->byid);
	strpool__free(d->pool);
	gw_tz__free(d->tz);
	globs__free(d->sensitive);
	globs__free(d->privileged);
	free(d);
}

struct globs *detector__globs_sensitive(struct detector *d)
{
	return d->sensitive;
}

struct globs *detector__globs_privileged(struct detector *d)
{
	return d->privileged;
}

struct strmark {
	struct strpool_marks *m;
};

void strmark__str(struct strmark *m, const char *s)
{
	strpool__mark(m->m, s);
}

int strmark__full(const struct strmark *m)
{
	return strpool__marks_full(m->m);
}

/* Once a stream day, before the day's first event reaches a rule: the
 * strings no state holds any more (identities, IPs and objects aged out,
 * windows closed) are freed with the pool chunks that held them. */
static void sweep_strings(struct detector *d)
{
	struct strmark m = { strpool__marks_new(d->pool) };
	size_t freed;

	if (!m.m)
		return;   /* tried again the next day */
	baseline__strings(d->base, &m);
	accounts__strings(d->acc, &m);
	for (size_t i = 0; i < NRULES && !strmark__full(&m); i++)
		if (d->state[i] && detector_rules[i]->strings)
			detector_rules[i]->strings(d->state[i], &m);
	freed = strpool__sweep(d->pool, m.m);
	if (!freed)
		return;
	d->stats.strings_freed += freed;
	evstr__clear(&d->es);
	baseline__swept(d->base);
	for (size_t i = 0; i < NRULES; i++)
		if (d->state[i] && detector_rules[i]->swept)
			detector_rules[i]->swept(d->state[i]);
}

int32_t detector__tz_min(const struct detector *d, int64_t t)
{
	return d->tz ? gw_tz__offset_min(d->tz, t) : d->cfg.tz_offset_min;
}

/* detector__feed, with ev's strings found ahead in a (NULL: none). */
static int feed_one(struct detector *d, const struct audit_event *ev,
		    const struct evstr_ahead *a)
{
	int err = 0, e;

	if (!detector_config__in_scope(&d->cfg, ev)) {
		d->stats.out_of_scope++;
		return 0;
	}
	if (ev->time_ms / 86400000LL > d->swept_day) {
		if (d->swept_day)
			sweep_strings(d);
		d->swept_day = ev->time_ms / 86400000LL;
	}
	if (!d->stats.events++ || ev->time_ms < d->first_ms)
		d->first_ms = ev->time_ms;
	if (ev->time_ms > d->last_ms)
		d->last_ms = ev->time_ms;
	if (a)
		evstr__begin_ahead(&d->es, ev, a);
	else
		evstr__begin(&d->es, ev);
	/* the prefetchers find the event's strings looked up already: one at
	 * a time, before, they cost twice as much */
	evstr__resolve(&d->es);
	for (size_t i = 0; i < d->nprefetch; i++)
		d->prefetchers[i]->prefetch(d->prefetch_state[i], ev);
	err = baseline__feed(d->base, ev);
	e = accounts__learn(d->acc, ev);
	if (e && !err)
		err = e;
	for (size_t i = 0; i < d->nfeeders; i++) {
		e = d->feeders[i]->feed(d->feeder_state[i], ev);
		if (e && !err)
			err = e;
	}
	evstr__end(&d->es);
	if (err)
		d->stats.dropped++;
	return err;
}

int detector__feed(struct detector *d, const struct audit_event *ev)
{
	return feed_one(d, ev, NULL);
}

/* Stage 0 of fetching ahead: the event itself. */
static void batch_fetch_event(const struct audit_event *ev)
{
	for (size_t k = 0; k < sizeof(*ev); k += 64)
		__builtin_prefetch((const char *)ev + k);
	__builtin_prefetch((const char *)ev + sizeof(*ev) - 1);
}

/* Stage 1: the cache sets of the event's strings, and the strings, which
 * the check against reuse reads; and the object's name, which rules hash. */
static void batch_fetch_strings(const struct detector *d, const struct audit_event *ev)
{
	evstr__prefetch(&d->es, ev);
	__builtin_prefetch(ev->object_key);
}

/* Stages 3 and 4: the identity's slot, then the identity, its open hour
 * and first-seen slots. */
static void batch_fetch_ident(const struct detector *d, const struct audit_event *ev,
			      const struct evstr_ahead *a, int stage)
{
	const char *str[EVF_EVERY];

	/* not found ahead (the batch's first events), or the pool was swept
	 * since: the copies may be gone */
	if (a->ev != ev || a->gen != d->es.gen)
		return;
	for (size_t k = 0; k < EVF_EVERY; k++)
		str[k] = a->out[k];
	baseline__prefetch(d->base, str, stage);
}

/* The stages of fetching ahead that feeding event i starts (see
 * detector__feed_batch); ahead is the ring of the events' strings. */
static void batch_fetch_ahead(struct detector *d, const struct audit_event *const *evs,
			      size_t n, size_t i, struct evstr_ahead *ahead)
{
	struct evstr_ahead *a;

	if (i + BATCH_EVENT < n)
		batch_fetch_event(evs[i + BATCH_EVENT]);
	if (i + BATCH_STRINGS < n)
		batch_fetch_strings(d, evs[i + BATCH_STRINGS]);
	if (i + BATCH_PEEK < n) {
		a = &ahead[(i + BATCH_PEEK) % BATCH_RING];
		evstr__peek(&d->es, evs[i + BATCH_PEEK], a);
		batch_fetch_ident(d, evs[i + BATCH_PEEK], a, 0);
	}
	if (i + BATCH_IDENT < n)
		batch_fetch_ident(d, evs[i + BATCH_IDENT], &ahead[(i + BATCH_IDENT) % BATCH_RING], 1);
}

/* Feeding event i, the events after it are fetched in stages, each a few
 * events behind the one before: event i + BATCH_EVENT itself, then the
 * cache sets of its strings and the strings; at i + BATCH_PEEK its
 * strings are found in the cache (nothing is interned ahead, so the pool
 * fills in feeding order: see evstr__peek), which tells where its identity
 * is; then the identity, its open hour and first-seen slots. Each
 * miss is then behind the event that waits for it: at 100,000 identities
 * 4% more events per CPU-second than fetching the event and its strings
 * only (two detectors fed side by side, slice by slice). Reads only, besides the cache's order: the results are those of
 * detector__feed. */
int detector__feed_batch(struct detector *d, const struct audit_event *const *evs, size_t n)
{
	struct evstr_ahead ahead[BATCH_RING];
	int err = 0, e;

	for (size_t j = 0; j < BATCH_RING; j++)
		ahead[j].ev = NULL;
	for (size_t j = 0; j < n && j < BATCH_EVENT; j++)
		batch_fetch_event(evs[j]);
	evstr__batch_begin(&d->es);
	for (size_t i = 0; i < n; i++) {
		batch_fetch_ahead(d, evs, n, i, ahead);
		e = feed_one(d, evs[i], &ahead[i % BATCH_RING]);
		if (e && !err)
			err = e;
	}
	evstr__batch_end(&d->es);
	return err;
}

void detector__flush(struct detector *d)
{
	baseline__flush(d->base);
	for (size_t i = 0; i < NRULES; i++)
		if (detector_rules[i]->flush)
			detector_rules[i]->flush(d->state[i]);
}

int detector__close_hour(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	int err = 0, e;

	for (size_t i = 0; i < d->nhourly; i++) {
		e = d->hourly[i]->hour(d, id, h);
		if (e && !err)
			err = e;
	}
	return err;
}

int detector__reads_normal(struct detector *d, const char *principal, uint64_t n,
			   int64_t span_ms)
{
	const struct ident *id = baseline__find(d->base, principal);
	double hours = span_ms > 3600000 ? span_ms / 3600000.0 : 1.0;
	const struct population *pop;

	if (!id)
		return 0;
	if (id->active_days >= d->cfg.baseline_days) {
		if (ewma__unusual(&id->reads, n / hours, 0.0, 3.0, 4.0))
			return 0;
	} else {
		/* Not established: ordinary when within POP_RATIO times what
		 * the busy hours of its population read. */
		pop = population__for(id);
		if (!pop || n / hours > POP_RATIO * population__level(pop->peak_hour, POP_QUANTILE))
			return 0;
	}
	d->stats.findings_normal++;
	return 1;
}

const char *detector__reads_basis(struct detector *d, const char *principal)
{
	const struct ident *id = baseline__find(d->base, principal);
	const struct population *pop = id ? population__for(id) : NULL;

	if (id && id->active_days >= d->cfg.baseline_days)
		return "own";
	return pop ? pop->name : "floors";
}

const struct ident *detector__ident(struct detector *d, const char *principal)
{
	const char *name = detector__intern_ev(d, principal);

	return name && *name ? baseline__find(d->base, name) : NULL;
}

int detector__principal_new(struct detector *d, const struct audit_event *ev)
{
	const struct ident *id = detector__ident(d, ev->principal);

	return id && id->active_days < d->cfg.baseline_days &&
	       (int64_t)id->first_day * 86400000LL > d->first_ms;
}

int detector_config__off_hours(const struct detector_config *c, int how)
{
	int dow = how / 24, hour = how % 24;

	if (c->work_start_hour < c->work_end_hour)
		return dow >= 5 || hour < c->work_start_hour || hour >= c->work_end_hour;
	/* a night shift (18-8): the hours after midnight belong to the shift
	 * that began the day before, so Friday night runs into Saturday */
	if (hour >= c->work_start_hour)
		return dow >= 5;
	if (hour < c->work_end_hour)
		return (dow + 6) % 7 >= 5;
	return 1;
}

int detector__off_hours(struct detector *d, int64_t t)
{
	return detector_config__off_hours(&d->cfg, gw_hour_of_week(t, detector__tz_min(d, t)));
}

int detector__account_is_own(struct detector *d, const char *account)
{
	return accounts__is_own(d->acc, d, account);
}

const struct detector_config *detector__config(const struct detector *d)
{
	return &d->cfg;
}

uint64_t *detector__seen_dropped(struct detector *d)
{
	return &d->stats.seen_dropped;
}

uint64_t *detector__volume_dropped(struct detector *d)
{
	return &d->stats.volume_dropped;
}

const struct intel *detector__intel(const struct detector *d)
{
	return d->intel;
}

int detector__load_intel(struct detector *d, const char *spec)
{
	if (!d->intel) {
		d->intel = intel__new();
		if (!d->intel)
			return -ENOMEM;
	}
	return intel__load(d->intel, spec);
}

size_t detector__incidents(struct detector *d, const struct incident *const **out)
{
	const struct finding *const *fs;
	size_t n = detector__findings(d, &fs);

	if (!d->incidents || d->incidents_for != d->gen) {
		incidents__free(d->incidents, d->nincidents);
		d->incidents = NULL;
		d->nincidents = 0;
		/* Out of memory: no incidents this time; the findings stand. */
		if (incidents__build(d, d->base, fs, n, &d->incidents, &d->nincidents) < 0)
			d->nincidents = 0;
		/* live, an incident keeps its id while findings join it (offline
		 * they are built once, from content alone); out of memory, a grown
		 * incident may get a new one */
		if (d->cfg.live)
			incidents__carry_ids(d->incidents, d->nincidents, &d->incident_ids);
		d->incidents_for = d->gen;
		d->stats.incidents = d->nincidents;
	}
	*out = (const struct incident *const *)d->incidents;
	return d->nincidents;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct finding *x = *(const struct finding *const *)a;
	const struct finding *y = *(const struct finding *const *)b;

	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->start_ms != y->start_ms)
		return x->start_ms < y->start_ms ? -1 : 1;
	return strcmp(x->id, y->id);
}

size_t detector__findings(struct detector *d, const struct finding *const **out)
{
	if (!d->sorted && d->nfindings > 1)
		qsort(d->findings, d->nfindings, sizeof(*d->findings), cmp_finding);
	d->sorted = 1;
	*out = (const struct finding *const *)d->findings;
	return d->nfindings;
}

void detector__stats(const struct detector *d, struct detector_stats *st)
{
	*st = d->stats;
	st->identities = baseline__identities(d->base);
	st->intel_prefixes = intel__prefixes(d->intel);
	st->state_bytes = baseline__bytes(d->base);
	for (size_t i = 0; i < NRULES; i++)
		if (d->state[i] && detector_rules[i]->bytes)
			st->state_bytes += detector_rules[i]->bytes(d->state[i]);
	st->entities_aged = baseline__aged(d->base);
	st->strings_bytes = strpool__bytes(d->pool);
}

const char *detector__intern(struct detector *d, const char *s)
{
	return strpool__intern_str(d->pool, s ? s : "");
}

const char *detector__intern_n(struct detector *d, const char *s, size_t len)
{
	return strpool__intern(d->pool, s, len);
}

int detector__save_baselines(struct detector *d, FILE *f)
{
	return baseline__save(d->base, f);
}

int detector__load_baselines(struct detector *d, const void *buf, size_t len)
{
	return baseline__load(d->base, buf, len);
}

const char *detector__intern_ev(struct detector *d, const char *s)
{
	return evstr__intern(&d->es, s);
}

const char *detector__ev_str_slow(struct detector *d, const struct audit_event *ev,
				  enum ev_field f)
{
	return evstr__field_slow(&d->es, ev, f);
}

struct populations *detector__populations(struct detector *d)
{
	return baseline__populations(d->base);
}

void detector__entity_dropped(struct detector *d)
{
	d->stats.entities_dropped++;
}

void detector__finding_failed(struct detector *d)
{
	d->stats.findings_failed++;
}

/* The kept findings changed other than by keep(): the id map anew. */
static void byid_rebuild(struct detector *d)
{
	d->byid_bad = finding_map__rebuild(&d->byid, d->findings, d->nfindings) < 0;
}

/* The kept finding of f's id, or NULL. */
static struct finding *kept_by_id(const struct detector *d, const struct finding *f)
{
	if (!d->byid_bad)
		return finding_map__get(&d->byid, f->id);
	for (size_t i = d->nfindings; i-- > 0;)
		if (strcmp(d->findings[i]->id, f->id) == 0)
			return d->findings[i];
	return NULL;
}

static int cmp_addr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* What waits to be taken may be gone: only the kept ones stay fresh
 * (compared by address: the gone ones are freed). */
static void fresh_keep_kept(struct detector *d)
{
	uintptr_t *kept = d->nfresh ? malloc((d->nfindings + 1) * sizeof(*kept)) : NULL;
	size_t k = 0;

	for (size_t i = 0; kept && i < d->nfindings; i++)
		kept[i] = (uintptr_t)d->findings[i];
	if (kept)
		qsort(kept, d->nfindings, sizeof(*kept), cmp_addr);
	for (size_t i = 0; i < d->nfresh; i++) {
		uintptr_t f = (uintptr_t)d->fresh[i];
		int in = 0;

		if (kept)
			in = bsearch(&f, kept, d->nfindings, sizeof(*kept), cmp_addr) != NULL;
		for (size_t j = 0; !kept && !in && j < d->nfindings; j++)
			in = (uintptr_t)d->findings[j] == f;
		if (in)
			d->fresh[k++] = d->fresh[i];
	}
	d->nfresh = k;
	free(kept);
}

void detector__report_from(struct detector *d, int64_t from_ms)
{
	size_t k = 0;

	d->cfg.report_from_ms = from_ms;
	for (size_t i = 0; i < d->nfindings; i++) {
		if (d->findings[i]->end_ms >= from_ms) {
			d->findings[k++] = d->findings[i];
			continue;
		}
		d->stats.findings_before++;
		d->stats.findings--;
		finding__free(d->findings[i]);
	}
	if (k != d->nfindings) {
		d->nfindings = k;
		/* the incidents point into the findings: built anew when asked */
		incidents__free(d->incidents, d->nincidents);
		d->incidents = NULL;
		d->nincidents = 0;
		d->gen++;
	}
	byid_rebuild(d);
	fresh_keep_kept(d);
}

/* A finding of the same id made again (a live burst that went on, with
 * its whole count) replaces the kept one: 1 when it did. */
static int replace(struct detector *d, struct finding *f)
{
	struct finding *old = kept_by_id(d, f);
	size_t i, j;

	if (!old)
		return 0;
	for (i = d->nfindings; i-- > 0 && d->findings[i] != old;)
		;
	for (j = d->nfresh; j-- > 0 && d->fresh[j] != old;)
		;
	if (j == (size_t)-1)
		d->fresh[d->nfresh++] = f;   /* keep() made room */
	else
		d->fresh[j] = f;
	if (!d->byid_bad)
		finding_map__put(&d->byid, f);   /* the same id's slot: no growth */
	finding__free(old);
	d->findings[i] = f;
	d->sorted = 0;
	d->gen++;
	d->stats.findings_updated++;
	return 1;
}

/* f joins the kept findings and the fresh ones (to be taken): 0, or
 * -ENOMEM (f freed, counted). */
static int keep(struct detector *d, struct finding *f)
{
	struct finding **nv;
	const struct finding **nf;
	size_t cap;

	/* one score everywhere: the report, the log, the wire and the
	 * incidents all see the same whole number */
	f->score = f->score > 0 ? (f->score >= 100 ? 100 : (double)(int64_t)(f->score + 0.5)) : 0;
	if (d->nfresh == d->capfresh) {
		cap = d->capfresh ? d->capfresh * 2 : 16;
		nf = realloc(d->fresh, cap * sizeof(*nf));
		if (!nf)
			goto drop;
		d->fresh = nf;
		d->capfresh = cap;
	}
	if (replace(d, f))
		return 0;
	if (d->nfindings == d->cap) {
		cap = d->cap ? d->cap * 2 : 16;
		nv = realloc(d->findings, cap * sizeof(*nv));
		if (!nv)
			goto drop;
		d->findings = nv;
		d->cap = cap;
	}
	if (!d->byid_bad && finding_map__put(&d->byid, f) < 0)
		goto drop;
	d->findings[d->nfindings++] = f;
	d->fresh[d->nfresh++] = f;
	d->sorted = 0;
	d->gen++;
	d->stats.findings++;
	return 0;
drop:
	d->stats.findings_dropped++;
	finding__free(f);
	return -ENOMEM;
}

size_t detector__take(struct detector *d, const struct finding *const **out)
{
	size_t n = d->nfresh;

	*out = d->fresh;
	d->nfresh = 0;
	return n;
}

int64_t detector__now(const struct detector *d)
{
	return d->last_ms;
}

/* Oldest first, by end time: the ones a bound lets go of first. */
static int cmp_end(const void *a, const void *b)
{
	const struct finding *x = *(const struct finding *const *)a;
	const struct finding *y = *(const struct finding *const *)b;

	if (x->end_ms != y->end_ms)
		return x->end_ms < y->end_ms ? -1 : 1;
	return strcmp(x->id, y->id);
}

size_t detector__expire(struct detector *d, int64_t now_ms)
{
	uint8_t *dead;
	size_t k = 0, n = d->nfindings, over;

	/* fresh findings are the caller's to take first */
	if (!n || d->nfresh)
		return 0;
	dead = calloc(n, 1);
	if (!dead)
		return 0;   /* tried again at the next call */
	if (n > DETECTOR_MAX_KEPT) {
		qsort(d->findings, n, sizeof(*d->findings), cmp_end);
		d->sorted = 0;
		over = n - DETECTOR_MAX_KEPT;
		memset(dead, 1, over);
		d->stats.findings_released += over;
	}
	incidents__expired(d, (const struct finding *const *)d->findings, n, now_ms, dead);
	for (size_t i = 0; i < n; i++) {
		if (dead[i]) {
			finding__free(d->findings[i]);
			continue;
		}
		d->findings[k++] = d->findings[i];
	}
	free(dead);
	if (k != n) {
		/* the incidents point into the findings: built anew when asked */
		incidents__free(d->incidents, d->nincidents);
		d->incidents = NULL;
		d->nincidents = 0;
		d->nfindings = k;
		byid_rebuild(d);
		d->gen++;
		if (d->cap > 64 && k < d->cap / 4) {
			struct finding **nv = realloc(d->findings, (k > 16 ? k : 16) * 2 * sizeof(*nv));

			if (nv) {
				d->findings = nv;
				d->cap = (k > 16 ? k : 16) * 2;
			}
		}
	}
	return n - k;
}

int detector__emit(struct detector *d, struct finding *f)
{
	const char *label;
	int kind;

	if (f->end_ms >= d->cfg.report_from_ms)
		finding__explain(f);
	if (f->end_ms < d->cfg.report_from_ms) {
		/* Before the reporting window: the baselines learned from it. */
		d->stats.findings_before++;
		finding__free(f);
		return 0;
	}
	if (f->source_ip && intel__match(d->intel, f->source_ip, INTEL_ALLOW, &kind)) {
		d->stats.findings_allowed++;
		finding__free(f);
		return 0;
	}
	label = f->source_ip ? intel__match(d->intel, f->source_ip, INTEL_CLOUD, &kind) : NULL;
	if (label && finding__add_evidence(f, "source_network", "%s", label) < 0)
		goto drop;
	return keep(d, f);
drop:
	d->stats.findings_dropped++;
	finding__free(f);
	return -ENOMEM;
}

int detector__adopt(struct detector *d, struct finding *f)
{
	if (f->end_ms > d->last_ms)
		d->last_ms = f->end_ms;
	return keep(d, f);
}
