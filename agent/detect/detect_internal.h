/* agent/detect internals: the rule interface and small helpers for rules. */
#ifndef GW_DETECT_INTERNAL_H
#define GW_DETECT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "detect/detect.h"
#include "lib/hash.h"

#define GW_UNUSED __attribute__((unused))

struct ident;
struct hour_rec;
/* Marking the interned strings a state still holds (detector.c): once a
 * stream day the detector frees the parts of its string pool no state
 * points into any more. Every state that keeps interned strings between
 * events marks each of them, whatever its age; caches are emptied instead
 * (detector__strings_swept). Marking a string of another pool, a static
 * one or NULL is harmless. */
struct strmark;
void strmark__str(struct strmark *m, const char *s);
/* 1 once marking more changes nothing (every part of the pool holds a
 * marked string): a long walk over a state may stop there. */
int strmark__full(const struct strmark *m);
static inline void strmark__v(struct strmark *m, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strmark__str(m, v[i]);
}
struct correlator;
struct corr_slot;
struct host_window;

/* A rule: one file under agent/detect, registered in detector.c. Strings a
 * rule keeps between events are interned with detector__intern(), so they
 * outlive the event and compare by pointer. */
struct rule {
	const char *id;
	/* NULL with errno set on failure. */
	void *(*new)(struct detector *d, const struct detector_config *cfg);
	/* 0, or -ENOMEM (the detector counts the event as dropped). */
	int (*feed)(void *state, const struct audit_event *ev);
	/* Optional: start fetching the state feed() will look up for ev, so
	 * that its misses overlap the baseline's work instead of following
	 * it; called just before the baseline sees ev. No change of state. */
	void (*prefetch)(void *state, const struct audit_event *ev);
	/* Close every open window and emit what is due. */
	void (*flush)(void *state);
	void (*free)(void *state);
	/* Baseline rules: an identity's hour closed. id holds the baseline as it
	 * was before this hour; h what the hour saw. Any of the callbacks above
	 * may be NULL for such a rule. 0 or -ENOMEM. */
	int (*hour)(struct detector *d, struct ident *id, const struct hour_rec *h);
	/* Correlation rules (correlate/): the correlator owns their state and
	 * runs them; the callbacks above are NULL for them. window() sees each
	 * host window once its slot's bookkeeping is done, judge() each observed
	 * time slot once the audit delivery delay has passed. Either may be NULL. */
	void (*window)(struct correlator *c, const struct host_window *w);
	void (*judge)(struct correlator *c, const struct corr_slot *s);
	/* Mark every interned string the state keeps (see struct strmark);
	 * NULL when it keeps none. */
	void (*strings)(void *state, struct strmark *m);
	/* The pool was swept: empty the caches keyed by interned strings. */
	void (*swept)(void *state);
	/* The memory the state holds now, for state_bytes; NULL: little. */
	size_t (*bytes)(const void *state);
	/* Judges the whole account, not one gateway's keys, addresses or
	 * buckets: left to agents with [audit] scope = all. */
	int account_wide;
};

/* The registry (rules/registry.c): every rule, audit and correlation
 * alike, in one table of DETECTOR_NRULES, in the order they run. */
#define DETECTOR_NRULES 33
extern const struct rule *const detector_rules[];
/* The i-th rule, or NULL past the last. */
const struct rule *detector__rule(size_t i);

extern const struct rule rule_bulk_download;
extern const struct rule rule_new_source_ip;
extern const struct rule rule_first_time_api;
extern const struct rule rule_access_denied_cluster;
extern const struct rule rule_multi_region_burst;
extern const struct rule rule_enumeration_spike;
extern const struct rule rule_after_hours_access;
extern const struct rule rule_suspicious_source;
extern const struct rule rule_new_user_agent;
extern const struct rule rule_cross_account_copy;
extern const struct rule rule_read_volume;
extern const struct rule rule_bucket_read_spike;
extern const struct rule rule_anonymous_access;
extern const struct rule rule_root_activity;
extern const struct rule rule_foreign_principal_access;
extern const struct rule rule_sensitive_object_read;
extern const struct rule rule_first_sighting;
extern const struct rule rule_workload_credential_off_workload;
extern const struct rule rule_new_principal_denied;
extern const struct rule rule_public_exposure;
extern const struct rule rule_audit_logging_disabled;
extern const struct rule rule_protection_removed;
extern const struct rule rule_ransomware_encryption;
extern const struct rule rule_foreign_account_copy;
extern const struct rule rule_storage_credential_created;
extern const struct rule rule_mass_delete;
extern const struct rule rule_mass_overwrite;
/* correlation rules (correlate/) */
extern const struct rule rule_sensor_blinded;
extern const struct rule rule_unexpected_reader;
extern const struct rule rule_process_read_spike;
extern const struct rule rule_unaudited_reads;
extern const struct rule rule_credential_off_gateway;
extern const struct rule rule_new_client;

/* Intern s in the detector's own pool: NULL on failure. */
const char *detector__intern(struct detector *d, const char *s);
/* Intern s[0..len): NULL on failure. */
const char *detector__intern_n(struct detector *d, const char *s, size_t len);
/* The same for a string of an audit event (already interned by its reader,
 * so its address is stable while the reader's pool lives): cached by
 * address, checked by content. */
const char *detector__intern_ev(struct detector *d, const char *s);
/* The string fields of an audit event that rules keep, most asked for
 * first: the first EVF_EVERY are looked up for every event. */
