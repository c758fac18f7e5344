/* See daemon.h. One thread: sleep on the sensor's ring buffer, poll a host
 * window every interval, pull the audit sources every pull interval, judge
 * correlations as audit logs come in, and hand findings to the shipper. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "lib/gw.h"
#include "daemon.h"
#include "silent.h"
#include "audit/audit.h"
#include "audit/listen/listen.h"
#include "detect/correlate/correlate.h"
#include "detect/detect.h"
#include "host/caps.h"
#include "host/host.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "ship/ship.h"
#include "lib/strpool.h"

/* Findings logged per cycle before the rest are summed up in one line. */
#define LOG_FINDINGS_PER_CYCLE 20

struct daemon {
	struct gw_config *cfg;
	const struct daemon_opts *o;
	struct sensor *sensor;
	unsigned fill_warned;              /* maps (bit per map) warned about as too full */
	struct detector *det;
	struct correlator *corr;
	struct shipper *ship;
	struct local_sources *srcs;
	struct silent *silent;             /* per-source delivery gaps */
	struct audit_listener *listener;   /* the MinIO audit webhook, or NULL */
	uint64_t hook_requests, hook_entries;
	struct strpool *pool;
	struct audit_event *evs;
	size_t nevs, capevs;
	struct audit_stats ast;
	struct inc_rev {
		char *id;
		size_t nfindings;
		uint64_t revision;
	} *incs;                     /* incidents shipped, and their last revision */
	size_t nincs, capincs;
	uint64_t findings, logged;
	int64_t newest_ms;           /* newest event of the source being pulled */
	char clients_path[PATH_MAX], sources_path[PATH_MAX], cursor_dir[PATH_MAX];
	char baselines_path[PATH_MAX], slots_path[PATH_MAX];
	int slots_failed;            /* the last save of the slots failed (logged once) */
};

static volatile sig_atomic_t d_stop, d_reload;

static void on_stop(int sig)
{
	(void)sig;
	d_stop = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	d_reload = 1;
}

static int path_in(char *dst, size_t size, const char *dir, const char *name)
{
	return (size_t)snprintf(dst, size, "%s/%s", dir, name) >= size ? -ENAMETOOLONG : 0;
}

static void correlate_opts_from(struct correlate_opts *co, const struct gw_config *cfg)
{
	correlate_opts__defaults(co);
	co->gateway_exes = (const char *const *)cfg->gateway_exes;
	co->ngateway_exes = cfg->ngateway_exes;
	co->allow_exes = (const char *const *)cfg->allow_exes;
	co->nallow_exes = cfg->nallow_exes;
	co->gateway_keys = (const char *const *)cfg->gateway_access_keys;
	co->ngateway_keys = cfg->ngateway_keys;
	co->gateway_ips = (const char *const *)cfg->gateway_ips;
	co->ngateway_ips = cfg->ngateway_ips;
	co->delay_ms = (int64_t)cfg->audit_delay_sec * 1000;
	co->learning_ms = (int64_t)cfg->new_client_learning_sec * 1000;
	co->slot_ms = (int64_t)cfg->correlation_slot_sec * 1000;
	co->cluster_nodes = cfg->cluster_nodes;
}

/* One line per finding, for the journal; rate-limited per cycle. */
static void log_finding(struct daemon *d, const struct finding *f, size_t *cycle)
{
	const char *who = f->principal && f->principal[0] ? f->principal : NULL;

	for (size_t i = 0; !who && i < f->nevidence; i++)
		if (strcmp(f->evidence[i].key, "exe") == 0 || strcmp(f->evidence[i].key, "client") == 0)
			who = f->evidence[i].value;
	char labels[128];

	d->findings++;
	if (metrics__labels(labels, sizeof(labels), "rule", f->rule_id, NULL) == 0)
		metrics__add(M_FINDINGS, labels, 1);
	if ((*cycle)++ < LOG_FINDINGS_PER_CYCLE)
		log_warn("finding %s (%s, score %.0f): %s; %s%s%s", f->rule_id,
			 gw_severity_name(f->severity), f->score, f->title, who ? who : "",
			 f->bucket && f->bucket[0] ? " bucket " : "", f->bucket ? f->bucket : "");
}

