/* See config.h. The key table drives everything: the INI loader, the flag
 * setter, --help and the dump. A value's syntax and how it is stored are in
 * value.c; semantic checks against the system in check.c. */
#include "config.h"
#include "audit/audit.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config_priv.h"
#include "detect/detect.h"
#include "lib/log.h"
#include "lib/redact.h"

#define OFF(m) offsetof(struct gw_config, m)
/* A number's text after macro expansion: DETECT_DEF_LIST_FLOOR -> "50". */
#define NUM_TEXT_(x) #x
#define NUM_TEXT(x) NUM_TEXT_(x)
#define STR(sec, name, flag, meta, def, chk, help) \
	{ { sec, #name, flag, meta, def, help, GW_CFG_STR }, OFF(name), 0, 0, chk, 0, 0 }
#define UINT(sec, name, flag, def, min, max, help) \
	{ { sec, #name, flag, "N", NUM_TEXT(def), help, GW_CFG_UINT }, OFF(name), 0, 0, CHK_NONE, min, max }
/* A key named otherwise than its member ([audit] listen -> audit_listen). */
#define STRN(sec, key, name, flag, meta, def, chk, help) \
	{ { sec, key, flag, meta, def, help, GW_CFG_STR }, OFF(name), 0, 0, chk, 0, 0 }
#define UINTN(sec, key, name, flag, def, min, max, help) \
	{ { sec, key, flag, "N", NUM_TEXT(def), help, GW_CFG_UINT }, OFF(name), 0, 0, CHK_NONE, min, max }
#define LIST(sec, name, flag, meta, member, count, chk, help) \
	{ { sec, name, flag, meta, "", help, GW_CFG_LIST }, OFF(member), OFF(count), \
	  sizeof(((struct gw_config *)0)->member) / sizeof(char *), chk, 0, 0 }

const struct gw_config_field gw_config_fields[] = {
	LIST("sensor", "roots", "root", "DIR", roots, nroots, CHK_DIR,
	     "directories holding object data (bucket per subdirectory) watched by the BPF sensor"),
	UINT("sensor", interval_sec, "interval-sec", 10, 1, 86400,
	     "length of a host window in seconds"),
	UINT("sensor", max_counts, "max-counts", 10240, 16, 4194304,
	     "entries in the kernel's per-process read counts map"),
	UINT("sensor", map_fill_alert_pct, "map-fill-alert-pct", 80, 1, 100,
	     "percent fill of a sensor map at which the agent warns (before reads go unattributed)"),
	LIST("audit", "sources", "audit", "SOURCE", audit_sources, naudit, CHK_SOURCE,
	     "audit log sources: [cloudtrail:|s3access:|gcs:|azure:|azure-activity:|minio:] "
	     "then a local path (relative: to the current directory, as a flag) or a bucket URL"),
	UINT("audit", reorder_window_sec, "reorder-window-sec", 900, 0, 604800,
	     "analyze: records this many seconds out of time order are put back in order; "
	     "later ones are counted as late and analyzed as they come"),
	STR("audit", scope, "scope", "all|gateway", "all", CHK_SCOPE,
	    "which audit events this agent judges: all, or gateway: only those with the "
	    "gateway's access keys, from its addresses or on its buckets, account-wide rules "
	    "left to an agent with all"),
	UINT("audit", pull_interval_sec, "pull-interval-sec", 300, 1, 86400,
	     "seconds between two pulls of the audit sources"),
	UINT("audit", silent_factor, "silent-factor", 6, 2, 1000,
	     "a source that delivered steadily and then stays silent this many times its usual "
	     "gap raises audit-source-silent"),
	UINT("audit", silent_min_sec, "silent-min-sec", 900, 1, 604800,
	     "the shortest silence that raises audit-source-silent, in seconds"),
	STRN("audit", "listen", audit_listen, "audit-listen", "ADDR:PORT", "", CHK_ADDR,
	     "serve the MinIO audit webhook (POST /minio/audit) on this address (empty: off)"),
	STRN("audit", "listen_token_file", audit_listen_token_file, "audit-listen-token-file",
	     "FILE", "", CHK_SECRET,
	     "file holding the bearer token MinIO sends as auth_token (not world-readable)"),
	STRN("audit", "listen_tls_cert", audit_listen_tls_cert, "audit-listen-tls-cert", "FILE",
	     "", CHK_FILE, "serve the audit webhook over HTTPS with this certificate (PEM)"),
	STRN("audit", "listen_tls_key", audit_listen_tls_key, "audit-listen-tls-key", "FILE", "",
	     CHK_SECRET, "private key of listen_tls_cert (not world-readable)"),
	UINTN("audit", "listen_max_body_kb", audit_listen_max_body_kb, "audit-listen-max-body-kb",
	      8192, 1, 262144, "largest audit webhook request body, KiB"),
	UINTN("audit", "listen_queue_mb", audit_listen_queue_mb, "audit-listen-queue-mb", 256, 1,
	      65536, "audit entries queued on disk and not yet read, MiB; past it 503"),
	UINTN("audit", "listen_deadline_sec", audit_listen_deadline_sec,
	      "audit-listen-deadline-sec", 30, 1, 3600,
	      "a webhook request must arrive whole within this many seconds"),
	LIST("gateway", "exes", "gateway-exe", "EXE", gateway_exes, ngateway_exes, CHK_EXE,
	     "executables (absolute path or process name) that are the storage gateway"),
	LIST("gateway", "allow_exes", "allow-exe", "EXE", allow_exes, nallow_exes, CHK_EXE,
	     "other executables expected to read object data (backup, scrubber)"),
	LIST("gateway", "access_keys", "gateway-access-key", "KEYID", gateway_access_keys,
	     ngateway_keys, CHK_KEYID, "access key ids the gateway itself signs requests with"),
	LIST("gateway", "ips", "gateway-ip", "IP[/LEN]", gateway_ips, ngateway_ips, CHK_IP,
	     "source addresses the cloud sees for the gateway (IP or CIDR)"),
	LIST("gateway", "buckets", "gateway-bucket", "BUCKET", gateway_buckets, ngateway_buckets,
	     CHK_KEYID, "buckets the gateway serves, for scope = gateway (default: the "
	     "subdirectories of the roots)"),
	UINT("gateway", audit_delay_sec, "audit-delay-sec", 900, 0, 86400,
	     "how late the audit log may arrive; host windows are compared with it after this"),
	UINT("gateway", correlation_slot_sec, "correlation-slot-sec", 300, 1, 86400,
	     "host reads and audit events are compared per slot of this many seconds"),
	UINT("gateway", new_client_learning_sec, "new-client-learning-sec", 86400, 0, 31536000,
	     "clients seen in this first period are learned, not reported as new"),
	UINT("gateway", cluster_nodes, "cluster-nodes", 1, 1, 4096,
	     "nodes of the erasure-coded MinIO cluster this host is one of; above 1 "
	     "unaudited-reads is off (a node reads parts for its peers' requests)"),
	UINT("detect", bulk_threshold, "bulk-threshold", DETECT_DEF_BULK_THRESHOLD, 1, 100000000,
	     "object reads per principal per hour above which bulk-download fires"),
	UINTN("detect", "established_days", baseline_days, "established-days",
	      DETECT_DEF_BASELINE_DAYS, 1, 365,
	      "days with activity before an identity counts as established and is judged "
	      "by its own baseline (before: by its population's)"),
	UINT("detect", seen_ttl_days, "seen-ttl-days", DETECT_DEF_SEEN_TTL_DAYS, 1, 3650,
	     "days after which a source IP, user agent, API or region is new again"),
	UINT("detect", business_start_hour, "business-start-hour", DETECT_DEF_WORK_START_HOUR, 0, 23,
	     "business hours start at this hour, Monday-Friday"),
	UINT("detect", business_end_hour, "business-end-hour", DETECT_DEF_WORK_END_HOUR, 1, 24,
	     "business hours end at this hour (before business_start_hour: a night shift)"),
	STR("detect", tz, "tz", "ZONE", "UTC", CHK_TZ,
	    "business-hours time zone: an IANA name (Europe/Berlin, DST-correct, from the "
	    "system's tz database) or a UTC offset +HH:MM"),
	UINT("detect", denied_min, "denied-min", DETECT_DEF_DENIED_MIN, 1, 1000000,
	     "access-denied cluster: denials per identity per hour"),
	UINT("detect", denied_min_apis, "denied-min-apis", DETECT_DEF_DENIED_MIN_APIS, 1, 8,
	     "access-denied cluster: over at least this many distinct APIs"),
	UINT("detect", regions_min, "regions-min", DETECT_DEF_REGIONS_MIN, 2, 8,
	     "multi-region burst: regions an identity calls within 6 hours"),
	UINT("detect", list_floor, "list-floor", DETECT_DEF_LIST_FLOOR, 1, 100000000,
	     "enumeration: list calls per identity per hour, at least"),
	UINT("detect", list_buckets_floor, "list-buckets-floor", DETECT_DEF_LIST_BUCKETS_FLOOR, 1, 100000,
	     "enumeration: distinct buckets listed per identity per hour"),
	UINT("detect", after_hours_floor, "after-hours-floor", DETECT_DEF_AFTER_HOURS_FLOOR, 1, 100000000,
	     "after-hours: object reads per identity per hour, at least"),
	UINT("detect", read_hour_floor, "read-hour-floor", DETECT_DEF_READ_HOUR_FLOOR, 1, 100000000,
	     "read volume: object reads per identity per hour, at least"),
	UINT("detect", read_day_floor, "read-day-floor", DETECT_DEF_READ_DAY_FLOOR, 1, 100000000,
	     "read volume: object reads per identity per day, at least"),
	UINT("detect", bucket_read_floor, "bucket-read-floor", DETECT_DEF_BUCKET_READ_FLOOR, 1, 100000000,
	     "bucket-read-spike: object reads of one bucket per hour, at least"),
	UINT("detect", incident_gap_sec, "incident-gap-sec", DETECT_DEF_INCIDENT_GAP_SEC, 60, 2592000,
	     "findings on one identity closer than this join one incident"),
	UINT("detect", incident_min_score, "incident-min-score", DETECT_DEF_INCIDENT_MIN_SCORE, 1, 100,
	     "score an incident of several rules needs to be reported"),
	LIST("detect", "own_accounts", "own-account", "ID", own_accounts, nown_accounts, CHK_KEYID,
	     "AWS accounts, GCP projects and Azure subscriptions that are ours; any other is "
	     "foreign (default: learned from the logs' own accounts)"),
	LIST("detect", "ransom_notes", "ransom-note", "GLOB", ransom_notes, nransom_notes, CHK_KEYID,
	     "object name patterns (shell globs, any case) of ransom notes (default: a built-in list)"),
	UINT("detect", max_identities, "max-identities", DETECT_DEF_MAX_IDENTITIES, 1, 100000000,
	     "identities with a baseline; past it new ones are counted, not tracked"),
	LIST("detect", "partner_accounts", "partner-account", "ID", partner_accounts,
	     npartner_accounts, CHK_KEYID, "foreign accounts with a documented grant: not reported"),
	LIST("detect", "public_buckets", "public-bucket", "BUCKET", public_buckets, npublic_buckets,
	     CHK_KEYID, "buckets public by design (a website): anonymous reads are not reported"),
	LIST("detect", "sensitive_objects", "sensitive-object", "GLOB", sensitive_objects,
	     nsensitive_objects, CHK_KEYID,
	     "object key globs that hold secrets (default: keys, .env, credentials, dumps, vaults)"),
	LIST("detect", "privileged_principals", "privileged-principal", "GLOB", privileged_principals,
	     nprivileged_principals, CHK_KEYID,
	     "principals as powerful as AWS root (GCP super admins and organization owners, Azure "
	     "Global Administrators, break-glass accounts): any call of theirs is root-activity"),
	STR("ship", collector_url, "collector-url", "URL", "", CHK_URL,
	    "collector to send finding batches to (empty: keep findings in the spool)"),
	STR("ship", token_file, "token-file", "FILE", "", CHK_SECRET,
	    "file holding the bearer token for the collector (not world-readable)"),
	STR("ship", ca_file, "ca-file", "FILE", "", CHK_FILE,
	    "CA bundle that signs the collector's certificate (empty: system store)"),
	STR("ship", cert_file, "cert-file", "FILE", "", CHK_FILE,
	    "client certificate for mutual TLS"),
	STR("ship", key_file, "key-file", "FILE", "", CHK_SECRET,
	    "private key of the client certificate (not world-readable)"),
	STR("ship", otlp_url, "otlp-url", "URL", "", CHK_URL,
	    "also send findings as OTLP/HTTP logs to this endpoint (.../v1/logs)"),
	STRN("agent", "id", agent_id, "agent-id", "ID", "", CHK_KEYID,
	     "this agent's id on the wire (default: /etc/machine-id; set it on cloned hosts)"),
	STR("agent", state_dir, "state-dir", "DIR", "/var/lib/gatewatch", CHK_DIR,
	    "baselines, cursors and the findings spool"),
	STR("agent", metrics_listen, "metrics-listen", "ADDR:PORT", "", CHK_LISTEN,
	    "serve Prometheus metrics on this loopback address (empty: off)"),
	STR("agent", log_level, "log-level", "LEVEL", "info", CHK_LEVEL,
	    "error, warning, info or debug"),
};

const size_t gw_config_nfields = sizeof(gw_config_fields) / sizeof(gw_config_fields[0]);

/* Old names still accepted, each use with a one-line deprecation warning;
 * the getopt value of alias j is base + gw_config_nfields + j. */
static const struct gw_config_alias {
	struct gw_config_key key;  /* the old flag and key name */
	const char *to;            /* the key's name today */
} aliases[] = {
	{ { "detect", "tz_offset", "tz-offset", "+HH:MM", "", "deprecated: --tz", GW_CFG_STR }, "tz" },
	/* analyze's --baseline-days is calendar days of history; the
	 * established threshold is counted in active days */
	{ { "detect", "baseline_days", "baseline-days", "N", "", "deprecated: --established-days",
	    GW_CFG_UINT }, "established_days" },
};

#define NALIASES (sizeof(aliases) / sizeof(aliases[0]))

const struct gw_config_field *gw_config_alias_field(const char *section, const char *name,
						    const char **to)
{
	for (size_t i = 0; i < NALIASES; i++)
		if (!strcmp(section, aliases[i].key.section) && !strcmp(name, aliases[i].key.name))
			for (size_t j = 0; j < gw_config_nfields; j++)
				if (!strcmp(gw_config_fields[j].key.name, aliases[i].to)) {
					*to = aliases[i].to;
					return &gw_config_fields[j];
				}
	return NULL;
}

const struct gw_config_key *gw_config__key(size_t i)
{
	return i < gw_config_nfields ? &gw_config_fields[i].key : NULL;
}

void gw_config__free(struct gw_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < gw_config_nfields; i++)
		gw_config_clear_field(c, &gw_config_fields[i]);
	free(c->path);
	c->path = NULL;
}

void gw_config__defaults(struct gw_config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < gw_config_nfields; i++) {
		const struct gw_config_field *f = &gw_config_fields[i];

		if (f->key.type == GW_CFG_UINT) {
			*uint_at(c, f) = (unsigned)strtoul(f->key.def, NULL, 10);
		} else if (f->key.type == GW_CFG_STR && f->key.def[0]) {
			*str_at(c, f) = strdup(f->key.def);
			if (!*str_at(c, f))
				c->oom = 1;
		}
	}
}

/* a == b where '-' and '_' are the same character. */
static int name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;

		if (x != y)
			return 0;
	}
	return *a == *b;
}

