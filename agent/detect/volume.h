/* agent/detect internals: hourly volume baselines per source IP and per
 * bucket, whoever the caller (baselines per principal are in baseline.c).
 *
 * In:  every event (its interned IP, bucket, principal and user agent).
 * Out: when an entity's hour closes, the bucket rules judge it against the
 *      entity's baseline as it was; then the baseline learns the hour.
 *
 * Bounded: at most VOL_MAX entities; events of entities past the bound are
 * counted (detector_stats.volume_dropped), not tracked. */
#ifndef GW_DETECT_VOLUME_H
#define GW_DETECT_VOLUME_H

#include "detect/detect_internal.h"
#include "lib/slab.h"

#define VOL_MAX (1u << 16)          /* IPs and buckets together */
#define VOL_READERS 4               /* principals remembered per open hour */
#define VOL_SAMPLES_CHUNK 128       /* sample blocks to a slab chunk */

enum { VOL_IP = 1, VOL_BUCKET = 2 };

struct vol_ent {
	const char *key;            /* interned IP or bucket */
	uint8_t kind;               /* VOL_IP or VOL_BUCKET */
	uint8_t open, nsamples, nreaders;
	uint16_t active_days, cur_day;
	struct ewma ev, reads;      /* per active hour */
	/* The open hour. */
	int64_t start, first_t, last_t;
	uint32_t events, nreads, readers_more;
	uint64_t read_bytes;
	/* A bucket's hour only (an address keeps neither, and its entry is
	 * allocated without them: never read them through an address's): */
	const char *readers[VOL_READERS];   /* principals that read, and how much */
	uint32_t reader_n[VOL_READERS];
	const char *reader_ip[VOL_READERS], *reader_ua[VOL_READERS], *reader_key[VOL_READERS];
	uint8_t reader_cloud[VOL_READERS];
	const char *samples[GW_FINDING_MAX_SAMPLES];
};

struct volume {
	struct detector *d;
	const struct detector_config *cfg;
	struct vol_ent **tab;
	size_t nslots, count;
	uint64_t *dropped;
	uint64_t aged;              /* entities forgotten after their idle time */
	size_t ent_bytes;           /* of the entries (an address's is the shorter) */
	struct slab samples;        /* the open hours' samples (samples__add) */
};

struct volume *volume__new(struct detector *d, const struct detector_config *cfg,
			   uint64_t *dropped);
void volume__free(struct volume *v);
/* One event: strings interned by the caller (object is not). 0 or -ENOMEM. */
int volume__feed(struct volume *v, const struct audit_event *ev, const char *principal,
		 const char *ip, const char *ua, const char *bucket, const char *key);
void volume__flush(struct volume *v);
/* Find or add (loading saved baselines): NULL at the bound (*err 0) or on
 * allocation failure (*err -ENOMEM). */
struct vol_ent *volume__get(struct volume *v, const char *key, int kind, int *err);
const struct vol_ent *volume__find(const struct volume *v, const char *key, int kind);
size_t volume__bytes(const struct volume *v);
/* Forget the IPs and buckets idle past their time (as identities are, see
 * baseline.c): once a stream day. */
void volume__age(struct volume *v, uint16_t today);
/* Close the open hours that started before `before` (their entity went
 * quiet), as the flush would. */
void volume__close_idle(struct volume *v, int64_t before);
uint64_t volume__aged(const struct volume *v);
/* Mark the interned strings the table keeps (see struct strmark). */
void volume__strings(const struct volume *v, struct strmark *m);

/* The bucket rule (rule_bucket_read_spike.c): e's hour closed, e's baseline is
 * as it was before it. 0 or -ENOMEM. */
int bucket_spike__judge(struct detector *d, const struct volume *v, const struct vol_ent *e);

#endif