static void hand_over(struct daemon *d, const struct finding *const *f, size_t n)
{
	int err, critical = 0;

	if (!n || !d->ship)
		return;
	/* findings wait up to the batch time (a few seconds) for company; a
	 * critical one goes to the spool now and leaves within the second */
	err = shipper__submit(d->ship, f, n, 0);
	if (err < 0) {
		log_err("failed to take %zu findings for shipping: %s; they are lost", n,
			strerror(-err));
		return;
	}
	for (size_t i = 0; i < n; i++)
		critical |= f[i]->severity == GW_SEV_CRITICAL;
	if (!critical)
		return;
	/* Taken: when the spool cannot have them now (-ENOSPC: the shipper
	 * said so) they wait in memory, and every pump tries again. */
	err = shipper__flush(d->ship);
	if (err < 0 && err != -ENOSPC)
		log_err("failed to spool %zu findings: %s; they wait in memory", n,
			strerror(-err));
}

/* The revision of an incident last shipped: a new one when its findings change. */
static uint64_t incident_revision(struct daemon *d, const struct incident *in, int *changed)
{
	struct inc_rev *r = NULL;

	for (size_t i = 0; i < d->nincs && !r; i++)
		if (strcmp(d->incs[i].id, in->id) == 0)
			r = &d->incs[i];
	if (!r) {
		if (d->nincs == d->capincs) {
			size_t cap = d->capincs ? d->capincs * 2 : 16;
			struct inc_rev *n = realloc(d->incs, cap * sizeof(*n));

			if (!n)
				return 0;
			d->incs = n;
			d->capincs = cap;
		}
		r = &d->incs[d->nincs];
		if (!(r->id = strdup(in->id)))
			return 0;
		d->nincs++;
		r->nfindings = 0;
		r->revision = 0;
	}
	*changed = r->nfindings != in->nfindings;
	if (*changed) {
		r->nfindings = in->nfindings;
		r->revision++;
	}
	return r->revision;
}

/* Forget the revisions of incidents that are gone (closed: no finding can
 * join them any more), so that the list follows the open incidents. */
static void prune_incidents(struct daemon *d, const struct incident *const *in, size_t n)
{
	size_t k = 0, j;

	for (size_t i = 0; i < d->nincs; i++) {
		for (j = 0; j < n && strcmp(in[j]->id, d->incs[i].id) != 0; j++)
			;
		if (j == n) {
			free(d->incs[i].id);
			continue;
		}
		d->incs[k++] = d->incs[i];
	}
	d->nincs = k;
}

/* New incidents go to the log, with their first remediation step; new
 * incidents and new revisions (a finding joined) go to the spool. */
static void ship_incidents(struct daemon *d)
{
	const struct incident *const *in;
	size_t n = detector__incidents(d->det, &in);
	int changed = 0;
	uint64_t rev;

	prune_incidents(d, in, n);
	for (size_t i = 0; i < n; i++) {
		rev = incident_revision(d, in[i], &changed);
		if (!rev || !changed)
			continue;
		if (rev == 1)
			log_warn("incident %s (score %.0f): %s, %zu findings; first step: %s",
				 in[i]->classification, in[i]->score, in[i]->principal ? in[i]->principal : "",
				 in[i]->nfindings, in[i]->nremediation ? in[i]->remediation[0] : "review the findings");
		if (d->ship && shipper__submit_incident(d->ship, in[i], rev) < 0)
			log_err("failed to take incident %s revision %" PRIu64 " for shipping", in[i]->id, rev);
	}
}

/* New findings of the detector and the correlator go to the log and the
 * spool. Returns the number of the correlator's. */