static const struct gw_config_field *find_field(const char *key);

/* An old name: warn once per use, then the key it became. */
static const struct gw_config_field *find_alias(const char *key)
{
	const char *dot = strchr(key, '.');

	for (size_t i = 0; i < NALIASES; i++) {
		const struct gw_config_key *a = &aliases[i].key;

		if (dot ? !strncmp(key, a->section, (size_t)(dot - key)) &&
			  !a->section[dot - key] && name_eq(dot + 1, a->name)
			: name_eq(key, a->flag) || name_eq(key, a->name)) {
			log_warn("--%s is deprecated; use --%s", a->flag, aliases[i].to);
			return find_field(aliases[i].to);
		}
	}
	return NULL;
}

/* By flag, by key name, or by "section.key"; then the old names. */
static const struct gw_config_field *find_field(const char *key)
{
	const char *dot = strchr(key, '.');

	for (size_t i = 0; i < gw_config_nfields; i++) {
		const struct gw_config_field *f = &gw_config_fields[i];

		if (dot) {
			size_t sl = (size_t)(dot - key);

			if (strlen(f->key.section) == sl && !strncmp(key, f->key.section, sl) &&
			    name_eq(dot + 1, f->key.name))
				return f;
		} else if (name_eq(key, f->key.flag) || name_eq(key, f->key.name)) {
			return f;
		}
	}
	return find_alias(key);
}

