/* agent/detect: the detector.
 *
 * In:  audit events (in time order, see detector__feed).
 * Out: findings, each with a stable rule id, a severity, MITRE ATT&CK ids and
 *      the evidence that made it fire.
 *
 * Ownership: findings are owned by the detector; every string in a finding
 * is the finding's own copy. Offline, the detector keeps every finding until
 * detector__free(). Live, the caller takes the new ones (detector__take)
 * after each batch of input and lets go of those that can no longer join an
 * incident (detector__expire), so memory follows what is open, not the
 * history.
 */
#ifndef GW_DETECT_H
#define GW_DETECT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audit/audit.h"

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
	double score;             /* 0..100, a whole number (detector__emit rounds) */
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
	char *why;                /* one sentence: seen against expected, with numbers */
	char *next_step;          /* what the analyst does next */
};

/* The detector's defaults, each in one place: detector_config__defaults()
 * and the [detect] section of the configuration table (config/config.c,
 * which also prints them in --help, so they stay plain numbers). A new
 * [detect] number: its DETECT_DEF_* here, its field below and in
 * detector_config__defaults(), its row in the config table and its line in
 * gw_config__detector(); tests/unit/config/test_config.c checks they agree. */
#define DETECT_DEF_BULK_THRESHOLD 100
#define DETECT_DEF_WINDOW_SEC 3600
#define DETECT_DEF_BASELINE_DAYS 14
#define DETECT_DEF_SEEN_TTL_DAYS 30
#define DETECT_DEF_MAX_IDENTITIES 200000
#define DETECT_DEF_WORK_START_HOUR 8
#define DETECT_DEF_WORK_END_HOUR 18
#define DETECT_DEF_DENIED_MIN 5
#define DETECT_DEF_DENIED_MIN_APIS 2
#define DETECT_DEF_REGIONS_MIN 3
#define DETECT_DEF_LIST_FLOOR 50
#define DETECT_DEF_LIST_BUCKETS_FLOOR 10
#define DETECT_DEF_AFTER_HOURS_FLOOR 20
#define DETECT_DEF_READ_HOUR_FLOOR 50
#define DETECT_DEF_READ_DAY_FLOOR 300
#define DETECT_DEF_BUCKET_READ_FLOOR 60
#define DETECT_DEF_INCIDENT_GAP_SEC 21600
#define DETECT_DEF_INCIDENT_MIN_SCORE 60

struct detector_config {
	uint32_t bulk_threshold;   /* GetObject per principal per window: fire above it */
	uint32_t window_sec;
	/* Fields below were added after the first release; zero means the default. */
	uint32_t baseline_days;    /* active days before an identity is established */
	uint32_t seen_ttl_days;    /* first-seen sets forget after this */
	uint32_t max_identities;   /* identities tracked; past it, counted */
	int64_t report_from_ms;    /* findings ending before this only build baselines */
	int32_t tz_offset_min;     /* business-hours time zone as a UTC offset */
	uint8_t work_start_hour;   /* business hours [start, end), Monday-Friday;
				    * start > end is a night shift that begins Mon-Fri */
	uint8_t work_end_hour;
	uint8_t pad[2];
	uint32_t denied_min;       /* AccessDenied cluster: denials per hour */
	uint32_t denied_min_apis;  /* ... over at least this many distinct APIs */
	uint32_t regions_min;      /* multi-region burst: regions within 6 h */
	uint32_t list_floor;       /* enumeration: list calls per hour, a floor */
	uint32_t list_buckets_floor; /* enumeration: distinct buckets listed per hour */
	uint32_t after_hours_floor;  /* after-hours: object reads per hour */
	uint32_t read_hour_floor;  /* read volume: object reads per hour, a floor */
	uint32_t read_day_floor;   /* read volume: object reads per day, a floor */
	uint32_t incident_gap_sec; /* findings closer than this join one incident */
	uint32_t incident_min_score; /* an incident of 2+ rules needs this score */
	/* Live (the daemon): report a burst as soon as it crosses its threshold
	 * rather than when it ends, which may be an hour later. Offline
	 * analysis leaves it 0 and reports each burst whole. */
	uint32_t live;
	/* bucket-read-spike: object reads of one bucket per hour, a floor */
	uint32_t bucket_read_floor;
	/* Accounts (AWS), projects (GCP) and subscriptions (Azure) that are
	 * ours; none: learned from the logs (see detector__account_is_own).
	 * Copied by detector__new. */
	const char *const *own_accounts;
	size_t nown_accounts;
	/* Object name patterns of ransom notes (fnmatch, any case); none: the
	 * built-in list. Copied by detector__new. */
	const char *const *ransom_notes;
	size_t nransom_notes;
	/* Lists, borrowed: they must outlive the detector. NULL/0: none (for
	 * sensitive_objects: the built-in globs). */
	const char *const *partner_accounts;  /* foreign with a documented grant */
	size_t npartner_accounts;
	const char *const *public_buckets;    /* read anonymously by design */
	size_t npublic_buckets;
	const char *const *sensitive_objects; /* object key globs holding secrets */
	size_t nsensitive_objects;
	/* Principals as powerful as AWS root (globs, any case): GCP super
	 * admins and organization owners, Azure Global Administrators,
	 * break-glass accounts. */
	const char *const *privileged_principals;
	size_t nprivileged_principals;
	/* Business-hours time zone by IANA name ("Europe/Berlin", from the
	 * system's tz database, DST-correct); NULL: tz_offset_min. Borrowed,
	 * loaded by detector__new (EINVAL when unknown). */
	const char *tz_name;
	/* [audit] scope = gateway: only events with one of these access keys,
	 * from one of these addresses (IP or CIDR) or on one of these buckets
	 * are judged, and the account-wide rules stay off (an agent with scope
	 * all runs them). 0: every event. Lists borrowed. */
	uint32_t gateway_scope;
	const char *const *scope_keys;
	size_t nscope_keys;
	const char *const *scope_ips;
	size_t nscope_ips;
	const char *const *scope_buckets;
	size_t nscope_buckets;
};

