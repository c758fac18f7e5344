/* agent/collect: the collector's duplicate index (see store.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collect/store.h"

struct agent_seqs {
	char *agent;
	uint64_t max;          /* highest sequence seen */
	uint64_t used;         /* last touched, for eviction */
	uint64_t bits[DEDUP_WINDOW / 64];   /* seq % DEDUP_WINDOW, seq in (max - WINDOW, max] */
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

void dedup__free(struct dedup *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->agents[i].agent);
	free(d->agents);
	free(d);
}

static struct agent_seqs *find(const struct dedup *d, const char *agent)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->agents[i].agent, agent) == 0)
			return &d->agents[i];
	return NULL;
}

static int bit_get(const struct agent_seqs *a, uint64_t seq)
{
	uint64_t b = seq % DEDUP_WINDOW;

	return (a->bits[b / 64] >> (b % 64)) & 1;
}

static void bit_set(struct agent_seqs *a, uint64_t seq, int on)
{
	uint64_t b = seq % DEDUP_WINDOW, m = 1ull << (b % 64);

	a->bits[b / 64] = on ? a->bits[b / 64] | m : a->bits[b / 64] & ~m;
}

int dedup__seen(const struct dedup *d, const char *agent, uint64_t seq)
{
	const struct agent_seqs *a = find(d, agent);

	if (!a || seq > a->max || a->max - seq >= DEDUP_WINDOW)
		return 0;
	return bit_get(a, seq);
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
	free(a->agent);
	return a;
}

int dedup__add(struct dedup *d, const char *agent, uint64_t seq)
{
	struct agent_seqs *a = find(d, agent);
	char *name;

	if (!a) {
		name = strdup(agent);
		if (!name)
			return -ENOMEM;
		a = slot(d);
		if (!a) {
			free(name);
			return -ENOMEM;
		}
		memset(a, 0, sizeof(*a));
		a->agent = name;
		a->max = seq;
	}
	a->used = ++d->clock;
	if (seq > a->max) {
		if (seq - a->max >= DEDUP_WINDOW)
			memset(a->bits, 0, sizeof(a->bits));
		else
			for (uint64_t s = a->max + 1; s < seq; s++)
				bit_set(a, s, 0);
		a->max = seq;
	} else if (a->max - seq >= DEDUP_WINDOW) {
		return 0;   /* older than the window: not tracked */
	}
	bit_set(a, seq, 1);
	return 0;
}
