/* See evstr.h. */
#include "detect/evstr.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hugemem.h"
#include "lib/strpool.h"

/* Cache sets of two ways, most recently used first: 4 MiB. With one way
 * (direct mapping) two thirds of the misses at 100,000 identities were
 * strings that had shared a slot: 8.3% of lookups missed, now 3.0%. */
#define EVSTR_SETS (1u << 17)
#define EVSTR_WAYS 2

/* A way's in: the event string's address in the low 48 bits (as the
 * string pool's slots, lib/strpool.c), and above them the batch it was
 * checked in (evstr__batch_begin), 0 for none. */
#define IN_ADDR_BITS 48
#define IN_ADDR_MASK ((UINT64_C(1) << IN_ADDR_BITS) - 1)
#define IN_BATCHES (UINT32_C(1) << (64 - IN_ADDR_BITS))

struct evstr_set {
	struct {
		uint64_t in;
		const char *out;
	} way[EVSTR_WAYS];
};

/* Where each field lives in the event. */
static const size_t field_off[EVF_COUNT] = {
	[EVF_PRINCIPAL] = offsetof(struct audit_event, principal),
	[EVF_SOURCE_IP] = offsetof(struct audit_event, source_ip),
	[EVF_USER_AGENT] = offsetof(struct audit_event, user_agent),
	[EVF_BUCKET] = offsetof(struct audit_event, bucket),
	[EVF_ACCESS_KEY] = offsetof(struct audit_event, access_key),
	[EVF_REGION] = offsetof(struct audit_event, region),
	[EVF_API] = offsetof(struct audit_event, api),
	[EVF_SERVICE] = offsetof(struct audit_event, service),
	[EVF_ACCOUNT] = offsetof(struct audit_event, account),
	[EVF_PRINCIPAL_ACCOUNT] = offsetof(struct audit_event, principal_account),
	[EVF_CREATED] = offsetof(struct audit_event, created),
	[EVF_ERROR_CODE] = offsetof(struct audit_event, error_code),
	[EVF_REQUEST_ID] = offsetof(struct audit_event, request_id),
};

static const char *field_of(const struct audit_event *ev, enum ev_field f)
{
	const char *const *p = (const char *const *)(const void *)((const char *)ev + field_off[f]);

	return *p;
}

int evstr__init(struct evstr *e, struct strpool *pool)
{
	memset(e, 0, sizeof(*e));
	e->pool = pool;
	/* a set within one cache line; huge pages where the system gives
	 * them: two page faults for the cache, not a thousand */
	e->cache = huge__map(EVSTR_SETS * sizeof(*e->cache));
	if (!e->cache)
		return -ENOMEM;
	/* resident from the start (explicit_bzero: a memset of freshly mapped
	 * memory may be optimized away): the cache fills with the events'
	 * strings anyway and is cleared after each sweep of the pool, so the
	 * agent's memory stays level instead of growing as the cache fills */
	explicit_bzero(e->cache, EVSTR_SETS * sizeof(*e->cache));
	return 0;
}

void evstr__fini(struct evstr *e)
{
	huge__unmap(e->cache, EVSTR_SETS * sizeof(*e->cache));
	e->cache = NULL;
}

void evstr__clear(struct evstr *e)
{
	memset(e->cache, 0, EVSTR_SETS * sizeof(*e->cache));
	memset(e->cur.out, 0, sizeof(e->cur.out));
	e->gen++;
}

static struct evstr_set *set_of(const struct evstr *e, const char *s)
{
	uint64_t h = (uint64_t)(uintptr_t)s * 0x9e3779b97f4a7c15ull;

	return &e->cache[(h >> 47) & (EVSTR_SETS - 1)];
}

void evstr__prefetch(const struct evstr *e, const struct audit_event *ev)
{
	for (size_t k = 0; k < EVF_EVERY; k++) {
		const char *s = field_of(ev, (enum ev_field)k);

		__builtin_prefetch(set_of(e, s));
		__builtin_prefetch(s);
	}
}

void evstr__begin(struct evstr *e, const struct audit_event *ev)
{
	e->cur.ev = ev;
	memset(e->cur.out, 0, sizeof(e->cur.out));
	/* the cache slots of the fields every event looks up, and the strings,
	 * fetched at once rather than one miss after the other (a prefetch of
	 * NULL's or an empty string's slot costs a line, nothing more); then
	 * the copies the slots point to, which the check against reuse reads */
	for (size_t k = 0; k < EVF_EVERY; k++) {
		e->in[k] = field_of(ev, (enum ev_field)k);
		e->set[k] = set_of(e, e->in[k]);
		__builtin_prefetch(e->set[k]);
		__builtin_prefetch(e->in[k]);
	}
	for (size_t k = 0; k < EVF_EVERY; k++)
		for (size_t w = 0; w < EVSTR_WAYS; w++)
			if ((e->set[k]->way[w].in & IN_ADDR_MASK) == (uintptr_t)e->in[k])
				__builtin_prefetch(e->set[k]->way[w].out);
}

