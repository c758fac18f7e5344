/* See silent.h. Per source: the wall times of its last deliveries, the
 * gaps between them (the usual gap is their median, so one late file does
 * not move it), and the host reads since its last delivery. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silent.h"
#include "detect/detect.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/redact.h"

#define GAPS 8
#define STEADY_GAPS 4             /* gaps seen before a source counts as steady */

struct src_gap {
	int64_t last_ms;              /* last delivery, 0 never */
	int64_t gap[GAPS];
	unsigned ngap, pos;
	uint64_t reads;               /* host read ops since the last delivery */
	uint8_t fired;                /* this silence was reported */
};

struct silent {
	struct src_gap *src;
	size_t n;
	unsigned factor, min_sec;
};

struct silent *silent__new(size_t n, unsigned factor, unsigned min_sec)
{
	struct silent *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->src = calloc(n ? n : 1, sizeof(*s->src));
	if (!s->src) {
		free(s);
		return NULL;
	}
	s->n = n;
	s->factor = factor ? factor : 6;
	s->min_sec = min_sec;
	return s;
}

void silent__free(struct silent *s)
{
	if (s)
		free(s->src);
	free(s);
}

struct silent *silent__renew(struct silent *s, size_t n, unsigned factor, unsigned min_sec)
{
	struct silent *fresh;

	if (s && s->n == n) {
		s->factor = factor ? factor : 6;
		s->min_sec = min_sec;
		return s;
	}
	fresh = silent__new(n, factor, min_sec);
	if (!fresh)
		return s;
	silent__free(s);
	return fresh;
}

void silent__delivered(struct silent *s, size_t i, int64_t now_ms)
{
	struct src_gap *g;

	if (!s || i >= s->n)
		return;
	g = &s->src[i];
	if (g->last_ms && now_ms > g->last_ms) {
		g->gap[g->pos] = now_ms - g->last_ms;
		g->pos = (g->pos + 1) % GAPS;
		if (g->ngap < GAPS)
			g->ngap++;
	}
	g->last_ms = now_ms;
	g->reads = 0;
	g->fired = 0;
}

void silent__host_reads(struct silent *s, uint64_t ops)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (s->src[i].last_ms)
			s->src[i].reads += ops;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int64_t usual_gap(const struct src_gap *g)
{
	int64_t v[GAPS];

	memcpy(v, g->gap, sizeof(v));
	qsort(v, g->ngap, sizeof(v[0]), cmp_i64);
	return v[g->ngap / 2];
}

/* A stable id: the source and the last delivery (FNV-1a). */
static uint64_t id_of(const char *src, int64_t last_ms)
{
	uint8_t le[8];

	for (unsigned k = 0; k < 8; k++)
		le[k] = (uint8_t)((uint64_t)last_ms >> (8 * k));
	return gw_fnv1a64(gw_fnv1a64(GW_FNV64_INIT, src, strlen(src)), le, sizeof(le));
}

static struct finding *make(const struct src_gap *g, const char *spec, int64_t now_ms,
			    int64_t usual)
{
	static const char *const mitre[] = { "T1562.008", "T1562" };
	struct finding *f = calloc(1, sizeof(*f));
	char red[512];
	int bad;

	if (!f)
		return NULL;
	f->rule_id = "audit-source-silent";
	f->title = "Audit source stopped delivering";
	f->severity = g->reads ? GW_SEV_CRITICAL : GW_SEV_HIGH;
	f->score = g->reads ? 95.0 : 80.0;
	f->start_ms = g->last_ms;
	f->end_ms = now_ms;
	f->count = g->reads;
	for (size_t k = 0; k < 2; k++)
		f->mitre[f->nmitre++] = mitre[k];
	redact__url(spec, red, sizeof(red));
	bad = asprintf(&f->id, "%016" PRIx64, id_of(red, g->last_ms)) < 0;
	if (bad)
		f->id = NULL;
	bad = bad || finding__add_evidence(f, "source", "%s", red) < 0 ||
	      finding__add_evidence(f, "last_delivery_ms", "%" PRId64, g->last_ms) < 0 ||
	      finding__add_evidence(f, "usual_gap_sec", "%.1f", (double)usual / 1000.0) < 0 ||
	      finding__add_evidence(f, "silent_sec", "%.1f", (double)(now_ms - g->last_ms) / 1000.0) < 0 ||
	      finding__add_evidence(f, "host_reads_since", "%" PRIu64, g->reads) < 0 ||
	      finding__add_evidence(f, "remediation", "%s", "Check that the trail, diagnostic "
				    "setting or log sink still delivers, and who changed it") < 0;
	if (bad) {
		finding__free(f);
		return NULL;
	}
	return f;
}

struct finding *silent__check(struct silent *s, size_t i, const char *spec, int64_t now_ms)
{
	struct src_gap *g;
	struct finding *f;
	int64_t usual, limit;

	if (!s || i >= s->n)
		return NULL;
	g = &s->src[i];
	if (g->fired || g->ngap < STEADY_GAPS)
		return NULL;
	usual = usual_gap(g);
	limit = usual * (int64_t)s->factor;
	if (limit < (int64_t)s->min_sec * 1000)
		limit = (int64_t)s->min_sec * 1000;
	if (now_ms - g->last_ms < limit)
		return NULL;
	g->fired = 1;
	f = make(g, spec, now_ms, usual);
	if (!f)
		log_err("audit source %zu: silent, but no memory for the finding", i + 1);
	return f;
}
