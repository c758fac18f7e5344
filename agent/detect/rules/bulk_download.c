/* Rule "bulk-download": one principal reads more than bulk_threshold objects
 * within any window_sec span (sliding, so a burst across an hour boundary is
 * caught). MITRE T1530 (data from cloud storage), T1567.002 (exfiltration
 * to cloud storage).
 *
 * Per principal the rule keeps a ring of its last threshold+1 reads. When
 * the ring is full and spans less than the window, a burst opens with those
 * reads; it extends while each new read, with the threshold reads before
 * it, still fits in the window, and closes (one finding) when a read does
 * not, or at flush. Reads of a closed burst never count toward the next.
 * Denied reads moved no data and are left to other rules.
 *
 * Memory: the table of principals grows with them up to the detector's
 * max_identities (past it, counted in entities_dropped); a principal's ring
 * holds only its reads within the window (older ones can never make a burst
 * with the next read), with the object keys copied, not interned, so that a
 * long log of distinct objects does not grow the detector's pool (a short
 * key into the entry itself, a long one onto the heap: most reads cost no
 * allocation); only a burst's objects are interned, for its distinct
 * count and samples.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"
#include "lib/slab.h"

#define BULK_FIRST_SLOTS 4096
#define BULK_MAX_DISTINCT 65536
#define BULK_RING_FIRST 1
#define BULK_KEY_INLINE 48         /* object keys shorter than this live in the entry */
#define BULK_RING_SMALL 4          /* rings of up to this many reads come from a slab */
#define BULK_RING_CHUNK 64         /* small rings to a slab chunk */

struct read_ent {
	int64_t t;
	uint64_t bytes;
	char *heap;                /* a long object key, owned by the entry; or NULL */
	const char *bucket, *ip, *ua, *region, *key;
	char inl[BULK_KEY_INLINE]; /* a short one (entries move: see obj_of) */
};

static const char *obj_of(const struct read_ent *e)
{
	return e->heap ? e->heap : e->inl;
}

struct burst {
	int64_t start, end;
	uint64_t count, bytes;
	int cloud;
	struct tally objects, buckets, ips, uas, regions, keys;
	const char *samples[GW_FINDING_MAX_SAMPLES];   /* interned */
	size_t nsamples;
	uint64_t reported;         /* live mode: the count last reported (0: none yet) */
};

/* A principal's reads within the window, oldest at head; grows up to
 * threshold + 1 entries. */
struct ring {
	uint32_t head, n, cap;
	int cloud;                 /* of the latest read */
	struct read_ent e[];
};

/* 32 bytes: two to a cache line, never across one. */
struct principal {
	const char *name;          /* interned: the table's key */
	struct ring *ring;         /* NULL: no reads within the window */
	struct burst *burst;       /* open burst or NULL */
	int64_t last_t;
};

/* The i-th oldest read of r (i < r->n). */
static struct read_ent *ring_at(struct ring *r, uint32_t i)
{
	uint32_t k = r->head + i;

	return &r->e[k >= r->cap ? k - r->cap : k];
}

struct bulk {
	struct detector *d;
	uint32_t threshold;
	int64_t window_ms;
	int live;
	struct principal *tab;
	size_t nslots, count, max;
	int64_t idle_checked;      /* stream time of the last close_idle */
	/* The slots of the principals that hold a ring (the only ones the
	 * hourly pass has work for), in no order: the pass visits them, not
	 * the whole table. Rebuilt whenever the table is. */
	uint32_t *held;
	size_t nheld, capheld;
	/* rings of 1 to BULK_RING_SMALL reads (most principals' own), made and
	 * let go of at the rate of reads: small[cap - 1]; larger ones are
	 * malloc'd */
	struct slab small[BULK_RING_SMALL];
};

static size_t ring_size(uint32_t cap)
{
	return sizeof(struct ring) + cap * sizeof(struct read_ent);
}

/* A ring of cap reads, not initialised; NULL when out of memory. */
static struct ring *ring_new(struct bulk *b, uint32_t cap)
{
	return cap <= BULK_RING_SMALL ? slab__get(&b->small[cap - 1]) : malloc(ring_size(cap));
}

