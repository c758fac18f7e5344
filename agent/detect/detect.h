/* agent/detect: the detector.
 *
 * In:  audit events (in time order, see detector__feed).
 * Out: findings, each with a stable rule id, a severity, MITRE ATT&CK ids and
 *      the evidence that made it fire.
 *
 * Ownership: findings are owned by the detector and live until
 * detector__free(); every string in a finding is the finding's own copy.
 */
#ifndef GW_DETECT_H
#define GW_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"

enum gw_severity {
	GW_SEV_INFO = 0,
	GW_SEV_LOW,
	GW_SEV_MEDIUM,
	GW_SEV_HIGH,
	GW_SEV_CRITICAL,
};

#define GW_FINDING_MAX_SAMPLES 5
#define GW_FINDING_MAX_EVIDENCE 16
#define GW_FINDING_MAX_MITRE 4

struct gw_kv {
	char *key;
	char *value;
};

struct finding {
	char *id;                 /* stable per input: rule, principal, start */
	const char *rule_id;      /* static: "bulk-download" */
	const char *title;        /* static */
	int severity;             /* enum gw_severity */
	double score;             /* 0..100 */
	int64_t start_ms, end_ms;
	int cloud;
	char *principal;
	char *access_key;
	char *source_ip;          /* the most frequent one */
	char *user_agent;
	char *region;
	char *bucket;
	char *samples[GW_FINDING_MAX_SAMPLES];   /* sample object keys */
	size_t nsamples;
	uint64_t count;           /* events that make the finding */
	uint64_t bytes;
	const char *mitre[GW_FINDING_MAX_MITRE]; /* static strings */
	size_t nmitre;
	struct gw_kv evidence[GW_FINDING_MAX_EVIDENCE];
	size_t nevidence;
};

struct detector_config {
	uint32_t bulk_threshold;   /* GetObject per principal per window: fire above it */
	uint32_t window_sec;       /* default 3600 */
};

void detector_config__defaults(struct detector_config *cfg);

struct detector;

/* NULL with errno set on failure. */
struct detector *detector__new(const struct detector_config *cfg);
void detector__free(struct detector *d);
/* Feed one event. Events must come in time order per principal.
 * Returns 0, or -ENOMEM (the event is counted as dropped, the stream goes on). */
int detector__feed(struct detector *d, const struct audit_event *ev);
/* Close every open window: call once at the end of input. */
void detector__flush(struct detector *d);
/* Findings so far, sorted by severity then score, highest first. */
size_t detector__findings(struct detector *d, const struct finding *const **out);

/* What the detector saw and what it had to let go. */
struct detector_stats {
	uint64_t events;            /* events fed */
	uint64_t dropped;           /* events a rule could not take (out of memory) */
	uint64_t entities_dropped;  /* events of principals past a rule's table bound */
	uint64_t findings;          /* findings kept */
	uint64_t findings_dropped;  /* findings past the bound or out of memory */
};

void detector__stats(const struct detector *d, struct detector_stats *st);

const char *gw_severity_name(int sev);

/* Helpers for rules and tests: evidence and finding lifetime. */
int finding__add_evidence(struct finding *f, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Frees the strings a finding owns (id, principal ... samples, evidence)
 * and the finding itself, which must come from calloc(). NULL is fine. */
void finding__free(struct finding *f);

#endif
