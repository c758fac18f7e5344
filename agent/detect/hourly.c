/* Per-identity hourly counts against the identity's own earlier hours: the
 * shared part of the "so many objects in one hour" rules (mass-delete,
 * mass-overwrite). A table keyed by the interned principal that grows with
 * the identities up to the detector's max_identities, so memory stays
 * bounded whatever the log holds. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"
#include "lib/hugemem.h"

#define HOURLY_FIRST (1u << 12)
#define HOUR_MS 3600000LL

int hourly__init(struct hourly *b, uint32_t max)
{
	b->max = max ? max : 1;
	b->nslots = HOURLY_FIRST;
	b->t = calloc(b->nslots, sizeof(*b->t));
	b->used = 0;
	return b->t ? 0 : -ENOMEM;
}

void hourly__fini(struct hourly *b)
{
	free(b->t);
	b->t = NULL;
}

static size_t slot_of(const char *p, size_t nslots)
{
	return (size_t)(((uintptr_t)p * 0x9e3779b97f4a7c15ull) >> 24) & (nslots - 1);
}

/* Twice the slots, in place (realloc, then every entry re-placed), so that
 * the old table and the new are never held side by side: at 100,000
 * identities the two were 12 MiB, at the run's peak. An entry is taken
 * out and put at the first slot from its home not placed yet; one that
 * stood there unplaced is taken out in turn. */
static int grow(struct hourly *b)
{
	size_t n = b->nslots * 2, i;
	uint64_t *placed = calloc(n / 64 + 1, sizeof(*placed));
	struct hourly_ent *t = placed ? realloc(b->t, n * sizeof(*t)) : NULL, e, kicked;

	if (!t) {
		free(placed);
		return -ENOMEM;
	}
	huge__hint(t, n * sizeof(*t));
	memset(t + b->nslots, 0, (n - b->nslots) * sizeof(*t));
	for (size_t j = 0; j < n; j++) {
		if (!t[j].principal || (placed[j / 64] >> (j % 64) & 1))
			continue;
		e = t[j];
		memset(&t[j], 0, sizeof(t[j]));
		for (;;) {
			for (i = slot_of(e.principal, n); placed[i / 64] >> (i % 64) & 1;
			     i = (i + 1) & (n - 1))
				;
			placed[i / 64] |= (uint64_t)1 << (i % 64);
			kicked = t[i];
			t[i] = e;
			if (!kicked.principal)
				break;
			e = kicked;
		}
	}
	free(placed);
	b->t = t;
	b->nslots = n;
	return 0;
}

/* Once a stream day: principals idle for longer than the first-seen TTL
 * are forgotten (their mean of a month ago says little), so the table
 * follows the live principals. Rebuilt: the probing has no holes. */
static void age(struct hourly *b, int64_t hour, uint32_t ttl_days)
{
	struct hourly_ent *t;
	size_t gone = 0;

	b->aged_hour = hour;
	for (size_t i = 0; i < b->nslots; i++)
		gone += b->t[i].principal && b->t[i].hour + 24 * (int64_t)ttl_days < hour;
	if (!gone || !(t = calloc(b->nslots, sizeof(*t))))
		return;
	huge__hint(t, b->nslots * sizeof(*t));
	for (size_t i = 0; i < b->nslots; i++) {
		struct hourly_ent *e = &b->t[i];
		size_t j;

		if (!e->principal || e->hour + 24 * (int64_t)ttl_days < hour)
			continue;
		for (j = slot_of(e->principal, b->nslots); t[j].principal; j = (j + 1) & (b->nslots - 1))
			;
		t[j] = *e;
	}
	free(b->t);
	b->t = t;
	b->used -= gone;
}

/* The table grows with the identities, up to max of them (the detector's
 * max_identities); past that, or out of memory at 7/8 full, NULL. */
static struct hourly_ent *hourly_slot(struct hourly *b, const char *p)
{
	size_t i;

	if (b->used * 4 >= b->nslots * 3 && b->used < b->max)
		(void)grow(b);
	for (i = slot_of(p, b->nslots); b->t[i].principal; i = (i + 1) & (b->nslots - 1))
		if (b->t[i].principal == p)
			return &b->t[i];
	if (b->used >= b->max || b->used * 8 >= b->nslots * 7)
		return NULL;
	b->t[i].principal = p;
	b->used++;
	return &b->t[i];
}

int hourly__get(struct hourly *b, struct detector *d, const struct audit_event *ev,
	       struct hourly_ent **out)
{
	int64_t hour = ev->time_ms / HOUR_MS;
	const char *p = detector__ev_str(d, ev, EVF_PRINCIPAL);
	struct hourly_ent *e;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	if (hour - b->aged_hour >= 24)
		age(b, hour, detector__config(d)->seen_ttl_days);
	e = hourly_slot(b, p);
	if (!e) {
		detector__entity_dropped(d);
		return 0;
	}
	if (e->hour != hour) {
		if (e->base)
			e->mean = e->mean ? 0.8f * e->mean + 0.2f * (float)e->base : (float)e->base;
		e->hour = hour;
		e->n = 0;
		e->base = 0;
		e->fired = 0;
	}
	*out = e;
	return 0;
}

int hourly__crossed(struct hourly_ent *e, uint32_t floor, double factor)
{
	if (e->fired || e->n < floor || (double)e->n < factor * e->mean)
		return 0;
	e->fired = 1;
	return 1;
}

void hourly__strings(const struct hourly *b, struct strmark *m)
{
	for (size_t i = 0; b->t && i < b->nslots; i++)
		strmark__str(m, b->t[i].principal);
}