enum ev_field {
	EVF_PRINCIPAL,
	EVF_SOURCE_IP,
	EVF_USER_AGENT,
	EVF_BUCKET,
	EVF_ACCESS_KEY,
	EVF_REGION,
	EVF_API,
	EVF_SERVICE,
	EVF_ACCOUNT,
	EVF_EVERY,
	EVF_PRINCIPAL_ACCOUNT = EVF_EVERY,
	EVF_CREATED,
	EVF_ERROR_CODE,
	EVF_REQUEST_ID,
	EVF_COUNT
};
/* The event being fed and the detector's copies of its fields looked up
 * so far (NULL: not yet). A struct detector starts with one, so that
 * detector__ev_str() reads it without a call. */
struct ev_strs {
	const struct audit_event *ev;         /* NULL between events */
	const char *out[EVF_COUNT];
};
const char *detector__ev_str_slow(struct detector *d, const struct audit_event *ev,
				  enum ev_field f);
/* detector__intern_ev(d, <ev's field f>), looked up once for the event
 * being fed however many rules ask (any other event works too, uncached). */
static inline const char *detector__ev_str(struct detector *d, const struct audit_event *ev,
					   enum ev_field f)
{
	const struct ev_strs *c = (const struct ev_strs *)(const void *)d;

	if (ev == c->ev && c->out[f])
		return c->out[f];
	return detector__ev_str_slow(d, ev, f);
}
/* Hand a finding (calloc'd, strings malloc'd) to the detector, which owns it
 * from then on, even on failure. Returns 0 or -ENOMEM (finding dropped). */
int detector__emit(struct detector *d, struct finding *f);
/* A rule could not track one more entity (its table is full). */
void detector__entity_dropped(struct detector *d);
/* A held finding was withdrawn: its operation's result record said it failed. */
void detector__finding_failed(struct detector *d);

/* Sample object keys of an open hour: copies owned by their holder, not
 * interned, so that a day of distinct keys does not fill the string pool
 * (which is swept once a day); the holder frees them when the hour
 * closes. samples__add keeps key (when non-empty) while fewer than
 * GW_FINDING_MAX_SAMPLES are kept: 0 or -ENOMEM. The copies share one
 * block (v[0]): one of sl's SAMPLES_BLOCK-byte blocks while they fit in
 * it (no allocation per read), else the heap's; a holder moves them only
 * as a whole, and gives them back with samples__clear and the same sl. */
#define SAMPLES_BLOCK 128
struct slab;
int samples__add(struct slab *sl, const char **v, uint8_t *n, const char *key);
void samples__clear(struct slab *sl, const char **v, uint8_t *n);

/* Counts per interned string, bounded: past `max` distinct keys new keys
 * are counted in `overflow` only. The empty string is not counted. */
struct tally {
	const char **keys;
	uint32_t *counts;
	size_t n, cap, max;
	uint64_t overflow;
};

void tally__init(struct tally *t, size_t max);
int tally__add(struct tally *t, const char *key);
/* The most frequent key ("" when none); ties go to the smaller string so
 * the answer does not depend on hash order. */
const char *tally__top(const struct tally *t);
void tally__free(struct tally *t);


/* ---- baselines (baseline.c) ---- */

/* EWMA of mean and variance, over active hours (or days). */
struct ewma {
	float mean, var;
	uint32_t n;
};

/* First-seen set: interned string and kind -> last day seen (days since
 * 1970), forgotten after the TTL. Bounded; past the bound a key counts as
 * seen (and as a drop). */
/* SEEN_REGION: no longer kept (baseline.c, note_names); read from files
 * written before, where it ages out. */
enum { SEEN_IP = 1, SEEN_UA, SEEN_API, SEEN_SERVICE, SEEN_REGION, SEEN_BUCKET };
struct seen_set {
	/* One block of cap slots, by column (11 bytes a slot, not the 16 of
	 * a struct with its padding): the keys (NULL: empty), then their
	 * last days (seen__day) and kinds (seen__kind). */
	const char **key;
	uint32_t n, cap, max;
	uint16_t purged;             /* day of the last purge at the bound */
	uint8_t lent;                /* key is a block lent by the owner (seen__lend): not freed */
};
#define SEEN_SLOT (sizeof(const char *) + sizeof(uint16_t) + sizeof(uint8_t))
static inline uint16_t *seen__day(const struct seen_set *s)
{
	return (uint16_t *)(void *)(s->key + s->cap);
}
static inline uint8_t *seen__kind(const struct seen_set *s)
{
	return (uint8_t *)(seen__day(s) + s->cap);
}

#define HOUR_SET 8
/* The open hour's caches of the addresses and user agents already looked
 * at: most identities use one or two an hour, and a miss only looks again
 * (an hour's events fall on one day, so the look finds what it found). */
#define HOUR_CACHE 2
#define HOUR_LIST_BUCKETS 32
#define IDENT_RECENT_REGIONS 8
/* Slots of an identity's first-seen block: what a set bounded above 16
 * starts with (seen.c, seen_first_cap). */
#define IDENT_SEEN_FIRST 24

/* The rarely filled sets of an open hour, in two blocks that are each
 * allocated when the hour first needs one and freed when it closes; valid
 * up to the hour's counts. The things new to the identity: */
struct hour_new {
	const char *new_ips[HOUR_SET];
	uint8_t new_ip_org[HOUR_SET];
	const char *new_uas[HOUR_SET];      /* full user agent */
	const char *new_ua_fams[HOUR_SET];  /* its family */
	uint8_t new_ua_ip_new[HOUR_SET];    /* ... seen from an IP new to the identity */
	const char *new_ua_ips[HOUR_SET];   /* ... and from this IP */
};

