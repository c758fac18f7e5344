/* See evstr.h. */
#include "detect/evstr.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strpool.h"

/* Cache sets of two ways, most recently used first: 4 MiB. With one way
 * (direct mapping) two thirds of the misses at 100,000 identities were
 * strings that had shared a slot: 8.3% of lookups missed, now 3.0%. */
#define EVSTR_SETS (1u << 17)
#define EVSTR_WAYS 2

struct evstr_set {
	struct {
		const char *in, *out;
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
	/* a set within one cache line */
	e->cache = aligned_alloc(64, EVSTR_SETS * sizeof(*e->cache));
	if (!e->cache)
		return -ENOMEM;
	/* resident from the start (explicit_bzero: a memset of calloc'ed memory
	 * is optimized away): the cache fills with the events' strings anyway
	 * and is cleared after each sweep of the pool, so the agent's memory
	 * stays level instead of growing as the cache fills */
	explicit_bzero(e->cache, EVSTR_SETS * sizeof(*e->cache));
	return 0;
}

void evstr__fini(struct evstr *e)
{
	free(e->cache);
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
			if (e->set[k]->way[w].in == e->in[k])
				__builtin_prefetch(e->set[k]->way[w].out);
}

/* The copy of s (neither NULL nor empty) that c holds, the way it is in
 * put first; NULL when c holds none. The address may have been reused by
 * another reader's pool: checked. */
static inline const char *cached(struct evstr_set *c, const char *s)
{
	const char *r;

	if (c->way[0].in == s && strcmp(c->way[0].out, s) == 0)
		return c->way[0].out;
	if (c->way[1].in != s || strcmp(c->way[1].out, s) != 0)
		return NULL;
	r = c->way[1].out;
	c->way[1] = c->way[0];
	c->way[0].in = s;
	c->way[0].out = r;
	return r;
}

/* The copy of s, whose cache set is c: by the cache, else from the pool. */
static inline const char *lookup(struct evstr *e, const char *s, struct evstr_set *c)
{
	const char *r;

	if (!s || !*s)
		return strpool__intern(e->pool, "", 0);
	if ((r = cached(c, s)))
		return r;
	r = strpool__intern_str(e->pool, s);
	if (!r)
		return NULL;
	c->way[1] = c->way[0];
	c->way[0].in = s;
	c->way[0].out = r;
	return r;
}

void evstr__peek(struct evstr *e, const struct audit_event *ev, struct evstr_ahead *a)
{
	a->ev = ev;
	a->gen = e->gen;
	for (size_t k = 0; k < EVF_EVERY; k++) {
		const char *s = field_of(ev, (enum ev_field)k);

		a->out[k] = !s || !*s ? strpool__intern(e->pool, "", 0) : cached(set_of(e, s), s);
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
	return lookup(e, s, set_of(e, s));
}

const char *evstr__field_slow(struct evstr *e, const struct audit_event *ev, enum ev_field f)
{
	const char *s = field_of(ev, f), *r = lookup(e, s, set_of(e, s));

	if (ev == e->cur.ev)
		e->cur.out[f] = r;
	return r;
}

void evstr__resolve(struct evstr *e)
{
	for (size_t k = 0; k < EVF_EVERY; k++)
		if (!e->cur.out[k])
			e->cur.out[k] = lookup(e, e->in[k], e->set[k]);
}
