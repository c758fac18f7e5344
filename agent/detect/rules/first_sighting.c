/* Rule "first-sighting": a principal never seen before whose first hour
 * holds enumeration followed by object reads, the first moves of stolen
 * credentials (a role session minted an hour ago from an instance's stolen
 * credentials, an access key bought or phished). Every new job also lists
 * then reads, so the hour is judged against the principal's population (the
 * other sessions of its role; the users, service accounts or SAS tokens of
 * its account) rather than not at all:
 *   +25 account-wide enumeration (ListBuckets, ListContainers,
 *       storage.buckets.list): a job knows its bucket, an intruder looks;
 *   +10 instance credentials (workload session), +10 a foreign account or
 *       a SAS token, +10 outside business hours, +10 a penetration-testing
 *       user agent;
 *   +15 its population has history and never read the bucket it reads;
 *   -25 its population has history and read that bucket before, from an
 *       address the organisation knows (the next run of a CI job).
 * Fires at 70 (high), and only with one of the strong signals (account-wide
 * enumeration, instance credentials, a foreign account or SAS token, a
 * penetration-testing agent). A principal created inside the log (CreateUser's
 * user, CreateAccessKey's key) that reads object data within a day of its
 * creation fires whatever its hour looks like, and names its creator
 * (created_by), so that its finding joins the creator's incident.
 * MITRE T1078.004 (valid cloud accounts), T1580 / T1619 (cloud
 * infrastructure and storage object discovery), T1530. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"

#define NEW_FIRST 4096
#define CREATED_MAX 1024
#define POP_SLOTS (1u << 16)
#define HOUR 3600000LL
#define DAY (24 * HOUR)
#define FIRE 70.0
/* Principals whose population is remembered: a miss looks through the
 * ARN and interns its population again, and a busy hour of a large
 * organisation holds tens of thousands of principals (32 bytes a slot). */
#define GROUP_CACHE (1u << 15)
#define UA_CACHE 4096

/* A principal in its first hour (a day, when it was created in the log). */
struct fresh {
	const char *who, *group, *ip, *ua, *key, *bucket, *creator, *created;
	const char *samples[GW_FINDING_MAX_SAMPLES];
	int64_t first_t, last_t, enum_t, created_t, group_since;
	uint32_t lists, reads, events;
	uint64_t bytes;
	uint8_t kind, cloud, account_enum, nsamples, bucket_known, off_hours, pentest, ip_known;
};

/* Population memory: (group, bucket) read before, and each group's start. */
struct pop_ent {
	const char *group, *bucket;   /* bucket NULL: the group's own entry */
	int64_t first_t, last_t;
};

/* What a principal's events look up every time, kept by principal: its
 * population, the population's entries it taught last (each checked
 * against the entry it names before use, so a rebuilt table only costs a
 * lookup), and whether its first hour is behind it for the stream day. */
struct gcache_ent {
	const char *who, *group;
	uint32_t own, ip, bucket;    /* pop slot + 1 of (group, NULL / ip / bucket); 0: none */
	uint32_t settled;            /* fs_state.day_gen when found not new; 0: not known */
};

/* Principals in their first hour: as many as the detector tracks
 * identities (max_identities), found by an index of their positions. */
struct fs_state {
	struct detector *d;
	struct fresh *v;
	size_t n, cap, max;
	uint32_t *idx;            /* position + 1 by principal, 0: empty */
	size_t nidx;
	/* principals created in the log, oldest first: one may name its
	 * creator for a day, then it is let go of (and its strings) */
	struct { const char *what, *by; int64_t t; } created[CREATED_MAX];
	size_t ncreated;
	struct pop_ent *pop;
	size_t npop;
	struct gcache_ent gcache[GROUP_CACHE];
	int64_t day;                  /* the stream day of the latest event */
	uint32_t day_gen;             /* counts those days: settled marks of an older one are void */
	/* user agent (interned) -> a penetration-testing distribution's? */
	struct { const char *ua; uint8_t pentest; } ucache[UA_CACHE];
	struct api_memo apis;         /* account_wide() per operation name */
	int64_t swept;
	int64_t aged;                 /* stream time of the last aging of pop */
};

