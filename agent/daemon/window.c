/* agent/daemon: the host sensor's side of the loop: one window per
 * interval into the correlator, map fill and spool age as metrics (see
 * daemon_priv.h). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "daemon_priv.h"
#include "silent.h"
#include "detect/correlate/correlate.h"
#include "host/host.h"
#include "lib/log.h"
#include "lib/metrics.h"

/* Age of the oldest batch waiting in the spool, for the metrics. */
static void spool_age(struct daemon *d)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	time_t oldest = 0;
	DIR *dp;

	if (!d->ship || daemon__path_in(dir, sizeof(dir), d->cfg->state_dir, "spool") || !(dp = opendir(dir)))
		return;
	while ((de = readdir(dp))) {
		size_t n = strlen(de->d_name);

		if (n < 5 || strcmp(de->d_name + n - 4, ".gwb") != 0 || daemon__path_in(path, sizeof(path), dir, de->d_name) ||
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

void daemon__poll_window(struct daemon *d)
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
	daemon__save_slots(d, 0);
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

static int is_gateway(const struct host_proc *p, void *ctx)
{
	return correlator__is_gateway(ctx, p);
}

int daemon__open_sensor(struct daemon *d)
{
	struct sensor_opts so = { 0 };
	size_t n;

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
	if (!d->sensor)
		return -errno;
	/* while every process's executable is still readable */
	n = sensor__keep_procs(d->sensor, is_gateway, d->corr);
	log_info("gateway processes running: %zu", n);
	return 0;
}