static size_t collect_findings(struct daemon *d)
{
	const struct finding *const *df;
	struct finding **cf;
	size_t n, cycle = 0, nc;

	/* the detector hands over what is new, and keeps what may still join
	 * an incident until that incident is closed */
	n = detector__take(d->det, &df);
	for (size_t i = 0; i < n; i++)
		log_finding(d, df[i], &cycle);
	hand_over(d, df, n);
	if (n)
		ship_incidents(d);
	if (detector__expire(d->det, detector__now(d->det)))
		ship_incidents(d);
	nc = correlator__take(d->corr, &cf);
	for (size_t i = 0; i < nc; i++)
		log_finding(d, cf[i], &cycle);
	hand_over(d, (const struct finding *const *)cf, nc);
	for (size_t i = 0; i < nc; i++)
		finding__free(cf[i]);
	free(cf);
	if (cycle > LOG_FINDINGS_PER_CYCLE)
		log_warn("%zu more findings not logged one by one (see the collector)",
			 cycle - LOG_FINDINGS_PER_CYCLE);
	return nc;
}

static int keep_event(const struct audit_event *ev, void *ctx)
{
	struct daemon *d = ctx;

	if (d->nevs == d->capevs) {
		size_t cap = d->capevs ? d->capevs * 2 : 4096;
		struct audit_event *n = realloc(d->evs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		d->evs = n;
		d->capevs = cap;
	}
	d->evs[d->nevs++] = *ev;
	if (ev->time_ms > d->newest_ms)
		d->newest_ms = ev->time_ms;
	return 0;
}

static int ev_cmp(const void *a, const void *b)
{
	const struct audit_event *x = a, *y = b;

	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* A source's metrics label: its position and kind, never its text (a URL
 * may carry a signature). */
static void source_label(const char *spec, size_t i, char *buf, size_t size)
{
	const char *colon = strchr(spec, ':');
	char name[48];
	int n = colon && spec[0] != '/' ? (int)(colon - spec) : 4;

	snprintf(name, sizeof(name), "%zu:%.*s", i + 1, n > 16 ? 16 : n, colon && spec[0] != '/' ? spec : "path");
	if (metrics__labels(buf, size, "source", name, NULL))
		buf[0] = '\0';
}

static void source_metrics(size_t i, const char *spec, const struct audit_stats *st, int ok)
{
	char labels[96];

	source_label(spec, i, labels, sizeof(labels));
	metrics__add(M_EVENTS, labels, (double)st->events);
	metrics__add(M_SKIPPED, labels, (double)st->skipped);
	metrics__add("gatewatch_audit_duplicates_total", labels, (double)st->duplicates);
	if (ok)
		metrics__set(M_PULL_LAST, labels, (double)gw_wall_ms() / 1000.0);
}

static void feed(struct daemon *d);

/* The correlation slots waiting for the audit delay, to the state dir
 * whenever they changed: a crash loses neither a host window nor the audit
 * events fed, and the judgement comes after the restart. */
static void save_slots(struct daemon *d)
{
	int err = correlator__save_slots(d->corr, d->slots_path);

	if (err && !d->slots_failed)
		log_err("failed to save %s: %s; a crash now would lose the slots waiting for "
			"the audit log", d->slots_path, strerror(-err));
	else if (!err && d->slots_failed)
		log_info("saved %s again", d->slots_path);
	d->slots_failed = err != 0;
}

/* A source's deliveries, and a finding when it went silent. */
static void watch_silence(struct daemon *d, size_t i, const struct audit_stats *st)
{
	int64_t now = gw_wall_ms();
	struct finding *f;
	size_t cycle = 0;

	if (st->files || st->events)
		silent__delivered(d->silent, i, now);
	f = silent__check(d->silent, i, d->cfg->audit_sources[i], now);
	if (!f)
		return;
	log_finding(d, f, &cycle);
	hand_over(d, (const struct finding *const *)&f, 1);
	finding__free(f);
}

/* Pull every source, then feed what came in time order. */
static void pull(struct daemon *d)
{
	for (size_t i = 0; i < d->cfg->naudit; i++) {
		struct audit_stats st = { 0 };
		int err;

		d->newest_ms = 0;
		err = local_sources__pull(d->srcs, d->cfg->audit_sources[i], d->pool, keep_event, d, &st);
		if (d->newest_ms) {
			char labels[96];

			source_label(d->cfg->audit_sources[i], i, labels, sizeof(labels));
			metrics__set(M_PULL_LAG, labels, (double)(gw_wall_ms() - d->newest_ms) / 1000.0);
		}

		if (err < 0)
			log_warn("audit source %zu: pull failed: %s; retried next interval", i + 1,
				 strerror(-err));
		source_metrics(i, d->cfg->audit_sources[i], &st, err >= 0);
		watch_silence(d, i, &st);
		d->ast.events += st.events;
		d->ast.skipped += st.skipped;
		d->ast.records += st.records;
		d->ast.files += st.files;
		d->ast.files_failed += st.files_failed;
	}
	feed(d);
}

/* What came in, in time order, to the detector and the correlator. */
static void feed(struct daemon *d)
{
	struct strpool *fresh;

	qsort(d->evs, d->nevs, sizeof(*d->evs), ev_cmp);
	for (size_t i = 0; i < d->nevs; i++) {
		detector__feed(d->det, &d->evs[i]);
		correlator__audit_event(d->corr, &d->evs[i]);
	}
	d->nevs = 0;
	save_slots(d);
	/* The detector and the correlator copy what they keep: the events'
	 * strings go with this pull, so a long-running agent does not grow
	 * with every request id it ever read. */
	fresh = strpool__new();
	if (fresh) {
		strpool__free(d->pool);
		d->pool = fresh;
	}
}

/* One queued webhook body: its entries join the events to feed. */
static void hook_body(char *buf, size_t len, void *ctx)
{
	struct daemon *d = ctx;
	struct audit_stats st = { 0 };

	if (audit_minio__read("audit webhook", buf, len, d->pool, keep_event, d, &st) < 0)
		log_warn("audit webhook: out of memory; some entries of a request are lost");
	d->hook_requests++;
	d->hook_entries += st.events;
	d->ast.events += st.events;
	d->ast.skipped += st.skipped;
	d->ast.records += st.records;
	metrics__add(M_LISTEN_RECEIVED, NULL, (double)st.records);
	metrics__add(M_LISTEN_DUPLICATED, NULL, (double)st.duplicates);
	metrics__add(M_SKIPPED, "source=\"webhook\"", (double)st.skipped);
	metrics__add(M_EVENTS, "source=\"webhook\"", (double)st.events);
}

/* The webhook's queue, drained each turn of the loop: no pull delay. */
static void drain_webhook(struct daemon *d)
{
	uint64_t entries = d->hook_entries, end;
	struct journal *j = d->listener ? audit_listen__journal(d->listener) : NULL;
	int n, err;

	if (!j)
		return;
	n = journal__drain(j, hook_body, d, &end);
	if (n < 0)
		log_warn("audit webhook: cannot read the queue: %s", strerror(-n));
	if (n > 0) {
		/* fed first, then marked consumed: a crash between reads them again */
		feed(d);
		log_debug("audit webhook: %d requests, %" PRIu64 " entries fed", n,
			  d->hook_entries - entries);
	}
	err = journal__commit(j, end);
	if (err)
		log_warn("audit webhook: cannot save the queue's offset: %s", strerror(-err));
	metrics__set(M_LISTEN_QUEUE_BYTES, NULL, (double)journal__pending(j));
}

static int forget_event(const struct audit_event *ev, void *ctx)
{
	(void)ev;
	(void)ctx;
	return 0;
}

/* Entries consumed before a restart: their ids only, so that a retry is
 * still known as a duplicate. */
static void remember_body(char *buf, size_t len, void *ctx)
{
	struct daemon *d = ctx;
	struct audit_stats st = { 0 };

	audit_minio__read("audit webhook (consumed)", buf, len, d->pool, forget_event, d, &st);
}

static int open_webhook(struct daemon *d)
{
	struct audit_listen_opts o;
	struct strpool *fresh;
	int err;

	if (!d->cfg->audit_listen)
		return 0;
	audit_listen_opts__defaults(&o);
	o.listen = d->cfg->audit_listen;
	o.token_file = d->cfg->audit_listen_token_file;
	o.tls_cert = d->cfg->audit_listen_tls_cert;
	o.tls_key = d->cfg->audit_listen_tls_key;
	o.state_dir = d->cfg->state_dir;
	o.max_body = (size_t)d->cfg->audit_listen_max_body_kb << 10;
	o.max_queue = (uint64_t)d->cfg->audit_listen_queue_mb << 20;
	o.deadline_s = d->cfg->audit_listen_deadline_sec;
	if (o.max_buffered < 2 * o.max_body)
		o.max_buffered = 2 * o.max_body;
	err = audit_listen__start(&o, &d->listener);
	if (err)
		return err;
	metrics__describe(M_LISTEN_RECEIVED, "counter", "MinIO audit entries read from the webhook's queue");
	metrics__describe(M_LISTEN_REFUSED, "counter", "webhook requests refused, by reason");
	metrics__describe(M_LISTEN_DUPLICATED, "counter", "webhook entries dropped as retries");
	metrics__describe(M_LISTEN_QUEUED, "counter", "webhook requests durably queued");
	err = journal__replay_consumed(audit_listen__journal(d->listener), remember_body, d);
	if (err)
		log_warn("audit webhook: cannot read the consumed queue: %s; retries of entries "
			 "read before this start may count twice", strerror(-err));
	fresh = strpool__new();
	if (fresh) {
		strpool__free(d->pool);
		d->pool = fresh;
	}
	return 0;
}

/* Age of the oldest batch waiting in the spool, for the metrics. */
static void spool_age(struct daemon *d)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	time_t oldest = 0;
	DIR *dp;

	if (!d->ship || path_in(dir, sizeof(dir), d->cfg->state_dir, "spool") || !(dp = opendir(dir)))
		return;
	while ((de = readdir(dp))) {
		size_t n = strlen(de->d_name);

		if (n < 5 || strcmp(de->d_name + n - 4, ".gwb") != 0 || path_in(path, sizeof(path), dir, de->d_name) ||
		    stat(path, &st) < 0)
			continue;
		if (!oldest || st.st_mtime < oldest)
			oldest = st.st_mtime;
	}
	closedir(dp);
	metrics__set(M_SPOOL_AGE, NULL, oldest ? (double)(time(NULL) - oldest) : 0.0);
}