static size_t pslot(const char *g, const char *b)
{
	uint64_t h = ((uint64_t)(uintptr_t)g * 0x9e3779b97f4a7c15ull) ^ (uint64_t)(uintptr_t)b;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return (size_t)(h >> 32) & (POP_SLOTS - 1);
}

/* The entry of (group, bucket), added with time t when absent; NULL when full. */
static struct pop_ent *pop_get(struct fs_state *s, const char *g, const char *b, int64_t t)
{
	size_t i = pslot(g, b);

	for (size_t probe = 0; probe < 64; probe++, i = (i + 1) & (POP_SLOTS - 1)) {
		if (s->pop[i].group == g && s->pop[i].bucket == b) {
			if (t > s->pop[i].last_t)
				s->pop[i].last_t = t;
			return &s->pop[i];
		}
		if (!s->pop[i].group) {
			if (s->npop * 4 > POP_SLOTS * 3)
				return NULL;
			s->pop[i].group = g;
			s->pop[i].bucket = b;
			s->pop[i].first_t = s->pop[i].last_t = t;
			s->npop++;
			return &s->pop[i];
		}
	}
	return NULL;
}

/* The population a principal is judged with: an AWS role session's role,
 * else its cloud, account and kind (population.c). Interned. */
static const char *group_of(struct detector *d, const struct audit_event *ev)
{
	const char *g = detector__population(d, ev, 0);

	return g ? g : detector__population(d, ev, 1);
}

static unsigned account_wide(const char *api)
{
	return !strcmp(api, "ListBuckets") || !strcmp(api, "ListContainers") ||
	       !strcmp(api, "storage.buckets.list") || !strcmp(api, "REST.GET.SERVICE") ||
	       !strcmp(api, "ListAllMyBuckets");
}

static struct gcache_ent *gcache_of(struct fs_state *s, const char *who)
{
	return &s->gcache[((uintptr_t)who >> 4) & (GROUP_CACHE - 1)];
}

/* The population of ev's principal (whose identity is id), cached by
 * principal in c, its entry. */
static const char *group_cached(struct fs_state *s, const struct audit_event *ev, const char *who,
				const struct ident *id, struct gcache_ent *c)
{
	if (c->who != who) {
		/* a role session's population is its role, which its identity
		 * joined already: found without looking through the ARN again */
		memset(c, 0, sizeof(*c));
		c->group = id && id->pop[0] ? id->pop[0]->name : group_of(s->d, ev);
		c->who = c->group ? who : NULL;
	}
	return c->group;
}

/* The score, and with why the reasons for it (left out when NULL: most
 * first hours are judged quiet and never need them). */
static double judge(const struct fresh *f, char *why, size_t len)
{
	double score = 50.0;
	size_t off = 0;

#define WHY(pts, text) do { \
		score += (pts); \
		if (why) \
			off += (size_t)snprintf(why + off, off < len ? len - off : 0, "%s%s", \
						off ? ", " : "", text); \
	} while (0)
	if (f->account_enum)
		WHY(25, "enumerated every bucket of the account");
	if (f->kind == GW_PK_WORKLOAD)
		WHY(10, "instance credentials");
	if (f->kind == GW_PK_FOREIGN || f->kind == GW_PK_SAS)
		WHY(10, f->kind == GW_PK_SAS ? "a SAS token" : "a foreign account");
	if (f->off_hours)
		WHY(10, "outside business hours");
	if (f->pentest)
		WHY(10, "a penetration-testing user agent");
	if (f->group_since && f->group_since < f->first_t && !f->bucket_known)
		WHY(15, "a bucket its population never read");
	if (f->group_since && f->group_since < f->first_t && f->bucket_known && f->ip_known)
		WHY(-25, "its population's usual bucket, from a known address");
