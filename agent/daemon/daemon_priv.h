/* agent/daemon: what the files of `gatewatch run` share (not a public
 * header): the daemon's state and the steps of its loop.
 *
 *   daemon.c    start, the loop, reload, state files, stop
 *   sources.c   pulling the audit sources, feeding events in time order
 *   webhook.c   the MinIO audit webhook: open, replay, drain its queue
 *   window.c    the host sensor: open, one window per interval, map fill
 *   findings.c  findings and incidents to the log and the shipper
 */
#ifndef GW_DAEMON_PRIV_H
#define GW_DAEMON_PRIV_H

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon.h"
#include "audit/audit.h"
#include "detect/detect.h"

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
	int64_t fed_newest_ms;       /* newest event fed to the detector so far */
	uint64_t bound_drops[4];     /* the detector's bound losses, as last exported */
	char clients_path[PATH_MAX], sources_path[PATH_MAX], cursor_dir[PATH_MAX];
	char baselines_path[PATH_MAX], slots_path[PATH_MAX];
	int slots_failed;            /* the last save of the slots failed (logged once) */
	int64_t slots_saved_ms;      /* monotonic time of the last save of the slots */
};

/* daemon.c: the correlation slots to the state dir when they changed (now:
 * even if saved less than a second ago). */
void daemon__save_slots(struct daemon *d, int now);

/* dir/name into dst[size]; -ENAMETOOLONG when it does not fit. */
static inline int daemon__path_in(char *dst, size_t size, const char *dir, const char *name)
{
	return (size_t)snprintf(dst, size, "%s/%s", dir, name) >= size ? -ENAMETOOLONG : 0;
}

/* sources.c: pull every source, then feed; keep one event for the next
 * feed (an audit_event_fn, ctx the daemon); feed what was kept, in time
 * order, to the detector and the correlator. */
void daemon__pull(struct daemon *d);
int daemon__keep_event(const struct audit_event *ev, void *ctx);
void daemon__feed(struct daemon *d);

/* webhook.c: start the listener when [audit] listen is set (0 or -errno);
 * read what it queued since the last turn. */
int daemon__open_webhook(struct daemon *d);
void daemon__drain_webhook(struct daemon *d);

/* window.c: open the sensor when roots are set (0 or -errno); poll one
 * host window into the correlator and the metrics. */
int daemon__open_sensor(struct daemon *d);
void daemon__poll_window(struct daemon *d);

/* findings.c: start the shipper when a collector or OTLP URL is set (0 or
 * -errno); one finding to the log (at most LOG_FINDINGS_PER_CYCLE per
 * cycle); findings to the shipper; new findings and incidents of the
 * detector and the correlator to both. */
int daemon__open_shipper(struct daemon *d);
void daemon__log_finding(struct daemon *d, const struct finding *f, size_t *cycle);
void daemon__hand_over(struct daemon *d, const struct finding *const *f, size_t n);
/* Returns the number of the correlator's findings handed over. */
size_t daemon__collect_findings(struct daemon *d);

#endif
