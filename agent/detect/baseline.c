/* See detect_internal.h: per-identity baselines. Each event updates its
 * identity's open hour (counts, and what is new: IPs, user agents, APIs,
 * services) and its recent regions; when the identity's next event falls in a later hour,
 * or at flush, the hour closes: the rules judge it against the baseline as
 * it was, then the baseline learns it. Identities, first-seen sets and the
 * related-principal index are bounded; what does not fit is counted. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"

#include "detect/baseline_priv.h"
#include "lib/hugemem.h"

const struct hour_new hour_new_none;
const struct hour_more hour_more_none;

static inline void set_free(struct baseline *b, const char ***v, size_t n);

void baseline__ident_free(struct baseline *b, struct ident *id)
{
	seen__free(&id->seen);
	if (id->h) {
		samples__clear(&b->samples, id->h->samples, &id->h->nsamples);
		slab__put(&b->mores, id->h->more);
		slab__put(&b->news, id->h->nw);
		set_free(b, &id->h->list_buckets, id->h->nlist_buckets);
		set_free(b, &id->h->new_apis, id->h->nnew_apis);
		set_free(b, &id->h->new_services, id->h->nnew_services);
	}
	slab__put(&b->hours, id->h);
	slab__put(&b->idents, id);
}

struct baseline *baseline__new(struct detector *d, const struct detector_config *cfg)
{
	struct baseline *b = calloc(1, sizeof(*b));

	if (!b)
		goto fail;
	b->d = d;
	b->cfg = cfg;
	b->dropped = detector__seen_dropped(d);
	slab__init(&b->idents, sizeof(struct ident), SLAB_IDENTS);
	slab__init(&b->hours, sizeof(struct hour_rec), SLAB_HOURS);
	slab__init(&b->mores, sizeof(struct hour_more), SLAB_HOURS);
	slab__init(&b->news, sizeof(struct hour_new), SLAB_HOURS);
	slab__init(&b->samples, SAMPLES_BLOCK, SLAB_HOURS);
	for (size_t k = 0; k < SET_CLASSES; k++)
		slab__init(&b->sets[k], (2u << k) * sizeof(const char *), SLAB_HOURS);
	b->nslots = 1024;
	b->tab = huge__table(b->nslots * sizeof(*b->tab));
	b->rel = calloc(RELATED_SLOTS, sizeof(*b->rel));
	b->vol = volume__new(d, cfg, detector__volume_dropped(d));
	b->pops = populations__new();
	if (!b->tab || !b->rel || !b->vol || !b->pops)
		goto fail;
	seen__init(&b->org, ORG_SEEN_MAX);
	seen__init(&b->org_buckets, ORG_SEEN_MAX);
	return b;
fail:
	baseline__free(b);
	errno = ENOMEM;
	return NULL;
}

void baseline__free(struct baseline *b)
{
	if (!b)
		return;
	for (size_t i = 0; b->tab && i < b->nslots; i++)
		if (b->tab[i].id)
			baseline__ident_free(b, b->tab[i].id);
	slab__free(&b->idents);
	slab__free(&b->hours);
	slab__free(&b->mores);
	slab__free(&b->news);
	slab__free(&b->samples);
	for (size_t k = 0; k < SET_CLASSES; k++)
		slab__free(&b->sets[k]);
	seen__free(&b->org);
	seen__free(&b->org_buckets);
	volume__free(b->vol);
	populations__free(b->pops);
	if (b->tab)
		huge__table_free(b->tab, b->nslots * sizeof(*b->tab));
	free(b->rel);
	free(b);
}

static int ident_grow(struct baseline *b)
{
	size_t n = b->nslots * 2, j;
	struct ident_slot *t = huge__table(n * sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < b->nslots; i++) {
		if (!b->tab[i].id)
			continue;
		for (j = baseline__slot(b->tab[i].name, n); t[j].id; j = (j + 1) & (n - 1))
			;
		t[j] = b->tab[i];
	}
	huge__table_free(b->tab, b->nslots * sizeof(*b->tab));
	b->tab = t;
	b->nslots = n;
	return 0;
}

/* A new identity's slot for name (not in the table); NULL with *err 0 when
 * the table is at its bound. */
static struct ident_slot *ident_add(struct baseline *b, const char *name, int *err)
{
	size_t i;