/* A sensor map's fill as a metric, with a warning (and the alert gauge at
 * 1) while it is above the configured threshold. */
static void map_fill(struct daemon *d, const char *map, unsigned bit, uint32_t used, uint32_t max)
{
	unsigned pct = d->cfg->map_fill_alert_pct ? d->cfg->map_fill_alert_pct : 80;
	int over = max && (uint64_t)used * 100 >= (uint64_t)max * pct;
	char labels[64];

	if (!max || metrics__labels(labels, sizeof(labels), "map", map, NULL))
		return;
	metrics__set(M_MAP_FILL, labels, (double)used / max);
	metrics__set(M_MAP_FILL_ALERT, labels, over);
	if (over != !!(d->fill_warned & bit))
		d->fill_warned ^= bit;
	else
		over = 0; /* said already */
	if (over)
		log_warn("sensor map %s is %u%% full (%" PRIu32 " of %" PRIu32 " entries; alert at %u%%): "
			 "raise max_counts before reads go unattributed", map,
			 (unsigned)((uint64_t)used * 100 / max), used, max, pct);
}

static void poll_window(struct daemon *d)
{
	struct host_window w;

	if (!d->sensor)
		return;
	if (sensor__poll(d->sensor, &w) < 0)
		log_warn("host window incomplete");
	static const char *const kinds[HOST_DROP_KINDS] = {
		"pending", "counts", "events", "conns", "verdicts", "unattributed", "agent",
	};
	char labels[64];

	correlator__host_window(d->corr, &w);
	save_slots(d);
	for (size_t i = 0; i < w.nreads; i++)
		silent__host_reads(d->silent, w.reads[i].ops + w.reads[i].mapped_ops);
	map_fill(d, "reads", 1, w.reads_used, w.reads_max);
	map_fill(d, "conns", 2, w.conns_used, w.conns_max);
	spool_age(d);
	for (int k = 0; k < HOST_DROP_KINDS; k++) {
		if (!w.drops[k])
			continue;
		if (metrics__labels(labels, sizeof(labels), "map", kinds[k], NULL) == 0)
			metrics__add(M_BPF_DROPS, labels, (double)w.drops[k]);
		log_warn("the sensor lost %" PRIu64 " updates (%s) in this window", w.drops[k], kinds[k]);
	}
}