/* 1 when ev is in the detector's scope (always, unless gateway_scope). */
int detector_config__in_scope(const struct detector_config *c, const struct audit_event *ev);
/* 1 when the i-th rule judges the whole account (trail settings, IAM,
 * root, principals new to the account): off under scope = gateway. */
int detector__rule_account_wide(size_t i);

/* 1 when hour-of-week `how` (0 = Monday 00:00 local) is outside business
 * hours: [start, end) Monday-Friday, or, when start > end, a night shift
 * from start on Monday-Friday to end the next morning. */
int detector_config__off_hours(const struct detector_config *c, int how);

void detector_config__defaults(struct detector_config *cfg);

struct detector;

/* NULL with errno set on failure. */
struct detector *detector__new(const struct detector_config *cfg);
void detector__free(struct detector *d);
/* Feed one event. Events must come in time order per principal.
 * Returns 0, or -ENOMEM (the event is counted as dropped, the stream goes on). */
int detector__feed(struct detector *d, const struct audit_event *ev);
/* Feed n events, as n calls of detector__feed would, in that order and
 * with the same results, but faster: the state that event i + k needs is
 * fetched while event i is fed. Every event and its strings must live,
 * unchanged, until the call returns (an address names one string
 * throughout). Returns 0 or the first error. */
int detector__feed_batch(struct detector *d, const struct audit_event *const *evs, size_t n);
/* Close every open window: call once at the end of input. */
void detector__flush(struct detector *d);
/* Set report_from_ms after the fact (offline analysis learns the newest
 * event's time only at the end): findings kept so far that end before it
 * are let go and counted as findings_before, as if it had been set from
 * the start. */
void detector__report_from(struct detector *d, int64_t from_ms);
/* The id of the i-th rule the agent has (audit and correlation rules in one
 * registry), or NULL past the last: for listing them. */
const char *detector__rule_id(size_t i);
/* Findings kept (all so far unless expired), sorted by severity then score,
 * highest first. */
size_t detector__findings(struct detector *d, const struct finding *const **out);
/* The findings made since the last take, in the order they were made, for
 * the caller to ship or log. Borrowed: valid until the next call that feeds,
 * flushes, adopts or expires. Returns their number. */
size_t detector__take(struct detector *d, const struct finding *const **out);
/* A finding made elsewhere (the correlator's host findings) joins the
 * detector's, for incidents: it is kept and comes back from the next
 * detector__take. Takes ownership of f (freed on failure): 0 or -ENOMEM. */
int detector__adopt(struct detector *d, struct finding *f);
/* The stream's newest time: of the events fed and the findings adopted. */
int64_t detector__now(const struct detector *d);
/* Let go of the kept findings that can no longer join an incident: their
 * group ended more than incident_gap_sec before now_ms. Past a bound of
 * kept findings the oldest go too (counted as findings_released). Does
 * nothing while findings wait to be taken. Incidents returned before are
 * invalid afterwards. Returns the number let go. */
size_t detector__expire(struct detector *d, int64_t now_ms);

