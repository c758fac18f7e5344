/* agent/detect internals: the rule interface and small helpers for rules. */
#ifndef GW_DETECT_INTERNAL_H
#define GW_DETECT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "detect/detect.h"

/* A rule: one file under agent/detect, registered in detector.c. Strings a
 * rule keeps between events are interned with detector__intern(), so they
 * outlive the event and compare by pointer. */
struct rule {
	const char *id;
	/* NULL with errno set on failure. */
	void *(*new)(struct detector *d, const struct detector_config *cfg);
	/* 0, or -ENOMEM (the detector counts the event as dropped). */
	int (*feed)(void *state, const struct audit_event *ev);
	/* Close every open window and emit what is due. */
	void (*flush)(void *state);
	void (*free)(void *state);
};

extern const struct rule rule_bulk_download;

/* Intern s in the detector's own pool: NULL on failure. */
const char *detector__intern(struct detector *d, const char *s);
/* Hand a finding (calloc'd, strings malloc'd) to the detector, which owns it
 * from then on, even on failure. Returns 0 or -ENOMEM (finding dropped). */
int detector__emit(struct detector *d, struct finding *f);
/* A rule could not track one more entity (its table is full). */
void detector__entity_dropped(struct detector *d);

/* Counts per interned string, bounded: past `max` distinct keys new keys
 * are counted in `overflow` only. The empty string is not counted. */
struct tally {
	const char **keys;
	uint32_t *counts;
	size_t n, cap, max;
	uint64_t overflow;
};

void tally__init(struct tally *t, size_t max);
int tally__add(struct tally *t, const char *key);
/* The most frequent key ("" when none); ties go to the smaller string so
 * the answer does not depend on hash order. */
const char *tally__top(const struct tally *t);
void tally__free(struct tally *t);

/* 64-bit FNV-1a, for stable finding ids. */
uint64_t gw_fnv1a64(uint64_t h, const void *data, size_t len);
#define GW_FNV64_INIT 0xcbf29ce484222325ull

#endif