	*err = 0;
	if (b->count >= b->cfg->max_identities)
		return NULL;
	if ((b->count + 1) * 2 > b->nslots) {
		*err = ident_grow(b);
		if (*err)
			return NULL;
	}
	for (i = baseline__slot(name, b->nslots); b->tab[i].id; i = (i + 1) & (b->nslots - 1))
		;
	b->tab[i].id = slab__get(&b->idents);
	if (!b->tab[i].id) {
		*err = -ENOMEM;
		return NULL;
	}
	memset(b->tab[i].id, 0, offsetof(struct ident, seen_block));
	b->tab[i].id->name = name;
	b->tab[i].name = name;
	seen__init(&b->tab[i].id->seen, IDENT_SEEN_MAX);
	seen__lend(&b->tab[i].id->seen, b->tab[i].id->seen_block, IDENT_SEEN_FIRST);
	b->count++;
	return &b->tab[i];
}

/* Name's slot, or NULL when it has no identity yet. */
static struct ident_slot *slot_find(const struct baseline *b, const char *name)
{
	for (size_t i = baseline__slot(name, b->nslots); b->tab[i].name; i = (i + 1) & (b->nslots - 1))
		if (b->tab[i].name == name)
			return &b->tab[i];
	return NULL;
}

/* See baseline_priv.h. */
struct ident *baseline__ident_get(struct baseline *b, const char *name, int *err)
{
	struct ident_slot *sl = slot_find(b, name);

	*err = 0;
	if (!sl)
		sl = ident_add(b, name, err);
	return sl ? sl->id : NULL;
}

static void close_hour(struct baseline *b, struct ident *id);

/* Once a stream hour: the open hours of identities that went quiet are
 * closed, as the flush would close them (an identity's next event may never
 * come), and once a day the idle identities, IPs and buckets are forgotten. */
static void close_idle(struct baseline *b, int64_t now)
{
	b->idle_hour = now / HOUR_MS;
	/* Live only: offline, the flush closes them at the end, and the order
	 * of closing (hash order here) must not change what the report says
	 * (an hour's close teaches the population others are judged with). */
	for (size_t i = 0; b->cfg->live && i < b->nslots; i++)
		if (b->tab[i].id && b->tab[i].id->h && b->tab[i].id->h->start + IDLE_CLOSE_MS <= now)
			close_hour(b, b->tab[i].id);
	if (b->cfg->live)
		volume__close_idle(b->vol, now - IDLE_CLOSE_MS);
	if (now / DAY_MS > b->aged_day) {
		baseline__age(b, (uint16_t)(now / DAY_MS));
		volume__age(b->vol, (uint16_t)(now / DAY_MS));
	}
}

/* Remember that principal `who` used `key` (an IP or a user agent) on day. */
static void related_add(struct baseline *b, const char *key, const char *who, uint16_t day)
{
	size_t i = baseline__slot(key, RELATED_SLOTS);

	for (size_t probe = 0; probe < 8; probe++, i = (i + 1) & (RELATED_SLOTS - 1)) {
		struct related *r = &b->rel[i];

		if (r->key && r->key != key)
			continue;
		r->key = key;
		r->day = day;
		for (size_t k = 0; k < RELATED_PER_KEY; k++) {
			if (r->who[k] == who)
				return;
			if (!r->who[k]) {
				r->who[k] = who;
				return;
			}
		}
		return;
	}
}

size_t baseline__related(const struct baseline *b, const char *key, const char *self,
			 const char **out, size_t max)
{
	size_t i = baseline__slot(key, RELATED_SLOTS), n = 0;

	for (size_t probe = 0; probe < 8; probe++, i = (i + 1) & (RELATED_SLOTS - 1)) {
		const struct related *r = &b->rel[i];

		if (r->key != key)
			continue;
		for (size_t k = 0; k < RELATED_PER_KEY && r->who[k] && n < max; k++)
			if (r->who[k] != self)
				out[n++] = r->who[k];
		break;
	}
	return n;
}

int gw_hour_of_week(int64_t t, int32_t tz_min)
{
	int64_t lt = t + (int64_t)tz_min * 60000;
	int64_t day = lt >= 0 ? lt / DAY_MS : (lt - DAY_MS + 1) / DAY_MS;
	int dow = (int)(((day + 3) % 7 + 7) % 7);   /* 1970-01-01 was a Thursday */

	return dow * 24 + (int)((lt - day * DAY_MS) / HOUR_MS);
}

