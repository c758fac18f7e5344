/* See volume.h. An open-addressing table keyed by the interned string and
 * its kind; each entity keeps one open hour, closed by its next event in a
 * later hour or by the flush. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "detect/baseline_priv.h"
#include "detect/volume.h"
#include "lib/hugemem.h"

/* An address's entry ends where a bucket's readers and samples begin. */
static size_t ent_size(int kind)
{
	return kind == VOL_BUCKET ? sizeof(struct vol_ent) : offsetof(struct vol_ent, readers);
}

/* A bucket's hour gives its samples back (an address has none, nor room for them). */
static void ent_clear(struct volume *v, struct vol_ent *e)
{
	if (e->kind == VOL_BUCKET)
		samples__clear(&v->samples, e->samples, &e->nsamples);
}

struct volume *volume__new(struct detector *d, const struct detector_config *cfg,
			   uint64_t *dropped)
{
	struct volume *v = calloc(1, sizeof(*v));

	if (!v)
		goto fail;
	v->d = d;
	v->cfg = cfg;
	v->dropped = dropped;
	v->nslots = 1024;
	slab__init(&v->samples, SAMPLES_BLOCK, VOL_SAMPLES_CHUNK);
	v->tab = calloc(v->nslots, sizeof(*v->tab));
	if (!v->tab)
		goto fail;
	return v;
fail:
	volume__free(v);
	errno = ENOMEM;
	return NULL;
}

void volume__free(struct volume *v)
{
	if (!v)
		return;
	for (size_t i = 0; v->tab && i < v->nslots; i++)
		if (v->tab[i]) {
			ent_clear(v, v->tab[i]);
			free(v->tab[i]);
		}
	free(v->tab);
	slab__free(&v->samples);
	free(v);
}

static size_t slot_of(const char *key, int kind, size_t nslots)
{
	uint64_t h = (uint64_t)(uintptr_t)key ^ (uint64_t)kind;

	h ^= h >> 31;
	h *= 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	return (size_t)h & (nslots - 1);
}

static int grow(struct volume *v)
{
	size_t n = v->nslots * 2, j;
	struct vol_ent **t = calloc(n, sizeof(*t));

	if (!t)
		return -ENOMEM;
	huge__hint(t, n * sizeof(*t));
	for (size_t i = 0; i < v->nslots; i++) {
		if (!v->tab[i])
			continue;
		for (j = slot_of(v->tab[i]->key, v->tab[i]->kind, n); t[j]; j = (j + 1) & (n - 1))
			;
		t[j] = v->tab[i];
	}
	free(v->tab);
	v->tab = t;
	v->nslots = n;
	return 0;
}

/* The entry of (key, kind), or NULL: what almost every event finds, kept
 * apart from adding one, which volume__get() does. */
static inline struct vol_ent *lookup(const struct volume *v, const char *key, int kind)
{
	for (size_t i = slot_of(key, kind, v->nslots); v->tab[i]; i = (i + 1) & (v->nslots - 1))
		if (v->tab[i]->key == key && v->tab[i]->kind == kind)
			return v->tab[i];
	return NULL;
}

const struct vol_ent *volume__find(const struct volume *v, const char *key, int kind)
{
	return lookup(v, key, kind);
}

struct vol_ent *volume__get(struct volume *v, const char *key, int kind, int *err)
{
	size_t i;

	*err = 0;
	for (i = slot_of(key, kind, v->nslots); v->tab[i]; i = (i + 1) & (v->nslots - 1))
		if (v->tab[i]->key == key && v->tab[i]->kind == kind)
			return v->tab[i];
	if (v->count >= VOL_MAX)
		return NULL;
	if ((v->count + 1) * 2 > v->nslots) {
		*err = grow(v);
		if (*err)
			return NULL;
		for (i = slot_of(key, kind, v->nslots); v->tab[i]; i = (i + 1) & (v->nslots - 1))
			;
	}
	v->tab[i] = calloc(1, ent_size(kind));
	if (!v->tab[i]) {
		*err = -ENOMEM;
		return NULL;
	}
	v->ent_bytes += ent_size(kind);
	v->tab[i]->key = key;
	v->tab[i]->kind = (uint8_t)kind;
	v->count++;
	return v->tab[i];
}

/* Judge the hour against the baseline as it was, then learn it. A failed
 * finding is counted by the detector. */
static void close_hour(struct volume *v, struct vol_ent *e)
{
	if (e->kind == VOL_BUCKET)
		bucket_spike__judge(v->d, v, e);
	ewma__add(&e->ev, e->events, ALPHA_HOUR);
	ewma__add(&e->reads, e->nreads, ALPHA_HOUR);
	ent_clear(v, e);
	e->open = 0;
}

static void open_hour(struct volume *v, struct vol_ent *e, int64_t t)
{
	e->start = t - ((t % HOUR_MS) + HOUR_MS) % HOUR_MS;
	e->first_t = e->last_t = t;
	e->events = e->nreads = e->readers_more = 0;
	e->read_bytes = 0;
	ent_clear(v, e);
	e->nreaders = 0;
	e->open = 1;
}