/* Give r back (its keys are the caller's to free first); NULL: nothing. */
static void ring_free(struct bulk *b, struct ring *r)
{
	if (r && r->cap <= BULK_RING_SMALL)
		slab__put(&b->small[r->cap - 1], r);
	else
		free(r);
}

static void *bulk_new(struct detector *d, const struct detector_config *cfg)
{
	struct bulk *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->d = d;
	b->threshold = cfg->bulk_threshold;
	b->window_ms = (int64_t)cfg->window_sec * 1000;
	b->live = cfg->live != 0;
	b->max = cfg->max_identities ? cfg->max_identities : DETECT_DEF_MAX_IDENTITIES;
	b->nslots = BULK_FIRST_SLOTS;
	for (uint32_t i = 0; i < BULK_RING_SMALL; i++)
		slab__init(&b->small[i], ring_size(i + 1), BULK_RING_CHUNK);
	b->tab = calloc(b->nslots, sizeof(*b->tab));
	if (!b->tab) {
		free(b);
		errno = ENOMEM;
		return NULL;
	}
	return b;
}

static void burst_free(struct burst *u)
{
	if (!u)
		return;
	tally__free(&u->objects);
	tally__free(&u->buckets);
	tally__free(&u->ips);
	tally__free(&u->uas);
	tally__free(&u->regions);
	tally__free(&u->keys);
	free(u);
}

static void ring_clear(struct principal *p)
{
	struct ring *r = p->ring;

	if (!r)
		return;
	for (uint32_t i = 0; i < r->n; i++)
		free(ring_at(r, i)->heap);
	r->head = 0;
	r->n = 0;
}

static void bulk_free(void *state)
{
	struct bulk *b = state;

	for (size_t i = 0; i < b->nslots; i++) {
		ring_clear(&b->tab[i]);
		ring_free(b, b->tab[i].ring);
		burst_free(b->tab[i].burst);
	}
	for (uint32_t i = 0; i < BULK_RING_SMALL; i++)
		slab__free(&b->small[i]);
	free(b->tab);
	free(b->held);
	free(b);
}

static size_t slot_of(const char *name, size_t nslots)
{
	return (size_t)gw_fnv1a64(GW_FNV64_INIT, &name, sizeof(name)) & (nslots - 1);
}

/* The slots of the principals holding a ring, listed afresh after the
 * table moved them (always fits: the list only ever shrinks here). */
static void held_rebuild(struct bulk *b)
{
	b->nheld = 0;
	for (size_t i = 0; i < b->nslots; i++)
		if (b->tab[i].ring)
			b->held[b->nheld++] = (uint32_t)i;
}

/* p just got a ring: listed for the hourly pass. -ENOMEM: not listed, and
 * the caller gives the ring back. */
static int held_add(struct bulk *b, const struct principal *p)
{
	if (b->nheld == b->capheld) {
		size_t ncap = b->capheld ? b->capheld * 2 : 1024;
		uint32_t *nh = realloc(b->held, ncap * sizeof(*nh));

		if (!nh)
			return -ENOMEM;
		b->held = nh;
		b->capheld = ncap;
	}
	b->held[b->nheld++] = (uint32_t)(p - b->tab);
	return 0;
}

/* Twice the slots, the principals moved over. */
static int grow(struct bulk *b)
{
	size_t n = b->nslots * 2, j;
	struct principal *t = calloc(n, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < b->nslots; i++) {
		if (!b->tab[i].name)
			continue;
		for (j = slot_of(b->tab[i].name, n); t[j].name; j = (j + 1) & (n - 1))
			;
		t[j] = b->tab[i];
	}
	free(b->tab);
	b->tab = t;
	b->nslots = n;
	held_rebuild(b);
	return 0;
}

/* Find or add the principal. NULL when max principals are tracked (or, out
 * of memory, the table is 7/8 full). */
static struct principal *principal_get(struct bulk *b, const char *name)
{
	size_t i;

	if (b->count * 4 >= b->nslots * 3 && b->count < b->max)
		(void)grow(b);
	for (i = slot_of(name, b->nslots); b->tab[i].name; i = (i + 1) & (b->nslots - 1))
		if (b->tab[i].name == name)
			return &b->tab[i];
	if (b->count >= b->max || b->count * 8 >= b->nslots * 7)
		return NULL;
	b->tab[i].name = name;
	b->count++;
	return &b->tab[i];
}

