/* gatewatch configuration: an INI file (default /etc/gatewatch/gatewatch.conf)
 * whose every key is also a command-line flag.
 *
 * The keys live in one table (config.c): section, key, flag, default and help
 * text. The loader, the flag setter, `--help`, the shipped gatewatch.conf and
 * the man page all follow that table.
 *
 * Ownership: every string in struct gw_config belongs to the struct and is
 * freed by gw_config__free(). Optional strings are NULL when unset (an empty
 * value in the file or on the command line unsets them); state_dir and
 * log_level are never NULL after gw_config__defaults().
 *
 * List keys (roots, sources, exes, ...) take comma-separated values and may be
 * repeated; each occurrence appends. An empty value clears the list, so
 * `--root= --root /srv/data` replaces the roots the file named.
 *
 * Secrets are never in the file or on the command line: token_file and
 * key_file name files that hold them, and no value of a URL key is ever
 * logged (it may carry credentials or a SAS signature).
 */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <getopt.h>
#include <stdio.h>
#include <sys/types.h>

#define GW_CONFIG_DEFAULT_PATH "/etc/gatewatch/gatewatch.conf"
#define GW_CONFIG_MAX_ROOTS 64
#define GW_CONFIG_MAX_AUDIT 64
#define GW_CONFIG_MAX_EXES 32
#define GW_CONFIG_MAX_KEYS 32
#define GW_CONFIG_MAX_IPS 32
#define GW_CONFIG_MAX_ACCOUNTS 64
#define GW_CONFIG_MAX_PATTERNS 64
#define GW_CONFIG_MAX_LIST 64

struct gw_config {
	/* [sensor] */
	char *roots[GW_CONFIG_MAX_ROOTS];        /* absolute directories watched by the BPF sensor */
	size_t nroots;
	unsigned interval_sec;                   /* host window length */
	unsigned max_counts;                     /* entries in the kernel's read counts map */
	unsigned map_fill_alert_pct;             /* warn when a sensor map is this full */
	/* [audit] */
	char *audit_sources[GW_CONFIG_MAX_AUDIT]; /* cloudtrail:PATH, s3://bucket/prefix, ... */
	size_t naudit;
	unsigned reorder_window_sec;
	char *scope;                             /* "all" or "gateway" */
	unsigned pull_interval_sec;
	unsigned silent_factor;                  /* audit-source-silent: times the usual gap */
	unsigned silent_min_sec;                 /* ... and at least this long */
	char *audit_listen;                      /* MinIO audit webhook ADDR:PORT, NULL = off */
	char *audit_listen_token_file;
	char *audit_listen_tls_cert;
	char *audit_listen_tls_key;
	unsigned audit_listen_max_body_kb;
	unsigned audit_listen_queue_mb;
	unsigned audit_listen_deadline_sec;
	/* [gateway] */
	char *gateway_exes[GW_CONFIG_MAX_EXES];  /* executables that are the gateway (path or name) */
	size_t ngateway_exes;
	char *allow_exes[GW_CONFIG_MAX_EXES];    /* other executables allowed to read object data */
	size_t nallow_exes;
	char *gateway_access_keys[GW_CONFIG_MAX_KEYS]; /* access key ids the gateway signs with */
	size_t ngateway_keys;
	char *gateway_ips[GW_CONFIG_MAX_IPS];    /* the gateway's egress addresses, IP or CIDR */
	size_t ngateway_ips;
	char *gateway_buckets[GW_CONFIG_MAX_LIST]; /* buckets it serves (scope = gateway) */
	size_t ngateway_buckets;
	unsigned audit_delay_sec;                /* audit log delivery delay tolerated */
	unsigned correlation_slot_sec;
	unsigned new_client_learning_sec;
	unsigned cluster_nodes;                  /* MinIO erasure-coded cluster size, 1 = single */
	/* [detect]: the detector's tunables (struct detector_config) */
	unsigned bulk_threshold;
	unsigned baseline_days;
	unsigned seen_ttl_days;
	unsigned business_start_hour;            /* business hours [start, end), Monday-Friday */
	unsigned business_end_hour;
	char *tz;                                /* business-hours time zone: IANA name or +HH:MM */
	unsigned denied_min;
	unsigned denied_min_apis;
	unsigned regions_min;
	unsigned list_floor;
	unsigned list_buckets_floor;
	unsigned after_hours_floor;
	unsigned read_hour_floor;
	unsigned read_day_floor;
	unsigned bucket_read_floor;
	unsigned incident_gap_sec;
	unsigned incident_min_score;
	unsigned max_identities;
	char *own_accounts[GW_CONFIG_MAX_ACCOUNTS]; /* AWS accounts, GCP projects, Azure subscriptions */
	size_t nown_accounts;
	char *ransom_notes[GW_CONFIG_MAX_PATTERNS]; /* object name patterns of ransom notes */
	size_t nransom_notes;
	char *partner_accounts[GW_CONFIG_MAX_LIST];  /* foreign accounts with a grant */
	size_t npartner_accounts;
	char *public_buckets[GW_CONFIG_MAX_LIST];    /* public by design */
	size_t npublic_buckets;
	char *sensitive_objects[GW_CONFIG_MAX_LIST]; /* object key globs */
	size_t nsensitive_objects;
	char *privileged_principals[GW_CONFIG_MAX_LIST]; /* principal globs */
	size_t nprivileged_principals;
	/* [ship] */
	char *collector_url;
	char *token_file;
	char *ca_file;
	char *cert_file;
	char *key_file;
	char *otlp_url;
	/* [agent] */
	char *agent_id;                          /* NULL: /etc/machine-id */
	char *state_dir;
	char *metrics_listen;                    /* loopback HOST:PORT, NULL = off */
	char *log_level;                         /* error, warning, info or debug */