/* Denials, listed sources and foreign buckets: */
struct hour_more {
	const char *denied_apis[HOUR_SET];
	const char *denied_ips[HOUR_SET];   /* where the denials came from, and how many */
	const char *denied_uas[HOUR_SET];
	uint32_t denied_ip_n[HOUR_SET];
	const char *intel_ips[HOUR_SET];
	const char *intel_labels[HOUR_SET];
	uint8_t intel_kind[HOUR_SET];
	const char *foreign_buckets[HOUR_SET];
};

/* What one identity did in one hour: counts and the new things. Offline
 * every identity keeps an hour open until its next event, so this is
 * memory per identity: no padding, and within four cache lines. */
struct hour_rec {
	/* Scalars and counts: zeroed when the hour opens. */
	int64_t start, first_t, last_t;
	uint64_t read_bytes;
	uint32_t events, reads, lists, denied, writes;
	uint32_t day_reads;          /* object reads this UTC day, this hour included */
	uint32_t list_buckets_more;  /* distinct buckets past the array */
	uint32_t foreign_copies;
	const char *ip, *ua, *key, *region, *bucket;   /* the hour's first (non-empty) */
	const char *ctx_ip, *ctx_ua; /* the first call with anything new */
	struct hour_new *nw;         /* NULL until one of its sets is filled */
	struct hour_more *more;      /* likewise */
	/* The buckets listed (nlist_buckets, at most HOUR_LIST_BUCKETS), and
	 * the APIs and services new to the identity (nnew_apis, nnew_services,
	 * at most HOUR_SET each): room for two allocated on the first, doubled
	 * as they come; most hours hold one or none. */
	const char **list_buckets, **new_apis, **new_services;
	uint8_t key_long_term, established, cloud, nips, nuas, regions_6h;
	uint8_t ndenied_apis, nlist_buckets, nnew_ips;
	uint8_t nnew_apis, nnew_services, nnew_uas, nintel, ndenied_ips, nforeign, nsamples;
	/* Arrays: valid up to their count, never read past it, so not zeroed. */
	const char *ips[HOUR_CACHE];         /* cache of IPs already looked at */
	const char *uas[HOUR_CACHE];         /* ... and user agents */
	const char *samples[GW_FINDING_MAX_SAMPLES];
};
_Static_assert(sizeof(struct hour_rec) <= 256, "an open hour fits four cache lines");
#define HOUR_REC_ZERO offsetof(struct hour_rec, ips)

/* An hour's rare sets for reading: an empty block when it has none (its
 * counts are then all zero). */
extern const struct hour_new hour_new_none;
extern const struct hour_more hour_more_none;
static inline const struct hour_new *hour__new(const struct hour_rec *h)
{
	return h->nw ? h->nw : &hour_new_none;
}
static inline const struct hour_more *hour__more(const struct hour_rec *h)
{
	return h->more ? h->more : &hour_more_none;
}


/* One identity's baseline. What every event reads or writes comes first
 * (with the recent regions, the first three cache lines); what an hour's
 * close or a new day touches follows. */
struct ident {
	const char *name;            /* interned principal: the table's key */
	const char *account;
	struct hour_rec *h;          /* the open hour, or NULL */
	struct seen_set seen;
	uint16_t first_day, last_day, active_days, cur_day;
	uint8_t max_regions_6h, read_days_hot, cloud, fired_day, pop_joined, pop_taught;
	uint32_t day_reads_acc;
	uint32_t peak_hour;          /* its busiest hour of reads so far */
	struct {
		const char *region;
		int64_t t;
	} recent[IDENT_RECENT_REGIONS];
	uint32_t peak_day;           /* ... and day */
	struct ewma ev, reads, rbytes, lists, lbuckets, denied, day_reads;
	/* Its role's sessions, its kind (population.c), and everyone of its
	 * principal type in the organisation (which teaches nothing: it only
	 * counts who is busy the same day, see read-volume). */
	struct population *pop[3];
	uint8_t how[168];            /* active hours per hour-of-week slot (saturating) */
	/* The first-seen set's first block, lent to it (seen__lend): made
	 * with the identity, not allocated on its first event, and beside it.
	 * Last: the per-event lines above stay as they were. */
	_Alignas(8) unsigned char seen_block[IDENT_SEEN_FIRST * SEEN_SLOT];
};

struct baseline;

struct baseline *baseline__new(struct detector *d, const struct detector_config *cfg);
void baseline__free(struct baseline *b);
/* 0 or -ENOMEM; calls the rules' hour() for each hour it closes. */
int baseline__feed(struct baseline *b, const struct audit_event *ev);
/* Start fetching what baseline__feed() will read for an event fed a
 * little later, whose fields every event looks up are str (the
 * detector's copies, NULL where not known yet), in two stages a few
 * events apart: 0 the identity's table slot, 1 the identity, its open
 * hour and the first-seen slots the event touches, as the slot tells.
 * Reads only. */
void baseline__prefetch(const struct baseline *b, const char *const str[], int stage);
void baseline__flush(struct baseline *b);
/* Other principals seen with this IP or user agent (interned); n found. */
size_t baseline__related(const struct baseline *b, const char *key, const char *self,
			 const char **out, size_t max);
size_t baseline__bytes(const struct baseline *b);
/* Baselines to f / back from bytes (baseline_io.c): 0 or a negative errno
 * (-EINVAL: not a baseline file of this version, or damaged). */
