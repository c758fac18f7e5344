/* Rule "new-source-ip": an established identity calls from an IP it has not
 * used in the first-seen TTL (30 days). An IP new to the whole organisation
 * scores higher, and so does a long-term access key. One finding per
 * identity-hour, naming every new IP. MITRE T1078.004 (valid cloud accounts). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "detect/detect_internal.h"

/* Out of line: most hours give the rule nothing, and its quick test below
 * then costs no stack frame. */
__attribute__((noinline))
static int nip_judge(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	const struct hour_new *hm;
	const struct detector_config *cfg;
	struct finding *f;
	char list[256];
	int org = 0, err = 0;
	double score;

	if (!h->established || !h->nnew_ips)
		return 0;
	hm = hour__new(h);
	cfg = detector__config(d);
	for (size_t i = 0; i < h->nnew_ips; i++)
		org |= hm->new_ip_org[i];
	score = 30.0 + (org ? 15.0 : 0.0) + (h->key_long_term ? 10.0 : 0.0);
	f = finding__from_hour(&rule_new_source_ip, "New source IP for this identity",
			       org ? GW_SEV_MEDIUM : GW_SEV_LOW, score, id, h);
	if (!f)
		return -ENOMEM;
	f->mitre[f->nmitre++] = "T1078.004";
	err |= finding__at(f, hm->new_ips[0], h->ctx_ip == hm->new_ips[0] ? h->ctx_ua : NULL);
	err |= finding__add_evidence(f, "new_ips", "%s",
				     join_list(list, sizeof(list), hm->new_ips, h->nnew_ips));
	err |= finding__add_evidence(f, "new_to_organisation", "%s", org ? "true" : "false");
	err |= finding__add_evidence(f, "not_seen_for_days", "%" PRIu32, cfg->seen_ttl_days);
	err |= finding__add_evidence(f, "active_days", "%u", id->active_days);
	err |= finding__add_evidence(f, "access_key_long_term", "%s",
				     h->key_long_term ? "true" : "false");
	return finding__finish(d, f, err);
}

static int nip_hour(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	return h->established && h->nnew_ips ? nip_judge(d, id, h) : 0;
}

const struct rule rule_new_source_ip = {
	.id = "new-source-ip",
	.hour = nip_hour,
};