#undef WHY
	return score;
}

static struct pop_ent *pop_find(const struct fs_state *s, const char *g, const char *b)
{
	size_t i = pslot(g, b);

	for (size_t probe = 0; probe < 64; probe++, i = (i + 1) & (POP_SLOTS - 1)) {
		if (!s->pop[i].group)
			return NULL;
		if (s->pop[i].group == g && s->pop[i].bucket == b)
			return &s->pop[i];
	}
	return NULL;
}

/* 1 when the population g knew key (a bucket, an address) before t. */
static int pop_knew(const struct fs_state *s, const char *g, const char *key, int64_t t)
{
	const struct pop_ent *e = g && *key ? pop_find(s, g, key) : NULL;

	return e && e->first_t < t;
}

static int fs_emit(struct fs_state *s, const struct fresh *f)
{
	char why[256] = "", list[512];
	int created = f->creator && f->reads, err = 0;
	double score = judge(f, NULL, 0);
	struct finding *fd;

	/* The weak signals (off hours, a bucket new to the population) only add
	 * to a strong one: a new job reading a new bucket at night is common. */
	if (!created && (!f->enum_t || !f->reads || score < FIRE ||
			 !(f->account_enum || f->pentest || f->kind == GW_PK_WORKLOAD ||
			   f->kind == GW_PK_FOREIGN || f->kind == GW_PK_SAS)))
		return 0;
	judge(f, why, sizeof(why));
	if (created && score < 92.0)
		score = 92.0;
	fd = finding__new(&(const struct finding_head){
		.rule_id = rule_first_sighting.id,
		.title = created ? "Data read by a principal created in the log" :
			 "Enumeration then download by a new principal",
		.severity = GW_SEV_HIGH, .score = score, .start_ms = f->first_t,
		.end_ms = f->last_t, .id_time = f->first_t, .cloud = f->cloud, .count = f->events,
		.principal = f->who, .access_key = f->key, .source_ip = f->ip, .user_agent = f->ua,
		.bucket = f->bucket,
	});
	if (!fd)
		return -ENOMEM;
	fd->bytes = f->bytes;
	for (size_t i = 0; i < f->nsamples; i++)
		err |= finding__set(&fd->samples[fd->nsamples++], f->samples[i]);
	fd->mitre[fd->nmitre++] = "T1078.004";
	fd->mitre[fd->nmitre++] = f->account_enum ? "T1580" : "T1619";
	fd->mitre[fd->nmitre++] = "T1530";
	err |= finding__add_evidence(fd, "principal_kind", "%s", gw_principal_kind_name(f->kind));
	err |= finding__add_evidence(fd, "population", "%s", f->group ? f->group : "");
	err |= finding__add_evidence(fd, "first_hour", "%" PRIu32 " lists then %" PRIu32 " reads",
				     f->lists, f->reads);
	if (*why)
		err |= finding__add_evidence(fd, "why", "%s", why);
	err |= finding__add_evidence(fd, "objects", "%s",
				     join_list(list, sizeof(list), f->samples, f->nsamples));
	if (f->creator) {
		err |= finding__add_evidence(fd, "created_by", "%s", f->creator);
		err |= finding__add_evidence(fd, "created", "%s", f->created);
	}
	err |= finding__add_evidence(fd, "remediation", "%s", f->creator ?
		"Delete the created user and its access keys, then review every object it read" :
		"Revoke the principal's credentials (for a role session: revoke the role's active "
		"sessions) and review every object it read");
	return finding__finish(s->d, fd, err);
}

/* Judge and close the principals whose first window is over (all at flush). */
static size_t who_slot(const char *who, size_t n)
{
	return (size_t)(((uintptr_t)who * 0x9e3779b97f4a7c15ull) >> 24) & (n - 1);
}