/* Drop the reads a window older than t: they can make no burst with it. */
static void ring_prune(struct bulk *b, struct principal *p, int64_t t)
{
	struct ring *r = p->ring;

	if (!r)
		return;
	while (r->n && t - r->e[r->head].t >= b->window_ms) {
		free(r->e[r->head].heap);
		r->head = r->head + 1 == r->cap ? 0 : r->head + 1;
		r->n--;
	}
	if (!r->n)
		r->head = 0;
}

/* The next ring size: by one up to 4, then by half (1, 2, 3, 4, 6, 9,
 * 13, ...): most principals hold one to a few reads within the window, and
 * a ring that started at 2 and doubled kept a third of its 112-byte
 * entries empty. */
static uint32_t ring_next_cap(uint32_t cap)
{
	return cap < 4 ? cap + 1 : cap + cap / 2;
}

/* Room for one more entry: grow up to threshold + 1, the entries moved to
 * the front in order. */
static int ring_grow(struct bulk *b, struct principal *p)
{
	uint32_t max = b->threshold + 1, ncap;
	struct ring *r = p->ring, *nr;

	ncap = r ? ring_next_cap(r->cap) : BULK_RING_FIRST;
	ncap = ncap < max ? ncap : max;
	nr = ring_new(b, ncap);
	if (!nr)
		return -ENOMEM;
	nr->cap = ncap;
	if (!r && held_add(b, p) < 0) {
		ring_free(b, nr);
		return -ENOMEM;
	}
	nr->head = 0;
	nr->n = r ? r->n : 0;
	nr->cloud = r ? r->cloud : 0;
	for (uint32_t i = 0; i < nr->n; i++)
		nr->e[i] = *ring_at(r, i);
	ring_free(b, r);
	p->ring = nr;
	return 0;
}

/* Takes e's object key. */
static int ring_push(struct bulk *b, struct principal *p, struct read_ent *e)
{
	struct ring *r;

	ring_prune(b, p, e->t);
	r = p->ring;
	if ((!r || (r->n == r->cap && r->cap < b->threshold + 1)) && ring_grow(b, p) < 0) {
		free(e->heap);
		return -ENOMEM;
	}
	r = p->ring;
	if (r->n < r->cap) {
		r->n++;
		*ring_at(r, r->n - 1) = *e;
	} else {
		free(r->e[r->head].heap);
		r->e[r->head] = *e;
		r->head = r->head + 1 == r->cap ? 0 : r->head + 1;
	}
	e->heap = NULL;
	return 0;
}

static int burst_add(struct bulk *b, struct burst *u, const struct read_ent *e)
{
	const char *obj = detector__intern(b->d, obj_of(e));
	int err = 0;

	if (!obj)
		return -ENOMEM;
	if (!u->count || e->t < u->start)
		u->start = e->t;
	if (e->t > u->end)
		u->end = e->t;
	u->count++;
	u->bytes += e->bytes;
	if (*obj && u->nsamples < GW_FINDING_MAX_SAMPLES) {
		size_t i;

		for (i = 0; i < u->nsamples && u->samples[i] != obj; i++)
			;
		if (i == u->nsamples)
			u->samples[u->nsamples++] = obj;
	}
	err |= tally__add(&u->objects, obj);
	err |= tally__add(&u->buckets, e->bucket);
	err |= tally__add(&u->ips, e->ip);
	err |= tally__add(&u->uas, e->ua);
	err |= tally__add(&u->regions, e->region);
	err |= tally__add(&u->keys, e->key);
	return err ? -ENOMEM : 0;
}

static struct burst *burst_open(struct bulk *b, struct principal *p)
{
	struct burst *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->cloud = p->ring->cloud;
	tally__init(&u->objects, BULK_MAX_DISTINCT);
	tally__init(&u->buckets, BULK_MAX_DISTINCT);
	tally__init(&u->ips, BULK_MAX_DISTINCT);
	tally__init(&u->uas, BULK_MAX_DISTINCT);
	tally__init(&u->regions, 1024);
	tally__init(&u->keys, 1024);
	for (uint32_t i = 0; i < p->ring->n; i++) {
		if (burst_add(b, u, ring_at(p->ring, i)) < 0) {
			burst_free(u);
			return NULL;
		}
	}
	return u;
}

