/* Rule "foreign-principal-access": a principal of an account that is not
 * ours reads, lists or writes our buckets. Ours: [detect] own_accounts when
 * set, else the account the record is about (CloudTrail's
 * recipientAccountId, the GCS project). Partners with a documented grant
 * ([detect] partner_accounts) are left alone. Reads and lists are medium,
 * writes and deletes high (data planted or destroyed from outside). One
 * finding per principal, bucket, kind of access and hour.
 * MITRE T1530 (data from cloud storage), T1078.004 (valid cloud accounts),
 * T1565.001 for writes. */
#include <errno.h>
#include <stdlib.h>

#include "detect/evagg.h"

enum { SUB_READ = 0, SUB_WRITE = 1 };

static int foreign_emit(struct evagg *a, const struct evagg_ent *e)
{
	struct finding *f;
	char list[512];
	int err = 0;

	f = evagg__finding(a, e, e->sub == SUB_WRITE ?
			   "A principal of a foreign account writes into our bucket" :
			   "A principal of a foreign account reads our bucket");
	if (!f)
		return -ENOMEM;
	f->mitre[f->nmitre++] = "T1530";
	f->mitre[f->nmitre++] = "T1078.004";
	if (e->sub == SUB_WRITE)
		f->mitre[f->nmitre++] = "T1565.001";
	err |= evagg__evidence(f, e);
	err |= finding__add_evidence(f, "objects", "%s",
				     join_list(list, sizeof(list), e->samples, e->nsamples));
	err |= finding__add_evidence(f, "remediation", "%s",
		"Find the bucket policy, ACL or IAM binding that grants the foreign account "
		"access and remove it; if the access is intended, list the account in "
		"[detect] partner_accounts");
	return finding__finish(a->d, f, err);
}

static void *foreign_new(struct detector *d, const struct detector_config *cfg)
{
	(void)cfg;
	return evagg__new(d, &rule_foreign_principal_access, foreign_emit, NULL);
}

static int foreign_feed(void *state, const struct audit_event *ev)
{
	struct evagg *a = state;
	int write, err;

	if (ev->outcome != GW_OUT_OK || !ev->bucket || !*ev->bucket)
		return 0;
	write = ev->action == GW_ACT_OBJECT_WRITE || ev->action == GW_ACT_OBJECT_DELETE;
	if (!write && ev->action != GW_ACT_OBJECT_READ && ev->action != GW_ACT_LIST)
		return 0;
	if (!detector__principal_foreign(a->d, ev) ||
	    detector__account_is_partner(a->d, ev->principal_account))
		return 0;
	evagg__add(a, ev, write ? SUB_WRITE : SUB_READ, write ? GW_SEV_HIGH : GW_SEV_MEDIUM,
		   write ? 90.0 : ev->action == GW_ACT_OBJECT_READ ? 65.0 : 55.0, &err);
	return err;
}

static void foreign_flush(void *state)
{
	evagg__flush(state);
}

static void foreign_free(void *state)
{
	evagg__free(state);
}

const struct rule rule_foreign_principal_access = {
	.id = "foreign-principal-access",
	.new = foreign_new,
	.strings = evagg__rule_strings,
	.feed = foreign_feed,
	.flush = foreign_flush,
	.free = foreign_free,
};
