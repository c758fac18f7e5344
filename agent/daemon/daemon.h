/* gatewatch run: the sensor, the audit sources and the detector in one
 * long-running process, findings handed to the shipper, state kept in the
 * state directory.
 *
 * In:  a loaded and checked configuration.
 * Out: findings in the spool and at the collector; state files under
 *      cfg->state_dir (sources.state, clients.state, spool/, cursors/).
 */
#ifndef GW_DAEMON_H
#define GW_DAEMON_H

#include <stdint.h>

#include "audit/audit.h"
#include "config/config.h"

struct daemon_opts {
	unsigned duration_sec;       /* 0: until SIGTERM/SIGINT */
	const char *config_path;     /* for SIGHUP; NULL: defaults and flags only */
};

/* Run until stopped. Returns the exit status (0, or 1 on a runtime failure). */
int daemon__run(struct gw_config *cfg, const struct daemon_opts *o);

/* Local audit sources read incrementally: each file once, remembered in a
 * state file across restarts. */
struct local_sources;

struct local_sources *local_sources__new(const char *state_path);
void local_sources__free(struct local_sources *ls);
/* Read the files of `spec` not read before (and not modified in the last
 * second); events go to cb. Pulled sources (s3://, https://) are read through
 * audit_source__read, which keeps their own cursor. 0 or a negative errno. */
int local_sources__pull(struct local_sources *ls, const char *spec, struct strpool *pool,
			audit_event_fn cb, void *ctx, struct audit_stats *st);
int local_sources__save(struct local_sources *ls);

#endif
