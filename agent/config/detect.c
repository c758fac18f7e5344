/* See config.h: the [detect] section as the detector's configuration, for
 * the daemon and for `gatewatch analyze --config`. */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "detect/detect.h"
#include "lib/log.h"
#include "lib/tz.h"

int gw_config__parse_tz(const char *s, int *minutes)
{
	return gw_tz__fixed(s, minutes) ? 0 : -EINVAL;
}

int gw_config__detector(const struct gw_config *c, struct detector_config *dc)
{
	int tz = 0;

	if (c->business_start_hour == c->business_end_hour) {
		log_err("%s: [detect] business_start_hour (%u) and business_end_hour (%u) are the same hour",
			c->path ? c->path : "command line", c->business_start_hour,
			c->business_end_hour);
		return -EINVAL;
	}
	/* The table checked the value when it was set: a fixed offset, or a
	 * zone name the detector loads (borrowed: c outlives the detector). */
	dc->tz_name = c->tz && gw_config__parse_tz(c->tz, &tz) < 0 ? c->tz : NULL;
	dc->bulk_threshold = c->bulk_threshold;
	dc->baseline_days = c->baseline_days;
	dc->seen_ttl_days = c->seen_ttl_days;
	dc->work_start_hour = (uint8_t)c->business_start_hour;
	dc->work_end_hour = (uint8_t)c->business_end_hour;
	dc->tz_offset_min = tz;
	dc->denied_min = c->denied_min;
	dc->denied_min_apis = c->denied_min_apis;
	dc->regions_min = c->regions_min;
	dc->list_floor = c->list_floor;
	dc->list_buckets_floor = c->list_buckets_floor;
	dc->after_hours_floor = c->after_hours_floor;
	dc->read_hour_floor = c->read_hour_floor;
	dc->read_day_floor = c->read_day_floor;
	dc->bucket_read_floor = c->bucket_read_floor;
	dc->incident_gap_sec = c->incident_gap_sec;
	dc->incident_min_score = c->incident_min_score;
	dc->max_identities = c->max_identities;
	if (c->nown_accounts) {
		dc->own_accounts = (const char *const *)c->own_accounts;
		dc->nown_accounts = c->nown_accounts;
	}
	if (c->nransom_notes) {
		dc->ransom_notes = (const char *const *)c->ransom_notes;
		dc->nransom_notes = c->nransom_notes;
	}
	/* Borrowed: the configuration outlives the detector. */
#define BORROW(f) do { \
		dc->f = c->n##f ? (const char *const *)c->f : NULL; \
		dc->n##f = c->n##f; \
	} while (0)
	BORROW(partner_accounts);
	BORROW(public_buckets);
	BORROW(sensitive_objects);
	BORROW(privileged_principals);
#undef BORROW
	return 0;
}
