/* Rule "multi-region-burst": an established identity calls in more regions
 * within 6 hours than it ever did before (and at least regions_min). MITRE
 * T1535 (unused/unsupported cloud regions). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "detect/detect_internal.h"

#define SIX_HOURS_MS (6 * 3600000LL)

static int region_hour(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	const struct detector_config *cfg;
	const char *names[IDENT_RECENT_REGIONS];
	struct finding *f;
	char list[512];
	size_t n = 0;
	int err = 0;

	if (!h->established)
		return 0;
	cfg = detector__config(d);
	if (h->regions_6h < cfg->regions_min ||
	    h->regions_6h <= id->max_regions_6h)
		return 0;
	for (size_t i = 0; i < IDENT_RECENT_REGIONS; i++)
		if (id->recent[i].region && h->last_t - id->recent[i].t <= SIX_HOURS_MS)
			names[n++] = id->recent[i].region;
	f = finding__from_hour(&rule_multi_region_burst, "Calls in several regions within hours",
			       GW_SEV_MEDIUM, 45.0 + 5.0 * (h->regions_6h - cfg->regions_min),
			       id, h);
	if (!f)
		return -ENOMEM;
	f->mitre[f->nmitre++] = "T1535";
	err |= finding__at(f, h->ctx_ip, h->ctx_ua);
	err |= finding__add_evidence(f, "regions", "%s", join_list(list, sizeof(list), names, n));
	err |= finding__add_evidence(f, "region_count", "%u", h->regions_6h);
	err |= finding__add_evidence(f, "window", "6h");
	err |= finding__add_evidence(f, "baseline_max_regions", "%u", id->max_regions_6h);
	return finding__finish(d, f, err);
}

const struct rule rule_multi_region_burst = {
	.id = "multi-region-burst",
	.hour = region_hour,
};
