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

void seen__lend(struct seen_set *s, void *block, uint32_t cap)
{
	s->key = block;
	memset(s->key, 0, cap * sizeof(*s->key));
	s->cap = cap;
	s->n = 0;
	s->lent = 1;
}

void seen__free(struct seen_set *s)
{
	if (!s->lent)
		free(s->key);
	memset(s, 0, sizeof(*s));
}

/* The slot of (key, kind), or the empty slot where it would go. */
static uint32_t seen_find(const struct seen_set *s, const char *key, int kind)
{
	const uint8_t *kinds = seen__kind(s);
	uint32_t i;

	for (i = seen__slot(key, kind, s->cap); s->key[i]; i = seen__next(i, s->cap))
		if (s->key[i] == key && kinds[i] == kind)
			break;
	return i;
}

/* Rebuild at cap, leaving out what the TTL has expired. */
static int seen_rehash(struct seen_set *s, uint32_t cap, uint16_t today, uint16_t ttl)
{
	struct seen_set o = *s;
	const uint16_t *odays = o.cap ? seen__day(&o) : NULL;
	const uint8_t *okinds = o.cap ? seen__kind(&o) : NULL;
	uint16_t *days;
	uint8_t *kinds;
	uint32_t j, n = 0;

	s->key = calloc(cap, SEEN_SLOT);
	if (!s->key) {
		s->key = o.key;
		return -ENOMEM;
	}
	s->cap = cap;
	days = seen__day(s);
	kinds = seen__kind(s);
	for (uint32_t i = 0; i < o.cap; i++) {
		if (!o.key[i] || (uint16_t)(today - odays[i]) > ttl)
			continue;
		for (j = seen__slot(o.key[i], okinds[i], cap); s->key[j]; j = seen__next(j, cap))
			;
		s->key[j] = o.key[i];
		days[j] = odays[i];
		kinds[j] = okinds[i];
		n++;
	}
	if (o.lent && cap == o.cap) {
		/* Rebuilt within the lent block, which it keeps. */
		memcpy(o.key, s->key, cap * SEEN_SLOT);
		free(s->key);
		s->key = o.key;
	} else {
		if (!o.lent)
			free(o.key);
		s->lent = 0;
	}
	s->n = n;
	return 0;
}

/* A new set's slots: an identity's set holds an address, an agent, an
 * API, a service, a region and a few buckets within days, and 15 to 21
 * keys after weeks; 24 slots (21 keys: seen__room) hold that without a
 * rehash, and without the hole a freed smaller block leaves among the
 * identities' memory; a set bounded at 16 or less starts at 8. */
static uint32_t seen_first_cap(uint32_t max)
{
	return max > 16 ? 24 : 8;
}

/* The next size up: half as much again from a power of two, a third from
 * the size between (16, 24, 32, 48, 64, ...). An identity's set fills
 * slowly (a few keys a week), so growing by less keeps fewer empty slots
 * in each of 100,000 sets: at 16 keys, 24 slots, not 32. Sets still end
 * at the first size whose room reaches their bound, as when they doubled. */
static uint32_t seen_next_cap(uint32_t cap)
{
	return cap & (cap - 1) ? cap / 3 * 4 : cap / 2 * 3;
}

int seen__touch_slow(struct seen_set *s, const char *key, int kind, uint16_t today,
		     uint16_t ttl, uint64_t *dropped)
{
	uint32_t i, cap;
	int err;

	if (!key || !*key)
		return 1;
	if (s->n >= seen__room(s->cap) || (s->cap && s->n >= s->max)) {
		cap = s->cap ? seen_next_cap(s->cap) : seen_first_cap(s->max);
		/* At the bound (its keys, whatever room is left): forget what
		 * expired, at most once a day. */
		if (s->cap && seen__room(s->cap) >= s->max)
			cap = s->purged == today ? 0 : s->cap;
		if (cap) {
			s->purged = today;
			err = seen_rehash(s, cap, today, ttl);
			if (err)
				return err;
		}
	}
	i = seen_find(s, key, kind);
	if (s->key[i]) {
		int was = (uint16_t)(today - seen__day(s)[i]) <= ttl;

		seen__day(s)[i] = today;
		return was;
	}
	if (s->n >= s->max || s->n >= seen__room(s->cap)) {
		(*dropped)++;
		return 1;
	}
	s->key[i] = key;
	seen__kind(s)[i] = (uint8_t)kind;
	seen__day(s)[i] = today;
	s->n++;
	return 0;
}

int seen__put(struct seen_set *s, const char *key, int kind, uint16_t day)
{
	uint32_t i;
	int err;

	if (!key || !*key)
		return 0;
	if (s->cap && s->n >= s->max)
		return 0;   /* at the bound: the rest is forgotten */
	if (s->n >= seen__room(s->cap)) {
		err = seen_rehash(s, s->cap ? seen_next_cap(s->cap) : 8, day, 0xffff);
		if (err)
			return err;
	}
	i = seen_find(s, key, kind);
	s->n += !s->key[i];
	s->key[i] = key;
	seen__kind(s)[i] = (uint8_t)kind;
	seen__day(s)[i] = day;
	return 0;
}

int seen__has(const struct seen_set *s, const char *key, int kind)
{
	return s->cap && s->key[seen_find(s, key, kind)];
}

int ewma__unusual(const struct ewma *e, double x, double floor, double ratio, double k)
{
	double sd = sqrt(e->var);

	return x >= floor && x > ratio * e->mean && x > e->mean + k * sd;
}

void seen__strings(const struct seen_set *s, struct strmark *m)
{
	for (uint32_t i = 0; i < s->cap; i++)
		strmark__str(m, s->key[i]);
}

void seen__purge(struct seen_set *s, uint16_t today, uint16_t ttl)
{
	const uint16_t *days = s->cap ? seen__day(s) : NULL;

	for (uint32_t i = 0; i < s->cap; i++)
		if (s->key[i] && (uint16_t)(today - days[i]) > ttl) {
			seen_rehash(s, s->cap, today, ttl);   /* on failure: the next day */
			return;
		}
}
