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
#include "lib/http.h"
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

/* A query argument as a decimal number: 0 when absent (arg NULL), 1 with *v
 * set, -EINVAL when it is not one. */
int collect__query_u64(const char *arg, uint64_t *v);

#define COLLECT_BAD_CURSOR "cursor: not one this collector gave"

/* A GET's ?limit (default COLLECT_PAGE_DEFAULT, cut to COLLECT_PAGE_MAX)
 * and ?cursor (*has_cursor 0 when absent). 0, or -EINVAL with *why set. */
int collect__page_query(struct MHD_Connection *conn, uint64_t *limit, uint64_t *cursor,
			int *has_cursor, const char **why);
/* One JSON line at a time, copied into an answer's buffer. */
struct collect_line {
	char *out;                  /* the current line, from open_memstream */
	size_t outlen, outoff;      /* its length, and how much is sent */
};
/* Fill buf (max bytes) from ln, calling next(cls) for a new line when it
 * is sent, at most max_lines times (0: no limit): the bytes copied, or
 * MHD's end of stream or error (an error only when nothing was copied). */
ssize_t collect__copy_lines(struct collect_line *ln, int (*next)(void *cls), void *cls,
			    char *buf, size_t max, int max_lines);

/* A 200 of JSON lines streamed by read(cls) (done(cls) when it ends, or
 * at once when the answer cannot be made), with X-Next-Cursor: next. */
enum MHD_Result collect__send_lines(struct MHD_Connection *conn, MHD_ContentReaderCallback read,
				    MHD_ContentReaderFreeCallback done, void *cls, uint64_t next);

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