static int note_read(struct volume *v, struct vol_ent *e, const struct audit_event *ev,
		     const char *principal, const char *ip, const char *ua, const char *key)
{
	size_t i;

	e->nreads++;
	e->read_bytes += ev->bytes_out;
	/* Only a bucket's hour is judged with its readers and samples (an
	 * address lends its baseline alone): an address keeps none. */
	if (e->kind != VOL_BUCKET)
		return 0;
	for (i = 0; i < e->nreaders && e->readers[i] != principal; i++)
		;
	if (i == e->nreaders && i < VOL_READERS) {
		e->readers[i] = principal;
		e->reader_n[i] = 0;
		e->reader_ip[i] = ip;
		e->reader_ua[i] = ua;
		e->reader_key[i] = key;
		e->reader_cloud[i] = ev->cloud;
		e->nreaders++;
	}
	if (i < VOL_READERS)
		e->reader_n[i]++;
	else
		e->readers_more++;
	return samples__add(&v->samples, e->samples, &e->nsamples, ev->object_key);
}

static int feed_one(struct volume *v, const struct audit_event *ev, const char *name, int kind,
		    const char *principal, const char *ip, const char *ua, const char *key)
{
	struct vol_ent *e;
	int64_t t = ev->time_ms;
	uint16_t day;
	int err;

	if (!*name)
		return 0;
	e = lookup(v, name, kind);
	if (!e && !(e = volume__get(v, name, kind, &err))) {
		if (!err)
			(*v->dropped)++;
		return err;
	}
	if (e->open && t < e->start)
		t = e->start;   /* late events count in the open hour */
	if (e->open && t >= e->start + HOUR_MS)
		close_hour(v, e);
	day = (uint16_t)(t / DAY_MS);
	if (day > e->cur_day) {
		e->active_days += e->cur_day != 0;
		e->cur_day = day;
	}
	if (!e->open)
		open_hour(v, e, t);
	e->last_t = t;
	e->events++;
	if (ev->action == GW_ACT_OBJECT_READ && ev->outcome == GW_OUT_OK)
		return note_read(v, e, ev, principal, ip, ua, key);
	return 0;
}

int volume__feed(struct volume *v, const struct audit_event *ev, const char *principal,
		 const char *ip, const char *ua, const char *bucket, const char *key)
{
	int err = feed_one(v, ev, ip, VOL_IP, principal, ip, ua, key);

	if (!err)
		err = feed_one(v, ev, bucket, VOL_BUCKET, principal, ip, ua, key);
	return err;
}

void volume__flush(struct volume *v)
{
	for (size_t i = 0; i < v->nslots; i++)
		if (v->tab[i] && v->tab[i]->open)
			close_hour(v, v->tab[i]);
}

size_t volume__bytes(const struct volume *v)
{
	return sizeof(*v) + v->nslots * sizeof(*v->tab) + v->ent_bytes;
}

static int vol_stale(const struct volume *v, const struct vol_ent *e, uint16_t today)
{
	return baseline__stale(v->cfg, e->active_days, e->cur_day, e->open, today);
}

void volume__age(struct volume *v, uint16_t today)
{
	struct vol_ent **t;
	size_t j, gone = 0;

	for (size_t i = 0; i < v->nslots; i++)
		gone += v->tab[i] && vol_stale(v, v->tab[i], today);
	if (!gone || !(t = calloc(v->nslots, sizeof(*t))))
		return;
	for (size_t i = 0; i < v->nslots; i++) {
		struct vol_ent *e = v->tab[i];

		if (!e)
			continue;
		if (vol_stale(v, e, today)) {
			ent_clear(v, e);
			v->ent_bytes -= ent_size(e->kind);
			free(e);
			continue;
		}
		for (j = slot_of(e->key, e->kind, v->nslots); t[j]; j = (j + 1) & (v->nslots - 1))
			;
		t[j] = e;
	}
	free(v->tab);
	v->tab = t;
	v->count -= gone;
	v->aged += gone;
}

uint64_t volume__aged(const struct volume *v)
{
	return v->aged;
}

void volume__close_idle(struct volume *v, int64_t before)
{
	for (size_t i = 0; i < v->nslots; i++)
		if (v->tab[i] && v->tab[i]->open && v->tab[i]->start < before)
			close_hour(v, v->tab[i]);
}

void volume__strings(const struct volume *v, struct strmark *m)
{
	for (size_t i = 0; i < v->nslots; i++) {
		const struct vol_ent *e = v->tab[i];

		if (!e)
			continue;
		strmark__str(m, e->key);
		if (e->kind != VOL_BUCKET)
			continue;
		strmark__v(m, e->readers, e->nreaders < VOL_READERS ? e->nreaders : VOL_READERS);
		strmark__v(m, e->reader_ip, e->nreaders < VOL_READERS ? e->nreaders : VOL_READERS);
		strmark__v(m, e->reader_ua, e->nreaders < VOL_READERS ? e->nreaders : VOL_READERS);
		strmark__v(m, e->reader_key, e->nreaders < VOL_READERS ? e->nreaders : VOL_READERS);
	}
}