static int regions_within(const struct ident *id, int64_t now, int64_t span)
{
	int n = 0;

	for (size_t i = 0; i < IDENT_RECENT_REGIONS; i++)
		n += id->recent[i].region && now - id->recent[i].t <= span;
	return n;
}

/* An established member's closed hour teaches its populations. */
static void teach_hour(struct ident *id, const struct hour_rec *h, int slot)
{
	uint32_t old = id->peak_hour;

	if (h->reads > id->peak_hour)
		id->peak_hour = h->reads;
	if (!id->pop_taught)
		return;
	for (size_t i = 0; i < 2; i++) {
		struct population *p = id->pop[i];

		if (!p)
			continue;
		if (p->how[slot] < UINT32_MAX)
			p->how[slot]++;
		if (id->peak_hour != old)
			population__move(p->peak_hour, old, id->peak_hour, 0);
	}
}

/* A member's day closed: once established, it teaches its populations
 * (its peaks join them the day it becomes established). */
static void teach_day(struct baseline *b, struct ident *id)
{
	uint32_t old = id->peak_day;
	int joins = !id->pop_taught && id->active_days >= b->cfg->baseline_days;

	if (id->day_reads_acc > id->peak_day)
		id->peak_day = id->day_reads_acc;
	if (!id->pop_taught && !joins)
		return;
	for (size_t i = 0; i < 2; i++) {
		struct population *p = id->pop[i];

		if (!p)
			continue;
		if (joins) {
			/* It brings the history it has earned its baseline with. */
			p->member_days += id->active_days;
			for (int k = 0; k < 168; k++)
				p->how[k] = p->how[k] > UINT32_MAX - id->how[k] ?
					    UINT32_MAX : p->how[k] + id->how[k];
			p->established++;
			population__move(p->peak_hour, 0, id->peak_hour, 1);
			population__move(p->peak_day, 0, id->peak_day, 1);
			continue;
		}
		p->member_days++;
		if (id->peak_day != old)
			population__move(p->peak_day, old, id->peak_day, 0);
	}
	id->pop_taught = 1;
}

/* The room set_room gave a set of n; and the set given back. */
static size_t set_cap(size_t n)
{
	size_t cap = 2;

	if (!n)
		return 0;
	while (cap < n)
		cap *= 2;
	return cap;
}

/* The slab of a set with room for cap (a power of two from 2). */
static struct slab *set_slab(struct baseline *b, size_t cap)
{
	return &b->sets[__builtin_ctzll(cap) - 1];
}

/* A set is allocated with its first entry (set_grow_add): n is never 0 here. */
static inline void set_free(struct baseline *b, const char ***v, size_t n)
{
	if (!*v)
		return;
	b->sets_bytes -= set_cap(n) * sizeof(**v);
	slab__put(set_slab(b, set_cap(n)), *v);
	*v = NULL;
}

static void close_hour(struct baseline *b, struct ident *id)
{
	struct hour_rec *h = id->h;
	int slot = gw_hour_of_week(h->start, detector__tz_min(b->d, h->start));

	/* The statistics and the hour-of-week count learnt below, fetched
	 * while the rules judge the hour. */
	__builtin_prefetch(&id->ev, 1);
	__builtin_prefetch(&id->denied, 1);
	__builtin_prefetch(&id->how[slot], 1);
	h->regions_6h = (uint8_t)regions_within(id, h->last_t, 6 * HOUR_MS);
	/* Rules judge against the baseline as it was; a failed finding is counted. */
	detector__close_hour(b->d, id, h);
	teach_hour(id, h, slot);
	if (id->how[slot] < 255)
		id->how[slot]++;
	ewma__add(&id->ev, h->events, ALPHA_HOUR);
	ewma__add(&id->reads, h->reads, ALPHA_HOUR);
	ewma__add(&id->rbytes, (double)h->read_bytes, ALPHA_HOUR);
	ewma__add(&id->lists, h->lists, ALPHA_HOUR);
	ewma__add(&id->lbuckets, h->nlist_buckets + h->list_buckets_more, ALPHA_HOUR);
	ewma__add(&id->denied, h->denied, ALPHA_HOUR);
	if (h->regions_6h > id->max_regions_6h)
		id->max_regions_6h = h->regions_6h;
	samples__clear(&b->samples, h->samples, &h->nsamples);
	if (h->more) {
		b->more_open--;
		slab__put(&b->mores, h->more);
	}
	if (h->nw) {
		b->new_open--;
		slab__put(&b->news, h->nw);
	}
	set_free(b, &h->list_buckets, h->nlist_buckets);
	set_free(b, &h->new_apis, h->nnew_apis);
	set_free(b, &h->new_services, h->nnew_services);
	id->h = NULL;
	b->open--;
	slab__put(&b->hours, h);
}