int baseline__save(const struct baseline *b, FILE *f);
int baseline__load(struct baseline *b, const uint8_t *p, size_t n);
/* The identity's baseline, or NULL when it has none. */
const struct ident *baseline__find(const struct baseline *b, const char *name);
uint64_t baseline__identities(const struct baseline *b);
/* Mark the strings of the baselines (identities, first-seen sets, open
 * hours, related principals, volume), and empty their caches after a sweep. */
void baseline__strings(const struct baseline *b, struct strmark *m);
void baseline__swept(struct baseline *b);
void seen__strings(const struct seen_set *s, struct strmark *m);
/* Drop the entries older than ttl days (they no longer count as seen). */
void seen__purge(struct seen_set *s, uint16_t today, uint16_t ttl);
void tally__strings(const struct tally *t, struct strmark *m);
/* Identities, IPs and buckets forgotten after their idle time. */
uint64_t baseline__aged(const struct baseline *b);

void seen__init(struct seen_set *s, uint32_t max);
/* Give an empty set its first block, of cap slots (SEEN_SLOT bytes each,
 * 8-byte aligned), which stays the caller's: never freed by the set, which
 * leaves it when it grows. */
void seen__lend(struct seen_set *s, void *block, uint32_t cap);
void seen__free(struct seen_set *s);
/* Returns 1 when key was seen within ttl days before today, 0 when not
 * (it is now), -ENOMEM. Past the set's bound: 1, and *dropped counts it. */
int seen__touch_slow(struct seen_set *s, const char *key, int kind, uint16_t today,
		     uint16_t ttl, uint64_t *dropped);
/* The slot where the probing for (key, kind) starts: the hash scaled to
 * cap, which need not be a power of two (sets grow by half or a third:
 * seen.c, seen_next_cap). */
static inline uint32_t seen__slot(const char *key, int kind, uint32_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)key ^ ((uint64_t)kind << 59);

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)(((h & 0xffffffffu) * cap) >> 32);
}
/* The keys a set of cap slots holds before it grows: 7/8 of them (the
 * sets are small, a few cache lines, where a longer probe costs little). */
static inline uint32_t seen__room(uint32_t cap)
{
	return (uint32_t)((uint64_t)cap * 7 / 8);
}
/* The slot probed after i. */
static inline uint32_t seen__next(uint32_t i, uint32_t cap)
{
	return i + 1 == cap ? 0 : i + 1;
}
/* Most touches find their key, or a new key its empty slot, in a set with
 * room to spare (and under its bound): that is done here, in the caller;
 * the rest (a set to make, grow or purge, the bound) in seen__touch_slow,
 * which does the same for them. */
static inline int seen__touch(struct seen_set *s, const char *key, int kind, uint16_t today,
			      uint16_t ttl, uint64_t *dropped)
{
	if (s->n < seen__room(s->cap)) {
		uint8_t *kinds = seen__kind(s);
		uint16_t *days = seen__day(s);
		uint32_t i;

		for (i = seen__slot(key, kind, s->cap); s->key[i]; i = seen__next(i, s->cap)) {
			if (s->key[i] == key && kinds[i] == kind) {
				int was = (uint16_t)(today - days[i]) <= ttl;

				days[i] = today;
				return was;
			}
		}
		if (!key || !*key)
			return 1;
		if (s->n < s->max) {
			s->key[i] = key;
			kinds[i] = (uint8_t)kind;
			days[i] = today;
			s->n++;
			return 0;
		}
	}
	return seen__touch_slow(s, key, kind, today, ttl, dropped);
}

/* Restore an entry with its day (loading saved state): 0 or -ENOMEM; past
 * the bound the entry is left out. */
int seen__put(struct seen_set *s, const char *key, int kind, uint16_t day);
/* 1 when key is in the set (whatever its age), else 0; no change. */
int seen__has(const struct seen_set *s, const char *key, int kind);
/* Start fetching key's slot and kind (a later touch or lookup then waits
 * less); inline, since the baselines call it for several keys an event. */
static inline void seen__prefetch(const struct seen_set *s, const char *key, int kind)
{
	uint32_t i;

	if (!s->key)
		return;
	i = seen__slot(key, kind, s->cap);
	__builtin_prefetch(&s->key[i]);
	__builtin_prefetch(&seen__kind(s)[i]);
}

/* x far above the baseline: at least floor, ratio x the mean and k sd above. */
int ewma__unusual(const struct ewma *e, double x, double floor, double ratio, double k);
/* Learn x: a plain mean and variance while history is short, then
 * exponential with weight alpha. Inline: an hour's close adds six. */
static inline void ewma__add(struct ewma *e, double x, double alpha)
{
	double a, d;

	e->n++;
	a = 1.0 / e->n > alpha ? 1.0 / e->n : alpha;
	/* Winsorize: one outlier must not teach the baseline that it is
	 * normal. The cap is at least mean + 1, so an x under that needs no
	 * square root (and rounding keeps the comparison exact). */
	if (e->n > 8 && x > e->mean + 1.0) {
		double cap = e->mean + 3.0 * __builtin_sqrt(e->var) + 1.0;

		if (x > cap)
			x = cap;
	}
	d = x - e->mean;
	e->mean += (float)(a * d);
	e->var = (float)((1.0 - a) * (e->var + a * d * d));
}

/* Calls the hour() of every rule. */
int detector__close_hour(struct detector *d, struct ident *id, const struct hour_rec *h);
const struct detector_config *detector__config(const struct detector *d);
/* 1 when an established identity's own hourly reads make n reads over
 * span_ms ordinary for it (the finding is then counted, not kept). */
int detector__reads_normal(struct detector *d, const char *principal, uint64_t n,
			   int64_t span_ms);
uint64_t *detector__seen_dropped(struct detector *d);
uint64_t *detector__volume_dropped(struct detector *d);

