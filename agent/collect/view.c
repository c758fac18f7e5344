/* agent/collect: findings once per id, incidents at their latest revision
 * (see view.h). Each kind is a hash table of entries kept in one list
 * ordered by their last update: the head is the least recently updated,
 * the first forgotten, and a page is a walk of the list's tail. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collect/view.h"
#include "lib/hash.h"

#define NONE UINT32_MAX

struct vent {
	char *id;
	uint64_t update, batch_off, revision, received, revisions_seen;
	int64_t first_ms, last_ms;
	uint32_t index;
	uint32_t hnext, prev, next;          /* hash chain; update order */
	uint16_t agents[VIEW_MAX_AGENTS];
	uint8_t nagents, agents_more;
	uint8_t nhist, hhead;                /* hist is a ring, hhead the oldest */
	struct view_rev *hist;               /* incidents only */
};

struct vtable {
	struct vent *e;
	size_t n, cap, max;
	uint32_t *buckets;
	size_t nbuckets;                     /* a power of two */
	uint32_t head, tail;
	uint64_t forgotten;
};

struct view {
	struct vtable t[VIEW_KINDS];
	char *agent_ids[VIEW_MAX_AGENT_NAMES];
	char *hostnames[VIEW_MAX_AGENT_NAMES];
	size_t nagents;
	uint64_t clock;
};

static int table_init(struct vtable *t, size_t max)
{
	t->max = max;
	t->nbuckets = 64;
	while (t->nbuckets < max && t->nbuckets < ((size_t)1 << 30))
		t->nbuckets <<= 1;
	t->buckets = malloc(t->nbuckets * sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	memset(t->buckets, 0xff, t->nbuckets * sizeof(*t->buckets));
	t->head = t->tail = NONE;
	return 0;
}

struct view *view__new(size_t max_entries)
{
	struct view *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	for (int k = 0; k < VIEW_KINDS; k++)
		if (table_init(&v->t[k], max_entries ? max_entries : 1) < 0) {
			view__free(v);
			errno = ENOMEM;
			return NULL;
		}
	return v;
}

void view__free(struct view *v)
{
	if (!v)
		return;
	for (int k = 0; k < VIEW_KINDS; k++) {
		for (size_t i = 0; i < v->t[k].n; i++) {
			free(v->t[k].e[i].id);
			free(v->t[k].e[i].hist);
		}
		free(v->t[k].e);
		free(v->t[k].buckets);
	}
	for (size_t i = 0; i < v->nagents; i++) {
		free(v->agent_ids[i]);
		free(v->hostnames[i]);
	}
	free(v);
}

static uint32_t *bucket_of(struct vtable *t, const char *id)
{
	return &t->buckets[gw_fnv1a64(GW_FNV64_INIT, id, strlen(id)) & (t->nbuckets - 1)];
}

static uint32_t find(struct vtable *t, const char *id)
{
	uint32_t i = *bucket_of(t, id);

	while (i != NONE && strcmp(t->e[i].id, id) != 0)
		i = t->e[i].hnext;
	return i;
}

static void list_unlink(struct vtable *t, uint32_t i)
{
	struct vent *e = &t->e[i];

	if (e->prev != NONE)
		t->e[e->prev].next = e->next;
	else
		t->head = e->next;
	if (e->next != NONE)
		t->e[e->next].prev = e->prev;
	else
		t->tail = e->prev;
	e->prev = e->next = NONE;
}

static void list_append(struct vtable *t, uint32_t i)
{
	t->e[i].prev = t->tail;
	t->e[i].next = NONE;
	if (t->tail != NONE)
		t->e[t->tail].next = i;
	else
		t->head = i;
	t->tail = i;
}

/* Forget the least recently updated entry; its slot is returned, empty. */
static uint32_t forget_oldest(struct vtable *t)
{
	uint32_t i = t->head, *p;
	struct vent *e = &t->e[i];

	for (p = bucket_of(t, e->id); *p != i; p = &t->e[*p].hnext)
		;
	*p = e->hnext;
	list_unlink(t, i);
	free(e->id);
	free(e->hist);
	memset(e, 0, sizeof(*e));
	t->forgotten++;
	return i;
}

/* The entry for id, made when new (NONE on allocation failure). */
static uint32_t get_or_add(struct vtable *t, const char *id, int incident)
{
	uint32_t i = find(t, id);
	struct vent *e;
	char *copy;

	if (i != NONE)
		return i;
	copy = strdup(id);
	if (!copy)
		return NONE;
	if (t->n == t->max) {
		i = forget_oldest(t);
	} else {
		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 256;
			struct vent *ne;

			cap = cap > t->max ? t->max : cap;
			ne = realloc(t->e, cap * sizeof(*ne));
			if (!ne) {
				free(copy);
				return NONE;
			}
			t->e = ne;
			t->cap = cap;
		}
		i = (uint32_t)t->n++;
		memset(&t->e[i], 0, sizeof(t->e[i]));
	}
	e = &t->e[i];
	e->id = copy;
	e->prev = e->next = NONE;
	if (incident)   /* on failure the entry goes on without its history */
		e->hist = calloc(VIEW_MAX_HISTORY, sizeof(*e->hist));
	e->hnext = *bucket_of(t, id);
	*bucket_of(t, id) = i;
	list_append(t, i);
	return i;
}

