/* Rule "mass-overwrite": one identity overwrites more objects in an hour
 * than MASS_OVERWRITE_FLOOR and far more than it writes in its usual hours
 * (ten times the moving mean of its whole-object writes per active hour):
 * objects replaced by encrypted copies, as ransomware does when versioning
 * or backups would undo a delete. An overwrite is a whole-object write
 * (PutObject, CompleteMultipartUpload, CopyObject; GCS objects.insert,
 * rewrite, copy, compose; Azure PutBlob, PutBlockList, CopyBlob) to a key
 * this detector saw exist before: read, written or copied earlier in the
 * log. The keys seen are kept as fingerprints of bucket and key in a fixed
 * table, so an attacker cannot grow it; when a set is full the oldest
 * entry of that set gives way. A job that rewrites its own objects every
 * night has the same number of writes in its baseline and stays quiet; a
 * bulk upload of new keys overwrites nothing. The finding is made on the
 * request that crosses the floor, once per identity and hour, with the
 * count, the identity's usual writes and sample keys.
 * MITRE T1485 (data destruction), T1486 (data encrypted for impact). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"
#include "lib/fasthash.h"

#define MASS_OVERWRITE_FLOOR 100
#define SEEN_SETS (1u << 16)      /* x SEEN_WAYS fingerprints: 2 MiB */
#define SEEN_WAYS 4
#define SAMPLES 8
#define SAMPLE_LEN 64

struct sample {
	const char *principal;    /* interned */
	char key[SAMPLE_LEN];
};

struct over {
	struct single s;          /* first: the single__* helpers take it */
	struct hourly b;
	uint64_t *seen;           /* SEEN_SETS x SEEN_WAYS fingerprints; 0: free */
	uint64_t next_fp;         /* the event's fingerprint from over_prefetch, or 0 */
	struct sample ring[SAMPLES];   /* the latest overwrites */
	unsigned pos;
};

static void *over_new(struct detector *d, const struct detector_config *cfg)
{
	struct over *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->s.d = d;
	o->seen = calloc((size_t)SEEN_SETS * SEEN_WAYS, sizeof(*o->seen));
	if (!o->seen || hourly__init(&o->b, cfg->max_identities) < 0) {
		free(o->seen);
		free(o);
		return NULL;
	}
	return o;
}

static void over_free(void *state)
{
	struct over *o = state;

	if (o) {
		hourly__fini(&o->b);
		free(o->seen);
		single__release(&o->s);
	}
	free(o);
}

/* The key's hash seeded with the bucket's (lib/fasthash.h, 16 bytes per
 * step where FNV-1a took one); never 0. The table lives in memory only,
 * so the hash may change between versions. */
static uint64_t fingerprint(const char *bucket, const char *key)
{
	uint64_t h = gw_fasthash(gw_fasthash(0, bucket, strlen(bucket)), key, strlen(key));

	return h ? h : 1;
}

static uint64_t *set_of(const struct over *o, uint64_t fp)
{
	return o->seen + (size_t)((fp >> 32) & (SEEN_SETS - 1)) * SEEN_WAYS;
}

/* Whether fp was seen; records it either way (the newest first in its set). */
static int seen__check_add(struct over *o, uint64_t fp)
{
	uint64_t *set = set_of(o, fp);
	size_t i;

	for (i = 0; i < SEEN_WAYS - 1 && set[i] && set[i] != fp; i++)
		;
	int hit = set[i] == fp;

	memmove(set + 1, set, i * sizeof(*set));
	set[0] = fp;
	return hit;
}

/* An operation that leaves a whole object under its key (by its name). */
static unsigned whole_write_api(const char *api)
{
	static const char *const apis[] = {
		"PutObject", "CompleteMultipartUpload", "CopyObject",
		"objects.insert", "objects.create", "objects.rewrite", "objects.copy",
		"objects.compose", "PutBlob", "PutBlockList", "CopyBlob", "CopyBlobFromURL",
		"PutBlobFromURL",
	};
	const char *a = strncmp(api, "storage.", 8) == 0 ? api + 8 : api;

	for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++)
		if (strcmp(a, apis[i]) == 0)
			return 1;
	return 0;
}

/* Up to three recent keys this principal overwrote, "a, b, c". */
static void samples_of(const struct over *o, const char *p, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned k = 0, got = 0; k < SAMPLES && got < 3; k++) {
		const struct sample *s = &o->ring[(o->pos + SAMPLES - 1 - k) % SAMPLES];
		int w;

		if (s->principal != p)
			continue;
		w = snprintf(buf + n, len - n, "%s%s", got ? ", " : "", s->key);
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
		got++;
	}
}

static int over_fire(struct over *o, const struct audit_event *ev, const struct hourly_ent *e)
{
	static const char *const mitre[] = { "T1485", "T1486", NULL };
	struct single_best b;
	char keys[160];

	samples_of(o, e->principal, keys, sizeof(keys));
	single_best__init(&b);
	single__hit(&b, GW_SEV_HIGH, 85.0, "Block the principal and restore the earlier object "
		    "versions or backups", "%u existing objects overwritten within the hour "
		    "(usual writes: %.0f); e.g. %s", e->n, (double)e->mean, keys);
	return single__report(&o->s, &rule_mass_overwrite, ev, &b,
			      "Objects overwritten en masse", mitre);
}

static int over_feed(void *state, const struct audit_event *ev)
{
	struct over *o = state;
	struct hourly_ent *e;
	int existed, rc;

	uint64_t fp = o->next_fp;

	o->next_fp = 0;
	if (ev->outcome != GW_OUT_OK || !*ev->bucket || !*ev->object_key)
		return 0;
	existed = seen__check_add(o, fp ? fp : fingerprint(ev->bucket, ev->object_key));
	if ((ev->action != GW_ACT_OBJECT_WRITE && ev->action != GW_ACT_OBJECT_COPY) ||
	    !single__api(&o->s, ev, whole_write_api) || !*ev->principal)
		return 0;
	rc = hourly__get(&o->b, o->s.d, ev, &e);
	if (rc < 0 || !e)
		return rc;
	e->base++;
	if (!existed)
		return 0;
	e->n++;
	o->ring[o->pos].principal = e->principal;
	snprintf(o->ring[o->pos].key, SAMPLE_LEN, "%s", ev->object_key);
	o->pos = (o->pos + 1) % SAMPLES;
	if (!hourly__crossed(e, MASS_OVERWRITE_FLOOR, 10.0))
		return 0;
	return over_fire(o, ev, e);
}

/* The fingerprint set the event's object falls in, fetched early; the
 * fingerprint is kept for over_feed, which follows for the same event. */
static void over_prefetch(void *state, const struct audit_event *ev)
{
	struct over *o = state;

	o->next_fp = 0;
	if (ev->outcome != GW_OUT_OK || !*ev->bucket || !*ev->object_key)
		return;
	o->next_fp = fingerprint(ev->bucket, ev->object_key);
	__builtin_prefetch(set_of(o, o->next_fp));
}

static void over_strings(void *state, struct strmark *m)
{
	struct over *s = state;

	single__strings(&s->s, m);
	hourly__strings(&s->b, m);
	for (size_t i = 0; i < SAMPLES; i++)
		strmark__str(m, s->ring[i].principal);
}

const struct rule rule_mass_overwrite = {
	.id = "mass-overwrite",
	.new = over_new,
	.feed = over_feed,
	.prefetch = over_prefetch,
	.flush = single__flush,
	.free = over_free,
	.strings = over_strings,
};