/* The copy of s (neither NULL nor empty) that c holds, the way it is in
 * put first; NULL when c holds none. The address may have been reused by
 * another reader's pool: checked, unless batch (0: none) is the batch
 * being fed, s one of its events' strings and the way checked in it: the
 * strings of a batch's events all live until it is fed, so an address
 * names one string throughout. */
static inline const char *cached(struct evstr_set *c, const char *s, uint32_t batch)
{
	uint64_t in = (uintptr_t)s, mine = in | (uint64_t)batch << IN_ADDR_BITS;
	const char *r;

	if (batch && c->way[0].in == mine)
		return c->way[0].out;   /* most lookups in a batch */
	for (size_t w = 0; w < EVSTR_WAYS; w++) {
		if ((c->way[w].in & IN_ADDR_MASK) != in)
			continue;
		r = c->way[w].out;
		if ((!batch || c->way[w].in != mine) && strcmp(r, s) != 0)
			continue;
		c->way[w] = c->way[0];
		c->way[0].in = mine;
		c->way[0].out = r;
		return r;
	}
	return NULL;
}

/* The copy of s, whose cache set is c: by the cache, else from the pool. */
static inline const char *lookup(struct evstr *e, const char *s, struct evstr_set *c,
				 uint32_t batch)
{
	const char *r;

	if (!s || !*s)
		return strpool__intern(e->pool, "", 0);
	if ((r = cached(c, s, batch)))
		return r;
	r = strpool__intern_str(e->pool, s);
	if (!r)
		return NULL;
	c->way[1] = c->way[0];
	c->way[0].in = (uintptr_t)s | (uint64_t)batch << IN_ADDR_BITS;
	c->way[0].out = r;
	return r;
}

void evstr__batch_begin(struct evstr *e)
{
	if (++e->batches == IN_BATCHES) {
		/* the marks wrap: none may count for a batch long gone */
		memset(e->cache, 0, EVSTR_SETS * sizeof(*e->cache));
		e->batches = 1;
	}
	e->batch = e->batches;
}

void evstr__peek(struct evstr *e, const struct audit_event *ev, struct evstr_ahead *a)
{
	a->ev = ev;
	a->gen = e->gen;
	for (size_t k = 0; k < EVF_EVERY; k++) {
		const char *s = field_of(ev, (enum ev_field)k);
		struct evstr_set *c = set_of(e, s);

		/* checked in this batch already: the string is not read (the
		 * cache holds no empty string) */
		if (e->batch && c->way[0].in == ((uintptr_t)s | (uint64_t)e->batch << IN_ADDR_BITS))
			a->out[k] = c->way[0].out;
		else
			a->out[k] = !s || !*s ? strpool__intern(e->pool, "", 0) : cached(c, s, e->batch);
	}
}

void evstr__begin_ahead(struct evstr *e, const struct audit_event *ev,
			const struct evstr_ahead *a)
{
	if (a->ev != ev || a->gen != e->gen) {
		evstr__begin(e, ev);
		return;
	}
	e->cur.ev = ev;
	memset(e->cur.out + EVF_EVERY, 0, sizeof(e->cur.out) - EVF_EVERY * sizeof(e->cur.out[0]));
	for (size_t k = 0; k < EVF_EVERY; k++) {
		e->cur.out[k] = a->out[k];
		if (a->out[k])
			continue;
		/* left to evstr__resolve() */
		e->in[k] = field_of(ev, (enum ev_field)k);
		e->set[k] = set_of(e, e->in[k]);
		__builtin_prefetch(e->set[k]);
	}
}

const char *evstr__intern(struct evstr *e, const char *s)
{
	/* a string of the event being fed: looked up once */
	for (size_t k = 0; e->cur.ev && s && k < EVF_COUNT; k++)
		if (field_of(e->cur.ev, (enum ev_field)k) == s)
			return evstr__field(e, e->cur.ev, (enum ev_field)k);
	return lookup(e, s, set_of(e, s), 0);
}

const char *evstr__field_slow(struct evstr *e, const struct audit_event *ev, enum ev_field f)
{
	const char *s = field_of(ev, f);
	const char *r = lookup(e, s, set_of(e, s), ev == e->cur.ev ? e->batch : 0);

	if (ev == e->cur.ev)
		e->cur.out[f] = r;
	return r;
}

void evstr__resolve(struct evstr *e)
{
	for (size_t k = 0; k < EVF_EVERY; k++)
		if (!e->cur.out[k])
			e->cur.out[k] = lookup(e, e->in[k], e->set[k], e->batch);
}
