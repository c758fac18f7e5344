/* gatewatch collect: the reference collector.
 *
 * POST /v1/batches   a FindingBatch protobuf; answered with a BatchAck once it
 *                    is stored durably (or was stored before: duplicate).
 * GET  /v1/findings  stored batches as JSON lines, a page at a time
 *                    (?limit=N&cursor=C, see collect.h); with ?view=finding
 *                    each finding once per id, with the agents that sent it.
 * GET  /v1/incidents each incident once per id at its latest revision, with
 *                    the revisions seen and when (view.h).
 * The answers and their bodies are listed in collect.h. Requests are served
 * by a pool of threads; the connection guard (lib/http.h) bounds
 * connections, request time and buffered bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pb_encode.h>

#include "lib/clock.h"
#include "lib/gw.h"
#include "lib/log.h"
#include "collect/server_priv.h"

#define MAX_AGENTS 1024

static enum MHD_Result respond_ack(struct MHD_Connection *conn, const char *agent,
				   uint64_t seq, bool dup)
{
	gatewatch_v1_BatchAck ack = gatewatch_v1_BatchAck_init_zero;
	uint8_t buf[gatewatch_v1_BatchAck_size];
	pb_ostream_t s = pb_ostream_from_buffer(buf, sizeof(buf));

	ship__copy_str(ack.agent_id, sizeof(ack.agent_id), agent);
	ack.sequence = seq;
	ack.duplicate = dup;
	if (!pb_encode(&s, gatewatch_v1_BatchAck_fields, &ack))
		return http__respond_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "ack-failed",
					   NULL, 0);
	return http__respond(conn, MHD_HTTP_OK, "application/x-protobuf", buf, s.bytes_written,
			     MHD_RESPMEM_MUST_COPY, 0);
}

/* A stored batch into the view, with its arrival time. Under c->lock. */
static void take_batch(struct collector *c, const struct ship_batch *b, uint64_t off, int64_t ms)
{
	int err = arrivals__put(c->arrivals, c->nbatches, off, ms);

	if (err < 0 && http__log_ok())
		log_warn("%s/%s: cannot record a batch's arrival: %s", c->store_dir,
			 ARRIVALS_FILE, strerror(-err));
	c->nbatches++;
	if (view__add_batch(c->view, b, off, ms) < 0 && http__log_ok())
		log_warn("out of memory for the findings and incidents view");
}

/* Store a decoded batch unless (agent, sequence) is stored already; returns
 * the verdict, or a negative errno when the store failed. */
static int store_batch(struct collector *c, const struct http_upload *u, const struct ship_batch *b)
{
	uint8_t digest[DEDUP_DIGEST_LEN];
	int v, err = 0;

	dedup__digest(u->buf, u->len, digest);
	pthread_mutex_lock(&c->lock);
	v = (int)dedup__check(c->dedup, b->hdr.agent_id, b->hdr.sequence, digest);
	if (v == DEDUP_NEW || v == DEDUP_NEW_UNSURE) {
		uint64_t off = store__size(c->store);

		err = store__append(c->store, u->buf, u->len);
		if (err == 0 && dedup__add(c->dedup, b->hdr.agent_id, b->hdr.sequence, digest) < 0 &&
		    http__log_ok())
			log_warn("out of memory for the duplicate index");
		if (err == 0)
			take_batch(c, b, off, gw_wall_ms());
	}
	pthread_mutex_unlock(&c->lock);
	return err < 0 ? err : v;
}

static enum MHD_Result answer_stored(struct collector *c, struct MHD_Connection *conn,
				     const struct ship_batch *b, int v)
{
	const char *agent = b->hdr.agent_id;
	unsigned long long seq = (unsigned long long)b->hdr.sequence;

	if (v < 0) {
		if (http__log_ok())
			log_err("%s: cannot append: %s", store__path(c->store), strerror(-v));
		return http__respond_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "store-failed",
					   NULL, 5);
	}
	if (v == DEDUP_CONFLICT) {
		c->conflicts++;
		if (http__log_ok())
			log_warn("refused batch %s/%llu: that sequence was stored before with "
				 "other content", agent, seq);
		return http__respond_error(conn, MHD_HTTP_CONFLICT, "conflict",
					   "agent_id and sequence stored before with other content",
					      0);
	}
	if (v == DEDUP_NEW_UNSURE && http__log_ok())
		log_warn("batch %s/%llu: older than the duplicate window; stored, it may be stored "
			 "twice", agent, seq);
	if (v == DEDUP_DUPLICATE)
		c->duplicates++;
	else
		c->stored++;
	log_debug("batch %s/%llu: %zu findings%s", agent, seq, b->nfindings,
		  v == DEDUP_DUPLICATE ? " (duplicate)" : "");
	return respond_ack(conn, agent, b->hdr.sequence, v == DEDUP_DUPLICATE);
}