/* The index of this agent's name, interned; NONE past the bound. */
static uint32_t agent_index(struct view *v, const char *agent, const char *host)
{
	for (size_t i = 0; i < v->nagents; i++)
		if (strcmp(v->agent_ids[i], agent) == 0) {
			if (strcmp(v->hostnames[i], host) != 0) {
				char *h = strdup(host);

				if (h) {
					free(v->hostnames[i]);
					v->hostnames[i] = h;
				}
			}
			return (uint32_t)i;
		}
	if (v->nagents == VIEW_MAX_AGENT_NAMES)
		return NONE;
	v->agent_ids[v->nagents] = strdup(agent);
	v->hostnames[v->nagents] = strdup(host);
	if (!v->agent_ids[v->nagents] || !v->hostnames[v->nagents]) {
		free(v->agent_ids[v->nagents]);
		free(v->hostnames[v->nagents]);
		return NONE;
	}
	return (uint32_t)v->nagents++;
}

static void add_agent(struct vent *e, uint32_t agent)
{
	if (agent == NONE) {
		e->agents_more = 1;
		return;
	}
	for (size_t i = 0; i < e->nagents; i++)
		if (e->agents[i] == agent)
			return;
	if (e->nagents == VIEW_MAX_AGENTS)
		e->agents_more = 1;
	else
		e->agents[e->nagents++] = (uint16_t)agent;
}

/* Common to both kinds: a report of entry i, now its latest update. */
static struct vent *touch(struct view *v, struct vtable *t, uint32_t i, uint32_t agent,
			  int64_t ms)
{
	struct vent *e = &t->e[i];

	e->update = ++v->clock;
	list_unlink(t, i);
	list_append(t, i);
	if (!e->received++ || (ms && (!e->first_ms || ms < e->first_ms)))
		e->first_ms = ms;
	if (ms > e->last_ms)
		e->last_ms = ms;
	add_agent(e, agent);
	return e;
}

static int add_finding(struct view *v, const gatewatch_v1_Finding *f, uint32_t idx,
		       uint64_t off, uint32_t agent, int64_t ms)
{
	struct vtable *t = &v->t[VIEW_FINDING];
	uint32_t i = get_or_add(t, f->id, 0);
	struct vent *e;

	if (i == NONE)
		return -ENOMEM;
	e = touch(v, t, i, agent, ms);
	e->batch_off = off;   /* the latest version received */
	e->index = idx;
	return 0;
}

static int add_incident(struct view *v, const gatewatch_v1_Incident *in, uint32_t idx,
			uint64_t off, uint32_t agent, int64_t ms)
{
	struct vtable *t = &v->t[VIEW_INCIDENT];
	uint32_t i = get_or_add(t, in->id, 1);
	struct vent *e;
	int seen = 0, below = 1;

	if (i == NONE)
		return -ENOMEM;
	e = touch(v, t, i, agent, ms);
	for (size_t k = 0; e->hist && k < e->nhist; k++) {
		uint64_t r = e->hist[k].revision;

		seen |= r == in->revision;
		below &= in->revision < r;
	}
	/* Below everything a full history still holds: pushed out, seen before. */
	if (e->hist && e->nhist == VIEW_MAX_HISTORY && below)
		seen = 1;
	if (!seen && e->hist) {
		struct view_rev *r;

		if (e->nhist == VIEW_MAX_HISTORY)
			e->hhead = (uint8_t)((e->hhead + 1) % VIEW_MAX_HISTORY);
		else
			e->nhist++;
		r = &e->hist[(e->hhead + e->nhist - 1) % VIEW_MAX_HISTORY];
		r->revision = in->revision;
		r->received_ms = ms;
		r->agent = agent;
	}
	if (!seen)
		e->revisions_seen++;
	/* The highest revision wins; on a tie, the one received last. */
	if (e->received == 1 || in->revision >= e->revision) {
		e->revision = in->revision;
		e->batch_off = off;
		e->index = idx;
	}
	return 0;
}

