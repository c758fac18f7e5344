/* The detector's copies of an event's strings (detector.c keeps one).
 *
 * Rules keep strings between events, so they keep the detector's interned
 * copies, never the event's own (its reader's pool goes with the file).
 * Looking a string up in the detector's pool means hashing it; an event's
 * strings are interned by their reader already, so a cache keyed by their
 * address saves hashing the same user agent a million times, and the
 * fields of the event being fed are looked up once each, however many
 * rules ask. A reader's pool may hand an address out again for another
 * string once it is reset: a cached address counts only when the string
 * there still reads the same, checked once per batch of events (whose
 * strings all live until the batch is fed) or, fed one by one, per event.
 *
 * Ownership: the copies belong to the detector's pool; struct evstr owns
 * its cache only. */
#ifndef GW_DETECT_EVSTR_H
#define GW_DETECT_EVSTR_H

#include "audit/audit.h"
#include "detect/detect_internal.h"

struct strpool;
struct evstr_set;

struct evstr {
	struct ev_strs cur;                   /* first: see detector__ev_str() */
	struct strpool *pool;                 /* the detector's; not owned */
	struct evstr_set *cache;              /* event string's address -> copy */
	const char *in[EVF_EVERY];            /* its fields every event looks up */
	struct evstr_set *set[EVF_EVERY];     /* ... and their cache sets */
	uint64_t gen;                         /* evstr__clear()s so far */
	uint32_t batch;                       /* the batch being fed, 0: none */
	uint32_t batches;                     /* the last batch's number */
};

/* The fields every event looks up (EVF_EVERY) of an event fed a little
 * later, found in the cache ahead of it: NULL where the cache did not
 * tell. Nothing is interned ahead, so the pool fills in the order the
 * events are fed; the copies count only while gen is the evstr's (the
 * pool not swept since). */
struct evstr_ahead {
	const struct audit_event *ev;
	uint64_t gen;
	const char *out[EVF_EVERY];
};

/* 0 or -ENOMEM. */
int evstr__init(struct evstr *e, struct strpool *pool);
void evstr__fini(struct evstr *e);
/* The events fed until evstr__batch_end() are a batch, whose strings all
 * live until the last is fed: an address checked against reuse once in a
 * batch is not checked again in it. */
void evstr__batch_begin(struct evstr *e);
static inline void evstr__batch_end(struct evstr *e)
{
	e->batch = 0;
}
/* ev is being fed until evstr__end(): its fields are looked up on first
 * use; their cache lines are fetched now. */
void evstr__begin(struct evstr *e, const struct audit_event *ev);
/* Start fetching the cache sets of ev's fields that every event looks up,
 * and the strings, for ev fed a little later; reads only ev. */
void evstr__prefetch(const struct evstr *e, const struct audit_event *ev);
/* Fill a with what the cache tells of ev's fields (ev fed a little later,
 * its strings alive until then); checks each against reuse as a look-up
 * does. Interns nothing. */
void evstr__peek(struct evstr *e, const struct audit_event *ev, struct evstr_ahead *a);
/* a's copy of field f (f < EVF_EVERY) while it counts, else NULL. */
static inline const char *evstr__ahead_str(const struct evstr *e, const struct evstr_ahead *a,
					   enum ev_field f)
{
	return a->gen == e->gen ? a->out[f] : NULL;
}
/* evstr__begin() with the copies a holds for ev (when a is ev's and
 * still counts); the rest are looked up as before. */
void evstr__begin_ahead(struct evstr *e, const struct audit_event *ev,
			const struct evstr_ahead *a);
/* Look up the fields every event needs (EVF_EVERY) now, in one go;
 * whatever was asked for since evstr__begin() stays. */
void evstr__resolve(struct evstr *e);
static inline void evstr__end(struct evstr *e)
{
	e->cur.ev = NULL;
}
/* The pool was swept: the cached copies may be gone. */
void evstr__clear(struct evstr *e);
/* The copy of s, any string of an event: NULL on failure. */
const char *evstr__intern(struct evstr *e, const char *s);
const char *evstr__field_slow(struct evstr *e, const struct audit_event *ev, enum ev_field f);
/* The copy of ev's field f: NULL on failure. */
static inline const char *evstr__field(struct evstr *e, const struct audit_event *ev,
				       enum ev_field f)
{
	if (ev == e->cur.ev && e->cur.out[f])
		return e->cur.out[f];
	return evstr__field_slow(e, ev, f);
}

#endif
