/* Rule "new-user-agent": an established identity uses a user-agent family it
 * has not used in the first-seen TTL. A programmatic SDK (Boto3, aws-cli,
 * gsutil, AzCopy ...) from a new IP scores higher, a penetration-testing
 * distribution (Kali, Parrot, Pacu) highest. MITRE T1078.004. */
#include <errno.h>
#include <stdio.h>

#include "detect/detect_internal.h"

/* Out of line: most hours give the rule nothing, and its quick test below
 * then costs no stack frame. */
__attribute__((noinline))
static int ua_judge(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	const struct hour_new *hm = hour__new(h);
	int err = 0, sdk = 0, pentest = 0, s, p, from_new = 0;
	struct finding *f;
	double score;
	char buf[64];
	size_t bi = 0;

	if (!h->established || !h->nnew_uas)
		return 0;
	for (size_t i = 0; i < h->nnew_uas; i++) {
		ua_family(hm->new_uas[i], buf, sizeof(buf), &s, &p);
		if (p > pentest || (s && hm->new_ua_ip_new[i] && !from_new)) {
			bi = i;
			from_new = s && hm->new_ua_ip_new[i];
		}
		pentest |= p;
		sdk |= s;
	}
	score = pentest ? 85.0 : from_new ? 55.0 : 30.0;
	f = finding__from_hour(&rule_new_user_agent, "New user-agent family for this identity",
			       pentest ? GW_SEV_HIGH : from_new ? GW_SEV_MEDIUM : GW_SEV_LOW,
			       score, id, h);
	if (!f)
		return -ENOMEM;
	f->mitre[f->nmitre++] = "T1078.004";
	err |= finding__at(f, hm->new_ua_ips[bi], hm->new_uas[bi]);
	err |= finding__add_evidence(f, "user_agent", "%s", hm->new_uas[bi]);
	err |= finding__add_evidence(f, "family", "%s", hm->new_ua_fams[bi]);
	err |= finding__add_evidence(f, "programmatic_sdk", "%s", sdk ? "true" : "false");
	err |= finding__add_evidence(f, "from_new_ip", "%s", from_new ? "true" : "false");
	err |= finding__add_evidence(f, "pentest_distribution", "%s", pentest ? "true" : "false");
	return finding__finish(d, f, err);
}

static int ua_hour(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	return h->established && h->nnew_uas ? ua_judge(d, id, h) : 0;
}

const struct rule rule_new_user_agent = {
	.id = "new-user-agent",
	.hour = ua_hour,
};
