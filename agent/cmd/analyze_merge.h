/* gatewatch analyze: the time-ordered merge of audit log files.
 *
 * In:  the units of every source (audit_source__units), in any order.
 * Out: their events, handed to a callback in time order, with memory that
 *      depends on the files open at once and the reorder window, not on the
 *      input's size.
 *
 * Files are read in the order of the time their path says they hold
 * (audit_path__time), or of the earliest of their first records when it
 * says none, each as a stream of pieces of a few MiB (audit_reader):
 * reader threads parse the next pieces ahead while the caller's thread
 * merges them. An event is handed over once nothing still unread can hold
 * an earlier one, assuming a file holds nothing older than its time minus
 * the reorder window, and the rest of a file nothing older than the
 * earliest record of its last piece minus the window; an event that comes
 * later than that is counted as late and handed over at once. Equal times
 * keep the order of the files (by time, then name) and of the records in a
 * file, so the same files give the same sequence however they were named
 * or listed.
 *
 * Memory is bounded whatever the records say: at most max_open files are
 * open at once (files that overlap in time beyond that wait, and what they
 * hold comes late), and the events held for ordering, with the pieces they
 * live in, take at most max_held_bytes; past it the earliest are handed
 * over before their turn (counted as overflow), and what comes behind them
 * is late. */
#ifndef GW_ANALYZE_MERGE_H
#define GW_ANALYZE_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"

struct merge_opts {
	const struct audit_unit *units;
	size_t nunits;
	int64_t reorder_ms;       /* the reorder window */
	unsigned threads;         /* reader threads; 0: one per core */
	unsigned max_open;        /* files open at once; 0: MERGE_DEF_MAX_OPEN */
	uint64_t max_held_bytes;  /* events held for ordering; 0: MERGE_DEF_MAX_HELD */
};

#define MERGE_DEF_MAX_OPEN 64
#define MERGE_DEF_MAX_HELD ((uint64_t)128 << 20)

struct merge_stats {
	uint64_t late;            /* events that came later than the reorder window */
	int64_t max_late_ms;      /* the latest of them, behind the stream */
	uint64_t peak_events;     /* events held at once (window and open files) */
	uint64_t peak_files;      /* files open at once, read ahead or being merged */
	uint64_t peak_bytes;      /* memory of the events held at once, with their pieces */
	uint64_t overflow;        /* events handed over before their turn: max_held_bytes */
	uint64_t files_waited;    /* files that waited for one of max_open to end */
	unsigned threads;         /* reader threads used */
	double busy_sec;          /* wall seconds the caller's thread merged and
				   * handed over (fn included), apart from the
				   * files' ordering and the waits for readers */
};

/* Read every unit and call fn for each event, in time order, on the
 * caller's thread. Strings of an event live until fn returns (fn copies
 * what it keeps). Read statistics are added to *st as the pieces are
 * merged (files in time order). Returns 0,
 * fn's negative return (reading stops), or -ENOMEM. */
int merge__run(const struct merge_opts *o, audit_event_fn fn, void *ctx,
	       struct audit_stats *st, struct merge_stats *ms);

/* The same sequence in batches of 1 to MERGE_BATCH events (a consumer
 * such as the detector works faster on several at once): the events live
 * until fn returns; the statistics are those of merge__run. */
#define MERGE_BATCH 256
typedef int (*merge_batch_fn)(const struct audit_event *const *evs, size_t n, void *ctx);
int merge__run_batch(const struct merge_opts *o, merge_batch_fn fn, void *ctx,
		     struct audit_stats *st, struct merge_stats *ms);

#endif
