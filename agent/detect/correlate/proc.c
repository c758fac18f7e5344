/* Per-process hourly read baselines, and process-read-spike: a gateway (or
 * allowed) process reading far more object data in an hour than it does.
 * Keyed by executable, so a service's workers and restarts share one. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate_priv.h"

static struct corr_procbase *proc_get(struct correlator *c, const char *exe)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (strcmp(c->procs[i].exe, exe) == 0)
			return &c->procs[i];
	if (c->nprocs == CORR_MAX_PROCS || strlen(exe) >= sizeof(c->procs[0].exe)) {
		c->stats.dropped++;
		return NULL;
	}
	memset(&c->procs[c->nprocs], 0, sizeof(c->procs[0]));
	snprintf(c->procs[c->nprocs].exe, sizeof(c->procs[0].exe), "%s", exe);
	return &c->procs[c->nprocs++];
}

/* Fold the finished hour into the baseline (hours without reads are not
 * counted: the baseline is of active hours). */
static void fold(struct corr_procbase *b)
{
	double x = (double)b->bytes, d;

	if (!b->bytes)
		return;
	if (!b->hours) {
		b->mean = x;
		b->var = 0;
	} else {
		d = x - b->mean;
		b->mean += CORR_PROC_ALPHA * d;
		b->var = (1 - CORR_PROC_ALPHA) * (b->var + CORR_PROC_ALPHA * d * d);
	}
	b->hours++;
}

static void spike(struct correlator *c, struct corr_procbase *b, const struct host_read *r)
{
	int64_t start = b->hour * 3600000;
	struct corr_proc p;
	struct finding *f;
	int err = 0;

	f = corr_finding(c, "process-read-spike",
			 "A gateway process read far more object data than in its usual hour",
			 GW_SEV_HIGH, 75, start, start + 3600000, b->exe);
	if (!f) {
		c->stats.dropped++;
		return;
	}
	corr_copy_proc(&p, &r->proc);
	f->bucket = strdup(r->bucket);
	f->count = b->ops;
	f->bytes = b->bytes;
	f->mitre[f->nmitre++] = "T1005";
	f->mitre[f->nmitre++] = "T1530";
	err |= !f->bucket;
	err |= corr_add_proc_evidence(f, "", &p);
	err |= finding__add_evidence(f, "hour_read_bytes", "%" PRIu64, b->bytes);
	err |= finding__add_evidence(f, "hour_read_ops", "%" PRIu64, b->ops);
	err |= finding__add_evidence(f, "baseline_bytes_per_hour", "%.0f", b->mean);
	err |= finding__add_evidence(f, "baseline_sd", "%.0f", sqrt(b->var));
	err |= finding__add_evidence(f, "baseline_active_hours", "%" PRIu64, b->hours);
	if (err) {
		finding__free(f);
		c->stats.dropped++;
		return;
	}
	corr_emit(c, f);
}

void corr_proc_read(struct correlator *c, const struct host_read *r, int64_t t)
{
	const char *exe = r->proc.exe[0] ? r->proc.exe : r->proc.comm;
	struct corr_procbase *b = proc_get(c, exe);
	int64_t hour = t / 3600000;
	double sd;

	if (!b)
		return;
	if (hour != b->hour) {
		fold(b);
		b->hour = hour;
		b->bytes = b->ops = 0;
		b->fired = 0;
	}
	b->bytes += host_read__bytes(r);
	b->ops += r->ops + r->mapped_ops;
	sd = sqrt(b->var);
	/* reported as soon as the hour is out of line, once */
	if (!b->fired && b->hours >= c->o.proc_min_hours && b->bytes > c->o.proc_floor_bytes &&
	    (double)b->bytes > 5 * b->mean && (double)b->bytes > b->mean + 6 * sd) {
		b->fired = 1;
		spike(c, b, r);
	}
}

static void proc_reads(struct correlator *c, const struct host_window *w)
{
	for (size_t i = 0; i < w->nreads && corr_named(c); i++)
		if (corr_is_allowed(c, &w->reads[i].proc))
			corr_proc_read(c, &w->reads[i], w->end_ms);
}

const struct rule rule_process_read_spike = {
	.id = "process-read-spike",
	.window = proc_reads,
};

/* "proc HOURS MEAN VAR EXE" (EXE last: it may hold spaces). */
void corr_proc_load(struct correlator *c, const char *line)
{
	struct corr_procbase *b;
	unsigned long long hours;
	double mean, var;
	char *end, exe[256];
	size_t n;

	errno = 0;
	hours = strtoull(line, &end, 10);
	if (errno || *end != ' ')
		return;
	mean = strtod(end + 1, &end);
	if (*end != ' ')
		return;
	var = strtod(end + 1, &end);
	if (*end != ' ' || !isfinite(mean) || !isfinite(var) || mean < 0 || var < 0)
		return;
	n = strcspn(end + 1, "\n");
	if (!n || n >= sizeof(exe))
		return;
	memcpy(exe, end + 1, n);
	exe[n] = '\0';
	b = proc_get(c, exe);
	if (b) {
		b->hours = hours;
		b->mean = mean;
		b->var = var;
	}
}

void corr_proc_save(const struct correlator *c, FILE *f)
{
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct corr_procbase *b = &c->procs[i];
		/* the hour in progress counts too: a restart should not lose it */
		struct corr_procbase folded = *b;

		fold(&folded);
		if (folded.hours)
			fprintf(f, "proc %" PRIu64 " %.3f %.3f %s\n", folded.hours, folded.mean, folded.var,
				folded.exe);
	}
}