static void index_put(struct fs_state *s, size_t pos)
{
	size_t i = who_slot(s->v[pos].who, s->nidx);

	while (s->idx[i])
		i = (i + 1) & (s->nidx - 1);
	s->idx[i] = (uint32_t)pos + 1;
}

static void index_rebuild(struct fs_state *s)
{
	memset(s->idx, 0, s->nidx * sizeof(*s->idx));
	for (size_t k = 0; k < s->n; k++)
		index_put(s, k);
}

static struct fresh *fresh_find(struct fs_state *s, const char *who)
{
	for (size_t i = who_slot(who, s->nidx); s->idx[i]; i = (i + 1) & (s->nidx - 1))
		if (s->v[s->idx[i] - 1].who == who)
			return &s->v[s->idx[i] - 1];
	return NULL;
}

/* Room for one more: the array doubles (its index with it) up to max.
 * 0, -ENOSPC at max, -ENOMEM. */
static int fresh_room(struct fs_state *s)
{
	size_t ncap, nidx;
	struct fresh *nv;
	uint32_t *ni;

	if (s->n < s->cap)
		return 0;
	if (s->cap >= s->max)
		return -ENOSPC;
	ncap = s->cap * 2 < s->max ? s->cap * 2 : s->max;
	for (nidx = s->nidx; nidx < 2 * ncap; nidx *= 2)
		;
	nv = realloc(s->v, ncap * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	s->v = nv;
	ni = calloc(nidx, sizeof(*ni));
	if (!ni)
		return -ENOMEM;
	free(s->idx);
	s->idx = ni;
	s->nidx = nidx;
	s->cap = ncap;
	index_rebuild(s);
	return 0;
}

/* After a sweep: an array that held a crowd (every identity of a log is
 * new in its first hour) and now holds a quarter of it or less is made
 * smaller, so the crowd's room is not kept for the rest of the stream.
 * Left as it is when out of memory. */
static void fresh_shrink(struct fs_state *s)
{
	size_t ncap = NEW_FIRST, nidx;
	struct fresh *nv;
	uint32_t *ni;

	while (ncap < 2 * s->n)
		ncap *= 2;
	if (s->cap <= NEW_FIRST || s->n * 4 > s->cap || ncap >= s->cap)
		return;
	for (nidx = 2 * NEW_FIRST; nidx < 2 * ncap; nidx *= 2)
		;
	if (!(ni = calloc(nidx, sizeof(*ni))))
		return;
	if (!(nv = realloc(s->v, ncap * sizeof(*nv)))) {
		free(ni);
		return;
	}
	free(s->idx);
	s->v = nv;
	s->idx = ni;
	s->nidx = nidx;
	s->cap = ncap;
	index_rebuild(s);
}

static void sweep(struct fs_state *s, int64_t now)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++) {
		int64_t win = s->v[i].creator ? DAY : HOUR;

		if (now - s->v[i].first_t > win) {
			fs_emit(s, &s->v[i]);
			continue;
		}
		if (k != i)
			s->v[k] = s->v[i];
		k++;
	}
	if (k != s->n) {
		s->n = k;
		index_rebuild(s);
		fresh_shrink(s);
	}
}

/* Full: the oldest goes. */
static void created_add(struct fs_state *s, const char *what, const char *by, int64_t t)
{
	if (s->ncreated == CREATED_MAX) {
		memmove(&s->created[0], &s->created[1], (CREATED_MAX - 1) * sizeof(s->created[0]));
		s->ncreated--;
	}
	s->created[s->ncreated].what = what;
	s->created[s->ncreated].by = by;
	s->created[s->ncreated++].t = t;
}

/* Those created more than a day ago can no longer name a creator. */
static void created_age(struct fs_state *s, int64_t now)
{
	size_t k = 0;

	for (size_t i = 0; i < s->ncreated; i++)
		if (now - s->created[i].t <= DAY)
			s->created[k++] = s->created[i];
	s->ncreated = k;
}

