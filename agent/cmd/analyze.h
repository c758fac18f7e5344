/* gatewatch analyze internals: the JSON report of an offline analysis. */
#ifndef GW_ANALYZE_H
#define GW_ANALYZE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audit/audit.h"
#include "cmd/analyze_merge.h"
#include "detect/detect.h"
#include "ship/ship.h"

#define ANALYZE_MAX_BUCKETS_SEEN 16

/* What was analyzed: the window and how it was chosen. */
struct analyze_window {
	int64_t now_ms;               /* the end: --now, else the newest event */
	int now_given;                /* 1: --now */
	uint64_t hours_back;          /* 0: not given */
	uint64_t baseline_days;       /* calendar days of history to learn from, 0: all */
	int64_t from_ms;              /* findings from here; INT64_MIN: from the start */
	int64_t learn_ms;             /* history from here; INT64_MIN: all of it */
	uint64_t events_ignored;      /* before learn_ms */
	const char *bucket;           /* --bucket, or NULL */
	char *seen[ANALYZE_MAX_BUCKETS_SEEN]; /* buckets of the events read (owned) */
	size_t nseen;
	int seen_more;                /* more buckets than seen[] holds */
};

struct analyze_report {
	const struct analyze_window *win;
	int64_t generated_ms;
	const char *const *sources;
	size_t nsources;
	const struct audit_stats *st;
	uint64_t events_analyzed;     /* after the bucket and time filters */
	uint64_t events_baseline;     /* before the window: baselines only */
	const struct finding *const *findings;
	size_t nfindings;
	const struct incident *const *incidents;
	size_t nincidents;
	struct detector_stats dstats;
	double detect_sec;            /* time spent merging and feeding the detector */
	const struct merge_stats *merge;  /* the time-ordered merge (may be NULL) */
	uint64_t reorder_sec;         /* its reorder window */
	double merge_cpu_sec;         /* CPU of the thread that merges and detects */
};

/* The report as pretty-printed JSON and a newline, written to out as it
 * is made (nothing is built beside it). Returns 0 or -errno (a failed
 * write or allocation); out is not flushed. */
int analyze_report__print(FILE *out, const struct analyze_report *r);
/* The report written to path atomically (temporary file in the same
 * directory, fsync, rename), or to stdout when path is NULL. Returns 0 or
 * -errno. */
int analyze_report__write(const char *path, const struct analyze_report *r);
/* A few lines for a person: what was read, the window, findings by
 * severity and one headline per incident and finding, highest first, and
 * where the report went (output NULL: standard output). */
void analyze_summary__print(FILE *out, const struct analyze_report *r, const char *output);

struct gw_config;

/* Where and how analyze sends its findings (--collector-url and the
 * agent's [ship] options). */
struct analyze_ship {
	const char *url;              /* borrowed from the configuration */
	struct ship_post_opts po;     /* its strings borrowed, the token below */
	char token[4096];
};

/* Read the token, check the key and certificate files: 0, or a negative
 * errno after one line naming the file or the flags. */
int analyze_ship__prepare(struct analyze_ship *s, const struct gw_config *c);
/* Send the findings in batches within the encoder's bound: 0, or a
 * negative errno after one line saying how many were delivered. */
int analyze_ship__send(const struct analyze_ship *s, const struct finding *const *fs, size_t n);

#endif