/* A new UTC day for this identity: the old one joins the baseline. */
static void new_day(struct baseline *b, struct ident *id, uint16_t day)
{
	if (id->cur_day) {
		id->active_days++;
		ewma__add(&id->day_reads, id->day_reads_acc, ALPHA_DAY);
		teach_day(b, id);
		if (!id->fired_day || day - id->cur_day > 1)
			id->read_days_hot = 0;
	} else {
		id->first_day = day;
	}
	id->cur_day = day;
	id->day_reads_acc = 0;
	id->fired_day = 0;
}

static int open_hour(struct baseline *b, struct ident *id, int64_t t)
{
	struct hour_rec *h = slab__get(&b->hours);

	if (!h)
		return -ENOMEM;
	memset(h, 0, HOUR_REC_ZERO);
	h->start = t - ((t % HOUR_MS) + HOUR_MS) % HOUR_MS;
	h->first_t = t;
	h->established = id->active_days >= b->cfg->baseline_days;
	id->h = h;
	if (++b->open > b->peak_open)
		b->peak_open = b->open;
	return 0;
}

static int set_has(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == s)
			return 1;
	return 0;
}

/* Add s to a small set; 1 if it was added. */
static int set_add(const char **v, uint8_t *n, size_t cap, const char *s)
{
	if (!*s || set_has(v, *n, s) || *n >= cap)
		return 0;
	v[(*n)++] = s;
	return 1;
}

struct ev_str {
	const char *ip, *ua, *api, *service, *region, *bucket, *key, *object;
	int action;   /* enum gw_action */
};

static int intern_all(struct detector *d, const struct audit_event *ev, struct ev_str *s)
{
	s->ip = detector__ev_str(d, ev, EVF_SOURCE_IP);
	s->ua = detector__ev_str(d, ev, EVF_USER_AGENT);
	s->api = detector__ev_str(d, ev, EVF_API);
	s->service = detector__ev_str(d, ev, EVF_SERVICE);
	s->region = detector__ev_str(d, ev, EVF_REGION);
	s->bucket = detector__ev_str(d, ev, EVF_BUCKET);
	s->key = detector__ev_str(d, ev, EVF_ACCESS_KEY);
	s->object = ev->object_key;   /* copied when kept as a sample */
	s->action = ev->action;
	return s->ip && s->ua && s->api && s->service && s->region && s->bucket && s->key ?
	       0 : -ENOMEM;
}

/* The hour's rare sets, allocated on first need; NULL when out of memory. */
static struct hour_more *hour_more(struct baseline *b, struct hour_rec *h)
{
	if (!h->more && (h->more = slab__get(&b->mores))) {
		if (++b->more_open > b->peak_more)
			b->peak_more = b->more_open;
	}
	return h->more;
}

/* The hour's new things, likewise. */
static struct hour_new *hour_new(struct baseline *b, struct hour_rec *h)
{
	if (!h->nw && (h->nw = slab__get(&b->news))) {
		if (++b->new_open > b->peak_new)
			b->peak_new = b->new_open;
	}
	return h->nw;
}