static const char *creator_of(struct fs_state *s, const char *who, const char *key, int64_t t,
			      struct fresh *f)
{
	for (size_t i = 0; i < s->ncreated; i++) {
		if ((s->created[i].what == who || (*key && s->created[i].what == key)) &&
		    t - s->created[i].t <= DAY && t >= s->created[i].t) {
			f->created = s->created[i].what;
			f->created_t = s->created[i].t;
			return s->created[i].by;
		}
	}
	return NULL;
}

/* ua_family()'s pentest answer for ev's user agent, cached by its
 * interned twin (NULL: out of memory, asked afresh). */
static int pentest_ua(struct fs_state *s, const char *interned, const char *ua)
{
	size_t i = ((uintptr_t)interned >> 4) & (UA_CACHE - 1);
	char fam[64];
	int sdk, pentest;

	if (interned && s->ucache[i].ua == interned)
		return s->ucache[i].pentest;
	ua_family(ua ? ua : "", fam, sizeof(fam), &sdk, &pentest);
	if (interned) {
		s->ucache[i].ua = interned;
		s->ucache[i].pentest = (uint8_t)pentest;
	}
	return pentest;
}

static struct fresh *fresh_open(struct fs_state *s, const struct audit_event *ev, const char *who,
				const char *group, const struct ident *id)
{
	struct detector *d = s->d;
	struct pop_ent *g;
	struct fresh *f;
	/* Never seen: this is the first event of its first hour. */
	if (!id || id->ev.n || id->active_days || !id->h || id->h->events != 1)
		return NULL;
	if (fresh_room(s) < 0) {
		detector__entity_dropped(d);
		return NULL;
	}
	f = &s->v[s->n++];
	memset(f, 0, sizeof(*f));
	f->who = who;
	index_put(s, s->n - 1);
	f->group = group;
	f->first_t = f->last_t = ev->time_ms;
	f->ip = detector__ev_str(d, ev, EVF_SOURCE_IP);
	f->ua = detector__ev_str(d, ev, EVF_USER_AGENT);
	f->key = detector__ev_str(d, ev, EVF_ACCESS_KEY);
	f->bucket = "";
	f->kind = ev->principal_kind;
	f->cloud = ev->cloud;
	f->off_hours = (uint8_t)detector__off_hours(d, ev->time_ms);
	f->pentest = (uint8_t)pentest_ua(s, f->ua, ev->user_agent);
	g = group ? pop_find(s, group, NULL) : NULL;
	f->group_since = g ? g->first_t : 0;
	f->ip_known = (uint8_t)pop_knew(s, group, f->ip ? f->ip : "", ev->time_ms);
	f->creator = creator_of(s, who, f->key ? f->key : "", ev->time_ms, f);
	return f;
}

static void fresh_update(struct fs_state *s, struct fresh *f, const struct audit_event *ev,
			 const char *bucket)
{
	const char *obj;

	f->events++;
	f->last_t = ev->time_ms > f->last_t ? ev->time_ms : f->last_t;
	if (ev->outcome != GW_OUT_OK)
		return;
	if (ev->action == GW_ACT_LIST) {
		f->lists++;
		if (!f->enum_t)
			f->enum_t = ev->time_ms;
		if (api_memo__get(&s->apis, s->d, ev, account_wide))
			f->account_enum = 1;
		return;
	}
	if (ev->action != GW_ACT_OBJECT_READ || (!f->enum_t && !f->creator))
		return;
	f->reads++;
	f->bytes += ev->bytes_out;
	if (!*f->bucket && *bucket) {
		f->bucket = bucket;
		f->bucket_known = (uint8_t)pop_knew(s, f->group, bucket, f->first_t);
	}
	if (ev->object_key && *ev->object_key && f->nsamples < GW_FINDING_MAX_SAMPLES &&
	    (obj = detector__intern(s->d, ev->object_key)) != NULL)
		f->samples[f->nsamples++] = obj;
}

