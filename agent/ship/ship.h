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
	const char *ca_file;        /* PEM CAs to verify the server (default: system) */
	const char *cert_file;      /* PEM client certificate for mutual TLS */
	const char *key_file;       /* its PEM private key */
	int otlp;                   /* OTLP/HTTP: default path /v1/logs, any 2xx acks */
};

void ship_post_opts__defaults(struct ship_post_opts *o);

/* ship__post() with options (NULL: the defaults). A URL without a path gets
 * /v1/batches. Final answers: -EPROTO when the collector refused the batch
 * itself (HTTP 400, Content-Type application/json, body
 * {"error":"invalid-batch",...}), -EACCES for 401/403, -EMSGSIZE for 413.
 * Every other answer (3xx, which is never followed, other 4xx, 5xx, a 200
 * without the right ack) and transport errors are retried; -ETIMEDOUT when
 * the attempts ran out. */
int ship__post_opts(const char *url, const uint8_t *buf, size_t len, uint64_t sequence,
		    int attempts, const struct ship_post_opts *opts);

/* One collector (or OTLP endpoint) connection, kept alive across posts.
 * Strings in opts are copied. NULL with errno set on failure. */
struct ship_conn;

struct ship_conn *ship_conn__new(const char *url, const struct ship_post_opts *opts);
void ship_conn__free(struct ship_conn *c);
/* One attempt, no retry and no logging: 0 when acknowledged (for OTLP: any
 * 2xx), -EPROTO when a gatewatch collector refused this batch for good (as
 * above; never for OTLP), -EACCES (401/403), -EMSGSIZE (413), -EAGAIN for
 * anything else. why[whylen] gets the reason; *retry_after_ms the server's
 * Retry-After (0: none). */
int ship_conn__post(struct ship_conn *c, const uint8_t *buf, size_t len, uint64_t sequence,
		    char *why, size_t whylen, long *retry_after_ms);
/* The URL without credentials or query, for log lines. */
const char *ship_conn__shown(const struct ship_conn *c);
/* The HTTP status of the last answer (0: none, a transport error). */
long ship_conn__status(const struct ship_conn *c);
/* The redirect target of the last answer, without credentials or query
 * ("" unless it was a 3xx). */
const char *ship_conn__location(const struct ship_conn *c);

/* The shipper: findings -> durable spool -> collector and/or OTLP.
 *
 * shipper__submit() encodes findings into batches of opts.batch_max and writes
 * each full batch to the spool in state_dir/spool with the next sequence
 * number (fsync, atomic rename, CRC; see spool.h) before it returns; a partial
 * batch waits up to opts.batch_ms for more (shipper__flush() spools it now).
 * shipper__pump() sends spooled batches, oldest first, and removes each only
 * after the collector acknowledged its sequence (and the OTLP endpoint
 * answered 2xx), retrying with exponential backoff (capped, jittered). Any
 * other answer keeps the batch, redirects included (never followed; the
 * target is logged once); only the collector's explicit refusal of the batch
 * retires it, kept as spool/rejected-SEQ.pb (see spool.h), counted and
 * logged at error level. When the spool is full, the backlog is sent before
 * new findings are spooled; a batch that still does not fit waits in memory
 * (-ENOSPC to the caller, nothing of that call taken) or, with
 * drop_when_full, pushes out the oldest batches. The gatewatch_ship_*
 * metrics are updated on every pump. Not thread-safe: one thread drives a
 * shipper.
 *
 * The cursor is the caller's input position: shipper__submit(..., cursor)
 * records it once all findings of that call are in the spool, and
 * shipper__cursor() returns the last recorded one after a restart, so the
 * caller resumes where the spool ends and nothing is spooled twice. */
struct shipper_opts {
	const char *state_dir;      /* required; the spool lives in state_dir/spool */
	const char *collector_url;  /* FindingBatch POSTs; NULL: OTLP only */
	const char *otlp_url;       /* OTLP/HTTP logs; NULL: none */
	const char *ca_file, *cert_file, *key_file;
	const char *token_file;     /* bearer token for the collector; never logged */
	const char *agent_id;       /* NULL: /etc/machine-id */
	size_t batch_max;           /* findings per batch, 1..SHIP_MAX_FINDINGS, default 64 */
	unsigned int batch_ms;      /* a partial batch waits at most this, default 5000 */
	uint64_t spool_cap;         /* bytes, default 256 MiB */
	long connect_timeout_ms;    /* default 5000 */
	long timeout_ms;            /* per request, default 30000 */
	unsigned int backoff_ms;    /* first retry delay, default 200 */
	unsigned int backoff_max_ms; /* default 30000 */
	int drop_when_full;         /* at the cap, drop the oldest batches rather
				     * than hold new findings back (the daemon) */
};

struct shipper_stats {
	uint64_t findings_spooled, batches_spooled;
	uint64_t batches_sent;      /* acknowledged and removed */
	uint64_t duplicates;        /* acknowledged as already stored */
	uint64_t retries;           /* failed attempts */
	uint64_t rejected;          /* batches the collector refused for good (kept aside) */
	uint64_t spool_batches, spool_bytes, spool_dropped, spool_corrupt;
};

struct shipper;

void shipper_opts__defaults(struct shipper_opts *o);
/* Returns 0 or a negative errno (logged, naming the file at fault). On
 * success *out is owned by the caller. */
int shipper__new(const struct shipper_opts *o, struct shipper **out);
/* Flushes a partial batch to the spool (not sent) and frees. NULL is fine. */
void shipper__free(struct shipper *s);
int shipper__submit(struct shipper *s, const struct finding *const *findings, size_t n,
		    uint64_t cursor);
/* One revision of an incident into the pending batch (a full batch of
 * incidents is spooled first). 0 or a negative errno. */
int shipper__submit_incident(struct shipper *s, const struct incident *in, uint64_t revision);
int shipper__flush(struct shipper *s);
/* Send for at most timeout_ms (0: one pass over what is due, without
 * waiting). Returns the number of batches acknowledged, or a negative errno
 * on a local failure (the spool cannot be read). */
int shipper__pump(struct shipper *s, int timeout_ms);
uint64_t shipper__cursor(const struct shipper *s);
/* Batches in the spool plus a partial one in memory. */
size_t shipper__backlog(const struct shipper *s);
void shipper__stats(const struct shipper *s, struct shipper_stats *st);

#endif
