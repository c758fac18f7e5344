/* agent/collect: the collector's view of what its batches say.
 *
 * In:  every stored batch, in store order (at startup from the store, then
 *      as each new batch is stored), with the time it was received.
 * Out: each finding once per finding id, with the agents that reported it
 *      (a cloud finding's id is derived from its content, so several agents
 *      reading the same trail report one id); each incident once per incident
 *      id at its latest revision, with the revisions seen and when.
 *
 * An entry points at the batch holding its latest version (store offset and
 * position in the batch); the bytes stay in the store. Memory is bounded:
 * at most max_entries findings and as many incidents (the least recently
 * updated is forgotten first, and counted), VIEW_MAX_AGENTS named reporters
 * per entry (a flag says there were more), VIEW_MAX_HISTORY revisions per incident
 * (the latest ones; all of them counted), VIEW_MAX_AGENT_NAMES distinct
 * agents named over the whole view.
 *
 * Every update gives the entry the next value of one counter, its `update`:
 * listings are ordered by it and a cursor is one of its values, so an
 * incident revised after a page was read shows up again in the next one.
 * The view is rebuilt from the store in the same order at every start, so
 * updates, and cursors, stay the same across restarts.
 *
 * Not thread-safe: the collector calls it under its lock.
 */
#ifndef GW_COLLECT_VIEW_H
#define GW_COLLECT_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "ship/wire.h"

#define VIEW_MAX_AGENTS 16
#define VIEW_MAX_HISTORY 16
#define VIEW_MAX_AGENT_NAMES 4096
#define VIEW_DEFAULT_MAX_ENTRIES 100000

enum view_kind {
	VIEW_FINDING = 0,
	VIEW_INCIDENT,
	VIEW_KINDS,
};

struct view_rev {
	uint64_t revision;
	int64_t received_ms;        /* 0: not known (a store older than the arrivals file) */
	uint32_t agent;             /* index into the agent names, UINT32_MAX: not named */
};

/* One entry as a listing sees it: copied out under the lock, then read
 * without it. Strings are owned by the copy (view_page__free()). */
struct view_row {
	char *id;
	uint64_t update;
	uint64_t batch_off;         /* the batch holding the latest version */
	uint32_t index;             /* its position among the batch's findings/incidents */
	uint64_t revision;          /* incidents: the latest; findings: 0 */
	uint64_t received;          /* times received, over all agents */
	uint64_t revisions_seen;    /* incidents: distinct revisions received */
	int64_t first_ms, last_ms;  /* first and last received */
	size_t nagents;
	int agents_more;            /* agents past the VIEW_MAX_AGENTS named reported it too */
	char *agent_ids[VIEW_MAX_AGENTS];
	char *hostnames[VIEW_MAX_AGENTS];
	size_t nhist;
	struct view_rev hist[VIEW_MAX_HISTORY];  /* oldest first */
	char *hist_agents[VIEW_MAX_HISTORY];
};

struct view_page {
	struct view_row *rows;
	size_t n;
	uint64_t next;              /* the cursor of what follows */
};

struct view_stats {
	uint64_t entries[VIEW_KINDS];
	uint64_t forgotten[VIEW_KINDS];   /* pushed out by the bound */
};

struct view;

/* NULL with errno set. */
struct view *view__new(size_t max_entries);
void view__free(struct view *v);
/* Take what batch b (stored at off, received at received_ms) says.
 * 0 or -ENOMEM (the view is then missing part of b; logged by the caller). */
int view__add_batch(struct view *v, const struct ship_batch *b, uint64_t off,
		    int64_t received_ms);
/* A page of kind: without cursor the last `limit` updated, with it the
 * `limit` updated after *cursor; oldest first. 0, -EINVAL (a cursor this
 * view never gave) or -ENOMEM. */
int view__page(const struct view *v, enum view_kind kind, const uint64_t *cursor,
	       size_t limit, struct view_page *out);
void view_page__free(struct view_page *p);
void view__stats(const struct view *v, struct view_stats *st);

/* Which arrival time each stored batch had: DIR/arrivals, fixed entries of
 * (batch offset u64 LE, received ms i64 LE), one per batch in store order.
 * Not fsync'd: a time lost in a crash reads as 0 (not known). */
#define ARRIVALS_FILE "arrivals"

struct arrivals;

/* NULL with errno set. */
struct arrivals *arrivals__open(const char *dir);
void arrivals__close(struct arrivals *a);
/* The time of the k-th batch, at off; when the file has none (or another
 * offset) there, it is written as 0 (not known) and 0 returned. */
int64_t arrivals__get(struct arrivals *a, uint64_t k, uint64_t off);
/* Record the k-th batch; 0 or a negative errno. */
int arrivals__put(struct arrivals *a, uint64_t k, uint64_t off, int64_t ms);
/* Cut entries from the k-th on (a store whose tail was cut). */
void arrivals__trim(struct arrivals *a, uint64_t k);

#endif