/* The population learns what its members read and where they call from. */
/* Once a stream day: what a population has not used for the first-seen
 * TTL is forgotten, like an identity's first-seen entries. Rebuilt (the
 * probing stops at a hole); on allocation failure, the next day. */
static void pop_age(struct fs_state *s, int64_t now)
{
	int64_t ttl = (int64_t)detector__config(s->d)->seen_ttl_days * DAY;
	struct pop_ent *t;
	size_t n = 0;

	s->aged = now;
	if (!(t = calloc(POP_SLOTS, sizeof(*t))))
		return;
	for (size_t i = 0; i < POP_SLOTS; i++) {
		const struct pop_ent *e = &s->pop[i];
		size_t j;

		if (!e->group || e->last_t + ttl < now)
			continue;
		for (j = pslot(e->group, e->bucket); t[j].group; j = (j + 1) & (POP_SLOTS - 1))
			;
		t[j] = *e;
		n++;
	}
	free(s->pop);
	s->pop = t;
	s->npop = n;
}

/* pop_get(), first trying the slot the principal's cache names (*slot,
 * or none when slot is NULL), which is then set to the entry's. */
static void pop_touch(struct fs_state *s, const char *g, const char *key, int64_t t,
		      uint32_t *slot)
{
	struct pop_ent *e;

	if (slot && *slot) {
		e = &s->pop[*slot - 1];
		if (e->group == g && e->bucket == key) {
			if (t > e->last_t)
				e->last_t = t;
			return;
		}
	}
	e = pop_get(s, g, key, t);
	if (slot)
		*slot = e ? (uint32_t)(e - s->pop) + 1 : 0;
}

/* c: the principal's cache entry when it holds this group, else NULL. */
static void learn(struct fs_state *s, const struct audit_event *ev, const char *group,
		  const char *bucket, const char *ip, struct gcache_ent *c)
{
	if (ev->time_ms - s->aged >= DAY)
		pop_age(s, ev->time_ms);
	if (!group)
		return;
	pop_touch(s, group, NULL, ev->time_ms, c ? &c->own : NULL);
	if (ev->outcome != GW_OUT_OK)
		return;
	if (*ip)
		pop_touch(s, group, ip, ev->time_ms, c ? &c->ip : NULL);
	if (ev->action == GW_ACT_OBJECT_READ && *bucket)
		pop_touch(s, group, bucket, ev->time_ms, c ? &c->bucket : NULL);
}

/* 1 when no later event of id's principal can open a first hour until
 * identities are next forgotten (at a stream day's first event): it has
 * no identity (the table is full), or its first hour is behind it or
 * under way. */
static int ident_settled(const struct ident *id)
{
	return !id || id->ev.n || id->active_days || (id->h && id->h->events > 1);
}

static int fs_feed(void *state, const struct audit_event *ev)
{
	struct fs_state *s = state;
	struct detector *d = s->d;
	const char *who = detector__ev_str(d, ev, EVF_PRINCIPAL), *group = NULL;
	const char *bucket = detector__ev_str(d, ev, EVF_BUCKET);
	const char *ip = detector__ev_str(d, ev, EVF_SOURCE_IP);
	struct fresh *f = NULL;
	struct gcache_ent *c;

	if (ev->time_ms / DAY > s->day) {
		s->day = ev->time_ms / DAY;
		s->day_gen++;
	}
	if (!who || !bucket || !ip)
		return -ENOMEM;
	if (!*who || ev->principal_kind == GW_PK_ANONYMOUS || ev->principal_kind == GW_PK_SERVICE)
		return 0;
	if (ev->created && *ev->created && ev->outcome == GW_OUT_OK)
		created_add(s, detector__ev_str(d, ev, EVF_CREATED), who, ev->time_ms);
	if (ev->time_ms - s->swept >= HOUR / 4) {
		sweep(s, ev->time_ms);
		created_age(s, ev->time_ms);
		s->swept = ev->time_ms;
	}
	f = fresh_find(s, who);
	c = gcache_of(s, who);
	if (f) {
		group = f->group;
	} else if (c->who == who && c->settled == s->day_gen) {
		group = c->group;     /* not new: its identity need not be looked at */
	} else {
		const struct ident *id = detector__ident(d, ev->principal);

		group = group_cached(s, ev, who, id, c);
		f = fresh_open(s, ev, who, group, id);
		if (!f && c->who == who && ident_settled(id))
			c->settled = s->day_gen;
	}
	if (f)
		fresh_update(s, f, ev, bucket);
	learn(s, ev, group, bucket, ip, c->who == who && c->group == group ? c : NULL);
	return 0;
}