/* ---- population baselines (population.c) ---- */
/* What the established identities of one kind do: judged with by
 * identities that have no baseline of their own yet. Only members with a
 * baseline of their own (baseline_days active days) teach it, so a kind
 * whose members are all new teaches nothing. Volumes are each member's
 * own peak (busiest hour, busiest day), one entry per member, so a nightly
 * job is compared with other members' peaks, not with a round-the-clock
 * service's many quiet hours. Histograms in quarter octaves. */
#define POP_HIST 96
#define POP_RATIO 3.0                /* far above the population: three times ... */
#define POP_QUANTILE 0.9             /* ... the peak of its busiest members */
struct population {
	const char *name;            /* interned: the table's key */
	uint32_t members;            /* every identity that joined */
	uint32_t established;        /* ... of which teach: their peaks are in */
	uint32_t member_days;        /* active days of the established members */
	uint32_t how[168];           /* their active hours per hour-of-week slot */
	uint32_t peak_hour[POP_HIST], peak_day[POP_HIST];
	uint16_t spike_day, spikes;  /* members read-volume found unusual that day */
};
struct populations;
struct populations *populations__new(void);
void populations__free(struct populations *p);
size_t populations__bytes(const struct populations *p);
/* The pool was swept: forget the names cached by their key. */
void populations__swept(struct populations *p);
/* The detector's populations (the baseline's), or NULL. */
struct populations *detector__populations(struct detector *d);
struct populations *baseline__populations(struct baseline *b);
/* Mark the populations' names (struct strmark). */
void populations__strings(const struct populations *p, struct strmark *m);
/* The population called name (interned), added when add is set; NULL when
 * absent or past the bound. */
struct population *populations__get(struct populations *p, const char *name, int add);
/* 1 when p has enough members and days to judge with. */
int population__ready(const struct population *p);
/* A member's peak moves from old to x (old 0 and new: a new entry). */
void population__move(uint32_t *hist, uint32_t old, uint32_t x, int is_new);
/* The q-quantile of a histogram (0 when empty). */
double population__level(const uint32_t *hist, double q);
/* Established members' active hours at an hour-of-week slot per member-week. */
double population__slot_share(const struct population *p, int slot);
/* coarse 0: an AWS role session's role (else NULL); 1: cloud|account|kind|type;
 * 2: its principal type across the organisation. */
const char *detector__population(struct detector *d, const struct audit_event *ev, int coarse);
/* The population an identity without its own baseline is judged with: its
 * role's sessions when ready, else its kind when ready, else NULL. */
const struct population *population__for(const struct ident *id);
/* What the reads of a principal are judged with: "own", its population's
 * name, or "floors" (no baseline of either). */
const char *detector__reads_basis(struct detector *d, const char *principal);

/* ---- our accounts (accounts.c) ---- */
/* 1 when account (AWS account id, GCP project, Azure subscription, any
 * case) is one of ours: one of [detect] own_accounts when set, else one
 * the logs fed so far belong to (learned before the rules see each event).
 * 0 for a foreign or empty account. */
int detector__account_is_own(struct detector *d, const char *account);
struct accounts;
struct accounts *accounts__new(struct detector *d, const struct detector_config *cfg);
void accounts__free(struct accounts *a);
/* 0 or -ENOMEM. */
int accounts__learn(struct accounts *a, const struct audit_event *ev);
int accounts__is_own(const struct accounts *a, struct detector *d, const char *account);
void accounts__strings(const struct accounts *a, struct strmark *m);

/* ---- per-identity hourly counts (hourly.c): mass-delete, mass-overwrite ---- */
/* One identity's hour: n is what the rule counts (objects deleted,
 * overwritten), base what its baseline is made of (the same, or every
 * object written); mean is the moving mean of base over the identity's
 * earlier active hours. */
struct hourly_ent {
	const char *principal;    /* interned; NULL: free slot */
	int64_t hour;
	uint32_t n;
	uint32_t base;
	uint8_t fired;
	float mean;
};
struct hourly {
	struct hourly_ent *t;
	size_t used, nslots, max;
	int64_t aged_hour;        /* the stream hour of the last aging pass */
};
/* At most max principals (max_identities). 0 or -ENOMEM. */
int hourly__init(struct hourly *b, uint32_t max);
void hourly__fini(struct hourly *b);
/* ev's principal's entry, rolled over to ev's hour, into *out (NULL when
 * the table is full: counted as a dropped entity). 0 or -ENOMEM. */
int hourly__get(struct hourly *b, struct detector *d, const struct audit_event *ev,
	       struct hourly_ent **out);
/* Mark the principals of the table (struct strmark). */
void hourly__strings(const struct hourly *b, struct strmark *m);
/* 1 once per hour when n reaches floor and factor times the mean. */
int hourly__crossed(struct hourly_ent *e, uint32_t floor, double factor);

/* ---- whose buckets and objects, which principals (principals.c) ---- */
/* 1 when account is one of [detect] partner_accounts. */
int detector__account_is_partner(struct detector *d, const char *account);
/* 1 when bucket is one of [detect] public_buckets. */
int detector__bucket_is_public(struct detector *d, const char *bucket);
/* The [detect] sensitive_objects glob (or built-in one) that the object
 * key matches, or NULL. */
const char *detector__sensitive_object(struct detector *d, const char *key);
/* 1 when principal matches one of [detect] privileged_principals. */
int detector__principal_privileged(struct detector *d, const char *principal);
/* 1 when ev's principal belongs to another account: own_accounts decide
 * when set and the event names the principal's account, else the parser's
 * kind (its account is not the one the record is about). */
