/* See detect_internal.h: a small open-addressing map from interned string
 * (by pointer) to a count, used for "distinct" and "most frequent". */
#include "detect/detect_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void tally__init(struct tally *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
}

static size_t slot_of(const char *key, size_t cap)
{
	uintptr_t h = (uintptr_t)key;

	h ^= h >> 17;
	h *= (uintptr_t)0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	return (size_t)h & (cap - 1);
}

static int rehash(struct tally *t, size_t cap)
{
	const char **keys = calloc(cap, sizeof(*keys));
	uint32_t *counts = calloc(cap, sizeof(*counts));
	size_t j;

	if (!keys || !counts) {
		free(keys);
		free(counts);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->keys[i])
			continue;
		for (j = slot_of(t->keys[i], cap); keys[j]; j = (j + 1) & (cap - 1))
			;
		keys[j] = t->keys[i];
		counts[j] = t->counts[i];
	}
	free(t->keys);
	free(t->counts);
	t->keys = keys;
	t->counts = counts;
	t->cap = cap;
	return 0;
}

int tally__add(struct tally *t, const char *key)
{
	size_t i;

	if (!key || !*key)
		return 0;
	if ((t->n + 1) * 2 > t->cap && t->n < t->max) {
		int err = rehash(t, t->cap ? t->cap * 2 : 16);

		if (err)
			return err;
	}
	for (i = slot_of(key, t->cap); t->keys[i]; i = (i + 1) & (t->cap - 1)) {
		if (t->keys[i] == key) {
			if (t->counts[i] < UINT32_MAX)
				t->counts[i]++;
			return 0;
		}
	}
	if (t->n >= t->max) {
		t->overflow++;
		return 0;
	}
	t->keys[i] = key;
	t->counts[i] = 1;
	t->n++;
	return 0;
}

const char *tally__top(const struct tally *t)
{
	const char *best = "";
	uint32_t bc = 0;

	for (size_t i = 0; i < t->cap; i++) {
		if (!t->keys[i])
			continue;
		if (t->counts[i] > bc || (t->counts[i] == bc && strcmp(t->keys[i], best) < 0)) {
			best = t->keys[i];
			bc = t->counts[i];
		}
	}
	return best;
}

void tally__free(struct tally *t)
{
	free(t->keys);
	free(t->counts);
	memset(t, 0, sizeof(*t));
}

void tally__strings(const struct tally *t, struct strmark *m)
{
	for (size_t i = 0; i < t->cap; i++)
		strmark__str(m, t->keys[i]);
}
