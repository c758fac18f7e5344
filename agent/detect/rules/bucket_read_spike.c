/* Rule "bucket-read-spike": object reads of one bucket in an hour far above
 * that bucket's own baseline, whoever reads — several principals each under
 * their own thresholds add up here. The finding names the principal that
 * read most (incidents group per principal) and lists the others.
 * MITRE T1530 (data from cloud storage). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/volume.h"

static size_t top_reader(const struct vol_ent *e)
{
	size_t top = 0;

	for (size_t i = 1; i < e->nreaders; i++)
		if (e->reader_n[i] > e->reader_n[top] ||
		    (e->reader_n[i] == e->reader_n[top] && strcmp(e->readers[i], e->readers[top]) < 0))
			top = i;
	return top;
}

static struct finding *spike_finding(const struct vol_ent *e, size_t top, double score)
{
	struct finding *f = calloc(1, sizeof(*f));
	uint64_t hash = GW_FNV64_INIT;
	int err = 0;

	if (!f)
		return NULL;
	f->rule_id = rule_bucket_read_spike.id;
	f->title = "Object reads of a bucket far above its baseline";
	f->severity = GW_SEV_HIGH;
	f->score = clamp100(score);
	f->start_ms = e->first_t;
	f->end_ms = e->last_t;
	f->cloud = e->reader_cloud[top];
	f->count = e->nreads;
	f->bytes = e->read_bytes;
	f->mitre[f->nmitre++] = "T1530";
	err |= finding__set(&f->principal, e->readers[top]);
	err |= finding__set(&f->access_key, e->reader_key[top]);
	err |= finding__set(&f->bucket, e->key);
	err |= finding__at(f, e->reader_ip[top], e->reader_ua[top]);
	for (size_t i = 0; i < e->nsamples && !err; i++) {
		err = finding__set(&f->samples[i], e->samples[i]);
		f->nsamples = i + 1;
	}
	hash = gw_fnv1a64(hash, f->rule_id, strlen(f->rule_id) + 1);
	hash = gw_fnv1a64(hash, e->key, strlen(e->key) + 1);
	hash = gw_fnv1a64(hash, &e->start, sizeof(e->start));
	if (err || asprintf(&f->id, "%016" PRIx64, hash) < 0) {
		f->id = NULL;
		finding__free(f);
		return NULL;
	}
	return f;
}

int bucket_spike__judge(struct detector *d, const struct volume *v, const struct vol_ent *e)
{
	const struct detector_config *cfg = detector__config(d);
	const struct vol_ent *ipe;
	const char *who[VOL_READERS];
	struct finding *f;
	char buf[512];
	size_t top;
	double ratio;
	int err = 0;

	if (e->active_days < cfg->baseline_days || !e->nreaders ||
	    !ewma__unusual(&e->reads, e->nreads, cfg->bucket_read_floor, 5.0, 6.0))
		return 0;
	top = top_reader(e);
	ratio = e->nreads / (e->reads.mean > 1.0 ? e->reads.mean : 1.0);
	f = spike_finding(e, top, 60.0 + (ratio > 20.0 ? 20.0 : ratio));
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < e->nreaders; i++)
		who[i] = e->readers[i];
	err |= finding__add_evidence(f, "bucket", "%s", e->key);
	err |= finding__add_evidence(f, "bucket_reads_in_hour", "%" PRIu32, e->nreads);
	err |= finding__add_evidence(f, "bucket_baseline_reads_per_hour", "%.1f", e->reads.mean);
	err |= finding__add_evidence(f, "bucket_baseline_sd", "%.1f", sqrt(e->reads.var > 0 ? e->reads.var : 0.0));
	err |= finding__add_evidence(f, "bucket_active_days", "%u", e->active_days);
	err |= finding__add_evidence(f, "readers", "%s%s", join_list(buf, sizeof(buf), who, e->nreaders),
				     e->readers_more ? ", ..." : "");
	err |= finding__add_evidence(f, "top_reader_reads", "%" PRIu32, e->reader_n[top]);
	ipe = *e->reader_ip[top] ? volume__find(v, e->reader_ip[top], VOL_IP) : NULL;
	if (ipe)
		err |= finding__add_evidence(f, "source_ip_baseline_requests_per_hour", "%.1f",
					     ipe->ev.mean);
	return finding__finish(d, f, err);
}

const struct rule rule_bucket_read_spike = {
	.id = "bucket-read-spike",
};