/* How to run the agent so that it can keep its state, after a failure to
 * write there (typically root by hand, with capabilities dropped, over the
 * service user's 0700 directory). */
static void state_hint(const struct daemon *d)
{
	struct stat st;
	const struct passwd *pw = NULL;

	if (stat(d->cfg->state_dir, &st) == 0)
		pw = getpwuid(st.st_uid);
	log_err("%s belongs to %s: run the agent as that user, as the service does "
		"(systemctl start gatewatch), or give --state-dir a directory of your own",
		d->cfg->state_dir, pw ? pw->pw_name : "another user");
}

/* Can the agent, with the capabilities it kept, write its state? */
static int state_writable(const struct daemon *d)
{
	if (faccessat(AT_FDCWD, d->cfg->state_dir, W_OK | X_OK, AT_EACCESS) == 0)
		return 0;
	log_err("cannot save state in %s: %s", d->cfg->state_dir, strerror(errno));
	state_hint(d);
	return -EACCES;
}

static int save_state(struct daemon *d)
{
	int err = baseline_file__save(d->det, d->baselines_path), rc = err;

	save_slots(d);
	if (err)
		log_err("failed to save %s: %s", d->baselines_path, strerror(-err));
	err = correlator__save(d->corr, d->clients_path);
	if (err) {
		log_err("failed to save %s: %s", d->clients_path, strerror(-err));
		rc = err;
	}
	err = local_sources__save(d->srcs);
	if (err) {
		log_err("failed to save %s: %s", d->sources_path, strerror(-err));
		rc = err;
	}
	return rc;
}

