/* See detect.h. The detector hands each event to every rule, keeps the
 * findings they emit, and sorts them for the report. */
#include "detect/detect.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"
#include "strpool.h"

/* A flood of findings is itself the signal; past this, count and drop. */
#define DETECTOR_MAX_FINDINGS 100000

static const struct rule *const rules[] = {
	&rule_bulk_download,
};

#define NRULES (sizeof(rules) / sizeof(rules[0]))

struct detector {
	struct detector_config cfg;
	struct strpool *pool;
	void *state[NRULES];
	struct finding **findings;
	size_t nfindings, cap;
	int sorted;
	struct detector_stats stats;
};

void detector_config__defaults(struct detector_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->bulk_threshold = 100;
	cfg->window_sec = 3600;
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
		if (!d->cfg.bulk_threshold || !d->cfg.window_sec) {
			err = EINVAL;
			goto fail;
		}
	}
	d->pool = strpool__new();
	if (!d->pool)
		goto fail;
	for (size_t i = 0; i < NRULES; i++) {
		d->state[i] = rules[i]->new(d, &d->cfg);
		if (!d->state[i]) {
			err = errno ? errno : ENOMEM;
			goto fail;
		}
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
			rules[i]->free(d->state[i]);
	for (size_t i = 0; i < d->nfindings; i++)
		finding__free(d->findings[i]);
	free(d->findings);
	strpool__free(d->pool);
	free(d);
}

int detector__feed(struct detector *d, const struct audit_event *ev)
{
	int err = 0, e;

	d->stats.events++;
	for (size_t i = 0; i < NRULES; i++) {
		e = rules[i]->feed(d->state[i], ev);
		if (e && !err)
			err = e;
	}
	if (err)
		d->stats.dropped++;
	return err;
}

void detector__flush(struct detector *d)
{
	for (size_t i = 0; i < NRULES; i++)
		rules[i]->flush(d->state[i]);
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
}

const char *detector__intern(struct detector *d, const char *s)
{
	return strpool__intern_str(d->pool, s ? s : "");
}

void detector__entity_dropped(struct detector *d)
{
	d->stats.entities_dropped++;
}

int detector__emit(struct detector *d, struct finding *f)
{
	struct finding **nv;
	size_t cap;

	if (d->nfindings == DETECTOR_MAX_FINDINGS)
		goto drop;
	if (d->nfindings == d->cap) {
		cap = d->cap ? d->cap * 2 : 16;
		nv = realloc(d->findings, cap * sizeof(*nv));
		if (!nv)
			goto drop;
		d->findings = nv;
		d->cap = cap;
	}
	d->findings[d->nfindings++] = f;
	d->sorted = 0;
	d->stats.findings++;
	return 0;
drop:
	d->stats.findings_dropped++;
	finding__free(f);
	return -ENOMEM;
}

const char *gw_severity_name(int sev)
{
	static const char *const names[] = { "info", "low", "medium", "high", "critical" };

	return sev >= 0 && sev < (int)(sizeof(names) / sizeof(names[0])) ? names[sev] : "info";
}

int finding__add_evidence(struct finding *f, const char *key, const char *fmt, ...)
{
	char *k, *v = NULL;
	va_list ap;
	int n;

	if (f->nevidence == GW_FINDING_MAX_EVIDENCE)
		return -E2BIG;
	va_start(ap, fmt);
	n = vasprintf(&v, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	k = strdup(key);
	if (!k) {
		free(v);
		return -ENOMEM;
	}
	f->evidence[f->nevidence].key = k;
	f->evidence[f->nevidence].value = v;
	f->nevidence++;
	return 0;
}

void finding__free(struct finding *f)
{
	if (!f)
		return;
	free(f->id);
	free(f->principal);
	free(f->access_key);
	free(f->source_ip);
	free(f->user_agent);
	free(f->region);
	free(f->bucket);
	for (size_t i = 0; i < f->nsamples && i < GW_FINDING_MAX_SAMPLES; i++)
		free(f->samples[i]);
	for (size_t i = 0; i < f->nevidence && i < GW_FINDING_MAX_EVIDENCE; i++) {
		free(f->evidence[i].key);
		free(f->evidence[i].value);
	}
	free(f);
}