int detector__principal_foreign(struct detector *d, const struct audit_event *ev);

/* The baseline of ev's principal (NULL when it has none), and whether the
 * principal is new: it has no established baseline and first appeared
 * after the first day of the stream (at the very start of a stream every
 * identity is merely unknown, not new). */
const struct ident *detector__ident(struct detector *d, const char *principal);
int detector__principal_new(struct detector *d, const struct audit_event *ev);
/* 1 when t falls outside business hours (Monday-Friday, [detect] hours). */
int detector__off_hours(struct detector *d, int64_t t);

/* ---- answers per operation name (single.c) ---- */
#define API_MEMO 16
/* What a pure function of an operation name says of it (a rule's tests of
 * ev->api against its lists), kept per name, by the detector's interned
 * copy, and function: asked once per name, not once per event. The names
 * may go when the pool is swept: api_memo__clear() then (a rule's strings
 * or swept callback). */
typedef unsigned (*api_class_fn)(const char *api);
struct api_memo {
	struct {
		const char *api;
		api_class_fn fn;
		unsigned cls;
	} e[API_MEMO];
};
/* fn(ev->api), remembered. */
unsigned api_memo__get(struct api_memo *m, struct detector *d, const struct audit_event *ev,
		       api_class_fn fn);
void api_memo__clear(struct api_memo *m);

/* ---- single-event rules (single.c): one request judged by its content ---- */
struct cJSON;
#define SINGLE_RECENT 64
#define SINGLE_OPS 16
/* Findings on Azure operations that only started, held per rule until the
 * operation's result record: at most this many, for at most this long. */
#define SINGLE_HELD 64
#define SINGLE_HOLD_MS (60 * 60 * 1000LL)

/* A finding on an Azure Activity Log start record (Started, Accepted): the
 * operation's result comes in a later record of the same correlation id.
 * Emitted when that record says it succeeded, withdrawn when it failed,
 * emitted as "result not logged" after SINGLE_HOLD_MS or at flush. */
struct single_held {
	char *id;                 /* the correlation id, a copy */
	int64_t time_ms;          /* the start record's */
	struct finding *f;
};

/* A single-event rule's state: the detector and the operations it fired
 * on lately (Azure logs an operation's start and its end with one
 * correlation id; both may carry the request). */
struct single {
	struct detector *d;
	const char *recent[SINGLE_RECENT];
	unsigned pos;
	/* how many of recent fall in each bucket of their address's hash: a
	 * zero answers "not fired on" without scanning recent */
	uint8_t in_bucket[SINGLE_RECENT * 2];
	/* single__op()'s answers: the detector's copy of an operation name
	 * (valid until the pool's next sweep, which clears them), a needle */
	struct {
		const char *api, *needle;
		uint8_t has;
	} ops[SINGLE_OPS];
	struct api_memo apis;       /* single__api()'s answers, emptied likewise */
	struct single_held *held;   /* SINGLE_HELD slots once an Azure start hit */
	unsigned nheld;
	int64_t held_due;           /* the oldest held finding's time + SINGLE_HOLD_MS */
};

/* What a single-event rule found in one request. Strings are the caller's,
 * copied into the finding. */
struct single_hit {
	const char *title;        /* static */
	int severity;
	double score;
	const char *resource;     /* ARN, resource name or id the call changed */
	const char *change;       /* "before -> after" or what was asked */
	const char *remediation;  /* one line */
	const char *mitre[GW_FINDING_MAX_MITRE];   /* static, NULL-ended */
};

/* The strongest of what a rule found in one request, so far: sev -1 when
 * nothing. single__hit keeps the new one when it is stronger. */
struct single_best {
	int sev;
	double score;
	char change[256];
	const char *fix;          /* static */
};
/* Empty: nothing found yet. Cheaper than an initializer, which clears
 * the whole change buffer for every event a rule looks at. */