static int note_ip(struct baseline *b, struct ident *id, const char *ip, uint16_t day)
{
	struct hour_rec *h = id->h;
	uint16_t ttl = (uint16_t)b->cfg->seen_ttl_days;
	struct hour_new *nw;
	struct hour_more *m;
	const char *label;
	int r, org, kind = 0;

	if (!*ip || set_has(h->ips, h->nips, ip))
		return 0;
	if (h->nips < HOUR_CACHE)
		h->ips[h->nips++] = ip;
	related_add(b, ip, id->name, day);
	r = seen__touch(&id->seen, ip, SEEN_IP, day, ttl, b->dropped);
	org = seen__touch(&b->org, ip, SEEN_IP, day, ttl, b->dropped);
	if (r < 0 || org < 0)
		return -ENOMEM;
	if (!r && !set_has(hour__new(h)->new_ips, h->nnew_ips, ip) && h->nnew_ips < HOUR_SET) {
		if (!(nw = hour_new(b, h)))
			return -ENOMEM;
		nw->new_ip_org[h->nnew_ips] = !org;
		nw->new_ips[h->nnew_ips++] = ip;
	}
	label = intel__match(detector__intel(b->d), ip, INTEL_NONE, &kind);
	if (label && !set_has(hour__more(h)->intel_ips, h->nintel, ip) && h->nintel < HOUR_SET) {
		if (!(m = hour_more(b, h)))
			return -ENOMEM;
		m->intel_ips[h->nintel] = ip;
		m->intel_labels[h->nintel] = label;
		m->intel_kind[h->nintel++] = (uint8_t)kind;
	}
	return 0;
}

/* A user agent's family, interned; cached by the (interned) agent, in sets
 * of UA_WAYS: ua_family costs thousands of instructions, and two busy
 * agents whose addresses share a set would otherwise evict each other on
 * every look. A miss takes the set's first way, the others move down. */
static const char *family_of(struct baseline *b, const char *ua, char *buf, size_t len)
{
	struct ua_fam *set = &b->ua_cache[baseline__slot(ua, UA_CACHE / UA_WAYS) * UA_WAYS];
	const char *fam;
	int sdk, pentest;

	for (size_t w = 0; w < UA_WAYS; w++)
		if (set[w].ua == ua)
			return set[w].fam;
	fam = detector__intern(b->d, ua_family(ua, buf, len, &sdk, &pentest));
	if (!fam)
		return NULL;
	memmove(set + 1, set, (UA_WAYS - 1) * sizeof(*set));
	set[0].ua = ua;
	set[0].fam = fam;
	return fam;
}

static int note_ua(struct baseline *b, struct ident *id, const char *ua, const char *ip,
		   uint16_t day)
{
	struct hour_rec *h = id->h;
	const char *fam;
	char buf[64];
	int r;

	if (!*ua || set_has(h->uas, h->nuas, ua))
		return 0;
	if (h->nuas < HOUR_CACHE)
		h->uas[h->nuas++] = ua;
	related_add(b, ua, id->name, day);
	fam = family_of(b, ua, buf, sizeof(buf));
	if (!fam)
		return -ENOMEM;
	r = seen__touch(&id->seen, fam, SEEN_UA, day, (uint16_t)b->cfg->seen_ttl_days, b->dropped);
	if (r < 0)
		return r;
	if (!r && h->nnew_uas < HOUR_SET) {
		struct hour_new *nw = hour_new(b, h);

		if (!nw)
			return -ENOMEM;
		nw->new_ua_fams[h->nnew_uas] = fam;
		nw->new_ua_ip_new[h->nnew_uas] = set_has(nw->new_ips, h->nnew_ips, ip);
		nw->new_ua_ips[h->nnew_uas] = ip;
		nw->new_uas[h->nnew_uas++] = ua;
	}
	return 0;
}

/* Room for one more in an hour's growing set (*v holds n, at most max):
 * two, then twice as many, when n reaches the room (a power of two).
 * 0 or -ENOMEM. */
static int set_room(struct baseline *b, const char ***v, size_t n, size_t max)
{
	size_t cap = n ? n * 2 : 2;
	const char **nv;

	if (n && (n < 2 || (n & (n - 1))))
		return 0;
	if (cap > max)
		cap = max;
	nv = slab__get(set_slab(b, cap));
	if (!nv)
		return -ENOMEM;
	if (n) {
		memcpy(nv, *v, n * sizeof(*nv));
		slab__put(set_slab(b, n), *v);
	}
	*v = nv;
	b->sets_bytes += (cap - n) * sizeof(*nv);
	if (b->sets_bytes > b->peak_sets_bytes)
		b->peak_sets_bytes = b->sets_bytes;
	return 0;
}