/* 50 at the threshold, +25 per doubling above it, at most 100. */
static double bulk_score(uint64_t count, uint32_t threshold)
{
	double s = 50.0 + 25.0 * log2((double)count / (double)threshold);

	if (s > 100.0)
		s = 100.0;
	if (s < 0.0)
		s = 0.0;
	return round(s * 10.0) / 10.0;
}

static char *dup_top(const struct tally *t, int *oom)
{
	char *s = strdup(tally__top(t));

	if (!s)
		*oom = 1;
	return s;
}

static int finding_id(struct finding *f, const char *principal, int64_t start)
{
	uint64_t h = GW_FNV64_INIT;

	h = gw_fnv1a64(h, rule_bulk_download.id, strlen(rule_bulk_download.id) + 1);
	h = gw_fnv1a64(h, principal, strlen(principal) + 1);
	h = gw_fnv1a64(h, &start, sizeof(start));
	return asprintf(&f->id, "%016" PRIx64, h) < 0 ? -ENOMEM : 0;
}

static int add_evidence(struct finding *f, const struct burst *u, const struct bulk *b,
			const char *name)
{
	int err = 0;

	err |= finding__add_evidence(f, "count", "%" PRIu64, u->count);
	err |= finding__add_evidence(f, "bytes", "%" PRIu64, u->bytes);
	err |= finding__add_evidence(f, "distinct_objects", "%zu%s", u->objects.n,
				     u->objects.overflow ? "+" : "");
	err |= finding__add_evidence(f, "buckets", "%zu", u->buckets.n);
	err |= finding__add_evidence(f, "source_ips", "%zu", u->ips.n);
	err |= finding__add_evidence(f, "user_agents", "%zu", u->uas.n);
	err |= finding__add_evidence(f, "threshold", "%" PRIu32, b->threshold);
	err |= finding__add_evidence(f, "window", "%" PRId64 "s", b->window_ms / 1000);
	err |= finding__add_evidence(f, "baseline", "%s", detector__reads_basis(b->d, name));
	err |= finding__add_evidence(f, "access_key_long_term", "%s",
				     strncmp(tally__top(&u->keys), "AKIA", 4) == 0 ? "true" : "false");
	return err ? -ENOMEM : 0;
}

static int emit(struct bulk *b, const struct principal *p, const struct burst *u)
{
	struct finding *f = calloc(1, sizeof(*f));
	int oom = 0;

	if (!f)
		return -ENOMEM;
	/* Above the floor but ordinary for this identity: a job that always
	 * reads this much. Its baseline says so (or, before it has one, the
	 * population of its kind does); count it, do not report it. */
	if (detector__reads_normal(b->d, p->name, u->count, u->end - u->start)) {
		free(f);
		return 0;
	}
	f->rule_id = rule_bulk_download.id;
	f->title = "Bulk object download";
	f->severity = GW_SEV_HIGH;
	f->score = bulk_score(u->count, b->threshold);
	f->start_ms = u->start;
	f->end_ms = u->end;
	f->cloud = u->cloud;
	f->count = u->count;
	f->bytes = u->bytes;
	f->mitre[f->nmitre++] = "T1530";
	f->mitre[f->nmitre++] = "T1567.002";
	f->principal = strdup(p->name);
	oom |= !f->principal;
	f->access_key = dup_top(&u->keys, &oom);
	f->source_ip = dup_top(&u->ips, &oom);
	f->user_agent = dup_top(&u->uas, &oom);
	f->region = dup_top(&u->regions, &oom);
	f->bucket = dup_top(&u->buckets, &oom);
	for (size_t i = 0; i < u->nsamples && !oom; i++) {
		f->samples[i] = strdup(u->samples[i]);
		oom |= !f->samples[i];
		f->nsamples = i + 1;
	}
	if (oom || finding_id(f, p->name, u->start) < 0 || add_evidence(f, u, b, p->name) < 0) {
		finding__free(f);
		return -ENOMEM;
	}
	return detector__emit(b->d, f);
}

/* The burst is over. Live, it was reported when it crossed the threshold;
 * when it went on, the same finding (same id) is reported again with the
 * whole burst: the count is the burst's, not the threshold's. */