/* Findings and incidents travel together: a batch leaves when full or this
 * old; a critical finding does not wait. */
#define DAEMON_BATCH_MS 3000

static int open_shipper(struct daemon *d)
{
	struct shipper_opts so;
	int err;

	if (!d->cfg->collector_url && !d->cfg->otlp_url) {
		log_info("no collector_url or otlp_url: findings go to the log only");
		return 0;
	}
	shipper_opts__defaults(&so);
	so.state_dir = d->cfg->state_dir;
	so.collector_url = d->cfg->collector_url;
	so.otlp_url = d->cfg->otlp_url;
	so.ca_file = d->cfg->ca_file;
	so.cert_file = d->cfg->cert_file;
	so.key_file = d->cfg->key_file;
	so.token_file = d->cfg->token_file;
	so.batch_ms = DAEMON_BATCH_MS;
	/* findings cannot be made again: at the cap the oldest go, counted */
	so.drop_when_full = 1;
	err = shipper__new(&so, &d->ship);
	if (err < 0)
		log_err("failed to start shipping: %s", strerror(-err));
	return err;
}

static int open_sensor(struct daemon *d)
{
	struct sensor_opts so = { 0 };

	if (!d->cfg->nroots) {
		log_info("no roots configured: the host sensor is off");
		return 0;
	}
	so.roots = (const char *const *)d->cfg->roots;
	so.nroots = d->cfg->nroots;
	so.max_counts = d->cfg->max_counts ? d->cfg->max_counts : 10240;
	so.max_conns = 10240;
	so.samples = 5;
	d->sensor = sensor__open(&so);
	return d->sensor ? 0 : -errno;
}

