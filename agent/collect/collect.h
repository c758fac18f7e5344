/* agent/collect: the reference collector's parts (server.c is the command).
 *
 * Answers, the contract with the shipper (README, "The collector"):
 *   200 application/x-protobuf  a BatchAck: the batch is stored durably, or
 *       was stored before with the same bytes (duplicate = true)
 *   400 application/json        {"error":"invalid-batch","detail":"..."}
 *       the batch itself cannot be decoded or validated (not a FindingBatch,
 *       no agent_id, an agent_id with a NUL or control byte or over 127
 *       bytes): sending the same bytes again can never succeed. This body is
 *       the only answer that lets a shipper retire a batch.
 * Every other answer has another status or another "error", all
 * application/json {"error":"CODE"[,"detail":"..."]}: 400 bad-request (a bad
 * query on GET), 401 unauthorized, 403 forbidden, 404 not-found,
 * 405 method-not-allowed, 409 conflict (that agent and sequence were stored
 * with other bytes; logged, never acknowledged), 413 too-large, 503 busy
 * (with Retry-After: buffers full) and 503 store-failed.
 */
#ifndef GW_COLLECT_COLLECT_H
#define GW_COLLECT_COLLECT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "collect/store.h"
#include "ship/wire.h"

#define COLLECT_MAX_AGENT_ID 127
#define COLLECT_PAGE_DEFAULT 100
#define COLLECT_PAGE_MAX 1000

/* A FindingBatch from the network: decoded and its identity checked (an
 * agent_id of 1..127 bytes without NUL or control bytes, in every copy of
 * the field). On success *out is owned by the caller. Returns 0, -EBADMSG
 * with *why set to a static reason, or -ENOMEM. */
int collect__decode_batch(const uint8_t *buf, size_t len, struct ship_batch **out,
			  const char **why);
/* The same checks, for a stored batch's identity only. 0 or -EBADMSG. */
int collect__batch_identity(const uint8_t *buf, size_t len, gatewatch_v1_BatchIdentity *id);

/* Is auth "Bearer TOKEN" with TOKEN == token[0..token_len)? Compared in
 * time that depends on token_len only; token_len 0: no token required. */
bool collect__bearer_ok(const char *token, size_t token_len, const char *auth);

/* Per-request log lines: at most 10 a second over all threads. */
bool collect__log_ok(void);

/* An answer {"error":code,"detail":detail} (detail may be NULL), JSON
 * escaped; retry_after > 0 adds Retry-After. */
enum MHD_Result collect__respond_error(struct MHD_Connection *conn, unsigned int status,
				       const char *code, const char *detail,
				       unsigned int retry_after);

/* The connection guard: libmicrohttpd's per-activity timeout lets a client
 * that sends one byte now and then hold a connection forever, so
 *  - at most max_conns connections, at most per_client from one address,
 *    and the last `reserve` slots only for addresses with no connection yet;
 *  - each request must arrive whole (headers and body) within deadline_s of
 *    its start, however it trickles: a watchdog shuts the socket down;
 *  - request bodies buffered over all connections stay under max_buffered
 *    bytes (the caller answers 503 with Retry-After past it). */
struct collect_guard_opts {
	unsigned int max_conns, per_client, reserve, deadline_s;
	size_t max_buffered;
};

struct collect_guard;

/* NULL with errno set on failure. Starts the watchdog thread. */
struct collect_guard *collect_guard__new(const struct collect_guard_opts *o);
void collect_guard__free(struct collect_guard *g);
/* For MHD_OPTION_ACCEPT_POLICY and MHD_OPTION_NOTIFY_CONNECTION (cls: g). */
enum MHD_Result collect_guard__accept(void *cls, const struct sockaddr *addr, socklen_t len);
void collect_guard__notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			   enum MHD_ConnectionNotificationCode code);
/* The request on conn has arrived whole: its deadline no longer applies.
 * collect_guard__next() starts the next request's deadline (keep-alive). */
void collect_guard__received(struct MHD_Connection *conn);
void collect_guard__next(struct MHD_Connection *conn);
/* Connections refused by the bounds, and cut at the deadline, so far. */
void collect_guard__stats(struct collect_guard *g, uint64_t *refused, uint64_t *cut);
/* Reserve n more buffered bytes: 0, or -ENOBUFS over max_buffered. */
int collect_guard__take(struct collect_guard *g, size_t n);
void collect_guard__give(struct collect_guard *g, size_t n);

/* A request body held in memory, its bytes taken from the guard's budget. */
struct collect_upload {
	uint8_t *buf;
	size_t len, cap;
	size_t reserved;          /* bytes taken from the guard's budget */
	bool too_big, busy;       /* over max_body; budget or memory exhausted */
};

/* First call of a request with a body: a declared Content-Length (may be
 * NULL) is refused over max_body (-EFBIG) and taken from the budget at once
 * (-ENOBUFS when it does not fit). 0 with *out, or -ENOMEM. */
int collect_upload__start(struct collect_guard *g, size_t max_body, const char *content_length,
			  struct collect_upload **out);
/* More of the body: sets too_big or busy instead of failing. */
void collect_upload__add(struct collect_guard *g, size_t max_body, struct collect_upload *u,
			 const char *data, size_t n);
/* Give the bytes back and free (NULL: nothing). */
void collect_upload__free(struct collect_guard *g, struct collect_upload *u);

/* A query argument as a decimal number: 0 when absent (arg NULL), 1 with *v
 * set, -EINVAL when it is not one. */
int collect__query_u64(const char *arg, uint64_t *v);

/* GET /v1/findings: ?limit=N (default 100, at most 1000) batches as JSON
 * lines, streamed one batch at a time; without ?cursor the last N stored,
 * with ?cursor=C the N from C on (C = 0: the first). The X-Next-Cursor
 * header is the cursor of what follows. */
enum MHD_Result collect_list__respond(struct store *s, struct MHD_Connection *conn);

/* GET /v1/incidents, and GET /v1/findings?view=finding: the view (view.h)
 * of one kind as JSON lines, one per incident or finding id at its latest
 * version, with the agents that reported it (and for an incident the
 * revisions seen and when); ?limit=N as above; without ?cursor the last N
 * updated, with ?cursor=C the N updated after C; X-Next-Cursor as above.
 * The page is copied out of the view under lock; each line's content is
 * read from the store while streaming. */
struct view;
enum MHD_Result collect_view__respond(struct view *v, pthread_mutex_t *lock, struct store *s,
				      int kind, struct MHD_Connection *conn);

/* gatewatch collect: parse the arguments, serve until SIGINT or SIGTERM.
 * Returns the exit status (lib/gw.h). */
int collect__run(int argc, char **argv);

#endif