static enum MHD_Result handle_batch(struct collector *c, struct MHD_Connection *conn,
				    const struct http_upload *u)
{
	struct ship_batch *b = NULL;
	const char *why;
	enum MHD_Result ret;
	char detail[64];
	int err;

	if (u->too_big) {
		snprintf(detail, sizeof(detail), "larger than %zu bytes", c->max_body);
		return http__respond_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
					   detail, 0);
	}
	if (u->busy) {
		c->busy++;
		return http__respond_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "busy",
					   "request buffers full", 1);
	}
	err = collect__decode_batch(u->buf ? u->buf : (const uint8_t *)"", u->len, &b, &why);
	if (err == -ENOMEM)
		return http__respond_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "busy",
					   "out of memory", 1);
	if (err < 0) {
		c->invalid++;
		if (http__log_ok())
			log_warn("rejected a batch of %zu bytes: %s", u->len, why);
		return http__respond_error(conn, MHD_HTTP_BAD_REQUEST, "invalid-batch", why, 0);
	}
	ret = answer_stored(c, conn, b, store_batch(c, u, b));
	ship_batch__free(b);
	return ret;
}

/* First call of a POST: refuse early what will be refused anyway, and take
 * a declared body's bytes from the budget at once. */
static enum MHD_Result post_start(struct collector *c, struct MHD_Connection *conn,
				  void **con_cls)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	struct http_upload *u = NULL;
	char detail[64];
	int err = http_upload__start(c->guard, c->max_body, cl, &u);

	if (err == -EFBIG) {
		snprintf(detail, sizeof(detail), "larger than %zu bytes", c->max_body);
		return http__respond_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
					   detail, 0);
	}
	if (err == -ENOBUFS) {
		c->busy++;
		if (http__log_ok())
			log_warn("refused a batch of %s bytes: request buffers full", cl);
		return http__respond_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "busy",
					   "request buffers full", 1);
	}
	if (err)
		return MHD_NO;
	*con_cls = u;
	return MHD_YES;
}

/* Token and client certificate, for every endpoint: true if refused, the
 * answer queued with *ret. */
static bool refused(struct collector *c, struct MHD_Connection *conn, const char *url,
		    enum MHD_Result *ret)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	char why[256];

	if (c->client_cert && http_tls__verify_client(conn, why, sizeof(why)) < 0) {
		if (http__log_ok())
			log_warn("refused a request for %s: %s", url, why);
		*ret = http__respond_error(conn, MHD_HTTP_FORBIDDEN, "forbidden", why, 0);
		return true;
	}
	if (!http__bearer_ok(c->token, c->token_len, auth)) {
		if (http__log_ok())
			log_warn("refused a request for %s: %s bearer token", url,
				 auth ? "wrong" : "no");
		*ret = http__respond_error(conn, MHD_HTTP_UNAUTHORIZED, "unauthorized",
					   "missing or wrong bearer token", 0);
		return true;
	}
	return false;
}

/* ?view=finding: 1; none or batch: 0; anything else: -1. */
static int by_finding(struct MHD_Connection *conn)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "view");

	if (!v || strcmp(v, "batch") == 0)
		return 0;
	return strcmp(v, "finding") == 0 ? 1 : -1;
}

