/* The agent's copy of the kernel's cumulative read counts, to turn them into
 * per-window deltas. A key's entry lives until the process is gone.
 * Capacity is fixed at creation (the counts map's size): bounded memory. */
#ifndef GW_HOST_COUNTS_H
#define GW_HOST_COUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "reads.h"

struct count_entry {
	struct gw_read_key key;
	uint64_t ops, bytes, errors;   /* cumulative, as last seen */
	uint32_t used;
	uint32_t seen;                 /* poll generation when last seen in the kernel */
};

struct count_table {
	struct count_entry *slots;
	size_t nslots, count;
};

int count_table__init(struct count_table *t, size_t capacity);
void count_table__fini(struct count_table *t);
/* The entry for key, created zeroed if new; NULL when the table is full. */
struct count_entry *count_table__get(struct count_table *t, const struct gw_read_key *key);
/* Drop entries not seen in generation gen (their keys left the kernel map). */
void count_table__sweep(struct count_table *t, uint32_t gen);

#endif
