/* Prometheus metrics: a tiny text-format endpoint, GET /metrics, on a
 * loopback address only (libmicrohttpd, its own thread).
 *
 * One process-wide registry, safe to update from any thread. A series is a
 * metric name plus an optional label string; the number of series is bounded
 * (METRICS_MAX_SERIES): past it new series are dropped and counted in
 * gatewatch_metrics_series_dropped_total, never allocated.
 *
 * Names follow Prometheus rules ([a-zA-Z_:][a-zA-Z0-9_:]*); a name ending in
 * _total is exposed as a counter, others as gauges, unless described. Label
 * strings are Prometheus label sets without braces, for example
 * `source="cloudtrail",rule="bulk-download"`; build them with
 * metrics__labels(), which escapes the values.
 *
 * Updates work whether or not the endpoint is started, so the daemon can feed
 * the registry unconditionally.
 */
#ifndef GW_METRICS_H
#define GW_METRICS_H

#include <stddef.h>

#define METRICS_MAX_SERIES 2048
#define METRICS_MAX_NAME 96
#define METRICS_MAX_LABELS 320

/* The agent's metric families (labels in brackets); metrics__describe_agent()
 * registers their HELP and TYPE. */
#define M_EVENTS "gatewatch_audit_events_total"            /* {source} */
#define M_SKIPPED "gatewatch_audit_records_skipped_total"  /* {source} */
#define M_FINDINGS "gatewatch_findings_total"              /* {rule} */
#define M_SPOOL_DEPTH "gatewatch_spool_batches"
#define M_SPOOL_AGE "gatewatch_spool_oldest_age_seconds"
#define M_BPF_DROPS "gatewatch_bpf_lost_updates_total"     /* {map} */
#define M_MAP_FILL "gatewatch_bpf_map_fill_ratio"          /* {map} */
#define M_MAP_FILL_ALERT "gatewatch_bpf_map_fill_alert"    /* {map}: 1 at or above map_fill_alert_pct */
#define M_PULL_LAG "gatewatch_pull_lag_seconds"            /* {source} */
#define M_PULL_LAST "gatewatch_pull_last_success_timestamp_seconds" /* {source} */
#define M_SHIP_PENDING_BATCHES "gatewatch_ship_pending_batches"
#define M_SHIP_PENDING_BYTES "gatewatch_ship_pending_bytes"
#define M_SHIP_REJECTED "gatewatch_ship_rejected_total"
#define M_SHIP_DROPPED "gatewatch_ship_dropped_total"
#define M_SHIP_SENT "gatewatch_ship_batches_sent_total"
#define M_SHIP_RETRIES "gatewatch_ship_retries_total"
#define M_SHIP_LAST_STATUS "gatewatch_ship_last_status"   /* {destination} */
/* Audit records fed more than [audit] reorder_window_sec behind the newest
 * one fed before (still analyzed, out of order). */
#define M_LATE "gatewatch_audit_late_records_total"
/* {bound}: events a detector bound kept from a rule or a baseline: entities
 * (a rule's principal table), volume (the source IP and bucket table), seen
 * (a first-seen set), memory (out of memory). */
#define M_BOUND_DROPS "gatewatch_detector_events_dropped_total"

void metrics__describe_agent(void);

/* Serve on listen ("127.0.0.1:9464", "[::1]:9464", "localhost:9464"; port 0
 * picks a free one). NULL or "" does nothing. Only loopback addresses are
 * accepted (-EINVAL otherwise). Returns 0 or a negative errno, logging one
 * line on failure. */
int metrics__start(const char *listen);
/* The bound port, or 0 when not serving. */
unsigned metrics__port(void);
/* Stop serving; the registry keeps its values. */
void metrics__stop(void);
/* Forget every series and description (tests). */
void metrics__reset(void);

/* HELP text and TYPE ("counter" or "gauge") of a metric family. */
int metrics__describe(const char *name, const char *type, const char *help);
/* Set, or add to, the series name{labels}; labels may be NULL. Returns 0,
 * -EINVAL for a bad name or label string, -ENOSPC when the series table is
 * full (counted). */
int metrics__set(const char *name, const char *labels, double value);
int metrics__add(const char *name, const char *labels, double delta);

/* Format key="value" pairs (NULL-terminated list of key, value) into buf,
 * escaping backslash, quote and newline in values. Returns 0 or -ENOSPC. */
int metrics__labels(char *buf, size_t len, ...) __attribute__((sentinel));

/* The exposition text (what GET /metrics returns); malloc'ed, caller frees.
 * NULL with errno set on allocation failure. */
char *metrics__render(size_t *len);

#endif