/* The principal's cache entry and its slot in the index of those in
 * their first hour, fetched while the baselines take the event. */
static void fs_prefetch(void *state, const struct audit_event *ev)
{
	struct fs_state *s = state;
	const char *who = detector__ev_str(s->d, ev, EVF_PRINCIPAL);

	if (!who || !*who)
		return;
	__builtin_prefetch(gcache_of(s, who));
	__builtin_prefetch(&s->idx[who_slot(who, s->nidx)]);
}

static void fs_flush(void *state)
{
	sweep(state, INT64_MAX);
}

static void fs_free(void *state)
{
	struct fs_state *s = state;

	if (s) {
		free(s->v);
		free(s->idx);
		free(s->pop);
	}
	free(s);
}

static void *fs_new(struct detector *d, const struct detector_config *cfg)
{
	struct fs_state *s = calloc(1, sizeof(*s));

	if (!s)
		goto fail;
	s->d = d;
	s->day = INT64_MIN;
	s->day_gen = 1;
	s->max = cfg->max_identities ? cfg->max_identities : DETECT_DEF_MAX_IDENTITIES;
	s->cap = NEW_FIRST < s->max ? NEW_FIRST : s->max;
	s->nidx = 2 * NEW_FIRST;
	s->v = calloc(s->cap, sizeof(*s->v));
	s->idx = calloc(s->nidx, sizeof(*s->idx));
	s->pop = calloc(POP_SLOTS, sizeof(*s->pop));
	if (!s->v || !s->idx || !s->pop)
		goto fail;
	return s;
fail:
	fs_free(s);
	errno = ENOMEM;
	return NULL;
}

static size_t fs_bytes(const void *state)
{
	const struct fs_state *s = state;

	return sizeof(*s) + s->cap * sizeof(*s->v) + s->nidx * sizeof(*s->idx) +
	       (s->pop ? POP_SLOTS * sizeof(*s->pop) : 0);
}

static void fs_strings(void *state, struct strmark *m)
{
	struct fs_state *s = state;

	for (size_t i = 0; i < s->n; i++) {
		const struct fresh *f = &s->v[i];
		const char *one[] = { f->who, f->group, f->ip, f->ua, f->key, f->bucket, f->creator,
				      f->created };

		strmark__v(m, one, sizeof(one) / sizeof(one[0]));
		strmark__v(m, f->samples, f->nsamples);
	}
	for (size_t i = 0; i < s->ncreated; i++) {
		strmark__str(m, s->created[i].what);
		strmark__str(m, s->created[i].by);
	}
	for (size_t i = 0; s->pop && i < POP_SLOTS; i++) {
		strmark__str(m, s->pop[i].group);
		strmark__str(m, s->pop[i].bucket);
	}
}

static void fs_swept(void *state)
{
	struct fs_state *s = state;

	memset(s->gcache, 0, sizeof(s->gcache));
	memset(s->ucache, 0, sizeof(s->ucache));
	api_memo__clear(&s->apis);
}

const struct rule rule_first_sighting = {
	.id = "first-sighting",
	.account_wide = 1,
	.new = fs_new,
	.feed = fs_feed,
	.prefetch = fs_prefetch,
	.flush = fs_flush,
	.free = fs_free,
	.strings = fs_strings,
	.swept = fs_swept,
	.bytes = fs_bytes,
};