/* Add s to an hour's growing set unless there or full: 0 or -ENOMEM. */
static int set_grow_add(struct baseline *b, const char ***v, uint8_t *n, size_t max,
			const char *s)
{
	if (!*s || set_has(*v, *n, s) || *n >= max)
		return 0;
	if (set_room(b, v, *n, max) < 0)
		return -ENOMEM;
	(*v)[(*n)++] = s;
	return 0;
}

/* A copy into a bucket outside the organisation: owned by an account
 * that is not ours when the record names the owner, else a bucket the
 * organisation has never used itself. */
static int copy_foreign(struct baseline *b, const struct audit_event *ev, const struct ev_str *s)
{
	const char *owner = single__dest_owner(ev);

	if (*owner)
		return !detector__account_is_own(b->d, owner);
	return b->org_buckets.n && !seen__has(&b->org_buckets, s->bucket, SEEN_BUCKET);
}

/* APIs, services and buckets: first-seen for the identity. Regions are
 * not: no rule asks whether a region is new to an identity (a burst of
 * regions is counted from its recent regions, note_region), and an entry
 * nobody reads costs a look and a slot on every identity. */
static int note_names(struct baseline *b, struct ident *id, const struct ev_str *s, uint16_t day)
{
	struct hour_rec *h = id->h;
	uint16_t ttl = (uint16_t)b->cfg->seen_ttl_days;
	int r;

	r = seen__touch(&id->seen, s->api, SEEN_API, day, ttl, b->dropped);
	if (r == 0 && set_grow_add(b, &h->new_apis, &h->nnew_apis, HOUR_SET, s->api) < 0)
		return -ENOMEM;
	if (r >= 0)
		r = seen__touch(&id->seen, s->service, SEEN_SERVICE, day, ttl, b->dropped);
	if (r == 0 && set_grow_add(b, &h->new_services, &h->nnew_services, HOUR_SET,
				   s->service) < 0)
		return -ENOMEM;
	if (r >= 0)
		r = seen__touch(&id->seen, s->bucket, SEEN_BUCKET, day, ttl, b->dropped);
	/* The organisation's buckets: any bucket its identities use, except as
	 * the target of a copy (which is what the exfiltration rule asks about). */
	if (r == 0 && s->action != GW_ACT_OBJECT_COPY)
		r = seen__touch(&b->org_buckets, s->bucket, SEEN_BUCKET, day, 0xffff, b->dropped);
	return r < 0 ? r : 0;
}

static void note_region(struct ident *id, const char *region, int64_t t)
{
	size_t old = 0;

	if (!*region)
		return;
	for (size_t i = 0; i < IDENT_RECENT_REGIONS; i++) {
		if (id->recent[i].region == region) {
			id->recent[i].t = t;
			return;
		}
		if (id->recent[i].t < id->recent[old].t)
			old = i;
	}
	id->recent[old].region = region;
	id->recent[old].t = t;
}

static int note_action(struct baseline *b, struct ident *id, const struct audit_event *ev,
		       const struct ev_str *s)
{
	struct hour_rec *h = id->h;
	struct hour_more *m;

	if (ev->outcome == GW_OUT_DENIED) {
		size_t i;

		h->denied++;
		if (!(m = hour_more(b, h)))
			return -ENOMEM;
		set_add(m->denied_apis, &h->ndenied_apis, HOUR_SET, s->api);
		for (i = 0; i < h->ndenied_ips && m->denied_ips[i] != s->ip; i++)
			;
		if (i == h->ndenied_ips && i < HOUR_SET) {
			m->denied_uas[i] = s->ua;
			m->denied_ip_n[i] = 0;
			m->denied_ips[h->ndenied_ips++] = s->ip;
		}
		if (i < HOUR_SET)
			m->denied_ip_n[i]++;
		return 0;
	}
	if (ev->action == GW_ACT_LIST) {
		h->lists++;
		if (*s->bucket && !set_has(h->list_buckets, h->nlist_buckets, s->bucket)) {
			if (h->nlist_buckets < HOUR_LIST_BUCKETS) {
				if (set_room(b, &h->list_buckets, h->nlist_buckets,
					     HOUR_LIST_BUCKETS) < 0)
					return -ENOMEM;
				h->list_buckets[h->nlist_buckets++] = s->bucket;
			} else {
				h->list_buckets_more = 1;
			}
		}
	} else if (ev->action == GW_ACT_OBJECT_READ && ev->outcome == GW_OUT_OK) {
		h->reads++;
		h->read_bytes += ev->bytes_out;
		h->day_reads = ++id->day_reads_acc;
		if (samples__add(&b->samples, h->samples, &h->nsamples, s->object) < 0)
			return -ENOMEM;
	} else if (ev->action == GW_ACT_OBJECT_WRITE || ev->action == GW_ACT_OBJECT_COPY) {
		h->writes++;
		if (h->established && ev->outcome == GW_OUT_OK && *s->bucket &&
		    ev->action == GW_ACT_OBJECT_COPY && copy_foreign(b, ev, s)) {
			h->foreign_copies++;
			if (!(m = hour_more(b, h)))
				return -ENOMEM;
			set_add(m->foreign_buckets, &h->nforeign, HOUR_SET, s->bucket);
		}
	}
	return 0;
}