/* What the detector saw and what it had to let go. */
struct detector_stats {
	uint64_t events;            /* events fed */
	uint64_t dropped;           /* events a rule could not take (out of memory) */
	uint64_t entities_dropped;  /* events of principals past a rule's table bound */
	uint64_t findings;          /* findings kept */
	uint64_t findings_dropped;  /* findings past the bound or out of memory */
	/* Added after the first release. */
	uint64_t identities;        /* identities with a baseline */
	uint64_t seen_dropped;      /* first-seen entries past a set's bound (taken as seen) */
	uint64_t findings_before;   /* findings before report_from_ms (baseline only) */
	uint64_t findings_allowed;  /* findings silenced by an allow list */
	uint64_t intel_prefixes;    /* threat-intel prefixes loaded */
	uint64_t incidents;         /* incidents reported */
	uint64_t state_bytes;       /* memory held by baselines and first-seen sets */
	uint64_t findings_normal;   /* fixed-threshold findings the identity's baseline calls normal */
	uint64_t volume_dropped;    /* events of source IPs/buckets past the volume table's bound */
	uint64_t findings_released; /* handed over, then let go of before their incident closed */
	uint64_t entities_aged;     /* identities, IPs and buckets forgotten after their idle time */
	uint64_t strings_bytes;     /* the detector's interned strings */
	uint64_t strings_freed;     /* bytes of strings freed once nothing held them */
	uint64_t findings_updated;  /* findings made again with the same id (a burst went on) */
	uint64_t out_of_scope;      /* events not touching the gateway (scope = gateway) */
	uint64_t findings_failed;   /* findings on an operation's start record withdrawn:
				     * its result record said it failed (Azure) */
};

void detector__stats(const struct detector *d, struct detector_stats *st);


/* Threat intel, before the first event. spec is KIND:FILE or FILE. KIND is
 * tor (plain list or exit-addresses), deny, hosting, allow (silences
 * findings from those sources), or cloud (AWS ip-ranges.json, GCP
 * cloud.json, Azure ServiceTags: labels provider and region). A JSON FILE
 * is taken as cloud, a text FILE as deny. Returns 0, -ENOENT/-EIO (file), or
 * -EINVAL (bad KIND or nothing usable in FILE), after logging one line. */
int detector__load_intel(struct detector *d, const char *spec);

/* Baselines across restarts (baseline_file__save/load below keep them in a
 * crash-safe file). Save writes the identities' baselines and first-seen
 * sets, and the organisation's IPs and buckets; the open hour of each
 * identity is not saved. Load goes into a fresh detector, before its first
 * event; on error (-EINVAL: damaged or another version, -ENOMEM) discard
 * that detector and start a new one. 0 or a negative errno. */
int detector__save_baselines(struct detector *d, FILE *f);
int detector__load_baselines(struct detector *d, const void *buf, size_t len);

/* The same in one file (e.g. /var/lib/gatewatch/baselines.gwb): the bytes of
 * detector__save_baselines() followed by a CRC-32, written atomically (see
 * state/blob.h). Load goes into a fresh detector, before its first event:
 * 0; -ENOENT when there is no file yet (start empty); -EINVAL when it is
 * damaged, of another version or fails its checksum (logged with the path;
 * discard the detector and start a new, empty one); other negative errnos
 * for I/O. */
int baseline_file__save(struct detector *d, const char *path);
int baseline_file__load(struct detector *d, const char *path);

/* Findings close in time that share an entity (a principal, an access
 * key, a host process; a bucket or an address between a host finding and
 * a cloud one: see incident_graph.c), grouped, classified, with one
 * timeline across host and cloud and what to do about them on both sides.
 * Owned by the detector; valid until a later call of detector__incidents()
 * that sees new findings, or detector__free(). */
#define GW_INCIDENT_MAX_STEPS 12
#define GW_INCIDENT_MAX_RELATED 8
#define GW_INCIDENT_MAX_TIMELINE 32
struct incident {
	char *id;
	double score;
	int severity;
	const char *classification;   /* static */
	char *principal;
	char *access_key;
	int key_long_term;
	int64_t start_ms, end_ms;
	const struct finding **findings;  /* time order */
	size_t nfindings;
	char *remediation[GW_INCIDENT_MAX_STEPS];
	size_t nremediation;
	char *related[GW_INCIDENT_MAX_RELATED]; /* other principals, same IP or UA */
	size_t nrelated;
	struct gw_kv evidence[GW_FINDING_MAX_EVIDENCE];
	size_t nevidence;
	/* One line per finding in time order: "TIME host|cloud RULE: who: what"
	 * (past the bound, the last line counts the rest). */
	char *timeline[GW_INCIDENT_MAX_TIMELINE];
	size_t ntimeline;
};

/* Incidents over the findings so far (call after detector__flush), highest
 * score first. */
size_t detector__incidents(struct detector *d, const struct incident *const **out);

/* Helpers for rules and tests: evidence and finding lifetime. */
int finding__add_evidence(struct finding *f, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The value of f's evidence named key, NULL when it has none. */
const char *finding__evidence(const struct finding *f, const char *key);
/* Frees the strings a finding owns (id, principal ... samples, evidence)
 * and the finding itself, which must come from calloc(). NULL is fine. */
void finding__free(struct finding *f);

#endif
