/* Rule "cross-account-copy": an established identity copies objects into a
 * bucket the organisation has never used itself — the shape of exfiltration
 * to an attacker's account. MITRE T1537 (transfer data to cloud account). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "detect/detect_internal.h"

/* Out of line: most hours give the rule nothing, and its quick test below
 * then costs no stack frame. */
__attribute__((noinline))
static int copy_judge(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	const struct hour_more *hm = hour__more(h);
	struct finding *f;
	char list[512];
	int err = 0;

	if (!h->foreign_copies)
		return 0;
	f = finding__from_hour(&rule_cross_account_copy, "Objects copied to a bucket outside the organisation",
			       GW_SEV_HIGH, 85.0 + (h->foreign_copies >= 10 ? 10.0 : 0.0), id, h);
	if (!f)
		return -ENOMEM;
	f->mitre[f->nmitre++] = "T1537";
	f->count = h->foreign_copies;
	err |= finding__set(&f->bucket, hm->foreign_buckets[0]);
	err |= finding__add_evidence(f, "copies", "%" PRIu32, h->foreign_copies);
	err |= finding__add_evidence(f, "destination_buckets", "%s",
				     join_list(list, sizeof(list), hm->foreign_buckets, h->nforeign));
	return finding__finish(d, f, err);
}

static int copy_hour(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	return h->foreign_copies ? copy_judge(d, id, h) : 0;
}

const struct rule rule_cross_account_copy = {
	.id = "cross-account-copy",
	.hour = copy_hour,
};
