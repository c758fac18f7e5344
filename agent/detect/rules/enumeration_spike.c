/* Rule "enumeration-spike": list calls far above the identity's baseline, or
 * many distinct buckets listed in one hour. MITRE T1619 (cloud storage object
 * discovery), T1580 (cloud infrastructure discovery). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "detect/detect_internal.h"

/* Out of line: most hours give the rule nothing, and its quick test below
 * then costs no stack frame. */
__attribute__((noinline))
static int enum_judge(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	const struct detector_config *cfg;
	uint32_t nb = h->nlist_buckets;
	int calls, many, err = 0;
	struct finding *f;
	char list[512];

	if (!h->established)
		return 0;
	cfg = detector__config(d);
	calls = ewma__unusual(&id->lists, h->lists, cfg->list_floor, 5.0, 6.0);
	many = ewma__unusual(&id->lbuckets, nb + h->list_buckets_more, cfg->list_buckets_floor,
			     3.0, 6.0);
	if (!calls && !many)
		return 0;
	f = finding__from_hour(&rule_enumeration_spike, "Enumeration spike", GW_SEV_MEDIUM,
			       50.0 + (calls ? 10.0 : 0.0) + (many ? 15.0 : 0.0), id, h);
	if (!f)
		return -ENOMEM;
	f->mitre[f->nmitre++] = "T1619";
	f->mitre[f->nmitre++] = "T1580";
	f->count = h->lists;
	err |= finding__add_evidence(f, "list_calls", "%" PRIu32, h->lists);
	err |= finding__add_evidence(f, "baseline_list_calls_per_hour", "%.1f", id->lists.mean);
	err |= finding__add_evidence(f, "buckets_listed", "%" PRIu32 "%s", nb,
				     h->list_buckets_more ? "+" : "");
	err |= finding__add_evidence(f, "baseline_buckets_per_hour", "%.1f", id->lbuckets.mean);
	err |= finding__add_evidence(f, "buckets", "%s",
				     join_list(list, sizeof(list), h->list_buckets, nb));
	return finding__finish(d, f, err);
}

static int enum_hour(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	return h->established ? enum_judge(d, id, h) : 0;
}

const struct rule rule_enumeration_spike = {
	.id = "enumeration-spike",
	.hour = enum_hour,
};
