/* De-duplication of audit events by the cloud's event id (see audit.h).
 *
 * The same record reaches a reader twice when exports overlap, an object is
 * delivered again or a log file is copied into two places. Each delivered
 * event leaves a 64-bit keyed hash of (cloud, event time, API, object key,
 * event id) in
 * a set of recent ids; an event whose hash is already there is counted as a
 * duplicate and not delivered. The hash is seeded at random per process, so
 * a log writer cannot aim a collision at another record.
 *
 * Memory is fixed: two generations of DEDUP_SLOTS hashes each (open
 * addressing, linear probing, with a byte of tag per slot that marks it
 * used and spares most probes a cache miss). The two generations' tags of
 * a slot sit side by side, so that a look-up in both (every new id asks
 * both) reads one cache line, not two. New ids go into the
 * current generation; when it holds DEDUP_MAX ids, or an event is more
 * than DEDUP_WINDOW_MS of event time newer than the oldest event in it,
 * the previous generation is dropped and the current one takes its place.
 * So the most recent DEDUP_MAX ids, within a day of event time, are always
 * remembered. Across restarts the pull cursors keep delivered objects from
 * being read again, so the set is not persisted.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "audit/audit_internal.h"
#include "lib/fasthash.h"
#include "lib/hugemem.h"

#define DEDUP_SLOTS ((size_t)1 << 18)       /* 2 MiB per generation */
#define DEDUP_MAX (DEDUP_SLOTS / 2)
#define DEDUP_WINDOW_MS ((int64_t)24 * 3600 * 1000)

struct dedup_gen {
	uint64_t *slot;           /* DEDUP_SLOTS entries, malloc'd on first use */
	uint8_t *tag;             /* a byte of each slot's hash, 0 for an empty one,
				   * at tag[2 * slot]: probes read these (L2-sized)
				   * and the slot only on a match */
	size_t n;
	int64_t first_ms;         /* oldest event time in this generation */
};

static struct {
	pthread_mutex_t mx;
	uint8_t *tags;            /* both generations' tags, interleaved */
	struct dedup_gen gen[2];  /* [cur], [cur ^ 1] is the previous one */
	int cur;
	uint64_t seed;
	int disabled;             /* no memory: deliver everything */
} dd = { .mx = PTHREAD_MUTEX_INITIALIZER };

static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

/* The per-process seed, drawn once: every hash reads it without a lock. */
static void seed_init(void)
{
	if (getrandom(&dd.seed, sizeof(dd.seed), GRND_NONBLOCK) != sizeof(dd.seed))
		dd.seed = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)&dd << 16);
}

static uint64_t key_of(int cloud, int64_t time_ms, const char *api, size_t alen,
		       const char *key, size_t klen, const char *id, size_t idlen)
{
	uint64_t h;

	pthread_once(&seed_once, seed_init);
	h = gw_fh_mix(dd.seed ^ ((uint64_t)cloud << 56), (uint64_t)time_ms ^ GW_FH_K2);
	h = gw_fasthash(h, api, alen);
	/* one S3 multi-object delete logs a line per key under one request id */
	h = gw_fasthash(h, key, klen);
	h = gw_fasthash(h, id, idlen);
	return h ? h : 1;
}

static uint64_t id_hash(const struct audit_event *ev, const char *id, size_t len)
{
	return key_of(ev->cloud, ev->time_ms, ev->api, strlen(ev->api), ev->object_key,
		      strlen(ev->object_key), id, len);
}

uint64_t audit_dedup__key_early(int cloud, int64_t time_ms, const char *api, size_t alen,
				const char *key, size_t klen, const char *id, size_t idlen)
{
	/* read without the lock: a stale table only loads a line for nothing */
	const uint8_t *t = __atomic_load_n(&dd.tags, __ATOMIC_RELAXED);
	uint64_t h;

	if (!idlen)
		return 0;
	h = key_of(cloud, time_ms, api, alen, key, klen, id, idlen);
	if (t)
		__builtin_prefetch(t + 2 * ((size_t)h & (DEDUP_SLOTS - 1)));
	return h;
}

static uint8_t tag_of(uint64_t h)
{
	return (uint8_t)((h >> 56) | 1);
}

static int gen_has(const struct dedup_gen *g, uint64_t h)
{
	size_t i = (size_t)h & (DEDUP_SLOTS - 1);
	uint8_t t = tag_of(h);

	if (!g->n)
		return 0;
	for (; g->tag[2 * i]; i = (i + 1) & (DEDUP_SLOTS - 1))
		if (g->tag[2 * i] == t && g->slot[i] == h)
			return 1;
	return 0;
}

static void gen_add(struct dedup_gen *g, uint64_t h, int64_t time_ms)
{
	size_t i = (size_t)h & (DEDUP_SLOTS - 1);

	while (g->tag[2 * i])
		i = (i + 1) & (DEDUP_SLOTS - 1);
	g->tag[2 * i] = tag_of(h);
	g->slot[i] = h;
	if (g->n++ == 0 || time_ms < g->first_ms)
		g->first_ms = time_ms;
}

