/* Rule "read-volume": object reads in an hour, or in a day so far, far above
 * the identity's own baseline — or, for an identity without one yet, three
 * times the peaks of its population's busiest members — with fixed floors.
 * An hour counts only above the identity's own busiest hour so far (by half
 * again): a service that reads in batches has busy hours on ordinary days,
 * and its hourly mean alone would call each batch unusual. Consecutive days
 * above it (a slow exfiltration) raise the score. When other members of
 * its population, or any identity of its type, were already unusual the
 * same day, the organisation is
 * busy (a month or quarter end, a migration): the finding is medium and
 * says how many peers. MITRE T1530, T1567.002. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "detect/detect_internal.h"

#define PEAK_MARGIN 1.5   /* an unusual hour: above the busiest so far by half */

/* Far above what this identity reads, or, before it has a baseline of its
 * own, far above what the busy hours and days of its population read. */
static int volume_unusual(const struct detector_config *cfg, const struct ident *id,
			  const struct hour_rec *h, double *base_h, double *base_d)
{
	const struct population *pop;
	int hour, day;

	if (h->established) {
		*base_h = id->reads.mean;
		*base_d = id->day_reads.mean;
		hour = ewma__unusual(&id->reads, h->reads, cfg->read_hour_floor, 5.0, 6.0) &&
		       h->reads > PEAK_MARGIN * id->peak_hour;
		day = ewma__unusual(&id->day_reads, h->day_reads, cfg->read_day_floor, 4.0, 6.0);
		return hour || day;
	}
	/* below both floors nothing is unusual: the levels are not needed */
	if (h->reads < cfg->read_hour_floor && h->day_reads < cfg->read_day_floor)
		return 0;
	pop = population__for(id);
	if (!pop)
		return 0;
	*base_h = population__level(pop->peak_hour, POP_QUANTILE);
	*base_d = population__level(pop->peak_day, POP_QUANTILE);
	hour = h->reads >= cfg->read_hour_floor && h->reads > POP_RATIO * *base_h;
	day = h->day_reads >= cfg->read_day_floor && h->day_reads > POP_RATIO * *base_d;
	return hour || day;
}

/* Members of id's populations found unusual before it on day; id is
 * counted from now on. */
static unsigned peers_then_mark(struct ident *id, uint16_t day)
{
	unsigned peers = 0;

	for (size_t i = 0; i < 3; i++) {
		struct population *p = id->pop[i];

		if (!p)
			continue;
		if (p->spike_day != day) {
			p->spike_day = day;
			p->spikes = 0;
		}
		if (p->spikes > peers)
			peers = p->spikes;
		if (p->spikes < UINT16_MAX)
			p->spikes++;
	}
	return peers;
}

/* Out of line: most hours give the rule nothing, and its quick test below
 * then costs no stack frame. */
__attribute__((noinline))
static int volume_judge(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	const struct detector_config *cfg = detector__config(d);
	const struct population *pop = h->established ? NULL : population__for(id);
	double base_h = 0.0, base_d = 0.0;
	double score;
	struct finding *f;
	unsigned peers;
	int err = 0;

	if (id->fired_day || !volume_unusual(cfg, id, h, &base_h, &base_d))
		return 0;
	id->fired_day = 1;
	if (id->read_days_hot < 255)
		id->read_days_hot++;
	peers = peers_then_mark(id, id->cur_day);
	score = 65.0 + 15.0 * (id->read_days_hot - 1);
	f = finding__from_hour(&rule_read_volume, "Object reads far above this identity's baseline",
			       peers ? GW_SEV_MEDIUM : GW_SEV_HIGH, peers && score > 55.0 ? 55.0 : score,
			       id, h);
	if (!f)
		return -ENOMEM;
	f->mitre[f->nmitre++] = "T1530";
	f->mitre[f->nmitre++] = "T1567.002";
	f->count = h->reads;
	f->bytes = h->read_bytes;
	for (size_t i = 0; i < h->nsamples && !err; i++) {
		err = finding__set(&f->samples[i], h->samples[i]);
		f->nsamples = i + 1;
	}
	err |= finding__add_evidence(f, "reads_in_hour", "%" PRIu32, h->reads);
	err |= finding__add_evidence(f, "baseline_reads_per_hour", "%.1f", base_h);
	err |= finding__add_evidence(f, "reads_today", "%" PRIu32, h->day_reads);
	err |= finding__add_evidence(f, "baseline_reads_per_day", "%.1f", base_d);
	err |= finding__add_evidence(f, "consecutive_days", "%u", id->read_days_hot);
	err |= finding__add_evidence(f, "baseline", "%s", pop ? pop->name : "own");
	if (peers)
		err |= finding__add_evidence(f, "peers_unusual_today", "%u", peers);
	return finding__finish(d, f, err);
}

static int volume_hour(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	/* the floors are never 0 (config_fill), and day_reads moves only
	 * in an hour with reads: none, nothing to judge */
	return !id->fired_day && h->reads ? volume_judge(d, id, h) : 0;
}

const struct rule rule_read_volume = {
	.id = "read-volume",
	.hour = volume_hour,
};