/* A path given as a flag, relative to the current directory, made absolute. */
static int absolute_path(const char *v, char *out, size_t size)
{
	char cwd[PATH_MAX];
	int n;

	if (v[0] == '/' || !v[0]) {
		n = snprintf(out, size, "%s", v);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		while (v[0] == '.' && v[1] == '/')
			v += 2;
		n = snprintf(out, size, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "",
			     strcmp(v, ".") ? v : "");
	}
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* The comma-separated paths or sources of a flag with each relative path
 * made absolute against the current directory, as `analyze` reads them
 * (malloc'd), or NULL with *err set. */
static char *absolute_paths(const struct gw_config_field *f, const char *v, int *err)
{
	size_t items = 1, cap, len = 0;
	char *out, *item;

	for (const char *p = v; *p; p++)
		items += *p == ',';
	cap = strlen(v) + items * (PATH_MAX + 1) + 1;
	out = malloc(cap);
	*err = out ? 0 : -ENOMEM;
	while (!*err && *v) {
		size_t n = f->key.type == GW_CFG_LIST ? strcspn(v, ",") : strlen(v);
		const char *p;

		item = strndup(v, n);
		*err = !item ? -ENOMEM : len ? (out[len++] = ',', 0) : 0;
		/* leading blanks would hide an absolute path */
		p = item ? item + strspn(item, " \t") : NULL;
		if (!*err)
			*err = f->chk == CHK_SOURCE ? audit_spec__absolute(p, out + len, cap - len)
						    : absolute_path(p, out + len, cap - len);
		free(item);
		len += *err ? 0 : strlen(out + len);
		v += n + (v[n] == ',');
	}
	if (*err) {
		free(out);
		return NULL;
	}
	out[len] = '\0';
	return out;
}

int gw_config__set(struct gw_config *c, const char *key, const char *value)
{
	const struct gw_config_field *f = find_field(key);
	const char *why = "invalid value";
	char shown[REDACT_MAX], *abs = NULL;
	int err = 0;

	if (!f) {
		log_err("unknown option --%s", key);
		return -EINVAL;
	}
	/* a flag's relative path means the current directory, in every command */
	if ((f->chk == CHK_SOURCE || f->chk == CHK_DIR || f->chk == CHK_FILE ||
	     f->chk == CHK_SECRET) && value && value[0])
		abs = absolute_paths(f, value, &err);
	if (err == -ENOMEM)
		why = "out of memory";
	else if (err == -ENAMETOOLONG)
		why = "path too long";
	else if (!err)
		err = gw_config_set_field(c, f, abs ? abs : value ? value : "", &why);
	free(abs);
	if (err == -ENOMEM)
		c->oom = 1;
	if (err)
		log_err("invalid --%s '%s': %s", f->key.flag,
			redact__url(value ? value : "", shown, sizeof(shown)), why);
	return err;
}

/* ---- help, options, dump ---- */

int gw_config__log_priority(const struct gw_config *c)
{
	const char *l = c->log_level ? c->log_level : "info";

	if (!strcmp(l, "error"))
		return LOG_ERR;
	if (!strcmp(l, "warning"))
		return LOG_WARNING;
	if (!strcmp(l, "debug"))
		return LOG_DEBUG;
	return LOG_INFO;
}

int gw_config__options(struct option *opts, size_t cap, int base)
{
	int n = gw_config__section_options(opts, cap, base, NULL);

	return n < 0 || (size_t)n < gw_config_nfields + NALIASES ? -ENOSPC : n;
}

int gw_config__section_options(struct option *opts, size_t cap, int base, const char *section)
{
	size_t n = 0;

	for (size_t i = 0; i < gw_config_nfields + NALIASES; i++) {
		const struct gw_config_key *k = i < gw_config_nfields ? &gw_config_fields[i].key
								       : &aliases[i - gw_config_nfields].key;

		if (section && strcmp(section, k->section))
			continue;
		if (n == cap)
			return -ENOSPC;
		opts[n].name = k->flag;
		opts[n].has_arg = required_argument;
		opts[n].flag = NULL;
		opts[n].val = base + (int)i;
		n++;
	}
	return (int)n;
}

const struct gw_config_key *gw_config__option_key(int val, int base)
{
	size_t i = (size_t)(val - base);

	if (val < base || i >= gw_config_nfields + NALIASES)
		return NULL;
	/* an old name's key carries its old flag: gw_config__set() warns */
	return i < gw_config_nfields ? &gw_config_fields[i].key : &aliases[i - gw_config_nfields].key;
}

void gw_config__usage(FILE *out)
{
	gw_config__usage_section(out, NULL);
}

void gw_config__usage_section(FILE *out, const char *section)
{
	for (size_t i = 0; i < gw_config_nfields; i++) {
		const struct gw_config_key *k = &gw_config_fields[i].key;
		char left[64];

		if (section && strcmp(section, k->section))
			continue;

		snprintf(left, sizeof(left), "--%s %s", k->flag, k->metavar);
		fprintf(out, "  %-30s %s%s (default: %s)\n", left, k->help,
			k->type == GW_CFG_LIST ? ", repeatable" : "", k->def[0] ? k->def : "none");
	}
}

static void dump_value(FILE *out, const struct gw_config_field *f, const char *v)
{
	char shown[REDACT_MAX];

	fprintf(out, "%s = %s\n", f->key.name, is_url_key(f) ? redact__url(v, shown, sizeof(shown)) : v);
}

void gw_config__dump(const struct gw_config *c, FILE *out)
{
	const char *section = "";

	for (size_t i = 0; i < gw_config_nfields; i++) {
		const struct gw_config_field *f = &gw_config_fields[i];

		if (strcmp(section, f->key.section)) {
			section = f->key.section;
			fprintf(out, "%s[%s]\n", i ? "\n" : "", section);
		}
		if (f->key.type == GW_CFG_UINT) {
			fprintf(out, "%s = %u\n", f->key.name, *(const unsigned *)((const char *)c + f->off));
		} else if (f->key.type == GW_CFG_STR) {
			const char *v = *cstr_at(c, f);

			dump_value(out, f, v ? v : "");
		} else {
			size_t n = ccount_at(c, f);

			if (!n)
				fprintf(out, "%s =\n", f->key.name);
			for (size_t j = 0; j < n; j++)
				dump_value(out, f, cstr_at(c, f)[j]);
		}
	}
}

int gw_config__set_bucket(struct gw_config *c, const char *name, const char **why)
{
	const struct gw_config_field *f = find_field("gateway.buckets");

	*why = "no such key";
	return f ? gw_config_set_field(c, f, name, why) : -EINVAL;
}
