/* agent/lib: what the agent's HTTP servers share (the collector, the audit
 * webhook): bounds on connections, request time and buffered bytes, request
 * bodies under that budget, bearer tokens, JSON error answers and a rate
 * limit for per-request log lines. TLS is in http_tls.h.
 */
#ifndef GW_LIB_HTTP_H
#define GW_LIB_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <microhttpd.h>

/* Is auth "Bearer TOKEN" with TOKEN == token[0..token_len)? Compared in
 * time that depends on token_len only; token_len 0: no token required. */
bool http__bearer_ok(const char *token, size_t token_len, const char *auth);

/* Per-request log lines: at most 10 a second over all threads. */
bool http__log_ok(void);

/* An answer {"error":code,"detail":detail} (detail may be NULL), JSON
 * escaped; retry_after > 0 adds Retry-After. */
enum MHD_Result http__respond_error(struct MHD_Connection *conn, unsigned int status,
				    const char *code, const char *detail, unsigned int retry_after);

/* The connection guard: libmicrohttpd's per-activity timeout lets a client
 * that sends one byte now and then hold a connection forever, so
 *  - at most max_conns connections, at most per_client from one address,
 *    and the last `reserve` slots only for addresses with no connection yet;
 *  - each request must arrive whole (headers and body) within deadline_s of
 *    its start, however it trickles: a watchdog shuts the socket down;
 *  - request bodies buffered over all connections stay under max_buffered
 *    bytes (the caller answers 503 with Retry-After past it). */
struct http_guard_opts {
	unsigned int max_conns, per_client, reserve, deadline_s;
	size_t max_buffered;
};

struct http_guard;

/* NULL with errno set on failure. Starts the watchdog thread. */
struct http_guard *http_guard__new(const struct http_guard_opts *o);
void http_guard__free(struct http_guard *g);
/* For MHD_OPTION_ACCEPT_POLICY and MHD_OPTION_NOTIFY_CONNECTION (cls: g). */
enum MHD_Result http_guard__accept(void *cls, const struct sockaddr *addr, socklen_t len);
void http_guard__notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			enum MHD_ConnectionNotificationCode code);
/* The request on conn has arrived whole: its deadline no longer applies.
 * http_guard__next() starts the next request's deadline (keep-alive). */
void http_guard__received(struct MHD_Connection *conn);
void http_guard__next(struct MHD_Connection *conn);
/* Connections refused by the bounds, and cut at the deadline, so far. */
void http_guard__stats(struct http_guard *g, uint64_t *refused, uint64_t *cut);
/* Reserve n more buffered bytes: 0, or -ENOBUFS over max_buffered. */
int http_guard__take(struct http_guard *g, size_t n);
void http_guard__give(struct http_guard *g, size_t n);

/* A request body held in memory, its bytes taken from the guard's budget. */
struct http_upload {
	uint8_t *buf;
	size_t len, cap;
	size_t reserved;          /* bytes taken from the guard's budget */
	bool too_big, busy;       /* over max_body; budget or memory exhausted */
};

/* First call of a request with a body: a declared Content-Length (may be
 * NULL) is refused over max_body (-EFBIG) and taken from the budget at once
 * (-ENOBUFS when it does not fit). 0 with *out, or -ENOMEM. */
int http_upload__start(struct http_guard *g, size_t max_body, const char *content_length,
		       struct http_upload **out);
/* More of the body: sets too_big or busy instead of failing. */
void http_upload__add(struct http_guard *g, size_t max_body, struct http_upload *u,
		      const char *data, size_t n);
/* Give the bytes back and free (NULL: nothing). */
void http_upload__free(struct http_guard *g, struct http_upload *u);

/* An answer with body[0..len) of Content-Type type (mode as for
 * MHD_create_response_from_buffer; a body to free is freed on failure);
 * 401 adds WWW-Authenticate: Bearer, retry_after > 0 adds Retry-After. */
enum MHD_Result http__respond(struct MHD_Connection *conn, unsigned int status, const char *type,
			      void *body, size_t len, enum MHD_ResponseMemoryMode mode,
			      unsigned int retry_after);

#endif
