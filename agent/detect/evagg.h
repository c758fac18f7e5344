/* agent/detect: per-event rules' hour aggregates. A rule that judges single
 * requests (an anonymous read, a root call, a foreign write) would flood the
 * report with one finding per request; it adds each request it flags to the
 * aggregate of (principal, bucket, sub) for the hour instead, and the
 * aggregate becomes one finding when the hour is over (or at flush).
 *
 * Bounded: at most EVAGG_MAX aggregates are open; past it, requests are
 * counted in the detector's entities_dropped. Strings are interned in the
 * detector's pool (they outlive the event).
 */
#ifndef GW_DETECT_EVAGG_H
#define GW_DETECT_EVAGG_H

#include <stdint.h>

#include "detect/detect_internal.h"

#define EVAGG_MAX 4096
#define EVAGG_SET 8

struct evagg_ent {
	const char *principal, *bucket;   /* interned; with sub, the key */
	int sub;
	int64_t start, first_t, last_t;   /* start: the hour the aggregate opened */
	const char *ip, *ua, *key, *region, *account;   /* the first request's */
	int cloud, kind;
	uint32_t n, reads, writes, deletes, lists, denied, other;
	uint64_t bytes;
	int sev;                          /* the strongest request's */
	double score;
	uint32_t flags;                   /* the rule's own */
	const char *ips[EVAGG_SET];
	const char *apis[EVAGG_SET];
	const char *samples[GW_FINDING_MAX_SAMPLES];
	const char *notes[EVAGG_SET];     /* the rule's own, e.g. created users */
	uint8_t nips, napis, nsamples, nnotes;
};

struct evagg;
/* Make the finding of an aggregate and hand it to the detector: 0 or -ENOMEM. */
typedef int (*evagg_emit_fn)(struct evagg *a, const struct evagg_ent *e);

struct evagg {
	struct detector *d;
	const struct rule *r;
	evagg_emit_fn emit;
	void *ctx;                        /* the rule's own state */
	struct evagg_ent *v;              /* open aggregates, v[0..n) */
	size_t n;
	int64_t swept;                    /* stream time of the last sweep */
	int by_principal;                 /* key on the principal alone, not the bucket */
};

/* NULL with errno set. */
struct evagg *evagg__new(struct detector *d, const struct rule *r, evagg_emit_fn emit, void *ctx);
void evagg__free(struct evagg *a);
/* Add ev to its aggregate (opened when new) with this severity and score
 * (the aggregate keeps the strongest): the aggregate, or NULL (-ENOMEM in
 * *err, or 0 when the table is full). Aggregates an hour old are emitted
 * first. */
struct evagg_ent *evagg__add(struct evagg *a, const struct audit_event *ev, int sub, int sev,
			     double score, int *err);
/* Add an interned string to one of the aggregate's small sets. */
void evagg__note(struct evagg_ent *e, const char *s);
/* Mark the interned strings of the open aggregates (struct strmark). */
void evagg__strings(const struct evagg *a, struct strmark *m);
/* The same as a rule's strings callback, for rules whose state is the evagg. */
void evagg__rule_strings(void *state, struct strmark *m);
/* Emit every open aggregate. */
void evagg__flush(struct evagg *a);
/* A finding of e (principal, ip, ua, key, region, bucket, times, count,
 * bytes, samples, a stable id) with the aggregate's severity and score.
 * NULL on allocation failure. */
struct finding *evagg__finding(const struct evagg *a, const struct evagg_ent *e, const char *title);
/* Evidence every aggregate finding carries: requests by action, source
 * IPs, APIs, principal kind. 0 or -ENOMEM. */
int evagg__evidence(struct finding *f, const struct evagg_ent *e);

#endif
