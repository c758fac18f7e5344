/* See listen.h. Served by libmicrohttpd with a small thread pool, bounded
 * by the collector's connection guard and upload budget. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/listen/listen.h"
#include "lib/http.h"
#include "lib/http_tls.h"
#include "lib/io.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/secret.h"

#define TOKEN_MAX 4096

struct audit_listener {
	struct journal *j;
	struct http_guard *guard;
	struct MHD_Daemon *d;
	struct http_tls tls;
	struct sockaddr_storage addr;
	char token[TOKEN_MAX];
	size_t token_len, max_body;
	struct audit_listen_opts o;
};

void audit_listen_opts__defaults(struct audit_listen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_body = (size_t)8 << 20;
	o->max_queue = (uint64_t)256 << 20;
	o->deadline_s = 30;
	o->max_conns = 64;
	o->per_client = 16;
	o->threads = 2;
	o->max_buffered = (size_t)64 << 20;
}

static enum MHD_Result refuse(struct MHD_Connection *conn, unsigned int status, const char *code,
			      const char *detail, unsigned int retry_after)
{
	char labels[64];

	if (metrics__labels(labels, sizeof(labels), "reason", code, NULL) == 0)
		metrics__add(M_LISTEN_REFUSED, labels, 1);
	return http__respond_error(conn, status, code, detail, retry_after);
}

static bool looks_json(const uint8_t *b, size_t n)
{
	size_t i = 0;

	while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
		i++;
	return i < n && (b[i] == '{' || b[i] == '[');
}

static enum MHD_Result respond_ok(struct MHD_Connection *conn, size_t n)
{
	char body[48];
	int len = snprintf(body, sizeof(body), "{\"queued\":%zu}\n", n);
	struct MHD_Response *r = MHD_create_response_from_buffer((size_t)len, body,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* The whole body is here: queue it durably, then answer. */
static enum MHD_Result finish(struct audit_listener *l, struct MHD_Connection *conn,
			      const struct http_upload *u)
{
	char detail[64];
	int err;

	if (u->too_big) {
		snprintf(detail, sizeof(detail), "larger than %zu bytes", l->max_body);
		return refuse(conn, MHD_HTTP_CONTENT_TOO_LARGE, "too-large", detail, 0);
	}
	if (u->busy)
		return refuse(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "busy", "request buffers full", 1);
	if (!u->len || !looks_json(u->buf, u->len))
		return refuse(conn, MHD_HTTP_BAD_REQUEST, "bad-request",
			      "expected MinIO audit entries as JSON", 0);
	err = journal__append(l->j, u->buf, u->len);
	if (err == -ENOSPC)
		return refuse(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "queue-full",
			      "the audit queue is full", 5);
	if (err) {
		if (http__log_ok())
			log_err("audit webhook: cannot queue %zu bytes: %s", u->len, strerror(-err));
		return refuse(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "queue-failed", NULL, 5);
	}
	metrics__add(M_LISTEN_QUEUED, NULL, 1);
	return respond_ok(conn, u->len);
}

static enum MHD_Result route(struct audit_listener *l, struct MHD_Connection *conn,
			     const char *url, const char *method, void **con_cls)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	char detail[64];
	int err;

	if (!http__bearer_ok(l->token, l->token_len, auth)) {
		if (http__log_ok())
			log_warn("audit webhook: refused a request: %s bearer token",
				 auth ? "wrong" : "no");
		return refuse(conn, MHD_HTTP_UNAUTHORIZED, "unauthorized",
			      "missing or wrong bearer token", 0);
	}
	if (strcmp(url, AUDIT_LISTEN_PATH) != 0)
		return refuse(conn, MHD_HTTP_NOT_FOUND, "not-found", "no such endpoint", 0);
	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0 && strcmp(method, MHD_HTTP_METHOD_PUT) != 0)
		return refuse(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", "use POST",
			      0);
	err = http_upload__start(l->guard, l->max_body, cl, (struct http_upload **)con_cls);
	if (err == -EFBIG) {
		snprintf(detail, sizeof(detail), "larger than %zu bytes", l->max_body);
		return refuse(conn, MHD_HTTP_CONTENT_TOO_LARGE, "too-large", detail, 0);
	}
	if (err == -ENOBUFS)
		return refuse(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "busy", "request buffers full", 1);
	return err ? MHD_NO : MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct audit_listener *l = cls;
	enum MHD_Result ret;

	(void)version;
	if (*con_cls) {
		if (*upload_data_size) {
			http_upload__add(l->guard, l->max_body, *con_cls, upload_data,
					 *upload_data_size);
			*upload_data_size = 0;
			return MHD_YES;
		}
		http_guard__received(conn);
		return finish(l, conn, *con_cls);
	}
	ret = route(l, conn, url, method, con_cls);
	if (!*con_cls)
		http_guard__received(conn);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct audit_listener *l = cls;

	(void)toe;
	http_upload__free(l->guard, *con_cls);
	*con_cls = NULL;
	http_guard__next(conn);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	gw_vlog(LOG_WARNING, fmt, ap);
}