static int open_all(struct daemon *d)
{
	struct detector_config dc;
	struct correlate_opts co;
	int err;

	if (mkdir(d->cfg->state_dir, 0700) < 0 && errno != EEXIST) {
		log_err("failed to create %s: %s", d->cfg->state_dir, strerror(errno));
		return -errno;
	}
	if (path_in(d->clients_path, sizeof(d->clients_path), d->cfg->state_dir, "clients.state") ||
	    path_in(d->sources_path, sizeof(d->sources_path), d->cfg->state_dir, "sources.state") ||
	    path_in(d->cursor_dir, sizeof(d->cursor_dir), d->cfg->state_dir, "cursors") ||
	    path_in(d->baselines_path, sizeof(d->baselines_path), d->cfg->state_dir, "baselines.gwb") ||
	    path_in(d->slots_path, sizeof(d->slots_path), d->cfg->state_dir, "slots.gwb"))
		return -ENAMETOOLONG;
	/* pulled sources keep their cursors here */
	audit_set_state_dir(d->cursor_dir);
	detector_config__defaults(&dc);
	if (gw_config__detector(d->cfg, &dc) < 0)
		return -EINVAL;
	dc.live = 1;
	correlate_opts_from(&co, d->cfg);
	d->pool = strpool__new();
	d->det = detector__new(&dc);
	d->corr = correlator__new(&co, gw_wall_ms());
	d->srcs = local_sources__new(d->sources_path);
	d->silent = silent__new(d->cfg->naudit, d->cfg->silent_factor, d->cfg->silent_min_sec);
	if (!d->pool || !d->det || !d->corr || !d->srcs || !d->silent)
		return -ENOMEM;
	err = baseline_file__load(d->det, d->baselines_path);
	if (err == -EINVAL) {
		/* a damaged file: start the baselines afresh rather than trust it */
		detector__free(d->det);
		d->det = detector__new(&dc);
		if (!d->det)
			return -ENOMEM;
	}
	err = correlator__load(d->corr, d->clients_path);
	if (err)
		log_warn("failed to load %s: %s; clients are learned anew", d->clients_path, strerror(-err));
	err = correlator__load_slots(d->corr, d->slots_path);
	if (err && err != -EINVAL)
		log_warn("failed to load %s: %s; the slots it held are lost", d->slots_path, strerror(-err));
	err = open_sensor(d);
	if (!err)
		err = open_webhook(d);
	return err ? err : open_shipper(d);
}

static void close_all(struct daemon *d)
{
	audit_listen__stop(d->listener);
	sensor__free(d->sensor);
	shipper__free(d->ship);
	detector__free(d->det);
	correlator__free(d->corr);
	local_sources__free(d->srcs);
	silent__free(d->silent);
	strpool__free(d->pool);
	for (size_t i = 0; i < d->nincs; i++)
		free(d->incs[i].id);
	free(d->incs);
	free(d->evs);
}

static void startup_summary(const struct daemon *d)
{
	struct utsname u;

	uname(&u);
	log_info("gatewatch %s running: kernel %s, sensor %s, %zu roots, %zu audit sources, "
		 "%zu gateway processes, shipping %s, state in %s", GW_VERSION, u.release,
		 d->sensor ? "on" : "off", d->cfg->nroots, d->cfg->naudit, d->cfg->ngateway_exes,
		 d->ship ? "on" : "off", d->cfg->state_dir);
}

/* SIGHUP: read the file again; lists and thresholds change, the rest of the
 * state stays. A bad file keeps the running configuration. */
static void reload(struct daemon *d)
{
	struct gw_config fresh;
	struct correlate_opts co;

	d_reload = 0;
	if (!d->o->config_path) {
		log_info("reload: no configuration file to read");
		return;
	}
	gw_config__defaults(&fresh);
	if (gw_config__load(&fresh, d->o->config_path) || gw_config__check(&fresh)) {
		log_err("reload: %s refused; keeping the running configuration", d->o->config_path);
		gw_config__free(&fresh);
		return;
	}
	/* other sources: their delivery gaps are learned anew */
	d->silent = silent__renew(d->silent, fresh.naudit, fresh.silent_factor, fresh.silent_min_sec);
	/* lists move over; the correlator points at the new strings */
	gw_config__free(d->cfg);
	*d->cfg = fresh;
	correlate_opts_from(&co, d->cfg);
	correlator__set_opts(d->corr, &co);
	log_info("reloaded %s", d->o->config_path);
}