static void fill_first(struct hour_rec *h, const struct audit_event *ev, const struct ev_str *s)
{
	if (!h->ip || !*h->ip)
		h->ip = s->ip;
	if (!h->ua || !*h->ua)
		h->ua = s->ua;
	if (!h->region || !*h->region)
		h->region = s->region;
	if (!h->bucket || !*h->bucket)
		h->bucket = s->bucket;
	if (!h->key || !*h->key) {
		h->key = s->key;
		h->key_long_term = ev->key_long_term;
	}
	h->cloud = ev->cloud;
	h->events++;
}

static int new_things(const struct hour_rec *h)
{
	return h->nnew_ips + h->nnew_uas + h->nnew_apis + h->nnew_services;
}

/* The identity joins its role's sessions, its kind and its type, once. */
static void join_populations(struct baseline *b, struct ident *id, const struct audit_event *ev)
{
	id->pop_joined = 1;
	for (int i = 0; i < 3; i++) {
		id->pop[i] = populations__get(b->pops, detector__population(b->d, ev, i), 1);
		if (id->pop[i])
			id->pop[i]->members++;
	}
}

/* Start fetching an open hour's lines. */
static void hour_lines(const struct hour_rec *h)
{
	__builtin_prefetch(h);
	__builtin_prefetch((const char *)h + 64);
	__builtin_prefetch((const char *)h + 128);
	__builtin_prefetch((const char *)h + 192);
}

/* Name's identity, or NULL when it has none yet; the lines its event
 * reads (the identity's, and its open hour's as the slot remembers it)
 * are fetched while the volume tables are fed (no miss waits for the one
 * before it), and the probe is not made twice. */
static void slot_fetch(const struct ident_slot *sl)
{
	const struct ident *id = sl->id;

	__builtin_prefetch(id);
	__builtin_prefetch((const char *)id + 64);
	__builtin_prefetch((const char *)id + 128);
	__builtin_prefetch((const char *)id + 192);
	if (sl->h)
		hour_lines(sl->h);
}

static __attribute__((unused)) struct ident *ident_fetch(const struct baseline *b,
							 const char *name)
{
	const struct ident_slot *sl = slot_find(b, name);

	if (!sl)
		return NULL;
	slot_fetch(sl);
	return sl->id;
}

/* The first-seen slots the event will touch, as the slot remembers the
 * identity's set: fetched with the identity. */
static void seen_hint_prefetch(uint64_t hint, const struct ev_str *s)
{
	struct seen_set set = {
		.key = (const char **)(uintptr_t)(hint & ((1ull << 48) - 1)),
		.cap = (uint32_t)(hint >> 48),
	};

	seen__prefetch(&set, s->ip, SEEN_IP);
	seen__prefetch(&set, s->api, SEEN_API);
	seen__prefetch(&set, s->service, SEEN_SERVICE);
	seen__prefetch(&set, s->bucket, SEEN_BUCKET);
}

/* The open hour and the first-seen slots the event will touch, fetched
 * while the hour is closed or opened. */
static void hour_prefetch(const struct ident *id, const struct ev_str *s)
{
	if (id->h)
		hour_lines(id->h);
	seen__prefetch(&id->seen, s->ip, SEEN_IP);
	seen__prefetch(&id->seen, s->api, SEEN_API);
	seen__prefetch(&id->seen, s->service, SEEN_SERVICE);
	seen__prefetch(&id->seen, s->bucket, SEEN_BUCKET);
}