	/* Set by gw_config__load(): the file and its mode, for gw_config__check(). */
	char *path;
	mode_t file_mode;
	int oom;                                 /* an allocation failed in defaults/set */
};

enum gw_config_type {
	GW_CFG_STR,
	GW_CFG_UINT,
	GW_CFG_LIST,
};

/* One key of the table. `flag` is the long option without "--"; gw_config__set()
 * also accepts the key name (with '_' or '-') and "section.key". */
struct gw_config_key {
	const char *section;
	const char *name;
	const char *flag;
	const char *metavar;
	const char *def;          /* the default as text, "" when unset */
	const char *help;
	enum gw_config_type type;
};

/* Key i of the table, in file order, or NULL past the last one:
 * for (size_t i = 0; (k = gw_config__key(i)); i++) ... */
const struct gw_config_key *gw_config__key(size_t i);

void gw_config__defaults(struct gw_config *c);
/* Apply the INI file at path over c. Returns 0, or a negative errno after
 * logging one line naming the file, line and key at fault. Unknown sections
 * and keys are errors. */
int gw_config__load(struct gw_config *c, const char *path);
/* Set one key from a flag or a caller: returns 0, or -EINVAL after logging a
 * line naming the flag (-ENOMEM on allocation failure). */
int gw_config__set(struct gw_config *c, const char *key, const char *value);
/* Semantic checks against the system: directories exist, files are readable,
 * secret files are not world-readable, and the config file is refused if
 * world-readable while it holds a secret (credentials or a signature in a
 * URL). Logs one line per problem; returns 0 or -EINVAL (or -ENOMEM). */
int gw_config__check(const struct gw_config *c);
/* 1 when the configuration gives the agent something to watch: a root for
 * the sensor, an audit source or the MinIO audit listener; 0 when an agent
 * would sit idle. */
int gw_config__has_work(const struct gw_config *c);
void gw_config__free(struct gw_config *c);

/* The syslog priority (LOG_ERR ... LOG_DEBUG) for c->log_level. */
int gw_config__log_priority(const struct gw_config *c);

/* Fill opts[0..n) with one required_argument option per key and per old
 * name still accepted, val = base + key index (not terminated: the caller appends its own and the zero entry).
 * Returns n, or -ENOSPC if cap is too small. */
int gw_config__options(struct option *opts, size_t cap, int base);
/* The same for the keys of one section (all when NULL), old names
 * included: returns the count filled or -ENOSPC. */
int gw_config__section_options(struct option *opts, size_t cap, int base, const char *section);
/* The key for a getopt value from gw_config__options(), or NULL. For an old
 * name it is the old flag, which gw_config__set() takes with a warning. */
const struct gw_config_key *gw_config__option_key(int val, int base);

/* Print "  --flag ARG  help (default: X)" for every key. */
void gw_config__usage(FILE *out);
/* The same for the keys of one section. */
void gw_config__usage_section(FILE *out, const char *section);
/* Print the effective configuration as INI; URL values with credentials
 * are shown redacted. */
void gw_config__dump(const struct gw_config *c, FILE *out);

/* A UTC offset "+HH:MM", "-HH:MM", "+HH", "UTC" or "Z" in minutes
 * (-14:00..+14:00): 0 or -EINVAL (an IANA zone name is not an offset). */
int gw_config__parse_tz(const char *s, int *minutes);

struct detector_config;
/* The [detect] keys as a detector configuration (the fields it does not
 * name keep their defaults). Returns 0, or -EINVAL after logging one line
 * naming the file (c->path) and the keys when they contradict each other. */
int gw_config__detector(const struct gw_config *c, struct detector_config *dc);

/* scope = gateway without [gateway] buckets: the buckets are the
 * subdirectories of the roots (not of a FUSE mount's). 0 or -ENOMEM. */
int gw_config__buckets_from_roots(struct gw_config *c);
/* Append one name to [gateway] buckets: 0, -ENOMEM, or -EINVAL (why set). */
int gw_config__set_bucket(struct gw_config *c, const char *name, const char **why);

/* The file named by --config FILE or --config=FILE in argv (looked for
 * before the flags are applied over it), or the default path; *given says
 * whether it was named. */
const char *gw_config__path_arg(int argc, char **argv, int *given);

#endif