static enum MHD_Result route(struct collector *c, struct MHD_Connection *conn, const char *url,
			     const char *method, void **con_cls)
{
	bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
	enum MHD_Result ret;

	if (refused(c, conn, url, &ret))
		return ret;
	if (strcmp(url, "/v1/batches") == 0) {
		if (post)
			return post_start(c, conn, con_cls);
		return http__respond_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
					   "method-not-allowed", "use POST", 0);
	}
	if (strcmp(url, "/v1/findings") == 0) {
		if (get && by_finding(conn) < 0)
			return http__respond_error(conn, MHD_HTTP_BAD_REQUEST, "bad-request",
						   "view: expected batch or finding", 0);
		if (get && by_finding(conn))
			return collect_view__respond(c->view, &c->lock, c->store, VIEW_FINDING, conn);
		if (get)
			return collect_list__respond(c->store, conn);
		return http__respond_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
					   "method-not-allowed", "use GET", 0);
	}
	if (strcmp(url, "/v1/incidents") == 0) {
		if (get)
			return collect_view__respond(c->view, &c->lock, c->store, VIEW_INCIDENT, conn);
		return http__respond_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
					   "method-not-allowed", "use GET", 0);
	}
	return http__respond_error(conn, MHD_HTTP_NOT_FOUND, "not-found", "no such endpoint", 0);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct collector *c = cls;
	enum MHD_Result ret;

	(void)version;
	if (*con_cls) {
		if (*upload_data_size) {
			http_upload__add(c->guard, c->max_body, *con_cls, upload_data,
					 *upload_data_size);
			*upload_data_size = 0;
			return MHD_YES;
		}
		http_guard__received(conn);
		return handle_batch(c, conn, *con_cls);
	}
	ret = route(c, conn, url, method, con_cls);
	if (!*con_cls)
		http_guard__received(conn);   /* answered: no body to wait for */
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct collector *c = cls;
	(void)toe;
	http_upload__free(c->guard, *con_cls);
	*con_cls = NULL;
	http_guard__next(conn);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	gw_vlog(LOG_WARNING, fmt, ap);
}

/* dedup and the view rebuilt from the store at startup: what they need is
 * in the store and beside it (arrivals). */
static int index_record(uint64_t off, const uint8_t *data, size_t len, void *ctx)
{
	struct collector *c = ctx;
	int64_t ms = arrivals__get(c->arrivals, c->nbatches, off);
	uint8_t digest[DEDUP_DIGEST_LEN];
	struct ship_batch *b = NULL;
	const char *why;
	int err;

	c->nbatches++;
	err = collect__decode_batch(data, len, &b, &why);
	if (err == -ENOMEM)
		return err;
	if (err < 0) {
		log_warn("%s: batch at offset %llu does not decode or has a bad agent_id; "
			 "not indexed", STORE_FILE, (unsigned long long)off);
		return 0;
	}
	dedup__digest(data, len, digest);
	err = dedup__add(c->dedup, b->hdr.agent_id, b->hdr.sequence, digest);
	if (!err)
		err = view__add_batch(c->view, b, off, ms);
	ship_batch__free(b);
	return err;
}

static struct MHD_Daemon *start(struct collector *c, const struct collect_args *a)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	/* libmicrohttpd splits its limit over the threads, and any one thread
	 * may take every connection: the guard enforces the real limit. */
	unsigned int mhd_limit = (c->go.max_conns + 64) * c->threads;
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, c->tls.cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, c->tls.key },
		{ c->tls.ca ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0, c->tls.ca },
		{ MHD_OPTION_END, 0, NULL },
	};

	if (a->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (c->tls.cert)
		flags |= MHD_USE_TLS;
	else
		tls[0].option = MHD_OPTION_END;
	return MHD_start_daemon(flags, 0, http_guard__accept, c->guard, on_request, c,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, c,
				MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&a->addr,
				MHD_OPTION_THREAD_POOL_SIZE, c->threads,
				MHD_OPTION_CONNECTION_LIMIT, mhd_limit,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
				MHD_OPTION_CONNECTION_TIMEOUT, c->go.deadline_s,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, c,
				MHD_OPTION_NOTIFY_CONNECTION, http_guard__notify, c->guard,
				MHD_OPTION_ARRAY, tls,
				MHD_OPTION_END);
}

