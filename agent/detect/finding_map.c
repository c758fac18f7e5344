/* See finding_map.h. Ids are hashed with a per-map seed drawn at random: an
 * attacker who shapes what a finding's id is made of cannot line ids up
 * in one probe run. At most half the slots are used. */
#include "detect/finding_map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "detect/detect.h"
#include "lib/fasthash.h"

static size_t home(const struct finding_map *m, const char *id)
{
	return (size_t)gw_fasthash(m->seed, id, strlen(id)) & (m->cap - 1);
}

/* The slot holding id, or the empty slot where it would go. */
static struct finding **find(const struct finding_map *m, const char *id)
{
	size_t i = home(m, id);

	while (m->slot[i] && strcmp(m->slot[i]->id, id) != 0)
		i = (i + 1) & (m->cap - 1);
	return &m->slot[i];
}

struct finding *finding_map__get(const struct finding_map *m, const char *id)
{
	return m->cap ? *find(m, id) : NULL;
}

static int grow(struct finding_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct finding **old = m->slot, **ns = calloc(cap, sizeof(*ns));
	size_t oldcap = m->cap;

	if (!ns)
		return -ENOMEM;
	if (!m->seed && getrandom(&m->seed, sizeof(m->seed), 0) != sizeof(m->seed))
		m->seed = (uint64_t)(uintptr_t)ns ^ 0x9e3779b97f4a7c15ull;
	m->slot = ns;
	m->cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i])
			*find(m, old[i]->id) = old[i];
	free(old);
	return 0;
}

int finding_map__put(struct finding_map *m, struct finding *f)
{
	struct finding **s;

	if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
		return -ENOMEM;
	s = find(m, f->id);
	if (!*s)
		m->n++;
	*s = f;
	return 0;
}

int finding_map__rebuild(struct finding_map *m, struct finding *const *v, size_t n)
{
	if (m->cap)
		memset(m->slot, 0, m->cap * sizeof(*m->slot));
	m->n = 0;
	for (size_t i = 0; i < n; i++)
		if (finding_map__put(m, v[i]) < 0)
			return -ENOMEM;
	return 0;
}

void finding_map__free(struct finding_map *m)
{
	free(m->slot);
	memset(m, 0, sizeof(*m));
}
