/* gatewatch analyze: the time-ordered merge of audit log files.
 *
 * In:  the units of every source (audit_source__units), in any order.
 * Out: their events, handed to a callback in time order, with memory that
 *      depends on the files open at once and the reorder window, not on the
 *      input's size.
 *
 * Files are read in the order of the time their path says they hold
 * (audit_path__time), or of the earliest of their first records when it
 * says none;
 * reader threads parse the next few files ahead while the caller's thread
 * merges them. An event is handed over once no file still unread can hold
 * an earlier one, assuming a file holds nothing older than its time minus
 * the reorder window; an event that comes later than that is counted as
 * late and handed over at once. Equal times keep the order of the files
 * (by time, then name) and of the records in a file, so the same files
 * give the same sequence however they were named or listed. */
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
};

struct merge_stats {
	uint64_t late;            /* events that came later than the reorder window */
	int64_t max_late_ms;      /* the latest of them, behind the stream */
	uint64_t peak_events;     /* events held at once (window and open files) */
	uint64_t peak_files;      /* files held at once, read ahead or being merged */
	unsigned threads;         /* reader threads used */
};

/* Read every unit and call fn for each event, in time order, on the
 * caller's thread. Strings of an event live until fn returns (fn copies
 * what it keeps). Read statistics are added to *st in file order. Returns 0,
 * fn's negative return (reading stops), or -ENOMEM. */
int merge__run(const struct merge_opts *o, audit_event_fn fn, void *ctx,
	       struct audit_stats *st, struct merge_stats *ms);

#endif
