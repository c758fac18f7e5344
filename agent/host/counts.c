/* See counts.h. Open addressing, linear probing; sweeping rebuilds. */
#include "counts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t key_hash(const uint8_t *k, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++) {
		h ^= k[i];
		h *= 1099511628211ull;
	}
	return (size_t)(h ^ (h >> 29));
}

int count_table__init(struct count_table *t, size_t capacity, size_t key_size)
{
	size_t n = 16;

	if (key_size > COUNT_KEY_MAX)
		return -EINVAL;
	while (n < capacity * 2)
		n *= 2;
	t->slots = calloc(n, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->nslots = n;
	t->count = 0;
	t->key_size = key_size;
	return 0;
}

void count_table__fini(struct count_table *t)
{
	free(t->slots);
	t->slots = NULL;
	t->nslots = t->count = 0;
}

struct count_entry *count_table__get(struct count_table *t, const void *key)
{
	size_t mask = t->nslots - 1, i;

	for (i = key_hash(key, t->key_size) & mask; t->slots[i].used; i = (i + 1) & mask)
		if (memcmp(t->slots[i].key, key, t->key_size) == 0)
			return &t->slots[i];
	/* Keep the table at most half full so probes stay short. */
	if ((t->count + 1) * 2 > t->nslots)
		return NULL;
	memset(&t->slots[i], 0, sizeof(t->slots[i]));
	memcpy(t->slots[i].key, key, t->key_size);
	t->slots[i].used = 1;
	t->count++;
	return &t->slots[i];
}

void count_table__sweep(struct count_table *t, uint32_t gen)
{
	struct count_entry *old = t->slots;
	size_t n = t->nslots;
	struct count_table fresh;

	if (count_table__init(&fresh, n / 2, t->key_size) < 0)
		return; /* keep the stale entries; they are harmless */
	for (size_t i = 0; i < n; i++) {
		struct count_entry *e;

		if (!old[i].used || old[i].seen != gen)
			continue;
		e = count_table__get(&fresh, old[i].key);
		if (e)
			*e = old[i];
	}
	free(old);
	*t = fresh;
}
