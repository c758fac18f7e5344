/* The agent's copy of the kernel's cumulative counts (reads or connections),
 * to turn them into per-window deltas. A key's entry lives while the kernel
 * has it. Capacity is fixed at creation (the kernel map's size): bounded. */
#ifndef GW_HOST_COUNTS_H
#define GW_HOST_COUNTS_H

#include <stddef.h>
#include <stdint.h>

#define COUNT_KEY_MAX 40
#define COUNT_VALS 5

struct count_entry {
	uint8_t key[COUNT_KEY_MAX];
	uint64_t v[COUNT_VALS];        /* cumulative values, as last seen */
	uint32_t used;
	uint32_t seen;                 /* poll generation when last seen in the kernel */
};

struct count_table {
	struct count_entry *slots;
	size_t nslots, count, key_size;
};

/* key_size <= COUNT_KEY_MAX. 0 or -ENOMEM/-EINVAL. */
int count_table__init(struct count_table *t, size_t capacity, size_t key_size);
void count_table__fini(struct count_table *t);
/* The entry for key, created zeroed if new; NULL when the table is full. */
struct count_entry *count_table__get(struct count_table *t, const void *key);
/* Drop entries not seen in generation gen (their keys left the kernel map). */
void count_table__sweep(struct count_table *t, uint32_t gen);

#endif
