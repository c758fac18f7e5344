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

#include "config/config.h"

struct daemon_opts {
	unsigned duration_sec;       /* 0: until SIGTERM/SIGINT */
	const char *config_path;     /* for SIGHUP; NULL: defaults and flags only */
};

/* Run until stopped. Returns the exit status (0, or 1 on a runtime failure). */
int daemon__run(struct gw_config *cfg, const struct daemon_opts *o);

#endif