static inline void single_best__init(struct single_best *b)
{
	b->sev = -1;
	b->score = 0;
	b->change[0] = '\0';
	b->fix = NULL;
}
void single__hit(struct single_best *b, int sev, double score, const char *fix,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Emit b's finding on ev when it holds one (title and MITRE as given):
 * 0 or -ENOMEM. */
int single__report(struct single *s, const struct rule *r, const struct audit_event *ev,
		   const struct single_best *b, const char *title, const char *const *mitre);

/* A single-event rule's reading of one request per cloud (NULL: that
 * cloud's logs cannot express it), with the finding's title and MITRE ids.
 * A judge decides from the event's fields first and asks single__request()
 * for the request's tree only when those leave it open: most events never
 * need it parsed. */
typedef void (*single_judge_fn)(struct single *s, const struct audit_event *ev,
				struct single_best *b);
struct single_judges {
	single_judge_fn aws, gcp, azure;
	const char *title;               /* static */
	const char *const *mitre;        /* static, NULL-ended */
};
/* single__fresh()'s answer where it is 0 for every rule alike and asks
 * nothing (no finding held, a failed call, an object read, a list): most
 * events, told inline before any call. */
static inline int single__skip(const struct single *s, const struct audit_event *ev)
{
	return !s->nheld && (ev->outcome != GW_OUT_OK || ev->action == GW_ACT_OBJECT_READ ||
			     ev->action == GW_ACT_LIST);
}
int single__judge_fresh(struct single *s, const struct rule *r, const struct audit_event *ev,
			const struct single_judges *j);
/* The whole feed of a single-event rule: skip what cannot be fresh, ask
 * the event's cloud, report the strongest. 0 or -ENOMEM. */
static inline int single__judge(struct single *s, const struct rule *r,
				const struct audit_event *ev, const struct single_judges *j)
{
	return single__skip(s, ev) ? 0 : single__judge_fresh(s, r, ev, j);
}

void *single__new(struct detector *d, const struct detector_config *cfg);
void single__free(void *state);
/* Let go of what a state that begins with struct single holds (its held
 * findings), for rules that free their state themselves. */
void single__release(struct single *s);
/* A rule's flush callback for states that begin with struct single: the
 * held findings are emitted, their result not logged. */
void single__flush(void *state);
/* A rule's strings callback for states that begin with struct single. */
void single__strings(void *state, struct strmark *m);
/* ev's request parsed, or NULL when it has none or it does not parse.
 * Parsed once for all rules (the last request is kept per thread).
 * Borrowed: valid until the next call in this thread for another request. */
const struct cJSON *single__request(const struct audit_event *ev);
/* 0 when ev's request cannot hold a member named name (any case), so that
 * a judge can skip parsing it: name is nowhere in its text, in any case,
 * and the text has no escape that could spell it. 1 when it may. */
int single__may_have(const struct audit_event *ev, const char *name);
/* Its requestParameters (CloudTrail), or NULL; borrowed the same way. */
const struct cJSON *single__params(const struct audit_event *ev);
/* A successful call that may change something and did not fire this rule
 * yet: 0 for failed calls, object reads and lists, and an Azure operation
 * (correlation id) that fired the rule already. Cheap: call it first. */
int single__fresh(struct single *s, const struct audit_event *ev);
/* str__icontains(ev->api, needle), remembered per operation name and
 * needle: the few operation names of a log are searched once. needle is a
 * static string. */
int single__op(struct single *s, const struct audit_event *ev, const char *needle);
/* fn(ev->api), remembered per operation name (api_memo__get()). */
unsigned single__api(struct single *s, const struct audit_event *ev, api_class_fn fn);
/* One finding on ev: 0 or -ENOMEM. */
int single__emit(struct single *s, const struct rule *r, const struct audit_event *ev,
		 const struct single_hit *h);

/* The resource a request names, into buf: arn:aws:s3:::bucket[/key] for
 * AWS, the resourceName (GCP) or resourceId (Azure) of the request (parsed
 * here: call it on a hit only). */
const char *single__resource(const struct audit_event *ev, char *buf, size_t len);
/* An Azure Activity record's request body (properties.requestbody, text or
 * object) as a new tree to cJSON_Delete, or NULL. */
struct cJSON *single__azure_body(const struct audit_event *ev);

/* The account that owns the bucket a copy writes into, when the record
 * says: CloudTrail's resources (the AWS::S3::Bucket entry of ev->bucket,
 * its accountId). "" when unknown. Valid until the next single__request. */
const char *single__dest_owner(const struct audit_event *ev);

/* The 12-digit AWS account of a policy principal ("123456789012",
 * "arn:aws:iam::123456789012:root") into buf (13 bytes or more); "" when
 * none. */
const char *single__aws_account_of(const char *principal, char *buf, size_t len);

/* JSON helpers: members looked up case-insensitively along a dotted path
 * ("a.b.c"); NULL when absent. */
const struct cJSON *json__path(const struct cJSON *o, const char *path);
/* A string (or the first string of an array), "" otherwise. */
const char *json__str(const struct cJSON *it);
/* true / "true" (any case): 1; false / "false": 0; else -1. */
int json__bool(const struct cJSON *it);
/* 1 when a string anywhere under it contains needle (case-insensitive). */
int json__has_str(const struct cJSON *it, const char *needle);
/* strcasecmp(a, b) == 0 with NULL as "". */
int str__ieq(const char *a, const char *b);
/* strcasestr(s, needle) != NULL, without its set-up cost on every call:
 * for the short operation names and ids that rules test per event. */
int str__icontains(const char *s, const char *needle);
/* 1 when the operation name ends with suffix (case-insensitive). */
int str__iends(const char *s, const char *suffix);

/* ---- glob lists (glob.c) ---- */
/* Globs (fnmatch syntax) matched in list order, any case, as
 * fnmatch(FNM_CASEFOLD) matches in the C locale, compiled once. The
 * patterns are borrowed: they must outlive the set. NULL entries are
 * skipped. NULL with errno set on failure. */
struct globs;
struct globs *globs__new(const char *const *pats, size_t n);
void globs__free(struct globs *g);
/* The first glob that matches, or NULL: a glob with a '/' is matched
 * against whole when whole is given, every other one against base. */
const char *globs__first(const struct globs *g, const char *whole, const char *base);
/* [detect] sensitive_objects (or the built-in list) and
 * privileged_principals, compiled (principals.c, held by the detector). */
struct globs *detector__globs_sensitive(struct detector *d);
struct globs *detector__globs_privileged(struct detector *d);
int principals__globs(const struct detector_config *cfg, struct globs **sensitive,
		      struct globs **privileged);

/* ---- threat intel (intel.c) ---- */
enum { INTEL_NONE = 0, INTEL_DENY, INTEL_TOR, INTEL_HOSTING, INTEL_ALLOW, INTEL_CLOUD };
struct intel;
struct intel *intel__new(void);
void intel__free(struct intel *t);
int intel__load(struct intel *t, const char *spec);
/* Longest match of ip in lists of kind (INTEL_NONE: any deny/tor/hosting
 * kind); the label (static or owned by t) and kind, or NULL. */
const char *intel__match(const struct intel *t, const char *ip, int want, int *kind);
uint64_t intel__prefixes(const struct intel *t);
/* 1 when cloud provider ranges are loaded (outside them means something). */
int intel__has_cloud(const struct intel *t);
const struct intel *detector__intel(const struct detector *d);

/* ---- incidents (incident.c) ---- */
/* Group findings into incidents, highest score first. 0 or -ENOMEM. */
int incidents__build(struct detector *d, const struct baseline *b,
		     const struct finding *const *fs, size_t n, struct incident ***out,
		     size_t *nout);
void incidents__free(struct incident **v, size_t n);
/* Which findings make one incident (incident_graph.c): grp[i] is the group
 * of fs[i] (the index of one of its findings). 0, -ENOMEM or -E2BIG. */
int incidents__group(struct detector *d, const struct finding *const *fs, size_t n,
		     uint32_t *grp);
/* Incident ids across rebuilds (incident_ids.c): each incident of v takes
 * the id of the earlier incident its earliest finding was in, if no other
 * took it; then *m remembers v's. 0 or -ENOMEM (ids left as built). */
struct incident_ids;
int incidents__carry_ids(struct incident **v, size_t n, struct incident_ids **m);
void incident_ids__free(struct incident_ids *m);
/* 1 when f comes from a host-correlated rule (correlate/). */
int incident__is_host(const struct finding *f);
/* The evidence prefix of the host process f is about ("" or "process_"),
 * NULL when none; and one field of it ("exe", "pid", "uid", "unit", "comm"). */
const char *incident__proc_prefix(const struct finding *f);
const char *incident__proc_ev(const struct finding *f, const char *prefix, const char *what);
/* A cloud finding's group key: its principal, or the one that created it. */
const char *incident__group_key(const struct finding *f);

/* The host side of an incident (incident_host.c). */
#define INCIDENT_MAX_PROCS 2
#define INCIDENT_LIST_LEN 512
struct incident_host {
	int nhost, ncloud, named;     /* findings of each side; 1: some name a principal */
	const struct finding *proc[INCIDENT_MAX_PROCS];   /* processes to isolate */
	const char *proc_pre[INCIDENT_MAX_PROCS];
	size_t nproc;
	const struct finding *spike, *blind;
	char clients[INCIDENT_LIST_LEN], unaudited[INCIDENT_LIST_LEN];
	char read_buckets[INCIDENT_LIST_LEN];
};
void incident_host__add(struct incident_host *h, const struct finding *f);
/* The host steps: containment (after the key's revocation) and review. */
int incident_host__contain(struct incident *in, const struct incident_host *h);
int incident_host__review(struct incident *in, const struct incident_host *h);
/* Fill in->timeline from in->findings. 0 or -ENOMEM. */
int incident__timeline(struct incident *in);
/* One remediation step (dropped past GW_INCIDENT_MAX_STEPS). 0 or -ENOMEM. */
int incident__step(struct incident *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append the items of a ", "-separated list that buf does not hold yet. */
void incident__merge(char *buf, size_t len, const char *items);
/* Mark (dead[i] = 1) the findings of groups that ended more than the
 * incident gap before now_ms: no later finding can join them. */
void incidents__expired(struct detector *d, const struct finding *const *fs, size_t n,
			int64_t now_ms, uint8_t *dead);

/* ---- finding helpers (finding_util.c) ---- */
/* What every finding built by a rule names: its rule and words, its span
 * and count, who and where (NULL strings: ""); the finding's id is the hash
 * of the rule, the principal and id_time, stable across runs. */
struct finding_head {
	const char *rule_id, *title;   /* static */
	int severity;
	double score;                  /* clamped to 0..100 */
	int64_t start_ms, end_ms, id_time;
	int cloud;
	uint64_t count;
	const char *principal, *access_key, *source_ip, *user_agent, *region, *bucket;
};
/* A finding from hd, the strings copied. NULL on allocation failure. */
struct finding *finding__new(const struct finding_head *hd);
/* A finding from an identity's hour: principal, key, ip, ua, region,
 * bucket, times, cloud and a stable id. NULL on allocation failure. */
struct finding *finding__from_hour(const struct rule *r, const char *title, int sev,
				   double score, const struct ident *id, const struct hour_rec *h);
/* Replace a finding's string with a copy of s: 0 or -ENOMEM. */
int finding__set(char **dst, const char *s);
/* Point f at the IP and user agent that made it (each if non-empty). */
int finding__at(struct finding *f, const char *ip, const char *ua);
/* Set f->why and f->next_step from the rule's template (explain.c), unless
 * set; left NULL only when out of memory. */
void finding__explain(struct finding *f);
/* Emit f unless err (then free it): 0 or -ENOMEM. */
int finding__finish(struct detector *d, struct finding *f, int err);
/* Hour of the week, 0 = Monday 00:00, in the time zone UTC+tz_min. */
int gw_hour_of_week(int64_t t, int32_t tz_min);
/* The business-hours time zone's offset from UTC at t, in minutes. */
int32_t detector__tz_min(const struct detector *d, int64_t t);
/* "a, b, c" of up to n strings into buf. */
const char *join_list(char *buf, size_t len, const char *const *v, size_t n);
/* A user agent's family: boto3, aws-cli, aws-sdk-go, gsutil, azcopy,
 * browser, ... written into buf; sets *sdk for programmatic clients and
 * *pentest for penetration-testing distributions. */
const char *ua_family(const char *ua, char *buf, size_t len, int *sdk, int *pentest);
static inline double clamp100(double s)
{
	return s > 100.0 ? 100.0 : s < 0.0 ? 0.0 : s;
}

#endif
