/* Rule "access-denied-cluster": many denials over several distinct APIs in one
 * hour, far above the identity's own rate of denials — someone is probing
 * what the credential may do. MITRE T1580 (cloud infrastructure discovery),
 * T1087.004 (cloud account discovery). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "detect/detect_internal.h"

/* Out of line: most hours give the rule nothing, and its quick test below
 * then costs no stack frame. */
__attribute__((noinline))
static int denied_judge(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	const struct hour_more *hm = hour__more(h);
	const struct detector_config *cfg;
	struct finding *f;
	char list[512];
	double score;
	size_t top = 0;
	int err = 0;

	if (!h->denied)
		return 0;
	cfg = detector__config(d);
	if (h->denied < cfg->denied_min || h->ndenied_apis < cfg->denied_min_apis)
		return 0;
	/* Without a baseline, a fifth of the hour's calls denied; with one, far
	 * above the identity's own rate (6 sd: a busy identity's stray denials
	 * must not add up to a cluster). */
	if (h->established ? !ewma__unusual(&id->denied, h->denied, cfg->denied_min, 3.0, 6.0) :
	    (uint64_t)h->denied * 5 < h->events)
		return 0;
	score = 50.0 + 5.0 * (h->ndenied_apis - cfg->denied_min_apis) +
		fmin(20.0, h->denied / 2.0);
	f = finding__from_hour(&rule_access_denied_cluster, "AccessDenied cluster over several APIs",
			       h->ndenied_apis >= 3 ? GW_SEV_HIGH : GW_SEV_MEDIUM, score, id, h);
	if (!f)
		return -ENOMEM;
	f->mitre[f->nmitre++] = "T1580";
	f->mitre[f->nmitre++] = "T1087.004";
	f->count = h->denied;
	for (size_t i = 1; i < h->ndenied_ips; i++)
		if (hm->denied_ip_n[i] > hm->denied_ip_n[top])
			top = i;
	if (h->ndenied_ips)
		err |= finding__at(f, hm->denied_ips[top], hm->denied_uas[top]);
	err |= finding__add_evidence(f, "denied", "%" PRIu32, h->denied);
	err |= finding__add_evidence(f, "denied_apis", "%s",
				     join_list(list, sizeof(list), hm->denied_apis, h->ndenied_apis));
	err |= finding__add_evidence(f, "calls_in_hour", "%" PRIu32, h->events);
	err |= finding__add_evidence(f, "baseline_denied_per_hour", "%.1f", id->denied.mean);
	return finding__finish(d, f, err);
}

static int denied_hour(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	/* denied_min is never 0 (config_fill): no denial, nothing to judge */
	return h->denied ? denied_judge(d, id, h) : 0;
}

const struct rule rule_access_denied_cluster = {
	.id = "access-denied-cluster",
	.hour = denied_hour,
};
