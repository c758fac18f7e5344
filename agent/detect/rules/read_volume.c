/* Rule "read-volume": object reads in an hour, or in a day so far, far above
 * the identity's own baseline — with fixed floors. Consecutive days above it
 * (a slow exfiltration) raise the score. MITRE T1530, T1567.002. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "detect/detect_internal.h"

static int volume_hour(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	const struct detector_config *cfg = detector__config(d);
	struct finding *f;
	int hour, day, err = 0;

	if (!h->established || id->fired_day)
		return 0;
	hour = ewma__unusual(&id->reads, h->reads, cfg->read_hour_floor, 5.0, 6.0);
	day = ewma__unusual(&id->day_reads, h->day_reads, cfg->read_day_floor, 4.0, 6.0);
	if (!hour && !day)
		return 0;
	id->fired_day = 1;
	if (id->read_days_hot < 255)
		id->read_days_hot++;
	f = finding__from_hour(&rule_read_volume, "Object reads far above this identity's baseline",
			       GW_SEV_HIGH, 65.0 + 15.0 * (id->read_days_hot - 1), id, h);
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
	err |= finding__add_evidence(f, "baseline_reads_per_hour", "%.1f", id->reads.mean);
	err |= finding__add_evidence(f, "reads_today", "%" PRIu32, h->day_reads);
	err |= finding__add_evidence(f, "baseline_reads_per_day", "%.1f", id->day_reads.mean);
	err |= finding__add_evidence(f, "consecutive_days", "%u", id->read_days_hot);
	return finding__finish(d, f, err);
}

const struct rule rule_read_volume = {
	.id = "read-volume",
	.hour = volume_hour,
};
