/* gatewatch analyze: where the merge's pieces keep their events and
 * strings (see analyze_merge.c). A piece lives from its read to the
 * hand-over of its last event, a few seconds; the detector's state lives
 * for the whole run. In one malloc arena the pieces' freed memory was cut
 * up by the detector's small allocations and the arena grew with the
 * input (at 10 GB of CloudTrail, 16 MiB of it free but kept). So the
 * pieces take their memory in blocks of one size, mapped apart from the
 * arena and used again from piece to piece: what they hold at most is
 * what they cost, whatever the input's size.
 *
 * Thread-safe: reader threads take blocks, the merging thread gives them
 * back. */
#ifndef GW_ANALYZE_MERGE_MEM_H
#define GW_ANALYZE_MERGE_MEM_H

#include <stddef.h>

#include "audit/audit.h"
#include "lib/strpool.h"

#define MERGE_BLOCK ((size_t)64 << 10)

struct merge_blocks;

/* NULL with errno set when out of memory. */
struct merge_blocks *merge_blocks__new(void);
/* A block of MERGE_BLOCK bytes, or NULL with errno set. */
void *merge_blocks__get(struct merge_blocks *k);
void merge_blocks__put(struct merge_blocks *k, void *blk);
/* Every block given back first. */
void merge_blocks__free(struct merge_blocks *k);
/* A string pool's chunks from k (strpool__new_on(src)); k outlives it. */
void merge_blocks__pool_src(struct merge_blocks *k, struct strpool_blocks *src);

/* A piece's events, MERGE_EVS_PER a block. Zeroed: none. */
#define MERGE_EVS_PER (MERGE_BLOCK / sizeof(struct audit_event))
struct merge_evs {
	struct audit_event **seg; /* event i is seg[i / PER][i % PER] */
	size_t nseg, segcap;
};

static inline struct audit_event *merge_evs__at(const struct merge_evs *v, size_t i)
{
	return &v->seg[i / MERGE_EVS_PER][i % MERGE_EVS_PER];
}

/* Room for event n (0 to n - 1 are there): 0 or -ENOMEM. */
int merge_evs__room(struct merge_evs *v, struct merge_blocks *k, size_t n);
/* The blocks back to k; v is empty again. */
void merge_evs__release(struct merge_evs *v, struct merge_blocks *k);
size_t merge_evs__bytes(const struct merge_evs *v);

#endif
