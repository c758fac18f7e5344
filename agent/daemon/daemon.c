/* See daemon.h. One thread: sleep on the sensor's ring buffer, poll a host
 * window every interval, pull the audit sources every pull interval, judge
 * correlations as audit logs come in, and hand findings to the shipper. */
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
#include <unistd.h>

#include "lib/gw.h"
#include "daemon_priv.h"
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

/* The id this agent sends and keeps its host findings apart with. */
static const char *agent_id(const struct gw_config *cfg)
{
	struct batch_meta m;

	if (cfg->agent_id)
		return cfg->agent_id;
	batch_meta__from_host(&m);
	return m.agent_id;
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
	co->host_id = agent_id(cfg);
	co->delay_ms = (int64_t)cfg->audit_delay_sec * 1000;
	co->learning_ms = (int64_t)cfg->new_client_learning_sec * 1000;
	co->slot_ms = (int64_t)cfg->correlation_slot_sec * 1000;
	co->cluster_nodes = cfg->cluster_nodes;
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

/* The correlation slots waiting for the audit delay, to the state dir
 * when they changed, at most every SLOTS_SAVE_MS (each save is an fsync'ed
 * atomic write): a crash loses at most that much of the host windows and
 * none of the judgements, which come after the restart. */
#define SLOTS_SAVE_MS 1000

void daemon__save_slots(struct daemon *d, int now)
{
	int64_t t = gw_mono_ms();
	int err;

	if (!now && t - d->slots_saved_ms < SLOTS_SAVE_MS)
		return;
	d->slots_saved_ms = t;
	err = correlator__save_slots(d->corr, d->slots_path);

	if (err && !d->slots_failed)
		log_err("failed to save %s: %s; a crash now would lose the slots waiting for "
			"the audit log", d->slots_path, strerror(-err));
	else if (!err && d->slots_failed)
		log_info("saved %s again", d->slots_path);
	d->slots_failed = err != 0;
}

static int save_state(struct daemon *d)
{
	int err = baseline_file__save(d->det, d->baselines_path), rc = err;

	daemon__save_slots(d, 1);
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

static int open_all(struct daemon *d)
{
	struct detector_config dc;
	struct correlate_opts co;
	int err;

	if (mkdir(d->cfg->state_dir, 0700) < 0 && errno != EEXIST) {
		log_err("failed to create %s: %s", d->cfg->state_dir, strerror(errno));
		return -errno;
	}
	if (daemon__path_in(d->clients_path, sizeof(d->clients_path), d->cfg->state_dir, "clients.state") ||
	    daemon__path_in(d->sources_path, sizeof(d->sources_path), d->cfg->state_dir, "sources.state") ||
	    daemon__path_in(d->cursor_dir, sizeof(d->cursor_dir), d->cfg->state_dir, "cursors") ||
	    daemon__path_in(d->baselines_path, sizeof(d->baselines_path), d->cfg->state_dir, "baselines.gwb") ||
	    daemon__path_in(d->slots_path, sizeof(d->slots_path), d->cfg->state_dir, "slots.gwb"))
		return -ENAMETOOLONG;
	/* pulled sources keep their cursors here */
	audit_set_state_dir(d->cursor_dir);
	detector_config__defaults(&dc);
	if (d->cfg->scope && strcmp(d->cfg->scope, "gateway") == 0 &&
	    gw_config__buckets_from_roots(d->cfg) < 0)
		return -ENOMEM;
	if (gw_config__detector(d->cfg, &dc) < 0)
		return -EINVAL;
	dc.live = 1;
	if (dc.gateway_scope)
		log_info("scope gateway: judging the audit events of %zu access keys, %zu addresses "
			 "and %zu buckets; account-wide rules are left to agents with scope all",
			 dc.nscope_keys, dc.nscope_ips, dc.nscope_buckets);
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
	err = daemon__open_sensor(d);
	if (!err)
		err = daemon__open_webhook(d);
	return err ? err : daemon__open_shipper(d);
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
			daemon__poll_window(d);
			next_window += interval;
		}
		pulled = now >= next_pull;
		if (pulled) {
			daemon__pull(d);
			next_pull += pull_every;
		}
		daemon__drain_webhook(d);
		correlator__tick(d->corr, gw_wall_ms());
		/* judged slots leave the file once their findings are in the spool */
		if (daemon__collect_findings(d) && d->ship)
			shipper__flush(d->ship);
		daemon__save_slots(d, 0);
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
	struct daemon d = { .cfg = cfg, .o = o, .fed_newest_ms = INT64_MIN };
	struct correlate_stats cs;
	struct detector_stats ds;
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
	daemon__poll_window(&d);
	daemon__pull(&d);
	/* what was acknowledged is read before stopping */
	daemon__drain_webhook(&d);
	detector__flush(d.det);
	daemon__collect_findings(&d);
	if (d.ship) {
		shipper__flush(d.ship);
		shipper__pump(d.ship, 2000);
	}
	saved = save_state(&d);
	correlator__stats(d.corr, &cs);
	log_info("stopped: %" PRIu64 " findings, %" PRIu64 " audit events, %" PRIu64 " records skipped, "
		 "%" PRIu64 " audit events outside the sensor's observed time",
		 d.findings, d.ast.events, d.ast.skipped, cs.unobserved);
	detector__stats(d.det, &ds);
	if (ds.out_of_scope)
		log_info("scope gateway: %" PRIu64 " audit events did not touch the gateway "
			 "(left to agents with scope all)", ds.out_of_scope);
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
