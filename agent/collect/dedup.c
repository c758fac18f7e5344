/* agent/collect: the collector's duplicate index (see store.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "collect/store.h"

struct dedup_ent {
	uint64_t seq;
	uint8_t digest[DEDUP_DIGEST_LEN];
};

struct agent_seqs {
	char *agent;
	uint64_t hwm;            /* highest sequence stored */
	uint64_t forgot_max;     /* highest sequence pushed out of the window */
	bool forgot;             /* any pushed out */
	uint64_t used;           /* last touched, for eviction */
	struct dedup_ent *win;   /* ring in store order; head is the oldest */
	size_t n, cap, head;
};

struct dedup {
	struct agent_seqs *agents;
	size_t n, cap;
	uint64_t clock;
};

struct dedup *dedup__new(size_t max_agents)
{
	struct dedup *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->cap = max_agents ? max_agents : 1;
	return d;
}

static void agent_free(struct agent_seqs *a)
{
	free(a->agent);
	free(a->win);
	memset(a, 0, sizeof(*a));
}

void dedup__free(struct dedup *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		agent_free(&d->agents[i]);
	free(d->agents);
	free(d);
}

void dedup__digest(const uint8_t *data, size_t len, uint8_t digest[DEDUP_DIGEST_LEN])
{
	uint8_t full[32];

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, full) < 0)
		memset(full, 0, sizeof(full));   /* cannot happen with SHA-256 built in */
	memcpy(digest, full, DEDUP_DIGEST_LEN);
}

static struct agent_seqs *find(const struct dedup *d, const char *agent)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->agents[i].agent, agent) == 0)
			return &d->agents[i];
	return NULL;
}

static const struct dedup_ent *lookup(const struct agent_seqs *a, uint64_t seq)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->win[i].seq == seq)
			return &a->win[i];
	return NULL;
}

enum dedup_verdict dedup__check(const struct dedup *d, const char *agent, uint64_t seq,
				const uint8_t digest[DEDUP_DIGEST_LEN])
{
	const struct agent_seqs *a = find(d, agent);
	const struct dedup_ent *e;

	if (!a || seq > a->hwm)
		return DEDUP_NEW;
	e = lookup(a, seq);
	if (e)
		return memcmp(e->digest, digest, DEDUP_DIGEST_LEN) ? DEDUP_CONFLICT : DEDUP_DUPLICATE;
	return a->forgot && seq <= a->forgot_max ? DEDUP_NEW_UNSURE : DEDUP_NEW;
}

/* A slot for a new agent: grow, or forget the least recently used one. */
static struct agent_seqs *slot(struct dedup *d)
{
	struct agent_seqs *a;

	if (d->n < d->cap) {
		if (d->n % 64 == 0) {
			a = realloc(d->agents, (d->n + 64) * sizeof(*a));
			if (!a)
				return NULL;
			d->agents = a;
		}
		return &d->agents[d->n++];
	}
	a = &d->agents[0];
	for (size_t i = 1; i < d->n; i++)
		if (d->agents[i].used < a->used)
			a = &d->agents[i];
	agent_free(a);
	return a;
}

/* Room for one more entry: grow the ring up to DEDUP_WINDOW (kept in store
 * order, oldest first), or push out the oldest. */
static int make_room(struct agent_seqs *a)
{
	struct dedup_ent *nw;
	size_t cap;

	if (a->n < a->cap)
		return 0;
	if (a->cap < DEDUP_WINDOW) {
		cap = a->cap ? a->cap * 2 : 16;
		nw = malloc(cap * sizeof(*nw));
		if (!nw)
			return -ENOMEM;
		for (size_t i = 0; i < a->n; i++)
			nw[i] = a->win[(a->head + i) % a->cap];
		free(a->win);
		a->win = nw;
		a->cap = cap;
		a->head = 0;
		return 0;
	}
	if (!a->forgot || a->win[a->head].seq > a->forgot_max)
		a->forgot_max = a->win[a->head].seq;
	a->forgot = true;
	a->head = (a->head + 1) % a->cap;
	a->n--;
	return 0;
}

static struct agent_seqs *add_agent(struct dedup *d, const char *agent, uint64_t seq)
{
	struct agent_seqs *a;
	char *name = strdup(agent);

	if (!name)
		return NULL;
	a = slot(d);
	if (!a) {
		free(name);
		return NULL;
	}
	memset(a, 0, sizeof(*a));
	a->agent = name;
	a->hwm = seq;
	return a;
}

int dedup__add(struct dedup *d, const char *agent, uint64_t seq,
	       const uint8_t digest[DEDUP_DIGEST_LEN])
{
	struct agent_seqs *a = find(d, agent);
	struct dedup_ent *e;

	if (!a && !(a = add_agent(d, agent, seq)))
		return -ENOMEM;
	a->used = ++d->clock;
	if (make_room(a) < 0)
		return -ENOMEM;
	if (seq > a->hwm)
		a->hwm = seq;
	e = &a->win[(a->head + a->n) % a->cap];
	e->seq = seq;
	memcpy(e->digest, digest, DEDUP_DIGEST_LEN);
	a->n++;
	return 0;
}
