/* Rule "after-hours-access": object reads outside business hours (default
 * 08:00-18:00 Monday-Friday, in the configured time zone, DST included), at an hour of the
 * week when this identity is rarely active: a nightly job that always runs
 * then is its own normal. An identity without a baseline of its own yet is
 * judged by how often the established members of its population work at
 * that hour. MITRE T1530 (data from cloud storage). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "detect/detect_internal.h"

/* Out of line: most hours give the rule nothing, and its quick test below
 * then costs no stack frame. */
__attribute__((noinline))
static int ah_judge(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	const struct detector_config *cfg = detector__config(d);
	int32_t tz;
	int slot, err = 0;
	const struct population *pop = NULL;
	double weeks, share;
	struct finding *f;

	if (h->reads < cfg->after_hours_floor)
		return 0;
	tz = detector__tz_min(d, h->start);
	slot = gw_hour_of_week(h->start, tz);
	if (!detector_config__off_hours(cfg, slot))
		return 0;
	if (h->established) {
		weeks = (id->cur_day - id->first_day) / 7.0;
		if (weeks < 1.0)
			weeks = 1.0;
		share = id->how[slot] / weeks;
	} else if ((pop = population__for(id)) != NULL) {
		share = population__slot_share(pop, slot);
	} else {
		return 0;
	}
	if (share > 0.25)
		return 0;
	f = finding__from_hour(&rule_after_hours_access, "Object reads outside business hours",
			       GW_SEV_MEDIUM, 40.0 + (share == 0.0 ? 10.0 : 0.0), id, h);
	if (!f)
		return -ENOMEM;
	f->mitre[f->nmitre++] = "T1530";
	f->count = h->reads;
	f->bytes = h->read_bytes;
	for (size_t i = 0; i < h->nsamples && !err; i++) {
		err = finding__set(&f->samples[i], h->samples[i]);
		f->nsamples = i + 1;
	}
	err |= finding__add_evidence(f, "reads", "%" PRIu32, h->reads);
	err |= finding__add_evidence(f, "local_hour_of_week", "%s %02d:00",
				     (const char *[]){ "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
						       "Sun" }[slot / 24], slot % 24);
	err |= finding__add_evidence(f, pop ? "population_active_this_hour_share" :
				     "identity_active_this_hour_share", "%.2f", share);
	err |= finding__add_evidence(f, "baseline", "%s", pop ? pop->name : "own");
	err |= finding__add_evidence(f, "business_hours", "%02u:00-%02u:00 Mon-Fri %s%sUTC%c%02d:%02d",
				     cfg->work_start_hour, cfg->work_end_hour,
				     cfg->tz_name ? cfg->tz_name : "", cfg->tz_name ? " " : "",
				     tz < 0 ? '-' : '+', (tz < 0 ? -tz : tz) / 60, (tz < 0 ? -tz : tz) % 60);
	return finding__finish(d, f, err);
}

static int ah_hour(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	/* after_hours_floor is never 0 (config_fill): no reads, nothing to judge */
	return h->reads ? ah_judge(d, id, h) : 0;
}

const struct rule rule_after_hours_access = {
	.id = "after-hours-access",
	.hour = ah_hour,
};