static struct MHD_Daemon *serve(struct audit_listener *l)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	unsigned int mhd_limit = (l->o.max_conns + 64) * l->o.threads;
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, l->tls.cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, l->tls.key },
		{ MHD_OPTION_END, 0, NULL },
	};

	if (l->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (l->tls.cert)
		flags |= MHD_USE_TLS;
	else
		tls[0].option = MHD_OPTION_END;
	return MHD_start_daemon(flags, 0, http_guard__accept, l->guard, on_request, l,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, l,
				MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&l->addr,
				MHD_OPTION_THREAD_POOL_SIZE, l->o.threads,
				MHD_OPTION_CONNECTION_LIMIT, mhd_limit,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
				MHD_OPTION_CONNECTION_TIMEOUT, l->o.deadline_s,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, l,
				MHD_OPTION_NOTIFY_CONNECTION, http_guard__notify, l->guard,
				MHD_OPTION_ARRAY, tls,
				MHD_OPTION_END);
}

static void log_listening(const struct audit_listener *l)
{
	char host[INET6_ADDRSTRLEN] = "?";
	bool v6 = l->addr.ss_family == AF_INET6;
	const void *ip = v6 ? (const void *)&((const struct sockaddr_in6 *)&l->addr)->sin6_addr :
			      (const void *)&((const struct sockaddr_in *)&l->addr)->sin_addr;

	inet_ntop(l->addr.ss_family, ip, host, sizeof(host));
	log_info("audit webhook: MinIO audit entries accepted at %s://%s%s%s:%u%s%s",
		 l->tls.cert ? "https" : "http", v6 ? "[" : "", host, v6 ? "]" : "",
		 audit_listen__port(l), AUDIT_LISTEN_PATH,
		 l->token_len ? " (bearer token required)" : "");
}

/* Token, TLS files and journal. 0 or -errno (logged). */
static int open_files(struct audit_listener *l)
{
	const char *bad;
	int err;

	if (l->o.token_file) {
		err = secret_file__read(l->o.token_file, l->token, sizeof(l->token), &l->token_len);
		if (err)
			return err;
	}
	if (l->o.tls_key && secret_file__check(l->o.tls_key) < 0)
		return -EACCES;
	if (l->o.tls_cert) {
		err = http_tls__load(&l->tls, l->o.tls_cert, l->o.tls_key, NULL, &bad);
		if (err) {
			log_err("audit webhook: cannot use %s: %s", bad,
				err == -EINVAL ? "not a PEM file" : strerror(-err));
			return err;
		}
	}
	err = journal__open(l->o.state_dir, l->max_body, l->o.max_queue, &l->j);
	if (err)
		log_err("audit webhook: cannot open the journal in %s: %s", l->o.state_dir,
			strerror(-err));
	return err;
}

int audit_listen__start(const struct audit_listen_opts *o, struct audit_listener **out)
{
	struct audit_listener *l = calloc(1, sizeof(*l));
	struct http_guard_opts go = { o->max_conns, o->per_client, o->max_conns / 8,
					 o->deadline_s, o->max_buffered };
	int err = -EINVAL;

	if (!l)
		return -ENOMEM;
	l->o = *o;
	l->max_body = o->max_body;
	if (io__parse_listen(o->listen, 0, &l->addr) < 0) {
		log_err("[audit] listen '%s': expected ADDR:PORT with a numeric address", o->listen);
		goto fail;
	}
	err = open_files(l);
	if (err)
		goto fail;
	l->guard = http_guard__new(&go);
	if (!l->guard) {
		err = -ENOMEM;
		goto fail;
	}
	l->d = serve(l);
	if (!l->d) {
		log_err("audit webhook: cannot listen on %s (address in use or not available)",
			o->listen);
		err = -EADDRINUSE;
		goto fail;
	}
	log_listening(l);
	*out = l;
	return 0;
fail:
	audit_listen__stop(l);
	return err;
}

void audit_listen__stop(struct audit_listener *l)
{
	if (!l)
		return;
	if (l->d)
		MHD_stop_daemon(l->d);
	http_guard__free(l->guard);
	journal__close(l->j);
	http_tls__free(&l->tls);
	explicit_bzero(l->token, sizeof(l->token));
	free(l);
}

unsigned audit_listen__port(const struct audit_listener *l)
{
	const union MHD_DaemonInfo *info = l->d ? MHD_get_daemon_info(l->d,
							MHD_DAEMON_INFO_BIND_PORT) : NULL;

	return info ? (unsigned)info->port : 0;
}

struct journal *audit_listen__journal(struct audit_listener *l)
{
	return l->j;
}