static void loop(struct daemon *d)
{
	int64_t start = gw_mono_ms(), now = start;
	int64_t interval = (int64_t)(d->cfg->interval_sec ? d->cfg->interval_sec : 10) * 1000;
	int64_t pull_every = (int64_t)(d->cfg->pull_interval_sec ? d->cfg->pull_interval_sec : 60) * 1000;
	int64_t next_window = start + interval, next_pull = start, next_save = start + 60000;
	int64_t end = d->o->duration_sec ? start + (int64_t)d->o->duration_sec * 1000 : INT64_MAX;
	int pulled;

	while (!d_stop && now < end) {
		if (d->sensor)
			sensor__wait(d->sensor, 200);
		else
			usleep(200000);
		now = gw_mono_ms();
		if (d_reload)
			reload(d);
		if (now >= next_window) {
			poll_window(d);
			next_window += interval;
		}
		pulled = now >= next_pull;
		if (pulled) {
			pull(d);
			next_pull += pull_every;
		}
		drain_webhook(d);
		correlator__tick(d->corr, gw_wall_ms());
		/* judged slots leave the file once their findings are in the spool */
		if (collect_findings(d) && d->ship)
			shipper__flush(d->ship);
		save_slots(d);
		/* the files read are remembered once their findings are in the
		 * spool: a crash neither loses nor reads them twice */
		if (pulled && local_sources__save(d->srcs) < 0)
			log_err("failed to save %s", d->sources_path);
		if (d->ship) {
			struct shipper_stats ss;

			shipper__pump(d->ship, 0);
			shipper__stats(d->ship, &ss);
			metrics__set(M_SPOOL_DEPTH, NULL, (double)ss.spool_batches);
		}
		if (now >= next_save) {
			save_state(d);
			next_save += 60000;
		}
	}
}

int daemon__run(struct gw_config *cfg, const struct daemon_opts *o)
{
	struct daemon d = { .cfg = cfg, .o = o };
	struct correlate_stats cs;
	int rc = 1, saved;

	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	signal(SIGHUP, on_hup);
	signal(SIGPIPE, SIG_IGN);
	if (open_all(&d) < 0)
		goto out;
	metrics__describe_agent();
	if (cfg->metrics_listen && metrics__start(cfg->metrics_listen) < 0)
		goto out;
	/* everything privileged is done: keep only what reading needs */
	if (geteuid() == 0 || caps__effective()) {
		int err = caps__drop_except(GW_CAPS_KEEP);
		char names[512];

		if (err)
			log_warn("failed to drop capabilities: %s", strerror(-err));
		else
			log_info("capabilities after attach: %s",
				 caps__names(caps__effective(), names, sizeof(names)));
	}
	if (state_writable(&d) < 0)
		goto out;
	startup_summary(&d);
	if (cfg->nroots && !cfg->ngateway_exes)
		log_warn("no gateway processes named (gateway exes): unexpected-reader is off and "
			 "the gateway's reads are not compared with the audit log");
	loop(&d);
	/* the last window and what the sources hold now; the detector's open
	 * windows close, so that what they hold is reported, not lost */
	poll_window(&d);
	pull(&d);
	/* what was acknowledged is read before stopping */
	drain_webhook(&d);
	detector__flush(d.det);
	collect_findings(&d);
	if (d.ship) {
		shipper__flush(d.ship);
		shipper__pump(d.ship, 2000);
	}
	saved = save_state(&d);
	correlator__stats(d.corr, &cs);
	log_info("stopped: %" PRIu64 " findings, %" PRIu64 " audit events, %" PRIu64 " records skipped, "
		 "%" PRIu64 " audit events outside the sensor's observed time",
		 d.findings, d.ast.events, d.ast.skipped, cs.unobserved);
	if (d.listener)
		log_info("audit webhook: %" PRIu64 " requests read, %" PRIu64 " entries fed",
			 d.hook_requests, d.hook_entries);
	if (saved < 0) {
		state_hint(&d);
		goto out;
	}
	rc = 0;
out:
	metrics__stop();
	close_all(&d);
	return rc;
}
