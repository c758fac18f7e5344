/* agent/ship: findings out of the host.
 *
 * In:  findings (detect.h) and the batch's identity.
 * Out: a FindingBatch protobuf (proto/gatewatch.proto, nanopb), POSTed to a
 *      collector that acknowledges its sequence number.
 */
#ifndef GW_SHIP_H
#define GW_SHIP_H

#include <stddef.h>
#include <stdint.h>

#include "detect/detect.h"

struct batch_meta {
	const char *agent_id;
	const char *hostname;
	const char *boot_id;
	const char *agent_version;
	uint64_t sequence;
};

/* Fill meta from this host (machine id, hostname, boot id); strings point to
 * static storage. sequence is left to the caller. */
void batch_meta__from_host(struct batch_meta *meta);

/* Encode findings[0..n) as one FindingBatch. On success *buf is malloc'd and
 * owned by the caller. Returns 0 or a negative errno (-E2BIG if n exceeds the
 * batch bound, -ENOMEM). */
int ship__encode_batch(const struct batch_meta *meta, const struct finding *const *findings,
		       size_t n, uint8_t **buf, size_t *len);

/* POST an encoded batch to url and wait for the collector's acknowledgement
 * of `sequence`. Retries with backoff up to `attempts` times.
 * Returns 0 when acknowledged, a negative errno otherwise. */
int ship__post(const char *url, const uint8_t *buf, size_t len, uint64_t sequence,
	       int attempts);

struct ship_post_opts {
	const char *token;          /* "Authorization: Bearer" when set; never logged */
	long connect_timeout_ms;    /* default 5000 */
	long timeout_ms;            /* whole request, default 30000 */
	unsigned int backoff_ms;    /* first retry delay, doubling, default 500 */
};

void ship_post_opts__defaults(struct ship_post_opts *o);

/* ship__post() with options (NULL: the defaults). A URL without a path gets
 * /v1/batches. HTTP 408, 429, 5xx, transport errors and a wrong ack are
 * retried; other answers are final (-EACCES for 401/403, -EMSGSIZE for 413,
 * -EPROTO otherwise). -ETIMEDOUT when the attempts ran out. */
int ship__post_opts(const char *url, const uint8_t *buf, size_t len, uint64_t sequence,
		    int attempts, const struct ship_post_opts *opts);

#endif