/* The slot's hints brought up to date after the identity's event. */
static void slot_hint(struct ident_slot *sl, const struct ident *id)
{
	sl->h = id->h;
	sl->seen = (uint64_t)(uintptr_t)id->seen.key | (uint64_t)id->seen.cap << 48;
}

void baseline__prefetch(const struct baseline *b, const char *const str[], int stage)
{
	const char *name = str[EVF_PRINCIPAL];
	const struct ident_slot *sl;
	struct ev_str s = { 0 };

	if (!name || !*name)
		return;
	if (stage == 0) {
		__builtin_prefetch(&b->tab[baseline__slot(name, b->nslots)]);
		return;
	}
	if (!(sl = slot_find(b, name)))
		return;
	slot_fetch(sl);
	s.ip = str[EVF_SOURCE_IP];
	s.api = str[EVF_API];
	s.service = str[EVF_SERVICE];
	s.bucket = str[EVF_BUCKET];
	seen_hint_prefetch(sl->seen, &s);
}

int baseline__feed(struct baseline *b, const struct audit_event *ev)
{
	struct ident_slot *sl;
	struct ev_str s;
	struct ident *id;
	const char *name = detector__ev_str(b->d, ev, EVF_PRINCIPAL);
	int64_t t = ev->time_ms;
	uint16_t day;
	int err, nnew;

	if (!name)
		return -ENOMEM;
	__builtin_prefetch(&b->tab[baseline__slot(name, b->nslots)]);
	if (intern_all(b->d, ev, &s) < 0)
		return -ENOMEM;
	if (t / HOUR_MS > b->idle_hour)
		close_idle(b, t);
	/* Found here, the identity stays in its slot: only the daily aging
	 * (close_idle, above) moves identities. */
	sl = slot_find(b, name);
	if (sl) {
		slot_fetch(sl);
		seen_hint_prefetch(sl->seen, &s);
	}
	/* Every caller counts for the IP and the bucket, anonymous ones too. */
	err = volume__feed(b->vol, ev, name, s.ip, s.ua, s.bucket, s.key);
	if (err)
		return err;
	if (!*name)
		return 0;
	if (!sl) {
		if (!(sl = ident_add(b, name, &err))) {
			if (!err)
				detector__entity_dropped(b->d);
			return err;
		}
	}
	id = sl->id;
	if (!sl->seen)
		hour_prefetch(id, &s);
	if (!id->pop_joined)
		join_populations(b, id, ev);
	if (id->h && t < id->h->start)
		t = id->h->start;   /* late events count in the open hour */
	if (id->h && t >= id->h->start + HOUR_MS)
		close_hour(b, id);
	day = (uint16_t)(t / DAY_MS);
	if (day > id->cur_day)
		new_day(b, id, day);
	if (!id->h && (err = open_hour(b, id, t)) < 0)
		return err;
	id->account = detector__ev_str(b->d, ev, EVF_ACCOUNT);
	id->h->last_t = t;
	fill_first(id->h, ev, &s);
	nnew = new_things(id->h);
	err = note_ip(b, id, s.ip, id->cur_day);
	if (!err)
		err = note_ua(b, id, s.ua, s.ip, id->cur_day);
	if (!err)
		err = note_names(b, id, &s, id->cur_day);
	if (!id->h->ctx_ip && new_things(id->h) != nnew) {
		id->h->ctx_ip = s.ip;
		id->h->ctx_ua = s.ua;
	}
	note_region(id, s.region, t);
	if (note_action(b, id, ev, &s))
		err = -ENOMEM;
	slot_hint(sl, id);
	return err;
}

void baseline__flush(struct baseline *b)
{
	volume__flush(b->vol);
	for (size_t i = 0; i < b->nslots; i++)
		if (b->tab[i].id && b->tab[i].id->h)
			close_hour(b, b->tab[i].id);
}

const struct ident *baseline__find(const struct baseline *b, const char *name)
{
	for (size_t i = baseline__slot(name, b->nslots); b->tab[i].name; i = (i + 1) & (b->nslots - 1))
		if (b->tab[i].name == name)
			return b->tab[i].id;
	return NULL;
}
