/* gatewatch analyze: the order in which the merge reads files.
 *
 * In:  the units of every source.
 * Out: each unit's key: the time its path says it holds
 *      (audit_path__time), or, when it says none, the earliest of its
 *      first records, read on a few threads at once; a bucket URL (read
 *      whole) and a file with no record key first. Files are read by key,
 *      then by base name, then by path, so the same files give the same
 *      order however they were named or listed. */
#ifndef GW_ANALYZE_ORDER_H
#define GW_ANALYZE_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"

#define MERGE_ORDER_MAX_THREADS 16

/* The earliest of a file's first records: a file's records are seldom
 * strictly in order, and its first one may come after the ones behind it. */
#define MERGE_PEEK_RECORDS 4096

/* key[0..n) for units[0..n), peeking on at most threads threads. */
void merge_order__keys(const struct audit_unit *units, size_t n, unsigned threads, int64_t *key);

/* The same in two steps: the keys the paths say, INT64_MAX for the
 * files to look at (returns how many) ... */
size_t merge_order__path_keys(const struct audit_unit *units, size_t n, int64_t *key);
/* ... and the keys of those, from their first records. */
void merge_order__peek(const struct audit_unit *units, size_t n, unsigned threads, int64_t *key);

/* <0, 0, >0: units[i] is read before, with, after units[j]. */
int merge_order__cmp(const struct audit_unit *units, const int64_t *key, size_t i, size_t j);

/* A piece's events in time order (the merge hands over runs of them):
 * key.t is an event's time, key.i its index in the piece. */
struct merge_tkey {
	uint64_t t;               /* the time less the piece's earliest (unsigned) */
	uint32_t i;
};

/* Sort k[0..n) by t, equal times in the order they have (by i when k was
 * in index order): a radix sort, O(n) whatever the times (a comparison
 * sort's calls were a tenth of a text log's reading). tmp has room for n;
 * returns the sorted array, k or tmp. range is the largest t. */
struct merge_tkey *merge_order__sort_times(struct merge_tkey *k, struct merge_tkey *tmp, size_t n,
					   uint64_t range);

#endif
