/* See detect_internal.h: first-seen sets and the EWMA statistics that make
 * up an identity's baseline. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"

void seen__init(struct seen_set *s, uint32_t max)
{
	memset(s, 0, sizeof(*s));
	s->max = max;
}

void seen__free(struct seen_set *s)
{
	free(s->e);
	memset(s, 0, sizeof(*s));
}

static uint32_t seen_slot(const char *key, int kind, uint32_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)key ^ ((uint64_t)kind << 59);

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h & (cap - 1);
}

void seen__prefetch(const struct seen_set *s, const char *key, int kind)
{
	if (s->e)
		__builtin_prefetch(&s->e[seen_slot(key, kind, s->cap)]);
}

/* Rebuild at cap, leaving out what the TTL has expired. */
static int seen_rehash(struct seen_set *s, uint32_t cap, uint16_t today, uint16_t ttl)
{
	struct seen_ent *ne = calloc(cap, sizeof(*ne));
	uint32_t j, n = 0;

	if (!ne)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->cap; i++) {
		const struct seen_ent *o = &s->e[i];

		if (!o->key || (uint16_t)(today - o->day) > ttl)
			continue;
		for (j = seen_slot(o->key, o->kind, cap); ne[j].key; j = (j + 1) & (cap - 1))
			;
		ne[j] = *o;
		n++;
	}
	free(s->e);
	s->e = ne;
	s->cap = cap;
	s->n = n;
	return 0;
}

int seen__touch(struct seen_set *s, const char *key, int kind, uint16_t today, uint16_t ttl,
		uint64_t *dropped)
{
	uint32_t i, cap;
	int err;

	if (!key || !*key)
		return 1;
	if ((s->n + 1) * 4 > s->cap * 3) {
		cap = s->cap ? s->cap * 2 : 8;
		/* At the bound: forget what expired, at most once a day. */
		if (s->cap && (uint64_t)s->cap * 3 / 4 >= s->max)
			cap = s->purged == today ? 0 : s->cap;
		if (cap) {
			s->purged = today;
			err = seen_rehash(s, cap, today, ttl);
			if (err)
				return err;
		}
	}
	for (i = seen_slot(key, kind, s->cap); s->e[i].key; i = (i + 1) & (s->cap - 1)) {
		struct seen_ent *e = &s->e[i];

		if (e->key == key && e->kind == kind) {
			int was = (uint16_t)(today - e->day) <= ttl;

			e->day = today;
			return was;
		}
	}
	if (s->n >= s->max || (s->n + 1) * 4 > s->cap * 3) {
		(*dropped)++;
		return 1;
	}
	s->e[i].key = key;
	s->e[i].kind = (uint8_t)kind;
	s->e[i].day = today;
	s->n++;
	return 0;
}

int seen__put(struct seen_set *s, const char *key, int kind, uint16_t day)
{
	uint32_t i;
	int err;

	if (!key || !*key)
		return 0;
	if ((s->n + 1) * 4 > s->cap * 3) {
		if (s->cap && (uint64_t)s->cap * 3 / 4 >= s->max)
			return 0;   /* at the bound: the rest is forgotten */
		err = seen_rehash(s, s->cap ? s->cap * 2 : 8, day, 0xffff);
		if (err)
			return err;
	}
	for (i = seen_slot(key, kind, s->cap); s->e[i].key; i = (i + 1) & (s->cap - 1))
		if (s->e[i].key == key && s->e[i].kind == kind)
			break;
	s->n += !s->e[i].key;
	s->e[i].key = key;
	s->e[i].kind = (uint8_t)kind;
	s->e[i].day = day;
	return 0;
}

int seen__has(const struct seen_set *s, const char *key, int kind)
{
	if (!s->cap)
		return 0;
	for (uint32_t i = seen_slot(key, kind, s->cap); s->e[i].key; i = (i + 1) & (s->cap - 1))
		if (s->e[i].key == key && s->e[i].kind == kind)
			return 1;
	return 0;
}

void ewma__add(struct ewma *e, double x, double alpha)
{
	double a, d;

	/* Plain mean and variance while history is short, then exponential. */
	e->n++;
	a = 1.0 / e->n > alpha ? 1.0 / e->n : alpha;
	/* Winsorize: one outlier must not teach the baseline that it is normal. */
	if (e->n > 8) {
		double cap = e->mean + 3.0 * sqrt(e->var) + 1.0;

		if (x > cap)
			x = cap;
	}
	d = x - e->mean;
	e->mean += (float)(a * d);
	e->var = (float)((1.0 - a) * (e->var + a * d * d));
}

int ewma__unusual(const struct ewma *e, double x, double floor, double ratio, double k)
{
	double sd = sqrt(e->var);

	return x >= floor && x > ratio * e->mean && x > e->mean + k * sd;
}

void seen__strings(const struct seen_set *s, struct strmark *m)
{
	for (uint32_t i = 0; i < s->cap; i++)
		strmark__str(m, s->e[i].key);
}

void seen__purge(struct seen_set *s, uint16_t today, uint16_t ttl)
{
	for (uint32_t i = 0; i < s->cap; i++)
		if (s->e[i].key && (uint16_t)(today - s->e[i].day) > ttl) {
			seen_rehash(s, s->cap, today, ttl);   /* on failure: the next day */
			return;
		}
}