static void log_listening(struct MHD_Daemon *d, const struct collect_args *a)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	char host[INET6_ADDRSTRLEN] = "?";
	const void *ip = a->addr.ss_family == AF_INET6 ?
		(const void *)&((const struct sockaddr_in6 *)&a->addr)->sin6_addr :
		(const void *)&((const struct sockaddr_in *)&a->addr)->sin_addr;

	inet_ntop(a->addr.ss_family, ip, host, sizeof(host));
	log_info(a->addr.ss_family == AF_INET6 ? "listening on [%s]:%u" : "listening on %s:%u",
		 host, info ? (unsigned int)info->port : 0u);
}

/* Store, duplicate index and connection guard. Returns 0 or the exit status. */
static int open_all(struct collector *c, const struct collect_args *a)
{
	int err;

	c->dedup = dedup__new(MAX_AGENTS);
	c->view = c->dedup ? view__new(c->max_view) : NULL;
	c->guard = c->view ? http_guard__new(&c->go) : NULL;
	if (!c->guard) {
		log_err("out of memory");
		return GW_EXIT_FAIL;
	}
	c->store_dir = a->store;
	if (mkdir(a->store, 0700) != 0 && errno != EEXIST) {
		log_err("cannot open store %s: %s", a->store, strerror(errno));
		return GW_EXIT_FAIL;
	}
	c->arrivals = arrivals__open(a->store);
	if (!c->arrivals) {
		log_err("cannot open %s/%s: %s", a->store, ARRIVALS_FILE, strerror(errno));
		return GW_EXIT_FAIL;
	}
	err = store__open(a->store, index_record, c, &c->store);
	if (err < 0) {
		if (err != -EBADMSG)
			log_err("cannot open store %s: %s", a->store,
				err == -EBUSY ? "in use by another collector" : strerror(-err));
		return GW_EXIT_FAIL;
	}
	arrivals__trim(c->arrivals, c->nbatches);
	return 0;
}

/* What was done, and what was refused, so that a skip is never silent. */
static void log_summary(struct collector *c)
{
	uint64_t refused, cut;
	struct view_stats vs;

	http_guard__stats(c->guard, &refused, &cut);
	view__stats(c->view, &vs);
	log_info("holding %llu findings and %llu incidents by id (%llu and %llu forgotten past "
		 "--max-entries)", (unsigned long long)vs.entries[VIEW_FINDING],
		 (unsigned long long)vs.entries[VIEW_INCIDENT],
		 (unsigned long long)vs.forgotten[VIEW_FINDING],
		 (unsigned long long)vs.forgotten[VIEW_INCIDENT]);
	log_info("stored %llu batches, %llu duplicates; refused %llu invalid, %llu conflicting, "
		 "%llu for full buffers; %llu connections refused, %llu cut at the deadline",
		 (unsigned long long)c->stored, (unsigned long long)c->duplicates,
		 (unsigned long long)c->invalid, (unsigned long long)c->conflicts,
		 (unsigned long long)c->busy, (unsigned long long)refused,
		 (unsigned long long)cut);
}

int collect__run(int argc, char **argv)
{
	struct collector *c = calloc(1, sizeof(*c));
	struct collect_args a = { 0 };
	struct MHD_Daemon *d = NULL;
	sigset_t set;
	int rc, sig;

	if (!c) {
		log_err("out of memory");
		return GW_EXIT_FAIL;
	}
	collect_args__defaults(c);
	pthread_mutex_init(&c->lock, NULL);
	rc = collect_args__parse(argc, argv, &a, c);
	if (rc >= 0)
		goto out;
	/* Threads started from here on inherit the blocked signals; this one
	 * waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = open_all(c, &a);
	if (rc)
		goto out;
	rc = GW_EXIT_FAIL;
	d = start(c, &a);
	if (!d) {
		log_err("cannot listen on %s (address in use or not available)", a.listen);
		goto out;
	}
	log_listening(d, &a);
	while (sigwait(&set, &sig) != 0)
		;
	log_info("signal %d: stopping", sig);
	log_summary(c);
	rc = GW_EXIT_OK;
out:
	if (d)
		MHD_stop_daemon(d);
	http_guard__free(c->guard);
	store__close(c->store);
	dedup__free(c->dedup);
	view__free(c->view);
	arrivals__close(c->arrivals);
	http_tls__free(&c->tls);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return rc;
}
