/* Rule "anonymous-access": the anonymous principal at work on our buckets,
 * in every format (CloudTrail's anonymous / ANONYMOUS_PRINCIPAL account,
 * an S3 access log requester "-", a GCS request with no principal, Azure
 * identity type Anonymous). Reads and lists are exposure in use (medium);
 * writes and deletes are someone planting or destroying data in a bucket
 * left open (high). Buckets public by design ([detect] public_buckets, a
 * website) are left alone; denied requests are the bucket holding.
 * One finding per bucket, kind of access and hour.
 * MITRE T1530 (data from cloud storage), T1565.001 (stored data
 * manipulation) for writes. */
#include <errno.h>
#include <stdlib.h>

#include "detect/evagg.h"

enum { SUB_READ = 0, SUB_WRITE = 1 };

static int anon_emit(struct evagg *a, const struct evagg_ent *e)
{
	struct finding *f;
	char list[512];
	int err = 0;

	f = evagg__finding(a, e, e->sub == SUB_WRITE ? "Anonymous writes into a bucket" :
			   "Anonymous reads of a bucket");
	if (!f)
		return -ENOMEM;
	f->mitre[f->nmitre++] = "T1530";
	if (e->sub == SUB_WRITE)
		f->mitre[f->nmitre++] = "T1565.001";
	err |= evagg__evidence(f, e);
	err |= finding__add_evidence(f, "distinct_source_ips", "%u%s", e->nips,
				     e->nips == EVAGG_SET ? " or more" : "");
	err |= finding__add_evidence(f, "objects", "%s",
				     join_list(list, sizeof(list), e->samples, e->nsamples));
	err |= finding__add_evidence(f, "remediation", "%s", e->sub == SUB_WRITE ?
		"Block public access to the bucket now (S3 Block Public Access, GCS public access "
		"prevention, Azure allowBlobPublicAccess false), then review and remove the objects "
		"written anonymously" :
		"Decide whether the bucket is meant to be public: if not, block public access and "
		"review what was read; if it is, list it in [detect] public_buckets");
	return finding__finish(a->d, f, err);
}

static void *anon_new(struct detector *d, const struct detector_config *cfg)
{
	(void)cfg;
	return evagg__new(d, &rule_anonymous_access, anon_emit, NULL);
}

static int anon_feed(void *state, const struct audit_event *ev)
{
	struct evagg *a = state;
	int write, err;

	if (ev->principal_kind != GW_PK_ANONYMOUS || ev->outcome != GW_OUT_OK)
		return 0;
	write = ev->action == GW_ACT_OBJECT_WRITE || ev->action == GW_ACT_OBJECT_DELETE ||
		ev->action == GW_ACT_PERMISSION;
	if (!write && ev->action != GW_ACT_OBJECT_READ && ev->action != GW_ACT_LIST)
		return 0;
	if (!write && detector__bucket_is_public(a->d, ev->bucket))
		return 0;
	evagg__add(a, ev, write ? SUB_WRITE : SUB_READ, write ? GW_SEV_HIGH : GW_SEV_MEDIUM,
		   write ? 90.0 : 60.0, &err);
	return err;
}

static void anon_flush(void *state)
{
	evagg__flush(state);
}

static void anon_free(void *state)
{
	evagg__free(state);
}

const struct rule rule_anonymous_access = {
	.id = "anonymous-access",
	.new = anon_new,
	.strings = evagg__rule_strings,
	.feed = anon_feed,
	.flush = anon_flush,
	.free = anon_free,
};