static int close_burst(struct bulk *b, struct principal *p)
{
	int err = p->burst->reported == p->burst->count ? 0 : emit(b, p, p->burst);

	burst_free(p->burst);
	p->burst = NULL;
	ring_clear(p);
	return err;
}

static int intern_ent(struct bulk *b, const struct audit_event *ev, struct read_ent *e)
{
	size_t n;

	e->heap = NULL;
	e->bucket = detector__ev_str(b->d, ev, EVF_BUCKET);
	e->ip = detector__ev_str(b->d, ev, EVF_SOURCE_IP);
	e->ua = detector__ev_str(b->d, ev, EVF_USER_AGENT);
	e->region = detector__ev_str(b->d, ev, EVF_REGION);
	e->key = detector__ev_str(b->d, ev, EVF_ACCESS_KEY);
	e->bytes = ev->bytes_out;
	if (!e->bucket || !e->ip || !e->ua || !e->region || !e->key)
		return -ENOMEM;
	n = strlen(ev->object_key);
	if (n < sizeof(e->inl)) {
		memcpy(e->inl, ev->object_key, n + 1);
		return 0;
	}
	e->heap = strdup(ev->object_key);
	return e->heap ? 0 : -ENOMEM;
}

static int cmp_slot(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Its reads all lie a window before now: the next read would prune them,
 * so their room is given back now, not kept for a principal that may read
 * once an hour or never again. */
static void ring_release(struct bulk *b, struct principal *p)
{
	ring_clear(p);
	ring_free(b, p->ring);
	p->ring = NULL;
}

/* The hourly pass over the principals that hold a ring (only they can hold
 * a burst): the idle ones' bursts close, in the table's order, and their
 * rings are given back (a slab of small rings none of which is out, to
 * the system). */
static void release_idle(struct bulk *b, int64_t now)
{
	size_t k = 0, nburst = 0;

	for (size_t i = 0; i < b->nheld; i++) {
		const struct principal *p = &b->tab[b->held[i]];

		nburst += p->burst && now - p->last_t > b->window_ms;
	}
	if (nburst)
		qsort(b->held, b->nheld, sizeof(*b->held), cmp_slot);
	for (size_t i = 0; i < b->nheld; i++) {
		struct principal *p = &b->tab[b->held[i]];

		if (now - p->last_t <= b->window_ms) {
			b->held[k++] = b->held[i];
			continue;
		}
		if (p->burst)
			close_burst(b, p);   /* a failure is counted by the detector */
		ring_release(b, p);
	}
	b->nheld = k;
	/* a crowd's rings all given back: their room goes back too */
	for (uint32_t i = 0; i < BULK_RING_SMALL; i++)
		if (!b->small[i].out && b->small[i].nchunks)
			slab__free(&b->small[i]);
}

/* Once a stream hour: bursts whose principal stopped reading a window ago
 * are over (a live burst's final count is reported now, not when the
 * principal reads again, which may be never). */
static void close_idle(struct bulk *b, int64_t now)
{
	int day = now / (24 * 3600000LL) > b->idle_checked / (24 * 3600000LL);
	struct principal *t;
	size_t j;

	b->idle_checked = now;
	release_idle(b, now);
	/* once a stream day: the principals whose reads all lie a window
	 * before now are let go of (a later read starts afresh either way),
	 * so the table follows the live readers; rebuilt, or left as it is
	 * when out of memory */
	if (!day || !(t = calloc(b->nslots, sizeof(*t))))
		return;
	for (size_t i = 0; i < b->nslots; i++) {
		struct principal *p = &b->tab[i];

		if (!p->name)
			continue;
		if (!p->burst && now - p->last_t > b->window_ms) {
			ring_clear(p);
			ring_free(b, p->ring);
			b->count--;
			continue;
		}
		for (j = slot_of(p->name, b->nslots); t[j].name; j = (j + 1) & (b->nslots - 1))
			;
		t[j] = *p;
	}
	free(b->tab);
	b->tab = t;
	held_rebuild(b);
}

static void bulk_strings(void *state, struct strmark *m)
{
	struct bulk *b = state;

	for (size_t i = 0; i < b->nslots; i++) {
		const struct principal *p = &b->tab[i];

		if (!p->name)
			continue;
		strmark__str(m, p->name);
		for (uint32_t k = 0; p->ring && k < p->ring->n; k++) {
			const struct read_ent *e = ring_at(p->ring, k);
			const char *one[] = { e->bucket, e->ip, e->ua, e->region, e->key };

			strmark__v(m, one, sizeof(one) / sizeof(one[0]));
		}
		if (!p->burst)
			continue;
		tally__strings(&p->burst->objects, m);
		tally__strings(&p->burst->buckets, m);
		tally__strings(&p->burst->ips, m);
		tally__strings(&p->burst->uas, m);
		tally__strings(&p->burst->regions, m);
		tally__strings(&p->burst->keys, m);
		strmark__v(m, p->burst->samples, p->burst->nsamples);
	}
}

static size_t bulk_bytes(const void *state)
{
	const struct bulk *b = state;
	size_t n = sizeof(*b) + b->nslots * sizeof(*b->tab) + b->capheld * sizeof(*b->held);

	for (uint32_t i = 0; i < BULK_RING_SMALL; i++)
		n += slab__bytes(&b->small[i]);
	for (size_t i = 0; i < b->nslots; i++) {
		const struct principal *p = &b->tab[i];

		n += p->burst ? sizeof(*p->burst) : 0;
		if (!p->ring)
			continue;
		n += p->ring->cap > BULK_RING_SMALL ? ring_size(p->ring->cap) : 0;
		for (uint32_t k = 0; k < p->ring->n; k++)
			if (ring_at(p->ring, k)->heap)
				n += strlen(ring_at(p->ring, k)->heap) + 1;
	}
	return n;
}

static int bulk_feed(void *state, const struct audit_event *ev)
{
	struct bulk *b = state;
	struct principal *p;
	struct read_ent e, *last;
	const char *name;
	int err;

	if (ev->action != GW_ACT_OBJECT_READ || ev->outcome == GW_OUT_DENIED)
		return 0;
	name = detector__ev_str(b->d, ev, EVF_PRINCIPAL);
	if (!name || intern_ent(b, ev, &e) < 0)
		return -ENOMEM;
	if (ev->time_ms / 3600000LL > b->idle_checked / 3600000LL)
		close_idle(b, ev->time_ms);
	p = principal_get(b, name);
	if (!p) {
		free(e.heap);
		detector__entity_dropped(b->d);
		return 0;
	}
	/* Out-of-order events within a principal are taken at the latest time seen. */
	e.t = ev->time_ms > p->last_t ? ev->time_ms : p->last_t;
	p->last_t = e.t;
	err = ring_push(b, p, &e);
	if (err)
		return err;
	p->ring->cloud = ev->cloud;
	last = ring_at(p->ring, p->ring->n - 1);
	if (p->ring->n <= b->threshold) {
		if (!p->burst)
			return 0;
		/* The burst is over; this read starts afresh. */
		e = *last;
		last->heap = NULL;
		err = close_burst(b, p);
		return ring_push(b, p, &e) ? -ENOMEM : err;
	}
	if (p->burst)
		return burst_add(b, p->burst, last);
	p->burst = burst_open(b, p);
	if (!p->burst)
		return -ENOMEM;
	if (b->live) {
		p->burst->reported = p->burst->count;
		return emit(b, p, p->burst);
	}
	return 0;
}

/* The slot of a read's principal, fetched early. */
static void bulk_prefetch(void *state, const struct audit_event *ev)
{
	struct bulk *b = state;
	const char *name;

	if (ev->action != GW_ACT_OBJECT_READ || ev->outcome == GW_OUT_DENIED)
		return;
	name = detector__ev_str(b->d, ev, EVF_PRINCIPAL);
	if (name)
		__builtin_prefetch(&b->tab[slot_of(name, b->nslots)]);
}

static void bulk_flush(void *state)
{
	struct bulk *b = state;

	for (size_t i = 0; i < b->nslots; i++)
		if (b->tab[i].burst)
			close_burst(b, &b->tab[i]);
}

const struct rule rule_bulk_download = {
	.id = "bulk-download",
	.new = bulk_new,
	.feed = bulk_feed,
	.prefetch = bulk_prefetch,
	.flush = bulk_flush,
	.free = bulk_free,
	.strings = bulk_strings,
	.bytes = bulk_bytes,
};
