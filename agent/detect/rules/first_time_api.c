/* Rule "first-time-api": an established identity calls an API or a service it
 * has not used in the first-seen TTL. A new service weighs more than a new
 * API of a service it already uses. MITRE T1526 (cloud service discovery). */
#include <errno.h>
#include <stdio.h>

#include "detect/detect_internal.h"

static int api_hour(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	struct finding *f;
	char list[512];
	double score;
	int err = 0;

	if (!h->established || (!h->nnew_apis && !h->nnew_services))
		return 0;
	score = 30.0 + 12.0 * h->nnew_services + 2.0 * h->nnew_apis;
	if (score > 75.0)
		score = 75.0;
	score += h->key_long_term ? 5.0 : 0.0;
	f = finding__from_hour(&rule_first_time_api, "First-time API or service for this identity",
			       h->nnew_services ? GW_SEV_MEDIUM : GW_SEV_LOW, score, id, h);
	if (!f)
		return -ENOMEM;
	f->mitre[f->nmitre++] = "T1526";
	err |= finding__at(f, h->ctx_ip, h->ctx_ua);
	err |= finding__add_evidence(f, "new_services", "%s",
				     join_list(list, sizeof(list), h->new_services, h->nnew_services));
	err |= finding__add_evidence(f, "new_apis", "%s",
				     join_list(list, sizeof(list), h->new_apis, h->nnew_apis));
	err |= finding__add_evidence(f, "active_days", "%u", id->active_days);
	return finding__finish(d, f, err);
}

const struct rule rule_first_time_api = {
	.id = "first-time-api",
	.hour = api_hour,
};
