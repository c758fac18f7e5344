/* agent/audit/listen: the MinIO audit webhook ([audit] listen).
 *
 * POST (or PUT) /minio/audit: a body of MinIO audit entries (one JSON
 * object, a JSON array, or JSON lines as MinIO's batch_size sends). The
 * body is appended to the journal (journal.h) and fsync'd before the 200;
 * the daemon loop drains the journal into the parser, the detector and
 * the correlator. Answers, all application/json:
 *   200 {"queued":N}      N bytes durably queued
 *   400 bad-request       not JSON (nothing queued; resending cannot help)
 *   401 unauthorized      missing or wrong bearer token (nothing queued)
 *   404, 405              another path or method
 *   413 too-large         over max_body
 *   503 busy / queue-full with Retry-After: the sender keeps and retries
 * Connections, request deadlines and buffered bytes are bounded by the
 * HTTP servers' guard (lib/http.h), as in the collector; the token file follows the rule
 * of every secret file (lib/secret.h).
 */
#ifndef GW_AUDIT_LISTEN_H
#define GW_AUDIT_LISTEN_H

#include <stddef.h>
#include <stdint.h>

#include "audit/listen/journal.h"

#define AUDIT_LISTEN_PATH "/minio/audit"
#define M_LISTEN_RECEIVED "gatewatch_audit_listen_received_total"     /* entries read from queued bodies */
#define M_LISTEN_REFUSED "gatewatch_audit_listen_refused_total"       /* {reason}: requests */
#define M_LISTEN_DUPLICATED "gatewatch_audit_listen_duplicated_total" /* entries dropped as retries */
#define M_LISTEN_QUEUED "gatewatch_audit_listen_queued_total"         /* requests durably queued */
#define M_LISTEN_QUEUE_BYTES "gatewatch_audit_listen_queue_bytes"     /* queued, not yet consumed */

struct audit_listen_opts {
	const char *listen;          /* ADDR:PORT (port 0: the kernel picks) */
	const char *token_file;      /* NULL: no token */
	const char *tls_cert, *tls_key;
	const char *state_dir;       /* the journal's directory */
	size_t max_body;             /* one request body */
	uint64_t max_queue;          /* unconsumed journal bytes */
	unsigned deadline_s, max_conns, per_client, threads;
	size_t max_buffered;         /* request bodies in memory, all connections */
};

struct audit_listener;

void audit_listen_opts__defaults(struct audit_listen_opts *o);
/* Open the journal and serve. 0 with *out, or a negative errno after one
 * line naming the address, the file or the fault. */
int audit_listen__start(const struct audit_listen_opts *o, struct audit_listener **out);
void audit_listen__stop(struct audit_listener *l);
unsigned audit_listen__port(const struct audit_listener *l);
struct journal *audit_listen__journal(struct audit_listener *l);

#endif
