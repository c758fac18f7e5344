/* See config.h: the [detect] section as the detector's configuration, for
 * the daemon and for `gatewatch analyze --config`. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/vfs.h>

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
	/* Under scope = all the lists are not needed: left NULL. */
	dc->gateway_scope = c->scope && strcmp(c->scope, "gateway") == 0;
	if (!dc->gateway_scope)
		return 0;
	dc->scope_keys = (const char *const *)c->gateway_access_keys;
	dc->nscope_keys = c->ngateway_keys;
	dc->scope_ips = (const char *const *)c->gateway_ips;
	dc->nscope_ips = c->ngateway_ips;
	dc->scope_buckets = (const char *const *)c->gateway_buckets;
	dc->nscope_buckets = c->ngateway_buckets;
	return 0;
}

/* A FUSE mount (s3fs, rclone) lists the remote bucket's top-level
 * prefixes as its subdirectories: they are not buckets. */
#define FUSE_MAGIC 0x65735546

int gw_config__buckets_from_roots(struct gw_config *c)
{
	const char *why;
	struct statfs sf;

	if (c->ngateway_buckets)
		return 0;
	for (size_t i = 0; i < c->nroots; i++) {
		DIR *dir = opendir(c->roots[i]);
		struct dirent *de;

		if (!dir)
			continue;   /* the sensor names a missing root */
		if (fstatfs(dirfd(dir), &sf) == 0 && (unsigned long)sf.f_type == FUSE_MAGIC) {
			closedir(dir);
			continue;
		}
		while ((de = readdir(dir)) && c->ngateway_buckets < GW_CONFIG_MAX_LIST) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			if (gw_config__set_bucket(c, de->d_name, &why) == -ENOMEM) {
				closedir(dir);
				return -ENOMEM;
			}
		}
		closedir(dir);
	}
	return 0;
}
