/* See counts.h. Open addressing, linear probing; sweeping rebuilds. */
#include "counts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t key_hash(const struct gw_read_key *k)
{
	uint64_t h = ((uint64_t)k->tgid << 32 | k->root_id) * 0x9e3779b97f4a7c15ull;

	h ^= k->bucket_ino * 0xc2b2ae3d27d4eb4full;
	return (size_t)(h ^ (h >> 29));
}

int count_table__init(struct count_table *t, size_t capacity)
{
	size_t n = 16;

	while (n < capacity * 2)
		n *= 2;
	t->slots = calloc(n, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->nslots = n;
	t->count = 0;
	return 0;
}

void count_table__fini(struct count_table *t)
{
	free(t->slots);
	t->slots = NULL;
	t->nslots = t->count = 0;
}

struct count_entry *count_table__get(struct count_table *t, const struct gw_read_key *key)
{
	size_t mask = t->nslots - 1, i;

	for (i = key_hash(key) & mask; t->slots[i].used; i = (i + 1) & mask)
		if (memcmp(&t->slots[i].key, key, sizeof(*key)) == 0)
			return &t->slots[i];
	/* Keep the table at most half full so probes stay short. */
	if ((t->count + 1) * 2 > t->nslots)
		return NULL;
	memset(&t->slots[i], 0, sizeof(t->slots[i]));
	t->slots[i].key = *key;
	t->slots[i].used = 1;
	t->count++;
	return &t->slots[i];
}

void count_table__sweep(struct count_table *t, uint32_t gen)
{
	struct count_entry *old = t->slots;
	size_t n = t->nslots;
	struct count_table fresh;

	if (count_table__init(&fresh, n / 2) < 0)
		return; /* keep the stale entries; they are harmless */
	for (size_t i = 0; i < n; i++) {
		struct count_entry *e;

		if (!old[i].used || old[i].seen != gen)
			continue;
		e = count_table__get(&fresh, &old[i].key);
		if (e)
			*e = old[i];
	}
	free(old);
	*t = fresh;
}