static void gen_clear(struct dedup_gen *g)
{
	if (g->tag && g->n)
		for (size_t i = 0; i < DEDUP_SLOTS; i++)
			g->tag[2 * i] = 0;
	g->n = 0;
}

/* A table in huge pages where the system gives them: ids land anywhere in
 * it, so each of its small pages would fault and miss the TLB. Zeroed when
 * zero is set. */
static void *table_alloc(size_t size, int zero)
{
	void *p = huge__alloc(size);

	if (p && zero)
		memset(p, 0, size);
	return p;
}

static int dedup_init(void)
{
	uint8_t *t;

	if (!dd.tags) {
		if (!(t = table_alloc(2 * DEDUP_SLOTS, 1)))
			return -ENOMEM;
		__atomic_store_n(&dd.tags, t, __ATOMIC_RELAXED);
	}
	for (int i = 0; i < 2; i++) {
		if (!dd.gen[i].slot)
			dd.gen[i].slot = table_alloc(DEDUP_SLOTS * sizeof(*dd.gen[i].slot), 0);
		if (!dd.gen[i].slot)
			return -ENOMEM;
		dd.gen[i].tag = dd.tags + i;
	}
	return 0;
}

/* Make room for one more id in the current generation. */
static struct dedup_gen *gen_for(int64_t time_ms)
{
	struct dedup_gen *g = &dd.gen[dd.cur];

	if (g->n >= DEDUP_MAX || (g->n && time_ms - g->first_ms > DEDUP_WINDOW_MS)) {
		dd.cur ^= 1;
		g = &dd.gen[dd.cur];
		gen_clear(g);
	}
	return g;
}

/* Called with dd.mx held: 1 when h was seen, else 0 (and it is added). */
static int seen_locked(uint64_t h, int64_t time_ms)
{
	int seen;

	if (dd.disabled)
		return 0;
	seen = gen_has(&dd.gen[dd.cur], h) || gen_has(&dd.gen[dd.cur ^ 1], h);
	if (!seen)
		gen_add(gen_for(time_ms), h, time_ms);
	return seen;
}

/* Called with dd.mx held. */
static void init_locked(void)
{
	if (!dd.disabled && dedup_init() < 0)
		dd.disabled = 1;  /* allocation failed: deliver everything */
}

int audit_dedup__seen(const struct audit_event *ev, const char *id, size_t len)
{
	return id && len ? audit_dedup__seen_key(id_hash(ev, id, len), ev->time_ms) : 0;
}

int audit_dedup__seen_key(uint64_t key, int64_t time_ms)
{
	int seen;

	if (!key)
		return 0;
	pthread_mutex_lock(&dd.mx);
	init_locked();
	seen = seen_locked(key, time_ms);
	pthread_mutex_unlock(&dd.mx);
	return seen;
}

/* How many events ahead of the one checked audit_dedup__check_batch
 * fetches the line of tags of (a miss each: the table is larger than the
 * caches, and the reader's early fetch was on another core). */
#define DEDUP_AHEAD 8

static void tags_prefetch(uint64_t key)
{
	if (key)
		__builtin_prefetch(dd.tags + 2 * ((size_t)key & (DEDUP_SLOTS - 1)));
}

void audit_dedup__check_batch(const struct audit_event *const *evs, size_t n, uint8_t *dup)
{
	size_t i;

	if (!n)
		return;
	pthread_mutex_lock(&dd.mx);
	init_locked();
	for (i = 0; i < n && i < DEDUP_AHEAD && dd.tags; i++)
		tags_prefetch(evs[i]->dedup_key);
	for (i = 0; i < n; i++) {
		if (i + DEDUP_AHEAD < n && dd.tags)
			tags_prefetch(evs[i + DEDUP_AHEAD]->dedup_key);
		dup[i] = evs[i]->dedup_key ? (uint8_t)seen_locked(evs[i]->dedup_key, evs[i]->time_ms)
					   : 0;
	}
	pthread_mutex_unlock(&dd.mx);
}

uint64_t audit_dedup__key(const struct audit_event *ev, const char *id, size_t len)
{
	/* No lock: reader threads key every event they parse. */
	return id && len ? id_hash(ev, id, len) : 0;
}

int audit_dedup__check(const struct audit_event *ev)
{
	return audit_dedup__seen_key(ev->dedup_key, ev->time_ms);
}

void audit_dedup__reset(void)
{
	pthread_mutex_lock(&dd.mx);
	free(dd.tags);
	__atomic_store_n(&dd.tags, NULL, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++) {
		free(dd.gen[i].slot);
		dd.gen[i].slot = NULL;
		dd.gen[i].tag = NULL;
		dd.gen[i].n = 0;
	}
	dd.cur = 0;
	dd.disabled = 0;
	pthread_mutex_unlock(&dd.mx);
}
