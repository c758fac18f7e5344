/* agent/detect: the baseline table's layout, shared by baseline.c (the
 * stream), baseline_keep.c (aging, marks, size) and baseline_io.c (saving
 * and loading it). */
#ifndef GW_DETECT_BASELINE_PRIV_H
#define GW_DETECT_BASELINE_PRIV_H

#include "detect/detect_internal.h"
#include "detect/volume.h"
#include "lib/slab.h"

#define HOUR_MS 3600000LL
#define DAY_MS 86400000LL
#define IDENT_SEEN_MAX 4096
#define ORG_SEEN_MAX (1u << 20)
#define RELATED_SLOTS (1u << 16)
#define RELATED_PER_KEY 4
/* Identities and hours to a slab chunk (lib/slab.h). */
#define SLAB_IDENTS 128
#define SLAB_HOURS 128
/* An hour's growing sets hold 2, 4, ... 32 entries: one slab per size. */
#define SET_CLASSES 5
_Static_assert(HOUR_SET <= 2 << (SET_CLASSES - 1) && HOUR_LIST_BUCKETS <= 2 << (SET_CLASSES - 1),
	       "an hour's sets fit the largest class");
#define UA_CACHE 1024
#define UA_WAYS 4
#define ALPHA_HOUR 0.02
#define ALPHA_DAY 0.1
/* An open hour this old (from its start) with no event since is closed:
 * an hour, and an hour's room for audit records delivered late. */
#define IDLE_CLOSE_MS (2 * HOUR_MS)

struct related {
	const char *key;
	const char *who[RELATED_PER_KEY];
	uint16_t day;                      /* the last day the key was used */
};

/* A slot of the identity table: the key beside its identity, so that a
 * probe reads one line, not the key's and the identity's; and, as of the
 * identity's last event, where its open hour and its first-seen slots
 * were, so that those are fetched with the identity, not after it. The
 * two are hints for prefetching only, never read through (a stale one
 * costs a useless fetch): see slot_hint in baseline.c. */
struct ident_slot {
	const char *name;                  /* id->name, or NULL: a free slot */
	struct ident *id;
	const struct hour_rec *h;          /* hint: id->h */
	uint64_t seen;                     /* hint: id->seen.key, its cap in the top 16 bits */
};
_Static_assert(IDENT_SEEN_MAX * 2 < 1 << 16, "a first-seen set's cap fits the hint's 16 bits");

struct baseline {
	struct detector *d;
	const struct detector_config *cfg;
	struct ident_slot *tab;
	size_t nslots, count;
	struct seen_set org;               /* IPs, organisation-wide */
	struct seen_set org_buckets;       /* the organisation's own buckets */
	struct related *rel;
	/* Identities, open hours and their rare sets: taken and given back
	 * here, not with malloc and free for each. */
	struct slab idents, hours, mores, news;
	struct slab sets[SET_CLASSES];     /* the class of room 2 << k */
	struct slab samples;               /* the hours' samples (samples__add) */
	size_t open, peak_open;            /* hours open now, and at most */
	size_t more_open, peak_more;       /* their rare sets (struct hour_more) */
	size_t new_open, peak_new;         /* ... and struct hour_new */
	size_t sets_bytes, peak_sets_bytes;     /* ... and their growing sets */
	struct ua_fam {
		const char *ua, *fam;
	} ua_cache[UA_CACHE];              /* sets of UA_WAYS (family_of) */
	uint64_t *dropped;
	struct volume *vol;                /* per source IP and per bucket */
	uint16_t aged_day;                 /* the stream day of the last aging pass */
	int64_t idle_hour;                 /* the stream hour of the last idle pass */
	uint64_t aged;                     /* identities forgotten after their idle time */
	struct populations *pops;          /* identities by kind (population.c) */
};

/* The slot an interned string's address hashes to, in a table of nslots
 * (a power of two). */
static inline size_t baseline__slot(const void *p, size_t nslots)
{
	uint64_t h = (uint64_t)(uintptr_t)p;

	h ^= h >> 31;
	h *= 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	return (size_t)h & (nslots - 1);
}

/* Whether an entity (an identity, an address, a bucket) last active on
 * cur_day is forgotten today: one not yet established (fewer than
 * baseline_days active days) holds little more than first-seen entries,
 * which expire after seen_ttl_days; an established one keeps its baseline
 * three times as long; one with an hour open is kept. */
static inline int baseline__stale(const struct detector_config *cfg, uint16_t active_days,
				  uint16_t cur_day, int open, uint16_t today)
{
	uint32_t ttl = cfg->seen_ttl_days;

	if (active_days >= cfg->baseline_days)
		ttl *= 3;
	return !open && (uint32_t)cur_day + ttl < today;
}

/* An identity and its open hour given back (baseline.c). */
void baseline__ident_free(struct baseline *b, struct ident *id);

/* Once a stream day: identities idle past their time forgotten, and the
 * first-seen entries past their TTL (baseline_keep.c). */
void baseline__age(struct baseline *b, uint16_t today);

/* Find or add an identity; NULL with *err 0 when the table is at its bound. */
struct ident *baseline__ident_get(struct baseline *b, const char *name, int *err);

#endif