int view__add_batch(struct view *v, const struct ship_batch *b, uint64_t off,
		    int64_t received_ms)
{
	uint32_t agent = agent_index(v, b->hdr.agent_id, b->hdr.hostname);
	int err = 0;

	for (size_t i = 0; i < b->nfindings; i++)
		if (b->findings[i].id[0])
			err |= add_finding(v, &b->findings[i], (uint32_t)i, off, agent, received_ms);
	for (size_t i = 0; i < b->nincidents; i++)
		if (b->incidents[i].id[0])
			err |= add_incident(v, &b->incidents[i], (uint32_t)i, off, agent,
					    received_ms);
	return err ? -ENOMEM : 0;
}

static char *dup_name(const struct view *v, uint32_t agent, int host)
{
	if (agent == NONE || agent >= v->nagents)
		return strdup("");
	return strdup(host ? v->hostnames[agent] : v->agent_ids[agent]);
}

static int copy_row(const struct view *v, const struct vent *e, struct view_row *r)
{
	int oom = 0;

	r->id = strdup(e->id);
	oom |= !r->id;
	r->update = e->update;
	r->batch_off = e->batch_off;
	r->index = e->index;
	r->revision = e->revision;
	r->received = e->received;
	r->revisions_seen = e->revisions_seen;
	r->first_ms = e->first_ms;
	r->last_ms = e->last_ms;
	r->agents_more = e->agents_more;
	for (size_t i = 0; i < e->nagents; i++, r->nagents++) {
		r->agent_ids[i] = dup_name(v, e->agents[i], 0);
		r->hostnames[i] = dup_name(v, e->agents[i], 1);
		oom |= !r->agent_ids[i] || !r->hostnames[i];
	}
	for (size_t i = 0; e->hist && i < e->nhist; i++, r->nhist++) {
		r->hist[i] = e->hist[(e->hhead + i) % VIEW_MAX_HISTORY];
		r->hist_agents[i] = dup_name(v, r->hist[i].agent, 0);
		oom |= !r->hist_agents[i];
	}
	return oom ? -ENOMEM : 0;
}

int view__page(const struct view *v, enum view_kind kind, const uint64_t *cursor,
	       size_t limit, struct view_page *out)
{
	const struct vtable *t = &v->t[kind];
	uint32_t i = t->tail, first = NONE;
	size_t back = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (cursor && *cursor > v->clock)
		return -EINVAL;
	/* Walk back from the newest: to the first after the cursor, or limit. */
	while (i != NONE && (cursor ? t->e[i].update > *cursor : back < limit)) {
		first = i;
		back++;
		i = t->e[i].prev;
	}
	out->next = v->clock;
	if (first == NONE)
		return 0;
	out->rows = calloc(back < limit ? back : limit, sizeof(*out->rows));
	if (!out->rows)
		return -ENOMEM;
	for (i = first; i != NONE && out->n < limit && !err; i = t->e[i].next)
		err = copy_row(v, &t->e[i], &out->rows[out->n++]);
	if (i != NONE)
		out->next = out->rows[out->n - 1].update;
	if (err)
		view_page__free(out);
	return err;
}

void view_page__free(struct view_page *p)
{
	for (size_t i = 0; p->rows && i < p->n; i++) {
		struct view_row *r = &p->rows[i];

		free(r->id);
		for (size_t k = 0; k < r->nagents; k++) {
			free(r->agent_ids[k]);
			free(r->hostnames[k]);
		}
		for (size_t k = 0; k < r->nhist; k++)
			free(r->hist_agents[k]);
	}
	free(p->rows);
	memset(p, 0, sizeof(*p));
}

void view__stats(const struct view *v, struct view_stats *st)
{
	for (int k = 0; k < VIEW_KINDS; k++) {
		st->entries[k] = v->t[k].n;
		st->forgotten[k] = v->t[k].forgotten;
	}
}
